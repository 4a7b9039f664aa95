//! The one skeleton every resource follows: describe it; create it when it is absent (recording
//! the step InProgress first, so a run killed after the call finds it again); wait until it is
//! ready, showing its status; record the step Completed.

use std::future::Future;

use crate::error::{Error, Result};
use crate::progress::Stream;
use crate::record::Phase;
use crate::upgrade::Ctx;
use crate::wait::{self, Poll};

/// A resource's step in the record.
#[derive(Clone, Debug)]
pub struct Step<'a> {
    /// The record key (`rds.snapshot`).
    pub key: &'a str,
    /// Its kind (`DBSnapshot`).
    pub kind: &'a str,
    /// Its identifier (known before it exists: the suite names what it creates).
    pub id: &'a str,
}

/// Where a described resource stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    /// Not yet; the status to show.
    Pending(String),
    /// It will not become ready (a failed state); why.
    Failed(String),
}

/// Describes with `describe` (`None`: absent), creates with `create` when absent, waits with
/// `readiness` until ready, and records the step; the resource as last described.
pub async fn ensure<T, D, DF, C, CF>(
    ctx: &Ctx,
    stream: &Stream,
    step: &Step<'_>,
    describe: D,
    create: C,
    readiness: impl Fn(&T) -> Readiness,
) -> Result<T>
where
    D: Fn() -> DF,
    DF: Future<Output = Result<Option<T>>>,
    C: FnOnce() -> CF,
    CF: Future<Output = Result<()>>,
{
    if describe().await?.is_none() {
        stream.set(&format!("creating {} {}", step.kind, step.id));
        ctx.record
            .mark(step.key, step.kind, step.id, Phase::InProgress, None)
            .await?;
        create().await?;
    }
    let found = until_ready(
        ctx,
        stream,
        &format!("{} {}", step.kind, step.id),
        describe,
        readiness,
    )
    .await?;
    ctx.record
        .mark(step.key, step.kind, step.id, Phase::Completed, None)
        .await?;
    Ok(found)
}

/// Waits until what `describe` finds (`None`: not there yet) is ready by `readiness`, showing
/// its status; `what` names it (`EBS snapshot snap-1`) in the wait and in a failure.
pub async fn until_ready<T, D, DF>(
    ctx: &Ctx,
    stream: &Stream,
    what: &str,
    describe: D,
    readiness: impl Fn(&T) -> Readiness,
) -> Result<T>
where
    D: Fn() -> DF,
    DF: Future<Output = Result<Option<T>>>,
{
    wait::until(
        &format!("{what} to be ready"),
        ctx.timeout,
        stream,
        || async {
            let Some(found) = describe().await? else {
                return Ok(Poll::Pending("not found yet".into()));
            };
            match readiness(&found) {
                Readiness::Ready => Ok(Poll::Ready(found)),
                Readiness::Pending(status) => Ok(Poll::Pending(status)),
                Readiness::Failed(why) => Err(Error::failed(format!("{what} failed: {why}"))),
            }
        },
    )
    .await
}
