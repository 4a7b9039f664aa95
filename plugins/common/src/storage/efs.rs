//! The EFS side of green's storage in Kubernetes: the EFS CSI driver (EKS add-on with an IRSA
//! role) and the StorageClass `efs-sc` on green's file system (which [`crate::efs`] provisions).

use crate::efs::creation_token;
use crate::eks::GreenNetwork;
use crate::error::{Error, Result};
use crate::progress::Stream;
use crate::record::Phase;
use crate::upgrade::Ctx;

pub const CSI_ROLE: &str = "efs.csi-driver-role";
pub const CSI_ADDON: &str = "efs.csi-driver";
pub const STORAGE_CLASS: &str = "efs.storage-class";
pub const ADDON_NAME: &str = "aws-efs-csi-driver";
pub const CSI_NAMESPACE: &str = "kube-system";
/// The add-on gives its role to the controller (`efs-csi-controller-sa`) and to the node
/// (`efs-csi-node-sa`, which mounts with it): the role trusts both, as the EKS user guide's
/// trust policy does (https://docs.aws.amazon.com/eks/latest/userguide/efs-csi.html).
pub const CSI_SERVICE_ACCOUNT: &str = "efs-csi-*";
/// The EFS CSI driver's IAM policy, embedded (never downloaded at run time).
pub const CSI_POLICY: &str = include_str!("efs-csi-driver-policy.json");

/// Refuses a file system named `name` that lives in another VPC (exit 2): the upstream script
/// would have used it, and green's pods could never mount it.
pub async fn refuse_foreign_name(ctx: &Ctx, net: &GreenNetwork, name: &str) -> Result<()> {
    let efs = ctx.aws.efs();
    let token = creation_token(ctx, name);
    let all = crate::aws::all(
        "DescribeFileSystems",
        efs.describe_file_systems().into_paginator().items().send(),
    )
    .await?;
    {
        for fs in &all {
            let named = fs
                .tags()
                .iter()
                .any(|t| t.key() == "Name" && t.value() == name);
            if !named || fs.creation_token() == token {
                continue;
            }
            let targets = efs
                .describe_mount_targets()
                .file_system_id(fs.file_system_id())
                .send()
                .await
                .map_err(|e| Error::aws("DescribeMountTargets", e))?;
            let other_vpc = targets
                .mount_targets()
                .iter()
                .find_map(|m| m.vpc_id().filter(|v| *v != net.cluster.vpc_id));
            if let Some(vpc) = other_vpc {
                return Err(Error::usage(
                    format!(
                        "an EFS file system named {name} ({}) already exists in another VPC ({vpc}, green's is {})",
                        fs.file_system_id(),
                        net.cluster.vpc_id
                    ),
                    "pass --name with another name",
                ));
            }
        }
    }
    Ok(())
}

/// The EFS CSI driver as the EKS add-on, with an IRSA role trusted by green's OIDC provider for
/// `kube-system/efs-csi-*` (controller and node).
pub async fn csi_driver(ctx: &Ctx, stream: &Stream, net: &GreenNetwork) -> Result<()> {
    let role = csi_role(ctx, stream, net).await?;
    csi_addon(ctx, stream, net, &role).await
}

/// The driver's IRSA role (green's OIDC provider created first when missing); its ARN.
pub async fn csi_role(ctx: &Ctx, stream: &Stream, net: &GreenNetwork) -> Result<String> {
    let issuer = net.cluster.oidc_issuer.clone().ok_or_else(|| {
        Error::failed(format!(
            "EKS cluster {} has no OIDC issuer",
            net.cluster.name
        ))
    })?;
    stream.set("IAM role for the EFS CSI driver");
    let provider = crate::irsa::ensure_oidc_provider(&ctx.aws, &issuer, &ctx.tag).await?;
    let role_name = ctx.name("kf-", "-efs-csi-driver", 64);
    let role = crate::irsa::ensure_role(
        &ctx.aws,
        &crate::irsa::IrsaRole {
            name: &role_name,
            provider_arn: &provider,
            issuer: &issuer,
            namespace: CSI_NAMESPACE,
            service_account: CSI_SERVICE_ACCOUNT,
            policy_name: "efs-csi-driver",
            policy: CSI_POLICY,
            tag: &ctx.tag,
        },
    )
    .await?;
    ctx.record
        .mark(CSI_ROLE, "IAMRole", &role, Phase::Completed, None)
        .await?;
    Ok(role)
}

/// The add-on `aws-efs-csi-driver` on green with `role`, once ACTIVE (DEGRADED is waited on).
pub async fn csi_addon(ctx: &Ctx, stream: &Stream, net: &GreenNetwork, role: &str) -> Result<()> {
    let role = role.to_string();
    let version = crate::eks::ensure_addon(
        &ctx.aws,
        &crate::eks::AddonSpec {
            cluster: &net.cluster.name,
            name: ADDON_NAME,
            role: Some(&role),
            configuration_values: None,
            pod_identities: &[],
            tag: &ctx.tag,
        },
        ctx.timeout,
        stream,
    )
    .await?;
    ctx.record
        .mark(
            CSI_ADDON,
            "EKSAddon",
            ADDON_NAME,
            Phase::Completed,
            Some(version),
        )
        .await
}

