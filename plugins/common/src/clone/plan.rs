//! The clone's plan as a value: what each step will do, decided from what was observed (the
//! record and AWS as they are), the names the steps use ([`Targets`], computed once) and the
//! flags. [`plan`] is pure: `--dry-run` and `-o json` print its result, and the run executes
//! exactly its steps (a step planned `done` or `skip` is not touched).

use serde::Serialize;

use super::discover::{BlueStorage, DbSettings};
use super::{datasync, efs, rds, s3};
use crate::error::{Error, Result};
use crate::record::Phase;

/// What a step does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Make it; it does not exist.
    Create,
    /// Make sure it is as it should be (create or fix it).
    Ensure,
    /// It exists and is used as it is.
    Use,
    /// It was started and is waited for.
    Resume,
    /// It failed; run it again.
    Retry,
    /// It exists but is replaced (a resync approved with --yes).
    Replace,
    /// Run it (a copy, once more on a resync).
    Run,
    /// Already as it should be: nothing to do.
    Done,
    /// Not done by this run; the reason says why.
    Skip,
}

impl Action {
    /// Whether the run executes the step.
    pub fn executes(self) -> bool {
        !matches!(self, Action::Done | Action::Skip | Action::Use)
    }
}

/// One line of the plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    pub layer: &'static str,
    /// The record key of the step (`rds.snapshot`).
    pub key: String,
    pub kind: &'static str,
    pub name: String,
    pub action: Action,
    pub reason: String,
}

/// The steps as a table that reads on 80 columns: key, action, then kind, name and reason.
pub fn steps_table(steps: &[Step]) -> String {
    crate::output::wrapped_table(
        &["STEP", "ACTION", "WHAT AND WHY"],
        steps.iter().map(|p| {
            [
                p.key.clone(),
                serde_json::to_value(p.action)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                format!("{} {}\n  {}", p.kind, p.name, p.reason),
            ]
        }),
    )
}

/// The steps of one layer, as its stream executes them.
pub fn action_of(steps: &[Step], key: &str) -> Action {
    steps
        .iter()
        .find(|s| s.key == key)
        .map(|s| s.action)
        .unwrap_or(Action::Skip)
}

/// The flags that change decisions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flags {
    pub resync: bool,
    pub yes: bool,
    /// Green took production traffic (the resync was allowed by --discard-green-writes).
    pub green_took_traffic: bool,
    /// Blue's writers are stopped (`kf cutover --freeze-blue`): nothing changes blue's bucket
    /// or file system while the copy runs.
    pub blue_frozen: bool,
    /// `--bandwidth`: MiB/s each DataSync copy may use.
    pub bandwidth: Option<u32>,
}

/// DataSync's check at the end of an execution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verify {
    /// Checks what this execution transferred, against checksums taken as it read them.
    OnlyFilesTransferred,
    /// Scans all of source and destination at the end: fails (ERROR) if the source changed
    /// while the execution ran.
    PointInTimeConsistent,
}

/// How the copies' executions run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CopyMode {
    pub verify: Verify,
    /// DataSync's `BytesPerSecond`; -1: no limit.
    pub bytes_per_second: i64,
}

impl CopyMode {
    fn describe(&self) -> String {
        let verify = match self.verify {
            Verify::OnlyFilesTransferred => "verify ONLY_FILES_TRANSFERRED (blue is live)",
            Verify::PointInTimeConsistent => "verify POINT_IN_TIME_CONSISTENT (blue is frozen)",
        };
        let limit = if self.bytes_per_second > 0 {
            format!("at most {} MiB/s", self.bytes_per_second / MIB)
        } else {
            "no bandwidth limit".to_string()
        };
        format!("{verify}, {limit}")
    }
}

const MIB: i64 = 1024 * 1024;

/// The copies' mode: blue keeps serving during a clone, so its files may change while DataSync
/// reads them, and a full point-in-time verification would end the execution in ERROR; only
/// the final resync of a frozen blue can be verified in full. `--bandwidth` (MiB/s) becomes
/// `BytesPerSecond`, so the copy does not starve production of its EFS throughput and bucket.
pub fn copy_mode(flags: Flags) -> CopyMode {
    CopyMode {
        verify: if flags.blue_frozen {
            Verify::PointInTimeConsistent
        } else {
            Verify::OnlyFilesTransferred
        },
        bytes_per_second: flags.bandwidth.map_or(-1, |m| i64::from(m) * MIB),
    }
}

/// Every name the clone's steps use, computed once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Targets {
    pub db: Option<rds::Targets>,
    pub bucket: Option<s3::Targets>,
    pub efs: Option<efs::Targets>,
}

