//! Reading log sources: files, folders (recursively, in sorted order), `.gz` files (by magic
//! bytes) and stdin (`-`), in blocks that end at an event boundary so blocks can be mined in
//! parallel. Memory stays bounded: a line longer than [`MAX_LINE`] is cut there (the rest of
//! it is skipped and counted), never read whole.
//!
//! [`expand`] lists each file once by device and inode, however many paths and symlinks lead to
//! it, walks each folder once (a symlink cycle is noted, not followed), and refuses FIFOs,
//! sockets and devices (reading one can block forever) with a note. [`open`] drops a UTF-8 byte
//! order mark at the start of every input and counts the raw bytes read, for progress.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::input_path::{is_open_descriptor, open_regular, Kind, OpenError};

/// Longest line kept; longer lines are cut here and counted.
pub const MAX_LINE: usize = 64 * 1024;

/// Target size of a block handed to a worker.
pub const BLOCK: usize = 1 << 20;

/// Where lines come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Stdin,
    Path(PathBuf),
}

impl Input {
    /// The name used in reports and assignments (`-` for stdin).
    pub fn name(&self) -> String {
        match self {
            Input::Stdin => "-".to_owned(),
            Input::Path(p) => p.display().to_string(),
        }
    }
}

/// Errors reading sources.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("{0}: no such file or folder")]
    Missing(String),
    #[error("{pattern}: {message}")]
    Glob { pattern: String, message: String },
    #[error("{0}: no file matches this pattern")]
    NoMatch(String),
}

fn is_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// An input that was found but is not read, and why (reported, never silent).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    pub path: String,
    pub kind: SkipKind,
    pub reason: String,
}

/// Why an input is not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipKind {
    /// The same file (device and inode) as an input already listed: read once.
    Duplicate,
    /// A symlink that leads back to a folder being read, or to itself.
    SymlinkLoop,
    /// A symlink whose target does not exist.
    BrokenSymlink,
    /// A FIFO, socket or device: reading one can block forever.
    Special,
    /// A folder that cannot be listed.
    Unreadable,
}

/// The inputs to read, and what was found but left out.
#[derive(Debug, Clone, Default)]
pub struct Expanded {
    pub inputs: Vec<Input>,
    pub skipped: Vec<Skipped>,
}

/// A file's identity: device and inode (on other systems, the canonical path).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum FileId {
    #[cfg(unix)]
    Inode(u64, u64),
    #[cfg_attr(unix, allow(dead_code))]
    Path(PathBuf),
}

