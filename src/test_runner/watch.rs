//! `--watch`: which file changes start a run again, and the wait for one. Caches and build
//! output the run itself writes (`__pycache__`, `.pytest_cache`, `target`, `.git`, …), editors'
//! backup and temporary files, and velo's own reports never do.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::watch::{WatchError, Watcher};

/// How long a burst of changes is gathered into one batch.
const DEBOUNCE: Duration = Duration::from_millis(300);
/// How often the wait looks at the cancel flag.
const CANCEL_CHECK: Duration = Duration::from_millis(200);

/// Paths whose changes never trigger a re-run: caches and build output the run itself writes,
/// and velo's own reports (and their temporary files).
fn ignored_change(path: &Path, own: &[PathBuf]) -> bool {
    const NOISE: &[&str] = &[
        "__pycache__",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        ".git",
        ".venv",
        "target",
        "node_modules",
    ];
    let noisy_part = path
        .components()
        .any(|c| NOISE.iter().any(|n| c.as_os_str() == *n));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    noisy_part
        || name.starts_with(".tmp")
        || path.file_name().is_some_and(crate::outfile::is_temp_name)
        || path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("pyc"))
        || name.ends_with('~')
        || own.iter().any(|o| path.starts_with(o))
}

/// The changes under the watched paths that should start a run again.
pub struct Changes {
    watcher: Watcher,
    own: Vec<PathBuf>,
}

impl Changes {
    /// Starts watching `paths`; changes under `own` (velo's reports, as absolute paths) are
    /// ignored.
    pub fn new(paths: &[PathBuf], own: Vec<PathBuf>) -> Result<Self, WatchError> {
        Ok(Self {
            watcher: Watcher::new(paths, DEBOUNCE)?,
            own,
        })
    }

    /// Waits for a batch of changes that matters and returns its paths, or `None` once
    /// `cancel` is raised.
    pub fn next(&self, cancel: &AtomicBool) -> Result<Option<Vec<PathBuf>>, WatchError> {
        loop {
            let batch = self.watcher.next_batch(Some(CANCEL_CHECK))?;
            if cancel.load(Ordering::SeqCst) {
                return Ok(None);
            }
            let relevant: Vec<PathBuf> = batch
                .into_iter()
                .filter(|p| !ignored_change(p, &self.own))
                .collect();
            if !relevant.is_empty() {
                return Ok(Some(relevant));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caches_backups_and_own_reports_are_ignored() {
        let own = vec![PathBuf::from("/p/report.xml"), PathBuf::from("/p/out")];
        for noise in [
            "/p/tests/__pycache__/t.cpython-311.pyc",
            "/p/.pytest_cache/v/cache/lastfailed",
            "/p/target/debug/x",
            "/p/src/a.py~",
            "/p/src/.tmpAbc",
            "/p/report.xml",
            "/p/out/attempt-1.stdout",
        ] {
            assert!(ignored_change(Path::new(noise), &own), "{noise}");
        }
        for real in ["/p/src/a.py", "/p/tests/test_x.py", "/p/targets.py"] {
            assert!(!ignored_change(Path::new(real), &own), "{real}");
        }
    }
}
