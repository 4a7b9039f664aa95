//! Every read `deploy kubeflow` decides from, into [`Observed`]: the clones the record holds,
//! blue's configuration, green's DB credentials, the checkout's files and its build as it is.
//! Nothing is written here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Secret, ServiceAccount};
use kube::api::{Api, ListParams};
use serde_json::Value;

use super::{Clones, RDS_PARAMS, S3_PARAMS, SECRETS_DIR};
use crate::deploy::community::{self, NAMESPACE};
use crate::deploy::layout::Layout;
use crate::deploy::{apply, params};
use crate::error::{Error, OnContext, Result};
use crate::upgrade::Session;

/// Green's DB credentials (username, password, host, ...). Read to make or check green's
/// Secrets, never printed: `Debug` shows the field names only.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Credentials(pub BTreeMap<String, String>);

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl Credentials {
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }
}

/// Where green's DB credentials come from, as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DbCredentials {
    /// Blue keeps none in Secrets Manager and the layout needs none (awslabs).
    None,
    /// Green's Secrets Manager secret, or blue's `mysql-secret` (the clone holds blue's users).
    Read(Credentials),
    /// Green's secret could not be read: what AWS said.
    Unreadable { secret: String, error: String },
}

/// What the checkout is, with what each layout decides from.
#[derive(Clone, Debug)]
pub enum Checkout {
    /// awslabs/kubeflow-manifests: the env files and SecretProviderClasses the edits touch.
    Awslabs {
        option: String,
        kustomization: Option<PathBuf>,
        /// Relative path -> text: the two params files, and `rds/*.yaml` of the secrets
        /// directory when blue keeps its DB credentials in Secrets Manager.
        texts: BTreeMap<String, String>,
        /// The SecretProviderClass files among `texts`, in order.
        secret_files: Vec<String>,
    },
    /// The Kubeflow community distribution: the overlay as it is and what green already has.
    Community {
        layout: Layout,
        /// The kustomization built, relative to the checkout (`example`).
        kustomization: PathBuf,
        /// The overlay's files as they are now (relative path -> text).
        existing: BTreeMap<String, String>,
        roles: Vec<community::SaRole>,
        /// Blue's profile namespaces and the build's Profiles.
        profile_namespaces: BTreeSet<String>,
        /// Those of them green has.
        on_green: BTreeSet<String>,
    },
}

#[derive(Clone, Debug)]
pub struct Observed {
    pub green: String,
    pub root: PathBuf,
    pub clones: Clones,
    /// Blue's bucket, as the clone recorded it.
    pub blue_bucket: Option<String>,
    /// Blue's `kubeflow/pipeline-install-config`.
    pub blue_config: Option<ConfigMap>,
    /// Objects the clone copied (`s3.execution`'s `filesTransferred`).
    pub files_copied: Option<u64>,
    /// Blue's ConfigMaps naming `s3://<blue bucket>/`.
    pub blue_configmaps_naming_bucket: usize,
    pub credentials: DbCredentials,
    /// The checkout's build as it is now.
    pub base: Vec<Value>,
    pub checkout: Checkout,
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

pub async fn observe(
    session: &Session,
    root: &Path,
    layout: &Layout,
    option: &str,
    kustomization: Option<&Path>,
) -> Result<Observed> {
    let blue = session.blue.context.as_str();
    let clones = clones(session).await?;
    let rec = session.ctx.record.snapshot().await;
    let blue_bucket = rec.clones.bucket.as_ref().map(|b| b.from.clone());
    let files_copied = rec
        .resources
        .get(crate::clone::s3::EXECUTION)
        .and_then(|r| r.details.get("filesTransferred"))
        .and_then(|v| v.as_u64());
    let blue_config = crate::install_config::install_config(&session.blue_client)
        .await
        .on(blue)?;
    let base =
        apply::parse_objects(&super::build_checkout(root, layout, option, kustomization).await?)?;
    let (checkout, credentials, blue_configmaps_naming_bucket) = match layout {
        Layout::Awslabs => {
            let (texts, secret_files) = awslabs_texts(root, &clones)?;
            let credentials = match &clones.db_secret {
                Some((_, name)) => green_credentials(session, name).await,
                None => DbCredentials::None,
            };
            let checkout = Checkout::Awslabs {
                option: option.to_string(),
                kustomization: kustomization.map(Path::to_path_buf),
                texts,
                secret_files,
            };
            (checkout, credentials, 0)
        }
        l @ Layout::Community { .. } => {
            let credentials = match &clones.db_secret {
                Some((_, name)) => green_credentials(session, name).await,
                None => DbCredentials::Read(blue_db_secret(&session.blue_client).await.on(blue)?),
            };
            let namespaces = profile_namespaces(&session.blue_client, &base)
                .await
                .on(blue)?;
            let green = session.green_client().await?;
            let mut on_green = BTreeSet::new();
            for ns in &namespaces {
                if Api::<Namespace>::all(green.clone())
                    .get_opt(ns)
                    .await?
                    .is_some()
                {
                    on_green.insert(ns.clone());
                }
            }
            let naming = match &blue_bucket {
                Some(b) => configmaps_naming(&session.blue_client, b).await.on(blue)?,
                None => 0,
            };
            let checkout = Checkout::Community {
                layout: l.clone(),
                kustomization: kustomization
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| l.default_kustomization(option)),
                existing: overlay_files(root, &session.green),
                roles: irsa_roles(session).await.on(blue)?,
                profile_namespaces: namespaces,
                on_green,
            };
            (checkout, credentials, naming)
        }
    };
    Ok(Observed {
        green: session.green.clone(),
        root: root.to_path_buf(),
        clones,
        blue_bucket,
        blue_config,
        files_copied,
        blue_configmaps_naming_bucket,
        credentials,
        base,
        checkout,
    })
}

