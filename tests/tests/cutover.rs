//! `kubectl kf cutover` end to end: preflight, moving the Route 53 record to green's ALB
//! (all at once and weighted), freezing blue, switching the kubeconfig, status, failback, and a
//! failure halfway, asserting on what the emulators and the kubeconfig hold afterwards.

use kf_e2e::*;
use serde_json::{Value, json};

type Ready = ReadyForCutover;

fn cutover(env: &Env, args: &[&str]) -> std::process::Output {
    env.plugin("kubectl-kf_cutover", args)
}

fn record(env: &Env) -> Value {
    let out = env.kf(&["status", "--from", "blue", "--to", "green", "-o", "json"]);
    assert_exit(&out, 0);
    serde_json::from_slice(&out.stdout).unwrap()
}

fn ready() -> Ready {
    ready_for_cutover(|_, _| {})
}

fn zone_records(env: &Env, zone: &str) -> Value {
    env.aws(
        "route53",
        "list_resource_record_sets",
        json!({"HostedZoneId": zone}),
    )["ResourceRecordSets"]
        .clone()
}

fn records_named(env: &Env, zone: &str, name: &str, kind: &str) -> Vec<Value> {
    zone_records(env, zone)
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["Name"] == name && r["Type"] == kind)
        .cloned()
        .collect()
}

fn blue_replicas(env: &Env) -> Vec<(String, i64)> {
    let list = env.kubectl_json("blue", &["-n", "kubeflow", "get", "deployments"]);
    let mut v: Vec<(String, i64)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["metadata"]["name"].as_str().unwrap().to_string(),
                d["spec"]["replicas"].as_i64().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

/// The replicas the notebook controller runs green's copy of blue's notebook with (0: stopped).
fn green_notebook_replicas(env: &Env) -> i64 {
    let sts = env.kubectl_json(
        "green",
        &[
            "-n",
            PROFILE_NS,
            "get",
            "statefulset",
            "my-notebook",
            "-o",
            "json",
        ],
    );
    sts["spec"]["replicas"].as_i64().unwrap()
}

fn kubeconfig(env: &Env) -> serde_yaml::Value {
    serde_yaml::from_str(&std::fs::read_to_string(&env.kubeconfig).unwrap()).unwrap()
}

fn current_context(env: &Env) -> String {
    kubeconfig(env)["current-context"]
        .as_str()
        .unwrap()
        .to_string()
}

fn cutover_section(env: &Env) -> Value {
    record(env)["cutover"].clone()
}

#[test]
fn check_passes_on_a_ready_green_and_reports_each_failure_on_one_line_changing_nothing() {
    let r = ready();
    let env = &r.env;
    let out = cutover(env, &["check", "--to", "green", "-o", "json"]);
    assert_exit(&out, 0);
    let checks: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = checks["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            assert_eq!(c["ok"], true, "{c}");
            c["check"].as_str().unwrap()
        })
        .collect();
    for want in [
        "green-deployments",
        "green-db",
        "green-bucket",
        "green-efs",
        "green-ingress",
        "blue-record",
        "carried",
    ] {
        assert!(names.contains(&want), "{names:?}");
    }
    let table = cutover(env, &["check", "--to", "green"]);
    assert_exit(&table, 0);
    assert!(stdout(&table).contains("CHECK"), "{}", stdout(&table));

    // Break green: its bucket is blue's and its Ingress hostname is no ALB.
    let patch = json!({"data": {"bucketName": r.blue["bucket"]}}).to_string();
    assert_exit(
        &env.kubectl(&[
            "--context",
            "green",
            "-n",
            "kubeflow",
            "patch",
            "configmap",
            "pipeline-install-config",
            "--type=merge",
            "-p",
            &patch,
        ]),
        0,
    );
    env.set_ingress_hostname("green", "nothing-1.us-east-1.elb.amazonaws.com");
    let zone = r.blue["hosted_zone_id"].as_str().unwrap();
    let before = zone_records(env, zone);
    env.reset_requests();
    for args in [
        vec!["check", "--to", "green"],
        vec!["--to", "green", "--yes"],
    ] {
        let out = cutover(env, &args);
        assert_exit(&out, 1);
        let err = stderr(&out);
        assert!(
            err.contains("green-bucket: green's S3 bucket") && err.contains("is blue's"),
            "{err}"
        );
        assert!(
            err.contains("green-ingress: green's Ingress hostname nothing-1")
                && err.contains("no ELBv2 load balancer"),
            "{err}"
        );
        assert!(err.contains("nothing was changed"), "{err}");
    }
    assert_eq!(env.mutating_requests(), Vec::<String>::new());
    assert_eq!(zone_records(env, zone), before);
    assert_eq!(current_context(env), "blue");
    assert!(cutover_section(env).is_null());
}

