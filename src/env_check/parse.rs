//! Our own `.env` parser: the grammar of python-dotenv (the loader our users' bots run), with a
//! byte span, line and column for every piece, so every finding can point at `file:line:col`.
//!
//! Decoding never fails: invalid UTF-8 is replaced (U+FFFD) and each bad sequence is recorded
//! with its position, so it becomes a finding instead of a skipped file. A leading UTF-8 BOM is
//! stripped and remembered. Lines end at `\r\n`, `\n` or a lone `\r`, as python-dotenv counts them.

/// One `.env` file, decoded and split into bindings.
#[derive(Debug, Clone)]
pub struct EnvFile {
    /// The name shown in findings (the path as given, or `-` for stdin).
    pub name: String,
    /// The decoded text, without the BOM.
    pub text: String,
    /// The file started with a UTF-8 byte-order mark.
    pub bom: bool,
    /// Byte offsets (in `text`) of each replacement for an invalid UTF-8 sequence, with the
    /// first offending byte.
    pub invalid_utf8: Vec<(usize, u8)>,
    /// Offsets where each line starts.
    line_starts: Vec<usize>,
    /// Bindings in file order.
    pub bindings: Vec<Binding>,
}

/// A statement of the file: an entry, a comment line, or a part python-dotenv cannot parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// Offset of the first non-blank character of the statement.
    pub start: usize,
    /// Offset just past the statement (its newline included).
    pub end: usize,
    pub kind: BindingKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BindingKind {
    Entry(Entry),
    /// A comment on its own line; `start` is the `#`.
    Comment,
    /// python-dotenv cannot parse this statement; `at` is where it gave up and the rest of that
    /// physical line is skipped.
    Error {
        at: usize,
        reason: ErrorReason,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorReason {
    /// No key where one was expected (e.g. a line starting with `=`).
    NoKey,
    /// A quoted key or value whose closing quote never comes.
    UnclosedQuote,
    /// Text after a closing quote that is neither a comment nor the end of the line.
    TextAfterQuote,
    /// A key followed by blanks and more text but no `=` (`KEY value`); `at` is just after the
    /// key, where the `=` belongs.
    MissingEquals,
}

/// `KEY=value` (or a bare `KEY`, whose value python-dotenv reads as `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Span of the key (quotes included for a `'quoted'` key); the text is [`EnvFile::key`].
    pub key_start: usize,
    pub key_end: usize,
    pub key_quoted: bool,
    pub export: bool,
    /// Offset of `=`; `None` for a bare key.
    pub eq: Option<usize>,
    pub value: Option<Value>,
    /// Offset of a trailing `#` comment, if any.
    pub comment: Option<usize>,
    /// Blanks after the value (or key) and before the newline, when not part of a comment.
    pub trailing_ws: Option<(usize, usize)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quote {
    None,
    Single,
    Double,
}

/// The value token of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    pub quote: Quote,
    /// Span of the token in the text, quotes included, comment and trailing blanks excluded.
    pub start: usize,
    pub end: usize,
    /// The value as python-dotenv reads it, when escapes make it differ from the source text;
    /// read it through [`EnvFile::value_text`].
    pub decoded: Option<Box<str>>,
}

impl Entry {
    /// The span to mask when the value is secret (the whole token, quotes included).
    pub fn value_span(&self) -> Option<(usize, usize)> {
        self.value.as_ref().map(|v| (v.start, v.end))
    }
}

/// Whitespace as Python's `\s` sees it in a `str` (`str.isspace`).
pub fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

fn inline_space(c: char) -> bool {
    c != '\n' && c != '\r' && py_space(c)
}

struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<char> {
        let b = *self.s.as_bytes().get(self.pos)?;
        if b.is_ascii() {
            Some(b as char)
        } else {
            self.s[self.pos..].chars().next()
        }
    }

    fn eat_while(&mut self, f: impl Fn(char) -> bool) {
        while let Some(c) = self.peek() {
            if !f(c) {
                break;
            }
            self.pos += c.len_utf8();
        }
    }

    /// Offset of the next `\r` or `\n` (or the end).
    fn line_end(&self) -> usize {
        memchr::memchr2(b'\n', b'\r', &self.s.as_bytes()[self.pos..])
            .map_or(self.s.len(), |i| self.pos + i)
    }

    /// Consumes one newline (`\r\n`, `\n` or `\r`) if present; true if it did or at the end.
    fn end_of_line(&mut self) -> bool {
        let bytes = self.s.as_bytes();
        match bytes.get(self.pos) {
            None => true,
            Some(b'\n') => {
                self.pos += 1;
                true
            }
            Some(b'\r') => {
                self.pos += if bytes.get(self.pos + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                true
            }
            Some(_) => false,
        }
    }
}

impl EnvFile {
    /// Decodes and parses `bytes` read from `name`.
    pub fn parse(name: impl Into<String>, bytes: &[u8]) -> Self {
        let (bom, body) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
            Some(rest) => (true, rest),
            None => (false, bytes),
        };
        let mut text = String::with_capacity(body.len());
        let mut invalid_utf8 = Vec::new();
        for chunk in body.utf8_chunks() {
            text.push_str(chunk.valid());
            if let Some(&first) = chunk.invalid().first() {
                invalid_utf8.push((text.len(), first));
                text.push('\u{FFFD}');
            }
        }
        let line_starts = line_starts(&text);
        let bindings = parse_bindings(&text);
        Self {
            name: name.into(),
            text,
            bom,
            invalid_utf8,
            line_starts,
            bindings,
        }
    }

    /// 1-based line and column (in characters; the BOM is not counted) of a byte offset.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let col = self.text[start..offset.min(self.text.len())]
            .chars()
            .count()
            + 1;
        (line, col)
    }

    /// Number of lines (a final newline does not start a new one).
    pub fn line_count(&self) -> usize {
        let n = self.line_starts.len();
        if n > 1 && self.line_starts[n - 1] == self.text.len() {
            n - 1
        } else {
            n
        }
    }

    /// The text of line `line` (1-based), without its newline.
    pub fn line_text(&self, line: usize) -> &str {
        let start = self.line_starts[line - 1];
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// The key of an entry.
    pub fn key<'a>(&'a self, e: &Entry) -> &'a str {
        if e.key_quoted {
            &self.text[e.key_start + 1..e.key_end - 1]
        } else {
            &self.text[e.key_start..e.key_end]
        }
    }

    /// The value as python-dotenv reads it, before `${VAR}` interpolation.
    pub fn value_text<'a>(&'a self, v: &'a Value) -> &'a str {
        match (&v.decoded, v.quote) {
            (Some(d), _) => d,
            (None, Quote::None) => &self.text[v.start..v.end],
            (None, _) => &self.text[v.start + 1..v.end - 1],
        }
    }

    /// The entries, in file order.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.bindings.iter().filter_map(|b| match &b.kind {
            BindingKind::Entry(e) => Some(e),
            _ => None,
        })
    }

    /// The entry whose key starts at `key_start` (binary search over the bindings).
    pub fn entry_at(&self, key_start: usize) -> Option<&Entry> {
        let i = self.bindings.partition_point(|b| b.start <= key_start);
        match &self.bindings.get(i.checked_sub(1)?)?.kind {
            BindingKind::Entry(e) if e.key_start == key_start => Some(e),
            _ => None,
        }
    }

    /// True when the file is not empty and does not end with a newline.
    pub fn missing_final_newline(&self) -> bool {
        !self.text.is_empty() && !self.text.ends_with(['\n', '\r'])
    }
}

