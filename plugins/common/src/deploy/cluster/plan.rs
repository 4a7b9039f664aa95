//! Green's cluster as a value, computed from what was read of blue and green and the overrides:
//! what to create, what to carry over, what is left out and why, and what is refused. Pure: no
//! AWS, no Kubernetes.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::access;
use super::facts::*;
use crate::error::{Error, Result};
use crate::record::UPGRADE_TAG;

pub use kf_cli::commands::AmiFamily;

/// The overrides of `kf deploy cluster`.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub version: Option<String>,
    pub node_type: Option<String>,
    pub nodes: Option<i32>,
    pub nodes_min: Option<i32>,
    pub nodes_max: Option<i32>,
    pub ami_family: Option<AmiFamily>,
}

/// Kubernetes 1.23 and later need the EBS CSI driver for EBS volumes
/// (https://docs.aws.amazon.com/eks/latest/userguide/ebs-csi.html).
pub const EBS_CSI: &str = "aws-ebs-csi-driver";
/// The EBS CSI controller's service account and the AWS managed policy for it (ebs-csi.html).
const EBS_CSI_SUBJECT: &str = "system:serviceaccount:kube-system:ebs-csi-controller-sa";
const EBS_CSI_POLICY: &str = "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy";
/// Add-ons that run as DaemonSets: they need no nodes to be ACTIVE and the nodes need them
/// (pod networking, kube-proxy, Pod Identity credentials), so they are installed before the
/// nodegroups; every other add-on (coredns, the CSI controllers) runs Deployments and is
/// installed once nodes exist (eksctl-io/eksctl#4030, #4607).
const DAEMONSET_ADDONS: &[&str] = &["vpc-cni", "kube-proxy", "eks-pod-identity-agent"];
/// Tags that say who owns or discovers blue: copied, they would make eksctl, CloudFormation
/// drift detection or Karpenter treat green as blue. `aws:` keys are reserved and refused by EKS.
const OWNER_TAG_PREFIXES: &[&str] = &["alpha.eksctl.io/", "eksctl.cluster.k8s.io/"];
const OWNER_TAGS: &[&str] = &["karpenter.sh/discovery"];

/// `^[0-9A-Za-z][A-Za-z0-9\-_]*`, at most 100 characters (CreateCluster `name`).
pub fn check_name(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !first_ok || !rest_ok || name.len() > 100 {
        return Err(Error::usage(
            format!(
                "\"{name}\" is not a valid EKS cluster name: it must start with a letter or digit, \
                 hold only letters, digits, - and _, and be at most 100 characters"
            ),
            "pick another NAME",
        ));
    }
    Ok(())
}

/// `1.N` as (1, N).
fn minor(v: &str) -> Option<(u32, u32)> {
    let (major, minor) = v.split_once('.')?;
    if major.is_empty()
        || minor.is_empty()
        || !(major.bytes().chain(minor.bytes())).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    Some((major.parse().ok()?, minor.parse().ok()?))
}

pub fn version_at_least(v: &str, major: u32, min: u32) -> bool {
    minor(v).is_some_and(|m| m >= (major, min))
}

/// Green's Kubernetes version: the one asked for (or blue's), checked against blue's and what
/// EKS offers.
pub fn green_version(blue: &str, requested: Option<&str>, offered: &[String]) -> Result<String> {
    let offered_list = if offered.is_empty() {
        "none".to_string()
    } else {
        offered.join(", ")
    };
    let Some(v) = requested else {
        if offered.iter().any(|o| o == blue) || offered.is_empty() {
            return Ok(blue.to_string());
        }
        return Err(Error::usage(
            format!("EKS no longer offers blue's Kubernetes {blue} (offered: {offered_list})"),
            "pass --version with one of them",
        ));
    };
    let Some(want) = minor(v) else {
        return Err(Error::usage(
            format!("--version {v}: expected MAJOR.MINOR such as 1.33 (EKS picks the patch)"),
            format!("pass one of: {offered_list}"),
        ));
    };
    if minor(blue).is_some_and(|b| want < b) {
        return Err(Error::usage(
            format!("--version {v} is older than blue's {blue}: green cannot go back"),
            format!("pass {blue} or later (EKS offers: {offered_list})"),
        ));
    }
    if !offered.iter().any(|o| o == v) {
        return Err(Error::usage(
            format!("EKS does not offer Kubernetes {v} (offered: {offered_list})"),
            "pass one of the offered versions",
        ));
    }
    Ok(v.to_string())
}

/// Blue's tags that green gets, and the keys left out (reserved `aws:` keys, and tags naming
/// blue's owner or discoverer).
pub fn carried_tags(tags: &BTreeMap<String, String>) -> (BTreeMap<String, String>, Vec<String>) {
    let mut kept = BTreeMap::new();
    let mut left = Vec::new();
    for (k, v) in tags {
        let reserved = k.to_ascii_lowercase().starts_with("aws:");
        let owner =
            OWNER_TAG_PREFIXES.iter().any(|p| k.starts_with(p)) || OWNER_TAGS.contains(&k.as_str());
        if reserved || owner || k == UPGRADE_TAG {
            if k != UPGRADE_TAG {
                left.push(k.clone());
            }
        } else {
            kept.insert(k.clone(), v.clone());
        }
    }
    (kept, left)
}

const AL2: &[&str] = &["AL2_x86_64", "AL2_x86_64_GPU", "AL2_ARM_64"];

/// The AMI type of the same architecture and accelerator in `family`.
fn family_ami(family: AmiFamily, arm: bool, gpu: bool) -> &'static str {
    match (family, arm, gpu) {
        (AmiFamily::Al2023, false, false) => "AL2023_x86_64_STANDARD",
        (AmiFamily::Al2023, false, true) => "AL2023_x86_64_NVIDIA",
        (AmiFamily::Al2023, true, false) => "AL2023_ARM_64_STANDARD",
        (AmiFamily::Al2023, true, true) => "AL2023_ARM_64_NVIDIA",
        (AmiFamily::Bottlerocket, false, false) => "BOTTLEROCKET_x86_64",
        (AmiFamily::Bottlerocket, false, true) => "BOTTLEROCKET_x86_64_NVIDIA",
        (AmiFamily::Bottlerocket, true, false) => "BOTTLEROCKET_ARM_64",
        (AmiFamily::Bottlerocket, true, true) => "BOTTLEROCKET_ARM_64_NVIDIA",
    }
}

