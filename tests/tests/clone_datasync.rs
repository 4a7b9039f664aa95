//! `kubectl kf clone`'s DataSync copies against what real DataSync does (issue #13): blue keeps
//! serving while it is copied, SSE-KMS buckets, and mount targets that admit NFS only from
//! another security group. The binaries run against the emulators; the assertions are on what
//! the emulators hold afterwards.

use std::time::Duration;

use kf_e2e::*;
use serde_json::{Value, json};

fn clone(env: &Env, args: &[&str]) -> std::process::Output {
    env.plugin("kubectl-kf_clone", args)
}

fn record(env: &Env) -> Value {
    let out = env.kf(&["status", "--from", "blue", "--to", "green", "-o", "json"]);
    assert_exit(&out, 0);
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The task and the last execution of a copy (`s3` or `efs`) as DataSync describes them.
fn task_and_execution(env: &Env, layer: &str) -> (Value, Value) {
    let rec = record(env);
    let task = env.aws(
        "datasync",
        "describe_task",
        json!({"TaskArn": rec["resources"][format!("{layer}.task")]["id"]}),
    );
    let execution = env.aws(
        "datasync",
        "describe_task_execution",
        json!({"TaskExecutionArn": rec["resources"][format!("{layer}.execution")]["id"]}),
    );
    (task, execution)
}

/// The reason a `--dry-run -o json` plan gives for its step `key`.
fn step_reason(plan: &Value, key: &str) -> String {
    plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == key)
        .unwrap_or_else(|| panic!("no step {key} in {plan}"))["reason"]
        .as_str()
        .unwrap()
        .to_string()
}

fn executions(env: &Env) -> usize {
    env.aws_state()["executions"].as_array().unwrap().len()
}

