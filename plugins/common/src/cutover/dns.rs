//! The Route 53 side of cutover: the record that serves Kubeflow, what it should become, and the
//! change batch that gets it there.
//!
//! Records are kept in the upgrade record as [`RecordSet`]s, a plain copy of the Route 53 fields
//! cutover understands (simple and weighted routing, alias or values), so that failback can put
//! back exactly what was there. Records using other routing policies are refused, not guessed at.

use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, ChangeStatus, ResourceRecord,
    ResourceRecordSet, RrType,
};
use serde::{Deserialize, Serialize};

use crate::aws::Aws;
use crate::error::{Error, Result};
use crate::progress::Stream;
use crate::wait::{self, Poll};

/// SetIdentifiers of the weighted records cutover creates.
pub const BLUE_ID: &str = "blue";
pub const GREEN_ID: &str = "green";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alias {
    pub hosted_zone_id: String,
    pub dns_name: String,
    pub evaluate_target_health: bool,
}

/// One Route 53 resource record set, as cutover records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordSet {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_identifier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<Alias>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_id: Option<String>,
}

/// A load balancer as a record target: its DNS name and canonical hosted zone id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    pub dns_name: String,
    pub zone_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub arn: String,
}

/// Where the name lives: the hosted zone and the record sets of that name cutover moves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    pub zone_id: String,
    pub zone_name: String,
    pub name: String,
}

/// A DNS name for comparisons: lowercase, no trailing dot, no `dualstack.` prefix.
pub fn normalize(dns: &str) -> String {
    let s = dns.trim().trim_end_matches('.').to_ascii_lowercase();
    s.strip_prefix("dualstack.")
        .map(str::to_string)
        .unwrap_or(s)
}

/// A record name as Route 53 returns it: lowercase, with the trailing dot.
pub fn fqdn(name: &str) -> String {
    format!(
        "{}.",
        name.trim().trim_end_matches('.').to_ascii_lowercase()
    )
}

/// The hosted zone id without its `/hostedzone/` prefix.
pub fn zone_id(id: &str) -> String {
    id.trim_start_matches("/hostedzone/").to_string()
}

impl RecordSet {
    /// Name, type and SetIdentifier: what makes a record set one record set in Route 53.
    pub fn identity(&self) -> (String, String, Option<String>) {
        (
            fqdn(&self.name),
            self.kind.clone(),
            self.set_identifier.clone(),
        )
    }

    /// The DNS name this record sends clients to (alias target or CNAME value).
    pub fn target(&self) -> Option<&str> {
        match &self.alias {
            Some(a) => Some(a.dns_name.as_str()),
            None if self.kind == "CNAME" => self.values.first().map(String::as_str),
            None => None,
        }
    }

    pub fn points_at(&self, lb_dns: &str) -> bool {
        self.target()
            .is_some_and(|t| normalize(t) == normalize(lb_dns))
    }

    /// A copy pointing at `to` instead: an alias takes its canonical zone id (keeping a
    /// `dualstack.` prefix), a CNAME its DNS name.
    pub fn retarget(&self, to: &Target) -> RecordSet {
        let mut r = self.clone();
        match &mut r.alias {
            Some(a) => {
                let dualstack = a.dns_name.to_ascii_lowercase().starts_with("dualstack.");
                a.dns_name = if dualstack {
                    format!("dualstack.{}", to.dns_name)
                } else {
                    to.dns_name.clone()
                };
                a.hosted_zone_id = to.zone_id.clone();
            }
            None => r.values = vec![to.dns_name.clone()],
        }
        r
    }

    /// A short description: `A alias -> x (weight 10, green)`.
    pub fn describe(&self) -> String {
        let how = if self.alias.is_some() {
            "alias"
        } else {
            "value"
        };
        let mut s = format!(
            "{} {} {how} -> {}",
            self.name,
            self.kind,
            self.target()
                .map(str::to_string)
                .unwrap_or_else(|| self.values.join(","))
        );
        if let Some(w) = self.weight {
            s.push_str(&format!(
                " (weight {w}, {})",
                self.set_identifier.as_deref().unwrap_or("")
            ));
        }
        s
    }
}

