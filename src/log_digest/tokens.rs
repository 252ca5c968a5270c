//! The tokens of a line's leading part and their shapes, for header detection
//! ([`super::header`]): a scan that stops at whitespace (a `[bracketed field]` spans spaces, a
//! `|` is a field of its own, a level glued to its logger by colons is cut), and the shape class
//! of each token (time-like, level, month/day name, separator, host/id, bracket, word), worked
//! out once per token from byte tables.

use super::header::Level;
use super::levels;

/// The shape class of a header token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Shape {
    Time,
    Level,
    DateWord,
    Dash,
    HostId,
    Bracket,
    Word,
}

impl Shape {
    pub(super) fn is_headerish(self) -> bool {
        !matches!(self, Shape::Word)
    }

    /// A date, a time, a month name or a bracketed field: after such fields only, a lower-case
    /// level word is a header's level (class: one logger writing its level in upper case, in
    /// lower case or not at all); after a word (a logger's `name:`, message text) it is message.
    pub(super) fn is_typed_field(self) -> bool {
        matches!(self, Shape::Time | Shape::Bracket | Shape::DateWord)
    }
}

/// A three-letter month or weekday abbreviation, in any case: one match on the lower-cased
/// bytes, not a scan of a word list (asked of many header tokens).
pub(super) fn is_date_word(w: [u8; 3]) -> bool {
    matches!(
        &w.map(|c| c.to_ascii_lowercase()),
        b"jan"
            | b"feb"
            | b"mar"
            | b"apr"
            | b"may"
            | b"jun"
            | b"jul"
            | b"aug"
            | b"sep"
            | b"oct"
            | b"nov"
            | b"dec"
            | b"mon"
            | b"tue"
            | b"wed"
            | b"thu"
            | b"fri"
            | b"sat"
            | b"sun"
    )
}

pub(super) const BYTE_DIGIT: u8 = 1;
pub(super) const BYTE_ALPHA: u8 = 2;
/// Neither a digit nor one of a time's separators (`-:/.,+TZ`).
pub(super) const BYTE_NOT_TIME: u8 = 4;
/// `/` (a level before a name: `W/worker`).
pub(super) const BYTE_SLASH: u8 = 8;
/// `.` (a level after a channel: `main.ERROR:`).
pub(super) const BYTE_DOT: u8 = 16;

/// What each byte says about a token's [`shape`]: one look-up per byte instead of a chain of
/// comparisons (every leading token of every line is shaped).
pub(super) static TOKEN_BYTE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = if b.is_ascii_digit() {
            BYTE_DIGIT
        } else {
            let time_sep = matches!(b, b'-' | b':' | b'/' | b'.' | b',' | b'+' | b'T' | b'Z');
            (if b.is_ascii_alphabetic() {
                BYTE_ALPHA
            } else {
                0
            }) | (if time_sep { 0 } else { BYTE_NOT_TIME })
                | (if b == b'/' { BYTE_SLASH } else { 0 })
                | (if b == b'.' { BYTE_DOT } else { 0 })
        };
        c += 1;
    }
    t
};