fn file_id(path: &Path, meta: &std::fs::Metadata) -> FileId {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let _ = path;
        FileId::Inode(meta.dev(), meta.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        FileId::Path(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
    }
}

/// Walks folders and lists files, each file once by identity; loops, duplicates, special
/// files and unreadable folders become [`Skipped`] notes.
#[derive(Default)]
struct Walker {
    files: std::collections::HashMap<FileId, PathBuf>,
    dirs: std::collections::HashMap<FileId, PathBuf>,
    /// Folders being walked, outermost first (a symlink to one of them is a loop).
    open_dirs: Vec<FileId>,
    out: Expanded,
}

impl Walker {
    fn skip(&mut self, path: &Path, kind: SkipKind, reason: String) {
        self.out.skipped.push(Skipped {
            path: path.display().to_string(),
            kind,
            reason,
        });
    }

    /// Adds a file unless the same file is listed already.
    fn file(&mut self, path: &Path, meta: &std::fs::Metadata) {
        let id = file_id(path, meta);
        if let Some(first) = self.files.get(&id) {
            let reason = format!("the same file as {}, read once", first.display());
            self.skip(path, SkipKind::Duplicate, reason);
            return;
        }
        self.files.insert(id, path.to_path_buf());
        self.out.inputs.push(Input::Path(path.to_path_buf()));
    }

    /// Handles one path found in a folder or named by the user (`named`).
    fn entry(&mut self, path: &Path, named: bool) -> Result<(), ReadError> {
        let link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if link && e.raw_os_error() == Some(40) => {
                // ELOOP: a link that resolves to itself.
                let reason = "symlink loop: the link resolves to itself; not followed".to_owned();
                self.skip(path, SkipKind::SymlinkLoop, reason);
                return Ok(());
            }
            Err(e) if link && e.kind() == io::ErrorKind::NotFound => {
                let target = std::fs::read_link(path).unwrap_or_default();
                let reason = format!("broken symlink to {}; skipped", target.display());
                self.skip(path, SkipKind::BrokenSymlink, reason);
                return Ok(());
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound && named => {
                return Err(ReadError::Missing(path.display().to_string()));
            }
            Err(e) => {
                return Err(ReadError::Io {
                    path: path.display().to_string(),
                    source: e,
                })
            }
        };
        let kind = Kind::of(meta.file_type());
        if kind == Kind::Folder {
            let id = file_id(path, &meta);
            if self.open_dirs.contains(&id) {
                let first = self.dirs.get(&id).cloned().unwrap_or_default();
                let reason = format!(
                    "symlink loop: leads back to {}, which is being read; not followed",
                    first.display()
                );
                self.skip(path, SkipKind::SymlinkLoop, reason);
            } else if let Some(first) = self.dirs.get(&id) {
                let reason = format!("the same folder as {}, read once", first.display());
                self.skip(path, SkipKind::Duplicate, reason);
            } else {
                self.dirs.insert(id.clone(), path.to_path_buf());
                self.open_dirs.push(id);
                let walked = self.dir(path);
                self.open_dirs.pop();
                walked?;
            }
        } else if kind.is_special() && !is_open_descriptor(path) {
            let reason = format!(
                "{kind}: not read, since reading one can wait forever; to read it anyway, \
                 pass it as stdin: velo log-digest - < {}",
                path.display()
            );
            self.skip(path, SkipKind::Special, reason);
        } else {
            self.file(path, &meta);
        }
        Ok(())
    }

    /// Walks a folder: entries sorted, hidden ones skipped.
    fn dir(&mut self, dir: &Path) -> Result<(), ReadError> {
        let listing = match std::fs::read_dir(dir) {
            Ok(l) => l,
            Err(e) => {
                self.skip(
                    dir,
                    SkipKind::Unreadable,
                    format!("cannot list the folder: {e}"),
                );
                return Ok(());
            }
        };
        let mut entries: Vec<PathBuf> = listing
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                !p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            })
            .collect();
        entries.sort();
        for p in entries {
            self.entry(&p, false)?;
        }
        Ok(())
    }
}

/// Expands a glob pattern (`logs/*.log`, `logs/**/*.gz`) the shell left alone: walks the
/// folder before the first wildcard and keeps the matching files, sorted.
fn expand_glob(pattern: &str, walker: &mut Walker) -> Result<(), ReadError> {
    let glob = globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map_err(|e| ReadError::Glob {
            pattern: pattern.to_owned(),
            message: e.kind().to_string(),
        })?
        .compile_matcher();
    let base: PathBuf = Path::new(pattern)
        .components()
        .take_while(|c| !is_glob(&c.as_os_str().to_string_lossy()))
        .collect();
    let root = if base.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        base.clone()
    };
    let rel = |p: &Path| -> PathBuf {
        if base.as_os_str().is_empty() {
            p.strip_prefix(".")
                .map_or_else(|_| p.to_path_buf(), Path::to_path_buf)
        } else {
            p.to_path_buf()
        }
    };
    let mut found = Walker::default();
    found.dir(&root)?;
    let mut matched = 0;
    for input in found.out.inputs {
        if let Input::Path(p) = input {
            let p = rel(&p);
            if glob.is_match(&p) {
                matched += 1;
                let meta = std::fs::metadata(&p).map_err(|e| ReadError::Io {
                    path: p.display().to_string(),
                    source: e,
                })?;
                walker.file(&p, &meta);
            }
        }
    }
    for mut s in found.out.skipped {
        let p = rel(Path::new(&s.path));
        if glob.is_match(&p) && s.kind != SkipKind::Duplicate
            || matches!(s.kind, SkipKind::SymlinkLoop | SkipKind::Unreadable)
        {
            s.path = p.display().to_string();
            walker.out.skipped.push(s);
        }
    }
    if matched == 0 {
        return Err(ReadError::NoMatch(pattern.to_owned()));
    }
    Ok(())
}

/// Expands arguments into inputs: folders are walked recursively (sorted, hidden entries
/// skipped), `-` is stdin. Each file is listed once (by device and inode), however many
/// paths and symlinks lead to it; a symlink loop, a FIFO, socket or device, and an
/// unreadable folder are noted in [`Expanded::skipped`]. A folder with no files yields
/// nothing.
pub fn expand(args: &[PathBuf]) -> Result<Expanded, ReadError> {
    let mut walker = Walker::default();
    for a in args {
        if a.as_os_str() == "-" {
            walker.out.inputs.push(Input::Stdin);
            continue;
        }
        let text = a.to_string_lossy();
        if !a.exists() && is_glob(&text) && std::fs::symlink_metadata(a).is_err() {
            expand_glob(&text, &mut walker)?;
            continue;
        }
        walker.entry(a, true)?;
    }
    Ok(walker.out)
}

