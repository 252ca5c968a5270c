//! pytest mode: per-test timeouts enforced by velo from outside Python. A small event plugin
//! (`velo_pytest_events.py`, written to a temp dir and loaded with `-p`) reports each test's
//! start and finish as JSON lines; when a test overruns `--test-timeout`, velo asks the process
//! for a faulthandler stack dump (SIGUSR1), reads the test's captured output, kills the whole
//! tree, records the test as `timed-out`, and starts pytest again without the finished and
//! timed-out tests, so every other test still runs. Failed tests are retried one per fresh
//! process with the timeout re-armed; `--jobs N` runs shards of the collected ids in parallel.

use std::collections::{HashMap, HashSet};
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use rustix::process::Signal;
use serde::Deserialize;

use crate::proc::{self, Running, SpawnError, Spec};

use super::driver::{self, BatchOut, Mode, Plan, Planned, Run};
use super::pytest_session::{Selection, Started};
use super::{
    last_lines, summary, LeakNote, Outcome, Progress, RunReport, SessionConfig, TestResult,
    STACK_MARKER,
};

/// The plugin's module name (the file is `<name>.py` in the plugin folder).
pub const PLUGIN_MODULE: &str = "velo_pytest_events";
/// The plugin's source.
pub const PLUGIN_SOURCE: &str = include_str!("velo_pytest_events.py");
/// How long velo waits for the faulthandler dump after SIGUSR1.
const DUMP_WAIT: Duration = Duration::from_millis(300);
const POLL: Duration = Duration::from_millis(20);

/// The index of the `pytest` word in a command (`pytest`, `py.test`, `…/bin/pytest`,
/// `python -m pytest`), where velo inserts its `-p` option.
pub fn pytest_token(command: &[OsString]) -> Option<usize> {
    let base = |s: &OsStr| {
        Path::new(s)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    for (i, arg) in command.iter().enumerate().take(6) {
        let b = base(arg);
        if b == "pytest" || b == "py.test" {
            return Some(i);
        }
        if (arg == "-m" && command.get(i + 1).is_some_and(|n| n == "pytest")) || arg == "-mpytest" {
            return Some(if arg == "-m" { i + 1 } else { i });
        }
    }
    None
}

/// What pytest mode runs and how.
#[derive(Debug, Clone)]
pub struct PytestConfig {
    pub session: SessionConfig,
    /// Extra environment for pytest.
    pub env: Vec<(OsString, OsString)>,
    /// The PYTHONPATH velo's plugin folder is put in front of.
    pub pythonpath: Option<OsString>,
}

/// A pytest run that could not be carried out at all.
#[derive(Debug, thiserror::Error)]
pub enum PytestError {
    #[error(transparent)]
    Spawn(#[from] SpawnError),
    #[error("cannot prepare the work folder {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "pytest collected nothing velo could read (exit {code:?}); its output ends with:\n{tail}"
    )]
    Collect { code: Option<i32>, tail: String },
}

#[derive(Debug, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
enum Event {
    Collected {
        ids: Vec<String>,
    },
    Start {
        id: String,
    },
    Finish {
        id: String,
        outcome: String,
        duration: f64,
        /// The error in one line, as pytest's own JUnit states it.
        #[serde(default)]
        message: String,
        #[serde(default)]
        longrepr: String,
        #[serde(default)]
        stdout: String,
        #[serde(default)]
        stderr: String,
    },
    CollectError {
        id: String,
        #[serde(default)]
        longrepr: String,
    },
    /// A module skipped as a whole at collection (`pytest.importorskip` at module level).
    CollectSkip {
        id: String,
        #[serde(default)]
        message: String,
        #[serde(default)]
        longrepr: String,
    },
}

/// Reads new JSON lines from the plugin's event file.
struct EventReader {
    path: PathBuf,
    file: Option<File>,
    pending: Vec<u8>,
}

impl EventReader {
    fn new(path: PathBuf) -> Self {
        Self {
            path,
            file: None,
            pending: Vec::new(),
        }
    }

