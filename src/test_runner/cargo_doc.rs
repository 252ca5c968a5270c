//! cargo mode's doc-tests. rustdoc splits the arguments after `--` at whitespace, and every
//! doc-test name has spaces (`src/lib.rs - add (line 3)`), so one doc-test cannot be selected
//! by name (`--exact` never matches). The doc-tests therefore run as one session,
//! `cargo test --doc -- --test-threads=N` (`--jobs`), as `cargo test` runs them. With more than
//! one thread libtest names a test only when it ends (`test NAME ... ok`), so velo knows which
//! doc-tests are running from libtest's schedule ([`Schedule`]): they start in the order
//! `--list` gives, at most N at once, the next one as soon as one ends. Each running doc-test is
//! held to `--test-timeout`: at the limit it is recorded as timed-out, the others go on in the
//! other threads, and the session's whole tree is killed once every doc-test still running has
//! timed out. Doc-tests that never started then (N hung at once) are errors that say why.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::proc::capture::buffer_sink;
use crate::proc::{Running, Spec};

use super::driver::{BatchOut, Run};
use super::{last_lines, summary, LeakNote, Outcome, TestResult};

/// The id prefix of doc-tests.
pub const DOC_PREFIX: &str = "doc-test";

const POLL: Duration = Duration::from_millis(20);

/// The id of a doc-test.
pub fn doc_id(name: &str) -> String {
    format!("{DOC_PREFIX}::{name}")
}

/// A libtest result line (`test NAME ... ok`): the name and the outcome.
pub fn result_line(line: &str) -> Option<(&str, Outcome)> {
    let rest = line.strip_prefix("test ")?;
    let (name, result) = rest.rsplit_once(" ... ")?;
    let outcome = match result.trim() {
        "ok" => Outcome::Passed,
        "FAILED" => Outcome::Failed,
        r if r.starts_with("ignored") => Outcome::Skipped,
        _ => return None,
    };
    Some((name, outcome))
}

/// rustdoc's suffixes of the names it reports `no_run` and `compile_fail` doc-tests under
/// (`src/lib.rs - f (line 3) - compile fail`), where `--list` gives the plain name.
const REPORTED_SUFFIXES: [&str; 2] = [" - compile fail", " - compile"];

/// The listed name of a doc-test reported as `reported`: rustdoc's `--list` names a `no_run`
/// doc-test `src/lib.rs - f (line 3)` and reports it as `… - compile`, a `compile_fail` one as
/// `… - compile fail`. A reported name that is listed as it is stays as it is.
fn listed_name<'a>(reported: &'a str, listed: &HashSet<&str>) -> &'a str {
    if listed.contains(reported) {
        return reported;
    }
    REPORTED_SUFFIXES
        .iter()
        .find_map(|s| reported.strip_suffix(s).filter(|n| listed.contains(n)))
        .unwrap_or(reported)
}

/// libtest's `---- NAME stdout ----` section of a failed test.
pub fn failure_of(stdout: &str, name: &str) -> String {
    let head = format!("---- {name} stdout ----");
    let Some(start) = stdout.find(&head) else {
        return String::new();
    };
    let body = &stdout[start + head.len()..];
    let end = body
        .find("\n---- ")
        .or_else(|| body.find("\nfailures:"))
        .unwrap_or(body.len());
    last_lines(&body[..end], 30)
}

/// libtest's schedule, as rustdoc's harness runs it with `--test-threads=N`: the tests of a
/// libtest run start in the order `--list` gives them (sorted by name), at most N at once, and
/// the next one starts as soon as one ends (an `ignored` one too takes a turn). So once `c`
/// tests of the run have ended, its first `c + N` have started: which doc-tests run, and since
/// when, is known from the end lines alone. rustdoc makes one libtest run per section of its
/// `--list` (edition 2024 merges doc-tests into one binary and runs those that cannot be merged,
/// `compile_fail` ones for example, in a second run), each opened by a `running K tests` line.
struct Schedule<'a> {
    index: HashMap<&'a str, usize>,
    order: &'a [String],
    /// Where each section ends in `order`.
    ends: Vec<usize>,
    threads: usize,
    /// The section running (its start, end) and how many of its tests ended.
    section: Option<(usize, usize)>,
    next_section: usize,
    ended: usize,
    started: Vec<Option<Instant>>,
    done: Vec<bool>,
}

