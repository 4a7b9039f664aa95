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

/// Sets the green Kubernetes emulator's test knobs (`/_kf/config`, see k8s_emulator.py).
fn green_config(env: &Env, body: Value) -> Value {
    let file = env.dir.path().join("k8s-config.json");
    std::fs::write(&file, body.to_string()).unwrap();
    let out = env.kubectl(&[
        "--context",
        "green",
        "create",
        "--raw",
        "/_kf/config",
        "-f",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// cert-manager's webhook: it validates every cert-manager.io object.
const WEBHOOK: &str = r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: cert-manager-webhook
webhooks:
  - name: webhook.cert-manager.io
    rules:
      - apiGroups: ["cert-manager.io"]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["*/*"]
    admissionReviewVersions: ["v1"]
    sideEffects: None
    failurePolicy: Fail
    timeoutSeconds: 30
    clientConfig:
      service:
        name: cert-manager-webhook
        namespace: cert-manager
        path: /validate
"#;

/// Adds to the manifests what Kubeflow's cert-manager brings: its webhook (Deployment, Service,
/// ValidatingWebhookConfiguration), the Issuer CRD and the ClusterIssuer Kubeflow uses, which
/// the webhook validates; plus `extra` documents in the same directory.
fn add_cert_manager(dir: &std::path::Path, extra: &str) {
    let app = dir.join("apps/cert-manager");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(
        app.join("kustomization.yaml"),
        "resources:\n  - cert-manager.yaml\n  - webhook.yaml\n",
    )
    .unwrap();
    std::fs::write(
        app.join("cert-manager.yaml"),
        format!(
            r#"apiVersion: v1
kind: Namespace
metadata:
  name: cert-manager
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: clusterissuers.cert-manager.io
spec:
  group: cert-manager.io
  names:
    kind: ClusterIssuer
    listKind: ClusterIssuerList
    plural: clusterissuers
    singular: clusterissuer
  scope: Cluster
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: cert-manager-webhook
  namespace: cert-manager
spec:
  replicas: 1
  selector:
    matchLabels: {{app.kubernetes.io/name: webhook}}
  template:
    metadata:
      labels: {{app.kubernetes.io/name: webhook}}
    spec:
      containers:
        - name: cert-manager-webhook
          image: quay.io/jetstack/cert-manager-webhook:v1.16.1
          ports: [{{name: https, containerPort: 10250}}]
---
apiVersion: v1
kind: Service
metadata:
  name: cert-manager-webhook
  namespace: cert-manager
spec:
  selector: {{app.kubernetes.io/name: webhook}}
  ports: [{{name: https, port: 443, targetPort: https}}]
---
apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata:
  name: kubeflow-self-signing-issuer
spec:
  selfSigned: {{}}
{extra}"#
        ),
    )
    .unwrap();
    std::fs::write(app.join("webhook.yaml"), WEBHOOK).unwrap();
    let k = dir.join("deployments/rds-s3/kustomization.yaml");
    let text = read(dir, "deployments/rds-s3/kustomization.yaml");
    std::fs::write(k, format!("{text}  - ../../apps/cert-manager\n")).unwrap();
}

#[test]
fn objects_a_webhook_refuses_until_it_is_up_are_applied_again() {
    let (env, _blue) = cloned();
    let dir = manifests_copy(&env);
    add_cert_manager(&dir, "");
    // The webhook's pods take a while (image pulls): until then it has no endpoints. Its
    // configuration is registered already (a first attempt that stopped left it; on a fresh
    // cluster applying in parallel can register it before the ClusterIssuer reaches the server).
    green_config(&env, json!({"deployment_ready_seconds": 6}));
    let out = env.kubectl(&[
        "--context",
        "green",
        "apply",
        "-f",
        dir.join("apps/cert-manager/webhook.yaml").to_str().unwrap(),
    ]);
    assert_exit(&out, 0);
    let out = deploy(
        &env,
        &[
            "kubeflow",
            "--to",
            "green",
            "--manifests",
            dir.to_str().unwrap(),
            "--timeout",
            "2m",
        ],
    );
    assert_exit(&out, 0);
    // It said what it waited for.
    let err = stderr(&out);
    assert!(
        err.contains("webhook.cert-manager.io")
            && err.contains("cert-manager/cert-manager-webhook"),
        "{err}"
    );
    let issuer = env.kubectl_json(
        "green",
        &["get", "clusterissuer", "kubeflow-self-signing-issuer"],
    );
    assert_eq!(issuer["spec"]["selfSigned"], json!({}));
    assert!(env.k8s_exists(
        "green",
        &["configmap", "pipeline-install-config", "-n", "kubeflow"]
    ));
    assert_eq!(
        record(&env)["resources"]["kubeflow.apply"]["phase"],
        "Completed"
    );
}

#[test]
fn a_permanent_refusal_fails_at_once_while_webhooks_are_waited_for() {
    let (env, _blue) = cloned();
    let dir = manifests_copy(&env);
    // timeoutSeconds above 30 is refused by the API server's validation (422 Invalid).
    add_cert_manager(
        &dir,
        r#"---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: broken-webhook
webhooks:
  - name: broken.kubeflow.org
    rules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE"]
        resources: ["pods"]
    admissionReviewVersions: ["v1"]
    sideEffects: None
    timeoutSeconds: 60
    clientConfig:
      service: {name: broken, namespace: kubeflow}
"#,
    );
    green_config(&env, json!({"deployment_ready_seconds": 60}));
    let out = env.kubectl(&[
        "--context",
        "green",
        "apply",
        "-f",
        dir.join("apps/cert-manager/webhook.yaml").to_str().unwrap(),
    ]);
    assert_exit(&out, 0);
    let start = std::time::Instant::now();
    let out = deploy(
        &env,
        &[
            "kubeflow",
            "--to",
            "green",
            "--manifests",
            dir.to_str().unwrap(),
            "--timeout",
            "2m",
        ],
    );
    assert_exit(&out, 1);
    assert!(
        start.elapsed() < std::time::Duration::from_secs(30),
        "took {:?}",
        start.elapsed()
    );
    let err = stderr(&out);
    assert!(
        err.contains("MutatingWebhookConfiguration broken-webhook")
            && err.contains("timeoutSeconds")
            && err.contains("Invalid"),
        "{err}"
    );
    assert!(!env.k8s_exists("green", &["mutatingwebhookconfiguration", "broken-webhook"]));
    assert_eq!(
        record(&env)["resources"]["kubeflow.apply"]["phase"],
        "Failed"
    );
}

#[test]
fn a_namespace_still_terminating_is_waited_for() {
    let (env, _blue) = cloned();
    let dir = manifests_copy(&env);
    // A previous attempt's kubeflow namespace, deleted and still Terminating.
    green_config(&env, json!({"namespace_terminating_seconds": 4}));
    assert_exit(
        &env.kubectl(&["--context", "green", "create", "namespace", "kubeflow"]),
        0,
    );
    assert_exit(
        &env.kubectl(&[
            "--context",
            "green",
            "create",
            "configmap",
            "leftover",
            "-n",
            "kubeflow",
        ]),
        0,
    );
    assert_exit(
        &env.kubectl(&[
            "--context",
            "green",
            "delete",
            "namespace",
            "kubeflow",
            "--wait=false",
        ]),
        0,
    );
    let ns = env.kubectl_json("green", &["get", "namespace", "kubeflow"]);
    assert_eq!(ns["status"]["phase"], "Terminating");

    let out = deploy(
        &env,
        &[
            "kubeflow",
            "--to",
            "green",
            "--manifests",
            dir.to_str().unwrap(),
            "--timeout",
            "2m",
        ],
    );
    assert_exit(&out, 0);
    let ns = env.kubectl_json("green", &["get", "namespace", "kubeflow"]);
    assert_eq!(ns["status"]["phase"], "Active", "{ns}");
    assert!(ns["metadata"]["deletionTimestamp"].is_null(), "{ns}");
    assert!(env.k8s_exists(
        "green",
        &["configmap", "pipeline-install-config", "-n", "kubeflow"]
    ));
    assert!(!env.k8s_exists("green", &["configmap", "leftover", "-n", "kubeflow"]));
    assert!(env.k8s_exists("green", &["deployment", "ml-pipeline", "-n", "kubeflow"]));
}

#[test]
fn an_unavailable_aggregated_api_is_warned_about_not_fatal() {
    let (env, _blue) = cloned();
    let dir = manifests_copy(&env);
    // metrics-server registered, its pods not up: /apis/metrics.k8s.io/v1beta1 answers 503.
    let cfg = green_config(
        &env,
        json!({"register_apiservice": {"group": "metrics.k8s.io", "version": "v1beta1"}}),
    );
    assert_eq!(
        cfg["apiservices"]["v1beta1.metrics.k8s.io"]["status"], "False",
        "{cfg}"
    );
    let m = dir.to_str().unwrap();
    let out = deploy(&env, &["kubeflow", "--to", "green", "--manifests", m]);
    assert_exit(&out, 0);
    let err = stderr(&out);
    let warnings: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("unable to retrieve the complete list of server APIs"))
        .collect();
    assert_eq!(warnings.len(), 1, "{err}");
    assert!(warnings[0].contains("v1beta1.metrics.k8s.io"), "{err}");
    assert!(env.k8s_exists(
        "green",
        &["configmap", "pipeline-install-config", "-n", "kubeflow"]
    ));

    // An object of the missing group fails, naming the group and its APIService.
    std::fs::write(
        dir.join("apps/pipeline/kustomization.yaml"),
        "resources:\n  - deployments.yaml\n  - metrics.yaml\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("apps/pipeline/metrics.yaml"),
        "apiVersion: metrics.k8s.io/v1beta1\nkind: PodMetrics\nmetadata:\n  name: probe\n  namespace: kubeflow\ncontainers: []\n",
    )
    .unwrap();
    let out = deploy(&env, &["kubeflow", "--to", "green", "--manifests", m]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("PodMetrics kubeflow/probe")
            && err.contains("metrics.k8s.io/v1beta1")
            && err.contains("APIService v1beta1.metrics.k8s.io"),
        "{err}"
    );
}

#[test]
fn a_webhook_that_never_comes_up_ends_at_the_timeout_naming_it() {
    let (env, _blue) = cloned();
    let dir = manifests_copy(&env);
    add_cert_manager(&dir, "");
    green_config(&env, json!({"deployment_ready_seconds": 600}));
    let out = env.kubectl(&[
        "--context",
        "green",
        "apply",
        "-f",
        dir.join("apps/cert-manager/webhook.yaml").to_str().unwrap(),
    ]);
    assert_exit(&out, 0);
    let out = deploy(
        &env,
        &[
            "kubeflow",
            "--to",
            "green",
            "--manifests",
            dir.to_str().unwrap(),
            "--timeout",
            "6s",
        ],
    );
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("timed out")
            && err.contains("ClusterIssuer kubeflow-self-signing-issuer")
            && err.contains("webhook.cert-manager.io")
            && err.contains("--timeout"),
        "{err}"
    );
    assert!(!env.k8s_exists("green", &["clusterissuer", "kubeflow-self-signing-issuer"]));
    assert_eq!(
        record(&env)["resources"]["kubeflow.apply"]["phase"],
        "Failed"
    );
}
