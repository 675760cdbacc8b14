//! The HTML report, end to end: a small library made from the fixtures (one track titled
//! `<script>alert(1)</script>`), analysed and clustered into a temporary store, its report
//! built, then opened in Debian's headless Chromium through chromedriver (the W3C WebDriver
//! protocol over plain HTTP): no console error, one point per track, a real click on a point
//! plays that very track, the hostile title stays text. A screenshot goes to
//! `<target>/report-screenshot.png`. A second test times a 20,000-track report.
//!
//! Without `chromium` and `chromedriver` (`scripts/setup.sh --test` installs them) the browser
//! parts are skipped with a notice; everything else still runs. Under `CI=true` a missing
//! browser fails the test instead.

mod common;

use lofty::config::WriteOptions;
use lofty::prelude::*;
use lofty::tag::Tag;
use serde_json::{json, Value};
use sonority_library::output::report::{
    build_report, name_words, render_html, write_svgs, GenreCount, GenreRow, GenreTable, Heatmap,
    MapInfo, MapProjection, QualityInfo, ReportCluster, ReportData, ReportOptions, ReportTrack,
    RunInfo, SweepInfo, SweepPoint, TopFeature,
};
use sonority_library::{
    cluster_library, organize, Algorithm, ClusterOptions, FamilyCount, KChoice, LibraryError,
    OrganizeOptions, Store,
};
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const HOSTILE_TITLE: &str = "<script>alert(1)</script>";
const HOSTILE_ARTIST: &str = "<img src=x onerror=\"window.pwned=1\">";

/// One browser at a time: the machine has two cores.
static BROWSER: Mutex<()> = Mutex::new(());

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// Where cargo puts build output (`target/`, or `$CARGO_TARGET_DIR`).
fn target_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).to_path_buf()
}

fn set_tags(path: &Path, title: Option<&str>, artist: &str, genre: &str) {
    let mut tagged = lofty::read_from_path(path).expect("lofty reads the fixture");
    if tagged.primary_tag().is_none() {
        let kind = tagged.primary_tag_type();
        tagged.insert_tag(Tag::new(kind));
    }
    let tag = tagged.primary_tag_mut().expect("a tag");
    if let Some(t) = title {
        tag.set_title(t.to_string());
    }
    tag.set_artist(artist.to_string());
    tag.set_genre(genre.to_string());
    tagged
        .save_to_path(path, WriteOptions::default())
        .expect("lofty writes the tags");
}

/// The fixture library: the real `.ogg` recordings and the synthetic `.wav` signals, tagged.
struct Library {
    dir: tempfile::TempDir,
    store: Store,
}

fn library() -> Library {
    let dir = tempfile::tempdir().expect("temp dir");
    let music = dir.path().join("music");
    for (sub, ext) in [("real", "ogg"), ("synthetic", "wav")] {
        // A folder name that needs percent-encoding in a URL.
        let to = music.join(if sub == "real" { "real #1" } else { sub });
        std::fs::create_dir_all(&to).expect("mkdir");
        let mut names: Vec<PathBuf> = std::fs::read_dir(fixtures().join(sub))
            .expect("fixtures")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().and_then(|e| e.to_str()) == Some(ext))
            .collect();
        names.sort();
        for from in names {
            let name = from.file_name().expect("name").to_owned();
            let target = to.join(&name);
            std::fs::copy(&from, &target).expect("copy fixture");
            let stem = name.to_string_lossy().to_string();
            let genre = stem.split('_').next().unwrap_or("test").to_string();
            if stem.starts_with("chord_cmaj_22k") {
                set_tags(&target, Some(HOSTILE_TITLE), HOSTILE_ARTIST, "Test signal");
            } else if sub == "real" {
                let genre = format!("{}{}", genre[..1].to_uppercase(), &genre[1..]);
                set_tags(&target, None, "Fixture Band", &genre);
            } else {
                set_tags(&target, None, "Signal Generator", "Test signal; Noise");
            }
        }
    }
    let mut store = Store::open(&dir.path().join("library.db")).expect("store");
    let cancel = AtomicBool::new(false);
    let options = OrganizeOptions {
        cluster: ClusterOptions {
            algorithm: Algorithm::Kmeans,
            k: KChoice::Auto,
            // The groups of the default selection, without the 230 timbre dims (their PCA is
            // slow) and the duration.
            groups: [
                "mfcc", "spectral", "contrast", "chroma", "rms", "zcr", "rhythm",
            ]
            .map(String::from)
            .to_vec(),
            ..ClusterOptions::default()
        },
        ..OrganizeOptions::default()
    };
    // What `sonority organize --algorithm kmeans` does: analyse, sweep k (2 to 3 for these
    // 14 tracks: at most the square root of their number), fit k-means with the k of the
    // best silhouette (3), project with PCA, save, write the playlists.
    organize(&mut store, &music, &options, &mut |_| {}, &cancel).expect("organize");
    Library { dir, store }
}

/// The JSON blob of a report page.
fn embedded_data(html: &str) -> ReportData {
    let start_tag = r#"<script id="report-data" type="application/json">"#;
    let start = html.find(start_tag).expect("data element") + start_tag.len();
    let end = start + html[start..].find("</script>").expect("end of data");
    serde_json::from_str(&html[start..end]).expect("report JSON")
}

fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| char::from(c).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

#[test]
fn report_without_clustering_says_what_to_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open_in_memory().expect("store");
    let err = build_report(
        &store,
        &dir.path().join("r.html"),
        &ReportOptions::default(),
    )
    .expect_err("no clustering");
    assert!(matches!(err, LibraryError::NoClustering), "{err:?}");
    assert!(err.to_string().contains("sonority organize"), "{err}");
    assert!(!dir.path().join("r.html").exists());
}

