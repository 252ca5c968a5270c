//! Failure class: a stack written one headed line at a time. A tagged logger (a request id in
//! brackets after the header) writes an exception as a record with an empty message, then the
//! exception line, blank lines and the frames, each as a record of the same level and tag.
//! The lines after the empty record that carry its level and its tag and hold only an
//! exception line, a blank or a frame at the margin are part of its event: one event, one
//! error. Any other line ends the block.

use super::EventParser;
use crate::log_digest::multiline::{is_exception_type, is_margin_frame, looks_like_exception};

/// The tag of a record whose message is empty apart from it (`[tag]`, or nothing: `Some("")`),
/// with the separator a header model may leave in front of it (`: [tag]`); `None` for a
/// record that says something.
pub(super) fn empty_record_tag(message: &str) -> Option<&str> {
    let m = message
        .trim_start_matches(|c: char| c == ':' || c == '-' || c.is_ascii_whitespace())
        .trim_end();
    if m.is_empty() {
        return Some("");
    }
    let inner = m.strip_prefix('[')?.strip_suffix(']')?;
    (!inner.is_empty() && !inner.contains([' ', '[', ']'])).then_some(m)
}

/// Whether a headed line of the block's level continues the block opened by an empty record
/// with `tag`: it carries the tag, and after it holds a blank, an exception line or a frame.
pub(super) fn continues(line: &str, message: &str, tag: &str) -> bool {
    if !tag.is_empty() && memchr::memmem::find(line.as_bytes(), tag.as_bytes()).is_none() {
        return false;
    }
    let m = message
        .trim_start_matches(|c: char| c == ':' || c == '-' || c.is_ascii_whitespace())
        .trim_start();
    let m = m.strip_prefix(tag).unwrap_or(m).trim();
    m.is_empty() || is_margin_frame(m) || looks_like_exception(m) || is_scoped_exception(m)
}

impl EventParser<'_> {
    /// Whether the last head was a record that says nothing but its tag (see
    /// [`EventParser::empty_record_message`]).
    pub fn opened_empty_record(&self) -> bool {
        self.trace_block.is_some()
    }

    /// The message an event opened by an empty record takes (see the module doc): the last
    /// head said nothing but its tag (`: [tag]`), so the template it would give holds no word
    /// (`: [<*>]`) and every stack written after such a record would be one event, whatever
    /// its exception. When `next`, the line after the head, continues the block and says
    /// something, its text (behind the tag) is the event's message. `None` for any other head,
    /// and when the next line is blank or holds no word.
    pub fn empty_record_message(&self, next: &str) -> Option<String> {
        let tag = self.trace_block.as_deref()?;
        let (split, has_header) = self.splitter.split(next);
        let goes_on = has_header
            && split.level.is_some()
            && split.level == self.head_level
            && continues(next, split.message, tag);
        goes_on
            .then(|| said(split.message, tag))
            .flatten()
            .map(str::to_owned)
    }
}

/// What the first line of a block says, once its separator and `tag` are taken off: the text
/// that names the event an empty record opens (the exception line under `: [tag]`), when it
/// holds a word (a letter); `None` for a blank or a line of numbers and punctuation only.
pub(super) fn said<'a>(message: &'a str, tag: &str) -> Option<&'a str> {
    let m = message
        .trim_start_matches(|c: char| c == ':' || c == '-' || c.is_ascii_whitespace())
        .trim_start();
    let m = m.strip_prefix(tag).unwrap_or(m).trim();
    m.contains(char::is_alphabetic).then_some(m)
}

/// An exception line that puts its message in parentheses after the type (`Alpha::BetaGamma
/// (delta epsilon):`, `ThetaError (iota kappa):`), as a web framework's error page writes it to
/// the log: the type is scoped with `::` or names an error or an exception.
fn is_scoped_exception(m: &str) -> bool {
    let Some((ty, rest)) = m.split_once(" (") else {
        return false;
    };
    let scoped = ty.contains("::")
        && ty.starts_with(|c: char| c.is_ascii_uppercase())
        && ty
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':');
    (scoped || is_exception_type(ty)) && (rest.ends_with("):") || rest.ends_with(')'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_record_is_one_with_nothing_but_its_tag() {
        // Class: the record that opens a stack written line by line says nothing itself.
        assert_eq!(empty_record_tag("   "), Some(""));
        assert_eq!(empty_record_tag(": [a1b2-c3]   "), Some("[a1b2-c3]"));
        assert_eq!(empty_record_tag("[a1b2-c3]"), Some("[a1b2-c3]"));
        // Must not fire: a record with words, a bracketed phrase, a tag followed by words.
        assert_eq!(empty_record_tag("alpha beta"), None);
        assert_eq!(empty_record_tag("[alpha beta]"), None);
        assert_eq!(empty_record_tag("[a1b2] alpha"), None);
    }

    #[test]
    fn a_block_goes_on_with_exception_blank_and_frame_lines_of_its_tag() {
        // Class: the lines of a stack written one record at a time, behind the same tag.
        let tag = "[a1b2-c3]";
        assert!(continues(
            "X [a1b2-c3] Alpha::Beta (gamma delta):",
            "Alpha::Beta (gamma delta):",
            tag
        ));
        assert!(continues("X : [a1b2-c3]   ", ": [a1b2-c3]   ", tag));
        assert!(continues(
            "X [a1b2-c3] lib/eta.rb:12:in 'theta'",
            "lib/eta.rb:12:in 'theta'",
            tag
        ));
        assert!(continues(
            "X [a1b2-c3] KappaError: iota",
            "KappaError: iota",
            tag
        ));
        assert!(continues(
            "X [a1b2-c3] KappaError (iota 'mu' for nu):",
            "KappaError (iota 'mu' for nu):",
            tag
        ));
        // Must not fire: another tag, a line with words, a scoped name that is no exception.
        assert!(!continues(
            "X [ffff-00] lib/eta.rb:12:in 'theta'",
            "lib/eta.rb:12:in 'theta'",
            tag
        ));
        assert!(!continues(
            "X [a1b2-c3] alpha beta done",
            "alpha beta done",
            tag
        ));
        assert!(!continues(
            "X [a1b2-c3] Alpha::Beta started",
            "Alpha::Beta started",
            tag
        ));
    }
}
