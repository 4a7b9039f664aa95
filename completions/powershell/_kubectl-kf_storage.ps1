
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'kubectl-kf_storage' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'kubectl-kf_storage'
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
        'kubectl-kf_storage' {
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
            [CompletionResult]::new('efs', 'efs', [CompletionResultType]::ParameterValue, 'EFS file system, NFS security group, mount targets, EFS CSI driver and StorageClass efs-sc')
            [CompletionResult]::new('pvc', 'pvc', [CompletionResultType]::ParameterValue, 'A PVC on green, bound to blue''s cloned data when there is some')
            [CompletionResult]::new('default-class', 'default-class', [CompletionResultType]::ParameterValue, 'Make CLASS the only default StorageClass')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-kf_storage;efs' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Name tag of the file system')
            [CompletionResult]::new('--security-group-name', '--security-group-name', [CompletionResultType]::ParameterName, 'Name of the security group allowing NFS from the cluster VPC [default: kf-<green>-efs-nfs]')
            [CompletionResult]::new('--uid', '--uid', [CompletionResultType]::ParameterName, 'uid of the directories the StorageClass provisions')
            [CompletionResult]::new('--gid', '--gid', [CompletionResultType]::ParameterName, 'gid of the directories the StorageClass provisions')
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
        'kubectl-kf_storage;pvc' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace of the claim')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace of the claim')
            [CompletionResult]::new('--size', '--size', [CompletionResultType]::ParameterName, 'Requested size')
            [CompletionResult]::new('--storage-class', '--storage-class', [CompletionResultType]::ParameterName, 'StorageClass')
            [CompletionResult]::new('--patch', '--patch', [CompletionResultType]::ParameterName, 'Extra JSON patch (RFC 6902) applied to the claim manifest')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Blue (production) kubeconfig context [default: the current context]')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Green (new) kubeconfig context [default: the green recorded for blue]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: from the environment or AWS config]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS named profile')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of the result')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of the result')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)')
            [CompletionResult]::new('--create-namespace', '--create-namespace', [CompletionResultType]::ParameterName, 'Create the namespace when it does not exist')
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
        'kubectl-kf_storage;default-class' {
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
        'kubectl-kf_storage;help' {
            [CompletionResult]::new('efs', 'efs', [CompletionResultType]::ParameterValue, 'EFS file system, NFS security group, mount targets, EFS CSI driver and StorageClass efs-sc')
            [CompletionResult]::new('pvc', 'pvc', [CompletionResultType]::ParameterValue, 'A PVC on green, bound to blue''s cloned data when there is some')
            [CompletionResult]::new('default-class', 'default-class', [CompletionResultType]::ParameterValue, 'Make CLASS the only default StorageClass')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-kf_storage;help;efs' {
            break
        }
        'kubectl-kf_storage;help;pvc' {
            break
        }
        'kubectl-kf_storage;help;default-class' {
            break
        }
        'kubectl-kf_storage;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
