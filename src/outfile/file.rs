//! The writing half of [`crate::outfile`]: the [`Output`] handle, streams, the atomic
//! replacement itself and the primitives for files outside a plan.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tempfile::NamedTempFile;

use super::folder_of;

/// How many symlinks are followed before the chain is called a loop.
const MAX_LINKS: usize = 40;

/// The end of every temporary file name velo makes beside an output.
const TEMP_SUFFIX: &str = ".velo-tmp";

/// Where an output's bytes go.
#[derive(Debug)]
pub(super) enum Target {
    /// A regular file (existing or not; symlinks already followed), replaced by a rename.
    /// `new_mode` is the mode a file created in its folder gets.
    Replace { path: PathBuf, new_mode: u32 },
    /// A FIFO or character device, not opened yet.
    Special { path: PathBuf, fifo: bool },
    /// A FIFO or character device, opened during the check and written as it is.
    InPlace { file: File, what: &'static str },
    /// A folder of velo's own files.
    Folder { path: PathBuf },
}

/// One checked output of a run (see the module docs of [`crate::outfile`]).
#[derive(Debug)]
pub struct Output {
    flag: String,
    path: PathBuf,
    target: Target,
}

impl Output {
    pub(super) fn new(flag: &str, path: &Path, target: Target) -> Self {
        Self {
            flag: flag.to_string(),
            path: path.to_path_buf(),
            target,
        }
    }

    /// The flag that named it (`--report`).
    pub fn flag(&self) -> &str {
        &self.flag
    }

    /// The path as the user gave it.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The folder of a folder output (`--output-dir`), as an absolute path.
    pub fn folder(&self) -> Option<&Path> {
        match &self.target {
            Target::Folder { path } => Some(path),
            _ => None,
        }
    }

    /// A FIFO or device, written in place.
    pub fn in_place(&self) -> bool {
        matches!(self.target, Target::InPlace { .. } | Target::Special { .. })
    }

    /// Opens a FIFO or device for writing (the last step of the check); `waiting` is called
    /// when a FIFO has no reader yet. Anything else is left as it is.
    pub(super) fn open_in_place(&mut self, waiting: &dyn Fn()) -> io::Result<()> {
        if let Target::Special { path, fifo } = &self.target {
            let file = open_in_place(path, *fifo, waiting)?;
            let what = if *fifo { "FIFO" } else { "device" };
            self.target = Target::InPlace { file, what };
        }
        Ok(())
    }

    fn error(&self, source: io::Error) -> WriteError {
        let consequence = match &self.target {
            Target::Replace { path, .. } if path.exists() => "the file was left as it was",
            Target::Replace { .. } | Target::Folder { .. } | Target::Special { .. } => {
                "nothing was written"
            }
            Target::InPlace { what, .. } => {
                if *what == "FIFO" {
                    "what its reader got is incomplete"
                } else {
                    "what the device got is incomplete"
                }
            }
        };
        WriteError {
            flag: self.flag.clone(),
            path: self.path.clone(),
            source,
            consequence,
            in_place: self.in_place(),
        }
    }

    /// Writes `bytes` as the whole output: a regular file is replaced atomically (module
    /// docs), a FIFO or device gets the bytes. Called again, it replaces the file again (or
    /// sends the bytes again).
    pub fn write(&self, bytes: &[u8]) -> Result<(), WriteError> {
        match &self.target {
            Target::Replace { path, new_mode } => {
                replace_at(path, *new_mode, bytes).map_err(|e| self.error(e))
            }
            Target::InPlace { file, .. } => {
                let mut f: &File = file;
                f.write_all(bytes)
                    .and_then(|()| f.flush())
                    .map_err(|e| self.error(e))
            }
            Target::Folder { .. } => Err(self.error(io::Error::other("a folder, not a file"))),
            Target::Special { .. } => Err(self.error(io::Error::other("not opened"))),
        }
    }

    /// A version of the output while the run goes on (the JUnit file of a run in progress):
    /// a regular file is replaced as by [`Output::write`]; a FIFO or device gets nothing, as
    /// it could not take the version back (only the final [`Output::write`] reaches it).
    pub fn write_interim(&self, bytes: &[u8]) -> Result<(), WriteError> {
        if self.in_place() {
            return Ok(());
        }
        self.write(bytes)
    }

