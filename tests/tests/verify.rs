//! `kubectl kf verify` end to end: on a green ready for cutover (the real `kf clone`), with
//! Kubeflow's user objects put on blue and on green through the API (as `kf migrate` would),
//! verify says everything is carried; an object deleted on green, and an object deleted from
//! green's bucket, are named and verify exits 1.

use kf_e2e::*;
use serde_json::{Value, json};

/// The table with what the emulators make up redacted.
fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_filter(r"\b(fs|fsap|vol)-[0-9a-f]{8,17}\b", "$1-[ID]");
    s.add_filter(r"\bpvc-[0-9a-f-]{36}\b", "pvc-[UID]");
    s.add_filter(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "[TIME]");
    s
}

fn verify(env: &Env, args: &[&str]) -> std::process::Output {
    let mut all = vec!["verify", "--from", "blue", "--to", "green"];
    all.extend_from_slice(args);
    env.kf(&all)
}

fn carried() -> ReadyForCutover {
    ready_for_cutover(|_, _| {})
}

#[test]
fn verify_says_carried_m_of_m_then_names_what_green_lost() {
    let ready = carried();
    let env = &ready.env;
    let out = verify(env, &[]);
    let table = stdout(&out);
    assert_exit(&out, 0);
    let last = table.lines().last().unwrap().to_string();
    let (n, m) = last
        .strip_prefix("carried ")
        .and_then(|s| s.split_once('/'))
        .unwrap_or_else(|| panic!("{table}"));
    assert_eq!(n, m, "{table}");
    settings().bind(|| insta::assert_snapshot!("verify-table", table));
    for name in [
        "Profile/kubeflow-user-example-com",
        "Notebook/kubeflow-user-example-com/my-notebook",
        "PodDefault/kubeflow-user-example-com/access-ml-pipeline",
        "PersistentVolumeClaim/kubeflow-user-example-com/efsclaim",
        "RoleBinding/kubeflow-user-example-com/user-bob-example-com-clusterrole-edit",
        "database",
        "file system",
        "etag sample",
    ] {
        assert!(table.contains(name), "{name} not in\n{table}");
    }

    // One object gone on green, one object gone from green's bucket.
    let out = env.kubectl(&[
        "--context",
        "green",
        "-n",
        PROFILE_NS,
        "delete",
        "poddefault",
        "access-ml-pipeline",
    ]);
    assert_exit(&out, 0);
    let rec = record(env);
    let bucket = rec["clones"]["bucket"]["name"].as_str().unwrap();
    let objects = env.aws("s3", "list_objects_v2", json!({"Bucket": bucket}));
    let key = objects["Contents"][0]["Key"].as_str().unwrap().to_string();
    env.aws("s3", "delete_object", json!({"Bucket": bucket, "Key": key}));

    let out = verify(env, &["-o", "json"]);
    assert_exit(&out, 1);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let missing: Vec<&Value> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["status"] == "missing")
        .collect();
    let names: Vec<&str> = missing
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"PodDefault/kubeflow-user-example-com/access-ml-pipeline"),
        "{names:?}"
    );
    let only = missing
        .iter()
        .find(|i| i["name"] == "only on blue")
        .unwrap();
    assert_eq!(only["onlyBlue"], json!([key]));
    assert_eq!(
        v["carried"].as_u64().unwrap() + missing.len() as u64,
        v["total"].as_u64().unwrap()
    );
    assert!(
        stderr(&out).contains("access-ml-pipeline"),
        "{}",
        stderr(&out)
    );

    // Green's API server gone (nothing listens on port 1): the error names green, not blue.
    std::fs::write(
        &env.kubeconfig,
        kubeconfig_yaml(&env.blue.url, "http://127.0.0.1:1"),
    )
    .unwrap();
    let out = verify(env, &[]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("Kubernetes API (green): "), "{err}");
    assert!(!err.contains("Kubernetes API (blue)"), "{err}");
}
