//! Failure class: an indented line that is an event of its own, not the body of the record
//! above it. A tool writes its own one-line notices indented under its logger's records (a
//! generator's `  Writing <path> ... done`, a command's `  FAILED: <reason>` echoed under the
//! error it logged): such a line follows heads of several kinds, one line alone, and what
//! happened is said by the line itself. The sample tells it: in a mostly headed source, the
//! indented lines whose first word is one capitalised word ([`indented_kind`]) seen at least
//! [`LONE_MIN`] times, alone ([`LONE_SHARE`] of the times at least: the line above a finished
//! head with the file's header, the line below not indented; the rest may fall anywhere, as
//! when such notices follow one another) and under heads of two kinds or more (their messages'
//! first words of letters, as [`head_kind`] reads them, or else their first words, differ). In
//! the file, such a line under a plain head that announced no list opens an event.
//! Left alone: a body indented under its head (a traceback's frames and a stack trace come in
//! runs; a value or list announced by `:` or an opening bracket; a note always printed under the
//! same kind of head), a headerless source, a console that wraps its long messages. A bullet
//! line under a head that announced no list is an event of its own too ([`is_bullet`]).

use super::super::header::Split;
use super::body::{mostly_headed, opens_body, typed_header};
use super::paired_body::{head_kind, holds_kind, kept_kinds, KindTally};
use super::{EventParser, Mode, Splitter};

/// Times the sample must show an indented kind.
const LONE_MIN: usize = 3;
/// Share of those times (numerator, denominator) it must be alone under a finished head.
const LONE_SHARE: (usize, usize) = (2, 3);

/// The kind of an indented line: its first word when that is one capitalised word of letters
/// (`Writing`, `FAILED`, with one `:` after it), as a message opens; `None` for anything else (a
/// frame's `at`, a number, a path, a quote, a bracket, a bullet).
pub(super) fn indented_kind(t: &str) -> Option<&str> {
    let w = t.split_ascii_whitespace().next()?;
    let w = w.strip_suffix(':').unwrap_or(w);
    (w.len() >= 2
        && w.starts_with(|c: char| c.is_ascii_uppercase())
        && w.bytes().all(|b| b.is_ascii_alphabetic()))
    .then_some(w)
}

/// The indented kinds of a mostly headed sample that are lines of their own (see the module
/// doc); sorted. Empty for most sources, and for a console that wraps its messages (`wraps`):
/// its indented lines are the rest of a message.
pub(super) fn lone_kinds<'a>(
    sample: &[&'a str],
    wraps: bool,
    split: impl Fn(&'a str) -> (Split<'a>, bool),
) -> Vec<Box<str>> {
    let indented = |l: &str| l.starts_with([' ', '\t']);
    if wraps
        || !sample
            .iter()
            .any(|l| indented(l) && indented_kind(l.trim_start()).is_some())
    {
        return Vec::new();
    }
    let headed = |l: &'a str| {
        let (s, has) = split(l);
        has && typed_header(&s)
    };
    if !mostly_headed(sample, &headed) {
        return Vec::new();
    }
    // kind -> (times, times alone under a finished head, the first head kind, a second one seen)
    let mut seen: Vec<KindTally<'_>> = Vec::new();
    for (i, line) in sample.iter().enumerate() {
        if !indented(line) {
            continue;
        }
        let Some(kind) = indented_kind(line.trim_start()) else {
            continue;
        };
        let above = i.checked_sub(1).map(|j| sample[j]);
        let below_apart = sample.get(i + 1).is_none_or(|b| !indented(b));
        let head = above
            .filter(|a| !indented(a) && !opens_body(a))
            .and_then(|a| {
                let (s, has) = split(a);
                (has && typed_header(&s))
                    .then(|| head_kind(s.message).or(s.message.split_ascii_whitespace().next()))
                    .flatten()
            });
        let alone = usize::from(below_apart && head.is_some());
        let head = head.unwrap_or("");
        match seen.iter_mut().find(|e| e.0 == kind) {
            Some(e) => {
                e.1 += 1;
                e.2 += alone;
                e.4 |= !head.is_empty() && head != e.3;
            }
            None => seen.push((kind, 1, alone, head, false)),
        }
    }
    kept_kinds(seen, |&(_, times, alone, _, several)| {
        times >= LONE_MIN && alone * LONE_SHARE.1 >= times * LONE_SHARE.0 && several
    })
}

impl Splitter {
    /// Whether an indented line (`t`, its text) is of a kind the sample shows standing alone
    /// ([`lone_kinds`]).
    fn stands_alone(&self, t: &str) -> bool {
        !self.lone.is_empty() && holds_kind(&self.lone, indented_kind(t))
    }
}

/// A bullet item: `* text` or `• text` (the marker, one blank, then a word). A dash is
/// not one: YAML and diffs indent `- ` lines under the line they belong to.
pub(super) fn is_bullet(t: &str) -> bool {
    let rest = t.strip_prefix("* ").or_else(|| t.strip_prefix("\u{2022} "));
    rest.and_then(|r| r.chars().next())
        .is_some_and(char::is_alphabetic)
}

impl EventParser<'_> {
    /// Whether an indented line (`t`, its text) under a plain head is an event of its own: a
    /// bullet line (` * Running on …`, a dev server's banner) or a notice of a kind the sample
    /// shows standing alone (see the module doc), unless it lists what its head announced
    /// (`…:`). Inside a traceback or a stack trace, neither.
    pub(super) fn indented_is_event(&self, t: &str) -> bool {
        self.mode == Mode::Plain
            && !self.head_opens_list
            && (is_bullet(t) || self.splitter.stands_alone(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_indented_kind_is_one_capitalised_word() {
        assert_eq!(
            indented_kind("Writing /alpha/beta ... done"),
            Some("Writing")
        );
        assert_eq!(indented_kind("GAMMA: delta refused"), Some("GAMMA"));
        assert_eq!(indented_kind("at alpha.Beta.gamma(Beta.java:3)"), None);
        assert_eq!(indented_kind("File \"/a.py\", line 3, in b"), Some("File"));
        assert_eq!(indented_kind("12 epsilon"), None);
        assert_eq!(indented_kind("- zeta"), None);
        assert_eq!(indented_kind("\"eta\": 3,"), None);
        assert_eq!(indented_kind("X"), None);
        assert_eq!(indented_kind(""), None);
    }
}
