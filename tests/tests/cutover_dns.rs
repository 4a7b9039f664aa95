//! `kubectl kf cutover` and Route 53 as the real service behaves: five requests per second per
//! account (Throttling, PriorRequestNotComplete), accounts with many zones of many records,
//! external-dns owning the name, and `--dns`/`--hosted-zone` values that name nothing to move.
//! Assertions are on what the emulators hold afterwards and on the requests Route 53 served.

use kf_e2e::*;
use serde_json::{Value, json};

type Ready = ReadyForCutover;

fn cutover(env: &Env, args: &[&str]) -> std::process::Output {
    env.plugin("kubectl-kf_cutover", args)
}

fn ready() -> Ready {
    ready_for_cutover(|_, _| {})
}

/// Every record set of the zone (all pages).
fn zone_records(env: &Env, zone: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut params = json!({"HostedZoneId": zone});
    loop {
        let page = env.aws("route53", "list_resource_record_sets", params.clone());
        out.extend(
            page["ResourceRecordSets"]
                .as_array()
                .unwrap()
                .iter()
                .cloned(),
        );
        if page["IsTruncated"] != true {
            return out;
        }
        params["StartRecordName"] = page["NextRecordName"].clone();
        params["StartRecordType"] = page["NextRecordType"].clone();
    }
}

fn change(env: &Env, zone: &str, changes: Vec<Value>) {
    env.aws(
        "route53",
        "change_resource_record_sets",
        json!({"HostedZoneId": zone, "ChangeBatch": {"Changes": changes}}),
    );
}

fn create_zone(env: &Env, name: &str) -> String {
    let z = env.aws(
        "route53",
        "create_hosted_zone",
        json!({"Name": name, "CallerReference": format!("test-{name}")}),
    );
    z["HostedZone"]["Id"]
        .as_str()
        .unwrap()
        .trim_start_matches("/hostedzone/")
        .to_string()
}

/// `n` A records `host-<i>.<zone>` in the zone, in one change batch.
fn fill(env: &Env, zone: &str, name: &str, n: usize) {
    let changes = (0..n)
        .map(|i| {
            json!({"Action": "CREATE", "ResourceRecordSet": {
                "Name": format!("host-{i}.{name}"), "Type": "A", "TTL": 300,
                "ResourceRecords": [{"Value": format!("10.0.{}.{}", i / 250, i % 250 + 1)}]}})
        })
        .collect();
    change(env, zone, changes);
}

fn txt(action: &str, name: &str, value: &str) -> Value {
    json!({"Action": action, "ResourceRecordSet": {"Name": name, "Type": "TXT", "TTL": 300,
        "ResourceRecords": [{"Value": value}]}})
}

fn set_route53_rps(env: &Env, rps: f64) {
    env.aws_control("config", json!({"route53_rps": rps}));
}

/// Requests of `op` Route 53 served (not throttled, no injected fault) since the last reset.
fn served(env: &Env, op: &str) -> i64 {
    let r = env.requests();
    let n = |k: &str| r[k][op].as_i64().unwrap_or(0);
    n("by_operation") - n("throttled_by_operation") - n("faulted_by_operation")
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

fn current_context(env: &Env) -> String {
    let kc: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&env.kubeconfig).unwrap()).unwrap();
    kc["current-context"].as_str().unwrap().to_string()
}

fn check_named<'a>(checks: &'a Value, name: &str) -> &'a Value {
    checks["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == name)
        .unwrap_or_else(|| panic!("no check {name} in {checks}"))
}

/// Asserts that nothing was changed: no AWS write, the zones as they were, no cutover recorded,
/// blue's writers and the current context untouched.
#[track_caller]
fn assert_nothing_changed(env: &Env, zones: &[(&str, &Vec<Value>)], replicas: &[(String, i64)]) {
    assert_eq!(env.mutating_requests(), Vec::<String>::new());
    for (zone, before) in zones {
        assert_eq!(&zone_records(env, zone), *before, "zone {zone} changed");
    }
    assert!(
        record(env)["cutover"].is_null(),
        "{}",
        record(env)["cutover"]
    );
    assert_eq!(current_context(env), "blue");
    assert_eq!(blue_replicas(env), replicas);
}

