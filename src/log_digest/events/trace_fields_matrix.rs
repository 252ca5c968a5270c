//! Failure class: a crash report's closing fields, as an enumerated matrix. A headed error
//! record followed by an exception line, its indented frames, then unindented `Label: value`
//! lines (the report's closing fields) is one event and one error, whatever the header's
//! shape, the trace's shape and how many fields close it. Must not fire: the line after the
//! report that has a header, that is a headerless line of another shape, a `key=value`
//! record or a line that opens with a level word is an event of its own; a `Label: value`
//! line after a record with no trace is one too; consecutive reports with the same header are
//! each their own error.

use super::unindented_matrix::heads_and_errors;
use crate::log_digest::matrix_tally::Tally;

type Render = fn(usize, &str, &str) -> String;
const HEADERS: &[(&str, Render)] = &[
    ("clock [level]", |i, l, m| {
        format!(
            "09:{:02}:{:02}.{:03} [{l}] {m}",
            i / 60 % 60,
            i % 60,
            i * 7 % 1000
        )
    }),
    ("date time level name:", |i, l, m| {
        format!(
            "2024-03-01 10:{:02}:{:02},{:03} {} alpha.beta: {m}",
            i / 60 % 60,
            i % 60,
            i * 3 % 1000,
            l.to_uppercase()
        )
    }),
    ("[iso] name.LEVEL:", |i, l, m| {
        format!(
            "[2024-03-01T11:{:02}:{:02}+00:00] gamma.{}: {m}",
            i / 60 % 60,
            i % 60,
            l.to_uppercase()
        )
    }),
];

/// Traces: the exception line and the frames under it.
const TRACES: &[(&str, &[&str])] = &[
    (
        "** (Type) message",
        &[
            "** (DeltaError) epsilon zeta not found",
            "    (eta 0.1.0) lib/eta/theta.ex:12: Eta.Theta.iota/2",
            "    (kappa 5.2) kappa.erl:1183: :kappa.lambda/6",
        ],
    ),
    (
        "pkg.TypeException: message",
        &[
            "mu.nu.XiException: omicron pi failed",
            "\tat mu.nu.Rho.sigma(Rho.java:42)",
            "\tat mu.nu.Tau.upsilon(Tau.java:7)",
        ],
    ),
];

const FIELDS: &[&str] = &["Last phi: :chi", "Psi: %{omega: \"A\", beta: 0}"];

/// What follows each report: `(name, line, must be a head)`. Each must be a head.
const AFTER: &[(&str, Option<&str>)] = &[
    ("headed line", None),
    (
        "headerless line",
        Some("Alpha server listening on port 4000"),
    ),
    (
        "key=value record",
        Some("level=info msg=\"beta ready\" n=3"),
    ),
    ("level word", Some("ERROR: gamma delta failed")),
];

/// One file: `events` records; every third is an error report with a trace and `fields`
/// closing fields, followed by the `after` line; consecutive reports share the header's
/// shape. Returns the text, each line's head flag, and the number of error events.
fn file(
    header: Render,
    trace: &[&str],
    fields: usize,
    after: Option<&str>,
) -> (Vec<(String, bool)>, u64) {
    let mut out = Vec::new();
    let mut errors = 0;
    for i in 0..30 {
        if i % 3 == 0 || i % 3 == 1 {
            // Two reports in a row: each is its own error.
            out.push((header(i, "error", "Worker Alpha.Beta terminating"), true));
            errors += 1;
            out.extend(trace.iter().map(|l| ((*l).to_owned(), false)));
            out.extend(FIELDS[..fields].iter().map(|l| ((*l).to_owned(), false)));
            if let Some(a) = after.filter(|_| i % 3 == 1) {
                out.push((a.to_owned(), true));
                if a.starts_with("ERROR") {
                    errors += 1;
                }
            }
        } else {
            out.push((header(i, "info", "gamma finished in 12 ms"), true));
            // A label line after a record with no trace is an event of its own.
            out.push(("Delta: epsilon".to_owned(), true));
        }
    }
    (out, errors)
}

#[test]
fn a_crash_reports_closing_fields_stay_in_its_event_in_every_cell() {
    let mut tally = Tally::default();
    for (hname, header) in HEADERS {
        for (tname, trace) in TRACES {
            for fields in 0..=FIELDS.len() {
                for (aname, after) in AFTER {
                    let (lines, errors) = file(*header, trace, fields, *after);
                    let cell = format!("{hname} × {tname} × {fields} fields × {aname}");
                    tally.cell(heads_and_errors(&cell, &lines, errors));
                }
            }
        }
    }
    tally.finish(HEADERS.len() * TRACES.len() * (FIELDS.len() + 1) * AFTER.len());
}
