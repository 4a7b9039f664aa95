//! IAM roles for service accounts (IRSA): the cluster's OIDC provider in IAM, and roles that
//! trust it for one service account.

use crate::aws::Aws;
use crate::error::{Error, Result};

/// `oidc.eks.<region>.amazonaws.com/id/<ID>`: the issuer as IAM names it in ARNs and conditions.
pub fn issuer_path(issuer: &str) -> &str {
    issuer.trim_start_matches("https://").trim_end_matches('/')
}

/// The ARN of the IAM OIDC provider for `issuer`, if there is one.
pub async fn find_oidc_provider(aws: &Aws, issuer: &str) -> Result<Option<String>> {
    let path = issuer_path(issuer);
    let list = aws
        .iam()
        .list_open_id_connect_providers()
        .send()
        .await
        .map_err(|e| Error::aws("ListOpenIDConnectProviders", e))?;
    Ok(list
        .open_id_connect_provider_list()
        .iter()
        .filter_map(|p| p.arn())
        .find(|arn| arn.ends_with(&format!(":oidc-provider/{path}")))
        .map(str::to_string))
}

/// The IAM OIDC provider for `issuer`, created when missing; its ARN.
pub async fn ensure_oidc_provider(aws: &Aws, issuer: &str, tag: &str) -> Result<String> {
    if let Some(arn) = find_oidc_provider(aws, issuer).await? {
        return Ok(arn);
    }
    let path = issuer_path(issuer);
    let out = aws
        .iam()
        .create_open_id_connect_provider()
        .url(format!("https://{path}"))
        .client_id_list("sts.amazonaws.com")
        .set_tags(Some(crate::tags::Tags::upgrade(tag).iam()))
        .send()
        .await
        .map_err(|e| Error::aws("CreateOpenIDConnectProvider", e))?;
    Ok(out
        .open_id_connect_provider_arn()
        .unwrap_or_default()
        .to_string())
}

/// The trust statement letting `namespace/service_account` (a name, or a pattern with `*`) of
/// the cluster behind `provider_arn` assume a role.
pub fn trust_statement(
    provider_arn: &str,
    issuer: &str,
    namespace: &str,
    service_account: &str,
) -> serde_json::Value {
    let path = issuer_path(issuer);
    let subject = format!("system:serviceaccount:{namespace}:{service_account}");
    // A pattern (`efs-csi-*`: the controller's and the node's accounts) needs StringLike.
    let condition = if service_account.contains('*') {
        serde_json::json!({
            "StringLike": {format!("{path}:sub"): subject},
            "StringEquals": {format!("{path}:aud"): "sts.amazonaws.com"}
        })
    } else {
        serde_json::json!({"StringEquals": {
            format!("{path}:sub"): subject,
            format!("{path}:aud"): "sts.amazonaws.com"
        }})
    };
    serde_json::json!({
        "Effect": "Allow",
        "Principal": {"Federated": provider_arn},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": condition
    })
}

/// A role trusted by exactly one service account of one cluster, with an inline policy; its ARN.
/// An existing role gets the trust policy and the inline policy rewritten when they differ.
pub struct IrsaRole<'a> {
    pub name: &'a str,
    pub provider_arn: &'a str,
    pub issuer: &'a str,
    pub namespace: &'a str,
    pub service_account: &'a str,
    pub policy_name: &'a str,
    pub policy: &'a str,
    pub tag: &'a str,
}

pub async fn ensure_role(aws: &Aws, r: &IrsaRole<'_>) -> Result<String> {
    let trust = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [trust_statement(r.provider_arn, r.issuer, r.namespace, r.service_account)]
    });
    let want: serde_json::Value = serde_json::from_str(r.policy)
        .map_err(|e| Error::failed(format!("policy {}: {e}", r.policy_name)))?;
    let role = RoleWant {
        name: r.name,
        trust: &trust,
        description: format!("IRSA for {}/{}", r.namespace, r.service_account),
        tags: crate::tags::Tags::upgrade(r.tag).iam(),
        refuse_without_tag: None,
        managed_policies: &[],
        inline_policies: &[(r.policy_name.to_string(), want.to_string())],
    };
    ensure_role_as(&aws.iam(), &role, || async { Ok(()) }).await
}

