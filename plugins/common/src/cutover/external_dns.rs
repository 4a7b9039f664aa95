//! external-dns ownership of the name cutover moves.
//!
//! external-dns's TXT registry (its default) writes, next to each record it manages, a TXT
//! record `"heritage=external-dns,external-dns/owner=<owner-id>,external-dns/resource=<kind/ns/
//! name>"`, and deletes or overwrites only records such a TXT says it owns. The record is found
//! at the managed name ("classic" format) and, since v0.12, at the name prefixed with the record
//! type: `a-<name>`, `aaaa-<name>`, `cname-<name>`
//! (<https://kubernetes-sigs.github.io/external-dns/v0.13.2/registry>: "A record foo.example.com
//! will be tracked with classic foo.example.com TXT record; at the same time a new TXT record
//! will be created a-foo.example.com"); from v0.18 only the prefixed form is written
//! (<https://kubernetes-sigs.github.io/external-dns/v0.23.0/docs/registry/txt/>). While it owns the
//! name, external-dns puts the record back to what its source (blue's Ingress) says at its next
//! sync, reverting a cutover. Names written with a custom --txt-prefix/--txt-suffix, and
//! encrypted registry records (--txt-encrypt-enabled), cannot be recognised here.

use std::collections::BTreeMap;

use aws_sdk_route53::types::{ResourceRecordSet, RrType};
use serde::Serialize;

use super::dns::{Location, Reader, Zone, fqdn};
use crate::error::Result;

/// An external-dns ownership TXT record of the name being moved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Owner {
    pub txt_name: String,
    pub zone_id: String,
    /// `external-dns/owner`: the --txt-owner-id of the external-dns that owns the name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// `external-dns/resource`: the Kubernetes object the name comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
}

/// The external-dns ownership records of the name moved in `loc`: at each of
/// [`owner_names`], in the zones [`owner_zones`] says.
pub async fn owners(reader: &mut Reader<'_>, loc: &Location) -> Result<Vec<Owner>> {
    let zones = reader.zones().await?;
    let mut out = Vec::new();
    for txt in owner_names(&loc.name) {
        for z in owner_zones(&zones, &loc.zone_id, &txt) {
            for r in reader.named(&z.id, &txt).await? {
                if let Some(o) = owner(&r, &z.id) {
                    out.push(o);
                }
            }
        }
    }
    Ok(out)
}

/// The names where external-dns keeps the ownership TXT records of `name`.
pub fn owner_names(name: &str) -> Vec<String> {
    let n = fqdn(name);
    let mut out = vec![n.clone()];
    out.extend(["a-", "aaaa-", "cname-"].iter().map(|p| format!("{p}{n}")));
    out
}

/// The zones where external-dns would write the TXT record `txt`: the zone being moved when it
/// holds `txt`, and the most specific zones holding it (external-dns's AWS provider puts each
/// record in the zone with the longest matching name; a public and a private zone may tie).
pub fn owner_zones(zones: &[Zone], moved: &str, txt: &str) -> Vec<Zone> {
    let holding: Vec<&Zone> = zones.iter().filter(|z| z.holds(txt)).collect();
    let longest = holding
        .iter()
        .map(|z| fqdn(&z.name).len())
        .max()
        .unwrap_or(0);
    holding
        .into_iter()
        .filter(|z| z.id == moved || fqdn(&z.name).len() == longest)
        .cloned()
        .collect()
}

/// The text of a TXT value: its quoted strings (a long text is split in several) joined, or
/// the value itself when it is not quoted.
fn txt_text(value: &str) -> String {
    if !value.contains('"') {
        return value.to_string();
    }
    let mut out = String::new();
    let (mut inside, mut escaped) = (false, false);
    for c in value.chars() {
        match c {
            _ if escaped => {
                out.push(c);
                escaped = false;
            }
            '\\' if inside => escaped = true,
            '"' => inside = !inside,
            _ if inside => out.push(c),
            _ => {}
        }
    }
    out
}

/// The ownership a TXT record set states, if it is an external-dns registry record.
pub fn owner(r: &ResourceRecordSet, zone: &str) -> Option<Owner> {
    if r.r#type() != &RrType::Txt {
        return None;
    }
    let text: String = r
        .resource_records()
        .iter()
        .map(|v| txt_text(v.value()))
        .collect::<Vec<_>>()
        .join("");
    let fields: BTreeMap<&str, &str> = text
        .split(',')
        .filter_map(|kv| kv.trim().split_once('='))
        .collect();
    (fields.get("heritage") == Some(&"external-dns")).then(|| Owner {
        txt_name: r.name().to_string(),
        zone_id: zone.to_string(),
        owner: fields.get("external-dns/owner").map(|s| s.to_string()),
        resource: fields.get("external-dns/resource").map(|s| s.to_string()),
    })
}

