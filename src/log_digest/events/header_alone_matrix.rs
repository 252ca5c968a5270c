//! Matrix: records written as a header alone on its line, the message under it
//! ([`super::header_alone`]), in four header shapes, with cells where it must not fire. Made-up
//! words throughout.

use super::unindented_matrix::head_marks;
use super::{EventParser, Line, Splitter};

/// `n` records of one shape: `head(i, level)` then `body(i)` lines.
fn records(
    n: usize,
    head: impl Fn(usize, &str) -> String,
    body: impl Fn(usize) -> Vec<String>,
) -> (Vec<String>, Vec<String>) {
    let levels = ["INFO", "WARN", "ERROR"];
    let (mut lines, mut marks) = (Vec::new(), Vec::new());
    for i in 0..n {
        let lvl = levels[i % 3];
        lines.push(head(i, lvl));
        marks.push(format!("H{}", mark_of(lvl)));
        for b in body(i) {
            lines.push(b);
            marks.push("+".to_owned());
        }
    }
    (lines, marks)
}

fn mark_of(word: &str) -> &'static str {
    super::super::header::Level::parse(word).map_or("-", |l| l.name())
}

fn clock(i: usize) -> String {
    format!("07:{:02}:{:02}", i / 60 % 60, i % 60)
}

/// The message each head gives its event (the next line's text).
fn messages(lines: &[String]) -> Vec<String> {
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let sp = Splitter::infer(&refs, None);
    let mut p = EventParser::new(&sp);
    let mut out = Vec::new();
    for (i, l) in refs.iter().enumerate() {
        p.see_next(refs.get(i + 1).map(|n| n.as_bytes()));
        if let Line::Head { message, .. } = p.line(l) {
            out.push(message.into_owned());
        }
    }
    out
}

#[test]
fn banner_heads_take_the_lines_under_them() {
    let (lines, marks) = records(
        12,
        |i, l| format!("={l} NOTE==== 3-Zap-2031::{}.{:06} ===", clock(i), i * 7),
        |i| {
            if i % 4 == 0 {
                vec![
                    format!("** Grommet quorp_{i} zonked "),
                    "** Last blat in was {frob,3}".to_owned(),
                    "    wibble: stopped".to_owned(),
                ]
            } else {
                vec![format!("Quorp {} blicked by zib{i}", i * 31)]
            }
        },
    );
    assert_eq!(head_marks(&lines), marks);
    let m = messages(&lines);
    assert_eq!(m[1], "Quorp 31 blicked by zib1");
    assert_eq!(m[0], "** Grommet quorp_0 zonked");
}

#[test]
fn bracketed_heads_take_the_line_under_them() {
    let (lines, marks) = records(
        9,
        |i, l| format!("[2031-03-03 {}] [{l}]", clock(i)),
        |i| vec![format!("frobnik {i} went sideways at plonk")],
    );
    assert_eq!(head_marks(&lines), marks);
}

#[test]
fn a_level_on_the_message_line_is_the_records() {
    let levels = ["INFO", "WARNING", "SEVERE"];
    let (mut lines, mut marks) = (Vec::new(), Vec::new());
    for i in 0..9 {
        let l = levels[i % 3];
        lines.push(format!("Zap 03, 2031 {} PM", clock(i)));
        lines.push(format!("{l}: frobnik {i} went sideways"));
        marks.push(format!("H{}", mark_of(l)));
        marks.push("+".to_owned());
    }
    assert_eq!(head_marks(&lines), marks);
    assert_eq!(messages(&lines)[1], "WARNING: frobnik 1 went sideways");
}

#[test]
fn a_header_alone_before_a_headed_line_is_no_pair() {
    let (mut lines, mut marks) = records(
        6,
        |i, l| format!("[2031-03-03 {}] [{l}]", clock(i)),
        |i| vec![format!("frobnik {i} went sideways at plonk")],
    );
    // A header alone, then a record with its header and message on one line.
    lines.push("[2031-03-03 08:00:00] [INFO]".to_owned());
    marks.push("Hinfo".to_owned());
    lines.push("[2031-03-03 08:00:01] [ERROR] quorp failed to blick".to_owned());
    marks.push("Herror".to_owned());
    assert_eq!(head_marks(&lines), marks);
}

#[test]
fn one_line_records_and_tracebacks_are_left_alone() {
    let mut lines = Vec::new();
    for i in 0..8 {
        lines.push(format!(
            "[2031-03-03 {}] [INFO] frobnik {i} went sideways",
            clock(i)
        ));
    }
    lines.push("[2031-03-03 07:09:00] [ERROR] quorp failed".to_owned());
    lines.push("Traceback (most recent call last):".to_owned());
    lines.push("  File \"zib.py\", line 3, in blat".to_owned());
    lines.push("ZorpError: plonk".to_owned());
    let mut want = vec!["Hinfo".to_owned(); 8];
    want.extend(["Herror", "+", "+", "+"].map(str::to_owned));
    assert_eq!(head_marks(&lines), want);
}

#[test]
fn banner_heads_behind_an_outer_header_take_the_lines_under_them() {
    // Class: the banner records of one logger passed through a second one that writes its own
    // header before every line (a bracketed time/level/worker field, or a time, a level and a
    // name), so the banner is the message of a headed line and its body lines have no header.
    let outer: [fn(usize, &str) -> String; 2] = [
        |i, l| format!("[2031-03-03 {},120: {l}/Vat-{}]", clock(i), i % 3),
        |i, l| format!("2031-03-03 {},120 {l} zorp.blat:", clock(i)),
    ];
    for wrap in outer {
        let (lines, marks) = records(
            12,
            |i, l| {
                format!(
                    "{} ={l} NOTE==== 3-Zap-2031::{}.{:06} ===",
                    wrap(i, l),
                    clock(i),
                    i * 7
                )
            },
            |i| {
                if i % 4 == 0 {
                    vec![
                        format!("** Grommet quorp_{i} zonked "),
                        "** Last blat in was {frob,3}".to_owned(),
                    ]
                } else {
                    vec![format!("Quorp {} blicked by zib{i}", i * 31)]
                }
            },
        );
        assert_eq!(head_marks(&lines), marks, "{}", lines[0]);
        let m = messages(&lines);
        assert_eq!(m[1], "Quorp 31 blicked by zib1", "{}", lines[0]);
        assert_eq!(m[0], "** Grommet quorp_0 zonked", "{}", lines[0]);
    }
    // Must not fire: headed lines whose messages say what happened, each with an unindented
    // line under it, are heads of their own with their own messages.
    let lines: Vec<String> = (0..12)
        .flat_map(|i| {
            [
                format!(
                    "[2031-03-03 {},120: INFO/Vat-1] quorp {i} blicked at 07:41",
                    clock(i)
                ),
                format!("zib{i} wibble"),
            ]
        })
        .collect();
    let m = messages(&lines);
    assert_eq!(m[0], "quorp 0 blicked at 07:41");
}
