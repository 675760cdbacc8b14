//! Analysing music files: [`scan()`](scan::scan) finds the audio files of a folder,
//! [`analyze_library`](pipeline::analyze_library) analyses the new and changed ones in
//! parallel into the store (with a per-file timeout, Ctrl-C and progress events), and
//! [`analyze_files`](batch::analyze_files) analyses files without a library.

pub mod batch;
pub mod pipeline;
pub mod progress;
pub mod scan;
