//! Reading log sources: files, folders (recursively, in sorted order), `.gz` files (by magic
//! bytes) and stdin (`-`), in blocks that end at an event boundary so blocks can be mined in
//! parallel. Memory stays bounded: a line longer than [`MAX_LINE`] is cut there (the rest of
//! it is skipped and counted), never read whole.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

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

/// Expands a glob pattern (`logs/*.log`, `logs/**/*.gz`) the shell left alone: walks the
/// folder before the first wildcard and keeps the matching files, sorted.
fn expand_glob(pattern: &str, out: &mut Vec<Input>) -> Result<(), ReadError> {
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
    let mut found = Vec::new();
    walk(&root, &mut found)?;
    let before = out.len();
    for input in found {
        if let Input::Path(p) = input {
            let rel = if base.as_os_str().is_empty() {
                p.strip_prefix(".").map(Path::to_path_buf).unwrap_or(p)
            } else {
                p
            };
            if glob.is_match(&rel) {
                out.push(Input::Path(rel));
            }
        }
    }
    if out.len() == before {
        return Err(ReadError::NoMatch(pattern.to_owned()));
    }
    Ok(())
}

/// Expands arguments into inputs: folders are walked recursively (sorted, hidden entries
/// skipped), `-` is stdin. A folder with no files yields nothing.
pub fn expand(args: &[PathBuf]) -> Result<Vec<Input>, ReadError> {
    let mut out = Vec::new();
    for a in args {
        if a.as_os_str() == "-" {
            out.push(Input::Stdin);
            continue;
        }
        let text = a.to_string_lossy();
        if !a.exists() && is_glob(&text) {
            expand_glob(&text, &mut out)?;
            continue;
        }
        let meta = std::fs::metadata(a).map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                ReadError::Missing(a.display().to_string())
            } else {
                ReadError::Io {
                    path: a.display().to_string(),
                    source: e,
                }
            }
        })?;
        if meta.is_dir() {
            walk(a, &mut out)?;
        } else {
            out.push(Input::Path(a.clone()));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<Input>) -> Result<(), ReadError> {
    let io_err = |e| ReadError::Io {
        path: dir.display().to_string(),
        source: e,
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io_err)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.is_file() {
            out.push(Input::Path(p));
        }
    }
    Ok(())
}

/// Opens an input, decompressing gzip (detected by its magic bytes).
pub fn open(input: &Input) -> Result<Box<dyn Read + Send>, ReadError> {
    let name = input.name();
    let raw: Box<dyn Read + Send> = match input {
        Input::Stdin => Box::new(io::stdin()),
        Input::Path(p) => Box::new(File::open(p).map_err(|e| ReadError::Io {
            path: name.clone(),
            source: e,
        })?),
    };
    let mut peek = io::BufReader::with_capacity(1 << 16, raw);
    let head = io::BufRead::fill_buf(&mut peek).map_err(|e| ReadError::Io {
        path: name.clone(),
        source: e,
    })?;
    if head.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(flate2::read::MultiGzDecoder::new(peek)))
    } else {
        Ok(Box::new(peek))
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

    /// The next block, or `None` at the end.
    pub fn next_block(&mut self) -> io::Result<Option<Vec<u8>>> {
        self.fill(BLOCK)?;
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
    fn globs_expand_to_sorted_files() {
        let d = tempfile::tempdir().unwrap();
        for f in ["a.log", "b.log", "c.txt", "sub/d.log"] {
            let p = d.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x\n").unwrap();
        }
        let pat = format!("{}/*.log", d.path().display());
        let got = expand(&[PathBuf::from(&pat)]).unwrap();
        let names: Vec<String> = got
            .iter()
            .map(|i| i.name().rsplit('/').next().unwrap().to_owned())
            .collect();
        assert_eq!(names, ["a.log", "b.log"]);
        let deep = format!("{}/**/*.log", d.path().display());
        assert_eq!(expand(&[PathBuf::from(deep)]).unwrap().len(), 3);
        let none = format!("{}/*.csv", d.path().display());
        assert!(expand(&[PathBuf::from(none)])
            .unwrap_err()
            .to_string()
            .contains("no file matches"));
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
