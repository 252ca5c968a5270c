//! Finding the processes of a run through `/proc`: the members of its process group, the
//! orphans re-parented to velo (a child subreaper), every process carrying the run's
//! `VELO_RUN_ID` tag in its environment (which catches `setsid()` daemons that double-forked),
//! and the holders of an output pipe. Also the signalling and reaping of what was found.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, WaitIdOptions, WaitOptions};

/// The environment variable that tags every process of a run.
pub const TAG_VAR: &str = "VELO_RUN_ID";

/// One process seen in `/proc`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcEntry {
    pub pid: i32,
    pub ppid: i32,
    pub pgid: i32,
    /// The value of `VELO_RUN_ID` in its environment, when present.
    pub tag: Option<String>,
    /// A zombie (exited, waiting to be reaped).
    pub zombie: bool,
}

/// Parses `/proc/<pid>/stat`: `(state, ppid, pgid)`. The command name may contain spaces and
/// parentheses, so fields are counted from the last `)`.
pub fn parse_stat(text: &str) -> Option<(char, i32, i32)> {
    let rest = &text[text.rfind(')')? + 1..];
    let mut fields = rest.split_ascii_whitespace();
    let state = fields.next()?.chars().next()?;
    let parent = fields.next()?.parse().ok()?;
    let group = fields.next()?.parse().ok()?;
    Some((state, parent, group))
}

/// Finds `VELO_RUN_ID=…` in a raw `environ` block.
pub fn tag_in_environ(environ: &[u8]) -> Option<String> {
    let key = format!("{TAG_VAR}=");
    environ
        .split(|b| *b == 0)
        .find_map(|entry| entry.strip_prefix(key.as_bytes()))
        .map(|v| String::from_utf8_lossy(v).into_owned())
}

/// Every process in `/proc`, as (pid, `/proc/<pid>`); nothing where `/proc` is not available.
/// The one walk over `/proc` that the process-tree scan, pipe holders and `log-digest prune`
/// (files open for writing) share.
pub fn processes() -> impl Iterator<Item = (i32, PathBuf)> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse::<i32>().ok()?, e.path())))
}

