//! cargo mode: builds the test binaries (`cargo test --no-run --message-format json`), lists
//! each binary's tests (`--list`), and runs every test in its own process (`--exact`), in
//! parallel, with the same per-test timeout, whole-tree kill and retry rules as pytest mode.
//! Doc-tests are not run in this mode.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use crate::proc::{self, Ending, Limits, SpawnError, Spec};

use super::generic::{backoff, sleep_unless};
use super::pytest::Progress;
use super::{last_lines, Attempt, LeakNote, Outcome, RunReport, SessionConfig, TestResult};

/// Whether a command is `cargo test …` (the index of `test`).
pub fn cargo_test_token(command: &[OsString]) -> Option<usize> {
    let first = Path::new(command.first()?).file_name()?;
    if first != "cargo" {
        return None;
    }
    command
        .iter()
        .skip(1)
        .position(|a| !a.to_string_lossy().starts_with('+'))
        .map(|i| i + 1)
        .filter(|i| command[*i] == "test")
}

/// What cargo mode runs and how: a plain [`SessionConfig`].
pub type CargoConfig = SessionConfig;

/// A cargo run that could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum CargoError {
    #[error(transparent)]
    Spawn(#[from] SpawnError),
    #[error("building the tests failed (`cargo test --no-run`); its output ends with:\n{0}")]
    Build(String),
    #[error("cannot list the tests of {binary}: {message}")]
    List { binary: String, message: String },
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// One test binary built by cargo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestBinary {
    pub name: String,
    pub executable: PathBuf,
    /// The package folder (cargo runs tests there).
    pub package_dir: PathBuf,
}

/// Reads test binaries from `cargo --message-format json` lines.
pub fn parse_artifacts(json_lines: &str) -> Vec<TestBinary> {
    let mut out: Vec<TestBinary> = Vec::new();
    for line in json_lines.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if v["reason"] != "compiler-artifact" || v["profile"]["test"] != true {
            continue;
        }
        let Some(exe) = v["executable"].as_str() else {
            continue;
        };
        let name = v["target"]["name"].as_str().unwrap_or("test").to_string();
        let package_dir = v["manifest_path"]
            .as_str()
            .and_then(|m| Path::new(m).parent())
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let bin = TestBinary {
            name,
            executable: PathBuf::from(exe),
            package_dir,
        };
        if !out.contains(&bin) {
            out.push(bin);
        }
    }
    out
}

/// Test names from a libtest `--list` output (`name: test` lines).
pub fn parse_list(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .map(str::to_string)
        .collect()
}

/// The useful part of a failing libtest run: from `---- name stdout ----` to the backtrace or
/// the `failures:` list (else the last lines).
fn failure_section(stdout: &str) -> String {
    let Some(start) = stdout.find("---- ") else {
        return last_lines(stdout, 20);
    };
    let mut lines = Vec::new();
    for line in stdout[start..].lines() {
        let t = line.trim_start();
        if t.starts_with("stack backtrace:") || t.starts_with("note: ") || t == "failures:" {
            break;
        }
        lines.push(line);
    }
    last_lines(&lines.join("\n"), 30)
}

/// The outcome of one `--exact` run from libtest's output.
fn judge(stdout: &str, exit: proc::ExitInfo) -> Outcome {
    if exit.code == Some(0) {
        if stdout.contains(" 1 ignored;") && stdout.contains(" 0 passed;") {
            Outcome::Skipped
        } else if stdout.contains(" 1 passed;") {
            Outcome::Passed
        } else {
            Outcome::Error
        }
    } else if exit.code == Some(101) {
        Outcome::Failed
    } else {
        Outcome::Error
    }
}

struct Job {
    binary: TestBinary,
    name: String,
    id: String,
}

fn split_user_args(command: &[OsString], at: usize) -> (Vec<OsString>, Vec<OsString>) {
    let rest = &command[at + 1..];
    match rest.iter().position(|a| a == "--") {
        Some(i) => (rest[..i].to_vec(), rest[i + 1..].to_vec()),
        None => (rest.to_vec(), Vec::new()),
    }
}

