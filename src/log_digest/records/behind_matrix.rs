//! The record-behind-a-header matrix: JSON records that a text header precedes (a container
//! runtime's `<time> stdout F`, a syslog relay's `<time> <host> <app>[<pid>]:`, a logging
//! header with the true level, one with a neutral level that logs every forwarded line alike,
//! a pipe-separated header without a level) × the shapes such a record takes (a plain record,
//! a message written over several lines, a traceback escaped into an `exc_info` field on
//! errors, a runtime envelope that wraps an application's own log line, a record with other
//! key names and context keys). Each cell digests one generated file and checks that its
//! lines group exactly as their bare messages do and that the warning, error and fatal counts
//! equal what the records say. The must-not-fire cells are text lines that only look like
//! records: a message that merely contains braces, a JSON value inside a message, a JSON
//! payload without a message key after the message's words: the message's words stay the
//! event and the JSON value stays a variable. The words are neutral: a cell names a class of
//! input, never a logger.

use serde_json::json;

use crate::log_digest::matrix_tally::{digest_cell, grouping_problems, Tally};

const INFO: usize = 0;
const WARNING: usize = 1;
const ERROR: usize = 2;
const FATAL: usize = 3;
const NAMES: [&str; 4] = ["INFO", "WARNING", "ERROR", "CRITICAL"];

/// (severity, message with `{}` for its value).
const MESSAGES: &[(usize, &str)] = &[
    (INFO, "queue drained in {} ms"),
    (WARNING, "retry {} of 5 for peer"),
    (ERROR, "write to store failed for batch {}"),
    (INFO, "batch {} accepted"),
    (WARNING, "limit reached for account {}"),
    (FATAL, "store unreachable after {} attempts"),
    (INFO, "peer joined"),
];

const RECORDS: usize = 240;

fn pick(i: usize) -> (usize, usize) {
    ((i * 5 + i / 7) % MESSAGES.len(), 1000 + (i * 37) % 997)
}

/// The text headers in front of the record.
#[derive(Clone, Copy, Debug)]
enum Prefix {
    /// A container runtime's log file: time, stream, tag; no level.
    RuntimeStream,
    /// A syslog relay: time, host, program and pid; no level.
    SyslogRelay,
    /// A logging header showing the record's level.
    LevelledHeader,
    /// A logging header that shows info for every line it forwards.
    NeutralLevel,
    /// Pipe-separated time and worker, no level.
    PipeFields,
}

const PREFIXES: &[Prefix] = &[
    Prefix::RuntimeStream,
    Prefix::SyslogRelay,
    Prefix::LevelledHeader,
    Prefix::NeutralLevel,
    Prefix::PipeFields,
];

fn prefix(p: Prefix, i: usize, sev: usize) -> String {
    let (m, s) = (i / 60 % 60, i % 60);
    match p {
        Prefix::RuntimeStream => format!(
            "2024-03-01T09:{m:02}:{s:02}.{:09}Z {} F ",
            i * 7919 % 1_000_000_000,
            ["stdout", "stderr"][i % 2]
        ),
        Prefix::SyslogRelay => {
            format!(
                "Mar  1 09:{m:02}:{s:02} node-{} relay[{}]: ",
                i % 3,
                400 + i % 9
            )
        }
        Prefix::LevelledHeader => format!(
            "2024-03-01 09:{m:02}:{s:02},{:03} {} unit.{}: ",
            i % 1000,
            NAMES[sev],
            ["store", "net"][i % 2]
        ),
        Prefix::NeutralLevel => {
            format!("2024-03-01 09:{m:02}:{s:02},{:03} INFO forward: ", i % 1000)
        }
        Prefix::PipeFields => format!("09:{m:02}:{s:02}.{:03} | worker-{} | ", i % 1000, i % 4),
    }
}

/// The shapes of the record behind the header.
#[derive(Clone, Copy, Debug)]
enum Shape {
    /// Time, level, logger and message.
    Plain,
    /// The message goes on over more lines (a statement, a dump), escaped into the record:
    /// the event is its first line.
    MultiLineMessage,
    /// Error records carry a traceback escaped into an `exc_info` field.
    EscapedTraceback,
    /// A runtime envelope (`log`, `stream`, `time`) wrapping the application's own log line,
    /// header included.
    WrappedLogLine,
    /// Other key names (`message`, `severity` in capitals) and context keys on every record.
    OtherKeys,
}

const SHAPES: &[Shape] = &[
    Shape::Plain,
    Shape::MultiLineMessage,
    Shape::EscapedTraceback,
    Shape::WrappedLogLine,
    Shape::OtherKeys,
];