pub(super) fn shape(tok: &str) -> Shape {
    let t = tok.as_bytes();
    // Trim brackets, commas and parentheses, then one trailing colon.
    let trim = |c: u8| matches!(c, b'[' | b']' | b',' | b'(' | b')');
    let mut s = 0;
    let mut e = t.len();
    while s < e && trim(t[s]) {
        s += 1;
    }
    while e > s && trim(t[e - 1]) {
        e -= 1;
    }
    if e > s && t[e - 1] == b':' {
        e -= 1;
    }
    let b = &t[s..e];
    // A lone separator between header fields and the message (`:`, `-`, `|`, `--`, `---`).
    if is_separator(t) {
        return Shape::Dash;
    }
    if b.is_empty() {
        return Shape::Word;
    }
    let kinds = b.iter().fold(0, |k, &c| k | TOKEN_BYTE[usize::from(c)]);
    let (digit, alpha) = (kinds & BYTE_DIGIT != 0, kinds & BYTE_ALPHA != 0);
    let timeish = kinds & BYTE_NOT_TIME == 0;
    // A separator or a one-character mark (`-`, `|`, Redis's `*`/`#`/`.`).
    if b == b"-" || b == b"|" || (t.len() == 1 && !t[0].is_ascii_alphanumeric()) {
        return Shape::Dash;
    }
    // A glued letter (`I0301`) is a letter then digits: a token without both is not asked.
    if (alpha && digit && levels::glued_letter(tok).is_some())
        || (alpha && kinds & BYTE_SLASH != 0 && levels::slash_prefixed(tok).is_some())
        || (alpha && kinds & BYTE_DOT != 0 && levels::channel_suffixed(tok).is_some())
        || (alpha && digit && t[0].is_ascii_uppercase() && levels::glued_bracket(tok).is_some())
    {
        return Shape::Level;
    }
    if digit && timeish {
        return Shape::Time;
    }
    if !digit && alpha {
        if b.len() <= 13
            && (b.len() > 1 || b[0].is_ascii_uppercase())
            && Level::parse(tok).is_some()
        {
            return Shape::Level;
        }
        if b.len() == 3 && is_date_word([b[0], b[1], b[2]]) {
            return Shape::DateWord;
        }
    }
    if t.len() >= 2 && t[0] == b'[' && (tok.ends_with(']') || tok.ends_with("]:")) {
        return Shape::Bracket;
    }
    // A `key=value` pair is message, not a host or id field.
    if digit && alpha && !tok.ends_with(':') && !tok.contains('=') {
        return Shape::HostId;
    }
    Shape::Word
}

/// One non-ASCII character that is neither a letter nor a digit (`¦`, `»`, `•`): a drawn mark.
pub(super) fn is_glyph(tok: &str) -> bool {
    let t = tok.as_bytes();
    (2..=4).contains(&t.len())
        && t[0] >= 0x80
        && tok.chars().nth(1).is_none()
        && tok.chars().next().is_some_and(|c| !c.is_alphanumeric())
}

/// A token that only separates fields: `:`, `|`, or a run of up to three `-`.
pub(super) fn is_separator(t: &[u8]) -> bool {
    matches!(t, b":" | b"|" | b"-" | b"--" | b"---")
}

/// A bracketed field that carries a clock time or a level among its parts
/// (`[2024-03-01 09:00:07,037: INFO/MainProcess]`, `[2024-03-01T09:00:35Z INFO  bot::feed]`,
/// `[Fri Mar 01 09:00:04.729237 2024]`): a whole header in one field.
pub(super) fn is_header_bracket(tok: &str) -> bool {
    // A clock has a colon: a field without one is not split into parts.
    tok.starts_with('[')
        && ((tok.contains(':')
            && tok
                .split(|c: char| c.is_whitespace() || c == '[' || c == ']')
                .any(is_clock))
            || levels::in_field(tok).is_some())
}

/// `09:00:07,037`, `2024-03-01T09:00:35Z`: digits and time separators with a colon.
pub(super) fn is_clock(p: &str) -> bool {
    let p = p.trim_end_matches(':');
    p.len() >= 5
        && p.contains(':')
        && p.bytes().filter(u8::is_ascii_digit).count() >= 4
        && p.bytes().all(|c| {
            c.is_ascii_digit() || matches!(c, b'-' | b':' | b'/' | b'.' | b',' | b'+' | b'T' | b'Z')
        })
}

/// Whether a token of shape `got` fits a column expecting `want`: a host column also takes a
/// host name without digits.
pub(super) fn compatible(want: Shape, got: Shape) -> bool {
    want == got || (want == Shape::HostId && got == Shape::Word)
}

/// At most this many leading tokens are ever looked at.
pub(super) const MAX_SPANS: usize = 16;

/// The bytes that end or nest a header token: ASCII white space, `[`, `]` and `|`.
pub(super) static SPAN_STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_whitespace() || matches!(b, b'[' | b']' | b'|');
        c += 1;
    }
    t
};

/// Tokens of a line that may be a level glued to the fields after it (the first, or one after
/// a date, a time and a zone).
const GLUED_LEVEL_REACH: usize = 4;

