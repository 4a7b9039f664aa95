//! `kubectl kf clone`: discover blue's storage, then clone RDS, S3 and EFS for green
//! concurrently. Every step is written to the upgrade record as it completes and every AWS
//! resource is tagged, so a second run continues where the first stopped and creates nothing twice.

pub mod datasync;
pub mod discover;
pub mod efs;
pub mod rds;
pub mod s3;
pub mod sync_back;

use std::collections::BTreeMap;

use serde::Serialize;

pub use crate::upgrade::Ctx;

use crate::cli::GlobalArgs;
use crate::commands::{CloneCli, Layer};
use crate::efs as green_efs;
use crate::eks::GreenNetwork;
use crate::error::{Error, Result};
use crate::output::{self, Render};
use crate::progress::Progress;
use crate::record::{Phase, Resource};
use crate::upgrade::Session;
use discover::BlueStorage;

/// One line of the plan: a step, the resource it makes or uses, and what will happen.
#[derive(Clone, Debug, Serialize)]
pub struct PlanStep {
    pub layer: String,
    pub step: String,
    pub kind: String,
    pub name: String,
    pub action: String,
}

#[derive(Debug, Serialize)]
pub struct Plan {
    pub blue: String,
    pub green: String,
    #[serde(rename = "dryRun")]
    pub dry_run: bool,
    pub steps: Vec<PlanStep>,
}

impl Render for Plan {
    fn table(&self) -> String {
        let mut s = format!(
            "Plan: clone {} -> {} (dry run: nothing is changed)\n\n",
            self.blue, self.green
        );
        s.push_str(&output::table(
            &["LAYER", "STEP", "KIND", "NAME", "ACTION"],
            self.steps.iter().map(|p| {
                [
                    p.layer.clone(),
                    p.step.clone(),
                    p.kind.clone(),
                    p.name.clone(),
                    p.action.clone(),
                ]
            }),
        ));
        s
    }
}

/// What the run leaves: every resource of the clone with its id and phase.
#[derive(Debug, Serialize)]
pub struct Report {
    pub blue: String,
    pub green: String,
    pub resources: BTreeMap<String, Resource>,
    pub failed: Vec<String>,
}

impl Render for Report {
    fn table(&self) -> String {
        let mut s = crate::record::resources_table(&self.resources);
        for f in &self.failed {
            s.push_str(&format!("FAILED: {f}\n"));
        }
        s
    }
}

fn layer_prefixes(layer: Layer) -> &'static [&'static str] {
    match layer {
        Layer::Db => &["rds."],
        Layer::Bucket => &["s3."],
        Layer::Efs => &["efs."],
    }
}

/// Blue's storage named by the user instead of discovered.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub db_instance: Option<String>,
    pub bucket: Option<String>,
    pub efs_id: Option<String>,
}

/// What a clone is asked to do: by `kubectl kf clone`'s flags, or by `kf cutover --resync`.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub global: GlobalArgs,
    /// The layers to clone; empty: all.
    pub only: Vec<Layer>,
    pub resync: bool,
    pub overrides: Overrides,
    pub discard_green_writes: bool,
}

impl From<CloneCli> for Settings {
    fn from(c: CloneCli) -> Self {
        Settings {
            global: c.global,
            only: c.only,
            resync: c.resync,
            overrides: Overrides {
                db_instance: c.db_instance,
                bucket: c.bucket,
                efs_id: c.efs_id,
            },
            discard_green_writes: c.discard_green_writes,
        }
    }
}

pub async fn run(cli: CloneCli) -> Result<()> {
    run_reporting(cli.into(), true).await
}

