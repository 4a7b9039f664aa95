//! `kubectl kf cutover`: move production traffic to green after preflight checks, and fail back.
//!
//! Order of a cutover: preflight (reads only; any failure changes nothing), then every value
//! about to change is written to the `cutover` section of the upgrade record with its previous
//! value (the exact record sets, each blue Deployment's replicas, the current-context), then blue
//! is frozen (`--freeze-blue`), the clones resynced (`--resync`), the Route 53 record moved and
//! waited for until INSYNC, and the kubeconfig switched to green. Failback restores what the
//! record holds, in reverse: blue's replicas, the record sets, the current-context.

pub mod dns;
pub mod freeze;
pub mod preflight;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::cli::GlobalArgs;
use crate::commands::{CloneCli, CutoverCli, CutoverCommand};
use crate::context::client_for;
use crate::error::{Error, Result};
use crate::kubeconfig::Kubeconfigs;
use crate::output::{self, Render};
use crate::progress::Progress;
use crate::record::{self, RecordStore, UpgradeRecord};
use crate::upgrade::Session;
use dns::{Action, Location, RecordSet, Target};

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
pub struct FreezeState {
    /// Blue's Deployments in namespace kubeflow and their replicas before the freeze.
    pub replicas: BTreeMap<String, i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frozen: Option<String>,
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
        match rec.other.get(SECTION) {
            None | Some(serde_json::Value::Null) => Ok(Self::default()),
            Some(v) => serde_json::from_value(v.clone()).map_err(|e| {
                Error::failed(format!(
                    "the cutover section of the upgrade record is unreadable: {e}"
                ))
            }),
        }
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
            let mut s = CutoverState::from_record(r).unwrap_or_default();
            change(&mut s);
            r.other.insert(
                SECTION.to_string(),
                serde_json::to_value(&s).unwrap_or(serde_json::Value::Null),
            );
        })
        .await?;
    CutoverState::from_record(&rec)
}

