//! Green's own IAM roles for Kubeflow's service accounts: for each of blue's roles its service
//! accounts are annotated with, a role of green's with blue's policies where blue's bucket is
//! replaced by green's, trusted by green's OIDC provider for the same service accounts. Blue's
//! roles and policies are only read. Green's roles get green's bucket only: they have no access
//! to blue's bucket unless the user grants it (a policy of their own, which is kept).
//!
//! Limits (IAM quotas, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html):
//! role names at most 64 characters, inline policies of a role at most 10,240 characters in all
//! (whitespace not counted); customer-managed policies are copied as inline policies (attaching
//! blue's would change blue's policy's attachment count, and it names blue's bucket).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::error::{Error, Result};

/// IAM's limit on a role's name (CreateRole `RoleName`, 1 to 64 characters).
pub const ROLE_NAME_MAX: usize = 64;
/// IAM's limit on all inline policies of one role, whitespace not counted (reference_iam-quotas).
pub const INLINE_POLICIES_MAX: usize = 10_240;
const AWS_MANAGED: &str = "arn:aws:iam::aws:policy/";

/// One of blue's Kubeflow roles as read: its policies with their documents.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BlueRole {
    pub name: String,
    pub arn: String,
    /// `namespace/name` of blue's service accounts annotated with it.
    pub service_accounts: Vec<String>,
    pub inline_policies: Vec<(String, String)>,
    /// Attached policies: ARN, and the default version's document for customer-managed ones
    /// (None for AWS-managed policies, attached to green's role as they are).
    pub attached: Vec<(String, Option<String>)>,
}

/// A green role of that name as it exists.
#[derive(Clone, Debug, Default)]
pub struct GreenRoleState {
    pub arn: String,
    /// Its `kubeflow.org/upgrade` tag.
    pub upgrade_tag: Option<String>,
    pub trust: Option<serde_json::Value>,
    pub inline_policies: BTreeMap<String, serde_json::Value>,
    pub attached: BTreeSet<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum RoleAction {
    Create,
    /// It exists and is ours; what differs is rewritten.
    Update,
    Done,
    /// Green's bucket is not cloned yet: nothing to grant.
    Wait,
}

impl RoleAction {
    pub fn as_str(self) -> &'static str {
        match self {
            RoleAction::Create => "create",
            RoleAction::Update => "update",
            RoleAction::Done => "done",
            RoleAction::Wait => "wait",
        }
    }
}

/// One green role step.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleStep {
    /// The record key: `cluster.kubeflow-role.<blue's role>`.
    pub key: String,
    pub kind: &'static str,
    /// Green's role name.
    pub name: String,
    pub blue: String,
    pub blue_arn: String,
    pub service_accounts: Vec<String>,
    /// `system:serviceaccount:NS:SA` trusted through green's provider.
    pub subjects: Vec<String>,
    /// Blue's inline and customer-managed policies, blue's bucket replaced.
    pub inline_policies: Vec<(String, String)>,
    /// AWS-managed policies, attached as blue has them.
    pub managed_policies: Vec<String>,
    /// How many mentions of blue's bucket were replaced.
    pub replaced: usize,
    pub action: RoleAction,
    pub reason: String,
    /// Green's role ARN when it exists.
    pub arn: Option<String>,
    /// What is not carried as it is, and why.
    pub notes: Vec<String>,
}

/// A stable 32-bit FNV-1a hash, so that names do not change between runs or Rust versions.
fn fnv(s: &str) -> u32 {
    s.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// Green's role for blue's `blue`: `<blue>-<tag>` (as green's bucket is blue's with the upgrade
/// appended); when longer than IAM's 64 characters, blue's name is shortened and a hash of the
/// full pair keeps names distinct.
pub fn green_role_name(tag: &str, blue: &str) -> String {
    let full = format!("{blue}-{tag}");
    if full.len() <= ROLE_NAME_MAX {
        return full;
    }
    let tag: String = tag.chars().take(24).collect();
    let hash = format!("{:08x}", fnv(&format!("{blue}\0{tag}")));
    let room = ROLE_NAME_MAX - tag.len() - hash.len() - 2;
    let head: String = blue.chars().take(room).collect();
    format!("{head}-{hash}-{tag}")
}

fn bucket_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-'
}

