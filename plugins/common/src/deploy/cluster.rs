//! `kf deploy cluster NAME`: green's EKS cluster shaped like blue's — version, role, VPC,
//! subnets, security groups, endpoint access, logging, tags; the managed nodegroups (instance
//! types, scaling, disk, labels, taints, node role) and add-ons — with the overrides applied;
//! the IAM OIDC provider; the green context in the kubeconfig; and blue's IRSA roles trusting
//! green too. Re-running converges.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_eks::types::{
    Cluster, ClusterStatus, Nodegroup, NodegroupScalingConfig, NodegroupStatus, VpcConfigRequest,
};
use k8s_openapi::api::core::v1::ServiceAccount;
use kube::api::{Api, ListParams};
use serde::Serialize;
use serde_yaml::Value as Yaml;

use crate::aws::Aws;
use crate::cli::GlobalArgs;
use crate::context::Blue;
use crate::error::{Error, Result};
use crate::irsa::{self, TrustChange};
use crate::kubeconfig::Section;
use crate::output::{self, Render};
use crate::progress::{Progress, Stream};
use crate::record::{Phase, RecordStore, UPGRADE_TAG};
use crate::upgrade::Ctx;
use crate::wait::{self, Poll};

pub const CLUSTER: &str = "cluster.eks";
pub const OIDC: &str = "cluster.oidc-provider";
pub const KUBECONFIG: &str = "cluster.kubeconfig";
pub const IRSA_ANNOTATION: &str = "eks.amazonaws.com/role-arn";
/// Kubernetes 1.23 and later need the EBS CSI driver for EBS volumes.
const EBS_CSI: &str = "aws-ebs-csi-driver";

/// The overrides of `kf deploy cluster`.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub version: Option<String>,
    pub node_type: Option<String>,
    pub nodes: Option<i32>,
    pub nodes_min: Option<i32>,
    pub nodes_max: Option<i32>,
}

/// One nodegroup as it will be created.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodegroupShape {
    pub name: String,
    pub instance_types: Vec<String>,
    pub min: i32,
    pub desired: i32,
    pub max: i32,
    pub disk_size: Option<i32>,
    pub labels: BTreeMap<String, String>,
    pub taints: Vec<String>,
    pub node_role: String,
    pub subnets: Vec<String>,
    #[serde(skip)]
    source: Option<Nodegroup>,
}

/// Green's cluster as it will be created.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterShape {
    pub name: String,
    pub version: String,
    pub role_arn: String,
    pub vpc_id: String,
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
    pub endpoint_public: bool,
    pub endpoint_private: bool,
    pub logging: Vec<String>,
    pub tags: BTreeMap<String, String>,
    pub nodegroups: Vec<NodegroupShape>,
    pub addons: Vec<String>,
}

fn version_at_least(v: &str, major: u32, minor: u32) -> bool {
    let mut it = v.split('.').filter_map(|p| p.parse::<u32>().ok());
    (it.next().unwrap_or(0), it.next().unwrap_or(0)) >= (major, minor)
}

fn logging_types(c: &Cluster) -> Vec<String> {
    let mut out: Vec<String> = c
        .logging()
        .map(|l| l.cluster_logging())
        .unwrap_or_default()
        .iter()
        .filter(|s| s.enabled() == Some(true))
        .flat_map(|s| s.types().iter().map(|t| t.as_str().to_string()))
        .collect();
    out.sort();
    out
}

fn nodegroup_shape(ng: &Nodegroup, o: &Overrides) -> NodegroupShape {
    let sc = ng.scaling_config();
    let mut shape = NodegroupShape {
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
            .map(|t| {
                format!(
                    "{}={}:{}",
                    t.key().unwrap_or_default(),
                    t.value().unwrap_or_default(),
                    t.effect().map(|e| e.as_str()).unwrap_or_default()
                )
            })
            .collect(),
        node_role: ng.node_role().unwrap_or_default().to_string(),
        subnets: ng.subnets().to_vec(),
        source: Some(ng.clone()),
    };
    if let Some(t) = &o.node_type {
        shape.instance_types = vec![t.clone()];
    }
    if let Some(n) = o.nodes_min {
        shape.min = n;
    }
    if let Some(n) = o.nodes_max {
        shape.max = n;
    }
    if let Some(n) = o.nodes {
        shape.desired = n;
    }
    shape
}

