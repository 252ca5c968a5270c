//! The words after a `key=value` pair: whether they continue its value (an unquoted value of
//! several words) or are the message's own words (after a number).

use super::{class, key_value, QUOTE, WS};

/// Whether a pair's value is complete in itself and the next token a word of letters
/// (`after`: the text after the pair), so the words are the message's, not more of a
/// multi-word value. Complete values are typed variables no word run goes on from: a number
/// (`7`, `0.5`, `-3,`), a comma list (`7,12`, `red,blue`), a UUID (`id=7 is done by crew id=3`:
/// `is done by crew` are the message's words; in `sig=0058 9a3f 0002 id=3` the value runs on,
/// and so does a short id of letters and digits, `ref=a7f3 lid stuck`, which may be a word).
pub(super) fn whole_value_then_word(v: &[u8], after: &[u8]) -> bool {
    let end = v
        .iter()
        .rposition(|c| !matches!(c, b',' | b';' | b'.'))
        .map_or(0, |e| e + 1);
    let v = &v[..end];
    let unsigned = v.strip_prefix(b"-").unwrap_or(v);
    let number = |x: &[u8]| !x.is_empty() && x.iter().all(|c| c.is_ascii_digit() || *c == b'.');
    if !(number(unsigned) || is_list(v) || is_uuid(v)) {
        return false;
    }
    let next = after.trim_ascii_start();
    let word = &next[..next
        .iter()
        .position(|c| c.is_ascii_whitespace() || matches!(c, b',' | b';' | b'.' | b':'))
        .unwrap_or(next.len())];
    !word.is_empty() && word.iter().all(u8::is_ascii_alphabetic)
}

/// A comma list with no blank: two or more non-empty items of letters, digits, `-`, `_`, `.`.
fn is_list(v: &[u8]) -> bool {
    v.contains(&b',')
        && v.split(|&c| c == b',').all(|item| {
            !item.is_empty()
                && item
                    .iter()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        })
}

/// A UUID: five groups of 8, 4, 4, 4 and 12 hex digits joined by dashes.
fn is_uuid(v: &[u8]) -> bool {
    const GROUPS: [usize; 5] = [8, 4, 4, 4, 12];
    let mut n = 0;
    v.split(|&c| c == b'-').all(|g| {
        n += 1;
        n <= 5 && g.len() == GROUPS[n - 1] && g.iter().all(u8::is_ascii_hexdigit)
    }) && n == 5
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