/// The size of an input in the bytes [`open`] reads from it (compressed bytes for `.gz`), when
/// known: what a progress bar counts to.
pub fn input_len(input: &Input) -> Option<u64> {
    match input {
        Input::Stdin => None,
        Input::Path(p) => std::fs::metadata(p)
            .ok()
            .filter(std::fs::Metadata::is_file)
            .map(|m| m.len()),
    }
}

/// Whether a file holds gzip data (its magic bytes, whatever its name says).
pub fn is_gzip(path: &Path) -> bool {
    let mut magic = [0u8; 2];
    File::open(path).is_ok_and(|mut f| f.read_exact(&mut magic).is_ok() && magic == [0x1f, 0x8b])
}

/// The UTF-8 byte order mark.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Drops a UTF-8 byte order mark at the very start of a stream, so the first line's header
/// (and its level) reads like every other line's.
struct SkipBom<R> {
    inner: R,
    head: [u8; 3],
    /// Bytes of `head` still to hand out, from `head_at`.
    head_len: usize,
    head_at: usize,
    checked: bool,
}

impl<R: Read> SkipBom<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            head: [0; 3],
            head_len: 0,
            head_at: 0,
            checked: false,
        }
    }
}

impl<R: Read> Read for SkipBom<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.checked {
            while self.head_len < 3 {
                match self.inner.read(&mut self.head[self.head_len..]) {
                    Ok(0) => break,
                    Ok(n) => self.head_len += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
                if !BOM.starts_with(&self.head[..self.head_len]) {
                    break;
                }
            }
            self.checked = true;
            if self.head[..self.head_len] == *BOM {
                self.head_len = 0;
            }
        }
        if self.head_at < self.head_len {
            let n = (self.head_len - self.head_at).min(buf.len());
            buf[..n].copy_from_slice(&self.head[self.head_at..self.head_at + n]);
            self.head_at += n;
            return Ok(n);
        }
        self.inner.read(buf)
    }
}

/// Counts the bytes read from the raw source (before decompression), for progress.
struct Counted<R> {
    inner: R,
    counter: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// An opened input.
pub struct Opened {
    pub reader: Box<dyn Read + Send>,
    /// The data is gzip (detected by its magic bytes).
    pub gzip: bool,
    /// The file's modification time (epoch seconds): the reference for year-less timestamps.
    pub modified: Option<i64>,
}

/// Opens an input, decompressing gzip (detected by its magic bytes) and dropping a UTF-8 byte
/// order mark at its start. Bytes read from the raw source are added to `counter`.
pub fn open(
    input: &Input,
    counter: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
) -> Result<Opened, ReadError> {
    let name = input.name();
    let mut modified = None;
    let mut raw: Box<dyn Read + Send> = match input {
        Input::Stdin => Box::new(io::stdin()),
        Input::Path(p) => {
            // Never waits on a path that turned into a FIFO since it was listed.
            let f = open_regular(p).map_err(|e| ReadError::Io {
                path: name.clone(),
                source: match e {
                    OpenError::Io(e) => e,
                    not_a_file @ OpenError::NotAFile(_) => {
                        io::Error::new(io::ErrorKind::InvalidInput, not_a_file)
                    }
                },
            })?;
            modified = f
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .and_then(|d| i64::try_from(d.as_secs()).ok());
            Box::new(f)
        }
    };
    if let Some(counter) = counter {
        raw = Box::new(Counted {
            inner: raw,
            counter,
        });
    }
    let mut opened = open_reader(raw).map_err(|e| ReadError::Io {
        path: name,
        source: e,
    })?;
    opened.modified = modified;
    Ok(opened)
}

/// Wraps a raw byte stream as [`open`] does: gzip detected by its magic bytes and
/// decompressed, a UTF-8 byte order mark at its start dropped.
pub fn open_reader(raw: Box<dyn Read + Send>) -> io::Result<Opened> {
    let mut peek = io::BufReader::with_capacity(1 << 16, raw);
    let head = io::BufRead::fill_buf(&mut peek)?;
    if head.starts_with(&[0x1f, 0x8b]) {
        Ok(Opened {
            reader: Box::new(SkipBom::new(flate2::read::MultiGzDecoder::new(peek))),
            gzip: true,
            modified: None,
        })
    } else {
        Ok(Opened {
            reader: Box::new(SkipBom::new(peek)),
            gzip: false,
            modified: None,
        })
    }
}

/// Reads a source in blocks of whole lines. Each block ends with `\n` (except the last) and
/// starts at an event boundary (not on an indented continuation line) when one is near.
pub struct BlockReader {
    inner: Box<dyn Read + Send>,
    buf: Vec<u8>,
    tmp: Vec<u8>,
    eof: bool,
    /// Skipping the rest of a line that was cut at `MAX_LINE`.
    skipping: bool,
    /// Lines cut at `MAX_LINE`.
    pub cut_lines: u64,
    /// A read error met after some data: that data is handed out first, then the error.
    failed: Option<io::Error>,
}

impl BlockReader {
    pub fn new(inner: Box<dyn Read + Send>) -> Self {
        Self {
            inner,
            buf: Vec::with_capacity(BLOCK + MAX_LINE),
            tmp: vec![0; 1 << 16],
            eof: false,
            skipping: false,
            cut_lines: 0,
            failed: None,
        }
    }