impl<'a> Schedule<'a> {
    /// `order`: every test the session runs, as `--list` gives them; `sections`: how many
    /// tests each of the list's sections holds.
    fn new(order: &'a [String], sections: &[usize], threads: usize) -> Self {
        let ends = sections
            .iter()
            .scan(0, |at, n| {
                *at += n;
                Some((*at).min(order.len()))
            })
            .collect();
        Self {
            index: order
                .iter()
                .enumerate()
                .map(|(i, n)| (n.as_str(), i))
                .collect(),
            order,
            ends,
            threads: threads.max(1),
            section: None,
            next_section: 0,
            ended: 0,
            started: vec![None; order.len()],
            done: vec![false; order.len()],
        }
    }

    /// A libtest run starts (`running K tests`): the next section's first N tests start now.
    fn begin(&mut self, now: Instant) {
        let start = self.section.map_or(0, |(_, end)| end);
        let Some(&end) = self.ends.get(self.next_section) else {
            // More runs than the list has sections: no test is known to run.
            self.section = Some((self.order.len(), self.order.len()));
            return;
        };
        self.next_section += 1;
        self.section = Some((start, end));
        self.ended = 0;
        self.open(now);
    }

    fn open(&mut self, now: Instant) {
        if let Some((start, end)) = self.section {
            let upto = (start + self.ended + self.threads).min(end);
            for s in &mut self.started[start.min(upto)..upto] {
                s.get_or_insert(now);
            }
        }
    }

    /// Test `name` ended now: how long it ran; the next ones start.
    fn end(&mut self, name: &str, now: Instant) -> Duration {
        let Some(&i) = self.index.get(name) else {
            return Duration::ZERO;
        };
        if self.done[i] {
            return Duration::ZERO;
        }
        self.done[i] = true;
        if self
            .section
            .is_some_and(|(start, end)| (start..end).contains(&i))
        {
            self.ended += 1;
        }
        let took = self.started[i].map_or(Duration::ZERO, |s| now.saturating_duration_since(s));
        self.open(now);
        took
    }

    /// The doc-tests running now, with their start.
    fn running(&self) -> impl Iterator<Item = (&'a str, Instant)> + '_ {
        self.order
            .iter()
            .zip(&self.started)
            .zip(&self.done)
            .filter_map(|((n, s), done)| s.filter(|_| !done).map(|s| (n.as_str(), s)))
    }
}

/// Whether a line opens a libtest run (`running 3 tests`, `running 1 test`).
fn run_starts(line: &str) -> bool {
    line.strip_prefix("running ")
        .and_then(|r| r.strip_suffix(" tests").or_else(|| r.strip_suffix(" test")))
        .is_some_and(|n| n.parse::<usize>().is_ok())
}

/// The sections of a libtest `--list` output (`name: test` lines, each section closed by its
/// `N tests, M benchmarks` line): the names of each.
pub fn list_sections(stdout: &str) -> Vec<Vec<String>> {
    let mut sections = Vec::new();
    let mut section = Vec::new();
    for line in stdout.lines() {
        if let Some(name) = line.strip_suffix(": test") {
            section.push(name.to_string());
        } else if line.ends_with(" benchmarks") || line.ends_with(" benchmark") {
            sections.push(std::mem::take(&mut section));
        }
    }
    if !section.is_empty() {
        sections.push(section);
    }
    sections
}

/// A doc-test session: what it runs and with how many threads.
pub struct DocSession<'a> {
    /// Every doc-test the session runs, in `--list` order (the schedule).
    pub order: &'a [String],
    /// How many doc-tests each section of the list holds (one libtest run each).
    pub sections: &'a [usize],
    /// The doc-tests this run reports (`--partition` keeps some).
    pub wanted: &'a [String],
    /// `--test-threads`.
    pub threads: usize,
}

