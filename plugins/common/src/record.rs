//! The upgrade record: durable, shared state of one blue/green upgrade.
//!
//! A ConfigMap `kf-upgrade-<green>` in blue's `kubeflow` namespace holds blue, green, every AWS
//! resource the suite created (id and phase), and what cutover changed with the previous values.
//! Writes are read-modify-write with the ConfigMap's resourceVersion, retried on conflict, so
//! concurrent steps (and concurrent runs) never lose each other's updates.
//!
//! `kubectl kf retire-blue` deletes blue's cluster, and the record with it, so before that it
//! moves the record to green's cluster (same namespace and name) and marks both copies
//! `movedTo: <green>`: from then on green's copy is the record ([`authority`] decides which copy
//! a command reads; [`RecordStore::move_to_green`] moves it).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{ListParams, ObjectMeta, PostParams};
use kube::{Api, Client};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use crate::error::{Error, OnContext, Result};

pub const NAMESPACE: &str = "kubeflow";
pub const DATA_KEY: &str = "record.yaml";
pub const LABEL_MANAGED_BY: &str = "app.kubernetes.io/managed-by";
pub const MANAGED_BY: &str = "kubectl-kf";
/// Label on the record and tag on every AWS resource the suite creates.
pub const UPGRADE_TAG: &str = "kubeflow.org/upgrade";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    Planned,
    InProgress,
    Completed,
    Failed,
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Planned => "Planned",
            Self::InProgress => "InProgress",
            Self::Completed => "Completed",
            Self::Failed => "Failed",
        })
    }
}

/// One resource the suite made or one step it took (`rds.snapshot`, `s3.task`, ...).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    pub kind: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    pub phase: Phase,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub updated: String,
    /// Step-specific facts (ARNs of helpers, counters); kept as they are.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub details: BTreeMap<String, serde_json::Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpgradeRecord {
    pub blue: String,
    pub green: String,
    #[serde(default)]
    pub created: String,
    #[serde(default)]
    pub updated: String,
    /// EKS cluster names, once known (`kf deploy cluster` records green's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blue_cluster: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub green_cluster: Option<String>,
    #[serde(default)]
    pub resources: BTreeMap<String, Resource>,
    /// Since when green may hold writes blue does not have: set (before the change) when a
    /// cutover first sends production traffic to green. A resync would destroy those writes, so
    /// it is refused unless they are discarded explicitly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub green_traffic_since: Option<String>,
    /// Whether the DNS record sends (some) production traffic to green now.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub traffic_on_green: bool,
    /// What the clone made, for the steps after it (the contract between them).
    #[serde(default, skip_serializing_if = "Clones::is_empty")]
    pub clones: Clones,
    /// Green's IRSA roles, one per blue role its Kubeflow service accounts use (written by
    /// `kf deploy cluster`; read by `deploy kubeflow`, `migrate`, `verify`, `abort`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub green_roles: Vec<GreenRole>,
    /// Set by `kf retire-blue` (once blue is recorded retired, before it deletes blue's
    /// cluster) on both copies: green's context, whose cluster holds the record from then on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_to: Option<String>,
    /// Sections written by later steps (cluster, cutover, ...), kept as they are.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// What `kf clone` made, as `deploy kubeflow`, `storage pvc`, `cutover` and the checks read
/// it. Written and read only through these types.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Clones {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub db: Option<DbClone>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<BucketClone>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub efs: Option<EfsCopy>,
}

impl Clones {
    pub fn is_empty(&self) -> bool {
        self.db.is_none() && self.bucket.is_none() && self.efs.is_none()
    }

