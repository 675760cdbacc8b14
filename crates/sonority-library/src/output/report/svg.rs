//! Pictures without a browser: the map, the heatmap and the k sweep as SVG files, drawn with
//! plotters' SVG backend (which escapes every text it writes). Text is left to the SVG viewer's
//! sans-serif font, so no font is embedded, and no PNG is written.

use super::data::{ReportData, SweepInfo};
use super::{write_atomic, ReportOptions};
use crate::error::{LibraryError, Result};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::{Path, PathBuf};

/// What [`super::write_svgs`] wrote and what it skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SvgOutput {
    /// The files written (`map.svg`, and `heatmap.svg`, `k_sweep.svg` when there is data).
    pub files: Vec<PathBuf>,
    /// Pictures not written, and why (PNG is always among them).
    pub skipped: Vec<String>,
}

const FONT: &str = "sans-serif";

/// Draws every picture of `data` into `dir`.
pub(super) fn write_all(data: &ReportData, dir: &Path, opts: &ReportOptions) -> Result<SvgOutput> {
    let mut out = SvgOutput::default();
    let mut put = |name: &str, svg: String| -> Result<()> {
        let path = dir.join(name);
        write_atomic(&path, svg.as_bytes())?;
        out.files.push(path);
        Ok(())
    };
    put("map.svg", map_svg(data, opts.max_points_svg.max(1))?)?;
    match heatmap_svg(data)? {
        Some(svg) => put("heatmap.svg", svg)?,
        None => out
            .skipped
            .push("heatmap.svg: no features are stored for this clustering".to_string()),
    }
    match data.sweep.as_ref() {
        Some(sweep) => put("k_sweep.svg", sweep_svg(sweep)?)?,
        None => out
            .skipped
            .push("k_sweep.svg: the clustering has no k sweep (k was given)".to_string()),
    }
    out.skipped.push(
        "PNG: not written (it would need a font embedded in the binary); use the SVG files"
            .to_string(),
    );
    Ok(out)
}

fn draw_error(what: &str) -> impl Fn(DrawingAreaErrorKind<std::io::Error>) -> LibraryError + '_ {
    move |e| LibraryError::Draw {
        what: what.to_string(),
        detail: e.to_string(),
    }
}

