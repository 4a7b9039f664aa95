//! SecretProviderClasses of the Secrets Store CSI driver (AWS provider): which Secrets Manager
//! secrets a cluster syncs, and rewriting the DB secret's name in a manifest file.
//!
//! `spec.parameters.objects` is a YAML document inside a string. Checkouts write it in more than
//! one way: a literal block (`objects: |`, the awslabs manifests), or the double-quoted, folded
//! scalar PyYAML's `yaml.dump` emits (the awslabs setup script rewrites the file that way), where
//! `objectName:` and its value can sit on different physical lines. So both levels are parsed as
//! YAML, the DB object found by what it is, and the file rewritten by replacing the `objects`
//! value only; the result is parsed again and must equal the original with that one name changed.

use serde_yaml::{Mapping, Value};

use crate::error::{Error, Result};

pub const GROUP: &str = "secrets-store.csi.x-k8s.io";
pub const KIND: &str = "SecretProviderClass";
const SECRETS_MANAGER: &str = "secretsmanager";
/// The keys of the DB secret Kubeflow's manifests extract (`jmesPath`), any of which marks it.
const DB_KEYS: [&str; 4] = ["host", "password", "username", "database"];

/// One entry of `objects`.
#[derive(Clone, Debug, PartialEq)]
pub struct SecretObject {
    pub name: String,
    pub object_type: Option<String>,
    /// The `path`s of its `jmesPath` entries.
    pub keys: Vec<String>,
}

impl SecretObject {
    fn is_secrets_manager(&self) -> bool {
        self.object_type.as_deref() == Some(SECRETS_MANAGER)
            || (self.object_type.is_none() && self.name.starts_with("arn:aws:secretsmanager:"))
    }
}

