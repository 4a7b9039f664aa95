//! `kubectl kf storage` (also `kubectl kf-storage`).

use std::process::ExitCode;

use clap::Parser;
use kf_cli::commands::StorageCli;

fn main() -> ExitCode {
    kf_cli::complete::handle_request(kf_cli::complete::Plugin::Storage);
    let cli = StorageCli::parse();
    kf_common::logging::init_for(&cli.global);
    kf_common::run::main(kf_common::storage::run(cli))
}