fn color(hex: &str) -> RGBColor {
    let h = hex.trim_start_matches('#');
    let c = |i: usize| {
        h.get(i..i + 2)
            .and_then(|s| u8::from_str_radix(s, 16).ok())
            .unwrap_or(128)
    };
    RGBColor(c(0), c(2), c(4))
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// The map: every track (or a stratified sample of `max_points` per cluster share), coloured
/// by cluster, with a legend.
fn map_svg(data: &ReportData, max_points: usize) -> Result<String> {
    let err = draw_error("map.svg");
    let n = data.tracks.len();
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (1100, 800)).into_drawing_area();
        root.fill(&WHITE).map_err(&err)?;
        let shown = n.min(max_points);
        let caption = if shown < n {
            format!("{} — {shown} of {n} tracks", data.title)
        } else {
            format!("{} — {n} tracks", data.title)
        };
        let (plot, legend) = root.split_horizontally(820);
        let mut chart = ChartBuilder::on(&plot)
            .caption(truncate(&caption, 80), (FONT, 22))
            .margin(14)
            .x_label_area_size(36)
            .y_label_area_size(36)
            .build_cartesian_2d(-0.03f64..1.03f64, -0.03f64..1.03f64)
            .map_err(&err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .disable_y_mesh()
            .x_labels(0)
            .y_labels(0)
            .x_desc(data.map.x_label.as_str())
            .y_desc(data.map.y_label.as_str())
            .draw()
            .map_err(&err)?;
        let radius = if shown > 3000 {
            2
        } else if shown > 500 {
            3
        } else {
            5
        };
        for c in &data.clusters {
            let members = &c.tracks;
            // Each cluster keeps its share of the sample, evenly spaced through its list.
            let keep = if shown < n {
                (members.len() * shown).div_ceil(n).min(members.len())
            } else {
                members.len()
            };
            let col = color(&c.color);
            let points = (0..keep).map(|s| {
                let t = &data.tracks[members[s * members.len() / keep.max(1)]];
                Circle::new((t.x, t.y), radius, col.mix(0.8).filled())
            });
            chart.draw_series(points).map_err(&err)?;
        }
        // Legend: one row per cluster; with families, each family then its playlists.
        let entries = legend_entries(data);
        let rows = entries.len().max(1) as i32;
        let step = (700 / rows).clamp(12, 26);
        for (i, (indent, colour, label, size)) in entries.iter().enumerate() {
            let y = 60 + i as i32 * step;
            if y > 780 {
                legend
                    .draw(&Text::new(
                        format!("… {} more", entries.len() - i),
                        (10, y),
                        (FONT, 14).into_font().color(&BLACK),
                    ))
                    .map_err(&err)?;
                break;
            }
            let x = if *indent { 30 } else { 14 };
            legend
                .draw(&Circle::new(
                    (x, y),
                    if *indent { 5 } else { 7 },
                    color(colour).filled(),
                ))
                .map_err(&err)?;
            let style = TextStyle::from((FONT, if *indent { 13 } else { 15 }).into_font())
                .color(&BLACK)
                .pos(Pos::new(HPos::Left, VPos::Center));
            legend
                .draw(&Text::new(
                    format!(
                        "{} ({size})",
                        truncate(label, if *indent { 28 } else { 30 })
                    ),
                    (x + 12, y),
                    style,
                ))
                .map_err(&err)?;
        }
        root.present().map_err(&err)?;
    }
    Ok(buf)
}

/// The map legend's rows: (indented, colour, label, tracks). Without families, one per
/// cluster; with them, each family followed by its playlists' own names, then the playlists
/// in no family.
fn legend_entries(data: &ReportData) -> Vec<(bool, String, String, usize)> {
    if data.families.is_empty() {
        return data
            .clusters
            .iter()
            .map(|c| (false, c.color.clone(), c.name.clone(), c.size))
            .collect();
    }
    let mut out = Vec::new();
    for f in &data.families {
        out.push((false, f.color.clone(), f.name.clone(), f.size));
        for c in f.clusters.iter().filter_map(|&c| data.clusters.get(c)) {
            let label = c.own_name.clone().unwrap_or_else(|| c.name.clone());
            out.push((true, c.color.clone(), label, c.size));
        }
    }
    for c in data.clusters.iter().filter(|c| c.family.is_none()) {
        out.push((false, c.color.clone(), c.name.clone(), c.size));
    }
    out
}

/// A diverging blue–white–red colour for a z-score (clipped at ±2.5).
fn diverging(z: f64) -> RGBColor {
    let v = (z / 2.5).clamp(-1.0, 1.0);
    let end = if v >= 0.0 {
        (178.0, 24.0, 43.0)
    } else {
        (33.0, 102.0, 172.0)
    };
    let a = v.abs();
    let mix = |m: f64, e: f64| (m + (e - m) * a).round().clamp(0.0, 255.0) as u8;
    RGBColor(mix(247.0, end.0), mix(247.0, end.1), mix(247.0, end.2))
}

