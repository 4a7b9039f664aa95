//! `kubectl kf cutover` (also `kubectl kf-cutover`).

use std::process::ExitCode;

use clap::Parser;
use kf_cli::commands::CutoverCli;

fn main() -> ExitCode {
    kf_cli::complete::handle_request(kf_cli::complete::Plugin::Cutover);
    let cli = CutoverCli::parse();
    kf_common::logging::init_for(&cli.global);
    kf_common::run::main(kf_common::cutover::run(cli))
}
