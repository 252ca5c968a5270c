//! Failure class "half-masked value" (a template that depends on line order): masking leaves
//! some values of one field partly in words (a host with its port, `db-main:<*>`; an id with
//! a word prefix, `node-a:<*>`) and others wholly masked (`<*>`). The Drain-like pass is
//! greedy: a shape that arrives while the cluster it belongs to is still general enough joins
//! it, but a shape that meets an over-general cluster first (one that a few unrelated shapes
//! joined and the split takes apart again) ends as a template of its own, beside the general
//! one. Which happens depends on the order of the lines.
//!
//! After clustering, a template is folded into another when the other is the same template
//! with `<*>` at some of the positions where this one holds a half-masked value, and equal
//! everywhere else. The evidence is the set of final templates only, not the order they were
//! found in. The general template must keep a word (`<*>` alone, or `<*> [<*>]`, says nothing
//! and is no event to fold into). A half-masked value here is a token holding a wildcard that the split treats as a
//! variable: not a code name (dotted, glued or quoted), not a call, not a `key=value` field
//! (its key is part of the event) and not an HTTP route or status.

use super::{Cluster, Vocab, WILD, WILDCARD};
use rustc_hash::FxHashMap;

/// At most this many half-masked positions per template are tried (every subset of them is
/// looked up, so 2^N - 1 lookups).
const MAX_HALF: usize = 3;

/// Whether token `t` at position `p` of `template` is a half-masked value (module docs).
fn half_masked(vocab: &Vocab, template: &[u32], p: usize) -> bool {
    let t = template[p] as usize;
    t != WILD as usize
        && vocab.text[t].contains(WILDCARD)
        && vocab.wildish[t]
        && !vocab.dotted[t]
        && vocab.field[t] == 0
        && !vocab.anchor(template, p)
}

/// Folds templates into the more general template that differs from them only by `<*>` at
/// half-masked positions (module docs). The most specific such template is chosen (fewest
/// positions generalised; then the lowest subset of positions, a fixed order); chains are
/// followed to their end. Members stay ascending; the order of the clusters that remain is
/// kept.
pub(super) fn fold_half_masked(clusters: Vec<Cluster>, vocab: &Vocab) -> Vec<Cluster> {
    let mut target: Vec<Option<usize>> = vec![None; clusters.len()];
    {
        let mut index: FxHashMap<&[u32], usize> = FxHashMap::default();
        for (ci, c) in clusters.iter().enumerate() {
            index.entry(&c.template[..]).or_insert(ci);
        }
        let mut buf: Vec<u32> = Vec::new();
        for (ci, c) in clusters.iter().enumerate() {
            let half: Vec<usize> = (0..c.template.len())
                .filter(|&p| half_masked(vocab, &c.template, p))
                .collect();
            if half.is_empty() || half.len() > MAX_HALF {
                continue;
            }
            let subsets = 1u32 << half.len();
            'sizes: for size in 1..=half.len() as u32 {
                for set in 1..subsets {
                    if set.count_ones() != size {
                        continue;
                    }
                    buf.clear();
                    buf.extend_from_slice(&c.template);
                    for (k, &p) in half.iter().enumerate() {
                        if set & (1 << k) != 0 {
                            buf[p] = WILD;
                        }
                    }
                    if !vocab.keeps_meaning(&buf) {
                        continue;
                    }
                    if let Some(&t) = index.get(&buf[..]) {
                        target[ci] = Some(t);
                        break 'sizes;
                    }
                }
            }
        }
    }
    if target.iter().all(Option::is_none) {
        return clusters;
    }
    // Each target has more wildcards than its source, so following targets ends.
    let root = |mut i: usize| {
        while let Some(t) = target[i] {
            i = t;
        }
        i
    };
    let roots: Vec<usize> = (0..clusters.len()).map(root).collect();
    let mut moved: Vec<(usize, Vec<u32>)> = Vec::new();
    let mut slots: Vec<Option<Cluster>> = Vec::with_capacity(clusters.len());
    for (ci, c) in clusters.into_iter().enumerate() {
        if roots[ci] == ci {
            slots.push(Some(c));
        } else {
            moved.push((roots[ci], c.members));
            slots.push(None);
        }
    }
    for (r, members) in moved {
        if let Some(c) = slots[r].as_mut() {
            c.members.extend(members);
        }
    }
    slots
        .into_iter()
        .flatten()
        .map(|mut c| {
            c.members.sort_unstable();
            c
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::{Miner, MinerConfig};

    /// Lines of made-up words where a trap line (`crate 1 glimmed up to <value>`) opens the
    /// log, then a line of another event of the same length and first word, then a third that
    /// makes their cluster over-general, then two lines of the event with other half-masked
    /// values (too unlike the over-general cluster to join it), then the bulk of the events with their
    /// value wholly masked. Returns whether the trap line ends in the bulk's template.
    fn trap_joins_bulk(value: &str, verb: &str) -> bool {
        let mut m = Miner::new(MinerConfig::default());
        let trap = m.add(&format!("crate 1 glimmed {verb} to {value}"));
        m.add("crate 2 glimmed off by quorra-b:443");
        m.add("crate 3 wobble lapse after 51ms");
        // Too unlike the over-general cluster: starts the cluster the bulk then joins.
        m.add("crate 4 glimmed up to vexa.example:81");
        m.add("crate 5 glimmed up to wilo.example:82");
        let mut bulk = 0;
        for i in 0..12 {
            bulk = m.add(&format!("crate {i} glimmed up to 10.0.{i}.7:80{i}"));
            m.add(&format!("crate {i} glimmed off by 10.0.{i}.9:90{i}"));
            m.add(&format!("crate {i} wobble lapse after {i}5ms"));
        }
        let mined = m.finish();
        mined.template_of(trap).id == mined.template_of(bulk).id
    }

    #[test]
    fn half_masked_values_join_their_wholly_masked_event_in_any_order() {
        // A host with its port, the value wholly masked elsewhere: one event.
        assert!(trap_joins_bulk("plimsy-a:8080", "up"));
        assert!(trap_joins_bulk("zib.florp.example:8443", "up"));
        // Must not fire: a field's key is part of the event.
        assert!(!trap_joins_bulk("zone=4", "up"));
        // Must not fire: a lone half-masked token is not folded into a lone `<*>`.
        let mut m = Miner::new(MinerConfig::default());
        let lone = m.add("zorbit,index:4");
        let general = m.add("1234");
        let mined = m.finish();
        assert_ne!(mined.template_of(lone).id, mined.template_of(general).id);
        // Must not fire: a quoted code name with its instance number masked.
        assert!(!trap_joins_bulk("'plimsy_job-4'", "up"));
        // Must not fire: a half-masked value but another constant word differs.
        assert!(!trap_joins_bulk("plimsy-a:8080", "down"));
    }
}
