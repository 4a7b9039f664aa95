//! Test support for the end-to-end tests: emulated AWS (moto + the project's additions) and two
//! emulated Kubernetes API servers (blue and green), started on free ports on 127.0.0.1, a
//! kubeconfig pointing at them, and helpers to run the built plugin binaries against them and to
//! read the emulators' state. Everything is stopped when the [`Env`] is dropped, also when a test
//! panics; the emulators also exit on their own when their stdin (our pipe) closes, so a killed
//! test run leaves nothing behind.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

pub const REGION: &str = "us-east-1";
pub const PLUGINS: [&str; 5] = [
    "kubectl-kf",
    "kubectl-kf_clone",
    "kubectl-kf_deploy",
    "kubectl-kf_storage",
    "kubectl-kf_cutover",
];

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The directory holding the built plugin binaries (`target/debug`).
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/debug/deps/<test>-<hash> -> target/debug
    let dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
    for p in PLUGINS {
        assert!(
            dir.join(p).is_file(),
            "{} is missing: build the binaries first (`cargo build --workspace --bins`; `make test` does)",
            dir.join(p).display()
        );
    }
    dir
}

/// A directory holding only links to the plugin binaries, like an install would (target/debug
/// also holds `kubectl-kf.d` dependency files, which `kubectl plugin list` would warn about).
pub fn install_bin_dir(into: &Path) -> PathBuf {
    let target = target_dir();
    let bin = into.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for p in PLUGINS {
        std::os::unix::fs::symlink(target.join(p), bin.join(p)).unwrap();
    }
    bin
}

pub fn python() -> PathBuf {
    let py = repo_root().join(".venv/bin/python");
    assert!(
        py.is_file(),
        "{} is missing: create the emulators' venv first (`make venv`; `make test` does)",
        py.display()
    );
    py
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One emulator process. Dropping it stops it.
pub struct Emulator {
    pub name: &'static str,
    pub url: String,
    child: Child,
    _stdin: ChildStdin,
}

impl Emulator {
    fn start(name: &'static str, script: &str, extra: &[&str]) -> Self {
        let port = free_port();
        let mut child = Command::new(python())
            .arg(repo_root().join("tests/emulators").join(script))
            .args(["--port", &port.to_string(), "--exit-with-stdin"])
            .args(extra)
            .env("PYTHONUNBUFFERED", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("starting the {name} emulator: {e}"));
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            while let Some(Ok(line)) = lines.next() {
                if let Some(url) = line.strip_prefix("ready ") {
                    let _ = tx.send(url.trim().to_string());
                    break;
                }
            }
            // keep draining so the emulator never blocks on a full pipe
            for _ in lines {}
        });
        let url = match rx.recv_timeout(Duration::from_secs(90)) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                panic!("the {name} emulator did not become ready within 90 s");
            }
        };
        Self {
            name,
            url,
            child,
            _stdin: stdin,
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Emulated AWS, blue and green Kubernetes, a kubeconfig and a clean environment for the plugins.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub aws: Emulator,
    pub blue: Emulator,
    pub green: Emulator,
    pub kubeconfig: PathBuf,
    pub bin_dir: PathBuf,
}

impl Env {
    /// Starts all three emulators with no pending phases.
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// Starts them with AWS pending phases, e.g. `&[("rds_snapshot", 6)]`.
    pub fn start_with(pending: &[(&str, u32)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let bin_dir = install_bin_dir(dir.path());
        let pending: Vec<String> = pending.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let pending = pending.join(",");
        let mut aws_args = Vec::new();
        if !pending.is_empty() {
            aws_args = vec!["--pending", pending.as_str()];
        }
        let aws = Emulator::start("aws", "aws_emulator.py", &aws_args);
        let blue = Emulator::start("blue", "k8s_emulator.py", &[]);
        let green = Emulator::start("green", "k8s_emulator.py", &[]);
        let kubeconfig = dir.path().join("kubeconfig");
        std::fs::write(&kubeconfig, kubeconfig_yaml(&blue.url, &green.url)).unwrap();
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        Self {
            dir,
            aws,
            blue,
            green,
            kubeconfig,
            bin_dir,
        }
    }

    /// PATH with the plugin binaries first, as an installed user would have it.
    pub fn path(&self) -> String {
        let mut paths = vec![self.bin_dir.clone()];
        paths.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        std::env::join_paths(paths).unwrap().into_string().unwrap()
    }

    /// A command with the test environment: the emulators' kubeconfig and AWS endpoint, dummy
    /// credentials, a private HOME (no ~/.aws, no ~/.kube), and the plugins on PATH.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new(program);
        c.env_clear()
            .env("PATH", self.path())
            .env("HOME", self.dir.path().join("home"))
            .env("KUBECONFIG", &self.kubeconfig)
            .env("AWS_ENDPOINT_URL", &self.aws.url)
            .env("AWS_REGION", REGION)
            .env("AWS_DEFAULT_REGION", REGION)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdin(Stdio::null());
        c
    }

