//! The per-file checks: syntax and encoding, the lints dotenv-linter has (without its false
//! positives on quoted multi-line and JSON values), loader disagreements, did-you-mean, the
//! code-scan findings, and inline suppression comments.

use super::{FastMap, FastSet};

use super::loaders::{DotenvyError, DotenvyItem, PyRead};
use super::parse::{py_space, BindingKind, Entry, EnvFile, ErrorReason, Quote};
use super::schema::Schema;
use super::{secrets, Code, CodeRef, Finding, Severity};

fn finding(
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

/// Where python-dotenv and dotenvy (`dotenvy::dotenv()`) read a file differently.
pub fn loader_disagreements(
    file: &EnvFile,
    py: &[PyRead],
    dy: &[DotenvyItem],
    duplicated: &[&str],
    secret: &dyn Fn(&str) -> bool,
) -> Vec<Finding> {
    let mut out = Vec::new();
    // The usual case: both read the same keys and values, line by line, and no key repeats.
    let same_sequence = py.len() == dy.len()
        && py.iter().zip(dy).all(|(p, d)| match &d.result {
            Ok((k, v)) => p.key == k && p.value.as_deref() == Some(v.as_str()),
            Err(_) => false,
        });
    if same_sequence && duplicated.is_empty() {
        return out;
    }
    // Lines python-dotenv already fails on, or reads as a bare key: reported as syntax errors.
    let any_error = dy.iter().any(|i| i.result.is_err());
    let syntax_starts: FastSet<usize> = file
        .bindings
        .iter()
        .filter(|_| any_error)
        .filter(|b| match &b.kind {
            BindingKind::Error { .. } => true,
            BindingKind::Entry(e) => e.eq.is_none(),
            BindingKind::Comment => false,
        })
        .map(|b| file.position(b.start).0)
        .collect();
    let py_at_line: FastMap<usize, &PyRead> = py
        .iter()
        .filter(|_| any_error)
        .map(|r| (file.position(r.offset).0, r))
        .collect();
    let show = |key: &str, v: Option<&str>| -> String {
        match v {
            None => "no value".to_string(),
            Some(v) => secrets::show(v, secret(key)),
        }
    };
    // dotenvy's reading under load(): first value wins, nothing after the first error.
    let mut dy_first: FastMap<&str, (&str, usize)> = FastMap::default();
    let mut stopped = false;
    for (idx, item) in dy.iter().enumerate() {
        match &item.result {
            Ok((k, v)) => {
                // Keys after dotenvy's first error are compared too (as from_path_iter reads
                // them): once that line is fixed, they are what dotenvy loads.
                dy_first
                    .entry(k.as_str())
                    .or_insert((v.as_str(), item.offset));
            }
            Err(e) => {
                let (line, _) = file.position(item.offset);
                if matches!(e, DotenvyError::InvalidUtf8) || syntax_starts.contains(&line) {
                    stopped = true;
                    continue;
                }
                let later = if stopped {
                    0
                } else {
                    dy[idx + 1..].iter().filter(|i| i.result.is_ok()).count()
                };
                let consequence = if stopped {
                    String::new()
                } else if later > 0 {
                    format!(
                        "; dotenvy::dotenv() stops here, so the {later} {} after it are not loaded",
                        if later == 1 { "key" } else { "keys" }
                    )
                } else {
                    "; dotenvy::dotenv() returns an error here".to_string()
                };
                stopped = true;
                let (key, py_reading) = match py_at_line.get(&line) {
                    Some(r) => (
                        Some(r.key),
                        format!(
                            "python-dotenv reads {}={}",
                            r.key,
                            show(r.key, r.value.as_deref())
                        ),
                    ),
                    None => (None, "python-dotenv reads it".to_string()),
                };
                let col_off = match py_at_line.get(&line) {
                    Some(r) => r.offset,
                    None => item.offset,
                };
                out.push(finding(
                    file,
                    col_off,
                    Code::LoaderDisagreement,
                    Severity::Error,
                    key,
                    format!("{py_reading}, dotenvy cannot parse this line{consequence}"),
                ));
            }
        }
    }
    // Same key, different value.
    let mut py_last: FastMap<&str, usize> = FastMap::default();
    for (i, r) in py.iter().enumerate() {
        py_last.insert(r.key, i);
    }
    for (i, r) in py.iter().enumerate() {
        // Each key once, at its last (winning) line.
        if py_last.get(r.key) != Some(&i) {
            continue;
        }
        let last = r;
        let Some(&(dv, doff)) = dy_first.get(r.key) else {
            continue;
        };
        let Some(pv) = &last.value else { continue };
        if pv == dv {
            continue;
        }
        let (pl, _) = file.position(last.offset);
        let (dl, _) = file.position(doff);
        let where_ = if pl == dl {
            String::new()
        } else {
            format!(" (python-dotenv: line {pl}, the last; dotenvy: line {dl}, the first)")
        };
        let value_off = file
            .entry_at(last.offset)
            .and_then(|e| e.value.as_ref().map(|v| v.start))
            .unwrap_or(last.offset);
        let is_secret = secret(r.key);
        // Masked readings still say where they part (a position reveals nothing of a value).
        let differ = if is_secret {
            let at = pv
                .chars()
                .zip(dv.chars())
                .take_while(|(a, b)| a == b)
                .count();
            format!("; they differ from character {}", at + 1)
        } else {
            String::new()
        };
        out.push(finding(
            file,
            value_off,
            Code::LoaderDisagreement,
            Severity::Error,
            Some(r.key),
            format!(
                "python-dotenv reads {}={}, dotenvy reads {}={}{where_}{differ}",
                r.key,
                secrets::show(pv, is_secret),
                r.key,
                secrets::show(dv, is_secret),
            ),
        ));
    }
    out
}

/// The did-you-mean rule, one for every use (unknown-key and undeclared suggestions, and the
/// masking of names close to a secret's): `Some(distance)` when `a` and `b` are within a small
/// edit distance (case ignored, a transposition counts as one edit) that is less than half of
/// the shorter name, so `C` is not a typo of `A` and `DB` is not one of `DC`.
pub fn typo_distance(a: &str, b: &str) -> Option<usize> {
    let ascii = a.is_ascii() && b.is_ascii();
    let (la, lb) = if ascii {
        (a.len(), b.len())
    } else {
        (a.chars().count(), b.chars().count())
    };
    let shorter = la.min(lb);
    let limit = match shorter {
        0..=4 => 1,
        5..=12 => 2,
        _ => 3,
    };
    if la.abs_diff(lb) > limit {
        return None;
    }
    let d = if ascii && la.max(lb) < BOUNDED_MAX {
        osa_within(a.as_bytes(), b.as_bytes(), limit)?
    } else {
        strsim::osa_distance(&a.to_ascii_uppercase(), &b.to_ascii_uppercase())
    };
    (d <= limit && 2 * d < shorter).then_some(d)
}

/// Longest name (exclusive) [`osa_within`] handles on the stack.
const BOUNDED_MAX: usize = 64;

/// The optimal-string-alignment distance of two ASCII names, ignoring case, or `None` as soon
/// as it must exceed `limit` (at most 3). Only the cells within `limit` of the diagonal are
/// computed (the others are over the limit anyway), and a row whose cells are all over the limit
/// ends it. No allocation: an unknown key is compared with every declared one, so this is the
/// inner loop of a big file checked against a big schema.
fn osa_within(a: &[u8], b: &[u8], limit: usize) -> Option<usize> {
    let (a_len, b_len) = (a.len(), b.len());
    if a_len.abs_diff(b_len) > limit || b_len >= BOUNDED_MAX || limit > 3 {
        return None;
    }
    // A lower bound first: a substitution changes two letter counts by one, an insertion or a
    // deletion one, a transposition none, so half the difference of the letter counts is at
    // most the distance. It rules out most unrelated names at a fraction of the table's cost.
    let mut counts = [0i8; 64];
    for &c in a {
        counts[usize::from(c.to_ascii_uppercase() & 63)] += 1;
    }
    for &c in b {
        counts[usize::from(c.to_ascii_uppercase() & 63)] -= 1;
    }
    let count_diff: u32 = counts.iter().map(|c| u32::from(c.unsigned_abs())).sum();
    if count_diff > 2 * limit as u32 {
        return None;
    }
    // Cells hold min(distance, over); `over` stands for every value past the limit.
    let over = limit as u8 + 1;
    let mut rows = [[over; BOUNDED_MAX + 1]; 3];
    for (j, cell) in rows[1].iter_mut().enumerate().take(limit.min(b_len) + 1) {
        *cell = j as u8;
    }
    let (mut two_up, mut up, mut cur) = (0usize, 1usize, 2usize);
    for i in 1..=a_len {
        let lo = i.saturating_sub(limit).max(1);
        let hi = (i + limit).min(b_len);
        rows[cur][lo - 1] = if lo == 1 { (i as u8).min(over) } else { over };
        if hi < b_len {
            rows[cur][hi + 1] = over;
        }
        let mut row_min = rows[cur][lo - 1];
        for j in lo..=hi {
            let same = a[i - 1].eq_ignore_ascii_case(&b[j - 1]);
            let mut v = (rows[up][j] + 1)
                .min(rows[cur][j - 1] + 1)
                .min(rows[up][j - 1] + u8::from(!same));
            if i > 1
                && j > 1
                && a[i - 1].eq_ignore_ascii_case(&b[j - 2])
                && a[i - 2].eq_ignore_ascii_case(&b[j - 1])
            {
                v = v.min(rows[two_up][j - 2] + 1);
            }
            let v = v.min(over);
            rows[cur][j] = v;
            row_min = row_min.min(v);
        }
        if row_min > limit as u8 {
            return None;
        }
        (two_up, up, cur) = (up, cur, two_up);
    }
    let dist = usize::from(rows[up][b_len]);
    (dist <= limit).then_some(dist)
}

/// A declared key within typo distance of `unknown` ([`typo_distance`]), preferring keys that
/// are not set; `None` when nothing is close.
pub fn did_you_mean<'a>(
    unknown: &str,
    declared: impl Iterator<Item = &'a str>,
    is_set: impl Fn(&str) -> bool,
) -> Option<String> {
    declared
        .filter_map(|d| typo_distance(unknown, d).map(|dist| (dist, is_set(d), d)))
        .min_by_key(|&(dist, set, d)| (dist, set, d.to_string()))
        .map(|(_, _, d)| d.to_string())
}

