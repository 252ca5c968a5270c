//! The level matrix of places and other lines that [`super::matrix`] leaves out, one dimension
//! at a time around a form velo reads: where real loggers' default layouts put the level (a
//! time of day alone, `|`-separated columns, `[time LEVEL]`, a `yyyy/mm/dd` date, after a
//! source location, right-aligned, after an epoch, after a thread with a padded level, on the
//! second line of a two-line record, after a program word, a colon word padded to a column, a
//! container runtime's `<time> <stream> <tag>` prefix, a JSON line wrapping a text line, a
//! syslog program's bracketed level), in capitals, title case, three letters, cut words
//! (`EROR`, `DEBU`), syslog words in capitals and single letters; then the lines around the
//! records: a Python traceback, a Java stack with `Caused by:`, a JavaScript `Error: text`
//! and its `at` frames, printed lines with no level (one mentioning errors); then info records
//! whose message holds a level word (`Error: …`, `warning: …`, `level=error`, `ERROR count`).
//! Each cell digests one generated file and checks the counts of warning, error and fatal
//! events. Words are neutral; a cell names a class of layout, never a format.

use std::fmt::Write as _;

use crate::log_digest::matrix_tally::{digest_cell, Tally};

/// `[debug, info, warning, error, fatal]` as one logger spells them.
const SPELLINGS: &[(&str, [&str; 5])] = &[
    ("upper", ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]),
    ("lower", ["debug", "info", "warning", "error", "critical"]),
    ("title", ["Debug", "Info", "Warn", "Error", "Fatal"]),
    ("three", ["DBG", "INF", "WRN", "ERR", "FTL"]),
    ("cut", ["DEBU", "INFO", "WARN", "EROR", "PANIC"]),
    ("syslog", ["DEBUG", "NOTICE", "WARNING", "ERR", "EMERG"]),
    ("letters", ["D", "I", "W", "E", "F"]),
];

/// A layout: the line for event `i` with level word `l` (padded to `w` where the layout pads)
/// and message `m`.
type Layout = fn(usize, &str, &str, usize) -> String;

fn hms(i: usize) -> String {
    format!("09:{:02}:{:02}", i / 60, i % 60)
}

fn frac(i: usize) -> usize {
    (i * 137) % 1000
}

const PLACES: &[(&str, Layout)] = &[
    ("time of day then [level]", |i, l, m, _| {
        format!("{}.{:03} [{l}] {m}", hms(i), frac(i))
    }),
    ("pipe-separated, padded", |i, l, m, w| {
        format!(
            "2024-03-01 {}.{:03} | {l:<w$} | app.core:run:{} - {m}",
            hms(i),
            frac(i),
            10 + i
        )
    }),
    ("[time level]", |i, l, m, _| format!("[{} {l}] {m}", hms(i))),
    ("slash date, [level], pid#tid", |i, l, m, _| {
        format!("2024/03/01 {} [{l}] {}#0: {m}", hms(i), 4100 + i)
    }),
    ("after a source location", |i, l, m, _| {
        format!(
            "2024-03-01 {},{:03} tasks.py:{} {l} {m}",
            hms(i),
            frac(i),
            10 + i
        )
    }),
    ("right-aligned after the time", |i, l, m, w| {
        format!(
            "2024-03-01T{}.{:06}Z {l:>w$} app::core: {m}",
            hms(i),
            (i * 7919) % 1_000_000
        )
    }),
    ("after an epoch", |i, l, m, _| {
        format!("17092836{i:02}.{:03} {l} {m}", frac(i))
    }),
    ("time, [thread], padded level, logger -", |i, l, m, w| {
        let thread = ["main", "worker-1", "pool-2"][i % 3];
        format!(
            "{}.{:03} [{thread}] {l:<w$} app.core.Worker - {m}",
            hms(i),
            frac(i)
        )
    }),
    ("level: on the second line", |i, l, m, _| {
        format!(
            "Mar 01, 2024 9:{:02}:{:02} AM app.core.Worker run\n{l}: {m}",
            i / 60,
            i % 60
        )
    }),
    ("after a program word", |i, l, m, _| {
        format!("[01-Mar-2024 {} UTC] APP {l}:  {m}", hms(i))
    }),
    ("colon word padded to a column", |_, l, m, w| {
        let lc = format!("{l}:");
        format!("{lc:<width$}    {m}", width = w + 1)
    }),
    ("behind <time> <stream> <tag>", |i, l, m, _| {
        let stream = ["stdout", "stderr"][i % 2];
        format!(
            "2024-03-01T{}.{:06}000Z {stream} F 2024-03-01 {} {l} {m}",
            hms(i),
            (i * 7919) % 1_000_000,
            hms(i)
        )
    }),
    ("text inside a JSON line", |i, l, m, _| {
        let log = serde_json::to_string(&format!("2024-03-01 {} {l} {m}\n", hms(i))).unwrap();
        format!(
            r#"{{"log":{log},"stream":"stderr","time":"2024-03-01T{}.000Z"}}"#,
            hms(i)
        )
    }),
    ("[level] after a syslog program", |i, l, m, _| {
        format!("Mar  1 {} node-a app[{}]: [{l}] {m}", hms(i), 4100 + i)
    }),
    ("level then a dash", |i, l, m, _| {
        format!("2024-03-01 {} {l} - {m}", hms(i))
    }),
];

