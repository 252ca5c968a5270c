//! `velo log-digest`: the errors that matter out of millions of log lines.
//!
//! Sources are read in blocks ([`reader`]); blocks are classified into events ([`events`],
//! [`header`]) and mined into templates ([`miner`]) in parallel, each block with its own miner;
//! the block miners are absorbed into one in block order, so the result is deterministic and
//! independent of the number of threads. The digest ranks templates by severity then count and
//! adds first/last seen, per-source counts, a sparkline, a root cause and suggested fixes.
//!
//! The rooms: [`mining`] drives the reading and merging of every source (and `--follow`'s
//! later bytes), `block` mines one block, `agg` keeps the bounded per-template aggregates,
//! [`report`] cuts the digest from them, and [`summarize`] mines captured output in one call
//! (for the test runner). This file holds what they share: the options and the per-line record.

mod agg;
pub mod baseline;
mod block;
pub mod events;
pub mod header;
mod http;
pub mod levels;
pub mod log_format;
pub mod mask;
#[cfg(test)]
mod matrix_tally;
pub mod miner;
pub mod mining;
mod multiline;
pub mod prune;
pub mod reader;
mod records;
pub mod report;
pub mod rules;
mod run;
mod summarize;
mod syslog;
pub mod time;
mod tokens;
#[cfg(test)]
mod wordless_matrix;

use regex::Regex;

use header::{Level, LogFormat};
pub use mining::{mine, Mining};
pub use report::{DigestReport, RootCause, SourceSummary, TemplateRow};
use rules::Rule;
pub use run::{inputs, run, Observer};
pub use summarize::{summarize, Summarized};

/// Lines sampled from the start of a source to infer its header structure.
const SAMPLE_LINES: usize = 200;
/// Sparkline width.
const SPARK_WIDTH: usize = 20;

/// What the digest should do.
#[derive(Debug, Clone)]
pub struct DigestOptions {
    pub log_format: Option<LogFormat>,
    pub top: usize,
    /// Only count events at this level or above.
    pub min_level: Option<Level>,
    /// Only count events at or after this time.
    pub since: Option<TimeBound>,
    /// Only count events at or before this time.
    pub until: Option<TimeBound>,
    /// Only count events whose line matches.
    pub grep: Option<Regex>,
    /// User rules (tried before the built-in ones).
    pub rules: Vec<Rule>,
    /// Keep a 16-byte record per input line, as `--assignments` needs. Without it memory is
    /// bounded by the number of templates and distinct seconds, not by the number of lines.
    pub keep_lines: bool,
    /// A previous digest to compare the warning-or-worse templates with (`--baseline`).
    pub baseline: Option<baseline::Baseline>,
}

impl Default for DigestOptions {
    /// Every event counted, the header format detected, the top 10 templates, no per-line
    /// records.
    fn default() -> Self {
        Self {
            log_format: None,
            top: 10,
            min_level: None,
            since: None,
            until: None,
            grep: None,
            rules: Vec::new(),
            keep_lines: false,
            baseline: None,
        }
    }
}

/// A `--since`/`--until` bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeBound {
    /// Absolute, epoch seconds.
    At(i64),
    /// This many seconds before the newest timestamp in the input.
    BeforeLatest(i64),
}

/// Errors of the digest.
#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    #[error("writing assignments: {0}")]
    Write(#[source] std::io::Error),
    /// A path that cannot be expanded (missing, a glob that matches nothing…).
    #[error(transparent)]
    Read(#[from] reader::ReadError),
    /// No input at all: every path was skipped (`why`, one line each), or named no file.
    #[error("{}", nothing_to_read(why))]
    NothingToRead { why: Vec<String> },
    /// Not one line of any input could be read (`why`: each source's reason).
    #[error("nothing could be read: {}", why.join("; "))]
    NothingRead { why: Vec<String> },
    #[error("no input can be followed: stdin and .gz files cannot be")]
    NothingToFollow,
    #[error("cannot follow {}", path.display())]
    Follow {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Watch(#[from] crate::watch::WatchError),
}

fn nothing_to_read(why: &[String]) -> String {
    if why.is_empty() {
        "no log files found in the given paths: pass files, folders or `-`".to_string()
    } else {
        format!("nothing to read: {}", why.join("; "))
    }
}

const NO_LEVEL: u8 = 0;
const CONTINUATION: u32 = u32::MAX;

fn level_code(l: Option<Level>) -> u8 {
    l.map_or(NO_LEVEL, |l| l as u8 + 1)
}

fn level_from_code(c: u8) -> Option<Level> {
    [
        Level::Trace,
        Level::Debug,
        Level::Info,
        Level::Notice,
        Level::Warning,
        Level::Error,
        Level::Fatal,
    ]
    .get(usize::from(c).wrapping_sub(1))
    .copied()
}

/// Per-line record (16 bytes): in blocks as they are mined, and kept to the end only for
/// `--assignments` (`DigestOptions::keep_lines`).
#[derive(Debug, Clone, Copy)]
struct Rec {
    /// Cluster index (block-local, then global; `CONTINUATION` only inside a block).
    cluster: u32,
    level: u8,
    grep: bool,
    /// A continuation line of the event before it.
    cont: bool,
    ts: i64,
}

/// An error event kept for the root-cause search.
#[derive(Debug, Clone)]
struct ErrorEvent {
    source: usize,
    /// Index of the head line within its source (0-based).
    line: usize,
    ts: Option<i64>,
    text: Vec<String>,
    /// The head line's record (global cluster id), for the filters.
    rec: Rec,
}