#[test]
fn without_dns_the_search_stops_at_the_first_zone_holding_blue_s_alb_and_rides_out_throttling() {
    let r = ready();
    let env = &r.env;
    let name = r.blue["dns_name"].as_str().unwrap(); // kubeflow.example.com.
    let blue_alb = r.blue["alb_dns_name"].as_str().unwrap();
    let seeded_zone = r.blue["hosted_zone_id"].as_str().unwrap();

    // An account with several zones of three pages each (Route 53 lists 300 record sets a
    // page): two zones listed before the one holding blue's ALB, two after.
    set_route53_rps(env, 0.0);
    let alias = zone_records(env, seeded_zone)
        .into_iter()
        .find(|r| r["Name"] == name && r["Type"] == "A")
        .unwrap();
    change(
        env,
        seeded_zone,
        vec![json!({"Action": "DELETE", "ResourceRecordSet": alias})],
    );
    env.aws("route53", "delete_hosted_zone", json!({"Id": seeded_zone}));
    const RECORDS: usize = 650;
    let mut zones = Vec::new();
    for z in ["apps.example.net.", "example.org."] {
        let id = create_zone(env, z);
        fill(env, &id, z, RECORDS);
        zones.push(id);
    }
    let kf_zone = create_zone(env, name);
    fill(env, &kf_zone, name, RECORDS);
    change(
        env,
        &kf_zone,
        vec![json!({"Action": "CREATE", "ResourceRecordSet": alias})],
    );
    zones.push(kf_zone.clone());
    for z in ["data.example.io.", "example.co.uk."] {
        let id = create_zone(env, z);
        fill(env, &id, z, RECORDS);
        zones.push(id);
    }
    let pages = RECORDS.div_ceil(300) as i64; // 3 (with SOA and NS still 3)
    let every_page = zones.len() as i64 * pages;

    // Route 53's rate, tighter than its 5 per second: the account shares it with external-dns
    // and the rest. And more Throttling in a row than the SDK's own eight attempts ride out.
    set_route53_rps(env, 2.0);
    env.reset_requests();
    env.inject_fault("ListResourceRecordSets", 9, 400, "Throttling");
    let out = cutover(env, &["check", "--to", "green", "-o", "json"]);
    assert_exit(&out, 0);
    let checks: Value = serde_json::from_slice(&out.stdout).unwrap();
    let br = check_named(&checks, "blue-record");
    assert_eq!(br["ok"], true, "{br}");
    let detail = br["detail"].as_str().unwrap();
    assert!(
        detail.starts_with(&format!("{name} in {kf_zone}")),
        "{detail}"
    );
    assert!(detail.contains("2 other zone(s) not searched"), "{detail}");
    assert_eq!(check_named(&checks, "external-dns")["ok"], true);
    // The zones after the one holding blue's ALB were not read.
    let listed = served(env, "ListResourceRecordSets");
    assert!(
        listed <= 3 * pages && listed < every_page,
        "{listed} ListResourceRecordSets served for {} zones of {pages} pages: {}",
        zones.len(),
        env.requests()
    );
    assert_eq!(
        env.requests()["faulted_by_operation"]["ListResourceRecordSets"],
        9
    );

    // The plan, under the same rate.
    env.reset_requests();
    let out = cutover(env, &["--to", "green", "--dry-run", "--yes"]);
    assert_exit(&out, 0);
    let plan = stdout(&out);
    assert!(
        plan.contains(&r.green_alb_dns) && plan.contains(&kf_zone),
        "{plan}"
    );
    assert!(served(env, "ListResourceRecordSets") < every_page);
    assert_eq!(env.mutating_requests(), Vec::<String>::new());

    // The move itself: PriorRequestNotComplete (the zone still processing an earlier change)
    // more times in a row than the SDK retries is waited out, not a failed cutover.
    env.inject_fault(
        "ChangeResourceRecordSets",
        9,
        400,
        "PriorRequestNotComplete",
    );
    let out = cutover(env, &["--to", "green", "--yes"]);
    assert_exit(&out, 0);
    set_route53_rps(env, 0.0); // the test's own reads are not retried
    let a: Vec<Value> = zone_records(env, &kf_zone)
        .into_iter()
        .filter(|r| r["Name"] == name && r["Type"] == "A")
        .collect();
    assert_eq!(a.len(), 1);
    assert_eq!(
        a[0]["AliasTarget"]["DNSName"]
            .as_str()
            .unwrap()
            .trim_end_matches('.'),
        r.green_alb_dns
    );
    set_route53_rps(env, 2.0);
    let out = cutover(env, &["failback", "--yes"]);
    assert_exit(&out, 0);
    set_route53_rps(env, 0.0);
    let a: Vec<Value> = zone_records(env, &kf_zone)
        .into_iter()
        .filter(|r| r["Name"] == name && r["Type"] == "A")
        .collect();
    assert_eq!(a[0]["AliasTarget"]["DNSName"], blue_alb);
}

