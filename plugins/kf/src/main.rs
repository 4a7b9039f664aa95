//! `kubectl kf`: status, token and version; dispatches `clone`, `deploy`, `storage` and `cutover`
//! to their plugin binaries.

use std::process::ExitCode;

use clap::Parser;
use kf_cli::commands::KfCli;

fn main() -> ExitCode {
    kf_cli::complete::handle_request(kf_cli::complete::Plugin::Kf);
    let cli = KfCli::parse();
    kf_common::run::main(kf_common::dispatch::run(cli))
}
