//! The RDS stream: snapshot blue's instance, restore it into green's VPC, store green's DB
//! credentials the way blue stores them. Blue is only read and snapshotted.

use super::Ctx;
use super::discover::BlueDb;
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

/// The names green's database resources get.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Targets {
    /// The resync generation of the snapshot this run uses.
    pub generation: u32,
    pub snapshot: String,
    pub subnet_group: String,
    pub instance: String,
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
    let final_snapshot = t
        .final_snapshot
        .as_ref()
        .filter(|(key, _)| action_of(steps, key).executes());
    let host = instance(ctx, stream, blue, green, t, instance_action, final_snapshot).await?;
    if action_of(steps, SECRET).executes() {
        secret(ctx, stream, blue, t, &host).await?;
    }
    stream.finish(&format!("database {} available at {host}", t.instance));
    Ok(())
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
        || async {
            match rds
                .describe_db_snapshots()
                .db_snapshot_identifier(&t.snapshot)
                .send()
                .await
            {
                Ok(out) => Ok(out.db_snapshots().first().cloned()),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_db_snapshot_not_found_fault()) =>
                {
                    Ok(None)
                }
                Err(e) => Err(Error::aws("DescribeDBSnapshots", e)),
            }
        },
        || async {
            rds.create_db_snapshot()
                .db_snapshot_identifier(&t.snapshot)
                .db_instance_identifier(&blue.id)
                .set_tags(Some(tags(ctx, SNAPSHOT)))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| Error::aws("CreateDBSnapshot", e))
        },
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

async fn subnet_group(ctx: &Ctx, stream: &Stream, green: &GreenNetwork, t: &Targets) -> Result<()> {
    let rds = ctx.aws.rds();
    match rds
        .describe_db_subnet_groups()
        .db_subnet_group_name(&t.subnet_group)
        .send()
        .await
    {
        Ok(_) => {}
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_db_subnet_group_not_found_fault()) =>
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
        Err(e) => return Err(Error::aws("DescribeDBSubnetGroups", e)),
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

/// Restores green's instance (replacing one restored from an older snapshot) and returns its host.
async fn instance(
    ctx: &Ctx,
    stream: &Stream,
    blue: &BlueDb,
    green: &GreenNetwork,
    t: &Targets,
    action: Action,
    final_snapshot: Option<&(String, String)>,
) -> Result<String> {
    let rds = ctx.aws.rds();
    let describe = || {
        rds.describe_db_instances()
            .db_instance_identifier(&t.instance)
            .send()
    };
    let existing = match describe().await {
        Ok(out) => out.db_instances().first().cloned(),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_db_instance_not_found_fault()) =>
        {
            None
        }
        Err(e) => return Err(Error::aws("DescribeDBInstances", e)),
    };
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
        delete
            .send()
            .await
            .map_err(|e| Error::aws("DeleteDBInstance", e))?;
    }
    let existing = if replacing {
        wait::until(
            &format!("old instance {} to be deleted", t.instance),
            ctx.timeout,
            stream,
            || async {
                match describe().await {
                    Ok(out) => Ok(Poll::Pending(
                        out.db_instances()
                            .first()
                            .and_then(|i| i.db_instance_status())
                            .unwrap_or("deleting")
                            .to_string(),
                    )),
                    Err(e)
                        if e.as_service_error()
                            .is_some_and(|s| s.is_db_instance_not_found_fault()) =>
                    {
                        Ok(Poll::Ready(()))
                    }
                    Err(e) => Err(Error::aws("DescribeDBInstances", e)),
                }
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
        rds.restore_db_instance_from_db_snapshot()
            .db_instance_identifier(&t.instance)
            .db_snapshot_identifier(&t.snapshot)
            .db_instance_class(&blue.class)
            .db_subnet_group_name(&t.subnet_group)
            .vpc_security_group_ids(&green.cluster.cluster_security_group_id)
            .multi_az(blue.multi_az)
            .publicly_accessible(false)
            .set_storage_type(blue.storage_type.clone())
            .set_allocated_storage(blue.allocated_storage)
            .set_db_parameter_group_name(blue.parameter_group.clone())
            .deletion_protection(true)
            .copy_tags_to_snapshot(true)
            .set_tags(Some(tags(ctx, INSTANCE)))
            .send()
            .await
            .map_err(|e| Error::aws("RestoreDBInstanceFromDBSnapshot", e))?;
    }
    let host = wait::until(
        &format!("DB instance {} to be available", t.instance),
        ctx.timeout,
        stream,
        || async {
            let out = describe()
                .await
                .map_err(|e| Error::aws("DescribeDBInstances", e))?;
            let i = out.db_instances().first();
            let status = i
                .and_then(|i| i.db_instance_status())
                .unwrap_or("unknown")
                .to_string();
            if status == "available" {
                let host = i
                    .and_then(|i| i.endpoint())
                    .and_then(|e| e.address())
                    .unwrap_or_default()
                    .to_string();
                return Ok(Poll::Ready(host));
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
    Ok(host)
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
    match rds
        .describe_db_snapshots()
        .db_snapshot_identifier(&name)
        .send()
        .await
    {
        Ok(_) => {}
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_db_snapshot_not_found_fault()) =>
        {
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
            rds.create_db_snapshot()
                .db_snapshot_identifier(&name)
                .db_instance_identifier(&instance.id)
                .set_tags(Some(tags(ctx, &key)))
                .send()
                .await
                .map_err(|e| Error::aws("CreateDBSnapshot", e))?;
        }
        Err(e) => return Err(Error::aws("DescribeDBSnapshots", e)),
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
            let out = match rds
                .describe_db_snapshots()
                .db_snapshot_identifier(name)
                .send()
                .await
            {
                Ok(out) => out,
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_db_snapshot_not_found_fault()) =>
                {
                    return Err(Error::failed(format!(
                        "the final snapshot {name} of green's replaced DB does not exist"
                    )));
                }
                Err(e) => return Err(Error::aws("DescribeDBSnapshots", e)),
            };
            let status = out
                .db_snapshots()
                .first()
                .and_then(|s| s.status())
                .unwrap_or("unknown")
                .to_string();
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
    use super::rds_identifier;

    #[test]
    fn identifiers_follow_rds_rules() {
        assert_eq!(rds_identifier("kubeflow-db-green", 63), "kubeflow-db-green");
        assert_eq!(rds_identifier("1db--Green_x-", 63), "kf-1db-green-x");
        assert!(rds_identifier(&"a".repeat(100), 63).len() <= 63);
        assert!(!rds_identifier("abc-defg", 4).ends_with('-'));
    }
}
