//! `kubectl kf cleanup`: the end of an upgrade that keeps green. Deletes what only served the
//! copy: the DataSync tasks (with their executions) and locations, the DataSync role and its
//! inline policy, the DB snapshots the clone took of blue but the newest `--keep-snapshots`, and
//! the EFS CSI driver's role once green's cluster is gone.
//!
//! Only resources tagged `kubeflow.org/upgrade=<green>` are considered, and of those only the
//! ones a clone step made (tagged with that step, or recorded under it). Blue's and green's data
//! (blue's resources, green's DB, bucket and file system, the final snapshots of green's DB) are
//! never touched. The resources are found from their tags, so a lost record loses nothing; the
//! command says when the record was gone.
//!
//! Observe ([`observe`]) reads into [`Observed`]; [`plan`] decides (pure, unit-tested); [`apply`]
//! executes exactly the planned deletions, each recorded in the record's `cleanup` section.
//! A resource already gone is not an error, and a re-run after everything is gone plans nothing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::aws;
use crate::clone::{datasync, efs as clone_efs, rds, s3};
use crate::commands::CleanupArgs;
use crate::cutover::{CutoverState, Stage};
use crate::error::{Error, Result};
use crate::output::{self, Render};
use crate::progress::Progress;
use crate::record::UPGRADE_TAG;
use crate::storage::efs as storage_efs;
use crate::teardown;
pub use crate::teardown::{Action, Deleted};
use crate::upgrade::{Ctx, Session, fit_name};

/// The key of cleanup's section in the upgrade record.
pub const SECTION: &str = "cleanup";

/// The steps of the clone whose DataSync resources only served the copy.
const DATASYNC_STEPS: [&str; 8] = [
    s3::SOURCE,
    s3::DESTINATION,
    s3::TASK,
    clone_efs::SOURCE,
    clone_efs::DESTINATION,
    clone_efs::TASK,
    "s3.sync-back.task",
    "efs.sync-back.task",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Kind {
    DataSyncTask,
    DataSyncLocation,
    IamRole,
    DbSnapshot,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::DataSyncTask => "DataSyncTask",
            Kind::DataSyncLocation => "DataSyncLocation",
            Kind::IamRole => "IAMRole",
            Kind::DbSnapshot => "DBSnapshot",
        }
    }
}

/// Where a resource was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Source {
    /// Tagged with the upgrade and the clone step that made it.
    Tags,
    /// Recorded under a clone step and tagged with the upgrade.
    Record,
}

/// A DataSync task or location of this upgrade.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataSyncFound {
    pub arn: String,
    /// The step that made it (its tag, or the record key it is recorded under).
    pub step: String,
    pub source: Source,
}

/// An IAM role of this upgrade: its name and what is attached to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleFound {
    pub name: String,
    pub inline_policies: Vec<String>,
    pub attached_policies: Vec<String>,
}

/// A manual DB snapshot tagged with this upgrade.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotFound {
    pub id: String,
    /// Its step tag (`rds.snapshot` for the clone's snapshots of blue).
    pub step: Option<String>,
    /// Creation time, RFC 3339 (sorts by time).
    pub created: String,
    pub status: String,
}

/// Everything cleanup reads before deciding.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Observed {
    /// Whether the record ConfigMap exists in blue's cluster.
    pub record_found: bool,
    pub cutover_stage: Stage,
    pub tasks: Vec<DataSyncFound>,
    pub locations: Vec<DataSyncFound>,
    /// DataSync executions under way: (task, execution, status).
    pub running: Vec<(String, String, String)>,
    pub datasync_role: Option<RoleFound>,
    pub csi_role: Option<RoleFound>,
    /// Whether green's EKS cluster still exists (None: cannot tell).
    pub green_cluster_exists: Option<bool>,
    pub snapshots: Vec<SnapshotFound>,
}

/// One resource and what cleanup does with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    pub kind: Kind,
    pub id: String,
    /// The clone step that made it.
    pub step: String,
    pub action: Action,
    pub reason: String,
    /// For a role: its inline policies (deleted first) and attached managed policies (detached).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inline_policies: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attached_policies: Vec<String>,
}

