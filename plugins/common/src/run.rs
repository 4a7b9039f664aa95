//! The edge of every binary: run the async command, print the error, map it to an exit code.

use std::future::Future;
use std::process::ExitCode;

use crate::error::Result;

/// Runs `fut` on a multi-threaded runtime; errors go to stderr as one `error:` line.
pub fn main<F>(fut: F) -> ExitCode
where
    F: Future<Output = Result<()>>,
{
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: starting the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match rt.block_on(fut) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            e.into()
        }
    }
}
