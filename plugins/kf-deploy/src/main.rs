//! `kubectl kf deploy` (also `kubectl kf-deploy`).

use std::process::ExitCode;

use clap::Parser;
use kf_common::commands::DeployCli;

fn main() -> ExitCode {
    kf_common::complete::handle_request(kf_common::complete::Plugin::Deploy);
    let cli = DeployCli::parse();
    cli.global.init_logging();
    kf_common::run::main(kf_common::deploy::run(cli))
}
