#!/usr/bin/env bash
# Benchmark of `kubectl kf clone` against the emulators with pending phases:
#   RDS snapshot 6 s, restore 8 s, S3 DataSync 10 s, EFS DataSync 7 s.
# The three streams are independent, so the wall time should approach the longest dependent
# chain (snapshot + restore = 14 s). Prints the wall time, its ratio to that chain (target <= 1.10)
# and the number of AWS requests the clone made.  Usage: benches/clone.sh [RUNS]  (default 3)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
RUNS=${1:-3}
CHAIN=14
for run in $(seq 1 "$RUNS"); do
  (
    source scripts/lib/emulators.sh
    kf_emulators rds_snapshot=6,rds_instance=8,datasync_execution_s3=10,datasync_execution_efs=7,efs=0
    kf_seed
    "$PY" tests/emulators/awsq.py _kf requests/reset '{}' > /dev/null
    start=$(date +%s.%N)
    kubectl kf clone --to green -q > /dev/null
    end=$(date +%s.%N)
    requests=$("$PY" tests/emulators/awsq.py _kf requests null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["total"])')
    "$PY" - "$start" "$end" "$CHAIN" "$requests" "$run" <<'PY'
import sys
start, end, chain, requests, run = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
wall = end - start
print(f"run {run}: wall {wall:.2f} s, chain {chain:.0f} s, ratio {wall / chain:.3f}, AWS requests {requests}")
PY
  )
done
