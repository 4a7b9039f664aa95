//! `kubectl kf abort [--delete-data]`: the end of an upgrade that abandons green. Removes the
//! whole attempt and leaves blue as it was before it began: green's nodegroups, add-ons,
//! cluster and OIDC provider; the trust statements an older `deploy cluster` added to blue's
//! roles for green's provider (only those, the rest of each policy byte for byte); green's IAM
//! roles; green's DB (a final snapshot kept and named), its security group and subnet group;
//! green's EFS with its mount targets and security group; green's bucket only with
//! `--delete-data`; green's secrets; what served the copy (as `kf cleanup`: DataSync tasks and
//! locations, the clone's snapshots of blue); green's kubeconfig context. The record is marked
//! Aborted.
//!
//! Everything is found from the `kubeflow.org/upgrade=<green>` tags through each service's own
//! tag calls, so a lost record loses nothing; only what carries the tag is ever deleted.
//! Observe ([`observe`]) reads into [`Observed`]; [`plan`] decides and orders (pure,
//! unit-tested); [`apply`] executes exactly the planned deletions in that order, each recorded
//! in the record's `abort` section. A resource already gone is not an error, and a re-run after
//! a failure continues with what is left.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::aws;
use crate::cleanup;
use crate::clone::{rds, s3};
use crate::commands::AbortArgs;
use crate::cutover::Stage;
use crate::error::{Error, Result};
use crate::irsa::{self, percent_decode};
use crate::output::{self, Render};
use crate::progress::{Progress, Stream};
use crate::record::{Phase, UPGRADE_TAG};
pub use crate::teardown::Action;
use crate::teardown::{self, Deleted};
use crate::upgrade::{Ctx, Session};
use crate::wait;

/// The key of abort's section in the upgrade record.
pub const SECTION: &str = "abort";
/// The record key of the final snapshot of a DB abort or retire-blue deletes
/// (`final-snapshot.<instance>`).
pub const FINAL_SNAPSHOT: &str = "final-snapshot";

/// What abort deletes, in the order it deletes it: what uses a resource goes before it (EKS
/// refuses to delete a cluster with nodegroups, EC2 a security group still attached, RDS a
/// subnet group in use, EFS a file system with mount targets, IAM a provider a policy names
/// is harmless but the statements go first so a re-run still finds them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Kind {
    DataSyncTask,
    DataSyncLocation,
    Nodegroup,
    Addon,
    EksCluster,
    /// The EBS volumes `kf migrate` made for claims on EBS (green's nodes are gone first, so
    /// none is attached), then the snapshots they were made from.
    EbsVolume,
    EbsSnapshot,
    RoleTrust,
    OidcProvider,
    IamRole,
    DbInstance,
    MountTarget,
    FileSystem,
    SecurityGroup,
    DbSubnetGroup,
    Bucket,
    Secret,
    DbSnapshot,
    KubeconfigContext,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::DataSyncTask => "DataSyncTask",
            Kind::DataSyncLocation => "DataSyncLocation",
            Kind::Nodegroup => "Nodegroup",
            Kind::Addon => "Addon",
            Kind::EksCluster => "EKSCluster",
            Kind::EbsVolume => "EBSVolume",
            Kind::EbsSnapshot => "EBSSnapshot",
            Kind::RoleTrust => "IAMRoleTrust",
            Kind::OidcProvider => "OIDCProvider",
            Kind::IamRole => "IAMRole",
            Kind::DbInstance => "DBInstance",
            Kind::MountTarget => "MountTarget",
            Kind::FileSystem => "FileSystem",
            Kind::SecurityGroup => "SecurityGroup",
            Kind::DbSubnetGroup => "DBSubnetGroup",
            Kind::Bucket => "Bucket",
            Kind::Secret => "Secret",
            Kind::DbSnapshot => "DBSnapshot",
            Kind::KubeconfigContext => "KubeconfigContext",
        }
    }
}

/// A tagged resource of this upgrade: its id and the step tag it carries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Found {
    pub id: String,
    pub step: Option<String>,
    /// The cluster of a nodegroup or add-on, the file system of a mount target.
    pub parent: Option<String>,
}

/// A role of blue's whose trust policy names green's provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustFound {
    pub role: String,
    pub statements: usize,
    /// Whether the record holds it (`cluster.irsa.<role>`).
    pub recorded: bool,
}

/// Everything abort reads before deciding.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Observed {
    pub record_found: bool,
    pub traffic_on_green: bool,
    /// What `kf cleanup` would find (DataSync, snapshots, running executions).
    pub cleanup: cleanup::Observed,
    pub clusters: Vec<Found>,
    pub nodegroups: Vec<Found>,
    pub addons: Vec<Found>,
    pub providers: Vec<Found>,
    pub trusts: Vec<TrustFound>,
    pub roles: Vec<cleanup::RoleFound>,
    pub db_instances: Vec<Found>,
    pub mount_targets: Vec<Found>,
    pub file_systems: Vec<Found>,
    pub security_groups: Vec<Found>,
    pub subnet_groups: Vec<Found>,
    pub buckets: Vec<Found>,
    pub secrets: Vec<Found>,
    pub ebs_volumes: Vec<Found>,
    pub ebs_snapshots: Vec<Found>,
    /// Green's kubeconfig context, when it is the one `deploy cluster` wrote for green's cluster.
    pub context: Option<String>,
}

/// One resource and what abort does with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    pub kind: Kind,
    pub id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub step: String,
    pub action: Action,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// A DB instance's final snapshot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_snapshot: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inline_policies: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attached_policies: Vec<String>,
}

/// The plan: every resource of the attempt, deleted (in this order) or kept with the reason.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub blue: String,
    pub green: String,
    pub dry_run: bool,
    pub record_lost: bool,
    pub delete_data: bool,
    pub items: Vec<Item>,
}

impl Item {
    pub(crate) fn row(&self) -> teardown::Row<'_> {
        teardown::Row {
            action: self.action,
            kind: self.kind.as_str(),
            id: &self.id,
            reason: &self.reason,
        }
    }
}

impl Plan {
    pub fn deletions(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| i.action == Action::Delete)
    }
}

impl Render for Plan {
    fn table(&self) -> String {
        teardown::plan_table(
            &format!(
                "Plan: abort the upgrade {} -> {}{}",
                self.blue,
                self.green,
                teardown::dry_run_note(self.dry_run)
            ),
            self.record_lost,
            "Nothing to abort: no resource of this upgrade is left.",
            self.items.iter().map(Item::row),
        )
    }
}

