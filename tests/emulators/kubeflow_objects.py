"""Kubernetes objects of a running Kubeflow on AWS (1.7, the awslabs distribution), for the blue seed.

Shapes follow the upstream CRDs and controllers; each kind notes where its fields come from:

* Profile (kubeflow.org/v1): the profile controller owns the user's namespace, labelled
  `app.kubernetes.io/part-of: kubeflow-profile` (kubeflow/kubeflow components/profile-controller).
* Notebook (kubeflow.org/v1, also served as v1beta1): the notebook controller runs it as a
  StatefulSet of the same name; the annotation `kubeflow-resource-stopped` stops it
  (components/notebook-controller/pkg/culler/culler.go: "the controller will reduce the replicas
  to 0 if this annotation is set"). The emulator's own controller does that (k8s_emulator.py).
* Workflow (argoproj.io/v1alpha1): a pipeline run; `status.phase` Running until it ends, and
  `spec.suspend: true` suspends it (Argo Workflows: `argo suspend`).
* ScheduledWorkflow (kubeflow.org/v1beta1): a KFP recurring run; `spec.enabled` turns it on and off
  (kubeflow/pipelines backend/src/crd/pkg/apis/scheduledworkflow/v1beta1/types.go).
* Trial (kubeflow.org/v1beta1) and its batch Job (owner reference to the Trial): a Katib trial;
  a batch/v1 Job is suspended with `spec.suspend: true` (Kubernetes Job docs, "Suspending a Job").
* SecretProviderClass (secrets-store.csi.x-k8s.io/v1): syncs the RDS credentials into mysql-secret,
  written the way the AWS guide's setup script leaves it (objects re-dumped with PyYAML).
"""

import yaml

PROFILE_NAMESPACE = "kubeflow-user-example-com"


def crd(group: str, kind: str, plural: str, versions: list[str], scope: str = "Namespaced",
        status_subresource: bool = False) -> dict:
    version_specs = []
    for i, version in enumerate(versions):
        spec = {
            "name": version,
            "served": True,
            "storage": i == 0,
            "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
        }
        if status_subresource:
            spec["subresources"] = {"status": {}}
        version_specs.append(spec)
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {
            "group": group,
            "names": {"kind": kind, "listKind": f"{kind}List", "plural": plural, "singular": kind.lower()},
            "scope": scope,
            "versions": version_specs,
        },
    }


def crds() -> list[dict]:
    return [
        crd("kubeflow.org", "Profile", "profiles", ["v1", "v1beta1"], scope="Cluster", status_subresource=True),
        crd("kubeflow.org", "Notebook", "notebooks", ["v1", "v1beta1"], status_subresource=True),
        # Argo's CRDs have no status subresource: the controller writes status with the object.
        crd("argoproj.io", "Workflow", "workflows", ["v1alpha1"]),
        crd("kubeflow.org", "ScheduledWorkflow", "scheduledworkflows", ["v1beta1"]),
        crd("kubeflow.org", "Trial", "trials", ["v1beta1"], status_subresource=True),
        crd("secrets-store.csi.x-k8s.io", "SecretProviderClass", "secretproviderclasses", ["v1"]),
    ]


def secret_provider_class(secret_name: str) -> dict:
    objects = [{
        "objectName": secret_name,
        "objectType": "secretsmanager",
        "jmesPath": [{"path": k, "objectAlias": a} for k, a in
                     (("username", "user"), ("password", "pass"), ("host", "host"),
                      ("database", "database"), ("port", "port"))],
    }]
    return {
        "apiVersion": "secrets-store.csi.x-k8s.io/v1",
        "kind": "SecretProviderClass",
        "metadata": {"name": "aws-secrets", "namespace": "kubeflow"},
        "spec": {
            "provider": "aws",
            "parameters": {"objects": yaml.dump(objects)},
            "secretObjects": [{
                "secretName": "mysql-secret",
                "type": "Opaque",
                "data": [{"objectName": a, "key": k} for k, a in
                         (("username", "user"), ("password", "pass"), ("host", "host"),
                          ("database", "database"), ("port", "port"))],
            }],
        },
    }


