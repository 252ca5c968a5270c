//! The exact peak of a command's tree from a cgroup: velo makes a child group with the memory
//! controller, starts the command inside it (velo joins the group for the `fork` and leaves at
//! once, so only the command's tree is charged there), and reads the group's high-water mark
//! at the end: `memory.peak` on cgroup v2, `memory.max_usage_in_bytes` on v1. The kernel tracks
//! it, so no spike between samples is missed. It counts charged memory: every process of the
//! tree at once, shared pages once, and the page cache the tree brought in.
//!
//! On cgroup v2 this needs the memory controller enabled for the children of velo's own group,
//! and the right to move velo back into that group, which the "no internal processes" rule
//! allows only where velo's group is the root of the hierarchy (a VM or container running velo
//! in its root group). On cgroup v1 (no such rule) it needs write access to velo's own memory
//! group (root, or a delegated group). Elsewhere [`Group::create`] says why not, and the report
//! says there is no exact peak.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use crate::proc::{self, Running, SpawnError};

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Why the command gets no group of its own (and the report no exact peak of its tree).
#[derive(Debug, thiserror::Error)]
pub enum NoGroup {
    /// Not asked for (`RunOptions::cgroup` is off).
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
    /// The group was made, but velo could not join it to start the command inside.
    #[error("velo could not move itself into the group it made")]
    NotJoined,
}

/// A child cgroup made for one command; removed when dropped (once empty).
#[derive(Debug)]
pub struct Group {
    parent: PathBuf,
    dir: PathBuf,
    /// The file holding the group's peak (`memory.peak` or `memory.max_usage_in_bytes`).
    peak_file: &'static str,
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

/// A fresh name for a child group.
fn child_name() -> String {
    format!(
        "velo-monitor-{}-{}",
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
    /// Makes the group (cgroup v2 where its memory controller can be had, else v1), or says
    /// why it cannot.
    pub fn create() -> Result<Self, NoGroup> {
        let cg = std::fs::read_to_string("/proc/self/cgroup").map_err(|_| NoGroup::NoCgroupFile)?;
        let mi =
            std::fs::read_to_string("/proc/self/mountinfo").map_err(|_| NoGroup::NoMountinfo)?;
        match Self::create_v2(&cg, &mi) {
            Ok(g) => Ok(g),
            // The memory controller is on a v1 hierarchy (a hybrid or v1 system): use it.
            Err(v2) => match (own_v1_memory_path(&cg), v1_memory_mount(&mi)) {
                (Some(path), Some((mount, root))) => Self::create_v1(&mount, &root, &path),
                _ => Err(v2),
            },
        }
    }

    fn create_v1(mount: &Path, root: &str, path: &str) -> Result<Self, NoGroup> {
        let parent = group_dir(mount, root, path);
        let dir = parent.join(child_name());
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
        Ok(Self {
            parent,
            dir,
            peak_file,
        })
    }

    fn create_v2(cg: &str, mi: &str) -> Result<Self, NoGroup> {
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
        let dir = parent.join(child_name());
        if let Err(source) = std::fs::create_dir(&dir) {
            return Err(NoGroup::Create { dir, source });
        }
        if !dir.join("memory.peak").exists() {
            let _ = std::fs::remove_dir(&dir);
            return Err(NoGroup::NoMemoryPeak);
        }
        Ok(Self {
            parent,
            dir,
            peak_file: "memory.peak",
        })
    }

    /// Starts `spec` inside the group: velo joins it, spawns, and goes back. The flag says
    /// whether the command is inside (false: velo could not join, so it runs outside and the
    /// group's peak means nothing).
    pub fn spawn_inside(&self, spec: &proc::Spec) -> Result<(Running, bool), SpawnError> {
        let me = std::process::id().to_string();
        if write(&self.dir, &me).is_err() {
            return Running::spawn(spec).map(|r| (r, false));
        }
        let running = Running::spawn(spec);
        let _ = write(&self.parent, &me);
        running.map(|r| (r, true))
    }

    /// The group's peak of charged memory.
    pub fn peak(&self) -> Option<u64> {
        std::fs::read_to_string(self.dir.join(self.peak_file))
            .ok()?
            .trim()
            .parse()
            .ok()
    }
}

/// Outside `crate::outfile` on purpose: `cgroup.procs` is a kernel interface written in place,
/// not a file of the user's.
fn write(group: &Path, pid: &str) -> std::io::Result<()> {
    std::fs::write(group.join("cgroup.procs"), pid)
}

impl Drop for Group {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.dir);
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
    fn creation_either_works_or_says_why() {
        match Group::create() {
            Ok(g) => assert!(g.dir.exists()),
            Err(why) => assert!(!why.to_string().is_empty()),
        }
    }
}
