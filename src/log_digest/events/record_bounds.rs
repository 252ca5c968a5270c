//! Where a record ends: three classes of lines that decide whether the line after a head
//! continues it or opens an event of its own (see each method).

use super::Level;
use super::{EventParser, Mode, TRACEBACK};
use crate::log_digest::multiline::{is_class_summary, is_python_frame};

impl EventParser<'_> {
    /// Class: an indented text line right after a whole-line JSON record (a tool's own
    /// `  Writing <path> ... done` printed to the stream its JSON logger writes to, another
    /// writer's line). A JSON logger escapes what belongs to a record into it (a multi-line
    /// message after `\n`, a traceback in an error field), so such a line is an event of its
    /// own, not the record's body. Left alone: the frames of a stack printed raw after the
    /// record (`at …`, `File "…"`: a runtime's own dump), a line inside a traceback or stack
    /// trace opened after it, a blank line, and every line after a text head.
    pub(super) fn record_escapes_its_body(&self, t: &str) -> bool {
        self.head_is_record
            && self.mode == Mode::Plain
            && !t.starts_with("at ")
            && !t.starts_with("File \"")
    }

    /// Failure class: a record whose message goes on with the exception's one-line summary
    /// (`Type: text`, a logger given `str(exc)` or a wrapper's message) and then prints the
    /// Python traceback (`logger.exception` with a two-line message, a runner's step failure).
    /// The traceback opener right after that summary line continues the record; anywhere else
    /// in a stack (after a frame, after a second line) it opens an event of its own.
    pub(super) fn traceback_after_summary(&mut self, summary: bool, t: &str) -> bool {
        if summary && self.mode == Mode::Java && t.starts_with(TRACEBACK) {
            self.mode = Mode::Traceback;
            return true;
        }
        false
    }

    /// Failure class: a record whose message goes on with the exception's one-line summary,
    /// its type named freely (`GammaRefused: text`, no `Error`/`Exception` suffix), right
    /// before the Python traceback it sums up (a framework logging `str(exc)` under its
    /// message, then the traceback). The line after it opening a traceback (one line of
    /// look-ahead) and its class-name shape ([`is_class_summary`]) make it the summary: it
    /// continues the record, and the traceback after it too
    /// ([`EventParser::traceback_after_summary`]). Left alone: the same shape not followed by
    /// a traceback opener (`Summary: 3 items` printed after a record), a line with a header.
    /// As with a summary whose type ends in `Error`, the record at any level owns the
    /// traceback its summary announces.
    pub(super) fn summary_before_traceback(&self, t: &str, line: &str) -> bool {
        self.next_opens_traceback && is_class_summary(t) && !self.splitter.split(line).1
    }

    /// Failure class: a Python traceback printed without its `Traceback (most recent call
    /// last):` opener under a line with no header (a worker's error forwarded by the process
    /// that ran it: a line naming the task, its indented frames, then the exception line at the
    /// margin). The indented frames already continue the line; the exception line that ends
    /// them continues it too, as it ends a traceback. The line's level is left as it was (the
    /// record it reports is the error). A margin line after frames that is not an exception
    /// line, and an exception line after a head with a header (read by the stack rules), are
    /// left alone.
    pub(super) fn frames_without_opener(&mut self, t: &str) {
        if self.mode == Mode::Plain && !self.head_has_header && is_python_frame(t) {
            self.mode = Mode::Traceback;
        }
    }

    /// Failure class: an uncaught exception's traceback printed to the same stream right after
    /// an ordinary record (a command that crashes while its logger reports progress). A logger
    /// attaches a traceback to a record given the exception: an error or a warning
    /// (`logger.exception`), a debug line (a library's handled exception, `exc_info=True`), or
    /// a record that announces what follows (its message ends with `:`). A record at info or
    /// notice that announces nothing does not own it: the traceback is an error event of its
    /// own. A record with no level, or at any other level, keeps its traceback. Nor does an
    /// info record whose message tells of a failure ([`tells_failure`]: `lookup failed,
    /// using the default`, `could not reach x, retrying`) lose it: a handled exception logged
    /// at info with its traceback (`exc_info=True`). A progress message that tells of nothing
    /// going wrong, logged with `exc_info`, cannot be told from a crash after it and still
    /// loses its traceback.
    pub(super) fn traceback_leaves_record(&self) -> bool {
        matches!(self.head_level, Some(Level::Info | Level::Notice))
            && !self.body_open
            && !self.head_tells_failure
    }

    /// Failure class: an exception's first line whose type word is also a level word
    /// (`Error: text`, a runtime printing the error a record reports, JavaScript's
    /// `console.error(err)`), written under a record. The header model reads the word with its
    /// colon as the line's level column, so the line would count as an error of its own. When
    /// the line's header is that word alone and the record above it has a header and a level
    /// written otherwise (not as a lone `Word:`), the line continues the record and opens its
    /// stack. Left alone: a file whose records write their level as a lone `Word:` (a tool's
    /// `Warning: x` then `Error: y` lines are two events), a record with no level, a level
    /// word that names no exception type (`error:`, `ERROR:`), a line with more header than
    /// the word (a time, a source).
    /// The caller has found that the line looks like an exception's first line
    /// (`multiline::looks_like_exception`).
    ///
    /// Failure class, the same line under records that write their level as a lone word in
    /// capitals or lower case (`WARNING:     text`, a server's console logger; `SEVERE: text`
    /// on the second line of a two-line record): a logger spells all its level words in one
    /// case, so an
    /// exception word in another case (`Error: text`) followed by an indented line (its stack)
    /// is the runtime's print, not the logger's record, and continues the record above. Left
    /// alone: a lone-word file whose levels are spelled like the line (`Note:` then `Error:`
    /// lines, title case both), a line in the head's case (`ERROR: text`), a line
    /// whose next line is not indented (a printed `Error: x`, an event of its own).
    pub(super) fn exception_read_as_level(&self, line: &str) -> bool {
        let other_case = self.lone_word.head_case != 0 && self.lone_word.next_indented;
        if self.head_level.is_none()
            || !self.head_has_header
            || (self.head_header_is_word && !other_case)
        {
            return false;
        }
        let t = line.trim_start();
        let (split, has_header) = self.splitter.split(line);
        has_header
            && split.level.is_some()
            && is_lone_word_with_colon(split.header)
            && t.starts_with(split.header)
            && !(self.head_header_is_word
                && one_case_word(split.header) == self.lone_word.head_case)
    }

    /// Failure class: a logger that writes a multi-line message with its whole prefix on each
    /// line (Erlang's logger, a formatter applied per line): the lines right after a head whose
    /// message ends with `:` repeat its header to the last digit of a time stamp to the
    /// microsecond, level and fields alike. Such a line continues the head. A header that differs in
    /// anything (a later microsecond, another level or field), a coarser time stamp (two
    /// records in one second or millisecond), a head that ended otherwise (a value ending in
    /// `=`), or a line after other continuations (a traceback), keeps a head.
    pub(super) fn repeats_open_header(&self, open: bool, head: &str, header: &str) -> bool {
        self.mode == Mode::Plain && open && header == head
    }
}