fn string_key(m: &Mapping, key: &str) -> Option<String> {
    m.get(Value::from(key)).and_then(|v| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// Parses the text of `objects` (a YAML list of mappings).
pub fn parse_objects(text: &str) -> std::result::Result<Vec<SecretObject>, String> {
    let list: Value =
        serde_yaml::from_str(text).map_err(|e| format!("objects is not YAML: {e}"))?;
    let items = match list {
        Value::Sequence(items) => items,
        Value::Null => Vec::new(),
        _ => return Err("objects is not a list".into()),
    };
    items
        .iter()
        .map(|item| {
            let m = item
                .as_mapping()
                .ok_or_else(|| "an entry of objects is not a mapping".to_string())?;
            let name = string_key(m, "objectName")
                .ok_or_else(|| "an entry of objects has no objectName".to_string())?;
            let keys = m
                .get(Value::from("jmesPath"))
                .and_then(Value::as_sequence)
                .map(|s| {
                    s.iter()
                        .filter_map(|j| j.as_mapping().and_then(|j| string_key(j, "path")))
                        .collect()
                })
                .unwrap_or_default();
            Ok(SecretObject {
                name,
                object_type: string_key(m, "objectType"),
                keys,
            })
        })
        .collect()
}

/// Which entry is the DB secret: the only Secrets Manager object, else the only one extracting a
/// DB key (host, password, ...), else the one named `blue` (blue's secret). `None` when no entry
/// or more than one qualifies.
pub fn db_object(objects: &[SecretObject], blue: Option<&str>) -> Option<usize> {
    let sm: Vec<usize> = (0..objects.len())
        .filter(|&i| objects[i].is_secrets_manager())
        .collect();
    if sm.len() == 1 {
        return Some(sm[0]);
    }
    let with_db_keys: Vec<usize> = sm
        .iter()
        .copied()
        .filter(|&i| {
            objects[i]
                .keys
                .iter()
                .any(|k| DB_KEYS.contains(&k.as_str()))
        })
        .collect();
    if with_db_keys.len() == 1 {
        return Some(with_db_keys[0]);
    }
    let named: Vec<usize> = sm
        .iter()
        .copied()
        .filter(|&i| blue.is_some_and(|b| secret_name(&objects[i].name) == b))
        .collect();
    (named.len() == 1).then(|| named[0])
}

/// A secret's name from a name or an ARN (`arn:aws:secretsmanager:r:a:secret:NAME-AbCdEf`).
pub fn secret_name(name_or_arn: &str) -> &str {
    match name_or_arn.split_once(":secret:") {
        Some((_, rest)) if name_or_arn.starts_with("arn:") => {
            // Secrets Manager appends a dash and six characters to the name in ARNs.
            match rest.rsplit_once('-') {
                Some((name, suffix)) if suffix.len() == 6 => name,
                _ => rest,
            }
        }
        _ => name_or_arn,
    }
}

/// The SecretProviderClass manifests of a file: for each, its `objects` text.
fn spc_objects(doc: &Value) -> Option<&str> {
    if doc.get("kind").and_then(Value::as_str) != Some(KIND) {
        return None;
    }
    doc.get("spec")?.get("parameters")?.get("objects")?.as_str()
}

/// The Secrets Manager objects of a SecretProviderClass as the API returns it (JSON).
pub fn object_names(spc: &serde_json::Value) -> Vec<String> {
    let text = spc["spec"]["parameters"]["objects"]
        .as_str()
        .unwrap_or_default();
    parse_objects(text)
        .map(|objs| {
            objs.into_iter()
                .filter(SecretObject::is_secrets_manager)
                .map(|o| o.name)
                .collect()
        })
        .unwrap_or_default()
}

/// The Secret the Kubeflow manifests sync the DB credentials into.
pub const DB_SECRET: &str = "mysql-secret";

/// The DB secret a SecretProviderClass (as the API returns it) syncs, if it syncs one: its DB
/// object when it fills `mysql-secret`, else the one object extracting DB keys.
pub fn db_secret_of(spc: &serde_json::Value, blue: Option<&str>) -> Option<String> {
    let text = spc["spec"]["parameters"]["objects"].as_str()?;
    let objs = parse_objects(text).ok()?;
    let syncs_db = spc["spec"]["secretObjects"]
        .as_array()
        .is_some_and(|a| a.iter().any(|o| o["secretName"] == DB_SECRET));
    if syncs_db {
        return db_object(&objs, blue).map(|i| objs[i].name.clone());
    }
    let with_keys: Vec<&SecretObject> = objs
        .iter()
        .filter(|o| o.is_secrets_manager() && o.keys.iter().any(|k| DB_KEYS.contains(&k.as_str())))
        .collect();
    match with_keys[..] {
        [one] => Some(one.name.clone()),
        _ => None,
    }
}

/// What rewriting one file found and did.
#[derive(Clone, Debug, PartialEq)]
pub struct Rewrite {
    /// The new text (equal to the old when nothing changed).
    pub text: String,
    /// The DB object's name before, when the file has a SecretProviderClass with one.
    pub old: Option<String>,
    /// Whether, after the rewrite, the file's DB object names the target secret.
    pub names_target: bool,
}

/// Sets the DB object's `objectName` of every SecretProviderClass in `text` to `to`, whatever it
/// was. `blue` (blue's secret) only helps find the DB object among several. An SPC whose DB object
/// cannot be told, or a file the rewrite would change anywhere else, is an error naming the fix.
pub fn rewrite_db_secret(text: &str, file: &str, to: &str, blue: Option<&str>) -> Result<Rewrite> {
    let docs = split_documents(text);
    let mut out = String::with_capacity(text.len());
    let mut old = None;
    let mut names_target = false;
    for doc_text in docs {
        let doc: Value = serde_yaml::from_str(doc_text)
            .map_err(|e| Error::usage(format!("{file} is not valid YAML ({e})"), "fix the file"))?;
        let Some(objects_text) = spc_objects(&doc) else {
            out.push_str(doc_text);
            continue;
        };
        let objects = parse_objects(objects_text).map_err(|e| {
            Error::usage(
                format!("{file}: spec.parameters.objects of the SecretProviderClass: {e}"),
                "fix the file",
            )
        })?;
        let i = db_object(&objects, blue).ok_or_else(|| {
            Error::usage(
                format!(
                    "{file}: cannot tell which object of the SecretProviderClass is the DB secret \
                 ({} objects of type secretsmanager)",
                    objects.iter().filter(|o| o.is_secrets_manager()).count()
                ),
                "keep one, or the one extracting host/password",
            )
        })?;
        old = Some(objects[i].name.clone());
        if objects[i].name == to {
            names_target = true;
            out.push_str(doc_text);
            continue;
        }
        let new_objects = set_object_name(objects_text, &objects, i, to);
        let new_doc = replace_objects_value(doc_text, &new_objects).ok_or_else(|| {
            Error::usage(
                format!(
                    "{file}: cannot find the `objects:` key of the SecretProviderClass to rewrite"
                ),
                format!(
                    "\
                 set its objectName to {to} by hand"
                ),
            )
        })?;
        // The rewrite must change that name and nothing else.
        let mut want = doc.clone();
        want["spec"]["parameters"]["objects"] = Value::from(new_objects.clone());
        let got: Value = serde_yaml::from_str(&new_doc).map_err(|_| unsafe_rewrite(file, to))?;
        let mut expected = objects.clone();
        expected[i].name = to.to_string();
        if got != want || parse_objects(&new_objects).ok() != Some(expected) {
            return Err(unsafe_rewrite(file, to));
        }
        names_target = true;
        out.push_str(&new_doc);
    }
    Ok(Rewrite {
        text: out,
        old,
        names_target,
    })
}

fn unsafe_rewrite(file: &str, to: &str) -> Error {
    Error::usage(
        format!(
            "{file}: rewriting the SecretProviderClass would change more than the DB secret's name"
        ),
        format!(
            "\
         set its objectName to {to} by hand"
        ),
    )
}

/// The documents of a YAML stream, each with its separator line, concatenating back to `text`.
fn split_documents(text: &str) -> Vec<&str> {
    let mut docs = Vec::new();
    let mut start = 0;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end();
        if pos > start && (bare == "---" || bare.starts_with("--- ")) {
            docs.push(&text[start..pos]);
            start = pos;
        }
        pos += line.len();
    }
    docs.push(&text[start..]);
    docs
}

/// The objects text with entry `i`'s objectName set to `to`: the one line holding the old name
/// edited when that reproduces the change exactly (keeping the user's formatting), otherwise the
/// list serialised anew.
fn set_object_name(text: &str, objects: &[SecretObject], i: usize, to: &str) -> String {
    let from = &objects[i].name;
    let mut hits = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let Some(pos) = line.find("objectName:") else {
            continue;
        };
        let value = line[pos + "objectName:".len()..].trim();
        let bare = value.trim_matches(|c| c == '"' || c == '\'');
        if bare == from {
            hits.push((n, pos, value.chars().next()));
        }
    }
    if let [(n, pos, first)] = hits[..] {
        let quote = match first {
            Some(q @ ('"' | '\'')) => q.to_string(),
            _ => String::new(),
        };
        let edited: Vec<String> = text
            .lines()
            .enumerate()
            .map(|(k, l)| {
                if k == n {
                    format!("{}objectName: {quote}{to}{quote}", &l[..pos])
                } else {
                    l.to_string()
                }
            })
            .collect();
        let mut s = edited.join("\n");
        if text.ends_with('\n') {
            s.push('\n');
        }
        let mut expected = objects.to_vec();
        expected[i].name = to.to_string();
        if parse_objects(&s).ok() == Some(expected) {
            return s;
        }
    }
    // Serialise anew: the same list with the one name changed.
    let mut list: Value = serde_yaml::from_str(text).unwrap_or(Value::Null);
    if let Some(item) = list
        .as_sequence_mut()
        .and_then(|s| s.get_mut(i))
        .and_then(Value::as_mapping_mut)
    {
        item.insert(Value::from("objectName"), Value::from(to));
    }
    serde_yaml::to_string(&list).unwrap_or_default()
}

