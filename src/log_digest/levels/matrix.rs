//! The level matrix: every common way a header writes a severity (spelling × wrapper ×
//! position, JSON and logfmt keys, numeric scales, syslog priorities, a letter glued to the
//! date) in files where most lines carry a level and some do not (a traceback's continuation
//! lines, a printed line with no header). Each cell digests one generated file and checks that
//! the counts of warning, error and fatal events equal what the file holds. Negative cells put
//! level words inside messages, where they must not count. The words are neutral: a cell names
//! a class of header, never a format.

use std::fmt::Write as _;

use crate::log_digest::matrix_tally::{digest_cell, Tally};

/// One spelling of the levels a file uses: `[debug, info, warning, error, fatal]`, each a list
/// the lines cycle through (a file may write `crit` and `emerg` both as fatal).
struct Spelling {
    name: &'static str,
    words: [&'static [&'static str]; 5],
}

const SPELLINGS: &[Spelling] = &[
    Spelling {
        name: "upper",
        words: [
            &["DEBUG"],
            &["INFO"],
            &["WARNING"],
            &["ERROR"],
            &["CRITICAL"],
        ],
    },
    Spelling {
        name: "upper-short",
        words: [&["DEBUG"], &["INFO"], &["WARN"], &["ERROR"], &["FATAL"]],
    },
    Spelling {
        name: "lower",
        words: [
            &["debug"],
            &["info"],
            &["warning"],
            &["error"],
            &["critical"],
        ],
    },
    Spelling {
        name: "title",
        words: [&["Debug"], &["Info"], &["Warning"], &["Error"], &["Fatal"]],
    },
    Spelling {
        name: "title-short",
        words: [&["Trace"], &["Info"], &["Warn"], &["Error"], &["Critical"]],
    },
    Spelling {
        name: "three-letter",
        words: [&["DBG"], &["INF"], &["WRN"], &["ERR"], &["FTL"]],
    },
    Spelling {
        name: "four-letter",
        words: [
            &["trce", "dbug"],
            &["info"],
            &["warn"],
            &["fail"],
            &["crit"],
        ],
    },
    Spelling {
        name: "syslog-words",
        words: [
            &["debug"],
            &["info", "notice"],
            &["warning"],
            &["err"],
            &["crit", "emerg", "alert"],
        ],
    },
    Spelling {
        name: "letters",
        words: [&["D"], &["I"], &["W"], &["E"], &["F"]],
    },
];

/// How the level token is written around its word.
#[derive(Clone, Copy, Debug)]
enum Wrap {
    Bare,
    Bracket,
    /// `[info     ]`: padded to the longest word of the spelling, inside the brackets.
    PadRight,
    /// `[ WARN]`: right-aligned inside the brackets.
    PadLeft,
    Angle,
    Colon,
}

const WRAPS: [Wrap; 6] = [
    Wrap::Bare,
    Wrap::Bracket,
    Wrap::PadRight,
    Wrap::PadLeft,
    Wrap::Angle,
    Wrap::Colon,
];

impl Wrap {
    fn apply(self, word: &str, width: usize) -> String {
        match self {
            Wrap::Bare => word.to_owned(),
            Wrap::Bracket => format!("[{word}]"),
            Wrap::PadRight => format!("[{word:<width$}]"),
            Wrap::PadLeft => format!("[{word:>width$}]"),
            Wrap::Angle => format!("<{word}>"),
            Wrap::Colon => format!("{word}:"),
        }
    }
}

/// Where the level field sits in a header.
#[derive(Clone, Copy, Debug)]
enum Position {
    First,
    AfterTime,
    AfterPid,
    AfterThread,
    AfterLogger,
    DashedAfterLogger,
    InsideBracketWithProcess,
    InsideBracketWithTarget,
    FirstInsideBracket,
    AfterHost,
    AfterProgramPid,
    GluedToChannel,
    TabSeparated,
    ColonSeparatedBeforeLogger,
    LetterThenBracketThenWord,
    SlashTagFirst,
    MessageOnNextLine,
}