impl Targets {
    /// `tag`: green as a name part; `generation`: the recorded resync generation of the DB.
    pub fn new(tag: &str, storage: &BlueStorage, generation: u32, flags: Flags) -> Self {
        let replace_db = flags.resync && flags.yes;
        Targets {
            db: storage.db.as_ref().map(|db| {
                rds::Targets::new(
                    tag,
                    db,
                    if flags.resync {
                        generation + 1
                    } else {
                        generation
                    },
                    replace_db && flags.green_took_traffic,
                )
            }),
            bucket: storage.bucket.as_ref().map(|b| s3::Targets::new(tag, b)),
            efs: storage.efs_id.as_ref().map(|fs| efs::Targets::new(tag, fs)),
        }
    }
}

/// A resource as observed: absent, or present with its status.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Seen {
    #[default]
    Absent,
    Present(String),
}

impl Seen {
    pub fn exists(&self) -> bool {
        matches!(self, Seen::Present(_))
    }
    fn is(&self, status: &str) -> bool {
        matches!(self, Seen::Present(s) if s == status)
    }
}

/// Who owns an existing green bucket (its upgrade tag).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Owner {
    #[default]
    Absent,
    /// Tagged for this upgrade, or untagged (a run killed right after creating it).
    Ours,
    /// Tagged for another upgrade.
    Other(String),
}

/// A security group as observed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupSeen {
    pub id: String,
    /// It has the rule the step makes.
    pub has_rule: bool,
}

/// A DataSync copy as observed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CopySeen {
    pub source: bool,
    pub destination: bool,
    pub task: bool,
    /// An execution of the task is under way.
    pub running: bool,
}

/// A bucket's default SSE-KMS key, as KMS names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KmsKey {
    /// The key's ARN (a policy's `Resource` names a key only by it, never by an alias).
    pub arn: String,
    /// An AWS managed key (`aws/s3`): DataSync may use it without any grant.
    pub aws_managed: bool,
}

/// The default SSE-KMS keys of blue's bucket and of green's (when it exists).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BucketKeys {
    pub blue: Option<KmsKey>,
    pub green: Option<KmsKey>,
}

/// The KMS keys the DataSync role needs: reading blue's SSE-KMS objects takes `kms:Decrypt`
/// on blue's key, writing green's `kms:GenerateDataKey`/`kms:Encrypt` on green's.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KmsGrants {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decrypt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encrypt: Option<String>,
}

impl KmsGrants {
    fn describe(&self) -> String {
        match (&self.decrypt, &self.encrypt) {
            (None, None) => "no customer managed KMS key on either bucket".into(),
            (d, e) => {
                let mut parts = Vec::new();
                if let Some(d) = d {
                    parts.push(format!(
                        "kms:Decrypt on blue's key {d} (kms:GenerateDataKey and kms:Encrypt too, \
                         for a failback --sync-back)"
                    ));
                }
                if let Some(e) = e {
                    parts.push(format!(
                        "kms:GenerateDataKey, kms:Encrypt and kms:Decrypt on green's key {e}"
                    ));
                }
                parts.join("; ")
            }
        }
    }
}

/// The keys the DataSync role is granted. Green's bucket is configured like blue's (its
/// encryption copied) unless that step is done already; then its own key counts.
pub fn kms_grants(o: &Observed) -> KmsGrants {
    let customer =
        |k: &Option<KmsKey>| k.as_ref().filter(|k| !k.aws_managed).map(|k| k.arn.clone());
    let green_configured = o.bucket == Owner::Ours && o.completed(s3::BUCKET);
    KmsGrants {
        decrypt: customer(&o.bucket_keys.blue),
        encrypt: if green_configured {
            customer(&o.bucket_keys.green)
        } else {
            customer(&o.bucket_keys.blue)
        },
    }
}

/// What the plan needs to know, read by `observe`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Observed {
    /// The recorded phase of each step.
    pub phases: std::collections::BTreeMap<String, Phase>,
    /// The snapshot green's instance was restored from (recorded).
    pub restored_from: Option<String>,
    pub snapshot: Seen,
    pub subnet_group: Seen,
    pub instance: Seen,
    /// Green's DB's settings as described (when it exists).
    pub instance_settings: Option<DbSettings>,
    /// Green's DB's own security group, when it exists.
    pub db_security_group: Option<GroupSeen>,
    /// The group green's nodes carry (green's cluster security group), the DB rule's source.
    pub node_security_group: String,
    pub bucket: Owner,
    /// The buckets' default SSE-KMS keys.
    pub bucket_keys: BucketKeys,
    pub bucket_copy: CopySeen,
    /// Green's file system, when it exists.
    pub green_fs: Option<String>,
    pub efs_copy: CopySeen,
}

