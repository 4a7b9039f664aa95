//! Server-side apply of a built manifest set to a cluster, in the order the API server needs:
//! CustomResourceDefinitions first (then wait until Established), Namespaces, then everything
//! else in parallel. One field manager.
//!
//! A fresh cluster refuses part of Kubeflow for a while: the admission webhooks (cert-manager,
//! istiod, KServe, Katib, Knative, PodDefaults) are applied with the objects they validate, and
//! until a webhook's Deployment is Available every call to it fails (`500 failed calling webhook
//! ... no endpoints available`). The upstream install loops `kubectl apply` for that reason
//! (kubeflow/manifests README). So apply goes in rounds: what was refused for a reason that
//! passes ([`refusal`]: a webhook not up yet, a namespace still Terminating, an overloaded
//! server) is applied again, with backoff, until `--timeout`; a permanent refusal (422 Invalid,
//! 403 Forbidden, ...) fails at once with kind/namespace/name and the server's message.
//!
//! Discovery goes group version by group version ([`discover`]): one unavailable aggregated API
//! (`v1beta1.metrics.k8s.io` while metrics-server starts) makes kube's `Discovery::run` fail as
//! a whole; kubectl only warns, and so does this, failing only for an object of a group that did
//! not answer.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

use futures::StreamExt;
use kube::Client;
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::core::{GroupVersion, GroupVersionKind, Status};
use kube::discovery::{self, ApiCapabilities, ApiResource, Scope};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::progress::Stream;

pub const FIELD_MANAGER: &str = "kubectl-kf";
const PARALLEL: usize = 16;
/// The pause between rounds grows from the first to the last (the upstream loop sleeps 10 s).
const FIRST_PAUSE: Duration = Duration::from_secs(1);
const LONGEST_PAUSE: Duration = Duration::from_secs(10);
/// How long one apply call may take (the client's own retries included).
const CALL_WAIT: Duration = Duration::from_secs(30);
/// How long one group version may take to answer discovery.
const DISCOVERY_WAIT: Duration = Duration::from_secs(8);

/// Splits a multi-document YAML stream into objects (empty documents dropped).
pub fn parse_objects(yaml: &str) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for (i, doc) in serde_yaml::Deserializer::from_str(yaml).enumerate() {
        let v: Value = serde::Deserialize::deserialize(doc)
            .map_err(|e| Error::usage(format!("document {}: {e}", i + 1), "fix the manifests"))?;
        if v.is_null() {
            continue;
        }
        if v.get("kind").and_then(Value::as_str).is_none()
            || v.get("apiVersion").and_then(Value::as_str).is_none()
        {
            return Err(Error::usage(
                format!("document {} has no apiVersion/kind", i + 1),
                "fix the manifests",
            ));
        }
        out.push(v);
    }
    Ok(out)
}

pub fn describe(obj: &Value) -> String {
    let kind = obj["kind"].as_str().unwrap_or("?");
    let name = obj["metadata"]["name"].as_str().unwrap_or("?");
    match obj["metadata"]["namespace"].as_str() {
        Some(ns) => format!("{kind} {ns}/{name}"),
        None => format!("{kind} {name}"),
    }
}

/// Counts per kind, for plans and reports.
pub fn counts(objects: &[Value]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for o in objects {
        *m.entry(o["kind"].as_str().unwrap_or("?").to_string())
            .or_insert(0) += 1;
    }
    m
}

fn gvk_of(obj: &Value) -> GroupVersionKind {
    let api_version = obj["apiVersion"].as_str().unwrap_or_default();
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    GroupVersionKind::gvk(group, version, obj["kind"].as_str().unwrap_or_default())
}

// --- discovery -------------------------------------------------------------------------------

/// What the cluster serves, found group version by group version, and the group versions whose
/// discovery failed, with what the server answered.
#[derive(Debug, Default)]
pub struct Served {
    kinds: HashMap<(String, String, String), (ApiResource, ApiCapabilities)>,
    /// (group, version) -> the server's answer.
    pub unavailable: BTreeMap<(String, String), String>,
}