/// A database saved before clusterings had families: the latest clustering saved again
/// without them (k-means groups its clusters into families too now).
fn save_without_families(store: &mut Store) {
    let mut data = store
        .latest_clustering()
        .expect("db")
        .expect("clustering")
        .data;
    data.families.clear();
    for c in &mut data.clusters {
        c.family_id = None;
    }
    store.save_clustering(&data).expect("save clustering");
}

#[test]
fn report_of_the_fixture_library() {
    let mut lib = library();
    save_without_families(&mut lib.store);
    let out_dir = lib.dir.path().join("reports");
    std::fs::create_dir_all(&out_dir).expect("mkdir");
    let out = out_dir.join("report.html");
    let summary = build_report(&lib.store, &out, &ReportOptions::default()).expect("report");
    let html = std::fs::read_to_string(&out).expect("read report");
    let clustering = lib
        .store
        .latest_clustering()
        .expect("db")
        .expect("clustering");
    let assigned = clustering.data.assignments.len();
    assert!(assigned >= 10, "only {assigned} tracks were clustered");
    assert_eq!(summary.tracks, assigned);
    assert_eq!(summary.clusters, 3);
    assert_eq!(summary.bytes, html.len() as u64);

    // Self-contained, no network, nothing hostile in the markup.
    assert!(html.contains("Content-Security-Policy"));
    assert!(html.contains("default-src 'none'"));
    for needle in ["https:", "http://", "//cdn", "@import", "url("] {
        let hits: Vec<_> = html
            .match_indices(needle)
            .map(|(i, _)| &html[i.saturating_sub(20)..(i + 40).min(html.len())])
            .filter(|ctx| !ctx.contains("http://www.w3.org/2000/svg"))
            .collect();
        assert!(hits.is_empty(), "{needle} in the report: {hits:?}");
    }
    assert!(!html.contains(HOSTILE_TITLE));
    assert!(!html.contains("<img src=x"));
    assert!(html.contains(r"\u003cscript\u003ealert(1)\u003c/script\u003e"));
    assert_eq!(html.matches("<script").count(), 2, "the data and the code");

    // The data: one track per assignment, audio linked relative to the report.
    let data = embedded_data(&html);
    assert_eq!(data.tracks.len(), assigned);
    assert!(data.tracks.iter().any(|t| t.title == HOSTILE_TITLE));
    for t in &data.tracks {
        assert!(t.src.starts_with("../music/"), "{}", t.src);
        let path = out_dir.join(String::from_utf8(percent_decode(&t.src)).expect("utf-8"));
        assert!(path.exists(), "{} -> {}", t.src, path.display());
        assert!((0.0..=1.0).contains(&t.x) && (0.0..=1.0).contains(&t.y));
    }
    assert!(data.tracks.iter().any(|t| t.src.contains("real%20%231/")));
    let heatmap = data.heatmap.as_ref().expect("heatmap");
    assert_eq!(heatmap.rows.len(), 3);
    assert!(!heatmap.dims.is_empty() && heatmap.dims.len() <= 16);
    let sweep = data.sweep.as_ref().expect("sweep");
    assert_eq!(sweep.points.first().map(|p| p.k), Some(2));
    assert!(data.quality.as_ref().and_then(|q| q.silhouette).is_some());
    let genres = data.genres.as_ref().expect("genre table");
    assert!(genres.genres.iter().any(|g| g == "Test signal"));
    // One genre per track, the first listed: "Test signal; Noise" counts as "Test signal".
    assert!(
        !genres.genres.iter().any(|g| g == "Noise"),
        "{:?}",
        genres.genres
    );
    // The same rule as `sonority evaluate`: the same tracks labelled and unlabelled.
    let evaluation = sonority_library::evaluate(
        &sonority_library::LatestClustering::load(&lib.store).expect("latest"),
        &sonority_library::LabelSource::GenreTags,
    )
    .expect("evaluate");
    let labelled: usize = genres
        .rows
        .iter()
        .map(|r| r.counts.iter().sum::<usize>() + r.other)
        .sum();
    let untagged: usize = genres.rows.iter().map(|r| r.untagged).sum();
    assert_eq!(labelled, evaluation.labelled);
    assert_eq!(untagged, evaluation.unlabelled);
    assert!(data.clusters.iter().all(|c| !c.top.is_empty()));
    let in_cards: usize = data.clusters.iter().map(|c| c.tracks.len()).sum();
    assert_eq!(in_cards, assigned);
    // Saved without families (as older databases): no family cards, clusters as before.
    assert!(data.families.is_empty() && data.family_genres.is_none());
    assert!(data.clusters.iter().all(|c| c.family.is_none()));

    // --absolute links by file:// URL.
    let abs = out_dir.join("absolute.html");
    let opts = ReportOptions {
        absolute_paths: true,
        ..ReportOptions::default()
    };
    build_report(&lib.store, &abs, &opts).expect("absolute report");
    let abs_data = embedded_data(&std::fs::read_to_string(&abs).expect("read"));
    assert!(abs_data
        .tracks
        .iter()
        .all(|t| t.src.starts_with("file:///")));
    // The other projections.
    for (projection, method) in [(MapProjection::Pca, "PCA"), (MapProjection::Tsne, "t-SNE")] {
        let opts = ReportOptions {
            projection,
            ..ReportOptions::default()
        };
        let other = build_report(&lib.store, &out_dir.join("other.html"), &opts).expect("report");
        assert_eq!(other.map_method, method, "{:?}", other.notes);
        let other = embedded_data(&std::fs::read_to_string(&other.path).expect("read"));
        assert!(other
            .map
            .x_label
            .starts_with(if method == "PCA" { "PC 1" } else { "t-SNE 1" }));
        let spread = |f: fn(&ReportTrack) -> f64| {
            let v: Vec<f64> = other.tracks.iter().map(f).collect();
            v.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
                - v.iter().cloned().fold(f64::INFINITY, f64::min)
        };
        assert_eq!((spread(|t| t.x), spread(|t| t.y)), (1.0, 1.0));
    }
    std::fs::remove_file(out_dir.join("other.html")).expect("rm");
    // No temporary file is left behind.
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .expect("list")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    names.sort();
    assert_eq!(names, ["absolute.html", "report.html"]);

    // The pictures.
    let svg_dir = lib.dir.path().join("pictures");
    let pictures = write_svgs(&lib.store, &svg_dir, &ReportOptions::default()).expect("svgs");
    let names: Vec<String> = pictures
        .files
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    assert_eq!(names, ["map.svg", "heatmap.svg", "k_sweep.svg"]);
    for p in &pictures.files {
        let svg = std::fs::read_to_string(p).expect("svg");
        assert!(
            svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{}",
            p.display()
        );
        assert!(svg.matches("<circle").count() >= 3 || svg.contains("<rect"));
    }
    let map = std::fs::read_to_string(svg_dir.join("map.svg")).expect("map");
    assert!(map.matches("<circle").count() >= assigned);
    assert!(pictures.skipped.iter().any(|s| s.starts_with("PNG")));
    if let Ok(keep) = std::env::var("SONORITY_KEEP_REPORT") {
        let keep = PathBuf::from(keep);
        let _ = std::fs::create_dir_all(&keep);
        for p in pictures.files.iter().chain([&out]) {
            if let Some(name) = p.file_name() {
                let _ = std::fs::copy(p, keep.join(name));
            }
        }
    }

    // In the browser.
    let Some(driver) = Driver::start() else {
        return;
    };
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let profile = tempfile::tempdir().expect("profile dir");
    let s = driver.session(profile.path(), 1280, 900);
    s.navigate(&file_url(&out));
    s.wait_for("return !!(window.sonorityReport && window.sonorityReport.paintedMs)");
    let state = s.execute(
        "const r = window.sonorityReport; return {points: r.pointsDrawn, tracks: r.trackCount, \
         errors: r.errors, ready: r.readyMs, scripts: document.querySelectorAll('script').length, \
         pwned: !!window.pwned};",
    );
    assert_eq!(state["tracks"], json!(assigned), "{state}");
    assert_eq!(
        state["points"],
        json!(assigned),
        "one point per track: {state}"
    );
    assert_eq!(state["errors"], json!([]), "{state}");
    assert_eq!(state["scripts"], json!(2), "{state}");
    println!("fixture report interactive after {} ms", state["ready"]);
    // Without families the legend and the cards are the clusters' (as before families).
    let flat = s.execute(
        "return {legend: document.querySelectorAll('#legend button[data-cluster]').length,
                 familyButtons: document.querySelectorAll('#legend button[data-family]').length,
                 cards: document.querySelectorAll('#cards > .card').length,
                 families: document.querySelectorAll('.family').length};",
    );
    assert_eq!(
        flat,
        json!({"legend": 3, "familyButtons": 0, "cards": 3, "families": 0}),
        "{flat}"
    );

    // A real click on the most isolated point plays that track.
    s.execute(
        "document.getElementById('map').scrollIntoView({block: 'center', behavior: 'instant'});",
    );
    let target = s.execute(
        "const r = window.sonorityReport, n = r.trackCount; let best = -1, far = -1;
         const pts = []; for (let i = 0; i < n; i++) pts.push(r.pointOnScreen(i));
         for (let i = 0; i < n; i++) { let d = 1e9;
           for (let j = 0; j < n; j++) if (j !== i) d = Math.min(d, Math.hypot(pts[i].x - pts[j].x, pts[i].y - pts[j].y));
           const e = document.elementFromPoint(pts[i].x, pts[i].y);
           if (e && e.id === 'map' && d > far) { far = d; best = i; } }
         const data = JSON.parse(document.getElementById('report-data').textContent);
         return {i: best, x: pts[best].x, y: pts[best].y, id: data.tracks[best].id,
                 src: data.tracks[best].src, gap: far};",
    );
    let (x, y) = (coord(&target["x"]), coord(&target["y"]));
    s.pointer(&[("move", x, y)]);
    let tooltip = s.execute(
        "const t = document.getElementById('tooltip'); return {hidden: t.hidden, text: t.textContent};",
    );
    assert_eq!(
        tooltip["hidden"],
        json!(false),
        "hover shows a tooltip: {tooltip}"
    );
    s.pointer(&[("move", x, y), ("down", x, y), ("up", x, y)]);
    s.wait_for("return window.sonorityReport.current !== null");
    let played = s.execute(
        "const a = document.getElementById('audio'), r = window.sonorityReport;
         return {attr: a.getAttribute('src'), url: a.src, current: r.current,
                 intent: r.playingIntent, now: document.getElementById('now-text').textContent};",
    );
    assert_eq!(
        played["current"],
        target["i"],
        "{played} {target} {} {:?}",
        s.execute("return window.sonorityReport.errors"),
        s.logs()
    );
    assert_eq!(played["attr"], target["src"], "relative src: {played}");
    assert_eq!(played["intent"], json!(true), "{played}");
    let id = target["id"].as_i64().expect("track id");
    let expected = lib.store.track(id).expect("db").expect("track").path;
    let url = played["url"].as_str().expect("url");
    let played_path = PathBuf::from(
        String::from_utf8(percent_decode(url.trim_start_matches("file://"))).expect("utf-8"),
    );
    assert_eq!(played_path, expected, "the clicked track plays");
    // Whether the audio really runs depends on the machine's audio output: report it.
    let t0 = Instant::now();
    let mut media = Value::Null;
    while t0.elapsed() < Duration::from_secs(5) {
        media = s.execute(
            "const a = document.getElementById('audio'), r = window.sonorityReport;
             return {paused: a.paused, time: a.currentTime, error: r.playError, playing: r.playing,
                     state: a.readyState};",
        );
        if media["time"].as_f64().unwrap_or(0.0) > 0.2 || !media["error"].is_null() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    println!("audio after the click: {media}");
    assert!(
        media["error"].is_null() || media["error"] == json!("NotAllowedError"),
        "the clicked track cannot be played: {media}"
    );

    // The hostile track: play it through its card and see its title as text.
    let hostile = data
        .tracks
        .iter()
        .position(|t| t.title == HOSTILE_TITLE)
        .expect("hostile track");
    let card = data.tracks[hostile].cluster;
    let shown = s.execute(&format!(
        "const d = document.querySelector('#cluster-{card} details'); d.open = true;
         return new Promise(done => setTimeout(() => {{
           const li = document.querySelector('#cluster-{card} li[data-track=\"{hostile}\"]');
           li.querySelector('button').click();
           done({{row: li.textContent, now: document.getElementById('now-text').textContent,
                 html: document.getElementById('now-text').innerHTML,
                 scripts: document.querySelectorAll('script').length,
                 imgs: document.querySelectorAll('img').length, pwned: !!window.pwned}});
         }}, 50));"
    ));
    let row = shown["row"].as_str().unwrap_or_default();
    assert!(
        row.contains(HOSTILE_TITLE) && row.contains(HOSTILE_ARTIST),
        "{shown}"
    );
    assert!(
        shown["now"]
            .as_str()
            .unwrap_or_default()
            .contains(HOSTILE_TITLE),
        "{shown}"
    );
    assert!(shown["html"]
        .as_str()
        .unwrap_or_default()
        .contains("&lt;script&gt;"));
    assert_eq!(shown["scripts"], json!(2), "{shown}");
    assert_eq!(shown["imgs"], json!(0), "{shown}");
    assert_eq!(shown["pwned"], json!(false), "{shown}");
    assert!(s.alert_open().is_none(), "an alert opened");

    // No console error (CSP violations, script errors, failed loads) at any point.
    let severe: Vec<Value> = s
        .logs()
        .into_iter()
        .filter(|l| l["level"] == json!("SEVERE"))
        .collect();
    assert!(severe.is_empty(), "console errors: {severe:?}");

    s.execute("window.scrollTo({top: 0, behavior: 'instant'});");
    let shot = target_dir().join("report-screenshot.png");
    std::fs::write(&shot, s.screenshot_full_page()).expect("write screenshot");
    println!("screenshot: {}", shot.display());
    // The same page in dark mode, for a person to look at.
    if s.dark_mode() {
        s.navigate(&file_url(&out));
        s.wait_for("return !!(window.sonorityReport && window.sonorityReport.paintedMs)");
        let dark = target_dir().join("report-screenshot-dark.png");
        std::fs::write(&dark, s.screenshot_full_page()).expect("write screenshot");
        println!("screenshot (dark): {}", dark.display());
    }
}