/// Process variables that code reads without any project declaring them.
const WELL_KNOWN: &[&str] = &[
    "HOME",
    "PATH",
    "USER",
    "USERNAME",
    "PWD",
    "SHELL",
    "TERM",
    "LANG",
    "LC_ALL",
    "TMPDIR",
    "TEMP",
    "TMP",
    "HOSTNAME",
    "CI",
    "NO_COLOR",
    "DEBUG",
    "PYTHONPATH",
    "VIRTUAL_ENV",
    "RUST_LOG",
    "RUST_BACKTRACE",
    "CARGO_MANIFEST_DIR",
    "CARGO_PKG_VERSION",
    "CARGO_PKG_NAME",
    "NODE_ENV",
    "OUT_DIR",
    "GITHUB_ACTIONS",
    "XDG_CONFIG_HOME",
    "XDG_CACHE_HOME",
    "XDG_DATA_HOME",
];

/// A declared key and where: (key, file, line, col).
type Declared = (String, Option<String>, Option<usize>, Option<usize>);

/// `undeclared` (read in code, declared nowhere) and `unused` (declared, read nowhere).
pub fn code_findings(
    refs: &[CodeRef],
    schema: Option<&Schema>,
    files: &[EnvFile],
    readings: &[Vec<PyRead>],
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut declared: Vec<Declared> = Vec::new();
    if let Some(s) = schema {
        for v in &s.vars {
            declared.push((
                v.key.clone(),
                Some(v.origin.file.clone()),
                v.origin.line,
                v.origin.col,
            ));
        }
    } else {
        let mut seen = FastSet::default();
        for (fi, py) in readings.iter().enumerate() {
            for r in py {
                if seen.insert(r.key) {
                    let (l, c) = files[fi].position(r.offset);
                    declared.push((
                        r.key.to_string(),
                        Some(files[fi].name.clone()),
                        Some(l),
                        Some(c),
                    ));
                }
            }
        }
    }
    let declared_set: FastSet<&str> = declared.iter().map(|d| d.0.as_str()).collect();
    let used: FastSet<&str> = refs.iter().map(|r| r.key.as_str()).collect();
    let what = schema.map_or_else(|| "any .env file".to_string(), |s| s.source.clone());
    let mut reported = FastSet::default();
    for r in refs {
        if declared_set.contains(r.key.as_str())
            || WELL_KNOWN.contains(&r.key.as_str())
            || !reported.insert(r.key.as_str())
        {
            continue;
        }
        let suggestion = did_you_mean(&r.key, declared_set.iter().copied(), |_| false);
        out.push(Finding {
            code: Code::Undeclared,
            severity: Severity::Warning,
            file: Some(r.file.clone()),
            line: Some(r.line),
            col: Some(r.col),
            key: Some(r.key.clone()),
            message: format!("the code reads {} but {what} does not declare it", r.key),
            suggestion,
        });
    }
    for (key, file, line, col) in &declared {
        if !used.contains(key.as_str()) {
            out.push(Finding {
                code: Code::Unused,
                severity: Severity::Warning,
                file: file.clone(),
                line: *line,
                col: *col,
                key: Some(key.clone()),
                message: format!("{key} is declared but no scanned code reads it"),
                suggestion: None,
            });
        }
    }
    out
}

