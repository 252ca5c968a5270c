//! The per-file lints: syntax and encoding, and the checks dotenv-linter has (without its
//! false positives on quoted multi-line and JSON values). The other per-file checks have rooms
//! of their own: [`super::disagreements`] (python-dotenv against dotenvy),
//! [`super::usage`] (`--scan-code`'s undeclared and unused) and [`super::suppress`] (inline
//! suppression comments).

use super::FastMap;

use super::parse::{py_space, BindingKind, Entry, EnvFile, ErrorReason, Quote};
use super::{secrets, Code, Finding, Severity};

/// A finding at byte `offset` of `file`.
pub(super) fn finding(
    file: &EnvFile,
    offset: usize,
    code: Code,
    severity: Severity,
    key: Option<&str>,
    message: String,
) -> Finding {
    let (line, col) = file.position(offset);
    Finding {
        code,
        severity,
        file: Some(file.name.clone()),
        line: Some(line),
        col: Some(col),
        key: key.map(str::to_string),
        message,
        suggestion: None,
    }
}

/// What [`lint_file`] found: the findings, and the keys set more than once (which the loader
/// comparison needs).
pub struct Lint<'a> {
    pub findings: Vec<Finding>,
    pub duplicated: Vec<&'a str>,
}

/// Syntax, encoding and style checks of one file.
pub fn lint_file<'a>(file: &'a EnvFile, secret: &dyn Fn(&str) -> bool) -> Lint<'a> {
    let mut out = Vec::new();
    let mut duplicated: Vec<&'a str> = Vec::new();
    for &(off, byte) in &file.invalid_utf8 {
        out.push(finding(
            file,
            off,
            Code::InvalidUtf8,
            Severity::Error,
            None,
            format!(
                "byte 0x{byte:02X} is not valid UTF-8 (a Latin-1 file?): python-dotenv raises \
                 UnicodeDecodeError and loads nothing, dotenvy stops here; save the file as UTF-8"
            ),
        ));
    }
    if file.bom {
        let mut f = finding(
            file,
            0,
            Code::LeadingCharacter,
            Severity::Warning,
            None,
            "the file starts with a UTF-8 byte-order mark: python-dotenv before 1.2.4 and \
             dotenvy's from_path_iter read the first key with an invisible prefix; remove it"
                .into(),
        );
        f.col = Some(1);
        out.push(f);
    }
    let (repeats, case_twins) = duplicate_index(file);
    // `${NAME}` checks need "set on an earlier line": only files with `${` pay for the map.
    let first_offsets: FastMap<&str, usize> = if file.text.contains("${") {
        let mut m = FastMap::default();
        for e in file.entries().filter(|e| e.eq.is_some()) {
            m.entry(file.key(e)).or_insert(e.key_start);
        }
        m
    } else {
        FastMap::default()
    };
    let mut prev_end = 0usize;
    for b in &file.bindings {
        // Blank lines between statements.
        let gap = &file.text[prev_end..b.start];
        extra_blank_lines(file, prev_end, gap, &mut out);
        prev_end = b.end;
        match &b.kind {
            BindingKind::Comment => {}
            BindingKind::Error {
                at,
                reason: ErrorReason::MissingEquals,
            } => {
                // The first word (after `export`) is the key; the text after it may be a value,
                // so it is never echoed, and the key only when it looks like a plain name.
                let line = &file.text[b.start..*at];
                let key = line
                    .strip_prefix("export")
                    .filter(|r| r.starts_with(|c: char| c.is_whitespace()))
                    .unwrap_or(line)
                    .trim()
                    .trim_matches('\'');
                let shown = (!secrets::unsafe_to_echo(key)).then_some(key);
                out.push(finding(
                    file,
                    *at,
                    Code::Syntax,
                    Severity::Error,
                    shown,
                    format!(
                        "missing `=` after {}: python-dotenv skips this line and dotenvy stops \
                         here; write KEY=value (quote a value that has blanks)",
                        shown.unwrap_or("the key")
                    ),
                ));
            }
            BindingKind::Error { at, reason } => {
                let message = match reason {
                    ErrorReason::NoKey => {
                        "no key before `=`: python-dotenv skips this line, dotenvy stops here"
                    }
                    ErrorReason::UnclosedQuote => {
                        "the quote opened here is never closed: python-dotenv skips this line, \
                         dotenvy stops here"
                    }
                    ErrorReason::TextAfterQuote | ErrorReason::MissingEquals => {
                        "text after the closing quote: python-dotenv skips this line; put the \
                         whole value inside the quotes"
                    }
                };
                out.push(finding(
                    file,
                    *at,
                    Code::Syntax,
                    Severity::Error,
                    None,
                    message.into(),
                ));
            }
            BindingKind::Entry(e) => {
                let key = file.key(e);
                if e.eq.is_none() {
                    let (shown, what) = if secrets::unsafe_to_echo(key) {
                        (None, format!("this line ({} chars)", key.chars().count()))
                    } else {
                        (Some(key), key.to_string())
                    };
                    out.push(finding(
                        file,
                        e.key_start,
                        Code::Syntax,
                        Severity::Error,
                        shown,
                        format!(
                            "line without `=`: python-dotenv reads {what} as a key with no value \
                             (left unset), dotenvy stops with an error; a pasted value belongs \
                             after KEY="
                        ),
                    ));
                    continue;
                }
                // A NUL byte: no program can receive it in its environment.
                let nul = memchr::memchr(0, &file.text.as_bytes()[e.key_start..e.key_end])
                    .map(|i| (e.key_start + i, "the key"))
                    .or_else(|| {
                        let v = e.value.as_ref()?;
                        memchr::memchr(0, &file.text.as_bytes()[v.start..v.end])
                            .map(|i| (v.start + i, "the value"))
                    });
                if let Some((off, part)) = nul {
                    let shown = key.replace('\0', "\\0");
                    out.push(finding(
                        file,
                        off,
                        Code::NulByte,
                        Severity::Error,
                        Some(&shown),
                        format!(
                            "{part} of {shown} contains a NUL byte: no program can receive it in \
                             its environment (python's os.environ raises ValueError, dotenvy \
                             panics, --exec refuses); remove it"
                        ),
                    ));
                }
                // Key shape.
                let first = key.chars().next().unwrap_or('_');
                if !(first.is_ascii_alphabetic() || first == '_') {
                    out.push(finding(
                        file,
                        e.key_start,
                        Code::LeadingCharacter,
                        Severity::Warning,
                        Some(key),
                        format!("{key} starts with {first:?}: keys start with a letter or `_`; dotenvy and shells reject it"),
                    ));
                } else if let Some(bad) = key
                    .chars()
                    .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
                {
                    let off = e.key_start + key.find(bad).unwrap_or(0);
                    out.push(finding(
                        file,
                        off,
                        Code::IncorrectDelimiter,
                        Severity::Warning,
                        Some(key),
                        format!("{key} contains {bad:?}: use `_` between words; shells cannot export it"),
                    ));
                }
                if key.chars().any(|c| c.is_ascii_lowercase()) {
                    out.push(finding(
                        file,
                        e.key_start,
                        Code::LowercaseKey,
                        Severity::Warning,
                        Some(key),
                        format!("{key} has lower-case letters; environment variable names are upper case by convention"),
                    ));
                }
                // Duplicates (exact, then case-only).
                if let Some(&first_off) = repeats.get(&e.key_start) {
                    duplicated.push(key);
                    let (first_line, _) = file.position(first_off);
                    let (line, _) = file.position(e.key_start);
                    out.push(finding(
                        file,
                        e.key_start,
                        Code::DuplicateKey,
                        Severity::Warning,
                        Some(key),
                        format!(
                            "{key} is set again (first at line {first_line}): python-dotenv keeps \
                             line {line} (last wins), dotenvy keeps line {first_line} (first wins)"
                        ),
                    ));
                } else if let Some(&off) = case_twins.get(&e.key_start) {
                    let (l, _) = file.position(off);
                    let other = file.entry_at(off).map_or("", |o| file.key(o));
                    out.push(finding(
                        file,
                        e.key_start,
                        Code::DuplicateKey,
                        Severity::Warning,
                        Some(key),
                        format!(
                            "{key} differs from {other} (line {l}) only in case: two variables \
                             on Linux and macOS, one on Windows"
                        ),
                    ));
                }
                // Blanks around `=`.
                if let Some(eq) = e.eq {
                    if eq > e.key_end {
                        out.push(finding(
                            file,
                            e.key_end,
                            Code::SpaceAroundEquals,
                            Severity::Warning,
                            Some(key),
                            format!("blank before `=` after {key}; write KEY=value"),
                        ));
                    }
                    if let Some(v) = &e.value {
                        if v.start > eq + 1 && v.end > v.start {
                            out.push(finding(
                                file,
                                eq + 1,
                                Code::SpaceAroundEquals,
                                Severity::Warning,
                                Some(key),
                                format!("blank after `=` of {key}; write KEY=value"),
                            ));
                        }
                    }
                }
                if let Some(v) = &e.value {
                    let text = file.value_text(v);
                    if v.quote == Quote::None && text.chars().any(py_space) {
                        out.push(finding(
                            file,
                            v.start,
                            Code::UnquotedWhitespace,
                            Severity::Warning,
                            Some(key),
                            format!("the value of {key} has blanks but no quotes: dotenvy and shells fail on it; wrap it in double quotes"),
                        ));
                    }
                    substitution_checks(
                        file,
                        key,
                        v.quote,
                        text,
                        v.start,
                        &|name: &str| first_offsets.get(name).is_some_and(|&o| o < e.key_start),
                        secret,
                        &mut out,
                    );
                }
                if let Some((ws, _)) = e.trailing_ws {
                    out.push(finding(
                        file,
                        ws,
                        Code::TrailingWhitespace,
                        Severity::Warning,
                        Some(key),
                        "trailing blanks at the end of the line".into(),
                    ));
                }
            }
        }
    }
    // Blank lines at the end.
    let tail = &file.text[prev_end..];
    extra_blank_lines(file, prev_end, tail, &mut out);
    if file.missing_final_newline() {
        let last = file.line_count();
        let col = file.line_text(last).chars().count() + 1;
        out.push(Finding {
            code: Code::EndingBlankLine,
            severity: Severity::Warning,
            file: Some(file.name.clone()),
            line: Some(last),
            col: Some(col),
            key: None,
            message: "no newline at the end of the file; some tools drop the last line".into(),
            suggestion: None,
        });
    }
    Lint {
        findings: out,
        duplicated,
    }
}

