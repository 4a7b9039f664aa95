#!/usr/bin/env bash
# The whole blue/green upgrade against emulated AWS (moto) and emulated Kubernetes (kmock):
# nothing here talks to real AWS or a real cluster.
# Run through `make demo`, which builds the plugins and installs the emulators first.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
source scripts/lib/emulators.sh

bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '\n\033[36m$ %s\033[0m\n' "$*"; "$@"; }

bold "Starting emulated AWS and two emulated Kubernetes API servers (blue = production, green = for the new cluster)"
kf_emulators rds_snapshot=3,rds_instance=4,datasync_execution=4,eks_cluster=2,eks_nodegroup=2,eks_addon=1,ec2_snapshot=2
kf_eks_endpoints
kf_kubeconfig blue        # production only: green does not exist yet
echo "AWS $AWS   blue $BLUE   green $GREEN"

bold "Seeding production: EKS + Kubeflow on RDS, S3 and EFS, behind an ALB and Route 53; three teams"
kf_seed_blue --teams 2
for k in cluster_name db_instance_identifier bucket efs_id dns_name alb_dns_name; do
  echo "  $k: $(kf_fact blue "$k")"
done

bold "The plugins, through kubectl"
run kubectl plugin list
run kubectl kf status

bold "1. A green EKS cluster shaped like blue (made by eksctl, Kubernetes 1.32 on AL2), on 1.33: plan, then for real"
echo "   A version older than blue's is refused before anything is made:"
run kubectl kf deploy cluster green --version 1.31 || echo "   (exit $?)"
run kubectl kf deploy cluster green --version 1.33 --dry-run
run kubectl kf deploy cluster green --version 1.33
echo "   Everyone who could use blue can use green:"
run "$PY" tests/emulators/awsq.py eks list_access_entries '{"clusterName": "green"}'
run kubectl config get-contexts

bold "2. EFS for green: file system, NFS group, mount targets, CSI driver, StorageClass efs-sc"
run kubectl kf storage efs --to green --dry-run
run kubectl kf storage efs --to green
echo "   Planned again, every step is done:"
run kubectl kf storage efs --to green --dry-run

bold "3. Clone production's storage: the plan, then RDS, S3 and EFS at once"
run kubectl kf clone --to green --dry-run
run kubectl kf clone --to green

bold "   Run it again: everything is done, nothing is created twice"
run kubectl kf clone --to green -q

# --- green's own Kubeflow roles (issue 14, permissions for green's bucket) ---
bold "   Green's own Kubeflow roles, now that green's bucket exists (blue's roles untouched)"
run kubectl kf deploy cluster green --version 1.33
# --- end of green's own Kubeflow roles ---

bold "4. Kubeflow on green, wired to the clones"
cp -r tests/fixtures/kubeflow-manifests "$WORK/kubeflow-manifests"
run kubectl kf deploy kubeflow --to green --manifests "$WORK/kubeflow-manifests"
run grep -v '^#' "$WORK/kubeflow-manifests/awsconfigs/apps/pipeline/rds/params.env"

# --- deploy kubeflow from today's Kubeflow (issue 14) -------------------------------------------
bold "4b. Today's Kubeflow on green: a Kubeflow 26.03-shaped community checkout, wired to the same clones"
echo "   Blue runs the AWS distribution's 1.7 layout; green gets the community distribution 26.03."
echo "   The command writes an overlay of its own into the checkout (nothing secret in it):"
cp -r tests/fixtures/community-26.03 "$WORK/kubeflow-26.03"
run kubectl kf deploy kubeflow --to green --manifests "$WORK/kubeflow-26.03" --dry-run
run kubectl kf deploy kubeflow --to green --manifests "$WORK/kubeflow-26.03"
run ls "$WORK/kubeflow-26.03/kubectl-kf/green"
run kubectl --context green -n kubeflow get configmap pipeline-install-config \
  -o custom-columns=DBHOST:.data.dbHost,MYSQLHOST:.data.mysqlHost,BUCKET:.data.bucketName
# --- end of issue 14's block ---------------------------------------------------------------------