/// Places where no logger writes a single letter (a letter and a colon reads as a word).
fn writes_letters(place: &str) -> bool {
    !matches!(
        place,
        "level: on the second line" | "after a program word" | "colon word padded to a column"
    )
}

/// The severities of the events (0 debug … 4 fatal): 4 warnings, 3 errors, 1 fatal (the count
/// matrix's too).
pub(super) const EVENTS: [usize; 30] = [
    1, 1, 0, 1, 1, 2, 1, 1, 3, 1, 0, 1, 1, 2, 1, 1, 1, 3, 1, 2, 1, 0, 1, 1, 4, 1, 2, 1, 3, 1,
];
pub(super) const TRUTH: [u64; 3] = [4, 3, 1];

/// The message of event `i` of severity `sev` (made-up words; shared with the count matrix).
pub(super) fn message(sev: usize, i: usize) -> String {
    let n = 3 + (i * 31) % 97;
    match sev {
        0 => format!("lookup of key k{n} took {n} ms"),
        1 => [
            format!("courier started parcel {n} on lane north"),
            format!("linked to peer {n} after greeting"),
            format!("sorted a crate of {n} pebbles"),
            format!("next sweep in {n} seconds"),
        ][i % 4]
            .clone(),
        2 => format!("lane depth {n} is above the soft mark"),
        3 => format!("parcel {n} lost after 3 tries"),
        _ => format!("vault gone, stopping courier {n}"),
    }
}

/// What follows some records: nothing, or the lines a program prints after them.
#[derive(Clone, Copy, Debug)]
enum Others {
    None,
    PythonTraceback,
    JavaStack,
    /// `Error: text` then indented `at` frames (a runtime printing the error a record reports).
    ScriptStack,
    /// Printed lines with no header and no level, one of them mentioning errors and warnings.
    Unlevelled,
}

const OTHERS: [Others; 5] = [
    Others::None,
    Others::PythonTraceback,
    Others::JavaStack,
    Others::ScriptStack,
    Others::Unlevelled,
];

fn others(kind: Others, i: usize) -> Vec<String> {
    match kind {
        Others::None => vec![],
        Others::PythonTraceback => vec![
            "Traceback (most recent call last):".into(),
            format!("  File \"/srv/lane/sorter.py\", line {}, in sweep", 10 + i),
            "    crate = pick(pebble)".into(),
            format!("ValueError: odd pebble {i}"),
        ],
        Others::JavaStack => vec![
            format!("lane.core.OddPebbleException: odd pebble {i}"),
            "\tat lane.core.Sorter.sweep(Sorter.java:42)".into(),
            "\tat java.base/java.lang.Thread.run(Thread.java:833)".into(),
            format!("Caused by: java.io.IOException: chute jammed {i}"),
            "\t... 2 more".into(),
        ],
        Others::ScriptStack => vec![
            format!("Error: odd pebble {i}"),
            "    at Sorter.sweep (/srv/lane/sorter.js:42:9)".into(),
            "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)"
                .into(),
        ],
        Others::Unlevelled => vec![
            format!("Listening on port {}", 8000 + i),
            format!("3 errors and {i} warnings found in the lane map"),
        ],
    }
}

/// A printed line as the place writes it: behind the same runtime prefix or inside the same
/// JSON line as the records (a collector wraps every line of a stream), else as printed.
fn carried(place: &str, i: usize, line: &str) -> String {
    match place {
        "behind <time> <stream> <tag>" => {
            format!(
                "2024-03-01T{}.{:06}000Z stderr F {line}",
                hms(i),
                (i * 7919) % 1_000_000
            )
        }
        "text inside a JSON line" => {
            let log = serde_json::to_string(&format!("{line}\n")).unwrap();
            format!(
                r#"{{"log":{log},"stream":"stderr","time":"2024-03-01T{}.000Z"}}"#,
                hms(i)
            )
        }
        _ => line.to_owned(),
    }
}

