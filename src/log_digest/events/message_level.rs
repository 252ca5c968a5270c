//! The level a message states in its own words when its header carries none: a level word
//! opening it, a test runner's outcome, Python's `warnings` line, a forwarded child's level.

use super::Level;

/// An upper-case level word of four letters or more opening a line (`WARNING  order …`).
pub(super) fn starts_with_level_word(t: &str) -> bool {
    let w = t.split_ascii_whitespace().next().unwrap_or("");
    w.len() >= 4 && w.bytes().all(|b| b.is_ascii_uppercase()) && Level::parse(w).is_some()
}

/// A level word at the start of a message (`error: …`, `[WARN] …`), or Python's
/// `warnings` line (`/path/mod.py:545: XMLParsedAsHTMLWarning: …`, a warning in the message's
/// own vocabulary).
pub(super) fn message_level(m: &str) -> Option<Level> {
    let mut words = m.split_ascii_whitespace();
    let first = words.next()?;
    if first.len() < 3 {
        return None;
    }
    if test_failed(first, m) {
        return Some(Level::Error);
    }
    if first.starts_with('(') {
        return level_after_source_tag(m);
    }
    Level::parse(first).or_else(|| {
        let is_location = first.strip_suffix(':').is_some_and(|f| {
            f.rsplit_once(':').is_some_and(|(path, line)| {
                !path.is_empty() && !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit())
            })
        });
        let name = words.next()?.strip_suffix(':')?;
        (is_location
            && name.len() > "Warning".len()
            && name.ends_with("Warning")
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.'))
        .then_some(Level::Warning)
    })
}

/// Most words a parenthesised source tag opening a message holds (`(name pid=7, ip=…)`).
const MAX_TAG_WORDS: usize = 4;

/// The level word in capitals with its colon right after a parenthesised source tag that opens
/// a message (`(<process>) WARNING: …`: a supervisor forwarding a child's lines prefixes each
/// with the child's name, and the child's own level word follows). Only capitals with a colon
/// count: a word in the message's prose after a tag (`(tag) error rate …`, `(tag) Error: …`,
/// an exception's name) and a level word further on are none.
fn level_after_source_tag(m: &str) -> Option<Level> {
    let mut words = m.split_ascii_whitespace();
    words
        .by_ref()
        .take(MAX_TAG_WORDS)
        .position(|w| w.ends_with(')'))?;
    let w = words.next()?.strip_suffix(':')?;
    (w.len() >= 4 && w.bytes().all(|b| b.is_ascii_uppercase()))
        .then(|| Level::parse(w))
        .flatten()
}

/// A test runner's outcome line for a test that failed or errored: a test id (`path::name`)
/// and the outcome word `FAILED` or `ERROR` next to it, in either order (`pytest -v`'s
/// `tests/a.py::test_x FAILED [ 10%]` and its summary's `FAILED tests/a.py::test_x - …`).
fn test_failed(first: &str, m: &str) -> bool {
    let outcome = |w: &str| w == "FAILED" || w == "ERROR";
    // Most first words are neither: out before the second word is looked for.
    let (first_id, first_outcome) = (first.contains("::"), outcome(first));
    if !first_id && !first_outcome {
        return false;
    }
    let Some(second) = m.split_ascii_whitespace().nth(1) else {
        return false;
    };
    (first_id && outcome(second)) || (first_outcome && second.contains("::"))
}