#[test]
fn a_clone_of_a_blue_that_keeps_changing_succeeds() {
    // Executions take a while, so blue's users write while they run.
    let env = Env::start_with(&[("datasync_execution", 8)]);
    let blue = env.seed_blue();
    env.seed_green();
    let bucket = blue["bucket"].as_str().unwrap();
    let fs = blue["efs_id"].as_str().unwrap();
    let child = env
        .command(env.bin_dir.join("kubectl-kf_clone"))
        .args(["--to", "green"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    eventually(
        Duration::from_secs(90),
        "both copies to be under way",
        || (executions(&env) >= 2).then_some(()),
    );
    // Blue keeps serving: a pipeline writes an artifact, a notebook a file.
    env.aws(
        "s3",
        "put_object",
        json!({"Bucket": bucket, "Key": "artifacts/written-during-clone/out.txt", "Body": "new"}),
    );
    env.aws_control("datasync/efs-write", json!({"filesystem": fs}));
    let out = child.wait_with_output().unwrap();
    assert_exit(&out, 0);

    for layer in ["s3", "efs"] {
        let (task, execution) = task_and_execution(&env, layer);
        assert_eq!(execution["Status"], "SUCCESS", "{layer}: {execution}");
        assert_eq!(
            task["Options"]["VerifyMode"], "ONLY_FILES_TRANSFERRED",
            "{layer}: {task}"
        );
        assert_eq!(
            execution["Options"]["VerifyMode"], "ONLY_FILES_TRANSFERRED",
            "{layer}: {execution}"
        );
        assert_eq!(task["Options"]["TransferMode"], "CHANGED", "{layer}");
        assert_eq!(
            task["Options"]["BytesPerSecond"], -1,
            "{layer}: no limit asked"
        );
    }
    let rec = record(&env);
    for k in ["s3.execution", "efs.execution"] {
        assert_eq!(rec["resources"][k]["phase"], "Completed", "{k}");
    }
}

#[test]
fn bandwidth_limits_every_copy_and_bad_values_are_refused() {
    let env = Env::start();
    env.seed_blue();
    env.seed_green();
    for bad in ["0", "-5", "fast", "1.5", ""] {
        env.reset_requests();
        let out = clone(&env, &["--to", "green", &format!("--bandwidth={bad}")]);
        assert_exit(&out, 2);
        assert!(
            stderr(&out).contains("positive whole number of MiB/s"),
            "{bad}: {}",
            stderr(&out)
        );
        assert_eq!(env.requests()["total"], 0, "{bad}: AWS was called");
    }
    assert!(!record_exists(&env));

    let out = clone(
        &env,
        &[
            "--to",
            "green",
            "--bandwidth",
            "50",
            "--dry-run",
            "-o",
            "json",
        ],
    );
    assert_exit(&out, 0);
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in ["s3.execution", "efs.execution"] {
        let reason = step_reason(&plan, key);
        assert!(
            reason.contains("ONLY_FILES_TRANSFERRED (blue is live")
                && reason.contains("at most 50 MiB/s"),
            "{key}: {reason}"
        );
    }

    let out = clone(&env, &["--to", "green", "--bandwidth", "50"]);
    assert_exit(&out, 0);
    for layer in ["s3", "efs"] {
        let (task, execution) = task_and_execution(&env, layer);
        assert_eq!(
            task["Options"]["BytesPerSecond"],
            50 * 1024 * 1024,
            "{layer}: {task}"
        );
        assert_eq!(
            execution["Options"]["BytesPerSecond"],
            50 * 1024 * 1024,
            "{layer}: {execution}"
        );
        assert_eq!(execution["Status"], "SUCCESS", "{layer}");
    }
    // A resync states its own limit, on the task made before.
    let out = clone(&env, &["--to", "green", "--resync", "--bandwidth", "8"]);
    assert_exit(&out, 0);
    for layer in ["s3", "efs"] {
        let (_, execution) = task_and_execution(&env, layer);
        assert_eq!(
            execution["Options"]["BytesPerSecond"],
            8 * 1024 * 1024,
            "{layer}: {execution}"
        );
        assert_eq!(
            execution["Options"]["VerifyMode"], "ONLY_FILES_TRANSFERRED",
            "{layer}: a resync of a live blue"
        );
    }
}

fn keys(env: &Env, bucket: &str) -> Vec<String> {
    let mut k: Vec<String> =
        env.aws("s3", "list_objects_v2", json!({"Bucket": bucket}))["Contents"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|o| o["Key"].as_str().unwrap().to_string())
            .collect();
    k.sort();
    k
}

/// Makes blue's bucket SSE-KMS with a customer managed key, named by an alias (as users do),
/// and its objects SSE-KMS objects; the key's ARN.
fn sse_kms(env: &Env, bucket: &str) -> String {
    // Blue's bucket encrypts with a customer managed key, named by an alias (as users do).
    let key = env.aws(
        "kms",
        "create_key",
        json!({"Description": "blue's artifacts"}),
    )["KeyMetadata"]
        .clone();
    let key_arn = key["Arn"].as_str().unwrap();
    env.aws(
        "kms",
        "create_alias",
        json!({"AliasName": "alias/kf-blue-artifacts", "TargetKeyId": key["KeyId"]}),
    );
    env.aws(
        "s3",
        "put_bucket_encryption",
        json!({"Bucket": bucket, "ServerSideEncryptionConfiguration": {"Rules": [{
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                "KMSMasterKeyID": "alias/kf-blue-artifacts"},
            "BucketKeyEnabled": true}]}}),
    );
    // Its objects are SSE-KMS objects (written again under the new default).
    for k in keys(env, bucket) {
        env.aws(
            "s3",
            "put_object",
            json!({"Bucket": bucket, "Key": k, "Body": "data", "ServerSideEncryption": "aws:kms",
                "SSEKMSKeyId": key_arn}),
        );
    }
    key_arn.to_string()
}

#[test]
fn an_sse_kms_bucket_is_copied_with_the_keys_granted_to_the_datasync_role() {
    let env = Env::start();
    let blue = env.seed_blue();
    env.seed_green();
    let bucket = blue["bucket"].as_str().unwrap();
    let key_arn = sse_kms(&env, bucket);
    let key_arn = key_arn.as_str();

    // The plan says which keys the role gets.
    let out = clone(
        &env,
        &[
            "--to",
            "green",
            "--only",
            "bucket",
            "--dry-run",
            "-o",
            "json",
        ],
    );
    assert_exit(&out, 0);
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    let role = step_reason(&plan, "s3.datasync-role");
    assert!(
        role.contains(&format!("kms:Decrypt on blue's key {key_arn}"))
            && role.contains(&format!("on green's key {key_arn}")),
        "{role}"
    );

    let out = clone(&env, &["--to", "green", "--only", "bucket"]);
    assert_exit(&out, 0);
    let green_bucket = "kf-artifacts-blue-green";
    assert_eq!(keys(&env, green_bucket), keys(&env, bucket));
    let (_, execution) = task_and_execution(&env, "s3");
    assert_eq!(execution["Status"], "SUCCESS", "{execution}");
    // The role may decrypt with blue's key and encrypt with green's (green's bucket is
    // configured like blue's: the same key).
    let policy = env.aws(
        "iam",
        "get_role_policy",
        json!({"RoleName": "kf-datasync-green", "PolicyName": "kf-datasync-buckets"}),
    )["PolicyDocument"]
        .clone();
    let kms: Vec<&Value> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["Action"].to_string().contains("kms:"))
        .collect();
    let grants = |action: &str| {
        kms.iter().any(|s| {
            s["Action"].to_string().contains(action)
                && s["Resource"].as_array().unwrap() == &vec![json!(key_arn)]
        })
    };
    assert!(
        grants("kms:Decrypt") && grants("kms:GenerateDataKey") && grants("kms:Encrypt"),
        "{policy}"
    );
    assert!(
        !policy.to_string().contains("\"*\""),
        "no wildcard: {policy}"
    );
    assert_eq!(
        env.aws(
            "s3",
            "get_bucket_encryption",
            json!({"Bucket": green_bucket})
        )["ServerSideEncryptionConfiguration"],
        env.aws("s3", "get_bucket_encryption", json!({"Bucket": bucket}))["ServerSideEncryptionConfiguration"]
    );
}

