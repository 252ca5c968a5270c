//! Every file a run writes for its user goes through here: one contract for every
//! file-writing flag of every command.
//!
//! A command declares its inputs and its outputs (one per flag) in a [`Plan`], and
//! [`Plan::check`] looks at all of them before any work is done, so an hour of work is never
//! lost to a typo at its end. It refuses, naming the flags:
//! - an output that is an input of the same run (the same device and inode, through symlinks
//!   and hard links, or the same path before it exists), or the regular file that velo's own
//!   standard output or error is redirected to;
//! - two outputs naming the same regular file;
//! - an output whose folder does not exist or where no file can be created, an existing
//!   output that is read-only, a folder, a socket or a block device.
//!
//! What passes becomes an [`Output`], the only handle that writes:
//! - a regular file (new, or existing: never truncated first) is written to a temporary file
//!   in its own folder, synced, and renamed over it, so a reader never sees half a file and a
//!   failed or killed run leaves the old one as it was. An existing file keeps its mode and,
//!   where allowed, its owner and group; a new file gets the mode any tool gives a new file
//!   there (0666 less the umask, or what the folder's default ACL says), never the temporary
//!   file's 0600. A symlink is written through: its target is replaced, the link stays;
//! - a streamed output ([`Output::stream`]: `--results`, `--record`, `--assignments`) goes the
//!   same way: into the temporary file as the run goes, renamed when the run ends (an
//!   interrupted run ends too, with what it did);
//! - a FIFO or a character device (`/dev/null`, `/dev/stdout` on a pipe, `>(gzip > x.gz)`) is
//!   opened as it is, before the work (a FIFO waits for its reader there), and written in
//!   place: it is never replaced by a regular file.
//!
//! A write that fails (disk full) is a [`WriteError`]; a command collects them in
//! [`Failures`] and, after printing its own result, ends with an error (exit 2).
//!
//! Besides the plan, [`replace_file`] rewrites a file velo was asked to edit in place
//! (`env-check --fix`, `generate`), [`create_beside`] makes a new file next to another with that
//! one's mode, owner and modification time (`log-digest prune --compress`), and
//! [`create_in_folder`] makes one of velo's own files in an output folder (`--output-dir`).

mod file;

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::os::unix::fs::{FileTypeExt as _, MetadataExt as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use file::{
    create_beside, create_in_folder, is_temp_name, replace_file, Failures, Output, Stream,
    WriteError,
};
use file::{probe_new_mode, resolve_links, Target};

/// How an output is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Written whole, once or several times ([`Output::write`]).
    File,
    /// Written as the run goes ([`Output::stream`]).
    Stream,
    /// A folder velo fills with files of its own naming ([`create_in_folder`]).
    Folder,
}

#[derive(Debug)]
struct Declared {
    flag: String,
    path: PathBuf,
    kind: Kind,
}

#[derive(Debug)]
struct DeclaredInput {
    label: String,
    path: PathBuf,
}

/// The inputs and outputs of one run, declared before the work and checked together.
#[derive(Debug)]
pub struct Plan {
    cwd: PathBuf,
    inputs: Vec<DeclaredInput>,
    outputs: Vec<Declared>,
}

/// The refusals of [`Plan::check`], one paragraph each.
#[derive(Debug, thiserror::Error)]
#[error("{}", .problems.join("\n"))]
pub struct CheckError {
    pub problems: Vec<String>,
}

/// Who a path is: its device and inode where it exists, and its canonical path (an existing
/// file's, or a missing one's folder made canonical plus its name).
#[derive(Debug, Clone, Default)]
struct Identity {
    dev_ino: Option<(u64, u64)>,
    key: Option<PathBuf>,
    /// A regular file or a path that does not exist: the kinds one write can destroy.
    replaceable: bool,
    fifo: bool,
}

impl Identity {
    fn same(&self, other: &Identity) -> bool {
        matches!((self.dev_ino, other.dev_ino), (Some(a), Some(b)) if a == b)
            || matches!((&self.key, &other.key), (Some(a), Some(b)) if a == b)
    }

    fn of_meta(meta: &fs::Metadata, key: Option<PathBuf>) -> Self {
        let t = meta.file_type();
        Self {
            dev_ino: Some((meta.dev(), meta.ino())),
            key,
            replaceable: t.is_file(),
            fifo: t.is_fifo(),
        }
    }
}

impl Plan {
    /// A plan for a run whose relative paths are relative to `cwd`.
    pub fn new(cwd: &Path) -> Self {
        Self {
            cwd: cwd.to_path_buf(),
            inputs: Vec::new(),
            outputs: Vec::new(),
        }
    }

