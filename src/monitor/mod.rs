//! `monitor`: a process tree's CPU, memory (RSS, PSS, USS), threads, descriptors and I/O over
//! time, sampled on absolute deadlines; limits that fail a CI job (and may stop the tree); a
//! leak verdict; and the whole system's figures when no process is named.
//!
//! The domain reports plain data: [`Sampler`] reads one tree, [`Summary`] accumulates peaks,
//! means and breaches, [`leak::judge`] gives the verdict, and [`run`] drives them for the
//! command (a pid, a command started through `proc`, or the system), telling an [`Observer`]
//! about each sample so the CLI can draw a live view or record a file.
//!
//! Embedding (the test runner's `--monitor`): from any one thread, create a [`Monitor`] with the
//! pid of the process to watch, call [`Monitor::sample`] on a [`Schedule`] (absolute deadlines),
//! and call [`Monitor::finish`] for the report when the process ended:
//!
//! ```ignore
//! let mut running = proc::Running::spawn(&spec)?;          // velo is now a child subreaper
//! let opts = SamplerOptions {
//!     adopt_tag: Some(running.tag().to_string()),          // orphans of this run count (and are reaped)
//!     root_reaped_elsewhere: true,                         // Running reaps the main process
//!     ..SamplerOptions::default()
//! };
//! let mut m = Monitor::new(running.pid(), opts, Limits::default(), interval)?;
//! let mut schedule = Schedule::new(m.sampler().started(), interval);
//! loop {
//!     let due = schedule.next();
//!     if running.wait_for(due.saturating_duration_since(Instant::now())).is_some() { break }
//!     if let Some((sample, breaches)) = m.sample() { /* attribute `sample` to the test now running */ }
//!     schedule.advance(Instant::now());
//! }
//! let report = m.finish(Mode::Command, Ending::Exited, Some(running.finish().exit));
//! ```
//!
//! `Monitor` is `Send`: a runner with parallel jobs may keep one per job, each with its run's
//! tag, on its own thread or on the supervising thread.

pub mod cgroup;
pub mod leak;
pub mod sampler;
pub mod summary;
pub mod system;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rustix::process::Signal;
use serde::Serialize;

use crate::proc::{self, ExitInfo, Running, SpawnError};
pub use leak::{Leak, Verdict};
pub use sampler::{ProcSample, Sample, Sampler, SamplerError, SamplerOptions};
pub use summary::{Breach, Limits, Point, Summary};
pub use system::{SystemSample, SystemSampler, SystemSummary};

/// What is watched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Pid,
    Command,
    System,
}

/// Where the peak memory figure (`peak_rss_bytes`) comes from, and so how far to trust it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PeakSource {
    /// The largest sampled RSS sum of the tree: a spike between two samples is missed.
    Sampled,
    /// The kernel's own maximum RSS of one process (`wait4`'s `ru_maxrss` of the reaped
    /// command: the command or any one descendant it waited for): exact for that process, but
    /// a maximum over processes, not the sum of a tree. Larger than every sample.
    Rusage,
}

/// What the kernel keeps for a tree once it has ended: figures that no sample can miss. Read
/// by whoever reaped the command, and counted by [`Monitor::finish`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ExitFigures {
    /// Seconds from the start of monitoring to the end of the command (its wall time).
    pub ended_at_s: Option<f64>,
    /// The largest RSS of one process of the tree (`ru_maxrss`).
    pub max_rss_one: Option<u64>,
    /// CPU seconds of the command and the descendants it waited for (`ru_utime + ru_stime`,
    /// or velo's own children's time when velo reaped the orphans too).
    pub cpu_s: Option<f64>,
    /// The exact peak of the tree's charged memory (cgroup).
    pub cgroup_peak: Option<u64>,
}

/// Why monitoring stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ending {
    /// The process (or the command) ended.
    Exited,
    /// `--duration` passed.
    Duration,
    /// Ctrl-C or SIGTERM.
    Interrupted,
    /// A limit was crossed and `--kill-on-breach` stopped the tree.
    KilledOnBreach,
}

/// The monitored process.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TargetInfo {
    pub pid: i32,
    pub command: String,
}

