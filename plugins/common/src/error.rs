//! The error type every plugin returns, and how it maps to an exit code.
//!
//! Exit codes are part of the contract: 0 ok, 1 an operation failed, 2 usage or bad input.
//! Every error a user can cause says what to do next.

use std::process::ExitCode;

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
        Self::Failed(format!(
            "AWS {operation}: {}",
            crate::aws::describe_error(&err)
        ))
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
