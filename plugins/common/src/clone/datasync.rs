//! DataSync for the S3 and EFS streams: the role scoped to exactly the buckets involved,
//! locations, tasks and executions. Every resource is tagged with the upgrade and its step, so a
//! run killed between creating something and recording it finds it again instead of making a
//! second one.

use aws_sdk_datasync::types::{
    Ec2Config, Mtime, Options, OverwriteMode, PreserveDeletedFiles, S3Config, TaskExecutionStatus,
    TransferMode, VerifyMode,
};

use super::Ctx;
use super::plan::{CopyMode, KmsGrants, Step, Verify, action_of};
use crate::error::{Error, Result};
use crate::progress::Stream;
use crate::record::{Phase, UPGRADE_TAG};
use crate::wait::{self, Poll};

pub use crate::tags::STEP_TAG;
const POLICY: &str = "kf-datasync-buckets";
/// The record key of the DataSync role.
pub const ROLE: &str = "s3.datasync-role";

/// The record keys of one copy's steps.
#[derive(Clone, Copy, Debug)]
pub struct CopyKeys {
    pub source: &'static str,
    pub destination: &'static str,
    pub task: &'static str,
    pub execution: &'static str,
}

/// The location of `key`: the recorded one when the plan says it is done, else ensured from
/// `spec` (read only when needed).
async fn planned_location(
    ctx: &Ctx,
    stream: &Stream,
    steps: &[Step],
    key: &str,
    spec: impl std::future::Future<Output = Result<LocationSpec>>,
) -> Result<String> {
    if !action_of(steps, key).executes()
        && let Some(r) = ctx.record.get(key).await.filter(|r| !r.id.is_empty())
    {
        return Ok(r.id);
    }
    ensure_location(ctx, stream, key, spec.await?).await
}

/// Executes one copy's planned steps: its two locations, its task and its execution (in
/// `mode`: its verification and bandwidth limit).
pub async fn planned_copy(
    ctx: &Ctx,
    stream: &Stream,
    steps: &[Step],
    mode: CopyMode,
    keys: CopyKeys,
    source: impl std::future::Future<Output = Result<LocationSpec>>,
    destination: impl std::future::Future<Output = Result<LocationSpec>>,
) -> Result<()> {
    let source = planned_location(ctx, stream, steps, keys.source, source).await?;
    let destination = planned_location(ctx, stream, steps, keys.destination, destination).await?;
    let recorded_task = ctx.record.get(keys.task).await.filter(|r| !r.id.is_empty());
    let task = match recorded_task {
        Some(r) if !action_of(steps, keys.task).executes() => r.id,
        _ => {
            ensure_task(
                ctx,
                stream,
                keys.task,
                &source,
                &destination,
                copy_options(mode),
            )
            .await?
        }
    };
    if action_of(steps, keys.execution).executes() {
        // The task may have been made with another mode (an earlier run, an earlier version of
        // this suite): every execution states its own.
        let overrides = Some(execution_options(mode));
        run_execution(ctx, stream, keys.execution, &task, ctx.resync, overrides).await?;
    }
    Ok(())
}

fn tags(ctx: &Ctx, step: &str) -> Vec<aws_sdk_datasync::types::TagListEntry> {
    ctx.tags().step(step).datasync()
}

/// The role DataSync assumes to read blue's bucket and write green's. Its inline policy names
/// exactly these buckets (and the KMS keys of SSE-KMS buckets) and is written on every run, so
/// a role left from an earlier upgrade never keeps a stale policy.
pub async fn ensure_role(
    ctx: &Ctx,
    stream: &Stream,
    name: &str,
    buckets: &[&str],
    grants: &KmsGrants,
) -> Result<String> {
    const KEY: &str = ROLE;
    let iam = ctx.aws.iam();
    stream.set(&format!("IAM role {name}"));
    let trust = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "datasync.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    });
    let resources: Vec<String> = buckets
        .iter()
        .flat_map(|b| [format!("arn:aws:s3:::{b}"), format!("arn:aws:s3:::{b}/*")])
        .collect();
    let want = crate::irsa::RoleWant {
        name,
        trust: &trust,
        description: format!(
            "DataSync access to the buckets of the Kubeflow upgrade to {}",
            ctx.green
        ),
        tags: ctx.tags().iam(),
        refuse_without_tag: None,
        managed_policies: &[],
        inline_policies: &[(
            POLICY.to_string(),
            role_policy(&resources, grants).to_string(),
        )],
    };
    let arn = crate::irsa::ensure_role_as(&iam, &want, || async { Ok(()) }).await?;
    ctx.record
        .mark(KEY, "IAMRole", &arn, Phase::Completed, None)
        .await?;
    Ok(arn)
}