/// The awslabs files the edits touch: both params files (each must exist) and, when blue keeps
/// its DB credentials in Secrets Manager, the SecretProviderClass files of `rds/`.
fn awslabs_texts(root: &Path, c: &Clones) -> Result<(BTreeMap<String, String>, Vec<String>)> {
    let mut texts = BTreeMap::new();
    for rel in [RDS_PARAMS, S3_PARAMS] {
        texts.insert(rel.to_string(), params::read(root, rel)?);
    }
    let mut secret_files = Vec::new();
    if c.db_secret.is_some() {
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
            texts.insert(rel.clone(), params::read(root, &rel)?);
            secret_files.push(rel);
        }
    }
    Ok((texts, secret_files))
}

/// The overlay's files as they are (none before the first run).
fn overlay_files(root: &Path, green: &str) -> BTreeMap<String, String> {
    let rel = Path::new(community::OVERLAY_DIR).join(green);
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(root.join(&rel))
        .into_iter()
        .flatten()
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Ok(text) = std::fs::read_to_string(entry.path()) {
            out.insert(rel.join(name).display().to_string(), text);
        }
    }
    out
}

/// The fields of green's DB secret in Secrets Manager (read here, never printed).
async fn green_credentials(session: &Session, name: &str) -> DbCredentials {
    let value = match session
        .ctx
        .aws
        .secrets()
        .get_secret_value()
        .secret_id(name)
        .send()
        .await
    {
        Ok(v) => v,
        Err(e) => {
            return DbCredentials::Unreadable {
                secret: name.to_string(),
                error: crate::aws::describe_error(&e),
            };
        }
    };
    let json: Value = value
        .secret_string()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default();
    DbCredentials::Read(Credentials(
        json.as_object()
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| {
                let v = match v {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    _ => return None,
                };
                Some((k.clone(), v))
            })
            .collect(),
    ))
}

/// Blue's `kubeflow/mysql-secret`: the clone holds blue's users.
async fn blue_db_secret(blue: &kube::Client) -> Result<Credentials> {
    let s = Api::<Secret>::namespaced(blue.clone(), NAMESPACE)
        .get_opt(crate::install_config::DB_SECRET)
        .await?;
    Ok(Credentials(
        s.and_then(|s| s.data)
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, String::from_utf8_lossy(&v.0).to_string()))
            .collect(),
    ))
}

/// Blue's ServiceAccounts of `kubeflow` with an IRSA role, and green's role for each.
async fn irsa_roles(session: &Session) -> Result<Vec<community::SaRole>> {
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
async fn profile_namespaces(blue: &kube::Client, base: &[Value]) -> Result<BTreeSet<String>> {
    let lp = ListParams::default().labels("app.kubernetes.io/part-of=kubeflow-profile");
    let mut out: BTreeSet<String> = Api::<Namespace>::all(blue.clone())
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

/// How many of blue's ConfigMaps name `s3://<bucket>/`.
async fn configmaps_naming(blue: &kube::Client, bucket: &str) -> Result<usize> {
    let needle = format!("s3://{bucket}/");
    Ok(Api::<ConfigMap>::all(blue.clone())
        .list(&Default::default())
        .await?
        .items
        .into_iter()
        .filter(|c| {
            c.data
                .as_ref()
                .is_some_and(|d| d.values().any(|v| v.contains(&needle)))
        })
        .count())
}
