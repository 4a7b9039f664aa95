//! `deploy kubeflow`'s plan as a value: from what was [observed](super::observe), without I/O,
//! the edits of an awslabs checkout or the overlay of a community one, the Secrets made through
//! the API, the steps apply takes, and every refusal (a checkout that would sync blue's DB
//! secret, green credentials that name another host). `--dry-run` prints [`Plan::report`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use super::observe::{Checkout, Credentials, DbCredentials, Observed};
use super::{Clones, CommunityReport, KubeflowReport, RDS_PARAMS, S3_PARAMS, SECRETS_DIR};
use crate::deploy::community::{self, Overlay};
use crate::deploy::params::{self, Edit, FileEdit};
use crate::deploy::{apply, consumers};
use crate::error::{Error, Result};
use crate::install_config::cm_value;
use crate::secrets_store;

/// What a step does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// A file written for the first time.
    Create,
    /// A file whose values change.
    Update,
    /// A file already as it should be: not written.
    Keep,
    /// Applied to green (server-side apply: created or converged).
    Apply,
    /// Not there yet: applied once it is (after this run's apply, or by a later run).
    Wait,
    /// Read back from green after the apply.
    Check,
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Keep => "keep",
            Action::Apply => "apply",
            Action::Wait => "wait",
            Action::Check => "check",
        }
    }
}

/// One step of the deploy, in the order apply takes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    /// The record key the step is recorded under.
    pub key: String,
    pub kind: String,
    pub name: String,
    pub action: Action,
    pub reason: String,
}

fn step(key: &str, kind: &str, name: &str, action: Action, reason: &str) -> Step {
    Step {
        key: key.into(),
        kind: kind.into(),
        name: name.into(),
        action,
        reason: reason.into(),
    }
}

/// The steps as a table that reads on 80 columns.
pub fn steps_table(steps: &[Step]) -> String {
    crate::output::wrapped_table(
        &["STEP", "ACTION", "WHAT AND WHY"],
        steps.iter().map(|s| {
            [
                s.key.clone(),
                s.action.as_str().to_string(),
                format!("{} {}\n  {}", s.kind, s.name, s.reason),
            ]
        }),
    )
}

/// What apply builds once the files are written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Build {
    /// awslabs: `--kustomization`, else `deployments/<option>`.
    Awslabs {
        option: String,
        kustomization: Option<PathBuf>,
    },
    /// The overlay's directory, relative to the checkout.
    Overlay(String),
}

/// The community layout's part of the plan.
#[derive(Clone, Debug)]
pub struct CommunityPlan {
    pub overlay: Overlay,
    pub inputs: community::Inputs,
    /// Green's DB credentials, with host and port set to green's DB: the Secrets' values.
    pub credentials: Credentials,
    pub profile_namespaces: BTreeSet<String>,
}

#[derive(Clone, Debug)]
pub struct Plan {
    pub steps: Vec<Step>,
    /// The files that change, with their new text.
    pub writes: Vec<FileEdit>,
    /// awslabs: each value changed in the checkout.
    pub edits: Vec<Edit>,
    pub build: Build,
    /// The record's name of what is applied: the option, or the kustomization.
    pub name: String,
    /// What the checkout builds to, as it is now (without what the overlay leaves out).
    pub objects: BTreeMap<String, usize>,
    /// What the checks after the apply expect.
    pub want: consumers::Want,
    pub community: Option<CommunityPlan>,
}

