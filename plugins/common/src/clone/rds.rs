//! The RDS stream: snapshot blue's instance, restore it into green's VPC, store green's DB
//! credentials the way blue stores them. Blue is only read and snapshotted.

use aws_sdk_ec2::types::{Filter, IpPermission, ResourceType, UserIdGroupPair};

use super::Ctx;
use super::discover::{BlueDb, DbSettings, PerformanceInsights};
use crate::aws;
use crate::eks::GreenNetwork;
use crate::error::{Error, Result};
use crate::progress::Stream;
use crate::record::{DbClone, Phase, SecretClone};
use crate::wait::{self, Poll};

use super::plan::{Action, action_of};
use crate::ensure::{Readiness, Step};

pub const SNAPSHOT: &str = "rds.snapshot";
pub const SUBNET_GROUP: &str = "rds.subnet-group";
pub const INSTANCE: &str = "rds.instance";
pub const SECRET: &str = "rds.secret";
pub const SECURITY_GROUP: &str = "rds.security-group";
pub const SETTINGS: &str = "rds.settings";

/// The backup retention green's DB is restored with. A restore with backups enabled takes an
/// immediate baseline backup and stays `backing-up` for a long time before `available`
/// (hashicorp/terraform-provider-aws#44104); restored with backups off it is available at
/// once, and blue's retention is set afterwards ([`SETTINGS`]) without waiting for the first
/// backup (the instance answers while `backing-up`).
pub const RESTORE_BACKUP_RETENTION: i32 = 0;

/// The names green's database resources get.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Targets {
    /// The resync generation of the snapshot this run uses.
    pub generation: u32,
    pub snapshot: String,
    pub subnet_group: String,
    pub instance: String,
    /// Green's DB's own security group (in green's VPC).
    pub security_group: String,
    pub secret: Option<String>,
    /// When a replaced DB is kept first: its record key and snapshot name.
    pub final_snapshot: Option<(String, String)>,
}

/// Identifiers: letters, digits, hyphens; a letter first; no double or trailing hyphen.
fn rds_identifier(s: &str, max: usize) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let c = if c.is_ascii_alphanumeric() {
            c.to_ascii_lowercase()
        } else {
            '-'
        };
        if c == '-' && (out.is_empty() || out.ends_with('-')) {
            continue;
        }
        out.push(c);
    }
    if !out.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.insert_str(0, "kf-");
    }
    out.truncate(max);
    out.trim_end_matches('-').to_string()
}

impl Targets {
    /// `tag`: green as a name part; `keep_replaced`: a replaced DB gets a final snapshot.
    pub fn new(tag: &str, blue: &BlueDb, generation: u32, keep_replaced: bool) -> Self {
        let snap_suffix = if generation == 0 {
            String::new()
        } else {
            format!("-r{generation}")
        };
        let instance = rds_identifier(&format!("{}-{tag}", blue.id), 63);
        let previous = generation.saturating_sub(1);
        Targets {
            generation,
            snapshot: rds_identifier(&format!("kf-{tag}-{}{snap_suffix}", blue.id), 255),
            subnet_group: rds_identifier(&format!("kf-{tag}"), 255),
            security_group: format!("kf-{tag}-db"),
            secret: blue.secret.as_ref().map(|s| format!("{s}-{tag}")),
            final_snapshot: keep_replaced.then(|| {
                (
                    final_snapshot_key(previous),
                    final_snapshot_name(&instance, previous),
                )
            }),
            instance,
        }
    }
}

/// Whether an instance (blue's) that refused CreateDBSnapshot (InvalidDBInstanceState) will become
/// available by itself (busy: backing-up, modifying, maintenance...), so the snapshot waits for
/// it; a stopped, failed or deleted instance will not.
pub fn becomes_available(status: &str) -> bool {
    !(FAILED_STATES.contains(&status)
        || matches!(status, "stopped" | "stopping" | "deleting" | "deleted"))
}

/// Statuses in which green's DB, once restored, answers on its endpoint: `available`, and the
/// busy states of a running instance (RDS User Guide, DB instance status: `backing-up` "The DB
/// instance is currently being backed up", `modifying`, `storage-optimization`, ...).
pub fn usable(status: &str) -> bool {
    matches!(
        status,
        "available"
            | "backing-up"
            | "modifying"
            | "storage-optimization"
            | "configuring-enhanced-monitoring"
            | "configuring-log-exports"
            | "configuring-iam-database-auth"
    )
}

/// The provisioned IOPS and storage throughput a restore passes on (blue's): io1/io2 take
/// IOPS; gp3 takes both only from the engine's storage threshold up, below which RDS gives a
/// fixed baseline and refuses them ("You can't specify IOPS or storage throughput for engine
/// mysql and a storage size less than 400", cloudtools/troposphere#2153; RDS User Guide,
/// gp3 storage: 400 GiB, 200 for Oracle, none for SQL Server).
pub fn provisioned_performance(blue: &BlueDb) -> (Option<i32>, Option<i32>) {
    match blue.storage_type.as_deref() {
        Some("io1" | "io2") => (blue.iops, None),
        Some("gp3") => {
            let threshold = if blue.engine.starts_with("oracle") {
                200
            } else if blue.engine.starts_with("sqlserver") {
                0
            } else {
                400
            };
            if blue.allocated_storage.unwrap_or(0) >= threshold {
                (blue.iops, blue.storage_throughput)
            } else {
                (None, None)
            }
        }
        _ => (None, None),
    }
}

