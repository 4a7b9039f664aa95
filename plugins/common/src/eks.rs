//! EKS clusters behind kubeconfig contexts, and their network.

use aws_sdk_eks::types::Cluster;
use serde_yaml::Value;

use crate::aws::Aws;
use crate::error::{Error, Result};
use crate::kubeconfig::{Kubeconfigs, Section};

/// What the suite needs to know of an EKS cluster.
#[derive(Clone, Debug)]
pub struct ClusterInfo {
    pub name: String,
    pub arn: String,
    pub version: String,
    pub status: String,
    pub vpc_id: String,
    pub subnet_ids: Vec<String>,
    pub cluster_security_group_id: String,
    pub oidc_issuer: Option<String>,
    pub endpoint: Option<String>,
}

impl ClusterInfo {
    fn from_sdk(c: &Cluster) -> Result<Self> {
        let name = c.name().unwrap_or_default().to_string();
        let vpc = c.resources_vpc_config();
        let vpc_id = vpc.and_then(|v| v.vpc_id()).unwrap_or_default().to_string();
        if vpc_id.is_empty() {
            return Err(Error::failed(format!("EKS cluster {name} reports no VPC")));
        }
        Ok(Self {
            arn: c.arn().unwrap_or_default().to_string(),
            version: c.version().unwrap_or_default().to_string(),
            status: c
                .status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            vpc_id,
            subnet_ids: vpc.map(|v| v.subnet_ids().to_vec()).unwrap_or_default(),
            cluster_security_group_id: vpc
                .and_then(|v| v.cluster_security_group_id())
                .unwrap_or_default()
                .to_string(),
            oidc_issuer: c
                .identity()
                .and_then(|i| i.oidc())
                .and_then(|o| o.issuer())
                .map(str::to_string),
            endpoint: c.endpoint().map(str::to_string),
            name,
        })
    }
}

pub async fn describe(aws: &Aws, name: &str) -> Result<ClusterInfo> {
    let out = aws
        .eks()
        .describe_cluster()
        .name(name)
        .send()
        .await
        .map_err(|e| Error::aws(&format!("DescribeCluster {name}"), e))?;
    let c = out
        .cluster()
        .ok_or_else(|| Error::failed(format!("EKS cluster {name}: empty answer")))?;
    ClusterInfo::from_sdk(c)
}

/// The EKS cluster name written in a context's exec credential arguments (`aws eks get-token
/// --cluster-name X`, `kubectl kf token --cluster X`, `aws-iam-authenticator token -i X`) or
/// in an EKS ARN used as context or cluster name.
pub fn cluster_name_in_kubeconfig(kc: &Kubeconfigs, context: &str) -> Option<String> {
    let ctx = kc.context(context)?;
    if let Some(args) = kc
        .entry(Section::Users, &ctx.user)
        .and_then(|u| u.get("exec"))
        .and_then(|e| e.get("args"))
        .and_then(Value::as_sequence)
    {
        let args: Vec<&str> = args.iter().filter_map(Value::as_str).collect();
        for (i, a) in args.iter().enumerate() {
            for flag in ["--cluster-name", "--cluster", "--cluster-id", "-i"] {
                if *a == flag
                    && let Some(v) = args.get(i + 1)
                {
                    return Some(v.to_string());
                }
                if let Some(v) = a.strip_prefix(&format!("{flag}=")) {
                    return Some(v.to_string());
                }
            }
        }
    }
    [context, ctx.cluster.as_str()].iter().find_map(|n| {
        n.strip_prefix("arn:")
            .and_then(|a| a.split_once(":cluster/"))
            .map(|(_, c)| c.to_string())
    })
}

/// The EKS cluster of a context: recorded, else from the kubeconfig, else by matching the
/// context's API server with the endpoints of the account's clusters.
pub async fn cluster_for_context(
    aws: &Aws,
    kc: &Kubeconfigs,
    context: &str,
    recorded: Option<&str>,
) -> Result<ClusterInfo> {
    if let Some(name) = recorded
        .map(str::to_string)
        .or_else(|| cluster_name_in_kubeconfig(kc, context))
    {
        return describe(aws, &name).await;
    }
    let server = kc.server(context).unwrap_or_default();
    let names = crate::aws::all(
        "ListClusters",
        aws.eks().list_clusters().into_paginator().items().send(),
    )
    .await?;
    for name in &names {
        let info = describe(aws, name).await?;
        if info.endpoint.as_deref().map(|e| e.trim_end_matches('/'))
            == Some(server.trim_end_matches('/'))
        {
            return Ok(info);
        }
    }
    Err(Error::usage(
        format!(
            "cannot tell which EKS cluster context \"{context}\" is: its user has no exec `--cluster-name`/`--cluster` \
         argument, it is not an EKS ARN, and no cluster's endpoint is {server}"
        ),
        "recreate the context with \
         `aws eks update-kubeconfig` or `kubectl kf deploy cluster`",
    ))
}