/// Everything known at the end. JSON field names are the public contract (DESIGN.md).
#[derive(Debug, Clone, Serialize)]
pub struct MonitorReport {
    pub mode: Mode,
    pub target: Option<TargetInfo>,
    pub interval_s: f64,
    pub samples: usize,
    pub duration_s: f64,
    /// The mean gap between samples (the requested interval when the schedule held).
    pub mean_interval_s: Option<f64>,
    /// The largest RSS known for the tree: the larger of the sampled peak and the kernel's
    /// maximum of one process (`peak_source` says which), so never less than either. `--max-rss`
    /// is judged on it.
    pub peak_rss_bytes: Option<u64>,
    /// When the peak was seen (`None` for the kernel's figure: it keeps the peak, not when).
    pub peak_rss_at_s: Option<f64>,
    pub peak_source: Option<PeakSource>,
    /// The largest sampled RSS sum of the tree.
    pub sampled_peak_rss_bytes: Option<u64>,
    /// The kernel's maximum RSS of one process of the tree, known when velo reaped it (`wait4`).
    pub rusage_max_rss_bytes: Option<u64>,
    /// The tree's exact peak of charged memory (cgroup v2 `memory.peak` or v1
    /// `memory.max_usage_in_bytes`), when velo could make a group for the command: every
    /// process at once, shared pages counted once, and the page cache the tree brought in
    /// (reading a 200 MB file charges 200 MB with no RSS), so it is reported beside the RSS
    /// peak, not as it.
    pub cgroup_peak_bytes: Option<u64>,
    pub mean_rss_bytes: Option<u64>,
    pub peak_pss_bytes: Option<u64>,
    pub peak_uss_bytes: Option<u64>,
    /// The oldest PSS figure used in a sample (PSS is refreshed less often on big trees).
    pub pss_max_age_s: Option<f64>,
    pub mean_cpu_pct: Option<f64>,
    pub peak_cpu_pct: Option<f64>,
    pub cpu_seconds: Option<f64>,
    pub peak_threads: Option<u64>,
    pub peak_fds: Option<u64>,
    pub peak_processes: Option<usize>,
    pub processes_seen: Option<usize>,
    pub read_bytes: Option<u64>,
    pub write_bytes: Option<u64>,
    pub leak: Option<Leak>,
    pub breaches: Vec<Breach>,
    /// The processes at the RSS peak, largest first.
    pub at_peak: Vec<ProcSample>,
    pub ended: Ending,
    /// How the command ended (command mode).
    pub exit: Option<ExitInfo>,
    pub notes: Vec<String>,
    pub system: Option<SystemSummary>,
    /// The kept series (for the plot; not in JSON).
    #[serde(skip)]
    pub series: Vec<Point>,
    #[serde(skip)]
    pub system_series: Vec<SystemSample>,
}

impl MonitorReport {
    /// A report with no figures (no sample taken, nothing seen): the base that the modes
    /// without per-process samples fill in.
    fn empty(mode: Mode, interval: Duration, ended: Ending) -> Self {
        MonitorReport {
            mode,
            target: None,
            interval_s: interval.as_secs_f64(),
            samples: 0,
            duration_s: 0.0,
            mean_interval_s: None,
            peak_rss_bytes: None,
            peak_rss_at_s: None,
            peak_source: None,
            sampled_peak_rss_bytes: None,
            rusage_max_rss_bytes: None,
            cgroup_peak_bytes: None,
            mean_rss_bytes: None,
            peak_pss_bytes: None,
            peak_uss_bytes: None,
            pss_max_age_s: None,
            mean_cpu_pct: None,
            peak_cpu_pct: None,
            cpu_seconds: None,
            peak_threads: None,
            peak_fds: None,
            peak_processes: None,
            processes_seen: None,
            read_bytes: None,
            write_bytes: None,
            leak: None,
            breaches: Vec::new(),
            at_peak: Vec::new(),
            ended,
            exit: None,
            notes: Vec::new(),
            system: None,
            series: Vec::new(),
            system_series: Vec::new(),
        }
    }

    /// True when a limit was crossed.
    pub fn breached(&self) -> bool {
        !self.breaches.is_empty()
    }
}

