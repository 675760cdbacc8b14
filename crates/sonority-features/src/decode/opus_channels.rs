//! Opus with more than two channels (5.1, 7.1, ...: channel mapping families 1 and 255),
//! through libopus's multistream decoder. Written by hand because symphonia-adapter-libopus
//! decodes mono and stereo only; the work is done by the same libopus, which opusic-sys
//! bundles for the adapter. Mono and stereo streams still go to the adapter.

use std::fmt;

use symphonia::core::audio::{
    AsGenericAudioBufferRef, AudioBuffer, AudioMut, AudioSpec, Channels, GenericAudioBufferRef,
};
use symphonia::core::codecs::audio::{
    AudioCodecParameters, AudioDecoder, AudioDecoderOptions, FinalizeResult,
};
use symphonia::core::codecs::registry::{RegisterableAudioDecoder, SupportedAudioCodec};
use symphonia::core::codecs::CodecInfo;
use symphonia::core::errors::{decode_error, unsupported_error, Result};
use symphonia::core::packet::PacketRef;
use symphonia_adapter_libopus::OpusDecoder;

/// Opus is always decoded at 48 kHz here (the rate libopus codes at).
const RATE: u32 = 48_000;
/// The longest Opus packet: 120 ms at 48 kHz.
const MAX_FRAMES: usize = 5760;
/// The most channels a mapping family allows.
const MAX_CHANNELS: usize = 255;

/// The registry entry for Opus: the adapter for up to two channels, the multistream decoder
/// above.
impl RegisterableAudioDecoder for Multistream {
    fn try_registry_new(
        params: &AudioCodecParameters,
        opts: &AudioDecoderOptions,
    ) -> Result<Box<dyn AudioDecoder>> {
        let channels = params.channels.as_ref().map_or(0, Channels::count);
        if channels <= 2 {
            return OpusDecoder::try_registry_new(params, opts);
        }
        Ok(Box::new(Multistream::try_new(params, channels)?))
    }

    fn supported_codecs() -> &'static [SupportedAudioCodec] {
        OpusDecoder::supported_codecs()
    }
}

/// What the Ogg Opus identification header ("OpusHead") says about the streams.
#[derive(Debug, PartialEq, Eq)]
struct Layout {
    pre_skip: usize,
    streams: u8,
    coupled: u8,
    mapping: Vec<u8>,
}

/// Parses an OpusHead (RFC 7845, 5.1) for a stream of `channels` channels.
fn parse_head(head: &[u8], channels: usize) -> Option<Layout> {
    if head.len() < 19 || &head[..8] != b"OpusHead" || usize::from(head[9]) != channels {
        return None;
    }
    let pre_skip = usize::from(u16::from_le_bytes([head[10], head[11]]));
    if head[18] == 0 {
        return None; // family 0 is mono or stereo only
    }
    let table = head.get(19..21 + channels)?;
    let (streams, coupled) = (table[0], table[1]);
    if streams == 0 || coupled > streams {
        return None;
    }
    Some(Layout {
        pre_skip,
        streams,
        coupled,
        mapping: table[2..].to_vec(),
    })
}

/// libopus's multistream decoder state.
pub(crate) struct Multistream {
    params: AudioCodecParameters,
    state: *mut opusic_sys::OpusMSDecoder,
    channels: usize,
    /// Frames to drop from the first packet (the header's pre-skip), as the adapter does.
    pre_skip: usize,
    pcm: Vec<f32>,
    buf: AudioBuffer<f32>,
}

// SAFETY: the libopus state is owned by this value alone and only used through `&mut self`.
unsafe impl Send for Multistream {}
// SAFETY: no method taking `&self` touches the libopus state.
unsafe impl Sync for Multistream {}

impl fmt::Debug for Multistream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Multistream")
            .field("channels", &self.channels)
            .field("pre_skip", &self.pre_skip)
            .finish()
    }
}

impl Drop for Multistream {
    fn drop(&mut self) {
        // SAFETY: `state` came from opus_multistream_decoder_create and is destroyed once.
        unsafe { opusic_sys::opus_multistream_decoder_destroy(self.state) }
    }
}

