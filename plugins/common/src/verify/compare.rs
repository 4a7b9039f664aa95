//! The decisions of `kubectl kf verify`: what blue has that green must have, item by item.
//! Pure: unit-tested without an emulator.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

/// One object of a bucket: its size and ETag.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Object {
    pub size: i64,
    pub etag: String,
}

/// A bucket as listed (ListObjectsV2, every page).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Listing {
    pub bucket: String,
    pub objects: BTreeMap<String, Object>,
}

/// Where a claim's volume lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Volume {
    /// An EFS CSI volume: the file system and the path (or access point) in it.
    Efs { fs: String, path: String },
    /// An EBS CSI volume.
    Ebs { volume: String },
    /// Anything else (or not bound to a PV that says).
    Other(String),
}

/// A claim's state: bound or not, and to what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    pub bound: bool,
    pub volume: Option<Volume>,
}

/// One Kubeflow user object (Profile, PVC, PodDefault, Notebook, contributor RoleBinding).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KubeObject {
    pub kind: String,
    /// Empty for cluster-scoped objects (Profile).
    pub namespace: String,
    pub name: String,
    /// For a PersistentVolumeClaim.
    pub claim: Option<Claim>,
}

impl KubeObject {
    fn key(&self) -> (String, String, String) {
        (self.kind.clone(), self.namespace.clone(), self.name.clone())
    }

    fn id(&self) -> String {
        if self.namespace.is_empty() {
            format!("{}/{}", self.kind, self.name)
        } else {
            format!("{}/{}/{}", self.kind, self.namespace, self.name)
        }
    }
}

/// A service account of blue annotated with an IRSA role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceAccountRole {
    /// `namespace/name`.
    pub service_account: String,
    pub role_arn: String,
}

/// Green's role for one of blue's, as found in IAM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GreenRoleFound {
    pub blue: String,
    pub green: String,
    pub exists: bool,
    /// Whether one of its policies (inline or attached) names green's bucket.
    pub names_green_bucket: bool,
}

/// The DataSync execution that copied blue's file system (DescribeTaskExecution).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EfsExecution {
    pub arn: String,
    pub status: String,
    /// DataSync's count of what it found to copy on blue (its prepare phase).
    pub estimated_files: i64,
    pub estimated_bytes: i64,
    pub files_transferred: i64,
    pub bytes_transferred: i64,
    pub files_verified: i64,
}

/// Blue's database as the clone took it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlueDb {
    pub instance: String,
    /// Blue's DB snapshots the clone took (id, created), newest last.
    pub snapshots: Vec<(String, String)>,
}

/// Green's database: the record's `clones.db`, the snapshot and instance as RDS describes
/// them, and where green's Kubeflow points.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GreenDb {
    pub instance: String,
    pub generation: u32,
    pub restored_from: Option<String>,
    /// The snapshot's source instance and creation time (DescribeDBSnapshots).
    pub snapshot_source: Option<String>,
    pub snapshot_time: Option<String>,
    /// Green's instance endpoint (DescribeDBInstances), None when it is gone.
    pub endpoint: Option<String>,
    /// `dbHost` and `mysqlHost` of green's `kubeflow/pipeline-install-config`.
    pub db_host: Option<String>,
    pub mysql_host: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Blue {
    pub db: BlueDb,
    pub bucket: Option<Listing>,
    pub objects: Vec<KubeObject>,
    pub service_accounts: Vec<ServiceAccountRole>,
    /// Blue's file system id and its metered size (DescribeFileSystems SizeInBytes.Value).
    pub efs: Option<(String, i64)>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Green {
    pub db: Option<GreenDb>,
    pub bucket: Option<Listing>,
    pub objects: Vec<KubeObject>,
    pub roles: Vec<GreenRoleFound>,
    /// Green's file system id.
    pub efs: Option<String>,
    pub efs_execution: Option<EfsExecution>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Status {
    Carried,
    Missing,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Layer {
    Db,
    Bucket,
    Efs,
    Kubernetes,
    Iam,
}

impl Layer {
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Db => "db",
            Layer::Bucket => "bucket",
            Layer::Efs => "efs",
            Layer::Kubernetes => "k8s",
            Layer::Iam => "iam",
        }
    }
}

/// One thing blue has and whether green has it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    pub status: Status,
    pub layer: Layer,
    pub name: String,
    pub detail: String,
    /// Objects only blue's bucket has (the first [`BLUE_ONLY_LISTED`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub only_blue: Vec<String>,
}

