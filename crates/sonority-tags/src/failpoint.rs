//! The test hook of this crate, read from the environment variable `SONORITY_FAILPOINT` (the
//! variable sonority-library's `failpoint` module reads for its own points): with
//! `SONORITY_FAILPOINT=lofty-panic:<text>`, every read of a file whose path contains `<text>`
//! panics inside the code that calls lofty, as a hostile file would. Nothing else reads it,
//! and with the variable unset it does nothing.

use std::path::Path;

/// The environment variable of sonority's test hooks.
pub const FAILPOINT_ENV: &str = "SONORITY_FAILPOINT";

/// Panics when `SONORITY_FAILPOINT=lofty-panic:<text>` and `path` contains `<text>`.
pub(crate) fn lofty_panic(path: &Path) {
    let Some(value) = std::env::var_os(FAILPOINT_ENV) else {
        return;
    };
    let value = value.to_string_lossy();
    if let Some(text) = value.strip_prefix("lofty-panic:") {
        if !text.is_empty() && path.to_string_lossy().contains(text) {
            panic!("injected lofty panic on {}", path.display());
        }
    }
}