/// Makes blue's mount targets admit NFS only from a nodes' security group (as eksctl and
/// terraform setups do), not from the VPC's addresses; that group and the mount targets' groups.
fn nfs_only_from_nodes(env: &Env, blue: &Value) -> (String, Vec<String>) {
    let fs = blue["efs_id"].as_str().unwrap();
    let vpc = blue["vpc_id"].as_str().unwrap();
    let nodes = env.aws(
        "ec2",
        "create_security_group",
        json!({"GroupName": "blue-nodes", "Description": "blue's nodes", "VpcId": vpc}),
    )["GroupId"]
        .as_str()
        .unwrap()
        .to_string();
    let mts = env.aws("efs", "describe_mount_targets", json!({"FileSystemId": fs}))["MountTargets"]
        .as_array()
        .unwrap()
        .clone();
    let mut groups: Vec<String> = Vec::new();
    for mt in &mts {
        for g in env.aws(
            "efs",
            "describe_mount_target_security_groups",
            json!({"MountTargetId": mt["MountTargetId"]}),
        )["SecurityGroups"]
            .as_array()
            .unwrap()
        {
            let g = g.as_str().unwrap().to_string();
            if !groups.contains(&g) {
                groups.push(g);
            }
        }
    }
    for g in &groups {
        let sg = &env.aws("ec2", "describe_security_groups", json!({"GroupIds": [g]}))["SecurityGroups"]
            [0];
        let perms: Vec<Value> = sg["IpPermissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                json!({"IpProtocol": p["IpProtocol"], "FromPort": p["FromPort"],
                    "ToPort": p["ToPort"], "IpRanges": p["IpRanges"]})
            })
            .collect();
        env.aws(
            "ec2",
            "revoke_security_group_ingress",
            json!({"GroupId": g, "IpPermissions": perms}),
        );
        env.aws(
            "ec2",
            "authorize_security_group_ingress",
            json!({"GroupId": g, "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 2049,
                "ToPort": 2049, "UserIdGroupPairs": [{"GroupId": nodes}]}]}),
        );
    }
    (nodes, groups)
}

#[test]
fn a_mount_target_admitting_nfs_only_from_the_node_group_is_reached_through_that_group() {
    let env = Env::start();
    let blue = env.seed_blue();
    env.seed_green();
    let (nodes, groups) = nfs_only_from_nodes(&env, &blue);
    let blue_groups = |env: &Env| {
        env.aws(
            "ec2",
            "describe_security_groups",
            json!({"GroupIds": groups}),
        )
    };
    let before = blue_groups(&env);

    let out = clone(&env, &["--to", "green", "--only", "efs"]);
    assert_exit(&out, 0);
    let (_, execution) = task_and_execution(&env, "efs");
    assert_eq!(execution["Status"], "SUCCESS", "{execution}");
    let rec = record(&env);
    let source = env.aws(
        "datasync",
        "describe_location_efs",
        json!({"LocationArn": rec["resources"]["efs.source"]["id"]}),
    );
    let sgs = source["Ec2Config"]["SecurityGroupArns"].to_string();
    assert!(sgs.contains(&nodes), "{source}");
    // Blue's security groups are as they were: blue is read-only for the clone.
    assert_eq!(blue_groups(&env), before);
}