/// How many of the objects only blue has are listed.
pub const BLUE_ONLY_LISTED: usize = 20;

fn item(ok: bool, layer: Layer, name: impl Into<String>, detail: impl Into<String>) -> Item {
    Item {
        status: if ok { Status::Carried } else { Status::Missing },
        layer,
        name: name.into(),
        detail: detail.into(),
        only_blue: Vec::new(),
    }
}

/// The sample of blue's keys whose ETags are compared: `n` keys spread evenly over blue's
/// listing in key order (every `len/n`-th key, from the first), so two runs compare the same
/// objects and a sample covers every prefix in proportion to its size.
pub fn sample(keys: &[&String], n: usize) -> Vec<String> {
    if n == 0 || keys.is_empty() {
        return Vec::new();
    }
    if keys.len() <= n {
        return keys.iter().map(|k| k.to_string()).collect();
    }
    (0..n)
        .map(|i| keys[i * keys.len() / n].to_string())
        .collect()
}

/// The top-level prefix of a key (`pipelines/a/b` -> `pipelines/`; `x` -> `x`).
fn prefix(key: &str) -> String {
    match key.find('/') {
        Some(i) => key[..=i].to_string(),
        None => key.to_string(),
    }
}

fn totals(l: &Listing) -> BTreeMap<String, (u64, i64)> {
    let mut out: BTreeMap<String, (u64, i64)> = BTreeMap::new();
    for (k, o) in &l.objects {
        let e = out.entry(prefix(k)).or_default();
        e.0 += 1;
        e.1 += o.size;
    }
    out
}

fn db(blue: &Blue, green: &Green) -> Item {
    const N: &str = "database";
    let Some(g) = &green.db else {
        return item(
            false,
            Layer::Db,
            N,
            "no clone of blue's database is recorded: run kubectl kf clone",
        );
    };
    let Some(snap) = &g.restored_from else {
        return item(
            false,
            Layer::Db,
            N,
            format!(
                "green's instance {} was not restored from a snapshot of blue",
                g.instance
            ),
        );
    };
    let mut problems = Vec::new();
    if g.snapshot_source.as_deref() != Some(blue.db.instance.as_str()) {
        problems.push(format!(
            "snapshot {snap} is not of blue's instance {} ({})",
            blue.db.instance,
            g.snapshot_source.as_deref().unwrap_or("not found")
        ));
    }
    if let Some((latest, _)) = blue.db.snapshots.last()
        && latest != snap
    {
        problems.push(format!(
            "green was restored from {snap}, not the latest snapshot of blue {latest}: run kubectl kf clone --resync"
        ));
    }
    match &g.endpoint {
        None => problems.push(format!("green's instance {} is not available", g.instance)),
        Some(host) => {
            for (key, v) in [("dbHost", &g.db_host), ("mysqlHost", &g.mysql_host)] {
                // mysqlHost is optional in pipeline-install-config; dbHost is not.
                if v.is_none() && key == "mysqlHost" {
                    continue;
                }
                if v.as_deref() != Some(host.as_str()) {
                    problems.push(format!(
                        "green's pipeline-install-config {key} is {}, not {host}",
                        v.as_deref().unwrap_or("unset")
                    ));
                }
            }
        }
    }
    let at = g.snapshot_time.as_deref().unwrap_or("?");
    if problems.is_empty() {
        item(
            true,
            Layer::Db,
            N,
            format!(
                "{} restored from {snap} of {} taken {at} (generation {}); Kubeflow points at it",
                g.instance, blue.db.instance, g.generation
            ),
        )
    } else {
        item(false, Layer::Db, N, problems.join("; "))
    }
}

