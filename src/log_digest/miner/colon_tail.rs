//! Failure class: a free-text reason after an announcing colon (`order <*> failed: no route to
//! host`, `connection closed: read error`). The reason is a value of the event (issue 20: a
//! free-text error message inside a message is a variable), but its words vary in number, so
//! the Drain-like pass, which buckets shapes by token count, leaves one cluster per length and
//! the split on few distinct words one per reason. Clusters that share everything up to and
//! including a word ending in `:`, differ after it in their number of words, and are at least
//! [`MIN_TAILS`] are one event: their template keeps that prefix and the words common to every
//! tail's end (`; reconnecting in <*>`), the rest is one variable.
//!
//! Where it must not fire, each held by a test: a colon after the first or second word (a
//! logger's or a component's name, `name: message`, `Sync job: started`), a list of
//! `label: value` fields (`duration: <*> ms statement: <*>`), a colon after `key=value` header
//! fields only (`pid=<*> tid=<*> LEVEL: message`), tails of one length
//! (`<prefix>: started` / `<prefix>: stopped`, events one word apart, which the split keeps
//! apart), two tails only, a prefix without a word, and tails holding an HTTP route, status
//! or method (a request line keeps them).

use rustc_hash::FxHashMap;

use super::{Cluster, Vocab, WILD};

/// The announcing colon's position in a template: at least this many words before it.
const MIN_BEFORE: usize = 2;
/// Fewest clusters (distinct tails) that make the tail a free-text value.
const MIN_TAILS: usize = 3;

/// Position of the first word ending in `:`, when it has at least [`MIN_BEFORE`] words before
/// it, none of them ending in `:` too (`label: value label: value` is a list of fields, not a
/// message announcing a reason), one of them a word of the message (not a variable, not a
/// `key=value` field: a colon after header-like fields is a level's or a name's), and a tail
/// after it. A leading `name:` followed by a word (a logger's or a component's name that stayed
/// in the message, as when the line was a JSON record) is not counted: the search starts after
/// it.
fn announcing_colon(template: &[u32], vocab: &Vocab) -> Option<usize> {
    let start = usize::from(
        template.len() > 2
            && vocab.colon_ended[template[0] as usize]
            && template[1] != WILD
            && vocab.meaningful[template[1] as usize],
    );
    let k = (start..template.len().saturating_sub(1))
        .find(|&k| vocab.colon_ended[template[k] as usize])?;
    (k >= start + MIN_BEFORE
        && template[start..k]
            .iter()
            .any(|&t| t != WILD && vocab.meaningful[t as usize] && vocab.field[t as usize] == 0))
    .then_some(k)
}

/// Whether a tail holds a word that belongs to a request line's event (route, status, method).
fn holds_http(tail: &[u32], vocab: &Vocab) -> bool {
    tail.iter().any(|&t| {
        vocab.method[t as usize]
            || !matches!(vocab.anchored[t as usize], super::mask::HttpAnchor::No)
    })
}

