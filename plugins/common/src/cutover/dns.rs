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
use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use rand::Rng;
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

/// A record name for comparisons: lowercase, with the trailing dot, and the escape codes Route 53
/// lists other characters with (`\052` for `*`) decoded, so `--dns '*.kf.example.com'` matches
/// the record listed as `\052.kf.example.com.` (DomainNameFormat in the Route 53 Developer Guide).
pub fn fqdn(name: &str) -> String {
    let n = name.trim().trim_end_matches('.');
    let mut out = String::with_capacity(n.len() + 1);
    let mut rest = n;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let code = rest
            .get(i + 1..i + 4)
            .filter(|d| d.bytes().all(|b| (b'0'..=b'7').contains(&b)));
        match code.and_then(|d| u8::from_str_radix(d, 8).ok()) {
            // A printable character other than a period or backslash (those stay escaped).
            Some(c) if (33..=126).contains(&c) && c != b'.' && c != b'\\' => {
                out.push(char::from(c));
                rest = &rest[i + 4..];
            }
            _ => {
                out.push('\\');
                rest = &rest[i + 1..];
            }
        }
    }
    out.push_str(rest);
    out.make_ascii_lowercase();
    out.push('.');
    out
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

// ---- Throttling -------------------------------------------------------------------------
//
// Route 53 takes five requests per second per account, shared by every client of the account
// (external-dns, Terraform, the console); beyond that it answers HTTP 400 `Throttling` ("Rate
// exceeded"): https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DNSLimitations.html
// ("Number of requests") and https://repost.aws/knowledge-center/route-53-avoid-throttling-errors.
// ChangeResourceRecordSets answers `PriorRequestNotComplete` while an earlier change of the zone
// is still processed, and AWS says to "wait, in intervals of increasing duration, before you try
// the request again" (API reference, ChangeResourceRecordSets, Errors). Neither request was
// processed, so both are retried, with backoff and jitter, until the command's --timeout: the
// SDK's own retries (eight attempts) give up far sooner, and a cutover must not fail for it.

/// The error codes that mean "not processed: send it again later".
const THROTTLED: [&str; 2] = ["Throttling", "PriorRequestNotComplete"];
const FIRST_PAUSE: Duration = Duration::from_secs(1);
const MAX_PAUSE: Duration = Duration::from_secs(20);

/// Whether Route 53 refused the request only for the rate of requests.
pub fn is_throttled<E: ProvideErrorMetadata>(e: &SdkError<E, HttpResponse>) -> bool {
    match e {
        SdkError::ServiceError(s) => s.err().code().is_some_and(|c| THROTTLED.contains(&c)),
        _ => false,
    }
}

/// The pause after the `n`th throttled answer in a row (0-based): doubling from 1 s up to 20 s,
/// with jitter (between half and all of it) so that clients throttled together spread out.
pub fn backoff(n: u32) -> Duration {
    let base = FIRST_PAUSE
        .saturating_mul(2u32.saturating_pow(n.min(16)))
        .min(MAX_PAUSE);
    base.mul_f64(rand::rng().random_range(0.5..=1.0))
}

/// Sends a Route 53 request, again after a pause each time it is throttled, until `timeout` has
/// passed; the last answer.
pub async fn call<T, E, F, Fut>(
    op: &str,
    timeout: Duration,
    mut send: F,
) -> std::result::Result<T, SdkError<E, HttpResponse>>
where
    E: ProvideErrorMetadata,
    F: FnMut() -> Fut,
    Fut: Future<Output = std::result::Result<T, SdkError<E, HttpResponse>>>,
{
    let start = Instant::now();
    let mut n = 0;
    loop {
        match send().await {
            Err(e) if is_throttled(&e) => {
                let pause = backoff(n);
                if start.elapsed() + pause > timeout {
                    return Err(e);
                }
                tracing::info!(
                    "Route 53 throttled {op} (5 requests per second per account, shared with every other client of the account); again in {:.1} s",
                    pause.as_secs_f64()
                );
                tokio::time::sleep(pause).await;
                n += 1;
            }
            other => return other,
        }
    }
}

// ---- Reading records --------------------------------------------------------------------

/// A hosted zone, as ListHostedZones lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Zone {
    pub id: String,
    pub name: String,
    pub private: bool,
}

