//! The analysis of one mono signal: every frame feature of docs/features.md and the track summary.
//!
//! [`StreamAnalyzer`] takes the signal in chunks and never holds it whole: a [`Framer`] cuts
//! centred frames, a [`FrameAnalyzer`] computes each frame's spectrum and values, and running
//! accumulators summarise them. Four features need the whole track before any frame can be
//! finished (MFCC and onset strength: dB clipped below the track maximum; contrast: likewise
//! for its peaks and valleys; chroma: the track's tuning). For them the first pass keeps the
//! per-frame linear values (mel column, contrast peaks and valleys, power spectrum) while they
//! fit in [`DEFERRED_BUDGET`], and finishes them at the end; for a longer track it keeps the
//! signal instead and recomputes the spectra, and beyond that it asks for a second pass over
//! the signal ([`Finished::Replay`]: decoding again is cheaper than holding the file).
//!
//! Every path feeds the accumulators the same values in the same order, so a summary is the
//! same to the last bit whether frames are kept or not, and whatever was kept.

use crate::accumulate::RowAccumulator;
use crate::chroma::{TuningEstimator, N_CHROMA};
use crate::config::FeatureConfig;
use crate::error::{FeatureError, Result};
use crate::finish::{FinishedFrames, Finisher, TrackWide};
use crate::frame_features::FrameFeatures;
use crate::framing::{Frame, Framer};
use crate::matrix::Matrix;
use crate::per_frame::{FrameAnalyzer, FrameValues, CONTRAST_ROWS};
use crate::rhythm::tempo;
use crate::spare::SpareVec;
use crate::summary::{RowStats, TrackSummary};

/// How much the first pass may keep for finishing the track-wide features when it keeps the
/// spectra (4.7 kB a frame at the defaults), in bytes: up to about 4.8 minutes at 22050 Hz
/// (a 4-minute track keeps 49 MB).
pub const DEFERRED_BUDGET: usize = 56 << 20;

/// How much the first pass may keep when it keeps the signal instead of the spectra (2.7 kB a
/// frame: the spectra are recomputed, which costs far less than decoding again), in bytes: up
/// to about 28 minutes at 22050 Hz. Longer tracks are decoded twice and keep nothing.
pub const SIGNAL_BUDGET: usize = 192 << 20;

/// How much of the analysis a caller wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Detail {
    /// The per-track summary only: frames are summarised as they come and not kept.
    Summary,
    /// The summary and every frame feature (memory grows with the track: 744 bytes a frame).
    #[default]
    Frames,
}

/// The frame features and summary of one signal.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SignalAnalysis {
    /// Sample rate of the analysed signal in Hz.
    pub sample_rate: u32,
    /// Number of samples analysed.
    pub n_samples: usize,
    /// Number of frames (`1 + n_samples / hop_length`).
    pub n_frames: usize,
    /// Every frame feature with [`Detail::Frames`]; with [`Detail::Summary`] every matrix is
    /// empty (its rows, 0 columns): see [`FrameFeatures::is_empty`].
    pub frames: FrameFeatures,
    /// The per-track summary.
    pub summary: TrackSummary,
}

/// Analyses a mono signal sampled at `sample_rate` Hz (no resampling happens here), keeping
/// every frame feature.
pub fn analyze_signal(
    samples: &[f32],
    sample_rate: u32,
    config: &FeatureConfig,
) -> Result<SignalAnalysis> {
    analyze_signal_with(samples, sample_rate, config, Detail::Frames)
}

/// [`analyze_signal`] with the choice of [`Detail`].
pub fn analyze_signal_with(
    samples: &[f32],
    sample_rate: u32,
    config: &FeatureConfig,
    detail: Detail,
) -> Result<SignalAnalysis> {
    if samples.is_empty() {
        return Err(FeatureError::Signal("the signal has no samples".into()));
    }
    if let Some(i) = samples.iter().position(|v| !v.is_finite()) {
        return Err(FeatureError::Signal(format!(
            "sample {i} is not finite (NaN or infinity)"
        )));
    }
    // The caller holds the signal: a second pass reads it again instead of a copy.
    let mut analyzer =
        StreamAnalyzer::with_signal_held(sample_rate, config, detail, samples.len())?;
    for chunk in samples.chunks(CHUNK) {
        analyzer.push(chunk)?;
    }
    match analyzer.finish()? {
        Finished::Done(a) => Ok(a),
        Finished::Replay(mut replay) => {
            for chunk in samples.chunks(CHUNK) {
                replay.push(chunk)?;
            }
            replay.finish()
        }
    }
}