/// The DataSync role's inline policy: the buckets' objects, and the KMS keys of SSE-KMS
/// buckets. DataSync reads blue's objects with the role (kms:Decrypt on blue's key) and writes
/// green's (kms:GenerateDataKey and kms:Encrypt on green's key; kms:Decrypt too, which S3
/// needs for a multipart upload of an SSE-KMS object, as DataSync makes for large files: S3
/// User Guide, "Specifying server-side encryption with AWS KMS", permissions). The same
/// locations, with this role, copy green's files back to blue on `kf cutover failback
/// --sync-back`, which writes into blue's bucket: blue's key gets the same actions (the role
/// may already write blue's objects through its S3 statement).
pub fn role_policy(bucket_resources: &[String], grants: &KmsGrants) -> serde_json::Value {
    let mut statements = vec![serde_json::json!({
        "Effect": "Allow",
        "Action": [
            "s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads",
            "s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:GetObjectTagging",
            "s3:GetObjectVersion", "s3:GetObjectVersionTagging", "s3:ListMultipartUploadParts",
            "s3:PutObject", "s3:PutObjectTagging"
        ],
        "Resource": bucket_resources
    })];
    if let Some(key) = &grants.decrypt {
        statements.push(serde_json::json!({
            "Sid": "BlueKms",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"],
            "Resource": [key]
        }));
    }
    if let Some(key) = &grants.encrypt {
        statements.push(serde_json::json!({
            "Sid": "GreenKms",
            "Effect": "Allow",
            "Action": ["kms:GenerateDataKey", "kms:Encrypt", "kms:Decrypt"],
            "Resource": [key]
        }));
    }
    serde_json::json!({"Version": "2012-10-17", "Statement": statements})
}

/// Where a location points.
pub enum LocationSpec {
    S3 {
        bucket: String,
        role_arn: String,
    },
    Efs {
        filesystem_arn: String,
        subnet_arn: String,
        security_group_arn: String,
    },
}

/// The ARNs of every DataSync location in the region (ListLocations, every page).
pub async fn location_arns(ds: &aws_sdk_datasync::Client) -> Result<Vec<String>> {
    Ok(crate::aws::all(
        "ListLocations",
        ds.list_locations().into_paginator().items().send(),
    )
    .await?
    .into_iter()
    .filter_map(|l| l.location_arn)
    .collect())
}

/// The ARNs of every DataSync task in the region (ListTasks, every page).
pub async fn task_arns(ds: &aws_sdk_datasync::Client) -> Result<Vec<String>> {
    Ok(
        crate::aws::all("ListTasks", ds.list_tasks().into_paginator().items().send())
            .await?
            .into_iter()
            .filter_map(|t| t.task_arn)
            .collect(),
    )
}

/// Finds a resource of this upgrade's `step` among `arns` by its tags.
async fn find_tagged(ctx: &Ctx, arns: Vec<String>, step: &str) -> Result<Option<String>> {
    let ds = ctx.aws.datasync();
    for arn in arns {
        let tags = crate::tags::of_datasync(&ds, &arn).await?;
        if crate::tags::has(&tags, UPGRADE_TAG, &ctx.tag) && crate::tags::has(&tags, STEP_TAG, step)
        {
            return Ok(Some(arn));
        }
    }
    Ok(None)
}

