//! Executes a migrate [`Plan`]: exactly its steps, in its order (Profiles, the wait for their
//! namespaces, the objects, the claims), the independent ones in parallel (bounded). A step that
//! fails does not stop the others; the run ends with all failures named, and running it again
//! does only what is still missing (apply is driven by what green has).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use futures::StreamExt;
use k8s_openapi::api::core::v1::Namespace;
use kube::Client;
use kube::api::{Api, DynamicObject, ListParams, PostParams};
use serde::Serialize;
use serde_json::Value;

use super::observe::{Source, profile_resource, resource_of};
use super::plan::{Action, IRSA_ANNOTATION, ObjKind, Plan, Step};
use crate::error::{Error, OnContext, Result};
use crate::progress::Stream;
use crate::upgrade::Session;

/// How many objects or claims are written at once.
pub const PARALLEL: usize = 16;
/// The annotation that stops a notebook (its controller scales it to 0) until cutover
/// (kubeflow/kubeflow components/notebook-controller/pkg/culler/culler.go, STOP_ANNOTATION);
/// beside it, [`freeze::STOPPED_BY`] tells cutover to start it.
use crate::cutover::freeze::{self, STOP_ANNOTATION as NOTEBOOK_STOPPED};
/// Where green's copy came from.
pub const MIGRATED_FROM: &str = "kubeflow.org/migrated-from";

/// What became of one step.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    #[serde(flatten)]
    pub step: Step,
    /// `created`, `exists` (left alone), `skipped`, or `failed: <why>`.
    pub result: String,
}

fn kind_of(step: &Step) -> Option<ObjKind> {
    [
        ObjKind::PodDefault,
        ObjKind::ServiceAccount,
        ObjKind::RoleBinding,
        ObjKind::AuthorizationPolicy,
        ObjKind::ConfigMap,
        ObjKind::Secret,
        ObjKind::Notebook,
    ]
    .into_iter()
    .find(|k| k.as_str() == step.kind)
}

/// The object green gets: blue's, with green's IRSA role, a notebook stopped, blue's bucket
/// replaced by green's in KFP's per-namespace ConfigMaps, and where it came from.
pub fn manifest_for_green(
    step: &Step,
    blue_manifest: &Value,
    blue: &str,
    buckets: Option<&(String, String)>,
    now: &str,
) -> Value {
    let mut v = blue_manifest.clone();
    let meta = &mut v["metadata"];
    if !meta["annotations"].is_object() {
        meta["annotations"] = Value::Object(Default::default());
    }
    let a = &mut meta["annotations"];
    a[MIGRATED_FROM] = Value::String(blue.to_string());
    if let Some(role) = &step.irsa_role {
        a[IRSA_ANNOTATION] = Value::String(role.clone());
    }
    // A notebook stopped on blue stays stopped; one that ran is stopped until cutover starts it.
    if step.action == Action::CreateStopped && a.get(NOTEBOOK_STOPPED).is_none() {
        a[NOTEBOOK_STOPPED] = Value::String(now.to_string());
        a[freeze::STOPPED_BY] = Value::String(freeze::STOPPED_BY_MIGRATE.to_string());
    }
    if step.kind == "ConfigMap"
        && ["kfp-launcher", "artifact-repositories"].contains(&step.name.as_str())
        && let (Some((from, to)), Some(data)) =
            (buckets, v.get_mut("data").and_then(Value::as_object_mut))
    {
        for value in data.values_mut() {
            if let Some(s) = value.as_str() {
                *value = Value::String(s.replace(from.as_str(), to));
            }
        }
    }
    if step.kind == "Profile" {
        // A Profile's IRSA plugin names blue's role: green's stands in for it.
        if let Some(plugins) = v.pointer_mut("/spec/plugins").and_then(Value::as_array_mut) {
            for p in plugins {
                if let Some(role) = p["spec"]["awsIamRole"].as_str()
                    && let Some(green) = step.profile_roles.get(role)
                {
                    p["spec"]["awsIamRole"] = Value::String(green.clone());
                }
            }
        }
    }
    v
}