impl Served {
    pub fn insert(&mut self, ar: ApiResource, caps: ApiCapabilities) {
        self.kinds.insert(
            (ar.group.clone(), ar.version.clone(), ar.kind.clone()),
            (ar, caps),
        );
    }

    /// Adds what another discovery found (of other groups, or newer).
    pub fn merge(&mut self, other: Served) {
        for (gv, answer) in other.unavailable {
            if !other.kinds.keys().any(|(g, v, _)| (g, v) == (&gv.0, &gv.1)) {
                self.unavailable.insert(gv, answer);
            }
        }
        for (g, v, _) in other.kinds.keys() {
            self.unavailable.remove(&(g.clone(), v.clone()));
        }
        self.kinds.extend(other.kinds);
    }

    /// The resource of `obj`'s kind, or why it cannot be applied: its group did not answer
    /// discovery (named with its APIService), or the cluster does not serve the kind.
    pub fn resolve(&self, obj: &Value) -> Result<(ApiResource, ApiCapabilities)> {
        let gvk = gvk_of(obj);
        if let Some(found) =
            self.kinds
                .get(&(gvk.group.clone(), gvk.version.clone(), gvk.kind.clone()))
        {
            return Ok(found.clone());
        }
        let api_version = obj["apiVersion"].as_str().unwrap_or_default();
        if let Some(answer) = self
            .unavailable
            .get(&(gvk.group.clone(), gvk.version.clone()))
        {
            return Err(Error::failed(format!(
                "{} needs API group {api_version}, which the cluster did not list: {answer}. {}",
                describe(obj),
                served_by(&gvk.group, &gvk.version)
            )));
        }
        Err(Error::failed(format!(
            "{}: kind {} of {api_version} is not served by the cluster; is its CustomResourceDefinition in the manifests?",
            describe(obj),
            gvk.kind,
        )))
    }

    /// The one warning line for the group versions that did not answer (kubectl's "unable to
    /// retrieve the complete list of server APIs"), or None.
    pub fn warning(&self) -> Option<String> {
        if self.unavailable.is_empty() {
            return None;
        }
        let each: Vec<String> = self
            .unavailable
            .iter()
            .map(|((g, v), answer)| {
                let gv = if g.is_empty() {
                    v.clone()
                } else {
                    format!("{g}/{v}")
                };
                if g.is_empty() {
                    format!("{gv}: {answer}")
                } else {
                    format!("{gv} (APIService {v}.{g}): {answer}")
                }
            })
            .collect();
        Some(format!(
            "unable to retrieve the complete list of server APIs: {}; going on without them",
            each.join("; ")
        ))
    }
}

/// Where a group version comes from, for the error of an object that needs it.
fn served_by(group: &str, version: &str) -> String {
    if group.is_empty() {
        return "Check the API server".into();
    }
    format!(
        "It is served by the APIService {version}.{group}: wait until `kubectl get apiservice \
         {version}.{group}` is Available (its Service needs a ready backend), then run the command again"
    )
}

fn answer_of(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) => format!("{} (HTTP {})", s.message.trim(), s.code),
        other => other.to_string(),
    }
}

