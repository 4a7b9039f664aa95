//! The overlay `deploy kubeflow` writes into a Kubeflow community distribution checkout
//! (`<checkout>/kubectl-kf/<green>/`): a kustomization on the user's (default `example/`) that
//! points everything at the clones. Nothing secret goes in it: the DB Secrets are created through
//! the API and deleted from the build. Facts: `tests/fixtures/FACTS.md` sections 1, 2 and 4.
//!
//! [`plan`] is pure: what blue has, what the base build holds and the clones in, files out.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

pub const OVERLAY_DIR: &str = "kubectl-kf";
pub const NAMESPACE: &str = "kubeflow";
pub const KATIB_SECRET: &str = "katib-mysql-secrets";
pub const ROLE_ANNOTATION: &str = "eks.amazonaws.com/role-arn";
pub const S3_ENDPOINT: &str = "s3.amazonaws.com";

/// What the plan is made from.
#[derive(Clone, Debug)]
pub struct Inputs {
    pub green: String,
    /// The kustomization built, relative to the checkout (`example`).
    pub kustomization: String,
    /// Blue's `kubeflow/pipeline-install-config` data.
    pub blue_config: BTreeMap<String, String>,
    pub db_host: String,
    pub db_port: String,
    pub bucket: String,
    pub blue_bucket: String,
    pub region: String,
    /// Blue's ServiceAccounts (`namespace/name`) with their IRSA role, and green's role for it.
    pub roles: Vec<SaRole>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SaRole {
    pub service_account: String,
    pub blue: String,
    /// Green's own role, when `deploy cluster` recorded one for blue's.
    pub green: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OverlayFile {
    /// Relative to the checkout.
    pub path: String,
    #[serde(skip)]
    pub text: String,
}

/// A Secret made through the API: each key from a field of green's DB credentials.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SecretPlan {
    pub namespace: String,
    pub name: String,
    /// (key, field of green's DB secret: username, password, host, port, database).
    pub keys: Vec<(String, String)>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Overlay {
    pub dir: String,
    pub files: Vec<OverlayFile>,
    /// The keys of `pipeline-install-config` the overlay sets.
    pub install_config: BTreeMap<String, String>,
    /// `Kind namespace/name` left out of the build (in-cluster MySQL, object store, their claims,
    /// the DB Secrets made through the API instead).
    pub not_installed: Vec<String>,
    pub secrets: Vec<SecretPlan>,
    /// Each profile namespace's pipeline root.
    pub pipeline_root: String,
    pub notes: Vec<String>,
}

fn find<'a>(base: &'a [Value], kind: &str, name: &str) -> Option<&'a Value> {
    base.iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
}

/// `s3://<blue bucket>/rest` -> `s3://<green bucket>/rest`; anything else unchanged.
pub fn to_green_root(root: &str, blue_bucket: &str, bucket: &str) -> String {
    match root.strip_prefix(&format!("s3://{blue_bucket}")) {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => format!("s3://{bucket}{rest}"),
        _ => root.to_string(),
    }
}

fn yaml(v: &Value) -> String {
    serde_yaml::to_string(v).unwrap_or_default()
}

/// The container of a Deployment the patch names: the one called `preferred`, else the first.
fn container(dep: &Value, preferred: &str) -> String {
    let cs = dep["spec"]["template"]["spec"]["containers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    cs.iter()
        .find(|c| c["name"] == preferred)
        .or(cs.first())
        .and_then(|c| c["name"].as_str())
        .unwrap_or(preferred)
        .to_string()
}

fn env_names(dep: &Value) -> Vec<String> {
    dep["spec"]["template"]["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["env"].as_array().cloned().unwrap_or_default())
        .filter_map(|e| e["name"].as_str().map(str::to_string))
        .collect()
}

fn deployment_patch(dep: &Value, container_name: &str, env: Vec<Value>) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": dep["metadata"]["name"], "namespace": dep["metadata"]["namespace"]},
        "spec": {"template": {"spec": {"containers": [{"name": container_name, "env": env}]}}},
    })
}

fn secret_ref(name: &str, key: &str) -> Value {
    json!({"secretKeyRef": {"name": name, "key": key}})
}