/// The heatmap: a row per cluster, a column per dim, the z-score written in each cell.
fn heatmap_svg(data: &ReportData) -> Result<Option<String>> {
    let Some(h) = data
        .heatmap
        .as_ref()
        .filter(|h| !h.rows.is_empty() && !h.dims.is_empty())
    else {
        return Ok(None);
    };
    let err = draw_error("heatmap.svg");
    let (cw, ch, left, top) = (44i32, 30i32, 250i32, 200i32);
    let w = left + h.dims.len() as i32 * cw + 30;
    let hgt = top + h.rows.len() as i32 * ch + 70;
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (w as u32, hgt as u32)).into_drawing_area();
        root.fill(&WHITE).map_err(&err)?;
        root.draw(&Text::new(
            "Clusters × most distinguishing features (z-scores)",
            (12, 24),
            (FONT, 20).into_font().color(&BLACK),
        ))
        .map_err(&err)?;
        for (j, dim) in h.dims.iter().enumerate() {
            let x = left + j as i32 * cw + cw / 2;
            let style = TextStyle::from((FONT, 13).into_font().transform(FontTransform::Rotate270))
                .color(&BLACK)
                .pos(Pos::new(HPos::Left, VPos::Center));
            root.draw(&Text::new(truncate(dim, 28), (x, top - 8), style))
                .map_err(&err)?;
        }
        for (r, (&ci, zs)) in h.rows.iter().zip(&h.z).enumerate() {
            let y = top + r as i32 * ch;
            let Some(c) = data.clusters.get(ci) else {
                continue;
            };
            root.draw(&Circle::new((14, y + ch / 2), 7, color(&c.color).filled()))
                .map_err(&err)?;
            let label = TextStyle::from((FONT, 14).into_font())
                .color(&BLACK)
                .pos(Pos::new(HPos::Left, VPos::Center));
            root.draw(&Text::new(truncate(&c.name, 30), (28, y + ch / 2), label))
                .map_err(&err)?;
            for (j, &z) in zs.iter().enumerate() {
                let x = left + j as i32 * cw;
                root.draw(&Rectangle::new(
                    [(x + 1, y + 1), (x + cw - 1, y + ch - 1)],
                    diverging(z).filled(),
                ))
                .map_err(&err)?;
                let ink = if z.abs() > 1.4 { WHITE } else { BLACK };
                let style = TextStyle::from((FONT, 12).into_font())
                    .color(&ink)
                    .pos(Pos::new(HPos::Center, VPos::Center));
                root.draw(&Text::new(
                    format!("{z:+.1}"),
                    (x + cw / 2, y + ch / 2),
                    style,
                ))
                .map_err(&err)?;
            }
        }
        // Colour scale.
        let ly = top + h.rows.len() as i32 * ch + 24;
        for k in 0..24 {
            let z = -2.5 + 5.0 * (k as f64 + 0.5) / 24.0;
            let x = left + k * 10;
            root.draw(&Rectangle::new(
                [(x, ly), (x + 10, ly + 12)],
                diverging(z).filled(),
            ))
            .map_err(&err)?;
        }
        let small = (FONT, 13).into_font().color(&BLACK);
        root.draw(&Text::new("−2.5σ", (left, ly + 18), small.clone()))
            .map_err(&err)?;
        root.draw(&Text::new("+2.5σ", (left + 215, ly + 18), small))
            .map_err(&err)?;
        root.present().map_err(&err)?;
    }
    Ok(Some(buf))
}

/// The k sweep: inertia with the elbow and the chosen k marked, and silhouette per k.
fn sweep_svg(sweep: &SweepInfo) -> Result<String> {
    let err = draw_error("k_sweep.svg");
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (1100, 460)).into_drawing_area();
        root.fill(&WHITE).map_err(&err)?;
        let (left, right) = root.split_horizontally(550);
        let series = |f: fn(&super::data::SweepPoint) -> Option<f64>| -> Vec<(f64, f64)> {
            sweep
                .points
                .iter()
                .filter_map(|p| Some((p.k as f64, f(p)?)))
                .collect()
        };
        let ks: Vec<f64> = sweep.points.iter().map(|p| p.k as f64).collect();
        let chosen = sweep.chosen_k.map(|k| k as f64);
        let elbow = sweep.elbow_k.map(|k| k as f64);
        curve(
            &left,
            "Inertia per k",
            &ks,
            &series(|p| p.inertia),
            chosen,
            elbow,
        )
        .map_err(&err)?;
        curve(
            &right,
            "Mean silhouette per k",
            &ks,
            &series(|p| p.silhouette),
            chosen,
            None,
        )
        .map_err(&err)?;
        root.present().map_err(&err)?;
    }
    Ok(buf)
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

