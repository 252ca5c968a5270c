//! Running commands so that nothing escapes: each command starts in a new process group, velo
//! is a child subreaper (orphans, `setsid()` ones included, re-parent to it), every process of a
//! run carries a `VELO_RUN_ID` tag in its environment, and ending a run escalates
//! SIGINT → SIGTERM → SIGKILL over the group and every tagged or re-parented process. Output is
//! streamed to files as it arrives with a bounded tail kept in memory, and velo stops waiting
//! for output shortly after the main process exits, naming any leaked process that still holds
//! the pipe. Shared by `test-timeout-runner` and `monitor`.
//!
//! A run needs no thread of its own: the thread that supervises it waits in `poll(2)` on the two
//! output pipes and a pidfd of the main process, so output, exit and timeouts all wake the same
//! thread. Each wakeup handed between threads costs a cross-CPU wakeup, and on a virtual machine
//! those dominated the cost of wrapping a quick command. Output is read while the supervisor is
//! in [`Running::wait_for`], [`Running::terminate`] or [`Running::finish`]; the supervising loops
//! call one of them at least every 50 ms.

pub mod capture;
pub mod cgroup;
pub mod procfs;
pub mod reaper;
pub mod tree;

use std::ffi::OsString;
use std::fs::File;
use std::os::fd::OwnedFd;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, Once, OnceLock};
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags};
use rustix::process::Signal;
use serde::Serialize;

pub use capture::{Passthrough, Sink, Tail};
pub use tree::TAG_VAR;

/// How long velo waits for the output pipes to close after the main process exits.
pub const DRAIN_WAIT: Duration = Duration::from_millis(500);

/// What to run and where its output goes.
#[derive(Clone, Default)]
pub struct Spec {
    pub program: OsString,
    pub args: Vec<OsString>,
    /// Extra environment variables (the tag is added by [`Running::spawn`]).
    pub env: Vec<(OsString, OsString)>,
    pub cwd: Option<PathBuf>,
    /// Inherit velo's stdin (as `timeout` does); otherwise the child reads from `/dev/null`.
    pub inherit_stdin: bool,
    pub stdout_file: Option<PathBuf>,
    pub stderr_file: Option<PathBuf>,
    pub stdout_sink: Option<Sink>,
    pub stderr_sink: Option<Sink>,
    /// Bytes of each stream kept in memory.
    pub tail_bytes: usize,
    /// `cgroup.procs` of a group ([`cgroup::Group::procs_path`]) the command moves itself
    /// into before it runs, with everything it will start.
    pub cgroup: Option<std::ffi::CString>,
}

/// Time limits of one run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Limits {
    pub timeout: Option<Duration>,
    pub idle_timeout: Option<Duration>,
    /// Grace between the steps of the SIGINT → SIGTERM → SIGKILL escalation.
    pub kill_after: Duration,
}

/// A command that could not be started.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    #[error("command not found: {0}")]
    NotFound(String),
    #[error("command not executable: {0}")]
    NotExecutable(String),
    #[error("cannot start {program}: {source}")]
    Io {
        program: String,
        source: std::io::Error,
    },
}

/// How the main process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct ExitInfo {
    pub code: Option<i32>,
    pub signal: Option<i32>,
}

impl ExitInfo {
    pub fn success(self) -> bool {
        self.code == Some(0)
    }

    /// `exit code 3`, `killed by signal 9 (SIGKILL)`: the one wording of how a process ended.
    pub fn describe(self) -> String {
        match (self.code, self.signal) {
            (Some(c), _) => format!("exit code {c}"),
            (None, Some(s)) => match signal_name(s) {
                Some(name) => format!("killed by signal {s} ({name})"),
                None => format!("killed by signal {s}"),
            },
            _ => "unknown exit".to_string(),
        }
    }
}

/// The name of the common signals a process dies of (or is sent).
pub fn signal_name(sig: i32) -> Option<&'static str> {
    Some(match sig {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        13 => "SIGPIPE",
        15 => "SIGTERM",
        _ => return None,
    })
}

/// Why a supervised run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ending {
    Exited,
    TimedOut,
    Idle,
    Cancelled,
}

/// A process found alive after the main process exited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Leaked {
    pub pid: i32,
    pub command: String,
    /// It still held the output pipe, so velo stopped waiting for end of file.
    pub held_output: bool,
}

