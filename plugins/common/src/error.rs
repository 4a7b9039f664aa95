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

/// How a command ended, as its exit code (the contract: 0, 1, 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitStatus {
    /// It did what was asked.
    Success = 0,
    /// An operation against AWS or Kubernetes failed; what was done is recorded.
    Failure = 1,
    /// Bad input, or a request refused to keep data safe; nothing was changed.
    Usage = 2,
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> Self {
        ExitCode::from(s as u8)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The user asked for something that cannot be done as asked. Nothing was changed.
    #[error("{problem}; {fix}")]
    Usage { problem: String, fix: String },

    /// Going on would endanger production or its data (a target that is blue's, a resync that
    /// would destroy green's writes). Nothing was changed.
    #[error("{problem}; {fix}")]
    Refused { problem: String, fix: String },

    /// A failed AWS call: the operation, the service's error code (when it answered) and what
    /// it said or what went wrong on the way.
    #[error("AWS {op}: {}", match code { Some(c) => format!("{c}: {message}"), None => message.clone() })]
    Aws {
        op: String,
        code: Option<String>,
        message: String,
    },

    /// A failed Kubernetes call, as the API server said it: message (reason, HTTP code).
    #[error("Kubernetes API{}: {}", context.as_deref().map(|c| format!(" ({c})")).unwrap_or_default(), kube_message(source))]
    Kube {
        context: Option<String>,
        #[source]
        source: kube::Error,
    },

    /// A wait that did not end in time.
    #[error(
        "timed out after {} waiting for {what} (last status: {last}); raise --timeout, then run the \
         command again: it resumes where it stopped",
        humantime::format_duration(std::time::Duration::from_secs(after.as_secs()))
    )]
    Timeout {
        what: String,
        after: std::time::Duration,
        last: String,
    },

    /// An operation failed (a resource ended in a failed state, an answer was unusable).
    #[error("{0}")]
    Failed(String),

    /// Independent streams of one command (the clone's db, bucket and efs) failed, each with its
    /// own error; the others went on.
    #[error("{}", streams_message(.0))]
    Streams(Vec<(String, Error)>),

    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

fn streams_message(streams: &[(String, Error)]) -> String {
    let all: Vec<String> = streams.iter().map(|(l, e)| format!("{l}: {e}")).collect();
    if streams
        .iter()
        .all(|(_, e)| e.exit_status() == ExitStatus::Usage)
    {
        all.join("; ")
    } else {
        format!(
            "{}; fix the cause and run it again: it retries only what failed",
            all.join("; ")
        )
    }
}

/// What the API server said, without the debug dump of the whole response.
fn kube_message(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) => format!("{} ({}, HTTP {})", s.message, s.reason, s.code),
        kube::Error::HyperError(_) | kube::Error::Service(_) => {
            format!(
                "cannot reach the API server: {}; check that the cluster is up and that the \
                 context's server is its endpoint (kubectl config view)",
                chain(e)
            )
        }
        other => chain(other),
    }
}

impl From<kube::Error> for Error {
    fn from(source: kube::Error) -> Self {
        Error::Kube {
            context: None,
            source,
        }
    }
}

/// Names the kubeconfig context a Kubernetes call went to, in its error.
pub trait OnContext<T> {
    /// A failed Kubernetes call says which cluster refused it ("Kubernetes API (green): ...").
    /// An error that already names its context keeps it; other errors pass unchanged.
    fn on(self, context: &str) -> Result<T>;
}

impl<T, E: Into<Error>> OnContext<T> for std::result::Result<T, E> {
    fn on(self, context: &str) -> Result<T> {
        self.map_err(|e| e.into().on(context))
    }
}

impl Error {
    /// This error, naming `context` when it is a Kubernetes error that names none yet.
    pub fn on(self, context: &str) -> Self {
        match self {
            Error::Kube {
                context: None,
                source,
            } => Error::Kube {
                context: Some(context.to_string()),
                source,
            },
            Error::Streams(v) => Error::Streams(
                v.into_iter()
                    .map(|(layer, e)| (layer, e.on(context)))
                    .collect(),
            ),
            other => other,
        }
    }

