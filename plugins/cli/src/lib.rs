//! The command-line surface of the `kubectl kf` plugins, as data: the clap definitions of every
//! plugin ([`commands`]), the flags they share ([`args`]), shell completion computed from those
//! definitions ([`complete`]) and the registry of plugins (binary and Krew names). It depends on
//! clap (and a YAML reader for context names), not on the AWS SDK or kube, so the release tools
//! and the help snapshots build without them.

pub mod args;
pub mod commands;
pub mod complete;

pub use args::{GlobalArgs, OutputFormat};

use std::path::{Path, PathBuf};

/// The kubeconfig files in effect: `explicit` (the `--kubeconfig` flag), else every file in
/// `$KUBECONFIG`, else `~/.kube/config`.
pub fn kubeconfig_paths(explicit: Option<&Path>) -> Vec<PathBuf> {
    if let Some(p) = explicit {
        return vec![p.to_path_buf()];
    }
    match std::env::var_os("KUBECONFIG") {
        Some(v) if !v.is_empty() => std::env::split_paths(&v)
            .filter(|p| !p.as_os_str().is_empty())
            .collect(),
        _ => {
            let home = std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_default();
            vec![home.join(".kube").join("config")]
        }
    }
}