pub async fn ensure_location(
    ctx: &Ctx,
    stream: &Stream,
    key: &str,
    spec: LocationSpec,
) -> Result<String> {
    let ds = ctx.aws.datasync();
    if let Some(r) = ctx.record.get(key).await.filter(|r| !r.id.is_empty()) {
        let exists = match &spec {
            LocationSpec::S3 { .. } => ds
                .describe_location_s3()
                .location_arn(&r.id)
                .send()
                .await
                .is_ok(),
            LocationSpec::Efs { .. } => ds
                .describe_location_efs()
                .location_arn(&r.id)
                .send()
                .await
                .is_ok(),
        };
        if exists {
            return Ok(r.id);
        }
    }
    let arns = location_arns(&ds).await?;
    if let Some(arn) = find_tagged(ctx, arns, key).await? {
        ctx.record
            .mark(key, "DataSyncLocation", &arn, Phase::Completed, None)
            .await?;
        return Ok(arn);
    }
    stream.set(&format!("creating DataSync location {key}"));
    let arn = match spec {
        LocationSpec::S3 { bucket, role_arn } => {
            let config = S3Config::builder()
                .bucket_access_role_arn(role_arn)
                .build()
                .expect("role set");
            // A new role takes a while to be usable by DataSync (IAM is eventually consistent):
            // retry that specific refusal for a bounded time instead of sleeping a fixed 30 s.
            let create = || {
                ds.create_location_s3()
                    .s3_bucket_arn(format!("arn:aws:s3:::{bucket}"))
                    .subdirectory("/")
                    .s3_config(config.clone())
                    .set_tags(Some(tags(ctx, key)))
                    .send()
            };
            let out = wait::until(
                &format!("IAM role to be usable for s3://{bucket}"),
                ctx.timeout,
                stream,
                || async {
                    match create().await {
                        Ok(out) => Ok(Poll::Ready(out)),
                        Err(e)
                            if e.as_service_error()
                                .is_some_and(|s| s.is_invalid_request_exception())
                                && crate::aws::describe_error(&e)
                                    .to_lowercase()
                                    .contains("role") =>
                        {
                            Ok(Poll::Pending(crate::aws::describe_error(&e)))
                        }
                        Err(e) => Err(Error::aws("CreateLocationS3", e)),
                    }
                },
            )
            .await?;
            out.location_arn().unwrap_or_default().to_string()
        }
        LocationSpec::Efs {
            filesystem_arn,
            subnet_arn,
            security_group_arn,
        } => {
            let ec2 = Ec2Config::builder()
                .subnet_arn(subnet_arn)
                .security_group_arns(security_group_arn)
                .build()
                .expect("fields set");
            ds.create_location_efs()
                .efs_filesystem_arn(filesystem_arn)
                .subdirectory("/")
                .ec2_config(ec2)
                .set_tags(Some(tags(ctx, key)))
                .send()
                .await
                .map_err(|e| Error::aws("CreateLocationEfs", e))?
                .location_arn()
                .unwrap_or_default()
                .to_string()
        }
    };
    ctx.record
        .mark(key, "DataSyncLocation", &arn, Phase::Completed, None)
        .await?;
    Ok(arn)
}

fn verify_mode(v: Verify) -> VerifyMode {
    match v {
        Verify::OnlyFilesTransferred => VerifyMode::OnlyFilesTransferred,
        Verify::PointInTimeConsistent => VerifyMode::PointInTimeConsistent,
    }
}

/// The options of the copies blue -> green: only changed files, verified as `mode` says,
/// deletions mirrored, at most `mode`'s bandwidth.
pub fn copy_options(mode: CopyMode) -> Options {
    Options::builder()
        .verify_mode(verify_mode(mode.verify))
        .overwrite_mode(OverwriteMode::Always)
        .preserve_deleted_files(PreserveDeletedFiles::Remove)
        .transfer_mode(TransferMode::Changed)
        .mtime(Mtime::Preserve)
        .bytes_per_second(mode.bytes_per_second)
        .build()
}

/// What one execution overrides of its task's options (StartTaskExecution `OverrideOptions`):
/// the verification and the bandwidth of this run.
pub fn execution_options(mode: CopyMode) -> Options {
    Options::builder()
        .verify_mode(verify_mode(mode.verify))
        .bytes_per_second(mode.bytes_per_second)
        .build()
}

/// The options of a copy back green -> blue: only files that changed, nothing deleted, and no
/// file blue has overwritten (blue keeps its own copy of a file both sides changed).
pub fn sync_back_options() -> Options {
    Options::builder()
        .verify_mode(VerifyMode::OnlyFilesTransferred)
        .overwrite_mode(OverwriteMode::Never)
        .preserve_deleted_files(PreserveDeletedFiles::Preserve)
        .transfer_mode(TransferMode::Changed)
        .mtime(Mtime::Preserve)
        .build()
}

