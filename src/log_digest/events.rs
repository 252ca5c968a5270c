//! From lines to events: header/message split, JSON and logfmt lines (the message field is
//! mined, the level and error fields are used), and multi-line events: Python tracebacks,
//! Java/JS stack traces, Rust and Go panics and indented continuation lines join the event
//! that precedes them.

use std::borrow::Cow;

use super::header::{HeaderModel, Level, LogFormat, Split};
use super::multiline::{
    is_call_path, is_class_summary, is_goroutine, is_margin_frame, is_numbered_native_frame,
    is_stack_line, looks_like_exception, opens_traceback, TRACEBACK,
};
use super::records::{behind_header_level, json_record, logfmt_line, JsonModel, JsonRecord};
use body::{is_closing_field, is_record_of_its_own, opens_body, opens_list, typed_header};
use console::{ends_with_margin_location, wrapped_text, Console};
use message_level::{message_level, starts_with_level_word};
use mixed_models::{longer_models, mixed_models, rare_models};
use record_bounds::links_traceback;

mod block_end;
mod body;
mod console;
pub(super) mod header_alone;
mod lone_indented;
mod message_level;
mod mixed_models;
mod paired_body;
mod prefixed;
mod record_bounds;
mod trace_block;

/// How lines of one source are split into header and message, inferred from its first lines.
#[derive(Debug, Clone, Default)]
pub struct Splitter {
    /// Given by the user (`--log-format`); lines that do not match fall back to inference.
    format: Option<LogFormat>,
    model: HeaderModel,
    /// The header models of a file that mixes formats (an access log and an application's
    /// own logging in one stream), one per header shape, largest first; tried before `model`.
    mixed: Vec<HeaderModel>,
    /// The header models of rare populations no other model fits ([`mixed_models::rare_models`]), tried
    /// after `model` and before its fallback.
    rare: Vec<HeaderModel>,
    /// The header models of a second format whose header is the common one's and more
    /// ([`mixed_models::longer_models`]), tried before `model` on every line.
    longer: Vec<HeaderModel>,
    json: JsonModel,
    console: Console,
    /// Most lines of the source open with a header: an unindented line without one continues
    /// the event above it (see [`EventParser::continues_headed_event`]).
    headed: bool,
    /// Records are written as a header alone and the message under it ([`header_alone`]).
    alone: bool,
    /// Head kinds whose next line, or run of bare lines, continues them ([`paired_body`]).
    bodies: paired_body::BodyKinds,
    /// Kinds of indented lines that are events of their own ([`lone_indented`]); sorted.
    lone: Vec<Box<str>>,
}

impl Splitter {
    /// Infers the splitter of a source from its first lines; `format` (`--log-format`) comes
    /// first where it matches.
    pub fn infer(sample: &[&str], format: Option<LogFormat>) -> Self {
        let model = HeaderModel::infer(sample.iter().copied());
        let mixed = mixed_models(sample, &model);
        let mut s = Self {
            format,
            rare: rare_models(sample, &model, &mixed),
            longer: longer_models(sample, &model, &mixed),
            mixed,
            model,
            json: JsonModel::infer(sample),
            console: Console::default(),
            headed: false,
            alone: false,
            bodies: paired_body::BodyKinds::default(),
            lone: Vec::new(),
        };
        s.alone = header_alone::writes_header_alone(sample, |l| s.header_alone(l));
        s.headed = body::is_headed(sample, |l| s.split(l));
        s.bodies = paired_body::paired_kinds(sample, |l| s.split(l));
        s.console = Console::infer(sample, |l| {
            let (split, has) = s.split(l);
            (l.len() - split.message.len(), has)
        });
        s.lone = lone_indented::lone_kinds(sample, s.console.wraps, |l| s.split(l));
        s
    }

    /// Whether heads of this source may be continued by wrapped lines that carry the rest of
    /// their message ([`Line::Wrapped`]).
    pub fn wraps(&self) -> bool {
        self.console.wraps
    }

    /// The longest line the sample shows continuing a head's message at its message column
    /// (0: none): a console that wraps lines wraps them at that width or wider.
    pub fn wrap_width(&self) -> usize {
        self.console.width
    }

    /// Whether an unindented line without a header may continue the event above it (most
    /// lines of the source carry a header); a line cache must not replay such a line as a head.
    pub fn joins_headerless(&self) -> bool {
        self.headed || self.bodies != paired_body::BodyKinds::default()
    }

    /// Whether lines of this source carry a level column.
    fn has_level_column(&self) -> bool {
        self.format.as_ref().is_some_and(LogFormat::has_level)
            || self.model.has_level_column()
            || self.mixed.iter().any(HeaderModel::has_level_column)
            || self.rare.iter().any(HeaderModel::has_level_column)
            || self.longer.iter().any(HeaderModel::has_level_column)
    }

    fn split<'a>(&self, line: &'a str) -> (Split<'a>, bool) {
        if let Some(s) = self.format.as_ref().and_then(|f| f.split(line)) {
            return (s, true);
        }
        // The syslog protocol's header is a standard's, whatever the sample taught.
        if let Some(s) = super::syslog::split(line) {
            return (s, true);
        }
        if let Some(s) = self
            .mixed
            .iter()
            .find_map(|m| m.split_fitting(line))
            .filter(|s| !s.header.is_empty())
        {
            return (s, true);
        }
        if let Some(s) = self
            .longer
            .iter()
            .find_map(|m| m.split_fitting(line))
            .filter(|s| !s.header.is_empty())
        {
            return (s, true);
        }
        if !self.rare.is_empty() && self.model.split_fitting(line).is_none() {
            if let Some(s) = self
                .rare
                .iter()
                .find_map(|m| m.split_fitting(line))
                .filter(|s| !s.header.is_empty())
            {
                return (s, true);
            }
        }
        let s = self.model.split(line);
        let has = !s.header.is_empty();
        (s, has)
    }
}

/// One classified line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line<'a> {
    /// The first line of an event.
    Head {
        header: &'a str,
        message: Cow<'a, str>,
        level: Option<Level>,
    },
    /// A continuation of the previous event (stack frame, traceback, indented line).
    Continuation,
    /// A continuation that carries the rest of the head's message, which a console renderer
    /// wrapped onto the next line: its text (trimmed) is part of the event's message.
    Wrapped(&'a str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// No event yet.
    Start,
    /// A normal event.
    Plain,
    /// Inside a Python traceback (until its exception line).
    Traceback,
    /// Inside a Java exception / JS error (frames `at …`, `Caused by:`).
    Java,
    /// Inside a Rust or Go panic: unindented lines without a header continue it.
    Panic,
}

/// Classifies lines of one source, in order.
#[derive(Debug, Clone)]
pub struct EventParser<'s> {
    splitter: &'s Splitter,
    mode: Mode,
    head_has_header: bool,
    /// The last head is a whole-line JSON record (see [`EventParser::record_escapes_its_body`]).
    head_is_record: bool,
    /// The level of the last head.
    head_level: Option<Level>,
    /// The last head's line ends with `:`: it introduces a list, so indented bullet lines
    /// under it are its own (see [`lone_indented::is_bullet`]).
    head_opens_list: bool,
    /// Set when a continuation opened a traceback, stack trace or panic under a head that
    /// showed no level: the event is an error (see [`EventParser::take_raised`]).
    raised: Option<Level>,
    /// The next line is the first after a panic's head (its message, whatever it says).
    panic_first: bool,
    /// Every line since the last head continued its wrapped message (see [`Line::Wrapped`]).
    wrapping: bool,
    /// The column where the last head's message starts (0: no header).
    head_message_col: usize,
    /// The last head's message ends unfinished ([`opens_body`]): unindented lines without a
    /// header after it are its body (see [`EventParser::continues_headed_event`]).
    body_open: bool,
    /// The last line was a head whose next line may be its body ([`paired_body`]).
    paired_open: bool,
    /// The last head is of a kind whose bare lines after it are its body, and only its body
    /// has followed ([`paired_body::BodyKinds::runs`]).
    run_open: bool,
    /// The last head was a record with an empty message (apart from its tag): the stack
    /// its logger writes next, one headed line each, belongs to it (see [`trace_block`]).
    /// Holds the head's tag (empty when it has none).
    trace_block: Option<Box<str>>,
    /// The last line was an exception's one-line summary (`Type: text`) that a record printed
    /// under its head, with no frame yet (see [`EventParser::traceback_after_summary`]).
    summary_only: bool,
    /// The last head's message ends with `:` and its header stamps a time to the microsecond,
    /// and only lines repeating that header have followed (see
    /// [`EventParser::repeats_open_header`]).
    header_open: bool,
    /// The column where the values of the aligned field block under the last head start (0:
    /// no block yet; see [`block_end::field_value_col`]).
    field_col: usize,
    /// The last head's header (empty when it had none): a line repeating it may continue it
    /// (see [`EventParser::repeats_open_header`], [`block_end::marks_continuation`]).
    head_header: String,
    /// The last head's header is one word and its colon (`Word:`, see
    /// [`EventParser::exception_read_as_level`]).
    head_header_is_word: bool,
    /// The line after the one being classified opens a Python traceback (one line of
    /// look-ahead, see [`EventParser::see_next`]).
    next_opens_traceback: bool,
    /// See [`record_bounds::LoneWord`].
    lone_word: record_bounds::LoneWord,
    /// The last head is followed by a traceback opener and its message tells of a failure
    /// (see [`EventParser::traceback_leaves_record`]).
    head_tells_failure: bool,
    /// The state of records written as a header alone ([`header_alone`]).
    alone: header_alone::State,
}

