//! `kubectl kf deploy` (also `kubectl kf-deploy`).

use std::process::ExitCode;

use clap::Parser;
use kf_common::commands::DeployCli;

fn main() -> ExitCode {
    let cli = DeployCli::parse();
    cli.global.init_logging();
    kf_common::run::main(kf_common::deploy::run(cli))
}