/// Chunk size when a whole signal is fed to a [`StreamAnalyzer`].
const CHUNK: usize = 1 << 16;

/// What [`StreamAnalyzer::finish`] gives.
// Made once per track and unpacked at once: the size of the variants does not matter.
#[allow(clippy::large_enum_variant)]
pub enum Finished {
    /// The analysis is complete.
    Done(SignalAnalysis),
    /// The track was too long to keep what finishing needs: push the same signal again into
    /// the [`Replay`], then [`Replay::finish`].
    Replay(Box<Replay>),
}

impl std::fmt::Debug for Finished {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Finished::Done(_) => f.write_str("Finished::Done(..)"),
            Finished::Replay(_) => f.write_str("Finished::Replay(..)"),
        }
    }
}

/// What the first pass keeps for finishing.
#[derive(Debug, Default)]
struct Deferred {
    /// Keep mel columns and contrast peaks/valleys.
    keep_mel_contrast: bool,
    /// Keep the power spectra.
    keep_power: bool,
    /// Keep the signal.
    keep_signal: bool,
    mel: Vec<f32>,
    peak_valley: Vec<f64>,
    power: SpareVec,
    signal: Vec<f32>,
}

impl Deferred {
    fn bytes(&self) -> usize {
        4 * (self.mel.len() + self.power.len() + self.signal.len()) + 8 * self.peak_valley.len()
    }

    /// Forgets everything: the track will be read again.
    fn drop_all(&mut self) {
        *self = Deferred::default();
    }
}

/// The features summarised as soon as a frame is computed.
#[derive(Debug, Clone)]
struct Immediate {
    rms: RowAccumulator,
    zcr: RowAccumulator,
    centroid: RowAccumulator,
    bandwidth: RowAccumulator,
    rolloff: RowAccumulator,
    flatness: RowAccumulator,
    chroma0: RowAccumulator,
    mel: RowAccumulator,
}

impl Immediate {
    fn new(n_mels: usize) -> Self {
        let one = || RowAccumulator::new(1);
        Self {
            rms: one(),
            zcr: one(),
            centroid: one(),
            bandwidth: one(),
            rolloff: one(),
            flatness: one(),
            chroma0: RowAccumulator::new(N_CHROMA),
            mel: RowAccumulator::new(n_mels),
        }
    }

    fn push(&mut self, v: &FrameValues) {
        self.rms.push_one(v.rms);
        self.zcr.push_one(v.zcr);
        self.centroid.push_one(v.centroid);
        self.bandwidth.push_one(v.bandwidth);
        self.rolloff.push_one(v.rolloff);
        self.flatness.push_one(v.flatness);
        self.chroma0.push(&v.chroma0);
        self.mel.push(&v.mel);
    }
}

/// Column-major frames of the features that are final as soon as computed.
#[derive(Debug, Clone, Default)]
struct ImmediateFrames {
    scalars: [Vec<f32>; 6],
    chroma0: Vec<f32>,
    mel: Vec<f32>,
}

impl ImmediateFrames {
    fn with_capacity(frames: usize, n_mels: usize) -> Self {
        Self {
            scalars: std::array::from_fn(|_| Vec::with_capacity(frames)),
            chroma0: Vec::with_capacity(frames * N_CHROMA),
            mel: Vec::with_capacity(frames * n_mels),
        }
    }

    fn push(&mut self, v: &FrameValues) {
        let s = [v.rms, v.zcr, v.centroid, v.bandwidth, v.rolloff, v.flatness];
        for (col, x) in self.scalars.iter_mut().zip(s) {
            col.push(x);
        }
        self.chroma0.extend_from_slice(&v.chroma0);
        self.mel.extend_from_slice(&v.mel);
    }
}

