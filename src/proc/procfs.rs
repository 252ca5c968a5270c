//! Thin readers of `/proc` for the figures of a process (CPU times, memory, threads, descriptors,
//! I/O) and of the whole system (CPU, memory, load, mounts). Each read reuses one buffer and one
//! path string, so sampling a tree ten times a second allocates almost nothing; the parsers are
//! plain functions over text, tested on captured samples.
//!
//! Every reader answers `None` when the entry is gone (the process exited) or unreadable (another
//! user's process): callers count those and say so instead of failing.

use std::fmt::Write as _;
use std::fs::File;
use std::io;

/// The fields of `/proc/<pid>/stat` a monitor needs (times in clock ticks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PidStat {
    pub state: char,
    pub ppid: i32,
    pub pgid: i32,
    pub utime: u64,
    pub stime: u64,
    /// Times of waited-for children (they move here when the process reaps them).
    pub cutime: u64,
    pub cstime: u64,
    pub threads: u64,
    /// Start time in clock ticks after boot: with the pid, it names one process (pids are reused).
    pub starttime: u64,
    pub rss_pages: u64,
    /// A hash of the command name (`comm`): it changes when the process `exec`s.
    pub comm_hash: u64,
}

impl PidStat {
    /// Own and reaped children's CPU time, in ticks.
    pub fn total_ticks(&self) -> u64 {
        self.utime + self.stime + self.cutime + self.cstime
    }

    pub fn zombie(&self) -> bool {
        self.state == 'Z' || self.state == 'X'
    }
}

/// Parses `/proc/<pid>/stat`. The command name may hold spaces and parentheses, so fields are
/// counted from the last `)`.
pub fn parse_pid_stat(text: &str) -> Option<PidStat> {
    let rest = &text[text.rfind(')')? + 1..];
    // Fields after the name, 0-based: 0 state, 1 ppid, 2 pgrp, 11 utime, 12 stime, 13 cutime,
    // 14 cstime, 17 num_threads, 19 starttime, 21 rss.
    let mut f = rest.split_ascii_whitespace();
    let state = f.next()?.chars().next()?;
    let parent = f.next()?.parse().ok()?;
    let group = f.next()?.parse().ok()?;
    let mut f = f.skip(8);
    let num = |s: Option<&str>| s.and_then(|v| v.parse::<i64>().ok());
    let user = num(f.next())?;
    let system = num(f.next())?;
    let children_user = num(f.next())?;
    let children_system = num(f.next())?;
    let mut f = f.skip(2);
    let threads = num(f.next())?;
    let mut f = f.skip(1);
    let starttime = num(f.next())?;
    let mut f = f.skip(1);
    let rss = num(f.next())?;
    let pos = |v: i64| u64::try_from(v).unwrap_or(0);
    Some(PidStat {
        state,
        ppid: parent,
        pgid: group,
        utime: pos(user),
        stime: pos(system),
        cutime: pos(children_user),
        cstime: pos(children_system),
        threads: pos(threads),
        starttime: pos(starttime),
        rss_pages: pos(rss),
        comm_hash: 0,
    })
}

/// `read_bytes` and `write_bytes` of `/proc/<pid>/io` (bytes that reached or came from storage).
pub fn parse_io(text: &str) -> Option<(u64, u64)> {
    let mut read = None;
    let mut write = None;
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("read_bytes:") {
            read = v.trim().parse().ok();
        } else if let Some(v) = line.strip_prefix("write_bytes:") {
            write = v.trim().parse().ok();
        }
    }
    Some((read?, write?))
}

/// `(Pss, Private_Clean + Private_Dirty)` of `/proc/<pid>/smaps_rollup`, in bytes: the
/// proportional set size and the unique set size.
pub fn parse_smaps_rollup(text: &str) -> Option<(u64, u64)> {
    let kb = |v: &str| -> Option<u64> { v.trim().strip_suffix("kB")?.trim().parse().ok() };
    let mut pss = None;
    let mut private = 0u64;
    let mut seen_private = false;
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("Pss:") {
            pss = kb(v);
        } else if let Some(v) = line
            .strip_prefix("Private_Clean:")
            .or_else(|| line.strip_prefix("Private_Dirty:"))
        {
            private += kb(v)?;
            seen_private = true;
        }
    }
    seen_private.then_some(())?;
    Some((pss? * 1024, private * 1024))
}

