//! `kubectl kf clone`.

use crate::commands::CloneCli;
use crate::error::{Error, Result};

pub async fn run(_cli: CloneCli) -> Result<()> {
    Err(Error::failed(
        "`kubectl kf clone` is not implemented in this version yet",
    ))
}
