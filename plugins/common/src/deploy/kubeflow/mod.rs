//! `kf deploy kubeflow --manifests DIR`: point a Kubeflow manifests checkout at the clones
//! recorded for this upgrade (natively: no yq, no sed), build it with `kubectl kustomize`, apply
//! it to green with server-side apply, wait for its Deployments, and check that green's Kubeflow
//! names green's database and bucket — not blue's.
//!
//! Observe, plan, apply, for both layouts of checkout: [`observe::observe`] reads the record's
//! clones, blue's configuration, green's DB credentials and the checkout (with its build as it
//! is); [`plan::plan`] decides, without I/O, the edits or the overlay, the Secrets made through
//! the API, the steps and every refusal; [`apply::apply`] executes that plan. `--dry-run` and
//! `-o json` print the plan's report.

pub mod apply;
pub mod observe;
pub mod plan;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::community;
use super::layout::Layout;
use super::params::Edit;
use crate::error::{Error, Result};
use crate::output::{self, Render};
use crate::upgrade::Session;

pub const RDS_PARAMS: &str = "awsconfigs/apps/pipeline/rds/params.env";
pub const S3_PARAMS: &str = "awsconfigs/apps/pipeline/s3/params.env";
pub const SECRETS_DIR: &str = "awsconfigs/common/aws-secrets-manager";
pub const APPLIED: &str = "kubeflow.apply";
pub const PARAMS: &str = "kubeflow.params";

/// What the clone made, as the manifests need it.
#[derive(Clone, Debug)]
pub struct Clones {
    pub db_host: String,
    pub bucket: String,
    pub region: String,
    /// (blue's secret name, green's) when blue keeps its DB credentials in Secrets Manager.
    pub db_secret: Option<(String, String)>,
}

pub use super::consumers::Check;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KubeflowReport {
    pub green: String,
    pub dry_run: bool,
    pub edits: Vec<Edit>,
    pub objects: BTreeMap<String, usize>,
    pub checks: Vec<Check>,
    /// The plan: what the run writes, applies, waits for and checks.
    pub steps: Vec<plan::Step>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub community: Option<CommunityReport>,
}

/// What the community layout adds to the report: the overlay and what is made through the API.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommunityReport {
    pub layout: String,
    pub kustomization: String,
    pub overlay: Vec<String>,
    pub install_config: BTreeMap<String, String>,
    pub not_installed: Vec<String>,
    /// `namespace/name: keys` of the Secrets made through the API (no values).
    pub secrets: Vec<String>,
    pub service_accounts: Vec<community::SaRole>,
    /// Profile namespace -> `applied`, `to apply` or why not yet.
    pub profile_namespaces: BTreeMap<String, String>,
    pub pipeline_root: String,
    pub old_runs: String,
    pub notes: Vec<String>,
}

