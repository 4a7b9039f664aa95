//! The EFS stream: DataSync from blue's file system to green's (made by `kf storage efs`, or here
//! when missing). Each location sits in the subnet of one of its file system's mount targets, so
//! its AZ has a mount target, with that mount target's security group, which admits NFS.

use super::Ctx;
use super::datasync::{self, LocationSpec};
use crate::efs as green_efs;
use crate::eks::GreenNetwork;
use crate::error::{Error, Result};
use crate::progress::Stream;

use super::plan::{CopyMode, Step, action_of};

pub const SOURCE: &str = "efs.source";
pub const DESTINATION: &str = "efs.destination";
pub const TASK: &str = "efs.task";
pub const EXECUTION: &str = "efs.execution";

/// The names of green's file system, if the clone has to make it (`kf storage efs` does
/// normally).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Targets {
    /// Blue's file system.
    pub from: String,
    /// The Name tag and the creation token of green's.
    pub name: String,
    pub creation_token: String,
    pub security_group: String,
}

impl Targets {
    pub fn new(tag: &str, blue_fs: &str) -> Self {
        let name = green_efs::DEFAULT_NAME.to_string();
        Targets {
            from: blue_fs.to_string(),
            creation_token: crate::upgrade::fit_name("kf-", tag, &format!("-{name}"), 64),
            security_group: crate::upgrade::fit_name("kf-", tag, "-efs-nfs", 255),
            name,
        }
    }
}

const KEYS: datasync::CopyKeys = datasync::CopyKeys {
    source: SOURCE,
    destination: DESTINATION,
    task: TASK,
    execution: EXECUTION,
};

/// Executes the EFS steps of the plan: green's file system (when the plan makes it), the copy.
pub async fn apply(
    ctx: &Ctx,
    stream: &Stream,
    steps: &[Step],
    mode: CopyMode,
    green_fs: Option<&str>,
    net: &GreenNetwork,
    t: &Targets,
) -> Result<()> {
    let blue_fs = &t.from;
    let green_fs = match green_fs {
        Some(fs) if !action_of(steps, green_efs::FILESYSTEM).executes() => fs.to_string(),
        _ => {
            green_efs::ensure(ctx, stream, net, &t.name, &t.security_group)
                .await?
                .id
        }
    };
    if green_fs == *blue_fs {
        return Err(Error::refused(
            format!(
                "green's file system {green_fs} is blue's: refusing to copy a file system onto itself"
            ),
            "check --to: green's EFS is the one `kubectl kf storage efs --to GREEN` made",
        ));
    }
    datasync::planned_copy(
        ctx,
        stream,
        steps,
        mode,
        KEYS,
        location_spec(ctx, blue_fs),
        location_spec(ctx, &green_fs),
    )
    .await?;
    // What was copied where: `kf storage pvc` binds claims to the copy.
    ctx.record
        .update_clones(|c| {
            c.efs = Some(crate::record::EfsCopy {
                from: blue_fs.to_string(),
                to: green_fs.clone(),
            })
        })
        .await?;
    stream.finish(&format!("{blue_fs} copied to {green_fs}"));
    Ok(())
}

/// A DataSync EFS location for `fs`: an available mount target's subnet and security group.
async fn location_spec(ctx: &Ctx, fs: &str) -> Result<LocationSpec> {
    let efs = ctx.aws.efs();
    let described = efs
        .describe_file_systems()
        .file_system_id(fs)
        .send()
        .await
        .map_err(|e| Error::aws("DescribeFileSystems", e))?;
    let arn = described
        .file_systems()
        .first()
        .and_then(|f| f.file_system_arn())
        .map(str::to_string)
        .ok_or_else(|| Error::failed(format!("file system {fs} has no ARN")))?;
    let targets = efs
        .describe_mount_targets()
        .file_system_id(fs)
        .send()
        .await
        .map_err(|e| Error::aws("DescribeMountTargets", e))?;
    let target = targets
        .mount_targets()
        .iter()
        .find(|m| m.life_cycle_state() == &aws_sdk_efs::types::LifeCycleState::Available)
        .ok_or_else(|| {
            Error::failed(format!(
                "file system {fs} has no available mount target: DataSync needs one to reach it"
            ))
        })?;
    let groups = efs
        .describe_mount_target_security_groups()
        .mount_target_id(target.mount_target_id())
        .send()
        .await
        .map_err(|e| Error::aws("DescribeMountTargetSecurityGroups", e))?;
    let sg = groups.security_groups().first().ok_or_else(|| {
        Error::failed(format!(
            "mount target {} has no security group",
            target.mount_target_id()
        ))
    })?;
    let subnet = ctx
        .aws
        .ec2()
        .describe_subnets()
        .subnet_ids(target.subnet_id())
        .send()
        .await
        .map_err(|e| Error::aws("DescribeSubnets", e))?;
    // arn:<partition>:elasticfilesystem:<region>:<account>:file-system/<id>
    let parts: Vec<&str> = arn.split(':').collect();
    let (partition, region, account) = (
        parts.get(1).copied().unwrap_or("aws"),
        parts.get(3).copied().unwrap_or_default(),
        parts.get(4).copied().unwrap_or_default(),
    );
    let subnet_arn = subnet
        .subnets()
        .first()
        .and_then(|s| s.subnet_arn())
        .map(str::to_string)
        .unwrap_or_else(|| {
            format!(
                "arn:{partition}:ec2:{region}:{account}:subnet/{}",
                target.subnet_id()
            )
        });
    Ok(LocationSpec::Efs {
        filesystem_arn: arn.clone(),
        subnet_arn,
        security_group_arn: format!("arn:{partition}:ec2:{region}:{account}:security-group/{sg}"),
    })
}