    /// The section of a record written by kubectl-kf 0.1.0, which kept these facts as string
    /// keys in the steps' details (read once, then written in this form).
    fn from_legacy(resources: &BTreeMap<String, Resource>) -> Self {
        let done = |k: &str| resources.get(k).filter(|r| r.phase == Phase::Completed);
        let detail = |k: &str, d: &str| {
            resources
                .get(k)
                .and_then(|r| r.details.get(d))
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        let db = resources.get("rds.snapshot").map(|snap| DbClone {
            from: String::new(),
            generation: snap
                .details
                .get("generation")
                .and_then(|g| g.as_u64())
                .unwrap_or(0) as u32,
            restored_from: detail("rds.instance", "fromSnapshot"),
            instance: resources
                .get("rds.instance")
                .map(|r| r.id.clone())
                .unwrap_or_default(),
            host: done("rds.instance").and_then(|_| detail("rds.instance", "host")),
            secret: done("rds.secret")
                .filter(|r| !r.id.is_empty())
                .and_then(|r| {
                    detail("rds.secret", "from").map(|from| SecretClone {
                        name: r.id.clone(),
                        from,
                    })
                }),
        });
        Clones {
            db,
            bucket: done("s3.bucket").map(|r| BucketClone {
                name: r.id.clone(),
                from: String::new(),
            }),
            efs: done("efs.execution").and_then(|_| {
                Some(EfsCopy {
                    from: detail("efs.execution", "from")?,
                    to: detail("efs.execution", "to")?,
                })
            }),
        }
    }
}

/// Green's database: the instance restored from a snapshot of blue's.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DbClone {
    /// Blue's instance.
    pub from: String,
    /// The resync generation of the latest snapshot (0: the first clone).
    #[serde(default)]
    pub generation: u32,
    /// The snapshot green's instance was restored from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restored_from: Option<String>,
    /// Green's instance, and its endpoint once available.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub instance: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Green's Secrets Manager secret, when blue keeps its credentials there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<SecretClone>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretClone {
    pub name: String,
    /// Blue's secret it copies.
    pub from: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BucketClone {
    pub name: String,
    pub from: String,
}

/// A role of green's standing in for one of blue's: blue's policies with blue's bucket replaced
/// by green's, trusted by green's OIDC provider for the same service accounts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GreenRole {
    /// Blue's role ARN, as blue's service accounts are annotated with it.
    pub blue: String,
    /// Green's role ARN.
    pub green: String,
    /// The `namespace/name` of each service account on blue annotated with blue's role.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_accounts: Vec<String>,
}

/// What was copied where: blue's file system to green's, same paths.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EfsCopy {
    pub from: String,
    pub to: String,
}

pub fn now() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

impl UpgradeRecord {
    /// A command's own section of the record (`abort`, `cleanup`, `cutover`, `retireBlue`):
    /// empty before the command ran; one that does not read as `T` is an error.
    pub fn section<T: serde::de::DeserializeOwned + Default>(&self, key: &str) -> Result<T> {
        match self.other.get(key) {
            None | Some(serde_json::Value::Null) => Ok(T::default()),
            Some(v) => serde_json::from_value(v.clone()).map_err(|e| {
                Error::failed(format!(
                    "the {key} section of the upgrade record is unreadable: {e}"
                ))
            }),
        }
    }

    /// Changes a command's section in place: read (empty when absent or unreadable), changed,
    /// written back; the section as written.
    pub fn change_section<T>(&mut self, key: &str, change: impl FnOnce(&mut T)) -> T
    where
        T: serde::de::DeserializeOwned + Serialize + Default,
    {
        let mut state: T = self.section(key).unwrap_or_default();
        change(&mut state);
        if let Ok(v) = serde_json::to_value(&state) {
            self.other.insert(key.to_string(), v);
        }
        state
    }

    pub fn new(blue: &str, green: &str) -> Self {
        let t = now();
        Self {
            blue: blue.to_string(),
            green: green.to_string(),
            created: t.clone(),
            updated: t,
            ..Default::default()
        }
    }

    /// Green's role for blue's role `arn`, if `deploy cluster` made one.
    pub fn green_role_for(&self, blue_arn: &str) -> Option<&str> {
        self.green_roles
            .iter()
            .find(|r| r.blue == blue_arn)
            .map(|r| r.green.as_str())
    }

    /// Records a resource's state, keeping details already known.
    pub fn set(&mut self, key: &str, kind: &str, id: &str, phase: Phase, message: Option<String>) {
        let entry = self
            .resources
            .entry(key.to_string())
            .or_insert_with(|| Resource {
                kind: kind.to_string(),
                id: String::new(),
                phase,
                message: None,
                updated: String::new(),
                details: BTreeMap::new(),
            });
        entry.kind = kind.to_string();
        if !id.is_empty() {
            entry.id = id.to_string();
        }
        entry.phase = phase;
        entry.message = message;
        entry.updated = now();
    }
}

