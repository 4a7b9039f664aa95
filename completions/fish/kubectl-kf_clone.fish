complete -c kubectl-kf_clone -l from -d 'Blue (production) kubeconfig context [default: the current context]' -r
complete -c kubectl-kf_clone -l to -d 'Green (new) kubeconfig context [default: the green recorded for blue]' -r
complete -c kubectl-kf_clone -l kubeconfig -d 'Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]' -r -F
complete -c kubectl-kf_clone -l region -d 'AWS region [default: from the environment or AWS config]' -r
complete -c kubectl-kf_clone -l profile -d 'AWS named profile' -r
complete -c kubectl-kf_clone -s o -l output -d 'Output format of the result' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-kf_clone -l timeout -d 'Longest time to wait for any one operation (e.g. 90s, 20m, 1h)' -r
complete -c kubectl-kf_clone -l only -d 'Clone only these storage layers' -r -f -a "db\t''
bucket\t''
efs\t''"
complete -c kubectl-kf_clone -l db-instance -d 'Blue\'s RDS instance identifier [default: discovered from pipeline-install-config]' -r
complete -c kubectl-kf_clone -l bucket -d 'Blue\'s S3 artifact bucket [default: bucketName of pipeline-install-config]' -r
complete -c kubectl-kf_clone -l efs-id -d 'Blue\'s EFS file system id [default: fileSystemId of the efs-sc StorageClass]' -r
complete -c kubectl-kf_clone -l bandwidth -d 'Limit each DataSync copy (bucket, file system) to this many MiB/s, so the clone does not starve production (DataSync BytesPerSecond) [default: no limit]' -r
complete -c kubectl-kf_clone -l dry-run -d 'Print the plan and change nothing'
complete -c kubectl-kf_clone -l yes -d 'Approve steps that replace, delete or redirect'
complete -c kubectl-kf_clone -s v -l verbose -d 'More logging (-v info, -vv debug, -vvv trace)'
complete -c kubectl-kf_clone -s q -l quiet -d 'Only errors on stderr'
complete -c kubectl-kf_clone -l resync -d 'Repeat the copy for the maintenance window (incremental DataSync; a fresh DB snapshot and restore, replacing green\'s DB only with --yes)'
complete -c kubectl-kf_clone -l discard-green-writes -d 'With --resync after green took production traffic: replace green\'s DB (after a final snapshot of it, kept) and mirror blue\'s deletions onto green, discarding what only green has'
complete -c kubectl-kf_clone -s h -l help -d 'Print help'
complete -c kubectl-kf_clone -s V -l version -d 'Print version'