/// What `run` is asked to do.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub interval: Duration,
    pub duration: Option<Duration>,
    pub limits: Limits,
    pub kill_on_breach: bool,
    /// Grace between the steps of the kill escalation.
    pub kill_after: Duration,
    pub pss: bool,
    /// Try a cgroup v2 child group for the command (for the exact peak).
    pub cgroup: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            interval: Duration::from_millis(500),
            duration: None,
            limits: Limits::default(),
            kill_on_breach: false,
            kill_after: Duration::from_secs(2),
            pss: true,
            cgroup: true,
        }
    }
}

/// What to watch.
pub enum Target {
    Pid(i32),
    Command(proc::Spec),
    System,
}

/// Told about progress as it happens (the CLI's live view, `--every` lines and `--record`).
pub trait Observer {
    fn sample(&mut self, _sample: &Sample, _summary: &Summary) {}
    fn system_sample(&mut self, _sample: &SystemSample) {}
    fn breach(&mut self, _breach: &Breach) {}
    /// Something worth telling now (the tree stopped, a signal was forwarded).
    fn note(&mut self, _message: &str) {}
}

/// An observer that ignores everything.
pub struct Quiet;
impl Observer for Quiet {}

/// Monitoring could not start.
#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    #[error(transparent)]
    Sampler(#[from] SamplerError),
    #[error(transparent)]
    Spawn(#[from] SpawnError),
    #[error(transparent)]
    System(#[from] system::Unsupported),
    #[error("PID {0} is this velo process itself: give the PID of the process to watch")]
    Itself(i32),
}

/// A sampler and its summary, for embedding (the runner's hook): sample on your own schedule
/// from one thread, then finish.
pub struct Monitor {
    sampler: Sampler,
    summary: Summary,
    interval: Duration,
    last_leak_check: f64,
}

impl Monitor {
    /// Watches `pid` and its descendants. `interval` is only recorded in the report (the caller
    /// keeps the schedule).
    pub fn new(
        pid: i32,
        opts: SamplerOptions,
        limits: Limits,
        interval: Duration,
    ) -> Result<Self, SamplerError> {
        Ok(Self {
            sampler: Sampler::new(pid, opts)?,
            summary: Summary::new(limits),
            interval,
            last_leak_check: 0.0,
        })
    }

    /// The tree as read when the monitor was created (time 0), once: call it first, so a
    /// process shorter than the interval still has a sample. `None` when there was nothing to
    /// read or it was taken already.
    pub fn first(&mut self) -> Option<(Sample, Vec<Breach>)> {
        let s = self.sampler.start_sample()?;
        let new = self.summary.push(&s);
        let breaches = new
            .into_iter()
            .map(|i| self.summary.breaches[i].clone())
            .collect();
        Some((s, breaches))
    }

    /// Reads the tree once. `None` when no process of it is left; otherwise the sample and the
    /// breaches crossed for the first time at it.
    pub fn sample(&mut self) -> Option<(Sample, Vec<Breach>)> {
        let s = self.sampler.sample()?;
        let new = self.summary.push(&s);
        let mut breaches: Vec<Breach> = new
            .into_iter()
            .map(|i| self.summary.breaches[i].clone())
            .collect();
        // The leak limit is judged on the fit, every few seconds (the fit is the costly part).
        if self.summary.limits().max_leak.is_some() && s.t_s - self.last_leak_check >= 5.0 {
            self.last_leak_check = s.t_s;
            let leak = self.summary.leak();
            if let Some(i) = self.summary.check_leak(&leak) {
                breaches.push(self.summary.breaches[i].clone());
            }
        }
        Some((s, breaches))
    }

    pub fn sampler(&self) -> &Sampler {
        &self.sampler
    }

    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// The report: peaks, means, leak verdict and breaches so far, with the kernel's final
    /// figures for the tree counted (`ExitFigures::default()` when there are none: a pid velo
    /// did not start).
    pub fn finish(
        self,
        mode: Mode,
        ended: Ending,
        exit: Option<ExitInfo>,
        figures: ExitFigures,
    ) -> MonitorReport {
        let Self {
            sampler,
            summary,
            interval,
            ..
        } = self;
        let mut notes = Vec::new();
        let u = sampler.unreadable();
        if u.io > 0 {
            notes.push(format!(
                "read/write bytes of {} process(es) could not be read (permission denied): run as their user or as root",
                u.io
            ));
        }
        if u.fds > 0 {
            notes.push(format!(
                "open descriptors of {} process(es) could not be counted (permission denied)",
                u.fds
            ));
        }
        if u.smaps > 0 {
            notes.push(format!(
                "PSS/USS of {} process(es) could not be read (smaps_rollup denied or missing); their RSS is used instead",
                u.smaps
            ));
        }
        let age = sampler.pss_max_age().as_secs_f64();
        if age > interval.as_secs_f64() * 1.5 {
            notes.push(format!(
                "PSS/USS were refreshed less often than RSS to keep the monitor cheap (each process at least every {age:.1}s)"
            ));
        }
        let root = sampler.root();
        let command = summary
            .at_peak
            .iter()
            .find(|p| p.pid == root)
            .map_or_else(|| crate::proc::tree::cmdline(root), |p| p.command.clone());
        let mut report = report_of(summary, mode, interval, ended, exit, figures, notes);
        report.target = Some(TargetInfo { pid: root, command });
        report.processes_seen = Some(sampler.processes_seen());
        report.pss_max_age_s = report.peak_pss_bytes.map(|_| age);
        report
    }
}

/// The report from a summary and the kernel's final figures (with or without samples).
fn report_of(
    mut summary: Summary,
    mode: Mode,
    interval: Duration,
    ended: Ending,
    exit: Option<ExitInfo>,
    figures: ExitFigures,
    mut notes: Vec<String>,
) -> MonitorReport {
    let sampled = (summary.samples > 0).then_some(summary.peak_rss);
    let end = figures
        .ended_at_s
        .map_or(summary.duration_s, |e| e.max(summary.duration_s));
    summary.duration_s = end;
    summary.count_final(figures.max_rss_one, figures.cpu_s, end);
    let leak = summary.leak();
    summary.check_leak(&leak);
    let has = summary.samples > 0;
    // Any figure at all: a sample, or the kernel's for a command that ended before the first.
    let known = has || figures.max_rss_one.is_some();
    let source = match (sampled, figures.max_rss_one) {
        (Some(s), Some(k)) if k > s => Some(PeakSource::Rusage),
        (None, Some(_)) => Some(PeakSource::Rusage),
        (Some(_), _) => Some(PeakSource::Sampled),
        (None, None) => None,
    };
    if source == Some(PeakSource::Rusage) {
        notes.push(
            "the peak RSS is the kernel's own figure for the largest process (wait4's maximum RSS), above every sample; a tree's processes at once may have held more".to_string(),
        );
    }
    if let (Some(c), Some(max)) = (figures.cgroup_peak, summary.limits().max_rss) {
        if c > max && !summary.breaches.iter().any(|b| b.limit == "max-rss") {
            notes.push(format!(
                "the tree's charged memory peaked at {} (cgroup, page cache included), above --max-rss {}; its RSS never was",
                crate::units::format_size(c),
                crate::units::format_size(max)
            ));
        }
    }
    MonitorReport {
        mode,
        target: None,
        interval_s: interval.as_secs_f64(),
        samples: summary.samples,
        duration_s: summary.duration_s,
        mean_interval_s: summary.mean_interval(),
        peak_rss_bytes: known.then_some(summary.peak_rss),
        // The kernel keeps the peak, not when it was.
        peak_rss_at_s: (has && source == Some(PeakSource::Sampled))
            .then_some(summary.peak_rss_at_s),
        peak_source: source,
        sampled_peak_rss_bytes: sampled,
        rusage_max_rss_bytes: figures.max_rss_one,
        cgroup_peak_bytes: figures.cgroup_peak,
        mean_rss_bytes: has.then(|| summary.mean_rss() as u64),
        peak_pss_bytes: summary.peak_pss,
        peak_uss_bytes: summary.peak_uss,
        pss_max_age_s: None,
        mean_cpu_pct: (summary.duration_s > 0.0 && (has || figures.cpu_s.is_some()))
            .then(|| summary.mean_cpu()),
        peak_cpu_pct: summary.peak_cpu,
        cpu_seconds: (has || figures.cpu_s.is_some()).then_some(summary.cpu_s),
        peak_threads: has.then_some(summary.peak_threads),
        peak_fds: summary.peak_fds,
        peak_processes: has.then_some(summary.peak_processes),
        processes_seen: None,
        read_bytes: summary.read_bytes,
        write_bytes: summary.write_bytes,
        leak: Some(leak),
        breaches: summary.breaches,
        at_peak: summary.at_peak,
        ended,
        exit,
        notes,
        system: None,
        series: summary.series,
        system_series: Vec::new(),
    }
}

/// A fixed-rate schedule on absolute deadlines: tick k is due at `start + k × interval`, so
/// the time spent sampling never delays later ticks; ticks missed entirely (a stopped
/// machine) are skipped, not bunched.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    start: Instant,
    interval: Duration,
    k: u32,
}

impl Schedule {
    pub fn new(start: Instant, interval: Duration) -> Self {
        Self {
            start,
            interval: interval.max(Duration::from_millis(1)),
            k: 1,
        }
    }

    /// When the next tick is due.
    pub fn next(&self) -> Instant {
        self.start + self.interval * self.k
    }

    /// Moves past the tick just taken (and past any already missed).
    pub fn advance(&mut self, now: Instant) {
        self.k += 1;
        let behind =
            now.saturating_duration_since(self.start).as_nanos() / self.interval.as_nanos();
        let behind = u32::try_from(behind).unwrap_or(u32::MAX);
        if behind >= self.k {
            self.k = behind + 1;
        }
    }
}

/// When to take the next sample: the next tick, or the end of `--duration` if sooner (a
/// duration shorter than the interval is kept, and the last sample is taken at its end).
fn wake_at(schedule: &Schedule, start: Instant, duration: Option<Duration>) -> Instant {
    let next = schedule.next();
    duration.map_or(next, |d| next.min(start + d))
}

/// Sleeps until `until` or until `cancel` turns true (checked at least every 100 ms).
fn sleep_until(until: Instant, cancel: &AtomicBool) {
    loop {
        let now = Instant::now();
        if now >= until || cancel.load(Ordering::SeqCst) {
            return;
        }
        std::thread::sleep((until - now).min(Duration::from_millis(100)));
    }
}

/// Runs the monitor to its end. `received` names the signal behind `cancel` (forwarded to a
/// command velo started).
pub fn run(
    target: Target,
    opts: &RunOptions,
    cancel: &AtomicBool,
    received: &dyn Fn() -> Option<i32>,
    observer: &mut dyn Observer,
) -> Result<MonitorReport, MonitorError> {
    match target {
        Target::Pid(pid) => run_pid(pid, opts, cancel, observer),
        Target::Command(spec) => run_command(&spec, opts, cancel, received, observer),
        Target::System => run_system(opts, cancel, observer),
    }
}

fn sampler_options(opts: &RunOptions) -> SamplerOptions {
    SamplerOptions {
        pss: opts.pss,
        ..SamplerOptions::default()
    }
}

fn tell(observer: &mut dyn Observer, m: &Monitor, sample: &Sample, breaches: &[Breach]) {
    observer.sample(sample, m.summary());
    for b in breaches {
        observer.breach(b);
    }
}

fn run_pid(
    pid: i32,
    opts: &RunOptions,
    cancel: &AtomicBool,
    observer: &mut dyn Observer,
) -> Result<MonitorReport, MonitorError> {
    if u32::try_from(pid).is_ok_and(|p| p == std::process::id()) {
        return Err(MonitorError::Itself(pid));
    }
    let mut m = Monitor::new(pid, sampler_options(opts), opts.limits, opts.interval)?;
    let start = m.sampler().started();
    let mut schedule = Schedule::new(start, opts.interval);
    let mut next = m.first();
    let ending = loop {
        if let Some((sample, breaches)) = next.take() {
            tell(observer, &m, &sample, &breaches);
            if !breaches.is_empty() && opts.kill_on_breach {
                observer.note(&format!(
                    "stopping the tree of PID {pid} ({} process(es)): limit crossed",
                    m.sampler().pids().len()
                ));
                kill_identities(&m.sampler().identities(), opts.kill_after);
                break Ending::KilledOnBreach;
            }
            if m.sampler().root_gone() {
                break Ending::Exited;
            }
            if opts.duration.is_some_and(|d| start.elapsed() >= d) {
                break Ending::Duration;
            }
        }
        sleep_until(wake_at(&schedule, start, opts.duration), cancel);
        if cancel.load(Ordering::SeqCst) {
            break Ending::Interrupted;
        }
        let Some(taken) = m.sample() else {
            break Ending::Exited;
        };
        next = Some(taken);
        schedule.advance(Instant::now());
    };
    let mut report = m.finish(Mode::Pid, ending, None, ExitFigures::default());
    if ending == Ending::Exited {
        report.notes.push(format!(
            "PID {pid} exited after {} (a process velo did not start leaves no final figures: its peak is sampled)",
            crate::units::format_duration(start.elapsed())
        ));
    }
    Ok(report)
}

/// The CPU time, in clock ticks, of every child velo has reaped so far (its own `cutime` and
/// `cstime`, which take in the children those children reaped).
fn reaped_children_ticks() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/stat").ok()?;
    let stat = proc::procfs::parse_pid_stat(&text)?;
    Some(stat.cutime + stat.cstime)
}

