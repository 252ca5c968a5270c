//! JUnit XML: the report CI systems read, for `test-timeout-runner` and its `merge`. Written
//! whole after each finished test (atomically, through the run's checked [`Output`]) so a
//! killed runner still leaves a valid file covering every finished test.
//! Timed-out tests carry `<failure type="timeout">`, flaky ones their failed attempts as
//! `<flakyFailure>` (the Maven Surefire convention that GitLab, Jenkins and nextest use), and
//! each test its captured output as `<system-out>`.
//! Reading JUnit back (for `merge`) is the domain's: `test_runner::junit`.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use quick_junit::{
    FlakyOrRerun, NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestRerun, TestSuite,
};

use crate::outfile::{Output, WriteError};
use crate::test_runner::junit as junit_props;
use crate::test_runner::{round_ms, Attempt, Outcome, RunReport, TestResult};

/// Splits a test id into JUnit `(classname, name)`. pytest ids (`dir/test_a.py::Cls::test_x`)
/// become `dir.test_a.Cls` and `test_x`, and a module that failed or was skipped at
/// collection (`dir/test_a.py`) has no class and the name `dir.test_a`, as pytest's own
/// `--junitxml` names them. A parameter may contain `::` (`test_x[a::b]`): the id is split only
/// before its first `[`, as pytest splits it.
pub fn split_id(id: &str) -> (String, String) {
    if !id.contains("::") {
        if let Some(module) = id.strip_suffix(".py") {
            return (String::new(), module.replace('/', "."));
        }
    }
    // pytest's `mangle_test_address`: split at `::` before the first `[` only.
    let bracket = id.find('[').unwrap_or(id.len());
    let (path, params) = id.split_at(bracket);
    let mut names: Vec<String> = path.split("::").map(str::to_string).collect();
    if let Some(last) = names.last_mut() {
        last.push_str(params);
    }
    if names.len() < 2 {
        return (String::new(), id.to_string());
    }
    let name = names.pop().unwrap_or_default();
    if let Some(first) = names.first_mut() {
        *first = first.trim_end_matches(".py").replace('/', ".");
    }
    (names.join("."), name)
}

fn first_line(text: &str) -> &str {
    text.lines().find(|l| !l.trim().is_empty()).unwrap_or("")
}

/// Stands for a line break in a `message` attribute until the XML is written: quick-junit
/// leaves a raw line break in an attribute, which every XML reader folds into a space, where
/// pytest's own JUnit writes `&#10;` (an assertion message often has two lines).
const ATTR_BREAK: char = '\u{E000}';

/// JUnit's `message`: the framework's own error when it gave one, else the first line of the
/// excerpt.
fn message_of(message: &str, excerpt: &str) -> String {
    if message.is_empty() {
        first_line(excerpt).to_string()
    } else {
        message.replace('\n', &ATTR_BREAK.to_string())
    }
}

fn seconds(s: f64) -> Duration {
    Duration::try_from_secs_f64(s.max(0.0)).unwrap_or_default()
}

fn rerun(a: &Attempt) -> TestRerun {
    let kind = if a.outcome == Outcome::Error {
        NonSuccessKind::Error
    } else {
        NonSuccessKind::Failure
    };
    let mut r = TestRerun::new(kind);
    r.set_time(seconds(a.duration_s))
        .set_message(message_of(&a.message, &a.excerpt))
        .set_description(a.excerpt.as_str());
    if let Some(kind) = type_of(a.outcome) {
        r.set_type(kind);
    }
    r
}

/// The `type` of a `<failure>`/`<error>` that is not a plain failure (read back by the JUnit
/// merge).
pub fn type_of(o: Outcome) -> Option<&'static str> {
    match o {
        Outcome::TimedOut => Some("timeout"),
        Outcome::OutOfMemory => Some("out-of-memory"),
        Outcome::Interrupted => Some("interrupted"),
        _ => None,
    }
}

