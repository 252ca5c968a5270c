//! Failure class: an indented line that is an event of its own (see [`super::lone_indented`]),
//! as an enumerated matrix: header shapes × tails printed under some records. A one-line notice
//! indented under heads of several kinds is a head, whatever the header and the indent; a
//! traceback, a stack trace, a run of indented lines, a body announced by its head, a note always
//! printed under one kind of head, and any indented line of a headerless file keep continuing
//! the record above them.

use super::unindented_matrix::{heads_and_errors, misclassified};

/// Header shapes: `render(i, level, message)`.
type Render = fn(usize, &str, &str) -> String;
const HEADERS: &[(&str, Render)] = &[
    ("level [dotted-name]", |_, l, m| {
        format!("{l:<5} [alpha.beta_gamma] {m}")
    }),
    ("date time,ms level name:", |i, l, m| {
        format!(
            "2024-03-01 09:{:02}:{:02},{:03} {l} delta: {m}",
            i / 60 % 60,
            i % 60,
            i * 7 % 1000
        )
    }),
    ("iso time | level | name -", |i, l, m| {
        format!(
            "2024-03-01T10:{:02}:{:02}.{:03}Z | {l:<8} | zeta.eta - {m}",
            i / 60 % 60,
            i % 60,
            i % 1000
        )
    }),
];

/// A file's own head messages, four kinds taken in turn: `(level, message)`.
fn head(i: usize) -> (&'static str, String) {
    match i % 4 {
        0 => ("INFO", format!("Theta iota {i} applied")),
        1 => ("INFO", format!("Theta kappa on '{}'", ["mu", "nu"][i % 2])),
        2 => ("WARN", format!("Xi omicron {} is stale", i * 3)),
        _ => ("ERROR", format!("Pi rho refused for sigma_{i}")),
    }
}

/// A tail printed under some records: its name, whether the head's message announces a body,
/// which records print it (`under(i)`), its lines (text, want head), the error events it adds.
type Tail = fn(usize) -> Vec<(String, bool)>;
struct Cell {
    name: &'static str,
    announced: bool,
    under: fn(usize) -> bool,
    tail: Tail,
    errors: usize,
}

/// Every third record: heads of all four kinds.
fn every_third(i: usize) -> bool {
    i % 3 == 0
}

const CELLS: &[Cell] = &[
    // Fires: a one-line notice indented under heads of several kinds.
    Cell {
        name: "notice",
        announced: false,
        under: every_third,
        tail: |i| {
            vec![(
                format!("  Writing /tau/upsilon/{i:x}0f_phi.txt ...  done"),
                true,
            )]
        },
        errors: 0,
    },
    Cell {
        name: "echoed refusal",
        announced: false,
        under: every_third,
        tail: |i| vec![(format!("  CHI: Psi omega {i} was refused"), true)],
        errors: 0,
    },
    Cell {
        name: "notices, now and then two in a row",
        announced: false,
        under: |i| i % 2 == 0,
        tail: |i| match i % 12 {
            0 => vec![
                (format!("  Writing /tau/{i:x}.txt ...  done"), true),
                (format!("  CHI: Psi omega {i} was refused"), true),
            ],
            2 | 4 | 8 => vec![(format!("  Writing /tau/{i:x}.txt ...  done"), true)],
            _ => vec![(format!("  CHI: Psi omega {i} was refused"), true)],
        },
        errors: 0,
    },
    Cell {
        name: "tab-indented notice",
        announced: false,
        under: every_third,
        tail: |i| vec![(format!("\tSkipping alpha_{i} (beta)"), true)],
        errors: 0,
    },
    // Must not fire.
    Cell {
        name: "python traceback",
        announced: false,
        under: |i| i % 4 == 3,
        tail: |i| {
            vec![
                ("Traceback (most recent call last):".to_owned(), false),
                (
                    format!("  File \"/gamma/delta.py\", line {i}, in eps"),
                    false,
                ),
                ("    zeta()".to_owned(), false),
                ("EtaError: theta".to_owned(), false),
            ]
        },
        errors: 0,
    },
    Cell {
        name: "java stack",
        announced: false,
        under: every_third,
        tail: |i| {
            vec![
                (format!("\tat iota.Kappa.lambda(Kappa.java:{i})"), false),
                ("\tat iota.Mu.nu(Mu.java:7)".to_owned(), false),
            ]
        },
        errors: 0,
    },
    Cell {
        name: "run of indented lines",
        announced: false,
        under: every_third,
        tail: |i| {
            vec![
                (format!("  Xi: {i}"), false),
                ("  Omicron: pi".to_owned(), false),
            ]
        },
        errors: 0,
    },
    Cell {
        name: "announced by the head",
        announced: true,
        under: every_third,
        tail: |i| {
            vec![(
                format!("  Writing /tau/upsilon/{i:x}0f_phi.txt ...  done"),
                false,
            )]
        },
        errors: 0,
    },
    Cell {
        name: "under one kind of head",
        announced: false,
        under: |i| i % 4 == 1,
        tail: |i| vec![(format!("  Hint: use rho_{i} instead"), false)],
        errors: 0,
    },
    Cell {
        name: "indented multi-line JSON",
        announced: true,
        under: every_third,
        tail: |i| {
            vec![
                (format!("  \"sigma\": {i},"), false),
                ("  \"tau\": \"upsilon\"".to_owned(), false),
            ]
        },
        errors: 0,
    },
];

/// A file of 60 records with `header`, the records the cell picks followed by its tail.
fn file(header: Render, cell: &Cell) -> (Vec<(String, bool)>, usize) {
    let mut out = Vec::new();
    let mut errors = 0;
    for i in 0..60 {
        let (level, mut message) = head(i);
        let tailed = (cell.under)(i);
        if tailed && cell.announced {
            message.push(':');
        }
        errors += usize::from(level == "ERROR");
        out.push((header(i, level, &message), true));
        if tailed {
            out.extend((cell.tail)(i));
            errors += cell.errors;
        }
    }
    (out, errors)
}

#[test]
fn an_indented_notice_under_heads_of_several_kinds_is_a_head_and_bodies_are_not() {
    let mut wrong = Vec::new();
    for (hname, header) in HEADERS {
        for cell in CELLS {
            let (lines, errors) = file(*header, cell);
            if let Some(w) =
                heads_and_errors(&format!("{hname} × {}", cell.name), &lines, errors as u64)
            {
                wrong.push(w);
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn indented_lines_of_a_headerless_file_keep_continuing() {
    let mut lines = Vec::new();
    for i in 0..60 {
        lines.push((format!("chi psi {i} omega"), true));
        if i % 3 == 0 {
            lines.push((format!("  Writing /tau/{i:x}.txt ...  done"), false));
        }
    }
    assert!(misclassified(&lines).is_empty());
}
