//! Failure class "an error hidden among infos" (over-merging across levels): a cluster whose
//! lines carry different levels, where one wildcard position takes a few bare words and each
//! word's lines carry one level only (`sync <*> finished` with `flumbered` always at INFO
//! and `wobbled` always at WARNING). That word is what tells the events apart, the level says
//! so, and folding them would hide the WARNING among the INFOs: the position stays constant
//! and the cluster is split by it. Only clusters whose lines carry two or more levels pay.
//!
//! What does not fire: values with digits or other non-word characters (numbers, ids, hosts,
//! `key=value` fields: a value written under a key is a parameter by its writer's own
//! declaration, one event with the value a variable); a position whose values occur at two
//! levels (an order's side, a flag that does not decide the level); a value on fewer than two
//! lines with a level (a function that holds only because each value occurs once); more than
//! `max_unshared_values` values (users, hosts: a vocabulary, not a few events). Lines without a
//! level (continuations, heads the header model found no level in) do not vote.

use super::{Cluster, Vocab, WILD, WILDCARD};

/// The levels of one shape's lines: a bit per level code (`1 << (code - 1)`) and how many of
/// its lines had a level.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Levels {
    pub mask: u8,
    pub lines: u64,
}

impl Levels {
    /// Counts one line of level `code` (0: no level, which does not vote).
    pub fn note(&mut self, code: u8) {
        if (1..=8).contains(&code) {
            self.mask |= 1 << (code - 1);
            self.lines += 1;
        }
    }

    pub fn add(&mut self, other: Levels) {
        self.mask |= other.mask;
        self.lines += other.lines;
    }
}

/// A bare word: letters, maybe joined by `_`, `-` or `.`; no digit, no wildcard, no other
/// punctuation (a `key=value` field, a quoted or bracketed value are not bare words).
fn is_bare_word(t: &str) -> bool {
    !t.contains(WILDCARD)
        && t.chars().any(char::is_alphabetic)
        && t.chars()
            .all(|c| c.is_alphabetic() || matches!(c, '_' | '-' | '.'))
        && !t.starts_with(['-', '.', '_'])
        && !t.ends_with(['-', '.', '_'])
}

/// The wildcard position of `c` whose bare-word values each carry one level, when the cluster
/// holds two or more levels (see the module docs); of several, the one with the fewest values.
pub(super) fn level_position(
    c: &Cluster,
    toks: &[Vec<u32>],
    levels: &[Levels],
    vocab: &Vocab,
    max_values: usize,
) -> Option<usize> {
    let all = c
        .members
        .iter()
        .fold(0u8, |m, &s| m | levels[s as usize].mask);
    if all.count_ones() < 2 || c.members.len() < 2 {
        return None;
    }
    let mut best: Option<(usize, usize)> = None;
    'positions: for p in 0..c.template.len() {
        if c.template[p] != WILD {
            continue;
        }
        // Per value: its token, the union of its lines' levels, its lines with a level.
        let mut values: Vec<(u32, Levels)> = Vec::new();
        for &m in &c.members {
            let Some(&v) = toks[m as usize].get(p) else {
                continue 'positions;
            };
            if !is_bare_word(vocab.text[v as usize]) {
                continue 'positions;
            }
            let l = levels[m as usize];
            if let Some(e) = values.iter_mut().find(|e| e.0 == v) {
                e.1.add(l);
            } else {
                values.push((v, l));
                if values.len() > max_values {
                    continue 'positions;
                }
            }
        }
        let function = values
            .iter()
            .all(|(_, l)| l.mask.is_power_of_two() && l.lines >= 2);
        let told = values.iter().fold(0u8, |m, (_, l)| m | l.mask);
        if values.len() < 2 || !function || told.count_ones() < 2 {
            continue;
        }
        if best.is_none_or(|(_, n)| values.len() < n) {
            best = Some((p, values.len()));
        }
    }
    best.map(|(p, _)| p)
}

#[cfg(test)]
mod tests {
    use super::super::{Miner, MinerConfig};
    use crate::log_digest::level_code;
    use crate::log_digest::levels::Level;

    /// Mines `(message, level)` pairs; returns each line's template.
    fn mine(lines: &[(String, Option<Level>)]) -> Vec<String> {
        let mut m = Miner::new(MinerConfig::default());
        let shapes: Vec<u32> = lines
            .iter()
            .map(|(l, level)| {
                let s = m.add(l);
                m.note_level(s, level_code(*level));
                s
            })
            .collect();
        let mined = m.finish();
        shapes
            .iter()
            .map(|&s| mined.template_of(s).text.clone())
            .collect()
    }

    fn distinct(t: &[String]) -> usize {
        let mut t = t.to_vec();
        t.sort();
        t.dedup();
        t.len()
    }

    const INFO: Option<Level> = Some(Level::Info);
    const WARN: Option<Level> = Some(Level::Warning);

    /// A parcel line `parcel <id> <side> <qty>@<price> <outcome>`: the outcome tells events
    /// apart (one of them is a warning), the side (`on`/`off`, a choice the miner keeps as a
    /// parameter beside other variables) is a parameter of all of them, at both levels.
    fn parcels(outcomes: &[(&str, Option<Level>)], per: usize) -> Vec<(String, Option<Level>)> {
        let mut lines = Vec::new();
        for i in 0..per {
            for (k, (outcome, level)) in outcomes.iter().enumerate() {
                let side = if (i + k) % 2 == 0 { "on" } else { "off" };
                lines.push((
                    format!(
                        "parcel {} {side} {}@{}.5 {outcome}",
                        7000 + i * 13 + k,
                        i + 1,
                        k + 3
                    ),
                    *level,
                ));
            }
        }
        lines
    }