impl<'s> EventParser<'s> {
    pub fn new(splitter: &'s Splitter) -> Self {
        Self {
            splitter,
            mode: Mode::Start,
            head_has_header: false,
            head_is_record: false,
            head_level: None,
            head_opens_list: false,
            raised: None,
            panic_first: false,
            wrapping: false,
            head_message_col: 0,
            body_open: false,
            paired_open: false,
            run_open: false,
            trace_block: None,
            summary_only: false,
            header_open: false,
            field_col: 0,
            head_header: String::new(),
            head_header_is_word: false,
            next_opens_traceback: false,
            lone_word: record_bounds::LoneWord::default(),
            head_tells_failure: false,
            alone: header_alone::State::default(),
        }
    }

    /// True when the next line can only be a new event or an indented continuation (no
    /// traceback, stack trace or panic is open).
    pub fn is_plain(&self) -> bool {
        matches!(self.mode, Mode::Plain | Mode::Start)
            && self.trace_block.is_none()
            && !self.alone.body
    }

    /// True when the last head left the parser in the plain state (a cacheable line).
    pub fn head_was_plain(&self) -> bool {
        self.mode == Mode::Plain
    }

    /// Whether the last head had a header.
    pub fn head_has_header(&self) -> bool {
        self.head_has_header
    }

    /// Tells the parser the line after the next one it classifies (`None` at the end): one
    /// line of look-ahead (see [`EventParser::summary_before_traceback`]).
    #[inline]
    pub fn see_next(&mut self, next: Option<&[u8]>) {
        // Most lines start with neither a blank nor the opener's `T`: one byte decides.
        self.next_opens_traceback = next
            .is_some_and(|n| matches!(n.first(), Some(b'T' | b' ' | b'\t')) && opens_traceback(n));
        self.lone_word.next_indented = matches!(next.and_then(|n| n.first()), Some(b' ' | b'\t'));
        self.keep_next(next);
    }

    /// Whether the line after the next one opens a Python traceback (see
    /// [`EventParser::see_next`]).
    pub fn next_opens_traceback(&self) -> bool {
        self.next_opens_traceback
    }

    /// Whether the last head's header is one word and its colon (`Word:`).
    pub fn head_header_is_word(&self) -> bool {
        self.head_header_is_word
    }

    /// Records a head classified earlier for an identical line (see the line cache).
    pub fn replay_plain_head(
        &mut self,
        line: &str,
        has_header: bool,
        header_is_word: bool,
        level: Option<Level>,
    ) {
        self.mode = Mode::Plain;
        self.head_has_header = has_header;
        self.head_is_record = false;
        self.head_header_is_word = header_is_word;
        self.lone_word.head_case = record_bounds::lone_word_case(header_is_word, line);
        // Never a line before a traceback opener (those are not replayed).
        self.head_tells_failure = false;
        self.head_level = level;
        self.trace_block = None;
        self.summary_only = false;
        self.header_open = false;
        self.head_opens_list = opens_list(line);
        self.body_open = opens_body(line);
        self.replay_paired(line, has_header);
    }

    /// The level the last head's event has after all, when a continuation line just opened a
    /// traceback, stack trace or panic under a head that showed no level (an RQ job failure,
    /// Go's `http: panic serving`): taken once.
    pub fn take_raised(&mut self) -> Option<Level> {
        self.raised.take()
    }

    /// Inside a traceback, whether `t` is its exception line (`ValueError: x`, a bare
    /// `KeyboardInterrupt`): it belongs to the traceback and ends it. Failure class: the
    /// type named freely (`GammaRefused: x`, no `Error`/`Exception` suffix) is told by its
    /// place, the margin line after the frames, and its class-name shape
    /// ([`is_class_summary`]), when the header model finds no header on it.
    fn ends_traceback(&mut self, t: &str, line: &str) -> bool {
        if looks_like_exception(t)
            || t.starts_with("KeyboardInterrupt")
            || (is_class_summary(t) && !self.splitter.split(line).1)
        {
            self.mode = Mode::Plain;
            return true;
        }
        false
    }

    /// Enters a multi-line mode from a continuation line; an event whose head showed no level
    /// becomes an error.
    fn open(&mut self, mode: Mode) {
        self.mode = mode;
        if self.head_level.is_none() {
            self.head_level = Some(Level::Error);
            self.raised = Some(Level::Error);
        }
    }

