//! Output capture: the supervising thread reads the child's pipes as bytes arrive (see
//! `Running::pump`), appends them to a file (so nothing is lost when the process is killed),
//! keeps a bounded tail in memory and passes them through to a sink when asked.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Where a stream's bytes go besides the tail. Returns false when they can no longer be
/// delivered (the reader of velo's own stdout left): the stream then stops reading and closes
/// its end of the pipe, so the command learns it (SIGPIPE or EPIPE) as it would without velo.
pub type Sink = Arc<dyn Fn(&[u8]) -> bool + Send + Sync>;

/// A sink that appends every byte to a shared buffer, and that buffer: the reader takes what
/// has arrived so far (`std::mem::take` under the lock) while the command runs.
pub fn buffer_sink() -> (Sink, Arc<std::sync::Mutex<Vec<u8>>>) {
    let pending = Arc::new(std::sync::Mutex::new(Vec::new()));
    let buffer = Arc::clone(&pending);
    let sink: Sink = Arc::new(move |b: &[u8]| {
        buffer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(b);
        true
    });
    (sink, pending)
}

/// A command's output passed through live, to two writers (in velo, its own stdout and
/// stderr): the one passthrough of every command that shows a child's output as it comes.
/// A write to the stdout writer that fails means its reader left (`velo … | head -1`): that
/// is remembered, and the stream's pipe is closed, so the command gets SIGPIPE as it would
/// without velo.
#[derive(Clone)]
pub struct Passthrough {
    stdout: Sink,
    stderr: Sink,
    reader_left: Arc<AtomicBool>,
}

impl Passthrough {
    /// Passes stdout to `stdout` and stderr to `stderr` (the same writer for both is fine).
    pub fn new(stdout: Sink, stderr: Sink) -> Self {
        let reader_left = Arc::new(AtomicBool::new(false));
        let left = Arc::clone(&reader_left);
        let stdout: Sink = Arc::new(move |b: &[u8]| {
            let ok = stdout(b);
            if !ok {
                left.store(true, Ordering::SeqCst);
            }
            ok
        });
        Self {
            stdout,
            stderr,
            reader_left,
        }
    }

    /// The sinks of a [`super::Spec`]: `(stdout, stderr)`.
    pub fn sinks(&self) -> (Sink, Sink) {
        (Arc::clone(&self.stdout), Arc::clone(&self.stderr))
    }

    /// Whether the reader of the stdout writer has left.
    pub fn reader_left(&self) -> bool {
        self.reader_left.load(Ordering::SeqCst)
    }
}

/// The last bytes of a stream.
#[derive(Debug, Default)]
pub struct Tail {
    buf: VecDeque<u8>,
    limit: usize,
    total: u64,
}

impl Tail {
    /// Keeps at most `limit` bytes. The buffer grows as output comes: a quick command that
    /// prints little should not make room (and heap) for 64 KB per stream at every start.
    pub fn new(limit: usize) -> Self {
        Self {
            buf: VecDeque::new(),
            limit,
            total: 0,
        }
    }

    pub fn push(&mut self, bytes: &[u8]) {
        self.total += bytes.len() as u64;
        if bytes.len() >= self.limit {
            self.buf.clear();
            self.buf.extend(&bytes[bytes.len() - self.limit..]);
            return;
        }
        let overflow = (self.buf.len() + bytes.len()).saturating_sub(self.limit);
        self.buf.drain(..overflow);
        self.buf.extend(bytes);
    }

    /// The kept bytes as text (lossy UTF-8).
    pub fn text(&self) -> String {
        let (a, b) = self.buf.as_slices();
        let mut v = Vec::with_capacity(a.len() + b.len());
        v.extend_from_slice(a);
        v.extend_from_slice(b);
        String::from_utf8_lossy(&v).into_owned()
    }

    /// Bytes seen in total (kept or not).
    pub fn total(&self) -> u64 {
        self.total
    }
}

/// First read buffer (one page): most commands print little, and zeroing a bigger buffer is
/// page faults at every start.
const FIRST_BUF: usize = 4 * 1024;
/// The buffer grows to a pipe's default capacity once a read fills it.
const MAX_BUF: usize = 64 * 1024;

