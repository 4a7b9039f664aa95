//! Reads blue and green into the plain structs [`compare`](super::compare) decides on. Reads
//! only: nothing is written, not even the record.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim, ServiceAccount};
use k8s_openapi::api::rbac::v1::RoleBinding;
use kube::Client;
use kube::api::{Api, DynamicObject, ListParams};
use kube::core::{ApiResource, GroupVersionKind};

use super::compare::{
    Blue, BlueDb, Claim, EfsExecution, Green, GreenDb, GreenRoleFound, KubeObject, Listing, Object,
    ServiceAccountRole, Volume,
};
use crate::aws::Aws;
use crate::clone::{efs as clone_efs, s3};
use crate::error::{Error, OnContext, Result};
use crate::install_config::{cm_value, install_config};
use crate::record::UpgradeRecord;
use crate::storage::pvc::parse_volume_handle;

const EFS_DRIVER: &str = "efs.csi.aws.com";
const EBS_DRIVER: &str = "ebs.csi.aws.com";
const ROLE_ANNOTATION: &str = "eks.amazonaws.com/role-arn";
/// The annotations KFAM puts on a contributor's RoleBinding (kubeflow/kubeflow
/// components/access-management/kfam/bindings.go: `user` and `role`).
const KFAM_USER: &str = "user";
const KFAM_ROLE: &str = "role";

pub(crate) fn api_resource(group: &str, version: &str, kind: &str, plural: &str) -> ApiResource {
    let mut ar = ApiResource::from_gvk(&GroupVersionKind::gvk(group, version, kind));
    ar.plural = plural.to_string();
    ar
}

/// A list that is empty when the kind is not served (its CRD is not installed).
pub(crate) async fn list_dynamic(
    client: &Client,
    ns: Option<&str>,
    ar: &ApiResource,
) -> Result<Vec<DynamicObject>> {
    let api: Api<DynamicObject> = match ns {
        Some(ns) => Api::namespaced_with(client.clone(), ns, ar),
        None => Api::all_with(client.clone(), ar),
    };
    match api.list(&ListParams::default()).await {
        Ok(l) => Ok(l.items),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(Vec::new()),
        Err(e) => Err(e.into()),
    }
}

pub(crate) fn name_of(m: &kube::api::ObjectMeta) -> String {
    m.name.clone().unwrap_or_default()
}

/// Resolves an EFS volume handle to (file system, path): the sub-path, the access point's
/// root directory (DescribeAccessPoints), or `/`.
async fn efs_volume(
    aws: &Aws,
    handle: &str,
    cache: &mut BTreeMap<String, String>,
) -> Result<Volume> {
    let (fs, sub_path, ap) = parse_volume_handle(handle);
    let path = match (ap, sub_path) {
        (Some(ap), _) => {
            if let Some(p) = cache.get(&ap) {
                p.clone()
            } else {
                let out = aws
                    .efs()
                    .describe_access_points()
                    .access_point_id(&ap)
                    .send()
                    .await
                    .map_err(|e| Error::aws("DescribeAccessPoints", e))?;
                let p = out
                    .access_points()
                    .first()
                    .and_then(|a| a.root_directory())
                    .and_then(|r| r.path())
                    .unwrap_or("/")
                    .to_string();
                cache.insert(ap, p.clone());
                p
            }
        }
        (None, Some(p)) => p,
        (None, None) => "/".to_string(),
    };
    Ok(Volume::Efs { fs, path })
}

