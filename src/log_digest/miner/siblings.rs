//! Step 2 of clustering: clusters that differ at one position only, in more than a few
//! words, are one template whose position is a variable (user, host, unit and file names,
//! `name[pid]:` prefixes), even though its values look like words.

use rustc_hash::FxHashMap;

use super::{Cluster, MinerConfig, Vocab, WILD};

/// A hash of a template with position `skip` left out.
fn hash_without(template: &[u32], skip: usize) -> u64 {
    use std::hash::Hasher as _;
    let mut h = rustc_hash::FxHasher::default();
    h.write_usize(template.len());
    h.write_usize(skip);
    for (i, &t) in template.iter().enumerate() {
        if i != skip {
            h.write_u32(t);
        }
    }
    h.finish()
}

/// Merges clusters whose templates are equal but at one position, when that position is a
/// variable even though its values look like words (user, host, unit and file names,
/// `name[pid]:` prefixes). It is one when more than `max_constant_values` clusters differ
/// there only (the bound that, inside a cluster, decides whether a position tells templates
/// apart) and either its words also fill a varying position elsewhere (a vocabulary of
/// values: the same user names in `login`/`logout` lines) or there are more than
/// `max_unshared_values` of them. Enough constant words must remain (Drain's similarity bound),
/// so one- and two-word messages stay apart. Repeats until nothing merges; deterministic.
pub(super) fn merge_siblings(
    mut clusters: Vec<Cluster>,
    toks: &[Vec<u32>],
    vocab: &Vocab,
    cfg: &MinerConfig,
) -> Vec<Cluster> {
    struct Group {
        head: usize,
        p: usize,
        mates: Vec<usize>,
        values: Vec<u32>,
    }
    let wildish = vocab.wildish;
    loop {
        let mut groups: FxHashMap<u64, Vec<usize>> = FxHashMap::default();
        let mut order: Vec<u64> = Vec::new();
        for (ci, c) in clusters.iter().enumerate() {
            for p in 0..c.template.len() {
                if c.template[p] == WILD {
                    continue;
                }
                let key = hash_without(&c.template, p);
                let g = groups.entry(key).or_insert_with(|| {
                    order.push(key);
                    Vec::new()
                });
                g.push(ci);
            }
        }
        // Candidate groups (two or more clusters that differ at one position only).
        let mut cands: Vec<Group> = Vec::new();
        for key in order {
            let g = &groups[&key];
            if g.len() < 2 {
                continue;
            }
            let head = g[0];
            let t = &clusters[head].template;
            let Some(p) = (0..t.len()).find(|&p| t[p] != WILD && hash_without(t, p) == key) else {
                continue;
            };
            let same = |b: &[u32]| {
                t.len() == b.len()
                    && t.iter()
                        .zip(b)
                        .enumerate()
                        .all(|(i, (x, y))| i == p || x == y)
            };
            let mates: Vec<usize> = g[1..]
                .iter()
                .copied()
                .filter(|&ci| ci != head && same(&clusters[ci].template))
                .collect();
            if mates.is_empty() {
                continue;
            }
            let mut values: Vec<u32> = std::iter::once(head)
                .chain(mates.iter().copied())
                .map(|ci| clusters[ci].template[p])
                .collect();
            values.sort_unstable();
            values.dedup();
            cands.push(Group {
                head,
                p,
                mates,
                values,
            });
        }
        // Which varying slots each word fills: the candidate groups, and the variable positions
        // inside clusters (the words their members have there).
        let mut filled: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
        for (gi, g) in cands.iter().enumerate() {
            for &v in &g.values {
                filled.entry(v).or_default().push(gi as u32);
            }
        }
        let mut slot = cands.len() as u32;
        for c in &clusters {
            for (p, &t) in c.template.iter().enumerate() {
                if t != WILD {
                    continue;
                }
                for &m in &c.members {
                    let v = toks[m as usize][p];
                    if wildish[v as usize] {
                        continue;
                    }
                    let f = filled.entry(v).or_default();
                    if f.last() != Some(&slot) {
                        f.push(slot);
                    }
                }
                slot += 1;
            }
        }
        let mut into: Vec<Option<usize>> = vec![None; clusters.len()];
        let mut merged = false;
        for (gi, g) in cands.iter().enumerate() {
            if g.values.len() <= cfg.max_constant_values || into[g.head].is_some() {
                continue;
            }
            let len = clusters[g.head].template.len();
            let constants = clusters[g.head]
                .template
                .iter()
                .filter(|&&t| t != WILD)
                .count()
                - 1;
            if constants < 2 || (constants as f64) < cfg.similarity * len as f64 {
                continue;
            }
            let mut after = clusters[g.head].template.clone();
            after[g.p] = WILD;
            if vocab.anchor(&clusters[g.head].template, g.p)
                || g.values.iter().any(|&v| vocab.keys_differ(v, g.values[0]))
                || !vocab.merge_allowed(&clusters[g.head].template, &after)
            {
                continue;
            }
            let shared = g.values.len() > cfg.max_unshared_values || {
                let mut with: FxHashMap<u32, usize> = FxHashMap::default();
                for v in &g.values {
                    for &o in &filled[v] {
                        if o as usize != gi {
                            *with.entry(o).or_default() += 1;
                        }
                    }
                }
                with.values().any(|&n| n >= 2)
            };
            if !shared {
                continue;
            }
            let mates: Vec<usize> = g
                .mates
                .iter()
                .copied()
                .filter(|&m| into[m].is_none())
                .collect();
            if mates.len() < cfg.max_constant_values {
                continue;
            }
            for m in mates {
                into[m] = Some(g.head);
            }
            clusters[g.head].template[g.p] = WILD;
            merged = true;
        }
        if !merged {
            return clusters;
        }
        let mut out: Vec<Cluster> = Vec::with_capacity(clusters.len());
        let mut new_index = vec![0usize; clusters.len()];
        let mut moved: Vec<(usize, Vec<u32>)> = Vec::new();
        for (ci, c) in clusters.into_iter().enumerate() {
            match into[ci] {
                None => {
                    new_index[ci] = out.len();
                    out.push(c);
                }
                Some(h) => moved.push((h, c.members)),
            }
        }
        for (h, members) in moved {
            out[new_index[h]].members.extend(members);
        }
        for c in &mut out {
            c.members.sort_unstable();
        }
        clusters = out;
    }
}
