//! The database schema and its ordered migrations.
//!
//! The schema version is SQLite's `PRAGMA user_version`: 0 for an empty file, then the number
//! of migrations applied. Each migration runs in its own transaction together with the version
//! bump, so a crash leaves the database at one version or the next. `PRAGMA application_id`
//! marks the file as a sonority library, so that another program's database is refused rather
//! than migrated.

/// `PRAGMA application_id` of a sonority library: "sono" in ASCII.
pub const APPLICATION_ID: i32 = 0x736F_6E6F;

/// The migrations, in order: `MIGRATIONS[i]` brings version `i` to `i + 1`. Never edit one
/// that has shipped; append a new one.
pub const MIGRATIONS: &[&str] = &[V1, V2, V3, V4_IN_PROGRESS, V5_NAMES_AND_IDS];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Version 1: tracks, feature layouts and vectors, clusterings, tag history.
const V1: &str = r#"
CREATE TABLE tracks (
    id               INTEGER PRIMARY KEY,
    -- canonical absolute path: TEXT, or a BLOB of the OS bytes when it is not UTF-8
    path             TEXT    NOT NULL UNIQUE,
    size             INTEGER NOT NULL,
    mtime_ns         INTEGER NOT NULL,
    duration_s       REAL,
    sample_rate      INTEGER,
    channels         INTEGER,
    codec            TEXT,
    artist           TEXT,
    album            TEXT,
    title            TEXT,
    genre            TEXT,
    track_no         INTEGER,
    analysis_version TEXT    NOT NULL,
    analyzed_at      INTEGER NOT NULL,  -- Unix seconds
    error            TEXT,              -- NULL when the analysis succeeded
    warnings         TEXT    NOT NULL DEFAULT '[]'  -- JSON [{position_s, message}]
);

CREATE TABLE feature_layouts (
    id               INTEGER PRIMARY KEY,
    analysis_version TEXT NOT NULL UNIQUE,
    layout           TEXT NOT NULL  -- JSON {"dims": [{"name", "group"}]}
);

CREATE TABLE features (
    track_id  INTEGER PRIMARY KEY REFERENCES tracks(id) ON DELETE CASCADE,
    layout_id INTEGER NOT NULL REFERENCES feature_layouts(id),
    vector    BLOB    NOT NULL  -- little-endian f64, one per layout dimension
);
CREATE INDEX features_layout ON features(layout_id);

CREATE TABLE clusterings (
    id               INTEGER PRIMARY KEY,
    created_at       INTEGER NOT NULL,  -- Unix seconds
    algorithm        TEXT    NOT NULL,
    analysis_version TEXT    NOT NULL,
    selection        TEXT    NOT NULL,  -- JSON: feature groups / dims and weights used
    params           TEXT    NOT NULL,  -- JSON
    k                INTEGER NOT NULL,
    quality          TEXT    NOT NULL,  -- JSON
    sweep            TEXT    NOT NULL,  -- JSON (null when k was given)
    model            TEXT    NOT NULL   -- JSON (null when not saved)
);

CREATE TABLE clusters (
    clustering_id INTEGER NOT NULL REFERENCES clusterings(id) ON DELETE CASCADE,
    cluster_id    INTEGER NOT NULL,
    name          TEXT,
    size          INTEGER NOT NULL,
    centroid      TEXT    NOT NULL,  -- JSON array
    x             REAL,
    y             REAL,
    PRIMARY KEY (clustering_id, cluster_id)
) WITHOUT ROWID;

