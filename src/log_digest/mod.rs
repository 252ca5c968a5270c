//! `velo log-digest`: the errors that matter out of millions of log lines.
//!
//! Sources are read in blocks ([`reader`]); blocks are classified into events ([`events`],
//! [`header`]) and mined into templates ([`miner`]) in parallel, each block with its own miner;
//! the block miners are absorbed into one in block order, so the result is deterministic and
//! independent of the number of threads. The digest ranks templates by severity then count and
//! adds first/last seen, per-source counts, a sparkline, a root cause and suggested fixes.

pub mod events;
pub mod header;
pub mod mask;
pub mod miner;
pub mod prune;
pub mod reader;
pub mod report;
pub mod rules;
pub mod time;

use std::io::Write;

use rayon::prelude::*;
use regex::Regex;
use rustc_hash::FxHashMap;

use events::{EventParser, Line, Splitter};
use header::{HeaderModel, Level, LogFormat};
use miner::{Miner, MinerConfig};
use reader::{BlockReader, Input};
pub use report::{DigestReport, RootCause, SourceSummary, TemplateRow};
use rules::Rule;

/// Lines sampled from the start of a source to infer its header structure.
const SAMPLE_LINES: usize = 200;
/// Error events kept per block for the root-cause search.
const ERRORS_PER_BLOCK: usize = 16;
/// Lines of an event's text kept for the root cause.
const EVENT_LINES: usize = 60;
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

/// Fine slices of a source's lines kept per [`Entry`] for sparklines over the input (when
/// there are no timestamps): up to this many, each `1 << Agg::shift` lines wide.
const FINE_BINS: usize = 2048;

/// Entries kept before times are put in coarser buckets (each entry is about 200 bytes).
const MAX_ENTRIES: usize = 1 << 16;

/// The event heads of one (source, cluster, level, --grep match, time bucket): what the digest
/// needs without a record per line. A bucket is one second until there are more than
/// [`MAX_ENTRIES`] entries, then 2, 4, 8… seconds.
#[derive(Debug, Clone)]
struct Entry {
    source: u32,
    cluster: u32,
    level: u8,
    grep: bool,
    /// The bucket: `ts >> Agg::tshift` (`i64::MIN` without a timestamp).
    bucket: i64,
    /// The earliest time in the bucket and the first line with it; the latest and the last
    /// line with it.
    min_ts: i64,
    first_at_min: usize,
    max_ts: i64,
    last_at_max: usize,
    count: u64,
    /// First and last line index (0-based, within the source).
    first: usize,
    last: usize,
    /// (fine slice of the source's lines, events in it), in line order.
    bins: Vec<(u32, u32)>,
}

impl Entry {
    /// A time standing for the bucket (exact while buckets are one second).
    fn mid_ts(&self) -> i64 {
        let mid = (i128::from(self.min_ts) + i128::from(self.max_ts)) / 2;
        i64::try_from(mid).unwrap_or(self.min_ts)
    }

    /// Folds `o` (same key) into this entry.
    fn absorb(&mut self, other: &Entry) {
        self.count += other.count;
        self.first = self.first.min(other.first);
        self.last = self.last.max(other.last);
        if (other.min_ts, other.first_at_min) < (self.min_ts, self.first_at_min) {
            self.min_ts = other.min_ts;
            self.first_at_min = other.first_at_min;
        }
        if (other.max_ts, other.last_at_max) > (self.max_ts, self.last_at_max) {
            self.max_ts = other.max_ts;
            self.last_at_max = other.last_at_max;
        }
        let mut bins: Vec<(u32, u32)> = self.bins.iter().chain(&other.bins).copied().collect();
        bins.sort_by_key(|b| b.0);
        bins.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1 += later.1;
            }
            same
        });
        self.bins = bins;
    }
}

type EntryKey = (u32, u32, u8, bool, i64);

/// Per-template aggregates of the event heads: memory is bounded by [`MAX_ENTRIES`], not by
/// the number of lines.
#[derive(Debug, Default)]
struct Agg {
    entries: Vec<Entry>,
    index: FxHashMap<EntryKey, u32>,
    /// Per global cluster, the entry it last went to (`u32::MAX`: none yet).
    hint: Vec<u32>,
    /// Fine line slices are `1 << shift` lines wide.
    shift: u32,
    /// Time buckets are `1 << tshift` seconds wide.
    tshift: u32,
}

impl Agg {
    fn bucket(&self, ts: i64) -> i64 {
        if ts == i64::MIN {
            i64::MIN
        } else {
            ts >> self.tshift
        }
    }

