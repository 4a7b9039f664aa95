//! `kubectl kf migrate` end to end: a blue with several profiles (contributors, PodDefaults,
//! notebooks, IRSA service accounts, kfp-launcher, user Secrets, claims on EFS through access
//! points and on static directories, one claim on EBS) carried onto green by the real command,
//! then `kf verify` says carried M/M; an object deleted on green is named and verify exits 1;
//! migrate again puts it back and changes nothing else.

use kf_e2e::*;
use serde_json::{Value, json};

const TEAM: &str = "team-vision";

fn get(env: &Env, ctx: &str, args: &[&str]) -> Value {
    env.kubectl_json(ctx, &[&["get"], args, &["-o", "json"]].concat())
}

fn annotation<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v["metadata"]["annotations"][key].as_str()
}

/// Every object of the carried kinds in blue's profile namespaces, without what servers set:
/// to show migrate leaves blue as it was.
fn blue_state(env: &Env) -> Value {
    let mut all = Vec::new();
    for kind in [
        "profiles",
        "poddefaults",
        "notebooks",
        "serviceaccounts",
        "rolebindings",
        "configmaps",
        "secrets",
        "persistentvolumeclaims",
        "persistentvolumes",
    ] {
        for mut i in get(env, "blue", &[kind, "-A"])["items"]
            .as_array()
            .unwrap()
            .clone()
        {
            let name = i["metadata"]["name"].as_str().unwrap_or_default();
            // The upgrade record lives on blue and is migrate's to write.
            if name.starts_with("kf-upgrade-") {
                continue;
            }
            i["metadata"]["managedFields"].take();
            all.push(i);
        }
    }
    Value::Array(all)
}

/// The objects that differ, by kind/namespace/name (not the whole dump).
fn changed(before: &Value, after: &Value) -> Vec<String> {
    let id = |v: &Value| {
        format!(
            "{}/{}/{}",
            v["kind"].as_str().unwrap_or_default(),
            v["metadata"]["namespace"].as_str().unwrap_or_default(),
            v["metadata"]["name"].as_str().unwrap_or_default()
        )
    };
    let (b, a) = (before.as_array().unwrap(), after.as_array().unwrap());
    let mut out: Vec<String> = b.iter().filter(|x| !a.contains(x)).map(id).collect();
    out.extend(
        a.iter()
            .filter(|x| !b.contains(x))
            .map(|x| format!("+{}", id(x))),
    );
    out
}