/// What a ModifyDBInstance changes on green's DB so that it has blue's settings (those a
/// snapshot does not carry) and its own security group.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Modification {
    pub backup_retention: Option<i32>,
    pub max_allocated_storage: Option<i32>,
    pub performance_insights: Option<PerformanceInsights>,
    pub security_groups: Option<Vec<String>>,
}

impl Modification {
    /// From blue's settings, green's as they are (or will be after the restore), green's DB's
    /// own security group and EKS's cluster security group (which it must leave; groups a user
    /// added are kept).
    pub fn needed(blue: &DbSettings, green: &DbSettings, security_group: &str, eks: &str) -> Self {
        let retention = green
            .pending_backup_retention
            .unwrap_or(green.backup_retention);
        // Performance Insights keeps 7 days unless told otherwise.
        let pi_norm = |p: &PerformanceInsights| (p.kms_key.clone(), p.retention_days.unwrap_or(7));
        Modification {
            backup_retention: (blue.backup_retention != retention).then_some(blue.backup_retention),
            max_allocated_storage: blue
                .max_allocated_storage
                .filter(|m| green.max_allocated_storage != Some(*m)),
            performance_insights: blue.performance_insights.clone().filter(|b| {
                green
                    .performance_insights
                    .as_ref()
                    .is_none_or(|g| pi_norm(g) != pi_norm(b))
            }),
            security_groups: (!green.security_groups.iter().any(|g| g == security_group)
                || green.security_groups.iter().any(|g| g == eks))
            .then(|| {
                let mut groups: Vec<String> = green
                    .security_groups
                    .iter()
                    .filter(|g| *g != eks && *g != security_group)
                    .cloned()
                    .collect();
                groups.push(security_group.to_string());
                groups
            }),
        }
    }

    /// Green's settings right after a restore (backups off, in its own group).
    pub fn restored(security_group: &str) -> DbSettings {
        DbSettings {
            backup_retention: RESTORE_BACKUP_RETENTION,
            security_groups: vec![security_group.to_string()],
            ..Default::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Modification::default()
    }

    /// One phrase per change.
    pub fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(r) = self.backup_retention {
            out.push(if r == 0 {
                "backups off (as blue)".to_string()
            } else {
                format!("backup retention {r} days (blue's; the first backup runs while green is usable)")
            });
        }
        if let Some(m) = self.max_allocated_storage {
            out.push(format!("storage autoscaling up to {m} GiB"));
        }
        if let Some(p) = &self.performance_insights {
            out.push(format!(
                "Performance Insights ({} days{})",
                p.retention_days.unwrap_or(7),
                p.kms_key
                    .as_ref()
                    .map(|k| format!(", KMS key {k}"))
                    .unwrap_or_default()
            ));
        }
        if let Some(g) = &self.security_groups {
            out.push(format!("security groups {}", g.join(",")));
        }
        out
    }
}

/// The resync generation recorded for the snapshot (0 for the first clone).
pub async fn generation(ctx: &Ctx) -> u32 {
    ctx.record
        .snapshot()
        .await
        .clones
        .db
        .map(|d| d.generation)
        .unwrap_or(0)
}

/// Records a fact of green's DB in the record's typed section.
async fn record_db(ctx: &Ctx, blue: &BlueDb, change: impl Fn(&mut DbClone)) -> Result<()> {
    ctx.record
        .update_clones(|c| {
            let db = c.db.get_or_insert_with(|| DbClone {
                from: blue.id.clone(),
                ..Default::default()
            });
            change(db);
        })
        .await
}

fn tags(ctx: &Ctx, step: &str) -> Vec<aws_sdk_rds::types::Tag> {
    ctx.tags().step(step).rds()
}

/// The record key of the final snapshot of green's DB restored from generation `generation`.
pub fn final_snapshot_key(generation: u32) -> String {
    format!("rds.final-snapshot.r{generation}")
}

/// The final snapshot of green's DB `instance` (restored from generation `generation`) taken
/// when a resync replaces it after green took production traffic.
pub fn final_snapshot_name(instance: &str, generation: u32) -> String {
    rds_identifier(&format!("{instance}-final-r{generation}"), 255)
}