    /// Classifies the next line.
    pub fn line<'a>(&mut self, line: &'a str) -> Line<'a> {
        // A paired head's body is the one line right after it, whatever that line is.
        let paired_open = std::mem::take(&mut self.paired_open);
        if let Some(l) = self.alone_line(line) {
            return l;
        }
        if self.wrapping && self.mode == Mode::Plain {
            if let Some(text) = wrapped_text(line, self.head_message_col) {
                self.header_open = false;
                return Line::Wrapped(text);
            }
        }
        self.wrapping = false;
        if self.mode != Mode::Start && self.is_continuation(line) {
            // Only the lines right after the head may repeat its header.
            self.header_open = false;
            return Line::Continuation;
        }
        let block = self.trace_block.take();
        self.head_is_record = false;
        self.head_header_is_word = false;
        self.head_tells_failure = false;
        self.head_opens_list = opens_list(line);
        // Whether the last head announced a body: kept while its body goes on.
        let body_open = std::mem::replace(&mut self.body_open, opens_body(line));
        // Taken: set again by the head this line opens, or by a run it goes on.
        let run_open = std::mem::take(&mut self.run_open);
        // Taken: a head of any kind replaces it.
        let header_open = std::mem::take(&mut self.header_open);
        let field_col = std::mem::take(&mut self.field_col);
        let mut head_header = std::mem::take(&mut self.head_header);
        let trimmed = line.trim_start();
        if trimmed.starts_with('{') {
            if let Some(JsonRecord {
                mut message,
                fields,
                level,
            }) = json_record(trimmed, &self.splitter.json)
            {
                let indented = message.starts_with([' ', '\t']);
                if self.mode != Mode::Start
                    && self.message_continues(&message, indented, level.is_none())
                {
                    return Line::Continuation;
                }
                self.mode = Mode::Plain;
                self.head_has_header = true;
                self.head_is_record = true;
                self.head_level = level;
                message.truncate(message.trim_end().len());
                message.push_str(&fields);
                if message.starts_with(' ') {
                    // No message field: the fields alone describe the event.
                    message.remove(0);
                }
                return Line::Head {
                    header: "",
                    message: Cow::Owned(message),
                    level,
                };
            }
        }
        if let Some(head) = self.record_behind_prefix(line) {
            return head;
        }
        let (split, has_header) = self.splitter.split(line);
        if let Some(tag) = block {
            if has_header
                && split.level.is_some()
                && split.level == self.head_level
                && trace_block::continues(line, split.message, &tag)
            {
                self.trace_block = Some(tag);
                return Line::Continuation;
            }
        }
        if !has_header && self.mode == Mode::Plain && self.head_has_header {
            // A lone closing bracket ends the body its head opened; aligned fields fill it.
            if body_open && block_end::closes_body(line) {
                self.body_open = true;
                return Line::Continuation;
            }
            if let Some(col) = block_end::field_value_col(line, field_col) {
                if !is_record_of_its_own(line) {
                    self.field_col = col;
                    self.body_open = body_open;
                    return Line::Continuation;
                }
            }
        }
        if body_open && !(has_header && typed_header(&split)) && self.continues_headed_event(line) {
            self.body_open = true;
            return Line::Continuation;
        }
        if paired_open && self.continues_paired_head(line, has_header && typed_header(&split)) {
            self.run_open = run_open;
            return Line::Continuation;
        }
        if run_open
            && !opens_panic(line)
            && self.continues_paired_head(line, has_header && typed_header(&split))
        {
            self.run_open = true;
            return Line::Continuation;
        }
        if body_open
            && has_header
            && self.repeats_open_header(header_open, &head_header, split.header)
        {
            self.body_open = true;
            self.header_open = true;
            self.head_header = head_header;
            return Line::Continuation;
        }
        // A further line of a multi-line entry written with the entry's whole prefix again and
        // a continuation mark (`+`) before its text.
        if has_header
            && self.mode == Mode::Plain
            && self.head_has_header
            && block_end::marks_continuation(split.message)
            && split.header == head_header
        {
            self.head_header = head_header;
            return Line::Continuation;
        }
        // A line that repeats the file's prefix (journald, a container runtime) continues a
        // traceback in its message.
        // The message is indented when more than one blank separates it from the header.
        let gap = line
            .len()
            .saturating_sub(split.message.len())
            .saturating_sub(split.header.len());
        if has_header
            && self.mode != Mode::Start
            && self.head_has_header
            && self.message_continues(split.message, gap > 1, split.level.is_none())
        {
            return Line::Continuation;
        }
        let mut level = split.level;
        let mut message = Cow::Borrowed(self.splitter.console.strip_right(line, split.message));
        // A record (logfmt or JSON) is a head as much as a header is: a traceback printed
        // after it continues it.
        let mut record = false;
        if let Some((msg, lvl)) = logfmt_line(split.message, &self.splitter.json.optional) {
            message = msg;
            level = level.or(lvl);
            record = true;
        } else if has_header && split.message.starts_with('{') {
            // A JSON record behind a header (a forwarder's or a runtime's prefix, a logger
            // that writes records as its message) is read as a record all the same.
            if let Some(r) = self.record_of(split.message.trim_end()) {
                let mut m = r.message;
                m.truncate(m.trim_end().len());
                m.push_str(&r.fields);
                message = Cow::Owned(m.trim_start().to_owned());
                level = behind_header_level(level, r.level);
            }
        }
        let m = message.trim_start();
        let raw = line.trim_start();
        self.mode = if m.starts_with(TRACEBACK) {
            level = level.or(Some(Level::Error));
            Mode::Traceback
        } else if opens_panic(raw) || m.starts_with("panic: ") || is_rust_panic(m) {
            level = level.or(Some(Level::Fatal));
            self.panic_first = true;
            Mode::Panic
        } else if m.starts_with("Exception in thread ") || looks_like_exception(m) {
            level = level.or(Some(Level::Error));
            Mode::Java
        } else {
            Mode::Plain
        };
        if level.is_none() {
            level = message_level(m);
        }
        self.head_has_header = has_header || record;
        self.head_level = level;
        self.header_open = has_header
            && line.trim_end().ends_with(':')
            && self.mode == Mode::Plain
            && record_bounds::has_subsecond_time(split.header);
        if has_header && level.is_some() && self.mode == Mode::Plain {
            self.trace_block = trace_block::empty_record_tag(split.message).map(Into::into);
        }
        self.wrapping = self.splitter.console.wraps && self.mode == Mode::Plain;
        self.head_message_col = if has_header {
            line.len() - split.message.len()
        } else {
            0
        };
        self.head_header_is_word = record_bounds::is_lone_word_with_colon(split.header);
        let is_word = self.head_header_is_word;
        self.lone_word.head_case = record_bounds::lone_word_case(is_word, split.header);
        // Only a head right before a traceback is read for it: no cost on other lines.
        self.head_tells_failure = self.next_opens_traceback && record_bounds::tells_failure(m);
        self.open_paired(has_header, split.message);
        head_header.clear();
        head_header.push_str(split.header);
        self.head_header = head_header;
        Line::Head {
            header: split.header,
            message,
            level,
        }
    }

    fn is_continuation(&mut self, line: &str) -> bool {
        let first = line.as_bytes().first().copied();
        let t = line.trim_start();
        let summary = std::mem::take(&mut self.summary_only);
        if self.traceback_after_summary(summary, t) {
            return true;
        }
        if first.is_some_and(|b| b == b' ' || b == b'\t') && !t.is_empty() {
            self.frames_without_opener(t);
            // A head whose time column is left blank when it repeats (rich's handler) is
            // indented too: it starts with the level column.
            if self.splitter.has_level_column() && starts_with_level_word(t) {
                return false;
            }
            // The same handler without its level column: a head still ends with its source
            // location at the right margin, set off by blanks; its wrapped lines do not.
            if self.mode == Mode::Plain && ends_with_margin_location(t) {
                return false;
            }
            // A line after a record, a bullet line, a notice of a kind that stands alone.
            return !(self.record_escapes_its_body(t) || self.indented_is_event(t));
        }
        match self.mode {
            Mode::Traceback => {
                // loguru marks the failing frame with `> File …` at the margin.
                if links_traceback(t) || t.starts_with("> File ") || t.is_empty() {
                    return true;
                }
                self.ends_traceback(t, line)
            }
            Mode::Java => {
                t.starts_with("Caused by:")
                    || t.starts_with("... ")
                    || is_margin_frame(t)
                    || (self.head_has_header
                        && !t.is_empty()
                        && is_closing_field(t)
                        && !is_record_of_its_own(line)
                        && !self.splitter.split(line).1)
            }
            Mode::Panic => {
                // The panic's own message line, then only what a stack dump holds: a line
                // of another stream with no header (a second program's output interleaved)
                // starts a new event.
                let first = std::mem::take(&mut self.panic_first);
                t.is_empty()
                    || ((first || is_stack_line(t)) && {
                        let (s, has) = self.splitter.split(line);
                        !has || s.header.is_empty()
                    })
            }
            Mode::Plain => {
                if !self.head_has_header {
                    return false;
                }
                // A blank line inside an event: Spring's `%wEx` writes one between the logged
                // line and its stack trace.
                if t.is_empty() {
                    return true;
                }
                // A traceback or stack trace printed right after a logged error
                // (`logger.exception`, `log.error("…", e)`), or a Go goroutine dump.
                if t.starts_with(TRACEBACK) {
                    if self.traceback_leaves_record() {
                        return false;
                    }
                    self.open(Mode::Traceback);
                    return true;
                }
                if self.summary_before_traceback(t, line) {
                    self.open(Mode::Java);
                    self.summary_only = true;
                    return true;
                }
                if is_goroutine(t) {
                    self.open(Mode::Panic);
                    return true;
                }
                // A stack printed without arguments (a logger's stack field): the function
                // lines at the margin, each followed by its indented `file:line`. Loggers
                // attach that field to warnings and worse only: after a record known to be
                // lighter a dotted word at the margin is a line of its own. A record whose
                // header carries no level (a header rewritten by a collector) keeps its stack.
                if self.head_level.is_none_or(|l| l >= Level::Warning)
                    && is_call_path(t)
                    && !self.splitter.split(line).1
                {
                    return true;
                }
                let exception = looks_like_exception(t);
                if exception && self.exception_read_as_level(line) {
                    self.open(Mode::Java);
                    self.summary_only = true;
                    return true;
                }
                if (exception || is_margin_frame(t)) && !self.splitter.split(line).1 {
                    self.open(Mode::Java);
                    self.summary_only = exception;
                    return true;
                }
                // A native stack printed under its record, a numbered frame a line (C++, gdb):
                // its frame number may read as a header; a header with more is a record.
                is_numbered_native_frame(t) && {
                    let (s, has) = self.splitter.split(line);
                    !has || s.header.bytes().all(|c| b"0123456789.:#".contains(&c))
                }
            }
            Mode::Start => false,
        }
    }
}

/// A line that opens a runtime's panic at the margin (`panic: …`, `fatal error: …`, Rust's
/// `thread '…' panicked at …`): a record of its own, printed by the runtime and not by the
/// logger.
fn opens_panic(raw: &str) -> bool {
    raw.starts_with("panic: ") || raw.starts_with("fatal error: ") || is_rust_panic(raw)
}

/// Rust's panic line (`thread '…' panicked at …`).
fn is_rust_panic(m: &str) -> bool {
    m.starts_with("thread '") && m.contains("' panicked at")
}

