//! `kubectl kf cleanup` end to end: after a clone, only what served the copy goes (DataSync
//! tasks, locations and role, older snapshots of blue); green's and blue's data stay.

use std::time::Duration;

use kf_e2e::*;
use serde_json::{Value, json};

/// The plan's table with the identifiers the emulators make up redacted.
fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_filter(r"\b(loc|task)-[0-9a-f]{8,17}\b", "$1-[ID]");
    s.add_filter(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[TIME]");
    s
}

fn seeded() -> Env {
    let env = Env::start();
    env.seed_blue();
    env.seed_green();
    env
}

fn clone(env: &Env, args: &[&str]) -> std::process::Output {
    env.plugin("kubectl-kf_clone", args)
}

fn ids(s: &Value, kind: &str) -> Vec<String> {
    s[kind]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// Green's and blue's data: what cleanup must never touch.
fn data(s: &Value) -> Value {
    json!({
        "db_instances": s["db_instances"],
        "buckets": s["buckets"],
        "objects": s["objects"],
        "file_systems": s["file_systems"],
        "mount_targets": s["mount_targets"],
        "secrets": s["secrets"],
        "db_subnet_groups": s["db_subnet_groups"],
        "blue_snapshots": ids(s, "db_snapshots").into_iter().filter(|x| !x.starts_with("kf-green")).collect::<Vec<_>>(),
    })
}

fn assert_cleaned(env: &Env, before: &Value, kept_snapshot: &str) {
    let s = env.aws_state();
    assert!(ids(&s, "tasks").is_empty(), "{s}");
    assert!(ids(&s, "locations").is_empty(), "{s}");
    assert!(
        !ids(&s, "roles")
            .iter()
            .any(|r| r.starts_with("kf-datasync")),
        "{s}"
    );
    let ours: Vec<String> = ids(&s, "db_snapshots")
        .into_iter()
        .filter(|x| x.starts_with("kf-green"))
        .collect();
    assert_eq!(ours, [kept_snapshot], "{s}");
    assert_eq!(data(&s), data(before));
}

#[test]
fn cleanup_deletes_what_served_the_copy_keeps_the_latest_snapshot_and_runs_again_as_a_no_op() {
    let env = seeded();
    assert_exit(&clone(&env, &["--to", "green"]), 0);
    // A resync: a second snapshot of blue, the newest.
    assert_exit(&clone(&env, &["--to", "green", "--resync", "--yes"]), 0);
    let before = env.aws_state();
    assert!(
        ids(&before, "db_snapshots").contains(&"kf-green-kubeflow-db".to_string()),
        "{before}"
    );
    assert!(!ids(&before, "tasks").is_empty(), "{before}");

    // --dry-run: the plan, nothing changed.
    env.reset_requests();
    let out = env.kf(&["cleanup", "--to", "green", "--dry-run", "-o", "json"]);
    assert_exit(&out, 0);
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    let action_of = |id: &str| {
        plan["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .map(|i| i["action"].as_str().unwrap().to_string())
    };
    assert_eq!(
        action_of("kf-green-kubeflow-db").as_deref(),
        Some("delete"),
        "{plan}"
    );
    assert_eq!(
        action_of("kf-green-kubeflow-db-r1").as_deref(),
        Some("keep"),
        "{plan}"
    );
    assert_eq!(
        action_of("kf-datasync-green").as_deref(),
        Some("delete"),
        "{plan}"
    );
    assert!(
        env.mutating_requests().is_empty(),
        "{:?}",
        env.mutating_requests()
    );
    let out = env.kf(&["cleanup", "--to", "green", "--dry-run"]);
    assert_exit(&out, 0);
    settings().bind(|| insta::assert_snapshot!("cleanup-dry-run", stdout(&out)));
    // Without --yes: the plan and a word on how to apply it, nothing changed.
    let out = env.kf(&["cleanup", "--to", "green"]);
    assert_exit(&out, 0);
    assert!(stderr(&out).contains("pass --yes"), "{}", stderr(&out));
    assert!(
        env.mutating_requests().is_empty(),
        "{:?}",
        env.mutating_requests()
    );
    assert_eq!(env.aws_state(), before);

    let out = env.kf(&["cleanup", "--to", "green", "--yes", "-o", "json"]);
    assert_exit(&out, 0);
    assert_cleaned(&env, &before, "kf-green-kubeflow-db-r1");
    let rec = record(&env);
    let deleted = &rec["cleanup"]["deleted"];
    assert!(
        deleted["kf-green-kubeflow-db"]["kind"] == "DBSnapshot",
        "{rec}"
    );
    assert!(deleted["kf-datasync-green"]["kind"] == "IAMRole", "{rec}");

    // Again: nothing to do, nothing called that changes anything.
    env.reset_requests();
    let out = env.kf(&["cleanup", "--to", "green", "--yes"]);
    assert_exit(&out, 0);
    assert!(
        stdout(&out).contains("Nothing to clean up"),
        "{}",
        stdout(&out)
    );
    assert!(
        env.mutating_requests().is_empty(),
        "{:?}",
        env.mutating_requests()
    );
    assert_cleaned(&env, &before, "kf-green-kubeflow-db-r1");
}

#[test]
fn cleanup_refuses_while_a_datasync_execution_runs() {
    let env = Env::start_with(&[("datasync_execution", 60)]);
    env.seed_blue();
    env.seed_green();
    let mut child = env
        .command(env.bin_dir.join("kubectl-kf_clone"))
        .args(["--to", "green"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    eventually(Duration::from_secs(60), "an execution to run", || {
        (!env.aws_state()["executions"].as_array().unwrap().is_empty()).then_some(())
    });
    child.kill().unwrap();
    child.wait().unwrap();
    let before = env.aws_state();
    env.reset_requests();
    let out = env.kf(&["cleanup", "--to", "green", "--yes"]);
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains("wait for the copy"),
        "{}",
        stderr(&out)
    );
    assert!(
        env.mutating_requests().is_empty(),
        "{:?}",
        env.mutating_requests()
    );
    assert_eq!(env.aws_state()["tasks"], before["tasks"]);
    assert_eq!(env.aws_state()["locations"], before["locations"]);
}

#[test]
fn with_the_record_lost_cleanup_finds_what_to_delete_from_the_tags() {
    let env = seeded();
    assert_exit(&clone(&env, &["--to", "green"]), 0);
    let before = env.aws_state();
    let out = env.kubectl(&[
        "--context",
        "blue",
        "delete",
        "configmap",
        "kf-upgrade-green",
        "-n",
        "kubeflow",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!record_exists(&env));

    let out = env.kf(&["cleanup", "--to", "green", "--yes", "-o", "json"]);
    assert_exit(&out, 0);
    assert!(stderr(&out).contains("is gone"), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["recordLost"], true, "{report}");
    // One snapshot of blue: the latest, kept.
    assert_cleaned(&env, &before, "kf-green-kubeflow-db");
    let rec = record(&env);
    assert_eq!(rec["cleanup"]["fromTags"], true, "{rec}");
}

/// Writes `stage` into the cutover section of the record, as a cutover killed half way leaves it.
fn set_cutover_stage(env: &Env, stage: &str) {
    let mut cm = env.kubectl_json(
        "blue",
        &["get", "configmap", "kf-upgrade-green", "-n", "kubeflow"],
    );
    let mut rec: serde_yaml::Value =
        serde_yaml::from_str(cm["data"]["record.yaml"].as_str().unwrap()).unwrap();
    rec["cutover"] = serde_yaml::to_value(json!({"stage": stage})).unwrap();
    cm["data"]["record.yaml"] = Value::String(serde_yaml::to_string(&rec).unwrap());
    let file = env.dir.path().join("record.json");
    std::fs::write(&file, cm.to_string()).unwrap();
    let out = env.kubectl(&["--context", "blue", "replace", "-f", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn cleanup_refuses_while_a_cutover_is_half_done() {
    let env = seeded();
    assert_exit(&clone(&env, &["--to", "green"]), 0);
    set_cutover_stage(&env, "InProgress");
    let before = env.aws_state();
    env.reset_requests();
    let out = env.kf(&["cleanup", "--to", "green", "--yes"]);
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains("cutover failback"),
        "{}",
        stderr(&out)
    );
    assert!(
        env.mutating_requests().is_empty(),
        "{:?}",
        env.mutating_requests()
    );
    assert_eq!(env.aws_state(), before);
    // Failed back: nothing half done any more.
    set_cutover_stage(&env, "FailedBack");
    assert_exit(&env.kf(&["cleanup", "--to", "green", "--yes"]), 0);
    assert!(env.aws_state()["tasks"].as_array().unwrap().is_empty());
}

#[test]
fn a_cleanup_that_failed_half_way_finishes_when_run_again() {
    let env = seeded();
    assert_exit(&clone(&env, &["--to", "green"]), 0);
    let before = env.aws_state();
    env.inject_fault("DeleteLocation", 1, 400, "InvalidRequestException");
    let out = env.kf(&["cleanup", "--to", "green", "--yes"]);
    assert_exit(&out, 1);
    let half = env.aws_state();
    assert!(ids(&half, "tasks").is_empty(), "{half}");
    assert_eq!(ids(&half, "locations"), ids(&before, "locations"));
    let rec = record(&env);
    let deleted = rec["cleanup"]["deleted"].as_object().unwrap();
    assert_eq!(
        deleted
            .values()
            .filter(|d| d["kind"] == "DataSyncTask")
            .count(),
        2,
        "{rec}"
    );

    let out = env.kf(&["cleanup", "--to", "green", "--yes"]);
    assert_exit(&out, 0);
    assert_cleaned(&env, &before, "kf-green-kubeflow-db");
}
