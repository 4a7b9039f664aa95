//! Waiting for Kubernetes objects to reach a condition, the way kube-runtime watches them
//! (`await_condition`: a watch per object, not polling), with one timeout for all of them and
//! progress naming the ones not there yet.

use std::fmt::Debug;
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::Api;
use kube::runtime::wait::{Condition, await_condition, conditions};
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::progress::Stream;

/// Whether a Deployment reports the Available condition True.
pub fn deployment_available(d: &Deployment) -> bool {
    d.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| c.type_ == "Available" && c.status == "True")
        })
}

/// Waits until each `(api, name, label)` meets the condition `condition()` makes; `label` is how progress names it
/// (`ns/name`), `what` names them all (e.g. "12 Deployments to be Available").
pub async fn all<K, C>(
    objects: Vec<(Api<K>, String, String)>,
    condition: impl Fn() -> C,
    what: &str,
    timeout: Duration,
    stream: &Stream,
) -> Result<()>
where
    K: kube::Resource + Clone + DeserializeOwned + Debug + Send + 'static,
    C: Condition<K> + Send,
{
    let total = objects.len();
    let labels: Vec<String> = objects.iter().map(|(_, _, l)| l.clone()).collect();
    let mut pending: Vec<usize> = (0..total).collect();
    let mut waits: FuturesUnordered<_> = objects
        .into_iter()
        .enumerate()
        .map(|(i, (api, name, _))| {
            let c = condition();
            async move { (i, await_condition(api, &name, c).await) }
        })
        .collect();
    let show = |pending: &[usize]| {
        let mut names = pending
            .iter()
            .take(5)
            .map(|i| labels[*i].as_str())
            .collect::<Vec<_>>()
            .join(", ");
        if pending.len() > 5 {
            names.push_str(&format!(" and {} more", pending.len() - 5));
        }
        format!(
            "{}/{total} ready; waiting for {names}",
            total - pending.len()
        )
    };
    let start = Instant::now();
    while !pending.is_empty() {
        stream.set(&format!("waiting for {what}: {}", show(&pending)));
        let left = timeout.saturating_sub(start.elapsed());
        match tokio::time::timeout(left, waits.next()).await {
            Ok(Some((i, Ok(_)))) => pending.retain(|p| *p != i),
            Ok(Some((i, Err(e)))) => {
                return Err(Error::failed(format!("watching {}: {e}", labels[i])));
            }
            Ok(None) => break,
            Err(_) => {
                return Err(Error::Timeout {
                    what: what.to_string(),
                    after: timeout,
                    last: show(&pending),
                });
            }
        }
    }
    Ok(())
}

/// Waits until the named CustomResourceDefinitions are Established.
pub async fn crds_established(
    api: Api<CustomResourceDefinition>,
    names: &[String],
    timeout: Duration,
    stream: &Stream,
) -> Result<()> {
    all(
        names
            .iter()
            .map(|n| (api.clone(), n.clone(), n.clone()))
            .collect(),
        conditions::is_crd_established,
        &format!(
            "{} CustomResourceDefinitions to be Established",
            names.len()
        ),
        timeout,
        stream,
    )
    .await
}

/// Waits until the Deployments (`namespace`, `name`) are Available.
pub async fn deployments_available(
    client: &kube::Client,
    deployments: &[(String, String)],
    timeout: Duration,
    stream: &Stream,
) -> Result<()> {
    let available = || |d: Option<&Deployment>| d.is_some_and(deployment_available);
    all(
        deployments
            .iter()
            .map(|(ns, n)| {
                (
                    Api::namespaced(client.clone(), ns),
                    n.clone(),
                    format!("{ns}/{n}"),
                )
            })
            .collect(),
        available,
        &format!("{} Deployments to be Available", deployments.len()),
        timeout,
        stream,
    )
    .await
}