/// The analysis settings every pass shares.
#[derive(Debug, Clone, Copy)]
struct Setup {
    sample_rate: u32,
    n_fft: usize,
    hop: usize,
    n_mels: usize,
    n_mfcc: usize,
    detail: Detail,
}

/// Analyses a signal pushed in chunks; see the module documentation.
pub struct StreamAnalyzer {
    setup: Setup,
    framer: Framer,
    pass: PassOne,
}

impl std::fmt::Debug for StreamAnalyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamAnalyzer")
            .field("sample_rate", &self.setup.sample_rate)
            .field("samples_received", &self.framer.samples_received())
            .field("retained_bytes", &self.retained_bytes())
            .finish_non_exhaustive()
    }
}

/// The state of the first pass.
struct PassOne {
    analyzer: FrameAnalyzer,
    tuning: TuningEstimator,
    wide: TrackWide,
    immediate: Immediate,
    frames: Option<ImmediateFrames>,
    deferred: Deferred,
    /// The most `deferred` may hold.
    budget: usize,
}

impl PassOne {
    fn frame(&mut self, frame: &Frame<'_>) {
        self.analyzer.analyze(frame, Some(&mut self.tuning));
        let v = self.analyzer.values();
        self.immediate.push(v);
        if let Some(f) = &mut self.frames {
            f.push(v);
        }
        self.wide.see(&v.mel, &v.peak, &v.valley);
        let d = &mut self.deferred;
        if d.keep_mel_contrast {
            d.mel.extend_from_slice(&v.mel);
            d.peak_valley.extend_from_slice(&v.peak);
            d.peak_valley.extend_from_slice(&v.valley);
        }
        if d.keep_power {
            d.power.extend_from_slice(self.analyzer.power());
        }
    }

    /// Drops what was kept once it outgrows the budget.
    fn enforce_budget(&mut self) {
        if self.deferred.bytes() > self.budget {
            self.deferred.drop_all();
        }
    }
}

impl StreamAnalyzer {
    /// A new analysis of a signal at `sample_rate` Hz. `expected_samples`, when known,
    /// chooses up front what to keep for finishing (a wrong guess only costs time).
    pub fn new(
        sample_rate: u32,
        config: &FeatureConfig,
        detail: Detail,
        expected_samples: Option<usize>,
    ) -> Result<Self> {
        Self::create(
            sample_rate,
            config,
            detail,
            expected_samples,
            false,
            (DEFERRED_BUDGET, SIGNAL_BUDGET),
        )
    }

    /// As [`StreamAnalyzer::new`] for a caller that holds the whole signal of `n_samples`
    /// and will push it again if asked ([`Finished::Replay`]): the signal is never copied.
    fn with_signal_held(
        sample_rate: u32,
        config: &FeatureConfig,
        detail: Detail,
        n_samples: usize,
    ) -> Result<Self> {
        Self::create(
            sample_rate,
            config,
            detail,
            Some(n_samples),
            true,
            (DEFERRED_BUDGET, SIGNAL_BUDGET),
        )
    }

