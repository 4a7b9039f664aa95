//! The upgrade record: durable, shared state of one blue/green upgrade.
//!
//! A ConfigMap `kf-upgrade-<green>` in blue's `kubeflow` namespace holds blue, green, every AWS
//! resource the suite created (id and phase), and what cutover changed with the previous values.
//! Writes are read-modify-write with the ConfigMap's resourceVersion, retried on conflict, so
//! concurrent steps (and concurrent runs) never lose each other's updates.

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
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), NAMESPACE);
    let lp =
        ListParams::default().labels(&format!("{LABEL_MANAGED_BY}={MANAGED_BY},{UPGRADE_TAG}"));
    let cms = match api.list(&lp).await {
        Ok(l) => l.items,
        Err(e) if namespace_missing(&e) => return Err(no_kubeflow(blue)),
        Err(e) => return Err(Error::from(e).on(blue)),
    };
    let mut records: Vec<UpgradeRecord> = cms.iter().map(parse).collect::<Result<_>>()?;
    records.retain(|r| r.blue == blue);
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

/// A handle on one record for a run: every update is written through at once.
pub struct RecordStore {
    api: Api<ConfigMap>,
    blue: String,
    green: String,
    state: Mutex<(UpgradeRecord, Option<String>)>,
}

impl RecordStore {
    /// Opens the record of `blue` -> `green`. Nothing is written here: a record that does not
    /// exist yet is created by the first step that records something, so a command refused for
    /// its input leaves no record behind. Blue must have the namespace the record lives in.
    pub async fn open(client: &Client, blue: &str, green: &str) -> Result<Self> {
        let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(client.clone());
        if namespaces.get_opt(NAMESPACE).await.on(blue)?.is_none() {
            return Err(no_kubeflow(blue));
        }
        let api: Api<ConfigMap> = Api::namespaced(client.clone(), NAMESPACE);
        let name = configmap_name(green);
        let state = match api.get_opt(&name).await {
            Ok(Some(cm)) => {
                let rec = parse(&cm)?;
                if rec.blue != blue {
                    return Err(Error::usage(
                        format!(
                            "{NAMESPACE}/{name} records an upgrade of \"{}\" to \"{green}\", not of \"{blue}\"",
                            rec.blue
                        ),
                        "pass the matching --from",
                    ));
                }
                (rec, cm.metadata.resource_version)
            }
            Ok(None) => (UpgradeRecord::new(blue, green), None),
            Err(e) if namespace_missing(&e) => return Err(no_kubeflow(blue)),
            Err(e) => return Err(Error::from(e).on(blue)),
        };
        Ok(Self {
            api,
            blue: blue.to_string(),
            green: green.to_string(),
            state: Mutex::new(state),
        })
    }

    /// Whether the record exists in blue's cluster (it is created by the first recorded step).
    pub async fn exists(&self) -> bool {
        self.state.lock().await.1.is_some()
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
        self.state.lock().await.0.resources.get(key).cloned()
    }

    pub async fn snapshot(&self) -> UpgradeRecord {
        self.state.lock().await.0.clone()
    }

    /// Applies `change` and writes the record; on a conflict re-reads and applies it again.
    pub async fn update<F>(&self, change: F) -> Result<UpgradeRecord>
    where
        F: Fn(&mut UpgradeRecord),
    {
        let mut state = self.state.lock().await;
        for _ in 0..8 {
            let mut rec = state.0.clone();
            change(&mut rec);
            rec.updated = now();
            let cm = to_configmap(&rec, state.1.clone())?;
            let result = if state.1.is_some() {
                self.api
                    .replace(&configmap_name(&self.green), &PostParams::default(), &cm)
                    .await
            } else {
                self.api.create(&PostParams::default(), &cm).await
            };
            match result {
                Ok(written) => {
                    *state = (rec.clone(), written.metadata.resource_version);
                    return Ok(rec);
                }
                Err(kube::Error::Api(s)) if s.code == 409 => {
                    let fresh = self
                        .api
                        .get(&configmap_name(&self.green))
                        .await
                        .on(&self.blue)?;
                    *state = (parse(&fresh)?, fresh.metadata.resource_version);
                }
                Err(e) => return Err(Error::from(e).on(&self.blue)),
            }
        }
        Err(Error::failed(format!(
            "the upgrade record {NAMESPACE}/{} of {} kept changing under us; try again",
            configmap_name(&self.green),
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