/// Discovers what the cluster serves one group version at a time, so that a group version that
/// fails (an aggregated API without a ready backend answers 503) is left out instead of failing
/// everything. Listing the groups themselves must work. `only` limits it to those groups (the
/// groups of CustomResourceDefinitions just applied).
pub async fn discover(client: &Client, only: Option<&BTreeSet<String>>) -> Result<Served> {
    let wanted = |g: &str| only.is_none_or(|o| o.contains(g));
    let mut gvs: Vec<GroupVersion> = Vec::new();
    if wanted("") {
        let core = client.list_core_api_versions().await?;
        gvs.extend(core.versions.iter().map(|v| GroupVersion::gv("", v)));
    }
    let groups = client.list_api_groups().await?;
    for g in groups.groups.iter().filter(|g| wanted(&g.name)) {
        for v in &g.versions {
            gvs.push(GroupVersion::gv(&g.name, &v.version));
        }
    }
    let answers: Vec<(
        GroupVersion,
        std::result::Result<discovery::ApiGroup, String>,
    )> = futures::stream::iter(gvs.into_iter().map(|gv| async move {
        // kube's client retries 503 up to 15 times with backoff (minutes): an aggregated API
        // without a backend must not hold discovery that long.
        let r = tokio::time::timeout(DISCOVERY_WAIT, discovery::pinned_group(client, &gv))
            .await
            .map_err(|_| {
                format!(
                    "no answer within {}s (the server kept answering 503/429/504)",
                    DISCOVERY_WAIT.as_secs()
                )
            })
            .and_then(|r| r.map_err(|e| answer_of(&e)));
        (gv, r)
    }))
    .buffer_unordered(PARALLEL)
    .collect()
    .await;
    let mut served = Served::default();
    for (gv, answer) in answers {
        match answer {
            Ok(group) => {
                for (ar, caps) in group.versioned_resources(&gv.version) {
                    served.insert(ar, caps);
                }
            }
            Err(e) => {
                served.unavailable.insert((gv.group, gv.version), e);
            }
        }
    }
    Ok(served)
}

// --- why an object was refused, and what to do ------------------------------------------------

/// Why the server refused an object, as far as applying it again goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// An admission webhook could not be called (no endpoints, connection refused, no CA bundle
    /// yet): its backend is still starting. Applied again.
    Webhook {
        webhook: String,
        /// `namespace/name` of the webhook's Service, when the message names it.
        service: Option<String>,
    },
    /// The namespace is being deleted (left from a previous attempt): applied again until it is
    /// gone, then the namespace is created again from the manifests.
    NamespaceTerminating(String),
    /// Overload, an unavailable server, a dropped connection: applied again.
    Transient(String),
    /// Invalid, Forbidden, BadRequest, NotFound, ...: applying again cannot help.
    Permanent(String),
}

/// Decides what a refusal of the object `describe` (in `namespace`, if namespaced) means.
/// `manifest_namespaces` are the Namespaces the manifests create: a 404 for one of them means it
/// was deleted meanwhile (it was Terminating), and it is created again.
pub fn refusal(
    status: &Status,
    describe: &str,
    namespace: Option<&str>,
    manifest_namespaces: &BTreeSet<String>,
) -> Refusal {
    let message = status.message.trim();
    let causes = || {
        status
            .details
            .iter()
            .flat_map(|d| d.causes.iter())
            .map(|c| c.reason.as_str())
    };
    if status.code == 500 && message.contains("failed calling webhook") {
        return Refusal::Webhook {
            webhook: between(message, "failed calling webhook \"", "\"")
                .unwrap_or("?")
                .to_string(),
            service: webhook_service(message),
        };
    }
    if status.code == 403
        && (causes().any(|r| r == "NamespaceTerminating")
            || message.contains("because it is being terminated"))
    {
        let ns = namespace
            .map(str::to_string)
            .or_else(|| between(message, "in namespace ", " ").map(str::to_string))
            .unwrap_or_default();
        return Refusal::NamespaceTerminating(ns);
    }
    if status.code == 404
        && let (Some(ns), Some(d)) = (namespace, status.details.as_ref())
        && d.kind == "namespaces"
        && d.name == ns
        && manifest_namespaces.contains(ns)
    {
        return Refusal::NamespaceTerminating(ns.to_string());
    }
    if status.code == 409 && message.starts_with("object is being deleted") {
        return Refusal::Transient(message.to_string());
    }
    if matches!(status.code, 429 | 500 | 502 | 503 | 504) {
        return Refusal::Transient(format!("{message} (HTTP {})", status.code));
    }
    Refusal::Permanent(format!(
        "{describe} was rejected: {message} ({}, HTTP {})",
        status.reason, status.code
    ))
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = s.find(start)? + start.len();
    let len = s[from..].find(end)?;
    Some(&s[from..from + len])
}

