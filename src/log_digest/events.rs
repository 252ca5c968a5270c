//! From lines to events: header/message split, JSON and logfmt lines (the message field is
//! mined, the level and error fields are used), and multi-line events: Python tracebacks,
//! Java/JS stack traces, Rust and Go panics and indented continuation lines join the event
//! that precedes them.

use std::borrow::Cow;

use super::header::{HeaderModel, Level, LogFormat, Split};

/// How lines are split into header and message.
#[derive(Debug, Clone)]
pub enum Splitter {
    /// Inferred per source from its first lines.
    Auto(HeaderModel),
    /// Given by the user (`--log-format`); lines that do not match fall back to inference.
    Format(LogFormat, HeaderModel),
}

impl Splitter {
    fn split<'a>(&self, line: &'a str) -> (Split<'a>, bool) {
        match self {
            Splitter::Auto(m) => {
                let s = m.split(line);
                let has = !s.header.is_empty();
                (s, has)
            }
            Splitter::Format(f, m) => {
                if let Some(s) = f.split(line) {
                    (s, true)
                } else {
                    let s = m.split(line);
                    let has = !s.header.is_empty();
                    (s, has)
                }
            }
        }
    }
}

/// One classified line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line<'a> {
    /// The first line of an event.
    Head {
        header: &'a str,
        message: Cow<'a, str>,
        level: Option<Level>,
    },
    /// A continuation of the previous event (stack frame, traceback, indented line).
    Continuation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// No event yet.
    Start,
    /// A normal event.
    Plain,
    /// Inside a Python traceback (until its exception line).
    Traceback,
    /// Inside a Java exception / JS error (frames `at …`, `Caused by:`).
    Java,
    /// Inside a Rust or Go panic: unindented lines without a header continue it.
    Panic,
}

/// Classifies lines of one source, in order.
#[derive(Debug, Clone)]
pub struct EventParser<'s> {
    splitter: &'s Splitter,
    mode: Mode,
    head_has_header: bool,
}

impl<'s> EventParser<'s> {
    pub fn new(splitter: &'s Splitter) -> Self {
        Self {
            splitter,
            mode: Mode::Start,
            head_has_header: false,
        }
    }

    /// True when the next line can only be a new event or an indented continuation (no
    /// traceback, stack trace or panic is open).
    pub fn is_plain(&self) -> bool {
        matches!(self.mode, Mode::Plain | Mode::Start)
    }

    /// True when the last head left the parser in the plain state (a cacheable line).
    pub fn head_was_plain(&self) -> bool {
        self.mode == Mode::Plain
    }

    /// Whether the last head had a header.
    pub fn head_has_header(&self) -> bool {
        self.head_has_header
    }

    /// Records a head classified earlier for an identical line (see the line cache).
    pub fn replay_plain_head(&mut self, has_header: bool) {
        self.mode = Mode::Plain;
        self.head_has_header = has_header;
    }