/// Repeated keys, found by sorting hashes rather than probing a map per key (on a big file the
/// map's cache misses were the largest single cost). Returns, by key offset, the offset of the
/// key's first occurrence for exact repeats, and of the first spelling of its case-insensitive
/// class for a new spelling that differs only in case (`api_key` after `API_KEY`).
fn duplicate_index(file: &EnvFile) -> (FastMap<usize, usize>, FastMap<usize, usize>) {
    use std::hash::{BuildHasher, Hasher};
    let entries: Vec<&Entry> = file.entries().filter(|e| e.eq.is_some()).collect();
    let build = rustc_hash::FxBuildHasher;
    let mut repeats: FastMap<usize, usize> = FastMap::default();
    let mut twins: FastMap<usize, usize> = FastMap::default();
    // Exact repeats.
    let mut hashed: Vec<(u64, u32)> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (build.hash_one(file.key(e)), i as u32))
        .collect();
    hashed.sort_unstable();
    for run in hashed.chunk_by(|a, b| a.0 == b.0).filter(|r| r.len() > 1) {
        let mut run: Vec<u32> = run.iter().map(|&(_, i)| i).collect();
        run.sort_by(|&a, &b| {
            let (ea, eb) = (entries[a as usize], entries[b as usize]);
            file.key(ea).cmp(file.key(eb)).then(a.cmp(&b))
        });
        for group in
            run.chunk_by(|&a, &b| file.key(entries[a as usize]) == file.key(entries[b as usize]))
        {
            let first = entries[group[0] as usize].key_start;
            for &i in &group[1..] {
                repeats.insert(entries[i as usize].key_start, first);
            }
        }
    }
    // Spellings that differ only in case: only files with a lower-case key can have them.
    if !entries
        .iter()
        .any(|e| file.key(e).bytes().any(|b| b.is_ascii_lowercase()))
    {
        return (repeats, twins);
    }
    let mut upper: Vec<(u64, u32)> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let mut h = build.build_hasher();
            for b in file.key(e).bytes() {
                h.write_u8(b.to_ascii_uppercase());
            }
            (h.finish(), i as u32)
        })
        .collect();
    upper.sort_unstable();
    for run in upper.chunk_by(|a, b| a.0 == b.0).filter(|r| r.len() > 1) {
        let mut run: Vec<(String, u32)> = run
            .iter()
            .map(|&(_, i)| (file.key(entries[i as usize]).to_ascii_uppercase(), i))
            .collect();
        run.sort();
        for class in run.chunk_by(|a, b| a.0 == b.0) {
            let first = entries[class[0].1 as usize];
            let first_key = file.key(first);
            for &(_, i) in &class[1..] {
                let e = entries[i as usize];
                if file.key(e) != first_key && !repeats.contains_key(&e.key_start) {
                    twins.insert(e.key_start, first.key_start);
                }
            }
        }
    }
    (repeats, twins)
}

