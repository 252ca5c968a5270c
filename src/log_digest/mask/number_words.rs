//! Words that belong to a number or a date next to them: a size or duration unit after a
//! number (`5.2 KB`), a number restated in parentheses (`1.2 KB (1234 bytes)`), a month or
//! weekday name inside a date (`Tue Oct 14`).

use super::super::tokens::is_date_word;

/// A month or weekday name (`Jun`, `Tue`, `March`, capitalised or upper-case) that is part of a
/// date: a number or another such name comes right before or after it (`Tue Oct 14`, `14 Jun`,
/// `Jun 14`). Such a word is a variable like the numbers around it.
///
/// Asked of every word of every message: a word that does not start with a capital (most) is
/// out here, inlined at the caller, before any call.
#[inline]
pub(super) fn date_word_in_date(tok: &[u8], after_wild: bool, rest: &[u8]) -> bool {
    tok.first().is_some_and(u8::is_ascii_uppercase) && capital_in_date(tok, after_wild, rest)
}

/// [`date_word_in_date`] for a word that starts with a capital.
#[inline(never)]
fn capital_in_date(tok: &[u8], after_wild: bool, rest: &[u8]) -> bool {
    let word = tok.strip_suffix(b",").unwrap_or(tok);
    if !is_date_name(word) {
        return false;
    }
    if after_wild {
        return true;
    }
    let ws = rest.iter().take_while(|c| c.is_ascii_whitespace()).count();
    let next = &rest[ws..];
    let next_len = next
        .iter()
        .position(u8::is_ascii_whitespace)
        .unwrap_or(next.len());
    let next_word = &next[..next_len];
    next.first().is_some_and(u8::is_ascii_digit)
        || is_date_name(next_word.strip_suffix(b",").unwrap_or(next_word))
}

/// Month and weekday names written in full.
const FULL_DATE_NAMES: [&[u8]; 19] = [
    b"january",
    b"february",
    b"march",
    b"april",
    b"may",
    b"june",
    b"july",
    b"august",
    b"september",
    b"october",
    b"november",
    b"december",
    b"monday",
    b"tuesday",
    b"wednesday",
    b"thursday",
    b"friday",
    b"saturday",
    b"sunday",
];

/// `Jun`, `TUE`, `March`, `Sunday`: a capitalised month or weekday name or abbreviation.
#[inline]
fn is_date_name(w: &[u8]) -> bool {
    if !(3..=9).contains(&w.len()) || !w[0].is_ascii_uppercase() {
        return false;
    }
    if !is_date_word([w[0], w[1], w[2]]) {
        return false;
    }
    if w.len() == 3 {
        return w.iter().all(u8::is_ascii_alphabetic);
    }
    FULL_DATE_NAMES.iter().any(|f| f.eq_ignore_ascii_case(w))
}

/// Size and duration units that follow a number as a separate word.
pub(in super::super) fn is_unit(w: &[u8]) -> bool {
    const UNITS: &[&[u8]] = &[
        b"B", b"KB", b"MB", b"GB", b"TB", b"KiB", b"MiB", b"GiB", b"TiB", b"kB", b"bytes", b"ms",
        b"us", b"ns", b"s", b"sec", b"secs", b"seconds", b"min", b"mins", b"minutes", b"h",
        b"hours",
    ];
    // Every unit is a word of one to seven letters: other tokens are out before the list.
    (1..=7).contains(&w.len()) && w[0].is_ascii_alphabetic() && UNITS.contains(&w)
}

/// Whether a byte can be part of a number written in parentheses (`1234`, `12.5%`, `-3`).
fn numberish(c: u8) -> bool {
    c.is_ascii_digit() || matches!(c, b'.' | b',' | b'%' | b'-' | b'+')
}

/// `(1234)`, `(12%),` or `(1234` followed by a unit word and `)`: a parenthesised number (with
/// an optional unit) that restates the variable before it. Returns how many bytes after `tok`
/// it also covers (the unit word) and the punctuation after the `)` to keep.
pub(super) fn paren_restatement<'a>(tok: &'a [u8], after: &'a [u8]) -> Option<(usize, &'a [u8])> {
    let inner = tok.strip_prefix(b"(")?;
    if !inner.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let n = inner.iter().take_while(|&&c| numberish(c)).count();
    if let Some(rest) = inner[n..].strip_prefix(b")") {
        return rest
            .iter()
            .all(u8::is_ascii_punctuation)
            .then_some((0, rest));
    }
    if n != inner.len() {
        return None;
    }
    // The unit is the next word: `(1234 bytes)`.
    let ws = after.iter().take_while(|c| c.is_ascii_whitespace()).count();
    if ws == 0 || ws > 1 {
        return None;
    }
    let word_len = after[ws..]
        .iter()
        .take_while(|c| !c.is_ascii_whitespace())
        .count();
    let word = &after[ws..ws + word_len];
    let close = memchr::memchr(b')', word)?;
    let rest = &word[close + 1..];
    (close > 0 && is_unit(&word[..close]) && rest.iter().all(u8::is_ascii_punctuation))
        .then_some((ws + word_len, rest))
}