    /// Classifies the next line.
    pub fn line<'a>(&mut self, line: &'a str) -> Line<'a> {
        if self.mode != Mode::Start && self.is_continuation(line) {
            return Line::Continuation;
        }
        let trimmed = line.trim_start();
        if trimmed.starts_with('{') {
            if let Some(head) = json_line(trimmed) {
                self.mode = Mode::Plain;
                self.head_has_header = true;
                return head;
            }
        }
        let (split, has_header) = self.splitter.split(line);
        let mut level = split.level;
        let mut message = Cow::Borrowed(split.message);
        if let Some((msg, lvl)) = logfmt_line(split.message) {
            message = msg;
            level = level.or(lvl);
        }
        let m = message.trim_start();
        let raw = line.trim_start();
        self.mode = if m.starts_with("Traceback (most recent call last)") {
            level = level.or(Some(Level::Error));
            Mode::Traceback
        } else if raw.starts_with("panic: ")
            || raw.starts_with("fatal error: ")
            || (m.starts_with("thread '") && m.contains("' panicked at"))
        {
            level = level.or(Some(Level::Fatal));
            Mode::Panic
        } else if m.starts_with("Exception in thread ") || looks_like_exception(m) {
            level = level.or(Some(Level::Error));
            Mode::Java
        } else {
            Mode::Plain
        };
        if level.is_none() {
            level = message_level(m);
        }
        self.head_has_header = has_header;
        Line::Head {
            header: split.header,
            message,
            level,
        }
    }

    fn is_continuation(&mut self, line: &str) -> bool {
        let first = line.as_bytes().first().copied();
        let t = line.trim_start();
        if first.is_some_and(|b| b == b' ' || b == b'\t') && !t.is_empty() {
            return true;
        }
        match self.mode {
            Mode::Traceback => {
                if t.starts_with("During handling of the above exception")
                    || t.starts_with("The above exception was the direct cause")
                    || t.starts_with("Traceback (most recent call last)")
                    || t.is_empty()
                {
                    return true;
                }
                if looks_like_exception(t) || t.starts_with("KeyboardInterrupt") {
                    // The exception line ends the traceback but belongs to it.
                    self.mode = Mode::Plain;
                    return true;
                }
                false
            }
            Mode::Java => t.starts_with("Caused by:") || t.starts_with("... "),
            Mode::Panic => {
                t.is_empty() || {
                    let (s, has) = self.splitter.split(line);
                    !has || s.header.is_empty()
                }
            }
            Mode::Plain => {
                if !self.head_has_header {
                    return false;
                }
                // A traceback or stack trace printed right after a logged error
                // (`logger.exception`, `log.error("…", e)`).
                if t.starts_with("Traceback (most recent call last)") {
                    self.mode = Mode::Traceback;
                    return true;
                }
                if looks_like_exception(t) && !self.splitter.split(line).1 {
                    self.mode = Mode::Java;
                    return true;
                }
                false
            }
            Mode::Start => false,
        }
    }
}

/// `ValueError: bad`, `java.lang.IllegalStateException: x`, `Error: boom`, `KeyError`.
fn looks_like_exception(t: &str) -> bool {
    let word_end = t
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '$'))
        .unwrap_or(t.len());
    let word = &t[..word_end];
    let rest = &t[word_end..];
    if word.is_empty() || !(rest.is_empty() || rest.starts_with(':')) {
        return false;
    }
    let last = word.rsplit('.').next().unwrap_or(word);
    last.ends_with("Error") || last.ends_with("Exception") || last == "SystemExit"
}

/// A level word at the start of a message (`error: …`, `[WARN] …`).
fn message_level(m: &str) -> Option<Level> {
    let first = m.split_ascii_whitespace().next()?;
    if first.len() < 3 {
        return None;
    }
    Level::parse(first)
}

const MESSAGE_KEYS: &[&str] = &["message", "msg", "event", "log", "text", "@message"];
const LEVEL_KEYS: &[&str] = &[
    "level",
    "severity",
    "lvl",
    "levelname",
    "log.level",
    "@level",
];
const ERROR_KEYS: &[&str] = &[
    "error",
    "err",
    "exception",
    "exc_info",
    "stack_trace",
    "stacktrace",
];

/// A JSON object line: its message field (plus its error field) is the message.
fn json_line(t: &str) -> Option<Line<'_>> {
    let v: serde_json::Map<String, serde_json::Value> = serde_json::from_str(t).ok()?;
    let get_str = |keys: &[&str]| {
        keys.iter().find_map(|k| match v.get(*k) {
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(serde_json::Value::Null) | None => None,
            Some(other) => Some(other.to_string()),
        })
    };
    let mut level = get_str(LEVEL_KEYS).and_then(|l| Level::parse(&l));
    let error = get_str(ERROR_KEYS);
    let mut message = get_str(MESSAGE_KEYS).unwrap_or_else(|| {
        // No message field: the keys, in order, describe the event.
        let keys: Vec<&str> = v.keys().map(String::as_str).collect();
        keys.join(" ")
    });
    if let Some(e) = error {
        let first = e.lines().last().unwrap_or("").trim();
        if !first.is_empty() {
            message.push_str(": ");
            message.push_str(first);
        }
        level = level.or(Some(Level::Error));
    }
    Some(Line::Head {
        header: "",
        message: Cow::Owned(message),
        level,
    })
}

