//! cargo mode's doc-tests. rustdoc splits the arguments after `--` at whitespace, and every
//! doc-test name has spaces (`src/lib.rs - add (line 3)`), so one doc-test cannot be selected
//! by name (`--exact` never matches). The doc-tests therefore run as one session,
//! `cargo test --doc -- --test-threads=1`, whose output names each test as it starts
//! (`test NAME ... `) and as it ends (`ok`, `FAILED`, `ignored`): velo reads it as it comes,
//! holds each doc-test to `--test-timeout`, and on a hang records that doc-test as timed-out,
//! kills the tree and reports the doc-tests that were left unrun as errors that say why.

use std::collections::HashSet;
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

/// The name of a test that has started and not ended (a partial `test NAME ... ` line).
pub fn started_line(partial: &str) -> Option<&str> {
    partial.strip_prefix("test ")?.strip_suffix(" ... ")
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

/// Runs the listed doc-tests in one session, each held to the per-test limit.
pub fn run_doc_tests(run: &Run, mut spec: Spec, names: &[String], announce: bool) -> BatchOut {
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
    let listed: HashSet<&str> = names.iter().map(String::as_str).collect();
    let mut text = String::new();
    let mut current: Option<(String, Instant)> = None;
    let mut seen: HashSet<String> = HashSet::new();
    let mut record = |out: &mut BatchOut, t: TestResult| {
        if seen.insert(t.id.clone()) {
            if announce {
                run.announce(&t);
            }
            out.results.push(t);
        }
    };
    let mut cut: Option<String> = None;
    loop {
        let exited = running.wait_for(POLL).is_some();
        read_into(&pending, &mut text);
        while let Some(nl) = text.find('\n') {
            let line: String = text.drain(..=nl).collect();
            if let Some((name, outcome)) = result_line(line.trim_end()) {
                let name = listed_name(name, &listed);
                let took = current
                    .take()
                    .filter(|c| c.0 == name)
                    .map_or(Duration::ZERO, |c| c.1.elapsed());
                record(&mut out, TestResult::new(doc_id(name), outcome, took));
            }
        }
        if let Some(name) = started_line(&text) {
            let name = listed_name(name, &listed);
            if current.as_ref().is_none_or(|c| c.0 != name) {
                current = Some((name.to_string(), Instant::now()));
            }
        }
        if exited {
            break;
        }
        if run.over() {
            cut = Some(if run.past_deadline() {
                "the whole run hit --timeout".to_string()
            } else {
                "interrupted: velo was stopped by a signal while this test ran".to_string()
            });
            out.interrupted = true;
        } else if let (Some(limit), Some((_, t0))) = (run.cfg.test_timeout, &current) {
            if t0.elapsed() >= limit {
                cut = Some(format!(
                    "timed out after {} (--test-timeout)",
                    crate::units::format_duration(limit)
                ));
            }
        }
        if let Some(why) = &cut {
            if let Some((name, t0)) = current.take() {
                let outcome = if run.cancel.load(std::sync::atomic::Ordering::SeqCst) {
                    Outcome::Interrupted
                } else {
                    Outcome::TimedOut
                };
                let mut t = TestResult::new(doc_id(&name), outcome, t0.elapsed());
                t.excerpt = format!("{why}\n");
                record(&mut out, t);
            }
            running.terminate(run.cfg.kill_after);
            break;
        }
    }
    let finished = running.finish();
    read_into(&pending, &mut text);
    for line in text.lines() {
        if let Some((name, outcome)) = result_line(line) {
            record(
                &mut out,
                TestResult::new(doc_id(listed_name(name, &listed)), outcome, Duration::ZERO),
            );
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
        Some(why) => format!("not run: an earlier doc-test was stopped ({why}), and rustdoc cannot run one doc-test on its own by name"),
        None => format!(
            "not run: `cargo test --doc` ended ({}) before this doc-test:\n{}",
            finished.exit.describe(),
            summary::failure_summary(&finished.stdout_tail, &finished.stderr_tail)
        ),
    };
    if !out.interrupted {
        for name in names {
            let id = doc_id(name);
            if !out.results.iter().any(|t| t.id == id) && run.selects(&id) {
                let mut t = TestResult::new(id, Outcome::Error, Duration::ZERO);
                t.excerpt.clone_from(&why);
                record(&mut out, t);
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
        assert_eq!(
            started_line("test src/lib.rs - add (line 3) ... "),
            Some("src/lib.rs - add (line 3)")
        );
        assert_eq!(started_line("test src/lib.rs - add (line 3) ... ok"), None);
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

    #[test]
    fn finds_a_failure_section() {
        let out = "failures:\n\n---- src/lib.rs - half (line 17) stdout ----\nTest executable failed (exit status: 101).\n\nstderr:\nthread 'main' panicked at src/lib.rs:3:1:\nboom\n\n---- src/lib.rs - other (line 30) stdout ----\nx\n\nfailures:\n    src/lib.rs - half (line 17)\n";
        let s = failure_of(out, "src/lib.rs - half (line 17)");
        assert!(s.starts_with("Test executable failed"), "{s}");
        assert!(s.ends_with("boom"), "{s}");
    }
}