CREATE TABLE track_clusters (
    clustering_id INTEGER NOT NULL REFERENCES clusterings(id) ON DELETE CASCADE,
    track_id      INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
    cluster_id    INTEGER,  -- NULL: noise / unassigned
    distance      REAL,
    confidence    REAL,
    x             REAL,
    y             REAL,
    PRIMARY KEY (clustering_id, track_id),
    FOREIGN KEY (clustering_id, cluster_id)
        REFERENCES clusters(clustering_id, cluster_id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX track_clusters_track ON track_clusters(track_id);

CREATE TABLE tag_history (
    id             INTEGER PRIMARY KEY,
    track_id       INTEGER REFERENCES tracks(id) ON DELETE SET NULL,
    path           TEXT    NOT NULL,  -- kept when the track is forgotten
    field          TEXT    NOT NULL,
    previous_value TEXT,
    new_value      TEXT,
    written_at     INTEGER NOT NULL,  -- Unix seconds
    clustering_id  INTEGER REFERENCES clusterings(id) ON DELETE SET NULL
);
CREATE INDEX tag_history_track ON tag_history(track_id);
"#;

/// Version 2: families, the level above clusters (a cluster's family; each family's name, size
/// and map position).
const V2: &str = r#"
ALTER TABLE clusters ADD COLUMN family_id INTEGER;

CREATE TABLE families (
    clustering_id INTEGER NOT NULL REFERENCES clusterings(id) ON DELETE CASCADE,
    family_id     INTEGER NOT NULL,
    name          TEXT,
    size          INTEGER NOT NULL,
    x             REAL,
    y             REAL,
    PRIMARY KEY (clustering_id, family_id)
) WITHOUT ROWID;
"#;

/// Version 3: the tag history becomes a write-ahead record. A row is committed as `pending`
/// (durably) before the file is replaced and marked `done` after; `undone` once an undo
/// restored what it replaced, `abandoned` when the write never happened. `kind` tells a
/// tag write from an undo; `dev`/`ino` are the file's identity after the write (a rename
/// gives a new inode), so undo finds the file by path or by identity, with or without its
/// track; `undone_by` links the rows an undo is restoring to the undo's own row.
const V3: &str = r#"
ALTER TABLE tag_history ADD COLUMN state TEXT NOT NULL DEFAULT 'done'
    CHECK (state IN ('pending', 'done', 'undone', 'abandoned'));
ALTER TABLE tag_history ADD COLUMN kind TEXT NOT NULL DEFAULT 'tag'
    CHECK (kind IN ('tag', 'undo'));
ALTER TABLE tag_history ADD COLUMN dev INTEGER;
ALTER TABLE tag_history ADD COLUMN ino INTEGER;
ALTER TABLE tag_history ADD COLUMN undone_by INTEGER;
CREATE INDEX tag_history_path ON tag_history(path, field);
CREATE INDEX tag_history_state ON tag_history(state);
"#;

/// Version 4 (in-progress marks): the files an analysis run is working on, marked (and
/// committed) before each one's analysis starts and cleared when its result is written, so
/// that a file that kills the process (an abort in a C decoder, a stack overflow) is found
/// marked by the next run and recorded as failed instead of killing every rerun.
const V4_IN_PROGRESS: &str = r#"
CREATE TABLE analysis_in_progress (
    -- as tracks.path: TEXT, or a BLOB of the OS bytes when it is not UTF-8
    path       TEXT    NOT NULL PRIMARY KEY,
    size       INTEGER NOT NULL,  -- the file as scanned, to tell a changed file
    mtime_ns   INTEGER NOT NULL,
    pid        INTEGER NOT NULL,  -- the process analysing it
    started_at INTEGER NOT NULL   -- Unix seconds
);
"#;

/// Version 5: one name per algorithm and one type of track id.
/// - The `algorithm` column takes the name people type (`--algorithm`) and `status` shows:
///   clusterings saved before called the Gaussian mixture `gaussian_mixture` and Ward's
///   agglomerative clustering `agglomerative` (their params and models keep their own serde
///   tags, which did not change).
/// - A saved model's training track ids become the store's integer ids: models were fitted on
///   a table keyed by the ids as strings (`"12"`), and are now keyed by the ids themselves.
const V5_NAMES_AND_IDS: &str = r#"
UPDATE clusterings SET algorithm = 'gmm' WHERE algorithm = 'gaussian_mixture';
UPDATE clusterings SET algorithm = 'ward'
    WHERE algorithm = 'agglomerative'
      AND json_extract(params, '$.algorithm.linkage') = 'ward';
UPDATE clusterings
    SET model = json_set(model, '$.clustering.track_ids', json((
        SELECT json_group_array(CAST(value AS INTEGER) ORDER BY key)
        FROM json_each(clusterings.model, '$.clustering.track_ids'))))
    WHERE json_valid(model)
      AND json_type(model, '$.clustering.track_ids') = 'array';
"#;