#[test]
fn without_yes_or_with_dry_run_it_prints_the_plan_and_changes_nothing() {
    let r = ready();
    let env = &r.env;
    let zone = r.blue["hosted_zone_id"].as_str().unwrap();
    let before_zone = zone_records(env, zone);
    let before_kc = kubeconfig(env);
    let before_rec = record(env);
    env.reset_requests();
    for args in [
        vec!["--to", "green", "--freeze-blue"],
        vec!["--to", "green", "--freeze-blue", "--dry-run", "--yes"],
    ] {
        let out = cutover(env, &args);
        assert_exit(&out, 0);
        let plan = stdout(&out);
        assert!(plan.contains("Plan: cutover blue -> green"), "{plan}");
        assert!(
            plan.contains("freeze-blue") && plan.contains("ml-pipeline=2"),
            "{plan}"
        );
        assert!(plan.contains(&r.green_alb_dns), "{plan}");
        assert!(plan.contains("current-context blue -> green"), "{plan}");
        for line in plan.lines() {
            let long_word = line.split_whitespace().any(|w| w.chars().count() > 30);
            assert!(line.chars().count() <= 80 || long_word, "{line}");
        }
        if args.contains(&"--dry-run") {
            // What users read, reviewed when it changes.
            view_settings(env).bind(|| insta::assert_snapshot!("cutover-dry-run", plan));
        }
    }
    let out = cutover(env, &["--to", "green", "-o", "json"]);
    assert_exit(&out, 0);
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["approved"], false);
    assert_eq!(env.mutating_requests(), Vec::<String>::new());
    assert_eq!(zone_records(env, zone), before_zone);
    assert_eq!(kubeconfig(env), before_kc);
    assert_eq!(record(env)["cutover"], before_rec["cutover"]);
    assert!(blue_replicas(env).iter().all(|(_, n)| *n > 0));
}

