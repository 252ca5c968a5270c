//! `velo scan --watch`: after the first scan, only the files that changed are read again and the
//! universe is re-ranked. The state is one [`SourceOutcome`] per file on disk (its signals,
//! counts, or error), never a symbol's bars, so it is bounded by the files being watched: a
//! deleted file's entry is dropped, and re-reading a changed 2,520-bar file costs well under a
//! millisecond.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{assemble, scan_sources, ScanParams, ScanReport, Source, SourceOutcome};

/// The last outcome of every watched file, keyed by its canonical path.
pub struct Watched {
    files: BTreeMap<PathBuf, (PathBuf, SourceOutcome)>,
}

fn key(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

fn is_csv(path: &Path) -> bool {
    path.extension()
        .is_some_and(|x| x.eq_ignore_ascii_case("csv"))
}

impl Watched {
    /// The state after the first scan: `files[i]` produced `outcomes[i]`.
    pub fn new(files: &[PathBuf], outcomes: Vec<SourceOutcome>) -> Self {
        Self {
            files: files
                .iter()
                .zip(outcomes)
                .map(|(f, o)| (key(f), (f.clone(), o)))
                .collect(),
        }
    }

    /// Re-reads the changed paths that are watched files or new `.csv` files, and forgets
    /// files that no longer exist. New files are named relative to `base` where possible.
    /// Returns how many files were re-read and how many dropped.
    pub fn update(
        &mut self,
        changed: &[PathBuf],
        base: &Path,
        pool: &rayon::ThreadPool,
        params: &ScanParams,
    ) -> (usize, usize) {
        let mut reread = Vec::new();
        let mut dropped = 0;
        for path in changed {
            let k = key(path);
            if !path.is_file() {
                if self.files.remove(&k).is_some() {
                    dropped += 1;
                }
                continue;
            }
            let shown = match self.files.get(&k) {
                Some((shown, _)) => shown.clone(),
                None if is_csv(path) => path
                    .strip_prefix(base)
                    .map_or_else(|_| path.clone(), Path::to_path_buf),
                None => continue,
            };
            if !reread.iter().any(|(kk, _): &(PathBuf, PathBuf)| *kk == k) {
                reread.push((k, shown));
            }
        }
        let sources: Vec<Source> = reread
            .iter()
            .map(|(_, shown)| Source::File(shown.clone()))
            .collect();
        let outcomes = scan_sources(pool, &sources, params, &|| {});
        let count = outcomes.len();
        for ((k, shown), outcome) in reread.into_iter().zip(outcomes) {
            self.files.insert(k, (shown, outcome));
        }
        (count, dropped)
    }

    /// The ranking over every watched file.
    pub fn report(&self, params: &ScanParams) -> ScanReport {
        assemble(self.files.values().map(|(_, o)| o), params)
    }

    /// How many files are held.
    pub fn len(&self) -> usize {
        self.files.len()
    }
}
