//! Failure class: two formats interleaved in one stream (an access log and an application's
//! own logging, a runtime's JSON wrapper and a program's own records), as an enumerated
//! matrix. Each part is written with its own header shape and its own words; interleaved event
//! by event in the ratios 1:1, 1:5, 5:1 and 1:12, and in blocks, every line must get the template it
//! gets in its part alone, and the warning and error counts must be the sums of the parts'.
//! The rules must not fire on one format whose fields merely vary (a thread name in one word
//! or two, a level some lines leave out): its lines lose their whole header and its events stay
//! whole.

use crate::log_digest::matrix_tally::{digest_cell, Tally};

/// `render(i, level, message)`: one event's line in a header shape.
type Render = fn(usize, &str, &str) -> String;

/// Header shapes of the parts. A shape whose lines carry no level takes none.
const SHAPES: &[(&str, Render)] = &[
    ("date time,ms level name:", |i, l, m| {
        format!(
            "2024-03-01 09:{:02}:{:02},{:03} {l} alpha.beta: {m}",
            i / 60 % 60,
            i % 60,
            i * 7 % 1000
        )
    }),
    ("[date time,ms] level in name:", |i, l, m| {
        format!(
            "[2024-03-01 10:{:02}:{:02},{:03}] {l} in gamma: {m}",
            i / 60 % 60,
            i % 60,
            i * 3 % 1000
        )
    }),
    ("LEVEL:name:message", |_, l, m| {
        format!("{l}:delta.epsilon:{m}")
    }),
    ("iso time | level | name -", |i, l, m| {
        format!(
            "2024-03-01T11:{:02}:{:02}.{:03}Z | {l:<8} | zeta.eta - {m}",
            i / 60 % 60,
            i % 60,
            i % 1000
        )
    }),
    ("json record", |i, l, m| {
        format!(
            "{{\"ts\":\"2024-03-01T12:{:02}:{:02}Z\",\"level\":\"{}\",\"msg\":\"{m}\"}}",
            i / 60 % 60,
            i % 60,
            l.to_lowercase()
        )
    }),
    ("runtime json wrapping a headed line", |i, l, m| {
        format!(
            "{{\"log\":\"2024-03-01 14:{:02}:{:02},{:03} {l} theta.iota: {m}\\n\",\"stream\":\"stderr\"}}",
            i / 60 % 60,
            i % 60,
            i * 11 % 1000
        )
    }),
    ("key=value record", |i, l, m| {
        format!(
            "ts=2024-03-01T13:{:02}:{:02}Z level={} msg=\"{m}\"",
            i / 60 % 60,
            i % 60,
            l.to_lowercase()
        )
    }),
];

/// Each part's own words: the first part's events never share a word with the second's.
const WORDS: [[&str; 4]; 2] = [
    ["tau", "upsilon", "phi", "chi"],
    ["omicron", "rho", "sigma", "psi"],
];

/// One event of part `p` with number `i`: (level, message).
fn event(p: usize, i: usize) -> (&'static str, String) {
    let w = WORDS[p];
    match i % 6 {
        0 | 3 => (
            "INFO",
            format!("{} finished in {} ms", w[0], i * 7 % 900 + 1),
        ),
        1 | 4 => ("INFO", format!("{} ready for {} slots", w[1], i % 13 + 1)),
        2 => (
            "WARNING",
            format!("{} lost link to host-{}.example.org", w[2], i % 5),
        ),
        _ => ("ERROR", format!("{} stopped with code {}", w[3], i % 4 + 1)),
    }
}

/// The lines of part `p` in shape `render`, `n` events.
fn part(p: usize, render: Render, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let (l, m) = event(p, i);
            render(i, l, &m)
        })
        .collect()
}

/// How the parts are interleaved: events of the first part, then of the second, per round.
const MIXES: &[(&str, usize, usize)] = &[
    ("1:1", 1, 1),
    ("1:5", 1, 5),
    ("5:1", 5, 1),
    // The rarer part under a tenth of the sample's lines.
    ("1:12", 1, 12),
    ("blocks of 20", 20, 20),
];

