# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kubectl_kf_cutover_global_optspecs
    string join \n from= to= kubeconfig= region= profile= o/output= dry-run yes timeout= v/verbose q/quiet dns= hosted-zone= weight= freeze-blue resync allow-live-resync discard-green-writes h/help V/version
end

function __fish_kubectl_kf_cutover_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kubectl_kf_cutover_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kubectl_kf_cutover_using_subcommand
    set -l cmd (__fish_kubectl_kf_cutover_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_needs_command" -l from -d 'Blue (production) kubeconfig context [default: the current context]' -r
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_needs_command" -l to -d 'Green (new) kubeconfig context [default: the green recorded for blue]' -r
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_needs_command" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_needs_command" -l region -d 'AWS region [default: from the environment or AWS config]' -r
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_needs_command" -l profile -d 'AWS named profile' -r
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_needs_command" -s o -l output -d 'Output format of the result' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_needs_command" -l timeout -d 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)' -r
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_needs_command" -l dns -d 'DNS name that serves Kubeflow [default: the record pointing at blue\'s load balancer]' -r
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_needs_command" -l hosted-zone -d 'Route 53 hosted zone id of --dns' -r
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_needs_command" -l weight -d 'Send this percentage of traffic to green (weighted records)' -r
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_needs_command" -l dry-run -d 'Print the plan and change nothing'
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_needs_command" -l yes -d 'Approve steps that replace, delete or redirect'
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_needs_command" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace)'
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_needs_command" -s q -l quiet -d 'Only errors on stderr'
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_needs_command" -l freeze-blue -d 'Stop blue\'s writers before switching: Kubeflow\'s Deployments, notebooks, pipeline runs, recurring runs and Katib trials (each previous value recorded)'
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_needs_command" -l resync -d 'Resync the clones between freezing blue and switching (needs --freeze-blue, or a blue frozen earlier)'
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_needs_command" -l allow-live-resync -d 'Allow --resync while blue still runs: what blue writes during the copy may be missing or inconsistent on green'
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_needs_command" -l discard-green-writes -d 'Allow --resync after green took production traffic: green\'s DB is replaced (after a final snapshot, kept) and what only green\'s bucket and file system hold is deleted'
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_needs_command" -s h -l help -d 'Print help'
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_needs_command" -s V -l version -d 'Print version'
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_needs_command" -f -a "check" -d 'Run the preflight checks only'
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_needs_command" -f -a "failback" -d 'Restore every recorded value: DNS, blue\'s writers, the current context'
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_needs_command" -f -a "status" -d 'Where traffic goes now'
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand check" -l from -d 'Blue (production) kubeconfig context [default: the current context]' -r
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand check" -l to -d 'Green (new) kubeconfig context [default: the green recorded for blue]' -r
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand check" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand check" -l region -d 'AWS region [default: from the environment or AWS config]' -r
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand check" -l profile -d 'AWS named profile' -r
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand check" -s o -l output -d 'Output format of the result' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand check" -l timeout -d 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)' -r
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand check" -l dns -d 'DNS name that serves Kubeflow [default: the record pointing at blue\'s load balancer]' -r
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand check" -l hosted-zone -d 'Route 53 hosted zone id of --dns' -r
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand check" -l dry-run -d 'Print the plan and change nothing'
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand check" -l yes -d 'Approve steps that replace, delete or redirect'
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand check" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace)'
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand check" -s q -l quiet -d 'Only errors on stderr'
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand check" -s h -l help -d 'Print help'
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand failback" -l from -d 'Blue (production) kubeconfig context [default: the current context]' -r
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand failback" -l to -d 'Green (new) kubeconfig context [default: the green recorded for blue]' -r
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand failback" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand failback" -l region -d 'AWS region [default: from the environment or AWS config]' -r
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand failback" -l profile -d 'AWS named profile' -r
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand failback" -s o -l output -d 'Output format of the result' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand failback" -l timeout -d 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)' -r
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand failback" -l dns -d 'DNS name that serves Kubeflow [default: the record pointing at blue\'s load balancer]' -r
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand failback" -l hosted-zone -d 'Route 53 hosted zone id of --dns' -r
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand failback" -l sync-back -d 'Copy back to blue what green\'s bucket and file system gained since green took traffic (DataSync, changed files only, nothing deleted, blue\'s files never overwritten)'
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand failback" -l dry-run -d 'Print the plan and change nothing'
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand failback" -l yes -d 'Approve steps that replace, delete or redirect'
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand failback" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace)'
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand failback" -s q -l quiet -d 'Only errors on stderr'
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand failback" -s h -l help -d 'Print help'
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand status" -l from -d 'Blue (production) kubeconfig context [default: the current context]' -r
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand status" -l to -d 'Green (new) kubeconfig context [default: the green recorded for blue]' -r
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand status" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand status" -l region -d 'AWS region [default: from the environment or AWS config]' -r
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand status" -l profile -d 'AWS named profile' -r
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand status" -s o -l output -d 'Output format of the result' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand status" -l timeout -d 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)' -r
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand status" -l dns -d 'DNS name that serves Kubeflow [default: the record pointing at blue\'s load balancer]' -r
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand status" -l hosted-zone -d 'Route 53 hosted zone id of --dns' -r
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand status" -l dry-run -d 'Print the plan and change nothing'
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand status" -l yes -d 'Approve steps that replace, delete or redirect'
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand status" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace)'
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand status" -s q -l quiet -d 'Only errors on stderr'
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand status" -s h -l help -d 'Print help'
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand help; and not __fish_seen_subcommand_from check failback status help" -f -a "check" -d 'Run the preflight checks only'
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand help; and not __fish_seen_subcommand_from check failback status help" -f -a "failback" -d 'Restore every recorded value: DNS, blue\'s writers, the current context'
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand help; and not __fish_seen_subcommand_from check failback status help" -f -a "status" -d 'Where traffic goes now'
complete -c kubectl-kf_cutover -n "__fish_kubectl_kf_cutover_using_subcommand help; and not __fish_seen_subcommand_from check failback status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
