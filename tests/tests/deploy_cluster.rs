//! `kubectl kf deploy cluster` end to end, from a blue made the way eksctl makes it (reserved
//! `aws:cloudformation:*` tags, an AL2 nodegroup, a launch-template nodegroup, add-ons with roles
//! and configuration values, Pod Identity, two access entries, aws-auth mappings) on the EKS of
//! 2026-12-01 (1.32 to 1.36 offered; no AL2 images from 1.33): green on 1.33 shaped like blue,
//! usable by everyone who could use blue, re-runs creating nothing, bad input refused before
//! anything is written.

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
        let mut v: serde_yaml::Value = serde_yaml::from_str(&kc).unwrap();
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

fn cluster(env: &Env, name: &str) -> Value {
    env.aws("eks", "describe_cluster", json!({"name": name}))["cluster"].clone()
}

fn nodegroup(env: &Env, cluster: &str, name: &str) -> Value {
    env.aws(
        "eks",
        "describe_nodegroup",
        json!({"clusterName": cluster, "nodegroupName": name}),
    )["nodegroup"]
        .clone()
}

fn addon(env: &Env, cluster: &str, name: &str) -> Value {
    env.aws(
        "eks",
        "describe_addon",
        json!({"clusterName": cluster, "addonName": name}),
    )["addon"]
        .clone()
}

fn role(env: &Env, arn: &str) -> Value {
    let name = arn.rsplit('/').next().unwrap();
    env.aws("iam", "get_role", json!({"RoleName": name}))["Role"].clone()
}

fn attached(env: &Env, arn: &str) -> Vec<String> {
    let name = arn.rsplit('/').next().unwrap();
    let mut v: Vec<String> = env.aws(
        "iam",
        "list_attached_role_policies",
        json!({"RoleName": name}),
    )["AttachedPolicies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["PolicyArn"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

/// Everything IAM says of a role and its policies (the role without `RoleLastUsed`), to show
/// it is byte-identical before and after.
fn role_and_policies(env: &Env, name: &str) -> Value {
    let mut r = env.aws("iam", "get_role", json!({"RoleName": name}))["Role"].clone();
    r.as_object_mut().unwrap().remove("RoleLastUsed");
    let inline =
        env.aws("iam", "list_role_policies", json!({"RoleName": name}))["PolicyNames"].clone();
    let docs: Vec<Value> = inline
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            env.aws(
                "iam",
                "get_role_policy",
                json!({"RoleName": name, "PolicyName": p}),
            )["PolicyDocument"]
                .clone()
        })
        .collect();
    let attached = env.aws(
        "iam",
        "list_attached_role_policies",
        json!({"RoleName": name}),
    )["AttachedPolicies"]
        .clone();
    let versions: Vec<Value> = attached
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| {
            !a["PolicyArn"]
                .as_str()
                .unwrap()
                .starts_with("arn:aws:iam::aws:")
        })
        .map(|a| {
            let p = &env.aws("iam", "get_policy", json!({"PolicyArn": a["PolicyArn"]}))["Policy"];
            let v = env.aws(
                "iam",
                "get_policy_version",
                json!({"PolicyArn": a["PolicyArn"], "VersionId": p["DefaultVersionId"]}),
            );
            json!([p, v["PolicyVersion"]["Document"]])
        })
        .collect();
    json!({"role": r, "inline": docs, "attached": attached, "managed": versions})
}

fn issuer_path(c: &Value) -> String {
    c["identity"]["oidc"]["issuer"]
        .as_str()
        .unwrap()
        .trim_start_matches("https://")
        .to_string()
}

/// The statements of a trust policy naming `issuer`'s provider.
fn statements_for(trust: &Value, issuer: &str) -> Vec<Value> {
    trust["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| {
            s["Principal"]["Federated"]
                .as_str()
                .unwrap_or_default()
                .ends_with(issuer)
        })
        .cloned()
        .collect()
}