/// Reads blue's cluster, nodegroups and add-ons and applies the overrides.
pub async fn green_shape(
    aws: &Aws,
    blue: &Cluster,
    name: &str,
    o: &Overrides,
) -> Result<(ClusterShape, Vec<NodegroupShape>, Vec<String>)> {
    let eks = aws.eks();
    let blue_name = blue.name().unwrap_or_default();
    let ng_names = crate::aws::all(
        "ListNodegroups",
        eks.list_nodegroups()
            .cluster_name(blue_name)
            .into_paginator()
            .items()
            .send(),
    )
    .await?;
    let mut blue_ngs = Vec::new();
    let mut green_ngs = Vec::new();
    for n in ng_names {
        let out = eks
            .describe_nodegroup()
            .cluster_name(blue_name)
            .nodegroup_name(&n)
            .send()
            .await
            .map_err(|e| Error::aws("DescribeNodegroup", e))?;
        if let Some(ng) = out.nodegroup() {
            blue_ngs.push(nodegroup_shape(ng, &Overrides::default()));
            green_ngs.push(nodegroup_shape(ng, o));
        }
    }
    for ng in &green_ngs {
        if !(ng.min <= ng.desired && ng.desired <= ng.max) || ng.min < 0 {
            return Err(Error::usage(
                format!(
                    "nodegroup {}: nodes-min {} <= nodes {} <= nodes-max {} does not hold",
                    ng.name, ng.min, ng.desired, ng.max
                ),
                "adjust --nodes/--nodes-min/--nodes-max",
            ));
        }
    }
    let blue_addons = eks
        .list_addons()
        .cluster_name(blue_name)
        .send()
        .await
        .map_err(|e| Error::aws("ListAddons", e))?
        .addons()
        .to_vec();
    let mut addons = blue_addons.clone();
    let version = o
        .version
        .clone()
        .unwrap_or_else(|| blue.version().unwrap_or_default().to_string());
    if version_at_least(&version, 1, 23) && !addons.iter().any(|a| a == EBS_CSI) {
        addons.push(EBS_CSI.to_string());
    }
    addons.sort();
    let vpc = blue.resources_vpc_config();
    let mut tags: BTreeMap<String, String> = blue
        .tags()
        .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    tags.insert(UPGRADE_TAG.to_string(), crate::record::label_value(name));
    let green = ClusterShape {
        name: name.to_string(),
        version,
        role_arn: blue.role_arn().unwrap_or_default().to_string(),
        vpc_id: vpc.and_then(|v| v.vpc_id()).unwrap_or_default().to_string(),
        subnets: vpc.map(|v| v.subnet_ids().to_vec()).unwrap_or_default(),
        security_groups: vpc
            .map(|v| v.security_group_ids().to_vec())
            .unwrap_or_default(),
        endpoint_public: vpc.map(|v| v.endpoint_public_access()).unwrap_or(true),
        endpoint_private: vpc.map(|v| v.endpoint_private_access()).unwrap_or(false),
        logging: logging_types(blue),
        tags,
        nodegroups: green_ngs,
        addons,
    };
    Ok((green, blue_ngs, blue_addons))
}

#[derive(Debug, Serialize)]
pub struct PlanRow {
    pub field: String,
    pub blue: String,
    pub green: String,
    pub differs: bool,
}

