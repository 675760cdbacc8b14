//! One spare buffer per thread for the power spectra an analysis keeps between its two halves.
//!
//! A 4-minute track keeps about 42 MB of power spectra. glibc serves an allocation that large
//! with a fresh `mmap` every time, so each track would fault every page in again (about 4% of
//! the analysis time). The buffer of the last track is kept as the thread's spare and handed to
//! the next track instead. At most [`MAX_SPARE_BYTES`] is kept per thread, and only between
//! analyses: peak memory is unchanged.

use std::cell::RefCell;
use std::ops::{Deref, DerefMut};

/// The largest buffer kept as a spare: the budget for kept spectra.
const MAX_SPARE_BYTES: usize = crate::analyze::DEFERRED_BUDGET;

thread_local! {
    static SPARE: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// A `Vec<f32>` that becomes its thread's spare when dropped.
#[derive(Debug, Default)]
pub(crate) struct SpareVec(Vec<f32>);

impl SpareVec {
    /// An empty buffer with room for `capacity` values: the thread's spare when it is large
    /// enough, else a new allocation.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        let spare = SPARE
            .try_with(|s| s.try_borrow_mut().map(|mut s| std::mem::take(&mut *s)))
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default();
        let mut v = if spare.capacity() >= capacity {
            spare
        } else {
            Vec::new()
        };
        v.clear();
        v.reserve_exact(capacity);
        Self(v)
    }
}

impl Drop for SpareVec {
    fn drop(&mut self) {
        let v = std::mem::take(&mut self.0);
        if v.capacity() == 0 || v.capacity() * std::mem::size_of::<f32>() > MAX_SPARE_BYTES {
            return;
        }
        // During thread teardown the spare may already be gone: then the buffer is just freed.
        let _ = SPARE.try_with(|s| {
            if let Ok(mut s) = s.try_borrow_mut() {
                if v.capacity() > s.capacity() {
                    *s = v;
                }
            }
        });
    }
}

impl Deref for SpareVec {
    type Target = Vec<f32>;
    fn deref(&self) -> &Vec<f32> {
        &self.0
    }
}

impl DerefMut for SpareVec {
    fn deref_mut(&mut self) -> &mut Vec<f32> {
        &mut self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_buffer_of_the_last_analysis_is_reused() {
        let first = SpareVec::with_capacity(1000);
        let ptr = first.as_ptr();
        drop(first);
        let mut second = SpareVec::with_capacity(500);
        assert_eq!(second.as_ptr(), ptr, "the spare is handed out again");
        assert!(second.is_empty());
        second.extend_from_slice(&[1.0, 2.0]);
        // Asking for more than the spare holds allocates anew.
        let big = SpareVec::with_capacity(5000);
        assert!(big.capacity() >= 5000);
        assert!(big.is_empty());
    }
}