    /// An input the run reads (`-` is standard input), named `label` in messages (`PATH`,
    /// `--rules`).
    pub fn input(&mut self, label: &str, path: &Path) -> &mut Self {
        self.inputs.push(DeclaredInput {
            label: label.to_string(),
            path: path.to_path_buf(),
        });
        self
    }

    /// An output written whole (a report, a CSV, an SVG), by `flag`.
    pub fn file(&mut self, flag: &str, path: Option<&Path>) -> &mut Self {
        self.declare(flag, path, Kind::File)
    }

    /// An output written as the run goes (`--results`, `--record`).
    pub fn stream(&mut self, flag: &str, path: Option<&Path>) -> &mut Self {
        self.declare(flag, path, Kind::Stream)
    }

    /// A folder velo fills with files of its own naming (`--output-dir`); created when missing.
    pub fn folder(&mut self, flag: &str, path: Option<&Path>) -> &mut Self {
        self.declare(flag, path, Kind::Folder)
    }

    fn declare(&mut self, flag: &str, path: Option<&Path>, kind: Kind) -> &mut Self {
        if let Some(path) = path {
            self.outputs.push(Declared {
                flag: flag.to_string(),
                path: path.to_path_buf(),
                kind,
            });
        }
        self
    }

    fn absolute(&self, path: &Path) -> PathBuf {
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.cwd.join(path)
        }
    }

    /// Checks every output against the contract (module docs) and opens the FIFOs and devices.
    /// `note` receives what the user should know before the work starts: a FIFO waiting for
    /// its reader, a streamed file that will be replaced when the run ends. Every refusal is
    /// listed, each with what to change.
    pub fn check(self, note: &dyn Fn(&str)) -> Result<Outputs, CheckError> {
        if self.outputs.is_empty() {
            // Nothing to write: not even a system call (a wrapper's start-up is its cost).
            return Ok(Outputs::default());
        }
        let mut problems = Vec::new();
        let inputs: Vec<(&DeclaredInput, Identity)> = self
            .inputs
            .iter()
            .map(|i| (i, self.input_identity(&i.path)))
            .collect();
        let std_streams: Vec<(&str, Identity)> = [
            ("standard output", rustix::fs::fstat(io::stdout())),
            ("standard error", rustix::fs::fstat(io::stderr())),
        ]
        .into_iter()
        .filter_map(|(name, st)| {
            let st = st.ok()?;
            let regular = rustix::fs::FileType::from_raw_mode(st.st_mode).is_file();
            regular.then(|| {
                (
                    name,
                    Identity {
                        dev_ino: Some((st.st_dev, st.st_ino)),
                        replaceable: true,
                        ..Identity::default()
                    },
                )
            })
        })
        .collect();
        let mut checked: Vec<(Output, Identity)> = Vec::new();
        let mut streams_over_files = Vec::new();
        for d in &self.outputs {
            let shown = d.path.display().to_string();
            let full = self.absolute(&d.path);
            let (target, id) = match examine(d, &full) {
                Ok(x) => x,
                Err(p) => {
                    problems.push(p);
                    continue;
                }
            };
            let mut clash = false;
            for (input, iid) in &inputs {
                let related = (id.replaceable && iid.replaceable)
                    || (id.fifo && iid.fifo)
                    || d.kind == Kind::Folder;
                if related && id.same(iid) {
                    clash = true;
                    let also = if input.path == d.path {
                        String::new()
                    } else {
                        format!(" ({})", input.path.display())
                    };
                    problems.push(format!(
                        "{} {shown} is the input {}{also} of this run: writing it would destroy what velo reads\n  help: give {} a file of its own",
                        d.flag, input.label, d.flag
                    ));
                }
            }
            if id.replaceable {
                for (name, sid) in &std_streams {
                    if id.same(sid) {
                        clash = true;
                        problems.push(format!(
                            "{} {shown} is also where velo's {name} is redirected: one would overwrite the other\n  help: give {} another file, or redirect {name} elsewhere",
                            d.flag, d.flag
                        ));
                    }
                }
                for (other, oid) in &checked {
                    if oid.replaceable && id.same(oid) {
                        clash = true;
                        problems.push(format!(
                            "{} {} and {} {shown} name the same file: one would overwrite the other\n  help: give each flag a file of its own",
                            other.flag(),
                            other.path().display(),
                            d.flag
                        ));
                    }
                }
            }
            let replaces_stream = !clash
                && d.kind == Kind::Stream
                && matches!(&target, Target::Replace { path, .. } if path.exists());
            checked.push((Output::new(&d.flag, &d.path, target), id));
            if replaces_stream {
                streams_over_files.push(format!(
                    "velo: {} {shown} exists: it is replaced when the run ends, and stays as it is if the run fails",
                    d.flag
                ));
            }
        }
        if problems.is_empty() {
            // Only now, with nothing refused: say what will be replaced, make the missing
            // output folders, open the FIFOs and devices (a FIFO may wait for its reader).
            for n in &streams_over_files {
                note(n);
            }
            for (out, _) in &mut checked {
                if let Some(dir) = out.folder() {
                    if let Err(e) = fs::create_dir_all(dir) {
                        problems.push(format!(
                            "{} {}: cannot create the folder: {e}",
                            out.flag(),
                            out.path().display()
                        ));
                    }
                }
                let waiting = format!(
                    "velo: {} {} is a FIFO: waiting for a process to open it for reading (Ctrl-C to stop)",
                    out.flag(),
                    out.path().display()
                );
                if let Err(e) = out.open_in_place(&|| note(&waiting)) {
                    problems.push(format!(
                        "{} {}: cannot open it for writing: {e}",
                        out.flag(),
                        out.path().display()
                    ));
                }
            }
        }
        if !problems.is_empty() {
            return Err(CheckError { problems });
        }
        Ok(Outputs {
            by_flag: checked
                .into_iter()
                .map(|(o, _)| (o.flag().to_string(), Arc::new(o)))
                .collect(),
        })
    }

    fn input_identity(&self, path: &Path) -> Identity {
        if path.as_os_str() == "-" {
            return rustix::fs::fstat(io::stdin())
                .ok()
                .map(|st| {
                    let t = rustix::fs::FileType::from_raw_mode(st.st_mode);
                    Identity {
                        dev_ino: Some((st.st_dev, st.st_ino)),
                        key: None,
                        replaceable: t.is_file(),
                        fifo: t.is_fifo(),
                    }
                })
                .unwrap_or_default();
        }
        let full = self.absolute(path);
        match fs::metadata(&full) {
            Ok(meta) => Identity::of_meta(&meta, fs::canonicalize(&full).ok()),
            Err(_) => Identity {
                key: missing_key(&resolve_links(&full).unwrap_or(full)),
                replaceable: true,
                ..Identity::default()
            },
        }
    }
}

