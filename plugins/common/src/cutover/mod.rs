//! `kubectl kf cutover`.

use crate::commands::CutoverCli;
use crate::error::{Error, Result};

pub async fn run(_cli: CutoverCli) -> Result<()> {
    Err(Error::failed(
        "`kubectl kf cutover` is not implemented in this version yet",
    ))
}