const POSITIONS: [Position; 17] = [
    Position::First,
    Position::AfterTime,
    Position::AfterPid,
    Position::AfterThread,
    Position::AfterLogger,
    Position::DashedAfterLogger,
    Position::InsideBracketWithProcess,
    Position::InsideBracketWithTarget,
    Position::FirstInsideBracket,
    Position::AfterHost,
    Position::AfterProgramPid,
    Position::GluedToChannel,
    Position::TabSeparated,
    Position::ColonSeparatedBeforeLogger,
    Position::LetterThenBracketThenWord,
    Position::SlashTagFirst,
    Position::MessageOnNextLine,
];

impl Position {
    /// Whether a spelling is written in this position. Excluded, as no convention writes them
    /// and each reads as something else: a level after a channel's dot in lower case or as a
    /// letter (a name's own part: `pkg.error:`), a single letter glued by a colon (`1:M`, a
    /// role) or followed by words alone (`E   assert …`, an explanation line).
    fn writes(self, sp: &Spelling) -> bool {
        let words = || sp.words.iter().flat_map(|w| w.iter());
        let letters = words().all(|w| w.len() == 1);
        match self {
            Position::GluedToChannel => {
                words().all(|w| w.len() >= 3 && w.bytes().all(|c| c.is_ascii_uppercase()))
            }
            Position::ColonSeparatedBeforeLogger | Position::MessageOnNextLine => !letters,
            _ => true,
        }
    }

    /// Whether the level token of this position is a part of a compound field, written bare.
    fn compound(self) -> bool {
        matches!(
            self,
            Position::InsideBracketWithProcess
                | Position::InsideBracketWithTarget
                | Position::FirstInsideBracket
                | Position::GluedToChannel
                | Position::ColonSeparatedBeforeLogger
                | Position::LetterThenBracketThenWord
                | Position::SlashTagFirst
        )
    }

    fn line(self, i: usize, severity: usize, level: &str, msg: &str) -> String {
        let (s, ms) = (i % 60, (i * 137) % 1000);
        let date = format!("2024-03-01 09:{:02}:{s:02},{ms:03}", i / 60);
        let iso = format!("2024-03-01T09:{:02}:{s:02}.{ms:03}Z", i / 60);
        let bsd = format!("Mar  1 09:{:02}:{s:02}", i / 60);
        let pid = 4100 + (i * 7) % 90;
        let thread = ["main", "worker-1", "worker-2", "pool-3-thread-1"][i % 4];
        let logger = ["app.core", "app.net.client", "jobs", "app.store.cache"][i % 4];
        let host = ["node-a", "node-b", "db01", "10.0.3.7"][i % 4];
        match self {
            Position::First => format!("{level} {date} {msg}"),
            Position::AfterTime => format!("{date} {level} {msg}"),
            Position::AfterPid => format!("{iso} {pid} {level} {msg}"),
            Position::AfterThread => format!("{date} [{thread}] {level} {msg}"),
            Position::AfterLogger => format!("{date} {logger} {level} {msg}"),
            Position::DashedAfterLogger => format!("{date} - {logger} - {level} - {msg}"),
            Position::InsideBracketWithProcess => {
                let process = ["MainProcess", "PoolWorker-1", "PoolWorker-2"][i % 3];
                format!("[{date}: {level}/{process}] {msg}")
            }
            Position::InsideBracketWithTarget => format!("[{iso} {level} {logger}] {msg}"),
            Position::FirstInsideBracket => {
                let short = format!("240301 09:{:02}:{s:02}", i / 60);
                format!("[{level} {short} {logger}:{}] {msg}", 10 + i % 90)
            }
            Position::AfterHost => format!("{bsd} {host} {level} {msg}"),
            Position::AfterProgramPid => format!("{bsd} {host} daemon[{pid}]: {level} {msg}"),
            Position::GluedToChannel => format!("[{iso}] main.{level}: {msg} [] []"),
            Position::TabSeparated => format!("{iso}\t{level}\t{logger}\t{msg}"),
            Position::ColonSeparatedBeforeLogger => format!("{level}:{logger}:{msg}"),
            Position::LetterThenBracketThenWord => {
                let letter = ["D", "I", "W", "E", "F"][severity];
                format!("{letter}, [{iso} #{pid}] {level:>5} -- : {msg}")
            }
            Position::SlashTagFirst => format!("{level}/{logger}({pid}): {msg}"),
            Position::MessageOnNextLine => format!("{level} {logger}[{}]\n      {msg}", i % 3),
        }
    }
}