impl Observed {
    fn phase(&self, key: &str) -> Option<Phase> {
        self.phases.get(key).copied()
    }

    fn completed(&self, key: &str) -> bool {
        self.phase(key) == Some(Phase::Completed)
    }
}

struct Plan {
    steps: Vec<Step>,
}

impl Plan {
    fn push(
        &mut self,
        layer: &'static str,
        key: &str,
        kind: &'static str,
        name: impl Into<String>,
        action: Action,
        reason: impl Into<String>,
    ) {
        self.steps.push(Step {
            layer,
            key: key.to_string(),
            kind,
            name: name.into(),
            action,
            reason: reason.into(),
        });
    }
}

/// `done` when recorded Completed and still there, `ensure` otherwise.
fn ensure_or_done(o: &Observed, key: &str, exists: bool, what: &str) -> (Action, String) {
    if exists && o.completed(key) {
        (Action::Done, format!("{what} exists"))
    } else if exists {
        (
            Action::Ensure,
            format!("{what} exists; checked and recorded"),
        )
    } else {
        (Action::Create, format!("no {what} yet"))
    }
}

/// The execution of a copy: once more on a resync; otherwise from its recorded phase.
fn execution(o: &Observed, key: &str, copy: &CopySeen, flags: Flags) -> (Action, String) {
    if copy.running {
        return (
            Action::Resume,
            "an execution is under way: waited for".into(),
        );
    }
    if flags.resync {
        return (
            Action::Run,
            "resync: copies what changed since the last run".into(),
        );
    }
    match o.phase(key) {
        Some(Phase::Completed) => (Action::Done, "copied".into()),
        Some(Phase::Failed) => (Action::Retry, "the last execution failed".into()),
        Some(Phase::InProgress) => (Action::Resume, "started by an earlier run".into()),
        _ => (Action::Run, "not copied yet".into()),
    }
}

fn copy_steps(
    p: &mut Plan,
    layer: &'static str,
    keys: [&str; 4],
    names: [String; 3],
    o: &Observed,
    copy: &CopySeen,
    flags: Flags,
) {
    let [source, destination, task, exec] = keys;
    let [src_name, dst_name, exec_name] = names;
    let (a, r) = ensure_or_done(o, source, copy.source, "source location");
    p.push(layer, source, "DataSyncLocation", src_name, a, r);
    let (a, r) = ensure_or_done(o, destination, copy.destination, "destination location");
    p.push(layer, destination, "DataSyncLocation", dst_name, a, r);
    let (a, r) = ensure_or_done(o, task, copy.task, "task");
    p.push(
        layer,
        task,
        "DataSyncTask",
        "TransferMode CHANGED, verified, deletions mirrored",
        a,
        r,
    );
    let (a, r) = execution(o, exec, copy, flags);
    let r = if a.executes() && a != Action::Resume {
        format!("{r}; {}", copy_mode(flags).describe())
    } else {
        r
    };
    p.push(layer, exec, "DataSyncExecution", exec_name, a, r);
}