/// The resources of a record as a table: step, kind, id, phase, message.
pub fn resources_table<'a>(
    resources: impl IntoIterator<Item = (&'a String, &'a Resource)>,
) -> String {
    crate::output::table(
        &["STEP", "KIND", "ID", "PHASE", "MESSAGE"],
        resources.into_iter().map(|(k, r)| {
            [
                k.clone(),
                r.kind.clone(),
                r.id.clone(),
                r.phase.to_string(),
                r.message.clone().unwrap_or_default(),
            ]
        }),
    )
}

/// The ConfigMap name for a green context: DNS-1123, at most 63 characters.
pub fn configmap_name(green: &str) -> String {
    let mut s: String = green
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    s = s.trim_matches(|c| c == '-' || c == '.').to_string();
    let name = format!("kf-upgrade-{s}");
    if name.len() <= 63 {
        return name;
    }
    // Long context names (EKS ARNs): keep the end, which holds the cluster name, plus a hash.
    let hash = fnv1a(green.as_bytes());
    let tail: String = s
        .chars()
        .rev()
        .take(63 - 11 - 9)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!(
        "kf-upgrade-{}-{hash:08x}",
        tail.trim_start_matches(['-', '.'])
    )
}

/// The label value for a green context (63 characters of `[A-Za-z0-9._-]`).
pub fn label_value(green: &str) -> String {
    configmap_name(green)
        .trim_start_matches("kf-upgrade-")
        .to_string()
}

fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c9dc5u32, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x01000193)
    })
}

fn parse(cm: &ConfigMap) -> Result<UpgradeRecord> {
    let name = cm.metadata.name.clone().unwrap_or_default();
    let text = cm
        .data
        .as_ref()
        .and_then(|d| d.get(DATA_KEY))
        .ok_or_else(|| Error::failed(format!("ConfigMap {NAMESPACE}/{name} has no {DATA_KEY}")))?;
    let mut rec: UpgradeRecord = serde_yaml::from_str(text).map_err(|e| {
        Error::failed(format!(
            "upgrade record {NAMESPACE}/{name} is unreadable: {e}"
        ))
    })?;
    let legacy = ["generation", "host", "fromSnapshot", "from", "to"];
    if rec.clones.is_empty()
        && rec
            .resources
            .values()
            .any(|r| legacy.iter().any(|k| r.details.contains_key(*k)))
    {
        rec.clones = Clones::from_legacy(&rec.resources);
    }
    Ok(rec)
}

fn to_configmap(record: &UpgradeRecord, resource_version: Option<String>) -> Result<ConfigMap> {
    let text = serde_yaml::to_string(record).map_err(|e| Error::failed(e.to_string()))?;
    Ok(ConfigMap {
        metadata: ObjectMeta {
            name: Some(configmap_name(&record.green)),
            namespace: Some(NAMESPACE.to_string()),
            labels: Some(BTreeMap::from([
                (LABEL_MANAGED_BY.to_string(), MANAGED_BY.to_string()),
                (UPGRADE_TAG.to_string(), label_value(&record.green)),
            ])),
            resource_version,
            ..Default::default()
        },
        data: Some(BTreeMap::from([(DATA_KEY.to_string(), text)])),
        ..Default::default()
    })
}

fn namespace_missing(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 404 && s.message.contains("namespace"))
}

fn no_kubeflow(blue: &str) -> Error {
    Error::usage(
        format!("context \"{blue}\" has no namespace \"{NAMESPACE}\""),
        "is Kubeflow installed there? Pass --from with the production context",
    )
}

/// Reads every upgrade record kept in blue's cluster, newest first.
pub async fn list(client: &Client, blue: &str) -> Result<Vec<UpgradeRecord>> {
    list_where(client, blue, |r| r.blue == blue).await
}

/// The records `kf retire-blue` moved into the cluster of `green` (of upgrades to it, their
/// blue retired), newest first.
pub async fn moved_here(client: &Client, green: &str) -> Result<Vec<UpgradeRecord>> {
    list_where(client, green, |r| {
        r.green == green && r.moved_to.as_deref() == Some(green)
    })
    .await
}