    fn create(
        sample_rate: u32,
        config: &FeatureConfig,
        detail: Detail,
        expected_samples: Option<usize>,
        signal_held: bool,
        (spectra_budget, signal_budget): (usize, usize),
    ) -> Result<Self> {
        config.check()?;
        if sample_rate == 0 {
            return Err(FeatureError::Signal("sample rate 0".into()));
        }
        let setup = Setup {
            sample_rate,
            n_fft: config.n_fft,
            hop: config.hop_length,
            n_mels: config.n_mels,
            n_mfcc: config.n_mfcc,
            detail,
        };
        let n_bins = setup.n_fft / 2 + 1;
        let mel_contrast = 4 * setup.n_mels + 8 * 2 * CONTRAST_ROWS;
        let frames = expected_samples.map_or(0, |n| 1 + n / setup.hop);
        let fits = |per_frame: usize, budget: usize| frames.saturating_mul(per_frame) <= budget;
        let mut deferred = Deferred::default();
        let mut budget = spectra_budget;
        if fits(mel_contrast + 4 * n_bins, spectra_budget) {
            deferred.keep_mel_contrast = true;
            deferred.keep_power = true;
        } else if signal_held && fits(mel_contrast, signal_budget) {
            deferred.keep_mel_contrast = true;
            budget = signal_budget;
        } else if !signal_held && fits(mel_contrast + 4 * setup.hop, signal_budget) {
            deferred.keep_mel_contrast = true;
            deferred.keep_signal = true;
            budget = signal_budget;
        }
        // Growing these by doubling would copy them and briefly hold them twice.
        if deferred.keep_mel_contrast {
            deferred.mel.reserve_exact(frames * setup.n_mels);
            deferred
                .peak_valley
                .reserve_exact(frames * 2 * CONTRAST_ROWS);
        }
        if deferred.keep_power {
            deferred.power = SpareVec::with_capacity(frames * n_bins);
        }
        if deferred.keep_signal {
            deferred.signal.reserve_exact(expected_samples.unwrap_or(0));
        }
        Ok(Self {
            setup,
            framer: Framer::new(setup.n_fft, setup.hop),
            pass: PassOne {
                analyzer: FrameAnalyzer::new(sample_rate, setup.n_fft, setup.n_mels),
                tuning: TuningEstimator::new(f64::from(sample_rate), setup.n_fft),
                wide: TrackWide::new(),
                immediate: Immediate::new(setup.n_mels),
                frames: (detail == Detail::Frames)
                    .then(|| ImmediateFrames::with_capacity(frames, setup.n_mels)),
                deferred,
                budget,
            },
        })
    }

    /// Bytes held for finishing the track-wide features and for framing: what grows with the
    /// signal (at most [`SIGNAL_BUDGET`] plus a frame), besides the frames kept with
    /// [`Detail::Frames`] and the tuning peaks (a few per frame).
    pub fn retained_bytes(&self) -> usize {
        self.pass.deferred.bytes() + 4 * self.framer.buffered()
    }

    /// Adds the next samples of the signal.
    ///
    /// Errors: [`FeatureError::Signal`] for a sample that is NaN or infinite.
    pub fn push(&mut self, samples: &[f32]) -> Result<()> {
        if !samples.iter().fold(true, |ok, v| ok & v.is_finite()) {
            let i = samples.iter().position(|v| !v.is_finite()).unwrap_or(0);
            return Err(FeatureError::Signal(format!(
                "sample {} is not finite (NaN or infinity)",
                self.framer.samples_received() + i
            )));
        }
        if self.pass.deferred.keep_signal {
            self.pass.deferred.signal.extend_from_slice(samples);
        }
        let pass = &mut self.pass;
        self.framer.push(samples, |f| pass.frame(&f));
        self.pass.enforce_budget();
        Ok(())
    }

    /// Samples pushed so far.
    pub fn samples_received(&self) -> usize {
        self.framer.samples_received()
    }

    /// Ends the signal and finishes the analysis, or asks for a second pass.
    ///
    /// Errors: [`FeatureError::Signal`] when no sample was pushed.
    pub fn finish(mut self) -> Result<Finished> {
        let n_samples = self.framer.samples_received();
        if n_samples == 0 {
            return Err(FeatureError::Signal("the signal has no samples".into()));
        }
        let pass = &mut self.pass;
        let n_frames = self.framer.finish(|f| pass.frame(&f));
        self.pass.enforce_budget();
        let PassOne {
            mut analyzer,
            tuning,
            mut wide,
            immediate,
            frames,
            deferred,
            ..
        } = self.pass;
        wide.n_frames = n_frames;
        wide.tuning = tuning.estimate();
        let setup = self.setup;
        let mut finisher = Finisher::new(
            &wide,
            setup.sample_rate,
            setup.n_fft,
            setup.hop,
            setup.n_mels,
            setup.n_mfcc,
            setup.detail == Detail::Frames,
        );
        let first = FirstPass {
            setup,
            n_samples,
            wide,
            immediate,
            frames,
        };
        let stored_power = !finisher.needs_power() || deferred.keep_power;
        if deferred.keep_mel_contrast && stored_power {
            finish_from_stored(&mut finisher, &deferred, &setup, n_frames);
            return Ok(Finished::Done(first.complete(finisher)));
        }
        if deferred.keep_mel_contrast && deferred.keep_signal {
            // Recompute the spectra from the kept signal.
            let mut framer = Framer::new(setup.n_fft, setup.hop);
            let mut run = |f: Frame<'_>| {
                analyzer.spectrum(&f);
                finish_one_from_stored(
                    &mut finisher,
                    &deferred,
                    setup.n_mels,
                    Some(analyzer.power()),
                );
            };
            for chunk in deferred.signal.chunks(CHUNK) {
                framer.push(chunk, &mut run);
            }
            framer.finish(&mut run);
            return Ok(Finished::Done(first.complete(finisher)));
        }
        let deferred = if deferred.keep_mel_contrast {
            Deferred {
                signal: Vec::new(),
                power: SpareVec::default(),
                ..deferred
            }
        } else {
            Deferred::default()
        };
        Ok(Finished::Replay(Box::new(Replay {
            framer: Framer::new(setup.n_fft, setup.hop),
            analyzer,
            finisher,
            deferred,
            first,
        })))
    }
}

