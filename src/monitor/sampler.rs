//! Sampling one process tree: a root pid and every descendant, found again at each sample.
//!
//! Membership: descendants are found through `/proc/<pid>/task/*/children` where the kernel has
//! those files (the cost follows the tree, not the system); elsewhere through the ppid of each
//! process new since the last sample. Those are the pids allocated since then (the last pid in
//! `/proc/loadavg` moved from A to B: read A+1..=B, usually none or a few), and `/proc` is listed
//! only at the start, after a wrap-around or a long range; a process seen once outside the tree
//! is not read again. Membership is sticky: a member whose parent died stays a member (a
//! `setsid()` daemon is still the tree's work) until it ends.
//!
//! CPU: a process's `utime + stime + cutime + cstime` grows by its own time and by the whole
//! time of every child it reaps. So the tree's total, the sum of that figure over the live
//! members plus the members that ended unseen by a live member, grows by exactly the CPU time the
//! tree used, children that started and ended between two samples included. velo is a child
//! subreaper when it started the command (orphans re-parent to it); those orphans are reaped here
//! once their final figures are read (a zombie's `stat` holds its final times), so their time is
//! counted too. Every figure is read from `/proc` with reused buffers.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::proc::procfs::{self, Missing, PidFiles, PidStat, Reader};
use crate::secret::{mask_args, mask_command_line};

/// Members whose files are kept open (four descriptors each): beyond this, a member's files
/// are opened at each read, so a huge tree cannot exhaust velo's descriptors.
const OPEN_MEMBERS: usize = 128;

/// How a sampler treats the tree.
#[derive(Debug, Clone)]
pub struct SamplerOptions {
    /// Read PSS and USS from `smaps_rollup`.
    pub pss: bool,
    /// The share of one core that `smaps_rollup` reads may take (each costs about 0.1 ms per
    /// process, more for big ones): beyond it, each process's PSS is refreshed less often than
    /// every sample, oldest first, and the report says how stale it got.
    pub pss_budget: f64,
    /// velo's own children other than the root that carry this `VELO_RUN_ID` value belong to
    /// the tree: orphans of the run re-parented to velo, a child subreaper. They are reaped
    /// (`waitpid`) after their final figures are read. `None`: velo's children are not looked at.
    pub adopt_tag: Option<String>,
    /// The root is reaped by someone else (the spawner): it is never reaped here.
    pub root_reaped_elsewhere: bool,
    /// Walk `/proc/<pid>/task/*/children` where the kernel has them (off: always find new
    /// processes by their ppid, as on kernels without them).
    pub children_files: bool,
}

impl Default for SamplerOptions {
    fn default() -> Self {
        Self {
            pss: true,
            pss_budget: 0.0005,
            adopt_tag: None,
            root_reaped_elsewhere: false,
            children_files: true,
        }
    }
}

/// A pid that cannot be monitored.
#[derive(Debug, thiserror::Error)]
pub enum SamplerError {
    #[error("no process with PID {0} (check it with `ps -p {0}`)")]
    NoSuchPid(i32),
    #[error("PID {0} ended while it was being measured: nothing is left to show")]
    Ended(i32),
    #[error("PID {pid} is a zombie: it has exited and waits for its parent, PID {parent} ({parent_command}), to reap it, so there is nothing left to measure")]
    Zombie {
        pid: i32,
        parent: i32,
        parent_command: String,
    },
    #[error("PID {0} is not a valid process id: use a positive number")]
    BadPid(i32),
    #[error("cannot read /proc/{0}/stat: permission denied (run as the same user or as root)")]
    Denied(i32),
    #[error("monitoring processes is unsupported on this platform: velo reads Linux's /proc, which is not mounted here")]
    Unsupported,
}

/// One process at one sample.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ProcSample {
    pub pid: i32,
    pub ppid: i32,
    /// Its command line, values of secret-looking arguments masked
    /// ([`crate::secret::mask_command_line`]).
    pub command: String,
    /// CPU since the previous sample, in % of one core (`None` at the start sample: no time has
    /// passed to measure over).
    pub cpu_pct: Option<f64>,
    pub rss_bytes: u64,
    pub pss_bytes: Option<u64>,
    pub uss_bytes: Option<u64>,
    pub threads: u64,
    pub fds: Option<u64>,
}