# --- migrate (issue 15) -------------------------------------------------------------------
bold "5. Every user onto green: Profiles, their objects and every claim (kubectl kf migrate)"
echo "   Kubeflow's user objects live in blue's etcd, not in RDS/S3/EFS. The plan first:"
run kubectl kf migrate --to green --dry-run
run kubectl kf migrate --to green
echo "   Green's profile controller made each namespace (a namespace made first would be refused):"
run kubectl --context green get namespaces -l app.kubernetes.io/part-of=kubeflow-profile \
  -o custom-columns='NAMESPACE:.metadata.name,OWNER:.metadata.annotations.owner,OWNED BY:.metadata.ownerReferences[0].kind'
echo "   Each claim on EFS is bound to the cloned directory (through a copy of blue's access point),"
echo "   the claim on EBS to a volume made from a tagged snapshot in a zone green's nodes use:"
run kubectl --context green get pvc -A -o custom-columns='NAMESPACE:.metadata.namespace,CLAIM:.metadata.name,STATUS:.status.phase,VOLUME:.spec.volumeName'
run kubectl --context green get pv -o custom-columns='VOLUME:.metadata.name,DRIVER:.spec.csi.driver,HANDLE:.spec.csi.volumeHandle'
echo "   Notebooks are stopped on green until cutover; kfp-launcher names green's bucket:"
run kubectl --context green get notebooks -A -o custom-columns='NAMESPACE:.metadata.namespace,NOTEBOOK:.metadata.name,STOPPED:.metadata.annotations.kubeflow-resource-stopped'
run kubectl --context green -n team-vision get configmap kfp-launcher -o jsonpath='{.data.defaultPipelineRoot}{"\n"}'
echo "   Run again: nothing left to do"
run kubectl kf migrate --to green
run kubectl kf storage default-class efs-sc --to green
# --- end migrate ---------------------------------------------------------------------------

bold "The upgrade record (ConfigMap kubeflow/kf-upgrade-green on blue)"
run kubectl kf status

# --- verify (issue 15) --------------------------------------------------------------------
bold "   Everything blue has, on green? (kubectl kf verify: one line per item, carried N/M)"
run kubectl kf verify --to green --sample 20
echo "   A user's PodDefault lost on green: verify names it and exits 1; migrate puts it back"
kubectl --context green -n team-nlp delete poddefault access-ml-pipeline > /dev/null
printf '\n\033[36m$ %s\033[0m\n' "kubectl kf verify --to green --sample 20 -o json"
kubectl kf verify --to green --sample 20 -o json > "$WORK/verify.json" 2> /dev/null || echo "   (exit $?)"
"$PY" -c 'import json,sys; v=json.load(open(sys.argv[1])); print("   carried %d/%d; missing: %s" % (v["carried"], v["total"], [i["name"] for i in v["items"] if i["status"] == "missing"]))' "$WORK/verify.json"
run kubectl kf migrate --to green --namespace team-nlp -q
kubectl kf verify --to green --sample 20 -q -o json > "$WORK/verify.json"
"$PY" -c 'import json,sys; v=json.load(open(sys.argv[1])); print("   carried %d/%d" % (v["carried"], v["total"]))' "$WORK/verify.json"
# --- end verify ----------------------------------------------------------------------------

bold "6. Traffic to green: preflight checks first"
# On EKS the AWS Load Balancer Controller now makes an ALB for green's Ingress and writes its
# name into the Ingress status; the emulators have no controller, so the demo does that step.
ALB=$("$PY" tests/emulators/awsq.py elbv2 create_load_balancer \
  "{\"Name\": \"k8s-istiosys-istioing-green\", \"Subnets\": $("$PY" -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["public_subnet_ids"]))' "$WORK/blue.json"), \"Scheme\": \"internet-facing\", \"Type\": \"application\"}" |
  "$PY" -c 'import json,sys; print(json.load(sys.stdin)["LoadBalancers"][0]["DNSName"])')
kubectl --context green -n istio-system patch ingress istio-ingress --subresource=status --type=merge \
  -p "{\"status\": {\"loadBalancer\": {\"ingress\": [{\"hostname\": \"$ALB\"}]}}}" > /dev/null
