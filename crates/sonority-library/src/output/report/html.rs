//! The page: a fixed HTML skeleton, the CSS and script from `assets/`, and the data as one
//! JSON blob that no string can break out of.

use super::data::ReportData;
use crate::error::{LibraryError, Result};
use sha2::{Digest, Sha256};

const CSS: &str = include_str!("assets/report.css");
const JS: &str = include_str!("assets/report.js");

/// The page's Content-Security-Policy; `{script}` stands for the script's
/// `'sha256-…'` source. See the [module documentation](super) for why each directive is
/// what it is.
pub const CONTENT_SECURITY_POLICY_TEMPLATE: &str = "default-src 'none'; script-src {script}; \
     style-src 'unsafe-inline'; img-src data:; media-src 'self' file: blob: data:; \
     base-uri 'none'; form-action 'none'";

/// Renders the report page: one self-contained HTML document.
pub fn render_html(data: &ReportData) -> Result<String> {
    let json = serde_json::to_string(data).map_err(|source| LibraryError::Serialize {
        what: "report data",
        source,
    })?;
    let json = escape_json_for_script(&json);
    let csp = CONTENT_SECURITY_POLICY_TEMPLATE.replace("{script}", &script_hash(JS));
    let title = escape_html(&data.title);
    let mut out = String::with_capacity(json.len() + CSS.len() + JS.len() + 4096);
    out.push_str(&format!(
        r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="sonority {version}">
<title>{title}</title>
<link rel="icon" href="data:,">
<style>
{CSS}</style>
</head>
<body>
<header class="top">
<h1 id="title">{title}</h1>
<p id="subtitle"></p>
<nav class="sections" aria-label="Sections">
<a id="nav-map-section" href="#map-section">Map</a>
<a id="nav-heatmap-section" href="#heatmap-section">Cluster profiles</a>
<a id="nav-sweep-section" href="#sweep-section">Choosing k</a>
<a id="nav-clusters-section" href="#clusters-section">Clusters</a>
<a id="nav-genres-section" href="#genres-section">Genres</a>
<a id="nav-artists-section" href="#artists-section">Artists</a>
<a id="nav-run-section" href="#run-section">Run and quality</a>
</nav>
</header>
<div class="player" id="player">
<button type="button" id="prev" class="icon" title="Previous track" aria-label="Previous track"><svg viewBox="0 0 16 16" aria-hidden="true"><path d="M3 2h2v12H3zM14 2v12L6 8z"/></svg></button>
<button type="button" id="next" class="icon" title="Next track" aria-label="Next track"><svg viewBox="0 0 16 16" aria-hidden="true"><path d="M11 2h2v12h-2zM2 2v12l8-6z"/></svg></button>
<div class="now"><span class="swatch" id="now-swatch" hidden></span><span class="now-text" id="now-text">Click a point on the map or a track to listen.</span></div>
<audio id="audio" controls preload="none"></audio>
<div class="status" id="status" role="status"></div>
</div>
<main>
<noscript><p>This report draws its map and charts with JavaScript: please allow scripts for this file.</p></noscript>
<section class="block" id="map-section">
<h2>Map of the tracks</h2>
<p class="hint">Each point is a track (map: <span id="map-method"></span>), <span id="map-colouring">coloured by cluster: nearby points sound alike. Hover to see a track, click to play it; click a cluster below to show it alone.</span></p>
<div class="map-wrap"><canvas id="map" aria-label="Map of the tracks, coloured by cluster"></canvas><div id="tooltip" role="tooltip" hidden></div></div>
<div class="axis-label"><span id="axis-y"></span><span id="axis-x"></span></div>
<div class="legend" id="legend"></div>
</section>
<section class="block" id="heatmap-section">
<h2>Cluster profiles</h2>
<p class="hint">How far each cluster's average stands from the library's, in standard deviations, on the features that tell the clusters apart most: red above average, blue below.</p>
<div class="scroll-x" id="heatmap"></div>
</section>
<section class="block" id="sweep-section">
<h2>Choosing k</h2>
<p class="hint">The number of clusters tried, and how well each number fits. <span id="sweep-rule"></span></p>
<div id="sweep" class="scroll-x"></div>
</section>
<section class="block" id="clusters-section">
<h2 id="clusters-title">Clusters</h2>
<p class="hint" id="clusters-hint">Tracks are listed nearest the cluster's centre first; “Play all” plays them in that order.</p>
<div class="cards" id="cards"></div>
</section>
<section class="block" id="genres-section">
<h2 id="genres-title">Clusters and genres</h2>
<p class="hint" id="genres-hint">Tracks per genre tag in each cluster.</p>
<div class="scroll-x" id="genres"></div>
</section>
<section class="block" id="artists-section">
<h2>Artists that sound alike</h2>
<p class="hint">For the artists with the most tracks, the artists whose tracks sound most like theirs: the mean distance between one track of each, over every pair, in the clustering's feature space (smaller is closer; an artist with more than 64 tracks is compared through 64 of them).</p>
<div class="scroll-x" id="artists"></div>
</section>
<section class="block" id="run-section">
<h2>Run and quality</h2>
<div id="run"></div>
</section>
</main>
<script id="report-data" type="application/json">"##,
        version = env!("CARGO_PKG_VERSION"),
    ));
    out.push_str(&json);
    out.push_str("</script>\n<script>");
    out.push_str(JS);
    out.push_str("</script>\n</body>\n</html>\n");
    Ok(out)
}

/// Escapes JSON for a `<script>` element: `<`, `>` and `&` (which only occur inside strings)
/// become `\u003c`, `\u003e` and `\u0026`, so no `</script>` or `<!--` can appear, and U+2028
/// and U+2029 become `\u2028` and `\u2029` for old JavaScript parsers.
pub(super) fn escape_json_for_script(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for HTML content and attribute values.
pub(super) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The CSP source that allows exactly this inline script: `'sha256-<base64>'`.
fn script_hash(script: &str) -> String {
    format!("'sha256-{}'", base64(&Sha256::digest(script.as_bytes())))
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_cannot_close_the_script_element() {
        let v = serde_json::json!({"title": "</script><script>alert(1)</script>&<!--\u{2028}"});
        let s = escape_json_for_script(&v.to_string());
        assert!(!s.contains('<') && !s.contains('>') && !s.contains('&'));
        assert!(!s.contains('\u{2028}'));
        let back: serde_json::Value = serde_json::from_str(&s).expect("still JSON");
        assert_eq!(back, v);
    }

    #[test]
    fn assets_cannot_close_their_elements() {
        assert!(!JS.to_ascii_lowercase().contains("</script"));
        assert!(!CSS.to_ascii_lowercase().contains("</style"));
        assert!(
            !JS.contains("innerHTML"),
            "data must go in with textContent"
        );
    }

    #[test]
    fn html_escaping() {
        assert_eq!(
            escape_html(r#"<b a="x">'&'"#),
            "&lt;b a=&quot;x&quot;&gt;&#39;&amp;&#39;"
        );
    }

    #[test]
    fn base64_and_hash_match_known_values() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        // echo -n "alert(1)" | openssl dgst -sha256 -binary | base64
        assert_eq!(
            script_hash("alert(1)"),
            "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"
        );
    }
}