/// The fixture library organized as `sonority organize` does by default (playlists grouped
/// into families; 4 playlists in 2 families fixed, the library being small): one family card
/// per family holding its playlists, every word of every name explained with finite values,
/// the family × genre table, the artists that sound alike; then in Chromium the family legend
/// and the family cards, and a click on the map still plays.
#[test]
fn report_of_an_organized_library_follows_the_families() {
    let mut lib = library();
    let options = ClusterOptions {
        k: KChoice::Fixed(4),
        families: FamilyCount::Fixed(2),
        recluster: true,
        ..ClusterOptions::default()
    };
    let outcome = cluster_library(&mut lib.store, &options).expect("organize");
    assert_eq!(outcome.data.algorithm, "hierarchical");
    let out = lib.dir.path().join("reports").join("families.html");
    let summary = build_report(&lib.store, &out, &ReportOptions::default()).expect("report");
    let html = std::fs::read_to_string(&out).expect("read report");
    let data = embedded_data(&html);
    assert_eq!(summary.tracks, outcome.data.assignments.len());

    // One family card per family of the clustering, each with its playlists.
    let mut family_ids: Vec<i64> = outcome
        .data
        .clusters
        .iter()
        .filter_map(|c| c.family_id)
        .collect();
    family_ids.sort_unstable();
    family_ids.dedup();
    assert_eq!(family_ids.len(), 2, "{:?}", outcome.data.families);
    let ids: Vec<i64> = data.families.iter().map(|f| f.id).collect();
    assert_eq!(ids, family_ids);
    let mut seen = Vec::new();
    for (fi, f) in data.families.iter().enumerate() {
        assert!(!f.clusters.is_empty(), "{f:?}");
        let saved = outcome
            .data
            .families
            .iter()
            .find(|r| r.family_id == f.id)
            .expect("saved family");
        assert_eq!(Some(&f.name), saved.name.as_ref());
        let mut expected: Vec<i64> = outcome
            .data
            .clusters
            .iter()
            .filter(|c| c.family_id == Some(f.id))
            .map(|c| c.cluster_id)
            .collect();
        expected.sort_unstable();
        let got: Vec<i64> = f.clusters.iter().map(|&c| data.clusters[c].id).collect();
        assert_eq!(got, expected, "playlists of {}", f.name);
        assert_eq!(
            f.size,
            f.clusters
                .iter()
                .map(|&c| data.clusters[c].size)
                .sum::<usize>()
        );
        assert!(f.duration_s > 0.0 && f.duration_s.is_finite());
        // Every word of the family's name explained, with finite values.
        let words: Vec<String> = f.words.iter().map(|w| w.word.clone()).collect();
        assert_eq!(words, name_words(&f.name), "{:?}", f.words);
        for w in &f.words {
            assert!(
                w.value.is_finite() && w.reference.is_finite() && w.z.is_finite(),
                "{w:?}"
            );
            assert_eq!(w.reference_label, "library");
            assert!(w.text.starts_with(&format!("{} — ", w.word)), "{}", w.text);
            assert!(w.text.contains("(library "), "{}", w.text);
        }
        for &c in &f.clusters {
            let card = &data.clusters[c];
            assert_eq!(card.family, Some(fi));
            seen.push(c);
            // A playlist's own words, explained against its family.
            if let Some(own) = &card.own_name {
                assert_eq!(card.name, format!("{} / {own}", f.name));
                let words: Vec<String> = card.words.iter().map(|w| w.word.clone()).collect();
                assert_eq!(words, name_words(own), "{:?}", card.words);
                for w in &card.words {
                    assert!(w.value.is_finite() && w.reference.is_finite(), "{w:?}");
                    assert_eq!(w.reference_label, "family");
                }
            } else {
                assert_eq!(card.name, f.name, "a playlist alone in its family");
            }
        }
    }
    assert!(
        data.families.iter().any(|f| !f.words.is_empty()),
        "some family name has words: {:?}",
        data.families
    );
    seen.sort_unstable();
    let real: Vec<usize> = (0..data.clusters.len())
        .filter(|&c| !data.clusters[c].noise)
        .collect();
    assert_eq!(seen, real, "every playlist in exactly one family");
    // Playlists are shades of their family's colour: distinct within a family.
    for f in &data.families {
        let mut colours: Vec<&str> = f
            .clusters
            .iter()
            .map(|&c| data.clusters[c].color.as_str())
            .collect();
        colours.sort_unstable();
        colours.dedup();
        assert_eq!(colours.len(), f.clusters.len());
    }
    // Family × genre table: the same genres as the cluster table, every track counted once.
    let genres = data.genres.as_ref().expect("genre table");
    let fg = data.family_genres.as_ref().expect("family × genre table");
    assert_eq!(fg.genres, genres.genres);
    assert_eq!(fg.rows.len(), data.families.len());
    for row in &fg.rows {
        let f = &data.families[row.family];
        let from_clusters: Vec<usize> = (0..genres.genres.len())
            .map(|g| f.clusters.iter().map(|&c| genres.rows[c].counts[g]).sum())
            .collect();
        assert_eq!(row.counts, from_clusters);
    }
    // Artists that sound alike: the two artists with two tracks or more, nearest first.
    let artists = data.artists.as_ref().expect("artists section");
    let names: Vec<&str> = artists.iter().map(|a| a.artist.as_str()).collect();
    assert_eq!(names, ["Signal Generator", "Fixture Band"], "{artists:?}");
    for a in artists {
        assert_eq!(a.similar.len(), 2, "{a:?}");
        assert!(a.similar.iter().all(|s| s.artist != a.artist));
        assert!(a.similar.iter().all(|s| s.distance.is_finite()));
        assert!(a.similar.windows(2).all(|w| w[0].distance <= w[1].distance));
    }
    let (_, direct) =
        sonority_library::similar_artists(&lib.store, "Fixture Band", 3).expect("similar");
    let direct: Vec<&str> = direct.iter().map(|r| r.artist.as_str()).collect();
    let shown: Vec<&str> = artists[1]
        .similar
        .iter()
        .map(|s| s.artist.as_str())
        .collect();
    assert_eq!(shown, direct, "the same ranking as `similar --artist`");
    assert!(!html.contains("<img src=x"));

    // In the browser.
    let Some(driver) = Driver::start() else {
        return;
    };
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let profile = tempfile::tempdir().expect("profile dir");
    let s = driver.session(profile.path(), 1280, 900);
    s.navigate(&file_url(&out));
    s.wait_for("return !!(window.sonorityReport && window.sonorityReport.paintedMs)");
    let page = s.execute(
        "const q = s => document.querySelectorAll(s);
         const fams = Array.from(q('#cards > .family')).map(f => ({
           name: f.querySelector('h3').textContent,
           cards: f.querySelectorAll('.card').length,
           words: Array.from(f.querySelectorAll('.family-facts ul.words li')).map(li => li.textContent)}));
         return {errors: window.sonorityReport.errors, points: window.sonorityReport.pointsDrawn,
                 legend: Array.from(q('#legend button[data-family]')).map(b => b.textContent),
                 families: fams, flatCards: q('#cards > .card').length,
                 familyGenres: q('#family-genres tbody tr').length,
                 artists: document.getElementById('artists-section').hidden,
                 artistRows: q('#artists tbody tr').length,
                 imgs: q('img').length, pwned: !!window.pwned,
                 title: document.getElementById('clusters-title').textContent};",
    );
    assert_eq!(page["errors"], json!([]), "{page}");
    assert_eq!(page["points"], json!(data.tracks.len()), "{page}");
    let legend = page["legend"].as_array().expect("legend");
    assert_eq!(legend.len(), data.families.len(), "{page}");
    for (b, f) in legend.iter().zip(&data.families) {
        assert!(
            b.as_str().unwrap_or_default().contains(&f.name),
            "{b} {}",
            f.name
        );
    }
    let fams = page["families"].as_array().expect("family cards");
    assert_eq!(fams.len(), data.families.len(), "{page}");
    for (card, f) in fams.iter().zip(&data.families) {
        assert_eq!(card["name"], json!(f.name), "{page}");
        assert_eq!(card["cards"], json!(f.clusters.len()), "{page}");
        let words: Vec<String> = card["words"]
            .as_array()
            .expect("words")
            .iter()
            .map(|w| w.as_str().unwrap_or_default().to_string())
            .collect();
        let expected: Vec<String> = f.words.iter().map(|w| w.text.clone()).collect();
        assert_eq!(words, expected, "{page}");
    }
    assert_eq!(page["flatCards"], json!(0), "{page}");
    assert_eq!(page["familyGenres"], json!(data.families.len()), "{page}");
    assert_eq!(page["artists"], json!(false), "{page}");
    assert_eq!(page["artistRows"], json!(2), "{page}");
    assert_eq!(page["imgs"], json!(0), "{page}");
    assert_eq!(page["pwned"], json!(false), "{page}");
    assert_eq!(page["title"], json!("Families and playlists"), "{page}");

    // A family in the legend shows that family alone; hovering a point names its family and
    // playlist; a click on it plays it.
    s.execute(
        "document.getElementById('map').scrollIntoView({block: 'center', behavior: 'instant'});",
    );
    let focus = s.execute(
        "const b = document.querySelector('#legend button[data-family=\"0\"]'); b.click();
         const on = {pressed: b.getAttribute('aria-pressed'),
                     card: document.getElementById('family-0').classList.contains('focus')};
         b.click();
         on.after = b.getAttribute('aria-pressed');
         return on;",
    );
    assert_eq!(
        focus,
        json!({"pressed": "true", "card": true, "after": "false"}),
        "{focus}"
    );
    let target = s.execute(
        "const r = window.sonorityReport, n = r.trackCount; let best = -1, far = -1;
         const pts = []; for (let i = 0; i < n; i++) pts.push(r.pointOnScreen(i));
         for (let i = 0; i < n; i++) { let d = 1e9;
           for (let j = 0; j < n; j++) if (j !== i) d = Math.min(d, Math.hypot(pts[i].x - pts[j].x, pts[i].y - pts[j].y));
           const e = document.elementFromPoint(pts[i].x, pts[i].y);
           if (e && e.id === 'map' && d > far) { far = d; best = i; } }
         return {i: best, x: pts[best].x, y: pts[best].y};",
    );
    let (x, y) = (coord(&target["x"]), coord(&target["y"]));
    s.pointer(&[("move", x, y)]);
    let tooltip = s.execute(
        "const t = document.getElementById('tooltip'); return {hidden: t.hidden, text: t.textContent};",
    );
    let i = target["i"].as_u64().expect("a point") as usize;
    let card = &data.clusters[data.tracks[i].cluster];
    let family = &data.families[card.family.expect("in a family")];
    let text = tooltip["text"].as_str().unwrap_or_default();
    assert!(
        tooltip["hidden"] == json!(false) && text.contains(&format!("family: {}", family.name)),
        "{tooltip}"
    );
    assert!(text.contains("playlist: "), "{tooltip}");
    s.pointer(&[("move", x, y), ("down", x, y), ("up", x, y)]);
    s.wait_for("return window.sonorityReport.current !== null");
    let played = s.execute("return window.sonorityReport.current;");
    assert_eq!(played, target["i"], "the clicked track plays");
    let severe: Vec<Value> = s
        .logs()
        .into_iter()
        .filter(|l| l["level"] == json!("SEVERE"))
        .collect();
    assert!(severe.is_empty(), "console errors: {severe:?}");
    let shot = target_dir().join("report-families-screenshot.png");
    s.execute("window.scrollTo({top: 0, behavior: 'instant'});");
    std::fs::write(&shot, s.screenshot_full_page()).expect("write screenshot");
    println!("screenshot: {}", shot.display());
}

