
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'kubectl-kf_cutover' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'kubectl-kf_cutover'
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
        'kubectl-kf_cutover' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Blue (production) kubeconfig context [default: the current context]')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Green (new) kubeconfig context [default: the green recorded for blue]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: from the environment or AWS config]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS named profile')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of the result')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of the result')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)')
            [CompletionResult]::new('--dns', '--dns', [CompletionResultType]::ParameterName, 'DNS name that serves Kubeflow [default: the record pointing at blue''s load balancer]')
            [CompletionResult]::new('--hosted-zone', '--hosted-zone', [CompletionResultType]::ParameterName, 'Route 53 hosted zone id of --dns')
            [CompletionResult]::new('--weight', '--weight', [CompletionResultType]::ParameterName, 'Send this percentage of traffic to green (weighted records)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan and change nothing')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Approve steps that replace, delete or redirect')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--freeze-blue', '--freeze-blue', [CompletionResultType]::ParameterName, 'Stop blue''s writers before switching: Kubeflow''s Deployments, notebooks, pipeline runs, recurring runs and Katib trials (each previous value recorded)')
            [CompletionResult]::new('--resync', '--resync', [CompletionResultType]::ParameterName, 'Resync the clones between freezing blue and switching (needs --freeze-blue, or a blue frozen earlier)')
            [CompletionResult]::new('--allow-live-resync', '--allow-live-resync', [CompletionResultType]::ParameterName, 'Allow --resync while blue still runs: what blue writes during the copy may be missing or inconsistent on green')
            [CompletionResult]::new('--discard-green-writes', '--discard-green-writes', [CompletionResultType]::ParameterName, 'Allow --resync after green took production traffic: green''s DB is replaced (after a final snapshot, kept) and what only green''s bucket and file system hold is deleted')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Run the preflight checks only')
            [CompletionResult]::new('failback', 'failback', [CompletionResultType]::ParameterValue, 'Restore every recorded value: DNS, blue''s writers, the current context')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Where traffic goes now')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-kf_cutover;check' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Blue (production) kubeconfig context [default: the current context]')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Green (new) kubeconfig context [default: the green recorded for blue]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: from the environment or AWS config]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS named profile')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of the result')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of the result')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)')
            [CompletionResult]::new('--dns', '--dns', [CompletionResultType]::ParameterName, 'DNS name that serves Kubeflow [default: the record pointing at blue''s load balancer]')
            [CompletionResult]::new('--hosted-zone', '--hosted-zone', [CompletionResultType]::ParameterName, 'Route 53 hosted zone id of --dns')
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
        'kubectl-kf_cutover;failback' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Blue (production) kubeconfig context [default: the current context]')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Green (new) kubeconfig context [default: the green recorded for blue]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: from the environment or AWS config]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS named profile')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of the result')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of the result')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)')
            [CompletionResult]::new('--dns', '--dns', [CompletionResultType]::ParameterName, 'DNS name that serves Kubeflow [default: the record pointing at blue''s load balancer]')
            [CompletionResult]::new('--hosted-zone', '--hosted-zone', [CompletionResultType]::ParameterName, 'Route 53 hosted zone id of --dns')
            [CompletionResult]::new('--sync-back', '--sync-back', [CompletionResultType]::ParameterName, 'Copy back to blue what green''s bucket and file system gained since green took traffic (DataSync, changed files only, nothing deleted, blue''s files never overwritten)')
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
        'kubectl-kf_cutover;status' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Blue (production) kubeconfig context [default: the current context]')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Green (new) kubeconfig context [default: the green recorded for blue]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: from the environment or AWS config]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS named profile')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of the result')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of the result')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)')
            [CompletionResult]::new('--dns', '--dns', [CompletionResultType]::ParameterName, 'DNS name that serves Kubeflow [default: the record pointing at blue''s load balancer]')
            [CompletionResult]::new('--hosted-zone', '--hosted-zone', [CompletionResultType]::ParameterName, 'Route 53 hosted zone id of --dns')
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
        'kubectl-kf_cutover;help' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Run the preflight checks only')
            [CompletionResult]::new('failback', 'failback', [CompletionResultType]::ParameterValue, 'Restore every recorded value: DNS, blue''s writers, the current context')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Where traffic goes now')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-kf_cutover;help;check' {
            break
        }
        'kubectl-kf_cutover;help;failback' {
            break
        }
        'kubectl-kf_cutover;help;status' {
            break
        }
        'kubectl-kf_cutover;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
