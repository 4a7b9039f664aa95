//! Release chores, run as `cargo run -p xtask -- <task>` (the Makefile's `completions`, `man`,
//! `krew` and `dist` targets). Everything here is generated from the plugins' clap definitions
//! (`kf_cli::complete::Plugin::command`), so the scripts, pages and manifests cannot drift from
//! the flags; the tests in each module fail when the committed copies are stale.

mod completions;
mod dist;
mod krew;
mod man;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "xtask",
    about = "Completions, man pages, Krew manifests and release archives"
)]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Write the bash, zsh, fish and PowerShell scripts and the kubectl_complete-* executables
    /// into completions/
    Completions {
        /// Change nothing; fail when completions/ differs from what the code generates
        #[arg(long)]
        check: bool,
    },
    /// Write the man pages (kubectl-kf.1, kubectl-kf_clone.1, ...)
    Man {
        #[arg(long, default_value = "dist/man")]
        out: PathBuf,
    },
    /// Build the release binaries and pack one .tar.gz per plugin and target into dist/
    Dist {
        /// Release version, `v` + the workspace version [default: v<workspace version>]
        #[arg(long)]
        version: Option<String>,
        /// Rust target triple to build for (repeatable) [default: the host, as musl when that
        /// target is installed]
        #[arg(long = "target", value_name = "TRIPLE")]
        targets: Vec<String>,
    },
    /// Write krew/<plugin>.yaml from krew/plugin.yaml.tmpl and the archives in dist/
    Krew {
        /// Release version [default: v<workspace version>]
        #[arg(long)]
        version: Option<String>,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let root = repo_root();
    match cli.task {
        Task::Completions { check } => {
            let dir = root.join(completions::DIR);
            if check {
                let problems = completions::differences(&dir)?;
                if !problems.is_empty() {
                    bail!(
                        "completions/ is stale (run `make completions`):\n  {}",
                        problems.join("\n  ")
                    );
                }
                eprintln!("completions/ is up to date");
            } else {
                let n = completions::write(&dir)?;
                eprintln!("wrote {n} files into {}", dir.display());
            }
        }
        Task::Man { out } => {
            let out = root.join(out);
            let pages = man::write(&out)?;
            eprintln!("wrote {} man pages into {}", pages.len(), out.display());
        }
        Task::Dist { version, targets } => {
            let version = release_version(version.as_deref())?;
            dist::dist(&root, &version, &targets)?;
        }
        Task::Krew { version } => {
            let version = release_version(version.as_deref())?;
            for path in krew::write(&root, &version)? {
                eprintln!("wrote {}", path.display());
            }
        }
    }
    Ok(())
}

/// The repository root (xtask lives in `<root>/xtask`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits inside the workspace")
        .to_path_buf()
}

/// `v` + the workspace version: what the binaries print with `--version`, so a release and its
/// manifests cannot name another version than the binaries they ship.
pub fn workspace_version() -> String {
    format!("v{}", env!("CARGO_PKG_VERSION"))
}

fn release_version(asked: Option<&str>) -> Result<String> {
    let ours = workspace_version();
    match asked {
        None | Some("") => Ok(ours),
        Some(v) if v == ours => Ok(ours),
        Some(v) => bail!(
            "VERSION={v} but the binaries are {ours} ([workspace.package] version in Cargo.toml): \
             bump the workspace version first, or leave VERSION unset"
        ),
    }
}

/// The time stamped on archive entries and man pages: `SOURCE_DATE_EPOCH` when set
/// (reproducible-builds.org), else the time of the last commit, else 0, so that the same commit
/// gives the same archives.
pub fn source_date_epoch() -> i64 {
    if let Some(e) = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse().ok())
    {
        return e;
    }
    std::process::Command::new("git")
        .args(["log", "-1", "--format=%ct"])
        .current_dir(repo_root())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(0)
}

/// Writes `contents` to `path`, creating its directory.
fn write_file(path: &Path, contents: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(path, contents).with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_version_must_be_the_workspace_version() {
        let ours = workspace_version();
        assert!(ours.starts_with('v'));
        assert_eq!(release_version(None).unwrap(), ours);
        assert_eq!(release_version(Some("")).unwrap(), ours);
        assert_eq!(release_version(Some(&ours)).unwrap(), ours);
        let err = release_version(Some("v99.0.0")).unwrap_err().to_string();
        assert!(err.contains("bump the workspace version"), "{err}");
    }

    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