pub async fn run(cli: CutoverCli) -> Result<()> {
    let g = locate(&cli.global).await?;
    match cli.command {
        Some(CutoverCommand::Check) => check(&cli, &g).await,
        Some(CutoverCommand::Failback) => failback(&g).await,
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
        record::list(&c, &current).await
    };
    if let Ok(Ok(found)) = tokio::time::timeout(limit, is_blue).await
        && !found.is_empty()
        && g.to.is_none()
    {
        return Ok(g.clone());
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

async fn preflight(
    session: &Session,
    cli: &CutoverCli,
    state: &CutoverState,
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
    Some(Error::failed(format!(
        "{} preflight check(s) failed; nothing was changed:\n{}",
        failures.len(),
        lines.join("\n")
    )))
}

async fn check(cli: &CutoverCli, g: &GlobalArgs) -> Result<()> {
    let session = open(g, false).await?;
    let state = CutoverState::from_record(&session.ctx.record.snapshot().await)?;
    let (checks, _) = preflight(&session, cli, &state).await?;
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
        s.push_str(&output::table(
            &["STEP", "ACTION"],
            self.steps
                .iter()
                .map(|p| [p.step.clone(), p.action.clone()]),
        ));
        s
    }
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
) -> Result<Vec<RecordSet>> {
    let kinds: Vec<&str> = previous.iter().map(|r| r.kind.as_str()).collect();
    Ok(dns::record_sets_named(aws, &loc.zone_id, &loc.name)
        .await?
        .into_iter()
        .filter(|r| kinds.contains(&r.kind.as_str()))
        .collect())
}

async fn cutover(cli: &CutoverCli, g: &GlobalArgs) -> Result<()> {
    let changes = g.yes && !g.dry_run;
    let session = open(g, changes).await?;
    let store = &session.ctx.record;
    let aws = &session.ctx.aws;
    let state = CutoverState::from_record(&store.snapshot().await)?;
    let (checks, facts) = preflight(&session, cli, &state).await?;
    if let Some(e) = failed_checks(&checks) {
        return Err(e);
    }
    let (Some(green_lb), Some((loc, previous))) = (facts.green_lb.clone(), facts.dns.clone())
    else {
        return Err(Error::failed(
            "preflight passed without finding both load balancers",
        ));
    };
    let current = current_sets(aws, &loc, &previous).await?;
    let desired = dns::desired(&previous, &green_lb, cli.weight);
    let batch = dns::change_batch(&current, &desired);
    let kubeconfig = session.blue.kubeconfig.clone();
    let previous_context = kubeconfig.current_context();
    let blue_deployments = if cli.freeze_blue {
        freeze::deployments(&session.blue_client).await?
    } else {
        BTreeMap::new()
    };
    let to_freeze = freeze::to_record(
        &blue_deployments,
        &state
            .freeze
            .as_ref()
            .map(|f| f.replicas.clone())
            .unwrap_or_default(),
    );

    let mut plan = Vec::new();
    step(
        &mut plan,
        "record",
        format!(
            "write the previous values to {}/{}",
            record::NAMESPACE,
            record::configmap_name(&session.green)
        ),
    );
    if cli.freeze_blue {
        step(
            &mut plan,
            "freeze-blue",
            format!(
                "scale blue's Deployments in {} to 0 ({})",
                record::NAMESPACE,
                to_freeze
                    .iter()
                    .map(|(n, r)| format!("{n}={r}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    if cli.resync {
        step(
            &mut plan,
            "resync",
            "kubectl kf clone --resync --yes: fresh DB snapshot and restore, incremental copies of bucket and EFS",
        );
    }
    step(
        &mut plan,
        "dns",
        format!(
            "{} in hosted zone {} ({}): {}",
            loc.name,
            loc.zone_id,
            match cli.weight {
                Some(w) => format!("weighted, {}% blue / {w}% green", 100 - u32::from(w)),
                None => "all traffic to green".into(),
            },
            describe_changes(&batch)
        ),
    );
    step(
        &mut plan,
        "kubeconfig",
        format!(
            "current-context {} -> {}",
            previous_context.as_deref().unwrap_or("(none)"),
            session.green
        ),
    );
    if !changes {
        if !g.yes && !g.dry_run {
            Progress::new(g.quiet)
                .println("nothing was changed: pass --yes to cut over as planned");
        }
        return output::print(
            g.output,
            &Plan {
                blue: session.blue.context.clone(),
                green: session.green.clone(),
                command: "cutover".into(),
                approved: g.yes,
                steps: plan,
            },
        );
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
    let freeze_blue = cli.freeze_blue;
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
        if freeze_blue {
            let f = s.freeze.get_or_insert_with(FreezeState::default);
            f.replicas = freeze::to_record(&to_freeze, &f.replicas);
        }
        if s.kubeconfig.is_none() {
            s.kubeconfig = Some(KubeconfigState {
                previous_context: pc.clone(),
                switched: None,
            });
        }
    })
    .await?;

    let result = execute(cli, g, &session, &loc, &batch, kubeconfig).await;
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
    mut kubeconfig: Kubeconfigs,
) -> Result<()> {
    let store = &session.ctx.record;
    let progress = Progress::new(g.quiet);
    if cli.freeze_blue {
        let stream = progress.stream("blue");
        let state = CutoverState::from_record(&store.snapshot().await)?;
        let zeros: BTreeMap<String, i32> = state
            .freeze
            .map(|f| f.replicas.keys().map(|k| (k.clone(), 0)).collect())
            .unwrap_or_default();
        freeze::scale_all(&session.blue_client, &zeros, &stream, g.timeout).await?;
        save(store, |s| {
            if let Some(f) = &mut s.freeze {
                f.frozen.get_or_insert_with(record::now);
            }
        })
        .await?;
        stream.finish(&format!("blue frozen: {} Deployments at 0", zeros.len()));
    }
    if cli.resync {
        progress.println("resyncing the clones (kubectl kf clone --resync)");
        let mut global = g.clone();
        global.from = Some(session.blue.context.clone());
        global.to = Some(session.green.clone());
        crate::clone::run_reporting(
            CloneCli {
                global,
                only: Vec::new(),
                resync: true,
                db_instance: None,
                bucket: None,
                efs_id: None,
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
    let id = dns::apply(
        &session.ctx.aws,
        &loc.zone_id,
        batch,
        &comment,
        &stream,
        g.timeout,
    )
    .await?;
    if let Some(id) = id {
        save(store, |s| {
            if let Some(d) = &mut s.dns {
                d.change_id = Some(id.clone());
            }
        })
        .await?;
    }
    stream.finish(&format!("{} now points at green", loc.name));
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

async fn failback(g: &GlobalArgs) -> Result<()> {
    let changes = g.yes && !g.dry_run;
    let session = open(g, changes).await?;
    let store = &session.ctx.record;
    let aws = &session.ctx.aws;
    let state = CutoverState::from_record(&store.snapshot().await)?;
    if !state.has_changes() {
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
            let current = current_sets(aws, &d.location, &managed).await?;
            dns::change_batch(&current, &d.previous)
        }
        None => Vec::new(),
    };
    let mut kubeconfig = session.blue.kubeconfig.clone();
    let restore_context = state
        .kubeconfig
        .as_ref()
        .and_then(|k| k.previous_context.clone());

    let mut plan = Vec::new();
    if let Some(f) = &state.freeze {
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
    }
    if let Some(d) = &state.dns {
        step(
            &mut plan,
            "dns",
            format!(
                "{} in hosted zone {}: {}",
                d.location.name,
                d.location.zone_id,
                describe_changes(&batch)
            ),
        );
    }
    if let Some(k) = &state.kubeconfig {
        step(
            &mut plan,
            "kubeconfig",
            format!(
                "current-context {} -> {}",
                kubeconfig.current_context().as_deref().unwrap_or("(none)"),
                k.previous_context
                    .as_deref()
                    .unwrap_or("(unchanged: none was set)")
            ),
        );
    }
    if !changes {
        if !g.yes && !g.dry_run {
            Progress::new(g.quiet)
                .println("nothing was changed: pass --yes to fail back as planned");
        }
        return output::print(
            g.output,
            &Plan {
                blue: session.blue.context.clone(),
                green: session.green.clone(),
                command: "failback".into(),
                approved: g.yes,
                steps: plan,
            },
        );
    }

    let progress = Progress::new(g.quiet);
    // Blue's pods first, so traffic moved back finds them serving.
    if let Some(f) = &state.freeze {
        let stream = progress.stream("blue");
        freeze::scale_all(&session.blue_client, &f.replicas, &stream, g.timeout).await?;
        save(store, |s| s.freeze = None).await?;
        stream.finish("blue's Deployments are back at their recorded replicas");
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
    output::print(g.output, &report(g, &session, &state_after, found).await?)
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
        for r in dns::record_sets_named(&session.ctx.aws, &l.zone_id, &l.name).await? {
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
    })
}

async fn status(g: &GlobalArgs) -> Result<()> {
    let session = open(g, false).await?;
    let state = CutoverState::from_record(&session.ctx.record.snapshot().await)?;
    let found = if state.dns.is_none() {
        // Not moved (or failed back): show the record that points at blue, if it can be found.
        match preflight::ingress_hostname(&session.blue_client).await {
            Ok(Some(host)) => match dns::find(&session.ctx.aws, &host, None, None).await {
                Ok(Ok((loc, _))) => {
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
                frozen: Some("t".into()),
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
}
