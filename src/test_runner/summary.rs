//! The failure summary of a command's output: what the user reads to see why it failed.
//!
//! Short output is shown as it is. Longer output goes through the log-digest miner: its lines
//! are grouped into templates, the error-looking templates are listed most frequent first with
//! their counts (so a retry storm of one `ConnectionError` is one line, not two hundred), a
//! suggested fix is added when a built-in rule knows the error, and the last lines follow for
//! context.

use std::sync::LazyLock;

use regex::Regex;

use super::last_lines;
use crate::log_digest::header::Level;
use crate::log_digest::{self, rules};

/// Lines of output shown in a failure summary.
pub const SUMMARY_LINES: usize = 15;

/// Error templates listed at most.
const TOP_ERRORS: usize = 5;

/// Trailing lines shown after the error templates.
const CONTEXT_LINES: usize = 6;

/// A template's longest shown length, in characters.
const MAX_TEMPLATE_CHARS: usize = 160;

static ERRORISH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(error|exception|traceback|fail(ed|ure)?|fatal|panic(ked)?|refused|denied|timed? ?out|abort(ed)?|critical|assert(ion)?|killed|segmentation fault)\b|\w+(Error|Exception)\b",
    )
    .expect("the error pattern is a valid regex")
});

static RULES: LazyLock<Vec<rules::Rule>> = LazyLock::new(rules::builtin);

/// Summarises a failing command's captured output (stderr first when it has anything).
pub fn failure_summary(stdout_tail: &str, stderr_tail: &str) -> String {
    let text = if stderr_tail.trim().is_empty() {
        stdout_tail
    } else {
        stderr_tail
    };
    let nonblank = text.lines().filter(|l| !l.trim().is_empty()).count();
    if nonblank <= SUMMARY_LINES {
        return with_hint(last_lines(text, SUMMARY_LINES), text);
    }
    let templates = log_digest::summarize(text);
    let errors: Vec<_> = templates
        .iter()
        .filter(|t| t.level >= Some(Level::Error) || ERRORISH.is_match(&t.template.example))
        .map(|t| &t.template)
        .take(TOP_ERRORS)
        .collect();
    if errors.is_empty() {
        return with_hint(last_lines(text, SUMMARY_LINES), text);
    }
    let width = errors
        .iter()
        .map(|t| t.count.to_string().len())
        .max()
        .unwrap_or(1);
    let mut out = String::from("errors (grouped by log-digest, most frequent first):\n");
    for t in &errors {
        out.push_str(&format!("  {:>width$}× {}\n", t.count, shorten(&t.text)));
    }
    out.push_str("last lines:\n");
    for line in last_lines(text, CONTEXT_LINES).lines() {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    with_hint(out.trim_end().to_string(), text)
}

fn with_hint(mut summary: String, text: &str) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| ERRORISH.is_match(l)).collect();
    if let Some(hint) = rules::hint_for(&RULES, &lines) {
        summary.push_str("\nhint: ");
        summary.push_str(&hint);
    }
    summary
}

fn shorten(text: &str) -> String {
    if text.chars().count() <= MAX_TEMPLATE_CHARS {
        return text.to_string();
    }
    let mut s: String = text.chars().take(MAX_TEMPLATE_CHARS - 1).collect();
    s.push('…');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;

    #[test]
    fn short_output_is_shown_as_it_is_and_stderr_wins() {
        assert_eq!(failure_summary("out\n", "boom\n"), "boom");
        assert_eq!(failure_summary("a\nb\n", ""), "a\nb");
    }

    #[test]
    fn long_output_without_errors_is_a_tail() {
        let mut long = String::new();
        for i in 0..40 {
            let _ = writeln!(long, "step {i} done");
        }
        let s = failure_summary(&long, "");
        assert_eq!(s.lines().count(), SUMMARY_LINES);
        assert!(s.ends_with("step 39 done"), "{s}");
    }

    #[test]
    fn repeated_errors_are_grouped_with_counts_and_a_hint() {
        let mut log = String::new();
        for i in 0..200 {
            let _ = writeln!(log, "2026-11-22 10:00:{:02} INFO fetching page {i}", i % 60);
            let _ = writeln!(
                log,
                "2026-11-22 10:00:{:02} ERROR ConnectionRefusedError: [Errno 111] Connection refused to 10.0.0.{}:5432",
                i % 60,
                i % 7
            );
        }
        log.push_str("2026-11-22 10:01:00 ERROR giving up after 200 attempts\n");
        let s = failure_summary("", &log);
        assert!(s.starts_with("errors (grouped by log-digest"), "{s}");
        let first = s.lines().nth(1).unwrap();
        assert!(
            first.contains("200×") && first.contains("Connection refused"),
            "{s}"
        );
        assert!(
            s.contains("last lines:") && s.contains("giving up after 200 attempts"),
            "{s}"
        );
        assert!(
            s.contains("hint: "),
            "connection refused has a built-in hint:\n{s}"
        );
        assert!(s.lines().count() <= SUMMARY_LINES + 2, "{s}");
    }
}
