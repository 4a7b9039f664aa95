//! `kf deploy kubeflow --manifests DIR`: point a kubeflow-manifests checkout at the clones
//! recorded for this upgrade (natively: no yq, no sed), build it with `kubectl kustomize`, apply
//! it to green with server-side apply, wait for its Deployments, and check that green's Kubeflow
//! names green's database and bucket — not blue's.

use std::collections::BTreeMap;
use std::path::Path;

use k8s_openapi::api::core::v1::Secret;
use kube::api::Api;
use serde::Serialize;

use super::params::{self, Edit};
use super::{apply, community, consumers, layout};
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
    pub steps: Vec<community::Step>,
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
pub fn point_at_clones(root: &Path, c: &Clones, mysql_port: Option<&str>) -> Result<Pointing> {
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
            env({
                let mut v = vec![("dbHost", c.db_host.clone()), ("mlmdDb", "metadb".into())];
                // KFP >= 2.0.2 reads mysqlHost/mysqlPort: with dbHost alone its API server
                // stays on the in-cluster MySQL.
                if let Some(port) = mysql_port {
                    v.push(("mysqlHost", c.db_host.clone()));
                    v.push(("mysqlPort", port.to_string()));
                }
                v
            }),
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
    kustomization: Option<&Path>,
) -> Result<()> {
    match layout::detect(manifests)? {
        layout::Layout::Awslabs => run_awslabs(session, g, manifests, option, kustomization).await,
        l @ layout::Layout::Community { .. } => {
            let k = kustomization
                .map(Path::to_path_buf)
                .unwrap_or_else(|| l.default_kustomization(option));
            run_community(session, g, manifests, &l, &k).await
        }
    }
}

/// The checkout's build: `--kustomization` (relative to the checkout) or `deployments/<option>`.
async fn build_awslabs(root: &Path, option: &str, k: Option<&Path>) -> Result<String> {
    match k {
        Some(k) => build_dir(root, k).await,
        None => build(root, option).await,
    }
}

/// Whether the build's KFP reads `mysqlHost` (KFP 2.0.2+ maps it to the API server).
pub fn reads_mysql_host(objects: &[serde_json::Value]) -> bool {
    objects.iter().any(|o| {
        (o["kind"] == "ConfigMap"
            && o["metadata"]["name"] == crate::install_config::INSTALL_CONFIG
            && o["data"].get("mysqlHost").is_some())
            || (o["kind"] == "Deployment" && o.to_string().contains("\"key\":\"mysqlHost\""))
    })
}

async fn run_awslabs(
    session: &Session,
    g: &crate::cli::GlobalArgs,
    manifests: &Path,
    option: &str,
    kustomization: Option<&Path>,
) -> Result<()> {
    let c = clones(session).await?;
    let before = apply::parse_objects(&build_awslabs(manifests, option, kustomization).await?)?;
    let blue_cm = crate::install_config::install_config(&session.blue_client).await?;
    let port = crate::install_config::cm_value(&blue_cm, "dbPort").unwrap_or_else(|| "3306".into());
    let pointing = point_at_clones(
        manifests,
        &c,
        reads_mysql_host(&before).then_some(port.as_str()),
    )?;
    refuse_blue_wiring(session, &c, &pointing).await?;
    if !g.dry_run {
        params::write_files(&pointing.files)?;
    }
    // A dry run builds the checkout as it is, and shows the edits it would make.
    let objects = apply::parse_objects(&build_awslabs(manifests, option, kustomization).await?)?;
    if !g.dry_run {
        refuse_built_secrets(&c, &objects)?;
    }
    let mut report = KubeflowReport {
        green: session.green.clone(),
        dry_run: g.dry_run,
        edits: pointing.edits(),
        objects: apply::counts(&objects),
        checks: Vec::new(),
        community: None,
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
    let fields = match &c.db_secret {
        Some((_, name)) => green_db_fields(session, name).await.unwrap_or_default(),
        None => BTreeMap::new(),
    };
    let (live, cms, mut secrets) = green_data(&green).await?;
    for (k, v) in synced_secrets(
        &objects,
        &fields,
        c.db_secret.as_ref().map(|s| s.1.as_str()),
    ) {
        secrets.entry(k).or_insert(v);
    }
    report.checks.extend(consumers::checks(
        &live,
        &cms,
        &secrets,
        &want(session, &c, &blue_cm).await,
    ));
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

/// The fields of green's DB secret in Secrets Manager (read here, never printed).
async fn green_db_fields(session: &Session, name: &str) -> Result<BTreeMap<String, String>> {
    let value = session
        .ctx
        .aws
        .secrets()
        .get_secret_value()
        .secret_id(name)
        .send()
        .await
        .map_err(|e| {
            Error::usage(
                format!(
                    "green's DB secret {name} cannot be read ({}): run `kubectl kf clone --to {}` \
                     to create it",
                    crate::aws::describe_error(&e),
                    session.green
                ),
                "nothing was written or applied",
            )
        })?;
    let json: serde_json::Value = value
        .secret_string()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default();
    Ok(json
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| {
            let v = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                _ => return None,
            };
            Some((k.clone(), v))
        })
        .collect())
}

