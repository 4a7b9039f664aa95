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
use crate::error::{Error, Result};
use crate::output::{self, Render};
use crate::progress::Progress;
use crate::record::{NAMESPACE, Phase};
use crate::secrets_store;
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
        s
    }
}

/// The clones recorded for this upgrade; a missing one is a usage error naming the fix.
pub async fn clones(session: &Session) -> Result<Clones> {
    let rec = session.ctx.record.snapshot().await;
    let clone_first = |what: &str| {
        Error::usage(
            format!("no cloned {what} is recorded for {}", session.green),
            format!("run `kubectl kf clone --to {}` first", session.green),
        )
    };
    let db = rec.clones.db.as_ref();
    let db_host = db
        .and_then(|d| d.host.clone())
        .ok_or_else(|| clone_first("database"))?;
    let bucket = rec
        .clones
        .bucket
        .as_ref()
        .map(|b| b.name.clone())
        .ok_or_else(|| clone_first("bucket"))?;
    let db_secret = db
        .and_then(|d| d.secret.as_ref())
        .map(|s| (s.from.clone(), s.name.clone()));
    Ok(Clones {
        db_host,
        bucket,
        region: session.ctx.aws.region().to_string(),
        db_secret,
    })
}

/// The edits that point the checkout at the clones, and whether green's DB secret is named.
#[derive(Debug)]
pub struct Pointing {
    pub files: Vec<params::FileEdit>,
    /// The SecretProviderClass files under `rds/` and whether each names green's DB secret
    /// once edited.
    pub db_secret_files: Vec<(String, bool)>,
}

impl Pointing {
    pub fn edits(&self) -> Vec<Edit> {
        self.files.iter().flat_map(|f| f.edits.clone()).collect()
    }
}

/// Computes the edits that write the clones' values into the checkout; nothing is written.
pub fn point_at_clones(root: &Path, c: &Clones) -> Result<Pointing> {
    let env = |values: Vec<(&'static str, String)>| {
        move |t: &str, f: &str| {
            let v: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
            Ok(params::set_env(t, f, &v))
        }
    };
    let mut files = vec![
        params::edit_file(
            root,
            RDS_PARAMS,
            env(vec![
                ("dbHost", c.db_host.clone()),
                ("mlmdDb", "metadb".into()),
            ]),
        )?,
        params::edit_file(
            root,
            S3_PARAMS,
            env(vec![
                ("bucketName", c.bucket.clone()),
                ("minioServiceRegion", c.region.clone()),
                ("minioServiceHost", "s3.amazonaws.com".into()),
            ]),
        )?,
    ];
    let mut db_secret_files = Vec::new();
    if let Some((from, to)) = &c.db_secret {
        let dir = root.join(SECRETS_DIR).join("rds");
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        paths.sort();
        for path in paths
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        {
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .display()
                .to_string();
            let mut names_green = false;
            let file = params::edit_file(root, &rel, |t, f| {
                let r = secrets_store::rewrite_db_secret(t, f, to, Some(from))?;
                names_green = r.names_target;
                let edits = match r.old {
                    Some(old) if old != *to => vec![Edit {
                        file: f.to_string(),
                        key: "objectName".into(),
                        old: Some(old),
                        new: to.clone(),
                    }],
                    _ => Vec::new(),
                };
                Ok((r.text, edits))
            })?;
            db_secret_files.push((rel, names_green));
            files.push(file);
        }
    }
    Ok(Pointing {
        files,
        db_secret_files,
    })
}