    /// Counts one event head `r` (global cluster id) at line index `line` of `source`.
    fn add(&mut self, source: u32, r: &Rec, line: usize) {
        while line >= FINE_BINS << self.shift {
            self.coarsen_lines();
        }
        if self.entries.len() >= MAX_ENTRIES {
            self.coarsen_times();
        }
        let bucket = self.bucket(r.ts);
        let slot = r.cluster as usize;
        if self.hint.len() <= slot {
            self.hint.resize(slot + 1, u32::MAX);
        }
        let mut ix = self.hint[slot];
        let hit = self.entries.get(ix as usize).is_some_and(|e| {
            e.source == source && e.level == r.level && e.grep == r.grep && e.bucket == bucket
        });
        if !hit {
            let entries = &mut self.entries;
            ix = *self
                .index
                .entry((source, r.cluster, r.level, r.grep, bucket))
                .or_insert_with(|| {
                    entries.push(Entry {
                        source,
                        cluster: r.cluster,
                        level: r.level,
                        grep: r.grep,
                        bucket,
                        min_ts: r.ts,
                        first_at_min: line,
                        max_ts: r.ts,
                        last_at_max: line,
                        count: 0,
                        first: line,
                        last: line,
                        bins: Vec::new(),
                    });
                    u32::try_from(entries.len() - 1).unwrap_or(u32::MAX)
                });
            self.hint[slot] = ix;
        }
        let Some(e) = self.entries.get_mut(ix as usize) else {
            return;
        };
        e.count += 1;
        e.last = line;
        if r.ts < e.min_ts {
            e.min_ts = r.ts;
            e.first_at_min = line;
        }
        if r.ts >= e.max_ts {
            e.max_ts = r.ts;
            e.last_at_max = line;
        }
        let bin = u32::try_from(line >> self.shift).unwrap_or(u32::MAX);
        match e.bins.last_mut() {
            Some((b, n)) if *b == bin => *n += 1,
            _ => e.bins.push((bin, 1)),
        }
    }

    /// Doubles the width of the fine line slices.
    fn coarsen_lines(&mut self) {
        self.shift += 1;
        for e in &mut self.entries {
            let mut out: Vec<(u32, u32)> = Vec::with_capacity(e.bins.len());
            for &(b, n) in &e.bins {
                match out.last_mut() {
                    Some((ob, on)) if *ob == b >> 1 => *on += n,
                    _ => out.push((b >> 1, n)),
                }
            }
            e.bins = out;
        }
    }

    /// Doubles the width of the time buckets until at most half of [`MAX_ENTRIES`] remain
    /// (in place: entries sorted by key, neighbours with the same key folded together).
    fn coarsen_times(&mut self) {
        let key = |e: &Entry| (e.source, e.cluster, e.level, e.grep, e.bucket);
        while self.entries.len() > MAX_ENTRIES / 2 && self.tshift < 62 {
            self.tshift += 1;
            let tshift = self.tshift;
            for e in &mut self.entries {
                if e.bucket != i64::MIN {
                    e.bucket = e.min_ts >> tshift;
                }
            }
            self.entries.sort_unstable_by_key(key);
            self.entries.dedup_by(|later, kept| {
                let same = key(later) == key(kept);
                if same {
                    kept.absorb(later);
                }
                same
            });
        }
        self.entries.shrink_to(MAX_ENTRIES);
        self.index.clear();
        for (ix, e) in self.entries.iter().enumerate() {
            self.index
                .insert(key(e), u32::try_from(ix).unwrap_or(u32::MAX));
        }
        self.hint.fill(u32::MAX);
    }
}

struct BlockOut {
    miner: Miner,
    recs: Vec<Rec>,
    lossy: u64,
    errors: Vec<(usize, Option<i64>, Vec<String>, Rec)>,
}

/// An exact-line cache: a line seen before (same bytes, same source format) skips header
/// splitting, masking and timestamp parsing. Only plain single-line heads are cached. It is
/// per worker thread and bounded; a line is cached on its second sighting, so input without
/// repeats pays one hash-set insert per line.
struct LineCache {
    owner: u64,
    /// Direct-mapped table of recently seen line hashes (first sightings).
    seen: Vec<u64>,
    entries: FxHashMap<u64, CachedLine>,
}

struct CachedLine {
    len: usize,
    shape: Box<[u8]>,
    message_at: usize,
    level: Option<Level>,
    ts: i64,
    has_header: bool,
}

const LINE_CACHE_MAX: usize = 1 << 16;

