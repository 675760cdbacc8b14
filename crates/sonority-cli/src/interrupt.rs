//! Ctrl-C: the first stops the run cleanly (no new file; the files in progress get a few
//! seconds to finish, then are left for the next run); a second one exits at once (the store
//! stays consistent: every batch is one transaction, and this process's in-progress marks are
//! removed first so that the next run does not take its files for ones that crashed it).
//! `tag` never exits mid-file: every press only asks it to stop after the file in progress.

use sonority_library::Store;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

/// Installs the handler of an analysis run and returns the flag the library polls; `db` is
/// the library whose in-progress marks a second Ctrl-C removes before exiting.
pub fn cancel_flag(db: PathBuf) -> Arc<AtomicBool> {
    install(
        "stopping after the files in progress (Ctrl-C again to quit now)",
        Some(db),
    )
}

/// The handler of `tag` and `tag --undo`: each press asks to stop after the current file,
/// which is finished (or left untouched), never cut in half.
pub fn cancel_flag_after_file() -> Arc<AtomicBool> {
    install(
        "stopping after the file in progress (it is finished or left untouched)",
        None,
    )
}

/// `quit_releasing`: a second press exits, after removing the in-progress marks of that
/// library; `None`: every press only sets the flag.
fn install(message: &'static str, quit_releasing: Option<PathBuf>) -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let presses = Arc::new(AtomicUsize::new(0));
    let f = Arc::clone(&flag);
    let result = ctrlc::set_handler(move || {
        let first = presses.fetch_add(1, Ordering::SeqCst) == 0;
        match (&quit_releasing, first) {
            (Some(db), false) => {
                if let Err(e) = Store::release_in_progress_marks(db) {
                    eprintln!("sonority: warning: {e}");
                }
                std::process::exit(130);
            }
            _ => {
                f.store(true, Ordering::SeqCst);
                eprintln!("\nsonority: {message}");
            }
        }
    });
    if let Err(e) = result {
        eprintln!("sonority: warning: Ctrl-C handler not installed: {e}");
    }
    flag
}