pub fn plan(o: &Observed) -> Result<Plan> {
    match &o.checkout {
        Checkout::Awslabs {
            option,
            kustomization,
            texts,
            secret_files,
        } => awslabs(o, option, kustomization.as_deref(), texts, secret_files),
        Checkout::Community {
            kustomization,
            existing,
            roles,
            profile_namespaces,
            on_green,
            ..
        } => {
            let inputs = community_inputs(o, kustomization, roles.clone())?;
            let overlay = community::plan(&inputs, &o.base)
                .map_err(|e| Error::usage(e, "pass --kustomization the full install (example/)"))?;
            let writes = overlay
                .files
                .iter()
                .filter(|f| existing.get(&f.path) != Some(&f.text))
                .map(|f| FileEdit {
                    path: o.root.join(&f.path),
                    text: f.text.clone(),
                    edits: vec![Edit {
                        file: f.path.clone(),
                        key: "(file)".into(),
                        old: None,
                        new: String::new(),
                    }],
                })
                .collect();
            let dropped: BTreeSet<&String> = overlay.not_installed.iter().collect();
            let objects = apply::counts(
                &o.base
                    .iter()
                    .filter(|x| !dropped.contains(&apply::describe(x)))
                    .cloned()
                    .collect::<Vec<_>>(),
            );
            let credentials = community_credentials(o, &inputs)?;
            Ok(Plan {
                steps: community_steps(&overlay, existing, profile_namespaces, on_green),
                writes,
                edits: Vec::new(),
                build: Build::Overlay(overlay.dir.clone()),
                name: inputs.kustomization.clone(),
                objects,
                want: want(o),
                community: Some(CommunityPlan {
                    overlay,
                    inputs,
                    credentials,
                    profile_namespaces: profile_namespaces.clone(),
                }),
            })
        }
    }
}

/// What the checks after the apply hold green's Kubeflow to.
fn want(o: &Observed) -> consumers::Want {
    consumers::Want {
        db_host: o.clones.db_host.clone(),
        bucket: o.clones.bucket.clone(),
        blue_db_host: cm_value(&o.blue_config, "dbHost"),
        blue_bucket: o.blue_bucket.clone(),
    }
}

/// Green's DB credentials, or the refusal that names the fix (nothing is written yet).
fn read_credentials(o: &Observed) -> Result<Option<&Credentials>> {
    match &o.credentials {
        DbCredentials::None => Ok(None),
        DbCredentials::Read(c) => Ok(Some(c)),
        DbCredentials::Unreadable { secret, error } => Err(Error::usage(
            format!(
                "green's DB secret {secret} cannot be read ({error}): run `kubectl kf clone --to \
                 {}` to create it",
                o.green
            ),
            "nothing was written or applied",
        )),
    }
}

fn awslabs(
    o: &Observed,
    option: &str,
    kustomization: Option<&Path>,
    texts: &BTreeMap<String, String>,
    secret_files: &[String],
) -> Result<Plan> {
    let port = cm_value(&o.blue_config, "dbPort").unwrap_or_else(|| "3306".into());
    let pointing = point_at_clones(
        &o.root,
        texts,
        secret_files,
        &o.clones,
        reads_mysql_host(&o.base).then_some(port.as_str()),
    )?;
    refuse_blue_wiring(o, &pointing)?;
    let mut steps: Vec<Step> = pointing
        .files
        .iter()
        .map(|f| {
            let rel = f
                .path
                .strip_prefix(&o.root)
                .unwrap_or(&f.path)
                .display()
                .to_string();
            let (action, reason) = if f.edits.is_empty() {
                (Action::Keep, "already names the clones".to_string())
            } else {
                let keys: Vec<&str> = f.edits.iter().map(|e| e.key.as_str()).collect();
                (Action::Update, format!("sets {}", keys.join(", ")))
            };
            step(super::PARAMS, "File", &rel, action, &reason)
        })
        .collect();
    let built = kustomization
        .map(|k| k.display().to_string())
        .unwrap_or_else(|| format!("deployments/{option}"));
    steps.push(step(
        super::APPLIED,
        "Kustomization",
        &built,
        Action::Apply,
        "built once edited (refused if it syncs a DB secret not green's), server-side \
         applied to green, CRDs and namespaces first; its Deployments waited for",
    ));
    steps.push(step(
        super::APPLIED,
        "Check",
        "readers",
        Action::Check,
        "pipeline-install-config, mysql-secret and each reader name green's clones",
    ));
    Ok(Plan {
        steps,
        edits: pointing.edits(),
        writes: pointing.files,
        build: Build::Awslabs {
            option: option.to_string(),
            kustomization: kustomization.map(Path::to_path_buf),
        },
        name: option.to_string(),
        objects: apply::counts(&o.base),
        want: want(o),
        community: None,
    })
}

