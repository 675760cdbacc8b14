//! Progress display for long runs: an indicatif bar on a terminal, plain periodic lines
//! otherwise (logs, CI), both on stderr.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sonority_library::{FileOutcome, Phase, ProgressEvent};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// Turns [`ProgressEvent`]s into something a person can follow.
pub struct AnalysisProgress {
    bar: Option<ProgressBar>,
    quiet: bool,
    started: Instant,
    last_line: Instant,
    total: usize,
    done: usize,
    audio_s: f64,
    failures: usize,
}

impl AnalysisProgress {
    /// A display on stderr; `quiet` prints nothing but failures.
    pub fn new(quiet: bool) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} {prefix:>10} [{bar:30}] {pos}/{len} files · {msg} · ETA {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.set_prefix("scanning");
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Self {
            bar,
            quiet,
            started: Instant::now(),
            last_line: Instant::now(),
            total: 0,
            done: 0,
            audio_s: 0.0,
            failures: 0,
        }
    }

    /// Handles one event.
    pub fn event(&mut self, event: ProgressEvent) {
        match event {
            ProgressEvent::Phase { phase } => {
                let name = match phase {
                    Phase::Scanning => "scanning",
                    Phase::Analysing => "analysing",
                    Phase::Writing => "writing",
                };
                if let Some(bar) = &self.bar {
                    bar.set_prefix(name);
                }
            }
            ProgressEvent::Scanned { found } => {
                if let Some(bar) = &self.bar {
                    bar.set_message(format!("{found} audio files found"));
                }
            }
            ProgressEvent::ScanError { error } => {
                self.println(format!("warning: {}", error.message));
            }
            ProgressEvent::Planned {
                found,
                to_analyse,
                unchanged,
                known_failures,
                removed,
            } => {
                self.total = to_analyse;
                if let Some(bar) = &self.bar {
                    bar.set_length(to_analyse as u64);
                }
                if !self.quiet {
                    self.println(format!(
                        "{found} audio files: {to_analyse} to analyse, {unchanged} unchanged, \
                         {known_failures} known failures, {removed} removed"
                    ));
                }
            }
            ProgressEvent::FileDone {
                done,
                audio_s_done,
                outcome,
                ..
            } => {
                self.done = done;
                self.audio_s = audio_s_done;
                match outcome {
                    FileOutcome::Analysed => {}
                    FileOutcome::Failed { reason } | FileOutcome::Unreadable { reason } => {
                        self.failures += 1;
                        self.println(format!("failed: {reason}"));
                    }
                }
                let rate = done as f64 / self.started.elapsed().as_secs_f64().max(1e-3);
                let msg = format!(
                    "{} audio · {rate:.1} files/s · {} failed",
                    audio_duration(self.audio_s),
                    self.failures
                );
                match &self.bar {
                    Some(bar) => {
                        bar.set_position(done as u64);
                        bar.set_message(msg);
                    }
                    None if !self.quiet && self.last_line.elapsed() >= Duration::from_secs(5) => {
                        self.last_line = Instant::now();
                        eprintln!("analysing: {done}/{} files · {msg}", self.total);
                    }
                    None => {}
                }
            }
            ProgressEvent::BatchCommitted { .. } => {}
        }
    }

    /// Prints a line above the bar (or plainly).
    fn println(&self, line: String) {
        // Messages name files, whose names may hold terminal escapes.
        let line = sonority_library::shown_text(&line);
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// An amount of audio for people: `42 s`, `12 min`, `3.4 h`.
pub fn audio_duration(seconds: f64) -> String {
    if seconds < 60.0 {
        format!("{seconds:.0} s")
    } else if seconds < 3600.0 {
        format!("{:.0} min", seconds / 60.0)
    } else {
        format!("{:.1} h", seconds / 3600.0)
    }
}

#[cfg(test)]
mod duration_tests {
    use super::audio_duration;

    #[test]
    fn units_follow_the_amount() {
        assert_eq!(audio_duration(0.0), "0 s");
        assert_eq!(audio_duration(42.4), "42 s");
        assert_eq!(audio_duration(754.0), "13 min");
        assert_eq!(audio_duration(3.4 * 3600.0), "3.4 h");
    }
}
