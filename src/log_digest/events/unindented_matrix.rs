//! Failure class: unindented multi-line records, as an enumerated matrix. A record whose head
//! carries the file's header and whose next lines carry none and are not indented (a statement
//! echoed clause by clause, a request dumped line by line, a value pretty-printed over lines, a
//! printed table) is one event, whatever the header's shape, the body's shape and length, how
//! the head's message ends unfinished, and whether a second stream of another shape is
//! interleaved with it (its lines stay events of their own). After a finished message, and below
//! the share of headed lines the rule needs, headerless lines stay heads.

use super::{EventParser, Line, Splitter};

/// Header shapes: `(name, render(i, level, message))`.
type Render = fn(usize, &str, &str) -> String;
const HEADERS: &[(&str, Render)] = &[
    ("date time,ms level dotted-name", |i, l, m| {
        format!(
            "2024-03-01 09:{:02}:{:02},{:03} {l} alpha.beta {m}",
            i / 60,
            i % 60,
            i * 7 % 1000
        )
    }),
    ("[date time] level:", |i, l, m| {
        format!("[2024-03-01 10:{:02}:{:02}] {l}: {m}", i / 60, i % 60)
    }),
    ("month day time host program[pid]:", |i, _, m| {
        format!(
            "Mar  1 11:{:02}:{:02} host-{} gamma[{}]: {m}",
            i / 60,
            i % 60,
            i % 3,
            100 + i % 7
        )
    }),
    ("date time - name - level -", |i, l, m| {
        format!(
            "2024-03-01 12:{:02}:{:02},{:03} - delta.epsilon - {l} - {m}",
            i / 60,
            i % 60,
            i * 3 % 1000
        )
    }),
    ("iso time | level | name -", |i, l, m| {
        format!(
            "2024-03-01T13:{:02}:{:02}.{:03}Z | {l:<8} | zeta.eta - {m}",
            i / 60,
            i % 60,
            i % 1000
        )
    }),
];

/// Body shapes: lines a record prints after its head, taken cyclically.
const BODIES: &[(&str, &[&str])] = &[
    (
        "statement clauses",
        &[
            "FROM alpha_table",
            "WHERE alpha_table.id = ? AND alpha_table.ts >= ?",
            "ORDER BY alpha_table.ts",
        ],
    ),
    (
        "request dump",
        &[
            "PUT",
            "/theta/2024/iota.json",
            "",
            "host:kappa.example.org",
            "x-lambda-date:20240301T090000Z",
            "content-type;host;x-lambda-date",
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        ],
    ),
    (
        "pretty-printed value",
        &["{", "\"mu\": 1,", "\"nu\": [2, 3],", "\"xi\": null", "}"],
    ),
    (
        "printed table",
        &[
            "id | name    | qty",
            "---+---------+----",
            "1  | omicron | 3",
            "2  | pi      | 5",
        ],
    ),
];

const BODY_LENGTHS: &[usize] = &[1, 3, 8];

/// How the head of a record with a body ends its message: announcing, opening a bracket, or
/// broken after a word with one blank left.
const OPENERS: &[&str] = &[
    "chi dump follows:",
    "chi payload = {",
    "SELECT chi.id, chi.ts ",
];

/// Lines of a second stream interleaved with the records: each is an event of its own.
const OTHERS: &[(&str, Option<Render>)] = &[
    ("none", None),
    (
        "json record",
        Some(|i, _, _| format!("{{\"level\":\"info\",\"msg\":\"rho ready\",\"n\":{i}}}")),
    ),
    (
        "key=value record",
        Some(|i, _, _| format!("level=info msg=\"rho ready\" n={i}")),
    ),
    (
        "access line",
        Some(|i, _, _| {
            format!(
                "10.0.0.{} - - [01/Mar/2024:09:00:{:02} +0000] \"GET /sigma/{i} HTTP/1.1\" 200 {}",
                i % 9,
                i % 60,
                100 + i
            )
        }),
    ),
];

const MESSAGES: &[&str] = &[
    "tau finished in 12 ms",
    "upsilon statement:",
    "phi ready for 3",
    "chi dump follows",
];
const LEVELS: &[&str] = &["INFO", "DEBUG", "WARNING"];

/// One file: `events` records, every `every`-th with a body of `len` lines, and after every
/// fifth record a line of the other stream. Returns the lines and whether each one must be a head.
fn file(
    header: Render,
    (opener, body): (&str, &[&str]),
    len: usize,
    other: Option<Render>,
    events: usize,
    every: usize,
) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for i in 0..events {
        let with_body = i % every == every - 1;
        let m = if with_body {
            opener
        } else {
            MESSAGES[i % MESSAGES.len()]
        };
        out.push((header(i, LEVELS[i % LEVELS.len()], m), true));
        if with_body {
            for k in 0..len {
                out.push((body[k % body.len()].to_owned(), false));
            }
        }
        if let Some(o) = other.filter(|_| i % 5 == 4) {
            out.push((o(i, "", ""), true));
        }
    }
    out
}

