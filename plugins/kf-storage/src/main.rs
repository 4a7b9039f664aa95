//! `kubectl kf storage` (also `kubectl kf-storage`).

use std::process::ExitCode;

use clap::Parser;
use kf_common::commands::StorageCli;

fn main() -> ExitCode {
    kf_common::complete::handle_request(kf_common::complete::Plugin::Storage);
    let cli = StorageCli::parse();
    cli.global.init_logging();
    kf_common::run::main(kf_common::storage::run(cli))
}
