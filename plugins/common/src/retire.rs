//! `kubectl kf retire-blue [--delete-data]`: the end of an upgrade that keeps green, once
//! production runs on it. Deletes blue's nodegroups and cluster, blue's DB with a final snapshot
//! (its deletion protection lifted only with `--yes`), and, only with `--delete-data`, blue's
//! EFS file system and bucket; drops blue's Route 53 record sets from the record's cutover
//! section so `kf cutover failback` says it can no longer go back.
//!
//! Blue's resources are not the upgrade's (nothing of blue carries its tag): they are the ones
//! the record names (`blueCluster`, `clones.*.from`), so retire-blue needs the record. It runs
//! only after a complete cutover with traffic on green (and, once `kf verify` lands, after it
//! passes: see [`verified`]). On a terminal it asks for blue's cluster name unless `--yes`.
//! Observe ([`observe`]) / [`plan`] (pure, unit-tested) / apply (the steps of
//! [`crate::abort::apply`], recorded in the record's `retireBlue` section).
//!
//! The record lives in blue's cluster, which retire-blue deletes (its API server with it): once
//! blue is recorded retired and before anything is deleted, the record moves to green's cluster
//! ([`crate::record::RecordStore::move_to_green`]), where it is written from then on and where
//! `kf status` and `kf cutover failback` find it.

use std::io::IsTerminal;

use serde::Serialize;

use crate::abort::{self, Action, Item, Kind};
use crate::aws;
use crate::commands::RetireBlueArgs;
use crate::cutover::{CutoverState, Stage};
use crate::error::{Error, Result};
use crate::output::{self, Render};
use crate::progress::Progress;
use crate::record::UpgradeRecord;
use crate::teardown;
use crate::upgrade::Session;

/// The key of retire-blue's section in the upgrade record.
pub const SECTION: &str = "retireBlue";

/// Blue's DB as retire-blue finds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlueDb {
    pub id: String,
    pub deletion_protection: bool,
}

/// Everything retire-blue reads before deciding.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Observed {
    pub record_found: bool,
    pub stage: Stage,
    pub traffic_on_green: bool,
    pub blue_retired: bool,
    pub cluster: Option<String>,
    pub nodegroups: Vec<String>,
    pub db: Option<BlueDb>,
    pub file_system: Option<String>,
    pub mount_targets: Vec<String>,
    pub bucket: Option<String>,
}

/// The plan: what goes, what stays and why.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub blue: String,
    pub green: String,
    pub dry_run: bool,
    pub cluster: Option<String>,
    pub items: Vec<Item>,
}

impl Render for Plan {
    fn table(&self) -> String {
        // The dry-run note on a line of its own: the plan reads on 80 columns.
        let mut s = teardown::plan_table(
            &format!(
                "Plan: retire blue (context {}); production is on {}{}",
                self.blue,
                self.green,
                if self.dry_run {
                    "\n(dry run: nothing is changed)"
                } else {
                    ""
                }
            ),
            false,
            "Nothing to retire: blue's resources are gone.",
            self.items.iter().map(Item::row),
        );
        if self.cluster.is_some() && !self.items.is_empty() {
            s.push_str(&format!(
                "\nThe upgrade record moves to {}'s cluster before blue's is deleted.\n",
                self.green
            ));
        }
        s
    }
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub blue: String,
    pub green: String,
    pub final_snapshots: Vec<String>,
    pub deleted: Vec<Item>,
    pub kept: Vec<Item>,
    /// The context whose cluster holds the upgrade record now (green's).
    pub record_in: String,
}

impl Render for Report {
    fn table(&self) -> String {
        let mut s = teardown::report_table(
            false,
            "",
            self.deleted.iter().map(Item::row),
            self.final_snapshots
                .iter()
                .map(|f| format!("kept the final snapshot of blue's DB: {f}")),
            self.kept.iter().map(Item::row),
        );
        s.push_str(&format!(
            "Blue {} is retired; {} serves production. `kubectl kf cutover failback` can no \
             longer go back.\n",
            self.blue, self.green
        ));
        s.push_str(&format!(
            "The upgrade record is kept in {}'s cluster now.\n",
            self.record_in
        ));
        s
    }
}

/// The final snapshot of blue's DB `instance`.
pub fn final_snapshot_name(instance: &str) -> String {
    let base: String = instance.chars().take(255 - "-final-retire".len()).collect();
    format!("{}-final-retire", base.trim_end_matches('-'))
}