    /// Runs one of the plugin binaries (`kubectl-kf`, `kubectl-kf_clone`, ...).
    pub fn plugin(&self, binary: &str, args: &[&str]) -> Output {
        self.command(self.bin_dir.join(binary))
            .args(args)
            .output()
            .unwrap()
    }

    /// Runs `kubectl-kf ARGS`.
    pub fn kf(&self, args: &[&str]) -> Output {
        self.plugin("kubectl-kf", args)
    }

    /// Runs the real kubectl.
    pub fn kubectl(&self, args: &[&str]) -> Output {
        self.command("kubectl").args(args).output().unwrap()
    }

    /// `kubectl --context CTX ARGS -o json`, parsed.
    pub fn kubectl_json(&self, context: &str, args: &[&str]) -> Value {
        let mut all = vec!["--context", context];
        all.extend_from_slice(args);
        all.extend_from_slice(&["-o", "json"]);
        let out = self.kubectl(&all);
        assert!(out.status.success(), "kubectl {all:?}: {}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Whether `kubectl --context CTX get ARGS` finds the object.
    pub fn k8s_exists(&self, context: &str, args: &[&str]) -> bool {
        let mut all = vec!["--context", context, "get"];
        all.extend_from_slice(args);
        self.kubectl(&all).status.success()
    }

    /// One AWS API call through boto3 against the emulator, e.g.
    /// `aws("rds", "describe_db_instances", json!({}))`; the JSON response.
    pub fn aws(&self, service: &str, operation: &str, params: Value) -> Value {
        let out = self
            .command(python())
            .arg(repo_root().join("tests/emulators/awsq.py"))
            .args([service, operation, &params.to_string()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "aws {service} {operation}: {}",
            stderr(&out)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// POSTs JSON to one of the AWS emulator's `/_kf/` control endpoints (GET for `Value::Null`).
    pub fn aws_control(&self, path: &str, body: Value) -> Value {
        self.aws("_kf", path, body)
    }

    /// Identifiers of every kind of AWS resource the suite creates (see awsq.py `state`).
    pub fn aws_state(&self) -> Value {
        self.aws("_state", "-", Value::Object(Default::default()))
    }

    /// AWS API requests made since the last reset, by operation.
    pub fn requests(&self) -> Value {
        self.aws_control("requests", Value::Null)
    }

    pub fn reset_requests(&self) {
        self.aws_control("requests/reset", serde_json::json!({}));
    }

    /// Operations of the requests counted that change something (not Describe/List/Get/Head).
    pub fn mutating_requests(&self) -> Vec<String> {
        let r = self.requests();
        let mut ops: Vec<String> = r["by_operation"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        ops.retain(|op| {
            !["Describe", "List", "Get", "Head"]
                .iter()
                .any(|p| op.starts_with(p))
        });
        ops
    }

    /// A DB instance as RDS describes it (`Value::Null` when there is none).
    pub fn db_instance(&self, id: &str) -> Value {
        self.aws(
            "rds",
            "describe_db_instances",
            serde_json::json!({"DBInstanceIdentifier": id}),
        )["DBInstances"][0]
            .clone()
    }

    /// A manual or automated DB snapshot as RDS describes it.
    pub fn db_snapshot(&self, id: &str) -> Value {
        self.aws(
            "rds",
            "describe_db_snapshots",
            serde_json::json!({"DBSnapshotIdentifier": id}),
        )["DBSnapshots"][0]
            .clone()
    }

    /// The JSON a Secrets Manager secret holds (the RDS credentials: host, username, ...).
    pub fn secret_json(&self, id: &str) -> Value {
        let v = self.aws(
            "secretsmanager",
            "get_secret_value",
            serde_json::json!({"SecretId": id}),
        );
        serde_json::from_str(v["SecretString"].as_str().expect("a string secret")).unwrap()
    }

    /// Makes the next `count` calls of `operation` fail with `status`/`code`.
    pub fn inject_fault(&self, operation: &str, count: u32, status: u16, code: &str) {
        self.aws_control(
            "faults",
            serde_json::json!({"operation": operation, "count": count, "status": status, "code": code, "message": "injected by the test"}),
        );
    }

    /// Seeds an empty green EKS cluster `green` in its own VPC (what `kf deploy cluster` makes).
    pub fn seed_green(&self) -> Value {
        let out = self
            .command(python())
            .arg(repo_root().join("tests/emulators/seed_green.py"))
            .args([
                "--endpoint",
                &self.aws.url,
                "--region",
                REGION,
                "--cluster-name",
                "green",
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "seeding green: {}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Seeds the "blue Kubeflow on AWS" production into AWS and the blue cluster; its facts.
    pub fn seed_blue(&self) -> Value {
        self.seed_blue_with(&[])
    }

    /// [`Env::seed_blue`] with more arguments of `seed_blue.py` (e.g. `--db-secret-name X`).
    pub fn seed_blue_with(&self, args: &[&str]) -> Value {
        let out = self
            .command(python())
            .arg(repo_root().join("tests/emulators/seed_blue.py"))
            .args(["--endpoint", &self.aws.url, "--kubeconfig"])
            .arg(&self.kubeconfig)
            .args(["--context", "blue", "--region", REGION])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "seeding blue: {}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

/// A kubeconfig with contexts `blue` (current) and `green` for the two Kubernetes emulators. The
/// users authenticate as EKS users do, through `kubectl kf token --cluster <name>` (the emulators
/// accept any token), which also tells the suite which EKS cluster each context is.
pub fn kubeconfig_yaml(blue: &str, green: &str) -> String {
    format!(
        r#"apiVersion: v1
kind: Config
current-context: blue
preferences: {{}}
clusters:
- name: blue
  cluster:
    server: {blue}
- name: green
  cluster:
    server: {green}
contexts:
- name: blue
  context:
    cluster: blue
    user: blue
- name: green
  context:
    cluster: green
    user: green
users:
- name: blue
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: kubectl
      args: [kf, token, --cluster, blue]
      interactiveMode: Never
- name: green
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: kubectl
      args: [kf, token, --cluster, green]
      interactiveMode: Never
"#
    )
}

/// Copies a directory tree (fixtures into a test's temporary directory).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A copy of the small kubeflow-manifests tree of `tests/fixtures`, in the test's directory.
pub fn manifests_copy(env: &Env) -> PathBuf {
    let to = env.dir.path().join("kubeflow-manifests");
    copy_dir(&repo_root().join("tests/fixtures/kubeflow-manifests"), &to);
    to
}

/// The upgrade record blue holds for green (`kubectl kf status -o json`).
pub fn record(env: &Env) -> Value {
    let out = env.kf(&["status", "--from", "blue", "--to", "green", "-o", "json"]);
    assert_exit(&out, 0);
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Whether blue holds the upgrade record ConfigMap of green.
/// An AWS resource's tags (`[{Key, Value}]`) as pairs.
pub fn tag_pairs(tags: &Value) -> Vec<(String, String)> {
    tags.as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            (
                t["Key"].as_str().unwrap_or_default().to_string(),
                t["Value"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

pub fn record_exists(env: &Env) -> bool {
    env.k8s_exists("blue", &["configmap", "kf-upgrade-green", "-n", "kubeflow"])
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts the exit code, showing both streams when it differs.
#[track_caller]
pub fn assert_exit(o: &Output, code: i32) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "exit code\n--- stdout\n{}\n--- stderr\n{}",
        stdout(o),
        stderr(o)
    );
}

/// Polls `f` until it returns Some, or panics after `timeout`.
pub fn eventually<T>(timeout: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Kubeflow's Deployments in `kubeflow` that cutover freezes and checks.
pub const KUBEFLOW_DEPLOYMENTS: [&str; 4] = [
    "centraldashboard",
    "metadata-grpc-deployment",
    "ml-pipeline",
    "ml-pipeline-ui",
];

/// What [`ready_for_cutover`] leaves.
pub struct ReadyForCutover {
    pub env: Env,
    pub blue: Value,
    pub green_alb_dns: String,
    pub green_alb_zone: String,
}

impl Env {
    /// `kubectl --context CTX apply --server-side` of `docs`.
    pub fn apply(&self, context: &str, docs: &[Value]) {
        static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = self.dir.path().join(format!("apply-{n}.yaml"));
        let text: Vec<String> = docs
            .iter()
            .map(|d| serde_yaml::to_string(d).unwrap())
            .collect();
        std::fs::write(&path, text.join("---\n")).unwrap();
        let out = self.kubectl(&[
            "--context",
            context,
            "apply",
            "--server-side",
            "--field-manager=test",
            "-f",
            path.to_str().unwrap(),
        ]);
        assert_exit(&out, 0);
    }

    /// What the AWS Load Balancer Controller writes: the ALB's name in the Ingress status.
    pub fn set_ingress_hostname(&self, context: &str, host: &str) {
        let patch =
            serde_json::json!({"status": {"loadBalancer": {"ingress": [{"hostname": host}]}}});
        let out = self.kubectl(&[
            "--context",
            context,
            "-n",
            "istio-system",
            "patch",
            "ingress",
            "istio-ingress",
            "--subresource=status",
            "--type=merge",
            "-p",
            &patch.to_string(),
        ]);
        assert_exit(&out, 0);
    }
}

/// Blue in production, green cloned (the real `kf clone`, after `setup` changed blue), Kubeflow
/// on green pointing at the clones, and green's ALB behind green's Ingress: what cutover
/// expects to find.
pub fn ready_for_cutover(setup: impl FnOnce(&Env, &Value)) -> ReadyForCutover {
    let ready = ready_to_migrate(&[], setup);
    let out = migrate(&ready.env, &[]);
    assert_exit(&out, 0);
    ready
}

/// `kubectl kf migrate --from blue --to green` with more arguments.
pub fn migrate(env: &Env, args: &[&str]) -> Output {
    let mut all = vec!["migrate", "--from", "blue", "--to", "green"];
    all.extend_from_slice(args);
    env.kf(&all)
}

/// [`ready_for_cutover`] before `kf migrate`: blue seeded (with `seed_args` for
/// `seed_blue.py`, e.g. `--teams 2`) and cloned, Kubeflow's CRDs and deployments on green,
/// green's role for blue's recorded; blue's users not carried yet.
pub fn ready_to_migrate(seed_args: &[&str], setup: impl FnOnce(&Env, &Value)) -> ReadyForCutover {
    use serde_json::json;
    let env = Env::start();
    let blue = env.seed_blue_with(seed_args);
    let green = env.seed_green();
    setup(&env, &blue);
    let out = env.plugin("kubectl-kf_clone", &["--to", "green"]);
    assert_exit(&out, 0);
    let rec = record(&env);
    let res = &rec["resources"];
    let db_host = rec["clones"]["db"]["host"].as_str().unwrap();
    let bucket = res["s3.bucket"]["id"].as_str().unwrap();
    let fs = res["efs.filesystem"]["id"].as_str().unwrap();
    assert_ne!(db_host, blue["db_host"]);

    let lb = env.aws(
        "elbv2",
        "create_load_balancer",
        json!({
            "Name": "k8s-istiosys-istioing-green",
            "Subnets": green["public_subnet_ids"],
            "Scheme": "internet-facing",
            "Type": "application",
        }),
    )["LoadBalancers"][0]
        .clone();
    let green_alb_dns = lb["DNSName"].as_str().unwrap().to_string();
    let green_alb_zone = lb["CanonicalHostedZoneId"].as_str().unwrap().to_string();

    let deployment = |name: &str| {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "kubeflow"},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": name, "image": "x"}]}}}
        })
    };
    env.apply(
        "green",
        &[
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kubeflow"}}),
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "istio-system"}}),
        ],
    );
    let mut docs: Vec<Value> = KUBEFLOW_DEPLOYMENTS.iter().map(|n| deployment(n)).collect();
    docs.push(json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "pipeline-install-config", "namespace": "kubeflow"},
        "data": {"dbHost": db_host, "bucketName": bucket, "dbPort": "3306"}
    }));
    docs.push(json!({
        "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
        "metadata": {"name": "efs-sc"}, "provisioner": "efs.csi.aws.com",
        "parameters": {"provisioningMode": "efs-ap", "fileSystemId": fs}
    }));
    docs.push(json!({
        "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
        "metadata": {"name": "istio-ingress", "namespace": "istio-system"},
        "spec": {"ingressClassName": "alb", "rules": [{"http": {"paths": [{"path": "/", "pathType": "Prefix",
            "backend": {"service": {"name": "istio-ingressgateway", "port": {"number": 80}}}}]}}]}
    }));
    env.apply("green", &docs);
    env.set_ingress_hostname("green", &green_alb_dns);
    let ready = ReadyForCutover {
        env,
        blue,
        green_alb_dns,
        green_alb_zone,
    };
    user_objects_and_green_role(&ready);
    ready
}

/// The profile namespace of blue's seed.
pub const PROFILE_NS: &str = "kubeflow-user-example-com";
const GREEN_ROLE: &str = "kf-green-ml-pipeline";

pub fn crd(group: &str, kind: &str, plural: &str, version: &str, scope: &str) -> serde_json::Value {
    serde_json::json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": format!("{plural}.{group}")},
        "spec": {"group": group, "scope": scope,
                 "names": {"kind": kind, "listKind": format!("{kind}List"), "plural": plural,
                           "singular": kind.to_lowercase()},
                 "versions": [{"name": version, "served": true, "storage": true,
                               "schema": {"openAPIV3Schema": {"type": "object",
                                          "x-kubernetes-preserve-unknown-fields": true}}}]}
    })
}

/// What users make in a profile namespace, beyond what blue's seed has: a PodDefault (the
/// central dashboard's "allow access to Kubeflow Pipelines") and a contributor's RoleBinding as
/// KFAM makes it (annotations `user` and `role`).
pub fn user_objects() -> Vec<serde_json::Value> {
    vec![
        serde_json::json!({"apiVersion": "kubeflow.org/v1alpha1", "kind": "PodDefault",
               "metadata": {"name": "access-ml-pipeline", "namespace": PROFILE_NS},
               "spec": {"desc": "Allow access to Kubeflow Pipelines",
                        "selector": {"matchLabels": {"access-ml-pipeline": "true"}}}}),
        serde_json::json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
               "metadata": {"name": "user-bob-example-com-clusterrole-edit", "namespace": PROFILE_NS,
                            "annotations": {"user": "bob@example.com", "role": "edit"}},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                           "name": "kubeflow-edit"},
               "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User",
                             "name": "bob@example.com"}]}),
    ]
}