fn curve(
    area: &Area<'_>,
    title: &str,
    ks: &[f64],
    points: &[(f64, f64)],
    chosen: Option<f64>,
    elbow: Option<f64>,
) -> std::result::Result<(), DrawingAreaErrorKind<std::io::Error>> {
    let kmin = ks.iter().copied().fold(f64::INFINITY, f64::min);
    let kmax = ks.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (kmin, kmax) = if kmin.is_finite() && kmax > kmin {
        (kmin, kmax)
    } else if kmin.is_finite() {
        (kmin - 1.0, kmin + 1.0)
    } else {
        (2.0, 3.0)
    };
    let (lo, hi) = points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p.1), b.max(p.1))
        });
    let (lo, hi) = if lo.is_finite() && hi > lo {
        let pad = (hi - lo) * 0.12;
        (lo - pad, hi + pad)
    } else if lo.is_finite() {
        (lo - 1.0, lo + 1.0)
    } else {
        (0.0, 1.0)
    };
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, 20))
        .margin(18)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d((kmin - 0.4)..(kmax + 0.4), lo..hi)?;
    let whole = |v: &f64| {
        if (v - v.round()).abs() < 1e-9 {
            format!("{}", v.round())
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .x_labels(((kmax - kmin) as usize + 1).min(20))
        .x_label_formatter(&whole)
        .x_desc("k (number of clusters)")
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    let blue = RGBColor(59, 111, 182);
    let red = RGBColor(225, 87, 89);
    let orange = RGBColor(242, 142, 43);
    if let Some(k) = chosen {
        chart.draw_series(LineSeries::new(vec![(k, lo), (k, hi)], red.stroke_width(2)))?;
        chart.draw_series(std::iter::once(Text::new(
            format!(" chosen k = {k}"),
            (k, hi),
            TextStyle::from((FONT, 14).into_font())
                .color(&red)
                .pos(Pos::new(HPos::Left, VPos::Top)),
        )))?;
    }
    chart.draw_series(LineSeries::new(
        points.iter().copied(),
        blue.stroke_width(2),
    ))?;
    chart.draw_series(
        points
            .iter()
            .map(|&(k, v)| Circle::new((k, v), 4, blue.filled())),
    )?;
    if let Some(&(k, v)) = elbow.and_then(|e| points.iter().find(|p| p.0 == e)) {
        chart.draw_series(std::iter::once(Circle::new(
            (k, v),
            9,
            orange.stroke_width(3),
        )))?;
        chart.draw_series(std::iter::once(
            EmptyElement::at((k, v))
                + Text::new(
                    format!("elbow k = {k}"),
                    (12, -12),
                    TextStyle::from((FONT, 14).into_font())
                        .color(&orange)
                        .pos(Pos::new(HPos::Left, VPos::Bottom)),
                ),
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::report::data::{MapInfo, ReportCluster, ReportTrack, RunInfo, SweepPoint};

    fn data(n: usize, k: usize) -> ReportData {
        let mut clusters: Vec<ReportCluster> = (0..k)
            .map(|c| ReportCluster {
                id: c as i64,
                name: format!("<b>cluster</b> & {c}"),
                size: 0,
                duration_s: 0.0,
                color: crate::output::report::colours::cluster_color(c),
                top: Vec::new(),
                genres: Vec::new(),
                tracks: Vec::new(),
                noise: false,
                family: None,
                own_name: None,
                words: Vec::new(),
            })
            .collect();
        let tracks: Vec<ReportTrack> = (0..n)
            .map(|i| ReportTrack {
                id: i as i64,
                title: format!("t{i}"),
                artist: None,
                album: None,
                genre: None,
                duration_s: None,
                src: String::new(),
                cluster: i % k,
                x: (i % 97) as f64 / 96.0,
                y: (i % 89) as f64 / 88.0,
            })
            .collect();
        for (i, t) in tracks.iter().enumerate() {
            clusters[t.cluster].size += 1;
            clusters[t.cluster].tracks.push(i);
        }
        ReportData {
            title: "t".into(),
            generated_at: 0,
            run: RunInfo {
                clustering_id: 1,
                created_at: 0,
                algorithm: "kmeans".into(),
                analysis_version: "v".into(),
                k,
                selection: None,
                params: None,
                tracks: n,
                noise: 0,
                total_duration_s: 0.0,
            },
            map: MapInfo {
                method: "PCA".into(),
                x_label: "PC 1".into(),
                y_label: "PC 2".into(),
            },
            clusters,
            families: Vec::new(),
            tracks,
            heatmap: None,
            sweep: Some(SweepInfo {
                points: (2..=6)
                    .map(|k| SweepPoint {
                        k,
                        inertia: Some(100.0 / k as f64),
                        silhouette: (k != 4).then_some(0.3),
                        calinski_harabasz: None,
                        davies_bouldin: None,
                        bic: None,
                    })
                    .collect(),
                chosen_k: Some(3),
                elbow_k: Some(3),
                rule: None,
            }),
            quality: None,
            genres: None,
            family_genres: None,
            artists: None,
            notes: Vec::new(),
        }
    }

    #[test]
    fn map_is_decimated_per_cluster_and_escaped() {
        let d = data(10_000, 4);
        let svg = map_svg(&d, 1_000).expect("map");
        // 1,000 points (each cluster's share rounded up) and 4 legend dots.
        let circles = svg.matches("<circle").count();
        assert!((1_004..=1_008).contains(&circles), "{circles}");
        assert!(svg.contains("&lt;b&gt;cluster&lt;/b&gt; &amp; 0"));
        assert!(!svg.contains("<b>"));
        let all = map_svg(&d, 50_000).expect("map");
        assert_eq!(all.matches("<circle").count(), 10_004);
    }

    #[test]
    fn map_legend_lists_families_then_their_playlists() {
        use crate::output::report::data::ReportFamily;
        let mut d = data(100, 4);
        for (fi, name) in ["calm · dark", "loud · fast"].iter().enumerate() {
            let members = vec![2 * fi, 2 * fi + 1];
            for (j, &c) in members.iter().enumerate() {
                d.clusters[c].family = Some(fi);
                d.clusters[c].own_name = Some(format!("own {fi}.{j}"));
                d.clusters[c].name = format!("{name} / own {fi}.{j}");
            }
            d.families.push(ReportFamily {
                id: fi as i64,
                name: name.to_string(),
                color: crate::output::report::colours::cluster_color(fi),
                size: members.iter().map(|&c| d.clusters[c].size).sum(),
                duration_s: 0.0,
                clusters: members,
                words: Vec::new(),
                genres: Vec::new(),
            });
        }
        let entries = legend_entries(&d);
        let labels: Vec<&str> = entries.iter().map(|e| e.2.as_str()).collect();
        assert_eq!(
            labels,
            [
                "calm · dark",
                "own 0.0",
                "own 0.1",
                "loud · fast",
                "own 1.0",
                "own 1.1"
            ]
        );
        assert_eq!(entries[0].3, 50);
        let svg = map_svg(&d, 50_000).expect("map");
        // 100 points and 6 legend dots.
        assert_eq!(svg.matches("<circle").count(), 106);
        assert!(svg.contains("calm · dark (50)") && svg.contains("own 1.1 (25)"));
    }

    #[test]
    fn sweep_and_missing_heatmap() {
        let d = data(20, 2);
        let svg = sweep_svg(d.sweep.as_ref().expect("sweep")).expect("sweep");
        assert!(svg.contains("chosen k = 3") && svg.contains("elbow k = 3"));
        assert!(heatmap_svg(&d).expect("no error").is_none());
    }
}
