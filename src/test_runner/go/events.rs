//! The `go test -json` event stream of one session: parsing events, keeping each running
//! test's output and clock, recording results as tests end, and charging a hung (or crashed)
//! test with its timeout when velo ends the session.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::{test_id, OUTPUT_CAP};
use crate::test_runner::driver::Run;
use crate::test_runner::{last_lines, summary, LeakNote, Outcome, TestResult};

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

pub(super) fn push_capped(buf: &mut String, text: &str) {
    buf.push_str(text);
    if buf.len() > OUTPUT_CAP {
        let mut cut = buf.len() - OUTPUT_CAP / 2;
        while !buf.is_char_boundary(cut) {
            cut += 1;
        }
        buf.drain(..cut);
    }
}

pub(super) fn top_of(name: &str) -> &str {
    name.split('/').next().unwrap_or(name)
}

pub(super) fn parent_of(name: &str) -> Option<&str> {
    name.rsplit_once('/').map(|(p, _)| p)
}

pub(super) fn depth(name: &str) -> usize {
    name.matches('/').count()
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
pub(super) struct SessionOut {
    /// New results (ids not already done).
    pub(super) results: Vec<TestResult>,
    /// A test was charged with a timeout or a crash, and the session was cut short by it.
    pub(super) charged: bool,
    /// Subtests to run again, each on its own (they were unfinished under a charged test).
    pub(super) rerun: Vec<Vec<String>>,
    /// Top-level tests to run again each on its own: the binary died while they ran together.
    pub(super) alone: Vec<String>,
    pub(super) interrupted: bool,
    pub(super) package_failed: bool,
    pub(super) any_test_failed: bool,
    pub(super) package_output: String,
    pub(super) leaked: Vec<LeakNote>,
}

/// The state of one session's event stream.
pub(super) struct Stream<'a> {
    run: &'a Run<'a>,
    pkg: &'a str,
    done: &'a HashSet<String>,
    announce: bool,
    live: HashMap<String, LiveTest>,
    trees: HashMap<String, Tree>,
    seq: u64,
    /// Once velo decided to end the session, events only add output (the goroutine dump).
    pub(super) frozen: bool,
    pub(super) after_freeze: String,
    pub(super) out: SessionOut,
}

impl<'a> Stream<'a> {
    /// The state of one session of `pkg`, before its first event.
    pub fn new(run: &'a Run<'a>, pkg: &'a str, done: &'a HashSet<String>, announce: bool) -> Self {
        Self {
            run,
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

    pub(super) fn handle(&mut self, line: &str) {
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
                let id = test_id(self.pkg, &name);
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
                        // Long output is grouped by the log-digest miner, short shown whole.
                        t.excerpt = summary::failure_summary(&body, "");
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
            self.run.announce(&t);
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
            .filter(|n| top_of(n) == top && !self.done.contains(&test_id(self.pkg, n)))
            .collect();
        names.sort_by_key(|n| (depth(n), self.live.get(*n).map_or(0, |l| l.seq)));
        names.into_iter().cloned().collect()
    }

    /// Trees with unfinished tests, those not waiting (paused) first.
    pub(super) fn unfinished_trees(&self) -> Vec<String> {
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
    pub(super) fn charge(&mut self, top: &str, outcome: Outcome, why: &str) -> Option<String> {
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
        let mut t = TestResult::new(test_id(self.pkg, &charged), outcome, duration);
        t.excerpt = excerpt;
        t.output = last_lines(&output, 200);
        self.out.charged = true;
        self.record(t);
        Some(charged)
    }

    /// A tree that ran past the per-test limit, the longest overdue first.
    pub(super) fn overdue(&self, limit: Duration) -> Option<String> {
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
pub(super) fn take_lines(pending: &Mutex<Vec<u8>>, all: bool) -> Vec<String> {
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

#[cfg(test)]
mod tests {
    use super::super::listing::is_test_name;
    use super::*;
    use crate::test_runner::SessionConfig;
    use std::ffi::OsString;
    use std::path::PathBuf;
    use std::sync::atomic::AtomicBool;

    fn argv(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
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
            tracker: None,
            memory: None,
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
        let on_progress = |_: crate::test_runner::Progress| {};
        let run = Run::new(&cfg, &cancel, &on_progress);
        let done: HashSet<String> = ["example.com/p::TestDone".to_string()].into();
        let mut st = Stream::new(&run, "example.com/p", &done, false);
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
