//! Folds after clustering that read only the final set of templates, so that no line order
//! and no count decides them.
//!
//! Failure class "token count" (an event split because its lines have different numbers of
//! tokens): an optional field (`(task pid=<*>)` and `(task pid=<*>, ip=<*>)`) or a value of
//! one or more words puts one event's lines in buckets of different lengths, which the miner
//! never compares. After clustering, a template is folded into a longer one when the longer
//! one is the same template with one run of variables inserted at one place; the evidence is
//! structural (every constant word kept, in order, and only variables added), not a count.
//!
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
//! and is no event to fold into). A half-masked value here is a token holding a wildcard that
//! the split treats as a variable: not a code name (dotted, glued or quoted), not a call, not a
//! `key=value` field (its key is part of the event) and not an HTTP route or status.

use super::{Cluster, Levels, Vocab, WILD, WILDCARD};
use rustc_hash::FxHashMap;

/// A token that holds a variable (`<*>`, `ip=<*>)`, `<*>,`).
fn holds_variable(vocab: &Vocab, t: u32) -> bool {
    vocab.text[t as usize].contains(WILDCARD)
}

/// Separators that end a field before the next one of a list (`pid=<*>,`).
const SEPARATORS: [char; 2] = [',', ';'];

/// Whether the token before an inserted run reads the same in both templates: equal, or the
/// same field whose list the run extends, the longer one ending with a separator where the
/// shorter one closes the list with the brackets the run now ends with (`pid=<*>)` against
/// `pid=<*>,` then `ip=<*>)`).
fn same_before(vocab: &Vocab, short: u32, long: u32, run_end: u32) -> bool {
    if short == long {
        return true;
    }
    let (s, l, e) = (
        vocab.text[short as usize],
        vocab.text[long as usize],
        vocab.text[run_end as usize],
    );
    let Some(stem) = l.strip_suffix(SEPARATORS) else {
        return false;
    };
    let closers = &e[e.trim_end_matches([')', ']', '}', '"', '\'']).len()..];
    !closers.is_empty() && s.strip_suffix(closers) == Some(stem)
}

/// Whether `long` is `short` with one run of variable tokens inserted at one place (see
/// [`same_before`] for the token before the run). A route or status is never part of the run.
fn is_insertion(vocab: &Vocab, short: &[u32], long: &[u32]) -> bool {
    let d = long.len() - short.len();
    let lead = short.iter().zip(long).take_while(|(a, b)| a == b).count();
    // The run starts at `i` (after `lead` agreeing tokens, or one earlier when the token
    // before it changed its closing punctuation).
    for i in [lead, lead + 1] {
        if i > short.len() || (i > 0 && i - 1 > lead) {
            continue;
        }
        if short[i..] != long[i + d..] {
            continue;
        }
        let run = &long[i..i + d];
        if !run
            .iter()
            .enumerate()
            .all(|(k, &t)| holds_variable(vocab, t) && !vocab.anchor(long, i + k))
        {
            continue;
        }
        // A named field (`key=<*>`) inserted among the others is a different record (the
        // keys present tell events apart, as in `keys_differ`); one that extends a
        // separated list at its closing bracket adds detail to the same one.
        let extends_list = i > 0 && short[i - 1] != long[i - 1];
        if run.iter().any(|&t| vocab.field[t as usize] != 0) && !extends_list {
            continue;
        }
        if i == 0 || same_before(vocab, short[i - 1], long[i - 1], run[d - 1]) {
            return true;
        }
    }
    false
}

/// Whether a template keeps enough constant words to say what its event is: two words that
/// say something, and constants in at least `similarity` of its tokens (a template of
/// wildcards would swallow anything).
fn enough_constants(vocab: &Vocab, template: &[u32], constants: usize, similarity: f64) -> bool {
    let words = template
        .iter()
        .filter(|&&t| !holds_variable(vocab, t) && vocab.meaningful[t as usize])
        .count();
    words >= 2 && constants as f64 >= similarity * template.len() as f64
}

