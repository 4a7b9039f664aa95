//! Which kind of checkout `--manifests DIR` is: the AWS distribution (awslabs/kubeflow-manifests,
//! last release v1.7.0-aws-b1.0.3) or the Kubeflow community distribution
//! (kubeflow/community-distribution, formerly kubeflow/manifests: `apps/` up to v1.10.1,
//! `applications/` from v1.10.2, `example/` the full install at every tag; see
//! `tests/fixtures/FACTS.md` section 0).

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Layout {
    /// `awsconfigs/` and `deployments/<option>`: the values are written into its env files.
    Awslabs,
    /// `example/` and `applications/` (or `apps/`): an overlay of the command's own is written.
    Community {
        /// `applications` or `apps`.
        apps: String,
    },
}

impl Layout {
    pub fn name(&self) -> &'static str {
        match self {
            Layout::Awslabs => "awslabs/kubeflow-manifests",
            Layout::Community { .. } => "Kubeflow community distribution",
        }
    }

    /// The kustomization built when `--kustomization` is not given (relative to the checkout).
    pub fn default_kustomization(&self, option: &str) -> PathBuf {
        match self {
            Layout::Awslabs => Path::new("deployments").join(option),
            Layout::Community { .. } => PathBuf::from("example"),
        }
    }
}

fn has_kustomization(dir: &Path) -> bool {
    ["kustomization.yaml", "kustomization.yml", "Kustomization"]
        .iter()
        .any(|f| dir.join(f).is_file())
}

/// Recognises the checkout; anything else is a usage error naming both layouts.
pub fn detect(root: &Path) -> Result<Layout> {
    if !root.is_dir() {
        return Err(Error::usage(
            format!("--manifests {} is not a directory", root.display()),
            "pass the directory of a Kubeflow manifests checkout",
        ));
    }
    if root.join("awsconfigs").is_dir() && root.join("deployments").is_dir() {
        return Ok(Layout::Awslabs);
    }
    if has_kustomization(&root.join("example")) {
        for apps in ["applications", "apps"] {
            if root.join(apps).is_dir() {
                return Ok(Layout::Community { apps: apps.into() });
            }
        }
    }
    Err(Error::usage(
        format!(
            "{} is neither an awslabs/kubeflow-manifests checkout (awsconfigs/ and \
             deployments/) nor a Kubeflow community distribution checkout (example/ with \
             applications/, or apps/ up to v1.10.1)",
            root.display()
        ),
        "pass --manifests the root of one of those checkouts",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[&str]) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        for f in files {
            let p = d.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        }
        d
    }

    #[test]
    fn each_layout_is_recognised_and_anything_else_names_both() {
        let aws = tree(&["awsconfigs/apps/x", "deployments/rds-s3/kustomization.yaml"]);
        assert_eq!(detect(aws.path()).unwrap(), Layout::Awslabs);
        let new = tree(&["example/kustomization.yaml", "applications/pipeline/x"]);
        assert_eq!(
            detect(new.path()).unwrap(),
            Layout::Community {
                apps: "applications".into()
            }
        );
        let old = tree(&["example/kustomization.yaml", "apps/pipeline/x"]);
        assert_eq!(
            detect(old.path()).unwrap(),
            Layout::Community {
                apps: "apps".into()
            }
        );
        assert_eq!(
            Layout::Community {
                apps: "apps".into()
            }
            .default_kustomization("rds-s3"),
            PathBuf::from("example")
        );
        let neither = tree(&["applications/pipeline/x"]);
        let e = detect(neither.path()).unwrap_err().to_string();
        assert!(
            e.contains("awslabs/kubeflow-manifests") && e.contains("community distribution"),
            "{e}"
        );
    }
}
