//! A cgroup leaf for one command's tree: the kernel's exact peak of its charged memory and,
//! when asked, a memory limit the kernel enforces (the OOM killer acts inside the group alone).
//! Shared by `monitor` (the exact peak of a command) and the runner (`--test-memory`).
//!
//! velo makes a child of its own group and the command's process moves itself in between fork
//! and exec ([`Spec::cgroup`](super::Spec)), so everything it starts, `setsid()` daemons
//! included, is inside before any of its code runs. cgroup v2: `memory.max` (and
//! `memory.swap.max` 0), peak `memory.peak`, OOM kills `oom_kill` of `memory.events`; v1
//! (hybrid hosts, many CI machines): `memory.limit_in_bytes` (and `memory.memsw.limit_in_bytes`,
//! so the group cannot swap instead of dying), peak `memory.max_usage_in_bytes`, OOM kills
//! `oom_kill` of `memory.oom_control`. The figures count charged memory: every process of the
//! tree at once, shared pages once, and the page cache the tree brought in.
//!
//! On cgroup v2 this needs the memory controller enabled for the children of velo's own group,
//! which v2's "no internal processes" rule allows only where velo's group is the root of the
//! hierarchy (a VM or container running velo in its root group). On cgroup v1 (no such rule)
//! it needs write access to velo's own memory group (root, or a delegated group). Elsewhere
//! [`Group::create`] says why not. Each group is told to the [`reaper`](super::reaper), which
//! kills and removes it if velo dies.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Why the command gets no group of its own (and the report no exact peak of its tree).
#[derive(Debug, thiserror::Error)]
pub enum NoGroup {
    /// Not asked for.
    #[error("disabled")]
    Disabled,
    #[error("no /proc/self/cgroup")]
    NoCgroupFile,
    #[error("no /proc/self/mountinfo")]
    NoMountinfo,
    #[error("no cgroup v2 hierarchy (cgroup v1 only)")]
    V1Only,
    #[error("cgroup v2 is not mounted")]
    V2NotMounted,
    #[error("cannot read {}: {source}", .dir.display())]
    Controls {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("the cgroup v2 memory controller is not enabled for children of {}", .0.display())]
    NoMemoryController(PathBuf),
    #[error(
        "velo runs in cgroup {0}, not the root group, so it may not start a command in a child group and come back"
    )]
    NotRootGroup(String),
    #[error("cannot create {}: {source}", .dir.display())]
    Create {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("this kernel has no memory.peak (Linux 5.19 or later)")]
    NoMemoryPeak,
    #[error("cannot create a cgroup v1 memory group in {}: {source}", .parent.display())]
    CreateV1 {
        parent: PathBuf,
        source: std::io::Error,
    },
    #[error("{} has no {file}", .dir.display())]
    NoPeakFile { dir: PathBuf, file: &'static str },
    #[error("cannot set the memory limit in {}: {source}", .file.display())]
    Limit {
        file: PathBuf,
        source: std::io::Error,
    },
}

/// Which cgroup version a group lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V1,
    V2,
}

/// A child cgroup made for one command; removed when dropped (once empty).
#[derive(Debug)]
pub struct Group {
    dir: PathBuf,
    version: Version,
    /// `cgroup.procs` of the group, for the command to move itself in.
    procs: std::ffi::CString,
}

/// velo's group in the cgroup v1 memory hierarchy (`N:memory:/path`, the controller possibly
/// mounted with others: `N:cpu,memory:/path`).
pub fn own_v1_memory_path(proc_self_cgroup: &str) -> Option<String> {
    proc_self_cgroup.lines().find_map(|l| {
        let mut f = l.splitn(3, ':');
        let (_, controllers, path) = (f.next()?, f.next()?, f.next()?);
        controllers
            .split(',')
            .any(|c| c == "memory")
            .then(|| path.to_string())
    })
}