/// Folds each cluster into the shortest longer cluster (the first in order among equals) whose
/// template is its own with one run of variables inserted (see [`is_insertion`]), when both
/// keep enough constant words ([`enough_constants`]). The longer template names the event.
/// Deterministic: clusters are compared in order, and chains fold into the longest.
pub(super) fn merge_insertions(
    clusters: Vec<Cluster>,
    vocab: &Vocab,
    similarity: f64,
) -> Vec<Cluster> {
    // Only templates with the same constant tokens in the same order can be insertions of
    // one another: group by them.
    let mut groups: FxHashMap<Vec<u32>, Vec<usize>> = FxHashMap::default();
    let mut order: Vec<Vec<u32>> = Vec::new();
    for (ci, c) in clusters.iter().enumerate() {
        let skeleton: Vec<u32> = c
            .template
            .iter()
            .copied()
            .filter(|&t| !holds_variable(vocab, t))
            .collect();
        let g = groups.entry(skeleton.clone()).or_insert_with(|| {
            order.push(skeleton);
            Vec::new()
        });
        g.push(ci);
    }
    let mut into: Vec<Option<usize>> = vec![None; clusters.len()];
    for skeleton in &order {
        let g = &groups[skeleton];
        if g.len() < 2 {
            continue;
        }
        let constants = skeleton.len();
        for &a in g {
            let short = &clusters[a].template;
            if !enough_constants(vocab, short, constants, similarity) {
                continue;
            }
            let target = g
                .iter()
                .copied()
                .filter(|&b| {
                    let long = &clusters[b].template;
                    long.len() > short.len()
                        && enough_constants(vocab, long, constants, similarity)
                        && is_insertion(vocab, short, long)
                })
                .min_by_key(|&b| clusters[b].template.len());
            into[a] = target;
        }
    }
    fold_into(clusters, &into)
}

/// Moves each cluster's members into the cluster `into` names for it, following the chain to
/// a cluster folded into none (each fold's targets are more general than their sources, so a
/// chain ends), and drops the emptied clusters; members stay sorted. The one way every fold
/// of this module applies its decisions.
fn fold_into(clusters: Vec<Cluster>, into: &[Option<usize>]) -> Vec<Cluster> {
    if into.iter().all(Option::is_none) {
        return clusters;
    }
    let root = |mut c: usize| {
        while let Some(n) = into[c] {
            c = n;
        }
        c
    };
    let roots: Vec<usize> = (0..clusters.len()).map(root).collect();
    let mut moved: Vec<Vec<u32>> = vec![Vec::new(); clusters.len()];
    let mut kept: Vec<Option<Cluster>> = Vec::with_capacity(clusters.len());
    for (ci, c) in clusters.into_iter().enumerate() {
        if roots[ci] == ci {
            kept.push(Some(c));
        } else {
            moved[roots[ci]].extend(c.members);
            kept.push(None);
        }
    }
    kept.into_iter()
        .enumerate()
        .filter_map(|(ci, c)| {
            c.map(|mut c| {
                c.members.append(&mut moved[ci]);
                c.members.sort_unstable();
                c
            })
        })
        .collect()
}

/// Whether token `t` is a text key: a constant word of letters (`_`, `-` allowed) ending in
/// one `:` (`reason:`, `Error:`), not a code path (`a::b:`) nor a URL scheme.
pub(super) fn is_text_key(vocab: &Vocab, t: u32) -> bool {
    let text = vocab.text[t as usize];
    let Some(word) = text.strip_suffix(':') else {
        return false;
    };
    !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_alphabetic() || c == '_' || c == '-')
        && word.chars().any(char::is_alphabetic)
}

/// Whether a word is an enumerated name from code (`JOB_SETUP`, `TASK_DONE`: upper-case
/// letters and digits joined by `_`): a value opening with one names a kind of event
/// (`EventType: JOB_SETUP`), it is no free text.
fn is_enum_name(t: &str) -> bool {
    let t = t.trim_end_matches([',', '.', ';']);
    t.contains('_')
        && t.chars().any(|c| c.is_ascii_uppercase())
        && t.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Where the free-text value after the key at `k` ends: at the token that closes a bracket
/// opened before the key (`(in step: a b c), rest` ends at `c),`), else at the end of the
/// line. Exclusive end.
fn text_value_end(vocab: &Vocab, template: &[u32], k: usize) -> usize {
    let mut depth: i32 = 0;
    for (j, &t) in template.iter().enumerate().skip(k + 1) {
        for c in vocab.text[t as usize].chars() {
            match c {
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth -= 1,
                _ => {}
            }
            if depth < 0 {
                return j + 1;
            }
        }
    }
    template.len()
}

/// Where a free-text value opens: after a text key ([`is_text_key`]) that follows at least two
/// constant words that say something (so a logger or component name opening the message,
/// `worker: ...`, is never one), or, as a [`Opening::Weak`] opening that needs more evidence to
/// fold ([`spread_enough`]), after a text key that follows one such word (`order <*>
/// rejected: <text>`) or after the first token that ends in a comma, when it follows two such
/// words (`upgrade <*> -> <*>, <text>`; a later comma is an item of a list).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Opening {
    Key,
    Weak,
}

