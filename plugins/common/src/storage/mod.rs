//! `kubectl kf storage`: green's EFS (file system, NFS security group, mount targets, CSI driver,
//! StorageClass `efs-sc`), claims bound to cloned data, and green's default StorageClass.

pub mod default_class;
pub mod efs;
pub mod pvc;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::commands::{StorageCli, StorageCommand};
use crate::error::Result;
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
        return default_class::run(&client, &green, class, g).await;
    }
    let session = Session::open(g).await?;
    match &cli.command {
        StorageCommand::Efs {
            name,
            security_group_name,
            uid,
            gid,
        } => {
            efs_command(
                &session,
                g,
                name,
                security_group_name.as_deref(),
                *uid,
                *gid,
            )
            .await
        }
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
            pvc::run(&session, g, &args).await
        }
        StorageCommand::DefaultClass { .. } => unreachable!("handled above"),
    }
}

#[derive(Debug, Serialize)]
struct EfsPlan {
    green: String,
    steps: Vec<[String; 2]>,
}

impl Render for EfsPlan {
    fn table(&self) -> String {
        let mut s = format!(
            "Plan: EFS for {} (dry run: nothing is changed)\n\n",
            self.green
        );
        s.push_str(&output::wrapped_table(
            &["STEP", "WHAT"],
            self.steps.iter().cloned(),
        ));
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
    let ctx = &session.ctx;
    let cluster = session.green_cluster().await?;
    let net = crate::eks::green_network(&ctx.aws, cluster).await?;
    efs::refuse_foreign_name(ctx, &net, name).await?;
    let sg_name = sg
        .map(str::to_string)
        .unwrap_or_else(|| ctx.name("kf-", "-efs-nfs", 255));
    if g.dry_run {
        let azs = crate::eks::zones(&net.private_subnets);
        let plan = EfsPlan {
            green: session.green.clone(),
            steps: vec![
                [
                    crate::efs::SECURITY_GROUP.into(),
                    format!(
                        "{sg_name} in {}: tcp/2049 from the VPC's CIDRs only",
                        net.cluster.vpc_id
                    ),
                ],
                [
                    crate::efs::FILESYSTEM.into(),
                    format!(
                        "{name}: encrypted, creation token {}",
                        crate::efs::creation_token(ctx, name)
                    ),
                ],
                [
                    crate::efs::MOUNT_TARGETS.into(),
                    format!("one per AZ: {}", azs.join(", ")),
                ],
                [
                    efs::CSI_ROLE.into(),
                    format!(
                        "{} trusted by {}'s OIDC provider for kube-system/efs-csi-*",
                        ctx.name("kf-", "-efs-csi-driver", 64),
                        net.cluster.name
                    ),
                ],
                [
                    efs::CSI_ADDON.into(),
                    format!("EKS add-on {} on {}", efs::ADDON_NAME, net.cluster.name),
                ],
                [
                    efs::STORAGE_CLASS.into(),
                    format!(
                        "efs-sc (efs.csi.aws.com, efs-ap, uid {uid}, gid {gid}) on {}",
                        session.green
                    ),
                ],
            ],
        };
        return output::print(g.output, &plan);
    }
    session.record_clusters(&net.cluster.name, None).await?;
    let progress = Progress::new(g.quiet);
    let stream = progress.stream("efs");
    let fs = crate::efs::ensure(ctx, &stream, &net, name, &sg_name).await?;
    efs::csi_driver(ctx, &stream, &net).await?;
    let client = session.green_client().await?;
    let outcome =
        efs::ensure_storage_class(ctx, &client, &efs::storage_class(&fs.id, uid, gid)).await?;
    stream.finish(&format!("{} ready for {}", fs.id, session.green));
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
