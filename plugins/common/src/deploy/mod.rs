//! `kubectl kf deploy`.

use crate::commands::DeployCli;
use crate::error::{Error, Result};

pub async fn run(_cli: DeployCli) -> Result<()> {
    Err(Error::failed(
        "`kubectl kf deploy` is not implemented in this version yet",
    ))
}
