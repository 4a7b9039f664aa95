//! Makes green as planned, in the order EKS needs: the cluster; its OIDC provider; the add-ons'
//! roles, trusting that provider before any add-on starts; access entries; the DaemonSet add-ons
//! with the nodegroups; the Deployment add-ons once nodes exist; Pod Identity; the context;
//! green's aws-auth. Each step looks before it creates, so a re-run creates nothing and a run
//! stopped halfway resumes.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_eks::types::{
    AccessScope, AccessScopeType, AmiTypes, CapacityTypes, Cluster, ClusterStatus,
    CreateAccessConfigRequest, EncryptionConfig, KubernetesNetworkConfigRequest,
    LaunchTemplateSpecification, LogSetup, LogType, Logging, NodegroupScalingConfig,
    NodegroupStatus, Provider, SupportType, Taint, TaintEffect, UpgradePolicyRequest,
    VpcConfigRequest,
};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, Patch, PatchParams};
use serde_yaml::Value as Yaml;

use super::access;
use super::facts::AwsAuth;
use super::plan::{AddonSpec, ClusterSpec, EntrySpec, NodegroupSpec, Plan, RoleSpec};
use crate::aws;
use crate::cli::GlobalArgs;
use crate::ensure::{Readiness, until_ready};
use crate::error::{Error, OnContext, Result};
use crate::irsa;
use crate::kubeconfig::Section;
use crate::progress::{Progress, Stream};
use crate::record::{Phase, UPGRADE_TAG};
use crate::upgrade::Ctx;

pub const CLUSTER: &str = "cluster.eks";
pub const OIDC: &str = "cluster.oidc-provider";
pub const KUBECONFIG: &str = "cluster.kubeconfig";
pub const AWS_AUTH: &str = "cluster.aws-auth";

pub async fn cluster(ctx: &Ctx, stream: &Stream, spec: &ClusterSpec) -> Result<Cluster> {
    let eks = ctx.aws.eks();
    let name = &spec.name;
    let describe = || async {
        let answer = eks.describe_cluster().name(name).send().await;
        Ok::<_, Error>(
            aws::found("DescribeCluster", answer, |e| {
                e.is_resource_not_found_exception()
            })?
            .and_then(|o| o.cluster),
        )
    };
    if describe().await?.is_none() {
        stream.set(&format!("creating EKS cluster {name} ({})", spec.version));
        ctx.record
            .mark(
                CLUSTER,
                "EKSCluster",
                name,
                Phase::InProgress,
                Some(spec.version.clone()),
            )
            .await?;
        let mut vpc = VpcConfigRequest::builder()
            .set_subnet_ids(Some(spec.subnets.clone()))
            .set_security_group_ids(Some(spec.security_groups.clone()))
            .endpoint_public_access(spec.endpoint_public)
            .endpoint_private_access(spec.endpoint_private);
        if spec.endpoint_public && !spec.public_access_cidrs.is_empty() {
            vpc = vpc.set_public_access_cidrs(Some(spec.public_access_cidrs.clone()));
        }
        let logging = (!spec.logging.is_empty()).then(|| {
            Logging::builder()
                .cluster_logging(
                    LogSetup::builder()
                        .set_types(Some(
                            spec.logging
                                .iter()
                                .map(|t| LogType::from(t.as_str()))
                                .collect(),
                        ))
                        .enabled(true)
                        .build(),
                )
                .build()
        });
        let encryption: Vec<EncryptionConfig> = spec
            .encryption
            .iter()
            .map(|e| {
                EncryptionConfig::builder()
                    .set_resources(Some(e.resources.clone()))
                    .provider(Provider::builder().key_arn(&e.key_arn).build())
                    .build()
            })
            .collect();
        let network = (spec.service_ipv4_cidr.is_some() || spec.ip_family.is_some()).then(|| {
            KubernetesNetworkConfigRequest::builder()
                .set_service_ipv4_cidr(spec.service_ipv4_cidr.clone())
                .set_ip_family(spec.ip_family.as_deref().map(Into::into))
                .build()
        });
        eks.create_cluster()
            .name(name)
            .version(&spec.version)
            .role_arn(&spec.role_arn)
            .resources_vpc_config(vpc.build())
            .set_logging(logging)
            .access_config(
                CreateAccessConfigRequest::builder()
                    .authentication_mode(spec.authentication_mode.as_str().into())
                    .bootstrap_cluster_creator_admin_permissions(true)
                    .build(),
            )
            .set_encryption_config((!encryption.is_empty()).then_some(encryption))
            .set_kubernetes_network_config(network)
            .set_upgrade_policy(spec.upgrade_support.as_deref().map(|s| {
                UpgradePolicyRequest::builder()
                    .support_type(SupportType::from(s))
                    .build()
            }))
            .set_tags(Some(spec.tags.clone().into_iter().collect()))
            .send()
            .await
            .map_err(|e| Error::aws("CreateCluster", e))?;
    }
    let what = format!("EKS cluster {name}");
    let cluster = until_ready(ctx, stream, &what, describe, |c| match c.status() {
        Some(ClusterStatus::Active) => Readiness::Ready,
        Some(ClusterStatus::Failed) => Readiness::Failed("FAILED".into()),
        s => Readiness::Pending(s.map(|s| s.as_str().to_string()).unwrap_or_default()),
    })
    .await?;
    ctx.record
        .mark(
            CLUSTER,
            "EKSCluster",
            cluster.arn().unwrap_or(name),
            Phase::Completed,
            Some(cluster.version().unwrap_or_default().to_string()),
        )
        .await?;
    Ok(cluster)
}