/// Finishes every frame from kept mel columns, peaks/valleys and (when needed) spectra.
fn finish_from_stored(
    finisher: &mut Finisher,
    deferred: &Deferred,
    setup: &Setup,
    n_frames: usize,
) {
    let n_bins = setup.n_fft / 2 + 1;
    for t in 0..n_frames {
        let power = finisher
            .needs_power()
            .then(|| &deferred.power[t * n_bins..(t + 1) * n_bins]);
        finish_one_from_stored(finisher, deferred, setup.n_mels, power);
    }
}

/// Finishes the next frame from the kept mel column and peaks/valleys.
fn finish_one_from_stored(
    finisher: &mut Finisher,
    deferred: &Deferred,
    n_mels: usize,
    power: Option<&[f32]>,
) {
    let t = finisher.frames_done();
    let mel = &deferred.mel[t * n_mels..(t + 1) * n_mels];
    let pv = &deferred.peak_valley[t * 2 * CONTRAST_ROWS..(t + 1) * 2 * CONTRAST_ROWS];
    let (peak, valley) = pv.split_at(CONTRAST_ROWS);
    finisher.frame(mel, peak, valley, power);
}

/// The second pass over a signal, for tracks too long to keep what finishing needs: push
/// the same samples again, then [`Replay::finish`].
pub struct Replay {
    framer: Framer,
    analyzer: FrameAnalyzer,
    finisher: Finisher,
    /// Mel columns and peaks/valleys, when the first pass kept them.
    deferred: Deferred,
    first: FirstPass,
}

impl Replay {
    /// Adds the next samples of the signal (the same as in the first pass).
    pub fn push(&mut self, samples: &[f32]) -> Result<()> {
        let (analyzer, finisher, deferred) =
            (&mut self.analyzer, &mut self.finisher, &self.deferred);
        let (n_frames, n_mels) = (self.first.wide.n_frames, self.first.setup.n_mels);
        self.framer.push(samples, |f| {
            replay_frame(analyzer, finisher, deferred, n_frames, n_mels, &f)
        });
        Ok(())
    }

    /// Ends the second pass and completes the analysis.
    ///
    /// Errors: [`FeatureError::Signal`] when the second pass did not see the same number of
    /// samples as the first.
    pub fn finish(mut self) -> Result<SignalAnalysis> {
        let (analyzer, finisher, deferred) =
            (&mut self.analyzer, &mut self.finisher, &self.deferred);
        let (n_frames, n_mels) = (self.first.wide.n_frames, self.first.setup.n_mels);
        self.framer
            .finish(|f| replay_frame(analyzer, finisher, deferred, n_frames, n_mels, &f));
        if self.framer.samples_received() != self.first.n_samples {
            return Err(FeatureError::Signal(format!(
                "the second pass read {} samples, the first {}",
                self.framer.samples_received(),
                self.first.n_samples
            )));
        }
        Ok(self.first.complete(self.finisher))
    }
}

