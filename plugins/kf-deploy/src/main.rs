//! `kubectl kf deploy` (also `kubectl kf-deploy`).

use std::process::ExitCode;

use clap::Parser;
use kf_cli::commands::DeployCli;

fn main() -> ExitCode {
    kf_cli::complete::handle_request(kf_cli::complete::Plugin::Deploy);
    let cli = DeployCli::parse();
    kf_common::logging::init_for(&cli.global);
    kf_common::run::main(kf_common::deploy::run(cli))
}
