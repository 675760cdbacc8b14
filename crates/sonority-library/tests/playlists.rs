//! Playlists read by a real player (mpv): every entry plays, relative and absolute; rewrites
//! replace only what sonority wrote; the chain order of a cluster.
//!
//! Needs `mpv` and `ffmpeg` (it makes the tracks); a test whose program is missing prints a
//! notice and passes, except under `CI=true`, where it fails (`scripts/setup.sh --test`
//! installs them).

mod common;

use common::{skip_without, temp_files, tone};
use sonority_library::output::playlist::{
    chain_order, write_playlists, Playlist, PlaylistEntry, PlaylistOptions, PlaylistWarning,
    MANIFEST_FILE,
};
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Music {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    out: PathBuf,
    entries: Vec<PlaylistEntry>,
}

/// WAV tracks in nested folders, with awkward names, and the playlist folder beside them.
fn music() -> Music {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = fs::canonicalize(tmp.path()).expect("canonical");
    let music = root.join("Music");
    let mut files: Vec<(PathBuf, Option<&str>, Option<&str>)> = vec![
        (
            music.join("Artist A/Album/01 Song.wav"),
            Some("Artist A"),
            Some("Song"),
        ),
        (
            music.join("Björk & Co/Ærø ñandú 東京.wav"),
            Some("Björk"),
            Some("Ærø"),
        ),
        (music.join("#1 hits/#1 track.wav"), None, Some("Number one")),
        (music.join("Untagged/plain name.wav"), None, None),
        (
            music.join("Artist A/Album/02 comma, and semicolon; song.wav"),
            Some("A, B"),
            Some("x, y"),
        ),
    ];
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"caf\xe9 latin-1.wav");
        files.push((music.join("Latin1").join(name), Some("Latin"), Some("One")));
    }
    let mut entries = Vec::new();
    for (i, (path, artist, title)) in files.into_iter().enumerate() {
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        let plain = root.join(format!("tone{i}.wav"));
        tone(&plain, 300 + 50 * i as u32, 0.2);
        fs::rename(&plain, &path).expect("rename");
        entries.push(PlaylistEntry {
            path,
            duration_s: Some(0.2 + i as f64),
            artist: artist.map(String::from),
            title: title.map(String::from),
        });
    }
    let out = root.join("Playlists");
    Music {
        _tmp: tmp,
        root,
        out,
        entries,
    }
}

/// What mpv opens from `playlist`: (position, path as mpv resolved it, title), or None when
/// mpv is not installed. mpv opens each entry (that is what makes it print the message) and
/// plays one frame with null audio and video outputs.
fn mpv_entries(playlist: &Path, cwd: &Path) -> Option<Vec<(usize, PathBuf, String)>> {
    if skip_without("mpv") {
        return None;
    }
    let mut arg = OsString::from("--playlist=");
    arg.push(playlist.as_os_str());
    let out = Command::new("mpv")
        .args([
            "--no-config",
            "--ao=null",
            "--vo=null",
            "--frames=1",
            "--msg-level=all=no,term-msg=info",
            "--term-playing-msg=SONORITY-ENTRY\x1f${playlist-pos}\x1f${path}\x1f${media-title}",
        ])
        .arg(arg)
        .current_dir(cwd)
        .output()
        .expect("run mpv");
    let mut entries = Vec::new();
    for line in out.stdout.split(|&b| b == b'\n') {
        let Some(rest) = line.strip_prefix(b"SONORITY-ENTRY\x1f") else {
            continue;
        };
        let parts: Vec<&[u8]> = rest.split(|&b| b == 0x1f).collect();
        assert_eq!(parts.len(), 3, "{:?}", String::from_utf8_lossy(line));
        let pos: usize = String::from_utf8_lossy(parts[0]).parse().expect("position");
        #[cfg(unix)]
        let path = {
            use std::os::unix::ffi::OsStrExt;
            PathBuf::from(std::ffi::OsStr::from_bytes(parts[1]))
        };
        #[cfg(not(unix))]
        let path = PathBuf::from(String::from_utf8_lossy(parts[1]).into_owned());
        entries.push((
            pos,
            cwd.join(path),
            String::from_utf8_lossy(parts[2]).into_owned(),
        ));
    }
    Some(entries)
}

