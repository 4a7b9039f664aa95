//! `kubectl kf deploy kubeflow` from the Kubeflow community distribution (1.10 and 26.03
//! shaped checkouts, `tests/fixtures/community-*`) and from the awslabs 1.7 shaped checkout:
//! every value that points Kubeflow at its database and bucket is green's clone on green.

use kf_e2e::*;
use serde_json::{Value, json};

fn cloned() -> (Env, Value) {
    let env = Env::start();
    let blue = env.seed_blue();
    env.seed_green();
    assert_exit(
        &env.plugin(
            "kubectl-kf_clone",
            &["--to", "green", "--only", "db,bucket"],
        ),
        0,
    );
    (env, blue)
}

fn fixture(env: &Env, name: &str) -> std::path::PathBuf {
    let to = env.dir.path().join(name);
    copy_dir(&repo_root().join("tests/fixtures").join(name), &to);
    to
}

fn green_db(env: &Env) -> String {
    env.aws(
        "rds",
        "describe_db_instances",
        json!({"DBInstanceIdentifier": "kubeflow-db-green"}),
    )["DBInstances"][0]["Endpoint"]["Address"]
        .as_str()
        .unwrap()
        .to_string()
}

fn env_of(dep: &Value, name: &str) -> Option<Value> {
    dep["spec"]["template"]["spec"]["containers"]
        .as_array()?
        .iter()
        .flat_map(|c| c["env"].as_array().cloned().unwrap_or_default())
        .find(|e| e["name"] == name)
}

fn secret(env: &Env, name: &str) -> serde_json::Map<String, Value> {
    let s = env.kubectl_json("green", &["get", "secret", name, "-n", "kubeflow"]);
    s["data"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let out = std::process::Command::new("base64")
                .arg("-d")
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .and_then(|mut c| {
                    use std::io::Write;
                    c.stdin
                        .take()
                        .unwrap()
                        .write_all(v.as_str().unwrap().as_bytes())?;
                    c.wait_with_output()
                })
                .unwrap();
            (
                k.clone(),
                Value::String(String::from_utf8_lossy(&out.stdout).into()),
            )
        })
        .collect()
}

