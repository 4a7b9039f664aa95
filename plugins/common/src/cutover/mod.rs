//! `kubectl kf cutover`: move production traffic to green after preflight checks, and fail back.
//!
//! Order of a cutover: preflight (reads only; any failure changes nothing), then every value
//! about to change is written to the `cutover` section of the upgrade record with its previous
//! value (the exact record sets, each blue Deployment's replicas, the current-context), then blue
//! is frozen (`--freeze-blue`), the clones resynced (`--resync`), the Route 53 record moved and
//! waited for until INSYNC, and the kubeconfig switched to green. Failback restores what the
//! record holds, in reverse: blue's replicas, the record sets, the current-context.

pub mod dns;
pub mod external_dns;
pub mod freeze;
pub mod preflight;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::cli::GlobalArgs;
use crate::commands::{CutoverCli, CutoverCommand};
use crate::context::client_for;
use crate::error::{Error, OnContext, Result};
use crate::kubeconfig::Kubeconfigs;
use crate::output::{self, Render};
use crate::progress::Progress;
use crate::record::{self, RecordStore, UpgradeRecord};
use crate::upgrade::Session;
use dns::{Action, Location, RecordSet, Target};
pub use freeze::FreezeState;

/// The key of cutover's section in the upgrade record.
pub const SECTION: &str = "cutover";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stage {
    #[default]
    NotStarted,
    /// Values recorded; blue being frozen, clones resynced or the record moving.
    InProgress,
    /// Traffic moved as asked (all of it, or the weight asked for).
    CutOver,
    /// A step failed; `message` says which. Fail back, or fix and run again.
    Failed,
    FailedBack,
}

/// Cutover's section of the upgrade record.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CutoverState {
    #[serde(default)]
    pub stage: Stage,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
    /// When the record change was INSYNC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_back: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns: Option<DnsState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freeze: Option<FreezeState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubeconfig: Option<KubeconfigState>,
    /// When `kf retire-blue` deleted blue (its record sets are no longer kept): nothing to
    /// fail back to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blue_retired: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DnsState {
    #[serde(flatten)]
    pub location: Location,
    /// The record sets exactly as they were before the first change.
    pub previous: Vec<RecordSet>,
    /// What cutover wrote (or is writing).
    pub applied: Vec<RecordSet>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blue: Option<Target>,
    pub green: Target,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_id: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KubeconfigState {
    pub previous_context: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub switched: Option<String>,
}

impl CutoverState {
    pub fn from_record(rec: &UpgradeRecord) -> Result<Self> {
        rec.section(SECTION)
    }

    /// Whether anything is recorded that failback would restore.
    pub fn has_changes(&self) -> bool {
        self.dns.is_some() || self.freeze.is_some() || self.kubeconfig.is_some()
    }
}

/// Changes cutover's section (read-modify-write of the record).
async fn save<F>(store: &RecordStore, change: F) -> Result<CutoverState>
where
    F: Fn(&mut CutoverState),
{
    // Refuse to overwrite a section we cannot read.
    CutoverState::from_record(&store.snapshot().await)?;
    let rec = store
        .update(|r| {
            r.change_section::<CutoverState>(SECTION, &change);
        })
        .await?;
    CutoverState::from_record(&rec)
}

pub async fn run(cli: CutoverCli) -> Result<()> {
    let g = locate(&cli.global).await?;
    match cli.command {
        Some(CutoverCommand::Check) => check(&cli, &g).await,
        Some(CutoverCommand::Failback { sync_back }) => failback(&g, sync_back).await,
        Some(CutoverCommand::Status) => status(&g).await,
        None => cutover(&cli, &g).await,
    }
}

/// After a cutover the current context is green, so "blue = the current context" no longer
/// holds: without `--from`, when the current context is not the blue of any upgrade, the other
/// contexts are asked for a record of an upgrade to it, and that record's blue is used.
async fn locate(g: &GlobalArgs) -> Result<GlobalArgs> {
    if g.from.is_some() {
        return Ok(g.clone());
    }
    let kc = Kubeconfigs::load(g.kubeconfig.as_deref())?;
    let Some(current) = kc.current_context() else {
        return Ok(g.clone());
    };
    if g.to.as_deref().is_some_and(|t| t != current) {
        return Ok(g.clone());
    }
    let limit = std::time::Duration::from_secs(15);
    let is_blue = async {
        let c = client_for(&kc, &current).await?;
        Ok::<_, Error>((
            record::list(&c, &current).await?,
            record::moved_here(&c, &current).await?,
        ))
    };
    let (found, moved) = match tokio::time::timeout(limit, is_blue).await {
        Ok(Ok(lists)) => lists,
        _ => Default::default(),
    };
    if !found.is_empty() && g.to.is_none() {
        return Ok(g.clone());
    }
    // Blue retired (its cluster may be gone): retire-blue moved the record here, to green.
    if let Some(rec) = moved.first() {
        tracing::info!(
            "current context {current} is green of the upgrade of {} (record moved here)",
            rec.blue
        );
        let mut out = g.clone();
        out.from = Some(rec.blue.clone());
        out.to = Some(current);
        return Ok(out);
    }
    for other in kc.context_names().into_iter().filter(|c| *c != current) {
        let probe = async {
            let c = client_for(&kc, &other).await?;
            record::get(&c, &current).await
        };
        if let Ok(Ok(Some(rec))) = tokio::time::timeout(limit, probe).await
            && rec.blue == other
        {
            tracing::info!("current context {current} is green of the upgrade of {other}");
            let mut out = g.clone();
            out.from = Some(other);
            out.to = Some(current);
            return Ok(out);
        }
    }
    Ok(g.clone())
}

/// Opens the session; plans and checks never create the record.
async fn open(g: &GlobalArgs, changes: bool) -> Result<Session> {
    let mut args = g.clone();
    if !changes {
        args.dry_run = true;
    }
    Session::open(&args).await
}