fn file(place: &str, kind: Others, line: &dyn Fn(usize, usize) -> String) -> String {
    let mut out = String::new();
    let mut seen = [0usize; 5];
    for (i, &sev) in EVENTS.iter().enumerate() {
        let _ = writeln!(out, "{}", line(i, sev));
        seen[sev] += 1;
        // After the first error, the second warning and the fatal (stacks); after the second
        // and fifth info and the second error (printed lines).
        let after = match kind {
            Others::Unlevelled => matches!((sev, seen[sev]), (1, 2 | 5) | (3, 2)),
            _ => matches!((sev, seen[sev]), (3 | 4, 1) | (2, 2)),
        };
        if after {
            for o in others(kind, i) {
                let _ = writeln!(out, "{}", carried(place, i, &o));
            }
        }
    }
    out
}

/// An info message for event `i`.
type InfoMessage = fn(usize) -> String;

/// Info messages holding a level word: first with a colon, in capitals as a field.
const INFO_MESSAGES: &[(&str, InfoMessage)] = &[
    ("Error: first", |i| {
        format!("Error: none found for key k{i}, going on")
    }),
    ("warning: first", |i| format!("warning: muted for peer {i}")),
    ("level=error inside", |i| {
        format!("set level=error for part p{i}")
    }),
    ("ERROR first", |i| format!("ERROR count={i} in last window")),
];

fn check(t: &mut Tally, name: &str, text: &str) {
    let got = digest_cell(text).1;
    let head: Vec<&str> = text.lines().take(2).collect();
    t.cell(
        (got != TRUTH).then(|| {
            format!("{name}: [warning, error, fatal] got {got:?}, want {TRUTH:?}; {head:?}")
        }),
    );
}

/// Cells left open, each ambiguous to a reader without the file's history: a logger that
/// writes its levels as a title-case `Word:` and a runtime's `Error: text` line (the same
/// spelling); an info record of such a logger whose message opens with another level word
/// and a colon. The runtime's `<time> <stream> F` prefix is read as the CRI format
/// (`header/cri.rs`), and a Java stack behind it joins its record; a runtime's bare `Error:
/// text` line behind it, before `at` frames, stays an error of its own (open: a bare `Error:`
/// is as often a program's own message).
fn open_cell(place: &str, spelling: &str, what: &str) -> bool {
    let colon_word = matches!(
        place,
        "level: on the second line" | "colon word padded to a column"
    );
    (colon_word
        && spelling == "title"
        && matches!(what, "ScriptStack" | "Error: first" | "warning: first"))
        || (place == "behind <time> <stream> <tag>" && what == "ScriptStack")
}

/// Spellings whose other lines and info messages are varied (capitals, lower case, title
/// case: the cases a runtime's `Error:` line may or may not share).
const CASES: [&str; 3] = ["upper", "lower", "title"];

#[test]
fn places_by_spelling_by_other_lines_and_level_words_in_info_messages() {
    let mut t = Tally::default();
    let mut expected = 0;
    for &(place, layout) in PLACES {
        for &(sp, words) in SPELLINGS {
            if sp == "letters" && !writes_letters(place) {
                continue;
            }
            let w = words.iter().map(|w| w.len()).max().unwrap_or(0);
            // Spelling x place, every line a record.
            let kinds: &[Others] = if CASES.contains(&sp) {
                &OTHERS
            } else {
                &[Others::None]
            };
            for &kind in kinds {
                if open_cell(place, sp, &format!("{kind:?}")) {
                    continue;
                }
                expected += 1;
                let text = file(place, kind, &|i, sev| {
                    layout(i, words[sev], &message(sev, i), w)
                });
                check(&mut t, &format!("{place} / {sp} / {kind:?}"), &text);
            }
            if !CASES.contains(&sp) {
                continue;
            }
            for &(what, info) in INFO_MESSAGES {
                if open_cell(place, sp, what) {
                    continue;
                }
                expected += 1;
                let text = file(place, Others::None, &|i, sev| {
                    let m = if sev == 1 && i % 3 == 0 {
                        info(i)
                    } else {
                        message(sev, i)
                    };
                    layout(i, words[sev], &m, w)
                });
                check(
                    &mut t,
                    &format!("{place} / {sp} / info message {what}"),
                    &text,
                );
            }
        }
    }
    t.finish(expected);
}
