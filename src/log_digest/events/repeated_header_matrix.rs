//! Failure class: a multi-line message written with the whole prefix on every line (a logger
//! that formats each line of a message), as an enumerated matrix. After a head whose message
//! ends with `:`, lines that repeat its header to the last digit of a time stamp to the
//! microsecond continue it, whatever the header's shape and level and however many lines follow.
//! Must-not-fire cells: a header one microsecond later, a stamp to the millisecond or the
//! second, a head that ends finished or with a value's `=`, a different level, a
//! record in the same instant after the head's traceback: each keeps a head; an error record
//! after the message stays an error.

use super::unindented_matrix::head_marks as marks;

/// `(name, render(fraction, level, message))`: the fraction of a second is the time stamp's.
type Render = fn(u32, &str, &str) -> String;
const HEADERS: &[(&str, Render)] = &[
    ("date time.micro+zone [level] <pid>", |f, l, m| {
        format!("2024-03-01 09:00:29.{f:06}+00:00 [{l}] <0.2111.0> {m}")
    }),
    ("iso time.microZ level name:", |f, l, m| {
        format!("2024-03-01T09:00:29.{f:06}Z {l} alpha.beta: {m}")
    }),
    ("time.nanos | level |", |f, l, m| {
        format!("09:00:29.{f:06}001 | {l} | {m}")
    }),
];

/// Coarser stamps (milliseconds): two records in one instant are common, the rule stays off.
const COARSE: &[(&str, Render)] = &[
    ("date time,ms level name:", |f, l, m| {
        format!("2024-03-01 09:00:29,{:03} {l} alpha.beta: {m}", f % 1000)
    }),
    ("iso time.msZ | level |", |f, l, m| {
        format!("2024-03-01T09:00:29.{:03}Z | {l} | {m}", f % 1000)
    }),
];

/// Filler, then `case`, then an error and an info record, then filler; the marks of `case`
/// and the two records.
fn run(render: Render, case: &[String]) -> Vec<String> {
    let mut lines = Vec::new();
    for i in 0..8 {
        let level = if i % 3 == 0 { "warning" } else { "info" };
        lines.push(render(
            100 + i * 37,
            level,
            &format!("gamma {i} opened for delta"),
        ));
    }
    let start = lines.len();
    lines.extend(case.iter().cloned());
    lines.push(render(900, "error", "epsilon refused: zeta"));
    lines.push(render(950, "info", "eta accepted"));
    for i in 0..8 {
        lines.push(render(960 + i * 3, "info", &format!("theta {i} closed")));
    }
    marks(&lines)[start..start + case.len() + 2].to_vec()
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn lines_repeating_an_unfinished_heads_header_continue_it() {
    let mut cells = 0;
    for (hname, render) in HEADERS {
        for level in ["warning", "error"] {
            for rest in [1, 2] {
                let mut case = vec![render(500_123, level, "closing iota connection <0.5.0>:")];
                for k in 0..rest {
                    case.push(render(
                        500_123,
                        level,
                        &format!("kappa {k} closed the lambda"),
                    ));
                }
                let mut want = vec![format!("H{level}")];
                want.extend(std::iter::repeat_n("+".to_owned(), rest));
                want.extend(strs(&["Herror", "Hinfo"]));
                assert_eq!(run(*render, &case), want, "{hname} {level} {rest}");
                cells += 1;
            }
        }
    }
    assert_eq!(cells, 12);
}

#[test]
fn headers_that_differ_or_finished_heads_keep_heads() {
    let mut cells = 0;
    for (hname, render) in HEADERS {
        // a later instant
        let case = vec![
            render(500_123, "error", "mu failed on connection <0.5.0>:"),
            render(500_124, "error", "nu refused: xi"),
        ];
        assert_eq!(
            run(*render, &case),
            strs(&["Herror", "Herror", "Herror", "Hinfo"]),
            "{hname} later"
        );
        // a finished head
        let case = vec![
            render(500_123, "info", "omicron accepted"),
            render(500_123, "info", "pi accepted"),
        ];
        assert_eq!(
            run(*render, &case),
            strs(&["Hinfo", "Hinfo", "Herror", "Hinfo"]),
            "{hname} finished"
        );
        // another level
        let case = vec![
            render(500_123, "warning", "rho closing:"),
            render(500_123, "error", "sigma refused"),
        ];
        assert_eq!(
            run(*render, &case),
            strs(&["Hwarning", "Herror", "Herror", "Hinfo"]),
            "{hname} level"
        );
        // a head ending with a value's `=`, not a `:`
        let case = vec![
            render(500_123, "info", "chi key: 62616f98a14eca05ce1fac=="),
            render(500_123, "info", "chi version: 13"),
        ];
        assert_eq!(
            run(*render, &case),
            strs(&["Hinfo", "Hinfo", "Herror", "Hinfo"]),
            "{hname} value"
        );
        // a record in the same instant after the head's traceback
        let case = vec![
            render(500_123, "error", "psi raised during omega:"),
            "Traceback (most recent call last):".to_owned(),
            "  File \"/srv/alpha.py\", line 3, in beta".to_owned(),
            "GammaError: delta".to_owned(),
            render(500_123, "error", "psi finished in state failed"),
        ];
        assert_eq!(
            run(*render, &case),
            strs(&["Herror", "+", "+", "+", "Herror", "Herror", "Hinfo"]),
            "{hname} after traceback"
        );
        cells += 5;
    }
    for (hname, render) in COARSE {
        let case = vec![
            render(500_123, "info", "executing with omega:"),
            render(500_123, "info", "kind: psi, service: chi"),
        ];
        assert_eq!(
            run(*render, &case),
            strs(&["Hinfo", "Hinfo", "Herror", "Hinfo"]),
            "{hname} coarse"
        );
        cells += 1;
    }
    // a time stamp to the second: two records in one second
    let lines: Vec<String> = (0..10)
        .map(|i| format!("2024-03-01 09:00:{:02} [info] tau {i} done", i * 3))
        .chain([
            "2024-03-01 09:00:40 [info] upsilon loading:".to_owned(),
            "2024-03-01 09:00:40 [info] phi loaded".to_owned(),
        ])
        .collect();
    let got = marks(&lines);
    assert_eq!(&got[10..], ["Hinfo", "Hinfo"]);
    cells += 1;
    assert_eq!(cells, 18);
}

#[test]
fn subsecond_times_are_told_from_seconds() {
    assert!(super::record_bounds::has_subsecond_time(
        "2024-03-01 09:00:29.168876+00:00 [x] "
    ));
    assert!(super::record_bounds::has_subsecond_time(
        "09:00:29,123456789 "
    ));
    assert!(!super::record_bounds::has_subsecond_time("09:00:29,123 "));
    assert!(!super::record_bounds::has_subsecond_time(
        "2024-03-01 09:00:29 [x] "
    ));
    assert!(!super::record_bounds::has_subsecond_time("09:00:29.1 "));
    assert!(!super::record_bounds::has_subsecond_time(""));
}