/// `doc` with the value of its `objects:` key replaced by `value` (a literal block when the text
/// allows it, a double-quoted scalar otherwise). `None` when the key is not found exactly once.
fn replace_objects_value(doc: &str, value: &str) -> Option<String> {
    let lines: Vec<&str> = doc.split_inclusive('\n').collect();
    let key_lines: Vec<usize> = (0..lines.len())
        .filter(|&i| {
            let t = lines[i].trim_start();
            t.starts_with("objects:") && !t.starts_with("objects::")
        })
        .collect();
    let [start] = key_lines[..] else {
        return None;
    };
    let indent = lines[start].len() - lines[start].trim_start().len();
    // The value runs on while lines are more indented than the key (or blank).
    let mut end = start + 1;
    while end < lines.len() {
        let l = lines[end];
        let blank = l.trim().is_empty();
        if !blank && l.len() - l.trim_start().len() <= indent {
            break;
        }
        end += 1;
    }
    // Trailing blank lines belong to what follows.
    while end > start + 1 && lines[end - 1].trim().is_empty() {
        end -= 1;
    }
    let pad = " ".repeat(indent);
    let mut out: String = lines[..start].concat();
    out.push_str(&pad);
    out.push_str("objects: ");
    out.push_str(&scalar(value, indent + 2));
    out.push('\n');
    out.push_str(&lines[end..].concat());
    Some(out)
}

