#!/usr/bin/env bash
# Benchmark of `kubectl kf migrate` against the emulators: a blue with 200 more profiles, each with
# a contributor (RoleBinding and AuthorizationPolicy), a PodDefault, a notebook, an IRSA service
# account, kfp-launcher, a Secret and two claims on EFS (one through its own access point, one on
# a static directory), and one claim on EBS: 1 + 200 profiles, 402 claims. Blue is cloned first
# (kf clone) and green serves Kubeflow's CRDs. Prints the wall time of the migrate, the number of
# steps it carried, and the AWS requests it made. Target: under 60 s.
# Usage: benches/migrate.sh [RUNS] [TEAMS]  (defaults 1 and 200)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
RUNS=${1:-1}
TEAMS=${2:-200}
for run in $(seq 1 "$RUNS"); do
  (
    source scripts/lib/emulators.sh
    kf_emulators
    kf_seed --teams "$TEAMS"
    kubectl kf clone --to green -q > /dev/null
    "$PY" -c 'import sys; sys.path.insert(0, "tests/emulators"); import kubeflow_objects, yaml
print(yaml.safe_dump_all(kubeflow_objects.crds() + kubeflow_objects.extra_crds()))' |
      kubectl --context green apply --server-side -f - > /dev/null
    "$PY" tests/emulators/awsq.py _kf requests/reset '{}' > /dev/null
    start=$(date +%s.%N)
    kubectl kf migrate --to green -q -o json > "$WORK/migrate.json"
    end=$(date +%s.%N)
    requests=$("$PY" tests/emulators/awsq.py _kf requests null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["total"])')
    "$PY" - "$start" "$end" "$requests" "$run" "$WORK/migrate.json" <<'PY'
import json, sys
start, end, requests, run, report = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
steps = json.load(open(report))["steps"]
created = sum(1 for s in steps if s["result"] == "created")
profiles = sum(1 for s in steps if s["kind"] == "Profile")
claims = sum(1 for s in steps if s["kind"] == "PersistentVolumeClaim" and s["result"] == "created")
failed = sum(1 for s in steps if s["result"].startswith("failed"))
print(f"run {run}: wall {end - start:.1f} s for {profiles} profiles, {claims} claims; "
      f"{created} steps created, {failed} failed; AWS requests {requests}")
PY
  )
done
