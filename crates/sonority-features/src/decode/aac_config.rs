//! The sample rate stated in an AAC AudioSpecificConfig (ISO 14496-3, 1.6.2.1). Written by
//! hand: a few bits that symphonia parses only inside its decoder.
//!
//! An MP4 sample entry holds the rate as a 16.16 fixed-point number, which cannot hold rates
//! from 65536 Hz up: for 88.2 and 96 kHz AAC, ffmpeg writes 0 there and readers take the rate
//! from the AudioSpecificConfig, as this module lets the stream do.

/// The sampling frequencies of the 4-bit index.
const RATES: [u32; 13] = [
    96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
];

/// The sample rate of the AudioSpecificConfig `config`, when it states a valid one.
pub(crate) fn config_sample_rate(config: &[u8]) -> Option<u32> {
    let mut bits = Bits {
        bytes: config,
        at: 0,
    };
    let object_type = bits.take(5)?;
    if object_type == 31 {
        bits.take(6)?; // the extended object type
    }
    match bits.take(4)? {
        15 => bits.take(24).filter(|&rate| rate > 0),
        index => RATES.get(index as usize).copied(),
    }
}

/// Reads big-endian bit fields.
struct Bits<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Bits<'_> {
    fn take(&mut self, n: usize) -> Option<u32> {
        let mut value = 0u32;
        for _ in 0..n {
            let byte = *self.bytes.get(self.at / 8)?;
            let bit = (byte >> (7 - self.at % 8)) & 1;
            value = (value << 1) | u32::from(bit);
            self.at += 1;
        }
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_from_index_and_explicit() {
        // AAC LC (2), index 0 (96 kHz), 2 channels: 00010 0000 0010 000
        assert_eq!(config_sample_rate(&[0x10, 0x10]), Some(96000));
        // AAC LC, index 4 (44.1 kHz): 00010 0100 0010 000
        assert_eq!(config_sample_rate(&[0x12, 0x10]), Some(44100));
        // AAC LC, index 15 then 24 bits: 12345 Hz.
        let rate = 12345u32;
        // 5 + 4 + 24 = 33 bits, left-aligned in 5 bytes.
        let bits: u64 = ((2 << 28) | (15 << 24) | u64::from(rate)) << 7;
        let bytes = bits.to_be_bytes();
        assert_eq!(config_sample_rate(&bytes[3..]), Some(rate));
        // Reserved index, and too short.
        assert_eq!(config_sample_rate(&[0x16, 0x80]), None);
        assert_eq!(config_sample_rate(&[0x10]), None);
    }
}
