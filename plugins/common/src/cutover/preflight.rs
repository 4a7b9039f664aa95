//! Preflight: is green ready to take production traffic, and do we know where that traffic goes
//! now? Reads only. Each failed check is one line saying what is wrong and how to fix it.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::networking::v1::Ingress;
use k8s_openapi::api::storage::v1::StorageClass;
use kube::Client;
use kube::api::{Api, ListParams};
use serde::Serialize;

use super::dns::{self, Location, RecordSet, Target};
use super::external_dns;
use super::freeze::Quiesce;
use crate::aws::Aws;
use crate::clone::s3;
use crate::efs::FILESYSTEM;
use crate::error::{OnContext, Result};
use crate::install_config::{EFS_CLASS, cm_value, install_config};
use crate::output::{self, Render};
use crate::record::{NAMESPACE, UpgradeRecord};

pub const INGRESS_NAMESPACE: &str = "istio-system";
pub const INGRESS_NAME: &str = "istio-ingress";
const BLUE_RECORD: &str = "blue-record";
const EXTERNAL_DNS: &str = "external-dns";

#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub check: String,
    pub ok: bool,
    /// Passed, but with something to know before going on.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub warning: bool,
    pub detail: String,
    /// A failure that is bad input or a refusal to keep production safe: the command exits 2.
    #[serde(skip)]
    pub refusal: Option<Refusal>,
}

/// Why a failed check stops the command with exit 2 (nothing was changed) rather than 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// `--dns`/`--hosted-zone` do not name a record cutover can move.
    BadInput,
    /// Going on would be undone or endanger production (external-dns owns the name).
    Unsafe,
}

#[derive(Debug, Serialize)]
pub struct Checks {
    pub blue: String,
    pub green: String,
    pub checks: Vec<Check>,
}

impl Checks {
    pub fn failures(&self) -> Vec<&Check> {
        self.checks.iter().filter(|c| !c.ok).collect()
    }

    /// The refusal among the failures, if any (bad input first: it is fixed first).
    pub fn refusal(&self) -> Option<Refusal> {
        let r: Vec<Refusal> = self.failures().iter().filter_map(|c| c.refusal).collect();
        r.iter()
            .find(|x| **x == Refusal::BadInput)
            .or(r.first())
            .copied()
    }
}

impl Render for Checks {
    fn table(&self) -> String {
        output::wrapped_table(
            &["CHECK", "RESULT", "DETAIL"],
            self.checks.iter().map(|c| {
                [
                    c.check.clone(),
                    match (c.ok, c.warning) {
                        (false, _) => "FAILED",
                        (true, true) => "warning",
                        (true, false) => "ok",
                    }
                    .to_string(),
                    c.detail.clone(),
                ]
            }),
        )
    }
}

/// What preflight found and cutover uses.
#[derive(Debug, Default)]
pub struct Facts {
    pub blue_lb: Option<Target>,
    pub green_lb: Option<Target>,
    /// The name that serves Kubeflow and its record sets pointing at blue.
    pub dns: Option<(Location, Vec<RecordSet>)>,
}

/// Where to look for the name, and what an earlier cutover recorded.
pub struct Inputs<'a> {
    pub blue: &'a str,
    pub green: &'a str,
    pub dns: Option<&'a str>,
    pub hosted_zone: Option<&'a str>,
    /// The record sets as they were before the first cutover, if one was recorded.
    pub recorded: Option<(Location, Vec<RecordSet>)>,
    /// What still writes to blue.
    pub quiesce: Quiesce,
    pub freeze: FreezePlan,
    /// How long a Route 53 request is retried while throttled (--timeout).
    pub timeout: std::time::Duration,
}

fn pass(check: &str, detail: impl Into<String>) -> Check {
    Check {
        check: check.into(),
        ok: true,
        warning: false,
        detail: detail.into(),
        refusal: None,
    }
}

fn warn(check: &str, detail: impl Into<String>) -> Check {
    Check {
        warning: true,
        ..pass(check, detail)
    }
}