/// An IAM role as it must be: its trust policy, its policies, the tags it is made with.
pub struct RoleWant<'a> {
    pub name: &'a str,
    pub trust: &'a serde_json::Value,
    pub description: String,
    pub tags: Vec<aws_sdk_iam::types::Tag>,
    /// `Some(tag)`: a role of that name without `kubeflow.org/upgrade=<tag>` is someone
    /// else's and is refused, not taken over.
    pub refuse_without_tag: Option<&'a str>,
    /// Managed policies to attach (those attached already stay).
    pub managed_policies: &'a [String],
    /// Inline policies (name, document) put where absent or different.
    pub inline_policies: &'a [(String, String)],
}

/// Makes the role `want` describes, or brings an existing one to it: its trust policy
/// replaced when different, the missing managed policies attached, each inline policy put
/// when absent or different. `before_create` runs just before CreateRole (to record the step
/// InProgress, so a run killed after the call finds the role again). The role's ARN.
pub async fn ensure_role_as<F, Fut>(
    iam: &aws_sdk_iam::Client,
    want: &RoleWant<'_>,
    before_create: F,
) -> Result<String>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    let name = want.name;
    let answer = iam.get_role().role_name(name).send().await;
    let arn = match crate::aws::found("GetRole", answer, |e| e.is_no_such_entity_exception())? {
        Some(out) => {
            let role = out
                .role()
                .ok_or_else(|| Error::failed(format!("role {name} not described")))?;
            if let Some(tag) = want.refuse_without_tag
                && !role
                    .tags()
                    .iter()
                    .any(|t| t.key() == crate::record::UPGRADE_TAG && t.value() == tag)
            {
                return Err(Error::refused(
                    format!(
                        "IAM role {name} exists and is not this upgrade's (no {}={tag} tag)",
                        crate::record::UPGRADE_TAG
                    ),
                    "delete or rename that role, or pick another green NAME",
                ));
            }
            let current: Option<serde_json::Value> = role
                .assume_role_policy_document()
                .map(percent_decode)
                .and_then(|d| serde_json::from_str(&d).ok());
            if current.as_ref() != Some(want.trust) {
                iam.update_assume_role_policy()
                    .role_name(name)
                    .policy_document(want.trust.to_string())
                    .send()
                    .await
                    .map_err(|e| Error::aws("UpdateAssumeRolePolicy", e))?;
            }
            role.arn().to_string()
        }
        None => {
            before_create().await?;
            iam.create_role()
                .role_name(name)
                .assume_role_policy_document(want.trust.to_string())
                .description(&want.description)
                .set_tags(Some(want.tags.clone()))
                .send()
                .await
                .map_err(|e| Error::aws("CreateRole", e))?
                .role()
                .map(|role| role.arn().to_string())
                .unwrap_or_default()
        }
    };
    if !want.managed_policies.is_empty() {
        let attached = attached_policy_arns(iam, name).await?;
        for p in want
            .managed_policies
            .iter()
            .filter(|p| !attached.contains(p))
        {
            iam.attach_role_policy()
                .role_name(name)
                .policy_arn(p)
                .send()
                .await
                .map_err(|e| Error::aws("AttachRolePolicy", e))?;
        }
    }
    for (policy, doc) in want.inline_policies {
        let wanted: Option<serde_json::Value> = serde_json::from_str(doc).ok();
        let current: Option<serde_json::Value> = iam
            .get_role_policy()
            .role_name(name)
            .policy_name(policy)
            .send()
            .await
            .ok()
            .map(|p| percent_decode(p.policy_document()))
            .and_then(|d| serde_json::from_str(&d).ok());
        if current.is_none() || current != wanted {
            iam.put_role_policy()
                .role_name(name)
                .policy_name(policy)
                .policy_document(doc)
                .send()
                .await
                .map_err(|e| Error::aws("PutRolePolicy", e))?;
        }
    }
    Ok(arn)
}

/// The `Statement` array of a policy document's text: each element's byte span and value, and
/// where the array closes. None when the text is not an object with a `Statement` array.
struct StatementSpans {
    elements: Vec<(usize, usize, serde_json::Value)>,
    open: usize,
}