/// A page coordinate as WebDriver wants it (an integer).
fn coord(v: &Value) -> i64 {
    v.as_f64().map_or(0, |f| f.round() as i64)
}

fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            url.push(char::from(b));
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

/// A synthetic report of `n` tracks in 12 clusters (no audio behind it).
fn synthetic_report(n: usize) -> ReportData {
    let k = 12usize;
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut rand = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let centres: Vec<(f64, f64)> = (0..k).map(|_| (rand(), rand())).collect();
    let mut clusters: Vec<ReportCluster> = (0..k)
        .map(|c| ReportCluster {
            id: c as i64,
            name: format!("cluster {c} · bright · fast"),
            size: 0,
            duration_s: 0.0,
            color: sonority_colour(c),
            top: vec![TopFeature {
                dim: "spectral_centroid_mean_0".into(),
                group: "spectral".into(),
                z: 1.2,
                word: Some("bright".into()),
            }],
            genres: vec![GenreCount {
                genre: "Rock".into(),
                count: 1,
            }],
            tracks: Vec::new(),
            noise: false,
            family: None,
            own_name: None,
            words: Vec::new(),
        })
        .collect();
    let tracks: Vec<ReportTrack> = (0..n)
        .map(|i| {
            let c = i % k;
            let (cx, cy) = centres[c];
            let (u, v) = (rand() - 0.5, rand() - 0.5);
            ReportTrack {
                id: i as i64 + 1,
                title: format!("Track {i} <b>not bold</b>"),
                artist: Some(format!("Artist {}", i % 500)),
                album: Some(format!("Album {}", i % 1500)),
                genre: Some("Rock".into()),
                duration_s: Some(180.0 + (i % 120) as f64),
                src: format!("../music/Artist%20{}/track%20{i}.flac", i % 500),
                cluster: c,
                x: (cx + u * 0.25).clamp(0.0, 1.0),
                y: (cy + v * 0.25).clamp(0.0, 1.0),
            }
        })
        .collect();
    for (i, t) in tracks.iter().enumerate() {
        let c = &mut clusters[t.cluster];
        c.size += 1;
        c.duration_s += t.duration_s.unwrap_or(0.0);
        c.tracks.push(i);
    }
    let dims: Vec<String> = (0..16).map(|j| format!("mfcc_mean_{j}")).collect();
    ReportData {
        title: "20,000 tracks".into(),
        generated_at: 1_700_000_000,
        run: RunInfo {
            clustering_id: 1,
            created_at: 1_700_000_000,
            algorithm: "kmeans".into(),
            analysis_version: "synthetic".into(),
            k,
            selection: None,
            params: None,
            tracks: n,
            noise: 0,
            total_duration_s: clusters.iter().map(|c| c.duration_s).sum(),
        },
        map: MapInfo {
            method: "PCA".into(),
            x_label: "PC 1".into(),
            y_label: "PC 2".into(),
        },
        heatmap: Some(Heatmap {
            groups: vec!["mfcc".into(); dims.len()],
            rows: (0..k).collect(),
            z: (0..k)
                .map(|c| {
                    (0..dims.len())
                        .map(|j| ((c * 7 + j * 3) % 11) as f64 / 2.0 - 2.5)
                        .collect()
                })
                .collect(),
            dims,
        }),
        sweep: Some(SweepInfo {
            points: (2..=15)
                .map(|kk| SweepPoint {
                    k: kk,
                    inertia: Some(1e5 / kk as f64),
                    silhouette: Some(0.2 + 0.01 * (kk % 5) as f64),
                    calinski_harabasz: Some(100.0),
                    davies_bouldin: Some(1.0),
                    bic: None,
                })
                .collect(),
            chosen_k: Some(k),
            elbow_k: Some(5),
            rule: Some(sonority_cluster::KRule::Silhouette),
        }),
        quality: Some(QualityInfo {
            silhouette: Some(0.25),
            ..QualityInfo::default()
        }),
        genres: Some(GenreTable {
            genres: vec!["Rock".into()],
            rows: (0..k)
                .map(|c| GenreRow {
                    cluster: c,
                    counts: vec![clusters[c].size],
                    other: 0,
                    untagged: 0,
                })
                .collect(),
        }),
        clusters,
        families: Vec::new(),
        family_genres: None,
        artists: None,
        tracks,
        notes: Vec::new(),
    }
}

