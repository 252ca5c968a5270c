//! Failure class: a stack printed under a record whose first line opens with the exception
//! type the header model reads as a level word (`Error: text`, then indented `at` frames),
//! as an enumerated matrix. The exception line and its frames are part of the record above,
//! never an extra event or an extra error, whatever the header's shape, the record's level
//! and the frames' shape. Must not fire: a level label written in upper or lower case
//! (`ERROR: x`, `error: x`, a runtime's own record), a line whose header holds more than the
//! type (a clock before it), and every `Error: x` of a source whose own heads write their
//! level in title case (`Info: x`, `Warning: x`): each of those is an event of its own.

use super::unindented_matrix::misclassified;
use crate::log_digest::matrix_tally::{digest_cell, Tally};

type Render = fn(usize, &str, &str) -> String;
/// Header shapes with upper-case level words, and one source that titles its levels.
const HEADERS: &[(&str, bool, Render)] = &[
    ("LEVEL message", false, |_, l, m| {
        format!("{} {m}", l.to_uppercase())
    }),
    ("date time LEVEL", false, |i, l, m| {
        format!(
            "2024-03-01 10:{:02}:{:02} {} {m}",
            i / 60 % 60,
            i % 60,
            l.to_uppercase()
        )
    }),
    ("[LEVEL] name:", false, |_, l, m| {
        format!("[{}] alpha.beta: {m}", l.to_uppercase())
    }),
    ("Title: message", true, |_, l, m| {
        let mut t = l.to_owned();
        t[..1].make_ascii_uppercase();
        format!("{t}: {m}")
    }),
];

const FRAMES: &[(&str, &[&str])] = &[
    (
        "at name (url:l:c)",
        &[
            "    at async Gamma.delta (file:///srv/epsilon.ts:14:9)",
            "    at async file:///srv/zeta.ts:3:1",
        ],
    ),
    (
        "at file:l:c",
        &[
            "    at eta (/srv/theta/iota.js:7:21)",
            "    at /srv/kappa.js:2:5",
        ],
    ),
];

/// The line under the record: `(name, line, joins the record)`; `None` when its join depends
/// on the source (the type alone, which joins unless the source titles its levels).
const OPENERS: &[(&str, &str, Option<bool>)] = &[
    ("Error: text", "Error: lambda mu closed", None),
    ("ERROR: text", "ERROR: lambda mu closed", Some(false)),
    ("error: text", "error: lambda mu closed", Some(false)),
    (
        "clock Error: text",
        "10:59:59 Error: lambda mu closed",
        Some(false),
    ),
];

const LEVELS: &[&str] = &["error", "warning", "info"];

/// One file: 30 records; every third is a record of `level` with the opener and frames under
/// it. Returns the lines with their head flags and the number of error events.
fn file(
    header: Render,
    titled: bool,
    level: &str,
    opener: (&str, Option<bool>),
    frames: &[&str],
) -> (Vec<(String, bool)>, u64) {
    let joins = opener.1.unwrap_or(!titled);
    let mut out = Vec::new();
    let mut errors = 0;
    for i in 0..30 {
        if i % 3 == 0 {
            out.push((header(i, level, "nu xi failed"), true));
            errors += u64::from(level == "error");
            out.push((opener.0.to_owned(), !joins));
            errors += u64::from(!joins);
            out.extend(frames.iter().map(|f| ((*f).to_owned(), false)));
        } else {
            let l = if i % 3 == 1 { "info" } else { "warning" };
            out.push((header(i, l, "omicron pi done"), true));
        }
    }
    (out, errors)
}

#[test]
fn a_stack_opened_by_a_type_read_as_a_level_stays_in_its_record_in_every_cell() {
    let mut tally = Tally::default();
    for (hname, titled, header) in HEADERS {
        for (fname, frames) in FRAMES {
            for (oname, opener, joins) in OPENERS {
                for level in LEVELS {
                    let (lines, errors) = file(*header, *titled, level, (opener, *joins), frames);
                    let bad = misclassified(&lines);
                    let text: String = lines.iter().flat_map(|(l, _)| [l.as_str(), "\n"]).collect();
                    let (_, [_, error, fatal]) = digest_cell(&text);
                    let cell = format!("{hname} × {fname} × {oname} × {level}");
                    tally.cell(if !bad.is_empty() {
                        Some(format!(
                            "{cell}: heads wrong {:?}",
                            &bad[..bad.len().min(3)]
                        ))
                    } else if error + fatal != errors {
                        Some(format!("{cell}: errors {} want {errors}", error + fatal))
                    } else {
                        None
                    });
                }
            }
        }
    }
    tally.finish(HEADERS.len() * FRAMES.len() * OPENERS.len() * LEVELS.len());
}