/// A group for the command's exact peak, or why there is none.
fn make_group(opts: &RunOptions) -> Result<cgroup::Group, String> {
    if opts.cgroup {
        cgroup::Group::create()
    } else {
        Err("disabled".to_string())
    }
}

fn run_command(
    spec: &proc::Spec,
    opts: &RunOptions,
    cancel: &AtomicBool,
    received: &dyn Fn() -> Option<i32>,
    observer: &mut dyn Observer,
) -> Result<MonitorReport, MonitorError> {
    let mut group = make_group(opts);
    let reaped_before = reaped_children_ticks();
    let mut running = match &group {
        Ok(g) => {
            let (running, inside) = g.spawn_inside(spec)?;
            if !inside {
                group = Err("velo could not move itself into the group it made".to_string());
            }
            running
        }
        Err(_) => Running::spawn(spec)?,
    };
    let pid = running.pid();
    let sopts = SamplerOptions {
        adopt_tag: Some(running.tag().to_string()),
        root_reaped_elsewhere: true,
        ..sampler_options(opts)
    };
    let Ok(mut m) = Monitor::new(pid, sopts, opts.limits, opts.interval) else {
        // Ended before the first read: no sample, but the kernel's figures hold.
        let finished = running.finish();
        let figures = exit_figures(&finished, reaped_before, group.as_ref().ok());
        let mut notes = vec![
            "the command ended before the first sample: its figures are the kernel's, kept at its exit".to_string(),
        ];
        group_note(&group, opts, &mut notes);
        let mut report = report_of(
            Summary::new(opts.limits),
            Mode::Command,
            opts.interval,
            Ending::Exited,
            Some(finished.exit),
            figures,
            notes,
        );
        report.target = Some(TargetInfo {
            pid,
            command: spec_line(spec),
        });
        report.processes_seen = Some(1);
        for b in &report.breaches {
            observer.breach(b);
        }
        return Ok(report);
    };
    let start = m.sampler().started();
    // How much later than the command the monitor's clock started.
    let offset = running.elapsed().saturating_sub(start.elapsed());
    let mut schedule = Schedule::new(start, opts.interval);
    let mut forwarded: Option<(i32, Instant)> = None;
    let mut next = m.first();
    let ending = 'outer: loop {
        if let Some((sample, breaches)) = next.take() {
            tell(observer, &m, &sample, &breaches);
            if !breaches.is_empty() && opts.kill_on_breach {
                observer.note(&format!(
                    "stopping the command's tree ({} process(es)): limit crossed",
                    m.sampler().pids().len()
                ));
                let ids = m.sampler().identities();
                running.terminate(opts.kill_after);
                // Members that left the group and lost the tag are still known by pid.
                kill_identities(&ids, Duration::ZERO);
                break Ending::KilledOnBreach;
            }
            if opts.duration.is_some_and(|d| start.elapsed() >= d) {
                observer.note("--duration reached: stopping the command");
                let ids = m.sampler().identities();
                running.terminate(opts.kill_after);
                kill_identities(&ids, Duration::ZERO);
                break Ending::Duration;
            }
        }
        // Wait for the tick, handling output and the command's exit meanwhile.
        loop {
            let now = Instant::now();
            let due = wake_at(&schedule, start, opts.duration);
            if now >= due {
                break;
            }
            if running.wait_for(due - now).is_some() {
                break 'outer if forwarded.is_some() {
                    Ending::Interrupted
                } else {
                    Ending::Exited
                };
            }
            if cancel.load(Ordering::SeqCst) && forwarded.is_none() {
                let sig = received().unwrap_or(Signal::TERM.as_raw());
                if let Some(s) = Signal::from_named_raw(sig) {
                    proc::tree::signal_group(pid, s);
                    observer.note(&format!(
                        "forwarded {} to the command; waiting for it to end",
                        signal_name(sig)
                    ));
                }
                forwarded = Some((sig, Instant::now()));
            }
            if let Some((_, at)) = forwarded {
                if at.elapsed() >= opts.kill_after {
                    running.terminate(opts.kill_after);
                    break 'outer Ending::Interrupted;
                }
            }
        }
        let Some(taken) = m.sample() else {
            // Nothing of the tree left but the command is not reaped yet: wait for it.
            running.wait_for(Duration::from_secs(3600));
            break Ending::Exited;
        };
        next = Some(taken);
        schedule.advance(Instant::now());
    };
    // The sample at the exit: what is left of the tree (descendants still running are
    // stopped below, so this is their last look).
    if ending == Ending::Exited {
        if let Some((sample, breaches)) = m.sample() {
            tell(observer, &m, &sample, &breaches);
        }
    }
    let ids = m.sampler().identities();
    let finished = running.finish();
    kill_identities(&ids, Duration::ZERO);
    let figures = ExitFigures {
        // On the monitor's clock, which started just after the command.
        ended_at_s: Some(finished.duration.saturating_sub(offset).as_secs_f64()),
        ..exit_figures(&finished, reaped_before, group.as_ref().ok())
    };
    let told = m.summary().breaches.len();
    let mut report = m.finish(Mode::Command, ending, Some(finished.exit), figures);
    // Limits crossed on the kernel's final figures: told now, as the others were.
    for b in report.breaches.iter().skip(told) {
        observer.breach(b);
    }
    report.target = Some(TargetInfo {
        pid,
        command: spec_line(spec),
    });
    group_note(&group, opts, &mut report.notes);
    for l in &finished.leaked {
        report.notes.push(format!(
            "process {} ({}) outlived the command and was stopped",
            l.pid, l.command
        ));
    }
    Ok(report)
}

