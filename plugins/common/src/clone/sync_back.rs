//! Copying back to blue what green's bucket and file system gained while green took production
//! traffic (`kf cutover failback --sync-back`): DataSync from green's locations to blue's, the
//! locations the clone made, with changed files only, nothing deleted and no file of blue
//! overwritten (see [`super::datasync::sync_back_options`]). A relational reverse sync of the
//! database is out of scope: green's DB is kept as a snapshot instead.

use serde::Serialize;

use super::Ctx;
use super::datasync;
use crate::error::Result;
use crate::progress::Progress;
use crate::record::Phase;

/// One copy back: the record keys of its locations (blue's the destination now) and its steps.
struct Leg {
    layer: &'static str,
    from: &'static str,
    to: &'static str,
    task: &'static str,
    execution: &'static str,
}

const LEGS: [Leg; 2] = [
    Leg {
        layer: "s3",
        from: super::s3::DESTINATION,
        to: super::s3::SOURCE,
        task: "s3.sync-back.task",
        execution: "s3.sync-back.execution",
    },
    Leg {
        layer: "efs",
        from: super::efs::DESTINATION,
        to: super::efs::SOURCE,
        task: "efs.sync-back.task",
        execution: "efs.sync-back.execution",
    },
];

/// What one copy back carried.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Carried {
    pub layer: String,
    pub execution: String,
    pub files: i64,
    pub bytes: i64,
}

/// Runs the copies back of the layers the clone copied (concurrently), each once more on every
/// call; what each carried.
pub async fn run(ctx: &Ctx, progress: &Progress) -> Result<Vec<Carried>> {
    let rec = ctx.record.snapshot().await;
    let located = |k: &str| {
        rec.resources
            .get(k)
            .filter(|r| r.phase == Phase::Completed && !r.id.is_empty())
            .map(|r| r.id.clone())
    };
    let legs: Vec<(&Leg, String, String)> = LEGS
        .iter()
        .filter_map(|l| Some((l, located(l.from)?, located(l.to)?)))
        .collect();
    let runs = legs.iter().map(|(leg, from, to)| async move {
        let stream = progress.stream(leg.layer);
        stream.set(&format!("copying back green -> blue ({})", leg.layer));
        let task = datasync::ensure_task(
            ctx,
            &stream,
            leg.task,
            from,
            to,
            datasync::sync_back_options(),
        )
        .await?;
        datasync::run_execution(ctx, &stream, leg.execution, &task, true, None).await?;
        let r = ctx.record.get(leg.execution).await.ok_or_else(|| {
            crate::error::Error::failed(format!("{} is not recorded", leg.execution))
        })?;
        let n = |k: &str| r.details.get(k).and_then(|v| v.as_i64()).unwrap_or(0);
        stream.finish(&format!(
            "{}: {} file(s) copied back to blue",
            leg.layer,
            n("filesTransferred")
        ));
        Ok::<_, crate::error::Error>(Carried {
            layer: leg.layer.to_string(),
            execution: r.id.clone(),
            files: n("filesTransferred"),
            bytes: n("bytesTransferred"),
        })
    });
    futures::future::try_join_all(runs).await
}
