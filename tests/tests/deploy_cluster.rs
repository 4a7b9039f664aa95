//! `kubectl kf deploy cluster` end to end: green's EKS cluster shaped like blue's, the green
//! context written safely, IRSA trust extended, re-runs converging.

use kf_e2e::*;
use serde_json::{Value, json};

/// The emulated EKS clusters' endpoints are the emulated API servers, as a real cluster's
/// endpoint is its API server; the kubeconfig starts with blue only.
fn blue_only(pending: &[(&str, u32)]) -> (Env, Value) {
    let env = Env::start_with(pending);
    env.aws_control(
        "config",
        json!({"eks_endpoints": {"blue": env.blue.url, "green": env.green.url}}),
    );
    let kc = std::fs::read_to_string(&env.kubeconfig).unwrap();
    let blue_only: String = {
        let v: serde_yaml::Value = serde_yaml::from_str(&kc).unwrap();
        let mut v = v;
        for section in ["clusters", "contexts", "users"] {
            let seq = v[section].as_sequence_mut().unwrap();
            seq.retain(|e| e["name"] != "green");
        }
        serde_yaml::to_string(&v).unwrap()
    };
    std::fs::write(&env.kubeconfig, blue_only).unwrap();
    let blue = env.seed_blue();
    (env, blue)
}

fn deploy(env: &Env, args: &[&str]) -> std::process::Output {
    env.plugin("kubectl-kf_deploy", args)
}

#[test]
fn green_cluster_is_shaped_like_blue_with_overrides_and_reruns_converge() {
    let (env, blue) = blue_only(&[("eks_cluster", 2), ("eks_nodegroup", 2), ("eks_addon", 1)]);
    let kc_before: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&env.kubeconfig).unwrap()).unwrap();

    let out = deploy(
        &env,
        &[
            "cluster",
            "green",
            "--version",
            "1.31",
            "--node-type",
            "m5.2xlarge",
            "--nodes-max",
            "12",
        ],
    );
    assert_exit(&out, 0);

    let b = env.aws("eks", "describe_cluster", json!({"name": "blue"}))["cluster"].clone();
    let g = env.aws("eks", "describe_cluster", json!({"name": "green"}))["cluster"].clone();
    assert_eq!(g["status"], "ACTIVE");
    assert_eq!(g["version"], "1.31");
    assert_eq!(g["roleArn"], b["roleArn"]);
    assert_eq!(
        g["resourcesVpcConfig"]["subnetIds"],
        b["resourcesVpcConfig"]["subnetIds"]
    );
    assert_eq!(
        g["resourcesVpcConfig"]["vpcId"],
        b["resourcesVpcConfig"]["vpcId"]
    );
    assert_eq!(
        g["resourcesVpcConfig"]["endpointPrivateAccess"],
        b["resourcesVpcConfig"]["endpointPrivateAccess"]
    );
    assert_eq!(g["logging"], b["logging"]);
    assert_eq!(g["tags"]["kubeflow.org/upgrade"], "green");
    for (k, v) in b["tags"].as_object().unwrap() {
        assert_eq!(&g["tags"][k], v, "tag {k}");
    }
    let bn = env.aws(
        "eks",
        "describe_nodegroup",
        json!({"clusterName": "blue", "nodegroupName": "linux-nodes"}),
    )["nodegroup"]
        .clone();
    let gn = env.aws(
        "eks",
        "describe_nodegroup",
        json!({"clusterName": "green", "nodegroupName": "linux-nodes"}),
    )["nodegroup"]
        .clone();
    assert_eq!(gn["status"], "ACTIVE");
    assert_eq!(gn["instanceTypes"], json!(["m5.2xlarge"]));
    assert_eq!(
        gn["scalingConfig"]["minSize"],
        bn["scalingConfig"]["minSize"]
    );
    assert_eq!(
        gn["scalingConfig"]["desiredSize"],
        bn["scalingConfig"]["desiredSize"]
    );
    assert_eq!(gn["scalingConfig"]["maxSize"], 12);
    for field in ["diskSize", "labels", "taints", "nodeRole", "subnets"] {
        assert_eq!(gn[field], bn[field], "{field}");
    }
    let mut addons: Vec<String> =
        env.aws("eks", "list_addons", json!({"clusterName": "green"}))["addons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect();
    addons.sort();
    assert_eq!(
        addons,
        vec!["aws-ebs-csi-driver", "coredns", "kube-proxy", "vpc-cni"]
    );
    let ebs = env.aws(
        "eks",
        "describe_addon",
        json!({"clusterName": "green", "addonName": "aws-ebs-csi-driver"}),
    )["addon"]
        .clone();
    assert_eq!(ebs["status"], "ACTIVE");

    // IAM OIDC provider for green, and blue's IRSA role trusts it for the same service account.
    let issuer = g["identity"]["oidc"]["issuer"]
        .as_str()
        .unwrap()
        .trim_start_matches("https://")
        .to_string();
    assert_ne!(
        issuer,
        blue["oidc_issuer"]
            .as_str()
            .unwrap()
            .trim_start_matches("https://")
    );
    assert!(
        env.aws("iam", "list_open_id_connect_providers", json!({}))
            .to_string()
            .contains(&issuer)
    );
    let role_name = blue["irsa_role_arn"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let trust = |env: &Env| {
        env.aws("iam", "get_role", json!({"RoleName": role_name}))["Role"]["AssumeRolePolicyDocument"].clone()
    };
    let t = trust(&env);
    let green_statements: Vec<&Value> = t["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| {
            s["Principal"]["Federated"]
                .as_str()
                .unwrap_or_default()
                .ends_with(&issuer)
        })
        .collect();
    assert_eq!(green_statements.len(), 1, "{t}");
    assert_eq!(
        green_statements[0]["Condition"]["StringEquals"][format!("{issuer}:sub")],
        "system:serviceaccount:kubeflow:ml-pipeline"
    );

    // The green context: written next to blue's, exec credentials, current-context untouched.
    let kc: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&env.kubeconfig).unwrap()).unwrap();
    assert_eq!(kc["current-context"], "blue");
    assert_eq!(kc["preferences"], kc_before["preferences"]);
    let find = |section: &str| {
        kc[section]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|e| e["name"] == "green")
            .cloned()
            .unwrap()
    };
    assert_eq!(
        find("clusters")["cluster"]["server"],
        env.green.url.as_str()
    );
    let args: Vec<String> = find("users")["user"]["exec"]["args"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        args,
        vec!["kf", "token", "--cluster", "green", "--region", REGION]
    );
    assert_eq!(find("contexts")["context"]["cluster"], "green");
    assert!(crate_backup(&env).exists());
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&env.kubeconfig)
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
    // ... and it works, through `kubectl kf token`.
    assert_exit(
        &env.kubectl(&["--context", "green", "get", "namespaces"]),
        0,
    );
    // The record knows blue -> green.
    let rec: Value =
        serde_json::from_slice(&env.kf(&["status", "--to", "green", "-o", "json"]).stdout).unwrap();
    assert_eq!(rec["greenCluster"], "green");
    assert_eq!(rec["resources"]["cluster.eks"]["phase"], "Completed");

    // Again: converges, nothing created or changed in AWS, no duplicate trust statements.
    env.reset_requests();
    assert_exit(
        &deploy(
            &env,
            &[
                "cluster",
                "green",
                "--version",
                "1.31",
                "--node-type",
                "m5.2xlarge",
                "--nodes-max",
                "12",
            ],
        ),
        0,
    );
    assert_eq!(env.mutating_requests(), Vec::<String>::new());
    assert_eq!(trust(&env), t);
}

