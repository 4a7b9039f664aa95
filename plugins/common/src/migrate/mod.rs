//! `kubectl kf migrate`: carries each user's Kubeflow objects and claims from blue to green
//! (issue 15). Profiles first, then, once the profile controller has made each namespace on
//! green, the objects users made in it, then every claim.
//!
//! [`observe`] reads both sides; [`plan`] decides (pure, unit-tested); [`apply`] runs exactly
//! the plan's steps; `--dry-run` and `-o json` print the plan itself. Nothing is written (not
//! even the record) before the plan is made: every refusal comes first.

pub mod apply;
pub mod ebs;
pub mod observe;
pub mod plan;

use serde::Serialize;

use crate::commands::MigrateArgs;
use crate::error::{Error, Result};
use crate::output::{self, Render};
use crate::progress::Progress;
use crate::record::Phase;
use crate::upgrade::Session;

pub use apply::Outcome;
pub use plan::{EbsMode, Filter, Plan};

/// The record key of a migrate run.
pub const KEY: &str = "migrate";

/// What migrate prints after a run.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub blue: String,
    pub green: String,
    pub steps: Vec<Outcome>,
}

impl Report {
    fn failures(&self) -> impl Iterator<Item = &Outcome> {
        self.steps.iter().filter(|o| o.result.starts_with("failed"))
    }

    fn count(&self, kind: &str, result: &str) -> usize {
        self.steps
            .iter()
            .filter(|o| o.step.kind == kind && o.result.starts_with(result))
            .count()
    }

    pub fn summary(&self) -> String {
        let created = self
            .steps
            .iter()
            .filter(|o| o.result == "created" && o.step.kind != "Namespace")
            .count();
        let exists = self.steps.iter().filter(|o| o.result == "exists").count();
        let skipped = self.steps.iter().filter(|o| o.result == "skipped").count();
        let failed = self.failures().count();
        format!("{created} created, {exists} already on green, {skipped} skipped, {failed} failed")
    }

    pub fn error(&self) -> Option<Error> {
        let failed: Vec<String> = self
            .failures()
            .map(|o| format!("  {}: {}", o.step.key, o.result))
            .collect();
        (!failed.is_empty()).then(|| {
            Error::failed(format!(
                "{} step(s) failed (the others are done; run `kubectl kf migrate` again to \
                 retry them):\n{}",
                failed.len(),
                failed.join("\n")
            ))
        })
    }
}

impl Render for Report {
    fn table(&self) -> String {
        let mut kinds: Vec<&str> = Vec::new();
        for o in &self.steps {
            if o.step.kind != "Namespace" && !kinds.contains(&o.step.kind.as_str()) {
                kinds.push(&o.step.kind);
            }
        }
        let mut s = format!("Migrated {} to {}\n\n", self.blue, self.green);
        s.push_str(&output::table(
            &["KIND", "CREATED", "ON GREEN", "SKIPPED", "FAILED"],
            kinds.iter().map(|k| {
                [
                    k.to_string(),
                    self.count(k, "created").to_string(),
                    self.count(k, "exists").to_string(),
                    self.count(k, "skipped").to_string(),
                    self.count(k, "failed").to_string(),
                ]
            }),
        ));
        // What a user would miss: claims not carried, objects that failed.
        let notable: Vec<&Outcome> = self
            .steps
            .iter()
            .filter(|o| {
                (o.step.kind == "PersistentVolumeClaim" && o.result == "skipped")
                    || o.result.starts_with("failed")
            })
            .collect();
        if !notable.is_empty() {
            s.push_str("\nNot carried:\n");
            s.push_str(&output::wrapped_table(
                &["CLAIM OR OBJECT", "WHY"],
                notable.iter().map(|o| {
                    [
                        format!("{}/{}", o.step.namespace, o.step.name),
                        if o.result == "skipped" {
                            o.step.reason.clone()
                        } else {
                            o.result.clone()
                        },
                    ]
                }),
            ));
        }
        s.push_str(&format!("\n{}.\n", self.summary()));
        s.push_str(&format!(
            "Check it: kubectl kf verify --from {} --to {}\n",
            self.blue, self.green
        ));
        s
    }
}

/// Observes, plans and (unless --dry-run) applies; resumable: a run again does only what
/// green still lacks.
pub async fn run(args: MigrateArgs) -> Result<()> {
    let g = &args.global;
    let filter = Filter {
        namespaces: args.namespaces.clone(),
        exclude: args.exclude_namespaces.clone(),
    };
    if let Some(both) = filter
        .namespaces
        .iter()
        .find(|n| filter.exclude.contains(n))
    {
        return Err(Error::usage(
            format!("--namespace {both} and --exclude-namespace {both} contradict each other"),
            "pass one of them",
        ));
    }
    let ebs = match args.ebs {
        crate::commands::EbsMode::Snapshot => EbsMode::Snapshot,
        crate::commands::EbsMode::Skip => EbsMode::Skip,
    };
    let session = Session::open(g).await?;
    let green = session.green_client().await?;
    let rec = session.ctx.record.snapshot().await;
    let (observed, src) = observe::observe(&session, &green, &rec).await?;
    let plan = plan::plan(&observed, &filter, ebs, g.dry_run)?;
    if g.dry_run {
        return output::print(g.output, &plan);
    }
    let changes = plan.changes().count();
    let report = if changes == 0 {
        Report {
            blue: session.blue.context.clone(),
            green: session.green.clone(),
            steps: apply::apply(
                &session,
                &green,
                &plan,
                &src,
                &Progress::new(true).stream(KEY),
            )
            .await?,
        }
    } else {
        let ctx = &session.ctx;
        ctx.record
            .mark(
                KEY,
                "Migrate",
                "",
                Phase::InProgress,
                Some(format!("{changes} change(s) planned")),
            )
            .await?;
        let progress = Progress::new(g.quiet).stream(KEY);
        let steps = match apply::apply(&session, &green, &plan, &src, &progress).await {
            Ok(s) => s,
            Err(e) => {
                progress.finish("stopped");
                ctx.record
                    .mark(KEY, "Migrate", "", Phase::Failed, Some(e.to_string()))
                    .await?;
                return Err(e);
            }
        };
        let report = Report {
            blue: session.blue.context.clone(),
            green: session.green.clone(),
            steps,
        };
        let phase = if report.error().is_some() {
            Phase::Failed
        } else {
            Phase::Completed
        };
        progress.finish(&report.summary());
        ctx.record
            .mark(KEY, "Migrate", "", phase, Some(report.summary()))
            .await?;
        report
    };
    output::print(g.output, &report)?;
    match report.error() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
