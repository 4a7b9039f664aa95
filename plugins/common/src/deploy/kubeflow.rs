//! `kf deploy kubeflow --manifests DIR`: point a kubeflow-manifests checkout at the clones
//! recorded for this upgrade (natively: no yq, no sed), build it with `kubectl kustomize`, apply
//! it to green with server-side apply, wait for its Deployments, and check that green's Kubeflow
//! names green's database and bucket — not blue's.

use std::collections::BTreeMap;
use std::path::Path;

use k8s_openapi::api::core::v1::Secret;
use kube::api::Api;
use serde::Serialize;

use super::apply;
use super::params::{self, Edit};
use crate::clone::{rds, s3};
use crate::error::{Error, Result};
use crate::output::{self, Render};
use crate::progress::Progress;
use crate::record::{NAMESPACE, Phase};
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

#[derive(Debug, Serialize)]
pub struct Check {
    pub check: String,
    pub ok: bool,
    pub detail: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KubeflowReport {
    pub green: String,
    pub dry_run: bool,
    pub edits: Vec<Edit>,
    pub objects: BTreeMap<String, usize>,
    pub checks: Vec<Check>,
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
        if self.edits.is_empty() {
            s.push_str("Manifests already point at the clones.\n");
        } else {
            s.push_str(&output::table(
                &["FILE", "KEY", "FROM", "TO"],
                self.edits.iter().map(|e| {
                    [
                        e.file.clone(),
                        e.key.clone(),
                        e.old.clone().unwrap_or_else(|| "(absent)".into()),
                        e.new.clone(),
                    ]
                }),
            ));
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
        s
    }
}

/// The clones recorded for this upgrade; a missing one is a usage error naming the fix.
pub async fn clones(session: &Session) -> Result<Clones> {
    let rec = session.ctx.record.snapshot().await;
    let done = |k: &str| rec.resources.get(k).filter(|r| r.phase == Phase::Completed);
    let db_host = done(rds::INSTANCE)
        .and_then(|r| {
            r.details
                .get("host")
                .and_then(|h| h.as_str())
                .map(str::to_string)
        })
        .ok_or_else(|| {
            Error::usage(format!(
                "no cloned database is recorded for {}: run `kubectl kf clone --to {}` first",
                session.green, session.green
            ))
        })?;
    let bucket = done(s3::BUCKET).map(|r| r.id.clone()).ok_or_else(|| {
        Error::usage(format!(
            "no cloned bucket is recorded for {}: run `kubectl kf clone --to {}` first",
            session.green, session.green
        ))
    })?;
    let db_secret = done(rds::SECRET)
        .filter(|r| !r.id.is_empty())
        .and_then(|r| {
            r.details
                .get("from")
                .and_then(|f| f.as_str())
                .map(|from| (from.to_string(), r.id.clone()))
        });
    Ok(Clones {
        db_host,
        bucket,
        region: session.ctx.aws.region().to_string(),
        db_secret,
    })
}

/// Writes the clones' values into the checkout (or only computes the edits in a dry run).
pub fn point_at_clones(root: &Path, c: &Clones, dry_run: bool) -> Result<Vec<Edit>> {
    let mut edits = params::edit_file(root, RDS_PARAMS, dry_run, |t, f| {
        params::set_env(t, f, &[("dbHost", &c.db_host), ("mlmdDb", "metadb")])
    })?;
    edits.extend(params::edit_file(root, S3_PARAMS, dry_run, |t, f| {
        params::set_env(
            t,
            f,
            &[
                ("bucketName", &c.bucket),
                ("minioServiceRegion", &c.region),
                ("minioServiceHost", "s3.amazonaws.com"),
            ],
        )
    })?);
    if let Some((from, to)) = &c.db_secret {
        let dir = root.join(SECRETS_DIR).join("rds");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        for path in files
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        {
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .display()
                .to_string();
            edits.extend(params::edit_file(root, &rel, dry_run, |t, f| {
                params::set_object_name(t, f, from, to)
            })?);
        }
    }
    Ok(edits)
}

/// `kubectl kustomize <root>/deployments/<option>`.
pub async fn build(root: &Path, option: &str) -> Result<String> {
    let dir = root.join("deployments").join(option);
    if !dir.is_dir() {
        return Err(Error::usage(format!(
            "{} does not exist: --option {option} is not a deployment option of this checkout",
            dir.display()
        )));
    }
    let out = tokio::process::Command::new("kubectl")
        .arg("kustomize")
        .arg(&dir)
        .output()
        .await
        .map_err(|e| {
            Error::usage(format!(
                "running kubectl kustomize: {e}; is kubectl on PATH?"
            ))
        })?;
    if !out.status.success() {
        return Err(Error::usage(format!(
            "kubectl kustomize {} failed: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    String::from_utf8(out.stdout)
        .map_err(|e| Error::usage(format!("kustomize output is not UTF-8: {e}")))
}

/// Green's Kubeflow reads green's clones, not blue's storage.
async fn verify(session: &Session, green: &kube::Client, c: &Clones) -> Result<Vec<Check>> {
    use crate::clone::discover::{cm_value, install_config};
    let green_cm = install_config(green).await?;
    let blue_cm = install_config(&session.blue_client).await?;
    let mut checks = Vec::new();
    for (key, want) in [("dbHost", &c.db_host), ("bucketName", &c.bucket)] {
        let have = cm_value(&green_cm, key);
        let blues = cm_value(&blue_cm, key);
        let ok = have.as_deref() == Some(want.as_str()) && have != blues;
        checks.push(Check {
            check: format!("pipeline-install-config {key}"),
            ok,
            detail: match &have {
                Some(h) if ok => h.clone(),
                Some(h) if Some(h) == blues.as_ref() => {
                    format!("{h} is BLUE's: green would use production's storage")
                }
                Some(h) => format!("{h}, expected the clone {want}"),
                None => format!("missing; expected {want}"),
            },
        });
    }
    // The DB secret, when the secrets store has synced it: its host must be green's.
    let secret = Api::<Secret>::namespaced(green.clone(), NAMESPACE)
        .get_opt(crate::clone::discover::DB_SECRET)
        .await?;
    if let Some(host) = secret
        .as_ref()
        .and_then(|s| s.data.as_ref())
        .and_then(|d| d.get("host"))
        .map(|b| String::from_utf8_lossy(&b.0).to_string())
    {
        let ok = host == c.db_host;
        checks.push(Check {
            check: "mysql-secret host".into(),
            ok,
            detail: if ok {
                host
            } else {
                format!("{host}, expected the clone {}", c.db_host)
            },
        });
    }
    Ok(checks)
}

pub async fn run(
    session: &Session,
    g: &crate::cli::GlobalArgs,
    manifests: &Path,
    option: &str,
) -> Result<()> {
    if !manifests.is_dir() {
        return Err(Error::usage(format!(
            "--manifests {} is not a directory",
            manifests.display()
        )));
    }
    let c = clones(session).await?;
    let edits = point_at_clones(manifests, &c, g.dry_run)?;
    let objects = apply::parse_objects(&build(manifests, option).await?)?;
    let mut report = KubeflowReport {
        green: session.green.clone(),
        dry_run: g.dry_run,
        edits,
        objects: apply::counts(&objects),
        checks: Vec::new(),
    };
    if g.dry_run {
        return output::print(g.output, &report);
    }
    let record = &session.ctx.record;
    record
        .mark(
            PARAMS,
            "Manifests",
            &manifests.display().to_string(),
            Phase::Completed,
            Some(format!("{} value(s) changed", report.edits.len())),
        )
        .await?;
    let green = session.green_client().await?;
    let progress = Progress::new(g.quiet);
    let stream = progress.stream("apply");
    record
        .mark(
            APPLIED,
            "Kubeflow",
            option,
            Phase::InProgress,
            Some(format!("{} objects", objects.len())),
        )
        .await?;
    let applied = async {
        apply::apply(&green, &objects, g.timeout, &stream).await?;
        apply::wait_deployments(&green, &objects, g.timeout, &stream).await
    }
    .await;
    let deployments = match applied {
        Ok(n) => n,
        Err(e) => {
            record
                .mark(
                    APPLIED,
                    "Kubeflow",
                    option,
                    Phase::Failed,
                    Some(e.to_string()),
                )
                .await?;
            return Err(e);
        }
    };
    stream.finish(&format!(
        "{} objects applied; {deployments} Deployments Available",
        objects.len()
    ));
    report.checks = verify(session, &green, &c).await?;
    let failed: Vec<&Check> = report.checks.iter().filter(|c| !c.ok).collect();
    let phase = if failed.is_empty() {
        Phase::Completed
    } else {
        Phase::Failed
    };
    record
        .mark(
            APPLIED,
            "Kubeflow",
            option,
            phase,
            Some(format!(
                "{} objects, {deployments} Deployments Available",
                objects.len()
            )),
        )
        .await?;
    output::print(g.output, &report)?;
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Error::failed(format!(
            "green's Kubeflow does not use the clones: {}",
            failed
                .iter()
                .map(|c| format!("{}: {}", c.check, c.detail))
                .collect::<Vec<_>>()
                .join("; ")
        )))
    }
}
