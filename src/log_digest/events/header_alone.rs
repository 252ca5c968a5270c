//! Failure class: records whose head line holds the header alone (a time stamp, a level, a
//! tag), with the message on the next line(s): a logger that writes a report banner
//! (`=WORD REPORT==== date ===`), a bracketed `[date time] [LEVEL]` line, or a format string
//! that ends in a line break. Without this every such head becomes an event of its own that
//! says nothing, and its message line another one without the record's level.
//!
//! What tells such a head: its own shape (every token is a date or clock, an upper-case word
//! or punctuation, and one of them is a clock), and the sample showing the shape several times,
//! each time followed by a line that is not one of its own shape. The event's message is the
//! first line after the head (the template is built from it); the level is the head's level
//! word, else the message's own (`LEVEL: text`); the lines after that, up to the next such
//! head, are its body.

use std::borrow::Cow;

use super::super::header::Level;
use super::super::http::is_http_method_word;
use super::body::typed_header;
use super::message_level::message_level;
use super::{EventParser, Line, Mode, Splitter};

/// Header-alone heads the sample must show, each followed by a message line, before the
/// source is read as writing its records that way.
const ALONE_MIN: usize = 3;
/// A header alone is a short line.
const ALONE_MAX_LEN: usize = 96;
/// At most this many tokens in a header alone.
const ALONE_MAX_TOKENS: usize = 8;

/// Whether `line` is a header with no message: at most a few tokens, each one a date or clock
/// (a digit in it, no lower-case word of more than three letters: a month's name is allowed),
/// a name of three letters at most (a month, a weekday, `PM`), an upper-case word of four
/// letters or more (a level, a tag) or punctuation alone, and one of them a clock
/// (`d:dd`).
pub(in crate::log_digest) fn header_alone(line: &str) -> Option<Alone> {
    let t = line.trim_end();
    if t.is_empty() || t.len() > ALONE_MAX_LEN || t.starts_with([' ', '\t']) {
        return None;
    }
    let mut clock = false;
    let mut level = None;
    for (n, tok) in t.split_ascii_whitespace().enumerate() {
        if n >= ALONE_MAX_TOKENS {
            return None;
        }
        let core = tok.trim_matches(|c: char| !c.is_ascii_alphanumeric());
        if core.is_empty() {
            continue;
        }
        // A request method: the line is an access log's request line (`ip - - [date] "GET /"
        // 200 2`), a whole message however short its target, not a header waiting for one.
        if is_http_method_word(core.as_bytes()) {
            return None;
        }
        if core.bytes().any(|b| b.is_ascii_digit()) {
            // A date or clock: its letters are a month's name at most.
            if core
                .split(|c: char| !c.is_ascii_alphabetic())
                .any(|w| w.len() > 3 || (w.len() > 1 && w.bytes().all(|b| b.is_ascii_lowercase())))
            {
                return None;
            }
            clock |= has_clock(core);
            continue;
        }
        // A month's or weekday's name, `AM`/`PM`.
        if core.len() <= 3
            && core.starts_with(|c: char| c.is_ascii_uppercase())
            && core.bytes().all(|b| b.is_ascii_alphabetic())
        {
            continue;
        }
        if core.len() >= 4
            && core
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b == b'_' || b == b'-')
        {
            if level.is_none() {
                level = Level::parse(core);
            }
            continue;
        }
        return None;
    }
    clock.then_some(Alone { level })
}

/// A header alone on its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::log_digest) struct Alone {
    /// The level word it carries, if any.
    pub(in crate::log_digest) level: Option<Level>,
}

/// A clock: a digit, `:`, two digits.
fn has_clock(tok: &str) -> bool {
    tok.as_bytes().windows(4).any(|w| {
        w[0].is_ascii_digit() && w[1] == b':' && w[2].is_ascii_digit() && w[3].is_ascii_digit()
    })
}