/// Blue is retired only while green has everything blue has: `kubectl kf verify`'s comparison,
/// run before the first deletion. A re-run after retirement began skips it (blue's side is
/// partly gone by then, and what it compared has not changed).
async fn verified(session: &Session, rec: &UpgradeRecord) -> Result<()> {
    let started = CutoverState::from_record(rec).is_ok_and(|s| s.blue_retired.is_some());
    if started {
        return Ok(());
    }
    let report = crate::verify::report(session, crate::verify::DEFAULT_SAMPLE).await?;
    match report.error() {
        None => Ok(()),
        Some(missing) => Err(Error::refused(
            format!("blue cannot be retired: {missing}"),
            "carry what is missing to green (kubectl kf migrate, kubectl kf clone), until \
             kubectl kf verify says carried M/M, then run retire-blue again",
        )),
    }
}

fn item(kind: Kind, id: &str, action: Action, reason: impl Into<String>) -> Item {
    Item {
        kind,
        id: id.to_string(),
        step: String::new(),
        action,
        reason: reason.into(),
        parent: None,
        final_snapshot: None,
        inline_policies: Vec::new(),
        attached_policies: Vec::new(),
    }
}

/// Decides what to delete. Refuses (exit 2, nothing changed) without the record or before a
/// complete cutover with traffic on green.
pub fn plan(o: &Observed, delete_data: bool, yes: bool) -> Result<Vec<Item>> {
    if !o.record_found {
        return Err(Error::refused(
            "the upgrade record is gone: it alone says which resources are blue's (they carry \
             no upgrade tag); nothing was changed",
            "delete blue's cluster, DB, file system and bucket by hand, or restore the record",
        ));
    }
    if !o.blue_retired && (o.stage != Stage::CutOver || !o.traffic_on_green) {
        return Err(Error::refused(
            format!(
                "production traffic is not on green (cutover stage {:?}): blue still serves, \
                 or may have to again; nothing was changed",
                o.stage
            ),
            "finish the cutover first (`kubectl kf cutover --yes`), then run `kubectl kf \
             retire-blue` again",
        ));
    }
    let mut items = Vec::new();
    let cluster = o.cluster.as_deref().unwrap_or("");
    for ng in &o.nodegroups {
        let mut i = item(
            Kind::Nodegroup,
            ng,
            Action::Delete,
            format!("of blue's cluster {cluster}"),
        );
        i.parent = o.cluster.clone();
        items.push(i);
    }
    if let Some(c) = &o.cluster {
        items.push(item(
            Kind::EksCluster,
            c,
            Action::Delete,
            "blue's cluster, once its nodegroups are gone",
        ));
    }
    if let Some(db) = &o.db {
        let snapshot = final_snapshot_name(&db.id);
        if db.deletion_protection && !yes {
            items.push(item(
                Kind::DbInstance,
                &db.id,
                Action::Keep,
                "blue's DB has deletion protection: lifted only with --yes",
            ));
        } else {
            let mut i = item(
                Kind::DbInstance,
                &db.id,
                Action::Delete,
                format!(
                    "blue's DB{}; final snapshot {snapshot} kept",
                    if db.deletion_protection {
                        ": deletion protection lifted (--yes)"
                    } else {
                        ""
                    }
                ),
            );
            i.final_snapshot = Some(snapshot);
            items.push(i);
        }
    }
    let data = |kind, id: &str, what: &str, with: &str| {
        if delete_data {
            item(
                kind,
                id,
                Action::Delete,
                format!("{what}{with} (--delete-data)"),
            )
        } else {
            item(
                kind,
                id,
                Action::Keep,
                format!("{what}: kept without --delete-data"),
            )
        }
    };
    if let Some(fs) = &o.file_system {
        if delete_data {
            for mt in &o.mount_targets {
                let mut i = item(
                    Kind::MountTarget,
                    mt,
                    Action::Delete,
                    format!("of blue's file system {fs}"),
                );
                i.parent = Some(fs.clone());
                items.push(i);
            }
        }
        items.push(data(
            Kind::FileSystem,
            fs,
            "blue's EFS file system",
            ", its mount targets first",
        ));
    }
    if let Some(b) = &o.bucket {
        items.push(data(
            Kind::Bucket,
            b,
            "blue's bucket",
            " with every object version",
        ));
    }
    // Blue's cluster holds the upgrade record (and retire-blue needs it: blue's resources carry
    // no upgrade tag), so it goes last: a run stopped before that still finds everything again.
    items.sort_by_key(|i| (matches!(i.kind, Kind::Nodegroup | Kind::EksCluster), i.kind));
    Ok(items)
}