/// The trust policy of a green role: `subjects` of green's cluster, through its provider.
pub fn trust_policy(provider: &str, issuer: &str, subjects: &[String]) -> serde_json::Value {
    let path = irsa::issuer_path(issuer);
    let (like, equal): (Vec<&String>, Vec<&String>) = subjects
        .iter()
        .partition(|s| s.contains('*') || s.contains('?'));
    let statement = |op: &str, subs: &[&String]| {
        let mut cond = serde_json::Map::new();
        let mut clauses = serde_json::Map::new();
        clauses.insert(format!("{path}:sub"), serde_json::json!(subs));
        if op == "StringEquals" {
            clauses.insert(format!("{path}:aud"), "sts.amazonaws.com".into());
            cond.insert(op.into(), clauses.into());
        } else {
            cond.insert(op.into(), clauses.into());
            cond.insert(
                "StringEquals".into(),
                serde_json::json!({format!("{path}:aud"): "sts.amazonaws.com"}),
            );
        }
        serde_json::json!({
            "Effect": "Allow",
            "Principal": {"Federated": provider},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": cond,
        })
    };
    let mut statements = Vec::new();
    if !equal.is_empty() {
        statements.push(statement("StringEquals", &equal));
    }
    if !like.is_empty() {
        statements.push(statement("StringLike", &like));
    }
    serde_json::json!({"Version": "2012-10-17", "Statement": statements})
}

/// Green's role for an add-on, trusted by green's provider before the add-on exists; its ARN.
/// A role of that name that this upgrade did not make is refused, not taken over.
pub async fn role(ctx: &Ctx, provider: &str, issuer: &str, r: &RoleSpec) -> Result<String> {
    let key = format!("cluster.role.{}", r.addon);
    let trust = trust_policy(provider, issuer, &r.subjects);
    let want = crate::irsa::RoleWant {
        name: &r.name,
        trust: &trust,
        description: match &r.copied_from {
            Some(b) => format!("{} on green: a copy of {b}", r.addon),
            None => format!("{} on green", r.addon),
        },
        tags: ctx.tags().iam(),
        refuse_without_tag: Some(&ctx.tag),
        managed_policies: &r.managed_policies,
        inline_policies: &r.inline_policies,
    };
    let arn = crate::irsa::ensure_role_as(&ctx.aws.iam(), &want, || {
        ctx.record
            .mark(&key, "IAMRole", &r.name, Phase::InProgress, None)
    })
    .await?;
    ctx.record
        .mark(
            &key,
            "IAMRole",
            &r.name,
            Phase::Completed,
            r.copied_from.as_ref().map(|b| format!("copy of {b}")),
        )
        .await?;
    Ok(arn)
}