async fn list_where(
    client: &Client,
    context: &str,
    keep: impl Fn(&UpgradeRecord) -> bool,
) -> Result<Vec<UpgradeRecord>> {
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), NAMESPACE);
    let lp =
        ListParams::default().labels(&format!("{LABEL_MANAGED_BY}={MANAGED_BY},{UPGRADE_TAG}"));
    let cms = match api.list(&lp).await {
        Ok(l) => l.items,
        Err(e) if namespace_missing(&e) => return Err(no_kubeflow(context)),
        Err(e) => return Err(Error::from(e).on(context)),
    };
    let mut records: Vec<UpgradeRecord> = cms.iter().map(parse).collect::<Result<_>>()?;
    records.retain(keep);
    records.sort_by(|a, b| b.updated.cmp(&a.updated));
    Ok(records)
}

/// The record of the upgrade of `blue` to `green`, if any.
pub async fn get(client: &Client, green: &str) -> Result<Option<UpgradeRecord>> {
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), NAMESPACE);
    match api.get_opt(&configmap_name(green)).await? {
        Some(cm) => Ok(Some(parse(&cm)?)),
        None => Ok(None),
    }
}

/// What blue's cluster said when asked for the record.
#[derive(Clone, Copy, Debug)]
pub enum BlueCopy<'a> {
    Found(&'a UpgradeRecord),
    /// Blue answers and holds no record (or not the namespace for one).
    Missing,
    /// Blue's API server does not answer (its cluster deleted by `kf retire-blue`, or down).
    Unreachable,
}

/// Which copy of the record a command reads and writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Authority {
    /// Blue's: the record has not moved.
    Blue,
    /// Green's: `kf retire-blue` moved the record there (its copy says `movedTo: <green>`).
    Green,
    /// No record anywhere yet: a new one, in blue's cluster.
    New,
    /// Blue's copy says it moved to green, and green holds no such copy.
    Lost,
    /// Blue does not answer, and green holds no copy moved there.
    Unreachable,
}

impl BlueCopy<'_> {
    /// Whether green's copy is needed to decide: not while blue holds a record that has not
    /// moved to `green` (a copy a stopped retire-blue left on green before marking blue's is
    /// not the record yet; the re-run moves it again).
    pub fn needs_green(&self, green: &str) -> bool {
        !matches!(self, BlueCopy::Found(r) if r.moved_to.as_deref() != Some(green))
    }
}

/// The authoritative copy of the record of `blue` -> `green`, from blue's answer and green's
/// copy (when [`BlueCopy::needs_green`]). Green's copy counts only when it is the one
/// retire-blue moved there: of this blue, marked `movedTo: <green>`.
pub fn authority(
    blue_copy: BlueCopy<'_>,
    green_copy: Option<&UpgradeRecord>,
    blue: &str,
    green: &str,
) -> Authority {
    let moved_here =
        green_copy.is_some_and(|r| r.blue == blue && r.moved_to.as_deref() == Some(green));
    match blue_copy {
        BlueCopy::Found(r) if r.moved_to.as_deref() != Some(green) => Authority::Blue,
        BlueCopy::Found(_) if moved_here => Authority::Green,
        BlueCopy::Found(_) => Authority::Lost,
        _ if moved_here => Authority::Green,
        BlueCopy::Missing => Authority::New,
        BlueCopy::Unreachable => Authority::Unreachable,
    }
}

/// A Kubernetes error that says the API server did not answer at all (no HTTP status): the
/// connection refused or closed, the name not resolved.
fn unreachable(e: &kube::Error) -> bool {
    matches!(e, kube::Error::HyperError(_) | kube::Error::Service(_))
}

/// The record ConfigMap in one cluster; `Ok(None)` also when the namespace is missing.
async fn read_copy(
    client: &Client,
    name: &str,
) -> std::result::Result<Option<ConfigMap>, kube::Error> {
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), NAMESPACE);
    match api.get_opt(name).await {
        Err(e) if namespace_missing(&e) => Ok(None),
        other => other,
    }
}

/// Writes `rec` to `api`: a replace at `rv`, or a create without one.
async fn write(
    api: &Api<ConfigMap>,
    rec: &UpgradeRecord,
    rv: Option<String>,
) -> Result<std::result::Result<ConfigMap, kube::Error>> {
    let create = rv.is_none();
    let cm = to_configmap(rec, rv)?;
    Ok(if create {
        api.create(&PostParams::default(), &cm).await
    } else {
        api.replace(&configmap_name(&rec.green), &PostParams::default(), &cm)
            .await
    })
}