/// Writes green roles into the record, as `deploy cluster` does (`UpgradeRecord::green_roles`).
fn record_green_role(env: &Env, blue_arn: &str, green_arn: &str) {
    let cm = env.kubectl_json(
        "blue",
        &["get", "configmap", "kf-upgrade-green", "-n", "kubeflow"],
    );
    let mut rec: Value = serde_yaml::from_str(cm["data"]["record.yaml"].as_str().unwrap()).unwrap();
    rec["greenRoles"] = json!([{"blue": blue_arn, "green": green_arn,
        "serviceAccounts": ["kubeflow/ml-pipeline"]}]);
    let mut cm = cm.clone();
    cm["data"]["record.yaml"] = Value::String(serde_yaml::to_string(&rec).unwrap());
    cm["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("managedFields");
    let file = env.dir.path().join("record.json");
    std::fs::write(&file, cm.to_string()).unwrap();
    assert_exit(
        &env.kubectl(&["--context", "blue", "replace", "-f", file.to_str().unwrap()]),
        0,
    );
}

/// `controller_makes_namespace`: the profile namespace is not on green before the apply; the
/// Profile the overlay applies has the profile controller make it during the same run, and the
/// planned `wait` becomes the launcher applied.
fn deploy_community(fixture_name: &str, green_role: bool, controller_makes_namespace: bool) {
    let (env, blue) = cloned();
    let dir = fixture(&env, fixture_name);
    let m = dir.to_str().unwrap();
    let db = green_db(&env);
    let bucket = "kf-artifacts-blue-green";
    if green_role {
        record_green_role(
            &env,
            blue["irsa_role_arn"].as_str().unwrap(),
            "arn:aws:iam::123456789012:role/kf-green-ml-pipeline",
        );
    }

    // Dry run: the plan, nothing written or applied.
    let out = env.plugin(
        "kubectl-kf_deploy",
        &["kubeflow", "--to", "green", "--manifests", m, "--dry-run"],
    );
    assert_exit(&out, 0);
    let plan = stdout(&out);
    assert!(
        plan.contains("kubectl-kf/green/kustomization.yaml")
            && plan.contains(&db)
            && plan.contains("Deployment kubeflow/mysql")
            && plan.contains("Old runs:"),
        "{plan}"
    );
    assert!(!dir.join("kubectl-kf").exists());
    // What users read, reviewed when it changes (80 columns).
    insta::assert_snapshot!(format!("{fixture_name}-plan"), plan);
    assert!(!env.k8s_exists("green", &["namespace", "kubeflow"]));
    let out = env.plugin(
        "kubectl-kf_deploy",
        &[
            "kubeflow",
            "--to",
            "green",
            "--manifests",
            m,
            "--dry-run",
            "-o",
            "json",
        ],
    );
    assert_exit(&out, 0);
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["community"]["installConfig"]["mysqlHost"], db.as_str());
    let steps = plan["steps"].as_array().unwrap();
    let step = |kind: &str, name: &str| {
        steps
            .iter()
            .find(|s| s["kind"] == kind && s["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{kind} {name}: {steps:?}"))
    };
    assert_eq!(
        step("Namespace", "kubeflow-user-example-com")["action"],
        "wait"
    );
    assert_eq!(
        step("Secret", "kubeflow/katib-mysql-secrets")["action"],
        "apply"
    );
    assert_eq!(
        step("File", "kubectl-kf/green/kustomization.yaml")["action"],
        "create"
    );

    // Otherwise the profile namespace is on green before the apply (kf migrate made it).
    if !controller_makes_namespace {
        assert_exit(
            &env.kubectl(&[
                "--context",
                "green",
                "create",
                "namespace",
                "kubeflow-user-example-com",
            ]),
            0,
        );
    }
    let out = env.plugin(
        "kubectl-kf_deploy",
        &[
            "kubeflow",
            "--to",
            "green",
            "--manifests",
            m,
            "--timeout",
            "3m",
        ],
    );
    assert_exit(&out, 0);
    let report = stdout(&out);

    // The overlay: in its own directory, listed, nothing secret in it.
    let overlay = dir.join("kubectl-kf/green");
    let mut files: Vec<String> = std::fs::read_dir(&overlay)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    for f in &files {
        assert!(
            report.contains(&format!("kubectl-kf/green/{f}")),
            "{f}: {report}"
        );
        let text = std::fs::read_to_string(overlay.join(f)).unwrap();
        assert!(
            !text.contains("password:") && !text.contains("stringData"),
            "{f}: {text}"
        );
    }

    // pipeline-install-config: every DB host key, blue's DB names, green's bucket.
    let cm = env.kubectl_json(
        "green",
        &[
            "get",
            "configmap",
            "pipeline-install-config",
            "-n",
            "kubeflow",
        ],
    );
    for k in ["dbHost", "mysqlHost"] {
        assert_eq!(cm["data"][k], db.as_str(), "{k}");
    }
    for k in ["dbPort", "mysqlPort"] {
        assert_eq!(cm["data"][k], "3306", "{k}");
    }
    assert_eq!(cm["data"]["bucketName"], bucket);
    assert_eq!(cm["data"]["pipelineDb"], "mlpipeline");
    assert_eq!(cm["data"]["mlmdDb"], "metadb");

    // The DB Secrets, made through the API from green's Secrets Manager secret.
    let s = secret(&env, "mysql-secret");
    assert_eq!(s["username"], "admin");
    assert!(!s["password"].as_str().unwrap().is_empty());
    let k = secret(&env, "katib-mysql-secrets");
    assert_eq!(k["KATIB_MYSQL_DB_HOST"], db.as_str());
    assert_eq!(k["KATIB_MYSQL_DB_PORT"], "3306");
    assert_eq!(k["DB_USER"], "admin");
    assert_eq!(k["KATIB_MYSQL_DB_DATABASE"], "kubeflow");
    assert!(k.contains_key("DB_PASSWORD"));

    // The readers: the API server on S3 through IRSA, Katib on the external DB mapping.
    let get =
        |name: &str| env.kubectl_json("green", &["get", "deployment", name, "-n", "kubeflow"]);
    let api = get("ml-pipeline");
    assert_eq!(
        env_of(&api, "OBJECTSTORECONFIG_HOST").unwrap()["value"],
        "s3.amazonaws.com"
    );
    assert_eq!(
        env_of(&api, "OBJECTSTORECONFIG_REGION").unwrap()["value"],
        "us-east-1"
    );
    assert_eq!(
        env_of(&api, "OBJECTSTORECONFIG_SECURE").unwrap()["value"],
        "true"
    );
    assert!(env_of(&api, "OBJECTSTORECONFIG_ACCESSKEY").is_none());
    assert_eq!(
        env_of(&api, "DBCONFIG_MYSQLCONFIG_HOST").unwrap()["valueFrom"]["configMapKeyRef"]["key"],
        "mysqlHost"
    );
    let katib = get("katib-db-manager");
    assert_eq!(
        env_of(&katib, "KATIB_MYSQL_DB_HOST").unwrap()["valueFrom"]["secretKeyRef"]["name"],
        "katib-mysql-secrets"
    );
    let wf = env.kubectl_json(
        "green",
        &[
            "get",
            "configmap",
            "workflow-controller-configmap",
            "-n",
            "kubeflow",
        ],
    );
    let repo: Value =
        serde_yaml::from_str(wf["data"]["artifactRepository"].as_str().unwrap()).unwrap();
    assert_eq!(repo["s3"]["bucket"], bucket);
    assert_eq!(repo["s3"]["endpoint"], "s3.amazonaws.com");
    assert_eq!(repo["s3"]["region"], "us-east-1");
    assert_eq!(repo["s3"]["useSDKCreds"], true);
    if controller_makes_namespace {
        let ns = env.kubectl_json("green", &["get", "namespace", "kubeflow-user-example-com"]);
        assert_eq!(
            ns["metadata"]["ownerReferences"][0]["kind"], "Profile",
            "made by the profile controller: {ns}"
        );
    }
    let launcher = env.kubectl_json(
        "green",
        &[
            "get",
            "configmap",
            "kfp-launcher",
            "-n",
            "kubeflow-user-example-com",
        ],
    );
    assert_eq!(
        launcher["data"]["defaultPipelineRoot"],
        format!("s3://{bucket}/v2/artifacts")
    );
    let providers: Value =
        serde_yaml::from_str(launcher["data"]["providers"].as_str().unwrap()).unwrap();
    assert_eq!(providers["s3"]["default"]["region"], "us-east-1");
    assert_eq!(providers["s3"]["default"]["credentials"]["fromEnv"], true);

    // Not installed: in-cluster MySQL, the object store, their claims.
    for (kind, name) in [
        ("deployment", "mysql"),
        ("deployment", "minio"),
        ("deployment", "seaweedfs"),
        ("deployment", "katib-mysql"),
        ("pvc", "mysql-pv-claim"),
        ("pvc", "minio-pvc"),
        ("pvc", "seaweedfs-pvc"),
        ("pvc", "katib-mysql"),
    ] {
        assert!(
            !env.k8s_exists("green", &[kind, name, "-n", "kubeflow"]),
            "{kind} {name}"
        );
    }
    for d in [
        "ml-pipeline",
        "metadata-grpc-deployment",
        "cache-server",
        "katib-db-manager",
    ] {
        assert!(
            get(d)["status"]["conditions"]
                .to_string()
                .contains("Available"),
            "{d}"
        );
    }

    // IRSA: green's own role when recorded, else blue's (and the output says so).
    let sa = env.kubectl_json("green", &["get", "sa", "ml-pipeline", "-n", "kubeflow"]);
    let role = &sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"];
    if green_role {
        assert_eq!(role, "arn:aws:iam::123456789012:role/kf-green-ml-pipeline");
        assert!(report.contains("green's arn:aws:iam::123456789012:role/kf-green-ml-pipeline"));
    } else {
        assert_eq!(role, &blue["irsa_role_arn"]);
        assert!(report.contains("BLUE's"), "{report}");
    }
    // Old runs: how many blue-bucket references green follows.
    assert!(
        report.contains("Old runs:") && report.contains("s3://kf-artifacts-blue/"),
        "{report}"
    );
    // Every reader checked and on the clones.
    for c in [
        "ml-pipeline storage",
        "metadata-grpc-deployment storage",
        "cache-server storage",
        "katib-db-manager storage",
    ] {
        assert!(report.contains(c), "{c}: {report}");
    }
    assert!(!report.contains("FAILED"), "{report}");
    assert_eq!(
        record(&env)["resources"]["kubeflow.apply"]["phase"],
        "Completed"
    );
    // Blue untouched.
    let blue_cm = env.kubectl_json(
        "blue",
        &[
            "get",
            "configmap",
            "pipeline-install-config",
            "-n",
            "kubeflow",
        ],
    );
    assert_eq!(blue_cm["data"]["dbHost"], blue["db_host"]);

    // Again: the overlay is kept as it is, and apply converges.
    let out = env.plugin(
        "kubectl-kf_deploy",
        &[
            "kubeflow",
            "--to",
            "green",
            "--manifests",
            m,
            "--timeout",
            "3m",
            "-o",
            "json",
        ],
    );
    assert_exit(&out, 0);
    let again: Value = serde_json::from_slice(&out.stdout).unwrap();
    for s in again["steps"].as_array().unwrap() {
        if s["kind"] == "File" {
            assert_eq!(s["action"], "keep", "{s}");
        }
        if s["kind"] == "Namespace" {
            assert_eq!(s["action"], "apply", "{s}");
        }
    }
    assert!(
        again["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["ok"] == true)
    );
}

#[test]
fn from_a_community_26_03_checkout() {
    deploy_community("community-26.03", false, true);
}

#[test]
fn from_a_community_1_10_checkout_with_greens_own_role() {
    deploy_community("community-1.10", true, false);
}

#[test]
fn a_checkout_of_neither_layout_is_refused_naming_both() {
    let env = Env::start();
    env.seed_blue();
    env.seed_green();
    let dir = env.dir.path().join("empty");
    std::fs::create_dir_all(dir.join("apps")).unwrap();
    let out = env.plugin(
        "kubectl-kf_deploy",
        &[
            "kubeflow",
            "--to",
            "green",
            "--manifests",
            dir.to_str().unwrap(),
        ],
    );
    assert_exit(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains("awslabs/kubeflow-manifests") && err.contains("community distribution"),
        "{err}"
    );
    assert!(!record_exists(&env));
}

#[test]
fn from_the_awslabs_1_7_checkout() {
    let (env, blue) = cloned();
    let dir = fixture(&env, "awslabs-1.7");
    let db = green_db(&env);
    let out = env.plugin(
        "kubectl-kf_deploy",
        &[
            "kubeflow",
            "--to",
            "green",
            "--manifests",
            dir.to_str().unwrap(),
            "--timeout",
            "3m",
        ],
    );
    assert_exit(&out, 0);
    let report = stdout(&out);
    let cm = env.kubectl_json(
        "green",
        &[
            "get",
            "configmap",
            "pipeline-install-config",
            "-n",
            "kubeflow",
        ],
    );
    assert_eq!(cm["data"]["dbHost"], db.as_str());
    assert_eq!(cm["data"]["bucketName"], "kf-artifacts-blue-green");
    assert_ne!(cm["data"]["dbHost"], blue["db_host"]);
    // KFP 2.0.0-alpha.7 reads dbHost only; mysqlHost is written when the build reads it.
    assert!(cm["data"].get("mysqlHost").is_none());
    let spc = env.kubectl_json(
        "green",
        &["get", "secretproviderclass", "rds-secret", "-n", "kubeflow"],
    );
    assert!(
        spc["spec"]["parameters"]["objects"]
            .as_str()
            .unwrap()
            .contains("rds-secret-green")
    );
    // Argo's repository (the `config` key the awslabs layout replaces) and the API server's S3.
    let wf = env.kubectl_json(
        "green",
        &[
            "get",
            "configmap",
            "workflow-controller-configmap",
            "-n",
            "kubeflow",
        ],
    );
    let config: Value = serde_yaml::from_str(wf["data"]["config"].as_str().unwrap()).unwrap();
    assert_eq!(
        config["artifactRepository"]["s3"]["bucket"],
        "kf-artifacts-blue-green"
    );
    assert_eq!(config["artifactRepository"]["s3"]["useSDKCreds"], true);
    let api = env.kubectl_json(
        "green",
        &["get", "deployment", "ml-pipeline", "-n", "kubeflow"],
    );
    assert_eq!(
        env_of(&api, "OBJECTSTORECONFIG_HOST").unwrap()["valueFrom"]["configMapKeyRef"]["key"],
        "minioServiceHost"
    );
    assert_eq!(cm["data"]["minioServiceHost"], "s3.amazonaws.com");
    assert_eq!(cm["data"]["minioServiceRegion"], "us-east-1");
    // Katib reads mysql-secret, which the SecretProviderClass syncs from green's secret.
    let katib = env.kubectl_json(
        "green",
        &["get", "deployment", "katib-db-manager", "-n", "kubeflow"],
    );
    assert_eq!(
        env_of(&katib, "KATIB_MYSQL_DB_HOST").unwrap()["valueFrom"]["secretKeyRef"]["name"],
        "mysql-secret"
    );
    for c in [
        "ml-pipeline storage",
        "cache-server storage",
        "katib-db-manager storage",
    ] {
        assert!(report.contains(c), "{c}: {report}");
    }
    assert!(!report.contains("FAILED"), "{report}");

    // A checkout whose KFP reads mysqlHost (2.0.2+): mysqlHost/mysqlPort go beside dbHost.
    let dir2 = env.dir.path().join("awslabs-kfp2");
    copy_dir(&repo_root().join("tests/fixtures/awslabs-1.7"), &dir2);
    let base = dir2
        .join("upstream/apps/pipeline/upstream/base/installs/generic/pipeline-install-config.yaml");
    let text = std::fs::read_to_string(&base).unwrap();
    std::fs::write(
        &base,
        text.replacen(
            "  dbPort:",
            "  mysqlHost: mysql\n  mysqlPort: \"3306\"\n  dbPort:",
            1,
        ),
    )
    .unwrap();
    let out = env.plugin(
        "kubectl-kf_deploy",
        &[
            "kubeflow",
            "--to",
            "green",
            "--manifests",
            dir2.to_str().unwrap(),
            "--dry-run",
        ],
    );
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("mysqlHost"), "{}", stdout(&out));
}

