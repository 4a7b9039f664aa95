#!/usr/bin/env bash
# The whole blue/green flow, as far as the suite goes today, against emulated AWS (moto) and
# emulated Kubernetes (kmock): nothing here talks to real AWS or a real cluster.
# Run through `make demo`, which builds the plugins and installs the emulators first.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET=${CARGO_TARGET_DIR:-$HOME/.cache/kubectl-kf/target}/debug
PY=$ROOT/.venv/bin/python
WORK=$(mktemp -d -t kf-demo.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '\n\033[36m$ %s\033[0m\n' "$*"; "$@"; }

# The plugins, installed the way krew would put them on PATH.
mkdir -p "$WORK/bin" "$WORK/home"
for p in kubectl-kf kubectl-kf_clone kubectl-kf_deploy kubectl-kf_storage kubectl-kf_cutover; do
  ln -s "$TARGET/$p" "$WORK/bin/$p"
done
export PATH="$WORK/bin:$PATH" HOME="$WORK/home"

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start() { # name script args...
  local name=$1 script=$2; shift 2
  local port; port=$(free_port)
  "$PY" "tests/emulators/$script" --port "$port" "$@" > "$WORK/$name.out" 2> "$WORK/$name.log" &
  PIDS+=($!)
  for _ in $(seq 1 300); do
    grep -q '^ready ' "$WORK/$name.out" 2>/dev/null && { sed -n 's/^ready //p' "$WORK/$name.out"; return; }
    sleep 0.2
  done
  echo "the $name emulator did not start; see $WORK/$name.log" >&2; exit 1
}

bold "Starting emulated AWS and two emulated Kubernetes clusters (blue = production, green = new)"
AWS=$(start aws aws_emulator.py --pending rds_snapshot=4,rds_instance=6,datasync_execution=5,efs=1)
BLUE=$(start blue k8s_emulator.py)
GREEN=$(start green k8s_emulator.py)
echo "AWS $AWS   blue $BLUE   green $GREEN"
export AWS_ENDPOINT_URL=$AWS AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
  AWS_EC2_METADATA_DISABLED=true KUBECONFIG=$WORK/kubeconfig
cat > "$KUBECONFIG" <<KC
apiVersion: v1
kind: Config
current-context: blue
clusters:
- {name: blue, cluster: {server: $BLUE}}
- {name: green, cluster: {server: $GREEN}}
contexts:
- {name: blue, context: {cluster: blue, user: blue}}
- {name: green, context: {cluster: green, user: green}}
users:
- name: blue
  user: {exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: kubectl, args: [kf, token, --cluster, blue], interactiveMode: Never}}
- name: green
  user: {exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: kubectl, args: [kf, token, --cluster, green], interactiveMode: Never}}
KC
chmod 600 "$KUBECONFIG"

bold "Seeding production: blue EKS + Kubeflow on RDS, S3 and EFS, behind Route 53 and an ALB"
"$PY" tests/emulators/seed_blue.py --endpoint "$AWS" --kubeconfig "$KUBECONFIG" --context blue > "$WORK/blue.json" 2> "$WORK/seed.log"
"$PY" -c 'import json,sys; f=json.load(open(sys.argv[1])); print("\n".join(f"  {k}: {f[k]}" for k in ("cluster_name","db_instance_identifier","bucket","efs_id","dns_name","alb_dns_name")))' "$WORK/blue.json"
# `kubectl kf deploy cluster` is not in this version yet: the green cluster is seeded instead.
"$PY" tests/emulators/seed_green.py --endpoint "$AWS" --cluster-name green > "$WORK/green.json"
echo "  green EKS cluster (seeded in place of \`kf deploy cluster\`): $("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["cluster_arn"])' "$WORK/green.json")"

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

bold "Green's bucket holds production's objects; blue is unchanged"
printf '\n\033[36m$ aws s3 ls s3://kf-artifacts-blue-green --recursive\033[0m\n'
"$PY" tests/emulators/awsq.py s3 list_objects_v2 '{"Bucket": "kf-artifacts-blue-green"}' | "$PY" -c 'import json,sys; print("\n".join("  "+o["Key"] for o in json.load(sys.stdin).get("Contents", [])))'

printf '\n\033[1mDone.\033[0m Not in this version yet: kf deploy, kf storage, kf cutover (see the README).\n'
