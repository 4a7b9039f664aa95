//! Every read the clone's plan needs, in one place: the record's steps and what AWS holds of
//! each target (concurrently per layer). Nothing here writes.

use super::Ctx;
use super::discover::BlueStorage;
use super::discover::DbSettings;
use super::plan::{BucketKeys, CopySeen, GroupSeen, KmsKey, Observed, Owner, Seen, Targets};
use super::{efs, s3};
use crate::aws;
use crate::eks::GreenNetwork;
use crate::error::{Error, Result};
use crate::record::UPGRADE_TAG;

pub async fn observe(
    ctx: &Ctx,
    storage: &BlueStorage,
    t: &Targets,
    net: &GreenNetwork,
) -> Result<Observed> {
    let rec = ctx.record.snapshot().await;
    let mut o = Observed {
        phases: rec
            .resources
            .iter()
            .map(|(k, r)| (k.clone(), r.phase))
            .collect(),
        restored_from: rec.clones.db.as_ref().and_then(|d| d.restored_from.clone()),
        node_security_group: net.cluster.cluster_security_group_id.clone(),
        ..Default::default()
    };
    let db = async {
        match &t.db {
            Some(d) => tokio::try_join!(
                snapshot(ctx, &d.snapshot),
                subnet_group(ctx, &d.subnet_group),
                instance(ctx, &d.instance),
                db_security_group(
                    ctx,
                    net,
                    &d.security_group,
                    storage.db.as_ref().map(|b| b.port).unwrap_or(3306)
                )
            )
            .map(Some),
            None => Ok(None),
        }
    };
    let bucket = async {
        match (&storage.bucket, &t.bucket) {
            (Some(blue), Some(b)) => tokio::try_join!(
                bucket_owner(ctx, &b.bucket),
                copy(ctx, s3::SOURCE, s3::DESTINATION, s3::TASK, true),
                bucket_key(ctx, blue),
                bucket_key(ctx, &b.bucket),
            )
            .map(Some),
            _ => Ok(None),
        }
    };
    let fs = async {
        match (&storage.efs_id, &t.efs) {
            (Some(_), Some(e)) => tokio::try_join!(
                green_filesystem(ctx, &e.creation_token),
                copy(ctx, efs::SOURCE, efs::DESTINATION, efs::TASK, false)
            )
            .map(Some),
            _ => Ok(None),
        }
    };
    let (db, bucket, fs) = tokio::try_join!(db, bucket, fs)?;
    if let Some((snapshot, subnet_group, (instance, settings), group)) = db {
        o.snapshot = snapshot;
        o.subnet_group = subnet_group;
        o.instance = instance;
        o.instance_settings = settings;
        o.db_security_group = group;
    }
    if let Some((owner, copy, blue_key, green_key)) = bucket {
        o.bucket = owner;
        o.bucket_copy = copy;
        o.bucket_keys = BucketKeys {
            blue: blue_key,
            green: green_key.filter(|_| o.bucket != Owner::Absent),
        };
    }
    if let Some((green_fs, copy)) = fs {
        o.green_fs = green_fs;
        o.efs_copy = copy;
    }
    Ok(o)
}

impl Seen {
    /// What a describe found: its status (`status` of the answer), or absent.
    fn of<T>(answer: Option<T>, status: impl FnOnce(&T) -> Option<&str>, default: &str) -> Self {
        match answer {
            Some(a) => Seen::Present(status(&a).unwrap_or(default).to_string()),
            None => Seen::Absent,
        }
    }
}

async fn snapshot(ctx: &Ctx, name: &str) -> Result<Seen> {
    let found = super::rds::describe_snapshot(&ctx.aws.rds(), name).await?;
    Ok(Seen::of(found, |s| s.status(), "unknown"))
}

async fn subnet_group(ctx: &Ctx, name: &str) -> Result<Seen> {
    let answer = ctx
        .aws
        .rds()
        .describe_db_subnet_groups()
        .db_subnet_group_name(name)
        .send()
        .await;
    let found = aws::found("DescribeDBSubnetGroups", answer, |e| {
        e.is_db_subnet_group_not_found_fault()
    })?;
    Ok(Seen::of(
        found,
        |o| {
            o.db_subnet_groups()
                .first()
                .and_then(|g| g.subnet_group_status())
        },
        "Complete",
    ))
}

async fn instance(ctx: &Ctx, id: &str) -> Result<(Seen, Option<DbSettings>)> {
    let found = super::rds::describe_instance(&ctx.aws.rds(), id).await?;
    let settings = found.as_ref().map(DbSettings::of);
    Ok((
        Seen::of(found, |i| i.db_instance_status(), "unknown"),
        settings,
    ))
}

/// Green's DB's own security group (by name in green's VPC) and whether it has its rule.
async fn db_security_group(
    ctx: &Ctx,
    net: &GreenNetwork,
    name: &str,
    port: i32,
) -> Result<Option<GroupSeen>> {
    use aws_sdk_ec2::types::Filter;
    let out = ctx
        .aws
        .ec2()
        .describe_security_groups()
        .filters(
            Filter::builder()
                .name("vpc-id")
                .values(&net.cluster.vpc_id)
                .build(),
        )
        .filters(Filter::builder().name("group-name").values(name).build())
        .send()
        .await
        .map_err(|e| Error::aws("DescribeSecurityGroups", e))?;
    Ok(out.security_groups().first().map(|g| GroupSeen {
        id: g.group_id().unwrap_or_default().to_string(),
        has_rule: super::rds::has_db_rule(g, port, &net.cluster.cluster_security_group_id),
    }))
}

