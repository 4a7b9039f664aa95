//! AWS configuration and clients.
//!
//! Region and profile come from the flags, then the usual environment/config chain.
//! `AWS_ENDPOINT_URL` is honoured (the emulators use it); S3 then uses path-style addressing.

use aws_config::{BehaviorVersion, Region, SdkConfig, retry::RetryConfig};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

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
                "no AWS region: pass --region REGION, or set AWS_REGION (or region in the AWS profile)",
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

/// A short description of a failed AWS call: `Code: message` when the service answered with an
/// error, otherwise what went wrong (unreachable endpoint, timeout, unreadable answer) without
/// the raw response.
pub fn describe_error<E>(err: &SdkError<E, HttpResponse>) -> String
where
    E: std::error::Error + ProvideErrorMetadata + 'static,
{
    match err {
        SdkError::ServiceError(s) => match (s.err().code(), s.err().message()) {
            (Some(code), Some(msg)) => format!("{code}: {msg}"),
            (Some(code), None) => code.to_string(),
            _ => format!("HTTP {}: {}", s.raw().status().as_u16(), chain(s.err())),
        },
        SdkError::DispatchFailure(_) => format!("could not reach the AWS endpoint: {}", chain(err)),
        SdkError::TimeoutError(_) => "the request timed out".to_string(),
        SdkError::ResponseError(_) => format!("unreadable response: {}", chain(err)),
        _ => chain(err),
    }
}

/// An error and its sources, joined, repeated parts dropped, at most 400 characters.
fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = e.source();
    }
    let mut s = parts.join(": ");
    if s.len() > 400 {
        let cut = (0..=400)
            .rev()
            .find(|i| s.is_char_boundary(*i))
            .unwrap_or(0);
        s.truncate(cut);
        s.push('…');
    }
    s
}

/// The service error code of an SDK error, if the service answered with one.
pub fn error_code<E: ProvideErrorMetadata>(err: &E) -> Option<&str> {
    err.code()
}
