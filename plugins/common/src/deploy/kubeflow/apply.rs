//! Executes a [`Plan`]: writes the files that change, builds what was written (refusing a build
//! that syncs a DB secret not green's), applies it to green with the Secrets the plan makes
//! through the API, waits for its Deployments, applies each profile namespace's launcher, reads
//! green back and checks every reader names the clones. Each step is recorded.

use std::collections::BTreeMap;
use std::path::Path;

use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Secret};
use kube::api::{Api, Patch, PatchParams};
use serde_json::Value;

use super::observe::Observed;
use super::plan::{Build, CommunityPlan, Plan};
use super::{APPLIED, Check, Clones, KubeflowReport, PARAMS};
use crate::deploy::community::{self, NAMESPACE};
use crate::deploy::{apply as k8s, consumers, params};
use crate::error::{Error, Result};
use crate::output;
use crate::progress::Progress;
use crate::record::Phase;
use crate::secrets_store;
use crate::upgrade::Session;

pub async fn apply(
    session: &Session,
    g: &crate::cli::GlobalArgs,
    o: &Observed,
    p: &Plan,
    mut report: KubeflowReport,
) -> Result<()> {
    let root = &o.root;
    // The files: the awslabs edits, or the overlay in its own directory (nothing secret).
    if let Build::Overlay(dir) = &p.build {
        std::fs::create_dir_all(root.join(dir))
            .map_err(|e| Error::io(format!("creating {dir}"), e))?;
    }
    params::write_files(&p.writes)?;
    let objects = k8s::parse_objects(&match &p.build {
        Build::Awslabs {
            option,
            kustomization,
        } => {
            super::build_checkout(
                root,
                &crate::deploy::layout::Layout::Awslabs,
                option,
                kustomization.as_deref(),
            )
            .await?
        }
        Build::Overlay(dir) => super::build_dir(root, Path::new(dir)).await?,
    })?;
    report.objects = k8s::counts(&objects);
    let record = &session.ctx.record;
    match &p.build {
        Build::Awslabs { .. } => {
            refuse_built_secrets(&o.clones, &objects)?;
            record
                .mark(
                    PARAMS,
                    "Manifests",
                    &root.display().to_string(),
                    Phase::Completed,
                    Some(format!("{} value(s) changed", p.edits.len())),
                )
                .await?;
        }
        Build::Overlay(dir) => {
            record
                .mark(
                    PARAMS,
                    "Overlay",
                    &root.join(dir).display().to_string(),
                    Phase::Completed,
                    Some(format!(
                        "{} file(s)",
                        p.community.as_ref().map_or(0, |c| c.overlay.files.len())
                    )),
                )
                .await?;
        }
    }

    let green = session.green_client().await?;
    let progress = Progress::new(g.quiet);
    let stream = progress.stream("apply");
    let mark = |phase: Phase, message: String| {
        record.mark(APPLIED, "Kubeflow", &p.name, phase, Some(message))
    };
    mark(Phase::InProgress, format!("{} objects", objects.len())).await?;
    let applied = async {
        k8s::apply(&green, &objects, g.timeout, &stream).await?;
        // The DB Secrets, through the API (the Deployments wait for them).
        if let Some(c) = &p.community {
            apply_secrets(&green, c).await?;
        }
        k8s::wait_deployments(&green, &objects, g.timeout, &stream).await
    }
    .await;
    let deployments = match applied {
        Ok(n) => n,
        Err(e) => {
            mark(Phase::Failed, e.to_string()).await?;
            return Err(e);
        }
    };
    stream.finish(&format!(
        "{} objects applied; {deployments} Deployments Available",
        objects.len()
    ));

    report.checks = match &p.community {
        None => {
            let mut checks = install_config_checks(&green, o).await?;
            let fields = match &o.credentials {
                super::observe::DbCredentials::Read(c) => c.0.clone(),
                _ => BTreeMap::new(),
            };
            let (live, cms, mut secrets) = green_data(&green).await?;
            for (k, v) in synced_secrets(
                &objects,
                &fields,
                o.clones.db_secret.as_ref().map(|s| s.1.as_str()),
            ) {
                secrets.entry(k).or_insert(v);
            }
            checks.extend(consumers::checks(&live, &cms, &secrets, &p.want));
            checks
        }
        Some(c) => {
            let launchers = apply_launchers(&green, c, &o.clones).await?;
            let (deps, cms, secrets) = green_data(&green).await?;
            let mut checks = consumers::checks(&deps, &cms, &secrets, &p.want);
            checks.extend(config_checks(&green, &cms, &p.want, &launchers).await?);
            if let Some(r) = report.community.as_mut() {
                r.profile_namespaces = launchers;
            }
            checks
        }
    };

    let failed: Vec<&Check> = report.checks.iter().filter(|c| !c.ok).collect();
    let phase = if failed.is_empty() {
        Phase::Completed
    } else {
        Phase::Failed
    };
    mark(
        phase,
        format!(
            "{} objects, {deployments} Deployments Available",
            objects.len()
        ),
    )
    .await?;
    output::print(g.output, &report)?;
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Error::failed(format!(
            "green's Kubeflow does not use the clones: {}. Point what is named at green's clones \
             (a patch of the checkout can override the edits) and run `kubectl kf deploy \
             kubeflow --to {}` again; do not cut over before it passes",
            failed
                .iter()
                .map(|c| format!("{}: {}", c.check, c.detail))
                .collect::<Vec<_>>()
                .join("; "),
            o.green
        )))
    }
}

