//! go mode: lists the tests of every package (`go test -json -list`), then tests each package
//! in its own `go test -json` session, `--jobs` packages at once, reading the event stream as it
//! comes. A test that runs past `--test-timeout` gets a goroutine dump (SIGQUIT to the test
//! binary), the session's whole tree is killed, the test is recorded as `timed-out`, and a new
//! session runs the package's unfinished tests (`-run '^(A|B)$'`) so every other test still
//! runs. A hung subtest costs its top-level test first (Go reports a subtest's result only when
//! its parent ends, so the finished ones cannot be told from the hung one); the subtests that
//! were unfinished then run again one by one (`-run '^Parent$/^Sub$'`). Failed tests are
//! retried in fresh sessions with the timeout re-armed.
//!
//! One session per package, because `go test` holds back a package's events until the package
//! ends when it tests several packages at once, and velo must see which test is running.

use std::collections::{HashMap, HashSet, VecDeque};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use serde::Deserialize;

use crate::proc::{self, Ending, Limits, Running, SpawnError, Spec};

use super::generic::{backoff, sleep_unless};
use super::pytest::Progress;
use super::{
    last_lines, Attempt, LeakNote, Outcome, RunReport, SessionConfig, TestResult, GO_STACK_MARKER,
};

/// How often a session's events and clocks are looked at.
const POLL: Duration = Duration::from_millis(20);
/// How long velo waits for the goroutine dump after SIGQUIT.
const DUMP_WAIT: Duration = Duration::from_secs(2);
/// Output kept per test (the tail).
const OUTPUT_CAP: usize = 256 * 1024;
/// The name of the result that stands for a package-level failure (build error, a panic in
/// `init`, a failing `TestMain`).
pub const PACKAGE_TEST: &str = "(package)";

/// Whether a command is `go test …` (the index of `test`; `go -C dir test` and the versioned
/// `go1.22.5 test` of golang.org/dl too).
pub fn go_test_token(command: &[OsString]) -> Option<usize> {
    let first = Path::new(command.first()?).file_name()?.to_string_lossy();
    let version = first.strip_prefix("go")?;
    if !version.chars().all(|c| c.is_ascii_digit() || c == '.') || version.starts_with('.') {
        return None;
    }
    let mut i = 1;
    while let Some(a) = command.get(i) {
        let a = a.to_string_lossy();
        if a == "-C" || a == "--C" {
            i += 2;
        } else if a.starts_with("-C=") || a.starts_with("--C=") {
            i += 1;
        } else {
            break;
        }
    }
    (command.get(i)? == "test").then_some(i)
}

/// A go run that could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum GoError {
    #[error(transparent)]
    Spawn(#[from] SpawnError),
    #[error("`go test -list` listed no package (exit {code}); its output ends with:\n{tail}")]
    List { code: String, tail: String },
    #[error("cannot create {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Usage(String),
}

// ---------------------------------------------------------------- the user's arguments

/// `go test` flags that take a value (build flags and test flags; `-test.` forms are folded).
const VALUE_FLAGS: &[&str] = &[
    "C",
    "p",
    "asmflags",
    "buildmode",
    "compiler",
    "gccgoflags",
    "gcflags",
    "installsuffix",
    "ldflags",
    "mod",
    "modfile",
    "overlay",
    "pgo",
    "pkgdir",
    "tags",
    "toolexec",
    "o",
    "exec",
    "coverpkg",
    "covermode",
    "coverprofile",
    "cpuprofile",
    "memprofile",
    "memprofilerate",
    "blockprofile",
    "blockprofilerate",
    "mutexprofile",
    "mutexprofilefraction",
    "trace",
    "outputdir",
    "run",
    "skip",
    "bench",
    "benchtime",
    "count",
    "cpu",
    "list",
    "parallel",
    "timeout",
    "vet",
    "shuffle",
    "fuzz",
    "fuzztime",
    "fuzzminimizetime",
    "debug-actiongraph",
    "debug-deps-cover",
    "debug-trace",
];

/// `go test` flags that take no value.
const BOOL_FLAGS: &[&str] = &[
    "a",
    "n",
    "x",
    "v",
    "c",
    "i",
    "race",
    "msan",
    "asan",
    "cover",
    "json",
    "short",
    "failfast",
    "benchmem",
    "trimpath",
    "linkshared",
    "work",
    "modcacherw",
    "buildvcs",
    "fullpath",
];

/// The user's `go test` arguments, taken apart the way `go test` does: package patterns are
/// the words before the first flag that follows them (or before an unknown flag), everything
/// after `-args` goes to the test binary.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct GoArgs {
    /// Package patterns (none: the package in the current folder).
    pub packages: Vec<OsString>,
    /// Every other argument in order, without the packages and the flags velo sets itself.
    pub rest: Vec<OsString>,
    /// The user's `-run` pattern.
    pub run: Option<String>,
    /// The user set `-timeout` (go's own whole-binary limit).
    pub has_timeout: bool,
    pub failfast: bool,
    /// The user passed `-list`.
    pub list: bool,
}

/// Splits the arguments after `test`.
pub fn parse_go_args(args: &[OsString]) -> GoArgs {
    let mut out = GoArgs::default();
    let mut in_packages = false;
    let mut packages_closed = false;
    let mut i = 0;
    while i < args.len() {
        let raw = args[i].to_string_lossy().into_owned();
        if raw == "-args" || raw == "--args" {
            out.rest.extend(args[i..].iter().cloned());
            break;
        }
        if raw.len() > 1 && raw.starts_with('-') {
            if in_packages {
                in_packages = false;
                packages_closed = true;
            }
            let body = raw.trim_start_matches('-');
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (body, None),
            };
            let name = name.strip_prefix("test.").unwrap_or(name);
            let takes_value = VALUE_FLAGS.contains(&name);
            if !takes_value && !BOOL_FLAGS.contains(&name) {
                // An unknown flag goes to the test binary; go then ends the package list.
                packages_closed = true;
            }
            let mut words = vec![args[i].clone()];
            let value = if takes_value && inline.is_none() {
                let v = args.get(i + 1).cloned();
                words.extend(v.clone());
                i += 1;
                v.map(|v| v.to_string_lossy().into_owned())
            } else {
                inline
            };
            i += 1;
            match name {
                "run" => out.run = value,
                "json" => {}
                "list" => out.list = true,
                _ => {
                    out.has_timeout |= name == "timeout";
                    out.failfast |= name == "failfast" && value.as_deref() != Some("false");
                    out.rest.extend(words);
                }
            }
            continue;
        }
        if packages_closed {
            out.rest.extend(args[i..].iter().cloned());
            break;
        }
        in_packages = true;
        out.packages.push(args[i].clone());
        i += 1;
    }
    out
}

