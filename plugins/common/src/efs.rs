//! Green's EFS file system: encrypted, tagged, an NFS security group open to the VPC's CIDRs only
//! (looked up by name within green's VPC), and exactly one mount target per availability zone of
//! green's private subnets. Idempotent: the file system is found again by its creation token,
//! the group by name in the VPC, mount targets by AZ.

use aws_sdk_ec2::types::{Filter, IpPermission, IpRange, ResourceType};
use aws_sdk_efs::types::{LifeCycleState, PerformanceMode, ThroughputMode};

use crate::eks::GreenNetwork;
use crate::ensure::{Readiness, until_ready};
use crate::error::{Error, Result};
use crate::progress::Stream;
use crate::record::Phase;
use crate::upgrade::Ctx;
use crate::wait::{self, Poll};

pub const FILESYSTEM: &str = "efs.filesystem";
pub const SECURITY_GROUP: &str = "efs.security-group";
pub const MOUNT_TARGETS: &str = "efs.mount-targets";
pub const DEFAULT_NAME: &str = "efsvol";
const NFS_PORT: i32 = 2049;

#[derive(Clone, Debug)]
pub struct GreenEfs {
    pub id: String,
    pub arn: String,
    pub security_group_id: String,
}

/// The creation token that makes CreateFileSystem idempotent for this upgrade and name.
pub fn creation_token(ctx: &Ctx, name: &str) -> String {
    ctx.name("kf-", &format!("-{name}"), 64)
}

pub async fn ensure(
    ctx: &Ctx,
    stream: &Stream,
    net: &GreenNetwork,
    name: &str,
    sg_name: &str,
) -> Result<GreenEfs> {
    let sg = security_group(ctx, stream, net, sg_name).await?;
    let (id, arn) = filesystem(ctx, stream, name).await?;
    mount_targets(ctx, stream, net, &id, &sg).await?;
    Ok(GreenEfs {
        id,
        arn,
        security_group_id: sg,
    })
}

/// The CIDRs a security group lets reach tcp/2049.
pub fn nfs_open_to(g: &aws_sdk_ec2::types::SecurityGroup) -> Vec<String> {
    g.ip_permissions()
        .iter()
        .filter(|p| {
            p.ip_protocol() == Some("tcp")
                && p.from_port() == Some(NFS_PORT)
                && p.to_port() == Some(NFS_PORT)
        })
        .flat_map(|p| p.ip_ranges().iter().filter_map(|r| r.cidr_ip()))
        .map(str::to_string)
        .collect()
}

/// Every associated CIDR block of `vpc`, not only the primary: nodes and pods may live in a
/// secondary one.
pub async fn vpc_cidrs(ctx: &Ctx, vpc: &str) -> Result<Vec<String>> {
    let ec2 = ctx.aws.ec2();
    let described = ec2
        .describe_vpcs()
        .vpc_ids(vpc)
        .send()
        .await
        .map_err(|e| Error::aws("DescribeVpcs", e))?;
    let v = described
        .vpcs()
        .first()
        .ok_or_else(|| Error::failed(format!("VPC {vpc} is not described")))?;
    let mut cidrs: Vec<String> = v.cidr_block().map(str::to_string).into_iter().collect();
    for a in v.cidr_block_association_set() {
        let associated = a
            .cidr_block_state()
            .and_then(|s| s.state())
            .is_none_or(|s| *s == aws_sdk_ec2::types::VpcCidrBlockStateCode::Associated);
        if let Some(c) = a
            .cidr_block()
            .filter(|c| associated && !cidrs.iter().any(|x| x == c))
        {
            cidrs.push(c.to_string());
        }
    }
    if cidrs.is_empty() {
        return Err(Error::failed(format!("VPC {vpc} has no CIDR block")));
    }
    Ok(cidrs)
}

/// The NFS group, found by name in green's VPC or created, open on tcp/2049 to each CIDR of
/// the VPC; its id.
pub async fn security_group(
    ctx: &Ctx,
    stream: &Stream,
    net: &GreenNetwork,
    name: &str,
) -> Result<String> {
    let ec2 = ctx.aws.ec2();
    let vpc = &net.cluster.vpc_id;
    let cidrs = vpc_cidrs(ctx, vpc).await?;
    let found = ec2
        .describe_security_groups()
        .filters(Filter::builder().name("vpc-id").values(vpc).build())
        .filters(Filter::builder().name("group-name").values(name).build())
        .send()
        .await
        .map_err(|e| Error::aws("DescribeSecurityGroups", e))?;
    let (id, open): (String, Vec<String>) = match found.security_groups().first() {
        Some(g) => (g.group_id().unwrap_or_default().to_string(), nfs_open_to(g)),
        None => {
            stream.set(&format!("security group {name} in {vpc}"));
            let out = ec2
                .create_security_group()
                .group_name(name)
                .description(format!(
                    "NFS from {vpc} to the EFS of the Kubeflow upgrade to {}",
                    ctx.green
                ))
                .vpc_id(vpc)
                .tag_specifications(ctx.tags().name(name).ec2(ResourceType::SecurityGroup))
                .send()
                .await
                .map_err(|e| Error::aws("CreateSecurityGroup", e))?;
            (out.group_id().unwrap_or_default().to_string(), Vec::new())
        }
    };
    let missing: Vec<&String> = cidrs.iter().filter(|c| !open.contains(c)).collect();
    if !missing.is_empty() {
        let mut perm = IpPermission::builder()
            .ip_protocol("tcp")
            .from_port(NFS_PORT)
            .to_port(NFS_PORT);
        for c in missing {
            perm = perm.ip_ranges(
                IpRange::builder()
                    .cidr_ip(c)
                    .description("NFS from the cluster VPC")
                    .build(),
            );
        }
        ec2.authorize_security_group_ingress()
            .group_id(&id)
            .ip_permissions(perm.build())
            .send()
            .await
            .map_err(|e| Error::aws("AuthorizeSecurityGroupIngress", e))?;
    }
    ctx.record
        .mark(
            SECURITY_GROUP,
            "SecurityGroup",
            &id,
            Phase::Completed,
            Some(format!("tcp/2049 from {}", cidrs.join(", "))),
        )
        .await?;
    Ok(id)
}