/// Two or more blank lines in a row inside `gap` (which starts at `start`): a finding at the
/// second one.
fn extra_blank_lines(file: &EnvFile, start: usize, gap: &str, out: &mut Vec<Finding>) {
    // The statement before consumed its own newline, so each newline here ends a blank line.
    let mut count = 0;
    let mut line_start = start;
    // python-dotenv's error recovery stops between the `\r` and `\n` of a CRLF.
    let skip =
        usize::from(start > 0 && gap.starts_with('\n') && file.text.as_bytes()[start - 1] == b'\r');
    for (i, b) in gap.bytes().enumerate().skip(skip) {
        if b == b'\n' || (b == b'\r' && gap.as_bytes().get(i + 1) != Some(&b'\n')) {
            count += 1;
            if count == 2 && start > 0 {
                let mut f = finding(
                    file,
                    line_start,
                    Code::ExtraBlankLine,
                    Severity::Warning,
                    None,
                    "more than one blank line in a row".into(),
                );
                f.col = Some(1);
                out.push(f);
            }
            line_start = start + i + 1;
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn substitution_checks(
    file: &EnvFile,
    key: &str,
    quote: Quote,
    text: &str,
    value_start: usize,
    set_above: &dyn Fn(&str) -> bool,
    secret: &dyn Fn(&str) -> bool,
    out: &mut Vec<Finding>,
) {
    if !text.contains("${") {
        return;
    }
    let vars = super::loaders::python_vars(text);
    let offset_in_token = usize::from(quote != Quote::None);
    // Offsets inside the value map onto the file only when no escape was decoded.
    let maps_onto_file = file
        .text
        .get(value_start + offset_in_token..)
        .is_some_and(|t| t.starts_with(text));
    let at_file = |i: usize| {
        if maps_onto_file {
            value_start + offset_in_token + i
        } else {
            value_start
        }
    };
    let mut i = 0;
    while let Some(p) = text[i..].find("${") {
        let at = i + p;
        if !vars.iter().any(|v| v.start == at) {
            out.push(finding(
                file,
                at_file(at),
                Code::Substitution,
                Severity::Warning,
                Some(key),
                format!(
                    "`${{` in the value of {key} is never closed: python-dotenv keeps it as text, \
                     dotenvy fails; close it with `}}` or escape the `$`"
                ),
            ));
        }
        i = at + 2;
    }
    for v in &vars {
        if v.default.is_none() && !set_above(v.name) && v.name != key {
            let _ = secret;
            out.push(finding(
                file,
                at_file(v.start),
                Code::Substitution,
                Severity::Info,
                Some(key),
                format!(
                    "{key} refers to ${{{}}}, which no line above sets: it comes from the process \
                     environment or is empty",
                    v.name
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_and_case_twins() {
        let f = EnvFile::parse(
            "t",
            b"A=1\nB=2\nA=3\napi_key=x\nAPI_KEY=y\nApi_Key=z\napi_key=w\nA=4\nBARE\nBARE\n",
        );
        let (repeats, twins) = duplicate_index(&f);
        let lines = |m: &FastMap<usize, usize>| {
            let mut v: Vec<(usize, usize)> = m
                .iter()
                .map(|(&a, &b)| (f.position(a).0, f.position(b).0))
                .collect();
            v.sort_unstable();
            v
        };
        assert_eq!(lines(&repeats), [(3, 1), (7, 4), (8, 1)]);
        assert_eq!(lines(&twins), [(5, 4), (6, 4)]);
    }
}
