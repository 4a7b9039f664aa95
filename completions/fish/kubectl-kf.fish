# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kubectl_kf_global_optspecs
    string join \n h/help V/version
end

function __fish_kubectl_kf_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kubectl_kf_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kubectl_kf_using_subcommand
    set -l cmd (__fish_kubectl_kf_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kubectl-kf -n "__fish_kubectl_kf_needs_command" -s h -l help -d 'Print help'
complete -c kubectl-kf -n "__fish_kubectl_kf_needs_command" -s V -l version -d 'Print version'
complete -c kubectl-kf -n "__fish_kubectl_kf_needs_command" -f -a "status" -d 'Show the upgrade recorded for blue: steps, resources and their phases'
complete -c kubectl-kf -n "__fish_kubectl_kf_needs_command" -f -a "token" -d 'Print an EKS ExecCredential for a cluster (used by the kubeconfig entries kf writes)'
complete -c kubectl-kf -n "__fish_kubectl_kf_needs_command" -f -a "version" -d 'Print the version'
complete -c kubectl-kf -n "__fish_kubectl_kf_needs_command" -f -a "migrate" -d 'Carry every user\'s Profile, the objects they made in its namespace and their volumes (EFS claims bound to the cloned data, EBS claims by snapshot) from blue to green'
complete -c kubectl-kf -n "__fish_kubectl_kf_needs_command" -f -a "verify" -d 'Compare blue and green: every database, bucket, file, profile, claim, notebook and role blue has, carried to green or missing (exit 1 when anything is missing)'
complete -c kubectl-kf -n "__fish_kubectl_kf_needs_command" -f -a "cleanup" -d 'Delete what only served the copy: DataSync tasks, locations and role, older DB snapshots of blue (plans without --yes)'
complete -c kubectl-kf -n "__fish_kubectl_kf_needs_command" -f -a "abort" -d 'Remove the whole green attempt and leave blue as it was: green\'s cluster, DB (a final snapshot kept), EFS, roles, secrets; its bucket only with --delete-data (plans without --yes)'
complete -c kubectl-kf -n "__fish_kubectl_kf_needs_command" -f -a "retire-blue" -d 'After cutover: delete blue\'s cluster and DB (a final snapshot kept); its EFS and bucket only with --delete-data. Asks for blue\'s cluster name unless --yes'
complete -c kubectl-kf -n "__fish_kubectl_kf_needs_command" -f -a "clone" -d 'Clone blue\'s RDS database, S3 bucket and EFS file system for green, concurrently and resumably'
complete -c kubectl-kf -n "__fish_kubectl_kf_needs_command" -f -a "deploy" -d 'Create green\'s EKS cluster shaped like blue, and deploy Kubeflow on it wired to the clones'
complete -c kubectl-kf -n "__fish_kubectl_kf_needs_command" -f -a "storage" -d 'EFS, PVCs bound to cloned data, and the default StorageClass on green'
complete -c kubectl-kf -n "__fish_kubectl_kf_needs_command" -f -a "cutover" -d 'Move production traffic to green after preflight checks, and fail back'
complete -c kubectl-kf -n "__fish_kubectl_kf_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand status" -l from -d 'Blue (production) kubeconfig context [default: the current context]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand status" -l to -d 'Green (new) kubeconfig context [default: the green recorded for blue]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand status" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand status" -l region -d 'AWS region [default: from the environment or AWS config]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand status" -l profile -d 'AWS named profile' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand status" -s o -l output -d 'Output format of the result' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand status" -l timeout -d 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand status" -l dry-run -d 'Print the plan and change nothing'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand status" -l yes -d 'Approve steps that replace, delete or redirect'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand status" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand status" -s q -l quiet -d 'Only errors on stderr'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand status" -s h -l help -d 'Print help'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand token" -l cluster -d 'EKS cluster name' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand token" -l region -d 'AWS region of the cluster' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand token" -l profile -d 'AWS named profile' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand token" -s h -l help -d 'Print help'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand version" -l from -d 'Blue (production) kubeconfig context [default: the current context]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand version" -l to -d 'Green (new) kubeconfig context [default: the green recorded for blue]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand version" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand version" -l region -d 'AWS region [default: from the environment or AWS config]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand version" -l profile -d 'AWS named profile' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand version" -s o -l output -d 'Output format of the result' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand version" -l timeout -d 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand version" -l dry-run -d 'Print the plan and change nothing'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand version" -l yes -d 'Approve steps that replace, delete or redirect'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand version" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand version" -s q -l quiet -d 'Only errors on stderr'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand version" -s h -l help -d 'Print help'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand migrate" -l from -d 'Blue (production) kubeconfig context [default: the current context]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand migrate" -l to -d 'Green (new) kubeconfig context [default: the green recorded for blue]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand migrate" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand migrate" -l region -d 'AWS region [default: from the environment or AWS config]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand migrate" -l profile -d 'AWS named profile' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand migrate" -s o -l output -d 'Output format of the result' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand migrate" -l timeout -d 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand migrate" -l namespace -d 'Only this profile namespace (repeatable; default: every profile of blue)' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand migrate" -l exclude-namespace -d 'Leave this profile namespace out (repeatable)' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand migrate" -l ebs -d 'Claims on EBS: copy them by snapshot, or skip them' -r -f -a "snapshot\t'Snapshot each volume and make a copy in a zone green\'s nodegroups use'
skip\t'Leave them: listed as not carried, with size and namespace'"
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand migrate" -l dry-run -d 'Print the plan and change nothing'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand migrate" -l yes -d 'Approve steps that replace, delete or redirect'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand migrate" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand migrate" -s q -l quiet -d 'Only errors on stderr'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand migrate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand verify" -l from -d 'Blue (production) kubeconfig context [default: the current context]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand verify" -l to -d 'Green (new) kubeconfig context [default: the green recorded for blue]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand verify" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand verify" -l region -d 'AWS region [default: from the environment or AWS config]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand verify" -l profile -d 'AWS named profile' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand verify" -s o -l output -d 'Output format of the result' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand verify" -l timeout -d 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand verify" -l sample -d 'How many of blue\'s objects have their ETags compared with green\'s, spread evenly over blue\'s keys in order (the same objects every run; 0: none)' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand verify" -l dry-run -d 'Print the plan and change nothing'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand verify" -l yes -d 'Approve steps that replace, delete or redirect'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand verify" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand verify" -s q -l quiet -d 'Only errors on stderr'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand verify" -s h -l help -d 'Print help'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cleanup" -l from -d 'Blue (production) kubeconfig context [default: the current context]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cleanup" -l to -d 'Green (new) kubeconfig context [default: the green recorded for blue]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cleanup" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cleanup" -l region -d 'AWS region [default: from the environment or AWS config]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cleanup" -l profile -d 'AWS named profile' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cleanup" -s o -l output -d 'Output format of the result' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cleanup" -l timeout -d 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cleanup" -l keep-snapshots -d 'How many of the DB snapshots the clone took of blue to keep, newest first (0: none)' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cleanup" -l dry-run -d 'Print the plan and change nothing'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cleanup" -l yes -d 'Approve steps that replace, delete or redirect'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cleanup" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cleanup" -s q -l quiet -d 'Only errors on stderr'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cleanup" -s h -l help -d 'Print help'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand abort" -l from -d 'Blue (production) kubeconfig context [default: the current context]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand abort" -l to -d 'Green (new) kubeconfig context [default: the green recorded for blue]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand abort" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand abort" -l region -d 'AWS region [default: from the environment or AWS config]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand abort" -l profile -d 'AWS named profile' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand abort" -s o -l output -d 'Output format of the result' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand abort" -l timeout -d 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand abort" -l dry-run -d 'Print the plan and change nothing'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand abort" -l yes -d 'Approve steps that replace, delete or redirect'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand abort" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand abort" -s q -l quiet -d 'Only errors on stderr'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand abort" -l delete-data -d 'Delete green\'s S3 bucket and its objects too (otherwise it is listed as kept)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand abort" -s h -l help -d 'Print help'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand retire-blue" -l from -d 'Blue (production) kubeconfig context [default: the current context]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand retire-blue" -l to -d 'Green (new) kubeconfig context [default: the green recorded for blue]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand retire-blue" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand retire-blue" -l region -d 'AWS region [default: from the environment or AWS config]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand retire-blue" -l profile -d 'AWS named profile' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand retire-blue" -s o -l output -d 'Output format of the result' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand retire-blue" -l timeout -d 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand retire-blue" -l dry-run -d 'Print the plan and change nothing'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand retire-blue" -l yes -d 'Approve steps that replace, delete or redirect'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand retire-blue" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand retire-blue" -s q -l quiet -d 'Only errors on stderr'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand retire-blue" -l delete-data -d 'Delete blue\'s EFS file system and S3 bucket too (otherwise they are listed as kept)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand retire-blue" -s h -l help -d 'Print help'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand clone" -l from -d 'Blue (production) kubeconfig context [default: the current context]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand clone" -l to -d 'Green (new) kubeconfig context [default: the green recorded for blue]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand clone" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand clone" -l region -d 'AWS region [default: from the environment or AWS config]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand clone" -l profile -d 'AWS named profile' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand clone" -s o -l output -d 'Output format of the result' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand clone" -l timeout -d 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand clone" -l only -d 'Clone only these storage layers' -r -f -a "db\t''
bucket\t''
efs\t''"
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand clone" -l db-instance -d 'Blue\'s RDS instance identifier [default: discovered from pipeline-install-config]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand clone" -l bucket -d 'Blue\'s S3 artifact bucket [default: bucketName of pipeline-install-config]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand clone" -l efs-id -d 'Blue\'s EFS file system id [default: fileSystemId of the efs-sc StorageClass]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand clone" -l bandwidth -d 'Limit each DataSync copy (bucket, file system) to this many MiB/s, so the clone does not starve production (DataSync BytesPerSecond) [default: no limit]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand clone" -l dry-run -d 'Print the plan and change nothing'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand clone" -l yes -d 'Approve steps that replace, delete or redirect'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand clone" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand clone" -s q -l quiet -d 'Only errors on stderr'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand clone" -l resync -d 'Repeat the copy for the maintenance window (incremental DataSync; a fresh DB snapshot and restore, replacing green\'s DB only with --yes)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand clone" -l discard-green-writes -d 'With --resync after green took production traffic: replace green\'s DB (after a final snapshot of it, kept) and mirror blue\'s deletions onto green, discarding what only green has'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand clone" -s h -l help -d 'Print help'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand clone" -s V -l version -d 'Print version'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and not __fish_seen_subcommand_from cluster kubeflow help" -l from -d 'Blue (production) kubeconfig context [default: the current context]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and not __fish_seen_subcommand_from cluster kubeflow help" -l to -d 'Green (new) kubeconfig context [default: the green recorded for blue]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and not __fish_seen_subcommand_from cluster kubeflow help" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and not __fish_seen_subcommand_from cluster kubeflow help" -l region -d 'AWS region [default: from the environment or AWS config]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and not __fish_seen_subcommand_from cluster kubeflow help" -l profile -d 'AWS named profile' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and not __fish_seen_subcommand_from cluster kubeflow help" -s o -l output -d 'Output format of the result' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and not __fish_seen_subcommand_from cluster kubeflow help" -l timeout -d 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and not __fish_seen_subcommand_from cluster kubeflow help" -l dry-run -d 'Print the plan and change nothing'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and not __fish_seen_subcommand_from cluster kubeflow help" -l yes -d 'Approve steps that replace, delete or redirect'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and not __fish_seen_subcommand_from cluster kubeflow help" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and not __fish_seen_subcommand_from cluster kubeflow help" -s q -l quiet -d 'Only errors on stderr'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and not __fish_seen_subcommand_from cluster kubeflow help" -s h -l help -d 'Print help'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and not __fish_seen_subcommand_from cluster kubeflow help" -s V -l version -d 'Print version'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and not __fish_seen_subcommand_from cluster kubeflow help" -f -a "cluster" -d 'Create the green EKS cluster from blue\'s shape, and its kubeconfig context NAME'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and not __fish_seen_subcommand_from cluster kubeflow help" -f -a "kubeflow" -d 'Point a Kubeflow manifests checkout at the clones, build it and apply it to green'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and not __fish_seen_subcommand_from cluster kubeflow help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from cluster" -l version -d 'Kubernetes version [default: blue\'s]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from cluster" -l node-type -d 'Node instance type [default: blue\'s]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from cluster" -l nodes -d 'Desired nodes [default: blue\'s]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from cluster" -l nodes-min -d 'Minimum nodes [default: blue\'s]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from cluster" -l nodes-max -d 'Maximum nodes [default: blue\'s]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from cluster" -l ami-family -d 'Image family for nodegroups whose Amazon Linux 2 images EKS does not publish for green\'s version (1.33 and later) [default: al2023]; needed to replace a custom AMI' -r -f -a "al2023\t'Amazon Linux 2023'
bottlerocket\t'Bottlerocket'"
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from cluster" -l from -d 'Blue (production) kubeconfig context [default: the current context]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from cluster" -l to -d 'Green (new) kubeconfig context [default: the green recorded for blue]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from cluster" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from cluster" -l region -d 'AWS region [default: from the environment or AWS config]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from cluster" -l profile -d 'AWS named profile' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from cluster" -s o -l output -d 'Output format of the result' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from cluster" -l timeout -d 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from cluster" -l dry-run -d 'Print the plan and change nothing'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from cluster" -l yes -d 'Approve steps that replace, delete or redirect'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from cluster" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from cluster" -s q -l quiet -d 'Only errors on stderr'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from cluster" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from kubeflow" -l manifests -d 'The checkout: awslabs/kubeflow-manifests, or the Kubeflow community distribution' -r -F
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from kubeflow" -l option -d 'Deployment option of an awslabs checkout (deployments/<OPTION>)' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from kubeflow" -l kustomization -d 'The kustomization to build, relative to DIR [default: deployments/<OPTION> of an awslabs checkout, example of the community distribution]' -r -F
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from kubeflow" -l from -d 'Blue (production) kubeconfig context [default: the current context]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from kubeflow" -l to -d 'Green (new) kubeconfig context [default: the green recorded for blue]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from kubeflow" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from kubeflow" -l region -d 'AWS region [default: from the environment or AWS config]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from kubeflow" -l profile -d 'AWS named profile' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from kubeflow" -s o -l output -d 'Output format of the result' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from kubeflow" -l timeout -d 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from kubeflow" -l dry-run -d 'Print the plan and change nothing'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from kubeflow" -l yes -d 'Approve steps that replace, delete or redirect'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from kubeflow" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from kubeflow" -s q -l quiet -d 'Only errors on stderr'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from kubeflow" -s h -l help -d 'Print help'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from help" -f -a "cluster" -d 'Create the green EKS cluster from blue\'s shape, and its kubeconfig context NAME'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from help" -f -a "kubeflow" -d 'Point a Kubeflow manifests checkout at the clones, build it and apply it to green'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand deploy; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and not __fish_seen_subcommand_from efs pvc default-class help" -l from -d 'Blue (production) kubeconfig context [default: the current context]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and not __fish_seen_subcommand_from efs pvc default-class help" -l to -d 'Green (new) kubeconfig context [default: the green recorded for blue]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and not __fish_seen_subcommand_from efs pvc default-class help" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and not __fish_seen_subcommand_from efs pvc default-class help" -l region -d 'AWS region [default: from the environment or AWS config]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and not __fish_seen_subcommand_from efs pvc default-class help" -l profile -d 'AWS named profile' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and not __fish_seen_subcommand_from efs pvc default-class help" -s o -l output -d 'Output format of the result' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and not __fish_seen_subcommand_from efs pvc default-class help" -l timeout -d 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and not __fish_seen_subcommand_from efs pvc default-class help" -l dry-run -d 'Print the plan and change nothing'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and not __fish_seen_subcommand_from efs pvc default-class help" -l yes -d 'Approve steps that replace, delete or redirect'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and not __fish_seen_subcommand_from efs pvc default-class help" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and not __fish_seen_subcommand_from efs pvc default-class help" -s q -l quiet -d 'Only errors on stderr'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and not __fish_seen_subcommand_from efs pvc default-class help" -s h -l help -d 'Print help'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and not __fish_seen_subcommand_from efs pvc default-class help" -s V -l version -d 'Print version'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and not __fish_seen_subcommand_from efs pvc default-class help" -f -a "efs" -d 'EFS file system, NFS security group, mount targets, EFS CSI driver and StorageClass efs-sc'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and not __fish_seen_subcommand_from efs pvc default-class help" -f -a "pvc" -d 'A PVC on green, bound to blue\'s cloned data when there is some'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and not __fish_seen_subcommand_from efs pvc default-class help" -f -a "default-class" -d 'Make CLASS the only default StorageClass'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and not __fish_seen_subcommand_from efs pvc default-class help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from efs" -l name -d 'Name tag of the file system' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from efs" -l security-group-name -d 'Name of the security group allowing NFS from the cluster VPC [default: kf-<green>-efs-nfs]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from efs" -l uid -d 'uid of the directories the StorageClass provisions' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from efs" -l gid -d 'gid of the directories the StorageClass provisions' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from efs" -l from -d 'Blue (production) kubeconfig context [default: the current context]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from efs" -l to -d 'Green (new) kubeconfig context [default: the green recorded for blue]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from efs" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from efs" -l region -d 'AWS region [default: from the environment or AWS config]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from efs" -l profile -d 'AWS named profile' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from efs" -s o -l output -d 'Output format of the result' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from efs" -l timeout -d 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from efs" -l dry-run -d 'Print the plan and change nothing'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from efs" -l yes -d 'Approve steps that replace, delete or redirect'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from efs" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from efs" -s q -l quiet -d 'Only errors on stderr'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from efs" -s h -l help -d 'Print help'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from pvc" -s n -l namespace -d 'Namespace of the claim' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from pvc" -l size -d 'Requested size' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from pvc" -l storage-class -d 'StorageClass' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from pvc" -l patch -d 'Extra JSON patch (RFC 6902) applied to the claim manifest' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from pvc" -l from -d 'Blue (production) kubeconfig context [default: the current context]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from pvc" -l to -d 'Green (new) kubeconfig context [default: the green recorded for blue]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from pvc" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from pvc" -l region -d 'AWS region [default: from the environment or AWS config]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from pvc" -l profile -d 'AWS named profile' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from pvc" -s o -l output -d 'Output format of the result' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from pvc" -l timeout -d 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from pvc" -l create-namespace -d 'Create the namespace when it does not exist'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from pvc" -l dry-run -d 'Print the plan and change nothing'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from pvc" -l yes -d 'Approve steps that replace, delete or redirect'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from pvc" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from pvc" -s q -l quiet -d 'Only errors on stderr'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from pvc" -s h -l help -d 'Print help'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from default-class" -l from -d 'Blue (production) kubeconfig context [default: the current context]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from default-class" -l to -d 'Green (new) kubeconfig context [default: the green recorded for blue]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from default-class" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from default-class" -l region -d 'AWS region [default: from the environment or AWS config]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from default-class" -l profile -d 'AWS named profile' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from default-class" -s o -l output -d 'Output format of the result' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from default-class" -l timeout -d 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from default-class" -l dry-run -d 'Print the plan and change nothing'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from default-class" -l yes -d 'Approve steps that replace, delete or redirect'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from default-class" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from default-class" -s q -l quiet -d 'Only errors on stderr'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from default-class" -s h -l help -d 'Print help'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from help" -f -a "efs" -d 'EFS file system, NFS security group, mount targets, EFS CSI driver and StorageClass efs-sc'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from help" -f -a "pvc" -d 'A PVC on green, bound to blue\'s cloned data when there is some'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from help" -f -a "default-class" -d 'Make CLASS the only default StorageClass'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand storage; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and not __fish_seen_subcommand_from check failback status help" -l from -d 'Blue (production) kubeconfig context [default: the current context]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and not __fish_seen_subcommand_from check failback status help" -l to -d 'Green (new) kubeconfig context [default: the green recorded for blue]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and not __fish_seen_subcommand_from check failback status help" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and not __fish_seen_subcommand_from check failback status help" -l region -d 'AWS region [default: from the environment or AWS config]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and not __fish_seen_subcommand_from check failback status help" -l profile -d 'AWS named profile' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and not __fish_seen_subcommand_from check failback status help" -s o -l output -d 'Output format of the result' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and not __fish_seen_subcommand_from check failback status help" -l timeout -d 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and not __fish_seen_subcommand_from check failback status help" -l dns -d 'DNS name that serves Kubeflow [default: the record pointing at blue\'s load balancer]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and not __fish_seen_subcommand_from check failback status help" -l hosted-zone -d 'Route 53 hosted zone id of --dns' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and not __fish_seen_subcommand_from check failback status help" -l weight -d 'Send this percentage of traffic to green (weighted records)' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and not __fish_seen_subcommand_from check failback status help" -l dry-run -d 'Print the plan and change nothing'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and not __fish_seen_subcommand_from check failback status help" -l yes -d 'Approve steps that replace, delete or redirect'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and not __fish_seen_subcommand_from check failback status help" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and not __fish_seen_subcommand_from check failback status help" -s q -l quiet -d 'Only errors on stderr'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and not __fish_seen_subcommand_from check failback status help" -l freeze-blue -d 'Stop blue\'s writers before switching: Kubeflow\'s Deployments, notebooks, pipeline runs, recurring runs and Katib trials (each previous value recorded)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and not __fish_seen_subcommand_from check failback status help" -l resync -d 'Resync the clones between freezing blue and switching (needs --freeze-blue, or a blue frozen earlier)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and not __fish_seen_subcommand_from check failback status help" -l allow-live-resync -d 'Allow --resync while blue still runs: what blue writes during the copy may be missing or inconsistent on green'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and not __fish_seen_subcommand_from check failback status help" -l discard-green-writes -d 'Allow --resync after green took production traffic: green\'s DB is replaced (after a final snapshot, kept) and what only green\'s bucket and file system hold is deleted'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and not __fish_seen_subcommand_from check failback status help" -s h -l help -d 'Print help'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and not __fish_seen_subcommand_from check failback status help" -s V -l version -d 'Print version'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and not __fish_seen_subcommand_from check failback status help" -f -a "check" -d 'Run the preflight checks only'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and not __fish_seen_subcommand_from check failback status help" -f -a "failback" -d 'Restore every recorded value: DNS, blue\'s writers, the current context'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and not __fish_seen_subcommand_from check failback status help" -f -a "status" -d 'Where traffic goes now'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and not __fish_seen_subcommand_from check failback status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from check" -l from -d 'Blue (production) kubeconfig context [default: the current context]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from check" -l to -d 'Green (new) kubeconfig context [default: the green recorded for blue]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from check" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from check" -l region -d 'AWS region [default: from the environment or AWS config]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from check" -l profile -d 'AWS named profile' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from check" -s o -l output -d 'Output format of the result' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from check" -l timeout -d 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from check" -l dns -d 'DNS name that serves Kubeflow [default: the record pointing at blue\'s load balancer]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from check" -l hosted-zone -d 'Route 53 hosted zone id of --dns' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from check" -l dry-run -d 'Print the plan and change nothing'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from check" -l yes -d 'Approve steps that replace, delete or redirect'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from check" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from check" -s q -l quiet -d 'Only errors on stderr'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from failback" -l from -d 'Blue (production) kubeconfig context [default: the current context]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from failback" -l to -d 'Green (new) kubeconfig context [default: the green recorded for blue]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from failback" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from failback" -l region -d 'AWS region [default: from the environment or AWS config]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from failback" -l profile -d 'AWS named profile' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from failback" -s o -l output -d 'Output format of the result' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from failback" -l timeout -d 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from failback" -l dns -d 'DNS name that serves Kubeflow [default: the record pointing at blue\'s load balancer]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from failback" -l hosted-zone -d 'Route 53 hosted zone id of --dns' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from failback" -l sync-back -d 'Copy back to blue what green\'s bucket and file system gained since green took traffic (DataSync, changed files only, nothing deleted, blue\'s files never overwritten)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from failback" -l dry-run -d 'Print the plan and change nothing'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from failback" -l yes -d 'Approve steps that replace, delete or redirect'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from failback" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from failback" -s q -l quiet -d 'Only errors on stderr'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from failback" -s h -l help -d 'Print help'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from status" -l from -d 'Blue (production) kubeconfig context [default: the current context]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from status" -l to -d 'Green (new) kubeconfig context [default: the green recorded for blue]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from status" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from status" -l region -d 'AWS region [default: from the environment or AWS config]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from status" -l profile -d 'AWS named profile' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from status" -s o -l output -d 'Output format of the result' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from status" -l timeout -d 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from status" -l dns -d 'DNS name that serves Kubeflow [default: the record pointing at blue\'s load balancer]' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from status" -l hosted-zone -d 'Route 53 hosted zone id of --dns' -r
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from status" -l dry-run -d 'Print the plan and change nothing'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from status" -l yes -d 'Approve steps that replace, delete or redirect'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from status" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Only errors on stderr'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from help" -f -a "check" -d 'Run the preflight checks only'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from help" -f -a "failback" -d 'Restore every recorded value: DNS, blue\'s writers, the current context'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from help" -f -a "status" -d 'Where traffic goes now'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand cutover; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand help; and not __fish_seen_subcommand_from status token version migrate verify cleanup abort retire-blue clone deploy storage cutover help" -f -a "status" -d 'Show the upgrade recorded for blue: steps, resources and their phases'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand help; and not __fish_seen_subcommand_from status token version migrate verify cleanup abort retire-blue clone deploy storage cutover help" -f -a "token" -d 'Print an EKS ExecCredential for a cluster (used by the kubeconfig entries kf writes)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand help; and not __fish_seen_subcommand_from status token version migrate verify cleanup abort retire-blue clone deploy storage cutover help" -f -a "version" -d 'Print the version'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand help; and not __fish_seen_subcommand_from status token version migrate verify cleanup abort retire-blue clone deploy storage cutover help" -f -a "migrate" -d 'Carry every user\'s Profile, the objects they made in its namespace and their volumes (EFS claims bound to the cloned data, EBS claims by snapshot) from blue to green'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand help; and not __fish_seen_subcommand_from status token version migrate verify cleanup abort retire-blue clone deploy storage cutover help" -f -a "verify" -d 'Compare blue and green: every database, bucket, file, profile, claim, notebook and role blue has, carried to green or missing (exit 1 when anything is missing)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand help; and not __fish_seen_subcommand_from status token version migrate verify cleanup abort retire-blue clone deploy storage cutover help" -f -a "cleanup" -d 'Delete what only served the copy: DataSync tasks, locations and role, older DB snapshots of blue (plans without --yes)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand help; and not __fish_seen_subcommand_from status token version migrate verify cleanup abort retire-blue clone deploy storage cutover help" -f -a "abort" -d 'Remove the whole green attempt and leave blue as it was: green\'s cluster, DB (a final snapshot kept), EFS, roles, secrets; its bucket only with --delete-data (plans without --yes)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand help; and not __fish_seen_subcommand_from status token version migrate verify cleanup abort retire-blue clone deploy storage cutover help" -f -a "retire-blue" -d 'After cutover: delete blue\'s cluster and DB (a final snapshot kept); its EFS and bucket only with --delete-data. Asks for blue\'s cluster name unless --yes'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand help; and not __fish_seen_subcommand_from status token version migrate verify cleanup abort retire-blue clone deploy storage cutover help" -f -a "clone" -d 'Clone blue\'s RDS database, S3 bucket and EFS file system for green, concurrently and resumably'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand help; and not __fish_seen_subcommand_from status token version migrate verify cleanup abort retire-blue clone deploy storage cutover help" -f -a "deploy" -d 'Create green\'s EKS cluster shaped like blue, and deploy Kubeflow on it wired to the clones'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand help; and not __fish_seen_subcommand_from status token version migrate verify cleanup abort retire-blue clone deploy storage cutover help" -f -a "storage" -d 'EFS, PVCs bound to cloned data, and the default StorageClass on green'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand help; and not __fish_seen_subcommand_from status token version migrate verify cleanup abort retire-blue clone deploy storage cutover help" -f -a "cutover" -d 'Move production traffic to green after preflight checks, and fail back'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand help; and not __fish_seen_subcommand_from status token version migrate verify cleanup abort retire-blue clone deploy storage cutover help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand help; and __fish_seen_subcommand_from deploy" -f -a "cluster" -d 'Create the green EKS cluster from blue\'s shape, and its kubeconfig context NAME'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand help; and __fish_seen_subcommand_from deploy" -f -a "kubeflow" -d 'Point a Kubeflow manifests checkout at the clones, build it and apply it to green'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand help; and __fish_seen_subcommand_from storage" -f -a "efs" -d 'EFS file system, NFS security group, mount targets, EFS CSI driver and StorageClass efs-sc'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand help; and __fish_seen_subcommand_from storage" -f -a "pvc" -d 'A PVC on green, bound to blue\'s cloned data when there is some'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand help; and __fish_seen_subcommand_from storage" -f -a "default-class" -d 'Make CLASS the only default StorageClass'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand help; and __fish_seen_subcommand_from cutover" -f -a "check" -d 'Run the preflight checks only'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand help; and __fish_seen_subcommand_from cutover" -f -a "failback" -d 'Restore every recorded value: DNS, blue\'s writers, the current context'
complete -c kubectl-kf -n "__fish_kubectl_kf_using_subcommand help; and __fish_seen_subcommand_from cutover" -f -a "status" -d 'Where traffic goes now'
