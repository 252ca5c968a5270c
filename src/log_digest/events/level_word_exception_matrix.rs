//! Failure class: an exception's first line whose type word is also a level word (`Error:
//! text`, a runtime printing the error a record reports, then its stack), under a record
//! whose level column is written otherwise (`ERROR`, `[WARN]`), as an enumerated matrix: the
//! header model reads `Error:` as a level, but the line and its stack continue the record
//! (one event at the record's level). Must-not-fire cells: a file whose records write their
//! level as a lone `Word:` (`Note: x`, `Error: y` are two events), a lower-case `error:`
//! level line (a real record), and an `Error:` line with no record above it.

use super::unindented_matrix::head_marks as marks;

type Render = fn(&str, &str) -> String;
const HEADERS: &[(&str, Render)] = &[
    ("LEVEL message", |l, m| format!("{l} {m}")),
    ("LEVEL padded", |l, m| format!("{l:<8}{m}")),
];

const STACK: &[&str] = &[
    "    at async Kappa.lambda (file:///srv/mu/nu.ts:14:9)",
    "    at async file:///srv/mu/xi.ts:3:1",
];

/// Filler records so that the header model has a sample to learn from.
fn filler(render: Render, out: &mut Vec<String>) {
    for i in 0..10 {
        let level = ["INFO", "WARN", "INFO", "ERROR", "DEBUG"][i % 5];
        out.push(render(level, &format!("omicron {i} reached pi")));
    }
}

#[test]
fn an_exception_word_read_as_a_level_continues_the_record_above() {
    let mut cells = 0;
    for (hname, render) in HEADERS {
        for (level, mark) in [("ERROR", "Herror"), ("WARN", "Hwarning"), ("INFO", "Hinfo")] {
            let mut lines = Vec::new();
            filler(*render, &mut lines);
            let start = lines.len();
            lines.push(render(level, "rho could not reach sigma"));
            lines.push("Error: tau refused".to_owned());
            lines.extend(STACK.iter().map(|s| (*s).to_owned()));
            // Must-not-fire: a lower-case level line is a record of its own.
            lines.push("error: upsilon gave up".to_owned());
            lines.push(render("INFO", "phi resumed"));
            filler(*render, &mut lines);
            let got = marks(&lines);
            let mut want = vec![mark.to_owned()];
            want.extend(std::iter::repeat_n("+".to_owned(), 1 + STACK.len()));
            want.extend(["Herror".to_owned(), "Hinfo".to_owned()]);
            assert_eq!(got[start..start + want.len()], want, "{hname} {level}");
            cells += 1;
        }
    }
    assert_eq!(cells, 6);
}

#[test]
fn lone_word_levels_and_a_first_line_keep_their_heads() {
    // A tool that writes every level as a lone `Word:`: each line is an event.
    let mut lines = Vec::new();
    for i in 0..12 {
        let level = ["Note:", "Warning:", "Error:"][i % 3];
        lines.push(format!("{level} chi {i} left psi"));
    }
    let got = marks(&lines);
    assert!(got.iter().all(|m| m.starts_with('H')), "{got:?}");
    assert_eq!(got[2], "Herror", "{got:?}");

    // An `Error:` line first in the file: no record above it to continue.
    for (hname, render) in HEADERS {
        let mut lines = vec!["Error: omega refused".to_owned()];
        filler(*render, &mut lines);
        let got = marks(&lines);
        assert_eq!(got[0], "Herror", "{hname}: {got:?}");
    }
}

#[test]
fn an_exception_word_in_another_case_than_capital_lone_word_levels_continues_the_record() {
    // Class (generated): records that write their level as a lone word in capitals padded to a
    // column (`WARNING:  text`); a runtime's `Error: text` (another case) with indented frames
    // after it continues the record above.
    let cases = [false, true].into_iter().flat_map(|lower| {
        [
            ("ERROR", "Herror"),
            ("WARNING", "Hwarning"),
            ("INFO", "Hinfo"),
        ]
        .map(|c| (lower, c))
    });
    for (lower, (level, mark)) in cases {
        // Capitals, or lower case (`warning:`): a case the runtime's `Error:` does not share.
        let render = |l: &str, m: &str| {
            let l = if lower {
                l.to_lowercase()
            } else {
                l.to_owned()
            };
            format!("{:<10}{m}", format!("{l}:"))
        };
        let mut lines: Vec<String> = (0..10)
            .map(|i| {
                let l = ["INFO", "WARNING", "INFO", "ERROR", "DEBUG"][i % 5];
                render(l, &format!("omicron {i} reached pi"))
            })
            .collect();
        let start = lines.len();
        lines.push(render(level, "rho could not reach sigma"));
        lines.push("Error: tau refused".to_owned());
        lines.extend(STACK.iter().map(|s| (*s).to_owned()));
        // Must not fire: a line in the records' own case is a record; an `Error:` line with
        // nothing indented after it is an event of its own.
        lines.push(render("ERROR", "upsilon gave up"));
        lines.push(render("INFO", "phi resumed"));
        lines.push("Error: chi refused".to_owned());
        lines.push(render("INFO", "psi resumed"));
        let got = marks(&lines);
        let mut want = vec![mark.to_owned()];
        want.extend(std::iter::repeat_n("+".to_owned(), 1 + STACK.len()));
        want.extend(["Herror", "Hinfo", "Herror", "Hinfo"].map(String::from));
        assert_eq!(got[start..], want, "{level} lower={lower}");
    }
    // Must not fire: title-case lone-word levels (`Info:`), the line spelled alike, with frames.
    let mut lines: Vec<String> = (0..9)
        .map(|i| {
            format!(
                "{:<8}omicron {i} reached pi",
                ["Info:", "Warn:", "Error:"][i % 3]
            )
        })
        .collect();
    lines.push("Error: tau refused".to_owned());
    lines.extend(STACK.iter().map(|s| (*s).to_owned()));
    let got = marks(&lines);
    assert_eq!(got[9], "Herror", "{got:?}");
}
