#!/usr/bin/env bash
# Size and `--help` start-up time of each release binary (`make dist` builds them).
# Uses hyperfine when it is installed (Debian: apt-get install hyperfine), else a timed loop.
#   Usage: benches/startup.sh [BIN_DIR] [RUNS]
#   BIN_DIR defaults to $CARGO_TARGET_DIR/release (~/.cache/kubectl-kf/target/release); RUNS to 200.
set -euo pipefail
BIN_DIR=${1:-${CARGO_TARGET_DIR:-$HOME/.cache/kubectl-kf/target}/release}
RUNS=${2:-200}
PLUGINS=(kubectl-kf kubectl-kf_clone kubectl-kf_deploy kubectl-kf_storage kubectl-kf_cutover)
for p in "${PLUGINS[@]}"; do
  [ -x "$BIN_DIR/$p" ] || { echo "$BIN_DIR/$p is missing: run \`make dist\` first" >&2; exit 2; }
done
printf '%-22s %12s %16s\n' binary bytes "--help mean"
for p in "${PLUGINS[@]}"; do
  bin="$BIN_DIR/$p"
  size=$(stat -c %s "$bin")
  if command -v hyperfine > /dev/null; then
    json=$(mktemp)
    hyperfine --style none --shell=none --warmup 20 --runs "$RUNS" --export-json "$json" \
      "$bin --help" > /dev/null 2>&1
    mean=$(python3 - "$json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f"{r['mean'] * 1000:.2f} ms ± {r['stddev'] * 1000:.2f}")
PY
)
    rm -f "$json"
  else
    start=$(date +%s%N)
    for _ in $(seq "$RUNS"); do "$bin" --help > /dev/null; done
    end=$(date +%s%N)
    mean=$(awk -v t=$((end - start)) -v n="$RUNS" 'BEGIN { printf "%.2f ms", t / n / 1e6 }')
  fi
  printf '%-22s %12s %16s\n' "$p" "$size" "$mean"
done
