//! Header detection: which leading part of a log line is the header (timestamp, level, pid,
//! thread, host, component) and where the message starts, with no configuration.
//!
//! The structure is inferred once per source from its first lines by column-wise consistency:
//! leading whitespace-separated columns whose tokens have the same shape on nearly every line
//! (time-like, level keyword, month/day name, `-`, host/id with digits, `[bracketed]`) are
//! header columns; a few plain words sandwiched between header columns (`RAS KERNEL INFO`) are
//! too. After them come an optional component column (a token ending in `:` on most lines, or
//! a column padded by a run of spaces), then the message. Lines that do not fit the inferred
//! structure fall back to stripping leading time-like and level tokens.
//!
//! `--log-format` (the Loghub/logparser syntax) replaces inference when a user knows the format.

use super::levels;

mod source_kinds;
pub use super::levels::Level;
pub use super::log_format::{LogFormat, LogFormatError};
use super::tokens::{compatible, is_glyph, is_header_bracket, is_separator, shape, Shape, Spans};
mod status_column;

mod body_heads;
mod cri;
mod field_shapes;

const MAX_COLS: usize = 12;
/// Sample lines needed before unchecked (label, sandwiched word) columns are accepted on the
/// strength of any consistent column after them.
const MIN_LINES_FOR_GAPS: usize = 20;
/// Tokens a line's signature looks at for a level.
const SIGNATURE_SPANS: usize = 10;
/// Tokens the fallback split looks at.
const FALLBACK_SPANS: usize = 10;

/// The inferred header structure of one source.
#[derive(Debug, Clone, Default)]
pub struct HeaderModel {
    /// Expected shape of each header column (`None`: a sandwiched word, not checked).
    columns: Vec<Option<Shape>>,
    /// Column index holding the level, if any.
    level_col: Option<usize>,
    /// Column index of severity marks (`.` `-` `*` `#`), if any.
    mark_col: Option<usize>,
    /// A component column follows the fixed columns.
    component: Component,
    /// The header of the lines a CRI prefix carries, where they hold one on too few lines for
    /// a column of this model ([`cri::inner_model`]).
    inner: Option<Box<HeaderModel>>,
    /// A category follows the component on most lines (`app[1]: alpha.beta.Gamma[3]: msg`):
    /// stripped where a line has one ([`category_len`]).
    category: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Component {
    #[default]
    None,
    /// A token ending in `:` or an unopened `]` (stripped on lines where it does).
    Colon,
    /// A token followed by a run of two or more spaces.
    Padded,
    /// A host then a `program[pid]:` token (syslog), both stripped where the second ends in `:`.
    HostColon,
    /// A logger or code location then a lone separator (`name : msg`, `a.b:fn:42 - msg`),
    /// both stripped where the separator is there.
    Separated,
}

/// A component field: `name:`, or `file.go:42]` / `name]` closing a header that no `[` opened
/// in the token (klog's `I0301 09:00:21.111003  35 file.go:42] message`).
fn is_component(tok: &str) -> bool {
    tok.len() > 1
        && ((tok.ends_with(':') && !tok.contains("://"))
            || (tok.ends_with(']') && !tok.contains('[')))
}

/// One line split into header and message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split<'a> {
    pub header: &'a str,
    pub message: &'a str,
    pub level: Option<Level>,
}