/// The free-text value of a template, as (key position, exclusive end, opening): the value after
/// the first opening ([`Opening`]; a text key before a comma) up to [`text_value_end`];
/// `None` when there is none, it is empty, or it holds an HTTP route or status (part of the
/// event).
fn free_text_value(vocab: &Vocab, template: &[u32]) -> Option<(usize, usize, Opening)> {
    let value = |k: usize, opening: Opening| {
        let end = text_value_end(vocab, template, k);
        if end == k + 1
            || is_enum_name(vocab.text[template[k + 1] as usize])
            || (k + 1..end).any(|i| vocab.anchor(template, i))
        {
            return None;
        }
        Some((k, end, opening))
    };
    let mut words = 0;
    let mut weak = None;
    let mut commas = 0;
    for (k, &t) in template.iter().enumerate() {
        if words >= 2 && is_text_key(vocab, t) {
            return value(k, Opening::Key);
        }
        let comma = ends_in_comma(vocab, t);
        // Only the first comma opens a text: a later one is an item of a list (`a, b, c`).
        if weak.is_none()
            && k + 1 < template.len()
            && ((words == 1 && is_text_key(vocab, t)) || (words >= 2 && comma && commas == 0))
        {
            weak = Some(k);
        }
        commas += usize::from(comma);
        if !holds_variable(vocab, t) && vocab.meaningful[t as usize] {
            words += 1;
        }
    }
    weak.and_then(|k| value(k, Opening::Weak))
}

/// Whether token `t` ends in one comma after something (`<*>,`, `done,`): a clause ends there.
fn ends_in_comma(vocab: &Vocab, t: u32) -> bool {
    let text = vocab.text[t as usize];
    text.len() > 1 && text.ends_with(',') && !text.ends_with(",,")
}

/// Templates a free-text value must be spread over before they fold: two texts after one
/// key may be two outcomes of one check, told apart as two events (`failed: <*> not found`
/// and `failed: <*> busy`); three or more, of at least two lengths, are a message.
const MIN_TEXTS: usize = 3;

/// Whether the texts of a group after a [`Opening::Weak`] opening are spread enough to be one
/// free-text value: the miner already made a text of two or more words all variables in one
/// of them (many texts of that length met there), or they are spread over twice
/// [`MIN_TEXTS`] templates. Two or three fixed outcomes after a comma or a verb's colon
/// (`parcel <*> state: open` / `state: shut down`) stay events of their own.
fn spread_enough(clusters: &[Cluster], group: &[usize], spans: &[Span]) -> bool {
    group.len() >= 2 * MIN_TEXTS
        || group.iter().any(|&ci| {
            spans[ci].is_some_and(|(k, end, _)| {
                end - k > 2 && clusters[ci].template[k + 1..end].iter().all(|&t| t == WILD)
            })
        })
}

/// A template's free-text value, as [`free_text_value`] gives it.
type Span = Option<(usize, usize, Opening)>;

/// Failure class "free-text value of varying length" (an event split because a message
/// inside it, `... retries. Error: <text>` or `(in query: <text>)`, has a different number of
/// words on different lines): the miner compares only lines of one length, so each length of
/// the text ends in a template of its own. Where the value starts and ends is told by its
/// delimiters: an opening ([`Opening`]: a text key ending in `:` after two constant words; a
/// text key after one, or a comma-ended token after two, which need [`spread_enough`]), and
/// the end of the line or the bracket that closes one opened before the key.
///
/// Templates that agree on every token before the value (key included) and after it, and
/// whose lines carry the same levels, are folded into one with the value as one `<*>`, when
/// the values among them have at least two different lengths and are spread over at least
/// [`MIN_TEXTS`] templates (the structural sign of free text; a constant word added without a key, `order filled` / `order filled partially`,
/// never qualifies). Deterministic: groups are formed in cluster order; the folded cluster
/// takes the place of its first member.
pub(super) fn fold_free_text(
    clusters: Vec<Cluster>,
    vocab: &Vocab,
    levels: &[Levels],
) -> Vec<Cluster> {
    type Key = (Vec<u32>, Vec<u32>, u8);
    let mut groups: FxHashMap<Key, Vec<usize>> = FxHashMap::default();
    let mut spans: Vec<Span> = Vec::with_capacity(clusters.len());
    let mut masks: Vec<u8> = Vec::with_capacity(clusters.len());
    for (ci, c) in clusters.iter().enumerate() {
        let span = free_text_value(vocab, &c.template);
        spans.push(span);
        let mask = c
            .members
            .iter()
            .fold(0u8, |m, &s| m | levels[s as usize].mask);
        masks.push(mask);
        if let Some((k, end, _)) = span {
            let key = (c.template[..=k].to_vec(), c.template[end..].to_vec(), mask);
            groups.entry(key).or_default().push(ci);
        }
    }
    let mut into: Vec<Option<usize>> = vec![None; clusters.len()];
    let mut lead: Vec<bool> = vec![false; clusters.len()];
    for g in groups.values() {
        let len = |ci: usize| spans[ci].map_or(0, |(k, e, _)| e - k);
        if g.len() < MIN_TEXTS || g.iter().all(|&ci| len(ci) == len(g[0])) {
            continue;
        }
        let weak = spans[g[0]].is_some_and(|(_, _, o)| o == Opening::Weak);
        if weak && !spread_enough(&clusters, g, &spans) {
            continue;
        }
        let first = g[0];
        lead[first] = true;
        for &ci in &g[1..] {
            into[ci] = Some(first);
        }
    }
    if !lead.iter().any(|&l| l) {
        return clusters;
    }
    absorb_into_texts(&clusters, vocab, (&spans, &masks, &lead), &mut into);
    let mut clusters = clusters;
    for (ci, c) in clusters.iter_mut().enumerate() {
        if let (true, Some((k, end, _))) = (lead[ci], spans[ci]) {
            let mut t = c.template[..=k].to_vec();
            t.push(WILD);
            t.extend_from_slice(&c.template[end..]);
            c.template = t;
        }
    }
    fold_into(clusters, &into)
}

