//! What users read, snapshotted: every dry-run plan and the record's table and YAML, from the
//! seeded scenario, so that a change of the user's view shows in review. Identifiers the
//! emulators make up at random (ids, ARNs, zones, times, ports, paths) are redacted.

use kf_e2e::*;

fn run(env: &Env, bin: &str, args: &[&str]) -> String {
    let out = env.plugin(bin, args);
    assert_exit(&out, 0);
    stdout(&out)
}

#[test]
fn plans_and_the_record_read_as_snapshotted() {
    let env = Env::start();
    env.seed_blue();
    env.seed_green();
    let s = view_settings(&env);
    let dir = manifests_copy(&env);
    s.bind(|| {
        insta::assert_snapshot!(
            "clone-dry-run",
            run(&env, "kubectl-kf_clone", &["--to", "green", "--dry-run"])
        );
        insta::assert_snapshot!(
            "deploy-cluster-dry-run",
            run(
                &env,
                "kubectl-kf_deploy",
                &["cluster", "green-2", "--version", "1.33", "--dry-run"]
            )
        );
        insta::assert_snapshot!(
            "storage-efs-dry-run",
            run(
                &env,
                "kubectl-kf_storage",
                &["efs", "--to", "green", "--dry-run"]
            )
        );
        assert_exit(&env.plugin("kubectl-kf_clone", &["--to", "green", "-q"]), 0);
        insta::assert_snapshot!(
            "deploy-kubeflow-dry-run",
            run(
                &env,
                "kubectl-kf_deploy",
                &[
                    "kubeflow",
                    "--to",
                    "green",
                    "--manifests",
                    dir.to_str().unwrap(),
                    "--dry-run"
                ]
            )
        );
        insta::assert_snapshot!(
            "clone-dry-run-after-clone",
            run(&env, "kubectl-kf_clone", &["--to", "green", "--dry-run"])
        );
        insta::assert_snapshot!(
            "clone-resync-dry-run",
            run(
                &env,
                "kubectl-kf_clone",
                &["--to", "green", "--resync", "--yes", "--dry-run"]
            )
        );
        insta::assert_snapshot!(
            "status",
            run(&env, "kubectl-kf", &["status", "--to", "green"])
        );
        insta::assert_snapshot!(
            "status-yaml",
            run(
                &env,
                "kubectl-kf",
                &["status", "--to", "green", "-o", "yaml"]
            )
        );
    });
    // Every plan, and the record's table, reads on an 80-column terminal.
    for (args, bin) in [
        (vec!["--to", "green", "--dry-run"], "kubectl-kf_clone"),
        (
            vec!["efs", "--to", "green", "--dry-run"],
            "kubectl-kf_storage",
        ),
        (
            vec!["cluster", "green-2", "--version", "1.33", "--dry-run"],
            "kubectl-kf_deploy",
        ),
        (
            vec![
                "kubeflow",
                "--to",
                "green",
                "--manifests",
                dir.to_str().unwrap(),
                "--dry-run",
            ],
            "kubectl-kf_deploy",
        ),
        (vec!["status", "--to", "green"], "kubectl-kf"),
    ] {
        let text = run(&env, bin, &args);
        for line in text.lines() {
            // A word longer than the last column's room stands alone on its line.
            let long_word = line.split_whitespace().any(|w| w.chars().count() > 30);
            assert!(
                line.chars().count() <= 80 || long_word,
                "{bin} {args:?}: {} columns: {line}",
                line.chars().count()
            );
        }
    }
}