/// The CRDs of Kubeflow's user objects on green, as `kf deploy kubeflow` installs them.
fn green_crds(env: &Env) {
    env.apply(
        "green",
        &[
            crd("kubeflow.org", "Profile", "profiles", "v1", "Cluster"),
            crd("kubeflow.org", "Notebook", "notebooks", "v1", "Namespaced"),
            crd(
                "kubeflow.org",
                "PodDefault",
                "poddefaults",
                "v1alpha1",
                "Namespaced",
            ),
            crd(
                "security.istio.io",
                "AuthorizationPolicy",
                "authorizationpolicies",
                "v1beta1",
                "Namespaced",
            ),
        ],
    );
}

/// Green's role for blue's ml-pipeline role, as `kf deploy cluster` makes it (blue's policy with
/// green's bucket), and its line in the record's `greenRoles`.
fn green_role(env: &Env, blue_role: &str, green_bucket: &str) {
    let trust = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/green"},
        "Action": "sts:AssumeRoleWithWebIdentity"}]});
    let role = env.aws(
        "iam",
        "create_role",
        serde_json::json!({"RoleName": GREEN_ROLE, "AssumeRolePolicyDocument": trust.to_string()}),
    );
    let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
        "Resource": [format!("arn:aws:s3:::{green_bucket}"), format!("arn:aws:s3:::{green_bucket}/*")]}]});
    env.aws(
        "iam",
        "put_role_policy",
        serde_json::json!({"RoleName": GREEN_ROLE, "PolicyName": "kf-s3", "PolicyDocument": policy.to_string()}),
    );
    let cm = env.kubectl_json(
        "blue",
        &[
            "-n",
            "kubeflow",
            "get",
            "configmap",
            "kf-upgrade-green",
            "-o",
            "json",
        ],
    );
    let mut rec: serde_json::Value =
        serde_yaml::from_str(cm["data"]["record.yaml"].as_str().unwrap()).unwrap();
    rec["greenRoles"] = serde_json::json!([{"blue": blue_role, "green": role["Role"]["Arn"],
                                "serviceAccounts": ["kubeflow/ml-pipeline"]}]);
    let patch = serde_json::json!({"data": {"record.yaml": serde_yaml::to_string(&rec).unwrap()}});
    let out = env.kubectl(&[
        "--context",
        "blue",
        "-n",
        "kubeflow",
        "patch",
        "configmap",
        "kf-upgrade-green",
        "--type=merge",
        "-p",
        &patch.to_string(),
    ]);
    assert_exit(&out, 0);
}

