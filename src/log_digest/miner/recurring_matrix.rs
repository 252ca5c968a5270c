//! The event-name matrix (failure class M, merged events): generated messages where a position
//! takes more than the few values any word may take. Must-fire cells hold event names (each
//! recurring on many lines, of a name's shape) that must split into one template each;
//! must-not-fire cells hold variables (user names shared by two events, hosts with digits,
//! upper-case symbols, capitalised names, one-off or rare names, too many names, names that
//! are stems of unit names elsewhere, file names) that must stay one template. Every word is
//! invented: a cell names a class, never a format.

use std::collections::BTreeSet;

use super::{Miner, MinerConfig};

fn templates_of(lines: &[String]) -> Vec<String> {
    let mut m = Miner::new(MinerConfig::default());
    let shapes: Vec<u32> = lines.iter().map(|l| m.add(l)).collect();
    let mined = m.finish();
    shapes
        .iter()
        .map(|&s| mined.template_of(s).text.clone())
        .collect()
}

/// A few-digit id that changes on every line (masked as a variable).
fn id(i: usize) -> usize {
    1000 + (i * 7919) % 90_000
}

/// Lines of one cell: `per` lines for each of `words`, interleaved, made by `f(word, i)`.
fn cycle(words: &[&str], per: usize, f: impl Fn(&str, usize) -> String) -> Vec<String> {
    (0..words.len() * per)
        .map(|i| f(words[i % words.len()], i))
        .collect()
}

struct Cell {
    name: &'static str,
    lines: Vec<String>,
    /// How many templates the cell's lines must give (its lines' own lines only).
    want: usize,
}