#[test]
fn a_name_external_dns_owns_is_refused_before_anything_changes() {
    let r = ready();
    let env = &r.env;
    let zone = r.blue["hosted_zone_id"].as_str().unwrap();
    let name = r.blue["dns_name"].as_str().unwrap(); // kubeflow.example.com., the zone's apex
    let blue_alb = r.blue["alb_dns_name"].as_str().unwrap();
    let owner = "\"heritage=external-dns,external-dns/owner=blue-cluster,external-dns/resource=ingress/istio-system/istio-ingress\"";
    // external-dns's classic format: the TXT record at the name. A TXT record of somebody
    // else, and an ownership record of another name, are no reason to refuse.
    change(
        env,
        zone,
        vec![
            txt("CREATE", name, owner),
            txt("CREATE", &format!("other.{name}"), owner),
            txt("CREATE", &format!("mail.{name}"), "\"v=spf1 -all\""),
        ],
    );
    let before = zone_records(env, zone);
    let replicas = blue_replicas(env);
    env.reset_requests();

    let out = cutover(env, &["check", "--to", "green", "-o", "json"]);
    assert_exit(&out, 2);
    let checks: Value = serde_json::from_slice(&out.stdout).unwrap();
    let c = check_named(&checks, "external-dns");
    assert_eq!(c["ok"], false, "{c}");
    assert!(
        c["detail"].as_str().unwrap().contains("owner blue-cluster"),
        "{c}"
    );
    let out = cutover(env, &["--to", "green", "--freeze-blue", "--yes"]);
    assert_exit(&out, 2);
    let err = stderr(&out);
    assert!(err.contains(&format!("external-dns owns {name}")), "{err}");
    assert!(
        err.contains("external-dns.alpha.kubernetes.io/hostname")
            && err.contains("point external-dns at green")
            && err.contains("nothing was changed"),
        "{err}"
    );
    assert_nothing_changed(env, &[(zone, &before)], &replicas);

    // The registry's newer format: `cname-<name>` next to a CNAME external-dns made.
    let cname = format!("pipelines.{name}");
    change(
        env,
        zone,
        vec![
            txt("DELETE", name, owner),
            json!({"Action": "CREATE", "ResourceRecordSet": {"Name": cname, "Type": "CNAME", "TTL": 60,
                "ResourceRecords": [{"Value": blue_alb}]}}),
            txt("CREATE", &format!("cname-{cname}"), owner),
        ],
    );
    let before = zone_records(env, zone);
    env.reset_requests();
    let args = ["--to", "green", "--dns", &cname, "--hosted-zone", zone];
    let out = cutover(env, &[&args[..], &["check"]].concat());
    assert_exit(&out, 2);
    let out = cutover(env, &[&args[..], &["--yes"]].concat());
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains(&format!("TXT cname-{cname} in {zone}, owner blue-cluster")),
        "{}",
        stderr(&out)
    );
    assert_nothing_changed(env, &[(zone, &before)], &replicas);

    // Its ownership record gone (the fix), the name can be moved.
    change(
        env,
        zone,
        vec![txt("DELETE", &format!("cname-{cname}"), owner)],
    );
    let out = cutover(env, &[&args[..], &["check"]].concat());
    assert_exit(&out, 0);
}

#[test]
fn dns_and_hosted_zone_values_naming_nothing_to_move_are_bad_input_and_change_nothing() {
    let r = ready();
    let env = &r.env;
    let zone = r.blue["hosted_zone_id"].as_str().unwrap();
    let other = create_zone(env, "other.example.org.");
    let before = zone_records(env, zone);
    let before_other = zone_records(env, &other);
    let replicas = blue_replicas(env);
    env.reset_requests();
    let cases: [(&[&str], &str); 6] = [
        (
            &["--dns", "kubeflow.nowhere.net"],
            "no hosted zone holds kubeflow.nowhere.net.",
        ),
        (
            &["--hosted-zone", "ZDOESNOTEXIST0000"],
            "hosted zone ZDOESNOTEXIST0000 (--hosted-zone) does not exist",
        ),
        (
            &["--dns", "kubeflow.example.com", "--hosted-zone", &other],
            "kubeflow.example.com. (--dns) is not inside hosted zone other.example.org.",
        ),
        (
            &[
                "--dns",
                "kubeflow.example.com",
                "--hosted-zone",
                "not a zone!",
            ],
            "is not a Route 53 hosted zone id",
        ),
        (
            &["--dns", "https://kubeflow.example.com/"],
            "is a URL, not a DNS name",
        ),
        (
            &["--dns", "www.kubeflow.example.com"],
            "no A/AAAA/CNAME record www.kubeflow.example.com. points at blue's load balancer",
        ),
    ];
    for (flags, says) in cases {
        for run in [&["check"][..], &["--freeze-blue", "--yes"][..]] {
            // `check` is a subcommand: cutover's own flags come before it.
            let args = [&["--to", "green"][..], flags, run].concat();
            let out = cutover(env, &args);
            assert_exit(&out, 2);
            let err = stderr(&out);
            assert!(err.contains(says), "{args:?}: {err}");
            assert!(err.contains("nothing was changed"), "{args:?}: {err}");
        }
    }
    assert_nothing_changed(env, &[(zone, &before), (&other, &before_other)], &replicas);
}