    const OUTCOMES: [(&str, Option<Level>); 6] = [
        ("flumbered", INFO),
        ("grizzled", INFO),
        ("sprocketed", INFO),
        ("quenched", INFO),
        ("tromped", INFO),
        ("jarred", WARN),
    ];

    #[test]
    fn a_word_that_decides_the_level_keeps_its_events_apart() {
        // Fires: six outcomes (more than a few, so no other split keeps them), `jarred`
        // always at WARNING, the others always at INFO.
        let lines = parcels(&OUTCOMES, 4);
        let t = mine(&lines);
        let warned: Vec<&String> = t
            .iter()
            .zip(&lines)
            .filter(|(_, l)| l.1 == WARN)
            .map(|(t, _)| t)
            .collect();
        assert!(warned.iter().all(|t| t.ends_with(" jarred")), "{warned:?}");
        assert!(t
            .iter()
            .zip(&lines)
            .all(|(t, l)| l.1 == WARN || !t.ends_with(" jarred")));
        // The side (both values at both levels) stays a variable: one template per outcome.
        assert_eq!(distinct(&t), 6, "{t:?}");
        assert!(t
            .iter()
            .all(|t| !t.contains(" on ") && !t.contains(" off ")));
    }

    #[test]
    fn lines_without_a_level_do_not_vote() {
        // Fires: the same, with every fifth line's level unknown (a header without a level),
        // spread over all outcomes.
        let mut lines = parcels(&OUTCOMES, 6);
        for (i, l) in lines.iter_mut().enumerate() {
            if i % 5 == 0 {
                l.1 = None;
            }
        }
        let t = mine(&lines);
        assert_eq!(distinct(&t), 6, "{t:?}");
    }

    #[test]
    fn one_level_mined_alone_stays_one_template() {
        // Must not fire: the same outcomes all at one level are one event's variable.
        let same: Vec<(&str, Option<Level>)> = OUTCOMES.iter().map(|&(o, _)| (o, INFO)).collect();
        let t = mine(&parcels(&same, 4));
        assert_eq!(distinct(&t), 1, "{t:?}");
    }

    #[test]
    fn values_at_both_levels_are_a_variable() {
        // Must not fire: every outcome occurs at both levels (a parameter that does not
        // decide the level, like an order's side).
        let mut lines = parcels(&OUTCOMES, 4);
        for (i, l) in lines.iter_mut().enumerate() {
            l.1 = if i % 5 == 0 { WARN } else { INFO };
        }
        let t = mine(&lines);
        assert_eq!(distinct(&t), 1, "{t:?}");
    }

    #[test]
    fn a_value_seen_once_proves_nothing() {
        // Must not fire: a value -> level function that holds only because each value occurs
        // on one line.
        let t = mine(&parcels(&OUTCOMES, 1));
        assert_eq!(distinct(&t), 1, "{t:?}");
    }

    #[test]
    fn values_with_digits_or_many_values_are_variables() {
        // Must not fire: ids with digits (`kx7q`), and a vocabulary of more than a few names
        // (users, hosts), even when each value's lines happen to carry one level.
        let with_digits: Vec<(String, Option<Level>)> = (0..6)
            .map(|k| (format!("kx{k}q"), if k == 0 { WARN } else { INFO }))
            .collect();
        let with_digits: Vec<(&str, Option<Level>)> =
            with_digits.iter().map(|(o, l)| (o.as_str(), *l)).collect();
        let t = mine(&parcels(&with_digits, 4));
        assert_eq!(distinct(&t), 1, "{t:?}");
        let names = [
            "abel", "brin", "cato", "dara", "eno", "fitz", "gali", "hume", "ivo", "juno",
        ];
        let many: Vec<(&str, Option<Level>)> = names
            .iter()
            .enumerate()
            .map(|(k, &n)| (n, if k % 3 == 0 { WARN } else { INFO }))
            .collect();
        let t = mine(&parcels(&many, 3));
        assert_eq!(distinct(&t), 1, "{t:?}");
    }

    #[test]
    fn a_keyed_flag_stays_a_variable() {
        // Must not fire: `ok=false` at WARNING and `ok=true` at INFO are one event with the
        // flag a variable (a value written under a key is a parameter).
        let lines: Vec<(String, Option<Level>)> = (0..24)
            .map(|i| {
                let ok = i % 3 != 0;
                (
                    format!("glim pass ok={ok} took {}ms", 10 + i),
                    if ok { INFO } else { WARN },
                )
            })
            .collect();
        let t = mine(&lines);
        assert_eq!(distinct(&t), 1, "{t:?}");
    }

    #[test]
    fn bare_words() {
        assert!(super::is_bare_word("jarred"));
        assert!(super::is_bare_word("half_done"));
        assert!(super::is_bare_word("re-tried"));
        for t in ["kx7q", "ok=false", "<*>", "-", "a:b", "\"quoted\"", "tail."] {
            assert!(!super::is_bare_word(t), "{t}");
        }
    }
}
