//! `kubectl kf storage`: green's EFS (file system, NFS security group, mount targets, CSI driver,
//! StorageClass `efs-sc`), claims bound to cloned data, and green's default StorageClass.

pub mod default_class;
pub mod efs;
pub mod efs_plan;
pub mod pvc;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::commands::{StorageCli, StorageCommand};
use crate::error::{OnContext, Result};
use crate::output::{self, Render};
use crate::progress::Progress;
use crate::record::Resource;
use crate::upgrade::Session;

pub async fn run(cli: StorageCli) -> Result<()> {
    let g = &cli.global;
    if let StorageCommand::DefaultClass { class } = &cli.command {
        // Kubernetes only: no AWS configuration needed.
        let blue = crate::context::Blue::resolve(g)?;
        let green = blue.green(g, &blue.client().await?).await?;
        let client = crate::context::client_for(&blue.kubeconfig, &green).await?;
        return default_class::run(&client, &green, class, g)
            .await
            .on(&green);
    }
    let session = Session::open(g).await?;
    match &cli.command {
        StorageCommand::Efs {
            name,
            security_group_name,
            uid,
            gid,
        } => efs_command(
            &session,
            g,
            name,
            security_group_name.as_deref(),
            *uid,
            *gid,
        )
        .await
        .on(&session.green),
        StorageCommand::Pvc {
            claim,
            namespace,
            size,
            storage_class,
            create_namespace,
            patch,
        } => {
            let args = pvc::PvcArgs {
                claim,
                namespace,
                size,
                storage_class,
                create_namespace: *create_namespace,
                patch: patch.as_deref(),
            };
            pvc::run(&session, g, &args).await.on(&session.green)
        }
        StorageCommand::DefaultClass { .. } => unreachable!("handled above"),
    }
}

#[derive(Debug, Serialize)]
struct EfsPlan {
    green: String,
    #[serde(rename = "dryRun")]
    dry_run: bool,
    steps: Vec<crate::clone::plan::Step>,
}

impl Render for EfsPlan {
    fn table(&self) -> String {
        let mut s = format!(
            "Plan: EFS for {} (dry run: nothing is changed)\n\n",
            self.green
        );
        s.push_str(&crate::clone::plan::steps_table(&self.steps));
        s
    }
}

#[derive(Debug, Serialize)]
struct EfsReport {
    green: String,
    #[serde(rename = "storageClass")]
    storage_class: String,
    resources: BTreeMap<String, Resource>,
}

impl Render for EfsReport {
    fn table(&self) -> String {
        let mut s = crate::record::resources_table(&self.resources);
        s.push_str(&format!("StorageClass efs-sc: {}\n", self.storage_class));
        s
    }
}

const EFS_KEYS: [&str; 6] = [
    crate::efs::FILESYSTEM,
    crate::efs::SECURITY_GROUP,
    crate::efs::MOUNT_TARGETS,
    efs::CSI_ROLE,
    efs::CSI_ADDON,
    efs::STORAGE_CLASS,
];

async fn efs_command(
    session: &Session,
    g: &crate::cli::GlobalArgs,
    name: &str,
    sg: Option<&str>,
    uid: u32,
    gid: u32,
) -> Result<()> {
    use crate::clone::plan::action_of;
    let ctx = &session.ctx;
    let cluster = session.green_cluster().await?;
    let net = crate::eks::green_network(&ctx.aws, cluster).await?;
    efs::refuse_foreign_name(ctx, &net, name).await?;
    let targets = efs_plan::Targets::new(ctx, &net, name, sg, uid, gid);
    let client = session.green_client().await?;
    let observed = efs_plan::observe(ctx, &net, &targets, &client).await?;
    let steps = efs_plan::plan(&observed, &targets);
    if g.dry_run {
        let plan = EfsPlan {
            green: session.green.clone(),
            dry_run: true,
            steps,
        };
        return output::print(g.output, &plan);
    }
    session.record_clusters(&net.cluster.name, None).await?;
    let progress = Progress::new(g.quiet);
    let stream = progress.stream("efs");
    // Each step runs when the plan says so. A step planned done whose resource the record does
    // not name (a record lost or made before) runs too: it only reads, then records.
    let recorded = ctx.record.snapshot().await.resources;
    let runs = |key: &str| action_of(&steps, key).executes() || !recorded.contains_key(key);

    let sg_id = match (&observed.group, runs(crate::efs::SECURITY_GROUP)) {
        (Some((id, _)), false) => id.clone(),
        _ => crate::efs::security_group(ctx, &stream, &net, &targets.group_name).await?,
    };
    let fs = match (&observed.filesystem, runs(crate::efs::FILESYSTEM)) {
        (Some((id, _)), false) => id.clone(),
        _ => crate::efs::filesystem(ctx, &stream, name).await?.0,
    };
    if runs(crate::efs::MOUNT_TARGETS) {
        crate::efs::mount_targets(ctx, &stream, &net, &fs, &sg_id).await?;
    }
    let role = if runs(efs::CSI_ROLE) {
        Some(efs::csi_role(ctx, &stream, &net).await?)
    } else {
        None
    };
    if runs(efs::CSI_ADDON) {
        let role = match role {
            Some(r) => r,
            None => efs::csi_role(ctx, &stream, &net).await?,
        };
        efs::csi_addon(ctx, &stream, &net, &role).await?;
    }
    let outcome = if runs(efs::STORAGE_CLASS) {
        efs::ensure_storage_class(ctx, &client, &efs::storage_class(&fs, uid, gid)).await?
    } else {
        "unchanged".to_string()
    };
    stream.finish(&format!("{fs} ready for {}", session.green));
    let rec = ctx.record.snapshot().await;
    let report = EfsReport {
        green: session.green.clone(),
        storage_class: outcome,
        resources: rec
            .resources
            .into_iter()
            .filter(|(k, _)| EFS_KEYS.contains(&k.as_str()))
            .collect(),
    };
    output::print(g.output, &report)
}