/// Splits a `-run` pattern into its per-level parts at the slashes outside brackets and
/// parentheses, as the `testing` package does. `None` when the pattern also has a top-level
/// `|` between paths, which velo cannot combine with its own selection.
pub fn run_levels(pattern: &str) -> Option<Vec<String>> {
    let bytes = pattern.as_bytes();
    let mut levels = Vec::new();
    let (mut brackets, mut parens, mut start, mut alternation) = (0i32, 0i32, 0, false);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'[' => brackets += 1,
            b']' => brackets = (brackets - 1).max(0),
            b'(' if brackets == 0 => parens += 1,
            b')' if brackets == 0 => parens -= 1,
            b'\\' => i += 1,
            b'|' if brackets == 0 && parens == 0 => alternation = true,
            b'/' if brackets == 0 && parens == 0 => {
                levels.push(pattern[start..i].to_string());
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    levels.push(pattern[start.min(pattern.len())..].to_string());
    if alternation && levels.len() > 1 {
        return None;
    }
    Some(levels)
}

/// Escapes the regular expression metacharacters in `text` (Go's `regexp.QuoteMeta`).
pub fn quote_meta(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The `-run` pattern that selects exactly these top-level tests, keeping the deeper levels
/// of the user's own pattern.
pub fn group_pattern(tops: &[String], user_levels: &[String]) -> String {
    let names: Vec<String> = tops.iter().map(|t| quote_meta(t)).collect();
    let mut levels = vec![format!("^({})$", names.join("|"))];
    levels.extend(user_levels.iter().skip(1).cloned());
    levels.join("/")
}

/// The `-run` pattern that selects one test or subtest by its path (`["TestX", "case_1"]`).
pub fn path_pattern(path: &[String], user_levels: &[String]) -> String {
    let mut levels: Vec<String> = path
        .iter()
        .map(|p| format!("^{}$", quote_meta(p)))
        .collect();
    levels.extend(user_levels.iter().skip(path.len()).cloned());
    levels.join("/")
}

// ---------------------------------------------------------------- the event stream

/// One `go test -json` event (test2json's `TestEvent`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GoEvent {
    pub action: String,
    #[serde(default)]
    pub package: String,
    #[serde(default)]
    pub test: Option<String>,
    #[serde(default)]
    pub elapsed: Option<f64>,
    #[serde(default)]
    pub output: Option<String>,
    /// Build events (Go 1.24+) name the package here (`pkg [pkg.test]`).
    #[serde(default)]
    pub import_path: Option<String>,
}

/// A line of `go test -json` output: an event, or plain text (go prints some failures that
/// way, e.g. `FAIL\tpkg [build failed]` before Go 1.24).
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    Event(GoEvent),
    Text(String),
}

pub fn parse_line(line: &str) -> Line {
    let t = line.trim_end_matches(['\n', '\r']);
    if t.starts_with('{') {
        if let Ok(ev) = serde_json::from_str::<GoEvent>(t) {
            return Line::Event(ev);
        }
    }
    Line::Text(t.to_string())
}

/// The package of a `FAIL\tpkg [build failed]` (or `[setup failed]`) line.
pub fn build_failure(text: &str) -> Option<&str> {
    let rest = text.strip_prefix("FAIL")?.trim_start();
    let (pkg, why) = rest.split_once(char::is_whitespace)?;
    (why.contains("[build failed]") || why.contains("[setup failed]")).then_some(pkg)
}

/// Whether a line of `-list` output is a test name: go runs the functions named Test…,
/// Example… and Fuzz… (benchmarks only with -bench, and never as tests).
pub fn is_test_name(line: &str) -> bool {
    ["Test", "Example", "Fuzz"]
        .iter()
        .any(|p| line.starts_with(p))
        && line.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// One package as `go test -list` saw it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListedPackage {
    pub name: String,
    /// Top-level tests, in source order.
    pub tests: Vec<String>,
    /// The package failed to build or to list (a panic in `init`, a failing `TestMain`).
    pub failed: bool,
    /// Its package-level output (and, for a build failure, the compiler's).
    pub output: String,
}

fn package_entry<'a>(pkgs: &'a mut Vec<ListedPackage>, name: &str) -> &'a mut ListedPackage {
    if let Some(i) = pkgs.iter().position(|p| p.name == name) {
        &mut pkgs[i]
    } else {
        pkgs.push(ListedPackage {
            name: name.to_string(),
            ..ListedPackage::default()
        });
        let last = pkgs.len() - 1;
        &mut pkgs[last]
    }
}

/// Reads `go test -json -list` output; `stderr` carries the compiler errors of packages that
/// did not build (`# pkg` headers).
pub fn parse_list(stdout: &str, stderr: &str) -> Vec<ListedPackage> {
    let mut pkgs: Vec<ListedPackage> = Vec::new();
    for line in stdout.lines() {
        match parse_line(line) {
            Line::Event(ev) => {
                if ev.action.starts_with("build-") {
                    let Some(path) = ev.import_path.as_deref() else {
                        continue;
                    };
                    let name = path.split_whitespace().next().unwrap_or(path);
                    let p = package_entry(&mut pkgs, name);
                    if ev.action == "build-fail" {
                        p.failed = true;
                    }
                    p.output.push_str(ev.output.as_deref().unwrap_or(""));
                    continue;
                }
                if ev.package.is_empty() || ev.test.is_some() {
                    continue;
                }
                let p = package_entry(&mut pkgs, &ev.package);
                match ev.action.as_str() {
                    "output" => {
                        let text = ev.output.unwrap_or_default();
                        let name = text.trim_end();
                        if is_test_name(name) {
                            if !p.tests.iter().any(|t| t == name) {
                                p.tests.push(name.to_string());
                            }
                        } else {
                            p.output.push_str(&text);
                        }
                    }
                    "fail" => p.failed = true,
                    _ => {}
                }
            }
            Line::Text(text) => {
                if let Some(name) = build_failure(&text) {
                    let p = package_entry(&mut pkgs, name);
                    p.failed = true;
                    p.output.push_str(&text);
                    p.output.push('\n');
                }
            }
        }
    }
    for p in pkgs.iter_mut().filter(|p| p.failed) {
        let errors = stderr_section(stderr, &p.name);
        if !errors.is_empty() {
            p.output.push_str(&errors);
        }
    }
    pkgs.sort_by(|a, b| a.name.cmp(&b.name));
    pkgs
}