def workloads() -> list[dict]:
    ns = PROFILE_NAMESPACE
    owner = "user@example.com"
    return [
        {
            "apiVersion": "kubeflow.org/v1",
            "kind": "Profile",
            "metadata": {"name": ns},
            "spec": {"owner": {"kind": "User", "name": owner},
                     "resourceQuotaSpec": {"hard": {"requests.cpu": "8", "requests.memory": "32Gi"}}},
        },
        {
            "apiVersion": "kubeflow.org/v1",
            "kind": "Notebook",
            "metadata": {"name": "my-notebook", "namespace": ns, "labels": {"app": "my-notebook"}},
            "spec": {"template": {"spec": {
                "containers": [{"name": "my-notebook", "image": "kubeflownotebookswg/jupyter-scipy:v1.7.0",
                                "volumeMounts": [{"name": "efsclaim", "mountPath": "/home/jovyan"}]}],
                "volumes": [{"name": "efsclaim", "persistentVolumeClaim": {"claimName": "efsclaim"}}],
            }}},
        },
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Workflow",
            "metadata": {"name": "iris-training-8k2lq", "namespace": ns,
                         "labels": {"pipelines.kubeflow.org/v2_component": "true",
                                    "workflows.argoproj.io/phase": "Running"}},
            "spec": {"entrypoint": "iris-training", "serviceAccountName": "default-editor"},
            "status": {"phase": "Running", "startedAt": "2026-11-30T22:10:00Z"},
        },
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Workflow",
            "metadata": {"name": "xgboost-sample-1a2b3", "namespace": ns,
                         "labels": {"workflows.argoproj.io/completed": "true",
                                    "workflows.argoproj.io/phase": "Succeeded"}},
            "spec": {"entrypoint": "xgboost-sample", "serviceAccountName": "default-editor"},
            "status": {"phase": "Succeeded", "startedAt": "2026-11-29T08:00:00Z",
                       "finishedAt": "2026-11-29T08:42:00Z"},
        },
        {
            "apiVersion": "kubeflow.org/v1beta1",
            "kind": "ScheduledWorkflow",
            "metadata": {"name": "nightly-iris-training", "namespace": ns},
            "spec": {"enabled": True, "maxConcurrency": 1,
                     "trigger": {"cronSchedule": {"cron": "0 0 2 * * *"}},
                     "workflow": {"spec": {"entrypoint": "iris-training"}}},
        },
        {
            "apiVersion": "kubeflow.org/v1beta1",
            "kind": "ScheduledWorkflow",
            "metadata": {"name": "weekly-report", "namespace": ns},
            "spec": {"enabled": False, "maxConcurrency": 1,
                     "trigger": {"cronSchedule": {"cron": "0 0 6 * * 1"}},
                     "workflow": {"spec": {"entrypoint": "report"}}},
        },
        {
            "apiVersion": "kubeflow.org/v1beta1",
            "kind": "Trial",
            "metadata": {"name": "random-search-7bq4x", "namespace": ns,
                         "labels": {"katib.kubeflow.org/experiment": "random-search"}},
            "spec": {"objective": {"type": "maximize", "objectiveMetricName": "accuracy"}},
        },
    ]


def trial_job(trial_uid: str) -> dict:
    """The batch Job a Katib trial runs, owned by its Trial."""
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": "random-search-7bq4x",
            "namespace": PROFILE_NAMESPACE,
            "labels": {"katib.kubeflow.org/trial": "random-search-7bq4x"},
            "ownerReferences": [{"apiVersion": "kubeflow.org/v1beta1", "kind": "Trial",
                                 "name": "random-search-7bq4x", "uid": trial_uid,
                                 "controller": True, "blockOwnerDeletion": True}],
        },
        "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [
            {"name": "training-container", "image": "docker.io/kubeflowkatib/mxnet-mnist:v0.15.0"}]}}},
    }


# ---- More users: the profiles a platform serving several teams has ------------------------------
# Shapes: a contributor's RoleBinding and AuthorizationPolicy as KFAM makes them (kubeflow/kubeflow
# components/access-management/kfam/bindings.go: name `user-<email, - for @ and .>-clusterrole-<role>`,
# annotations `user` and `role`); a PodDefault as the central dashboard's "Allow access to Kubeflow
# Pipelines" (components/admission-webhook); kfp-launcher as KFP's profile controller writes it
# (defaultPipelineRoot); a pipeline-runner service account with the IRSA annotation (EKS user guide,
# "Associate an IAM role to a service account").

TEAM_NAMES = ["team-vision", "team-nlp"]


def team_name(i: int) -> str:
    return TEAM_NAMES[i] if i < len(TEAM_NAMES) else f"team-{i:03d}"


def extra_crds() -> list[dict]:
    return [
        crd("kubeflow.org", "PodDefault", "poddefaults", ["v1alpha1"]),
        crd("security.istio.io", "AuthorizationPolicy", "authorizationpolicies", ["v1beta1", "v1"]),
    ]


def team_profile(i: int) -> dict:
    return {"apiVersion": "kubeflow.org/v1", "kind": "Profile", "metadata": {"name": team_name(i)},
            "spec": {"owner": {"kind": "User", "name": f"lead{i}@example.com"},
                     "resourceQuotaSpec": {"hard": {"requests.cpu": "16", "requests.memory": "64Gi"}}}}


