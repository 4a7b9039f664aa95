//! `kubectl kf deploy`: green's EKS cluster shaped like blue (`cluster`), and Kubeflow on green
//! wired to the clones (`kubeflow`).

pub mod apply;
pub mod cluster;
pub mod community;
pub mod consumers;
pub mod kubeflow;
pub mod layout;
pub mod params;

use crate::commands::{DeployCli, DeployCommand};
use crate::error::{OnContext, Result};

pub async fn run(cli: DeployCli) -> Result<()> {
    let g = &cli.global;
    match &cli.command {
        DeployCommand::Cluster {
            name,
            version,
            node_type,
            nodes,
            nodes_min,
            nodes_max,
            ami_family,
        } => {
            let o = cluster::Overrides {
                version: version.clone(),
                node_type: node_type.clone(),
                nodes: *nodes,
                nodes_min: *nodes_min,
                nodes_max: *nodes_max,
                ami_family: *ami_family,
            };
            cluster::run(g, name, &o).await
        }
        DeployCommand::Kubeflow {
            manifests,
            option,
            kustomization,
        } => {
            // The layout is checked before anything is opened: a wrong directory is exit 2.
            let layout = layout::detect(manifests)?;
            let session = crate::upgrade::Session::open(g).await?;
            kubeflow::run(
                &session,
                g,
                manifests,
                &layout,
                option,
                kustomization.as_deref(),
            )
            .await
            .on(&session.green)
        }
    }
}