/// Byte offsets of the leading whitespace-separated tokens of a line. A token opening a `[`
/// keeps going to its matching `]` (thread names such as `[IPC Server handler 5]`), within
/// 200 bytes; a `|` outside brackets is a token of its own.
///
/// Tokens are scanned on demand and each token's [`shape`] is worked out once: splitting a line
/// asks for the shapes of its first tokens from the model, then again from the fallback.
pub(super) struct Spans {
    at: [(usize, usize); MAX_SPANS],
    len: usize,
    /// Where scanning stopped.
    pos: usize,
    /// The first token was a level glued to the next field by a colon.
    chain: bool,
    /// The shape of each known token, once asked for.
    shapes: [Option<Shape>; MAX_SPANS],
    /// Tokens a caller counts on being looked at (see [`Spans::lazy`]), scanned or not.
    pub(super) promised: usize,
}

impl Spans {
    pub(super) fn of(line: &str, max: usize) -> Self {
        let mut out = Self::lazy(0);
        out.ensure(line, max);
        out
    }

    /// Nothing scanned yet; `promised` tokens will be scanned before the fallback split reads
    /// past its usual reach, so it sees what it would have seen had they been scanned at once.
    pub(super) fn lazy(promised: usize) -> Self {
        Spans {
            at: [(0, 0); MAX_SPANS],
            len: 0,
            pos: 0,
            chain: false,
            shapes: [None; MAX_SPANS],
            promised,
        }
    }

    /// The shape of token `i` (scanning on to it), `None` past the line's last token.
    pub(super) fn shape(&mut self, line: &str, i: usize) -> Option<Shape> {
        if i >= self.len {
            self.ensure(line, i + 1);
            if i >= self.len {
                return None;
            }
        }
        if self.shapes[i].is_none() {
            let (s, e) = self.at[i];
            self.shapes[i] = Some(shape(&line[s..e]));
        }
        self.shapes[i]
    }

    /// Scans on until `max` tokens are known (or the line ends). Most calls ask for tokens
    /// already known: they return here, before any scan.
    #[inline]
    pub(super) fn ensure(&mut self, line: &str, max: usize) {
        if self.len < max.min(MAX_SPANS) && self.pos < line.len() {
            self.scan(line, max.min(MAX_SPANS));
        }
    }

    fn scan(&mut self, line: &str, max: usize) {
        let b = line.as_bytes();
        let mut i = self.pos;
        while i < b.len() && self.len < max {
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            if i >= b.len() {
                break;
            }
            let s = i;
            let mut depth = 0i32;
            while i < b.len() {
                let c = b[i];
                // Most bytes are none of the ones that matter here: one table look-up each.
                if !SPAN_STOP[usize::from(c)] {
                    i += 1;
                    continue;
                }
                match c {
                    b'[' => depth += 1,
                    b']' => depth -= 1,
                    // A `|` outside brackets is a field separator of its own, also when glued
                    // to the fields around it (`time|component|pid|message`).
                    b'|' if depth <= 0 => {
                        if i == s {
                            i += 1;
                        }
                        break;
                    }
                    // Only a token that opens with `[` spans spaces (`[IPC Server handler 5]`);
                    // a bracket inside a name (`a.[b].[c]`) does not.
                    c if c.is_ascii_whitespace() && (depth <= 0 || b[s] != b'[' || i - s > 200) => {
                        break
                    }
                    _ => {}
                }
                i += 1;
            }
            // A level glued to the fields after it by colons (`WARNING:root:message`, Python
            // logging's default, also behind a time: `[<time>] WARNING:root:message`):
            // `WARNING:` and `root:` are tokens of their own.
            if self.len < GLUED_LEVEL_REACH || self.chain {
                let first = !self.chain;
                let cut = glued_colon(&b[s..i], first);
                if let Some(c) = cut {
                    i = s + c + 1;
                }
                self.chain = first && cut.is_some();
            }
            self.at[self.len] = (s, i);
            self.len += 1;
            // A list of addresses written with `, ` (a forwarded-for chain) is one field: its
            // first item stands for it (and gives its shape), the others are skipped.
            if b[i - 1] == b',' {
                i = address_list_end(b, s, i);
            }
        }
        self.pos = i;
    }