/// What this run does about blue's writers, from the flags and the record.
fn freeze_plan(cli: &CutoverCli, state: &CutoverState) -> preflight::FreezePlan {
    preflight::FreezePlan {
        frozen: state.freeze.as_ref().is_some_and(|f| f.frozen.is_some()),
        freeze: cli.freeze_blue,
        resync: cli.resync,
        allow_live: cli.allow_live_resync,
    }
}

async fn preflight(
    session: &Session,
    cli: &CutoverCli,
    state: &CutoverState,
    writers: &freeze::Writers,
) -> Result<(preflight::Checks, preflight::Facts)> {
    let green_client = session.green_client().await?;
    let rec = session.ctx.record.snapshot().await;
    let inputs = preflight::Inputs {
        blue: &session.blue.context,
        green: &session.green,
        dns: cli.dns.as_deref(),
        hosted_zone: cli.hosted_zone.as_deref(),
        recorded: state
            .dns
            .as_ref()
            .map(|d| (d.location.clone(), d.previous.clone())),
        quiesce: freeze::Quiesce::of(writers),
        freeze: freeze_plan(cli, state),
        timeout: cli.global.timeout,
    };
    preflight::run(
        &session.ctx.aws,
        &session.blue_client,
        &green_client,
        &rec,
        inputs,
    )
    .await
}

fn failed_checks(checks: &preflight::Checks) -> Option<Error> {
    let failures = checks.failures();
    if failures.is_empty() {
        return None;
    }
    let lines: Vec<String> = failures
        .iter()
        .map(|c| format!("  {}: {}", c.check, c.detail))
        .collect();
    let problem = format!(
        "{} preflight check(s) failed; nothing was changed:\n{}",
        failures.len(),
        lines.join("\n")
    );
    let fix = "do what each line says, then run again";
    Some(match checks.refusal() {
        // Bad --dns/--hosted-zone, or a move external-dns would undo: exit 2.
        Some(preflight::Refusal::BadInput) => Error::usage(problem, fix),
        Some(preflight::Refusal::Unsafe) => Error::refused(problem, fix),
        None => Error::failed(problem),
    })
}

async fn check(cli: &CutoverCli, g: &GlobalArgs) -> Result<()> {
    let session = open(g, false).await?;
    let state = CutoverState::from_record(&session.ctx.record.snapshot().await)?;
    let writers = freeze::observe(&session.blue_client)
        .await
        .on(&session.blue.context)?;
    let (checks, _) = preflight(&session, cli, &state, &writers).await?;
    output::print(g.output, &checks)?;
    match failed_checks(&checks) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// One line of a plan.
#[derive(Debug, Serialize)]
pub struct Step {
    pub step: String,
    pub action: String,
}

#[derive(Debug, Serialize)]
pub struct Plan {
    pub blue: String,
    pub green: String,
    pub command: String,
    pub approved: bool,
    pub steps: Vec<Step>,
}

impl Render for Plan {
    fn table(&self) -> String {
        let mut s = format!(
            "Plan: {} {} -> {} (nothing is changed: {})\n\n",
            self.command,
            self.blue,
            self.green,
            if self.approved {
                "dry run"
            } else {
                "pass --yes to do it"
            }
        );
        s.push_str(&output::wrapped_table(
            &["STEP", "ACTION"],
            self.steps
                .iter()
                .map(|p| [p.step.clone(), p.action.clone()]),
        ));
        s
    }
}

/// Prints the plan of a run that changes nothing (no `--yes`, or `--dry-run`).
fn print_plan(g: &GlobalArgs, session: &Session, command: &str, steps: Vec<Step>) -> Result<()> {
    if !g.yes && !g.dry_run {
        Progress::new(g.quiet).println(&format!(
            "nothing was changed: pass --yes to {} as planned",
            if command == "cutover" {
                "cut over"
            } else {
                "fail back"
            }
        ));
    }
    output::print(
        g.output,
        &Plan {
            blue: session.blue.context.clone(),
            green: session.green.clone(),
            command: command.into(),
            approved: g.yes,
            steps,
        },
    )
}

fn step(plan: &mut Vec<Step>, step: &str, action: impl Into<String>) {
    plan.push(Step {
        step: step.into(),
        action: action.into(),
    });
}

fn describe_changes(changes: &[(Action, RecordSet)]) -> String {
    if changes.is_empty() {
        return "none: the record is already as asked".into();
    }
    changes
        .iter()
        .map(|(a, r)| format!("{} {}", format!("{a:?}").to_uppercase(), r.describe()))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The record sets of the location whose types cutover manages (those of `previous`).
async fn current_sets(
    aws: &crate::aws::Aws,
    loc: &Location,
    previous: &[RecordSet],
    timeout: std::time::Duration,
) -> Result<Vec<RecordSet>> {
    let kinds: Vec<&str> = previous.iter().map(|r| r.kind.as_str()).collect();
    Ok(
        dns::record_sets_named(aws, &loc.zone_id, &loc.name, timeout)
            .await?
            .into_iter()
            .filter(|r| kinds.contains(&r.kind.as_str()))
            .collect(),
    )
}

/// What the cutover's plan is made of (everything observed and asked).
pub struct CutoverPlanInput<'a> {
    pub green: &'a str,
    /// The writers to stop and their previous values (`--freeze-blue`).
    pub freeze: Option<&'a FreezeState>,
    pub resync: bool,
    pub green_traffic_since: Option<&'a str>,
    pub location: &'a Location,
    pub weight: Option<u8>,
    /// The Route 53 changes that make the record sets as desired.
    pub batch: &'a [(Action, RecordSet)],
    /// Whether the desired record sets send traffic to green.
    pub sends_to_green: bool,
    pub previous_context: Option<&'a str>,
}

/// The cutover's steps, in the order the run takes them. Pure: `--dry-run` prints it, the run
/// does it.
pub fn cutover_plan(i: &CutoverPlanInput<'_>) -> Vec<Step> {
    let mut plan = Vec::new();
    step(
        &mut plan,
        "record",
        format!(
            "write the previous values to {}/{}",
            record::NAMESPACE,
            record::configmap_name(i.green)
        ),
    );
    if let Some(f) = i.freeze {
        for (name, action) in f.describe() {
            step(&mut plan, name, action);
        }
    }
    if i.resync {
        step(
            &mut plan,
            "resync",
            if i.green_traffic_since.is_some() {
                "kubectl kf clone --resync --yes --discard-green-writes: final snapshot of green's DB, then a fresh snapshot and restore; bucket and EFS copied again, deleting what only green has"
            } else {
                "kubectl kf clone --resync --yes: fresh DB snapshot and restore, incremental copies of bucket and EFS"
            },
        );
    }
    step(
        &mut plan,
        "dns",
        format!(
            "{} in hosted zone {} ({}): {}",
            i.location.name,
            i.location.zone_id,
            match i.weight {
                Some(w) => format!("weighted, {}% blue / {w}% green", 100 - u32::from(w)),
                None => "all traffic to green".into(),
            },
            describe_changes(i.batch)
        ),
    );
    if i.sends_to_green && i.weight.is_none() {
        step(
            &mut plan,
            "green-notebooks",
            "start the notebooks kf migrate stopped on green (kubeflow.org/stopped-by)",
        );
    }
    if i.sends_to_green && i.green_traffic_since.is_none() {
        step(
            &mut plan,
            "green-writes",
            "from now on green takes writes blue does not see: a later resync needs --discard-green-writes, a failback offers --sync-back",
        );
    }
    step(
        &mut plan,
        "kubeconfig",
        format!(
            "current-context {} -> {}",
            i.previous_context.unwrap_or("(none)"),
            i.green
        ),
    );
    plan
}

/// What failback's plan is made of (everything observed and asked).
pub struct FailbackPlanInput<'a> {
    pub state: &'a CutoverState,
    /// The Route 53 changes that put the record sets back as they were.
    pub batch: &'a [(Action, RecordSet)],
    pub current_context: Option<&'a str>,
    /// What green gained while it took traffic (none: it never took any).
    pub writes: Option<&'a GreenWrites>,
    pub sync_back: bool,
}

