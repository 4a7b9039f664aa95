//! `kf storage efs` as observe, plan, apply: [`observe`] reads green's EFS pieces as they are
//! into [`Observed`], [`plan`] (pure) decides each step from it and the names in [`Targets`],
//! and the run executes exactly the steps that are not `done`. `--dry-run` and `-o json` print
//! the same steps.

use serde_json::Value;

use super::efs::{
    ADDON_NAME, CSI_ADDON, CSI_NAMESPACE, CSI_POLICY, CSI_ROLE, CSI_SERVICE_ACCOUNT, STORAGE_CLASS,
};
use crate::clone::plan::{Action, Step};
use crate::efs::{FILESYSTEM, MOUNT_TARGETS, SECURITY_GROUP};
use crate::eks::GreenNetwork;
use crate::error::{Error, Result};
use crate::upgrade::Ctx;

const LAYER: &str = "efs";

/// Every name the steps use, computed once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Targets {
    pub name: String,
    pub creation_token: String,
    pub group_name: String,
    pub role_name: String,
    pub cluster: String,
    pub vpc: String,
    /// The AZs of green's private subnets: one mount target each.
    pub zones: Vec<String>,
    pub green: String,
    pub uid: u32,
    pub gid: u32,
}

impl Targets {
    pub fn new(
        ctx: &Ctx,
        net: &GreenNetwork,
        name: &str,
        group: Option<&str>,
        uid: u32,
        gid: u32,
    ) -> Self {
        Targets {
            name: name.to_string(),
            creation_token: crate::efs::creation_token(ctx, name),
            group_name: group
                .map(str::to_string)
                .unwrap_or_else(|| ctx.name("kf-", "-efs-nfs", 255)),
            role_name: ctx.name("kf-", "-efs-csi-driver", 64),
            cluster: net.cluster.name.clone(),
            vpc: net.cluster.vpc_id.clone(),
            zones: crate::eks::zones(&net.private_subnets)
                .into_iter()
                .map(str::to_string)
                .collect(),
            green: ctx.green.clone(),
            uid,
            gid,
        }
    }
}

/// The storage class as green has it, against the one the suite wants.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ClassSeen {
    #[default]
    Absent,
    /// Provisioner, parameters and reclaim policy as wanted.
    Same,
    /// Changed (another file system, provisioner or parameters).
    Differs,
}

/// Green's EFS pieces as they are.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Observed {
    /// Every associated CIDR block of green's VPC.
    pub vpc_cidrs: Vec<String>,
    /// The NFS group (id) and the CIDRs it opens tcp/2049 to.
    pub group: Option<(String, Vec<String>)>,
    /// The file system (id, life cycle state).
    pub filesystem: Option<(String, String)>,
    /// Its mount targets: (AZ, life cycle state).
    pub mount_targets: Vec<(String, String)>,
    /// The CSI driver's role exists; `true` when its trust and policy are as wanted.
    pub role: Option<bool>,
    /// The add-on: (status, whether it runs with the suite's role).
    pub addon: Option<(String, bool)>,
    pub class: ClassSeen,
}