/// Abort's section of the record.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AbortState {
    /// `InProgress` while deleting, `Aborted` once everything planned is gone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_tags: bool,
    /// The final snapshots of green's DB, kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub final_snapshots: Vec<String>,
    /// Kept because `--delete-data` was not given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kept_buckets: Vec<String>,
    #[serde(default)]
    pub deleted: BTreeMap<String, Deleted>,
}

impl AbortState {
    pub fn from_record(rec: &crate::record::UpgradeRecord) -> Result<Self> {
        Self::from_section(rec, SECTION)
    }

    /// The same shape under another key (`retireBlue`).
    pub fn from_section(rec: &crate::record::UpgradeRecord, section: &str) -> Result<Self> {
        rec.section(section)
    }
}

/// What a run deleted and kept.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub blue: String,
    pub green: String,
    pub record_lost: bool,
    pub final_snapshots: Vec<String>,
    pub deleted: Vec<Item>,
    pub kept: Vec<Item>,
}

impl Render for Report {
    fn table(&self) -> String {
        let mut s = teardown::report_table(
            self.record_lost,
            "Nothing to abort: no resource of this upgrade is left.",
            self.deleted.iter().map(Item::row),
            self.final_snapshots
                .iter()
                .map(|f| format!("kept the final snapshot of green's DB: {f}")),
            self.kept.iter().map(Item::row),
        );
        s.push_str(&format!(
            "The upgrade to {} is aborted; {} is as it was before it began.\n",
            self.green, self.blue
        ));
        s
    }
}

/// The name of the final snapshot of green's DB `instance` (RDS: 1-255 letters, digits and
/// hyphens, starting with a letter, no two hyphens in a row, not ending in one).
pub fn final_snapshot_name(instance: &str) -> String {
    let base: String = instance.chars().take(255 - "-final-abort".len()).collect();
    format!("{}-final-abort", base.trim_end_matches('-'))
}

fn item(kind: Kind, f: &Found, action: Action, reason: impl Into<String>) -> Item {
    Item {
        kind,
        id: f.id.clone(),
        step: f.step.clone().unwrap_or_default(),
        action,
        reason: reason.into(),
        parent: f.parent.clone(),
        final_snapshot: None,
        inline_policies: Vec::new(),
        attached_policies: Vec::new(),
    }
}

/// Decides what to delete and in which order. Refuses (exit 2, nothing changed) while traffic
/// is on green or a DataSync execution runs.
pub fn plan(o: &Observed, delete_data: bool) -> Result<Vec<Item>> {
    if o.traffic_on_green {
        return Err(Error::refused(
            "production traffic is on green (the record's trafficOnGreen): aborting would \
             delete what serves it; nothing was changed",
            "fail back first (`kubectl kf cutover failback --yes`), then run `kubectl kf abort` \
             again",
        ));
    }
    if let Some((task, exec, status)) = o.cleanup.running.first() {
        return Err(Error::refused(
            format!(
                "DataSync execution {exec} of task {task} is {status}: deleting its task, \
                 locations and role would stop the copy half way; nothing was changed"
            ),
            "wait for the copy to finish (or cancel it: `aws datasync cancel-task-execution \
             --task-execution-arn ARN`), then run `kubectl kf abort` again",
        ));
    }
    if matches!(o.cleanup.cutover_stage, Stage::InProgress | Stage::Failed) {
        return Err(Error::refused(
            "a cutover is half done (the record's cutover stage is not finished): traffic may \
             be on green; nothing was changed",
            "undo it (`kubectl kf cutover failback --yes`), then run `kubectl kf abort` again",
        ));
    }
    let mut items = Vec::new();
    // DataSync first, and the clone's snapshots of blue (what cleanup would delete).
    for c in cleanup::plan(&o.cleanup, 0)? {
        let kind = match c.kind {
            cleanup::Kind::DataSyncTask => Kind::DataSyncTask,
            cleanup::Kind::DataSyncLocation => Kind::DataSyncLocation,
            cleanup::Kind::DbSnapshot => Kind::DbSnapshot,
            // Roles are abort's own (every role of the upgrade goes).
            cleanup::Kind::IamRole => continue,
        };
        let action = c.action;
        items.push(Item {
            kind,
            id: c.id,
            step: c.step,
            action,
            reason: c.reason.replace("never deleted by cleanup", "kept"),
            parent: None,
            final_snapshot: None,
            inline_policies: Vec::new(),
            attached_policies: Vec::new(),
        });
    }
    for f in &o.nodegroups {
        items.push(item(
            Kind::Nodegroup,
            f,
            Action::Delete,
            format!(
                "of green's cluster {}; EKS deletes a cluster only once its nodegroups are gone",
                f.parent.as_deref().unwrap_or("")
            ),
        ));
    }
    for f in &o.addons {
        items.push(item(
            Kind::Addon,
            f,
            Action::Delete,
            format!("of green's cluster {}", f.parent.as_deref().unwrap_or("")),
        ));
    }
    for f in &o.clusters {
        items.push(item(
            Kind::EksCluster,
            f,
            Action::Delete,
            "green's cluster, with its access entries and Pod Identity associations",
        ));
    }
    for t in &o.trusts {
        items.push(Item {
            kind: Kind::RoleTrust,
            id: t.role.clone(),
            step: format!("cluster.irsa.{}", t.role),
            action: Action::Delete,
            reason: format!(
                "blue's role: the {} statement(s) trusting green's provider{}; the rest of \
                 its policy stays byte for byte",
                t.statements,
                if t.recorded { " (recorded)" } else { "" }
            ),
            parent: None,
            final_snapshot: None,
            inline_policies: Vec::new(),
            attached_policies: Vec::new(),
        });
    }
    for f in &o.providers {
        items.push(item(
            Kind::OidcProvider,
            f,
            Action::Delete,
            "green's cluster's OIDC provider for IRSA",
        ));
    }
    let mut roles = o.roles.clone();
    roles.sort_by(|a, b| a.name.cmp(&b.name));
    for r in &roles {
        items.push(Item {
            kind: Kind::IamRole,
            id: r.name.clone(),
            step: String::new(),
            action: Action::Delete,
            reason: "green's role (tagged with the upgrade); its policies first".into(),
            parent: None,
            final_snapshot: None,
            inline_policies: r.inline_policies.clone(),
            attached_policies: r.attached_policies.clone(),
        });
    }
    for f in &o.db_instances {
        let snapshot = final_snapshot_name(&f.id);
        let mut i = item(
            Kind::DbInstance,
            f,
            Action::Delete,
            format!("green's DB: deletion protection lifted, final snapshot {snapshot} kept"),
        );
        i.final_snapshot = Some(snapshot);
        items.push(i);
    }
    for f in &o.mount_targets {
        items.push(item(
            Kind::MountTarget,
            f,
            Action::Delete,
            format!(
                "of green's file system {}",
                f.parent.as_deref().unwrap_or("")
            ),
        ));
    }
    for f in &o.file_systems {
        items.push(item(
            Kind::FileSystem,
            f,
            Action::Delete,
            "green's EFS file system (the copy of blue's)",
        ));
    }
    for f in &o.security_groups {
        items.push(item(
            Kind::SecurityGroup,
            f,
            Action::Delete,
            format!(
                "{}; once nothing uses it",
                match f.step.as_deref() {
                    Some(rds::SECURITY_GROUP) => "green's DB's security group",
                    Some(crate::efs::SECURITY_GROUP) => "green's NFS security group",
                    _ => "green's security group",
                }
            ),
        ));
    }
    for f in &o.subnet_groups {
        items.push(item(
            Kind::DbSubnetGroup,
            f,
            Action::Delete,
            "green's DB subnet group; once green's DB is gone",
        ));
    }
    for f in &o.buckets {
        items.push(if delete_data {
            item(
                Kind::Bucket,
                f,
                Action::Delete,
                "green's bucket with every object version (--delete-data)",
            )
        } else {
            item(
                Kind::Bucket,
                f,
                Action::Keep,
                "green's bucket holds data: kept without --delete-data",
            )
        });
    }
    for f in &o.ebs_volumes {
        items.push(if delete_data {
            item(
                Kind::EbsVolume,
                f,
                Action::Delete,
                "a user's claim on green, copied from blue's volume (--delete-data)",
            )
        } else {
            item(
                Kind::EbsVolume,
                f,
                Action::Keep,
                "a user's claim on green holds data: kept without --delete-data",
            )
        });
    }
    for f in &o.ebs_snapshots {
        items.push(item(
            Kind::EbsSnapshot,
            f,
            Action::Delete,
            "the snapshot of blue's volume migrate copied it through",
        ));
    }
    for f in &o.secrets {
        items.push(item(
            Kind::Secret,
            f,
            Action::Delete,
            "green's secret (recoverable for 7 days)",
        ));
    }
    if let Some(c) = &o.context {
        items.push(item(
            Kind::KubeconfigContext,
            &Found {
                id: c.clone(),
                step: Some(crate::deploy::cluster::apply::KUBECONFIG.into()),
                parent: None,
            },
            Action::Delete,
            "green's context, user and cluster entries (current-context untouched)",
        ));
    }
    // Stable: by kind (the order of deletion), then as found.
    items.sort_by_key(|i| i.kind);
    Ok(items)
}