#[cfg(test)]
pub(crate) use console::render_console;

#[cfg(test)]
mod forwarded_worker_matrix;
#[cfg(test)]
mod header_alone_matrix;
#[cfg(test)]
mod header_shape_matrix;
#[cfg(test)]
mod interleave_matrix;
#[cfg(test)]
mod level_word_exception_matrix;
#[cfg(test)]
mod lone_indented_matrix;
#[cfg(test)]
mod mixed_pairs_matrix;
#[cfg(test)]
mod native_frames_matrix;
#[cfg(test)]
mod record_bounds_matrix;
#[cfg(test)]
mod repeated_header_matrix;
#[cfg(test)]
mod summary_traceback_matrix;
#[cfg(test)]
pub(crate) mod trace_block_matrix;
#[cfg(test)]
mod trace_fields_matrix;
#[cfg(test)]
mod uncaught_traceback_matrix;
#[cfg(test)]
mod unindented_matrix;

#[cfg(test)]
mod tests {
    use super::*;

    /// Each event's message rebuilt from [`classify`]'s output: its head's message with its
    /// wrapped pieces (`~text`) appended; continuation marks (`+`) skipped.
    fn joined_messages(got: &[String]) -> Vec<String> {
        let mut messages: Vec<String> = Vec::new();
        for g in got {
            if let Some(t) = g.strip_prefix('~') {
                let m = messages.last_mut().unwrap();
                m.push(' ');
                m.push_str(t);
            } else if g != "+" {
                messages.push(g.split_once('|').unwrap().1.to_owned());
            }
        }
        messages
    }

    fn classify(lines: &[&str]) -> Vec<String> {
        let sp = Splitter::infer(lines, None);
        let mut p = EventParser::new(&sp);
        lines
            .iter()
            .map(|l| match p.line(l) {
                Line::Head { message, level, .. } => {
                    format!("{}|{}", level.map_or("-", Level::name), message)
                }
                Line::Continuation => "+".to_owned(),
                Line::Wrapped(t) => format!("~{t}"),
            })
            .collect()
    }

    #[test]
    fn an_indented_text_line_after_a_json_record_is_an_event_of_its_own() {
        // Class: another writer's indented line (`  Writing <path> ... done`) among one-line
        // JSON records: the record escaped its own body, so the line is no continuation.
        // Generated, neutral words. Must not fire: a stack's raw frame after a record, a blank
        // line, the same indented line under a text head.
        let rec = |i: usize, m: &str| {
            serde_json::json!({"time": format!("t{i}"), "level": "info", "msg": m}).to_string()
        };
        let (a, b) = (rec(1, "kappa 3 done"), rec(2, "kappa 4 done"));
        let got = classify(&[
            &a,
            "  Writing /srv/out/0a1f_part.bin ...  done",
            &b,
            "  at alpha.Beta.gamma(Beta.java:12)",
            "",
            &a,
        ]);
        assert_eq!(
            got,
            [
                "info|kappa 3 done",
                "-|  Writing /srv/out/0a1f_part.bin ...  done",
                "info|kappa 4 done",
                "+",
                "+",
                "info|kappa 3 done",
            ]
        );
        let got = classify(&[
            "2024-05-01 10:00:00,001 INFO app: kappa 3 done",
            "  Writing /srv/out/0a1f_part.bin ...  done",
            "2024-05-01 10:00:01,001 INFO app: kappa 4 done",
        ]);
        assert_eq!(got[1], "+", "under a text head the line stays its body");
    }

    #[test]
    fn python_traceback_is_one_event() {
        let got = classify(&[
            "2024-05-01 10:00:00,001 INFO app: start",
            "2024-05-01 10:00:01,001 ERROR app: job failed",
            "Traceback (most recent call last):",
            "  File \"/app/run.py\", line 3, in <module>",
            "    import foo",
            "ModuleNotFoundError: No module named 'foo'",
            "2024-05-01 10:00:02,001 INFO app: retry",
        ]);
        assert_eq!(
            got,
            [
                "info|start",
                "error|job failed",
                "+",
                "+",
                "+",
                "+",
                "info|retry"
            ]
        );
    }

    #[test]
    fn two_interleaved_formats_opening_with_dates_each_keep_their_header() {
        // Class 3 (generated): an Android-style logcat stream and a Java framework's log in one
        // file. Both open with a date and a time, so one model fits every line as that common
        // prefix; the level sits in different columns, so each format gets its own model and
        // each line loses its whole header.
        let mut lines = Vec::new();
        for i in 0..12 {
            lines.push(format!(
                "03-17 16:13:{:02}.811  1702  {} D WindowManager: window {i} drawn",
                10 + i,
                2300 + i
            ));
            lines.push(format!(
                "2015-10-18 18:01:{:02},978 INFO [main] org.app.Master: task {i} started",
                10 + i
            ));
        }
        lines.push("03-17 16:14:00.001  1702  2399 E PowerManager: wake lock lost".into());
        lines.push("2015-10-18 18:02:00,001 WARN [IPC 5] org.app.Rpc: slow call".into());
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let got = classify(&refs);
        assert_eq!(got[0], "debug|window 0 drawn");
        assert_eq!(got[1], "info|task 0 started");
        assert_eq!(got[24], "error|wake lock lost");
        assert_eq!(got[25], "warning|slow call");
        // One format alone keeps one model.
        let one: Vec<&str> = refs.iter().copied().step_by(2).collect();
        assert!(Splitter::infer(&one, None).mixed.is_empty());
    }

    #[test]
    fn a_rare_population_with_time_and_level_keeps_its_header_and_printed_lines_get_no_model() {
        // Class 3 (generated, neutral words): a logger's own lines (a bracketed time, a level,
        // `in name:`) are one line in fifteen among an access log and a library's printed
        // warnings: too rare for a share of their own, clearly headed, they get a model.
        // Printed lines as rare, with neither a time nor a level, stay as they are.
        let mut lines = Vec::new();
        for i in 0..200 {
            lines.push(match i % 15 {
                0 => format!("[2024-03-01 10:00:{:02},100] INFO in alpha: beta {i} done", i % 60),
                1..=7 | 13 | 14 => format!(
                    "10.0.0.{} - - [01/Mar/2024:09:00:{:02} +0000] \"GET /gamma/{i} HTTP/1.1\" 200 {i}",
                    i % 9,
                    i % 60
                ),
                8..=11 => format!("/srv/delta/mod{}.py:{i}: EpsilonWarning: zeta {i}", i % 3),
                _ => format!("progress {i} of 200 items"),
            });
        }
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let sp = Splitter::infer(&refs, None);
        assert_eq!(sp.rare.len(), 1, "{:?}", sp.rare);
        let got = classify(&refs);
        assert_eq!(got[0], "info|beta 0 done");
        assert_eq!(got[12], "-|progress 12 of 200 items");
    }

    #[test]
    fn java_and_json_and_logfmt() {
        let got = classify(&[
            "Exception in thread \"main\" java.lang.IllegalStateException: boom",
            "\tat com.x.Main.run(Main.java:10)",
            "Caused by: java.io.IOException: disk",
            "\t... 3 more",
            r#"{"level":"warn","msg":"slow request","ms":1200}"#,
            "level=error msg=\"db down\" err=\"connection refused\"",
        ]);
        assert_eq!(got[1..4], ["+", "+", "+"]);
        assert_eq!(got[4], "warning|slow request ms=1200");
        assert_eq!(got[5], "error|db down err=\"connection refused\"");
    }

    #[test]
    fn traceback_after_a_logfmt_record_continues_it() {
        // A record is a head as a header is: the traceback printed after it is part of it, and
        // its exception line is no error event of its own.
        let got = classify(&[
            "time=2024-03-01T09:00:01Z level=info msg=\"job started\" id=1",
            "time=2024-03-01T09:00:02Z level=error msg=\"job failed\" id=1",
            "Traceback (most recent call last):",
            "  File \"/srv/app/tasks.py\", line 10, in run",
            "ValueError: bad value",
            "time=2024-03-01T09:00:03Z level=info msg=\"job started\" id=2",
        ]);
        assert_eq!(got[1], "error|job failed id=1");
        assert_eq!(got[2..5], ["+", "+", "+"]);
        assert_eq!(got[5], "info|job started id=2");
    }

