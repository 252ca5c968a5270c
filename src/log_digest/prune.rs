//! `velo log-digest prune DIR`: rotate and prune a log folder by age, count and total size,
//! optionally gzipping rotated files. A file that some process still has open for writing
//! (found through `/proc/*/fd`) is never compressed or deleted: it is listed as skipped, with
//! the process that holds it.
//!
//! Files are grouped into families by name with rotation suffixes and date stamps removed
//! (`app.log`, `app.log.1`, `app.log.2.gz`, `app.log-20240501` are one family, and so are
//! `bot-2024-05-01.log` and `bot.2024-05-02_10-00-00_000000.log`). The live file of a family,
//! the one its program writes to, is never compressed or deleted, whatever its modification
//! time says: the file with the family's base name (`app.log`), or, in a family of dated
//! names only, the one with the latest date in its name. `--keep N` keeps the N newest files
//! of each family (the live file counts as one of them). `--max-age` deletes rotated files
//! older than the given age, and `--max-size` deletes the oldest rotated files (of any
//! family) until the folder fits.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::Serialize;

/// What to do with the folder.
#[derive(Debug, Clone, Default)]
pub struct PruneOptions {
    pub max_size: Option<u64>,
    pub max_age: Option<Duration>,
    pub keep: Option<usize>,
    pub compress: bool,
    pub dry_run: bool,
}

/// What happens to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Keep,
    Compress,
    Delete,
    /// Left alone because a process has it open for writing.
    SkipOpen,
}

impl Action {
    /// The name shown in tables (as in JSON).
    pub fn name(self) -> &'static str {
        match self {
            Action::Keep => "keep",
            Action::Compress => "compress",
            Action::Delete => "delete",
            Action::SkipOpen => "skip-open",
        }
    }
}

/// One file's decision.
#[derive(Debug, Clone, Serialize)]
pub struct FileAction {
    pub path: String,
    pub family: String,
    pub bytes: u64,
    pub age_s: u64,
    pub action: Action,
    pub reason: String,
}

/// The prune report.
#[derive(Debug, Clone, Serialize)]
pub struct PruneReport {
    pub dir: String,
    pub dry_run: bool,
    pub files: Vec<FileAction>,
    pub bytes_before: u64,
    pub bytes_after: u64,
}

/// Errors while pruning.
#[derive(Debug, thiserror::Error)]
pub enum PruneError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("{0}: not a folder")]
    NotADir(String),
    #[error("{0}: does not exist")]
    Missing(String),
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> PruneError + '_ {
    move |source| PruneError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The family of a log file name: rotation suffixes (`.gz`, `.1`, `-20240501`, `.2024-05-01`)
/// and a date stamp before the extension (`bot-2024-05-01.log`) removed.
pub fn family(name: &str) -> String {
    let mut n = name.strip_suffix(".gz").unwrap_or(name);
    loop {
        let cut = n.rfind(['.', '-', '_']).filter(|&i| {
            let tail = &n[i + 1..];
            !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit() || b == b'-') && i > 0
        });
        match cut {
            Some(i) => n = &n[..i],
            None => break,
        }
    }
    match date_stamp(n) {
        Some((start, end, _)) => format!("{}{}", &n[..start], &n[end..]),
        None => n.to_owned(),
    }
}

