//! Testing one package: `go test -json` sessions over its tests, watching each test's clock,
//! getting a goroutine dump and killing the tree on a hang, and new sessions for what a hang
//! or a crash left unfinished, until every selected test has a result.

use std::collections::{HashSet, VecDeque};
use std::ffi::OsString;
use std::time::{Duration, Instant};

use rustix::process::Signal;

use super::args::{group_pattern, path_pattern};
use super::events::{body_lines, goroutines_of, take_lines, top_of, SessionOut, Stream};
use super::{test_id, Go, PACKAGE_TEST};
use crate::proc::capture::buffer_sink;
use crate::proc::{self, Running, SpawnError, Spec};
use crate::test_runner::driver::{BatchOut, Run};
use crate::test_runner::{last_lines, summary, LeakNote, Outcome, TestResult, GO_STACK_MARKER};

/// How often a session's events and clocks are looked at.
const POLL: Duration = Duration::from_millis(20);
/// How long velo waits for the goroutine dump after SIGQUIT.
const DUMP_WAIT: Duration = Duration::from_secs(2);

/// go mode's settings and the run's, together.
pub(super) struct Ctx<'a> {
    pub go: &'a Go,
    pub run: &'a Run<'a>,
}

impl Ctx<'_> {
    /// `go test -json <velo's flags> <packages> <the user's flags>`.
    pub fn spec(&self, label: &str, own: Vec<OsString>, packages: &[OsString]) -> Spec {
        let go = self.go;
        let mut args: Vec<OsString> = go.prefix[1..].to_vec();
        args.push("-json".into());
        // go's own -timeout (10m by default) panics the whole test binary: velo times each test.
        if self.run.cfg.test_timeout.is_some() && !go.args.has_timeout {
            args.extend(["-timeout".into(), "0".into()]);
        }
        args.extend(own);
        args.extend(packages.iter().cloned());
        args.extend(go.args.rest.iter().cloned());
        Spec {
            program: go.prefix[0].clone(),
            args,
            cwd: Some(self.run.cfg.cwd.clone()),
            stdout_file: Some(self.run.out_dir().join(format!("{label}.stdout"))),
            stderr_file: Some(self.run.out_dir().join(format!("{label}.stderr"))),
            tail_bytes: 64 * 1024,
            ..Spec::default()
        }
    }
}

/// Tests one package's `tops`, parents before their subtests in source order, package-level
/// results last.
pub(super) fn run_package(ctx: &Ctx, pkg: &str, tops: &[String], announce: bool) -> BatchOut {
    let mut out = run_tests(ctx, pkg, tops, announce);
    order(pkg, tops, &mut out.results);
    out
}

/// Sorts a package's results: parents before their subtests, in source order; package-level
/// results last.
pub(super) fn order(pkg: &str, tops: &[String], results: &mut [TestResult]) {
    let rank = |id: &str| {
        let name = id
            .strip_prefix(pkg)
            .and_then(|n| n.strip_prefix("::"))
            .unwrap_or(id);
        let top = top_of(name);
        (
            tops.iter().position(|t| t == top).unwrap_or(usize::MAX),
            name.matches('/').count(),
        )
    };
    results.sort_by_key(|t| rank(&t.id));
}

/// What a session runs: some top-level tests together, or one test or subtest by its path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Selection {
    Tops(Vec<String>),
    Path(Vec<String>),
}

/// Runs `tops` of `pkg` to the end: a session, then new sessions for what a hang or a crash
/// left unfinished, until every test has a result.
fn run_tests(ctx: &Ctx, pkg: &str, tops: &[String], announce: bool) -> BatchOut {
    let mut out = BatchOut::default();
    let mut done: HashSet<String> = HashSet::new();
    let mut group: Vec<String> = tops.to_vec();
    let mut paths: VecDeque<Vec<String>> = VecDeque::new();
    // A bound that only a bug could reach: every further session needs a new result.
    let mut sessions_left = 8 + 4 * tops.len();
    loop {
        if ctx.run.over() {
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
                    TestResult::new(test_id(pkg, PACKAGE_TEST), Outcome::Error, Duration::ZERO);
                t.excerpt = format!("cannot start `go test`: {e}");
                if announce {
                    ctx.run.announce(&t);
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
                .filter(|t| !done.contains(&test_id(pkg, t)) && !s.alone.contains(t))
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
        if ctx.go.args.failfast && (bad || s.charged) {
            group.clear();
            paths.clear();
        }
        if s.package_failed && !s.any_test_failed && !s.charged && s.alone.is_empty() {
            let id = test_id(pkg, PACKAGE_TEST);
            if done.insert(id.clone()) {
                let mut t = TestResult::new(id, Outcome::Error, Duration::ZERO);
                t.excerpt = format!(
                    "the package failed outside any test (a build error, a panic in init, TestMain):\n{}",
                    summary::failure_summary(&s.package_output, "")
                );
                t.output = s.package_output;
                if announce {
                    ctx.run.announce(&t);
                }
                out.results.push(t);
            }
        }
    }
    out
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
        proc::tree::signal_pid(*pid, Signal::QUIT);
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
    let label = ctx.run.label("go");
    let pattern = match selection {
        Selection::Tops(tops) => group_pattern(tops, &ctx.go.levels),
        Selection::Path(path) => path_pattern(path, &ctx.go.levels),
    };
    let mut spec = ctx.spec(
        &label,
        vec!["-run".into(), pattern.into()],
        &[OsString::from(pkg)],
    );
    let (sink, pending) = buffer_sink();
    spec.stdout_sink = Some(sink);
    let mut running = Running::spawn(&spec)?;
    let mut st = Stream::new(ctx.run, pkg, done, announce);
    // The charged test waiting for its goroutine dump.
    let mut timed_out: Option<String> = None;
    let mut killed = false;
    loop {
        let exited = running.wait_for(POLL).is_some();
        for line in take_lines(&pending, false) {
            st.handle(&line);
        }
        if ctx.run.cfg.tracker.is_some() {
            let ids: Vec<String> = st
                .unfinished_trees()
                .iter()
                .map(|top| test_id(pkg, top))
                .collect();
            ctx.run.track(running.pid(), ids.iter().map(String::as_str));
        }
        if exited {
            break;
        }
        if ctx.run.over() {
            let (why, outcome) = if ctx.run.cancel.load(std::sync::atomic::Ordering::SeqCst) {
                (
                    "interrupted: velo was stopped by a signal while this test ran",
                    Outcome::Interrupted,
                )
            } else {
                ("the whole run hit --timeout", Outcome::TimedOut)
            };
            st.frozen = true;
            for top in st.unfinished_trees() {
                st.charge(&top, outcome, why);
            }
            st.out.rerun.clear();
            st.out.interrupted = true;
            running.terminate(ctx.run.cfg.kill_after);
            killed = true;
            break;
        }
        if let Some(limit) = ctx.run.cfg.test_timeout {
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
                    running.terminate(ctx.run.cfg.kill_after);
                }
                killed = true;
                break;
            }
        }
    }
    ctx.run.untrack(running.pid());
    let finished = running.finish();
    for line in take_lines(&pending, true) {
        st.handle(&line);
    }
    if let Some(name) = timed_out {
        let stack = goroutines_of(&st.after_freeze, top_of(&name));
        let id = test_id(pkg, &name);
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
            finished.exit.describe(),
            summary::failure_summary(&body_lines(&st.out.package_output), "")
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
    if ctx.run.cancel.load(std::sync::atomic::Ordering::SeqCst) {
        st.out.interrupted = true;
    }
    Ok(st.out)
}