fn entry_key(principal: &str) -> String {
    let short: Vec<&str> = principal
        .rsplit(':')
        .next()
        .unwrap_or(principal)
        .split('/')
        .collect();
    format!("cluster.access-entry.{}", short.join("/"))
}

/// Blue's access (copied entries, aws-auth mappings as entries) on green. Green's entries are
/// listed afresh: EKS made the creator's and the nodegroups' own.
pub async fn access_entries(ctx: &Ctx, cluster: &str, entries: &[EntrySpec]) -> Result<()> {
    let eks = ctx.aws.eks();
    let existing: BTreeSet<String> = crate::aws::all(
        "ListAccessEntries",
        eks.list_access_entries()
            .cluster_name(cluster)
            .into_paginator()
            .items()
            .send(),
    )
    .await?
    .into_iter()
    .collect();
    for e in entries {
        let key = entry_key(&e.principal);
        if !existing.contains(&e.principal) {
            ctx.record
                .mark(&key, "AccessEntry", &e.principal, Phase::InProgress, None)
                .await?;
            let standard = e.kind == "STANDARD";
            eks.create_access_entry()
                .cluster_name(cluster)
                .principal_arn(&e.principal)
                .r#type(&e.kind)
                .set_kubernetes_groups((standard && !e.groups.is_empty()).then(|| e.groups.clone()))
                .set_username(e.username.clone().filter(|_| standard))
                .set_tags(Some(ctx.tags().map()))
                .send()
                .await
                .map_err(|err| Error::aws(&format!("CreateAccessEntry {}", e.principal), err))?;
        }
        let associated: BTreeSet<String> = if e.policies.is_empty() {
            BTreeSet::new()
        } else {
            crate::aws::all(
                "ListAssociatedAccessPolicies",
                eks.list_associated_access_policies()
                    .cluster_name(cluster)
                    .principal_arn(&e.principal)
                    .into_paginator()
                    .items()
                    .send(),
            )
            .await?
            .iter()
            .filter_map(|p| p.policy_arn().map(str::to_string))
            .collect()
        };
        for p in e.policies.iter().filter(|p| !associated.contains(&p.arn)) {
            let scope = AccessScope::builder()
                .r#type(if p.scope == "namespace" {
                    AccessScopeType::Namespace
                } else {
                    AccessScopeType::Cluster
                })
                .set_namespaces((!p.namespaces.is_empty()).then(|| p.namespaces.clone()))
                .build();
            eks.associate_access_policy()
                .cluster_name(cluster)
                .principal_arn(&e.principal)
                .policy_arn(&p.arn)
                .access_scope(scope)
                .send()
                .await
                .map_err(|err| {
                    Error::aws(&format!("AssociateAccessPolicy {}", e.principal), err)
                })?;
        }
        ctx.record
            .mark(
                &key,
                "AccessEntry",
                &e.principal,
                Phase::Completed,
                Some(e.from.clone()),
            )
            .await?;
    }
    Ok(())
}