    fn poll(&mut self) -> Vec<Event> {
        if self.file.is_none() {
            self.file = File::open(&self.path).ok();
        }
        let Some(f) = self.file.as_mut() else {
            return Vec::new();
        };
        let _ = f.read_to_end(&mut self.pending);
        let Some(end) = self.pending.iter().rposition(|b| *b == b'\n') else {
            return Vec::new();
        };
        let complete: Vec<u8> = self.pending.drain(..=end).collect();
        complete
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .filter_map(|l| serde_json::from_slice(l).ok())
            .collect()
    }
}

/// What one pytest process did.
struct Session {
    results: Vec<TestResult>,
    leaked: Vec<LeakNote>,
    /// A test ran past its timeout or the process died during it.
    cut_short: bool,
    interrupted: bool,
    exit_code: Option<i32>,
    tail: String,
    /// The ids pytest collected (after velo's selection), in its order; empty when it did not
    /// say (a pytest-xdist controller collects nothing itself).
    collected: Vec<String>,
}

/// pytest mode behind the driver.
pub struct Pytest<'a> {
    pub(super) cfg: &'a PytestConfig,
    plugin_dir: PathBuf,
}

impl Pytest<'_> {
    pub(super) fn spec(
        &self,
        run: &Run,
        label: &str,
        extra_args: &[&str],
        env: Vec<(OsString, OsString)>,
    ) -> Spec {
        let mut argv = self.cfg.session.command.clone();
        let at = pytest_token(&argv).map_or(argv.len(), |i| i + 1);
        let mut ins: Vec<OsString> = vec!["-p".into(), PLUGIN_MODULE.into()];
        ins.extend(extra_args.iter().map(OsString::from));
        argv.splice(at..at, ins);
        let mut pythonpath = self.plugin_dir.clone().into_os_string();
        if let Some(old) = self.cfg.pythonpath.as_ref().filter(|p| !p.is_empty()) {
            pythonpath.push(":");
            pythonpath.push(old);
        }
        let mut all_env = self.cfg.env.clone();
        all_env.push(("PYTHONPATH".into(), pythonpath));
        all_env.extend(env);
        Spec {
            program: argv[0].clone(),
            args: argv[1..].to_vec(),
            env: all_env,
            cwd: Some(self.cfg.session.cwd.clone()),
            inherit_stdin: false,
            stdout_file: Some(run.out_dir().join(format!("{label}.stdout"))),
            stderr_file: Some(run.out_dir().join(format!("{label}.stderr"))),
            stdout_sink: None,
            stderr_sink: None,
            tail_bytes: 64 * 1024,
            cgroup: None,
        }
    }
}

impl Mode for Pytest<'_> {
    type Batch = Selection;
    type Error = PytestError;

    fn name(&self) -> &'static str {
        "pytest"
    }

    fn plan(&self, run: &Run) -> Result<Plan<Selection>, PytestError> {
        let session = &self.cfg.session;
        let mut plan = Plan::default();
        if session.jobs > 1 || session.partition.is_some() {
            let mut ids = collect(self, run)?;
            ids.retain(|id| run.selects(id));
            let n = session.jobs.max(1).min(ids.len().max(1));
            let per = ids.len().div_ceil(n).max(1);
            plan.batches = ids
                .chunks(per)
                .map(|c| Planned {
                    ids: c.to_vec(),
                    batch: Selection::only(c.to_vec()),
                })
                .collect();
        } else {
            plan.batches.push(Planned {
                ids: Vec::new(),
                batch: Selection::default(),
            });
        }
        Ok(plan)
    }

    fn run_batch(&self, run: &Run, sel: &Selection, announce: bool) -> BatchOut {
        run_shard(self, run, sel.clone(), announce)
    }

    fn retry_batch(&self, _: &Selection, id: &str) -> Option<Selection> {
        // A module that failed or was skipped at collection cannot be selected on its own.
        id.contains("::")
            .then(|| Selection::only(vec![id.to_string()]))
    }
}

/// Runs a pytest command under velo's supervision.
pub fn run(
    cfg: &PytestConfig,
    cancel: &AtomicBool,
    on_progress: &(dyn Fn(Progress) + Sync),
) -> Result<RunReport, PytestError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| PytestError::Io { path, source }
    };
    // The plugin and the selection files live in the run's private scratch folder, outside
    // `crate::outfile` (no user's file is there to protect). `--output-dir` was checked and
    // made with the run's other outputs; it is made here too for callers of the library.
    let plugin_dir = cfg.session.work_dir.join("plugin");
    std::fs::create_dir_all(&plugin_dir).map_err(io(&plugin_dir))?;
    let plugin = plugin_dir.join(format!("{PLUGIN_MODULE}.py"));
    std::fs::write(&plugin, PLUGIN_SOURCE).map_err(io(&plugin))?;
    if let Some(dir) = &cfg.session.output_dir {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let mode = Pytest { cfg, plugin_dir };
    driver::run(&mode, &cfg.session, cancel, on_progress)
}

