//! The exact peak of a command's tree from cgroup v2: velo makes a child group with the memory
//! controller, starts the command inside it (velo joins the group for the `fork` and leaves at
//! once, so only the command's tree is charged there), and reads `memory.peak` at the end. The
//! kernel tracks that high-water mark of charged memory, so no spike between samples is missed.
//!
//! This needs cgroup v2 with the memory controller enabled for the children of velo's own
//! group, and the right to move velo back into that group, which the "no internal processes"
//! rule allows only where velo's group is the root of the hierarchy (a VM or container running
//! velo in its root group). Elsewhere [`Group::create`] says why not, and the report says the
//! peak is sampled.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use crate::proc::{self, Running, SpawnError};

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A child cgroup made for one command; removed when dropped (once empty).
#[derive(Debug)]
pub struct Group {
    parent: PathBuf,
    dir: PathBuf,
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
    /// Makes the group, or says why it cannot.
    pub fn create() -> Result<Self, String> {
        let cg = std::fs::read_to_string("/proc/self/cgroup")
            .map_err(|_| "no /proc/self/cgroup".to_string())?;
        let path = own_path(&cg).ok_or("no cgroup v2 hierarchy (cgroup v1 only)")?;
        let mi = std::fs::read_to_string("/proc/self/mountinfo")
            .map_err(|_| "no /proc/self/mountinfo".to_string())?;
        let (mount, root) = cgroup2_mount(&mi).ok_or("cgroup v2 is not mounted")?;
        let rel = path
            .strip_prefix(root.trim_end_matches('/'))
            .unwrap_or(&path);
        let parent = mount.join(rel.trim_start_matches('/'));
        let controls = std::fs::read_to_string(parent.join("cgroup.subtree_control"))
            .map_err(|e| format!("cannot read {}: {e}", parent.display()))?;
        if !controls.split_ascii_whitespace().any(|c| c == "memory") {
            return Err(format!(
                "the cgroup v2 memory controller is not enabled for children of {}",
                parent.display()
            ));
        }
        if path != "/" {
            return Err(format!(
                "velo runs in cgroup {path}, not the root group, so it may not start a command in a child group and come back"
            ));
        }
        let name = format!(
            "velo-monitor-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let dir = parent.join(name);
        std::fs::create_dir(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        if !dir.join("memory.peak").exists() {
            let _ = std::fs::remove_dir(&dir);
            return Err("this kernel has no memory.peak (Linux 5.19 or later)".to_string());
        }
        Ok(Self { parent, dir })
    }

    /// Starts `spec` inside the group: velo joins it, spawns, and goes back.
    pub fn spawn_inside(&self, spec: &proc::Spec) -> Result<Running, SpawnError> {
        let me = std::process::id().to_string();
        if write(&self.dir, &me).is_err() {
            return Running::spawn(spec);
        }
        let running = Running::spawn(spec);
        let _ = write(&self.parent, &me);
        running
    }

    /// The group's peak of charged memory.
    pub fn peak(&self) -> Option<u64> {
        std::fs::read_to_string(self.dir.join("memory.peak"))
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
    fn creation_either_works_or_says_why() {
        match Group::create() {
            Ok(g) => assert!(g.dir.exists()),
            Err(why) => assert!(!why.is_empty()),
        }
    }
}