/// Green's cluster and where green's storage goes.
#[derive(Clone, Debug)]
pub struct GreenNetwork {
    pub cluster: ClusterInfo,
    pub private_subnets: Vec<Subnet>,
}

/// Green's network: its cluster with the private subnets; a cluster without its managed
/// security group is an error.
pub async fn green_network(aws: &Aws, cluster: ClusterInfo) -> Result<GreenNetwork> {
    let private_subnets = private_subnets(aws, &cluster).await?;
    if cluster.cluster_security_group_id.is_empty() {
        return Err(Error::failed(format!(
            "EKS cluster {} reports no cluster security group",
            cluster.name
        )));
    }
    Ok(GreenNetwork {
        cluster,
        private_subnets,
    })
}

/// A subnet, with the facts placement decisions need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subnet {
    pub id: String,
    pub arn: String,
    pub az: String,
    pub public: bool,
}

/// Describes subnets and tells which are public: a route to an internet gateway, public IPs on
/// launch, or the `kubernetes.io/role/elb` tag.
pub async fn subnets(aws: &Aws, ids: &[String]) -> Result<Vec<Subnet>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ec2 = aws.ec2();
    let out = ec2
        .describe_subnets()
        .set_subnet_ids(Some(ids.to_vec()))
        .send()
        .await
        .map_err(|e| Error::aws("DescribeSubnets", e))?;
    let vpc_ids: Vec<String> = out
        .subnets()
        .iter()
        .filter_map(|s| s.vpc_id().map(str::to_string))
        .collect();
    let tables = ec2
        .describe_route_tables()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("vpc-id")
                .set_values(Some(vpc_ids))
                .build(),
        )
        .send()
        .await
        .map_err(|e| Error::aws("DescribeRouteTables", e))?;
    let has_igw = |t: &aws_sdk_ec2::types::RouteTable| {
        t.routes()
            .iter()
            .any(|r| r.gateway_id().is_some_and(|g| g.starts_with("igw-")))
    };
    let main_public = tables
        .route_tables()
        .iter()
        .find(|t| t.associations().iter().any(|a| a.main() == Some(true)))
        .is_some_and(has_igw);
    let mut result = Vec::new();
    for s in out.subnets() {
        let id = s.subnet_id().unwrap_or_default().to_string();
        let explicit = tables.route_tables().iter().find(|t| {
            t.associations()
                .iter()
                .any(|a| a.subnet_id() == Some(id.as_str()))
        });
        let routed_public = explicit.map(has_igw).unwrap_or(main_public);
        let tagged_public = s
            .tags()
            .iter()
            .any(|t| t.key() == Some("kubernetes.io/role/elb") && t.value() != Some("0"));
        result.push(Subnet {
            arn: s.subnet_arn().unwrap_or_default().to_string(),
            az: s.availability_zone().unwrap_or_default().to_string(),
            public: routed_public || s.map_public_ip_on_launch() == Some(true) || tagged_public,
            id,
        });
    }
    result.sort_by(|a, b| a.az.cmp(&b.az).then(a.id.cmp(&b.id)));
    Ok(result)
}