fn fail(check: &str, detail: impl Into<String>) -> Check {
    Check {
        check: check.into(),
        ok: false,
        warning: false,
        detail: detail.into(),
        refusal: None,
    }
}

fn refuse(check: &str, detail: impl Into<String>, why: Refusal) -> Check {
    Check {
        refusal: Some(why),
        ..fail(check, detail)
    }
}

/// The check of the record found: the name, where, and what it points at; a failure (exit 2)
/// when `--dns`/`--hosted-zone` name no record that can be moved.
pub fn record_check(found: &std::result::Result<dns::Found, dns::Problem>) -> Check {
    match found {
        Err(dns::Problem::BadInput(why)) => refuse(BLUE_RECORD, why, Refusal::BadInput),
        Err(dns::Problem::Failed(why)) => fail(BLUE_RECORD, why),
        Ok(f) => pass(
            BLUE_RECORD,
            format!(
                "{} in {}: {}{}",
                f.location.name,
                f.location.zone_id,
                f.sets
                    .iter()
                    .map(RecordSet::describe)
                    .collect::<Vec<_>>()
                    .join("; "),
                if f.not_searched > 0 {
                    format!(
                        " (the first zone holding blue's load balancer; {} other zone(s) not searched: pass --dns and --hosted-zone to move another record)",
                        f.not_searched
                    )
                } else {
                    String::new()
                }
            ),
        ),
    }
}

/// Whether external-dns owns the name: a failure (exit 2, nothing changed) when it does, since
/// it would put the record back to blue.
pub fn external_dns_check(name: &str, owners: &[external_dns::Owner]) -> Check {
    if owners.is_empty() {
        pass(
            EXTERNAL_DNS,
            format!(
                "no external-dns ownership record for {} ({})",
                dns::fqdn(name),
                external_dns::owner_names(name).join(", ")
            ),
        )
    } else {
        refuse(
            EXTERNAL_DNS,
            external_dns::owned_refusal(name, owners),
            Refusal::Unsafe,
        )
    }
}

/// What this run does about blue's writers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FreezePlan {
    /// Blue was frozen by an earlier cutover (recorded).
    pub frozen: bool,
    /// This run freezes blue (`--freeze-blue`).
    pub freeze: bool,
    /// This run resyncs the clones (`--resync`).
    pub resync: bool,
    /// `--allow-live-resync`.
    pub allow_live: bool,
}

/// Is blue quiet: what still writes to its storage, per namespace. A warning before a freeze;
/// a failure when a resync would copy storage that is still written to.
pub fn quiesce_check(q: &Quiesce, plan: FreezePlan) -> Check {
    const C: &str = "blue-quiesce";
    if q.is_quiet() {
        return pass(
            C,
            if plan.frozen {
                "blue is frozen: nothing writes to its storage".to_string()
            } else {
                "nothing runs on blue that writes to its storage between requests: no pipeline runs, recurring runs, notebooks or trials".to_string()
            },
        );
    }
    let what = q.describe();
    if plan.freeze {
        return pass(C, format!("{what}: --freeze-blue stops them first"));
    }
    if plan.resync && !plan.frozen && !plan.allow_live {
        return fail(
            C,
            format!(
                "{what} still write to blue: a resync now copies storage in use; pass --freeze-blue"
            ),
        );
    }
    warn(
        C,
        format!("{what} write to blue: --freeze-blue stops them before traffic moves"),
    )
}

async fn efs_fs(client: &Client) -> Result<Option<String>> {
    let api: Api<StorageClass> = Api::all(client.clone());
    Ok(api.get_opt(EFS_CLASS).await?.and_then(|sc| {
        sc.parameters
            .and_then(|p| p.get("fileSystemId").cloned())
            .filter(|s| !s.is_empty())
    }))
}