/// The canonical path of a file that does not exist yet: its folder made canonical, plus its
/// name (so `out.csv`, `./out.csv` and `sub/../out.csv` are one file).
fn missing_key(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty())?;
    Some(fs::canonicalize(dir).ok()?.join(name))
}

/// Looks at one declared output: what it is, whether it can be written, and who it is.
fn examine(d: &Declared, full: &Path) -> Result<(Target, Identity), String> {
    let flag = &d.flag;
    let shown = d.path.display();
    if d.path.as_os_str() == "-" {
        return Err(format!(
            "{flag} -: standard output carries the command's own result\n  help: give {flag} a file name (or /dev/stdout, to mix them on purpose)"
        ));
    }
    if d.kind == Kind::Folder {
        return examine_folder(d, full);
    }
    if d.path.as_os_str().as_encoded_bytes().ends_with(b"/") {
        return Err(format!(
            "{flag} {shown}: names a folder\n  help: give a file name, e.g. {flag} {shown}{}",
            example_name(flag)
        ));
    }
    match fs::metadata(full) {
        Ok(meta) => {
            let t = meta.file_type();
            if t.is_dir() {
                return Err(format!(
                    "{flag} {shown}: is a folder\n  help: give a file name inside it, e.g. {flag} {}/{}",
                    shown,
                    example_name(flag)
                ));
            }
            if t.is_fifo() || t.is_char_device() {
                // Opened once every output has passed (see `Plan::check`).
                return Ok((
                    Target::Special {
                        path: full.to_path_buf(),
                        fifo: t.is_fifo(),
                    },
                    Identity::of_meta(&meta, None),
                ));
            }
            if t.is_socket() {
                return Err(format!(
                    "{flag} {shown}: is a socket, which cannot be opened as a file\n  help: write to a file or a FIFO (mkfifo) and pass that on, e.g. with socat"
                ));
            }
            if t.is_block_device() {
                return Err(format!(
                    "{flag} {shown}: is a block device: velo does not write over disks\n  help: write to a file, and copy it with dd if that is really meant"
                ));
            }
            // A regular file: replaced through a temporary file in its folder.
            let resolved = resolve_links(full).map_err(|e| format!("{flag} {shown}: {e}"))?;
            let same = fs::metadata(&resolved)
                .is_ok_and(|m| m.dev() == meta.dev() && m.ino() == meta.ino());
            if !same {
                return Err(format!(
                    "{flag} {shown}: cannot tell which file this names (a link through /proc whose file was deleted or moved?)\n  help: give the file's own path"
                ));
            }
            if let Err(e) = rustix::fs::access(&resolved, rustix::fs::Access::WRITE_OK) {
                let mode = meta.mode() & 0o7777;
                return Err(format!(
                    "{flag} {shown}: is not writable (mode {mode:04o}: {})\n  help: make it writable (chmod u+w {shown}) or choose another file",
                    io::Error::from(e)
                ));
            }
            let dir = folder_of(&resolved);
            let new_mode =
                probe_new_mode(&dir).map_err(|e| cannot_create(flag, &shown, &dir, &e))?;
            let id = Identity::of_meta(&meta, fs::canonicalize(&resolved).ok());
            Ok((
                Target::Replace {
                    path: resolved,
                    new_mode,
                },
                id,
            ))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let resolved = resolve_links(full).map_err(|e| format!("{flag} {shown}: {e}"))?;
            let dir = folder_of(&resolved);
            match fs::metadata(&dir) {
                Ok(m) if m.is_dir() => {}
                Ok(_) => {
                    return Err(format!(
                        "{flag} {shown}: {} is not a folder\n  help: fix the path",
                        dir.display()
                    ))
                }
                Err(_) => {
                    // The folder as the user wrote it, unless a symlink led elsewhere.
                    let named = if resolved == full {
                        folder_of(&d.path)
                    } else {
                        dir.clone()
                    };
                    return Err(format!(
                        "{flag} {shown}: the folder {} does not exist\n  help: create it first (mkdir -p {}) or fix the path",
                        named.display(),
                        named.display()
                    ));
                }
            }
            let new_mode =
                probe_new_mode(&dir).map_err(|e| cannot_create(flag, &shown, &dir, &e))?;
            let id = Identity {
                key: missing_key(&resolved),
                replaceable: true,
                ..Identity::default()
            };
            Ok((
                Target::Replace {
                    path: resolved,
                    new_mode,
                },
                id,
            ))
        }
        Err(e) => Err(format!("{flag} {shown}: {e}\n  help: fix the path")),
    }
}