/// The artifact repository Argo uses: green's bucket through the SDK's credentials (IRSA).
pub fn artifact_repository(bucket: &str, region: &str, key_format: Option<&str>) -> String {
    let mut s3 = json!({
        "endpoint": S3_ENDPOINT,
        "bucket": bucket,
        "region": region,
        "insecure": false,
        "useSDKCreds": true,
    });
    if let Some(k) = key_format {
        s3["keyFormat"] = json!(k);
    }
    yaml(&json!({"archiveLogs": true, "s3": s3}))
}

/// `providers` of a `kfp-launcher` ConfigMap: S3 with the default credential chain (IRSA).
pub fn launcher_providers(region: &str) -> String {
    yaml(&json!({"s3": {"default": {
        "endpoint": S3_ENDPOINT,
        "region": region,
        "disableSSL": false,
        "credentials": {"fromEnv": true},
    }}}))
}

/// The objects each profile namespace gets: `kfp-launcher` (pipeline root and S3 provider) and
/// Argo's namespaced default artifact repository.
pub fn profile_objects(namespace: &str, root: &str, bucket: &str, region: &str) -> Vec<Value> {
    vec![
        json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "kfp-launcher", "namespace": namespace},
            "data": {"defaultPipelineRoot": root, "providers": launcher_providers(region)},
        }),
        json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "artifact-repositories", "namespace": namespace,
                "annotations": {"workflows.argoproj.io/default-artifact-repository": "default-namespaced"}},
            "data": {"default-namespaced": artifact_repository(bucket, region,
                Some(&format!("private-artifacts/{namespace}/{{{{workflow.name}}}}/{{{{pod.name}}}}")))},
        }),
    ]
}

