//! The one runner driver of the per-test modes. What differs between pytest, cargo and go
//! (listing the tests, running a batch of them and reading its events, telling which test can
//! run again alone) sits behind [`Mode`]; selection (`--partition`, earlier failures first),
//! scheduling on the worker pool (`--jobs` batches at once), the whole-run deadline, retries
//! with backoff, announcing results (which streams the JUnit file) and assembling the report
//! are written once, here.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::pool::{self, RetryPolicy};
use crate::proc::Limits;

use super::{
    round_ms, strip_ansi, Attempt, LeakNote, Outcome, Progress, RunReport, SessionConfig,
    SpawnError, TestResult,
};

/// One batch to run and the test ids it covers (for ordering earlier failures first).
pub struct Planned<B> {
    pub ids: Vec<String>,
    pub batch: B,
}

/// What a mode will run.
pub struct Plan<B> {
    pub batches: Vec<Planned<B>>,
    /// Results known without running anything (a package or test binary that did not build,
    /// a module that failed at collection); announced by the driver.
    pub finished: Vec<TestResult>,
    /// Listing was cut short (Ctrl-C, the whole-run deadline).
    pub interrupted: bool,
}

impl<B> Default for Plan<B> {
    fn default() -> Self {
        Self {
            batches: Vec::new(),
            finished: Vec::new(),
            interrupted: false,
        }
    }
}

/// What running one batch gave.
#[derive(Debug, Default)]
pub struct BatchOut {
    pub results: Vec<TestResult>,
    pub leaked: Vec<LeakNote>,
    /// Cut short by Ctrl-C or the whole-run deadline.
    pub interrupted: bool,
}

/// What differs between the per-test modes.
pub trait Mode: Sync {
    /// What one process or session runs: one test (cargo), one package's tests (go), a shard
    /// of the collected tests (pytest).
    type Batch: Send + Sync;
    /// Why a run could not be carried out at all.
    type Error;

    /// The framework's name in reports (`pytest`, `cargo`, `go`).
    fn name(&self) -> &'static str;

    /// Builds and lists what to run, keeping only what [`Run::selects`].
    fn plan(&self, run: &Run) -> Result<Plan<Self::Batch>, Self::Error>;

    /// Runs one batch to its end (after a hang, the rest of the batch still runs), calling
    /// [`Run::announce`] for each finished test when `announce` is set (not for retries: the
    /// driver announces the merged record).
    fn run_batch(&self, run: &Run, batch: &Self::Batch, announce: bool) -> BatchOut;

    /// The batch that runs test `id` of `batch` again on its own, or `None` when it cannot run
    /// alone (a subtest, retried with its parent; a module that failed at collection).
    fn retry_batch(&self, batch: &Self::Batch, id: &str) -> Option<Self::Batch>;

    /// Puts a batch's results in the order reports show them (after retries); by default the
    /// order they finished in.
    fn order(&self, _batch: &Self::Batch, _results: &mut [TestResult]) {}
}

/// What every part of a run shares: the settings, the cancel flag, the deadline.
pub struct Run<'a> {
    pub cfg: &'a SessionConfig,
    pub cancel: &'a AtomicBool,
    /// The whole run's deadline (`--timeout`).
    pub deadline: Option<Instant>,
    on_progress: &'a (dyn Fn(Progress) + Sync),
    counter: AtomicU32,
    /// `--partition`: every test id the mode listed (every shard's), for the work hash.
    listed: Mutex<Vec<String>>,
}

impl<'a> Run<'a> {
    pub fn new(
        cfg: &'a SessionConfig,
        cancel: &'a AtomicBool,
        on_progress: &'a (dyn Fn(Progress) + Sync),
    ) -> Self {
        Self {
            cfg,
            cancel,
            deadline: cfg.timeout.map(|t| Instant::now() + t),
            on_progress,
            counter: AtomicU32::new(0),
            listed: Mutex::new(Vec::new()),
        }
    }

    /// Cancelled, or past the whole-run deadline: start nothing new.
    pub fn over(&self) -> bool {
        self.cancel.load(Ordering::SeqCst) || self.past_deadline()
    }

    pub fn past_deadline(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }

    /// Time left before the whole-run deadline.
    pub fn time_left(&self) -> Option<Duration> {
        self.deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
    }

    /// Limits for a helper process (a build, a listing): the time left, the kill grace.
    pub fn limits(&self) -> Limits {
        Limits {
            timeout: self.time_left(),
            kill_after: self.cfg.kill_after,
            ..Limits::default()
        }
    }

