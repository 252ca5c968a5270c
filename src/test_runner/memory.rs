//! `--monitor`: the figures of `velo monitor` for a whole test run (peak RSS and PSS of the
//! tree, CPU, threads, descriptors, leak verdict, a `--max-rss` budget), and in the per-test
//! modes the peak RSS of each test.
//!
//! One [`Hook`] samples velo's own process tree (every test process is velo's descendant,
//! whichever pool worker started it) on its own thread, on absolute deadlines. The modes tell
//! the [`Tracker`] which tests run in which process as their events arrive; at each sample the
//! RSS of that process and its descendants is attributed to the tests it runs then. A test's
//! figure is therefore sampled: a test shorter than the interval may get none, and a spike
//! between two samples is missed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::monitor::{
    Ending, ExitFigures, Limits, Mode, Monitor, MonitorReport, Sample, SamplerError,
    SamplerOptions, Schedule,
};

/// Which tests run in which process, as the modes learn it.
#[derive(Debug, Default)]
pub struct Tracker {
    running: Mutex<HashMap<i32, Vec<String>>>,
}

impl Tracker {
    /// Process `pid` (with its descendants) now runs `ids` (none: between tests).
    pub fn set<'a>(&self, pid: i32, ids: impl IntoIterator<Item = &'a str>) {
        let mut map = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        let ids: Vec<String> = ids.into_iter().map(str::to_string).collect();
        if ids.is_empty() {
            map.remove(&pid);
        } else if map.get(&pid) != Some(&ids) {
            map.insert(pid, ids);
        }
    }

    /// Process `pid` ended.
    pub fn ended(&self, pid: i32) {
        self.running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&pid);
    }

    fn snapshot(&self) -> Vec<(i32, Vec<String>)> {
        self.running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|(p, ids)| (*p, ids.clone()))
            .collect()
    }
}

/// What `--monitor` asks for.
#[derive(Debug, Clone, Copy)]
pub struct HookOptions {
    pub interval: Duration,
    /// `--max-rss`: the tree's RSS budget (a breach fails the run).
    pub max_rss: Option<u64>,
}

/// One test's sampled memory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestMemory {
    pub id: String,
    /// The largest RSS of the test's process tree in a sample taken while the test ran.
    pub peak_rss_bytes: u64,
    /// Samples taken while it ran.
    pub samples: usize,
}

/// The run's figures: `velo monitor`'s report of velo's tree, and the top tests.
#[derive(Debug, Clone, Serialize)]
pub struct RunMonitor {
    #[serde(flatten)]
    pub figures: MonitorReport,
    /// Whether the mode knows which test runs in which process (per-test figures).
    pub per_test: bool,
    /// Tests by peak RSS, largest first (at most [`TOP_TESTS`]); empty in generic mode.
    pub top_tests: Vec<TestMemory>,
    /// Tests that got at least one sample.
    pub tests_sampled: usize,
    /// Every sampled test (for `--test-memory` without a cgroup), not in the report.
    #[serde(skip)]
    pub all_tests: Vec<TestMemory>,
}

/// Reports compare by their JSON (the figures hold floats and notes only).
impl PartialEq for RunMonitor {
    fn eq(&self, other: &Self) -> bool {
        serde_json::to_value(self).ok() == serde_json::to_value(other).ok()
    }
}

/// How many tests `top_tests` keeps.
pub const TOP_TESTS: usize = 10;

impl RunMonitor {
    /// True when `--max-rss` was crossed.
    pub fn breached(&self) -> bool {
        self.figures.breached()
    }
}

/// The sampling thread of a run.
pub struct Hook {
    tracker: Arc<Tracker>,
    stop: Arc<AtomicBool>,
    thread: JoinHandle<(MonitorReport, HashMap<String, TestMemory>)>,
}

impl Hook {
    /// Starts sampling velo's own tree every `opts.interval`.
    pub fn start(opts: HookOptions) -> Result<Self, SamplerError> {
        let me = i32::try_from(std::process::id()).unwrap_or(i32::MAX);
        let sopts = SamplerOptions {
            // velo is the root: it reaps its own children (never the sampler).
            root_reaped_elsewhere: true,
            ..SamplerOptions::default()
        };
        let limits = Limits {
            max_rss: opts.max_rss,
            ..Limits::default()
        };
        let mut m = Monitor::new(me, sopts, limits, opts.interval)?;
        let tracker = Arc::new(Tracker::default());
        let stop = Arc::new(AtomicBool::new(false));
        let (t, s) = (Arc::clone(&tracker), Arc::clone(&stop));
        // The kernel's figure for velo's reaped children so far: one larger at the end came from
        // this run's tests.
        let reaped_before = crate::proc::largest_reaped_rss();
        let thread = std::thread::spawn(move || {
            let mut per_test: HashMap<String, TestMemory> = HashMap::new();
            let start = m.sampler().started();
            let mut schedule = Schedule::new(start, opts.interval);
            // The sample at the start, so the series begins at time 0.
            if let Some((sample, _)) = m.first() {
                attribute(&sample, &t.snapshot(), &mut per_test);
            }
            'run: loop {
                // Sleep to the tick, waking for the end of the run so that it is not held up.
                if crate::cancel::cancellable_sleep(schedule.next(), || s.load(Ordering::SeqCst)) {
                    break 'run;
                }
                let Some((sample, _)) = m.sample() else {
                    break;
                };
                attribute(&sample, &t.snapshot(), &mut per_test);
                schedule.advance(Instant::now());
            }
            // The sample at the end: what the tree holds as the run stops.
            if let Some((sample, _)) = m.sample() {
                attribute(&sample, &t.snapshot(), &mut per_test);
            }
            // Every test process is velo's child or was waited for by one: the kernel's maximum
            // RSS of one process among them, and velo's own.
            let reaped = crate::proc::largest_reaped_rss();
            let max_rss_one = [
                (reaped > reaped_before).then_some(reaped),
                crate::proc::procfs::peak_rss(me),
            ]
            .into_iter()
            .flatten()
            .max();
            let figures = ExitFigures {
                ended_at_s: Some(start.elapsed().as_secs_f64()),
                max_rss_one,
                ..ExitFigures::default()
            };
            let mut report = m.finish(Mode::Pid, Ending::Exited, None, figures);
            report.notes.push(format!(
                "the figures are of velo's process tree: every test process, and velo itself (PID {me})"
            ));
            (report, per_test)
        });
        Ok(Self {
            tracker,
            stop,
            thread,
        })
    }

    pub fn tracker(&self) -> Arc<Tracker> {
        Arc::clone(&self.tracker)
    }

    /// Stops sampling and reports. `per_test`: the mode told the tracker about its tests.
    pub fn finish(self, per_test: bool) -> Option<RunMonitor> {
        self.stop.store(true, Ordering::SeqCst);
        let (mut figures, tests) = self.thread.join().ok()?;
        figures.target = None;
        let tests_sampled = tests.len();
        let mut all: Vec<TestMemory> = tests.into_values().collect();
        all.sort_by(|a, b| {
            b.peak_rss_bytes
                .cmp(&a.peak_rss_bytes)
                .then_with(|| a.id.cmp(&b.id))
        });
        let top: Vec<TestMemory> = all.iter().take(TOP_TESTS).cloned().collect();
        if per_test {
            figures.notes.push(
                "a test's peak RSS is sampled while it runs (its process and descendants): a test shorter than the interval may have none".to_string(),
            );
        }
        Some(RunMonitor {
            figures,
            per_test,
            top_tests: top,
            tests_sampled,
            all_tests: all,
        })
    }
}