/// What a suppression comment turns off.
#[derive(Debug, Clone)]
enum Codes {
    All,
    Some(Vec<Code>),
}

impl Codes {
    fn covers(&self, code: Code) -> bool {
        match self {
            Self::All => true,
            Self::Some(v) => v.contains(&code),
        }
    }
}

/// Drops findings silenced by `# velo: ignore[code, …]` (on the line itself, or on a comment
/// line right above it; no list silences every code) and by dotenv-linter's
/// `# dotenv-linter:off Name, …` / `# dotenv-linter:on Name, …` blocks.
pub fn apply_suppressions(file: &EnvFile, findings: &mut Vec<Finding>) {
    if !file.text.contains("velo:") && !file.text.contains("dotenv-linter:") {
        return;
    }
    let mut by_line: FastMap<usize, Vec<Codes>> = FastMap::default();
    let mut ranges: Vec<(usize, usize, Codes)> = Vec::new();
    let mut open: Vec<(usize, Codes)> = Vec::new();
    for (i, b) in file.bindings.iter().enumerate() {
        let (line, _) = file.position(b.start);
        let comment_text = match &b.kind {
            BindingKind::Comment => Some((b.start, true)),
            BindingKind::Entry(e) => e.comment.map(|c| (c, false)),
            BindingKind::Error { .. } => None,
        };
        let Some((c, own_line)) = comment_text else {
            continue;
        };
        let text = file.text[c..].split(['\n', '\r']).next().unwrap_or("");
        let body = text.trim_start_matches('#').trim();
        if let Some(rest) = body.strip_prefix("velo:") {
            let rest = rest.trim();
            if let Some(list) = rest.strip_prefix("ignore") {
                let codes = parse_code_list(list, Code::parse);
                if own_line {
                    if let Some(next) = file.bindings.get(i + 1) {
                        let (from, _) = file.position(next.start);
                        let (to, _) = file.position(next.end.saturating_sub(1).max(next.start));
                        ranges.push((from, to, codes));
                    }
                } else {
                    let (to, _) = file.position(b.end.saturating_sub(1).max(b.start));
                    for l in line..=to {
                        by_line.entry(l).or_default().push(codes.clone());
                    }
                }
            }
        } else if let Some(rest) = body.strip_prefix("dotenv-linter:") {
            let rest = rest.trim();
            if let Some(list) = rest.strip_prefix("off") {
                open.push((line, parse_code_list_bare(list)));
            } else if let Some(list) = rest.strip_prefix("on") {
                let closing = parse_code_list_bare(list);
                open.retain(|(from, codes)| {
                    let same = match (&closing, codes) {
                        (Codes::All, _) => true,
                        (Codes::Some(a), Codes::Some(b)) => a.iter().any(|c| b.contains(c)),
                        (Codes::Some(_), Codes::All) => false,
                    };
                    if same {
                        ranges.push((*from, line, codes.clone()));
                    }
                    !same
                });
            }
        }
    }
    for (from, codes) in open {
        ranges.push((from, usize::MAX, codes));
    }
    findings.retain(|f| {
        if f.file.as_deref() != Some(file.name.as_str()) {
            return true;
        }
        let Some(line) = f.line else { return true };
        let on_line = by_line
            .get(&line)
            .is_some_and(|v| v.iter().any(|c| c.covers(f.code)));
        let in_range = ranges
            .iter()
            .any(|(a, b, c)| (*a..=*b).contains(&line) && c.covers(f.code));
        !(on_line || in_range)
    });
}