/// The private subnets of a cluster; an error says what was looked at when there is none.
pub async fn private_subnets(aws: &Aws, cluster: &ClusterInfo) -> Result<Vec<Subnet>> {
    let all = subnets(aws, &cluster.subnet_ids).await?;
    let private: Vec<Subnet> = all.iter().filter(|s| !s.public).cloned().collect();
    if private.is_empty() {
        return Err(Error::failed(format!(
            "EKS cluster {} has no private subnet ({}); add private subnets to the cluster",
            cluster.name,
            all.iter()
                .map(|s| format!("{} {} public", s.id, s.az))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(private)
}

/// The distinct availability zones of `subnets`, in order.
pub fn zones(subnets: &[Subnet]) -> Vec<&str> {
    let mut azs: Vec<&str> = subnets.iter().map(|s| s.az.as_str()).collect();
    azs.dedup();
    azs
}

/// An EKS add-on as it should be on a cluster.
#[derive(Clone, Copy, Debug)]
pub struct AddonSpec<'a> {
    pub cluster: &'a str,
    pub name: &'a str,
    /// The IAM role of its service account (IRSA).
    pub role: Option<&'a str>,
    /// Its `configurationValues` (JSON or YAML), as given at creation.
    pub configuration_values: Option<&'a str>,
    /// Pod Identity associations it owns: (service account, role ARN).
    pub pod_identities: &'a [(String, String)],
    /// The upgrade's tag value.
    pub tag: &'a str,
}

/// Where an add-on stands: ACTIVE (its version), failed for good, or not yet. DEGRADED is not
/// terminal: EKS reports it until the add-on's pods run (coredns on a cluster without nodes,
/// eksctl-io/eksctl#4607; "it will recover once there are nodegroups again", eksctl PR #5458),
/// so it is waited on with its health issues shown.
pub fn addon_readiness(a: Option<&aws_sdk_eks::types::Addon>) -> crate::wait::Poll<String> {
    use crate::wait::Poll;
    let status = a
        .and_then(|a| a.status())
        .map(|s| s.as_str().to_string())
        .unwrap_or_default();
    let issues: Vec<String> = a
        .and_then(|a| a.health())
        .map(|h| h.issues())
        .unwrap_or_default()
        .iter()
        .map(|i| {
            format!(
                "{}: {}",
                i.code().map(|c| c.as_str()).unwrap_or("issue"),
                i.message().unwrap_or_default()
            )
        })
        .collect();
    match status.as_str() {
        "ACTIVE" => Poll::Ready(
            a.and_then(|a| a.addon_version())
                .unwrap_or_default()
                .to_string(),
        ),
        _ if issues.is_empty() => Poll::Pending(status),
        _ => Poll::Pending(format!("{status} ({})", issues.join("; "))),
    }
}

/// Installs EKS add-on `spec.name` (or points it at `spec.role` when it exists with another
/// one) and waits until it is ACTIVE; its version. Without a role, an existing add-on is left
/// as is. CREATE_FAILED and UPDATE_FAILED end the wait; DEGRADED is waited on until the timeout.
pub async fn ensure_addon(
    aws: &Aws,
    spec: &AddonSpec<'_>,
    timeout: std::time::Duration,
    stream: &crate::progress::Stream,
) -> Result<String> {
    use crate::wait::{self, Poll};
    use aws_sdk_eks::types::{AddonPodIdentityAssociations, ResolveConflicts};
    let (cluster, addon, role) = (spec.cluster, spec.name, spec.role);
    let eks = aws.eks();
    let describe = || {
        eks.describe_addon()
            .cluster_name(cluster)
            .addon_name(addon)
            .send()
    };
    match describe().await {
        Ok(out) => {
            let current = out.addon().and_then(|a| a.service_account_role_arn());
            if role.is_some() && current != role {
                stream.set(&format!("updating add-on {addon}"));
                eks.update_addon()
                    .cluster_name(cluster)
                    .addon_name(addon)
                    .set_service_account_role_arn(role.map(str::to_string))
                    .resolve_conflicts(ResolveConflicts::Overwrite)
                    .send()
                    .await
                    .map_err(|e| Error::aws(&format!("UpdateAddon {addon}"), e))?;
            }
        }
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            // The version is left to EKS's default for the cluster's Kubernetes version.
            stream.set(&format!("installing add-on {addon}"));
            let pods: Vec<AddonPodIdentityAssociations> = spec
                .pod_identities
                .iter()
                .map(|(sa, role)| {
                    AddonPodIdentityAssociations::builder()
                        .service_account(sa)
                        .role_arn(role)
                        .build()
                })
                .collect::<std::result::Result<_, _>>()
                .map_err(|e| Error::failed(format!("add-on {addon} Pod Identity: {e}")))?;
            eks.create_addon()
                .cluster_name(cluster)
                .addon_name(addon)
                .set_service_account_role_arn(role.map(str::to_string))
                .set_configuration_values(spec.configuration_values.map(str::to_string))
                .set_pod_identity_associations((!pods.is_empty()).then_some(pods))
                .resolve_conflicts(ResolveConflicts::Overwrite)
                .set_tags(Some(crate::tags::Tags::upgrade(spec.tag).map()))
                .send()
                .await
                .map_err(|e| Error::aws(&format!("CreateAddon {addon}"), e))?;
        }
        Err(e) => return Err(Error::aws("DescribeAddon", e)),
    }
    wait::until(
        &format!("add-on {addon} on {cluster} to be ACTIVE"),
        timeout,
        stream,
        || async {
            let out = describe()
                .await
                .map_err(|e| Error::aws("DescribeAddon", e))?;
            let a = out.addon();
            let failed = a
                .and_then(|a| a.status())
                .map(|s| s.as_str())
                .filter(|s| matches!(*s, "CREATE_FAILED" | "UPDATE_FAILED"));
            match (failed, addon_readiness(a)) {
                (Some(_), Poll::Pending(why)) => {
                    Err(Error::failed(format!("add-on {addon} is {why}")))
                }
                (_, poll) => Ok(poll),
            }
        },
    )
    .await
}

/// The names of `cluster`'s nodegroups, every page.
pub async fn nodegroup_names(eks: &aws_sdk_eks::Client, cluster: &str) -> Result<Vec<String>> {
    crate::aws::all(
        "ListNodegroups",
        eks.list_nodegroups()
            .cluster_name(cluster)
            .into_paginator()
            .items()
            .send(),
    )
    .await
}

/// The names of `cluster`'s add-ons, every page.
pub async fn addon_names(eks: &aws_sdk_eks::Client, cluster: &str) -> Result<Vec<String>> {
    crate::aws::all(
        "ListAddons",
        eks.list_addons()
            .cluster_name(cluster)
            .into_paginator()
            .items()
            .send(),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kubeconfig::KubeconfigFile;
    use crate::wait::Poll;
    use aws_sdk_eks::types::{Addon, AddonHealth, AddonIssue, AddonIssueCode, AddonStatus};

    #[test]
    fn a_degraded_addon_is_waited_on_with_its_health_issues() {
        let degraded = Addon::builder()
            .status(AddonStatus::Degraded)
            .health(
                AddonHealth::builder()
                    .issues(
                        AddonIssue::builder()
                            .code(AddonIssueCode::InsufficientNumberOfReplicas)
                            .message("not enough replicas")
                            .build(),
                    )
                    .build(),
            )
            .build();
        assert_eq!(
            addon_readiness(Some(&degraded)),
            Poll::Pending(
                "DEGRADED (InsufficientNumberOfReplicas: not enough replicas)".to_string()
            )
        );
        let active = Addon::builder()
            .status(AddonStatus::Active)
            .addon_version("v1.11.3-eksbuild.1")
            .build();
        assert_eq!(
            addon_readiness(Some(&active)),
            Poll::Ready("v1.11.3-eksbuild.1".to_string())
        );
    }

    #[test]
    fn cluster_names_from_exec_args_and_arns() {
        let text = r#"
contexts:
- name: a
  context: {cluster: a, user: a}
- name: b
  context: {cluster: b, user: b}
- name: arn:aws:eks:us-east-1:123456789012:cluster/prod
  context: {cluster: c, user: c}
users:
- name: a
  user: {exec: {command: aws, args: [--region, us-east-1, eks, get-token, --cluster-name, blue-prod]}}
- name: b
  user: {exec: {command: kubectl, args: [kf, token, --cluster=green]}}
- name: c
  user: {token: x}
"#;
        let f = KubeconfigFile::parse(std::path::Path::new("/k"), text).unwrap();
        let kc = Kubeconfigs::from_files(vec![f]);
        assert_eq!(
            cluster_name_in_kubeconfig(&kc, "a").as_deref(),
            Some("blue-prod")
        );
        assert_eq!(
            cluster_name_in_kubeconfig(&kc, "b").as_deref(),
            Some("green")
        );
        assert_eq!(
            cluster_name_in_kubeconfig(&kc, "arn:aws:eks:us-east-1:123456789012:cluster/prod")
                .as_deref(),
            Some("prod")
        );
        assert_eq!(cluster_name_in_kubeconfig(&kc, "nope"), None);
    }
}