/// The plan: every resource found, deleted or kept with the reason.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub blue: String,
    pub green: String,
    pub dry_run: bool,
    /// Whether the resources were found from their tags because the record is gone.
    pub record_lost: bool,
    pub items: Vec<Item>,
}

impl Item {
    fn row(&self) -> teardown::Row<'_> {
        teardown::Row {
            action: self.action,
            kind: self.kind.as_str(),
            id: &self.id,
            reason: &self.reason,
        }
    }
}

/// What the plan and the report say when nothing is left to delete.
const NOTHING: &str = "Nothing to clean up: every resource that served the copy is gone.";

impl Plan {
    pub fn deletions(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| i.action == Action::Delete)
    }
}

impl Render for Plan {
    fn table(&self) -> String {
        teardown::plan_table(
            &format!(
                "Plan: cleanup of the upgrade {} -> {}{}",
                self.blue,
                self.green,
                teardown::dry_run_note(self.dry_run)
            ),
            self.record_lost,
            NOTHING,
            self.items.iter().map(Item::row),
        )
    }
}

/// What a cleanup deleted, as its section of the record holds it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CleanupState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished: Option<String>,
    /// Whether a run found the resources from tags because the record was gone.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_tags: bool,
    /// Each deleted resource by id: kind, step, when.
    #[serde(default)]
    pub deleted: BTreeMap<String, Deleted>,
}

impl CleanupState {
    pub fn from_record(rec: &crate::record::UpgradeRecord) -> Result<Self> {
        rec.section(SECTION)
    }
}

/// What was deleted by this run.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub blue: String,
    pub green: String,
    pub record_lost: bool,
    pub deleted: Vec<Item>,
    pub kept: Vec<Item>,
}

impl Render for Report {
    fn table(&self) -> String {
        teardown::report_table(
            self.record_lost,
            NOTHING,
            self.deleted.iter().map(Item::row),
            None,
            self.kept.iter().map(Item::row),
        )
    }
}

/// The DataSync role's and the EFS CSI driver role's names for the upgrade tag `tag`.
pub fn role_names(tag: &str) -> (String, String) {
    (
        fit_name("kf-datasync-", tag, "", 64),
        fit_name("kf-", tag, "-efs-csi-driver", 64),
    )
}

