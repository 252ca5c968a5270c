//! `velo scan`'s one entry point, [`run`]: lists the inputs, scans them on the worker threads,
//! ranks them, and with `watch` re-reads only the files that change and ranks again, telling an
//! [`Observer`] about progress and each ranking. The command layer renders what the observer
//! hears; it holds no thread, pool or watcher of its own.

use std::io::Read;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::watch::Watched;
use super::{assemble, pool, scan_sources, FileError, ScanParams, ScanReport, Source};
use crate::market;

/// What to scan, and how.
#[derive(Debug, Clone)]
pub struct ScanRequest<'a> {
    /// Files and folders of CSV files; `-` is standard input (read once, never watched).
    pub paths: &'a [PathBuf],
    pub params: ScanParams,
    /// Worker threads (`None`: one per CPU).
    pub jobs: Option<usize>,
    /// After the first ranking, re-read the files that change and rank again, until the
    /// observer says stop.
    pub watch: bool,
    /// The folder new files found by the watch are named relative to.
    pub base: &'a Path,
}

/// What changed before a ranking of the watch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rescan {
    /// Files read again (changed or new).
    pub reread: usize,
    /// Files dropped because they no longer exist.
    pub dropped: usize,
}

/// Hears what a scan does, as it does it.
pub trait Observer: Sync {
    /// The first scan starts on `sources` inputs.
    fn start(&mut self, _sources: usize) {}
    /// One input of the first scan is done (called from the worker threads).
    fn scanned(&self) {}
    /// A ranking: the first one (`rescan` is `None`), then with `watch` one after each batch
    /// of changes. `Break` ends the watch.
    fn round(&mut self, report: &ScanReport, rescan: Option<Rescan>) -> ControlFlow<()>;
    /// The watch is set up on `files` files.
    fn watching(&mut self, _files: usize) {}
}

/// Why a scan could not run at all (a file that cannot be used is not one: it is in the
/// report's `errors`).
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("cannot read standard input")]
    Stdin(#[source] std::io::Error),
    #[error("cannot start the worker threads")]
    Pool(#[source] rayon::ThreadPoolBuildError),
    #[error("cannot watch the inputs for changes")]
    Watch(#[source] crate::watch::WatchError),
}

/// Scans `req.paths` (`-` reads `stdin`) and hands each ranking to `observer`; returns the last
/// one. Without `watch` there is one ranking; with it, the scan goes on until the observer
/// breaks off (or the watch fails).
pub fn run(
    req: &ScanRequest,
    stdin: &mut dyn Read,
    observer: &mut dyn Observer,
) -> Result<ScanReport, ScanError> {
    let (sources, mut listing_errors) = list_sources(req.paths, stdin)?;
    let pool = pool(req.jobs).map_err(ScanError::Pool)?;
    observer.start(sources.len());
    let outcomes = {
        let o: &dyn Observer = observer;
        scan_sources(&pool, &sources, &req.params, &|| o.scanned())
    };
    let mut report = assemble(&outcomes, &req.params);
    report.summary.unusable_files += listing_errors.len();
    report.summary.files += listing_errors.len();
    listing_errors.append(&mut report.errors);
    report.errors = listing_errors;
    if observer.round(&report, None).is_break() || !req.watch {
        return Ok(report);
    }
    let files: Vec<PathBuf> = sources
        .iter()
        .filter_map(|s| match s {
            Source::File(p) => Some(p.clone()),
            Source::Bytes { .. } => None,
        })
        .collect();
    let mut state = Watched::new(&files, outcomes);
    let watcher = crate::watch::Watcher::new(req.paths, Duration::from_millis(200))
        .map_err(ScanError::Watch)?;
    observer.watching(state.len());
    loop {
        let changed = watcher.next_batch(None).map_err(ScanError::Watch)?;
        if changed.is_empty() {
            continue;
        }
        let (reread, dropped) = state.update(&changed, req.base, &pool, &req.params);
        if reread + dropped == 0 {
            continue;
        }
        report = state.report(&req.params);
        if observer
            .round(&report, Some(Rescan { reread, dropped }))
            .is_break()
        {
            return Ok(report);
        }
    }
}

/// The sources named by `paths` (folders expanded to their `.csv` files), and the paths that
/// name nothing usable.
fn list_sources(
    paths: &[PathBuf],
    stdin: &mut dyn Read,
) -> Result<(Vec<Source>, Vec<FileError>), ScanError> {
    let mut sources = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            let mut data = Vec::new();
            stdin.read_to_end(&mut data).map_err(ScanError::Stdin)?;
            sources.push(Source::Bytes {
                name: PathBuf::from("stdin"),
                data,
            });
            continue;
        }
        match market::list_inputs(std::slice::from_ref(path)) {
            Ok(files) if files.is_empty() => errors.push(FileError {
                file: path.display().to_string(),
                line: None,
                message: "no .csv files in this folder".to_string(),
            }),
            Ok(files) => sources.extend(files.into_iter().map(Source::File)),
            Err(e) => errors.push(FileError::from(&e)),
        }
    }
    Ok((sources, errors))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records what the observer hears.
    #[derive(Default)]
    struct Heard {
        started: usize,
        scanned: std::sync::atomic::AtomicUsize,
        rounds: Vec<(usize, usize, Option<Rescan>)>,
    }

    impl Observer for Heard {
        fn start(&mut self, sources: usize) {
            self.started = sources;
        }
        fn scanned(&self) {
            self.scanned
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        fn round(&mut self, report: &ScanReport, rescan: Option<Rescan>) -> ControlFlow<()> {
            self.rounds
                .push((report.summary.files, report.errors.len(), rescan));
            ControlFlow::Continue(())
        }
    }

    #[test]
    fn one_call_lists_scans_and_ranks_with_progress() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("bad.csv"), "Date,Open\n").unwrap();
        std::fs::create_dir(d.path().join("empty")).unwrap();
        let paths = [d.path().to_path_buf(), d.path().join("empty"), "-".into()];
        let req = ScanRequest {
            paths: &paths,
            params: ScanParams::default(),
            jobs: Some(2),
            watch: false,
            base: d.path(),
        };
        let mut stdin: &[u8] = b"Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,1,2,5\n";
        let mut heard = Heard::default();
        let report = run(&req, &mut stdin, &mut heard).unwrap();
        // bad.csv and stdin are scanned; the empty folder is an error of its own.
        assert_eq!(heard.started, 2);
        assert_eq!(heard.scanned.into_inner(), 2);
        assert_eq!(heard.rounds, [(3, 2, None)]);
        assert_eq!(report.errors[0].message, "no .csv files in this folder");
        assert!(report.errors[1].file.ends_with("bad.csv"), "{report:?}");
    }
}