/// Collects the test ids (for sharding), with the user's own selection options applied.
fn collect(mode: &Pytest, run: &Run) -> Result<Vec<String>, PytestError> {
    let label = run.label("collect");
    let events = mode.cfg.session.work_dir.join(format!("{label}.events"));
    let spec = mode.spec(
        run,
        &label,
        &["--collect-only", "-q"],
        vec![("VELO_EVENTS".into(), events.clone().into_os_string())],
    );
    let (finished, _) = proc::run(&spec, run.limits(), run.cancel)?;
    let mut reader = EventReader::new(events);
    for ev in reader.poll() {
        if let Event::Collected { ids } = ev {
            return Ok(ids);
        }
    }
    Err(PytestError::Collect {
        code: finished.exit.code,
        tail: last_lines(
            &format!("{}{}", finished.stdout_tail, finished.stderr_tail),
            20,
        ),
    })
}

/// Runs one shard to the end, resuming after each hang or crash.
fn run_shard(mode: &Pytest, run: &Run, sel: Selection, announce: bool) -> BatchOut {
    let mut spare = None;
    let out = sessions(mode, run, sel, announce, &mut spare);
    if let Some(s) = spare {
        s.discard(run);
    }
    out
}

/// The sessions of one shard, one after another until none is cut short.
fn sessions(
    mode: &Pytest,
    run: &Run,
    mut sel: Selection,
    announce: bool,
    spare: &mut Option<Started>,
) -> BatchOut {
    let mut out = BatchOut::default();
    if sel.only.as_ref().is_some_and(Vec::is_empty) {
        return out;
    }
    let mut done: HashSet<String> = HashSet::new();
    loop {
        if run.over() {
            out.interrupted = true;
            return out;
        }
        if sel.files(&done).is_some_and(|f| f.is_empty()) {
            // The test that hung was the last one left.
            return out;
        }
        let session = match run_session(mode, run, &sel, &done, announce, spare) {
            Ok(s) => s,
            Err(e) => {
                let mut t = TestResult::new("pytest session", Outcome::Error, Duration::ZERO);
                t.excerpt = e.to_string();
                if announce {
                    run.announce(&t);
                }
                out.results.push(t);
                return out;
            }
        };
        let progressed = !session.results.is_empty();
        // What the first collection listed and is not reported yet is what a resumed session
        // must still collect; believed only when it names every test this session reported
        // (a pytest-xdist controller lists nothing), else the next session collects it all.
        if sel.only.is_none() && sel.rest.is_none() && !session.collected.is_empty() {
            let listed: HashSet<&String> = session.collected.iter().collect();
            if session
                .results
                .iter()
                .filter(|r| r.id.contains("::"))
                .all(|r| listed.contains(&r.id))
            {
                sel.rest = Some(session.collected);
            }
        }
        for r in session.results {
            done.insert(r.id.clone());
            out.results.push(r);
        }
        out.leaked.extend(session.leaked);
        if session.interrupted {
            out.interrupted = true;
            return out;
        }
        if session.cut_short && progressed {
            sel.skip = done.iter().cloned().collect();
            sel.skip.sort();
            continue;
        }
        // No test reported and not a clean "nothing (left) to run": pytest itself failed
        // (not installed, a usage error, an internal error). Never let that pass silently.
        if !progressed && !matches!(session.exit_code, Some(0 | 5)) {
            let mut t = TestResult::new("pytest session", Outcome::Error, Duration::ZERO);
            t.excerpt = format!(
                "pytest exited with {} before running any test:\n{}",
                session
                    .exit_code
                    .map_or_else(|| "a signal".to_string(), |c| format!("code {c}")),
                session.tail
            );
            if announce {
                run.announce(&t);
            }
            out.results.push(t);
        }
        return out;
    }
}

