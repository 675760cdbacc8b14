//! What the test binaries of this crate share: the one rule for a missing external program.

/// Whether ffmpeg is installed. When it is not, under `CI=true` the test fails (naming ffmpeg
/// and how to install it: `scripts/setup.sh --test`); elsewhere it prints a notice naming
/// `test`, and the caller skips the test.
pub fn have_ffmpeg(test: &str) -> bool {
    if sonority_features::ffmpeg_available() {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{test}: ffmpeg is not on PATH and CI=true: a missing tool fails the test here \
         (install it with scripts/setup.sh --test)"
    );
    println!("{test}: skipped, ffmpeg is not on PATH (scripts/setup.sh --test installs it)");
    false
}
