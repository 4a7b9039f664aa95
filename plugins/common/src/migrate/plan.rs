//! The migrate plan as a value: what is carried from blue to green, in which order, and what is
//! left alone and why. Pure: it reads an [`Observed`] and returns a [`Plan`].
//!
//! Order (as Velero users learnt it, and as the profile controller demands): every Profile
//! first; then, per profile, a wait for the profile controller to make the namespace (a
//! namespace made before its Profile, without the `owner` annotation naming the Profile's owner,
//! is refused by the controller: "namespace already exist, but not owned by profile creator
//! <owner>", kubeflow/kubeflow `components/profile-controller/controllers/profile_controller.go`);
//! then the namespace's objects; then its claims.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::output::{self, Render};
use crate::record::GreenRole;

/// The annotation IRSA reads on a service account (EKS user guide, "Associate an IAM role to
/// a service account").
pub const IRSA_ANNOTATION: &str = "eks.amazonaws.com/role-arn";

/// Claims of in-cluster components green does not use (its DB is RDS, its artifacts S3).
pub const UNUSED_COMPONENT_CLAIMS: [&str; 2] = ["mysql-pv-claim", "minio-pvc"];

/// Why an object with ownerReferences is not copied.
const OWNED: &str = "owned by a controller, which makes it again";
/// Why an object the profile controller makes in every profile namespace is not copied.
const MADE_BY_PROFILE_CONTROLLER: &str = "the profile controller makes it";

/// Objects the profile controller (or Kubernetes) makes in every profile namespace itself:
/// copying them would race the controller, so they are never carried.
const MADE_BY_CONTROLLERS: [(ObjKind, &str); 8] = [
    (ObjKind::ServiceAccount, "default"),
    (ObjKind::ServiceAccount, "default-editor"),
    (ObjKind::ServiceAccount, "default-viewer"),
    (ObjKind::RoleBinding, "namespaceAdmin"),
    (ObjKind::RoleBinding, "default-editor"),
    (ObjKind::RoleBinding, "default-viewer"),
    (ObjKind::AuthorizationPolicy, "ns-owner-access-istio"),
    (ObjKind::ConfigMap, "kube-root-ca.crt"),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum ObjKind {
    PodDefault,
    ServiceAccount,
    RoleBinding,
    AuthorizationPolicy,
    ConfigMap,
    Secret,
    Notebook,
}

impl ObjKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjKind::PodDefault => "PodDefault",
            ObjKind::ServiceAccount => "ServiceAccount",
            ObjKind::RoleBinding => "RoleBinding",
            ObjKind::AuthorizationPolicy => "AuthorizationPolicy",
            ObjKind::ConfigMap => "ConfigMap",
            ObjKind::Secret => "Secret",
            ObjKind::Notebook => "Notebook",
        }
    }
}

/// A Profile on blue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileObs {
    pub name: String,
    pub owner: String,
    pub on_green: bool,
    /// Green has a namespace of this name whose `owner` annotation does not name this
    /// Profile's owner: the profile controller will not adopt it.
    pub bare_namespace_on_green: bool,
    /// The IAM roles its plugins name (`AwsIamForServiceAccount`'s `awsIamRole`).
    pub iam_roles: Vec<String>,
}

/// A namespaced object on blue, in a profile namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectObs {
    pub kind: ObjKind,
    pub namespace: String,
    pub name: String,
    /// It has ownerReferences: its controller makes it again.
    pub controller_owned: bool,
    pub on_green: bool,
    /// The IRSA role a ServiceAccount is annotated with.
    pub irsa_role: Option<String>,
}

/// Where a claim's data is on blue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum Backing {
    /// A path on blue's EFS, copied to the same path on green's (`cloned`: the file system is
    /// the one `kf clone` copied).
    Efs {
        filesystem: String,
        path: String,
        cloned: bool,
    },
    /// An EBS volume.
    Ebs { volume_id: String, size_gib: i64 },
    /// Anything else (hostPath, a local volume, an unbound claim): not carried, and why.
    Other { why: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimObs {
    pub namespace: String,
    pub name: String,
    pub backing: Backing,
    pub on_green: bool,
}

/// What observe read from blue and green.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Observed {
    pub profiles: Vec<ProfileObs>,
    pub objects: Vec<ObjectObs>,
    pub claims: Vec<ClaimObs>,
    pub green_roles: Vec<GreenRole>,
    /// Availability zones green's nodegroups use, sorted.
    pub green_zones: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub enum EbsMode {
    #[default]
    Snapshot,
    Skip,
}

/// Which namespaces to carry: all profiles, or those named, minus the excluded ones.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub namespaces: Vec<String>,
    pub exclude: Vec<String>,
}