/// The tree at one sample.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Sample {
    /// Seconds since the sampler started (0 for the start sample).
    pub t_s: f64,
    /// CPU used since the previous sample, in % of one core (200 = two cores busy); `None` at
    /// the start sample, which has no previous one.
    pub cpu_pct: Option<f64>,
    pub rss_bytes: u64,
    /// Sum of each process's latest PSS (a process not read yet counts its RSS).
    pub pss_bytes: Option<u64>,
    pub uss_bytes: Option<u64>,
    pub threads: u64,
    /// Open descriptors of the processes whose `fd` folder could be read (`None`: of none).
    pub fds: Option<u64>,
    /// Bytes read from and written to storage by the tree since the sampler started (`None`
    /// when no process's `io` could be read).
    pub read_bytes: Option<u64>,
    pub write_bytes: Option<u64>,
    pub processes: usize,
    /// CPU seconds used by the tree since the sampler started.
    pub cpu_s: f64,
    /// Per process, largest RSS first.
    pub procs: Vec<ProcSample>,
}

/// What could not be read, for the report's notes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Unreadable {
    /// Processes whose `/proc/<pid>/io` was denied.
    pub io: usize,
    /// Processes whose `fd` folder was denied.
    pub fds: usize,
    /// Processes whose `smaps_rollup` was denied or missing.
    pub smaps: usize,
}

#[derive(Debug)]
struct Member {
    starttime: u64,
    ppid: i32,
    total_ticks: u64,
    io: (u64, u64),
    pss: Option<(u64, u64)>,
    pss_at: Option<Instant>,
    /// `smaps_rollup` cannot be read for it (denied, or an old kernel).
    no_smaps: bool,
    command: String,
    /// The `comm` hash when `command` was read (an `exec` changes both).
    comm_hash: u64,
    /// Its files, kept open (for the first [`OPEN_MEMBERS`] members).
    files: Option<PidFiles>,
}

/// Samples one process tree. Create it with the root pid, call [`Sampler::sample`] at each tick
/// (from any one thread), and read the figures from the returned [`Sample`]s.
pub struct Sampler {
    root: i32,
    me: i32,
    opts: SamplerOptions,
    reader: Reader,
    tick: f64,
    page: u64,
    start: Instant,
    last: Instant,
    members: HashMap<i32, Member>,
    /// Pids seen outside the tree (not read again while listed).
    outside: HashSet<i32>,
    /// Ticks and I/O of members that ended without a live member accounting for them.
    departed_ticks: u64,
    departed_io: (u64, u64),
    base_ticks: u64,
    base_io: (u64, u64),
    prev_ticks: u64,
    pss_spent: Duration,
    pss_reads: u64,
    pss_max_age: Duration,
    unreadable: Unreadable,
    /// Some process's `io` was read (else the tree's I/O is unknown, not 0).
    io_seen: bool,
    /// The tree at the baseline read, until [`Sampler::start_sample`] takes it.
    start_sample: Option<Sample>,
    seen: usize,
    root_gone: bool,
    /// The last allocated pid at the previous sample (see `discover`).
    last_pid: Option<i32>,
}

impl Sampler {
    /// Starts watching `root`: reads the tree once as the baseline for CPU and I/O.
    pub fn new(root: i32, opts: SamplerOptions) -> Result<Self, SamplerError> {
        if root <= 0 {
            return Err(SamplerError::BadPid(root));
        }
        if !std::path::Path::new("/proc/self/stat").exists() {
            return Err(SamplerError::Unsupported);
        }
        let mut reader = Reader::new();
        match reader.stat(root) {
            Ok(s) if !s.zombie() => {}
            Ok(s) => {
                return Err(SamplerError::Zombie {
                    pid: root,
                    parent: s.ppid,
                    parent_command: reader.argv(s.ppid).map_or_else(
                        || reader.comm(s.ppid).unwrap_or_else(|| "?".to_string()),
                        |a| mask_args(&a),
                    ),
                })
            }
            Err(Missing::Gone) => return Err(SamplerError::NoSuchPid(root)),
            Err(Missing::Denied) => return Err(SamplerError::Denied(root)),
        }
        let now = Instant::now();
        let mut s = Self {
            root,
            me: std::process::id() as i32,
            opts,
            reader,
            tick: procfs::clock_ticks() as f64,
            page: procfs::page_size(),
            start: now,
            last: now,
            members: HashMap::new(),
            outside: HashSet::new(),
            departed_ticks: 0,
            departed_io: (0, 0),
            base_ticks: 0,
            base_io: (0, 0),
            prev_ticks: 0,
            pss_spent: Duration::ZERO,
            pss_reads: 0,
            pss_max_age: Duration::ZERO,
            unreadable: Unreadable::default(),
            io_seen: false,
            start_sample: None,
            seen: 0,
            root_gone: false,
            last_pid: None,
        };
        let (ticks, io, procs) = s.read_tree_full(now, None);
        s.base_ticks = ticks;
        s.base_io = io;
        s.prev_ticks = ticks;
        s.start_sample = (!procs.is_empty()).then(|| s.build(0.0, None, ticks, io, procs));
        Ok(s)
    }