    /// Starts writing the output as the run goes. See [`Stream`].
    pub fn stream(self: &Arc<Self>) -> Result<Stream, WriteError> {
        let sink = match &self.target {
            Target::Replace { path, .. } => {
                Sink::Temp(temp_beside(path, false).map_err(|e| self.error(e))?)
            }
            Target::InPlace { file, .. } => {
                Sink::InPlace(file.try_clone().map_err(|e| self.error(e))?)
            }
            Target::Folder { .. } => {
                return Err(self.error(io::Error::other("a folder, not a file")))
            }
            Target::Special { .. } => return Err(self.error(io::Error::other("not opened"))),
        };
        Ok(Stream {
            out: Arc::clone(self),
            sink: Some(BufWriter::with_capacity(1 << 16, sink)),
            failed: None,
        })
    }

    /// Whether `e`, from writing this output, only means its FIFO's reader went away.
    fn reader_left(&self, e: &io::Error) -> bool {
        self.in_place() && e.kind() == io::ErrorKind::BrokenPipe
    }
}

#[derive(Debug)]
enum Sink {
    Temp(NamedTempFile),
    InPlace(File),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Temp(t) => t.as_file_mut().write(buf),
            Sink::InPlace(f) => f.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Temp(t) => t.as_file_mut().flush(),
            Sink::InPlace(f) => f.flush(),
        }
    }
}

/// An output written as the run goes. For a regular file the bytes go to a temporary file
/// beside it (`.NAME.XXXXXX.velo-tmp`, created 0600), which [`Stream::finish`] renames over
/// it when the run ends; dropped unfinished (the run failed), the temporary file is removed
/// and an existing file stays as it was.
///
/// A stream never fails in the middle of a run: the first error is kept, later writes are
/// dropped, and [`Stream::finish`] returns it, so the work goes on and its result is still
/// printed.
#[derive(Debug)]
pub struct Stream {
    out: Arc<Output>,
    sink: Option<BufWriter<Sink>>,
    failed: Option<io::Error>,
}

impl Stream {
    /// Whether a write has failed (the output will be an error at [`Stream::finish`]).
    pub fn failed(&self) -> bool {
        self.failed.is_some()
    }

    /// The output this stream writes.
    pub fn output(&self) -> &Output {
        &self.out
    }

    /// Ends the stream: flushes, and replaces the file with what was written (or, for a FIFO or
    /// device, only flushes). The first error of the run, if any, is returned here.
    pub fn finish(mut self) -> Result<(), WriteError> {
        let sink = self.sink.take();
        if let Some(e) = self.failed.take() {
            return Err(self.out.error(e));
        }
        let Some(sink) = sink else {
            return Ok(());
        };
        let sink = sink
            .into_inner()
            .map_err(|e| self.out.error(e.into_error()))?;
        match (sink, &self.out.target) {
            (Sink::Temp(tmp), Target::Replace { path, new_mode }) => {
                commit(tmp, path, *new_mode).map_err(|e| self.out.error(e))
            }
            _ => Ok(()),
        }
    }
}

impl Stream {
    /// Keeps the first error; a FIFO's reader that left only ends the stream (as a closed
    /// stdout ends `velo … | head`).
    fn keep(&mut self, result: io::Result<()>) {
        if let Err(e) = result {
            if self.out.reader_left(&e) {
                self.sink = None;
            } else {
                self.failed = Some(e);
            }
        }
    }
}

impl Write for Stream {
    /// Always accepts `buf` (see [`Stream`]): an error is kept for [`Stream::finish`].
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.failed.is_none() {
            if let Some(sink) = &mut self.sink {
                let r = sink.write_all(buf);
                self.keep(r);
            }
        }
        Ok(buf.len())
    }

    /// Hands the buffered bytes to the file (a reader of the temporary file, or of a FIFO, sees
    /// them); not a sync.
    fn flush(&mut self) -> io::Result<()> {
        if self.failed.is_none() {
            if let Some(sink) = &mut self.sink {
                let r = sink.flush();
                self.keep(r);
            }
        }
        Ok(())
    }
}

/// A write to an output that failed, with what it left behind.
#[derive(Debug)]
pub struct WriteError {
    flag: String,
    path: PathBuf,
    source: io::Error,
    consequence: &'static str,
    in_place: bool,
}

impl WriteError {
    /// The FIFO or device's reader went away (`--report >(head -1)`): what a closed pipe on
    /// standard output is too, not a failure of velo's.
    pub fn reader_left(&self) -> bool {
        self.in_place && self.source.kind() == io::ErrorKind::BrokenPipe
    }
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: cannot write: {}; {}",
            self.flag,
            self.path.display(),
            self.source,
            self.consequence
        )
    }
}