/// The clock ticks per second of the times in `stat`.
pub fn clock_ticks() -> u64 {
    rustix::param::clock_ticks_per_second().max(1)
}

/// The memory page size in bytes.
pub fn page_size() -> u64 {
    rustix::param::page_size() as u64
}

/// Why a read gave nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// The process (or the file) is gone.
    Gone,
    /// It exists but may not be read (another user's process, a hardened /proc).
    Denied,
}

impl From<&io::Error> for Missing {
    fn from(e: &io::Error) -> Self {
        match e.kind() {
            io::ErrorKind::PermissionDenied => Self::Denied,
            _ if e.raw_os_error() == Some(rustix::io::Errno::ACCESS.raw_os_error())
                || e.raw_os_error() == Some(rustix::io::Errno::PERM.raw_os_error()) =>
            {
                Self::Denied
            }
            _ => Self::Gone,
        }
    }
}

/// The files of one process that a monitor reads at every sample, kept open: a read is then
/// one `pread` with no path lookup (path lookups were most of the kernel time of a sample), and
/// an open file stays bound to its process, so a reused pid cannot be mistaken for it.
#[derive(Debug)]
pub struct PidFiles {
    stat: File,
    io: Option<File>,
    fd_dir: Option<File>,
    /// `task/<pid>/children` (the main thread's children).
    children: Option<File>,
}

/// Reads `/proc` files with one reused buffer and one reused path.
#[derive(Debug, Default)]
pub struct Reader {
    buf: Vec<u8>,
    path: String,
    /// Whether `/proc/<pid>/task/<tid>/children` exists on this kernel (`None`: not tried).
    children_files: Option<bool>,
}

impl Reader {
    pub fn new() -> Self {
        Self {
            buf: Vec::with_capacity(4096),
            path: String::with_capacity(64),
            children_files: None,
        }
    }

    fn set_path(&mut self, pid: i32, name: &str) {
        self.path.clear();
        let _ = write!(self.path, "/proc/{pid}/{name}");
    }

    /// Reads `/proc/<pid>/<name>` whole into the buffer.
    fn read_file(&mut self, pid: i32, name: &str) -> Result<&str, Missing> {
        self.set_path(pid, name);
        self.read_path()
    }

    /// Reads the file at `self.path` into the buffer; returns its length. A `/proc` file gives
    /// its whole text to one read when the buffer is large enough, so a short read ends it:
    /// no `statx` and `lseek` per file, which `read_to_end` would add (a third of the syscalls
    /// of a sample).
    fn fill(&mut self) -> Result<usize, Missing> {
        let file = File::open(&self.path).map_err(|e| Missing::from(&e))?;
        self.pread(&file)
    }

    fn read_path(&mut self) -> Result<&str, Missing> {
        let len = self.fill()?;
        std::str::from_utf8(&self.buf[..len]).map_err(|_| Missing::Gone)
    }

    /// Reads any file under `/proc` (e.g. `stat`, `meminfo`, `loadavg`).
    pub fn read_proc(&mut self, rel: &str) -> Result<&str, Missing> {
        self.path.clear();
        self.path.push_str("/proc/");
        self.path.push_str(rel);
        self.read_path()
    }

    pub fn stat(&mut self, pid: i32) -> Result<PidStat, Missing> {
        self.set_path(pid, "stat");
        let len = self.fill()?;
        self.parse_stat_buf(len)
    }