/// Green's AMI type for blue's: AL2 types are not published for Kubernetes 1.33 and later
/// ("Kubernetes version 1.32 is the last version for which Amazon EKS will release AL2 AMIs",
/// eks-ami-deprecation-faqs.html), so they become the same architecture in `family`.
pub fn green_ami(blue: Option<&str>, version: &str, family: AmiFamily) -> Option<String> {
    let blue = blue?;
    if AL2.contains(&blue) && version_at_least(version, 1, 33) {
        let arm = blue == "AL2_ARM_64";
        let gpu = blue == "AL2_x86_64_GPU";
        return Some(family_ami(family, arm, gpu).to_string());
    }
    Some(blue.to_string())
}

/// Graviton (`m6g.`, `c7gn.`) and GPU (`g5.`, `p4d.`) instance families.
fn instance_kind(instance: &str) -> (bool, bool) {
    let family = instance.split('.').next().unwrap_or_default();
    let letters: String = family
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    let rest = &family[letters.len()..];
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    let suffix = &rest[digits.len()..];
    let arm = !digits.is_empty() && suffix.starts_with('g');
    let gpu = (letters == "p" || letters == "g") && !digits.is_empty();
    (arm, gpu)
}

/// A nodegroup's launch template, by id and version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TemplateRef {
    pub id: String,
    pub version: String,
}

/// Green's cluster as it will be created.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterSpec {
    pub name: String,
    pub version: String,
    pub role_arn: String,
    pub vpc_id: String,
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
    pub endpoint_public: bool,
    pub endpoint_private: bool,
    pub public_access_cidrs: Vec<String>,
    pub logging: Vec<String>,
    pub tags: BTreeMap<String, String>,
    pub authentication_mode: String,
    pub encryption: Vec<Encryption>,
    pub service_ipv4_cidr: Option<String>,
    pub ip_family: Option<String>,
    pub upgrade_support: Option<String>,
    /// Green exists already (a re-run): nothing is created.
    pub exists: bool,
}

/// One of green's nodegroups as it will be created.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodegroupSpec {
    pub name: String,
    /// Empty: the launch template sets the type (none may be sent then).
    pub instance_types: Vec<String>,
    pub min: i32,
    pub desired: i32,
    pub max: i32,
    /// None: the launch template sets the root volume.
    pub disk_size: Option<i32>,
    pub ami_type: Option<String>,
    pub capacity_type: Option<String>,
    pub launch_template: Option<TemplateRef>,
    pub labels: BTreeMap<String, String>,
    pub taints: Vec<Taint>,
    pub node_role: String,
    pub subnets: Vec<String>,
    pub tags: BTreeMap<String, String>,
    pub exists: bool,
}

/// An IAM role green's add-on gets: blue's role copied (its policies, trust for the same
/// service accounts through green's OIDC provider), or a new one. Blue's role is not changed.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleSpec {
    pub name: String,
    pub addon: String,
    pub copied_from: Option<String>,
    pub subjects: Vec<String>,
    pub managed_policies: Vec<String>,
    pub inline_policies: Vec<(String, String)>,
}

/// One of green's add-ons.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AddonSpec {
    pub name: String,
    /// Installed once the nodegroups are ACTIVE (its pods are a Deployment's).
    pub after_nodes: bool,
    /// The name of its IRSA role ([`RoleSpec`]).
    pub role: Option<String>,
    pub configuration_values: Option<String>,
    pub pod_identities: Vec<PodIdentity>,
    pub exists: bool,
}

/// An access entry green gets, and where it comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntrySpec {
    pub principal: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub groups: Vec<String>,
    pub username: Option<String>,
    pub policies: Vec<AccessPolicy>,
    /// `access entry` or `aws-auth mapRoles` / `aws-auth mapUsers`.
    pub from: String,
    pub exists: bool,
}

/// One row of the plan: a field and its value on blue and on green (lists one item per entry).
#[derive(Clone, Debug, Serialize)]
pub struct PlanRow {
    pub field: String,
    pub blue: Vec<String>,
    pub green: Vec<String>,
    pub differs: bool,
}

/// Green's cluster: every resource to ensure, in order, and what was left out.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub cluster: ClusterSpec,
    pub tags_left_out: Vec<String>,
    pub nodegroups: Vec<NodegroupSpec>,
    pub roles: Vec<RoleSpec>,
    pub addons: Vec<AddonSpec>,
    pub pod_identities: Vec<PodIdentity>,
    /// Green's own roles for Kubeflow's service accounts (blue's with green's bucket).
    pub kubeflow_roles: Vec<super::kubeflow_roles::RoleStep>,
    pub access_entries: Vec<EntrySpec>,
    /// Mappings of blue's aws-auth that no access entry can hold, carried to green's aws-auth.
    pub aws_auth: AwsAuth,
    /// What is not carried, or carried differently, and why.
    pub notes: Vec<String>,
    pub rows: Vec<PlanRow>,
}

/// The name of green's role for `addon`: `kf-<green>-<addon>`, at most 64 characters (IAM).
pub fn role_name(tag: &str, addon: &str) -> String {
    crate::upgrade::fit_name("kf-", tag, &format!("-{addon}"), 64)
}

pub struct Input<'a> {
    pub name: &'a str,
    /// Green as a tag value and name part.
    pub tag: &'a str,
    pub overrides: &'a Overrides,
    /// (blue's bucket, green's bucket) from the record's `clones.bucket`, once cloned.
    pub bucket: Option<(&'a str, &'a str)>,
}

