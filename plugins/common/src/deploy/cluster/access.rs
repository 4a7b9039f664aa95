//! Blue's `aws-auth` ConfigMap carried to green: as access entries where an access entry can
//! say the same, the rest as mappings of green's own `aws-auth` (read under
//! `API_AND_CONFIG_MAP`, the mode green gets unless blue is `API`).
//!
//! Access entries cannot name Kubernetes groups or usernames starting with `system:` ("The
//! kubernetes group name system:masters is invalid, it cannot start with system:",
//! terraform-aws-modules/terraform-aws-eks#2915; "The username must not begin with system:",
//! aws-ia/terraform-aws-eks-blueprints#1920). `system:masters` is what
//! `AmazonEKSClusterAdminPolicy` grants ("This access policy includes permissions that grant an
//! IAM principal administrator access to a cluster", access-policy-permissions.html), which is
//! how `eksctl utils migrate-to-access-entry` carries it.

use std::collections::BTreeSet;

use super::facts::{AccessPolicy, AuthMapping, AwsAuth};
use super::plan::EntrySpec;

pub const CLUSTER_ADMIN: &str =
    "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";
const NODE_GROUPS: &[&str] = &["system:bootstrappers", "system:nodes"];

/// What becomes of blue's aws-auth.
#[derive(Debug, Default)]
pub struct Carried {
    pub entries: Vec<EntrySpec>,
    /// Mappings kept as they are, for green's aws-auth.
    pub configmap: AwsAuth,
    pub notes: Vec<String>,
}

/// Parses `mapRoles` / `mapUsers` / `mapAccounts` (YAML lists in the ConfigMap's data).
pub fn parse(data: &std::collections::BTreeMap<String, String>) -> Result<AwsAuth, String> {
    let list = |key: &str| -> Result<Vec<AuthMapping>, String> {
        match data.get(key) {
            Some(text) if !text.trim().is_empty() => {
                serde_yaml::from_str(text).map_err(|e| format!("kube-system/aws-auth {key}: {e}"))
            }
            _ => Ok(Vec::new()),
        }
    };
    let accounts = match data.get("mapAccounts") {
        Some(text) if !text.trim().is_empty() => {
            serde_yaml::from_str::<Vec<serde_yaml::Value>>(text)
                .map_err(|e| format!("kube-system/aws-auth mapAccounts: {e}"))?
                .into_iter()
                .map(|v| match v {
                    serde_yaml::Value::String(s) => s,
                    other => serde_yaml::to_string(&other)
                        .unwrap_or_default()
                        .trim()
                        .to_string(),
                })
                .collect()
        }
        _ => Vec::new(),
    };
    Ok(AwsAuth {
        map_roles: list("mapRoles")?,
        map_users: list("mapUsers")?,
        map_accounts: accounts,
    })
}

