//! The watchdog that outlives velo: nothing velo started may outlive velo, even when velo dies
//! by SIGKILL (a batch system's kill, an OOM kill, `kill -9`), which no handler of velo's sees.
//!
//! Before its first command, velo starts a copy of itself in reaper mode (it runs
//! `/proc/self/exe` with [`MODE_VAR`] set from a child that forks once and exits before the
//! exec, so the reaper is not velo's child and velo's own bookkeeping of children is
//! unchanged; velo waits only for the exec, not for the copy to start up).
//! The reaper holds the read end of a pipe whose only write end is velo's (close-on-exec, so no
//! command inherits it). It reads until end of file, which comes when velo's process ends,
//! however it ends. Then it SIGKILLs every process still carrying velo's session tag
//! ([`super::TAG_VAR`], inherited through forks, `setsid()` and double forks) and every process
//! of a cgroup velo told it about (the per-test memory groups, which hold a test's whole tree
//! whatever its environment), removes those groups, and exits. After a clean exit of velo the
//! sweep finds nothing: velo has already stopped its trees.
//!
//! The reaper ignores SIGINT, SIGTERM and SIGHUP (a Ctrl-C meant for velo must not take the
//! watchdog with it), sits in its own process group, in `/`, with `/dev/null` for its standard
//! streams (it never holds velo's output open) and an empty environment (no tag: no sweep of
//! velo's, nor of a velo above this one, mistakes it for part of a run).
//!
//! Only the `velo` binary starts a reaper ([`serve_or_enable`] in `main`); code linking the
//! library without it (unit tests) runs without the watchdog.