/// `namespace/name` of the Service in the webhook client's URL `https://<name>.<namespace>.svc:...`.
fn webhook_service(message: &str) -> Option<String> {
    let host = between(message, "\"https://", ".svc")?;
    let (name, ns) = host.split_once('.')?;
    Some(format!("{ns}/{name}"))
}

fn refusal_of(
    e: kube::Error,
    describe: &str,
    namespace: Option<&str>,
    manifest_namespaces: &BTreeSet<String>,
) -> Refusal {
    match e {
        kube::Error::Api(s) => refusal(&s, describe, namespace, manifest_namespaces),
        kube::Error::HyperError(_) | kube::Error::Service(_) => {
            Refusal::Transient(format!("cannot reach the API server: {e}"))
        }
        other => Refusal::Permanent(format!("{describe}: {other}")),
    }
}

/// What to do after one round of applying.
#[derive(Debug, PartialEq, Eq)]
pub enum Round {
    Done,
    /// A permanent refusal: fail now, with this message.
    Fail(String),
    /// Apply again the objects at these indexes (and first the manifests' Namespaces named) once
    /// what `waiting` says has passed.
    Again {
        retry: Vec<usize>,
        namespaces: BTreeSet<String>,
        waiting: String,
    },
}

/// The decision after a round: `outcomes[i]` is None for an object applied, or its refusal.
pub fn next_round(outcomes: &[Option<Refusal>]) -> Round {
    let permanent: Vec<&str> = outcomes
        .iter()
        .filter_map(|o| match o {
            Some(Refusal::Permanent(m)) => Some(m.as_str()),
            _ => None,
        })
        .collect();
    if !permanent.is_empty() {
        let mut msg = permanent[..permanent.len().min(3)].join("; ");
        if permanent.len() > 3 {
            msg.push_str(&format!(" (and {} more refused)", permanent.len() - 3));
        }
        return Round::Fail(msg);
    }
    let retry: Vec<usize> = (0..outcomes.len())
        .filter(|i| outcomes[*i].is_some())
        .collect();
    if retry.is_empty() {
        return Round::Done;
    }
    // What each wait is for, with how many objects it holds back, in a stable order.
    let mut waits: BTreeMap<String, usize> = BTreeMap::new();
    let mut namespaces = BTreeSet::new();
    for r in outcomes.iter().flatten() {
        let what = match r {
            Refusal::Webhook { webhook, service } => match service {
                Some(s) => format!("webhook {webhook} (service {s} has no ready endpoints yet)"),
                None => format!("webhook {webhook}"),
            },
            Refusal::NamespaceTerminating(ns) => {
                namespaces.insert(ns.clone());
                format!("namespace {ns} to finish terminating")
            }
            Refusal::Transient(m) => format!("the API server ({m})"),
            Refusal::Permanent(_) => unreachable!("handled above"),
        };
        *waits.entry(what).or_insert(0) += 1;
    }
    let waiting = waits
        .iter()
        .map(|(w, n)| format!("{w}: {n} object{}", if *n == 1 { "" } else { "s" }))
        .collect::<Vec<_>>()
        .join("; ");
    Round::Again {
        retry,
        namespaces,
        waiting,
    }
}

// --- applying ----------------------------------------------------------------------------------

