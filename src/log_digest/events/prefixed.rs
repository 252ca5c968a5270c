//! The event parser's readings of lines that carry their own prefix: a JSON record behind a
//! header, an unindented body line under a headed record, and a message that goes on behind a
//! repeated header.

use super::{
    behind_header_level, is_record_of_its_own, json_record, links_traceback, Cow, EventParser,
    JsonModel, JsonRecord, Level, Line, Mode, TRACEBACK,
};
use crate::log_digest::multiline::looks_like_exception;

impl EventParser<'_> {
    /// Failure class 5 with class 2: a JSON record behind a prefix (a forwarder's or a
    /// runtime's header, a logger writing a record as its message), found where a ` {"` (or a
    /// tab and `{"`) opens an object that runs to the end of the line — whatever the header
    /// model made of the record's own fields. The prefix is the header; its level counts first.
    pub(super) fn record_behind_prefix<'a>(&mut self, line: &'a str) -> Option<Line<'a>> {
        let t = line.trim_end();
        if !t.ends_with('}') {
            return None;
        }
        // The object is set off by a blank: a space, or a tab where the header's fields are
        // tab-separated.
        let p = memchr::memmem::find(t.as_bytes(), b" {\"")
            .or_else(|| memchr::memmem::find(t.as_bytes(), b"\t{\""))?;
        let r = self.record_of(&t[p + 1..])?;
        let mut prefix = &line[..p];
        let (split, _) = self.splitter.split(prefix);
        let level = behind_header_level(split.level, r.level);
        let mut message = r.message;
        message.truncate(message.trim_end().len());
        if message.trim().is_empty() && !split.message.trim().is_empty() {
            // A payload without a message key after the message's own words: the words say
            // what happened, the payload's fields follow them.
            message.push_str(split.message.trim());
            prefix = split.header;
        }
        message.push_str(&r.fields);
        self.mode = Mode::Plain;
        self.head_has_header = true;
        self.head_level = level;
        Some(Line::Head {
            header: prefix,
            message: Cow::Owned(message.trim_start().to_owned()),
            level,
        })
    }

    /// A record behind a text header, read by the model the source's records taught (its
    /// context keys, its wrapped log lines' header, its level key: as when the records stand
    /// alone). A record without a message field is read with no model: its fields are all
    /// it says, none of them is context.
    pub(super) fn record_of(&self, object: &str) -> Option<JsonRecord> {
        let r = json_record(object, &self.splitter.json)?;
        if r.message.trim().is_empty() {
            return json_record(object, &JsonModel::default());
        }
        Some(r)
    }

    /// Failure class: unindented multi-line records. In a source where most lines open with a
    /// header, an unindented line without one (a statement echoed over lines, a request or
    /// response dumped line by line, a value pretty-printed over lines, a printed table) is part
    /// of the event above it, when that event's head had a header and its message ended
    /// unfinished ([`opens_body`]); the body runs to the next line with a header. After a
    /// finished message such a line is an event of its own (a banner a server prints between
    /// its logged lines). A line that is a record of
    /// its own is not: a `key=value` record, a line that opens with a level word, or one whose
    /// leading fields hold a clock, a date, a level or a bracketed field.
    pub(super) fn continues_headed_event(&self, line: &str) -> bool {
        self.splitter.headed && self.continues_paired_head(line, false)
    }

    /// Failure class: a record that always prints a line without a header under its head
    /// ([`paired_body`](super::paired_body)). As for a body after an unfinished message, the
    /// line continues the head when it is not indented, not blank, has no typed header of its
    /// own (`typed`) and is no record of its own.
    pub(super) fn continues_paired_head(&self, line: &str, typed: bool) -> bool {
        !typed
            && matches!(self.mode, Mode::Plain | Mode::Java)
            && self.head_has_header
            && !line.starts_with([' ', '\t'])
            && !line.trim_end().is_empty()
            && !is_record_of_its_own(line)
    }

    /// Whether the message of a line that carries its own header continues the open event:
    /// a traceback opened or continued behind a repeated prefix.
    /// `levelless`: the line's prefix carries no level of its own (a runtime's or a
    /// collector's prefix, not a logger's record).
    pub(super) fn message_continues(&mut self, m: &str, indented: bool, levelless: bool) -> bool {
        match self.mode {
            Mode::Plain => {
                if m.starts_with(TRACEBACK) {
                    self.open(Mode::Traceback);
                    return true;
                }
                // A stack trace's exception line (`pkg.NameException: text`) behind a
                // repeated prefix that carries no level (a runtime's), right after a record
                // that reported a warning or worse: the stack that record printed, as at the
                // margin. After a lighter record or one with no level (a source without levels
                // pays for no look), or behind a header with a level of its own (a logger's
                // record of the exception), it is an event.
                if levelless
                    && self.head_level.is_some_and(|l| l >= Level::Warning)
                    && is_qualified_exception(m.trim_start())
                {
                    self.open(Mode::Java);
                    return true;
                }
                false
            }
            Mode::Traceback => {
                let t = m.trim_start();
                if indented || t.is_empty() || links_traceback(t) {
                    return true;
                }
                self.ends_traceback(t, t)
            }
            Mode::Java => {
                let t = m.trim_start();
                t.starts_with("at ") || t.starts_with("Caused by:") || t.starts_with("... ")
            }
            Mode::Panic | Mode::Start => false,
        }
    }
}