/// Runs `cargo test` one test per process.
pub fn run(
    cfg: &CargoConfig,
    cancel: &AtomicBool,
    on_progress: &(dyn Fn(Progress) + Sync),
) -> Result<RunReport, CargoError> {
    let started = Instant::now();
    let deadline = cfg.timeout.map(|t| started + t);
    let at = cargo_test_token(&cfg.command)
        .unwrap_or(1)
        .min(cfg.command.len() - 1);
    let (cargo_args, test_args) = split_user_args(&cfg.command, at);
    let out_dir = cfg
        .output_dir
        .clone()
        .unwrap_or_else(|| cfg.work_dir.clone());
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| CargoError::Io { path, source }
    };
    std::fs::create_dir_all(&out_dir).map_err(io(&out_dir))?;

    // 1. Build.
    let build_out = cfg.work_dir.join("build.jsonl");
    let mut args: Vec<OsString> = cfg.command[1..=at].to_vec();
    args.extend([
        "--no-run".into(),
        "--message-format".into(),
        "json-render-diagnostics".into(),
    ]);
    args.extend(cargo_args);
    let spec = Spec {
        program: cfg.command[0].clone(),
        args,
        cwd: Some(cfg.cwd.clone()),
        stdout_file: Some(build_out.clone()),
        tail_bytes: 16 * 1024,
        ..Spec::default()
    };
    let limits = Limits {
        timeout: cfg.timeout,
        kill_after: cfg.kill_after,
        ..Limits::default()
    };
    let (built, ending) = proc::run(&spec, limits, cancel)?;
    if ending != Ending::Exited || !built.exit.success() {
        return Err(CargoError::Build(last_lines(&built.stderr_tail, 30)));
    }
    let json = std::fs::read_to_string(&build_out).map_err(io(&build_out))?;
    let binaries = parse_artifacts(&json);

    // 2. List.
    let mut jobs: Vec<Job> = Vec::new();
    for b in &binaries {
        let spec = Spec {
            program: b.executable.clone().into_os_string(),
            args: vec!["--list".into()],
            cwd: Some(b.package_dir.clone()),
            tail_bytes: 1024 * 1024,
            ..Spec::default()
        };
        let (listed, _) = proc::run(&spec, limits, cancel)?;
        if !listed.exit.success() {
            return Err(CargoError::List {
                binary: b.executable.display().to_string(),
                message: last_lines(&listed.stderr_tail, 10),
            });
        }
        for name in parse_list(&listed.stdout_tail) {
            let id = format!("{}::{name}", b.name);
            if cfg.partition.is_none_or(|p| p.selects(&id)) {
                jobs.push(Job {
                    binary: b.clone(),
                    name,
                    id,
                });
            }
        }
    }

    // 3. Run, in parallel (earlier failures first; the sort is stable).
    jobs.sort_by_key(|j| !cfg.first.contains(&j.id));
    let queue: Mutex<VecDeque<(usize, Job)>> = Mutex::new(jobs.into_iter().enumerate().collect());
    let results: Mutex<Vec<(usize, TestResult)>> = Mutex::new(Vec::new());
    let leaked: Mutex<Vec<LeakNote>> = Mutex::new(Vec::new());
    let interrupted = AtomicBool::new(false);
    let counter = std::sync::atomic::AtomicU32::new(0);
    let workers = cfg.jobs.max(1);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                if cancel.load(Ordering::SeqCst) || deadline.is_some_and(|d| Instant::now() >= d) {
                    interrupted.store(true, Ordering::SeqCst);
                    return;
                }
                let next = queue
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .pop_front();
                let Some((index, job)) = next else {
                    return;
                };
                let attempt = |n: u32| {
                    let label = format!("test-{}", counter.fetch_add(1, Ordering::Relaxed));
                    let r = run_one(cfg, &job, &test_args, &out_dir, &label, deadline, cancel);
                    if let Ok((_, l, _)) = &r {
                        leaked
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .extend(l.iter().map(|x| {
                                LeakNote::from_leaked(x, &format!("{} (attempt {n})", job.id))
                            }));
                    }
                    r
                };
                let Ok((mut t, _, cut)) = attempt(1) else {
                    return;
                };
                if cut {
                    interrupted.store(true, Ordering::SeqCst);
                }
                let mut n = 1;
                while t.outcome.is_bad() && n <= cfg.retries && !cut {
                    (on_progress)(Progress::Finished(&t));
                    if sleep_unless(backoff(cfg.retry_backoff, n), cancel) {
                        break;
                    }
                    n += 1;
                    (on_progress)(Progress::Retrying {
                        id: &t.id,
                        attempt: n,
                    });
                    let Ok((next, _, _)) = attempt(n) else {
                        break;
                    };
                    let mut previous = std::mem::take(&mut t.previous);
                    previous.push(Attempt {
                        outcome: t.outcome,
                        duration_s: t.duration_s,
                        excerpt: std::mem::take(&mut t.excerpt),
                    });
                    t = TestResult { previous, ..next };
                    t.attempts = n;
                    if t.outcome == Outcome::Passed {
                        t.outcome = Outcome::Flaky;
                    }
                }
                (on_progress)(Progress::Finished(&t));
                results
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push((index, t));
            });
        }
    });
    let mut results = results
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    results.sort_by_key(|(i, _)| *i);
    let mut report = RunReport::new(
        "cargo",
        results.into_iter().map(|(_, t)| t).collect(),
        started.elapsed(),
    );
    report.leaked = leaked
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    report.interrupted = interrupted.load(Ordering::SeqCst);
    Ok(report)
}