fn sonority_colour(i: usize) -> String {
    let palette = [
        "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
    ];
    palette[i % palette.len()].to_string()
}

#[test]
fn twenty_thousand_tracks_are_interactive_within_seconds() {
    let n = 20_000;
    let html = render_html(&synthetic_report(n)).expect("render");
    let dir = tempfile::tempdir().expect("temp dir");
    let page = dir.path().join("big.html");
    std::fs::write(&page, &html).expect("write");
    if let Ok(keep) = std::env::var("SONORITY_KEEP_REPORT") {
        let _ = std::fs::create_dir_all(&keep);
        let _ = std::fs::copy(&page, Path::new(&keep).join("report-20k.html"));
    }
    let Some(driver) = Driver::start() else {
        return;
    };
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let profile = tempfile::tempdir().expect("profile dir");
    let s = driver.session(profile.path(), 1280, 900);
    let t0 = Instant::now();
    s.navigate(&file_url(&page));
    s.wait_for("return !!(window.sonorityReport && window.sonorityReport.paintedMs)");
    let wall = t0.elapsed();
    let m = s.execute(
        "const r = window.sonorityReport; const c = document.getElementById('map');
         const rect = c.getBoundingClientRect(); const t = performance.now();
         for (let i = 0; i < 200; i++) c.dispatchEvent(new MouseEvent('mousemove',
           {clientX: rect.left + (i * 37) % rect.width, clientY: rect.top + (i * 53) % rect.height}));
         const hover = (performance.now() - t) / 200;
         return {ready: r.readyMs, painted: r.paintedMs, points: r.pointsDrawn, errors: r.errors,
                 hover: hover, artists: document.getElementById('artists-section').hidden,
                 families: document.querySelectorAll('.family').length};",
    );
    println!(
        "20,000-track report ({:.1} MB): script done at {:.0} ms, first paint at {:.0} ms after \
         navigation start ({:.0} ms wall clock incl. WebDriver), {:.2} ms per hover",
        html.len() as f64 / 1e6,
        m["ready"].as_f64().unwrap_or(f64::NAN),
        m["painted"].as_f64().unwrap_or(f64::NAN),
        wall.as_secs_f64() * 1e3,
        m["hover"].as_f64().unwrap_or(f64::NAN),
    );
    assert_eq!(m["points"], json!(n), "{m}");
    assert_eq!(m["errors"], json!([]), "{m}");
    // No family and no artist section in data without them.
    assert_eq!(
        (&m["artists"], &m["families"]),
        (&json!(true), &json!(0)),
        "{m}"
    );
    let painted = m["painted"].as_f64().expect("painted");
    assert!(painted < 5_000.0, "interactive after {painted} ms");
    assert!(m["hover"].as_f64().unwrap_or(f64::INFINITY) < 16.0, "{m}");
    let severe: Vec<Value> = s
        .logs()
        .into_iter()
        .filter(|l| l["level"] == json!("SEVERE"))
        .collect();
    assert!(severe.is_empty(), "console errors: {severe:?}");
    let shot = target_dir().join("report-20k-screenshot.png");
    std::fs::write(&shot, s.screenshot()).expect("write screenshot");
    println!("screenshot: {}", shot.display());
}