/// Carries `auth`: principals in `known` already get an access entry copied from blue; roles in
/// `node_roles` are green's managed nodegroups' (EKS gives them their own entry).
pub fn carry(auth: &AwsAuth, known: &BTreeSet<&str>, node_roles: &BTreeSet<&str>) -> Carried {
    let mut out = Carried::default();
    let mut seen: BTreeSet<String> = known.iter().map(|s| s.to_string()).collect();
    for (m, role) in auth
        .map_roles
        .iter()
        .map(|m| (m, true))
        .chain(auth.map_users.iter().map(|m| (m, false)))
    {
        let principal = m.principal().to_string();
        let source = if role {
            "aws-auth mapRoles"
        } else {
            "aws-auth mapUsers"
        };
        if principal.is_empty() {
            continue;
        }
        if seen.contains(&principal) {
            out.notes.push(format!(
                "{source} {principal}: blue also has an access entry for it, which green gets"
            ));
            continue;
        }
        let node = m.groups.iter().any(|g| NODE_GROUPS.contains(&g.as_str()));
        if node {
            if role && node_roles.contains(principal.as_str()) {
                out.notes.push(format!(
                    "{source} {principal}: the node role of green's managed nodegroups, which EKS maps itself"
                ));
            } else if role {
                seen.insert(principal.clone());
                out.entries.push(EntrySpec {
                    principal,
                    kind: "EC2_LINUX".into(),
                    groups: vec![],
                    username: None,
                    policies: vec![],
                    from: source.into(),
                    exists: false,
                });
            } else {
                push_mapping(&mut out.configmap, m, role);
            }
            continue;
        }
        let admin = m.groups.iter().any(|g| g == "system:masters");
        let other_system = m
            .groups
            .iter()
            .any(|g| g.starts_with("system:") && g != "system:masters");
        let username_ok = m
            .username
            .as_deref()
            .is_none_or(|u| !u.starts_with("system:"));
        if other_system || !username_ok {
            out.notes.push(format!(
                "{source} {principal}: its groups or username start with system:, which access entries refuse: \
                 kept in green's aws-auth"
            ));
            push_mapping(&mut out.configmap, m, role);
            continue;
        }
        seen.insert(principal.clone());
        out.entries.push(EntrySpec {
            principal,
            kind: "STANDARD".into(),
            groups: m
                .groups
                .iter()
                .filter(|g| !g.starts_with("system:"))
                .cloned()
                .collect(),
            username: m.username.clone(),
            policies: if admin {
                vec![AccessPolicy {
                    arn: CLUSTER_ADMIN.into(),
                    scope: "cluster".into(),
                    namespaces: vec![],
                }]
            } else {
                vec![]
            },
            from: source.into(),
            exists: false,
        });
    }
    if !auth.map_accounts.is_empty() {
        out.notes.push(format!(
            "aws-auth mapAccounts ({}): no access entry maps a whole account: kept in green's aws-auth",
            auth.map_accounts.join(", ")
        ));
        out.configmap.map_accounts = auth.map_accounts.clone();
    }
    out
}

fn push_mapping(auth: &mut AwsAuth, m: &AuthMapping, role: bool) {
    if role {
        auth.map_roles.push(m.clone());
    } else {
        auth.map_users.push(m.clone());
    }
}