/// The load balancer hostname in the status of `istio-system/istio-ingress`.
pub async fn ingress_hostname(client: &Client) -> Result<Option<String>> {
    let api: Api<Ingress> = Api::namespaced(client.clone(), INGRESS_NAMESPACE);
    let ing = match api.get_opt(INGRESS_NAME).await {
        Ok(i) => i,
        Err(kube::Error::Api(s)) if s.code == 404 => None,
        Err(e) => return Err(e.into()),
    };
    Ok(ing.and_then(|i| {
        i.status?
            .load_balancer?
            .ingress?
            .into_iter()
            .find_map(|l| l.hostname.filter(|h| !h.is_empty()))
    }))
}

/// The ELBv2 load balancer whose DNSName is `dns` (DescribeLoadBalancers, every page).
pub async fn load_balancer(aws: &Aws, dns_name: &str) -> Result<Option<Target>> {
    let want = dns::normalize(dns_name);
    let lbs = crate::aws::all(
        "DescribeLoadBalancers",
        aws.elbv2()
            .describe_load_balancers()
            .into_paginator()
            .items()
            .send(),
    )
    .await?;
    Ok(lbs
        .iter()
        .find(|lb| lb.dns_name().map(dns::normalize).as_deref() == Some(want.as_str()))
        .map(|lb| Target {
            dns_name: lb.dns_name().unwrap_or_default().to_string(),
            zone_id: lb
                .canonical_hosted_zone_id()
                .unwrap_or_default()
                .to_string(),
            arn: lb.load_balancer_arn().unwrap_or_default().to_string(),
        }))
}