impl HeaderModel {
    /// Infers the header structure from sample lines (the first lines of a source).
    pub fn infer<'a>(sample: impl IntoIterator<Item = &'a str>) -> Self {
        // Continuation lines (indented frames, `Caused by:`, tracebacks, and every line
        // between a `Traceback` line and its exception line, however the frames are drawn,
        // goroutine dumps) and JSON records are not headers.
        let lines = super::multiline::head_candidates(sample);
        if lines.len() < 3 {
            return Self::default();
        }
        let n = lines.len();
        // counts[col][shape]
        let mut counts: Vec<rustc_hash::FxHashMap<Shape, usize>> =
            vec![rustc_hash::FxHashMap::default(); MAX_COLS];
        // Columns where quoted text starts: headers hold none (see `status_column::limits`).
        let mut quoted = [0usize; MAX_COLS];
        // First fields that are a whole header in brackets; one-character marks per column
        // (bits: `.` `-` `*` `#`, and any other mark).
        let mut header_brackets = 0;
        // Of them, the brackets that name a level (`[<time>: WARNING/worker-2]`): a whole
        // header that has said its level, as a level column does.
        let mut level_brackets = 0;
        let mut marks = [0u8; MAX_COLS];
        // Tokens per column that are one drawn non-ASCII mark (`¦`, `»`).
        let mut glyphs = [0usize; MAX_COLS];
        for l in &lines {
            for (c, &(s, e)) in Spans::of(l, MAX_COLS).get().iter().enumerate() {
                let tok = &l[s..e];
                let sh = shape(tok);
                *counts[c].entry(sh).or_default() += 1;
                if c == 0 && sh == Shape::Bracket && is_header_bracket(tok) {
                    header_brackets += 1;
                    if is_level_bracket(tok) {
                        level_brackets += 1;
                    }
                }
                if tok.len() == 1 && sh == Shape::Dash {
                    marks[c] |= match tok {
                        "." => 0b0001,
                        "-" => 0b0010,
                        "*" => 0b0100,
                        "#" => 0b1000,
                        _ => 0b1_0000,
                    };
                }
                if is_glyph(tok) {
                    glyphs[c] += 1;
                }
                if matches!(l.as_bytes()[s], b'"' | b'\'') {
                    quoted[c] += 1;
                }
            }
        }
        let dominant: Vec<Option<Shape>> = counts
            .iter()
            .map(|m| {
                m.iter()
                    .max_by_key(|(s, c)| (**c, **s as u8))
                    .filter(|(s, c)| s.is_headerish() && **c * 10 >= n * 9)
                    .map(|(s, _)| *s)
            })
            .collect();
        let (max_cols, status_at) = status_column::limits(&quoted, &lines, &dominant);
        // Header columns: consistent columns from the start, allowing one unchecked column
        // first (a label such as `-`/`KERNDTLB`) and runs of up to two unchecked words between
        // consistent ones (`RAS KERNEL INFO`).
        let mut columns: Vec<Option<Shape>> = Vec::new();
        let mut c = 0;
        // The header was closed by a logger's lone `-` ([`closes_component`]).
        let mut closed = false;
        while c < max_cols {
            if let Some(s) = dominant[c] {
                columns.push(Some(s));
                c += 1;
                if closes_component(&columns, marks[c - 1]) {
                    closed = true;
                    break;
                }
                continue;
            }
            let reach = if columns.is_empty() { 2 } else { 3 };
            let next = (c + 1..(c + reach).min(max_cols)).find(|&k| dominant[k].is_some());
            // In a small sample, only a level or a `-` separator after the unchecked words
            // proves they are header: a repeated message (`worker 1 …`) looks consistent too.
            // A host or id column never does: a message that most lines share (`0.2s → <id>:name`)
            // carries ids after its first words, and whether nine lines in ten do is the
            // sample's luck, not the file's structure (order independence).
            let proven = |k: usize| {
                dominant[k] != Some(Shape::HostId)
                    && (n >= MIN_LINES_FOR_GAPS
                        || matches!(dominant[k], Some(Shape::Level | Shape::Dash)))
            };
            // Past the level, a logger writes its fields as a component closed by a lone
            // separator (`name -`, `name :`); words followed by more typed columns there are
            // the message of one event that nearly every sample line shares (an access line's
            // `GET /path 1.1 200`), not header.
            // The separator may be drawn as one glyph on nearly every line (`file.go:42 ¦
            // [tags] 4 message`): then it is that lone separator, and the typed fields right
            // after it (a bracketed tag list, a counter) are header.
            // A whole header in one bracket that names the level (time, level and a process
            // name, no logger field after it) has ended as a level column ends one: what
            // follows is the message's own structure (an access line's method, route and
            // status), whatever the header's style.
            let after_level = columns.contains(&Some(Shape::Level))
                || (columns.first() == Some(&Some(Shape::Bracket)) && level_brackets * 10 >= n * 9);
            let drawn = glyphs[c] * 10 >= n * 9;
            match next {
                Some(k)
                    if proven(k)
                        && (dominant[k] != Some(Shape::Dash) || k == c + 1)
                        && (!after_level
                            || (k == c + 1 && (dominant[k] == Some(Shape::Dash) || drawn))) =>
                {
                    for _ in c..k {
                        columns.push(None);
                    }
                    c = k;
                }
                _ => break,
            }
        }
        // One column is a header only when it is a whole header in brackets.
        let one_bracket = columns.len() == 1
            && columns[0] == Some(Shape::Bracket)
            && header_brackets * 10 >= n * 9;
        if columns.iter().filter(|c| c.is_some()).count() < 2 && columns.len() < 2 && !one_bracket {
            columns.clear();
        }
        if columns.is_empty() {
            return body_heads::record_heads(&lines).map_or_else(Self::default, Self::infer);
        }
        if !closed {
            if let Some(p) = field_shapes::host_words_start(&columns, &lines) {
                columns.truncate(p);
            }
        }
        let cri_tag = cri::tag_column(&lines, &columns);
        let level_col = cri::level_column(&columns, cri_tag);
        cri::end_at_tag(&mut columns, cri_tag, level_col);
        // A column of severity marks: two or more of `.` `-` `*` `#`, one of them `*` or `#`,
        // and no other mark.
        let mark_col = columns.iter().enumerate().position(|(c, s)| {
            *s == Some(Shape::Dash)
                && marks[c] < 0b1_0000
                && marks[c].count_ones() >= 2
                && marks[c] & 0b1100 != 0
        });
        // Component column after the fixed ones.
        let k = columns.len();
        let mut colon = 0;
        let mut padded = 0;
        let mut host_colon = 0;
        let mut separated = 0;
        for l in &lines {
            let sp = Spans::of(l, k + 3 + MAX_SHIFT);
            let spans = sp.get();
            if let Some(&(s, e)) = spans.get(k) {
                if separated_at(l, spans, k).is_some() || field_shapes::bare_separator(l, spans, k)
                {
                    separated += 1;
                }
                if spans.len() > k + 1 {
                    if is_component(&l[s..e]) {
                        colon += 1;
                    } else if spans.len() > k + 2 {
                        let (s2, e2) = spans[k + 1];
                        if is_component(&l[s2..e2])
                            || field_shapes::host_words_then_program(l, spans, k)
                        {
                            host_colon += 1;
                        }
                    }
                    if l.as_bytes().get(e..e + 2) == Some(b"  ") {
                        padded += 1;
                    }
                }
            }
        }
        let component = if closed || columns.len() == status_at {
            Component::None
        } else if colon * 10 >= n * 6 {
            Component::Colon
        } else if padded * 10 >= n * 9 {
            Component::Padded
        } else if host_colon * 10 >= n * 6 {
            Component::HostColon
        } else if separated * 10 >= n * 6 {
            Component::Separated
        } else {
            Component::None
        };
        let mut model = Self {
            columns,
            level_col,
            mark_col,
            component,
            category: false,
            inner: None,
        };
        // A second field closed by a colon after the component: a logger's category (a dotted
        // name or `name[id]`) written after a host's program field, as a framework's console
        // logger does when its lines go through syslog. Most lines must have one.
        if matches!(component, Component::Colon | Component::HostColon) {
            let with = lines
                .iter()
                .filter(|l| {
                    model
                        .split_by_model(l, &mut Spans::lazy(k + 3))
                        .is_some_and(|s| category_len(s.message).is_some())
                })
                .count();
            model.category = with * 10 >= n * 6;
        }
        model.inner = cri::inner_model(&model, &lines, cri_tag);
        body_heads::prefer_heads_level(model, &lines)
    }

    /// Whether any header column was inferred.
    pub fn has_columns(&self) -> bool {
        !self.columns.is_empty()
    }

    /// Whether the inferred header shows each line's severity: a level column or a column of
    /// severity marks.
    pub fn names_level(&self) -> bool {
        self.level_col.is_some() || self.mark_col.is_some()
    }

    /// Whether the inferred header has a level column.
    pub fn has_level_column(&self) -> bool {
        self.level_col.is_some()
    }

    /// Splits one line by this model only; `None` when the line does not fit it.
    pub fn split_fitting<'a>(&self, line: &'a str) -> Option<Split<'a>> {
        let mut sp = Spans::lazy(self.columns.len() + 3);
        let mut split = self.split_by_model(line, &mut sp)?;
        if let Some(inner) = &self.inner {
            cri::split_inner(inner, line, &mut split);
        }
        if split.level.is_none() {
            split.level = levels::in_header(split.header);
        }
        if split.level.is_none() && !split.header.is_empty() {
            split.level = levels::after_pairs(split.message);
        }
        Some(split)
    }

    /// How many header columns the model has.
    pub fn width(&self) -> usize {
        self.columns.len()
    }

    /// The column holding the level, if any.
    pub fn level_column(&self) -> Option<usize> {
        self.level_col
    }

    /// Whether the header is a relay's: a time or date column, then a host and the writing
    /// program closed by a colon (`<date> <time> host prog[pid]: msg`, the BSD syslog layout),
    /// which names its source as a level column names a severity. Class: a program's own
    /// header in a stream that no level column marks, as clearly a logger's as a timed level.
    pub fn is_timed_with_program(&self) -> bool {
        let timed = |c: &Option<Shape>| matches!(c, Some(Shape::Time | Shape::DateWord));
        self.columns.iter().any(timed)
            && (self.component == Component::HostColon
                || (self.component == Component::Colon
                    && self.columns.last() == Some(&Some(Shape::HostId))))
    }

    /// Whether the header names its line's source: a level column or a relay's program
    /// ([`Self::is_timed_with_program`]); what tells two unlevelled timed styles in one stream
    /// apart where their common model keeps a time only (a relay's and a runtime's bare one).
    pub fn names_source(&self) -> bool {
        self.has_level_column() || self.is_timed_with_program()
    }

    /// Whether the model has a typed header (two checked columns other than separators, a
    /// level or mark column, or a whole header in one bracket), not just a word or a number
    /// that a group of similar messages happens to start with, nor the separators of a
    /// printed table's rows.
    pub fn is_typed(&self) -> bool {
        self.level_col.is_some()
            || self.mark_col.is_some()
            || self.columns == [Some(Shape::Bracket)]
            || self
                .columns
                .iter()
                .filter(|c| c.is_some_and(|s| s != Shape::Dash))
                .count()
                >= 2
    }

    /// What tells two interleaved formats apart (`to_level`): the shapes of a line's leading tokens up to
    /// and including the first level word written as a header writes it (capitalised or
    /// bracketed), within the first [`SIGNATURE_SPANS`] tokens; else the shapes of its first
    /// two tokens. Two formats whose first tokens look alike (two dates) still differ in
    /// where their level sits; a lower-case level word, after typed fields only (`is_typed_field`).
    /// `to_level` false: the shapes of the first two tokens only.
    pub fn signature(line: &str, to_level: bool) -> u64 {
        let sp = Spans::of(line, if to_level { SIGNATURE_SPANS } else { 2 });
        let shapes: Vec<Shape> = sp.get().iter().map(|&(s, e)| shape(&line[s..e])).collect();
        // A first token that is a whole header in brackets naming the level holds the level:
        // a level word after it is the message's own (a test outcome, a forwarded line's).
        let level_at = sp
            .get()
            .iter()
            .zip(&shapes)
            .enumerate()
            .position(|(i, (&(s, e), sh))| {
                (*sh == Shape::Level
                    && (line.as_bytes()[s].is_ascii_uppercase()
                        || matches!(line.as_bytes()[s], b'[' | b'<')
                        || (i >= 2 && shapes[..i].iter().all(|s| s.is_typed_field()))))
                    || (i == 0 && *sh == Shape::Bracket && is_level_bracket(&line[s..e]))
            });
        let (upto, mark) = match level_at {
            Some(p) => (p + 1, 1u64 << 63),
            None => (shapes.len().min(2), 0),
        };
        shapes[..upto]
            .iter()
            .fold(0u64, |acc, &sh| acc * 8 + sh as u64 + 1)
            | mark
    }

    /// Splits one line into header and message.
    pub fn split<'a>(&self, line: &'a str) -> Split<'a> {
        let mut sp = Spans::lazy(self.columns.len() + 3);
        let mut split = match self.split_by_model(line, &mut sp) {
            Some(mut split) => {
                if let Some(inner) = &self.inner {
                    cri::split_inner(inner, line, &mut split);
                }
                split
            }
            None => fallback_split(line, &mut sp),
        };
        // A level in any other field of the header (after a pid or thread, inside a bracket).
        if split.level.is_none() && !split.header.is_empty() {
            // Else the level word after `key=value` context fields opening the message.
            split.level =
                levels::in_header(split.header).or_else(|| levels::after_pairs(split.message));
        }
        split
    }

    fn split_by_model<'a>(&self, line: &'a str, sp: &mut Spans) -> Option<Split<'a>> {
        if self.columns.is_empty() {
            return None;
        }
        // The tokens a fitting line is read through (its columns, the component, the message's
        // first token), scanned in one pass rather than one call per column; no more than
        // the tokens promised ([`Spans::lazy`]), so the fallback split sees the same tokens.
        sp.ensure(line, (self.columns.len() + 2).min(sp.promised.max(1)));
        // A line needs a token past the header columns; that is checked once the columns
        // matched, so a line that fails at its first columns is not scanned further.
        let checked = self.columns.iter().filter(|c| c.is_some()).count();
        let mut mismatches = 0;
        let mut level = None;
        // Extra tokens taken by unchecked columns: a program or label written in two words
        // (`chrome.exe *64`) shifts the columns after it instead of failing the line.
        let mut shift = 0;
        // One checked column absent from this line (a level or pid some lines do not write):
        // the columns after it are read one token earlier.
        let mut absent = 0;
        for (c, col) in self.columns.iter().enumerate() {
            let Some(want) = col else {
                if absent == 0 && mismatches == 0 && self.name_left_out(line, sp, c, c + shift) {
                    absent = 1;
                }
                continue;
            };
            let mut at = c + shift - absent;
            // After an unchecked column a misfit shifts (below) instead.
            if absent == 0
                && mismatches == 0
                && c > 0
                && self.columns[c - 1].is_some()
                && self.is_absent(line, sp, c, at)
            {
                absent = 1;
                continue;
            }
            let mut got = sp.shape(line, at);
            // A field written in more tokens on this line than the model's (a name before a
            // separator, a host in words before the level): the columns after it move along.
            if shift < MAX_SHIFT && !got.is_some_and(|g| compatible(*want, g)) {
                let extra = if self.name_inserted(line, sp, c, at) {
                    1
                } else {
                    self.host_in_words(line, sp, c, at)
                }
                .min(MAX_SHIFT - shift);
                if extra > 0 {
                    shift += extra;
                    at += extra;
                    got = sp.shape(line, at);
                }
            }
            if !got.is_some_and(|g| compatible(*want, g))
                && c > 0
                && self.columns[c - 1].is_none()
                && shift < MAX_SHIFT
            {
                // Tokens past the usual ones are scanned only when a column has to shift.
                sp.ensure(line, self.columns.len() + 3 + MAX_SHIFT);
                if let Some((extra, g)) = (1..=MAX_SHIFT - shift).find_map(|x| {
                    sp.shape(line, at + x)
                        .filter(|&g| compatible(*want, g))
                        .map(|g| (x, g))
                }) {
                    shift += extra;
                    at += extra;
                    got = Some(g);
                }
            }
            let got = got?;
            let spans = sp.get();
            if Some(c) == self.level_col {
                let (s, e) = spans[at];
                let tok = &line[s..e];
                // A level word velo does not know (`AUDIT`, `[SEVERE2]`) in the level column
                // is still header: the line keeps the structure of its file.
                if got != Shape::Level && !is_level_like(tok) {
                    return None;
                }
                level = levels::in_field(tok).or_else(|| Level::parse(tok));
            } else if Some(c) == self.mark_col {
                let (s, e) = spans[at];
                level = Level::from_mark(&line[s..e]);
            } else if !compatible(*want, got) {
                mismatches += 1;
                // A line that left a column out fits every other one.
                if absent > 0 || mismatches > 1 || mismatches * 4 > checked {
                    return None;
                }
            }
        }
        let mut k = self.columns.len() + shift - absent;
        sp.ensure(line, k + 1);
        if sp.get().len() <= k {
            return None;
        }
        if self.level_before_name(line, sp, k) {
            k += 1;
        }
        sp.ensure(
            line,
            match self.component {
                Component::Separated => k + 4,
                Component::HostColon => k + 3 + MAX_SHIFT,
                _ if shift > 0 => k + 3,
                _ => k + 2,
            },
        );
        let spans = sp.get();
        if spans.len() > k + 1 {
            let (s, e) = spans[k];
            let take = match self.component {
                Component::None => 0,
                Component::Colon => usize::from(is_component(&line[s..e])),
                Component::Padded => usize::from(line.as_bytes().get(e..e + 2) == Some(b"  ")),
                // The name may be written in two tokens (`name *64 -`, `name (x) -`).
                Component::Separated => separated_at(line, spans, k).map_or_else(
                    || usize::from(field_shapes::bare_separator(line, spans, k)),
                    |x| x + 1,
                ),
                // The host is header on every line; the program too when it is `name[pid]:`
                // or `name[pid]` (a program that wrote no colon).
                // A host written in two or three words (`build box 1`) moves the program
                // along.
                Component::HostColon => (1..=1 + MAX_SHIFT)
                    .find(|&j| {
                        spans.len() > k + j + 1 && {
                            let (s2, e2) = spans[k + j];
                            let t = &line[s2..e2];
                            is_component(t) || is_program_pid(t)
                        }
                    })
                    .map_or(1, |j| j + 1),
            };
            k += take;
        }
        let mut start = spans.get(k)?.0;
        if self.category {
            start += category_len(&line[start..]).unwrap_or(0);
        }
        Some(Split {
            header: line[..start].trim_end(),
            message: &line[start..],
            level,
        })
    }
}