pub async fn nodegroup(
    ctx: &Ctx,
    stream: &Stream,
    cluster: &str,
    ng: &NodegroupSpec,
) -> Result<()> {
    let eks = ctx.aws.eks();
    let key = format!("cluster.nodegroup.{}", ng.name);
    let step = crate::ensure::Step {
        key: &key,
        kind: "Nodegroup",
        id: &ng.name,
    };
    let describe = || async {
        let answer = eks
            .describe_nodegroup()
            .cluster_name(cluster)
            .nodegroup_name(&ng.name)
            .send()
            .await;
        Ok::<_, Error>(
            aws::found("DescribeNodegroup", answer, |e| {
                e.is_resource_not_found_exception()
            })?
            .and_then(|o| o.nodegroup),
        )
    };
    let create = || async {
        stream.set(&format!(
            "creating nodegroup {} ({} nodes{})",
            ng.name,
            ng.desired,
            if ng.instance_types.is_empty() {
                String::new()
            } else {
                format!(" of {}", ng.instance_types.join(","))
            }
        ));
        let taints: Vec<Taint> = ng
            .taints
            .iter()
            .map(|t| {
                Taint::builder()
                    .key(&t.key)
                    .value(&t.value)
                    .effect(TaintEffect::from(t.effect.as_str()))
                    .build()
            })
            .collect();
        let mut tags = ng.tags.clone();
        tags.insert(UPGRADE_TAG.to_string(), ctx.tag.clone());
        eks.create_nodegroup()
            .cluster_name(cluster)
            .nodegroup_name(&ng.name)
            .scaling_config(
                NodegroupScalingConfig::builder()
                    .min_size(ng.min)
                    .desired_size(ng.desired)
                    .max_size(ng.max)
                    .build(),
            )
            .set_instance_types((!ng.instance_types.is_empty()).then(|| ng.instance_types.clone()))
            .set_disk_size(ng.disk_size)
            .node_role(&ng.node_role)
            .set_subnets(Some(ng.subnets.clone()))
            .set_labels((!ng.labels.is_empty()).then(|| ng.labels.clone().into_iter().collect()))
            .set_taints((!taints.is_empty()).then_some(taints))
            .set_ami_type(ng.ami_type.as_deref().map(AmiTypes::from))
            .set_capacity_type(ng.capacity_type.as_deref().map(CapacityTypes::from))
            .set_launch_template(ng.launch_template.as_ref().map(|t| {
                LaunchTemplateSpecification::builder()
                    .id(&t.id)
                    .version(&t.version)
                    .build()
            }))
            .set_tags(Some(tags.into_iter().collect()))
            .send()
            .await
            .map_err(|e| Error::aws(&format!("CreateNodegroup {}", ng.name), e))?;
        Ok::<(), Error>(())
    };
    crate::ensure::ensure(ctx, stream, &step, describe, create, |n| match n.status() {
        Some(NodegroupStatus::Active) => Readiness::Ready,
        Some(s @ (NodegroupStatus::CreateFailed | NodegroupStatus::Degraded)) => {
            let issues: Vec<&str> = n
                .health()
                .map(|h| h.issues())
                .unwrap_or_default()
                .iter()
                .map(|i| i.message().unwrap_or_default())
                .collect();
            Readiness::Failed(format!("{}: {}", s.as_str(), issues.join("; ")))
        }
        s => Readiness::Pending(s.map(|s| s.as_str().to_string()).unwrap_or_default()),
    })
    .await?;
    stream.finish(&format!("nodegroup {} ACTIVE", ng.name));
    Ok(())
}

pub async fn addon(
    ctx: &Ctx,
    stream: &Stream,
    cluster: &str,
    a: &AddonSpec,
    roles: &BTreeMap<String, String>,
) -> Result<()> {
    let role = a
        .role
        .as_ref()
        .and_then(|r| roles.get(r))
        .map(String::as_str);
    let pods: Vec<(String, String)> = a
        .pod_identities
        .iter()
        .map(|p| (p.service_account.clone(), p.role_arn.clone()))
        .collect();
    let spec = crate::eks::AddonSpec {
        cluster,
        name: &a.name,
        role,
        configuration_values: a.configuration_values.as_deref(),
        pod_identities: &pods,
        tag: &ctx.tag,
    };
    let version = crate::eks::ensure_addon(&ctx.aws, &spec, ctx.timeout, stream).await?;
    stream.finish(&format!("{} ACTIVE", a.name));
    ctx.record
        .mark(
            &format!("cluster.addon.{}", a.name),
            "EKSAddon",
            &a.name,
            Phase::Completed,
            Some(version),
        )
        .await
}

