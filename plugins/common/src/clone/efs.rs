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
const NFS_PORT: i32 = 2049;

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
    replace_stale_locations(ctx, stream, mode, blue_fs, &green_fs).await?;
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

/// Replaces a recorded location whose security group is not the one DataSync needs now (the
/// mount target's rules changed since, or an earlier version took the mount target's own group,
/// which may not admit it): a location's `Ec2Config` cannot be changed, and every execution
/// would fail to mount again. The task using it is replaced with it; an execution under way is
/// left alone.
async fn replace_stale_locations(
    ctx: &Ctx,
    stream: &Stream,
    mode: CopyMode,
    blue_fs: &str,
    green_fs: &str,
) -> Result<()> {
    let ds = ctx.aws.datasync();
    let recorded = |k: &'static str| async move {
        ctx.record
            .get(k)
            .await
            .filter(|r| !r.id.is_empty())
            .map(|r| r.id)
    };
    let task = recorded(TASK).await;
    if let Some(t) = &task
        && datasync::running_execution(ctx, t)
            .await
            .unwrap_or(None)
            .is_some()
    {
        return Ok(());
    }
    let mut replaced = false;
    for (key, fs) in [(SOURCE, blue_fs), (DESTINATION, green_fs)] {
        let Some(arn) = recorded(key).await else {
            continue;
        };
        let Ok(current) = ds.describe_location_efs().location_arn(&arn).send().await else {
            continue;
        };
        let spec = location_spec(ctx, fs).await?;
        let LocationSpec::Efs {
            security_group_arn, ..
        } = &spec
        else {
            continue;
        };
        let fits = current
            .ec2_config()
            .is_some_and(|c| c.security_group_arns().contains(security_group_arn));
        if fits {
            continue;
        }
        stream.set(&format!(
            "replacing DataSync location {key}: its security group cannot reach {fs}'s mount target"
        ));
        if let Some(t) = &task
            && !replaced
            && ds.describe_task().task_arn(t).send().await.is_ok()
        {
            ds.delete_task()
                .task_arn(t)
                .send()
                .await
                .map_err(|e| Error::aws("DeleteTask", e))?;
        }
        ds.delete_location()
            .location_arn(&arn)
            .send()
            .await
            .map_err(|e| Error::aws("DeleteLocation", e))?;
        datasync::ensure_location(ctx, stream, key, spec).await?;
        replaced = true;
    }
    if replaced
        && let (Some(src), Some(dst)) = (recorded(SOURCE).await, recorded(DESTINATION).await)
    {
        datasync::ensure_task(ctx, stream, TASK, &src, &dst, datasync::copy_options(mode)).await?;
    }
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
    if groups.security_groups().is_empty() {
        return Err(Error::failed(format!(
            "mount target {} has no security group",
            target.mount_target_id()
        )));
    }
    let subnet = ctx
        .aws
        .ec2()
        .describe_subnets()
        .subnet_ids(target.subnet_id())
        .send()
        .await
        .map_err(|e| Error::aws("DescribeSubnets", e))?;
    let subnet_cidr = subnet
        .subnets()
        .first()
        .and_then(|s| s.cidr_block())
        .unwrap_or_default()
        .to_string();
    let mount_groups = group_rules(ctx, groups.security_groups()).await?;
    let sources = group_rules(ctx, &referenced_groups(&mount_groups)).await?;
    let target_ip = target.ip_address().unwrap_or_default();
    let sg = datasync_group(&mount_groups, &sources, &subnet_cidr, target_ip).ok_or_else(|| {
        Error::refused(
            format!(
                "DataSync cannot reach {fs}'s mount target {} ({target_ip}) on NFS port 2049: its \
                 security groups {} admit NFS neither from the subnet {} ({subnet_cidr}) nor from a \
                 security group that may send NFS to it; nothing was copied",
                target.mount_target_id(),
                groups.security_groups().join(", "),
                target.subnet_id(),
            ),
            format!(
                "allow TCP 2049 into {} from {subnet_cidr} or from a security group whose \
                 outbound rules allow NFS to it (e.g. the nodes' group), then run it again",
                groups.security_groups().join(", ")
            ),
        )
    })?;
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

