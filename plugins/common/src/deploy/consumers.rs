//! After apply: what each reader of the database and bucket really gets, resolved from its
//! Deployment's env (literals, `configMapKeyRef`, `secretKeyRef`, `envFrom`) against green's
//! ConfigMaps and Secrets. Pure: the objects in, checks out.
//!
//! The env names are the upstream manifests' (`tests/fixtures/FACTS.md` 1.1, 1.5, 3): the KFP
//! API server reads `DBCONFIG_MYSQLCONFIG_HOST` (KFP >= 2.0.2) or `DBCONFIG_HOST`, MLMD
//! `MYSQL_HOST`, the cache server `DBCONFIG_HOST_NAME`, Katib's DB manager
//! `KATIB_MYSQL_DB_HOST` (default `katib-mysql` when unset).

use serde::Serialize;
use std::collections::BTreeMap;

use serde_json::Value;

/// One thing read back from green after the apply, and whether it names the clones.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub check: String,
    pub ok: bool,
    pub detail: String,
}

/// `namespace/name` -> key -> value.
pub type Data = BTreeMap<String, BTreeMap<String, String>>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Want {
    pub db_host: String,
    pub bucket: String,
    pub blue_db_host: Option<String>,
    pub blue_bucket: Option<String>,
}

struct Consumer {
    name: &'static str,
    /// Env names holding the DB host, and the binary's default when none is set.
    db: &'static [&'static str],
    db_default: Option<&'static str>,
    bucket: &'static [&'static str],
}

const CONSUMERS: [Consumer; 5] = [
    Consumer {
        name: "ml-pipeline",
        db: &["DBCONFIG_MYSQLCONFIG_HOST", "DBCONFIG_HOST", "dbHost"],
        db_default: Some("mysql"),
        bucket: &["OBJECTSTORECONFIG_BUCKETNAME", "bucketName"],
    },
    Consumer {
        name: "metadata-grpc-deployment",
        db: &["MYSQL_HOST"],
        db_default: None,
        bucket: &[],
    },
    Consumer {
        name: "cache-server",
        db: &["DBCONFIG_HOST_NAME"],
        db_default: None,
        bucket: &[],
    },
    Consumer {
        name: "katib-db-manager",
        db: &["KATIB_MYSQL_DB_HOST"],
        db_default: Some("katib-mysql"),
        bucket: &[],
    },
    Consumer {
        name: "ml-pipeline-ui",
        db: &[],
        db_default: None,
        bucket: &[],
    },
];

/// One resolved variable: its value (None: a reference that does not resolve) and where from.
struct Var {
    value: Option<String>,
    source: String,
    secret: bool,
}

fn resolve_env(ns: &str, container: &Value, cms: &Data, secrets: &Data) -> Vec<(String, Var)> {
    let mut out = Vec::new();
    let get = |d: &Data, name: &str| d.get(&format!("{ns}/{name}")).cloned();
    for f in container["envFrom"].as_array().into_iter().flatten() {
        let prefix = f["prefix"].as_str().unwrap_or("");
        for (kind, key, d, secret) in [
            ("ConfigMap", "configMapRef", cms, false),
            ("Secret", "secretRef", secrets, true),
        ] {
            if let Some(name) = f[key]["name"].as_str() {
                for (k, v) in get(d, name).unwrap_or_default() {
                    out.push((
                        format!("{prefix}{k}"),
                        Var {
                            value: Some(v),
                            source: format!("{kind} {ns}/{name} {k}"),
                            secret,
                        },
                    ));
                }
            }
        }
    }
    for e in container["env"].as_array().into_iter().flatten() {
        let Some(name) = e["name"].as_str() else {
            continue;
        };
        let var = if let Some(v) = e["value"].as_str() {
            Var {
                value: Some(v.into()),
                source: "a literal".into(),
                secret: false,
            }
        } else if let Some(r) = e["valueFrom"]["configMapKeyRef"].as_object() {
            let (n, k) = (
                r["name"].as_str().unwrap_or(""),
                r["key"].as_str().unwrap_or(""),
            );
            Var {
                value: get(cms, n).and_then(|d| d.get(k).cloned()),
                source: format!("ConfigMap {ns}/{n} {k}"),
                secret: false,
            }
        } else if let Some(r) = e["valueFrom"]["secretKeyRef"].as_object() {
            let (n, k) = (
                r["name"].as_str().unwrap_or(""),
                r["key"].as_str().unwrap_or(""),
            );
            Var {
                value: get(secrets, n).and_then(|d| d.get(k).cloned()),
                source: format!("Secret {ns}/{n} {k}"),
                secret: true,
            }
        } else {
            continue;
        };
        out.retain(|(n, _)| n != name);
        out.push((name.to_string(), var));
    }
    out
}

