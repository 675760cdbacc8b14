//! A dropped [`AudioStream`] stops its ffmpeg child: alone in this test binary, so no other
//! test's ffmpeg children are counted.

mod common;

use sonority_features::AudioStream;
use sonority_features::Decoder;
use std::path::Path;

#[test]
fn a_dropped_stream_stops_its_ffmpeg() {
    if !common::have_ffmpeg("a_dropped_stream_stops_its_ffmpeg") {
        return;
    }
    // Open, read one chunk and drop: the child must be gone (killed and reaped), which a
    // leaked process would show as a zombie or a live child of this process.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/ffmpeg/wmav2.wma");
    for _ in 0..20 {
        let mut stream = AudioStream::open_with(&path, Decoder::Ffmpeg).expect("open");
        assert!(stream.next_chunk().expect("chunk").is_some());
    }
    #[cfg(target_os = "linux")]
    {
        let me = std::process::id().to_string();
        let children = std::fs::read_dir("/proc")
            .expect("proc")
            .filter_map(|e| std::fs::read_to_string(e.ok()?.path().join("stat")).ok())
            .filter(|stat| {
                // pid (comm) state ppid ...
                let after = stat.rsplit(')').next().unwrap_or("");
                after.split_whitespace().nth(1) == Some(me.as_str()) && stat.contains("(ffmpeg)")
            })
            .count();
        assert_eq!(children, 0, "ffmpeg children left running");
    }
}
