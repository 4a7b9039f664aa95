//! `kubectl kf deploy kubeflow` end to end: the manifests pointed at the clones, built with
//! kubectl kustomize, applied to green in order, and checked.

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

fn deploy(env: &Env, args: &[&str]) -> std::process::Output {
    env.plugin("kubectl-kf_deploy", args)
}

fn read(dir: &std::path::Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap()
}

#[test]
fn kubeflow_on_green_uses_the_clones() {
    let (env, blue) = cloned();
    let dir = manifests_copy(&env);
    let green_db = env.aws(
        "rds",
        "describe_db_instances",
        json!({"DBInstanceIdentifier": "kubeflow-db-green"}),
    )["DBInstances"][0]["Endpoint"]["Address"]
        .as_str()
        .unwrap()
        .to_string();

    // Dry run first: prints the edits and counts, writes and applies nothing.
    let before = read(&dir, "awsconfigs/apps/pipeline/rds/params.env");
    let out = deploy(
        &env,
        &[
            "kubeflow",
            "--to",
            "green",
            "--manifests",
            dir.to_str().unwrap(),
            "--dry-run",
        ],
    );
    assert_exit(&out, 0);
    let plan = stdout(&out);
    assert!(
        plan.contains(&green_db)
            && plan.contains("Deployment")
            && plan.contains("CustomResourceDefinition"),
        "{plan}"
    );
    assert_eq!(
        read(&dir, "awsconfigs/apps/pipeline/rds/params.env"),
        before
    );
    assert!(!env.k8s_exists("green", &["namespace", "kubeflow"]));

    let out = deploy(
        &env,
        &[
            "kubeflow",
            "--to",
            "green",
            "--manifests",
            dir.to_str().unwrap(),
        ],
    );
    assert_exit(&out, 0);

    // Only the named keys changed; comments and order kept.
    assert_eq!(
        read(&dir, "awsconfigs/apps/pipeline/rds/params.env"),
        format!(
            "# RDS endpoint of the Kubeflow Pipelines database (set by the RDS/S3 setup)\ndbHost={green_db}\nmlmdDb=metadb\n"
        )
    );
    assert_eq!(
        read(&dir, "awsconfigs/apps/pipeline/s3/params.env"),
        "# S3 artifact store of Kubeflow Pipelines\nbucketName=kf-artifacts-blue-green\nminioServiceHost=s3.amazonaws.com\nminioServiceRegion=us-east-1\n"
    );
    let spc = read(
        &dir,
        "awsconfigs/common/aws-secrets-manager/rds/secret-provider.yaml",
    );
    assert!(
        spc.contains("- objectName: \"rds-secret-green\"") && spc.starts_with("# Syncs"),
        "{spc}"
    );

    // Applied to green: CRDs Established, the custom resource, namespace, Deployments Available.
    let crd = env.kubectl_json("green", &["get", "crd", "profiles.kubeflow.org"]);
    assert!(
        crd["status"]["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["type"] == "Established" && c["status"] == "True")
    );
    assert!(env.k8s_exists("green", &["profile", "kubeflow-user-example-com"]));
    let cm = env.kubectl_json(
        "green",
        &[
            "get",
            "configmap",
            "pipeline-install-config",
            "-n",
            "kubeflow",
            "--show-managed-fields",
        ],
    );
    assert_eq!(cm["data"]["dbHost"], green_db.as_str());
    assert_eq!(cm["data"]["bucketName"], "kf-artifacts-blue-green");
    assert_ne!(cm["data"]["dbHost"], blue["db_host"]);
    assert!(
        cm["metadata"]["managedFields"]
            .to_string()
            .contains("kubectl-kf"),
        "{cm}"
    );
    for d in [
        "ml-pipeline",
        "ml-pipeline-ui",
        "metadata-grpc-deployment",
        "profiles-deployment",
    ] {
        let dep = env.kubectl_json("green", &["get", "deployment", d, "-n", "kubeflow"]);
        assert!(
            dep["status"]["conditions"]
                .to_string()
                .contains("Available"),
            "{d}"
        );
    }
    // Blue is untouched.
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

    // Again: files unchanged, apply converges.
    let files = (
        read(&dir, "awsconfigs/apps/pipeline/rds/params.env"),
        read(&dir, "awsconfigs/apps/pipeline/s3/params.env"),
    );
    let out = deploy(
        &env,
        &[
            "kubeflow",
            "--to",
            "green",
            "--manifests",
            dir.to_str().unwrap(),
        ],
    );
    assert_exit(&out, 0);
    assert!(
        stdout(&out).contains("already point at the clones"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        (
            read(&dir, "awsconfigs/apps/pipeline/rds/params.env"),
            read(&dir, "awsconfigs/apps/pipeline/s3/params.env")
        ),
        files
    );
}

#[test]
fn malformed_or_rejected_manifests_fail_clearly() {
    let (env, _blue) = cloned();
    let dir = manifests_copy(&env);
    let m = dir.to_str().unwrap();

    // Not a deployment option of this checkout.
    let out = deploy(
        &env,
        &[
            "kubeflow",
            "--to",
            "green",
            "--manifests",
            m,
            "--option",
            "nope",
        ],
    );
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains("deployments/nope"),
        "{}",
        stderr(&out)
    );
    // A kustomization that does not build.
    std::fs::write(
        dir.join("apps/pipeline/kustomization.yaml"),
        "resources:\n  - missing.yaml\n",
    )
    .unwrap();
    let out = deploy(&env, &["kubeflow", "--to", "green", "--manifests", m]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("kustomize"), "{}", stderr(&out));
    assert!(
        !env.k8s_exists("green", &["namespace", "kubeflow"]),
        "applied although the build failed"
    );

    // An object the server rejects: named with its kind, namespace and name, and the server's message.
    std::fs::write(
        dir.join("apps/pipeline/kustomization.yaml"),
        "resources:\n  - deployments.yaml\n  - stray.yaml\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("apps/pipeline/stray.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stray\n  namespace: no-such-namespace\ndata: {a: b}\n",
    )
    .unwrap();
    let out = deploy(&env, &["kubeflow", "--to", "green", "--manifests", m]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("ConfigMap no-such-namespace/stray") && err.contains("not found"),
        "{err}"
    );
    let rec: Value =
        serde_json::from_slice(&env.kf(&["status", "--to", "green", "-o", "json"]).stdout).unwrap();
    assert_eq!(rec["resources"]["kubeflow.apply"]["phase"], "Failed");
}

#[test]
fn without_a_clone_it_says_to_clone_first() {
    let env = Env::start();
    env.seed_blue();
    env.seed_green();
    let dir = manifests_copy(&env);
    let out = deploy(
        &env,
        &[
            "kubeflow",
            "--to",
            "green",
            "--manifests",
            dir.to_str().unwrap(),
        ],
    );
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains("kubectl kf clone"),
        "{}",
        stderr(&out)
    );
}