/// Every read retire-blue needs; nothing is written.
pub async fn observe(session: &Session) -> Result<Observed> {
    let ctx = &session.ctx;
    let rec = ctx.record.snapshot().await;
    let state = CutoverState::from_record(&rec)?;
    let mut o = Observed {
        record_found: ctx.record.exists().await,
        stage: state.stage,
        traffic_on_green: rec.traffic_on_green,
        blue_retired: state.blue_retired.is_some(),
        ..Default::default()
    };
    let name = rec.blue_cluster.clone().or_else(|| {
        crate::eks::cluster_name_in_kubeconfig(&session.blue.kubeconfig, &session.blue.context)
    });
    let eks = ctx.aws.eks();
    if let Some(name) = name {
        let answer = eks.describe_cluster().name(&name).send().await;
        if aws::found("DescribeCluster", answer, |e| {
            e.is_resource_not_found_exception()
        })?
        .is_some()
        {
            o.nodegroups = crate::eks::nodegroup_names(&eks, &name).await?;
            o.cluster = Some(name);
        }
    }
    if let Some(db) = rec.clones.db.as_ref().filter(|d| !d.from.is_empty()) {
        o.db = crate::clone::rds::describe_instance(&ctx.aws.rds(), &db.from)
            .await?
            .map(|i| BlueDb {
                id: db.from.clone(),
                deletion_protection: i.deletion_protection().unwrap_or(false),
            });
    }
    if let Some(efs) = &rec.clones.efs {
        let answer = ctx
            .aws
            .efs()
            .describe_mount_targets()
            .file_system_id(&efs.from)
            .send()
            .await;
        if let Some(out) = aws::found("DescribeMountTargets", answer, |e| {
            e.is_file_system_not_found()
        })? {
            o.mount_targets = out
                .mount_targets()
                .iter()
                .map(|m| m.mount_target_id().to_string())
                .collect();
            o.file_system = Some(efs.from.clone());
        }
    }
    if let Some(b) = rec.clones.bucket.as_ref().filter(|b| !b.from.is_empty())
        && ctx
            .aws
            .s3()
            .head_bucket()
            .bucket(&b.from)
            .send()
            .await
            .is_ok()
    {
        o.bucket = Some(b.from.clone());
    }
    Ok(o)
}

/// Asks for blue's cluster name on a terminal; without one (and without --yes), refuses.
fn confirm(cluster: &str) -> Result<()> {
    let fix = "pass --yes to retire blue without the typed confirmation";
    if !std::io::stdin().is_terminal() {
        return Err(Error::refused(
            format!(
                "retiring blue deletes its cluster {cluster} for good, and there is no terminal \
                 to confirm it on; nothing was changed"
            ),
            fix,
        ));
    }
    eprint!("This deletes blue's cluster for good. Type its name ({cluster}) to go on: ");
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| Error::io("reading the confirmation", e))?;
    if line.trim() != cluster {
        return Err(Error::refused(
            "the name typed is not blue's cluster's; nothing was changed",
            fix,
        ));
    }
    Ok(())
}

