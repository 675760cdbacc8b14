//! What the library writes for people and other tools from the latest clustering: playlists
//! ([`playlist`], [`cluster_playlists`]), tags in the music files with their history and undo
//! ([`cluster_tags`]), exports ([`export`], JSON paths in [`json_path`]) and the HTML report
//! ([`report`]).

pub mod cluster_playlists;
pub mod cluster_tags;
pub mod export;
pub mod json_path;
pub mod playlist;
pub mod report;
mod tag_write;