def team_objects(i: int, bucket: str, irsa_role: str) -> list[dict]:
    ns = team_name(i)
    contributor = f"dev{i}@example.com"
    kfam = f"user-{contributor.replace('@', '-').replace('.', '-')}-clusterrole-edit"
    return [
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
         "metadata": {"name": kfam, "namespace": ns, "annotations": {"user": contributor, "role": "edit"}},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "kubeflow-edit"},
         "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": contributor}]},
        {"apiVersion": "security.istio.io/v1beta1", "kind": "AuthorizationPolicy",
         "metadata": {"name": kfam, "namespace": ns, "annotations": {"user": contributor, "role": "edit"}},
         "spec": {"rules": [{"when": [{"key": "request.headers[kubeflow-userid]", "values": [contributor]}]}]}},
        {"apiVersion": "kubeflow.org/v1alpha1", "kind": "PodDefault",
         "metadata": {"name": "access-ml-pipeline", "namespace": ns},
         "spec": {"desc": "Allow access to Kubeflow Pipelines",
                  "selector": {"matchLabels": {"access-ml-pipeline": "true"}},
                  "volumes": [{"name": "volume-kf-pipeline-token", "projected": {"sources": [
                      {"serviceAccountToken": {"path": "token", "expirationSeconds": 7200,
                                               "audience": "pipelines.kubeflow.org"}}]}}]}},
        {"apiVersion": "v1", "kind": "ServiceAccount",
         "metadata": {"name": "pipeline-runner", "namespace": ns,
                      "annotations": {"eks.amazonaws.com/role-arn": irsa_role}}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kfp-launcher", "namespace": ns},
         "data": {"defaultPipelineRoot": f"s3://{bucket}/v2/artifacts/{ns}"}},
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "hf-token", "namespace": ns},
         "type": "Opaque", "stringData": {"token": f"hf_not_a_real_token_{i}"}},
        {"apiVersion": "kubeflow.org/v1", "kind": "Notebook",
         "metadata": {"name": "workbench", "namespace": ns, "labels": {"app": "workbench"}},
         "spec": {"template": {"spec": {
             "containers": [{"name": "workbench", "image": "kubeflownotebookswg/jupyter-scipy:v1.7.0",
                             "volumeMounts": [{"name": "workspace", "mountPath": "/home/jovyan"}]}],
             "volumes": [{"name": "workspace", "persistentVolumeClaim": {"claimName": "workspace"}}]}}}},
    ]


def efs_claim(ns: str, claim: str, pv_name: str, handle: str, size: str = "10Gi") -> list[dict]:
    """A claim bound to an EFS volume (`fs::fsap` as the CSI driver's efs-ap mode provisions
    them, or `fs:/dir` for a static one)."""
    return [
        {"apiVersion": "v1", "kind": "PersistentVolume",
         "metadata": {"name": pv_name, "annotations": {"pv.kubernetes.io/provisioned-by": "efs.csi.aws.com"}},
         "spec": {"capacity": {"storage": size}, "accessModes": ["ReadWriteMany"],
                  "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "efs-sc",
                  "volumeMode": "Filesystem", "csi": {"driver": "efs.csi.aws.com", "volumeHandle": handle},
                  "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "namespace": ns, "name": claim}}},
        {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": claim, "namespace": ns},
         "spec": {"accessModes": ["ReadWriteMany"], "storageClassName": "efs-sc",
                  "resources": {"requests": {"storage": size}}, "volumeName": pv_name, "volumeMode": "Filesystem"}},
    ]


def ebs_claim(ns: str, claim: str, pv_name: str, volume_id: str, zone: str, size: str = "20Gi") -> list[dict]:
    """A claim on a gp2 volume of the in-tree provisioner (kubernetes.io/aws-ebs, the default
    class of eksctl clusters before 1.30): the PV names `aws://<zone>/<vol>` and is pinned to the
    zone (Kubernetes docs, "awsElasticBlockStore"; CSI migration keeps such PVs as they are)."""
    return [
        {"apiVersion": "v1", "kind": "PersistentVolume",
         "metadata": {"name": pv_name, "labels": {"topology.kubernetes.io/zone": zone},
                      "annotations": {"pv.kubernetes.io/provisioned-by": "kubernetes.io/aws-ebs"}},
         "spec": {"capacity": {"storage": size}, "accessModes": ["ReadWriteOnce"],
                  "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "gp2", "volumeMode": "Filesystem",
                  "awsElasticBlockStore": {"volumeID": f"aws://{zone}/{volume_id}", "fsType": "ext4"},
                  "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                      {"key": "topology.kubernetes.io/zone", "operator": "In", "values": [zone]}]}]}},
                  "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "namespace": ns, "name": claim}}},
        {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": claim, "namespace": ns},
         "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "gp2",
                  "resources": {"requests": {"storage": size}}, "volumeName": pv_name, "volumeMode": "Filesystem"}},
    ]