/// The mount point and mount root of the cgroup v1 hierarchy with the memory controller.
pub fn v1_memory_mount(mountinfo: &str) -> Option<(PathBuf, String)> {
    for line in mountinfo.lines() {
        let Some((left, right)) = line.split_once(" - ") else {
            continue;
        };
        let mut r = right.split_ascii_whitespace();
        if r.next() != Some("cgroup") {
            continue;
        }
        let options = r.nth(1).unwrap_or_default();
        if !options.split(',').any(|o| o == "memory") {
            continue;
        }
        let f: Vec<&str> = left.split_ascii_whitespace().collect();
        if f.len() >= 5 {
            return Some((PathBuf::from(f[4]), f[3].to_string()));
        }
    }
    None
}

/// `path` (a cgroup path) under a hierarchy mounted at `mount` whose root is `root`.
fn group_dir(mount: &Path, root: &str, path: &str) -> PathBuf {
    let rel = path
        .strip_prefix(root.trim_end_matches('/'))
        .unwrap_or(path);
    mount.join(rel.trim_start_matches('/'))
}

/// A fresh name for a child group (`velo-<what>-<pid>-<n>`).
fn child_name(what: &str) -> String {
    format!(
        "velo-{what}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// velo's cgroup v2 path (`0::/path` in `/proc/self/cgroup`).
pub fn own_path(proc_self_cgroup: &str) -> Option<String> {
    proc_self_cgroup
        .lines()
        .find_map(|l| l.strip_prefix("0::"))
        .map(str::to_string)
}

/// The mount point and mount root of the cgroup2 file system, from `/proc/self/mountinfo`.
pub fn cgroup2_mount(mountinfo: &str) -> Option<(PathBuf, String)> {
    for line in mountinfo.lines() {
        let (left, right) = line.split_once(" - ")?;
        if right.split_ascii_whitespace().next() != Some("cgroup2") {
            continue;
        }
        let f: Vec<&str> = left.split_ascii_whitespace().collect();
        if f.len() >= 5 {
            return Some((PathBuf::from(f[4]), f[3].to_string()));
        }
    }
    None
}

impl Group {
    /// Makes a group named after `what` (cgroup v2 where its memory controller can be had, else
    /// v1) with the memory `limit` if one is given, or says why it cannot.
    pub fn create(what: &str, limit: Option<u64>) -> Result<Self, NoGroup> {
        let cg = std::fs::read_to_string("/proc/self/cgroup").map_err(|_| NoGroup::NoCgroupFile)?;
        let mi =
            std::fs::read_to_string("/proc/self/mountinfo").map_err(|_| NoGroup::NoMountinfo)?;
        let group = match Self::create_v2(&cg, &mi, what) {
            Ok(g) => g,
            // The memory controller is on a v1 hierarchy (a hybrid or v1 system): use it.
            Err(v2) => match (own_v1_memory_path(&cg), v1_memory_mount(&mi)) {
                (Some(path), Some((mount, root))) => Self::create_v1(&mount, &root, &path, what)?,
                _ => return Err(v2),
            },
        };
        super::reaper::watch_group(&group.dir);
        if let Some(bytes) = limit {
            group.set_limit(bytes)?;
        }
        Ok(group)
    }

    fn with_dir(dir: PathBuf, version: Version) -> Self {
        let procs = std::ffi::CString::new(
            dir.join("cgroup.procs")
                .into_os_string()
                .into_encoded_bytes(),
        )
        .unwrap_or_default();
        Self {
            dir,
            version,
            procs,
        }
    }

    fn create_v1(mount: &Path, root: &str, path: &str, what: &str) -> Result<Self, NoGroup> {
        let parent = group_dir(mount, root, path);
        let dir = parent.join(child_name(what));
        if let Err(source) = std::fs::create_dir(&dir) {
            return Err(NoGroup::CreateV1 { parent, source });
        }
        let peak_file = "memory.max_usage_in_bytes";
        if !dir.join(peak_file).exists() {
            let _ = std::fs::remove_dir(&dir);
            return Err(NoGroup::NoPeakFile {
                dir,
                file: peak_file,
            });
        }
        Ok(Self::with_dir(dir, Version::V1))
    }

    fn create_v2(cg: &str, mi: &str, what: &str) -> Result<Self, NoGroup> {
        let path = own_path(cg).ok_or(NoGroup::V1Only)?;
        let (mount, root) = cgroup2_mount(mi).ok_or(NoGroup::V2NotMounted)?;
        let parent = group_dir(&mount, &root, &path);
        let controls = match std::fs::read_to_string(parent.join("cgroup.subtree_control")) {
            Ok(c) => c,
            Err(source) => {
                return Err(NoGroup::Controls {
                    dir: parent,
                    source,
                })
            }
        };
        if !controls.split_ascii_whitespace().any(|c| c == "memory") {
            return Err(NoGroup::NoMemoryController(parent));
        }
        if path != "/" {
            return Err(NoGroup::NotRootGroup(path));
        }
        let dir = parent.join(child_name(what));
        if let Err(source) = std::fs::create_dir(&dir) {
            return Err(NoGroup::Create { dir, source });
        }
        if !dir.join("memory.peak").exists() {
            let _ = std::fs::remove_dir(&dir);
            return Err(NoGroup::NoMemoryPeak);
        }
        Ok(Self::with_dir(dir, Version::V2))
    }

    /// Sets the memory limit, and the same limit on memory plus swap where the kernel has one
    /// (a group that may swap does not die at its limit, it slows down).
    fn set_limit(&self, bytes: u64) -> Result<(), NoGroup> {
        let value = bytes.to_string();
        let (limit, swap, swap_value) = match self.version {
            Version::V1 => (
                "memory.limit_in_bytes",
                "memory.memsw.limit_in_bytes",
                value.as_str(),
            ),
            Version::V2 => ("memory.max", "memory.swap.max", "0"),
        };
        let file = self.dir.join(limit);
        write_control(&file, &value).map_err(|source| NoGroup::Limit { file, source })?;
        let swap = self.dir.join(swap);
        if swap.exists() {
            write_control(&swap, swap_value)
                .map_err(|source| NoGroup::Limit { file: swap, source })?;
        }
        Ok(())
    }

    pub fn version(&self) -> Version {
        self.version
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The `cgroup.procs` path a command writes `0` to (between fork and exec) to move in.
    pub fn procs_path(&self) -> &std::ffi::CStr {
        &self.procs
    }

    /// The group's peak of charged memory so far (since the last [`Group::reset_peak`]).
    pub fn peak(&self) -> Option<u64> {
        let file = match self.version {
            Version::V1 => "memory.max_usage_in_bytes",
            Version::V2 => "memory.peak",
        };
        read_number(&self.dir.join(file))
    }

    /// Starts the peak again from the present use (cgroup v1; on v2 a reset holds only for
    /// the descriptor that wrote it, so there the peak stays the group's). Whether it did.
    pub fn reset_peak(&self) -> bool {
        self.version == Version::V1
            && write_control(&self.dir.join("memory.max_usage_in_bytes"), "0").is_ok()
    }

    /// How many times the kernel's OOM killer killed a process of the group for its limit.
    pub fn oom_kills(&self) -> u64 {
        let file = match self.version {
            Version::V1 => "memory.oom_control",
            Version::V2 => "memory.events",
        };
        std::fs::read_to_string(self.dir.join(file)).map_or(0, |t| oom_kill_count(&t))
    }

    /// The pids in the group now.
    pub fn pids(&self) -> Vec<i32> {
        super::reaper::group_pids(&self.dir)
    }
}

/// The `oom_kill N` line of v1's `memory.oom_control` or v2's `memory.events` (0 when absent:
/// kernels before 4.13 do not count).
pub fn oom_kill_count(text: &str) -> u64 {
    text.lines()
        .find_map(|l| {
            let (key, value) = l.split_once(' ')?;
            (key == "oom_kill").then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0)
}

/// Moves the command into a cgroup between fork and exec, so that none of its code runs
/// outside (nor anything it starts).
#[allow(unsafe_code)]
pub(super) fn enter_before_exec(cmd: &mut std::process::Command, procs: std::ffi::CString) {
    // SAFETY: the closure runs in the forked child before exec; it makes three system calls
    // (open, write, close), all async-signal-safe, on a path allocated before the fork.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(cmd, move || {
            let fd = rustix::fs::open(
                procs.as_c_str(),
                rustix::fs::OFlags::WRONLY | rustix::fs::OFlags::CLOEXEC,
                rustix::fs::Mode::empty(),
            )?;
            rustix::io::write(&fd, b"0")?;
            Ok(())
        });
    }
}

fn read_number(path: &Path) -> Option<u64> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// Outside `crate::outfile` on purpose: a cgroup's control files are a kernel interface
/// written in place, not files of the user's.
fn write_control(file: &Path, value: &str) -> std::io::Result<()> {
    std::fs::write(file, value)
}

impl Drop for Group {
    fn drop(&mut self) {
        // Whatever is left in the group (the command's tree is normally gone by now).
        for pid in self.pids() {
            super::tree::signal_pid(pid, rustix::process::Signal::KILL);
        }
        super::reaper::remove_group(&self.dir);
        super::reaper::forget_group(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_read() {
        assert_eq!(
            own_path("4:memory:/x\n0::/user.slice/a.scope\n").as_deref(),
            Some("/user.slice/a.scope")
        );
        assert_eq!(own_path("4:memory:/x\n"), None);
        let mi = "22 1 0:20 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n\
                  30 1 0:26 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
        assert_eq!(
            cgroup2_mount(mi),
            Some((PathBuf::from("/sys/fs/cgroup/unified"), "/".to_string()))
        );
    }

    #[test]
    fn v1_paths_are_read() {
        let cg = "9:name=systemd:/\n4:memory:/ci/job-1\n0::/\n";
        assert_eq!(own_v1_memory_path(cg).as_deref(), Some("/ci/job-1"));
        assert_eq!(
            own_v1_memory_path("3:cpu,memory:/a\n").as_deref(),
            Some("/a")
        );
        assert_eq!(own_v1_memory_path("0::/\n"), None);
        let mi = "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n\
                  35 31 0:32 /ci /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n";
        let (mount, root) = v1_memory_mount(mi).unwrap();
        assert_eq!(mount, PathBuf::from("/sys/fs/cgroup/memory"));
        assert_eq!(
            group_dir(&mount, &root, "/ci/job-1"),
            PathBuf::from("/sys/fs/cgroup/memory/job-1")
        );
    }

    #[test]
    fn oom_kills_are_read_from_v1_and_v2_files() {
        let v1 = "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n";
        assert_eq!(oom_kill_count(v1), 2);
        let v2 = "low 0\nhigh 0\nmax 31\noom 1\noom_kill 1\noom_group_kill 0\n";
        assert_eq!(oom_kill_count(v2), 1);
        assert_eq!(oom_kill_count("oom_kill_disable 0\nunder_oom 0\n"), 0);
    }

    /// The real thing where a group can be made (root with cgroup v1 memory, or v2 with the
    /// memory controller delegated): a tree touching more than the limit is killed inside its
    /// group, the kill is counted, and the peak is the limit.
    #[test]
    fn a_tree_over_the_limit_is_killed_in_its_group_and_counted() {
        let limit = 32 << 20;
        let g = match Group::create("unit-oom", Some(limit)) {
            Ok(g) => g,
            Err(why) => {
                eprintln!("a_tree_over_the_limit_is_killed_in_its_group_and_counted: skipped: no cgroup here: {why}");
                return;
            }
        };
        // dd's 128 MiB buffer, filled, in a setsid grandchild: the group holds it too.
        let spec = crate::proc::Spec {
            program: "sh".into(),
            args: vec![
                "-c".into(),
                "setsid dd if=/dev/zero of=/dev/null bs=128M count=1 2>/dev/null; echo $?".into(),
            ],
            tail_bytes: 1024,
            cgroup: Some(g.procs_path().to_owned()),
            ..crate::proc::Spec::default()
        };
        let (f, _) = crate::proc::run(
            &spec,
            crate::proc::Limits::default(),
            &std::sync::atomic::AtomicBool::new(false),
        )
        .unwrap();
        // dd died of SIGKILL (128 + 9), its shell was not touched.
        assert_eq!(f.stdout_tail.trim(), "137", "{f:?}");
        assert!(g.oom_kills() >= 1);
        let peak = g.peak().unwrap();
        assert!(peak <= limit && peak > limit / 2, "{peak}");
    }

    #[test]
    fn creation_either_works_or_says_why() {
        match Group::create("unit", None) {
            Ok(g) => assert!(g.dir.exists()),
            Err(why) => assert!(!why.to_string().is_empty()),
        }
    }
}
