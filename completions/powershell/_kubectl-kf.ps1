
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'kubectl-kf' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'kubectl-kf'
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
        'kubectl-kf' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the upgrade recorded for blue: steps, resources and their phases')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Print an EKS ExecCredential for a cluster (used by the kubeconfig entries kf writes)')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print the version')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Carry every user''s Profile, the objects they made in its namespace and their volumes (EFS claims bound to the cloned data, EBS claims by snapshot) from blue to green')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Compare blue and green: every database, bucket, file, profile, claim, notebook and role blue has, carried to green or missing (exit 1 when anything is missing)')
            [CompletionResult]::new('cleanup', 'cleanup', [CompletionResultType]::ParameterValue, 'Delete what only served the copy: DataSync tasks, locations and role, older DB snapshots of blue (plans without --yes)')
            [CompletionResult]::new('abort', 'abort', [CompletionResultType]::ParameterValue, 'Remove the whole green attempt and leave blue as it was: green''s cluster, DB (a final snapshot kept), EFS, roles, secrets; its bucket only with --delete-data (plans without --yes)')
            [CompletionResult]::new('retire-blue', 'retire-blue', [CompletionResultType]::ParameterValue, 'After cutover: delete blue''s cluster and DB (a final snapshot kept); its EFS and bucket only with --delete-data. Asks for blue''s cluster name unless --yes')
            [CompletionResult]::new('clone', 'clone', [CompletionResultType]::ParameterValue, 'Clone blue''s RDS database, S3 bucket and EFS file system for green, concurrently and resumably')
            [CompletionResult]::new('deploy', 'deploy', [CompletionResultType]::ParameterValue, 'Create green''s EKS cluster shaped like blue, and deploy Kubeflow on it wired to the clones')
            [CompletionResult]::new('storage', 'storage', [CompletionResultType]::ParameterValue, 'EFS, PVCs bound to cloned data, and the default StorageClass on green')
            [CompletionResult]::new('cutover', 'cutover', [CompletionResultType]::ParameterValue, 'Move production traffic to green after preflight checks, and fail back')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-kf;status' {
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
        'kubectl-kf;token' {
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'EKS cluster name')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region of the cluster')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS named profile')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kubectl-kf;version' {
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
        'kubectl-kf;migrate' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Blue (production) kubeconfig context [default: the current context]')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Green (new) kubeconfig context [default: the green recorded for blue]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: from the environment or AWS config]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS named profile')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of the result')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of the result')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Only this profile namespace (repeatable; default: every profile of blue)')
            [CompletionResult]::new('--exclude-namespace', '--exclude-namespace', [CompletionResultType]::ParameterName, 'Leave this profile namespace out (repeatable)')
            [CompletionResult]::new('--ebs', '--ebs', [CompletionResultType]::ParameterName, 'Claims on EBS: copy them by snapshot, or skip them')
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
        'kubectl-kf;verify' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Blue (production) kubeconfig context [default: the current context]')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Green (new) kubeconfig context [default: the green recorded for blue]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: from the environment or AWS config]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS named profile')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of the result')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of the result')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)')
            [CompletionResult]::new('--sample', '--sample', [CompletionResultType]::ParameterName, 'How many of blue''s objects have their ETags compared with green''s, spread evenly over blue''s keys in order (the same objects every run; 0: none)')
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
        'kubectl-kf;cleanup' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Blue (production) kubeconfig context [default: the current context]')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Green (new) kubeconfig context [default: the green recorded for blue]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: from the environment or AWS config]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS named profile')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of the result')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of the result')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)')
            [CompletionResult]::new('--keep-snapshots', '--keep-snapshots', [CompletionResultType]::ParameterName, 'How many of the DB snapshots the clone took of blue to keep, newest first (0: none)')
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
        'kubectl-kf;abort' {
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
            [CompletionResult]::new('--delete-data', '--delete-data', [CompletionResultType]::ParameterName, 'Delete green''s S3 bucket and its objects too (otherwise it is listed as kept)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kubectl-kf;retire-blue' {
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
            [CompletionResult]::new('--delete-data', '--delete-data', [CompletionResultType]::ParameterName, 'Delete blue''s EFS file system and S3 bucket too (otherwise they are listed as kept)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kubectl-kf;clone' {
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
        'kubectl-kf;deploy' {
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
        'kubectl-kf;deploy;cluster' {
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
        'kubectl-kf;deploy;kubeflow' {
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
        'kubectl-kf;deploy;help' {
            [CompletionResult]::new('cluster', 'cluster', [CompletionResultType]::ParameterValue, 'Create the green EKS cluster from blue''s shape, and its kubeconfig context NAME')
            [CompletionResult]::new('kubeflow', 'kubeflow', [CompletionResultType]::ParameterValue, 'Point a Kubeflow manifests checkout at the clones, build it and apply it to green')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-kf;deploy;help;cluster' {
            break
        }
        'kubectl-kf;deploy;help;kubeflow' {
            break
        }
        'kubectl-kf;deploy;help;help' {
            break
        }
        'kubectl-kf;storage' {
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
        'kubectl-kf;storage;efs' {
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
        'kubectl-kf;storage;pvc' {
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
        'kubectl-kf;storage;default-class' {
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
        'kubectl-kf;storage;help' {
            [CompletionResult]::new('efs', 'efs', [CompletionResultType]::ParameterValue, 'EFS file system, NFS security group, mount targets, EFS CSI driver and StorageClass efs-sc')
            [CompletionResult]::new('pvc', 'pvc', [CompletionResultType]::ParameterValue, 'A PVC on green, bound to blue''s cloned data when there is some')
            [CompletionResult]::new('default-class', 'default-class', [CompletionResultType]::ParameterValue, 'Make CLASS the only default StorageClass')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-kf;storage;help;efs' {
            break
        }
        'kubectl-kf;storage;help;pvc' {
            break
        }
        'kubectl-kf;storage;help;default-class' {
            break
        }
        'kubectl-kf;storage;help;help' {
            break
        }
        'kubectl-kf;cutover' {
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
        'kubectl-kf;cutover;check' {
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
        'kubectl-kf;cutover;failback' {
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
        'kubectl-kf;cutover;status' {
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
        'kubectl-kf;cutover;help' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Run the preflight checks only')
            [CompletionResult]::new('failback', 'failback', [CompletionResultType]::ParameterValue, 'Restore every recorded value: DNS, blue''s writers, the current context')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Where traffic goes now')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-kf;cutover;help;check' {
            break
        }
        'kubectl-kf;cutover;help;failback' {
            break
        }
        'kubectl-kf;cutover;help;status' {
            break
        }
        'kubectl-kf;cutover;help;help' {
            break
        }
        'kubectl-kf;help' {
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the upgrade recorded for blue: steps, resources and their phases')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Print an EKS ExecCredential for a cluster (used by the kubeconfig entries kf writes)')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print the version')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Carry every user''s Profile, the objects they made in its namespace and their volumes (EFS claims bound to the cloned data, EBS claims by snapshot) from blue to green')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Compare blue and green: every database, bucket, file, profile, claim, notebook and role blue has, carried to green or missing (exit 1 when anything is missing)')
            [CompletionResult]::new('cleanup', 'cleanup', [CompletionResultType]::ParameterValue, 'Delete what only served the copy: DataSync tasks, locations and role, older DB snapshots of blue (plans without --yes)')
            [CompletionResult]::new('abort', 'abort', [CompletionResultType]::ParameterValue, 'Remove the whole green attempt and leave blue as it was: green''s cluster, DB (a final snapshot kept), EFS, roles, secrets; its bucket only with --delete-data (plans without --yes)')
            [CompletionResult]::new('retire-blue', 'retire-blue', [CompletionResultType]::ParameterValue, 'After cutover: delete blue''s cluster and DB (a final snapshot kept); its EFS and bucket only with --delete-data. Asks for blue''s cluster name unless --yes')
            [CompletionResult]::new('clone', 'clone', [CompletionResultType]::ParameterValue, 'Clone blue''s RDS database, S3 bucket and EFS file system for green, concurrently and resumably')
            [CompletionResult]::new('deploy', 'deploy', [CompletionResultType]::ParameterValue, 'Create green''s EKS cluster shaped like blue, and deploy Kubeflow on it wired to the clones')
            [CompletionResult]::new('storage', 'storage', [CompletionResultType]::ParameterValue, 'EFS, PVCs bound to cloned data, and the default StorageClass on green')
            [CompletionResult]::new('cutover', 'cutover', [CompletionResultType]::ParameterValue, 'Move production traffic to green after preflight checks, and fail back')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-kf;help;status' {
            break
        }
        'kubectl-kf;help;token' {
            break
        }
        'kubectl-kf;help;version' {
            break
        }
        'kubectl-kf;help;migrate' {
            break
        }
        'kubectl-kf;help;verify' {
            break
        }
        'kubectl-kf;help;cleanup' {
            break
        }
        'kubectl-kf;help;abort' {
            break
        }
        'kubectl-kf;help;retire-blue' {
            break
        }
        'kubectl-kf;help;clone' {
            break
        }
        'kubectl-kf;help;deploy' {
            [CompletionResult]::new('cluster', 'cluster', [CompletionResultType]::ParameterValue, 'Create the green EKS cluster from blue''s shape, and its kubeconfig context NAME')
            [CompletionResult]::new('kubeflow', 'kubeflow', [CompletionResultType]::ParameterValue, 'Point a Kubeflow manifests checkout at the clones, build it and apply it to green')
            break
        }
        'kubectl-kf;help;deploy;cluster' {
            break
        }
        'kubectl-kf;help;deploy;kubeflow' {
            break
        }
        'kubectl-kf;help;storage' {
            [CompletionResult]::new('efs', 'efs', [CompletionResultType]::ParameterValue, 'EFS file system, NFS security group, mount targets, EFS CSI driver and StorageClass efs-sc')
            [CompletionResult]::new('pvc', 'pvc', [CompletionResultType]::ParameterValue, 'A PVC on green, bound to blue''s cloned data when there is some')
            [CompletionResult]::new('default-class', 'default-class', [CompletionResultType]::ParameterValue, 'Make CLASS the only default StorageClass')
            break
        }
        'kubectl-kf;help;storage;efs' {
            break
        }
        'kubectl-kf;help;storage;pvc' {
            break
        }
        'kubectl-kf;help;storage;default-class' {
            break
        }
        'kubectl-kf;help;cutover' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Run the preflight checks only')
            [CompletionResult]::new('failback', 'failback', [CompletionResultType]::ParameterValue, 'Restore every recorded value: DNS, blue''s writers, the current context')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Where traffic goes now')
            break
        }
        'kubectl-kf;help;cutover;check' {
            break
        }
        'kubectl-kf;help;cutover;failback' {
            break
        }
        'kubectl-kf;help;cutover;status' {
            break
        }
        'kubectl-kf;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