async fn green_deployments(green_client: &Client) -> Result<Check> {
    const C: &str = "green-deployments";
    let api: Api<Deployment> = Api::namespaced(green_client.clone(), NAMESPACE);
    let list = match api.list(&ListParams::default()).await {
        Ok(l) => l.items,
        Err(kube::Error::Api(s)) if s.code == 404 => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    if list.is_empty() {
        return Ok(fail(
            C,
            format!(
                "green has no Deployments in namespace {NAMESPACE}: deploy Kubeflow on green first (kubectl kf deploy kubeflow)"
            ),
        ));
    }
    let not: Vec<String> = list
        .iter()
        .filter(|d| !crate::kube_wait::deployment_available(d))
        .map(|d| d.metadata.name.clone().unwrap_or_default())
        .collect();
    Ok(if not.is_empty() {
        pass(C, format!("{} Deployments Available", list.len()))
    } else {
        fail(
            C,
            format!(
                "green's Deployments not Available: {} (kubectl --context GREEN -n {NAMESPACE} describe deployment NAME); wait or fix them, then run again",
                not.join(", ")
            ),
        )
    })
}

/// One storage layer: green's value must be the recorded clone and not blue's.
fn storage_check(
    check: &str,
    what: &str,
    where_: &str,
    green: Option<String>,
    blue: Option<String>,
    recorded: Option<String>,
    how_to_clone: &str,
) -> Check {
    match (green, recorded) {
        (_, None) if blue.is_none() => pass(check, format!("blue has no {what}: nothing to move")),
        (_, None) => fail(
            check,
            format!("no {what} clone is recorded for this upgrade: run {how_to_clone}"),
        ),
        (None, Some(r)) => fail(
            check,
            format!(
                "green has no {what} in {where_}: point green at the clone {r} (kubectl kf deploy kubeflow / kubectl kf storage efs)"
            ),
        ),
        (Some(g), _) if blue.as_deref() == Some(g.as_str()) => fail(
            check,
            format!(
                "green's {what} {g} ({where_}) is blue's: green would write to production; point it at the clone"
            ),
        ),
        (Some(g), Some(r)) if g != r => fail(
            check,
            format!(
                "green's {what} {g} ({where_}) is not the clone recorded for this upgrade ({r}): redeploy green pointing at {r}"
            ),
        ),
        (Some(g), Some(_)) => pass(check, format!("{g} (the clone, not blue's)")),
    }
}

/// The `host` key of a Secret in namespace kubeflow, if the Secret exists (nothing else is read out).
async fn secret_host(client: &Client, name: &str) -> Result<Option<String>> {
    let api: Api<k8s_openapi::api::core::v1::Secret> = Api::namespaced(client.clone(), NAMESPACE);
    Ok(api.get_opt(name).await?.and_then(|s| {
        s.data?
            .get("host")
            .map(|b| String::from_utf8_lossy(&b.0).trim().to_string())
    }))
}

/// The DB credentials green syncs: the Secrets Manager secret its SecretProviderClasses name, and
/// green's `mysql-secret` once synced, must hold green's DB host (values other than the host are
/// never read out or printed).
async fn green_db_secret(
    aws: &Aws,
    green_client: &Client,
    green_host: Option<&str>,
    blue_host: Option<&str>,
) -> Result<Check> {
    const C: &str = "green-db-secret";
    let gvk = kube::core::GroupVersionKind::gvk(
        crate::secrets_store::GROUP,
        "v1",
        crate::secrets_store::KIND,
    );
    let ar = kube::core::ApiResource::from_gvk(&gvk);
    let api: Api<kube::api::DynamicObject> =
        Api::namespaced_with(green_client.clone(), NAMESPACE, &ar);
    let spcs = match api.list(&ListParams::default()).await {
        Ok(l) => l.items,
        // The secrets store CSI driver is not installed: nothing is synced from Secrets Manager.
        Err(kube::Error::Api(s)) if s.code == 404 => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    let mut sources: Vec<(String, Option<String>)> = Vec::new();
    for spc in &spcs {
        let value = serde_json::to_value(spc).unwrap_or_default();
        if let Some(name) = crate::secrets_store::db_secret_of(&value, None) {
            let host = aws
                .secrets()
                .get_secret_value()
                .secret_id(&name)
                .send()
                .await
                .ok()
                .and_then(|v| {
                    v.secret_string()
                        .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
                })
                .and_then(|v| v.get("host").and_then(|h| h.as_str()).map(str::to_string));
            sources.push((format!("Secrets Manager secret {name}"), host));
        }
    }
    if let Some(host) = secret_host(green_client, crate::secrets_store::DB_SECRET).await? {
        sources.push((
            format!("Secret {NAMESPACE}/{}", crate::secrets_store::DB_SECRET),
            Some(host),
        ));
    }
    if sources.is_empty() {
        return Ok(pass(
            C,
            "green syncs no DB secret from Secrets Manager and has no mysql-secret host",
        ));
    }
    let Some(want) = green_host else {
        return Ok(fail(
            C,
            "no cloned database is recorded for this upgrade: run kubectl kf clone",
        ));
    };
    let mut problems = Vec::new();
    for (what, host) in &sources {
        match host.as_deref() {
            Some(h) if h == want => {}
            Some(h) if Some(h) == blue_host => problems.push(format!(
                "{what} has blue's host {h}: green would write to production's database"
            )),
            Some(h) => problems.push(format!("{what} has host {h}, not the clone {want}")),
            None => problems.push(format!("{what} cannot be read or has no host")),
        }
    }
    Ok(if problems.is_empty() {
        pass(
            C,
            format!(
                "{} name the clone {want}",
                sources
                    .iter()
                    .map(|(w, _)| w.as_str())
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
        )
    } else {
        fail(
            C,
            format!(
                "{}; run kubectl kf clone, then kubectl kf deploy kubeflow again",
                problems.join("; ")
            ),
        )
    })
}

/// `kubectl kf verify`'s verdict: a failure naming what blue has and green lacks.
pub fn carried_check(report: &crate::verify::Report) -> Check {
    const C: &str = "carried";
    let missing: Vec<String> = report
        .missing()
        .map(|i| format!("{} {}", i.layer.as_str(), i.name))
        .collect();
    if missing.is_empty() {
        pass(C, format!("carried {}/{}", report.carried, report.total))
    } else {
        fail(
            C,
            format!(
                "carried {}/{}; missing on green: {} (kubectl kf verify says why)",
                report.carried,
                report.total,
                missing.join(", ")
            ),
        )
    }
}

/// Runs every check; never changes anything.
pub async fn run(
    aws: &Aws,
    blue_client: &Client,
    green_client: &Client,
    rec: &UpgradeRecord,
    inputs: Inputs<'_>,
) -> Result<(Checks, Facts)> {
    let mut checks = Vec::new();
    let mut facts = Facts::default();
    let (b, g) = (inputs.blue, inputs.green);
    checks.push(green_deployments(green_client).await.on(g)?);
    checks.push(quiesce_check(&inputs.quiesce, inputs.freeze));

    let (green_cm, blue_cm) = (
        install_config(green_client).await.on(g)?,
        install_config(blue_client).await.on(b)?,
    );
    let recorded = |key: &str| rec.resources.get(key);
    let green_host = rec.clones.db.as_ref().and_then(|d| d.host.clone());
    checks.push(storage_check(
        "green-db",
        "DB host",
        "dbHost of kubeflow/pipeline-install-config",
        cm_value(&green_cm, "dbHost"),
        cm_value(&blue_cm, "dbHost"),
        green_host.clone(),
        "kubectl kf clone",
    ));
    checks.push(
        green_db_secret(
            aws,
            green_client,
            green_host.as_deref(),
            cm_value(&blue_cm, "dbHost").as_deref(),
        )
        .await
        .on(g)?,
    );
    checks.push(storage_check(
        "green-bucket",
        "S3 bucket",
        "bucketName of kubeflow/pipeline-install-config",
        cm_value(&green_cm, "bucketName"),
        cm_value(&blue_cm, "bucketName"),
        recorded(s3::BUCKET)
            .map(|r| r.id.clone())
            .filter(|s| !s.is_empty()),
        "kubectl kf clone",
    ));
    checks.push(storage_check(
        "green-efs",
        "EFS file system",
        "fileSystemId of StorageClass efs-sc",
        efs_fs(green_client).await.on(g)?,
        efs_fs(blue_client).await.on(b)?,
        recorded(FILESYSTEM)
            .map(|r| r.id.clone())
            .filter(|s| !s.is_empty()),
        "kubectl kf storage efs, then kubectl kf clone",
    ));

    let (blue, green) = crate::verify::observe::observe(
        aws,
        crate::verify::observe::Cluster {
            client: blue_client,
            context: b,
        },
        crate::verify::observe::Cluster {
            client: green_client,
            context: g,
        },
        rec,
        &crate::record::label_value(inputs.green),
    )
    .await?;
    checks.push(carried_check(&crate::verify::Report::new(
        inputs.blue,
        inputs.green,
        crate::verify::compare(&blue, &green, crate::verify::DEFAULT_SAMPLE),
    )));

    // Green's load balancer.
    const GI: &str = "green-ingress";
    match ingress_hostname(green_client).await.on(g)? {
        None => checks.push(fail(
            GI,
            format!(
                "green's Ingress {INGRESS_NAMESPACE}/{INGRESS_NAME} has no load balancer hostname: deploy Kubeflow's ingress on green and wait for the AWS Load Balancer Controller to create its ALB"
            ),
        )),
        Some(host) => match load_balancer(aws, &host).await? {
            None => checks.push(fail(
                GI,
                format!(
                    "green's Ingress hostname {host} is no ELBv2 load balancer in this account/region: check --region and the AWS Load Balancer Controller on green"
                ),
            )),
            Some(lb) => {
                checks.push(pass(GI, format!("{} ({})", lb.dns_name, lb.arn)));
                facts.green_lb = Some(lb);
            }
        },
    }

    // Blue's load balancer and the record that serves Kubeflow.
    const BR: &str = BLUE_RECORD;
    let blue_host = ingress_hostname(blue_client).await.on(b)?;
    if let Some(h) = &blue_host {
        facts.blue_lb = Some(load_balancer(aws, h).await?.unwrap_or(Target {
            dns_name: h.clone(),
            zone_id: String::new(),
            arn: String::new(),
        }));
    }
    if let Some((loc, sets)) = inputs.recorded {
        if inputs
            .dns
            .is_some_and(|d| dns::fqdn(d) != dns::fqdn(&loc.name))
            || inputs
                .hosted_zone
                .is_some_and(|z| dns::zone_id(z) != loc.zone_id)
        {
            checks.push(refuse(
                BR,
                format!(
                    "this upgrade already moved {} in {}: fail back first (kubectl kf cutover failback --yes) to move another name",
                    loc.name, loc.zone_id
                ),
                Refusal::BadInput,
            ));
        } else {
            checks.push(pass(
                BR,
                format!(
                    "{} in {} (recorded before the first move: {})",
                    loc.name,
                    loc.zone_id,
                    sets.iter()
                        .map(RecordSet::describe)
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            ));
            let mut reader = dns::Reader::new(aws, inputs.timeout);
            let owners = external_dns::owners(&mut reader, &loc).await?;
            checks.push(external_dns_check(&loc.name, &owners));
            facts.dns = Some((loc, sets));
        }
    } else {
        match &blue_host {
            None => checks.push(fail(
                BR,
                format!(
                    "blue's Ingress {INGRESS_NAMESPACE}/{INGRESS_NAME} has no load balancer hostname, so the record pointing at it cannot be found: pass --from with production's context"
                ),
            )),
            Some(h) => {
                let mut reader = dns::Reader::new(aws, inputs.timeout);
                let found = dns::find(&mut reader, h, inputs.dns, inputs.hosted_zone).await?;
                checks.push(record_check(&found));
                if let Ok(f) = found {
                    // The zones read whole are not read again.
                    let owners = external_dns::owners(&mut reader, &f.location).await?;
                    checks.push(external_dns_check(&f.location.name, &owners));
                    facts.dns = Some((f.location, f.sets));
                }
            }
        }
    }
    if let (Some(b), Some(g)) = (&facts.blue_lb, &facts.green_lb)
        && dns::normalize(&b.dns_name) == dns::normalize(&g.dns_name)
    {
        checks.push(fail(
            "distinct-load-balancers",
            format!(
                "blue and green use the same load balancer {}: check --from and --to",
                g.dns_name
            ),
        ));
    }
    Ok((
        Checks {
            blue: inputs.blue.to_string(),
            green: inputs.green.to_string(),
            checks,
        },
        facts,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Option<String> {
        Some(v.into())
    }

    #[test]
    fn storage_checks_say_what_is_wrong() {
        let c = storage_check(
            "db",
            "DB host",
            "dbHost",
            s("green"),
            s("blue"),
            s("green"),
            "x",
        );
        assert!(c.ok, "{c:?}");
        let c = storage_check(
            "db",
            "DB host",
            "dbHost",
            s("blue"),
            s("blue"),
            s("green"),
            "x",
        );
        assert!(!c.ok && c.detail.contains("is blue's"), "{c:?}");
        let c = storage_check(
            "db",
            "DB host",
            "dbHost",
            s("other"),
            s("blue"),
            s("green"),
            "x",
        );
        assert!(!c.ok && c.detail.contains("not the clone"), "{c:?}");
        let c = storage_check(
            "db",
            "DB host",
            "dbHost",
            s("green"),
            s("blue"),
            None,
            "kf clone",
        );
        assert!(!c.ok && c.detail.contains("run kf clone"), "{c:?}");
        let c = storage_check("db", "DB host", "dbHost", None, s("blue"), s("green"), "x");
        assert!(!c.ok && c.detail.contains("green has no"), "{c:?}");
        let c = storage_check("efs", "EFS", "efs-sc", None, None, None, "x");
        assert!(c.ok, "{c:?}");
    }

    #[test]
    fn quiesce_warns_before_a_freeze_and_fails_a_live_resync() {
        use std::collections::BTreeMap;
        let busy = Quiesce {
            running_workflows: BTreeMap::from([("team-a".to_string(), 2)]),
            enabled_recurring_runs: BTreeMap::from([("team-b".to_string(), 1)]),
            ..Default::default()
        };
        let c = quiesce_check(&busy, FreezePlan::default());
        assert!(c.ok && c.warning, "{c:?}");
        assert!(
            c.detail.contains("2 running pipeline run(s) (team-a: 2)")
                && c.detail.contains("1 enabled recurring run(s) (team-b: 1)"),
            "{c:?}"
        );
        let resync = FreezePlan {
            resync: true,
            ..Default::default()
        };
        let c = quiesce_check(&busy, resync);
        assert!(!c.ok && c.detail.contains("--freeze-blue"), "{c:?}");
        let c = quiesce_check(
            &busy,
            FreezePlan {
                allow_live: true,
                ..resync
            },
        );
        assert!(c.ok && c.warning, "{c:?}");
        let c = quiesce_check(
            &busy,
            FreezePlan {
                freeze: true,
                ..resync
            },
        );
        assert!(c.ok && !c.warning, "{c:?}");
        let c = quiesce_check(&Quiesce::default(), resync);
        assert!(c.ok && !c.warning, "{c:?}");
    }

    fn found(not_searched: usize) -> dns::Found {
        dns::Found {
            location: Location {
                zone_id: "Z1".into(),
                zone_name: "example.com.".into(),
                name: "kubeflow.example.com.".into(),
            },
            sets: vec![],
            not_searched,
        }
    }

    #[test]
    fn bad_dns_input_and_an_external_dns_owner_are_refusals_not_failures() {
        let bad = record_check(&Err(dns::Problem::BadInput("no zone".into())));
        assert!(!bad.ok && bad.refusal == Some(Refusal::BadInput), "{bad:?}");
        let failed = record_check(&Err(dns::Problem::Failed("several".into())));
        assert!(!failed.ok && failed.refusal.is_none(), "{failed:?}");
        let ok = record_check(&Ok(found(3)));
        assert!(
            ok.ok && ok.detail.contains("3 other zone(s) not searched"),
            "{ok:?}"
        );
        assert!(!record_check(&Ok(found(0))).detail.contains("not searched"));

        let free = external_dns_check("kubeflow.example.com.", &[]);
        assert!(
            free.ok && free.detail.contains("a-kubeflow.example.com."),
            "{free:?}"
        );
        let owner = external_dns::Owner {
            txt_name: "kubeflow.example.com.".into(),
            zone_id: "Z1".into(),
            owner: Some("blue".into()),
            resource: None,
        };
        let owned = external_dns_check("kubeflow.example.com.", &[owner]);
        assert!(
            !owned.ok && owned.refusal == Some(Refusal::Unsafe),
            "{owned:?}"
        );
        assert!(owned.detail.contains("external-dns owns"), "{owned:?}");

        // Bad input is reported first: it is what to fix first.
        let checks = |v: Vec<Check>| Checks {
            blue: "b".into(),
            green: "g".into(),
            checks: v,
        };
        assert_eq!(checks(vec![failed.clone()]).refusal(), None);
        assert_eq!(
            checks(vec![failed.clone(), owned.clone()]).refusal(),
            Some(Refusal::Unsafe)
        );
        assert_eq!(
            checks(vec![owned, failed, bad]).refusal(),
            Some(Refusal::BadInput)
        );
    }

    #[test]
    fn the_carried_check_names_what_green_lacks() {
        use crate::verify::compare::{Item, Layer, Status};
        let item = |status, name: &str| Item {
            status,
            layer: Layer::Kubernetes,
            name: name.into(),
            detail: "not on green".into(),
            only_blue: vec![],
        };
        let all =
            crate::verify::Report::new("blue", "green", vec![item(Status::Carried, "Profile/a")]);
        let c = carried_check(&all);
        assert!(c.ok && c.detail == "carried 1/1", "{c:?}");
        let one = crate::verify::Report::new(
            "blue",
            "green",
            vec![
                item(Status::Carried, "Profile/a"),
                item(Status::Missing, "Notebook/a/nb"),
            ],
        );
        let c = carried_check(&one);
        assert!(!c.ok && c.refusal.is_none(), "{c:?}");
        assert!(
            c.detail.contains("carried 1/2") && c.detail.contains("k8s Notebook/a/nb"),
            "{}",
            c.detail
        );
    }
}