fn cells() -> Vec<Cell> {
    let snake = [
        "plonk_started",
        "plonk_ended",
        "vexor_sync",
        "quill_flush",
        "dram_purge",
    ];
    let kebab = [
        "zorp-rebalance",
        "quill-flush",
        "mip-drain",
        "tarn-merge",
        "blen-rotate",
    ];
    let camel = [
        "FrobQueue",
        "GlimSyncTask",
        "WexMailer",
        "ZuneImport",
        "TorpReconcile",
    ];
    let plain = [
        "glorped", "snarfed", "blinked", "wobbled", "zapped", "fizzed",
    ];
    let paths = [
        "Zed::Unit::Alpha",
        "Zed::Unit::Beta",
        "Zed::Unit::Gamma",
        "Zed::Core::Mux",
    ];
    let users = ["ambo", "brix", "cend", "dulo", "evra", "fenn"];
    let hosts = ["nox-a01", "nox-a02", "nox-b07", "pel-c11", "pel-c12"];
    let symbols = ["QWXZ", "BRRT", "ZNKL", "PLMQ", "TRVX"];
    let capital = ["Glorday", "Frumday", "Wexday", "Tarnday", "Snoday"];
    let units = ["kelp", "murk", "fen-one", "fen-two", "tarn"];
    let files = ["kelp.dat", "murk.dat", "fen.idx", "tarn.bin", "wisp.dat"];
    let mut cells = vec![
        Cell {
            name: "fire: snake_case names after a verb, an id after them",
            lines: cycle(&snake, 12, |w, i| {
                format!("step {w} done for lot {}", id(i))
            }),
            want: snake.len(),
        },
        Cell {
            name: "fire: kebab-case names among constant words",
            lines: cycle(&kebab, 9, |w, i| {
                format!("relay ran {w} job in {}ms", id(i))
            }),
            want: kebab.len(),
        },
        Cell {
            name: "fire: CamelCase names between variables",
            lines: cycle(&camel, 10, |w, i| {
                format!("pid {} runs {w} tag {:x} now", id(i), id(i) * 31)
            }),
            want: camel.len(),
        },
        Cell {
            name: "fire: plain status words ending a message of variables",
            lines: cycle(&plain, 15, |w, i| {
                format!("ticket {} Q{} {}.5@{}.25 {w}", id(i), i % 4, id(i), i)
            }),
            want: plain.len(),
        },
        Cell {
            name: "fire: ::-joined names",
            lines: cycle(&paths, 10, |w, i| {
                format!("handing off to {w} for {}", id(i))
            }),
            want: paths.len(),
        },
    ];
    // Must not fire.
    let mut shared = cycle(&users, 10, |w, i| {
        format!("{w} signed on from desk {}", id(i))
    });
    shared.extend(cycle(&users, 10, |w, i| {
        format!("session of {w} ended by the relay {}", id(i))
    }));
    cells.push(Cell {
        name: "not: plain user names that fill two events",
        lines: shared,
        want: 2,
    });
    let many: Vec<String> = (0..20)
        .map(|k| {
            format!(
                "mix_{}{}",
                ["ab", "cd", "ef", "gh"][k % 4],
                "xyzwv".repeat(k / 4 + 1)
            )
        })
        .collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let rare: Vec<&str> = many[..10].to_vec();
    let mut units_lines = cycle(&units, 8, |w, i| {
        format!("Began {w}.unit - Robot {w}. after {}", id(i))
    });
    units_lines.extend(cycle(&units, 4, |w, i| {
        format!("halted {w}.unit code {}", id(i))
    }));
    cells.extend([
        Cell {
            name: "not: host names with digits, recurring",
            lines: cycle(&hosts, 30, |w, i| format!("link up on {w} port {}", id(i))),
            want: 1,
        },
        Cell {
            name: "not: upper-case symbols, recurring",
            lines: cycle(&symbols, 30, |w, i| format!("quote for {w} at {}", id(i))),
            want: 1,
        },
        Cell {
            name: "not: capitalised single words, recurring",
            lines: cycle(&capital, 30, |w, i| format!("rollover on {w} at {}", id(i))),
            want: 1,
        },
        Cell {
            name: "not: compound names seen once each",
            lines: cycle(&many, 1, |w, i| format!("batch {w} closed id {}", id(i))),
            want: 1,
        },
        Cell {
            name: "not: compound names seen twice each",
            lines: cycle(&rare, 2, |w, i| format!("batch {w} closed id {}", id(i))),
            want: 1,
        },
        Cell {
            name: "not: more compound names than a position of events holds",
            lines: cycle(&many, 10, |w, i| format!("batch {w} closed id {}", id(i))),
            want: 1,
        },
        Cell {
            name: "not: names that are the stems of unit names elsewhere",
            lines: units_lines,
            want: 2,
        },
        Cell {
            name: "not: file names, recurring",
            lines: cycle(&files, 30, |w, i| format!("saved {w} in {}ms", id(i))),
            want: 1,
        },
    ]);
    let mut mixed = cycle(&snake, 12, |w, i| {
        format!("step {w} done for lot {}", id(i))
    });
    mixed.push(format!("step {} done for lot 7", "Z9-77"));
    cells.push(Cell {
        name: "not: names beside a value of a variable's shape",
        lines: mixed,
        want: 1,
    });
    cells
}

#[test]
fn event_name_matrix() {
    let mut failures = Vec::new();
    for cell in cells() {
        let t = templates_of(&cell.lines);
        let distinct: BTreeSet<&String> = t.iter().collect();
        if distinct.len() != cell.want {
            failures.push(format!(
                "{}: want {} templates, got {}: {distinct:?}",
                cell.name,
                cell.want,
                distinct.len()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn word_kinds() {
    use super::recurring::{kind, stem, Kind};
    for (t, k) in [
        ("order_done", Kind::Compound),
        ("'tarn-merge',", Kind::Compound),
        ("kind=FrobQueue", Kind::Compound),
        ("Zed::Unit::Alpha", Kind::Compound),
        ("glorped.", Kind::Plain),
        ("ab-cd", Kind::No),
        ("nox-a01", Kind::No),
        ("QWXZ", Kind::No),
        ("Glorday", Kind::No),
        ("kelp.dat", Kind::No),
        ("HTTPServer", Kind::No),
        ("<*>_done", Kind::No),
        ("go", Kind::No),
    ] {
        assert_eq!(kind(t), k, "{t}");
    }
    assert_eq!(stem("kelp.unit:"), Some("kelp"));
    assert_eq!(stem("web[12]:"), Some("web"));
    assert_eq!(stem("kelp."), None);
    assert_eq!(stem("kelp"), None);
}