/// The clone; the final report goes to stdout only when `print_report` (a resync inside
/// `kf cutover` reports nothing of its own on stdout, which holds cutover's result).
pub async fn run_reporting(cli: Settings, print_report: bool) -> Result<()> {
    let g = &cli.global;
    let mut layers = if cli.only.is_empty() {
        vec![Layer::Db, Layer::Bucket, Layer::Efs]
    } else {
        cli.only.clone()
    };
    layers.sort();
    layers.dedup();
    let session = Session::open(g).await?;
    let rec = session.ctx.record.snapshot().await;
    if let Some(since) = rec.green_traffic_since.as_deref()
        && cli.resync
        && !cli.discard_green_writes
    {
        return Err(refuse_resync_after_traffic(since, &session.green));
    }
    let green_cluster = session.green_cluster().await?;
    let blue_cluster = session.blue_cluster().await;
    if let Some(b) = blue_cluster
        .as_ref()
        .filter(|b| b.name == green_cluster.name)
    {
        return Err(Error::usage(
            format!(
                "blue ({}) and green ({}) are the same EKS cluster {}",
                session.blue.context, session.green, b.name
            ),
            "pass --to with the new cluster's context",
        ));
    }
    let Session {
        blue,
        blue_client,
        green,
        mut ctx,
    } = session;
    let aws = ctx.aws.clone();
    let storage = discover::blue_storage(&blue_client, &aws, &cli.overrides, &layers).await?;
    let net = crate::eks::green_network(&aws, green_cluster).await?;
    ctx.resync = cli.resync;
    let green_fs = match storage.efs_id {
        Some(_) => green_filesystem_id(&ctx).await?,
        None => None,
    };
    let plan = Plan {
        blue: blue.context.clone(),
        green: green.clone(),
        dry_run: g.dry_run,
        steps: plan(&ctx, &storage, &net, green_fs.as_deref()).await?,
    };
    refuse_blue_targets(&ctx, &storage, green_fs.as_deref()).await?;
    if g.dry_run {
        return output::print(g.output, &plan);
    }
    let blue_cluster_name = blue_cluster.map(|c| c.name);
    let green_cluster_name = net.cluster.name.clone();
    ctx.record
        .update(|r| {
            r.green_cluster = Some(green_cluster_name.clone());
            if r.blue_cluster.is_none() {
                r.blue_cluster = blue_cluster_name.clone();
            }
        })
        .await?;

    let progress = Progress::new(g.quiet);
    let replace_db = cli.resync && g.yes;
    // Green took production traffic: its DB is snapshotted before it is replaced.
    let green_took_traffic = rec.green_traffic_since.is_some();
    let resync_started = crate::record::now();
    let db = async {
        let Some(db) = &storage.db else { return Ok(()) };
        let stream = progress.stream("rds");
        if cli.resync && !g.yes {
            let t = rds::targets(&ctx, db, rds::generation(&ctx).await + 1);
            stream.finish(&format!(
                "would replace green's database {} with a restore of a fresh snapshot {} of {}: pass --yes to do it",
                t.instance, t.snapshot, db.id
            ));
            return Ok(());
        }
        rds::run(&ctx, &stream, db, &net, replace_db, green_took_traffic).await
    };
    let bucket = async {
        let Some(b) = &storage.bucket else {
            return Ok(());
        };
        s3::run(&ctx, &progress.stream("s3"), b).await
    };
    let efs = async {
        let Some(fs) = &storage.efs_id else {
            return Ok(());
        };
        efs::run(&ctx, &progress.stream("efs"), fs, &net).await
    };
    let (db, bucket, efs) = tokio::join!(db, bucket, efs);

    let mut errors: Vec<(String, Error)> = Vec::new();
    for (layer, result) in [(Layer::Db, db), (Layer::Bucket, bucket), (Layer::Efs, efs)] {
        if let Err(e) = result {
            record_failure(&ctx, layer, &e).await;
            errors.push((layer_name(layer).to_string(), e));
        }
    }
    let failed: Vec<String> = errors.iter().map(|(l, e)| format!("{l}: {e}")).collect();
    let whole_resync = cli.only.is_empty() && (replace_db || storage.db.is_none());
    if failed.is_empty() && cli.resync && green_took_traffic && whole_resync {
        // Green is a copy of blue again: what it holds that blue does not dates from now on,
        // if traffic still goes to green, else there is none.
        ctx.record
            .update(|r| {
                r.green_traffic_since = r.traffic_on_green.then(|| resync_started.clone());
            })
            .await?;
    }
    let rec = ctx.record.snapshot().await;
    let report = Report {
        blue: blue.context.clone(),
        green: green.clone(),
        resources: rec
            .resources
            .into_iter()
            .filter(|(k, _)| {
                layers
                    .iter()
                    .any(|l| layer_prefixes(*l).iter().any(|p| k.starts_with(p)))
            })
            .collect(),
        failed: failed.clone(),
    };
    if print_report {
        output::print(g.output, &report)?;
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Streams(errors))
    }
}

/// The refusal of a resync after green took production traffic.
pub fn refuse_resync_after_traffic(since: &str, green: &str) -> Error {
    Error::refused(
        format!(
            "green ({green}) has taken production traffic since {since} and may hold writes blue \
             does not have: a resync would replace green's database and delete from green's \
             bucket and file system what only green has; nothing was changed"
        ),
        "fail back with `kubectl kf cutover failback --sync-back --yes` to copy green's files back \
         to blue first, or pass --discard-green-writes to discard them (green's DB is kept as a \
         final snapshot)",
    )
}