/// The Secrets the plan makes through the API, each key from a field of green's credentials.
async fn apply_secrets(green: &kube::Client, c: &CommunityPlan) -> Result<()> {
    for s in &c.overlay.secrets {
        let data: BTreeMap<String, k8s_openapi::ByteString> = s
            .keys
            .iter()
            .filter_map(|(k, f)| {
                c.credentials
                    .get(f)
                    .map(|v| (k.clone(), k8s_openapi::ByteString(v.as_bytes().to_vec())))
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
                &PatchParams::apply(k8s::FIELD_MANAGER).force(),
                &Patch::Apply(&secret),
            )
            .await?;
    }
    Ok(())
}

/// Each profile namespace green has now (the apply may have made one): its launcher and Argo
/// repository on green's bucket. Namespace -> `applied`, or why not yet.
async fn apply_launchers(
    green: &kube::Client,
    c: &CommunityPlan,
    clones: &Clones,
) -> Result<BTreeMap<String, String>> {
    let mut launchers = BTreeMap::new();
    for ns in &c.profile_namespaces {
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
        for obj in
            community::profile_objects(ns, &c.overlay.pipeline_root, &clones.bucket, &clones.region)
        {
            let cm: ConfigMap =
                serde_json::from_value(obj).map_err(|e| Error::failed(e.to_string()))?;
            let name = cm.metadata.name.clone().unwrap_or_default();
            Api::<ConfigMap>::namespaced(green.clone(), ns)
                .patch(
                    &name,
                    &PatchParams::apply(k8s::FIELD_MANAGER).force(),
                    &Patch::Apply(&cm),
                )
                .await?;
        }
        launchers.insert(ns.clone(), "applied".to_string());
    }
    Ok(launchers)
}

/// What the build yields must sync green's DB secret and no other (a kustomize patch or another
/// directory of the checkout can name a secret the files edited do not).
fn refuse_built_secrets(c: &Clones, objects: &[Value]) -> Result<()> {
    let Some((from, green_secret)) = &c.db_secret else {
        return Ok(());
    };
    let spcs: Vec<&Value> = objects
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
                        k8s::describe(spc)
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
                "no SecretProviderClass of the built manifests syncs green's DB secret \
                 {green_secret} ({} SecretProviderClasses built)",
                spcs.len()
            ),
            "nothing was applied",
        ))
    }
}

/// awslabs: green's `pipeline-install-config` and synced `mysql-secret` name green's clones,
/// not blue's storage.
async fn install_config_checks(green: &kube::Client, o: &Observed) -> Result<Vec<Check>> {
    use crate::install_config::{cm_value, install_config};
    let c = &o.clones;
    let green_cm = install_config(green).await?;
    let mut checks = Vec::new();
    for (key, want) in [("dbHost", &c.db_host), ("bucketName", &c.bucket)] {
        let have = cm_value(&green_cm, key);
        let blues = cm_value(&o.blue_config, key);
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
}