/// What the kernel kept of a reaped process (`wait4`'s rusage): its own figures and those of
/// every descendant it waited for, final to the last instant (no sample can miss them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Usage {
    /// `ru_maxrss`: the largest RSS that the process, or any one descendant it waited for,
    /// ever had. A maximum over processes, not the sum of a tree.
    pub max_rss_bytes: u64,
    /// `ru_utime + ru_stime`: CPU time of the process and of the descendants it waited for.
    pub cpu: Duration,
}

/// The largest `ru_maxrss` of every main process reaped by this velo process (see
/// [`largest_reaped_rss`]).
static REAPED_MAX_RSS: AtomicU64 = AtomicU64::new(0);

/// The largest RSS that any process run through [`Running`] by this velo process (or any
/// descendant it waited for) ever had, from the kernel's figures at reap; 0 before the first.
/// A run that supervises all of velo's own children (the runner's `--monitor`) reads it at the
/// end as the kernel's maximum of one process.
pub fn largest_reaped_rss() -> u64 {
    REAPED_MAX_RSS.load(Ordering::Relaxed)
}

/// Everything known after a run.
#[derive(Debug, Clone)]
pub struct Finished {
    pub exit: ExitInfo,
    /// From the start to the exit of the main process (not to the end of the output drain).
    pub duration: Duration,
    /// The kernel's figures for the main process and what it waited for (`None` where `wait4`
    /// could not be used).
    pub usage: Option<Usage>,
    pub stdout_tail: String,
    pub stderr_tail: String,
    pub stdout_path: Option<PathBuf>,
    pub stderr_path: Option<PathBuf>,
    /// Processes that outlived the main process (all killed).
    pub leaked: Vec<Leaked>,
}

static SUBREAPER: Once = Once::new();
static SESSION: OnceLock<String> = OnceLock::new();
static COUNTER: AtomicU64 = AtomicU64::new(0);
/// Runs being started or supervised (untagged orphans are only attributable when one is).
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
/// `(main pid, pgid, tag)` of each supervised run, for the interrupt hook and the sweeps.
static ACTIVE: Mutex<Vec<(i32, i32, String)>> = Mutex::new(Vec::new());
/// Held while a child is spawned and registered, and while a sweep decides what to reap, so a
/// sweep never reaps the main process of a run started in parallel (its waiter needs it).
static SPAWN_LOCK: Mutex<()> = Mutex::new(());

pub(crate) fn spawn_lock() -> std::sync::MutexGuard<'static, ()> {
    SPAWN_LOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The tag prefix shared by every run of this velo process.
pub fn session_tag() -> &'static str {
    SESSION.get_or_init(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        format!(
            "velo-{:x}-{:x}",
            std::process::id(),
            nanos & 0xffff_ffff_ffff
        )
    })
}

