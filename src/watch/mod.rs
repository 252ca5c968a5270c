//! Debounced file watching on `notify`, shared by every `--watch` and `--follow`.
//!
//! A watched file is watched through its parent directory and matched by name, so editors that
//! save by writing a new file and renaming it over the old one (vim, `sed -i`, most IDEs) do not
//! break the watch. Bursts of events are folded into one batch of distinct paths after a quiet
//! period, so a `git checkout` of 200 files triggers one re-run, not 200.
//!
//! [`tail::Tail`] reads what was appended to a file since the last read and notices truncation
//! and rotation, for `--follow`.

pub mod tail;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use notify::{EventKind, RecursiveMode, Watcher as _};

/// Why a watch could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("cannot watch {path}: {source}")]
    Watch {
        path: PathBuf,
        source: notify::Error,
    },
    #[error("cannot watch {path}: it does not exist, nor does its parent folder")]
    Missing { path: PathBuf },
    #[error("cannot start the file watcher: {0}")]
    Start(notify::Error),
}

/// What to watch: files (through their folder, by name) and folders (recursively).
struct Target {
    /// A watched file's name inside a watched folder; `None` for a whole folder.
    file: Option<PathBuf>,
    dir: PathBuf,
}

/// A debounced watcher over a set of files and folders.
pub struct Watcher {
    rx: Receiver<notify::Result<notify::Event>>,
    targets: Vec<Target>,
    debounce: Duration,
    max_wait: Duration,
    _inner: notify::RecommendedWatcher,
}

impl Watcher {
    /// Watches `paths`; a batch is delivered once no event arrived for `debounce` (or after
    /// ten times that, during a steady stream of events).
    pub fn new(paths: &[PathBuf], debounce: Duration) -> Result<Self, WatchError> {
        let (tx, rx) = mpsc::channel();
        let mut inner = notify::recommended_watcher(move |ev| {
            // The receiver is gone only when the Watcher is dropped: nothing left to tell.
            let _ = tx.send(ev);
        })
        .map_err(WatchError::Start)?;
        let mut targets = Vec::new();
        let mut watched_dirs = BTreeSet::new();
        for path in paths {
            let abs = absolute(path);
            let (dir, file, mode) = if abs.is_dir() {
                (abs.clone(), None, RecursiveMode::Recursive)
            } else {
                let parent = abs
                    .parent()
                    .map_or_else(|| PathBuf::from("/"), Path::to_path_buf);
                if !parent.is_dir() {
                    return Err(WatchError::Missing { path: path.clone() });
                }
                (
                    parent,
                    abs.file_name().map(PathBuf::from),
                    RecursiveMode::NonRecursive,
                )
            };
            if watched_dirs.insert((dir.clone(), mode == RecursiveMode::Recursive)) {
                inner
                    .watch(&dir, mode)
                    .map_err(|source| WatchError::Watch {
                        path: path.clone(),
                        source,
                    })?;
            }
            targets.push(Target { file, dir });
        }
        Ok(Self {
            rx,
            targets,
            debounce,
            max_wait: debounce * 10,
            _inner: inner,
        })
    }

    /// Blocks until a batch of changed paths is ready, or `timeout` passes (`None`: forever).
    /// Returns the distinct changed paths, sorted; an empty vector on timeout.
    pub fn next_batch(&self, timeout: Option<Duration>) -> Result<Vec<PathBuf>, WatchError> {
        let started = Instant::now();
        let mut changed = BTreeSet::new();
        let mut first_at: Option<Instant> = None;
        loop {
            let wait = match first_at {
                Some(t0) => {
                    if t0.elapsed() >= self.max_wait {
                        break;
                    }
                    self.debounce
                }
                None => match timeout {
                    Some(t) => match t.checked_sub(started.elapsed()) {
                        Some(left) => left,
                        None => break,
                    },
                    None => Duration::from_secs(3600),
                },
            };
            match self.rx.recv_timeout(wait) {
                Ok(Ok(event)) => {
                    if matches!(event.kind, EventKind::Access(_)) {
                        continue;
                    }
                    for p in event.paths {
                        if self.matches(&p) {
                            changed.insert(p);
                            first_at.get_or_insert_with(Instant::now);
                        }
                    }
                }
                Ok(Err(e)) => return Err(WatchError::Start(e)),
                Err(RecvTimeoutError::Timeout) => {
                    if first_at.is_some() {
                        break;
                    }
                }
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        Ok(changed.into_iter().collect())
    }

    fn matches(&self, path: &Path) -> bool {
        self.targets.iter().any(|t| match &t.file {
            Some(name) => {
                path.parent() == Some(t.dir.as_path()) && path.file_name() == Some(name.as_os_str())
            }
            None => path.starts_with(&t.dir),
        })
    }
}

fn absolute(path: &Path) -> PathBuf {
    if let Ok(canon) = path.canonicalize() {
        return canon;
    }
    // A file that does not exist yet: canonicalize its folder and keep the name.
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => {
            let parent = if parent.as_os_str().is_empty() {
                Path::new(".")
            } else {
                parent
            };
            parent
                .canonicalize()
                .map_or_else(|_| path.to_path_buf(), |p| p.join(name))
        }
        _ => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GENEROUS: Duration = Duration::from_secs(10);

    #[test]
    fn a_save_by_rename_is_seen() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("strategy.py");
        std::fs::write(&file, "a = 1\n").unwrap();
        let watcher =
            Watcher::new(std::slice::from_ref(&file), Duration::from_millis(100)).unwrap();
        // Editors write a temp file and rename it over the original.
        let tmp = dir.path().join(".strategy.py.swp");
        std::fs::write(&tmp, "a = 2\n").unwrap();
        std::fs::rename(&tmp, &file).unwrap();
        let batch = watcher.next_batch(Some(GENEROUS)).unwrap();
        assert!(
            batch.iter().any(|p| p.ends_with("strategy.py")),
            "{batch:?}"
        );
        assert!(
            !batch.iter().any(|p| p.ends_with(".strategy.py.swp")),
            "{batch:?}"
        );
        // The watch survives the rename: a second save is seen too.
        std::fs::write(&file, "a = 3\n").unwrap();
        let batch = watcher.next_batch(Some(GENEROUS)).unwrap();
        assert!(
            batch.iter().any(|p| p.ends_with("strategy.py")),
            "{batch:?}"
        );
    }

    #[test]
    fn bursts_fold_into_one_batch_of_distinct_paths() {
        let dir = tempfile::tempdir().unwrap();
        let watcher =
            Watcher::new(&[dir.path().to_path_buf()], Duration::from_millis(300)).unwrap();
        for i in 0..20 {
            std::fs::write(dir.path().join(format!("f{}.csv", i % 5)), format!("{i}")).unwrap();
        }
        let batch = watcher.next_batch(Some(GENEROUS)).unwrap();
        assert!(!batch.is_empty() && batch.len() <= 5, "{batch:?}");
    }

    #[test]
    fn timeout_returns_an_empty_batch() {
        let dir = tempfile::tempdir().unwrap();
        let watcher = Watcher::new(&[dir.path().to_path_buf()], Duration::from_millis(50)).unwrap();
        assert!(watcher
            .next_batch(Some(Duration::from_millis(200)))
            .unwrap()
            .is_empty());
    }

    #[test]
    fn a_missing_folder_is_an_error_naming_the_path() {
        let err = Watcher::new(
            &[PathBuf::from("/no/such/dir/file.log")],
            Duration::from_millis(50),
        )
        .err()
        .unwrap()
        .to_string();
        assert!(err.contains("/no/such/dir/file.log"), "{err}");
    }
}