impl Filter {
    pub fn wants(&self, ns: &str) -> bool {
        (self.namespaces.is_empty() || self.namespaces.iter().any(|n| n == ns))
            && !self.exclude.iter().any(|n| n == ns)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Action {
    /// Create the Profile on green.
    Create,
    /// Wait for the profile controller to make the namespace.
    Wait,
    /// Create the object stopped (a notebook, until cutover).
    CreateStopped,
    /// Bind the claim to a static PV on green's EFS at the cloned path.
    BindEfs,
    /// Snapshot the EBS volume, make a volume in green's zone, bind a static PV to it.
    CloneEbs,
    /// Already on green: left alone.
    Exists,
    /// Not carried.
    Skip,
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Wait => "wait",
            Action::CreateStopped => "create stopped",
            Action::BindEfs => "bind EFS",
            Action::CloneEbs => "clone EBS",
            Action::Exists => "exists",
            Action::Skip => "skip",
        }
    }

    pub fn changes(self) -> bool {
        !matches!(self, Action::Exists | Action::Skip)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// The record key of the step (`migrate.<kind>.<namespace>/<name>`).
    pub key: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub action: Action,
    pub reason: String,
    /// For a ServiceAccount: the role ARN green's copy is annotated with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub irsa_role: Option<String>,
    /// For an EBS claim: the zone of green's volume.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// For a Profile: blue's role named by its plugins -> green's.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub profile_roles: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub dry_run: bool,
    pub steps: Vec<Step>,
}

impl Plan {
    pub fn changes(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(|s| s.action.changes())
    }
}

impl Render for Plan {
    fn table(&self) -> String {
        let mut s = format!(
            "Plan: migrate blue's users to green{}\n\n",
            if self.dry_run {
                " (dry run: nothing is changed)"
            } else {
                ""
            }
        );
        if self.steps.is_empty() {
            s.push_str("Nothing to migrate: no profile matches.\n");
            return s;
        }
        // Objects green's controllers make themselves are counted, not listed (`-o json` lists
        // them): in every profile namespace there are several.
        let by_controllers = |st: &&Step| {
            st.action == Action::Skip
                && [OWNED, MADE_BY_PROFILE_CONTROLLER].contains(&st.reason.as_str())
        };
        s.push_str(&output::wrapped_table(
            &["ACTION", "WHAT AND WHY"],
            self.steps
                .iter()
                .filter(|st| !by_controllers(st))
                .map(|st| {
                    let what = if st.namespace.is_empty() {
                        format!("{} {}", st.kind, st.name)
                    } else {
                        format!("{} {}/{}", st.kind, st.namespace, st.name)
                    };
                    [
                        st.action.as_str().to_string(),
                        format!("{what}: {}", st.reason),
                    ]
                }),
        ));
        let made = self.steps.iter().filter(by_controllers).count();
        if made > 0 {
            s.push_str(&format!(
                "\n{made} object(s) that controllers make themselves (service accounts,\n\
                 bindings, policies of each profile) are not copied; -o json lists them.\n"
            ));
        }
        let n = self.changes().count();
        s.push_str(&format!("\n{n} change(s).\n"));
        s
    }
}

fn made_by_controllers(kind: ObjKind, name: &str) -> bool {
    MADE_BY_CONTROLLERS
        .iter()
        .any(|(k, n)| *k == kind && *n == name)
        // Service account token secrets Kubernetes makes for its service accounts.
        || (kind == ObjKind::Secret && name.starts_with("default-editor-token-"))
        || (kind == ObjKind::Secret && name.starts_with("default-viewer-token-"))
        || (kind == ObjKind::Secret && name.starts_with("default-token-"))
}

/// The key of a step: `migrate.<kind>.<namespace>/<name>` (`migrate.profile.<name>`).
pub fn step_key(kind: &str, ns: &str, name: &str) -> String {
    if ns.is_empty() {
        format!("migrate.{}.{name}", kind.to_lowercase())
    } else {
        format!("migrate.{}.{ns}/{name}", kind.to_lowercase())
    }
}

/// The zone a claim's EBS volume goes to on green: the first of green's zones (sorted), so a
/// re-run picks the same one.
fn ebs_zone(zones: &[String]) -> Option<&str> {
    zones.iter().map(String::as_str).min()
}

/// Decides what migrate does. Refuses (nothing changed) when a profile's namespace already
/// exists on green without its Profile (the profile controller would refuse to adopt it), when a
/// named namespace is no profile of blue's, or when an EBS claim has no zone to go to.
pub fn plan(o: &Observed, filter: &Filter, ebs: EbsMode, dry_run: bool) -> Result<Plan> {
    let profiles: BTreeSet<&str> = o.profiles.iter().map(|p| p.name.as_str()).collect();
    if let Some(unknown) = filter
        .namespaces
        .iter()
        .find(|n| !profiles.contains(n.as_str()))
    {
        return Err(Error::usage(
            format!("--namespace {unknown}: blue has no profile of that name"),
            "name a profile namespace of blue (`kubectl get profiles` on blue)",
        ));
    }
    let mut selected: Vec<&ProfileObs> = o
        .profiles
        .iter()
        .filter(|p| filter.wants(&p.name))
        .collect();
    selected.sort_by(|a, b| a.name.cmp(&b.name));
    if let Some(p) = selected
        .iter()
        .find(|p| p.bare_namespace_on_green && !p.on_green)
    {
        return Err(Error::refused(
            format!(
                "green already has a namespace {} not annotated as {}'s: the profile controller \
                 refuses to adopt it (\"namespace already exist, but not owned by profile creator \
                 {}\"); nothing was changed",
                p.name, p.owner, p.owner
            ),
            format!(
                "delete it on green if it holds nothing (`kubectl delete namespace {}`), or \
                 leave it out with --exclude-namespace {}",
                p.name, p.name
            ),
        ));
    }
    let step = |kind: &str, ns: &str, name: &str, action, reason: String| Step {
        key: step_key(kind, ns, name),
        kind: kind.to_string(),
        namespace: ns.to_string(),
        name: name.to_string(),
        action,
        reason,
        irsa_role: None,
        zone: None,
        profile_roles: BTreeMap::new(),
    };
    let mut steps = Vec::new();
    for p in &selected {
        steps.push(if p.on_green {
            step(
                "Profile",
                "",
                &p.name,
                Action::Exists,
                "already on green, left alone".into(),
            )
        } else {
            let mut s = step(
                "Profile",
                "",
                &p.name,
                Action::Create,
                format!("owner {}", p.owner),
            );
            for blue_role in &p.iam_roles {
                match o.green_roles.iter().find(|r| &r.blue == blue_role) {
                    Some(g) => {
                        s.reason
                            .push_str(&format!("; IRSA role {} (green's)", short_role(&g.green)));
                        s.profile_roles.insert(blue_role.clone(), g.green.clone());
                    }
                    None => s.reason.push_str(&format!(
                        "; IRSA role {} kept: no green role recorded for it",
                        short_role(blue_role)
                    )),
                }
            }
            s
        });
    }
    for p in &selected {
        if !p.on_green {
            steps.push(step(
                "Namespace",
                "",
                &p.name,
                Action::Wait,
                "the profile controller makes it".into(),
            ));
        }
    }
    for p in &selected {
        let mut objects: Vec<&ObjectObs> =
            o.objects.iter().filter(|x| x.namespace == p.name).collect();
        objects.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
        for x in objects {
            let kind = x.kind.as_str();
            if x.controller_owned {
                steps.push(step(
                    kind,
                    &x.namespace,
                    &x.name,
                    Action::Skip,
                    OWNED.into(),
                ));
                continue;
            }
            if made_by_controllers(x.kind, &x.name) {
                steps.push(step(
                    kind,
                    &x.namespace,
                    &x.name,
                    Action::Skip,
                    MADE_BY_PROFILE_CONTROLLER.into(),
                ));
                continue;
            }
            if x.on_green {
                steps.push(step(
                    kind,
                    &x.namespace,
                    &x.name,
                    Action::Exists,
                    "already on green, left alone".into(),
                ));
                continue;
            }
            let mut s = match x.kind {
                ObjKind::Notebook => step(
                    kind,
                    &x.namespace,
                    &x.name,
                    Action::CreateStopped,
                    "stopped until cutover".into(),
                ),
                ObjKind::Secret | ObjKind::ConfigMap => step(
                    kind,
                    &x.namespace,
                    &x.name,
                    Action::Create,
                    "copied (data not shown)".into(),
                ),
                _ => step(kind, &x.namespace, &x.name, Action::Create, "copied".into()),
            };
            if let Some(blue_role) = &x.irsa_role {
                let green = o
                    .green_roles
                    .iter()
                    .find(|r| &r.blue == blue_role)
                    .map(|r| r.green.clone());
                s.reason = match &green {
                    Some(g) => format!("IRSA role {} (green's)", short_role(g)),
                    None => format!(
                        "IRSA role {} kept: no green role recorded for it",
                        short_role(blue_role)
                    ),
                };
                s.irsa_role = Some(green.unwrap_or_else(|| blue_role.clone()));
            }
            steps.push(s);
        }
    }
    let wanted: BTreeSet<&str> = selected.iter().map(|p| p.name.as_str()).collect();
    let mut claims: Vec<&ClaimObs> = o
        .claims
        .iter()
        .filter(|c| {
            wanted.contains(c.namespace.as_str())
                || UNUSED_COMPONENT_CLAIMS.contains(&c.name.as_str())
        })
        .collect();
    claims.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    for c in claims {
        let k = "PersistentVolumeClaim";
        if UNUSED_COMPONENT_CLAIMS.contains(&c.name.as_str()) {
            steps.push(step(
                k,
                &c.namespace,
                &c.name,
                Action::Skip,
                "in-cluster component green does not use (RDS and S3 instead)".into(),
            ));
            continue;
        }
        if c.on_green {
            steps.push(step(
                k,
                &c.namespace,
                &c.name,
                Action::Exists,
                "already on green, left alone".into(),
            ));
            continue;
        }
        steps.push(match &c.backing {
            Backing::Efs {
                cloned: false,
                filesystem,
                ..
            } => {
                return Err(Error::refused(
                    format!(
                        "claim {}/{} is on blue's file system {filesystem}, which kf clone has \
                         not copied; nothing was changed",
                        c.namespace, c.name
                    ),
                    format!(
                        "run `kubectl kf clone` first, or leave the namespace out with \
                         --exclude-namespace {}",
                        c.namespace
                    ),
                ));
            }
            Backing::Efs { path, .. } => step(
                k,
                &c.namespace,
                &c.name,
                Action::BindEfs,
                format!("cloned EFS path {path}"),
            ),
            Backing::Ebs { size_gib, .. } if ebs == EbsMode::Skip => step(
                k,
                &c.namespace,
                &c.name,
                Action::Skip,
                format!("EBS, {size_gib} GiB: not carried (--ebs skip)"),
            ),
            Backing::Ebs {
                volume_id,
                size_gib,
            } => {
                let Some(zone) = ebs_zone(&o.green_zones) else {
                    return Err(Error::refused(
                        format!(
                            "claim {}/{} is on EBS but green has no nodegroup zone to put its \
                             volume in; nothing was changed",
                            c.namespace, c.name
                        ),
                        "run `kubectl kf deploy cluster` first, or pass --ebs skip",
                    ));
                };
                let mut s = step(
                    k,
                    &c.namespace,
                    &c.name,
                    Action::CloneEbs,
                    format!("snapshot of {volume_id} ({size_gib} GiB) to {zone}"),
                );
                s.zone = Some(zone.to_string());
                s
            }
            Backing::Other { why } => step(
                k,
                &c.namespace,
                &c.name,
                Action::Skip,
                format!("{why}: not carried"),
            ),
        });
    }
    Ok(Plan { dry_run, steps })
}

/// A role ARN by its name, to read on 80 columns (`-o json` keeps it whole).
fn short_role(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(name: &str) -> ProfileObs {
        ProfileObs {
            name: name.into(),
            owner: format!("{name}@example.com"),
            on_green: false,
            bare_namespace_on_green: false,
            iam_roles: vec![],
        }
    }

    fn obj(kind: ObjKind, ns: &str, name: &str) -> ObjectObs {
        ObjectObs {
            kind,
            namespace: ns.into(),
            name: name.into(),
            controller_owned: false,
            on_green: false,
            irsa_role: None,
        }
    }

    fn efs(ns: &str, name: &str) -> ClaimObs {
        ClaimObs {
            namespace: ns.into(),
            name: name.into(),
            backing: Backing::Efs {
                filesystem: "fs-blue".into(),
                path: format!("/{ns}/{name}"),
                cloned: true,
            },
            on_green: false,
        }
    }

    fn ebs(ns: &str, name: &str) -> ClaimObs {
        ClaimObs {
            namespace: ns.into(),
            name: name.into(),
            backing: Backing::Ebs {
                volume_id: "vol-0abc".into(),
                size_gib: 20,
            },
            on_green: false,
        }
    }

    fn observed() -> Observed {
        let mut sa = obj(ObjKind::ServiceAccount, "alice", "pipeline-runner");
        sa.irsa_role = Some("arn:aws:iam::111122223333:role/blue-s3".into());
        let mut owned = obj(ObjKind::Secret, "alice", "nb-token");
        owned.controller_owned = true;
        Observed {
            profiles: vec![profile("bob"), profile("alice")],
            objects: vec![
                obj(ObjKind::Notebook, "alice", "nb"),
                obj(ObjKind::PodDefault, "alice", "access-ml-pipeline"),
                sa,
                owned,
                obj(ObjKind::ServiceAccount, "alice", "default-editor"),
                obj(
                    ObjKind::RoleBinding,
                    "bob",
                    "user-carol-example-com-clusterrole-edit",
                ),
                obj(ObjKind::ConfigMap, "bob", "kfp-launcher"),
            ],
            claims: vec![
                efs("alice", "nb-workspace"),
                ebs("bob", "scratch"),
                efs("kubeflow", "mysql-pv-claim"),
                efs("carol", "not-selected"),
            ],
            green_roles: vec![GreenRole {
                blue: "arn:aws:iam::111122223333:role/blue-s3".into(),
                green: "arn:aws:iam::111122223333:role/green-s3".into(),
                service_accounts: vec![],
            }],
            green_zones: vec!["us-east-1b".into(), "us-east-1a".into()],
        }
    }

    fn keys(p: &Plan) -> Vec<String> {
        p.steps
            .iter()
            .map(|s| format!("{} {}", s.action.as_str(), s.key))
            .collect()
    }

    #[test]
    fn profiles_first_then_namespaces_then_objects_then_claims() {
        let p = plan(&observed(), &Filter::default(), EbsMode::Snapshot, false).unwrap();
        assert_eq!(
            keys(&p),
            [
                "create migrate.profile.alice",
                "create migrate.profile.bob",
                "wait migrate.namespace.alice",
                "wait migrate.namespace.bob",
                "create migrate.poddefault.alice/access-ml-pipeline",
                "skip migrate.serviceaccount.alice/default-editor",
                "create migrate.serviceaccount.alice/pipeline-runner",
                "skip migrate.secret.alice/nb-token",
                "create stopped migrate.notebook.alice/nb",
                "create migrate.rolebinding.bob/user-carol-example-com-clusterrole-edit",
                "create migrate.configmap.bob/kfp-launcher",
                "bind EFS migrate.persistentvolumeclaim.alice/nb-workspace",
                "clone EBS migrate.persistentvolumeclaim.bob/scratch",
                "skip migrate.persistentvolumeclaim.kubeflow/mysql-pv-claim",
            ]
        );
    }

    #[test]
    fn irsa_mapped_to_greens_role_or_kept_and_said_so() {
        let p = plan(&observed(), &Filter::default(), EbsMode::Snapshot, false).unwrap();
        let sa = p
            .steps
            .iter()
            .find(|s| s.name == "pipeline-runner")
            .unwrap();
        assert_eq!(
            sa.irsa_role.as_deref(),
            Some("arn:aws:iam::111122223333:role/green-s3")
        );
        let mut o = observed();
        o.green_roles.clear();
        let p = plan(&o, &Filter::default(), EbsMode::Snapshot, false).unwrap();
        let sa = p
            .steps
            .iter()
            .find(|s| s.name == "pipeline-runner")
            .unwrap();
        assert_eq!(
            sa.irsa_role.as_deref(),
            Some("arn:aws:iam::111122223333:role/blue-s3")
        );
        assert!(sa.reason.contains("kept"), "{}", sa.reason);
    }

    #[test]
    fn objects_on_green_are_left_alone() {
        let mut o = observed();
        o.profiles[1].on_green = true;
        o.objects[0].on_green = true;
        o.claims[0].on_green = true;
        let p = plan(&o, &Filter::default(), EbsMode::Snapshot, false).unwrap();
        let k = keys(&p);
        assert!(k.contains(&"exists migrate.profile.alice".to_string()));
        assert!(!k.contains(&"wait migrate.namespace.alice".to_string()));
        assert!(k.contains(&"exists migrate.notebook.alice/nb".to_string()));
        assert!(k.contains(&"exists migrate.persistentvolumeclaim.alice/nb-workspace".to_string()));
    }

    #[test]
    fn everything_on_green_plans_no_change() {
        let mut o = observed();
        o.profiles.iter_mut().for_each(|p| p.on_green = true);
        o.objects.iter_mut().for_each(|x| x.on_green = true);
        o.claims.iter_mut().for_each(|c| c.on_green = true);
        let p = plan(&o, &Filter::default(), EbsMode::Snapshot, false).unwrap();
        assert_eq!(p.changes().count(), 0, "{:?}", keys(&p));
    }

    #[test]
    fn a_bare_namespace_on_green_is_refused() {
        let mut o = observed();
        o.profiles[0].bare_namespace_on_green = true;
        let e = plan(&o, &Filter::default(), EbsMode::Snapshot, false).unwrap_err();
        assert!(e.to_string().contains("not owned by profile"), "{e}");
        // Left out, the rest goes on.
        let f = Filter {
            namespaces: vec![],
            exclude: vec!["bob".into()],
        };
        assert!(plan(&o, &f, EbsMode::Snapshot, false).is_ok());
    }

    #[test]
    fn namespace_filters_narrow_profiles_objects_and_claims() {
        let f = Filter {
            namespaces: vec!["bob".into()],
            exclude: vec![],
        };
        let p = plan(&observed(), &f, EbsMode::Snapshot, false).unwrap();
        assert!(
            p.steps
                .iter()
                .all(|s| s.namespace != "alice" && s.name != "alice")
        );
        assert!(p.steps.iter().any(|s| s.name == "scratch"));
        let f = Filter {
            namespaces: vec![],
            exclude: vec!["bob".into()],
        };
        let p = plan(&observed(), &f, EbsMode::Snapshot, false).unwrap();
        assert!(
            p.steps
                .iter()
                .all(|s| s.namespace != "bob" && s.name != "bob")
        );
        let f = Filter {
            namespaces: vec!["nobody".into()],
            exclude: vec![],
        };
        assert!(plan(&observed(), &f, EbsMode::Snapshot, false).is_err());
    }

    #[test]
    fn a_claim_on_a_file_system_kf_clone_did_not_copy_is_refused() {
        let mut o = observed();
        if let Backing::Efs { cloned, .. } = &mut o.claims[0].backing {
            *cloned = false;
        }
        let e = plan(&o, &Filter::default(), EbsMode::Snapshot, false).unwrap_err();
        assert!(e.to_string().contains("kubectl kf clone"), "{e}");
        let f = Filter {
            namespaces: vec![],
            exclude: vec!["alice".into()],
        };
        assert!(plan(&o, &f, EbsMode::Snapshot, false).is_ok());
    }

    #[test]
    fn ebs_skip_lists_the_claim_with_its_size() {
        let p = plan(&observed(), &Filter::default(), EbsMode::Skip, false).unwrap();
        let c = p.steps.iter().find(|s| s.name == "scratch").unwrap();
        assert_eq!(c.action, Action::Skip);
        assert!(c.reason.contains("20 GiB"), "{}", c.reason);
        assert_eq!(c.namespace, "bob");
    }

    #[test]
    fn ebs_goes_to_a_zone_green_uses_and_needs_one() {
        let p = plan(&observed(), &Filter::default(), EbsMode::Snapshot, false).unwrap();
        let c = p.steps.iter().find(|s| s.name == "scratch").unwrap();
        assert_eq!(c.zone.as_deref(), Some("us-east-1a"));
        let mut o = observed();
        o.green_zones.clear();
        assert!(plan(&o, &Filter::default(), EbsMode::Snapshot, false).is_err());
        assert!(plan(&o, &Filter::default(), EbsMode::Skip, false).is_ok());
    }

    #[test]
    fn the_plan_reads_on_80_columns_and_shows_no_secret() {
        let mut o = observed();
        o.objects
            .push(obj(ObjKind::Secret, "bob", "mlpipeline-minio-artifact"));
        let p = plan(&o, &Filter::default(), EbsMode::Snapshot, true).unwrap();
        let t = p.table();
        assert!(t.contains("dry run"));
        for line in t.lines() {
            assert!(line.chars().count() <= 80, "{line}");
        }
        assert!(t.contains("data not shown"));
        // What controllers make is counted, not listed.
        assert!(!t.contains("default-editor"), "{t}");
        assert!(!t.contains("nb-token"), "{t}");
        assert!(
            t.contains("2 object(s) that controllers make themselves"),
            "{t}"
        );
    }
}