/// Messages by severity index (0 debug … 4 fatal); neutral words, some with numbers.
fn message(sev: usize, i: usize) -> String {
    let n = 3 + (i * 31) % 97;
    match sev {
        0 => format!("cache lookup for key k{n} took {n} ms"),
        1 => [
            format!("worker started job {n} in queue main"),
            format!("connected to peer {n} after handshake"),
            format!("processed batch of {n} items"),
            format!("scheduled next run in {n} seconds"),
        ][i % 4]
            .clone(),
        2 => format!("queue depth {n} is above the soft limit"),
        3 => format!("request {n} failed after 3 attempts"),
        _ => format!("storage unavailable, shutting down worker {n}"),
    }
}

/// What a file holds: the severity of each event in order, and whether continuation and
/// unlevelled lines follow some of them.
#[derive(Clone, Copy, Debug)]
enum Shape {
    /// Every line carries a level.
    AllLevelled,
    /// A traceback follows an error and a warning; an indented detail follows an info line; a
    /// printed line with no header follows an error.
    WithContinuations,
}

const SHAPES: [Shape; 2] = [Shape::AllLevelled, Shape::WithContinuations];

/// The severities of the events in a file: mostly info, some debug, 4 warnings, 3 errors, 1
/// fatal.
const EVENTS: [usize; 30] = [
    1, 1, 0, 1, 1, 2, 1, 1, 3, 1, 0, 1, 1, 2, 1, 1, 1, 3, 1, 2, 1, 0, 1, 1, 4, 1, 2, 1, 3, 1,
];

/// Counts of warning, error and fatal events.
type Counts = [u64; 3];

fn truth() -> Counts {
    let c = |s| EVENTS.iter().filter(|&&e| e == s).count() as u64;
    [c(2), c(3), c(4)]
}

fn traceback(i: usize) -> [String; 4] {
    [
        "Traceback (most recent call last):".to_owned(),
        format!("  File \"/srv/app/tasks.py\", line {}, in run", 10 + i),
        "    result = step(payload)".to_owned(),
        format!("ValueError: bad value {i}"),
    ]
}

/// A text file: each event's line built by `line(i, severity, message)`, with the shape's
/// extra lines.
fn text_file(shape: Shape, line: &dyn Fn(usize, usize, &str) -> String) -> String {
    let mut out = String::new();
    let mut seen = [0usize; 5];
    for (i, &sev) in EVENTS.iter().enumerate() {
        let _ = writeln!(out, "{}", line(i, sev, &message(sev, i)));
        seen[sev] += 1;
        if let Shape::WithContinuations = shape {
            match (sev, seen[sev]) {
                (3, 1) | (2, 2) => {
                    for t in traceback(i) {
                        let _ = writeln!(out, "{t}");
                    }
                }
                (3, 2) => {
                    let _ = writeln!(out, "retrying with a fresh connection pool");
                }
                (1, 3) => {
                    let _ = writeln!(out, "    detail: {} entries skipped", i * 3);
                }
                _ => {}
            }
        }
    }
    out
}

/// The counts of warning, error and fatal events `text` digests to.
fn digested(text: &str) -> Counts {
    digest_cell(text).1
}

#[derive(Default)]
struct Matrix(Tally);

impl Matrix {
    fn new() -> Self {
        Self::default()
    }

    fn check(&mut self, name: &str, text: &str, want: Counts) {
        let got = digested(text);
        let head: Vec<&str> = text.lines().take(3).collect();
        self.0.cell((got != want).then(|| {
            format!(
                "{name}: [warning, error, fatal] got {got:?}, want {want:?}; first lines {head:#?}"
            )
        }));
    }

    fn finish(self, expected_cells: usize) {
        self.0.finish(expected_cells);
    }
}