fn replay_frame(
    analyzer: &mut FrameAnalyzer,
    finisher: &mut Finisher,
    deferred: &Deferred,
    n_frames: usize,
    n_mels: usize,
    frame: &Frame<'_>,
) {
    if frame.index >= n_frames {
        return;
    }
    if deferred.keep_mel_contrast {
        analyzer.spectrum(frame);
        finish_one_from_stored(finisher, deferred, n_mels, Some(analyzer.power()));
    } else {
        analyzer.spectrum_mel_contrast(frame);
        let v = analyzer.values();
        finisher.frame(&v.mel, &v.peak, &v.valley, Some(analyzer.power()));
    }
}

/// What the first pass produced, waiting for the finished features.
struct FirstPass {
    setup: Setup,
    n_samples: usize,
    wide: TrackWide,
    immediate: Immediate,
    frames: Option<ImmediateFrames>,
}

impl FirstPass {
    fn complete(self, finisher: Finisher) -> SignalAnalysis {
        let Setup {
            sample_rate,
            hop,
            n_mels,
            n_mfcc,
            ..
        } = self.setup;
        let n = self.wide.n_frames;
        let tuning = self.wide.tuning;
        let imm = self.immediate;
        let chroma_stats = if finisher.needs_power() {
            finisher.chroma_stats.stats()
        } else {
            imm.chroma0.stats()
        };
        let mut onset_stats = RowAccumulator::new(1);
        for &v in &finisher.onset {
            onset_stats.push_one(v);
        }
        let stats: Vec<(&str, RowStats)> = vec![
            ("rms", imm.rms.stats()),
            ("zero_crossing_rate", imm.zcr.stats()),
            ("spectral_centroid", imm.centroid.stats()),
            ("spectral_bandwidth", imm.bandwidth.stats()),
            ("spectral_rolloff", imm.rolloff.stats()),
            ("spectral_flatness", imm.flatness.stats()),
            ("spectral_contrast", finisher.contrast_stats.stats()),
            ("chroma_stft", chroma_stats),
            ("chroma_stft_tuning0", imm.chroma0.stats()),
            ("melspectrogram", imm.mel.stats()),
            ("mfcc", finisher.mfcc_stats.stats()),
            ("onset_strength", onset_stats.stats()),
        ];
        let tempo_bpm = tempo(&finisher.onset, f64::from(sample_rate), hop);
        let summary = TrackSummary {
            stats: stats.into_iter().map(|(k, s)| (k.to_string(), s)).collect(),
            timbre: finisher.timbre.timbre(),
            tempo_bpm,
            tuning,
        };
        let frames = match (self.frames, finisher.frames) {
            (Some(imm), Some(fin)) => build_frames(imm, fin, finisher.onset, n, n_mels, n_mfcc),
            _ => FrameFeatures::empty(n_mels, n_mfcc),
        };
        SignalAnalysis {
            sample_rate,
            n_samples: self.n_samples,
            n_frames: n,
            frames,
            summary,
        }
    }
}

/// Turns column-major frame values into the rows-x-frames matrices.
fn build_frames(
    imm: ImmediateFrames,
    fin: FinishedFrames,
    onset: Vec<f32>,
    n: usize,
    n_mels: usize,
    n_mfcc: usize,
) -> FrameFeatures {
    let ImmediateFrames {
        scalars,
        chroma0,
        mel,
    } = imm;
    let row = |v: Vec<f32>| Matrix::from_vec(1, n, v).unwrap_or_else(|| Matrix::zeros(1, n));
    let [rms, zcr, centroid, bandwidth, rolloff, flatness] = scalars;
    let chroma_t0 = transpose(&chroma0, N_CHROMA, n);
    let chroma = if fin.chroma.is_empty() {
        chroma_t0.clone()
    } else {
        transpose(&fin.chroma, N_CHROMA, n)
    };
    FrameFeatures {
        rms: row(rms),
        zero_crossing_rate: row(zcr),
        spectral_centroid: row(centroid),
        spectral_bandwidth: row(bandwidth),
        spectral_rolloff: row(rolloff),
        spectral_flatness: row(flatness),
        spectral_contrast: transpose(&fin.contrast, CONTRAST_ROWS, n),
        chroma_stft: chroma,
        chroma_stft_tuning0: chroma_t0,
        melspectrogram: transpose(&mel, n_mels, n),
        mfcc: transpose(&fin.mfcc, n_mfcc, n),
        onset_strength: row(onset),
    }
}

