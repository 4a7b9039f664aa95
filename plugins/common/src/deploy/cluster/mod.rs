//! `kf deploy cluster NAME`: green's EKS cluster shaped like blue's, as real EKS takes it from
//! a blue made with eksctl. Observe (blue, and green if it exists), plan (a value: what to
//! create, carry over, leave out or refuse), apply (each step looks before it creates).
//!
//! Green gets blue's version (or `--version`, never older, one EKS offers), role, VPC, subnets,
//! security groups, endpoint access and CIDRs, logging, secrets encryption, service CIDR and IP
//! family, upgrade policy and tags (minus AWS-reserved and blue's owner tags); its nodegroups
//! (scaling, labels, taints, node role, launch template; AL2 images become AL2023 or
//! Bottlerocket where EKS has no AL2); its add-ons with their configuration values, Pod Identity
//! associations, and roles of green's own (blue's copied, trusting green's OIDC provider; blue's
//! are not changed); blue's access entries and aws-auth mappings; the green context; and
//! Kubeflow roles of green's own (`kubeflow_roles`: blue's policies with green's bucket, once
//! `kf clone` recorded it; blue's roles are only read).

pub mod access;
pub mod apply;
pub mod facts;
pub mod kubeflow_roles;
pub mod observe;
pub mod plan;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::aws::Aws;
use crate::cli::GlobalArgs;
use crate::context::Blue;
use crate::error::{Error, OnContext, Result};
use crate::output::{self, Render};
use crate::progress::Progress;
use crate::record::RecordStore;
use crate::upgrade::Ctx;

pub use plan::{AmiFamily, Overrides, Plan};

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterReport {
    pub green: String,
    pub dry_run: bool,
    pub plan: Plan,
    pub resources: BTreeMap<String, crate::record::Resource>,
}

/// A row's value: green's, one item per line; where it differs from blue, blue's value after it
/// (for lists: green's items blue lacks marked new, and blue's items green does not get).
fn value(r: &plan::PlanRow) -> String {
    let show = |v: &[String]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join("\n")
        }
    };
    if !r.differs {
        return show(&r.green);
    }
    if r.blue.len() <= 1 && r.green.len() <= 1 {
        return format!("{}\n(blue: {})", show(&r.green), show(&r.blue));
    }
    let mut lines: Vec<String> = r
        .green
        .iter()
        .map(|g| {
            if r.blue.contains(g) {
                g.clone()
            } else {
                format!("{g} (new)")
            }
        })
        .collect();
    if lines.is_empty() {
        lines.push("none".into());
    }
    let gone: Vec<&str> = r
        .blue
        .iter()
        .filter(|b| !r.green.contains(b))
        .map(String::as_str)
        .collect();
    if !gone.is_empty() {
        lines.push(format!("(blue only: {})", gone.join(", ")));
    }
    lines.join("\n")
}

impl ClusterReport {
    /// What will be (or was) made, one line per resource.
    fn steps(&self) -> Vec<[String; 2]> {
        let p = &self.plan;
        let act = |exists: bool| if exists { "exists" } else { "create" }.to_string();
        let mut out = vec![[
            act(p.cluster.exists),
            format!("EKS cluster {} ({})", p.cluster.name, p.cluster.version),
        ]];
        out.push([
            "ensure".into(),
            "IAM OIDC provider for green's issuer".into(),
        ]);
        for r in &p.roles {
            out.push([
                "ensure".into(),
                match &r.copied_from {
                    Some(b) => format!(
                        "IAM role {} for {}: blue's {b} copied, trusting green",
                        r.name, r.addon
                    ),
                    None => format!("IAM role {} for {}", r.name, r.addon),
                },
            ]);
        }
        for r in &p.kubeflow_roles {
            out.push([
                r.action.as_str().into(),
                format!("IAM role {} for Kubeflow: {}", r.name, r.reason),
            ]);
        }
        for e in &p.access_entries {
            out.push([
                act(e.exists),
                format!("access entry {} ({})", e.principal, e.from),
            ]);
        }
        for a in p.addons.iter().filter(|a| !a.after_nodes) {
            out.push([act(a.exists), format!("add-on {}", a.name)]);
        }
        for n in &p.nodegroups {
            out.push([act(n.exists), format!("nodegroup {}", n.name)]);
        }
        for a in p.addons.iter().filter(|a| a.after_nodes) {
            out.push([
                act(a.exists),
                format!("add-on {} (once nodes exist)", a.name),
            ]);
        }
        for i in &p.pod_identities {
            out.push([
                "ensure".into(),
                format!("Pod Identity {}/{}", i.namespace, i.service_account),
            ]);
        }
        out.push([
            "write".into(),
            format!("kubeconfig context {}", p.cluster.name),
        ]);
        if !p.aws_auth.is_empty() {
            out.push([
                "ensure".into(),
                "green's kube-system/aws-auth mappings".into(),
            ]);
        }
        out
    }
}

