//! serde_json writes a non-finite `f64` as `null` and refuses to read `null` back as one; the
//! figures that may be NaN (a silhouette of a degenerate split, the inertia of an empty fit)
//! read `null` as NaN, so whatever was saved loads again.

use serde::{Deserialize, Deserializer};

/// Reads an `f64` that serde_json may have written as `null` (NaN or ±inf): `null` is NaN.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

#[cfg(test)]
mod tests {
    use crate::{KSweep, Quality};

    #[test]
    fn non_finite_figures_survive_a_json_round_trip_as_nan() {
        let q = Quality {
            inertia: f64::NAN,
            silhouette: Some(0.25),
            ..Quality::default()
        };
        let text = serde_json::to_string(&q).expect("serialise");
        assert!(text.contains("\"inertia\":null"), "{text}");
        let back: Quality = serde_json::from_str(&text).expect("null reads as NaN");
        assert!(back.inertia.is_nan());
        assert_eq!(back.silhouette, Some(0.25));

        let sweep = r#"{"points":[{"k":2,"inertia":1.5,"silhouette":null,
            "calinski_harabasz":null,"davies_bouldin":0.5,"bic":null}],
            "elbow_k":null,"chosen_k":2,"rule":"silhouette"}"#;
        let s: KSweep = serde_json::from_str(sweep).expect("a sweep with null silhouettes");
        assert!(s.points[0].silhouette.is_nan() && s.points[0].calinski_harabasz.is_nan());
        assert_eq!((s.points[0].inertia, s.chosen_k), (1.5, 2));
    }
}
