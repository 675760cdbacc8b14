//! The words of a family's or a playlist's name, explained with measured values: for each
//! word, the dim behind it, the group's mean and the reference mean (the library's, or the
//! family's for a playlist's own words) in readable units, e.g. "dark — spectral centroid
//! 1,150 Hz (library 2,030 Hz)".
//!
//! [`MEASURES`] is the one table from dim names to a readable measure and unit; a dim without
//! an entry shows its raw name and value.

use crate::dim_words::DIM_WORDS;
use serde::{Deserialize, Serialize};
use sonority_cluster::describe::word_for;

/// How a dim's stored value becomes the value shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// As stored.
    Linear,
    /// The stored value is the natural log of seconds: shown as a duration (`exp`).
    LogSeconds,
    /// A linear amplitude (full scale 1): shown in dBFS, `20·log10(v)`.
    AmplitudeDb,
}

/// How the trailing `_<n>` of a dim name is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeasureIndex {
    /// Ignored (a feature with one row: `spectral_centroid_mean_0`).
    Ignored,
    /// A numbered coefficient: "MFCC #3".
    Numbered,
    /// A frequency band: "spectral contrast (band 3)".
    Band,
    /// A pitch class, 0 = C: "chroma D#".
    PitchClass,
}

/// One row of [`MEASURES`]: dims named `prefix…` read as `name`, in `unit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measure {
    /// Start of the dim name.
    pub prefix: &'static str,
    /// The readable measure; `{}` stands for the dim's index as read by `index` ("MFCC {}"
    /// → "MFCC #3").
    pub name: &'static str,
    /// Its unit after scaling ("" for none).
    pub unit: &'static str,
    /// How the stored value is scaled.
    pub scale: Scale,
    /// How the trailing index is read.
    pub index: MeasureIndex,
}

const fn m(prefix: &'static str, name: &'static str, unit: &'static str) -> Measure {
    Measure {
        prefix,
        name,
        unit,
        scale: Scale::Linear,
        index: MeasureIndex::Ignored,
    }
}

const fn mi(
    prefix: &'static str,
    name: &'static str,
    unit: &'static str,
    index: MeasureIndex,
) -> Measure {
    Measure {
        prefix,
        name,
        unit,
        scale: Scale::Linear,
        index,
    }
}

/// The dims→measures table, written against sonority-features' dim names (and the library's
/// `duration_log_s`). First matching prefix wins.
pub const MEASURES: &[Measure] = &[
    Measure {
        prefix: "duration_log_s",
        name: "duration",
        unit: "s",
        scale: Scale::LogSeconds,
        index: MeasureIndex::Ignored,
    },
    m("tempo_bpm", "tempo", "BPM"),
    Measure {
        prefix: "rms_mean",
        name: "loudness (RMS)",
        unit: "dBFS",
        scale: Scale::AmplitudeDb,
        index: MeasureIndex::Ignored,
    },
    m("rms_std", "loudness variation (RMS)", ""),
    m("zero_crossing_rate_mean", "zero-crossing rate", ""),
    m("zero_crossing_rate_std", "zero-crossing rate variation", ""),
    m("spectral_centroid_mean", "spectral centroid", "Hz"),
    m("spectral_centroid_std", "spectral centroid variation", "Hz"),
    m("spectral_bandwidth_mean", "spectral bandwidth", "Hz"),
    m(
        "spectral_bandwidth_std",
        "spectral bandwidth variation",
        "Hz",
    ),
    m("spectral_rolloff_mean", "spectral roll-off", "Hz"),
    m("spectral_rolloff_std", "spectral roll-off variation", "Hz"),
    m("spectral_flatness_mean", "spectral flatness", ""),
    m("spectral_flatness_std", "spectral flatness variation", ""),
    mi(
        "spectral_contrast_mean",
        "spectral contrast {}",
        "dB",
        MeasureIndex::Band,
    ),
    mi(
        "spectral_contrast_std",
        "spectral contrast variation {}",
        "dB",
        MeasureIndex::Band,
    ),
    m("onset_strength_mean", "onset strength", ""),
    m("onset_strength_std", "onset strength variation", ""),
    mi(
        "chroma_stft_tuning0_mean",
        "chroma {} (untuned)",
        "",
        MeasureIndex::PitchClass,
    ),
    mi(
        "chroma_stft_tuning0_std",
        "chroma {} variation (untuned)",
        "",
        MeasureIndex::PitchClass,
    ),
    mi(
        "chroma_stft_mean",
        "chroma {}",
        "",
        MeasureIndex::PitchClass,
    ),
    mi(
        "chroma_stft_std",
        "chroma {} variation",
        "",
        MeasureIndex::PitchClass,
    ),
    mi(
        "melspectrogram_mean",
        "mel energy {}",
        "",
        MeasureIndex::Band,
    ),
    mi(
        "melspectrogram_std",
        "mel energy variation {}",
        "",
        MeasureIndex::Band,
    ),
    mi("mfcc_mean", "MFCC {}", "", MeasureIndex::Numbered),
    mi("mfcc_std", "MFCC {} variation", "", MeasureIndex::Numbered),
    mi(
        "timbre_mean",
        "timbre component {}",
        "",
        MeasureIndex::Numbered,
    ),
    m("tuning", "tuning", "chroma bins"),
];