/// Whether the sample shows records written as a header alone and their message under it:
/// [`ALONE_MIN`] header-alone lines, each followed by a non-blank line that is not one too,
/// and none followed by another header alone (a file of bare time stamps is no such source).
/// `alone` tells a header alone ([`header_alone`], or [`Splitter::header_alone`]'s reading
/// behind the source's own header).
pub(super) fn writes_header_alone(sample: &[&str], alone: impl Fn(&str) -> Option<Alone>) -> bool {
    let mut pairs = 0;
    for w in sample.windows(2) {
        if alone(w[0]).is_none() {
            continue;
        }
        if alone(w[1]).is_some() || w[1].trim().is_empty() {
            return false;
        }
        pairs += 1;
    }
    pairs >= ALONE_MIN
}

impl Splitter {
    /// A header alone ([`header_alone`]), or one written as the message behind the source's
    /// own header: a logger whose records open with a report banner (`=WORD NOTE==== <date>
    /// ===`, a `[<date> <time>] [LEVEL]` line) and go through a second logger or a collector
    /// that puts its header before every line it writes (`[<time>: LEVEL/worker] =WORD
    /// NOTE==== <date> ===`), whatever that header's style. The level is the banner's, else
    /// the outer header's.
    pub(super) fn header_alone(&self, line: &str) -> Option<Alone> {
        if let Some(a) = header_alone(line) {
            return Some(a);
        }
        let (split, has) = self.split(line);
        if !has {
            return None;
        }
        header_alone(split.message).map(|a| Alone {
            level: a.level.or(split.level),
        })
    }
}

/// What the event parser keeps for records written as a header alone.
#[derive(Debug, Clone, Default)]
pub(super) struct State {
    /// The line after the one being classified (kept only where the source writes them).
    next_line: String,
    /// The last head was a header alone: the lines up to the next one are its record's.
    pub body: bool,
}

impl Splitter {
    /// Whether `line` is unindented and one of the source's inferred header models that names
    /// its line's source (a level column, a relay's program: [`names_source`](super::super::header::HeaderModel::names_source))
    /// reads it with a typed header, and it does not open with a level word (the test a header
    /// alone's next line fails to be its message): a record of its own, not a line of a
    /// report's body. Class: a one-line logger's records interleaved with records written as a
    /// header alone. A body line that merely opens with a date and a time, or with a level
    /// word, stays in the body.
    fn headed_by_a_model(&self, line: &str) -> bool {
        !line.starts_with([' ', '\t'])
            && std::iter::once(&self.model)
                .chain(&self.mixed)
                .chain(&self.rare)
                .chain(&self.longer)
                .filter(|m| m.names_source())
                .filter_map(|m| m.split_fitting(line))
                .any(|s| !s.header.is_empty() && typed_header(&s))
            && message_level(line.trim()).is_none()
    }
}