echo "  (standing in for the AWS Load Balancer Controller: green's ALB is $ALB)"
echo "  (blue-quiesce lists what still writes to blue: pipeline runs, recurring runs, notebooks, Katib trials)"
run kubectl kf cutover check --to green

bold "   Without --yes: the plan only (each kind of writer --freeze-blue stops)"
run kubectl kf cutover --to green --freeze-blue

bold "7. A canary: 10% of the traffic to green, blue still serving"
run kubectl kf cutover --to green --weight 10 --yes
GREEN_BUCKET="$(kf_fact blue bucket)-green"
"$PY" tests/emulators/awsq.py s3 put_object "{\"Bucket\": \"$GREEN_BUCKET\", \"Key\": \"artifacts/canary-run-1/model.pkl\", \"Body\": \"written by a user on green\"}" > /dev/null
echo "  (a user routed to green ran a pipeline: s3://$GREEN_BUCKET/artifacts/canary-run-1/model.pkl)"

bold "   A resync now would delete what only green has: refused"
run kubectl kf cutover --freeze-blue --resync --yes || true

bold "   Back to blue, carrying green's new files home (and keeping green's DB as a snapshot)"
run kubectl kf cutover failback
run kubectl kf cutover failback --sync-back --yes
run "$PY" tests/emulators/awsq.py s3 head_object "{\"Bucket\": \"$(kf_fact blue bucket)\", \"Key\": \"artifacts/canary-run-1/model.pkl\"}"

writers() {
  kubectl --context blue get notebooks -A -o custom-columns='NOTEBOOK:.metadata.name,STOPPED:.metadata.annotations.kubeflow-resource-stopped'
  kubectl --context blue get statefulsets -A -o custom-columns='STATEFULSET:.metadata.name,REPLICAS:.spec.replicas'
  kubectl --context blue get workflows -A -o custom-columns='PIPELINE RUN:.metadata.name,PHASE:.status.phase,SUSPEND:.spec.suspend'
  kubectl --context blue get scheduledworkflows -A -o custom-columns='RECURRING RUN:.metadata.name,ENABLED:.spec.enabled'
  kubectl --context blue get jobs -A -o custom-columns='TRIAL JOB:.metadata.name,SUSPEND:.spec.suspend,ACTIVE:.status.active'
}

bold "8. The move: blue frozen (every writer), a last resync (green's canary writes discarded:"
echo "   its files are home, its DB is kept as a snapshot), all traffic to green"
bold "   Blue's writers before"
writers
run kubectl kf cutover --to green --freeze-blue --resync --discard-green-writes --yes
bold "   Blue's writers, frozen"
writers
run kubectl config current-context
run kubectl kf cutover status

bold "9. Something is wrong? Fail back: DNS, every writer of blue and the context as they were"
run kubectl kf cutover failback --yes
run kubectl config current-context
run kubectl --context blue -n kubeflow get deployments -o custom-columns=NAME:.metadata.name,REPLICAS:.spec.replicas
writers

bold "10. Clean up what only served the copy: DataSync tasks, locations and role; old manual snapshots"
echo "   (green's DB, bucket and EFS, blue, and the latest snapshot of blue are kept)"
run kubectl kf cleanup --to green --dry-run
run kubectl kf cleanup --to green --yes
run kubectl kf cleanup --to green --yes

# ---- the end that abandons green (kf abort) --------------------------------------------------
bold "11. Or give this attempt up (traffic is back on blue): abort removes all of green"
echo "   (green's DB leaves a final snapshot; its bucket stays without --delete-data;"
echo "   blue's roles trust exactly what they trusted before)"
bold "   (Retiring blue instead needs a finished cutover: refused now)"
run kubectl kf retire-blue --to green --dry-run || echo "   (exit $?)"
run kubectl kf abort --to green --dry-run
run kubectl kf abort --to green --yes
run kubectl config get-contexts
# ---- end of the abort block ------------------------------------------------------------------

printf '\n\033[1mDone.\033[0m\n'