#[test]
fn cutover_moves_the_alias_to_green_freezes_blue_and_failback_restores_everything() {
    let r = ready();
    let env = &r.env;
    let zone = r.blue["hosted_zone_id"].as_str().unwrap();
    let name = r.blue["dns_name"].as_str().unwrap();
    let before_zone = zone_records(env, zone);
    let before_replicas = blue_replicas(env);
    let before_kc = kubeconfig(env);
    // kf migrate made green's copy of blue's notebook stopped.
    assert_eq!(green_notebook_replicas(env), 0);

    let out = cutover(
        env,
        &["--to", "green", "--freeze-blue", "--yes", "-o", "json"],
    );
    assert_exit(&out, 0);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["stage"], "CutOver", "{report}");
    assert_eq!(report["blueFrozen"], true);

    // Route 53: one alias A record, to green's ALB with its canonical zone id.
    let a = records_named(env, zone, name, "A");
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0]["AliasTarget"]["DNSName"], r.green_alb_dns.as_str());
    assert_eq!(
        a[0]["AliasTarget"]["HostedZoneId"],
        r.green_alb_zone.as_str()
    );
    assert!(a[0].get("SetIdentifier").is_none());
    // The notebook kf migrate stopped on green runs now (blue's is stopped by the freeze).
    assert_eq!(green_notebook_replicas(env), 1);
    // Blue frozen; the kubeconfig now on green.
    assert!(
        blue_replicas(env).iter().all(|(_, n)| *n == 0),
        "{:?}",
        blue_replicas(env)
    );
    assert_eq!(current_context(env), "green");
    // The record holds every previous value.
    let c = cutover_section(env);
    assert_eq!(c["stage"], "CutOver");
    assert_eq!(
        c["dns"]["previous"][0]["alias"]["dnsName"],
        r.blue["alb_dns_name"]
    );
    assert_eq!(c["freeze"]["replicas"]["ml-pipeline"], 2);
    assert_eq!(c["kubeconfig"]["previousContext"], "blue");
    assert!(c["moved"].is_string());

    // Status, with the current context now green: found without --from.
    let out = cutover(env, &["status", "-o", "json"]);
    assert_exit(&out, 0);
    let st: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(st["blue"], "blue");
    assert_eq!(st["records"][0]["goesTo"], "green", "{st}");
    assert_eq!(st["blueFrozen"], true);
    assert_eq!(st["currentContext"], "green");
    let yaml = cutover(env, &["status", "-o", "yaml"]);
    assert_exit(&yaml, 0);
    let table = cutover(env, &["status"]);
    assert_exit(&table, 0);
    assert!(stdout(&table).contains("GOES TO"), "{}", stdout(&table));

    // A second cutover changes nothing more.
    env.reset_requests();
    let out = cutover(env, &["--freeze-blue", "--yes"]);
    assert_exit(&out, 0);
    assert!(
        !env.mutating_requests()
            .contains(&"ChangeResourceRecordSets".to_string()),
        "{:?}",
        env.mutating_requests()
    );
    assert_eq!(cutover_section(env)["freeze"]["replicas"]["ml-pipeline"], 2);

    // Its plan first: each recorded change, undone in order; nothing changed by it.
    env.reset_requests();
    let out = cutover(env, &["failback", "--dry-run", "--yes"]);
    assert_exit(&out, 0);
    let plan = stdout(&out);
    for line in plan.lines() {
        let long_word = line.split_whitespace().any(|w| w.chars().count() > 30);
        assert!(line.chars().count() <= 80 || long_word, "{line}");
    }
    view_settings(env).bind(|| insta::assert_snapshot!("failback-dry-run", plan));
    assert_eq!(env.mutating_requests(), Vec::<String>::new());

    // Failback (run from green's current context, without --from) restores all of it.
    let out = cutover(env, &["failback", "--yes"]);
    assert_exit(&out, 0);
    assert_eq!(zone_records(env, zone), before_zone);
    assert_eq!(blue_replicas(env), before_replicas);
    assert_eq!(kubeconfig(env), before_kc);
    assert_eq!(cutover_section(env)["stage"], "FailedBack");
    // Green's notebook is stopped again: a user's files are written on one side only.
    assert_eq!(green_notebook_replicas(env), 0);

    // Twice is harmless.
    env.reset_requests();
    let out = cutover(env, &["failback", "--yes"]);
    assert_exit(&out, 0);
    assert_eq!(env.mutating_requests(), Vec::<String>::new());
    assert_eq!(zone_records(env, zone), before_zone);
    assert_eq!(blue_replicas(env), before_replicas);
    assert_eq!(kubeconfig(env), before_kc);
}

#[test]
fn weight_sets_up_weighted_records_then_a_full_move_and_failback_restore_the_original() {
    let r = ready();
    let env = &r.env;
    let zone = r.blue["hosted_zone_id"].as_str().unwrap();
    let name = r.blue["dns_name"].as_str().unwrap();
    let before_zone = zone_records(env, zone);
    let before_kc = kubeconfig(env);

    let out = cutover(env, &["--to", "green", "--weight", "10", "--yes"]);
    assert_exit(&out, 0);
    let mut a = records_named(env, zone, name, "A");
    a.sort_by_key(|r| r["SetIdentifier"].as_str().unwrap().to_string());
    assert_eq!(a.len(), 2, "{a:?}");
    assert_eq!(a[0]["SetIdentifier"], "blue");
    assert_eq!(a[0]["Weight"], 90);
    assert_eq!(a[0]["AliasTarget"]["DNSName"], r.blue["alb_dns_name"]);
    assert_eq!(a[0]["AliasTarget"]["HostedZoneId"], r.blue["alb_zone_id"]);
    assert_eq!(a[1]["SetIdentifier"], "green");
    assert_eq!(a[1]["Weight"], 10);
    assert_eq!(a[1]["AliasTarget"]["DNSName"], r.green_alb_dns.as_str());
    assert_eq!(
        a[1]["AliasTarget"]["HostedZoneId"],
        r.green_alb_zone.as_str()
    );

    let out = cutover(env, &["status", "-o", "json"]);
    assert_exit(&out, 0);
    let st: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut weights: Vec<(String, i64)> = st["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["goesTo"].as_str().unwrap().into(),
                r["weight"].as_i64().unwrap(),
            )
        })
        .collect();
    weights.sort();
    assert_eq!(weights, vec![("blue".into(), 90), ("green".into(), 10)]);
    assert_eq!(st["blueFrozen"], false);

    // The rest of the way: one record to green.
    let out = cutover(env, &["--yes"]);
    assert_exit(&out, 0);
    let a = records_named(env, zone, name, "A");
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0]["AliasTarget"]["DNSName"], r.green_alb_dns.as_str());
    assert!(a[0].get("SetIdentifier").is_none());

    let out = cutover(env, &["failback", "--yes"]);
    assert_exit(&out, 0);
    assert_eq!(zone_records(env, zone), before_zone);
    assert_eq!(kubeconfig(env), before_kc);
}

