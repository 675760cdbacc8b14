//! Ctrl-C: the first stops the run cleanly (no new file; the files in progress get a few
//! seconds to finish, then are left for the next run); a second one exits at once (the store
//! stays consistent: every batch is one transaction, and this process's in-progress marks are
//! removed first so that the next run does not take its files for ones that crashed it).

use sonority_library::Store;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

/// Installs the handler and returns the flag the library polls; `db` is the library whose
/// in-progress marks a second Ctrl-C removes before exiting.
pub fn cancel_flag(db: PathBuf) -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let presses = Arc::new(AtomicUsize::new(0));
    let f = Arc::clone(&flag);
    let result = ctrlc::set_handler(move || {
        if presses.fetch_add(1, Ordering::SeqCst) == 0 {
            f.store(true, Ordering::SeqCst);
            eprintln!(
                "\nsonority: stopping after the files in progress (Ctrl-C again to quit now)"
            );
        } else {
            if let Err(e) = Store::release_in_progress_marks(&db) {
                eprintln!("sonority: warning: {e}");
            }
            std::process::exit(130);
        }
    });
    if let Err(e) = result {
        eprintln!("sonority: warning: Ctrl-C handler not installed: {e}");
    }
    flag
}