/// Whether green's bucket exists, and whose it is (its upgrade tag; untagged counts as ours: a
/// run killed right after creating it).
async fn bucket_owner(ctx: &Ctx, bucket: &str) -> Result<Owner> {
    let s3 = ctx.aws.s3();
    let answer = s3.head_bucket().bucket(bucket).send().await;
    if aws::found(&format!("HeadBucket {bucket}"), answer, |e| {
        e.is_not_found()
    })?
    .is_none()
    {
        return Ok(Owner::Absent);
    }
    let tags = s3.get_bucket_tagging().bucket(bucket).send().await;
    let owner = tags.as_ref().ok().and_then(|t| {
        t.tag_set()
            .iter()
            .find(|t| t.key() == UPGRADE_TAG)
            .map(|t| t.value().to_string())
    });
    Ok(match owner {
        Some(o) if o != ctx.tag => Owner::Other(o),
        _ => Owner::Ours,
    })
}

/// The default SSE-KMS key of `bucket` (None: no bucket, SSE-S3 or no default encryption),
/// resolved by KMS to its ARN: the configuration may name it by id, alias or ARN.
async fn bucket_key(ctx: &Ctx, bucket: &str) -> Result<Option<KmsKey>> {
    // No configuration (or no bucket) answers an error S3 has no type for, as the copy of
    // blue's settings in `s3::bucket` reads it too.
    let Ok(enc) = ctx
        .aws
        .s3()
        .get_bucket_encryption()
        .bucket(bucket)
        .send()
        .await
    else {
        return Ok(None);
    };
    let by_default = enc
        .server_side_encryption_configuration()
        .map(|c| c.rules())
        .unwrap_or_default()
        .iter()
        .filter_map(|r| r.apply_server_side_encryption_by_default())
        .find(|d| {
            matches!(
                d.sse_algorithm(),
                aws_sdk_s3::types::ServerSideEncryption::AwsKms
                    | aws_sdk_s3::types::ServerSideEncryption::AwsKmsDsse
            )
        });
    let Some(by_default) = by_default else {
        return Ok(None);
    };
    // SSE-KMS without a key id: the AWS managed key aws/s3.
    let Some(id) = by_default.kms_master_key_id().filter(|k| !k.is_empty()) else {
        return Ok(Some(KmsKey {
            arn: "alias/aws/s3".into(),
            aws_managed: true,
        }));
    };
    if id.starts_with("alias/aws/") || id.contains(":alias/aws/") {
        return Ok(Some(KmsKey {
            arn: id.to_string(),
            aws_managed: true,
        }));
    }
    let described = ctx
        .aws
        .kms()
        .describe_key()
        .key_id(id)
        .send()
        .await
        .map_err(|e| {
            Error::aws(
                &format!("DescribeKey {id} (the SSE-KMS key of bucket {bucket})"),
                e,
            )
        })?;
    let meta = described.key_metadata().ok_or_else(|| {
        Error::failed(format!(
            "KMS describes no key {id} (the SSE-KMS key of bucket {bucket})"
        ))
    })?;
    Ok(Some(KmsKey {
        arn: meta.arn().unwrap_or(id).to_string(),
        aws_managed: meta.key_manager() == Some(&aws_sdk_kms::types::KeyManagerType::Aws),
    }))
}

/// Green's file system: the one recorded (made by `kf storage efs` or an earlier clone), else
/// one found by the clone's creation token.
async fn green_filesystem(ctx: &Ctx, creation_token: &str) -> Result<Option<String>> {
    if let Some(r) = ctx
        .record
        .get(crate::efs::FILESYSTEM)
        .await
        .filter(|r| !r.id.is_empty())
    {
        return Ok(Some(r.id));
    }
    let out = ctx
        .aws
        .efs()
        .describe_file_systems()
        .creation_token(creation_token)
        .send()
        .await
        .map_err(|e| Error::aws("DescribeFileSystems", e))?;
    Ok(out
        .file_systems()
        .first()
        .map(|f| f.file_system_id().to_string()))
}

/// Which of a copy's recorded locations and task still exist, and whether its task runs.
async fn copy(
    ctx: &Ctx,
    source: &str,
    destination: &str,
    task: &str,
    s3_locations: bool,
) -> Result<CopySeen> {
    let ds = ctx.aws.datasync();
    let recorded = |k: &str| {
        let k = k.to_string();
        async move {
            ctx.record
                .get(&k)
                .await
                .filter(|r| !r.id.is_empty())
                .map(|r| r.id)
        }
    };
    let location = |arn: Option<String>| {
        let ds = ds.clone();
        async move {
            match arn {
                None => false,
                Some(a) if s3_locations => ds
                    .describe_location_s3()
                    .location_arn(&a)
                    .send()
                    .await
                    .is_ok(),
                Some(a) => ds
                    .describe_location_efs()
                    .location_arn(&a)
                    .send()
                    .await
                    .is_ok(),
            }
        }
    };
    let task_arn = recorded(task).await;
    let (src, dst) = tokio::join!(
        location(recorded(source).await),
        location(recorded(destination).await)
    );
    let (task_exists, running) = match &task_arn {
        None => (false, false),
        Some(arn) => match ds.describe_task().task_arn(arn).send().await {
            Err(_) => (false, false),
            Ok(_) => (
                true,
                super::datasync::running_execution(ctx, arn)
                    .await?
                    .is_some(),
            ),
        },
    };
    Ok(CopySeen {
        source: src,
        destination: dst,
        task: task_exists,
        running,
    })
}