/// Executes the DB steps of the plan (`steps`): snapshot, subnet group, (final snapshot and)
/// restore or replacement, secret. Steps planned `done` or `skip` are not touched.
pub async fn apply(
    ctx: &Ctx,
    stream: &Stream,
    steps: &[super::plan::Step],
    blue: &BlueDb,
    green: &GreenNetwork,
    t: &Targets,
) -> Result<()> {
    let instance_action = action_of(steps, INSTANCE);
    if instance_action == Action::Skip {
        let why = steps
            .iter()
            .find(|s| s.key == INSTANCE)
            .map(|s| s.reason.clone())
            .unwrap_or_default();
        stream.finish(&format!("green's database {}: {why}", t.instance));
        return Ok(());
    }
    let azs = crate::eks::zones(&green.private_subnets);
    if azs.len() < 2 {
        return Err(Error::failed(format!(
            "green's cluster {} has private subnets in {} availability zone ({}); an RDS subnet group needs two",
            green.cluster.name,
            azs.len(),
            azs.join(", ")
        )));
    }
    if action_of(steps, SNAPSHOT).executes() {
        snapshot(ctx, stream, blue, t).await?;
    }
    if action_of(steps, SUBNET_GROUP).executes() {
        subnet_group(ctx, stream, green, t).await?;
    }
    // Looked up also when planned done: the restore and the settings name it.
    let group = security_group(
        ctx,
        stream,
        green,
        t,
        blue.port,
        action_of(steps, SECURITY_GROUP).executes(),
    )
    .await?;
    let final_snapshot = t
        .final_snapshot
        .as_ref()
        .filter(|(key, _)| action_of(steps, key).executes());
    let (host, described) = instance(
        ctx,
        stream,
        blue,
        t,
        &group,
        instance_action,
        final_snapshot,
    )
    .await?;
    let mut settings_note = String::new();
    if action_of(steps, SETTINGS).executes() {
        settings_note = settings(
            ctx,
            stream,
            blue,
            t,
            &group,
            &green.cluster.cluster_security_group_id,
            &described,
        )
        .await?;
    }
    if action_of(steps, SECRET).executes() {
        secret(ctx, stream, blue, t, &host).await?;
    }
    stream.finish(&format!(
        "database {} usable at {host}{settings_note}",
        t.instance
    ));
    Ok(())
}