/// The measure of dim `name`, if [`MEASURES`] has one.
pub fn measure_for(name: &str) -> Option<&'static Measure> {
    MEASURES.iter().find(|m| {
        name.strip_prefix(m.prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('_'))
    })
}

/// The readable name of dim `name` ("spectral centroid", "MFCC #3", "chroma D# variation",
/// "spectral contrast (band 2)"); the raw name when the table has no entry.
pub fn measure_name(name: &str) -> String {
    let Some(m) = measure_for(name) else {
        return name.to_string();
    };
    let index = name
        .rsplit_once('_')
        .and_then(|(_, tail)| tail.parse::<usize>().ok());
    const PITCHES: [&str; 12] = [
        "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
    ];
    let shown = match (m.index, index) {
        (MeasureIndex::Numbered, Some(i)) => Some(format!("#{i}")),
        (MeasureIndex::Band, Some(i)) => Some(format!("(band {i})")),
        (MeasureIndex::PitchClass, Some(i)) => Some(
            PITCHES
                .get(i)
                .map_or_else(|| format!("#{i}"), |p| (*p).to_string()),
        ),
        _ => None,
    };
    match shown {
        Some(s) => m.name.replacen("{}", &s, 1),
        None => m.name.replacen(" {}", "", 1).replacen("{}", "", 1),
    }
}

/// A stored value in the measure's units, with the unit (`None` when the scaling has no
/// finite result, e.g. the dB of a silent track).
pub fn display_value(name: &str, stored: f64) -> Option<(f64, &'static str)> {
    if !stored.is_finite() {
        return None;
    }
    let Some(m) = measure_for(name) else {
        return Some((stored, ""));
    };
    let v = match m.scale {
        Scale::Linear => stored,
        Scale::LogSeconds => stored.exp(),
        Scale::AmplitudeDb => 20.0 * stored.log10(),
    };
    v.is_finite().then_some((v, m.unit))
}

/// A value in its unit, as read: "1,150 Hz", "142 BPM", "2.1 s", "3 min", "0.0123".
pub fn format_value(v: f64, unit: &str) -> String {
    if unit == "s" {
        return format_seconds(v);
    }
    let n = format_number(v);
    if unit.is_empty() {
        n
    } else {
        format!("{n} {unit}")
    }
}

