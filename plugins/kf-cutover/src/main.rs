//! `kubectl kf cutover` (also `kubectl kf-cutover`).

use std::process::ExitCode;

use clap::Parser;
use kf_common::commands::CutoverCli;

fn main() -> ExitCode {
    kf_common::complete::handle_request(kf_common::complete::Plugin::Cutover);
    let cli = CutoverCli::parse();
    cli.global.init_logging();
    kf_common::run::main(kf_common::cutover::run(cli))
}
