//! Event names beyond the few-values floor of the split: a wildcard position whose words name
//! the event (`order_filled`, `cache-miss`, `PriceSync`, `acked`) rather than fill a variable
//! (an id, a user, a host, a symbol, an amount), told by how the position's lines spread over
//! its words and by the words' shapes.
//!
//! An event name recurs: each of a handful of names covers many lines. A variable's values
//! are mostly one-offs, or they are words of a kind that names things (capitalised names,
//! upper-case symbols, names with digits such as hosts and nodes), or plain words that also
//! fill a varying position elsewhere (the vocabulary of a variable, as user names are).

use rustc_hash::FxHashSet;

use super::{Cluster, Vocab, WILD};

/// What a word at a varying position may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Not an event name: holds a digit, upper-case only, one capitalised word, too short...
    No,
    /// One lower-case word (`acked`, `expired`): an event name only when it fills no other
    /// varying position (user and host names do).
    Plain,
    /// A compound code name of letters: lower-case words joined by `_` or `-`
    /// (`order_filled`, `cache-miss`), or CamelCase words (`PriceSync`), possibly joined by
    /// `::`.
    Compound,
}

/// Most distinct words a position may take and still name events.
pub(super) const MAX_NAMES: usize = 12;
/// Fewest lines each event name covers.
const MIN_LINES_EACH: u64 = 3;
/// Fewest lines per distinct word, on average, at a position of event names (a variable that
/// repeats, such as a host on a busy machine, repeats less evenly than that or has a
/// variable's shape).
const MIN_LINES_PER_NAME: u64 = 8;

/// The word of a token: quotes, brackets and trailing punctuation taken off, and the value of
/// a `key=value` field.
pub(super) fn word(t: &str) -> &str {
    let t = t.rsplit('=').next().unwrap_or(t);
    t.trim_start_matches(['(', '[', '{', '\'', '"'])
        .trim_end_matches([',', '.', ';', ':', ')', ']', '}', '\'', '"', '!', '?'])
}

/// The stem of a longer name (`celery` of `celery.service:`, `web` of `web[12]:`): the word
/// before a dot, bracket, colon or `@` that goes on with more text; `None` for a token that is
/// one word.
pub(super) fn stem(t: &str) -> Option<&str> {
    let w = word(t);
    let end = w.find(['.', '[', ':', '@', '('])?;
    let stem = &w[..end];
    (end > 0 && end + 1 < w.len()).then_some(stem)
}

/// CamelCase of two or more capitalised words (`PriceSync`, `RecordNotFound`), letters only.
fn camel(w: &str) -> bool {
    let b = w.as_bytes();
    b.len() >= 4
        && b[0].is_ascii_uppercase()
        && b.iter().all(u8::is_ascii_alphabetic)
        // Each capital starts a word: a lower-case letter follows it.
        && b.iter().enumerate().all(|(i, c)| {
            !c.is_ascii_uppercase() || b.get(i + 1).is_some_and(u8::is_ascii_lowercase)
        })
        && b.iter().filter(|c| c.is_ascii_uppercase()).count() >= 2
}

fn lower(p: &str) -> bool {
    !p.is_empty() && p.bytes().all(|c| c.is_ascii_lowercase())
}

/// The [`Kind`] of a token.
pub(super) fn kind(t: &str) -> Kind {
    let w = word(t);
    if w.contains("::") {
        let ok = w
            .split("::")
            .all(|p| camel(p) || lower(p) || (p.len() >= 2 && plain_capital(p)));
        return if ok && w.split("::").count() >= 2 {
            Kind::Compound
        } else {
            Kind::No
        };
    }
    if camel(w) {
        return Kind::Compound;
    }
    if w.contains(['_', '-']) {
        // `order_filled`, `shard-rebalance`: each part a lower-case word, one of three letters
        // at least (not a pair of codes such as `ab-cd`).
        let mut parts = w.split(['_', '-']);
        return if parts.clone().all(lower) && parts.any(|p| p.len() >= 3) {
            Kind::Compound
        } else {
            Kind::No
        };
    }
    if w.len() >= 3 && lower(w) {
        Kind::Plain
    } else {
        Kind::No
    }
}

/// `Bot`, `Orders`: one capitalised word (a part of a `::` path).
fn plain_capital(p: &str) -> bool {
    let b = p.as_bytes();
    b[0].is_ascii_uppercase() && b[1..].iter().all(u8::is_ascii_lowercase)
}

/// Whether the words `values` at one position, covering `lines[i]` lines each, name events:
/// every word is an event name ([`kind`]; a plain word only when it fills no other varying
/// position, `shared`), each covers at least [`MIN_LINES_EACH`] lines, and there are few of
/// them for the lines they cover ([`MIN_LINES_PER_NAME`] each on average).
pub(super) fn names_events(values: &[u32], lines: &[u64], kinds: &[Kind], shared: &[bool]) -> bool {
    let total: u64 = lines.iter().sum();
    values.len() <= MAX_NAMES
        && lines.iter().all(|&n| n >= MIN_LINES_EACH)
        && total >= MIN_LINES_PER_NAME * values.len() as u64
        && values.iter().all(|&v| match kinds[v as usize] {
            Kind::No => false,
            Kind::Plain => !shared[v as usize],
            Kind::Compound => true,
        })
}

/// For each word that may name an event ([`kind`]), whether it is rather the value
/// of a variable: a plain word ([`Kind::Plain`]) that fills two or more varying positions (of
/// one cluster or of several; user names in `login`/`logout` lines), or any such word that is
/// elsewhere the stem of a longer name at a varying position (`celery` beside
/// `celery.service:`, `web[12]`): the name of a thing (a unit, a host, a process), not of an
/// event.
pub(super) fn variable_words(clusters: &[Cluster], toks: &[Vec<u32>], vocab: &Vocab) -> Vec<bool> {
    let n = vocab.kinds.len();
    let mut last_slot = vec![u32::MAX; n];
    let mut shared = vec![false; n];
    let mut stems: FxHashSet<&str> = FxHashSet::default();
    let mut seen = vec![false; n];
    let mut slot = 0u32;
    for c in clusters {
        for (p, &t) in c.template.iter().enumerate() {
            if t != WILD {
                continue;
            }
            for &m in &c.members {
                let v = toks[m as usize][p] as usize;
                if last_slot[v] == slot {
                    continue;
                }
                if vocab.kinds[v] == Kind::Plain && last_slot[v] != u32::MAX {
                    shared[v] = true;
                }
                last_slot[v] = slot;
                if !seen[v] {
                    seen[v] = true;
                    if let Some(stem) = stem(vocab.text[v]) {
                        stems.insert(stem);
                    }
                }
            }
            slot += 1;
        }
    }
    if !stems.is_empty() {
        for (v, s) in shared.iter_mut().enumerate() {
            if vocab.kinds[v] != Kind::No && stems.contains(word(vocab.text[v])) {
                *s = true;
            }
        }
    }
    shared
}
