//! Server-side apply of a built manifest set to a cluster, in the order the API server needs:
//! CustomResourceDefinitions first (then wait until Established), Namespaces, then everything
//! else in parallel. One field manager. Only transient errors are retried (bounded, with
//! backoff); a rejected object fails with its kind/namespace/name and the server's message.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use kube::Client;
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::core::GroupVersionKind;
use kube::discovery::{Discovery, Scope};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::progress::Stream;

pub const FIELD_MANAGER: &str = "kubectl-kf";
const PARALLEL: usize = 16;
const ATTEMPTS: u32 = 5;

/// Splits a multi-document YAML stream into objects (empty documents dropped).
pub fn parse_objects(yaml: &str) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for (i, doc) in serde_yaml::Deserializer::from_str(yaml).enumerate() {
        let v: Value = serde::Deserialize::deserialize(doc)
            .map_err(|e| Error::usage(format!("document {}: {e}", i + 1), "fix the manifests"))?;
        if v.is_null() {
            continue;
        }
        if v.get("kind").and_then(Value::as_str).is_none()
            || v.get("apiVersion").and_then(Value::as_str).is_none()
        {
            return Err(Error::usage(
                format!("document {} has no apiVersion/kind", i + 1),
                "fix the manifests",
            ));
        }
        out.push(v);
    }
    Ok(out)
}

pub fn describe(obj: &Value) -> String {
    let kind = obj["kind"].as_str().unwrap_or("?");
    let name = obj["metadata"]["name"].as_str().unwrap_or("?");
    match obj["metadata"]["namespace"].as_str() {
        Some(ns) => format!("{kind} {ns}/{name}"),
        None => format!("{kind} {name}"),
    }
}

/// Counts per kind, for plans and reports.
pub fn counts(objects: &[Value]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for o in objects {
        *m.entry(o["kind"].as_str().unwrap_or("?").to_string())
            .or_insert(0) += 1;
    }
    m
}

fn transient(e: &kube::Error) -> bool {
    match e {
        kube::Error::Api(s) => matches!(s.code, 429 | 500 | 502 | 503 | 504),
        kube::Error::HyperError(_) | kube::Error::Service(_) => true,
        _ => false,
    }
}

fn gvk_of(obj: &Value) -> GroupVersionKind {
    let api_version = obj["apiVersion"].as_str().unwrap_or_default();
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    GroupVersionKind::gvk(group, version, obj["kind"].as_str().unwrap_or_default())
}

async fn apply_one(client: &Client, discovery: &Discovery, obj: &Value) -> Result<()> {
    let gvk = gvk_of(obj);
    let (ar, caps) = discovery.resolve_gvk(&gvk).ok_or_else(|| {
        Error::failed(format!(
            "{}: kind {} of {} is not served by the cluster; is its CustomResourceDefinition in the manifests?",
            describe(obj),
            gvk.kind,
            obj["apiVersion"].as_str().unwrap_or_default()
        ))
    })?;
    let name = obj["metadata"]["name"].as_str().ok_or_else(|| {
        Error::usage(
            format!("{} has no metadata.name", describe(obj)),
            "fix the manifests",
        )
    })?;
    let api: Api<DynamicObject> = match caps.scope {
        Scope::Namespaced => Api::namespaced_with(
            client.clone(),
            obj["metadata"]["namespace"].as_str().unwrap_or("default"),
            &ar,
        ),
        Scope::Cluster => Api::all_with(client.clone(), &ar),
    };
    let params = PatchParams::apply(FIELD_MANAGER).force();
    let mut delay = Duration::from_millis(200);
    for attempt in 1..=ATTEMPTS {
        match api.patch(name, &params, &Patch::Apply(obj)).await {
            Ok(_) => return Ok(()),
            Err(e) if transient(&e) && attempt < ATTEMPTS => {
                tracing::info!("{}: {e}; retrying", describe(obj));
                tokio::time::sleep(delay.mul_f64(rand::random_range(0.8..1.2))).await;
                delay *= 2;
            }
            Err(kube::Error::Api(s)) => {
                return Err(Error::failed(format!(
                    "{} was rejected: {} ({})",
                    describe(obj),
                    s.message,
                    s.reason
                )));
            }
            Err(e) => return Err(Error::failed(format!("{}: {e}", describe(obj)))),
        }
    }
    unreachable!("the last attempt returns")
}

async fn apply_all(client: &Client, discovery: &Discovery, objects: &[&Value]) -> Result<()> {
    futures::stream::iter(objects.iter().map(|o| apply_one(client, discovery, o)))
        .buffer_unordered(PARALLEL)
        .try_collect::<Vec<()>>()
        .await
        .map(|_| ())
}

/// Applies `objects` to the cluster of `client` and returns once every CRD is Established.
pub async fn apply(
    client: &Client,
    objects: &[Value],
    timeout: Duration,
    stream: &Stream,
) -> Result<()> {
    let is = |o: &Value, kind: &str| o["kind"] == kind;
    let crds: Vec<&Value> = objects
        .iter()
        .filter(|o| is(o, "CustomResourceDefinition"))
        .collect();
    let namespaces: Vec<&Value> = objects.iter().filter(|o| is(o, "Namespace")).collect();
    let rest: Vec<&Value> = objects
        .iter()
        .filter(|o| !is(o, "CustomResourceDefinition") && !is(o, "Namespace"))
        .collect();

    let discovery = Discovery::new(client.clone()).run().await?;
    if !crds.is_empty() {
        stream.set(&format!(
            "applying {} CustomResourceDefinitions",
            crds.len()
        ));
        apply_all(client, &discovery, &crds).await?;
        let names: Vec<String> = crds
            .iter()
            .filter_map(|c| c["metadata"]["name"].as_str().map(str::to_string))
            .collect();
        crate::kube_wait::crds_established(Api::all(client.clone()), &names, timeout, stream)
            .await?;
    }
    // New kinds are served now.
    let discovery = if crds.is_empty() {
        discovery
    } else {
        Discovery::new(client.clone()).run().await?
    };
    if !namespaces.is_empty() {
        stream.set(&format!("applying {} Namespaces", namespaces.len()));
        apply_all(client, &discovery, &namespaces).await?;
    }
    stream.set(&format!("applying {} objects", rest.len()));
    apply_all(client, &discovery, &rest).await
}

/// Waits until every Deployment among `objects` is Available; how many there are.
pub async fn wait_deployments(
    client: &Client,
    objects: &[Value],
    timeout: Duration,
    stream: &Stream,
) -> Result<usize> {
    let deployments: Vec<(String, String)> = objects
        .iter()
        .filter(|o| o["kind"] == "Deployment")
        .map(|o| {
            (
                o["metadata"]["namespace"]
                    .as_str()
                    .unwrap_or("default")
                    .to_string(),
                o["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    crate::kube_wait::deployments_available(client, &deployments, timeout, stream).await?;
    Ok(deployments.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_streams_and_counts_kinds() {
        let objs = parse_objects("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: a}\n").unwrap();
        assert_eq!(objs.len(), 2);
        assert_eq!(counts(&objs)["Deployment"], 1);
        assert_eq!(describe(&objs[1]), "Deployment a/d");
        assert_eq!(gvk_of(&objs[1]).group, "apps");
        assert_eq!(gvk_of(&objs[0]).group, "");
        assert_eq!(parse_objects("kind: X\n").unwrap_err().exit_code(), 2);
    }
}
