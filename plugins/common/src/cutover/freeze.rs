//! Freezing blue: every writer of blue's storage stopped the way its own controller stops it, so
//! nothing writes to blue's database, bucket or file system while the last resync runs and traffic
//! moves; and thawing each back to exactly the value recorded before.
//!
//! The writers, and how each is stopped:
//! - Kubeflow's Deployments in `kubeflow` (the API server, UIs, controllers): replicas 0;
//! - notebooks (Notebook, run by the notebook controller as a StatefulSet in the user's
//!   namespace): the `kubeflow-resource-stopped` annotation, with which the notebook controller
//!   scales the StatefulSet to 0 (what the Kubeflow UI's "stop" does);
//! - running pipeline steps (Argo Workflows): `spec.suspend: true` (no new steps start; steps
//!   already running finish);
//! - recurring runs (KFP ScheduledWorkflows): `spec.enabled: false`;
//! - Katib trials (batch Jobs owned by a Trial): `spec.suspend: true`, whose Job controller
//!   removes the running pods.
//!
//! Previous values are recorded before anything changes (see [`FreezeState`]); a value already
//! recorded is never overwritten, so a second run cannot record the frozen value as "previous".

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use kube::Client;
use kube::api::{Api, DynamicObject, ListParams, Patch, PatchParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::Result;
use crate::progress::Stream;
use crate::record::NAMESPACE;
use crate::wait::{self, Poll};

/// The annotation with which Kubeflow stops a notebook (notebook controller, `STOP_ANNOTATION`).
pub const STOP_ANNOTATION: &str = "kubeflow-resource-stopped";

/// The custom resources that write, and where they are served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Notebook,
    Workflow,
    ScheduledWorkflow,
    Trial,
}

impl Kind {
    fn group_versions(self) -> (&'static str, &'static [&'static str], &'static str) {
        match self {
            Kind::Notebook => ("kubeflow.org", &["v1", "v1beta1"], "Notebook"),
            Kind::Workflow => ("argoproj.io", &["v1alpha1"], "Workflow"),
            Kind::ScheduledWorkflow => ("kubeflow.org", &["v1beta1", "v1"], "ScheduledWorkflow"),
            Kind::Trial => ("kubeflow.org", &["v1beta1"], "Trial"),
        }
    }
}

/// A Workflow or Job: whether it still runs, and its `spec.suspend`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Run {
    pub running: bool,
    pub suspend: Option<bool>,
}

/// What blue runs that writes to its storage, as read from blue (keys `namespace/name`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Writers {
    /// Deployments in `kubeflow` and their spec.replicas.
    pub deployments: BTreeMap<String, i32>,
    /// Notebooks and their stop annotation.
    pub notebooks: BTreeMap<String, Option<String>>,
    pub workflows: BTreeMap<String, Run>,
    /// ScheduledWorkflows and their `spec.enabled`.
    pub scheduled_workflows: BTreeMap<String, Option<bool>>,
    /// Jobs owned by a Katib Trial.
    pub trial_jobs: BTreeMap<String, Run>,
}

/// The freeze's section of the record: each writer's value before the freeze (`None`: the
/// field was absent, and is removed again on thaw).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FreezeState {
    /// Blue's Deployments in namespace kubeflow and their replicas before the freeze.
    pub replicas: BTreeMap<String, i32>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub notebooks: BTreeMap<String, Option<String>>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub workflows: BTreeMap<String, Option<bool>>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub scheduled_workflows: BTreeMap<String, Option<bool>>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub trial_jobs: BTreeMap<String, Option<bool>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frozen: Option<String>,
}

/// `recorded` with what is new in `current` added: values already recorded win.
fn merge<V: Clone>(
    recorded: &BTreeMap<String, V>,
    current: BTreeMap<String, V>,
) -> BTreeMap<String, V> {
    let mut out = recorded.clone();
    for (k, v) in current {
        out.entry(k).or_insert(v);
    }
    out
}