    /// The tree as read when the sampler started (time 0), once: the first point of a run,
    /// so that a command shorter than the interval still has a sample. Its CPU % is `None`.
    pub fn start_sample(&mut self) -> Option<Sample> {
        self.start_sample.take()
    }

    /// The root pid.
    pub fn root(&self) -> i32 {
        self.root
    }

    /// When the sampler started (the baseline read).
    pub fn started(&self) -> Instant {
        self.start
    }

    /// The pids of the tree as last sampled (for killing it: setsid members included).
    pub fn pids(&self) -> Vec<i32> {
        self.members.keys().copied().collect()
    }

    /// `(pid, start time)` of each member, to tell a member from a later process with its pid.
    pub fn identities(&self) -> Vec<(i32, u64)> {
        self.members
            .iter()
            .map(|(p, m)| (*p, m.starttime))
            .collect()
    }

    /// Whether the root process has ended (or become a zombie).
    pub fn root_gone(&self) -> bool {
        self.root_gone
    }

    /// Processes that were part of the tree at some sample.
    pub fn processes_seen(&self) -> usize {
        self.seen
    }

    /// The oldest PSS figure used in a sample so far.
    pub fn pss_max_age(&self) -> Duration {
        self.pss_max_age
    }

    pub fn unreadable(&self) -> &Unreadable {
        &self.unreadable
    }

    /// Reads the tree now. `None` once no process of the tree is left.
    pub fn sample(&mut self) -> Option<Sample> {
        let now = Instant::now();
        let dt = now.duration_since(self.last).as_secs_f64().max(1e-6);
        let (ticks, io, procs) = self.read_tree_full(now, Some(dt));
        self.last = now;
        if self.members.is_empty() && procs.is_empty() {
            return None;
        }
        let cpu_pct = ticks.saturating_sub(self.prev_ticks) as f64 / self.tick / dt * 100.0;
        self.prev_ticks = ticks;
        let t_s = now.duration_since(self.start).as_secs_f64();
        Some(self.build(t_s, Some(cpu_pct), ticks, io, procs))
    }

    /// A tree sample from the per-process figures.
    fn build(
        &self,
        t_s: f64,
        cpu_pct: Option<f64>,
        ticks: u64,
        io: (u64, u64),
        procs: Vec<ProcSample>,
    ) -> Sample {
        let sum = |f: fn(&ProcSample) -> u64| procs.iter().map(f).sum::<u64>();
        let pss = self.opts.pss.then(|| {
            procs
                .iter()
                .map(|p| p.pss_bytes.unwrap_or(p.rss_bytes))
                .sum()
        });
        let uss = self.opts.pss.then(|| {
            procs
                .iter()
                .map(|p| p.uss_bytes.unwrap_or(p.rss_bytes))
                .sum()
        });
        let fds = procs.iter().filter_map(|p| p.fds).collect::<Vec<_>>();
        Sample {
            t_s,
            cpu_pct,
            rss_bytes: sum(|p| p.rss_bytes),
            pss_bytes: pss.filter(|_| procs.iter().any(|p| p.pss_bytes.is_some())),
            uss_bytes: uss.filter(|_| procs.iter().any(|p| p.uss_bytes.is_some())),
            threads: sum(|p| p.threads),
            fds: (!fds.is_empty()).then(|| fds.iter().sum()),
            read_bytes: self.io_seen.then(|| io.0.saturating_sub(self.base_io.0)),
            write_bytes: self.io_seen.then(|| io.1.saturating_sub(self.base_io.1)),
            processes: procs.len(),
            cpu_s: ticks.saturating_sub(self.base_ticks) as f64 / self.tick,
            procs,
        }
    }

