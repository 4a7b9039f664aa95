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
