//! Reads blue and green into the [`Observed`] the plan decides on, and the [`Source`] apply
//! copies from. Reads only: nothing is written, not even the record.
//!
//! Each kind is listed once per cluster (not once per namespace), so 200 profiles cost the
//! same number of list calls as one.

use std::collections::{BTreeMap, BTreeSet};

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::{Namespace, PersistentVolume, PersistentVolumeClaim};
use kube::Client;
use kube::api::{Api, DynamicObject, ListParams};
use kube::core::ApiResource;
use serde_json::Value;

use super::plan::{Backing, ClaimObs, ObjKind, ObjectObs, Observed, ProfileObs, step_key};
use crate::error::{Error, OnContext, Result};
use crate::record::UpgradeRecord;
use crate::storage::pvc::{self, EfsData};
use crate::upgrade::Session;
use crate::verify::observe::{api_resource, list_dynamic, name_of};

/// How many AWS reads (access points) run at once.
const PARALLEL: usize = 16;

/// The kinds carried from a profile namespace, and where each is served.
pub const KINDS: [(ObjKind, &str, &str, &str); 7] = [
    (
        ObjKind::PodDefault,
        "kubeflow.org",
        "v1alpha1",
        "poddefaults",
    ),
    (ObjKind::ServiceAccount, "", "v1", "serviceaccounts"),
    (
        ObjKind::RoleBinding,
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
    ),
    (
        ObjKind::AuthorizationPolicy,
        "security.istio.io",
        "v1beta1",
        "authorizationpolicies",
    ),
    (ObjKind::ConfigMap, "", "v1", "configmaps"),
    (ObjKind::Secret, "", "v1", "secrets"),
    (ObjKind::Notebook, "kubeflow.org", "v1", "notebooks"),
];

pub fn resource_of(kind: ObjKind) -> ApiResource {
    let (_, group, version, plural) = KINDS
        .iter()
        .find(|k| k.0 == kind)
        .expect("every carried kind is in KINDS");
    api_resource(group, version, kind.as_str(), plural)
}

pub fn profile_resource() -> ApiResource {
    api_resource("kubeflow.org", "v1", "Profile", "profiles")
}

/// Where one of blue's claims keeps its data, for apply.
#[derive(Clone, Debug)]
pub struct ClaimSource {
    pub claim: PersistentVolumeClaim,
    pub volume: PersistentVolume,
    pub efs: Option<EfsData>,
}

/// What apply copies: blue's objects by step key (cleaned of what the server sets), blue's
/// claims, green's file system and its access points that copy blue's, green's bucket.
#[derive(Clone, Debug, Default)]
pub struct Source {
    pub manifests: BTreeMap<String, Value>,
    pub claims: BTreeMap<String, ClaimSource>,
    pub green_fs: Option<String>,
    pub green_access_points: BTreeMap<String, String>,
    /// (blue's bucket, green's): blue's bucket named in KFP's per-namespace ConfigMaps is
    /// replaced by green's.
    pub buckets: Option<(String, String)>,
}

/// The object as green should get it: what the user wrote, without what blue's API server,
/// controllers and clients set (uid, resourceVersion, managed fields, owner references,
/// status, kubectl's last-applied annotation).
pub fn cleaned(mut v: Value) -> Value {
    if let Some(obj) = v.as_object_mut() {
        obj.remove("status");
        if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
            for k in [
                "uid",
                "resourceVersion",
                "creationTimestamp",
                "generation",
                "managedFields",
                "ownerReferences",
                "selfLink",
                "deletionTimestamp",
                "deletionGracePeriodSeconds",
                "finalizers",
            ] {
                meta.remove(k);
            }
            if let Some(a) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
                a.remove("kubectl.kubernetes.io/last-applied-configuration");
                if a.is_empty() {
                    meta.remove("annotations");
                }
            }
        }
    }
    v
}

