#!/usr/bin/env bash
# The whole blue/green flow, as far as the suite goes today, against emulated AWS (moto) and
# emulated Kubernetes (kmock): nothing here talks to real AWS or a real cluster.
# Run through `make demo`, which builds the plugins and installs the emulators first.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
source scripts/lib/emulators.sh

bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '\n\033[36m$ %s\033[0m\n' "$*"; "$@"; }

bold "Starting emulated AWS and two emulated Kubernetes clusters (blue = production, green = new)"
kf_emulators rds_snapshot=4,rds_instance=6,datasync_execution=5,efs=1
echo "AWS $AWS   blue $BLUE   green $GREEN"

bold "Seeding production: blue EKS + Kubeflow on RDS, S3 and EFS, behind Route 53 and an ALB"
kf_seed
for k in cluster_name db_instance_identifier bucket efs_id dns_name alb_dns_name; do
  echo "  $k: $(kf_fact blue "$k")"
done
# `kubectl kf deploy cluster` is not in this version yet: the green cluster is seeded instead.
echo "  green EKS cluster (seeded in place of \`kf deploy cluster\`): $(kf_fact green cluster_arn)"

bold "The plugins, through kubectl"
run kubectl plugin list
run kubectl kf status

bold "Clone production's storage for green: first the plan"
run kubectl kf clone --to green --dry-run

bold "Clone: RDS snapshot + restore, S3 and EFS DataSync, all at once"
run kubectl kf clone --to green

bold "Run it again: everything is done, nothing is created twice"
run kubectl kf clone --to green

bold "The upgrade record (ConfigMap kubeflow/kf-upgrade-green on blue)"
run kubectl kf status

bold "Green's bucket holds production's objects"
printf '\n\033[36m$ aws s3 ls s3://kf-artifacts-blue-green --recursive\033[0m\n'
"$PY" tests/emulators/awsq.py s3 list_objects_v2 '{"Bucket": "kf-artifacts-blue-green"}' |
  "$PY" -c 'import json,sys; print("\n".join("  "+o["Key"] for o in json.load(sys.stdin).get("Contents", [])))'

printf '\n\033[1mDone.\033[0m Not in this version yet: kf deploy, kf storage, kf cutover (see the README).\n'