/// A date stamp inside a file name, right before its extension (`bot-2024-05-01.log`,
/// `bot.2024-05-01_10-00-00_000000.log`, `20240501.log`): the byte range to remove (with the
/// separator before it) and the stamp's digits (which sort in time order). A stamp starts with
/// a valid `YYYY MM DD` date (1970–2199).
fn date_stamp(name: &str) -> Option<(usize, usize, String)> {
    let b = name.as_bytes();
    let ext = name
        .rfind('.')
        .filter(|&i| b.get(i + 1).is_some_and(u8::is_ascii_alphabetic))?;
    // The run of digits and separators that ends at the extension.
    let mut start = ext;
    while start > 0 && (b[start - 1].is_ascii_digit() || matches!(b[start - 1], b'-' | b'_' | b'.'))
    {
        start -= 1;
    }
    // It starts with a digit, after a separator (or at the start of the name).
    while start < ext && !b[start].is_ascii_digit() {
        start += 1;
    }
    let digits: String = name[start..ext]
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let num = |r: std::ops::Range<usize>| digits.get(r).and_then(|d| d.parse::<u32>().ok());
    let valid = digits.len() >= 8
        && num(0..4).is_some_and(|y| (1970..2200).contains(&y))
        && num(4..6).is_some_and(|m| (1..=12).contains(&m))
        && num(6..8).is_some_and(|d| (1..=31).contains(&d));
    if !valid {
        return None;
    }
    // Remove the separator before the stamp too (`bot-2024-05-01.log` → `bot.log`).
    let cut = if start > 0 { start - 1 } else { start };
    Some((cut, ext, digits))
}

/// Files under `/proc` held open for writing, with `pid (comm)` of a holder. Empty where
/// `/proc` is not available.
pub fn open_for_writing() -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    for (pid, dir) in crate::proc::tree::processes() {
        let Ok(fds) = fs::read_dir(dir.join("fd")) else {
            continue;
        };
        for fd in fds.filter_map(Result::ok) {
            let Ok(target) = fs::read_link(fd.path()) else {
                continue;
            };
            let info = dir.join("fdinfo").join(fd.file_name());
            let writable = fs::read_to_string(info).ok().is_some_and(|t| {
                t.lines()
                    .find_map(|l| l.strip_prefix("flags:"))
                    .and_then(|f| u32::from_str_radix(f.trim(), 8).ok())
                    .is_some_and(|flags| flags & 0b11 != 0) // O_WRONLY or O_RDWR
            });
            if writable {
                let comm = fs::read_to_string(dir.join("comm")).unwrap_or_default();
                out.entry(target)
                    .or_insert_with(|| format!("pid {pid} ({})", comm.trim()));
            }
        }
    }
    out
}

struct Entry {
    path: PathBuf,
    family: String,
    /// The file its program writes to: never compressed or deleted.
    live: bool,
    bytes: u64,
    age: Duration,
    action: Action,
    reason: String,
}