/// The Kubeflow user objects of one cluster: Profiles, and in each profile's namespace its
/// claims, PodDefaults, Notebooks and contributor RoleBindings; and the IRSA-annotated service
/// accounts of those namespaces and of `kubeflow`.
async fn kube_objects(
    aws: &Aws,
    client: &Client,
    profiles: &[String],
) -> Result<(Vec<KubeObject>, Vec<ServiceAccountRole>)> {
    let mut out: Vec<KubeObject> = profiles
        .iter()
        .map(|p| KubeObject {
            kind: "Profile".into(),
            namespace: String::new(),
            name: p.clone(),
            claim: None,
        })
        .collect();
    let pvs: BTreeMap<String, PersistentVolume> = Api::<PersistentVolume>::all(client.clone())
        .list(&ListParams::default())
        .await?
        .items
        .into_iter()
        .map(|pv| (name_of(&pv.metadata), pv))
        .collect();
    let pod_defaults = api_resource("kubeflow.org", "v1alpha1", "PodDefault", "poddefaults");
    let notebooks = api_resource("kubeflow.org", "v1", "Notebook", "notebooks");
    let mut aps = BTreeMap::new();
    let mut sas = Vec::new();
    let mut sa_namespaces: Vec<String> = profiles.to_vec();
    sa_namespaces.push(crate::record::NAMESPACE.to_string());
    for ns in profiles {
        let claims = Api::<PersistentVolumeClaim>::namespaced(client.clone(), ns)
            .list(&ListParams::default())
            .await?
            .items;
        for c in claims {
            let bound = c.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Bound");
            let pv = c
                .spec
                .as_ref()
                .and_then(|s| s.volume_name.as_ref())
                .and_then(|v| pvs.get(v));
            let csi = pv
                .and_then(|pv| pv.spec.as_ref())
                .and_then(|s| s.csi.as_ref());
            let volume = match csi {
                Some(c) if c.driver == EFS_DRIVER => {
                    Some(efs_volume(aws, &c.volume_handle, &mut aps).await?)
                }
                Some(c) if c.driver == EBS_DRIVER => Some(Volume::Ebs {
                    volume: c.volume_handle.clone(),
                }),
                Some(c) => Some(Volume::Other(format!("{} {}", c.driver, c.volume_handle))),
                None => pv.map(|pv| Volume::Other(name_of(&pv.metadata))),
            };
            out.push(KubeObject {
                kind: "PersistentVolumeClaim".into(),
                namespace: ns.clone(),
                name: name_of(&c.metadata),
                claim: Some(Claim { bound, volume }),
            });
        }
        for (kind, ar) in [("PodDefault", &pod_defaults), ("Notebook", &notebooks)] {
            for o in list_dynamic(client, Some(ns), ar).await? {
                out.push(KubeObject {
                    kind: kind.into(),
                    namespace: ns.clone(),
                    name: name_of(&o.metadata),
                    claim: None,
                });
            }
        }
        let bindings = Api::<RoleBinding>::namespaced(client.clone(), ns)
            .list(&ListParams::default())
            .await?
            .items;
        for b in bindings {
            let a = b.metadata.annotations.clone().unwrap_or_default();
            if a.contains_key(KFAM_USER) && a.contains_key(KFAM_ROLE) {
                out.push(KubeObject {
                    kind: "RoleBinding".into(),
                    namespace: ns.clone(),
                    name: name_of(&b.metadata),
                    claim: None,
                });
            }
        }
    }
    for ns in &sa_namespaces {
        let list = Api::<ServiceAccount>::namespaced(client.clone(), ns)
            .list(&ListParams::default())
            .await?
            .items;
        for sa in list {
            if let Some(role) = sa
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(ROLE_ANNOTATION))
            {
                sas.push(ServiceAccountRole {
                    service_account: format!("{ns}/{}", name_of(&sa.metadata)),
                    role_arn: role.clone(),
                });
            }
        }
    }
    Ok((out, sas))
}

async fn profiles(client: &Client) -> Result<Vec<String>> {
    let ar = api_resource("kubeflow.org", "v1", "Profile", "profiles");
    let mut names: Vec<String> = list_dynamic(client, None, &ar)
        .await?
        .iter()
        .map(|p| name_of(&p.metadata))
        .collect();
    names.sort();
    Ok(names)
}

/// A time as RFC 3339 to the second (AWS answers with or without fractions; the table keeps
/// one width).
fn whole_seconds(secs: i64) -> String {
    aws_smithy_types::DateTime::from_secs(secs)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_default()
}

/// Every object of a bucket (ListObjectsV2, every page); None when it does not exist.
async fn listing(aws: &Aws, bucket: &str) -> Result<Listing> {
    let objects = crate::aws::s3_objects(aws, bucket)
        .await?
        .iter()
        .map(|o| {
            (
                o.key().unwrap_or_default().to_string(),
                Object {
                    size: o.size().unwrap_or(0),
                    etag: o.e_tag().unwrap_or_default().to_string(),
                },
            )
        })
        .collect();
    Ok(Listing {
        bucket: bucket.to_string(),
        objects,
    })
}