fn new_tag() -> String {
    format!(
        "{}-{}",
        session_tag(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Makes velo a child subreaper (once): orphans of its children re-parent to it. Starts the
/// watchdog first ([`reaper`]), which kills what is left of the session if velo dies.
pub fn become_subreaper() {
    SUBREAPER.call_once(|| {
        reaper::ensure_started(session_tag());
        let _ = rustix::process::set_child_subreaper(Some(rustix::process::getpid()));
    });
}

fn active() -> std::sync::MutexGuard<'static, Vec<(i32, i32, String)>> {
    ACTIVE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Kills every remaining process tagged by this velo session (a last sweep before exit).
pub fn sweep_session() -> Vec<Leaked> {
    if IN_FLIGHT.load(Ordering::SeqCst) == 0 && !tree::has_children() {
        return Vec::new();
    }
    let prefix = format!("{}-", session_tag());
    sweep(|p| p.tag.as_deref().is_some_and(|t| t.starts_with(&prefix)))
}

/// Signals and reaps matching processes until none is left: SIGTERM first, then SIGKILL.
fn sweep(matches: impl Fn(&tree::ProcEntry) -> bool) -> Vec<Leaked> {
    let me = std::process::id() as i32;
    let mut leaked: Vec<Leaked> = Vec::new();
    for round in 0..60 {
        let guard = spawn_lock();
        let protected: Vec<i32> = active().iter().map(|r| r.0).collect();
        let procs = tree::scan();
        let mut found = false;
        for p in &procs {
            if protected.contains(&p.pid) {
                continue;
            }
            if p.zombie {
                if p.ppid == me {
                    tree::reap(p.pid);
                }
                continue;
            }
            if !matches(p) {
                continue;
            }
            found = true;
            if !leaked.iter().any(|l| l.pid == p.pid) {
                leaked.push(Leaked {
                    pid: p.pid,
                    command: tree::cmdline(p.pid),
                    held_output: false,
                });
            }
            let sig = if round == 0 {
                Signal::TERM
            } else {
                Signal::KILL
            };
            tree::signal_pid(p.pid, sig);
        }
        drop(guard);
        if !found {
            break;
        }
        std::thread::sleep(Duration::from_millis(if round == 0 { 50 } else { 10 }));
        let _guard = spawn_lock();
        let protected: Vec<i32> = active().iter().map(|r| r.0).collect();
        for p in &procs {
            if p.ppid == me && !protected.contains(&p.pid) {
                tree::reap(p.pid);
            }
        }
    }
    leaked
}

/// Makes the command's main process die (SIGKILL) when velo dies, even by SIGKILL, which no
/// handler of velo's can see: `PR_SET_PDEATHSIG`. Its own children are not covered (velo's
/// sweeps and the process group handle those while velo lives). The death signal fires when
/// the spawning thread ends, and every run is supervised to its end by the thread that
/// started it, so it never fires early.
#[allow(unsafe_code)]
fn die_with_velo(cmd: &mut Command) {
    let velo = rustix::process::getpid();
    // SAFETY: the closure runs in the forked child before exec; it makes two system calls
    // (prctl, getppid), both async-signal-safe, and neither allocates nor takes a lock.
    unsafe {
        cmd.pre_exec(move || {
            rustix::process::set_parent_process_death_signal(Some(Signal::KILL))?;
            // velo died between fork and prctl: the signal will never come, so go now.
            if rustix::process::getppid() != Some(velo) {
                return Err(std::io::Error::from_raw_os_error(
                    rustix::io::Errno::SRCH.raw_os_error(),
                ));
            }
            Ok(())
        });
    }
}

/// How often the exit of the main process is checked where no pidfd can be had (Linux < 5.3).
const EXIT_CHECK_WITHOUT_PIDFD: Duration = Duration::from_millis(10);

/// A started command under supervision.
pub struct Running {
    pid: i32,
    tag: String,
    start: Instant,
    child: Child,
    /// Readable when the main process has exited.
    pidfd: Option<OwnedFd>,
    streams: [capture::Stream; 2],
    buf: Vec<u8>,
    /// Time since `start` of the latest byte of output.
    last_output: Duration,
    exit: Option<ExitInfo>,
    /// When the exit was seen (time since `start`).
    exited_after: Option<Duration>,
    usage: Option<Usage>,
    finished: bool,
}

impl Running {
    /// Starts `spec` in a new process group, tagged, with its output captured.
    pub fn spawn(spec: &Spec) -> Result<Self, SpawnError> {
        become_subreaper();
        IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
        match Self::spawn_inner(spec) {
            Ok(r) => Ok(r),
            Err(e) => {
                IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
                Err(e)
            }
        }
    }

    fn spawn_inner(spec: &Spec) -> Result<Self, SpawnError> {
        let tag = new_tag();
        let program = spec.program.to_string_lossy().into_owned();
        let mut cmd = Command::new(&spec.program);
        cmd.args(&spec.args)
            .envs(spec.env.iter().map(|(k, v)| (k, v)))
            .env(TAG_VAR, &tag)
            .process_group(0)
            .stdin(if spec.inherit_stdin {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(dir) = &spec.cwd {
            cmd.current_dir(dir);
        }
        die_with_velo(&mut cmd);
        if let Some(procs) = &spec.cgroup {
            cgroup::enter_before_exec(&mut cmd, procs.clone());
        }
        let registering = spawn_lock();
        let mut child = cmd.spawn().map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => SpawnError::NotFound(program.clone()),
            std::io::ErrorKind::PermissionDenied => SpawnError::NotExecutable(program.clone()),
            _ if e.raw_os_error() == Some(rustix::io::Errno::NOEXEC.raw_os_error()) => {
                SpawnError::NotExecutable(program.clone())
            }
            _ => SpawnError::Io {
                program: program.clone(),
                source: e,
            },
        })?;
        let pid = child.id() as i32;
        active().push((pid, pid, tag.clone()));
        drop(registering);
        let start = Instant::now();
        // The child is not reaped before `try_wait`, so even an already exited one has a pidfd.
        let pidfd = rustix::process::Pid::from_raw(pid).and_then(|p| {
            rustix::process::pidfd_open(p, rustix::process::PidfdFlags::empty()).ok()
        });
        let io_err = |source| SpawnError::Io {
            program: program.clone(),
            source,
        };
        let (Some(out), Some(err)) = (child.stdout.take(), child.stderr.take()) else {
            return Err(io_err(std::io::Error::other("no output pipes")));
        };
        let out = capture::Stream::new(
            File::from(OwnedFd::from(out)),
            spec.stdout_file.clone(),
            spec.tail_bytes,
            spec.stdout_sink.clone(),
        )
        .map_err(io_err)?;
        let err = capture::Stream::new(
            File::from(OwnedFd::from(err)),
            spec.stderr_file.clone(),
            spec.tail_bytes,
            spec.stderr_sink.clone(),
        )
        .map_err(io_err)?;
        Ok(Self {
            pid,
            tag,
            start,
            child,
            pidfd,
            streams: [out, err],
            buf: Vec::new(),
            last_output: Duration::ZERO,
            exit: None,
            exited_after: None,
            usage: None,
            finished: false,
        })
    }

    /// Handles output and the main process's exit for up to `dur`, returning early once `done`
    /// holds, or when a signal interrupts the wait (so the caller can look at its flags).
    fn pump(&mut self, dur: Duration, done: fn(&Self) -> bool) {
        let deadline = Instant::now() + dur;
        loop {
            if self.exit.is_none() && self.pidfd.is_none() {
                self.check_exit();
            }
            if done(self) {
                return;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let watch_exit = self.exit.is_none();
            let mut wait = left;
            if watch_exit && self.pidfd.is_none() {
                wait = wait.min(EXIT_CHECK_WITHOUT_PIDFD);
            }
            let mut fds: Vec<PollFd<'_>> = Vec::with_capacity(3);
            let mut which: [Option<usize>; 3] = [None; 3];
            for (i, s) in self.streams.iter().enumerate() {
                if let Some(p) = s.pipe() {
                    which[fds.len()] = Some(i);
                    fds.push(PollFd::new(p, PollFlags::IN));
                }
            }
            let pidfd_slot = match (&self.pidfd, watch_exit) {
                (Some(fd), true) => {
                    fds.push(PollFd::new(fd, PollFlags::IN));
                    Some(fds.len() - 1)
                }
                _ => None,
            };
            if fds.is_empty() {
                // Nothing left to watch: the exit is known and both pipes are closed.
                if !watch_exit {
                    return;
                }
                std::thread::sleep(wait);
            } else {
                let timeout = rustix::time::Timespec {
                    tv_sec: wait.as_secs() as i64,
                    tv_nsec: i64::from(wait.subsec_nanos()),
                };
                match rustix::event::poll(&mut fds, Some(&timeout)) {
                    Ok(_) => {}
                    Err(rustix::io::Errno::INTR) => return,
                    Err(_) => std::thread::sleep(wait.min(EXIT_CHECK_WITHOUT_PIDFD)),
                }
            }
            let ready: Vec<(Option<usize>, PollFlags)> = fds
                .iter()
                .enumerate()
                .map(|(slot, fd)| (which.get(slot).copied().flatten(), fd.revents()))
                .collect();
            let exited_now = pidfd_slot.is_some_and(|slot| !ready[slot].1.is_empty());
            drop(fds);
            for (stream, revents) in ready {
                let Some(i) = stream else { continue };
                if revents.contains(PollFlags::IN) {
                    if self.streams[i].read_once(&mut self.buf) {
                        self.last_output = self.start.elapsed();
                    }
                } else if !revents.is_empty() {
                    // Hung up (or failed) with nothing left to read: end of file, no read needed.
                    self.streams[i].close();
                }
            }
            if exited_now {
                self.check_exit();
            }
            if Instant::now() >= deadline {
                if self.exit.is_none() {
                    self.check_exit();
                }
                return;
            }
        }
    }

    /// Reaps the main process if it has exited, keeping the kernel's final figures for it.
    fn check_exit(&mut self) {
        if self.exit.is_some() {
            return;
        }
        // Look without reaping first: `wait4` (which returns the rusage) only blocks on a child
        // that has not exited, and this makes sure it has.
        let peek = rustix::process::Pid::from_raw(self.pid).map(|p| {
            rustix::process::waitid(
                rustix::process::WaitId::Pid(p),
                rustix::process::WaitIdOptions::EXITED
                    | rustix::process::WaitIdOptions::NOHANG
                    | rustix::process::WaitIdOptions::NOWAIT,
            )
        });
        match peek {
            Some(Ok(None)) => return,
            Some(Ok(Some(_))) => {
                if let Ok(r) = wait4::Wait4::wait4(&mut self.child) {
                    let usage = Usage {
                        max_rss_bytes: r.rusage.maxrss,
                        cpu: r.rusage.utime + r.rusage.stime,
                    };
                    REAPED_MAX_RSS.fetch_max(usage.max_rss_bytes, Ordering::Relaxed);
                    self.usage = Some(usage);
                    self.exited(ExitInfo {
                        code: r.status.code(),
                        signal: r.status.signal(),
                    });
                    return;
                }
            }
            // No waitid here: the plain reap below, without the kernel's figures.
            _ => {}
        }
        match self.child.try_wait() {
            Ok(Some(st)) => self.exited(ExitInfo {
                code: st.code(),
                signal: st.signal(),
            }),
            Ok(None) => {}
            // Reaped elsewhere (cannot happen while registered): nothing more to learn.
            Err(_) => self.exited(ExitInfo::default()),
        }
    }

    fn exited(&mut self, exit: ExitInfo) {
        self.exit = Some(exit);
        self.exited_after = Some(self.start.elapsed());
        self.pidfd = None;
    }

    /// The kernel's figures for the main process once it has been reaped.
    pub fn usage(&self) -> Option<Usage> {
        self.usage
    }

    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// The `VELO_RUN_ID` value of this run.
    pub fn tag(&self) -> &str {
        &self.tag
    }

    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// Time since the last byte of output (or since the start).
    pub fn idle(&self) -> Duration {
        self.start.elapsed().saturating_sub(self.last_output)
    }

    /// The exit of the main process, if it has happened.
    pub fn exit(&self) -> Option<ExitInfo> {
        self.exit
    }

    /// Waits up to `dur` for the main process to exit.
    pub fn wait_for(&mut self, dur: Duration) -> Option<ExitInfo> {
        if self.exit.is_none() {
            self.pump(dur, |r| r.exit.is_some());
        }
        self.exit
    }

    /// Sends a signal to the main process only (e.g. SIGUSR1 for a stack dump).
    pub fn signal_main(&self, sig: Signal) {
        if self.exit.is_none() {
            tree::signal_pid(self.pid, sig);
        }
    }

    /// Sends a signal to the group and every process carrying this run's tag outside it (a
    /// member of the group gets it once: a second SIGINT breaks into Python's handling of the
    /// first, pytest's teardown and report).
    fn signal_tree(&self, sig: Signal) {
        tree::signal_group(self.pid, sig);
        for p in tree::scan() {
            if p.tag.as_deref() == Some(self.tag.as_str()) && !p.zombie && p.pgid != self.pid {
                tree::signal_pid(p.pid, sig);
            }
        }
    }

    /// Ends the run: SIGINT, then SIGTERM, then SIGKILL to the whole tree, each step waiting up
    /// to `kill_after` for the main process to exit.
    pub fn terminate(&mut self, kill_after: Duration) -> ExitInfo {
        for sig in [Signal::INT, Signal::TERM] {
            if self.exit.is_some() {
                break;
            }
            self.signal_tree(sig);
            self.wait_for(kill_after);
        }
        loop {
            if let Some(e) = self.exit {
                return e;
            }
            self.signal_tree(Signal::KILL);
            self.wait_for(Duration::from_millis(200));
        }
    }

    /// After the main process exited: waits at most [`DRAIN_WAIT`] for the output pipes to
    /// close, names the processes that still hold them, kills every leftover process of the
    /// run, and returns what was captured.
    pub fn finish(mut self) -> Finished {
        let exit = loop {
            if let Some(e) = self.wait_for(Duration::from_secs(3600)) {
                break e;
            }
        };
        let duration = self.exited_after.unwrap_or_else(|| self.start.elapsed());
        self.drain(DRAIN_WAIT);
        let mut holders: Vec<i32> = Vec::new();
        for s in &self.streams {
            if let Some(link) = s.link() {
                holders.extend(tree::pipe_holders(&link));
            }
        }
        let mut leaked = self.sweep_own();
        for pid in &holders {
            if let Some(l) = leaked.iter_mut().find(|l| l.pid == *pid) {
                l.held_output = true;
            } else {
                // Holding our pipe but outside the run's tree: report it, leave it alone.
                leaked.push(Leaked {
                    pid: *pid,
                    command: tree::cmdline(*pid),
                    held_output: true,
                });
            }
        }
        if self.streams.iter().any(capture::Stream::is_open) {
            self.drain(Duration::from_secs(1));
        }
        let text = |s: &capture::Stream| s.tail.text();
        Finished {
            exit,
            duration,
            usage: self.usage,
            stdout_tail: text(&self.streams[0]),
            stderr_tail: text(&self.streams[1]),
            stdout_path: self.streams[0].path.clone(),
            stderr_path: self.streams[1].path.clone(),
            leaked,
        }
    }

    /// Reads output until both pipes close or `limit` passes.
    fn drain(&mut self, limit: Duration) {
        let deadline = Instant::now() + limit;
        while self.streams.iter().any(capture::Stream::is_open) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            self.pump(left, |r| !r.streams.iter().any(capture::Stream::is_open));
        }
    }

    /// Kills the leftovers of this run: its group, tagged processes, and (when it is the only
    /// run) untagged orphans re-parented to velo.
    fn sweep_own(&mut self) -> Vec<Leaked> {
        let me = std::process::id() as i32;
        let alone = IN_FLIGHT.load(Ordering::SeqCst) <= 1;
        let (pgid, tag) = (self.pid, self.tag.clone());
        self.unregister();
        // Fast path: the main process is reaped and velo has no other child, so nothing of
        // this run can be alive (orphans re-parent to velo, the subreaper).
        if alone && self.exit.is_some() && !tree::has_children() {
            return Vec::new();
        }
        sweep(|p| {
            p.pgid == pgid
                || p.tag.as_deref() == Some(tag.as_str())
                || (alone && p.ppid == me && p.tag.is_none())
        })
    }

    fn unregister(&mut self) {
        if !self.finished {
            self.finished = true;
            active().retain(|r| r.0 != self.pid);
            IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if !self.finished {
            if self.exit.is_none() {
                self.terminate(Duration::from_millis(200));
            }
            let _ = self.sweep_own();
        }
    }
}

/// Runs `spec` to the end under `limits`: the timeout and the no-output watchdog end it with the
/// escalation, and so does `cancel` turning true (Ctrl-C).
pub fn run(
    spec: &Spec,
    limits: Limits,
    cancel: &AtomicBool,
) -> Result<(Finished, Ending), SpawnError> {
    run_with(spec, limits, cancel, &|_| {})
}

/// [`run`], telling `started` the main process's pid once it runs (the runner's `--monitor`
/// attributes memory by process).
pub fn run_with(
    spec: &Spec,
    limits: Limits,
    cancel: &AtomicBool,
    started: &dyn Fn(i32),
) -> Result<(Finished, Ending), SpawnError> {
    let mut running = Running::spawn(spec)?;
    started(running.pid());
    let tick = Duration::from_millis(50);
    let ending = loop {
        let mut wait = tick;
        if let Some(t) = limits.timeout {
            wait = wait.min(t.saturating_sub(running.elapsed()));
        }
        if running.wait_for(wait).is_some() {
            break Ending::Exited;
        }
        if cancel.load(Ordering::SeqCst) {
            break Ending::Cancelled;
        }
        if limits.timeout.is_some_and(|t| running.elapsed() >= t) {
            break Ending::TimedOut;
        }
        if limits.idle_timeout.is_some_and(|t| running.idle() >= t) {
            break Ending::Idle;
        }
    };
    if ending != Ending::Exited {
        running.terminate(limits.kill_after);
    }
    // Killed by the interrupt hook before the loop saw the flag: still an interruption.
    let ending = if cancel.load(Ordering::SeqCst) {
        Ending::Cancelled
    } else {
        ending
    };
    Ok((running.finish(), ending))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Spec {
        Spec {
            program: "sh".into(),
            args: vec!["-c".into(), script.into()],
            tail_bytes: 4096,
            ..Spec::default()
        }
    }

    fn alive_with(tag: &str) -> usize {
        tree::scan()
            .iter()
            .filter(|p| p.tag.as_deref() == Some(tag) && !p.zombie)
            .count()
    }

    #[test]
    fn exit_code_and_output_are_captured() {
        let (f, ending) = run(
            &sh("echo out; echo err >&2; exit 3"),
            Limits::default(),
            &AtomicBool::new(false),
        )
        .unwrap();
        assert_eq!(ending, Ending::Exited);
        assert_eq!(f.exit.code, Some(3));
        assert_eq!(f.stdout_tail, "out\n");
        assert_eq!(f.stderr_tail, "err\n");
        assert!(f.leaked.is_empty());
    }

    #[test]
    fn large_output_reaches_the_file_and_the_tail_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let spec = Spec {
            stdout_file: Some(path.clone()),
            tail_bytes: 10,
            ..sh("i=0; while [ $i -lt 20000 ]; do echo line-$i; i=$((i+1)); done")
        };
        let (f, ending) = run(&spec, Limits::default(), &AtomicBool::new(false)).unwrap();
        assert_eq!(ending, Ending::Exited);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 20000);
        assert!(text.starts_with("line-0\nline-1\n"));
        assert_eq!(f.stdout_tail, "line-19999\n"[1..].to_string());
    }

    #[test]
    fn the_kernels_figures_are_kept_at_reap() {
        // dd holds a 64 MiB buffer, filled, for a moment: ru_maxrss has it, whatever sampled.
        let (f, ending) = run(
            &sh("dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null"),
            Limits::default(),
            &AtomicBool::new(false),
        )
        .unwrap();
        assert_eq!(ending, Ending::Exited);
        assert_eq!(f.exit.code, Some(0));
        let usage = f.usage.expect("wait4 figures");
        assert!(usage.max_rss_bytes >= 64 << 20, "{usage:?}");
        assert!(largest_reaped_rss() >= 64 << 20);
        assert!(f.duration > Duration::ZERO);
    }

    #[test]
    fn not_found_is_told_apart() {
        let spec = Spec {
            program: "/no/such/velo-cmd".into(),
            ..Spec::default()
        };
        assert!(matches!(
            run(&spec, Limits::default(), &AtomicBool::new(false)),
            Err(SpawnError::NotFound(_))
        ));
    }

    #[test]
    fn timeout_kills_the_tree_including_setsid_daemons() {
        let limits = Limits {
            timeout: Some(Duration::from_millis(300)),
            kill_after: Duration::from_millis(300),
            ..Limits::default()
        };
        let mut running = Running::spawn(&sh(
            "setsid sh -c 'trap \"\" INT TERM; sleep 30' >/dev/null 2>&1 & sleep 30",
        ))
        .unwrap();
        let tag = running.tag().to_string();
        std::thread::sleep(limits.timeout.unwrap());
        running.terminate(limits.kill_after);
        let f = running.finish();
        assert!(f.exit.signal.is_some() || f.exit.code.is_some());
        assert_eq!(alive_with(&tag), 0);
    }

    #[test]
    fn a_leaked_pipe_holder_does_not_block() {
        let started = Instant::now();
        let (f, ending) = run(
            &sh("setsid sleep 30 & echo done"),
            Limits::default(),
            &AtomicBool::new(false),
        )
        .unwrap();
        assert_eq!(ending, Ending::Exited);
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(f.leaked.iter().any(|l| l.held_output), "{:?}", f.leaked);
        assert_eq!(f.stdout_tail, "done\n");
    }

    #[test]
    fn idle_watchdog_fires() {
        let limits = Limits {
            idle_timeout: Some(Duration::from_millis(300)),
            kill_after: Duration::from_millis(200),
            ..Limits::default()
        };
        let (_, ending) = run(&sh("echo hi; sleep 30"), limits, &AtomicBool::new(false)).unwrap();
        assert_eq!(ending, Ending::Idle);
    }
}