fn word(sp: &Spelling, sev: usize, i: usize) -> &'static str {
    let w = sp.words[sev];
    w[i % w.len()]
}

#[test]
fn text_headers_spelling_by_wrapper_by_position_by_file_shape() {
    let mut m = Matrix::new();
    let mut expected = 0;
    for sp in SPELLINGS {
        let width = sp
            .words
            .iter()
            .flat_map(|w| w.iter())
            .map(|w| w.len())
            .max()
            .unwrap();
        for pos in POSITIONS.into_iter().filter(|p| p.writes(sp)) {
            // A part of a compound field is written bare (`<time>: LEVEL/<process>`).
            let wraps: &[Wrap] = if pos.compound() {
                &[Wrap::Bare]
            } else {
                &WRAPS
            };
            for &wrap in wraps {
                for shape in SHAPES {
                    expected += 1;
                    let text = text_file(shape, &|i, sev, msg| {
                        pos.line(i, sev, &wrap.apply(word(sp, sev, i), width), msg)
                    });
                    m.check(
                        &format!("{} {wrap:?} {pos:?} {shape:?}", sp.name),
                        &text,
                        truth(),
                    );
                }
            }
        }
    }
    m.finish(expected);
}

/// Severity index (0 debug … 4 fatal) to a syslog severity; info alternates with notice and
/// fatal cycles through critical, alert and emergency.
fn syslog_severity(sev: usize, i: usize) -> u8 {
    match sev {
        0 => 7,
        1 => [6, 5][i % 2],
        2 => 4,
        3 => 3,
        _ => [2, 1, 0][i % 3],
    }
}

/// The numeric scales JSON loggers write: 10-step scales starting at trace (10..60) or at
/// debug (10..50, under their own key), and syslog severities.
#[derive(Clone, Copy, Debug)]
enum Scale {
    TenFromTrace,
    TenFromDebug,
    Syslog,
}

impl Scale {
    fn value(self, sev: usize, i: usize) -> u8 {
        match self {
            Scale::TenFromTrace => 20 + 10 * sev as u8,
            Scale::TenFromDebug => 10 + 10 * sev as u8,
            Scale::Syslog => syslog_severity(sev, i),
        }
    }
}

#[test]
fn structured_records_key_by_value_by_file_shape() {
    let mut m = Matrix::new();
    let mut expected = 0;
    let json = |i: usize, key: &str, value: String, msg: &str| {
        let s = i % 60;
        format!(
            r#"{{"time":"2024-03-01T09:{:02}:{s:02}.{:03}Z",{}:{value},"logger":"app.core","msg":{}}}"#,
            i / 60,
            (i * 137) % 1000,
            serde_json::to_string(key).unwrap(),
            serde_json::to_string(msg).unwrap()
        )
    };
    for shape in SHAPES {
        for sp in SPELLINGS {
            for key in ["level", "severity", "levelname", "lvl", "log.level"] {
                expected += 1;
                let text = text_file(shape, &|i, sev, msg| {
                    json(i, key, format!("\"{}\"", word(sp, sev, i)), msg)
                });
                m.check(&format!("json {key} {} {shape:?}", sp.name), &text, truth());
            }
            for key in ["level", "lvl"] {
                for quoted in [false, true] {
                    expected += 1;
                    let text = text_file(shape, &|i, sev, msg| {
                        let w = word(sp, sev, i);
                        let v = if quoted {
                            format!("\"{w}\"")
                        } else {
                            w.to_owned()
                        };
                        format!(
                            "time=2024-03-01T09:00:{:02}Z {key}={v} msg=\"{msg}\" logger=app.core",
                            i % 60
                        )
                    });
                    m.check(
                        &format!("logfmt {key} quoted={quoted} {} {shape:?}", sp.name),
                        &text,
                        truth(),
                    );
                }
            }
        }
        for (key, scale) in [
            ("level", Scale::TenFromTrace),
            ("level", Scale::Syslog),
            ("severity", Scale::Syslog),
            ("levelno", Scale::TenFromDebug),
        ] {
            expected += 1;
            let text = text_file(shape, &|i, sev, msg| {
                json(i, key, scale.value(sev, i).to_string(), msg)
            });
            m.check(&format!("json {key} {scale:?} {shape:?}"), &text, truth());
        }
    }
    m.finish(expected);
}