impl FreezeState {
    /// What to record before freezing: every writer's current value, except those recorded
    /// already. Finished workflows and trials are not writers and are left alone.
    pub fn to_record(&self, w: &Writers) -> FreezeState {
        let running = |m: &BTreeMap<String, Run>| -> BTreeMap<String, Option<bool>> {
            m.iter()
                .filter(|(_, r)| r.running)
                .map(|(k, r)| (k.clone(), r.suspend))
                .collect()
        };
        FreezeState {
            replicas: merge(&self.replicas, w.deployments.clone()),
            notebooks: merge(&self.notebooks, w.notebooks.clone()),
            workflows: merge(&self.workflows, running(&w.workflows)),
            scheduled_workflows: merge(&self.scheduled_workflows, w.scheduled_workflows.clone()),
            trial_jobs: merge(&self.trial_jobs, running(&w.trial_jobs)),
            frozen: self.frozen.clone(),
        }
    }

    /// The writers the freeze stops, per kind: the plan's step, its keys, what it does
    /// (`{n}` and `{list}` filled in). Those stopped already are only recorded.
    fn stopping(&self) -> [(&'static str, Vec<&String>, &'static str); 4] {
        fn keys<V>(m: &BTreeMap<String, V>, stops: impl Fn(&V) -> bool) -> Vec<&String> {
            m.iter().filter(|(_, v)| stops(v)).map(|(k, _)| k).collect()
        }
        [
            (
                "stop-notebooks",
                keys(&self.notebooks, |v| v.is_none()),
                "stop {n} notebook(s) with kubeflow-resource-stopped ({list})",
            ),
            (
                "suspend-runs",
                keys(&self.workflows, |v| *v != Some(true)),
                "suspend {n} running pipeline run(s) ({list}): running steps finish, no new ones start",
            ),
            (
                "disable-recurring-runs",
                keys(&self.scheduled_workflows, |v| *v != Some(false)),
                "disable {n} recurring run(s) ({list})",
            ),
            (
                "suspend-trials",
                keys(&self.trial_jobs, |v| *v != Some(true)),
                "suspend {n} Katib trial job(s) ({list})",
            ),
        ]
    }

