//! The foundation, as a user sees it: the plugins through the real kubectl, contexts, the
//! upgrade record rendered by `kubectl kf status`, EKS exec credentials, and bad input.

use kf_e2e::*;
use serde_json::json;

#[test]
fn every_plugin_works_through_kubectl() {
    let dir = tempfile::tempdir().unwrap();
    let bin = install_bin_dir(dir.path());
    let path = std::env::join_paths(
        std::iter::once(bin.clone())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let kubectl = |args: &[&str]| {
        std::process::Command::new("kubectl")
            .args(args)
            .env("PATH", &path)
            .env("HOME", dir.path())
            .output()
            .unwrap()
    };

    let list = kubectl(&["plugin", "list"]);
    assert_exit(&list, 0);
    let text = stdout(&list) + &stderr(&list);
    assert!(!text.to_lowercase().contains("warning"), "{text}");
    for p in PLUGINS {
        assert!(
            text.contains(&bin.join(p).display().to_string()),
            "{p} missing from:\n{text}"
        );
    }

    for sub in ["clone", "deploy", "storage", "cutover"] {
        for args in [
            vec!["kf", sub, "--help"],
            vec![&*format!("kf-{sub}"), "--help"],
        ] {
            let out = kubectl(&args);
            assert_exit(&out, 0);
            let help = stdout(&out);
            assert!(
                help.contains(&format!("Usage: kubectl kf {sub}")),
                "{args:?}:\n{help}"
            );
            for flag in [
                "--from",
                "--to",
                "--kubeconfig",
                "--region",
                "--profile",
                "--output",
                "--dry-run",
                "--yes",
                "--timeout",
                "--verbose",
                "--quiet",
            ] {
                assert!(help.contains(flag), "{args:?} lacks {flag}:\n{help}");
            }
        }
    }
    let out = kubectl(&["kf", "--help"]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("status"));
    let out = kubectl(&["kf", "version", "-o", "json"]);
    assert_exit(&out, 0);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn status_says_when_no_upgrade_is_recorded_and_renders_a_record() {
    let env = Env::start();
    assert_exit(
        &env.kubectl(&["--context", "blue", "create", "namespace", "kubeflow"]),
        0,
    );

    let out = env.kf(&["status"]);
    assert_exit(&out, 0);
    assert!(
        stdout(&out).contains("No upgrade of context \"blue\" is recorded"),
        "{}",
        stdout(&out)
    );
    let out = env.kf(&["status", "-o", "json"]);
    assert_exit(&out, 0);
    assert_eq!(stdout(&out).trim(), "null");

    // A record as the suite writes it.
    let record = "blue: blue\ngreen: green\ncreated: 2026-01-01T00:00:00Z\nupdated: 2026-01-01T00:01:00Z\n\
resources:\n  rds.snapshot:\n    kind: DBSnapshot\n    id: kf-green-snap\n    phase: Completed\n    updated: 2026-01-01T00:01:00Z\n";
    let cm = json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "kf-upgrade-green", "namespace": "kubeflow",
            "labels": {"app.kubernetes.io/managed-by": "kubectl-kf", "kubeflow.org/upgrade": "green"}},
        "data": {"record.yaml": record}
    });
    let file = env.dir.path().join("record.json");
    std::fs::write(&file, cm.to_string()).unwrap();
    assert_exit(
        &env.kubectl(&["--context", "blue", "apply", "-f", file.to_str().unwrap()]),
        0,
    );

    let out = env.kf(&["status"]);
    assert_exit(&out, 0);
    let table = stdout(&out);
    assert!(table.contains("blue -> green"), "{table}");
    assert!(
        table.contains("rds.snapshot")
            && table.contains("kf-green-snap")
            && table.contains("Completed"),
        "{table}"
    );

    for fmt in ["json", "yaml"] {
        let out = env.kf(&["status", "--to", "green", "-o", fmt]);
        assert_exit(&out, 0);
        let v: serde_json::Value = if fmt == "json" {
            serde_json::from_slice(&out.stdout).unwrap()
        } else {
            serde_yaml::from_slice(&out.stdout).unwrap()
        };
        assert_eq!(v["green"], "green");
        assert_eq!(v["resources"]["rds.snapshot"]["id"], "kf-green-snap");
    }
}

