//! Paths in JSON output. serde refuses a `PathBuf` that is not valid UTF-8 (any byte string
//! is a valid file name on Unix), which would fail a whole `--json` report for one odd file
//! name. Here a path is written as a (lossy) string under its key and, only when it is not
//! UTF-8, also as its raw bytes under `<key>_bytes` (a JSON array of numbers), so nothing is
//! lost: `{"path": "/music/\u{fffd}.flac", "path_bytes": [47, 109, ...]}`.
//!
//! The `*_fields` functions are for `#[serde(flatten, serialize_with = "...")]` on a path
//! field.

use serde::ser::{SerializeMap, Serializer};
use std::path::{Path, PathBuf};

/// The raw bytes of `path` when it is not valid UTF-8 (`None` when it is). On Unix these are
/// the bytes of the file name; elsewhere the platform's encoded form.
pub fn non_utf8_bytes(path: &Path) -> Option<&[u8]> {
    if path.to_str().is_some() {
        None
    } else {
        Some(path.as_os_str().as_encoded_bytes())
    }
}

/// `path` as JSON fields: `key` (the lossy string, or null) and, when not UTF-8,
/// `<key>_bytes`; inserted into `map`.
pub fn insert_path(
    map: &mut serde_json::Map<String, serde_json::Value>,
    key: &str,
    path: Option<&Path>,
) {
    map.insert(
        key.to_string(),
        path.map_or(serde_json::Value::Null, |p| {
            serde_json::Value::String(p.to_string_lossy().into_owned())
        }),
    );
    if let Some(bytes) = path.and_then(non_utf8_bytes) {
        map.insert(
            format!("{key}_bytes"),
            serde_json::Value::from(bytes.to_vec()),
        );
    }
}

fn fields<S: Serializer>(key: &str, path: Option<&Path>, s: S) -> Result<S::Ok, S::Error> {
    let bytes = path.and_then(non_utf8_bytes);
    let mut map = s.serialize_map(Some(1 + usize::from(bytes.is_some())))?;
    map.serialize_entry(key, &path.map(|p| p.to_string_lossy()))?;
    if let Some(bytes) = bytes {
        // A sequence of numbers (not `serialize_bytes`, which some formats write otherwise).
        map.serialize_entry(&format!("{key}_bytes"), &bytes.to_vec())?;
    }
    map.end()
}

/// Serialises a flattened `path` field: `path` and, when not UTF-8, `path_bytes`.
pub fn path_fields<S: Serializer>(path: &Path, s: S) -> Result<S::Ok, S::Error> {
    fields("path", Some(path), s)
}

/// Serialises a flattened optional `path` field: `path` (null when absent) and, when not
/// UTF-8, `path_bytes`.
pub fn opt_path_fields<S: Serializer>(path: &Option<PathBuf>, s: S) -> Result<S::Ok, S::Error> {
    fields("path", path.as_deref(), s)
}

/// Serialises a flattened `root` field: `root` and, when not UTF-8, `root_bytes`.
pub fn root_fields<S: Serializer>(path: &Path, s: S) -> Result<S::Ok, S::Error> {
    fields("root", Some(path), s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    struct Row {
        #[serde(flatten, serialize_with = "path_fields")]
        path: PathBuf,
        n: u32,
    }

    #[test]
    fn utf8_paths_are_plain_strings() {
        let v = serde_json::to_value(Row {
            path: PathBuf::from("/music/é.flac"),
            n: 1,
        })
        .expect("json");
        assert_eq!(v, serde_json::json!({"path": "/music/é.flac", "n": 1}));
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_paths_keep_their_bytes() {
        use std::os::unix::ffi::OsStrExt;
        let raw = b"/m/\xffx.wav";
        let path = PathBuf::from(std::ffi::OsStr::from_bytes(raw));
        let v = serde_json::to_value(Row { path, n: 2 }).expect("json");
        assert_eq!(v["path"], "/m/\u{fffd}x.wav");
        let bytes: Vec<u8> = serde_json::from_value(v["path_bytes"].clone()).expect("bytes");
        assert_eq!(bytes, raw);
        assert_eq!(v["n"], 2);
    }
}