/// pytest's suite: skips and xfails get the `type` pytest's junitxml gives them.
fn test_case(t: &TestResult, pytest: bool) -> TestCase {
    let mut status = match t.outcome {
        Outcome::Passed | Outcome::Flaky => TestCaseStatus::success(),
        Outcome::Skipped => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(message_of(&t.message, &t.excerpt));
            // A module skipped at collection (no `::`) has no type in pytest's JUnit.
            if pytest && t.id.contains("::") {
                s.set_type(junit_props::SKIP_TYPE);
            }
            s
        }
        Outcome::XFailed => {
            // The reason as it is: pytest writes `message=""` for an xfail without one.
            let mut s = TestCaseStatus::skipped();
            s.set_message(t.message.replace('\n', &ATTR_BREAK.to_string()))
                .set_type(junit_props::XFAIL_TYPE);
            s
        }
        Outcome::Failed
        | Outcome::TimedOut
        | Outcome::Error
        | Outcome::OutOfMemory
        | Outcome::Interrupted => {
            // An interrupted test did not finish: an error (it neither passed nor failed).
            let kind = if matches!(t.outcome, Outcome::Error | Outcome::Interrupted) {
                NonSuccessKind::Error
            } else {
                NonSuccessKind::Failure
            };
            let mut s = TestCaseStatus::non_success(kind);
            s.set_message(message_of(&t.message, &t.excerpt))
                .set_description(t.excerpt.as_str());
            if let Some(kind) = type_of(t.outcome) {
                s.set_type(kind);
            }
            s
        }
    };
    if t.outcome == Outcome::Flaky {
        status.add_reruns(t.previous.iter().map(rerun));
    } else if t.outcome.is_bad() {
        // Retried and still bad: the earlier attempts as <rerunFailure>.
        status
            .add_reruns(t.previous.iter().map(rerun))
            .set_rerun_kind(FlakyOrRerun::Rerun);
    }
    let (class, name) = split_id(&t.id);
    let mut case = TestCase::new(name, status);
    if !class.is_empty() {
        case.set_classname(class);
    }
    case.set_time(seconds(t.duration_s));
    if !t.output.is_empty() {
        case.set_system_out(t.output.as_str());
    }
    case
}

/// Where a run stands, as the `velo.run` property of the suite says: a file written while the
/// run goes on (or left by a killed velo) says `in progress`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunState {
    InProgress,
    Complete,
    Interrupted,
}

impl RunState {
    fn name(self) -> &'static str {
        match self {
            Self::InProgress => "in progress",
            Self::Complete => junit_props::RUN_COMPLETE,
            Self::Interrupted => "interrupted",
        }
    }
}

/// Renders the report as one `<testsuites>` with one `<testsuite>` (through `quick-junit`, the
/// writer nextest uses).
pub fn render(report: &RunReport, suite: &str) -> String {
    let state = if report.interrupted {
        RunState::Interrupted
    } else {
        RunState::Complete
    };
    let mut props = Vec::new();
    for (name, value) in [
        (junit_props::SHARD, &report.shard),
        (junit_props::SHARD_TASK, &report.shard_task),
        (junit_props::WORK_HASH, &report.work_hash),
    ] {
        if let Some(v) = value {
            props.push((name, v.clone()));
        }
    }
    if !report.partial.is_empty() {
        props.push((junit_props::PARTIAL, report.partial.join("; ")));
    }
    render_as(&report.tests, suite, report.duration_s, state, &props)
}

/// Renders `tests` as a report in the given state, with more suite properties.
pub fn render_as(
    tests: &[TestResult],
    suite: &str,
    duration_s: f64,
    state: RunState,
    props: &[(&str, String)],
) -> String {
    let mut s = TestSuite::new(suite);
    s.set_time(seconds(duration_s));
    s.add_property(Property::new(junit_props::RUN, state.name()));
    for (name, value) in props {
        s.add_property(Property::new(*name, value.as_str()));
    }
    // The suite is named after the framework (see `render`).
    let pytest = suite == "pytest";
    s.add_test_cases(tests.iter().map(|t| test_case(t, pytest)));
    let mut r = Report::new("velo");
    r.set_time(seconds(duration_s));
    r.add_test_suite(s);
    // Serialising into memory cannot fail: every string was already made valid XML text.
    let xml = r.to_string().unwrap_or_default();
    if xml.contains(ATTR_BREAK) {
        xml.replace(ATTR_BREAK, "&#10;")
    } else {
        xml
    }
}