#[test]
fn bad_input_is_one_line_exit_2_and_writes_nothing() {
    let env = Env::start();
    let before = std::fs::read(&env.kubeconfig).unwrap();

    let out = env.kf(&["status", "--from", "nope"]);
    assert_exit(&out, 2);
    let err = stderr(&out);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("\"nope\"") && err.contains("contexts: blue, green"),
        "{err}"
    );

    let out = env.kf(&["status", "--to", "nope"]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("contexts: blue, green"));

    let out = env.kf(&["status", "--from", "blue", "--to", "blue"]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("--to"), "{}", stderr(&out));

    // No current context and no --from.
    let no_current = env.dir.path().join("no-current");
    std::fs::write(
        &no_current,
        String::from_utf8(before.clone())
            .unwrap()
            .replace("current-context: blue\n", ""),
    )
    .unwrap();
    let out = env.kf(&["status", "--kubeconfig", no_current.to_str().unwrap()]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("pass --from"), "{}", stderr(&out));

    // Unreadable kubeconfig, by flag and by KUBECONFIG.
    let garbage = env.dir.path().join("garbage");
    std::fs::write(&garbage, "clusters: [\n").unwrap();
    let out = env.kf(&["status", "--kubeconfig", garbage.to_str().unwrap()]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("not valid YAML"), "{}", stderr(&out));
    let out = env
        .command(env.bin_dir.join("kubectl-kf"))
        .args(["status"])
        .env("KUBECONFIG", &garbage)
        .output()
        .unwrap();
    assert_exit(&out, 2);
    let out = env.kf(&["status", "--kubeconfig", "/nonexistent/kubeconfig"]);
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains("cannot read kubeconfig"),
        "{}",
        stderr(&out)
    );

    // Missing region.
    let out = env
        .command(env.bin_dir.join("kubectl-kf"))
        .args(["token", "--cluster", "green"])
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .output()
        .unwrap();
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("--region"), "{}", stderr(&out));

    // Blue without Kubeflow: the record has nowhere to live.
    let out = env.plugin("kubectl-kf_clone", &["--to", "green"]);
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains("namespace \"kubeflow\""),
        "{}",
        stderr(&out)
    );

    assert_eq!(
        std::fs::read(&env.kubeconfig).unwrap(),
        before,
        "the kubeconfig changed"
    );
}

#[test]
fn kubectl_uses_kf_token_as_eks_exec_credential() {
    let env = Env::start();
    let out = env.kf(&["token", "--cluster", "green", "--region", "eu-west-1"]);
    assert_exit(&out, 0);
    let cred: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(cred["apiVersion"], "client.authentication.k8s.io/v1beta1");
    assert_eq!(cred["kind"], "ExecCredential");
    let token = cred["status"]["token"].as_str().unwrap();
    assert!(token.starts_with("k8s-aws-v1."), "{token}");
    assert!(!stderr(&out).contains("testing"), "credentials leaked");

    // The test kubeconfig's users run `kubectl kf token`, as `kf deploy cluster` writes them.
    assert!(
        std::fs::read_to_string(&env.kubeconfig)
            .unwrap()
            .contains("args: [kf, token, --cluster, green]")
    );
    let out = env.kubectl(&["--context", "green", "get", "namespaces"]);
    assert_exit(&out, 0);
}

#[test]
fn a_failed_kubernetes_call_names_the_cluster_it_went_to() {
    let env = Env::start();
    assert_exit(
        &env.kubectl(&["--context", "blue", "create", "namespace", "kubeflow"]),
        0,
    );
    // Green's API server is gone (nothing listens on port 1), blue's answers.
    std::fs::write(
        &env.kubeconfig,
        kubeconfig_yaml(&env.blue.url, "http://127.0.0.1:1"),
    )
    .unwrap();
    let out = env.plugin(
        "kubectl-kf_storage",
        &["default-class", "efs-sc", "--to", "green"],
    );
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("Kubernetes API (green): "), "{err}");
    assert!(!err.contains("Kubernetes API (blue)"), "{err}");
    assert!(err.contains("check that the cluster is up"), "{err}");
}