async fn create(client: &Client, step: &Step, manifest: Value) -> Result<&'static str> {
    let ar = match kind_of(step) {
        Some(k) => resource_of(k),
        None => profile_resource(),
    };
    let obj: DynamicObject =
        serde_json::from_value(manifest).map_err(|e| Error::failed(e.to_string()))?;
    let api: Api<DynamicObject> = if step.namespace.is_empty() {
        Api::all_with(client.clone(), &ar)
    } else {
        Api::namespaced_with(client.clone(), &step.namespace, &ar)
    };
    match api.create(&PostParams::default(), &obj).await {
        Ok(_) => Ok("created"),
        // Made meanwhile (another run, or a controller): left alone.
        Err(kube::Error::Api(s)) if s.code == 409 => Ok("exists"),
        Err(e) => Err(e.into()),
    }
}

fn failed(e: &Error) -> String {
    format!("failed: {e}")
}

/// Waits until green's profile controller has made every namespace; stops at once when it
/// refused one (its error condition is named).
async fn wait_namespaces(
    session: &Session,
    green: &Client,
    names: &BTreeSet<String>,
    progress: &Stream,
) -> Result<()> {
    if names.is_empty() {
        return Ok(());
    }
    let deadline = Instant::now() + session.ctx.timeout;
    let profiles: Api<DynamicObject> = Api::all_with(green.clone(), &profile_resource());
    loop {
        let have: BTreeSet<String> = Api::<Namespace>::all(green.clone())
            .list(&ListParams::default())
            .await?
            .items
            .into_iter()
            .filter_map(|n| n.metadata.name)
            .collect();
        let missing: Vec<&String> = names.iter().filter(|n| !have.contains(*n)).collect();
        if missing.is_empty() {
            return Ok(());
        }
        progress.set(&format!(
            "waiting for the profile controller: {} of {} namespace(s) made",
            names.len() - missing.len(),
            names.len()
        ));
        for p in profiles.list(&ListParams::default()).await?.items {
            let name = p.metadata.name.clone().unwrap_or_default();
            if !missing.contains(&&name) {
                continue;
            }
            if let Some(msg) = p.data["status"]["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|c| c["type"] == "Failed")
                .and_then(|c| c["message"].as_str())
            {
                return Err(Error::refused(
                    format!("green's profile controller refused Profile {name}: {msg}"),
                    format!(
                        "fix what it names on {} (`kubectl describe profile {name}`), then run \
                         `kubectl kf migrate` again",
                        session.green
                    ),
                ));
            }
        }
        if Instant::now() > deadline {
            let few: Vec<&str> = missing.iter().take(5).map(|s| s.as_str()).collect();
            return Err(Error::Timeout {
                what: format!(
                    "green's profile controller to make {} namespace(s) (is it running? \
                     `kubectl get deploy -n kubeflow`)",
                    missing.len()
                ),
                after: session.ctx.timeout,
                last: format!("missing {}", few.join(", ")),
            });
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Runs the plan. Returns every step with its result; the steps that failed make the error.
pub async fn apply(
    session: &Session,
    green: &Client,
    plan: &Plan,
    src: &Source,
    progress: &Stream,
) -> Result<Vec<Outcome>> {
    let blue = session.blue.context.as_str();
    let now = crate::record::now();
    let mut results: BTreeMap<String, String> = BTreeMap::new();
    let manifest = |s: &Step| -> Result<Value> {
        let m = src
            .manifests
            .get(&s.key)
            .ok_or_else(|| Error::failed(format!("no manifest observed for {}", s.key)))?;
        Ok(manifest_for_green(s, m, blue, src.buckets.as_ref(), &now))
    };

    // 1. Profiles.
    let profiles: Vec<&Step> = plan
        .steps
        .iter()
        .filter(|s| s.kind == "Profile" && s.action == Action::Create)
        .collect();
    progress.set(&format!("creating {} Profile(s)", profiles.len()));
    let done: Vec<(String, String)> = futures::stream::iter(profiles.iter().map(|s| async {
        let r = match manifest(s) {
            Ok(m) => create(green, s, m).await.on(&session.green),
            Err(e) => Err(e),
        };
        (
            s.key.clone(),
            r.map(str::to_string).unwrap_or_else(|e| failed(&e)),
        )
    }))
    .buffer_unordered(PARALLEL)
    .collect()
    .await;
    results.extend(done);

    // 2. The namespaces the profile controller makes.
    let waits: BTreeSet<String> = plan
        .steps
        .iter()
        .filter(|s| s.action == Action::Wait)
        .filter(|s| {
            results
                .get(&super::plan::step_key("Profile", "", &s.name))
                .is_some_and(|r| !r.starts_with("failed"))
        })
        .map(|s| s.name.clone())
        .collect();
    wait_namespaces(session, green, &waits, progress)
        .await
        .on(&session.green)?;
    for s in plan.steps.iter().filter(|s| s.action == Action::Wait) {
        let r = if waits.contains(&s.name) {
            "created"
        } else {
            "failed: its Profile was not created"
        };
        results.insert(s.key.clone(), r.to_string());
    }

    // 3. The objects, one namespace after another within a task, namespaces in parallel.
    let mut by_ns: BTreeMap<&str, Vec<&Step>> = BTreeMap::new();
    for s in plan.steps.iter().filter(|s| {
        kind_of(s).is_some() && matches!(s.action, Action::Create | Action::CreateStopped)
    }) {
        by_ns.entry(s.namespace.as_str()).or_default().push(s);
    }
    let total: usize = by_ns.values().map(Vec::len).sum();
    progress.set(&format!(
        "creating {total} object(s) in {} namespace(s)",
        by_ns.len()
    ));
    let done: Vec<Vec<(String, String)>> =
        futures::stream::iter(by_ns.into_values().map(|steps| async move {
            let mut out = Vec::new();
            for s in steps {
                let r = match manifest(s) {
                    Ok(m) => create(green, s, m).await.on(&session.green),
                    Err(e) => Err(e),
                };
                out.push((
                    s.key.clone(),
                    r.map(str::to_string).unwrap_or_else(|e| failed(&e)),
                ));
            }
            out
        }))
        .buffer_unordered(PARALLEL)
        .collect()
        .await;
    results.extend(done.into_iter().flatten());

    // 4. The claims.
    let claims: Vec<&Step> = plan
        .steps
        .iter()
        .filter(|s| matches!(s.action, Action::BindEfs | Action::CloneEbs))
        .collect();
    progress.set(&format!("carrying {} claim(s)", claims.len()));
    let done: Vec<(String, String)> = futures::stream::iter(claims.iter().map(|s| async {
        let r = carry_claim(session, green, s, src, progress)
            .await
            .on(&session.green);
        let r = match r {
            Ok(true) => "created".to_string(),
            Ok(false) => "exists".to_string(),
            Err(e) => failed(&e),
        };
        (s.key.clone(), r)
    }))
    .buffer_unordered(PARALLEL)
    .collect()
    .await;
    results.extend(done);

    Ok(plan
        .steps
        .iter()
        .map(|s| Outcome {
            step: s.clone(),
            result: match s.action {
                Action::Exists => "exists".to_string(),
                Action::Skip => "skipped".to_string(),
                _ => results
                    .get(&s.key)
                    .cloned()
                    .unwrap_or_else(|| "failed: not run".to_string()),
            },
        })
        .collect())
}

async fn carry_claim(
    session: &Session,
    green: &Client,
    s: &Step,
    src: &Source,
    progress: &Stream,
) -> Result<bool> {
    let c = src
        .claims
        .get(&s.key)
        .ok_or_else(|| Error::failed(format!("no claim observed for {}", s.key)))?;
    match s.action {
        Action::BindEfs => {
            let (Some(data), Some(green_fs)) = (&c.efs, &src.green_fs) else {
                return Err(Error::failed(format!("{}: no EFS copy recorded", s.key)));
            };
            let spec = c.claim.spec.clone().unwrap_or_default();
            let size = spec
                .resources
                .as_ref()
                .and_then(|r| r.requests.as_ref())
                .and_then(|r| r.get("storage"))
                .map(|q| q.0.clone())
                .unwrap_or_else(|| "1Gi".to_string());
            let class = spec.storage_class_name.unwrap_or_default();
            let args = crate::storage::pvc::PvcArgs {
                claim: &s.name,
                namespace: &s.namespace,
                size: &size,
                storage_class: &class,
                create_namespace: false,
                patch: None,
            };
            let green_ap = data
                .access_point
                .as_ref()
                .and_then(|ap| src.green_access_points.get(&ap.id))
                .map(String::as_str);
            crate::storage::pvc::bind_cloned(
                session, green, green_fs, &args, data, &c.volume, green_ap,
            )
            .await
        }
        Action::CloneEbs => {
            let volume = super::observe::ebs_volume_id(&c.volume)
                .ok_or_else(|| Error::failed(format!("{}: no EBS volume", s.key)))?;
            let zone = s.zone.as_deref().unwrap_or_default();
            super::ebs::carry(
                session,
                green,
                &format!("migrate.ebs.{}/{}", s.namespace, s.name),
                c,
                &volume,
                zone,
                progress,
            )
            .await
        }
        _ => Ok(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn step(kind: &str, name: &str, action: Action) -> Step {
        Step {
            key: super::super::plan::step_key(kind, "alice", name),
            kind: kind.into(),
            namespace: "alice".into(),
            name: name.into(),
            action,
            reason: String::new(),
            irsa_role: None,
            zone: None,
            profile_roles: Default::default(),
        }
    }

    #[test]
    fn a_notebook_is_stopped_and_says_where_it_came_from() {
        let m = json!({"apiVersion": "kubeflow.org/v1", "kind": "Notebook",
                       "metadata": {"name": "nb", "namespace": "alice"}, "spec": {}});
        let v = manifest_for_green(
            &step("Notebook", "nb", Action::CreateStopped),
            &m,
            "blue",
            None,
            "T",
        );
        assert_eq!(v["metadata"]["annotations"][NOTEBOOK_STOPPED], "T");
        assert_eq!(v["metadata"]["annotations"][MIGRATED_FROM], "blue");
    }

    #[test]
    fn a_service_account_gets_greens_role() {
        let m = json!({"apiVersion": "v1", "kind": "ServiceAccount",
                       "metadata": {"name": "runner", "namespace": "alice",
                                    "annotations": {IRSA_ANNOTATION: "arn:blue"}}});
        let mut s = step("ServiceAccount", "runner", Action::Create);
        s.irsa_role = Some("arn:green".into());
        let v = manifest_for_green(&s, &m, "blue", None, "T");
        assert_eq!(v["metadata"]["annotations"][IRSA_ANNOTATION], "arn:green");
    }

    #[test]
    fn kfp_launcher_names_greens_bucket_and_user_config_maps_are_untouched() {
        let buckets = ("blue-bkt".to_string(), "green-bkt".to_string());
        let m = json!({"apiVersion": "v1", "kind": "ConfigMap",
                       "metadata": {"name": "kfp-launcher", "namespace": "alice"},
                       "data": {"defaultPipelineRoot": "s3://blue-bkt/v2/artifacts"}});
        let v = manifest_for_green(
            &step("ConfigMap", "kfp-launcher", Action::Create),
            &m,
            "blue",
            Some(&buckets),
            "T",
        );
        assert_eq!(
            v["data"]["defaultPipelineRoot"],
            "s3://green-bkt/v2/artifacts"
        );
        let mut mine = m.clone();
        mine["metadata"]["name"] = json!("my-settings");
        let v = manifest_for_green(
            &step("ConfigMap", "my-settings", Action::Create),
            &mine,
            "blue",
            Some(&buckets),
            "T",
        );
        assert_eq!(
            v["data"]["defaultPipelineRoot"],
            "s3://blue-bkt/v2/artifacts"
        );
    }

    #[test]
    fn a_profiles_iam_plugin_names_greens_role() {
        let m = json!({"apiVersion": "kubeflow.org/v1", "kind": "Profile", "metadata": {"name": "alice"},
                       "spec": {"owner": {"kind": "User", "name": "a@x"},
                                "plugins": [{"kind": "AwsIamForServiceAccount",
                                             "spec": {"awsIamRole": "arn:blue"}}]}});
        let mut s = step("Profile", "alice", Action::Create);
        s.namespace.clear();
        s.profile_roles
            .insert("arn:blue".into(), "arn:green".into());
        let v = manifest_for_green(&s, &m, "blue", None, "T");
        assert_eq!(v["spec"]["plugins"][0]["spec"]["awsIamRole"], "arn:green");
        // A Profile without plugins gets none (not `plugins: null`).
        let mut bare = m.clone();
        bare["spec"].as_object_mut().unwrap().remove("plugins");
        let v = manifest_for_green(&s, &bare, "blue", None, "T");
        assert_eq!(v["spec"].get("plugins"), None);
    }
}