    /// The per-test limit capped by the time left: the timeout of a one-test process.
    pub fn test_limit(&self) -> Option<Duration> {
        match (self.cfg.test_timeout, self.time_left()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Whether test `id` is in this run's shard (`--partition`). Every mode asks it of every
    /// test it lists, so under `--partition` it also records the whole list (the work hash).
    pub fn selects(&self, id: &str) -> bool {
        self.cfg.partition.is_none_or(|p| {
            self.listed
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(id.to_string());
            p.selects(id)
        })
    }

    /// Stamps a shard's report with its K/N, its task's name and the work hash: the
    /// framework, the command and every listed test id (sorted, each once).
    fn stamp(&self, framework: &str, report: &mut RunReport) {
        let Some(p) = self.cfg.partition else {
            return;
        };
        let mut ids =
            std::mem::take(&mut *self.listed.lock().unwrap_or_else(PoisonError::into_inner));
        ids.sort_unstable();
        ids.dedup();
        let command: Vec<String> = self
            .cfg
            .command
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let (command, ids) = (command.join("\u{1e}"), ids.join("\u{1e}"));
        report.shard = Some(p.to_string());
        report.shard_task = p.from.map(|_| p.task());
        report.work_hash = Some(crate::shard::work_hash(&[framework, &command, &ids]));
    }

    /// A fresh label for a process's output files (`what-N`).
    pub fn label(&self, what: &str) -> String {
        format!("{what}-{}", self.counter.fetch_add(1, Ordering::Relaxed))
    }

    /// Where processes' output files go (`--output-dir`, else the run's scratch folder).
    pub fn out_dir(&self) -> &Path {
        self.cfg.output_dir.as_deref().unwrap_or(&self.cfg.work_dir)
    }

    /// `--monitor`: process `pid` now runs tests `ids` (none: between tests).
    pub fn track<'i>(&self, pid: i32, ids: impl IntoIterator<Item = &'i str>) {
        if let Some(t) = &self.cfg.tracker {
            t.set(pid, ids);
        }
    }

    /// `--monitor`: process `pid` ended.
    pub fn untrack(&self, pid: i32) {
        if let Some(t) = &self.cfg.tracker {
            t.ended(pid);
        }
    }

    /// `--test-memory`: a cgroup with the limit for one test process (`None`: no limit asked,
    /// or judged on samples).
    pub fn memory_group(
        &self,
        what: &str,
    ) -> Result<Option<crate::proc::cgroup::Group>, SpawnError> {
        match self.cfg.memory.map(|m| m.group(what)) {
            Some(Ok(g)) => Ok(g),
            Some(Err(why)) => Err(SpawnError::Io {
                program: "--test-memory".to_string(),
                source: std::io::Error::other(why.to_string()),
            }),
            None => Ok(None),
        }
    }

    /// Tells the user (and the JUnit stream) that a test finished.
    pub fn announce(&self, t: &TestResult) {
        (self.on_progress)(Progress::Finished(t));
    }
}

/// Runs a per-test mode to the end: plan, run the batches `--jobs` at a time (earlier failures
/// first), retry what failed, and assemble the report.
pub fn run<M: Mode>(
    mode: &M,
    cfg: &SessionConfig,
    cancel: &AtomicBool,
    on_progress: &(dyn Fn(Progress) + Sync),
) -> Result<RunReport, M::Error> {
    let started = Instant::now();
    let run = Run::new(cfg, cancel, on_progress);
    let mut plan = mode.plan(&run)?;
    for t in &plan.finished {
        run.announce(t);
    }
    // Earlier failures first (--watch); the sort is stable.
    plan.batches
        .sort_by_key(|b| !b.ids.iter().any(|id| cfg.first.contains(id)));
    let mut finished: Vec<(usize, BatchOut)> = Vec::new();
    let opts = pool::Options {
        jobs: cfg.jobs,
        // Each mode enforces the per-test limit itself (a batch holds many tests) and a late
        // result is still the result: no pool timeouts.
        item_timeout: None,
        deadline: None,
    };
    let work = |_: &pool::Ctx, planned: Planned<M::Batch>| {
        if run.over() {
            return BatchOut {
                interrupted: true,
                ..BatchOut::default()
            };
        }
        let mut out = mode.run_batch(&run, &planned.batch, true);
        if !out.interrupted && cfg.retries > 0 {
            retry_bad(mode, &run, &planned.batch, &mut out);
        }
        mode.order(&planned.batch, &mut out.results);
        out
    };
    let stats = pool::run(plan.batches.into_iter(), &opts, cancel, work, |i, done| {
        if let pool::Done::Ok(out) = done {
            finished.push((i, out));
        }
    });
    finished.sort_by_key(|(i, _)| *i);
    let mut tests = plan.finished;
    let mut leaked = Vec::new();
    let mut interrupted = plan.interrupted || (stats.not_started > 0 && run.over());
    for (_, out) in finished {
        for t in out.results {
            // A module that fails at collection fails in every shard's session: count it once.
            if !tests.iter().any(|o: &TestResult| o.id == t.id) {
                tests.push(t);
            }
        }
        leaked.extend(out.leaked);
        interrupted |= out.interrupted;
    }
    for t in &mut tests {
        clean(t);
    }
    let mut report = RunReport::new(mode.name(), tests, started.elapsed());
    report.leaked = leaked;
    report.interrupted = interrupted || cancel.load(Ordering::SeqCst);
    run.stamp(mode.name(), &mut report);
    Ok(report)
}

/// Strips terminal escape codes from what reports show.
pub fn clean(t: &mut TestResult) {
    for text in [&mut t.excerpt, &mut t.message, &mut t.output] {
        if text.contains('\u{1b}') {
            *text = strip_ansi(text);
        }
    }
    for a in &mut t.previous {
        a.excerpt = strip_ansi(&a.excerpt);
        a.message = strip_ansi(&a.message);
    }
}

/// How a retry went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retried {
    StillBad,
    Good,
    /// Interrupted, or the test did not come back: no further attempt.
    Stop,
}