/// Decides what to delete and what to keep. Refuses (exit 2) while a DataSync execution runs
/// or while a cutover is half done.
pub fn plan(o: &Observed, keep_snapshots: usize) -> Result<Vec<Item>> {
    if let Some((task, exec, status)) = o.running.first() {
        return Err(Error::refused(
            format!(
                "DataSync execution {exec} of task {task} is {status}: deleting its task and \
                 locations would stop the copy half way; nothing was changed"
            ),
            "wait for the copy to finish (or cancel it: `aws datasync cancel-task-execution \
             --task-execution-arn ARN`), then run `kubectl kf cleanup` again",
        ));
    }
    if matches!(o.cutover_stage, Stage::InProgress | Stage::Failed) {
        return Err(Error::refused(
            "a cutover is half done (the record's cutover stage is not finished): a resync it \
             may still run needs the DataSync tasks and locations; nothing was changed",
            "finish it (`kubectl kf cutover --yes`) or undo it (`kubectl kf cutover failback \
             --yes`), then run `kubectl kf cleanup` again",
        ));
    }
    let mut items = Vec::new();
    let item = |kind, id: &str, step: &str, action, reason: String| Item {
        kind,
        id: id.to_string(),
        step: step.to_string(),
        action,
        reason,
        inline_policies: Vec::new(),
        attached_policies: Vec::new(),
    };
    let found = |s: Source| match s {
        Source::Tags => "tagged",
        Source::Record => "recorded",
    };
    // Same order on every run (DataSync lists in creation order, and the streams run concurrently).
    let by_step = |v: &[DataSyncFound]| {
        let mut v = v.to_vec();
        v.sort_by(|a, b| (&a.step, &a.arn).cmp(&(&b.step, &b.arn)));
        v
    };
    for t in &by_step(&o.tasks) {
        items.push(item(
            Kind::DataSyncTask,
            &t.arn,
            &t.step,
            Action::Delete,
            format!("{} {}; its executions go with it", found(t.source), t.step),
        ));
    }
    for l in &by_step(&o.locations) {
        items.push(item(
            Kind::DataSyncLocation,
            &l.arn,
            &l.step,
            Action::Delete,
            format!(
                "{} {}; the data it points at stays",
                found(l.source),
                l.step
            ),
        ));
    }
    if let Some(r) = &o.datasync_role {
        let mut i = item(
            Kind::IamRole,
            &r.name,
            datasync::ROLE,
            Action::Delete,
            "the copy's DataSync role; its inline policy first".into(),
        );
        i.inline_policies = r.inline_policies.clone();
        i.attached_policies = r.attached_policies.clone();
        items.push(i);
    }
    if let Some(r) = &o.csi_role {
        let (action, reason) = match o.green_cluster_exists {
            Some(false) => (
                Action::Delete,
                "the EFS CSI driver's role: green's cluster is gone".to_string(),
            ),
            Some(true) => (
                Action::Keep,
                "green's cluster still runs the EFS CSI driver with it".to_string(),
            ),
            None => (
                Action::Keep,
                "cannot tell whether green's cluster is gone".to_string(),
            ),
        };
        let mut i = item(
            Kind::IamRole,
            &r.name,
            storage_efs::CSI_ROLE,
            action,
            reason,
        );
        if action == Action::Delete {
            i.inline_policies = r.inline_policies.clone();
            i.attached_policies = r.attached_policies.clone();
        }
        items.push(i);
    }
    // The clone's snapshots of blue, newest first: the first `keep_snapshots` are kept.
    let mut of_blue: Vec<&SnapshotFound> = o
        .snapshots
        .iter()
        .filter(|s| s.step.as_deref() == Some(rds::SNAPSHOT))
        .collect();
    of_blue.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| b.id.cmp(&a.id)));
    for (n, s) in of_blue.iter().enumerate() {
        let (action, reason) = if n < keep_snapshots {
            (
                Action::Keep,
                format!(
                    "the {} snapshot of blue the clone took (--keep-snapshots {keep_snapshots})",
                    ordinal(n + 1)
                ),
            )
        } else if s.status != "available" {
            (
                Action::Keep,
                format!(
                    "{}: RDS deletes only available snapshots; run cleanup again later",
                    s.status
                ),
            )
        } else {
            (
                Action::Delete,
                format!(
                    "an older snapshot of blue the clone took (--keep-snapshots {keep_snapshots})"
                ),
            )
        };
        items.push(item(Kind::DbSnapshot, &s.id, rds::SNAPSHOT, action, reason));
    }
    for s in o
        .snapshots
        .iter()
        .filter(|s| s.step.as_deref() != Some(rds::SNAPSHOT))
    {
        let step = s.step.as_deref().unwrap_or("");
        // A final snapshot RDS takes when green's DB is deleted carries the instance's tags
        // (step rds.instance): it holds green's data too.
        let reason = if step.starts_with("rds.final-snapshot")
            || step.starts_with("rds.failback-snapshot")
            || step == rds::INSTANCE
        {
            "holds green's data (a final or failback snapshot of green's DB): never deleted by \
             cleanup"
        } else {
            "not a snapshot the clone took of blue: left alone"
        };
        items.push(item(
            Kind::DbSnapshot,
            &s.id,
            step,
            Action::Keep,
            reason.into(),
        ));
    }
    Ok(items)
}

fn ordinal(n: usize) -> String {
    match n {
        1 => "newest".into(),
        2 => "2nd newest".into(),
        3 => "3rd newest".into(),
        n => format!("{n}th newest"),
    }
}

/// DataSync's statuses of an execution under way (DataSync API reference,
/// TaskExecutionListEntry.Status).
fn is_running(s: &aws_sdk_datasync::types::TaskExecutionStatus) -> bool {
    use aws_sdk_datasync::types::TaskExecutionStatus as S;
    matches!(
        s,
        S::Queued | S::Launching | S::Preparing | S::Transferring | S::Verifying
    )
}