/// Lists a kind on the whole cluster; None when the kind is not served there.
async fn list_all(client: &Client, ar: &ApiResource) -> Result<Option<Vec<DynamicObject>>> {
    let api: Api<DynamicObject> = Api::all_with(client.clone(), ar);
    match api.list(&ListParams::default()).await {
        Ok(l) => Ok(Some(l.items)),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn names_in(items: &[DynamicObject]) -> BTreeSet<(String, String)> {
    items
        .iter()
        .map(|o| {
            (
                o.metadata.namespace.clone().unwrap_or_default(),
                name_of(&o.metadata),
            )
        })
        .collect()
}

/// `20Gi` in GiB, rounded up (decimal and binary suffixes); 0 when unreadable.
pub fn gib(q: &str) -> i64 {
    let end = q
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(q.len());
    let (n, unit) = q.split_at(end);
    let Ok(n) = n.parse::<f64>() else { return 0 };
    let bytes = n * match unit {
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        _ => 1.0,
    };
    (bytes / 1024f64.powi(3)).ceil() as i64
}

/// The EBS volume id of a volume: the CSI driver's handle, or the in-tree
/// `awsElasticBlockStore.volumeID` (`aws://us-east-1a/vol-...` or `vol-...`) of volumes made
/// before the CSI migration.
pub fn ebs_volume_id(pv: &PersistentVolume) -> Option<String> {
    let spec = pv.spec.as_ref()?;
    if let Some(csi) = spec.csi.as_ref().filter(|c| c.driver == EBS_DRIVER) {
        return Some(csi.volume_handle.clone());
    }
    spec.aws_elastic_block_store.as_ref().map(|e| {
        e.volume_id
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string()
    })
}

pub const EBS_DRIVER: &str = "ebs.csi.aws.com";

/// Why a volume that is on neither EFS nor EBS is not carried.
fn other_backing(pv: &PersistentVolume) -> String {
    let spec = pv.spec.as_ref();
    match spec {
        Some(s) if s.csi.is_some() => format!(
            "on {}",
            s.csi.as_ref().map(|c| c.driver.as_str()).unwrap_or("?")
        ),
        Some(s) if s.host_path.is_some() => "on a hostPath".into(),
        Some(s) if s.local.is_some() => "on a local volume".into(),
        Some(s) if s.nfs.is_some() => "on NFS".into(),
        _ => "on a volume of no known kind".into(),
    }
}

/// The availability zones of green's nodegroups' subnets, sorted.
async fn green_zones(session: &Session) -> Result<Vec<String>> {
    let Ok(cluster) = session.green_cluster().await else {
        return Ok(Vec::new());
    };
    let aws = &session.ctx.aws;
    let eks = aws.eks();
    let names = crate::eks::nodegroup_names(&eks, &cluster.name).await?;
    let mut subnets = BTreeSet::new();
    for n in names {
        let d = eks
            .describe_nodegroup()
            .cluster_name(&cluster.name)
            .nodegroup_name(&n)
            .send()
            .await
            .map_err(|e| Error::aws("DescribeNodegroup", e))?;
        subnets.extend(
            d.nodegroup()
                .map(|g| g.subnets().to_vec())
                .unwrap_or_default(),
        );
    }
    if subnets.is_empty() {
        return Ok(Vec::new());
    }
    let out = aws
        .ec2()
        .describe_subnets()
        .set_subnet_ids(Some(subnets.into_iter().collect()))
        .send()
        .await
        .map_err(|e| Error::aws("DescribeSubnets", e))?;
    let zones: BTreeSet<String> = out
        .subnets()
        .iter()
        .filter_map(|s| s.availability_zone().map(str::to_string))
        .collect();
    Ok(zones.into_iter().collect())
}

/// Reads blue and green. Refuses (nothing read further, nothing changed) when green does not
/// serve a kind blue's profile namespaces hold: Kubeflow is not deployed on green yet.
pub async fn observe(
    session: &Session,
    green: &Client,
    rec: &UpgradeRecord,
) -> Result<(Observed, Source)> {
    let blue = &session.blue_client;
    let (bc, gc) = (&session.blue.context, &session.green);
    let profiles = list_dynamic(blue, None, &profile_resource()).await.on(bc)?;
    let mut o = Observed {
        green_roles: rec.green_roles.clone(),
        ..Default::default()
    };
    let mut src = Source {
        green_fs: rec.clones.efs.as_ref().map(|c| c.to.clone()),
        buckets: rec
            .clones
            .bucket
            .as_ref()
            .filter(|b| !b.from.is_empty() && !b.name.is_empty())
            .map(|b| (b.from.clone(), b.name.clone())),
        ..Default::default()
    };
    if profiles.is_empty() {
        return Ok((o, src));
    }
    let Some(green_profiles) = list_all(green, &profile_resource()).await.on(gc)? else {
        return Err(Error::refused(
            format!(
                "{gc} does not serve Profiles (kubeflow.org/v1): Kubeflow is not deployed there; nothing was changed"
            ),
            format!("run `kubectl kf deploy kubeflow --to {gc}` first"),
        ));
    };
    let green_profiles: BTreeSet<String> = green_profiles
        .iter()
        .map(|p| name_of(&p.metadata))
        .collect();
    let green_ns: BTreeMap<String, Namespace> = Api::<Namespace>::all(green.clone())
        .list(&ListParams::default())
        .await
        .on(gc)?
        .items
        .into_iter()
        .map(|n| (name_of(&n.metadata), n))
        .collect();
    let mut wanted = BTreeSet::new();
    for p in &profiles {
        let name = name_of(&p.metadata);
        let owner = p.data["spec"]["owner"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let bare = green_ns.get(&name).is_some_and(|ns| {
            ns.metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get("owner"))
                != Some(&owner)
        });
        let value = serde_json::to_value(p).map_err(|e| Error::failed(e.to_string()))?;
        src.manifests
            .insert(step_key("Profile", "", &name), cleaned(value));
        let iam_roles = p.data["spec"]["plugins"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x["spec"]["awsIamRole"].as_str().map(str::to_string))
            .collect();
        o.profiles.push(ProfileObs {
            on_green: green_profiles.contains(&name),
            bare_namespace_on_green: bare,
            iam_roles,
            name: name.clone(),
            owner,
        });
        wanted.insert(name);
    }

    for (kind, ..) in KINDS {
        let ar = resource_of(kind);
        let on_blue: Vec<DynamicObject> = list_all(blue, &ar)
            .await
            .on(bc)?
            .unwrap_or_default()
            .into_iter()
            .filter(|x| {
                x.metadata
                    .namespace
                    .as_ref()
                    .is_some_and(|n| wanted.contains(n))
            })
            .collect();
        if on_blue.is_empty() {
            continue;
        }
        let Some(on_green) = list_all(green, &ar).await.on(gc)? else {
            return Err(Error::refused(
                format!(
                    "{gc} does not serve {}s ({}), which blue's profile namespaces hold; \
                     nothing was changed",
                    kind.as_str(),
                    ar.api_version
                ),
                format!("deploy Kubeflow on {gc} first (`kubectl kf deploy kubeflow --to {gc}`)"),
            ));
        };
        let on_green = names_in(&on_green);
        for x in on_blue {
            let ns = x.metadata.namespace.clone().unwrap_or_default();
            let name = name_of(&x.metadata);
            // Service account tokens are the token controller's (Kubernetes makes them again).
            let token = kind == ObjKind::Secret
                && x.data["type"].as_str() == Some("kubernetes.io/service-account-token");
            let owned = x
                .metadata
                .owner_references
                .as_ref()
                .is_some_and(|r| !r.is_empty());
            let irsa_role = (kind == ObjKind::ServiceAccount)
                .then(|| {
                    x.metadata
                        .annotations
                        .as_ref()
                        .and_then(|a| a.get(super::plan::IRSA_ANNOTATION).cloned())
                })
                .flatten();
            let value = serde_json::to_value(&x).map_err(|e| Error::failed(e.to_string()))?;
            src.manifests
                .insert(step_key(kind.as_str(), &ns, &name), cleaned(value));
            o.objects.push(ObjectObs {
                kind,
                on_green: on_green.contains(&(ns.clone(), name.clone())),
                namespace: ns,
                name,
                controller_owned: owned || token,
                irsa_role,
            });
        }
    }

    // Claims: of the profile namespaces, and those of in-cluster components green does not use.
    let pvs: BTreeMap<String, PersistentVolume> = Api::<PersistentVolume>::all(blue.clone())
        .list(&ListParams::default())
        .await
        .on(bc)?
        .items
        .into_iter()
        .map(|pv| (name_of(&pv.metadata), pv))
        .collect();
    let claims: Vec<PersistentVolumeClaim> = Api::<PersistentVolumeClaim>::all(blue.clone())
        .list(&ListParams::default())
        .await
        .on(bc)?
        .items
        .into_iter()
        .filter(|c| {
            c.metadata
                .namespace
                .as_ref()
                .is_some_and(|n| wanted.contains(n))
                || super::plan::UNUSED_COMPONENT_CLAIMS.contains(&name_of(&c.metadata).as_str())
        })
        .collect();
    let green_claims: BTreeSet<(String, String)> = Api::<PersistentVolumeClaim>::all(green.clone())
        .list(&ListParams::default())
        .await
        .on(gc)?
        .items
        .iter()
        .map(|c| {
            (
                c.metadata.namespace.clone().unwrap_or_default(),
                name_of(&c.metadata),
            )
        })
        .collect();
    let aws = &session.ctx.aws;
    let efs_of: Vec<Option<EfsData>> = futures::stream::iter(claims.iter().map(|c| {
        let pv = c
            .spec
            .as_ref()
            .and_then(|s| s.volume_name.as_ref())
            .and_then(|v| pvs.get(v));
        async move {
            match pv {
                Some(pv) => pvc::efs_data(aws, pv).await,
                None => Ok(None),
            }
        }
    }))
    .buffered(PARALLEL)
    .try_collect()
    .await?;
    let copied_from = rec.clones.efs.as_ref().map(|c| c.from.as_str());
    let mut any_ebs = false;
    for (c, efs) in claims.into_iter().zip(efs_of) {
        let ns = c.metadata.namespace.clone().unwrap_or_default();
        let name = name_of(&c.metadata);
        let pv = c
            .spec
            .as_ref()
            .and_then(|s| s.volume_name.as_ref())
            .and_then(|v| pvs.get(v))
            .cloned();
        let backing = match (&pv, &efs) {
            (None, _) => Backing::Other {
                why: "not bound to a volume on blue".into(),
            },
            (Some(_), Some(d)) => Backing::Efs {
                filesystem: d.filesystem.clone(),
                path: d.path.clone(),
                cloned: copied_from == Some(d.filesystem.as_str()),
            },
            (Some(pv), None) => match ebs_volume_id(pv) {
                Some(volume_id) => {
                    any_ebs = true;
                    let size = pv
                        .spec
                        .as_ref()
                        .and_then(|s| s.capacity.as_ref())
                        .and_then(|c| c.get("storage"))
                        .map(|q| gib(&q.0))
                        .unwrap_or(0);
                    Backing::Ebs {
                        volume_id,
                        size_gib: size,
                    }
                }
                None => Backing::Other {
                    why: other_backing(pv),
                },
            },
        };
        if let Some(volume) = pv {
            src.claims.insert(
                step_key("PersistentVolumeClaim", &ns, &name),
                ClaimSource {
                    claim: c.clone(),
                    volume,
                    efs,
                },
            );
        }
        o.claims.push(ClaimObs {
            on_green: green_claims.contains(&(ns.clone(), name.clone())),
            namespace: ns,
            name,
            backing,
        });
    }
    if any_ebs {
        o.green_zones = green_zones(session).await?;
    }
    if let Some(fs) = &src.green_fs
        && o.claims
            .iter()
            .any(|c| matches!(c.backing, Backing::Efs { cloned: true, .. }) && !c.on_green)
    {
        src.green_access_points = pvc::green_access_points(aws, fs).await?;
    }
    Ok((o, src))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleaned_keeps_what_the_user_wrote() {
        let v = serde_json::json!({
            "apiVersion": "kubeflow.org/v1alpha1", "kind": "PodDefault",
            "metadata": {"name": "p", "namespace": "n", "uid": "u", "resourceVersion": "7",
                         "labels": {"a": "b"},
                         "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"},
                         "ownerReferences": [{}], "managedFields": [{}]},
            "spec": {"desc": "x"}, "status": {"s": 1}
        });
        assert_eq!(
            cleaned(v),
            serde_json::json!({
                "apiVersion": "kubeflow.org/v1alpha1", "kind": "PodDefault",
                "metadata": {"name": "p", "namespace": "n", "labels": {"a": "b"}},
                "spec": {"desc": "x"}
            })
        );
    }

    #[test]
    fn sizes_in_gib_round_up() {
        assert_eq!(gib("20Gi"), 20);
        assert_eq!(gib("1Ti"), 1024);
        assert_eq!(gib("500Mi"), 1);
        assert_eq!(gib("10G"), 10);
        assert_eq!(gib("junk"), 0);
    }

    #[test]
    fn in_tree_and_csi_ebs_volume_ids() {
        let pv = |spec: Value| -> PersistentVolume {
            serde_json::from_value(serde_json::json!({"metadata": {"name": "v"}, "spec": spec}))
                .unwrap()
        };
        assert_eq!(
            ebs_volume_id(&pv(
                serde_json::json!({"csi": {"driver": EBS_DRIVER, "volumeHandle": "vol-1"}})
            )),
            Some("vol-1".into())
        );
        assert_eq!(
            ebs_volume_id(&pv(
                serde_json::json!({"awsElasticBlockStore": {"volumeID": "aws://us-east-1a/vol-2"}})
            )),
            Some("vol-2".into())
        );
        assert_eq!(
            ebs_volume_id(&pv(
                serde_json::json!({"csi": {"driver": "efs.csi.aws.com", "volumeHandle": "fs-1"}})
            )),
            None
        );
    }
}
