# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kubectl_kf_storage_global_optspecs
    string join \n from= to= kubeconfig= region= profile= o/output= dry-run yes timeout= v/verbose q/quiet h/help V/version
end

function __fish_kubectl_kf_storage_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kubectl_kf_storage_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kubectl_kf_storage_using_subcommand
    set -l cmd (__fish_kubectl_kf_storage_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_needs_command" -l from -d 'Blue (production) kubeconfig context [default: the current context]' -r
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_needs_command" -l to -d 'Green (new) kubeconfig context [default: the green recorded for blue]' -r
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_needs_command" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_needs_command" -l region -d 'AWS region [default: from the environment or AWS config]' -r
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_needs_command" -l profile -d 'AWS named profile' -r
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_needs_command" -s o -l output -d 'Output format of the result' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_needs_command" -l timeout -d 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)' -r
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_needs_command" -l dry-run -d 'Print the plan and change nothing'
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_needs_command" -l yes -d 'Approve steps that replace, delete or redirect'
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_needs_command" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace)'
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_needs_command" -s q -l quiet -d 'Only errors on stderr'
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_needs_command" -s h -l help -d 'Print help'
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_needs_command" -s V -l version -d 'Print version'
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_needs_command" -f -a "efs" -d 'EFS file system, NFS security group, mount targets, EFS CSI driver and StorageClass efs-sc'
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_needs_command" -f -a "pvc" -d 'A PVC on green, bound to blue\'s cloned data when there is some'
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_needs_command" -f -a "default-class" -d 'Make CLASS the only default StorageClass'
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand efs" -l name -d 'Name tag of the file system' -r
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand efs" -l security-group-name -d 'Name of the security group allowing NFS from the cluster VPC [default: kf-<green>-efs-nfs]' -r
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand efs" -l uid -d 'uid of the directories the StorageClass provisions' -r
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand efs" -l gid -d 'gid of the directories the StorageClass provisions' -r
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand efs" -l from -d 'Blue (production) kubeconfig context [default: the current context]' -r
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand efs" -l to -d 'Green (new) kubeconfig context [default: the green recorded for blue]' -r
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand efs" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand efs" -l region -d 'AWS region [default: from the environment or AWS config]' -r
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand efs" -l profile -d 'AWS named profile' -r
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand efs" -s o -l output -d 'Output format of the result' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand efs" -l timeout -d 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)' -r
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand efs" -l dry-run -d 'Print the plan and change nothing'
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand efs" -l yes -d 'Approve steps that replace, delete or redirect'
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand efs" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace)'
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand efs" -s q -l quiet -d 'Only errors on stderr'
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand efs" -s h -l help -d 'Print help'
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand pvc" -s n -l namespace -d 'Namespace of the claim' -r
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand pvc" -l size -d 'Requested size' -r
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand pvc" -l storage-class -d 'StorageClass' -r
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand pvc" -l patch -d 'Extra JSON patch (RFC 6902) applied to the claim manifest' -r
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand pvc" -l from -d 'Blue (production) kubeconfig context [default: the current context]' -r
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand pvc" -l to -d 'Green (new) kubeconfig context [default: the green recorded for blue]' -r
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand pvc" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand pvc" -l region -d 'AWS region [default: from the environment or AWS config]' -r
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand pvc" -l profile -d 'AWS named profile' -r
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand pvc" -s o -l output -d 'Output format of the result' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand pvc" -l timeout -d 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)' -r
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand pvc" -l create-namespace -d 'Create the namespace when it does not exist'
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand pvc" -l dry-run -d 'Print the plan and change nothing'
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand pvc" -l yes -d 'Approve steps that replace, delete or redirect'
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand pvc" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace)'
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand pvc" -s q -l quiet -d 'Only errors on stderr'
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand pvc" -s h -l help -d 'Print help'
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand default-class" -l from -d 'Blue (production) kubeconfig context [default: the current context]' -r
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand default-class" -l to -d 'Green (new) kubeconfig context [default: the green recorded for blue]' -r
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand default-class" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand default-class" -l region -d 'AWS region [default: from the environment or AWS config]' -r
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand default-class" -l profile -d 'AWS named profile' -r
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand default-class" -s o -l output -d 'Output format of the result' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand default-class" -l timeout -d 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)' -r
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand default-class" -l dry-run -d 'Print the plan and change nothing'
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand default-class" -l yes -d 'Approve steps that replace, delete or redirect'
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand default-class" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace)'
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand default-class" -s q -l quiet -d 'Only errors on stderr'
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand default-class" -s h -l help -d 'Print help'
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand help; and not __fish_seen_subcommand_from efs pvc default-class help" -f -a "efs" -d 'EFS file system, NFS security group, mount targets, EFS CSI driver and StorageClass efs-sc'
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand help; and not __fish_seen_subcommand_from efs pvc default-class help" -f -a "pvc" -d 'A PVC on green, bound to blue\'s cloned data when there is some'
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand help; and not __fish_seen_subcommand_from efs pvc default-class help" -f -a "default-class" -d 'Make CLASS the only default StorageClass'
complete -c kubectl-kf_storage -n "__fish_kubectl_kf_storage_using_subcommand help; and not __fish_seen_subcommand_from efs pvc default-class help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