/// The plan. Refuses (before anything is created) any green target that is a blue resource,
/// and a bucket that belongs to another upgrade.
pub fn plan(storage: &BlueStorage, t: &Targets, o: &Observed, flags: Flags) -> Result<Vec<Step>> {
    refuse_blue_targets(storage, t, o)?;
    let mut p = Plan { steps: Vec::new() };
    if let (Some(db), Some(d)) = (&storage.db, &t.db) {
        let needs_yes = flags.resync && !flags.yes;
        let replace = flags.resync && flags.yes;
        let (a, r) = if needs_yes {
            (
                Action::Skip,
                "a resync takes a fresh snapshot only with --yes".into(),
            )
        } else if o.snapshot.is("available") && o.completed(rds::SNAPSHOT) && !flags.resync {
            (Action::Done, "the snapshot is available".into())
        } else if o.snapshot.exists() {
            (Action::Resume, "the snapshot is being made".into())
        } else {
            (
                Action::Create,
                if flags.resync {
                    "resync: a fresh snapshot of blue".to_string()
                } else {
                    "no snapshot yet".to_string()
                },
            )
        };
        p.push(
            "db",
            rds::SNAPSHOT,
            "DBSnapshot",
            format!("{} of {}", d.snapshot, db.id),
            a,
            r,
        );
        let (a, r) = ensure_or_done(
            o,
            rds::SUBNET_GROUP,
            o.subnet_group.exists(),
            "subnet group",
        );
        p.push(
            "db",
            rds::SUBNET_GROUP,
            "DBSubnetGroup",
            d.subnet_group.clone(),
            a,
            r,
        );
        let (a, r, group) = match &o.db_security_group {
            Some(g) if g.has_rule && o.completed(rds::SECURITY_GROUP) => (
                Action::Done,
                format!(
                    "exists with tcp/{} from green's nodes ({})",
                    db.port, o.node_security_group
                ),
                g.id.clone(),
            ),
            Some(g) => (
                Action::Ensure,
                format!(
                    "exists; its rule tcp/{} from green's nodes ({}) is checked",
                    db.port, o.node_security_group
                ),
                g.id.clone(),
            ),
            None => (
                Action::Create,
                format!(
                    "green's DB's own group, one rule: tcp/{} from green's nodes (cluster \
                     security group {}); not EKS's group itself, which would keep green's \
                     cluster from being deleted",
                    db.port, o.node_security_group
                ),
                format!("(new group {})", d.security_group),
            ),
        };
        p.push(
            "db",
            rds::SECURITY_GROUP,
            "SecurityGroup",
            d.security_group.clone(),
            a,
            r,
        );
        let restored_from_other = o.restored_from.as_deref().is_some_and(|s| s != d.snapshot);
        if let Some((key, name)) = &d.final_snapshot
            && (o.instance.exists() || o.phase(key) == Some(Phase::InProgress))
        {
            p.push(
                "db",
                key,
                "DBSnapshot",
                name.clone(),
                Action::Create,
                "green took production traffic: its DB is kept before it is replaced",
            );
        }
        let (a, r) = if needs_yes {
            (
                Action::Skip,
                format!(
                    "would be replaced by a restore of {}: pass --yes to do it",
                    d.snapshot
                ),
            )
        } else if replace && o.instance.exists() && restored_from_other {
            (
                Action::Replace,
                format!(
                    "restored from {}; replaced by a restore of {}",
                    o.restored_from.clone().unwrap_or_default(),
                    d.snapshot
                ),
            )
        } else if !o.instance.exists() {
            (
                Action::Create,
                if db.settings.backup_retention > 0 {
                    format!(
                        "restore of {} with backups off (BackupRetentionPeriod {}): usable at \
                         once instead of hours in backing-up; blue's retention ({} days) is \
                         set after ({})",
                        d.snapshot,
                        rds::RESTORE_BACKUP_RETENTION,
                        db.settings.backup_retention,
                        rds::SETTINGS
                    )
                } else {
                    format!("restore of {} with backups off, as blue", d.snapshot)
                },
            )
        } else if let Seen::Present(status) = &o.instance
            && rds::usable(status)
            && o.completed(rds::INSTANCE)
            && !restored_from_other
        {
            (Action::Done, status.clone())
        } else {
            (Action::Resume, "being restored; waited for".into())
        };
        let instance_action = a;
        p.push("db", rds::INSTANCE, "DBInstance", d.instance.clone(), a, r);
        // Against green's settings once restored: as described, or as a restore leaves them.
        let after = match (&o.instance_settings, instance_action) {
            (Some(s), Action::Done | Action::Resume | Action::Skip) => s.clone(),
            _ => rds::Modification::restored(&group),
        };
        let m = rds::Modification::needed(&db.settings, &after, &group, &o.node_security_group);
        let (a, r) = if instance_action == Action::Skip {
            (
                Action::Skip,
                "green's DB is not restored by this run".to_string(),
            )
        } else if m.is_empty() {
            (
                Action::Done,
                if db.settings.backup_retention > 0 {
                    format!(
                        "as blue's (backup retention {} days)",
                        db.settings.backup_retention
                    )
                } else {
                    "as blue's".to_string()
                },
            )
        } else {
            (
                Action::Ensure,
                format!(
                    "once green's DB is usable, not waited for: {}",
                    m.describe().join("; ")
                ),
            )
        };
        p.push(
            "db",
            rds::SETTINGS,
            "DBInstanceSettings",
            d.instance.clone(),
            a,
            r,
        );
        let (a, r) = match &d.secret {
            None => (
                Action::Skip,
                "blue keeps no DB secret in Secrets Manager".to_string(),
            ),
            Some(_) if o.completed(rds::SECRET) && !replace => {
                (Action::Done, "green's credentials are stored".into())
            }
            Some(_) => (
                Action::Ensure,
                "blue's credentials with green's host".to_string(),
            ),
        };
        p.push(
            "db",
            rds::SECRET,
            "Secret",
            d.secret.clone().unwrap_or_else(|| "-".into()),
            a,
            r,
        );
    }
    if let (Some(blue), Some(b)) = (&storage.bucket, &t.bucket) {
        let (a, r) = match &o.bucket {
            Owner::Absent => (Action::Create, "configured like blue's".to_string()),
            Owner::Ours if o.completed(s3::BUCKET) => (Action::Done, "exists".into()),
            Owner::Ours => (Action::Ensure, "exists; configured like blue's".to_string()),
            Owner::Other(_) => unreachable!("refused above"),
        };
        p.push("bucket", s3::BUCKET, "S3Bucket", b.bucket.clone(), a, r);
        p.push(
            "bucket",
            datasync::ROLE,
            "IAMRole",
            b.role.clone(),
            Action::Ensure,
            format!(
                "its policy names exactly both buckets (rewritten when stale); {}",
                kms_grants(o).describe()
            ),
        );
        copy_steps(
            &mut p,
            "bucket",
            [s3::SOURCE, s3::DESTINATION, s3::TASK, s3::EXECUTION],
            [
                format!("s3://{blue}/"),
                format!("s3://{}/", b.bucket),
                format!("s3://{blue} -> s3://{}", b.bucket),
            ],
            o,
            &o.bucket_copy,
            flags,
        );
    }
    if let (Some(blue_fs), Some(e)) = (&storage.efs_id, &t.efs) {
        let (a, r, name) = match &o.green_fs {
            Some(fs) => (
                Action::Use,
                "made by kf storage efs".to_string(),
                fs.clone(),
            ),
            None => (
                Action::Create,
                "encrypted, NFS security group, a mount target per AZ".to_string(),
                format!("{} (new)", e.name),
            ),
        };
        p.push("efs", crate::efs::FILESYSTEM, "FileSystem", name, a, r);
        let green = o
            .green_fs
            .clone()
            .unwrap_or_else(|| "(new file system)".into());
        copy_steps(
            &mut p,
            "efs",
            [efs::SOURCE, efs::DESTINATION, efs::TASK, efs::EXECUTION],
            [
                format!("{blue_fs} (subnet of a mount target)"),
                green.clone(),
                format!("{blue_fs} -> {green}"),
            ],
            o,
            &o.efs_copy,
            flags,
        );
    }
    Ok(p.steps)
}

