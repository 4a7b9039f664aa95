//! `kubectl kf clone`'s RDS stream against what real RDS does (issue #13): a restore with
//! backups enabled is `backing-up` for hours, a busy blue refuses snapshots, Aurora cannot be
//! snapshotted as an instance, and a snapshot does not carry every setting. The binary against
//! the emulators, asserting on what they hold afterwards.

use std::time::{Duration, Instant};

use kf_e2e::*;
use serde_json::{Value, json};

fn clone(env: &Env, args: &[&str]) -> std::process::Output {
    env.plugin("kubectl-kf_clone", args)
}

fn record(env: &Env) -> Value {
    let out = env.kf(&["status", "--to", "green", "-o", "json"]);
    assert_exit(&out, 0);
    serde_json::from_slice(&out.stdout).unwrap()
}

fn cluster_security_group(env: &Env) -> Value {
    env.aws("eks", "describe_cluster", json!({"name": "green"}))["cluster"]["resourcesVpcConfig"]
        ["clusterSecurityGroupId"]
        .clone()
}

/// The security groups named `name` in green's VPC.
fn groups_named(env: &Env, name: &str) -> Vec<Value> {
    let vpc = env.aws("eks", "describe_cluster", json!({"name": "green"}))["cluster"]
        ["resourcesVpcConfig"]["vpcId"]
        .clone();
    env.aws(
        "ec2",
        "describe_security_groups",
        json!({"Filters": [{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": [name]}]}),
    )["SecurityGroups"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn a_restore_is_usable_at_once_and_green_ends_with_blues_backup_retention() {
    // Real RDS: a restore with backups on takes its first backup before `available`, for hours
    // (hashicorp/terraform-provider-aws#44104); here an hour.
    let env = Env::start_with(&[("rds_backing_up", 3600)]);
    env.seed_blue();
    env.seed_green();
    let blue_retention = env.db_instance("kubeflow-db")["BackupRetentionPeriod"].clone();
    assert_eq!(blue_retention, 7);

    // The plan says how: restored with backups off, blue's retention set after.
    let out = clone(
        &env,
        &["--to", "green", "--only", "db", "--dry-run", "-o", "json"],
    );
    assert_exit(&out, 0);
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    let step = |key: &str| {
        plan["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == key)
            .unwrap_or_else(|| panic!("no step {key}: {plan}"))
            .clone()
    };
    let restore = step("rds.instance");
    assert!(
        restore["reason"].as_str().unwrap().contains("backups off"),
        "{restore}"
    );
    let settings = step("rds.settings");
    assert_eq!(settings["action"], "ensure");
    assert!(
        settings["reason"]
            .as_str()
            .unwrap()
            .contains("backup retention 7 days"),
        "{settings}"
    );

    let started = Instant::now();
    let out = clone(
        &env,
        &[
            "--to",
            "green",
            "--only",
            "db",
            "--timeout",
            "90s",
            "-o",
            "json",
        ],
    );
    assert_exit(&out, 0);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the clone waited for green's first backup: {:?}",
        started.elapsed()
    );
    let green = env.db_instance("kubeflow-db-green");
    assert_eq!(green["BackupRetentionPeriod"], blue_retention, "{green}");
    assert!(
        green["Endpoint"]["Address"]
            .as_str()
            .is_some_and(|a| !a.is_empty())
    );
    // Green takes its first backup now, while usable.
    assert_eq!(green["DBInstanceStatus"], "backing-up", "{green}");
    let rec = record(&env);
    assert_eq!(rec["resources"]["rds.instance"]["phase"], "Completed");
    let settings = &rec["resources"]["rds.settings"];
    assert_eq!(settings["phase"], "Completed", "{rec}");
    assert!(
        settings["message"]
            .as_str()
            .unwrap()
            .contains("restored with backups off"),
        "{settings}"
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        report["resources"]["rds.settings"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("restored with backups off")
                && m.contains("backup retention 7 days")),
        "the output does not say how: {report}"
    );
    // Green's secret has green's host already.
    let secret: Value = env.secret_json("rds-secret-green");
    assert_eq!(secret["host"], green["Endpoint"]["Address"]);

    // A re-run while green is still backing up: done, nothing changed, no wait.
    env.reset_requests();
    let started = Instant::now();
    let out = clone(&env, &["--to", "green", "--only", "db", "--timeout", "90s"]);
    assert_exit(&out, 0);
    assert!(started.elapsed() < Duration::from_secs(60));
    assert_eq!(env.mutating_requests(), Vec::<String>::new());
}

#[test]
fn a_busy_blue_is_waited_for_before_its_snapshot() {
    let env = Env::start();
    env.seed_blue();
    env.seed_green();
    // Blue takes its automated backup: CreateDBSnapshot is refused (InvalidDBInstanceState).
    env.aws_control(
        "rds/state",
        json!({"instance": "kubeflow-db", "status": "backing-up", "seconds": 5}),
    );
    let out = clone(&env, &["--to", "green", "--only", "db"]);
    assert_exit(&out, 0);
    assert!(
        stderr(&out).contains("blue's DB kubeflow-db is backing-up"),
        "the wait does not show blue's state: {}",
        stderr(&out)
    );
    let snap = env.db_snapshot("kf-green-kubeflow-db");
    assert_eq!(snap["Status"], "available");
    assert_eq!(
        env.db_instance("kubeflow-db-green")["DBInstanceStatus"],
        "available"
    );
}

#[test]
fn aurora_is_refused_as_unsupported_and_nothing_is_changed() {
    let env = Env::start();
    env.seed_blue();
    env.seed_green();
    env.aws(
        "rds",
        "create_db_cluster",
        json!({"DBClusterIdentifier": "kubeflow-aurora", "Engine": "aurora-mysql",
               "MasterUsername": "admin", "MasterUserPassword": "password1"}),
    );
    env.aws(
        "rds",
        "create_db_instance",
        json!({"DBInstanceIdentifier": "kubeflow-aurora-1", "DBInstanceClass": "db.r5.large",
               "Engine": "aurora-mysql", "DBClusterIdentifier": "kubeflow-aurora"}),
    );
    let endpoint = env.aws(
        "rds",
        "describe_db_clusters",
        json!({"DBClusterIdentifier": "kubeflow-aurora"}),
    )["DBClusters"][0]["Endpoint"]
        .as_str()
        .unwrap()
        .to_string();
    let patch = json!([{"op": "replace", "path": "/data/dbHost", "value": endpoint}]).to_string();
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
            &patch,
        ]),
        0,
    );
    let before = env.aws_state();
    env.reset_requests();
    for args in [
        vec!["--to", "green", "--only", "db"],
        vec!["--to", "green", "--db-instance", "kubeflow-aurora-1"],
    ] {
        let out = clone(&env, &args);
        assert_exit(&out, 2);
        let err = stderr(&out);
        assert!(
            err.contains("Aurora is not supported")
                && err.contains("kubeflow-aurora")
                && err.contains("RDS DB instance")
                && err.contains("--only bucket,efs"),
            "{args:?}: {err}"
        );
    }
    assert_eq!(env.mutating_requests(), Vec::<String>::new());
    assert_eq!(env.aws_state(), before);
    assert!(!record_exists(&env));
}

#[test]
fn green_gets_blues_storage_settings_and_a_security_group_of_its_own() {
    let env = Env::start();
    env.seed_blue();
    env.seed_green();
    // Blue as production often is: gp3 with provisioned performance, storage autoscaling, a
    // custom option group, Performance Insights with its own key.
    env.aws(
        "rds",
        "create_option_group",
        json!({"OptionGroupName": "kf-blue-mysql80", "EngineName": "mysql",
               "MajorEngineVersion": "8.0", "OptionGroupDescription": "Kubeflow"}),
    );
    let key = env.aws("kms", "create_key", json!({}))["KeyMetadata"]["Arn"].clone();
    env.aws(
        "rds",
        "modify_db_instance",
        json!({"DBInstanceIdentifier": "kubeflow-db", "ApplyImmediately": true,
               "StorageType": "gp3", "AllocatedStorage": 400, "Iops": 12000,
               "StorageThroughput": 500, "MaxAllocatedStorage": 1000,
               "OptionGroupName": "kf-blue-mysql80", "EnablePerformanceInsights": true,
               "PerformanceInsightsKMSKeyId": key, "PerformanceInsightsRetentionPeriod": 93}),
    );
    let blue = env.db_instance("kubeflow-db");
    assert_eq!(
        (
            &blue["StorageType"],
            &blue["Iops"],
            &blue["MaxAllocatedStorage"]
        ),
        (&json!("gp3"), &json!(12000), &json!(1000)),
        "{blue}"
    );

    // The dry run lists green's DB's own group.
    let out = clone(
        &env,
        &["--to", "green", "--only", "db", "--dry-run", "-o", "json"],
    );
    assert_exit(&out, 0);
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        plan["steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["key"] == "rds.security-group"
                && s["name"] == "kf-green-db"
                && s["action"] == "create"),
        "{plan}"
    );

    let out = clone(&env, &["--to", "green", "--only", "db"]);
    assert_exit(&out, 0);
    let green = env.db_instance("kubeflow-db-green");
    for field in [
        "StorageType",
        "AllocatedStorage",
        "Iops",
        "StorageThroughput",
        "MaxAllocatedStorage",
        "PerformanceInsightsEnabled",
        "PerformanceInsightsKMSKeyId",
        "PerformanceInsightsRetentionPeriod",
        "BackupRetentionPeriod",
    ] {
        assert_eq!(green[field], blue[field], "{field}: {green}");
    }
    assert_eq!(
        green["OptionGroupMemberships"][0]["OptionGroupName"],
        "kf-blue-mysql80"
    );

    // Its own group, in green's VPC, tagged, one rule: MySQL from green's nodes.
    let cluster_sg = cluster_security_group(&env);
    let groups = groups_named(&env, "kf-green-db");
    assert_eq!(groups.len(), 1, "{groups:?}");
    let group = &groups[0];
    let sgs: Vec<&Value> = green["VpcSecurityGroups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| &g["VpcSecurityGroupId"])
        .collect();
    assert_eq!(sgs, vec![&group["GroupId"]], "{green}");
    assert_ne!(group["GroupId"], cluster_sg);
    let tags = group["Tags"].to_string();
    assert!(
        tags.contains("kubeflow.org/upgrade") && tags.contains("\"green\""),
        "{tags}"
    );
    let rules = group["IpPermissions"].as_array().unwrap();
    assert_eq!(rules.len(), 1, "{rules:?}");
    assert_eq!(
        (
            &rules[0]["IpProtocol"],
            &rules[0]["FromPort"],
            &rules[0]["ToPort"]
        ),
        (&json!("tcp"), &json!(3306), &json!(3306))
    );
    let pairs = rules[0]["UserIdGroupPairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 1, "{pairs:?}");
    assert_eq!(pairs[0]["GroupId"], cluster_sg);
    assert!(rules[0]["IpRanges"].as_array().unwrap().is_empty());

    // A re-run converges: nothing to change, no second group or rule.
    env.reset_requests();
    let out = clone(&env, &["--to", "green", "--only", "db"]);
    assert_exit(&out, 0);
    assert_eq!(env.mutating_requests(), Vec::<String>::new());
    assert_eq!(groups_named(&env, "kf-green-db").len(), 1);

    // A green DB left in EKS's cluster security group (an earlier version did that) is moved
    // to its own group by a re-run.
    env.aws(
        "rds",
        "modify_db_instance",
        json!({"DBInstanceIdentifier": "kubeflow-db-green", "ApplyImmediately": true,
               "VpcSecurityGroupIds": [cluster_sg]}),
    );
    env.reset_requests();
    let out = clone(&env, &["--to", "green", "--only", "db"]);
    assert_exit(&out, 0);
    assert_eq!(
        env.mutating_requests(),
        vec!["ModifyDBInstance".to_string()]
    );
    let green = env.db_instance("kubeflow-db-green");
    assert_eq!(
        green["VpcSecurityGroups"][0]["VpcSecurityGroupId"],
        group["GroupId"]
    );
    assert_eq!(green["VpcSecurityGroups"].as_array().unwrap().len(), 1);
    let groups = groups_named(&env, "kf-green-db");
    assert_eq!(groups[0]["IpPermissions"].as_array().unwrap().len(), 1);
}

#[test]
fn a_resync_after_traffic_waits_for_a_backing_up_green_before_its_final_snapshot() {
    let env = Env::start();
    env.seed_blue();
    env.seed_green();
    assert_exit(&clone(&env, &["--to", "green", "--only", "db"]), 0);
    // Green took production traffic (what `kf cutover` records).
    let cm = env.kubectl_json(
        "blue",
        &["get", "configmap", "kf-upgrade-green", "-n", "kubeflow"],
    );
    let text = format!(
        "{}\ngreenTrafficSince: 2026-12-01T00:00:00Z\n",
        cm["data"]["record.yaml"].as_str().unwrap().trim_end()
    );
    let patch = json!({"data": {"record.yaml": text}}).to_string();
    assert_exit(
        &env.kubectl(&[
            "--context",
            "blue",
            "-n",
            "kubeflow",
            "patch",
            "configmap",
            "kf-upgrade-green",
            "--type=merge",
            "-p",
            &patch,
        ]),
        0,
    );
    // Green's DB takes its first backup: its final snapshot is refused meanwhile
    // (DeleteDBInstance: InvalidDBInstanceState).
    env.aws_control(
        "rds/state",
        json!({"instance": "kubeflow-db-green", "status": "backing-up", "seconds": 5}),
    );
    let out = clone(
        &env,
        &[
            "--to",
            "green",
            "--only",
            "db",
            "--resync",
            "--yes",
            "--discard-green-writes",
        ],
    );
    assert_exit(&out, 0);
    assert!(
        stderr(&out).contains("green's DB kubeflow-db-green is backing-up"),
        "{}",
        stderr(&out)
    );
    let snap = env.db_snapshot("kubeflow-db-green-final-r0");
    assert_eq!(snap["DBInstanceIdentifier"], "kubeflow-db-green", "{snap}");
    let rec = record(&env);
    assert_eq!(
        rec["clones"]["db"]["restoredFrom"],
        "kf-green-kubeflow-db-r1"
    );
    assert_eq!(rec["resources"]["rds.instance"]["phase"], "Completed");
}