#[test]
fn migrate_carries_every_profile_object_and_claim_then_verify_says_m_of_m_and_names_a_loss() {
    let ready = ready_to_migrate(&["--teams", "2"], |_, _| {});
    let env = &ready.env;
    let rec = record(env);
    let green_bucket = rec["clones"]["bucket"]["name"]
        .as_str()
        .unwrap()
        .to_string();
    let green_fs = rec["clones"]["efs"]["to"].as_str().unwrap().to_string();
    let blue_bucket = ready.blue["bucket"].as_str().unwrap();

    // The plan, and nothing changed by it.
    env.reset_requests();
    let out = migrate(env, &["--dry-run"]);
    assert_exit(&out, 0);
    let plan = stdout(&out);
    for line in plan.lines() {
        assert!(line.chars().count() <= 80, "{line}");
    }
    assert!(plan.contains("create stopped"), "{plan}");
    assert!(plan.contains("clone EBS"), "{plan}");
    assert!(!plan.contains("hf_not_a_real_token"), "{plan}");
    view_settings(env).bind(|| insta::assert_snapshot!("migrate-dry-run", plan));
    assert_eq!(env.mutating_requests(), Vec::<String>::new());
    assert!(!env.k8s_exists("green", &["namespace", TEAM]));
    let out = migrate(env, &["--dry-run", "-o", "json"]);
    let steps: Value = serde_json::from_slice(&out.stdout).unwrap();
    let order: Vec<&str> = steps["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    let first_other = order.iter().position(|k| *k != "Profile").unwrap();
    assert!(
        order[first_other..].iter().all(|k| *k != "Profile"),
        "Profiles first: {order:?}"
    );

    let before = blue_state(env);
    let out = migrate(env, &[]);
    assert_exit(&out, 0);
    let table = stdout(&out);
    assert!(table.contains("0 failed"), "{table}");
    assert!(table.contains("kubectl kf verify"), "{table}");
    assert!(!table.contains("hf_not_a_real_token"), "{table}");
    assert!(!stderr(&out).contains("hf_not_a_real_token"));
    assert_eq!(
        changed(&before, &blue_state(env)),
        Vec::<String>::new(),
        "migrate changed blue"
    );

    // Profiles, and namespaces the profile controller made (owned by the Profile).
    for ns in [PROFILE_NS, "team-vision", "team-nlp"] {
        let p = get(env, "green", &["profile", ns]);
        let blue_p = get(env, "blue", &["profile", ns]);
        assert_eq!(p["spec"], blue_p["spec"], "{ns}");
        let n = get(env, "green", &["namespace", ns]);
        assert_eq!(
            n["metadata"]["ownerReferences"][0]["kind"], "Profile",
            "{ns}"
        );
    }
    // Objects: copied, IRSA mapped, notebook stopped, KFP's ConfigMap on green's bucket.
    let sa = get(
        env,
        "green",
        &["-n", TEAM, "serviceaccount", "pipeline-runner"],
    );
    let green_role = rec["greenRoles"][0]["green"].as_str().unwrap();
    assert_eq!(
        annotation(&sa, "eks.amazonaws.com/role-arn"),
        Some(green_role)
    );
    let nb = get(env, "green", &["-n", TEAM, "notebook", "workbench"]);
    assert!(
        annotation(&nb, "kubeflow-resource-stopped").is_some(),
        "{nb}"
    );
    let sts = get(env, "green", &["-n", TEAM, "statefulset", "workbench"]);
    assert_eq!(sts["spec"]["replicas"], 0);
    let launcher = get(env, "green", &["-n", TEAM, "configmap", "kfp-launcher"]);
    assert_eq!(
        launcher["data"]["defaultPipelineRoot"],
        format!("s3://{green_bucket}/v2/artifacts/{TEAM}")
    );
    assert!(
        !launcher
            .to_string()
            .contains(&format!("s3://{blue_bucket}/"))
    );
    let secret = |ctx| get(env, ctx, &["-n", TEAM, "secret", "hf-token"])["data"].clone();
    assert_eq!(secret("green"), secret("blue"));
    for (kind, name) in [
        ("poddefault", "access-ml-pipeline"),
        ("rolebinding", "user-dev0-example-com-clusterrole-edit"),
        (
            "authorizationpolicy",
            "user-dev0-example-com-clusterrole-edit",
        ),
    ] {
        assert!(env.k8s_exists("green", &["-n", TEAM, kind, name]), "{kind}");
    }

    // EFS claims: bound to green's file system, the access-point one through a copy of blue's.
    let bound_volume = |ns: &str, claim: &str| {
        let c = get(env, "green", &["-n", ns, "pvc", claim]);
        assert_eq!(c["status"]["phase"], "Bound", "{ns}/{claim}: {c}");
        get(
            env,
            "green",
            &["pv", c["spec"]["volumeName"].as_str().unwrap()],
        )
    };
    let ws = bound_volume(TEAM, "workspace");
    let handle = ws["spec"]["csi"]["volumeHandle"].as_str().unwrap();
    assert!(
        handle.starts_with(&format!("{green_fs}::fsap-")),
        "{handle}"
    );
    let ds = bound_volume(TEAM, "datasets");
    assert_eq!(
        ds["spec"]["csi"]["volumeHandle"],
        format!("{green_fs}:/datasets/{TEAM}")
    );
    assert_eq!(ds["spec"]["persistentVolumeReclaimPolicy"], "Retain");

    // The EBS claim: a tagged snapshot of blue's volume, a volume from it in a zone green's
    // nodegroups use, a PV pinned to that zone.
    let blue_volume = ready.blue["ebs_volume_id"].as_str().unwrap();
    let pv = bound_volume(TEAM, "scratch");
    assert_eq!(pv["spec"]["csi"]["driver"], "ebs.csi.aws.com");
    let green_volume = pv["spec"]["csi"]["volumeHandle"].as_str().unwrap();
    assert_ne!(green_volume, blue_volume);
    let zone = pv["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]["matchExpressions"]
        [0]["values"][0]
        .as_str()
        .unwrap()
        .to_string();
    let v = env.aws(
        "ec2",
        "describe_volumes",
        json!({"VolumeIds": [green_volume]}),
    )["Volumes"][0]
        .clone();
    assert_eq!(v["AvailabilityZone"], zone);
    assert_eq!(v["Size"], 20);
    let snapshot = v["SnapshotId"].as_str().unwrap();
    let s = env.aws(
        "ec2",
        "describe_snapshots",
        json!({"SnapshotIds": [snapshot]}),
    )["Snapshots"][0]
        .clone();
    assert_eq!(s["VolumeId"], blue_volume);
    let tags = tag_pairs(&s["Tags"]);
    assert!(
        tags.contains(&("kubeflow.org/upgrade".into(), "green".into())),
        "{tags:?}"
    );
    let subnets = ready.env.aws(
        "ec2",
        "describe_subnets",
        json!({"Filters": [{"Name": "availability-zone", "Values": [zone]}]}),
    );
    assert!(
        !subnets["Subnets"].as_array().unwrap().is_empty(),
        "zone {zone}"
    );
    // In-cluster components' claims would be skipped by name; none here. The record says so.
    let rec = record(env);
    assert_eq!(rec["resources"]["migrate"]["phase"], "Completed");
    assert_eq!(
        rec["resources"][format!("migrate.ebs.{TEAM}/scratch")]["phase"],
        "Completed"
    );

    // Verify: everything carried.
    let out = env.kf(&["verify", "--from", "blue", "--to", "green"]);
    let table = stdout(&out);
    assert_exit(&out, 0);
    let last = table.lines().last().unwrap();
    let (n, m) = last
        .strip_prefix("carried ")
        .and_then(|s| s.split_once('/'))
        .unwrap_or_else(|| panic!("{table}"));
    assert_eq!(n, m, "{table}");
    for name in [
        "PersistentVolumeClaim/team-vision/scratch",
        "PersistentVolumeClaim/team-nlp/workspace",
        "Notebook/team-nlp/workbench",
        "RoleBinding/team-nlp/user-dev1-example-com-clusterrole-edit",
    ] {
        assert!(table.contains(name), "{name} not in\n{table}");
    }

    // Run again: nothing to do, nothing written, not one AWS write.
    env.reset_requests();
    let out = migrate(env, &[]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("0 created"), "{}", stdout(&out));
    assert_eq!(env.mutating_requests(), Vec::<String>::new());

    // One object lost on green: verify names it and exits 1; migrate puts it back.
    let out = env.kubectl(&[
        "--context",
        "green",
        "-n",
        "team-nlp",
        "delete",
        "poddefault",
        "access-ml-pipeline",
    ]);
    assert_exit(&out, 0);
    let out = env.kf(&["verify", "--from", "blue", "--to", "green"]);
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains("PodDefault/team-nlp/access-ml-pipeline"),
        "{}",
        stderr(&out)
    );
    let out = migrate(env, &["--namespace", "team-nlp"]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("1 created"), "{}", stdout(&out));
    let out = env.kf(&["verify", "--from", "blue", "--to", "green"]);
    assert_exit(&out, 0);
}

#[test]
fn a_namespace_made_on_green_before_its_profile_is_refused_before_anything_is_written() {
    let ready = ready_to_migrate(&["--teams", "1"], |_, _| {});
    let env = &ready.env;
    env.apply(
        "green",
        &[json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": TEAM}})],
    );
    let rec_before = record(env);
    env.reset_requests();
    let out = migrate(env, &[]);
    assert_exit(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains("not owned by profile creator lead0@example.com"),
        "{err}"
    );
    assert!(err.contains("--exclude-namespace team-vision"), "{err}");
    assert_eq!(record(env), rec_before);
    assert!(!env.k8s_exists("green", &["profile", PROFILE_NS]));
    assert_eq!(env.mutating_requests(), Vec::<String>::new());

    // Left out, the others are carried.
    let out = migrate(env, &["--exclude-namespace", TEAM]);
    assert_exit(&out, 0);
    assert!(env.k8s_exists("green", &["profile", PROFILE_NS]));
    assert!(!env.k8s_exists("green", &["profile", TEAM]));
}

#[test]
fn ebs_skip_lists_the_claim_not_carried_with_size_and_namespace() {
    let ready = ready_to_migrate(&["--teams", "1"], |_, _| {});
    let env = &ready.env;
    let out = migrate(env, &["--ebs", "skip", "--namespace", TEAM]);
    assert_exit(&out, 0);
    let table = stdout(&out);
    assert!(table.contains("Not carried"), "{table}");
    assert!(table.contains("team-vision/scratch"), "{table}");
    assert!(table.contains("20 GiB"), "{table}");
    assert!(!env.k8s_exists("green", &["-n", TEAM, "pvc", "scratch"]));
    let snaps = env.aws(
        "ec2",
        "describe_snapshots",
        json!({"Filters": [{"Name": "tag:kubeflow.org/upgrade", "Values": ["green"]}]}),
    );
    assert_eq!(snaps["Snapshots"].as_array().map(Vec::len), Some(0));
    // Only the namespace asked for.
    assert!(!env.k8s_exists("green", &["profile", PROFILE_NS]));
}

#[test]
fn a_failed_claim_stops_nothing_else_a_rerun_finishes_it_and_abort_removes_what_migrate_made() {
    let ready = ready_to_migrate(&["--teams", "1"], |_, _| {});
    let env = &ready.env;
    // CreateVolume refused once, after the snapshot was taken: that claim fails, named; the
    // rest is carried.
    env.inject_fault("CreateVolume", 1, 400, "UnauthorizedOperation");
    let out = migrate(env, &["--namespace", TEAM]);
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains("migrate.persistentvolumeclaim.team-vision/scratch"),
        "{}",
        stderr(&out)
    );
    assert!(env.k8s_exists("green", &["-n", TEAM, "pvc", "workspace"]));
    assert!(!env.k8s_exists("green", &["-n", TEAM, "pvc", "scratch"]));
    assert_eq!(record(env)["resources"]["migrate"]["phase"], "Failed");
    // Run again: only the claim is done, from the snapshot already taken.
    let out = migrate(env, &["--namespace", TEAM]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("1 created"), "{}", stdout(&out));
    let ours = |op: &str, key: &str| -> usize {
        env.aws(
            "ec2",
            op,
            json!({"Filters": [{"Name": "tag:kubeflow.org/upgrade", "Values": ["green"]}]}),
        )[key]
            .as_array()
            .map(Vec::len)
            .unwrap_or(0)
    };
    assert_eq!(
        (
            ours("describe_volumes", "Volumes"),
            ours("describe_snapshots", "Snapshots")
        ),
        (1, 1)
    );
    let out = env.kf(&["abort", "--from", "blue", "--to", "green", "--yes"]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("EBSVolume"), "{}", stdout(&out));
    assert_eq!(
        (
            ours("describe_volumes", "Volumes"),
            ours("describe_snapshots", "Snapshots")
        ),
        (1, 0)
    );
    let out = env.kf(&[
        "abort",
        "--from",
        "blue",
        "--to",
        "green",
        "--yes",
        "--delete-data",
    ]);
    assert_exit(&out, 0);
    assert_eq!(ours("describe_volumes", "Volumes"), 0);
    // Blue's volume is blue's.
    let blue_volume = ready.blue["ebs_volume_id"].as_str().unwrap();
    let v = env.aws(
        "ec2",
        "describe_volumes",
        json!({"VolumeIds": [blue_volume]}),
    );
    assert_eq!(v["Volumes"].as_array().map(Vec::len), Some(1));
}
