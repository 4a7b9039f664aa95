//! `kubectl kf clone` (also `kubectl kf-clone`).

use std::process::ExitCode;

use clap::Parser;
use kf_cli::commands::CloneCli;

fn main() -> ExitCode {
    kf_cli::complete::handle_request(kf_cli::complete::Plugin::Clone);
    let cli = CloneCli::parse();
    kf_common::logging::init_for(&cli.global);
    kf_common::run::main(kf_common::clone::run(cli))
}