/// One test in its own process; returns its result, leaked processes, and whether the run was
/// cut short (Ctrl-C or the whole-run timeout).
fn run_one(
    cfg: &CargoConfig,
    job: &Job,
    test_args: &[OsString],
    out_dir: &Path,
    label: &str,
    deadline: Option<Instant>,
    cancel: &AtomicBool,
) -> Result<(TestResult, Vec<proc::Leaked>, bool), SpawnError> {
    let mut args: Vec<OsString> = vec![job.name.clone().into(), "--exact".into()];
    args.extend(test_args.iter().cloned());
    let spec = Spec {
        program: job.binary.executable.clone().into_os_string(),
        args,
        env: vec![(
            "CARGO_MANIFEST_DIR".into(),
            job.binary.package_dir.clone().into_os_string(),
        )],
        cwd: Some(job.binary.package_dir.clone()),
        stdout_file: Some(out_dir.join(format!("{label}.stdout"))),
        stderr_file: Some(out_dir.join(format!("{label}.stderr"))),
        tail_bytes: 64 * 1024,
        ..Spec::default()
    };
    let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
    let timeout = match (cfg.test_timeout, left) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let limits = Limits {
        timeout,
        kill_after: cfg.kill_after,
        ..Limits::default()
    };
    let (f, ending) = proc::run(&spec, limits, cancel)?;
    let whole_run_over = deadline.is_some_and(|d| Instant::now() >= d);
    let (outcome, mut excerpt) = match ending {
        Ending::TimedOut if !whole_run_over => (
            Outcome::TimedOut,
            format!(
                "timed out after {} (--test-timeout)\n",
                crate::units::format_duration(cfg.test_timeout.unwrap_or_default())
            ),
        ),
        Ending::TimedOut | Ending::Cancelled => (Outcome::TimedOut, "interrupted\n".to_string()),
        Ending::Idle | Ending::Exited => (judge(&f.stdout_tail, f.exit), String::new()),
    };
    if outcome != Outcome::Passed && outcome != Outcome::Skipped {
        excerpt.push_str(&failure_section(&f.stdout_tail));
        let err = last_lines(&f.stderr_tail, 10);
        if !err.is_empty() {
            excerpt.push('\n');
            excerpt.push_str(&err);
        }
    }
    let mut t = TestResult::new(job.id.clone(), outcome, f.duration);
    t.excerpt = excerpt;
    t.output = last_lines(&f.stdout_tail, 200);
    let cut = ending == Ending::Cancelled || whole_run_over;
    Ok((t, f.leaked, cut))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    #[test]
    fn detects_cargo_test() {
        assert_eq!(cargo_test_token(&argv(&["cargo", "test"])), Some(1));
        assert_eq!(
            cargo_test_token(&argv(&["cargo", "+nightly", "test", "-p", "x"])),
            Some(2)
        );
        assert_eq!(cargo_test_token(&argv(&["cargo", "build"])), None);
        assert_eq!(cargo_test_token(&argv(&["pytest"])), None);
    }

    #[test]
    fn parses_artifacts_and_lists() {
        let lines = r#"{"reason":"compiler-artifact","target":{"name":"fx"},"profile":{"test":true},"executable":"/t/fx-1","manifest_path":"/p/Cargo.toml"}
{"reason":"compiler-artifact","target":{"name":"dep"},"profile":{"test":false},"executable":null,"manifest_path":"/d/Cargo.toml"}
{"reason":"build-finished","success":true}"#;
        let bins = parse_artifacts(lines);
        assert_eq!(bins.len(), 1);
        assert_eq!(bins[0].package_dir, PathBuf::from("/p"));
        let list = "tests::a: test\ntests::b: test\nbench_x: benchmark\n\n2 tests, 1 benchmark\n";
        assert_eq!(parse_list(list), vec!["tests::a", "tests::b"]);
    }

    #[test]
    fn failure_section_stops_at_the_backtrace() {
        let out = "running 1 test\ntest t ... FAILED\n\nfailures:\n\n---- t stdout ----\nthread 't' panicked at src/lib.rs:3:5:\nboom\nstack backtrace:\n  0: x\n\nfailures:\n    t\n";
        assert_eq!(
            failure_section(out),
            "---- t stdout ----\nthread 't' panicked at src/lib.rs:3:5:\nboom"
        );
    }

    #[test]
    fn judges_libtest_output() {
        let ok = proc::ExitInfo {
            code: Some(0),
            signal: None,
        };
        let failed = proc::ExitInfo {
            code: Some(101),
            signal: None,
        };
        assert_eq!(
            judge("test result: ok. 1 passed; 0 failed; 0 ignored;", ok),
            Outcome::Passed
        );
        assert_eq!(
            judge("test result: ok. 0 passed; 0 failed; 1 ignored;", ok),
            Outcome::Skipped
        );
        assert_eq!(
            judge("test result: ok. 0 passed; 0 failed; 0 ignored;", ok),
            Outcome::Error
        );
        assert_eq!(judge("", failed), Outcome::Failed);
    }
}
