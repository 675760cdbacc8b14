//! The sample rate and the HE-AAC extensions stated in an AAC AudioSpecificConfig (ISO
//! 14496-3, 1.6.2.1). Written by hand: a few bits that symphonia parses only inside its
//! decoder.
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

/// An HE-AAC extension signalled in an AudioSpecificConfig.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeAac {
    /// Spectral band replication (HE-AAC, "aacPlus"): the AAC core codes half the rate.
    Sbr,
    /// SBR plus parametric stereo (HE-AACv2): a mono core, stereo rebuilt by the decoder.
    SbrPs,
}

impl HeAac {
    /// The name ffmpeg and users know it by.
    pub(crate) fn name(self) -> &'static str {
        match self {
            HeAac::Sbr => "HE-AAC",
            HeAac::SbrPs => "HE-AACv2",
        }
    }
}

/// The HE-AAC extension `config` signals explicitly: audio object type 5 (SBR) or 29 (PS), or
/// an AAC-LC config followed by the backward-compatible sync extension (0x2b7, SBR present,
/// then 0x548 for PS). `None` for plain AAC, and for configs this parser does not follow (a
/// program config element): implicit signalling, in the bitstream only, is not seen here.
pub(crate) fn he_aac(config: &[u8]) -> Option<HeAac> {
    let mut bits = Bits {
        bytes: config,
        at: 0,
    };
    let object_type = |bits: &mut Bits<'_>| -> Option<u32> {
        match bits.take(5)? {
            31 => Some(32 + bits.take(6)?),
            t => Some(t),
        }
    };
    let rate_index = |bits: &mut Bits<'_>| -> Option<()> {
        if bits.take(4)? == 15 {
            bits.take(24)?;
        }
        Some(())
    };
    let first = object_type(&mut bits)?;
    match first {
        5 => return Some(HeAac::Sbr),
        29 => return Some(HeAac::SbrPs),
        _ => {}
    }
    rate_index(&mut bits)?;
    let channel_config = bits.take(4)?;
    // GASpecificConfig of the AAC object types (1 main, 2 LC, 3 SSR, 4 LTP).
    if !(1..=4).contains(&first) || channel_config == 0 {
        return None;
    }
    bits.take(1)?; // frameLengthFlag
    if bits.take(1)? == 1 {
        bits.take(14)?; // coreCoderDelay
    }
    bits.take(1)?; // extensionFlag (0 for these object types)
    if bits.take(11)? != 0x2b7 || object_type(&mut bits)? != 5 || bits.take(1)? != 1 {
        return None;
    }
    rate_index(&mut bits)?;
    let ps = bits.take(11) == Some(0x548) && bits.take(1) == Some(1);
    Some(if ps { HeAac::SbrPs } else { HeAac::Sbr })
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

    /// Packs (value, bit count) fields into bytes, left-aligned.
    fn pack(fields: &[(u32, usize)]) -> Vec<u8> {
        let mut bits = Vec::new();
        for &(value, n) in fields {
            bits.extend((0..n).rev().map(|i| (value >> i) & 1 == 1));
        }
        bits.chunks(8)
            .map(|c| {
                c.iter()
                    .enumerate()
                    .fold(0u8, |b, (i, &on)| b | (u8::from(on) << (7 - i)))
            })
            .collect()
    }

    #[test]
    fn he_aac_signalled_explicitly() {
        // Hand-made configs (no HE-AAC encoder on the build machine). AAC-LC 44.1 kHz stereo,
        // as ffmpeg writes it (0x1210): plain AAC.
        assert_eq!(he_aac(&[0x12, 0x10]), None);
        // Object type 5 (SBR), 22.05 kHz core, stereo, extension rate 44.1 kHz, then AAC LC.
        let sbr = pack(&[(5, 5), (7, 4), (2, 4), (4, 4), (2, 5), (0, 3)]);
        assert_eq!(he_aac(&sbr), Some(HeAac::Sbr));
        // Object type 29 (PS), mono core.
        let ps = pack(&[(29, 5), (7, 4), (1, 4), (4, 4), (2, 5), (0, 3)]);
        assert_eq!(he_aac(&ps), Some(HeAac::SbrPs));
        // Backward-compatible signalling: AAC LC 22.05 kHz stereo, GASpecificConfig (3 zero
        // bits), sync extension 0x2b7, object type 5, SBR present, 44.1 kHz; then 0x548 and PS.
        let lc = [(2, 5), (7, 4), (2, 4), (0, 3)];
        let mut compat = lc.to_vec();
        compat.extend([(0x2b7, 11), (5, 5), (1, 1), (4, 4)]);
        assert_eq!(he_aac(&pack(&compat)), Some(HeAac::Sbr));
        compat.extend([(0x548, 11), (1, 1)]);
        assert_eq!(he_aac(&pack(&compat)), Some(HeAac::SbrPs));
        // SBR flag 0: plain AAC after all; a cut config is not HE-AAC either.
        let mut off = lc.to_vec();
        off.extend([(0x2b7, 11), (5, 5), (0, 1)]);
        assert_eq!(he_aac(&pack(&off)), None);
        assert_eq!(he_aac(&[0x10]), None);
        assert_eq!(HeAac::SbrPs.name(), "HE-AACv2");
    }
}