/// Plans (and unless `dry_run`, performs) the pruning of `dir`. `now` and `open` are passed in
/// so tests can fix them.
pub fn prune(
    dir: &Path,
    opts: &PruneOptions,
    now: SystemTime,
    open: &BTreeMap<PathBuf, String>,
) -> Result<PruneReport, PruneError> {
    match fs::metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(PruneError::Missing(dir.display().to_string()));
        }
        Err(e) => return Err(io_err(dir)(e)),
        Ok(m) if !m.is_dir() => return Err(PruneError::NotADir(dir.display().to_string())),
        Ok(_) => {}
    }
    let mut entries = Vec::new();
    collect(dir, now, &mut entries)?;
    // Newest first within the folder; stable by path.
    entries.sort_by(|a, b| a.age.cmp(&b.age).then(a.path.cmp(&b.path)));
    mark_live(&mut entries);
    for e in &mut entries {
        let canon = fs::canonicalize(&e.path).unwrap_or_else(|_| e.path.clone());
        if let Some(holder) = open.get(&canon) {
            e.action = Action::SkipOpen;
            e.reason = format!("open for writing by {holder}");
        } else if e.live {
            "live: the file its program writes to (never pruned)".clone_into(&mut e.reason);
        }
    }
    // Only rotated files that no process holds open may change.
    let prunable = |e: &Entry| e.action == Action::Keep && !e.live;
    if let Some(max_age) = opts.max_age {
        for e in entries.iter_mut().filter(|e| prunable(e)) {
            if e.age > max_age {
                e.action = Action::Delete;
                e.reason = format!("older than {}", crate::units::format_duration(max_age));
            }
        }
    }
    if let Some(keep) = opts.keep {
        // The files that stay whatever happens count first.
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for e in entries
            .iter()
            .filter(|e| e.live || e.action == Action::SkipOpen)
        {
            *seen.entry(e.family.clone()).or_default() += 1;
        }
        for e in entries.iter_mut().filter(|e| prunable(e)) {
            let n = seen.entry(e.family.clone()).or_default();
            *n += 1;
            if *n > keep {
                e.action = Action::Delete;
                e.reason = format!("more than {keep} file(s) of {}", e.family);
            }
        }
    }
    let bytes_before: u64 = entries.iter().map(|e| e.bytes).sum();
    if let Some(max) = opts.max_size {
        let mut total: u64 = entries
            .iter()
            .filter(|e| e.action != Action::Delete)
            .map(|e| e.bytes)
            .sum();
        for e in entries.iter_mut().rev() {
            if total <= max {
                break;
            }
            if prunable(e) {
                e.action = Action::Delete;
                e.reason = format!("folder over {}", crate::units::format_size(max));
                total -= e.bytes;
            }
        }
    }
    if opts.compress {
        for e in entries.iter_mut().filter(|e| prunable(e)) {
            if e.path.extension().is_none_or(|x| x != "gz") {
                e.action = Action::Compress;
                "rotated".clone_into(&mut e.reason);
            }
        }
    }
    let mut bytes_after = 0;
    let mut files = Vec::new();
    for e in entries {
        let mut bytes_now = e.bytes;
        if !opts.dry_run {
            match e.action {
                Action::Delete => {
                    fs::remove_file(&e.path).map_err(io_err(&e.path))?;
                    bytes_now = 0;
                }
                Action::Compress => bytes_now = gzip(&e.path)?,
                Action::Keep | Action::SkipOpen => {}
            }
        } else if e.action == Action::Delete {
            bytes_now = 0;
        }
        bytes_after += bytes_now;
        files.push(FileAction {
            path: e.path.display().to_string(),
            family: e.family,
            bytes: e.bytes,
            age_s: e.age.as_secs(),
            action: e.action,
            reason: e.reason,
        });
    }
    Ok(PruneReport {
        dir: dir.display().to_string(),
        dry_run: opts.dry_run,
        files,
        bytes_before,
        bytes_after,
    })
}

