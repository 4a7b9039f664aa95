//! `kf storage pvc`: a claim on green built from an embedded manifest changed with JSON patch
//! operations. When blue has a claim of that name bound to EFS and `kf clone` copied that file
//! system, the claim is bound to a static PersistentVolume at the cloned directory on green's
//! file system, so the user's files are there; otherwise it is provisioned dynamically.
//!
//! A blue claim that reads its directory through an access point (the CSI driver's `efs-ap`
//! mode, which gives each volume its own POSIX user and GID) gets an access point on green's file
//! system with the same root directory and POSIX user, and green's volume binds through it:
//! mounting the directory without it, the pod is not that user and gets `permission denied`
//! (https://docs.aws.amazon.com/efs/latest/ug/efs-access-points.html: "the access point's user
//! identity is used for all file system requests").

use k8s_openapi::api::core::v1::{Namespace, PersistentVolume, PersistentVolumeClaim};
use k8s_openapi::api::storage::v1::StorageClass;
use kube::api::{Api, ObjectMeta, PostParams};
use serde::Serialize;
use serde_json::{Value, json};

use crate::error::{Error, OnContext, Result};
use crate::output::{self, Render};
use crate::upgrade::Session;

const TEMPLATE: &str = include_str!("pvc.yaml");
const EFS_DRIVER: &str = "efs.csi.aws.com";

/// Checks a Kubernetes quantity (`10Gi`, `500M`, `1.5Ti`); `10GB` is not one.
pub fn validate_quantity(q: &str) -> Result<()> {
    let digits_end = q
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(q.len());
    let (num, suffix) = q.split_at(digits_end);
    let number_ok = !num.is_empty() && num.parse::<f64>().is_ok();
    let suffix_ok = [
        "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "k", "M", "G", "T", "P", "E",
    ]
    .contains(&suffix);
    if number_ok && suffix_ok {
        Ok(())
    } else {
        Err(Error::usage(
            format!("--size {q} is not a Kubernetes quantity"),
            "use a number with Ki, Mi, Gi, Ti (binary) or k, M, G, T (decimal), e.g. 10Gi",
        ))
    }
}

/// The claim manifest: the embedded template with name, namespace, size, class (and volume)
/// set by JSON patch, then the user's own patch.
pub fn claim_manifest(
    name: &str,
    namespace: &str,
    size: &str,
    class: &str,
    volume: Option<&str>,
    extra: Option<&str>,
) -> Result<Value> {
    let mut doc: Value = serde_yaml::from_str(TEMPLATE)
        .map_err(|e| Error::failed(format!("embedded claim manifest: {e}")))?;
    let mut ops = vec![
        json!({"op": "replace", "path": "/metadata/name", "value": name}),
        json!({"op": "add", "path": "/metadata/namespace", "value": namespace}),
        json!({"op": "replace", "path": "/spec/resources/requests/storage", "value": size}),
        json!({"op": "replace", "path": "/spec/storageClassName", "value": class}),
    ];
    if let Some(v) = volume {
        ops.push(json!({"op": "add", "path": "/spec/volumeName", "value": v}));
    }
    let patch: json_patch::Patch =
        serde_json::from_value(Value::Array(ops)).map_err(|e| Error::failed(e.to_string()))?;
    json_patch::patch(&mut doc, &patch)
        .map_err(|e| Error::failed(format!("patching the claim manifest: {e}")))?;
    if let Some(extra) = extra {
        let patch: json_patch::Patch = serde_json::from_str(extra).map_err(|e| {
            Error::usage(
                format!("--patch is not a JSON patch: {e}"),
                "pass an RFC 6902 array of operations, e.g. '[{\"op\":\"add\",\"path\":\"/metadata/labels/team\",\"value\":\"ml\"}]'",
            )
        })?;
        json_patch::patch(&mut doc, &patch).map_err(|e| {
            Error::usage(
                format!("--patch cannot be applied to the claim: {e}"),
                "fix the patch's paths (`--dry-run` shows the claim it applies to)",
            )
        })?;
        if doc["metadata"]["name"] != name || doc["metadata"]["namespace"] != namespace {
            return Err(Error::usage(
                "--patch must not change the claim's name or namespace",
                "use CLAIM and -n",
            ));
        }
    }
    Ok(doc)
}