/// The copy of the record a store reads and writes, and where it is.
struct Copy {
    rec: UpgradeRecord,
    resource_version: Option<String>,
    api: Api<ConfigMap>,
    /// The context whose cluster holds it (blue's, or green's once moved).
    at: String,
}

/// A handle on one record for a run: every update is written through at once.
pub struct RecordStore {
    blue: String,
    green: String,
    state: Mutex<Copy>,
}

impl RecordStore {
    /// Opens the record of `blue` -> `green` in blue's cluster (a record moved to green's is
    /// refused: open it with [`RecordStore::open_moved`]). Nothing is written here: a record
    /// that does not exist yet is created by the first step that records something, so a
    /// command refused for its input leaves no record behind. Blue must have the namespace the
    /// record lives in.
    pub async fn open(client: &Client, blue: &str, green: &str) -> Result<Self> {
        Self::open_moved(client, None, blue, green).await
    }

    /// [`RecordStore::open`], reading green's copy (with `green_client`) when blue's record
    /// says it moved there, or when blue's cluster holds none or does not answer: see
    /// [`authority`].
    pub async fn open_moved(
        client: &Client,
        green_client: Option<&Client>,
        blue: &str,
        green: &str,
    ) -> Result<Self> {
        let name = configmap_name(green);
        let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(client.clone());
        // Blue's answer: its record (and resourceVersion), none, no namespace, or silence.
        let (blue_read, has_namespace) = match namespaces.get_opt(NAMESPACE).await {
            Ok(None) => (Ok(None), false),
            Ok(Some(_)) => match read_copy(client, &name).await {
                Ok(Some(cm)) => (Ok(Some((parse(&cm)?, cm.metadata.resource_version))), true),
                Ok(None) => (Ok(None), true),
                Err(e) => (Err(e), true),
            },
            Err(e) => (Err(e), true),
        };
        let blue_read = match blue_read {
            Err(e) if !unreachable(&e) => return Err(Error::from(e).on(blue)),
            other => other,
        };
        let blue_copy = match &blue_read {
            Ok(Some((rec, _))) => BlueCopy::Found(rec),
            Ok(None) => BlueCopy::Missing,
            Err(_) => BlueCopy::Unreachable,
        };
        if let BlueCopy::Found(rec) = blue_copy
            && rec.blue != blue
        {
            return Err(Error::usage(
                format!(
                    "{NAMESPACE}/{name} records an upgrade of \"{}\" to \"{green}\", not of \"{blue}\"",
                    rec.blue
                ),
                "pass the matching --from",
            ));
        }
        let green_read = match green_client {
            Some(c) if blue_copy.needs_green(green) => read_copy(c, &name).await.on(green),
            _ => Ok(None),
        };
        let green_copy = match &green_read {
            Ok(Some(cm)) => Some((parse(cm)?, cm.metadata.resource_version.clone())),
            _ => None,
        };
        let decided = authority(blue_copy, green_copy.as_ref().map(|(r, _)| r), blue, green);
        let blue_api = Api::namespaced(client.clone(), NAMESPACE);
        let state = match (decided, blue_read, green_copy, green_client) {
            (Authority::Blue, Ok(Some((rec, rv))), _, _) => Copy {
                rec,
                resource_version: rv,
                api: blue_api,
                at: blue.to_string(),
            },
            (Authority::Green, _, Some((rec, rv)), Some(c)) => {
                tracing::info!(
                    "the upgrade record {NAMESPACE}/{name} is in {green}'s cluster (moved by \
                     kubectl kf retire-blue)"
                );
                Copy {
                    rec,
                    resource_version: rv,
                    api: Api::namespaced(c.clone(), NAMESPACE),
                    at: green.to_string(),
                }
            }
            (Authority::New, ..) if !has_namespace => return Err(no_kubeflow(blue)),
            (Authority::New, ..) => Copy {
                rec: UpgradeRecord::new(blue, green),
                resource_version: None,
                api: blue_api,
                at: blue.to_string(),
            },
            (Authority::Lost, ..) => {
                green_read?;
                return Err(Error::failed(format!(
                    "the upgrade record {NAMESPACE}/{name} of {blue} moved to {green}'s cluster \
                     (kubectl kf retire-blue){}",
                    if green_client.is_some() {
                        ", which holds no copy of it; restore it there (blue's copy holds it as \
                         of the move)"
                    } else {
                        "; this command reads only blue's"
                    }
                )));
            }
            (_, Err(e), _, _) => return Err(Error::from(e).on(blue)),
            (decided, ..) => {
                return Err(Error::failed(format!(
                    "the upgrade record {NAMESPACE}/{name} of {blue}: no copy to read ({decided:?})"
                )));
            }
        };
        Ok(Self {
            blue: blue.to_string(),
            green: green.to_string(),
            state: Mutex::new(state),
        })
    }