#[test]
fn syslog_priorities_and_letters_glued_to_the_date() {
    let mut m = Matrix::new();
    let mut expected = 0;
    for shape in SHAPES {
        for facility in [1u8, 3, 16, 23] {
            for modern in [true, false] {
                expected += 1;
                let text = text_file(shape, &|i, sev, msg| {
                    let pri = facility * 8 + syslog_severity(sev, i);
                    let pid = 4100 + i % 9;
                    if modern {
                        format!(
                            "<{pri}>1 2024-03-01T09:00:{:02}.{:03}Z node-a daemon {pid} - - {msg}",
                            i % 60,
                            (i * 137) % 1000
                        )
                    } else {
                        format!(
                            "<{pri}>Mar  1 09:00:{:02} node-a daemon[{pid}]: {msg}",
                            i % 60
                        )
                    }
                });
                m.check(
                    &format!("syslog facility {facility} modern={modern} {shape:?}"),
                    &text,
                    truth(),
                );
            }
        }
        expected += 1;
        let text = text_file(shape, &|i, sev, msg| {
            let letter = ["I", "I", "W", "E", "F"][sev];
            format!(
                "{letter}0301 09:00:{:02}.{:06} {:>7} worker.go:{}] {msg}",
                i % 60,
                (i * 7919) % 1_000_000,
                48 + i % 3,
                100 + i
            )
        });
        m.check(
            &format!("letter glued to the date {shape:?}"),
            &text,
            truth(),
        );
    }
    m.finish(expected);
}

/// Messages of info events that hold level words as words of the message; `first`: also as
/// its first word (a message that opens with a level word and has no header level is that
/// level's, `error: …`, so those only go after a header level).
fn message_with_level_words(i: usize, first: bool) -> String {
    let n = 3 + (i * 31) % 97;
    let inside = [
        format!("retry on error {n} of 5 scheduled"),
        format!("wind from W at {n} knots"),
        format!("step result E = {n}"),
        format!("set warning threshold to {n}"),
        format!("current error budget at {n} percent"),
        format!("cleared fatal flag for job {n}"),
    ];
    let opening = [
        format!("warning threshold set to {n}"),
        format!("error budget at {n} percent"),
        format!("E = {n} after step"),
    ];
    if first && i % 3 == 0 {
        opening[(i / 3) % 3].clone()
    } else {
        inside[i % 6].clone()
    }
}

/// `line` without its level field (`LVL` where the level was written).
fn without_level(line: &str) -> String {
    line.replace("LVL - ", "")
        .replace(".LVL:", ":")
        .replace("LVL:", "")
        .replace("\tLVL", "")
        .replace("LVL/", "")
        .replace("LVL ", "")
}

#[test]
fn level_words_inside_messages_do_not_count() {
    let mut m = Matrix::new();
    let mut expected = 0;
    for sp in SPELLINGS {
        for pos in POSITIONS.into_iter().filter(|p| p.writes(sp)) {
            let wrap = if pos.compound() {
                Wrap::Bare
            } else {
                Wrap::Bracket
            };
            for shape in SHAPES {
                expected += 1;
                let text = text_file(shape, &|i, sev, msg| {
                    let msg = if sev == 1 {
                        message_with_level_words(i, true)
                    } else {
                        msg.to_owned()
                    };
                    pos.line(i, sev, &wrap.apply(word(sp, sev, i), 0), &msg)
                });
                m.check(
                    &format!("level words in messages {} {pos:?} {shape:?}", sp.name),
                    &text,
                    truth(),
                );
            }
        }
    }
    // Files with no level at all: the level words of their messages are no levels either.
    for pos in POSITIONS {
        expected += 1;
        let mut text = String::new();
        for i in 0..30 {
            let line = pos.line(i, 1, "LVL", &message_with_level_words(i, false));
            text.push_str(&without_level(&line));
            text.push('\n');
        }
        m.check(&format!("no levels {pos:?}"), &text, [0, 0, 0]);
    }
    m.finish(expected);
}
