//! Failure class: an uncaught exception's Python traceback printed right after an ordinary
//! record (info or notice, a message that announces nothing), as an enumerated matrix: the
//! traceback is an error event of its own, the record keeps its level, whatever the header's
//! shape and the traceback's length. Must-not-fire cells: a traceback under a record at debug,
//! warning or error (a logger given the exception), under a record whose message ends with `:`
//! (it announces what follows), or under a record whose header carries no level, continues
//! that record; a real error record after the traceback stays an error.

use super::unindented_matrix::head_marks as marks;

type Render = fn(usize, &str, &str) -> String;
const HEADERS: &[(&str, Render)] = &[
    ("LEVEL [name]", |_, l, m| {
        format!("{l:<5.5} [alpha.beta] {m}")
    }),
    ("level:name:", |_, l, m| format!("{l}:gamma.delta:{m}")),
    ("date time - name - level -", |i, l, m| {
        format!(
            "2024-03-01 12:{:02}:{:02},{:03} - epsilon - {l} - {m}",
            i / 60,
            i % 60,
            i * 7 % 1000
        )
    }),
    ("[date time] level", |i, l, m| {
        format!("[2024-03-01 10:{:02}:{:02}] {l} {m}", i / 60, i % 60)
    }),
];

const TRACEBACKS: &[&[&str]] = &[
    &[
        "Traceback (most recent call last):",
        "  File \"/srv/rho/sigma.py\", line 12, in tau",
        "    upsilon()",
        "ZetaError: kappa lambda",
    ],
    &[
        "Traceback (most recent call last):",
        "  File \"/srv/rho/sigma.py\", line 12, in tau",
        "    upsilon()",
        "  File \"/srv/phi/chi.py\", line 40, in psi",
        "    raise mu.NuException(x)",
        "mu.NuException: (xi.OmicronError) pi rho already exists",
    ],
];

fn filler(render: Render, from: usize, out: &mut Vec<String>) {
    for i in 0..8 {
        let level = if i % 3 == 0 { "WARNING" } else { "INFO" };
        out.push(render(
            from + i,
            level,
            &format!("running sigma {i} -> tau"),
        ));
    }
}

/// The marks of a record at `level` saying `message`, then `tb`, then an error record and an
/// info record, with filler around; returns the marks from the record on.
fn case(render: Render, level: &str, message: &str, tb: &[&str]) -> Vec<String> {
    let mut lines = Vec::new();
    filler(render, 0, &mut lines);
    let start = lines.len();
    lines.push(render(20, level, message));
    lines.extend(tb.iter().map(|l| (*l).to_owned()));
    lines.push(render(21, "ERROR", "upsilon failed for phi"));
    lines.push(render(22, "INFO", "upsilon resumed"));
    filler(render, 30, &mut lines);
    marks(&lines)[start..start + tb.len() + 3].to_vec()
}

#[test]
fn traceback_after_a_plain_info_record_is_an_error_of_its_own() {
    let mut cells = 0;
    for (hname, render) in HEADERS {
        for tb in TRACEBACKS {
            let got = case(
                *render,
                "INFO",
                "running upgrade 3f2a -> 9c1d, add chi table",
                tb,
            );
            let mut want = vec!["Hinfo".to_owned(), "Herror".to_owned()];
            want.extend(std::iter::repeat_n("+".to_owned(), tb.len() - 1));
            // Must-not-fire: the error record after the traceback stays an error.
            want.extend(["Herror".to_owned(), "Hinfo".to_owned()]);
            assert_eq!(got, want, "{hname}");
            cells += 1;
        }
    }
    assert_eq!(cells, 8);
}

#[test]
fn traceback_under_a_record_that_owns_it_continues_the_record() {
    let mut cells = 0;
    for (hname, render) in HEADERS {
        for tb in TRACEBACKS {
            for (level, message) in [
                ("DEBUG", "psi received while sending omega"),
                ("WARNING", "retrying omega"),
                ("ERROR", "omega failed"),
                ("INFO", "omega went wrong:"),
            ] {
                let got = case(*render, level, message, tb);
                let mut want = vec![format!("H{}", level.to_lowercase())];
                want.extend(std::iter::repeat_n("+".to_owned(), tb.len()));
                want.extend(["Herror".to_owned(), "Hinfo".to_owned()]);
                assert_eq!(got, want, "{hname} {level} {message}");
                cells += 1;
            }
        }
    }
    assert_eq!(cells, 32);
}

/// Must-not-fire: an info record logged with its traceback (`exc_info=True`, a handled
/// exception) whose message tells of a failure keeps it: one info event.
#[test]
fn traceback_under_an_info_record_telling_of_a_failure_continues_it() {
    let mut cells = 0;
    for (hname, render) in HEADERS {
        for tb in TRACEBACKS {
            for message in [
                "kappa lookup failed, using lambda",
                "could not reach mu, retrying in 3s",
                "Ignoring nu from xi",
            ] {
                let got = case(*render, "INFO", message, tb);
                let mut want = vec!["Hinfo".to_owned()];
                want.extend(std::iter::repeat_n("+".to_owned(), tb.len()));
                want.extend(["Herror".to_owned(), "Hinfo".to_owned()]);
                assert_eq!(got, want, "{hname} {message}");
                cells += 1;
            }
        }
    }
    assert_eq!(cells, 24);
}
