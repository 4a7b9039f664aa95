//! `kubectl kf verify`: did everything blue has reach green? One line per item (the database,
//! each top-level prefix of the bucket and a sample of its ETags, the EFS copy, every Profile,
//! claim, PodDefault, Notebook and contributor RoleBinding of a profile namespace, every IRSA
//! role blue's service accounts use), and a total `carried N/M`. Exit 1 when anything is
//! missing. Reads only.
//!
//! [`observe`] reads both sides into [`Blue`]/[`Green`]; [`compare`] decides (pure,
//! unit-tested).
//!
//! What AWS can tell: DataSync's DescribeTaskExecution reports what it found on blue
//! (EstimatedFilesToTransfer/EstimatedBytesToTransfer, counted in its prepare phase) and what
//! it transferred and verified (FilesVerified); EFS itself exposes no file count, and its
//! SizeInBytes is metered, "not the exact size" at any point in time
//! (https://docs.aws.amazon.com/efs/latest/ug/API_FileSystemSize.html), so the file system's
//! totals are DataSync's and the metered size is shown only as a hint.

pub mod compare;
pub mod observe;

use serde::Serialize;

pub use compare::{Blue, Green, Item, Status, compare};

use crate::commands::VerifyArgs;
use crate::error::{Error, Result};
use crate::output::{self, Render};
use crate::upgrade::Session;

/// What verify prints.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub blue: String,
    pub green: String,
    pub carried: usize,
    pub total: usize,
    pub items: Vec<Item>,
}

impl Report {
    pub fn new(blue: &str, green: &str, items: Vec<Item>) -> Self {
        Self {
            blue: blue.to_string(),
            green: green.to_string(),
            carried: items.iter().filter(|i| i.status == Status::Carried).count(),
            total: items.len(),
            items,
        }
    }

    pub fn missing(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| i.status == Status::Missing)
    }

    /// The failure verify ends with when something is missing (exit 1).
    pub fn error(&self) -> Option<Error> {
        let missing: Vec<String> = self
            .missing()
            .map(|i| format!("  {} {}: {}", i.layer.as_str(), i.name, i.detail))
            .collect();
        (!missing.is_empty()).then(|| {
            Error::failed(format!(
                "{} of {} item(s) of blue are missing on green:\n{}",
                missing.len(),
                self.total,
                missing.join("\n")
            ))
        })
    }
}

impl Render for Report {
    fn table(&self) -> String {
        let mut s = output::wrapped_table(
            &["STATUS", "LAYER", "ITEM"],
            // The name leads the wrapped last column: names of claims and bindings in profile
            // namespaces are too long for a column of their own on 80 columns.
            self.items.iter().map(|i| {
                [
                    match i.status {
                        Status::Carried => "carried",
                        Status::Missing => "MISSING",
                    }
                    .to_string(),
                    i.layer.as_str().to_string(),
                    format!("{}: {}", i.name, i.detail),
                ]
            }),
        );
        s.push_str(&format!("carried {}/{}\n", self.carried, self.total));
        s
    }
}

/// How many objects' ETags are compared when no `--sample` is given (verify, cutover check,
/// retire-blue).
pub const DEFAULT_SAMPLE: usize = 100;

/// Observes both sides and compares them.
pub async fn report(session: &Session, sample: usize) -> Result<Report> {
    let green_client = session.green_client().await?;
    let rec = session.ctx.record.snapshot().await;
    let (blue, green) = observe::observe(
        &session.ctx.aws,
        observe::Cluster {
            client: &session.blue_client,
            context: &session.blue.context,
        },
        observe::Cluster {
            client: &green_client,
            context: &session.green,
        },
        &rec,
        &session.ctx.tag,
    )
    .await?;
    Ok(Report::new(
        &session.blue.context,
        &session.green,
        compare(&blue, &green, sample),
    ))
}

pub async fn run(args: VerifyArgs) -> Result<()> {
    let mut g = args.global.clone();
    // Verify reads only: the session never creates the record.
    g.dry_run = true;
    let session = Session::open(&g).await?;
    let report = report(&session, args.sample).await?;
    output::print(args.global.output, &report)?;
    match report.error() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