    #[test]
    fn panics_group() {
        let got = classify(&[
            "panic: runtime error: index out of range",
            "",
            "goroutine 1 [running]:",
            "main.main()",
            "\t/app/main.go:5 +0x1d",
        ]);
        assert_eq!(got[0], "fatal|runtime error: index out of range");
        assert_eq!(got[2..], ["+", "+", "+"]);
    }

    #[test]
    fn a_stack_without_arguments_continues_its_headed_record_and_only_that() {
        // Class: function lines at the margin with their `file:line` indented below continue
        // the headed record above them; a headed line after them is a record again, and a
        // line with blanks or a sentence at the margin is not taken for a frame.
        let got = classify(&[
            "2024-03-01T09:00:00Z\tINFO\talpha/beta.go:1\tstarted",
            "2024-03-01T09:00:01Z\tWARN\talpha/beta.go:2\tgamma slow",
            "alpha/beta.(*Gamma).Delta",
            "\t/src/alpha/beta.go:10",
            "main.main",
            "\t/src/main.go:5",
            "2024-03-01T09:00:02Z\tINFO\talpha/beta.go:3\tdelta done",
            "2024-03-01T09:00:03Z\tINFO\talpha/beta.go:4\tepsilon done",
        ]);
        assert_eq!(got[2..6], ["+", "+", "+", "+"]);
        assert!(got[6].ends_with("delta done"), "{got:?}");
        assert!(got[7].ends_with("epsilon done"), "{got:?}");
        assert!(!is_call_path("zeta eta.theta"));
        assert!(!is_call_path("Done."));
        // Must not fire: after an info or debug record (no stack field is attached at that
        // level), a dotted word at the margin, such as a file name a program prints, is a
        // line of its own.
        for level in ["INFO", "DEBUG"] {
            let head = format!("2024-03-01T09:00:01Z\t{level}\talpha/beta.go:2\tgamma loaded");
            let got = classify(&[
                "2024-03-01T09:00:00Z\tINFO\talpha/beta.go:1\tstarted",
                head.as_str(),
                "zeta.yaml",
                "eta.theta",
                "2024-03-01T09:00:02Z\tINFO\talpha/beta.go:3\tdelta done",
            ]);
            assert_ne!(got[2], "+", "{level}: {got:?}");
            assert_ne!(got[3], "+", "{level}: {got:?}");
        }
        // Must fire: the same stack under a header that carries no level (a collector's
        // syslog header put in front of the logger's line) stays in its record.
        let got = classify(&[
            "Mar  1 09:00:00 host-0 app[1]: alpha/beta.go:1\tstarted",
            "Mar  1 09:00:01 host-0 app[1]: alpha/beta.go:2\tgamma failed",
            "alpha/beta.(*Gamma).Delta",
            "\t/src/alpha/beta.go:40",
            "main.main",
            "\t/src/main.go:9",
            "Mar  1 09:00:02 host-0 app[1]: alpha/beta.go:3\tdelta done",
        ]);
        assert_eq!(&got[2..6], &["+", "+", "+", "+"], "{got:?}");
    }

    #[test]
    fn a_json_object_of_fields_after_a_tab_separated_message_is_read_as_its_fields() {
        // Class: tab-separated header fields, the message, a tab, then a JSON object of fields:
        // the object is the record's fields (a request's method and route kept), as after a
        // space; an object that does not end the line is text.
        let got = classify(&[
            "2024-03-01T09:00:00Z\tINFO\talpha.go:1\tbeta\t{\"method\": \"GET\", \"path\": \"/gamma\", \"status\": 404}",
            "2024-03-01T09:00:01Z\tINFO\talpha.go:1\tbeta\t{\"method\": \"PUT\", \"path\": \"/delta\", \"status\": 409}",
            "2024-03-01T09:00:02Z\tINFO\talpha.go:2\tepsilon\t{\"zeta\": 1} eta",
        ]);
        assert!(
            got[0].contains("GET") && got[0].contains("/gamma"),
            "{got:?}"
        );
        assert!(
            got[1].contains("PUT") && got[1].contains("/delta"),
            "{got:?}"
        );
        assert!(got[2].ends_with("1\u{7d} eta"), "{got:?}");
    }

    #[test]
    fn a_json_record_whose_message_ends_in_an_object_of_fields_reads_those_fields() {
        // Class: a JSON record whose message is a structured logger's console line, text then
        // a tab and an object of fields (a header rewrite into JSON keeps it escaped in the
        // message): the object's fields are read as on the text line, a request's method and
        // route kept, instead of one opaque value. Generated, neutral words.
        let rec = |lvl: &str, msg: &str| serde_json::json!({"level": lvl, "msg": msg}).to_string();
        let lines = [
            rec("info", "alpha.go:1\tbeta\t{\"method\": \"GET\", \"path\": \"/gamma\", \"status\": 404}"),
            rec("info", "alpha.go:1\tbeta\t{\"method\": \"PUT\", \"path\": \"/delta\", \"status\": 409}\nframe.one\n\tframe.go:3"),
            // Must not fire: an object that does not end the message, a message that is text
            // alone, an object with a message of its own after text.
            rec("info", "alpha.go:2\tepsilon {\"zeta\": 1} eta"),
            rec("warning", "alpha.go:3 theta iota"),
            rec("info", "kappa {\"msg\": \"lambda\", \"mu\": 2}"),
        ];
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let got = classify(&lines);
        assert!(
            got[0].contains("method=GET") && got[0].contains("path=/gamma"),
            "{got:?}"
        );
        assert!(
            got[1].contains("method=PUT") && got[1].contains("status=409"),
            "{got:?}"
        );
        assert!(got[2].ends_with("1\u{7d} eta"), "{got:?}");
        assert_eq!(got[3], "warning|alpha.go:3 theta iota");
        assert!(got[4].contains("\"lambda\""), "{got:?}");
    }

    // Cases from generated formats (fixtures/log-digest/ecosystem), named by what they handle.

    #[test]
    fn class3_a_panic_ends_at_a_headerless_line_of_another_stream() {
        // Two programs' output in one stream: after a panic's message and its stack dump, a
        // headerless line that is no stack content is a new event, not part of the panic.
        let got = classify(&[
            "2024/05/01 10:00:00 parcel 4 moved to shelf",
            "thread 'alpha' panicked at src/beta.rs:12:5:",
            "called unwrap on a missing parcel",
            "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace",
            "/srv/gamma/delta.py:30: ShelfWarning: shelf 7 is nearly full",
            "2024/05/01 10:00:01 http: panic serving 10.0.0.1:5000: index out of range",
            "goroutine 9 [running]:",
            "net/http.(*conn).serve.func1()",
            "\t/usr/local/go/src/net/http/server.go:1898 +0xbe",
            "main.alpha({0x1, 0x2}, 0xc0001b6000)",
            "/srv/gamma/delta.py:31: ShelfWarning: shelf 8 is nearly full",
            "2024/05/01 10:00:02 parcel 5 moved to shelf",
        ]);
        assert_eq!(got[2..4], ["+", "+"]);
        assert!(
            got[4].ends_with("ShelfWarning: shelf 7 is nearly full"),
            "{got:?}"
        );
        assert_eq!(got[6..10], ["+", "+", "+", "+"]);
        assert!(
            got[10].ends_with("ShelfWarning: shelf 8 is nearly full"),
            "{got:?}"
        );
    }

    #[test]
    fn indented_head_with_a_blank_time_column_is_a_head() {
        // rich's RichHandler leaves the time column blank when it repeats.
        let got = classify(&[
            "[03/01/24 09:00:00] INFO     order 2 placed                 strategy.py:27",
            "                    ERROR    failed to refresh positions    feed.py:260",
            "                             wrapped text of the message",
            "[03/01/24 09:00:01] WARNING  order 7 rejected               strategy.py:228",
            "[03/01/24 09:00:02] INFO     order 3 placed                 strategy.py:27",
        ]);
        assert_eq!(got[1], "error|failed to refresh positions    feed.py:260");
        assert_eq!(got[2], "+");
        assert!(got[3].starts_with("warning|order 7 rejected"));
    }