    fn fill(&mut self, want: usize) -> io::Result<()> {
        let mut tmp = std::mem::take(&mut self.tmp);
        let done = self.fill_with(want, &mut tmp);
        self.tmp = tmp;
        done
    }

    fn fill_with(&mut self, want: usize, tmp: &mut [u8]) -> io::Result<()> {
        while self.buf.len() < want && !self.eof {
            let n = match self.inner.read(tmp) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if n == 0 {
                self.eof = true;
                break;
            }
            let mut chunk = &tmp[..n];
            if self.skipping {
                match memchr::memchr(b'\n', chunk) {
                    Some(i) => {
                        self.skipping = false;
                        chunk = &chunk[i + 1..];
                    }
                    None => continue,
                }
            }
            self.buf.extend_from_slice(chunk);
            self.cap_last_line();
        }
        Ok(())
    }

    /// Cuts the unfinished last line at `MAX_LINE` and starts skipping the rest of it.
    fn cap_last_line(&mut self) {
        let start = memchr::memrchr(b'\n', &self.buf).map_or(0, |i| i + 1);
        if self.buf.len() - start > MAX_LINE {
            self.buf.truncate(start + MAX_LINE);
            self.buf.push(b'\n');
            self.skipping = true;
            self.cut_lines += 1;
        }
    }

    /// The next block, or `None` at the end. After a read error, the data read before it comes
    /// first (as the last block, its last line possibly unfinished), then the error.
    pub fn next_block(&mut self) -> io::Result<Option<Vec<u8>>> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        if let Err(e) = self.fill(BLOCK) {
            if self.buf.is_empty() {
                return Err(e);
            }
            self.failed = Some(e);
            self.eof = true;
            return Ok(Some(std::mem::take(&mut self.buf)));
        }
        if self.buf.is_empty() {
            return Ok(None);
        }
        if self.eof && self.buf.len() <= BLOCK {
            return Ok(Some(std::mem::take(&mut self.buf)));
        }
        let cut = block_cut(&self.buf[..BLOCK.min(self.buf.len())])
            .or_else(|| memchr::memrchr(b'\n', &self.buf).map(|i| i + 1))
            .unwrap_or(self.buf.len());
        let rest = self.buf.split_off(cut);
        let block = std::mem::replace(&mut self.buf, rest);
        self.buf.reserve(BLOCK + MAX_LINE);
        Ok(Some(block))
    }
}

/// Where to end a block inside `buf`: after a newline followed by a line that starts an event
/// (not blank, not indented), searching back from the end over at most 256 lines.
fn block_cut(buf: &[u8]) -> Option<usize> {
    let mut end = buf.len();
    let mut fallback = None;
    for _ in 0..256 {
        let nl = memchr::memrchr(b'\n', &buf[..end])?;
        fallback.get_or_insert(nl + 1);
        if let Some(&next) = buf.get(nl + 1) {
            if !next.is_ascii_whitespace() {
                return Some(nl + 1);
            }
        }
        end = nl;
    }
    fallback
}

