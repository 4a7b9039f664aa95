//! `kubectl kf storage`.

pub mod efs;

use crate::commands::StorageCli;
use crate::error::{Error, Result};

pub async fn run(_cli: StorageCli) -> Result<()> {
    Err(Error::failed(
        "`kubectl kf storage` is not implemented in this version yet",
    ))
}
