
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'kubectl-kf_deploy' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'kubectl-kf_deploy'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'kubectl-kf_deploy' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Blue (production) kubeconfig context [default: the current context]')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Green (new) kubeconfig context [default: the green recorded for blue]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: from the environment or AWS config]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS named profile')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of the result')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of the result')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan and change nothing')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Approve steps that replace, delete or redirect')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('cluster', 'cluster', [CompletionResultType]::ParameterValue, 'Create the green EKS cluster from blue''s shape, and its kubeconfig context NAME')
            [CompletionResult]::new('kubeflow', 'kubeflow', [CompletionResultType]::ParameterValue, 'Point a Kubeflow manifests checkout at the clones, build it and apply it to green')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-kf_deploy;cluster' {
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Kubernetes version [default: blue''s]')
            [CompletionResult]::new('--node-type', '--node-type', [CompletionResultType]::ParameterName, 'Node instance type [default: blue''s]')
            [CompletionResult]::new('--nodes', '--nodes', [CompletionResultType]::ParameterName, 'Desired nodes [default: blue''s]')
            [CompletionResult]::new('--nodes-min', '--nodes-min', [CompletionResultType]::ParameterName, 'Minimum nodes [default: blue''s]')
            [CompletionResult]::new('--nodes-max', '--nodes-max', [CompletionResultType]::ParameterName, 'Maximum nodes [default: blue''s]')
            [CompletionResult]::new('--ami-family', '--ami-family', [CompletionResultType]::ParameterName, 'Image family for nodegroups whose Amazon Linux 2 images EKS does not publish for green''s version (1.33 and later) [default: al2023]; needed to replace a custom AMI')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Blue (production) kubeconfig context [default: the current context]')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Green (new) kubeconfig context [default: the green recorded for blue]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: from the environment or AWS config]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS named profile')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of the result')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of the result')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan and change nothing')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Approve steps that replace, delete or redirect')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kubectl-kf_deploy;kubeflow' {
            [CompletionResult]::new('--manifests', '--manifests', [CompletionResultType]::ParameterName, 'The checkout: awslabs/kubeflow-manifests, or the Kubeflow community distribution')
            [CompletionResult]::new('--option', '--option', [CompletionResultType]::ParameterName, 'Deployment option of an awslabs checkout (deployments/<OPTION>)')
            [CompletionResult]::new('--kustomization', '--kustomization', [CompletionResultType]::ParameterName, 'The kustomization to build, relative to DIR [default: deployments/<OPTION> of an awslabs checkout, example of the community distribution]')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Blue (production) kubeconfig context [default: the current context]')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Green (new) kubeconfig context [default: the green recorded for blue]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: from the environment or AWS config]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS named profile')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of the result')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of the result')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan and change nothing')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Approve steps that replace, delete or redirect')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kubectl-kf_deploy;help' {
            [CompletionResult]::new('cluster', 'cluster', [CompletionResultType]::ParameterValue, 'Create the green EKS cluster from blue''s shape, and its kubeconfig context NAME')
            [CompletionResult]::new('kubeflow', 'kubeflow', [CompletionResultType]::ParameterValue, 'Point a Kubeflow manifests checkout at the clones, build it and apply it to green')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-kf_deploy;help;cluster' {
            break
        }
        'kubectl-kf_deploy;help;kubeflow' {
            break
        }
        'kubectl-kf_deploy;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
