//! The ends of an upgrade end to end: `kubectl kf abort` after the real `deploy cluster`,
//! `storage efs` and `clone` leaves AWS as it was before the attempt (but the final snapshot of
//! green's DB and, without --delete-data, green's bucket), blue's trust policies byte for byte;
//! it finds everything from the tags when the record is gone, resumes after a failure without
//! deleting anything twice, and refuses while traffic is on green.

use kf_e2e::*;
use serde_json::{Value, json};

/// Blue only, its kubeconfig without green, as `deploy cluster` expects (EKS endpoints are the
/// emulated API servers).
fn blue_only() -> (Env, Value) {
    let env = Env::start();
    env.aws_control(
        "config",
        json!({"eks_endpoints": {"blue": env.blue.url, "green": env.green.url}}),
    );
    let kc = std::fs::read_to_string(&env.kubeconfig).unwrap();
    let mut v: serde_yaml::Value = serde_yaml::from_str(&kc).unwrap();
    for section in ["clusters", "contexts", "users"] {
        v[section]
            .as_sequence_mut()
            .unwrap()
            .retain(|e| e["name"] != "green");
    }
    std::fs::write(&env.kubeconfig, serde_yaml::to_string(&v).unwrap()).unwrap();
    let blue = env.seed_blue();
    (env, blue)
}

/// The attempt: green's cluster, its EFS, the clone.
fn attempt(env: &Env) {
    let out = env.plugin(
        "kubectl-kf_deploy",
        &["cluster", "green", "--version", "1.33"],
    );
    assert_exit(&out, 0);
    assert_exit(
        &env.plugin("kubectl-kf_storage", &["efs", "--to", "green"]),
        0,
    );
    assert_exit(&env.plugin("kubectl-kf_clone", &["--to", "green"]), 0);
}