/// The kernel's figures for a finished command: `wait4`'s rusage, the CPU time of every child
/// velo reaped during the run (the command and its orphans), and the group's peak.
fn exit_figures(
    finished: &proc::Finished,
    reaped_before: Option<u64>,
    group: Option<&cgroup::Group>,
) -> ExitFigures {
    // Once velo has reaped the command, its own children's time holds the exact CPU of every
    // process of the tree that was waited for (orphans reaped by velo included).
    let reaped = reaped_before
        .zip(reaped_children_ticks())
        .map(|(b, a)| a.saturating_sub(b) as f64 / proc::procfs::clock_ticks() as f64);
    let rusage_cpu = finished.usage.map(|u| u.cpu.as_secs_f64());
    let cpu_s = match (reaped, rusage_cpu) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    ExitFigures {
        ended_at_s: Some(finished.duration.as_secs_f64()),
        max_rss_one: finished.usage.map(|u| u.max_rss_bytes),
        cpu_s,
        cgroup_peak: group.and_then(cgroup::Group::peak),
    }
}

/// Says why the tree's exact peak is missing, when velo tried to get it.
fn group_note(group: &Result<cgroup::Group, String>, opts: &RunOptions, notes: &mut Vec<String>) {
    if let Err(why) = group {
        if opts.cgroup {
            notes.push(format!("no exact peak of the whole tree (cgroup): {why}"));
        }
    }
}