fn result_from_finish(
    id: String,
    outcome: &str,
    duration: f64,
    message: String,
    longrepr: String,
    stdout: &str,
    stderr: &str,
) -> TestResult {
    let outcome = match outcome {
        "passed" => Outcome::Passed,
        "failed" => Outcome::Failed,
        "skipped" => Outcome::Skipped,
        "xfailed" => Outcome::XFailed,
        _ => Outcome::Error,
    };
    let mut t = TestResult::new(
        id,
        outcome,
        Duration::try_from_secs_f64(duration.max(0.0)).unwrap_or_default(),
    );
    t.message = message;
    t.excerpt = longrepr;
    let mut output = stdout.to_string();
    if !stderr.is_empty() {
        output.push_str(stderr);
    }
    t.output = output;
    t
}

/// Runs one pytest process over `sel` minus `done`, watching the per-test timeout.
fn run_session(
    mode: &Pytest,
    run: &Run,
    sel: &Selection,
    done: &HashSet<String>,
    announce: bool,
    spare: &mut Option<Started>,
) -> Result<Session, PytestError> {
    let mut skip: Vec<&String> = sel.skip.iter().chain(done.iter()).collect();
    skip.sort();
    skip.dedup();
    let body = serde_json::json!({
        "only": sel.only,
        "skip": skip,
        "first": mode.cfg.session.first,
        "files": sel.files(done),
    })
    .to_string();
    let started = match spare.take() {
        Some(s) => s,
        None => Started::spawn(mode, run, Some(&body))?,
    };
    started.go(&body)?;
    let Started {
        mut running,
        group,
        label,
        events,
        stacks,
        ..
    } = started;
    let limit = mode
        .cfg
        .session
        .memory
        .map_or(0, super::mem_limit::Limiter::limit);
    // The group's OOM kills when each running test started.
    let oom_at_start: std::cell::RefCell<HashMap<String, u64>> = std::cell::RefCell::default();
    let mut reader = EventReader::new(events);
    // Tests started and not finished, oldest first (more than one under pytest-xdist).
    let mut current: Vec<(String, Instant)> = Vec::new();
    let mut results: Vec<TestResult> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut cut_short = false;
    let mut interrupted = false;
    let mut hung: Option<TestResult> = None;
    let mut collected: Vec<String> = Vec::new();

    let mut handle = |ev: Event,
                      current: &mut Vec<(String, Instant)>,
                      results: &mut Vec<TestResult>,
                      collected: &mut Vec<String>| match ev {
        Event::Start { id } => {
            if let Some(g) = &group {
                // The test's own peak from here on (cgroup v1; v2 keeps the session's).
                g.reset_peak();
                oom_at_start.borrow_mut().insert(id.clone(), g.oom_kills());
            }
            current.retain(|c| c.0 != id);
            current.push((id, Instant::now()));
        }
        Event::Finish {
            id,
            outcome,
            duration,
            message,
            longrepr,
            stdout,
            stderr,
        } => {
            current.retain(|c| c.0 != id);
            if done.contains(&id) || !seen.insert(id.clone()) {
                return;
            }
            let before = oom_at_start.borrow_mut().remove(&id);
            let mut t =
                result_from_finish(id, &outcome, duration, message, longrepr, &stdout, &stderr);
            if let Some(g) = &group {
                t.memory_peak_bytes = g.peak();
                // A process of the test (a subprocess, say) was killed at the limit.
                if t.outcome.is_bad() && before.is_some_and(|b| g.oom_kills() > b) {
                    t.outcome = Outcome::OutOfMemory;
                    t.excerpt = format!(
                        "{}\n{}",
                        super::mem_limit::killed_line(limit, t.memory_peak_bytes, g),
                        t.excerpt
                    );
                }
            }
            if announce {
                run.announce(&t);
            }
            results.push(t);
        }
        Event::CollectError { id, longrepr } => {
            if done.contains(&id) || !seen.insert(id.clone()) {
                return;
            }
            let mut t = TestResult::new(id, Outcome::Error, Duration::ZERO);
            // As pytest's own JUnit words it.
            t.message = "collection failure".to_string();
            t.excerpt = longrepr;
            if announce {
                run.announce(&t);
            }
            results.push(t);
        }
        Event::CollectSkip {
            id,
            message,
            longrepr,
        } => {
            if done.contains(&id) || !seen.insert(id.clone()) {
                return;
            }
            let mut t = TestResult::new(id, Outcome::Skipped, Duration::ZERO);
            t.message = message;
            t.excerpt = longrepr;
            if announce {
                run.announce(&t);
            }
            results.push(t);
        }
        Event::Collected { ids } => *collected = ids,
    };

    loop {
        let exited = running.wait_for(POLL).is_some();
        for ev in reader.poll() {
            handle(ev, &mut current, &mut results, &mut collected);
        }
        run.track(running.pid(), current.iter().map(|c| c.0.as_str()));
        if exited {
            break;
        }
        let whole_run_over = run.past_deadline();
        if run.over() {
            interrupted = true;
            if !current.is_empty() {
                let (id, t0) = current.remove(0);
                let (why, outcome) = if whole_run_over {
                    ("the whole run hit --timeout", Outcome::TimedOut)
                } else {
                    (INTERRUPTED, Outcome::Interrupted)
                };
                hung = Some(timed_out(&mut running, id, t0, why, outcome, &stacks));
            }
            running.terminate(mode.cfg.session.kill_after);
            break;
        }
        if let Some(limit) = mode.cfg.session.test_timeout {
            // A test past half its limit may hang: start the next session now, so that it has
            // loaded pytest, the plugins and the conftest files by the time it is needed.
            if spare.is_none() && current.iter().any(|c| c.1.elapsed() >= limit / 2) {
                *spare = Started::spawn(mode, run, None).ok();
            }
            if let Some(pos) = current.iter().position(|c| c.1.elapsed() >= limit) {
                let (id, t0) = current.remove(pos);
                let why = format!(
                    "timed out after {} (--test-timeout)",
                    crate::units::format_duration(limit)
                );
                hung = Some(timed_out(
                    &mut running,
                    id,
                    t0,
                    &why,
                    Outcome::TimedOut,
                    &stacks,
                ));
                running.terminate(mode.cfg.session.kill_after);
                cut_short = true;
                break;
            }
        }
    }
    if run.over() {
        interrupted = true;
    }
    run.untrack(running.pid());
    let finished = running.finish();
    if hung.is_none() {
        for ev in reader.poll() {
            handle(ev, &mut current, &mut results, &mut collected);
        }
    }
    if let Some(h) = hung {
        if announce {
            run.announce(&h);
        }
        results.push(h);
    } else if let Some((id, t0)) = current.first().cloned() {
        let fresh = !done.contains(&id) && !seen.contains(&id);
        if fresh && run.cancel.load(std::sync::atomic::Ordering::SeqCst) {
            // The signal reached pytest too (a process group or a batch system's kill) and it
            // ended before velo stopped it: the test was running, interrupted.
            let mut t = TestResult::new(id, Outcome::Interrupted, t0.elapsed());
            t.excerpt = format!(
                "{INTERRUPTED}\nthe test process ended with {}\n",
                finished.exit.describe()
            );
            if announce {
                run.announce(&t);
            }
            results.push(t);
        } else if fresh && !interrupted {
            // The process died while this test ran (os._exit, a segfault, an OOM kill).
            let oom = group.as_ref().filter(|g| {
                let before = oom_at_start.borrow().get(&id).copied().unwrap_or(0);
                g.oom_kills() > before
            });
            let mut t = TestResult::new(
                id,
                if oom.is_some() {
                    Outcome::OutOfMemory
                } else {
                    Outcome::Error
                },
                t0.elapsed(),
            );
            let why = match oom {
                Some(g) => {
                    t.memory_peak_bytes = g.peak();
                    format!(
                        "{}\n",
                        super::mem_limit::killed_line(limit, t.memory_peak_bytes, g)
                    )
                }
                None => String::new(),
            };
            t.excerpt = format!(
                "{why}the test process ended during this test ({}):\n{}",
                finished.exit.describe(),
                summary::failure_summary(&finished.stdout_tail, &finished.stderr_tail)
            );
            if announce {
                run.announce(&t);
            }
            results.push(t);
            cut_short = true;
        }
    }
    let leaked = finished
        .leaked
        .iter()
        .map(|l| LeakNote::from_leaked(l, &format!("pytest {label}")))
        .collect();
    Ok(Session {
        results,
        leaked,
        cut_short,
        interrupted,
        exit_code: finished.exit.code,
        tail: last_lines(
            &format!("{}\n{}", finished.stdout_tail, finished.stderr_tail),
            20,
        ),
        collected,
    })
}