    /// Bad input: what is wrong, and what to do about it.
    pub fn usage(problem: impl Into<String>, fix: impl Into<String>) -> Self {
        Self::Usage {
            problem: problem.into(),
            fix: fix.into(),
        }
    }

    /// A refusal that keeps production or its data safe: what it would do, and what to do.
    pub fn refused(problem: impl Into<String>, fix: impl Into<String>) -> Self {
        Self::Refused {
            problem: problem.into(),
            fix: fix.into(),
        }
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
    pub fn aws<E>(operation: &str, err: SdkError<E, HttpResponse>) -> Self
    where
        E: std::error::Error + ProvideErrorMetadata + 'static,
    {
        let code = match &err {
            SdkError::ServiceError(s) => s.err().code().map(str::to_string),
            _ => None,
        };
        let message = match (&err, &code) {
            (SdkError::ServiceError(s), Some(_)) => {
                s.err().message().unwrap_or_default().to_string()
            }
            _ => describe_error(&err),
        };
        Self::Aws {
            op: operation.to_string(),
            code,
            message,
        }
    }

    /// The AWS error code, when this is an AWS error the service answered with.
    pub fn aws_code(&self) -> Option<&str> {
        match self {
            Self::Aws { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    pub fn exit_status(&self) -> ExitStatus {
        match self {
            Self::Usage { .. } | Self::Refused { .. } => ExitStatus::Usage,
            // One stream refused for its input makes the whole command a usage error.
            Self::Streams(v) => v
                .iter()
                .map(|(_, e)| e.exit_status())
                .max()
                .unwrap_or(ExitStatus::Failure),
            Self::Failed(_)
            | Self::Aws { .. }
            | Self::Kube { .. }
            | Self::Timeout { .. }
            | Self::Io { .. } => ExitStatus::Failure,
        }
    }

    pub fn exit_code(&self) -> u8 {
        self.exit_status() as u8
    }
}

impl From<Error> for ExitCode {
    fn from(e: Error) -> Self {
        e.exit_status().into()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_statuses_follow_the_contract() {
        assert_eq!(Error::usage("bad", "fix it").exit_code(), 2);
        assert_eq!(Error::refused("blue", "pass --to").exit_code(), 2);
        assert_eq!(Error::failed("x").exit_code(), 1);
        let t = Error::Timeout {
            what: "snapshot s".into(),
            after: std::time::Duration::from_secs(90),
            last: "creating".into(),
        };
        assert_eq!(t.exit_code(), 1);
        assert!(
            t.to_string()
                .contains("1m 30s waiting for snapshot s (last status: creating)")
        );
        let mixed = Error::Streams(vec![
            ("db".into(), Error::failed("x")),
            ("bucket".into(), Error::usage("y", "z")),
        ]);
        assert_eq!(mixed.exit_code(), 2);
        let failed = Error::Streams(vec![("db".into(), Error::failed("x"))]);
        assert_eq!(failed.exit_code(), 1);
        assert!(
            failed.to_string().contains("retries only what failed"),
            "{failed}"
        );
    }

    #[test]
    fn usage_errors_say_what_to_do() {
        assert_eq!(
            Error::usage("no AWS region", "pass --region REGION").to_string(),
            "no AWS region; pass --region REGION"
        );
    }

    #[test]
    fn kubernetes_errors_read_as_the_server_said_them() {
        let status: kube::core::Status = serde_json::from_value(serde_json::json!({
            "status": "Failure",
            "message": "namespaces \"kubeflow\" not found",
            "reason": "NotFound",
            "code": 404
        }))
        .unwrap();
        let e: Error = kube::Error::Api(Box::new(status)).into();
        assert_eq!(
            e.to_string(),
            "Kubernetes API: namespaces \"kubeflow\" not found (NotFound, HTTP 404)"
        );
        let named = e.on("green").on("blue");
        assert_eq!(
            named.to_string(),
            "Kubernetes API (green): namespaces \"kubeflow\" not found (NotFound, HTTP 404)",
            "the innermost context is the one the call went to"
        );
        let other: Result<()> = Err(Error::failed("x"));
        assert_eq!(other.on("green").unwrap_err().to_string(), "x");
    }
}