    /// Finds the members, reads each, settles the ones that ended, and returns the tree's
    /// total ticks and I/O (live members plus departed) and the per-process figures. `dt`: the
    /// time since the previous read (`None` for the baseline: no CPU % yet).
    fn read_tree_full(
        &mut self,
        now: Instant,
        dt: Option<f64>,
    ) -> (u64, (u64, u64), Vec<ProcSample>) {
        let stats = self.discover();
        // Members not found alive: settle their time.
        let gone: Vec<i32> = self
            .members
            .keys()
            .filter(|p| !stats.contains_key(p))
            .copied()
            .collect();
        self.settle(&gone, &stats);
        let mut procs = Vec::with_capacity(stats.len());
        let mut total = self.departed_ticks;
        let mut io_total = self.departed_io;
        let mut to_reap = Vec::new();
        let mut pss_order: Vec<(Option<Instant>, i32)> = Vec::new();
        for (&pid, st) in &stats {
            let fresh = !self.members.contains_key(&pid);
            let renamed = self
                .members
                .get(&pid)
                .is_some_and(|m| m.comm_hash != st.comm_hash);
            if fresh || renamed {
                let command = match self.reader.argv(pid) {
                    Some(args) => mask_args(&args),
                    None => self
                        .reader
                        .comm(pid)
                        .map_or_else(|| "?".to_string(), |c| mask_command_line(&c)),
                };
                if let Some(m) = self.members.get_mut(&pid) {
                    m.command = command;
                    m.comm_hash = st.comm_hash;
                } else {
                    self.seen += 1;
                    let open_now = self.members.values().filter(|m| m.files.is_some()).count();
                    let files = (!st.zombie() && open_now < OPEN_MEMBERS)
                        .then(|| self.reader.open_files(pid))
                        .flatten();
                    self.members.insert(
                        pid,
                        Member {
                            starttime: st.starttime,
                            ppid: st.ppid,
                            total_ticks: 0,
                            io: (0, 0),
                            pss: None,
                            pss_at: None,
                            no_smaps: false,
                            command,
                            comm_hash: st.comm_hash,
                            files,
                        },
                    );
                }
            }
            let zombie = st.zombie();
            let open = self.members.get(&pid).and_then(|m| m.files.as_ref());
            let io = if zombie {
                None
            } else {
                let read = open
                    .and_then(|f| self.reader.io_of(f))
                    .unwrap_or_else(|| self.reader.io(pid));
                match read {
                    Ok(v) => {
                        self.io_seen = true;
                        Some(v)
                    }
                    Err(Missing::Denied) => {
                        if fresh {
                            self.unreadable.io += 1;
                        }
                        None
                    }
                    Err(Missing::Gone) => None,
                }
            };
            let fds = if zombie {
                Some(0)
            } else if let Some(n) = open.and_then(|f| self.reader.fd_count_of(f)) {
                Some(n)
            } else {
                match self.reader.fd_count(pid) {
                    Ok(n) => Some(n),
                    Err(Missing::Denied) => {
                        if fresh {
                            self.unreadable.fds += 1;
                        }
                        None
                    }
                    Err(Missing::Gone) => None,
                }
            };
            let Some(m) = self.members.get_mut(&pid) else {
                continue;
            };
            let before = if fresh { 0 } else { m.total_ticks };
            m.total_ticks = st.total_ticks();
            m.ppid = st.ppid;
            if let Some(v) = io {
                m.io = v;
            }
            total += m.total_ticks;
            io_total.0 += m.io.0;
            io_total.1 += m.io.1;
            if self.opts.pss && !zombie && !m.no_smaps {
                pss_order.push((m.pss_at, pid));
            }
            let cpu_pct =
                dt.map(|dt| m.total_ticks.saturating_sub(before) as f64 / self.tick / dt * 100.0);
            procs.push(ProcSample {
                pid,
                ppid: st.ppid,
                command: m.command.clone(),
                cpu_pct,
                rss_bytes: st.rss_pages * self.page,
                pss_bytes: None,
                uss_bytes: None,
                threads: if zombie { 0 } else { st.threads },
                fds,
            });
            if pid == self.root {
                self.root_gone = zombie;
            }
            let ours = pid != self.root || !self.opts.root_reaped_elsewhere;
            if zombie && st.ppid == self.me && ours && self.opts.adopt_tag.is_some() {
                to_reap.push(pid);
            }
        }
        if !stats.contains_key(&self.root) {
            self.root_gone = true;
        }
        self.read_pss(now, pss_order);
        for p in &mut procs {
            if let Some(m) = self.members.get(&p.pid) {
                if let Some((pss, uss)) = m.pss {
                    p.pss_bytes = Some(pss);
                    p.uss_bytes = Some(uss);
                    if let Some(at) = m.pss_at {
                        self.pss_max_age = self.pss_max_age.max(now.duration_since(at));
                    }
                }
            }
        }
        // Orphans re-parented to velo: their final figures are counted above; reaping moves
        // them into the departed totals (nobody else will account for them).
        for pid in to_reap {
            let reaped = rustix::process::Pid::from_raw(pid)
                .map(|p| rustix::process::waitpid(Some(p), rustix::process::WaitOptions::NOHANG));
            // Reaped now (a stopped child is reported too but not reaped: not counted).
            if let Some(Ok(Some((_, status)))) = reaped {
                if !(status.exited() || status.signaled()) {
                    continue;
                }
                if let Some(m) = self.members.remove(&pid) {
                    self.departed_ticks += m.total_ticks;
                    self.departed_io.0 += m.io.0;
                    self.departed_io.1 += m.io.1;
                }
            }
        }
        procs.sort_by(|a, b| b.rss_bytes.cmp(&a.rss_bytes).then(a.pid.cmp(&b.pid)));
        (total, io_total, procs)
    }

