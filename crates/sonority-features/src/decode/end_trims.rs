//! What is done with the end trims (encoder padding) symphonia puts on packets: applied,
//! applied to the last packet of an Ogg stream only, or ignored where they come from an
//! estimated length.

use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::FormatReader;
use symphonia::core::packet::Packet;
use symphonia::core::units::Duration;

/// What to do with the end trims symphonia puts on packets.
pub(super) enum EndTrims {
    /// Apply them (MP3 with a LAME header, MP4, FLAC, ...).
    Keep,
    /// Apply them to the stream's last packet only (Ogg).
    LastPacketOnly(OggEndTrim),
    /// Apply none: they come from an estimated length (MPEG audio without a Xing, Info or
    /// VBRI frame).
    Ignore,
}

/// Gives the frames of a packet's end trim back to it.
pub(super) fn untrim_end(packet: &mut Packet) {
    packet.dur = packet.dur.saturating_add(packet.trim_end);
    packet.trim_end = Duration::ZERO;
}

/// Keeps symphonia's end trim on the last packet of an Ogg stream only.
///
/// symphonia's Ogg reader trims every packet that ends past its page's granule position. In a
/// well-formed stream that happens on the last page only (the encoder's padding), but some
/// encoders write pages whose granule positions run behind the packets (seen in a real
/// libvorbis file from ffmpeg: 31 pages, 7,616 frames lost over 4 minutes, and every frame
/// after the first such page shifted). libvorbis, libopus and ffmpeg trim only at the end of
/// the stream, so a trim is dropped from any packet that another packet of the track follows.
/// That needs one packet of look-ahead, taken only when a packet carries an end trim.
#[derive(Default)]
pub(super) struct OggEndTrim {
    /// The packet read ahead, to be handed out next.
    ahead: Option<Packet>,
    /// An error met while reading ahead, reported after the packet before it.
    error: Option<SymError>,
    /// The reader has ended.
    ended: bool,
}

impl OggEndTrim {
    /// The next packet of the reader, with its end trim dropped unless it is the last of
    /// the track.
    pub(super) fn next_packet(
        &mut self,
        reader: &mut dyn FormatReader,
        track_id: u32,
    ) -> Result<Option<Packet>, SymError> {
        let mut packet = match self.ahead.take() {
            Some(packet) => packet,
            None => {
                if let Some(error) = self.error.take() {
                    return Err(error);
                }
                if self.ended {
                    return Ok(None);
                }
                match reader.next_packet()? {
                    Some(packet) => packet,
                    None => return Ok(None),
                }
            }
        };
        if packet.track_id != track_id || packet.trim_end == Duration::ZERO {
            return Ok(Some(packet));
        }
        // Read ahead to the next packet of the track: if there is one, this is not the last.
        loop {
            match reader.next_packet() {
                Ok(Some(next)) if next.track_id == track_id => {
                    self.ahead = Some(next);
                    break;
                }
                Ok(Some(_)) => {} // another logical stream: ignored anyway
                Ok(None) => {
                    self.ended = true;
                    break;
                }
                Err(e) => {
                    self.error = Some(e);
                    break;
                }
            }
        }
        if self.ahead.is_some() {
            untrim_end(&mut packet);
        }
        Ok(Some(packet))
    }
}