/// `SIGINT`, `SIGTERM`, `SIGHUP` by name, others by number.
fn signal_name(sig: i32) -> String {
    match Signal::from_named_raw(sig) {
        Some(Signal::INT) => "SIGINT".to_string(),
        Some(Signal::TERM) => "SIGTERM".to_string(),
        Some(Signal::HUP) => "SIGHUP".to_string(),
        _ => format!("signal {sig}"),
    }
}

/// The command on one line (an argument holding a script shows its words, not its newlines),
/// secrets masked.
fn spec_line(spec: &proc::Spec) -> String {
    let args: Vec<String> = std::iter::once(&spec.program)
        .chain(&spec.args)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    crate::secret::mask_args(&args)
}

fn run_system(
    opts: &RunOptions,
    cancel: &AtomicBool,
    observer: &mut dyn Observer,
) -> Result<MonitorReport, MonitorError> {
    let mut sys = SystemSampler::new()?;
    let start = Instant::now();
    let mut schedule = Schedule::new(start, opts.interval);
    let mut series = Vec::new();
    let ending = loop {
        sleep_until(wake_at(&schedule, start, opts.duration), cancel);
        if cancel.load(Ordering::SeqCst) {
            break Ending::Interrupted;
        }
        if let Some(s) = sys.sample() {
            observer.system_sample(&s);
            series.push(s);
        }
        if opts.duration.is_some_and(|d| start.elapsed() >= d) {
            break Ending::Duration;
        }
        schedule.advance(Instant::now());
    };
    let samples = series.len();
    let duration_s = series.last().map_or(0.0, |s| s.t_s);
    Ok(MonitorReport {
        samples,
        duration_s,
        mean_interval_s: (samples > 0 && duration_s > 0.0).then(|| duration_s / samples as f64),
        system: Some(sys.finish()),
        system_series: series,
        ..MonitorReport::empty(Mode::System, opts.interval, ending)
    })
}