/// One captured output stream of a running command.
pub struct Stream {
    /// The read end, until end of file (or a read error).
    pipe: Option<File>,
    file: Option<File>,
    /// The file written, if any.
    pub path: Option<PathBuf>,
    pub tail: Tail,
    sink: Option<Sink>,
}

impl Stream {
    /// Wraps a pipe, creating the file its bytes are copied to (through the output contract:
    /// written live, an older file of the name removed first, never followed through a link).
    pub fn new(
        pipe: File,
        path: Option<PathBuf>,
        tail_limit: usize,
        sink: Option<Sink>,
    ) -> std::io::Result<Self> {
        let file = match &path {
            Some(p) => Some(crate::outfile::create_in_folder(p)?),
            None => None,
        };
        Ok(Self {
            pipe: Some(pipe),
            file,
            path,
            tail: Tail::new(tail_limit),
            sink,
        })
    }

    pub fn pipe(&self) -> Option<&File> {
        self.pipe.as_ref()
    }

    pub fn is_open(&self) -> bool {
        self.pipe.is_some()
    }

    /// Stops reading (end of file seen by `poll`).
    pub fn close(&mut self) {
        self.pipe = None;
    }

    /// The pipe's `/proc/self/fd` link (`pipe:[inode]`), to find other holders of it.
    pub fn link(&self) -> Option<String> {
        super::tree::fd_link(self.pipe.as_ref()?.as_raw_fd())
    }

    /// Reads once (the pipe is readable, so this does not block) and hands the bytes on. Returns
    /// whether any arrived; end of file or a read error closes the stream.
    pub fn read_once(&mut self, buf: &mut Vec<u8>) -> bool {
        let Some(pipe) = self.pipe.as_mut() else {
            return false;
        };
        if buf.is_empty() {
            buf.resize(FIRST_BUF, 0);
        }
        match pipe.read(buf) {
            Ok(0) => {
                self.pipe = None;
                false
            }
            Ok(n) => {
                let chunk = &buf[..n];
                if let Some(f) = self.file.as_mut() {
                    // A full disk must not stop the capture of the tail.
                    let _ = f.write_all(chunk);
                }
                self.tail.push(chunk);
                if let Some(s) = &self.sink {
                    if !s(chunk) {
                        // The reader left: closing our end tells the writer.
                        self.pipe = None;
                        return true;
                    }
                }
                if n == buf.len() && buf.len() < MAX_BUF {
                    buf.resize(MAX_BUF, 0);
                }
                true
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => false,
            Err(_) => {
                self.pipe = None;
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_stdout_write_says_the_reader_left() {
        let ok: Sink = Arc::new(|_: &[u8]| true);
        let gone: Sink = Arc::new(|_: &[u8]| false);
        let p = Passthrough::new(Arc::clone(&ok), Arc::clone(&gone));
        let (out, err) = p.sinks();
        assert!(out(b"x") && !p.reader_left());
        // A stderr that cannot be written is not the reader of stdout leaving.
        assert!(!err(b"x") && !p.reader_left());
        let p = Passthrough::new(gone, ok);
        assert!(!(p.sinks().0)(b"x"));
        assert!(p.reader_left());
    }
    use proptest::prelude::*;

    #[test]
    fn tail_keeps_the_last_bytes() {
        let mut t = Tail::new(5);
        t.push(b"abc");
        t.push(b"defg");
        assert_eq!(t.text(), "cdefg");
        t.push(b"0123456789");
        assert_eq!(t.text(), "56789");
        assert_eq!(t.total(), 17);
    }

    proptest! {
        #[test]
        fn tail_equals_suffix_of_everything(chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..20), 0..20), limit in 1usize..40) {
            let mut t = Tail::new(limit);
            let mut all = Vec::new();
            for c in &chunks {
                t.push(c);
                all.extend_from_slice(c);
            }
            let start = all.len().saturating_sub(limit);
            let (a, b) = t.buf.as_slices();
            let kept: Vec<u8> = a.iter().chain(b).copied().collect();
            prop_assert_eq!(kept, all[start..].to_vec());
        }
    }
}
