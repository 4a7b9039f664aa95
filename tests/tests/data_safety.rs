//! Data safety end to end: green's Kubeflow is never wired to blue's database, and a command
//! refused for its input writes nothing, not even the upgrade record.

use kf_e2e::*;
use serde_json::{Value, json};

/// Blue's DB secret as users name it (not the manifests' default `rds-secret`).
const BLUE_SECRET: &str = "mlp-mlops-rds-secret-3";
const GREEN_SECRET: &str = "mlp-mlops-rds-secret-3-green";
const SPC_FILE: &str = "awsconfigs/common/aws-secrets-manager/rds/secret-provider.yaml";

fn cloned() -> (Env, Value) {
    let env = Env::start();
    let blue = env.seed_blue_with(&["--db-secret-name", BLUE_SECRET]);
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

fn deploy(env: &Env, dir: &std::path::Path) -> std::process::Output {
    env.plugin(
        "kubectl-kf_deploy",
        &[
            "kubeflow",
            "--to",
            "green",
            "--manifests",
            dir.to_str().unwrap(),
        ],
    )
}

/// The Secrets Manager objects green's applied SecretProviderClass syncs.
fn green_spc_objects(env: &Env) -> Vec<String> {
    let spc = env.kubectl_json(
        "green",
        &[
            "-n",
            "kubeflow",
            "get",
            "secretproviderclass",
            "aws-secrets",
        ],
    );
    let objects: serde_yaml::Value =
        serde_yaml::from_str(spc["spec"]["parameters"]["objects"].as_str().unwrap()).unwrap();
    objects
        .as_sequence()
        .unwrap()
        .iter()
        .map(|o| o["objectName"].as_str().unwrap().to_string())
        .collect()
}

fn file_objects(dir: &std::path::Path) -> Vec<String> {
    let doc: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(dir.join(SPC_FILE)).unwrap()).unwrap();
    let objects: serde_yaml::Value =
        serde_yaml::from_str(doc["spec"]["parameters"]["objects"].as_str().unwrap()).unwrap();
    objects
        .as_sequence()
        .unwrap()
        .iter()
        .map(|o| o["objectName"].as_str().unwrap().to_string())
        .collect()
}

fn green_secret_host(env: &Env) -> String {
    let v: Value = env.secret_json(GREEN_SECRET);
    v["host"].as_str().unwrap().to_string()
}

#[test]
fn green_syncs_green_secret_from_a_fresh_checkout_and_from_a_pyyaml_written_file() {
    let (env, blue) = cloned();
    assert_ne!(green_secret_host(&env), blue["db_host"].as_str().unwrap());

    // (a) A fresh checkout of the manifests: its file names the default `rds-secret`, not blue's.
    let fresh = manifests_copy(&env);
    assert_eq!(file_objects(&fresh), ["rds-secret"]);
    let out = deploy(&env, &fresh);
    assert_exit(&out, 0);
    assert_eq!(file_objects(&fresh), [GREEN_SECRET]);
    assert_eq!(green_spc_objects(&env), [GREEN_SECRET]);
    // The rest of the file is as it was: the comment, the quoting, the other keys.
    let text = std::fs::read_to_string(fresh.join(SPC_FILE)).unwrap();
    assert!(
        text.starts_with("# Syncs") && text.contains(&format!("- objectName: \"{GREEN_SECRET}\"")),
        "{text}"
    );

    // (b) The file as the AWS guide's setup script leaves it (PyYAML's folded, double-quoted
    // `objects`, with `objectName:` and blue's name on different lines).
    let pyyaml = env.dir.path().join("pyyaml-checkout");
    copy_dir(
        &repo_root().join("tests/fixtures/kubeflow-manifests"),
        &pyyaml,
    );
    std::fs::copy(
        repo_root().join("tests/fixtures/secret-provider-pyyaml/secret-provider.yaml"),
        pyyaml.join(SPC_FILE),
    )
    .unwrap();
    assert_eq!(file_objects(&pyyaml), [BLUE_SECRET]);
    // Applied as built: had the rewrite missed, green's class would name blue's secret again.
    let out = deploy(&env, &pyyaml);
    assert_exit(&out, 0);
    assert_eq!(file_objects(&pyyaml), [GREEN_SECRET]);
    assert_eq!(green_spc_objects(&env), [GREEN_SECRET]);
    let edits = stdout(&out);
    assert!(
        edits.contains(BLUE_SECRET) && edits.contains(GREEN_SECRET),
        "{edits}"
    );
    // Blue is untouched.
    let blue_spc = env.kubectl_json(
        "blue",
        &[
            "-n",
            "kubeflow",
            "get",
            "secretproviderclass",
            "aws-secrets",
        ],
    );
    assert!(
        blue_spc["spec"]["parameters"]["objects"]
            .as_str()
            .unwrap()
            .contains(BLUE_SECRET)
    );
}