/// Whether the build's KFP reads `mysqlHost` (KFP 2.0.2+ maps it to the API server).
pub fn reads_mysql_host(objects: &[Value]) -> bool {
    objects.iter().any(|o| {
        (o["kind"] == "ConfigMap"
            && o["metadata"]["name"] == crate::install_config::INSTALL_CONFIG
            && o["data"].get("mysqlHost").is_some())
            || (o["kind"] == "Deployment" && o.to_string().contains("\"key\":\"mysqlHost\""))
    })
}

/// The edits that point the checkout at the clones, and whether green's DB secret is named.
#[derive(Debug)]
pub struct Pointing {
    /// Every file looked at, with its edits (none: it already names the clones).
    pub files: Vec<FileEdit>,
    /// The SecretProviderClass files under `rds/` and whether each names green's DB secret
    /// once edited.
    pub db_secret_files: Vec<(String, bool)>,
}

impl Pointing {
    pub fn edits(&self) -> Vec<Edit> {
        self.files.iter().flat_map(|f| f.edits.clone()).collect()
    }
}

/// Computes the edits that write the clones' values into the checkout's `texts`.
pub fn point_at_clones(
    root: &Path,
    texts: &BTreeMap<String, String>,
    secret_files: &[String],
    c: &Clones,
    mysql_port: Option<&str>,
) -> Result<Pointing> {
    let text = |rel: &str| texts.get(rel).map(String::as_str).unwrap_or_default();
    let env = |values: Vec<(&'static str, String)>| {
        move |t: &str, f: &str| {
            let v: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
            Ok(params::set_env(t, f, &v))
        }
    };
    let mut files = vec![
        params::edit_text(
            root,
            RDS_PARAMS,
            text(RDS_PARAMS),
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
        params::edit_text(
            root,
            S3_PARAMS,
            text(S3_PARAMS),
            env(vec![
                ("bucketName", c.bucket.clone()),
                ("minioServiceRegion", c.region.clone()),
                ("minioServiceHost", community::S3_ENDPOINT.into()),
            ]),
        )?,
    ];
    let mut db_secret_files = Vec::new();
    if let Some((from, to)) = &c.db_secret {
        for rel in secret_files {
            let mut names_green = false;
            let file = params::edit_text(root, rel, text(rel), |t, f| {
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
            db_secret_files.push((rel.clone(), names_green));
            files.push(file);
        }
    }
    Ok(Pointing {
        files,
        db_secret_files,
    })
}

/// Refuses (exit 2, before anything is written or applied) a checkout that would sync another
/// secret than green's, and a green secret whose `host` is not green's DB.
fn refuse_blue_wiring(o: &Observed, p: &Pointing) -> Result<()> {
    let c = &o.clones;
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
                "blue keeps its DB credentials in Secrets Manager, but no SecretProviderClass of \
                 the checkout would sync green's secret {green_secret} (looked at: {looked}); \
                 green would use another DB's credentials. Set the DB object's objectName to \
                 {green_secret} there"
            ),
            "nothing was written or applied",
        ));
    }
    let host = read_credentials(o)?.and_then(|c| c.get("host"));
    match host {
        Some(h) if h == c.db_host => Ok(()),
        other => Err(Error::usage(
            format!(
                "green's DB secret {green_secret} has host {} instead of green's database {}: \
                 green would connect elsewhere. Run `kubectl kf clone --to {}` again to rewrite it",
                other.unwrap_or("(none)"),
                c.db_host,
                o.green
            ),
            "nothing was written or applied",
        )),
    }
}

