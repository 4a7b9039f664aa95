//! `kubectl kf clone`: discover blue's storage, then clone RDS, S3 and EFS for green
//! concurrently. Every step is written to the upgrade record as it completes and every AWS
//! resource is tagged, so a second run continues where the first stopped and creates nothing twice.

pub mod datasync;
pub mod discover;
pub mod efs;
pub mod observe;
pub mod plan;
pub mod rds;
pub mod s3;
pub mod sync_back;

use std::collections::BTreeMap;

use serde::Serialize;

pub use crate::upgrade::Ctx;

use crate::cli::GlobalArgs;
use crate::commands::{CloneCli, Layer};
use crate::error::{Error, OnContext, Result};
use crate::output::{self, Render};
use crate::progress::Progress;
use crate::record::{Phase, Resource};
use crate::upgrade::Session;

#[derive(Debug, Serialize)]
pub struct Plan {
    pub blue: String,
    pub green: String,
    #[serde(rename = "dryRun")]
    pub dry_run: bool,
    pub steps: Vec<plan::Step>,
}

impl Render for Plan {
    fn table(&self) -> String {
        let mut s = format!(
            "Plan: clone {} -> {} (dry run: nothing is changed)\n\n",
            self.blue, self.green
        );
        s.push_str(&plan::steps_table(&self.steps));
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
    /// `--bandwidth`: MiB/s each DataSync copy may use.
    pub bandwidth: Option<u32>,
    /// Blue's writers are stopped (`kf cutover --freeze-blue`): the copies are verified in full.
    pub blue_frozen: bool,
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
            bandwidth: c.bandwidth,
            blue_frozen: false,
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
    let storage = discover::blue_storage(&blue_client, &aws, &cli.overrides, &layers)
        .await
        .on(&blue.context)?;
    let net = crate::eks::green_network(&aws, green_cluster).await?;
    ctx.resync = cli.resync;
    let flags = plan::Flags {
        resync: cli.resync,
        yes: g.yes,
        green_took_traffic: rec.green_traffic_since.is_some(),
        blue_frozen: cli.blue_frozen,
        bandwidth: cli.bandwidth,
    };
    let mode = plan::copy_mode(flags);
    let targets = plan::Targets::new(&ctx.tag, &storage, db_generation(&rec), flags);
    let observed = observe::observe(&ctx, &storage, &targets, &net).await?;
    let grants = plan::kms_grants(&observed);
    let steps = plan::plan(&storage, &targets, &observed, flags)?;
    if g.dry_run {
        return output::print(
            g.output,
            &Plan {
                blue: blue.context.clone(),
                green: green.clone(),
                dry_run: true,
                steps,
            },
        );
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
    let replace_db = plan::action_of(&steps, rds::INSTANCE) == plan::Action::Replace;
    let green_took_traffic = flags.green_took_traffic;
    let resync_started = crate::record::now();
    let layer_steps = |layer: &str| -> Vec<plan::Step> {
        steps.iter().filter(|s| s.layer == layer).cloned().collect()
    };
    let (db_steps, bucket_steps, efs_steps) =
        (layer_steps("db"), layer_steps("bucket"), layer_steps("efs"));
    let db = async {
        let (Some(db), Some(t)) = (&storage.db, &targets.db) else {
            return Ok(());
        };
        rds::apply(&ctx, &progress.stream("rds"), &db_steps, db, &net, t).await
    };
    let bucket = async {
        let (Some(b), Some(t)) = (&storage.bucket, &targets.bucket) else {
            return Ok(());
        };
        s3::apply(
            &ctx,
            &progress.stream("s3"),
            &bucket_steps,
            mode,
            &grants,
            b,
            t,
        )
        .await
    };
    let efs = async {
        let Some(t) = &targets.efs else {
            return Ok(());
        };
        efs::apply(
            &ctx,
            &progress.stream("efs"),
            &efs_steps,
            mode,
            observed.green_fs.as_deref(),
            &net,
            t,
        )
        .await
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

/// The resync generation the DB's snapshots are at: the recorded one; a resync whose new
/// snapshot was taken but not yet restored (a run killed half way) continues at it instead of
/// taking another.
fn db_generation(rec: &crate::record::UpgradeRecord) -> u32 {
    let Some(db) = &rec.clones.db else { return 0 };
    let finished = rec
        .resources
        .get(rds::INSTANCE)
        .is_some_and(|r| r.phase == Phase::Completed)
        && rec.resources.get(rds::SNAPSHOT).map(|r| r.id.as_str()) == db.restored_from.as_deref();
    if finished || db.generation == 0 {
        db.generation
    } else {
        db.generation - 1
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