pub fn plan_rows(
    blue: &Cluster,
    blue_ngs: &[NodegroupShape],
    blue_addons: &[String],
    green: &ClusterShape,
) -> Vec<PlanRow> {
    let mut rows = Vec::new();
    let mut row = |field: String, b: String, g: String| {
        let differs = b != g;
        rows.push(PlanRow {
            field,
            blue: b,
            green: g,
            differs,
        });
    };
    row(
        "name".into(),
        blue.name().unwrap_or_default().into(),
        green.name.clone(),
    );
    row(
        "version".into(),
        blue.version().unwrap_or_default().into(),
        green.version.clone(),
    );
    row(
        "role".into(),
        blue.role_arn().unwrap_or_default().into(),
        green.role_arn.clone(),
    );
    row("vpc".into(), green.vpc_id.clone(), green.vpc_id.clone());
    row(
        "subnets".into(),
        green.subnets.join(","),
        green.subnets.join(","),
    );
    row(
        "endpoint access".into(),
        format!(
            "public={} private={}",
            green.endpoint_public, green.endpoint_private
        ),
        format!(
            "public={} private={}",
            green.endpoint_public, green.endpoint_private
        ),
    );
    row(
        "logging".into(),
        logging_types(blue).join(","),
        green.logging.join(","),
    );
    for (b, g) in blue_ngs.iter().zip(&green.nodegroups) {
        let n = &g.name;
        row(
            format!("nodegroup {n} instance types"),
            b.instance_types.join(","),
            g.instance_types.join(","),
        );
        row(
            format!("nodegroup {n} nodes min/desired/max"),
            format!("{}/{}/{}", b.min, b.desired, b.max),
            format!("{}/{}/{}", g.min, g.desired, g.max),
        );
        row(
            format!("nodegroup {n} disk"),
            format!("{:?}", b.disk_size),
            format!("{:?}", g.disk_size),
        );
        row(
            format!("nodegroup {n} labels"),
            format!("{:?}", b.labels),
            format!("{:?}", g.labels),
        );
        row(
            format!("nodegroup {n} taints"),
            b.taints.join(","),
            g.taints.join(","),
        );
    }
    row(
        "add-ons".into(),
        blue_addons.join(","),
        green.addons.join(","),
    );
    rows
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleTrust {
    pub role: String,
    pub service_accounts: Vec<String>,
    /// None in a dry run: IAM is not asked.
    pub change: Option<TrustChange>,
}

#[derive(Debug, Serialize)]
pub struct ClusterReport {
    pub green: String,
    #[serde(rename = "dryRun")]
    pub dry_run: bool,
    pub plan: Vec<PlanRow>,
    pub irsa: Vec<RoleTrust>,
    pub resources: BTreeMap<String, crate::record::Resource>,
}

impl Render for ClusterReport {
    fn table(&self) -> String {
        let mut s = format!(
            "Plan: green cluster {}{}\n\n",
            self.green,
            if self.dry_run {
                " (dry run: nothing is changed)"
            } else {
                ""
            }
        );
        s.push_str(&output::wrapped_table(
            &["FIELD", "BLUE", "GREEN", ""],
            self.plan.iter().map(|r| {
                [
                    r.field.clone(),
                    r.blue.clone(),
                    r.green.clone(),
                    if r.differs { "*".into() } else { String::new() },
                ]
            }),
        ));
        if !self.irsa.is_empty() {
            s.push('\n');
            s.push_str(&output::table(
                &["IAM ROLE", "SERVICE ACCOUNTS", "TRUST FOR GREEN"],
                self.irsa.iter().map(|r| {
                    [
                        r.role.clone(),
                        r.service_accounts.join(","),
                        match r.change {
                            Some(TrustChange::Added(n)) => format!("added {n} statement(s)"),
                            Some(TrustChange::Present) => "already trusted".into(),
                            Some(TrustChange::NotTrusted) => {
                                "not trusted by blue's provider: left alone".into()
                            }
                            None => "to extend".into(),
                        },
                    ]
                }),
            ));
        }
        if !self.resources.is_empty() {
            s.push('\n');
            s.push_str(&crate::record::resources_table(&self.resources));
        }
        s
    }
}

/// The service accounts of blue annotated with an IAM role, grouped by role name.
async fn blue_irsa_roles(client: &kube::Client) -> Result<BTreeMap<String, Vec<String>>> {
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

pub async fn run(g: &GlobalArgs, name: &str, o: &Overrides) -> Result<()> {
    if g.to.as_deref().is_some_and(|t| t != name) {
        return Err(Error::usage(
            format!(
                "--to {} differs from NAME {name}",
                g.to.clone().unwrap_or_default()
            ),
            "the green context is named after the cluster: drop --to, or pass the same name",
        ));
    }
    // The green context may not exist yet: only blue is resolved from the kubeconfig.
    let mut blue_args = g.clone();
    blue_args.to = None;
    let blue = Blue::resolve(&blue_args)?;
    if blue.context == name {
        return Err(Error::usage(
            format!("green's name {name} is blue's context"),
            "pick another NAME",
        ));
    }
    let blue_client = blue.client().await?;
    let aws = Aws::load(g).await?;
    let recorded = crate::record::get(&blue_client, name).await?;
    let blue_info = crate::eks::cluster_for_context(
        &aws,
        &blue.kubeconfig,
        &blue.context,
        recorded.as_ref().and_then(|r| r.blue_cluster.as_deref()),
    )
    .await?;
    if blue_info.name == name {
        return Err(Error::usage(
            format!("green's name {name} is blue's EKS cluster"),
            "pick another NAME",
        ));
    }
    let eks = aws.eks();
    let blue_cluster = eks
        .describe_cluster()
        .name(&blue_info.name)
        .send()
        .await
        .map_err(|e| Error::aws("DescribeCluster", e))?
        .cluster()
        .cloned()
        .ok_or_else(|| Error::failed("blue's cluster is not described"))?;
    let (shape, blue_ngs, blue_addons) = green_shape(&aws, &blue_cluster, name, o).await?;
    let plan = plan_rows(&blue_cluster, &blue_ngs, &blue_addons, &shape);
    let roles = blue_irsa_roles(&blue_client).await?;
    if g.dry_run {
        let irsa = roles
            .into_iter()
            .map(|(role, sas)| RoleTrust {
                role,
                service_accounts: sas,
                change: None,
            })
            .collect();
        let report = ClusterReport {
            green: name.to_string(),
            dry_run: true,
            plan,
            irsa,
            resources: BTreeMap::new(),
        };
        return output::print(g.output, &report);
    }

    let record = RecordStore::open(&blue_client, &blue.context, name).await?;
    let blue_name = blue_info.name.clone();
    record
        .update(|r| {
            r.blue_cluster = Some(blue_name.clone());
            r.green_cluster = Some(name.to_string());
        })
        .await?;
    let ctx = Ctx::new(aws.clone(), record, name, g.timeout);
    let progress = Progress::new(g.quiet);
    let stream = progress.stream("eks");
    let green = ensure_cluster(&ctx, &stream, &shape).await?;
    let issuer = green
        .identity()
        .and_then(|i| i.oidc())
        .and_then(|o| o.issuer())
        .unwrap_or_default()
        .to_string();
    let provider = irsa::ensure_oidc_provider(&aws, &issuer, &ctx.tag).await?;
    ctx.record
        .mark(OIDC, "OIDCProvider", &provider, Phase::Completed, None)
        .await?;

    let nodegroups = futures::future::try_join_all(shape.nodegroups.iter().map(|ng| {
        let s = progress.stream(&format!("ng/{}", ng.name));
        let ctx = &ctx;
        async move { ensure_nodegroup(ctx, &s, name, ng).await }
    }));
    let addons = futures::future::try_join_all(shape.addons.iter().map(|a| {
        let s = progress.stream(&format!("addon/{a}"));
        let ctx = &ctx;
        let blue_name = &blue_info.name;
        async move { ensure_addon(ctx, &s, blue_name, name, a).await }
    }));
    let (ngs, ads) = tokio::join!(nodegroups, addons);
    ngs?;
    ads?;

    // Blue's service accounts' roles trust green's provider too (same subject). Blue's own
    // provider is only looked up: without one, no role can trust blue, and nothing is copied.
    let blue_issuer = blue_info.oidc_issuer.clone().unwrap_or_default();
    let blue_provider = irsa::find_oidc_provider(&aws, &blue_issuer).await?;
    let mut irsa_report = Vec::new();
    for (role, sas) in roles {
        let change = match &blue_provider {
            Some(bp) => {
                irsa::extend_trust(&aws, &role, (bp, &blue_issuer), (&provider, &issuer)).await?
            }
            None => TrustChange::NotTrusted,
        };
        ctx.record
            .mark(
                &format!("cluster.irsa.{role}"),
                "IAMRoleTrust",
                &role,
                Phase::Completed,
                Some(format!("{change:?}")),
            )
            .await?;
        irsa_report.push(RoleTrust {
            role,
            service_accounts: sas,
            change: Some(change),
        });
    }

    write_context(&ctx, g, name, &green).await?;
    stream.finish(&format!("cluster {name} ready; context {name} written"));
    let rec = ctx.record.snapshot().await;
    let report = ClusterReport {
        green: name.to_string(),
        dry_run: false,
        plan,
        irsa: irsa_report,
        resources: rec
            .resources
            .into_iter()
            .filter(|(k, _)| k.starts_with("cluster."))
            .collect(),
    };
    output::print(g.output, &report)
}

async fn ensure_cluster(ctx: &Ctx, stream: &Stream, shape: &ClusterShape) -> Result<Cluster> {
    let eks = ctx.aws.eks();
    let name = &shape.name;
    match eks.describe_cluster().name(name).send().await {
        Ok(_) => {}
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            stream.set(&format!("creating EKS cluster {name} ({})", shape.version));
            ctx.record
                .mark(
                    CLUSTER,
                    "EKSCluster",
                    name,
                    Phase::InProgress,
                    Some(shape.version.clone()),
                )
                .await?;
            let logging = aws_sdk_eks::types::Logging::builder()
                .cluster_logging(
                    aws_sdk_eks::types::LogSetup::builder()
                        .set_types(Some(
                            shape
                                .logging
                                .iter()
                                .map(|t| aws_sdk_eks::types::LogType::from(t.as_str()))
                                .collect(),
                        ))
                        .enabled(true)
                        .build(),
                )
                .build();
            eks.create_cluster()
                .name(name)
                .version(&shape.version)
                .role_arn(&shape.role_arn)
                .resources_vpc_config(
                    VpcConfigRequest::builder()
                        .set_subnet_ids(Some(shape.subnets.clone()))
                        .set_security_group_ids(Some(shape.security_groups.clone()))
                        .endpoint_public_access(shape.endpoint_public)
                        .endpoint_private_access(shape.endpoint_private)
                        .build(),
                )
                .logging(logging)
                .set_tags(Some(
                    shape
                        .tags
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect::<HashMap<_, _>>(),
                ))
                .send()
                .await
                .map_err(|e| Error::aws("CreateCluster", e))?;
        }
        Err(e) => return Err(Error::aws("DescribeCluster", e)),
    }
    let cluster = wait::until(
        &format!("EKS cluster {name} to be ACTIVE"),
        ctx.timeout,
        stream,
        || async {
            let out = eks
                .describe_cluster()
                .name(name)
                .send()
                .await
                .map_err(|e| Error::aws("DescribeCluster", e))?;
            let c = out
                .cluster()
                .cloned()
                .ok_or_else(|| Error::failed("cluster not described"))?;
            match c.status() {
                Some(ClusterStatus::Active) => Ok(Poll::Ready(c)),
                Some(ClusterStatus::Failed) => {
                    Err(Error::failed(format!("EKS cluster {name} FAILED")))
                }
                s => Ok(Poll::Pending(
                    s.map(|s| s.as_str().to_string()).unwrap_or_default(),
                )),
            }
        },
    )
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

async fn ensure_nodegroup(
    ctx: &Ctx,
    stream: &Stream,
    cluster: &str,
    ng: &NodegroupShape,
) -> Result<()> {
    let eks = ctx.aws.eks();
    let key = format!("cluster.nodegroup.{}", ng.name);
    match eks
        .describe_nodegroup()
        .cluster_name(cluster)
        .nodegroup_name(&ng.name)
        .send()
        .await
    {
        Ok(_) => {}
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            stream.set(&format!(
                "creating nodegroup {} ({} x {})",
                ng.name,
                ng.desired,
                ng.instance_types.join(",")
            ));
            ctx.record
                .mark(&key, "Nodegroup", &ng.name, Phase::InProgress, None)
                .await?;
            let src = ng.source.as_ref();
            let mut req = eks
                .create_nodegroup()
                .cluster_name(cluster)
                .nodegroup_name(&ng.name)
                .scaling_config(
                    NodegroupScalingConfig::builder()
                        .min_size(ng.min)
                        .desired_size(ng.desired)
                        .max_size(ng.max)
                        .build(),
                )
                .set_instance_types(Some(ng.instance_types.clone()))
                .set_disk_size(ng.disk_size)
                .node_role(&ng.node_role)
                .set_subnets(Some(ng.subnets.clone()))
                .set_labels(Some(
                    ng.labels
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                ))
                .set_taints(src.map(|s| s.taints().to_vec()).filter(|t| !t.is_empty()))
                .set_ami_type(src.and_then(|s| s.ami_type().cloned()))
                .set_capacity_type(src.and_then(|s| s.capacity_type().cloned()))
                .tags(UPGRADE_TAG, &ctx.tag);
            if let Some(tags) = src.and_then(|s| s.tags()) {
                for (k, v) in tags {
                    if k != UPGRADE_TAG {
                        req = req.tags(k, v);
                    }
                }
            }
            req.send()
                .await
                .map_err(|e| Error::aws("CreateNodegroup", e))?;
        }
        Err(e) => return Err(Error::aws("DescribeNodegroup", e)),
    }
    wait::until(
        &format!("nodegroup {} to be ACTIVE", ng.name),
        ctx.timeout,
        stream,
        || async {
            let out = eks
                .describe_nodegroup()
                .cluster_name(cluster)
                .nodegroup_name(&ng.name)
                .send()
                .await
                .map_err(|e| Error::aws("DescribeNodegroup", e))?;
            match out.nodegroup().and_then(|n| n.status()) {
                Some(NodegroupStatus::Active) => Ok(Poll::Ready(())),
                Some(NodegroupStatus::CreateFailed) | Some(NodegroupStatus::Degraded) => {
                    Err(Error::failed(format!("nodegroup {} failed", ng.name)))
                }
                s => Ok(Poll::Pending(
                    s.map(|s| s.as_str().to_string()).unwrap_or_default(),
                )),
            }
        },
    )
    .await?;
    stream.finish(&format!("nodegroup {} ACTIVE", ng.name));
    ctx.record
        .mark(
            &key,
            "Nodegroup",
            &ng.name,
            Phase::Completed,
            Some(format!("{} x {}", ng.desired, ng.instance_types.join(","))),
        )
        .await
}

/// The add-on on green with the role it has on blue (whose trust is extended to green).
async fn ensure_addon(
    ctx: &Ctx,
    stream: &Stream,
    blue_cluster: &str,
    cluster: &str,
    addon: &str,
) -> Result<()> {
    let eks = ctx.aws.eks();
    let role = eks
        .describe_addon()
        .cluster_name(blue_cluster)
        .addon_name(addon)
        .send()
        .await
        .ok()
        .and_then(|o| {
            o.addon()
                .and_then(|a| a.service_account_role_arn())
                .map(str::to_string)
        });
    let spec = crate::eks::AddonSpec {
        cluster,
        name: addon,
        role: role.as_deref(),
        tag: &ctx.tag,
    };
    let version = crate::eks::ensure_addon(&ctx.aws, &spec, ctx.timeout, stream).await?;
    stream.finish(&format!("{addon} ACTIVE"));
    ctx.record
        .mark(
            &format!("cluster.addon.{addon}"),
            "EKSAddon",
            addon,
            Phase::Completed,
            Some(version),
        )
        .await
}

/// Writes cluster, user and context NAME with the safe writer; never touches current-context.
async fn write_context(ctx: &Ctx, g: &GlobalArgs, name: &str, green: &Cluster) -> Result<()> {
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

#[cfg(test)]
mod tests {
    use super::version_at_least;

    #[test]
    fn versions_compare_numerically() {
        assert!(version_at_least("1.31", 1, 23));
        assert!(version_at_least("1.23", 1, 23));
        assert!(!version_at_least("1.9", 1, 23));
        assert!(!version_at_least("1.22", 1, 23));
    }
}