/// Marks the live file of each family: the one with the family's base name, or, in a family
/// of dated names only, the one with the latest date in its name.
fn mark_live(entries: &mut [Entry]) {
    let name = |e: &Entry| {
        e.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let mut best: BTreeMap<String, (bool, String, usize)> = BTreeMap::new();
    for (i, e) in entries.iter().enumerate() {
        let n = name(e);
        let base = e.family.rsplit('/').next() == Some(n.as_str());
        let candidate = if base {
            Some((true, String::new()))
        } else if e.path.extension().is_some_and(|x| x == "gz") {
            None
        } else {
            date_stamp(&n).map(|(_, _, digits)| (false, digits))
        };
        let Some((is_base, digits)) = candidate else {
            continue;
        };
        let better = best
            .get(&e.family)
            .is_none_or(|(b, d, _)| (is_base, digits.len(), &digits) > (*b, d.len(), d));
        if better {
            best.insert(e.family.clone(), (is_base, digits, i));
        }
    }
    for (_, _, i) in best.into_values() {
        entries[i].live = true;
    }
}

fn collect(dir: &Path, now: SystemTime, out: &mut Vec<Entry>) -> Result<(), PruneError> {
    let mut items: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(io_err(dir))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    items.sort();
    for p in items {
        let meta = fs::symlink_metadata(&p).map_err(io_err(&p))?;
        if meta.is_dir() {
            collect(&p, now, out)?;
        } else if meta.is_file() {
            let age = meta
                .modified()
                .ok()
                .and_then(|m| now.duration_since(m).ok())
                .unwrap_or_default();
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let rel_dir = p.parent().unwrap_or(dir).display().to_string();
            out.push(Entry {
                live: false,
                family: format!("{rel_dir}/{}", family(&name)),
                path: p,
                bytes: meta.len(),
                age,
                action: Action::Keep,
                reason: String::new(),
            });
        }
    }
    Ok(())
}

/// Gzips `path` to `path.gz` (with its mode, owner and modification time) and removes the
/// original. Returns the compressed size. An existing `path.gz` is never overwritten: the file
/// is left uncompressed and the error names both.
fn gzip(path: &Path) -> Result<u64, PruneError> {
    let mut gz_name = path.as_os_str().to_owned();
    gz_name.push(".gz");
    let gz = PathBuf::from(gz_name);
    let mut input = fs::File::open(path).map_err(io_err(path))?;
    let size = crate::outfile::create_beside(path, &gz, |file| {
        let mut enc = flate2::write::GzEncoder::new(file, flate2::Compression::default());
        io::copy(&mut input, &mut enc)?;
        enc.finish().map(drop)
    })
    .map_err(|e| {
        if e.kind() == io::ErrorKind::AlreadyExists {
            PruneError::Io {
                path: path.display().to_string(),
                source: io::Error::new(
                    e.kind(),
                    format!("not compressed: {e} (move one of the two away)"),
                ),
            }
        } else {
            io_err(&gz)(e)
        }
    })?;
    fs::remove_file(path).map_err(io_err(path))?;
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_strip_rotation_suffixes() {
        assert_eq!(family("app.log"), "app.log");
        assert_eq!(family("app.log.1"), "app.log");
        assert_eq!(family("app.log.2.gz"), "app.log");
        assert_eq!(family("app.log-20240501"), "app.log");
        assert_eq!(family("bot-2024-05-01.log"), "bot.log");
        assert_eq!(family("bot.2024-05-01_10-00-00_123456.log"), "bot.log");
        assert_eq!(family("bot.2024-05-01_10-00-00_123456.log.gz"), "bot.log");
        assert_eq!(family("20240501.log"), ".log");
        assert_eq!(
            family("build-20241301.log"),
            "build-20241301.log",
            "no month 13"
        );
        assert_eq!(family("worker-12.log"), "worker-12.log");
        assert_eq!(family("v1.2.3.log"), "v1.2.3.log");
    }

    #[test]
    fn the_live_file_is_never_pruned_whatever_its_mtime() {
        let d = tempfile::tempdir().unwrap();
        let now = SystemTime::now();
        // The live file looks oldest; a dated family has no base name.
        touch(d.path(), "app.log", 100, 900_000, now);
        touch(d.path(), "app.log.1", 100, 10, now);
        touch(d.path(), "app.log.2", 100, 20, now);
        touch(d.path(), "bot-2024-05-03.log", 100, 800_000, now);
        touch(d.path(), "bot-2024-05-02.log", 100, 30, now);
        touch(d.path(), "bot-2024-05-01.log", 100, 40, now);
        touch(d.path(), "lone.log", 100, 900_000, now);
        let opts = PruneOptions {
            keep: Some(1),
            max_age: Some(Duration::from_secs(86_400)),
            max_size: Some(10),
            compress: true,
            dry_run: true,
        };
        let r = prune(d.path(), &opts, now, &BTreeMap::new()).unwrap();
        let by: BTreeMap<&str, Action> = r
            .files
            .iter()
            .map(|f| (f.path.rsplit('/').next().unwrap(), f.action))
            .collect();
        assert_eq!(by["app.log"], Action::Keep, "{r:?}");
        assert_eq!(by["bot-2024-05-03.log"], Action::Keep, "the latest date");
        assert_eq!(by["lone.log"], Action::Keep);
        for rotated in [
            "app.log.1",
            "app.log.2",
            "bot-2024-05-02.log",
            "bot-2024-05-01.log",
        ] {
            assert_eq!(by[rotated], Action::Delete, "{rotated}");
        }
        let only_compress = PruneOptions {
            compress: true,
            dry_run: true,
            ..Default::default()
        };
        let r = prune(d.path(), &only_compress, now, &BTreeMap::new()).unwrap();
        for f in &r.files {
            let n = f.path.rsplit('/').next().unwrap();
            let live = ["app.log", "bot-2024-05-03.log", "lone.log"].contains(&n);
            let want = if live { Action::Keep } else { Action::Compress };
            assert_eq!(f.action, want, "{n}");
        }
    }

    #[test]
    fn a_missing_folder_is_named_as_missing() {
        let err = prune(
            Path::new("/no/such/logs"),
            &PruneOptions::default(),
            SystemTime::now(),
            &BTreeMap::new(),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(err, "/no/such/logs: does not exist");
    }

    fn touch(dir: &Path, name: &str, bytes: usize, age_s: u64, now: SystemTime) -> PathBuf {
        let p = dir.join(name);
        fs::write(&p, vec![b'x'; bytes]).unwrap();
        let f = fs::File::options().write(true).open(&p).unwrap();
        f.set_modified(now - Duration::from_secs(age_s)).unwrap();
        p
    }

    #[test]
    fn keep_age_size_compress_and_open_files() {
        let d = tempfile::tempdir().unwrap();
        let now = SystemTime::now();
        let live = touch(d.path(), "app.log", 100, 10, now);
        touch(d.path(), "app.log.1", 100, 3600, now);
        touch(d.path(), "app.log.2", 100, 7200, now);
        touch(d.path(), "app.log.3", 100, 90_000, now);
        let mut open = BTreeMap::new();
        open.insert(fs::canonicalize(&live).unwrap(), "pid 1 (bot)".to_owned());
        let opts = PruneOptions {
            keep: Some(3),
            max_age: Some(Duration::from_secs(86_400)),
            compress: true,
            dry_run: true,
            ..Default::default()
        };
        let r = prune(d.path(), &opts, now, &open).unwrap();
        let by: BTreeMap<String, Action> = r
            .files
            .iter()
            .map(|f| {
                (
                    Path::new(&f.path)
                        .file_name()
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                    f.action,
                )
            })
            .collect();
        assert_eq!(by["app.log"], Action::SkipOpen);
        assert_eq!(by["app.log.1"], Action::Compress);
        assert_eq!(by["app.log.2"], Action::Compress);
        assert_eq!(by["app.log.3"], Action::Delete);
        assert!(
            d.path().join("app.log.3").exists(),
            "dry run changes nothing"
        );
        let r = prune(
            d.path(),
            &PruneOptions {
                dry_run: false,
                ..opts
            },
            now,
            &open,
        )
        .unwrap();
        assert!(r.bytes_after < r.bytes_before);
        assert!(!d.path().join("app.log.3").exists());
        assert!(d.path().join("app.log.1.gz").exists());
        assert!(live.exists());
    }

    #[test]
    fn max_size_deletes_oldest_first() {
        let d = tempfile::tempdir().unwrap();
        let now = SystemTime::now();
        touch(d.path(), "a.log", 100, 10, now);
        touch(d.path(), "a.log.1", 100, 20, now);
        touch(d.path(), "a.log.2", 100, 30, now);
        let opts = PruneOptions {
            max_size: Some(150),
            ..Default::default()
        };
        let r = prune(d.path(), &opts, now, &BTreeMap::new()).unwrap();
        let deleted: Vec<&str> = r
            .files
            .iter()
            .filter(|f| f.action == Action::Delete)
            .map(|f| f.path.rsplit('/').next().unwrap())
            .collect();
        assert_eq!(deleted, ["a.log.1", "a.log.2"], "the two oldest go");
    }
}