fn line_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = Vec::with_capacity(bytes.len() / 24 + 1);
    starts.push(0);
    for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
        if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            continue;
        }
        starts.push(i + 1);
    }
    starts
}

fn parse_bindings(text: &str) -> Vec<Binding> {
    let mut out = Vec::new();
    let mut cur = Cursor { s: text, pos: 0 };
    loop {
        cur.eat_while(py_space);
        if cur.pos >= text.len() {
            break;
        }
        let start = cur.pos;
        let kind = match parse_binding(&mut cur) {
            Ok(kind) => kind,
            Err((at, reason)) => {
                cur.pos = at;
                cur.pos = cur.line_end();
                // python-dotenv's `[^\r\n]*(?:\r|\n|\r\n)?` takes only the `\r` of a CRLF.
                if cur.pos < text.len() {
                    cur.pos += 1;
                }
                BindingKind::Error { at, reason }
            }
        };
        out.push(Binding {
            start,
            end: cur.pos,
            kind,
        });
    }
    out
}

type Failure = (usize, ErrorReason);

fn parse_binding(cur: &mut Cursor<'_>) -> Result<BindingKind, Failure> {
    let s = cur.s;
    // `export` followed by blanks.
    let mut export = false;
    if s[cur.pos..].starts_with("export") {
        let after = cur.pos + 6;
        if s[after..].chars().next().is_some_and(inline_space) {
            export = true;
            cur.pos = after;
            cur.eat_while(inline_space);
        }
    }
    // Key.
    let key_start = cur.pos;
    let (key_end, key_quoted) = match cur.peek() {
        Some('#') => {
            cur.pos = cur.line_end();
            if !cur.end_of_line() {
                return Err((cur.pos, ErrorReason::TextAfterQuote));
            }
            return Ok(BindingKind::Comment);
        }
        Some('\'') => {
            let rest = &s[cur.pos + 1..];
            match rest.find('\'') {
                Some(n) if n > 0 => {
                    cur.pos += n + 2;
                    (cur.pos, true)
                }
                _ => return Err((cur.pos, ErrorReason::UnclosedQuote)),
            }
        }
        _ => {
            cur.eat_while(|c| c != '=' && c != '#' && !py_space(c));
            if cur.pos == key_start {
                return Err((cur.pos, ErrorReason::NoKey));
            }
            (cur.pos, false)
        }
    };
    cur.eat_while(inline_space);
    if !matches!(cur.peek(), None | Some('=' | '#' | '\n' | '\r')) {
        // `KEY value`: python-dotenv fails on the text after the key and skips the line.
        return Err((key_end, ErrorReason::MissingEquals));
    }
    let mut eq = None;
    let mut value = None;
    let mut had_ws_after_eq = false;
    if cur.peek() == Some('=') {
        eq = Some(cur.pos);
        cur.pos += 1;
        let before = cur.pos;
        cur.eat_while(inline_space);
        had_ws_after_eq = cur.pos > before;
        value = Some(parse_value(cur, had_ws_after_eq)?);
    }
    // Optional comment, then blanks and the end of the line.
    let mut comment = None;
    let mut trailing_ws = None;
    let save = cur.pos;
    cur.eat_while(inline_space);
    if cur.peek() == Some('#') {
        comment = Some(cur.pos);
        cur.pos = cur.line_end();
    } else {
        cur.pos = save;
    }
    let ws_start = cur.pos;
    cur.eat_while(inline_space);
    if cur.pos > ws_start {
        trailing_ws = Some((ws_start, cur.pos));
    }
    // An unquoted value already swallowed its comment and blanks: recover them for the lints.
    if let Some(v) = &value {
        if v.quote == Quote::None && comment.is_none() {
            let line_end = cur.pos;
            let rest = &s[v.end..line_end];
            if let Some(hash) = rest.find('#') {
                comment = Some(v.end + hash);
            } else if !rest.is_empty() {
                trailing_ws = Some((v.end, line_end));
            }
        }
        if had_ws_after_eq && v.quote == Quote::None && v.start == v.end && comment.is_none() {
            // `KEY=   ` then the newline: the blanks after `=` are trailing blanks.
            let eq_at = eq.unwrap_or(v.start);
            trailing_ws = Some((eq_at + 1, v.start));
        }
    }
    let end_of_line_at = cur.pos;
    if !cur.end_of_line() {
        return Err((end_of_line_at, ErrorReason::TextAfterQuote));
    }
    Ok(BindingKind::Entry(Entry {
        key_start,
        key_end,
        key_quoted,
        export,
        eq,
        value,
        comment,
        trailing_ws,
    }))
}