/// Every process visible in `/proc` except velo itself and kernel threads.
pub fn scan() -> Vec<ProcEntry> {
    let me = std::process::id() as i32;
    let mut out = Vec::new();
    let mut in_exec_window = Vec::new();
    for (pid, base) in processes() {
        if pid == me {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(base.join("stat")) else {
            continue;
        };
        let Some((state, parent, group)) = parse_stat(&stat) else {
            continue;
        };
        // Kernel threads (children of kthreadd) have no environment worth reading.
        if parent == 2 || pid == 2 {
            continue;
        }
        let zombie = state == 'Z' || state == 'X';
        let environ = std::fs::read(base.join("environ"));
        if !zombie && matches!(&environ, Ok(e) if e.is_empty()) {
            in_exec_window.push(out.len());
        }
        out.push(ProcEntry {
            pid,
            ppid: parent,
            pgid: group,
            tag: environ.ok().and_then(|e| tag_in_environ(&e)),
            zombie,
        });
    }
    let pause = Duration::from_millis(1);
    read_tags_again(
        &mut out,
        in_exec_window,
        EXEC_WINDOW_TAG_ROUNDS,
        pause,
        |pid| std::fs::read(format!("/proc/{pid}/environ")).ok(),
    );
    out
}

/// How many times [`scan`] reads again the environments that read empty (the whole pass at
/// most this many milliseconds longer).
const EXEC_WINDOW_TAG_ROUNDS: usize = 10;

/// A live process whose `environ` reads empty is most often one that has just exec'd: the
/// kernel switches it to the new program before it lays out the new environment, so a sweep
/// looking in between would miss its tag (and leave a tagged daemon outside the process group
/// running). Reads those entries' environments again, `pause` apart, up to `rounds` times for
/// the ones still empty (`read` gives `None` when the process is gone). A process that
/// really has an empty environment (`env -i`) costs the bounded rounds and stays untagged.
fn read_tags_again(
    entries: &mut [ProcEntry],
    pending: Vec<usize>,
    rounds: usize,
    pause: Duration,
    mut read: impl FnMut(i32) -> Option<Vec<u8>>,
) {
    while_in_exec_window(pending, rounds, pause, |&i| match read(entries[i].pid) {
        Some(e) if e.is_empty() => true,
        Some(e) => {
            entries[i].tag = tag_in_environ(&e);
            false
        }
        None => false,
    });
}

/// The one loop that waits out exec windows ([`read_tags_again`], [`read_cmdline`]): `pause`
/// apart, at most `rounds` times, reads each pending item again through `again`, which
/// answers whether it still reads empty (and is kept for the next round).
fn while_in_exec_window<T>(
    mut pending: Vec<T>,
    rounds: usize,
    pause: Duration,
    mut again: impl FnMut(&T) -> bool,
) {
    for _ in 0..rounds {
        if pending.is_empty() {
            break;
        }
        std::thread::sleep(pause);
        pending.retain(|item| again(item));
    }
}

/// The pids (other than velo) that hold an open descriptor on the same pipe as `link`
/// (the `pipe:[inode]` text of `/proc/self/fd/N`).
pub fn pipe_holders(link: &str) -> Vec<i32> {
    let me = std::process::id() as i32;
    let mut out = Vec::new();
    for (pid, base) in processes() {
        if pid == me {
            continue;
        }
        let Ok(fds) = std::fs::read_dir(base.join("fd")) else {
            continue;
        };
        let holds = fds.flatten().any(|fd| {
            std::fs::read_link(fd.path())
                .is_ok_and(|target| target.as_os_str() == std::ffi::OsStr::new(link))
        });
        if holds {
            out.push(pid);
        }
    }
    out
}

/// The `pipe:[inode]` link of one of velo's own descriptors.
pub fn fd_link(fd: i32) -> Option<String> {
    std::fs::read_link(Path::new("/proc/self/fd").join(fd.to_string()))
        .ok()
        .map(|p| p.to_string_lossy().into_owned())
}

/// The command line of a process on one line, for reports (`?` when gone; long ones cut; the
/// values of secret-looking arguments masked, see [`crate::secret::mask_args`]).
pub fn cmdline(pid: i32) -> String {
    const MAX: usize = 120;
    match read_cmdline(pid) {
        Ok(raw) if !raw.is_empty() => {
            let args: Vec<String> = raw
                .split(|b| *b == 0)
                .filter(|a| !a.is_empty())
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            let one_line = crate::secret::mask_args(&args);
            if one_line.chars().count() > MAX {
                let cut: String = one_line.chars().take(MAX).collect();
                format!("{cut}…")
            } else {
                one_line
            }
        }
        _ => "?".to_string(),
    }
}

/// The raw `/proc/<pid>/cmdline`. A process that has just exec'd reads empty for a moment
/// (the kernel switches it to the new program before it lays out the arguments, and the vfork
/// parent or a sweep may look in between): while a live process reads empty, read again, up
/// to [`EXEC_WINDOW_READS`] times a millisecond apart. A zombie's stays empty and is not waited on.
fn read_cmdline(pid: i32) -> std::io::Result<Vec<u8>> {
    let path = format!("/proc/{pid}/cmdline");
    let empty_and_live = |raw: &std::io::Result<Vec<u8>>| {
        matches!(raw, Ok(r) if r.is_empty())
            && std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|s| parse_stat(&s))
                .is_some_and(|(state, _, _)| state != 'Z' && state != 'X')
    };
    let mut raw = std::fs::read(&path);
    let pending = if empty_and_live(&raw) {
        vec![()]
    } else {
        Vec::new()
    };
    while_in_exec_window(pending, EXEC_WINDOW_READS, Duration::from_millis(1), |()| {
        raw = std::fs::read(&path);
        empty_and_live(&raw)
    });
    raw
}

/// How many times [`read_cmdline`] reads a live process's empty command line again.
const EXEC_WINDOW_READS: usize = 50;

/// The program a process runs: the first word of its command line (`None` when gone).
pub fn argv0(pid: i32) -> Option<PathBuf> {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let first = raw.split(|b| *b == 0).next().filter(|a| !a.is_empty())?;
    Some(PathBuf::from(String::from_utf8_lossy(first).into_owned()))
}

/// Sends `sig` to a whole process group; a group already gone is not an error.
pub fn signal_group(pgid: i32, sig: Signal) {
    if let Some(pgid) = Pid::from_raw(pgid) {
        let _ = rustix::process::kill_process_group(pgid, sig);
    }
}

/// Sends `sig` to one process; a process already gone is not an error.
pub fn signal_pid(pid: i32, sig: Signal) {
    if let Some(pid) = Pid::from_raw(pid) {
        let _ = rustix::process::kill_process(pid, sig);
    }
}

/// Whether velo has any child process at all, alive or zombie (a cheap `waitid` that reaps
/// nothing). When it has none, no descendant of a finished run can be alive: velo is a child
/// subreaper, so every orphan would have become its child.
pub fn has_children() -> bool {
    !matches!(
        rustix::process::waitid(
            rustix::process::WaitId::All,
            WaitIdOptions::EXITED | WaitIdOptions::NOHANG | WaitIdOptions::NOWAIT
        ),
        Err(rustix::io::Errno::CHILD)
    )
}

/// Reaps `pid` if it is a zombie child of velo (no effect otherwise).
pub fn reap(pid: i32) {
    if let Some(pid) = Pid::from_raw(pid) {
        let _ = rustix::process::waitpid(Some(pid), WaitOptions::NOHANG);
    }
}

