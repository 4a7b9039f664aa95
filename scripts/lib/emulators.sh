# Sourced by scripts/demo.sh and benches/*.sh: the plugins on PATH, emulated AWS and two emulated
# Kubernetes clusters on free loopback ports, a kubeconfig with contexts blue and green, and the
# seeded production. Everything is stopped and removed when the sourcing script exits.
# Needs: ROOT (repository root). Sets: WORK, AWS, BLUE, GREEN, PY and the AWS/KUBECONFIG environment.

TARGET=${CARGO_TARGET_DIR:-$HOME/.cache/kubectl-kf/target}/debug
PY=$ROOT/.venv/bin/python
WORK=$(mktemp -d -t kf.XXXXXX)
# kf_start runs in command substitutions (a subshell), so the emulators' PIDs go to a file.
kf_cleanup() {
  if [ -f "$WORK/pids" ]; then
    while read -r p; do kill "$p" 2>/dev/null || true; done < "$WORK/pids"
  fi
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap kf_cleanup EXIT

# The plugins, installed the way krew would put them on PATH.
mkdir -p "$WORK/bin" "$WORK/home"
for p in kubectl-kf kubectl-kf_clone kubectl-kf_deploy kubectl-kf_storage kubectl-kf_cutover; do
  [ -x "$TARGET/$p" ] || { echo "$TARGET/$p is missing: run make build" >&2; exit 1; }
  ln -s "$TARGET/$p" "$WORK/bin/$p"
done
export PATH="$WORK/bin:$PATH" HOME="$WORK/home"

kf_free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# kf_start NAME SCRIPT ARGS... -> prints the emulator's URL once it serves.
kf_start() {
  local name=$1 script=$2; shift 2
  local port; port=$(kf_free_port)
  "$PY" "$ROOT/tests/emulators/$script" --port "$port" "$@" > "$WORK/$name.out" 2> "$WORK/$name.log" &
  echo $! >> "$WORK/pids"
  for _ in $(seq 1 300); do
    grep -q '^ready ' "$WORK/$name.out" 2>/dev/null && { sed -n 's/^ready //p' "$WORK/$name.out"; return; }
    sleep 0.2
  done
  echo "the $name emulator did not start; see $WORK/$name.log" >&2; exit 1
}

# kf_emulators PENDING: starts the three emulators (PENDING as for aws_emulator.py --pending).
kf_emulators() {
  AWS=$(kf_start aws aws_emulator.py ${1:+--pending "$1"})
  BLUE=$(kf_start blue k8s_emulator.py)
  GREEN=$(kf_start green k8s_emulator.py)
  export AWS_ENDPOINT_URL=$AWS AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_ACCESS_KEY_ID=testing \
    AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true KUBECONFIG=$WORK/kubeconfig
  kf_kubeconfig blue green
}

# kf_kubeconfig CONTEXT...: a kubeconfig with these of the contexts blue and green (current: blue).
# Users authenticate as on EKS, through `kubectl kf token` (the emulators accept any token).
kf_kubeconfig() {
  {
    echo "apiVersion: v1"
    echo "kind: Config"
    echo "current-context: blue"
    echo "clusters:"
    for c in "$@"; do local url=$BLUE; [ "$c" = green ] && url=$GREEN; echo "- {name: $c, cluster: {server: $url}}"; done
    echo "contexts:"
    for c in "$@"; do echo "- {name: $c, context: {cluster: $c, user: $c}}"; done
    echo "users:"
    for c in "$@"; do
      echo "- name: $c"
      echo "  user: {exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: kubectl, args: [kf, token, --cluster, $c], interactiveMode: Never}}"
    done
  } > "$KUBECONFIG"
  chmod 600 "$KUBECONFIG"
}

# kf_seed_blue [ARGS...]: production (blue) into AWS and the blue cluster (ARGS for seed_blue.py,
# e.g. --teams 2).
kf_seed_blue() {
  "$PY" "$ROOT/tests/emulators/seed_blue.py" --endpoint "$AWS" --kubeconfig "$KUBECONFIG" --context blue "$@" \
    > "$WORK/blue.json" 2> "$WORK/seed.log"
}

# kf_seed: production, and an empty green EKS cluster in its own VPC (instead of `kf deploy cluster`).
kf_seed() {
  kf_seed_blue "$@"
  "$PY" "$ROOT/tests/emulators/seed_green.py" --endpoint "$AWS" --cluster-name green > "$WORK/green.json"
}

# kf_eks_endpoints: the EKS clusters blue and green answer with the emulated API servers as
# their endpoints, so the contexts `kf deploy cluster` writes reach them.
kf_eks_endpoints() {
  "$PY" "$ROOT/tests/emulators/awsq.py" _kf config "{\"eks_endpoints\": {\"blue\": \"$BLUE\", \"green\": \"$GREEN\"}}" > /dev/null
}

kf_fact() { "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$WORK/$1.json" "$2"; }