/// Green's Deployments, ConfigMaps and Secrets of `kubeflow`, as the checks read them.
async fn green_data(
    green: &kube::Client,
) -> Result<(Vec<serde_json::Value>, consumers::Data, consumers::Data)> {
    use k8s_openapi::api::apps::v1::Deployment;
    use k8s_openapi::api::core::v1::ConfigMap;
    let lp = kube::api::ListParams::default();
    let deployments = Api::<Deployment>::namespaced(green.clone(), NAMESPACE)
        .list(&lp)
        .await?
        .items
        .into_iter()
        .filter_map(|d| serde_json::to_value(d).ok())
        .collect();
    let cms = Api::<ConfigMap>::namespaced(green.clone(), NAMESPACE)
        .list(&lp)
        .await?
        .items
        .into_iter()
        .map(|c| {
            (
                format!("{NAMESPACE}/{}", c.metadata.name.unwrap_or_default()),
                c.data.unwrap_or_default().into_iter().collect(),
            )
        })
        .collect();
    let secrets = Api::<Secret>::namespaced(green.clone(), NAMESPACE)
        .list(&lp)
        .await?
        .items
        .into_iter()
        .map(|s| {
            let mut d: BTreeMap<String, String> = s
                .data
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| (k, String::from_utf8_lossy(&v.0).to_string()))
                .collect();
            d.extend(s.string_data.unwrap_or_default());
            (
                format!("{NAMESPACE}/{}", s.metadata.name.unwrap_or_default()),
                d,
            )
        })
        .collect();
    Ok((deployments, cms, secrets))
}

/// The Secrets a SecretProviderClass of the build makes from green's DB secret once a pod
/// mounts it (`secretObjects`, through the `jmesPath` aliases): what they will hold.
pub fn synced_secrets(
    objects: &[serde_json::Value],
    fields: &BTreeMap<String, String>,
    green_secret: Option<&str>,
) -> consumers::Data {
    let mut out = consumers::Data::new();
    let Some(green_secret) = green_secret else {
        return out;
    };
    for spc in objects.iter().filter(|o| o["kind"] == secrets_store::KIND) {
        let ns = spc["metadata"]["namespace"].as_str().unwrap_or(NAMESPACE);
        let entries: serde_json::Value = spc["spec"]["parameters"]["objects"]
            .as_str()
            .and_then(|t| serde_yaml::from_str(t).ok())
            .unwrap_or_default();
        let mut alias = BTreeMap::new();
        for e in entries.as_array().into_iter().flatten() {
            let name = e["objectName"].as_str().unwrap_or_default();
            if secrets_store::secret_name(name) != green_secret {
                continue;
            }
            for j in e["jmesPath"].as_array().into_iter().flatten() {
                if let (Some(p), Some(a)) = (j["path"].as_str(), j["objectAlias"].as_str()) {
                    alias.insert(a.to_string(), p.to_string());
                }
            }
        }
        for so in spc["spec"]["secretObjects"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let Some(secret) = so["secretName"].as_str() else {
                continue;
            };
            for d in so["data"].as_array().into_iter().flatten() {
                let (Some(obj), Some(key)) = (d["objectName"].as_str(), d["key"].as_str()) else {
                    continue;
                };
                if let Some(v) = alias.get(obj).and_then(|p| fields.get(p)) {
                    out.entry(format!("{ns}/{secret}"))
                        .or_default()
                        .insert(key.to_string(), v.clone());
                }
            }
        }
    }
    out
}