impl Zone {
    /// Whether `name` is the zone's apex or inside it.
    pub fn holds(&self, name: &str) -> bool {
        let (n, z) = (fqdn(name), fqdn(&self.name));
        n == z || n.ends_with(&format!(".{z}"))
    }

    fn describe(&self) -> String {
        format!(
            "{} ({}{})",
            self.name,
            self.id,
            if self.private { ", private" } else { "" }
        )
    }
}

/// Reads Route 53 for one command: the hosted zones (once), record sets by name, and whole
/// zones (each read once). Every call is retried while throttled. Nothing is read until asked.
pub struct Reader<'a> {
    aws: &'a Aws,
    timeout: Duration,
    zones: Option<Vec<Zone>>,
    whole: BTreeMap<String, Vec<ResourceRecordSet>>,
}

impl<'a> Reader<'a> {
    pub fn new(aws: &'a Aws, timeout: Duration) -> Reader<'a> {
        Reader {
            aws,
            timeout,
            zones: None,
            whole: BTreeMap::new(),
        }
    }

    /// The hosted zones (ListHostedZones, every page; read once).
    pub async fn zones(&mut self) -> Result<Vec<Zone>> {
        if let Some(z) = &self.zones {
            return Ok(z.clone());
        }
        let r53 = self.aws.route53();
        let mut zones = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let page = call("ListHostedZones", self.timeout, || {
                r53.list_hosted_zones().set_marker(marker.clone()).send()
            })
            .await
            .map_err(|e| Error::aws("ListHostedZones", e))?;
            zones.extend(page.hosted_zones().iter().map(|z| Zone {
                id: zone_id(z.id()),
                name: z.name().to_string(),
                private: z.config().is_some_and(|c| c.private_zone()),
            }));
            match page.next_marker().filter(|_| page.is_truncated()) {
                Some(m) => marker = Some(m.to_string()),
                None => break,
            }
        }
        self.zones = Some(zones.clone());
        Ok(zones)
    }

    /// Whether the zone was read whole.
    pub fn read_whole(&self, zone: &str) -> bool {
        self.whole.contains_key(zone)
    }

    /// Every record set of the zone (read once).
    pub async fn whole(&mut self, zone: &str) -> Result<Vec<ResourceRecordSet>> {
        if let Some(sets) = self.whole.get(zone) {
            return Ok(sets.clone());
        }
        let sets = list(self.aws, zone, None, self.timeout).await?;
        self.whole.insert(zone.to_string(), sets.clone());
        Ok(sets)
    }

    /// The record sets of `name` (any type) in the zone: from the whole zone when it was read,
    /// else one request starting at the name.
    pub async fn named(&self, zone: &str, name: &str) -> Result<Vec<ResourceRecordSet>> {
        let want = fqdn(name);
        let sets = match self.whole.get(zone) {
            Some(all) => all.clone(),
            None => list(self.aws, zone, Some(&want), self.timeout).await?,
        };
        Ok(sets
            .into_iter()
            .filter(|r| fqdn(r.name()) == want)
            .collect())
    }
}

/// Every record set of `name` (any type) in the zone.
pub async fn record_sets_named(
    aws: &Aws,
    zone: &str,
    name: &str,
    timeout: Duration,
) -> Result<Vec<RecordSet>> {
    let want = fqdn(name);
    let all = list(aws, zone, Some(&want), timeout).await?;
    let mut out = Vec::new();
    for r in all.iter().filter(|r| fqdn(r.name()) == want) {
        out.push(from_sdk(r).map_err(Error::failed)?);
    }
    Ok(out)
}