/// The DataSync resources among `arns` this upgrade's clone made: tagged with the upgrade, and
/// with a clone step or recorded under one (`recorded`: arn -> record key).
async fn datasync_of_upgrade(
    ctx: &Ctx,
    arns: Vec<String>,
    recorded: &BTreeMap<String, String>,
) -> Result<Vec<DataSyncFound>> {
    let mut found = Vec::new();
    for arn in arns {
        let tags = crate::tags::of_datasync(&ctx.aws.datasync(), &arn).await?;
        found.extend(of_upgrade(arn, &tags, &ctx.tag, recorded));
    }
    Ok(found)
}

/// A DataSync resource with `tags` when this upgrade's clone made it: tagged
/// `kubeflow.org/upgrade=<tag>`, and tagged with a clone step or recorded under one. Anything
/// else (blue's, another upgrade's, a user's) is not cleanup's.
fn of_upgrade(
    arn: String,
    tags: &[(String, String)],
    tag: &str,
    recorded: &BTreeMap<String, String>,
) -> Option<DataSyncFound> {
    if !crate::tags::has(tags, UPGRADE_TAG, tag) {
        return None;
    }
    let step = crate::tags::step_of(tags).filter(|s| DATASYNC_STEPS.contains(&s.as_str()));
    match (step, recorded.get(&arn)) {
        (Some(step), _) => Some(DataSyncFound {
            arn,
            step,
            source: Source::Tags,
        }),
        (None, Some(key)) => Some(DataSyncFound {
            arn,
            step: key.clone(),
            source: Source::Record,
        }),
        (None, None) => None,
    }
}

/// Role `name` when it exists and carries this upgrade's tag.
pub(crate) async fn role_of_upgrade(ctx: &Ctx, name: &str) -> Result<Option<RoleFound>> {
    let iam = ctx.aws.iam();
    let answer = iam.get_role().role_name(name).send().await;
    if aws::found("GetRole", answer, |e| e.is_no_such_entity_exception())?.is_none() {
        return Ok(None);
    }
    let tags = crate::aws::all(
        "ListRoleTags",
        iam.list_role_tags()
            .role_name(name)
            .into_paginator()
            .items()
            .send(),
    )
    .await?;
    if !tags
        .iter()
        .any(|t| t.key() == UPGRADE_TAG && t.value() == ctx.tag)
    {
        return Ok(None);
    }
    let inline_policies = crate::irsa::inline_policy_names(&iam, name).await?;
    let attached_policies = crate::irsa::attached_policy_arns(&iam, name).await?;
    Ok(Some(RoleFound {
        name: name.to_string(),
        inline_policies,
        attached_policies,
    }))
}

/// Every read cleanup needs; nothing is written.
pub async fn observe(session: &Session) -> Result<Observed> {
    let ctx = &session.ctx;
    let rec = ctx.record.snapshot().await;
    let record_found = ctx.record.exists().await;
    let cutover_stage = CutoverState::from_record(&rec)?.stage;
    let recorded: BTreeMap<String, String> = rec
        .resources
        .iter()
        .filter(|(k, r)| DATASYNC_STEPS.contains(&k.as_str()) && !r.id.is_empty())
        .map(|(k, r)| (r.id.clone(), k.clone()))
        .collect();
    let ds = ctx.aws.datasync();
    let task_arns = datasync::task_arns(&ds).await?;
    let tasks = datasync_of_upgrade(ctx, task_arns, &recorded).await?;
    let location_arns = datasync::location_arns(&ds).await?;
    let locations = datasync_of_upgrade(ctx, location_arns, &recorded).await?;
    let mut running = Vec::new();
    for t in &tasks {
        let list = ds
            .list_task_executions()
            .task_arn(&t.arn)
            .send()
            .await
            .map_err(|e| Error::aws("ListTaskExecutions", e))?;
        for e in list.task_executions() {
            if let Some(status) = e.status().filter(|s| is_running(s)) {
                running.push((
                    t.arn.clone(),
                    e.task_execution_arn().unwrap_or_default().to_string(),
                    status.as_str().to_string(),
                ));
            }
        }
    }
    let (datasync_role, csi_role) = role_names(&ctx.tag);
    let datasync_role = role_of_upgrade(ctx, &datasync_role).await?;
    let csi_role = role_of_upgrade(ctx, &csi_role).await?;
    let green_cluster_exists = if csi_role.is_some() {
        green_cluster_exists(session, rec.green_cluster.as_deref()).await?
    } else {
        None
    };
    Ok(Observed {
        record_found,
        cutover_stage,
        tasks,
        locations,
        running,
        datasync_role,
        csi_role,
        green_cluster_exists,
        snapshots: snapshots_of_upgrade(
            ctx,
            rec.resources.get(rds::SNAPSHOT).map(|r| r.id.as_str()),
        )
        .await?,
    })
}

