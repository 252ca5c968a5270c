//! Reading what was appended to a file since the last read, for `--follow`. Notices when the file
//! was truncated (read again from the start) or rotated (a new file at the same path: finish
//! nothing of the old one is lost that was already read, then start the new one from the start).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// What happened to the followed file since the last read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Only appended (or nothing).
    Appended,
    /// Shorter than before: read again from the start.
    Truncated,
    /// Replaced by a new file (another inode): read from the start of the new one.
    Rotated,
    /// The path does not exist right now (between a rotation's rename and create).
    Missing,
}

/// A followed file and the position read so far.
#[derive(Debug)]
pub struct Tail {
    path: PathBuf,
    pos: u64,
    identity: Option<(u64, u64)>,
}

impl Tail {
    /// Starts following `path` at `from_end` (true: only new data) or from the start.
    pub fn new(path: &Path, from_end: bool) -> io::Result<Self> {
        let meta = std::fs::metadata(path)?;
        Ok(Self {
            path: path.to_path_buf(),
            pos: if from_end { meta.len() } else { 0 },
            identity: Some(identity(&meta)),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends the new bytes to `buf` and says what happened to the file.
    pub fn read_new(&mut self, buf: &mut Vec<u8>) -> io::Result<Change> {
        let meta = match std::fs::metadata(&self.path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Change::Missing),
            Err(e) => return Err(e),
        };
        let id = identity(&meta);
        let mut change = Change::Appended;
        if self.identity != Some(id) {
            change = Change::Rotated;
            self.pos = 0;
            self.identity = Some(id);
        } else if meta.len() < self.pos {
            change = Change::Truncated;
            self.pos = 0;
        }
        let mut file = File::open(&self.path)?;
        file.seek(SeekFrom::Start(self.pos))?;
        let read = file.read_to_end(buf)?;
        self.pos += read as u64;
        Ok(change)
    }
}

#[cfg(unix)]
fn identity(meta: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn identity(_meta: &std::fs::Metadata) -> (u64, u64) {
    (0, 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn appends_truncation_and_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bot.log");
        std::fs::write(&path, "old\n").unwrap();
        let mut tail = Tail::new(&path, true).unwrap();
        let mut buf = Vec::new();
        assert_eq!(tail.read_new(&mut buf).unwrap(), Change::Appended);
        assert!(buf.is_empty());

        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"one\ntwo\n")
            .unwrap();
        assert_eq!(tail.read_new(&mut buf).unwrap(), Change::Appended);
        assert_eq!(buf, b"one\ntwo\n");

        buf.clear();
        std::fs::write(&path, "x\n").unwrap();
        assert_eq!(tail.read_new(&mut buf).unwrap(), Change::Truncated);
        assert_eq!(buf, b"x\n");

        buf.clear();
        std::fs::rename(&path, dir.path().join("bot.log.1")).unwrap();
        assert_eq!(tail.read_new(&mut buf).unwrap(), Change::Missing);
        std::fs::write(&path, "fresh\n").unwrap();
        assert_eq!(tail.read_new(&mut buf).unwrap(), Change::Rotated);
        assert_eq!(buf, b"fresh\n");
    }
}