fn skip_ws(t: &str, mut i: usize) -> usize {
    while t.as_bytes().get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// One JSON value of type T starting at byte `i`, and the byte after it.
fn value_at<T: serde::de::DeserializeOwned>(t: &str, i: usize) -> Option<(T, usize)> {
    let mut it = serde_json::Deserializer::from_str(t.get(i..)?).into_iter::<T>();
    let v = it.next()?.ok()?;
    Some((v, i + it.byte_offset()))
}

fn statement_spans(t: &str) -> Option<StatementSpans> {
    let b = t.as_bytes();
    let mut i = skip_ws(t, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i += 1;
    loop {
        i = skip_ws(t, i);
        let (key, e): (String, usize) = value_at(t, i)?;
        i = skip_ws(t, e);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(t, i + 1);
        if key == "Statement" {
            if b.get(i) != Some(&b'[') {
                return None;
            }
            let open = i;
            i += 1;
            let mut elements = Vec::new();
            loop {
                i = skip_ws(t, i);
                if b.get(i) == Some(&b']') && elements.is_empty() {
                    return Some(StatementSpans { elements, open });
                }
                let (v, e): (serde_json::Value, usize) = value_at(t, i)?;
                elements.push((i, e, v));
                i = skip_ws(t, e);
                match b.get(i) {
                    Some(b',') => i += 1,
                    Some(b']') => return Some(StatementSpans { elements, open }),
                    _ => return None,
                }
            }
        }
        let (_, e): (serde_json::Value, usize) = value_at(t, i)?;
        i = skip_ws(t, e);
        match b.get(i) {
            Some(b',') => i += 1,
            _ => return None,
        }
    }
}

/// `text` (a policy document) with `added` appended to its `Statement` array, every other byte
/// as it was. None when the text has no `Statement` array. (Versions before 0.2 extended
/// blue's trust this way; what they added comes off with [`remove_statements`].)
pub fn append_statements(text: &str, added: &[serde_json::Value]) -> Option<String> {
    let spans = statement_spans(text)?;
    let added: Vec<String> = added.iter().map(|v| v.to_string()).collect();
    let (at, lead) = match spans.elements.last() {
        Some((_, end, _)) => (*end, ","),
        None => (spans.open + 1, ""),
    };
    Some(format!(
        "{}{lead}{}{}",
        &text[..at],
        added.join(","),
        &text[at..]
    ))
}

/// `text` (a policy document) without the statements `remove` selects, every other byte as it
/// was: what [`append_statements`] added comes off exactly. None when the text has no
/// `Statement` array; the number removed otherwise.
pub fn remove_statements(
    text: &str,
    remove: impl Fn(&serde_json::Value) -> bool,
) -> Option<(String, usize)> {
    let spans = statement_spans(text)?;
    let el = &spans.elements;
    let gone: Vec<bool> = el.iter().map(|(_, _, v)| remove(v)).collect();
    // Each run of statements removed goes with the separator before it (after the element
    // that precedes it) or, at the start of the array, with the separator after it.
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    let mut k = 0;
    while k < el.len() {
        if !gone[k] {
            k += 1;
            continue;
        }
        let first = k;
        while k + 1 < el.len() && gone[k + 1] {
            k += 1;
        }
        cuts.push(match (first, el.get(k + 1)) {
            (0, Some((next, _, _))) => (el[0].0, *next),
            (0, None) => (el[0].0, el[k].1),
            _ => (el[first - 1].1, el[k].1),
        });
        k += 1;
    }
    let n = gone.iter().filter(|g| **g).count();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (a, b) in &cuts {
        out.push_str(&text[at..*a]);
        at = *b;
    }
    out.push_str(&text[at..]);
    Some((out, n))
}

/// Whether a trust statement lets the OIDC provider `provider_arn` assume the role.
pub fn trusts_provider(statement: &serde_json::Value, provider_arn: &str) -> bool {
    statement["Principal"]["Federated"].as_str() == Some(provider_arn)
}

/// IAM returns policy documents URL-encoded (RFC 3986).
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if let Some(b) = (bytes[i] == b'%' && i + 2 < bytes.len())
            .then(|| u8::from_str_radix(&s[i + 1..i + 3], 16).ok())
            .flatten()
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The names of `role`'s inline policies, every page.
pub async fn inline_policy_names(iam: &aws_sdk_iam::Client, role: &str) -> Result<Vec<String>> {
    crate::aws::all(
        "ListRolePolicies",
        iam.list_role_policies()
            .role_name(role)
            .into_paginator()
            .items()
            .send(),
    )
    .await
}

/// `role`'s inline policies: each name with its document, decoded.
pub async fn inline_policies(
    iam: &aws_sdk_iam::Client,
    role: &str,
) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for name in inline_policy_names(iam, role).await? {
        let doc = iam
            .get_role_policy()
            .role_name(role)
            .policy_name(&name)
            .send()
            .await
            .map_err(|e| Error::aws("GetRolePolicy", e))?;
        out.push((name, percent_decode(doc.policy_document())));
    }
    Ok(out)
}

/// The ARNs of the managed policies attached to `role`, every page.
pub async fn attached_policy_arns(iam: &aws_sdk_iam::Client, role: &str) -> Result<Vec<String>> {
    Ok(crate::aws::all(
        "ListAttachedRolePolicies",
        iam.list_attached_role_policies()
            .role_name(role)
            .into_paginator()
            .items()
            .send(),
    )
    .await?
    .into_iter()
    .filter_map(|p| p.policy_arn)
    .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_appended_come_off_byte_for_byte() {
        let blue = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": "arn:blue"}, "Action": "sts:AssumeRoleWithWebIdentity"}]}"#;
        let green = serde_json::json!({"Effect": "Allow", "Principal": {"Federated": "arn:green"}});
        let other = serde_json::json!({"Effect": "Allow", "Principal": {"Service": "x"}});
        let both = append_statements(blue, &[green.clone(), other.clone()]).unwrap();
        assert!(both.starts_with(&blue[..blue.len() - 2]), "{both}");
        let parsed: serde_json::Value = serde_json::from_str(&both).unwrap();
        assert_eq!(parsed["Statement"].as_array().unwrap().len(), 3);
        let (back, n) = remove_statements(&both, |s| trusts_provider(s, "arn:green")).unwrap();
        assert_eq!(n, 1);
        let (back, _) = remove_statements(&back, |s| s["Principal"]["Service"] == "x").unwrap();
        assert_eq!(back, blue);
        // The first statement, several in a row, and every one.
        let pretty = "{\n  \"Statement\": [\n    {\"a\": 1},\n    {\"a\": 2},\n    {\"a\": 3}\n  ],\n  \"Version\": \"x\"\n}";
        let (t, n) = remove_statements(pretty, |s| s["a"] != 3).unwrap();
        assert_eq!(n, 2);
        assert_eq!(
            t,
            "{\n  \"Statement\": [\n    {\"a\": 3}\n  ],\n  \"Version\": \"x\"\n}"
        );
        let (t, _) = remove_statements(pretty, |_| true).unwrap();
        let v: serde_json::Value = serde_json::from_str(&t).unwrap();
        assert_eq!(v["Statement"], serde_json::json!([]));
        let (t, n) = remove_statements(pretty, |_| false).unwrap();
        assert_eq!((t.as_str(), n), (pretty, 0));
        assert!(remove_statements(r#"{"Statement": {"a": 1}}"#, |_| true).is_none());
        let empty = append_statements(r#"{"Statement": []}"#, &[other]).unwrap();
        assert_eq!(
            empty,
            r#"{"Statement": [{"Effect":"Allow","Principal":{"Service":"x"}}]}"#
        );
    }

    #[test]
    fn decodes_iam_policy_documents() {
        assert_eq!(percent_decode("%7B%22a%22%3A%201%7D"), "{\"a\": 1}");
        assert_eq!(percent_decode("{\"a\":1}"), "{\"a\":1}");
        assert_eq!(percent_decode("100%"), "100%");
    }

    #[test]
    fn trust_names_the_service_account_and_audience() {
        let t = trust_statement(
            "arn:aws:iam::1:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/AB",
            "https://oidc.eks.us-east-1.amazonaws.com/id/AB",
            "kube-system",
            "efs-csi-controller-sa",
        );
        let c = &t["Condition"]["StringEquals"];
        assert_eq!(
            c["oidc.eks.us-east-1.amazonaws.com/id/AB:sub"],
            "system:serviceaccount:kube-system:efs-csi-controller-sa"
        );
        assert_eq!(
            c["oidc.eks.us-east-1.amazonaws.com/id/AB:aud"],
            "sts.amazonaws.com"
        );
    }
}