#[test]
fn a_reader_left_on_another_database_fails_naming_object_and_key() {
    let (env, _blue) = cloned();
    let dir = fixture(&env, "community-26.03");
    // The user's own kustomization on the full install, which pins the API server's host.
    let mine = dir.join("mine");
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::write(
        mine.join("kustomization.yaml"),
        r#"apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../example
patches:
  - patch: |-
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: ml-pipeline
        namespace: kubeflow
      spec:
        template:
          spec:
            containers:
              - name: ml-pipeline-api-server
                env:
                  - name: DBCONFIG_MYSQLCONFIG_HOST
                    value: mysql.kubeflow.svc.cluster.local
                    valueFrom: null
"#,
    )
    .unwrap();
    let out = env.plugin(
        "kubectl-kf_deploy",
        &[
            "kubeflow",
            "--to",
            "green",
            "--manifests",
            dir.to_str().unwrap(),
            "--kustomization",
            "mine",
            "--timeout",
            "3m",
        ],
    );
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("Deployment kubeflow/ml-pipeline")
            && err.contains("env DBCONFIG_MYSQLCONFIG_HOST")
            && err.contains("mysql.kubeflow.svc.cluster.local"),
        "{err}"
    );
    // The overlay built on the named kustomization.
    let k = std::fs::read_to_string(dir.join("kubectl-kf/green/kustomization.yaml")).unwrap();
    assert!(k.contains("  - ../../mine\n"), "{k}");
    assert_eq!(
        record(&env)["resources"]["kubeflow.apply"]["phase"],
        "Failed"
    );
}