/// Events of the rarer part in each cell (the other part has as many times more as its ratio).
const EVENTS: usize = 60;

fn interleave(a: &[String], b: &[String], ka: usize, kb: usize) -> (String, Vec<usize>) {
    let (mut ia, mut ib) = (0, 0);
    let mut text = String::new();
    let mut from = Vec::new();
    while ia < a.len() || ib < b.len() {
        for l in a.iter().skip(ia).take(ka) {
            text.push_str(l);
            text.push('\n');
            from.push(0);
        }
        for l in b.iter().skip(ib).take(kb) {
            text.push_str(l);
            text.push('\n');
            from.push(1);
        }
        ia += ka;
        ib += kb;
    }
    (text, from)
}

fn joined(lines: &[String]) -> String {
    let mut text = String::new();
    for l in lines {
        text.push_str(l);
        text.push('\n');
    }
    text
}

#[test]
fn two_interleaved_formats_each_keep_their_templates_and_levels_in_every_cell() {
    let mut tally = Tally::default();
    for (ai, (an, ar)) in SHAPES.iter().enumerate() {
        for (bn, br) in SHAPES.iter().skip(ai + 1) {
            for &(mn, ka, kb) in MIXES {
                let low = ka.min(kb);
                let (na, nb) = (EVENTS * ka / low, EVENTS * kb / low);
                let a = part(0, *ar, na);
                let b = part(1, *br, nb);
                let (ta, la) = digest_cell(&joined(&a));
                let (tb, lb) = digest_cell(&joined(&b));
                let (text, from) = interleave(&a, &b, ka, kb);
                let (tm, lm) = digest_cell(&text);
                let mut wrong = Vec::new();
                let (mut ia, mut ib) = (0, 0);
                for (k, &p) in from.iter().enumerate() {
                    let alone = if p == 0 {
                        ia += 1;
                        &ta[ia - 1].1
                    } else {
                        ib += 1;
                        &tb[ib - 1].1
                    };
                    if tm[k].1 != *alone && wrong.len() < 2 {
                        wrong.push(format!("line {}: {:?} alone {:?}", k + 1, tm[k].1, alone));
                    }
                }
                let sum = [la[0] + lb[0], la[1] + lb[1], la[2] + lb[2]];
                if lm != sum {
                    wrong.push(format!("levels {lm:?}, parts {sum:?}"));
                }
                tally.cell((!wrong.is_empty()).then(|| format!("{an} + {bn} {mn}: {wrong:?}")));
            }
        }
    }
    tally.finish(SHAPES.len() * (SHAPES.len() - 1) / 2 * MIXES.len());
}

#[test]
fn one_format_whose_fields_merely_vary_keeps_its_events_whole() {
    // One logger's lines: a thread name written in one word or in two, a level some lines
    // leave out, a logger name of one to three parts. No line of it is another format: every
    // line loses its whole header and the four kinds of message are four templates.
    let mut lines = Vec::new();
    for i in 0..120 {
        let thread = if i % 3 == 0 {
            "[main]"
        } else {
            "[pool-1 worker-2]"
        };
        let level = ["INFO ", "WARN ", "", "ERROR "][i % 4];
        let name = ["a", "b.c", "d.e.f"][i % 3];
        lines.push(format!(
            "2024-03-01 09:{:02}:{:02},{:03} {thread} {level}{name} - {}",
            i / 60,
            i % 60,
            i % 1000,
            event(0, i).1
        ));
    }
    let (templates, _) = digest_cell(&joined(&lines));
    let mut distinct: Vec<&str> = templates.iter().map(|(_, t)| t.as_str()).collect();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 4, "{distinct:?}");
    for t in distinct {
        assert!(
            !["2024", "main", "worker", " - ", "INFO", "WARN", "ERROR", "d.e.f"]
                .iter()
                .any(|h| t.contains(h)),
            "{t}"
        );
    }
}