/// Reads a Route 53 record set; `Err` says why cutover cannot move it.
pub fn from_sdk(r: &ResourceRecordSet) -> std::result::Result<RecordSet, String> {
    let name = r.name();
    if r.region().is_some()
        || r.geo_location().is_some()
        || r.failover().is_some()
        || r.multi_value_answer().is_some()
        || r.cidr_routing_config().is_some()
        || r.geo_proximity_location().is_some()
        || r.traffic_policy_instance_id().is_some()
    {
        return Err(format!(
            "record {name} {} uses a routing policy cutover does not move (only simple and weighted records)",
            r.r#type().as_str()
        ));
    }
    Ok(RecordSet {
        name: name.to_string(),
        kind: r.r#type().as_str().to_string(),
        set_identifier: r.set_identifier().map(str::to_string),
        weight: r.weight(),
        ttl: r.ttl(),
        values: r
            .resource_records()
            .iter()
            .map(|v| v.value().to_string())
            .collect(),
        alias: r.alias_target().map(|a| Alias {
            hosted_zone_id: a.hosted_zone_id().to_string(),
            dns_name: a.dns_name().to_string(),
            evaluate_target_health: a.evaluate_target_health(),
        }),
        health_check_id: r.health_check_id().map(str::to_string),
    })
}

fn build_err(e: impl std::fmt::Display) -> Error {
    Error::failed(format!("building a Route 53 change: {e}"))
}

pub fn to_sdk(r: &RecordSet) -> Result<ResourceRecordSet> {
    let mut b = ResourceRecordSet::builder()
        .name(&r.name)
        .r#type(RrType::from(r.kind.as_str()))
        .set_set_identifier(r.set_identifier.clone())
        .set_weight(r.weight)
        .set_ttl(r.ttl)
        .set_health_check_id(r.health_check_id.clone());
    for v in &r.values {
        b = b.resource_records(
            ResourceRecord::builder()
                .value(v)
                .build()
                .map_err(build_err)?,
        );
    }
    if let Some(a) = &r.alias {
        b = b.alias_target(
            AliasTarget::builder()
                .hosted_zone_id(&a.hosted_zone_id)
                .dns_name(&a.dns_name)
                .evaluate_target_health(a.evaluate_target_health)
                .build()
                .map_err(build_err)?,
        );
    }
    b.build().map_err(build_err)
}