/// Refuses (exit 2) any green target that is a blue resource, and a bucket of another upgrade.
fn refuse_blue_targets(storage: &BlueStorage, t: &Targets, o: &Observed) -> Result<()> {
    let mut clashes = Vec::new();
    if let (Some(db), Some(d)) = (&storage.db, &t.db) {
        if d.instance == db.id {
            clashes.push(format!("DB instance {}", db.id));
        }
        if d.secret.is_some() && d.secret == db.secret {
            clashes.push(format!("secret {}", db.secret.clone().unwrap_or_default()));
        }
    }
    if let (Some(blue), Some(b)) = (&storage.bucket, &t.bucket)
        && b.bucket == *blue
    {
        clashes.push(format!("bucket {blue}"));
    }
    if let Some(fs) = &storage.efs_id
        && o.green_fs.as_deref() == Some(fs.as_str())
    {
        clashes.push(format!("EFS file system {fs}"));
    }
    if !clashes.is_empty() {
        return Err(Error::refused(
            format!(
                "green's target would be blue's {}: refusing to write to production",
                clashes.join(", ")
            ),
            "check --to and the overrides",
        ));
    }
    if let (Owner::Other(owner), Some(b)) = (&o.bucket, &t.bucket) {
        return Err(Error::refused(
            format!(
                "bucket {} already belongs to the upgrade to {owner}",
                b.bucket
            ),
            "remove it or upgrade to another green",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clone::discover::BlueDb;

    fn storage() -> BlueStorage {
        BlueStorage {
            db: Some(BlueDb {
                id: "kubeflow-db".into(),
                host: "kubeflow-db.x".into(),
                class: "db.m5.large".into(),
                storage_type: Some("gp2".into()),
                allocated_storage: Some(20),
                multi_az: false,
                parameter_group: None,
                secret: Some("rds-secret".into()),
                ..Default::default()
            }),
            bucket: Some("kf-artifacts-blue".into()),
            efs_id: Some("fs-blue".into()),
        }
    }

    fn actions(steps: &[Step]) -> Vec<(String, Action)> {
        steps.iter().map(|s| (s.key.clone(), s.action)).collect()
    }

    fn act(steps: &[Step], key: &str) -> Action {
        action_of(steps, key)
    }

    fn all_done(t: &Targets) -> Observed {
        let mut o = Observed {
            snapshot: Seen::Present("available".into()),
            subnet_group: Seen::Present("Complete".into()),
            instance: Seen::Present("available".into()),
            instance_settings: Some(rds::Modification::restored("sg-db")),
            db_security_group: Some(GroupSeen {
                id: "sg-db".into(),
                has_rule: true,
            }),
            node_security_group: "sg-cluster".into(),
            restored_from: t.db.as_ref().map(|d| d.snapshot.clone()),
            bucket: Owner::Ours,
            bucket_copy: CopySeen {
                source: true,
                destination: true,
                task: true,
                running: false,
            },
            green_fs: Some("fs-green".into()),
            efs_copy: CopySeen {
                source: true,
                destination: true,
                task: true,
                running: false,
            },
            ..Default::default()
        };
        for k in [
            rds::SNAPSHOT,
            rds::SUBNET_GROUP,
            rds::SECURITY_GROUP,
            rds::INSTANCE,
            rds::SETTINGS,
            rds::SECRET,
            s3::BUCKET,
            s3::SOURCE,
            s3::DESTINATION,
            s3::TASK,
            s3::EXECUTION,
            efs::SOURCE,
            efs::DESTINATION,
            efs::TASK,
            efs::EXECUTION,
        ] {
            o.phases.insert(k.into(), Phase::Completed);
        }
        o
    }

    #[test]
    fn a_first_clone_creates_everything_and_names_it_once() {
        let s = storage();
        let t = Targets::new("green", &s, 0, Flags::default());
        let steps = plan(&s, &t, &Observed::default(), Flags::default()).unwrap();
        assert_eq!(steps.len(), 17);
        assert_eq!(act(&steps, rds::SNAPSHOT), Action::Create);
        assert_eq!(act(&steps, rds::INSTANCE), Action::Create);
        assert_eq!(act(&steps, s3::BUCKET), Action::Create);
        assert_eq!(act(&steps, s3::EXECUTION), Action::Run);
        assert_eq!(act(&steps, crate::efs::FILESYSTEM), Action::Create);
        let d = t.db.unwrap();
        assert_eq!(d.snapshot, "kf-green-kubeflow-db");
        assert_eq!(d.instance, "kubeflow-db-green");
        assert_eq!(d.secret.as_deref(), Some("rds-secret-green"));
        assert_eq!(t.bucket.unwrap().bucket, "kf-artifacts-blue-green");
    }

    #[test]
    fn a_second_run_has_nothing_to_do_but_the_role_s_policy_check() {
        let s = storage();
        let t = Targets::new("green", &s, 0, Flags::default());
        let steps = plan(&s, &t, &all_done(&t), Flags::default()).unwrap();
        let doing: Vec<_> = actions(&steps)
            .into_iter()
            .filter(|(_, a)| a.executes())
            .collect();
        assert_eq!(doing, [(datasync::ROLE.to_string(), Action::Ensure)]);
    }

    #[test]
    fn a_resync_copies_again_and_replaces_the_db_only_with_yes() {
        let s = storage();
        let resync = Flags {
            resync: true,
            ..Default::default()
        };
        let t = Targets::new("green", &s, 0, resync);
        let steps = plan(&s, &t, &all_done(&t), resync).unwrap();
        assert_eq!(act(&steps, rds::SNAPSHOT), Action::Skip);
        assert_eq!(act(&steps, rds::INSTANCE), Action::Skip);
        assert_eq!(act(&steps, s3::EXECUTION), Action::Run);
        assert_eq!(act(&steps, efs::EXECUTION), Action::Run);
        let approved = Flags {
            yes: true,
            ..resync
        };
        let t = Targets::new("green", &s, 0, approved);
        // What was done before the resync: restored from generation 0.
        let mut o = all_done(&Targets::new("green", &s, 0, Flags::default()));
        o.snapshot = Seen::Absent;
        let steps = plan(&s, &t, &o, approved).unwrap();
        assert_eq!(t.db.as_ref().unwrap().snapshot, "kf-green-kubeflow-db-r1");
        assert_eq!(act(&steps, rds::SNAPSHOT), Action::Create);
        assert_eq!(act(&steps, rds::INSTANCE), Action::Replace);
        assert_eq!(act(&steps, rds::SECRET), Action::Ensure);
        // No traffic on green: no final snapshot.
        assert!(
            !steps
                .iter()
                .any(|s| s.key.starts_with("rds.final-snapshot"))
        );
    }

    #[test]
    fn after_traffic_the_replaced_db_is_kept_as_a_final_snapshot() {
        let s = storage();
        let f = Flags {
            resync: true,
            yes: true,
            green_took_traffic: true,
            ..Default::default()
        };
        let t = Targets::new("green", &s, 0, f);
        let mut o = all_done(&Targets::new("green", &s, 0, Flags::default()));
        o.snapshot = Seen::Absent;
        let steps = plan(&s, &t, &o, f).unwrap();
        let i = steps
            .iter()
            .position(|s| s.key == "rds.final-snapshot.r0")
            .unwrap();
        let j = steps.iter().position(|s| s.key == rds::INSTANCE).unwrap();
        assert!(i < j, "the final snapshot comes before the replacement");
        assert_eq!(steps[i].name, "kubeflow-db-green-final-r0");
        assert_eq!(steps[j].action, Action::Replace);
    }

    #[test]
    fn started_and_failed_work_is_resumed_and_retried() {
        let s = storage();
        let t = Targets::new("green", &s, 0, Flags::default());
        let mut o = all_done(&t);
        o.snapshot = Seen::Present("creating".into());
        o.phases.insert(rds::SNAPSHOT.into(), Phase::InProgress);
        o.phases.insert(s3::EXECUTION.into(), Phase::Failed);
        o.efs_copy.running = true;
        let steps = plan(&s, &t, &o, Flags::default()).unwrap();
        assert_eq!(act(&steps, rds::SNAPSHOT), Action::Resume);
        assert_eq!(act(&steps, s3::EXECUTION), Action::Retry);
        assert_eq!(act(&steps, efs::EXECUTION), Action::Resume);
    }

    fn reason(steps: &[Step], key: &str) -> String {
        steps
            .iter()
            .find(|s| s.key == key)
            .map(|s| s.reason.clone())
            .unwrap_or_default()
    }

    fn with_backups(mut s: BlueStorage) -> BlueStorage {
        if let Some(db) = &mut s.db {
            db.port = 3306;
            db.settings.backup_retention = 7;
            db.settings.max_allocated_storage = Some(1000);
        }
        s
    }

    #[test]
    fn green_is_restored_with_backups_off_and_gets_blue_s_settings_after() {
        let s = with_backups(storage());
        let t = Targets::new("green", &s, 0, Flags::default());
        let o = Observed {
            node_security_group: "sg-cluster".into(),
            ..Default::default()
        };
        let steps = plan(&s, &t, &o, Flags::default()).unwrap();
        assert_eq!(act(&steps, rds::SECURITY_GROUP), Action::Create);
        let sg = reason(&steps, rds::SECURITY_GROUP);
        assert!(sg.contains("tcp/3306") && sg.contains("sg-cluster"), "{sg}");
        assert!(reason(&steps, rds::INSTANCE).contains("backups off"));
        assert_eq!(act(&steps, rds::SETTINGS), Action::Ensure);
        let why = reason(&steps, rds::SETTINGS);
        assert!(
            why.contains("backup retention 7 days") && why.contains("1000 GiB"),
            "{why}"
        );
        let keys: Vec<_> = steps.iter().map(|s| s.key.as_str()).collect();
        let at = |k| keys.iter().position(|x| *x == k).unwrap();
        assert!(at(rds::SECURITY_GROUP) < at(rds::INSTANCE));
        assert!(at(rds::INSTANCE) < at(rds::SETTINGS));
    }

    #[test]
    fn a_backing_up_green_db_with_blue_s_settings_is_done() {
        let s = with_backups(storage());
        let t = Targets::new("green", &s, 0, Flags::default());
        let mut o = all_done(&t);
        o.instance = Seen::Present("backing-up".into());
        o.instance_settings = Some(DbSettings {
            security_groups: vec!["sg-db".into()],
            ..s.db.as_ref().unwrap().settings.clone()
        });
        let steps = plan(&s, &t, &o, Flags::default()).unwrap();
        assert_eq!(act(&steps, rds::INSTANCE), Action::Done);
        assert_eq!(act(&steps, rds::SETTINGS), Action::Done);
        // Left in EKS's cluster security group by an earlier version: moved to its own.
        o.instance_settings.as_mut().unwrap().security_groups = vec!["sg-cluster".into()];
        let steps = plan(&s, &t, &o, Flags::default()).unwrap();
        assert_eq!(act(&steps, rds::SETTINGS), Action::Ensure);
        assert!(reason(&steps, rds::SETTINGS).contains("sg-db"));
        // A group that lost its rule is ensured.
        o.db_security_group = Some(GroupSeen {
            id: "sg-db".into(),
            has_rule: false,
        });
        let steps = plan(&s, &t, &o, Flags::default()).unwrap();
        assert_eq!(act(&steps, rds::SECURITY_GROUP), Action::Ensure);
    }

    #[test]
    fn targets_that_are_blue_s_and_buckets_of_other_upgrades_are_refused() {
        let mut s = storage();
        let t = Targets::new("green", &s, 0, Flags::default());
        let o = Observed {
            green_fs: Some("fs-blue".into()),
            ..Default::default()
        };
        let e = plan(&s, &t, &o, Flags::default()).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("EFS file system fs-blue"), "{e}");
        // A secret named like green's target: blue's own.
        if let Some(db) = &mut s.db {
            db.secret = Some("rds-secret".into());
        }
        let mut t2 = t.clone();
        if let Some(d) = &mut t2.db {
            d.secret = Some("rds-secret".into());
        }
        let e = plan(&s, &t2, &Observed::default(), Flags::default()).unwrap_err();
        assert!(e.to_string().contains("secret rds-secret"), "{e}");
        let o = Observed {
            bucket: Owner::Other("green2".into()),
            ..Default::default()
        };
        let e = plan(&s, &t, &o, Flags::default()).unwrap_err();
        assert!(e.to_string().contains("upgrade to green2"), "{e}");
    }

    #[test]
    fn a_db_without_a_secret_skips_the_secret_and_an_existing_fs_is_used() {
        let mut s = storage();
        if let Some(db) = &mut s.db {
            db.secret = None;
        }
        let t = Targets::new("green", &s, 0, Flags::default());
        let o = Observed {
            green_fs: Some("fs-green".into()),
            ..Default::default()
        };
        let steps = plan(&s, &t, &o, Flags::default()).unwrap();
        assert_eq!(act(&steps, rds::SECRET), Action::Skip);
        assert_eq!(act(&steps, crate::efs::FILESYSTEM), Action::Use);
    }

    #[test]
    fn a_live_blue_is_verified_by_what_was_transferred_a_frozen_one_in_full() {
        let live = copy_mode(Flags::default());
        assert_eq!(live.verify, Verify::OnlyFilesTransferred);
        assert_eq!(live.bytes_per_second, -1);
        let resync_live = copy_mode(Flags {
            resync: true,
            ..Default::default()
        });
        assert_eq!(resync_live.verify, Verify::OnlyFilesTransferred);
        let frozen = copy_mode(Flags {
            resync: true,
            blue_frozen: true,
            ..Default::default()
        });
        assert_eq!(frozen.verify, Verify::PointInTimeConsistent);
        let limited = copy_mode(Flags {
            bandwidth: Some(100),
            ..Default::default()
        });
        assert_eq!(limited.bytes_per_second, 100 * 1024 * 1024);
        // The plan says so on each execution it runs.
        let s = storage();
        let f = Flags {
            bandwidth: Some(100),
            ..Default::default()
        };
        let t = Targets::new("green", &s, 0, f);
        let steps = plan(&s, &t, &Observed::default(), f).unwrap();
        for key in [s3::EXECUTION, efs::EXECUTION] {
            let step = steps.iter().find(|p| p.key == key).unwrap();
            assert!(
                step.reason.contains("ONLY_FILES_TRANSFERRED")
                    && step.reason.contains("at most 100 MiB/s"),
                "{}",
                step.reason
            );
        }
    }

    #[test]
    fn the_datasync_role_is_granted_the_customer_keys_of_both_buckets() {
        let key = |arn: &str, aws_managed| KmsKey {
            arn: arn.into(),
            aws_managed,
        };
        let mut o = Observed {
            bucket_keys: BucketKeys {
                blue: Some(key("arn:k/blue", false)),
                green: None,
            },
            ..Default::default()
        };
        // Green's bucket is yet to be configured like blue's: blue's key on both sides.
        assert_eq!(
            kms_grants(&o),
            KmsGrants {
                decrypt: Some("arn:k/blue".into()),
                encrypt: Some("arn:k/blue".into())
            }
        );
        // Configured already: its own key.
        o.bucket = Owner::Ours;
        o.phases.insert(s3::BUCKET.into(), Phase::Completed);
        o.bucket_keys.green = Some(key("arn:k/green", false));
        assert_eq!(kms_grants(&o).encrypt.as_deref(), Some("arn:k/green"));
        // AWS managed keys (aws/s3) need no grant; SSE-S3 has no key.
        o.bucket_keys = BucketKeys {
            blue: Some(key("alias/aws/s3", true)),
            green: None,
        };
        assert_eq!(kms_grants(&o), KmsGrants::default());
        let s = storage();
        let t = Targets::new("green", &s, 0, Flags::default());
        let o = Observed {
            bucket_keys: BucketKeys {
                blue: Some(key("arn:k/blue", false)),
                green: None,
            },
            ..Default::default()
        };
        let steps = plan(&s, &t, &o, Flags::default()).unwrap();
        let role = steps.iter().find(|p| p.key == datasync::ROLE).unwrap();
        assert!(
            role.reason.contains("kms:Decrypt on blue's key arn:k/blue"),
            "{}",
            role.reason
        );
    }
}