    /// Refreshes PSS/USS within the time budget: a process never read is read now; the others
    /// once their figure is older than the refresh period, `processes × mean read cost /
    /// budget` (at least every sample), oldest first.
    fn read_pss(&mut self, now: Instant, mut order: Vec<(Option<Instant>, i32)>) {
        order.sort_by_key(|(at, pid)| (at.is_some(), *at, *pid));
        let cost = if self.pss_reads == 0 {
            0.0
        } else {
            self.pss_spent.as_secs_f64() / self.pss_reads as f64
        };
        let period = Duration::from_secs_f64(
            (order.len() as f64 * cost / self.opts.pss_budget.max(1e-6)).min(3600.0),
        );
        for (at, pid) in order {
            if at.is_some_and(|at| now.duration_since(at) < period) {
                continue;
            }
            let t0 = Instant::now();
            let got = self.reader.smaps_rollup(pid);
            self.pss_spent += t0.elapsed();
            self.pss_reads += 1;
            let Some(m) = self.members.get_mut(&pid) else {
                continue;
            };
            match got {
                Ok(v) => {
                    m.pss = Some(v);
                    m.pss_at = Some(now);
                }
                Err(Missing::Denied) => {
                    m.no_smaps = true;
                    self.unreadable.smaps += 1;
                }
                Err(Missing::Gone) => {
                    // Gone, or a kernel without smaps_rollup (before 4.14): stop asking.
                    if std::path::Path::new(&format!("/proc/{pid}")).exists() {
                        m.no_smaps = true;
                        self.unreadable.smaps += 1;
                    }
                }
            }
        }
    }