/// Merges the clusters of one free-text reason (see the module docs); deterministic: groups are
/// visited in the order of their first cluster, and a merged cluster takes the first one's
/// place.
pub(super) fn merge_reason_tails(clusters: Vec<Cluster>, vocab: &Vocab) -> Vec<Cluster> {
    let mut groups: FxHashMap<&[u32], Vec<usize>> = FxHashMap::default();
    for (ci, c) in clusters.iter().enumerate() {
        if let Some(k) = announcing_colon(&c.template, vocab) {
            groups.entry(&c.template[..=k]).or_default().push(ci);
        }
    }
    let mut into: Vec<Option<usize>> = vec![None; clusters.len()];
    let mut merged: FxHashMap<usize, Vec<u32>> = FxHashMap::default();
    for (prefix, members) in &groups {
        if members.len() < MIN_TAILS {
            continue;
        }
        let tails: Vec<&[u32]> = members
            .iter()
            .map(|&ci| &clusters[ci].template[prefix.len()..])
            .collect();
        if tails.iter().all(|t| t.len() == tails[0].len())
            || tails.iter().any(|t| holds_http(t, vocab))
        {
            continue;
        }
        // Words common to every tail's end, leaving at least one word of each tail to vary.
        let shortest = tails.iter().map(|t| t.len()).min().unwrap_or(0);
        let mut suffix = 0;
        while suffix + 1 < shortest
            && tails
                .iter()
                .all(|t| t[t.len() - 1 - suffix] == tails[0][tails[0].len() - 1 - suffix])
        {
            suffix += 1;
        }
        let mut template = prefix.to_vec();
        template.push(WILD);
        template.extend_from_slice(&tails[0][tails[0].len() - suffix..]);
        let head = *members.iter().min().unwrap_or(&members[0]);
        for &ci in members {
            into[ci] = Some(head);
        }
        merged.insert(head, template);
    }
    if merged.is_empty() {
        return clusters;
    }
    let mut members_of: FxHashMap<usize, Vec<u32>> = FxHashMap::default();
    for (ci, c) in clusters.iter().enumerate() {
        if let Some(h) = into[ci] {
            members_of
                .entry(h)
                .or_default()
                .extend_from_slice(&c.members);
        }
    }
    let mut out = Vec::with_capacity(clusters.len());
    for (ci, c) in clusters.into_iter().enumerate() {
        match into[ci] {
            None => out.push(c),
            Some(h) if h == ci => {
                let mut members = members_of.remove(&h).unwrap_or_default();
                members.sort_unstable();
                let template = merged.remove(&h).unwrap_or(c.template);
                out.push(Cluster { template, members });
            }
            Some(_) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::{Miner, MinerConfig};

    /// Mines `lines`; returns the template text of each line.
    fn mine(lines: &[String]) -> Vec<String> {
        let mut m = Miner::new(MinerConfig::default());
        let ids: Vec<u32> = lines.iter().map(|l| m.add(l)).collect();
        let mined = m.finish();
        ids.iter()
            .map(|&i| {
                mined.templates[mined.cluster_template[i as usize] as usize]
                    .text
                    .clone()
            })
            .collect()
    }

    /// Neutral reasons of one to five words.
    const REASONS: [&str; 6] = [
        "alpha beta gamma",
        "delta",
        "epsilon zeta",
        "eta theta iota kappa",
        "lambda mu nu xi omicron",
        "pi rho",
    ];

    /// `n` lines of each of `tails` behind `prefix`, with a changing id before the colon.
    fn lines(prefix: &str, tails: &[&str], after: &str, n: usize) -> Vec<String> {
        let mut out = Vec::new();
        for i in 0..n {
            for (j, t) in tails.iter().enumerate() {
                out.push(format!("{prefix} {}: {t}{after}", 100 + i * 7 + j));
            }
        }
        out
    }

    /// The number of distinct templates the lines of `got` fall into.
    fn groups(got: &[String]) -> usize {
        got.iter().collect::<std::collections::BTreeSet<_>>().len()
    }

    #[test]
    fn class_free_text_reason_after_an_announcing_colon_is_one_variable() {
        // Class: `<words> <id> <verb>: <free-text reason>`, reasons of different lengths.
        let got = mine(&lines("sigma record", &REASONS, "", 6));
        assert_eq!(groups(&got), 1, "{got:?}");
        assert_eq!(got[0], "sigma record <*>: <*>");
    }

    #[test]
    fn class_reason_behind_a_leading_name_prefix() {
        // Same class with the logger's `name:` left in the message (a JSON record's message).
        let got = mine(&lines("omega: sigma record", &REASONS, "", 6));
        assert_eq!(groups(&got), 1, "{got:?}");
    }

    #[test]
    fn class_reason_in_the_middle_keeps_the_common_end() {
        // Class: the reason between the colon and a constant end (`…; retry in <*>`).
        let got = mine(&lines("sigma record", &REASONS, "; tau in 5s", 6));
        assert_eq!(groups(&got), 1, "{got:?}");
        assert!(got[0].ends_with("tau in <*>"), "{got:?}");
    }

    #[test]
    fn must_not_fire_on_tails_of_one_length() {
        // Events one word apart after a colon (`…: started` / `…: stopped` / `…: failed`).
        let tails = ["upsilon", "phi", "chi"];
        let got = mine(&lines("sigma record", &tails, "", 6));
        assert_eq!(groups(&got), 3, "{got:?}");
    }

    #[test]
    fn must_not_fire_on_a_name_colon_message_prefix() {
        // `name: message`: the colon after the first word (a logger's or component's name).
        let mut l = Vec::new();
        for i in 0..6 {
            for t in REASONS {
                l.push(format!("sigma: {t} {i}"));
            }
        }
        let got = mine(&l);
        assert!(groups(&got) > 1, "{got:?}");
    }

    #[test]
    fn must_not_fire_on_a_list_of_label_value_fields() {
        // `label: <n> unit label: <statement>`: the statements are what happened.
        let mut l = Vec::new();
        for i in 0..6 {
            for t in REASONS {
                l.push(format!("sigma: {i}.5 tau upsilon: {t}"));
            }
        }
        let got = mine(&l);
        assert!(groups(&got) > 1, "{got:?}");
    }

    #[test]
    fn must_not_fire_on_a_colon_after_key_value_fields() {
        // `k1=<v> k2=<v> WORD: message`: the messages are events of their own.
        let mut l = Vec::new();
        for i in 0..6 {
            for t in REASONS {
                l.push(format!("sigma={i} tau={} UPSILON: {t}", i * 5));
            }
        }
        let got = mine(&l);
        assert!(groups(&got) > 1, "{got:?}");
    }

    #[test]
    fn must_not_fire_on_two_tails() {
        let got = mine(&lines("sigma record", &REASONS[..2], "", 6));
        assert_eq!(groups(&got), 2, "{got:?}");
    }

    #[test]
    fn must_not_fire_without_a_word_before_the_colon() {
        let mut l = Vec::new();
        for i in 0..6 {
            for t in REASONS {
                l.push(format!("{i}.5 {i}.25 {}: {t}", i * 3));
            }
        }
        let got = mine(&l);
        assert!(groups(&got) > 1, "{got:?}");
    }

    #[test]
    fn must_not_fire_on_tails_with_http_routes() {
        // A request line after the colon keeps its method, route and status.
        let tails = [
            "GET /alpha 200",
            "POST /beta/gamma 201 created",
            "GET /delta 404",
        ];
        let got = mine(&lines("sigma record", &tails, "", 6));
        assert_eq!(groups(&got), 3, "{got:?}");
    }
}
