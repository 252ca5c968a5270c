//! The words after a `key=value` pair: whether they continue its value (an unquoted value of
//! several words) or are the message's own words (after a number).

use super::{class, key_value, QUOTE, WS};

/// Whether a pair's value is a number (`7`, `0.5`, `-3,`) and the next token a word of
/// letters (`after`: the text after the pair): a value complete in itself, not the first word
/// of a multi-word value (`id=7 is done by crew id=3`: `is done by crew` are the message's
/// words; in `sig=0058 9a3f 0002 id=3` the value runs on).
pub(super) fn number_then_word(v: &[u8], after: &[u8]) -> bool {
    let v = v.strip_prefix(b"-").unwrap_or(v);
    let end = v
        .iter()
        .rposition(|c| !matches!(c, b',' | b';' | b'.'))
        .map_or(0, |e| e + 1);
    if end == 0 || !v[..end].iter().all(|c| c.is_ascii_digit() || *c == b'.') {
        return false;
    }
    let next = after.trim_ascii_start();
    let word = &next[..next
        .iter()
        .position(|c| c.is_ascii_whitespace() || matches!(c, b',' | b';' | b'.' | b':'))
        .unwrap_or(next.len())];
    !word.is_empty() && word.iter().all(u8::is_ascii_alphabetic)
}

/// The words after a `key=value` pair that continue its value: plain words (no `=`, no
/// quote, no bracket) up to the next pair, when the rest of the message is a run of pairs
/// (`error=rate limit exceeded host=db`, an unquoted multi-word value). Returns how many bytes
/// of `rest` they take (up to the next pair), or None.
pub(super) fn value_words_before_pair(rest: &[u8]) -> Option<usize> {
    const MAX_WORDS: usize = 12;
    let mut words = 0;
    let mut skip = None;
    let mut i = 0;
    loop {
        while i < rest.len() && class(rest[i]) & WS != 0 {
            i += 1;
        }
        if i >= rest.len() {
            // The message ends on a pair, not on free words.
            return skip.filter(|_| words == 0);
        }
        let s = i;
        while i < rest.len() && class(rest[i]) & WS == 0 {
            i += 1;
        }
        let w = &rest[s..i];
        if memchr::memchr(b'=', w).is_some() {
            key_value(w)?;
            // The words to skip are those right after the pair being masked.
            if skip.is_none() {
                skip = Some((words > 0).then_some(s)?);
            }
            words = 0;
        } else if w
            .iter()
            .any(|&c| class(c) & QUOTE != 0 || matches!(c, b'[' | b']' | b'{' | b'}'))
        {
            return None;
        } else {
            words += 1;
            if words > MAX_WORDS {
                return None;
            }
        }
    }
}