/// The `efs-sc` StorageClass green's claims use.
pub fn storage_class(fs: &str, uid: u32, gid: u32) -> k8s_openapi::api::storage::v1::StorageClass {
    use std::collections::BTreeMap;
    k8s_openapi::api::storage::v1::StorageClass {
        metadata: kube::api::ObjectMeta {
            name: Some(crate::install_config::EFS_CLASS.to_string()),
            labels: Some(BTreeMap::from([(
                crate::record::LABEL_MANAGED_BY.to_string(),
                crate::record::MANAGED_BY.to_string(),
            )])),
            ..Default::default()
        },
        provisioner: "efs.csi.aws.com".to_string(),
        parameters: Some(BTreeMap::from([
            ("provisioningMode".to_string(), "efs-ap".to_string()),
            ("fileSystemId".to_string(), fs.to_string()),
            ("directoryPerms".to_string(), "700".to_string()),
            ("uid".to_string(), uid.to_string()),
            ("gid".to_string(), gid.to_string()),
        ])),
        reclaim_policy: Some("Delete".to_string()),
        ..Default::default()
    }
}

/// What a re-created `efs-sc` keeps of the one it replaces: whether it is the default class,
/// its mount options, binding mode and volume expansion (the user's choices, not the suite's).
pub fn keep_user_settings(
    want: &k8s_openapi::api::storage::v1::StorageClass,
    have: &k8s_openapi::api::storage::v1::StorageClass,
) -> k8s_openapi::api::storage::v1::StorageClass {
    let mut out = want.clone();
    if let Some(v) = have
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(crate::storage::default_class::ANNOTATION))
    {
        out.metadata
            .annotations
            .get_or_insert_with(Default::default)
            .insert(
                crate::storage::default_class::ANNOTATION.to_string(),
                v.clone(),
            );
    }
    out.mount_options = have.mount_options.clone().or(out.mount_options);
    out.volume_binding_mode = have.volume_binding_mode.clone().or(out.volume_binding_mode);
    out.allow_volume_expansion = have.allow_volume_expansion.or(out.allow_volume_expansion);
    out
}

/// Whether green's class is the one wanted: provisioner, parameters and reclaim policy (what
/// cannot be changed in place).
pub fn same_class(
    have: &k8s_openapi::api::storage::v1::StorageClass,
    want: &k8s_openapi::api::storage::v1::StorageClass,
) -> bool {
    have.provisioner == want.provisioner
        && have.parameters == want.parameters
        && have.reclaim_policy == want.reclaim_policy
}

/// Creates `efs-sc` on green, or re-creates it when it was deleted or overwritten (a
/// StorageClass's provisioner and parameters cannot be changed in place), keeping the user's
/// settings ([`keep_user_settings`]).
pub async fn ensure_storage_class(
    ctx: &Ctx,
    client: &kube::Client,
    want: &k8s_openapi::api::storage::v1::StorageClass,
) -> Result<String> {
    use kube::api::{Api, DeleteParams, PostParams};
    let api: Api<k8s_openapi::api::storage::v1::StorageClass> = Api::all(client.clone());
    let name = want.metadata.name.clone().unwrap_or_default();
    let outcome = match api.get_opt(&name).await? {
        Some(have) if same_class(&have, want) => "unchanged",
        Some(have) => {
            let replacement = keep_user_settings(want, &have);
            api.delete(&name, &DeleteParams::default()).await?;
            api.create(&PostParams::default(), &replacement).await?;
            "re-created (it had been changed; default-class, mount options and binding mode kept)"
        }
        None => {
            api.create(&PostParams::default(), want).await?;
            "created"
        }
    };
    let fs = want
        .parameters
        .as_ref()
        .and_then(|p| p.get("fileSystemId"))
        .cloned()
        .unwrap_or_default();
    ctx.record
        .mark(
            STORAGE_CLASS,
            "StorageClass",
            &name,
            Phase::Completed,
            Some(format!("fileSystemId {fs}")),
        )
        .await?;
    Ok(outcome.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recreated_class_keeps_the_users_settings_and_takes_ours() {
        let want = storage_class("fs-new", 1000, 100);
        let mut have = storage_class("fs-old", 0, 0);
        have.metadata.annotations = Some(
            [(
                crate::storage::default_class::ANNOTATION.to_string(),
                "true".to_string(),
            )]
            .into(),
        );
        have.mount_options = Some(vec!["tls".into()]);
        have.volume_binding_mode = Some("WaitForFirstConsumer".into());
        let out = keep_user_settings(&want, &have);
        assert_eq!(out.parameters, want.parameters);
        assert_eq!(
            out.metadata.annotations.unwrap()[crate::storage::default_class::ANNOTATION],
            "true"
        );
        assert_eq!(out.mount_options, Some(vec!["tls".to_string()]));
        assert_eq!(
            out.volume_binding_mode.as_deref(),
            Some("WaitForFirstConsumer")
        );
        assert_eq!(out.metadata.labels, want.metadata.labels);
    }

    #[test]
    fn the_csi_role_trusts_controller_and_node() {
        let s = crate::irsa::trust_statement(
            "arn:p",
            "https://oidc/x",
            CSI_NAMESPACE,
            CSI_SERVICE_ACCOUNT,
        );
        assert_eq!(
            s["Condition"]["StringLike"]["oidc/x:sub"],
            "system:serviceaccount:kube-system:efs-csi-*"
        );
        assert_eq!(
            s["Condition"]["StringEquals"]["oidc/x:aud"],
            "sts.amazonaws.com"
        );
    }
}