/// Reads everything the plan decides on; changes nothing.
pub async fn observe(
    ctx: &Ctx,
    net: &GreenNetwork,
    t: &Targets,
    client: &kube::Client,
) -> Result<Observed> {
    use aws_sdk_ec2::types::Filter;
    let ec2 = ctx.aws.ec2();
    let mut o = Observed {
        vpc_cidrs: crate::efs::vpc_cidrs(ctx, &t.vpc).await?,
        ..Default::default()
    };
    let groups = ec2
        .describe_security_groups()
        .filters(Filter::builder().name("vpc-id").values(&t.vpc).build())
        .filters(
            Filter::builder()
                .name("group-name")
                .values(&t.group_name)
                .build(),
        )
        .send()
        .await
        .map_err(|e| Error::aws("DescribeSecurityGroups", e))?;
    o.group = groups.security_groups().first().map(|g| {
        (
            g.group_id().unwrap_or_default().to_string(),
            crate::efs::nfs_open_to(g),
        )
    });

    let efs = ctx.aws.efs();
    let fs = efs
        .describe_file_systems()
        .creation_token(&t.creation_token)
        .send()
        .await
        .map_err(|e| Error::aws("DescribeFileSystems", e))?
        .file_systems()
        .first()
        .map(|f| {
            (
                f.file_system_id().to_string(),
                f.life_cycle_state().as_str().to_string(),
            )
        });
    if let Some((id, _)) = &fs {
        let targets = efs
            .describe_mount_targets()
            .file_system_id(id)
            .send()
            .await
            .map_err(|e| Error::aws("DescribeMountTargets", e))?;
        o.mount_targets = targets
            .mount_targets()
            .iter()
            .map(|m| {
                (
                    m.availability_zone_name().unwrap_or_default().to_string(),
                    m.life_cycle_state().as_str().to_string(),
                )
            })
            .collect();
    }
    o.filesystem = fs;

    let issuer = net.cluster.oidc_issuer.clone().unwrap_or_default();
    let provider = crate::irsa::find_oidc_provider(&ctx.aws, &issuer).await?;
    let iam = ctx.aws.iam();
    let role_arn = match iam.get_role().role_name(&t.role_name).send().await {
        Ok(out) => out.role().map(|r| {
            let trust: Option<Value> = r
                .assume_role_policy_document()
                .map(crate::irsa::percent_decode)
                .and_then(|d| serde_json::from_str(&d).ok());
            (r.arn().to_string(), trust)
        }),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_no_such_entity_exception()) =>
        {
            None
        }
        Err(e) => return Err(Error::aws("GetRole", e)),
    };
    if let Some((_, trust)) = &role_arn {
        let policy: Option<Value> = iam
            .get_role_policy()
            .role_name(&t.role_name)
            .policy_name("efs-csi-driver")
            .send()
            .await
            .ok()
            .map(|p| crate::irsa::percent_decode(p.policy_document()))
            .and_then(|d| serde_json::from_str(&d).ok());
        let want_trust = provider.as_ref().map(|p| {
            serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [crate::irsa::trust_statement(
                    p, &issuer, CSI_NAMESPACE, CSI_SERVICE_ACCOUNT
                )]
            })
        });
        let want_policy: Option<Value> = serde_json::from_str(CSI_POLICY).ok();
        o.role = Some(want_trust.is_some() && *trust == want_trust && policy == want_policy);
    }

    match ctx
        .aws
        .eks()
        .describe_addon()
        .cluster_name(&t.cluster)
        .addon_name(ADDON_NAME)
        .send()
        .await
    {
        Ok(out) => {
            o.addon = out.addon().map(|a| {
                let status = a.status().map(|s| s.as_str()).unwrap_or_default();
                let ours =
                    a.service_account_role_arn() == role_arn.as_ref().map(|(arn, _)| arn.as_str());
                (status.to_string(), ours)
            })
        }
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) => {}
        Err(e) => return Err(Error::aws("DescribeAddon", e)),
    }

    let api: kube::Api<k8s_openapi::api::storage::v1::StorageClass> =
        kube::Api::all(client.clone());
    o.class = match (
        api.get_opt(crate::install_config::EFS_CLASS).await?,
        &o.filesystem,
    ) {
        (None, _) => ClassSeen::Absent,
        (Some(have), Some((fs, _))) => {
            let want = super::efs::storage_class(fs, t.uid, t.gid);
            if super::efs::same_class(&have, &want) {
                ClassSeen::Same
            } else {
                ClassSeen::Differs
            }
        }
        (Some(_), None) => ClassSeen::Differs,
    };
    Ok(o)
}

fn step(key: &str, kind: &'static str, name: &str, action: Action, reason: String) -> Step {
    Step {
        layer: LAYER,
        key: key.to_string(),
        kind,
        name: name.to_string(),
        action,
        reason,
    }
}

