//! The S3 stream: green's bucket configured like blue's (encryption, versioning, public-access
//! block), then a DataSync copy of blue's objects into it. Blue's bucket is only read.

use aws_sdk_s3::types::{
    BucketLocationConstraint, CreateBucketConfiguration, VersioningConfiguration,
};

use super::Ctx;
use super::datasync::{self, LocationSpec};
use super::plan::{CopyMode, KmsGrants, Step, action_of};
use crate::error::{Error, Result};
use crate::progress::Stream;
use crate::record::{Phase, UPGRADE_TAG};

pub const BUCKET: &str = "s3.bucket";
pub const SOURCE: &str = "s3.source";
pub const DESTINATION: &str = "s3.destination";
pub const TASK: &str = "s3.task";
pub const EXECUTION: &str = "s3.execution";

/// The names of green's bucket and of the DataSync role that copies into it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Targets {
    pub bucket: String,
    pub role: String,
}

impl Targets {
    /// `tag`: green as a name part; `blue`: blue's bucket.
    pub fn new(tag: &str, blue: &str) -> Self {
        Targets {
            bucket: green_bucket(tag, blue),
            role: crate::upgrade::fit_name("kf-datasync-", tag, "", 64),
        }
    }
}

/// Green's bucket name: blue's with the upgrade appended, within S3's 63 characters.
pub fn green_bucket(tag: &str, blue: &str) -> String {
    let suffix = format!("-{tag}");
    let mut base: String = blue
        .chars()
        .take(63usize.saturating_sub(suffix.len()))
        .collect();
    base = base.trim_end_matches(['-', '.']).to_string();
    format!("{base}{suffix}").to_ascii_lowercase()
}

const KEYS: datasync::CopyKeys = datasync::CopyKeys {
    source: SOURCE,
    destination: DESTINATION,
    task: TASK,
    execution: EXECUTION,
};

/// Executes the bucket's planned steps: green's bucket like blue's, the DataSync role, the copy.
pub async fn apply(
    ctx: &Ctx,
    stream: &Stream,
    steps: &[Step],
    mode: CopyMode,
    grants: &KmsGrants,
    blue: &str,
    t: &Targets,
) -> Result<()> {
    let green = &t.bucket;
    if action_of(steps, BUCKET).executes() {
        bucket(ctx, stream, blue, green).await?;
    }
    let role = datasync::ensure_role(ctx, stream, &t.role, &[blue, green], grants).await?;
    let spec = |bucket: &str| {
        let s = LocationSpec::S3 {
            bucket: bucket.to_string(),
            role_arn: role.clone(),
        };
        async move { Ok(s) }
    };
    datasync::planned_copy(ctx, stream, steps, mode, KEYS, spec(blue), spec(green)).await?;
    stream.finish(&format!("s3://{blue} copied to s3://{green}"));
    Ok(())
}

async fn bucket(ctx: &Ctx, stream: &Stream, blue: &str, green: &str) -> Result<()> {
    let s3 = ctx.aws.s3();
    let done = ctx
        .record
        .get(BUCKET)
        .await
        .is_some_and(|r| r.phase == Phase::Completed && r.id == green);
    match s3.head_bucket().bucket(green).send().await {
        Ok(_) if done => return Ok(()),
        Ok(_) => {
            // Ours (tagged for this upgrade) or left untagged by a run killed right after
            // creating it; anything else is somebody else's bucket.
            let tags = s3.get_bucket_tagging().bucket(green).send().await;
            let owner = tags.as_ref().ok().and_then(|t| {
                t.tag_set()
                    .iter()
                    .find(|t| t.key() == UPGRADE_TAG)
                    .map(|t| t.value().to_string())
            });
            if let Some(owner) = owner.filter(|o| o != &ctx.tag) {
                return Err(Error::usage(
                    format!("bucket {green} already belongs to the upgrade to {owner}"),
                    "remove it or upgrade to another green",
                ));
            }
        }
        Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => {
            stream.set(&format!("creating bucket {green}"));
            ctx.record
                .mark(BUCKET, "S3Bucket", green, Phase::InProgress, None)
                .await?;
            let mut create = s3.create_bucket().bucket(green);
            if ctx.aws.region() != "us-east-1" {
                create = create.create_bucket_configuration(
                    CreateBucketConfiguration::builder()
                        .location_constraint(BucketLocationConstraint::from(ctx.aws.region()))
                        .build(),
                );
            }
            create
                .send()
                .await
                .map_err(|e| Error::aws("CreateBucket", e))?;
        }
        Err(e) => return Err(Error::aws(&format!("HeadBucket {green}"), e)),
    }
    s3.put_bucket_tagging()
        .bucket(green)
        .tagging(ctx.tags().s3())
        .send()
        .await
        .map_err(|e| Error::aws("PutBucketTagging", e))?;
    // Blue's settings, read and copied; absent settings are left at S3's defaults.
    if let Ok(enc) = s3.get_bucket_encryption().bucket(blue).send().await
        && let Some(conf) = enc.server_side_encryption_configuration()
    {
        s3.put_bucket_encryption()
            .bucket(green)
            .server_side_encryption_configuration(conf.clone())
            .send()
            .await
            .map_err(|e| Error::aws("PutBucketEncryption", e))?;
    }
    let versioning = s3
        .get_bucket_versioning()
        .bucket(blue)
        .send()
        .await
        .map_err(|e| Error::aws("GetBucketVersioning", e))?;
    if let Some(status) = versioning.status() {
        s3.put_bucket_versioning()
            .bucket(green)
            .versioning_configuration(
                VersioningConfiguration::builder()
                    .status(status.clone())
                    .build(),
            )
            .send()
            .await
            .map_err(|e| Error::aws("PutBucketVersioning", e))?;
    }
    if let Ok(pab) = s3.get_public_access_block().bucket(blue).send().await
        && let Some(conf) = pab.public_access_block_configuration()
    {
        s3.put_public_access_block()
            .bucket(green)
            .public_access_block_configuration(conf.clone())
            .send()
            .await
            .map_err(|e| Error::aws("PutPublicAccessBlock", e))?;
    }
    ctx.record
        .mark(BUCKET, "S3Bucket", green, Phase::Completed, None)
        .await?;
    ctx.record
        .update_clones(|c| {
            c.bucket = Some(crate::record::BucketClone {
                name: green.to_string(),
                from: blue.to_string(),
            })
        })
        .await
}

/// What a bucket holds that was written after a time.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Written {
    pub bucket: String,
    pub objects: u64,
    pub bytes: i64,
    /// The first keys (at most 10).
    pub sample: Vec<String>,
}

/// The objects of `bucket` last modified at or after `since` (RFC 3339), every page.
pub async fn written_since(aws: &crate::aws::Aws, bucket: &str, since: &str) -> Result<Written> {
    let since: i64 = since
        .parse::<jiff::Timestamp>()
        .map(|t| t.as_second())
        .map_err(|e| Error::failed(format!("the recorded time {since} is unreadable: {e}")))?;
    let mut out = Written {
        bucket: bucket.to_string(),
        ..Default::default()
    };
    for o in crate::aws::s3_objects(aws, bucket)
        .await?
        .iter()
        .filter(|o| o.last_modified().is_some_and(|t| t.secs() >= since))
    {
        out.objects += 1;
        out.bytes += o.size().unwrap_or(0);
        if out.sample.len() < 10 {
            out.sample.push(o.key().unwrap_or_default().to_string());
        }
    }
    Ok(out)
}
