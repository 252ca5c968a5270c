//! Invariant: a template keeps a constant word that is not punctuation whenever its lines hold
//! a word, on every path from a line to its template (header split, empty records over a
//! stack, masking). Generated with made-up words, as a matrix of header shapes. Cells: an
//! empty record (`: [tag]` and nothing else) opening a stack written one record a line, for
//! two exceptions (each is its event, named by its exception line); a lone name glued to a
//! version (a banner, `Zorblex-1.4.2`). Must not fire: numbers and durations in messages stay
//! variables; a lone version or address that holds no word (`v1.2.3`, `.:5300`) keeps its
//! wildcard template; an empty record followed by a record of another tag that says something
//! does not take that record's words.

use super::matrix_tally::digest_cell;

// The tagged headers of the empty-record matrix (a Rails-style tag after the level).
use crate::log_digest::events::trace_block_matrix::{Render, HEADERS};

/// Stacks under an empty record: `(exception line, frames)`; `{n}` varies.
const STACKS: &[(&str, &[&str])] = &[
    (
        "Blorp::SnarfFailed (wib wob host{n}.zent.io:443):",
        &[
            "",
            "lib/quib/plonk.rb:43:in 'trask'",
            "lib/quib/dree.rb:7:in 'vell'",
        ],
    ),
    (
        "ZentError (quib 'mork{n}' for nil):",
        &["", "lib/yarp/glom.rb:{n}:in 'fesk'"],
    ),
];

/// One line of the file: its text and what kind of line it is (`cont`: a line of a stack).
struct Row {
    text: String,
    kind: &'static str,
}

fn file(render: Render) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut i = 0;
    let mut push = |rows: &mut Vec<Row>, l: &str, t: &str, m: &str, kind| {
        i += 1;
        rows.push(Row {
            text: render(i, l, t, m),
            kind,
        });
    };
    for k in 0..40 {
        let tag = format!("a{:04x}-c{}", k * 7919 % 65536, k % 10);
        push(
            &mut rows,
            "info",
            &tag,
            &format!("quorvane started in {}ms", k * 37 + 3),
            "plain",
        );
        push(
            &mut rows,
            "info",
            &tag,
            &format!("flimbo drained {} items", k * 11 + 1),
            "plain",
        );
        match k % 5 {
            0 | 1 => {
                let (exc, frames) = STACKS[k % 2];
                push(
                    &mut rows,
                    "fatal",
                    &tag,
                    "",
                    if k % 2 == 0 { "empty:0" } else { "empty:1" },
                );
                push(
                    &mut rows,
                    "fatal",
                    &tag,
                    &exc.replace("{n}", &k.to_string()),
                    "cont",
                );
                for f in frames {
                    push(
                        &mut rows,
                        "fatal",
                        &tag,
                        &f.replace("{n}", &(k + 3).to_string()),
                        "cont",
                    );
                }
            }
            2 => {
                push(
                    &mut rows,
                    "info",
                    &tag,
                    &format!("Zorblex-{}.{}.{}", k % 3, k % 7, k % 4),
                    "banner",
                );
                push(
                    &mut rows,
                    "info",
                    &tag,
                    &format!("v{}.{}.{}", k % 4, k % 9, k % 3),
                    "noword",
                );
            }
            3 => {
                // An empty record whose next line has another tag and says something: not its
                // block.
                push(&mut rows, "warn", &tag, "", "lone-empty");
                push(
                    &mut rows,
                    "warn",
                    "ffff-00",
                    &format!("grelt pobbled {k} times"),
                    "plain",
                );
            }
            _ => push(
                &mut rows,
                "info",
                &tag,
                &format!(".:{}", 5300 + k % 4),
                "noword",
            ),
        }
    }
    rows
}

/// A letter outside the template's wildcards.
fn has_word(t: &str) -> bool {
    t.split(super::mask::WILDCARD)
        .any(|p| p.chars().any(char::is_alphabetic))
}

#[test]
fn templates_keep_a_word_when_their_lines_hold_one_in_every_cell() {
    let mut wrong = Vec::new();
    for (hname, render) in HEADERS {
        let rows = file(*render);
        let text: String = rows.iter().flat_map(|r| [r.text.as_str(), "\n"]).collect();
        let (ids, _) = digest_cell(&text);
        assert_eq!(ids.len(), rows.len(), "{hname}");
        let of = |kind: &str| -> Vec<&str> {
            rows.iter()
                .zip(&ids)
                .filter(|(r, _)| r.kind == kind)
                .map(|(_, (_, t))| t.as_str())
                .collect()
        };
        let one = |kind: &str| -> Option<String> {
            let t = of(kind);
            t.iter().all(|x| *x == t[0]).then(|| t[0].to_owned())
        };
        for kind in ["plain", "empty:0", "empty:1", "banner"] {
            for t in of(kind) {
                if !has_word(t) {
                    wrong.push(format!("{hname}: {kind} line got {t:?}"));
                }
            }
        }
        // Each stack's event is named by its exception; the two stay apart.
        match (one("empty:0"), one("empty:1")) {
            (Some(a), Some(b)) if a.contains("Blorp::SnarfFailed") && b.contains("ZentError") => {}
            other => wrong.push(format!("{hname}: stacks {other:?}")),
        }
        if one("banner").as_deref() != Some("Zorblex-<*>") {
            wrong.push(format!("{hname}: banner {:?}", of("banner")));
        }
        // Must not fire: values stay variables, a line of no word keeps no word, and an
        // empty record takes no words from another tag's record.
        for t in of("plain") {
            if !(t.contains("<*>")) {
                wrong.push(format!("{hname}: value kept in {t:?}"));
            }
        }
        for t in of("noword").into_iter().chain(of("lone-empty")) {
            if has_word(t) {
                wrong.push(format!("{hname}: a line of no word got {t:?}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