/// Refuses (exit 2, before anything is read from AWS or changed) a failback with nothing to go
/// back to (blue retired), and `--sync-back` when green never took traffic.
fn refuse_failback(
    state: &CutoverState,
    green_took_traffic: bool,
    sync_back: bool,
    green: &str,
) -> Result<()> {
    if let Some(at) = &state.blue_retired {
        return Err(Error::refused(
            format!(
                "blue was retired at {at} (`kubectl kf retire-blue`): its cluster is deleted and \
                 its Route 53 record sets are no longer recorded, so there is nothing to go back \
                 to; nothing was changed"
            ),
            format!("keep {green} serving production; a later upgrade starts from it as blue"),
        ));
    }
    if sync_back && !green_took_traffic {
        return Err(Error::usage(
            format!(
                "--sync-back copies back what green gained while it took production traffic, \
                 but {green} never took any (no cutover sent traffic to it)"
            ),
            "fail back without --sync-back",
        ));
    }
    Ok(())
}

/// Failback's steps, in the order the run takes them. Pure: `--dry-run` prints it, the run
/// does it.
pub fn failback_plan(i: &FailbackPlanInput<'_>) -> Vec<Step> {
    let mut plan = Vec::new();
    if let Some(f) = &i.state.freeze {
        step(
            &mut plan,
            "thaw-blue",
            format!(
                "scale blue's Deployments back: {}",
                f.replicas
                    .iter()
                    .map(|(n, r)| format!("{n}={r}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
        let others = f.count() - f.replicas.len();
        if others > 0 {
            step(
                &mut plan,
                "thaw-workloads",
                format!(
                    "put {others} notebook(s), pipeline run(s), recurring run(s) and trial(s) back as they were"
                ),
            );
        }
    }
    if let Some(d) = &i.state.dns {
        step(
            &mut plan,
            "dns",
            format!(
                "{} in hosted zone {}: {}",
                d.location.name,
                d.location.zone_id,
                describe_changes(i.batch)
            ),
        );
    }
    if let Some(k) = &i.state.kubeconfig {
        step(
            &mut plan,
            "kubeconfig",
            format!(
                "current-context {} -> {}",
                i.current_context.unwrap_or("(none)"),
                k.previous_context
                    .as_deref()
                    .unwrap_or("(unchanged: none was set)")
            ),
        );
    }
    if let Some(w) = i.writes {
        step(&mut plan, "green-writes", w.describe());
        if let Some(snap) = &w.db_snapshot {
            step(
                &mut plan,
                "green-db-snapshot",
                format!(
                    "snapshot green's DB as {snap} (kept): what green's DB gained is not copied back to blue's (no relational reverse sync)"
                ),
            );
        }
        step(
            &mut plan,
            "sync-back",
            if i.sync_back {
                "DataSync green -> blue for the bucket and EFS: changed files only, nothing deleted, blue's files never overwritten"
            } else {
                "not asked: pass --sync-back to copy green's new files back to blue"
            },
        );
    }
    step(
        &mut plan,
        "green-notebooks",
        "stop the notebooks cutover started on green (users' notebooks run on one side only)",
    );
    plan
}

/// Refuses (exit 2, before anything is read from AWS or changed) a resync that would destroy
/// data: one of a blue still written to, and one after green took production traffic.
fn refuse_unsafe_resync(
    cli: &CutoverCli,
    state: &CutoverState,
    rec: &UpgradeRecord,
    writers: &freeze::Writers,
    green: &str,
) -> Result<()> {
    if !cli.resync {
        return Ok(());
    }
    let plan = freeze_plan(cli, state);
    if !plan.freeze && !plan.frozen && !plan.allow_live {
        let q = freeze::Quiesce::of(writers);
        let busy = if q.is_quiet() {
            "Kubeflow's own Deployments".to_string()
        } else {
            format!("{} and Kubeflow's own Deployments", q.describe())
        };
        return Err(Error::usage(
            format!(
                "--resync copies blue's storage for the last time, but blue is not frozen: {busy} \
             keep writing to it, so the snapshot and the copies would miss or tear what they \
             write meanwhile. Pass --freeze-blue (or --allow-live-resync to accept that)"
            ),
            "nothing \
             was changed",
        ));
    }
    if let Some(since) = rec.green_traffic_since.as_deref()
        && !cli.discard_green_writes
    {
        return Err(crate::clone::refuse_resync_after_traffic(since, green));
    }
    Ok(())
}

async fn cutover(cli: &CutoverCli, g: &GlobalArgs) -> Result<()> {
    let changes = g.yes && !g.dry_run;
    let session = open(g, changes).await?;
    let store = &session.ctx.record;
    let aws = &session.ctx.aws;
    let rec = store.snapshot().await;
    let state = CutoverState::from_record(&rec)?;
    let writers = freeze::observe(&session.blue_client)
        .await
        .on(&session.blue.context)?;
    refuse_unsafe_resync(cli, &state, &rec, &writers, &session.green)?;
    let (checks, facts) = preflight(&session, cli, &state, &writers).await?;
    if let Some(e) = failed_checks(&checks) {
        return Err(e);
    }
    let (Some(green_lb), Some((loc, previous))) = (facts.green_lb.clone(), facts.dns.clone())
    else {
        return Err(Error::failed(
            "preflight passed without finding both load balancers",
        ));
    };
    let current = current_sets(aws, &loc, &previous, g.timeout).await?;
    let desired = dns::desired(&previous, &green_lb, cli.weight);
    let batch = dns::change_batch(&current, &desired);
    let kubeconfig = session.blue.kubeconfig.clone();
    let previous_context = kubeconfig.current_context();
    let to_freeze = cli
        .freeze_blue
        .then(|| state.freeze.clone().unwrap_or_default().to_record(&writers));

    let plan = cutover_plan(&CutoverPlanInput {
        green: &session.green,
        freeze: to_freeze.as_ref(),
        resync: cli.resync,
        green_traffic_since: rec.green_traffic_since.as_deref(),
        location: &loc,
        weight: cli.weight,
        batch: &batch,
        sends_to_green: dns::sends_to_green(&desired, &green_lb),
        previous_context: previous_context.as_deref(),
    });
    if !changes {
        return print_plan(g, &session, "cutover", plan);
    }
    if cli.resync && cli.allow_live_resync && !freeze_plan(cli, &state).frozen && !cli.freeze_blue {
        let q = freeze::Quiesce::of(&writers);
        Progress::new(g.quiet).println(&format!(
            "warning: resyncing a live blue (--allow-live-resync): {} and Kubeflow's Deployments \
             write to blue during the copy; green's DB is blue's at the snapshot, and files or \
             objects written meanwhile may be missing, stale or half-copied on green",
            if q.is_quiet() {
                "nothing else".to_string()
            } else {
                q.describe()
            }
        ));
    }

    // Everything about to change, with its previous value, before anything changes.
    let blue_target = facts.blue_lb.clone();
    let (loc2, prev2, desired2, green2) = (
        loc.clone(),
        previous.clone(),
        desired.clone(),
        green_lb.clone(),
    );
    let weight = cli.weight;
    let pc = previous_context.clone();
    let fresh = !matches!(
        state.stage,
        Stage::InProgress | Stage::CutOver | Stage::Failed
    );
    save(store, move |s| {
        if fresh {
            s.started = Some(record::now());
            s.moved = None;
            s.failed_back = None;
        }
        s.stage = Stage::InProgress;
        s.message = None;
        let keep_previous = s.dns.as_ref().map(|d| d.previous.clone());
        s.dns = Some(DnsState {
            location: loc2.clone(),
            previous: keep_previous.unwrap_or_else(|| prev2.clone()),
            applied: desired2.clone(),
            weight,
            blue: blue_target.clone(),
            green: green2.clone(),
            change_id: s.dns.as_ref().and_then(|d| d.change_id.clone()),
        });
        if let Some(f) = &to_freeze {
            s.freeze = Some(f.clone());
        }
        if s.kubeconfig.is_none() {
            s.kubeconfig = Some(KubeconfigState {
                previous_context: pc.clone(),
                switched: None,
            });
        }
    })
    .await?;

    let to_green = dns::sends_to_green(&desired, &green_lb);
    let result = execute(cli, g, &session, &loc, &batch, to_green, kubeconfig).await;
    match result {
        Ok(()) => {
            let state = save(store, |s| {
                s.stage = Stage::CutOver;
                s.moved = Some(record::now());
            })
            .await?;
            output::print(g.output, &report(g, &session, &state, None).await?)
        }
        Err(e) => {
            let msg = e.to_string();
            if let Err(w) = save(store, |s| {
                s.stage = Stage::Failed;
                s.message = Some(msg.clone());
            })
            .await
            {
                tracing::warn!("could not record the failure: {w}");
            }
            Err(Error::failed(format!(
                "cutover to {} failed: {msg}\nEverything changed so far is recorded: `kubectl kf cutover failback --yes` restores blue, or fix the cause and run the cutover again",
                session.green
            )))
        }
    }
}

async fn execute(
    cli: &CutoverCli,
    g: &GlobalArgs,
    session: &Session,
    loc: &Location,
    batch: &[(Action, RecordSet)],
    to_green: bool,
    mut kubeconfig: Kubeconfigs,
) -> Result<()> {
    let store = &session.ctx.record;
    let progress = Progress::new(g.quiet);
    if cli.freeze_blue {
        let stream = progress.stream("blue");
        let state = CutoverState::from_record(&store.snapshot().await)?;
        let recorded = state.freeze.unwrap_or_default();
        // Users' work first, while Kubeflow's controllers still run to carry it out.
        freeze::freeze_workloads(&session.blue_client, &recorded, &stream, g.timeout)
            .await
            .on(&session.blue.context)?;
        let zeros: BTreeMap<String, i32> =
            recorded.replicas.keys().map(|k| (k.clone(), 0)).collect();
        freeze::scale_all(&session.blue_client, &zeros, &stream, g.timeout)
            .await
            .on(&session.blue.context)?;
        save(store, |s| {
            if let Some(f) = &mut s.freeze {
                f.frozen.get_or_insert_with(record::now);
            }
        })
        .await?;
        stream.finish(&format!(
            "blue frozen: {} writer(s) stopped, {} Deployments at 0",
            recorded.to_stop(),
            zeros.len()
        ));
    }
    if cli.resync {
        progress.println("resyncing the clones (kubectl kf clone --resync)");
        let mut global = g.clone();
        global.from = Some(session.blue.context.clone());
        global.to = Some(session.green.clone());
        // Frozen now or by an earlier cutover: the final copy can be verified in full.
        let blue_frozen = CutoverState::from_record(&store.snapshot().await)?
            .freeze
            .is_some_and(|f| f.frozen.is_some());
        crate::clone::run_reporting(
            crate::clone::Settings {
                global,
                resync: true,
                discard_green_writes: cli.discard_green_writes,
                blue_frozen,
                ..Default::default()
            },
            false,
        )
        .await?;
    }
    let stream = progress.stream("dns");
    let comment = format!(
        "kubectl kf cutover {} -> {}",
        session.blue.context, session.green
    );
    // Green may take writes from the moment the change is sent: recorded before it is.
    let before = store.snapshot().await;
    if to_green {
        store
            .update(|r| {
                r.green_traffic_since.get_or_insert_with(record::now);
                r.traffic_on_green = true;
            })
            .await?;
    }
    let id = match dns::submit(
        &session.ctx.aws,
        &loc.zone_id,
        batch,
        &comment,
        &stream,
        g.timeout,
    )
    .await
    {
        Ok(id) => id,
        Err(dns::SubmitError::Rejected(e)) => {
            // Route 53 refused the batch: traffic did not move.
            let (since, on) = (before.green_traffic_since.clone(), before.traffic_on_green);
            store
                .update(|r| {
                    r.green_traffic_since = since.clone();
                    r.traffic_on_green = on;
                })
                .await?;
            return Err(e);
        }
        Err(dns::SubmitError::Unknown(e)) => return Err(e),
    };
    if let Some(id) = id {
        save(store, |s| {
            if let Some(d) = &mut s.dns {
                d.change_id = Some(id.clone());
            }
        })
        .await?;
        dns::wait_insync(&session.ctx.aws, &id, &stream, g.timeout).await?;
    }
    stream.finish(&format!("{} now points at green", loc.name));
    if to_green && cli.weight.is_none() {
        // All traffic on green: the notebooks `kf migrate` stopped there start.
        let green = session.green_client().await?;
        let started = freeze::start_migrated_notebooks(&green)
            .await
            .on(&session.green)?;
        if started > 0 {
            progress.println(&format!(
                "started {started} notebook(s) on {} that kf migrate had stopped",
                session.green
            ));
        }
    }
    if kubeconfig.current_context().as_deref() != Some(session.green.as_str()) {
        let path = kubeconfig.set_current_context(&session.green)?;
        progress.println(&format!(
            "current-context is now {} ({})",
            session.green,
            path.display()
        ));
    }
    save(store, |s| {
        if let Some(k) = &mut s.kubeconfig {
            k.switched.get_or_insert_with(record::now);
        }
    })
    .await?;
    Ok(())
}

/// What green holds that blue does not, since green first took production traffic.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GreenWrites {
    pub since: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket: Option<crate::clone::s3::Written>,
    /// Green's EFS: what changed is known only by copying it (DataSync's counters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub efs: Option<String>,
    /// Green's DB, kept as this snapshot (there is no relational reverse sync).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub db_snapshot: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub synced_back: Vec<crate::clone::sync_back::Carried>,
}

/// What green gained since `since`: the bucket's newer objects counted, the EFS said, and the
/// name green's DB snapshot gets.
async fn green_writes(session: &Session, rec: &UpgradeRecord, since: &str) -> Result<GreenWrites> {
    let c = &rec.clones;
    let bucket = match &c.bucket {
        Some(b) => Some(crate::clone::s3::written_since(&session.ctx.aws, &b.name, since).await?),
        None => None,
    };
    let efs = c.efs.as_ref().map(|_| {
        "files written to green's EFS are not counted without copying them: --sync-back copies the changed ones back and counts them".to_string()
    });
    let db_snapshot =
        c.db.as_ref()
            .filter(|d| !d.instance.is_empty())
            .map(|d| crate::clone::rds::failback_snapshot_name(&d.instance, since));
    Ok(GreenWrites {
        since: since.to_string(),
        bucket,
        efs,
        db_snapshot,
        synced_back: Vec::new(),
    })
}

impl GreenWrites {
    fn describe(&self) -> String {
        let mut holds = Vec::new();
        let mut notes = Vec::new();
        if let Some(b) = &self.bucket {
            if b.objects > 0 {
                holds.push(format!(
                    "{} object(s), {} byte(s) in s3://{} written since {}",
                    b.objects, b.bytes, b.bucket, self.since
                ));
            } else {
                notes.push(format!(
                    "no object was written to s3://{} since {}",
                    b.bucket, self.since
                ));
            }
        }
        if self.efs.is_some() {
            holds.push(
                "possibly changed files on its EFS (counted only by copying them: --sync-back)"
                    .to_string(),
            );
        }
        let mut s = String::new();
        if !holds.is_empty() {
            s = format!("green holds {}", holds.join("; "));
        }
        for n in notes {
            if !s.is_empty() {
                s.push_str("; ");
            }
            s.push_str(&n);
        }
        if s.is_empty() {
            s = "nothing of green's storage is recorded".into();
        }
        s
    }
}

async fn failback(g: &GlobalArgs, sync_back: bool) -> Result<()> {
    let changes = g.yes && !g.dry_run;
    let session = open(g, changes).await?;
    let store = &session.ctx.record;
    let aws = &session.ctx.aws;
    let rec = store.snapshot().await;
    let state = CutoverState::from_record(&rec)?;
    refuse_failback(
        &state,
        rec.green_traffic_since.is_some(),
        sync_back,
        &session.green,
    )?;
    let mut writes = match rec.green_traffic_since.as_deref() {
        Some(since) => Some(green_writes(&session, &rec, since).await?),
        None => None,
    };
    if !state.has_changes() && !sync_back {
        Progress::new(g.quiet).println(&format!(
            "nothing to restore: no cutover of {} -> {} is recorded{}",
            session.blue.context,
            session.green,
            state
                .failed_back
                .as_deref()
                .map(|t| format!(" (failed back at {t})"))
                .unwrap_or_default()
        ));
        return output::print(g.output, &report(g, &session, &state, None).await?);
    }
    let batch = match &state.dns {
        Some(d) => {
            let mut managed = d.previous.clone();
            managed.extend(d.applied.iter().cloned());
            let current = current_sets(aws, &d.location, &managed, g.timeout).await?;
            dns::change_batch(&current, &d.previous)
        }
        None => Vec::new(),
    };
    let mut kubeconfig = session.blue.kubeconfig.clone();
    let restore_context = state
        .kubeconfig
        .as_ref()
        .and_then(|k| k.previous_context.clone());

    let plan = failback_plan(&FailbackPlanInput {
        state: &state,
        batch: &batch,
        current_context: kubeconfig.current_context().as_deref(),
        writes: writes.as_ref(),
        sync_back,
    });
    if !changes {
        return print_plan(g, &session, "failback", plan);
    }
    let progress = Progress::new(g.quiet);
    if let Some(w) = writes.as_ref().filter(|_| !sync_back) {
        progress.println(&format!(
            "warning: {}; failing back without --sync-back leaves that on green only (nothing of green is deleted)",
            w.describe()
        ));
    }

    // Green's notebooks stop before blue's start: a user's files are written on one side only.
    let green = session.green_client().await?;
    let stopped = freeze::stop_started_notebooks(&green)
        .await
        .on(&session.green)?;
    if stopped > 0 {
        progress.println(&format!(
            "stopped {stopped} notebook(s) on {} that cutover had started",
            session.green
        ));
    }
    // Blue's pods first, so traffic moved back finds them serving.
    if let Some(f) = &state.freeze {
        let stream = progress.stream("blue");
        freeze::scale_all(&session.blue_client, &f.replicas, &stream, g.timeout)
            .await
            .on(&session.blue.context)?;
        freeze::thaw_workloads(&session.blue_client, f, &stream)
            .await
            .on(&session.blue.context)?;
        save(store, |s| s.freeze = None).await?;
        stream.finish("blue's writers are back as recorded");
    }
    if let Some(d) = &state.dns {
        let stream = progress.stream("dns");
        let comment = format!(
            "kubectl kf cutover failback {} <- {}",
            session.blue.context, session.green
        );
        dns::apply(
            aws,
            &d.location.zone_id,
            &batch,
            &comment,
            &stream,
            g.timeout,
        )
        .await?;
        save(store, |s| s.dns = None).await?;
        store.update(|r| r.traffic_on_green = false).await?;
        stream.finish(&format!("{} is back as it was", d.location.name));
    }
    if state.kubeconfig.is_some() {
        if let Some(prev) = &restore_context
            && kubeconfig.current_context().as_deref() != Some(prev.as_str())
        {
            kubeconfig.set_current_context(prev)?;
            progress.println(&format!("current-context is {prev} again"));
        }
        save(store, |s| s.kubeconfig = None).await?;
    }
    // Traffic is back on blue: green's DB stops changing; keep it as it is now.
    if let Some(w) = &writes {
        let stream = progress.stream("rds");
        crate::clone::rds::snapshot_green_for_failback(&session.ctx, &stream, &w.since).await?;
    }
    if sync_back {
        let carried = crate::clone::sync_back::run(&session.ctx, &progress).await?;
        if let Some(w) = &mut writes {
            w.synced_back = carried;
        }
    }
    let state_after = save(store, |s| {
        s.stage = Stage::FailedBack;
        s.failed_back = Some(record::now());
        s.message = None;
    })
    .await?;
    // Show the name just restored, though the record no longer holds it.
    let found = state
        .dns
        .as_ref()
        .map(|d| (d.location.clone(), d.blue.clone(), Some(d.green.clone())));
    let mut out = report(g, &session, &state_after, found).await?;
    out.green_writes = writes;
    output::print(g.output, &out)
}

/// Where traffic goes now: `kf cutover status`, and the result of a cutover or failback.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub blue: String,
    pub green: String,
    pub stage: Stage,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hosted_zone: Option<String>,
    /// The record sets of the name now, each with where it sends traffic.
    pub records: Vec<RecordView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_back: Option<String>,
    pub blue_frozen: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub recorded_replicas: BTreeMap<String, i32>,
    pub current_context: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Since when green may hold writes blue does not have (green took production traffic).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub green_traffic_since: Option<String>,
    /// What a failback found green holds, and what it copied back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub green_writes: Option<GreenWrites>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordView {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_identifier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<i64>,
    pub target: String,
    /// blue, green or other.
    pub goes_to: String,
}

impl Render for Report {
    fn table(&self) -> String {
        let mut s = output::table(
            &[
                "UPGRADE",
                "STAGE",
                "NAME",
                "ZONE",
                "MOVED",
                "BLUE FROZEN",
                "CONTEXT",
            ],
            [[
                format!("{} -> {}", self.blue, self.green),
                format!("{:?}", self.stage),
                self.name.clone().unwrap_or_else(|| "(unknown)".into()),
                self.hosted_zone.clone().unwrap_or_default(),
                self.moved.clone().unwrap_or_else(|| "-".into()),
                if self.blue_frozen { "yes" } else { "no" }.to_string(),
                self.current_context.clone().unwrap_or_default(),
            ]],
        );
        if !self.records.is_empty() {
            s.push('\n');
            s.push_str(&output::table(
                &["TYPE", "SET", "WEIGHT", "GOES TO", "TARGET"],
                self.records.iter().map(|r| {
                    [
                        r.kind.clone(),
                        r.set_identifier.clone().unwrap_or_else(|| "-".into()),
                        r.weight
                            .map(|w| w.to_string())
                            .unwrap_or_else(|| "-".into()),
                        r.goes_to.clone(),
                        r.target.clone(),
                    ]
                }),
            ));
        }
        if let Some(m) = &self.message {
            s.push_str(&format!("\nlast error: {m}\n"));
        }
        if let Some(t) = &self.green_traffic_since {
            s.push_str(&format!(
                "\ngreen has taken production traffic since {t}: a resync needs --discard-green-writes\n"
            ));
        }
        if let Some(w) = &self.green_writes {
            s.push_str(&format!("{}\n", w.describe()));
            if let Some(snap) = &w.db_snapshot {
                s.push_str(&format!(
                    "green's DB is kept as snapshot {snap} (its writes are not copied back: no relational reverse sync)\n"
                ));
            }
            for c in &w.synced_back {
                s.push_str(&format!(
                    "copied back to blue ({}): {} file(s), {} byte(s)\n",
                    c.layer, c.files, c.bytes
                ));
            }
        }
        s
    }
}

/// Builds the report from the record and Route 53 as they are now. `found` is the location
/// and blue/green load balancers when the record holds none (status before any cutover).
async fn report(
    g: &GlobalArgs,
    session: &Session,
    state: &CutoverState,
    found: Option<(Location, Option<Target>, Option<Target>)>,
) -> Result<Report> {
    let (loc, blue, green) = match (&state.dns, found) {
        (Some(d), _) => (
            Some(d.location.clone()),
            d.blue.clone(),
            Some(d.green.clone()),
        ),
        (None, Some((l, b, g))) => (Some(l), b, g),
        (None, None) => (None, None, None),
    };
    let mut records = Vec::new();
    if let Some(l) = &loc {
        for r in dns::record_sets_named(&session.ctx.aws, &l.zone_id, &l.name, g.timeout).await? {
            if !matches!(r.kind.as_str(), "A" | "AAAA" | "CNAME") {
                continue;
            }
            let goes_to = if blue.as_ref().is_some_and(|b| r.points_at(&b.dns_name)) {
                "blue"
            } else if green.as_ref().is_some_and(|g| r.points_at(&g.dns_name)) {
                "green"
            } else {
                "other"
            };
            records.push(RecordView {
                kind: r.kind.clone(),
                set_identifier: r.set_identifier.clone(),
                weight: r.weight,
                target: r.target().unwrap_or_default().to_string(),
                goes_to: goes_to.into(),
            });
        }
    }
    // Read again: this run may have switched it.
    let current_context = Kubeconfigs::load(g.kubeconfig.as_deref())
        .ok()
        .and_then(|k| k.current_context());
    Ok(Report {
        blue: session.blue.context.clone(),
        green: session.green.clone(),
        stage: state.stage,
        name: loc.as_ref().map(|l| l.name.clone()),
        hosted_zone: loc.as_ref().map(|l| l.zone_id.clone()),
        records,
        moved: state.moved.clone(),
        failed_back: state.failed_back.clone(),
        blue_frozen: state.freeze.as_ref().is_some_and(|f| f.frozen.is_some()),
        recorded_replicas: state
            .freeze
            .as_ref()
            .map(|f| f.replicas.clone())
            .unwrap_or_default(),
        current_context,
        message: state.message.clone(),
        green_traffic_since: session.ctx.record.snapshot().await.green_traffic_since,
        green_writes: None,
    })
}

async fn status(g: &GlobalArgs) -> Result<()> {
    let session = open(g, false).await?;
    let state = CutoverState::from_record(&session.ctx.record.snapshot().await)?;
    let found = if state.dns.is_none() {
        // Not moved (or failed back): show the record that points at blue, if it can be found.
        match preflight::ingress_hostname(&session.blue_client).await {
            Ok(Some(host)) => match dns::find(
                &mut dns::Reader::new(&session.ctx.aws, g.timeout),
                &host,
                None,
                None,
            )
            .await
            {
                Ok(Ok(dns::Found { location: loc, .. })) => {
                    let blue = preflight::load_balancer(&session.ctx.aws, &host)
                        .await
                        .ok()
                        .flatten();
                    Some((loc, blue, None))
                }
                _ => None,
            },
            _ => None,
        }
    } else {
        None
    };
    output::print(g.output, &report(g, &session, &state, found).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(loc: &'a Location, batch: &'a [(Action, RecordSet)]) -> CutoverPlanInput<'a> {
        CutoverPlanInput {
            green: "green",
            freeze: None,
            resync: false,
            green_traffic_since: None,
            location: loc,
            weight: None,
            batch,
            sends_to_green: true,
            previous_context: Some("blue"),
        }
    }

    #[test]
    fn the_plan_lists_each_change_in_the_order_it_is_made() {
        let loc = Location {
            zone_id: "Z1".into(),
            zone_name: "example.com.".into(),
            name: "kf.example.com.".into(),
        };
        let steps = |i: &CutoverPlanInput| {
            cutover_plan(i)
                .into_iter()
                .map(|s| s.step)
                .collect::<Vec<_>>()
        };
        let f = FreezeState {
            replicas: BTreeMap::from([("ml-pipeline".into(), 2)]),
            workflows: BTreeMap::from([("ns/run".into(), None)]),
            ..Default::default()
        };
        let mut i = input(&loc, &[]);
        i.freeze = Some(&f);
        i.resync = true;
        assert_eq!(
            steps(&i),
            [
                "record",
                "freeze-blue",
                "suspend-runs",
                "resync",
                "dns",
                "green-notebooks",
                "green-writes",
                "kubeconfig"
            ]
        );
        // Green took traffic already: no note, and the resync says it discards green's writes.
        i.green_traffic_since = Some("2026-12-01T00:00:00Z");
        let p = cutover_plan(&i);
        assert!(!p.iter().any(|s| s.step == "green-writes"));
        assert!(
            p.iter()
                .any(|s| s.action.contains("--discard-green-writes"))
        );
        // A weighted move says its split; a weight of 0 sends nothing to green.
        let mut w = input(&loc, &[]);
        w.weight = Some(10);
        // A canary starts no notebook on green: a user's notebook runs on one side only.
        assert!(!cutover_plan(&w).iter().any(|s| s.step == "green-notebooks"));
        assert!(
            cutover_plan(&w)[1]
                .action
                .contains("weighted, 90% blue / 10% green")
        );
        w.sends_to_green = false;
        assert!(!cutover_plan(&w).iter().any(|s| s.step == "green-writes"));
        assert!(
            cutover_plan(&w)[1]
                .action
                .ends_with("none: the record is already as asked")
        );
    }

    #[test]
    fn failback_undoes_each_recorded_change_and_says_what_green_gained() {
        let loc = Location {
            zone_id: "Z1".into(),
            zone_name: "example.com.".into(),
            name: "kf.example.com.".into(),
        };
        let green = Target {
            dns_name: "green-alb.example.".into(),
            zone_id: "ZALB".into(),
            arn: String::new(),
        };
        let state = CutoverState {
            stage: Stage::CutOver,
            freeze: Some(FreezeState {
                replicas: BTreeMap::from([("ml-pipeline".into(), 2)]),
                notebooks: BTreeMap::from([("ns/nb".into(), None)]),
                ..Default::default()
            }),
            dns: Some(DnsState {
                location: loc,
                previous: Vec::new(),
                applied: Vec::new(),
                weight: None,
                blue: None,
                green,
                change_id: None,
            }),
            kubeconfig: Some(KubeconfigState {
                previous_context: Some("blue".into()),
                switched: None,
            }),
            ..Default::default()
        };
        let writes = GreenWrites {
            since: "2026-12-01T00:00:00Z".into(),
            bucket: None,
            efs: None,
            db_snapshot: Some("kf-green-failback".into()),
            synced_back: Vec::new(),
        };
        let mut i = FailbackPlanInput {
            state: &state,
            batch: &[],
            current_context: Some("green"),
            writes: Some(&writes),
            sync_back: false,
        };
        let plan = failback_plan(&i);
        let steps: Vec<&str> = plan.iter().map(|s| s.step.as_str()).collect();
        assert_eq!(
            steps,
            [
                "thaw-blue",
                "thaw-workloads",
                "dns",
                "kubeconfig",
                "green-writes",
                "green-db-snapshot",
                "sync-back",
                "green-notebooks"
            ]
        );
        assert_eq!(
            plan[0].action,
            "scale blue's Deployments back: ml-pipeline=2"
        );
        assert_eq!(plan[3].action, "current-context green -> blue");
        assert!(
            plan[6].action.starts_with("not asked"),
            "{}",
            plan[6].action
        );
        i.sync_back = true;
        assert!(
            failback_plan(&i)[6]
                .action
                .starts_with("DataSync green -> blue")
        );
        // Green never took traffic: nothing to say about its writes, no snapshot.
        i.writes = None;
        let quiet: Vec<String> = failback_plan(&i).into_iter().map(|s| s.step).collect();
        assert!(
            !quiet
                .iter()
                .any(|s| s.starts_with("green-") && s != "green-notebooks")
        );

        // Refused before anything is read: a retired blue, a sync-back of no traffic.
        assert!(refuse_failback(&state, true, true, "green").is_ok());
        let e = refuse_failback(&state, false, true, "green").unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("never took any"), "{e}");
        let retired = CutoverState {
            blue_retired: Some("2026-12-02T00:00:00Z".into()),
            ..state.clone()
        };
        let e = refuse_failback(&retired, true, false, "green").unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("nothing to go back"), "{e}");
    }

    #[test]
    fn state_round_trips_through_the_record() {
        let mut rec = UpgradeRecord::new("blue", "green");
        assert_eq!(
            CutoverState::from_record(&rec).unwrap(),
            CutoverState::default()
        );
        let s = CutoverState {
            stage: Stage::CutOver,
            freeze: Some(FreezeState {
                replicas: BTreeMap::from([("ml-pipeline".into(), 2)]),
                notebooks: BTreeMap::from([("ns/nb".into(), None)]),
                frozen: Some("t".into()),
                ..Default::default()
            }),
            kubeconfig: Some(KubeconfigState {
                previous_context: Some("blue".into()),
                switched: None,
            }),
            ..Default::default()
        };
        rec.other
            .insert(SECTION.into(), serde_json::to_value(&s).unwrap());
        let yaml = serde_yaml::to_string(&rec).unwrap();
        let back: UpgradeRecord = serde_yaml::from_str(&yaml).unwrap();
        assert_eq!(CutoverState::from_record(&back).unwrap(), s);
        assert!(s.has_changes());
    }

    #[test]
    fn failed_checks_exit_2_for_bad_input_or_a_refusal_and_1_otherwise() {
        let check = |ok: bool, refusal: Option<preflight::Refusal>| preflight::Check {
            check: "blue-record".into(),
            ok,
            warning: false,
            detail: "what is wrong; the fix".into(),
            refusal,
        };
        let checks = |v: Vec<preflight::Check>| preflight::Checks {
            blue: "blue".into(),
            green: "green".into(),
            checks: v,
        };
        assert!(failed_checks(&checks(vec![check(true, None)])).is_none());
        let e = failed_checks(&checks(vec![check(false, None)])).unwrap();
        assert_eq!(e.exit_code(), 1);
        assert!(e.to_string().contains("nothing was changed"), "{e}");
        for r in [preflight::Refusal::BadInput, preflight::Refusal::Unsafe] {
            let e =
                failed_checks(&checks(vec![check(false, None), check(false, Some(r))])).unwrap();
            assert_eq!(e.exit_code(), 2, "{e}");
            assert!(
                e.to_string()
                    .contains("blue-record: what is wrong; the fix"),
                "{e}"
            );
        }
    }
}