/// A folder output: an existing folder that takes new files, or a missing one whose nearest
/// existing parent does (it is created once every output has passed).
fn examine_folder(d: &Declared, full: &Path) -> Result<(Target, Identity), String> {
    let (flag, shown) = (&d.flag, d.path.display());
    let id = match fs::metadata(full) {
        Ok(m) if !m.is_dir() => {
            return Err(format!(
            "{flag} {shown}: is not a folder\n  help: give a folder (it is created when missing)"
        ))
        }
        Ok(m) => {
            probe_new_mode(full).map_err(|e| cannot_create(flag, &shown, full, &e))?;
            Identity {
                dev_ino: Some((m.dev(), m.ino())),
                key: fs::canonicalize(full).ok(),
                replaceable: true,
                fifo: false,
            }
        }
        Err(_) => {
            let Some(parent) = full.ancestors().skip(1).find(|a| a.exists()) else {
                return Err(format!("{flag} {shown}: no parent folder exists"));
            };
            if !parent.is_dir() {
                return Err(format!(
                    "{flag} {shown}: {} is not a folder\n  help: fix the path",
                    parent.display()
                ));
            }
            probe_new_mode(parent).map_err(|e| cannot_create(flag, &shown, parent, &e))?;
            Identity {
                key: missing_key(full),
                replaceable: true,
                ..Identity::default()
            }
        }
    };
    Ok((
        Target::Folder {
            path: full.to_path_buf(),
        },
        id,
    ))
}

fn cannot_create(flag: &str, shown: &impl std::fmt::Display, dir: &Path, e: &io::Error) -> String {
    format!(
        "{flag} {shown}: cannot create a file in {}: {e}\n  help: choose a folder you can write to",
        dir.display()
    )
}

/// The folder a file is in (`.` for a bare name).
fn folder_of(path: &Path) -> PathBuf {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf()
}

/// A file name to suggest for `flag` (`--report` → `report.html`).
fn example_name(flag: &str) -> String {
    let stem = flag.trim_start_matches('-');
    let ext = match stem {
        "report" => "html",
        "plot" | "heatmap" => "svg",
        "metrics-file" => "prom",
        "results" | "assignments" => "jsonl",
        "junit" => "xml",
        _ => "csv",
    };
    format!("{stem}.{ext}")
}

/// The checked outputs of a run, by flag.
#[derive(Debug, Default)]
pub struct Outputs {
    by_flag: BTreeMap<String, Arc<Output>>,
}

impl Outputs {
    /// The output of `flag`, when it was given.
    pub fn get(&self, flag: &str) -> Option<Arc<Output>> {
        self.by_flag.get(flag).cloned()
    }
}

#[cfg(test)]
mod tests;
