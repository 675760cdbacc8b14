//! Test hooks, read from the environment variable `SONORITY_FAILPOINT`, and only at the
//! places that name them. They exist so that tests can kill a real `sonority tag` process at
//! a chosen step (the crash a power cut or a `kill -9` would cause) and make lofty panic on a
//! chosen file; nothing else reads them, and with the variable unset they do nothing.
//!
//! * `SONORITY_FAILPOINT=<point>` aborts the process (`std::process::abort`, no unwinding, no
//!   destructors: like a crash) the first time the code reaches `<point>`;
//!   `<point>@<n>` the n-th time. The points of `tag` and `tag --undo`, for each file in turn:
//!   `tag:before-history` (the copy is written and verified, the history row not committed),
//!   `tag:before-rename` (the history row is committed, the original not yet replaced),
//!   `tag:after-rename` (the file is replaced, the history row not yet marked complete) and
//!   `tag:after-complete` (everything done for that file).
//! * `SONORITY_FAILPOINT=lofty-panic:<text>` makes every read of a file whose path contains
//!   `<text>` panic inside the code that calls lofty, as a hostile file would (that hook is
//!   sonority-tags' own, since the calls into lofty are there).

use std::sync::atomic::{AtomicUsize, Ordering};

/// The environment variable.
pub use sonority_tags::FAILPOINT_ENV;

/// How many times the named point was reached in this process.
static HITS: AtomicUsize = AtomicUsize::new(0);

/// Aborts the process when `SONORITY_FAILPOINT` names `point` (and this is the n-th hit).
pub(crate) fn check(point: &str) {
    let Some(value) = std::env::var_os(FAILPOINT_ENV) else {
        return;
    };
    let value = value.to_string_lossy();
    let (name, nth) = match value.split_once('@') {
        Some((name, n)) => (name, n.parse::<usize>().unwrap_or(1)),
        None => (value.as_ref(), 1),
    };
    if name == point && HITS.fetch_add(1, Ordering::SeqCst) + 1 == nth {
        eprintln!("sonority: failpoint {point} reached: aborting (test hook {FAILPOINT_ENV})");
        std::process::abort();
    }
}