    /// Whether the record exists (it is created by the first recorded step).
    pub async fn exists(&self) -> bool {
        self.state.lock().await.resource_version.is_some()
    }

    /// The context whose cluster holds the record: blue's, or green's once moved.
    pub async fn location(&self) -> String {
        self.state.lock().await.at.clone()
    }

    /// Moves the record to green's cluster (`kf retire-blue`, before it deletes blue's): writes
    /// it there marked `movedTo: <green>` (creating the namespace if green has none), then marks
    /// blue's copy so, and from then on reads and writes green's. In that order, so that a run
    /// stopped half way finds the record again (blue's, unmarked: this moves it again, over the
    /// copy the stopped run left; or green's); a moved record stays where it is.
    pub async fn move_to_green(&self, green_client: &Client) -> Result<()> {
        let mut state = self.state.lock().await;
        if state.at == self.green {
            return Ok(());
        }
        let name = configmap_name(&self.green);
        let green_api: Api<ConfigMap> = Api::namespaced(green_client.clone(), NAMESPACE);
        let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(green_client.clone());
        if namespaces
            .get_opt(NAMESPACE)
            .await
            .on(&self.green)?
            .is_none()
        {
            let ns = k8s_openapi::api::core::v1::Namespace {
                metadata: ObjectMeta {
                    name: Some(NAMESPACE.to_string()),
                    ..Default::default()
                },
                ..Default::default()
            };
            match namespaces.create(&PostParams::default(), &ns).await {
                Err(kube::Error::Api(s)) if s.code == 409 => {}
                other => {
                    other.on(&self.green)?;
                }
            }
        }
        for _ in 0..8 {
            let mut rec = state.rec.clone();
            rec.moved_to = Some(self.green.clone());
            rec.updated = now();
            let there = green_api.get_opt(&name).await.on(&self.green)?;
            if let Some(cm) = &there {
                let other = parse(cm)?;
                if other.blue != self.blue {
                    return Err(Error::refused(
                        format!(
                            "{}'s cluster already holds {NAMESPACE}/{name}, the record of an \
                             upgrade of \"{}\", not of \"{}\"; nothing of blue's was deleted",
                            self.green, other.blue, self.blue
                        ),
                        format!(
                            "move that ConfigMap away in {}'s cluster, then run again",
                            self.green
                        ),
                    ));
                }
            }
            let copied = match write(
                &green_api,
                &rec,
                there.and_then(|c| c.metadata.resource_version),
            )
            .await?
            {
                Ok(cm) => cm,
                Err(kube::Error::Api(s)) if s.code == 409 => continue,
                Err(e) => return Err(Error::from(e).on(&self.green)),
            };
            match write(&state.api, &rec, state.resource_version.clone()).await? {
                Ok(_) => {
                    *state = Copy {
                        rec,
                        resource_version: copied.metadata.resource_version,
                        api: green_api,
                        at: self.green.clone(),
                    };
                    return Ok(());
                }
                Err(kube::Error::Api(s)) if s.code == 409 => {
                    let fresh = state.api.get(&name).await.on(&self.blue)?;
                    state.rec = parse(&fresh)?;
                    state.resource_version = fresh.metadata.resource_version;
                }
                Err(e) => return Err(Error::from(e).on(&self.blue)),
            }
        }
        Err(Error::failed(format!(
            "the upgrade record {NAMESPACE}/{name} of {} kept changing under us; try again",
            self.blue
        )))
    }

