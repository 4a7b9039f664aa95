//! The library behind the `kubectl kf` plugins: shared flags, kubeconfig contexts, AWS clients,
//! the upgrade record, output rendering and errors. The plugin binaries are thin wrappers.

pub mod abort;
pub mod aws;
pub mod cleanup;
pub mod clone;
pub mod context;
pub mod cutover;
pub mod deploy;
pub mod dispatch;
pub mod efs;
pub mod eks;
pub mod ensure;
pub mod error;
pub mod install_config;
pub mod irsa;
pub mod kube_wait;
pub mod kubeconfig;
pub mod logging;
pub mod migrate;
pub mod output;
pub mod progress;
pub mod record;
pub mod retire;
pub mod run;
pub mod secrets_store;
pub mod status;
pub mod storage;
pub mod tags;
pub mod teardown;
pub mod token;
pub mod upgrade;
pub mod verify;
pub mod wait;
pub use error::{Error, Result};

/// The command-line surface lives in its own crate ([`kf_cli`]); the library takes its settings.
pub use kf_cli::{args as cli, commands, complete};
