//! Which pairs of events the miner joins, as an enumerated matrix (issue #20, the miner's
//! join). Each cell is a PAIR of made-up events, each written many times with its own
//! variables, mined together; one dimension varies at a time while the rest stays at a base
//! the miner handles (five tokens, one differing word in the middle, one numeric variable,
//! made-up shared words, 12 lines each):
//! - message length (2, 3, 5, 8, 15 tokens);
//! - how many content words differ (1, 2, half, all but one) and where (first, middle, last);
//! - how many variable slots each event has (0, 1, 3, half its tokens);
//! - what the shared words are (function words, punctuation, a shared verb and preposition
//!   around the differing object, a shared `key=<*>` list);
//! - the count ratio (1:1, 1:20);
//! - and every cell in three orders (blocks, interleaved, reversed blocks): the grouping must
//!   not depend on the order lines arrive in.
//!
//! Must-split cells: events told apart by their own words (verbs and nouns that say what
//! happened), by a task name, by an HTTP method, route or status. Must-join cells: one event
//! whose slot takes a few values of one action (`buy`/`sell`, `open`/`closed`,
//! `true`/`false`), one whose slot takes many distinct words (names, a free-text word), one
//! whose trailing value is optional.

use super::tests::templates_of;
use crate::log_digest::matrix_tally::Tally;

/// Made-up content words: no hex digits only, no number words, no level words.
const WORDS: &[&str] = &[
    "plorn", "quibes", "zarth", "vemble", "drosk", "fintle", "glarp", "mirvo", "snorp", "tulmex",
    "wrozzle", "yimber", "krast", "jolvin", "brunk", "spindra", "hoxley", "nurvel", "pimbus",
    "grelt", "swonky", "thrup", "velkin", "morbit", "crandle", "zoomph", "quarvel", "blent",
    "frisket", "tropple",
];

/// Made-up words the second event has where it differs.
const OTHER: &[&str] = &[
    "skandle", "murlot", "priven", "doxter", "yarnib", "glimsy", "worrant", "slube", "tenwick",
    "pragle", "humbrel", "corvish", "zintle", "blorp", "nisket",
];

/// Many distinct made-up names (a user or host name slot).
const NAMES: &[&str] = &[
    "arvin", "belka", "corriss", "dunmo", "erlith", "fasko", "gwendal", "hulra", "ismet", "jorvik",
    "kelsa", "lumbro", "marnet", "nolwen", "orska", "pettle",
];

/// One token of an event: a constant word, or a variable of some kind.
#[derive(Clone)]
enum Tok {
    Word(String),
    /// A number.
    Num,
    /// A hex id.
    Id,
    /// One of many made-up names.
    Name,
}

