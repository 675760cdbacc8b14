//! The report's colours: a palette that stays distinct for most eyes, hues beyond it, and
//! shades of a family's colour for its playlists.

/// The noise pseudo-cluster's colour.
pub(super) const NOISE_COLOR: &str = "#9aa0a6";

/// Twelve colours that stay distinct for most eyes (Tableau 10 and two more); further
/// clusters take hues spaced by the golden angle.
const PALETTE: [&str; 12] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#2f4b7c", "#bcbd22", "#17becf",
];

/// The colour of the `i`-th cluster.
pub(super) fn cluster_color(i: usize) -> String {
    if let Some(c) = PALETTE.get(i) {
        return (*c).to_string();
    }
    let hue = (i as f64 * 137.507_764) % 360.0;
    let (r, g, b) = hsl_to_rgb(hue, 0.55, 0.5);
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// The `j`-th of `n` shades of `hex`: the same hue, lightness spread from dark to light.
pub(super) fn shade(hex: &str, j: usize, n: usize) -> String {
    if n <= 1 {
        return hex.to_string();
    }
    let channel = |i: usize| {
        hex.get(i..i + 2)
            .and_then(|s| u8::from_str_radix(s, 16).ok())
            .map_or(0.5, |v| f64::from(v) / 255.0)
    };
    let (r, g, b) = (channel(1), channel(3), channel(5));
    let (max, min) = (r.max(g).max(b), r.min(g).min(b));
    let l = (max + min) / 2.0;
    let d = max - min;
    let s = if d == 0.0 {
        0.0
    } else {
        d / (1.0 - (2.0 * l - 1.0).abs())
    };
    let h = if d == 0.0 {
        0.0
    } else if max == r {
        60.0 * ((g - b) / d).rem_euclid(6.0)
    } else if max == g {
        60.0 * ((b - r) / d + 2.0)
    } else {
        60.0 * ((r - g) / d + 4.0)
    };
    let t = j as f64 / (n - 1) as f64;
    let (r, g, b) = hsl_to_rgb(h, s.clamp(0.35, 0.85), 0.30 + 0.42 * t);
    format!("#{r:02x}{g:02x}{b:02x}")
}

fn hsl_to_rgb(h: f64, s: f64, l: f64) -> (u8, u8, u8) {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let hp = h / 60.0;
    let x = c * (1.0 - (hp % 2.0 - 1.0).abs());
    let (r, g, b) = match hp as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = l - c / 2.0;
    let to = |v: f64| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    (to(r), to(g), to(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_distinct_beyond_the_palette() {
        let colours: Vec<String> = (0..40).map(cluster_color).collect();
        let mut unique = colours.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), colours.len());
        assert!(colours.iter().all(|c| c.len() == 7 && c.starts_with('#')));
    }
}
