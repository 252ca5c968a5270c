//! Output capture: one thread per stream reads the child's pipe as bytes arrive, appends them to
//! a file (so nothing is lost when the process is killed), keeps a bounded tail in memory, passes
//! them through to a sink when asked, and records when output was last seen (for the no-output
//! watchdog).

use std::collections::VecDeque;
use std::fs::File;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Where a stream's bytes go besides the tail.
pub type Sink = Arc<dyn Fn(&[u8]) + Send + Sync>;

/// The last bytes of a stream.
#[derive(Debug, Default)]
pub struct Tail {
    buf: VecDeque<u8>,
    limit: usize,
    total: u64,
}

impl Tail {
    pub fn new(limit: usize) -> Self {
        Self {
            buf: VecDeque::with_capacity(limit.min(64 * 1024)),
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

/// The shared state of one stream's reader.
pub struct Stream {
    pub tail: Arc<Mutex<Tail>>,
    /// The file written, if any.
    pub path: Option<PathBuf>,
}

/// Starts a reader thread. It sends `index` on `done` at end of file (or on a read error).
/// `last_output` holds milliseconds since `start` at the latest byte seen.
#[allow(clippy::too_many_arguments)]
pub fn spawn_reader(
    mut pipe: impl Read + Send + 'static,
    index: usize,
    path: Option<PathBuf>,
    tail_limit: usize,
    sink: Option<Sink>,
    start: Instant,
    last_output: Arc<AtomicU64>,
    done: Sender<usize>,
) -> std::io::Result<Stream> {
    let mut file = match &path {
        Some(p) => Some(File::create(p)?),
        None => None,
    };
    let tail = Arc::new(Mutex::new(Tail::new(tail_limit)));
    let shared = Arc::clone(&tail);
    std::thread::Builder::new()
        .name(format!("velo-capture-{index}"))
        .spawn(move || {
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                match pipe.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        let chunk = &buf[..n];
                        last_output.store(start.elapsed().as_millis() as u64, Ordering::Relaxed);
                        if let Some(f) = file.as_mut() {
                            // A full disk must not stop the capture of the tail.
                            let _ = f.write_all(chunk);
                        }
                        if let Some(s) = &sink {
                            s(chunk);
                        }
                        shared
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .push(chunk);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
            let _ = done.send(index);
        })?;
    Ok(Stream { tail, path })
}

#[cfg(test)]
mod tests {
    use super::*;
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