    /// Parses `stat` text in the buffer. The command name may not be UTF-8: only the part
    /// after it is parsed, and the name is hashed.
    fn parse_stat_buf(&self, len: usize) -> Result<PidStat, Missing> {
        let text = &self.buf[..len];
        let cut = text.iter().rposition(|b| *b == b')').ok_or(Missing::Gone)?;
        let open = text.iter().position(|b| *b == b'(').unwrap_or(0);
        // FNV-1a over the name.
        let comm_hash = text[open..cut]
            .iter()
            .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
            });
        let tail = std::str::from_utf8(&text[cut..]).map_err(|_| Missing::Gone)?;
        let mut st = parse_pid_stat(tail).ok_or(Missing::Gone)?;
        st.comm_hash = comm_hash;
        Ok(st)
    }

    /// Opens the files of `pid` read at every sample, to keep them open (see [`PidFiles`]).
    /// `None` when its `stat` cannot be opened (gone or denied).
    pub fn open_files(&mut self, pid: i32) -> Option<PidFiles> {
        let mut open = |name: &str| -> Option<File> {
            self.set_path(pid, name);
            File::open(&self.path).ok()
        };
        Some(PidFiles {
            stat: open("stat")?,
            io: open("io"),
            fd_dir: open("fd"),
            children: if self.has_children_files() {
                self.path.clear();
                let _ = write!(self.path, "/proc/{pid}/task/{pid}/children");
                File::open(&self.path).ok()
            } else {
                None
            },
        })
    }

    /// Reads an open `/proc` file afresh: one `pread` at offset 0 (the kernel makes the text
    /// again for each read from the start).
    fn pread(&mut self, file: &File) -> Result<usize, Missing> {
        use std::os::unix::fs::FileExt as _;
        if self.buf.len() < 4096 {
            self.buf.resize(4096, 0);
        }
        let mut len = 0;
        loop {
            if len == self.buf.len() {
                self.buf.resize(self.buf.len() * 2, 0);
            }
            let room = self.buf.len() - len;
            match file.read_at(&mut self.buf[len..], len as u64) {
                Ok(0) => break,
                Ok(n) => {
                    len += n;
                    if n < room {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Missing::from(&e)),
            }
        }
        Ok(len)
    }

    pub fn stat_of(&mut self, files: &PidFiles) -> Result<PidStat, Missing> {
        let len = self.pread(&files.stat)?;
        if len == 0 {
            return Err(Missing::Gone);
        }
        self.parse_stat_buf(len)
    }

    pub fn io_of(&mut self, files: &PidFiles) -> Option<Result<(u64, u64), Missing>> {
        let file = files.io.as_ref()?;
        Some(self.pread(file).and_then(|len| {
            std::str::from_utf8(&self.buf[..len])
                .ok()
                .and_then(parse_io)
                .ok_or(Missing::Gone)
        }))
    }

    /// The descriptor count from the open `fd` folder's size (Linux 6.2+); `None` when that
    /// says nothing (the caller lists the folder by path).
    pub fn fd_count_of(&mut self, files: &PidFiles) -> Option<u64> {
        let size = files.fd_dir.as_ref()?.metadata().ok()?.len();
        (size > 0).then_some(size)
    }

    /// The children of a single-threaded process from its open `children` file.
    pub fn children_of(&mut self, files: &PidFiles) -> Option<Result<Vec<i32>, Missing>> {
        let file = files.children.as_ref()?;
        Some(self.pread(file).map(|len| {
            self.buf[..len]
                .split(u8::is_ascii_whitespace)
                .filter_map(|w| std::str::from_utf8(w).ok()?.parse().ok())
                .collect()
        }))
    }

    pub fn io(&mut self, pid: i32) -> Result<(u64, u64), Missing> {
        parse_io(self.read_file(pid, "io")?).ok_or(Missing::Gone)
    }

    pub fn smaps_rollup(&mut self, pid: i32) -> Result<(u64, u64), Missing> {
        parse_smaps_rollup(self.read_file(pid, "smaps_rollup")?).ok_or(Missing::Gone)
    }

    /// The number of open file descriptors. Since Linux 6.2 the size of `/proc/<pid>/fd` is
    /// that number (one `statx`); older kernels say 0 and the folder is listed.
    pub fn fd_count(&mut self, pid: i32) -> Result<u64, Missing> {
        self.set_path(pid, "fd");
        let size = std::fs::metadata(&self.path)
            .map_err(|e| Missing::from(&e))?
            .len();
        if size > 0 {
            return Ok(size);
        }
        let dir = std::fs::read_dir(&self.path).map_err(|e| Missing::from(&e))?;
        let mut n = 0;
        for entry in dir {
            match entry {
                Ok(_) => n += 1,
                Err(e) => return Err(Missing::from(&e)),
            }
        }
        Ok(n)
    }

    /// Whether this kernel has `/proc/<pid>/task/<tid>/children` (`CONFIG_PROC_CHILDREN`).
    pub fn has_children_files(&mut self) -> bool {
        *self
            .children_files
            .get_or_insert_with(|| std::path::Path::new("/proc/thread-self/children").exists())
    }

    /// The children of `pid` from `/proc/<pid>/task/*/children`, or `None` where the kernel
    /// has no such files (`CONFIG_PROC_CHILDREN` off): then callers scan every process's ppid.
    pub fn children(&mut self, pid: i32) -> Option<Result<Vec<i32>, Missing>> {
        if !self.has_children_files() {
            return None;
        }
        self.set_path(pid, "task");
        let tasks = match std::fs::read_dir(&self.path) {
            Ok(t) => t,
            Err(e) => return Some(Err(Missing::from(&e))),
        };
        let mut out = Vec::new();
        for task in tasks.flatten() {
            let mut path = task.path();
            path.push("children");
            // A thread that ended between the listing and the read has no children left.
            if let Ok(text) = std::fs::read_to_string(&path) {
                out.extend(
                    text.split_ascii_whitespace()
                        .filter_map(|p| p.parse::<i32>().ok()),
                );
            }
        }
        Some(Ok(out))
    }

    /// The children of a single-threaded process: its one `children` file (three syscalls,
    /// where listing `task/` first takes seven). `None` without children files.
    pub fn children_single(&mut self, pid: i32) -> Option<Result<Vec<i32>, Missing>> {
        if !self.has_children_files() {
            return None;
        }
        self.path.clear();
        let _ = write!(self.path, "/proc/{pid}/task/{pid}/children");
        Some(self.fill().map(|len| {
            self.buf[..len]
                .split(u8::is_ascii_whitespace)
                .filter_map(|w| std::str::from_utf8(w).ok()?.parse().ok())
                .collect()
        }))
    }

    /// The command line on one line (`None` when gone or empty, as for kernel threads).
    pub fn cmdline(&mut self, pid: i32) -> Option<String> {
        let text = self.argv(pid)?.join(" ");
        (!text.is_empty()).then_some(text)
    }

    /// The arguments of the command line, the program first (`None` when gone or empty).
    pub fn argv(&mut self, pid: i32) -> Option<Vec<String>> {
        self.set_path(pid, "cmdline");
        let len = self.fill().ok()?;
        let args: Vec<String> = self.buf[..len]
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        (!args.is_empty()).then_some(args)
    }

    /// The most recently allocated pid (the last field of `/proc/loadavg`): when it has not
    /// moved, no process was created anywhere since it was last read.
    pub fn last_pid(&mut self) -> Option<i32> {
        self.read_proc("loadavg")
            .ok()?
            .split_ascii_whitespace()
            .nth(4)?
            .parse()
            .ok()
    }

    /// The thread group of a task id (`Tgid:` in its `status`): a thread's id is also a
    /// directory under `/proc` (unlisted), and its `stat` looks like a process's.
    pub fn tgid(&mut self, pid: i32) -> Option<i32> {
        self.read_file(pid, "status")
            .ok()?
            .lines()
            .find_map(|l| l.strip_prefix("Tgid:"))?
            .trim()
            .parse()
            .ok()
    }

    /// The short name in `/proc/<pid>/comm`.
    pub fn comm(&mut self, pid: i32) -> Option<String> {
        self.read_file(pid, "comm")
            .ok()
            .map(|s| s.trim_end().to_string())
    }
}