async fn want(
    session: &Session,
    c: &Clones,
    blue_cm: &Option<k8s_openapi::api::core::v1::ConfigMap>,
) -> consumers::Want {
    let rec = session.ctx.record.snapshot().await;
    consumers::Want {
        db_host: c.db_host.clone(),
        bucket: c.bucket.clone(),
        blue_db_host: crate::install_config::cm_value(blue_cm, "dbHost"),
        blue_bucket: rec.clones.bucket.as_ref().map(|b| b.from.clone()),
    }
}

/// Blue's ServiceAccounts of `kubeflow` with an IRSA role, and green's role for each.
async fn irsa_roles(session: &Session) -> Result<Vec<community::SaRole>> {
    use k8s_openapi::api::core::v1::ServiceAccount;
    let rec = session.ctx.record.snapshot().await;
    let sas = Api::<ServiceAccount>::namespaced(session.blue_client.clone(), NAMESPACE)
        .list(&Default::default())
        .await?;
    Ok(sas
        .items
        .into_iter()
        .filter_map(|sa| {
            let arn = sa
                .metadata
                .annotations
                .as_ref()?
                .get(community::ROLE_ANNOTATION)?
                .clone();
            Some(community::SaRole {
                service_account: format!("{NAMESPACE}/{}", sa.metadata.name?),
                green: rec.green_role_for(&arn).map(str::to_string),
                blue: arn,
            })
        })
        .collect())
}

/// Blue's profile namespaces (labelled by the profile controller) and the build's Profiles.
async fn profile_namespaces(
    session: &Session,
    base: &[serde_json::Value],
) -> Result<std::collections::BTreeSet<String>> {
    use k8s_openapi::api::core::v1::Namespace;
    let lp = kube::api::ListParams::default().labels("app.kubernetes.io/part-of=kubeflow-profile");
    let mut out: std::collections::BTreeSet<String> =
        Api::<Namespace>::all(session.blue_client.clone())
            .list(&lp)
            .await?
            .items
            .into_iter()
            .filter_map(|n| n.metadata.name)
            .collect();
    out.extend(
        base.iter()
            .filter(|o| o["kind"] == "Profile")
            .filter_map(|o| o["metadata"]["name"].as_str().map(str::to_string)),
    );
    Ok(out)
}

/// What green follows to blue's bucket: the objects the clone copied keep their
/// `s3://<blue bucket>/...` URIs in the cloned DB, and blue's ConfigMaps that name that bucket.
async fn old_runs(session: &Session, blue_bucket: &str, bucket: &str) -> Result<String> {
    use k8s_openapi::api::core::v1::ConfigMap;
    let rec = session.ctx.record.snapshot().await;
    let files = rec
        .resources
        .get(crate::clone::s3::EXECUTION)
        .and_then(|r| r.details.get("filesTransferred"))
        .and_then(|v| v.as_u64());
    let needle = format!("s3://{blue_bucket}/");
    let named = Api::<ConfigMap>::all(session.blue_client.clone())
        .list(&Default::default())
        .await?
        .items
        .into_iter()
        .filter(|c| {
            c.data
                .as_ref()
                .is_some_and(|d| d.values().any(|v| v.contains(&needle)))
        })
        .count();
    Ok(format!(
        "{} object(s) copied from s3://{blue_bucket}/ (record: {}) and {named} ConfigMap(s) of \
         blue naming it: the cloned DB's runs and artifacts keep those s3://{blue_bucket}/ URIs. \
         Green has no access to blue's bucket, so its UI cannot open them; the same keys are in \
         s3://{bucket}/",
        files.map_or("an unknown number of".to_string(), |f| f.to_string()),
        crate::clone::s3::EXECUTION
    ))
}