pub async fn run(args: RetireBlueArgs) -> Result<()> {
    let g = &args.global;
    let session = Session::open(g).await?;
    let observed = observe(&session).await?;
    let items = plan(&observed, args.delete_data, g.yes)?;
    let plan = Plan {
        blue: session.blue.context.clone(),
        green: session.green.clone(),
        dry_run: g.dry_run,
        cluster: observed.cluster.clone(),
        items,
    };
    if g.dry_run {
        return output::print(g.output, &plan);
    }
    let ctx = &session.ctx;
    verified(&session, &ctx.record.snapshot().await).await?;
    if !g.yes {
        confirm(plan.cluster.as_deref().unwrap_or(&plan.blue))?;
    }
    let progress = Progress::new(g.quiet);
    let started = crate::record::now();
    // Before anything is deleted: failback can no longer go back (blue's record sets dropped).
    ctx.record
        .update(|r| {
            r.change_section(crate::cutover::SECTION, |s: &mut CutoverState| {
                s.blue_retired.get_or_insert_with(|| started.clone());
                if let Some(d) = s.dns.as_mut() {
                    d.previous.clear();
                }
            });
            r.change_section(SECTION, |state: &mut abort::AbortState| {
                state.stage = Some("InProgress".into());
                state.started.get_or_insert_with(|| started.clone());
            });
        })
        .await?;
    // Blue's cluster holds the record and goes (its API server with it): the record moves to
    // green's cluster first, and is written there from now on.
    ctx.record
        .move_to_green(&session.green_client().await?)
        .await?;
    let as_abort = abort::Plan {
        blue: plan.blue.clone(),
        green: plan.green.clone(),
        dry_run: false,
        record_lost: false,
        delete_data: args.delete_data,
        items: plan.items.clone(),
    };
    let deleted = abort::apply(
        &session,
        &as_abort,
        &progress,
        g.kubeconfig.as_deref(),
        SECTION,
    )
    .await?;
    let finished = crate::record::now();
    let rec = ctx
        .record
        .update(|r| {
            r.change_section(SECTION, |state: &mut abort::AbortState| {
                state.stage = Some("Retired".into());
                state.finished = Some(finished.clone());
            });
        })
        .await?;
    output::print(
        g.output,
        &Report {
            blue: plan.blue.clone(),
            green: plan.green.clone(),
            final_snapshots: abort::AbortState::from_section(&rec, SECTION)?.final_snapshots,
            kept: plan
                .items
                .iter()
                .filter(|i| i.action == Action::Keep)
                .cloned()
                .collect(),
            deleted,
            record_in: ctx.record.location().await,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observed() -> Observed {
        Observed {
            record_found: true,
            stage: Stage::CutOver,
            traffic_on_green: true,
            cluster: Some("blue".into()),
            nodegroups: vec!["linux-nodes".into()],
            db: Some(BlueDb {
                id: "kubeflow-db".into(),
                deletion_protection: true,
            }),
            file_system: Some("fs-1".into()),
            mount_targets: vec!["fsmt-1".into()],
            bucket: Some("kf-artifacts-blue".into()),
            ..Default::default()
        }
    }

    fn find(items: &[Item], kind: Kind) -> Option<&Item> {
        items.iter().find(|i| i.kind == kind)
    }

    #[test]
    fn only_after_a_complete_cutover_with_traffic_on_green() {
        for (stage, traffic) in [
            (Stage::NotStarted, false),
            (Stage::InProgress, false),
            (Stage::CutOver, false),
            (Stage::FailedBack, false),
            (Stage::Failed, true),
        ] {
            let o = Observed {
                stage,
                traffic_on_green: traffic,
                ..observed()
            };
            let e = plan(&o, false, true).unwrap_err();
            assert_eq!(e.exit_code(), 2);
            assert!(e.to_string().contains("finish the cutover"), "{e}");
        }
        let o = Observed {
            record_found: false,
            ..observed()
        };
        assert_eq!(plan(&o, false, true).unwrap_err().exit_code(), 2);
    }

    #[test]
    fn deletion_protection_is_lifted_only_with_yes_and_data_goes_only_with_delete_data() {
        let items = plan(&observed(), false, false).unwrap();
        assert_eq!(find(&items, Kind::DbInstance).unwrap().action, Action::Keep);
        assert_eq!(
            find(&items, Kind::EksCluster).unwrap().action,
            Action::Delete
        );
        assert_eq!(find(&items, Kind::FileSystem).unwrap().action, Action::Keep);
        assert_eq!(find(&items, Kind::Bucket).unwrap().action, Action::Keep);
        assert!(find(&items, Kind::MountTarget).is_none());
        let items = plan(&observed(), true, true).unwrap();
        let db = find(&items, Kind::DbInstance).unwrap();
        assert_eq!(db.action, Action::Delete);
        assert_eq!(
            db.final_snapshot.as_deref(),
            Some("kubeflow-db-final-retire")
        );
        assert!(items.iter().all(|i| i.action == Action::Delete));
        let pos = |k| items.iter().position(|i| i.kind == k).unwrap();
        assert!(pos(Kind::Nodegroup) < pos(Kind::EksCluster));
        // The cluster holding the record goes last.
        assert!(pos(Kind::DbInstance) < pos(Kind::Nodegroup));
        assert!(pos(Kind::FileSystem) < pos(Kind::Nodegroup));
        assert!(pos(Kind::MountTarget) < pos(Kind::FileSystem));
    }
}