#[test]
fn a_cname_named_with_dns_is_moved_and_an_ambiguous_default_is_refused() {
    let r = ready();
    let env = &r.env;
    let zone = r.blue["hosted_zone_id"].as_str().unwrap();
    let blue_alb = r.blue["alb_dns_name"].as_str().unwrap();
    let cname = "pipelines.kubeflow.example.com.";
    env.aws(
        "route53",
        "change_resource_record_sets",
        json!({"HostedZoneId": zone, "ChangeBatch": {"Changes": [{"Action": "CREATE", "ResourceRecordSet":
            {"Name": cname, "Type": "CNAME", "TTL": 60, "ResourceRecords": [{"Value": blue_alb}]}}]}}),
    );
    let before_zone = zone_records(env, zone);

    // Two records point at blue: the default is ambiguous.
    let out = cutover(env, &["check", "--to", "green"]);
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains("several records point at blue's load balancer"),
        "{}",
        stderr(&out)
    );

    let out = cutover(
        env,
        &[
            "--to",
            "green",
            "--dns",
            "pipelines.kubeflow.example.com",
            "--hosted-zone",
            zone,
            "--yes",
        ],
    );
    assert_exit(&out, 0);
    let c = records_named(env, zone, cname, "CNAME");
    assert_eq!(c.len(), 1);
    assert_eq!(
        c[0]["ResourceRecords"][0]["Value"],
        r.green_alb_dns.as_str()
    );
    assert_eq!(c[0]["TTL"], 60);
    // The alias A record was not touched.
    let a = records_named(env, zone, r.blue["dns_name"].as_str().unwrap(), "A");
    assert_eq!(a[0]["AliasTarget"]["DNSName"], blue_alb);

    let out = cutover(env, &["failback", "--yes"]);
    assert_exit(&out, 0);
    assert_eq!(zone_records(env, zone), before_zone);
}

#[test]
fn a_rejected_route53_change_after_freeze_and_resync_leaves_a_record_failback_restores() {
    let r = ready();
    let env = &r.env;
    let zone = r.blue["hosted_zone_id"].as_str().unwrap();
    let before_zone = zone_records(env, zone);
    let before_replicas = blue_replicas(env);
    let before_kc = kubeconfig(env);
    env.reset_requests();
    env.inject_fault("ChangeResourceRecordSets", 1, 400, "InvalidChangeBatch");

    let out = cutover(
        env,
        &["--to", "green", "--freeze-blue", "--resync", "--yes"],
    );
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("InvalidChangeBatch"), "{err}");
    assert!(err.contains("kubectl kf cutover failback --yes"), "{err}");
    // Blue was frozen and the clones resynced before the record change was tried.
    assert!(blue_replicas(env).iter().all(|(_, n)| *n == 0));
    let ops = env.requests()["by_operation"].clone();
    assert!(
        ops["StartTaskExecution"].as_u64().unwrap_or(0) >= 2,
        "{ops}"
    );
    assert!(ops["CreateDBSnapshot"].as_u64().unwrap_or(0) >= 1, "{ops}");
    assert_eq!(zone_records(env, zone), before_zone);
    assert_eq!(current_context(env), "blue");
    let c = cutover_section(env);
    assert_eq!(c["stage"], "Failed");
    assert!(
        c["message"]
            .as_str()
            .unwrap()
            .contains("InvalidChangeBatch"),
        "{c}"
    );
    assert_eq!(c["freeze"]["replicas"]["ml-pipeline"], 2);

    let out = cutover(env, &["failback", "--yes"]);
    assert_exit(&out, 0);
    assert_eq!(blue_replicas(env), before_replicas);
    assert_eq!(zone_records(env, zone), before_zone);
    assert_eq!(kubeconfig(env), before_kc);
    let after = env.kubectl_json("blue", &["-n", "kubeflow", "get", "deployments"]);
    for d in after["items"].as_array().unwrap() {
        let available = d["status"]["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["type"] == "Available" && c["status"] == "True");
        assert!(available, "{d}");
    }
}