/// The checks of every consumer found in `deployments` (green's, live).
pub fn checks(deployments: &[Value], cms: &Data, secrets: &Data, w: &Want) -> Vec<Check> {
    let mut out = Vec::new();
    for c in &CONSUMERS {
        let Some(dep) = deployments.iter().find(|d| d["metadata"]["name"] == c.name) else {
            continue;
        };
        let ns = dep["metadata"]["namespace"].as_str().unwrap_or("kubeflow");
        let mut problems = Vec::new();
        let mut seen = Vec::new();
        let containers = dep["spec"]["template"]["spec"]["containers"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut db_found = false;
        let mut bucket_found = false;
        for ct in &containers {
            let cname = ct["name"].as_str().unwrap_or("?");
            for (name, var) in resolve_env(ns, ct, cms, secrets) {
                let at = format!("Deployment {ns}/{} {cname} env {name}", c.name);
                let Some(value) = &var.value else {
                    if c.db.contains(&name.as_str()) || c.bucket.contains(&name.as_str()) {
                        problems.push(format!("{at}: {} does not exist", var.source));
                    }
                    continue;
                };
                if c.db.contains(&name.as_str()) {
                    db_found = true;
                    if *value == w.db_host {
                        seen.push(format!("DB {value}"));
                    } else {
                        problems.push(format!(
                            "{at} (from {}) is {value}, not green's DB {}",
                            var.source, w.db_host
                        ));
                    }
                    continue;
                }
                if c.bucket.contains(&name.as_str()) {
                    bucket_found = true;
                    if *value == w.bucket {
                        seen.push(format!("bucket {value}"));
                    } else {
                        problems.push(format!(
                            "{at} (from {}) is {value}, not green's bucket {}",
                            var.source, w.bucket
                        ));
                    }
                    continue;
                }
                // Anything else naming blue's storage.
                let blue = [&w.blue_db_host, &w.blue_bucket]
                    .into_iter()
                    .flatten()
                    .find(|b| !b.is_empty() && value.contains(b.as_str()));
                if let Some(b) = blue {
                    let shown = if var.secret {
                        "(a secret value)"
                    } else {
                        value
                    };
                    problems.push(format!(
                        "{at} (from {}) names blue's {b}: {shown}",
                        var.source
                    ));
                }
            }
        }
        if !db_found && let Some(d) = c.db_default {
            problems.push(format!(
                "Deployment {ns}/{} sets none of {}: it uses its default host {d}",
                c.name,
                c.db.join(", ")
            ));
        }
        if !bucket_found && !c.bucket.is_empty() && db_found {
            // Read from the ConfigMap by its consumers' mapping only; none is set.
            problems.push(format!(
                "Deployment {ns}/{} sets none of {}",
                c.name,
                c.bucket.join(", ")
            ));
        }
        out.push(Check {
            check: format!("{} storage", c.name),
            ok: problems.is_empty(),
            detail: if problems.is_empty() {
                if seen.is_empty() {
                    "names no DB or bucket of blue's".into()
                } else {
                    seen.sort();
                    seen.dedup();
                    seen.join(", ")
                }
            } else {
                problems.join("; ")
            },
        });
    }
    out
}

/// `key` of the YAML string `text` under `path` (e.g. artifactRepository's s3.bucket).
pub fn yaml_field(text: &str, path: &[&str]) -> Option<String> {
    let mut v: Value = serde_yaml::from_str(text).ok()?;
    for p in path {
        v = v.get(*p)?.clone();
    }
    v.as_str().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn data(entries: &[(&str, &[(&str, &str)])]) -> Data {
        entries
            .iter()
            .map(|(n, kv)| {
                (
                    n.to_string(),
                    kv.iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                )
            })
            .collect()
    }

    fn dep(name: &str, env: Value) -> Value {
        json!({"metadata": {"name": name, "namespace": "kubeflow"},
            "spec": {"template": {"spec": {"containers": [{"name": "c", "env": env}]}}}})
    }

    fn w() -> Want {
        Want {
            db_host: "green-db".into(),
            bucket: "green-b".into(),
            blue_db_host: Some("blue-db".into()),
            blue_bucket: Some("blue-b".into()),
        }
    }

    #[test]
    fn values_are_resolved_through_configmaps_and_secrets() {
        let cms = data(&[(
            "kubeflow/pipeline-install-config",
            &[
                ("mysqlHost", "green-db"),
                ("dbHost", "mysql"),
                ("bucketName", "green-b"),
            ],
        )]);
        let secrets = data(&[(
            "kubeflow/katib-mysql-secrets",
            &[("KATIB_MYSQL_DB_HOST", "green-db")],
        )]);
        let cm =
            |k: &str| json!({"configMapKeyRef": {"name": "pipeline-install-config", "key": k}});
        let deps = vec![
            dep(
                "ml-pipeline",
                json!([
                    {"name": "DBCONFIG_MYSQLCONFIG_HOST", "valueFrom": cm("mysqlHost")},
                    {"name": "DBCONFIG_HOST", "valueFrom": cm("dbHost")},
                    {"name": "OBJECTSTORECONFIG_BUCKETNAME", "valueFrom": cm("bucketName")},
                ]),
            ),
            dep(
                "katib-db-manager",
                json!([{"name": "KATIB_MYSQL_DB_HOST", "valueFrom": {"secretKeyRef": {"name": "katib-mysql-secrets", "key": "KATIB_MYSQL_DB_HOST"}}}]),
            ),
            dep(
                "cache-server",
                json!([{"name": "X", "value": "s3://blue-b/x"}]),
            ),
        ];
        let c = checks(&deps, &cms, &secrets, &w());
        assert_eq!(c.len(), 3);
        // dbHost left at the in-cluster default fails, naming object and key.
        assert!(!c[0].ok);
        assert!(
            c[0].detail.contains("env DBCONFIG_HOST")
                && c[0]
                    .detail
                    .contains("ConfigMap kubeflow/pipeline-install-config dbHost"),
            "{}",
            c[0].detail
        );
        // Order: ml-pipeline, cache-server, katib-db-manager.
        assert!(!c[1].ok && c[1].detail.contains("names blue's blue-b"));
        assert!(c[2].ok, "{}", c[2].detail);
    }

    #[test]
    fn an_unset_host_with_a_default_and_a_missing_reference_fail() {
        let deps = vec![
            dep(
                "katib-db-manager",
                json!([{"name": "DB_NAME", "value": "mysql"}]),
            ),
            dep(
                "metadata-grpc-deployment",
                json!([{"name": "MYSQL_HOST", "valueFrom": {"configMapKeyRef": {"name": "nope", "key": "dbHost"}}}]),
            ),
        ];
        let c = checks(&deps, &Data::new(), &Data::new(), &w());
        assert!(!c[1].ok && c[1].detail.contains("default host katib-mysql"));
        assert!(
            !c[0].ok
                && c[0]
                    .detail
                    .contains("ConfigMap kubeflow/nope dbHost does not exist")
        );
        assert_eq!(
            yaml_field("s3:\n  bucket: b\n", &["s3", "bucket"]).as_deref(),
            Some("b")
        );
    }
}
