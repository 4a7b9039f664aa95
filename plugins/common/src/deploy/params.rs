//! Native edits of a kubeflow-manifests checkout: `key=value` env files (the SecretProviderClass
//! manifests are rewritten by [`crate::secrets_store`]). Only the named keys change; comments,
//! order and every other line stay as they were. Edits are computed first and written together,
//! once every check has passed.

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

/// A file of the checkout with its new text and the edits that make it.
#[derive(Clone, Debug)]
pub struct FileEdit {
    pub path: std::path::PathBuf,
    pub text: String,
    pub edits: Vec<Edit>,
}

/// The text of a file of the checkout; a missing file is a usage error naming it.
pub fn read(root: &Path, rel: &str) -> Result<String> {
    let path = root.join(rel);
    std::fs::read_to_string(&path).map_err(|e| {
        Error::usage(
            format!("{}: {e}", path.display()),
            "is --manifests a kubeflow-manifests checkout (awslabs/kubeflow-manifests)?",
        )
    })
}

/// Computes the edits of one file from its text (nothing is read or written).
pub fn edit_text(
    root: &Path,
    rel: &str,
    text: &str,
    f: impl FnOnce(&str, &str) -> Result<(String, Vec<Edit>)>,
) -> Result<FileEdit> {
    let (text, edits) = f(text, rel)?;
    Ok(FileEdit {
        path: root.join(rel),
        text,
        edits,
    })
}

/// Writes the files that change (a temporary file renamed over each).
pub fn write_files(files: &[FileEdit]) -> Result<()> {
    for f in files.iter().filter(|f| !f.edits.is_empty()) {
        let tmp = f.path.with_extension("kf-tmp");
        std::fs::write(&tmp, &f.text)
            .and_then(|_| std::fs::rename(&tmp, &f.path))
            .map_err(|e| Error::io(format!("writing {}", f.path.display()), e))?;
    }
    Ok(())
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
}
