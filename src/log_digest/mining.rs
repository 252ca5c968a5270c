//! Reading and mining every source: a reader thread per source fills a bounded queue of blocks,
//! batches of blocks are mined in parallel (rayon) while the batch before is merged into one
//! global miner in block order, and [`Mining::feed`] goes on with lines appended later
//! (`--follow`). [`Mining::digest`] cuts the report and writes `--assignments`.

use std::io::Write;

use rayon::prelude::*;

use super::agg::Agg;
use super::block::{process_block, BlockOut};
use super::events::Splitter;
use super::miner::{Miner, MinerConfig};
use super::reader::{self, BlockReader, Input};
use super::{
    report, time, DigestError, DigestOptions, DigestReport, ErrorEvent, Rec, SourceSummary,
    CONTINUATION, SAMPLE_LINES,
};

/// Everything mined from the inputs, before the digest is cut from it.
pub struct Mining {
    pub(super) sources: Vec<SourceSummary>,
    /// Per source, its lines' records (global cluster ids); empty unless `keep_lines`.
    recs: Vec<Vec<Rec>>,
    /// Per-template aggregates of every source's event heads.
    pub(super) agg: Agg,
    pub(super) errors: Vec<ErrorEvent>,
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
        .map(|l| reader::strip_ansi(String::from_utf8_lossy(l)).into_owned())
        .collect();
    let sample: Vec<&str> = sample.iter().map(String::as_str).collect();
    let splitter = Splitter::infer(&sample, opts.log_format.clone());
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
            top: 5,
            keep_lines: true,
            ..super::DigestOptions::default()
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

    #[test]
    fn wrapped_console_messages_are_mined_whole() {
        // Failure class: wrapped console output. Kinds of events whose wrap falls at
        // different words, and an error whose traceback follows its wrapped message.
        let mut events: Vec<(u32, &str, String, String)> = (0..60)
            .map(|i| {
                let name = "n".repeat(2 + (i * 7) % 23);
                let msg = match i % 3 {
                    0 => format!("task {i} moved from lane-{name} to lane-{i} after {i} tries"),
                    1 => format!("pool-{name} joined with {i} slots and {i} peers"),
                    _ => format!("cache for key-{name} refreshed after {i} reads"),
                };
                (
                    i as u32 / 2,
                    "INFO",
                    msg,
                    format!("{}.py:{}", "m".repeat(3 + i % 6), 10 + i),
                )
            })
            .collect();
        events.push((
            40,
            "ERROR",
            "job alpha failed for lane-beta-gamma-delta-epsilon-zeta".into(),
            "w.py:3".into(),
        ));
        let refs: Vec<(u32, &str, &str, &str)> = events
            .iter()
            .map(|(s, l, m, loc)| (*s, *l, m.as_str(), loc.as_str()))
            .collect();
        let mut text = crate::log_digest::events::render_console(&refs, 64).join("\n");
        text.push_str("\n                    Traceback (most recent call last):\n");
        text.push_str("                      File \"w.py\", line 3, in run\n");
        text.push_str("                    ValueError: omega\n");
        let m = mine_raw(text.into_bytes(), &opts());
        let r = m.digest(&opts(), None).unwrap();
        let mut rows: Vec<(&str, u64)> = r
            .templates
            .iter()
            .map(|t| (t.template.as_str(), t.count))
            .collect();
        rows.sort_unstable();
        assert_eq!(
            rows,
            [
                ("<*> joined with <*> slots and <*> peers", 20),
                ("cache for <*> refreshed after <*> reads", 20),
                ("job alpha failed for lane-beta-gamma-delta-epsilon-zeta", 1),
                ("task <*> moved from <*> to <*> after <*> tries", 20),
            ],
            "{rows:?}"
        );
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
            top: 50,
            keep_lines: true,
            ..DigestOptions::default()
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
