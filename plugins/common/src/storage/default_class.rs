//! `kf storage default-class CLASS`: CLASS becomes green's only default StorageClass, by JSON
//! patches on the `storageclass.kubernetes.io/is-default-class` annotation of each class that
//! needs a change; a before/after table; nothing sent when it is already so.

use k8s_openapi::api::storage::v1::StorageClass;
use kube::api::{Api, Patch, PatchParams};
use serde::Serialize;
use serde_json::json;

use crate::error::{Error, Result};
use crate::output::{self, Render};

pub const ANNOTATION: &str = "storageclass.kubernetes.io/is-default-class";

#[derive(Debug, Serialize)]
pub struct Row {
    pub name: String,
    pub provisioner: String,
    pub before: bool,
    pub after: bool,
}

#[derive(Debug, Serialize)]
pub struct DefaultClassReport {
    pub class: String,
    pub changed: Vec<String>,
    pub classes: Vec<Row>,
}

impl Render for DefaultClassReport {
    fn table(&self) -> String {
        let yn = |b: bool| if b { "default" } else { "-" }.to_string();
        let mut s = output::table(
            &["STORAGECLASS", "PROVISIONER", "BEFORE", "AFTER"],
            self.classes.iter().map(|r| {
                [
                    r.name.clone(),
                    r.provisioner.clone(),
                    yn(r.before),
                    yn(r.after),
                ]
            }),
        );
        if self.changed.is_empty() {
            s.push_str(&format!(
                "{} is already the only default: nothing changed.\n",
                self.class
            ));
        }
        s
    }
}

fn is_default(sc: &StorageClass) -> bool {
    sc.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(ANNOTATION))
        .is_some_and(|v| v == "true")
}

/// The JSON patch setting the annotation to `value` on `sc`.
pub fn annotation_patch(sc: &StorageClass, value: bool) -> json_patch::Patch {
    let v = value.to_string();
    let ops = if sc.metadata.annotations.is_none() {
        json!([{"op": "add", "path": "/metadata/annotations", "value": {ANNOTATION: v}}])
    } else {
        json!([{"op": "add", "path": "/metadata/annotations/storageclass.kubernetes.io~1is-default-class", "value": v}])
    };
    serde_json::from_value(ops).expect("valid JSON patch")
}

pub async fn run(
    client: &kube::Client,
    context: &str,
    class: &str,
    g: &crate::cli::GlobalArgs,
) -> Result<()> {
    let api: Api<StorageClass> = Api::all(client.clone());
    let all = api.list(&Default::default()).await?.items;
    if !all
        .iter()
        .any(|c| c.metadata.name.as_deref() == Some(class))
    {
        let names: Vec<String> = all.iter().filter_map(|c| c.metadata.name.clone()).collect();
        return Err(Error::usage(
            format!(
                "StorageClass {class} does not exist on {context} (classes: {})",
                if names.is_empty() {
                    "none".into()
                } else {
                    names.join(", ")
                }
            ),
            "pass one of them; `kubectl kf storage efs` creates efs-sc",
        ));
    }
    let mut rows = Vec::new();
    let mut changed = Vec::new();
    for sc in &all {
        let name = sc.metadata.name.clone().unwrap_or_default();
        let before = is_default(sc);
        let after = name == class;
        // Only what needs it: the new default, and classes marked default today.
        if before != after {
            if !g.dry_run {
                api.patch(
                    &name,
                    &PatchParams::default(),
                    &Patch::Json::<()>(annotation_patch(sc, after)),
                )
                .await?;
            }
            changed.push(name.clone());
        }
        rows.push(Row {
            name,
            provisioner: sc.provisioner.clone(),
            before,
            after,
        });
    }
    output::print(
        g.output,
        &DefaultClassReport {
            class: class.to_string(),
            changed,
            classes: rows,
        },
    )
}
