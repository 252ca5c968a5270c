//! What an input path names, for every command that reads files: a regular file, a folder, a
//! named pipe, a socket, a device, or a descriptor the caller already opened (`/dev/stdin`,
//! `<(cmd)` process substitution as `/dev/fd/N`). Reading a FIFO that no writer opens, or a
//! device, can wait forever, so a command names such a path for what it is instead of hanging
//! on it; a descriptor the caller opened is a pipe that has its writer, and is read as `-` is.
//!
//! One check ([`is_open_descriptor`]), one way to name a kind ([`Kind`]'s `Display`), and one
//! way to open a file that never waits ([`open_regular`]), for log-digest, scan, backtest and
//! env-check alike.

use std::fmt;
use std::fs::{File, FileType};
use std::io;
use std::path::Path;

/// What a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Folder,
    Fifo,
    Socket,
    CharDevice,
    BlockDevice,
    /// Anything else the system has (a door, a whiteout…).
    Other,
}

impl Kind {
    /// The kind of a file type (after following links, as `std::fs::metadata` gives it).
    pub fn of(ft: FileType) -> Self {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt as _;
            if ft.is_fifo() {
                return Self::Fifo;
            }
            if ft.is_socket() {
                return Self::Socket;
            }
            if ft.is_char_device() {
                return Self::CharDevice;
            }
            if ft.is_block_device() {
                return Self::BlockDevice;
            }
        }
        if ft.is_file() {
            Self::File
        } else if ft.is_dir() {
            Self::Folder
        } else {
            Self::Other
        }
    }

    /// Neither a regular file nor a folder: reading one can block forever or never end.
    pub fn is_special(self) -> bool {
        !matches!(self, Self::File | Self::Folder)
    }
}

/// The one wording for every message that names a kind: "a named pipe (FIFO)", "a folder"…
impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::File => "a regular file",
            Self::Folder => "a folder",
            Self::Fifo => "a named pipe (FIFO)",
            Self::Socket => "a socket",
            Self::CharDevice => "a character device",
            Self::BlockDevice => "a block device",
            Self::Other => "a special file",
        })
    }
}

/// Whether `path` names a descriptor the caller already opened: `/dev/stdin`, `/dev/fd/N`
/// (`<(cmd)` process substitution) or `/proc/self/fd/N`. A pipe there has its writer, so it is
/// read as it comes, as `-` is.
pub fn is_open_descriptor(path: &Path) -> bool {
    path == Path::new("/dev/stdin")
        || path.starts_with("/dev/fd/")
        || path.starts_with("/proc/self/fd/")
}

/// Why [`open_regular`] gave no file.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The path could not be opened or inspected (missing, no permission…).
    #[error(transparent)]
    Io(#[from] io::Error),
    /// The path names something other than a regular file (a folder, a FIFO, a device…).
    #[error("{0}, not a regular file")]
    NotAFile(Kind),
}

/// Opens `path` for reading, never waiting: a regular file, or anything but a folder behind a
/// descriptor the caller opened ([`is_open_descriptor`]). Anything else (a folder, a FIFO, a
/// socket, a device) is [`OpenError::NotAFile`], found without blocking: the path is opened
/// with `O_NONBLOCK` (which changes nothing for reading a regular file) and its kind read from
/// the open descriptor, so a path swapped between a check and the open cannot slip through.
pub fn open_regular(path: &Path) -> Result<File, OpenError> {
    let inherited = is_open_descriptor(path);
    let mut options = File::options();
    options.read(true);
    #[cfg(unix)]
    if !inherited {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    let file = match options.open(path) {
        Ok(f) => f,
        Err(e) => {
            // A socket cannot be opened at all (ENXIO): name it rather than the errno.
            return Err(
                match std::fs::metadata(path).map(|m| Kind::of(m.file_type())) {
                    Ok(kind) if kind.is_special() => OpenError::NotAFile(kind),
                    _ => OpenError::Io(e),
                },
            );
        }
    };
    let kind = Kind::of(file.metadata()?.file_type());
    if kind == Kind::File || (inherited && kind != Kind::Folder) {
        Ok(file)
    } else {
        Err(OpenError::NotAFile(kind))
    }
}

/// Reads the whole of `path` as [`open_regular`] opens it.
pub fn read_regular(path: &Path) -> Result<Vec<u8>, OpenError> {
    let mut bytes = Vec::new();
    io::Read::read_to_end(&mut open_regular(path)?, &mut bytes)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors_the_caller_opened() {
        for p in ["/dev/stdin", "/dev/fd/3", "/dev/fd/63", "/proc/self/fd/0"] {
            assert!(is_open_descriptor(Path::new(p)), "{p}");
        }
        for p in ["/dev/null", "/dev/fdx", "dev/fd/3", "/proc/1/fd/0", "-"] {
            assert!(!is_open_descriptor(Path::new(p)), "{p}");
        }
    }

    #[test]
    fn regular_files_open_and_the_rest_is_named() {
        let d = tempfile::tempdir().unwrap();
        let file = d.path().join("a.csv");
        std::fs::write(&file, "x\n").unwrap();
        assert_eq!(read_regular(&file).unwrap(), b"x\n");
        let err = open_regular(d.path()).unwrap_err();
        assert!(matches!(err, OpenError::NotAFile(Kind::Folder)), "{err}");
        assert_eq!(err.to_string(), "a folder, not a regular file");
        let missing = open_regular(&d.path().join("nope")).unwrap_err();
        assert!(
            matches!(&missing, OpenError::Io(e) if e.kind() == io::ErrorKind::NotFound),
            "{missing}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_without_a_writer_is_refused_not_waited_on() {
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("pipe");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        let err = open_regular(&fifo).unwrap_err();
        assert!(matches!(err, OpenError::NotAFile(Kind::Fifo)), "{err}");
        assert_eq!(err.to_string(), "a named pipe (FIFO), not a regular file");
        let dev = open_regular(Path::new("/dev/null")).unwrap_err();
        assert!(
            matches!(dev, OpenError::NotAFile(Kind::CharDevice)),
            "{dev}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_socket_is_named_not_reported_as_an_errno() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("s.sock");
        let _listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let err = open_regular(&path).unwrap_err();
        assert!(matches!(err, OpenError::NotAFile(Kind::Socket)), "{err}");
    }
}