/// The task copying `source` to `destination` with `options`.
pub async fn ensure_task(
    ctx: &Ctx,
    stream: &Stream,
    key: &str,
    source: &str,
    destination: &str,
    options: Options,
) -> Result<String> {
    let ds = ctx.aws.datasync();
    if let Some(r) = ctx.record.get(key).await.filter(|r| !r.id.is_empty())
        && ds.describe_task().task_arn(&r.id).send().await.is_ok()
    {
        return Ok(r.id);
    }
    let arns = task_arns(&ds).await?;
    if let Some(arn) = find_tagged(ctx, arns, key).await? {
        ctx.record
            .mark(key, "DataSyncTask", &arn, Phase::Completed, None)
            .await?;
        return Ok(arn);
    }
    stream.set(&format!("creating DataSync task {key}"));
    let arn = ds
        .create_task()
        .source_location_arn(source)
        .destination_location_arn(destination)
        .name(ctx.name("kf-", &format!("-{}", key.replace('.', "-")), 256))
        .options(options)
        .set_tags(Some(tags(ctx, key)))
        .send()
        .await
        .map_err(|e| Error::aws("CreateTask", e))?
        .task_arn()
        .unwrap_or_default()
        .to_string();
    ctx.record
        .mark(key, "DataSyncTask", &arn, Phase::Completed, None)
        .await?;
    Ok(arn)
}

/// The execution of `task_arn` under way, if any.
pub async fn running_execution(ctx: &Ctx, task_arn: &str) -> Result<Option<String>> {
    let list = ctx
        .aws
        .datasync()
        .list_task_executions()
        .task_arn(task_arn)
        .send()
        .await
        .map_err(|e| Error::aws("ListTaskExecutions", e))?;
    Ok(list
        .task_executions()
        .iter()
        .filter(|e| e.status().is_some_and(running))
        .filter_map(|e| e.task_execution_arn().map(str::to_string))
        .next_back())
}

fn running(s: &TaskExecutionStatus) -> bool {
    matches!(
        s,
        TaskExecutionStatus::Queued
            | TaskExecutionStatus::Launching
            | TaskExecutionStatus::Preparing
            | TaskExecutionStatus::Transferring
            | TaskExecutionStatus::Verifying
    )
}