/// A `rows x cols` matrix from column-major values.
fn transpose(column_major: &[f32], rows: usize, cols: usize) -> Matrix {
    let mut m = Matrix::zeros(rows, cols);
    for (c, col) in column_major.chunks_exact(rows).take(cols).enumerate() {
        for (r, &v) in col.iter().enumerate() {
            m.set(r, c, v);
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tuned-off sine sweep with noise, a silent stretch and clicks: nonzero tuning, frames
    /// below the clipping floors, onsets.
    fn test_signal(seconds: f64) -> Vec<f32> {
        let sr = 22050.0;
        let mut seed = 1u32;
        (0..(seconds * sr) as usize)
            .map(|i| {
                let t = i as f64 / sr;
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let noise = (f64::from(seed >> 8) / f64::from(1u32 << 24) - 0.5) * 0.02;
                let f = 440.0 * 2f64.powf(0.3 / 12.0) * (1.0 + 0.5 * (t / seconds));
                let tone = 0.4 * (2.0 * std::f64::consts::PI * f * t).sin();
                let click = if i % 11025 < 40 { 0.8 } else { 0.0 };
                let silent = (t / seconds - 0.5).abs() < 0.05;
                if silent {
                    0.0
                } else {
                    (tone + noise + click) as f32
                }
            })
            .collect()
    }

    /// Runs a [`StreamAnalyzer`] with a given budget and chunk size, replaying if asked.
    fn stream(
        signal: &[f32],
        detail: Detail,
        budget: usize,
        chunk: usize,
        hint: bool,
    ) -> SignalAnalysis {
        let config = FeatureConfig::default();
        let expected = hint.then_some(signal.len());
        let mut a =
            StreamAnalyzer::create(22050, &config, detail, expected, false, (budget, budget))
                .expect("analyzer");
        for c in signal.chunks(chunk) {
            a.push(c).expect("push");
            assert!(a.retained_bytes() <= budget + 8 * (2048 + chunk));
        }
        match a.finish().expect("finish") {
            Finished::Done(r) => r,
            Finished::Replay(mut replay) => {
                for c in signal.chunks(chunk + 1) {
                    replay.push(c).expect("replay");
                }
                replay.finish().expect("replay finish")
            }
        }
    }

    #[test]
    fn summary_is_the_same_to_the_bit_whatever_is_kept() {
        let signal = test_signal(12.0);
        let full = analyze_signal(&signal, 22050, &FeatureConfig::default()).expect("analysis");
        assert!(full.summary.tuning != 0.0, "the test needs a tuned chroma");
        assert_eq!(full.n_frames, full.frames.n_frames());
        let n_frames = full.n_frames;
        let spectra = 4 * (128 + 14 + 1025) * n_frames;
        let signal_tier = 4 * (128 + 14 + 512) * n_frames + 4 * 512;
        for (budget, chunk, hint) in [
            (DEFERRED_BUDGET, 1000, true), // spectra kept
            (spectra - 1, 777, true),      // signal kept, spectra recomputed
            (signal_tier / 2, 4096, true), // nothing kept: second pass
            (spectra / 2, 333, false),     // no hint: spectra kept until over budget
        ] {
            for detail in [Detail::Summary, Detail::Frames] {
                let r = stream(&signal, detail, budget, chunk, hint);
                assert!(
                    r.summary == full.summary,
                    "budget {budget} chunk {chunk} {detail:?}"
                );
                assert_eq!(r.n_frames, n_frames);
                match detail {
                    Detail::Summary => assert!(r.frames.is_empty()),
                    Detail::Frames => assert!(r.frames == full.frames, "frames {budget}"),
                }
            }
        }
        let summary_only =
            analyze_signal_with(&signal, 22050, &FeatureConfig::default(), Detail::Summary)
                .expect("analysis");
        assert!(summary_only.summary == full.summary);
    }

    #[test]
    fn streaming_summary_equals_the_summary_of_the_frames() {
        let signal = test_signal(6.0);
        let a = analyze_signal(&signal, 22050, &FeatureConfig::default()).expect("analysis");
        let two_pass = TrackSummary::of(&a.frames, a.summary.tempo_bpm, a.summary.tuning);
        let close = |x: &[f64], y: &[f64]| {
            let scale = x.iter().fold(1e-30f64, |m, v| m.max(v.abs()));
            x.iter().zip(y).all(|(a, b)| (a - b).abs() <= 1e-12 * scale)
        };
        for ((k, s), (k2, t)) in a.summary.stats.iter().zip(&two_pass.stats) {
            assert_eq!(k, k2);
            assert!(close(&s.mean, &t.mean), "{k} mean");
            assert!(close(&s.std, &t.std), "{k} std");
        }
        assert!(close(&a.summary.timbre.mean, &two_pass.timbre.mean));
        let (c, d) = (
            a.summary.timbre.cov_upper.as_ref(),
            two_pass.timbre.cov_upper.as_ref(),
        );
        assert!(close(c.expect("cov"), d.expect("cov")));
    }

    #[test]
    fn a_long_stream_stays_within_its_budget() {
        // Three minutes with a 1 MB budget: the analyzer must give up keeping and replay.
        let signal = test_signal(180.0);
        let budget = 1 << 20;
        let config = FeatureConfig::default();
        let mut a = StreamAnalyzer::create(
            22050,
            &config,
            Detail::Summary,
            None,
            false,
            (budget, budget),
        )
        .expect("analyzer");
        for c in signal.chunks(2048) {
            a.push(c).expect("push");
            assert!(a.retained_bytes() <= budget + 8 * (2048 + 2048));
        }
        let Finished::Replay(mut replay) = a.finish().expect("finish") else {
            panic!("a track over budget must ask for a second pass");
        };
        for c in signal.chunks(4096) {
            replay.push(c).expect("replay");
        }
        let streamed = replay.finish().expect("replay finish");
        let whole =
            analyze_signal_with(&signal, 22050, &config, Detail::Summary).expect("analysis");
        assert!(streamed.summary == whole.summary);
    }

    #[test]
    fn a_second_pass_of_another_length_is_an_error() {
        let signal = test_signal(3.0);
        let config = FeatureConfig::default();
        let mut a = StreamAnalyzer::create(22050, &config, Detail::Summary, None, false, (0, 0))
            .expect("analyzer");
        a.push(&signal).expect("push");
        let Finished::Replay(mut replay) = a.finish().expect("finish") else {
            panic!("budget 0 keeps nothing");
        };
        replay.push(&signal[..signal.len() - 1000]).expect("replay");
        assert!(replay.finish().is_err());
    }

    #[test]
    fn silence_matches_librosa_documented_values() {
        let a = analyze_signal(&vec![0.0; 22050], 22050, &FeatureConfig::default())
            .expect("silence analyses");
        let s = &a.summary;
        for key in [
            "rms",
            "zero_crossing_rate",
            "spectral_centroid",
            "onset_strength",
        ] {
            assert_eq!(s.get(key).expect(key).mean, vec![0.0], "{key}");
        }
        assert_eq!(
            s.get("spectral_flatness").expect("flatness").mean,
            vec![1.0]
        );
        let mfcc = s.get("mfcc").expect("mfcc");
        assert!((mfcc.mean[0] + 1131.370849898476).abs() < 1e-3);
        assert!(mfcc.mean[1..].iter().all(|v| v.abs() < 1e-3));
        assert_eq!(s.tuning, 0.0);
        assert!((s.tempo_bpm - 117.45383522727273).abs() < 1e-9);
        assert!(s
            .get("spectral_contrast")
            .expect("contrast")
            .mean
            .iter()
            .all(|&v| v == 0.0));
    }

    #[test]
    fn empty_and_non_finite_signals_are_errors() {
        let c = FeatureConfig::default();
        assert!(analyze_signal(&[], 22050, &c).is_err());
        assert!(analyze_signal(&[0.0, f32::NAN], 22050, &c).is_err());
    }
}