fn crate_backup(env: &Env) -> std::path::PathBuf {
    let mut name = env.kubeconfig.file_name().unwrap().to_os_string();
    name.push(".kf-backup");
    env.kubeconfig.with_file_name(name)
}

#[test]
fn dry_run_shows_blue_vs_green_and_a_green_named_like_blue_is_refused() {
    let (env, _blue) = blue_only(&[]);
    let before = std::fs::read(&env.kubeconfig).unwrap();
    env.reset_requests();
    let out = deploy(
        &env,
        &["cluster", "green", "--version", "1.31", "--dry-run"],
    );
    assert_exit(&out, 0);
    let plan = stdout(&out);
    assert!(
        plan.contains("version")
            && plan.contains("1.29")
            && plan.contains("1.31")
            && plan.contains('*'),
        "{plan}"
    );
    assert!(plan.contains("kf-blue-ml-pipeline"), "{plan}");
    assert_eq!(env.mutating_requests(), Vec::<String>::new());
    assert!(
        env.aws("eks", "list_clusters", json!({}))["clusters"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c != "green")
    );
    assert_eq!(std::fs::read(&env.kubeconfig).unwrap(), before);

    let out = deploy(&env, &["cluster", "blue"]);
    assert_exit(&out, 2);
    let out = deploy(
        &env,
        &[
            "cluster",
            "green",
            "--nodes",
            "20",
            "--nodes-max",
            "10",
            "--dry-run",
        ],
    );
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("--nodes"), "{}", stderr(&out));
    assert_eq!(env.mutating_requests(), Vec::<String>::new());
}