/// The largest RSS a live process ever had, as the kernel keeps it (`VmHWM` in
/// `/proc/<pid>/status`); `None` when gone, a zombie or unreadable.
pub fn peak_rss(pid: i32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// Every pid listed in `/proc` (one directory read).
pub fn pids() -> io::Result<Vec<i32>> {
    let mut out = Vec::with_capacity(256);
    for entry in std::fs::read_dir("/proc")? {
        let entry = entry?;
        let name = entry.file_name();
        if let Some(pid) = name.to_str().and_then(|n| n.parse::<i32>().ok()) {
            out.push(pid);
        }
    }
    Ok(out)
}

/// The aggregate `cpu` line of `/proc/stat`: `(busy, total)` in ticks, where idle and iowait
/// are not busy.
pub fn parse_cpu_line(text: &str) -> Option<(u64, u64)> {
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let vals: Vec<u64> = line
        .split_ascii_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    if vals.len() < 4 {
        return None;
    }
    // user nice system idle iowait irq softirq steal (guest time is already in user).
    let total: u64 = vals.iter().take(8).sum();
    let idle = vals[3] + vals.get(4).copied().unwrap_or(0);
    Some((total - idle, total))
}

/// The figures of `/proc/meminfo` a system view needs, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MemInfo {
    pub total: u64,
    pub available: u64,
    pub swap_total: u64,
    pub swap_free: u64,
}