/// A YAML scalar for `s` as a mapping value at `indent`: `|` (or `|-`) when a literal block holds
/// it exactly, else a double-quoted (JSON) string.
fn scalar(s: &str, indent: usize) -> String {
    let body = s.strip_suffix('\n').unwrap_or(s);
    let literal_ok = !body.is_empty()
        && !body.starts_with([' ', '\n'])
        && !body.ends_with('\n')
        && !s.contains(['\t', '\r'])
        && body.chars().all(|c| !c.is_control() || c == '\n')
        && body.lines().all(|l| !l.ends_with(' '));
    if !literal_ok {
        return serde_json::to_string(s).unwrap_or_default();
    }
    let pad = " ".repeat(indent);
    let mut out = String::from(if s.ends_with('\n') { "|" } else { "|-" });
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLOCK: &str = "# Syncs the RDS credentials\napiVersion: secrets-store.csi.x-k8s.io/v1\nkind: SecretProviderClass\nmetadata:\n  name: aws-secrets\n  namespace: kubeflow\nspec:\n  provider: aws\n  parameters:\n    objects: |\n      - objectName: \"rds-secret\"\n        objectType: \"secretsmanager\"\n        jmesPath:\n          - path: \"username\"\n            objectAlias: \"user\"\n          - path: \"host\"\n            objectAlias: \"host\"\n  secretObjects:\n  - secretName: mysql-secret\n    type: Opaque\n";

    /// The awslabs file as PyYAML's `yaml.dump` leaves it (see the fixture's README): `objects`
    /// a double-quoted, folded scalar, the name's value on the line after `objectName:`.
    const PYYAML: &str =
        include_str!("../../../tests/fixtures/secret-provider-pyyaml/secret-provider.yaml");

    fn names(text: &str) -> Vec<String> {
        let doc: Value = serde_yaml::from_str(text).unwrap();
        parse_objects(spc_objects(&doc).unwrap())
            .unwrap()
            .into_iter()
            .map(|o| o.name)
            .collect()
    }

    #[test]
    fn a_literal_block_keeps_its_formatting_and_only_the_name_changes() {
        let r = rewrite_db_secret(BLOCK, "f", "rds-secret-green", None).unwrap();
        assert_eq!(r.old.as_deref(), Some("rds-secret"));
        assert!(r.names_target);
        assert_eq!(
            r.text,
            BLOCK.replace("\"rds-secret\"", "\"rds-secret-green\"")
        );
        let again = rewrite_db_secret(&r.text, "f", "rds-secret-green", None).unwrap();
        assert_eq!(again.text, r.text);
        assert!(again.names_target);
    }

    #[test]
    fn the_pyyaml_folded_form_is_rewritten_whatever_the_old_name() {
        // The value of objectName is not on the objectName: line.
        assert!(PYYAML.lines().all(|l| !l.contains("objectName: mlp")));
        assert_eq!(names(PYYAML), vec!["mlp-mlops-rds-secret-3"]);
        let r = rewrite_db_secret(PYYAML, "f", "rds-secret-green", None).unwrap();
        assert_eq!(r.old.as_deref(), Some("mlp-mlops-rds-secret-3"));
        assert_eq!(names(&r.text), vec!["rds-secret-green"]);
        // Everything else of the manifest is as it was.
        let before: Value = serde_yaml::from_str(PYYAML).unwrap();
        let mut after: Value = serde_yaml::from_str(&r.text).unwrap();
        after["spec"]["parameters"]["objects"] = before["spec"]["parameters"]["objects"].clone();
        assert_eq!(after, before);
        assert!(
            r.text
                .contains("  provider: aws\n  secretObjects:\n  - data:\n")
        );
    }

    #[test]
    fn a_fresh_checkout_naming_another_secret_is_rewritten_too() {
        let r = rewrite_db_secret(BLOCK, "f", "mine-green", Some("mine")).unwrap();
        assert_eq!(names(&r.text), vec!["mine-green"]);
    }

    #[test]
    fn several_secrets_are_told_apart_by_their_keys_or_refused() {
        let objs = "- objectName: a\n  objectType: secretsmanager\n- objectName: db\n  objectType: secretsmanager\n  jmesPath:\n  - path: host\n    objectAlias: host\n";
        let o = parse_objects(objs).unwrap();
        assert_eq!(db_object(&o, None), Some(1));
        let two = "- objectName: a\n  objectType: secretsmanager\n- objectName: b\n  objectType: secretsmanager\n";
        let o = parse_objects(two).unwrap();
        assert_eq!(db_object(&o, None), None);
        assert_eq!(db_object(&o, Some("b")), Some(1));
        let text = BLOCK.replace(
            "    objects: |\n",
            "    objects: |\n      - objectName: other\n        objectType: secretsmanager\n",
        );
        let text = text.replace(
            "          - path: \"host\"\n            objectAlias: \"host\"\n",
            "",
        );
        let text = text.replace(
            "          - path: \"username\"\n            objectAlias: \"user\"\n",
            "",
        );
        let err = rewrite_db_secret(&text, "rds/x.yaml", "g", None).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("rds/x.yaml"), "{err}");
    }

    #[test]
    fn files_without_a_secret_provider_class_are_left_alone() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n";
        let r = rewrite_db_secret(text, "f", "g", None).unwrap();
        assert_eq!(r.text, text);
        assert_eq!(r.old, None);
        assert!(!r.names_target);
    }

    #[test]
    fn multi_document_files_keep_their_other_documents() {
        let text = format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: x}}\n---\n{BLOCK}");
        let r = rewrite_db_secret(&text, "f", "g", None).unwrap();
        assert!(
            r.text
                .starts_with("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n")
        );
        assert!(r.text.contains("- objectName: \"g\""), "{}", r.text);
    }

    #[test]
    fn the_db_secret_of_an_applied_class_is_the_one_filling_mysql_secret() {
        let doc: Value = serde_yaml::from_str(PYYAML).unwrap();
        let json = serde_json::to_value(&doc).unwrap();
        assert_eq!(
            db_secret_of(&json, None).as_deref(),
            Some("mlp-mlops-rds-secret-3")
        );
        let s3 = serde_json::json!({"spec": {"parameters": {"objects":
            "- objectName: s3-secret\n  objectType: secretsmanager\n  jmesPath:\n  - {path: accesskey, objectAlias: access}\n"}}});
        assert_eq!(db_secret_of(&s3, None), None);
        assert_eq!(object_names(&s3), vec!["s3-secret"]);
    }

    #[test]
    fn arns_name_their_secret() {
        assert_eq!(
            secret_name("arn:aws:secretsmanager:us-east-1:1:secret:rds-secret-AbCdEf"),
            "rds-secret"
        );
        assert_eq!(secret_name("rds-secret"), "rds-secret");
    }

    #[test]
    fn scalars_are_literal_blocks_when_exact_and_quoted_otherwise() {
        assert_eq!(scalar("a: 1\nb: 2\n", 4), "|\n    a: 1\n    b: 2");
        assert_eq!(scalar("a: 1", 2), "|-\n  a: 1");
        assert_eq!(scalar(" lead\n", 2), "\" lead\\n\"");
        for s in ["x\n\n", "t\tab\n", "- a\n\n- b\n"] {
            let doc = format!("k: {}\n", scalar(s, 2));
            let v: Value = serde_yaml::from_str(&doc).unwrap();
            assert_eq!(v["k"].as_str(), Some(s), "{doc}");
        }
    }
}