/// Where blue's claim keeps its data: the file system and the directory in it, and the access
/// point it reads it through, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EfsData {
    pub filesystem: String,
    pub path: String,
    pub access_point: Option<AccessPointIdentity>,
}

/// What green's access point copies of blue's: the id (to find the copy again), the POSIX user
/// every request is made as, and how the root directory is created if missing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessPointIdentity {
    pub id: String,
    /// (uid, gid, secondary gids)
    pub posix_user: Option<(i64, i64, Vec<i64>)>,
    /// (owner uid, owner gid, permissions)
    pub creation_info: Option<(i64, i64, String)>,
}

/// The tag on green's access point naming blue's it copies.
pub const CLONED_FROM_TAG: &str = "kubeflow.org/cloned-from";

/// Green's volume handle: through green's access point when blue's claim used one
/// (`fs::fsap`), else the directory (`fs:/dir`), else the root (`fs`).
pub fn green_volume_handle(green_fs: &str, data: &EfsData, green_ap: Option<&str>) -> String {
    match green_ap {
        Some(ap) => format!("{green_fs}::{ap}"),
        None if data.path == "/" => green_fs.to_string(),
        None => format!("{green_fs}:{}", data.path),
    }
}

/// `fs-1::fsap-2` (access point), `fs-1:/dir` (sub-path) or `fs-1`.
pub(crate) fn parse_volume_handle(handle: &str) -> (String, Option<String>, Option<String>) {
    let mut parts = handle.splitn(3, ':');
    let fs = parts.next().unwrap_or_default().to_string();
    let path = parts.next().filter(|s| !s.is_empty()).map(str::to_string);
    let ap = parts.next().filter(|s| !s.is_empty()).map(str::to_string);
    (fs, path, ap)
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimReport {
    pub claim: String,
    pub namespace: String,
    pub storage_class: String,
    pub size: String,
    /// `cloned data at fs-x:/dir` or `new volume (dynamic provisioning)`.
    pub data: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<String>,
    pub result: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub manifests: Vec<Value>,
}

impl Render for ClaimReport {
    fn table(&self) -> String {
        let mut s = output::table(
            &["CLAIM", "STORAGECLASS", "SIZE", "VOLUME", "DATA", "RESULT"],
            [[
                format!("{}/{}", self.namespace, self.claim),
                self.storage_class.clone(),
                self.size.clone(),
                self.volume.clone().unwrap_or_else(|| "(dynamic)".into()),
                self.data.clone(),
                self.result.clone(),
            ]],
        );
        for m in &self.manifests {
            s.push_str("---\n");
            s.push_str(&serde_yaml::to_string(m).unwrap_or_default());
        }
        s
    }
}

async fn blue_efs_data(
    session: &Session,
    namespace: &str,
    claim: &str,
) -> Result<Option<(EfsData, PersistentVolume)>> {
    let pvcs: Api<PersistentVolumeClaim> = Api::namespaced(session.blue_client.clone(), namespace);
    let Some(pvc) = pvcs.get_opt(claim).await? else {
        return Ok(None);
    };
    let Some(volume) = pvc.spec.as_ref().and_then(|s| s.volume_name.clone()) else {
        return Ok(None);
    };
    let pvs: Api<PersistentVolume> = Api::all(session.blue_client.clone());
    let Some(pv) = pvs.get_opt(&volume).await? else {
        return Ok(None);
    };
    Ok(efs_data(&session.ctx.aws, &pv).await?.map(|d| (d, pv)))
}

/// Where an EFS volume keeps its data (None when the volume is not on EFS): the file system,
/// the directory (the access point's root directory, the sub-path, or `/`), and the access
/// point it reads it through with its POSIX identity (DescribeAccessPoints).
pub async fn efs_data(aws: &crate::aws::Aws, pv: &PersistentVolume) -> Result<Option<EfsData>> {
    let Some(csi) = pv
        .spec
        .as_ref()
        .and_then(|s| s.csi.clone())
        .filter(|c| c.driver == EFS_DRIVER)
    else {
        return Ok(None);
    };
    let (fs, sub_path, access_point) = parse_volume_handle(&csi.volume_handle);
    let (path, access_point) = match (access_point, sub_path) {
        (Some(ap), _) => {
            let out = aws
                .efs()
                .describe_access_points()
                .access_point_id(&ap)
                .send()
                .await
                .map_err(|e| Error::aws("DescribeAccessPoints", e))?;
            let desc = out.access_points().first();
            let root = desc.and_then(|a| a.root_directory());
            let identity = AccessPointIdentity {
                id: ap.clone(),
                posix_user: desc
                    .and_then(|a| a.posix_user())
                    .map(|u| (u.uid(), u.gid(), u.secondary_gids().to_vec())),
                creation_info: root
                    .and_then(|r| r.creation_info())
                    .map(|c| (c.owner_uid(), c.owner_gid(), c.permissions().to_string())),
            };
            (
                root.and_then(|r| r.path()).unwrap_or("/").to_string(),
                Some(identity),
            )
        }
        (None, Some(p)) => (p, None),
        (None, None) => ("/".to_string(), None),
    };
    Ok(Some(EfsData {
        filesystem: fs,
        path,
        access_point,
    }))
}

/// Green's copy of blue's access point, if an earlier run made it.
async fn find_green_access_point(
    session: &Session,
    green_fs: &str,
    blue_ap: &str,
) -> Result<Option<String>> {
    let efs = session.ctx.aws.efs();
    let mut pages = efs
        .describe_access_points()
        .file_system_id(green_fs)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| Error::aws("DescribeAccessPoints", e))?;
        for ap in page.access_points() {
            if ap
                .tags()
                .iter()
                .any(|t| t.key() == CLONED_FROM_TAG && t.value() == blue_ap)
            {
                return Ok(ap.access_point_id().map(str::to_string));
            }
        }
    }
    Ok(None)
}