fn layer_name(l: Layer) -> &'static str {
    match l {
        Layer::Db => "db",
        Layer::Bucket => "bucket",
        Layer::Efs => "efs",
    }
}

/// Marks the step a failed stream was in as Failed with the reason (steps already marked
/// Failed, like a DataSync execution, keep their own reason).
async fn record_failure(ctx: &Ctx, layer: Layer, err: &Error) {
    let rec = ctx.record.snapshot().await;
    let prefixes = layer_prefixes(layer);
    let in_layer = |k: &str| prefixes.iter().any(|p| k.starts_with(p));
    if rec
        .resources
        .iter()
        .any(|(k, r)| in_layer(k) && r.phase == Phase::Failed)
    {
        return;
    }
    let step = rec
        .resources
        .iter()
        .filter(|(k, r)| in_layer(k) && r.phase == Phase::InProgress)
        .map(|(k, r)| (k.clone(), r.kind.clone(), r.id.clone()))
        .next()
        .unwrap_or_else(|| {
            (
                format!("{}.error", prefixes[0].trim_end_matches('.')),
                "Step".into(),
                String::new(),
            )
        });
    let msg = err.to_string();
    if let Err(e) = ctx
        .record
        .mark(&step.0, &step.1, &step.2, Phase::Failed, Some(msg))
        .await
    {
        tracing::warn!("could not record the failure of {}: {e}", step.0);
    }
}

fn action(rec: Option<&Resource>, fresh: &str) -> String {
    match rec.map(|r| r.phase) {
        Some(Phase::Completed) => "done".into(),
        Some(Phase::InProgress) => "resume".into(),
        Some(Phase::Failed) => "retry".into(),
        _ => fresh.into(),
    }
}

