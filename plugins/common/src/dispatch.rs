//! `kubectl kf`: status, migrate, verify, cleanup, abort, retire-blue, token and version here; the other subcommands exec `kubectl-kf_<name>`.
//!
//! kubectl resolves `kubectl kf clone` to `kubectl-kf` (it would look for `kubectl-kf-clone`, not
//! `kubectl-kf_clone`), so this binary finds `kubectl-kf_clone` next to itself or on PATH.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::SystemTime;

use aws_credential_types::provider::ProvideCredentials;

use crate::cli::GlobalArgs;
use crate::commands::{KfCli, KfCommand, TokenArgs};
use crate::error::{Error, Result};
use crate::output::{self, Render};

pub async fn run(cli: KfCli) -> Result<()> {
    match cli.command {
        KfCommand::Status { global } => {
            crate::logging::init_for(&global);
            crate::status::run(&global).await
        }
        KfCommand::Cleanup(args) => {
            crate::logging::init_for(&args.global);
            crate::cleanup::run(args).await
        }
        KfCommand::Abort(args) => {
            crate::logging::init_for(&args.global);
            crate::abort::run(args).await
        }
        KfCommand::RetireBlue(args) => {
            crate::logging::init_for(&args.global);
            crate::retire::run(args).await
        }
        KfCommand::Migrate(args) => {
            crate::logging::init_for(&args.global);
            crate::migrate::run(args).await
        }
        KfCommand::Verify(args) => {
            crate::logging::init_for(&args.global);
            crate::verify::run(args).await
        }
        KfCommand::Token(args) => token(args).await,
        KfCommand::Version { global } => output::print(global.output, &Version::current()),
        KfCommand::Clone(p) => exec_plugin("clone", p.args),
        KfCommand::Deploy(p) => exec_plugin("deploy", p.args),
        KfCommand::Storage(p) => exec_plugin("storage", p.args),
        KfCommand::Cutover(p) => exec_plugin("cutover", p.args),
    }
}

#[derive(serde::Serialize)]
struct Version {
    version: &'static str,
}

impl Version {
    fn current() -> Self {
        Self {
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

impl Render for Version {
    fn table(&self) -> String {
        format!("kubectl-kf {}\n", self.version)
    }
}

async fn token(args: TokenArgs) -> Result<()> {
    let global = GlobalArgs {
        region: args.region,
        profile: args.profile,
        ..Default::default()
    };
    let aws = crate::aws::Aws::load(&global).await?;
    let provider = aws.config.credentials_provider().ok_or_else(|| {
        Error::usage(
            "no AWS credentials",
            "set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY",
        )
    })?;
    let creds = provider.provide_credentials().await.map_err(|e| {
        Error::usage(
            format!("no AWS credentials: {e}"),
            "set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY",
        )
    })?;
    let now = SystemTime::now();
    let token = crate::token::eks_token(&args.cluster, aws.region(), &creds, now)?;
    let cred = crate::token::exec_credential(token, now)?;
    let text = serde_json::to_string(&cred).map_err(|e| Error::failed(e.to_string()))?;
    output::write_stdout(&(text + "\n"))
}

/// Finds `kubectl-kf_<name>` next to this executable, then on PATH.
pub fn find_plugin(name: &str) -> Option<PathBuf> {
    let file = format!("kubectl-kf_{name}");
    let beside = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join(&file)));
    let on_path = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join(&file))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    beside.into_iter().chain(on_path).find(|p| p.is_file())
}

fn exec_plugin(name: &str, args: Vec<OsString>) -> Result<()> {
    use std::os::unix::process::CommandExt;
    let path = find_plugin(name).ok_or_else(|| {
        Error::failed(format!(
            "kubectl-kf_{name} is not next to kubectl-kf nor on PATH; install it (kubectl krew install kf-{name})"
        ))
    })?;
    let err = std::process::Command::new(&path).args(args).exec();
    Err(Error::failed(format!("running {}: {err}", path.display())))
}