/// Green's aws-auth data with `carried` merged in (mappings of the same principal replaced),
/// or None when it already holds them.
pub fn merged(
    current: &std::collections::BTreeMap<String, String>,
    carried: &AwsAuth,
) -> Result<Option<std::collections::BTreeMap<String, String>>, String> {
    let mut auth = parse(current)?;
    let before = auth.clone();
    let merge = |into: &mut Vec<AuthMapping>, from: &[AuthMapping]| {
        for m in from {
            into.retain(|x| x.principal() != m.principal());
            into.push(m.clone());
        }
    };
    merge(&mut auth.map_roles, &carried.map_roles);
    merge(&mut auth.map_users, &carried.map_users);
    for a in &carried.map_accounts {
        if !auth.map_accounts.contains(a) {
            auth.map_accounts.push(a.clone());
        }
    }
    let normalized = |a: &AwsAuth| {
        let mut a = a.clone();
        a.map_roles.sort_by(|x, y| x.principal().cmp(y.principal()));
        a.map_users.sort_by(|x, y| x.principal().cmp(y.principal()));
        a.map_accounts.sort();
        a
    };
    if normalized(&auth) == normalized(&before) {
        return Ok(None);
    }
    let mut data = current.clone();
    let yaml = |v: &[AuthMapping]| serde_yaml::to_string(v).unwrap_or_default();
    if !auth.map_roles.is_empty() {
        data.insert("mapRoles".into(), yaml(&auth.map_roles));
    }
    if !auth.map_users.is_empty() {
        data.insert("mapUsers".into(), yaml(&auth.map_users));
    }
    if !auth.map_accounts.is_empty() {
        data.insert(
            "mapAccounts".into(),
            serde_yaml::to_string(&auth.map_accounts).unwrap_or_default(),
        );
    }
    Ok(Some(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> std::collections::BTreeMap<String, String> {
        let mut d = std::collections::BTreeMap::new();
        d.insert(
            "mapRoles".into(),
            "- groups: [system:bootstrappers, system:nodes]\n  rolearn: arn:aws:iam::1:role/node\n  username: system:node:{{EC2PrivateDNSName}}\n\
             - groups: [system:masters]\n  rolearn: arn:aws:iam::1:role/admin\n  username: admin\n\
             - groups: [viewers]\n  rolearn: arn:aws:iam::1:role/analyst\n  username: analyst\n\
             - groups: [system:monitoring]\n  rolearn: arn:aws:iam::1:role/prom\n  username: prom\n\
             - groups: [system:nodes]\n  rolearn: arn:aws:iam::1:role/self-managed\n  username: system:node:{{EC2PrivateDNSName}}\n\
             - groups: [system:masters]\n  rolearn: arn:aws:iam::1:role/ci\n"
                .into(),
        );
        d.insert(
            "mapUsers".into(),
            "- groups: [system:masters]\n  userarn: arn:aws:iam::1:user/ops\n  username: ops\n"
                .into(),
        );
        d.insert("mapAccounts".into(), "- \"222222222222\"\n".into());
        d
    }

    #[test]
    fn masters_become_cluster_admins_and_system_groups_stay_in_aws_auth() {
        let auth = parse(&data()).unwrap();
        assert_eq!(auth.map_roles.len(), 6);
        let known: BTreeSet<&str> = ["arn:aws:iam::1:role/ci"].into();
        let nodes: BTreeSet<&str> = ["arn:aws:iam::1:role/node"].into();
        let c = carry(&auth, &known, &nodes);
        let by = |p: &str| c.entries.iter().find(|e| e.principal == p);
        let admin = by("arn:aws:iam::1:role/admin").unwrap();
        assert_eq!(admin.kind, "STANDARD");
        assert!(admin.groups.is_empty());
        assert_eq!(admin.policies[0].arn, CLUSTER_ADMIN);
        assert_eq!(admin.username.as_deref(), Some("admin"));
        let ops = by("arn:aws:iam::1:user/ops").unwrap();
        assert_eq!(ops.from, "aws-auth mapUsers");
        assert_eq!(
            by("arn:aws:iam::1:role/analyst").unwrap().groups,
            vec!["viewers"]
        );
        assert_eq!(
            by("arn:aws:iam::1:role/self-managed").unwrap().kind,
            "EC2_LINUX"
        );
        assert!(by("arn:aws:iam::1:role/node").is_none());
        assert!(by("arn:aws:iam::1:role/ci").is_none());
        assert!(by("arn:aws:iam::1:role/prom").is_none());
        assert_eq!(c.configmap.map_roles.len(), 1);
        assert_eq!(
            c.configmap.map_roles[0].principal(),
            "arn:aws:iam::1:role/prom"
        );
        assert_eq!(c.configmap.map_accounts, vec!["222222222222"]);
        assert!(
            c.entries
                .iter()
                .all(|e| e.groups.iter().all(|g| !g.starts_with("system:")))
        );
    }

    #[test]
    fn merging_into_green_is_idempotent() {
        let carried = AwsAuth {
            map_roles: vec![AuthMapping {
                rolearn: Some("arn:aws:iam::1:role/prom".into()),
                username: Some("prom".into()),
                groups: vec!["system:monitoring".into()],
                userarn: None,
            }],
            map_users: vec![],
            map_accounts: vec!["2".into()],
        };
        let empty = std::collections::BTreeMap::new();
        let once = merged(&empty, &carried).unwrap().unwrap();
        assert_eq!(parse(&once).unwrap().map_roles, carried.map_roles);
        assert_eq!(merged(&once, &carried).unwrap(), None);
    }
}