/// ListResourceRecordSets, every page (from `start` on, stopping after the name when given).
pub async fn list(
    aws: &Aws,
    zone: &str,
    start: Option<&str>,
    timeout: Duration,
) -> Result<Vec<ResourceRecordSet>> {
    let r53 = aws.route53();
    let mut out = Vec::new();
    let mut next: Option<(String, Option<RrType>, Option<String>)> =
        start.map(|s| (s.to_string(), None, None));
    loop {
        let page = call("ListResourceRecordSets", timeout, || {
            let mut req = r53.list_resource_record_sets().hosted_zone_id(zone);
            if let Some((name, kind, id)) = &next {
                req = req
                    .start_record_name(name)
                    .set_start_record_type(kind.clone())
                    .set_start_record_identifier(id.clone());
            }
            req.send()
        })
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

// ---- Finding the record that serves Kubeflow --------------------------------------------

/// Why no record could be chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// `--dns`/`--hosted-zone` do not name a record cutover can move: bad input (exit 2).
    BadInput(String),
    /// What Route 53 holds does not let cutover choose or move the record (exit 1).
    Failed(String),
}

impl Problem {
    pub fn text(&self) -> &str {
        match self {
            Self::BadInput(t) | Self::Failed(t) => t,
        }
    }
}

/// The record that serves Kubeflow, as found.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    pub location: Location,
    /// Its record sets pointing at blue's load balancer.
    pub sets: Vec<RecordSet>,
    /// Without `--dns`: the zones not read because an earlier one held blue's load balancer.
    pub not_searched: usize,
}

/// A Route 53 domain name as `--dns` may give it: labels of 1-63 characters, 255 in all, no
/// spaces, no URL (DomainNameFormat in the Route 53 Developer Guide).
pub fn check_name(name: &str) -> std::result::Result<(), String> {
    let n = name.trim().trim_end_matches('.');
    let fix = "pass the record's DNS name, e.g. --dns kubeflow.example.com";
    if n.is_empty() {
        return Err(format!("--dns is empty; {fix}"));
    }
    if n.contains("://") || n.contains('/') || n.contains(':') {
        return Err(format!("--dns {name:?} is a URL, not a DNS name; {fix}"));
    }
    if n.chars().any(|c| c.is_whitespace() || c.is_control()) || n.len() > 255 {
        return Err(format!("--dns {name:?} is not a DNS name; {fix}"));
    }
    if n.split('.').any(|l| l.is_empty() || l.len() > 63) {
        return Err(format!(
            "--dns {name:?} has an empty label or one longer than 63 characters; {fix}"
        ));
    }
    Ok(())
}

/// A hosted zone id as `--hosted-zone` may give it: `Z...` letters and digits, at most 32, with
/// or without `/hostedzone/` (ResourceId in the Route 53 API reference).
pub fn check_zone_id(id: &str) -> std::result::Result<(), String> {
    let z = zone_id(id.trim());
    if z.is_empty() || z.len() > 32 || !z.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(format!(
            "--hosted-zone {id:?} is not a Route 53 hosted zone id (letters and digits, like Z0123456789ABCDEFGHIJ); list the zones with `aws route53 list-hosted-zones --query 'HostedZones[].[Id,Name]'`"
        ));
    }
    Ok(())
}