/// Three significant digits, thousands separated, a true minus sign: "1,150", "0.0123", "−18.2".
pub fn format_number(v: f64) -> String {
    if !v.is_finite() {
        return "–".to_string();
    }
    if v == 0.0 {
        return "0".to_string();
    }
    let magnitude = v.abs().log10().floor() as i32;
    let decimals = (2 - magnitude).clamp(0, 12) as usize;
    let step = 10f64.powi(magnitude - 2);
    let rounded = if decimals == 0 {
        (v / step).round() * step
    } else {
        v
    };
    let mut text = format!("{:.*}", decimals, rounded.abs());
    if text.contains('.') {
        while text.ends_with('0') {
            text.pop();
        }
        if text.ends_with('.') {
            text.pop();
        }
    }
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i.to_string(), Some(f.to_string())),
        None => (text.clone(), None),
    };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if v < 0.0 && (grouped != "0" || frac.is_some()) {
        "−"
    } else {
        ""
    };
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// A duration as read: "0.35 s", "2.1 s", "45 s", "3 min", "1 h 5 min".
pub fn format_seconds(s: f64) -> String {
    if !s.is_finite() {
        return "–".to_string();
    }
    if s < 10.0 {
        let digits = if s < 1.0 { 2 } else { 1 };
        return format!("{s:.digits$} s");
    }
    if s < 60.0 {
        return format!("{} s", s.round());
    }
    let minutes = (s / 60.0).round() as u64;
    if minutes < 60 {
        return format!("{minutes} min");
    }
    format!("{} h {} min", minutes / 60, minutes % 60)
}

/// One word of a name and the measurement behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WordExplanation {
    /// The word ("dark").
    pub word: String,
    /// The dim behind it (`spectral_centroid_mean_0`).
    pub dim: String,
    /// The readable measure ("spectral centroid"), or the dim's name.
    pub measure: String,
    /// The unit of `value` and `reference` ("" for none).
    pub unit: String,
    /// The group's mean, in `unit`.
    pub value: f64,
    /// The reference mean, in `unit`.
    pub reference: f64,
    /// What the reference is: "library" or "family".
    pub reference_label: String,
    /// (group mean − reference mean) / reference standard deviation, on the stored values.
    pub z: f64,
    /// The whole sentence: "dark — spectral centroid 1,150 Hz (library 2,030 Hz)".
    pub text: String,
}

/// A dim's statistics for one group of tracks, on the stored values.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct DimStat {
    /// Dim name.
    pub dim: String,
    /// (group mean − reference mean) / reference standard deviation.
    pub z: f64,
    /// The group's mean.
    pub mean: f64,
    /// The reference's mean.
    pub reference: f64,
}

/// Words a name may hold that no dim gives: describe's "average" and "empty", and "core" (a
/// playlist that stands out on nothing within its family).
const NOT_DIM_WORDS: [&str; 3] = ["average", "empty", "core"];

/// The words of a name ("bright · fast (2)" → ["bright", "fast"]): the " · "-separated
/// words without a numeric suffix, leaving out the words that are not dim words ("average", "empty", "core").
pub fn name_words(name: &str) -> Vec<String> {
    let name = name.trim();
    let name = match name.rsplit_once(" (") {
        Some((head, tail))
            if tail.ends_with(')') && tail[..tail.len() - 1].parse::<usize>().is_ok() =>
        {
            head
        }
        _ => name,
    };
    name.split(" · ")
        .map(str::trim)
        .filter(|w| !w.is_empty() && !NOT_DIM_WORDS.contains(w))
        .map(str::to_string)
        .collect()
}

/// Explains each word of `words` with the first of `stats` (in the order given: strongest
/// |z| first, as the names were made) whose word it is; words no dim gives are left out.
pub(super) fn explain(
    words: &[String],
    stats: &[DimStat],
    reference_label: &str,
) -> Vec<WordExplanation> {
    words
        .iter()
        .filter_map(|word| {
            let s = stats
                .iter()
                .filter(|s| s.z.is_finite())
                .find(|s| word_for(DIM_WORDS, &s.dim, s.z) == Some(word.as_str()))?;
            explanation(word, s, reference_label)
        })
        .collect()
}

/// One word's explanation (`None` when a value has no finite reading).
pub(super) fn explanation(
    word: &str,
    s: &DimStat,
    reference_label: &str,
) -> Option<WordExplanation> {
    let (value, unit) = display_value(&s.dim, s.mean)?;
    let (reference, _) = display_value(&s.dim, s.reference)?;
    let measure = measure_name(&s.dim);
    let text = format!(
        "{word} — {measure} {} ({reference_label} {})",
        format_value(value, unit),
        format_value(reference, unit)
    );
    Some(WordExplanation {
        word: word.to_string(),
        dim: s.dim.clone(),
        measure,
        unit: unit.to_string(),
        value,
        reference,
        reference_label: reference_label.to_string(),
        z: s.z,
        text,
    })
}

