//! Failure class "a family of events told apart by one word" (found by the miner's join
//! matrix, [`super::join_matrix`]): a program writes one frame with a handful of objects or
//! verbs (`sending <x> to <*>`: heartbeat, report, ack, digest), each a different event that
//! recurs with its own variables. The Drain pass joins them (one position differs), and a
//! position with more than `max_constant_values` words was read as a variable, so four to
//! eight events became one template.
//!
//! What tells such a position from a slot of values (user or host names) without knowing the
//! words: values of a slot also fill varying positions of other templates (the same users log
//! in and out), while the words of a family say what happened at this one place only; and a
//! family's words are plain lower-case words, each recurring, and at most `max_unshared_values`
//! of them (more are a vocabulary of values, [`super::siblings`]).

use rustc_hash::FxHashMap;

use super::{Cluster, MinerConfig, Vocab, WILD};

/// For each plain word ([`is_plain_word`]), the number of varying positions of clusters
/// (cluster, position) that it fills.
pub(super) type Slots = FxHashMap<u32, u32>;

/// Lines each word of a family must be on: a word seen once is as likely a value.
const MIN_LINES: u64 = 2;

/// A plain word: three to twenty lower-case ASCII letters (`heartbeat`), no digits, no
/// capital (a capitalised word is as often a person's name, [`super::names`] judges it), no
/// punctuation (a keyed, quoted or compound name is judged apart).
fn is_plain_word(t: &str) -> bool {
    (3..=20).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_lowercase())
}

/// Counts the varying positions each plain word fills over the clusters (after the sibling
/// merge, before splitting).
pub(super) fn slots_filled(clusters: &[Cluster], toks: &[Vec<u32>], vocab: &Vocab) -> Slots {
    let mut slots = Slots::default();
    let mut seen: Vec<u32> = Vec::new();
    for c in clusters {
        if c.members.len() < 2 {
            continue;
        }
        for (p, &t) in c.template.iter().enumerate() {
            if t != WILD {
                continue;
            }
            seen.clear();
            for &m in &c.members {
                let v = toks[m as usize][p];
                if !seen.contains(&v) && is_plain_word(vocab.text[v as usize]) {
                    seen.push(v);
                    if seen.len() > 64 {
                        break;
                    }
                }
            }
            for &v in &seen {
                *slots.entry(v).or_insert(0) += 1;
            }
        }
    }
    slots
}

/// Words after which a word names a value (a place, a target, a counterpart: `moved on
/// <venue>`, `sent to <user>`), never the event.
const PREPOSITIONS: &[&str] = &[
    "to", "from", "for", "on", "by", "at", "in", "of", "with", "into", "onto", "via", "as",
];

/// Whether the plain words `values` at position `p` of `template` (on `lines` lines each) are
/// a family of events rather than a slot of values: more than the few values any position may
/// take (fewer are split anyway), at most `max_unshared_values`, every one a plain word on at
/// least [`MIN_LINES`] lines that fills no other varying position of the log; and the frame
/// says what happened around them: two constant words besides them (a frame of variables
/// around one word, `parcel <*> <*> <*> <word>`, is a record whose word is a field), not
/// right after a preposition ([`PREPOSITIONS`]), not in free text after a `key:` (an error
/// message inside a field is a variable), and not inside a quoted phrase of a member line
/// (`"<word> <word> <word>"`: a quoted phrase is one value, whatever its words).
pub(super) fn is_family(
    (template, p, line): (&[u32], usize, &[u32]),
    values: &[u32],
    lines: &[u64],
    (vocab, slots): (&Vocab, &Slots),
    cfg: &MinerConfig,
) -> bool {
    let constants = template
        .iter()
        .enumerate()
        .filter(|&(q, &t)| q != p && t != WILD && vocab.meaningful[t as usize])
        .count();
    let after_preposition = p
        .checked_sub(1)
        .is_some_and(|q| PREPOSITIONS.contains(&vocab.text[template[q] as usize]));
    // A text key before it (`rejected: <word> <word>`), past the first token (a logger's
    // name, `worker:`), opens free text that runs on.
    let in_free_text = (1..p).any(|q| super::gaps::is_text_key(vocab, template[q]));
    constants >= 2
        && !after_preposition
        && !in_free_text
        && !inside_quotes(line, p, vocab)
        && values.len() > cfg.max_constant_values
        && values.len() <= cfg.max_unshared_values
        && lines.iter().all(|&n| n >= MIN_LINES)
        && values.iter().all(|&v| {
            is_plain_word(vocab.text[v as usize]) && slots.get(&v).copied().unwrap_or(0) <= 1
        })
}

