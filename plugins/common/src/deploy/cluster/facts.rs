//! What `deploy cluster` reads of blue (and of green, when it exists), as plain values: the plan
//! is computed from these alone, so every decision is testable without AWS.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

/// Blue's EKS cluster.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterFacts {
    pub name: String,
    pub version: String,
    pub role_arn: String,
    pub vpc_id: String,
    pub subnets: Vec<String>,
    /// The additional security groups (not the one EKS creates and manages).
    pub security_groups: Vec<String>,
    pub endpoint_public: bool,
    pub endpoint_private: bool,
    pub public_access_cidrs: Vec<String>,
    /// Control-plane log types that are enabled.
    pub logging: Vec<String>,
    pub tags: BTreeMap<String, String>,
    /// `CONFIG_MAP`, `API_AND_CONFIG_MAP` or `API`.
    pub authentication_mode: Option<String>,
    pub encryption: Vec<Encryption>,
    pub service_ipv4_cidr: Option<String>,
    pub ip_family: Option<String>,
    /// `STANDARD` or `EXTENDED`.
    pub upgrade_support: Option<String>,
    pub oidc_issuer: Option<String>,
}

/// Envelope encryption of Kubernetes resources with a KMS key.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Encryption {
    pub resources: Vec<String>,
    pub key_arn: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Taint {
    pub key: String,
    pub value: String,
    pub effect: String,
}

impl std::fmt::Display for Taint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}={}:{}", self.key, self.value, self.effect)
    }
}

/// The launch template a nodegroup was made from, with what it sets that DescribeNodegroup then
/// leaves out (instance type, root volume) and whether it names its own AMI.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LaunchTemplateFacts {
    pub id: String,
    pub version: String,
    pub image_id: Option<String>,
    pub instance_type: Option<String>,
    pub volume_size: Option<i32>,
}

/// One of blue's managed nodegroups.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodegroupFacts {
    pub name: String,
    /// Empty when a launch template sets the type.
    pub instance_types: Vec<String>,
    pub min: i32,
    pub desired: i32,
    pub max: i32,
    /// None when a launch template sets the volume.
    pub disk_size: Option<i32>,
    pub labels: BTreeMap<String, String>,
    pub taints: Vec<Taint>,
    pub node_role: String,
    pub subnets: Vec<String>,
    pub ami_type: Option<String>,
    pub capacity_type: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub launch_template: Option<LaunchTemplateFacts>,
}

/// An IAM role as far as copying it for green needs: its policies and the service accounts of
/// blue it trusts (`system:serviceaccount:NS:SA`, through blue's OIDC provider).
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleFacts {
    pub name: String,
    pub arn: String,
    pub managed_policies: Vec<String>,
    /// Inline policies: name and document.
    pub inline_policies: Vec<(String, String)>,
    pub subjects: Vec<String>,
}

/// An EKS Pod Identity association: pods of NS/SA get ROLE (which trusts EKS's
/// `pods.eks.amazonaws.com`, not a cluster: the same role serves green).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodIdentity {
    pub namespace: String,
    pub service_account: String,
    pub role_arn: String,
}

/// One of blue's EKS add-ons.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AddonFacts {
    pub name: String,
    pub version: String,
    /// Its IRSA role (`serviceAccountRoleArn`) as described.
    pub role: Option<RoleFacts>,
    pub configuration_values: Option<String>,
    /// The Pod Identity associations it owns.
    pub pod_identities: Vec<PodIdentity>,
    /// The service accounts EKS says it runs as (DescribeAddonConfiguration).
    pub service_accounts: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessPolicy {
    pub arn: String,
    /// `cluster` or `namespace`.
    pub scope: String,
    pub namespaces: Vec<String>,
}

/// One access entry with its associated access policies.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessEntryFacts {
    pub principal: String,
    /// `STANDARD`, `EC2_LINUX`, ...
    #[serde(rename = "type")]
    pub kind: String,
    pub groups: Vec<String>,
    pub username: Option<String>,
    pub policies: Vec<AccessPolicy>,
}

/// One mapping of the `aws-auth` ConfigMap (mapRoles or mapUsers).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct AuthMapping {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolearn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userarn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default)]
    pub groups: Vec<String>,
}

impl AuthMapping {
    pub fn principal(&self) -> &str {
        self.rolearn
            .as_deref()
            .or(self.userarn.as_deref())
            .unwrap_or_default()
    }
}

/// Blue's `kube-system/aws-auth`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AwsAuth {
    pub map_roles: Vec<AuthMapping>,
    pub map_users: Vec<AuthMapping>,
    pub map_accounts: Vec<String>,
}

impl AwsAuth {
    pub fn is_empty(&self) -> bool {
        self.map_roles.is_empty() && self.map_users.is_empty() && self.map_accounts.is_empty()
    }
}

/// Everything read of blue.
#[derive(Clone, Debug, Default)]
pub struct BlueFacts {
    pub cluster: ClusterFacts,
    pub nodegroups: Vec<NodegroupFacts>,
    pub addons: Vec<AddonFacts>,
    /// Pod Identity associations no add-on owns.
    pub pod_identities: Vec<PodIdentity>,
    pub access_entries: Vec<AccessEntryFacts>,
    pub aws_auth: AwsAuth,
    /// The Kubernetes versions EKS offers now (DescribeClusterVersions).
    pub offered_versions: Vec<String>,
    /// IAM roles annotated on blue's service accounts (role name -> `ns/sa`).
    pub irsa: BTreeMap<String, Vec<String>>,
    /// Those roles with their policies (what green's own roles are made from).
    pub kubeflow_roles: Vec<super::kubeflow_roles::BlueRole>,
}

/// What already exists of green (nothing on a first run).
#[derive(Clone, Debug, Default)]
pub struct GreenFacts {
    /// Green's cluster: its version and `kubeflow.org/upgrade` tag.
    pub cluster: Option<(String, Option<String>)>,
    pub nodegroups: BTreeSet<String>,
    pub addons: BTreeSet<String>,
    pub access_entries: BTreeMap<String, Vec<String>>,
    pub pod_identities: BTreeSet<(String, String)>,
    /// Green's OIDC provider ARN and issuer, when both exist.
    pub oidc: Option<(String, String)>,
    /// Green's Kubeflow roles that exist, by name.
    pub kubeflow_roles: BTreeMap<String, super::kubeflow_roles::GreenRoleState>,
}