/// The plan, from the record and the names the steps will use. Reads only.
async fn plan(
    ctx: &Ctx,
    storage: &BlueStorage,
    net: &GreenNetwork,
    green_fs: Option<&str>,
) -> Result<Vec<PlanStep>> {
    let rec = ctx.record.snapshot().await;
    let get = |k: &str| rec.resources.get(k);
    let mut steps = Vec::new();
    let mut push = |layer: &str, step: &str, kind: &str, name: String, action: String| {
        steps.push(PlanStep {
            layer: layer.into(),
            step: step.into(),
            kind: kind.into(),
            name,
            action,
        });
    };
    if let Some(db) = &storage.db {
        let generation = rds::generation(ctx).await;
        let replace = ctx.resync;
        let t = rds::targets(ctx, db, if replace { generation + 1 } else { generation });
        let replace_action = |fresh: &str| {
            if replace {
                if ctx.yes {
                    "replace".to_string()
                } else {
                    "replace (needs --yes)".to_string()
                }
            } else {
                action(get(rds::INSTANCE), fresh)
            }
        };
        push(
            "db",
            rds::SNAPSHOT,
            "DBSnapshot",
            format!("{} of {}", t.snapshot, db.id),
            if replace {
                "create".into()
            } else {
                action(get(rds::SNAPSHOT), "create")
            },
        );
        push(
            "db",
            rds::SUBNET_GROUP,
            "DBSubnetGroup",
            format!(
                "{} ({})",
                t.subnet_group,
                net.private_subnets
                    .iter()
                    .map(|s| s.id.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            action(get(rds::SUBNET_GROUP), "ensure"),
        );
        if replace && rec.green_traffic_since.is_some() {
            push(
                "db",
                &rds::final_snapshot_key(generation),
                "DBSnapshot",
                rds::final_snapshot_name(&t.instance, generation),
                "create (green's DB before it is replaced; kept)".into(),
            );
        }
        push(
            "db",
            rds::INSTANCE,
            "DBInstance",
            format!(
                "{} ({}, sg {})",
                t.instance, db.class, net.cluster.cluster_security_group_id
            ),
            replace_action("restore"),
        );
        push(
            "db",
            rds::SECRET,
            "Secret",
            t.secret
                .clone()
                .unwrap_or_else(|| "(blue has none in Secrets Manager)".into()),
            action(get(rds::SECRET), "ensure"),
        );
    }
    if let Some(b) = &storage.bucket {
        let green = s3::green_bucket(ctx, b);
        push(
            "bucket",
            s3::BUCKET,
            "S3Bucket",
            green.clone(),
            action(get(s3::BUCKET), "ensure"),
        );
        push(
            "bucket",
            "s3.datasync-role",
            "IAMRole",
            ctx.name("kf-datasync-", "", 64),
            "ensure (policy: exactly both buckets)".into(),
        );
        push(
            "bucket",
            s3::SOURCE,
            "DataSyncLocation",
            format!("s3://{b}/"),
            action(get(s3::SOURCE), "ensure"),
        );
        push(
            "bucket",
            s3::DESTINATION,
            "DataSyncLocation",
            format!("s3://{green}/"),
            action(get(s3::DESTINATION), "ensure"),
        );
        push(
            "bucket",
            s3::TASK,
            "DataSyncTask",
            "TransferMode CHANGED, verify, remove deleted".into(),
            action(get(s3::TASK), "ensure"),
        );
        push(
            "bucket",
            s3::EXECUTION,
            "DataSyncExecution",
            format!("s3://{b} -> s3://{green}"),
            if ctx.resync {
                "run again".into()
            } else {
                action(get(s3::EXECUTION), "run")
            },
        );
    }
    if let Some(fs) = &storage.efs_id {
        let green = green_fs.map(str::to_string);
        push(
            "efs",
            green_efs::FILESYSTEM,
            "FileSystem",
            green
                .clone()
                .unwrap_or_else(|| format!("{} (new, encrypted)", green_efs::DEFAULT_NAME)),
            if green.is_some() {
                "use".into()
            } else {
                "create".into()
            },
        );
        push(
            "efs",
            efs::SOURCE,
            "DataSyncLocation",
            format!("{fs} (subnet of a mount target)"),
            action(get(efs::SOURCE), "ensure"),
        );
        push(
            "efs",
            efs::DESTINATION,
            "DataSyncLocation",
            green.unwrap_or_else(|| "(new file system)".into()),
            action(get(efs::DESTINATION), "ensure"),
        );
        push(
            "efs",
            efs::TASK,
            "DataSyncTask",
            "TransferMode CHANGED, verify, remove deleted".into(),
            action(get(efs::TASK), "ensure"),
        );
        push(
            "efs",
            efs::EXECUTION,
            "DataSyncExecution",
            format!("{fs} -> green"),
            if ctx.resync {
                "run again".into()
            } else {
                action(get(efs::EXECUTION), "run")
            },
        );
    }
    Ok(steps)
}

/// Green's file system if it exists already: recorded, or found by its creation token.
async fn green_filesystem_id(ctx: &Ctx) -> Result<Option<String>> {
    if let Some(r) = ctx
        .record
        .get(green_efs::FILESYSTEM)
        .await
        .filter(|r| !r.id.is_empty())
    {
        return Ok(Some(r.id));
    }
    let out = ctx
        .aws
        .efs()
        .describe_file_systems()
        .creation_token(green_efs::creation_token(ctx, green_efs::DEFAULT_NAME))
        .send()
        .await
        .map_err(|e| Error::aws("DescribeFileSystems", e))?;
    Ok(out
        .file_systems()
        .first()
        .map(|f| f.file_system_id().to_string()))
}

/// Refuses (exit 2, before anything is created) any green target that is a blue resource.
async fn refuse_blue_targets(
    ctx: &Ctx,
    storage: &BlueStorage,
    green_fs: Option<&str>,
) -> Result<()> {
    let mut clashes = Vec::new();
    if let Some(db) = &storage.db {
        let t = rds::targets(ctx, db, rds::generation(ctx).await);
        if t.instance == db.id {
            clashes.push(format!("DB instance {}", db.id));
        }
        if t.secret.is_some() && t.secret == db.secret {
            clashes.push(format!("secret {}", db.secret.clone().unwrap_or_default()));
        }
    }
    if let Some(b) = &storage.bucket
        && s3::green_bucket(ctx, b) == *b
    {
        clashes.push(format!("bucket {b}"));
    }
    if let Some(fs) = &storage.efs_id
        && green_fs == Some(fs.as_str())
    {
        clashes.push(format!("EFS file system {fs}"));
    }
    if clashes.is_empty() {
        Ok(())
    } else {
        Err(Error::usage(
            format!(
                "green's target would be blue's {}: refusing to write to production",
                clashes.join(", ")
            ),
            "check --to and the overrides",
        ))
    }
}