/// The zones to search for the record, from `--dns`/`--hosted-zone`: the zone named, the zones
/// holding the name, or every zone (public ones first). `Err` is bad input.
pub fn candidates(
    zones: &[Zone],
    name: Option<&str>,
    zone: Option<&str>,
) -> std::result::Result<Vec<Zone>, String> {
    if let Some(n) = name {
        check_name(n)?;
    }
    if let Some(z) = zone {
        check_zone_id(z)?;
    }
    let listing = || {
        if zones.is_empty() {
            "this account has no hosted zone".to_string()
        } else {
            format!(
                "hosted zones: {}",
                zones
                    .iter()
                    .map(Zone::describe)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    };
    match (name, zone) {
        (_, Some(z)) => {
            let z = zone_id(z.trim());
            let Some(found) = zones.iter().find(|x| x.id == z) else {
                return Err(format!(
                    "hosted zone {z} (--hosted-zone) does not exist in this account; pass the id of the zone holding the record ({})",
                    listing()
                ));
            };
            if let Some(n) = name
                && !found.holds(n)
            {
                let holding: Vec<String> = zones
                    .iter()
                    .filter(|x| x.holds(n))
                    .map(Zone::describe)
                    .collect();
                return Err(format!(
                    "{} (--dns) is not inside hosted zone {} (--hosted-zone); {}",
                    fqdn(n),
                    found.describe(),
                    if holding.is_empty() {
                        format!("no hosted zone holds it: check --dns ({})", listing())
                    } else {
                        format!(
                            "pass --hosted-zone of a zone that holds it: {}",
                            holding.join(", ")
                        )
                    }
                ));
            }
            Ok(vec![found.clone()])
        }
        (Some(n), None) => {
            let holding: Vec<Zone> = zones.iter().filter(|x| x.holds(n)).cloned().collect();
            if holding.is_empty() {
                return Err(format!(
                    "no hosted zone holds {} (--dns); check the name, or the account and --profile ({})",
                    fqdn(n),
                    listing()
                ));
            }
            Ok(holding)
        }
        (None, None) => {
            let mut all = zones.to_vec();
            // Public first: an internet-facing ALB is most often named in a public zone.
            all.sort_by_key(|z| z.private);
            Ok(all)
        }
    }
}

/// The record sets among `sets` that point at `lb_dns` (A, AAAA and CNAME), by name; and, for
/// the record sets of `asked` (the name `--dns` gave), why cutover cannot move them.
pub fn pointing(
    lb_dns: &str,
    sets: &[ResourceRecordSet],
    asked: Option<&str>,
) -> (BTreeMap<String, Vec<RecordSet>>, Vec<String>) {
    let mut by_name: BTreeMap<String, Vec<RecordSet>> = BTreeMap::new();
    let mut unsupported = Vec::new();
    for r in sets {
        if !matches!(r.r#type(), RrType::A | RrType::Aaaa | RrType::Cname) {
            continue;
        }
        match from_sdk(r) {
            Ok(rs) if rs.points_at(lb_dns) => by_name.entry(fqdn(&rs.name)).or_default().push(rs),
            Ok(_) => {}
            Err(e) => {
                if asked.is_some_and(|n| fqdn(n) == fqdn(r.name())) {
                    unsupported.push(e);
                }
            }
        }
    }
    (by_name, unsupported)
}

/// Chooses the record from what was found (each location with its record sets pointing at
/// blue's load balancer), or says why none can be chosen.
pub fn choose(
    lb_dns: &str,
    asked: Option<&str>,
    searched: &[Zone],
    mut found: Vec<(Location, Vec<RecordSet>)>,
    unsupported: &[String],
) -> std::result::Result<(Location, Vec<RecordSet>), Problem> {
    if let Some(e) = unsupported.first() {
        return Err(Problem::Failed(e.clone()));
    }
    match found.len() {
        0 => Err(match asked {
            Some(n) => Problem::BadInput(format!(
                "no A/AAAA/CNAME record {} points at blue's load balancer {lb_dns} in {}; pass --dns with the name of the record that does (and --hosted-zone with its zone)",
                fqdn(n),
                searched
                    .iter()
                    .map(Zone::describe)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            None => Problem::Failed(format!(
                "no Route 53 record points at blue's load balancer {lb_dns} (searched {} hosted zones); pass --dns NAME --hosted-zone ID",
                searched.len()
            )),
        }),
        1 => {
            let (loc, sets) = found.remove(0);
            if let Some(w) = sets.iter().find(|r| r.set_identifier.is_some()) {
                return Err(Problem::Failed(format!(
                    "record {} already has weighted record sets ({}) that kf did not create; make it a simple record first, or move it by hand",
                    w.name,
                    w.set_identifier.clone().unwrap_or_default()
                )));
            }
            Ok((loc, sets))
        }
        _ => {
            let text = format!(
                "several records point at blue's load balancer {lb_dns}: {}; pick one with --dns NAME --hosted-zone ID",
                found
                    .iter()
                    .map(|(l, _)| format!("{} in {}", l.name, l.zone_id))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            // With --dns, the zone is what is missing from the input.
            Err(if asked.is_some() {
                Problem::BadInput(text)
            } else {
                Problem::Failed(text)
            })
        }
    }
}

/// The record sets that send NAME (or, without a name, any name) to `lb_dns`, searching `zone`,
/// the zones holding NAME, or the zones in turn until one holds a record pointing at `lb_dns`
/// (then only that name is looked up in the other zones that could hold it: a second zone of
/// the same name, such as a private one, would keep sending clients to blue). Each zone is read
/// whole at most once; Route 53 allows five requests per second per account.
pub async fn find(
    reader: &mut Reader<'_>,
    lb_dns: &str,
    name: Option<&str>,
    zone: Option<&str>,
) -> Result<std::result::Result<Found, Problem>> {
    // Malformed input is refused before any request.
    if let Err(e) = name.map_or(Ok(()), check_name) {
        return Ok(Err(Problem::BadInput(e)));
    }
    if let Err(e) = zone.map_or(Ok(()), check_zone_id) {
        return Ok(Err(Problem::BadInput(e)));
    }
    let zones = reader.zones().await?;
    let searched = match candidates(&zones, name, zone) {
        Ok(c) => c,
        Err(e) => return Ok(Err(Problem::BadInput(e))),
    };
    let at = |z: &Zone, n: String| Location {
        zone_id: z.id.clone(),
        zone_name: z.name.clone(),
        name: n,
    };
    let mut found: Vec<(Location, Vec<RecordSet>)> = Vec::new();
    let mut unsupported = Vec::new();
    let mut not_searched = 0;
    match name {
        Some(n) => {
            for z in &searched {
                let (hits, bad) = pointing(lb_dns, &reader.named(&z.id, n).await?, Some(n));
                unsupported.extend(bad);
                found.extend(hits.into_iter().map(|(n, s)| (at(z, n), s)));
            }
        }
        None => {
            for (i, z) in searched.iter().enumerate() {
                let (hits, _) = pointing(lb_dns, &reader.whole(&z.id).await?, None);
                if hits.is_empty() {
                    continue;
                }
                found.extend(hits.into_iter().map(|(n, s)| (at(z, n), s)));
                if let [(loc, _)] = found.as_slice() {
                    let n = loc.name.clone();
                    let others: Vec<Zone> = zones
                        .iter()
                        .filter(|o| o.id != z.id && o.holds(&n))
                        .cloned()
                        .collect();
                    for o in &others {
                        let (more, _) = pointing(lb_dns, &reader.named(&o.id, &n).await?, None);
                        found.extend(more.into_iter().map(|(n, s)| (at(o, n), s)));
                    }
                }
                not_searched = searched[i + 1..]
                    .iter()
                    .filter(|o| !reader.read_whole(&o.id))
                    .count();
                break;
            }
        }
    }
    let (location, sets) = match choose(lb_dns, name, &searched, found, &unsupported) {
        Ok(c) => c,
        Err(p) => return Ok(Err(p)),
    };
    Ok(Ok(Found {
        location,
        sets,
        not_searched,
    }))
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
    timeout: Duration,
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
    let batch = batch
        .build()
        .map_err(|e| SubmitError::Rejected(build_err(e)))?;
    let r53 = aws.route53();
    // Throttling and PriorRequestNotComplete: the batch was not processed; sent again.
    let out = call("ChangeResourceRecordSets", timeout, || {
        r53.change_resource_record_sets()
            .hosted_zone_id(zone)
            .change_batch(batch.clone())
            .send()
    })
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
            let out = call("GetChange", timeout, || r53.get_change().id(id).send())
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
    let id = submit(aws, zone, changes, comment, stream, timeout)
        .await
        .map_err(SubmitError::into_error)?;
    if let Some(id) = &id {
        wait_insync(aws, id, stream, timeout).await?;
    }
    Ok(id)
}

#[cfg(test)]
pub(crate) mod tests {
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

    /// A hosted zone as Route 53 lists it (also used by `external_dns`'s tests).
    pub(crate) fn zone(id: &str, name: &str, private: bool) -> Zone {
        Zone {
            id: id.into(),
            name: name.into(),
            private,
        }
    }

    /// A TXT record set of one value, TTL 300.
    pub(crate) fn txt(name: &str, value: &str) -> ResourceRecordSet {
        ResourceRecordSet::builder()
            .name(name)
            .r#type(RrType::Txt)
            .ttl(300)
            .resource_records(ResourceRecord::builder().value(value).build().unwrap())
            .build()
            .unwrap()
    }

    #[test]
    fn names_compare_with_route53_escape_codes_decoded() {
        assert_eq!(fqdn("\\052.kf.example.com."), "*.kf.example.com.");
        assert_eq!(fqdn("*.KF.example.com"), "*.kf.example.com.");
        // A period inside a label and non-printable characters stay escaped.
        assert_eq!(fqdn("a\\056b.example.com"), "a\\056b.example.com.");
        assert_eq!(fqdn("a\\040b.example.com"), "a\\040b.example.com.");
        assert_eq!(fqdn("odd\\9.example.com"), "odd\\9.example.com.");
    }

    #[test]
    fn malformed_dns_names_and_zone_ids_are_bad_input() {
        assert!(check_name("kubeflow.example.com").is_ok());
        assert!(check_name("kubeflow.example.com.").is_ok());
        assert!(check_name("*.kf.example.com").is_ok());
        for bad in [
            "",
            "https://kubeflow.example.com",
            "kube flow.example.com",
            "a..b",
        ] {
            let e = check_name(bad).unwrap_err();
            assert!(
                e.contains("--dns kubeflow.example.com") || e.contains("e.g. --dns"),
                "{e}"
            );
        }
        assert!(check_name(&format!("{}.example.com", "x".repeat(64))).is_err());
        assert!(check_zone_id("Z0123456789ABCDEFGHIJ").is_ok());
        assert!(check_zone_id("/hostedzone/Z123").is_ok());
        for bad in ["", "Z12 3", "zone!", &"Z".repeat(33)] {
            let e = check_zone_id(bad).unwrap_err();
            assert!(e.contains("aws route53 list-hosted-zones"), "{e}");
        }
    }

    #[test]
    fn the_zones_searched_follow_dns_and_hosted_zone_or_say_what_is_wrong() {
        let zones = vec![
            zone("ZPRIV", "example.com.", true),
            zone("ZPARENT", "example.com.", false),
            zone("ZKF", "kubeflow.example.com.", false),
            zone("ZOTHER", "other.org.", false),
        ];
        // Every zone, public first, in Route 53's order otherwise.
        let ids = |v: Vec<Zone>| v.into_iter().map(|z| z.id).collect::<Vec<_>>();
        assert_eq!(
            ids(candidates(&zones, None, None).unwrap()),
            ["ZPARENT", "ZKF", "ZOTHER", "ZPRIV"]
        );
        // The zones holding the name.
        assert_eq!(
            ids(candidates(&zones, Some("kubeflow.example.com"), None).unwrap()),
            ["ZPRIV", "ZPARENT", "ZKF"]
        );
        assert_eq!(
            ids(candidates(
                &zones,
                Some("kubeflow.example.com"),
                Some("/hostedzone/ZKF")
            )
            .unwrap()),
            ["ZKF"]
        );
        // Bad input, each saying what to pass instead.
        let e = candidates(&zones, Some("kubeflow.nowhere.net"), None).unwrap_err();
        assert!(
            e.contains("no hosted zone holds kubeflow.nowhere.net.") && e.contains("ZOTHER"),
            "{e}"
        );
        let e = candidates(&zones, None, Some("ZMISSING")).unwrap_err();
        assert!(
            e.contains("ZMISSING (--hosted-zone) does not exist")
                && e.contains("kubeflow.example.com. (ZKF)"),
            "{e}"
        );
        let e = candidates(&zones, Some("kubeflow.example.com"), Some("ZOTHER")).unwrap_err();
        assert!(
            e.contains("is not inside hosted zone other.org. (ZOTHER)"),
            "{e}"
        );
        assert!(
            e.contains("a zone that holds it") && e.contains("ZKF"),
            "{e}"
        );
        assert!(candidates(&zones, Some("kf example"), None).is_err());
        assert!(candidates(&zones, None, Some("bad id")).is_err());
    }

    #[test]
    fn a_record_is_chosen_only_when_one_name_points_at_blue() {
        let lb = "blue-1.elb.amazonaws.com";
        let z = [zone("ZKF", "example.com.", false)];
        let loc = |n: &str| Location {
            zone_id: "ZKF".into(),
            zone_name: "example.com.".into(),
            name: n.into(),
        };
        let a = alias(lb, "ZBLUE");
        let (l, sets) = choose(
            lb,
            None,
            &z,
            vec![(loc("kubeflow.example.com."), vec![a.clone()])],
            &[],
        )
        .unwrap();
        assert_eq!(
            (l.name.as_str(), sets),
            ("kubeflow.example.com.", vec![a.clone()])
        );
        // Nothing found: with --dns that is bad input, without it a failure.
        assert!(
            matches!(choose(lb, Some("kf.example.com"), &z, vec![], &[]), Err(Problem::BadInput(e)) if e.contains("pass --dns"))
        );
        assert!(matches!(
            choose(lb, None, &z, vec![], &[]),
            Err(Problem::Failed(_))
        ));
        // Two names: ambiguous.
        let two = vec![
            (loc("kubeflow.example.com."), vec![a.clone()]),
            (loc("kf.example.com."), vec![cname(lb)]),
        ];
        assert!(
            matches!(choose(lb, None, &z, two, &[]), Err(Problem::Failed(e)) if e.contains("several records"))
        );
        // A weighted record kf did not create.
        let mut w = a.clone();
        w.set_identifier = Some("canary".into());
        w.weight = Some(5);
        assert!(
            matches!(choose(lb, None, &z, vec![(loc("kubeflow.example.com."), vec![w])], &[]), Err(Problem::Failed(e)) if e.contains("canary"))
        );
    }

    #[test]
    fn pointing_keeps_the_records_sending_clients_to_the_load_balancer() {
        let lb = "blue-1.elb.amazonaws.com";
        let sets = vec![
            to_sdk(&alias("dualstack.blue-1.elb.amazonaws.com", "ZBLUE")).unwrap(),
            to_sdk(&cname("other.elb.amazonaws.com")).unwrap(),
            txt("kubeflow.example.com.", "\"v=spf1 -all\""),
        ];
        let (hits, bad) = pointing(lb, &sets, None);
        assert_eq!(hits.keys().collect::<Vec<_>>(), ["kubeflow.example.com."]);
        assert!(bad.is_empty());
    }

    #[test]
    fn throttled_requests_back_off_doubling_with_jitter_up_to_20_s() {
        for _ in 0..50 {
            let first = backoff(0);
            assert!(first >= Duration::from_millis(500) && first <= Duration::from_secs(1));
            let third = backoff(2);
            assert!(third >= Duration::from_secs(2) && third <= Duration::from_secs(4));
            assert!(backoff(30) <= Duration::from_secs(20));
            assert!(backoff(30) >= Duration::from_secs(10));
        }
    }

    type ListErr =
        aws_sdk_route53::operation::list_resource_record_sets::ListResourceRecordSetsError;

    fn answered(code: &str) -> SdkError<ListErr, HttpResponse> {
        let meta = aws_smithy_types::error::ErrorMetadata::builder()
            .code(code)
            .message("test")
            .build();
        SdkError::service_error(
            ListErr::generic(meta),
            HttpResponse::new(
                400u16.try_into().unwrap(),
                aws_smithy_types::body::SdkBody::empty(),
            ),
        )
    }

    #[test]
    fn throttling_and_prior_request_not_complete_are_the_throttled_answers() {
        assert!(is_throttled(&answered("Throttling")));
        assert!(is_throttled(&answered("PriorRequestNotComplete")));
        assert!(!is_throttled(&answered("InvalidInput")));
        assert!(!is_throttled(
            &SdkError::<ListErr, HttpResponse>::timeout_error("slow")
        ));
    }

    #[tokio::test]
    async fn a_throttled_request_is_sent_again_until_it_is_served_or_time_is_up() {
        use std::sync::atomic::{AtomicU32, Ordering};
        let n = AtomicU32::new(0);
        let send = |fail: u32, code: &'static str| {
            let n = &n;
            move || {
                let i = n.fetch_add(1, Ordering::SeqCst);
                async move { if i < fail { Err(answered(code)) } else { Ok(i) } }
            }
        };
        // Throttled once, then served.
        let out = call(
            "ListResourceRecordSets",
            Duration::from_secs(30),
            send(1, "Throttling"),
        )
        .await;
        assert_eq!(out.unwrap(), 1);
        // Other errors are not retried.
        n.store(0, Ordering::SeqCst);
        let out = call(
            "ListResourceRecordSets",
            Duration::from_secs(30),
            send(5, "InvalidInput"),
        )
        .await;
        assert!(out.is_err());
        assert_eq!(n.load(Ordering::SeqCst), 1);
        // Still throttled when the time is up: the last answer.
        n.store(0, Ordering::SeqCst);
        let out = call(
            "ListResourceRecordSets",
            Duration::ZERO,
            send(5, "PriorRequestNotComplete"),
        )
        .await;
        assert!(out.is_err_and(|e| is_throttled(&e)));
        assert_eq!(n.load(Ordering::SeqCst), 1);
    }
}
