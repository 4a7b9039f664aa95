//! tracing to stderr: warnings by default, `-v` for more, `-q` for errors only; `RUST_LOG` wins.

use tracing_subscriber::EnvFilter;

pub fn init(verbose: u8, quiet: bool) {
    // kube's client logs an ERROR line for every 5xx answer, also for each of its own retries
    // (an aggregated API answering 503, a webhook not up yet): the suite reports those itself,
    // once, so they show only with -v.
    let level = match (quiet, verbose) {
        (true, _) => "error,kube_client::client::builder=off",
        (false, 0) => "warn,kube_client::client::builder=off",
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