/// What the overlay must hold. `base` is the build of the user's kustomization.
pub fn plan(i: &Inputs, base: &[Value]) -> std::result::Result<Overlay, String> {
    let dir = format!("{OVERLAY_DIR}/{}", i.green);
    let mut files: Vec<(String, Value)> = Vec::new();
    let mut notes = Vec::new();
    if find(base, "ConfigMap", "pipeline-install-config").is_none() {
        return Err(format!(
            "the build of {} has no ConfigMap pipeline-install-config: is it a full Kubeflow install?",
            i.kustomization
        ));
    }
    // pipeline-install-config: the DB host for every reader (dbHost: MLMD, cache server;
    // mysqlHost: the KFP API server since 2.0.2), blue's database names, green's bucket.
    let mut cfg = BTreeMap::new();
    for k in ["dbHost", "mysqlHost"] {
        cfg.insert(k.to_string(), i.db_host.clone());
    }
    for k in ["dbPort", "mysqlPort"] {
        cfg.insert(k.to_string(), i.db_port.clone());
    }
    for k in ["pipelineDb", "mlmdDb", "cacheDb", "ConMaxLifeTime"] {
        if let Some(v) = i.blue_config.get(k).filter(|v| !v.is_empty()) {
            cfg.insert(k.to_string(), v.clone());
        }
    }
    cfg.insert("bucketName".into(), i.bucket.clone());
    let blue_root = i
        .blue_config
        .get("defaultPipelineRoot")
        .filter(|v| !v.is_empty());
    if let Some(r) = blue_root {
        let green_root = to_green_root(r, &i.blue_bucket, &i.bucket);
        if green_root == *r && r.starts_with("s3://") {
            notes.push(format!(
                "blue's defaultPipelineRoot {r} is not in blue's bucket: kept as it is"
            ));
        }
        cfg.insert("defaultPipelineRoot".into(), green_root);
    }
    let pipeline_root = blue_root
        .map(|r| to_green_root(r, &i.blue_bucket, &i.bucket))
        .filter(|r| r.starts_with(&format!("s3://{}", i.bucket)))
        .unwrap_or_else(|| format!("s3://{}/v2/artifacts", i.bucket));
    files.push((
        "pipeline-install-config.yaml".into(),
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "pipeline-install-config", "namespace": NAMESPACE},
            "data": cfg}),
    ));
    // The API server: S3 through IRSA. The access keys from mlpipeline-minio-artifact (the
    // in-cluster store's) would take precedence over the role, so they go.
    if let Some(dep) = find(base, "Deployment", "ml-pipeline") {
        let names = env_names(dep);
        let mut env = vec![
            json!({"name": "OBJECTSTORECONFIG_HOST", "value": S3_ENDPOINT}),
            json!({"name": "OBJECTSTORECONFIG_REGION", "value": i.region}),
            json!({"name": "OBJECTSTORECONFIG_SECURE", "value": "true"}),
            json!({"name": "OBJECTSTORECONFIG_PORT", "value": ""}),
            json!({"name": "OBJECTSTORECONFIG_BUCKETNAME",
                "valueFrom": {"configMapKeyRef": {"name": "pipeline-install-config", "key": "bucketName"}}}),
        ];
        for k in [
            "OBJECTSTORECONFIG_ACCESSKEY",
            "OBJECTSTORECONFIG_SECRETACCESSKEY",
        ] {
            if names.iter().any(|n| n == k) {
                env.push(json!({"name": k, "$patch": "delete"}));
            }
        }
        files.push((
            "ml-pipeline.yaml".into(),
            deployment_patch(dep, &container(dep, "ml-pipeline-api-server"), env),
        ));
    }
    if let Some(dep) = find(base, "Deployment", "ml-pipeline-ui") {
        files.push((
            "ml-pipeline-ui.yaml".into(),
            deployment_patch(
                dep,
                &container(dep, "ml-pipeline-ui"),
                vec![
                    json!({"name": "AWS_REGION", "value": i.region}),
                    json!({"name": "AWS_S3_ENDPOINT", "value": S3_ENDPOINT}),
                ],
            ),
        ));
    }
    if let Some(cm) = find(base, "ConfigMap", "workflow-controller-configmap") {
        let key_format = cm["data"]["artifactRepository"]
            .as_str()
            .and_then(|t| serde_yaml::from_str::<Value>(t).ok())
            .and_then(|v| v["s3"]["keyFormat"].as_str().map(str::to_string));
        files.push((
            "workflow-controller-configmap.yaml".into(),
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "workflow-controller-configmap", "namespace": cm["metadata"]["namespace"]},
                "data": {"artifactRepository": artifact_repository(&i.bucket, &i.region, key_format.as_deref())}}),
        ));
    }
    // Katib on green's database: the external-DB mapping (installs/katib-external-db).
    if let Some(dep) = find(base, "Deployment", "katib-db-manager") {
        let mut env = vec![json!({"name": "DB_NAME", "value": "mysql"})];
        for k in [
            "DB_USER",
            "DB_PASSWORD",
            "KATIB_MYSQL_DB_DATABASE",
            "KATIB_MYSQL_DB_HOST",
            "KATIB_MYSQL_DB_PORT",
        ] {
            env.push(json!({"name": k, "valueFrom": secret_ref(KATIB_SECRET, k)}));
        }
        files.push((
            "katib-db-manager.yaml".into(),
            deployment_patch(dep, &container(dep, "katib-db-manager"), env),
        ));
    }
    // IRSA: green's own role where deploy cluster made one, else blue's (whose trust deploy
    // cluster extended to green, but whose policy names blue's bucket).
    for r in &i.roles {
        let (ns, name) = r
            .service_account
            .split_once('/')
            .unwrap_or((NAMESPACE, &r.service_account));
        let in_build = base.iter().any(|o| {
            o["kind"] == "ServiceAccount"
                && o["metadata"]["name"] == name
                && o["metadata"]["namespace"].as_str().unwrap_or(NAMESPACE) == ns
        });
        if !in_build {
            notes.push(format!(
                "ServiceAccount {ns}/{name} (IRSA on blue) is not in the build: not annotated"
            ));
            continue;
        }
        let arn = r.green.clone().unwrap_or_else(|| {
            notes.push(format!(
                "ServiceAccount {ns}/{name} keeps blue's role {}: no green role is recorded for it \
                 (its policy names blue's bucket)",
                r.blue
            ));
            r.blue.clone()
        });
        files.push((
            format!("serviceaccount-{name}.yaml"),
            json!({"apiVersion": "v1", "kind": "ServiceAccount",
                "metadata": {"name": name, "namespace": ns, "annotations": {ROLE_ANNOTATION: arn}}}),
        ));
    }
    // Not installed: in-cluster MySQL, MinIO/SeaweedFS, their claims; the DB Secrets are made
    // through the API instead of from the checkout.
    let mut not_installed = Vec::new();
    let mut deletions = Vec::new();
    for (kind, api, names) in [
        (
            "Deployment",
            "apps/v1",
            &["mysql", "minio", "seaweedfs", "katib-mysql"][..],
        ),
        (
            "PersistentVolumeClaim",
            "v1",
            &[
                "mysql-pv-claim",
                "minio-pvc",
                "seaweedfs-pvc",
                "katib-mysql",
            ][..],
        ),
        ("Secret", "v1", &["mysql-secret", KATIB_SECRET][..]),
    ] {
        for name in names {
            if let Some(o) = find(base, kind, name) {
                let ns = o["metadata"]["namespace"].as_str().unwrap_or(NAMESPACE);
                not_installed.push(format!("{kind} {ns}/{name}"));
                deletions.push(format!(
                    "  - patch: |-\n      $patch: delete\n      apiVersion: {api}\n      kind: {kind}\n      metadata:\n        name: {name}\n        namespace: {ns}\n"
                ));
            }
        }
    }
    let secrets = vec![
        SecretPlan {
            namespace: NAMESPACE.into(),
            name: "mysql-secret".into(),
            keys: vec![
                ("username".into(), "username".into()),
                ("password".into(), "password".into()),
            ],
        },
        SecretPlan {
            namespace: NAMESPACE.into(),
            name: KATIB_SECRET.into(),
            keys: vec![
                ("DB_USER".into(), "username".into()),
                ("DB_PASSWORD".into(), "password".into()),
                ("KATIB_MYSQL_DB_HOST".into(), "host".into()),
                ("KATIB_MYSQL_DB_PORT".into(), "port".into()),
                ("KATIB_MYSQL_DB_DATABASE".into(), "database".into()),
            ],
        },
    ];
    let depth = dir.split('/').count();
    let base_rel = format!("{}{}", "../".repeat(depth), i.kustomization);
    let mut k = format!(
        "# Written by `kubectl kf deploy kubeflow` for green {green}: {base} pointed at green's \
         clones\n# (database {db}, bucket {bucket}). Nothing secret is in this directory: the DB \
         Secrets\n# mysql-secret and {KATIB_SECRET} are created through the API from green's \
         Secrets Manager secret.\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: \
         Kustomization\nresources:\n  - {base_rel}\npatches:\n",
        green = i.green,
        base = i.kustomization,
        db = i.db_host,
        bucket = i.bucket,
    );
    for (f, _) in &files {
        k.push_str(&format!("  - path: {f}\n"));
    }
    for d in &deletions {
        k.push_str(d);
    }
    let mut out = vec![OverlayFile {
        path: format!("{dir}/kustomization.yaml"),
        text: k,
    }];
    out.extend(files.into_iter().map(|(f, v)| OverlayFile {
        path: format!("{dir}/{f}"),
        text: yaml(&v),
    }));
    Ok(Overlay {
        dir,
        files: out,
        install_config: cfg,
        not_installed,
        secrets,
        pipeline_root,
        notes,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn inputs() -> Inputs {
        Inputs {
            green: "green".into(),
            kustomization: "example".into(),
            blue_config: [
                ("dbHost", "blue-db.rds"),
                ("pipelineDb", "kfpdb"),
                ("ConMaxLifeTime", "300s"),
                ("defaultPipelineRoot", "s3://blue-b/pipelines"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
            db_host: "green-db.rds".into(),
            db_port: "3306".into(),
            bucket: "blue-b-green".into(),
            blue_bucket: "blue-b".into(),
            region: "us-east-1".into(),
            roles: vec![
                SaRole {
                    service_account: "kubeflow/ml-pipeline".into(),
                    blue: "arn:blue".into(),
                    green: Some("arn:green".into()),
                },
                SaRole {
                    service_account: "kubeflow/ml-pipeline-ui".into(),
                    blue: "arn:blue-ui".into(),
                    green: None,
                },
            ],
        }
    }

    pub(crate) fn base() -> Vec<Value> {
        let dep = |name: &str, c: &str, env: Value| {
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": name, "namespace": "kubeflow"},
                "spec": {"template": {"spec": {"containers": [{"name": c, "env": env}]}}}})
        };
        vec![
            json!({"kind": "ConfigMap", "metadata": {"name": "pipeline-install-config", "namespace": "kubeflow"}}),
            json!({"kind": "ConfigMap", "metadata": {"name": "workflow-controller-configmap", "namespace": "kubeflow"},
                "data": {"artifactRepository": "s3:\n  bucket: mlpipeline\n  keyFormat: private-artifacts/x\n"}}),
            dep(
                "ml-pipeline",
                "ml-pipeline-api-server",
                json!([{"name": "OBJECTSTORECONFIG_ACCESSKEY"}]),
            ),
            dep("katib-db-manager", "katib-db-manager", json!([])),
            dep("seaweedfs", "seaweedfs", json!([])),
            json!({"kind": "PersistentVolumeClaim", "metadata": {"name": "seaweedfs-pvc", "namespace": "kubeflow"}}),
            json!({"kind": "Secret", "metadata": {"name": "mysql-secret", "namespace": "kubeflow"}}),
            json!({"kind": "ServiceAccount", "metadata": {"name": "ml-pipeline", "namespace": "kubeflow"}}),
            json!({"kind": "ServiceAccount", "metadata": {"name": "ml-pipeline-ui", "namespace": "kubeflow"}}),
        ]
    }

    #[test]
    fn the_overlay_points_every_reader_at_the_clones() {
        let o = plan(&inputs(), &base()).unwrap();
        assert_eq!(o.dir, "kubectl-kf/green");
        let c = &o.install_config;
        for k in ["dbHost", "mysqlHost"] {
            assert_eq!(c[k], "green-db.rds");
        }
        assert_eq!(c["mysqlPort"], "3306");
        assert_eq!(c["pipelineDb"], "kfpdb");
        assert_eq!(c["ConMaxLifeTime"], "300s");
        assert!(
            !c.contains_key("mlmdDb"),
            "blue has none: the build's stays"
        );
        assert_eq!(c["bucketName"], "blue-b-green");
        assert_eq!(c["defaultPipelineRoot"], "s3://blue-b-green/pipelines");
        assert_eq!(o.pipeline_root, "s3://blue-b-green/pipelines");
        let k = &o.files[0].text;
        assert!(k.contains("  - ../../example\n"), "{k}");
        assert_eq!(
            o.not_installed,
            [
                "Deployment kubeflow/seaweedfs",
                "PersistentVolumeClaim kubeflow/seaweedfs-pvc",
                "Secret kubeflow/mysql-secret"
            ]
        );
        let text = |f: &str| {
            o.files
                .iter()
                .find(|x| x.path.ends_with(f))
                .map(|x| x.text.clone())
                .unwrap_or_default()
        };
        let ml = text("ml-pipeline.yaml");
        assert!(
            ml.contains("OBJECTSTORECONFIG_ACCESSKEY") && ml.contains("$patch: delete"),
            "{ml}"
        );
        assert!(!ml.contains("OBJECTSTORECONFIG_SECRETACCESSKEY"), "{ml}");
        let wf = text("workflow-controller-configmap.yaml");
        assert!(
            wf.contains("blue-b-green")
                && wf.contains("useSDKCreds: true")
                && wf.contains("private-artifacts/x"),
            "{wf}"
        );
        assert!(text("katib-db-manager.yaml").contains("KATIB_MYSQL_DB_HOST"));
        assert!(text("serviceaccount-ml-pipeline.yaml").contains("arn:green"));
        assert!(text("serviceaccount-ml-pipeline-ui.yaml").contains("arn:blue-ui"));
        assert!(o.notes.iter().any(|n| n.contains("keeps blue's role")));
        // Nothing secret: no password field anywhere, only key names.
        for f in &o.files {
            assert!(!f.text.contains("password:"), "{}", f.path);
        }
    }

    #[test]
    fn without_a_root_on_blue_the_launchers_get_one_in_greens_bucket() {
        let mut i = inputs();
        i.blue_config.remove("defaultPipelineRoot");
        let o = plan(&i, &base()).unwrap();
        assert!(!o.install_config.contains_key("defaultPipelineRoot"));
        assert_eq!(o.pipeline_root, "s3://blue-b-green/v2/artifacts");
        assert_eq!(
            to_green_root("s3://blue-bx/a", "blue-b", "g"),
            "s3://blue-bx/a"
        );
        let objs = profile_objects("ns1", &o.pipeline_root, "blue-b-green", "us-east-1");
        assert!(
            objs[0]["data"]["providers"]
                .as_str()
                .unwrap()
                .contains("fromEnv: true")
        );
    }

    #[test]
    fn a_build_without_the_install_config_is_refused() {
        assert!(plan(&inputs(), &[]).is_err());
    }
}