/// Finds the closing quote as python-dotenv's `'((?:\\'|[^'])*)'` does: the first quote not
/// eaten by a backslash escape, else (by backtracking) the quote of the last `\'`.
fn closing_quote(s: &str, open: usize, q: u8) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut i = open + 1;
    let mut last_escaped = None;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if bytes.get(i + 1) == Some(&q) => {
                last_escaped = Some(i + 1);
                i += 2;
            }
            b if b == q => return Some(i),
            _ => i += 1,
        }
    }
    last_escaped
}

/// Decodes python-dotenv's escapes; `None` when there is nothing to decode.
fn decode_escapes(raw: &str, quote: Quote) -> Option<Box<str>> {
    if !raw.contains('\\') {
        return None;
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let next = chars.peek().copied();
        let decoded = match (quote, next) {
            (_, Some('\\')) => Some('\\'),
            (_, Some('\'')) => Some('\''),
            (Quote::Double, Some('"')) => Some('"'),
            (Quote::Double, Some('a')) => Some('\x07'),
            (Quote::Double, Some('b')) => Some('\x08'),
            (Quote::Double, Some('f')) => Some('\x0c'),
            (Quote::Double, Some('n')) => Some('\n'),
            (Quote::Double, Some('r')) => Some('\r'),
            (Quote::Double, Some('t')) => Some('\t'),
            (Quote::Double, Some('v')) => Some('\x0b'),
            _ => None,
        };
        match decoded {
            Some(d) => {
                out.push(d);
                chars.next();
            }
            None => out.push('\\'),
        }
    }
    (out != raw).then(|| out.into_boxed_str())
}