/// `s` with each mention of bucket `blue` (a whole bucket name: not part of a longer one)
/// replaced by `green`, and how many.
fn replace_mentions(s: &str, blue: &str, green: &str) -> (String, usize) {
    let mut out = String::with_capacity(s.len());
    let mut n = 0;
    let mut rest = s;
    let mut prev: Option<char> = None;
    while let Some(i) = rest.find(blue) {
        let before = rest[..i].chars().next_back().or(prev);
        let after = rest[i + blue.len()..].chars().next();
        let whole = !before.is_some_and(bucket_char) && !after.is_some_and(bucket_char);
        out.push_str(&rest[..i]);
        out.push_str(if whole { green } else { blue });
        n += usize::from(whole);
        prev = blue.chars().next_back();
        rest = &rest[i + blue.len()..];
    }
    out.push_str(rest);
    (out, n)
}

/// `*`/`?` glob match, as IAM matches ARNs in `Resource`.
fn glob(pattern: &str, s: &str) -> bool {
    let (p, s): (Vec<char>, Vec<char>) = (pattern.chars().collect(), s.chars().collect());
    let (mut pi, mut si, mut star, mut mark) = (0, 0, None, 0);
    while si < s.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Blue's policy document for green: every string naming bucket `blue` (its ARNs
/// `arn:aws:s3:::<blue>` and `arn:aws:s3:::<blue>/*`, `s3://<blue>/...`, the bare name, and a
/// wildcard such as `arn:aws:s3:::<blue>*`, which becomes `<green>*`) names `green` instead.
/// Returns the document, the count of replacements, and the S3 patterns that still match
/// blue's bucket without naming it (`arn:aws:s3:::kf-*`): kept as blue has them, and reported.
pub fn rewrite_policy(
    doc: &serde_json::Value,
    blue: &str,
    green: &str,
) -> (serde_json::Value, usize, Vec<String>) {
    fn walk(
        v: &serde_json::Value,
        blue: &str,
        green: &str,
        n: &mut usize,
        still: &mut Vec<String>,
    ) -> serde_json::Value {
        match v {
            serde_json::Value::String(s) => {
                let (r, k) = replace_mentions(s, blue, green);
                *n += k;
                if k == 0
                    && let Some(res) = r.strip_prefix("arn:aws:s3:::")
                {
                    let bucket_part = res.split('/').next().unwrap_or_default();
                    if glob(bucket_part, blue) && !still.contains(&r) {
                        still.push(r.clone());
                    }
                }
                serde_json::Value::String(r)
            }
            serde_json::Value::Array(a) => {
                serde_json::Value::Array(a.iter().map(|x| walk(x, blue, green, n, still)).collect())
            }
            serde_json::Value::Object(o) => serde_json::Value::Object(
                o.iter()
                    .map(|(k, x)| (k.clone(), walk(x, blue, green, n, still)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
    let mut n = 0;
    let mut still = Vec::new();
    let out = walk(doc, blue, green, &mut n, &mut still);
    (out, n, still)
}

/// A policy's size as IAM counts it: characters, whitespace not counted.
fn policy_size(doc: &str) -> usize {
    doc.chars().filter(|c| !c.is_whitespace()).count()
}

/// What green's roles are planned from.
pub struct RolesInput<'a> {
    pub tag: &'a str,
    /// (blue's bucket, green's bucket) from the record's `clones.bucket`; None before `kf clone`.
    pub bucket: Option<(&'a str, &'a str)>,
    /// Green's OIDC provider ARN and issuer, when green exists; None before it does.
    pub oidc: Option<(&'a str, &'a str)>,
}

/// The steps for green's Kubeflow roles: pure. `existing`: green's roles as they are, by name.
pub fn plan(
    blue: &[BlueRole],
    existing: &BTreeMap<String, GreenRoleState>,
    input: &RolesInput,
) -> Result<Vec<RoleStep>> {
    let mut steps = Vec::new();
    for b in blue {
        let name = green_role_name(input.tag, &b.name);
        let mut notes = Vec::new();
        let mut replaced = 0;
        let mut inline = Vec::new();
        let mut managed = Vec::new();
        let mut rewrite = |policy: &str, doc: &str, notes: &mut Vec<String>| -> Result<String> {
            let v: serde_json::Value = serde_json::from_str(doc).map_err(|e| {
                Error::failed(format!("blue's role {}: policy {policy}: {e}", b.name))
            })?;
            let Some((blue_bucket, green_bucket)) = input.bucket else {
                return Ok(v.to_string());
            };
            let (out, n, still) = rewrite_policy(&v, blue_bucket, green_bucket);
            replaced += n;
            for s in still {
                notes.push(format!(
                    "{name}: policy {policy} grants {s}, which matches blue's bucket too: kept as blue has it"
                ));
            }
            Ok(out.to_string())
        };
        for (p, doc) in &b.inline_policies {
            inline.push((p.clone(), rewrite(p, doc, &mut notes)?));
        }
        for (arn, doc) in &b.attached {
            match doc {
                Some(doc) if !arn.starts_with(AWS_MANAGED) => {
                    let p = arn.rsplit('/').next().unwrap_or(arn).to_string();
                    if inline.iter().any(|(n, _)| *n == p) {
                        return Err(Error::refused(
                            format!(
                                "blue's role {} has an inline policy and an attached policy both named {p}",
                                b.name
                            ),
                            "rename one of them on blue, then run again",
                        ));
                    }
                    inline.push((p.clone(), rewrite(&p, doc, &mut notes)?));
                }
                _ => managed.push(arn.clone()),
            }
        }
        let size: usize = inline.iter().map(|(_, d)| policy_size(d)).sum();
        if size > INLINE_POLICIES_MAX {
            return Err(Error::refused(
                format!(
                    "green's role {name} would hold {size} characters of inline policies (blue's {}'s, rewritten); \
                     IAM allows {INLINE_POLICIES_MAX}",
                    b.name
                ),
                "make blue's role's policies smaller (or fewer), then run again",
            ));
        }
        let subjects: Vec<String> = b
            .service_accounts
            .iter()
            .map(|sa| {
                let (ns, n) = sa.split_once('/').unwrap_or(("default", sa));
                format!("system:serviceaccount:{ns}:{n}")
            })
            .collect();
        let current = existing.get(&name);
        if let Some(c) = current
            && c.upgrade_tag.as_deref() != Some(input.tag)
        {
            return Err(Error::refused(
                format!(
                    "IAM role {name} exists and is not this upgrade's (no {}={} tag)",
                    crate::record::UPGRADE_TAG,
                    input.tag
                ),
                "delete or rename that role, or pick another green NAME",
            ));
        }
        let (action, reason) = match (input.bucket, current) {
            (None, _) => (
                RoleAction::Wait,
                "green's bucket is not cloned yet: run `kubectl kf clone`, then deploy cluster again"
                    .to_string(),
            ),
            (Some(_), None) => (
                RoleAction::Create,
                format!("blue's {} with green's bucket, trusting green", b.name),
            ),
            (Some(_), Some(c)) => {
                let mut diff = Vec::new();
                let trust = input
                    .oidc
                    .map(|(p, i)| super::apply::trust_policy(p, i, &subjects));
                if trust.is_none() || c.trust != trust {
                    diff.push("trust".to_string());
                }
                for (p, doc) in &inline {
                    let want: Option<serde_json::Value> = serde_json::from_str(doc).ok();
                    match c.inline_policies.get(p) {
                        None => diff.push(format!("add policy {p}")),
                        Some(have) if Some(have) != want.as_ref() => {
                            diff.push(format!("replace policy {p}"))
                        }
                        Some(_) => {}
                    }
                }
                for m in managed.iter().filter(|m| !c.attached.contains(*m)) {
                    diff.push(format!("attach {m}"));
                }
                let extra: Vec<&String> = c
                    .inline_policies
                    .keys()
                    .filter(|k| !inline.iter().any(|(n, _)| n == *k))
                    .chain(c.attached.iter().filter(|a| !managed.contains(a)))
                    .collect();
                if !extra.is_empty() {
                    notes.push(format!(
                        "{name}: kept, not blue's (added on green): {}",
                        extra
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                if diff.is_empty() {
                    (RoleAction::Done, "as planned".to_string())
                } else {
                    (RoleAction::Update, diff.join("; "))
                }
            }
        };
        steps.push(RoleStep {
            key: format!("cluster.kubeflow-role.{}", b.name),
            kind: "IAMRole",
            arn: current.map(|c| c.arn.clone()),
            name,
            blue: b.name.clone(),
            blue_arn: b.arn.clone(),
            service_accounts: b.service_accounts.clone(),
            subjects,
            inline_policies: inline,
            managed_policies: managed,
            replaced,
            action,
            reason,
            notes,
        });
    }
    Ok(steps)
}

/// Reads blue's Kubeflow roles (`irsa`: role name -> `ns/sa`): their policies and documents.
pub async fn observe_blue(
    aws: &crate::aws::Aws,
    irsa: &BTreeMap<String, Vec<String>>,
) -> Result<Vec<BlueRole>> {
    use crate::irsa::percent_decode;
    let iam = aws.iam();
    let mut out = Vec::new();
    for (name, sas) in irsa {
        let role = iam
            .get_role()
            .role_name(name)
            .send()
            .await
            .map_err(|e| Error::aws(&format!("GetRole {name}"), e))?;
        let arn = role.role().map(|r| r.arn().to_string()).unwrap_or_default();
        let inline = crate::irsa::inline_policies(&iam, name).await?;
        let mut attached = Vec::new();
        for parn in crate::irsa::attached_policy_arns(&iam, name).await? {
            if parn.starts_with(AWS_MANAGED) {
                attached.push((parn, None));
                continue;
            }
            let policy = iam
                .get_policy()
                .policy_arn(&parn)
                .send()
                .await
                .map_err(|e| Error::aws("GetPolicy", e))?;
            let version = policy
                .policy()
                .and_then(|p| p.default_version_id())
                .unwrap_or("v1")
                .to_string();
            let v = iam
                .get_policy_version()
                .policy_arn(&parn)
                .version_id(&version)
                .send()
                .await
                .map_err(|e| Error::aws("GetPolicyVersion", e))?;
            let doc = v
                .policy_version()
                .and_then(|v| v.document())
                .map(percent_decode);
            attached.push((parn, doc));
        }
        out.push(BlueRole {
            name: name.clone(),
            arn,
            service_accounts: sas.clone(),
            inline_policies: inline,
            attached,
        });
    }
    Ok(out)
}

/// Reads green's roles of these names, where they exist.
pub async fn observe_green(
    aws: &crate::aws::Aws,
    names: &[String],
) -> Result<BTreeMap<String, GreenRoleState>> {
    use crate::irsa::percent_decode;
    let iam = aws.iam();
    let mut out = BTreeMap::new();
    for name in names {
        let answer = iam.get_role().role_name(name).send().await;
        let Some(role) = crate::aws::found("GetRole", answer, |e| e.is_no_such_entity_exception())?
        else {
            continue;
        };
        let Some(r) = role.role() else { continue };
        let inline = crate::irsa::inline_policies(&iam, name)
            .await?
            .into_iter()
            .filter_map(|(p, doc)| Some((p, serde_json::from_str(&doc).ok()?)))
            .collect();
        let attached = crate::irsa::attached_policy_arns(&iam, name)
            .await?
            .into_iter()
            .collect();
        out.insert(
            name.clone(),
            GreenRoleState {
                arn: r.arn().to_string(),
                upgrade_tag: r
                    .tags()
                    .iter()
                    .find(|t| t.key() == crate::record::UPGRADE_TAG)
                    .map(|t| t.value().to_string()),
                trust: r
                    .assume_role_policy_document()
                    .map(percent_decode)
                    .and_then(|d| serde_json::from_str(&d).ok()),
                inline_policies: inline,
                attached,
            },
        );
    }
    Ok(out)
}

/// Executes the create and update steps (done and wait steps are not touched), each recorded
/// InProgress before its role is created, and records every green role in `green_roles`.
pub async fn apply(
    ctx: &crate::upgrade::Ctx,
    provider: &str,
    issuer: &str,
    steps: &[RoleStep],
) -> Result<()> {
    use crate::record::Phase;
    let iam = ctx.aws.iam();
    for s in steps {
        let arn = match s.action {
            RoleAction::Wait => continue,
            RoleAction::Done => s.arn.clone().unwrap_or_default(),
            RoleAction::Create | RoleAction::Update => {
                let trust = super::apply::trust_policy(provider, issuer, &s.subjects);
                let want = crate::irsa::RoleWant {
                    name: &s.name,
                    trust: &trust,
                    description: format!(
                        "Kubeflow on green: {}'s policies with green's bucket",
                        s.blue
                    ),
                    tags: ctx.tags().step(&s.key).iam(),
                    refuse_without_tag: Some(&ctx.tag),
                    managed_policies: &s.managed_policies,
                    inline_policies: &s.inline_policies,
                };
                crate::irsa::ensure_role_as(&iam, &want, || {
                    ctx.record
                        .mark(&s.key, s.kind, &s.name, Phase::InProgress, None)
                })
                .await?
            }
        };
        ctx.record
            .mark(
                &s.key,
                s.kind,
                &s.name,
                Phase::Completed,
                Some(format!(
                    "copy of {}; {} mention(s) of blue's bucket replaced",
                    s.blue, s.replaced
                )),
            )
            .await?;
        let role = crate::record::GreenRole {
            blue: s.blue_arn.clone(),
            green: arn,
            service_accounts: s.service_accounts.clone(),
        };
        if !ctx.record.snapshot().await.green_roles.contains(&role) {
            ctx.record
                .update(|r| {
                    r.green_roles.retain(|g| g.blue != role.blue);
                    r.green_roles.push(role.clone());
                })
                .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLUE: &str = "kf-artifacts-blue";
    const GREEN: &str = "kf-artifacts-blue-green";
    const PROVIDER: &str = "arn:aws:iam::1:oidc-provider/oidc.eks/id/G";
    const ISSUER: &str = "https://oidc.eks/id/G";

    fn pipeline_policy(resources: &[&str]) -> String {
        serde_json::json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
            "Resource": resources}]})
        .to_string()
    }

    fn blue_role() -> BlueRole {
        BlueRole {
            name: "kf-blue-ml-pipeline".into(),
            arn: "arn:aws:iam::1:role/kf-blue-ml-pipeline".into(),
            service_accounts: vec!["kubeflow/ml-pipeline".into()],
            inline_policies: vec![(
                "logs".into(),
                serde_json::json!({"Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]})
                    .to_string(),
            )],
            attached: vec![
                (
                    "arn:aws:iam::1:policy/kf-blue-ml-pipeline-s3".into(),
                    Some(pipeline_policy(&[
                        "arn:aws:s3:::kf-artifacts-blue",
                        "arn:aws:s3:::kf-artifacts-blue/*",
                    ])),
                ),
                (
                    "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess".into(),
                    None,
                ),
            ],
        }
    }

    fn input(bucket: bool) -> RolesInput<'static> {
        RolesInput {
            tag: "green",
            bucket: bucket.then_some((BLUE, GREEN)),
            oidc: Some((PROVIDER, ISSUER)),
        }
    }

    #[test]
    fn blues_bucket_is_replaced_by_greens_and_nothing_else() {
        let doc: serde_json::Value = serde_json::from_str(&pipeline_policy(&[
            "arn:aws:s3:::kf-artifacts-blue",
            "arn:aws:s3:::kf-artifacts-blue/*",
            "arn:aws:s3:::kf-artifacts-blue-logs/*",
            "arn:aws:s3:::other-kf-artifacts-blue",
        ]))
        .unwrap();
        let (out, n, still) = rewrite_policy(&doc, BLUE, GREEN);
        assert_eq!(n, 2);
        assert_eq!(
            out["Statement"][0]["Resource"],
            serde_json::json!([
                "arn:aws:s3:::kf-artifacts-blue-green",
                "arn:aws:s3:::kf-artifacts-blue-green/*",
                "arn:aws:s3:::kf-artifacts-blue-logs/*",
                "arn:aws:s3:::other-kf-artifacts-blue"
            ])
        );
        assert!(still.is_empty(), "{still:?}");
        let cond = serde_json::json!({"Condition": {"StringLike": {"s3:prefix": "s3://kf-artifacts-blue/pipelines/*"}}});
        let (out, n, _) = rewrite_policy(&cond, BLUE, GREEN);
        assert_eq!(n, 1);
        assert_eq!(
            out["Condition"]["StringLike"]["s3:prefix"],
            "s3://kf-artifacts-blue-green/pipelines/*"
        );
    }

    #[test]
    fn a_wildcard_on_blues_name_becomes_greens_and_broader_ones_are_reported() {
        let doc: serde_json::Value = serde_json::from_str(&pipeline_policy(&[
            "arn:aws:s3:::kf-artifacts-blue*",
            "arn:aws:s3:::kf-*",
            "arn:aws:s3:::*",
            "arn:aws:s3:::team-*",
        ]))
        .unwrap();
        let (out, n, still) = rewrite_policy(&doc, BLUE, GREEN);
        assert_eq!(n, 1);
        let r = &out["Statement"][0]["Resource"];
        assert_eq!(r[0], "arn:aws:s3:::kf-artifacts-blue-green*");
        // green's wildcard no longer matches blue's bucket
        assert!(!glob("kf-artifacts-blue-green*", BLUE));
        assert!(glob("kf-artifacts-blue-green*", GREEN));
        assert_eq!(still, vec!["arn:aws:s3:::kf-*", "arn:aws:s3:::*"]);
    }

    #[test]
    fn names_are_blues_with_the_upgrade_and_fit_64_characters() {
        assert_eq!(
            green_role_name("green", "kf-blue-ml-pipeline"),
            "kf-blue-ml-pipeline-green"
        );
        let long_a = format!("{}-a", "r".repeat(62));
        let long_b = format!("{}-b", "r".repeat(62));
        let (a, b) = (
            green_role_name("green", &long_a),
            green_role_name("green", &long_b),
        );
        assert!(a.len() <= 64 && b.len() <= 64, "{a} {b}");
        assert_ne!(a, b);
        assert_eq!(a, green_role_name("green", &long_a));
        assert!(green_role_name(&"g".repeat(63), &"r".repeat(64)).len() <= 64);
    }

    #[test]
    fn a_first_run_creates_the_role_with_blues_policies_rewritten() {
        let steps = plan(&[blue_role()], &BTreeMap::new(), &input(true)).unwrap();
        let s = &steps[0];
        assert_eq!(s.action, RoleAction::Create);
        assert_eq!(s.name, "kf-blue-ml-pipeline-green");
        assert_eq!(s.key, "cluster.kubeflow-role.kf-blue-ml-pipeline");
        assert_eq!(s.replaced, 2);
        assert_eq!(
            s.managed_policies,
            vec!["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]
        );
        let names: Vec<&str> = s.inline_policies.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, vec!["logs", "kf-blue-ml-pipeline-s3"]);
        assert!(!s.inline_policies[1].1.contains("kf-artifacts-blue\""));
        assert!(s.inline_policies[1].1.contains(GREEN));
        assert_eq!(
            s.subjects,
            vec!["system:serviceaccount:kubeflow:ml-pipeline"]
        );
    }

    fn as_created(s: &RoleStep) -> GreenRoleState {
        GreenRoleState {
            arn: "arn:aws:iam::1:role/kf-blue-ml-pipeline-green".into(),
            upgrade_tag: Some("green".into()),
            trust: Some(super::super::apply::trust_policy(
                PROVIDER,
                ISSUER,
                &s.subjects,
            )),
            inline_policies: s
                .inline_policies
                .iter()
                .map(|(n, d)| (n.clone(), serde_json::from_str(d).unwrap()))
                .collect(),
            attached: s.managed_policies.iter().cloned().collect(),
        }
    }

    #[test]
    fn a_rerun_is_done_a_changed_policy_is_replaced_and_added_ones_are_kept() {
        let first = plan(&[blue_role()], &BTreeMap::new(), &input(true)).unwrap();
        let mut state = as_created(&first[0]);
        let mut existing = BTreeMap::from([(first[0].name.clone(), state.clone())]);
        let again = plan(&[blue_role()], &existing, &input(true)).unwrap();
        assert_eq!(again[0].action, RoleAction::Done);
        assert_eq!(again[0].arn.as_deref(), Some(state.arn.as_str()));

        state.inline_policies.insert(
            "kf-blue-ml-pipeline-s3".into(),
            serde_json::from_str(&pipeline_policy(&["arn:aws:s3:::kf-artifacts-blue/*"])).unwrap(),
        );
        state
            .inline_policies
            .insert("read-blue".into(), serde_json::json!({"Statement": []}));
        existing.insert(first[0].name.clone(), state);
        let changed = plan(&[blue_role()], &existing, &input(true)).unwrap();
        assert_eq!(changed[0].action, RoleAction::Update);
        assert_eq!(changed[0].reason, "replace policy kf-blue-ml-pipeline-s3");
        assert!(changed[0].notes.iter().any(|n| n.contains("read-blue")));
    }

    #[test]
    fn without_greens_bucket_the_roles_wait_and_a_foreign_role_is_refused() {
        let steps = plan(&[blue_role()], &BTreeMap::new(), &input(false)).unwrap();
        assert_eq!(steps[0].action, RoleAction::Wait);
        assert!(steps[0].reason.contains("kubectl kf clone"));
        let foreign = GreenRoleState {
            upgrade_tag: None,
            ..Default::default()
        };
        let existing = BTreeMap::from([("kf-blue-ml-pipeline-green".to_string(), foreign)]);
        let e = plan(&[blue_role()], &existing, &input(true)).unwrap_err();
        assert_eq!(e.exit_status(), crate::error::ExitStatus::Usage);
        assert!(e.to_string().contains("not this upgrade's"), "{e}");
    }

    #[test]
    fn too_much_policy_for_one_role_is_refused() {
        let mut b = blue_role();
        let big: Vec<String> = (0..400)
            .map(|i| format!("arn:aws:s3:::kf-artifacts-blue/p{i}/*"))
            .collect();
        let refs: Vec<&str> = big.iter().map(String::as_str).collect();
        b.inline_policies
            .push(("big".into(), pipeline_policy(&refs)));
        let e = plan(&[b], &BTreeMap::new(), &input(true)).unwrap_err();
        assert!(e.to_string().contains("10240"), "{e}");
    }
}
