//! The error type every plugin returns, and how it maps to an exit code.
//!
//! Exit codes are part of the contract: 0 ok, 1 an operation failed, 2 usage or bad input.
//! Every error a user can cause says what to do next.

use std::process::ExitCode;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// Result alias used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The user asked for something that cannot be done as asked (exit 2). Nothing was changed.
    #[error("{0}")]
    Usage(String),

    /// An operation against Kubernetes or AWS failed (exit 1).
    #[error("{0}")]
    Failed(String),

    #[error("Kubernetes API: {0}")]
    Kube(#[from] kube::Error),

    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub fn usage(msg: impl Into<String>) -> Self {
        Self::Usage(msg.into())
    }

    pub fn failed(msg: impl Into<String>) -> Self {
        Self::Failed(msg.into())
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            context: context.into(),
            source,
        }
    }

    /// A failed AWS call, with the operation named and the service's error code and message.
    pub fn aws<E>(
        operation: &str,
        err: aws_smithy_runtime_api::client::result::SdkError<
            E,
            aws_smithy_runtime_api::client::orchestrator::HttpResponse,
        >,
    ) -> Self
    where
        E: std::error::Error + aws_smithy_types::error::metadata::ProvideErrorMetadata + 'static,
    {
        Self::Failed(format!("AWS {operation}: {}", describe_error(&err)))
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) => 2,
            Self::Failed(_) | Self::Kube(_) | Self::Io { .. } => 1,
        }
    }
}

impl From<Error> for ExitCode {
    fn from(e: Error) -> Self {
        ExitCode::from(e.exit_code())
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