async fn run_community(
    session: &Session,
    g: &crate::cli::GlobalArgs,
    root: &Path,
    layout: &layout::Layout,
    kustomization: &Path,
) -> Result<()> {
    let c = clones(session).await?;
    let rec = session.ctx.record.snapshot().await;
    let blue_bucket = rec
        .clones
        .bucket
        .as_ref()
        .map(|b| b.from.clone())
        .unwrap_or_default();
    let blue_cm = crate::install_config::install_config(&session.blue_client).await?;
    let blue_config: BTreeMap<String, String> = blue_cm
        .as_ref()
        .and_then(|c| c.data.clone())
        .unwrap_or_default()
        .into_iter()
        .collect();
    // Green's DB credentials: its Secrets Manager secret, else blue's mysql-secret (the clone
    // holds blue's users). Read now, never printed; refused before anything is written.
    let mut fields = match &c.db_secret {
        Some((_, name)) => green_db_fields(session, name).await?,
        None => {
            let s = Api::<Secret>::namespaced(session.blue_client.clone(), NAMESPACE)
                .get_opt(crate::install_config::DB_SECRET)
                .await?;
            s.and_then(|s| s.data)
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| (k, String::from_utf8_lossy(&v.0).to_string()))
                .collect()
        }
    };
    if let Some(h) = fields.get("host").filter(|h| **h != c.db_host) {
        return Err(Error::usage(
            format!(
                "green's DB secret has host {h} instead of green's database {}: green would \
                 connect elsewhere. Run `kubectl kf clone --to {}` again to rewrite it",
                c.db_host, session.green
            ),
            "nothing was written or applied",
        ));
    }
    for k in ["username", "password"] {
        if !fields.contains_key(k) {
            return Err(Error::usage(
                format!("green's DB credentials have no {k}"),
                "run `kubectl kf clone --to <green>` again; nothing was written or applied",
            ));
        }
    }
    fields.insert("host".into(), c.db_host.clone());
    let port = fields
        .get("port")
        .cloned()
        .or_else(|| blue_config.get("dbPort").cloned())
        .unwrap_or_else(|| "3306".into());
    fields.insert("port".into(), port.clone());
    fields
        .entry("database".into())
        .or_insert_with(|| "katib".into());

    let base = apply::parse_objects(&build_dir(root, kustomization).await?)?;
    let inputs = community::Inputs {
        green: session.green.clone(),
        kustomization: kustomization.display().to_string(),
        blue_config,
        db_host: c.db_host.clone(),
        db_port: port,
        bucket: c.bucket.clone(),
        blue_bucket: blue_bucket.clone(),
        region: c.region.clone(),
        roles: irsa_roles(session).await?,
    };
    let overlay = community::plan(&inputs, &base)
        .map_err(|e| Error::usage(e, "pass --kustomization the full install (example/)"))?;
    let namespaces = profile_namespaces(session, &base).await?;
    let existing: BTreeMap<String, String> = overlay
        .files
        .iter()
        .filter_map(|f| {
            std::fs::read_to_string(root.join(&f.path))
                .ok()
                .map(|t| (f.path.clone(), t))
        })
        .collect();
    let mut on_green = std::collections::BTreeSet::new();
    {
        use k8s_openapi::api::core::v1::Namespace;
        let green = session.green_client().await?;
        for ns in &namespaces {
            if Api::<Namespace>::all(green.clone())
                .get_opt(ns)
                .await?
                .is_some()
            {
                on_green.insert(ns.clone());
            }
        }
    }
    let steps = community::steps(&overlay, &existing, &namespaces, &on_green);
    let mut report = KubeflowReport {
        green: session.green.clone(),
        dry_run: g.dry_run,
        edits: Vec::new(),
        objects: BTreeMap::new(),
        checks: Vec::new(),
        community: Some(CommunityReport {
            layout: layout.name().into(),
            kustomization: inputs.kustomization.clone(),
            overlay: overlay.files.iter().map(|f| f.path.clone()).collect(),
            install_config: overlay.install_config.clone(),
            not_installed: overlay.not_installed.clone(),
            secrets: overlay
                .secrets
                .iter()
                .map(|s| {
                    let keys: Vec<&str> = s.keys.iter().map(|(k, _)| k.as_str()).collect();
                    format!("{}/{}: {}", s.namespace, s.name, keys.join(", "))
                })
                .collect(),
            service_accounts: inputs.roles.clone(),
            profile_namespaces: namespaces
                .iter()
                .map(|n| (n.clone(), "to apply".to_string()))
                .collect(),
            pipeline_root: overlay.pipeline_root.clone(),
            old_runs: old_runs(session, &blue_bucket, &c.bucket).await?,
            notes: overlay.notes.clone(),
            steps,
        }),
    };
    let dropped: std::collections::BTreeSet<&String> = overlay.not_installed.iter().collect();
    report.objects = apply::counts(
        &base
            .iter()
            .filter(|o| !dropped.contains(&apply::describe(o)))
            .cloned()
            .collect::<Vec<_>>(),
    );
    if g.dry_run {
        return output::print(g.output, &report);
    }
    // The overlay: its own directory of the checkout, nothing secret in it.
    let files: Vec<params::FileEdit> = overlay
        .files
        .iter()
        .filter(|f| existing.get(&f.path) != Some(&f.text))
        .map(|f| params::FileEdit {
            path: root.join(&f.path),
            text: f.text.clone(),
            edits: vec![Edit {
                file: f.path.clone(),
                key: "(file)".into(),
                old: None,
                new: String::new(),
            }],
        })
        .collect();
    std::fs::create_dir_all(root.join(&overlay.dir))
        .map_err(|e| Error::io(format!("creating {}", overlay.dir), e))?;
    params::write_files(&files)?;
    let objects = apply::parse_objects(&build_dir(root, Path::new(&overlay.dir)).await?)?;
    report.objects = apply::counts(&objects);
    let record = &session.ctx.record;
    record
        .mark(
            PARAMS,
            "Overlay",
            &root.join(&overlay.dir).display().to_string(),
            Phase::Completed,
            Some(format!("{} file(s)", overlay.files.len())),
        )
        .await?;
    let green = session.green_client().await?;
    let progress = Progress::new(g.quiet);
    let stream = progress.stream("apply");
    let kname = inputs.kustomization.as_str();
    record
        .mark(
            APPLIED,
            "Kubeflow",
            kname,
            Phase::InProgress,
            Some(format!("{} objects", objects.len())),
        )
        .await?;
    let applied = async {
        apply::apply(&green, &objects, g.timeout, &stream).await?;
        // The DB Secrets, through the API (the Deployments wait for them).
        for s in &overlay.secrets {
            let data: BTreeMap<String, k8s_openapi::ByteString> = s
                .keys
                .iter()
                .filter_map(|(k, f)| {
                    fields
                        .get(f)
                        .map(|v| (k.clone(), k8s_openapi::ByteString(v.clone().into_bytes())))
                })
                .collect();
            let secret = Secret {
                metadata: kube::api::ObjectMeta {
                    name: Some(s.name.clone()),
                    namespace: Some(s.namespace.clone()),
                    ..Default::default()
                },
                data: Some(data),
                type_: Some("Opaque".into()),
                ..Default::default()
            };
            Api::<Secret>::namespaced(green.clone(), &s.namespace)
                .patch(
                    &s.name,
                    &kube::api::PatchParams::apply(apply::FIELD_MANAGER).force(),
                    &kube::api::Patch::Apply(&secret),
                )
                .await?;
        }
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
                    kname,
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
    // Each profile namespace green has: its launcher and Argo repository on green's bucket.
    use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
    let mut launchers = BTreeMap::new();
    for ns in &namespaces {
        let exists = Api::<Namespace>::all(green.clone())
            .get_opt(ns)
            .await?
            .is_some();
        if !exists {
            launchers.insert(
                ns.clone(),
                "not on green yet (the profile controller or `kubectl kf migrate` makes it): run \
                 this again then"
                    .to_string(),
            );
            continue;
        }
        for o in community::profile_objects(ns, &overlay.pipeline_root, &c.bucket, &c.region) {
            let cm: ConfigMap =
                serde_json::from_value(o).map_err(|e| Error::failed(e.to_string()))?;
            let name = cm.metadata.name.clone().unwrap_or_default();
            Api::<ConfigMap>::namespaced(green.clone(), ns)
                .patch(
                    &name,
                    &kube::api::PatchParams::apply(apply::FIELD_MANAGER).force(),
                    &kube::api::Patch::Apply(&cm),
                )
                .await?;
        }
        launchers.insert(ns.clone(), "applied".to_string());
    }
    let (deps, cms, secrets) = green_data(&green).await?;
    let w = want(session, &c, &blue_cm).await;
    report.checks = consumers::checks(&deps, &cms, &secrets, &w);
    report
        .checks
        .extend(config_checks(&green, &cms, &w, &launchers).await?);
    if let Some(r) = report.community.as_mut() {
        r.profile_namespaces = launchers;
    }
    finish(session, g, report, kname, objects.len(), deployments).await
}