/// Every read abort needs; nothing is written.
pub async fn observe(session: &Session) -> Result<Observed> {
    let ctx = &session.ctx;
    let tag = ctx.tag.as_str();
    let rec = ctx.record.snapshot().await;
    let cleanup = cleanup::observe(session).await?;

    // EKS: every cluster tagged with the upgrade, its nodegroups and add-ons.
    let eks = ctx.aws.eks();
    let names = crate::aws::all(
        "ListClusters",
        eks.list_clusters().into_paginator().items().send(),
    )
    .await?;
    let mut clusters = Vec::new();
    let (mut nodegroups, mut addons) = (Vec::new(), Vec::new());
    for name in names {
        let answer = eks.describe_cluster().name(&name).send().await;
        let Some(c) = aws::found("DescribeCluster", answer, |e| {
            e.is_resource_not_found_exception()
        })?
        .and_then(|c| c.cluster) else {
            continue;
        };
        let tags: Vec<(String, String)> = c
            .tags()
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        if !crate::tags::has(&tags, UPGRADE_TAG, tag) {
            continue;
        }
        for ng in crate::eks::nodegroup_names(&eks, &name).await? {
            nodegroups.push(Found {
                id: ng,
                step: None,
                parent: Some(name.clone()),
            });
        }
        for a in crate::eks::addon_names(&eks, &name).await? {
            addons.push(Found {
                id: a,
                step: None,
                parent: Some(name.clone()),
            });
        }
        clusters.push(Found {
            id: name,
            step: crate::tags::step_of(&tags),
            parent: None,
        });
    }

    // IAM: the OIDC providers and roles tagged with the upgrade; blue's roles trusting them.
    let iam = ctx.aws.iam();
    let providers: Vec<Found> = green_providers(ctx)
        .await?
        .into_iter()
        .map(|arn| Found {
            id: arn,
            step: Some(crate::deploy::cluster::apply::OIDC.into()),
            parent: None,
        })
        .collect();
    let all_roles = crate::aws::all(
        "ListRoles",
        iam.list_roles().into_paginator().items().send(),
    )
    .await?;
    let mut roles = Vec::new();
    let mut trusts = Vec::new();
    for r in &all_roles {
        let name = r.role_name();
        if let Some(found) = cleanup::role_of_upgrade(ctx, name).await? {
            roles.push(found);
            continue;
        }
        let Some(doc) = r.assume_role_policy_document().map(percent_decode) else {
            continue;
        };
        let n = irsa::remove_statements(&doc, |s| {
            providers.iter().any(|p| irsa::trusts_provider(s, &p.id))
        })
        .map(|(_, n)| n)
        .unwrap_or(0);
        if n > 0 {
            trusts.push(TrustFound {
                role: name.to_string(),
                statements: n,
                recorded: rec.resources.contains_key(&format!("cluster.irsa.{name}")),
            });
        }
    }

    // RDS: green's instances and subnet groups.
    let rdsc = ctx.aws.rds();
    let mut db_instances = Vec::new();
    for i in crate::aws::all(
        "DescribeDBInstances",
        rdsc.describe_db_instances().into_paginator().items().send(),
    )
    .await?
    {
        let tags: Vec<(String, String)> = i
            .tag_list()
            .iter()
            .map(|t| {
                (
                    t.key().unwrap_or_default().to_string(),
                    t.value().unwrap_or_default().to_string(),
                )
            })
            .collect();
        if crate::tags::has(&tags, UPGRADE_TAG, tag)
            && let Some(id) = i.db_instance_identifier()
        {
            db_instances.push(Found {
                id: id.to_string(),
                step: crate::tags::step_of(&tags),
                parent: None,
            });
        }
    }
    let mut subnet_groups = Vec::new();
    for g in crate::aws::all(
        "DescribeDBSubnetGroups",
        rdsc.describe_db_subnet_groups()
            .into_paginator()
            .items()
            .send(),
    )
    .await?
    {
        let (Some(name), Some(arn)) = (g.db_subnet_group_name(), g.db_subnet_group_arn()) else {
            continue;
        };
        let tags = crate::tags::of_rds(&ctx.aws.rds(), arn).await?;
        if crate::tags::has(&tags, UPGRADE_TAG, tag) {
            subnet_groups.push(Found {
                id: name.to_string(),
                step: crate::tags::step_of(&tags),
                parent: None,
            });
        }
    }

    // EFS: green's file systems and their mount targets.
    let efs = ctx.aws.efs();
    let (mut file_systems, mut mount_targets) = (Vec::new(), Vec::new());
    for f in crate::aws::all(
        "DescribeFileSystems",
        efs.describe_file_systems().into_paginator().items().send(),
    )
    .await?
    {
        let tags: Vec<(String, String)> = f
            .tags()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect();
        if !crate::tags::has(&tags, UPGRADE_TAG, tag) {
            continue;
        }
        let id = f.file_system_id().to_string();
        let mts = efs
            .describe_mount_targets()
            .file_system_id(&id)
            .send()
            .await
            .map_err(|e| Error::aws("DescribeMountTargets", e))?;
        for m in mts.mount_targets() {
            mount_targets.push(Found {
                id: m.mount_target_id().to_string(),
                step: Some(crate::efs::MOUNT_TARGETS.into()),
                parent: Some(id.clone()),
            });
        }
        file_systems.push(Found {
            id,
            step: crate::tags::step_of(&tags),
            parent: None,
        });
    }

    // EC2: green's security groups (the DB's and the NFS one).
    let sgs = ctx
        .aws
        .ec2()
        .describe_security_groups()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name(format!("tag:{UPGRADE_TAG}"))
                .values(tag)
                .build(),
        )
        .send()
        .await
        .map_err(|e| Error::aws("DescribeSecurityGroups", e))?;
    let security_groups = sgs
        .security_groups()
        .iter()
        .filter_map(|g| {
            let tags: Vec<(String, String)> = g
                .tags()
                .iter()
                .map(|t| {
                    (
                        t.key().unwrap_or_default().to_string(),
                        t.value().unwrap_or_default().to_string(),
                    )
                })
                .collect();
            crate::tags::has(&tags, UPGRADE_TAG, tag).then(|| Found {
                id: g.group_id().unwrap_or_default().to_string(),
                step: crate::tags::step_of(&tags),
                parent: None,
            })
        })
        .collect();

    // S3: green's bucket (tagged by the clone).
    let s3c = ctx.aws.s3();
    let mut buckets = Vec::new();
    let listed = s3c
        .list_buckets()
        .send()
        .await
        .map_err(|e| Error::aws("ListBuckets", e))?;
    for b in listed.buckets() {
        let Some(name) = b.name() else { continue };
        // A bucket without tags answers NoSuchTagSet (not modelled): not ours.
        let Ok(t) = s3c.get_bucket_tagging().bucket(name).send().await else {
            continue;
        };
        let tags: Vec<(String, String)> = t
            .tag_set()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect();
        if crate::tags::has(&tags, UPGRADE_TAG, tag) {
            buckets.push(Found {
                id: name.to_string(),
                step: crate::tags::step_of(&tags).or_else(|| Some(s3::BUCKET.into())),
                parent: None,
            });
        }
    }

    // Secrets Manager: green's secrets.
    let sm = ctx.aws.secrets();
    let mut secrets = Vec::new();
    let mut listed_secrets = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = sm
            .list_secrets()
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| Error::aws("ListSecrets", e))?;
        listed_secrets.extend(page.secret_list().iter().cloned());
        match page.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    for s in listed_secrets {
        let tags: Vec<(String, String)> = s
            .tags()
            .iter()
            .map(|t| {
                (
                    t.key().unwrap_or_default().to_string(),
                    t.value().unwrap_or_default().to_string(),
                )
            })
            .collect();
        if crate::tags::has(&tags, UPGRADE_TAG, tag)
            && s.deleted_date().is_none()
            && let Some(name) = s.name()
        {
            secrets.push(Found {
                id: name.to_string(),
                step: crate::tags::step_of(&tags).or_else(|| Some(rds::SECRET.into())),
                parent: None,
            });
        }
    }

    // EBS: what `kf migrate` made for claims on EBS, found from the tag.
    let ec2 = ctx.aws.ec2();
    let by_tag = aws_sdk_ec2::types::Filter::builder()
        .name(format!("tag:{UPGRADE_TAG}"))
        .values(tag)
        .build();
    let ec2_step = |tags: &[aws_sdk_ec2::types::Tag]| {
        let tags: Vec<(String, String)> = tags
            .iter()
            .map(|t| {
                (
                    t.key().unwrap_or_default().to_string(),
                    t.value().unwrap_or_default().to_string(),
                )
            })
            .collect();
        crate::tags::step_of(&tags)
    };
    let mut ebs_volumes = Vec::new();
    for v in crate::aws::all(
        "DescribeVolumes",
        ec2.describe_volumes()
            .filters(by_tag.clone())
            .into_paginator()
            .items()
            .send(),
    )
    .await?
    {
        if let Some(id) = v.volume_id() {
            ebs_volumes.push(Found {
                id: id.to_string(),
                step: ec2_step(v.tags()),
                parent: None,
            });
        }
    }
    let mut ebs_snapshots = Vec::new();
    for v in crate::aws::all(
        "DescribeSnapshots",
        ec2.describe_snapshots()
            .owner_ids("self")
            .filters(by_tag)
            .into_paginator()
            .items()
            .send(),
    )
    .await?
    {
        if let Some(id) = v.snapshot_id() {
            ebs_snapshots.push(Found {
                id: id.to_string(),
                step: ec2_step(v.tags()),
                parent: None,
            });
        }
    }

    // The kubeconfig context for green, when it is an EKS context of green's cluster (tagged
    // with the upgrade, or recorded as written by `deploy cluster`).
    let kc = &session.blue.kubeconfig;
    let context = kc.context(&session.green).and_then(|_| {
        let cluster = crate::eks::cluster_name_in_kubeconfig(kc, &session.green);
        let ours = cluster
            .as_deref()
            .is_some_and(|c| clusters.iter().any(|f| f.id == c))
            || rec
                .resources
                .get(crate::deploy::cluster::apply::KUBECONFIG)
                .is_some_and(|r| r.id == session.green);
        (ours && session.green != session.blue.context).then(|| session.green.clone())
    });

    Ok(Observed {
        record_found: ctx.record.exists().await,
        traffic_on_green: rec.traffic_on_green,
        cleanup,
        clusters,
        nodegroups,
        addons,
        providers,
        trusts,
        roles,
        db_instances,
        mount_targets,
        file_systems,
        security_groups,
        subnet_groups,
        buckets,
        secrets,
        ebs_volumes,
        ebs_snapshots,
        context,
    })
}