/// The first line of an interrupted test's excerpt.
const INTERRUPTED: &str = "interrupted: velo was stopped by a signal while this test ran";

/// Records a hung (or interrupted) test: its captured output (read from the pytest process's capture files),
/// then a faulthandler stack dump.
fn timed_out(
    running: &mut Running,
    id: String,
    t0: Instant,
    why: &str,
    outcome: Outcome,
    stacks: &Path,
) -> TestResult {
    let duration = t0.elapsed();
    let captured_out = read_capture(running.pid(), 1);
    let captured_err = read_capture(running.pid(), 2);
    running.signal_main(Signal::USR1);
    let deadline = Instant::now() + DUMP_WAIT;
    let mut stack = String::new();
    while Instant::now() < deadline {
        if running.wait_for(Duration::from_millis(50)).is_some() {
            break;
        }
        stack = std::fs::read_to_string(stacks).unwrap_or_default();
        if stack.contains("most recent call first") && stack.ends_with('\n') {
            std::thread::sleep(Duration::from_millis(50));
            stack = std::fs::read_to_string(stacks).unwrap_or_default();
            break;
        }
    }
    let mut excerpt = format!("{why}\n");
    for (name, text) in [("stdout", &captured_out), ("stderr", &captured_err)] {
        if !text.trim().is_empty() {
            excerpt.push_str(&format!(
                "--- captured {name} ---\n{}\n",
                last_lines(text, 30)
            ));
        }
    }
    if !stack.trim().is_empty() {
        excerpt.push_str(&format!("{STACK_MARKER}\n{}\n", stack.trim_end()));
    }
    let mut t = TestResult::new(id, outcome, duration);
    t.excerpt = excerpt;
    t.output = captured_out;
    t
}