fn record(shape: Shape, i: usize, sev: usize, msg: &str) -> String {
    let time = format!("2024-03-01T09:{:02}:{:02}Z", i / 60 % 60, i % 60);
    let level = NAMES[sev].to_ascii_lowercase();
    let v = match shape {
        Shape::Plain => json!({"time": time, "level": level, "logger": "unit", "msg": msg}),
        Shape::MultiLineMessage => json!({
            "time": time, "level": level, "logger": "unit",
            "msg": format!("{msg}\nkey {} = {}\n  part {}", i % 9, i * 3, i % 5),
        }),
        Shape::EscapedTraceback if sev >= ERROR => json!({
            "time": time, "level": level, "logger": "unit", "msg": msg,
            "exc_info": format!(
                "Traceback (most recent call last):\n  File \"/srv/unit/store.py\", line {}, in put\n    self.write(batch)\nOSError: device {} not ready",
                10 + i % 300, i % 13),
        }),
        Shape::EscapedTraceback => {
            json!({"time": time, "level": level, "logger": "unit", "msg": msg})
        }
        Shape::WrappedLogLine => json!({
            "log": format!("2024-03-01 09:{:02}:{:02},{:03} {} unit.part: {msg}\n",
                i / 60 % 60, i % 60, i % 1000, NAMES[sev]),
            "stream": if i % 2 == 0 { "stdout" } else { "stderr" },
            "time": time,
        }),
        Shape::OtherKeys => json!({
            "timestamp": time, "severity": NAMES[sev], "message": msg,
            "host": format!("node-{}", i % 5), "pid": 100 + i % 17,
        }),
    };
    v.to_string()
}

type Counts = [u64; 3];

fn counts(truth: &[usize]) -> Counts {
    let mut c = [0; 3];
    for &m in truth {
        match MESSAGES[m].0 {
            WARNING => c[0] += 1,
            ERROR => c[1] += 1,
            FATAL => c[2] += 1,
            _ => {}
        }
    }
    c
}

/// What is wrong with the digest of `text` whose line `k` holds message `truth[k]`, if
/// anything: a message split over templates, two messages sharing one, level counts off
/// (`want`).
fn cell_failure(text: &str, truth: &[usize], want: Counts) -> Option<String> {
    let (ids, got) = digest_cell(text);
    let templates: Vec<&str> = ids.iter().map(|(_, tpl)| tpl.as_str()).collect();
    let mut problems = grouping_problems(&templates, truth, MESSAGES.len());
    if got != want {
        problems.push(format!(
            "[warning, error, fatal] got {got:?}, want {want:?}"
        ));
    }
    (!problems.is_empty()).then(|| problems.join("; "))
}

/// A file of `RECORDS` lines, line `i` written by `line(i, severity, message)` for the message
/// `pick(i)` chooses; with the message each line holds.
fn cell_text(line: impl Fn(usize, usize, &str) -> String) -> (String, Vec<usize>) {
    let mut text = String::new();
    let mut truth = Vec::new();
    for i in 0..RECORDS {
        let (m, n) = pick(i);
        let (sev, tpl) = MESSAGES[m];
        text.push_str(&line(i, sev, &tpl.replace("{}", &n.to_string())));
        text.push('\n');
        truth.push(m);
    }
    (text, truth)
}

fn check(tally: &mut Tally, name: &str, (text, truth): (String, Vec<usize>)) {
    let (text, truth, want) = (text.as_str(), truth.as_slice(), counts(&truth));
    let head: Vec<&str> = text.lines().take(2).collect();
    tally.cell(
        cell_failure(text, truth, want).map(|f| format!("{name}: {f}; first lines {head:#?}")),
    );
}

#[test]
fn records_behind_a_text_header_group_as_their_messages_with_their_levels() {
    // Class: a JSON record behind a text header. The record's message and level keys are read
    // as when the record stands alone; its level counts where the header shows none or a
    // neutral one.
    let mut tally = Tally::default();
    for &p in PREFIXES {
        for &shape in SHAPES {
            let cell = cell_text(|i, sev, msg| prefix(p, i, sev) + &record(shape, i, sev, msg));
            check(&mut tally, &format!("{p:?} × {shape:?}"), cell);
        }
    }
    tally.finish(PREFIXES.len() * SHAPES.len());
}

#[test]
fn records_standing_alone_with_multi_line_content_group_by_their_first_line() {
    // Class: a JSON record (no header) whose message goes on over several lines, or that
    // carries a traceback escaped into a field: one event, named by the message's first line.
    let mut tally = Tally::default();
    for &shape in &[Shape::MultiLineMessage, Shape::EscapedTraceback] {
        let cell = cell_text(|i, sev, msg| record(shape, i, sev, msg));
        check(&mut tally, &format!("alone × {shape:?}"), cell);
    }
    tally.finish(2);
}

/// Text lines that only look like records, after a levelled header.
#[derive(Clone, Copy, Debug)]
enum LookAlike {
    /// The message holds braces (a template's placeholders left in, a set printed).
    BracesInMessage,
    /// A JSON object inside the message, words after it.
    ObjectInsideMessage,
    /// The message's words, then a JSON payload without a message key to the end of the line.
    PayloadAfterWords,
}

#[test]
fn text_messages_that_only_look_like_records_keep_their_words() {
    // Must not fire: the rules for records behind a header leave these as text; the words
    // are the event, the braces' content a variable.
    let mut tally = Tally::default();
    let kinds = [
        LookAlike::BracesInMessage,
        LookAlike::ObjectInsideMessage,
        LookAlike::PayloadAfterWords,
    ];
    for kind in kinds {
        let cell = cell_text(|i, sev, msg| {
            let payload = json!({"id": pick(i).1, "part": i % 7}).to_string();
            let line = match kind {
                LookAlike::BracesInMessage => format!("{msg} {{slot{}}}", i % 2),
                LookAlike::ObjectInsideMessage => format!("{msg} with {payload} kept"),
                LookAlike::PayloadAfterWords => format!("{msg} {payload}"),
            };
            prefix(Prefix::LevelledHeader, i, sev) + &line
        });
        check(&mut tally, &format!("{kind:?}"), cell);
    }
    tally.finish(3);
}
