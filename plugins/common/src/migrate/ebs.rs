//! A claim on EBS carried by snapshot: an EBS snapshot of blue's volume (tagged), a volume made
//! from it in a zone green's nodegroups use, a static PersistentVolume pinned to that zone, and
//! the claim bound to it. Each is found again from its tags on a re-run, so a run killed at any
//! point makes nothing twice.
//!
//! A snapshot is `pending` until its data is copied, and no volume can be made from a pending
//! snapshot ("IncorrectState: Snapshot is in invalid state - pending", velero-io/velero#1799);
//! a new volume is `creating` before `available` (EC2 DescribeVolumes, State).

use aws_sdk_ec2::types::{Filter, ResourceType, SnapshotState, VolumeState};
use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim};
use kube::Client;
use kube::api::{Api, PostParams};
use serde_json::json;

use super::observe::{ClaimSource, EBS_DRIVER};
use crate::ensure::{Readiness, until_ready};
use crate::error::{Error, Result};
use crate::progress::Stream;
use crate::record::{Phase, UPGRADE_TAG};
use crate::storage::pvc::{CLONED_FROM_TAG, static_volume_name};
use crate::upgrade::Session;

/// The node label a zonal volume's PV is pinned with (the well-known label every node
/// carries; aws-ebs-csi-driver `examples/kubernetes/static-provisioning`).
const ZONE_LABEL: &str = "topology.kubernetes.io/zone";

fn tag_filters(tag: &str, blue_volume: &str) -> Vec<Filter> {
    vec![
        Filter::builder()
            .name(format!("tag:{UPGRADE_TAG}"))
            .values(tag)
            .build(),
        Filter::builder()
            .name(format!("tag:{CLONED_FROM_TAG}"))
            .values(blue_volume)
            .build(),
    ]
}

/// The tags of a copy of `blue_volume` (a snapshot or a volume): the upgrade's, the step, and
/// the volume it copies, which [`tag_filters`] finds it again by.
fn copy_tags(
    ctx: &crate::upgrade::Ctx,
    blue_volume: &str,
    kind: ResourceType,
) -> aws_sdk_ec2::types::TagSpecification {
    ctx.tags()
        .step("migrate")
        .with(CLONED_FROM_TAG, blue_volume)
        .ec2(kind)
}

async fn find_or_create_snapshot(
    session: &Session,
    blue_volume: &str,
    what: &str,
) -> Result<String> {
    let ctx = &session.ctx;
    let ec2 = ctx.aws.ec2();
    let found = ec2
        .describe_snapshots()
        .owner_ids("self")
        .set_filters(Some(tag_filters(&ctx.tag, blue_volume)))
        .send()
        .await
        .map_err(|e| Error::aws("DescribeSnapshots", e))?;
    if let Some(id) = found
        .snapshots()
        .iter()
        .filter(|s| s.state() != Some(&SnapshotState::Error))
        .find_map(|s| s.snapshot_id())
    {
        return Ok(id.to_string());
    }
    let out = ec2
        .create_snapshot()
        .volume_id(blue_volume)
        .description(format!("kubectl kf migrate: {what} for {}", ctx.green))
        .tag_specifications(copy_tags(ctx, blue_volume, ResourceType::Snapshot))
        .send()
        .await
        .map_err(|e| Error::aws("CreateSnapshot", e))?;
    Ok(out.snapshot_id().unwrap_or_default().to_string())
}

async fn wait_snapshot(session: &Session, id: &str, progress: &Stream) -> Result<()> {
    let ec2 = session.ctx.aws.ec2();
    let what = format!("EBS snapshot {id}");
    let describe = || async {
        let out = ec2
            .describe_snapshots()
            .snapshot_ids(id)
            .send()
            .await
            .map_err(|e| Error::aws("DescribeSnapshots", e))?;
        Ok(out.snapshots().first().cloned())
    };
    until_ready(&session.ctx, progress, &what, describe, |s| {
        match s.state() {
            Some(SnapshotState::Completed) => Readiness::Ready,
            Some(SnapshotState::Error) => {
                Readiness::Failed(s.state_message().unwrap_or("no message").to_string())
            }
            state => Readiness::Pending(state.map(|s| s.as_str().to_string()).unwrap_or_default()),
        }
    })
    .await
    .map(|_| ())
}