/// Blue's DB snapshots of this upgrade (tagged with it), oldest first.
async fn blue_snapshots(aws: &Aws, instance: &str, tag: &str) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for (s, _) in crate::tags::db_snapshots_of_upgrade(&aws.rds(), Some(instance), tag).await? {
        let Some(id) = s.db_snapshot_identifier() else {
            continue;
        };
        if s.status() != Some("available") {
            continue;
        }
        let created = s
            .snapshot_create_time()
            .map(|t| whole_seconds(t.secs()))
            .unwrap_or_default();
        out.push((id.to_string(), created));
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

async fn green_db(
    aws: &Aws,
    green_client: &Client,
    rec: &UpgradeRecord,
) -> Result<Option<GreenDb>> {
    let Some(d) = &rec.clones.db else {
        return Ok(None);
    };
    let rds = aws.rds();
    let mut g = GreenDb {
        instance: d.instance.clone(),
        generation: d.generation,
        restored_from: d.restored_from.clone(),
        ..Default::default()
    };
    if let Some(snap) = &d.restored_from
        && let Some(s) = crate::clone::rds::describe_snapshot(&rds, snap).await?
    {
        g.snapshot_source = s.db_instance_identifier().map(str::to_string);
        g.snapshot_time = s.snapshot_create_time().map(|t| whole_seconds(t.secs()));
    }
    if !d.instance.is_empty() {
        g.endpoint = crate::clone::rds::describe_instance(&rds, &d.instance)
            .await?
            .and_then(|i| i.endpoint()?.address().map(str::to_string));
    }
    let cm = install_config(green_client).await?;
    g.db_host = cm_value(&cm, "dbHost");
    g.mysql_host = cm_value(&cm, "mysqlHost");
    Ok(Some(g))
}

/// Whether one of the role's policies (inline, or attached customer managed) names the bucket.
async fn role_names_bucket(aws: &Aws, name: &str, bucket: &str) -> Result<Option<bool>> {
    let iam = aws.iam();
    match iam.get_role().role_name(name).send().await {
        Ok(_) => {}
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_no_such_entity_exception()) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(Error::aws(&format!("GetRole {name}"), e)),
    }
    let arn = format!("arn:aws:s3:::{bucket}");
    let names_it = |doc: &str| crate::irsa::percent_decode(doc).contains(&arn);
    let inline = crate::irsa::inline_policy_names(&iam, name).await?;
    for p in inline {
        let doc = iam
            .get_role_policy()
            .role_name(name)
            .policy_name(&p)
            .send()
            .await
            .map_err(|e| Error::aws("GetRolePolicy", e))?;
        if names_it(doc.policy_document()) {
            return Ok(Some(true));
        }
    }
    let attached = crate::aws::all(
        "ListAttachedRolePolicies",
        iam.list_attached_role_policies()
            .role_name(name)
            .into_paginator()
            .items()
            .send(),
    )
    .await?;
    for p in attached.iter().filter_map(|p| p.policy_arn()) {
        // AWS managed policies name no bucket of ours.
        if p.starts_with("arn:aws:iam::aws:") {
            continue;
        }
        let policy = iam
            .get_policy()
            .policy_arn(p)
            .send()
            .await
            .map_err(|e| Error::aws("GetPolicy", e))?;
        let Some(version) = policy.policy().and_then(|p| p.default_version_id()) else {
            continue;
        };
        let v = iam
            .get_policy_version()
            .policy_arn(p)
            .version_id(version)
            .send()
            .await
            .map_err(|e| Error::aws("GetPolicyVersion", e))?;
        if v.policy_version()
            .and_then(|v| v.document())
            .is_some_and(names_it)
        {
            return Ok(Some(true));
        }
    }
    Ok(Some(false))
}

/// Reads blue and green.
/// A cluster as verify reads it: its client, and the context its errors name.
#[derive(Clone, Copy)]
pub struct Cluster<'a> {
    pub client: &'a Client,
    pub context: &'a str,
}

