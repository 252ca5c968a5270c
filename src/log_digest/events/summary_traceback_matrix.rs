//! Failure class: a record that prints its exception's one-line summary (`Type: text`) on its
//! second line and then the Python traceback, as an enumerated matrix. The traceback opener
//! right after the summary continues the record (one error event, not two), whatever the
//! header's shape, the record's level, the summary's type (bare or dotted, `Error` or
//! `Exception`) and the traceback's length. Must-not-fire cells: a traceback opener after a
//! stack's frames, after a second line under the summary, or under a summary that is a head of
//! its own (no record above it) opens an event of its own; a record written after the
//! traceback stays a head with its own level.

use super::unindented_matrix::head_marks as marks;

type Render = fn(usize, &str, &str) -> String;
const HEADERS: &[(&str, Render)] = &[
    ("level:name:", |_, l, m| format!("{l}:alpha.beta:{m}")),
    ("date time - name - level -", |i, l, m| {
        format!(
            "2024-03-01 12:{:02}:{:02} +0000 - gamma - {l} - {m}",
            i / 60,
            i % 60
        )
    }),
    ("[date time] level", |i, l, m| {
        format!("[2024-03-01 10:{:02}:{:02}] {l} {m}", i / 60, i % 60)
    }),
];

const SUMMARIES: &[&str] = &[
    "ZetaForbiddenError: the kappa server says - no",
    "omicron._core.errors.OmicronStepException: failure while running op \"pi\":",
];

const FRAMES: &[&[&str]] = &[
    &[
        "  File \"/srv/rho/sigma.py\", line 12, in tau",
        "    upsilon()",
    ],
    &[
        "  File \"/srv/rho/sigma.py\", line 12, in tau",
        "    upsilon()",
        "  File \"/srv/phi/chi.py\", line 40, in psi",
        "    raise OmegaError(x)",
    ],
];

const TB: &str = "Traceback (most recent call last):";

/// Filler records around the case so that the header model has a sample to learn from.
fn filler(render: Render, from: usize, out: &mut Vec<String>) {
    for i in 0..8 {
        let level = if i % 3 == 0 { "WARNING" } else { "INFO" };
        out.push(render(
            from + i,
            level,
            &format!("lambda job {i} done in mu"),
        ));
    }
}

/// The lines both summary matrices share: filler, then a `level` record, its summary line, a
/// traceback with `frames` and its `closing` line. Returns the lines and the record's index.
fn record_with_traceback(
    render: Render,
    level: &str,
    summary: &str,
    frames: &[&str],
    closing: &str,
) -> (Vec<String>, usize) {
    let mut lines = Vec::new();
    filler(render, 0, &mut lines);
    let start = lines.len();
    lines.push(render(20, level, "nu failed for xi 42"));
    lines.push(summary.to_owned());
    lines.push(TB.to_owned());
    lines.extend(frames.iter().map(|f| (*f).to_owned()));
    lines.push(closing.to_owned());
    (lines, start)
}

#[test]
fn traceback_after_a_records_summary_line_continues_the_record() {
    let mut cells = 0;
    for (hname, render) in HEADERS {
        for summary in SUMMARIES {
            for frames in FRAMES {
                for level in ["ERROR", "INFO"] {
                    let (mut lines, start) = record_with_traceback(
                        *render,
                        level,
                        summary,
                        frames,
                        "OmegaError: timed out after 3s",
                    );
                    // Must-not-fire: a real error record after the traceback stays an error.
                    lines.push(render(21, "ERROR", "nu failed again"));
                    lines.push(render(22, "INFO", "nu resumed"));
                    filler(*render, 30, &mut lines);
                    let got = marks(&lines);
                    let n = 3 + frames.len() + 1;
                    let want_head = format!("H{}", level.to_lowercase());
                    assert_eq!(got[start], want_head, "{hname} {summary} {level}: {got:?}");
                    for (k, g) in got[start + 1..start + n].iter().enumerate() {
                        assert_eq!(g, "+", "{hname} {summary} {level}: line {k}: {got:?}");
                    }
                    assert_eq!(got[start + n], "Herror", "{hname} {summary}: {got:?}");
                    assert_eq!(got[start + n + 1], "Hinfo", "{hname} {summary}: {got:?}");
                    cells += 1;
                }
            }
        }
    }
    assert_eq!(cells, 24);
}

