//! tracing to stderr: warnings by default, `-v` for more, `-q` for errors only; `RUST_LOG` wins.

use tracing_subscriber::EnvFilter;

pub fn init(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info,aws_config=warn,aws_smithy_runtime=warn",
        (false, 2) => "debug,aws_smithy_runtime=info,hyper_util=info,rustls=info",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .try_init();
}

/// Logging and progress as the shared flags ask for them (`-v`, `-q`).
pub fn init_for(g: &crate::cli::GlobalArgs) {
    init(g.verbose, g.quiet);
    crate::progress::init(match (g.quiet, g.verbose) {
        (true, _) => crate::progress::Printer::Quiet,
        (false, 0) => crate::progress::Printer::Default,
        (false, _) => crate::progress::Printer::Verbose,
    });
}