use std::io::{BufRead, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use rustix::process::Signal;

use super::tree;

/// Set on the reaper copy of velo: the session tag prefix it guards.
pub const MODE_VAR: &str = "VELO_REAPER_SESSION";

/// How long the reaper keeps killing before it gives up (a tree forking as fast as it dies).
const SWEEP_LIMIT: Duration = Duration::from_secs(10);

static ENABLED: AtomicBool = AtomicBool::new(false);
/// The write end of the pipe (`None`: the reaper could not be started).
static PIPE: OnceLock<Option<Mutex<std::fs::File>>> = OnceLock::new();

/// For `main`: in the reaper copy, guards the session and returns the exit code; otherwise
/// allows this process to start a reaper when it first runs a command, and returns `None`.
pub fn serve_or_enable() -> Option<u8> {
    match std::env::var(MODE_VAR) {
        Ok(prefix) if !prefix.is_empty() => Some(serve(&prefix)),
        _ => {
            ENABLED.store(true, Ordering::SeqCst);
            None
        }
    }
}

/// Starts the reaper (once per velo process, when enabled). Returns whether one is guarding.
pub fn ensure_started(session_prefix: &str) -> bool {
    PIPE.get_or_init(|| {
        if !ENABLED.load(Ordering::SeqCst) {
            return None;
        }
        start(session_prefix).ok().map(Mutex::new)
    })
    .is_some()
}

#[allow(unsafe_code)]
fn start(session_prefix: &str) -> std::io::Result<std::fs::File> {
    let (read, write) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?;
    let mut cmd = Command::new("/proc/self/exe");
    // No environment but its own: it carries no tag or marker that sweeps look for.
    cmd.env_clear()
        .env(MODE_VAR, session_prefix)
        .stdin(Stdio::from(read))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .current_dir("/")
        .process_group(0);
    // SAFETY: the closure runs in the forked child before exec and calls only `fork` and
    // `_exit`, both async-signal-safe. The child forks the reaper-to-be and leaves at once,
    // so the reaper is not velo's child; `spawn` returns once the grandchild's exec has
    // succeeded (its close-on-exec error pipe closes), and reports it if the exec fails,
    // without waiting for the copy of velo to start up.
    unsafe {
        cmd.pre_exec(|| match libc::fork() {
            -1 => Err(std::io::Error::last_os_error()),
            0 => Ok(()),
            _ => libc::_exit(0),
        });
    }
    let mut intermediate = cmd.arg0("velo-reaper").spawn()?;
    // The intermediate child has already exited: reap it, so velo has no child of its own.
    let status = intermediate.wait()?;
    if !status.success() {
        return Err(std::io::Error::other("the reaper did not start"));
    }
    Ok(std::fs::File::from(write))
}

fn tell(line: &str) {
    if let Some(Some(pipe)) = PIPE.get() {
        let mut f = pipe
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // A line is shorter than PIPE_BUF, so it arrives whole; a reaper gone is not an error.
        let _ = f.write_all(line.as_bytes());
    }
}

/// Tells the reaper about a cgroup holding a command's tree: killed and removed if velo dies.
pub fn watch_group(dir: &Path) {
    // A group is made before its command starts: the reaper must be there to hear of it.
    ensure_started(super::session_tag());
    if let Some(s) = dir.to_str().filter(|s| !s.contains('\n')) {
        tell(&format!("+{s}\n"));
    }
}

/// The group is gone (velo removed it).
pub fn forget_group(dir: &Path) {
    if let Some(s) = dir.to_str().filter(|s| !s.contains('\n')) {
        tell(&format!("-{s}\n"));
    }
}

/// The reaper: waits for velo's end, then kills what is left of its session.
#[allow(unsafe_code)]
fn serve(prefix: &str) -> u8 {
    // SAFETY: `signal` only sets dispositions; main has not started a thread yet.
    unsafe {
        for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            libc::signal(sig, libc::SIG_IGN);
        }
    }
    let mut groups: Vec<PathBuf> = Vec::new();
    let stdin = std::io::stdin();
    let mut lines = stdin.lock();
    let mut line = String::new();
    loop {
        line.clear();
        match lines.read_line(&mut line) {
            Ok(0) => break,
            Ok(_) => {
                let text = line.trim_end_matches('\n');
                if let Some(dir) = text.strip_prefix('+') {
                    groups.push(PathBuf::from(dir));
                } else if let Some(dir) = text.strip_prefix('-') {
                    groups.retain(|g| g.as_os_str() != dir);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    sweep(prefix, &groups);
    0
}

/// SIGKILLs every live process tagged with the session or inside one of `groups`, until none
/// is left (or [`SWEEP_LIMIT`]), then removes the groups.
fn sweep(prefix: &str, groups: &[PathBuf]) {
    let me = std::process::id() as i32;
    let tag_prefix = format!("{prefix}-");
    let until = Instant::now() + SWEEP_LIMIT;
    while Instant::now() < until {
        let mut found = false;
        for p in tree::scan() {
            if !p.zombie && p.tag.as_deref().is_some_and(|t| t.starts_with(&tag_prefix)) {
                tree::signal_pid(p.pid, Signal::KILL);
                found = true;
            }
        }
        for g in groups {
            for pid in group_pids(g) {
                if pid != me && !is_zombie(pid) {
                    tree::signal_pid(pid, Signal::KILL);
                    found = true;
                }
            }
        }
        if !found {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    for g in groups {
        remove_group(g);
    }
}

fn is_zombie(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| tree::parse_stat(&s))
        .is_none_or(|(state, _, _)| state == 'Z' || state == 'X')
}

/// The pids in a cgroup (`cgroup.procs`, v1 and v2 alike); none when it is gone.
pub fn group_pids(dir: &Path) -> Vec<i32> {
    std::fs::read_to_string(dir.join("cgroup.procs"))
        .map(|t| t.lines().filter_map(|l| l.trim().parse().ok()).collect())
        .unwrap_or_default()
}

/// Removes an emptied cgroup, retrying briefly while its last processes finish exiting.
pub fn remove_group(dir: &Path) {
    for _ in 0..50 {
        match std::fs::remove_dir(dir) {
            Ok(()) => return,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}