pub fn parse_meminfo(text: &str) -> Option<MemInfo> {
    let mut m = MemInfo::default();
    let mut found = 0;
    for line in text.lines() {
        let Some((key, rest)) = line.split_once(':') else {
            continue;
        };
        let slot = match key {
            "MemTotal" => &mut m.total,
            "MemAvailable" => &mut m.available,
            "SwapTotal" => &mut m.swap_total,
            "SwapFree" => &mut m.swap_free,
            _ => continue,
        };
        let kb: u64 = rest.trim().trim_end_matches("kB").trim().parse().ok()?;
        *slot = kb * 1024;
        found += 1;
    }
    (found == 4).then_some(m)
}

/// The 1-minute load average of `/proc/loadavg`.
pub fn parse_loadavg(text: &str) -> Option<f64> {
    text.split_ascii_whitespace().next()?.parse().ok()
}

/// One mounted file system worth showing: `(device, mount point, fs type)` from
/// `/proc/self/mounts`, without pseudo file systems and with each device once.
pub fn parse_mounts(text: &str) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = Vec::new();
    for line in text.lines() {
        let mut f = line.split_ascii_whitespace();
        let (Some(dev), Some(dir), Some(fs)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        // Real storage is backed by a device node; overlay (containers) and network file
        // systems are named too, with their usual types.
        let real = dev.starts_with("/dev/")
            || matches!(
                fs,
                "overlay" | "nfs" | "nfs4" | "cifs" | "zfs" | "btrfs" | "9p"
            );
        if !real || out.iter().any(|(d, _, _)| d == dev) {
            continue;
        }
        let dir = dir.replace("\\040", " ");
        out.push((dev.to_string(), dir, fs.to_string()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAT: &str = "4242 (py thon (x)) S 1 4242 4242 0 -1 4194560 1990 0 0 0 \
                        150 30 7 2 20 0 3 0 987654 22323200 5371 18446744073709551615 1 1 0 0 0 0 0 \
                        16781312 134234626 0 0 0 17 1 0 0 0 0 0";

    #[test]
    fn stat_fields_are_counted_from_the_last_paren() {
        let s = parse_pid_stat(STAT).unwrap();
        assert_eq!(s.state, 'S');
        assert_eq!((s.ppid, s.pgid), (1, 4242));
        assert_eq!((s.utime, s.stime, s.cutime, s.cstime), (150, 30, 7, 2));
        assert_eq!(s.threads, 3);
        assert_eq!(s.starttime, 987_654);
        assert_eq!(s.rss_pages, 5371);
        assert_eq!(s.total_ticks(), 189);
        assert!(parse_pid_stat("12 (x) S 1").is_none());
        assert!(parse_pid_stat("").is_none());
    }

    #[test]
    fn io_and_smaps() {
        let io = "rchar: 10\nwchar: 20\nsyscr: 1\nsyscw: 2\nread_bytes: 4096\nwrite_bytes: 8192\ncancelled_write_bytes: 0\n";
        assert_eq!(parse_io(io), Some((4096, 8192)));
        assert_eq!(parse_io("rchar: 1\n"), None);
        let smaps = "55b9-7ffe ---p 00000000 00:00 0  [rollup]\nRss:  1756 kB\nPss:  210 kB\n\
                     Shared_Clean: 1608 kB\nPrivate_Clean: 40 kB\nPrivate_Dirty: 108 kB\n";
        assert_eq!(parse_smaps_rollup(smaps), Some((210 * 1024, 148 * 1024)));
        assert_eq!(parse_smaps_rollup("Rss: 1 kB\n"), None);
    }

    #[test]
    fn system_files() {
        let stat = "cpu  100 5 50 800 20 1 2 3 0 0\ncpu0 1 2 3 4\n";
        assert_eq!(parse_cpu_line(stat), Some((161, 981)));
        let mem = "MemTotal: 1000 kB\nMemFree: 10 kB\nMemAvailable: 600 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n";
        let m = parse_meminfo(mem).unwrap();
        assert_eq!((m.total, m.available), (1_024_000, 614_400));
        assert!(parse_meminfo("MemTotal: 1 kB\n").is_none());
        assert_eq!(parse_loadavg("0.52 0.40 0.30 1/200 999\n"), Some(0.52));
        let mounts = "proc /proc proc rw 0 0\n/dev/sda1 / ext4 rw 0 0\n/dev/sda1 /home ext4 rw 0 0\n\
                      overlay /merged overlay rw 0 0\ntmpfs /tmp tmpfs rw 0 0\n/dev/sdb1 /my\\040disk xfs rw 0 0\n";
        let m = parse_mounts(mounts);
        let dirs: Vec<&str> = m.iter().map(|(_, d, _)| d.as_str()).collect();
        assert_eq!(dirs, ["/", "/merged", "/my disk"]);
    }

    #[test]
    fn own_process_reads() {
        let me = std::process::id() as i32;
        let mut r = Reader::new();
        let s = r.stat(me).unwrap();
        assert!(s.threads >= 1 && s.rss_pages > 0);
        assert!(r.fd_count(me).unwrap() >= 3);
        assert!(r.last_pid().is_some());
        let files = r.open_files(me).unwrap();
        assert_eq!(r.stat_of(&files).unwrap().starttime, s.starttime);
        assert!(r.io_of(&files).unwrap().is_ok());
        // Read twice: the text is made again, not read past its end.
        assert_eq!(r.stat_of(&files).unwrap().starttime, s.starttime);
        // A live child (tagged, so no sweep of a test running in parallel touches it) that
        // then ends: its files opened while it lived read as gone once it is reaped.
        let mut gone = std::process::Command::new("sleep")
            .arg("5")
            .env(crate::proc::TAG_VAR, "procfs-gone-test")
            .spawn()
            .unwrap();
        let pid = gone.id() as i32;
        let files = r.open_files(pid).unwrap();
        gone.kill().unwrap();
        // Reaped here, or already by a sweep of a test running in parallel: gone either way.
        let _ = gone.wait();
        assert!(r.stat_of(&files).is_err(), "a reaped process reads as gone");
        assert_eq!(r.tgid(me), Some(me));
        assert!(r.cmdline(me).is_some());
        assert!(peak_rss(me).is_some_and(|b| b > 0));
        assert_eq!(peak_rss(i32::MAX), None);
        assert!(matches!(r.stat(i32::MAX), Err(Missing::Gone)));
        assert!(pids().unwrap().contains(&me));
    }
}