/// Runs the doc-tests in one session, `threads` at once, each held to the per-test limit.
pub fn run_doc_tests(run: &Run, mut spec: Spec, session: &DocSession, announce: bool) -> BatchOut {
    let mut out = BatchOut::default();
    let (sink, pending) = buffer_sink();
    spec.stdout_sink = Some(sink);
    let mut running = match Running::spawn(&spec) {
        Ok(r) => r,
        Err(e) => {
            let mut t = TestResult::new(doc_id("(session)"), Outcome::Error, Duration::ZERO);
            t.excerpt = format!("cannot start `cargo test --doc`: {e}");
            out.results.push(t);
            return out;
        }
    };
    let listed: HashSet<&str> = session.order.iter().map(String::as_str).collect();
    let wanted: HashSet<&str> = session.wanted.iter().map(String::as_str).collect();
    let mut schedule = Schedule::new(session.order, session.sections, session.threads);
    let mut text = String::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut record = |out: &mut BatchOut, name: &str, t: TestResult| {
        if wanted.contains(name) && seen.insert(t.id.clone()) {
            if announce {
                run.announce(&t);
            }
            out.results.push(t);
        }
    };
    // Timed out and still holding their thread.
    let mut hung: HashSet<&str> = HashSet::new();
    let mut cut: Option<String> = None;
    loop {
        let exited = running.wait_for(POLL).is_some();
        read_into(&pending, &mut text);
        let now = Instant::now();
        while let Some(nl) = text.find('\n') {
            let line: String = text.drain(..=nl).collect();
            let line = line.trim_end();
            if run_starts(line) {
                schedule.begin(now);
            } else if let Some((name, outcome)) = result_line(line) {
                let name = listed_name(name, &listed);
                let took = schedule.end(name, now);
                // A hung one that ended after all keeps its timed-out record.
                record(&mut out, name, TestResult::new(doc_id(name), outcome, took));
            }
        }
        if exited {
            break;
        }
        if run.over() {
            let (outcome, why) = if run.cancel.load(std::sync::atomic::Ordering::SeqCst) {
                (
                    Outcome::Interrupted,
                    "interrupted: velo was stopped by a signal while this test ran",
                )
            } else {
                (Outcome::TimedOut, "the whole run hit --timeout")
            };
            for (name, t0) in schedule.running().filter(|(n, _)| !hung.contains(n)) {
                let mut t = TestResult::new(doc_id(name), outcome, t0.elapsed());
                t.excerpt = format!("{why}\n");
                record(&mut out, name, t);
            }
            cut = Some(why.to_string());
            out.interrupted = true;
            running.terminate(run.cfg.kill_after);
            break;
        }
        if let Some(limit) = run.cfg.test_timeout {
            let over: Vec<(&str, Instant)> = schedule
                .running()
                .filter(|(n, t0)| !hung.contains(n) && t0.elapsed() >= limit)
                .collect();
            for (name, t0) in over {
                let mut t = TestResult::new(doc_id(name), Outcome::TimedOut, t0.elapsed());
                t.excerpt = format!(
                    "timed out after {} (--test-timeout)\n",
                    crate::units::format_duration(limit)
                );
                record(&mut out, name, t);
                hung.insert(name);
            }
        }
        // Every doc-test still running has hung: nothing can end any more.
        if !hung.is_empty() && schedule.running().all(|(n, _)| hung.contains(n)) {
            let mut names: Vec<&str> = hung.iter().copied().collect();
            names.sort_unstable();
            cut = Some(format!(
                "{} of {} doc-test thread(s) held by the timed-out {}",
                names.len(),
                session.threads,
                names.join(", ")
            ));
            running.terminate(run.cfg.kill_after);
            break;
        }
    }
    let finished = running.finish();
    read_into(&pending, &mut text);
    for line in text.lines() {
        if let Some((name, outcome)) = result_line(line) {
            let name = listed_name(name, &listed);
            let took = schedule.end(name, Instant::now());
            record(&mut out, name, TestResult::new(doc_id(name), outcome, took));
        }
    }
    // Excerpts of the failed ones, from libtest's failure sections.
    let stdout = spec
        .stdout_file
        .as_ref()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .unwrap_or_else(|| finished.stdout_tail.clone());
    for t in out
        .results
        .iter_mut()
        .filter(|t| t.outcome == Outcome::Failed)
    {
        let name =
            t.id.strip_prefix(DOC_PREFIX)
                .and_then(|n| n.strip_prefix("::"));
        // A `compile_fail` or `no_run` one's section is under the name it was reported by.
        let section = name
            .map(|n| {
                std::iter::once(String::new())
                    .chain(REPORTED_SUFFIXES.iter().map(|s| (*s).to_string()))
                    .map(|s| failure_of(&stdout, &format!("{n}{s}")))
                    .find(|f| !f.is_empty())
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        t.message = section
            .lines()
            .skip_while(|l| !l.contains(" panicked at "))
            .nth(1)
            .unwrap_or("")
            .trim()
            .to_string();
        t.excerpt = section;
    }
    // What never ran: after a hang, or when the session died.
    let why = match &cut {
        Some(why) => format!("not run: the doc-test session was stopped before this doc-test started ({why}), and rustdoc cannot run one doc-test on its own by name"),
        None => format!(
            "not run: `cargo test --doc` ended ({}) before this doc-test:\n{}",
            finished.exit.describe(),
            summary::failure_summary(&finished.stdout_tail, &finished.stderr_tail)
        ),
    };
    if !out.interrupted {
        for name in session.wanted {
            let id = doc_id(name);
            if !out.results.iter().any(|t| t.id == id) {
                let mut t = TestResult::new(id, Outcome::Error, Duration::ZERO);
                t.excerpt.clone_from(&why);
                record(&mut out, name, t);
            }
        }
    }
    out.leaked = finished
        .leaked
        .iter()
        .map(|l| LeakNote::from_leaked(l, "cargo test --doc"))
        .collect();
    out
}

fn read_into(pending: &Mutex<Vec<u8>>, text: &mut String) {
    let bytes: Vec<u8> =
        std::mem::take(&mut *pending.lock().unwrap_or_else(PoisonError::into_inner));
    text.push_str(&String::from_utf8_lossy(&bytes));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_libtest_lines() {
        assert_eq!(
            result_line("test src/lib.rs - add (line 3) ... ok"),
            Some(("src/lib.rs - add (line 3)", Outcome::Passed))
        );
        assert_eq!(
            result_line("test src/lib.rs - Foo::bar (line 9) ... FAILED"),
            Some(("src/lib.rs - Foo::bar (line 9)", Outcome::Failed))
        );
        assert_eq!(
            result_line("test src/lib.rs - x (line 1) ... ignored, needs a db"),
            Some(("src/lib.rs - x (line 1)", Outcome::Skipped))
        );
        assert_eq!(result_line("test result: ok. 1 passed"), None);
        // The start of a test on one thread, not an end.
        assert_eq!(result_line("test src/lib.rs - add (line 3) ... "), None);
    }

    #[test]
    fn a_compile_only_doc_test_is_known_by_its_listed_name() {
        let listed: HashSet<&str> = [
            "src/lib.rs - f (line 3)",
            "src/lib.rs - g (line 9) - compile",
        ]
        .into_iter()
        .collect();
        assert_eq!(
            listed_name("src/lib.rs - f (line 3) - compile fail", &listed),
            "src/lib.rs - f (line 3)"
        );
        assert_eq!(
            listed_name("src/lib.rs - f (line 3) - compile", &listed),
            "src/lib.rs - f (line 3)"
        );
        // A name that is listed with the suffix (an item called `compile`) stays.
        assert_eq!(
            listed_name("src/lib.rs - g (line 9) - compile", &listed),
            "src/lib.rs - g (line 9) - compile"
        );
        assert_eq!(
            listed_name("src/x.rs - y (line 1)", &listed),
            "src/x.rs - y (line 1)"
        );
    }

    fn names<'a>(s: &Schedule<'a>) -> Vec<&'a str> {
        s.running().map(|(n, _)| n).collect()
    }

    #[test]
    fn the_schedule_follows_libtest_two_threads_at_a_time() {
        let order: Vec<String> = ["a", "b", "c", "d"].map(String::from).to_vec();
        let mut s = Schedule::new(&order, &[4], 2);
        let t0 = Instant::now();
        // Nothing runs before libtest starts (rustdoc may still be compiling).
        assert!(names(&s).is_empty());
        s.begin(t0);
        assert_eq!(names(&s), ["a", "b"]);
        // b ends first: c takes its thread, started then, not at the beginning.
        let t1 = t0 + Duration::from_secs(5);
        assert_eq!(s.end("b", t1), Duration::from_secs(5));
        assert_eq!(names(&s), ["a", "c"]);
        let c_start = s.running().find(|(n, _)| *n == "c").unwrap().1;
        assert_eq!(c_start, t1);
        // An end line seen twice, or of a name not in the session, changes nothing.
        assert_eq!(s.end("b", t1), Duration::ZERO);
        assert_eq!(s.end("zz", t1), Duration::ZERO);
        assert_eq!(names(&s), ["a", "c"]);
        s.end("c", t1);
        assert_eq!(names(&s), ["a", "d"]);
        s.end("d", t1);
        assert_eq!(names(&s), ["a"]);
        s.end("a", t1);
        assert!(names(&s).is_empty());
    }

    #[test]
    fn one_thread_runs_them_one_by_one() {
        let order: Vec<String> = ["a", "b"].map(String::from).to_vec();
        let mut s = Schedule::new(&order, &[2], 1);
        s.begin(Instant::now());
        assert_eq!(s.running().map(|(n, _)| n).collect::<Vec<_>>(), ["a"]);
        s.end("a", Instant::now());
        assert_eq!(s.running().map(|(n, _)| n).collect::<Vec<_>>(), ["b"]);
    }

    #[test]
    fn each_section_of_the_list_is_a_run_of_its_own() {
        // Edition 2024: the merged doc-tests, then a `compile_fail` one in a second run.
        let list = "src/lib.rs - f (line 1): test\nsrc/lib.rs - g (line 5): test\n\n2 tests, 0 benchmarks\nsrc/lib.rs - a (line 9): test\n\n1 test, 0 benchmarks\n";
        let sections = list_sections(list);
        assert_eq!(sections.len(), 2);
        assert_eq!(sections[1], ["src/lib.rs - a (line 9)"]);
        let order: Vec<String> = sections.concat();
        let mut s = Schedule::new(&order, &[2, 1], 2);
        assert!(run_starts("running 2 tests") && run_starts("running 1 test"));
        assert!(!run_starts("running late") && !run_starts("running 2 tests now"));
        let t0 = Instant::now();
        s.begin(t0);
        // Not the second run's test: it starts with its run, not with the first.
        assert_eq!(
            names(&s),
            ["src/lib.rs - f (line 1)", "src/lib.rs - g (line 5)"]
        );
        s.end("src/lib.rs - g (line 5)", t0);
        s.end("src/lib.rs - f (line 1)", t0);
        assert!(names(&s).is_empty());
        s.begin(t0);
        assert_eq!(names(&s), ["src/lib.rs - a (line 9)"]);
        // A run the list did not announce starts nothing.
        s.end("src/lib.rs - a (line 9)", t0);
        s.begin(t0);
        assert!(names(&s).is_empty());
    }

    #[test]
    fn finds_a_failure_section() {
        let out = "failures:\n\n---- src/lib.rs - half (line 17) stdout ----\nTest executable failed (exit status: 101).\n\nstderr:\nthread 'main' panicked at src/lib.rs:3:1:\nboom\n\n---- src/lib.rs - other (line 30) stdout ----\nx\n\nfailures:\n    src/lib.rs - half (line 17)\n";
        let s = failure_of(out, "src/lib.rs - half (line 17)");
        assert!(s.starts_with("Test executable failed"), "{s}");
        assert!(s.ends_with("boom"), "{s}");
    }
}