/// Already gone (`not_found` is the service's code for it), or the error. By code, not by
/// type: EC2's model declares no error shapes (every EC2 error is unhandled in the SDK, its
/// code in the metadata: EC2 API reference, "Error codes"), so there is no type to match.
fn gone_or(e: Error, not_found: &str) -> Result<bool> {
    if e.aws_code() == Some(not_found) {
        Ok(true)
    } else {
        Err(e)
    }
}

/// Deletes one planned resource (waiting until it is gone where what follows needs that);
/// true when it was already gone.
async fn delete(
    session: &Session,
    item: &Item,
    stream: &Stream,
    kubeconfig: Option<&std::path::Path>,
) -> Result<bool> {
    let ctx = &session.ctx;
    let timeout = ctx.timeout;
    match item.kind {
        Kind::DataSyncTask | Kind::DataSyncLocation | Kind::DbSnapshot | Kind::IamRole => {
            let kind = match item.kind {
                Kind::DataSyncTask => cleanup::Kind::DataSyncTask,
                Kind::DataSyncLocation => cleanup::Kind::DataSyncLocation,
                Kind::DbSnapshot => cleanup::Kind::DbSnapshot,
                _ => cleanup::Kind::IamRole,
            };
            cleanup::delete(
                ctx,
                &cleanup::Item {
                    kind,
                    id: item.id.clone(),
                    step: item.step.clone(),
                    action: Action::Delete,
                    reason: item.reason.clone(),
                    inline_policies: item.inline_policies.clone(),
                    attached_policies: item.attached_policies.clone(),
                },
            )
            .await
        }
        Kind::Nodegroup => {
            let eks = ctx.aws.eks();
            let cluster = item.parent.clone().unwrap_or_default();
            let answer = eks
                .delete_nodegroup()
                .cluster_name(&cluster)
                .nodegroup_name(&item.id)
                .send()
                .await;
            // Already DELETING (a re-run): wait for it like a fresh delete.
            let deleting = matches!(&answer, Err(e) if e.as_service_error()
                .is_some_and(|s| s.is_resource_in_use_exception()));
            if !deleting
                && aws::deleted("DeleteNodegroup", answer, |e| {
                    e.is_resource_not_found_exception()
                })?
            {
                return Ok(true);
            }
            wait::until_gone(
                &format!("nodegroup {} to be deleted", item.id),
                timeout,
                stream,
                || async {
                    let seen = eks
                        .describe_nodegroup()
                        .cluster_name(&cluster)
                        .nodegroup_name(&item.id)
                        .send()
                        .await;
                    Ok(aws::found("DescribeNodegroup", seen, |e| {
                        e.is_resource_not_found_exception()
                    })?
                    .map(|o| {
                        o.nodegroup()
                            .and_then(|n| n.status())
                            .map(|s| s.as_str().to_string())
                            .unwrap_or_default()
                    }))
                },
            )
            .await?;
            Ok(false)
        }
        Kind::Addon => {
            let answer = ctx
                .aws
                .eks()
                .delete_addon()
                .cluster_name(item.parent.clone().unwrap_or_default())
                .addon_name(&item.id)
                .send()
                .await;
            aws::deleted("DeleteAddon", answer, |e| {
                e.is_resource_not_found_exception()
            })
        }
        Kind::EksCluster => {
            let eks = ctx.aws.eks();
            let answer = eks.delete_cluster().name(&item.id).send().await;
            if aws::deleted("DeleteCluster", answer, |e| {
                e.is_resource_not_found_exception()
            })? {
                return Ok(true);
            }
            wait::until_gone(
                &format!("cluster {} to be deleted", item.id),
                timeout,
                stream,
                || async {
                    let seen = eks.describe_cluster().name(&item.id).send().await;
                    Ok(aws::found("DescribeCluster", seen, |e| {
                        e.is_resource_not_found_exception()
                    })?
                    .map(|o| {
                        o.cluster()
                            .and_then(|c| c.status())
                            .map(|s| s.as_str().to_string())
                            .unwrap_or_default()
                    }))
                },
            )
            .await?;
            Ok(false)
        }
        Kind::RoleTrust => {
            let iam = ctx.aws.iam();
            let answer = iam.get_role().role_name(&item.id).send().await;
            let Some(role) = aws::found("GetRole", answer, |e| e.is_no_such_entity_exception())?
            else {
                return Ok(true);
            };
            let doc = role
                .role()
                .and_then(|r| r.assume_role_policy_document())
                .map(percent_decode)
                .unwrap_or_default();
            let providers = green_providers(ctx).await?;
            let Some((text, n)) = irsa::remove_statements(&doc, |s| {
                providers.iter().any(|p| irsa::trusts_provider(s, p))
            }) else {
                return Ok(true);
            };
            if n == 0 {
                return Ok(true);
            }
            iam.update_assume_role_policy()
                .role_name(&item.id)
                .policy_document(text)
                .send()
                .await
                .map_err(|e| Error::aws("UpdateAssumeRolePolicy", e))?;
            Ok(false)
        }
        Kind::OidcProvider => {
            let answer = ctx
                .aws
                .iam()
                .delete_open_id_connect_provider()
                .open_id_connect_provider_arn(&item.id)
                .send()
                .await;
            aws::deleted("DeleteOpenIDConnectProvider", answer, |e| {
                e.is_no_such_entity_exception()
            })
        }
        Kind::DbInstance => delete_db(ctx, item, stream).await,
        Kind::MountTarget => {
            let answer = ctx
                .aws
                .efs()
                .delete_mount_target()
                .mount_target_id(&item.id)
                .send()
                .await;
            aws::deleted("DeleteMountTarget", answer, |e| {
                e.is_mount_target_not_found()
            })
        }
        Kind::FileSystem => {
            let efs = ctx.aws.efs();
            // EFS refuses to delete a file system until its mount targets are gone
            // (DeleteFileSystem: FileSystemInUse), and deleting one takes a while.
            wait::until_gone(
                &format!("the mount targets of {} to be deleted", item.id),
                timeout,
                stream,
                || async {
                    let seen = efs
                        .describe_mount_targets()
                        .file_system_id(&item.id)
                        .send()
                        .await;
                    Ok(aws::found("DescribeMountTargets", seen, |e| {
                        e.is_file_system_not_found()
                    })?
                    .map(|o| o.mount_targets().len())
                    .filter(|n| *n > 0)
                    .map(|n| format!("{n} mount target(s)")))
                },
            )
            .await?;
            let answer = efs
                .delete_file_system()
                .file_system_id(&item.id)
                .send()
                .await;
            aws::deleted("DeleteFileSystem", answer, |e| e.is_file_system_not_found())
        }
        Kind::SecurityGroup => {
            let ec2 = ctx.aws.ec2();
            // EC2's errors are not modelled: look whether the group is still there first.
            let exists = !ec2
                .describe_security_groups()
                .filters(
                    aws_sdk_ec2::types::Filter::builder()
                        .name("group-id")
                        .values(&item.id)
                        .build(),
                )
                .send()
                .await
                .map_err(|e| Error::aws("DescribeSecurityGroups", e))?
                .security_groups()
                .is_empty();
            if !exists {
                return Ok(true);
            }
            ec2.delete_security_group()
                .group_id(&item.id)
                .send()
                .await
                .map_err(|e| Error::aws("DeleteSecurityGroup", e))?;
            Ok(false)
        }
        Kind::DbSubnetGroup => {
            let answer = ctx
                .aws
                .rds()
                .delete_db_subnet_group()
                .db_subnet_group_name(&item.id)
                .send()
                .await;
            aws::deleted("DeleteDBSubnetGroup", answer, |e| {
                e.is_db_subnet_group_not_found_fault()
            })
        }
        Kind::Bucket => delete_bucket(ctx, &item.id).await,
        Kind::EbsVolume => {
            match ctx
                .aws
                .ec2()
                .delete_volume()
                .volume_id(&item.id)
                .send()
                .await
            {
                Ok(_) => Ok(false),
                Err(e) => gone_or(Error::aws("DeleteVolume", e), "InvalidVolume.NotFound"),
            }
        }
        Kind::EbsSnapshot => {
            match ctx
                .aws
                .ec2()
                .delete_snapshot()
                .snapshot_id(&item.id)
                .send()
                .await
            {
                Ok(_) => Ok(false),
                Err(e) => gone_or(Error::aws("DeleteSnapshot", e), "InvalidSnapshot.NotFound"),
            }
        }
        Kind::Secret => {
            let answer = ctx
                .aws
                .secrets()
                .delete_secret()
                .secret_id(&item.id)
                .recovery_window_in_days(7)
                .send()
                .await;
            aws::deleted("DeleteSecret", answer, |e| {
                e.is_resource_not_found_exception()
            })
        }
        Kind::KubeconfigContext => {
            let mut kc = crate::kubeconfig::Kubeconfigs::load(kubeconfig)?;
            let written = kc.remove(&[
                (crate::kubeconfig::Section::Contexts, item.id.as_str()),
                (crate::kubeconfig::Section::Users, item.id.as_str()),
                (crate::kubeconfig::Section::Clusters, item.id.as_str()),
            ])?;
            Ok(written.is_empty())
        }
    }
}