impl EventParser<'_> {
    /// Keeps the line after the next one classified (see [`EventParser::see_next`]).
    #[inline]
    pub(super) fn keep_next(&mut self, next: Option<&[u8]>) {
        if self.splitter.alone {
            self.alone.next_line.clear();
            if let Some(n) = next {
                self.alone.next_line.push_str(&String::from_utf8_lossy(n));
            }
        }
    }

    /// The line as a record written as a header alone reads it: a header alone whose message
    /// is the next line is a head, and the lines after it up to the next such head continue it,
    /// or up to a line of another format in the stream: one that a header model inferred from
    /// the sample reads with a typed header ([`Splitter::headed_by_a_model`]; a one-line format's
    /// records among the reports, as a process's stdout mixes two libraries' output).
    #[inline]
    pub(super) fn alone_line<'a>(&mut self, line: &'a str) -> Option<Line<'a>> {
        if !self.splitter.alone {
            return None;
        }
        if let Some(head) = self.header_alone_head(line) {
            return Some(head);
        }
        if self.alone.body && self.splitter.headed_by_a_model(line) {
            self.alone.body = false;
        }
        self.alone.body.then_some(Line::Continuation)
    }

    /// A head that is a header alone ([`header_alone`](self)): its record's message is the next
    /// line, unless that line is a head of its own (a header alone, or a line with a typed
    /// header that does not open with a level word).
    pub(super) fn header_alone_head<'a>(&mut self, line: &'a str) -> Option<Line<'a>> {
        let level = self.splitter.header_alone(line)?.level;
        let next = self.alone.next_line.trim();
        let (split, has) = self.splitter.split(&self.alone.next_line);
        let paired = !next.is_empty()
            && self.splitter.header_alone(&self.alone.next_line).is_none()
            && !(has && typed_header(&split) && message_level(next).is_none());
        if !paired {
            self.alone.body = false;
            return None;
        }
        self.mode = Mode::Plain;
        self.wrapping = false;
        self.trace_block = None;
        self.summary_only = false;
        self.header_open = false;
        self.body_open = false;
        self.field_col = 0;
        self.head_has_header = true;
        self.head_is_record = false;
        self.head_header_is_word = false;
        self.head_tells_failure = false;
        self.head_opens_list = false;
        self.head_header.clear();
        let level = level.or_else(|| message_level(next));
        self.head_level = level;
        self.alone.body = true;
        Some(Line::Head {
            header: line.trim_end(),
            message: Cow::Owned(next.to_owned()),
            level,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_alone_shapes_and_lines_that_are_not() {
        for (l, lvl) in [
            (
                "=WARN NOTE==== 3-Zap-2031::07:41:09.120044 ===",
                Some(Level::Warning),
            ),
            (
                "=ERROR NOTE==== 3-Zap-2031::07:41:09.120044 ===",
                Some(Level::Error),
            ),
            ("[2031-03-03 07:41:09] [ERROR]", Some(Level::Error)),
            ("2031-03-03 07:41:09,120 | INFO |", Some(Level::Info)),
            ("Zap 03, 2031 07:41:09 PM", None),
        ] {
            assert_eq!(header_alone(l), Some(Alone { level: lvl }), "{l:?}");
        }
        for l in [
            // A header with its message.
            "[2031-03-03 07:41:09] [ERROR] quorp failed to blick",
            // An access log's request line with a short target: a whole message.
            "10.2.3.4:5166 - - [03/Zap/2031:07:41:09] \"GET /\" 200 2",
            "[2031-03-03 07:41:09] POST / 204",
            "2031-03-03 07:41:09 wibble started",
            // No clock.
            "=ERROR NOTE==== ===",
            "ZORP BLAT",
            // Indented, or a traceback line.
            "  [2031-03-03 07:41:09] [ERROR]",
            "Traceback (most recent call last):",
            // A number next to words.
            "frobbed 12:30 grommets",
        ] {
            assert_eq!(header_alone(l), None, "{l:?}");
        }
    }

    #[test]
    fn a_source_writes_header_alone_only_when_its_heads_are_followed_by_messages() {
        let pairs = [
            "=INFO NOTE==== 3-Zap-2031::07:41:09.120044 ===",
            "quorp blicked 4 frames",
            "=INFO NOTE==== 3-Zap-2031::07:41:10.120044 ===",
            "quorp blicked 9 frames",
            "=ERROR NOTE==== 3-Zap-2031::07:41:11.120044 ===",
            "** wibble zonked",
        ];
        assert!(writes_header_alone(&pairs, header_alone));
        // Bare time stamps one after the other: a column of clocks, no records.
        let clocks = [
            "07:41:09 UTC",
            "07:41:10 UTC",
            "07:41:11 UTC",
            "07:41:12 UTC",
        ];
        assert!(!writes_header_alone(&clocks, header_alone));
        // A normal one-line format.
        let plain = [
            "[2031-03-03 07:41:09] [INFO] quorp blicked",
            "[2031-03-03 07:41:10] [INFO] quorp blicked",
            "[2031-03-03 07:41:11] [ERROR] wibble zonked",
        ];
        assert!(!writes_header_alone(&plain, header_alone));
    }
}