pub async fn observe(
    aws: &Aws,
    on_blue: Cluster<'_>,
    on_green: Cluster<'_>,
    rec: &UpgradeRecord,
    tag: &str,
) -> Result<(Blue, Green)> {
    let (blue_client, green_client) = (on_blue.client, on_green.client);
    let (bc, gc) = (on_blue.context, on_green.context);
    let mut blue = Blue::default();
    let mut green = Green::default();
    if let Some(d) = &rec.clones.db {
        blue.db = BlueDb {
            instance: d.from.clone(),
            snapshots: blue_snapshots(aws, &d.from, tag).await?,
        };
    }
    green.db = green_db(aws, green_client, rec).await.on(gc)?;

    let green_bucket = rec
        .clones
        .bucket
        .as_ref()
        .map(|b| (b.from.clone(), b.name.clone()))
        .filter(|(f, n)| !f.is_empty() && !n.is_empty());
    let green_bucket = match green_bucket {
        Some(b) => Some(b),
        // A record of 0.1.0 kept only green's bucket: blue's is in blue's install config.
        None => match (
            rec.resources.get(s3::BUCKET).map(|r| r.id.clone()),
            cm_value(&install_config(blue_client).await.on(bc)?, "bucketName"),
        ) {
            (Some(g), Some(b)) if !g.is_empty() => Some((b, g)),
            _ => None,
        },
    };
    if let Some((b, g)) = &green_bucket {
        blue.bucket = Some(listing(aws, b).await?);
        green.bucket = Some(listing(aws, g).await?);
    }

    // EFS: the execution the clone recorded, and blue's metered size.
    if let Some(copy) = &rec.clones.efs {
        let size = aws
            .efs()
            .describe_file_systems()
            .file_system_id(&copy.from)
            .send()
            .await
            .map_err(|e| Error::aws("DescribeFileSystems", e))?
            .file_systems()
            .first()
            .and_then(|f| f.size_in_bytes())
            .map(|s| s.value())
            .unwrap_or(0);
        blue.efs = Some((copy.from.clone(), size));
        green.efs = Some(copy.to.clone());
    } else if let Some(r) = rec.resources.get(crate::efs::FILESYSTEM) {
        green.efs = Some(r.id.clone()).filter(|s| !s.is_empty());
    }
    if let Some(arn) = rec
        .resources
        .get(clone_efs::EXECUTION)
        .map(|r| r.id.clone())
        .filter(|s| s.starts_with("arn:"))
    {
        let d = aws
            .datasync()
            .describe_task_execution()
            .task_execution_arn(&arn)
            .send()
            .await
            .map_err(|e| Error::aws("DescribeTaskExecution", e))?;
        green.efs_execution = Some(EfsExecution {
            arn,
            status: d
                .status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            estimated_files: d.estimated_files_to_transfer(),
            estimated_bytes: d.estimated_bytes_to_transfer(),
            files_transferred: d.files_transferred(),
            bytes_transferred: d.bytes_transferred(),
            files_verified: d.files_verified(),
        });
    }

    let blue_profiles = profiles(blue_client).await.on(bc)?;
    let (objects, sas) = kube_objects(aws, blue_client, &blue_profiles)
        .await
        .on(bc)?;
    blue.objects = objects;
    blue.service_accounts = sas;
    let (objects, _) = kube_objects(aws, green_client, &blue_profiles)
        .await
        .on(gc)?;
    // Green's Profiles are what green has, not what blue has.
    let green_profiles = profiles(green_client).await.on(gc)?;
    green.objects = objects
        .into_iter()
        .filter(|o| o.kind != "Profile" || green_profiles.contains(&o.name))
        .collect();

    let bucket = green_bucket.map(|(_, g)| g).unwrap_or_default();
    let mut seen = std::collections::BTreeSet::new();
    for sa in &blue.service_accounts {
        if !seen.insert(sa.role_arn.clone()) {
            continue;
        }
        let Some(g) = rec.green_role_for(&sa.role_arn) else {
            continue;
        };
        let name = g.rsplit('/').next().unwrap_or(g);
        let found = role_names_bucket(aws, name, &bucket).await?;
        green.roles.push(GreenRoleFound {
            blue: sa.role_arn.clone(),
            green: g.to_string(),
            exists: found.is_some(),
            names_green_bucket: found.unwrap_or(false),
        });
    }
    Ok((blue, green))
}
