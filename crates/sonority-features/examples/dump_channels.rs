//! Decodes a file with symphonia alone (no trimming, no downmix) and writes every channel,
//! interleaved little-endian f32, to stdout; prints the rate and channel count to stderr.
//! For comparing a codec's channels with `ffmpeg -i FILE -f f32le -`.
//!
//! With `--mono`, writes sonority's own decode instead: [`sonority_features::decode_file`]'s mono
//! signal (trimmed and downmixed as the analysis sees it).
//!
//! `cargo run -p sonority-features --example dump_channels -- [--mono] FILE > out.f32`

use std::io::Write;
use symphonia::core::audio::{Audio, GenericAudioBufferRef};
use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::{MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mono, path) = match args.as_slice() {
        [flag, path] if flag == "--mono" => (true, path.clone()),
        [path] => (false, path.clone()),
        _ => return Err("usage: dump_channels [--mono] FILE".into()),
    };
    if mono {
        let audio = sonority_features::decode_file(std::path::Path::new(&path))?;
        eprintln!(
            "{} rate {} channels {} frames {}",
            audio.codec,
            audio.sample_rate,
            audio.channels,
            audio.samples.len()
        );
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        for x in &audio.samples {
            out.write_all(&x.to_le_bytes())?;
        }
        return Ok(());
    }
    let file = std::fs::File::open(&path)?;
    let mss = MediaSourceStream::new(Box::new(file), MediaSourceStreamOptions::default());
    let mut reader = symphonia::default::get_probe().probe(
        &Hint::new(),
        mss,
        FormatOptions::default(),
        MetadataOptions::default(),
    )?;
    let track = reader.default_track(TrackType::Audio).ok_or("no audio")?;
    let id = track.id;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .ok_or("no params")?
        .clone();
    eprintln!(
        "{:?} rate {:?} channels {:?}",
        params.codec, params.sample_rate, params.channels
    );
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut interleaved = Vec::new();
    while let Some(packet) = reader.next_packet()? {
        if packet.track_id != id {
            continue;
        }
        let buf = decoder.decode(&packet)?;
        let GenericAudioBufferRef::F32(b) = buf else {
            return Err("not f32".into());
        };
        interleaved.clear();
        interleaved.resize(b.frames() * b.num_planes(), 0.0f32);
        b.copy_to_slice_interleaved(&mut interleaved);
        for x in &interleaved {
            out.write_all(&x.to_le_bytes())?;
        }
    }
    Ok(())
}
