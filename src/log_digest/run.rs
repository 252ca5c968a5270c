//! `velo log-digest`'s one entry point, [`run`]: reads and mines the inputs, writes
//! `--assignments`, cuts the digest and, when asked to follow, goes on reading what is appended
//! to the files (noticing truncation and rotation) and cuts a refreshed digest after each burst,
//! telling an [`Observer`] about progress, each digest and each file that restarts. The command
//! layer renders what the observer hears; it drives no reader, watcher or loop of its own.

use std::io::{self, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::reader::{self, Expanded, Input, SkipKind};
use super::{mine, DigestError, DigestOptions, DigestReport, Mining};
use crate::watch::tail::{Change, Tail};
use crate::watch::Watcher;

/// Hears what a digest does, as it does it.
pub trait Observer: Sync {
    /// Bytes read so far from the raw sources (compressed bytes for `.gz`), about once per
    /// megabyte; called from a reader thread.
    fn progress(&self, _bytes: u64) {}
    /// Where to write the assignments (one JSON line per input line): asked once, when every
    /// input is read, and only when `DigestOptions::keep_lines` asks for them. `None`: nowhere.
    fn assignments(&mut self) -> Option<&mut dyn Write> {
        None
    }
    /// A digest: the one of the inputs as they were, then, when following, one after each
    /// burst of appended lines. `Break` stops following.
    fn digest(&mut self, report: &DigestReport) -> ControlFlow<()>;
    /// A followed file was truncated, or rotated (its old file read to its end first), and is
    /// read again from its start.
    fn restarted(&mut self, _path: &Path, _rotated: bool) {}
    /// A followed file could not be read this time (it is tried again after the next change).
    fn unreadable(&mut self, _path: &Path, _error: &io::Error) {}
    /// Whether to stop following now (polled between bursts).
    fn stopped(&self) -> bool {
        false
    }
}

/// The inputs `paths` name ([`reader::expand`]), or why there is nothing at all to read (every
/// path skipped, or folders without files).
pub fn inputs(paths: &[PathBuf]) -> Result<Expanded, DigestError> {
    let expanded = reader::expand(paths)?;
    if expanded.inputs.is_empty() {
        return Err(DigestError::NothingToRead {
            why: expanded
                .skipped
                .iter()
                .filter(|s| s.kind != SkipKind::Duplicate)
                .map(|s| format!("{}: {}", s.path, s.reason))
                .collect(),
        });
    }
    Ok(expanded)
}

/// Digests `expanded`'s inputs: writes one assignment per input line where the observer says
/// (with `opts.keep_lines`), hands the digest to `observer` and, with `follow`, goes on until
/// the observer stops it. Returns the last digest.
///
/// The files to follow are opened before the first reading, and followed from where it
/// stopped, so a line appended in between is not lost. A source that cannot be read is in its
/// [`super::SourceSummary::error`]; only inputs of which nothing at all could be read are an
/// error ([`DigestError::NothingRead`]).
pub fn run(
    expanded: Expanded,
    opts: &DigestOptions,
    follow: bool,
    observer: &mut dyn Observer,
) -> Result<DigestReport, DigestError> {
    let tails = if follow {
        followed_files(&expanded.inputs)?
    } else {
        Vec::new()
    };
    let mut mining = {
        let o: &dyn Observer = observer;
        mine(&expanded.inputs, opts, &|done| o.progress(done))
    };
    mining.skipped = expanded.skipped;
    if mining.nothing_read() {
        return Err(DigestError::NothingRead {
            why: mining
                .sources()
                .iter()
                .map(|s| format!("{}: {}", s.name, s.error.as_deref().unwrap_or("")))
                .collect(),
        });
    }
    let assignments = if opts.keep_lines {
        observer.assignments()
    } else {
        None
    };
    let report = mining.digest(opts, assignments)?;
    if observer.digest(&report).is_break() || !follow {
        return Ok(report);
    }
    follow_files(&mut mining, tails, opts, observer).map(|last| last.unwrap_or(report))
}

/// The (source index, tail) of every input that can be followed: plain files, not stdin or
/// gzip files.
fn followed_files(inputs: &[Input]) -> Result<Vec<(usize, Tail)>, DigestError> {
    let files: Vec<(usize, &PathBuf)> = inputs
        .iter()
        .enumerate()
        .filter_map(|(i, input)| match input {
            Input::Path(p) if !reader::is_gzip(p) => Some((i, p)),
            _ => None,
        })
        .collect();
    if files.is_empty() {
        return Err(DigestError::NothingToFollow);
    }
    files
        .into_iter()
        .map(|(i, p)| {
            let tail = Tail::new(p, false).map_err(|source| DigestError::Follow {
                path: p.clone(),
                source,
            })?;
            Ok((i, tail))
        })
        .collect()
}

/// Reads what is appended to the followed files, mines it, and hands a refreshed digest to the
/// observer after each burst, until it stops. Returns the last digest, if there was one.
fn follow_files(
    mining: &mut Mining,
    mut tails: Vec<(usize, Tail)>,
    opts: &DigestOptions,
    observer: &mut dyn Observer,
) -> Result<Option<DigestReport>, DigestError> {
    let paths: Vec<PathBuf> = tails.iter().map(|(_, t)| t.path().to_path_buf()).collect();
    let watcher = Watcher::new(&paths, Duration::from_millis(200))?;
    for (i, tail) in &mut tails {
        tail.set_position(mining.bytes_read(*i));
    }
    let mut last = None;
    let mut buf = Vec::new();
    while !observer.stopped() {
        // A timeout also polls the files, in case a change notification was missed.
        watcher.next_batch(Some(Duration::from_secs(2)))?;
        let mut fresh = false;
        for (i, tail) in &mut tails {
            buf.clear();
            match tail.read_new(&mut buf) {
                Ok(Change::Appended | Change::Missing) => {}
                Ok(change @ (Change::Truncated | Change::Rotated { .. })) => {
                    // The old file's last lines (written before the switch) come first.
                    let old_tail = match change {
                        Change::Rotated { old_tail } => old_tail,
                        _ => 0,
                    };
                    if old_tail > 0 {
                        mining.feed(*i, &buf[..old_tail], opts);
                        fresh = true;
                    }
                    let rotated = old_tail > 0 || change != Change::Truncated;
                    observer.restarted(tail.path(), rotated);
                    mining.restart(*i);
                    buf.drain(..old_tail);
                }
                Err(e) => {
                    observer.unreadable(tail.path(), &e);
                    continue;
                }
            }
            if !buf.is_empty() {
                mining.feed(*i, &buf, opts);
                fresh = true;
            }
        }
        if fresh {
            let report = mining.digest(opts, None)?;
            let flow = observer.digest(&report);
            last = Some(report);
            if flow.is_break() {
                break;
            }
        }
    }
    Ok(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records what the observer hears, and stops after `stop_after` digests.
    struct Heard {
        digests: Vec<u64>,
        stop_after: usize,
        progress: std::sync::atomic::AtomicU64,
        assignments: Vec<u8>,
    }

    impl Heard {
        fn new() -> Self {
            Self {
                digests: Vec::new(),
                stop_after: 1,
                progress: 0.into(),
                assignments: Vec::new(),
            }
        }
    }

    impl Observer for Heard {
        fn assignments(&mut self) -> Option<&mut dyn Write> {
            Some(&mut self.assignments)
        }
        fn progress(&self, bytes: u64) {
            self.progress
                .fetch_max(bytes, std::sync::atomic::Ordering::Relaxed);
        }
        fn digest(&mut self, report: &DigestReport) -> ControlFlow<()> {
            self.digests.push(report.lines);
            if self.digests.len() >= self.stop_after {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        }
    }

    fn opts() -> DigestOptions {
        DigestOptions {
            top: 5,
            keep_lines: true,
            ..DigestOptions::default()
        }
    }

    #[test]
    fn one_call_reads_writes_assignments_and_digests() {
        let d = tempfile::tempdir().unwrap();
        let log = d.path().join("a.log");
        std::fs::write(&log, "2024-05-01 10:00:00 ERROR app: boom 1\nplain\n").unwrap();
        let expanded = inputs(std::slice::from_ref(&log)).unwrap();
        let mut heard = Heard::new();
        let report = run(expanded, &opts(), false, &mut heard).unwrap();
        assert_eq!(report.lines, 2);
        assert_eq!(heard.digests, [2]);
        let size = std::fs::metadata(&log).unwrap().len();
        assert_eq!(heard.progress.into_inner(), size);
        let lines = heard.assignments.split(|&b| b == b'\n');
        assert_eq!(lines.filter(|l| !l.is_empty()).count(), 2);
    }

    #[test]
    fn nothing_to_read_and_nothing_read_are_errors() {
        let d = tempfile::tempdir().unwrap();
        let err = inputs(&[d.path().to_path_buf()]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no log files found in the given paths: pass files, folders or `-`"
        );
        let gz = d.path().join("a.log.gz");
        std::fs::write(&gz, b"\x1f\x8b").unwrap();
        let expanded = inputs(&[gz]).unwrap();
        let mut heard = Heard::new();
        let err = run(expanded.clone(), &opts(), false, &mut heard).unwrap_err();
        assert!(
            err.to_string().starts_with("nothing could be read: "),
            "{err}"
        );
        // A .gz file cannot be followed.
        let err = run(expanded, &opts(), true, &mut heard).unwrap_err();
        assert!(matches!(err, DigestError::NothingToFollow), "{err}");
        assert!(heard.digests.is_empty());
    }
}