/// Blue's Pod Identity associations that no add-on owns, on green (same roles: they trust EKS's
/// Pod Identity service, not a cluster).
pub async fn pod_identities(ctx: &Ctx, cluster: &str, plan: &Plan) -> Result<()> {
    let eks = ctx.aws.eks();
    let existing: BTreeSet<(String, String)> = crate::aws::all(
        "ListPodIdentityAssociations",
        eks.list_pod_identity_associations()
            .cluster_name(cluster)
            .into_paginator()
            .items()
            .send(),
    )
    .await?
    .iter()
    .map(|a| {
        (
            a.namespace().unwrap_or_default().to_string(),
            a.service_account().unwrap_or_default().to_string(),
        )
    })
    .collect();
    for p in &plan.pod_identities {
        let key = format!("cluster.pod-identity.{}/{}", p.namespace, p.service_account);
        if existing.contains(&(p.namespace.clone(), p.service_account.clone())) {
            continue;
        }
        let out = eks
            .create_pod_identity_association()
            .cluster_name(cluster)
            .namespace(&p.namespace)
            .service_account(&p.service_account)
            .role_arn(&p.role_arn)
            .set_tags(Some(ctx.tags().map()))
            .send()
            .await
            .map_err(|e| Error::aws("CreatePodIdentityAssociation", e))?;
        let id = out
            .association()
            .and_then(|a| a.association_id())
            .unwrap_or_default()
            .to_string();
        ctx.record
            .mark(&key, "PodIdentityAssociation", &id, Phase::Completed, None)
            .await?;
    }
    Ok(())
}

/// Green's aws-auth with the mappings no access entry could hold.
pub async fn aws_auth(ctx: &Ctx, client: &kube::Client, carried: &AwsAuth) -> Result<()> {
    if carried.is_empty() {
        return Ok(());
    }
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), "kube-system");
    let current = api
        .get_opt("aws-auth")
        .await?
        .and_then(|c| c.data)
        .unwrap_or_default();
    let Some(data) = access::merged(&current, carried).map_err(Error::failed)? else {
        return Ok(());
    };
    let cm = serde_json::json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "aws-auth", "namespace": "kube-system"},
        "data": data,
    });
    api.patch(
        "aws-auth",
        &PatchParams::apply("kubectl-kf").force(),
        &Patch::Apply(&cm),
    )
    .await
    .map_err(|e| Error::Kube {
        context: Some("kube-system/aws-auth on green".into()),
        source: e,
    })?;
    ctx.record
        .mark(
            AWS_AUTH,
            "ConfigMap",
            "kube-system/aws-auth",
            Phase::Completed,
            Some(format!(
                "{} role(s), {} user(s), {} account(s) from blue",
                carried.map_roles.len(),
                carried.map_users.len(),
                carried.map_accounts.len()
            )),
        )
        .await
}

/// Writes cluster, user and context NAME with the safe writer; never touches current-context.
pub async fn write_context(ctx: &Ctx, g: &GlobalArgs, name: &str, green: &Cluster) -> Result<()> {
    let mut kc = crate::kubeconfig::Kubeconfigs::load(g.kubeconfig.as_deref())?;
    let mut cluster = serde_yaml::Mapping::new();
    cluster.insert(
        "server".into(),
        Yaml::from(green.endpoint().unwrap_or_default()),
    );
    if let Some(ca) = green
        .certificate_authority()
        .and_then(|c| c.data())
        .filter(|d| !d.is_empty())
    {
        cluster.insert("certificate-authority-data".into(), Yaml::from(ca));
    }
    let mut args = vec![
        "kf",
        "token",
        "--cluster",
        name,
        "--region",
        ctx.aws.region(),
    ];
    if let Some(p) = &g.profile {
        args.extend(["--profile", p.as_str()]);
    }
    let mut exec = serde_yaml::Mapping::new();
    exec.insert(
        "apiVersion".into(),
        "client.authentication.k8s.io/v1beta1".into(),
    );
    exec.insert("command".into(), "kubectl".into());
    exec.insert(
        "args".into(),
        Yaml::Sequence(args.into_iter().map(Yaml::from).collect()),
    );
    exec.insert("interactiveMode".into(), "Never".into());
    let mut user = serde_yaml::Mapping::new();
    user.insert("exec".into(), Yaml::Mapping(exec));
    let mut context = serde_yaml::Mapping::new();
    context.insert("cluster".into(), Yaml::from(name));
    context.insert("user".into(), Yaml::from(name));
    let written = kc.upsert(&[
        (Section::Clusters, name, Yaml::Mapping(cluster)),
        (Section::Users, name, Yaml::Mapping(user)),
        (Section::Contexts, name, Yaml::Mapping(context)),
    ])?;
    let files: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
    ctx.record
        .mark(
            KUBECONFIG,
            "KubeconfigContext",
            name,
            Phase::Completed,
            Some(files.join(",")),
        )
        .await
}