/// A template the fold left out because its text holds a text key of its own (`rejected:
/// certificate check failed: <*>`, so its value opened later and it met no group) joins a
/// folded template whose opening and closing tokens frame it: the same tokens up to the
/// folded template's opening and after its value, the same levels, and a text between that
/// holds no HTTP route or status. The folded template already says that any text goes there;
/// the one that frames it most closely (the longest opening) is chosen.
fn absorb_into_texts(
    clusters: &[Cluster],
    vocab: &Vocab,
    (spans, masks, lead): (&[Span], &[u8], &[bool]),
    into: &mut [Option<usize>],
) {
    let leads: Vec<(usize, usize, usize)> = (0..clusters.len())
        .filter(|&ci| lead[ci])
        .filter_map(|ci| spans[ci].map(|(k, end, _)| (ci, k, end)))
        .collect();
    for (ci, c) in clusters.iter().enumerate() {
        if lead[ci] || into[ci].is_some() {
            continue;
        }
        let t = &c.template;
        let best = leads
            .iter()
            .filter(|&&(li, k, end)| {
                let l = &clusters[li].template;
                let tail = l.len() - end;
                masks[li] == masks[ci]
                    && t.len() > k + 1 + tail
                    && t[..=k] == l[..=k]
                    && t[t.len() - tail..] == l[end..]
                    && !(k + 1..t.len() - tail).any(|i| vocab.anchor(t, i))
            })
            .max_by_key(|&&(_, k, _)| k);
        if let Some(&(li, _, _)) = best {
            into[ci] = Some(li);
        }
    }
}

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
    // Each target has more wildcards than its source, so following targets ends.
    fold_into(clusters, &target)
}

#[cfg(test)]
mod tests {
    use super::super::tests::templates_of;

    /// A matrix cell: the short and the long variant of one generated line.
    type Cell = (fn(usize) -> String, fn(usize) -> String);

    /// Lines of two variants of one generated event, `n` of each: `short(i)` and `long(i)`.
    fn pair(short: impl Fn(usize) -> String, long: impl Fn(usize) -> String) -> (String, String) {
        let mut lines = Vec::new();
        for i in 0..6 {
            lines.push(short(i));
            lines.push(long(i));
        }
        let t = templates_of(&lines);
        (t[0].clone(), t[1].clone())
    }

    #[test]
    fn optional_fields_and_multi_word_values_join_their_event() {
        // Must fire (invented names): an optional field closing a bracketed list, an optional
        // value set after a constant word.
        let cells: [Cell; 2] = [
            (
                |i| {
                    format!(
                        "(brew_kettle pid={}) Steeped {i} cups for guest{i}",
                        100 + i
                    )
                },
                |i| {
                    format!(
                        "(brew_kettle pid={}, ip=10.0.{i}.7) Steeped {i} cups for guest{i}",
                        200 + i
                    )
                },
            ),
            (
                |i| format!("lantern polished in {i}.5 s by the keeper"),
                |i| format!("lantern polished in {i}.5 s 0x{i}f by the keeper"),
            ),
        ];
        for (short, long) in cells {
            let (a, b) = pair(short, long);
            assert_eq!(a, b, "{} / {}", short(0), long(0));
        }
    }

