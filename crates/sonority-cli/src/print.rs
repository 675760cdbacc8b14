//! What several commands print to the terminal: the summary of an analysis run, how a
//! clustering came about, the clusters table, the playlists written.

use sonority_library::output::playlist::PlaylistReport;
use sonority_library::{
    one_line, shown, shown_text, AnalyzeReport, ClusterLine, ClusterMode, ClusterOutcome,
    ForgetWithheld, Overview, WithheldReason,
};
use std::path::Path;

/// What the scan left out: `left out: 2 .ape, 118 .wma file(s) ...` (formats only ffmpeg
/// decodes, without ffmpeg or with `--decoder native`) and `left out: 3 .mid file(s) ...`
/// (MIDI), or nothing when there were none.
fn undecoded_line(undecoded: &std::collections::BTreeMap<String, usize>) -> Option<String> {
    let list = |midi: bool| -> Vec<String> {
        undecoded
            .iter()
            .filter(|(ext, _)| (ext.as_str() == "mid" || ext.as_str() == "midi") == midi)
            .map(|(ext, n)| format!("{n} .{ext}"))
            .collect()
    };
    let (needs_ffmpeg, midi) = (list(false), list(true));
    let mut lines = Vec::new();
    if !needs_ffmpeg.is_empty() {
        lines.push(format!(
            "left out: {} file(s), formats sonority decodes only through ffmpeg (install ffmpeg, \
             e.g. `apt install ffmpeg`, and keep the default --decoder auto to include them)",
            needs_ffmpeg.join(", ")
        ));
    }
    if !midi.is_empty() {
        lines.push(format!(
            "left out: {} file(s): MIDI holds notes, not sound (render it to audio to include it)",
            midi.join(", ")
        ));
    }
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// The failures that installing ffmpeg would fix (multichannel AAC, MP3 inside WAV, ... in
/// files whose extension looked native), or nothing.
fn needs_ffmpeg_line(report: &AnalyzeReport) -> Option<String> {
    let n = report
        .failed
        .iter()
        .filter(|f| f.reason.contains("is not decoded without ffmpeg"))
        .count();
    (n > 0).then(|| {
        format!("{n} of the failed file(s) need ffmpeg: install it (e.g. `apt install ffmpeg`)")
    })
}

/// The warning for tracks kept although their files were not found.
fn forget_warning(root: &Path, withheld: &ForgetWithheld) -> String {
    let what = match withheld.reason {
        WithheldReason::EmptyRoot => "holds no audio file at all",
        WithheldReason::NoneFound => "holds none of the files sonority knows there",
    };
    format!(
        "warning: {} {what}: kept the {} track(s) stored under it instead of forgetting them \
         (is the drive mounted?). If you really removed them, run again with --force-forget.",
        shown(root),
        withheld.missing
    )
}

/// Prints the human summary of a run to stderr.
pub fn print_summary(report: &AnalyzeReport) {
    eprintln!(
        "analysed {} · unchanged {} · failed {} (+{} known) · removed {} · {} of audio in {:.1} s",
        report.analysed,
        report.unchanged,
        report.failed.len(),
        report.known_failures,
        report.removed,
        crate::progress::audio_duration(report.audio_hours() * 3600.0),
        report.wall_s
    );
    for f in &report.failed {
        eprintln!("  failed: {}", shown_text(&f.reason));
    }
    if let Some(withheld) = &report.forget_withheld {
        eprintln!("{}", forget_warning(&report.root, withheld));
    }
    for e in &report.scan_errors {
        eprintln!("  not scanned: {}", shown_text(&e.message));
    }
    if let Some(line) = needs_ffmpeg_line(report) {
        eprintln!("{line}");
    }
    if let Some(line) = undecoded_line(&report.undecoded) {
        eprintln!("{line}");
    }
    if report.cancelled {
        eprintln!(
            "stopped early: {} files left for the next run (everything finished is saved)",
            report.not_started
        );
    }
}

/// Says on stderr how a clustering came about.
pub fn print_mode(outcome: &ClusterOutcome) {
    match &outcome.mode {
        ClusterMode::UpToDate => eprintln!("clusters are up to date (clustering #{})", outcome.id),
        ClusterMode::Extended { added, removed } => eprintln!(
            "placed {added} new track(s) into the existing clusters ({removed} gone); \
             use --recluster to fit new clusters"
        ),
        ClusterMode::Fitted { matched } => eprintln!(
            "fitted {} {} in {} famil{} with {}{}",
            outcome.data.k,
            if outcome.data.algorithm == "hierarchical" {
                "playlists"
            } else {
                "clusters"
            },
            outcome.data.families.len(),
            if outcome.data.families.len() == 1 {
                "y"
            } else {
                "ies"
            },
            outcome.data.algorithm,
            if *matched > 0 {
                format!(" ({matched} kept their id and name)")
            } else {
                String::new()
            }
        ),
    }
}

/// Prints the clusters table, grouped by family, and the quality figures.
pub fn print_table(overview: &Overview) {
    let width = overview
        .clusters
        .iter()
        .map(|l| l.name.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    println!("{:>3}  {:<width$}  {:>5}  examples", "id", "name", "size");
    let print_line = |l: &ClusterLine| {
        let examples = l.examples.join(" | ");
        println!(
            "{:>3}  {:<width$}  {:>5}  {examples}",
            l.id,
            one_line(&l.name),
            l.size
        );
    };
    for f in &overview.families {
        let members: Vec<&ClusterLine> = overview
            .clusters
            .iter()
            .filter(|l| l.family_id == Some(f.id))
            .collect();
        println!(
            "family {}: {} ({} tracks, {} playlist{})",
            f.id,
            one_line(f.name.as_deref().unwrap_or("")),
            f.size,
            members.len(),
            if members.len() == 1 { "" } else { "s" }
        );
        members.into_iter().for_each(print_line);
    }
    overview
        .clusters
        .iter()
        .filter(|l| !overview.families.iter().any(|f| Some(f.id) == l.family_id))
        .for_each(print_line);
    if overview.unassigned > 0 {
        println!("     (unassigned outliers: {})", overview.unassigned);
    }
    let fmt = |figure: Option<f64>| {
        figure
            .filter(|v| v.is_finite())
            .map_or_else(|| "n/a".to_string(), |v| format!("{v:.3}"))
    };
    let quality = &overview.quality;
    println!(
        "quality: silhouette {} · Calinski-Harabasz {} · Davies-Bouldin {} · {} tracks · clustering #{}",
        fmt(quality.silhouette),
        fmt(quality.calinski_harabasz),
        fmt(quality.davies_bouldin),
        overview.tracks,
        overview.clustering_id
    );
}

/// Tells what was written.
pub fn print_report(report: &PlaylistReport, out_dir: &Path) {
    eprintln!(
        "wrote {} playlist(s) into {}{}",
        report.written.len(),
        sonority_library::shown(out_dir),
        if report.removed.is_empty() {
            String::new()
        } else {
            format!(
                " (removed {} old one(s) sonority wrote)",
                report.removed.len()
            )
        }
    );
    for w in &report.warnings {
        eprintln!(
            "  warning: {}",
            sonority_library::shown_text(&w.to_string())
        );
    }
}

#[cfg(test)]
mod tests {
    use super::undecoded_line;
    use std::collections::BTreeMap;

    #[test]
    fn left_out_formats_are_counted_per_extension() {
        assert_eq!(undecoded_line(&BTreeMap::new()), None);
        let counts = BTreeMap::from([("ape".to_string(), 2), ("wma".to_string(), 118)]);
        let line = undecoded_line(&counts).expect("a line");
        assert!(
            line.starts_with("left out: 2 .ape, 118 .wma file(s)"),
            "{line}"
        );
        assert!(line.contains("install ffmpeg"), "{line}");
        let counts = BTreeMap::from([("mid".to_string(), 3), ("wma".to_string(), 1)]);
        let line = undecoded_line(&counts).expect("lines");
        let lines: Vec<&str> = line.lines().collect();
        assert_eq!(lines.len(), 2, "{line}");
        assert!(lines[0].starts_with("left out: 1 .wma file(s)"), "{line}");
        assert!(
            lines[1].starts_with("left out: 3 .mid file(s): MIDI"),
            "{line}"
        );
    }
}