/// The part of go's stderr under a `# pkg` (or `# pkg [pkg.test]`) header.
fn stderr_section(stderr: &str, pkg: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in stderr.lines() {
        if let Some(header) = line.strip_prefix("# ") {
            inside = header.split_whitespace().next() == Some(pkg);
        }
        if inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// A test's output without go's framing lines (`=== RUN`, `=== PAUSE`, `=== CONT`, `=== NAME`)
/// and result lines (`--- FAIL: TestX (0.00s)`).
pub fn body_lines(output: &str) -> String {
    output
        .lines()
        .filter(|l| {
            let t = l.trim_start();
            !(l.starts_with("=== ")
                || t.starts_with("--- PASS: ")
                || t.starts_with("--- FAIL: ")
                || t.starts_with("--- SKIP: "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The goroutines of a SIGQUIT dump that run `top` (or one of its closures), the one running
/// the test body first (a goroutine waiting in `t.Run` is a parent waiting for a subtest),
/// without the frame and stack pointers.
pub fn goroutines_of(dump: &str, top: &str) -> String {
    let call = format!(".{top}(");
    let closure = format!(".{top}.func");
    let mut blocks: Vec<&str> = dump
        .split("\n\n")
        .map(|b| b.trim_matches('\n'))
        .filter(|b| b.starts_with("goroutine ") && (b.contains(&call) || b.contains(&closure)))
        .collect();
    blocks.sort_by_key(|b| b.contains("testing.(*T).Run("));
    blocks
        .iter()
        .take(2)
        .map(|b| {
            b.lines()
                .take(24)
                .map(|l| l.split(" fp=").next().unwrap_or(l))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn push_capped(buf: &mut String, text: &str) {
    buf.push_str(text);
    if buf.len() > OUTPUT_CAP {
        let mut cut = buf.len() - OUTPUT_CAP / 2;
        while !buf.is_char_boundary(cut) {
            cut += 1;
        }
        buf.drain(..cut);
    }
}

fn top_of(name: &str) -> &str {
    name.split('/').next().unwrap_or(name)
}

fn parent_of(name: &str) -> Option<&str> {
    name.rsplit_once('/').map(|(p, _)| p)
}

fn depth(name: &str) -> usize {
    name.matches('/').count()
}

// ---------------------------------------------------------------- running

struct Ctx<'a> {
    cfg: &'a SessionConfig,
    cancel: &'a AtomicBool,
    deadline: Option<Instant>,
    on_progress: &'a (dyn Fn(Progress) + Sync),
    /// `go [-C dir] test`.
    prefix: Vec<OsString>,
    args: GoArgs,
    levels: Vec<String>,
    out_dir: PathBuf,
    counter: AtomicU32,
}

impl Ctx<'_> {
    fn time_left(&self) -> Option<Duration> {
        self.deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
    }

    fn over(&self) -> bool {
        self.cancel.load(Ordering::SeqCst) || self.deadline.is_some_and(|d| Instant::now() >= d)
    }

    /// `go test -json <velo's flags> <packages> <the user's flags>`.
    fn spec(&self, label: &str, own: Vec<OsString>, packages: &[OsString]) -> Spec {
        let mut args: Vec<OsString> = self.prefix[1..].to_vec();
        args.push("-json".into());
        // go's own -timeout (10m by default) panics the whole test binary: velo times each test.
        if self.cfg.test_timeout.is_some() && !self.args.has_timeout {
            args.extend(["-timeout".into(), "0".into()]);
        }
        args.extend(own);
        args.extend(packages.iter().cloned());
        args.extend(self.args.rest.iter().cloned());
        Spec {
            program: self.prefix[0].clone(),
            args,
            cwd: Some(self.cfg.cwd.clone()),
            stdout_file: Some(self.out_dir.join(format!("{label}.stdout"))),
            stderr_file: Some(self.out_dir.join(format!("{label}.stderr"))),
            tail_bytes: 64 * 1024,
            ..Spec::default()
        }
    }

    fn label(&self) -> String {
        format!("go-{}", self.counter.fetch_add(1, Ordering::Relaxed))
    }

    fn id(pkg: &str, name: &str) -> String {
        format!("{pkg}::{name}")
    }
}

/// Runs `go test` one package per session, with per-test timeouts.
pub fn run(
    cfg: &SessionConfig,
    cancel: &AtomicBool,
    on_progress: &(dyn Fn(Progress) + Sync),
) -> Result<RunReport, GoError> {
    let started = Instant::now();
    let Some(at) = go_test_token(&cfg.command) else {
        return Err(GoError::Usage(format!(
            "go mode runs `go test`, not `{}`\n  help: pass `-- go test ./...`, or another --framework",
            super::generic::display_command(&cfg.command)
        )));
    };
    let args = parse_go_args(&cfg.command[at + 1..]);
    if args.list {
        return Err(GoError::Usage(
            "`go test -list` only lists tests, and velo runs them\n  help: drop -list (velo lists the tests itself)".into(),
        ));
    }
    let user_run = args.run.clone().unwrap_or_default();
    let Some(levels) = run_levels(&user_run) else {
        return Err(GoError::Usage(format!(
            "-run {user_run:?} has a `|` between subtest paths, which go mode cannot combine with its own -run\n  help: run one path per velo call, or select top-level tests only"
        )));
    };
    let out_dir = cfg
        .output_dir
        .clone()
        .unwrap_or_else(|| cfg.work_dir.clone());
    std::fs::create_dir_all(&out_dir).map_err(|source| GoError::Io {
        path: out_dir.clone(),
        source,
    })?;
    let ctx = Ctx {
        cfg,
        cancel,
        deadline: cfg.timeout.map(|t| started + t),
        on_progress,
        prefix: cfg.command[..=at].to_vec(),
        args,
        levels,
        out_dir,
        counter: AtomicU32::new(0),
    };

    // 1. List (this also builds every test binary once).
    let list_pattern = match ctx.levels.first().filter(|l| !l.is_empty()) {
        Some(l) => l.clone(),
        None => ".*".to_string(),
    };
    let spec = ctx.spec(
        "go-list",
        vec!["-list".into(), list_pattern.into()],
        &ctx.args.packages,
    );
    let limits = Limits {
        timeout: ctx.time_left(),
        kill_after: cfg.kill_after,
        ..Limits::default()
    };
    let (listed, ending) = proc::run(&spec, limits, cancel)?;
    if ending != Ending::Exited {
        let mut report = RunReport::new("go", Vec::new(), started.elapsed());
        report.interrupted = true;
        return Ok(report);
    }
    let stdout = spec
        .stdout_file
        .as_ref()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .unwrap_or_else(|| listed.stdout_tail.clone());
    let stderr = spec
        .stderr_file
        .as_ref()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .unwrap_or_else(|| listed.stderr_tail.clone());
    let packages = parse_list(&stdout, &stderr);
    if packages.is_empty() && !listed.exit.success() {
        return Err(GoError::List {
            code: listed
                .exit
                .code
                .map_or_else(|| "by a signal".to_string(), |c| c.to_string()),
            tail: last_lines(&format!("{}\n{}", listed.stdout_tail, stderr), 30),
        });
    }

    // 2. What to run: the selected tests of each package; packages that did not build or list
    // are an error result each.
    let selects = |id: &str| cfg.partition.is_none_or(|p| p.selects(id));
    let mut jobs: Vec<(ListedPackage, Vec<String>)> = Vec::new();
    let mut early: Vec<(usize, TestResult)> = Vec::new();
    for (i, p) in packages.into_iter().enumerate() {
        if p.failed && p.tests.is_empty() {
            let id = Ctx::id(&p.name, PACKAGE_TEST);
            if selects(&id) {
                let mut t = TestResult::new(id, Outcome::Error, Duration::ZERO);
                t.excerpt = format!(
                    "the package did not build or list its tests:\n{}",
                    last_lines(&p.output, 40)
                );
                t.output.clone_from(&p.output);
                on_progress(Progress::Finished(&t));
                early.push((i, t));
            }
            continue;
        }
        let tops: Vec<String> = p
            .tests
            .iter()
            .filter(|t| selects(&Ctx::id(&p.name, t)))
            .cloned()
            .collect();
        if !tops.is_empty() {
            jobs.push((p, tops));
        }
    }
    // Packages with earlier failures first (--watch).
    jobs.sort_by_key(|(p, tops)| {
        !tops
            .iter()
            .any(|t| cfg.first.contains(&Ctx::id(&p.name, t)))
    });

    // 3. Run, `--jobs` packages at once.
    let queue: Mutex<VecDeque<(usize, ListedPackage, Vec<String>)>> = Mutex::new(
        jobs.into_iter()
            .enumerate()
            .map(|(i, (p, t))| (i, p, t))
            .collect(),
    );
    let done: Mutex<Vec<(usize, PackageOut)>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..cfg.jobs.max(1) {
            s.spawn(|| loop {
                if ctx.over() {
                    return;
                }
                let next = queue
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .pop_front();
                let Some((index, pkg, tops)) = next else {
                    return;
                };
                let out = run_package(&ctx, &pkg.name, &tops);
                done.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push((index, out));
            });
        }
    });
    let mut done = done.into_inner().unwrap_or_else(PoisonError::into_inner);
    done.sort_by_key(|(i, _)| *i);
    let mut tests: Vec<TestResult> = early.into_iter().map(|(_, t)| t).collect();
    let mut leaked = Vec::new();
    let mut interrupted = ctx.over()
        && !queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty();
    for (_, out) in done {
        tests.extend(out.results);
        leaked.extend(out.leaked);
        interrupted |= out.interrupted;
    }
    let mut report = RunReport::new("go", tests, started.elapsed());
    report.leaked = leaked;
    report.interrupted = interrupted || cancel.load(Ordering::SeqCst);
    Ok(report)
}

/// What testing one package gave.
#[derive(Default)]
struct PackageOut {
    results: Vec<TestResult>,
    leaked: Vec<LeakNote>,
    interrupted: bool,
}

/// Tests one package: runs its tests, resumes after hangs and crashes, then retries the
/// top-level tests that failed.
fn run_package(ctx: &Ctx, pkg: &str, tops: &[String]) -> PackageOut {
    let mut out = run_tests(ctx, pkg, tops, true);
    if !out.interrupted && ctx.cfg.retries > 0 {
        retry_failed(ctx, pkg, tops, &mut out);
    }
    // Parents before their subtests, in source order; package-level results last.
    let rank = |id: &str| {
        let name = id
            .strip_prefix(pkg)
            .and_then(|n| n.strip_prefix("::"))
            .unwrap_or(id);
        let top = top_of(name);
        (
            tops.iter().position(|t| t == top).unwrap_or(usize::MAX),
            depth(name),
        )
    };
    out.results.sort_by_key(|t| rank(&t.id));
    out
}

/// Re-runs each failed top-level test (with its subtests) in fresh sessions until it passes or
/// the retries run out; fail-then-pass is flaky.
fn retry_failed(ctx: &Ctx, pkg: &str, tops: &[String], out: &mut PackageOut) {
    for top in tops {
        let id = Ctx::id(pkg, top);
        let mut attempt = 1;
        while attempt <= ctx.cfg.retries
            && out.results.iter().any(|t| t.id == id && t.outcome.is_bad())
        {
            if sleep_unless(backoff(ctx.cfg.retry_backoff, attempt), ctx.cancel) {
                out.interrupted = true;
                return;
            }
            attempt += 1;
            (ctx.on_progress)(Progress::Retrying { id: &id, attempt });
            let fresh = run_tests(ctx, pkg, std::slice::from_ref(top), false);
            out.leaked.extend(fresh.leaked);
            for new in fresh.results {
                let merged = if let Some(i) = out.results.iter().position(|t| t.id == new.id) {
                    let old = &mut out.results[i];
                    let mut previous = std::mem::take(&mut old.previous);
                    previous.push(Attempt {
                        outcome: old.outcome,
                        duration_s: old.duration_s,
                        excerpt: std::mem::take(&mut old.excerpt),
                    });
                    let was_bad = previous.iter().any(|a| a.outcome.is_bad());
                    let attempts = old.attempts + 1;
                    *old = TestResult { previous, ..new };
                    old.attempts = attempts;
                    if old.outcome == Outcome::Passed && was_bad {
                        old.outcome = Outcome::Flaky;
                    }
                    i
                } else {
                    out.results.push(new);
                    out.results.len() - 1
                };
                (ctx.on_progress)(Progress::Finished(&out.results[merged]));
            }
            if fresh.interrupted {
                out.interrupted = true;
                return;
            }
        }
    }
}

/// What a session runs: some top-level tests together, or one test or subtest by its path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Selection {
    Tops(Vec<String>),
    Path(Vec<String>),
}

/// Runs `tops` of `pkg` to the end: a session, then new sessions for what a hang or a crash
/// left unfinished, until every test has a result.
fn run_tests(ctx: &Ctx, pkg: &str, tops: &[String], announce: bool) -> PackageOut {
    let mut out = PackageOut::default();
    let mut done: HashSet<String> = HashSet::new();
    let mut group: Vec<String> = tops.to_vec();
    let mut paths: VecDeque<Vec<String>> = VecDeque::new();
    // A bound that only a bug could reach: every further session needs a new result.
    let mut sessions_left = 8 + 4 * tops.len();
    loop {
        if ctx.over() {
            out.interrupted = true;
            break;
        }
        let selection = if !group.is_empty() {
            Selection::Tops(group.clone())
        } else if let Some(p) = paths.pop_front() {
            Selection::Path(p)
        } else {
            break;
        };
        if sessions_left == 0 {
            break;
        }
        sessions_left -= 1;
        let s = match run_session(ctx, pkg, &selection, &done, announce) {
            Ok(s) => s,
            Err(e) => {
                let mut t =
                    TestResult::new(Ctx::id(pkg, PACKAGE_TEST), Outcome::Error, Duration::ZERO);
                t.excerpt = format!("cannot start `go test`: {e}");
                if announce {
                    (ctx.on_progress)(Progress::Finished(&t));
                }
                out.results.push(t);
                break;
            }
        };
        let progressed = !s.results.is_empty();
        let bad = s.results.iter().any(|t| t.outcome.is_bad());
        for t in s.results {
            done.insert(t.id.clone());
            out.results.push(t);
        }
        out.leaked.extend(s.leaked);
        if s.interrupted {
            out.interrupted = true;
            break;
        }
        paths.extend(s.rerun);
        if let Selection::Tops(asked) = &selection {
            group = asked
                .iter()
                .filter(|t| !done.contains(&Ctx::id(pkg, t)) && !s.alone.contains(t))
                .cloned()
                .collect();
            paths.extend(s.alone.iter().map(|t| vec![t.clone()]));
            let cut = s.charged || !s.alone.is_empty();
            // A session that ended by itself leaves tests unrun only when the binary died
            // between tests (then go on with the rest) or under -failfast (then stop).
            if !(cut || s.package_failed && progressed) {
                group.clear();
            }
        }
        if ctx.args.failfast && (bad || s.charged) {
            group.clear();
            paths.clear();
        }
        if s.package_failed && !s.any_test_failed && !s.charged && s.alone.is_empty() {
            let id = Ctx::id(pkg, PACKAGE_TEST);
            if done.insert(id.clone()) {
                let mut t = TestResult::new(id, Outcome::Error, Duration::ZERO);
                t.excerpt = format!(
                    "the package failed outside any test (a build error, a panic in init, TestMain):\n{}",
                    last_lines(&s.package_output, 40)
                );
                t.output = s.package_output;
                if announce {
                    (ctx.on_progress)(Progress::Finished(&t));
                }
                out.results.push(t);
            }
        }
    }
    out
}

/// A test started and not finished in the current session.
struct LiveTest {
    started: Instant,
    output: String,
    failed_subtests: Vec<String>,
    seq: u64,
}

/// The clock of a top-level test and its subtests: a test with subtests times out when it
/// runs that long without starting (or resuming) one.
struct Tree {
    last_activity: Instant,
    paused: bool,
}

/// What one `go test` session did.
#[derive(Default)]
struct SessionOut {
    /// New results (ids not already done).
    results: Vec<TestResult>,
    /// A test was charged with a timeout or a crash, and the session was cut short by it.
    charged: bool,
    /// Subtests to run again, each on its own (they were unfinished under a charged test).
    rerun: Vec<Vec<String>>,
    /// Top-level tests to run again each on its own: the binary died while they ran together.
    alone: Vec<String>,
    interrupted: bool,
    package_failed: bool,
    any_test_failed: bool,
    package_output: String,
    leaked: Vec<LeakNote>,
}

/// The state of one session's event stream.
struct Stream<'a> {
    ctx: &'a Ctx<'a>,
    pkg: &'a str,
    done: &'a HashSet<String>,
    announce: bool,
    live: HashMap<String, LiveTest>,
    trees: HashMap<String, Tree>,
    seq: u64,
    /// Once velo decided to end the session, events only add output (the goroutine dump).
    frozen: bool,
    after_freeze: String,
    out: SessionOut,
}

impl<'a> Stream<'a> {
    /// The state of one session of `pkg`, before its first event.
    fn new(ctx: &'a Ctx<'a>, pkg: &'a str, done: &'a HashSet<String>, announce: bool) -> Self {
        Self {
            ctx,
            pkg,
            done,
            announce,
            live: HashMap::new(),
            trees: HashMap::new(),
            seq: 0,
            frozen: false,
            after_freeze: String::new(),
            out: SessionOut::default(),
        }
    }

    fn handle(&mut self, line: &str) {
        let ev = match parse_line(line) {
            Line::Event(ev) => ev,
            Line::Text(text) => {
                if build_failure(&text) == Some(self.pkg) {
                    self.out.package_failed = true;
                }
                push_capped(&mut self.out.package_output, &format!("{text}\n"));
                return;
            }
        };
        if ev.action.starts_with("build-") {
            push_capped(
                &mut self.out.package_output,
                ev.output.as_deref().unwrap_or(""),
            );
            return;
        }
        let now = Instant::now();
        let Some(name) = ev.test.clone() else {
            match ev.action.as_str() {
                "output" => {
                    let text = ev.output.unwrap_or_default();
                    if self.frozen {
                        self.after_freeze.push_str(&text);
                    }
                    push_capped(&mut self.out.package_output, &text);
                }
                "fail" => self.out.package_failed = true,
                _ => {}
            }
            return;
        };
        let top = top_of(&name).to_string();
        match ev.action.as_str() {
            "run" => {
                self.seq += 1;
                self.live.insert(
                    name.clone(),
                    LiveTest {
                        started: now,
                        output: String::new(),
                        failed_subtests: Vec::new(),
                        seq: self.seq,
                    },
                );
                let tree = self.trees.entry(top.clone()).or_insert(Tree {
                    last_activity: now,
                    paused: false,
                });
                tree.last_activity = now;
                if name == top {
                    tree.paused = false;
                }
            }
            "pause" if name == top => {
                if let Some(tree) = self.trees.get_mut(&top) {
                    tree.paused = true;
                }
            }
            "cont" => {
                if let Some(tree) = self.trees.get_mut(&top) {
                    tree.last_activity = now;
                    if name == top {
                        tree.paused = false;
                    }
                }
            }
            "output" => {
                let text = ev.output.unwrap_or_default();
                if self.frozen {
                    self.after_freeze.push_str(&text);
                }
                if let Some(t) = self.live.get_mut(&name) {
                    push_capped(&mut t.output, &text);
                }
            }
            "pass" | "fail" | "skip" if !self.frozen => {
                let started = self.live.remove(&name);
                if ev.action == "fail" {
                    self.out.any_test_failed = true;
                    if let Some(parent) = parent_of(&name).and_then(|p| self.live.get_mut(p)) {
                        parent.failed_subtests.push(name.clone());
                    }
                }
                let id = Ctx::id(self.pkg, &name);
                if self.done.contains(&id) {
                    return;
                }
                let outcome = match ev.action.as_str() {
                    "pass" => Outcome::Passed,
                    "skip" => Outcome::Skipped,
                    _ => Outcome::Failed,
                };
                let elapsed = ev.elapsed.map_or_else(
                    || {
                        started
                            .as_ref()
                            .map_or(Duration::ZERO, |l| l.started.elapsed())
                    },
                    |e| Duration::from_secs_f64(e.max(0.0)),
                );
                let mut t = TestResult::new(id, outcome, elapsed);
                if let Some(l) = started {
                    let body = body_lines(&l.output);
                    if outcome == Outcome::Failed {
                        t.excerpt = last_lines(&body, 40);
                        if !l.failed_subtests.is_empty() {
                            if !t.excerpt.is_empty() {
                                t.excerpt.push('\n');
                            }
                            t.excerpt.push_str(&format!(
                                "failed subtests: {}",
                                l.failed_subtests.join(", ")
                            ));
                        }
                    } else if outcome == Outcome::Skipped {
                        t.excerpt = body.lines().map(str::trim).collect::<Vec<_>>().join("\n");
                    }
                    t.output = last_lines(&l.output, 200);
                }
                self.record(t);
            }
            _ => {}
        }
    }

    /// Adds a result. A test seen again in the same session (`-count N`) keeps its first
    /// result unless a later run went bad.
    fn record(&mut self, t: TestResult) {
        let existing = self.out.results.iter().position(|r| r.id == t.id);
        if let Some(i) = existing {
            if !t.outcome.is_bad() || self.out.results[i].outcome.is_bad() {
                return;
            }
        }
        if self.announce {
            (self.ctx.on_progress)(Progress::Finished(&t));
        }
        match existing {
            Some(i) => self.out.results[i] = t,
            None => self.out.results.push(t),
        }
    }

    /// Running tests of `top`'s tree that have no result yet, shallowest first.
    fn unfinished_in(&self, top: &str) -> Vec<String> {
        let mut names: Vec<&String> = self
            .live
            .keys()
            .filter(|n| top_of(n) == top && !self.done.contains(&Ctx::id(self.pkg, n)))
            .collect();
        names.sort_by_key(|n| (depth(n), self.live.get(*n).map_or(0, |l| l.seq)));
        names.into_iter().cloned().collect()
    }

    /// Trees with unfinished tests, those not waiting (paused) first.
    fn unfinished_trees(&self) -> Vec<String> {
        let mut tops: Vec<String> = self
            .trees
            .keys()
            .filter(|t| !self.unfinished_in(t).is_empty())
            .cloned()
            .collect();
        tops.sort_by_key(|t| (self.trees.get(t).is_some_and(|tr| tr.paused), t.clone()));
        tops
    }

    /// Charges the shallowest unfinished test of `top`'s tree with `outcome`; its unfinished
    /// subtests are run again on their own. Returns the charged test's name.
    fn charge(&mut self, top: &str, outcome: Outcome, why: &str) -> Option<String> {
        let names = self.unfinished_in(top);
        let charged = names.first()?.clone();
        let live = self.live.get(&charged)?;
        let duration = live.started.elapsed();
        let children: Vec<String> = names
            .iter()
            .filter(|n| parent_of(n) == Some(charged.as_str()))
            .cloned()
            .collect();
        let mut excerpt = format!("{why}\n");
        if !children.is_empty() {
            excerpt.push_str(&format!(
                "unfinished subtests (each run again on its own): {}\n",
                children.join(", ")
            ));
        }
        let mut output = String::new();
        for n in &names {
            if n == &charged || n.starts_with(&format!("{charged}/")) {
                if let Some(l) = self.live.get(n) {
                    output.push_str(&l.output);
                }
            }
        }
        let body = last_lines(&body_lines(&output), 30);
        if !body.is_empty() {
            excerpt.push_str(&format!("--- last output ---\n{body}\n"));
        }
        self.out.rerun.extend(
            children
                .iter()
                .map(|c| c.split('/').map(str::to_string).collect()),
        );
        let mut t = TestResult::new(Ctx::id(self.pkg, &charged), outcome, duration);
        t.excerpt = excerpt;
        t.output = last_lines(&output, 200);
        self.out.charged = true;
        self.record(t);
        Some(charged)
    }

    /// A tree that ran past the per-test limit, the longest overdue first.
    fn overdue(&self, limit: Duration) -> Option<String> {
        self.trees
            .iter()
            .filter(|(top, tree)| !tree.paused && !self.unfinished_in(top).is_empty())
            .map(|(top, tree)| (top, tree.last_activity.elapsed()))
            .filter(|(_, idle)| *idle >= limit)
            .max_by_key(|(_, idle)| *idle)
            .map(|(top, _)| top.clone())
    }
}

/// Takes the complete lines out of `pending` (all of it when `all`).
fn take_lines(pending: &Mutex<Vec<u8>>, all: bool) -> Vec<String> {
    let mut buf = pending.lock().unwrap_or_else(PoisonError::into_inner);
    let end = if all {
        buf.len()
    } else {
        match buf.iter().rposition(|b| *b == b'\n') {
            Some(i) => i + 1,
            None => return Vec::new(),
        }
    };
    let chunk: Vec<u8> = buf.drain(..end).collect();
    drop(buf);
    String::from_utf8_lossy(&chunk)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Asks the test binaries of a session for a goroutine dump (SIGQUIT makes the Go runtime
/// print every goroutine's stack and exit) and waits a little for it.
fn dump_goroutines(running: &mut Running) -> bool {
    let binaries: Vec<i32> = proc::tree::scan()
        .into_iter()
        .filter(|p| !p.zombie && p.tag.as_deref() == Some(running.tag()))
        .filter(|p| {
            proc::tree::argv0(p.pid).is_some_and(|a| a.extension().is_some_and(|e| e == "test"))
        })
        .map(|p| p.pid)
        .collect();
    for pid in &binaries {
        proc::tree::signal_pid(*pid, Signal::SIGQUIT);
    }
    if !binaries.is_empty() {
        let end = Instant::now() + DUMP_WAIT;
        while Instant::now() < end {
            if running.wait_for(Duration::from_millis(50)).is_some() {
                break;
            }
        }
    }
    !binaries.is_empty()
}

/// Runs one `go test -json` session of `pkg` and watches its tests' clocks.
fn run_session(
    ctx: &Ctx,
    pkg: &str,
    selection: &Selection,
    done: &HashSet<String>,
    announce: bool,
) -> Result<SessionOut, SpawnError> {
    let label = ctx.label();
    let pattern = match selection {
        Selection::Tops(tops) => group_pattern(tops, &ctx.levels),
        Selection::Path(path) => path_pattern(path, &ctx.levels),
    };
    let mut spec = ctx.spec(
        &label,
        vec!["-run".into(), pattern.into()],
        &[OsString::from(pkg)],
    );
    let pending: Arc<Mutex<Vec<u8>>> = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&pending);
    spec.stdout_sink = Some(Arc::new(move |b: &[u8]| {
        sink.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(b);
    }));
    let mut running = Running::spawn(&spec)?;
    let mut st = Stream::new(ctx, pkg, done, announce);
    // The charged test waiting for its goroutine dump.
    let mut timed_out: Option<String> = None;
    let mut killed = false;
    loop {
        let exited = running.wait_for(POLL).is_some();
        for line in take_lines(&pending, false) {
            st.handle(&line);
        }
        if exited {
            break;
        }
        if ctx.over() {
            let why = if ctx.cancel.load(Ordering::SeqCst) {
                "interrupted"
            } else {
                "the whole run hit --timeout"
            };
            st.frozen = true;
            for top in st.unfinished_trees() {
                st.charge(&top, Outcome::TimedOut, why);
            }
            st.out.rerun.clear();
            st.out.interrupted = true;
            running.terminate(ctx.cfg.kill_after);
            killed = true;
            break;
        }
        if let Some(limit) = ctx.cfg.test_timeout {
            if let Some(top) = st.overdue(limit) {
                let why = format!(
                    "timed out after {} (--test-timeout)",
                    crate::units::format_duration(limit)
                );
                timed_out = st.charge(&top, Outcome::TimedOut, &why);
                st.frozen = true;
                if dump_goroutines(&mut running) {
                    for line in take_lines(&pending, false) {
                        st.handle(&line);
                    }
                }
                if running.exit().is_none() {
                    running.terminate(ctx.cfg.kill_after);
                }
                killed = true;
                break;
            }
        }
    }
    let finished = running.finish();
    for line in take_lines(&pending, true) {
        st.handle(&line);
    }
    if let Some(name) = timed_out {
        let stack = goroutines_of(&st.after_freeze, top_of(&name));
        let id = Ctx::id(pkg, &name);
        if let Some(t) = st.out.results.iter_mut().find(|t| t.id == id) {
            if !stack.is_empty() {
                t.excerpt.push_str(&format!("{GO_STACK_MARKER}\n{stack}\n"));
            }
            if !st.after_freeze.is_empty() {
                t.output.push_str("\n--- goroutine dump ---\n");
                t.output.push_str(&last_lines(&st.after_freeze, 400));
            }
        }
    } else if !killed {
        // The binary ended by itself while tests ran: os.Exit, a fatal error, go's -timeout.
        let trees = st.unfinished_trees();
        let why = format!(
            "the test binary ended during this test ({}):\n{}",
            describe_exit(finished.exit),
            last_lines(&body_lines(&st.out.package_output), 20)
        );
        match trees.as_slice() {
            [] => {}
            [top] => {
                st.charge(top, Outcome::Error, &why);
            }
            many => st.out.alone = many.to_vec(),
        }
    }
    st.out
        .package_output
        .push_str(&last_lines(&finished.stderr_tail, 40));
    st.out.leaked = finished
        .leaked
        .iter()
        .map(|l| LeakNote::from_leaked(l, &format!("go test {pkg} ({label})")))
        .collect();
    if ctx.cancel.load(Ordering::SeqCst) {
        st.out.interrupted = true;
    }
    Ok(st.out)
}

fn describe_exit(e: proc::ExitInfo) -> String {
    match (e.code, e.signal) {
        (Some(c), _) => format!("go exited with code {c}"),
        (None, Some(s)) => format!("go was killed by signal {s}"),
        _ => "unknown exit".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    #[test]
    fn detects_go_test() {
        assert_eq!(go_test_token(&argv(&["go", "test", "./..."])), Some(1));
        assert_eq!(go_test_token(&argv(&["/usr/bin/go", "test"])), Some(1));
        assert_eq!(
            go_test_token(&argv(&["go", "-C", "sub", "test", "-v"])),
            Some(3)
        );
        assert_eq!(go_test_token(&argv(&["go", "build"])), None);
        assert_eq!(go_test_token(&argv(&["go"])), None);
        assert_eq!(go_test_token(&argv(&["go1.22.5", "test"])), Some(1));
        assert_eq!(go_test_token(&argv(&["gotest", "test"])), None);
        assert_eq!(go_test_token(&argv(&["go.sh", "test"])), None);
        assert_eq!(go_test_token(&argv(&["cargo", "test"])), None);
    }

    #[test]
    fn splits_packages_flags_and_binary_args() {
        let a = parse_go_args(&argv(&[
            "-v", "-run", "TestX", "-tags", "db", "./...", "./cmd", "-count=1", "-json",
        ]));
        assert_eq!(a.packages, argv(&["./...", "./cmd"]));
        assert_eq!(a.rest, argv(&["-v", "-tags", "db", "-count=1"]));
        assert_eq!(a.run.as_deref(), Some("TestX"));
        assert!(!a.has_timeout && !a.failfast && !a.list);

        // After the package list and a flag, words go to the test binary.
        let a = parse_go_args(&argv(&["./a", "-timeout", "1m", "extra", "-x"]));
        assert_eq!(a.packages, argv(&["./a"]));
        assert_eq!(a.rest, argv(&["-timeout", "1m", "extra", "-x"]));
        assert!(a.has_timeout);

        // An unknown flag ends the package list (go passes it to the binary).
        let a = parse_go_args(&argv(&["-update", "golden", "-failfast"]));
        assert!(a.packages.is_empty());
        assert_eq!(a.rest, argv(&["-update", "golden", "-failfast"]));

        let a = parse_go_args(&argv(&[
            ".",
            "-test.run=^TestA$",
            "-failfast",
            "-args",
            "-run",
            "x",
        ]));
        assert_eq!(a.packages, argv(&["."]));
        assert_eq!(a.run.as_deref(), Some("^TestA$"));
        assert_eq!(a.rest, argv(&["-failfast", "-args", "-run", "x"]));
        assert!(a.failfast);
        assert!(parse_go_args(&argv(&["-list", "."])).list);
    }

    #[test]
    fn run_patterns_split_by_level_and_quote_names() {
        assert_eq!(run_levels(""), Some(vec![String::new()]));
        assert_eq!(
            run_levels("TestA|TestB"),
            Some(vec!["TestA|TestB".to_string()])
        );
        assert_eq!(
            run_levels("TestA/(x/y)/[/]z"),
            Some(vec!["TestA".into(), "(x/y)".into(), "[/]z".into()])
        );
        assert_eq!(
            run_levels(r"A\/B/c"),
            Some(vec![r"A\/B".into(), "c".into()])
        );
        assert_eq!(run_levels("A/x|B/y"), None);

        assert_eq!(quote_meta("a.b(c)+d"), r"a\.b\(c\)\+d");
        let tops = vec!["TestA".to_string(), "TestB".to_string()];
        assert_eq!(group_pattern(&tops, &[String::new()]), "^(TestA|TestB)$");
        assert_eq!(
            group_pattern(&tops, &["Test".into(), "fast".into()]),
            "^(TestA|TestB)$/fast"
        );
        let path = vec!["TestX".to_string(), "case(1)".to_string()];
        assert_eq!(
            path_pattern(&path, &[String::new()]),
            r"^TestX$/^case\(1\)$"
        );
        assert_eq!(
            path_pattern(&path[..1], &["TestX".into(), "a".into(), "b".into()]),
            "^TestX$/a/b"
        );
    }

    #[test]
    fn parses_events_and_text_lines() {
        let l = parse_line(
            r#"{"Time":"2024-01-01T00:00:00Z","Action":"fail","Package":"example.com/p","Test":"TestX/sub","Elapsed":0.25}"#,
        );
        assert_eq!(
            l,
            Line::Event(GoEvent {
                action: "fail".into(),
                package: "example.com/p".into(),
                test: Some("TestX/sub".into()),
                elapsed: Some(0.25),
                output: None,
                import_path: None,
            })
        );
        assert_eq!(
            parse_line("FAIL\texample.com/b [build failed]"),
            Line::Text("FAIL\texample.com/b [build failed]".into())
        );
        assert_eq!(
            build_failure("FAIL\texample.com/b [build failed]"),
            Some("example.com/b")
        );
        assert_eq!(build_failure("FAIL\texample.com/b\t0.01s"), None);
        assert!(is_test_name("TestAdds"));
        assert!(is_test_name("ExampleAdd"));
        assert!(is_test_name("FuzzParse"));
        assert!(!is_test_name("BenchmarkX"));
        assert!(!is_test_name("ok  \texample.com/p\t0.003s"));
    }

    #[test]
    fn parses_a_listing_with_a_build_failure() {
        let stdout = r#"{"Action":"output","Package":"example.com/p/other","Output":"TestB\n"}
{"Action":"output","Package":"example.com/p","Output":"TestA\n"}
{"Action":"output","Package":"example.com/p","Output":"ExampleA\n"}
{"Action":"output","Package":"example.com/p","Output":"ok  \texample.com/p\t0.003s\n"}
{"Action":"pass","Package":"example.com/p","Elapsed":0.003}
FAIL	example.com/p/broken [build failed]
{"Action":"output","Package":"example.com/p/none","Output":"?   \texample.com/p/none\t[no test files]\n"}
{"Action":"skip","Package":"example.com/p/none","Elapsed":0}
{"Action":"output","Package":"example.com/p/init","Output":"panic: boom\n"}
{"Action":"fail","Package":"example.com/p/init","Elapsed":0.01}
"#;
        let stderr = "# example.com/p/broken [example.com/p/broken.test]\nbroken/x_test.go:5:28: undefined: nope\n# example.com/p/other\nvet: fine\n";
        let pkgs = parse_list(stdout, stderr);
        let names: Vec<&str> = pkgs.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "example.com/p",
                "example.com/p/broken",
                "example.com/p/init",
                "example.com/p/none",
                "example.com/p/other"
            ]
        );
        assert_eq!(pkgs[0].tests, ["TestA", "ExampleA"]);
        assert!(!pkgs[0].failed);
        assert!(pkgs[1].failed && pkgs[1].tests.is_empty());
        assert!(
            pkgs[1].output.contains("undefined: nope"),
            "{}",
            pkgs[1].output
        );
        assert!(!pkgs[1].output.contains("vet: fine"));
        assert!(pkgs[2].failed && pkgs[2].output.contains("panic: boom"));
        assert!(!pkgs[3].failed && pkgs[3].tests.is_empty());
        assert_eq!(pkgs[4].tests, ["TestB"]);
    }

    #[test]
    fn keeps_the_goroutine_of_the_hung_test() {
        let dump = "SIGQUIT: quit\nPC=0x1 m=0\n\ngoroutine 1 [chan receive]:\ntesting.(*T).Run(0xc0, {0x1, 0x2}, 0x3)\n\t/go/testing.go:1494 +0x37a fp=0x1 sp=0x2 pc=0x3\nexample.com/p.TestX(0xc0)\n\t/p/x_test.go:9 +0x1\n\ngoroutine 7 [sleep]:\ntime.Sleep(0x34630b8a000)\n\t/go/time.go:195 +0x135 fp=0xc sp=0xd pc=0xe\nexample.com/p.TestX.func1(0xc0)\n\t/p/x_test.go:12 +0x114 fp=0xc sp=0xd pc=0xe\n\ngoroutine 3 [GC sweep wait]:\nruntime.gopark()\n";
        let g = goroutines_of(dump, "TestX");
        assert!(
            g.starts_with(
                "goroutine 7 [sleep]:\ntime.Sleep(0x34630b8a000)\n\t/go/time.go:195 +0x135\n"
            ),
            "{g}"
        );
        assert!(g.contains("goroutine 1 [chan receive]"));
        assert!(!g.contains("GC sweep"));
        assert!(!g.contains("fp="));
        assert_eq!(goroutines_of(dump, "TestY"), "");
    }

    #[test]
    fn body_lines_drop_the_framing() {
        assert_eq!(
            body_lines("=== RUN   TestX\nhello\n=== CONT  TestX\n    x_test.go:3: boom\n--- FAIL: TestX (0.00s)\n"),
            "hello\n    x_test.go:3: boom"
        );
    }

    fn session_config() -> SessionConfig {
        SessionConfig {
            command: argv(&["go", "test"]),
            cwd: PathBuf::from("."),
            test_timeout: Some(Duration::from_secs(5)),
            timeout: None,
            kill_after: Duration::from_secs(1),
            retries: 0,
            retry_backoff: Duration::ZERO,
            jobs: 1,
            partition: None,
            work_dir: PathBuf::from("."),
            output_dir: None,
            first: Vec::new(),
        }
    }

    fn event(action: &str, test: Option<&str>, output: Option<&str>) -> String {
        serde_json::json!({
            "Action": action, "Package": "example.com/p", "Test": test, "Output": output
        })
        .to_string()
    }

    #[test]
    fn the_stream_records_results_and_charges_the_shallowest_unfinished_test() {
        let cfg = session_config();
        let cancel = AtomicBool::new(false);
        let ctx = Ctx {
            cfg: &cfg,
            cancel: &cancel,
            deadline: None,
            on_progress: &|_| {},
            prefix: argv(&["go", "test"]),
            args: GoArgs::default(),
            levels: vec![String::new()],
            out_dir: PathBuf::from("."),
            counter: AtomicU32::new(0),
        };
        let done: HashSet<String> = ["example.com/p::TestDone".to_string()].into();
        let mut st = Stream::new(&ctx, "example.com/p", &done, false);
        for line in [
            event("run", Some("TestDone"), None),
            event("pass", Some("TestDone"), None),
            event("run", Some("TestCount"), None),
            event("pass", Some("TestCount"), None),
            event("run", Some("TestCount"), None),
            event(
                "output",
                Some("TestCount"),
                Some("    c_test.go:3: second run broke\n"),
            ),
            event("fail", Some("TestCount"), None),
            event("run", Some("TestX"), None),
            event("run", Some("TestX/a"), None),
            event("output", Some("TestX/a"), Some("=== RUN   TestX/a\n")),
            event("run", Some("TestX/b"), None),
            event("output", Some("TestX/b"), Some("stuck in b\n")),
        ] {
            st.handle(&line);
        }
        // A done test is not recorded again; a -count rerun that failed wins over a pass.
        let ids: Vec<(&str, Outcome)> = st
            .out
            .results
            .iter()
            .map(|t| (t.id.as_str(), t.outcome))
            .collect();
        assert_eq!(ids, [("example.com/p::TestCount", Outcome::Failed)]);
        assert_eq!(
            st.out.results[0].excerpt,
            "    c_test.go:3: second run broke"
        );
        assert!(st.out.any_test_failed);
        assert_eq!(st.unfinished_trees(), ["TestX"]);
        assert_eq!(st.overdue(Duration::from_secs(3600)), None);
        assert_eq!(st.overdue(Duration::ZERO).as_deref(), Some("TestX"));

        let charged = st.charge("TestX", Outcome::TimedOut, "timed out after 5s");
        assert_eq!(charged.as_deref(), Some("TestX"));
        let t = st.out.results.last().unwrap();
        assert_eq!(t.id, "example.com/p::TestX");
        assert_eq!(t.outcome, Outcome::TimedOut);
        assert!(
            t.excerpt
                .contains("unfinished subtests (each run again on its own): TestX/a, TestX/b"),
            "{}",
            t.excerpt
        );
        assert!(t.excerpt.contains("stuck in b"), "{}", t.excerpt);
        assert_eq!(
            st.out.rerun,
            vec![
                vec!["TestX".to_string(), "a".to_string()],
                vec!["TestX".to_string(), "b".to_string()]
            ]
        );
        assert!(st.out.charged);
    }

    #[test]
    fn output_is_capped_at_a_char_boundary() {
        let mut s = String::new();
        for _ in 0..(OUTPUT_CAP / 3 + 10) {
            push_capped(&mut s, "é.");
        }
        assert!(s.len() <= OUTPUT_CAP);
        assert!(s.ends_with("é."));
    }
}
