
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'kubectl-kf_clone' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'kubectl-kf_clone'
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
        'kubectl-kf_clone' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Blue (production) kubeconfig context [default: the current context]')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Green (new) kubeconfig context [default: the green recorded for blue]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: from the environment or AWS config]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS named profile')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of the result')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of the result')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)')
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Clone only these storage layers')
            [CompletionResult]::new('--db-instance', '--db-instance', [CompletionResultType]::ParameterName, 'Blue''s RDS instance identifier [default: discovered from pipeline-install-config]')
            [CompletionResult]::new('--bucket', '--bucket', [CompletionResultType]::ParameterName, 'Blue''s S3 artifact bucket [default: bucketName of pipeline-install-config]')
            [CompletionResult]::new('--efs-id', '--efs-id', [CompletionResultType]::ParameterName, 'Blue''s EFS file system id [default: fileSystemId of the efs-sc StorageClass]')
            [CompletionResult]::new('--bandwidth', '--bandwidth', [CompletionResultType]::ParameterName, 'Limit each DataSync copy (bucket, file system) to this many MiB/s, so the clone does not starve production (DataSync BytesPerSecond) [default: no limit]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan and change nothing')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Approve steps that replace, delete or redirect')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--resync', '--resync', [CompletionResultType]::ParameterName, 'Repeat the copy for the maintenance window (incremental DataSync; a fresh DB snapshot and restore, replacing green''s DB only with --yes)')
            [CompletionResult]::new('--discard-green-writes', '--discard-green-writes', [CompletionResultType]::ParameterName, 'With --resync after green took production traffic: replace green''s DB (after a final snapshot of it, kept) and mirror blue''s deletions onto green, discarding what only green has')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
