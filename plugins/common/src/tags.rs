//! The tags every AWS resource the suite creates carries, built once and written in each
//! service's own type: `kubeflow.org/upgrade=<green>` (so a lost record can be rebuilt from tags),
//! the step that made it (`kubeflow.org/step`, so a run killed between creating and recording
//! finds it again) and, where the console shows it, a `Name`.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::record::UPGRADE_TAG;

/// The tag naming the step of the upgrade that made a resource.
pub const STEP_TAG: &str = "kubeflow.org/step";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tags(Vec<(String, String)>);

impl Tags {
    /// The upgrade's tag (`tag`: green as a tag value).
    pub fn upgrade(tag: &str) -> Self {
        Tags(vec![(UPGRADE_TAG.to_string(), tag.to_string())])
    }

    /// And the step that makes the resource.
    pub fn step(self, step: &str) -> Self {
        self.with(STEP_TAG, step)
    }

    /// And its `Name`.
    pub fn name(self, name: &str) -> Self {
        self.with("Name", name)
    }

    pub fn with(mut self, key: &str, value: &str) -> Self {
        self.0.retain(|(k, _)| k != key);
        self.0.push((key.to_string(), value.to_string()));
        self
    }

    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    /// EKS (and other maps of tags).
    pub fn map(&self) -> HashMap<String, String> {
        self.0.iter().cloned().collect()
    }

    pub fn rds(&self) -> Vec<aws_sdk_rds::types::Tag> {
        self.0
            .iter()
            .map(|(k, v)| aws_sdk_rds::types::Tag::builder().key(k).value(v).build())
            .collect()
    }

    pub fn ec2(
        &self,
        resource: aws_sdk_ec2::types::ResourceType,
    ) -> aws_sdk_ec2::types::TagSpecification {
        let mut spec = aws_sdk_ec2::types::TagSpecification::builder().resource_type(resource);
        for (k, v) in &self.0 {
            spec = spec.tags(aws_sdk_ec2::types::Tag::builder().key(k).value(v).build());
        }
        spec.build()
    }

    pub fn efs(&self) -> Vec<aws_sdk_efs::types::Tag> {
        self.0
            .iter()
            .map(|(k, v)| {
                aws_sdk_efs::types::Tag::builder()
                    .key(k)
                    .value(v)
                    .build()
                    .expect("key and value set")
            })
            .collect()
    }

    pub fn iam(&self) -> Vec<aws_sdk_iam::types::Tag> {
        self.0
            .iter()
            .map(|(k, v)| {
                aws_sdk_iam::types::Tag::builder()
                    .key(k)
                    .value(v)
                    .build()
                    .expect("key and value set")
            })
            .collect()
    }

    pub fn s3(&self) -> aws_sdk_s3::types::Tagging {
        let mut t = aws_sdk_s3::types::Tagging::builder();
        for (k, v) in &self.0 {
            t = t.tag_set(
                aws_sdk_s3::types::Tag::builder()
                    .key(k)
                    .value(v)
                    .build()
                    .expect("key and value set"),
            );
        }
        t.build().expect("tag set")
    }

    pub fn datasync(&self) -> Vec<aws_sdk_datasync::types::TagListEntry> {
        self.0
            .iter()
            .map(|(k, v)| {
                aws_sdk_datasync::types::TagListEntry::builder()
                    .key(k)
                    .value(v)
                    .build()
                    .expect("key set")
            })
            .collect()
    }

    pub fn secrets(&self) -> Vec<aws_sdk_secretsmanager::types::Tag> {
        self.0
            .iter()
            .map(|(k, v)| {
                aws_sdk_secretsmanager::types::Tag::builder()
                    .key(k)
                    .value(v)
                    .build()
            })
            .collect()
    }
}

/// The tags RDS holds for `arn` (an instance or a snapshot), as pairs.
pub async fn of_rds(rds: &aws_sdk_rds::Client, arn: &str) -> Result<Vec<(String, String)>> {
    Ok(rds
        .list_tags_for_resource()
        .resource_name(arn)
        .send()
        .await
        .map_err(|e| Error::aws("ListTagsForResource", e))?
        .tag_list()
        .iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect())
}

/// The tags DataSync holds for `arn` (a task or a location), as pairs.
pub async fn of_datasync(
    ds: &aws_sdk_datasync::Client,
    arn: &str,
) -> Result<Vec<(String, String)>> {
    Ok(ds
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| Error::aws("ListTagsForResource", e))?
        .tags()
        .iter()
        .map(|t| {
            (
                t.key().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect())
}

/// Whether `tags` hold `key=value`.
pub fn has(tags: &[(String, String)], key: &str, value: &str) -> bool {
    tags.iter().any(|(k, v)| k == key && v == value)
}

/// The step a resource's `tags` name ([`STEP_TAG`]).
pub fn step_of(tags: &[(String, String)]) -> Option<String> {
    tags.iter()
        .find(|(k, _)| k == STEP_TAG)
        .map(|(_, v)| v.clone())
}

/// The manual DB snapshots tagged `kubeflow.org/upgrade=<tag>` (of `instance` only, when
/// given), each with its tags; every page.
pub async fn db_snapshots_of_upgrade(
    rds: &aws_sdk_rds::Client,
    instance: Option<&str>,
    tag: &str,
) -> Result<Vec<(aws_sdk_rds::types::DbSnapshot, Vec<(String, String)>)>> {
    let all = crate::aws::all(
        "DescribeDBSnapshots",
        rds.describe_db_snapshots()
            .set_db_instance_identifier(instance.map(str::to_string))
            .snapshot_type("manual")
            .into_paginator()
            .items()
            .send(),
    )
    .await?;
    let mut out = Vec::new();
    for s in all {
        let Some(arn) = s.db_snapshot_arn() else {
            continue;
        };
        let tags = of_rds(rds, arn).await?;
        if has(&tags, UPGRADE_TAG, tag) {
            out.push((s, tags));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_set_of_tags_in_every_service_s_type() {
        let t = Tags::upgrade("green")
            .step("rds.snapshot")
            .name("x")
            .name("y");
        assert_eq!(
            t.pairs(),
            [
                (UPGRADE_TAG.to_string(), "green".to_string()),
                (STEP_TAG.to_string(), "rds.snapshot".to_string()),
                ("Name".to_string(), "y".to_string()),
            ]
        );
        assert_eq!(t.rds().len(), 3);
        assert_eq!(t.s3().tag_set().len(), 3);
        assert_eq!(t.map()["Name"], "y");
        assert_eq!(
            t.ec2(aws_sdk_ec2::types::ResourceType::SecurityGroup)
                .tags()
                .len(),
            3
        );
    }
}
