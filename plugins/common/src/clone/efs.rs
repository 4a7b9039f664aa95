//! The EFS stream: DataSync from blue's file system to green's (made by `kf storage efs`, or here
//! when missing). Each location sits in the subnet of one of its file system's mount targets, so
//! its AZ has a mount target, with that mount target's security group, which admits NFS.

use super::Ctx;
use super::datasync::{self, LocationSpec};
use crate::efs as green_efs;
use crate::eks::GreenNetwork;
use crate::error::{Error, Result};
use crate::progress::Stream;

pub const SOURCE: &str = "efs.source";
pub const DESTINATION: &str = "efs.destination";
pub const TASK: &str = "efs.task";
pub const EXECUTION: &str = "efs.execution";

/// The file system green uses: the one recorded by `kf storage efs`, else made now with its defaults.
pub async fn green_filesystem(ctx: &Ctx, stream: &Stream, net: &GreenNetwork) -> Result<String> {
    if let Some(r) = ctx
        .record
        .get(green_efs::FILESYSTEM)
        .await
        .filter(|r| !r.id.is_empty())
        && r.phase == crate::record::Phase::Completed
    {
        return Ok(r.id);
    }
    let sg_name = ctx.name("kf-", "-efs-nfs", 255);
    Ok(
        green_efs::ensure(ctx, stream, net, green_efs::DEFAULT_NAME, &sg_name)
            .await?
            .id,
    )
}

pub async fn run(ctx: &Ctx, stream: &Stream, blue_fs: &str, net: &GreenNetwork) -> Result<()> {
    let green_fs = green_filesystem(ctx, stream, net).await?;
    if green_fs == blue_fs {
        return Err(Error::refused(
            format!(
                "green's file system {green_fs} is blue's: refusing to copy a file system onto itself"
            ),
            "check --to: green's EFS is the one `kubectl kf storage efs --to GREEN` made",
        ));
    }
    let source =
        datasync::ensure_location(ctx, stream, SOURCE, location_spec(ctx, blue_fs).await?).await?;
    let destination = datasync::ensure_location(
        ctx,
        stream,
        DESTINATION,
        location_spec(ctx, &green_fs).await?,
    )
    .await?;
    let task = datasync::ensure_task(
        ctx,
        stream,
        TASK,
        &source,
        &destination,
        datasync::copy_options(),
    )
    .await?;
    datasync::run_execution(ctx, stream, EXECUTION, &task, ctx.resync).await?;
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
