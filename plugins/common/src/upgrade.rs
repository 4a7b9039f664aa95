//! What every step of one upgrade needs: AWS, the record, green's name and tag, and the flags
//! that govern waiting and approval.

use std::time::Duration;

use crate::aws::Aws;
use crate::record::{self, RecordStore};

pub struct Ctx {
    pub aws: Aws,
    pub record: RecordStore,
    /// Green's kubeconfig context.
    pub green: String,
    /// Green as a tag/label value and name part (`kubeflow.org/upgrade=<tag>`).
    pub tag: String,
    pub timeout: Duration,
    pub resync: bool,
    pub yes: bool,
}

impl Ctx {
    pub fn new(aws: Aws, record: RecordStore, green: &str, timeout: Duration) -> Self {
        Self {
            aws,
            record,
            green: green.to_string(),
            tag: record::label_value(green),
            timeout,
            resync: false,
            yes: false,
        }
    }

    /// The tags of every resource this upgrade creates.
    pub fn tags(&self) -> crate::tags::Tags {
        crate::tags::Tags::upgrade(&self.tag)
    }

    /// `prefix + tag + suffix`, the tag shortened so the whole fits in `max` characters.
    pub fn name(&self, prefix: &str, suffix: &str, max: usize) -> String {
        fit_name(prefix, &self.tag, suffix, max)
    }
}

/// `prefix + tag + suffix`, the tag shortened so the whole fits in `max` characters.
pub fn fit_name(prefix: &str, tag: &str, suffix: &str, max: usize) -> String {
    let room = max.saturating_sub(prefix.len() + suffix.len());
    let tag: String = tag.chars().take(room).collect();
    format!("{prefix}{tag}{suffix}")
}

/// A command's view of one upgrade: blue and green contexts, clients, AWS and the record.
pub struct Session {
    pub blue: crate::context::Blue,
    pub blue_client: kube::Client,
    pub green: String,
    pub ctx: Ctx,
}

impl Session {
    /// Resolves the contexts, loads AWS and opens the record (which the first recorded step
    /// creates: nothing is written here): blue's copy, or green's once `kf retire-blue` moved it
    /// there ([`record::authority`]; blue's cluster may be gone by then).
    pub async fn open(g: &crate::cli::GlobalArgs) -> crate::error::Result<Self> {
        let blue = crate::context::Blue::resolve(g)?;
        let blue_client = blue.client().await?;
        let green = blue.green(g, &blue_client).await?;
        let aws = Aws::load(g).await?;
        let green_client = crate::context::client_for(&blue.kubeconfig, &green)
            .await
            .ok();
        let record =
            RecordStore::open_moved(&blue_client, green_client.as_ref(), &blue.context, &green)
                .await?;
        let mut ctx = Ctx::new(aws, record, &green, g.timeout);
        ctx.yes = g.yes;
        Ok(Self {
            blue,
            blue_client,
            green,
            ctx,
        })
    }

    pub async fn green_client(&self) -> crate::error::Result<kube::Client> {
        crate::context::client_for(&self.blue.kubeconfig, &self.green).await
    }

    /// Green's EKS cluster (recorded, else from the kubeconfig). Reads only: the command
    /// records it with its first step ([`Session::record_clusters`]).
    pub async fn green_cluster(&self) -> crate::error::Result<crate::eks::ClusterInfo> {
        let rec = self.ctx.record.snapshot().await;
        crate::eks::cluster_for_context(
            &self.ctx.aws,
            &self.blue.kubeconfig,
            &self.green,
            rec.green_cluster.as_deref(),
        )
        .await
    }

    /// Records the EKS cluster names of green (and of blue, once known), when they are new.
    pub async fn record_clusters(
        &self,
        green: &str,
        blue: Option<&str>,
    ) -> crate::error::Result<()> {
        let rec = self.ctx.record.snapshot().await;
        if rec.green_cluster.as_deref() == Some(green)
            && (blue.is_none() || rec.blue_cluster.is_some())
        {
            return Ok(());
        }
        self.ctx
            .record
            .update(|r| {
                r.green_cluster = Some(green.to_string());
                if r.blue_cluster.is_none() {
                    r.blue_cluster = blue.map(str::to_string);
                }
            })
            .await
            .map(|_| ())
    }

    /// Blue's EKS cluster, when it can be told.
    pub async fn blue_cluster(&self) -> Option<crate::eks::ClusterInfo> {
        let rec = self.ctx.record.snapshot().await;
        crate::eks::cluster_for_context(
            &self.ctx.aws,
            &self.blue.kubeconfig,
            &self.blue.context,
            rec.blue_cluster.as_deref(),
        )
        .await
        .ok()
    }
}