/// A logfmt line (`level=info msg="started" port=80`): its `msg` value is the message.
fn logfmt_line(m: &str) -> Option<(Cow<'_, str>, Option<Level>)> {
    if !(m.starts_with("level=")
        || m.starts_with("time=")
        || m.starts_with("ts=")
        || m.starts_with("t="))
    {
        return None;
    }
    let mut msg: Option<String> = None;
    let mut level = None;
    let mut err: Option<String> = None;
    let b = m.as_bytes();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        let ks = i;
        while i < b.len() && b[i] != b'=' && b[i] != b' ' {
            i += 1;
        }
        let key = &m[ks..i];
        if i >= b.len() || b[i] != b'=' {
            continue;
        }
        i += 1;
        let value = if b.get(i) == Some(&b'"') {
            i += 1;
            let vs = i;
            let mut out = String::new();
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' && i + 1 < b.len() {
                    i += 1;
                }
                i += 1;
            }
            out.push_str(&m[vs..i.min(b.len())].replace("\\\"", "\""));
            i += 1;
            out
        } else {
            let vs = i;
            while i < b.len() && b[i] != b' ' {
                i += 1;
            }
            m[vs..i].to_owned()
        };
        match key {
            "msg" | "message" => msg = Some(value),
            "level" | "lvl" | "severity" => level = Level::parse(&value),
            "error" | "err" => err = Some(value),
            _ => {}
        }
    }
    let mut msg = msg?;
    if let Some(e) = err {
        msg.push_str(": ");
        msg.push_str(&e);
    }
    Some((Cow::Owned(msg), level))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(lines: &[&str]) -> Vec<String> {
        let sp = Splitter::Auto(HeaderModel::infer(lines.iter().copied()));
        let mut p = EventParser::new(&sp);
        lines
            .iter()
            .map(|l| match p.line(l) {
                Line::Head { message, level, .. } => {
                    format!("{}|{}", level.map_or("-", Level::name), message)
                }
                Line::Continuation => "+".to_owned(),
            })
            .collect()
    }

    #[test]
    fn python_traceback_is_one_event() {
        let got = classify(&[
            "2024-05-01 10:00:00,001 INFO app: start",
            "2024-05-01 10:00:01,001 ERROR app: job failed",
            "Traceback (most recent call last):",
            "  File \"/app/run.py\", line 3, in <module>",
            "    import foo",
            "ModuleNotFoundError: No module named 'foo'",
            "2024-05-01 10:00:02,001 INFO app: retry",
        ]);
        assert_eq!(
            got,
            [
                "info|start",
                "error|job failed",
                "+",
                "+",
                "+",
                "+",
                "info|retry"
            ]
        );
    }

    #[test]
    fn java_and_json_and_logfmt() {
        let got = classify(&[
            "Exception in thread \"main\" java.lang.IllegalStateException: boom",
            "\tat com.x.Main.run(Main.java:10)",
            "Caused by: java.io.IOException: disk",
            "\t... 3 more",
            r#"{"level":"warn","msg":"slow request","ms":1200}"#,
            "level=error msg=\"db down\" err=\"connection refused\"",
        ]);
        assert_eq!(got[1..4], ["+", "+", "+"]);
        assert_eq!(got[4], "warning|slow request");
        assert_eq!(got[5], "error|db down: connection refused");
    }

    #[test]
    fn panics_group() {
        let got = classify(&[
            "panic: runtime error: index out of range",
            "",
            "goroutine 1 [running]:",
            "main.main()",
            "\t/app/main.go:5 +0x1d",
        ]);
        assert_eq!(got[0], "fatal|runtime error: index out of range");
        assert_eq!(got[2..], ["+", "+", "+"]);
    }
}