/// The steps, in the order the run takes them. Pure.
pub fn plan(o: &Observed, t: &Targets) -> Vec<Step> {
    let mut steps = Vec::new();

    let missing: Vec<&String> = match &o.group {
        Some((_, open)) => o.vpc_cidrs.iter().filter(|c| !open.contains(c)).collect(),
        None => o.vpc_cidrs.iter().collect(),
    };
    let cidrs = o.vpc_cidrs.join(", ");
    steps.push(match (&o.group, missing.is_empty()) {
        (None, _) => step(
            SECURITY_GROUP,
            "SecurityGroup",
            &t.group_name,
            Action::Create,
            format!("in {}: tcp/2049 from the VPC's CIDRs only ({cidrs})", t.vpc),
        ),
        (Some(_), false) => step(
            SECURITY_GROUP,
            "SecurityGroup",
            &t.group_name,
            Action::Ensure,
            format!(
                "open tcp/2049 also from {}",
                missing
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        (Some((id, _)), true) => step(
            SECURITY_GROUP,
            "SecurityGroup",
            &t.group_name,
            Action::Done,
            format!("{id}: tcp/2049 from {cidrs}"),
        ),
    });

    steps.push(match &o.filesystem {
        None => step(
            FILESYSTEM,
            "FileSystem",
            &t.name,
            Action::Create,
            format!("encrypted, creation token {}", t.creation_token),
        ),
        Some((id, state)) if state == "available" => step(
            FILESYSTEM,
            "FileSystem",
            &t.name,
            Action::Done,
            format!("{id} available"),
        ),
        Some((id, state)) => step(
            FILESYSTEM,
            "FileSystem",
            &t.name,
            Action::Resume,
            format!("{id} is {state}: waited for"),
        ),
    });

    let covered: Vec<&str> = o.mount_targets.iter().map(|(az, _)| az.as_str()).collect();
    let uncovered: Vec<&str> = t
        .zones
        .iter()
        .map(String::as_str)
        .filter(|z| !covered.contains(z))
        .collect();
    let pending: Vec<String> = o
        .mount_targets
        .iter()
        .filter(|(_, s)| s != "available")
        .map(|(az, s)| format!("{az} {s}"))
        .collect();
    steps.push(if o.filesystem.is_none() {
        step(
            MOUNT_TARGETS,
            "MountTargets",
            &t.name,
            Action::Create,
            format!("one per AZ: {}", t.zones.join(", ")),
        )
    } else if !uncovered.is_empty() {
        step(
            MOUNT_TARGETS,
            "MountTargets",
            &t.name,
            Action::Ensure,
            format!("add one in {}", uncovered.join(", ")),
        )
    } else if !pending.is_empty() {
        step(
            MOUNT_TARGETS,
            "MountTargets",
            &t.name,
            Action::Resume,
            format!("waited for: {}", pending.join(", ")),
        )
    } else {
        step(
            MOUNT_TARGETS,
            "MountTargets",
            &t.name,
            Action::Done,
            format!("one per AZ: {}", t.zones.join(", ")),
        )
    });

    let trust = format!(
        "trusted by {}'s OIDC provider for {CSI_NAMESPACE}/{CSI_SERVICE_ACCOUNT}",
        t.cluster
    );
    steps.push(match o.role {
        None => step(CSI_ROLE, "IAMRole", &t.role_name, Action::Create, trust),
        Some(false) => step(
            CSI_ROLE,
            "IAMRole",
            &t.role_name,
            Action::Ensure,
            format!("{trust}: its trust or policy is rewritten"),
        ),
        Some(true) => step(CSI_ROLE, "IAMRole", &t.role_name, Action::Done, trust),
    });

    let role_changes = o.role != Some(true);
    steps.push(match &o.addon {
        None => step(
            CSI_ADDON,
            "EKSAddon",
            ADDON_NAME,
            Action::Create,
            format!("on {}, with the role above", t.cluster),
        ),
        Some((status, ours)) if status == "ACTIVE" && *ours && !role_changes => step(
            CSI_ADDON,
            "EKSAddon",
            ADDON_NAME,
            Action::Done,
            format!("ACTIVE on {}", t.cluster),
        ),
        Some((status, false)) => step(
            CSI_ADDON,
            "EKSAddon",
            ADDON_NAME,
            Action::Ensure,
            format!("{status}: pointed at the role above, then waited for"),
        ),
        Some((status, true)) => step(
            CSI_ADDON,
            "EKSAddon",
            ADDON_NAME,
            Action::Resume,
            format!("{status}: waited for until ACTIVE"),
        ),
    });

    let class = format!(
        "efs.csi.aws.com, efs-ap, uid {}, gid {} on {}",
        t.uid, t.gid, t.green
    );
    steps.push(match o.class {
        ClassSeen::Absent => step(
            STORAGE_CLASS,
            "StorageClass",
            crate::install_config::EFS_CLASS,
            Action::Create,
            class,
        ),
        ClassSeen::Same => step(
            STORAGE_CLASS,
            "StorageClass",
            crate::install_config::EFS_CLASS,
            Action::Done,
            class,
        ),
        ClassSeen::Differs => step(
            STORAGE_CLASS,
            "StorageClass",
            crate::install_config::EFS_CLASS,
            Action::Replace,
            format!(
                "{class}: it was changed, so it is re-created keeping its default-class \
                 annotation, mount options and binding mode"
            ),
        ),
    });
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clone::plan::action_of;

    fn targets() -> Targets {
        Targets {
            name: "efsvol".into(),
            creation_token: "kf-green-efsvol".into(),
            group_name: "kf-green-efs-nfs".into(),
            role_name: "kf-green-efs-csi-driver".into(),
            cluster: "green".into(),
            vpc: "vpc-1".into(),
            zones: vec!["us-east-1a".into(), "us-east-1b".into()],
            green: "green".into(),
            uid: 1000,
            gid: 100,
        }
    }

    fn complete() -> Observed {
        Observed {
            vpc_cidrs: vec!["10.0.0.0/16".into(), "100.64.0.0/16".into()],
            group: Some((
                "sg-1".into(),
                vec!["10.0.0.0/16".into(), "100.64.0.0/16".into()],
            )),
            filesystem: Some(("fs-1".into(), "available".into())),
            mount_targets: vec![
                ("us-east-1a".into(), "available".into()),
                ("us-east-1b".into(), "available".into()),
            ],
            role: Some(true),
            addon: Some(("ACTIVE".into(), true)),
            class: ClassSeen::Same,
        }
    }

    #[test]
    fn nothing_exists_so_everything_is_created() {
        let o = Observed {
            vpc_cidrs: vec!["10.0.0.0/16".into()],
            ..Default::default()
        };
        let steps = plan(&o, &targets());
        assert!(
            steps.iter().all(|s| s.action == Action::Create),
            "{steps:?}"
        );
        assert_eq!(
            steps.iter().map(|s| s.key.as_str()).collect::<Vec<_>>(),
            [
                SECURITY_GROUP,
                FILESYSTEM,
                MOUNT_TARGETS,
                CSI_ROLE,
                CSI_ADDON,
                STORAGE_CLASS
            ]
        );
        assert!(steps[2].reason.contains("us-east-1a, us-east-1b"));
    }

    #[test]
    fn a_complete_green_is_all_done() {
        let steps = plan(&complete(), &targets());
        assert!(steps.iter().all(|s| s.action == Action::Done), "{steps:?}");
        assert!(steps.iter().all(|s| !s.action.executes()));
    }

    #[test]
    fn each_gap_is_planned_alone() {
        let t = targets();
        let mut o = complete();
        o.group = Some(("sg-1".into(), vec!["10.0.0.0/16".into()]));
        let steps = plan(&o, &t);
        assert_eq!(action_of(&steps, SECURITY_GROUP), Action::Ensure);
        assert!(
            steps[0].reason.contains("100.64.0.0/16"),
            "{}",
            steps[0].reason
        );
        assert_eq!(steps.iter().filter(|s| s.action.executes()).count(), 1);

        let mut o = complete();
        o.mount_targets.pop();
        let steps = plan(&o, &t);
        assert_eq!(action_of(&steps, MOUNT_TARGETS), Action::Ensure);
        assert!(steps[2].reason.contains("us-east-1b"));

        let mut o = complete();
        o.class = ClassSeen::Differs;
        assert_eq!(action_of(&plan(&o, &t), STORAGE_CLASS), Action::Replace);

        let mut o = complete();
        o.addon = Some(("DEGRADED".into(), true));
        assert_eq!(action_of(&plan(&o, &t), CSI_ADDON), Action::Resume);
    }

    #[test]
    fn a_stale_role_also_points_the_add_on_at_it_again() {
        let mut o = complete();
        o.role = Some(false);
        let steps = plan(&o, &targets());
        assert_eq!(action_of(&steps, CSI_ROLE), Action::Ensure);
        assert!(action_of(&steps, CSI_ADDON).executes());
        let mut o = complete();
        o.addon = Some(("ACTIVE".into(), false));
        assert_eq!(action_of(&plan(&o, &targets()), CSI_ADDON), Action::Ensure);
    }
}