/// Stops processes known by `(pid, start time)`: SIGTERM, up to `grace` for them to go, then
/// SIGKILL. A pid now held by another process (a different start time) is left alone.
pub fn kill_identities(ids: &[(i32, u64)], grace: Duration) {
    let mut reader = super::procfs::Reader::new();
    let alive = |reader: &mut super::procfs::Reader| -> Vec<i32> {
        ids.iter()
            .filter(|(pid, start)| {
                reader
                    .stat(*pid)
                    .is_ok_and(|s| s.starttime == *start && !s.zombie())
            })
            .map(|(p, _)| *p)
            .collect()
    };
    let me = std::process::id() as i32;
    if !grace.is_zero() {
        for pid in alive(&mut reader) {
            if pid != me {
                signal_pid(pid, Signal::TERM);
            }
        }
        let until = Instant::now() + grace;
        while Instant::now() < until {
            if alive(&mut reader).is_empty() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    for _ in 0..50 {
        let left = alive(&mut reader);
        if left.is_empty() {
            return;
        }
        for pid in left {
            if pid != me {
                signal_pid(pid, Signal::KILL);
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_with_odd_command_names_parses() {
        let s = "123 (a) b (c)) S 45 67 67 0 -1 4194304 0 0";
        assert_eq!(parse_stat(s), Some(('S', 45, 67)));
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn tag_is_found_among_variables() {
        let env = b"PATH=/bin\0VELO_RUN_ID=abc-1\0HOME=/root\0";
        assert_eq!(tag_in_environ(env).as_deref(), Some("abc-1"));
        assert_eq!(tag_in_environ(b"PATH=/bin\0"), None);
        assert_eq!(tag_in_environ(b"XVELO_RUN_ID=zz\0"), None);
    }

    fn entry(pid: i32) -> ProcEntry {
        ProcEntry {
            pid,
            ppid: 1,
            pgid: pid,
            tag: None,
            zombie: false,
        }
    }

    #[test]
    fn an_environment_read_empty_is_read_again_until_laid_out() {
        // pid 10: empty twice, then tagged (caught in its exec window); pid 11: always empty
        // (`env -i`), costs the bounded rounds; pid 12: gone on the second look.
        let mut entries = vec![entry(10), entry(11), entry(12)];
        let mut reads = std::collections::HashMap::<i32, usize>::new();
        read_tags_again(&mut entries, vec![0, 1, 2], 5, Duration::ZERO, |pid| {
            let n = reads.entry(pid).or_default();
            *n += 1;
            match pid {
                10 if *n < 3 => Some(Vec::new()),
                10 => Some(b"A=1\0VELO_RUN_ID=run-7\0".to_vec()),
                11 => Some(Vec::new()),
                _ => None,
            }
        });
        assert_eq!(entries[0].tag.as_deref(), Some("run-7"));
        assert_eq!(entries[1].tag, None);
        assert_eq!(entries[2].tag, None);
        assert_eq!(reads[&10], 3);
        assert_eq!(reads[&11], 5, "bounded");
        assert_eq!(reads[&12], 1);
    }

    /// A tagged child of this process that is past its exec: a shell that says `ready`, then
    /// waits on its stdin (kept open in the returned handle). `spawn` returns once the kernel
    /// has switched the child to the new program but before it has laid out the new program's
    /// environment, so `/proc/<pid>/environ` can still read empty right after it; a line from
    /// the shell proves the layout is done. Spawned and awaited under the lock the sweeps
    /// take, so a sweep of a test running in parallel never sees it untagged and stops it.
    fn tagged_waiting_child(tag: &str) -> std::process::Child {
        use std::io::BufRead;
        let _spawning = super::super::spawn_lock();
        let mut child = std::process::Command::new("sh")
            .args(["-c", "echo ready; read line"])
            .env(TAG_VAR, tag)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line, "ready\n");
        child
    }

    #[test]
    fn children_are_seen_without_being_reaped() {
        // Tagged, so the sweeps of tests running in parallel leave it alone.
        let mut child = tagged_waiting_child("has-children-test");
        assert!(has_children());
        child.kill().unwrap();
        let _ = child.wait();
    }

    #[test]
    fn scan_sees_a_tagged_child() {
        let mut child = tagged_waiting_child("tree-test-tag");
        let found = scan();
        let me = std::process::id() as i32;
        let entry = found
            .iter()
            .find(|p| p.pid == child.id() as i32)
            .expect("child listed");
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", entry.pid));
        assert_eq!(entry.ppid, me, "stat of {}: {stat:?}", entry.pid);
        assert_eq!(
            entry.tag.as_deref(),
            Some("tree-test-tag"),
            "stat of {}: {stat:?}",
            entry.pid
        );
        assert_eq!(
            argv0(entry.pid).and_then(|p| p.file_name().map(std::ffi::OsStr::to_os_string)),
            Some("sh".into())
        );
        child.kill().unwrap();
        // Not unwrapped: a sweep of a test running in parallel reaps zombie children of this
        // process (velo is their subreaper), so the status may be gone already.
        let _ = child.wait();
    }
}