async fn green_cluster_exists(session: &Session, recorded: Option<&str>) -> Result<Option<bool>> {
    let Some(name) = recorded.map(str::to_string).or_else(|| {
        crate::eks::cluster_name_in_kubeconfig(&session.blue.kubeconfig, &session.green)
    }) else {
        return Ok(None);
    };
    let answer = session
        .ctx
        .aws
        .eks()
        .describe_cluster()
        .name(&name)
        .send()
        .await;
    Ok(Some(
        aws::found("DescribeCluster", answer, |e| {
            e.is_resource_not_found_exception()
        })?
        .is_some(),
    ))
}

/// The manual DB snapshots tagged with this upgrade (`recorded`: the snapshot the record holds
/// under the clone's snapshot step, which counts as that step's when its step tag is missing).
async fn snapshots_of_upgrade(ctx: &Ctx, recorded: Option<&str>) -> Result<Vec<SnapshotFound>> {
    let mut found = Vec::new();
    for (s, tags) in crate::tags::db_snapshots_of_upgrade(&ctx.aws.rds(), None, &ctx.tag).await? {
        let Some(id) = s.db_snapshot_identifier() else {
            continue;
        };
        found.push(SnapshotFound {
            id: id.to_string(),
            step: crate::tags::step_of(&tags)
                .or_else(|| (recorded == Some(id)).then(|| rds::SNAPSHOT.to_string())),
            created: s
                .snapshot_create_time()
                .and_then(|t| t.fmt(aws_smithy_types::date_time::Format::DateTime).ok())
                .unwrap_or_default(),
            status: s.status().unwrap_or("unknown").to_string(),
        });
    }
    Ok(found)
}

/// Records one deletion in the record's `cleanup` section.
async fn record_deleted(ctx: &Ctx, item: &Item, already_gone: bool) -> Result<()> {
    ctx.record
        .update(|r| {
            r.change_section(SECTION, |state: &mut CleanupState| {
                state.deleted.insert(
                    item.id.clone(),
                    Deleted::now(item.kind.as_str(), &item.step, already_gone),
                );
            });
        })
        .await
        .map(|_| ())
}

