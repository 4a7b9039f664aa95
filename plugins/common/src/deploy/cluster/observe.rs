//! Reads blue's EKS cluster and what hangs off it (nodegroups and their launch templates,
//! add-ons and their roles, Pod Identity, access entries, aws-auth, the versions EKS offers), and
//! whatever exists of green. Reads only.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_eks::types::{Cluster, Nodegroup};
use k8s_openapi::api::core::v1::{ConfigMap, ServiceAccount};
use kube::api::{Api, ListParams};

use super::access;
use super::facts::*;
use crate::aws::{Aws, all};
use crate::error::{Error, Result};
use crate::irsa::{self, percent_decode};
use crate::record::UPGRADE_TAG;

pub const IRSA_ANNOTATION: &str = "eks.amazonaws.com/role-arn";

fn map(tags: Option<&std::collections::HashMap<String, String>>) -> BTreeMap<String, String> {
    tags.map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

pub fn cluster_facts(c: &Cluster) -> ClusterFacts {
    let vpc = c.resources_vpc_config();
    let mut logging: Vec<String> = c
        .logging()
        .map(|l| l.cluster_logging())
        .unwrap_or_default()
        .iter()
        .filter(|s| s.enabled() == Some(true))
        .flat_map(|s| s.types().iter().map(|t| t.as_str().to_string()))
        .collect();
    logging.sort();
    let network = c.kubernetes_network_config();
    ClusterFacts {
        name: c.name().unwrap_or_default().to_string(),
        version: c.version().unwrap_or_default().to_string(),
        role_arn: c.role_arn().unwrap_or_default().to_string(),
        vpc_id: vpc.and_then(|v| v.vpc_id()).unwrap_or_default().to_string(),
        subnets: vpc.map(|v| v.subnet_ids().to_vec()).unwrap_or_default(),
        security_groups: vpc
            .map(|v| v.security_group_ids().to_vec())
            .unwrap_or_default(),
        endpoint_public: vpc.map(|v| v.endpoint_public_access()).unwrap_or(true),
        endpoint_private: vpc.map(|v| v.endpoint_private_access()).unwrap_or(false),
        public_access_cidrs: vpc
            .map(|v| v.public_access_cidrs().to_vec())
            .unwrap_or_default(),
        logging,
        tags: map(c.tags()),
        authentication_mode: c
            .access_config()
            .and_then(|a| a.authentication_mode())
            .map(|m| m.as_str().to_string()),
        encryption: c
            .encryption_config()
            .iter()
            .map(|e| Encryption {
                resources: e.resources().to_vec(),
                key_arn: e
                    .provider()
                    .and_then(|p| p.key_arn())
                    .unwrap_or_default()
                    .to_string(),
            })
            .collect(),
        service_ipv4_cidr: network
            .and_then(|n| n.service_ipv4_cidr())
            .map(str::to_string),
        ip_family: network
            .and_then(|n| n.ip_family())
            .map(|f| f.as_str().to_string()),
        upgrade_support: c
            .upgrade_policy()
            .and_then(|u| u.support_type())
            .map(|s| s.as_str().to_string()),
        oidc_issuer: c
            .identity()
            .and_then(|i| i.oidc())
            .and_then(|o| o.issuer())
            .map(str::to_string),
    }
}

async fn launch_template(aws: &Aws, id: &str, version: &str) -> Result<LaunchTemplateFacts> {
    let out = aws
        .ec2()
        .describe_launch_template_versions()
        .launch_template_id(id)
        .versions(version)
        .send()
        .await
        .map_err(|e| Error::aws("DescribeLaunchTemplateVersions", e))?;
    let data = out
        .launch_template_versions()
        .first()
        .and_then(|v| v.launch_template_data());
    Ok(LaunchTemplateFacts {
        id: id.to_string(),
        version: version.to_string(),
        image_id: data.and_then(|d| d.image_id()).map(str::to_string),
        instance_type: data
            .and_then(|d| d.instance_type())
            .map(|t| t.as_str().to_string()),
        volume_size: data.and_then(|d| {
            d.block_device_mappings()
                .iter()
                .find_map(|m| m.ebs().and_then(|e| e.volume_size()))
        }),
    })
}

async fn nodegroup_facts(aws: &Aws, ng: &Nodegroup) -> Result<NodegroupFacts> {
    let sc = ng.scaling_config();
    let template = match ng.launch_template() {
        Some(lt) => {
            let id = lt.id().unwrap_or_default();
            let version = lt.version().unwrap_or("$Default");
            Some(launch_template(aws, id, version).await?)
        }
        None => None,
    };
    Ok(NodegroupFacts {
        name: ng.nodegroup_name().unwrap_or_default().to_string(),
        instance_types: ng.instance_types().to_vec(),
        min: sc.and_then(|s| s.min_size()).unwrap_or(1),
        desired: sc.and_then(|s| s.desired_size()).unwrap_or(1),
        max: sc.and_then(|s| s.max_size()).unwrap_or(1),
        disk_size: ng.disk_size(),
        labels: ng
            .labels()
            .map(|l| l.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        taints: ng
            .taints()
            .iter()
            .map(|t| Taint {
                key: t.key().unwrap_or_default().to_string(),
                value: t.value().unwrap_or_default().to_string(),
                effect: t
                    .effect()
                    .map(|e| e.as_str().to_string())
                    .unwrap_or_default(),
            })
            .collect(),
        node_role: ng.node_role().unwrap_or_default().to_string(),
        subnets: ng.subnets().to_vec(),
        ami_type: ng.ami_type().map(|a| a.as_str().to_string()),
        capacity_type: ng.capacity_type().map(|c| c.as_str().to_string()),
        tags: map(ng.tags()),
        launch_template: template,
    })
}

/// The `:sub` values a trust policy allows through `provider` (an OIDC provider ARN).
pub fn trusted_subjects(trust: &serde_json::Value, provider: &str) -> Vec<String> {
    let as_list = |v: &serde_json::Value| -> Vec<String> {
        match v {
            serde_json::Value::String(s) => vec![s.clone()],
            serde_json::Value::Array(a) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
            _ => vec![],
        }
    };
    let statements = match &trust["Statement"] {
        serde_json::Value::Array(a) => a.clone(),
        s @ serde_json::Value::Object(_) => vec![s.clone()],
        _ => vec![],
    };
    let mut out = Vec::new();
    for s in statements {
        if s["Effect"] != "Allow"
            || !as_list(&s["Principal"]["Federated"])
                .iter()
                .any(|f| f == provider)
        {
            continue;
        }
        if let Some(cond) = s["Condition"].as_object() {
            for (op, clauses) in cond {
                if !op.starts_with("StringEquals") && !op.starts_with("StringLike") {
                    continue;
                }
                for (k, v) in clauses.as_object().into_iter().flatten() {
                    if k.ends_with(":sub") {
                        out.extend(as_list(v));
                    }
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

async fn role_facts(aws: &Aws, arn: &str, blue_provider: Option<&str>) -> Result<RoleFacts> {
    let iam = aws.iam();
    let name = arn.rsplit('/').next().unwrap_or(arn).to_string();
    let role = iam
        .get_role()
        .role_name(&name)
        .send()
        .await
        .map_err(|e| Error::aws(&format!("GetRole {name}"), e))?;
    let trust: serde_json::Value = role
        .role()
        .and_then(|r| r.assume_role_policy_document())
        .map(percent_decode)
        .and_then(|d| serde_json::from_str(&d).ok())
        .unwrap_or_default();
    Ok(RoleFacts {
        arn: arn.to_string(),
        managed_policies: crate::irsa::attached_policy_arns(&iam, &name).await?,
        inline_policies: crate::irsa::inline_policies(&iam, &name).await?,
        subjects: blue_provider
            .map(|p| trusted_subjects(&trust, p))
            .unwrap_or_default(),
        name,
    })
}

/// Pod Identity associations of a cluster: (owner ARN, association).
async fn pod_identities(aws: &Aws, cluster: &str) -> Result<Vec<(Option<String>, PodIdentity)>> {
    let eks = aws.eks();
    let summaries = all(
        "ListPodIdentityAssociations",
        eks.list_pod_identity_associations()
            .cluster_name(cluster)
            .into_paginator()
            .items()
            .send(),
    )
    .await?;
    let mut out = Vec::new();
    for s in summaries {
        let id = s.association_id().unwrap_or_default();
        let a = eks
            .describe_pod_identity_association()
            .cluster_name(cluster)
            .association_id(id)
            .send()
            .await
            .map_err(|e| Error::aws("DescribePodIdentityAssociation", e))?;
        let a = a.association();
        out.push((
            s.owner_arn().map(str::to_string),
            PodIdentity {
                namespace: s.namespace().unwrap_or_default().to_string(),
                service_account: s.service_account().unwrap_or_default().to_string(),
                role_arn: a.and_then(|a| a.role_arn()).unwrap_or_default().to_string(),
            },
        ));
    }
    Ok(out)
}

async fn access_entries(aws: &Aws, cluster: &str) -> Result<Vec<AccessEntryFacts>> {
    let eks = aws.eks();
    let principals = all(
        "ListAccessEntries",
        eks.list_access_entries()
            .cluster_name(cluster)
            .into_paginator()
            .items()
            .send(),
    )
    .await?;
    let mut out = Vec::new();
    for p in principals {
        let e = eks
            .describe_access_entry()
            .cluster_name(cluster)
            .principal_arn(&p)
            .send()
            .await
            .map_err(|e| Error::aws("DescribeAccessEntry", e))?;
        let e = e.access_entry();
        let policies = all(
            "ListAssociatedAccessPolicies",
            eks.list_associated_access_policies()
                .cluster_name(cluster)
                .principal_arn(&p)
                .into_paginator()
                .items()
                .send(),
        )
        .await?;
        out.push(AccessEntryFacts {
            kind: e.and_then(|e| e.r#type()).unwrap_or("STANDARD").to_string(),
            groups: e
                .map(|e| e.kubernetes_groups().to_vec())
                .unwrap_or_default(),
            username: e.and_then(|e| e.username()).map(str::to_string),
            policies: policies
                .iter()
                .map(|a| AccessPolicy {
                    arn: a.policy_arn().unwrap_or_default().to_string(),
                    scope: a
                        .access_scope()
                        .and_then(|s| s.r#type())
                        .map(|t| t.as_str().to_string())
                        .unwrap_or_else(|| "cluster".into()),
                    namespaces: a
                        .access_scope()
                        .map(|s| s.namespaces().to_vec())
                        .unwrap_or_default(),
                })
                .collect(),
            principal: p,
        });
    }
    Ok(out)
}

/// Blue's `kube-system/aws-auth`, empty when it has none.
async fn aws_auth(client: &kube::Client) -> Result<AwsAuth> {
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), "kube-system");
    let Some(cm) = api.get_opt("aws-auth").await? else {
        return Ok(AwsAuth::default());
    };
    access::parse(&cm.data.unwrap_or_default()).map_err(|e| {
        Error::usage(
            format!("blue's {e}"),
            "fix the ConfigMap (EKS reads it too), then run again",
        )
    })
}

/// The service accounts of blue annotated with an IAM role, grouped by role name.
async fn irsa_roles(client: &kube::Client) -> Result<BTreeMap<String, Vec<String>>> {
    let api: Api<ServiceAccount> = Api::all(client.clone());
    let mut roles: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for sa in api.list(&ListParams::default()).await?.items {
        let Some(arn) = sa
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(IRSA_ANNOTATION))
        else {
            continue;
        };
        let role = arn.rsplit('/').next().unwrap_or(arn).to_string();
        roles.entry(role).or_default().push(format!(
            "{}/{}",
            sa.metadata.namespace.unwrap_or_default(),
            sa.metadata.name.unwrap_or_default()
        ));
    }
    Ok(roles)
}

/// The Kubernetes versions EKS offers today (standard and extended support).
pub async fn offered_versions(aws: &Aws) -> Result<Vec<String>> {
    let versions = all(
        "DescribeClusterVersions",
        aws.eks()
            .describe_cluster_versions()
            .into_paginator()
            .items()
            .send(),
    )
    .await?;
    let mut out: Vec<String> = versions
        .iter()
        .filter(|v| {
            v.version_status()
                .is_none_or(|s| s.as_str() != "UNSUPPORTED")
        })
        .filter_map(|v| v.cluster_version().map(str::to_string))
        .collect();
    out.sort_by_key(|v| {
        v.split('.')
            .map(|p| p.parse::<u32>().unwrap_or(0))
            .collect::<Vec<_>>()
    });
    out.dedup();
    Ok(out)
}

pub async fn blue(aws: &Aws, client: &kube::Client, cluster: &Cluster) -> Result<BlueFacts> {
    let eks = aws.eks();
    let facts = cluster_facts(cluster);
    let name = facts.name.clone();
    let blue_provider = match &facts.oidc_issuer {
        Some(issuer) => irsa::find_oidc_provider(aws, issuer).await?,
        None => None,
    };
    let ng_names = crate::eks::nodegroup_names(&eks, &name).await?;
    let mut nodegroups = Vec::new();
    for n in ng_names {
        let out = eks
            .describe_nodegroup()
            .cluster_name(&name)
            .nodegroup_name(&n)
            .send()
            .await
            .map_err(|e| Error::aws("DescribeNodegroup", e))?;
        if let Some(ng) = out.nodegroup() {
            nodegroups.push(nodegroup_facts(aws, ng).await?);
        }
    }
    let associations = pod_identities(aws, &name).await?;
    let addon_names = crate::eks::addon_names(&eks, &name).await?;
    let mut addons = Vec::new();
    for a in addon_names {
        let out = eks
            .describe_addon()
            .cluster_name(&name)
            .addon_name(&a)
            .send()
            .await
            .map_err(|e| Error::aws(&format!("DescribeAddon {a}"), e))?;
        let Some(addon) = out.addon() else { continue };
        let version = addon.addon_version().unwrap_or_default().to_string();
        let role = match addon.service_account_role_arn() {
            Some(arn) => Some(role_facts(aws, arn, blue_provider.as_deref()).await?),
            None => None,
        };
        let service_accounts = match eks
            .describe_addon_configuration()
            .addon_name(&a)
            .addon_version(&version)
            .send()
            .await
        {
            Ok(c) => c
                .pod_identity_configuration()
                .iter()
                .filter_map(|p| p.service_account().map(str::to_string))
                .collect(),
            Err(_) => Vec::new(), // only a fallback for roles that trust nothing of blue
        };
        let arn = addon.addon_arn().unwrap_or_default();
        addons.push(AddonFacts {
            pod_identities: associations
                .iter()
                .filter(|(owner, _)| owner.as_deref() == Some(arn))
                .map(|(_, p)| p.clone())
                .collect(),
            name: a,
            version,
            role,
            configuration_values: addon.configuration_values().map(str::to_string),
            service_accounts,
        });
    }
    let entries = if facts.authentication_mode.as_deref().unwrap_or("CONFIG_MAP") == "CONFIG_MAP" {
        Vec::new() // access entries need API or API_AND_CONFIG_MAP: EKS refuses to list them
    } else {
        access_entries(aws, &name).await?
    };
    // Add-ons get roles of green's own (plan::RoleSpec): their service accounts' roles are not
    // Kubeflow's, whose trust is extended.
    let mut irsa = irsa_roles(client).await?;
    irsa.retain(|role, _| {
        !addons
            .iter()
            .any(|a| a.role.as_ref().is_some_and(|r| &r.name == role))
    });
    let kubeflow_roles = super::kubeflow_roles::observe_blue(aws, &irsa).await?;
    Ok(BlueFacts {
        irsa,
        kubeflow_roles,
        nodegroups,
        addons,
        pod_identities: associations
            .into_iter()
            .filter(|(owner, _)| owner.is_none())
            .map(|(_, p)| p)
            .collect(),
        access_entries: entries,
        aws_auth: aws_auth(client).await?,
        offered_versions: offered_versions(aws).await?,
        cluster: facts,
    })
}

/// What exists of green named `name`: nothing, or its cluster and what hangs off it.
pub async fn green(aws: &Aws, name: &str) -> Result<GreenFacts> {
    let eks = aws.eks();
    let cluster = match eks.describe_cluster().name(name).send().await {
        Ok(out) => out.cluster().cloned(),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            None
        }
        Err(e) => return Err(Error::aws("DescribeCluster", e)),
    };
    let Some(c) = cluster else {
        return Ok(GreenFacts::default());
    };
    let version = c.version().unwrap_or_default().to_string();
    let tag = c.tags().and_then(|t| t.get(UPGRADE_TAG)).cloned();
    let nodegroups: BTreeSet<String> = crate::eks::nodegroup_names(&eks, name)
        .await?
        .into_iter()
        .collect();
    let addons: BTreeSet<String> = crate::eks::addon_names(&eks, name)
        .await?
        .into_iter()
        .collect();
    let mode = c
        .access_config()
        .and_then(|a| a.authentication_mode())
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "CONFIG_MAP".into());
    let access_entries = if mode == "CONFIG_MAP" {
        BTreeMap::new()
    } else {
        access_entries(aws, name)
            .await?
            .into_iter()
            .map(|e| (e.principal, e.policies.into_iter().map(|p| p.arn).collect()))
            .collect()
    };
    let pod_identities = pod_identities(aws, name)
        .await?
        .into_iter()
        .map(|(_, p)| (p.namespace, p.service_account))
        .collect();
    let issuer = c
        .identity()
        .and_then(|i| i.oidc())
        .and_then(|o| o.issuer())
        .map(str::to_string);
    let oidc = match issuer {
        Some(i) => irsa::find_oidc_provider(aws, &i).await?.map(|p| (p, i)),
        None => None,
    };
    Ok(GreenFacts {
        oidc,
        kubeflow_roles: BTreeMap::new(),
        cluster: Some((version, tag)),
        nodegroups,
        addons,
        access_entries,
        pod_identities,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_read_from_the_providers_statements_only() {
        let trust = serde_json::json!({"Statement": [
            {"Effect": "Allow", "Principal": {"Federated": "arn:p/blue"}, "Action": "sts:AssumeRoleWithWebIdentity",
             "Condition": {"StringEquals": {"oidc/blue:sub": "system:serviceaccount:kube-system:aws-node",
                                            "oidc/blue:aud": "sts.amazonaws.com"}}},
            {"Effect": "Allow", "Principal": {"Federated": ["arn:p/blue"]},
             "Condition": {"StringLike": {"oidc/blue:sub": ["system:serviceaccount:kube-system:efs-csi-*"]}}},
            {"Effect": "Allow", "Principal": {"Federated": "arn:p/other"},
             "Condition": {"StringEquals": {"oidc/other:sub": "system:serviceaccount:x:y"}}},
            {"Effect": "Deny", "Principal": {"Federated": "arn:p/blue"},
             "Condition": {"StringEquals": {"oidc/blue:sub": "system:serviceaccount:a:b"}}}
        ]});
        assert_eq!(
            trusted_subjects(&trust, "arn:p/blue"),
            vec![
                "system:serviceaccount:kube-system:aws-node",
                "system:serviceaccount:kube-system:efs-csi-*"
            ]
        );
    }
}