/// An exception line whose type is a qualified name (`pkg.NameException: text`, as Java and
/// .NET print it): a bare `Error: text` is as often a program's own message.
fn is_qualified_exception(t: &str) -> bool {
    t.split([':', ' ']).next().is_some_and(|w| w.contains('.')) && looks_like_exception(t)
}

#[cfg(test)]
mod tests {
    use crate::log_digest::matrix_tally::digest_cell;

    /// A runtime's prefix (`<time> <stream> F`) before every line: records `LEVEL text`, each
    /// error followed by a stack written behind the same prefix, its exception line first.
    fn file(head: &str, exception_prefix: fn(usize) -> String) -> String {
        let mut out = String::new();
        for i in 0..24 {
            let pre = format!("2024-03-01T09:00:{:02}.{:09}Z stderr F", i % 60, i * 7919);
            let w = ["INFO", "WARN", "INFO", head][i % 4];
            out += &format!(
                "{pre} 2024-03-01 09:00:{:02} {w} parcel {i} moved\n",
                i % 60
            );
            if i % 4 == 3 {
                out += &format!(
                    "{pre} {}lane.core.OddPebbleException: odd pebble {i}\n",
                    exception_prefix(i)
                );
                out += &format!("{pre} \tat lane.core.Sorter.sweep(Sorter.java:42)\n");
                out += &format!("{pre} \tat lane.core.Sorter.run(Sorter.java:12)\n");
            }
        }
        out
    }

    #[test]
    fn an_exception_line_behind_a_runtime_prefix_continues_the_record_before() {
        // Class (generated, neutral words): a stack printed after an error record, every line
        // behind a runtime's prefix that carries no level: one error event per record.
        let (_, counts) = digest_cell(&file("ERROR", |_| String::new()));
        assert_eq!(counts, [6, 6, 0], "warnings, errors, fatal");
        // Must not fire: after an info record the stack is an event of its own (an error, by
        // its exception line); and an exception line behind a header with a level of its own
        // (a logger's record of the exception) is a record.
        let (_, counts) = digest_cell(&file("INFO", |_| String::new()));
        assert_eq!(counts, [6, 6, 0], "after info: the stacks are the errors");
        // A bare `Error: text` after an error record is a message of its own.
        let bare =
            file("ERROR", |_| String::new()).replace("lane.core.OddPebbleException:", "Error:");
        assert_eq!(digest_cell(&bare).1, [6, 12, 0], "bare Error: lines");
        let (_, counts) = digest_cell(&file("ERROR", |i| {
            format!("2024-03-01 09:00:{:02} ERROR ", i % 60)
        }));
        assert_eq!(counts, [6, 12, 0], "exception records of their own");
    }
}