    /// Records the state of one step or resource.
    /// Nothing is written when the step is already recorded so.
    pub async fn mark(
        &self,
        key: &str,
        kind: &str,
        id: &str,
        phase: Phase,
        message: Option<String>,
    ) -> Result<()> {
        if let Some(r) = self.get(key).await
            && r.kind == kind
            && (id.is_empty() || r.id == id)
            && r.phase == phase
            && r.message == message
        {
            return Ok(());
        }
        self.update(|r| r.set(key, kind, id, phase, message.clone()))
            .await
            .map(|_| ())
    }

    /// Changes what the clone made (the typed section).
    pub async fn update_clones<F>(&self, change: F) -> Result<()>
    where
        F: Fn(&mut Clones),
    {
        let mut want = self.snapshot().await.clones;
        change(&mut want);
        if self.snapshot().await.clones == want {
            return Ok(());
        }
        self.update(|r| change(&mut r.clones)).await.map(|_| ())
    }

    /// Records one fact about a step (an ARN of a helper resource, a counter).
    pub async fn detail(&self, key: &str, name: &str, value: serde_json::Value) -> Result<()> {
        if self
            .get(key)
            .await
            .is_some_and(|r| r.details.get(name) == Some(&value))
        {
            return Ok(());
        }
        self.update(|r| {
            if let Some(res) = r.resources.get_mut(key) {
                res.details.insert(name.to_string(), value.clone());
            }
        })
        .await
        .map(|_| ())
    }

    /// The recorded state of one step, if any.
    pub async fn get(&self, key: &str) -> Option<Resource> {
        self.state.lock().await.rec.resources.get(key).cloned()
    }

    pub async fn snapshot(&self) -> UpgradeRecord {
        self.state.lock().await.rec.clone()
    }