#[test]
fn traceback_after_frames_or_a_head_summary_opens_its_own_event() {
    let mut cells = 0;
    for (hname, render) in HEADERS {
        for summary in SUMMARIES {
            // A summary, then a stack's frame at the margin, then a traceback: the traceback
            // is not the summary's.
            let mut a = Vec::new();
            filler(*render, 0, &mut a);
            let start = a.len();
            a.push(render(20, "ERROR", "nu failed for xi 42"));
            a.push((*summary).to_owned());
            a.push("    at omega.rho.Sigma.tau(Sigma.java:12)".to_owned());
            a.push(TB.to_owned());
            a.push(FRAMES[0][0].to_owned());
            a.push("OmegaError: timed out".to_owned());
            filler(*render, 30, &mut a);
            let got = marks(&a);
            assert_eq!(
                &got[start..start + 3],
                ["Herror", "+", "+"],
                "{hname}: {got:?}"
            );
            assert_eq!(got[start + 3], "Herror", "{hname} {summary}: {got:?}");
            cells += 1;

            // A summary that is a head of its own (first line of the file, no record above).
            let mut b = vec![
                (*summary).to_owned(),
                TB.to_owned(),
                FRAMES[0][0].to_owned(),
            ];
            b.push("OmegaError: timed out".to_owned());
            filler(*render, 30, &mut b);
            let got = marks(&b);
            assert_eq!(got[0], "Herror", "{hname}: {got:?}");
            assert_eq!(got[1], "Herror", "{hname} {summary}: {got:?}");
            cells += 1;
        }
    }
    assert_eq!(cells, 12);
}

/// Summaries whose type is named freely (no `Error`/`Exception` suffix).
const FREE_SUMMARIES: &[&str] = &[
    "ZetaBadRequest: the kappa server says - no: lambda",
    "omicron.core.OmicronRefused: 429, pi='rho'",
];

/// Failure class: the summary line's type named freely, told by the traceback opener right
/// after it (one line of look-ahead); the traceback's own closing line named freely, told by
/// its place after the frames. Must-not-fire cells: the same shape not followed by a
/// traceback (`Kappa: 3 items` after a record) and a margin line after the closing line are
/// heads of their own.
#[test]
fn freely_named_summary_and_closing_line_are_told_by_their_place() {
    let mut cells = 0;
    for (hname, render) in HEADERS {
        for summary in FREE_SUMMARIES {
            for frames in FRAMES {
                for level in ["ERROR", "INFO"] {
                    let (mut lines, start) = record_with_traceback(
                        *render,
                        level,
                        summary,
                        frames,
                        "OmegaRefused: sigma said no",
                    );
                    // Must-not-fire: a margin line after the closing line, then a record.
                    lines.push("Tau: 3 upsilon".to_owned());
                    lines.push(render(21, "ERROR", "nu failed again"));
                    filler(*render, 30, &mut lines);
                    let got = marks(&lines);
                    let mut want = vec![format!("H{}", level.to_lowercase())];
                    want.extend(std::iter::repeat_n("+".to_owned(), 3 + frames.len()));
                    want.extend(["H-".to_owned(), "Herror".to_owned()]);
                    assert_eq!(got[start..start + want.len()], want, "{hname} {summary}");
                    cells += 1;
                }
            }
        }
    }
    assert_eq!(cells, 24);
}

#[test]
fn a_class_shaped_line_not_followed_by_a_traceback_is_a_head() {
    let mut cells = 0;
    for (hname, render) in HEADERS {
        for line in FREE_SUMMARIES.iter().chain(&["Kappa: 3 items"]) {
            let mut lines = Vec::new();
            filler(*render, 0, &mut lines);
            let start = lines.len();
            lines.push(render(20, "ERROR", "nu failed for xi 42"));
            lines.push((*line).to_owned());
            lines.push(render(21, "INFO", "nu resumed"));
            filler(*render, 30, &mut lines);
            let got = marks(&lines);
            assert_eq!(
                got[start..start + 3],
                ["Herror", "H-", "Hinfo"],
                "{hname} {line}"
            );
            cells += 1;
        }
    }
    assert_eq!(cells, 9);
}
