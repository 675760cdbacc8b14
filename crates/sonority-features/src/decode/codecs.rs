//! The codec registry: symphonia's decoders plus libopus (through `symphonia-adapter-libopus`),
//! and the short codec names reported in [`super::DecodedAudio::codec`].

use std::sync::OnceLock;

use super::opus_channels::Multistream;
use symphonia::core::codecs::audio::AudioCodecId;
use symphonia::core::codecs::registry::CodecRegistry;

/// symphonia's default decoders plus libopus (symphonia has no Opus decoder): the adapter for
/// mono and stereo, libopus's multistream decoder for more channels.
pub(crate) fn registry() -> &'static CodecRegistry {
    static REGISTRY: OnceLock<CodecRegistry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut registry = CodecRegistry::new();
        symphonia::default::register_enabled_codecs(&mut registry);
        registry.register_audio_decoder::<Multistream>();
        registry
    })
}

/// The short name of a codec as ffmpeg spells it ("pcm_s16le", "flac", "mp3", "aac", "opus"...).
///
/// The names come from the registered decoders, which use ffmpeg's vocabulary; a codec without
/// a decoder is named by its numeric id.
pub(crate) fn short_name(codec: AudioCodecId) -> String {
    match registry().get_audio_decoder(codec) {
        Some(registered) => registered.codec.info.short_name.to_string(),
        None => format!("unknown codec {codec}"),
    }
}

/// The name in words of a codec symphonia knows but has no decoder for, for errors that ask
/// for ffmpeg ("AC-3 audio in a .mka file").
pub(crate) fn undecoded_name(codec: AudioCodecId) -> Option<&'static str> {
    use symphonia::core::codecs::audio::well_known::*;
    let name = match codec {
        CODEC_ID_AC3 => "AC-3",
        CODEC_ID_EAC3 => "E-AC-3",
        CODEC_ID_AC4 => "AC-4",
        CODEC_ID_DCA => "DTS",
        CODEC_ID_WMA => "WMA",
        CODEC_ID_SPEEX => "Speex",
        CODEC_ID_MUSEPACK => "Musepack",
        CODEC_ID_WAVPACK => "WavPack",
        CODEC_ID_MONKEYS_AUDIO => "Monkey's Audio (APE)",
        CODEC_ID_TTA => "TTA",
        CODEC_ID_ATRAC1 | CODEC_ID_ATRAC3 | CODEC_ID_ATRAC3PLUS | CODEC_ID_ATRAC9 => "ATRAC",
        CODEC_ID_RA10 | CODEC_ID_RA20 | CODEC_ID_SIPR | CODEC_ID_COOK => "RealAudio",
        _ => return None,
    };
    Some(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use symphonia::core::codecs::audio::well_known::{
        CODEC_ID_AAC, CODEC_ID_ALAC, CODEC_ID_FLAC, CODEC_ID_MP3, CODEC_ID_OPUS,
        CODEC_ID_PCM_S16LE, CODEC_ID_PCM_U8, CODEC_ID_VORBIS, CODEC_ID_WAVPACK,
    };

    #[test]
    fn names_follow_ffmpeg() {
        assert_eq!(short_name(CODEC_ID_PCM_S16LE), "pcm_s16le");
        assert_eq!(short_name(CODEC_ID_PCM_U8), "pcm_u8");
        assert_eq!(short_name(CODEC_ID_FLAC), "flac");
        assert_eq!(short_name(CODEC_ID_MP3), "mp3");
        assert_eq!(short_name(CODEC_ID_VORBIS), "vorbis");
        assert_eq!(short_name(CODEC_ID_AAC), "aac");
        assert_eq!(short_name(CODEC_ID_ALAC), "alac");
        assert_eq!(short_name(CODEC_ID_OPUS), "opus");
        assert!(short_name(CODEC_ID_WAVPACK).starts_with("unknown codec"));
        assert_eq!(undecoded_name(CODEC_ID_WAVPACK), Some("WavPack"));
        assert_eq!(undecoded_name(CODEC_ID_FLAC), None);
    }
}