    /// The plan's lines: one per kind of writer the freeze changes.
    pub fn describe(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if !self.replicas.is_empty() {
            out.push((
                "freeze-blue",
                format!(
                    "scale blue's Deployments in {NAMESPACE} to 0 ({})",
                    self.replicas
                        .iter()
                        .map(|(n, r)| format!("{n}={r}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        for (step, keys, text) in self.stopping() {
            if keys.is_empty() {
                continue;
            }
            let mut list = keys
                .iter()
                .take(3)
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            if keys.len() > 3 {
                list.push_str(&format!(" and {} more", keys.len() - 3));
            }
            out.push((
                step,
                text.replace("{n}", &keys.len().to_string())
                    .replace("{list}", &list),
            ));
        }
        out
    }

    /// How many writers the freeze stops (those already stopped are only recorded).
    pub fn to_stop(&self) -> usize {
        self.stopping().iter().map(|(_, k, _)| k.len()).sum()
    }

    pub fn count(&self) -> usize {
        self.replicas.len()
            + self.notebooks.len()
            + self.workflows.len()
            + self.scheduled_workflows.len()
            + self.trial_jobs.len()
    }
}

/// Every Deployment in the namespace with its spec.replicas (1 when unset, as Kubernetes does).
pub async fn deployments(client: &Client) -> Result<BTreeMap<String, i32>> {
    let api: Api<Deployment> = Api::namespaced(client.clone(), NAMESPACE);
    let list = api.list(&ListParams::default()).await?;
    Ok(list
        .items
        .iter()
        .map(|d| {
            (
                d.metadata.name.clone().unwrap_or_default(),
                d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
            )
        })
        .collect())
}

/// The resource of a kind at the first version the cluster serves; `None` when the kind is not
/// installed (its CRD absent).
async fn resource(client: &Client, kind: Kind) -> Result<Option<ApiResource>> {
    let (group, versions, k) = kind.group_versions();
    for v in versions {
        let ar = ApiResource::from_gvk(&GroupVersionKind::gvk(group, v, k));
        let api: Api<DynamicObject> = Api::all_with(client.clone(), &ar);
        match api.list(&ListParams::default().limit(1)).await {
            Ok(_) => return Ok(Some(ar)),
            Err(kube::Error::Api(s)) if s.code == 404 => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(None)
}

fn job_resource() -> ApiResource {
    ApiResource::from_gvk(&GroupVersionKind::gvk("batch", "v1", "Job"))
}

fn key(o: &DynamicObject) -> String {
    format!(
        "{}/{}",
        o.metadata.namespace.clone().unwrap_or_default(),
        o.metadata.name.clone().unwrap_or_default()
    )
}

async fn list(client: &Client, kind: Kind) -> Result<Vec<DynamicObject>> {
    match resource(client, kind).await? {
        Some(ar) => Ok(Api::<DynamicObject>::all_with(client.clone(), &ar)
            .list(&ListParams::default())
            .await?
            .items),
        None => Ok(Vec::new()),
    }
}

/// Whether a Workflow has not finished: Argo sets `status.finishedAt` (and a final phase) when
/// it ends.
fn workflow_running(o: &DynamicObject) -> bool {
    let status = &o.data["status"];
    let phase = status["phase"].as_str().unwrap_or("Pending");
    status["finishedAt"].is_null() && matches!(phase, "" | "Pending" | "Running")
}

/// Whether a Job has not finished: no Complete or Failed condition True.
fn job_running(o: &DynamicObject) -> bool {
    !o.data["status"]["conditions"].as_array().is_some_and(|cs| {
        cs.iter().any(|c| {
            matches!(c["type"].as_str(), Some("Complete" | "Failed")) && c["status"] == "True"
        })
    })
}

/// Reads every writer of blue. Kinds that are not installed have none.
pub async fn observe(client: &Client) -> Result<Writers> {
    let deployments = deployments(client).await?;
    let notebooks = list(client, Kind::Notebook)
        .await?
        .iter()
        .map(|o| {
            (
                key(o),
                o.metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get(STOP_ANNOTATION).cloned()),
            )
        })
        .collect();
    let workflows = list(client, Kind::Workflow)
        .await?
        .iter()
        .map(|o| {
            (
                key(o),
                Run {
                    running: workflow_running(o),
                    suspend: o.data["spec"]["suspend"].as_bool(),
                },
            )
        })
        .collect();
    let scheduled_workflows = list(client, Kind::ScheduledWorkflow)
        .await?
        .iter()
        .map(|o| (key(o), o.data["spec"]["enabled"].as_bool()))
        .collect();
    let trial_jobs = if resource(client, Kind::Trial).await?.is_some() {
        Api::<DynamicObject>::all_with(client.clone(), &job_resource())
            .list(&ListParams::default())
            .await?
            .items
            .iter()
            .filter(|j| {
                j.metadata
                    .owner_references
                    .iter()
                    .flatten()
                    .any(|r| r.kind == "Trial" && r.api_version.starts_with("kubeflow.org/"))
            })
            .map(|j| {
                (
                    key(j),
                    Run {
                        running: job_running(j),
                        suspend: j.data["spec"]["suspend"].as_bool(),
                    },
                )
            })
            .collect()
    } else {
        BTreeMap::new()
    };
    Ok(Writers {
        deployments,
        notebooks,
        workflows,
        scheduled_workflows,
        trial_jobs,
    })
}

/// What still writes to blue: running (not suspended) workflows and trials, enabled recurring
/// runs and running notebooks, counted per namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Quiesce {
    pub running_workflows: BTreeMap<String, usize>,
    pub enabled_recurring_runs: BTreeMap<String, usize>,
    pub running_notebooks: BTreeMap<String, usize>,
    pub running_trials: BTreeMap<String, usize>,
}

impl Quiesce {
    pub fn of(w: &Writers) -> Self {
        fn count<'a>(keys: impl Iterator<Item = &'a String>) -> BTreeMap<String, usize> {
            let mut m = BTreeMap::new();
            for k in keys {
                let ns = k.split_once('/').map(|(n, _)| n).unwrap_or(k);
                *m.entry(ns.to_string()).or_insert(0) += 1;
            }
            m
        }
        let active = |r: &Run| r.running && r.suspend != Some(true);
        Quiesce {
            running_workflows: count(
                w.workflows
                    .iter()
                    .filter(|(_, r)| active(r))
                    .map(|(k, _)| k),
            ),
            enabled_recurring_runs: count(
                w.scheduled_workflows
                    .iter()
                    .filter(|(_, e)| **e != Some(false))
                    .map(|(k, _)| k),
            ),
            running_notebooks: count(
                w.notebooks
                    .iter()
                    .filter(|(_, s)| s.is_none())
                    .map(|(k, _)| k),
            ),
            running_trials: count(
                w.trial_jobs
                    .iter()
                    .filter(|(_, r)| active(r))
                    .map(|(k, _)| k),
            ),
        }
    }

    pub fn is_quiet(&self) -> bool {
        self.running_workflows.is_empty()
            && self.enabled_recurring_runs.is_empty()
            && self.running_notebooks.is_empty()
            && self.running_trials.is_empty()
    }

    /// `2 running pipeline runs (ns-a: 1, ns-b: 1), ...`
    pub fn describe(&self) -> String {
        let part = |m: &BTreeMap<String, usize>, what: &str| -> Option<String> {
            if m.is_empty() {
                return None;
            }
            let total: usize = m.values().sum();
            let per: Vec<String> = m.iter().map(|(ns, n)| format!("{ns}: {n}")).collect();
            Some(format!("{total} {what} ({})", per.join(", ")))
        };
        [
            part(&self.running_workflows, "running pipeline run(s)"),
            part(&self.enabled_recurring_runs, "enabled recurring run(s)"),
            part(&self.running_notebooks, "running notebook(s)"),
            part(&self.running_trials, "running Katib trial(s)"),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
    }
}

fn split(key: &str) -> (&str, &str) {
    key.split_once('/').unwrap_or(("", key))
}

/// JSON merge patch of one object; a deleted object is nothing to change.
async fn merge_patch(client: &Client, ar: &ApiResource, key: &str, patch: Value) -> Result<()> {
    let (ns, name) = split(key);
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns, ar);
    match api
        .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
    {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Patches each recorded object of a kind with `patch(previous value)`.
async fn patch_each<V>(
    client: &Client,
    ar: Option<ApiResource>,
    recorded: &BTreeMap<String, V>,
    stream: &Stream,
    what: &str,
    patch: impl Fn(&V) -> Option<Value>,
) -> Result<()> {
    let Some(ar) = ar else { return Ok(()) };
    for (k, prev) in recorded {
        if let Some(p) = patch(prev) {
            stream.set(&format!("{what} {k}"));
            merge_patch(client, &ar, k, p).await?;
        }
    }
    Ok(())
}

/// Stops every recorded writer except the Deployments ([`scale_all`] does those): recurring
/// runs first (no new runs start), then running workflows and trials, then notebooks; and waits
/// until the notebooks' StatefulSets and the trials' Jobs have no pods left.
pub async fn freeze_workloads(
    client: &Client,
    state: &FreezeState,
    stream: &Stream,
    timeout: Duration,
) -> Result<()> {
    patch_each(
        client,
        resource(client, Kind::ScheduledWorkflow).await?,
        &state.scheduled_workflows,
        stream,
        "disabling recurring run",
        |prev: &Option<bool>| (*prev != Some(false)).then(|| json!({"spec": {"enabled": false}})),
    )
    .await?;
    patch_each(
        client,
        resource(client, Kind::Workflow).await?,
        &state.workflows,
        stream,
        "suspending workflow",
        |prev: &Option<bool>| (*prev != Some(true)).then(|| json!({"spec": {"suspend": true}})),
    )
    .await?;
    patch_each(
        client,
        Some(job_resource()),
        &state.trial_jobs,
        stream,
        "suspending trial job",
        |prev: &Option<bool>| (*prev != Some(true)).then(|| json!({"spec": {"suspend": true}})),
    )
    .await?;
    let now = crate::record::now();
    patch_each(
        client,
        resource(client, Kind::Notebook).await?,
        &state.notebooks,
        stream,
        "stopping notebook",
        // A notebook stopped before the freeze stays as it was.
        |prev: &Option<String>| {
            prev.is_none()
                .then(|| json!({"metadata": {"annotations": {STOP_ANNOTATION: now}}}))
        },
    )
    .await?;
    wait_for_pods(client, state, stream, timeout).await
}

/// Waits until no pod is left of the notebooks (their StatefulSets at 0) and trial Jobs.
async fn wait_for_pods(
    client: &Client,
    state: &FreezeState,
    stream: &Stream,
    timeout: Duration,
) -> Result<()> {
    if state.notebooks.is_empty() && state.trial_jobs.is_empty() {
        return Ok(());
    }
    let sts = ApiResource::from_gvk(&GroupVersionKind::gvk("apps", "v1", "StatefulSet"));
    let what = format!(
        "{} notebook(s) and {} trial job(s) to have no pods left",
        state.notebooks.len(),
        state.trial_jobs.len()
    );
    wait::until(&what, timeout, stream, || async {
        let mut pending = Vec::new();
        for k in state.notebooks.keys() {
            let (ns, name) = split(k);
            let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns, &sts);
            if let Some(s) = api.get_opt(name).await?
                && (s.data["spec"]["replicas"].as_i64() != Some(0)
                    || s.data["status"]["replicas"].as_i64().unwrap_or(0) > 0)
            {
                pending.push(format!("notebook {k}"));
            }
        }
        for k in state.trial_jobs.keys() {
            let (ns, name) = split(k);
            let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns, &job_resource());
            if let Some(j) = api.get_opt(name).await?
                && j.data["status"]["active"].as_i64().unwrap_or(0) > 0
            {
                pending.push(format!("trial job {k}"));
            }
        }
        Ok(if pending.is_empty() {
            Poll::Ready(())
        } else {
            Poll::Pending(format!("not yet: {}", pending.join(", ")))
        })
    })
    .await
}

/// Puts every recorded writer but the Deployments back exactly as it was: notebooks started
/// (or left stopped if they were), trials and workflows resumed, recurring runs re-enabled.
pub async fn thaw_workloads(client: &Client, state: &FreezeState, stream: &Stream) -> Result<()> {
    patch_each(
        client,
        resource(client, Kind::Notebook).await?,
        &state.notebooks,
        stream,
        "restoring notebook",
        |prev: &Option<String>| Some(json!({"metadata": {"annotations": {STOP_ANNOTATION: prev}}})),
    )
    .await?;
    let suspend = |prev: &Option<bool>| Some(json!({"spec": {"suspend": prev}}));
    patch_each(
        client,
        Some(job_resource()),
        &state.trial_jobs,
        stream,
        "restoring trial job",
        suspend,
    )
    .await?;
    patch_each(
        client,
        resource(client, Kind::Workflow).await?,
        &state.workflows,
        stream,
        "restoring workflow",
        suspend,
    )
    .await?;
    patch_each(
        client,
        resource(client, Kind::ScheduledWorkflow).await?,
        &state.scheduled_workflows,
        stream,
        "restoring recurring run",
        |prev: &Option<bool>| Some(json!({"spec": {"enabled": prev}})),
    )
    .await
}

async fn scale(api: &Api<Deployment>, name: &str, replicas: i32) -> Result<()> {
    let patch = json!({"spec": {"replicas": replicas}});
    match api
        .patch_scale(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
    {
        Ok(_) => Ok(()),
        // Deleted since it was recorded: nothing to scale.
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Scales each named Deployment to `replicas[name]` and waits until each has settled: no pods
/// left for zero, Available with every replica ready otherwise.
pub async fn scale_all(
    client: &Client,
    replicas: &BTreeMap<String, i32>,
    stream: &Stream,
    timeout: Duration,
) -> Result<()> {
    let api: Api<Deployment> = Api::namespaced(client.clone(), NAMESPACE);
    for (name, n) in replicas {
        stream.set(&format!("scaling deployment/{name} to {n}"));
        scale(&api, name, *n).await?;
    }
    let what = format!("{} Deployment(s) in {NAMESPACE} to settle", replicas.len());
    wait::until(&what, timeout, stream, || {
        let api = api.clone();
        async move {
            let mut pending = Vec::new();
            for (name, want) in replicas {
                let Some(d) = api.get_opt(name).await? else {
                    continue;
                };
                if !settled(&d, *want) {
                    pending.push(name.clone());
                }
            }
            Ok(if pending.is_empty() {
                Poll::Ready(())
            } else {
                Poll::Pending(format!("not yet: {}", pending.join(", ")))
            })
        }
    })
    .await
}

/// Whether a Deployment has reached `want` replicas: none left for zero; otherwise Available and
/// every replica ready.
pub fn settled(d: &Deployment, want: i32) -> bool {
    let Some(status) = &d.status else {
        return false;
    };
    if want == 0 {
        return status.replicas.unwrap_or(0) == 0;
    }
    crate::kube_wait::deployment_available(d) && status.ready_replicas.unwrap_or(0) >= want
}

/// The annotation `kf migrate` puts beside [`STOP_ANNOTATION`] on the green copy of a notebook
/// that ran on blue: the notebook is stopped until cutover, and cutover starts it.
pub const STOPPED_BY: &str = "kubeflow.org/stopped-by";
/// [`STOPPED_BY`]'s value.
pub const STOPPED_BY_MIGRATE: &str = "kubectl-kf-migrate";
/// What cutover leaves on the notebooks it started, so a failback stops exactly those again.
pub const STARTED_BY: &str = "kubeflow.org/started-by";
pub const STARTED_BY_CUTOVER: &str = "kubectl-kf-cutover";

/// Green's notebooks with `annotation: value` (`namespace/name`).
pub async fn notebooks_marked(
    client: &Client,
    annotation: &str,
    value: &str,
) -> Result<Vec<String>> {
    let mut out: Vec<String> = list(client, Kind::Notebook)
        .await?
        .iter()
        .filter(|o| {
            o.metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(annotation))
                .is_some_and(|v| v == value)
        })
        .map(key)
        .collect();
    out.sort();
    Ok(out)
}

/// Merge-patches each notebook marked `annotation: value` with `annotations`; how many.
async fn repatch_notebooks(
    client: &Client,
    (annotation, value): (&str, &str),
    annotations: Value,
) -> Result<usize> {
    let keys = notebooks_marked(client, annotation, value).await?;
    let Some(ar) = resource(client, Kind::Notebook).await? else {
        return Ok(0);
    };
    for k in &keys {
        merge_patch(
            client,
            &ar,
            k,
            json!({"metadata": {"annotations": annotations}}),
        )
        .await?;
    }
    Ok(keys.len())
}

/// Starts the notebooks `kf migrate` stopped on green (the stop annotation removed, marked as
/// started by cutover); returns how many.
pub async fn start_migrated_notebooks(client: &Client) -> Result<usize> {
    repatch_notebooks(
        client,
        (STOPPED_BY, STOPPED_BY_MIGRATE),
        json!({STOP_ANNOTATION: null, STOPPED_BY: null, STARTED_BY: STARTED_BY_CUTOVER}),
    )
    .await
}

/// Stops again the notebooks cutover started on green (a failback); returns how many.
pub async fn stop_started_notebooks(client: &Client) -> Result<usize> {
    repatch_notebooks(
        client,
        (STARTED_BY, STARTED_BY_CUTOVER),
        json!({STOP_ANNOTATION: crate::record::now(), STOPPED_BY: STOPPED_BY_MIGRATE, STARTED_BY: null}),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::apps::v1::{DeploymentCondition, DeploymentStatus};

    fn run(running: bool, suspend: Option<bool>) -> Run {
        Run { running, suspend }
    }

    fn writers() -> Writers {
        Writers {
            deployments: BTreeMap::from([("ml-pipeline".to_string(), 2), ("ui".to_string(), 1)]),
            notebooks: BTreeMap::from([
                ("team-a/nb".to_string(), None),
                (
                    "team-a/idle".to_string(),
                    Some("2026-11-01T00:00:00Z".to_string()),
                ),
            ]),
            workflows: BTreeMap::from([
                ("team-a/running".to_string(), run(true, None)),
                ("team-a/done".to_string(), run(false, None)),
                ("team-b/paused".to_string(), run(true, Some(true))),
            ]),
            scheduled_workflows: BTreeMap::from([
                ("team-a/nightly".to_string(), Some(true)),
                ("team-b/off".to_string(), Some(false)),
            ]),
            trial_jobs: BTreeMap::from([
                ("team-a/trial-1".to_string(), run(true, None)),
                ("team-a/trial-0".to_string(), run(false, None)),
            ]),
        }
    }

    #[test]
    fn the_record_holds_every_writer_and_finished_work_is_left_alone() {
        let r = FreezeState::default().to_record(&writers());
        assert_eq!(r.replicas["ml-pipeline"], 2);
        assert_eq!(r.notebooks.len(), 2);
        assert_eq!(
            r.notebooks["team-a/idle"].as_deref(),
            Some("2026-11-01T00:00:00Z")
        );
        assert_eq!(
            r.workflows.keys().collect::<Vec<_>>(),
            ["team-a/running", "team-b/paused"]
        );
        assert_eq!(r.workflows["team-b/paused"], Some(true));
        assert_eq!(r.scheduled_workflows["team-b/off"], Some(false));
        assert_eq!(r.trial_jobs.keys().collect::<Vec<_>>(), ["team-a/trial-1"]);
        assert_eq!(r.count(), 2 + 2 + 2 + 2 + 1);
        // Already stopped: the idle notebook, the paused run, the recurring run turned off.
        assert_eq!(r.to_stop(), 1 + 1 + 1 + 1);
    }

    #[test]
    fn recorded_values_are_never_overwritten_by_frozen_ones() {
        let first = FreezeState::default().to_record(&writers());
        // What a second run sees on a frozen blue.
        let mut frozen = writers();
        frozen.deployments.insert("ml-pipeline".into(), 0);
        frozen
            .notebooks
            .insert("team-a/nb".into(), Some("2026-12-01T00:00:00Z".into()));
        frozen
            .workflows
            .insert("team-a/running".into(), run(true, Some(true)));
        frozen
            .scheduled_workflows
            .insert("team-a/nightly".into(), Some(false));
        frozen.deployments.insert("new-controller".into(), 1);
        let second = first.to_record(&frozen);
        assert_eq!(second.replicas["ml-pipeline"], 2);
        assert_eq!(second.replicas["new-controller"], 1);
        assert_eq!(second.notebooks["team-a/nb"], None);
        assert_eq!(second.workflows["team-a/running"], None);
        assert_eq!(second.scheduled_workflows["team-a/nightly"], Some(true));
    }

    #[test]
    fn quiesce_counts_what_still_writes_per_namespace() {
        let q = Quiesce::of(&writers());
        assert_eq!(q.running_workflows, BTreeMap::from([("team-a".into(), 1)]));
        assert_eq!(
            q.enabled_recurring_runs,
            BTreeMap::from([("team-a".into(), 1)])
        );
        assert_eq!(q.running_notebooks, BTreeMap::from([("team-a".into(), 1)]));
        assert_eq!(q.running_trials, BTreeMap::from([("team-a".into(), 1)]));
        assert!(!q.is_quiet());
        assert!(
            q.describe()
                .starts_with("1 running pipeline run(s) (team-a: 1)")
        );
        assert!(Quiesce::of(&Writers::default()).is_quiet());
    }

    #[test]
    fn the_plan_names_each_kind_of_writer() {
        let d = FreezeState::default().to_record(&writers()).describe();
        let steps: Vec<&str> = d.iter().map(|(s, _)| *s).collect();
        assert_eq!(
            steps,
            [
                "freeze-blue",
                "stop-notebooks",
                "suspend-runs",
                "disable-recurring-runs",
                "suspend-trials"
            ]
        );
        assert!(d[0].1.contains("ml-pipeline=2"), "{d:?}");
    }

    fn dep(replicas: i32, ready: i32, avail: &str) -> Deployment {
        Deployment {
            status: Some(DeploymentStatus {
                replicas: Some(replicas),
                ready_replicas: Some(ready),
                conditions: Some(vec![DeploymentCondition {
                    type_: "Available".into(),
                    status: avail.into(),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn settled_means_no_pods_for_zero_and_all_ready_otherwise() {
        assert!(settled(&dep(0, 0, "True"), 0));
        assert!(!settled(&dep(2, 2, "True"), 0));
        assert!(settled(&dep(2, 2, "True"), 2));
        assert!(!settled(&dep(2, 1, "True"), 2));
        assert!(!settled(&dep(2, 2, "False"), 2));
        assert!(crate::kube_wait::deployment_available(&dep(1, 1, "True")));
        assert!(!crate::kube_wait::deployment_available(
            &Deployment::default()
        ));
    }
}