/// One look at a tree: the per-process breakdown, CPU measured over `over`.
pub fn snapshot(pid: i32, pss: bool, over: Duration) -> Result<Sample, SamplerError> {
    let mut s = Sampler::new(
        pid,
        SamplerOptions {
            pss,
            ..SamplerOptions::default()
        },
    )?;
    std::thread::sleep(over);
    s.sample().ok_or(SamplerError::Ended(pid))
}

/// Stops processes known by `(pid, start time)`: SIGTERM, up to `grace` for them to go, then
/// SIGKILL. A pid now held by another process (a different start time) is left alone.
pub fn kill_identities(ids: &[(i32, u64)], grace: Duration) {
    let mut reader = crate::proc::procfs::Reader::new();
    let alive = |reader: &mut crate::proc::procfs::Reader| -> Vec<i32> {
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
                proc::tree::signal_pid(pid, Signal::TERM);
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
                proc::tree::signal_pid(pid, Signal::KILL);
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_monitor_can_be_driven_from_another_thread() {
        fn send<T: Send>() {}
        send::<Monitor>();
    }

    #[test]
    fn the_schedule_does_not_drift_and_skips_missed_ticks() {
        let t0 = Instant::now();
        let mut s = Schedule::new(t0, Duration::from_millis(100));
        assert_eq!(s.next() - t0, Duration::from_millis(100));
        // Sampling took 30 ms: the next tick is still on the grid.
        s.advance(t0 + Duration::from_millis(130));
        assert_eq!(s.next() - t0, Duration::from_millis(200));
        // Stalled for a second: missed ticks are skipped.
        s.advance(t0 + Duration::from_millis(1250));
        assert_eq!(s.next() - t0, Duration::from_millis(1300));
    }

    #[test]
    fn a_monitor_follows_a_child_to_its_end() {
        let mut child = std::process::Command::new("sh")
            .args(["-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done"])
            // Tagged: an untagged child of this process is fair game for the orphan sweep of
            // a run in a test running in parallel.
            .env(crate::proc::TAG_VAR, "monitor-follow-test")
            .spawn()
            .unwrap();
        let mut m = Monitor::new(
            child.id() as i32,
            SamplerOptions::default(),
            Limits::default(),
            Duration::from_millis(50),
        )
        .unwrap();
        let mut n = 0;
        while m.sample().is_some() && n < 400 {
            n += 1;
            std::thread::sleep(Duration::from_millis(20));
            if m.sampler().root_gone() {
                break;
            }
        }
        let _ = child.wait();
        let r = m.finish(Mode::Pid, Ending::Exited, None, ExitFigures::default());
        assert!(r.samples >= 1);
        assert!(r.peak_rss_bytes.unwrap() > 0);
    }
}