/// The rules of security groups as far as NFS is concerned.
async fn group_rules(ctx: &Ctx, ids: &[String]) -> Result<Vec<GroupRules>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let out = ctx
        .aws
        .ec2()
        .describe_security_groups()
        .set_group_ids(Some(ids.to_vec()))
        .send()
        .await
        .map_err(|e| Error::aws("DescribeSecurityGroups", e))?;
    let nfs = |perms: &[aws_sdk_ec2::types::IpPermission]| -> Vec<NfsRule> {
        perms
            .iter()
            .filter(|p| admits_nfs(p.ip_protocol(), p.from_port(), p.to_port()))
            .map(|p| NfsRule {
                cidrs: p
                    .ip_ranges()
                    .iter()
                    .filter_map(|r| r.cidr_ip().map(str::to_string))
                    .collect(),
                groups: p
                    .user_id_group_pairs()
                    .iter()
                    .filter_map(|g| g.group_id().map(str::to_string))
                    .collect(),
            })
            .collect()
    };
    // In the order asked (the mount target's first group first).
    let mut found: Vec<GroupRules> = out
        .security_groups()
        .iter()
        .map(|g| GroupRules {
            id: g.group_id().unwrap_or_default().to_string(),
            ingress: nfs(g.ip_permissions()),
            egress: nfs(g.ip_permissions_egress()),
        })
        .collect();
    found.sort_by_key(|g| ids.iter().position(|i| *i == g.id));
    Ok(found)
}

/// Whether a rule's protocol and ports cover TCP 2049 (protocol "-1" is every protocol).
fn admits_nfs(protocol: Option<&str>, from: Option<i32>, to: Option<i32>) -> bool {
    match protocol {
        Some("-1") => true,
        Some("tcp" | "6") => from.is_none_or(|f| f <= NFS_PORT) && to.is_none_or(|t| t >= NFS_PORT),
        _ => false,
    }
}

/// One security group rule admitting TCP 2049: from/to these CIDRs and groups.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NfsRule {
    pub cidrs: Vec<String>,
    pub groups: Vec<String>,
}

/// A security group's rules admitting NFS, inbound and outbound.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupRules {
    pub id: String,
    pub ingress: Vec<NfsRule>,
    pub egress: Vec<NfsRule>,
}

/// The groups the mount target's groups admit NFS from (other than themselves).
pub fn referenced_groups(mount_groups: &[GroupRules]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for g in mount_groups
        .iter()
        .flat_map(|m| &m.ingress)
        .flat_map(|r| &r.groups)
    {
        if !mount_groups.iter().any(|m| m.id == *g) && !out.contains(g) {
            out.push(g.clone());
        }
    }
    out
}

/// The security group for DataSync's network interfaces in `subnet_cidr` to reach a mount
/// target at `target_ip` on NFS 2049: the group D "must have a rule that allows outbound
/// connections on NFS port 2049" to the mount target's group M, and M must admit NFS from D
/// (DataSync User Guide, create-efs-location, security groups); a CIDR rule counts when it covers
/// the subnet where DataSync puts its interfaces (or the target's address, outbound). A mount
/// target group that admits NFS from the subnet (or from itself) is used first, as AWS
/// recommends; otherwise a group the mount target admits NFS from, such as the nodes' group
/// (`sources`), is reused, so nothing of blue's is changed. None: no group can.
pub fn datasync_group(
    mount_groups: &[GroupRules],
    sources: &[GroupRules],
    subnet_cidr: &str,
    target_ip: &str,
) -> Option<String> {
    let target = format!("{target_ip}/32");
    let sends_to = |d: &GroupRules, m: &GroupRules| {
        d.egress
            .iter()
            .any(|r| r.groups.contains(&m.id) || r.cidrs.iter().any(|c| cidr_covers(c, &target)))
    };
    let admits = |m: &GroupRules, d: &GroupRules| {
        m.ingress.iter().any(|r| {
            r.groups.contains(&d.id) || r.cidrs.iter().any(|c| cidr_covers(c, subnet_cidr))
        })
    };
    mount_groups
        .iter()
        .chain(sources)
        .find(|d| mount_groups.iter().any(|m| sends_to(d, m) && admits(m, d)))
        .map(|d| d.id.clone())
}