    /// Applies `change` and writes the record; on a conflict re-reads and applies it again.
    pub async fn update<F>(&self, change: F) -> Result<UpgradeRecord>
    where
        F: Fn(&mut UpgradeRecord),
    {
        let mut state = self.state.lock().await;
        let name = configmap_name(&self.green);
        for _ in 0..8 {
            let mut rec = state.rec.clone();
            change(&mut rec);
            rec.updated = now();
            match write(&state.api, &rec, state.resource_version.clone()).await? {
                Ok(written) => {
                    state.rec = rec.clone();
                    state.resource_version = written.metadata.resource_version;
                    return Ok(rec);
                }
                Err(kube::Error::Api(s)) if s.code == 409 => {
                    let fresh = state.api.get(&name).await.on(&state.at)?;
                    state.rec = parse(&fresh)?;
                    state.resource_version = fresh.metadata.resource_version;
                }
                Err(e) => return Err(Error::from(e).on(&state.at)),
            }
        }
        Err(Error::failed(format!(
            "the upgrade record {NAMESPACE}/{name} of {} kept changing under us; try again",
            self.blue
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configmap_names_are_dns_labels() {
        assert_eq!(configmap_name("green"), "kf-upgrade-green");
        assert_eq!(configmap_name("Green_2"), "kf-upgrade-green-2");
        let arn =
            "arn:aws:eks:us-east-1:123456789012:cluster/kubeflow-green-with-a-rather-long-name";
        let n = configmap_name(arn);
        assert!(n.len() <= 63, "{n}");
        assert!(n.starts_with("kf-upgrade-"));
        assert!(
            n.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        );
        assert_ne!(n, configmap_name(&arn.replace("green", "gre3n")));
        assert!(label_value(arn).len() <= 63);
    }

    #[test]
    fn a_record_of_0_1_0_reads_its_clones_from_the_step_details() {
        let text = "blue: blue\ngreen: green\nresources:\n  rds.snapshot:\n    kind: DBSnapshot\n    id: kf-green-db-r1\n    phase: Completed\n    updated: t\n    details: {generation: 1}\n  rds.instance:\n    kind: DBInstance\n    id: db-green\n    phase: Completed\n    updated: t\n    details: {host: db-green.x, fromSnapshot: kf-green-db-r1}\n  rds.secret:\n    kind: Secret\n    id: rds-secret-green\n    phase: Completed\n    updated: t\n    details: {from: rds-secret}\n  s3.bucket:\n    kind: S3Bucket\n    id: b-green\n    phase: Completed\n    updated: t\n  efs.execution:\n    kind: DataSyncExecution\n    id: x\n    phase: Completed\n    updated: t\n    details: {from: fs-b, to: fs-g}\n";
        let cm = ConfigMap {
            data: Some(BTreeMap::from([(DATA_KEY.to_string(), text.to_string())])),
            ..Default::default()
        };
        let c = parse(&cm).unwrap().clones;
        let db = c.db.unwrap();
        assert_eq!(db.generation, 1);
        assert_eq!(db.host.as_deref(), Some("db-green.x"));
        assert_eq!(db.restored_from.as_deref(), Some("kf-green-db-r1"));
        assert_eq!(db.secret.unwrap().from, "rds-secret");
        assert_eq!(c.bucket.unwrap().name, "b-green");
        assert_eq!(c.efs.unwrap().to, "fs-g");
    }

    fn moved(blue: &str, to: Option<&str>) -> UpgradeRecord {
        UpgradeRecord {
            moved_to: to.map(str::to_string),
            ..UpgradeRecord::new(blue, "green")
        }
    }

    #[test]
    fn blues_copy_is_the_record_until_it_says_it_moved_to_green() {
        let here = moved("blue", None);
        // Not moved: blue's, whatever green holds (a stopped retire-blue's copy is redone).
        let b = BlueCopy::Found(&here);
        assert!(!b.needs_green("green"));
        for g in [None, Some(&here), Some(&moved("blue", Some("green")))] {
            assert_eq!(authority(b, g, "blue", "green"), Authority::Blue);
        }
        // Moved to another green than this one: still this upgrade's blue copy.
        let elsewhere = moved("blue", Some("green-2"));
        assert_eq!(
            authority(BlueCopy::Found(&elsewhere), None, "blue", "green"),
            Authority::Blue
        );
    }

    #[test]
    fn greens_copy_is_the_record_once_moved_there_also_when_blue_is_gone() {
        let there = moved("blue", Some("green"));
        let marked = moved("blue", Some("green"));
        for b in [
            BlueCopy::Found(&marked),
            BlueCopy::Missing,
            BlueCopy::Unreachable,
        ] {
            assert!(b.needs_green("green"));
            assert_eq!(
                authority(b, Some(&there), "blue", "green"),
                Authority::Green
            );
        }
        // A copy on green that retire-blue did not move there is not the record: unmarked, of
        // another blue, or marked for another green.
        for other in [
            moved("blue", None),
            moved("other", Some("green")),
            moved("blue", Some("green-2")),
        ] {
            assert_eq!(
                authority(BlueCopy::Missing, Some(&other), "blue", "green"),
                Authority::New
            );
            assert_eq!(
                authority(BlueCopy::Unreachable, Some(&other), "blue", "green"),
                Authority::Unreachable
            );
            assert_eq!(
                authority(BlueCopy::Found(&marked), Some(&other), "blue", "green"),
                Authority::Lost
            );
        }
        assert_eq!(
            authority(BlueCopy::Missing, None, "blue", "green"),
            Authority::New
        );
        assert_eq!(
            authority(BlueCopy::Unreachable, None, "blue", "green"),
            Authority::Unreachable
        );
        assert_eq!(
            authority(BlueCopy::Found(&marked), None, "blue", "green"),
            Authority::Lost
        );
    }

    #[test]
    fn moved_to_round_trips_and_is_absent_until_set() {
        let r = moved("blue", Some("green"));
        let text = serde_yaml::to_string(&r).unwrap();
        assert!(text.contains("movedTo: green"), "{text}");
        let back = parse(&to_configmap(&r, None).unwrap()).unwrap();
        assert_eq!(back.moved_to.as_deref(), Some("green"));
        let plain = serde_yaml::to_string(&moved("blue", None)).unwrap();
        assert!(!plain.contains("movedTo"), "{plain}");
    }

    #[test]
    fn record_round_trips_and_keeps_unknown_sections() {
        let mut r = UpgradeRecord::new("blue", "green");
        r.set(
            "rds.snapshot",
            "DBSnapshot",
            "snap-1",
            Phase::InProgress,
            None,
        );
        r.other
            .insert("cutover".into(), serde_json::json!({"dns": {"name": "x"}}));
        let cm = to_configmap(&r, None).unwrap();
        let back = parse(&cm).unwrap();
        assert_eq!(back, r);
        assert_eq!(back.resources["rds.snapshot"].id, "snap-1");
    }
}