impl Multistream {
    fn try_new(params: &AudioCodecParameters, channels: usize) -> Result<Self> {
        if channels > MAX_CHANNELS {
            return unsupported_error("opus: too many channels");
        }
        let Some(layout) = params
            .extra_data
            .as_deref()
            .and_then(|head| parse_head(head, channels))
        else {
            return unsupported_error("opus: no valid channel mapping in the OpusHead header");
        };
        let mut error = 0;
        // SAFETY: `mapping` holds `channels` bytes, as libopus reads; `error` is writable.
        let state = unsafe {
            opusic_sys::opus_multistream_decoder_create(
                RATE as i32,
                channels as i32,
                i32::from(layout.streams),
                i32::from(layout.coupled),
                layout.mapping.as_ptr(),
                &mut error,
            )
        };
        if error != opusic_sys::OPUS_OK || state.is_null() {
            return decode_error("opus: libopus refused the channel mapping");
        }
        Ok(Self {
            params: params.clone(),
            state,
            channels,
            pre_skip: layout.pre_skip,
            pcm: vec![0.0; MAX_FRAMES * channels],
            buf: AudioBuffer::new(
                AudioSpec::new(RATE, Channels::Discrete(channels as u16)),
                MAX_FRAMES,
            ),
        })
    }
}

impl AudioDecoder for Multistream {
    fn codec_info(&self) -> &CodecInfo {
        // The adapter registers exactly one codec, Opus.
        &OpusDecoder::supported_codecs()[0].info
    }

    fn reset(&mut self) {
        // SAFETY: a valid state and a request that takes no argument.
        unsafe {
            opusic_sys::opus_multistream_decoder_ctl(self.state, opusic_sys::OPUS_RESET_STATE);
        }
    }

    fn codec_params(&self) -> &AudioCodecParameters {
        &self.params
    }

    fn decode_ref(&mut self, packet: &PacketRef<'_>) -> Result<GenericAudioBufferRef<'_>> {
        let data = packet.data;
        let Ok(len) = i32::try_from(data.len()) else {
            return decode_error("opus: packet too large");
        };
        let input = if data.is_empty() {
            std::ptr::null()
        } else {
            data.as_ptr()
        };
        // SAFETY: `input` holds `len` bytes (or is null for a lost packet); `pcm` holds
        // MAX_FRAMES frames of `channels` samples.
        let frames = unsafe {
            opusic_sys::opus_multistream_decode_float(
                self.state,
                input,
                len,
                self.pcm.as_mut_ptr(),
                MAX_FRAMES as i32,
                0,
            )
        };
        let Ok(frames) = usize::try_from(frames) else {
            return decode_error("opus: undecodable packet");
        };
        self.buf.clear();
        self.buf.render_uninit(Some(frames));
        let pcm = &self.pcm[..frames * self.channels];
        self.buf.copy_from_slice_interleaved(&pcm);
        // As the adapter: the packet's trims, and the header's pre-skip on the first packet.
        self.buf.trim(
            packet.trim_start.get() as usize + self.pre_skip,
            packet.trim_end.get() as usize,
        );
        self.pre_skip = 0;
        Ok(self.buf.as_generic_audio_buffer_ref())
    }

    fn finalize(&mut self) -> FinalizeResult {
        FinalizeResult::default()
    }

    fn last_decoded(&self) -> GenericAudioBufferRef<'_> {
        self.buf.as_generic_audio_buffer_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(channels: u8, family: u8, table: &[u8]) -> Vec<u8> {
        let mut h = b"OpusHead".to_vec();
        h.push(1);
        h.push(channels);
        h.extend(312u16.to_le_bytes());
        h.extend(48_000u32.to_le_bytes());
        h.extend(0u16.to_le_bytes());
        h.push(family);
        h.extend_from_slice(table);
        h
    }

    #[test]
    fn heads_are_parsed_and_checked() {
        let five_one = head(6, 1, &[4, 2, 0, 4, 1, 2, 3, 5]);
        assert_eq!(
            parse_head(&five_one, 6),
            Some(Layout {
                pre_skip: 312,
                streams: 4,
                coupled: 2,
                mapping: vec![0, 4, 1, 2, 3, 5],
            })
        );
        assert_eq!(parse_head(&five_one, 5), None, "channel count differs");
        assert_eq!(parse_head(&head(2, 0, &[]), 2), None, "family 0");
        assert_eq!(parse_head(&five_one[..22], 6), None, "table cut short");
        assert_eq!(parse_head(&head(6, 1, &[2, 3, 0, 1, 2, 3, 4, 5]), 6), None);
    }
}
