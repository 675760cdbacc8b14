//! Ctrl-C: the first stops the run cleanly after the current batch; a second one exits at
//! once (the store stays consistent: every batch is one transaction).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

/// Installs the handler and returns the flag the library polls.
pub fn cancel_flag() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let presses = Arc::new(AtomicUsize::new(0));
    let f = Arc::clone(&flag);
    let result = ctrlc::set_handler(move || {
        if presses.fetch_add(1, Ordering::SeqCst) == 0 {
            f.store(true, Ordering::SeqCst);
            eprintln!("\nsonority: stopping after the current batch (Ctrl-C again to quit now)");
        } else {
            std::process::exit(130);
        }
    });
    if let Err(e) = result {
        eprintln!("sonority: warning: Ctrl-C handler not installed: {e}");
    }
    flag
}