/// The ARNs of the OIDC providers tagged with the upgrade.
async fn green_providers(ctx: &Ctx) -> Result<Vec<String>> {
    let iam = ctx.aws.iam();
    let list = iam
        .list_open_id_connect_providers()
        .send()
        .await
        .map_err(|e| Error::aws("ListOpenIDConnectProviders", e))?;
    let mut out = Vec::new();
    for arn in list
        .open_id_connect_provider_list()
        .iter()
        .filter_map(|p| p.arn())
    {
        let tags = crate::aws::all(
            "ListOpenIDConnectProviderTags",
            iam.list_open_id_connect_provider_tags()
                .open_id_connect_provider_arn(arn)
                .into_paginator()
                .items()
                .send(),
        )
        .await?;
        if tags
            .iter()
            .any(|t| t.key() == UPGRADE_TAG && t.value() == ctx.tag)
        {
            out.push(arn.to_string());
        }
    }
    Ok(out)
}

/// Green's DB: deletion protection lifted, deleted with a final snapshot (its name recorded
/// before the call), waited until gone (its subnet group and security group go next).
pub(crate) async fn delete_db(ctx: &Ctx, item: &Item, stream: &Stream) -> Result<bool> {
    let key = format!("{FINAL_SNAPSHOT}.{}", item.id);
    let rdsc = ctx.aws.rds();
    let snapshot = item
        .final_snapshot
        .clone()
        .unwrap_or_else(|| final_snapshot_name(&item.id));
    let status = || async {
        Ok(rds::describe_instance(&rdsc, &item.id)
            .await?
            .map(|i| i.db_instance_status.unwrap_or_default()))
    };
    let Some(now) = status().await? else {
        return Ok(true);
    };
    if now != "deleting" {
        rdsc.modify_db_instance()
            .db_instance_identifier(&item.id)
            .deletion_protection(false)
            .apply_immediately(true)
            .send()
            .await
            .map_err(|e| Error::aws("ModifyDBInstance", e))?;
        ctx.record
            .mark(
                &key,
                "DBSnapshot",
                &snapshot,
                Phase::InProgress,
                Some(format!("final snapshot of DB {}", item.id)),
            )
            .await?;
        let answer = rdsc
            .delete_db_instance()
            .db_instance_identifier(&item.id)
            .skip_final_snapshot(false)
            .final_db_snapshot_identifier(&snapshot)
            .send()
            .await;
        if aws::deleted("DeleteDBInstance", answer, |e| {
            e.is_db_instance_not_found_fault()
        })? {
            return Ok(true);
        }
    }
    wait::until_gone(
        &format!("DB instance {} to be deleted", item.id),
        ctx.timeout,
        stream,
        status,
    )
    .await?;
    ctx.record
        .mark(
            &key,
            "DBSnapshot",
            &snapshot,
            Phase::Completed,
            Some(format!("final snapshot of DB {}", item.id)),
        )
        .await?;
    Ok(false)
}