const PROFILE_NS: &str = "kubeflow-user-example-com";

/// The fields freeze changes, of every writer the blue seed runs.
fn blue_writers(env: &Env) -> Value {
    let get =
        |kind: &str, name: &str| env.kubectl_json("blue", &["-n", PROFILE_NS, "get", kind, name]);
    let nb = get("notebook", "my-notebook");
    let sts = get("statefulset", "my-notebook");
    let job = get("job", "random-search-7bq4x");
    json!({
        "notebookStopped": nb["metadata"]["annotations"]["kubeflow-resource-stopped"],
        "notebookReplicas": sts["spec"]["replicas"],
        "runningRunSuspend": get("workflow", "iris-training-8k2lq")["spec"]["suspend"],
        "finishedRunSuspend": get("workflow", "xgboost-sample-1a2b3")["spec"]["suspend"],
        "nightlyEnabled": get("scheduledworkflow", "nightly-iris-training")["spec"]["enabled"],
        "weeklyEnabled": get("scheduledworkflow", "weekly-report")["spec"]["enabled"],
        "trialSuspend": job["spec"]["suspend"],
        "trialActive": job["status"]["active"],
    })
}

fn check_named(env: &Env, args: &[&str], name: &str) -> Value {
    let out = cutover(env, args);
    let checks: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}\n{}", stdout(&out), stderr(&out)));
    checks["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("no check {name}: {checks}"))
}

#[test]
fn freeze_stops_every_writer_of_blue_and_failback_restores_each_exactly() {
    let r = ready();
    let env = &r.env;
    let before = blue_writers(env);
    assert_eq!(
        before,
        json!({"notebookStopped": null, "notebookReplicas": 1, "runningRunSuspend": null,
               "finishedRunSuspend": null, "nightlyEnabled": true, "weeklyEnabled": false,
               "trialSuspend": null, "trialActive": 1})
    );

    // The quiesce report: what still writes to blue, per namespace; a warning before a freeze.
    let q = check_named(
        env,
        &["check", "--to", "green", "-o", "json"],
        "blue-quiesce",
    );
    assert_eq!(
        (q["ok"].clone(), q["warning"].clone()),
        (json!(true), json!(true)),
        "{q}"
    );
    let detail = q["detail"].as_str().unwrap();
    for want in [
        "1 running pipeline run(s) (kubeflow-user-example-com: 1)",
        "1 enabled recurring run(s) (kubeflow-user-example-com: 1)",
        "1 running notebook(s)",
        "1 running Katib trial(s)",
    ] {
        assert!(detail.contains(want), "{detail}");
    }

    // The plan names each kind of writer it stops.
    let out = cutover(env, &["--to", "green", "--freeze-blue"]);
    assert_exit(&out, 0);
    let plan = stdout(&out);
    for step in [
        "freeze-blue",
        "stop-notebooks",
        "suspend-runs",
        "disable-recurring-runs",
        "suspend-trials",
    ] {
        assert!(plan.contains(step), "{plan}");
    }
    assert_eq!(blue_writers(env), before, "the plan changed blue");

    let out = cutover(env, &["--to", "green", "--freeze-blue", "--yes"]);
    assert_exit(&out, 0);
    let frozen = blue_writers(env);
    assert!(frozen["notebookStopped"].is_string(), "{frozen}");
    assert_eq!(frozen["notebookReplicas"], 0);
    assert_eq!(frozen["runningRunSuspend"], true);
    assert_eq!(
        frozen["finishedRunSuspend"],
        Value::Null,
        "a finished run was touched"
    );
    assert_eq!(frozen["nightlyEnabled"], false);
    assert_eq!(frozen["weeklyEnabled"], false);
    assert_eq!(frozen["trialSuspend"], true);
    assert_eq!(frozen["trialActive"], 0);
    assert!(blue_replicas(env).iter().all(|(_, n)| *n == 0));
    // Every previous value was recorded.
    let f = cutover_section(env)["freeze"].clone();
    assert_eq!(
        f["notebooks"][format!("{PROFILE_NS}/my-notebook")],
        Value::Null
    );
    assert!(
        f["notebooks"]
            .as_object()
            .unwrap()
            .contains_key(&format!("{PROFILE_NS}/my-notebook"))
    );
    assert_eq!(
        f["workflows"],
        json!({format!("{PROFILE_NS}/iris-training-8k2lq"): null}),
        "{f}"
    );
    assert_eq!(
        f["scheduledWorkflows"],
        json!({format!("{PROFILE_NS}/nightly-iris-training"): true,
               format!("{PROFILE_NS}/weekly-report"): false})
    );
    assert_eq!(
        f["trialJobs"],
        json!({format!("{PROFILE_NS}/random-search-7bq4x"): null})
    );
    let q = check_named(
        env,
        &["check", "--to", "green", "-o", "json"],
        "blue-quiesce",
    );
    assert_eq!(q["ok"], true, "{q}");
    assert!(q.get("warning").is_none(), "{q}");

    // A second cutover records nothing new as "previous".
    assert_exit(&cutover(env, &["--freeze-blue", "--yes"]), 0);
    assert_eq!(cutover_section(env)["freeze"], f);

    let out = cutover(env, &["failback", "--yes"]);
    assert_exit(&out, 0);
    assert_eq!(blue_writers(env), before);
}