/// Creates green's access point: blue's root directory path and POSIX user on green's file
/// system, tagged with the upgrade and blue's access point; waits until it is available.
async fn create_green_access_point(
    session: &Session,
    key: Option<&str>,
    green_fs: &str,
    data: &EfsData,
    blue: &AccessPointIdentity,
) -> Result<String> {
    use aws_sdk_efs::types::{CreationInfo, LifeCycleState, PosixUser, RootDirectory};
    let ctx = &session.ctx;
    if let Some(key) = key {
        ctx.record
            .mark(
                key,
                "AccessPoint",
                "",
                crate::record::Phase::InProgress,
                Some(format!("{green_fs}:{} as {}", data.path, blue.id)),
            )
            .await?;
    }
    let posix_user = match &blue.posix_user {
        Some((uid, gid, secondary)) => Some(
            PosixUser::builder()
                .uid(*uid)
                .gid(*gid)
                .set_secondary_gids((!secondary.is_empty()).then(|| secondary.clone()))
                .build()
                .map_err(|e| Error::failed(e.to_string()))?,
        ),
        None => None,
    };
    let creation_info = match &blue.creation_info {
        Some((uid, gid, perms)) => Some(
            CreationInfo::builder()
                .owner_uid(*uid)
                .owner_gid(*gid)
                .permissions(perms)
                .build()
                .map_err(|e| Error::failed(e.to_string()))?,
        ),
        None => None,
    };
    let efs = ctx.aws.efs();
    let out = efs
        .create_access_point()
        // The same blue access point gives the same token: a run killed after the call gets
        // the same access point back (CreateAccessPoint is idempotent on ClientToken).
        .client_token(
            format!("kf-{}-{}", ctx.tag, blue.id)
                .chars()
                .take(64)
                .collect::<String>(),
        )
        .file_system_id(green_fs)
        .set_posix_user(posix_user)
        .root_directory(
            RootDirectory::builder()
                .path(&data.path)
                .set_creation_info(creation_info)
                .build(),
        )
        .set_tags(Some(
            ctx.tags()
                .step("storage-pvc")
                .with(CLONED_FROM_TAG, &blue.id)
                .efs(),
        ))
        .send()
        .await
        .map_err(|e| Error::aws("CreateAccessPoint", e))?;
    let id = out.access_point_id().unwrap_or_default().to_string();
    let deadline = std::time::Instant::now() + ctx.timeout;
    loop {
        let state = efs
            .describe_access_points()
            .access_point_id(&id)
            .send()
            .await
            .map_err(|e| Error::aws("DescribeAccessPoints", e))?
            .access_points()
            .first()
            .and_then(|a| a.life_cycle_state().cloned());
        if state == Some(LifeCycleState::Available) {
            break;
        }
        if std::time::Instant::now() > deadline {
            return Err(Error::Timeout {
                what: format!("access point {id} to be available"),
                after: ctx.timeout,
                last: state.map(|s| s.as_str().to_string()).unwrap_or_default(),
            });
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
    if let Some(key) = key {
        ctx.record
            .mark(
                key,
                "AccessPoint",
                &id,
                crate::record::Phase::Completed,
                Some(format!("{green_fs}:{} as {}", data.path, blue.id)),
            )
            .await?;
    }
    Ok(id)
}

pub struct PvcArgs<'a> {
    pub claim: &'a str,
    pub namespace: &'a str,
    pub size: &'a str,
    pub storage_class: &'a str,
    pub create_namespace: bool,
    pub patch: Option<&'a str>,
}

pub async fn run(session: &Session, g: &crate::cli::GlobalArgs, a: &PvcArgs<'_>) -> Result<()> {
    validate_quantity(a.size)?;
    // A bad --patch is found before anything is looked up or changed.
    claim_manifest(a.claim, a.namespace, a.size, a.storage_class, None, a.patch)?;
    let green = session.green_client().await?;
    let classes: Api<StorageClass> = Api::all(green.clone());
    if classes.get_opt(a.storage_class).await?.is_none() {
        let names: Vec<String> = classes
            .list(&Default::default())
            .await?
            .items
            .into_iter()
            .filter_map(|c| c.metadata.name)
            .collect();
        return Err(Error::usage(
            format!(
                "StorageClass {} does not exist on {} (classes: {})",
                a.storage_class,
                session.green,
                if names.is_empty() {
                    "none".into()
                } else {
                    names.join(", ")
                }
            ),
            "`kubectl kf storage efs` creates efs-sc",
        ));
    }
    let namespaces: Api<Namespace> = Api::all(green.clone());
    let ns_missing = namespaces.get_opt(a.namespace).await?.is_none();
    if ns_missing && !a.create_namespace {
        return Err(Error::usage(
            format!(
                "namespace {} does not exist on {}",
                a.namespace, session.green
            ),
            "pass --create-namespace, or create it first",
        ));
    }

    // Blue's data, if it was cloned: the copy of blue's file system is green's, same paths.
    let rec = session.ctx.record.snapshot().await;
    let copied = rec.clones.efs.clone();
    let copied_from = copied.as_ref().map(|c| c.from.clone());
    let copied_to = copied.as_ref().map(|c| c.to.clone());
    let blue_data = blue_efs_data(session, a.namespace, a.claim)
        .await
        .on(&session.blue.context)?;
    let cloned = match (&blue_data, &copied_from, &copied_to) {
        (Some((data, pv)), Some(from), Some(to)) if *from == data.filesystem => {
            Some((data.clone(), to.clone(), pv.clone()))
        }
        _ => None,
    };
    let pv_name = cloned
        .as_ref()
        .map(|_| static_volume_name(a.namespace, a.claim));
    let claim = claim_manifest(
        a.claim,
        a.namespace,
        a.size,
        a.storage_class,
        pv_name.as_deref(),
        a.patch,
    )?;
    // Blue's access point, copied onto green's file system (found again on a re-run).
    let ap_key = format!("storage.access-point.{}/{}", a.namespace, a.claim);
    let green_ap = match &cloned {
        Some((data, green_fs, _)) => match &data.access_point {
            Some(blue_ap) => Some((
                blue_ap.clone(),
                find_green_access_point(session, green_fs, &blue_ap.id).await?,
            )),
            None => None,
        },
        None => None,
    };
    let planned_ap = green_ap.as_ref().map(|(_, found)| {
        found
            .clone()
            .unwrap_or_else(|| "(access point created on apply)".to_string())
    });
    let pv = cloned.as_ref().map(|(data, green_fs, blue_pv)| {
        static_volume(
            pv_name.as_deref().unwrap_or_default(),
            a,
            data,
            &green_volume_handle(green_fs, data, planned_ap.as_deref()),
            blue_pv,
        )
    });
    let data = match &cloned {
        Some((d, green_fs, _)) => match &d.access_point {
            Some(ap) => format!(
                "cloned data at {green_fs}:{} (through a copy of access point {}{})",
                d.path,
                ap.id,
                ap.posix_user
                    .as_ref()
                    .map(|(u, g, _)| format!(", as uid {u} gid {g}"))
                    .unwrap_or_default()
            ),
            None => format!("cloned data at {green_fs}:{}", d.path),
        },
        None => match (&blue_data, &copied) {
            (Some(_), None) => {
                "new volume (blue's data is not cloned yet: run kubectl kf clone first)".into()
            }
            _ => "new volume (dynamic provisioning)".into(),
        },
    };
    let mut report = ClaimReport {
        claim: a.claim.to_string(),
        namespace: a.namespace.to_string(),
        storage_class: a.storage_class.to_string(),
        size: a.size.to_string(),
        data,
        volume: pv_name.clone(),
        result: String::new(),
        manifests: Vec::new(),
    };
    if g.dry_run {
        report.result = "planned (dry run)".into();
        if let Some(pv) = &pv {
            report
                .manifests
                .push(serde_json::to_value(pv).map_err(|e| Error::failed(e.to_string()))?);
        }
        report.manifests.push(claim);
        return output::print(g.output, &report);
    }
    if ns_missing {
        namespaces
            .create(
                &PostParams::default(),
                &Namespace {
                    metadata: ObjectMeta {
                        name: Some(a.namespace.to_string()),
                        ..Default::default()
                    },
                    ..Default::default()
                },
            )
            .await?;
    }
    if let (Some(pv), Some((data, green_fs, _))) = (pv, &cloned) {
        let found = green_ap.as_ref().and_then(|(_, f)| f.as_deref());
        ensure_static_volume(session, &green, pv, Some(&ap_key), green_fs, data, found).await?;
    }
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(green, a.namespace);
    report.result = match claims.get_opt(a.claim).await? {
        Some(_) => "exists (unchanged)".into(),
        None => {
            let pvc: PersistentVolumeClaim = serde_json::from_value(claim).map_err(|e| {
                Error::usage(
                    format!("the patched claim is not a PersistentVolumeClaim: {e}"),
                    "fix --patch (`--dry-run` shows the claim)",
                )
            })?;
            claims
                .create(&PostParams::default(), &pvc)
                .await
                .map_err(|e| match e {
                    kube::Error::Api(s) if s.code == 422 || s.code == 400 => Error::usage(
                        format!("green refused the claim: {}", s.message),
                        "fix --size, --storage-class or --patch",
                    ),
                    e => e.into(),
                })?;
            "created".into()
        }
    };
    output::print(g.output, &report)
}

/// Green's PersistentVolume for the cloned directory, made when missing; through a copy of
/// blue's access point when blue's claim read its directory through one (`green_ap`: the copy
/// an earlier run made; else it is made first, recorded under `ap_key` when given).
async fn ensure_static_volume(
    session: &Session,
    green: &kube::Client,
    mut pv: PersistentVolume,
    ap_key: Option<&str>,
    green_fs: &str,
    data: &EfsData,
    green_ap: Option<&str>,
) -> Result<()> {
    let pvs: Api<PersistentVolume> = Api::all(green.clone());
    if pvs
        .get_opt(pv.metadata.name.as_deref().unwrap_or_default())
        .await?
        .is_some()
    {
        return Ok(());
    }
    if let (Some(blue_ap), None) = (&data.access_point, green_ap) {
        let id = create_green_access_point(session, ap_key, green_fs, data, blue_ap).await?;
        if let Some(csi) = pv.spec.as_mut().and_then(|s| s.csi.as_mut()) {
            csi.volume_handle = green_volume_handle(green_fs, data, Some(&id));
        }
    }
    pvs.create(&PostParams::default(), &pv).await?;
    Ok(())
}

/// The name of green's static volume for a claim.
pub fn static_volume_name(namespace: &str, claim: &str) -> String {
    format!("kf-{namespace}-{claim}")
        .chars()
        .take(253)
        .collect()
}

/// Green's access points that copy one of blue's, by blue's id (CLONED_FROM_TAG): read once
/// by `kf migrate` for all its claims.
pub async fn green_access_points(
    aws: &crate::aws::Aws,
    green_fs: &str,
) -> Result<std::collections::BTreeMap<String, String>> {
    let pages = crate::aws::all(
        "DescribeAccessPoints",
        aws.efs()
            .describe_access_points()
            .file_system_id(green_fs)
            .into_paginator()
            .send(),
    )
    .await?;
    Ok(pages
        .iter()
        .flat_map(|p| p.access_points())
        .filter_map(|ap| {
            let blue = ap.tags().iter().find(|t| t.key() == CLONED_FROM_TAG)?;
            Some((blue.value().to_string(), ap.access_point_id()?.to_string()))
        })
        .collect())
}

/// Blue's claim made on green, bound to a static volume at the cloned directory on green's file
/// system (`kf storage pvc` for one claim, `kf migrate` for all): the access point copied
/// (`green_ap`: found earlier), the volume, then the claim, each only when missing. True when
/// the claim was created.
pub async fn bind_cloned(
    session: &Session,
    green: &kube::Client,
    green_fs: &str,
    a: &PvcArgs<'_>,
    data: &EfsData,
    blue_pv: &PersistentVolume,
    green_ap: Option<&str>,
) -> Result<bool> {
    let pv_name = static_volume_name(a.namespace, a.claim);
    let pv = static_volume(
        &pv_name,
        a,
        data,
        &green_volume_handle(green_fs, data, green_ap),
        blue_pv,
    );
    ensure_static_volume(session, green, pv, None, green_fs, data, green_ap).await?;
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(green.clone(), a.namespace);
    if claims.get_opt(a.claim).await?.is_some() {
        return Ok(false);
    }
    let claim = claim_manifest(
        a.claim,
        a.namespace,
        a.size,
        a.storage_class,
        Some(&pv_name),
        None,
    )?;
    let pvc: PersistentVolumeClaim =
        serde_json::from_value(claim).map_err(|e| Error::failed(e.to_string()))?;
    match claims.create(&PostParams::default(), &pvc).await {
        Ok(_) => Ok(true),
        // Made meanwhile (a concurrent run): left as it is.
        Err(kube::Error::Api(s)) if s.code == 409 => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// A PersistentVolume for the cloned directory, reserved for the claim, never deleting the data.
fn static_volume(
    name: &str,
    a: &PvcArgs<'_>,
    data: &EfsData,
    handle: &str,
    blue_pv: &PersistentVolume,
) -> PersistentVolume {
    let access_modes = blue_pv
        .spec
        .as_ref()
        .and_then(|s| s.access_modes.clone())
        .unwrap_or_else(|| vec!["ReadWriteMany".to_string()]);
    let pv = json!({
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/managed-by": "kubectl-kf"},
            "annotations": {"kubeflow.org/cloned-from": format!("{}:{}", data.filesystem, data.path)}},
        "spec": {
            "capacity": {"storage": a.size},
            "accessModes": access_modes,
            "persistentVolumeReclaimPolicy": "Retain",
            "storageClassName": a.storage_class,
            "claimRef": {"namespace": a.namespace, "name": a.claim},
            "csi": {"driver": EFS_DRIVER, "volumeHandle": handle}
        }
    });
    serde_json::from_value(pv).expect("a valid PersistentVolume")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        for ok in ["10Gi", "500M", "1.5Ti", "1", "100k"] {
            validate_quantity(ok).unwrap();
        }
        for bad in ["10GB", "Gi", "ten", "10 Gi", "-1Gi", ""] {
            let e = validate_quantity(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
        }
    }

    #[test]
    fn manifest_is_the_template_patched() {
        let m = claim_manifest("efsclaim", "ns1", "5Gi", "efs-sc", Some("pv1"), None).unwrap();
        assert_eq!(m["metadata"]["name"], "efsclaim");
        assert_eq!(m["metadata"]["namespace"], "ns1");
        assert_eq!(m["spec"]["resources"]["requests"]["storage"], "5Gi");
        assert_eq!(m["spec"]["volumeName"], "pv1");
        assert_eq!(m["spec"]["accessModes"][0], "ReadWriteMany");
        let m = claim_manifest(
            "c",
            "n",
            "1Gi",
            "gp2",
            None,
            Some(r#"[{"op":"add","path":"/metadata/labels/team","value":"ml"}]"#),
        )
        .unwrap();
        assert_eq!(m["metadata"]["labels"]["team"], "ml");
    }

    #[test]
    fn bad_patches_are_usage_errors() {
        let e = claim_manifest(
            "c",
            "n",
            "1Gi",
            "gp2",
            None,
            Some(r#"[{"op":"replace","path":"/spec/nope/x","value":1}]"#),
        )
        .unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let e = claim_manifest("c", "n", "1Gi", "gp2", None, Some("{not json")).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let e = claim_manifest(
            "c",
            "n",
            "1Gi",
            "gp2",
            None,
            Some(r#"[{"op":"replace","path":"/metadata/name","value":"x"}]"#),
        )
        .unwrap_err();
        assert_eq!(e.exit_code(), 2);
    }

    #[test]
    fn green_binds_through_an_access_point_when_blue_did() {
        let mut data = EfsData {
            filesystem: "fs-blue".into(),
            path: "/dynamic_provisioning/pvc-1".into(),
            access_point: None,
        };
        assert_eq!(
            green_volume_handle("fs-green", &data, None),
            "fs-green:/dynamic_provisioning/pvc-1"
        );
        data.access_point = Some(AccessPointIdentity {
            id: "fsap-blue".into(),
            posix_user: Some((1000, 100, vec![])),
            creation_info: None,
        });
        assert_eq!(
            green_volume_handle("fs-green", &data, Some("fsap-green")),
            "fs-green::fsap-green"
        );
        data.path = "/".into();
        assert_eq!(green_volume_handle("fs-green", &data, None), "fs-green");
    }

    #[test]
    fn volume_handles() {
        assert_eq!(
            parse_volume_handle("fs-1::fsap-2"),
            ("fs-1".into(), None, Some("fsap-2".into()))
        );
        assert_eq!(
            parse_volume_handle("fs-1:/data"),
            ("fs-1".into(), Some("/data".into()), None)
        );
        assert_eq!(parse_volume_handle("fs-1"), ("fs-1".into(), None, None));
    }
}