thread_local! {
    static LINE_CACHE: std::cell::RefCell<LineCache> = std::cell::RefCell::new(LineCache {
        owner: u64::MAX,
        seen: vec![0; LINE_CACHE_MAX],
        entries: FxHashMap::default(),
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn progress_counts_raw_bytes_compressed_ones_for_gz() {
        use std::io::Write as _;
        let d = tempfile::tempdir().unwrap();
        let mut text = String::new();
        for i in 0..60_000 {
            text.push_str(&format!("2024-05-01 10:00:00 INFO app: order {i} filled\n"));
        }
        let plain = d.path().join("a.log");
        std::fs::write(&plain, &text).unwrap();
        let gz = d.path().join("b.log.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(text.as_bytes()).unwrap();
        std::fs::write(&gz, enc.finish().unwrap()).unwrap();
        let inputs = [
            super::Input::Path(plain.clone()),
            super::Input::Path(gz.clone()),
        ];
        let total: u64 = inputs.iter().filter_map(super::reader::input_len).sum();
        let seen = std::sync::Mutex::new(Vec::new());
        let opts = super::DigestOptions {
            log_format: None,
            top: 5,
            min_level: None,
            since: None,
            until: None,
            grep: None,
            rules: Vec::new(),
            keep_lines: true,
        };
        let m = super::mine(&inputs, &opts, &|done| seen.lock().unwrap().push(done));
        let seen = seen.into_inner().unwrap();
        assert!(seen.len() > 2, "reported as reading goes: {seen:?}");
        assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
        assert_eq!(
            seen.last().copied(),
            Some(total),
            "compressed bytes for the .gz"
        );
        assert_eq!(m.bytes_read(0), std::fs::metadata(&plain).unwrap().len());
        assert_eq!(m.sources()[1].lines, 60_000);
    }

    /// Aggregates stay bounded however many distinct seconds come in, and keep the totals,
    /// first/last lines and extreme times exact.
    #[test]
    fn aggregates_are_bounded_and_keep_totals_exact() {
        let mut agg = super::Agg::default();
        let n = super::MAX_ENTRIES * 3;
        for line in 0..n {
            // Two clusters, every line a new second, out of order now and then.
            let ts = 1_700_000_000
                + if line % 7 == 3 {
                    -(line as i64)
                } else {
                    line as i64
                };
            let r = super::Rec {
                cluster: (line % 2) as u32,
                level: 3,
                grep: true,
                cont: false,
                ts,
            };
            agg.add(0, &r, line);
        }
        assert!(
            agg.entries.len() <= super::MAX_ENTRIES,
            "{}",
            agg.entries.len()
        );
        assert!(agg.tshift > 0 && agg.shift > 0);
        let total: u64 = agg.entries.iter().map(|e| e.count).sum();
        assert_eq!(total, n as u64);
        for c in 0..2u32 {
            let mine: Vec<&super::Entry> = agg.entries.iter().filter(|e| e.cluster == c).collect();
            let bins: u64 = mine
                .iter()
                .flat_map(|e| &e.bins)
                .map(|b| u64::from(b.1))
                .sum();
            assert_eq!(bins, mine.iter().map(|e| e.count).sum::<u64>());
            assert_eq!(mine.iter().map(|e| e.first).min(), Some(c as usize));
            assert_eq!(mine.iter().map(|e| e.last).max(), Some(n - 2 + c as usize));
            let want_min = (0..n)
                .filter(|l| l % 2 == c as usize)
                .map(|l| 1_700_000_000 + if l % 7 == 3 { -(l as i64) } else { l as i64 })
                .min();
            assert_eq!(mine.iter().map(|e| e.min_ts).min(), want_min);
        }
    }

    #[test]
    fn summarize_groups_captured_output() {
        let out = "\
2024-05-01 10:00:00 INFO run: worker 1 started in 0.2s
2024-05-01 10:00:01 ERROR run: worker 2 failed: connection refused to 10.0.0.1:5432
2024-05-01 10:00:02 ERROR run: worker 3 failed: connection refused to 10.0.0.2:5432
Traceback (most recent call last):
  File \"t.py\", line 3, in <module>
ValueError: boom
";
        let t = super::summarize(out);
        assert_eq!(t[0].template.count, 2);
        assert_eq!(
            t[0].template.text,
            "worker <*> failed: connection refused to <*>"
        );
        assert_eq!(t[0].level, Some(super::Level::Error));
        assert_eq!(
            t.iter().map(|t| t.template.count).sum::<u64>(),
            3,
            "the traceback joins its error"
        );
    }
}

fn line_hash(line: &str) -> u64 {
    use std::hash::Hasher as _;
    let mut h = rustc_hash::FxHasher::default();
    h.write(line.as_bytes());
    h.finish()
}

/// Mines one block of whole lines. `reference` (epoch seconds) places year-less timestamps:
/// the source file's modification time, or now.
fn process_block(
    block: &[u8],
    splitter: &Splitter,
    splitter_id: u64,
    grep: Option<&Regex>,
    reference: i64,
) -> BlockOut {
    LINE_CACHE.with_borrow_mut(|cache| {
        if cache.owner != splitter_id {
            cache.owner = splitter_id;
            cache.seen.fill(0);
            cache.entries.clear();
        }
        process_block_cached(block, splitter, grep, reference, cache)
    })
}

fn process_block_cached(
    block: &[u8],
    splitter: &Splitter,
    grep: Option<&Regex>,
    reference: i64,
    cache: &mut LineCache,
) -> BlockOut {
    let mut miner = Miner::new(MinerConfig::default());
    let mut recs = Vec::with_capacity(block.len() / 80);
    let mut lossy = 0;
    let mut errors: Vec<(usize, Option<i64>, Vec<String>, Rec)> = Vec::new();
    let mut parser = EventParser::new(splitter);
    let mut collecting = false;
    let mut head_level = NO_LEVEL;
    let mut head_ts = i64::MIN;
    for (i, raw) in reader::lines(block).enumerate() {
        let line = if let Ok(s) = std::str::from_utf8(raw) {
            std::borrow::Cow::Borrowed(s)
        } else {
            lossy += 1;
            String::from_utf8_lossy(raw)
        };
        let matched = grep.is_none_or(|g| g.is_match(&line));
        let starts_event = !line.starts_with([' ', '\t']);
        let key = if parser.is_plain() && starts_event {
            Some(line_hash(&line))
        } else {
            None
        };
        let hit = key
            .and_then(|k| cache.entries.get(&k))
            .filter(|e| e.len == line.len());
        let head = if let Some(e) = hit {
            parser.replay_plain_head(e.has_header);
            let cluster = miner.add_shape(&e.shape, &line[e.message_at..]);
            Some((cluster, e.level, e.ts))
        } else if let Line::Head {
            header,
            message,
            level,
        } = parser.line(&line)
        {
            let cluster = miner.add(&message);
            let ts = if header.is_empty() {
                i64::MIN
            } else {
                time::parse_at(header, reference).unwrap_or(i64::MIN)
            };
            if let (Some(k), std::borrow::Cow::Borrowed(m)) = (key, &message) {
                if parser.head_was_plain() {
                    if cache.entries.len() >= LINE_CACHE_MAX {
                        cache.entries.clear();
                    }
                    let slot = (k as usize) & (LINE_CACHE_MAX - 1);
                    if cache.seen[slot] == k {
                        let message_at = m.as_ptr() as usize - line.as_ptr() as usize;
                        cache.entries.insert(
                            k,
                            CachedLine {
                                len: line.len(),
                                shape: miner.shape_text(cluster).into(),
                                message_at,
                                level,
                                ts,
                                has_header: parser.head_has_header(),
                            },
                        );
                    } else {
                        // First sighting: remember the hash only.
                        cache.seen[slot] = k;
                    }
                }
            }
            Some((cluster, level, ts))
        } else {
            None
        };
        if let Some((cluster, level, ts)) = head {
            head_level = level_code(level);
            head_ts = ts;
            collecting = false;
            let rec = Rec {
                cluster,
                level: head_level,
                grep: matched,
                cont: false,
                ts,
            };
            if level.is_some_and(|l| l >= Level::Error) && errors.len() < ERRORS_PER_BLOCK {
                errors.push((
                    i,
                    (ts != i64::MIN).then_some(ts),
                    vec![line.to_string()],
                    rec,
                ));
                collecting = true;
            }
            recs.push(rec);
        } else {
            if collecting {
                if let Some(e) = errors.last_mut() {
                    if e.2.len() < EVENT_LINES {
                        e.2.push(line.to_string());
                    }
                }
            }
            recs.push(Rec {
                cluster: CONTINUATION,
                level: head_level,
                grep: matched,
                cont: true,
                ts: head_ts,
            });
        }
    }
    BlockOut {
        miner,
        recs,
        lossy,
        errors,
    }
}

/// A template of [`summarize`], with the most severe level seen on its lines.
#[derive(Debug, Clone)]
pub struct Summarized {
    pub template: miner::Template,
    /// The most severe level of its events (from the header or the message), if any had one.
    pub level: Option<Level>,
}

/// Summarises captured output (a failing command's stdout/stderr, a small log) in one call:
/// headers are inferred and stripped, multi-line events grouped, messages mined. Returns the
/// templates with their counts, first example and worst level, most frequent first (ties:
/// first seen).
pub fn summarize(text: &str) -> Vec<Summarized> {
    let first: Vec<&str> = text.lines().take(SAMPLE_LINES).collect();
    let splitter = Splitter::Auto(HeaderModel::infer(first.iter().copied()));
    let mut parser = EventParser::new(&splitter);
    let mut m = Miner::new(MinerConfig::default());
    let mut shape_levels: Vec<Option<Level>> = Vec::new();
    for line in text.lines() {
        if let Line::Head { message, level, .. } = parser.line(line) {
            let shape = m.add(&message) as usize;
            if shape_levels.len() <= shape {
                shape_levels.resize(shape + 1, None);
            }
            shape_levels[shape] = shape_levels[shape].max(level);
        }
    }
    let mined = m.finish();
    let mut levels: Vec<Option<Level>> = vec![None; mined.templates.len()];
    for (shape, level) in shape_levels.iter().enumerate() {
        let t = mined.cluster_template[shape] as usize;
        levels[t] = levels[t].max(*level);
    }
    let mut out: Vec<Summarized> = mined
        .templates
        .into_iter()
        .zip(levels)
        .map(|(template, level)| Summarized { template, level })
        .collect();
    out.sort_by_key(|t| std::cmp::Reverse(t.template.count));
    out
}

/// Everything mined from the inputs, before the digest is cut from it.
pub struct Mining {
    sources: Vec<SourceSummary>,
    /// Per source, its lines' records (global cluster ids); empty unless `keep_lines`.
    recs: Vec<Vec<Rec>>,
    /// Per-template aggregates of every source's event heads.
    agg: Agg,
    errors: Vec<ErrorEvent>,
    miner: Miner,
    /// Per source, what `feed` needs to go on where reading stopped.
    states: Vec<SourceState>,
    /// Inputs found but not read (symlink loops, FIFOs, duplicates), for the report.
    pub skipped: Vec<reader::Skipped>,
}

/// Where a source's reading stopped: its header model, the cluster of its last event (for
/// continuation lines) and an unfinished last line.
struct SourceState {
    splitter: Option<(Splitter, u64)>,
    last_cluster: u32,
    carry: Vec<u8>,
    /// The next bytes fed start the file (after truncation or rotation): a byte order mark
    /// there is dropped.
    at_start: bool,
    /// Bytes read from the raw source by `mine` (where `--follow` goes on from).
    bytes_read: u64,
    /// Places year-less timestamps (epoch seconds): the file's modification time when it was
    /// opened, or now.
    reference: i64,
}

/// Reads and mines every input. A source that cannot be opened, or fails part way (a
/// truncated `.gz`, an I/O error), keeps what was read before the failure and says what went
/// wrong in its [`SourceSummary::error`]; the other sources are digested all the same.
///
/// `progress` is called from a reader thread with the total bytes read so far from the raw
/// sources (compressed bytes for `.gz`), about once per megabyte.
pub fn mine(inputs: &[Input], opts: &DigestOptions, progress: &(dyn Fn(u64) + Sync)) -> Mining {
    let counter = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut mining = Mining::empty();
    for input in inputs {
        let before = counter.load(std::sync::atomic::Ordering::Relaxed);
        let opened = reader::open(input, Some(counter.clone())).map_err(|e| match e {
            reader::ReadError::Io { source, .. } => format!("cannot be read: {source}"),
            other => other.to_string(),
        });
        mining.add_source(input.name(), opened, opts, &|| {
            progress(counter.load(std::sync::atomic::Ordering::Relaxed));
        });
        if let Some(st) = mining.states.last_mut() {
            st.bytes_read = counter.load(std::sync::atomic::Ordering::Relaxed) - before;
        }
    }
    mining
}

/// What the sequential merge step accumulates.
struct Acc {
    global: Miner,
    /// Per-line records, kept only with `keep_lines`.
    recs: Vec<Rec>,
    keep_lines: bool,
    /// Lines of this source so far.
    lines: usize,
    agg: Agg,
    errors: Vec<ErrorEvent>,
    lossy: u64,
    last_cluster: u32,
    source: usize,
}

impl Acc {
    /// Folds block results into the global miner, in block order.
    fn merge(&mut self, outs: Vec<BlockOut>) {
        for out in outs {
            let map = self.global.absorb(&out.miner);
            let base = self.lines;
            self.lossy += out.lossy;
            if self.keep_lines {
                self.recs.reserve(out.recs.len());
            }
            let source = u32::try_from(self.source).unwrap_or(u32::MAX);
            self.lines += out.recs.len();
            for (i, mut r) in out.recs.into_iter().enumerate() {
                if r.cluster == CONTINUATION {
                    r.cluster = self.last_cluster;
                } else {
                    r.cluster = map[r.cluster as usize];
                    self.last_cluster = r.cluster;
                }
                if !r.cont {
                    self.agg.add(source, &r, base + i);
                }
                if self.keep_lines {
                    self.recs.push(r);
                }
            }
            for (i, ts, text, mut rec) in out.errors {
                rec.cluster = map[rec.cluster as usize];
                self.errors.push(ErrorEvent {
                    source: self.source,
                    line: base + i,
                    ts,
                    text,
                    rec,
                });
            }
        }
    }
}

/// How reading one source ended.
struct SourceEnd {
    cut_lines: u64,
    splitter: Option<(Splitter, u64)>,
    /// The read error that stopped it early, if any.
    failed: Option<std::io::Error>,
}

/// Mines one source: a reader thread fills a bounded queue of blocks; batches of blocks are
/// mined in parallel while the previous batch is merged. A read error stops the source after
/// the blocks read before it are mined.
fn mine_source(
    rd: Box<dyn std::io::Read + Send>,
    reference: i64,
    opts: &DigestOptions,
    acc: &mut Acc,
    progress: &(dyn Fn() + Sync),
) -> SourceEnd {
    let mut rd = BlockReader::new(rd);
    let batch = rayon::current_num_threads().max(1) * 2;
    let (tx, rx) = std::sync::mpsc::sync_channel::<std::io::Result<Vec<u8>>>(batch);
    std::thread::scope(|scope| {
        let reading = scope.spawn(move || {
            loop {
                let next = rd.next_block();
                progress();
                match next {
                    Ok(Some(b)) => {
                        if tx.send(Ok(b)).is_err() {
                            break;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        break;
                    }
                }
            }
            rd.cut_lines
        });
        let mut splitter: Option<(Splitter, u64)> = None;
        let mut pending: Vec<BlockOut> = Vec::new();
        let mut failed = None;
        while failed.is_none() {
            let mut blocks = Vec::with_capacity(batch);
            for item in &rx {
                match item {
                    Ok(b) => blocks.push(b),
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
                if blocks.len() >= batch {
                    break;
                }
            }
            if blocks.is_empty() {
                break;
            }
            let (sp, sp_id) = splitter.get_or_insert_with(|| infer_splitter(&blocks[0], opts));
            let (sp, sp_id): (&Splitter, u64) = (sp, *sp_id);
            let previous = std::mem::take(&mut pending);
            let ((), mined_batch) = rayon::join(
                || acc.merge(previous),
                || {
                    blocks
                        .par_iter()
                        .map(|b| process_block(b, sp, sp_id, opts.grep.as_ref(), reference))
                        .collect::<Vec<BlockOut>>()
                },
            );
            pending = mined_batch;
        }
        acc.merge(pending);
        drop(rx);
        let cut_lines = reading.join().unwrap_or(0);
        SourceEnd {
            cut_lines,
            splitter,
            failed,
        }
    })
}

/// Infers a source's header model; returns it with a process-unique id (for the line cache).
fn infer_splitter(first: &[u8], opts: &DigestOptions) -> (Splitter, u64) {
    static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let id = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let sample: Vec<String> = reader::lines(first)
        .take(SAMPLE_LINES)
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect();
    let model = HeaderModel::infer(sample.iter().map(String::as_str));
    let splitter = match &opts.log_format {
        Some(f) => Splitter::Format(f.clone(), model),
        None => Splitter::Auto(model),
    };
    (splitter, id)
}

/// One `--assignments` record.
#[derive(serde::Serialize)]
struct Assignment<'a> {
    source: &'a str,
    line: usize,
    template_id: &'a str,
    template: &'a str,
}

impl Mining {
    fn empty() -> Self {
        Self {
            sources: Vec::new(),
            recs: Vec::new(),
            agg: Agg::default(),
            errors: Vec::new(),
            miner: Miner::new(MinerConfig::default()),
            states: Vec::new(),
            skipped: Vec::new(),
        }
    }

    /// Mines one more source, from its opened reader or the reason it could not be opened.
    fn add_source(
        &mut self,
        name: String,
        opened: Result<reader::Opened, String>,
        opts: &DigestOptions,
        progress: &(dyn Fn() + Sync),
    ) {
        let si = self.sources.len();
        let mut acc = Acc {
            global: std::mem::take(&mut self.miner),
            recs: Vec::new(),
            keep_lines: opts.keep_lines,
            lines: 0,
            agg: std::mem::take(&mut self.agg),
            errors: std::mem::take(&mut self.errors),
            lossy: 0,
            last_cluster: CONTINUATION,
            source: si,
        };
        let reference = opened
            .as_ref()
            .ok()
            .and_then(|o| o.modified)
            .unwrap_or_else(time::now);
        let (end, gzip, error) = match opened {
            Ok(o) => (
                mine_source(o.reader, reference, opts, &mut acc, progress),
                o.gzip,
                None,
            ),
            Err(message) => (
                SourceEnd {
                    cut_lines: 0,
                    splitter: None,
                    failed: None,
                },
                false,
                Some(message),
            ),
        };
        let lines = acc.lines as u64;
        let error = error.or_else(|| {
            end.failed.map(|e| {
                let what = if gzip {
                    format!("the gzip data is cut short or corrupt ({e})")
                } else {
                    format!("read error ({e})")
                };
                if lines == 0 {
                    format!("{what} after 0 line(s): nothing in it could be read")
                } else {
                    format!(
                        "{what} after {lines} line(s); those lines are digested, the rest of \
                         the file is not"
                    )
                }
            })
        });
        self.miner = acc.global;
        self.agg = acc.agg;
        self.errors = acc.errors;
        self.states.push(SourceState {
            splitter: end.splitter,
            last_cluster: acc.last_cluster,
            carry: Vec::new(),
            at_start: false,
            bytes_read: 0,
            reference,
        });
        self.sources.push(SourceSummary {
            name,
            lines,
            invalid_utf8_lines: acc.lossy,
            cut_lines: end.cut_lines,
            error,
        });
        self.recs.push(acc.recs);
    }

    /// Bytes read from source `source`'s raw file while mining it.
    pub fn bytes_read(&self, source: usize) -> u64 {
        self.states[source].bytes_read
    }

    /// Each source's totals so far.
    pub fn sources(&self) -> &[SourceSummary] {
        &self.sources
    }

    /// True when nothing at all could be read: every source failed and no line came in.
    pub fn nothing_read(&self) -> bool {
        self.sources
            .iter()
            .all(|s| s.error.is_some() && s.lines == 0)
    }

    /// Mines bytes appended to source `source` (for `--follow`). An unfinished last line waits
    /// for the rest of it; line numbers go on from where the source ended.
    pub fn feed(&mut self, source: usize, bytes: &[u8], opts: &DigestOptions) {
        let st = &mut self.states[source];
        st.carry.extend_from_slice(bytes);
        if st.at_start {
            if st.carry.starts_with(reader::BOM) {
                st.carry.drain(..reader::BOM.len());
            } else if reader::BOM.starts_with(&st.carry) {
                return; // Too short to tell yet.
            }
            st.at_start = false;
        }
        let Some(end) = memchr::memrchr(b'\n', &st.carry) else {
            return;
        };
        let block: Vec<u8> = st.carry.drain(..=end).collect();
        let (sp, id) = st
            .splitter
            .get_or_insert_with(|| infer_splitter(&block, opts));
        let out = process_block(&block, sp, *id, opts.grep.as_ref(), st.reference);
        let mut acc = Acc {
            global: std::mem::take(&mut self.miner),
            recs: std::mem::take(&mut self.recs[source]),
            keep_lines: opts.keep_lines,
            lines: usize::try_from(self.sources[source].lines).unwrap_or(usize::MAX),
            agg: std::mem::take(&mut self.agg),
            errors: std::mem::take(&mut self.errors),
            lossy: 0,
            last_cluster: st.last_cluster,
            source,
        };
        acc.merge(vec![out]);
        st.last_cluster = acc.last_cluster;
        self.miner = acc.global;
        self.recs[source] = acc.recs;
        self.agg = acc.agg;
        self.errors = acc.errors;
        let summary = &mut self.sources[source];
        summary.lines = acc.lines as u64;
        summary.invalid_utf8_lines += acc.lossy;
    }

    /// Drops an unfinished last line of `source` (its file was truncated or rotated); the
    /// next bytes fed start the file.
    pub fn restart(&mut self, source: usize) {
        self.states[source].carry.clear();
        self.states[source].at_start = true;
    }

    /// Finishes mining, writes assignments (one JSON line per input line) if asked, and cuts
    /// the digest. Assignments need the records of mining with `keep_lines`.
    pub fn digest(
        &self,
        opts: &DigestOptions,
        assignments: Option<&mut dyn Write>,
    ) -> Result<DigestReport, DigestError> {
        let mined = self.miner.finish();
        if let Some(w) = assignments {
            debug_assert!(opts.keep_lines, "assignments need keep_lines");
            let mut buf = Vec::with_capacity(1 << 16);
            for (src, recs) in self.sources.iter().zip(&self.recs) {
                for (i, r) in recs.iter().enumerate() {
                    let (id, text) = if r.cluster == CONTINUATION {
                        ("", "")
                    } else {
                        let t = mined.template_of(r.cluster);
                        (t.id.as_str(), t.text.as_str())
                    };
                    serde_json::to_writer(
                        &mut buf,
                        &Assignment {
                            source: &src.name,
                            line: i + 1,
                            template_id: id,
                            template: text,
                        },
                    )
                    .map_err(|e| DigestError::Write(e.into()))?;
                    buf.push(b'\n');
                    if buf.len() >= 1 << 16 {
                        w.write_all(&buf).map_err(DigestError::Write)?;
                        buf.clear();
                    }
                }
            }
            w.write_all(&buf).map_err(DigestError::Write)?;
            w.flush().map_err(DigestError::Write)?;
        }
        Ok(report::build(self, &mined, opts))
    }
}

/// Byte-level fuzz targets for the line reader (block splitting, line cutting, byte order
/// marks, gzip), the event parser (multi-line grouping, JSON and logfmt) and the digest built
/// on them: arbitrary bytes never panic, every input line is counted exactly once, and every
/// line number reported lies within the input. `VELO_FUZZ_CASES` sets the number of cases
/// (default 256); the random generator has a fixed seed, so a run is reproducible, unless
/// `VELO_FUZZ_SEED` (a number) picks another one (a failure prints the seed to rerun it).
#[cfg(test)]
mod fuzz {
    use std::io::Write as _;

    use proptest::prelude::*;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

    use super::*;

    fn runner() -> TestRunner {
        let cases = std::env::var("VELO_FUZZ_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(256);
        let config = Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        };
        let rng = match std::env::var("VELO_FUZZ_SEED")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
        {
            Some(seed) => {
                eprintln!("fuzz seed: VELO_FUZZ_SEED={seed}");
                let mut bytes = [0u8; 32];
                bytes[..8].copy_from_slice(&seed.to_le_bytes());
                TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
            }
            None => TestRng::deterministic_rng(RngAlgorithm::ChaCha),
        };
        TestRunner::new_with_rng(config, rng)
    }

    /// Pieces of real log lines, glued together with arbitrary bytes, so the parser's deeper
    /// states (tracebacks, stack traces, panics, JSON, logfmt) are reached, not only its
    /// fallbacks.
    const PIECES: &[&str] = &[
        "2024-05-01 10:00:00,123 ERROR app.db: cannot connect to 10.0.0.1:5432",
        "2024-05-01 10:00:01 INFO worker 3 started in 0.2s",
        "Traceback (most recent call last):",
        "  File \"/app/run.py\", line 3, in <module>",
        "ValueError: bad input",
        "During handling of the above exception, another exception occurred:",
        "Exception in thread \"main\" java.lang.IllegalStateException: boom",
        "\tat com.x.Main.run(Main.java:10)",
        "Caused by: java.io.IOException: disk",
        "\t... 3 more",
        "panic: runtime error: index out of range",
        "goroutine 1 [running]:",
        "thread 'main' panicked at src/main.rs:5:9:",
        "{\"level\":\"error\",\"msg\":\"db down\",\"error\":\"refused\"}",
        "{\"ts\":1714557600,\"message\":null,\"x\":[1,{\"y\":2}]}",
        "{\"level\":",
        "level=warn msg=\"slow \\\"query\\\"\" ms=1200 err=",
        "time=2024-05-01T10:00:00Z level=error msg=",
        "\u{feff}",
        "[10.30 16:49:06] WARN proxy: retry",
        "Jun 14 15:16:01 host sshd[123]: Failed password",
        "",
        " ",
        "\r",
    ];

    const SEPS: &[&[u8]] = &[b"\n", b"\r\n", b"", b"\n\n"];

    fn log_bytes() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            3 => proptest::sample::select(PIECES).prop_map(|p| p.as_bytes().to_vec()),
            1 => proptest::collection::vec(any::<u8>(), 0..40),
        ];
        let line = proptest::collection::vec(piece, 0..4).prop_map(|parts| parts.concat());
        let sep = proptest::sample::select(SEPS);
        prop_oneof![
            proptest::collection::vec((line, sep), 0..60).prop_map(|ls| {
                ls.into_iter()
                    .flat_map(|(mut l, s)| {
                        l.extend_from_slice(s);
                        l
                    })
                    .collect()
            }),
            proptest::collection::vec(any::<u8>(), 0..2048),
        ]
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    /// Mines `raw` as one source through the same path as a file.
    fn mine_raw(raw: Vec<u8>, opts: &DigestOptions) -> Mining {
        let mut m = Mining::empty();
        let opened =
            reader::open_reader(Box::new(std::io::Cursor::new(raw))).map_err(|e| e.to_string());
        m.add_source("fuzz".to_owned(), opened, opts, &|| {});
        m
    }

    fn opts() -> DigestOptions {
        DigestOptions {
            log_format: None,
            top: 50,
            min_level: None,
            since: None,
            until: None,
            grep: None,
            rules: Vec::new(),
            keep_lines: true,
        }
    }

    /// Checks a digest's line numbers against the `lines` of its only source.
    fn check_digest(m: &Mining, lines: u64) -> Result<(), TestCaseError> {
        let mut out = Vec::new();
        let r = m.digest(&opts(), Some(&mut out)).unwrap();
        prop_assert_eq!(r.lines, lines);
        let mut n = 0u64;
        for l in out.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let v: serde_json::Value = serde_json::from_slice(l).unwrap();
            n += 1;
            prop_assert_eq!(
                v["line"].as_u64(),
                Some(n),
                "assignments in order, one per line"
            );
        }
        prop_assert_eq!(n, lines);
        let within = |line: usize| line >= 1 && line as u64 <= lines;
        for t in &r.templates {
            prop_assert!(within(t.first_seen.line) && within(t.last_seen.line));
        }
        if let Some(rc) = &r.root_cause {
            prop_assert!(within(rc.line));
        }
        prop_assert!(r.events <= lines);
        Ok(())
    }

    #[test]
    fn fuzz_digest_of_arbitrary_bytes() {
        runner()
            .run(&(log_bytes(), any::<bool>()), |(bytes, bom)| {
                let mut raw = if bom {
                    reader::BOM.to_vec()
                } else {
                    Vec::new()
                };
                raw.extend_from_slice(&bytes);
                let raw_again = raw.clone();
                let m = mine_raw(raw, &opts());
                let text = bytes.strip_prefix(reader::BOM).unwrap_or(&bytes);
                let want = reader::lines(text).count() as u64;
                prop_assert_eq!(m.sources[0].lines, want, "every line counted once");
                prop_assert!(m.sources[0].error.is_none());
                // Without the per-line records the digest is the same.
                let lean = DigestOptions {
                    keep_lines: false,
                    ..opts()
                };
                let without = mine_raw(raw_again, &lean).digest(&lean, None).unwrap();
                let with = m.digest(&opts(), None).unwrap();
                prop_assert_eq!(
                    serde_json::to_string(&without).unwrap(),
                    serde_json::to_string(&with).unwrap()
                );
                check_digest(&m, want)
            })
            .unwrap();
    }

    #[test]
    fn fuzz_truncated_gzip_keeps_what_was_read() {
        runner()
            .run(
                &(log_bytes(), any::<prop::sample::Index>()),
                |(bytes, cut)| {
                    let gz = gzip(&bytes);
                    let cut = cut.index(gz.len() + 1);
                    let m = mine_raw(gz[..cut].to_vec(), &opts());
                    let s = &m.sources[0];
                    let all =
                        reader::lines(bytes.strip_prefix(reader::BOM).unwrap_or(&bytes)).count();
                    prop_assert!(s.lines <= all as u64 + 1, "no more lines than were written");
                    if cut == gz.len() {
                        prop_assert!(s.error.is_none());
                        prop_assert_eq!(s.lines, all as u64);
                    } else if cut >= 2 {
                        // Cut gzip data says so, with the lines read before.
                        let e = s.error.as_deref().unwrap_or("");
                        prop_assert!(e.contains(&format!("after {} line(s)", s.lines)), "{}", e);
                    }
                    check_digest(&m, s.lines)
                },
            )
            .unwrap();
    }

    #[test]
    fn fuzz_follow_feeds_in_any_chunks_count_each_complete_line_once() {
        runner()
            .run(
                &(
                    log_bytes(),
                    proptest::collection::vec(any::<prop::sample::Index>(), 0..6),
                ),
                |(bytes, cuts)| {
                    let mut m = mine_raw(Vec::new(), &opts());
                    let mut points: Vec<usize> =
                        cuts.iter().map(|c| c.index(bytes.len() + 1)).collect();
                    points.push(0);
                    points.push(bytes.len());
                    points.sort_unstable();
                    for w in points.windows(2) {
                        m.feed(0, &bytes[w[0]..w[1]], &opts());
                    }
                    let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
                    let want = reader::lines(&bytes[..complete]).count() as u64;
                    prop_assert_eq!(m.sources[0].lines, want);
                    check_digest(&m, want)
                },
            )
            .unwrap();
    }

    #[test]
    fn fuzz_blocks_keep_every_byte_in_order() {
        runner()
            .run(&proptest::collection::vec(log_bytes(), 1..40), |parts| {
                // Big enough to span several blocks now and then.
                let data: Vec<u8> = parts.concat().repeat(1 + (parts.len() % 3) * 400);
                let mut r = reader::BlockReader::new(Box::new(std::io::Cursor::new(data.clone())));
                let mut joined = Vec::with_capacity(data.len());
                while let Some(b) = r.next_block().unwrap() {
                    prop_assert!(!b.is_empty());
                    joined.extend_from_slice(&b);
                }
                if r.cut_lines == 0 {
                    prop_assert!(joined == data, "blocks concatenate to the input");
                }
                Ok(())
            })
            .unwrap();
    }
}
