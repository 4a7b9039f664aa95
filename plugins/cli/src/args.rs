//! The flags every plugin takes, defined once (DESIGN: Commands).

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

/// The format of a command's result on stdout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    #[default]
    Table,
    Json,
    Yaml,
}

#[derive(Args, Clone, Debug, Default)]
pub struct GlobalArgs {
    /// Blue (production) kubeconfig context [default: the current context]
    #[arg(long, global = true, value_name = "CONTEXT")]
    pub from: Option<String>,

    /// Green (new) kubeconfig context [default: the green recorded for blue]
    #[arg(long, global = true, value_name = "CONTEXT")]
    pub to: Option<String>,

    /// Path to the kubeconfig file [default: $KUBECONFIG, then ~/.kube/config]
    #[arg(long, global = true, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,

    /// AWS region [default: from the environment or AWS config]
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,

    /// AWS named profile
    #[arg(long, global = true, value_name = "PROFILE")]
    pub profile: Option<String>,

    /// Output format of the result
    #[arg(short = 'o', long, global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,

    /// Print the plan and change nothing
    #[arg(long, global = true)]
    pub dry_run: bool,

    /// Approve steps that replace, delete or redirect
    #[arg(long, global = true)]
    pub yes: bool,

    /// Longest time to wait for any one operation (e.g. 90s, 20m, 1h)
    #[arg(long, global = true, value_name = "DURATION", default_value = "30m", value_parser = parse_duration)]
    pub timeout: Duration,

    /// More logging (-v info, -vv debug, -vvv trace)
    #[arg(short = 'v', long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Only errors on stderr
    #[arg(short = 'q', long, global = true)]
    pub quiet: bool,
}

pub fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("{e} (examples: 90s, 20m, 1h30m)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        global: GlobalArgs,
    }

    #[test]
    fn shared_flags_parse() {
        let cli = Cli::try_parse_from([
            "x",
            "--from",
            "blue",
            "--to",
            "green",
            "-o",
            "json",
            "--timeout",
            "90s",
            "--dry-run",
            "--yes",
            "-vv",
            "--region",
            "eu-west-1",
        ])
        .unwrap();
        let g = cli.global;
        assert_eq!(g.from.as_deref(), Some("blue"));
        assert_eq!(g.to.as_deref(), Some("green"));
        assert_eq!(g.output, OutputFormat::Json);
        assert_eq!(g.timeout, Duration::from_secs(90));
        assert!(g.dry_run && g.yes);
        assert_eq!(g.verbose, 2);
        assert_eq!(g.region.as_deref(), Some("eu-west-1"));
    }

    #[test]
    fn bad_timeout_is_a_usage_error() {
        let err = Cli::try_parse_from(["x", "--timeout", "soon"])
            .err()
            .unwrap();
        assert!(err.to_string().contains("examples: 90s"), "{err}");
    }
}