/// Sorts statistics as names are made: largest |z| first, then by dim name.
pub(super) fn sort_stats(stats: &mut [DimStat]) {
    stats.sort_by(|a, b| b.z.abs().total_cmp(&a.z.abs()).then(a.dim.cmp(&b.dim)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(format_number(1148.7), "1,150");
        assert_eq!(format_number(2031.0), "2,030");
        assert_eq!(format_number(142.4), "142");
        assert_eq!(format_number(0.012_345), "0.0123");
        assert_eq!(format_number(2.1), "2.1");
        assert_eq!(format_number(-18.24), "−18.2");
        assert_eq!(format_number(1_234_567.0), "1,230,000");
        assert_eq!(format_number(0.0), "0");
        assert_eq!(format_number(f64::NAN), "–");
        assert_eq!(format_seconds(2.13), "2.1 s");
        assert_eq!(format_seconds(0.354), "0.35 s");
        assert_eq!(format_seconds(181.0), "3 min");
        assert_eq!(format_seconds(3_900.0), "1 h 5 min");
    }

    #[test]
    fn measures_name_dims_and_scale_values() {
        assert_eq!(
            measure_name("spectral_centroid_mean_0"),
            "spectral centroid"
        );
        assert_eq!(measure_name("tempo_bpm"), "tempo");
        assert_eq!(measure_name("mfcc_mean_3"), "MFCC #3");
        assert_eq!(measure_name("mfcc_std_0"), "MFCC #0 variation");
        assert_eq!(measure_name("mfcc_mean"), "MFCC");
        assert_eq!(measure_name("chroma_stft_mean_3"), "chroma D#");
        assert_eq!(
            measure_name("chroma_stft_tuning0_std_0"),
            "chroma C variation (untuned)"
        );
        assert_eq!(
            measure_name("spectral_contrast_mean_2"),
            "spectral contrast (band 2)"
        );
        assert_eq!(measure_name("timbre_cov_2_5"), "timbre_cov_2_5");
        assert_eq!(measure_name("rms_mean_0"), "loudness (RMS)");
        let (v, unit) = display_value("duration_log_s", 2.1f64.ln()).expect("finite");
        assert!((v - 2.1).abs() < 1e-9 && unit == "s");
        let (v, unit) = display_value("rms_mean_0", 0.1).expect("finite");
        assert!((v + 20.0).abs() < 1e-9 && unit == "dBFS");
        assert_eq!(display_value("rms_mean_0", 0.0), None);
        assert_eq!(display_value("mystery", 3.0), Some((3.0, "")));
    }

    #[test]
    fn words_are_explained_by_the_dim_that_gave_them() {
        let stat = |dim: &str, z: f64, mean: f64, reference: f64| DimStat {
            dim: dim.to_string(),
            z,
            mean,
            reference,
        };
        let mut stats = vec![
            stat("tempo_bpm", 1.4, 142.0, 118.0),
            stat("mfcc_mean_7", 3.0, 1.0, 0.0),
            stat("spectral_centroid_mean_0", -1.9, 1148.0, 2031.0),
            stat("spectral_rolloff_mean_0", -2.5, 2000.0, 4000.0),
            stat("duration_log_s", -2.0, 2.1f64.ln(), 180f64.ln()),
        ];
        sort_stats(&mut stats);
        let words = name_words("dark · fast · glossy (2)");
        assert_eq!(words, ["dark", "fast", "glossy"]);
        let e = explain(&words, &stats, "library");
        // "dark" comes from the roll-off (stronger than the centroid); no dim says "glossy".
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].dim, "spectral_rolloff_mean_0");
        assert_eq!(
            e[0].text,
            "dark — spectral roll-off 2,000 Hz (library 4,000 Hz)"
        );
        assert_eq!(e[1].text, "fast — tempo 142 BPM (library 118 BPM)");
        assert!(name_words("average").is_empty());
    }
}