    /// The live members now, with their `stat`: previous members still alive plus their new
    /// descendants (and velo's adopted orphans).
    fn discover(&mut self) -> HashMap<i32, PidStat> {
        let mut found: HashMap<i32, PidStat> = HashMap::with_capacity(self.members.len() + 4);
        let mut queue: Vec<i32> = Vec::new();
        // Previous members (and the root) that are still the same process.
        let mut known: Vec<i32> = self.members.keys().copied().collect();
        if !self.members.contains_key(&self.root) && self.members.is_empty() {
            known.push(self.root);
        }
        for pid in known {
            let read = match self.members.get(&pid).and_then(|m| m.files.as_ref()) {
                Some(files) => self.reader.stat_of(files),
                None => self.reader.stat(pid),
            };
            if let Ok(st) = read {
                let same = self
                    .members
                    .get(&pid)
                    .is_none_or(|m| m.starttime == st.starttime);
                if same {
                    found.insert(pid, st);
                    queue.push(pid);
                }
            }
        }
        let adopt = self.opts.adopt_tag.is_some();
        if self.opts.children_files && self.reader.has_children_files() {
            // Children files: walk down from the members (and velo, for adopted orphans).
            if adopt {
                queue.push(self.me);
            }
            let mut i = 0;
            while i < queue.len() {
                let parent = queue[i];
                i += 1;
                let single = found.get(&parent).is_some_and(|st| st.threads <= 1);
                let open = self.members.get(&parent).and_then(|m| m.files.as_ref());
                let kids = match (single, open) {
                    (true, Some(files)) => self
                        .reader
                        .children_of(files)
                        .or_else(|| self.reader.children_single(parent)),
                    (true, None) => self.reader.children_single(parent),
                    _ => self.reader.children(parent),
                };
                let Some(Ok(kids)) = kids else {
                    continue;
                };
                for kid in kids {
                    if found.contains_key(&kid) || kid == self.me {
                        continue;
                    }
                    // velo's children join when velo itself is the root (the runner's
                    // --monitor), else only when they carry the run's tag.
                    if parent == self.me && self.root != self.me && !self.adoptable(kid) {
                        continue;
                    }
                    if let Ok(st) = self.reader.stat(kid) {
                        found.insert(kid, st);
                        queue.push(kid);
                    }
                }
            }
            return found;
        }
        // No children files: read the ppid of each process not seen before. Pids are handed
        // out in increasing order, so the processes created since the last sample are the pids
        // between the last allocated pid then and now (a short range, often empty: then
        // nothing is read). A wrap-around or a long range falls back to listing /proc.
        let last = self.reader.last_pid();
        let range = match (self.last_pid, last) {
            (Some(prev), Some(now)) if now >= prev && now - prev <= 512 => Some(prev + 1..=now),
            _ => None,
        };
        self.last_pid = last;
        let by_range = range.is_some();
        let mut fresh: Vec<(i32, PidStat)> = Vec::new();
        if let Some(range) = range {
            for pid in range {
                if pid == self.me || found.contains_key(&pid) {
                    continue;
                }
                // A pid handed out again: the process behind it is new.
                self.outside.remove(&pid);
                if let Ok(st) = self.reader.stat(pid) {
                    fresh.push((pid, st));
                }
            }
        } else {
            let Ok(listed) = procfs::pids() else {
                return found;
            };
            let listed_set: HashSet<i32> = listed.iter().copied().collect();
            self.outside.retain(|p| listed_set.contains(p));
            for pid in listed {
                if pid == self.me || found.contains_key(&pid) || self.outside.contains(&pid) {
                    continue;
                }
                if let Ok(st) = self.reader.stat(pid) {
                    fresh.push((pid, st));
                }
            }
        }
        // Parents may be new too: repeat until nothing joins.
        loop {
            let mut joined = false;
            let mut i = 0;
            while i < fresh.len() {
                let (pid, st) = fresh[i];
                let parent_in = found.contains_key(&st.ppid)
                    || (st.ppid == self.me && adopt && self.adoptable(pid));
                // An unlisted thread id reads like a process of its group's parent.
                let thread = by_range && parent_in && self.reader.tgid(pid) != Some(pid);
                if parent_in && !thread {
                    found.insert(pid, st);
                    fresh.swap_remove(i);
                    joined = true;
                } else {
                    i += 1;
                }
            }
            if !joined {
                break;
            }
        }
        self.outside.extend(fresh.into_iter().map(|(p, _)| p));
        found
    }

    /// Whether a child of velo belongs to this tree (carries the run's tag).
    fn adoptable(&mut self, pid: i32) -> bool {
        let Some(tag) = &self.opts.adopt_tag else {
            return false;
        };
        if pid == self.root {
            return true;
        }
        std::fs::read(format!("/proc/{pid}/environ"))
            .ok()
            .and_then(|e| crate::proc::tree::tag_in_environ(&e))
            .is_some_and(|t| &t == tag)
    }