async fn find_or_create_volume(
    session: &Session,
    blue_volume: &str,
    snapshot: &str,
    zone: &str,
) -> Result<String> {
    let ctx = &session.ctx;
    let ec2 = ctx.aws.ec2();
    let found = ec2
        .describe_volumes()
        .set_filters(Some(tag_filters(&ctx.tag, blue_volume)))
        .send()
        .await
        .map_err(|e| Error::aws("DescribeVolumes", e))?;
    if let Some(id) = found.volumes().iter().find_map(|v| v.volume_id()) {
        return Ok(id.to_string());
    }
    // Blue's volume's type and performance, so green's users get what they had.
    let blue = ec2
        .describe_volumes()
        .volume_ids(blue_volume)
        .send()
        .await
        .map_err(|e| Error::aws(&format!("DescribeVolumes {blue_volume}"), e))?;
    let b = blue.volumes().first();
    let kind = b.and_then(|v| v.volume_type().cloned());
    let provisioned = matches!(
        kind.as_ref().map(|t| t.as_str()),
        Some("io1" | "io2" | "gp3")
    );
    let out = ec2
        .create_volume()
        .availability_zone(zone)
        .snapshot_id(snapshot)
        .set_volume_type(kind)
        .set_iops(b.and_then(|v| v.iops()).filter(|_| provisioned))
        .set_throughput(b.and_then(|v| v.throughput()))
        .tag_specifications(copy_tags(ctx, blue_volume, ResourceType::Volume))
        .send()
        .await
        .map_err(|e| Error::aws("CreateVolume", e))?;
    Ok(out.volume_id().unwrap_or_default().to_string())
}

async fn wait_volume(session: &Session, id: &str, progress: &Stream) -> Result<()> {
    let ec2 = session.ctx.aws.ec2();
    let what = format!("EBS volume {id}");
    let describe = || async {
        let out = ec2
            .describe_volumes()
            .volume_ids(id)
            .send()
            .await
            .map_err(|e| Error::aws("DescribeVolumes", e))?;
        Ok(out.volumes().first().cloned())
    };
    until_ready(&session.ctx, progress, &what, describe, |v| {
        match v.state() {
            Some(VolumeState::Available | VolumeState::InUse) => Readiness::Ready,
            Some(VolumeState::Error) => Readiness::Failed("error".into()),
            state => Readiness::Pending(state.map(|s| s.as_str().to_string()).unwrap_or_default()),
        }
    })
    .await
    .map(|_| ())
}

/// Green's volume for the copy: blue's capacity, access modes, class and file system type,
/// the new volume's id, pinned to its zone, never deleting the data.
pub fn ebs_volume(name: &str, src: &ClaimSource, volume_id: &str, zone: &str) -> PersistentVolume {
    let spec = src.volume.spec.clone().unwrap_or_default();
    let fs_type = spec
        .csi
        .as_ref()
        .and_then(|c| c.fs_type.clone())
        .or_else(|| {
            spec.aws_elastic_block_store
                .as_ref()
                .and_then(|e| e.fs_type.clone())
        })
        .unwrap_or_else(|| "ext4".to_string());
    let claim = &src.claim.metadata;
    serde_json::from_value(json!({
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/managed-by": "kubectl-kf"}},
        "spec": {
            "capacity": spec.capacity,
            "accessModes": spec.access_modes.unwrap_or_else(|| vec!["ReadWriteOnce".into()]),
            "persistentVolumeReclaimPolicy": "Retain",
            "storageClassName": spec.storage_class_name.unwrap_or_default(),
            "volumeMode": spec.volume_mode.unwrap_or_else(|| "Filesystem".into()),
            "claimRef": {"namespace": claim.namespace, "name": claim.name},
            "csi": {"driver": EBS_DRIVER, "volumeHandle": volume_id, "fsType": fs_type},
            "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                {"key": ZONE_LABEL, "operator": "In", "values": [zone]}]}]}}
        }
    }))
    .expect("a valid PersistentVolume")
}