/// Green's plan, or why it cannot be made as asked (exit 2, nothing created).
pub fn plan(blue: &BlueFacts, green: &GreenFacts, input: &Input) -> Result<Plan> {
    let o = input.overrides;
    let b = &blue.cluster;
    let version = green_version(&b.version, o.version.as_deref(), &blue.offered_versions)?;
    if let Some((existing, tag)) = &green.cluster {
        if tag.as_deref() != Some(input.tag) {
            return Err(Error::refused(
                format!(
                    "an EKS cluster named {} exists and is not green of this upgrade (its {UPGRADE_TAG} tag is {})",
                    input.name,
                    tag.as_deref().unwrap_or("absent")
                ),
                "pick another NAME",
            ));
        }
        if *existing != version {
            return Err(Error::usage(
                format!(
                    "green {} exists at Kubernetes {existing}; deploy cluster does not upgrade it to {version}",
                    input.name
                ),
                format!("pass --version {existing}, or upgrade green with EKS"),
            ));
        }
    }
    let family = o.ami_family.unwrap_or(AmiFamily::Al2023);
    let mut notes = Vec::new();
    let (mut tags, tags_left_out) = carried_tags(&b.tags);
    tags.insert(UPGRADE_TAG.to_string(), input.tag.to_string());
    if !tags_left_out.is_empty() {
        notes.push(format!(
            "blue's tags not given to green (reserved for AWS, or naming blue's owner): {}",
            tags_left_out.join(", ")
        ));
    }
    let authentication_mode = if b.authentication_mode.as_deref() == Some("API") {
        "API".to_string()
    } else {
        "API_AND_CONFIG_MAP".to_string()
    };
    let cluster = ClusterSpec {
        name: input.name.to_string(),
        version: version.clone(),
        role_arn: b.role_arn.clone(),
        vpc_id: b.vpc_id.clone(),
        subnets: b.subnets.clone(),
        security_groups: b.security_groups.clone(),
        endpoint_public: b.endpoint_public,
        endpoint_private: b.endpoint_private,
        public_access_cidrs: b.public_access_cidrs.clone(),
        logging: b.logging.clone(),
        tags: tags.clone(),
        authentication_mode,
        encryption: b.encryption.clone(),
        service_ipv4_cidr: b.service_ipv4_cidr.clone(),
        ip_family: b.ip_family.clone(),
        upgrade_support: b.upgrade_support.clone(),
        exists: green.cluster.is_some(),
    };

    let mut nodegroups = Vec::new();
    for ng in &blue.nodegroups {
        nodegroups.push(nodegroup(
            ng, green, o, &version, &b.version, family, &mut notes,
        )?);
    }

    let (roles, addons) = addons(blue, green, input.tag, &version, &mut notes)?;
    let node_roles: BTreeSet<&str> = nodegroups.iter().map(|n| n.node_role.as_str()).collect();
    let mut entries = Vec::new();
    for e in &blue.access_entries {
        if e.kind != "STANDARD" && node_roles.contains(e.principal.as_str()) {
            continue; // EKS creates it with green's managed nodegroup
        }
        entries.push(EntrySpec {
            principal: e.principal.clone(),
            kind: e.kind.clone(),
            groups: e.groups.clone(),
            username: e.username.clone(),
            policies: e.policies.clone(),
            from: "access entry".into(),
            exists: green.access_entries.contains_key(&e.principal),
        });
    }
    let carried = if b.authentication_mode.as_deref() == Some("API") {
        if !blue.aws_auth.is_empty() {
            notes.push(
                "blue's aws-auth ConfigMap is not read by blue (authentication mode API): not carried".into(),
            );
        }
        access::Carried::default()
    } else {
        let known: BTreeSet<&str> = entries.iter().map(|e| e.principal.as_str()).collect();
        access::carry(&blue.aws_auth, &known, &node_roles)
    };
    for mut e in carried.entries {
        e.exists = green.access_entries.contains_key(&e.principal);
        entries.push(e);
    }
    notes.extend(carried.notes);

    let pod_identities = blue.pod_identities.clone();
    let kubeflow_roles = super::kubeflow_roles::plan(
        &blue.kubeflow_roles,
        &green.kubeflow_roles,
        &super::kubeflow_roles::RolesInput {
            tag: input.tag,
            bucket: input.bucket,
            oidc: green.oidc.as_ref().map(|(a, i)| (a.as_str(), i.as_str())),
        },
    )?;
    for s in &kubeflow_roles {
        notes.extend(s.notes.iter().cloned());
    }
    let mut plan = Plan {
        cluster,
        tags_left_out,
        nodegroups,
        roles,
        addons,
        pod_identities,
        kubeflow_roles,
        access_entries: entries,
        aws_auth: carried.configmap,
        notes,
        rows: Vec::new(),
    };
    plan.rows = rows(blue, &plan);
    Ok(plan)
}