fn access_policies(env: &Env, cluster: &str, principal: &str) -> Vec<(String, Value)> {
    env.aws(
        "eks",
        "list_associated_access_policies",
        json!({"clusterName": cluster, "principalArn": principal}),
    )["associatedAccessPolicies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["policyArn"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string(),
                p["accessScope"].clone(),
            )
        })
        .collect()
}

#[test]
fn green_from_an_eksctl_blue_on_1_33_is_shaped_like_blue_usable_by_all_and_reruns_create_nothing() {
    let (env, blue) = blue_only(&[("eks_cluster", 2), ("eks_nodegroup", 2), ("eks_addon", 1)]);
    let kc_before: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&env.kubeconfig).unwrap()).unwrap();
    let b = cluster(&env, "blue");
    let blue_cni_role = blue["vpc_cni_role_arn"].as_str().unwrap().to_string();
    let blue_cni_trust = role(&env, &blue_cni_role)["AssumeRolePolicyDocument"].clone();
    let ml_role = blue["irsa_role_arn"].as_str().unwrap().to_string();
    let ml_name = ml_role.rsplit('/').next().unwrap().to_string();
    let blue_ml_before = role_and_policies(&env, &ml_name);
    assert!(
        b["tags"]
            .as_object()
            .unwrap()
            .keys()
            .any(|k| k.starts_with("aws:cloudformation:")),
        "the seed is eksctl's: {b}"
    );

    let args = ["cluster", "green", "--version", "1.33", "--nodes-max", "12"];
    let out = deploy(&env, &args);
    assert_exit(&out, 0);
    let plan = stdout(&out);
    assert_eq!(
        plan.matches("Plan: green cluster green").count(),
        1,
        "{plan}"
    );

    // The cluster: blue's shape on 1.33.
    let g = cluster(&env, "green");
    assert_eq!(g["status"], "ACTIVE");
    assert_eq!(g["version"], "1.33");
    assert_eq!(g["roleArn"], b["roleArn"]);
    for field in [
        "vpcId",
        "subnetIds",
        "endpointPublicAccess",
        "endpointPrivateAccess",
        "publicAccessCidrs",
    ] {
        assert_eq!(
            g["resourcesVpcConfig"][field], b["resourcesVpcConfig"][field],
            "{field}"
        );
    }
    assert_eq!(g["logging"], b["logging"]);
    assert_eq!(g["kubernetesNetworkConfig"], b["kubernetesNetworkConfig"]);
    assert_eq!(g["upgradePolicy"], b["upgradePolicy"]);
    assert_eq!(
        g["accessConfig"]["authenticationMode"],
        "API_AND_CONFIG_MAP"
    );
    // Tags: blue's own, none reserved for AWS (EKS refuses them), none naming blue's owner.
    assert_eq!(g["tags"]["kubeflow.org/upgrade"], "green");
    for (k, v) in b["tags"].as_object().unwrap() {
        if k.starts_with("aws:") || k.starts_with("alpha.eksctl.io/") || k.starts_with("eksctl.") {
            assert!(g["tags"].get(k).is_none(), "{k} copied");
        } else {
            assert_eq!(&g["tags"][k], v, "tag {k}");
        }
    }
    assert!(plan.contains("aws:cloudformation:stack-name"), "{plan}");

    // The AL2 nodegroup: AL2023 on 1.33 (EKS has no AL2 AMI for it), otherwise blue's.
    let (bn, gn) = (
        nodegroup(&env, "blue", "linux-nodes"),
        nodegroup(&env, "green", "linux-nodes"),
    );
    assert_eq!(bn["amiType"], "AL2_x86_64");
    assert_eq!(gn["status"], "ACTIVE");
    assert_eq!(gn["amiType"], "AL2023_x86_64_STANDARD");
    assert_eq!(gn["version"], "1.33");
    for field in [
        "instanceTypes",
        "diskSize",
        "labels",
        "taints",
        "nodeRole",
        "subnets",
    ] {
        assert_eq!(gn[field], bn[field], "{field}");
    }
    assert_eq!(
        gn["scalingConfig"]["minSize"],
        bn["scalingConfig"]["minSize"]
    );
    assert_eq!(
        gn["scalingConfig"]["desiredSize"],
        bn["scalingConfig"]["desiredSize"]
    );
    assert_eq!(gn["scalingConfig"]["maxSize"], 12);
    assert!(
        !gn["tags"]
            .as_object()
            .unwrap()
            .keys()
            .any(|k| k.starts_with("aws:"))
    );
    // The launch-template nodegroup: blue's template, no invented disk or instance type.
    let (bm, gm) = (
        nodegroup(&env, "blue", "ml-nodes"),
        nodegroup(&env, "green", "ml-nodes"),
    );
    assert_eq!(gm["status"], "ACTIVE");
    assert_eq!(gm["launchTemplate"]["id"], blue["launch_template_id"]);
    assert_eq!(
        gm["launchTemplate"]["version"],
        blue["launch_template_version"]
    );
    assert_eq!(gm["diskSize"], Value::Null);
    assert_eq!(gm["instanceTypes"], Value::Null);
    assert_eq!(gm["labels"], bm["labels"]);

    // Add-ons: blue's, ACTIVE (DEGRADED while there were no nodes is waited out), with blue's
    // configuration values and roles of green's own that trust green's provider.
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
    for a in &addons {
        assert_eq!(addon(&env, "green", a)["status"], "ACTIVE", "{a}");
    }
    let cni = addon(&env, "green", "vpc-cni");
    assert_eq!(
        cni["configurationValues"],
        blue["vpc_cni_configuration_values"]
    );
    let green_issuer = issuer_path(&g);
    for (name, sa, blue_role) in [
        ("vpc-cni", "aws-node", blue_cni_role.as_str()),
        (
            "aws-ebs-csi-driver",
            "ebs-csi-controller-sa",
            blue["ebs_csi_role_arn"].as_str().unwrap(),
        ),
    ] {
        let arn = addon(&env, "green", name)["serviceAccountRoleArn"]
            .as_str()
            .unwrap()
            .to_string();
        assert_ne!(arn, blue_role, "{name} got green's own role");
        let r = role(&env, &arn);
        assert!(
            r["Tags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["Key"] == "kubeflow.org/upgrade" && t["Value"] == "green")
        );
        let statements = statements_for(&r["AssumeRolePolicyDocument"], &green_issuer);
        assert_eq!(statements.len(), 1, "{r}");
        assert_eq!(
            statements[0]["Condition"]["StringEquals"][format!("{green_issuer}:sub")],
            json!([format!("system:serviceaccount:kube-system:{sa}")])
        );
        assert_eq!(attached(&env, &arn), attached(&env, blue_role), "{name}");
    }
    // Blue's role is as it was.
    assert_eq!(
        role(&env, &blue_cni_role)["AssumeRolePolicyDocument"],
        blue_cni_trust
    );
    // Pod Identity: the ALB controller's association, same role.
    let pods = env.aws(
        "eks",
        "list_pod_identity_associations",
        json!({"clusterName": "green"}),
    )["associations"]
        .clone();
    let alb = pods
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["serviceAccount"] == "aws-load-balancer-controller")
        .unwrap_or_else(|| panic!("{pods}"));
    let alb = env.aws(
        "eks",
        "describe_pod_identity_association",
        json!({"clusterName": "green", "associationId": alb["associationId"]}),
    )["association"]
        .clone();
    assert_eq!(alb["roleArn"], blue["pod_identity_role_arn"]);

    // Access: blue's two entries with their policies, and the aws-auth admin role and operator
    // user (system:masters) as cluster admins.
    let entries = env.aws(
        "eks",
        "list_access_entries",
        json!({"clusterName": "green"}),
    )["accessEntries"]
        .clone();
    for p in [
        &blue["ci_role_arn"],
        &blue["data_team_role_arn"],
        &blue["aws_auth_admin_role_arn"],
        &blue["aws_auth_user_arn"],
        &blue["node_role_arn"],
    ] {
        assert!(entries.as_array().unwrap().contains(p), "{p} in {entries}");
    }
    let admin = vec![(
        "AmazonEKSClusterAdminPolicy".to_string(),
        json!({"type": "cluster", "namespaces": []}),
    )];
    assert_eq!(
        access_policies(&env, "green", blue["ci_role_arn"].as_str().unwrap()),
        admin
    );
    assert_eq!(
        access_policies(
            &env,
            "green",
            blue["aws_auth_admin_role_arn"].as_str().unwrap()
        ),
        admin
    );
    assert_eq!(
        access_policies(&env, "green", blue["aws_auth_user_arn"].as_str().unwrap()),
        admin
    );
    assert_eq!(
        access_policies(&env, "green", blue["data_team_role_arn"].as_str().unwrap()),
        vec![(
            "AmazonEKSViewPolicy".to_string(),
            json!({"type": "namespace", "namespaces": blue["data_team_namespaces"]}),
        )]
    );

    // Blue's Kubeflow role is not changed; green's own waits for green's bucket (kf clone).
    assert_eq!(role_and_policies(&env, &ml_name), blue_ml_before);
    let green_ml = format!("{ml_name}-green");
    assert!(plan.contains(&green_ml), "{plan}");
    let roles = env.aws("iam", "list_roles", json!({}))["Roles"].clone();
    assert!(
        !roles
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["RoleName"] == green_ml.as_str()),
        "no green role before green's bucket exists"
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
    let exec_args: Vec<String> = find("users")["user"]["exec"]["args"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        exec_args,
        vec!["kf", "token", "--cluster", "green", "--region", REGION]
    );
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
    assert_exit(
        &env.kubectl(&["--context", "green", "get", "namespaces"]),
        0,
    );
    let rec: Value =
        serde_json::from_slice(&env.kf(&["status", "--to", "green", "-o", "json"]).stdout).unwrap();
    assert_eq!(rec["greenCluster"], "green");
    assert_eq!(rec["resources"]["cluster.eks"]["phase"], "Completed");
    assert_eq!(rec["resources"]["cluster.role.vpc-cni"]["kind"], "IAMRole");

    // Blue is as it was.
    let b_after = cluster(&env, "blue");
    assert_eq!(b_after["tags"], b["tags"]);
    assert_eq!(b_after["version"], "1.32");

    // Once kf clone recorded green's bucket, a re-run makes green's role: blue's policies with
    // green's bucket, trusting green's provider for blue's service account, tagged.
    assert_exit(
        &env.plugin(
            "kubectl-kf_clone",
            &["--to", "green", "--only", "bucket", "-q"],
        ),
        0,
    );
    let rec = record(&env);
    let green_bucket = rec["clones"]["bucket"]["name"]
        .as_str()
        .unwrap()
        .to_string();
    let blue_bucket = blue["bucket"].as_str().unwrap();
    // The plan says so first: one create step, on 80 columns, and the same value in JSON.
    let mut dry: Vec<&str> = args.to_vec();
    dry.push("--dry-run");
    env.reset_requests();
    let out = deploy(&env, &dry);
    assert_exit(&out, 0);
    let text = stdout(&out);
    let table = &text[text.find("KUBEFLOW ROLE OF GREEN").expect(&text)..];
    let step = text
        .lines()
        .skip_while(|l| !l.contains(&format!("IAM role {green_ml} for Kubeflow")))
        .take(2)
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!(
        "kubeflow-roles-dry-run-after-clone",
        format!("{step}\n\n{table}")
    );
    assert!(
        step.lines()
            .chain(table.lines())
            .all(|l| l.chars().count() <= 80),
        "{text}"
    );
    dry.extend(["-o", "json"]);
    let out = deploy(&env, &dry);
    assert_exit(&out, 0);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let planned = &json["plan"]["kubeflowRoles"][0];
    assert_eq!(planned["action"], "create");
    assert_eq!(planned["name"], green_ml.as_str());
    assert_eq!(planned["replaced"], 2);
    assert!(
        planned["inlinePolicies"]
            .to_string()
            .contains(&green_bucket),
        "{planned}"
    );
    assert_eq!(
        env.mutating_requests().len(),
        0,
        "the dry runs change nothing"
    );
    assert_exit(&deploy(&env, &args), 0);
    let gr = env.aws("iam", "get_role", json!({"RoleName": green_ml}))["Role"].clone();
    let gt = &gr["AssumeRolePolicyDocument"];
    assert_eq!(statements_for(gt, &green_issuer).len(), 1, "{gt}");
    assert_eq!(gt["Statement"].as_array().unwrap().len(), 1, "{gt}");
    assert_eq!(
        gt["Statement"][0]["Condition"]["StringEquals"][format!("{green_issuer}:sub")],
        json!(["system:serviceaccount:kubeflow:ml-pipeline"])
    );
    let tags: Vec<(String, String)> = gr["Tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["Key"].as_str().unwrap().into(),
                t["Value"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        tags.contains(&("kubeflow.org/upgrade".into(), "green".into())),
        "{tags:?}"
    );
    assert!(
        tags.contains(&(
            "kubeflow.org/step".into(),
            format!("cluster.kubeflow-role.{ml_name}")
        )),
        "{tags:?}"
    );
    let names =
        env.aws("iam", "list_role_policies", json!({"RoleName": green_ml}))["PolicyNames"].clone();
    assert_eq!(names, json!([format!("kf-blue-ml-pipeline-s3")]));
    let doc = env.aws(
        "iam",
        "get_role_policy",
        json!({"RoleName": green_ml, "PolicyName": "kf-blue-ml-pipeline-s3"}),
    )["PolicyDocument"]
        .clone();
    assert_eq!(
        doc["Statement"][0]["Resource"],
        json!([
            format!("arn:aws:s3:::{green_bucket}"),
            format!("arn:aws:s3:::{green_bucket}/*")
        ])
    );
    assert!(
        !doc.to_string().contains(&format!("{blue_bucket}\"")),
        "{doc}"
    );
    assert_eq!(
        attached(&env, gr["Arn"].as_str().unwrap()),
        Vec::<String>::new()
    );
    let rec = record(&env);
    assert_eq!(
        rec["greenRoles"],
        json!([{"blue": ml_role, "green": gr["Arn"], "serviceAccounts": ["kubeflow/ml-pipeline"]}])
    );
    assert_eq!(
        rec["resources"][format!("cluster.kubeflow-role.{ml_name}")]["phase"],
        "Completed"
    );
    assert_eq!(role_and_policies(&env, &ml_name), blue_ml_before);

    // Again: converges, nothing created or changed in AWS.
    env.reset_requests();
    assert_exit(&deploy(&env, &args), 0);
    assert_eq!(env.mutating_requests(), Vec::<String>::new());
    assert_eq!(role_and_policies(&env, &ml_name), blue_ml_before);
}