fn bucket(blue: &Blue, green: &Green, sample_n: usize) -> Vec<Item> {
    let (Some(b), Some(g)) = (&blue.bucket, &green.bucket) else {
        return vec![item(
            false,
            Layer::Bucket,
            "bucket",
            "no clone of blue's bucket is recorded: run kubectl kf clone",
        )];
    };
    let (bt, gt) = (totals(b), totals(g));
    let mut out: Vec<Item> = bt
        .iter()
        .map(|(p, (n, bytes))| {
            let (gn, gbytes) = gt.get(p).copied().unwrap_or_default();
            let ok = gn >= *n && gbytes >= *bytes;
            item(
                ok,
                Layer::Bucket,
                p.clone(),
                format!("blue {n} objects {bytes} B, green {gn} objects {gbytes} B"),
            )
        })
        .collect();
    let only_blue: Vec<String> = b
        .objects
        .keys()
        .filter(|k| !g.objects.contains_key(*k))
        .cloned()
        .collect();
    if !only_blue.is_empty() {
        let mut it = item(
            false,
            Layer::Bucket,
            "only on blue",
            format!(
                "{} object(s) only blue has: {}{}",
                only_blue.len(),
                only_blue
                    .iter()
                    .take(BLUE_ONLY_LISTED)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
                if only_blue.len() > BLUE_ONLY_LISTED {
                    ", ..."
                } else {
                    ""
                }
            ),
        );
        it.only_blue = only_blue.into_iter().take(BLUE_ONLY_LISTED).collect();
        out.push(it);
    }
    let keys: Vec<&String> = b.objects.keys().collect();
    let picked = sample(&keys, sample_n);
    if !picked.is_empty() {
        let differ: Vec<&String> = picked
            .iter()
            .filter(|k| g.objects.get(*k).map(|o| &o.etag) != b.objects.get(*k).map(|o| &o.etag))
            .collect();
        out.push(item(
            differ.is_empty(),
            Layer::Bucket,
            "etag sample",
            if differ.is_empty() {
                format!(
                    "{} of {} objects: same ETag on green",
                    picked.len(),
                    keys.len()
                )
            } else {
                format!(
                    "{} of {} sampled objects differ or are missing on green: {}",
                    differ.len(),
                    picked.len(),
                    differ
                        .iter()
                        .take(BLUE_ONLY_LISTED)
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
        ));
    }
    out
}

fn efs(blue: &Blue, green: &Green) -> Item {
    const N: &str = "file system";
    let Some((fs, size)) = &blue.efs else {
        return item(true, Layer::Efs, N, "blue has no EFS file system to copy");
    };
    let Some(x) = &green.efs_execution else {
        return item(
            false,
            Layer::Efs,
            N,
            format!("no DataSync execution copied {fs}: run kubectl kf clone"),
        );
    };
    let ok = x.status == "SUCCESS"
        && x.files_verified >= x.estimated_files
        && x.bytes_transferred >= x.estimated_bytes;
    item(
        ok,
        Layer::Efs,
        N,
        format!(
            "DataSync {}: verified {} of {} files, {} of {} B found on {fs} (metered size {size} B)",
            x.status, x.files_verified, x.estimated_files, x.bytes_transferred, x.estimated_bytes
        ),
    )
}

fn claim_detail(blue: &Claim, green: Option<&Claim>, green_fs: Option<&str>) -> (bool, String) {
    let Some(g) = green else {
        return (false, "not on green".into());
    };
    if !g.bound {
        return (false, "on green but not bound".into());
    }
    match (&blue.volume, &g.volume) {
        (Some(Volume::Efs { path, .. }), Some(Volume::Efs { fs, path: gp })) => {
            if Some(fs.as_str()) != green_fs {
                (
                    false,
                    format!(
                        "bound to {fs}, not green's file system {}",
                        green_fs.unwrap_or("(none)")
                    ),
                )
            } else if path != gp {
                (
                    false,
                    format!("bound to {fs}:{gp}, not the cloned path {path}"),
                )
            } else {
                (true, format!("bound to {fs}:{gp}"))
            }
        }
        (Some(Volume::Efs { .. }), other) => (
            false,
            format!("bound to {}, not green's EFS", describe(other.as_ref())),
        ),
        (Some(Volume::Ebs { volume: bv }), Some(Volume::Ebs { volume })) => {
            if bv == volume {
                (false, format!("bound to blue's own EBS volume {volume}"))
            } else {
                (true, format!("bound to EBS volume {volume}"))
            }
        }
        (_, v) => (true, format!("bound to {}", describe(v.as_ref()))),
    }
}

fn describe(v: Option<&Volume>) -> String {
    match v {
        Some(Volume::Efs { fs, path }) => format!("{fs}:{path}"),
        Some(Volume::Ebs { volume }) => volume.clone(),
        Some(Volume::Other(s)) => s.clone(),
        None => "no volume".into(),
    }
}

fn kubernetes(blue: &Blue, green: &Green) -> Vec<Item> {
    let on_green: BTreeMap<_, &KubeObject> = green.objects.iter().map(|o| (o.key(), o)).collect();
    let mut blue_objects: Vec<&KubeObject> = blue.objects.iter().collect();
    blue_objects.sort_by_key(|o| o.key());
    blue_objects
        .into_iter()
        .map(|o| {
            let g = on_green.get(&o.key());
            let (ok, detail) = match (&o.claim, g) {
                (Some(c), g) => {
                    claim_detail(c, g.and_then(|g| g.claim.as_ref()), green.efs.as_deref())
                }
                (None, Some(_)) => (true, "on green".to_string()),
                (None, None) => (false, "not on green".to_string()),
            };
            item(ok, Layer::Kubernetes, o.id(), detail)
        })
        .collect()
}

fn iam(blue: &Blue, green: &Green) -> Vec<Item> {
    let mut by_role: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for sa in &blue.service_accounts {
        by_role
            .entry(sa.role_arn.as_str())
            .or_default()
            .insert(sa.service_account.as_str());
    }
    let bucket = green
        .bucket
        .as_ref()
        .map(|b| b.bucket.as_str())
        .unwrap_or("?");
    by_role
        .into_iter()
        .map(|(role, sas)| {
            let users = sas.into_iter().collect::<Vec<_>>().join(", ");
            let name = role.rsplit('/').next().unwrap_or(role).to_string();
            let (ok, detail) = match green.roles.iter().find(|r| r.blue == role) {
                None => (
                    false,
                    format!("no green role stands in for it (used by {users})"),
                ),
                Some(r) if !r.exists => (false, format!("green's role {} does not exist", r.green)),
                Some(r) if !r.names_green_bucket => (
                    false,
                    format!(
                        "green's role {} has no policy naming green's bucket {bucket}",
                        r.green
                    ),
                ),
                Some(r) => (
                    true,
                    format!(
                        "{} can use {bucket} (used by {users})",
                        r.green.rsplit('/').next().unwrap_or(&r.green)
                    ),
                ),
            };
            item(ok, Layer::Iam, name, detail)
        })
        .collect()
}

/// Every item blue has, and whether green carries it.
pub fn compare(blue: &Blue, green: &Green, sample_n: usize) -> Vec<Item> {
    let mut out = vec![db(blue, green)];
    out.extend(bucket(blue, green, sample_n));
    out.push(efs(blue, green));
    out.extend(kubernetes(blue, green));
    out.extend(iam(blue, green));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(kind: &str, ns: &str, name: &str) -> KubeObject {
        KubeObject {
            kind: kind.into(),
            namespace: ns.into(),
            name: name.into(),
            claim: None,
        }
    }

    fn claim(ns: &str, name: &str, bound: bool, volume: Volume) -> KubeObject {
        KubeObject {
            claim: Some(Claim {
                bound,
                volume: Some(volume),
            }),
            ..obj("PersistentVolumeClaim", ns, name)
        }
    }

    fn efs(fs: &str, path: &str) -> Volume {
        Volume::Efs {
            fs: fs.into(),
            path: path.into(),
        }
    }

    fn listing(bucket: &str, objects: &[(&str, i64, &str)]) -> Listing {
        Listing {
            bucket: bucket.into(),
            objects: objects
                .iter()
                .map(|(k, s, e)| {
                    (
                        k.to_string(),
                        Object {
                            size: *s,
                            etag: e.to_string(),
                        },
                    )
                })
                .collect(),
        }
    }

    /// A blue with one of everything, and a green that carried it all.
    fn carried() -> (Blue, Green) {
        let objects = vec![
            obj("Profile", "", "alice"),
            obj("PodDefault", "alice", "access-ml-pipeline"),
            obj("Notebook", "alice", "nb"),
            obj("RoleBinding", "alice", "user-bob-clusterrole-edit"),
        ];
        let blue = Blue {
            db: BlueDb {
                instance: "kf-db".into(),
                snapshots: vec![("kf-green-db".into(), "2026-12-01T10:00:00Z".into())],
            },
            bucket: Some(listing(
                "blue-bkt",
                &[
                    ("pipelines/a", 10, "e1"),
                    ("pipelines/b", 5, "e2"),
                    ("x", 1, "e3"),
                ],
            )),
            objects: {
                let mut o = objects.clone();
                o.push(claim("alice", "ws", true, efs("fs-blue", "/alice")));
                o.push(claim(
                    "alice",
                    "ebs",
                    true,
                    Volume::Ebs {
                        volume: "vol-blue".into(),
                    },
                ));
                o
            },
            service_accounts: vec![ServiceAccountRole {
                service_account: "alice/default-editor".into(),
                role_arn: "arn:aws:iam::1:role/kf-blue-user".into(),
            }],
            efs: Some(("fs-blue".into(), 4096)),
        };
        let green = Green {
            db: Some(GreenDb {
                instance: "kf-green-db".into(),
                generation: 0,
                restored_from: Some("kf-green-db".into()),
                snapshot_source: Some("kf-db".into()),
                snapshot_time: Some("2026-12-01T10:00:00Z".into()),
                endpoint: Some("green.rds".into()),
                db_host: Some("green.rds".into()),
                mysql_host: None,
            }),
            bucket: Some(listing(
                "green-bkt",
                &[
                    ("pipelines/a", 10, "e1"),
                    ("pipelines/b", 5, "e2"),
                    ("x", 1, "e3"),
                ],
            )),
            objects: {
                let mut o = objects;
                o.push(claim("alice", "ws", true, efs("fs-green", "/alice")));
                o.push(claim(
                    "alice",
                    "ebs",
                    true,
                    Volume::Ebs {
                        volume: "vol-green".into(),
                    },
                ));
                o
            },
            roles: vec![GreenRoleFound {
                blue: "arn:aws:iam::1:role/kf-blue-user".into(),
                green: "arn:aws:iam::1:role/kf-green-user".into(),
                exists: true,
                names_green_bucket: true,
            }],
            efs: Some("fs-green".into()),
            efs_execution: Some(EfsExecution {
                arn: "arn:exec".into(),
                status: "SUCCESS".into(),
                estimated_files: 3,
                estimated_bytes: 30,
                files_transferred: 3,
                bytes_transferred: 30,
                files_verified: 3,
            }),
        };
        (blue, green)
    }

    fn missing(items: &[Item]) -> Vec<String> {
        items
            .iter()
            .filter(|i| i.status == Status::Missing)
            .map(|i| format!("{} {}", i.layer.as_str(), i.name))
            .collect()
    }

    #[test]
    fn everything_carried_is_all_carried() {
        let (b, g) = carried();
        let items = compare(&b, &g, 10);
        assert_eq!(missing(&items), Vec::<String>::new(), "{items:#?}");
        // db, 2 prefixes, etag sample, efs, 4 objects + 2 claims, 1 role.
        assert_eq!(items.len(), 12);
    }

    #[test]
    fn an_object_green_lacks_is_named() {
        let (b, mut g) = carried();
        g.objects.retain(|o| o.kind != "Notebook");
        assert_eq!(missing(&compare(&b, &g, 10)), ["k8s Notebook/alice/nb"]);
    }

    #[test]
    fn a_green_profile_is_not_needed_that_blue_lacks_but_blues_are() {
        let (b, mut g) = carried();
        g.objects.push(obj("Profile", "", "only-green"));
        assert!(missing(&compare(&b, &g, 10)).is_empty());
        g.objects.retain(|o| o.kind != "Profile");
        assert_eq!(missing(&compare(&b, &g, 10)), ["k8s Profile/alice"]);
    }

    #[test]
    fn an_object_only_blue_has_is_listed_with_its_prefix_short() {
        let (b, mut g) = carried();
        g.bucket.as_mut().unwrap().objects.remove("pipelines/b");
        let items = compare(&b, &g, 10);
        assert_eq!(
            missing(&items),
            [
                "bucket pipelines/",
                "bucket only on blue",
                "bucket etag sample"
            ]
        );
        let only = items.iter().find(|i| i.name == "only on blue").unwrap();
        assert_eq!(only.only_blue, ["pipelines/b"]);
    }

    #[test]
    fn only_the_first_twenty_objects_only_blue_has_are_listed() {
        let (mut b, g) = carried();
        let l = b.bucket.as_mut().unwrap();
        for i in 0..25 {
            l.objects.insert(format!("new/{i:02}"), Object::default());
        }
        let items = compare(&b, &g, 0);
        let only = items.iter().find(|i| i.name == "only on blue").unwrap();
        assert_eq!(only.only_blue.len(), BLUE_ONLY_LISTED);
        assert!(only.detail.starts_with("25 object(s)") && only.detail.ends_with(", ..."));
        // --sample 0 compares no ETags.
        assert!(!items.iter().any(|i| i.name == "etag sample"));
    }

    #[test]
    fn a_changed_etag_in_the_sample_is_missing() {
        let (b, mut g) = carried();
        g.bucket
            .as_mut()
            .unwrap()
            .objects
            .get_mut("x")
            .unwrap()
            .etag = "other".into();
        assert_eq!(missing(&compare(&b, &g, 10)), ["bucket etag sample"]);
    }

    #[test]
    fn the_sample_is_spread_evenly_and_deterministic() {
        let keys: Vec<String> = (0..10).map(|i| format!("k{i}")).collect();
        let refs: Vec<&String> = keys.iter().collect();
        assert_eq!(sample(&refs, 3), ["k0", "k3", "k6"]);
        assert_eq!(sample(&refs, 20).len(), 10);
        assert!(sample(&refs, 0).is_empty());
    }

    #[test]
    fn a_claim_must_be_bound_to_the_cloned_path_on_greens_file_system() {
        let (b, mut g) = carried();
        let set = |g: &mut Green, bound: bool, v: Volume| {
            let c = g.objects.iter_mut().find(|o| o.name == "ws").unwrap();
            c.claim = Some(Claim {
                bound,
                volume: Some(v),
            });
        };
        set(&mut g, false, efs("fs-green", "/alice"));
        assert_eq!(
            missing(&compare(&b, &g, 10)),
            ["k8s PersistentVolumeClaim/alice/ws"]
        );
        set(&mut g, true, efs("fs-blue", "/alice"));
        assert_eq!(
            missing(&compare(&b, &g, 10)),
            ["k8s PersistentVolumeClaim/alice/ws"]
        );
        set(&mut g, true, efs("fs-green", "/other"));
        assert_eq!(
            missing(&compare(&b, &g, 10)),
            ["k8s PersistentVolumeClaim/alice/ws"]
        );
        set(&mut g, true, efs("fs-green", "/alice"));
        assert!(missing(&compare(&b, &g, 10)).is_empty());
    }

    #[test]
    fn an_ebs_claim_bound_to_blues_own_volume_is_not_carried() {
        let (b, mut g) = carried();
        let c = g.objects.iter_mut().find(|o| o.name == "ebs").unwrap();
        c.claim = Some(Claim {
            bound: true,
            volume: Some(Volume::Ebs {
                volume: "vol-blue".into(),
            }),
        });
        assert_eq!(
            missing(&compare(&b, &g, 10)),
            ["k8s PersistentVolumeClaim/alice/ebs"]
        );
    }

    #[test]
    fn the_db_must_come_from_the_latest_snapshot_of_blue_and_be_used() {
        let (mut b, mut g) = carried();
        b.db.snapshots
            .push(("kf-green-db-r1".into(), "2026-12-01T11:00:00Z".into()));
        let items = compare(&b, &g, 10);
        assert_eq!(missing(&items), ["db database"]);
        assert!(items[0].detail.contains("--resync"), "{}", items[0].detail);
        b.db.snapshots.pop();
        g.db.as_mut().unwrap().db_host = Some("blue.rds".into());
        let items = compare(&b, &g, 10);
        assert!(
            items[0].detail.contains("dbHost is blue.rds"),
            "{}",
            items[0].detail
        );
        g.db.as_mut().unwrap().db_host = Some("green.rds".into());
        g.db.as_mut().unwrap().mysql_host = Some("blue.rds".into());
        assert_eq!(missing(&compare(&b, &g, 10)), ["db database"]);
        g.db = None;
        assert_eq!(missing(&compare(&b, &g, 10)), ["db database"]);
    }

    #[test]
    fn an_efs_copy_that_verified_fewer_files_than_it_found_is_missing() {
        let (b, mut g) = carried();
        g.efs_execution.as_mut().unwrap().files_verified = 2;
        assert_eq!(missing(&compare(&b, &g, 10)), ["efs file system"]);
        g.efs_execution = None;
        assert_eq!(missing(&compare(&b, &g, 10)), ["efs file system"]);
    }

    #[test]
    fn a_role_needs_a_green_counterpart_that_names_greens_bucket() {
        let (b, mut g) = carried();
        g.roles[0].names_green_bucket = false;
        let items = compare(&b, &g, 10);
        assert_eq!(missing(&items), ["iam kf-blue-user"]);
        assert!(items.last().unwrap().detail.contains("green-bkt"));
        g.roles[0].exists = false;
        assert_eq!(missing(&compare(&b, &g, 10)), ["iam kf-blue-user"]);
        g.roles.clear();
        assert_eq!(missing(&compare(&b, &g, 10)), ["iam kf-blue-user"]);
    }
}