/// Argo's repository and each profile namespace's launcher name green's bucket.
async fn config_checks(
    green: &kube::Client,
    cms: &consumers::Data,
    w: &consumers::Want,
    launchers: &BTreeMap<String, String>,
) -> Result<Vec<Check>> {
    use k8s_openapi::api::core::v1::ConfigMap;
    let mut out = Vec::new();
    let check = |what: String, have: Option<String>, ok: bool, want: String| Check {
        check: what,
        ok,
        detail: match have {
            Some(h) if ok => h,
            Some(h) => format!("{h}, expected {want}"),
            None => format!("missing; expected {want}"),
        },
    };
    let repo = cms
        .get(&format!("{NAMESPACE}/workflow-controller-configmap"))
        .and_then(|d| d.get("artifactRepository"))
        .and_then(|t| consumers::yaml_field(t, &["s3", "bucket"]));
    out.push(check(
        "Argo artifactRepository s3.bucket".to_string(),
        repo.clone(),
        repo.as_deref() == Some(w.bucket.as_str()),
        w.bucket.clone(),
    ));
    for ns in launchers.keys().filter(|n| launchers[*n] == "applied") {
        let cm = Api::<ConfigMap>::namespaced(green.clone(), ns)
            .get_opt("kfp-launcher")
            .await?;
        let root = cm
            .and_then(|c| c.data)
            .and_then(|d| d.get("defaultPipelineRoot").cloned());
        let want = format!("s3://{}/", w.bucket);
        out.push(check(
            format!("{ns} kfp-launcher"),
            root.clone(),
            root.as_deref().is_some_and(|r| r.starts_with(&want)),
            format!("{want}..."),
        ));
    }
    Ok(out)
}