fn expected_title(entry: &PlaylistEntry) -> String {
    let stem = entry
        .path
        .file_stem()
        .expect("stem")
        .to_string_lossy()
        .into_owned();
    let title = entry.title.clone().unwrap_or(stem);
    match &entry.artist {
        Some(a) => format!("{a} - {title}"),
        None => title,
    }
}

fn check_with_mpv(playlist: &Path, entries: &[PlaylistEntry], cwd: &Path) {
    let Some(opened) = mpv_entries(playlist, cwd) else {
        return;
    };
    assert_eq!(
        opened.len(),
        entries.len(),
        "mpv opened {opened:?} from {}:\n{}",
        playlist.display(),
        fs::read_to_string(playlist).unwrap_or_default()
    );
    for ((pos, path, title), (i, entry)) in opened.iter().zip(entries.iter().enumerate()) {
        assert_eq!(*pos, i);
        assert_eq!(
            fs::canonicalize(path).expect("mpv's path exists"),
            fs::canonicalize(&entry.path).expect("track exists"),
            "entry {i}"
        );
        assert_eq!(title, &expected_title(entry), "entry {i}");
    }
    eprintln!(
        "mpv opened all {} entries of {}",
        opened.len(),
        playlist.display()
    );
}

#[test]
fn mpv_plays_every_entry_relative_and_absolute() {
    if skip_without("ffmpeg") {
        return;
    }
    let m = music();
    let playlists = vec![
        Playlist {
            folder: None,
            title: None,
            number: Some(0),
            name: "bright · noisy · fast".into(),
            entries: m.entries[..3].to_vec(),
        },
        Playlist {
            folder: None,
            title: None,
            number: Some(1),
            name: "dark/slow: \"calm\"?".into(),
            entries: m.entries[3..].to_vec(),
        },
    ];
    let report = write_playlists(&m.out, &playlists, &PlaylistOptions::default()).expect("write");
    assert_eq!(report.written.len(), 2);
    assert_eq!(
        report.written[0].file_name().expect("name"),
        "00 - bright · noisy · fast.m3u8"
    );
    assert_eq!(
        report.written[1].file_name().expect("name"),
        "01 - dark_slow_ _calm__.m3u8"
    );
    assert!(report.removed.is_empty());

    let text = fs::read_to_string(&report.written[0]).expect("playlist is UTF-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "#EXTM3U");
    // The title media servers show (Navidrome, VLC) instead of the file name.
    assert_eq!(lines[1], "#PLAYLIST:bright · noisy · fast");
    assert_eq!(lines[2], "#EXTINF:0,Artist A - Song");
    assert_eq!(lines[3], "../Music/Artist A/Album/01 Song.wav");
    assert_eq!(lines[4], "#EXTINF:1,Björk - Ærø");
    assert_eq!(lines[5], "../Music/Björk & Co/Ærø ñandú 東京.wav");
    assert_eq!(lines[6], "#EXTINF:2,Number one");
    assert_eq!(lines[7], "../Music/#1 hits/#1 track.wav");
    assert!(!text.starts_with('\u{feff}'));
    let second = fs::read_to_string(&report.written[1]).expect("playlist is UTF-8");
    assert!(
        second.contains("#EXTINF:3,plain name\n../Music/Untagged/plain name.wav\n"),
        "{second}"
    );
    #[cfg(unix)]
    {
        assert!(second.contains("file://"), "{second}");
        assert!(second.contains("caf%E9%20latin-1.wav"), "{second}");
        assert!(report
            .warnings
            .iter()
            .any(|w| matches!(w, PlaylistWarning::UriEntry { .. })));
    }

    // mpv, run from an unrelated folder, opens every entry from the file the test made.
    let elsewhere = m.root.join("elsewhere");
    fs::create_dir_all(&elsewhere).expect("mkdir");
    check_with_mpv(&report.written[0], &playlists[0].entries, &elsewhere);
    check_with_mpv(&report.written[1], &playlists[1].entries, &elsewhere);

    // Moving the music and the playlists together keeps relative playlists working.
    let moved = m.root.join("moved");
    fs::create_dir_all(&moved).expect("mkdir");
    fs::rename(m.root.join("Music"), moved.join("Music")).expect("move");
    fs::rename(&m.out, moved.join("Playlists")).expect("move");
    let moved_entries: Vec<PlaylistEntry> = playlists[0]
        .entries
        .iter()
        .map(|e| PlaylistEntry {
            path: moved.join(e.path.strip_prefix(&m.root).expect("under root")),
            ..e.clone()
        })
        .collect();
    check_with_mpv(
        &moved
            .join("Playlists")
            .join("00 - bright · noisy · fast.m3u8"),
        &moved_entries,
        &elsewhere,
    );
    fs::rename(moved.join("Music"), m.root.join("Music")).expect("move back");

    // Absolute paths.
    let abs_dir = m.root.join("Absolute");
    let report =
        write_playlists(&abs_dir, &playlists, &PlaylistOptions { absolute: true }).expect("write");
    let text = fs::read_to_string(&report.written[0]).expect("read");
    assert!(
        text.contains(&format!("\n{}\n", m.entries[0].path.display())),
        "{text}"
    );
    check_with_mpv(&report.written[0], &playlists[0].entries, &elsewhere);
    check_with_mpv(&report.written[1], &playlists[1].entries, &elsewhere);
}

#[test]
fn rewrites_replace_only_what_sonority_wrote() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("pl");
    fs::create_dir_all(&out).expect("mkdir");
    let entry = |name: &str| PlaylistEntry {
        path: tmp.path().join("music").join(format!("{name}.mp3")),
        duration_s: Some(61.4),
        artist: None,
        title: Some(name.to_string()),
    };
    let pl = |n: usize, name: &str| Playlist {
        folder: None,
        title: None,
        number: Some(n),
        name: name.into(),
        entries: vec![entry(name)],
    };

    // The user's own files, one with the name a playlist wants.
    fs::write(out.join("01 - b.m3u8"), "#EXTM3U\nmine\n").expect("write");
    fs::write(out.join("notes.txt"), "keep me").expect("write");
    fs::write(out.join("favourites.m3u8"), "#EXTM3U\nfav.mp3\n").expect("write");

    let first = write_playlists(
        &out,
        &[pl(0, "a"), pl(1, "b"), pl(2, "c")],
        &PlaylistOptions::default(),
    )
    .expect("write");
    let names = |paths: &[PathBuf]| -> Vec<String> {
        paths
            .iter()
            .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
            .collect()
    };
    assert_eq!(
        names(&first.written),
        ["00 - a.m3u8", "01 - b (2).m3u8", "02 - c.m3u8"]
    );
    assert!(
        first
            .warnings
            .iter()
            .any(|w| matches!(w, PlaylistWarning::NameTaken { wanted, used }
        if wanted.ends_with("01 - b.m3u8") && used.ends_with("01 - b (2).m3u8"))),
        "{:?}",
        first.warnings
    );
    assert_eq!(
        fs::read_to_string(out.join("01 - b.m3u8")).expect("read"),
        "#EXTM3U\nmine\n"
    );
    let a = fs::read_to_string(out.join("00 - a.m3u8")).expect("read");
    assert_eq!(a, "#EXTM3U\n#PLAYLIST:a\n#EXTINF:61,a\n../music/a.mp3\n");
    assert!(out.join(MANIFEST_FILE).exists());

    // The user edits one of ours.
    fs::write(out.join("02 - c.m3u8"), "#EXTM3U\nedited\n").expect("write");

    // Rewrite with fewer clusters, other names, and a name that differs only in case.
    let second = write_playlists(&out, &[pl(0, "A"), pl(1, "d")], &PlaylistOptions::default())
        .expect("write");
    assert_eq!(names(&second.written), ["00 - A.m3u8", "01 - d.m3u8"]);
    let mut removed = names(&second.removed);
    removed.sort();
    // "00 - a.m3u8" may be the same file as "00 - A.m3u8" on a case-insensitive file system.
    assert!(
        removed.contains(&"01 - b (2).m3u8".to_string()),
        "{removed:?}"
    );
    assert!(!removed.contains(&"02 - c.m3u8".to_string()));
    assert!(second.warnings.iter().any(
        |w| matches!(w, PlaylistWarning::ModifiedByUser { path } if path.ends_with("02 - c.m3u8"))
    ));
    assert_eq!(
        fs::read_to_string(out.join("02 - c.m3u8")).expect("read"),
        "#EXTM3U\nedited\n"
    );
    assert_eq!(
        fs::read_to_string(out.join("01 - b.m3u8")).expect("read"),
        "#EXTM3U\nmine\n"
    );
    assert_eq!(
        fs::read_to_string(out.join("notes.txt")).expect("read"),
        "keep me"
    );
    assert_eq!(
        fs::read_to_string(out.join("favourites.m3u8")).expect("read"),
        "#EXTM3U\nfav.mp3\n"
    );
    assert!(!out.join("01 - b (2).m3u8").exists());

    // The same again: nothing removed, nothing renamed, no temporary files.
    let third = write_playlists(&out, &[pl(0, "A"), pl(1, "d")], &PlaylistOptions::default())
        .expect("write");
    assert!(third.removed.is_empty());
    assert!(third.warnings.is_empty(), "{:?}", third.warnings);
    assert!(temp_files(&out).is_empty());

    // Duplicate names within one run get numbered, without a warning.
    let dup = write_playlists(
        &out,
        &[pl(5, "same"), pl(5, "same")],
        &PlaylistOptions::default(),
    )
    .expect("write");
    assert_eq!(
        names(&dup.written),
        ["05 - same.m3u8", "05 - same (2).m3u8"]
    );
    assert!(dup.warnings.is_empty(), "{:?}", dup.warnings);

    // A damaged manifest: nothing earlier is removed or replaced.
    fs::write(out.join(MANIFEST_FILE), "{ not json").expect("write");
    let fourth = write_playlists(&out, &[pl(9, "z")], &PlaylistOptions::default()).expect("write");
    assert!(fourth.removed.is_empty());
    assert!(fourth
        .warnings
        .iter()
        .any(|w| matches!(w, PlaylistWarning::ManifestUnreadable { .. })));
    assert!(out.join("05 - same.m3u8").exists());

    // A manifest naming files outside the folder cannot make sonority remove them.
    let victim = tmp.path().join("victim.m3u8");
    fs::write(&victim, "#EXTM3U\n").expect("write");
    let hash = "fnv1a64:0000000000000000";
    fs::write(
        out.join(MANIFEST_FILE),
        format!("{{\"sonority_playlists_manifest\":1,\"files\":{{\"../victim.m3u8\":[\"{hash}\"],\"notes.txt\":[\"{hash}\"]}}}}"),
    )
    .expect("write");
    write_playlists(&out, &[], &PlaylistOptions::default()).expect("write");
    assert!(victim.exists());
    assert!(out.join("notes.txt").exists());
}

#[test]
fn chain_order_orders_a_cluster_for_a_playlist() {
    // A line of tracks given in shuffled order comes out walking along the line, starting at
    // the one nearest the centroid.
    let xs = [5.0, 1.0, 4.0, 0.0, 2.0, 3.0];
    let points: Vec<Vec<f64>> = xs.iter().map(|&x| vec![x, 0.0]).collect();
    let refs: Vec<&[f64]> = points.iter().map(Vec::as_slice).collect();
    let order = chain_order(&refs, &[0.1, 0.0]);
    let walked: Vec<f64> = order.iter().map(|&i| xs[i]).collect();
    assert_eq!(walked, [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
}