/// Refuses (exit 2, before anything is written or applied) a checkout that would sync another
/// secret than green's, and a green secret whose `host` is not green's DB. The secret's value is
/// read here and never printed.
async fn refuse_blue_wiring(session: &Session, c: &Clones, p: &Pointing) -> Result<()> {
    let Some((_, green_secret)) = &c.db_secret else {
        return Ok(());
    };
    if !p.db_secret_files.iter().any(|(_, names)| *names) {
        let looked = if p.db_secret_files.is_empty() {
            format!("no SecretProviderClass manifest in {SECRETS_DIR}/rds")
        } else {
            p.db_secret_files
                .iter()
                .map(|(f, _)| f.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Err(Error::usage(
            format!(
                "blue keeps its DB credentials in Secrets Manager, but no SecretProviderClass of the \
             checkout would sync green's secret {green_secret} (looked at: {looked}); green would \
             use another DB's credentials. Set the DB object's objectName to {green_secret} there"
            ),
            "\
             nothing was written or applied",
        ));
    }
    let value = session
        .ctx
        .aws
        .secrets()
        .get_secret_value()
        .secret_id(green_secret)
        .send()
        .await
        .map_err(|e| {
            Error::usage(format!("green's DB secret {green_secret} cannot be read ({}): run `kubectl kf clone --to {}` \
                 to create it", crate::aws::describe_error(&e), session.green), "nothing was written or applied")
        })?;
    let host = value
        .secret_string()
        .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
        .and_then(|v| v.get("host").and_then(|h| h.as_str()).map(str::to_string));
    match host {
        Some(h) if h == c.db_host => Ok(()),
        other => Err(Error::usage(
            format!(
                "green's DB secret {green_secret} has host {} instead of green's database {}: green \
             would connect elsewhere. Run `kubectl kf clone --to {}` again to rewrite it",
                other.as_deref().unwrap_or("(none)"),
                c.db_host,
                session.green
            ),
            "nothing \
             was written or applied",
        )),
    }
}

/// What the build yields must sync green's DB secret and no other (a kustomize patch or another
/// directory of the checkout can name a secret the files edited above do not).
fn refuse_built_secrets(c: &Clones, objects: &[serde_json::Value]) -> Result<()> {
    let Some((from, green_secret)) = &c.db_secret else {
        return Ok(());
    };
    let spcs: Vec<&serde_json::Value> = objects
        .iter()
        .filter(|o| o["kind"] == secrets_store::KIND)
        .collect();
    let mut names_green = false;
    for spc in &spcs {
        match secrets_store::db_secret_of(spc, Some(from)) {
            Some(n) if secrets_store::secret_name(&n) == green_secret => names_green = true,
            Some(n) => {
                let whose = if secrets_store::secret_name(&n) == from {
                    "blue's DB secret, so green's Kubeflow would use production's database"
                } else {
                    "a DB secret that is not green's"
                };
                return Err(Error::usage(
                    format!(
                        "the built manifests hold {} syncing {n}, {whose}. Point it at \
                     {green_secret}",
                        apply::describe(spc)
                    ),
                    "nothing was applied",
                ));
            }
            None => {}
        }
    }
    if names_green {
        Ok(())
    } else {
        Err(Error::usage(
            format!(
                "no SecretProviderClass of the built manifests syncs green's DB secret {green_secret} \
             ({} SecretProviderClasses built)",
                spcs.len()
            ),
            "nothing was applied",
        ))
    }
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
    let out = tokio::process::Command::new("kubectl")
        .arg("kustomize")
        .arg(&dir)
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

/// Green's Kubeflow reads green's clones, not blue's storage.
async fn verify(session: &Session, green: &kube::Client, c: &Clones) -> Result<Vec<Check>> {
    use crate::install_config::{cm_value, install_config};
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
        .get_opt(crate::install_config::DB_SECRET)
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
        return Err(Error::usage(
            format!("--manifests {} is not a directory", manifests.display()),
            "pass the directory of a Kubeflow manifests checkout",
        ));
    }
    let c = clones(session).await?;
    let pointing = point_at_clones(manifests, &c)?;
    refuse_blue_wiring(session, &c, &pointing).await?;
    if !g.dry_run {
        params::write_files(&pointing.files)?;
    }
    // A dry run builds the checkout as it is, and shows the edits it would make.
    let objects = apply::parse_objects(&build(manifests, option).await?)?;
    if !g.dry_run {
        refuse_built_secrets(&c, &objects)?;
    }
    let mut report = KubeflowReport {
        green: session.green.clone(),
        dry_run: g.dry_run,
        edits: pointing.edits(),
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