/// Blue's claim as green gets it: its spec, bound to `volume`.
pub fn claim_on_green(src: &ClaimSource, volume: &str) -> PersistentVolumeClaim {
    let mut spec = src.claim.spec.clone().unwrap_or_default();
    spec.volume_name = Some(volume.to_string());
    spec.selector = None;
    spec.data_source = None;
    spec.data_source_ref = None;
    PersistentVolumeClaim {
        metadata: kube::api::ObjectMeta {
            name: src.claim.metadata.name.clone(),
            namespace: src.claim.metadata.namespace.clone(),
            labels: src.claim.metadata.labels.clone(),
            ..Default::default()
        },
        spec: Some(spec),
        status: None,
    }
}

/// Carries one EBS claim; true when green's claim was created.
pub async fn carry(
    session: &Session,
    green: &Client,
    key: &str,
    src: &ClaimSource,
    blue_volume: &str,
    zone: &str,
    progress: &Stream,
) -> Result<bool> {
    let ns = src.claim.metadata.namespace.clone().unwrap_or_default();
    let name = src.claim.metadata.name.clone().unwrap_or_default();
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(green.clone(), &ns);
    if claims.get_opt(&name).await?.is_some() {
        return Ok(false);
    }
    let what = format!("{ns}/{name}");
    let snapshot = find_or_create_snapshot(session, blue_volume, &what).await?;
    session
        .ctx
        .record
        .mark(
            key,
            "EbsCopy",
            &snapshot,
            Phase::InProgress,
            Some(format!("snapshot {snapshot} of {blue_volume}")),
        )
        .await?;
    wait_snapshot(session, &snapshot, progress).await?;
    let volume = find_or_create_volume(session, blue_volume, &snapshot, zone).await?;
    wait_volume(session, &volume, progress).await?;
    let pv_name = static_volume_name(&ns, &name);
    let pvs: Api<PersistentVolume> = Api::all(green.clone());
    if pvs.get_opt(&pv_name).await?.is_none() {
        pvs.create(
            &PostParams::default(),
            &ebs_volume(&pv_name, src, &volume, zone),
        )
        .await?;
    }
    let created = match claims
        .create(&PostParams::default(), &claim_on_green(src, &pv_name))
        .await
    {
        Ok(_) => true,
        Err(kube::Error::Api(s)) if s.code == 409 => false,
        Err(e) => return Err(e.into()),
    };
    session
        .ctx
        .record
        .mark(
            key,
            "EbsCopy",
            &volume,
            Phase::Completed,
            Some(format!(
                "{volume} in {zone} from snapshot {snapshot} of {blue_volume}"
            )),
        )
        .await?;
    Ok(created)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source() -> ClaimSource {
        ClaimSource {
            claim: serde_json::from_value(json!({
                "metadata": {"name": "scratch", "namespace": "bob", "uid": "u1"},
                "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "gp2",
                         "resources": {"requests": {"storage": "20Gi"}}, "volumeName": "pvc-1"}
            }))
            .unwrap(),
            volume: serde_json::from_value(json!({
                "metadata": {"name": "pvc-1"},
                "spec": {"capacity": {"storage": "20Gi"}, "accessModes": ["ReadWriteOnce"],
                         "storageClassName": "gp2",
                         "awsElasticBlockStore": {"volumeID": "aws://us-east-1c/vol-1", "fsType": "xfs"}}
            }))
            .unwrap(),
            efs: None,
        }
    }

    #[test]
    fn greens_volume_is_pinned_to_its_zone_and_keeps_the_data() {
        let pv = serde_json::to_value(ebs_volume(
            "kf-bob-scratch",
            &source(),
            "vol-2",
            "us-east-1a",
        ))
        .unwrap();
        assert_eq!(pv["spec"]["csi"]["volumeHandle"], "vol-2");
        assert_eq!(pv["spec"]["csi"]["fsType"], "xfs");
        assert_eq!(pv["spec"]["persistentVolumeReclaimPolicy"], "Retain");
        assert_eq!(pv["spec"]["claimRef"]["name"], "scratch");
        assert_eq!(
            pv["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]["matchExpressions"][0],
            json!({"key": ZONE_LABEL, "operator": "In", "values": ["us-east-1a"]})
        );
    }

    #[test]
    fn greens_claim_is_blues_bound_to_the_copy() {
        let c = serde_json::to_value(claim_on_green(&source(), "kf-bob-scratch")).unwrap();
        assert_eq!(c["spec"]["volumeName"], "kf-bob-scratch");
        assert_eq!(c["spec"]["resources"]["requests"]["storage"], "20Gi");
        assert!(c["metadata"].get("uid").is_none());
    }
}