/// The longest a finished test waits before the JUnit file is rewritten.
pub const LIVE_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// The suite's name and the properties every write of a live file carries.
struct Head {
    suite: String,
    props: Vec<(&'static str, String)>,
}

struct LiveState {
    tests: Vec<TestResult>,
    /// A finished test is not in the file yet.
    dirty: bool,
    last_write: Option<Instant>,
    stop: bool,
}

/// The JUnit file of a run in progress: written (as `in progress`) when the run starts, so
/// an unwritable path fails before anything runs and a killed velo still leaves a file; then
/// rewritten atomically after every bad test at once, and within [`LIVE_EVERY`] of any other
/// finished test by a timer of its own, so a slow test that sends no event does not hold back
/// the tests finished before it.
pub struct Live {
    out: Arc<Output>,
    head: Arc<Head>,
    started: Instant,
    shared: Arc<(Mutex<LiveState>, Condvar)>,
    timer: Option<std::thread::JoinHandle<()>>,
}

/// Writes the report of a run in progress (a FIFO or device gets only the final one).
fn write_file(
    out: &Output,
    head: &Head,
    started: Instant,
    tests: &[TestResult],
) -> Result<(), WriteError> {
    let xml = render_as(
        tests,
        &head.suite,
        round_ms(started.elapsed().as_secs_f64()),
        RunState::InProgress,
        &head.props,
    );
    out.write_interim(xml.as_bytes())
}

fn lock(m: &Mutex<LiveState>) -> std::sync::MutexGuard<'_, LiveState> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Live {
    /// Writes the first (empty, in progress) file and starts the flush timer. `props` are
    /// suite properties known from the start (a `--partition` run's shard), so even the file
    /// a killed velo leaves says which shard it was.
    pub fn start(
        out: Arc<Output>,
        suite: &str,
        props: Vec<(&'static str, String)>,
    ) -> Result<Self, WriteError> {
        let started = Instant::now();
        let head = Arc::new(Head {
            suite: suite.to_string(),
            props,
        });
        write_file(&out, &head, started, &[])?;
        let shared = Arc::new((
            Mutex::new(LiveState {
                tests: Vec::new(),
                dirty: false,
                last_write: Some(started),
                stop: false,
            }),
            Condvar::new(),
        ));
        let timer = {
            let (shared, out, head) = (Arc::clone(&shared), Arc::clone(&out), Arc::clone(&head));
            std::thread::Builder::new()
                .name("velo-junit".into())
                .spawn(move || flush_loop(&shared, &out, &head, started))
                .ok()
        };
        Ok(Self {
            out,
            head,
            started,
            shared,
            timer,
        })
    }

    /// Adds (or, after a retry, replaces) a finished test. Anything but a pass is written at
    /// once; passes by the timer.
    pub fn record(&self, t: &TestResult) -> Result<(), WriteError> {
        let (m, cv) = &*self.shared;
        let mut st = lock(m);
        if let Some(old) = st.tests.iter_mut().find(|o| o.id == t.id) {
            *old = t.clone();
        } else {
            st.tests.push(t.clone());
        }
        // A pass waits for the timer thread (which writes at once when the last write is
        // LIVE_EVERY old), so the thread that supervises the tests never renders for it.
        if t.outcome == Outcome::Passed {
            st.dirty = true;
            cv.notify_one();
            Ok(())
        } else {
            st.dirty = false;
            st.last_write = Some(Instant::now());
            write_file(&self.out, &self.head, self.started, &st.tests)
        }
    }

    /// Stops the timer and writes the final report.
    pub fn finish(mut self, report: &RunReport) -> Result<(), WriteError> {
        self.stop_timer();
        self.out.write(render(report, &self.head.suite).as_bytes())
    }

    fn stop_timer(&mut self) {
        let (m, cv) = &*self.shared;
        lock(m).stop = true;
        cv.notify_one();
        if let Some(t) = self.timer.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.stop_timer();
    }
}

/// The timer: writes a deferred update once [`LIVE_EVERY`] has passed since the last write.
fn flush_loop(shared: &(Mutex<LiveState>, Condvar), out: &Output, head: &Head, started: Instant) {
    let (m, cv) = shared;
    let mut st = lock(m);
    loop {
        if st.stop {
            return;
        }
        if !st.dirty {
            st = cv.wait(st).unwrap_or_else(PoisonError::into_inner);
            continue;
        }
        let since = st.last_write.map_or(LIVE_EVERY, |at| at.elapsed());
        if since >= LIVE_EVERY {
            st.dirty = false;
            st.last_write = Some(Instant::now());
            // A failure shows again at the next bad test or at the end, where it is reported.
            let _ = write_file(out, head, started, &st.tests);
        } else {
            st = cv
                .wait_timeout(st, LIVE_EVERY.saturating_sub(since))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_runner::junit::parse;
    use std::time::Duration;

    #[test]
    fn ids_split_like_pytest_junitxml() {
        assert_eq!(
            split_id("tests/test_a.py::TestX::test_y[1]"),
            ("tests.test_a.TestX".to_string(), "test_y[1]".to_string())
        );
        assert_eq!(split_id("plain"), (String::new(), "plain".to_string()));
        // `::` inside a parameter is not a separator (pytest splits before the `[`).
        assert_eq!(
            split_id("tests/test_tz.py::test_invalid[,dfu\u{f1}::]"),
            (
                "tests.test_tz".to_string(),
                "test_invalid[,dfu\u{f1}::]".to_string()
            )
        );
        assert_eq!(
            split_id("t.py::TestGroup::test_in_class[x::y::z]"),
            (
                "t.TestGroup".to_string(),
                "test_in_class[x::y::z]".to_string()
            )
        );
    }

    #[test]
    fn the_live_file_catches_up_without_another_event() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("live.xml");
        let mut plan = crate::outfile::Plan::new(dir.path());
        plan.file("--junit", Some(&path));
        let out = plan.check(&|_| {}).unwrap().get("--junit").unwrap();
        let live = Live::start(out, "pytest", Vec::new()).unwrap();
        // Written at once: the run is in progress, nothing finished yet.
        let first = std::fs::read_to_string(&path).unwrap();
        assert!(first.contains("value=\"in progress\""), "{first}");
        assert_eq!(parse(&first).unwrap().len(), 0);
        // Passing tests in quick succession: the later ones fall in the throttle window.
        for i in 0..5 {
            let t = TestResult::new(format!("t.py::ok{i}"), Outcome::Passed, Duration::ZERO);
            live.record(&t).unwrap();
        }
        // No further event comes; the timer writes them within LIVE_EVERY.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let now = parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
            if now.len() == 5 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "only {} of 5 tests written",
                now.len()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let report = RunReport::new("pytest", Vec::new(), Duration::ZERO);
        live.finish(&report).unwrap();
        let last = std::fs::read_to_string(&path).unwrap();
        assert!(last.contains("value=\"complete\""), "{last}");
    }

    #[test]
    fn a_two_line_message_keeps_its_line_break() {
        let mut t = TestResult::new("t.py::x", Outcome::Failed, Duration::ZERO);
        t.message = "AssertionError: broken\nassert 2 == 3".into();
        t.excerpt = "E   assert 2 == 3".into();
        let xml = render(&RunReport::new("pytest", vec![t], Duration::ZERO), "pytest");
        assert!(
            xml.contains("message=\"AssertionError: broken&#10;assert 2 == 3\""),
            "{xml}"
        );
        assert_eq!(
            parse(&xml).unwrap()[0].message,
            "AssertionError: broken\nassert 2 == 3"
        );
    }

    #[test]
    fn round_trips_outcomes() {
        let mut hung = TestResult::new("t.py::hang", Outcome::TimedOut, Duration::from_secs(5));
        hung.excerpt = "stack <here> & \u{1} there".into();
        let mut flaky = TestResult::new("t.py::flaky", Outcome::Flaky, Duration::ZERO);
        flaky.attempts = 2;
        flaky.previous.push(Attempt {
            outcome: Outcome::Failed,
            duration_s: 0.1,
            message: String::new(),
            excerpt: "assert 1 == 2".into(),
        });
        let mut skipped = TestResult::new("t.py::skip", Outcome::Skipped, Duration::ZERO);
        skipped.excerpt = "no db".into();
        let report = crate::test_runner::RunReport::new(
            "pytest",
            vec![
                TestResult::new("t.py::ok", Outcome::Passed, Duration::ZERO),
                hung,
                flaky,
                skipped,
                TestResult::new("t.py::err", Outcome::Error, Duration::ZERO),
                TestResult::new("t.py::xf", Outcome::XFailed, Duration::ZERO),
            ],
            Duration::from_secs(6),
        );
        let xml = render(&report, "pytest");
        // pytest's types, and an xfail without a reason has pytest's empty message.
        assert!(xml.contains("type=\"pytest.skip\""), "{xml}");
        assert!(xml.contains("type=\"pytest.xfail\""), "{xml}");
        assert!(xml.contains("message=\"\""), "{xml}");
        let back = parse(&xml).unwrap();
        let outcomes: Vec<Outcome> = back.iter().map(|t| t.outcome).collect();
        assert_eq!(
            outcomes,
            vec![
                Outcome::Passed,
                Outcome::TimedOut,
                Outcome::Flaky,
                Outcome::Skipped,
                Outcome::Error,
                Outcome::XFailed
            ]
        );
        assert_eq!(back[0].id, "t::ok");
        // XML 1.0 cannot carry \x01: it is dropped, the rest escaped and read back.
        assert!(back[1].excerpt.contains("stack <here> &  there"), "{xml}");
        // pytest counts an xfail in `skipped`, as velo does.
        assert!(
            xml.contains("skipped=\"2\" errors=\"1\" failures=\"1\""),
            "{xml}"
        );
        assert!(
            xml.contains("<property name=\"velo.run\" value=\"complete\"/>"),
            "{xml}"
        );
    }
}