    /// Members that ended: if a live member up their chain of parents reaped them, their time
    /// is already in its `cutime`; otherwise their last figures move to the departed totals.
    fn settle(&mut self, gone: &[i32], live: &HashMap<i32, PidStat>) {
        for pid in gone {
            let mut up = self.members.get(pid).map(|m| m.ppid);
            let mut accounted = false;
            let mut hops = 0;
            while let Some(p) = up {
                if live.contains_key(&p) {
                    accounted = true;
                    break;
                }
                hops += 1;
                if hops > 64 {
                    break;
                }
                up = self.members.get(&p).map(|m| m.ppid);
            }
            if !accounted {
                if let Some(m) = self.members.get(pid) {
                    self.departed_ticks += m.total_ticks;
                    self.departed_io.0 += m.io.0;
                    self.departed_io.1 += m.io.1;
                }
            }
        }
        for pid in gone {
            self.members.remove(pid);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_and_bad_pids_are_errors() {
        assert!(matches!(
            Sampler::new(0, SamplerOptions::default()),
            Err(SamplerError::BadPid(0))
        ));
        assert!(matches!(
            Sampler::new(i32::MAX, SamplerOptions::default()),
            Err(SamplerError::NoSuchPid(_))
        ));
    }

    fn tree_is_followed(opts: SamplerOptions) {
        // Two children now, a grandchild later: all found, and the grandchild's CPU counted.
        let mut child = std::process::Command::new("sh")
            .args([
                "-c",
                "sleep 2 & (sleep 0.4; sh -c 'i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done; sleep 2') & wait",
            ])
            // Tagged: an untagged child of this process is fair game for the orphan sweep of
            // a run in a test running in parallel.
            .env(crate::proc::TAG_VAR, "sampler-tree-test")
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(100));
        let mut s = Sampler::new(child.id() as i32, opts).unwrap();
        std::thread::sleep(Duration::from_millis(100));
        let first = s.sample().unwrap();
        assert!(first.processes >= 3, "{:?}", first.procs);
        let before: Vec<i32> = first.procs.iter().map(|p| p.pid).collect();
        let mut found_new = false;
        let mut cpu = 0.0;
        for _ in 0..60 {
            std::thread::sleep(Duration::from_millis(50));
            let x = s.sample().unwrap();
            found_new |= x.procs.iter().any(|p| !before.contains(&p.pid));
            cpu = x.cpu_s;
            if found_new && cpu > 0.0 {
                break;
            }
        }
        crate::proc::tree::signal_pid(child.id() as i32, rustix::process::Signal::TERM);
        for pid in s.pids() {
            if pid != child.id() as i32 {
                crate::proc::tree::signal_pid(pid, rustix::process::Signal::KILL);
            }
        }
        let _ = child.wait();
        assert!(found_new, "the new descendant was never found");
        assert!(cpu > 0.0, "its CPU was not counted");
    }

    #[test]
    fn new_descendants_are_found_through_children_files() {
        tree_is_followed(SamplerOptions::default());
    }

    #[test]
    fn new_descendants_are_found_through_new_pids() {
        tree_is_followed(SamplerOptions {
            children_files: false,
            ..SamplerOptions::default()
        });
    }

    #[test]
    fn a_child_tree_is_sampled_and_ends() {
        let mut child = std::process::Command::new("sh")
            .args(["-c", "sleep 0.6 & sleep 0.6; wait"])
            .env(crate::proc::TAG_VAR, "sampler-test")
            .spawn()
            .unwrap();
        let mut s = Sampler::new(child.id() as i32, SamplerOptions::default()).unwrap();
        std::thread::sleep(Duration::from_millis(200));
        let sample = s.sample().unwrap();
        assert_eq!(sample.processes, 3, "{:?}", sample.procs);
        assert!(sample.rss_bytes > 0);
        assert!(sample.threads >= 3);
        // Reaped here, or already by a sweep of a test running in parallel (velo's sweeps
        // reap zombie children of the process): the root is gone either way.
        let _ = child.wait();
        assert!(s.sample().is_none());
        assert!(s.root_gone());
    }
}
