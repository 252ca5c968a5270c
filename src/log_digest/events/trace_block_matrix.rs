//! Failure class: a stack written one headed line at a time behind a tag (see
//! [`super::trace_block`]), as an enumerated matrix. A record with an empty message, then
//! its exception line, blanks and frames, each repeating the header (its clock moves) and
//! the tag, is one event and one error, whatever the header's shape and the trace's shape.
//! Must not fire: after the block, a line of the same level with another tag, a line of the
//! same tag with another level, and a line of the same tag and level that says something
//! are each events of their own; so is a frame-shaped record after a record that says
//! something (no empty record opens a block).

use super::unindented_matrix::heads_and_errors;
use crate::log_digest::matrix_tally::Tally;

/// `(name, render(i, level, tag, message))`: the level word's case follows the header.
pub(crate) type Render = fn(usize, &str, &str, &str) -> String;
pub(crate) const HEADERS: &[(&str, Render)] = &[
    ("L, [iso #pid] LEVEL -- : [tag]", |i, l, t, m| {
        format!(
            "{}, [2024-03-01T09:{:02}:{:02}.{:06} #4242] {:>5} -- : [{t}] {m}",
            &l[..1].to_uppercase(),
            i / 60 % 60,
            i % 60,
            i * 7919 % 1_000_000,
            l.to_uppercase()
        )
    }),
    ("date time [LEVEL] [tag]", |i, l, t, m| {
        format!(
            "2024-03-01 10:{:02}:{:02}.{:03} [{}] [{t}] {m}",
            i / 60 % 60,
            i % 60,
            i * 13 % 1000,
            l.to_uppercase()
        )
    }),
    ("time LEVEL [tag]", |i, l, t, m| {
        format!(
            "11:{:02}:{:02} {} [{t}] {m}",
            i / 60 % 60,
            i % 60,
            l.to_uppercase()
        )
    }),
];

/// Traces: the lines after the empty record.
const TRACES: &[(&str, &[&str])] = &[
    (
        "scoped exception, blank, frames",
        &[
            "Alpha::BetaGamma (delta epsilon zeta:443):",
            "",
            "lib/eta/theta.rb:43:in 'iota'",
            "lib/eta/kappa.rb:7:in 'lambda'",
        ],
    ),
    (
        "typed exception (message), blank, frames",
        &[
            "OmegaError (alpha beta 'gamma' for nil):",
            "",
            "lib/delta/epsilon.rb:8:in 'zeta'",
        ],
    ),
    (
        "typed exception, frames",
        &["MuNuError: xi omicron", "lib/pi/rho.rb:12:in 'sigma'"],
    ),
    ("frames only", &["lib/tau/upsilon.rb:3:in 'phi'"]),
];

/// What follows the block: `(name, level, same tag, message)`; each is a head.
const AFTER: &[(&str, &str, bool, &str)] = &[
    (
        "same level, another tag",
        "fatal",
        false,
        "lib/chi/psi.rb:9:in 'omega'",
    ),
    (
        "same tag, another level",
        "info",
        true,
        "lib/chi/psi.rb:9:in 'omega'",
    ),
    (
        "same tag and level, words",
        "fatal",
        true,
        "Completed alpha in 12ms",
    ),
];

fn tag(i: usize) -> String {
    format!(
        "{:08x}-{:04x}-4e6c",
        i * 2_654_435_761 % 0xffff_ffff,
        i * 40503 % 0xffff
    )
}

/// One file of 30 requests; every third fails with a block, followed by the `after` line.
/// Every fifth request also writes a record that says something followed by a frame-shaped
/// record (two heads). Returns the lines with their head flags and the error count.
fn file(header: Render, trace: &[&str], after: (&str, bool, &str)) -> (Vec<(String, bool)>, u64) {
    let mut out = Vec::new();
    let mut errors = 0;
    for i in 0..30 {
        let t = tag(i);
        out.push((header(i * 4, "info", &t, "Started gamma delta"), true));
        if i % 3 == 0 {
            out.push((header(i * 4 + 1, "fatal", &t, "  "), true));
            errors += 1;
            for (k, l) in trace.iter().enumerate() {
                out.push((header(i * 4 + 1 + k, "fatal", &t, l), false));
            }
            let (level, same, m) = after;
            let at = if same { t.clone() } else { tag(i + 100) };
            out.push((header(i * 4 + 2, level, &at, m), true));
            errors += u64::from(level == "fatal");
        } else if i % 5 == 0 {
            out.push((header(i * 4 + 1, "error", &t, "Failed beta gamma"), true));
            out.push((header(i * 4 + 2, "error", &t, "lib/a/b.rb:1:in 'c'"), true));
            errors += 2;
        } else {
            out.push((
                header(i * 4 + 1, "info", &t, "Completed alpha in 9ms"),
                true,
            ));
        }
    }
    (out, errors)
}

#[test]
fn a_stack_written_one_record_a_line_is_one_event_in_every_cell() {
    let mut tally = Tally::default();
    for (hname, header) in HEADERS {
        for (tname, trace) in TRACES {
            for (aname, level, same, m) in AFTER {
                let (lines, errors) = file(*header, trace, (level, *same, m));
                let cell = format!("{hname} × {tname} × {aname}");
                tally.cell(heads_and_errors(&cell, &lines, errors));
            }
        }
    }
    tally.finish(HEADERS.len() * TRACES.len() * AFTER.len());
}