/// Renders line `k` (0-based, per event) of an event; `salt` keeps the two events' variables
/// apart.
fn render(event: &[Tok], k: usize, salt: usize) -> String {
    event
        .iter()
        .enumerate()
        .map(|(i, t)| match t {
            Tok::Word(w) => w.clone(),
            Tok::Num => format!("{}", 17 + (k * 37 + i * 11 + salt * 101) % 9000),
            Tok::Id => format!(
                "{:08x}",
                0x3a1f_0c2b_u64 + (k * 7919 + i * 131 + salt) as u64
            ),
            Tok::Name => NAMES[(k * 5 + i + salt) % NAMES.len()].to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A cell: the two events' lines, and whether they are one event.
struct Cell {
    name: String,
    a: Vec<String>,
    b: Vec<String>,
    /// More events of the same family (a third, fourth ... event), when any.
    more: Vec<Vec<String>>,
    join: bool,
}

/// The dimensions of a generated pair.
#[derive(Clone)]
struct Spec {
    len: usize,
    /// Number of content words that differ.
    differ: usize,
    /// Where they are: 0 first, 1 middle, 2 last.
    at: usize,
    vars: usize,
    /// Shared words: 0 made-up, 1 function words, 2 punctuation.
    shared: usize,
    /// Lines of each event.
    counts: (usize, usize),
}

const BASE: Spec = Spec {
    len: 5,
    differ: 1,
    at: 1,
    vars: 1,
    shared: 0,
    counts: (12, 12),
};

/// Shared words of the function-word cells.
const FUNCTION: &[&str] = &["to", "the", "of", "for", "in", "from", "with", "on"];
/// Shared tokens of the punctuation cells.
const PUNCT: &[&str] = &[":", "-", "|", "->", "=", "--", "::", "/"];

/// The pair of events a spec describes. Variable slots are placed from the end, every other
/// token (`took <*> ms`-like), then the rest; the differing words are chosen among the other
/// (content) positions.
#[allow(clippy::many_single_char_names)]
fn pair(s: &Spec) -> (Vec<Tok>, Vec<Tok>) {
    let mut var_pos: Vec<usize> = (0..s.len).rev().step_by(2).collect();
    var_pos.extend((0..s.len).rev().filter(|p| (s.len - 1 - p) % 2 == 1));
    var_pos.truncate(s.vars);
    let content: Vec<usize> = (0..s.len).filter(|p| !var_pos.contains(p)).collect();
    let d = s.differ.min(content.len());
    let differ: Vec<usize> = match s.at {
        0 => content[..d].to_vec(),
        2 => content[content.len() - d..].to_vec(),
        _ => {
            let start = (content.len() - d) / 2;
            content[start..start + d].to_vec()
        }
    };
    let mut a = Vec::new();
    let mut b = Vec::new();
    for p in 0..s.len {
        let (x, y) = if var_pos.contains(&p) {
            let t = if p % 4 == 3 { Tok::Id } else { Tok::Num };
            (t.clone(), t)
        } else if let Some(j) = differ.iter().position(|&q| q == p) {
            (
                Tok::Word(WORDS[p].to_owned()),
                Tok::Word(OTHER[j].to_owned()),
            )
        } else {
            let w = match s.shared {
                1 if p > 0 => FUNCTION[p % FUNCTION.len()],
                2 if p > 0 => PUNCT[p % PUNCT.len()],
                _ => WORDS[p],
            };
            (Tok::Word(w.to_owned()), Tok::Word(w.to_owned()))
        };
        a.push(x);
        b.push(y);
    }
    (a, b)
}

fn spec_cell(name: String, s: &Spec) -> Cell {
    let (ea, eb) = pair(s);
    Cell {
        name,
        a: (0..s.counts.0).map(|k| render(&ea, k, 0)).collect(),
        b: (0..s.counts.1).map(|k| render(&eb, k, 1)).collect(),
        more: Vec::new(),
        join: false,
    }
}

/// Lines of an event given as a closure of the line number.
fn lines(n: usize, f: impl Fn(usize) -> String) -> Vec<String> {
    (0..n).map(f).collect()
}

fn cells() -> Vec<(&'static str, Cell)> {
    let mut out = Vec::new();
    for len in [2, 3, 5, 8, 15] {
        let s = Spec { len, ..BASE };
        out.push(("length", spec_cell(format!("len {len}"), &s)));
    }
    for (dn, differ) in [("1", 1), ("2", 2), ("half", 4), ("all-but-one", 6)] {
        for (an, at) in [("first", 0), ("middle", 1), ("last", 2)] {
            let s = Spec {
                len: 8,
                differ,
                at,
                ..BASE
            };
            out.push((
                "differing words",
                spec_cell(format!("len 8, {dn} differ at {an}"), &s),
            ));
        }
    }
    for len in [5, 8] {
        for vars in [0, 1, 3, len / 2] {
            let s = Spec { len, vars, ..BASE };
            out.push((
                "variable slots",
                spec_cell(format!("len {len}, {vars} vars"), &s),
            ));
        }
    }
    for (sn, shared) in [("made-up", 0), ("function words", 1), ("punctuation", 2)] {
        for len in [3, 5, 8] {
            let s = Spec {
                len,
                shared,
                ..BASE
            };
            out.push(("shared words", spec_cell(format!("{sn}, len {len}"), &s)));
        }
    }
    // A shared verb and preposition around the object that differs.
    out.push((
        "shared words",
        Cell {
            name: "verb <x> to <*>".into(),
            a: lines(12, |k| format!("plorning vemble to {}", NAMES[k % 16])),
            b: lines(12, |k| format!("plorning drosk to {}", NAMES[(k + 3) % 16])),
            more: Vec::new(),
            join: false,
        },
    ));
    out.push((
        "shared words",
        Cell {
            name: "verb <x> to <num>".into(),
            a: lines(12, |k| format!("plorning vemble to 10.0.{k}.4")),
            b: lines(12, |k| format!("plorning drosk to 10.0.{k}.9")),
            more: Vec::new(),
            join: false,
        },
    ));
    // A shared key list after the word that differs.
    for (an, pos) in [("first", 0), ("middle", 1)] {
        out.push((
            "shared words",
            Cell {
                name: format!("key list, differing word {an}"),
                a: lines(12, |k| {
                    let w = if pos == 0 {
                        "vemble zarth"
                    } else {
                        "zarth vemble"
                    };
                    format!("{w} alpo={k} brin={} cosk={}", k * 3, k + 7)
                }),
                b: lines(12, |k| {
                    let w = if pos == 0 {
                        "drosk zarth"
                    } else {
                        "zarth drosk"
                    };
                    format!("{w} alpo={} brin={} cosk={}", k + 1, k * 5, k + 2)
                }),
                more: Vec::new(),
                join: false,
            },
        ));
    }
    for (rn, counts) in [("1:1", (12, 12)), ("1:20", (3, 60)), ("20:1", (60, 3))] {
        for len in [3, 5, 8] {
            let s = Spec {
                len,
                counts,
                ..BASE
            };
            out.push(("ratio", spec_cell(format!("{rn}, len {len}"), &s)));
        }
    }
    // A family: k events with one frame, told apart by one word each (`Sending <x> to <*>`
    // with several objects), each recurring.
    for k in [3, 4, 6, 8] {
        for (an, at) in [("first", 0), ("middle", 1), ("last", 2)] {
            for len in [3, 5, 8] {
                let s = Spec { len, at, ..BASE };
                let (ea, _) = pair(&s);
                let p = ea
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| matches!(t, Tok::Word(_)))
                    .map(|(i, _)| i)
                    .collect::<Vec<_>>();
                let p = match at {
                    0 => p[0],
                    2 => p[p.len() - 1],
                    _ => p[(p.len() - 1) / 2],
                };
                let events: Vec<Vec<String>> = (0..k)
                    .map(|e| {
                        let mut ev = ea.clone();
                        if e > 0 {
                            ev[p] = Tok::Word(OTHER[e].to_owned());
                        }
                        (0..12).map(|j| render(&ev, j, e)).collect()
                    })
                    .collect();
                let mut it = events.into_iter();
                out.push((
                    "family size",
                    Cell {
                        name: format!("{k} events, word at {an}, len {len}"),
                        a: it.next().unwrap(),
                        b: it.next().unwrap(),
                        more: it.collect(),
                        join: false,
                    },
                ));
            }
        }
    }
    // Variables of many distinct words (names) instead of numbers.
    for len in [3, 5, 8] {
        let s = Spec { len, ..BASE };
        let (mut ea, mut eb) = pair(&s);
        for t in ea.iter_mut().chain(eb.iter_mut()) {
            if !matches!(t, Tok::Word(_)) {
                *t = Tok::Name;
            }
        }
        out.push((
            "name variables",
            Cell {
                name: format!("len {len}"),
                a: (0..12).map(|k| render(&ea, k, 0)).collect(),
                b: (0..12).map(|k| render(&eb, k, 1)).collect(),
                more: Vec::new(),
                join: false,
            },
        ));
    }
    // Must split: task names, HTTP method, route, status.
    out.push((
        "must split",
        Cell {
            name: "task names".into(),
            a: lines(12, |k| format!("running job plorn_vemble id={k}")),
            b: lines(12, |k| format!("running job drosk_fintle id={}", k + 40)),
            more: Vec::new(),
            join: false,
        },
    ));
    for (n, a, b) in [
        ("method", "GET /plorn/{} 200", "POST /plorn/{} 200"),
        ("route", "GET /plorn/{} 200", "GET /drosk/{} 200"),
        ("status", "GET /plorn/{} 200", "GET /plorn/{} 404"),
    ] {
        out.push((
            "must split",
            Cell {
                name: format!("http {n}"),
                a: lines(12, |k| {
                    format!("served {} in {k} ms", a.replace("{}", &k.to_string()))
                }),
                b: lines(12, |k| {
                    format!("served {} in {k} ms", b.replace("{}", &(k + 5).to_string()))
                }),
                more: Vec::new(),
                join: false,
            },
        ));
    }
    // Must join: one event written with two values of a slot.
    for (n, x, y) in [
        ("buy/sell", "buy", "sell"),
        ("open/closed", "open", "closed"),
        ("true/false", "true", "false"),
    ] {
        out.push((
            "must join",
            Cell {
                name: format!("action {n}"),
                a: lines(12, |k| format!("plorn order {k} {x} vemble at {k}.5")),
                b: lines(12, |k| {
                    format!("plorn order {} {y} vemble at {k}.25", k + 9)
                }),
                more: Vec::new(),
                join: true,
            },
        ));
    }
    out.push((
        "must join",
        Cell {
            name: "many names".into(),
            a: lines(12, |k| format!("plorn quibes {} zarth {k}", NAMES[k % 8])),
            b: lines(12, |k| {
                format!("plorn quibes {} zarth {k}", NAMES[8 + k % 8])
            }),
            more: Vec::new(),
            join: true,
        },
    ));
    out.push((
        "must join",
        Cell {
            name: "free word in a field".into(),
            a: lines(12, |k| {
                format!("plorn quibes note={} zarth {k}", NAMES[k % 8])
            }),
            b: lines(12, |k| {
                format!("plorn quibes note={} zarth {k}", NAMES[8 + k % 8])
            }),
            more: Vec::new(),
            join: true,
        },
    ));
    // A few names, each recurring: after a preposition, or shared with another event's slot.
    out.push((
        "must join",
        Cell {
            name: "five names after a preposition".into(),
            a: lines(12, |k| {
                format!("plorn quibes to {} zarth {k}", NAMES[k % 5])
            }),
            b: lines(12, |k| {
                format!("plorn quibes to {} zarth {k}", NAMES[k % 5])
            }),
            more: Vec::new(),
            join: true,
        },
    ));
    out.push((
        "must join",
        Cell {
            name: "five names also in another event".into(),
            a: lines(15, |k| format!("plorn {} zarth vemble {k}", NAMES[k % 5])),
            b: lines(15, |k| format!("drosk fintle {} glarp {k}", NAMES[k % 5])),
            more: Vec::new(),
            join: false,
        },
    ));
    // Free text after a `key:` (an error message), five texts of two words each, recurring.
    out.push((
        "must join",
        Cell {
            name: "free text after a key".into(),
            a: lines(15, |k| {
                let w = |j: usize| OTHER[(k + j) % 5];
                format!("plorn {k} zarth: {} {}", w(0), WORDS[10 + (k + 2) % 5])
            }),
            b: lines(15, |k| {
                let w = |j: usize| OTHER[(k + j) % 5];
                format!(
                    "plorn {} zarth: {} {}",
                    k + 3,
                    w(1),
                    WORDS[10 + (k + 4) % 5]
                )
            }),
            more: Vec::new(),
            join: true,
        },
    ));
    out.push((
        "must join",
        Cell {
            name: "optional trailing value".into(),
            a: lines(12, |k| format!("plorn quibes zarth {k}")),
            b: lines(12, |_| "plorn quibes zarth".to_owned()),
            more: Vec::new(),
            join: true,
        },
    ));
    out
}

/// The three orders every cell is mined in: each event in a block, the events interleaved
/// (each spread evenly over the whole), the blocks reversed.
fn orders(c: &Cell) -> [(&'static str, Vec<(usize, String)>); 3] {
    let events: Vec<&Vec<String>> = [&c.a, &c.b].into_iter().chain(&c.more).collect();
    let blocks: Vec<(usize, String)> = events
        .iter()
        .enumerate()
        .flat_map(|(e, v)| v.iter().map(move |l| (e, l.clone())))
        .collect();
    let mut reversed = Vec::new();
    for (e, v) in events.iter().enumerate().rev() {
        reversed.extend(v.iter().map(|l| (e, l.clone())));
    }
    // Line j of an event of n lines sits at (j + 0.5) / n of the way through.
    let mut inter: Vec<(usize, usize, String)> = Vec::new();
    for (e, v) in events.iter().enumerate() {
        for (j, l) in v.iter().enumerate() {
            inter.push(((2 * j + 1) * 10_000 / (2 * v.len()), e, l.clone()));
        }
    }
    inter.sort_by_key(|x| (x.0, x.1));
    let inter = inter.into_iter().map(|(_, e, l)| (e, l)).collect();
    [
        ("blocks", blocks),
        ("interleaved", inter),
        ("reversed", reversed),
    ]
}

/// What is wrong with one cell in one order, if anything.
fn judge(c: &Cell, lines: &[(usize, String)]) -> Option<String> {
    let text: Vec<String> = lines.iter().map(|(_, l)| l.clone()).collect();
    let t = templates_of(&text);
    let events = 2 + c.more.len();
    let own: Vec<Vec<String>> = (0..events)
        .map(|e| {
            let mut u: Vec<String> = lines
                .iter()
                .zip(&t)
                .filter(|((x, _), _)| *x == e)
                .map(|(_, tpl)| tpl.clone())
                .collect();
            u.sort();
            u.dedup();
            u
        })
        .collect();
    if c.join {
        let mut all: Vec<String> = own.concat();
        all.sort();
        all.dedup();
        return (all.len() != 1).then(|| format!("split: {all:?}"));
    }
    if let Some(e) = own.iter().position(|u| u.len() != 1) {
        return Some(format!("event {e} split: {:?}", own[e]));
    }
    let mut firsts: Vec<&String> = own.iter().map(|u| &u[0]).collect();
    firsts.sort();
    firsts.dedup();
    (firsts.len() != events)
        .then(|| format!("{} events joined into {}: {firsts:?}", events, firsts.len()))
}

/// Cells still wrong, each with why: a family whose frame keeps one constant word besides the
/// differing one (`plorn <x> <*>`) reads as a record whose word is a field
/// ([`super::family`] needs two).
const KNOWN: &[&str] = &[
    "family size / 4 events, word at last, len 3",
    "family size / 6 events, word at last, len 3",
    "family size / 8 events, word at last, len 3",
];

#[test]
fn miner_join_matrix() {
    let mut tally = Tally::default();
    let mut table: Vec<(&str, usize, usize)> = Vec::new();
    let cells = cells();
    for (dim, c) in &cells {
        let mut bad = Vec::new();
        for (order, lines) in orders(c) {
            if let Some(why) = judge(c, &lines) {
                bad.push(format!("{order}: {why}"));
            }
        }
        match table.last_mut() {
            Some(row) if row.0 == *dim => {
                row.1 += 1;
                row.2 += usize::from(!bad.is_empty());
            }
            _ => table.push((dim, 1, usize::from(!bad.is_empty()))),
        }
        let id = format!("{dim} / {}", c.name);
        let known = KNOWN.contains(&id.as_str());
        tally.cell(
            (bad.is_empty() == known)
                .then(|| {
                    format!(
                        "{id}: {}",
                        if known { "known wrong, now right" } else { "" }
                    )
                })
                .map(|s| s + &bad.join("; ")),
        );
    }
    for (dim, n, wrong) in &table {
        eprintln!("{dim:<18} {wrong:>3} of {n:>3} cells wrong");
    }
    for k in KNOWN {
        eprintln!("known wrong: {k}");
    }
    tally.finish(cells.len());
}