/// Blue cloned to green, and green running Kubeflow on the clones behind its own ALB: what
/// `kf cutover` expects.
fn green_ready(setup: impl FnOnce(&Env, &Value)) -> Env {
    ready_for_cutover(setup).env
}

#[test]
fn the_final_resync_of_a_frozen_blue_is_verified_in_full() {
    let env = green_ready(|_, _| {});
    let first: Vec<(Value, Value)> = ["s3", "efs"]
        .iter()
        .map(|l| task_and_execution(&env, l))
        .collect();
    let out = env.plugin(
        "kubectl-kf_cutover",
        &["--to", "green", "--freeze-blue", "--resync", "--yes"],
    );
    assert_exit(&out, 0);
    for (layer, (_, before)) in ["s3", "efs"].iter().zip(first) {
        let (task, execution) = task_and_execution(&env, layer);
        assert_ne!(
            execution["TaskExecutionArn"], before["TaskExecutionArn"],
            "{layer}: no new execution"
        );
        assert_eq!(execution["Status"], "SUCCESS", "{layer}: {execution}");
        // The task keeps the live mode; the frozen run overrides it with the full check.
        assert_eq!(task["Options"]["VerifyMode"], "ONLY_FILES_TRANSFERRED");
        assert_eq!(
            execution["Options"]["VerifyMode"], "POINT_IN_TIME_CONSISTENT",
            "{layer}: {execution}"
        );
    }
}

#[test]
fn failback_sync_back_writes_green_s_files_into_an_sse_kms_blue() {
    let env = green_ready(|env, blue| {
        sse_kms(env, blue["bucket"].as_str().unwrap());
    });
    let blue_bucket = "kf-artifacts-blue";
    let green_bucket = "kf-artifacts-blue-green";
    assert_exit(
        &env.plugin(
            "kubectl-kf_cutover",
            &["--to", "green", "--weight", "10", "--yes"],
        ),
        0,
    );
    // Green's users write an SSE-KMS object (green's bucket is configured like blue's).
    let key = "artifacts/green-run-1/out.txt";
    env.aws(
        "s3",
        "put_object",
        json!({"Bucket": green_bucket, "Key": key, "Body": "written on green",
            "ServerSideEncryption": "aws:kms"}),
    );
    let out = env.plugin(
        "kubectl-kf_cutover",
        &[
            "--from",
            "blue",
            "--to",
            "green",
            "failback",
            "--sync-back",
            "--yes",
        ],
    );
    assert_exit(&out, 0);
    assert!(keys(&env, blue_bucket).contains(&key.to_string()));
}

#[test]
fn a_location_whose_group_can_no_longer_reach_the_mount_target_is_replaced_on_resync() {
    let env = Env::start();
    let blue = env.seed_blue();
    env.seed_green();
    assert_exit(&clone(&env, &["--to", "green", "--only", "efs"]), 0);
    let before = record(&env)["resources"]["efs.source"]["id"].clone();
    // Blue's security is tightened after the first copy: NFS only from the nodes' group.
    let (nodes, _) = nfs_only_from_nodes(&env, &blue);
    let out = clone(&env, &["--to", "green", "--only", "efs", "--resync"]);
    assert_exit(&out, 0);
    let (_, execution) = task_and_execution(&env, "efs");
    assert_eq!(execution["Status"], "SUCCESS", "{execution}");
    let rec = record(&env);
    let source = &rec["resources"]["efs.source"]["id"];
    assert_ne!(*source, before, "the location was not replaced");
    let l = env.aws(
        "datasync",
        "describe_location_efs",
        json!({"LocationArn": source}),
    );
    assert!(
        l["Ec2Config"]["SecurityGroupArns"]
            .to_string()
            .contains(&nodes),
        "{l}"
    );
    // The old location and task are gone: one of each per copy.
    let s = env.aws_state();
    assert_eq!(s["locations"].as_array().unwrap().len(), 2, "{s}");
    assert_eq!(s["tasks"].as_array().unwrap().len(), 1, "{s}");
    // A run after that changes nothing.
    env.reset_requests();
    assert_exit(&clone(&env, &["--to", "green", "--only", "efs"]), 0);
    assert_eq!(env.mutating_requests(), Vec::<String>::new());
}