/// Words that tell of something going wrong, in any case: what a record says when it logs a
/// handled exception (a failure, an error, a retry, an input ignored or refused).
const FAILURE_WORDS: &[&str] = &[
    "fail",
    "error",
    "exception",
    "unable",
    "could not",
    "couldn't",
    "cannot",
    "can't",
    "retry",
    "retrying",
    "ignor",
    "refused",
    "denied",
    "invalid",
    "timed out",
    "timeout",
];

/// Whether a message tells of a failure (one of [`FAILURE_WORDS`], any case, anywhere).
pub(super) fn tells_failure(m: &str) -> bool {
    let lower = m.to_ascii_lowercase();
    FAILURE_WORDS.iter().any(|w| lower.contains(w))
}

/// What the lone-word rule of [`EventParser::exception_read_as_level`] keeps: whether the line
/// after the one being classified starts with white space (one byte of look-ahead), and the
/// case of the last head's lone `Word:` header ([`lone_word_case`]).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct LoneWord {
    pub next_indented: bool,
    pub head_case: u8,
}

/// The case of a head whose header is one word and its colon (`is_word`), read from the first
/// word of `header` (or of the head's line): see [`one_case_word`]; 0 for any other head.
pub(super) fn lone_word_case(is_word: bool, header: &str) -> u8 {
    if !is_word {
        return 0;
    }
    header
        .split_ascii_whitespace()
        .next()
        .map_or(0, one_case_word)
}

/// A header that is one word in one case, capitals or lower case, and its colon (`WARNING:`,
/// `warning:`), or such a word alone: the case (`b'A'` or `b'a'`), else 0.
pub(super) fn one_case_word(header: &str) -> u8 {
    let w = header.strip_suffix(':').unwrap_or(header).as_bytes();
    if w.is_empty() {
        0
    } else if w.iter().all(u8::is_ascii_uppercase) {
        b'A'
    } else if w.iter().all(u8::is_ascii_lowercase) {
        b'a'
    } else {
        0
    }
}

/// A header that is one word and its colon (`Word:`), nothing else.
pub(super) fn is_lone_word_with_colon(header: &str) -> bool {
    header.strip_suffix(':').is_some_and(|w| {
        !w.is_empty()
            && w.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'$'))
    })
}

/// Whether `header` holds a time to the microsecond or finer (`:SS.ffffff`): a colon, two
/// digits, a `.` or `,`, then six digits or more. Two records rarely share such a stamp; two
/// records in one millisecond often do (a list announced, then its item logged at once).
pub(super) fn has_subsecond_time(header: &str) -> bool {
    let b = header.as_bytes();
    (0..b.len().saturating_sub(9)).any(|i| {
        b[i] == b':'
            && b[i + 1].is_ascii_digit()
            && b[i + 2].is_ascii_digit()
            && matches!(b[i + 3], b'.' | b',')
            && b[i + 4..i + 10].iter().all(u8::is_ascii_digit)
    })
}

/// A line that opens a Python traceback or chains one to the next (`Traceback (most recent
/// call last):`, `During handling of the above exception…`, `The above exception was the
/// direct cause…`): inside a traceback it always continues it.
pub(super) fn links_traceback(t: &str) -> bool {
    t.starts_with("During handling of the above exception")
        || t.starts_with("The above exception was the direct cause")
        || t.starts_with(TRACEBACK)
}