/// Runs the task once (`again`: once more, even when a run completed; with `overrides` of
/// the task's options) or attaches to the execution already running, and waits for it,
/// showing the execution's own counters.
pub async fn run_execution(
    ctx: &Ctx,
    stream: &Stream,
    key: &str,
    task_arn: &str,
    again: bool,
    overrides: Option<Options>,
) -> Result<()> {
    let ds = ctx.aws.datasync();
    let recorded = ctx.record.get(key).await;
    if let Some(r) = &recorded
        && r.phase == Phase::Completed
        && !again
    {
        stream.set(&format!("{key} already completed ({})", r.id));
        return Ok(());
    }
    // An execution already under way (started by a run that was killed) is waited for, not
    // started again; DataSync would refuse a second one anyway.
    let mut current = running_execution(ctx, task_arn).await?;
    // A recorded execution that finished after its run was killed counts, unless run again.
    if current.is_none()
        && !again
        && let Some(r) = recorded
            .as_ref()
            .filter(|r| r.phase == Phase::InProgress && !r.id.is_empty())
    {
        current = Some(r.id.clone());
    }
    let arn = match current {
        Some(a) => a,
        None => {
            let arn = ds
                .start_task_execution()
                .task_arn(task_arn)
                .set_override_options(overrides)
                .send()
                .await
                .map_err(|e| Error::aws("StartTaskExecution", e))?
                .task_execution_arn()
                .unwrap_or_default()
                .to_string();
            ctx.record
                .mark(key, "DataSyncExecution", &arn, Phase::InProgress, None)
                .await?;
            arn
        }
    };
    let outcome = wait::until(
        &format!("DataSync execution {}", short_arn(&arn)),
        ctx.timeout,
        stream,
        || async {
            let d = ds
                .describe_task_execution()
                .task_execution_arn(&arn)
                .send()
                .await
                .map_err(|e| Error::aws("DescribeTaskExecution", e))?;
            let status = d.status().cloned().unwrap_or(TaskExecutionStatus::Queued);
            let counters = format!(
                "{}/{} files, {}/{}",
                d.files_transferred(),
                d.estimated_files_to_transfer(),
                bytes(d.bytes_transferred()),
                bytes(d.estimated_bytes_to_transfer()),
            );
            Ok(match status {
                TaskExecutionStatus::Success => {
                    Poll::Ready(Ok((d.files_transferred(), d.bytes_transferred())))
                }
                TaskExecutionStatus::Error => {
                    let r = d.result();
                    let why = format!(
                        "{}: {}",
                        r.and_then(|r| r.error_code()).unwrap_or("ERROR"),
                        r.and_then(|r| r.error_detail())
                            .unwrap_or("the execution failed")
                    );
                    Poll::Ready(Err(why))
                }
                s => Poll::Pending(format!("{} {counters}", s.as_str())),
            })
        },
    )
    .await;
    match outcome {
        Ok(Ok((files, bytes_done))) => {
            ctx.record
                .mark(
                    key,
                    "DataSyncExecution",
                    &arn,
                    Phase::Completed,
                    Some(format!("{files} files, {}", bytes(bytes_done))),
                )
                .await?;
            ctx.record
                .detail(key, "filesTransferred", files.into())
                .await?;
            ctx.record
                .detail(key, "bytesTransferred", bytes_done.into())
                .await?;
            Ok(())
        }
        Ok(Err(why)) => {
            ctx.record
                .mark(
                    key,
                    "DataSyncExecution",
                    &arn,
                    Phase::Failed,
                    Some(why.clone()),
                )
                .await?;
            Err(Error::failed(format!(
                "DataSync execution {} failed: {why}",
                short_arn(&arn)
            )))
        }
        Err(e) => Err(e),
    }
}

fn short_arn(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

fn bytes(n: i64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_policy_names_the_buckets_and_exactly_the_keys_of_sse_kms_buckets() {
        let buckets = vec!["arn:aws:s3:::b".to_string(), "arn:aws:s3:::b/*".to_string()];
        let none = role_policy(&buckets, &KmsGrants::default());
        assert_eq!(none["Statement"].as_array().unwrap().len(), 1);
        assert!(!none.to_string().contains("kms:"));
        let p = role_policy(
            &buckets,
            &KmsGrants {
                decrypt: Some("arn:k/blue".into()),
                encrypt: Some("arn:k/green".into()),
            },
        );
        let st = p["Statement"].as_array().unwrap();
        let on = |key: &str| -> Vec<String> {
            st.iter()
                .filter(|s| s["Resource"] == serde_json::json!([key]))
                .flat_map(|s| s["Action"].as_array().unwrap().clone())
                .map(|a| a.as_str().unwrap().to_string())
                .collect()
        };
        for key in ["arn:k/blue", "arn:k/green"] {
            for action in ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"] {
                assert!(on(key).contains(&action.to_string()), "{key} {action}: {p}");
            }
        }
        assert!(!p.to_string().contains("\"*\""), "{p}");
    }

    #[test]
    fn live_copies_are_verified_by_what_they_transferred_at_the_asked_bandwidth() {
        let mode = CopyMode {
            verify: Verify::OnlyFilesTransferred,
            bytes_per_second: 8 * 1024 * 1024,
        };
        let task = copy_options(mode);
        assert_eq!(task.verify_mode(), Some(&VerifyMode::OnlyFilesTransferred));
        assert_eq!(task.bytes_per_second(), Some(8 * 1024 * 1024));
        assert_eq!(task.transfer_mode(), Some(&TransferMode::Changed));
        let frozen = execution_options(CopyMode {
            verify: Verify::PointInTimeConsistent,
            bytes_per_second: -1,
        });
        assert_eq!(
            frozen.verify_mode(),
            Some(&VerifyMode::PointInTimeConsistent)
        );
        assert_eq!(frozen.bytes_per_second(), Some(-1));
        assert_eq!(frozen.transfer_mode(), None, "only what the run decides");
    }
}
