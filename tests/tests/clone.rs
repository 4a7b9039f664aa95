//! `kubectl kf clone` end to end: the binary against emulated AWS and Kubernetes, asserting on
//! what the emulators hold afterwards.

use std::time::Duration;

use kf_e2e::*;
use serde_json::{Value, json};

fn seeded() -> (Env, Value) {
    let env = Env::start();
    let blue = env.seed_blue();
    env.seed_green();
    (env, blue)
}

fn clone(env: &Env, args: &[&str]) -> std::process::Output {
    env.plugin("kubectl-kf_clone", args)
}

fn record(env: &Env) -> Value {
    let out = env.kf(&["status", "--to", "green", "-o", "json"]);
    assert_exit(&out, 0);
    serde_json::from_slice(&out.stdout).unwrap()
}

fn tags_of(v: &Value) -> Vec<(String, String)> {
    v.as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|t| {
            (
                t["Key"].as_str().unwrap_or_default().to_string(),
                t["Value"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn has_upgrade_tag(tags: &Value) -> bool {
    tags_of(tags).contains(&("kubeflow.org/upgrade".into(), "green".into()))
}

#[test]
fn clone_copies_rds_s3_and_efs_into_green_and_a_second_run_creates_nothing() {
    let (env, blue) = seeded();
    let blue_state = env.aws_state();
    let out = clone(&env, &["--to", "green", "-o", "json"]);
    assert_exit(&out, 0);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    for (k, r) in report["resources"].as_object().unwrap() {
        assert_eq!(r["phase"], "Completed", "{k}: {r}");
    }

    // RDS: a tagged snapshot of blue, restored into green's VPC like blue.
    let snaps = env.aws(
        "rds",
        "describe_db_snapshots",
        json!({"DBSnapshotIdentifier": "kf-green-kubeflow-db"}),
    );
    let snap = &snaps["DBSnapshots"][0];
    assert_eq!(snap["DBInstanceIdentifier"], blue["db_instance_identifier"]);
    let snap_tags = env.aws(
        "rds",
        "list_tags_for_resource",
        json!({"ResourceName": snap["DBSnapshotArn"]}),
    );
    assert!(has_upgrade_tag(&snap_tags["TagList"]), "{snap_tags}");
    let blue_db = env.db_instance(blue["db_instance_identifier"].as_str().unwrap());
    let green_db = env.db_instance("kubeflow-db-green");
    assert_eq!(green_db["DBInstanceStatus"], "available");
    assert_eq!(green_db["DBInstanceClass"], blue_db["DBInstanceClass"]);
    assert_eq!(green_db["StorageType"], blue_db["StorageType"]);
    assert_eq!(green_db["MultiAZ"], blue_db["MultiAZ"]);
    assert_eq!(green_db["PubliclyAccessible"], false);
    assert_eq!(green_db["DeletionProtection"], true);
    assert_eq!(green_db["DBSubnetGroup"]["DBSubnetGroupName"], "kf-green");
    let green_cluster =
        env.aws("eks", "describe_cluster", json!({"name": "green"}))["cluster"].clone();
    assert_eq!(
        green_db["DBSubnetGroup"]["VpcId"],
        green_cluster["resourcesVpcConfig"]["vpcId"]
    );
    // In a group of its own, not EKS's cluster security group (see clone_rds.rs).
    assert_ne!(
        green_db["VpcSecurityGroups"][0]["VpcSecurityGroupId"],
        green_cluster["resourcesVpcConfig"]["clusterSecurityGroupId"]
    );
    assert_ne!(
        green_db["Endpoint"]["Address"],
        blue_db["Endpoint"]["Address"]
    );
    // Green's credentials: blue's, with green's host; the password is printed nowhere.
    let blue_secret: Value = env.secret_json("rds-secret");
    let green_secret: Value = env.secret_json("rds-secret-green");
    assert_eq!(green_secret["host"], green_db["Endpoint"]["Address"]);
    assert_eq!(green_secret["password"], blue_secret["password"]);
    let password = blue_secret["password"].as_str().unwrap();
    assert!(
        !stdout(&out).contains(password) && !stderr(&out).contains(password),
        "the DB password leaked"
    );

    // S3: green's bucket configured like blue's, holding blue's objects.
    let bucket = blue["bucket"].as_str().unwrap();
    let green_bucket = "kf-artifacts-blue-green";
    let keys = |b: &str| -> Vec<String> {
        let mut k: Vec<String> = env.aws("s3", "list_objects_v2", json!({"Bucket": b}))["Contents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["Key"].as_str().unwrap().to_string())
            .collect();
        k.sort();
        k
    };
    assert!(!keys(bucket).is_empty());
    assert_eq!(keys(green_bucket), keys(bucket));
    for (op, field) in [
        ("get_bucket_encryption", "ServerSideEncryptionConfiguration"),
        ("get_bucket_versioning", "Status"),
        ("get_public_access_block", "PublicAccessBlockConfiguration"),
    ] {
        assert_eq!(
            env.aws("s3", op, json!({"Bucket": green_bucket}))[field],
            env.aws("s3", op, json!({"Bucket": bucket}))[field],
            "{op}"
        );
    }
    // The DataSync role's policy names exactly the two buckets.
    let policy = env.aws(
        "iam",
        "get_role_policy",
        json!({"RoleName": "kf-datasync-green", "PolicyName": "kf-datasync-buckets"}),
    );
    let doc = policy["PolicyDocument"].to_string();
    assert!(
        doc.contains(&format!("arn:aws:s3:::{bucket}"))
            && doc.contains(&format!("arn:aws:s3:::{green_bucket}")),
        "{doc}"
    );
    let mut resources: Vec<String> = policy["PolicyDocument"]["Statement"][0]["Resource"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_string())
        .collect();
    resources.sort();
    assert_eq!(resources.len(), 4, "{resources:?}");
    // Tasks: changed files only, verified, deletions mirrored.
    let rec = record(&env);
    for task in ["s3.task", "efs.task"] {
        let t = env.aws(
            "datasync",
            "describe_task",
            json!({"TaskArn": rec["resources"][task]["id"]}),
        );
        assert_eq!(t["Options"]["TransferMode"], "CHANGED", "{task}");
        assert_eq!(t["Options"]["PreserveDeletedFiles"], "REMOVE", "{task}");
        assert_ne!(t["Options"]["VerifyMode"], "NONE", "{task}");
    }

    // EFS: green's own encrypted file system; locations in subnets whose AZ has a mount target.
    let green_fs = rec["resources"]["efs.filesystem"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(green_fs, blue["efs_id"].as_str().unwrap());
    let fs = &env.aws(
        "efs",
        "describe_file_systems",
        json!({"FileSystemId": green_fs}),
    )["FileSystems"][0];
    assert_eq!(fs["Encrypted"], true);
    assert!(has_upgrade_tag(&fs["Tags"]), "{fs}");
    for (loc, fs_id) in [
        ("efs.source", blue["efs_id"].as_str().unwrap()),
        ("efs.destination", green_fs.as_str()),
    ] {
        let l = env.aws(
            "datasync",
            "describe_location_efs",
            json!({"LocationArn": rec["resources"][loc]["id"]}),
        );
        let subnet_arn = l["Ec2Config"]["SubnetArn"].as_str().unwrap();
        let subnet_id = subnet_arn.rsplit('/').next().unwrap();
        let az = env.aws("ec2", "describe_subnets", json!({"SubnetIds": [subnet_id]}))["Subnets"]
            [0]["AvailabilityZone"]
            .clone();
        let mts = env.aws(
            "efs",
            "describe_mount_targets",
            json!({"FileSystemId": fs_id}),
        );
        assert!(
            mts["MountTargets"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["AvailabilityZoneName"] == az),
            "{loc}: no mount target of {fs_id} in {az}"
        );
    }

    // Blue is read-only: nothing of blue's changed (only new things were added).
    let after = env.aws_state();
    for kind in [
        "db_instances",
        "buckets",
        "file_systems",
        "secrets",
        "db_snapshots",
    ] {
        for id in blue_state[kind].as_array().unwrap() {
            assert!(
                after[kind].as_array().unwrap().contains(id),
                "{kind} {id} vanished"
            );
        }
    }
    assert_eq!(blue_db["DBInstanceStatus"], "available");

    // Second run: reports everything done and creates nothing.
    env.reset_requests();
    let out = clone(&env, &["--to", "green"]);
    assert_exit(&out, 0);
    assert_eq!(
        env.mutating_requests(),
        Vec::<String>::new(),
        "the second run changed something"
    );
    assert_eq!(env.aws_state(), after);
    assert!(
        !stdout(&out).contains("InProgress") && !stdout(&out).contains("Failed"),
        "{}",
        stdout(&out)
    );

    // A DataSync role left with a stale policy (an earlier upgrade's buckets) is rewritten.
    let stale = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*",
        "Resource": ["arn:aws:s3:::old-bucket", "arn:aws:s3:::old-bucket/*"]}]});
    env.aws("iam", "put_role_policy", json!({"RoleName": "kf-datasync-green", "PolicyName": "kf-datasync-buckets", "PolicyDocument": stale.to_string()}));
    assert_exit(&clone(&env, &["--to", "green"]), 0);
    let doc = env.aws(
        "iam",
        "get_role_policy",
        json!({"RoleName": "kf-datasync-green", "PolicyName": "kf-datasync-buckets"}),
    )["PolicyDocument"]
        .to_string();
    assert!(
        !doc.contains("old-bucket") && doc.contains(green_bucket),
        "{doc}"
    );
}

#[test]
fn dry_run_prints_the_plan_and_changes_nothing() {
    let (env, _blue) = seeded();
    let before = env.aws_state();
    let cms_before = env.kubectl_json("blue", &["get", "configmaps", "-n", "kubeflow"]);
    env.reset_requests();
    let out = clone(&env, &["--to", "green", "--dry-run"]);
    assert_exit(&out, 0);
    let plan = stdout(&out);
    for step in [
        "rds.snapshot",
        "rds.instance",
        "s3.bucket",
        "s3.execution",
        "efs.execution",
        "kubeflow-db-green",
        "kf-artifacts-blue-green",
    ] {
        assert!(plan.contains(step), "plan lacks {step}:\n{plan}");
    }
    assert_eq!(env.mutating_requests(), Vec::<String>::new());
    assert_eq!(env.aws_state(), before);
    let cms_after = env.kubectl_json("blue", &["get", "configmaps", "-n", "kubeflow"]);
    assert_eq!(
        cms_after["items"].as_array().unwrap().len(),
        cms_before["items"].as_array().unwrap().len(),
        "a record was written"
    );
    let out = clone(&env, &["--to", "green", "--dry-run", "-o", "json"]);
    assert_exit(&out, 0);
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["steps"].as_array().unwrap().len(), 17);
}

#[test]
fn killed_mid_flight_it_resumes_without_duplicates() {
    let env = Env::start_with(&[
        ("rds_snapshot", 4),
        ("rds_instance", 4),
        ("datasync_execution", 4),
    ]);
    env.seed_blue();
    env.seed_green();
    let mut child = env
        .command(env.bin_dir.join("kubectl-kf_clone"))
        .args(["--to", "green"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once the snapshot and the executions are pending in the emulator.
    eventually(Duration::from_secs(60), "the clone to be under way", || {
        let s = env.aws_state();
        (s["db_snapshots"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x == "kf-green-kubeflow-db")
            && s["executions"].as_array().unwrap().len() >= 2)
            .then_some(())
    });
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let out = clone(&env, &["--to", "green"]);
    assert_exit(&out, 0);
    let s = env.aws_state();
    let count = |kind: &str, pred: &dyn Fn(&str) -> bool| {
        s[kind]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| pred(x.as_str().unwrap()))
            .count()
    };
    assert_eq!(
        count("db_snapshots", &|x| x.starts_with("kf-green")),
        1,
        "{s}"
    );
    assert_eq!(count("db_instances", &|x| x.ends_with("-green")), 1, "{s}");
    assert_eq!(count("buckets", &|x| x.ends_with("-green")), 1, "{s}");
    assert_eq!(count("roles", &|x| x.starts_with("kf-datasync")), 1, "{s}");
    assert_eq!(s["locations"].as_array().unwrap().len(), 4, "{s}");
    assert_eq!(s["tasks"].as_array().unwrap().len(), 2, "{s}");
    assert_eq!(s["executions"].as_array().unwrap().len(), 2, "{s}");
    assert_eq!(s["file_systems"].as_array().unwrap().len(), 2, "{s}");
    let rec = record(&env);
    for (k, r) in rec["resources"].as_object().unwrap() {
        assert_eq!(r["phase"], "Completed", "{k}: {r}");
    }
}

#[test]
fn injected_server_errors_and_throttling_are_retried() {
    let (env, _blue) = seeded();
    env.inject_fault("CreateDBSnapshot", 2, 500, "InternalFailure");
    env.inject_fault("StartTaskExecution", 2, 400, "ThrottlingException");
    env.inject_fault("CreateFileSystem", 1, 503, "ServiceUnavailable");
    env.inject_fault("DescribeDBInstances", 2, 400, "Throttling");
    let out = clone(&env, &["--to", "green"]);
    assert_exit(&out, 0);
    let r = env.requests();
    assert!(
        r["by_operation"]["CreateDBSnapshot"].as_u64().unwrap() >= 3,
        "{r}"
    );
    assert!(
        r["by_operation"]["StartTaskExecution"].as_u64().unwrap() >= 4,
        "{r}"
    );
    let s = env.aws_state();
    assert!(
        s["db_instances"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x == "kubeflow-db-green")
    );
}

#[test]
fn a_failed_execution_fails_its_stream_only_and_a_rerun_retries_only_that() {
    let (env, blue) = seeded();
    env.aws_control(
        "faults",
        json!({"operation": "DataSyncExecution", "match": blue["bucket"], "count": 1, "code": "S3AccessDenied", "message": "injected: access denied"}),
    );
    let out = clone(&env, &["--to", "green"]);
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains("bucket") && stderr(&out).contains("injected"),
        "{}",
        stderr(&out)
    );
    let rec = record(&env);
    assert_eq!(rec["resources"]["s3.execution"]["phase"], "Failed");
    assert!(
        rec["resources"]["s3.execution"]["message"]
            .as_str()
            .unwrap()
            .contains("injected")
    );
    assert_eq!(rec["resources"]["rds.instance"]["phase"], "Completed");
    assert_eq!(rec["resources"]["efs.execution"]["phase"], "Completed");

    env.reset_requests();
    let out = clone(&env, &["--to", "green"]);
    assert_exit(&out, 0);
    let mut ops = env.mutating_requests();
    ops.sort();
    assert_eq!(
        ops,
        vec!["StartTaskExecution"],
        "the re-run did more than retry the failed copy"
    );
    assert_eq!(env.requests()["by_operation"]["StartTaskExecution"], 1);
    assert_eq!(
        record(&env)["resources"]["s3.execution"]["phase"],
        "Completed"
    );
}

#[test]
fn refuses_targets_that_are_blue_resources() {
    let (env, blue) = seeded();
    // A "green" context that is really blue's cluster.
    let kc = std::fs::read_to_string(&env.kubeconfig).unwrap().replace(
        "contexts:\n",
        "contexts:\n- name: blue-again\n  context:\n    cluster: green\n    user: blue\n",
    );
    std::fs::write(&env.kubeconfig, kc).unwrap();
    env.reset_requests();
    let out = clone(&env, &["--to", "blue-again"]);
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains("same EKS cluster"),
        "{}",
        stderr(&out)
    );
    assert_eq!(env.mutating_requests(), Vec::<String>::new());

    // Green's recorded file system is blue's (a mistaken `kf storage efs`): refused before anything is made.
    let record = format!(
        "blue: blue\ngreen: green\nresources:\n  efs.filesystem:\n    kind: FileSystem\n    id: {}\n    phase: Completed\n    updated: 2026-01-01T00:00:00Z\n",
        blue["efs_id"].as_str().unwrap()
    );
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "kf-upgrade-green", "namespace": "kubeflow",
            "labels": {"app.kubernetes.io/managed-by": "kubectl-kf", "kubeflow.org/upgrade": "green"}},
        "data": {"record.yaml": record}});
    let file = env.dir.path().join("rec.json");
    std::fs::write(&file, cm.to_string()).unwrap();
    assert_exit(
        &env.kubectl(&["--context", "blue", "apply", "-f", file.to_str().unwrap()]),
        0,
    );
    let before = env.aws_state();
    env.reset_requests();
    let out = clone(&env, &["--to", "green"]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("EFS file system"), "{}", stderr(&out));
    assert_eq!(env.mutating_requests(), Vec::<String>::new());
    assert_eq!(env.aws_state(), before);
}