/// Green's DB's own security group in green's VPC: one rule, tcp/`port` from green's cluster
/// security group (the group EKS puts on the managed nodes' ENIs). Not the cluster security
/// group itself: it is EKS's, and an RDS instance in it keeps green's cluster from being
/// deleted later. Found again by name in the VPC; the rule is added only when missing.
async fn security_group(
    ctx: &Ctx,
    stream: &Stream,
    green: &GreenNetwork,
    t: &Targets,
    port: i32,
    record: bool,
) -> Result<String> {
    let ec2 = ctx.aws.ec2();
    let vpc = &green.cluster.vpc_id;
    let nodes = &green.cluster.cluster_security_group_id;
    let found = ec2
        .describe_security_groups()
        .filters(Filter::builder().name("vpc-id").values(vpc).build())
        .filters(
            Filter::builder()
                .name("group-name")
                .values(&t.security_group)
                .build(),
        )
        .send()
        .await
        .map_err(|e| Error::aws("DescribeSecurityGroups", e))?;
    let (id, has_rule) = match found.security_groups().first() {
        Some(g) => (
            g.group_id().unwrap_or_default().to_string(),
            has_db_rule(g, port, nodes),
        ),
        None => {
            stream.set(&format!("security group {} in {vpc}", t.security_group));
            ctx.record
                .mark(
                    SECURITY_GROUP,
                    "SecurityGroup",
                    &t.security_group,
                    Phase::InProgress,
                    None,
                )
                .await?;
            let out = ec2
                .create_security_group()
                .group_name(&t.security_group)
                .description(format!(
                    "MySQL from the nodes of EKS cluster {} to the Kubeflow DB of the upgrade to {}",
                    green.cluster.name, ctx.green
                ))
                .vpc_id(vpc)
                .tag_specifications(
                    ctx.tags()
                        .step(SECURITY_GROUP)
                        .name(&t.security_group)
                        .ec2(ResourceType::SecurityGroup),
                )
                .send()
                .await
                .map_err(|e| Error::aws("CreateSecurityGroup", e))?;
            (out.group_id().unwrap_or_default().to_string(), false)
        }
    };
    if !has_rule {
        ec2.authorize_security_group_ingress()
            .group_id(&id)
            .ip_permissions(
                IpPermission::builder()
                    .ip_protocol("tcp")
                    .from_port(port)
                    .to_port(port)
                    .user_id_group_pairs(
                        UserIdGroupPair::builder()
                            .group_id(nodes)
                            .description(format!(
                                "green's nodes (EKS cluster {})",
                                green.cluster.name
                            ))
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .map_err(|e| Error::aws("AuthorizeSecurityGroupIngress", e))?;
    }
    if record || !has_rule {
        ctx.record
            .mark(
                SECURITY_GROUP,
                "SecurityGroup",
                &id,
                Phase::Completed,
                Some(format!("tcp/{port} from {nodes} (green's nodes)")),
            )
            .await?;
    }
    Ok(id)
}

/// Whether a group has the rule tcp/`port` from the group `source`.
pub fn has_db_rule(g: &aws_sdk_ec2::types::SecurityGroup, port: i32, source: &str) -> bool {
    g.ip_permissions().iter().any(|p| {
        p.ip_protocol() == Some("tcp")
            && p.from_port() == Some(port)
            && p.to_port() == Some(port)
            && p.user_id_group_pairs()
                .iter()
                .any(|u| u.group_id() == Some(source))
    })
}

/// Gives green's DB blue's settings a snapshot does not carry (backup retention, storage
/// autoscaling, Performance Insights) and its own security group, applied now and not waited
/// for: the instance stays usable while it modifies and takes its first backup. The note for
/// the final line.
async fn settings(
    ctx: &Ctx,
    stream: &Stream,
    blue: &BlueDb,
    t: &Targets,
    group: &str,
    eks_group: &str,
    green: &aws_sdk_rds::types::DbInstance,
) -> Result<String> {
    let m = Modification::needed(&blue.settings, &DbSettings::of(green), group, eks_group);
    let what = m.describe().join("; ");
    if !m.is_empty() {
        stream.set(&format!("setting {what} on {}", t.instance));
        let mut call = ctx
            .aws
            .rds()
            .modify_db_instance()
            .db_instance_identifier(&t.instance)
            .apply_immediately(true)
            .set_backup_retention_period(m.backup_retention)
            .set_max_allocated_storage(m.max_allocated_storage)
            .set_vpc_security_group_ids(m.security_groups.clone());
        if let Some(p) = &m.performance_insights {
            call = call
                .enable_performance_insights(true)
                .set_performance_insights_kms_key_id(p.kms_key.clone())
                .set_performance_insights_retention_period(p.retention_days);
        }
        call.send()
            .await
            .map_err(|e| Error::aws("ModifyDBInstance", e))?;
    }
    let note = if what.is_empty() {
        "as blue's".to_string()
    } else {
        what
    };
    ctx.record
        .mark(
            SETTINGS,
            "DBInstanceSettings",
            &t.instance,
            Phase::Completed,
            Some(format!(
                "restored with backups off (usable at once), then: {note}"
            )),
        )
        .await?;
    Ok(format!(" (restored with backups off, then {note})"))
}

async fn snapshot(ctx: &Ctx, stream: &Stream, blue: &BlueDb, t: &Targets) -> Result<()> {
    let rds = ctx.aws.rds();
    // The generation is known before the snapshot exists, so a run killed meanwhile resumes it.
    record_db(ctx, blue, |d| d.generation = t.generation).await?;
    let step = Step {
        key: SNAPSHOT,
        kind: "DBSnapshot",
        id: &t.snapshot,
    };
    crate::ensure::ensure(
        ctx,
        stream,
        &step,
        || describe_snapshot(&rds, &t.snapshot),
        || create_snapshot(ctx, stream, "blue's DB", &blue.id, &t.snapshot, SNAPSHOT),
        |s| match s.status().unwrap_or("unknown") {
            "available" => Readiness::Ready,
            status @ ("failed" | "error") => Readiness::Failed(status.to_string()),
            status => {
                Readiness::Pending(format!("{status} {}%", s.percent_progress().unwrap_or(0)))
            }
        },
    )
    .await
    .map(|_| ())
}

/// CreateDBSnapshot of `instance` (`whose`: "blue's DB"), tagged for `step`. Refused while the
/// instance is busy (backing-up, modifying, ...: InvalidDBInstanceState), so it waits for the
/// instance, showing its state, and snapshots once it is available again; an instance that
/// will not become available (stopped, failed) fails at once.
async fn create_snapshot(
    ctx: &Ctx,
    stream: &Stream,
    whose: &str,
    instance: &str,
    name: &str,
    step: &str,
) -> Result<()> {
    let rds = ctx.aws.rds();
    wait::until(
        &format!("{whose} {instance} to accept a snapshot"),
        ctx.timeout,
        stream,
        || async {
            match rds
                .create_db_snapshot()
                .db_snapshot_identifier(name)
                .db_instance_identifier(instance)
                .set_tags(Some(tags(ctx, step)))
                .send()
                .await
            {
                Ok(_) => Ok(Poll::Ready(())),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_invalid_db_instance_state_fault()) =>
                {
                    let status = instance_status(ctx, instance).await?;
                    if becomes_available(&status) {
                        Ok(Poll::Pending(format!("{whose} {instance} is {status}")))
                    } else {
                        Err(Error::failed(format!(
                            "{whose} {instance} is {status}: it cannot be snapshotted until it is available"
                        )))
                    }
                }
                Err(e) => Err(Error::aws("CreateDBSnapshot", e)),
            }
        },
    )
    .await
}

/// An instance's status (DescribeDBInstances).
/// DB instance `id` as RDS describes it; `None` when there is none (DBInstanceNotFound).
pub async fn describe_instance(
    rds: &aws_sdk_rds::Client,
    id: &str,
) -> Result<Option<aws_sdk_rds::types::DbInstance>> {
    let answer = rds
        .describe_db_instances()
        .db_instance_identifier(id)
        .send()
        .await;
    Ok(aws::found("DescribeDBInstances", answer, |e| {
        e.is_db_instance_not_found_fault()
    })?
    .and_then(|out| out.db_instances.unwrap_or_default().into_iter().next()))
}

/// DB snapshot `id` as RDS describes it; `None` when there is none (DBSnapshotNotFound).
pub async fn describe_snapshot(
    rds: &aws_sdk_rds::Client,
    id: &str,
) -> Result<Option<aws_sdk_rds::types::DbSnapshot>> {
    let answer = rds
        .describe_db_snapshots()
        .db_snapshot_identifier(id)
        .send()
        .await;
    Ok(aws::found("DescribeDBSnapshots", answer, |e| {
        e.is_db_snapshot_not_found_fault()
    })?
    .and_then(|out| out.db_snapshots.unwrap_or_default().into_iter().next()))
}

async fn instance_status(ctx: &Ctx, id: &str) -> Result<String> {
    Ok(describe_instance(&ctx.aws.rds(), id)
        .await?
        .and_then(|i| i.db_instance_status)
        .unwrap_or_else(|| "unknown".to_string()))
}

async fn subnet_group(ctx: &Ctx, stream: &Stream, green: &GreenNetwork, t: &Targets) -> Result<()> {
    let rds = ctx.aws.rds();
    let answer = rds
        .describe_db_subnet_groups()
        .db_subnet_group_name(&t.subnet_group)
        .send()
        .await;
    if aws::found("DescribeDBSubnetGroups", answer, |e| {
        e.is_db_subnet_group_not_found_fault()
    })?
    .is_none()
    {
        stream.set(&format!("DB subnet group {}", t.subnet_group));
        rds.create_db_subnet_group()
            .db_subnet_group_name(&t.subnet_group)
            .db_subnet_group_description(format!(
                "Kubeflow upgrade to {}: private subnets of EKS cluster {}",
                ctx.green, green.cluster.name
            ))
            .set_subnet_ids(Some(
                green.private_subnets.iter().map(|s| s.id.clone()).collect(),
            ))
            .set_tags(Some(tags(ctx, SUBNET_GROUP)))
            .send()
            .await
            .map_err(|e| Error::aws("CreateDBSubnetGroup", e))?;
    }
    ctx.record
        .mark(
            SUBNET_GROUP,
            "DBSubnetGroup",
            &t.subnet_group,
            Phase::Completed,
            None,
        )
        .await
}

const FAILED_STATES: [&str; 6] = [
    "failed",
    "incompatible-restore",
    "incompatible-parameters",
    "incompatible-network",
    "storage-full",
    "inaccessible-encryption-credentials",
];

/// Restores green's instance (replacing one restored from an older snapshot) and returns its
/// host and the instance as described once usable.
async fn instance(
    ctx: &Ctx,
    stream: &Stream,
    blue: &BlueDb,
    t: &Targets,
    group: &str,
    action: Action,
    final_snapshot: Option<&(String, String)>,
) -> Result<(String, aws_sdk_rds::types::DbInstance)> {
    let rds = ctx.aws.rds();
    let describe = || describe_instance(&rds, &t.instance);
    let existing = describe().await?;
    let restored_from = ctx
        .record
        .snapshot()
        .await
        .clones
        .db
        .and_then(|d| d.restored_from);
    let replacing = action == Action::Replace
        && existing.is_some()
        && restored_from.as_deref().is_some_and(|s| s != t.snapshot);
    if let Some(i) = &existing
        && replacing
        && i.db_instance_status() != Some("deleting")
    {
        // A resync approved with --yes: green's DB is replaced by a restore of the new snapshot.
        stream.set(&format!(
            "replacing {} (restored from {})",
            t.instance,
            restored_from.clone().unwrap_or_default()
        ));
        ctx.record
            .mark(
                INSTANCE,
                "DBInstance",
                &t.instance,
                Phase::InProgress,
                Some("replacing".into()),
            )
            .await?;
        rds.modify_db_instance()
            .db_instance_identifier(&t.instance)
            .deletion_protection(false)
            .apply_immediately(true)
            .send()
            .await
            .map_err(|e| Error::aws("ModifyDBInstance", e))?;
        let mut delete = rds.delete_db_instance().db_instance_identifier(&t.instance);
        match final_snapshot {
            // Recorded before the call, so a run killed meanwhile knows the snapshot's name.
            Some((key, name)) => {
                ctx.record
                    .mark(
                        key,
                        "DBSnapshot",
                        name,
                        Phase::InProgress,
                        Some(format!(
                            "final snapshot of {} before the resync replaced it",
                            t.instance
                        )),
                    )
                    .await?;
                delete = delete
                    .skip_final_snapshot(false)
                    .final_db_snapshot_identifier(name);
            }
            None => delete = delete.skip_final_snapshot(true),
        }
        // Its final snapshot is refused while green's DB is busy (InvalidDBInstanceState:
        // backing-up, as after the clone, or modifying): wait for it, showing its state.
        wait::until(
            &format!("green's DB {} to accept its deletion", t.instance),
            ctx.timeout,
            stream,
            || async {
                match delete.clone().send().await {
                    Ok(_) => Ok(Poll::Ready(())),
                    Err(e)
                        if e.as_service_error()
                            .is_some_and(|s| s.is_invalid_db_instance_state_fault()) =>
                    {
                        let status = instance_status(ctx, &t.instance).await?;
                        if status == "deleting" {
                            // An earlier attempt was taken after all.
                            Ok(Poll::Ready(()))
                        } else if becomes_available(&status) {
                            Ok(Poll::Pending(format!(
                                "green's DB {} is {status}",
                                t.instance
                            )))
                        } else {
                            Err(Error::aws("DeleteDBInstance", e))
                        }
                    }
                    Err(e) => Err(Error::aws("DeleteDBInstance", e)),
                }
            },
        )
        .await?;
    }
    let existing = if replacing {
        wait::until_gone(
            &format!("old instance {} to be deleted", t.instance),
            ctx.timeout,
            stream,
            || async {
                Ok(describe()
                    .await?
                    .map(|i| i.db_instance_status().unwrap_or("deleting").to_string()))
            },
        )
        .await?;
        if let Some((key, name)) = final_snapshot {
            confirm_snapshot(ctx, stream, key, name).await?;
        }
        None
    } else {
        existing
    };
    if existing.is_none() {
        // A run killed after deleting the old instance confirms its final snapshot now.
        if let Some((key, name)) = final_snapshot
            && ctx
                .record
                .get(key)
                .await
                .is_some_and(|r| r.phase != Phase::Completed)
        {
            confirm_snapshot(ctx, stream, key, name).await?;
        }
        stream.set(&format!("restoring {} from {}", t.instance, t.snapshot));
        ctx.record
            .mark(INSTANCE, "DBInstance", &t.instance, Phase::InProgress, None)
            .await?;
        record_db(ctx, blue, |d| {
            d.instance = t.instance.clone();
            d.restored_from = Some(t.snapshot.clone());
            d.host = None;
        })
        .await?;
        let (iops, throughput) = provisioned_performance(blue);
        rds.restore_db_instance_from_db_snapshot()
            .db_instance_identifier(&t.instance)
            .db_snapshot_identifier(&t.snapshot)
            .db_instance_class(&blue.class)
            .db_subnet_group_name(&t.subnet_group)
            .vpc_security_group_ids(group)
            .multi_az(blue.multi_az)
            .publicly_accessible(false)
            .set_storage_type(blue.storage_type.clone())
            .set_allocated_storage(blue.allocated_storage)
            .set_iops(iops)
            .set_storage_throughput(throughput)
            .set_db_parameter_group_name(blue.parameter_group.clone())
            .set_option_group_name(blue.option_group.clone())
            .backup_retention_period(RESTORE_BACKUP_RETENTION)
            .deletion_protection(true)
            .copy_tags_to_snapshot(true)
            .set_tags(Some(tags(ctx, INSTANCE)))
            .send()
            .await
            .map_err(|e| Error::aws("RestoreDBInstanceFromDBSnapshot", e))?;
    }
    let (host, described) = wait::until(
        &format!("DB instance {} to be available", t.instance),
        ctx.timeout,
        stream,
        || async {
            let found = describe().await?;
            let i = found.as_ref();
            let status = i
                .and_then(|i| i.db_instance_status())
                .unwrap_or("unknown")
                .to_string();
            let host = i
                .and_then(|i| i.endpoint())
                .and_then(|e| e.address())
                .unwrap_or_default()
                .to_string();
            // Usable, not only available: an instance restored with backups on (by an earlier
            // version) is backing-up for hours, one given blue's settings is modifying, and
            // both answer meanwhile.
            if usable(&status)
                && !host.is_empty()
                && let Some(i) = i
            {
                return Ok(Poll::Ready((host, i.clone())));
            }
            if FAILED_STATES.contains(&status.as_str()) {
                return Err(Error::failed(format!(
                    "DB instance {} is {status}",
                    t.instance
                )));
            }
            Ok(Poll::Pending(status))
        },
    )
    .await?;
    ctx.record
        .mark(
            INSTANCE,
            "DBInstance",
            &t.instance,
            Phase::Completed,
            Some(host.clone()),
        )
        .await?;
    record_db(ctx, blue, |d| {
        d.instance = t.instance.clone();
        d.host = Some(host.clone());
    })
    .await?;
    Ok((host, described))
}

/// The snapshot a failback takes of green's DB `instance`, for the traffic green took since
/// `since` (one per such period, so a second failback does not take another).
pub fn failback_snapshot_name(instance: &str, since: &str) -> String {
    rds_identifier(&format!("{instance}-failback-{}", stamp(since)), 255)
}

/// `2026-12-01T22:13:03Z` -> `20261201t221303z`.
fn stamp(time: &str) -> String {
    time.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Snapshots green's DB after a failback (it holds what green wrote while it took traffic) and
/// waits until the snapshot is available; it is kept, tagged and recorded.
pub async fn snapshot_green_for_failback(ctx: &Ctx, stream: &Stream, since: &str) -> Result<()> {
    let Some(instance) = ctx
        .record
        .get(INSTANCE)
        .await
        .filter(|r| r.phase == Phase::Completed && !r.id.is_empty())
    else {
        return Ok(());
    };
    let name = failback_snapshot_name(&instance.id, since);
    let key = format!("rds.failback-snapshot.{}", stamp(since));
    let rds = ctx.aws.rds();
    if describe_snapshot(&rds, &name).await?.is_none() {
        stream.set(&format!("snapshot {name} of green's DB {}", instance.id));
        ctx.record
            .mark(
                &key,
                "DBSnapshot",
                &name,
                Phase::InProgress,
                Some(format!(
                    "green's DB after green took traffic since {since}; kept"
                )),
            )
            .await?;
        // Green's DB may still take its first backup (backing-up) after the clone.
        create_snapshot(ctx, stream, "green's DB", &instance.id, &name, &key).await?;
    }
    confirm_snapshot(ctx, stream, &key, &name).await?;
    stream.finish(&format!("green's DB kept as snapshot {name}"));
    Ok(())
}

/// Waits for a snapshot RDS takes on its own (the final snapshot of a deleted instance) and
/// records it Completed; one that does not exist is an error (the data would be gone).
async fn confirm_snapshot(ctx: &Ctx, stream: &Stream, key: &str, name: &str) -> Result<()> {
    let rds = ctx.aws.rds();
    wait::until(
        &format!("snapshot {name} to be available"),
        ctx.timeout,
        stream,
        || async {
            let snapshot = describe_snapshot(&rds, name).await?.ok_or_else(|| {
                Error::failed(format!(
                    "the final snapshot {name} of green's replaced DB does not exist"
                ))
            })?;
            let status = snapshot.status().unwrap_or("unknown").to_string();
            Ok(if status == "available" {
                Poll::Ready(())
            } else {
                Poll::Pending(status)
            })
        },
    )
    .await?;
    ctx.record
        .mark(
            key,
            "DBSnapshot",
            name,
            Phase::Completed,
            Some("green's DB, kept".into()),
        )
        .await
}

/// Green's credentials: blue's secret with green's host. The value is never printed or logged.
async fn secret(ctx: &Ctx, stream: &Stream, blue: &BlueDb, t: &Targets, host: &str) -> Result<()> {
    let (Some(blue_secret), Some(green_secret)) = (&blue.secret, &t.secret) else {
        ctx.record
            .mark(
                SECRET,
                "Secret",
                "",
                Phase::Completed,
                Some("blue keeps no DB secret in Secrets Manager".into()),
            )
            .await?;
        return Ok(());
    };
    let sm = ctx.aws.secrets();
    let blue_value = sm
        .get_secret_value()
        .secret_id(blue_secret)
        .send()
        .await
        .map_err(|e| Error::aws(&format!("GetSecretValue {blue_secret}"), e))?;
    let mut value: serde_json::Value = blue_value
        .secret_string()
        .and_then(|s| serde_json::from_str(s).ok())
        .ok_or_else(|| Error::failed(format!("secret {blue_secret} is not a JSON object")))?;
    value["host"] = serde_json::Value::from(host);
    let text = value.to_string();
    stream.set(&format!("secret {green_secret}"));
    match sm.describe_secret().secret_id(green_secret).send().await {
        Ok(_) => {
            let current = sm
                .get_secret_value()
                .secret_id(green_secret)
                .send()
                .await
                .ok();
            if current.as_ref().and_then(|c| c.secret_string()) != Some(text.as_str()) {
                sm.put_secret_value()
                    .secret_id(green_secret)
                    .secret_string(text)
                    .send()
                    .await
                    .map_err(|e| Error::aws("PutSecretValue", e))?;
            }
        }
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            sm.create_secret()
                .name(green_secret)
                .description(format!(
                    "Kubeflow DB credentials of {} (clone of {blue_secret})",
                    ctx.green
                ))
                .secret_string(text)
                .set_tags(Some(ctx.tags().secrets()))
                .send()
                .await
                .map_err(|e| Error::aws("CreateSecret", e))?;
        }
        Err(e) => return Err(Error::aws("DescribeSecret", e)),
    }
    ctx.record
        .mark(SECRET, "Secret", green_secret, Phase::Completed, None)
        .await?;
    // Which secret it copies: `kf deploy kubeflow` renames it in the SecretProviderClass.
    record_db(ctx, blue, |d| {
        d.secret = Some(SecretClone {
            name: green_secret.clone(),
            from: blue_secret.clone(),
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blue(storage: &str, gib: i32, engine: &str) -> BlueDb {
        BlueDb {
            id: "kubeflow-db".into(),
            engine: engine.into(),
            storage_type: Some(storage.into()),
            allocated_storage: Some(gib),
            iops: Some(12000),
            storage_throughput: Some(500),
            ..Default::default()
        }
    }

    #[test]
    fn a_busy_blue_is_waited_for_a_stopped_or_failed_one_is_not() {
        for s in [
            "backing-up",
            "modifying",
            "maintenance",
            "upgrading",
            "rebooting",
        ] {
            assert!(becomes_available(s), "{s}");
        }
        for s in ["stopped", "failed", "storage-full", "deleting"] {
            assert!(!becomes_available(s), "{s}");
        }
    }

    #[test]
    fn a_restored_db_is_usable_while_it_backs_up_or_modifies() {
        assert!(usable("available") && usable("backing-up") && usable("modifying"));
        assert!(!usable("creating") && !usable("failed") && !usable("deleting"));
    }

    #[test]
    fn provisioned_performance_is_passed_on_only_where_rds_takes_it() {
        assert_eq!(
            provisioned_performance(&blue("gp3", 400, "mysql")),
            (Some(12000), Some(500))
        );
        // Below the threshold gp3 has a fixed baseline, and RDS refuses explicit values.
        assert_eq!(
            provisioned_performance(&blue("gp3", 20, "mysql")),
            (None, None)
        );
        assert_eq!(
            provisioned_performance(&blue("gp3", 200, "oracle-ee")),
            (Some(12000), Some(500))
        );
        assert_eq!(
            provisioned_performance(&blue("io1", 100, "mysql")),
            (Some(12000), None)
        );
        assert_eq!(
            provisioned_performance(&blue("gp2", 400, "mysql")),
            (None, None)
        );
    }

    #[test]
    fn the_modification_gives_green_what_a_snapshot_does_not_carry() {
        let blue = DbSettings {
            backup_retention: 7,
            max_allocated_storage: Some(1000),
            performance_insights: Some(PerformanceInsights {
                kms_key: Some("arn:key".into()),
                retention_days: Some(93),
            }),
            ..Default::default()
        };
        let restored = Modification::restored("sg-db");
        assert_eq!(restored.backup_retention, RESTORE_BACKUP_RETENTION);
        let m = Modification::needed(&blue, &restored, "sg-db", "sg-cluster");
        assert_eq!(m.backup_retention, Some(7));
        assert_eq!(m.max_allocated_storage, Some(1000));
        assert_eq!(m.performance_insights, blue.performance_insights);
        assert_eq!(m.security_groups, None);
        let text = m.describe().join("; ");
        assert!(text.contains("backup retention 7 days"), "{text}");
        assert!(
            text.contains("1000 GiB") && text.contains("93 days"),
            "{text}"
        );

        // Applied (or pending): nothing more to do.
        let done = DbSettings {
            security_groups: vec!["sg-db".into()],
            ..blue.clone()
        };
        assert!(Modification::needed(&blue, &done, "sg-db", "sg-cluster").is_empty());
        let pending = DbSettings {
            backup_retention: 0,
            pending_backup_retention: Some(7),
            ..done.clone()
        };
        assert!(Modification::needed(&blue, &pending, "sg-db", "sg-cluster").is_empty());
        // Performance Insights' default retention is 7 days.
        let b7 = DbSettings {
            performance_insights: Some(PerformanceInsights {
                kms_key: None,
                retention_days: None,
            }),
            ..Default::default()
        };
        let g7 = DbSettings {
            performance_insights: Some(PerformanceInsights {
                kms_key: None,
                retention_days: Some(7),
            }),
            security_groups: vec!["sg-db".into()],
            ..Default::default()
        };
        assert!(Modification::needed(&b7, &g7, "sg-db", "sg-cluster").is_empty());
        // A green DB in EKS's cluster security group moves to its own.
        let in_cluster_sg = DbSettings {
            security_groups: vec!["sg-cluster".into()],
            ..blue.clone()
        };
        assert_eq!(
            Modification::needed(&blue, &in_cluster_sg, "sg-db", "sg-cluster").security_groups,
            Some(vec!["sg-db".to_string()])
        );
        // A group a user added stays; EKS's goes.
        let with_bastion = DbSettings {
            security_groups: vec!["sg-bastion".into(), "sg-cluster".into()],
            ..blue.clone()
        };
        assert_eq!(
            Modification::needed(&blue, &with_bastion, "sg-db", "sg-cluster").security_groups,
            Some(vec!["sg-bastion".to_string(), "sg-db".to_string()])
        );
        let kept = DbSettings {
            security_groups: vec!["sg-bastion".into(), "sg-db".into()],
            ..blue.clone()
        };
        assert!(Modification::needed(&blue, &kept, "sg-db", "sg-cluster").is_empty());
    }

    #[test]
    fn identifiers_follow_rds_rules() {
        assert_eq!(rds_identifier("kubeflow-db-green", 63), "kubeflow-db-green");
        assert_eq!(rds_identifier("1db--Green_x-", 63), "kf-1db-green-x");
        assert!(rds_identifier(&"a".repeat(100), 63).len() <= 63);
        assert!(!rds_identifier("abc-defg", 4).ends_with('-'));
    }
}