/// Every object version and delete marker, then the bucket (S3 refuses a bucket that is not
/// empty: DeleteBucket, BucketNotEmpty).
async fn delete_bucket(ctx: &Ctx, bucket: &str) -> Result<bool> {
    let s3c = ctx.aws.s3();
    loop {
        let page = match s3c.list_object_versions().bucket(bucket).send().await {
            Ok(p) => p,
            // By code: S3's model declares no errors for ListObjectVersions, though S3 answers
            // NoSuchBucket for a missing bucket (S3 API reference, ListObjectVersions).
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.meta().code() == Some("NoSuchBucket")) =>
            {
                return Ok(true);
            }
            Err(e) => return Err(Error::aws("ListObjectVersions", e)),
        };
        let mut ids: Vec<(String, Option<String>)> = page
            .versions()
            .iter()
            .map(|v| {
                (
                    v.key().unwrap_or_default().to_string(),
                    v.version_id().map(str::to_string),
                )
            })
            .collect();
        ids.extend(page.delete_markers().iter().map(|m| {
            (
                m.key().unwrap_or_default().to_string(),
                m.version_id().map(str::to_string),
            )
        }));
        if ids.is_empty() {
            break;
        }
        for (key, version) in ids {
            s3c.delete_object()
                .bucket(bucket)
                .key(&key)
                .set_version_id(version)
                .send()
                .await
                .map_err(|e| Error::aws("DeleteObject", e))?;
        }
    }
    match s3c.delete_bucket().bucket(bucket).send().await {
        Ok(_) => Ok(false),
        Err(e) => Err(Error::aws("DeleteBucket", e)),
    }
}