#[test]
fn a_resync_is_refused_on_a_blue_that_still_writes_unless_allowed() {
    let r = ready();
    let env = &r.env;
    let zone = r.blue["hosted_zone_id"].as_str().unwrap();
    let before_zone = zone_records(env, zone);
    env.reset_requests();
    let out = cutover(env, &["--to", "green", "--resync", "--yes"]);
    assert_exit(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains("--freeze-blue")
            && err.contains("--allow-live-resync")
            && err.contains("1 running pipeline run(s)"),
        "{err}"
    );
    assert_eq!(env.mutating_requests(), Vec::<String>::new());
    assert_eq!(zone_records(env, zone), before_zone);
    assert!(cutover_section(env).is_null());

    let out = cutover(
        env,
        &["--to", "green", "--resync", "--allow-live-resync", "--yes"],
    );
    assert_exit(&out, 0);
    let err = stderr(&out);
    assert!(err.contains("warning: resyncing a live blue"), "{err}");
    assert!(
        env.requests()["by_operation"]["CreateDBSnapshot"]
            .as_u64()
            .unwrap_or(0)
            >= 1
    );
}

fn put_object(env: &Env, bucket: &str, key: &str, body: &str) {
    env.aws(
        "s3",
        "put_object",
        json!({"Bucket": bucket, "Key": key, "Body": body}),
    );
}

fn object_body(env: &Env, bucket: &str, key: &str) -> Option<String> {
    let list = env.aws(
        "s3",
        "list_objects_v2",
        json!({"Bucket": bucket, "Prefix": key}),
    );
    let found = list["Contents"]
        .as_array()
        .is_some_and(|c| c.iter().any(|o| o["Key"] == key));
    found.then(|| {
        env.aws("s3", "get_object", json!({"Bucket": bucket, "Key": key}))["Body"]
            .as_str()
            .unwrap()
            .to_string()
    })
}

