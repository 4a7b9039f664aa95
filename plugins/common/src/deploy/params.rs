//! Native edits of a kubeflow-manifests checkout: `key=value` env files and the object names in
//! SecretProviderClass manifests. Only the named keys change; comments, order and every other
//! line stay as they were.

use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};

/// One value changed (or to change) in a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Edit {
    pub file: String,
    pub key: String,
    pub old: Option<String>,
    pub new: String,
}

/// Sets `key=value` lines of an env file's text; keys absent are appended. Returns the new text
/// and the edits that change something.
pub fn set_env(text: &str, file: &str, values: &[(&str, &str)]) -> (String, Vec<Edit>) {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut edits = Vec::new();
    for (key, value) in values {
        let found = lines.iter().position(|l| {
            let t = l.trim_start();
            !t.starts_with('#') && t.split_once('=').is_some_and(|(k, _)| k.trim() == *key)
        });
        match found {
            Some(i) => {
                let old = lines[i]
                    .split_once('=')
                    .map(|(_, v)| v.trim().to_string())
                    .unwrap_or_default();
                if old != *value {
                    lines[i] = format!("{key}={value}");
                    edits.push(Edit {
                        file: file.into(),
                        key: key.to_string(),
                        old: Some(old),
                        new: value.to_string(),
                    });
                }
            }
            None => {
                lines.push(format!("{key}={value}"));
                edits.push(Edit {
                    file: file.into(),
                    key: key.to_string(),
                    old: None,
                    new: value.to_string(),
                });
            }
        }
    }
    let mut out = lines.join("\n");
    if text.ends_with('\n') || !edits.is_empty() {
        out.push('\n');
    }
    (out, edits)
}

/// Replaces `objectName: <from>` (quoted or not, list item or not) with `to`, keeping the quoting.
pub fn set_object_name(text: &str, file: &str, from: &str, to: &str) -> (String, Vec<Edit>) {
    let mut edits = Vec::new();
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        let Some(pos) = line.find("objectName:") else {
            out.push(line.to_string());
            continue;
        };
        let (head, rest) = line.split_at(pos + "objectName:".len());
        let value = rest.trim();
        let (quote, bare) = match value.chars().next() {
            Some(q @ ('"' | '\'')) => (Some(q), value.trim_matches(q)),
            _ => (None, value),
        };
        if bare == from {
            let q = quote.map(String::from).unwrap_or_default();
            out.push(format!("{head} {q}{to}{q}"));
            edits.push(Edit {
                file: file.into(),
                key: "objectName".into(),
                old: Some(from.into()),
                new: to.into(),
            });
        } else {
            out.push(line.to_string());
        }
    }
    let mut s = out.join("\n");
    if text.ends_with('\n') {
        s.push('\n');
    }
    (s, edits)
}

/// Reads, edits and (unless `dry_run`) writes one file; a missing file is a usage error naming it.
pub fn edit_file(
    root: &Path,
    rel: &str,
    dry_run: bool,
    f: impl FnOnce(&str, &str) -> (String, Vec<Edit>),
) -> Result<Vec<Edit>> {
    let path = root.join(rel);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Error::usage(format!(
            "{}: {e}; is --manifests a kubeflow-manifests checkout (awslabs/kubeflow-manifests)?",
            path.display()
        ))
    })?;
    let (new, edits) = f(&text, rel);
    if !dry_run && !edits.is_empty() {
        let tmp = path.with_extension("kf-tmp");
        std::fs::write(&tmp, &new)
            .and_then(|_| std::fs::rename(&tmp, &path))
            .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
    }
    Ok(edits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_keys_change_and_everything_else_stays() {
        let text = "# the RDS endpoint\ndbHost=old.example\n\nmlmdDb=metadb\nother = keep\n";
        let (out, edits) = set_env(
            text,
            "f",
            &[
                ("dbHost", "new.example"),
                ("mlmdDb", "metadb"),
                ("added", "1"),
            ],
        );
        assert_eq!(
            out,
            "# the RDS endpoint\ndbHost=new.example\n\nmlmdDb=metadb\nother = keep\nadded=1\n"
        );
        assert_eq!(edits.len(), 2);
        assert_eq!(edits[0].old.as_deref(), Some("old.example"));
        let (again, none) = set_env(&out, "f", &[("dbHost", "new.example")]);
        assert_eq!(again, out);
        assert!(none.is_empty());
        // A commented-out key is not the key.
        let (out, _) = set_env("#dbHost=x\n", "f", &[("dbHost", "y")]);
        assert_eq!(out, "#dbHost=x\ndbHost=y\n");
    }

    #[test]
    fn object_names_keep_their_quoting_and_indentation() {
        let text = "    objects: |\n      - objectName: \"rds-secret\"\n        objectType: \"secretsmanager\"\n      - objectName: other\n";
        let (out, edits) = set_object_name(text, "f", "rds-secret", "rds-secret-green");
        assert_eq!(
            out,
            "    objects: |\n      - objectName: \"rds-secret-green\"\n        objectType: \"secretsmanager\"\n      - objectName: other\n"
        );
        assert_eq!(edits.len(), 1);
        let (same, none) = set_object_name(&out, "f", "rds-secret", "rds-secret-green");
        assert_eq!(same, out);
        assert!(none.is_empty());
    }
}