    pub(super) fn get(&self) -> &[(usize, usize)] {
        &self.at[..self.len]
    }
}

/// An address (`203.0.113.7`, `2001:db8::1`): hex digits with `.` or `:` between them, and a
/// decimal digit.
fn is_address(t: &[u8]) -> bool {
    t.len() >= 3
        && t.iter().any(u8::is_ascii_digit)
        && t.iter().any(|&c| c == b'.' || c == b':')
        && t.iter()
            .all(|&c| c.is_ascii_hexdigit() || c == b'.' || c == b':')
}

/// Where a list of addresses written with `, ` ends (`203.0.113.7, 10.0.0.2`: the chain of
/// proxies a request went through, one field of an access log), when the token `b[s..e]`
/// is its first item (it ends in a comma); `e` when it is not a list of addresses.
fn address_list_end(b: &[u8], s: usize, e: usize) -> usize {
    let mut end = e;
    while end > s + 1 && b[end - 1] == b',' && is_address(&b[s.max(last_item(b, s, end))..end - 1])
    {
        let next = end + 1;
        if b.get(end) != Some(&b' ') || next >= b.len() {
            break;
        }
        let stop = b[next..]
            .iter()
            .position(u8::is_ascii_whitespace)
            .map_or(b.len(), |p| next + p);
        let item = b[next..stop].strip_suffix(b",").unwrap_or(&b[next..stop]);
        if !is_address(item) {
            break;
        }
        end = stop;
    }
    end
}

/// Where the last item of a list token `b[s..end]` starts (after its last `, `).
fn last_item(b: &[u8], s: usize, end: usize) -> usize {
    memchr::memmem::rfind(&b[s..end], b", ").map_or(s, |p| s + p + 2)
}