/// What the overlay is made from: the clones, blue's configuration, the port green's DB
/// listens on (its secret's, else blue's `dbPort`, else 3306).
fn community_inputs(
    o: &Observed,
    kustomization: &Path,
    roles: Vec<community::SaRole>,
) -> Result<community::Inputs> {
    let blue_config: BTreeMap<String, String> = o
        .blue_config
        .as_ref()
        .and_then(|c| c.data.clone())
        .unwrap_or_default()
        .into_iter()
        .collect();
    let port = read_credentials(o)?
        .and_then(|c| c.get("port"))
        .map(str::to_string)
        .or_else(|| blue_config.get("dbPort").cloned())
        .unwrap_or_else(|| "3306".into());
    Ok(community::Inputs {
        green: o.green.clone(),
        kustomization: kustomization.display().to_string(),
        blue_config,
        db_host: o.clones.db_host.clone(),
        db_port: port,
        bucket: o.clones.bucket.clone(),
        blue_bucket: o.blue_bucket.clone().unwrap_or_default(),
        region: o.clones.region.clone(),
        roles,
    })
}

/// Green's DB credentials as the Secrets made through the API hold them: refused when they
/// name another host or lack a user; host and port set to green's DB, `database` defaulted.
fn community_credentials(o: &Observed, i: &community::Inputs) -> Result<Credentials> {
    let c = &o.clones;
    let mut fields = read_credentials(o)?.cloned().unwrap_or_default().0;
    if let Some(h) = fields.get("host").filter(|h| **h != c.db_host) {
        return Err(Error::usage(
            format!(
                "green's DB secret has host {h} instead of green's database {}: green would \
                 connect elsewhere. Run `kubectl kf clone --to {}` again to rewrite it",
                c.db_host, o.green
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
    fields.insert("port".into(), i.db_port.clone());
    fields
        .entry("database".into())
        .or_insert_with(|| "katib".into());
    Ok(Credentials(fields))
}

/// The community steps, in the order apply takes them: the overlay written, built and applied,
/// the DB Secrets made, each profile namespace's launcher, the checks. `existing` holds the
/// overlay files' current text (absent: not written yet); `on_green` the profile namespaces
/// green has.
pub fn community_steps(
    o: &Overlay,
    existing: &BTreeMap<String, String>,
    profile_namespaces: &BTreeSet<String>,
    on_green: &BTreeSet<String>,
) -> Vec<Step> {
    let mut out = Vec::new();
    for f in &o.files {
        let action = match existing.get(&f.path) {
            Some(t) if *t == f.text => Action::Keep,
            Some(_) => Action::Update,
            None => Action::Create,
        };
        out.push(step(
            super::PARAMS,
            "File",
            &f.path,
            action,
            "the overlay, nothing secret",
        ));
    }
    out.push(step(
        super::APPLIED,
        "Kustomization",
        &o.dir,
        Action::Apply,
        "server-side apply to green, CRDs and namespaces first",
    ));
    for s in &o.secrets {
        out.push(step(
            super::APPLIED,
            "Secret",
            &format!("{}/{}", s.namespace, s.name),
            Action::Apply,
            "from green's DB secret, through the API",
        ));
    }
    for ns in profile_namespaces {
        let (action, reason) = if on_green.contains(ns) {
            (
                Action::Apply,
                "kfp-launcher and artifact-repositories on green's bucket",
            )
        } else {
            (
                Action::Wait,
                "not on green yet: applied if the apply makes it, else by a later run",
            )
        };
        out.push(step(super::APPLIED, "Namespace", ns, action, reason));
    }
    out.push(step(
        super::APPLIED,
        "Check",
        "readers",
        Action::Check,
        "each reader's DB host and bucket are green's clones",
    ));
    out
}

/// Old runs: what green follows to blue's bucket. The objects the clone copied keep their
/// `s3://<blue bucket>/...` URIs in the cloned DB, as do blue's ConfigMaps that name it.
fn old_runs(o: &Observed) -> String {
    let blue_bucket = o.blue_bucket.as_deref().unwrap_or_default();
    format!(
        "{} object(s) copied from s3://{blue_bucket}/ (record: {}) and {} ConfigMap(s) of \
         blue naming it: the cloned DB's runs and artifacts keep those s3://{blue_bucket}/ URIs. \
         Green has no access to blue's bucket, so its UI cannot open them; the same keys are in \
         s3://{}/",
        o.files_copied
            .map_or("an unknown number of".to_string(), |f| f.to_string()),
        crate::clone::s3::EXECUTION,
        o.blue_configmaps_naming_bucket,
        o.clones.bucket,
    )
}

impl Plan {
    /// The report of this plan: what `--dry-run` prints, and what the run fills in.
    pub fn report(&self, o: &Observed, dry_run: bool) -> KubeflowReport {
        let community = match (&self.community, &o.checkout) {
            (Some(c), Checkout::Community { layout, roles, .. }) => Some(CommunityReport {
                layout: layout.name().into(),
                kustomization: c.inputs.kustomization.clone(),
                overlay: c.overlay.files.iter().map(|f| f.path.clone()).collect(),
                install_config: c.overlay.install_config.clone(),
                not_installed: c.overlay.not_installed.clone(),
                secrets: c
                    .overlay
                    .secrets
                    .iter()
                    .map(|s| {
                        let keys: Vec<&str> = s.keys.iter().map(|(k, _)| k.as_str()).collect();
                        format!("{}/{}: {}", s.namespace, s.name, keys.join(", "))
                    })
                    .collect(),
                service_accounts: roles.clone(),
                profile_namespaces: c
                    .profile_namespaces
                    .iter()
                    .map(|n| (n.clone(), "to apply".to_string()))
                    .collect(),
                pipeline_root: c.overlay.pipeline_root.clone(),
                old_runs: old_runs(o),
                notes: c.overlay.notes.clone(),
            }),
            _ => None,
        };
        KubeflowReport {
            green: o.green.clone(),
            dry_run,
            edits: self.edits.clone(),
            objects: self.objects.clone(),
            checks: Vec::new(),
            steps: self.steps.clone(),
            community,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::layout::Layout;
    use serde_json::json;

    fn clones(secret: bool) -> Clones {
        Clones {
            db_host: "green-db.rds".into(),
            bucket: "blue-b-green".into(),
            region: "us-east-1".into(),
            db_secret: secret.then(|| ("rds-secret".into(), "rds-secret-green".into())),
        }
    }

    const SPC: &str = "apiVersion: secrets-store.csi.x-k8s.io/v1\nkind: SecretProviderClass\n\
        metadata:\n  name: aws-secrets\nspec:\n  provider: aws\n  parameters:\n    objects: |\n      \
        - objectName: \"rds-secret\"\n        objectType: \"secretsmanager\"\n        jmesPath:\n          \
        - path: \"host\"\n            objectAlias: \"host\"\n";

    fn awslabs_observed(secret: bool, creds: DbCredentials) -> Observed {
        let mut texts = BTreeMap::new();
        texts.insert(
            RDS_PARAMS.to_string(),
            "dbHost=\nmlmdDb=metadb\n".to_string(),
        );
        texts.insert(S3_PARAMS.to_string(), "bucketName=\n".to_string());
        let rel = format!("{SECRETS_DIR}/rds/secret-provider.yaml");
        let mut secret_files = Vec::new();
        if secret {
            texts.insert(rel.clone(), SPC.to_string());
            secret_files.push(rel);
        }
        Observed {
            green: "green".into(),
            root: PathBuf::from("/m"),
            clones: clones(secret),
            blue_bucket: Some("blue-b".into()),
            blue_config: None,
            files_copied: Some(5),
            blue_configmaps_naming_bucket: 0,
            credentials: creds,
            base: vec![json!({"kind": "Deployment", "metadata": {"name": "ml-pipeline"}})],
            checkout: Checkout::Awslabs {
                option: "rds-s3".into(),
                kustomization: None,
                texts,
                secret_files,
            },
        }
    }

    fn creds(host: &str) -> DbCredentials {
        DbCredentials::Read(Credentials(
            [("host", host), ("username", "admin"), ("password", "pw")]
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        ))
    }

    #[test]
    fn awslabs_edits_the_params_and_points_the_secret_provider_at_greens_secret() {
        let p = plan(&awslabs_observed(true, creds("green-db.rds"))).unwrap();
        let keys: Vec<(&str, &str)> = p
            .edits
            .iter()
            .map(|e| (e.key.as_str(), e.new.as_str()))
            .collect();
        assert!(keys.contains(&("dbHost", "green-db.rds")), "{keys:?}");
        assert!(keys.contains(&("bucketName", "blue-b-green")), "{keys:?}");
        assert!(
            keys.contains(&("objectName", "rds-secret-green")),
            "{keys:?}"
        );
        // Without mysqlHost in the build, the API server's keys are not added.
        assert!(!keys.iter().any(|(k, _)| *k == "mysqlHost"));
        let actions: Vec<(&str, Action)> = p
            .steps
            .iter()
            .map(|s| (s.kind.as_str(), s.action))
            .collect();
        assert_eq!(
            actions,
            [
                ("File", Action::Update),
                ("File", Action::Update),
                ("File", Action::Update),
                ("Kustomization", Action::Apply),
                ("Check", Action::Check),
            ]
        );
        assert_eq!(p.writes.len(), 3);
        assert_eq!(
            p.build,
            Build::Awslabs {
                option: "rds-s3".into(),
                kustomization: None
            }
        );
        // Nothing secret in what is printed.
        let report =
            serde_json::to_string(&p.report(&awslabs_observed(true, creds("green-db.rds")), true))
                .unwrap();
        assert!(!report.contains("\"pw\""), "{report}");
    }

    #[test]
    fn a_checkout_already_pointing_at_the_clones_is_kept() {
        let mut o = awslabs_observed(false, DbCredentials::None);
        let first = plan(&o).unwrap();
        let Checkout::Awslabs { texts, .. } = &mut o.checkout else {
            unreachable!()
        };
        for w in &first.writes {
            let rel = w.path.strip_prefix("/m").unwrap().display().to_string();
            texts.insert(rel, w.text.clone());
        }
        let again = plan(&o).unwrap();
        assert!(again.edits.is_empty());
        assert!(again.writes.iter().all(|w| w.edits.is_empty()));
        assert!(
            again
                .steps
                .iter()
                .filter(|s| s.kind == "File")
                .all(|s| s.action == Action::Keep)
        );
    }

    #[test]
    fn green_credentials_naming_another_host_or_unreadable_are_refused_before_any_write() {
        let e = plan(&awslabs_observed(true, creds("blue-db.rds"))).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("has host blue-db.rds"), "{e}");
        let e = plan(&awslabs_observed(
            true,
            DbCredentials::Unreadable {
                secret: "rds-secret-green".into(),
                error: "ResourceNotFoundException".into(),
            },
        ))
        .unwrap_err();
        assert!(e.to_string().contains("cannot be read"), "{e}");
        // A checkout whose SecretProviderClass names no DB object cannot sync green's.
        let mut o = awslabs_observed(true, creds("green-db.rds"));
        if let Checkout::Awslabs { texts, .. } = &mut o.checkout {
            texts.insert(
                format!("{SECRETS_DIR}/rds/secret-provider.yaml"),
                "kind: ConfigMap\nmetadata:\n  name: x\n".into(),
            );
        }
        let e = plan(&o).unwrap_err();
        assert!(e.to_string().contains("no SecretProviderClass"), "{e}");
    }

    #[test]
    fn mysql_host_is_written_where_the_build_reads_it() {
        let old = json!({"kind": "ConfigMap", "metadata": {"name": "pipeline-install-config"}, "data": {"dbHost": "x"}});
        assert!(!reads_mysql_host(std::slice::from_ref(&old)));
        let new = json!({"kind": "Deployment", "spec": {"env": [{"valueFrom": {"configMapKeyRef": {"key": "mysqlHost"}}}]}});
        assert!(reads_mysql_host(&[old, new.clone()]));
        let mut o = awslabs_observed(false, DbCredentials::None);
        o.base = vec![new];
        let p = plan(&o).unwrap();
        assert!(
            p.edits
                .iter()
                .any(|e| e.key == "mysqlPort" && e.new == "3306")
        );
    }

    fn community_observed(creds: DbCredentials) -> Observed {
        let i = community::tests::inputs();
        Observed {
            green: "green".into(),
            root: PathBuf::from("/m"),
            clones: clones(false),
            blue_bucket: Some(i.blue_bucket.clone()),
            blue_config: None,
            files_copied: None,
            blue_configmaps_naming_bucket: 0,
            credentials: creds,
            base: community::tests::base(),
            checkout: Checkout::Community {
                layout: Layout::Community {
                    apps: "applications".into(),
                },
                kustomization: PathBuf::from("example"),
                existing: BTreeMap::new(),
                roles: i.roles,
                profile_namespaces: ["a".to_string(), "b".to_string()].into_iter().collect(),
                on_green: ["a".to_string()].into_iter().collect(),
            },
        }
    }

    #[test]
    fn community_secrets_get_greens_host_and_port_and_a_foreign_host_is_refused() {
        let p = plan(&community_observed(creds("green-db.rds"))).unwrap();
        let c = p.community.as_ref().unwrap();
        assert_eq!(c.credentials.get("host"), Some("green-db.rds"));
        assert_eq!(c.credentials.get("port"), Some("3306"));
        assert_eq!(c.credentials.get("database"), Some("katib"));
        assert_eq!(p.build, Build::Overlay("kubectl-kf/green".into()));
        // Every overlay file is new: each is written.
        assert_eq!(p.writes.len(), c.overlay.files.len());
        // Credentials print their field names only.
        assert!(!format!("{:?}", c.credentials).contains("pw"));
        let e = plan(&community_observed(creds("elsewhere.rds"))).unwrap_err();
        assert!(e.to_string().contains("has host elsewhere.rds"), "{e}");
        let mut no_user = creds("green-db.rds");
        if let DbCredentials::Read(c) = &mut no_user {
            c.0.remove("username");
        }
        let e = plan(&community_observed(no_user)).unwrap_err();
        assert!(e.to_string().contains("no username"), "{e}");
    }

    #[test]
    fn community_steps_say_what_is_written_applied_and_waited_for() {
        let o = community::plan(&community::tests::inputs(), &community::tests::base()).unwrap();
        let mut existing = BTreeMap::new();
        existing.insert(o.files[0].path.clone(), o.files[0].text.clone());
        existing.insert(o.files[1].path.clone(), "old".to_string());
        let nss: BTreeSet<String> = ["a".to_string(), "b".to_string()].into_iter().collect();
        let on: BTreeSet<String> = ["a".to_string()].into_iter().collect();
        let s = community_steps(&o, &existing, &nss, &on);
        assert_eq!(s[0].action, Action::Keep);
        assert_eq!(s[1].action, Action::Update);
        assert_eq!(s[2].action, Action::Create);
        let ns: Vec<(&str, Action)> = s
            .iter()
            .filter(|x| x.kind == "Namespace")
            .map(|x| (x.name.as_str(), x.action))
            .collect();
        assert_eq!(ns, [("a", Action::Apply), ("b", Action::Wait)]);
        assert_eq!(s.iter().filter(|x| x.kind == "Secret").count(), 2);
        assert_eq!(s.last().unwrap().kind, "Check");
        // The JSON names are the ones users script against.
        assert_eq!(serde_json::to_value(&s[0]).unwrap()["action"], "keep");
    }
}