// No `source()`: the I/O error is in the message, and a broken pipe in an error's chain means
// "the reader of stdout left" to `cli::run`, which this is not.
impl std::error::Error for WriteError {}

/// The outputs of a run that could not be written. A command adds each failure as it
/// happens, prints its own result, and ends with [`Failures::into_result`]'s error (exit 2).
#[derive(Debug, Default)]
pub struct Failures(Vec<WriteError>);

impl Failures {
    /// Keeps the error of `result`, if any (a reader that left a FIFO is not one).
    pub fn add(&mut self, result: Result<(), WriteError>) {
        if let Err(e) = result {
            self.push(e);
        }
    }

    /// Keeps `e` (unless a reader of a FIFO or device merely left).
    pub fn push(&mut self, e: WriteError) {
        if !e.reader_left() {
            self.0.push(e);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok` when every output was written, else one error naming each that was not.
    pub fn into_result(self) -> Result<(), FailedOutputs> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(FailedOutputs(self.0))
        }
    }
}

/// The error that ends a run whose outputs could not all be written.
#[derive(Debug)]
pub struct FailedOutputs(Vec<WriteError>);

impl fmt::Display for FailedOutputs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.0 {
            writeln!(f, "{e}")?;
        }
        write!(
            f,
            "  help: the run itself finished (its result is above); make room or choose another path, and run again"
        )
    }
}

impl std::error::Error for FailedOutputs {}

/// Replaces `path` (already resolved through symlinks) with `bytes` atomically.
fn replace_at(path: &Path, new_mode: u32, bytes: &[u8]) -> io::Result<()> {
    let mut tmp = temp_beside(path, false)?;
    tmp.as_file_mut().write_all(bytes)?;
    commit(tmp, path, new_mode)
}

/// A temporary file in `path`'s folder, named after it: `.NAME.XXXXXX.velo-tmp`, 0600 (or
/// 0666 less the umask with `probe`).
fn temp_beside(path: &Path, probe: bool) -> io::Result<NamedTempFile> {
    let dir = folder_of(path);
    let mut prefix = OsString::from(".");
    if let Some(name) = path.file_name() {
        // Room for the random part and the suffix within a 255-byte file name.
        let bytes = name.as_bytes();
        prefix.push(OsStr::from_bytes(&bytes[..bytes.len().min(200)]));
    }
    prefix.push(".");
    let mut b = tempfile::Builder::new();
    b.prefix(&prefix).suffix(TEMP_SUFFIX).rand_bytes(6);
    if probe {
        b.permissions(fs::Permissions::from_mode(0o666));
    }
    b.tempfile_in(dir)
}

/// Whether `name` is one of velo's temporary files (for watchers that ignore them).
pub fn is_temp_name(name: &OsStr) -> bool {
    let b = name.as_bytes();
    b.starts_with(b".") && b.ends_with(TEMP_SUFFIX.as_bytes())
}

/// The mode (permission bits) a file created in `dir` gets, 0666 less the umask or what a
/// default ACL makes of it: found by creating one, which also proves a file can be created.
pub(super) fn probe_new_mode(dir: &Path) -> io::Result<u32> {
    let probe = temp_beside(&dir.join("probe"), true)?;
    Ok(probe.as_file().metadata()?.mode() & 0o7777)
}

/// Gives the temporary file the mode (and, where allowed, the owner) of the file it replaces,
/// or the mode of a new file; syncs it; renames it over `path`; syncs the folder.
fn commit(tmp: NamedTempFile, path: &Path, new_mode: u32) -> io::Result<()> {
    match fs::metadata(path) {
        Ok(m) if m.is_file() => {
            keep_owner(tmp.as_file(), &m);
            tmp.as_file()
                .set_permissions(fs::Permissions::from_mode(m.mode() & 0o7777))?;
        }
        Ok(_) => {
            return Err(io::Error::other(format!(
                "{} is no longer a regular file",
                path.display()
            )))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            tmp.as_file()
                .set_permissions(fs::Permissions::from_mode(new_mode))?;
        }
        Err(e) => return Err(e),
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    sync_folder(path);
    Ok(())
}

/// Gives `file` the owner and group of `like` where allowed (root; or the group alone for a
/// member of it); otherwise leaves them, as `cp -p` does.
fn keep_owner(file: &File, like: &fs::Metadata) {
    let Ok(now) = file.metadata() else { return };
    if (now.uid(), now.gid()) == (like.uid(), like.gid()) {
        return;
    }
    if std::os::unix::fs::fchown(file, Some(like.uid()), Some(like.gid())).is_err() {
        let _ = std::os::unix::fs::fchown(file, None, Some(like.gid()));
    }
}

/// Makes a rename durable (best effort: not every file system syncs a folder).
fn sync_folder(path: &Path) {
    if let Ok(dir) = File::open(folder_of(path)) {
        let _ = dir.sync_all();
    }
}

/// Follows `path` through symlinks to the file that is really written (which may not exist
/// yet: a dangling link names the file it would create).
pub(super) fn resolve_links(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = fs::read_link(&current)?;
                current = match current.parent() {
                    Some(parent) if link.is_relative() => parent.join(link),
                    _ => link,
                };
            }
            Ok(_) => return Ok(current),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(current),
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other(format!(
        "{}: too many levels of symbolic links",
        path.display()
    )))
}

/// Opens a FIFO or device for writing as it is. A FIFO with no reader yet calls `waiting` and
/// then waits for one (as a shell's `>` does); the descriptor blocks on writes after that.
pub(super) fn open_in_place(path: &Path, fifo: bool, waiting: &dyn Fn()) -> io::Result<File> {
    let nonblocking = fs::OpenOptions::new()
        .write(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path);
    let file = match nonblocking {
        Ok(f) => f,
        Err(e) if fifo && e.raw_os_error() == Some(rustix::io::Errno::NXIO.raw_os_error()) => {
            waiting();
            fs::OpenOptions::new().write(true).open(path)?
        }
        Err(e) => return Err(e),
    };
    let flags = rustix::fs::fcntl_getfl(&file)?;
    rustix::fs::fcntl_setfl(&file, flags - rustix::fs::OFlags::NONBLOCK)?;
    Ok(file)
}

/// Rewrites a file velo was asked to edit in place (`env-check --fix`) or to generate
/// (`velo generate`), by the same atomic replacement as an [`Output`]: through symlinks,
/// keeping an existing file's mode and owner, a new one getting 0666 less the umask. Anything
/// but a regular file (or a missing one) is refused.
pub fn replace_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let target = resolve_links(path)?;
    match fs::metadata(&target) {
        Ok(m) if !m.is_file() => {
            return Err(io::Error::other(format!(
                "{}: not a regular file, so not rewritten",
                path.display()
            )))
        }
        _ => {}
    }
    let new_mode = probe_new_mode(&folder_of(&target))?;
    replace_at(&target, new_mode, bytes)
}

/// Creates `dest`, a new file beside `source` made from it (`app.log.1` → `app.log.1.gz`),
/// with `fill` writing its bytes: through a temporary file, with `source`'s mode, owner and
/// modification time, and never over an existing `dest` (an error of kind `AlreadyExists`).
/// Returns the new file's size.
pub fn create_beside(
    source: &Path,
    dest: &Path,
    fill: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<u64> {
    let meta = fs::metadata(source)?;
    if fs::symlink_metadata(dest).is_ok() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} already exists", dest.display()),
        ));
    }
    let mut tmp = temp_beside(dest, false)?;
    fill(tmp.as_file_mut())?;
    let made = tmp.as_file();
    if let Ok(m) = meta.modified() {
        let _ = made.set_modified(m);
    }
    keep_owner(made, &meta);
    made.set_permissions(fs::Permissions::from_mode(meta.mode() & 0o7777))?;
    made.sync_all()?;
    let size = made.metadata()?.len();
    tmp.persist_noclobber(dest).map_err(|e| {
        if e.error.kind() == io::ErrorKind::AlreadyExists {
            io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("{} already exists", dest.display()),
            )
        } else {
            e.error
        }
    })?;
    sync_folder(dest);
    Ok(size)
}

/// Creates one of velo's own files in an output folder (`--output-dir`: `attempt-1.stdout`),
/// written as the run goes so a killed run keeps what it captured. A file of that name from an
/// earlier run is removed first, not truncated (a hard link elsewhere keeps its bytes) and a
/// symlink there is not followed; the new file gets 0666 less the umask.
pub fn create_in_folder(path: &Path) -> io::Result<File> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(io::Error::other(format!(
                "{} is a folder: velo's output file cannot be created there",
                path.display()
            )))
        }
        Ok(_) => fs::remove_file(path)?,
        Err(_) => {}
    }
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o666)
        .open(path)
}