/// Records one deletion in the record's `abort` section.
async fn record_deleted(ctx: &Ctx, section: &str, item: &Item, already_gone: bool) -> Result<()> {
    ctx.record
        .update(|r| {
            r.change_section(section, |state: &mut AbortState| {
                state.deleted.insert(
                    format!("{}/{}", item.kind.as_str(), item.id),
                    Deleted::now(item.kind.as_str(), &item.step, already_gone),
                );
                if let Some(s) = &item.final_snapshot
                    && !state.final_snapshots.contains(s)
                {
                    state.final_snapshots.push(s.clone());
                }
            });
        })
        .await
        .map(|_| ())
}

/// Executes exactly the planned deletions, in the plan's order; each is recorded.
pub async fn apply(
    session: &Session,
    plan: &Plan,
    progress: &Progress,
    kubeconfig: Option<&std::path::Path>,
    section: &str,
) -> Result<Vec<Item>> {
    let stream = progress.stream(section);
    let mut done = Vec::new();
    for item in plan.deletions() {
        stream.set(&format!("deleting {} {}", item.kind.as_str(), item.id));
        let already_gone = delete(session, item, &stream, kubeconfig).await?;
        record_deleted(&session.ctx, section, item, already_gone).await?;
        done.push(item.clone());
    }
    stream.finish(&format!("{} resource(s) deleted", done.len()));
    Ok(done)
}

async fn save_state(ctx: &Ctx, change: impl Fn(&mut AbortState)) -> Result<()> {
    ctx.record
        .update(|r| {
            r.change_section(SECTION, &change);
        })
        .await
        .map(|_| ())
}

/// The session, also once green's context is gone (an abort that removed it, run again):
/// `--to` names green then, as the record and the tags do.
async fn open(g: &crate::cli::GlobalArgs) -> Result<Session> {
    let blue = crate::context::Blue::resolve(&crate::cli::GlobalArgs {
        to: None,
        ..g.clone()
    })?;
    if g.to.is_some() {
        let blue_client = blue.client().await?;
        let green = blue.green(g, &blue_client).await?;
        let aws = crate::aws::Aws::load(g).await?;
        let record = crate::record::RecordStore::open(&blue_client, &blue.context, &green).await?;
        let mut ctx = Ctx::new(aws, record, &green, g.timeout);
        ctx.yes = g.yes;
        return Ok(Session {
            blue,
            blue_client,
            green,
            ctx,
        });
    }
    Session::open(g).await
}

