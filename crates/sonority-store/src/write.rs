//! Writing analysis results: a batch of tracks and their features in one transaction, so a
//! crash keeps every committed track whole and loses only the uncommitted batch.

use super::paths::SqlPath;
use super::{encode_vector, invalid_data, map_db_error, now_s, Store};
use crate::error::{Result, StoreError};
use crate::file::FileVersion;
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use sonority_features::{DecodeWarning, Decoder, FeatureLayout, SourceInfo};
use sonority_tags::Tags;

/// The result of analysing one file, as the pipeline hands it to the writer.
#[derive(Debug, Clone)]
pub struct AnalysisRecord {
    /// The file as scanned (its size and mtime are what the next run compares).
    pub file: FileVersion,
    /// Its tags (empty when unreadable; the problem is then in `warnings`).
    pub tags: Tags,
    /// Decoder and tag warnings.
    pub warnings: Vec<DecodeWarning>,
    /// Features, or why there are none.
    pub outcome: RecordOutcome,
}

/// How the analysis of one file ended.
#[derive(Debug, Clone)]
pub enum RecordOutcome {
    /// Analysed: what the file holds and its feature vector in the run's layout.
    Analysed {
        /// What the file holds (codec, rate, channels, duration).
        source: SourceInfo,
        /// Its feature vector.
        values: Vec<f64>,
    },
    /// Failed, with the message to store.
    Failed {
        /// Why.
        reason: String,
    },
}

impl Store {
    /// The id of the stored layout of `analysis_version`, storing `layout` if it is new.
    ///
    /// Errors with [`StoreError::LayoutMismatch`] if a different layout is stored for the
    /// same version.
    pub fn layout_id(&mut self, analysis_version: &str, layout: &FeatureLayout) -> Result<i64> {
        let path = self.path.clone();
        let err = |e| map_db_error(&path, e);
        let json = serde_json::to_string(layout).map_err(|e| self.invalid("feature layout", e))?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let existing: Option<(i64, String)> = tx
            .query_row(
                "SELECT id, layout FROM feature_layouts WHERE analysis_version = ?1",
                [analysis_version],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(err)?;
        let id = match existing {
            Some((id, stored)) => {
                let stored: FeatureLayout = serde_json::from_str(&stored)
                    .map_err(|e| invalid_data(&path, "feature layout", e))?;
                if stored != *layout {
                    return Err(StoreError::LayoutMismatch {
                        analysis_version: analysis_version.to_string(),
                    });
                }
                id
            }
            None => {
                tx.execute(
                    "INSERT INTO feature_layouts (analysis_version, layout) VALUES (?1, ?2)",
                    params![analysis_version, json],
                )
                .map_err(err)?;
                tx.last_insert_rowid()
            }
        };
        tx.commit().map_err(err)?;
        Ok(id)
    }

    /// Stores a batch of results in one transaction: each track row is inserted or updated
    /// (keeping its id) together with its feature vector, or with its features removed when
    /// the analysis failed.
    pub fn write_batch(
        &mut self,
        analysis_version: &str,
        layout_id: i64,
        records: &[AnalysisRecord],
    ) -> Result<()> {
        let path = self.path.clone();
        let err = |e| map_db_error(&path, e);
        let analyzed_at = now_s();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        {
            let mut upsert = tx
                .prepare_cached(
                    "INSERT INTO tracks (path, size, mtime_ns, duration_s, sample_rate, channels, \
                         codec, artist, album, title, genre, track_no, analysis_version, \
                         analyzed_at, error, warnings) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) \
                     ON CONFLICT(path) DO UPDATE SET size = excluded.size, \
                         mtime_ns = excluded.mtime_ns, duration_s = excluded.duration_s, \
                         sample_rate = excluded.sample_rate, channels = excluded.channels, \
                         codec = excluded.codec, artist = excluded.artist, \
                         album = excluded.album, title = excluded.title, \
                         genre = excluded.genre, track_no = excluded.track_no, \
                         analysis_version = excluded.analysis_version, \
                         analyzed_at = excluded.analyzed_at, error = excluded.error, \
                         warnings = excluded.warnings \
                     RETURNING id",
                )
                .map_err(err)?;
            let mut put_features = tx
                .prepare_cached(
                    "INSERT INTO features (track_id, layout_id, vector) VALUES (?1, ?2, ?3) \
                     ON CONFLICT(track_id) DO UPDATE SET layout_id = excluded.layout_id, \
                         vector = excluded.vector",
                )
                .map_err(err)?;
            let mut drop_features = tx
                .prepare_cached("DELETE FROM features WHERE track_id = ?1")
                .map_err(err)?;
            for record in records {
                let warnings = serde_json::to_string(&record.warnings)
                    .map_err(|e| invalid_data(&path, "warnings", e))?;
                let (source, error) = match &record.outcome {
                    RecordOutcome::Analysed { source, .. } => (Some(source), None),
                    RecordOutcome::Failed { reason } => (None, Some(reason.as_str())),
                };
                let size = i64::try_from(record.file.size).unwrap_or(i64::MAX);
                let channels = source.map(|s| i64::try_from(s.channels).unwrap_or(i64::MAX));
                // The decoder is recorded with the codec ("wmav2 via ffmpeg"): no new column,
                // and stores written before it existed stay valid (their files were native).
                let codec = source.map(|s| match s.decoder {
                    Decoder::Ffmpeg => format!("{} via ffmpeg", s.codec),
                    Decoder::Auto | Decoder::Native => s.codec.clone(),
                });
                let id: i64 = upsert
                    .query_row(
                        params![
                            SqlPath(&record.file.path),
                            size,
                            record.file.mtime_ns,
                            source.map(|s| s.duration_s),
                            source.map(|s| s.sample_rate),
                            channels,
                            codec,
                            record.tags.artist,
                            record.tags.album,
                            record.tags.title,
                            record.tags.genre,
                            record.tags.track_no,
                            analysis_version,
                            analyzed_at,
                            error,
                            warnings,
                        ],
                        |r| r.get(0),
                    )
                    .map_err(err)?;
                match &record.outcome {
                    RecordOutcome::Analysed { values, .. } => {
                        put_features
                            .execute(params![id, layout_id, encode_vector(values)])
                            .map_err(err)?;
                    }
                    RecordOutcome::Failed { .. } => {
                        drop_features.execute([id]).map_err(err)?;
                    }
                }
            }
        }
        tx.commit().map_err(err)
    }
}