// ---------------------------------------------------------------------------------------------
// A minimal W3C WebDriver client for chromedriver.

fn which(candidates: &[&str]) -> Option<PathBuf> {
    for c in candidates {
        let p = Path::new(c);
        if p.is_absolute() {
            if p.exists() {
                return Some(p.to_path_buf());
            }
            continue;
        }
        if let Some(paths) = std::env::var_os("PATH") {
            for dir in std::env::split_paths(&paths) {
                let full = dir.join(c);
                if full.is_file() {
                    return Some(full);
                }
            }
        }
    }
    None
}

struct Driver {
    child: Child,
    base: String,
    chromium: PathBuf,
    agent: ureq::Agent,
}

impl Driver {
    /// Starts chromedriver on a free local port; `None` (with a notice) when Chromium or
    /// chromedriver is not installed, a failure instead under `CI=true`
    /// (`common::skip_missing_tool`).
    fn start() -> Option<Driver> {
        let chromium = std::env::var_os("CHROMIUM")
            .map(PathBuf::from)
            .or_else(|| which(&["chromium", "chromium-browser", "google-chrome"]));
        let chromedriver = std::env::var_os("CHROMEDRIVER")
            .map(PathBuf::from)
            .or_else(|| which(&["chromedriver", "/usr/lib/chromium/chromedriver"]));
        let (chromium, chromedriver) = match (chromium, chromedriver) {
            (Some(chromium), Some(chromedriver)) => (chromium, chromedriver),
            (None, _) => {
                common::skip_missing_tool("chromium");
                println!("SKIPPED the browser checks");
                return None;
            }
            (_, None) => {
                common::skip_missing_tool("chromedriver (Debian: chromium-driver)");
                println!("SKIPPED the browser checks");
                return None;
            }
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(120)))
            .http_status_as_error(false)
            .build()
            .into();
        let driver = Driver {
            child,
            base: format!("http://127.0.0.1:{port}"),
            chromium,
            agent,
        };
        let t0 = Instant::now();
        loop {
            if let Ok(mut r) = driver.agent.get(&format!("{}/status", driver.base)).call() {
                let body = r.body_mut().read_to_string().unwrap_or_default();
                if body.contains("\"ready\":true") {
                    break;
                }
            }
            assert!(
                t0.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(driver)
    }

    fn request(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let url = format!("{}{}", self.base, path);
        let response = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            ("DELETE", _) => self.agent.delete(&url).call(),
            (_, b) => self
                .agent
                .post(&url)
                .header("Content-Type", "application/json")
                .send(b.unwrap_or(&json!({})).to_string()),
        };
        let mut response = response.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let mut text = String::new();
        response
            .body_mut()
            .as_reader()
            .read_to_string(&mut text)
            .expect("response body");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {path}: {e}: {text}"))
    }

