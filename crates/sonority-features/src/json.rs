//! The `afx-features/1` JSON document of docs/features.md.

use crate::analyze::SignalAnalysis;
use crate::file::FileAnalysis;
use serde_json::{json, Map, Value};

/// The schema name written in every document.
pub const SCHEMA: &str = "afx-features/1";

/// A JSON number, or `null` for NaN and infinities.
fn num(v: f64) -> Value {
    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
}

fn nums(values: &[f64]) -> Value {
    Value::Array(values.iter().map(|&v| num(v)).collect())
}

/// The document for one analysed signal; `frames` adds the per-frame arrays.
pub fn analysis_to_json(analysis: &SignalAnalysis, frames: bool) -> Value {
    let sr = analysis.sample_rate;
    let mut doc = Map::new();
    doc.insert("schema".into(), json!(SCHEMA));
    doc.insert(
        "signal".into(),
        json!({
            "sr": sr,
            "n_samples": analysis.n_samples,
            "duration_s": num(analysis.n_samples as f64 / f64::from(sr.max(1))),
        }),
    );
    doc.insert("layout".into(), json!("rows_x_frames"));
    if frames {
        let mut f = Map::new();
        for (key, m) in analysis.frames.iter() {
            let rows: Vec<Value> = m
                .iter_rows()
                .map(|r| Value::Array(r.iter().map(|&v| num(f64::from(v))).collect()))
                .collect();
            f.insert(key.into(), Value::Array(rows));
        }
        doc.insert("frames".into(), Value::Object(f));
    }
    let s = &analysis.summary;
    let mut summary = Map::new();
    for (key, stats) in &s.stats {
        summary.insert(
            key.clone(),
            json!({"mean": nums(&stats.mean), "std": nums(&stats.std)}),
        );
    }
    summary.insert(
        "timbre".into(),
        json!({
            "mean": nums(&s.timbre.mean),
            "cov_upper": s.timbre.cov_upper.as_deref().map_or(Value::Null, nums),
        }),
    );
    summary.insert("tempo".into(), json!({"bpm": num(s.tempo_bpm)}));
    summary.insert("tuning".into(), num(s.tuning));
    doc.insert("summary".into(), Value::Object(summary));
    Value::Object(doc)
}

/// The document of one analysed file, as `sonority features --json` prints it: the
/// [`analysis_to_json`] document plus `file` (the path as given), `source` (what the file holds
/// and which decoder read it) and `warnings` (messages of problems that did not stop the
/// analysis).
pub fn file_analysis_to_json(a: &FileAnalysis, frames: bool) -> Value {
    let mut doc = analysis_to_json(&a.analysis, frames);
    if let Value::Object(map) = &mut doc {
        map.insert("file".into(), json!(a.path.display().to_string()));
        map.insert(
            "source".into(),
            json!({
                "sr": a.source.sample_rate,
                "channels": a.source.channels,
                "codec": a.source.codec,
                "decoder": a.source.decoder.as_str(),
                "n_frames": a.source.n_frames,
                "duration_s": a.source.duration_s,
            }),
        );
        map.insert(
            "warnings".into(),
            json!(a
                .warnings
                .iter()
                .map(|w| w.message.clone())
                .collect::<Vec<_>>()),
        );
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{analyze_signal, FeatureConfig};

    #[test]
    fn document_has_the_spec_layout() {
        let a = analyze_signal(&[0.0; 4000], 22050, &FeatureConfig::default()).expect("ok");
        let doc = analysis_to_json(&a, true);
        assert_eq!(doc["schema"], "afx-features/1");
        assert_eq!(doc["signal"]["n_samples"], 4000);
        assert_eq!(doc["frames"]["mfcc"].as_array().map(Vec::len), Some(20));
        assert_eq!(
            doc["summary"]["timbre"]["cov_upper"]
                .as_array()
                .map(Vec::len),
            Some(78)
        );
        assert!(doc["summary"]["tempo"]["bpm"].is_number());
        let no_frames = analysis_to_json(&a, false);
        assert!(no_frames.get("frames").is_none());
    }

    #[test]
    fn non_finite_numbers_become_null() {
        assert_eq!(num(f64::NAN), Value::Null);
        assert_eq!(num(f64::INFINITY), Value::Null);
    }
}