/// What users made on blue beyond the seed (a PodDefault and a contributor), Kubeflow's CRDs
/// on green, and green's role for blue's ml-pipeline role in the record's `greenRoles` (as
/// `kf deploy cluster` leaves it): what `kf migrate` starts from.
pub fn user_objects_and_green_role(ready: &ReadyForCutover) {
    let env = &ready.env;
    env.apply(
        "blue",
        &[crd(
            "kubeflow.org",
            "PodDefault",
            "poddefaults",
            "v1alpha1",
            "Namespaced",
        )],
    );
    env.apply("blue", &user_objects());
    green_crds(env);
    let rec = record(env);
    let blue_role = ready.blue["irsa_role_arn"].as_str().unwrap();
    green_role(
        env,
        blue_role,
        rec["clones"]["bucket"]["name"].as_str().unwrap(),
    );
}

/// Snapshot settings for what users read: identifiers the emulators make up at random (ids,
/// ARNs, zones, times, ports, paths) are redacted.
pub fn view_settings(env: &Env) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    let dir = env.dir.path().display().to_string();
    let filters: Vec<(String, String)> = vec![
        (regex_escape(&dir), "[TMP]".into()),
        (r"http://127\.0\.0\.1:\d+".into(), "[URL]".into()),
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ".into(), "[TIME]".into()),
        // A time in a name (green's failback snapshot: `...-failback-20261203t081233z`).
        (r"\b\d{8}t\d{6}z\b".into(), "[STAMP]".into()),
        (
            r"\b(fs|fsmt|fsap|vpc|subnet|sg|igw|loc|task|exec)-[0-9a-f]{8,17}\b".into(),
            "$1-[ID]".into(),
        ),
        (r"\b[0-9A-Z]{14,32}\b".into(), "[ZONE-OR-HEX]".into()),
        (r"\b[0-9a-f]{16,32}\b".into(), "[HEX]".into()),
        (r"pvc-[0-9a-f-]{36}".into(), "pvc-[UUID]".into()),
        (r"\blt-[0-9a-f]{17}\b".into(), "lt-[ID]".into()),
        (
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}".into(),
            "[UUID]".into(),
        ),
    ];
    for (re, with) in filters {
        s.add_filter(&re, with);
    }
    s
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if "\\.+*?()|[]{}^$".contains(c) {
                vec!['\\', c]
            } else {
                vec![c]
            }
        })
        .collect()
}