fn nodegroup(
    ng: &NodegroupFacts,
    green: &GreenFacts,
    o: &Overrides,
    version: &str,
    blue_version: &str,
    family: AmiFamily,
    notes: &mut Vec<String>,
) -> Result<NodegroupSpec> {
    let (kept_tags, _) = carried_tags(&ng.tags);
    let mut spec = NodegroupSpec {
        name: ng.name.clone(),
        instance_types: o
            .node_type
            .clone()
            .map(|t| vec![t])
            .unwrap_or_else(|| ng.instance_types.clone()),
        min: o.nodes_min.unwrap_or(ng.min),
        desired: o.nodes.unwrap_or(ng.desired),
        max: o.nodes_max.unwrap_or(ng.max),
        disk_size: ng.disk_size,
        ami_type: green_ami(ng.ami_type.as_deref(), version, family),
        capacity_type: ng.capacity_type.clone(),
        launch_template: None,
        labels: ng.labels.clone(),
        taints: ng.taints.clone(),
        node_role: ng.node_role.clone(),
        subnets: ng.subnets.clone(),
        tags: kept_tags,
        exists: green.nodegroups.contains(&ng.name),
    };
    if !(spec.min <= spec.desired && spec.desired <= spec.max) || spec.min < 0 {
        return Err(Error::usage(
            format!(
                "nodegroup {}: nodes-min {} <= nodes {} <= nodes-max {} does not hold",
                ng.name, spec.min, spec.desired, spec.max
            ),
            "adjust --nodes/--nodes-min/--nodes-max",
        ));
    }
    if let (Some(b), Some(g)) = (&ng.ami_type, &spec.ami_type)
        && b != g
    {
        notes.push(format!(
            "nodegroup {}: {b} becomes {g}: EKS publishes no Amazon Linux 2 AMIs for Kubernetes 1.33 and later",
            ng.name
        ));
    }
    let Some(lt) = &ng.launch_template else {
        return Ok(spec);
    };
    let template = TemplateRef {
        id: lt.id.clone(),
        version: lt.version.clone(),
    };
    if let Some(image) = &lt.image_id {
        if version == blue_version {
            // The template's AMI is built for blue's version, which green runs too.
            spec.launch_template = Some(template);
            spec.ami_type = None;
            spec.disk_size = None;
            if lt.instance_type.is_some() {
                refuse_node_type(ng, lt, o)?;
                spec.instance_types.clear();
            }
            return Ok(spec);
        }
        let Some(family) = o.ami_family else {
            return Err(Error::usage(
                format!(
                    "nodegroup {} runs a custom AMI ({image}, launch template {} version {}) built for Kubernetes \
                     {blue_version}; green runs {version}",
                    ng.name, lt.id, lt.version
                ),
                format!(
                    "make a template version with an AMI for {version} and point blue's nodegroup at it, or pass \
                     --ami-family al2023|bottlerocket to run EKS's image with the template's instance type and disk"
                ),
            ));
        };
        let instance = o
            .node_type
            .clone()
            .or_else(|| lt.instance_type.clone())
            .or_else(|| ng.instance_types.first().cloned())
            .unwrap_or_else(|| "m5.large".into());
        let (arm, gpu) = instance_kind(&instance);
        spec.instance_types = vec![instance];
        spec.disk_size = lt.volume_size.or(spec.disk_size);
        spec.ami_type = Some(family_ami(family, arm, gpu).to_string());
        notes.push(format!(
            "nodegroup {}: the custom AMI {image} of launch template {} is replaced by {} (--ami-family); the \
             template's other settings (user data, metadata options) are not used",
            ng.name,
            lt.id,
            spec.ami_type.clone().unwrap_or_default()
        ));
        return Ok(spec);
    }
    // A template without an AMI: EKS picks its optimized AMI of the given type.
    spec.launch_template = Some(template);
    spec.disk_size = None;
    if lt.instance_type.is_some() {
        refuse_node_type(ng, lt, o)?;
        spec.instance_types.clear();
    }
    Ok(spec)
}

fn refuse_node_type(ng: &NodegroupFacts, lt: &LaunchTemplateFacts, o: &Overrides) -> Result<()> {
    if let Some(t) = &o.node_type {
        return Err(Error::usage(
            format!(
                "--node-type {t}: nodegroup {}'s launch template {} sets the instance type ({}), and EKS refuses \
                 both",
                ng.name,
                lt.id,
                lt.instance_type.clone().unwrap_or_default()
            ),
            "drop --node-type (green keeps the template's type), or make a template version with the type you want",
        ));
    }
    Ok(())
}