/// What the record sets of the name should be: each of blue's moved to green, or with `weight`
/// a weighted pair per type (SetIdentifier blue with 100-PCT, green with PCT).
pub fn desired(original: &[RecordSet], green: &Target, weight: Option<u8>) -> Vec<RecordSet> {
    let mut out = Vec::new();
    for r in original {
        match weight {
            None => out.push(r.retarget(green)),
            Some(pct) => {
                let mut blue = r.clone();
                blue.set_identifier = Some(BLUE_ID.into());
                blue.weight = Some(100 - i64::from(pct));
                let mut g = r.retarget(green);
                g.set_identifier = Some(GREEN_ID.into());
                g.weight = Some(i64::from(pct));
                out.push(blue);
                out.push(g);
            }
        }
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Action {
    Delete,
    Create,
    Upsert,
}

/// The changes that turn `current` into `desired`: deletions (of the exact current record sets)
/// first, then creations and upserts; record sets already as desired are left alone. Empty when
/// nothing needs to change.
pub fn change_batch(current: &[RecordSet], desired: &[RecordSet]) -> Vec<(Action, RecordSet)> {
    let mut out = Vec::new();
    for c in current {
        if !desired.iter().any(|d| d.identity() == c.identity()) {
            out.push((Action::Delete, c.clone()));
        }
    }
    for d in desired {
        match current.iter().find(|c| c.identity() == d.identity()) {
            Some(c) if c == d => {}
            Some(_) => out.push((Action::Upsert, d.clone())),
            None => out.push((Action::Create, d.clone())),
        }
    }
    out
}

/// Every record set of `name` (any type) in the zone.
pub async fn record_sets_named(aws: &Aws, zone: &str, name: &str) -> Result<Vec<RecordSet>> {
    let want = fqdn(name);
    let all = list(aws, zone, Some(&want)).await?;
    let mut out = Vec::new();
    for r in all.iter().filter(|r| fqdn(r.name()) == want) {
        out.push(from_sdk(r).map_err(Error::failed)?);
    }
    Ok(out)
}

/// ListResourceRecordSets, every page (from `start` on, stopping after the name when given).
pub async fn list(aws: &Aws, zone: &str, start: Option<&str>) -> Result<Vec<ResourceRecordSet>> {
    let r53 = aws.route53();
    let mut out = Vec::new();
    let mut next: Option<(String, Option<RrType>, Option<String>)> =
        start.map(|s| (s.to_string(), None, None));
    loop {
        let mut req = r53.list_resource_record_sets().hosted_zone_id(zone);
        if let Some((name, kind, id)) = &next {
            req = req
                .start_record_name(name)
                .set_start_record_type(kind.clone())
                .set_start_record_identifier(id.clone());
        }
        let page = req
            .send()
            .await
            .map_err(|e| Error::aws("ListResourceRecordSets", e))?;
        let sets = page.resource_record_sets();
        let past_name = start.is_some_and(|s| sets.iter().any(|r| fqdn(r.name()) != fqdn(s)));
        out.extend(sets.iter().cloned());
        if !page.is_truncated() || past_name {
            break;
        }
        match page.next_record_name() {
            Some(n) => {
                next = Some((
                    n.to_string(),
                    page.next_record_type().cloned(),
                    page.next_record_identifier().map(str::to_string),
                ))
            }
            None => break,
        }
    }
    Ok(out)
}

/// Every hosted zone: (id, name, private).
pub async fn zones(aws: &Aws) -> Result<Vec<(String, String, bool)>> {
    let zones = crate::aws::all(
        "ListHostedZones",
        aws.route53()
            .list_hosted_zones()
            .into_paginator()
            .items()
            .send(),
    )
    .await?;
    Ok(zones
        .iter()
        .map(|z| {
            (
                zone_id(z.id()),
                z.name().to_string(),
                z.config().is_some_and(|c| c.private_zone()),
            )
        })
        .collect())
}

/// The record sets that send NAME (or, without a name, any name) to `lb_dns`, searching
/// `zone` or every hosted zone. `Err(text)` says what is wrong and how to fix it.
pub async fn find(
    aws: &Aws,
    lb_dns: &str,
    name: Option<&str>,
    zone: Option<&str>,
) -> Result<std::result::Result<(Location, Vec<RecordSet>), String>> {
    let all_zones = zones(aws).await?;
    let candidates: Vec<(String, String)> = match zone {
        Some(z) => {
            let z = zone_id(z);
            match all_zones.iter().find(|(id, _, _)| *id == z) {
                Some((id, n, _)) => vec![(id.clone(), n.clone())],
                None => {
                    return Ok(Err(format!(
                        "hosted zone {z} (--hosted-zone) does not exist; list zones with `aws route53 list-hosted-zones`"
                    )));
                }
            }
        }
        None => all_zones
            .iter()
            .filter(|(_, zn, _)| {
                name.is_none_or(|n| {
                    let n = fqdn(n);
                    let zn = fqdn(zn);
                    n == zn || n.ends_with(&format!(".{zn}"))
                })
            })
            .map(|(id, n, _)| (id.clone(), n.clone()))
            .collect(),
    };
    let mut found: Vec<(Location, Vec<RecordSet>)> = Vec::new();
    let mut unsupported = Vec::new();
    for (zid, zname) in &candidates {
        let sets = match name {
            Some(n) => list(aws, zid, Some(&fqdn(n)))
                .await?
                .into_iter()
                .filter(|r| fqdn(r.name()) == fqdn(n))
                .collect(),
            None => list(aws, zid, None).await?,
        };
        let mut by_name: std::collections::BTreeMap<String, Vec<RecordSet>> = Default::default();
        for r in &sets {
            if !matches!(r.r#type(), RrType::A | RrType::Aaaa | RrType::Cname) {
                continue;
            }
            match from_sdk(r) {
                Ok(rs) => by_name.entry(fqdn(&rs.name)).or_default().push(rs),
                Err(e) => {
                    if name.is_some() {
                        unsupported.push(e);
                    }
                }
            }
        }
        for (n, sets) in by_name {
            let hits: Vec<RecordSet> = sets.into_iter().filter(|r| r.points_at(lb_dns)).collect();
            if !hits.is_empty() {
                found.push((
                    Location {
                        zone_id: zid.clone(),
                        zone_name: zname.clone(),
                        name: n,
                    },
                    hits,
                ));
            }
        }
    }
    if let Some(e) = unsupported.first() {
        return Ok(Err(e.clone()));
    }
    match found.len() {
        0 => Ok(Err(match name {
            Some(n) => format!(
                "no A/AAAA/CNAME record {} pointing at blue's load balancer {lb_dns} in {}; check --dns and --hosted-zone",
                fqdn(n),
                if candidates.is_empty() {
                    "any hosted zone (no zone holds that name)".to_string()
                } else {
                    candidates
                        .iter()
                        .map(|(id, n)| format!("{n} ({id})"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ),
            None => format!(
                "no Route 53 record points at blue's load balancer {lb_dns} (searched {} hosted zones); pass --dns NAME --hosted-zone ID",
                candidates.len()
            ),
        })),
        1 => {
            let (loc, sets) = found.remove(0);
            if let Some(w) = sets.iter().find(|r| r.set_identifier.is_some()) {
                return Ok(Err(format!(
                    "record {} already has weighted record sets ({}) that kf did not create; make it a simple record first, or move it by hand",
                    w.name,
                    w.set_identifier.clone().unwrap_or_default()
                )));
            }
            Ok(Ok((loc, sets)))
        }
        _ => Ok(Err(format!(
            "several records point at blue's load balancer {lb_dns}: {}; pick one with --dns NAME --hosted-zone ID",
            found
                .iter()
                .map(|(l, _)| format!("{} in {}", l.name, l.zone_id))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Whether record sets send (some) traffic to `green`: one points at it with no weight or a
/// weight above 0.
pub fn sends_to_green(sets: &[RecordSet], green: &Target) -> bool {
    sets.iter()
        .any(|r| r.points_at(&green.dns_name) && r.weight.is_none_or(|w| w > 0))
}

/// Why a change batch was not applied.
#[derive(Debug)]
pub enum SubmitError {
    /// Route 53 answered and refused the batch: nothing changed.
    Rejected(Error),
    /// No answer (or an unreadable one): the batch may or may not have been applied.
    Unknown(Error),
}

impl SubmitError {
    pub fn into_error(self) -> Error {
        match self {
            Self::Rejected(e) | Self::Unknown(e) => e,
        }
    }
}

/// Sends the changes in one batch; the change id (`None` when there is nothing to change).
pub async fn submit(
    aws: &Aws,
    zone: &str,
    changes: &[(Action, RecordSet)],
    comment: &str,
    stream: &Stream,
) -> std::result::Result<Option<String>, SubmitError> {
    if changes.is_empty() {
        return Ok(None);
    }
    let mut batch = ChangeBatch::builder().comment(comment);
    for (action, r) in changes {
        let action = match action {
            Action::Delete => ChangeAction::Delete,
            Action::Create => ChangeAction::Create,
            Action::Upsert => ChangeAction::Upsert,
        };
        batch = batch.changes(
            Change::builder()
                .action(action)
                .resource_record_set(to_sdk(r).map_err(SubmitError::Rejected)?)
                .build()
                .map_err(|e| SubmitError::Rejected(build_err(e)))?,
        );
    }
    stream.set(&format!(
        "changing {} record set(s) in {zone}",
        changes.len()
    ));
    let out = aws
        .route53()
        .change_resource_record_sets()
        .hosted_zone_id(zone)
        .change_batch(
            batch
                .build()
                .map_err(|e| SubmitError::Rejected(build_err(e)))?,
        )
        .send()
        .await
        .map_err(|e| {
            let answered = matches!(
                e,
                aws_smithy_runtime_api::client::result::SdkError::ServiceError(_)
            );
            let err = Error::aws("ChangeResourceRecordSets", e);
            if answered {
                SubmitError::Rejected(err)
            } else {
                SubmitError::Unknown(err)
            }
        })?;
    Ok(Some(
        out.change_info()
            .map(|c| c.id().to_string())
            .unwrap_or_default(),
    ))
}

/// Waits until Route 53 reports change `id` INSYNC.
pub async fn wait_insync(
    aws: &Aws,
    id: &str,
    stream: &Stream,
    timeout: std::time::Duration,
) -> Result<()> {
    let r53 = aws.route53();
    let what = format!("Route 53 change {id} to be INSYNC");
    wait::until(&what, timeout, stream, || {
        let r53 = r53.clone();
        async move {
            let out = r53
                .get_change()
                .id(id)
                .send()
                .await
                .map_err(|e| Error::aws("GetChange", e))?;
            let status = out.change_info().map(|c| c.status().clone());
            Ok(match status {
                Some(ChangeStatus::Insync) => Poll::Ready(()),
                other => Poll::Pending(
                    other
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_else(|| "unknown".into()),
                ),
            })
        }
    })
    .await
}

/// Sends the changes in one batch and waits until Route 53 reports them INSYNC; the change id.
pub async fn apply(
    aws: &Aws,
    zone: &str,
    changes: &[(Action, RecordSet)],
    comment: &str,
    stream: &Stream,
    timeout: std::time::Duration,
) -> Result<Option<String>> {
    let id = submit(aws, zone, changes, comment, stream)
        .await
        .map_err(SubmitError::into_error)?;
    if let Some(id) = &id {
        wait_insync(aws, id, stream, timeout).await?;
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alias(dns: &str, zone: &str) -> RecordSet {
        RecordSet {
            name: "kubeflow.example.com.".into(),
            kind: "A".into(),
            set_identifier: None,
            weight: None,
            ttl: None,
            values: vec![],
            alias: Some(Alias {
                hosted_zone_id: zone.into(),
                dns_name: dns.into(),
                evaluate_target_health: true,
            }),
            health_check_id: None,
        }
    }

    fn cname(value: &str) -> RecordSet {
        RecordSet {
            name: "kf.example.com.".into(),
            kind: "CNAME".into(),
            set_identifier: None,
            weight: None,
            ttl: Some(300),
            values: vec![value.into()],
            alias: None,
            health_check_id: None,
        }
    }

    fn green() -> Target {
        Target {
            dns_name: "green-1.us-east-1.elb.amazonaws.com".into(),
            zone_id: "ZGREEN".into(),
            arn: String::new(),
        }
    }

    #[test]
    fn names_compare_without_case_dot_or_dualstack() {
        assert_eq!(
            normalize("DualStack.Blue-1.elb.amazonaws.com."),
            "blue-1.elb.amazonaws.com"
        );
        assert!(
            alias("dualstack.blue-1.elb.amazonaws.com.", "Z").points_at("blue-1.elb.amazonaws.com")
        );
        assert!(cname("BLUE-1.elb.amazonaws.com").points_at("blue-1.elb.amazonaws.com."));
        assert!(!cname("blue-2.elb.amazonaws.com").points_at("blue-1.elb.amazonaws.com"));
        assert_eq!(fqdn("Kubeflow.Example.com"), "kubeflow.example.com.");
        assert_eq!(zone_id("/hostedzone/Z123"), "Z123");
    }

    #[test]
    fn full_switch_of_an_alias_uses_green_zone_id_and_keeps_dualstack() {
        let blue = alias("dualstack.blue-1.elb.amazonaws.com", "ZBLUE");
        let d = desired(std::slice::from_ref(&blue), &green(), None);
        assert_eq!(d.len(), 1);
        let a = d[0].alias.as_ref().unwrap();
        assert_eq!(a.hosted_zone_id, "ZGREEN");
        assert_eq!(a.dns_name, "dualstack.green-1.us-east-1.elb.amazonaws.com");
        assert!(a.evaluate_target_health);
        let batch = change_batch(&[blue], &d);
        assert_eq!(batch.len(), 1);
        assert_eq!(batch[0].0, Action::Upsert);
    }

    #[test]
    fn full_switch_of_a_cname_uses_green_dns_name_and_keeps_ttl() {
        let d = desired(&[cname("blue-1.elb.amazonaws.com")], &green(), None);
        assert_eq!(d[0].values, vec!["green-1.us-east-1.elb.amazonaws.com"]);
        assert_eq!(d[0].ttl, Some(300));
        assert!(d[0].alias.is_none());
    }

    #[test]
    fn weighted_move_deletes_the_simple_record_and_creates_a_blue_green_pair() {
        let blue = alias("blue-1.elb.amazonaws.com", "ZBLUE");
        let d = desired(std::slice::from_ref(&blue), &green(), Some(10));
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].set_identifier.as_deref(), Some("blue"));
        assert_eq!(d[0].weight, Some(90));
        assert_eq!(d[0].alias, blue.alias);
        assert_eq!(d[1].set_identifier.as_deref(), Some("green"));
        assert_eq!(d[1].weight, Some(10));
        assert_eq!(d[1].alias.as_ref().unwrap().hosted_zone_id, "ZGREEN");
        let batch = change_batch(std::slice::from_ref(&blue), &d);
        let actions: Vec<Action> = batch.iter().map(|(a, _)| *a).collect();
        assert_eq!(
            actions,
            vec![Action::Delete, Action::Create, Action::Create]
        );
        assert_eq!(
            batch[0].1, blue,
            "the delete names the exact current record"
        );
    }

    #[test]
    fn changing_the_weight_upserts_and_failback_restores_the_original() {
        let blue = alias("blue-1.elb.amazonaws.com", "ZBLUE");
        let ten = desired(std::slice::from_ref(&blue), &green(), Some(10));
        let fifty = desired(std::slice::from_ref(&blue), &green(), Some(50));
        let batch = change_batch(&ten, &fifty);
        assert!(batch.iter().all(|(a, _)| *a == Action::Upsert), "{batch:?}");
        let back = change_batch(&fifty, std::slice::from_ref(&blue));
        let actions: Vec<Action> = back.iter().map(|(a, _)| *a).collect();
        assert_eq!(
            actions,
            vec![Action::Delete, Action::Delete, Action::Create]
        );
        assert_eq!(back[2].1, blue);
        // weighted -> full switch
        let full = desired(std::slice::from_ref(&blue), &green(), None);
        let actions: Vec<Action> = change_batch(&fifty, &full)
            .iter()
            .map(|(a, _)| *a)
            .collect();
        assert_eq!(
            actions,
            vec![Action::Delete, Action::Delete, Action::Create]
        );
    }

    #[test]
    fn nothing_to_change_is_an_empty_batch() {
        let blue = alias("blue-1.elb.amazonaws.com", "ZBLUE");
        assert!(change_batch(std::slice::from_ref(&blue), std::slice::from_ref(&blue)).is_empty());
        let d = desired(std::slice::from_ref(&blue), &green(), Some(20));
        assert!(change_batch(&d, &d).is_empty());
    }

    #[test]
    fn record_sets_survive_the_sdk_round_trip() {
        for r in [
            alias("dualstack.blue-1.elb.amazonaws.com", "ZBLUE"),
            cname("blue-1.elb.amazonaws.com"),
        ] {
            let sdk = to_sdk(&r).unwrap();
            assert_eq!(from_sdk(&sdk).unwrap(), r);
        }
        let mut w = desired(&[cname("b")], &green(), Some(30));
        let sdk = to_sdk(&w.remove(1)).unwrap();
        assert_eq!(sdk.set_identifier(), Some("green"));
        assert_eq!(sdk.weight(), Some(30));
    }

    #[test]
    fn other_routing_policies_are_refused() {
        let sdk = ResourceRecordSet::builder()
            .name("x.example.com.")
            .r#type(RrType::A)
            .set_identifier("eu")
            .region(aws_sdk_route53::types::ResourceRecordSetRegion::EuWest1)
            .ttl(60)
            .resource_records(ResourceRecord::builder().value("1.2.3.4").build().unwrap())
            .build()
            .unwrap();
        assert!(from_sdk(&sdk).unwrap_err().contains("routing policy"));
    }
}