    #[test]
    fn constant_words_and_wildcard_templates_keep_events_apart() {
        // Must not fire: an added constant word, a word added to a bracketed list, a named
        // field inserted among others (not closing a separated list), a
        // template of one word among variables, fields only.
        let cells: [Cell; 5] = [
            (
                |i| format!("gate {i} opened by warden"),
                |i| format!("gate {i} opened by warden twice"),
            ),
            (
                |i| format!("(brew_kettle pid={}) Steeped {i} cups", 100 + i),
                |i| format!("(brew_kettle pid={}, gently) Steeped {i} cups", 200 + i),
            ),
            (
                |i| format!("rang bell={i} at 0x{i}f"),
                |i| format!("rang bell={i} tone={} at 0x{i}f", i * 3),
            ),
            (
                |i| format!("door swung {{ hinge={i} latch={} }} softly", i * 7),
                |i| {
                    format!(
                        "door swung {{ hinge={i} bolt={} latch={} }} softly",
                        i,
                        i * 7
                    )
                },
            ),
            (
                |i| format!("left={i} right={}", i * 7),
                |i| format!("left={i} mid={} right={}", i * 3, i * 7),
            ),
        ];
        for (short, long) in cells {
            let (a, b) = pair(short, long);
            assert_ne!(a, b, "{} / {}", short(0), long(0));
        }
    }

    /// Made-up free text of 1 to 4 words, by line.
    const MUSINGS: [&str; 4] = [
        "glorp",
        "vane snarfled twice",
        "the quib wobbled over",
        "frell",
    ];

    /// The templates of 16 lines `line(i, text)`, the text cycling through [`MUSINGS`].
    fn musing_templates(line: fn(usize, &str) -> String) -> Vec<String> {
        let lines: Vec<String> = (0..16).map(|i| line(i, MUSINGS[i % 4])).collect();
        templates_of(&lines)
    }

    #[test]
    fn free_text_values_of_any_length_join_their_event() {
        // Must fire (invented words): a text after a key to the end of the line; a text after
        // a key inside brackets, closed before constant words.
        let cells: [fn(usize, &str) -> String; 2] = [
            |i, t| format!("kettle {i} refused to boil. Cause: {t}"),
            |i, t| format!("flagon {i} spilled over (in ritual: {t}), tally kept"),
        ];
        for line in cells {
            let t = musing_templates(line);
            assert!(t.iter().all(|x| *x == t[0]), "{t:?}");
        }
    }

    #[test]
    fn added_words_without_a_key_keep_events_apart() {
        // Must not fire: an extra constant word with no key before it (both the brief's
        // `order filled` and made-up words); a key opening the message (a component name);
        // different words after the closing bracket; a key after one word only; two texts
        // only; a value opening with an enumerated name.
        let pairs: [Cell; 6] = [
            (
                |i| format!("kettle {i} refused to boil. Cause: glorp"),
                |i| format!("kettle {i} refused to boil. Cause: vane snarfled twice"),
            ),
            (
                |i| format!("order {i} filled"),
                |i| format!("order {i} filled partially"),
            ),
            (
                |i| format!("parcel {i} wrapped by the gnarl"),
                |i| format!("parcel {i} wrapped by the gnarl twice over"),
            ),
            (
                |i| format!("quibbler: {i} frell"),
                |i| format!("quibbler: {i} vane snarfled twice"),
            ),
            (
                |i| format!("flagon {i} spilled over (in ritual: glorp), tally kept"),
                |i| format!("flagon {i} spilled over (in ritual: the quib wobbled), tally lost"),
            ),
            (
                |i| format!("{i} kettle: glorp"),
                |i| format!("{i} kettle: vane snarfled twice"),
            ),
        ];
        for (short, long) in pairs {
            let (a, b) = pair(short, long);
            assert_ne!(a, b, "{} / {}", short(0), long(0));
        }
        // Must not fire: values of several lengths that open with an enumerated name.
        let kinds: [&str; 4] = [
            "GLORP_SET",
            "VANE_SNARF for quib",
            "QUIB_WOB over the vane now",
            "FRELL_UP",
        ];
        let lines: Vec<String> = (0..16)
            .map(|i| format!("kettle {i} refused to boil. Kind: {}", kinds[i % 4]))
            .collect();
        let t = templates_of(&lines);
        assert_ne!(t[0], t[1], "{t:?}");
        assert_ne!(t[1], t[2], "{t:?}");
    }

    mod half_masked {
        use super::super::super::{Miner, MinerConfig};

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
}