#[test]
fn deploy_refuses_before_applying_anything_that_would_reach_blue_s_database() {
    let (env, blue) = cloned();
    let blue_host = blue["db_host"].as_str().unwrap();

    // An SPC whose DB object cannot be told apart: exit 2 naming the file, nothing applied.
    let dir = manifests_copy(&env);
    let spc = std::fs::read_to_string(dir.join(SPC_FILE)).unwrap();
    let ambiguous = spc
        .replace(
            "    objects: |\n",
            "    objects: |\n      - objectName: \"other-secret\"\n        objectType: \"secretsmanager\"\n",
        )
        .replace(
            "        jmesPath:\n          - path: \"username\"\n            objectAlias: \"user\"\n          - path: \"password\"\n            objectAlias: \"pass\"\n          - path: \"host\"\n            objectAlias: \"host\"\n",
            "",
        );
    assert_ne!(ambiguous, spc);
    std::fs::write(dir.join(SPC_FILE), &ambiguous).unwrap();
    let out = deploy(&env, &dir);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains(SPC_FILE), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(dir.join(SPC_FILE)).unwrap(),
        ambiguous
    );
    assert!(!env.k8s_exists("green", &["namespace", "kubeflow"]));

    // Green's secret pointing at blue's host: refused before anything is written or applied.
    let dir = manifests_copy(&env);
    let params_before =
        std::fs::read_to_string(dir.join("awsconfigs/apps/pipeline/rds/params.env")).unwrap();
    let mut value: Value = env.secret_json(GREEN_SECRET);
    let green_host = value["host"].as_str().unwrap().to_string();
    value["host"] = json!(blue_host);
    env.aws(
        "secretsmanager",
        "put_secret_value",
        json!({"SecretId": GREEN_SECRET, "SecretString": value.to_string()}),
    );
    let out = deploy(&env, &dir);
    assert_exit(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains(GREEN_SECRET) && err.contains(blue_host),
        "{err}"
    );
    let password = value["password"].as_str().unwrap();
    assert!(
        !err.contains(password) && !stdout(&out).contains(password),
        "the DB password leaked"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("awsconfigs/apps/pipeline/rds/params.env")).unwrap(),
        params_before
    );
    assert!(!env.k8s_exists("green", &["namespace", "kubeflow"]));
    value["host"] = json!(green_host);
    env.aws(
        "secretsmanager",
        "put_secret_value",
        json!({"SecretId": GREEN_SECRET, "SecretString": value.to_string()}),
    );

    // Another SecretProviderClass in the build still syncing blue's secret: refused.
    let extra = dir.join("awsconfigs/common/aws-secrets-manager/extra");
    std::fs::create_dir_all(&extra).unwrap();
    std::fs::write(
        extra.join("kustomization.yaml"),
        "resources:\n  - spc.yaml\n",
    )
    .unwrap();
    std::fs::write(
        extra.join("spc.yaml"),
        format!(
            "apiVersion: secrets-store.csi.x-k8s.io/v1\nkind: SecretProviderClass\nmetadata:\n  name: katib-db\n  namespace: kubeflow\nspec:\n  provider: aws\n  secretObjects:\n  - secretName: mysql-secret\n    type: Opaque\n  parameters:\n    objects: |\n      - objectName: \"{BLUE_SECRET}\"\n        objectType: \"secretsmanager\"\n"
        ),
    )
    .unwrap();
    let k = dir.join("awsconfigs/common/aws-secrets-manager/kustomization.yaml");
    let text = std::fs::read_to_string(&k).unwrap();
    std::fs::write(&k, format!("{text}  - extra\n")).unwrap();
    let out = deploy(&env, &dir);
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains("SecretProviderClass kubeflow/katib-db")
            && stderr(&out).contains(BLUE_SECRET),
        "{}",
        stderr(&out)
    );
    assert!(!env.k8s_exists("green", &["namespace", "kubeflow"]));

    // Without the stray class it deploys, and cutover's check sees green's secret is green's.
    std::fs::write(&k, text).unwrap();
    assert_exit(&deploy(&env, &dir), 0);
    let check = |env: &Env| -> Value {
        let out = env.plugin(
            "kubectl-kf_cutover",
            &["check", "--to", "green", "-o", "json"],
        );
        let checks: Value = serde_json::from_slice(&out.stdout).unwrap();
        checks["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["check"] == "green-db-secret")
            .cloned()
            .unwrap()
    };
    let c = check(&env);
    assert_eq!(c["ok"], true, "{c}");
    assert!(c["detail"].as_str().unwrap().contains(GREEN_SECRET), "{c}");
    // Green's synced mysql-secret holding blue's host fails the check.
    assert_exit(
        &env.kubectl(&[
            "--context",
            "green",
            "-n",
            "kubeflow",
            "create",
            "secret",
            "generic",
            "mysql-secret",
            &format!("--from-literal=host={blue_host}"),
        ]),
        0,
    );
    let c = check(&env);
    assert_eq!(c["ok"], false, "{c}");
    assert!(c["detail"].as_str().unwrap().contains("blue's host"), "{c}");
}

#[test]
fn a_command_refused_for_its_input_writes_no_record() {
    let env = Env::start();
    env.seed_blue();
    env.seed_green();
    assert!(!record_exists(&env));

    let out = env.plugin(
        "kubectl-kf_clone",
        &["--to", "green", "--db-instance", "no-such-db"],
    );
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("no-such-db"), "{}", stderr(&out));
    assert!(!record_exists(&env), "kf clone wrote the record");

    let out = env.plugin(
        "kubectl-kf_clone",
        &["--to", "green", "--bucket", "no-such-bucket"],
    );
    assert_exit(&out, 2);
    assert!(!record_exists(&env), "kf clone wrote the record");

    let dir = manifests_copy(&env);
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
    assert!(!record_exists(&env), "kf deploy kubeflow wrote the record");

    let out = env.plugin(
        "kubectl-kf_storage",
        &[
            "pvc",
            "efsclaim",
            "-n",
            "kubeflow-user-example-com",
            "--to",
            "green",
            "--size",
            "10GB",
        ],
    );
    assert_exit(&out, 2);
    let out = env.plugin(
        "kubectl-kf_cutover",
        &["--to", "green", "--resync", "--yes"],
    );
    assert_exit(&out, 2);
    assert!(!record_exists(&env), "a refused command wrote the record");

    // The first real step writes it.
    let out = env.plugin("kubectl-kf_clone", &["--to", "green", "--only", "bucket"]);
    assert_exit(&out, 0);
    assert!(record_exists(&env));
}