#[test]
fn missing_blue_storage_names_what_was_looked_at_and_the_override() {
    let (env, _blue) = seeded();
    assert_exit(
        &env.kubectl(&[
            "--context",
            "blue",
            "-n",
            "kubeflow",
            "patch",
            "configmap",
            "pipeline-install-config",
            "--type=json",
            "-p",
            r#"[{"op":"remove","path":"/data/bucketName"}]"#,
        ]),
        0,
    );
    let out = clone(&env, &["--to", "green", "--only", "bucket"]);
    assert_exit(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains("pipeline-install-config") && err.contains("--bucket"),
        "{err}"
    );
    let out = clone(
        &env,
        &["--to", "green", "--only", "db", "--db-instance", "nope"],
    );
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("--db-instance"), "{}", stderr(&out));
    // --only limits the work: the bucket alone, with the override.
    let out = clone(
        &env,
        &[
            "--to",
            "green",
            "--only",
            "bucket",
            "--bucket",
            "kf-artifacts-blue",
        ],
    );
    assert_exit(&out, 0);
    let s = env.aws_state();
    assert!(
        s["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b == "kf-artifacts-blue-green")
    );
    assert!(
        !s["db_snapshots"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b.as_str().unwrap().starts_with("kf-green"))
    );
}

#[test]
fn resync_copies_what_changed_and_replaces_the_db_only_with_yes() {
    let (env, blue) = seeded();
    assert_exit(&clone(&env, &["--to", "green"]), 0);
    let bucket = blue["bucket"].as_str().unwrap();
    env.aws(
        "s3",
        "put_object",
        json!({"Bucket": bucket, "Key": "pipelines/new-after-clone.yaml", "Body": "x"}),
    );

    env.reset_requests();
    let out = clone(&env, &["--to", "green", "--resync"]);
    assert_exit(&out, 0);
    assert!(stderr(&out).contains("pass --yes"), "{}", stderr(&out));
    let ops = env.mutating_requests();
    assert!(
        !ops.iter()
            .any(|o| o.contains("DBInstance") || o.contains("DBSnapshot")),
        "{ops:?}"
    );
    let objects = env.aws(
        "s3",
        "list_objects_v2",
        json!({"Bucket": "kf-artifacts-blue-green"}),
    );
    assert!(
        objects.to_string().contains("new-after-clone.yaml"),
        "{objects}"
    );

    let out = clone(&env, &["--to", "green", "--resync", "--yes"]);
    assert_exit(&out, 0);
    let s = env.aws_state();
    assert!(
        s["db_snapshots"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x == "kf-green-kubeflow-db-r1"),
        "{s}"
    );
    let rec = record(&env);
    assert_eq!(
        rec["clones"]["db"]["restoredFrom"],
        "kf-green-kubeflow-db-r1"
    );
    assert_eq!(rec["resources"]["rds.instance"]["phase"], "Completed");
    let green_db = env.db_instance("kubeflow-db-green");
    assert_eq!(green_db["DeletionProtection"], true);
}