/// Whether the IPv4 block `outer` holds all of `inner` (both "a.b.c.d/n").
fn cidr_covers(outer: &str, inner: &str) -> bool {
    fn parse(c: &str) -> Option<(u32, u32)> {
        let (ip, len) = c.split_once('/')?;
        let ip: std::net::Ipv4Addr = ip.parse().ok()?;
        let len: u32 = len.parse().ok().filter(|l| *l <= 32)?;
        Some((u32::from(ip), len))
    }
    let (Some((o, ol)), Some((i, il))) = (parse(outer), parse(inner)) else {
        return false;
    };
    let mask = if ol == 0 { 0 } else { u32::MAX << (32 - ol) };
    ol <= il && (o & mask) == (i & mask)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(cidrs: &[&str], groups: &[&str]) -> NfsRule {
        NfsRule {
            cidrs: cidrs.iter().map(|s| s.to_string()).collect(),
            groups: groups.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn group(id: &str, ingress: Vec<NfsRule>, egress: Vec<NfsRule>) -> GroupRules {
        GroupRules {
            id: id.into(),
            ingress,
            egress,
        }
    }

    const ANYWHERE: &str = "0.0.0.0/0";

    #[test]
    fn a_mount_target_group_admitting_the_subnet_is_used_itself() {
        let m = group(
            "sg-mt",
            vec![rule(&["10.0.0.0/16"], &[])],
            vec![rule(&[ANYWHERE], &[])],
        );
        assert_eq!(
            datasync_group(&[m], &[], "10.0.1.0/24", "10.0.1.5").as_deref(),
            Some("sg-mt")
        );
        // A self-referencing group (terraform-aws-modules' EFS group) works the same.
        let m = group(
            "sg-mt",
            vec![rule(&[], &["sg-mt"])],
            vec![rule(&[], &["sg-mt"])],
        );
        assert_eq!(
            datasync_group(&[m], &[], "10.0.1.0/24", "10.0.1.5").as_deref(),
            Some("sg-mt")
        );
    }

    #[test]
    fn nfs_only_from_the_nodes_group_reuses_the_nodes_group() {
        let m = group(
            "sg-mt",
            vec![rule(&[], &["sg-nodes"])],
            vec![rule(&[ANYWHERE], &[])],
        );
        let nodes = group("sg-nodes", vec![], vec![rule(&[ANYWHERE], &[])]);
        assert_eq!(
            referenced_groups(std::slice::from_ref(&m)),
            vec!["sg-nodes".to_string()]
        );
        assert_eq!(
            datasync_group(
                std::slice::from_ref(&m),
                &[nodes],
                "10.0.1.0/24",
                "10.0.1.5"
            )
            .as_deref(),
            Some("sg-nodes")
        );
        // A source group that may not send NFS out is no use; nor a CIDR not covering the subnet.
        let closed = group("sg-nodes", vec![], vec![rule(&["192.168.0.0/16"], &[])]);
        assert_eq!(
            datasync_group(&[m], &[closed], "10.0.1.0/24", "10.0.1.5"),
            None
        );
        let narrow = group(
            "sg-mt",
            vec![rule(&["10.0.2.0/24"], &[])],
            vec![rule(&[ANYWHERE], &[])],
        );
        assert_eq!(
            datasync_group(&[narrow], &[], "10.0.1.0/24", "10.0.1.5"),
            None
        );
    }

    #[test]
    fn cidrs_cover_only_what_they_hold() {
        assert!(cidr_covers("10.0.0.0/16", "10.0.1.0/24"));
        assert!(cidr_covers(ANYWHERE, "10.0.1.5/32"));
        assert!(!cidr_covers("10.0.1.0/24", "10.0.0.0/16"));
        assert!(!cidr_covers("10.1.0.0/16", "10.0.1.0/24"));
        assert!(!cidr_covers("::/0", "10.0.1.0/24"));
        assert!(admits_nfs(Some("-1"), None, None));
        assert!(admits_nfs(Some("tcp"), Some(2049), Some(2049)));
        assert!(admits_nfs(Some("tcp"), Some(0), Some(65535)));
        assert!(!admits_nfs(Some("tcp"), Some(443), Some(443)));
        assert!(!admits_nfs(Some("udp"), Some(2049), Some(2049)));
    }
}