/// One server-side apply; Ok(None) when applied, Ok(Some(refusal)) when the server refused it,
/// Err for what is wrong with the manifests themselves.
async fn apply_one(
    client: &Client,
    served: &Served,
    obj: &Value,
    manifest_namespaces: &BTreeSet<String>,
) -> Result<Option<Refusal>> {
    let (ar, caps) = served.resolve(obj)?;
    let name = obj["metadata"]["name"].as_str().ok_or_else(|| {
        Error::usage(
            format!("{} has no metadata.name", describe(obj)),
            "fix the manifests",
        )
    })?;
    let namespace = match caps.scope {
        Scope::Namespaced => Some(obj["metadata"]["namespace"].as_str().unwrap_or("default")),
        Scope::Cluster => None,
    };
    let api: Api<DynamicObject> = match namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &ar),
        None => Api::all_with(client.clone(), &ar),
    };
    let params = PatchParams::apply(FIELD_MANAGER).force();
    // kube's client retries 429/503/504 itself, with a backoff that can outlast --timeout; the
    // rounds here are what waits, so one call is bounded.
    let patch = Patch::Apply(obj);
    let call = tokio::time::timeout(CALL_WAIT, api.patch(name, &params, &patch));
    match call.await {
        Ok(Ok(_)) => Ok(None),
        Err(_) => Ok(Some(Refusal::Transient(format!(
            "no answer within {}s",
            CALL_WAIT.as_secs()
        )))),
        Ok(Err(e)) => {
            let r = refusal_of(e, &describe(obj), namespace, manifest_namespaces);
            tracing::info!("{}: {r:?}", describe(obj));
            Ok(Some(r))
        }
    }
}

async fn apply_batch(
    client: &Client,
    served: &Served,
    objects: &[&Value],
    manifest_namespaces: &BTreeSet<String>,
) -> Result<Vec<Option<Refusal>>> {
    let mut out: Vec<(usize, Option<Refusal>)> = Vec::with_capacity(objects.len());
    let mut answers =
        futures::stream::iter(objects.iter().enumerate().map(|(i, o)| async move {
            (i, apply_one(client, served, o, manifest_namespaces).await)
        }))
        .buffer_unordered(PARALLEL);
    while let Some((i, r)) = answers.next().await {
        out.push((i, r?));
    }
    out.sort_by_key(|(i, _)| *i);
    Ok(out.into_iter().map(|(_, r)| r).collect())
}

/// The manifests' Namespaces by name, and when the apply must end.
struct Run<'a> {
    client: &'a Client,
    namespaces: BTreeMap<String, &'a Value>,
    started: Instant,
    timeout: Duration,
    stream: &'a Stream,
}

impl Run<'_> {
    /// Applies `objects` in rounds until each is applied, one is refused for good, or the
    /// timeout passes.
    async fn until_applied(&self, served: &Served, label: &str, objects: &[&Value]) -> Result<()> {
        let manifest_ns: BTreeSet<String> = self.namespaces.keys().cloned().collect();
        let mut pending: Vec<&Value> = objects.to_vec();
        let mut pause = FIRST_PAUSE;
        let mut attempt = 1;
        loop {
            let outcomes = apply_batch(self.client, served, &pending, &manifest_ns).await?;
            let (retry, namespaces, waiting) = match next_round(&outcomes) {
                Round::Done => return Ok(()),
                Round::Fail(msg) => return Err(Error::failed(msg)),
                Round::Again {
                    retry,
                    namespaces,
                    waiting,
                } => (retry, namespaces, waiting),
            };
            if self.started.elapsed() + pause > self.timeout {
                return Err(Error::Timeout {
                    what: format!(
                        "the API server to admit {} refused object{} ({})",
                        retry.len(),
                        if retry.len() == 1 { "" } else { "s" },
                        retry
                            .iter()
                            .take(5)
                            .map(|i| describe(pending[*i]))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    after: self.timeout,
                    last: waiting,
                });
            }
            attempt += 1;
            self.stream.set(&format!(
                "{label}: {} of {} refused, waiting for {waiting}; applying them again (attempt {attempt})",
                retry.len(),
                objects.len(),
            ));
            tokio::time::sleep(pause.mul_f64(rand::random_range(0.8..1.2))).await;
            pause = (pause * 2).min(LONGEST_PAUSE);
            // A namespace that was Terminating is created again (once gone) before its content.
            let again: Vec<&Value> = retry.iter().map(|i| pending[*i]).collect();
            let recreate: Vec<&Value> = namespaces
                .iter()
                .filter_map(|ns| self.namespaces.get(ns).copied())
                .filter(|ns| !again.iter().any(|o| std::ptr::eq(*o, *ns)))
                .collect();
            if !recreate.is_empty() {
                let refused = apply_batch(self.client, served, &recreate, &manifest_ns).await?;
                if let Round::Fail(msg) = next_round(&refused) {
                    return Err(Error::failed(msg));
                }
            }
            pending = again;
        }
    }
}