/// A whole header in one bracket that names the level (`[<time>: WARNING/worker-2]`,
/// `[<time> ERROR alpha::beta]`).
fn is_level_bracket(tok: &str) -> bool {
    is_header_bracket(tok) && levels::in_field(tok).is_some()
}

/// A logger's category opening a message, closed by a colon and followed by the message: a
/// dotted name (`alpha.beta.Gamma:`) or a name with an id in brackets (`alpha[7]:`,
/// `alpha.Beta[0]:`); the bytes to skip to the message. A word with a colon (`error:`), a
/// URL or a `host:port` is not one.
fn category_len(msg: &str) -> Option<usize> {
    let end = msg.find(' ')?;
    let name = msg[..end].strip_suffix(':')?;
    let (name, id) = match name.find('[') {
        Some(o) => (&name[..o], Some(&name[o..])),
        None => (name, None),
    };
    if let Some(id) = id {
        let inner = id.strip_prefix('[')?.strip_suffix(']')?;
        if inner.is_empty() || !inner.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
    }
    let b = name.as_bytes();
    let dotted = name.split('.').count() > 1 && name.split('.').all(|p| !p.is_empty());
    if !b.first()?.is_ascii_alphabetic()
        || !b
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_'))
        || (id.is_none() && !dotted)
    {
        return None;
    }
    let rest = msg[end..].trim_start();
    (!rest.is_empty()).then(|| msg.len() - rest.len())
}

/// Whether the last of `columns`, a column of lone separators whose one-character marks are
/// `marks` (the bits of [`HeaderModel::infer`]), closes the header: a lone `-` after a level
/// column with a field between them, the logger's component that a logger closes with a dash
/// (`<time> | LEVEL | name:fn:42 - message`, `<time> - LEVEL - name - message`). What comes
/// after it is the message, however many typed fields it opens with (an access line's
/// `200 | 1.2ms | <client> |`, a client address, a direction mark): those fields are typed on
/// every line of one population as header columns are, and nothing in their shapes tells them
/// apart. A `-` right after the level (`LEVEL - name - msg`) or one among the columns before
/// the level (`<date> - <time>`) does not close it; nor does `---` (a pid's separator) or `|`;
/// nor a `-` after a number, a time or an address: a logger names itself with a name (a word,
/// a dotted path, `name:fn:42`), and `[LEVEL] <address> - <id> …` is a message's own field
/// layout after a header of one column.
fn closes_component(columns: &[Option<Shape>], marks: u8) -> bool {
    let Some((last, before)) = columns.split_last() else {
        return false;
    };
    *last == Some(Shape::Dash)
        && marks == 0b0010
        && before
            .iter()
            .position(|c| *c == Some(Shape::Level))
            .is_some_and(|l| {
                let fields = &before[l + 1..];
                fields.iter().any(|c| *c != Some(Shape::Dash))
                    && !fields.contains(&Some(Shape::Time))
            })
}

/// Where a lone separator closes a component that starts at token `k`: one token after it
/// (`name -`) or two (`name *64 -`, a name written in two words), with a message after the
/// separator; the number of tokens the name takes.
fn separated_at(line: &str, spans: &[(usize, usize)], k: usize) -> Option<usize> {
    let sep = |i: usize| {
        spans.len() > i + 1 && {
            let (s, e) = spans[i];
            is_separator(&line.as_bytes()[s..e])
        }
    };
    if sep(k + 1) {
        Some(1)
    } else if spans.len() > k + 1 && !sep(k) && sep(k + 2) {
        Some(2)
    } else {
        None
    }
}

