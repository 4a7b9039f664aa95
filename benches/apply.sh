#!/usr/bin/env bash
# Benchmark of `kubectl kf deploy kubeflow`'s server-side apply: the test manifests plus N
# generated ConfigMaps (default 1000) applied to an emulated green cluster. Reports objects per
# second and the command's peak memory (max RSS). Usage: benches/apply.sh [N]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
N=${1:-1000}
source scripts/lib/emulators.sh
kf_emulators ""
kf_seed
kubectl kf clone --to green --only db,bucket -q > /dev/null

M=$WORK/manifests
cp -r tests/fixtures/kubeflow-manifests "$M"
mkdir -p "$M/generated"
"$PY" - "$M/generated" "$N" <<'PY'
import sys
out, n = sys.argv[1], int(sys.argv[2])
with open(f"{out}/objects.yaml", "w") as f:
    for i in range(n):
        f.write(f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bench-{i:05d}\n  namespace: kubeflow\ndata:\n  index: \"{i}\"\n")
with open(f"{out}/kustomization.yaml", "w") as f:
    f.write("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - objects.yaml\n")
PY
echo "  - ../../generated" >> "$M/deployments/rds-s3/kustomization.yaml"
total=$(kubectl kustomize "$M/deployments/rds-s3" | grep -c '^kind:')
start=$(date +%s.%N)
/usr/bin/time -f '%M' -o "$WORK/rss" kubectl-kf_deploy kubeflow --to green --manifests "$M" -q > /dev/null
end=$(date +%s.%N)
"$PY" - "$start" "$end" "$total" "$(cat "$WORK/rss")" <<'PY'
import sys
start, end, total, rss_kib = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
wall = end - start
print(f"applied {total} objects in {wall:.2f} s (whole command: build, apply, waits): {total / wall:.0f} objects/s; peak memory {rss_kib / 1024:.1f} MiB")
PY
