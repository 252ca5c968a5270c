//! cargo mode: builds the test binaries (`cargo test --no-run --message-format json`), lists
//! each binary's tests (`--list`) and the doc-tests (`cargo test --doc -- --list`), and runs
//! every test in its own process (`--exact NAME`; a doc-test through `cargo test --doc`), in
//! parallel, with the same per-test timeout, whole-tree kill and retry rules as the other
//! modes. A test target that does not build is an error result of its own, and the targets
//! that built still run.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use crate::proc::{self, Ending, SpawnError, Spec};

use super::cargo_doc::{doc_id, list_sections, run_doc_tests, DocSession, DOC_PREFIX};
use super::driver::{self, BatchOut, Mode, Plan, Planned, Run};
use super::{
    last_lines, summary, LeakNote, Outcome, Progress, RunReport, SessionConfig, TestResult,
};

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

/// A target that failed to build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError {
    pub target: String,
    /// A library target (then its doc-tests cannot build either).
    pub lib: bool,
    /// The rendered compiler errors.
    pub text: String,
}

/// The targets that failed to build, with their rendered compiler errors, from
/// `cargo --message-format json-render-diagnostics` lines.
pub fn parse_build_errors(json_lines: &str) -> Vec<BuildError> {
    let mut out: Vec<BuildError> = Vec::new();
    for line in json_lines.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if v["reason"] != "compiler-message" || v["message"]["level"] != "error" {
            continue;
        }
        let name = v["target"]["name"].as_str().unwrap_or("build").to_string();
        let text = v["message"]["rendered"]
            .as_str()
            .or_else(|| v["message"]["message"].as_str())
            .unwrap_or("")
            .to_string();
        let lib = v["target"]["kind"].as_array().is_some_and(|k| {
            k.iter()
                .any(|k| k.as_str().is_some_and(|k| k.ends_with("lib")))
        });
        match out.iter_mut().find(|e| e.target == name) {
            Some(e) => e.text.push_str(&text),
            None => out.push(BuildError {
                target: name,
                lib,
                text,
            }),
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

/// What one worker runs.
pub enum Job {
    /// One test of a test binary, in its own process.
    Test {
        binary: TestBinary,
        name: String,
        id: String,
    },
    /// The doc-tests, in one `cargo test --doc` session (see [`super::cargo_doc`]): every one
    /// the session runs in `--list` order, and those this run reports.
    Doc {
        order: Vec<String>,
        sections: Vec<usize>,
        wanted: Vec<String>,
    },
}

/// cargo test's flags that pick targets: with any of them cargo runs no doc-tests either.
const TARGET_FLAGS: &[&str] = &[
    "--lib",
    "--bin",
    "--bins",
    "--test",
    "--tests",
    "--bench",
    "--benches",
    "--example",
    "--examples",
    "--all-targets",
];

fn split_user_args(command: &[OsString], at: usize) -> (Vec<OsString>, Vec<OsString>) {
    let rest = &command[at + 1..];
    match rest.iter().position(|a| a == "--") {
        Some(i) => (rest[..i].to_vec(), rest[i + 1..].to_vec()),
        None => (rest.to_vec(), Vec::new()),
    }
}

/// cargo mode behind the driver.
pub struct Cargo {
    /// `cargo [+toolchain] test`.
    prefix: Vec<OsString>,
    /// The user's arguments for cargo, and those after `--` for every test binary.
    build_args: Vec<OsString>,
    test_args: Vec<OsString>,
}

impl Cargo {
    pub fn new(command: &[OsString]) -> Self {
        let at = cargo_test_token(command)
            .unwrap_or(1)
            .min(command.len().saturating_sub(1));
        let (build_args, test_args) = split_user_args(command, at);
        Self {
            prefix: command[..=at].to_vec(),
            build_args,
            test_args,
        }
    }

    fn cargo(&self, run: &Run, extra: &[&str], tail: &[OsString]) -> Spec {
        let mut args: Vec<OsString> = self.prefix[1..].to_vec();
        args.extend(extra.iter().map(OsString::from));
        args.extend(self.build_args.iter().cloned());
        args.extend(tail.iter().cloned());
        Spec {
            program: self.prefix[0].clone(),
            args,
            cwd: Some(run.cfg.cwd.clone()),
            tail_bytes: 1024 * 1024,
            ..Spec::default()
        }
    }

    fn runs_doc_tests(&self) -> bool {
        !self
            .build_args
            .iter()
            .any(|a| TARGET_FLAGS.contains(&a.to_string_lossy().as_ref()))
    }

    /// Lists the doc-tests (`cargo test --doc -- --list` with the user's test arguments, so
    /// the list is what the session runs, in its order): none when the package has no
    /// library. A listing that fails is an error result: the doc-tests did not build.
    /// The list comes in sections, one per libtest run of the session (see
    /// [`super::cargo_doc`]).
    fn doc_tests(&self, run: &Run) -> Result<(Vec<Vec<String>>, Option<TestResult>), SpawnError> {
        let mut tail: Vec<OsString> = vec!["--".into(), "--list".into()];
        tail.extend(self.test_args.iter().cloned());
        let spec = self.cargo(run, &["--doc"], &tail);
        let (listed, ending) = proc::run(&spec, run.limits(), run.cancel)?;
        if ending != Ending::Exited {
            return Ok((Vec::new(), None));
        }
        if !listed.exit.success() {
            if listed.stderr_tail.contains("no library targets found") {
                return Ok((Vec::new(), None));
            }
            let mut t = TestResult::new(
                format!("{DOC_PREFIX}::(build)"),
                Outcome::Error,
                Duration::ZERO,
            );
            t.excerpt = format!(
                "the doc-tests did not build (`cargo test --doc -- --list`, {}):\n{}",
                listed.exit.describe(),
                summary::failure_summary(&listed.stdout_tail, &listed.stderr_tail)
            );
            return Ok((Vec::new(), Some(t)));
        }
        Ok((list_sections(&listed.stdout_tail), None))
    }
}

impl Mode for Cargo {
    type Batch = Job;
    type Error = CargoError;

    fn name(&self) -> &'static str {
        "cargo"
    }

    fn plan(&self, run: &Run) -> Result<Plan<Job>, CargoError> {
        let out_dir = run.out_dir().to_path_buf();
        std::fs::create_dir_all(&out_dir).map_err(|source| CargoError::Io {
            path: out_dir.clone(),
            source,
        })?;
        let mut plan = Plan::default();
        // 1. Build. A target that fails is a result of its own; the others still run.
        let build_out = run.cfg.work_dir.join("build.jsonl");
        let spec = Spec {
            stdout_file: Some(build_out.clone()),
            tail_bytes: 16 * 1024,
            ..self.cargo(run, &["--no-run", "--message-format", "json"], &[])
        };
        let (built, ending) = proc::run(&spec, run.limits(), run.cancel)?;
        if ending != Ending::Exited {
            plan.interrupted = true;
            return Ok(plan);
        }
        let json = std::fs::read_to_string(&build_out).map_err(|source| CargoError::Io {
            path: build_out.clone(),
            source,
        })?;
        let errors = if built.exit.success() {
            Vec::new()
        } else {
            parse_build_errors(&json)
        };
        let lib_built =
            built.exit.success() || (!errors.is_empty() && !errors.iter().any(|e| e.lib));
        if !built.exit.success() {
            if errors.is_empty() {
                let mut t = TestResult::new("cargo::(build)", Outcome::Error, Duration::ZERO);
                t.excerpt = format!(
                    "`cargo test --no-run` failed ({}):\n{}",
                    built.exit.describe(),
                    summary::failure_summary("", &built.stderr_tail)
                );
                plan.finished.push(t);
            }
            for BuildError { target, text, .. } in errors {
                let id = format!("{target}::(build)");
                if run.selects(&id) {
                    let mut t = TestResult::new(id, Outcome::Error, Duration::ZERO);
                    t.message = format!("the test target {target} did not build");
                    t.excerpt = format!(
                        "the test target {target} did not build:\n{}",
                        summary::failure_summary("", &text)
                    );
                    plan.finished.push(t);
                }
            }
        }
        // 2. List each binary's tests, and the doc-tests.
        for b in parse_artifacts(&json) {
            let spec = Spec {
                program: b.executable.clone().into_os_string(),
                args: vec!["--list".into()],
                cwd: Some(b.package_dir.clone()),
                tail_bytes: 1024 * 1024,
                ..Spec::default()
            };
            let (listed, _) = proc::run(&spec, run.limits(), run.cancel)?;
            if !listed.exit.success() {
                return Err(CargoError::List {
                    binary: b.executable.display().to_string(),
                    message: last_lines(&listed.stderr_tail, 10),
                });
            }
            for name in parse_list(&listed.stdout_tail) {
                let id = format!("{}::{name}", b.name);
                if run.selects(&id) {
                    plan.batches.push(Planned {
                        ids: vec![id.clone()],
                        batch: Job::Test {
                            binary: b.clone(),
                            name,
                            id,
                        },
                    });
                }
            }
        }
        if lib_built && self.runs_doc_tests() && !run.over() {
            let (listed, failed) = self.doc_tests(run)?;
            plan.finished.extend(failed);
            let sections: Vec<usize> = listed.iter().map(Vec::len).collect();
            let order = listed.concat();
            let wanted: Vec<String> = order
                .iter()
                .filter(|n| run.selects(&doc_id(n)))
                .cloned()
                .collect();
            if !wanted.is_empty() {
                // First: the doc-test session is the long one, and it runs while the other
                // workers take the test binaries' tests (cargo test runs the two one after
                // the other). Reports still list the doc-tests last (see [`run`]).
                plan.batches.insert(
                    0,
                    Planned {
                        ids: wanted.iter().map(|n| doc_id(n)).collect(),
                        batch: Job::Doc {
                            order,
                            sections,
                            wanted,
                        },
                    },
                );
            }
        }
        Ok(plan)
    }

    fn run_batch(&self, run: &Run, job: &Job, announce: bool) -> BatchOut {
        let (binary, name, id) = match job {
            Job::Test { binary, name, id } => (binary, name, id),
            Job::Doc {
                order,
                sections,
                wanted,
            } => {
                let label = run.label("doc-tests");
                let mut tail: Vec<OsString> = vec!["--".into()];
                // The user's own --test-threads stands; else --jobs threads, as many as the
                // runner's workers.
                // A value libtest will refuse (0, not a number) is the user's to see: velo
                // adds no second --test-threads, and schedules as if one thread ran.
                let threads = match test_threads(&self.test_args) {
                    Some(n) => n,
                    None if names_test_threads(&self.test_args) => 1,
                    None => {
                        let n = run.cfg.jobs.max(1);
                        tail.push(format!("--test-threads={n}").into());
                        n
                    }
                };
                tail.extend(self.test_args.iter().cloned());
                let mut spec = self.cargo(run, &["--doc"], &tail);
                spec.stdout_file = Some(run.out_dir().join(format!("{label}.stdout")));
                spec.stderr_file = Some(run.out_dir().join(format!("{label}.stderr")));
                spec.tail_bytes = 64 * 1024;
                let session = DocSession {
                    order,
                    sections,
                    wanted,
                    threads,
                };
                return run_doc_tests(run, spec, &session, announce);
            }
        };
        let label = run.label("test");
        let out = match self.run_one(run, binary, name, id, &label) {
            Ok((t, leaked, cut)) => BatchOut {
                leaked: leaked
                    .iter()
                    .map(|l| LeakNote::from_leaked(l, id))
                    .collect(),
                results: vec![t],
                interrupted: cut,
            },
            Err(e) => {
                let mut t = TestResult::new(id.clone(), Outcome::Error, Duration::ZERO);
                t.excerpt = e.to_string();
                BatchOut {
                    results: vec![t],
                    ..BatchOut::default()
                }
            }
        };
        if announce {
            for t in &out.results {
                run.announce(t);
            }
        }
        out
    }

    fn retry_batch(&self, job: &Job, _id: &str) -> Option<Job> {
        match job {
            Job::Test { binary, name, id } => Some(Job::Test {
                binary: binary.clone(),
                name: name.clone(),
                id: id.clone(),
            }),
            // One doc-test cannot be selected by name (see cargo_doc).
            Job::Doc { .. } => None,
        }
    }

    /// Doc-tests end in any order on several threads: reports list them as `--list` does.
    fn order(&self, job: &Job, results: &mut [TestResult]) {
        if let Job::Doc { order, .. } = job {
            let at: std::collections::HashMap<String, usize> = order
                .iter()
                .enumerate()
                .map(|(i, n)| (doc_id(n), i))
                .collect();
            results.sort_by_key(|t| at.get(&t.id).copied().unwrap_or(usize::MAX));
        }
    }
}

/// Whether the test arguments name `--test-threads` at all (whatever its value).
fn names_test_threads(args: &[OsString]) -> bool {
    args.iter().any(|a| {
        a.to_str()
            .is_some_and(|a| a == "--test-threads" || a.starts_with("--test-threads="))
    })
}

/// The user's `--test-threads N` (or `=N`) among the test arguments.
fn test_threads(args: &[OsString]) -> Option<usize> {
    let args: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    args.iter().enumerate().find_map(|(i, a)| {
        let value = match a.strip_prefix("--test-threads") {
            Some("") => args.get(i + 1)?.as_str(),
            Some(v) => v.strip_prefix('=')?,
            None => return None,
        };
        value.parse().ok().filter(|n| *n > 0)
    })
}

impl Cargo {
    /// One test in its own process; returns its result, leaked processes, and whether the run
    /// was cut short (Ctrl-C or the whole-run timeout).
    fn run_one(
        &self,
        run: &Run,
        b: &TestBinary,
        name: &str,
        id: &str,
        label: &str,
    ) -> Result<(TestResult, Vec<proc::Leaked>, bool), SpawnError> {
        let mut args: Vec<OsString> = vec![name.into(), "--exact".into()];
        args.extend(self.test_args.iter().cloned());
        let spec = Spec {
            program: b.executable.clone().into_os_string(),
            args,
            env: vec![(
                "CARGO_MANIFEST_DIR".into(),
                b.package_dir.clone().into_os_string(),
            )],
            cwd: Some(b.package_dir.clone()),
            stdout_file: Some(run.out_dir().join(format!("{label}.stdout"))),
            stderr_file: Some(run.out_dir().join(format!("{label}.stderr"))),
            tail_bytes: 64 * 1024,
            ..Spec::default()
        };
        let group = run.memory_group("test")?;
        let spec = Spec {
            cgroup: group.as_ref().map(|g| g.procs_path().to_owned()),
            ..spec
        };
        let limits = proc::Limits {
            timeout: run.test_limit(),
            kill_after: run.cfg.kill_after,
            ..proc::Limits::default()
        };
        let pid = std::sync::atomic::AtomicI32::new(0);
        let result = proc::run_with(&spec, limits, run.cancel, &|p| {
            pid.store(p, std::sync::atomic::Ordering::Relaxed);
            run.track(p, [id]);
        });
        run.untrack(pid.load(std::sync::atomic::Ordering::Relaxed));
        let (f, ending) = result?;
        let whole_run_over = run.past_deadline();
        let (outcome, mut excerpt) = match ending {
            Ending::TimedOut if !whole_run_over => (
                Outcome::TimedOut,
                format!(
                    "timed out after {} (--test-timeout)\n",
                    crate::units::format_duration(run.cfg.test_timeout.unwrap_or_default())
                ),
            ),
            Ending::TimedOut => (
                Outcome::TimedOut,
                "the whole run hit --timeout\n".to_string(),
            ),
            Ending::Cancelled => (
                Outcome::Interrupted,
                "interrupted: velo was stopped by a signal while this test ran\n".to_string(),
            ),
            Ending::Idle | Ending::Exited => match &group {
                // Killed by the kernel at the limit: the group's OOM count rose.
                Some(g) if g.oom_kills() > 0 => (
                    Outcome::OutOfMemory,
                    format!(
                        "{} ({})\n",
                        super::mem_limit::killed_line(
                            run.cfg.memory.map_or(0, super::mem_limit::Limiter::limit),
                            g.peak(),
                            g
                        ),
                        f.exit.describe()
                    ),
                ),
                _ => (judge(&f.stdout_tail, f.exit), String::new()),
            },
        };
        let mut message = String::new();
        if outcome != Outcome::Passed && outcome != Outcome::Skipped {
            let section = failure_section(&f.stdout_tail);
            message = panic_message(&section);
            excerpt.push_str(&section);
            if outcome == Outcome::Error && section.is_empty() {
                excerpt.push_str(&format!(
                    "the test process ended with {}\n",
                    f.exit.describe()
                ));
            }
            // stderr is where a crash (or cargo's compile of a doc-test) speaks: mined.
            let err = summary::failure_summary("", &f.stderr_tail);
            if !err.is_empty() {
                excerpt.push('\n');
                excerpt.push_str(&err);
            }
        }
        let mut t = TestResult::new(id, outcome, f.duration);
        t.memory_peak_bytes = group.as_ref().and_then(proc::cgroup::Group::peak);
        t.message = message;
        t.excerpt = excerpt;
        t.output = last_lines(&f.stdout_tail, 200);
        let cut = ending == Ending::Cancelled || whole_run_over;
        Ok((t, f.leaked, cut))
    }
}

/// The panic message of a libtest failure section: the line after `panicked at …:` (with its
/// `left`/`right` lines when an assertion compared values).
fn panic_message(section: &str) -> String {
    let mut lines = section.lines().skip_while(|l| !l.contains(" panicked at "));
    lines.next();
    lines.next().unwrap_or("").trim().to_string()
}

/// Runs `cargo test` one test per process.
pub fn run(
    cfg: &CargoConfig,
    cancel: &AtomicBool,
    on_progress: &(dyn Fn(Progress) + Sync),
) -> Result<RunReport, CargoError> {
    let mut report = driver::run(&Cargo::new(&cfg.command), cfg, cancel, on_progress)?;
    // The doc-tests after the test binaries' tests, as cargo test reports them.
    let doc = format!("{DOC_PREFIX}::");
    report.tests.sort_by_key(|t| t.id.starts_with(&doc));
    Ok(report)
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
    fn parses_build_errors_by_target() {
        let lines = r#"{"reason":"compiler-message","target":{"name":"broken","kind":["test"]},"message":{"level":"error","rendered":"error[E0425]: cannot find function\n"}}
{"reason":"compiler-message","target":{"name":"broken","kind":["test"]},"message":{"level":"warning","rendered":"unused\n"}}
{"reason":"compiler-message","target":{"name":"mylib","kind":["lib"]},"message":{"level":"error","rendered":"error: x\n"}}"#;
        let errors = parse_build_errors(lines);
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].target, "broken");
        assert!(!errors[0].lib && errors[1].lib);
        assert!(errors[0].text.contains("E0425") && !errors[0].text.contains("unused"));
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
    fn the_users_test_threads_stand() {
        assert_eq!(test_threads(&argv(&["--test-threads=3"])), Some(3));
        assert_eq!(
            test_threads(&argv(&["--nocapture", "--test-threads", "4"])),
            Some(4)
        );
        assert_eq!(test_threads(&argv(&["--test-threads"])), None);
        assert_eq!(test_threads(&argv(&["--test-threadsx=2", "foo"])), None);
        assert_eq!(test_threads(&argv(&[])), None);
        // A value libtest refuses is still the user's: velo adds no second flag.
        assert_eq!(test_threads(&argv(&["--test-threads=0"])), None);
        assert!(names_test_threads(&argv(&["--test-threads=0"])));
        assert!(names_test_threads(&argv(&["--test-threads", "x"])));
        assert!(!names_test_threads(&argv(&["--test-threadsx=2"])));
        assert!(!names_test_threads(&argv(&["--nocapture"])));
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