fn parse_value(cur: &mut Cursor<'_>, had_ws_after_eq: bool) -> Result<Value, Failure> {
    let s = cur.s;
    let start = cur.pos;
    match cur.peek() {
        Some(q @ ('\'' | '"')) => {
            let quote = if q == '\'' {
                Quote::Single
            } else {
                Quote::Double
            };
            let Some(close) = closing_quote(s, start, q as u8) else {
                return Err((start, ErrorReason::UnclosedQuote));
            };
            cur.pos = close + 1;
            Ok(Value {
                quote,
                start,
                end: cur.pos,
                decoded: decode_escapes(&s[start + 1..close], quote),
            })
        }
        None | Some('\n' | '\r') => Ok(Value {
            quote: Quote::None,
            start,
            end: start,
            decoded: None,
        }),
        Some(_) => {
            let line_end = cur.line_end();
            let part = &s[start..line_end];
            cur.pos = line_end;
            // python-dotenv 1.2.4: `KEY= # comment` is an empty value.
            if had_ws_after_eq && part.starts_with('#') {
                return Ok(Value {
                    quote: Quote::None,
                    start,
                    end: start,
                    decoded: None,
                });
            }
            // `re.sub(r"\s+#.*", "", part).rstrip()`
            let mut cut = part.len();
            let mut ws_run: Option<usize> = None;
            for (i, c) in part.char_indices() {
                if py_space(c) {
                    ws_run.get_or_insert(i);
                } else if c == '#' && ws_run.is_some() {
                    cut = ws_run.unwrap_or(i);
                    break;
                } else {
                    ws_run = None;
                }
            }
            let kept = part[..cut].trim_end_matches(py_space);
            Ok(Value {
                quote: Quote::None,
                start,
                end: start + kept.len(),
                decoded: None,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn entries(text: &str) -> Vec<(String, Option<String>)> {
        let f = EnvFile::parse("t", text.as_bytes());
        f.entries()
            .map(|e| {
                let key = f.key(e).to_string();
                (key, e.value.as_ref().map(|v| f.value_text(v).to_string()))
            })
            .collect()
    }

    fn kv(k: &str, v: &str) -> (String, Option<String>) {
        (k.to_string(), Some(v.to_string()))
    }

    #[test]
    fn reads_like_python_dotenv() {
        assert_eq!(
            entries("A=1\nexport B = two \n# c\nC='x y' # note\nD=\"a\\nb\"\nE\n"),
            vec![
                kv("A", "1"),
                kv("B", "two"),
                kv("C", "x y"),
                kv("D", "a\nb"),
                ("E".into(), None)
            ]
        );
        assert_eq!(
            entries("COLOR=#FF0000\nT=30 # s\nE= # nothing\nP=p@ss#w\n"),
            vec![
                kv("COLOR", "#FF0000"),
                kv("T", "30"),
                kv("E", ""),
                kv("P", "p@ss#w")
            ]
        );
        assert_eq!(
            entries("J='{\n \"a\": \"b=c\"\n}'\nL=info\n"),
            vec![kv("J", "{\n \"a\": \"b=c\"\n}"), kv("L", "info")]
        );
        assert_eq!(entries("S='it\\'s'\n"), vec![kv("S", "it's")]);
    }

    #[test]
    fn errors_skip_the_rest_of_the_line_only() {
        let f = EnvFile::parse("t", b"A=\"open\nB=2\n=x\nC='a'b\nKEY value\nD=4");
        let kinds: Vec<_> = f
            .bindings
            .iter()
            .map(|b| match &b.kind {
                BindingKind::Entry(e) => format!("entry {}", f.key(e)),
                BindingKind::Comment => "comment".into(),
                BindingKind::Error { reason, .. } => format!("{reason:?}"),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "UnclosedQuote",
                "entry B",
                "NoKey",
                "TextAfterQuote",
                "MissingEquals",
                "entry D"
            ]
        );
    }

    #[test]
    fn positions_count_characters_and_all_newline_styles() {
        let f = EnvFile::parse("t", "A=1\r\nBé=2\rC=3\n".as_bytes());
        let starts: Vec<_> = f.entries().map(|e| f.position(e.key_start)).collect();
        assert_eq!(starts, [(1, 1), (2, 1), (3, 1)]);
        let e = f.entries().nth(1).unwrap();
        assert_eq!(f.position(e.eq.unwrap()), (2, 3));
        assert_eq!(f.line_count(), 3);
    }

    #[test]
    fn bom_and_invalid_utf8_are_recorded() {
        let f = EnvFile::parse("t", b"\xEF\xBB\xBFA=1\nB=Jos\xE9\n");
        assert!(f.bom);
        assert_eq!(f.invalid_utf8.len(), 1);
        let (off, byte) = f.invalid_utf8[0];
        assert_eq!(byte, 0xE9);
        assert_eq!(f.position(off), (2, 6));
        assert_eq!(f.entries().count(), 2);
    }

    proptest! {
        #[test]
        fn never_panics_and_spans_are_in_bounds(s in "[A-Za-z_ =#'\"\\\\\r\n\t$é{}]{0,80}") {
            let f = EnvFile::parse("t", s.as_bytes());
            let mut last = 0;
            for b in &f.bindings {
                prop_assert!(b.start >= last && b.end >= b.start && b.end <= f.text.len());
                last = b.end;
                let _ = f.position(b.start);
            }
        }

        #[test]
        fn simple_lines_round_trip(keys in proptest::collection::vec("[A-Z][A-Z0-9_]{0,8}", 1..20),
                                   vals in proptest::collection::vec("[a-z0-9:/._-]{0,12}", 20)) {
            let mut text = String::new();
            for (k, v) in keys.iter().zip(&vals) {
                text.push_str(&format!("{k}={v}\n"));
            }
            let got = entries(&text);
            let want: Vec<_> = keys.iter().zip(&vals).map(|(k, v)| kv(k, v)).collect();
            prop_assert_eq!(got, want);
        }
    }
}
