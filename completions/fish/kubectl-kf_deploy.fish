# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kubectl_kf_deploy_global_optspecs
    string join \n from= to= kubeconfig= region= profile= o/output= dry-run yes timeout= v/verbose q/quiet h/help V/version
end

function __fish_kubectl_kf_deploy_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kubectl_kf_deploy_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kubectl_kf_deploy_using_subcommand
    set -l cmd (__fish_kubectl_kf_deploy_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_needs_command" -l from -d 'Blue (production) kubeconfig context [default: the current context]' -r
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_needs_command" -l to -d 'Green (new) kubeconfig context [default: the green recorded for blue]' -r
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_needs_command" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_needs_command" -l region -d 'AWS region [default: from the environment or AWS config]' -r
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_needs_command" -l profile -d 'AWS named profile' -r
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_needs_command" -s o -l output -d 'Output format of the result' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_needs_command" -l timeout -d 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)' -r
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_needs_command" -l dry-run -d 'Print the plan and change nothing'
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_needs_command" -l yes -d 'Approve steps that replace, delete or redirect'
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_needs_command" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace)'
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_needs_command" -s q -l quiet -d 'Only errors on stderr'
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_needs_command" -s h -l help -d 'Print help'
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_needs_command" -s V -l version -d 'Print version'
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_needs_command" -f -a "cluster" -d 'Create the green EKS cluster from blue\'s shape, and its kubeconfig context NAME'
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_needs_command" -f -a "kubeflow" -d 'Point a Kubeflow manifests checkout at the clones, build it and apply it to green'
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand cluster" -l version -d 'Kubernetes version [default: blue\'s]' -r
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand cluster" -l node-type -d 'Node instance type [default: blue\'s]' -r
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand cluster" -l nodes -d 'Desired nodes [default: blue\'s]' -r
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand cluster" -l nodes-min -d 'Minimum nodes [default: blue\'s]' -r
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand cluster" -l nodes-max -d 'Maximum nodes [default: blue\'s]' -r
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand cluster" -l ami-family -d 'Image family for nodegroups whose Amazon Linux 2 images EKS does not publish for green\'s version (1.33 and later) [default: al2023]; needed to replace a custom AMI' -r -f -a "al2023\t'Amazon Linux 2023'
bottlerocket\t'Bottlerocket'"
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand cluster" -l from -d 'Blue (production) kubeconfig context [default: the current context]' -r
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand cluster" -l to -d 'Green (new) kubeconfig context [default: the green recorded for blue]' -r
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand cluster" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand cluster" -l region -d 'AWS region [default: from the environment or AWS config]' -r
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand cluster" -l profile -d 'AWS named profile' -r
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand cluster" -s o -l output -d 'Output format of the result' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand cluster" -l timeout -d 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)' -r
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand cluster" -l dry-run -d 'Print the plan and change nothing'
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand cluster" -l yes -d 'Approve steps that replace, delete or redirect'
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand cluster" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace)'
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand cluster" -s q -l quiet -d 'Only errors on stderr'
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand cluster" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand kubeflow" -l manifests -d 'The checkout: awslabs/kubeflow-manifests, or the Kubeflow community distribution' -r -F
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand kubeflow" -l option -d 'Deployment option of an awslabs checkout (deployments/<OPTION>)' -r
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand kubeflow" -l kustomization -d 'The kustomization to build, relative to DIR [default: deployments/<OPTION> of an awslabs checkout, example of the community distribution]' -r -F
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand kubeflow" -l from -d 'Blue (production) kubeconfig context [default: the current context]' -r
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand kubeflow" -l to -d 'Green (new) kubeconfig context [default: the green recorded for blue]' -r
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand kubeflow" -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand kubeflow" -l region -d 'AWS region [default: from the environment or AWS config]' -r
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand kubeflow" -l profile -d 'AWS named profile' -r
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand kubeflow" -s o -l output -d 'Output format of the result' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand kubeflow" -l timeout -d 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)' -r
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand kubeflow" -l dry-run -d 'Print the plan and change nothing'
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand kubeflow" -l yes -d 'Approve steps that replace, delete or redirect'
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand kubeflow" -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace)'
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand kubeflow" -s q -l quiet -d 'Only errors on stderr'
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand kubeflow" -s h -l help -d 'Print help'
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand help; and not __fish_seen_subcommand_from cluster kubeflow help" -f -a "cluster" -d 'Create the green EKS cluster from blue\'s shape, and its kubeconfig context NAME'
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand help; and not __fish_seen_subcommand_from cluster kubeflow help" -f -a "kubeflow" -d 'Point a Kubeflow manifests checkout at the clones, build it and apply it to green'
complete -c kubectl-kf_deploy -n "__fish_kubectl_kf_deploy_using_subcommand help; and not __fish_seen_subcommand_from cluster kubeflow help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
