//! `kubectl kf storage` end to end: green's EFS, claims bound to cloned data, the default class.

use kf_e2e::*;
use serde_json::{Value, json};

fn seeded() -> (Env, Value, Value) {
    let env = Env::start();
    let blue = env.seed_blue();
    let green = env.seed_green();
    (env, blue, green)
}

fn storage(env: &Env, args: &[&str]) -> std::process::Output {
    env.plugin("kubectl-kf_storage", args)
}

fn green_fs(env: &Env) -> Value {
    let all = env.aws("efs", "describe_file_systems", json!({}));
    let fs: Vec<Value> = all["FileSystems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["Tags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["Key"] == "kubeflow.org/upgrade" && t["Value"] == "green")
        })
        .cloned()
        .collect();
    assert_eq!(fs.len(), 1, "green file systems: {fs:?}");
    fs[0].clone()
}

fn mount_target_azs(env: &Env, fs: &str) -> Vec<String> {
    let mut azs: Vec<String> =
        env.aws("efs", "describe_mount_targets", json!({"FileSystemId": fs}))["MountTargets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["AvailabilityZoneName"].as_str().unwrap().to_string())
            .collect();
    azs.sort();
    azs
}

#[test]
fn efs_on_green_is_complete_and_re_running_converges() {
    let (env, _blue, green) = seeded();
    // Green's VPC has a second CIDR (where, say, its pods or a newer subnet live): NFS must be
    // open from it too.
    env.aws(
        "ec2",
        "associate_vpc_cidr_block",
        json!({"VpcId": green["vpc_id"], "CidrBlock": "100.64.0.0/16"}),
    );
    let out = storage(&env, &["efs", "--to", "green"]);
    assert_exit(&out, 0);

    let fs = green_fs(&env);
    let fs_id = fs["FileSystemId"].as_str().unwrap().to_string();
    assert_eq!(fs["Encrypted"], true);
    assert!(
        fs["Tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["Key"] == "Name" && t["Value"] == "efsvol")
    );
    assert_eq!(
        mount_target_azs(&env, &fs_id),
        vec!["us-east-1a", "us-east-1b", "us-east-1c"]
    );

    // The NFS group: green's VPC, TCP 2049 from the VPC's CIDRs and nothing else.
    let groups = env.aws(
        "ec2",
        "describe_security_groups",
        json!({"Filters": [{"Name": "group-name", "Values": ["kf-green-efs-nfs"]}]}),
    );
    let sg = &groups["SecurityGroups"].as_array().unwrap();
    assert_eq!(sg.len(), 1);
    assert_eq!(sg[0]["VpcId"], green["vpc_id"]);
    let perms = sg[0]["IpPermissions"].as_array().unwrap();
    assert!(
        perms
            .iter()
            .all(|p| p["FromPort"] == 2049 && p["ToPort"] == 2049 && p["IpProtocol"] == "tcp"),
        "{perms:?}"
    );
    assert_eq!(perms[0]["FromPort"], 2049);
    assert_eq!(perms[0]["ToPort"], 2049);
    let mut cidrs: Vec<&str> = perms
        .iter()
        .flat_map(|p| p["IpRanges"].as_array().unwrap())
        .map(|r| r["CidrIp"].as_str().unwrap())
        .collect();
    cidrs.sort();
    assert_eq!(cidrs, vec!["10.1.0.0/16", "100.64.0.0/16"], "{perms:?}");

    // The CSI driver: the EKS add-on, with a role trusted by green's OIDC provider for its
    // controller's and its node's service accounts (efs-csi-*), ACTIVE.
    let addon = env.aws(
        "eks",
        "describe_addon",
        json!({"clusterName": "green", "addonName": "aws-efs-csi-driver"}),
    )["addon"]
        .clone();
    assert_eq!(addon["status"], "ACTIVE");
    let role_arn = addon["serviceAccountRoleArn"].as_str().unwrap();
    let role_name = role_arn.rsplit('/').next().unwrap();
    let role = env.aws("iam", "get_role", json!({"RoleName": role_name}))["Role"].clone();
    let trust = role["AssumeRolePolicyDocument"].to_string();
    let issuer = green["oidc_issuer"]
        .as_str()
        .unwrap()
        .trim_start_matches("https://");
    assert!(
        trust.contains(&format!("oidc-provider/{issuer}")),
        "{trust}"
    );
    assert_eq!(
        role["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]["StringLike"]
            [format!("{issuer}:sub")],
        "system:serviceaccount:kube-system:efs-csi-*",
        "{trust}"
    );
    let providers = env
        .aws("iam", "list_open_id_connect_providers", json!({}))
        .to_string();
    assert!(providers.contains(issuer), "{providers}");

    // The StorageClass on green.
    let sc = env.kubectl_json("green", &["get", "storageclass", "efs-sc"]);
    assert_eq!(sc["provisioner"], "efs.csi.aws.com");
    assert_eq!(sc["parameters"]["fileSystemId"], fs_id.as_str());
    assert_eq!(sc["parameters"]["provisioningMode"], "efs-ap");
    assert_eq!(sc["parameters"]["uid"], "1000");
    assert_eq!(sc["parameters"]["gid"], "100");

    // The plan of a complete green is every step done; re-running changes nothing in AWS.
    let plan = |env: &Env| -> Vec<(String, String)> {
        let out = storage(env, &["efs", "--to", "green", "--dry-run", "-o", "json"]);
        assert_exit(&out, 0);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["key"].as_str().unwrap().to_string(),
                    s["action"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let steps = plan(&env);
    assert_eq!(steps.len(), 6, "{steps:?}");
    assert!(steps.iter().all(|(_, a)| a == "done"), "{steps:?}");
    let before = env.aws_state();
    env.reset_requests();
    assert_exit(&storage(&env, &["efs", "--to", "green"]), 0);
    assert_eq!(env.mutating_requests(), Vec::<String>::new());
    assert_eq!(env.aws_state(), before);

    // A deleted StorageClass comes back; an overwritten one is put right.
    assert_exit(
        &env.kubectl(&["--context", "green", "delete", "storageclass", "efs-sc"]),
        0,
    );
    assert_exit(&storage(&env, &["efs", "--to", "green"]), 0);
    assert_eq!(
        env.kubectl_json("green", &["get", "storageclass", "efs-sc"])["parameters"]["fileSystemId"],
        fs_id.as_str()
    );
    assert_exit(
        &env.kubectl(&["--context", "green", "delete", "storageclass", "efs-sc"]),
        0,
    );
    let wrong = env.dir.path().join("wrong-sc.yaml");
    // ... keeping what the user set on it: default class, mount options, binding mode.
    std::fs::write(&wrong, "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: efs-sc\n  annotations:\n    storageclass.kubernetes.io/is-default-class: \"true\"\nprovisioner: efs.csi.aws.com\nparameters:\n  fileSystemId: fs-00000000\nmountOptions:\n- tls\n- iam\nvolumeBindingMode: WaitForFirstConsumer\n").unwrap();
    assert_exit(
        &env.kubectl(&["--context", "green", "apply", "-f", wrong.to_str().unwrap()]),
        0,
    );
    assert_exit(&storage(&env, &["efs", "--to", "green"]), 0);
    let sc = env.kubectl_json("green", &["get", "storageclass", "efs-sc"]);
    assert_eq!(sc["parameters"]["fileSystemId"], fs_id.as_str());
    assert_eq!(sc["parameters"]["directoryPerms"], "700");
    assert_eq!(
        sc["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"],
        "true"
    );
    assert_eq!(sc["mountOptions"], json!(["tls", "iam"]));
    assert_eq!(sc["volumeBindingMode"], "WaitForFirstConsumer");

    // A missing mount target is added back, and only that one.
    let targets = env.aws(
        "efs",
        "describe_mount_targets",
        json!({"FileSystemId": fs_id}),
    );
    let gone = targets["MountTargets"][0]["MountTargetId"]
        .as_str()
        .unwrap()
        .to_string();
    env.aws("efs", "delete_mount_target", json!({"MountTargetId": gone}));
    assert_eq!(mount_target_azs(&env, &fs_id).len(), 2);
    let steps = plan(&env);
    assert_eq!(
        steps
            .iter()
            .filter(|(_, a)| a != "done")
            .collect::<Vec<_>>(),
        vec![&("efs.mount-targets".to_string(), "ensure".to_string())],
        "only the mount target is planned"
    );
    assert_exit(&storage(&env, &["efs", "--to", "green"]), 0);
    assert_eq!(
        mount_target_azs(&env, &fs_id),
        vec!["us-east-1a", "us-east-1b", "us-east-1c"]
    );
    assert_eq!(env.aws_state()["file_systems"], before["file_systems"]);
}

#[test]
fn efs_dry_run_changes_nothing_and_a_name_in_another_vpc_is_refused() {
    let (env, blue, _green) = seeded();
    let before = env.aws_state();
    env.reset_requests();
    let out = storage(&env, &["efs", "--to", "green", "--dry-run"]);
    assert_exit(&out, 0);
    assert!(
        stdout(&out).contains("aws-efs-csi-driver") && stdout(&out).contains("us-east-1a"),
        "{}",
        stdout(&out)
    );
    assert_eq!(env.mutating_requests(), Vec::<String>::new());
    assert!(!env.k8s_exists("green", &["storageclass", "efs-sc"]));

    // Blue's file system is named kf-efs-blue and lives in blue's VPC.
    let blue_name = env.aws(
        "efs",
        "describe_file_systems",
        json!({"FileSystemId": blue["efs_id"]}),
    )["FileSystems"][0]["Name"]
        .clone();
    let out = storage(
        &env,
        &[
            "efs",
            "--to",
            "green",
            "--name",
            blue_name.as_str().unwrap(),
        ],
    );
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("another VPC"), "{}", stderr(&out));
    assert_eq!(env.mutating_requests(), Vec::<String>::new());
    assert_eq!(env.aws_state(), before);
}

#[test]
fn pvc_is_bound_to_the_cloned_directory_when_blue_had_it() {
    let (env, _blue, _green) = seeded();
    assert_exit(&storage(&env, &["efs", "--to", "green"]), 0);
    assert_exit(
        &env.plugin("kubectl-kf_clone", &["--to", "green", "--only", "efs"]),
        0,
    );
    let fs_id = green_fs(&env)["FileSystemId"].as_str().unwrap().to_string();

    let out = storage(
        &env,
        &[
            "pvc",
            "efsclaim",
            "-n",
            "kubeflow-user-example-com",
            "--to",
            "green",
            "--create-namespace",
            "-o",
            "json",
        ],
    );
    assert_exit(&out, 0);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        report["data"]
            .as_str()
            .unwrap()
            .starts_with("cloned data at"),
        "{report}"
    );

    // Blue's claim reads an access point rooted at /dynamic_provisioning/pvc-...: green's volume is that directory.
    let blue_pvc = env.kubectl_json(
        "blue",
        &["get", "pvc", "efsclaim", "-n", "kubeflow-user-example-com"],
    );
    let blue_pv = env.kubectl_json(
        "blue",
        &[
            "get",
            "pv",
            blue_pvc["spec"]["volumeName"].as_str().unwrap(),
        ],
    );
    let ap = blue_pv["spec"]["csi"]["volumeHandle"]
        .as_str()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap()
        .to_string();
    let blue_ap = env.aws(
        "efs",
        "describe_access_points",
        json!({"AccessPointId": ap}),
    )["AccessPoints"][0]
        .clone();
    let root = blue_ap["RootDirectory"]["Path"].clone();
    let pvc = env.kubectl_json(
        "green",
        &["get", "pvc", "efsclaim", "-n", "kubeflow-user-example-com"],
    );
    let pv_name = pvc["spec"]["volumeName"]
        .as_str()
        .expect("the claim names its volume");
    let pv = env.kubectl_json("green", &["get", "pv", pv_name]);
    assert_eq!(pv["spec"]["csi"]["driver"], "efs.csi.aws.com");
    // Green reads the copied directory through an access point of its own with blue's root
    // directory and POSIX user (without it the pod is not uid 1000 and gets permission denied).
    let green_aps = || {
        env.aws(
            "efs",
            "describe_access_points",
            json!({"FileSystemId": fs_id}),
        )["AccessPoints"]
            .as_array()
            .unwrap()
            .clone()
    };
    let aps = green_aps();
    assert_eq!(aps.len(), 1, "{aps:?}");
    let green_ap = &aps[0];
    assert_eq!(green_ap["RootDirectory"]["Path"], root);
    assert_eq!(green_ap["PosixUser"], blue_ap["PosixUser"]);
    assert_eq!(green_ap["PosixUser"]["Uid"], 1000);
    let tags = tag_pairs(&green_ap["Tags"]);
    assert!(
        tags.contains(&("kubeflow.org/upgrade".into(), "green".into())),
        "{tags:?}"
    );
    assert!(
        tags.contains(&("kubeflow.org/cloned-from".into(), ap.clone())),
        "{tags:?}"
    );
    assert_eq!(
        pv["spec"]["csi"]["volumeHandle"],
        format!("{fs_id}::{}", green_ap["AccessPointId"].as_str().unwrap())
    );
    assert!(!root.as_str().unwrap().is_empty());
    assert_eq!(pv["spec"]["claimRef"]["name"], "efsclaim");
    assert_eq!(pv["spec"]["persistentVolumeReclaimPolicy"], "Retain");
    assert_eq!(pvc["spec"]["storageClassName"], "efs-sc");

    // Again: nothing changes. And a claim blue never had is provisioned dynamically.
    let out = storage(
        &env,
        &[
            "pvc",
            "efsclaim",
            "-n",
            "kubeflow-user-example-com",
            "--to",
            "green",
        ],
    );
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("exists"), "{}", stdout(&out));
    assert_eq!(
        green_aps().len(),
        1,
        "a re-run makes no second access point"
    );
    let out = storage(
        &env,
        &[
            "pvc",
            "scratch",
            "-n",
            "kubeflow-user-example-com",
            "--to",
            "green",
            "--size",
            "5Gi",
        ],
    );
    assert_exit(&out, 0);
    let pvc = env.kubectl_json(
        "green",
        &["get", "pvc", "scratch", "-n", "kubeflow-user-example-com"],
    );
    assert!(pvc["spec"]["volumeName"].is_null(), "{pvc}");
    assert_eq!(pvc["spec"]["resources"]["requests"]["storage"], "5Gi");
}

#[test]
fn pvc_bad_input_is_refused_and_changes_nothing() {
    let (env, _blue, _green) = seeded();
    assert_exit(&storage(&env, &["efs", "--to", "green"]), 0);
    let ns = "kubeflow-user-example-com";
    for (args, expect) in [
        (vec!["--size", "10GB", "--create-namespace"], "10Gi"),
        (
            vec!["--storage-class", "nope", "--create-namespace"],
            "does not exist",
        ),
        (
            vec![
                "--patch",
                r#"[{"op":"replace","path":"/spec/nope/deeper","value":1}]"#,
                "--create-namespace",
            ],
            "--patch",
        ),
        (vec![], "--create-namespace"),
    ] {
        let mut all = vec!["pvc", "efsclaim", "-n", ns, "--to", "green"];
        all.extend(args.iter().copied());
        let out = storage(&env, &all);
        assert_exit(&out, 2);
        assert!(stderr(&out).contains(expect), "{all:?}: {}", stderr(&out));
        assert!(
            !env.k8s_exists("green", &["namespace", ns]),
            "{all:?} created the namespace"
        );
    }
    // A dry run prints the manifest and creates nothing.
    let out = storage(
        &env,
        &[
            "pvc",
            "efsclaim",
            "-n",
            ns,
            "--to",
            "green",
            "--create-namespace",
            "--dry-run",
        ],
    );
    assert_exit(&out, 0);
    assert!(
        stdout(&out).contains("kind: PersistentVolumeClaim"),
        "{}",
        stdout(&out)
    );
    assert!(!env.k8s_exists("green", &["namespace", ns]));
}

#[test]
fn default_class_makes_one_default_and_is_a_no_op_when_already_so() {
    let env = Env::start();
    assert_exit(
        &env.kubectl(&["--context", "blue", "create", "namespace", "kubeflow"]),
        0,
    );
    let classes = env.dir.path().join("classes.yaml");
    std::fs::write(
        &classes,
        "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: gp2\n  annotations:\n    storageclass.kubernetes.io/is-default-class: \"true\"\nprovisioner: kubernetes.io/aws-ebs\n---\n\
apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: efs-sc\nprovisioner: efs.csi.aws.com\n---\n\
apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: gp3\n  annotations:\n    storageclass.kubernetes.io/is-default-class: \"false\"\nprovisioner: ebs.csi.aws.com\n",
    )
    .unwrap();
    assert_exit(
        &env.kubectl(&[
            "--context",
            "green",
            "apply",
            "-f",
            classes.to_str().unwrap(),
        ]),
        0,
    );
    let default_of = |name: &str| {
        env.kubectl_json("green", &["get", "storageclass", name])["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"].clone()
    };

    let out = storage(&env, &["default-class", "efs-sc", "--to", "green"]);
    assert_exit(&out, 0);
    assert_eq!(default_of("efs-sc"), "true");
    assert_eq!(default_of("gp2"), "false");
    assert_eq!(default_of("gp3"), "false");
    let table = stdout(&out);
    assert!(
        table.contains("BEFORE") && table.contains("AFTER"),
        "{table}"
    );

    let rv = |name: &str| {
        env.kubectl_json("green", &["get", "storageclass", name])["metadata"]["resourceVersion"]
            .clone()
    };
    let before: Vec<Value> = ["gp2", "efs-sc", "gp3"].iter().map(|n| rv(n)).collect();
    let out = storage(&env, &["default-class", "efs-sc", "--to", "green"]);
    assert_exit(&out, 0);
    assert!(
        stdout(&out).contains("already the only default"),
        "{}",
        stdout(&out)
    );
    let after: Vec<Value> = ["gp2", "efs-sc", "gp3"].iter().map(|n| rv(n)).collect();
    assert_eq!(before, after, "a no-op changed a StorageClass");

    let out = storage(&env, &["default-class", "nope", "--to", "green"]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("gp2"), "{}", stderr(&out));
}