fn names(v: &Value, key: &str) -> Vec<String> {
    let mut out: Vec<String> = v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

/// What AWS holds: the identifiers of every kind the suite creates, EKS clusters, their
/// nodegroups and add-ons, OIDC providers, every role's trust policy as text, and the
/// kubeconfig's contexts.
fn state(env: &Env) -> Value {
    let mut s = env.aws_state();
    let clusters = names(&env.aws("eks", "list_clusters", json!({})), "clusters");
    let mut nodegroups = Vec::new();
    let mut addons = Vec::new();
    for c in &clusters {
        for n in names(
            &env.aws("eks", "list_nodegroups", json!({"clusterName": c})),
            "nodegroups",
        ) {
            nodegroups.push(format!("{c}/{n}"));
        }
        for a in names(
            &env.aws("eks", "list_addons", json!({"clusterName": c})),
            "addons",
        ) {
            addons.push(format!("{c}/{a}"));
        }
    }
    s["clusters"] = json!(clusters);
    s["nodegroups"] = json!(nodegroups);
    s["addons"] = json!(addons);
    let providers: Vec<Value> =
        env.aws("iam", "list_open_id_connect_providers", json!({}))["OpenIDConnectProviderList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["Arn"].clone())
            .collect();
    s["oidc_providers"] = json!(providers);
    s["trust_policies"] = env.aws("_trusts", "-", json!({}));
    let kc: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&env.kubeconfig).unwrap()).unwrap();
    s["contexts"] = json!(
        kc["contexts"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    );
    s["current_context"] = json!(kc["current-context"].as_str());
    s
}

/// `after` with what abort keeps taken out: the final snapshot of green's DB and, when given,
/// green's bucket and its objects.
fn without_kept(after: &Value, bucket: Option<&str>) -> Value {
    let mut s = after.clone();
    let snaps: Vec<String> = names(&s, "db_snapshots")
        .into_iter()
        .filter(|x| x != "kubeflow-db-green-final-abort")
        .collect();
    s["db_snapshots"] = json!(snaps);
    if let Some(b) = bucket {
        let buckets: Vec<String> = names(&s, "buckets")
            .into_iter()
            .filter(|x| x != b)
            .collect();
        let objects: Vec<String> = names(&s, "objects")
            .into_iter()
            .filter(|x| !x.starts_with(&format!("{b}/")))
            .collect();
        s["buckets"] = json!(buckets);
        s["objects"] = json!(objects);
    }
    s
}

/// Every key whose value differs, for a readable failure.
fn diff(a: &Value, b: &Value) -> String {
    let mut out = String::new();
    for (k, v) in a.as_object().unwrap() {
        if b.get(k) != Some(v) {
            out.push_str(&format!("{k}:\n  before {v}\n  after  {}\n", b[k]));
        }
    }
    out
}

/// The record as blue holds it (read with kubectl: `kf status --to green` needs green's
/// context, which abort removes).
fn rec(env: &Env) -> Value {
    rec_on(env, "blue")
}

/// The copy of the record the cluster of `context` holds (green's, once retire-blue moved it).
fn rec_on(env: &Env, context: &str) -> Value {
    let cm = env.kubectl_json(
        context,
        &["get", "configmap", "kf-upgrade-green", "-n", "kubeflow"],
    );
    let y: serde_yaml::Value =
        serde_yaml::from_str(cm["data"]["record.yaml"].as_str().unwrap()).unwrap();
    serde_json::to_value(y).unwrap()
}

fn green_bucket(env: &Env) -> String {
    record(env)["resources"]["s3.bucket"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn abort_after_the_whole_attempt_leaves_aws_as_before_but_the_final_snapshot_and_the_bucket() {
    let (env, _blue) = blue_only();
    let before = state(&env);
    attempt(&env);
    let bucket = green_bucket(&env);
    let during = state(&env);
    assert_ne!(
        names(&during, "clusters"),
        names(&before, "clusters"),
        "the attempt made green"
    );
    assert_ne!(during["trust_policies"], before["trust_policies"]);

    // --dry-run and no --yes: the plan, nothing changed.
    env.reset_requests();
    let out = env.kf(&["abort", "--to", "green", "--dry-run"]);
    assert_exit(&out, 0);
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\b(loc|task|fs|fsmt|sg)-[0-9a-f]{8,17}\b", "$1-[ID]");
    settings.add_filter(r"/[0-9A-F]{32}\b", "/[ID]");
    settings.bind(|| insta::assert_snapshot!("abort-dry-run", stdout(&out)));
    for line in stdout(&out).lines() {
        assert!(line.chars().count() <= 80, "wider than 80 columns: {line}");
    }
    let out = env.kf(&["abort", "--to", "green"]);
    assert_exit(&out, 0);
    assert!(stderr(&out).contains("pass --yes"), "{}", stderr(&out));
    assert!(
        env.mutating_requests().is_empty(),
        "{:?}",
        env.mutating_requests()
    );
    assert_eq!(state(&env), during);

    let out = env.kf(&["abort", "--to", "green", "--yes"]);
    assert_exit(&out, 0);
    let report = stdout(&out);
    assert!(report.contains("kubeflow-db-green-final-abort"), "{report}");
    assert!(
        report.contains(&format!("kept Bucket {bucket}")),
        "{report}"
    );
    let after = state(&env);
    assert!(
        names(&after, "db_snapshots").contains(&"kubeflow-db-green-final-abort".to_string()),
        "{after}"
    );
    assert!(names(&after, "buckets").contains(&bucket), "{after}");
    let after = without_kept(&after, Some(&bucket));
    assert!(after == before, "{}", diff(&before, &after));
    // Blue's trust policies: the very bytes they had.
    assert_eq!(after["trust_policies"], before["trust_policies"]);
    let r = rec(&env);
    assert_eq!(r["abort"]["stage"], "Aborted", "{r}");
    assert_eq!(
        r["abort"]["finalSnapshots"],
        json!(["kubeflow-db-green-final-abort"])
    );

    // Again: nothing to delete, nothing called that changes AWS.
    env.reset_requests();
    let out = env.kf(&["abort", "--to", "green", "--yes"]);
    assert_exit(&out, 0);
    assert!(
        stdout(&out).contains("Nothing to abort"),
        "{}",
        stdout(&out)
    );
    assert!(
        env.mutating_requests().is_empty(),
        "{:?}",
        env.mutating_requests()
    );
}

#[test]
fn with_the_record_deleted_abort_finds_everything_from_the_tags_and_deletes_the_data_if_asked() {
    let (env, _blue) = blue_only();
    let before = state(&env);
    attempt(&env);
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
    let out = env.kf(&[
        "abort",
        "--to",
        "green",
        "--delete-data",
        "--yes",
        "-o",
        "json",
    ]);
    assert_exit(&out, 0);
    assert!(stderr(&out).contains("is gone"), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["recordLost"], true);
    let after = without_kept(&state(&env), None);
    assert!(after == before, "{}", diff(&before, &after));
    assert_eq!(rec(&env)["abort"]["fromTags"], true);
}

#[test]
fn an_abort_that_failed_half_way_finishes_when_run_again_deleting_nothing_twice() {
    let (env, _blue) = blue_only();
    let before = state(&env);
    attempt(&env);
    let bucket = green_bucket(&env);
    // The DB's security group cannot go yet (as if the DB were still deleting).
    env.inject_fault("DeleteSecurityGroup", 1, 400, "DependencyViolation");
    let out = env.kf(&["abort", "--to", "green", "--yes"]);
    assert_exit(&out, 1);
    let half = state(&env);
    assert!(names(&half, "clusters") == names(&before, "clusters"));
    assert!(names(&half, "db_instances") == names(&before, "db_instances"));
    assert_eq!(rec(&env)["abort"]["stage"], "InProgress");

    env.reset_requests();
    let out = env.kf(&["abort", "--to", "green", "--yes", "-o", "json"]);
    assert_exit(&out, 0);
    let requests = env.requests();
    for op in [
        "DeleteCluster",
        "DeleteNodegroup",
        "DeleteDBInstance",
        "DeleteFileSystem",
        "DeleteOpenIDConnectProvider",
    ] {
        assert!(
            requests["by_operation"].get(op).is_none(),
            "{op} again: {requests}"
        );
    }
    let after = without_kept(&state(&env), Some(&bucket));
    assert!(after == before, "{}", diff(&before, &after));
    assert_eq!(rec(&env)["abort"]["stage"], "Aborted");
}

/// Sets the record's `trafficOnGreen`, as a cutover leaves it.
fn set_traffic_on_green(env: &Env) {
    let mut cm = env.kubectl_json(
        "blue",
        &["get", "configmap", "kf-upgrade-green", "-n", "kubeflow"],
    );
    let mut rec: serde_yaml::Value =
        serde_yaml::from_str(cm["data"]["record.yaml"].as_str().unwrap()).unwrap();
    rec["trafficOnGreen"] = serde_yaml::Value::Bool(true);
    cm["data"]["record.yaml"] = Value::String(serde_yaml::to_string(&rec).unwrap());
    let file = env.dir.path().join("record.json");
    std::fs::write(&file, cm.to_string()).unwrap();
    let out = env.kubectl(&["--context", "blue", "replace", "-f", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn abort_refuses_while_traffic_is_on_green() {
    let env = Env::start();
    env.seed_blue();
    env.seed_green();
    assert_exit(&env.plugin("kubectl-kf_clone", &["--to", "green"]), 0);
    set_traffic_on_green(&env);
    let before = env.aws_state();
    env.reset_requests();
    let out = env.kf(&["abort", "--to", "green", "--yes"]);
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
}

#[test]
fn retire_blue_after_cutover_deletes_blue_keeps_its_final_snapshot_and_failback_refuses() {
    let r = ready_for_cutover(|_, _| {});
    let env = &r.env;
    // Blue's EKS cluster is the blue API server: deleting the cluster takes it (and the record
    // it holds) down, as on EKS.
    env.aws_control("config", json!({"eks_endpoints": {"blue": env.blue.url}}));
    let blue_bucket = r.blue["bucket"].as_str().unwrap().to_string();
    let blue_efs = r.blue["efs_id"].as_str().unwrap().to_string();
    let args = ["retire-blue", "--from", "blue", "--to", "green"];
    // Before cutover: refused, nothing changed.
    env.reset_requests();
    let out = env.kf(&[&args[..], &["--yes"]].concat());
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains("finish the cutover"),
        "{}",
        stderr(&out)
    );
    assert!(env.mutating_requests().is_empty());

    assert_exit(
        &env.plugin("kubectl-kf_cutover", &["--to", "green", "--yes"]),
        0,
    );
    let out = env.kf(&[&args[..], &["--dry-run"]].concat());
    assert_exit(&out, 0);
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\bfs-[0-9a-f]{8,17}\b", "fs-[ID]");
    settings.bind(|| insta::assert_snapshot!("retire-blue-dry-run", stdout(&out)));
    for line in stdout(&out).lines() {
        assert!(line.chars().count() <= 80, "wider than 80 columns: {line}");
    }
    // Green lost something blue has: refused, naming it, nothing changed; carried again, it goes on.
    let poddefault = ["-n", PROFILE_NS, "poddefault", "access-ml-pipeline"];
    let saved = env.kubectl_json(
        "green",
        &[
            "get",
            poddefault[0],
            poddefault[1],
            poddefault[2],
            poddefault[3],
        ],
    );
    assert_exit(
        &env.kubectl(&[
            "--context",
            "green",
            "delete",
            poddefault[0],
            poddefault[1],
            poddefault[2],
            poddefault[3],
        ]),
        0,
    );
    env.reset_requests();
    let out = env.kf(&[&args[..], &["--yes"]].concat());
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains("access-ml-pipeline") && stderr(&out).contains("kubectl kf verify"),
        "{}",
        stderr(&out)
    );
    assert!(env.mutating_requests().is_empty());
    assert!(!rec(env)["cutover"].to_string().contains("blueRetired"));
    let mut again = saved.clone();
    for k in [
        "resourceVersion",
        "uid",
        "creationTimestamp",
        "managedFields",
        "generation",
    ] {
        again["metadata"].as_object_mut().unwrap().remove(k);
    }
    env.apply("green", &[again]);

    // No terminal and no --yes: refused with the fix.
    env.reset_requests();
    let out = env.kf(&args);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("pass --yes"), "{}", stderr(&out));
    assert!(env.mutating_requests().is_empty());

    // What a run stopped between its two writes of the move leaves: a copy on green marked
    // moved, blue's not. Blue's is still the record; the next run moves it over that copy.
    let mut stale = env.kubectl_json(
        "blue",
        &["get", "configmap", "kf-upgrade-green", "-n", "kubeflow"],
    );
    let mut text: Value =
        serde_yaml::from_str(stale["data"]["record.yaml"].as_str().unwrap()).unwrap();
    text["movedTo"] = json!("green");
    stale["data"]["record.yaml"] = json!(serde_yaml::to_string(&text).unwrap());
    let meta = stale["metadata"].as_object_mut().unwrap();
    meta.retain(|k, _| ["name", "namespace", "labels"].contains(&k.as_str()));
    env.apply("green", &[stale]);
    assert!(rec(env).get("movedTo").is_none());

    // A run stopped after the record moved to green (blue's DB cannot go yet): the record is on
    // green, blue's copy says so, nothing of blue's cluster is gone; run again, it finishes.
    env.inject_fault("DeleteDBInstance", 1, 400, "InvalidDBInstanceState");
    let out = env.kf(&[&args[..], &["--yes"]].concat());
    assert_exit(&out, 1);
    let moved = rec_on(env, "green");
    assert_eq!(moved["movedTo"], "green", "{moved}");
    assert_eq!(moved["retireBlue"]["stage"], "InProgress", "{moved}");
    assert_eq!(rec(env)["movedTo"], "green");
    assert!(
        names(&env.aws("eks", "list_clusters", json!({})), "clusters").contains(&"blue".into())
    );

    let out = env.kf(&[&args[..], &["--yes"]].concat());
    assert_exit(&out, 0);
    assert!(
        stdout(&out).contains("kubeflow-db-final-retire"),
        "{}",
        stdout(&out)
    );
    // Blue's API server went with its cluster.
    let out = env.kubectl(&["--context", "blue", "get", "namespaces"]);
    assert!(
        !out.status.success(),
        "blue still answers: {}",
        stdout(&out)
    );
    let s = env.aws_state();
    let clusters = names(&env.aws("eks", "list_clusters", json!({})), "clusters");
    assert!(!clusters.contains(&"blue".to_string()), "{clusters:?}");
    assert!(clusters.contains(&"green".to_string()), "{clusters:?}");
    assert!(
        !names(&s, "db_instances").contains(&"kubeflow-db".to_string()),
        "{s}"
    );
    assert!(
        names(&s, "db_snapshots").contains(&"kubeflow-db-final-retire".to_string()),
        "{s}"
    );
    // Blue's data without --delete-data: kept.
    assert!(names(&s, "buckets").contains(&blue_bucket), "{s}");
    assert!(names(&s, "file_systems").contains(&blue_efs), "{s}");
    // The record lives on in green's cluster, its final write done there.
    let r2 = rec_on(env, "green");
    assert_eq!(r2["retireBlue"]["stage"], "Retired", "{r2}");
    assert!(r2["retireBlue"]["finished"].is_string(), "{r2}");
    assert_eq!(r2["cutover"]["dns"]["previous"], json!([]), "{r2}");
    assert_eq!(
        (&r2["blue"], &r2["movedTo"]),
        (&json!("blue"), &json!("green"))
    );
    // `kf status` still shows the upgrade (from green's copy).
    let shown = record(env);
    assert_eq!(shown["retireBlue"]["stage"], "Retired", "{shown}");
    let out = env.kf(&["status", "--from", "blue", "--to", "green"]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("blue -> green"), "{}", stdout(&out));

    // Failback can no longer go back, and says so (not that blue does not answer).
    env.reset_requests();
    let out = env.plugin(
        "kubectl-kf_cutover",
        &["failback", "--from", "blue", "--to", "green", "--yes"],
    );
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains("blue was retired") && stderr(&out).contains("nothing to go back to"),
        "{}",
        stderr(&out)
    );
    assert!(env.mutating_requests().is_empty());
    // Without --from/--to (the current context is green since the cutover): the same.
    let out = env.plugin("kubectl-kf_cutover", &["failback", "--yes"]);
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains("blue was retired"),
        "{}",
        stderr(&out)
    );
    let out = env.kf(&["status", "-o", "json"]);
    assert_exit(&out, 0);
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (&shown["blue"], &shown["green"]),
        (&json!("blue"), &json!("green"))
    );

    // Again: nothing of blue's left to delete, the record untouched but for its time.
    let out = env.kf(&[&args[..], &["--yes"]].concat());
    assert_exit(&out, 0);
    assert!(
        env.mutating_requests().is_empty(),
        "{:?}",
        env.mutating_requests()
    );
    assert_eq!(rec_on(env, "green")["retireBlue"]["stage"], "Retired");
}