/// Applies `objects` to the cluster of `client` and returns once every CRD is Established.
pub async fn apply(
    client: &Client,
    objects: &[Value],
    timeout: Duration,
    stream: &Stream,
) -> Result<()> {
    let is = |o: &Value, kind: &str| o["kind"] == kind;
    let crds: Vec<&Value> = objects
        .iter()
        .filter(|o| is(o, "CustomResourceDefinition"))
        .collect();
    let namespaces: Vec<&Value> = objects.iter().filter(|o| is(o, "Namespace")).collect();
    let rest: Vec<&Value> = objects
        .iter()
        .filter(|o| !is(o, "CustomResourceDefinition") && !is(o, "Namespace"))
        .collect();
    let run = Run {
        client,
        namespaces: namespaces
            .iter()
            .filter_map(|n| n["metadata"]["name"].as_str().map(|s| (s.to_string(), *n)))
            .collect(),
        started: Instant::now(),
        timeout,
        stream,
    };

    let mut served = discover(client, None).await?;
    if let Some(w) = served.warning() {
        tracing::warn!("{w}");
    }
    if !crds.is_empty() {
        stream.set(&format!(
            "applying {} CustomResourceDefinitions",
            crds.len()
        ));
        run.until_applied(&served, "CustomResourceDefinitions", &crds)
            .await?;
        let names: Vec<String> = crds
            .iter()
            .filter_map(|c| c["metadata"]["name"].as_str().map(str::to_string))
            .collect();
        crate::kube_wait::crds_established(Api::all(client.clone()), &names, timeout, stream)
            .await?;
    }
    // New kinds are served now: discover their groups (not again every group: an unavailable
    // aggregated API costs a wait each time).
    if !crds.is_empty() {
        let groups: BTreeSet<String> = crds
            .iter()
            .filter_map(|c| c["spec"]["group"].as_str().map(str::to_string))
            .collect();
        served.merge(discover(client, Some(&groups)).await?);
    }
    if !namespaces.is_empty() {
        stream.set(&format!("applying {} Namespaces", namespaces.len()));
        run.until_applied(&served, "Namespaces", &namespaces)
            .await?;
    }
    stream.set(&format!("applying {} objects", rest.len()));
    run.until_applied(&served, "objects", &rest).await
}