/// Where a token such as `WARNING:root:msg` is cut: after its first colon, when the part before
/// it is a level word (`first`) or a name (the field after a glued level), and text follows.
pub(super) fn glued_colon(tok: &[u8], first: bool) -> Option<usize> {
    // Most first tokens are dates or numbers: out before any scan. A logger name after a
    // glued level may start with `_` (`INFO:__main__:message`).
    if !tok
        .first()
        .is_some_and(|&b| b.is_ascii_alphabetic() || (!first && b == b'_'))
    {
        return None;
    }
    // A level word is letters only: for a first token the colon that counts is its first
    // byte that is not a letter, found in the few bytes of a word (most first tokens with a
    // letter are a level or a word, no colon: no search of the whole token).
    let c = if first {
        tok.iter()
            .position(|b| !b.is_ascii_alphabetic())
            .filter(|&c| tok[c] == b':')?
    } else {
        memchr::memchr(b':', tok)?
    };
    let (head, rest) = (&tok[..c], &tok[c + 1..]);
    if c == 0 || rest.is_empty() || rest[0] == b':' || rest[0] == b'/' {
        return None;
    }
    let ok = if first {
        // `head` is letters only (see above).
        c >= 3 && std::str::from_utf8(head).is_ok_and(|h| Level::parse(h).is_some())
    } else {
        head.iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    };
    ok.then_some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Class: a field holding a list of addresses written with `, ` (the chain of proxies a
    /// request went through) is one field, its first item standing for it, so a line whose field
    /// holds a list has the same columns as one whose field holds one address; a list of
    /// anything else, or a time followed by a comma and a word, is not joined.
    #[test]
    fn a_list_of_addresses_is_one_field() {
        let one = "203.0.113.7 - - [01/May/2024:10:00:00 +0000] x";
        let list = "203.0.113.7, 10.0.0.2, 2001:db8::1 - - [01/May/2024:10:00:00 +0000] x";
        let shapes = |l: &str| -> Vec<Shape> {
            Spans::of(l, 4)
                .get()
                .iter()
                .map(|&(s, e)| shape(&l[s..e]))
                .collect()
        };
        assert_eq!(shapes(one), shapes(list));
        assert_eq!(Spans::of(list, 2).get(), &[(0, 12), (35, 36)]);
        let timed = "2016-09-28 04:30:30, Info CBS loaded";
        assert_eq!(Spans::of(timed, 3).get().len(), 3);
        assert_eq!(shape(&timed[11..20]), Shape::Time);
        let words = "alpha, beta gamma";
        assert_eq!(Spans::of(words, 2).get(), &[(0, 6), (7, 11)]);
    }

    #[test]
    fn tokens_scanned_on_demand_are_the_tokens_of_one_scan() {
        let long = format!("[thread {}] x y", "w ".repeat(120));
        let lines = [
            "WARNING:root:disk almost full",
            "2024-01-02 10:00:00,001 [main worker 3] INFO  a.b: started",
            "t|comp|42|message text here",
            "[a|b] c|d e",
            "  padded   start\tand tabs ",
            long.as_str(),
            "",
        ];
        for line in lines {
            let eager = Spans::of(line, MAX_SPANS);
            let mut lazy = Spans::lazy(0);
            for i in (0..MAX_SPANS).chain(0..MAX_SPANS) {
                let want = eager.get().get(i).map(|&(s, e)| shape(&line[s..e]));
                assert_eq!(lazy.shape(line, i), want, "{line:?} token {i}");
            }
            assert_eq!(lazy.get(), eager.get(), "{line:?}");
        }
    }

    /// [`glued_colon`] as first written (a search for the token's first colon, then its head
    /// checked letter by letter): the early exit on a first token's first non-letter must
    /// never change an answer.
    fn glued_colon_by_search(tok: &[u8], first: bool) -> Option<usize> {
        if !tok
            .first()
            .is_some_and(|&b| b.is_ascii_alphabetic() || (!first && b == b'_'))
        {
            return None;
        }
        let c = memchr::memchr(b':', tok)?;
        let (head, rest) = (&tok[..c], &tok[c + 1..]);
        if c == 0 || rest.is_empty() || rest[0] == b':' || rest[0] == b'/' {
            return None;
        }
        let ok = if first {
            c >= 3
                && head.iter().all(u8::is_ascii_alphabetic)
                && std::str::from_utf8(head).is_ok_and(|h| Level::parse(h).is_some())
        } else {
            head.iter()
                .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        };
        ok.then_some(c)
    }

    #[test]
    fn glued_colon_exits_early_without_changing_an_answer() {
        let heads = [
            "WARNING", "info", "Err", "alpha", "a1", "al.pha", "_x", "E", "", "2024",
        ];
        let tails = [
            "",
            ":",
            "::",
            ":/",
            ":beta",
            ":beta:gamma",
            ".x:beta",
            "-1:beta",
            " :b",
        ];
        for head in heads {
            for tail in tails {
                let tok = format!("{head}{tail}");
                for first in [true, false] {
                    assert_eq!(
                        glued_colon(tok.as_bytes(), first),
                        glued_colon_by_search(tok.as_bytes(), first),
                        "{tok:?} {first}"
                    );
                }
            }
        }
        assert_eq!(glued_colon(b"WARNING:root:x", true), Some(7));
    }

    #[test]
    fn token_byte_table_says_what_each_byte_is() {
        for c in 0..=255u8 {
            let k = TOKEN_BYTE[usize::from(c)];
            assert_eq!(k & BYTE_DIGIT != 0, c.is_ascii_digit(), "{c}");
            assert_eq!(k & BYTE_ALPHA != 0, c.is_ascii_alphabetic(), "{c}");
            let time_part = c.is_ascii_digit() || b"-:/.,+TZ".contains(&c);
            assert_eq!(k & BYTE_NOT_TIME == 0, time_part, "{c}");
            assert_eq!(k & BYTE_SLASH != 0, c == b'/', "{c}");
            assert_eq!(k & BYTE_DOT != 0, c == b'.', "{c}");
            let stop = c.is_ascii_whitespace() || b"[]|".contains(&c);
            assert_eq!(SPAN_STOP[usize::from(c)], stop, "{c}");
        }
        assert_eq!(shape("2024-01-02T10:00:00Z"), Shape::Time);
        assert_eq!(shape("[WARN]"), Shape::Level);
        assert_eq!(shape("node-7"), Shape::HostId);
        assert_eq!(shape("Tue"), Shape::DateWord);
        assert_eq!(shape("worker"), Shape::Word);
    }
}