    #[test]
    fn traceback_behind_a_repeated_prefix_belongs_to_its_event() {
        // journald repeats `host program[pid]:` on every line of a traceback.
        let got = classify(&[
            "Mar 01 09:01:10 trader-01 scraper[2905]: order 5 filled in 1173ms",
            "Mar 01 09:01:11 trader-01 scraper[2905]: unhandled error in strategy alpha",
            "Mar 01 09:01:11 trader-01 scraper[2905]: Traceback (most recent call last):",
            "Mar 01 09:01:11 trader-01 scraper[2905]:   File \"/srv/app/r.py\", line 7, in get",
            "Mar 01 09:01:11 trader-01 scraper[2905]:     order = fetch(order_id)",
            "Mar 01 09:01:11 trader-01 scraper[2905]: TimeoutError: timed out after 61.69s",
            "Mar 01 09:01:18 trader-01 scraper[13414]: order 6 filled in 1173ms",
        ]);
        assert_eq!(got[2..6], ["+", "+", "+", "+"]);
        assert_eq!(got[6], "-|order 6 filled in 1173ms");
    }

    #[test]
    fn a_traceback_under_a_head_without_level_makes_it_an_error() {
        // Go's `http: panic serving` then a goroutine dump; RQ's job failure + traceback.
        let sp = Splitter::infer(
            &[
                "2024/03/01 09:00:08 POST /api/v1/orders 201 1710ms",
                "2024/03/01 09:00:12 listening on :245",
                "2024/03/01 09:00:12 http: panic serving 210.96.12.132:55111: runtime error",
                "goroutine 90 [running]:",
                "net/http.(*conn).serve.func1()",
                "\t/usr/local/go/src/net/http/server.go:1898 +0xbe",
                "2024/03/01 09:00:13 connected to postgres at db:443",
            ],
            None,
        );
        let mut p = EventParser::new(&sp);
        assert!(matches!(
            p.line("2024/03/01 09:00:12 http: panic serving 210.96.12.132:55111: runtime error"),
            Line::Head { level: None, .. }
        ));
        assert_eq!(p.line("goroutine 90 [running]:"), Line::Continuation);
        assert_eq!(p.take_raised(), Some(Level::Error));
        assert_eq!(p.take_raised(), None);
        assert_eq!(p.line("net/http.(*conn).serve.func1()"), Line::Continuation);
    }

    #[test]
    fn unindented_frames_and_blank_lines_stay_in_their_traceback() {
        // loguru's `> File` marker; Spring's `%wEx` blank line before the stack trace.
        let got = classify(&[
            "2024-03-01 09:00:38.161 | ERROR    | app.worker:_loop:387 - connection failed",
            "Traceback (most recent call last):",
            "",
            "> File \"/srv/bot/strategy.py\", line 239, in on_tick",
            "    ratio = pnl / exposure",
            "ZeroDivisionError: division by zero",
            "2024-03-01 09:00:43.868 | INFO     | bot.feed:parse:434 - connected",
        ]);
        assert_eq!(got[1..6], ["+", "+", "+", "+", "+"]);
        let got = classify(&[
            "2024-03-01T09:00:27.539Z  INFO 7429 --- [main] c.e.OrderService : accepted",
            "2024-03-01T09:00:30.514Z ERROR 7429 --- [main] c.e.OrderService : threw exception",
            "",
            "java.io.IOException: Broken pipe",
            "\tat com.example.OrderService.place(OrderService.java:253)",
            "2024-03-01T09:00:31.539Z  INFO 7429 --- [main] c.e.OrderService : accepted",
        ]);
        assert_eq!(got[2..5], ["+", "+", "+"]);
    }

    #[test]
    fn json_numeric_levels_inferred_level_keys_and_wrapped_lines() {
        // pino/bunyan numeric levels.
        let got = classify(&[
            r#"{"level":30,"time":1,"msg":"request completed"}"#,
            r#"{"level":40,"time":2,"msg":"slow request"}"#,
            r#"{"level":50,"time":3,"msg":"db query failed"}"#,
        ]);
        assert_eq!(
            got,
            [
                "info|request completed",
                "warning|slow request",
                "error|db query failed"
            ]
        );
        // The same numbers under the key of the scale that starts at debug.
        let got = classify(&[
            r#"{"levelno":20,"time":1,"msg":"request completed"}"#,
            r#"{"levelno":30,"time":2,"msg":"slow request"}"#,
            r#"{"levelno":40,"time":3,"msg":"db query failed"}"#,
            r#"{"levelno":50,"time":4,"msg":"storage lost"}"#,
        ]);
        assert_eq!(
            got,
            [
                "info|request completed",
                "warning|slow request",
                "error|db query failed",
                "fatal|storage lost"
            ]
        );
        // A level under a key of its own: the one key whose values are always level words.
        let got = classify(&[
            r#"{"t":"x","s":"I","c":"NETWORK","msg":"Connection accepted"}"#,
            r#"{"t":"x","s":"W","c":"CONTROL","msg":"No TLS certificate"}"#,
            r#"{"t":"x","s":"E","c":"STORAGE","msg":"WiredTiger error"}"#,
        ]);
        // Keys every record has (`t`, `c`) are the structured log's header, not the event.
        assert_eq!(got[1], "warning|No TLS certificate");
        assert_eq!(got[2], "error|WiredTiger error");
        // Docker's json-file driver wraps the application's own log lines.
        let got = classify(&[
            r#"{"log":"2024-03-01 09:00:01,346 INFO bot.feed: connected\n","stream":"stderr"}"#,
            r#"{"log":"2024-03-01 09:00:03,759 WARNING scraper.spider: order 9 rejected\n","stream":"stderr"}"#,
            r#"{"log":"2024-03-01 09:00:12,762 ERROR app.cache: connection failed\n","stream":"stderr"}"#,
            r#"{"log":"Traceback (most recent call last):\n","stream":"stderr"}"#,
            r#"{"log":"  File \"/srv/bot/main.py\", line 162, in main\n","stream":"stderr"}"#,
            r#"{"log":"ValueError: bad\n","stream":"stderr"}"#,
        ]);
        assert_eq!(got[1], "warning|order 9 rejected");
        assert_eq!(got[2], "error|connection failed");
        assert_eq!(got[3..], ["+", "+", "+"]);
    }

    #[test]
    fn json_records_are_message_plus_fields_with_request_fields_nested_or_flat() {
        // Failure class 5 (structured records), generated cases with neutral words: the message
        // plus the other keys (time and level left out), a nested request object's method,
        // route and status kept; an error key makes the record an error.
        let got = classify(&[
            r#"{"level":30,"time":1,"pid":7,"req":{"id":4,"method":"GET","url":"/v2/items/9","headers":{"accept":"*/*"}},"res":{"statusCode":500},"msg":"call done"}"#,
            r#"{"time":"2024-01-01T00:00:00Z","level":"INFO","msg":"call","method":"POST","path":"/v2/items","status":201,"remote":"10.0.0.1:5"}"#,
            r#"{"time":"2024-01-01T00:00:01Z","level":"INFO","msg":"item stored","size":3,"tags":["a"]}"#,
            r#"{"time":"2024-01-01T00:00:02Z","msg":"item lost","size":3,"err":"disk full\nsecond line"}"#,
            r#"{"timestamp":"2024-01-01T00:00:03Z","level":"warning","event":"slow pass","note":"took \"long\""}"#,
            r#"{"time":"2024-01-01T00:00:04Z","a":1,"b":"x y"}"#,
        ]);
        assert_eq!(
            got,
            [
                "info|call done pid=7 req={…} method=GET url=/v2/items/9 res={…} statusCode=500",
                "info|call method=POST path=/v2/items remote=10.0.0.1:5 status=201",
                "info|item stored size=3 tags=[…]",
                "error|item lost err=<*> size=3",
                "warning|slow pass note=\"took 'long'\"",
                "-|a=1 b=\"x y\"",
            ]
        );
        // What the miner sees: the route and status stay, every other value is a variable. (A
        // key on some records of one message only is an extra, left out: records::tests.)
        let masked = |s: &str| {
            let mut v = Vec::new();
            super::super::mask::mask_into(s, &mut v);
            String::from_utf8(v).unwrap()
        };
        assert_eq!(
            masked(got[0].split_once('|').unwrap().1),
            "call done pid=<*> req={…} method=GET url=/v2/items/<*> res={…} statusCode=500"
        );
    }