/// Waits until every Deployment among `objects` is Available; how many there are.
pub async fn wait_deployments(
    client: &Client,
    objects: &[Value],
    timeout: Duration,
    stream: &Stream,
) -> Result<usize> {
    let deployments: Vec<(String, String)> = objects
        .iter()
        .filter(|o| o["kind"] == "Deployment")
        .map(|o| {
            (
                o["metadata"]["namespace"]
                    .as_str()
                    .unwrap_or("default")
                    .to_string(),
                o["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    crate::kube_wait::deployments_available(client, &deployments, timeout, stream).await?;
    Ok(deployments.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_streams_and_counts_kinds() {
        let objs = parse_objects("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: a}\n").unwrap();
        assert_eq!(objs.len(), 2);
        assert_eq!(counts(&objs)["Deployment"], 1);
        assert_eq!(describe(&objs[1]), "Deployment a/d");
        assert_eq!(gvk_of(&objs[1]).group, "apps");
        assert_eq!(gvk_of(&objs[0]).group, "");
        assert_eq!(parse_objects("kind: X\n").unwrap_err().exit_code(), 2);
    }

    fn status(code: u16, reason: &str, message: &str) -> Status {
        Status {
            code,
            reason: reason.into(),
            message: message.into(),
            ..Status::default()
        }
    }

    fn with_details(mut s: Status, kind: &str, name: &str, causes: &[&str]) -> Status {
        let causes: Vec<Value> = causes
            .iter()
            .map(|r| serde_json::json!({"reason": r}))
            .collect();
        s.details = Some(
            serde_json::from_value(
                serde_json::json!({"kind": kind, "name": name, "causes": causes}),
            )
            .unwrap(),
        );
        s
    }

    fn ns(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_webhook_without_endpoints_is_waited_for() {
        // kube-apiserver's words (kubeflow/kubeflow#4835, spinframework/spin-operator#179).
        let s = status(
            500,
            "InternalError",
            "Internal error occurred: failed calling webhook \"webhook.cert-manager.io\": failed to call webhook: Post \"https://cert-manager-webhook.cert-manager.svc:443/validate?timeout=10s\": no endpoints available for service \"cert-manager-webhook\"",
        );
        assert_eq!(
            refusal(&s, "Issuer kubeflow/x", Some("kubeflow"), &ns(&[])),
            Refusal::Webhook {
                webhook: "webhook.cert-manager.io".into(),
                service: Some("cert-manager/cert-manager-webhook".into()),
            }
        );
        // Connection refused / no CA yet read the same way.
        let s = status(
            500,
            "InternalError",
            "Internal error occurred: failed calling webhook \"validation.istio.io\": failed to call webhook: Post \"https://istiod.istio-system.svc:443/validate?timeout=10s\": dial tcp 10.100.1.2:443: connect: connection refused",
        );
        assert!(matches!(
            refusal(&s, "x", None, &ns(&[])),
            Refusal::Webhook { service: Some(s), .. } if s == "istio-system/istiod"
        ));
    }

    #[test]
    fn a_terminating_namespace_is_waited_for() {
        let s = with_details(
            status(
                403,
                "Forbidden",
                "configmaps \"c\" is forbidden: unable to create new content in namespace kubeflow because it is being terminated",
            ),
            "configmaps",
            "c",
            &["NamespaceTerminating"],
        );
        assert_eq!(
            refusal(&s, "ConfigMap kubeflow/c", Some("kubeflow"), &ns(&[])),
            Refusal::NamespaceTerminating("kubeflow".into())
        );
        // Gone meanwhile: created again, when the manifests hold it.
        let gone = with_details(
            status(404, "NotFound", "namespaces \"kubeflow\" not found"),
            "namespaces",
            "kubeflow",
            &[],
        );
        assert_eq!(
            refusal(
                &gone,
                "ConfigMap kubeflow/c",
                Some("kubeflow"),
                &ns(&["kubeflow"])
            ),
            Refusal::NamespaceTerminating("kubeflow".into())
        );
        // A namespace nobody creates is a mistake in the manifests.
        assert!(matches!(
            refusal(&gone, "ConfigMap kubeflow/c", Some("kubeflow"), &ns(&["other"])),
            Refusal::Permanent(m) if m.contains("ConfigMap kubeflow/c") && m.contains("not found")
        ));
    }

    #[test]
    fn invalid_and_forbidden_are_permanent() {
        let invalid = status(
            422,
            "Invalid",
            "Deployment.apps \"d\" is invalid: spec.replicas: Invalid value: -1",
        );
        assert!(matches!(
            refusal(&invalid, "Deployment kubeflow/d", Some("kubeflow"), &ns(&[])),
            Refusal::Permanent(m) if m.starts_with("Deployment kubeflow/d was rejected: Deployment.apps \"d\" is invalid") && m.contains("Invalid")
        ));
        let forbidden = status(
            403,
            "Forbidden",
            "clusterroles.rbac.authorization.k8s.io \"x\" is forbidden: user cannot escalate",
        );
        assert!(matches!(
            refusal(&forbidden, "ClusterRole x", None, &ns(&[])),
            Refusal::Permanent(_)
        ));
        assert!(matches!(
            refusal(&status(400, "BadRequest", "bad"), "x", None, &ns(&[])),
            Refusal::Permanent(_)
        ));
        for code in [429, 500, 502, 503, 504] {
            assert!(matches!(
                refusal(&status(code, "", "busy"), "x", None, &ns(&[])),
                Refusal::Transient(_)
            ));
        }
    }

    #[test]
    fn a_round_fails_on_the_first_permanent_refusal_and_says_what_it_waits_for() {
        let hook = Refusal::Webhook {
            webhook: "webhook.cert-manager.io".into(),
            service: Some("cert-manager/cert-manager-webhook".into()),
        };
        assert_eq!(next_round(&[None, None]), Round::Done);
        let again = next_round(&[
            None,
            Some(hook.clone()),
            Some(hook.clone()),
            Some(Refusal::NamespaceTerminating("kubeflow".into())),
        ]);
        let Round::Again {
            retry,
            namespaces,
            waiting,
        } = again
        else {
            panic!("{again:?}");
        };
        assert_eq!(retry, vec![1, 2, 3]);
        assert_eq!(namespaces, ns(&["kubeflow"]));
        assert_eq!(
            waiting,
            "namespace kubeflow to finish terminating: 1 object; webhook webhook.cert-manager.io (service cert-manager/cert-manager-webhook has no ready endpoints yet): 2 objects"
        );
        // Waiting for a webhook never hides a permanent refusal.
        assert_eq!(
            next_round(&[
                Some(hook),
                Some(Refusal::Permanent("P was rejected".into()))
            ]),
            Round::Fail("P was rejected".into())
        );
    }

    fn resource(group: &str, version: &str, kind: &str, plural: &str) -> ApiResource {
        ApiResource {
            group: group.into(),
            version: version.into(),
            api_version: if group.is_empty() {
                version.into()
            } else {
                format!("{group}/{version}")
            },
            kind: kind.into(),
            plural: plural.into(),
        }
    }

    #[test]
    fn discovery_goes_on_without_a_group_that_did_not_answer() {
        let mut served = Served::default();
        served.insert(
            resource("", "v1", "ConfigMap", "configmaps"),
            ApiCapabilities {
                scope: Scope::Namespaced,
                subresources: vec![],
                operations: vec![],
            },
        );
        served.unavailable.insert(
            ("metrics.k8s.io".into(), "v1beta1".into()),
            "service unavailable (HTTP 503)".into(),
        );
        let cm = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "n"}});
        assert_eq!(served.resolve(&cm).unwrap().0.plural, "configmaps");
        let w = served.warning().unwrap();
        assert!(
            w.contains("metrics.k8s.io/v1beta1 (APIService v1beta1.metrics.k8s.io)")
                && !w.contains('\n'),
            "{w}"
        );
        // Only an object of the missing group fails, naming the group and its APIService.
        let m = serde_json::json!({"apiVersion": "metrics.k8s.io/v1beta1", "kind": "PodMetrics", "metadata": {"name": "p", "namespace": "n"}});
        let err = served.resolve(&m).unwrap_err();
        assert_eq!(err.exit_code(), 1);
        let msg = err.to_string();
        assert!(
            msg.contains("PodMetrics n/p")
                && msg.contains("metrics.k8s.io/v1beta1")
                && msg.contains("APIService v1beta1.metrics.k8s.io"),
            "{msg}"
        );
        // A kind nobody serves still asks for its CRD.
        let p = serde_json::json!({"apiVersion": "kubeflow.org/v1", "kind": "Profile", "metadata": {"name": "p"}});
        assert!(
            served
                .resolve(&p)
                .unwrap_err()
                .to_string()
                .contains("CustomResourceDefinition")
        );
        assert!(Served::default().warning().is_none());

        // A later discovery of the CRDs' groups adds their kinds and keeps what was known.
        let mut crds = Served::default();
        crds.insert(
            resource("kubeflow.org", "v1", "Profile", "profiles"),
            ApiCapabilities {
                scope: Scope::Cluster,
                subresources: vec![],
                operations: vec![],
            },
        );
        served.merge(crds);
        assert_eq!(served.resolve(&p).unwrap().0.plural, "profiles");
        assert_eq!(served.resolve(&cm).unwrap().0.plural, "configmaps");
        assert_eq!(served.unavailable.len(), 1);
    }
}