fn parse_code_list(text: &str, parse: fn(&str) -> Option<Code>) -> Codes {
    let t = text.trim();
    match t.strip_prefix('[').and_then(|r| r.split(']').next()) {
        Some(list) => Codes::Some(list.split(',').filter_map(parse).collect()),
        None => Codes::All,
    }
}

fn parse_code_list_bare(text: &str) -> Codes {
    let t = text.trim();
    if t.is_empty() {
        return Codes::All;
    }
    Codes::Some(
        t.split(',')
            .filter_map(|n| Code::from_dotenv_linter(n).or_else(|| Code::parse(n)))
            .collect(),
    )
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

    #[test]
    fn did_you_mean_handles_transpositions_and_drops() {
        let declared = [
            "BINANCE_API_KEY",
            "BINANCE_API_SECRET",
            "DATABASE_URL",
            "LOG_LEVEL",
        ];
        let dym = |u: &str| did_you_mean(u, declared.iter().copied(), |_| false);
        assert_eq!(
            dym("BINANCE_API_SECERT").as_deref(),
            Some("BINANCE_API_SECRET")
        );
        assert_eq!(dym("DATABSE_URL").as_deref(), Some("DATABASE_URL"));
        assert_eq!(dym("log_level").as_deref(), Some("LOG_LEVEL"));
        assert_eq!(dym("TOTALLY_OTHER"), None);
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            rng_seed: proptest::test_runner::RngSeed::Fixed(11),
            ..Default::default()
        })]

        /// The bounded, allocation-free distance agrees with strsim's wherever it answers.
        #[test]
        fn bounded_distance_matches_strsim(a in "[A-Ca-c_]{0,20}", b in "[A-Ca-c_]{0,20}", limit in 0usize..4) {
            let full = strsim::osa_distance(&a.to_ascii_uppercase(), &b.to_ascii_uppercase());
            let bounded = osa_within(a.as_bytes(), b.as_bytes(), limit);
            proptest::prop_assert_eq!(bounded, (full <= limit).then_some(full));
        }

        /// The same on near pairs: `b` is `a` after a few random edits, so the answers that
        /// matter (within the limit) are exercised, not only "too far".
        #[test]
        fn bounded_distance_matches_strsim_on_near_pairs(
            a in "[A-Da-d_]{0,20}",
            edits in proptest::collection::vec((0u8..4, 0usize..24, "[A-Da-d_]"), 0..5),
            limit in 0usize..4,
        ) {
            let mut b: Vec<u8> = a.clone().into_bytes();
            for (op, at, c) in edits {
                let c = c.as_bytes()[0];
                let at = at.min(b.len());
                match op {
                    0 => b.insert(at, c),
                    1 if at < b.len() => { b.remove(at); }
                    2 if at < b.len() => b[at] = c,
                    3 if at + 1 < b.len() => b.swap(at, at + 1),
                    _ => {}
                }
            }
            let b = String::from_utf8(b).unwrap();
            let full = strsim::osa_distance(&a.to_ascii_uppercase(), &b.to_ascii_uppercase());
            let bounded = osa_within(a.as_bytes(), b.as_bytes(), limit);
            proptest::prop_assert_eq!(bounded, (full <= limit).then_some(full));
        }
    }

    #[test]
    fn no_suggestion_when_the_distance_is_most_of_the_name() {
        let declared = ["A", "AB", "ABC", "PORT", "LOG_LEVEL"];
        let dym = |u: &str| did_you_mean(u, declared.iter().copied(), |_| false);
        // Issue 11: `--scan-code` offered "did you mean A?" for an undeclared `C`.
        assert_eq!(dym("C"), None);
        assert_eq!(dym("AC"), None);
        assert_eq!(dym("ABD").as_deref(), Some("ABC"));
        assert_eq!(dym("PORTS").as_deref(), Some("PORT"));
        assert_eq!(typo_distance("c", "C"), Some(0));
    }
}