#[test]
fn after_a_weighted_move_a_resync_is_refused_and_failback_sync_back_carries_green_s_files_home() {
    let r = ready();
    let env = &r.env;
    let blue_bucket = r.blue["bucket"].as_str().unwrap();
    let green_bucket = record(env)["resources"]["s3.bucket"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_exit(
        &cutover(env, &["--to", "green", "--weight", "10", "--yes"]),
        0,
    );
    let rec = record(env);
    assert!(rec["greenTrafficSince"].is_string(), "{rec}");
    assert_eq!(rec["trafficOnGreen"], true);

    // Green's users write: a new run's artifact, and a changed copy of an object blue has too.
    let new_key = "artifacts/green-run-1/train/model.pkl";
    put_object(env, &green_bucket, new_key, "written on green");
    let shared = "pipelines/iris-training/pipeline.yaml";
    let blue_version = object_body(env, blue_bucket, shared).unwrap();
    put_object(env, &green_bucket, shared, "changed on green");

    // Any resync now would destroy that: refused, nothing changed.
    env.reset_requests();
    for (bin, args) in [
        (
            "kubectl-kf_cutover",
            vec!["--freeze-blue", "--resync", "--yes"],
        ),
        (
            "kubectl-kf_clone",
            vec!["--from", "blue", "--to", "green", "--resync", "--yes"],
        ),
    ] {
        let out = env.plugin(bin, &args);
        assert_exit(&out, 2);
        let err = stderr(&out);
        assert!(
            err.contains("--discard-green-writes") && err.contains("--sync-back"),
            "{err}"
        );
    }
    assert_eq!(env.mutating_requests(), Vec::<String>::new());
    assert!(object_body(env, &green_bucket, new_key).is_some());

    // Failback says what green holds that blue does not.
    let out = cutover(env, &["failback"]);
    assert_exit(&out, 0);
    let plan = stdout(&out);
    assert!(
        plan.contains("green holds 2 object(s)") && plan.contains(&green_bucket),
        "{plan}"
    );
    assert!(plan.contains("--sync-back"), "{plan}");

    let out = cutover(env, &["failback", "--sync-back", "--yes", "-o", "json"]);
    assert_exit(&out, 0);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let w = &report["greenWrites"];
    assert_eq!(w["bucket"]["objects"], 2, "{report}");
    let snapshot = w["dbSnapshot"].as_str().unwrap().to_string();
    assert!(
        snapshot.starts_with("kubeflow-db-green-failback-"),
        "{snapshot}"
    );
    let s3 = w["syncedBack"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["layer"] == "s3")
        .cloned()
        .unwrap();
    assert_eq!(s3["files"], 1, "{s3}");
    // Blue got green's new object and kept its own version of the object both had.
    assert_eq!(
        object_body(env, blue_bucket, new_key).as_deref(),
        Some("written on green")
    );
    assert_eq!(object_body(env, blue_bucket, shared), Some(blue_version));
    // Green's DB is kept as a snapshot, tagged and recorded.
    let snap = env.db_snapshot(&snapshot);
    assert_eq!(snap["Status"], "available");
    assert_eq!(snap["DBInstanceIdentifier"], "kubeflow-db-green");
    let rec = record(env);
    assert!(
        rec["resources"]
            .as_object()
            .unwrap()
            .values()
            .any(|r| r["id"] == snapshot.as_str() && r["phase"] == "Completed"),
        "{rec}"
    );
    assert_eq!(rec.get("trafficOnGreen"), None);
    // Nothing of green was deleted.
    assert!(object_body(env, &green_bucket, new_key).is_some());
}

#[test]
fn discarding_green_writes_replaces_green_s_db_only_after_a_final_snapshot() {
    let r = ready();
    let env = &r.env;
    let green_bucket = record(env)["resources"]["s3.bucket"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_exit(
        &cutover(env, &["--to", "green", "--weight", "10", "--yes"]),
        0,
    );
    let new_key = "artifacts/green-run-1/train/model.pkl";
    put_object(env, &green_bucket, new_key, "written on green");

    let out = cutover(
        env,
        &[
            "--freeze-blue",
            "--resync",
            "--discard-green-writes",
            "--yes",
        ],
    );
    assert_exit(&out, 0);
    // Green's DB before the replacement is kept, named and recorded.
    let final_name = "kubeflow-db-green-final-r0";
    let snap = env.db_snapshot(final_name);
    assert_eq!(snap["DBInstanceIdentifier"], "kubeflow-db-green", "{snap}");
    let rec = record(env);
    assert_eq!(rec["resources"]["rds.final-snapshot.r0"]["id"], final_name);
    assert_eq!(
        rec["resources"]["rds.final-snapshot.r0"]["phase"],
        "Completed"
    );
    // The resync made green a copy of blue again, as asked: the green-only object is gone.
    assert_eq!(object_body(env, &green_bucket, new_key), None);
    let db = env.db_instance("kubeflow-db-green").clone();
    assert_eq!(db["DBInstanceStatus"], "available");
    assert_eq!(
        rec["clones"]["db"]["restoredFrom"],
        "kf-green-kubeflow-db-r1"
    );
}

#[test]
fn check_fails_when_green_lacks_something_blue_has_and_changes_nothing() {
    let r = ready();
    let env = &r.env;
    let out = env.kubectl(&[
        "--context",
        "green",
        "-n",
        PROFILE_NS,
        "delete",
        "notebook",
        "my-notebook",
    ]);
    assert_exit(&out, 0);
    let zone = r.blue["hosted_zone_id"].as_str().unwrap();
    let before = zone_records(env, zone);
    let out = cutover(env, &["check", "--to", "green"]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("carried: carried ")
            && err.contains("k8s Notebook/kubeflow-user-example-com/my-notebook"),
        "{err}"
    );
    assert_eq!(zone_records(env, zone), before);
}