/// A line without its ANSI escape sequences (CSI `ESC [ … final`, OSC `ESC ] … BEL|ESC \\`,
/// and two-byte `ESC x`): colour is presentation, like a BOM, and never part of a header or a
/// message. Lines without an escape byte are returned as they are.
pub fn strip_ansi(line: Cow<'_, str>) -> Cow<'_, str> {
    if memchr::memchr(0x1b, line.as_bytes()).is_none() {
        return line;
    }
    let mut out = String::with_capacity(line.len());
    let mut it = line.chars().peekable();
    while let Some(c) = it.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('[') => {
                // Parameters and intermediates, then one final byte in `@`..=`~`.
                for d in it.by_ref() {
                    if ('@'..='~').contains(&d) {
                        break;
                    }
                }
            }
            Some(']') => {
                while let Some(d) = it.next() {
                    if d == '\u{7}' || (d == '\u{1b}' && it.next_if_eq(&'\\').is_some()) {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    Cow::Owned(out)
}

/// Iterates the lines of a block: `\r\n` or `\n` endings, a final unterminated line counted.
pub fn lines(block: &[u8]) -> Lines<'_> {
    Lines { rest: block }
}

/// Iterator returned by [`lines`].
pub struct Lines<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.rest.is_empty() {
            return None;
        }
        let (line, rest) = match memchr::memchr(b'\n', self.rest) {
            Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
            None => (self.rest, &self.rest[self.rest.len()..]),
        };
        self.rest = rest;
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(data: &[u8]) -> Vec<Vec<u8>> {
        let mut r = BlockReader::new(Box::new(io::Cursor::new(data.to_vec())));
        let mut out = Vec::new();
        while let Some(b) = r.next_block().unwrap() {
            out.push(b);
        }
        out
    }

    #[test]
    fn ansi_colour_is_presentation() {
        // werkzeug colours its warnings even into a file; loguru colours header fields.
        let line = "\u{1b}[31m\u{1b}[1mWARNING: This is a development server.\u{1b}[0m";
        assert_eq!(
            strip_ansi(Cow::Borrowed(line)),
            "WARNING: This is a development server."
        );
        let osc = "\u{1b}]8;;http://x\u{7}link\u{1b}]8;;\u{1b}\\ done";
        assert_eq!(strip_ansi(Cow::Borrowed(osc)), "link done");
        assert!(matches!(
            strip_ansi(Cow::Borrowed("plain line")),
            Cow::Borrowed("plain line")
        ));
    }

    #[test]
    fn globs_expand_to_sorted_files() {
        let d = tempfile::tempdir().unwrap();
        for f in ["a.log", "b.log", "c.txt", "sub/d.log"] {
            let p = d.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x\n").unwrap();
        }
        let pat = format!("{}/*.log", d.path().display());
        let got = expand(&[PathBuf::from(&pat)]).unwrap().inputs;
        let names: Vec<String> = got
            .iter()
            .map(|i| i.name().rsplit('/').next().unwrap().to_owned())
            .collect();
        assert_eq!(names, ["a.log", "b.log"]);
        let deep = format!("{}/**/*.log", d.path().display());
        assert_eq!(expand(&[PathBuf::from(deep)]).unwrap().inputs.len(), 3);
        let none = format!("{}/*.csv", d.path().display());
        assert!(expand(&[PathBuf::from(none)])
            .unwrap_err()
            .to_string()
            .contains("no file matches"));
    }

    fn read_all(r: &mut dyn Read) -> Vec<u8> {
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn a_byte_order_mark_is_dropped_at_the_start_only() {
        let skip = |b: &[u8]| read_all(&mut SkipBom::new(io::Cursor::new(b.to_vec())));
        assert_eq!(
            skip(b"\xEF\xBB\xBFline\n\xEF\xBB\xBFx"),
            b"line\n\xEF\xBB\xBFx"
        );
        assert_eq!(skip(b"\xEF\xBB\xBF"), b"");
        assert_eq!(skip(b"\xEF\xBBx"), b"\xEF\xBBx", "a partial mark is data");
        assert_eq!(skip(b"\xEF"), b"\xEF");
        assert_eq!(skip(b"ab"), b"ab");
        assert_eq!(skip(b""), b"");
        // A mark split over reads is still a mark.
        let chunks = io::Cursor::new(b"\xEF".to_vec())
            .chain(io::Cursor::new(b"\xBB".to_vec()))
            .chain(io::Cursor::new(b"\xBFok".to_vec()));
        assert_eq!(read_all(&mut SkipBom::new(chunks)), b"ok");
    }

    #[test]
    fn gzip_and_plain_inputs_lose_their_mark() {
        use std::io::Write as _;
        let d = tempfile::tempdir().unwrap();
        let plain = d.path().join("a.log");
        std::fs::write(&plain, b"\xEF\xBB\xBFERROR x\n").unwrap();
        let gz = d.path().join("a.log.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(b"\xEF\xBB\xBFERROR x\n").unwrap();
        std::fs::write(&gz, enc.finish().unwrap()).unwrap();
        for (p, is_gz) in [(plain, false), (gz, true)] {
            assert_eq!(is_gzip(&p), is_gz);
            let mut o = open(&Input::Path(p), None).unwrap();
            assert_eq!(o.gzip, is_gz);
            assert_eq!(read_all(&mut o.reader), b"ERROR x\n");
        }
    }

    /// Hands out `data`, then fails.
    struct FailsAfter(io::Cursor<Vec<u8>>);
    impl Read for FailsAfter {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match self.0.read(buf)? {
                0 => Err(io::Error::new(io::ErrorKind::UnexpectedEof, "cut short")),
                n => Ok(n),
            }
        }
    }

    #[test]
    fn a_read_error_comes_after_the_data_read_before_it() {
        let mut r = BlockReader::new(Box::new(FailsAfter(io::Cursor::new(b"a\nb\nc".to_vec()))));
        assert_eq!(r.next_block().unwrap().unwrap(), b"a\nb\nc");
        assert_eq!(r.next_block().unwrap_err().to_string(), "cut short");
        let mut r = BlockReader::new(Box::new(FailsAfter(io::Cursor::new(Vec::new()))));
        assert!(r.next_block().is_err());
    }

    #[cfg(unix)]
    #[test]
    fn each_file_once_and_loops_noted_once() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("logs");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("a.log"), "x\n").unwrap();
        std::fs::write(root.join("sub/b.log"), "y\n").unwrap();
        std::os::unix::fs::symlink("..", root.join("sub/up")).unwrap();
        std::os::unix::fs::symlink("sub", root.join("sub2")).unwrap();
        std::os::unix::fs::symlink("a.log", root.join("z.log")).unwrap();
        std::os::unix::fs::symlink("missing", root.join("gone.log")).unwrap();
        let got = expand(&[root.clone(), root.join("a.log")]).unwrap();
        let names: Vec<String> = got.inputs.iter().map(Input::name).collect();
        assert_eq!(
            names,
            [
                root.join("a.log").display().to_string(),
                root.join("sub/b.log").display().to_string()
            ]
        );
        let kinds: Vec<(String, SkipKind)> = got
            .skipped
            .iter()
            .map(|s| (s.path.rsplit('/').next().unwrap().to_owned(), s.kind))
            .collect();
        assert_eq!(
            kinds,
            [
                ("gone.log".to_owned(), SkipKind::BrokenSymlink),
                ("up".to_owned(), SkipKind::SymlinkLoop),
                ("sub2".to_owned(), SkipKind::Duplicate),
                ("z.log".to_owned(), SkipKind::Duplicate),
                ("a.log".to_owned(), SkipKind::Duplicate),
            ]
        );
    }

    #[test]
    fn lines_handle_crlf_and_missing_final_newline() {
        let v: Vec<&[u8]> = lines(b"a\r\nb\nc").collect();
        assert_eq!(v, vec![&b"a"[..], b"b", b"c"]);
        assert_eq!(lines(b"").count(), 0);
        assert_eq!(lines(b"x\n").count(), 1);
    }

    #[test]
    fn huge_lines_are_cut_not_fatal() {
        let mut data = vec![b'x'; MAX_LINE * 3];
        data.extend_from_slice(b"\nnext\n");
        let mut r = BlockReader::new(Box::new(io::Cursor::new(data)));
        let mut all = Vec::new();
        while let Some(b) = r.next_block().unwrap() {
            all.extend(b);
        }
        let ls: Vec<&[u8]> = lines(&all).collect();
        assert_eq!(ls.len(), 2);
        assert_eq!(ls[0].len(), MAX_LINE);
        assert_eq!(ls[1], b"next");
        assert_eq!(r.cut_lines, 1);
    }

    #[test]
    fn blocks_keep_every_line_once() {
        let mut data = Vec::new();
        for i in 0..200_000 {
            data.extend_from_slice(format!("line {i}\n  continuation {i}\n").as_bytes());
        }
        let bs = blocks(&data);
        assert!(bs.len() > 1);
        let joined: Vec<u8> = bs.concat();
        assert_eq!(joined, data);
        for b in &bs[1..] {
            assert!(b.starts_with(b"line "));
        }
    }
}