/// The last bytes pytest captured for the running test on fd `fd`: pytest's fd capture points
/// the fd at a (deleted) temporary file, which `/proc/PID/fd/N` still opens.
fn read_capture(pid: i32, fd: i32) -> String {
    let link = format!("/proc/{pid}/fd/{fd}");
    let Ok(target) = std::fs::read_link(&link) else {
        return String::new();
    };
    let t = target.to_string_lossy();
    if t.starts_with("pipe:") || t.starts_with("/dev/") || t.starts_with("socket:") {
        return String::new();
    }
    let Ok(mut f) = File::open(&link) else {
        return String::new();
    };
    let len = f.metadata().map_or(0, |m| m.len());
    let _ = f.seek(SeekFrom::Start(len.saturating_sub(8192)));
    let mut buf = Vec::new();
    let _ = f.take(8192).read_to_end(&mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    #[test]
    fn finds_the_pytest_word() {
        assert_eq!(pytest_token(&argv(&["pytest", "-q"])), Some(0));
        assert_eq!(pytest_token(&argv(&["/v/bin/py.test"])), Some(0));
        assert_eq!(
            pytest_token(&argv(&["python3", "-m", "pytest", "x"])),
            Some(2)
        );
        assert_eq!(pytest_token(&argv(&["uv", "run", "pytest"])), Some(2));
        assert_eq!(pytest_token(&argv(&["python3", "-c", "pass"])), None);
        assert_eq!(pytest_token(&argv(&["make", "test"])), None);
    }

    #[test]
    fn event_lines_parse() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("e");
        std::fs::write(
            &p,
            "{\"event\":\"start\",\"id\":\"a::b\",\"pid\":1}\n{\"event\":\"fin",
        )
        .unwrap();
        let mut r = EventReader::new(p.clone());
        let evs = r.poll();
        assert!(matches!(&evs[..], [Event::Start { id }] if id == "a::b"));
        std::fs::write(&p, "{\"event\":\"start\",\"id\":\"a::b\",\"pid\":1}\n{\"event\":\"finish\",\"id\":\"a::b\",\"outcome\":\"failed\",\"duration\":0.5}\n").unwrap();
        let evs = r.poll();
        assert!(matches!(&evs[..], [Event::Finish { outcome, .. }] if outcome == "failed"));
    }
}