/// Deletes one planned resource; true when it was already gone.
pub(crate) async fn delete(ctx: &Ctx, item: &Item) -> Result<bool> {
    match item.kind {
        Kind::DataSyncTask => {
            let ds = ctx.aws.datasync();
            match ds.delete_task().task_arn(&item.id).send().await {
                Ok(_) => Ok(false),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_invalid_request_exception()) =>
                {
                    // DataSync answers InvalidRequestException for a missing task too: gone
                    // only if it can no longer be described.
                    if ds.describe_task().task_arn(&item.id).send().await.is_err() {
                        Ok(true)
                    } else {
                        Err(Error::aws("DeleteTask", e))
                    }
                }
                Err(e) => Err(Error::aws("DeleteTask", e)),
            }
        }
        Kind::DataSyncLocation => {
            let ds = ctx.aws.datasync();
            match ds.delete_location().location_arn(&item.id).send().await {
                Ok(_) => Ok(false),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_invalid_request_exception()) =>
                {
                    let listed = datasync::location_arns(&ds).await?.contains(&item.id);
                    if listed {
                        Err(Error::aws("DeleteLocation", e))
                    } else {
                        Ok(true)
                    }
                }
                Err(e) => Err(Error::aws("DeleteLocation", e)),
            }
        }
        Kind::IamRole => {
            let iam = ctx.aws.iam();
            // A policy already gone (a re-run) is not an error; the role's own answer says
            // whether it was.
            for p in &item.inline_policies {
                let answer = iam
                    .delete_role_policy()
                    .role_name(&item.id)
                    .policy_name(p)
                    .send()
                    .await;
                aws::deleted("DeleteRolePolicy", answer, |e| {
                    e.is_no_such_entity_exception()
                })?;
            }
            for p in &item.attached_policies {
                let answer = iam
                    .detach_role_policy()
                    .role_name(&item.id)
                    .policy_arn(p)
                    .send()
                    .await;
                aws::deleted("DetachRolePolicy", answer, |e| {
                    e.is_no_such_entity_exception()
                })?;
            }
            let answer = iam.delete_role().role_name(&item.id).send().await;
            aws::deleted("DeleteRole", answer, |e| e.is_no_such_entity_exception())
        }
        Kind::DbSnapshot => {
            let answer = ctx
                .aws
                .rds()
                .delete_db_snapshot()
                .db_snapshot_identifier(&item.id)
                .send()
                .await;
            aws::deleted("DeleteDBSnapshot", answer, |e| {
                e.is_db_snapshot_not_found_fault()
            })
        }
    }
}

/// Executes exactly the planned deletions: tasks first (a location in use by a task cannot
/// go), then locations, roles (inline policies first), snapshots. Each is recorded.
pub async fn apply(ctx: &Ctx, plan: &Plan, progress: &Progress) -> Result<Vec<Item>> {
    let stream = progress.stream("cleanup");
    let order = [
        Kind::DataSyncTask,
        Kind::DataSyncLocation,
        Kind::IamRole,
        Kind::DbSnapshot,
    ];
    let mut done = Vec::new();
    for kind in order {
        for item in plan.deletions().filter(|i| i.kind == kind) {
            stream.set(&format!("deleting {} {}", kind.as_str(), item.id));
            let already_gone = delete(ctx, item).await?;
            record_deleted(ctx, item, already_gone).await?;
            done.push(item.clone());
        }
    }
    stream.finish(&format!("{} resource(s) deleted", done.len()));
    Ok(done)
}

