//! Reading what was appended to a file since the last read, for `--follow`. Notices when the file
//! was truncated (read again from the start) or rotated (a new file at the same path: the old
//! file is read to its end first, then the new one from its start, so no line is lost).

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
    /// Replaced by a new file (another inode). The first `old_tail` bytes handed out are the
    /// end of the old file (written after the last read, up to the switch); the rest is the new
    /// file from its start.
    Rotated { old_tail: usize },
    /// The path does not exist right now (between a rotation's rename and create). Bytes
    /// handed out are what was still written to the old file.
    Missing,
}

/// A followed file: the open handle read so far and the position in it. The handle follows
/// the file through a rename, so what a program writes to the old file after a rotation is
/// read to its end before the new file is started (as `tail -F` does).
#[derive(Debug)]
pub struct Tail {
    path: PathBuf,
    file: File,
    pos: u64,
    identity: (u64, u64),
}

impl Tail {
    /// Starts following `path` at `from_end` (true: only new data) or from the start.
    pub fn new(path: &Path, from_end: bool) -> io::Result<Self> {
        let file = File::open(path)?;
        let meta = file.metadata()?;
        Ok(Self {
            path: path.to_path_buf(),
            pos: if from_end { meta.len() } else { 0 },
            identity: identity(&meta),
            file,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Goes on from byte `pos` of the open file (where an earlier reader of it stopped).
    pub fn set_position(&mut self, pos: u64) {
        self.pos = pos;
    }

    /// Appends the new bytes to `buf` and says what happened to the file: first whatever the
    /// open file gained, then, when the path now names another file, that file from its start.
    pub fn read_new(&mut self, buf: &mut Vec<u8>) -> io::Result<Change> {
        let start = buf.len();
        let mut change = Change::Appended;
        if self.file.metadata()?.len() < self.pos {
            change = Change::Truncated;
            self.pos = 0;
        }
        self.file.seek(SeekFrom::Start(self.pos))?;
        self.pos += self.file.read_to_end(buf)? as u64;
        let meta = match std::fs::metadata(&self.path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(if change == Change::Truncated {
                    change
                } else {
                    Change::Missing
                });
            }
            Err(e) => return Err(e),
        };
        if identity(&meta) == self.identity {
            return Ok(change);
        }
        let old_tail = buf.len() - start;
        let mut file = File::open(&self.path)?;
        self.identity = identity(&file.metadata()?);
        self.pos = file.read_to_end(buf)? as u64;
        self.file = file;
        Ok(Change::Rotated { old_tail })
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
        assert_eq!(
            tail.read_new(&mut buf).unwrap(),
            Change::Rotated { old_tail: 0 }
        );
        assert_eq!(buf, b"fresh\n");
    }

    #[test]
    fn lines_written_to_the_old_file_after_a_rotation_are_read_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bot.log");
        let mut writer = std::fs::File::create(&path).unwrap();
        writer.write_all(b"one\n").unwrap();
        let mut tail = Tail::new(&path, false).unwrap();
        let mut buf = Vec::new();
        assert_eq!(tail.read_new(&mut buf).unwrap(), Change::Appended);
        assert_eq!(buf, b"one\n");
        // The program still holds the old file: rename, it writes once more, then the new file
        // appears and gets a line.
        buf.clear();
        std::fs::rename(&path, dir.path().join("bot.log.1")).unwrap();
        writer.write_all(b"late\n").unwrap();
        assert_eq!(tail.read_new(&mut buf).unwrap(), Change::Missing);
        assert_eq!(buf, b"late\n", "read while the path is missing");
        buf.clear();
        writer.write_all(b"later\n").unwrap();
        std::fs::write(&path, "new\n").unwrap();
        assert_eq!(
            tail.read_new(&mut buf).unwrap(),
            Change::Rotated { old_tail: 6 }
        );
        assert_eq!(
            buf, b"later\nnew\n",
            "the old file's end, then the new file"
        );
        buf.clear();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"two\n")
            .unwrap();
        assert_eq!(tail.read_new(&mut buf).unwrap(), Change::Appended);
        assert_eq!(buf, b"two\n");
    }
}
