//! AWS configuration and clients.
//!
//! Region and profile come from the flags, then the usual environment/config chain.
//! `AWS_ENDPOINT_URL` is honoured (the emulators use it); S3 then uses path-style addressing.

use aws_config::{BehaviorVersion, Region, SdkConfig, retry::RetryConfig};

use crate::cli::GlobalArgs;
use crate::error::{Error, Result};

/// The AWS configuration every plugin uses, and its service clients.
#[derive(Clone, Debug)]
pub struct Aws {
    pub config: SdkConfig,
    endpoint: Option<String>,
}

impl Aws {
    /// Loads the configuration. A missing region is a usage error (exit 2).
    pub async fn load(args: &GlobalArgs) -> Result<Self> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            // Throttling and 5xx are retried by the SDK with exponential backoff and jitter.
            .retry_config(RetryConfig::standard().with_max_attempts(8));
        if let Some(profile) = &args.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = &args.region {
            loader = loader.region(Region::new(region.clone()));
        }
        let endpoint = std::env::var("AWS_ENDPOINT_URL")
            .ok()
            .filter(|s| !s.is_empty());
        if let Some(url) = &endpoint {
            loader = loader.endpoint_url(url);
        }
        let config = loader.load().await;
        if config.region().is_none() {
            return Err(Error::usage(
                "no AWS region",
                "pass --region REGION, or set AWS_REGION (or region in the AWS profile)",
            ));
        }
        Ok(Self { config, endpoint })
    }

    pub fn region(&self) -> &str {
        self.config.region().map(Region::as_ref).unwrap_or_default()
    }

    pub fn eks(&self) -> aws_sdk_eks::Client {
        aws_sdk_eks::Client::new(&self.config)
    }
    pub fn ec2(&self) -> aws_sdk_ec2::Client {
        aws_sdk_ec2::Client::new(&self.config)
    }
    pub fn rds(&self) -> aws_sdk_rds::Client {
        aws_sdk_rds::Client::new(&self.config)
    }
    pub fn efs(&self) -> aws_sdk_efs::Client {
        aws_sdk_efs::Client::new(&self.config)
    }
    pub fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.config)
    }
    pub fn datasync(&self) -> aws_sdk_datasync::Client {
        aws_sdk_datasync::Client::new(&self.config)
    }
    pub fn kms(&self) -> aws_sdk_kms::Client {
        aws_sdk_kms::Client::new(&self.config)
    }
    pub fn secrets(&self) -> aws_sdk_secretsmanager::Client {
        aws_sdk_secretsmanager::Client::new(&self.config)
    }
    pub fn route53(&self) -> aws_sdk_route53::Client {
        aws_sdk_route53::Client::new(&self.config)
    }
    pub fn elbv2(&self) -> aws_sdk_elasticloadbalancingv2::Client {
        aws_sdk_elasticloadbalancingv2::Client::new(&self.config)
    }
    pub fn s3(&self) -> aws_sdk_s3::Client {
        let conf = aws_sdk_s3::config::Builder::from(&self.config)
            .force_path_style(self.endpoint.is_some())
            .build();
        aws_sdk_s3::Client::from_conf(conf)
    }
}

pub use crate::error::describe_error;

/// Every item of a paginated AWS list or describe operation (`op` names it in errors), e.g.
/// `all("ListClusters", eks.list_clusters().into_paginator().items().send()).await?`.
pub async fn all<T, E>(
    op: &str,
    items: aws_smithy_async::future::pagination_stream::PaginationStream<
        std::result::Result<
            T,
            aws_smithy_runtime_api::client::result::SdkError<
                E,
                aws_smithy_runtime_api::client::orchestrator::HttpResponse,
            >,
        >,
    >,
) -> Result<Vec<T>>
where
    E: std::error::Error + aws_smithy_types::error::metadata::ProvideErrorMetadata + 'static,
{
    items.try_collect().await.map_err(|e| Error::aws(op, e))
}

/// A call's answer, or `None` when the service says the resource is not there; `absent` tells
/// that error apart by its modelled type (`|e| e.is_resource_not_found_exception()`), and any
/// other error is `op`'s.
pub fn found<T, E>(
    op: &str,
    answer: std::result::Result<
        T,
        aws_smithy_runtime_api::client::result::SdkError<
            E,
            aws_smithy_runtime_api::client::orchestrator::HttpResponse,
        >,
    >,
    absent: impl FnOnce(&E) -> bool,
) -> Result<Option<T>>
where
    E: std::error::Error + aws_smithy_types::error::metadata::ProvideErrorMetadata + 'static,
{
    match answer {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.as_service_error().is_some_and(absent) => Ok(None),
        Err(e) => Err(Error::aws(op, e)),
    }
}

/// A delete call's answer: `true` when the resource was already gone (`absent`, as in
/// [`found`]), `false` when this call deleted it (or began to).
pub fn deleted<T, E>(
    op: &str,
    answer: std::result::Result<
        T,
        aws_smithy_runtime_api::client::result::SdkError<
            E,
            aws_smithy_runtime_api::client::orchestrator::HttpResponse,
        >,
    >,
    absent: impl FnOnce(&E) -> bool,
) -> Result<bool>
where
    E: std::error::Error + aws_smithy_types::error::metadata::ProvideErrorMetadata + 'static,
{
    Ok(found(op, answer, absent)?.is_none())
}

/// Every object of `bucket` (ListObjectsV2, every page: S3's paginator yields pages only).
pub async fn s3_objects(aws: &Aws, bucket: &str) -> Result<Vec<aws_sdk_s3::types::Object>> {
    let pages = all(
        &format!("ListObjectsV2 {bucket}"),
        aws.s3()
            .list_objects_v2()
            .bucket(bucket)
            .into_paginator()
            .send(),
    )
    .await?;
    Ok(pages
        .into_iter()
        .flat_map(|p| p.contents.unwrap_or_default())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_eks::operation::describe_cluster::DescribeClusterError;
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::client::result::SdkError;

    // The SDK's own answer type, as a call returns it.
    #[allow(clippy::result_large_err)]
    fn answer(
        err: DescribeClusterError,
    ) -> std::result::Result<(), SdkError<DescribeClusterError, HttpResponse>> {
        Err(SdkError::service_error(
            err,
            HttpResponse::new(
                404u16.try_into().unwrap(),
                aws_smithy_types::body::SdkBody::empty(),
            ),
        ))
    }

    fn not_found() -> DescribeClusterError {
        DescribeClusterError::ResourceNotFoundException(
            aws_sdk_eks::types::error::ResourceNotFoundException::builder()
                .message("No cluster found for name: green.")
                .build(),
        )
    }

    #[test]
    fn the_modelled_not_found_answer_is_absence_and_any_other_is_the_operations_error() {
        let absent = |e: &DescribeClusterError| e.is_resource_not_found_exception();
        assert_eq!(found("DescribeCluster", Ok(7), absent).unwrap(), Some(7));
        assert_eq!(
            found("DescribeCluster", answer(not_found()), absent).unwrap(),
            None
        );
        assert!(deleted("DeleteCluster", answer(not_found()), absent).unwrap());
        assert!(!deleted("DeleteCluster", Ok(()), absent).unwrap());

        let other = DescribeClusterError::generic(
            aws_smithy_types::error::ErrorMetadata::builder()
                .code("AccessDeniedException")
                .message("not allowed")
                .build(),
        );
        let err = found("DescribeCluster", answer(other), absent).unwrap_err();
        assert_eq!(err.aws_code(), Some("AccessDeniedException"));
        assert!(err.to_string().contains("DescribeCluster"), "{err}");
    }
}
