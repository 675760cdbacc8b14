//! Centred framing of a signal that arrives in chunks.
//!
//! [`Framer`] turns a stream of samples into the frames of `librosa.stft(center=True)`: frame
//! `t` covers samples `t * hop - n_fft / 2 .. t * hop + n_fft / 2`, the signal being padded with
//! `n_fft / 2` zeros on each side, and there are `1 + n / hop` frames for `n` samples. Each frame
//! also comes with its edge-padded twin (the first or last sample repeated past the ends, as
//! `np.pad(mode="edge")`), which the zero-crossing rate uses.
//!
//! Only the samples of frames not yet emitted are held: memory does not grow with the signal.
//! The frames are the same, sample for sample, whatever the chunking.

/// One frame handed out by a [`Framer`].
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// Frame index `t`.
    pub index: usize,
    /// The `n_fft` samples of the zero-padded signal.
    pub samples: &'a [f32],
    /// The same frame with edge padding instead of zeros (equal to `samples` away from the
    /// ends of the signal).
    pub edge: &'a [f32],
}

/// Cuts a chunked signal into centred frames; see the module documentation.
#[derive(Debug, Clone)]
pub struct Framer {
    n_fft: usize,
    hop: usize,
    /// The zero-padded signal from padded index `offset` on.
    buf: Vec<f32>,
    offset: usize,
    /// The next frame to emit.
    next: usize,
    /// Signal samples received so far.
    received: usize,
    first: f32,
    last: f32,
    finished: bool,
    edge: Vec<f32>,
}

impl Framer {
    /// A framer for frames of `n_fft` samples (even, > 0) every `hop` samples (> 0).
    pub fn new(n_fft: usize, hop: usize) -> Self {
        Self {
            n_fft,
            hop: hop.max(1),
            buf: vec![0.0; n_fft / 2],
            offset: 0,
            next: 0,
            received: 0,
            first: 0.0,
            last: 0.0,
            finished: false,
            edge: vec![0.0; n_fft],
        }
    }

    /// Signal samples received so far.
    pub fn samples_received(&self) -> usize {
        self.received
    }

    /// Samples held (at most about a frame and a chunk).
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Appends `chunk` and calls `emit` with every frame that is now complete, in order.
    /// Chunks pushed after [`Framer::finish`] are ignored.
    pub fn push(&mut self, chunk: &[f32], mut emit: impl FnMut(Frame<'_>)) {
        if self.finished || chunk.is_empty() {
            return;
        }
        if self.received == 0 {
            self.first = chunk[0];
        }
        self.last = chunk[chunk.len() - 1];
        self.received += chunk.len();
        self.buf.extend_from_slice(chunk);
        // Frame t is complete when its last padded index t * hop + n_fft - 1 has arrived.
        let available = self.offset + self.buf.len();
        while self.next * self.hop + self.n_fft <= available {
            self.emit_next(false, &mut emit);
        }
        self.compact();
    }

    /// Ends the signal: pads it with zeros and emits the remaining frames, so that
    /// `1 + n / hop` frames were emitted in all. Returns that number.
    pub fn finish(&mut self, mut emit: impl FnMut(Frame<'_>)) -> usize {
        let total = 1 + self.received / self.hop;
        if self.finished {
            return total;
        }
        self.finished = true;
        self.buf.resize(self.buf.len() + self.n_fft / 2, 0.0);
        while self.next < total {
            self.emit_next(true, &mut emit);
        }
        self.buf = Vec::new();
        total
    }

    fn emit_next(&mut self, ended: bool, emit: &mut impl FnMut(Frame<'_>)) {
        let t = self.next;
        let start = t * self.hop - self.offset;
        let samples = &self.buf[start..start + self.n_fft];
        let half = self.n_fft / 2;
        // Padded indices below `half` are left padding; from `half + received` on, right
        // padding (only known to exist once the signal has ended).
        let lo = t * self.hop;
        let touches_left = lo < half;
        let touches_right = ended && lo + self.n_fft > half + self.received;
        let edge = if touches_left || touches_right {
            for (i, (e, &s)) in self.edge.iter_mut().zip(samples).enumerate() {
                let p = lo + i;
                *e = if p < half {
                    self.first
                } else if p >= half + self.received {
                    self.last
                } else {
                    s
                };
            }
            &self.edge[..]
        } else {
            samples
        };
        emit(Frame {
            index: t,
            samples,
            edge,
        });
        self.next += 1;
    }

    /// Drops the samples no future frame needs, once they are half the buffer.
    fn compact(&mut self) {
        let needed_from = self.next * self.hop;
        let drop = needed_from.saturating_sub(self.offset).min(self.buf.len());
        if drop > 0 && drop >= self.buf.len() / 2 {
            self.buf.drain(..drop);
            self.offset += drop;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stft::{centered_frame, frame_count, Padding};

    fn collect(
        signal: &[f32],
        chunk: usize,
        n_fft: usize,
        hop: usize,
    ) -> Vec<(Vec<f32>, Vec<f32>)> {
        let mut f = Framer::new(n_fft, hop);
        let mut out = Vec::new();
        let mut take = |fr: Frame<'_>| {
            assert_eq!(fr.index, out.len());
            out.push((fr.samples.to_vec(), fr.edge.to_vec()));
        };
        for c in signal.chunks(chunk.max(1)) {
            f.push(c, &mut take);
        }
        let n = f.finish(&mut take);
        assert_eq!(n, out.len());
        out
    }

    #[test]
    fn frames_equal_whole_signal_framing_for_any_chunking() {
        for len in [1usize, 5, 31, 32, 33, 100, 1000] {
            let signal: Vec<f32> = (0..len).map(|i| (i as f32 * 0.37).sin() + 0.5).collect();
            let (n_fft, hop) = (32, 8);
            let mut zero = vec![0.0; n_fft];
            let mut edge = vec![0.0; n_fft];
            for chunk in [1usize, 3, 7, 8, 64, 5000] {
                let frames = collect(&signal, chunk, n_fft, hop);
                assert_eq!(
                    frames.len(),
                    frame_count(len, hop),
                    "len {len} chunk {chunk}"
                );
                for (t, (z, e)) in frames.iter().enumerate() {
                    centered_frame(&signal, t, hop, Padding::Zero, &mut zero);
                    centered_frame(&signal, t, hop, Padding::Edge, &mut edge);
                    assert_eq!(z, &zero, "zero frame {t} len {len} chunk {chunk}");
                    assert_eq!(e, &edge, "edge frame {t} len {len} chunk {chunk}");
                }
            }
        }
    }

    #[test]
    fn memory_stays_bounded() {
        let mut f = Framer::new(2048, 512);
        let chunk = vec![0.25f32; 4096];
        let mut count = 0;
        for _ in 0..1000 {
            f.push(&chunk, |_| count += 1);
            assert!(f.buf.capacity() < 4 * (2048 + 4096), "{}", f.buf.capacity());
        }
        count += 0;
        let total = f.finish(|_| count += 1);
        assert_eq!(total, count);
        assert_eq!(total, 1 + 4096 * 1000 / 512);
    }
}