/// Records the outcome, prints the report, fails when a check did.
async fn finish(
    session: &Session,
    g: &crate::cli::GlobalArgs,
    report: KubeflowReport,
    name: &str,
    objects: usize,
    deployments: usize,
) -> Result<()> {
    let failed: Vec<&Check> = report.checks.iter().filter(|c| !c.ok).collect();
    let phase = if failed.is_empty() {
        Phase::Completed
    } else {
        Phase::Failed
    };
    session
        .ctx
        .record
        .mark(
            APPLIED,
            "Kubeflow",
            name,
            phase,
            Some(format!(
                "{objects} objects, {deployments} Deployments Available"
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_secret_a_secret_provider_class_syncs_is_known_before_it_is_synced() {
        let spc = json!({"kind": "SecretProviderClass", "metadata": {"name": "rds-secret", "namespace": "kubeflow"},
            "spec": {"secretObjects": [{"secretName": "mysql-secret", "data": [
                {"objectName": "host", "key": "host"}, {"objectName": "user", "key": "username"}]}],
              "parameters": {"objects": "- objectName: rds-secret-green\n  objectType: secretsmanager\n  jmesPath:\n    - {path: host, objectAlias: host}\n    - {path: username, objectAlias: user}\n"}}});
        let fields: BTreeMap<String, String> = [("host", "green-db"), ("username", "admin")]
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        let d = synced_secrets(
            std::slice::from_ref(&spc),
            &fields,
            Some("rds-secret-green"),
        );
        assert_eq!(d["kubeflow/mysql-secret"]["host"], "green-db");
        assert_eq!(d["kubeflow/mysql-secret"]["username"], "admin");
        // A class syncing another secret gives nothing.
        assert!(synced_secrets(&[spc], &fields, Some("rds-secret")).is_empty());
    }

    #[test]
    fn mysql_host_is_written_where_the_build_reads_it() {
        let old = json!({"kind": "ConfigMap", "metadata": {"name": "pipeline-install-config"}, "data": {"dbHost": "x"}});
        assert!(!reads_mysql_host(std::slice::from_ref(&old)));
        let new = json!({"kind": "Deployment", "spec": {"env": [{"valueFrom": {"configMapKeyRef": {"key": "mysqlHost"}}}]}});
        assert!(reads_mysql_host(&[old, new]));
    }
}