    #[test]
    fn json_records_behind_a_header_or_among_text_lines_are_records() {
        // Failure class 5 with classes 2/3 (generated): a prefix written before each record
        // (a forwarder, a logger whose message is the record), and records interleaved with
        // a text log: each record is read as one, its fields rendered the same way.
        let got = classify(&[
            r#"2024-01-01 10:00:00,001 INFO svc: {"msg":"call","method":"GET","path":"/v2/items/9","status":200}"#,
            "2024-01-01 10:00:00,002 WARNING svc: cache cold for shard 4",
            r#"2024-01-01 10:00:00,003 INFO svc: {"msg":"call","method":"GET","path":"/v2/items/7","status":500}"#,
            r#"{"level":"error","msg":"store failed","table":"items"}"#,
            "2024-01-01 10:00:01,004 INFO svc: cache warm for shard 4",
            r#"{"level":"info","msg":"call","method":"PUT","path":"/v2/items/7","status":204}"#,
            "2024-01-01 10:00:01,005 INFO svc: cache warm for shard 5",
        ]);
        assert_eq!(
            got,
            [
                "info|call method=GET path=/v2/items/9 status=200",
                "warning|cache cold for shard 4",
                "info|call method=GET path=/v2/items/7 status=500",
                "error|store failed table=items",
                "info|cache warm for shard 4",
                "info|call method=PUT path=/v2/items/7 status=204",
                "info|cache warm for shard 5",
            ]
        );
    }

    #[test]
    fn records_whose_message_field_is_a_record_are_read_as_the_inner_record() {
        // Failure class 5 (generated, neutral words): a wrapper's JSON record whose message
        // field carries an escaped record of its own. The inner record is the event (its
        // message and fields, its level first); the wrapper's every-record keys are its
        // header; a wrapped record that itself wraps log lines loses their header too.
        let got = classify(&[
            r#"{"time":"2024-01-01T00:00:00Z","level":"info","unit":"w","msg":"{\"level\":30,\"msg\":\"call done\",\"req\":{\"method\":\"GET\",\"url\":\"/v2/items/9\"},\"res\":{\"statusCode\":200}}"}"#,
            r#"{"time":"2024-01-01T00:00:01Z","level":"info","unit":"w","msg":"{\"level\":50,\"msg\":\"store failed\",\"table\":\"items\"}"}"#,
            r#"{"time":"2024-01-01T00:00:02Z","level":"info","unit":"w","msg":"{\"level\":30,\"msg\":\"call done\",\"req\":{\"method\":\"GET\",\"url\":\"/v2/items/7\"},\"res\":{\"statusCode\":500}}"}"#,
            r#"{"time":"2024-01-01T00:00:03Z","level":"warn","unit":"w","msg":"{\"msg\":\"pass slow\"}"}"#,
        ]);
        assert_eq!(
            got,
            [
                "info|call done req={…} method=GET url=/v2/items/9 res={…} statusCode=200",
                "error|store failed table=items",
                "info|call done req={…} method=GET url=/v2/items/7 res={…} statusCode=500",
                "warning|pass slow",
            ]
        );
        // Three layers: a record wrapping a runtime's record wrapping text log lines.
        let wrap = |inner: &str| {
            let runtime = serde_json::json!({"log": format!("{inner}\n"), "stream": "stderr"});
            serde_json::json!({"level": "info", "unit": "w", "msg": runtime.to_string()})
                .to_string()
        };
        let lines = [
            wrap("2024-01-01 10:00:00,001 INFO part.a: link up to node 4"),
            wrap("2024-01-01 10:00:01,002 WARNING part.b: queue 9 slow"),
            wrap("2024-01-01 10:00:02,003 ERROR part.a: link lost to node 4"),
            wrap("2024-01-01 10:00:03,004 INFO part.b: queue 7 drained"),
        ];
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let got = classify(&lines);
        assert_eq!(
            got,
            [
                "info|link up to node 4",
                "warning|queue 9 slow",
                "error|link lost to node 4",
                "info|queue 7 drained",
            ]
        );
    }

    #[test]
    fn colour_escapes_inside_a_record_are_presentation() {
        // Generated (neutral words): a coloured formatter behind a JSON handler writes
        // `\u001b[…m` into the message and fields; the record reads as the plain text would.
        let got = classify(&[
            r#"{"level":"info","msg":"\u001b[35m\u001b[1mpart 6 moved\u001b[0m","note":"\u001b[31mx y\u001b[0m"}"#,
            r#"{"level":"info","msg":"part 7 moved","note":"x y"}"#,
        ]);
        assert_eq!(got[0], got[1].replace('7', "6"));
        assert_eq!(got[1], "info|part 7 moved note=\"x y\"");
    }