/// `text` in lines of at most 80 columns (a longer word stays whole).
fn wrap(text: &str, first: &str, rest: &str) -> String {
    let mut out = String::new();
    let mut line = first.to_string();
    let mut empty = true;
    for w in text.split_whitespace() {
        if !empty && line.len() + 1 + w.len() > 80 {
            out.push_str(line.trim_end());
            out.push('\n');
            line = rest.to_string();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(w);
        empty = false;
    }
    out.push_str(&line);
    out.push('\n');
    out
}

impl CommunityReport {
    fn table(&self, dry_run: bool) -> String {
        let mut s = format!(
            "{} checkout: {} built through the overlay\n",
            self.layout, self.kustomization
        );
        for f in &self.overlay {
            s.push_str(&format!("  {f}\n"));
        }
        s.push_str("pipeline-install-config:\n");
        for (k, v) in &self.install_config {
            s.push_str(&format!("  {k}: {v}\n"));
        }
        s.push_str(&format!(
            "Secrets made through the API ({}):\n",
            if dry_run { "to make" } else { "made" }
        ));
        for x in &self.secrets {
            s.push_str(&wrap(x, "  ", "      "));
        }
        s.push_str("Not installed (green uses the clones):\n");
        for x in &self.not_installed {
            s.push_str(&format!("  {x}\n"));
        }
        if !self.service_accounts.is_empty() {
            s.push_str("IRSA roles of green's service accounts:\n");
            for r in &self.service_accounts {
                let role = r.green.as_deref().unwrap_or(&r.blue);
                let whose = if r.green.is_some() {
                    "green's"
                } else {
                    "BLUE's"
                };
                s.push_str(&format!("  {}: {whose} {role}\n", r.service_account));
            }
        }
        s.push_str(&format!(
            "Profile namespaces (kfp-launcher, artifact-repositories):\n  pipeline root {}\n",
            self.pipeline_root
        ));
        for (ns, state) in &self.profile_namespaces {
            s.push_str(&format!("  {ns}: {state}\n"));
        }
        s.push_str(&wrap(&format!("Old runs: {}", self.old_runs), "", "  "));
        for n in &self.notes {
            s.push_str(&wrap(&format!("Note: {n}"), "", "  "));
        }
        s
    }
}

impl Render for KubeflowReport {
    fn table(&self) -> String {
        let mut s = String::new();
        if self.dry_run {
            s.push_str(&format!(
                "Plan: Kubeflow on {} (dry run: nothing is written or applied)\n\n",
                self.green
            ));
        }
        if let Some(c) = &self.community {
            s.push_str(&c.table(self.dry_run));
        } else if self.edits.is_empty() {
            s.push_str("Manifests already point at the clones.\n");
        } else {
            s.push_str(if self.dry_run {
                "Edits to the checkout:\n"
            } else {
                "Edits made to the checkout:\n"
            });
            let mut file = "";
            for e in &self.edits {
                if e.file != file {
                    file = &e.file;
                    s.push_str(&format!("{file}\n"));
                }
                s.push_str(&format!(
                    "  {}: {} -> {}\n",
                    e.key,
                    e.old
                        .as_deref()
                        .filter(|o| !o.is_empty())
                        .unwrap_or("(empty)"),
                    e.new
                ));
            }
        }
        s.push('\n');
        s.push_str(&output::table(
            &["KIND", if self.dry_run { "TO APPLY" } else { "APPLIED" }],
            self.objects.iter().map(|(k, n)| [k.clone(), n.to_string()]),
        ));
        if !self.checks.is_empty() {
            s.push('\n');
            s.push_str(&output::table(
                &["CHECK", "RESULT", "DETAIL"],
                self.checks.iter().map(|c| {
                    [
                        c.check.clone(),
                        if c.ok { "ok".into() } else { "FAILED".into() },
                        c.detail.clone(),
                    ]
                }),
            ));
        }
        if self.dry_run {
            s.push('\n');
            s.push_str(&plan::steps_table(&self.steps));
        }
        s
    }
}

/// Observes, plans, prints the plan on a dry run, else applies it.
pub async fn run(
    session: &Session,
    g: &crate::cli::GlobalArgs,
    manifests: &Path,
    layout: &Layout,
    option: &str,
    kustomization: Option<&Path>,
) -> Result<()> {
    let observed = observe::observe(session, manifests, layout, option, kustomization).await?;
    let plan = plan::plan(&observed)?;
    let report = plan.report(&observed, g.dry_run);
    if g.dry_run {
        return output::print(g.output, &report);
    }
    apply::apply(session, g, &observed, &plan, report).await
}

/// `kubectl kustomize DIR`: the build, or what kustomize said.
async fn kustomize(dir: &Path) -> Result<String> {
    let out = tokio::process::Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .output()
        .await
        .map_err(|e| {
            Error::usage(
                format!("running kubectl kustomize: {e}"),
                "is kubectl on PATH?",
            )
        })?;
    if !out.status.success() {
        return Err(Error::usage(
            format!(
                "kubectl kustomize {} failed: {}",
                dir.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            ),
            "fix the kustomization (try `kubectl kustomize` on it)",
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| {
        Error::usage(
            format!("kustomize output is not UTF-8: {e}"),
            "fix the manifests",
        )
    })
}

/// `kubectl kustomize <root>/deployments/<option>`.
pub async fn build(root: &Path, option: &str) -> Result<String> {
    let dir = root.join("deployments").join(option);
    if !dir.is_dir() {
        return Err(Error::usage(
            format!(
                "{} does not exist: --option {option} is not a deployment option of this checkout",
                dir.display()
            ),
            "pass --option with a directory under deployments/",
        ));
    }
    kustomize(&dir).await
}

/// `kubectl kustomize <root>/<rel>`.
pub async fn build_dir(root: &Path, rel: &Path) -> Result<String> {
    let dir = root.join(rel);
    if !dir.is_dir() {
        return Err(Error::usage(
            format!(
                "--kustomization {} is not a directory of the checkout",
                rel.display()
            ),
            "name a directory holding a kustomization.yaml, relative to --manifests",
        ));
    }
    kustomize(&dir).await
}

/// What `--manifests` with `--option` or `--kustomization` builds, as the layout reads them.
async fn build_checkout(
    root: &Path,
    layout: &Layout,
    option: &str,
    kustomization: Option<&Path>,
) -> Result<String> {
    match (layout, kustomization) {
        (_, Some(k)) => build_dir(root, k).await,
        (Layout::Awslabs, None) => build(root, option).await,
        (l @ Layout::Community { .. }, None) => {
            build_dir(root, &l.default_kustomization(option)).await
        }
    }
}
