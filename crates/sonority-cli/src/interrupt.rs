//! Ctrl-C: the first stops the run cleanly after the current batch; a second one exits at
//! once (the store stays consistent: every batch is one transaction). `tag` never exits
//! mid-file: every press only asks it to stop after the file in progress.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

/// Installs the handler and returns the flag the library polls.
pub fn cancel_flag() -> Arc<AtomicBool> {
    install(
        "stopping after the current batch (Ctrl-C again to quit now)",
        true,
    )
}

/// The handler of `tag` and `tag --undo`: each press asks to stop after the current file,
/// which is finished (or left untouched), never cut in half.
pub fn cancel_flag_after_file() -> Arc<AtomicBool> {
    install(
        "stopping after the file in progress (it is finished or left untouched)",
        false,
    )
}

fn install(message: &'static str, second_quits: bool) -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let presses = Arc::new(AtomicUsize::new(0));
    let f = Arc::clone(&flag);
    let result = ctrlc::set_handler(move || {
        if presses.fetch_add(1, Ordering::SeqCst) == 0 || !second_quits {
            f.store(true, Ordering::SeqCst);
            eprintln!("\nsonority: {message}");
        } else {
            std::process::exit(130);
        }
    });
    if let Err(e) = result {
        eprintln!("sonority: warning: Ctrl-C handler not installed: {e}");
    }
    flag
}