fn crate_backup(env: &Env) -> std::path::PathBuf {
    let mut name = env.kubeconfig.file_name().unwrap().to_os_string();
    name.push(".kf-backup");
    env.kubeconfig.with_file_name(name)
}

#[test]
fn the_dry_run_compares_blue_with_green_and_bad_names_and_versions_exit_2_writing_nothing() {
    let (env, _blue) = blue_only(&[]);
    let before = std::fs::read(&env.kubeconfig).unwrap();
    env.reset_requests();
    let out = deploy(
        &env,
        &["cluster", "green", "--version", "1.33", "--dry-run"],
    );
    assert_exit(&out, 0);
    let plan = stdout(&out);
    let line = |field: &str| {
        plan.lines()
            .find(|l| l.starts_with(field))
            .unwrap_or_else(|| panic!("no {field} row in {plan}"))
            .to_string()
    };
    let version = line("version ");
    assert!(version.contains('*') && version.ends_with("1.33"), "{plan}");
    assert!(plan.contains("(blue: 1.32)"), "{plan}");
    assert!(plan.contains("AL2023_x86_64_STANDARD") && plan.contains("(blue: AL2_x86_64)"));
    assert!(plan.contains("80 GiB (launch template)"), "{plan}");
    assert!(plan.contains("kf-green-vpc-cni"), "{plan}");
    assert!(plan.contains("aws:cloudformation:stack-name"), "{plan}");
    assert!(!plan.contains("Some("), "{plan}");
    // Same on both sides: not marked.
    assert!(!line("vpc ").contains('*'), "{plan}");
    assert_eq!(env.mutating_requests(), Vec::<String>::new());

    for (args, says) in [
        (vec!["cluster", "bad.name"], "not a valid EKS cluster name"),
        (vec!["cluster", "-x"], ""),
        (vec!["cluster", "blue"], "blue"),
        (
            vec!["cluster", "green", "--version", "1.31"],
            "older than blue's 1.32",
        ),
        (
            vec!["cluster", "green", "--version", "1.37"],
            "does not offer",
        ),
        (
            vec!["cluster", "green", "--version", "1.33.1"],
            "MAJOR.MINOR",
        ),
        (
            vec!["cluster", "green", "--nodes", "20", "--nodes-max", "10"],
            "--nodes",
        ),
        (
            vec![
                "cluster",
                "green",
                "--version",
                "1.33",
                "--node-type",
                "m5.4xlarge",
            ],
            "launch template",
        ),
    ] {
        let out = deploy(&env, &args);
        assert_exit(&out, 2);
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
    assert_eq!(env.mutating_requests(), Vec::<String>::new());
    assert!(
        env.aws("eks", "list_clusters", json!({}))["clusters"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c != "green")
    );
    assert!(!record_exists(&env), "nothing is written to blue");
    assert_eq!(std::fs::read(&env.kubeconfig).unwrap(), before);
}

#[test]
fn a_custom_ami_template_is_refused_for_a_new_version_unless_an_ami_family_replaces_it() {
    let (env, blue) = blue_only(&[("eks_cluster", 1), ("eks_nodegroup", 1)]);
    // A GPU pool on the team's own AMI: a launch template with ImageId (amiType CUSTOM).
    let template = env.aws(
        "ec2",
        "create_launch_template",
        json!({
            "LaunchTemplateName": "blue-gpu-nodes",
            "LaunchTemplateData": {
                "ImageId": "ami-0abcdef1234567890",
                "InstanceType": "g5.2xlarge",
                "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 200, "VolumeType": "gp3"}}],
            },
        }),
    )["LaunchTemplate"]
        .clone();
    env.aws(
        "eks",
        "create_nodegroup",
        json!({
            "clusterName": "blue",
            "nodegroupName": "gpu-nodes",
            "scalingConfig": {"minSize": 0, "desiredSize": 1, "maxSize": 2},
            "subnets": blue["private_subnet_ids"],
            "nodeRole": blue["node_role_arn"],
            "launchTemplate": {"id": template["LaunchTemplateId"], "version": "1"},
        }),
    );
    eventually(
        std::time::Duration::from_secs(30),
        "blue's gpu nodegroup",
        || (nodegroup(&env, "blue", "gpu-nodes")["status"] == "ACTIVE").then_some(()),
    );
    assert_eq!(nodegroup(&env, "blue", "gpu-nodes")["amiType"], "CUSTOM");

    env.reset_requests();
    let out = deploy(&env, &["cluster", "green", "--version", "1.33"]);
    assert_exit(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains("ami-0abcdef1234567890") && err.contains("--ami-family"),
        "{err}"
    );
    assert_eq!(env.mutating_requests(), Vec::<String>::new());

    let out = deploy(
        &env,
        &[
            "cluster",
            "green",
            "--version",
            "1.33",
            "--ami-family",
            "bottlerocket",
        ],
    );
    assert_exit(&out, 0);
    let gpu = nodegroup(&env, "green", "gpu-nodes");
    assert_eq!(gpu["amiType"], "BOTTLEROCKET_x86_64_NVIDIA");
    assert_eq!(gpu["instanceTypes"], json!(["g5.2xlarge"]));
    assert_eq!(gpu["diskSize"], 200);
    assert_eq!(gpu["launchTemplate"], Value::Null);
    // The AL2 pool follows the same family.
    assert_eq!(
        nodegroup(&env, "green", "linux-nodes")["amiType"],
        "BOTTLEROCKET_x86_64"
    );
}
