//! `kubectl kf clone` (also `kubectl kf-clone`).

use std::process::ExitCode;

use clap::Parser;
use kf_common::commands::CloneCli;

fn main() -> ExitCode {
    kf_common::complete::handle_request(kf_common::complete::Plugin::Clone);
    let cli = CloneCli::parse();
    cli.global.init_logging();
    kf_common::run::main(kf_common::clone::run(cli))
}