impl Render for ClusterReport {
    fn table(&self) -> String {
        let mut s = format!(
            "Plan: green cluster {}{}\n\n",
            self.green,
            if self.dry_run {
                " (dry run: nothing is changed)"
            } else {
                ""
            }
        );
        s.push_str(&output::wrapped_table(
            &["FIELD", "", "GREEN"],
            self.plan.rows.iter().map(|r| {
                [
                    r.field.clone(),
                    if r.differs { "*".into() } else { String::new() },
                    value(r),
                ]
            }),
        ));
        if !self.plan.notes.is_empty() {
            s.push_str("\nNotes:\n");
            s.push_str(&output::bullets(&self.plan.notes));
        }
        if self.dry_run {
            s.push('\n');
            s.push_str(&output::wrapped_table(
                &["ACTION", "RESOURCE"],
                self.steps(),
            ));
        }
        if !self.plan.kubeflow_roles.is_empty() {
            s.push('\n');
            s.push_str(&output::wrapped_table(
                &[
                    "KUBEFLOW ROLE OF GREEN",
                    "FROM BLUE'S",
                    "SERVICE ACCOUNTS",
                    "ACTION",
                ],
                self.plan.kubeflow_roles.iter().map(|r| {
                    [
                        r.name.clone(),
                        r.blue.clone(),
                        r.service_accounts.join("\n"),
                        r.action.as_str().to_string(),
                    ]
                }),
            ));
        }
        if !self.resources.is_empty() {
            s.push('\n');
            s.push_str(&crate::record::resources_table(&self.resources));
        }
        s
    }
}

pub async fn run(g: &GlobalArgs, name: &str, o: &Overrides) -> Result<()> {
    plan::check_name(name)?;
    if g.to.as_deref().is_some_and(|t| t != name) {
        return Err(Error::usage(
            format!(
                "--to {} differs from NAME {name}",
                g.to.clone().unwrap_or_default()
            ),
            "the green context is named after the cluster: drop --to, or pass the same name",
        ));
    }
    // The green context may not exist yet: only blue is resolved from the kubeconfig.
    let mut blue_args = g.clone();
    blue_args.to = None;
    let blue = Blue::resolve(&blue_args)?;
    if blue.context == name {
        return Err(Error::usage(
            format!("green's name {name} is blue's context"),
            "pick another NAME",
        ));
    }
    let blue_client = blue.client().await?;
    let aws = Aws::load(g).await?;
    let recorded = crate::record::get(&blue_client, name).await?;
    let blue_info = crate::eks::cluster_for_context(
        &aws,
        &blue.kubeconfig,
        &blue.context,
        recorded.as_ref().and_then(|r| r.blue_cluster.as_deref()),
    )
    .await?;
    if blue_info.name == name {
        return Err(Error::usage(
            format!("green's name {name} is blue's EKS cluster"),
            "pick another NAME",
        ));
    }
    let blue_cluster = aws
        .eks()
        .describe_cluster()
        .name(&blue_info.name)
        .send()
        .await
        .map_err(|e| Error::aws("DescribeCluster", e))?
        .cluster()
        .cloned()
        .ok_or_else(|| Error::failed("blue's cluster is not described"))?;
    let blue_facts = observe::blue(&aws, &blue_client, &blue_cluster)
        .await
        .on(&blue.context)?;
    let mut green_facts = observe::green(&aws, name).await?;
    let tag = crate::record::label_value(name);
    let names: Vec<String> = blue_facts
        .kubeflow_roles
        .iter()
        .map(|r| kubeflow_roles::green_role_name(&tag, &r.name))
        .collect();
    green_facts.kubeflow_roles = kubeflow_roles::observe_green(&aws, &names).await?;
    let bucket = recorded
        .as_ref()
        .and_then(|r| r.clones.bucket.as_ref())
        .filter(|b| !b.from.is_empty() && !b.name.is_empty())
        .map(|b| (b.from.clone(), b.name.clone()));
    let plan = plan::plan(
        &blue_facts,
        &green_facts,
        &plan::Input {
            name,
            tag: &tag,
            overrides: o,
            bucket: bucket.as_ref().map(|(b, g)| (b.as_str(), g.as_str())),
        },
    )?;
    if g.dry_run {
        return output::print(
            g.output,
            &ClusterReport {
                green: name.to_string(),
                dry_run: true,
                plan,
                resources: BTreeMap::new(),
            },
        );
    }

    let record = RecordStore::open(&blue_client, &blue.context, name).await?;
    let blue_name = blue_info.name.clone();
    record
        .update(|r| {
            r.blue_cluster = Some(blue_name.clone());
            r.green_cluster = Some(name.to_string());
        })
        .await?;
    let ctx = Ctx::new(aws.clone(), record, name, g.timeout);
    let progress = Progress::new(g.quiet);
    apply::all(&ctx, g, &plan, &progress).await?;
    let rec = ctx.record.snapshot().await;
    let report = ClusterReport {
        green: name.to_string(),
        dry_run: false,
        plan,
        resources: rec
            .resources
            .into_iter()
            .filter(|(k, _)| k.starts_with("cluster."))
            .collect(),
    };
    output::print(g.output, &report)
}