    /// A new headless Chromium with a fresh profile and a `width` × `height` window.
    fn session(&self, profile: &Path, width: u32, height: u32) -> Session<'_> {
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {
                "binary": self.chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                    "--hide-scrollbars", "--mute-audio",
                    format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.display()),
                ]
            }
        }}});
        let v = self.request("POST", "/session", Some(&caps));
        let id = v["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_string();
        Session { driver: self, id }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Session<'a> {
    driver: &'a Driver,
    id: String,
}

impl Session<'_> {
    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let v = self.driver.request(
            method,
            &format!("/session/{}{}", self.id, path),
            body.as_ref(),
        );
        if let Some(err) = v["value"]["error"].as_str() {
            panic!("{method} {path}: {err}: {}", v["value"]["message"]);
        }
        v["value"].clone()
    }

    fn navigate(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({ "url": url })));
    }

    /// Runs `script` (a function body; a returned promise is awaited) and returns its value.
    fn execute(&self, script: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
    }

    fn wait_for(&self, condition: &str) {
        let t0 = Instant::now();
        while self.execute(condition) != json!(true) {
            assert!(
                t0.elapsed() < Duration::from_secs(60),
                "timed out waiting for {condition}; errors: {}",
                self.execute("return window.sonorityReport ? window.sonorityReport.errors : 'no report object'")
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A mouse gesture at viewport coordinates: ("move" | "down" | "up", x, y).
    fn pointer(&self, steps: &[(&str, i64, i64)]) {
        let actions: Vec<Value> = steps
            .iter()
            .map(|&(kind, x, y)| match kind {
                "move" => json!({"type": "pointerMove", "duration": 0, "origin": "viewport", "x": x, "y": y}),
                "down" => json!({"type": "pointerDown", "button": 0}),
                _ => json!({"type": "pointerUp", "button": 0}),
            })
            .collect();
        self.cmd(
            "POST",
            "/actions",
            Some(json!({"actions": [{"type": "pointer", "id": "mouse",
                "parameters": {"pointerType": "mouse"}, "actions": actions}]})),
        );
    }

    /// The text of an open alert, if one is open.
    fn alert_open(&self) -> Option<String> {
        let v = self
            .driver
            .request("GET", &format!("/session/{}/alert/text", self.id), None);
        v["value"]["error"]
            .is_null()
            .then(|| v["value"].to_string())
    }

    /// The browser console since the last call.
    fn logs(&self) -> Vec<Value> {
        self.cmd("POST", "/se/log", Some(json!({"type": "browser"})))
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Emulates `prefers-color-scheme: dark` (false if Chromium refuses).
    fn dark_mode(&self) -> bool {
        let v = self.driver.request(
            "POST",
            &format!("/session/{}/goog/cdp/execute", self.id),
            Some(&json!({"cmd": "Emulation.setEmulatedMedia",
                         "params": {"features": [{"name": "prefers-color-scheme", "value": "dark"}]}})),
        );
        v["value"]["error"].is_null()
    }

    fn screenshot(&self) -> Vec<u8> {
        decode_base64(
            self.cmd("GET", "/screenshot", None)
                .as_str()
                .unwrap_or_default(),
        )
    }

    /// The whole page, through Chromium's DevTools command (the viewport if that fails).
    fn screenshot_full_page(&self) -> Vec<u8> {
        let v = self.driver.request(
            "POST",
            &format!("/session/{}/goog/cdp/execute", self.id),
            Some(&json!({"cmd": "Page.captureScreenshot",
                         "params": {"format": "png", "captureBeyondViewport": true}})),
        );
        match v["value"]["data"].as_str() {
            Some(data) => decode_base64(data),
            None => self.screenshot(),
        }
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        let _ = self
            .driver
            .agent
            .delete(&format!("{}/session/{}", self.driver.base, self.id))
            .call();
    }
}

fn decode_base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let digits: Vec<u8> = text.bytes().filter_map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let mut n = 0u32;
        for (i, &d) in chunk.iter().enumerate() {
            n |= u32::from(d) << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    out
}