/// Adds the RSS of each tracked process's subtree at `sample` to the tests it runs.
fn attribute(
    sample: &Sample,
    running: &[(i32, Vec<String>)],
    per_test: &mut HashMap<String, TestMemory>,
) {
    if running.is_empty() {
        return;
    }
    let mut children: HashMap<i32, Vec<usize>> = HashMap::new();
    let mut index: HashMap<i32, usize> = HashMap::new();
    for (i, p) in sample.procs.iter().enumerate() {
        children.entry(p.ppid).or_default().push(i);
        index.insert(p.pid, i);
    }
    for (pid, ids) in running {
        let Some(&root) = index.get(pid) else {
            continue;
        };
        let mut rss = 0u64;
        let mut stack = vec![root];
        let mut guard = 0usize;
        while let Some(i) = stack.pop() {
            guard += 1;
            if guard > sample.procs.len() {
                break;
            }
            let p = &sample.procs[i];
            rss += p.rss_bytes;
            if let Some(c) = children.get(&p.pid) {
                stack.extend(c.iter().copied().filter(|&k| k != i));
            }
        }
        for id in ids {
            let e = per_test.entry(id.clone()).or_insert_with(|| TestMemory {
                id: id.clone(),
                peak_rss_bytes: 0,
                samples: 0,
            });
            e.peak_rss_bytes = e.peak_rss_bytes.max(rss);
            e.samples += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitor::ProcSample;

    fn proc(pid: i32, parent: i32, rss: u64) -> ProcSample {
        ProcSample {
            pid,
            ppid: parent,
            command: format!("p{pid}"),
            cpu_pct: Some(0.0),
            rss_bytes: rss,
            pss_bytes: None,
            uss_bytes: None,
            threads: 1,
            fds: None,
        }
    }

    fn sample(procs: Vec<ProcSample>) -> Sample {
        Sample {
            t_s: 0.0,
            cpu_pct: Some(0.0),
            rss_bytes: procs.iter().map(|p| p.rss_bytes).sum(),
            pss_bytes: None,
            uss_bytes: None,
            threads: 0,
            fds: None,
            read_bytes: None,
            write_bytes: None,
            processes: procs.len(),
            cpu_s: 0.0,
            procs,
        }
    }

    #[test]
    fn a_process_tree_is_attributed_to_the_tests_it_runs_and_peaks_are_kept() {
        // velo (1) runs two sessions: 10 (with a child 11) and 20.
        let s1 = sample(vec![
            proc(1, 0, 5),
            proc(10, 1, 100),
            proc(11, 10, 50),
            proc(20, 1, 30),
        ]);
        let mut per = HashMap::new();
        let running = vec![(10, vec!["a".to_string()]), (20, vec!["b".to_string()])];
        attribute(&s1, &running, &mut per);
        assert_eq!(per["a"].peak_rss_bytes, 150);
        assert_eq!(per["b"].peak_rss_bytes, 30);
        // A smaller later sample does not lower the peak; a test not running gets nothing.
        let s2 = sample(vec![proc(1, 0, 5), proc(10, 1, 60)]);
        attribute(&s2, &[(10, vec!["a".to_string()])], &mut per);
        assert_eq!(per["a"].peak_rss_bytes, 150);
        assert_eq!(per["a"].samples, 2);
        assert_eq!(per["b"].samples, 1);
        assert!(!per.contains_key("c"));
    }

    #[test]
    fn the_tracker_forgets_a_process_between_tests_and_at_its_end() {
        let t = Tracker::default();
        t.set(7, ["x"]);
        assert_eq!(t.snapshot(), vec![(7, vec!["x".to_string()])]);
        t.set(7, std::iter::empty::<&str>());
        assert!(t.snapshot().is_empty());
        t.set(7, ["y"]);
        t.ended(7);
        assert!(t.snapshot().is_empty());
    }
}
