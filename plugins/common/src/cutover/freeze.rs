//! Freezing blue: its Kubeflow Deployments (namespace `kubeflow`) scaled to zero so nothing
//! writes to blue's storage while the last resync runs and traffic moves; and thawing them back
//! to the replicas recorded before.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use kube::Client;
use kube::api::{Api, ListParams, Patch, PatchParams};

use crate::error::Result;
use crate::progress::Stream;
use crate::record::NAMESPACE;
use crate::wait::{self, Poll};

/// Every Deployment in the namespace with its spec.replicas (1 when unset, as Kubernetes does).
pub async fn deployments(client: &Client) -> Result<BTreeMap<String, i32>> {
    let api: Api<Deployment> = Api::namespaced(client.clone(), NAMESPACE);
    let list = api.list(&ListParams::default()).await?;
    Ok(list
        .items
        .iter()
        .map(|d| {
            (
                d.metadata.name.clone().unwrap_or_default(),
                d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
            )
        })
        .collect())
}

/// The replicas to record before freezing: values already recorded win (a second run must not
/// record the zero the first one set), new Deployments are added with their current replicas.
pub fn to_record(
    current: &BTreeMap<String, i32>,
    recorded: &BTreeMap<String, i32>,
) -> BTreeMap<String, i32> {
    let mut out = recorded.clone();
    for (name, replicas) in current {
        out.entry(name.clone()).or_insert(*replicas);
    }
    out
}

async fn scale(api: &Api<Deployment>, name: &str, replicas: i32) -> Result<()> {
    let patch = serde_json::json!({"spec": {"replicas": replicas}});
    match api
        .patch_scale(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
    {
        Ok(_) => Ok(()),
        // Deleted since it was recorded: nothing to scale.
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Scales each named Deployment to `replicas[name]` and waits until each has settled: no pods
/// left for zero, Available with every replica ready otherwise.
pub async fn scale_all(
    client: &Client,
    replicas: &BTreeMap<String, i32>,
    stream: &Stream,
    timeout: Duration,
) -> Result<()> {
    let api: Api<Deployment> = Api::namespaced(client.clone(), NAMESPACE);
    for (name, n) in replicas {
        stream.set(&format!("scaling deployment/{name} to {n}"));
        scale(&api, name, *n).await?;
    }
    let what = format!("{} Deployment(s) in {NAMESPACE} to settle", replicas.len());
    wait::until(&what, timeout, stream, || {
        let api = api.clone();
        async move {
            let mut pending = Vec::new();
            for (name, want) in replicas {
                let Some(d) = api.get_opt(name).await? else {
                    continue;
                };
                if !settled(&d, *want) {
                    pending.push(name.clone());
                }
            }
            Ok(if pending.is_empty() {
                Poll::Ready(())
            } else {
                Poll::Pending(format!("not yet: {}", pending.join(", ")))
            })
        }
    })
    .await
}

/// Whether a Deployment has reached `want` replicas: none left for zero; otherwise Available and
/// every replica ready.
pub fn settled(d: &Deployment, want: i32) -> bool {
    let Some(status) = &d.status else {
        return false;
    };
    if want == 0 {
        return status.replicas.unwrap_or(0) == 0;
    }
    let available = status
        .conditions
        .iter()
        .flatten()
        .any(|c| c.type_ == "Available" && c.status == "True");
    available && status.ready_replicas.unwrap_or(0) >= want
}

/// Whether a Deployment reports the Available condition True.
pub fn available(d: &Deployment) -> bool {
    d.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| c.type_ == "Available" && c.status == "True")
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::apps::v1::{DeploymentCondition, DeploymentStatus};

    #[test]
    fn recorded_replicas_are_never_overwritten() {
        let recorded = BTreeMap::from([("ml-pipeline".to_string(), 2)]);
        let current = BTreeMap::from([("ml-pipeline".to_string(), 0), ("ui".to_string(), 1)]);
        let r = to_record(&current, &recorded);
        assert_eq!(r["ml-pipeline"], 2);
        assert_eq!(r["ui"], 1);
    }

    fn dep(replicas: i32, ready: i32, avail: &str) -> Deployment {
        Deployment {
            status: Some(DeploymentStatus {
                replicas: Some(replicas),
                ready_replicas: Some(ready),
                conditions: Some(vec![DeploymentCondition {
                    type_: "Available".into(),
                    status: avail.into(),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn settled_means_no_pods_for_zero_and_all_ready_otherwise() {
        assert!(settled(&dep(0, 0, "True"), 0));
        assert!(!settled(&dep(2, 2, "True"), 0));
        assert!(settled(&dep(2, 2, "True"), 2));
        assert!(!settled(&dep(2, 1, "True"), 2));
        assert!(!settled(&dep(2, 2, "False"), 2));
        assert!(available(&dep(1, 1, "True")));
        assert!(!available(&Deployment::default()));
    }
}