/// The file system, found by creation token or created, once available: (id, ARN).
pub async fn filesystem(ctx: &Ctx, stream: &Stream, name: &str) -> Result<(String, String)> {
    let efs = ctx.aws.efs();
    let token = creation_token(ctx, name);
    let existing = efs
        .describe_file_systems()
        .creation_token(&token)
        .send()
        .await
        .map_err(|e| Error::aws("DescribeFileSystems", e))?
        .file_systems()
        .first()
        .cloned();
    let fs = match existing {
        Some(fs) => fs,
        None => {
            stream.set(&format!("creating EFS file system {name}"));
            ctx.record
                .mark(
                    FILESYSTEM,
                    "FileSystem",
                    "",
                    Phase::InProgress,
                    Some(name.to_string()),
                )
                .await?;
            let out = efs
                .create_file_system()
                .creation_token(&token)
                .encrypted(true)
                .performance_mode(PerformanceMode::GeneralPurpose)
                .throughput_mode(ThroughputMode::Bursting)
                .set_tags(Some(ctx.tags().name(name).efs()))
                .send()
                .await
                .map_err(|e| Error::aws("CreateFileSystem", e))?;
            efs.describe_file_systems()
                .file_system_id(out.file_system_id())
                .send()
                .await
                .map_err(|e| Error::aws("DescribeFileSystems", e))?
                .file_systems()
                .first()
                .cloned()
                .ok_or_else(|| Error::failed("the new file system is not described"))?
        }
    };
    let id = fs.file_system_id().to_string();
    let arn = fs.file_system_arn().unwrap_or_default().to_string();
    ctx.record
        .mark(
            FILESYSTEM,
            "FileSystem",
            &id,
            Phase::InProgress,
            Some(name.to_string()),
        )
        .await?;
    let describe = || async {
        let out = efs
            .describe_file_systems()
            .file_system_id(&id)
            .send()
            .await
            .map_err(|e| Error::aws("DescribeFileSystems", e))?;
        Ok::<_, Error>(out.file_systems().first().cloned())
    };
    let what = format!("file system {id}");
    until_ready(ctx, stream, &what, describe, |f| {
        match f.life_cycle_state() {
            LifeCycleState::Available => Readiness::Ready,
            LifeCycleState::Error => Readiness::Failed("in error".into()),
            s => Readiness::Pending(s.as_str().to_string()),
        }
    })
    .await?;
    ctx.record
        .mark(
            FILESYSTEM,
            "FileSystem",
            &id,
            Phase::Completed,
            Some(name.to_string()),
        )
        .await?;
    ctx.record
        .detail(FILESYSTEM, "arn", arn.clone().into())
        .await?;
    Ok((id, arn))
}

/// One mount target per AZ of green's private subnets, once all are available.
pub async fn mount_targets(
    ctx: &Ctx,
    stream: &Stream,
    net: &GreenNetwork,
    fs: &str,
    sg: &str,
) -> Result<()> {
    let efs = ctx.aws.efs();
    let describe = || efs.describe_mount_targets().file_system_id(fs).send();
    let existing = describe()
        .await
        .map_err(|e| Error::aws("DescribeMountTargets", e))?;
    let covered: Vec<String> = existing
        .mount_targets()
        .iter()
        .filter_map(|m| m.availability_zone_name().map(str::to_string))
        .collect();
    // One subnet per AZ: the first private subnet of each AZ (subnets come sorted by AZ, id).
    let mut seen: Vec<&str> = Vec::new();
    for s in &net.private_subnets {
        if seen.contains(&s.az.as_str()) {
            continue;
        }
        seen.push(&s.az);
        if covered.contains(&s.az) {
            continue;
        }
        stream.set(&format!("mount target in {} ({})", s.az, s.id));
        efs.create_mount_target()
            .file_system_id(fs)
            .subnet_id(&s.id)
            .security_groups(sg)
            .send()
            .await
            .map_err(|e| Error::aws("CreateMountTarget", e))?;
    }
    let ids = wait::until(
        &format!("mount targets of {fs} to be available"),
        ctx.timeout,
        stream,
        || async {
            let out = describe()
                .await
                .map_err(|e| Error::aws("DescribeMountTargets", e))?;
            let pending: Vec<String> = out
                .mount_targets()
                .iter()
                .filter(|m| m.life_cycle_state() != &LifeCycleState::Available)
                .map(|m| {
                    format!(
                        "{} {}",
                        m.availability_zone_name().unwrap_or_default(),
                        m.life_cycle_state().as_str()
                    )
                })
                .collect();
            if pending.is_empty() {
                Ok(Poll::Ready(
                    out.mount_targets()
                        .iter()
                        .map(|m| m.mount_target_id().to_string())
                        .collect::<Vec<_>>(),
                ))
            } else {
                Ok(Poll::Pending(pending.join(", ")))
            }
        },
    )
    .await?;
    ctx.record
        .mark(
            MOUNT_TARGETS,
            "MountTargets",
            &ids.join(","),
            Phase::Completed,
            Some(format!("{} AZ", seen.len())),
        )
        .await
}