fn addons(
    blue: &BlueFacts,
    green: &GreenFacts,
    tag: &str,
    version: &str,
    notes: &mut Vec<String>,
) -> Result<(Vec<RoleSpec>, Vec<AddonSpec>)> {
    let mut roles = Vec::new();
    let mut out = Vec::new();
    let mut all: Vec<&AddonFacts> = blue.addons.iter().collect();
    let ebs_added = AddonFacts {
        name: EBS_CSI.into(),
        ..Default::default()
    };
    let add_ebs = version_at_least(version, 1, 23) && !all.iter().any(|a| a.name == EBS_CSI);
    if add_ebs {
        all.push(&ebs_added);
    }
    all.sort_by(|a, b| a.name.cmp(&b.name));
    for a in all {
        let role = if let Some(r) = &a.role {
            let mut subjects = r.subjects.clone();
            if subjects.is_empty() {
                subjects = a
                    .service_accounts
                    .iter()
                    .map(|sa| format!("system:serviceaccount:kube-system:{sa}"))
                    .collect();
            }
            if subjects.is_empty() {
                return Err(Error::failed(format!(
                    "add-on {}: its role {} trusts no service account of blue, and EKS names none for it; \
                     cannot tell which service account green's copy of the role must trust",
                    a.name, r.name
                )));
            }
            let name = role_name(tag, &a.name);
            roles.push(RoleSpec {
                name: name.clone(),
                addon: a.name.clone(),
                copied_from: Some(r.name.clone()),
                subjects,
                managed_policies: r.managed_policies.clone(),
                inline_policies: r.inline_policies.clone(),
            });
            Some(name)
        } else if add_ebs && a.name == EBS_CSI {
            let name = role_name(tag, EBS_CSI);
            roles.push(RoleSpec {
                name: name.clone(),
                addon: EBS_CSI.into(),
                copied_from: None,
                subjects: vec![EBS_CSI_SUBJECT.into()],
                managed_policies: vec![EBS_CSI_POLICY.into()],
                inline_policies: Vec::new(),
            });
            notes.push(format!(
                "add-on {EBS_CSI}: blue has none; Kubernetes {version} needs it for EBS volumes: green gets it with \
                 role {name} (AmazonEBSCSIDriverPolicy)"
            ));
            Some(name)
        } else {
            None
        };
        out.push(AddonSpec {
            name: a.name.clone(),
            after_nodes: !DAEMONSET_ADDONS.contains(&a.name.as_str()),
            role,
            configuration_values: a.configuration_values.clone(),
            pod_identities: a.pod_identities.clone(),
            exists: green.addons.contains(&a.name),
        });
    }
    Ok((roles, out))
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn opt(v: &Option<String>) -> Vec<String> {
    v.iter().cloned().collect()
}

fn rows(blue: &BlueFacts, plan: &Plan) -> Vec<PlanRow> {
    let b = &blue.cluster;
    let g = &plan.cluster;
    let mut rows = Vec::new();
    let mut row = |field: &str, blue: Vec<String>, green: Vec<String>| {
        let differs = blue != green;
        rows.push(PlanRow {
            field: field.to_string(),
            blue,
            green,
            differs,
        });
    };
    let one = |s: &str| vec![s.to_string()];
    row("name", one(&b.name), one(&g.name));
    row("version", one(&b.version), one(&g.version));
    row("cluster role", one(&b.role_arn), one(&g.role_arn));
    row("vpc", one(&b.vpc_id), one(&g.vpc_id));
    row("subnets", b.subnets.clone(), g.subnets.clone());
    row(
        "security groups",
        b.security_groups.clone(),
        g.security_groups.clone(),
    );
    let access = |public: bool, private: bool| {
        vec![format!(
            "public: {}, private: {}",
            yes_no(public),
            yes_no(private)
        )]
    };
    row(
        "endpoint access",
        access(b.endpoint_public, b.endpoint_private),
        access(g.endpoint_public, g.endpoint_private),
    );
    row(
        "public access CIDRs",
        b.public_access_cidrs.clone(),
        g.public_access_cidrs.clone(),
    );
    let logs = |l: &[String]| {
        if l.is_empty() {
            vec!["off".to_string()]
        } else {
            l.to_vec()
        }
    };
    row("control-plane logs", logs(&b.logging), logs(&g.logging));
    row(
        "authentication mode",
        opt(&b.authentication_mode)
            .into_iter()
            .chain(
                b.authentication_mode
                    .is_none()
                    .then(|| "CONFIG_MAP".to_string()),
            )
            .collect(),
        one(&g.authentication_mode),
    );
    let enc = |e: &[Encryption]| -> Vec<String> {
        if e.is_empty() {
            return vec!["off".into()];
        }
        e.iter()
            .map(|e| format!("{} with {}", e.resources.join(","), e.key_arn))
            .collect()
    };
    row("secrets encryption", enc(&b.encryption), enc(&g.encryption));
    row(
        "service CIDR",
        opt(&b.service_ipv4_cidr),
        opt(&g.service_ipv4_cidr),
    );
    row("IP family", opt(&b.ip_family), opt(&g.ip_family));
    row(
        "upgrade policy",
        opt(&b.upgrade_support),
        opt(&g.upgrade_support),
    );
    row(
        "tags",
        b.tags.iter().map(|(k, v)| format!("{k}={v}")).collect(),
        g.tags.iter().map(|(k, v)| format!("{k}={v}")).collect(),
    );
    for (bn, gn) in blue.nodegroups.iter().zip(&plan.nodegroups) {
        let n = &gn.name;
        let types = |t: &[String], lt: bool| {
            if t.is_empty() && lt {
                vec!["from launch template".to_string()]
            } else {
                t.to_vec()
            }
        };
        let lt_b = bn
            .launch_template
            .as_ref()
            .map(|l| format!("{} version {}", l.id, l.version));
        let lt_g = gn
            .launch_template
            .as_ref()
            .map(|l| format!("{} version {}", l.id, l.version));
        let disk = |d: Option<i32>, lt: bool| match d {
            Some(d) => vec![format!("{d} GiB")],
            None if lt => vec!["from launch template".into()],
            None => vec![],
        };
        let bt: Vec<String> = match (&bn.launch_template, bn.instance_types.is_empty()) {
            (Some(l), true) => l
                .instance_type
                .iter()
                .map(|t| format!("{t} (launch template)"))
                .collect(),
            _ => bn.instance_types.clone(),
        };
        let gt: Vec<String> = match (&gn.launch_template, gn.instance_types.is_empty()) {
            (Some(_), true) => bt.clone(),
            _ => types(&gn.instance_types, gn.launch_template.is_some()),
        };
        row(&format!("nodegroup {n}: instance types"), bt, gt);
        row(
            &format!("nodegroup {n}: scaling"),
            vec![format!(
                "min {}, desired {}, max {}",
                bn.min, bn.desired, bn.max
            )],
            vec![format!(
                "min {}, desired {}, max {}",
                gn.min, gn.desired, gn.max
            )],
        );
        let bd = match (&bn.launch_template, bn.disk_size) {
            (Some(l), None) => l
                .volume_size
                .map(|v| vec![format!("{v} GiB (launch template)")])
                .unwrap_or_else(|| disk(None, true)),
            (_, d) => disk(d, false),
        };
        let gd = match (&gn.launch_template, gn.disk_size) {
            (Some(_), None) => bd.clone(),
            (_, d) => disk(d, false),
        };
        row(&format!("nodegroup {n}: disk"), bd, gd);
        row(
            &format!("nodegroup {n}: AMI type"),
            opt(&bn.ami_type),
            opt(&gn.ami_type),
        );
        row(
            &format!("nodegroup {n}: launch template"),
            opt(&lt_b),
            opt(&lt_g),
        );
        row(
            &format!("nodegroup {n}: labels"),
            bn.labels.iter().map(|(k, v)| format!("{k}={v}")).collect(),
            gn.labels.iter().map(|(k, v)| format!("{k}={v}")).collect(),
        );
        row(
            &format!("nodegroup {n}: taints"),
            bn.taints.iter().map(ToString::to_string).collect(),
            gn.taints.iter().map(ToString::to_string).collect(),
        );
        row(
            &format!("nodegroup {n}: node role"),
            one(&bn.node_role),
            one(&gn.node_role),
        );
    }
    let addon_line = |name: &str, role: Option<&str>, config: bool, pods: usize| {
        let mut s = name.to_string();
        if let Some(r) = role {
            s.push_str(&format!(" (role {r})"));
        }
        if config {
            s.push_str(" with configuration values");
        }
        if pods > 0 {
            s.push_str(&format!(" with {pods} Pod Identity association(s)"));
        }
        s
    };
    row(
        "add-ons",
        blue.addons
            .iter()
            .map(|a| {
                addon_line(
                    &a.name,
                    a.role.as_ref().map(|r| r.name.as_str()),
                    a.configuration_values.is_some(),
                    a.pod_identities.len(),
                )
            })
            .collect(),
        plan.addons
            .iter()
            .map(|a| {
                addon_line(
                    &a.name,
                    a.role.as_deref(),
                    a.configuration_values.is_some(),
                    a.pod_identities.len(),
                )
            })
            .collect(),
    );
    let pod = |p: &PodIdentity| format!("{}/{} -> {}", p.namespace, p.service_account, p.role_arn);
    row(
        "Pod Identity associations",
        blue.pod_identities.iter().map(pod).collect(),
        plan.pod_identities.iter().map(pod).collect(),
    );
    let entry = |principal: &str, policies: &[AccessPolicy], groups: &[String]| {
        let mut s = principal.to_string();
        let names: Vec<String> = policies
            .iter()
            .map(|p| {
                let short = p.arn.rsplit('/').next().unwrap_or(&p.arn);
                if p.scope == "namespace" {
                    format!("{short} in {}", p.namespaces.join(","))
                } else {
                    short.to_string()
                }
            })
            .chain(groups.iter().map(|g| format!("group {g}")))
            .collect();
        if !names.is_empty() {
            s.push_str(&format!(": {}", names.join("; ")));
        }
        s
    };
    let mut blue_access: Vec<String> = blue
        .access_entries
        .iter()
        .map(|e| entry(&e.principal, &e.policies, &e.groups))
        .collect();
    for m in blue
        .aws_auth
        .map_roles
        .iter()
        .chain(&blue.aws_auth.map_users)
    {
        blue_access.push(format!(
            "{} (aws-auth: {})",
            m.principal(),
            m.groups.join(",")
        ));
    }
    for a in &blue.aws_auth.map_accounts {
        blue_access.push(format!("account {a} (aws-auth)"));
    }
    let mut green_access: Vec<String> = plan
        .access_entries
        .iter()
        .map(|e| {
            let mut s = entry(&e.principal, &e.policies, &e.groups);
            if e.from != "access entry" {
                s.push_str(&format!(" (from {})", e.from));
            }
            s
        })
        .collect();
    // The nodegroups' own entries, which EKS makes for green as it did for blue.
    let node_roles: BTreeSet<&str> = plan
        .nodegroups
        .iter()
        .map(|n| n.node_role.as_str())
        .collect();
    for e in blue
        .access_entries
        .iter()
        .filter(|e| e.kind != "STANDARD" && node_roles.contains(e.principal.as_str()))
    {
        green_access.push(entry(&e.principal, &e.policies, &e.groups));
    }
    for m in plan
        .aws_auth
        .map_roles
        .iter()
        .chain(&plan.aws_auth.map_users)
    {
        green_access.push(format!(
            "{} (aws-auth: {})",
            m.principal(),
            m.groups.join(",")
        ));
    }
    for a in &plan.aws_auth.map_accounts {
        green_access.push(format!("account {a} (aws-auth)"));
    }
    row("cluster access", blue_access, green_access);
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eksctl_blue() -> BlueFacts {
        let tags: BTreeMap<String, String> = [
            ("team", "ml"),
            ("aws:cloudformation:stack-name", "eksctl-blue-cluster"),
            ("alpha.eksctl.io/cluster-name", "blue"),
            ("eksctl.cluster.k8s.io/v1alpha1/cluster-name", "blue"),
            ("karpenter.sh/discovery", "blue"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        BlueFacts {
            cluster: ClusterFacts {
                name: "blue".into(),
                version: "1.32".into(),
                role_arn: "arn:aws:iam::1:role/cluster".into(),
                vpc_id: "vpc-1".into(),
                subnets: vec!["subnet-a".into(), "subnet-b".into()],
                tags: tags.clone(),
                authentication_mode: Some("API_AND_CONFIG_MAP".into()),
                ..Default::default()
            },
            nodegroups: vec![
                NodegroupFacts {
                    name: "linux-nodes".into(),
                    instance_types: vec!["m5.xlarge".into()],
                    min: 5,
                    desired: 5,
                    max: 10,
                    disk_size: Some(100),
                    ami_type: Some("AL2_x86_64".into()),
                    node_role: "arn:aws:iam::1:role/node".into(),
                    tags: tags.clone(),
                    ..Default::default()
                },
                NodegroupFacts {
                    name: "ml-nodes".into(),
                    min: 2,
                    desired: 2,
                    max: 4,
                    ami_type: Some("AL2023_x86_64_STANDARD".into()),
                    node_role: "arn:aws:iam::1:role/node".into(),
                    launch_template: Some(LaunchTemplateFacts {
                        id: "lt-1".into(),
                        version: "1".into(),
                        instance_type: Some("m5.2xlarge".into()),
                        volume_size: Some(80),
                        image_id: None,
                    }),
                    ..Default::default()
                },
            ],
            addons: vec![
                AddonFacts {
                    name: "vpc-cni".into(),
                    role: Some(RoleFacts {
                        name: "blue-vpc-cni".into(),
                        managed_policies: vec![
                            "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy".into(),
                        ],
                        subjects: vec!["system:serviceaccount:kube-system:aws-node".into()],
                        ..Default::default()
                    }),
                    configuration_values: Some("{\"env\":{}}".into()),
                    ..Default::default()
                },
                AddonFacts {
                    name: "coredns".into(),
                    ..Default::default()
                },
            ],
            access_entries: vec![
                AccessEntryFacts {
                    principal: "arn:aws:iam::1:role/ci".into(),
                    kind: "STANDARD".into(),
                    policies: vec![AccessPolicy {
                        arn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
                            .into(),
                        scope: "cluster".into(),
                        namespaces: vec![],
                    }],
                    ..Default::default()
                },
                AccessEntryFacts {
                    principal: "arn:aws:iam::1:role/node".into(),
                    kind: "EC2_LINUX".into(),
                    groups: vec!["system:nodes".into()],
                    ..Default::default()
                },
            ],
            offered_versions: ["1.32", "1.33", "1.34", "1.35", "1.36"]
                .map(String::from)
                .to_vec(),
            ..Default::default()
        }
    }

    fn input<'a>(o: &'a Overrides) -> Input<'a> {
        Input {
            name: "green",
            tag: "green",
            overrides: o,
            bucket: None,
        }
    }

    fn with_version(v: &str) -> Overrides {
        Overrides {
            version: Some(v.into()),
            ..Default::default()
        }
    }

    #[test]
    fn names_follow_eks_rules() {
        for ok in ["green", "g", "0green", "green_2-b", &"a".repeat(100)] {
            assert!(check_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "-green", "_g", "green.prod", "gr een", &"a".repeat(101)] {
            let e = check_name(bad).unwrap_err();
            assert_eq!(e.exit_status(), crate::error::ExitStatus::Usage, "{bad}");
        }
    }

    #[test]
    fn versions_are_minor_not_older_than_blue_and_offered() {
        let offered: Vec<String> = ["1.32", "1.33", "1.34"].map(String::from).to_vec();
        assert_eq!(green_version("1.32", None, &offered).unwrap(), "1.32");
        assert_eq!(
            green_version("1.32", Some("1.33"), &offered).unwrap(),
            "1.33"
        );
        for bad in ["1.31", "1.37", "1.33.1", "v1.33", "133", "1.", "latest"] {
            let e = green_version("1.32", Some(bad), &offered).unwrap_err();
            assert_eq!(e.exit_status(), crate::error::ExitStatus::Usage, "{bad}");
        }
        assert!(
            green_version("1.32", Some("1.31"), &offered)
                .unwrap_err()
                .to_string()
                .contains("older")
        );
        assert!(
            green_version("1.29", None, &offered)
                .unwrap_err()
                .to_string()
                .contains("--version")
        );
        assert!(version_at_least("1.9", 1, 9) && !version_at_least("1.9", 1, 23));
    }

    #[test]
    fn reserved_and_owner_tags_are_left_out() {
        let blue = eksctl_blue();
        let (kept, left) = carried_tags(&blue.cluster.tags);
        assert_eq!(kept.keys().collect::<Vec<_>>(), vec!["team"]);
        assert_eq!(left.len(), 4);
        let p = plan(&blue, &GreenFacts::default(), &input(&with_version("1.33"))).unwrap();
        assert_eq!(
            p.cluster
                .tags
                .get("kubeflow.org/upgrade")
                .map(String::as_str),
            Some("green")
        );
        assert!(
            !p.cluster
                .tags
                .keys()
                .any(|k| k.starts_with("aws:") || k.contains("eksctl"))
        );
        assert!(
            p.nodegroups
                .iter()
                .all(|n| !n.tags.keys().any(|k| k.starts_with("aws:")))
        );
        assert!(
            p.notes
                .iter()
                .any(|n| n.contains("aws:cloudformation:stack-name"))
        );
    }

    #[test]
    fn al2_becomes_al2023_or_bottlerocket_from_1_33() {
        assert_eq!(
            green_ami(Some("AL2_x86_64"), "1.32", AmiFamily::Al2023).as_deref(),
            Some("AL2_x86_64")
        );
        assert_eq!(
            green_ami(Some("AL2_x86_64"), "1.33", AmiFamily::Al2023).as_deref(),
            Some("AL2023_x86_64_STANDARD")
        );
        assert_eq!(
            green_ami(Some("AL2_x86_64_GPU"), "1.34", AmiFamily::Al2023).as_deref(),
            Some("AL2023_x86_64_NVIDIA")
        );
        assert_eq!(
            green_ami(Some("AL2_ARM_64"), "1.33", AmiFamily::Bottlerocket).as_deref(),
            Some("BOTTLEROCKET_ARM_64")
        );
        assert_eq!(
            green_ami(Some("BOTTLEROCKET_x86_64"), "1.33", AmiFamily::Al2023).as_deref(),
            Some("BOTTLEROCKET_x86_64")
        );
        let p = plan(
            &eksctl_blue(),
            &GreenFacts::default(),
            &input(&with_version("1.33")),
        )
        .unwrap();
        assert_eq!(
            p.nodegroups[0].ami_type.as_deref(),
            Some("AL2023_x86_64_STANDARD")
        );
        assert!(
            p.rows
                .iter()
                .any(|r| r.field == "nodegroup linux-nodes: AMI type" && r.differs)
        );
    }

    #[test]
    fn launch_template_nodegroups_keep_their_template_and_send_no_type_or_disk() {
        let p = plan(
            &eksctl_blue(),
            &GreenFacts::default(),
            &input(&with_version("1.33")),
        )
        .unwrap();
        let ml = &p.nodegroups[1];
        assert_eq!(
            ml.launch_template,
            Some(TemplateRef {
                id: "lt-1".into(),
                version: "1".into()
            })
        );
        assert!(ml.instance_types.is_empty());
        assert_eq!(ml.disk_size, None);
        // Not the 20 GiB / default type fallbacks: the plan shows the template's.
        let disk = p
            .rows
            .iter()
            .find(|r| r.field == "nodegroup ml-nodes: disk")
            .unwrap();
        assert_eq!(disk.green, vec!["80 GiB (launch template)"]);
        let mut o = with_version("1.33");
        o.node_type = Some("m5.4xlarge".into());
        let e = plan(&eksctl_blue(), &GreenFacts::default(), &input(&o)).unwrap_err();
        assert_eq!(e.exit_status(), crate::error::ExitStatus::Usage);
        assert!(e.to_string().contains("lt-1"), "{e}");
    }

    #[test]
    fn a_custom_ami_is_kept_on_the_same_version_and_otherwise_needs_ami_family() {
        let mut blue = eksctl_blue();
        blue.nodegroups[1]
            .launch_template
            .as_mut()
            .unwrap()
            .image_id = Some("ami-123".into());
        blue.nodegroups[1].ami_type = Some("CUSTOM".into());
        let same = plan(&blue, &GreenFacts::default(), &input(&Overrides::default())).unwrap();
        assert!(same.nodegroups[1].launch_template.is_some());
        assert_eq!(same.nodegroups[1].ami_type, None);
        let e = plan(&blue, &GreenFacts::default(), &input(&with_version("1.33"))).unwrap_err();
        assert!(
            e.to_string().contains("--ami-family") && e.to_string().contains("ami-123"),
            "{e}"
        );
        let mut o = with_version("1.33");
        o.ami_family = Some(AmiFamily::Bottlerocket);
        let p = plan(&blue, &GreenFacts::default(), &input(&o)).unwrap();
        let ml = &p.nodegroups[1];
        assert_eq!(ml.launch_template, None);
        assert_eq!(ml.instance_types, vec!["m5.2xlarge"]);
        assert_eq!(ml.disk_size, Some(80));
        assert_eq!(ml.ami_type.as_deref(), Some("BOTTLEROCKET_x86_64"));
        assert_eq!(instance_kind("m6g.large"), (true, false));
        assert_eq!(instance_kind("g5.xlarge"), (false, true));
        assert_eq!(instance_kind("c7gn.large"), (true, false));
        assert_eq!(instance_kind("m5.large"), (false, false));
    }

    #[test]
    fn addon_roles_are_green_copies_and_daemonsets_come_before_nodes() {
        let p = plan(
            &eksctl_blue(),
            &GreenFacts::default(),
            &input(&with_version("1.33")),
        )
        .unwrap();
        let names: Vec<&str> = p.addons.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, vec!["aws-ebs-csi-driver", "coredns", "vpc-cni"]);
        let cni = p.addons.iter().find(|a| a.name == "vpc-cni").unwrap();
        assert!(!cni.after_nodes);
        assert_eq!(cni.role.as_deref(), Some("kf-green-vpc-cni"));
        assert_eq!(cni.configuration_values.as_deref(), Some("{\"env\":{}}"));
        assert!(
            p.addons
                .iter()
                .find(|a| a.name == "coredns")
                .unwrap()
                .after_nodes
        );
        let cni_role = p.roles.iter().find(|r| r.addon == "vpc-cni").unwrap();
        assert_eq!(cni_role.copied_from.as_deref(), Some("blue-vpc-cni"));
        assert_eq!(
            cni_role.subjects,
            vec!["system:serviceaccount:kube-system:aws-node"]
        );
        let ebs = p.roles.iter().find(|r| r.addon == EBS_CSI).unwrap();
        assert_eq!(ebs.managed_policies, vec![EBS_CSI_POLICY]);
        assert_eq!(ebs.subjects, vec![EBS_CSI_SUBJECT]);
        assert!(role_name(&"g".repeat(80), "aws-ebs-csi-driver").len() <= 64);
    }

    #[test]
    fn access_entries_are_copied_but_not_the_nodegroups_own() {
        let p = plan(
            &eksctl_blue(),
            &GreenFacts::default(),
            &input(&with_version("1.33")),
        )
        .unwrap();
        assert_eq!(p.cluster.authentication_mode, "API_AND_CONFIG_MAP");
        let principals: Vec<&str> = p
            .access_entries
            .iter()
            .map(|e| e.principal.as_str())
            .collect();
        assert_eq!(principals, vec!["arn:aws:iam::1:role/ci"]);
        let mut blue = eksctl_blue();
        blue.cluster.authentication_mode = Some("API".into());
        let p = plan(&blue, &GreenFacts::default(), &input(&with_version("1.33"))).unwrap();
        assert_eq!(p.cluster.authentication_mode, "API");
    }

    #[test]
    fn an_existing_green_is_left_alone_or_refused_when_it_is_not_ours() {
        let mut green = GreenFacts {
            cluster: Some(("1.33".into(), Some("green".into()))),
            ..Default::default()
        };
        green.nodegroups.insert("linux-nodes".into());
        green.addons.insert("vpc-cni".into());
        let p = plan(&eksctl_blue(), &green, &input(&with_version("1.33"))).unwrap();
        assert!(p.cluster.exists && p.nodegroups[0].exists && !p.nodegroups[1].exists);
        let e = plan(&eksctl_blue(), &green, &input(&with_version("1.34"))).unwrap_err();
        assert!(e.to_string().contains("--version 1.33"), "{e}");
        green.cluster = Some(("1.33".into(), None));
        let e = plan(&eksctl_blue(), &green, &input(&with_version("1.33"))).unwrap_err();
        assert!(e.to_string().contains("not green of this upgrade"), "{e}");
    }

    #[test]
    fn rows_compare_blue_with_green() {
        let p = plan(
            &eksctl_blue(),
            &GreenFacts::default(),
            &input(&with_version("1.33")),
        )
        .unwrap();
        let version = p.rows.iter().find(|r| r.field == "version").unwrap();
        assert_eq!(
            (version.blue.clone(), version.green.clone(), version.differs),
            (vec!["1.32".into()], vec!["1.33".into()], true)
        );
        let subnets = p.rows.iter().find(|r| r.field == "subnets").unwrap();
        assert_eq!(subnets.green, vec!["subnet-a", "subnet-b"]);
        assert!(!subnets.differs);
        assert!(
            p.rows
                .iter()
                .all(|r| r.green.iter().chain(&r.blue).all(|v| !v.contains("Some(")))
        );
    }
}