/// Why the move is refused while external-dns owns the name, and how to fix it.
pub fn owned_refusal(name: &str, owners: &[Owner]) -> String {
    let who: Vec<String> = owners
        .iter()
        .map(|o| {
            format!(
                "TXT {} in {}{}{}",
                o.txt_name,
                o.zone_id,
                o.owner
                    .as_deref()
                    .map(|x| format!(", owner {x}"))
                    .unwrap_or_default(),
                o.resource
                    .as_deref()
                    .map(|x| format!(", from {x}"))
                    .unwrap_or_default()
            )
        })
        .collect();
    format!(
        "external-dns owns {} ({}): it would put the record back to blue's load balancer at its next sync, undoing the cutover. Stop external-dns managing the name first: remove it from that external-dns's sources (the external-dns.alpha.kubernetes.io/hostname annotation or the host of the Ingress on blue; with --policy=sync external-dns then deletes the record, so scale it to 0 or use --policy=upsert-only first) and delete its ownership TXT record(s); or point external-dns at green (green's Ingress carries the hostname, blue's external-dns stopped) and let it move the record. Then run the cutover again",
        fqdn(name),
        who.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cutover::dns::tests::{txt, zone};

    #[test]
    fn external_dns_ownership_is_read_from_its_txt_records() {
        assert_eq!(
            owner_names("Kubeflow.Example.com"),
            [
                "kubeflow.example.com.",
                "a-kubeflow.example.com.",
                "aaaa-kubeflow.example.com.",
                "cname-kubeflow.example.com."
            ]
        );
        let o = owner(
            &txt(
                "a-kubeflow.example.com.",
                "\"heritage=external-dns,external-dns/owner=blue,external-dns/resource=ingress/istio-system/istio-ingress\"",
            ),
            "Z1",
        )
        .unwrap();
        assert_eq!(o.owner.as_deref(), Some("blue"));
        assert_eq!(
            o.resource.as_deref(),
            Some("ingress/istio-system/istio-ingress")
        );
        assert_eq!(o.txt_name, "a-kubeflow.example.com.");
        // A value split in two strings; no owner field.
        assert!(owner(&txt("x.", "\"heritage=external-\" \"dns\""), "Z1").is_some());
        // Other TXT records are no ownership.
        assert!(owner(&txt("x.", "\"v=spf1 -all\""), "Z1").is_none());
        assert!(owner(&txt("x.", "\"heritage=someone-else\""), "Z1").is_none());
        let text = owned_refusal("kubeflow.example.com", &[o]);
        assert!(
            text.contains("external-dns owns kubeflow.example.com."),
            "{text}"
        );
        assert!(
            text.contains("owner blue")
                && text.contains("external-dns.alpha.kubernetes.io/hostname"),
            "{text}"
        );
        assert!(text.contains("point external-dns at green"), "{text}");
    }

    #[test]
    fn ownership_records_are_looked_for_in_the_zone_external_dns_would_use() {
        let zones = vec![
            zone("ZPARENT", "example.com.", false),
            zone("ZKF", "kubeflow.example.com.", false),
            zone("ZPRIV", "kubeflow.example.com.", true),
        ];
        let ids = |v: Vec<Zone>| v.into_iter().map(|z| z.id).collect::<Vec<_>>();
        // The apex of ZKF: its TXT is in ZKF (and a private twin), a-<apex> only in the parent.
        assert_eq!(
            ids(owner_zones(&zones, "ZKF", "kubeflow.example.com.")),
            ["ZKF", "ZPRIV"]
        );
        assert_eq!(
            ids(owner_zones(&zones, "ZKF", "a-kubeflow.example.com.")),
            ["ZPARENT"]
        );
        assert_eq!(
            ids(owner_zones(&zones, "ZPARENT", "a-x.kubeflow.example.com.")),
            ["ZPARENT", "ZKF", "ZPRIV"]
        );
        assert!(owner_zones(&zones, "ZKF", "a-kubeflow.other.org.").is_empty());
    }
}