    #[test]
    fn logfmt_records_keep_their_keys_in_any_position_of_the_line() {
        // Failure class 5 (logfmt records), generated cases: `msg` anywhere among the pairs,
        // quoted or bare; time and level left out; a line with a bare word is not a record.
        let got = classify(&[
            r#"time="2024-01-01T00:00:00Z" level=info msg=call dur=12ms method=GET path="/v2/items?page=3" status=200"#,
            r#"time="2024-01-01T00:00:01Z" level=error msg="store failed" err="disk \"a\" full" table=items"#,
            r#"ts=2024-01-01T00:00:02Z msg="call" note=x word and more"#,
        ]);
        assert_eq!(
            got[0],
            r#"info|call dur=12ms method=GET path="/v2/items?page=3" status=200"#
        );
        assert_eq!(
            got[1],
            r#"error|store failed err="disk \"a\" full" table=items"#
        );
        assert!(
            got[2].ends_with(r#"msg="call" note=x word and more"#),
            "{}",
            got[2]
        );
    }

    #[test]
    fn failed_and_errored_tests_in_a_test_log_are_errors() {
        // Level class (generated, `pytest -v`): the outcome word beside a test id is the
        // level of a test's line; passed and skipped tests have none.
        let got = classify(&[
            "tests/test_feed.py::test_beta_3 FAILED    [ 22%]",
            "tests/test_risk.py::test_eta_21[7-buy] ERROR        [ 24%]",
            "tests/test_risk.py::test_beta_7[MSFT] PASSED             [ 95%]",
            "tests/test_fills.py::test_gamma_13[6-sell] SKIPPED    [ 95%]",
            "FAILED tests/delta.py::test_gamma - AssertionError: assert 431 == 8",
            "the word FAILED alone is not a test outcome",
            "E       assert 431 == 8",
        ]);
        let levels: Vec<&str> = got.iter().map(|g| g.split('|').next().unwrap()).collect();
        assert_eq!(levels, ["error", "error", "-", "-", "error", "-", "-"]);
    }

    #[test]
    fn python_warnings_lines_are_warnings() {
        assert_eq!(
            message_level("/site-packages/bs4/builder/__init__.py:545: XMLParsedAsHTMLWarning: x"),
            Some(Level::Warning)
        );
        assert_eq!(message_level("/srv/app.py:12: note: Warning: x"), None);
        assert_eq!(message_level("app.py: FutureWarning: x"), None);
    }
    #[test]
    fn indented_bullet_lines_are_events_of_their_own() {
        // A server that prints its banner as indented bullet lines between its headed lines:
        // each bullet is a message of its own, not a continuation of the line above it.
        // Bullets listed under a head that announces them (`…:`) and lines of a traceback
        // stay with their event.
        let got = classify(&[
            "[2024-05-01 10:00:00,001] INFO in alpha: job 1 queued",
            " * Serving thing 'beta'",
            " * Gamma mode: off",
            "[2024-05-01 10:00:01,001] INFO in alpha: job 2 queued",
            " * Running on http://127.0.0.1:5000",
            "[2024-05-01 10:00:02,001] INFO in alpha: options in use:",
            " * delta",
            " * epsilon",
            "[2024-05-01 10:00:03,001] ERROR in alpha: job 3 failed",
            "Traceback (most recent call last):",
            "  File \"/srv/alpha.py\", line 3, in run",
            "    * 2",
            "ValueError: bad value",
            " * Restarting with zeta",
        ]);
        assert_eq!(
            got,
            [
                "info|job 1 queued",
                "-|Serving thing 'beta'",
                "-|Gamma mode: off",
                "info|job 2 queued",
                "-|Running on http://127.0.0.1:5000",
                "info|options in use:",
                "+",
                "+",
                "error|job 3 failed",
                "+",
                "+",
                "+",
                "+",
                "-|Restarting with zeta",
            ]
        );
    }

    #[test]
    fn indented_line_ending_with_a_margin_location_opens_an_event() {
        // A handler that pads lines to the terminal's width, leaves its time column blank
        // within one second, shows no level, and prints the source location at the right
        // margin: an indented line ending with that location is a head; a wrapped line (no
        // location) continues the event above it.
        let got = classify(&[
            "[05/01/24 10:00:00] alpha job 1 queued on beta           worker.py:42",
            "                    alpha job 2 queued on beta           worker.py:42",
            "                    gamma report for delta written to    report.py:7",
            "                    /srv/out/epsilon.txt                            ",
            "[05/01/24 10:00:01] alpha job 3 queued on beta           worker.py:42",
            "    at the margin of zeta: see eta.txt:3",
        ]);
        // Boundaries only: how the blank time column is split off is the header model's.
        let head = |g: &str| g.strip_prefix("-|").map(|m| m.trim_start().to_owned());
        let job = |n: u32| {
            Some(format!(
                "alpha job {n} queued on beta           worker.py:42"
            ))
        };
        assert_eq!(head(&got[0]), job(1));
        assert_eq!(head(&got[1]), job(2));
        assert_eq!(
            head(&got[2]).as_deref(),
            Some("gamma report for delta written to    report.py:7")
        );
        assert_eq!(got[3], "+");
        assert_eq!(head(&got[4]), job(3));
        assert_eq!(got[5], "+");
    }

    /// Events of one kind whose values differ in length, so the wrap falls at different
    /// words; a location column of varying width.
    fn console_events() -> Vec<(u32, &'static str, String, String)> {
        (0..48)
            .map(|i| {
                let level = if i % 5 == 0 { "WARNING" } else { "INFO" };
                let name = "n".repeat(2 + (i * 7) % 23);
                let message =
                    format!("task {i} moved from lane-{name} to lane-{i} after {i} tries");
                let location = format!("{}.py:{}", "m".repeat(3 + i % 6), 10 + i * 13);
                (i as u32 / 3, level, message, location)
            })
            .collect()
    }

    #[test]
    fn wrapped_console_lines_carry_the_rest_of_their_message() {
        let events = console_events();
        let refs: Vec<(u32, &str, &str, &str)> = events
            .iter()
            .map(|(s, l, m, loc)| (*s, *l, m.as_str(), loc.as_str()))
            .collect();
        let mut lines = render_console(&refs, 64);
        // A traceback under the last event stays a plain continuation.
        lines.push(format!("{:20}{}", "", "Traceback (most recent call last):"));
        lines.push(format!("{:22}{}", "", "File \"x.py\", line 1, in y"));
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        assert!(
            lines
                .iter()
                .filter(|l| l.starts_with(' ') && !l[20..].starts_with(' '))
                .count()
                > 5,
            "the case wraps"
        );
        let got = classify(&lines);
        let messages = joined_messages(&got);
        let want: Vec<&str> = events.iter().map(|e| e.2.as_str()).collect();
        assert_eq!(messages, want, "{got:#?}");
        assert_eq!(&got[got.len() - 2..], ["+", "+"]);
        assert!(got.iter().any(|g| g.starts_with("warning|")), "{got:?}");
    }

    #[test]
    fn a_right_hand_column_moved_by_a_longer_value_is_still_header() {
        // Class: fixed-width console output with a right-hand location column whose values
        // changed length after padding (a value rewritten in place, a list where one value
        // was): the heads no longer end at one column, yet their last field keeps its shape.
        let events = console_events();
        let refs: Vec<(u32, &str, &str, &str)> = events
            .iter()
            .map(|(s, l, m, loc)| (*s, *l, m.as_str(), loc.as_str()))
            .collect();
        let mut want: Vec<String> = events.iter().map(|e| e.2.clone()).collect();
        let mut k = 0;
        let lines: Vec<String> = render_console(&refs, 64)
            .into_iter()
            .map(|l| {
                if l.starts_with(&" ".repeat(20)) {
                    return l;
                }
                k += 1;
                if k % 2 == 1 {
                    return l;
                }
                // Every other head: its task number becomes a list, nothing re-padded.
                let from = format!("task {} ", k - 1);
                let to = format!("task {},{}7 ", k - 1, k - 1);
                want[k - 1] = want[k - 1].replacen(&from, &to, 1);
                l.replacen(&from, &to, 1)
            })
            .collect();
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let got = classify(&lines);
        assert_eq!(joined_messages(&got), want, "{got:#?}");

        // Must not fire: a padded last field whose shape varies from head to head, a bare
        // number set off at the margin, and a message of one word.
        let cells: [fn(usize) -> String; 2] = [
            |i| ["beta.gamma", "delta:4", "eps/zeta", "eta-theta"][i % 4].to_owned(),
            |i| format!("{}", 100 + i * 37),
        ];
        for last in cells {
            let mut lines = Vec::new();
            for i in 0..16 {
                let pad = " ".repeat(2 + i % 5);
                lines.push(format!(
                    "[12:00:{i:02}] INFO     kappa {i} lambda{pad}{}",
                    last(i)
                ));
            }
            let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
            let got = classify(&refs);
            for (g, l) in got.iter().zip(&lines) {
                let m = l.split("INFO     ").nth(1).unwrap();
                assert!(g.ends_with(m), "{g:?} lost the end of {l:?}");
            }
        }
    }

    #[test]
    fn an_exception_at_the_message_column_opens_a_trace_not_more_message() {
        // Class: records written in two parts (a level and a name, then the message on lines
        // padded to the message column), where the exception of an error record is padded
        // the same way: its first line is the stack trace's, not the message's.
        let mut lines: Vec<String> = Vec::new();
        for i in 0..12 {
            let level = if i % 4 == 3 { "fail" } else { "info" };
            lines.push(format!("{level}: alpha.Beta[{i}]"));
            lines.push(format!("      gamma delta {i} epsilon"));
            if level == "fail" {
                lines.push("      alpha.ZetaException (0x8004): eta theta".to_owned());
                lines.push("         at alpha.Iota.Kappa() in /src/Iota.cs:line 3".to_owned());
            }
        }
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let got = classify(&refs);
        assert!(
            got.iter().filter(|g| g.starts_with('~')).count() >= 12,
            "{got:#?}"
        );
        assert!(got.iter().all(|g| !g.contains("ZetaException")), "{got:#?}");
        assert_eq!(
            got.iter().filter(|g| g.starts_with("error|")).count(),
            3,
            "{got:#?}"
        );
    }

    #[test]
    fn wrapped_console_lines_interleaved_with_another_format_still_join() {
        // Failure class 3 with wrapped console output: every console event followed by a
        // line of another format, so the console's heads are only half of the stream.
        let events = console_events();
        let refs: Vec<(u32, &str, &str, &str)> = events
            .iter()
            .map(|(s, l, m, loc)| (*s, *l, m.as_str(), loc.as_str()))
            .collect();
        let mut lines = Vec::new();
        let mut want = Vec::new();
        let mut events = events.iter();
        for (i, l) in render_console(&refs, 64).into_iter().enumerate() {
            if !l.starts_with(&" ".repeat(20)) {
                let other = match i % 3 {
                    0 => format!("sigma {i} done"),
                    1 => format!("{i} tau items left"),
                    _ => format!("/phi/{i} read again"),
                };
                lines.push(format!(
                    "2024-01-02T10:00:{:02}Z omega[{i}]: {other}",
                    i % 60
                ));
                want.push(other);
                want.push(events.next().unwrap().2.clone());
            }
            lines.push(l);
        }
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let got = classify(&lines);
        let messages = joined_messages(&got);
        // The right-hand column is not recognised in a mixed stream; each console event's
        // words are all in its message, in order, whatever the other format's lines become.
        // (A console head with a blank time right after a line of the other format is still
        // taken for a continuation: those events are missing here, not mangled.)
        let console: Vec<String> = messages
            .iter()
            .filter(|m| m.starts_with("task "))
            .map(|m| {
                let words: Vec<&str> = m
                    .split_whitespace()
                    .filter(|x| !x.contains(".py:"))
                    .collect();
                words.join(" ")
            })
            .collect();
        let mut want = want.iter().filter(|w| w.starts_with("task "));
        for m in &console {
            assert!(
                want.any(|w| w == m),
                "{m:?} is no event's whole message: {got:#?}"
            );
        }
        assert!(console.len() >= 40, "{got:#?}");
    }

    #[test]
    fn indented_lines_off_the_message_column_are_no_wrapped_message() {
        // The same layout without a right-hand column, and indented lines at another column
        // (an indented block under a head): plain continuations.
        let mut lines = Vec::new();
        for i in 0..12 {
            lines.push(format!("[12:00:{i:02}] INFO     alpha {i} beta gamma"));
            lines.push(format!("    delta {i}"));
        }
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let got = classify(&lines);
        assert!(got.iter().all(|g| !g.starts_with('~')), "{got:?}");
        assert_eq!(got.iter().filter(|g| *g == "+").count(), 12);
    }
}