/// Whether token `p` of `line` stands inside a quoted phrase: an earlier token opens a quote
/// in the punctuation before its first letter or digit (`"word`, `key="word`, `#"word`,
/// `('word`) and no token up to `p` closes it (a quote after its last letter or digit); an
/// apostrophe inside a word (`don't`) neither opens nor closes.
fn inside_quotes(line: &[u32], p: usize, vocab: &Vocab) -> bool {
    let mut open = [false; 2];
    for &t in &line[..p.min(line.len())] {
        let b = vocab.text[t as usize].as_bytes();
        let Some(first) = b.iter().position(u8::is_ascii_alphanumeric) else {
            continue;
        };
        let last = b
            .iter()
            .rposition(u8::is_ascii_alphanumeric)
            .unwrap_or(first);
        for (i, q) in [b'"', b'\''].into_iter().enumerate() {
            let opens = b[..first].contains(&q);
            let closes = b[last + 1..].contains(&q);
            if opens != closes {
                open[i] = opens;
            }
        }
    }
    open[0] || open[1]
}

#[cfg(test)]
mod tests {
    use super::super::tests::templates_of;

    #[test]
    fn a_family_of_events_told_apart_by_one_word_stays_apart() {
        // Generated (the join matrix's family cells): five made-up objects in one frame, each
        // recurring with its own numbers, are five events, in the middle or last.
        let objs = ["skandle", "murlot", "priven", "doxter", "yarnib"];
        let mut lines = Vec::new();
        for k in 0..4 {
            for o in objs {
                lines.push(format!("plorn {o} zarth vemble {k}"));
                lines.push(format!("plorn quibes zarth {} {o}ed", k * 7));
            }
        }
        let t = templates_of(&lines);
        for (j, o) in objs.iter().enumerate() {
            assert_eq!(t[2 * j], format!("plorn {o} zarth vemble <*>"), "{t:?}");
            assert_eq!(
                t[2 * j + 1],
                format!("plorn quibes zarth <*> {o}ed"),
                "{t:?}"
            );
            assert_eq!(t[2 * j], t[2 * j + 10]);
        }
    }

    #[test]
    fn slots_of_values_stay_variables() {
        let five = ["arvin", "belka", "dunmo", "erlith", "fasko"];
        // Must not fire: the same words filling a slot of another event (users logging in
        // and out), capitalised names, words seen once each, more than eight words, words
        // with digits.
        let mut lines = Vec::new();
        for k in 0..3 {
            for w in five {
                lines.push(format!("plorn {w} zarth vemble {k}"));
                lines.push(format!("drosk fintle {w} glarp {k}"));
            }
        }
        let t = templates_of(&lines);
        assert!(
            t.iter()
                .step_by(2)
                .all(|x| x == "plorn <*> zarth vemble <*>"),
            "{t:?}"
        );
        // Nor after a preposition (a target or place), nor in free text after a `key:` (an
        // error message), nor in a frame of variables with one other constant word (a record
        // whose last field is a word).
        // Nor inside a quoted phrase (a free-text value), in the middle or last.
        let edges = [
            "gorvan", "hestle", "iblin", "jaskar", "kelvo", "lumith", "morrow", "nelkin",
        ];
        let quoted = |k: usize| {
            let mid = ["arvin", "belka", "dunmo", "erlith", "fasko"][k % 5];
            format!(
                "plorn zarth \"{} {mid} {}\" the vemble",
                edges[k % 8],
                edges[(k + 3) % 8]
            )
        };
        let cases: [Vec<String>; 9] = [
            (0..15).map(quoted).collect(),
            (0..15)
                .map(|k| format!("plorn zarth the vemble {}", quoted(k)))
                .collect(),
            (0..15)
                .map(|k| format!("plorn zarth to {} vemble {k}", five[k % 5]))
                .collect(),
            (0..15)
                .map(|k| format!("plorn {k} zarth: {} pipe", five[k % 5]))
                .collect(),
            (0..15)
                .map(|k| format!("plorn {k} {} {}", k * 3, five[k % 5]))
                .collect(),
            (0..15)
                .map(|k| {
                    let w = ["Arvin", "Belka", "Dunmo", "Erlith", "Fasko"][k % 5];
                    format!("plorn {w} zarth vemble {k}")
                })
                .collect(),
            five.iter()
                .map(|w| format!("plorn {w} zarth vemble 4"))
                .collect(),
            (0..18)
                .map(|k| {
                    let w = [
                        "arvin", "belka", "dunmo", "erlith", "fasko", "gwendal", "hulra", "ismet",
                        "jorvik",
                    ][k % 9];
                    format!("plorn {w} zarth vemble {k}")
                })
                .collect(),
            (0..15)
                .map(|k| format!("plorn {}x{} zarth vemble {k}", five[k % 5], k % 5))
                .collect(),
        ];
        for lines in cases {
            let t = templates_of(&lines);
            assert!(t.iter().all(|x| x == &t[0]), "{t:?}");
        }
    }
}