/// An upper-case word of 3 to 9 letters (digits after the first letter allowed), optionally in
/// brackets or followed by a colon: what a level column holds.
fn is_level_like(tok: &str) -> bool {
    let w = tok.trim_matches(|c: char| matches!(c, '[' | ']' | ':' | '<' | '>'));
    (3..=9).contains(&w.len())
        && w.as_bytes()[0].is_ascii_uppercase()
        && w.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// How many extra tokens unchecked header columns may take on one line.
const MAX_SHIFT: usize = 2;

/// `name[123]`: a program with its process id.
fn is_program_pid(t: &str) -> bool {
    let Some(open) = t.find('[') else {
        return false;
    };
    open > 0
        && t.ends_with(']')
        && t.len() > open + 2
        && t[open + 1..t.len() - 1].bytes().all(|b| b.is_ascii_digit())
}

/// Strips leading time-like, level, date-word and bracketed tokens, then a `component:`
/// right after a level.
fn fallback_split<'a>(line: &'a str, sp: &mut Spans) -> Split<'a> {
    let mut level = None;
    let mut k = 0;
    loop {
        // Past its usual reach the loop stops where the tokens known end: those promised count.
        sp.ensure(
            line,
            if k + 2 > FALLBACK_SPANS {
                FALLBACK_SPANS.max(sp.promised)
            } else {
                k + 2
            },
        );
        if k + 1 >= sp.get().len() {
            break;
        }
        let (s, e) = sp.get()[k];
        let tok = &line[s..e];
        let Some(sh) = sp.shape(line, k) else {
            break;
        };
        match sh {
            Shape::Time | Shape::DateWord => {}
            Shape::Dash if !matches!(tok, ":" | "--" | "---") => {}
            // A lone letter opening a line with no header is a mark or a word (pytest's
            // `E   assert …` explanation lines, `A connection …`), not a level.
            Shape::Level if level.is_none() && (k > 0 || tok.len() > 1) => {
                level = levels::in_field(tok).or_else(|| Level::parse(tok));
            }
            Shape::Bracket if k > 0 || is_header_bracket(tok) => {}
            _ => break,
        }
        k += 1;
    }
    sp.ensure(line, if level.is_some() { k + 3 } else { k + 2 });
    let spans = sp.get();
    if level.is_some() && k + 1 < spans.len() {
        let (s, e) = spans[k];
        let tok = &line[s..e];
        if tok.len() > 1 && tok.ends_with(':') && !tok.contains("://") {
            k += 1;
        } else if k + 2 < spans.len() && {
            // A logger or code location closed by a lone separator (`a.b:fn:12 - msg`).
            let (s2, e2) = spans[k + 1];
            is_separator(&line.as_bytes()[s2..e2])
        } {
            k += 2;
        }
    }
    if k == 0 {
        return Split {
            header: "",
            message: line,
            level: None,
        };
    }
    let start = spans.get(k).map_or(line.len(), |s| s.0);
    Split {
        header: line[..start].trim_end(),
        message: &line[start..],
        level,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(lines: &[&str]) -> HeaderModel {
        HeaderModel::infer(lines.iter().copied())
    }

    /// Each line's level under the model inferred from all of `lines` (the header submodules'
    /// tests: `body_heads`, `cri`).
    pub(super) fn levels(lines: &[String]) -> Vec<Option<Level>> {
        let l: Vec<&str> = lines.iter().map(String::as_str).collect();
        let m = HeaderModel::infer(l.iter().copied());
        l.iter().map(|x| m.split(x).level).collect()
    }

    /// Generated lines `<date> <time> <sep> <LEVEL> <sep> <logger> <close> <message>`: made-up
    /// logger names and messages, `n` lines, levels cycling through three.
    fn logger_lines(sep: &str, close: &str, message: impl Fn(usize) -> String) -> Vec<String> {
        let levels = ["INFO", "WARNING", "ERROR"];
        (0..40)
            .map(|i| {
                format!(
                    "2031-05-0{} 11:{:02}:{:02}.{:03} {sep} {:<8} {sep} florp:wibble:{} {close} {}",
                    1 + i % 7,
                    i % 60,
                    (i * 7) % 60,
                    (i * 37) % 1000,
                    levels[i % 3],
                    10 + i,
                    message(i)
                )
            })
            .collect()
    }

    /// Class: a logger that closes its component with a lone `-` after the level
    /// (`<time> | LEVEL | name:fn:42 - msg`, `<time> - LEVEL - name - msg`) ends its header
    /// there, even when every message of a population opens with typed fields (a status, a
    /// duration, a client address between `|`, or a client address then `-`), which column
    /// consistency alone would take for more header columns. Must not fire: a `-` right after
    /// the level (the name after it is still header), a `-` between the date and the time
    /// before any level, a pid's `---`, and plain-word messages.
    #[test]
    fn a_lone_dash_after_the_level_and_a_name_closes_the_header() {
        let statuses = ["302", "418", "202", "503"];
        let verbs = ["ZORK", "PLONK", "GRUB"];
        let access = |i: usize| {
            format!(
                "{} | {:>8}ms | 10.{}.{}.{} | {:<6} \"/quux/{}\"",
                statuses[i % 4],
                (i * 13) % 997,
                i % 5,
                i % 7,
                i,
                verbs[i % 3],
                i % 4
            )
        };
        let peer = |i: usize| format!("10.9.{}.{}:{} - {} frob nib", i % 5, i, 40000 + i, 900 + i);
        let cases: [(&str, Vec<String>, &str); 5] = [
            // Fires: `|` around the level, a lone `-` after the logger.
            (
                "pipes, access message",
                logger_lines("|", "-", access),
                "302 |",
            ),
            (
                "pipes, peer message",
                logger_lines("|", "-", peer),
                "10.9.0.0:40000 -",
            ),
            // Fires: `-` around the level too; the name after the level's `-` stays header.
            (
                "dashes, access message",
                logger_lines("-", "-", access),
                "302 |",
            ),
            // Must not fire: plain-word messages end the header where they always did.
            (
                "pipes, word message",
                logger_lines("|", "-", |i| format!("snorf blick {i} quenched")),
                "snorf blick",
            ),
            (
                "dashes, word message",
                logger_lines("-", "-", |i| format!("snorf blick {i} quenched")),
                "snorf blick",
            ),
        ];
        for (what, lines, opens) in &cases {
            let m = model(&lines.iter().map(String::as_str).collect::<Vec<_>>());
            let s = m.split(&lines[0]);
            assert!(s.message.starts_with(opens), "{what}: {s:?}");
            assert!(s.header.ends_with("florp:wibble:10 -"), "{what}: {s:?}");
            assert_eq!(s.level, Some(Level::Info), "{what}");
        }
        // Must not fire: a `-` between date and time before any level, and a pid's `---`
        // after the level, leave the header's later columns (the time, the thread and the
        // component) in the header.
        let dated: Vec<String> = (0..40)
            .map(|i| {
                format!(
                    "[ZUP] 2031/05/01 - 11:00:{:02} | {} | snorf",
                    i % 60,
                    statuses[i % 4]
                )
            })
            .collect();
        let m = model(&dated.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(m
            .split(&dated[3])
            .header
            .starts_with("[ZUP] 2031/05/01 - 11:00:03"));
        let pid: Vec<String> = (0..40)
            .map(|i| {
                format!(
                    "2031-05-01 11:00:{:02}.123 {} {} --- [worker-{}] florp.Wibble : {}",
                    i % 60,
                    ["INFO", "WARN"][i % 2],
                    4000 + i % 3,
                    i % 4,
                    ["snorf blick", "quench zib"][i % 2]
                )
            })
            .collect();
        // Must not fire: an address before the `-` after a one-column header is the message's
        // own layout (a peer, then a request id), not a logger's name; the split stays as it
        // was.
        let peer_first: Vec<String> = (0..40)
            .map(|i| {
                format!(
                    "[{}] 10.7.{}.{}:{} - {} \"{} quux.\" snorf",
                    ["INFO", "WARN"][i % 2],
                    i % 5,
                    i,
                    30000 + i,
                    7000 + i,
                    verbs[i % 3]
                )
            })
            .collect();
        let m = model(&peer_first.iter().map(String::as_str).collect::<Vec<_>>());
        let s = m.split(&peer_first[1]);
        assert!(s.header.starts_with("[WARN] 10.7.1.1:30001 -"), "{s:?}");
        assert!(!s.message.starts_with("7001"), "{s:?}");
        let m = model(&pid.iter().map(String::as_str).collect::<Vec<_>>());
        let s = m.split(&pid[1]);
        assert!(s.header.ends_with("florp.Wibble :"), "{s:?}");
        assert_eq!(s.message, "quench zib", "{s:?}");
    }

    #[test]
    fn strips_date_level_component() {
        let lines = [
            "2024-01-02 10:00:01,123 INFO [main] app.Server: started on port 80",
            "2024-01-02 10:00:02,123 WARN [main] app.Db: slow query took 3s",
            "2024-01-02 10:00:03,123 ERROR [pool-1] app.Db: connection refused",
            "2024-01-02 10:00:04,123 INFO [main] app.Server: ready",
        ];
        let m = model(&lines);
        let s = m.split(lines[2]);
        assert_eq!(s.message, "connection refused");
        assert_eq!(s.level, Some(Level::Error));
        assert_eq!(s.header, "2024-01-02 10:00:03,123 ERROR [pool-1] app.Db:");
    }

    /// Class: how far a line's tokens were scanned before it is split (one pass through the
    /// header, or one token per question), within the tokens promised, never changes the
    /// split: lines that fit, lines that miss a column, short lines, headerless lines, and
    /// lines whose fallback header runs past the fallback's usual reach.
    #[test]
    fn a_split_does_not_depend_on_how_far_tokens_were_scanned() {
        let sample = [
            "2024-01-02 10:00:01,123 INFO [main] alpha.Beta: gamma delta 1",
            "2024-01-02 10:00:02,123 WARN [main] alpha.Beta: gamma delta 2",
            "2024-01-02 10:00:03,123 ERROR [pool-1] alpha.Gamma: epsilon 3",
            "2024-01-02 10:00:04,123 INFO [main] alpha.Beta: zeta",
        ];
        let m = model(&sample);
        assert!(m.has_columns());
        let long = "10:00:01 10:00:02 10:00:03 10:00:04 10:00:05 10:00:06 10:00:07 \
                    10:00:08 10:00:09 10:00:10 10:00:11 INFO alpha: beta";
        let lines = [
            sample[2],
            "2024-01-02 10:00:05,123 [main] alpha.Beta: no level here",
            "2024-01-02 10:00:05,123",
            "2024-01-02",
            "gamma delta epsilon zeta eta theta",
            "- 2024-01-02 10:00:05 INFO [main] alpha: shifted",
            "Jun 14 15:16:01 host alpha[12]: beta gamma",
            long,
            "",
        ];
        let promised = m.width() + 3;
        for line in lines {
            let want = m.split(line);
            for pre in 0..=promised {
                let mut sp = Spans::lazy(promised);
                sp.ensure(line, pre);
                let mut got = m
                    .split_by_model(line, &mut sp)
                    .unwrap_or_else(|| fallback_split(line, &mut sp));
                if got.level.is_none() && !got.header.is_empty() {
                    got.level = levels::in_header(got.header);
                }
                assert_eq!(got, want, "{line:?} scanned {pre} tokens first");
            }
        }
    }

    #[test]
    fn sandwiched_words_and_padded_components() {
        let base = [
            "- 1117838570 2005.06.03 R02-M1 RAS KERNEL INFO cache parity error corrected",
            "- 1117838573 2005.06.03 R02-M2 RAS APP FATAL ciod: failed to read message",
            "- 1117838576 2005.06.03 R03-M1 RAS KERNEL INFO generating core.1234",
        ];
        let lines: Vec<&str> = base.iter().copied().cycle().take(21).collect();
        assert_eq!(
            model(&base).split(base[1]).message,
            "ciod: failed to read message"
        );
        assert_eq!(
            model(&lines).split(lines[1]).message,
            "ciod: failed to read message"
        );
        let win = [
            "2016-09-28 04:30:30, Info                  CBS    Loaded Servicing Stack",
            "2016-09-28 04:30:31, Info                  CSI    00000001 WcpInitialize",
            "2016-09-28 04:30:31, Info                  CBS    Ending TrustedInstaller",
        ];
        assert_eq!(model(&win).split(win[2]).message, "Ending TrustedInstaller");
    }

    #[test]
    fn syslog_host_and_program_are_header() {
        let lines = [
            "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; uid=0",
            "Jun 14 15:16:02 combo sshd(pam_unix)[19937]: check pass; user unknown",
            "Jun 15 02:04:59 combo ftpd[20482]: connection from 1.2.3.4 at Wed Jun 15",
        ];
        assert_eq!(
            model(&lines).split(lines[2]).message,
            "connection from 1.2.3.4 at Wed Jun 15"
        );
    }

    #[test]
    fn fields_separated_by_glued_pipes_are_header() {
        // Class: a header whose fields are separated by `|` with no spaces
        // (`time|component|pid|message`, generated): the message starts after the last `|`
        // of the header, whatever the component; a spaced `|` header still splits the same way.
        let lines = [
            "2024-03-01T09:00:01.101Z|feed_ws|7312|tick received 3579",
            "2024-03-01T09:00:01.202Z|order_book|7312|flush depth cache",
            "2024-03-01T09:00:02.303Z|risk_guard|1208|LIMIT : 3 4 5",
            "2024-03-01T09:00:02.404Z|feed_ws|7312|tick received 3580",
        ];
        let m = model(&lines);
        assert_eq!(m.split(lines[0]).message, "tick received 3579");
        assert_eq!(m.split(lines[2]).message, "LIMIT : 3 4 5");
        assert_eq!(
            m.split(lines[2]).header,
            "2024-03-01T09:00:02.303Z|risk_guard|1208|"
        );
        let spaced: Vec<String> = lines.iter().map(|l| l.replace('|', " | ")).collect();
        let m = model(&spaced.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(m.split(&spaced[1]).message, "flush depth cache");
        // A `|` inside brackets stays part of its field.
        let sp = Spans::of("[a|b] c|d", 4);
        assert_eq!(sp.get(), &[(0, 5), (6, 7), (7, 8), (8, 9)]);
    }

    #[test]
    fn the_fallback_reads_as_far_as_the_model_promised() {
        // A model that fails on the first token; the fallback then strips time-like tokens
        // past its usual reach of ten, up to the width + 3 tokens the model split looks at.
        let m = HeaderModel {
            columns: vec![Some(Shape::Level); 9],
            ..HeaderModel::default()
        };
        let s = m.split("1 2 3 4 5 6 7 8 9 10 11 12 13 done");
        assert_eq!(s.header, "1 2 3 4 5 6 7 8 9 10 11");
        assert_eq!(s.message, "12 13 done");
    }

    #[test]
    fn unchecked_words_never_bridge_to_an_id_column_of_the_message() {
        // Order independence (generated): a message most lines share carries an id after an
        // arrow word; whether nine lines in ten do depends on which lines the sample holds,
        // so the id column is never header.
        let lines: Vec<String> = (0..30)
            .map(|i| {
                format!(
                    "09:00:{i:02}:  {i}.5s → {:08x}ab:alpha_beta gamma",
                    i * 7919
                )
            })
            .collect();
        let m = model(&lines.iter().map(String::as_str).collect::<Vec<_>>());
        let s = m.split(&lines[3]);
        assert!(s.message.starts_with('→'), "{s:?}");
    }

    #[test]
    fn a_whole_header_in_one_bracket_is_a_typed_header() {
        // Class 3 (generated, a Celery worker's stream with journald-prefixed traceback lines):
        // the bracket model must count as a header of its own beside the other shape's model,
        // while a model made of one word column does not.
        let lines = [
            "[2024-03-01 09:00:07,037: INFO/MainProcess] order 1 placed",
            "[2024-03-01 09:00:08,037: WARNING/ForkPoolWorker-2] slow query took 3s",
            "[2024-03-01 09:00:09,037: INFO/MainProcess] order 2 placed",
            "[2024-03-01 09:00:10,037: ERROR/MainProcess] unhandled error in strategy",
        ];
        assert!(model(&lines).is_typed());
        let words = ["worker 1 started", "worker 2 started", "worker 3 stopped"];
        assert!(!model(&words).is_typed());
    }

    /// A generated message, its shape changing from line to line as real messages do.
    fn say(i: usize) -> String {
        match i % 4 {
            0 => format!("parcel {i} moved to shelf"),
            1 => format!("counted crate {i} twice"),
            2 => "gate closed early".to_string(),
            _ => format!("ticket sealed after {i} tries"),
        }
    }

    #[test]
    fn words_after_a_bracketed_header_that_names_the_level_are_message() {
        // Class: a whole header in one bracket that holds the time and the level and no logger
        // field after it (any bracketed style), then an event most sample lines share with
        // typed fields of its own (an access line: method, route, status, duration, size).
        // The words of that event used to bridge to its status and sizes, and the header
        // swallowed the event. Generated, neutral words.
        // Some routes carry an id, some do not: the route is no column of one shape.
        let access = |i: usize| {
            let route = if i % 3 == 0 {
                "/alpha/gamma".to_string()
            } else {
                format!("/alpha/beta/{i}")
            };
            format!(
                "[2024-05-01 10:00:{i:02},125: INFO/Loom-{}] FETCH {route} 2{:02} {i}.5 ms - {} \"kite/2\"",
                i % 3,
                i % 2,
                i * 7
            )
        };
        let mut out = Vec::new();
        for i in 0..30 {
            if i % 15 == 7 {
                out.push(format!(
                    "[2024-05-01 10:00:{i:02},125: WARNING/Loom-1] {}",
                    say(i)
                ));
            } else {
                out.push(access(i));
            }
        }
        let m = model(&out.iter().map(String::as_str).collect::<Vec<_>>());
        let s = m.split(&out[3]);
        assert_eq!(s.message, r#"FETCH /alpha/gamma 201 3.5 ms - 21 "kite/2""#);
        assert_eq!(s.level, Some(Level::Info));
        assert_eq!(m.split(&out[7]).message, say(7));
        // Must not fire: a bracket holding only the time, then a program word and a level
        // column: the word and the level are header as before.
        let timed: Vec<String> = (0..30)
            .map(|i| {
                let lvl = if i % 5 == 0 { "WARN" } else { "INFO" };
                format!("[2024-05-01 10:00:{i:02}] loom {lvl} {}", say(i))
            })
            .collect();
        let m = model(&timed.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(m.split(&timed[5]).message, say(5));
        assert_eq!(m.split(&timed[5]).level, Some(Level::Warning));
        // Must not fire: after the bracket that names the level, a name closed by a lone
        // separator (`name -`) is still the logger field.
        let named: Vec<String> = (0..30)
            .map(|i| {
                format!(
                    "[2024-05-01 10:00:{i:02},125: INFO/Loom-2] alpha.beta - {}",
                    say(i)
                )
            })
            .collect();
        let m = model(&named.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(m.split(&named[6]).message, say(6));
    }

    #[test]
    fn a_level_word_after_a_bracket_that_names_the_level_does_not_split_the_signature() {
        // Class: a whole header in one bracket with the level, then messages of which some
        // carry a level word of their own after a few words (a test outcome, a forwarded
        // line's `key=value … LEVEL:` prefix). The level sits in the bracket, so every line
        // has one signature and no per-signature model takes the message's words for header.
        // Generated, neutral words.
        let pairs = "[2024-05-01 10:00:07,125: INFO/Loom-1] kite=7 ref=ab12 WARN: gamma moved";
        let outcome = "[2024-05-01 10:00:08,125: INFO/Loom-2] tests/alpha.py::beta FAILED [ 4%]";
        let plain = "[2024-05-01 10:00:09,125: ERROR/Loom-1] gamma delta done";
        assert_eq!(
            HeaderModel::signature(pairs, true),
            HeaderModel::signature(plain, true)
        );
        assert_eq!(
            HeaderModel::signature(outcome, true),
            HeaderModel::signature(plain, true)
        );
        // Must not fire: a bracket holding the time only leaves the level where it is written.
        let timed = "[2024-05-01 10:00:07] kite=7 ref=ab12 WARN: gamma moved";
        let timed_plain = "[2024-05-01 10:00:09] gamma delta done";
        assert_ne!(
            HeaderModel::signature(timed, true),
            HeaderModel::signature(timed_plain, true)
        );
    }

    #[test]
    fn class4_words_past_the_level_do_not_bridge_to_typed_columns() {
        // Class: one event (an access line: address, method, route, version, status, sizes)
        // on nearly every sample line, after a header closed by `name -`. The event's numbers
        // are typed columns and its words a short unchecked gap between them, so the header
        // used to swallow the event up to its status. Past the level a gap bridges only to a
        // lone separator right after it. Generated, neutral words.
        let mut out = Vec::new();
        for i in 0..30 {
            if i % 15 == 7 {
                out.push(format!(
                    "2024-05-01 10:00:{i:02}.125 | WARNING  | alpha:beta:{i} - {}",
                    say(i)
                ));
            } else {
                out.push(format!(
                    "2024-05-01 10:00:{i:02}.125 | INFO     | alpha:beta:{i} - 10.0.{i}.7:{} ZETA /eta/{} {} {} {} {}",
                    4000 + i * 7,
                    ["theta", "iota", "kappa"][i % 3],
                    ["1.1", "2"][i % 2],
                    [200, 404, 500][i % 3],
                    i * 13,
                    i * 101
                ));
            }
        }
        let lines: Vec<&str> = out.iter().map(String::as_str).collect();
        let m = model(&lines);
        // The header ends at the logger's closing `-` ([`closes_component`]): the client
        // address that opens the event is the message's, as the rest of the event is.
        for (l, i) in [(lines[3], 3), (lines[4], 4)] {
            let s = m.split(l);
            assert!(s.message.starts_with(&format!("10.0.{i}.7:")), "{l}");
            assert!(s.message.contains(" ZETA /eta/"), "{l}");
        }
        // Must not fire: a component word then a lone separator after the level is header;
        // words before the level still bridge (`RAS KERNEL INFO`, above).
        let sep: Vec<String> = (0..24)
            .map(|i| format!("2024-05-01 10:00:{i:02} INFO alpha.beta : {}", say(i)))
            .collect();
        let sep: Vec<&str> = sep.iter().map(String::as_str).collect();
        assert_eq!(model(&sep).split(sep[5]).message, say(5));
    }

    #[test]
    fn class4_a_level_led_header_is_found_among_unindented_continuation_lines() {
        // Class: records opening with a level glued to a date then a time (`W0501 10:00:…`)
        // whose unindented continuation lines (a statement, an exception banner) are too
        // many for any column to be consistent: the header is inferred from the heads.
        // Generated, neutral words.
        let mut out = Vec::new();
        for i in 0..16 {
            out.push(format!(
                "{}0501 10:00:{i:02}.125061       7 alpha] {}",
                ["I", "W", "E"][i % 3],
                say(i)
            ));
            if i % 2 == 0 {
                out.push(format!("ZETA eta FROM theta WHERE iota = {i}"));
            }
        }
        let lines: Vec<&str> = out.iter().map(String::as_str).collect();
        let m = model(&lines);
        assert!(m.has_level_column());
        assert_eq!(m.split(lines[0]).message, say(0));
        // Must not fire: a level-and-number pair on fewer than a quarter of the lines (a few
        // messages that open with a level word) gives no header.
        let mut plain: Vec<String> = (0..20).map(|i| format!("kappa {}", say(i))).collect();
        plain.push("WARN 3 lambda mu".to_owned());
        plain.push("WARN 4 lambda mu".to_owned());
        plain.push("WARN 5 lambda mu".to_owned());
        let plain: Vec<&str> = plain.iter().map(String::as_str).collect();
        assert!(!model(&plain).has_columns());
    }

    #[test]
    fn class4_a_category_after_the_program_field_is_header() {
        // Class: a framework's category (a dotted name or `name[id]`, closed by a colon)
        // written after a host's `program[pid]:` field, as a console logger's lines read once
        // they go through syslog. Generated, neutral words.
        let cats = [
            "Alpha.Beta.Gamma[3]",
            "Alpha.Delta[0]",
            "Epsilon.Zeta.Eta[12]",
        ];
        let lines: Vec<String> = (0..24)
            .map(|i| {
                format!(
                    "May  1 10:00:{i:02} box-{} theta[1]: {}: {}",
                    i % 3,
                    cats[i % 3],
                    say(i)
                )
            })
            .collect();
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let m = model(&lines);
        for (i, l) in lines.iter().enumerate().take(4) {
            assert_eq!(m.split(l).message, say(i));
        }
        // Must not fire: a plain word with a colon (`kappa:`), a host and port, or a category
        // on too few lines stays in the message.
        let cells: [fn(usize) -> String; 3] = [
            |i| format!("kappa: {}", say(i)),
            |i| format!("lambda.mu:80 {}", say(i)),
            |i| {
                if i % 3 == 0 {
                    format!("Alpha.Beta: {}", say(i))
                } else {
                    say(i)
                }
            },
        ];
        for cell in cells {
            let lines: Vec<String> = (0..24)
                .map(|i| format!("May  1 10:00:{i:02} box-{} theta[1]: {}", i % 3, cell(i)))
                .collect();
            let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
            let m = model(&lines);
            for (i, l) in lines.iter().enumerate().take(4) {
                assert_eq!(m.split(l).message, cell(i), "{l}");
            }
        }
    }

    #[test]
    fn class4_a_drawn_separator_glyph_after_a_location_keeps_the_header_going() {
        // Class: past a glued level, a time, a thread id and a `file:line` location, a logger
        // draws its separator as one non-ASCII glyph, then writes a bracketed tag list and a
        // per-entry counter. Read as a word, the glyph was an unchecked gap past the level and
        // the header stopped at the location, leaving `glyph [tags] n` in every message (and a
        // `+`-marked continuation's mark out of reach). A glyph that is one non-alphanumeric
        // character is a separator mark like `|`. Generated, neutral words.
        let make = |glyph: &str| -> Vec<String> {
            (0..30)
                .map(|i| {
                    format!(
                        "W0501 10:00:{i:02}.{:06} {} {}@alpha/beta.go:{} {glyph} [Q1,m{}] {} {}",
                        i * 37,
                        40 + i % 5,
                        1 + i % 2,
                        100 + i * 3,
                        i % 3,
                        i + 1,
                        say(i)
                    )
                })
                .collect()
        };
        for glyph in ["¦", "»"] {
            let lines = make(glyph);
            let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
            let m = model(&lines);
            for i in [3, 4, 9] {
                assert_eq!(m.split(lines[i]).message, say(i), "{}", lines[i]);
            }
        }
        // Must not fire: a one-letter word in that column (`λ`, not a mark) is still an
        // unchecked word past the level, which bridges only to a lone separator.
        let lines = make("λ");
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        assert!(model(&lines).split(lines[4]).message.starts_with("λ ["));
        // Nor is a glyph a message shares with only some lines a header column.
        let some: Vec<String> = (0..24)
            .map(|i| {
                let tail = if i % 3 == 0 {
                    "» ".to_string() + &say(i)
                } else {
                    say(i)
                };
                format!("2024-05-01 10:00:{i:02} INFO alpha.beta : {tail}")
            })
            .collect();
        let some: Vec<&str> = some.iter().map(String::as_str).collect();
        assert_eq!(
            model(&some).split(some[3]).message,
            "» ".to_string() + &say(3)
        );
    }

    #[test]
    fn class2_a_component_in_one_or_two_tokens_before_a_lone_separator_is_header() {
        // Class 2 (header matrix, generated): `[time] name - message` on most lines and
        // `[time] name tag - message` on some (a name written in two tokens): every line
        // loses its header, so the same message groups the same whatever the name's shape.
        let lines: Vec<String> = (0..30)
            .map(|i| {
                let name = ["alpha.exe", "beta.exe *64", "gamma.exe"][i % 3];
                format!("[03.01 10:00:{i:02}] {name} - {}", say(i))
            })
            .collect();
        let m = model(&lines.iter().map(String::as_str).collect::<Vec<_>>());
        for (i, l) in lines.iter().enumerate() {
            assert_eq!(m.split(l).message, say(i), "{l}");
        }
        // A message with a dash further on keeps its words.
        assert_eq!(
            m.split("[03.01 10:01:00] alpha.exe - up - down").message,
            "up - down"
        );
    }

    #[test]
    fn class2_a_host_written_in_several_words_is_header() {
        // Class 2 (header matrix, generated): `time host program: message` where the host is
        // one name on most lines and a name of several words or `*` on one line in ten.
        let lines: Vec<String> = (0..30)
            .map(|i| {
                let host = match i % 10 {
                    7 => "north yard 2",
                    3 => "*",
                    _ => ["alpha-1", "beta", "gamma-7"][i % 3],
                };
                let prog = ["keeper:", "porter[12]:", "clerk:"][i % 3];
                format!("Mar  1 10:00:{i:02} {host} {prog} {}", say(i))
            })
            .collect();
        let m = model(&lines.iter().map(String::as_str).collect::<Vec<_>>());
        for (i, l) in lines.iter().enumerate() {
            assert_eq!(m.split(l).message, say(i), "{l}");
        }
        // A host with no program after it keeps the message whole.
        assert_eq!(
            m.split("Mar  1 10:01:00 alpha-1 gate closed early").message,
            "gate closed early"
        );
    }

    #[test]
    fn class2_a_header_column_some_lines_leave_out_is_still_header() {
        // Class 2 (header matrix, generated): a level (or a pid) written on most lines and
        // left out on one line in ten; the other fields of those lines are still header.
        let levelled: Vec<String> = (0..30)
            .map(|i| {
                let level = if i % 10 == 7 {
                    ""
                } else {
                    ["INFO ", "WARNING "][i % 2]
                };
                let name = ["alpha.core", "beta.io", "gamma"][i % 3];
                format!("2024-03-01 10:00:{i:02},125 {level}{name}: {}", say(i))
            })
            .collect();
        let m = model(&levelled.iter().map(String::as_str).collect::<Vec<_>>());
        for (i, l) in levelled.iter().enumerate() {
            let s = m.split(l);
            assert_eq!(s.message, say(i), "{l}");
            assert_eq!(s.level.is_some(), i % 10 != 7, "{l}");
        }
        // Only a level or a bracketed field is left out this way: a line without its clock is
        // of another shape (two formats interleaved), not this one with a column missing.
        let clockless = "2024-03-01 INFO alpha.core: gate closed early";
        assert!(!m.is_absent(clockless, &mut Spans::lazy(8), 1, 1));
        assert!(m.is_absent(&levelled[7], &mut Spans::lazy(8), 2, 2));
        let pids: Vec<String> = (0..30)
            .map(|i| {
                let pid = if i % 10 == 7 {
                    String::new()
                } else {
                    format!("[{}] ", 1200 + i % 4)
                };
                let level = ["INFO", "ERROR"][i % 2];
                format!("2024-03-01 10:00:{i:02}.125 {pid}{level} {}", say(i))
            })
            .collect();
        let m = model(&pids.iter().map(String::as_str).collect::<Vec<_>>());
        for (i, l) in pids.iter().enumerate() {
            let s = m.split(l);
            assert_eq!(s.message, say(i), "{l}");
            assert!(s.level.is_some(), "{l}");
        }
        // A line whose column holds something of another shape, not the next column's, is
        // not read as leaving the column out.
        assert_eq!(
            m.split("2024-03-01 10:01:00.125 [1201] hello there")
                .message,
            "hello there"
        );
    }

    #[test]
    fn class1_code_location_or_logger_before_a_lone_separator_is_header() {
        // `time | LEVEL | module:function:line - message`: a code location closed by a lone
        // separator, on a header whose fields are separated by `|`.
        let mut located = Vec::new();
        for i in 0..24 {
            located.push(format!(
                "2024-05-0{} 10:00:{i:02}.125 | {:<8} | alpha.beta:gamma:{} - {}",
                i % 9 + 1,
                ["INFO", "WARNING", "ERROR"][i % 3],
                10 + i,
                say(i)
            ));
        }
        // A traceback between heads, its frames drawn at the margin, leaves the model as is.
        located.insert(3, "Traceback (most recent call last):".into());
        located.insert(4, "> File \"/srv/x/alpha.py\", line 3, in gamma".into());
        located.insert(5, "    delta()".into());
        located.insert(6, "ZeroDivisionError: division by zero".into());
        let lines: Vec<&str> = located.iter().map(String::as_str).collect();
        let m = model(&lines);
        let s = m.split(lines[2]);
        assert_eq!(s.message, say(2));
        assert_eq!(s.level, Some(Level::Error));
        // `time LEVEL pid --- [app] [thread] padded.logger : message`: a padded logger then a
        // lone `:`; a logger with brackets inside its name does not swallow the message.
        let mut padded = Vec::new();
        for i in 0..24 {
            let logger = if i % 5 == 0 {
                "a.b.C.[.[/].[ruler]"
            } else {
                "a.b.delta.Epsilon"
            };
            padded.push(format!(
                "2024-05-01T10:00:{i:02}.125Z {:>5} 7{i:03} --- [north] [worker-{}] {logger:<24} : {}",
                ["INFO", "WARN", "ERROR"][i % 3],
                i % 4,
                say(i)
            ));
        }
        // A line the model does not fit (another shape after the separator) loses the same
        // header fields.
        let odd = HeaderModel::default()
            .split("2024-05-01 10:00:00.125 | ERROR    | alpha:gamma:12 - shelf 9 fell");
        assert_eq!(odd.message, "shelf 9 fell");
        assert_eq!(odd.level, Some(Level::Error));
        let lines: Vec<&str> = padded.iter().map(String::as_str).collect();
        let m = model(&lines);
        assert_eq!(m.split(lines[0]).message, say(0));
        assert_eq!(m.split(lines[7]).message, say(7));
        assert_eq!(m.split(lines[4]).level, Some(Level::Warning));
    }

    #[test]
    fn a_level_glued_to_its_fields_by_colons_behind_a_time_is_the_level() {
        // Class: `[<time>] LEVEL:<name>:<thread>:<message>` (generated, neutral words): the
        // level opens a run of colon-glued fields after a bracketed time, not the line.
        let mut out = Vec::new();
        for i in 0..12 {
            out.push(format!(
                "[2024-05-01 10:00:{i:02},125] {}:alpha.beta:Gamma-{}:delta epsilon {}",
                ["INFO", "WARNING", "ERROR"][i % 3],
                i % 2,
                say(i)
            ));
        }
        let lines: Vec<&str> = out.iter().map(String::as_str).collect();
        let m = model(&lines);
        assert!(m.has_level_column());
        assert_eq!(m.split(lines[4]).level, Some(Level::Warning));
        assert_eq!(m.split(lines[5]).level, Some(Level::Error));
    }

    #[test]
    fn records_with_many_unindented_continuation_lines_keep_their_header() {
        // Class: multi-line records whose continuation lines sit at the margin and outnumber
        // the record heads (a statement or a signed request dumped line by line; generated,
        // neutral words). No column is consistent over all lines, yet the heads share a
        // time-led header: it is inferred from them, with its level column.
        let mut out = Vec::new();
        for i in 0..12 {
            out.push(format!(
                "2024-05-01 10:00:{i:02},125 - alpha.beta - {} - gamma delta {}:",
                ["DEBUG", "WARNING", "ERROR"][i % 3],
                say(i)
            ));
            out.push("EPSILON".to_owned());
            out.push(format!("/zeta/eta-{i}"));
            out.push(format!("theta:{:x}", 0xbeef_u32 * (i as u32 + 1)));
        }
        let lines: Vec<&str> = out.iter().map(String::as_str).collect();
        let m = model(&lines);
        assert!(m.has_level_column());
        let s = m.split(lines[4]);
        assert_eq!(s.level, Some(Level::Warning));
        assert!(s.message.starts_with("gamma delta"), "{s:?}");
        // The continuation lines fit no header.
        assert!(m.split_fitting(lines[5]).is_none());
    }

    #[test]
    fn class3_json_records_between_text_lines_leave_the_text_header() {
        // JSON records interleaved with text lines are parsed as records: the text lines'
        // header is inferred from the text lines alone.
        let mut out = Vec::new();
        for i in 0..24 {
            out.push(format!(
                "2024-05-01 10:00:{i:02}.125 | {:<8} | alpha.beta:gamma:{} - {}",
                ["INFO", "WARNING", "ERROR"][i % 3],
                10 + i,
                say(i)
            ));
            out.push(format!(
                r#"{{"event": "{}", "level": "info", "timestamp": "2024-05-01T10:00:{i:02}Z"}}"#,
                say(i)
            ));
        }
        let lines: Vec<&str> = out.iter().map(String::as_str).collect();
        let m = model(&lines);
        assert_eq!(m.split(lines[4]).message, say(2));
        assert_eq!(m.split(lines[4]).level, Some(Level::Error));
    }

    #[test]
    fn key_value_pairs_after_the_level_are_message() {
        // Class 1: `time [level    ] event   key=value ...`: pairs with digits are not a host
        // column, so the event's words are not taken for sandwiched header words.
        let mut out = Vec::new();
        for i in 0..24 {
            out.push(format!(
                "2024-05-01 10:00:{i:02} [{:<9}] parcel moved                  parcel_id={i} shelf=s{}",
                ["info", "warning", "error"][i % 3],
                i % 4
            ));
        }
        let lines: Vec<&str> = out.iter().map(String::as_str).collect();
        let m = model(&lines);
        let s = m.split(lines[1]);
        assert!(s.message.starts_with("parcel moved "), "{}", s.message);
        assert_eq!(s.level, Some(Level::Warning));
    }

    #[test]
    fn glued_severity_date_pid_and_location_closed_by_a_bracket() {
        // Class 1 (klog-style header): `I0501 10:00:00.000001  1234 file.go:42] message`; the
        // location closed by an unopened `]` is header.
        let mut out = Vec::new();
        for i in 0..24 {
            out.push(format!(
                "{}0501 10:00:{i:02}.00000{}    {} {}] {}",
                ["I", "W", "E"][i % 3],
                i % 10,
                100 + i % 7,
                ["alpha.go:12", "beta", "gamma.delta"][i % 3],
                say(i)
            ));
        }
        let lines: Vec<&str> = out.iter().map(String::as_str).collect();
        let m = model(&lines);
        for (i, l) in lines.iter().enumerate() {
            assert_eq!(m.split(l).message, say(i));
        }
        assert_eq!(m.split(lines[2]).level, Some(Level::Error));
    }

    #[test]
    fn level_before_a_slash_or_after_a_channel_dot_is_a_level_column() {
        // `LEVEL/name(pid):` opening the line, and `[<time>] channel.LEVEL:`; the message's
        // own first word is no level when the header has one.
        let slash = [
            "I/alpha(4100): job 4 queued",
            "W/beta.gamma(4107): queue 7 slow",
            "I/alpha(4114): error budget at 90 percent",
            "E/alpha(4121): job 5 failed",
            "INFO/alpha(4128): warning threshold set to 8",
        ];
        let m = model(&slash);
        let levels: Vec<_> = slash.iter().map(|l| m.split(l).level).collect();
        assert_eq!(
            levels,
            [
                Some(Level::Info),
                Some(Level::Warning),
                Some(Level::Info),
                Some(Level::Error),
                Some(Level::Info)
            ]
        );
        let channel = [
            "[2024-03-01T09:00:01Z] main.INFO: job 4 queued [] []",
            "[2024-03-01T09:00:02Z] main.WARNING: queue 7 slow [] []",
            "[2024-03-01T09:00:03Z] main.ERROR: job 5 failed [] []",
            "[2024-03-01T09:00:04Z] main.INFO: job 6 queued [] []",
        ];
        let m = model(&channel);
        assert_eq!(m.split(channel[1]).level, Some(Level::Warning));
        assert_eq!(m.split(channel[2]).level, Some(Level::Error));
        assert_eq!(m.split(channel[2]).message, "job 5 failed [] []");
    }

    #[test]
    fn level_glued_by_colons() {
        let lines = [
            "INFO:app.api:order 1 placed",
            "WARNING:root:disk 93% full",
            "ERROR:bot.feed:connection to db:5432 refused",
            "INFO:app.api:order 2 placed",
        ];
        let m = model(&lines);
        let s = m.split(lines[2]);
        assert_eq!(s.message, "connection to db:5432 refused");
        assert_eq!(s.level, Some(Level::Error));
        assert_eq!(m.split(lines[1]).message, "disk 93% full");
        // Class 1 (glued header): the name after a glued level may start with `_`
        // (a module's own `__name__`), and is still header.
        let under = [
            "INFO:__alpha__:job 4 queued",
            "INFO:beta.gamma:job 5 queued",
            "WARNING:__alpha__:queue 7 slow",
        ];
        let m = model(&under);
        assert_eq!(m.split(under[0]).message, "job 4 queued");
        assert_eq!(m.split(under[2]).level, Some(Level::Warning));
        // A three-letter abbreviation glued the same way.
        let short = [
            "INF:alpha.beta:job 4 queued",
            "ERR:alpha.beta:job 5 failed",
            "INF:gamma:job 6 queued",
        ];
        let m = model(&short);
        assert_eq!(m.split(short[1]).level, Some(Level::Error));
        assert_eq!(m.split(short[1]).message, "job 5 failed");
        // Without a level first, a colon is not a field separator.
        assert_eq!(
            HeaderModel::default().split("key:value rest").message,
            "key:value rest"
        );
    }

    #[test]
    fn every_line_keeps_the_header_of_its_file() {
        // A label column written in two words on some lines: the same event, the same message.
        let mut lines = vec![
            "[10.30 16:49:06] app.exe - db.local:5432 open through proxy",
            "[10.30 16:49:07] app.exe - api.local:443 open through proxy",
            "[10.30 16:49:09] tool.exe - db.local:5432 close, 0 bytes sent",
        ];
        lines = lines.into_iter().cycle().take(30).collect();
        lines.push("[10.30 16:49:08] app.exe *64 - db.local:5432 open through proxy");
        let m = model(&lines);
        assert!(m.split(lines[0]).message.ends_with("open through proxy"));
        assert_eq!(m.split(lines[30]).message, m.split(lines[0]).message);
        // Syslog: the host is header even where the program wrote no colon.
        let sys = [
            "Jun 14 15:16:01 combo sshd[19939]: session opened for user root",
            "Jun 14 15:16:02 combo sshd[19937]: session opened for user test",
            "Jun 14 15:16:03 web-2 cron[12]: session opened for user www",
            "Jun 14 15:16:04 combo launchd[1] (app[80437]): Service exited",
        ];
        let m = model(&sys);
        assert_eq!(m.split(sys[2]).message, "session opened for user www");
        assert_eq!(m.split(sys[3]).message, "(app[80437]): Service exited");
    }

    #[test]
    fn unknown_level_words_keep_the_header() {
        let lines = [
            "2024-01-02 10:00:01,123 INFO app.Db: slow query took 3s",
            "2024-01-02 10:00:02,123 WARN app.Db: slow query took 5s",
            "2024-01-02 10:00:03,123 INFO app.Web: request served",
            "2024-01-02 10:00:04,123 ERROR app.Db: connection refused",
            "2024-01-02 10:00:05,123 INFO app.Db: slow query took 1s",
            "2024-01-02 10:00:06,123 INFO app.Web: request served",
            "2024-01-02 10:00:07,123 INFO app.Db: slow query took 2s",
            "2024-01-02 10:00:08,123 INFO app.Web: request served",
            "2024-01-02 10:00:09,123 INFO app.Web: request served",
            "2024-01-02 10:00:10,123 INFO app.Web: request served",
        ];
        let m = model(&lines);
        let odd = "2024-01-02 10:00:11,123 AUDIT app.Db: slow query took 4s";
        let s = m.split(odd);
        assert_eq!(s.message, "slow query took 4s");
        assert_eq!(s.level, None);
        // A message word where the level should be is not taken for one.
        assert_eq!(
            m.split("2024-01-02 10:00:12,123 slow query took 4s")
                .message,
            "slow query took 4s"
        );
    }

    #[test]
    fn quoted_text_is_never_header() {
        let base = [
            r#"10.0.0.1 - - [01/Mar/2024:00:00:00 +0000] "GET /a HTTP/1.1" 200 12 "-" "curl/8""#,
            r#"10.0.0.2 - bob [01/Mar/2024:00:00:01 +0000] "POST /b HTTP/1.1" 201 7 "-" "x/1""#,
            r#"10.0.0.3 - - [01/Mar/2024:00:00:02 +0000] "GET /c/1 HTTP/1.1" 404 0 "-" "y/2""#,
        ];
        let lines: Vec<&str> = base.iter().copied().cycle().take(30).collect();
        let m = model(&lines);
        assert!(m.split(lines[1]).message.starts_with(r#""POST /b"#));
        assert!(m.split(lines[0]).message.starts_with(r#""GET /a"#));
    }

    #[test]
    fn a_whole_header_in_brackets_is_a_header() {
        // Class 1: env_logger and Celery write time, level and target in one bracket.
        let lines = [
            "[2024-03-01T09:00:02Z INFO  bot::feed] subscribed to 4185013 streams",
            "[2024-03-01T09:00:03Z DEBUG bot::feed] tick AMZN 3590.5",
            "[2024-03-01T09:00:06Z ERROR bot::exchange] order 177 rejected: no balance",
            "[2024-03-01T09:00:06Z INFO  bot::feed] subscribed to 601 streams",
        ];
        let s = model(&lines).split(lines[2]);
        assert_eq!(s.message, "order 177 rejected: no balance");
        assert_eq!(s.level, Some(Level::Error));
        let celery = "[2024-03-01 09:00:07,037: WARNING/MainProcess] consumer: reconnecting";
        let s = HeaderModel::default().split(celery);
        assert_eq!(s.message, "consumer: reconnecting");
        assert_eq!(s.level, Some(Level::Warning));
    }

    #[test]
    fn glued_letter_levels_and_severity_marks() {
        // klog `W0301 <time> <pid> file.go:12]`; Redis `pid:role <date> <mark> message`.
        let klog = [
            "I0301 09:00:00.489123      48 leaderelection.go:812] attempting to acquire lease",
            "W0301 09:00:02.660798      48 warnings.go:456] v1 ComponentStatus is deprecated",
            "E0301 09:00:03.175918      48 pod_workers.go:801] Error syncing pod, skipping",
            "I0301 09:00:04.940591      48 event.go:409] Event occurred",
        ];
        assert_eq!(model(&klog).split(klog[1]).level, Some(Level::Warning));
        assert_eq!(model(&klog).split(klog[2]).level, Some(Level::Error));
        // The same layout dated with the year's two digits (`Lyymmdd`), neutral words.
        let dated = [
            "I240301 09:00:00.489123 48 alpha/beta.go:812 [gamma] 1 delta started",
            "W240301 09:00:02.660798 51 alpha/epsilon.go:456 [gamma] 2 zeta is slow",
            "E240301 09:00:03.175918 48 eta/theta.go:801 [gamma] 3 iota failed",
            "I240301 09:00:04.940591 77 alpha/beta.go:409 [gamma] 4 kappa done",
        ];
        assert_eq!(model(&dated).split(dated[1]).level, Some(Level::Warning));
        assert_eq!(model(&dated).split(dated[2]).level, Some(Level::Error));
        // Must not fire: no month 13, no letter outside the severities, no six-digit token.
        for tok in ["I241301", "X240301", "I24030", "I2403011"] {
            assert_eq!(crate::log_digest::levels::glued_letter(tok), None, "{tok}");
        }
        let redis = [
            "1:C 01 Mar 2024 09:00:00.123 * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo",
            "1:M 01 Mar 2024 09:00:00.124 # WARNING overcommit_memory is set to 0!",
            "1:M 01 Mar 2024 09:00:00.125 * Ready to accept connections tcp",
            "1:M 01 Mar 2024 09:00:01.125 . Client closed connection",
            "1:M 01 Mar 2024 09:00:02.125 * Background saving started by pid 52",
        ];
        let m = model(&redis);
        assert_eq!(m.split(redis[1]).level, Some(Level::Warning));
        assert_eq!(m.split(redis[2]).message, "Ready to accept connections tcp");
        assert_eq!(m.split(redis[2]).level, Some(Level::Notice));
        assert_eq!(m.split(redis[3]).level, Some(Level::Debug));
    }

    #[test]
    fn fallback_for_unstructured_lines() {
        let m = HeaderModel::default();
        assert_eq!(m.split("ERROR: disk full").message, "disk full");
        assert_eq!(
            m.split("Traceback (most recent call last):").message,
            "Traceback (most recent call last):"
        );
    }

    proptest::proptest! {
        #[test]
        fn split_never_panics_and_message_is_a_suffix(
            sample in proptest::collection::vec("[ -~]{0,60}", 3..8),
            line in "[ -~\\t\u{e9}\u{4e2d}]{0,80}",
        ) {
            let m = HeaderModel::infer(sample.iter().map(String::as_str));
            let s = m.split(&line);
            proptest::prop_assert!(line.ends_with(s.message));
            proptest::prop_assert!(line.starts_with(s.header));
        }
    }

    #[test]
    fn log_format_splits() {
        let f = LogFormat::parse("<Date> <Time> <Level> <Component>: <Content>").unwrap();
        let s = f
            .split("17/06/09 20:10:40 INFO spark.SecurityManager: Changing acls")
            .unwrap();
        assert_eq!(s.message, "Changing acls");
        assert_eq!(s.level, Some(Level::Info));
        assert!(f.split("garbage").is_none());
        assert!(LogFormat::parse("<Date> <Time>").is_err());
    }
}

/// Byte-level fuzz targets for the log line path: header inference and splitting, `--log-format`
/// compilation, masking, timestamp finding and mining, on arbitrary bytes (decoded as the
/// reader decodes them). Properties: no panic; the message is a suffix of its line; the masked
/// shape never has more tokens than the message. A hang shows as a test that does not finish.
///
/// Cases: `VELO_FUZZ_CASES` (default 256); the RNG seed is fixed (`VELO_FUZZ_SEED`, a number,
/// changes it), so a run is reproducible.
#[cfg(test)]
mod fuzz {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

    use super::{HeaderModel, LogFormat};
    use crate::log_digest::{mask, miner, time};

    fn runner() -> TestRunner {
        let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<u64>().ok());
        let cases = env("VELO_FUZZ_CASES").map_or(256, |c| u32::try_from(c).unwrap_or(u32::MAX));
        let seed = env("VELO_FUZZ_SEED").unwrap_or(14);
        let mut bytes = [0u8; 32];
        bytes[..8].copy_from_slice(&seed.to_le_bytes());
        TestRunner::new_with_rng(
            Config {
                cases,
                failure_persistence: None,
                ..Config::default()
            },
            TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
        )
    }

    /// Arbitrary bytes, biased towards log-like ones (digits, separators, brackets, level
    /// words, newlines) so that the interesting paths are reached.
    fn log_bytes() -> impl Strategy<Value = Vec<u8>> {
        let byte = prop_oneof![
            4 => any::<u8>(),
            4 => prop::sample::select(b"0123456789 :-./[](),=|\"'\t\nTZ".to_vec()),
            1 => prop::sample::select(b"INFOWARNERRORDEBUGJunMonabc_".to_vec()),
        ];
        prop::collection::vec(byte, 0..600)
    }

    fn lines_of(bytes: &[u8]) -> Vec<String> {
        bytes
            .split(|&b| b == b'\n')
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .collect()
    }

    #[test]
    fn fuzz_header_split() {
        runner()
            .run(&log_bytes(), |bytes| {
                let lines = lines_of(&bytes);
                let model = HeaderModel::infer(lines.iter().map(String::as_str));
                for l in &lines {
                    let s = model.split(l);
                    prop_assert!(l.ends_with(s.message), "{l:?} -> {s:?}");
                    prop_assert!(l.starts_with(s.header), "{l:?} -> {s:?}");
                    let _ = time::parse(s.header);
                }
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn fuzz_mask_and_mine() {
        runner()
            .run(&log_bytes(), |bytes| {
                let lines = lines_of(&bytes);
                let mut m = miner::Miner::new(miner::MinerConfig::default());
                let mut out = Vec::new();
                for l in &lines {
                    let n = mask::mask_into(l, &mut out);
                    prop_assert!(n <= l.split_ascii_whitespace().count(), "{l:?}");
                    prop_assert!(std::str::from_utf8(&out).is_ok(), "{l:?}");
                    m.add(l);
                }
                let mined = m.finish();
                let total: u64 = mined.templates.iter().map(|t| t.count).sum();
                prop_assert_eq!(total, lines.len() as u64);
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn fuzz_log_format() {
        let fields =
            prop::sample::select(vec!["<Content>", "<Date> ", "<Level>", "\\[<Pid>\\]", ""]);
        let format = (
            prop::collection::vec(any::<u8>(), 0..24),
            fields.clone(),
            fields,
        );
        runner()
            .run(&(format, log_bytes()), |((raw, a, b), line)| {
                let fmt = format!("{a}{}{b}", String::from_utf8_lossy(&raw));
                if let Ok(f) = LogFormat::parse(&fmt) {
                    for l in lines_of(&line) {
                        if let Some(s) = f.split(&l) {
                            prop_assert!(l.contains(s.message));
                        }
                    }
                }
                Ok(())
            })
            .unwrap();
    }
}