pub async fn run(args: CleanupArgs) -> Result<()> {
    let g = &args.global;
    let session = Session::open(g).await?;
    let observed = observe(&session).await?;
    let items = plan(&observed, args.keep_snapshots)?;
    let plan = Plan {
        blue: session.blue.context.clone(),
        green: session.green.clone(),
        dry_run: g.dry_run || !g.yes,
        record_lost: !observed.record_found,
        items,
    };
    let progress = Progress::new(g.quiet);
    if plan.record_lost {
        progress.println(&format!(
            "the upgrade record {}/{} is gone: finding what to clean up from the {UPGRADE_TAG}={} tags",
            crate::record::NAMESPACE,
            crate::record::configmap_name(&session.green),
            session.ctx.tag
        ));
    }
    if g.dry_run || !g.yes {
        if !g.dry_run && plan.deletions().next().is_some() {
            progress.println("nothing was deleted: pass --yes to clean up as planned");
        }
        return output::print(g.output, &plan);
    }
    let ctx = &session.ctx;
    if plan.deletions().next().is_some() {
        let started = crate::record::now();
        let from_tags = plan.record_lost;
        ctx.record
            .update(|r| {
                r.change_section(SECTION, |state: &mut CleanupState| {
                    state.started = Some(started.clone());
                    state.finished = None;
                    state.from_tags |= from_tags;
                });
            })
            .await?;
    }
    let deleted = apply(ctx, &plan, &progress).await?;
    if !deleted.is_empty() {
        let finished = crate::record::now();
        ctx.record
            .update(|r| {
                r.change_section(SECTION, |state: &mut CleanupState| {
                    state.finished = Some(finished.clone());
                });
            })
            .await?;
        // The clone's steps whose resources are gone now read so in `kf status`.
        for item in &deleted {
            if let Some(r) = ctx.record.get(&item.step).await
                && r.id == item.id
            {
                ctx.record
                    .mark(
                        &item.step,
                        &r.kind,
                        &r.id,
                        r.phase,
                        Some("deleted by kf cleanup".into()),
                    )
                    .await?;
            }
        }
    }
    output::print(
        g.output,
        &Report {
            blue: plan.blue.clone(),
            green: plan.green.clone(),
            record_lost: plan.record_lost,
            kept: plan
                .items
                .iter()
                .filter(|i| i.action == Action::Keep)
                .cloned()
                .collect(),
            deleted,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tags::STEP_TAG;

    #[test]
    fn tables_show_an_arn_by_its_resource_part() {
        assert_eq!(
            teardown::short_id("arn:aws:datasync:us-east-1:123456789012:task/task-0abc"),
            "task/task-0abc"
        );
        assert_eq!(teardown::short_id("kf-datasync-green"), "kf-datasync-green");
    }

    fn snap(id: &str, step: &str, created: &str) -> SnapshotFound {
        SnapshotFound {
            id: id.into(),
            step: Some(step.into()),
            created: created.into(),
            status: "available".into(),
        }
    }

    fn observed() -> Observed {
        Observed {
            record_found: true,
            tasks: vec![DataSyncFound {
                arn: "task-1".into(),
                step: s3::TASK.into(),
                source: Source::Tags,
            }],
            locations: vec![DataSyncFound {
                arn: "loc-1".into(),
                step: s3::SOURCE.into(),
                source: Source::Record,
            }],
            datasync_role: Some(RoleFound {
                name: "kf-datasync-green".into(),
                inline_policies: vec!["kf-datasync-buckets".into()],
                attached_policies: vec![],
            }),
            snapshots: vec![
                snap("kf-green-db", rds::SNAPSHOT, "2026-12-01T10:00:00Z"),
                snap("kf-green-db-r2", rds::SNAPSHOT, "2026-12-01T12:00:00Z"),
                snap("kf-green-db-r1", rds::SNAPSHOT, "2026-12-01T11:00:00Z"),
                snap(
                    "db-green-final-r0",
                    "rds.final-snapshot.r0",
                    "2026-12-01T11:30:00Z",
                ),
                snap("db-green-final-r1", rds::INSTANCE, "2026-12-01T12:30:00Z"),
                SnapshotFound {
                    step: None,
                    ..snap("someone-elses", "", "2026-12-01T13:00:00Z")
                },
            ],
            ..Default::default()
        }
    }

    fn action(items: &[Item], id: &str) -> Action {
        items
            .iter()
            .find(|i| i.id == id)
            .unwrap_or_else(|| panic!("{id} not in {items:?}"))
            .action
    }

    #[test]
    fn the_newest_snapshots_of_blue_are_kept_and_green_s_data_always() {
        let items = plan(&observed(), 1).unwrap();
        assert_eq!(action(&items, "kf-green-db-r2"), Action::Keep);
        assert_eq!(action(&items, "kf-green-db-r1"), Action::Delete);
        assert_eq!(action(&items, "kf-green-db"), Action::Delete);
        assert_eq!(action(&items, "db-green-final-r0"), Action::Keep);
        let green = items.iter().find(|i| i.id == "db-green-final-r1").unwrap();
        assert_eq!(green.action, Action::Keep);
        assert!(green.reason.contains("green's data"), "{}", green.reason);
        assert_eq!(action(&items, "someone-elses"), Action::Keep);
        let items = plan(&observed(), 2).unwrap();
        assert_eq!(action(&items, "kf-green-db-r1"), Action::Keep);
        assert_eq!(action(&items, "kf-green-db"), Action::Delete);
        let items = plan(&observed(), 0).unwrap();
        assert_eq!(action(&items, "kf-green-db-r2"), Action::Delete);
        assert_eq!(action(&items, "db-green-final-r0"), Action::Keep);
    }

    #[test]
    fn datasync_resources_and_role_are_deleted_with_the_role_s_policy() {
        let items = plan(&observed(), 1).unwrap();
        assert_eq!(action(&items, "task-1"), Action::Delete);
        assert_eq!(action(&items, "loc-1"), Action::Delete);
        let role = items.iter().find(|i| i.id == "kf-datasync-green").unwrap();
        assert_eq!(role.action, Action::Delete);
        assert_eq!(role.inline_policies, ["kf-datasync-buckets"]);
    }

    #[test]
    fn a_snapshot_still_being_created_is_kept() {
        let mut o = observed();
        o.snapshots[0].status = "creating".into();
        let items = plan(&o, 1).unwrap();
        assert_eq!(action(&items, "kf-green-db"), Action::Keep);
    }

    #[test]
    fn the_csi_role_goes_only_once_green_s_cluster_is_gone() {
        let mut o = observed();
        o.csi_role = Some(RoleFound {
            name: "kf-green-efs-csi-driver".into(),
            inline_policies: vec!["efs-csi-driver".into()],
            attached_policies: vec![],
        });
        for (exists, want) in [
            (Some(true), Action::Keep),
            (None, Action::Keep),
            (Some(false), Action::Delete),
        ] {
            o.green_cluster_exists = exists;
            let items = plan(&o, 1).unwrap();
            assert_eq!(
                action(&items, "kf-green-efs-csi-driver"),
                want,
                "{exists:?}"
            );
        }
    }

    #[test]
    fn a_running_execution_or_a_half_done_cutover_is_refused() {
        for status in [
            "QUEUED",
            "LAUNCHING",
            "PREPARING",
            "TRANSFERRING",
            "VERIFYING",
        ] {
            let s = aws_sdk_datasync::types::TaskExecutionStatus::from(status);
            assert!(is_running(&s), "{status}");
        }
        assert!(!is_running(
            &aws_sdk_datasync::types::TaskExecutionStatus::Success
        ));
        let mut o = observed();
        o.running = vec![("task-1".into(), "exec-1".into(), "TRANSFERRING".into())];
        let e = plan(&o, 1).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("wait for the copy"), "{e}");
        for stage in [Stage::InProgress, Stage::Failed] {
            let mut o = observed();
            o.cutover_stage = stage;
            let e = plan(&o, 1).unwrap_err();
            assert_eq!(e.exit_code(), 2);
            assert!(e.to_string().contains("failback"), "{e}");
        }
        for stage in [Stage::NotStarted, Stage::CutOver, Stage::FailedBack] {
            let mut o = observed();
            o.cutover_stage = stage;
            assert!(plan(&o, 1).is_ok());
        }
    }

    #[test]
    fn only_what_this_upgrade_s_clone_made_is_cleanup_s() {
        let t = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let recorded = BTreeMap::from([("rec".to_string(), s3::SOURCE.to_string())]);
        let ours = t(&[(UPGRADE_TAG, "green"), (STEP_TAG, s3::TASK)]);
        let found = of_upgrade("a".into(), &ours, "green", &recorded).unwrap();
        assert_eq!(
            (found.step.as_str(), found.source),
            (s3::TASK, Source::Tags)
        );
        // Another upgrade's, or nobody's, even when recorded.
        let other = t(&[(UPGRADE_TAG, "green-2"), (STEP_TAG, s3::TASK)]);
        assert!(of_upgrade("a".into(), &other, "green", &recorded).is_none());
        assert!(of_upgrade("rec".into(), &[], "green", &recorded).is_none());
        // The upgrade's tag without a clone step: only when recorded under one.
        let untagged_step = t(&[(UPGRADE_TAG, "green")]);
        assert!(of_upgrade("b".into(), &untagged_step, "green", &recorded).is_none());
        let found = of_upgrade("rec".into(), &untagged_step, "green", &recorded).unwrap();
        assert_eq!(found.source, Source::Record);
        let not_clone = t(&[(UPGRADE_TAG, "green"), (STEP_TAG, "cutover.something")]);
        assert!(of_upgrade("c".into(), &not_clone, "green", &recorded).is_none());
    }

    #[test]
    fn nothing_found_plans_nothing() {
        assert!(plan(&Observed::default(), 1).unwrap().is_empty());
    }
}