pub async fn run(args: AbortArgs) -> Result<()> {
    let g = &args.global;
    let session = open(g).await?;
    let observed = observe(&session).await?;
    let items = plan(&observed, args.delete_data)?;
    let plan = Plan {
        blue: session.blue.context.clone(),
        green: session.green.clone(),
        dry_run: g.dry_run || !g.yes,
        record_lost: !observed.record_found,
        delete_data: args.delete_data,
        items,
    };
    let progress = Progress::new(g.quiet);
    if plan.record_lost {
        progress.println(&format!(
            "the upgrade record {}/{} is gone: finding what to abort from the {UPGRADE_TAG}={} tags",
            crate::record::NAMESPACE,
            crate::record::configmap_name(&session.green),
            session.ctx.tag
        ));
    }
    if g.dry_run || !g.yes {
        if !g.dry_run && plan.deletions().next().is_some() {
            progress.println("nothing was deleted: pass --yes to abort as planned");
        }
        return output::print(g.output, &plan);
    }
    let ctx = &session.ctx;
    let kept_buckets: Vec<String> = plan
        .items
        .iter()
        .filter(|i| i.kind == Kind::Bucket && i.action == Action::Keep)
        .map(|i| i.id.clone())
        .collect();
    let from_tags = plan.record_lost;
    let started = crate::record::now();
    save_state(ctx, |s| {
        s.stage = Some("InProgress".into());
        s.started.get_or_insert_with(|| started.clone());
        s.finished = None;
        s.from_tags |= from_tags;
        for b in &kept_buckets {
            if !s.kept_buckets.contains(b) {
                s.kept_buckets.push(b.clone());
            }
        }
    })
    .await?;
    let deleted = apply(&session, &plan, &progress, g.kubeconfig.as_deref(), SECTION).await?;
    let finished = crate::record::now();
    save_state(ctx, |s| {
        s.stage = Some("Aborted".into());
        s.finished = Some(finished.clone());
    })
    .await?;
    let state = AbortState::from_record(&ctx.record.snapshot().await)?;
    output::print(
        g.output,
        &Report {
            blue: plan.blue.clone(),
            green: plan.green.clone(),
            record_lost: plan.record_lost,
            final_snapshots: state.final_snapshots,
            kept: plan
                .items
                .iter()
                .filter(|i| i.action == Action::Keep)
                .cloned()
                .collect(),
            deleted,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(id: &str, step: Option<&str>, parent: Option<&str>) -> Found {
        Found {
            id: id.into(),
            step: step.map(str::to_string),
            parent: parent.map(str::to_string),
        }
    }

    fn observed() -> Observed {
        Observed {
            record_found: true,
            clusters: vec![found("green", None, None)],
            nodegroups: vec![found("linux-nodes", None, Some("green"))],
            addons: vec![found("vpc-cni", None, Some("green"))],
            providers: vec![found("arn:aws:iam::1:oidc-provider/x/id/G", None, None)],
            trusts: vec![TrustFound {
                role: "kf-blue-ml-pipeline".into(),
                statements: 1,
                recorded: true,
            }],
            roles: vec![cleanup::RoleFound {
                name: "kf-green-vpc-cni".into(),
                inline_policies: vec![],
                attached_policies: vec!["arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy".into()],
            }],
            db_instances: vec![found("kf-green-kubeflow-db", Some(rds::INSTANCE), None)],
            mount_targets: vec![found("fsmt-1", None, Some("fs-1"))],
            file_systems: vec![found("fs-1", None, None)],
            security_groups: vec![
                found("sg-db", Some(rds::SECURITY_GROUP), None),
                found("sg-nfs", Some(crate::efs::SECURITY_GROUP), None),
            ],
            subnet_groups: vec![found("kf-green-db-subnets", None, None)],
            buckets: vec![found("kf-green-artifacts", None, None)],
            secrets: vec![found("kf-green-rds-secret", None, None)],
            ebs_volumes: vec![],
            ebs_snapshots: vec![],
            context: Some("green".into()),
            ..Default::default()
        }
    }

    fn position(items: &[Item], kind: Kind) -> usize {
        items
            .iter()
            .position(|i| i.kind == kind)
            .unwrap_or_else(|| panic!("{kind:?} not in {items:?}"))
    }

    #[test]
    fn migrates_ebs_copies_the_snapshot_goes_and_the_volume_only_with_delete_data() {
        let mut o = observed();
        o.ebs_volumes = vec![found("vol-green", Some("migrate"), None)];
        o.ebs_snapshots = vec![found("snap-green", Some("migrate"), None)];
        let action = |items: &[Item], id: &str| items.iter().find(|i| i.id == id).unwrap().action;
        let items = plan(&o, false).unwrap();
        assert_eq!(action(&items, "vol-green"), Action::Keep);
        assert_eq!(action(&items, "snap-green"), Action::Delete);
        let items = plan(&o, true).unwrap();
        assert_eq!(action(&items, "vol-green"), Action::Delete);
        // A volume is deleted once green's nodes (and so any attachment) are gone.
        assert!(position(&items, Kind::Nodegroup) < position(&items, Kind::EbsVolume));
        assert!(position(&items, Kind::EbsVolume) < position(&items, Kind::EbsSnapshot));
    }

    #[test]
    fn what_uses_a_resource_is_deleted_before_it() {
        let items = plan(&observed(), true).unwrap();
        let before = |a: Kind, b: Kind| {
            assert!(
                position(&items, a) < position(&items, b),
                "{a:?} before {b:?}"
            )
        };
        // DeleteCluster: ResourceInUseException while nodegroups exist.
        before(Kind::Nodegroup, Kind::EksCluster);
        // The statements naming the provider go before it, so a re-run still finds them.
        before(Kind::RoleTrust, Kind::OidcProvider);
        // DeleteSecurityGroup: DependencyViolation while the DB or a mount target uses it.
        before(Kind::DbInstance, Kind::SecurityGroup);
        before(Kind::MountTarget, Kind::SecurityGroup);
        // DeleteFileSystem: FileSystemInUse while mount targets exist.
        before(Kind::MountTarget, Kind::FileSystem);
        // DeleteDBSubnetGroup: InvalidDBSubnetGroupStateFault while the DB uses it.
        before(Kind::DbInstance, Kind::DbSubnetGroup);
        assert!(items.iter().all(|i| i.action == Action::Delete));
    }

    #[test]
    fn the_bucket_is_kept_without_delete_data_and_the_final_snapshot_is_named() {
        let items = plan(&observed(), false).unwrap();
        let bucket = &items[position(&items, Kind::Bucket)];
        assert_eq!(bucket.action, Action::Keep);
        assert!(bucket.reason.contains("--delete-data"), "{}", bucket.reason);
        let db = &items[position(&items, Kind::DbInstance)];
        assert_eq!(
            db.final_snapshot.as_deref(),
            Some("kf-green-kubeflow-db-final-abort")
        );
        assert!(db.reason.contains("kf-green-kubeflow-db-final-abort"));
        let long = "a".repeat(300);
        let name = final_snapshot_name(&long);
        assert_eq!(name.len(), 255);
        assert!(name.ends_with("-final-abort"));
    }

    #[test]
    fn traffic_on_green_or_a_running_copy_is_refused() {
        let mut o = observed();
        o.traffic_on_green = true;
        let e = plan(&o, true).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("failback"), "{e}");
        let mut o = observed();
        o.cleanup.running = vec![("t".into(), "e".into(), "TRANSFERRING".into())];
        let e = plan(&o, true).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("wait for the copy"), "{e}");
        assert!(e.to_string().contains("kf abort"), "{e}");
        for stage in [Stage::InProgress, Stage::Failed] {
            let mut o = observed();
            o.cleanup.cutover_stage = stage;
            let e = plan(&o, true).unwrap_err();
            assert_eq!(e.exit_code(), 2);
            assert!(e.to_string().contains("failback"), "{e}");
        }
    }

    #[test]
    fn nothing_found_plans_nothing() {
        assert!(plan(&Observed::default(), true).unwrap().is_empty());
    }
}