/// The cells whose lines are classified wrongly: `(cell, line, want head)`.
pub(super) fn misclassified(lines: &[(String, bool)]) -> Vec<(String, bool)> {
    let text: Vec<&str> = lines.iter().map(|(l, _)| l.as_str()).collect();
    let sample: Vec<&str> = text
        .iter()
        .copied()
        .take(crate::log_digest::SAMPLE_LINES)
        .collect();
    let splitter = Splitter::infer(&sample, None);
    let mut parser = EventParser::new(&splitter);
    lines
        .iter()
        .enumerate()
        .filter(|(i, (l, head))| {
            parser.see_next(lines.get(i + 1).map(|(n, _)| n.as_bytes()));
            matches!(parser.line(l), Line::Head { .. }) != *head
        })
        .map(|(_, cell)| cell)
        .cloned()
        .collect()
}

/// The mark of each line as the event parser reads the file: `H<level>` for a head (`H-`:
/// no level), `+` for a continuation. Shared by the record-boundary matrices.
pub(super) fn head_marks<S: AsRef<str>>(lines: &[S]) -> Vec<String> {
    let refs: Vec<&str> = lines.iter().map(AsRef::as_ref).collect();
    let sp = Splitter::infer(&refs, None);
    let mut p = EventParser::new(&sp);
    refs.iter()
        .enumerate()
        .map(|(i, l)| {
            p.see_next(refs.get(i + 1).map(|n| n.as_bytes()));
            p.line(l)
        })
        .map(|line| match line {
            Line::Head { level, .. } => format!("H{}", level.map_or("-", |l| l.name())),
            Line::Continuation | Line::Wrapped(_) => "+".to_owned(),
        })
        .collect()
}

/// What is wrong with a cell of a stack matrix: lines classified as heads or continuations
/// wrongly, or an error count (error and fatal events) other than `errors`.
pub(super) fn heads_and_errors(
    cell: &str,
    lines: &[(String, bool)],
    errors: u64,
) -> Option<String> {
    let bad = misclassified(lines);
    let text: String = lines.iter().flat_map(|(l, _)| [l.as_str(), "\n"]).collect();
    let (_, [_, error, fatal]) = crate::log_digest::matrix_tally::digest_cell(&text);
    if !bad.is_empty() {
        Some(format!(
            "{cell}: heads wrong {:?}",
            &bad[..bad.len().min(3)]
        ))
    } else if error + fatal != errors {
        Some(format!("{cell}: errors {} want {errors}", error + fatal))
    } else {
        None
    }
}

#[test]
fn unindented_record_bodies_join_their_head_in_every_cell() {
    let mut wrong = Vec::new();
    let mut cells = 0;
    for (hname, header) in HEADERS {
        for (bname, body) in BODIES {
            for &len in BODY_LENGTHS {
                for opener in OPENERS {
                    for (oname, other) in OTHERS {
                        cells += 1;
                        let lines = file(*header, (opener, body), len, *other, 40, 4);
                        let bad = misclassified(&lines);
                        if !bad.is_empty() {
                            wrong.push(format!(
                                "{hname} × {bname} × {len} × {opener:?} × {oname}: {:?}",
                                &bad[..bad.len().min(3)]
                            ));
                        }
                    }
                }
            }
        }
    }
    assert_eq!(
        cells,
        HEADERS.len() * BODIES.len() * BODY_LENGTHS.len() * OPENERS.len() * OTHERS.len()
    );
    assert!(
        wrong.is_empty(),
        "{} of {cells} cells wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn headerless_lines_stay_events_where_few_lines_carry_a_header() {
    // One line in five has a header: the others are a program's own output, each an event.
    let mut lines = Vec::new();
    for i in 0..60 {
        if i % 5 == 0 {
            lines.push(HEADERS[0].1(i, "INFO", "psi checkpoint"));
        } else {
            lines.push(format!("omega step {i} done"));
        }
    }
    let text: Vec<&str> = lines.iter().map(String::as_str).collect();
    let splitter = Splitter::infer(&text, None);
    let mut parser = EventParser::new(&splitter);
    let heads = text
        .iter()
        .filter(|l| matches!(parser.line(l), Line::Head { .. }))
        .count();
    assert_eq!(heads, 60);
}

#[test]
fn a_headerless_line_after_a_finished_message_is_an_event_of_its_own() {
    // A server's banner printed between logged lines: the line before it ends its message.
    for (hname, header) in HEADERS {
        let mut lines = Vec::new();
        for i in 0..60 {
            let finished = [
                "tau finished in 12 ms",
                "phi ready for 3",
                "chi dump follows",
            ];
            lines.push((header(i, "INFO", finished[i % 3]), true));
            if i % 7 == 6 {
                lines.push(("Press any key to stop".to_owned(), true));
            }
        }
        assert_eq!(misclassified(&lines), vec![], "{hname}");
    }
}