/// Retries every bad test of a finished batch in fresh processes, with backoff, until it
/// passes or the retries run out.
fn retry_bad<M: Mode>(mode: &M, run: &Run, batch: &M::Batch, out: &mut BatchOut) {
    let policy = RetryPolicy {
        retries: run.cfg.retries,
        backoff: run.cfg.retry_backoff,
    };
    let mut i = 0;
    while i < out.results.len() {
        let (id, bad, attempts) = {
            let t = &out.results[i];
            (t.id.clone(), t.outcome.is_bad(), t.attempts)
        };
        i += 1;
        if !bad {
            continue;
        }
        let Some(again) = mode.retry_batch(batch, &id) else {
            continue;
        };
        let mut interrupted = false;
        pool::retry(
            &policy,
            run.cancel,
            |n| {
                if n == 1 {
                    // The first attempt is the batch's own.
                    return Retried::StillBad;
                }
                let fresh = mode.run_batch(run, &again, false);
                out.leaked.extend(fresh.leaked);
                let mut found = None;
                for new in fresh.results {
                    let k = merge_attempt(&mut out.results, new);
                    run.announce(&out.results[k]);
                    if out.results[k].id == id {
                        found = Some(out.results[k].outcome);
                    }
                }
                if fresh.interrupted {
                    interrupted = true;
                    return Retried::Stop;
                }
                match found {
                    Some(o) if o.is_bad() => Retried::StillBad,
                    Some(_) => Retried::Good,
                    None => Retried::Stop,
                }
            },
            |r| *r == Retried::StillBad,
            |_, n| {
                (run.on_progress)(Progress::Retrying {
                    id: &id,
                    attempt: attempts + n - 1,
                });
            },
        );
        if interrupted || run.cancel.load(Ordering::SeqCst) {
            out.interrupted = true;
            return;
        }
    }
}

/// Folds a new attempt of a test into its record: the old attempt moves to `previous`, times
/// add up, and a pass after a bad attempt is flaky. Returns the record's index.
pub fn merge_attempt(results: &mut Vec<TestResult>, new: TestResult) -> usize {
    let Some(k) = results.iter().position(|t| t.id == new.id) else {
        results.push(new);
        return results.len() - 1;
    };
    let old = &mut results[k];
    let mut previous = std::mem::take(&mut old.previous);
    let earlier: f64 = previous.iter().map(|a| a.duration_s).sum();
    previous.push(Attempt {
        outcome: old.outcome,
        duration_s: round_ms((old.duration_s - earlier).max(0.0)),
        message: std::mem::take(&mut old.message),
        excerpt: std::mem::take(&mut old.excerpt),
    });
    let was_bad = previous.iter().any(|a| a.outcome.is_bad());
    let attempts = old.attempts + 1;
    let total = round_ms(old.duration_s + new.duration_s);
    *old = TestResult { previous, ..new };
    old.attempts = attempts;
    old.duration_s = total;
    if old.outcome == Outcome::Passed && was_bad {
        old.outcome = Outcome::Flaky;
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retry_adds_its_time_and_a_pass_after_a_timeout_is_flaky() {
        let mut results = vec![TestResult::new(
            "t::slow",
            Outcome::TimedOut,
            Duration::from_secs(3),
        )];
        let k = merge_attempt(
            &mut results,
            TestResult::new("t::slow", Outcome::Passed, Duration::from_millis(250)),
        );
        let t = &results[k];
        assert_eq!(t.outcome, Outcome::Flaky);
        assert_eq!(t.attempts, 2);
        assert!((t.duration_s - 3.25).abs() < 1e-9, "{}", t.duration_s);
        assert_eq!(t.previous.len(), 1);
        assert!((t.previous[0].duration_s - 3.0).abs() < 1e-9);
        // A third attempt keeps each attempt's own time.
        let k = merge_attempt(
            &mut results,
            TestResult::new("t::slow", Outcome::Failed, Duration::from_secs(1)),
        );
        let t = &results[k];
        assert_eq!(t.attempts, 3);
        assert!((t.duration_s - 4.25).abs() < 1e-9);
        assert!((t.previous[1].duration_s - 0.25).abs() < 1e-9);
    }

    #[test]
    fn escape_codes_leave_every_excerpt() {
        let mut t = TestResult::new("a", Outcome::Failed, Duration::ZERO);
        t.excerpt = "\u{1b}[31mE   assert 1 == 2\u{1b}[0m".into();
        clean(&mut t);
        assert_eq!(t.excerpt, "E   assert 1 == 2");
    }
}
