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

pub mod leak;
mod run;
pub mod sampler;
pub mod summary;
pub mod system;

use std::ffi::OsString;
use std::time::{Duration, Instant};

use serde::Serialize;

/// Why a command could not start (its kind decides the exit code: 127, 126, 125).
pub use crate::proc::SpawnError;
use crate::proc::{ExitInfo, Sink};
pub use leak::{Leak, Verdict};
pub use run::run;
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
    /// A command velo starts (in its own process group, velo's stdin inherited), its output
    /// passed through live to two writers (see [`crate::proc::Passthrough`]).
    Command {
        program: OsString,
        args: Vec<OsString>,
        stdout: Sink,
        stderr: Sink,
    },
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
pub(crate) fn report_of(
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