/// Every step of the plan, in order.
pub async fn all(ctx: &Ctx, g: &GlobalArgs, plan: &Plan, progress: &Progress) -> Result<Cluster> {
    let name = plan.cluster.name.as_str();
    let stream = progress.stream("eks");
    let green = cluster(ctx, &stream, &plan.cluster).await?;
    let issuer = green
        .identity()
        .and_then(|i| i.oidc())
        .and_then(|o| o.issuer())
        .unwrap_or_default()
        .to_string();
    let provider = irsa::ensure_oidc_provider(&ctx.aws, &issuer, &ctx.tag).await?;
    ctx.record
        .mark(OIDC, "OIDCProvider", &provider, Phase::Completed, None)
        .await?;
    let mut roles = BTreeMap::new();
    for r in &plan.roles {
        stream.set(&format!("IAM role {} for {}", r.name, r.addon));
        roles.insert(r.name.clone(), role(ctx, &provider, &issuer, r).await?);
    }
    for r in &plan.kubeflow_roles {
        stream.set(&format!("IAM role {} for Kubeflow", r.name));
    }
    super::kubeflow_roles::apply(ctx, &provider, &issuer, &plan.kubeflow_roles).await?;
    stream.set("access entries");
    access_entries(ctx, name, &plan.access_entries).await?;

    let first: Vec<&AddonSpec> = plan.addons.iter().filter(|a| !a.after_nodes).collect();
    let later: Vec<&AddonSpec> = plan.addons.iter().filter(|a| a.after_nodes).collect();
    let roles = &roles;
    let daemonsets = futures::future::try_join_all(first.iter().map(|a| {
        let s = progress.stream(&format!("addon/{}", a.name));
        async move { addon(ctx, &s, name, a, roles).await }
    }));
    let nodegroups = futures::future::try_join_all(plan.nodegroups.iter().map(|ng| {
        let s = progress.stream(&format!("ng/{}", ng.name));
        async move { nodegroup(ctx, &s, name, ng).await }
    }));
    let (ds, ngs) = tokio::join!(daemonsets, nodegroups);
    ds?;
    ngs?;
    futures::future::try_join_all(later.iter().map(|a| {
        let s = progress.stream(&format!("addon/{}", a.name));
        async move { addon(ctx, &s, name, a, roles).await }
    }))
    .await?;
    pod_identities(ctx, name, plan).await?;
    write_context(ctx, g, name, &green).await?;
    if !plan.aws_auth.is_empty() {
        let kc = crate::kubeconfig::Kubeconfigs::load(g.kubeconfig.as_deref())?;
        let client = crate::context::client_for(&kc, name).await?;
        aws_auth(ctx, &client, &plan.aws_auth).await.on(name)?;
    }
    stream.finish(&format!("cluster {name} ready; context {name} written"));
    Ok(green)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn green_roles_trust_greens_provider_for_blues_subjects() {
        let t = trust_policy(
            "arn:aws:iam::1:oidc-provider/oidc.eks/id/G",
            "https://oidc.eks/id/G",
            &[
                "system:serviceaccount:kube-system:aws-node".into(),
                "system:serviceaccount:kube-system:efs-csi-*".into(),
            ],
        );
        let s = t["Statement"].as_array().unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(
            s[0]["Condition"]["StringEquals"]["oidc.eks/id/G:sub"],
            serde_json::json!(["system:serviceaccount:kube-system:aws-node"])
        );
        assert_eq!(
            s[1]["Condition"]["StringLike"]["oidc.eks/id/G:sub"],
            serde_json::json!(["system:serviceaccount:kube-system:efs-csi-*"])
        );
        assert_eq!(
            s[1]["Condition"]["StringEquals"]["oidc.eks/id/G:aud"],
            "sts.amazonaws.com"
        );
        assert_eq!(
            entry_key("arn:aws:iam::1:role/team/ci"),
            "cluster.access-entry.role/team/ci"
        );
    }
}
