//! `kubectl kf`: status, token and version; dispatches `clone`, `deploy`, `storage` and `cutover`
//! to their plugin binaries.

use std::process::ExitCode;

use clap::Parser;
use kf_common::commands::KfCli;

fn main() -> ExitCode {
    kf_common::complete::handle_request(kf_common::complete::Plugin::Kf);
    let cli = KfCli::parse();
    kf_common::run::main(kf_common::dispatch::run(cli))
}
