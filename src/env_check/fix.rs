//! `--fix`: rewrites only what no loader reads differently afterwards. Each fix is checked by
//! re-parsing the result with both loader emulations; a fix that would change what
//! python-dotenv reads, or what dotenvy already read, is dropped. Lower-case keys, duplicates
//! and bad values are never "fixed": the program would then read something else.

use super::FastMap;

use super::loaders::{self, DotenvyItem, PyRead};
use super::parse::{BindingKind, EnvFile, Quote};
use super::{secrets, Code};

/// The result of planning fixes for one file.
#[derive(Debug, Clone)]
pub struct FixPlan {
    pub new_bytes: Vec<u8>,
    pub fixed: Vec<Code>,
    /// Unified diff of old → new, secret values masked.
    pub diff: String,
}

struct Edit {
    start: usize,
    end: usize,
    with: String,
    code: Code,
}

fn no_env(_: &str) -> Option<String> {
    None
}

/// Plans the safe fixes of `bytes` (named `name`); `None` when there is nothing to fix.
pub fn plan(name: &str, bytes: &[u8], secret: &dyn Fn(&str) -> bool) -> Option<FixPlan> {
    let file = EnvFile::parse(name, bytes);
    if !file.invalid_utf8.is_empty() {
        // Writing back decoded text would destroy the bytes; the user must re-encode.
        return None;
    }
    let edits = candidate_edits(&file);
    let mut codes: Vec<Code> = edits.iter().map(|e| e.code).collect();
    if file.bom {
        codes.push(Code::LeadingCharacter);
    }
    if file.missing_final_newline() {
        codes.push(Code::EndingBlankLine);
    }
    codes.sort();
    codes.dedup();
    if codes.is_empty() {
        return None;
    }
    let old_py = loaders::python_dotenv(&file, &no_env);
    let old_dotenvy = loaders::dotenvy(&file, &no_env);
    // Try every fix at once; if the check fails, keep those that pass one at a time.
    let mut kept: Vec<Code> = Vec::new();
    let try_with = |set: &[Code]| -> Option<String> {
        let text = apply(&file, &edits, set);
        let new = EnvFile::parse(name, text.as_bytes());
        safe(&old_py, &old_dotenvy, &new).then_some(text)
    };
    let mut result = try_with(&codes);
    if result.is_some() {
        kept.clone_from(&codes);
    } else {
        for c in &codes {
            let mut attempt = kept.clone();
            attempt.push(*c);
            if let Some(t) = try_with(&attempt) {
                kept = attempt;
                result = Some(t);
            }
        }
    }
    let new_text = result?;
    let new_bytes = new_text.into_bytes();
    let new_file = EnvFile::parse(name, &new_bytes);
    let diff = similar::TextDiff::from_lines(&masked(&file, secret), &masked(&new_file, secret))
        .unified_diff()
        .context_radius(1)
        .header(name, name)
        .to_string();
    Some(FixPlan {
        new_bytes,
        fixed: kept,
        diff,
    })
}

fn candidate_edits(file: &EnvFile) -> Vec<Edit> {
    let mut edits = Vec::new();
    let mut prev_end = 0;
    for b in &file.bindings {
        // Collapse runs of blank lines to one.
        let gap = &file.text[prev_end..b.start];
        blank_run_edits(prev_end, gap, &mut edits);
        prev_end = b.end;
        let BindingKind::Entry(e) = &b.kind else {
            continue;
        };
        let Some(eq) = e.eq else { continue };
        if eq > e.key_end {
            edits.push(Edit {
                start: e.key_end,
                end: eq,
                with: String::new(),
                code: Code::SpaceAroundEquals,
            });
        }
        if let Some(v) = &e.value {
            if v.start > eq + 1 && v.end > v.start {
                edits.push(Edit {
                    start: eq + 1,
                    end: v.start,
                    with: String::new(),
                    code: Code::SpaceAroundEquals,
                });
            }
            let text = file.value_text(v);
            if v.quote == Quote::None
                && text.chars().any(super::parse::py_space)
                && !text.contains(['"', '\\', '\'', '$', '#'])
            {
                edits.push(Edit {
                    start: v.start,
                    end: v.end,
                    with: format!("\"{text}\""),
                    code: Code::UnquotedWhitespace,
                });
            }
        }
        if let Some((a, z)) = e.trailing_ws {
            edits.push(Edit {
                start: a,
                end: z,
                with: String::new(),
                code: Code::TrailingWhitespace,
            });
        }
    }
    let tail = &file.text[prev_end..];
    blank_run_edits(prev_end, tail, &mut edits);
    edits.sort_by_key(|e| e.start);
    // Overlapping edits cannot both apply; keep the first.
    let mut out: Vec<Edit> = Vec::new();
    for e in edits {
        if out.last().is_none_or(|l| l.end <= e.start) {
            out.push(e);
        }
    }
    out
}

fn blank_run_edits(start: usize, gap: &str, edits: &mut Vec<Edit>) {
    let newlines: Vec<usize> = gap.match_indices('\n').map(|(i, _)| i).collect();
    if newlines.len() >= 2 && start > 0 {
        // Keep the first blank line, drop the others (with their blanks).
        edits.push(Edit {
            start: start + newlines[0] + 1,
            end: start + newlines[newlines.len() - 1] + 1,
            with: String::new(),
            code: Code::ExtraBlankLine,
        });
    }
}

fn apply(file: &EnvFile, edits: &[Edit], codes: &[Code]) -> String {
    let mut out = String::with_capacity(file.text.len() + 8);
    let mut cursor = 0;
    for e in edits.iter().filter(|e| codes.contains(&e.code)) {
        out.push_str(&file.text[cursor..e.start]);
        out.push_str(&e.with);
        cursor = e.end;
    }
    out.push_str(&file.text[cursor..]);
    let mut text = String::new();
    if file.bom && !codes.contains(&Code::LeadingCharacter) {
        text.push('\u{FEFF}');
    }
    text.push_str(&out);
    if codes.contains(&Code::EndingBlankLine) && !text.is_empty() && !text.ends_with(['\n', '\r']) {
        let nl = if file.text.contains("\r\n") {
            "\r\n"
        } else {
            "\n"
        };
        text.push_str(nl);
    }
    text
}

fn dotenvy_map(items: &[DotenvyItem]) -> FastMap<&str, &str> {
    let mut m = FastMap::default();
    for i in items {
        // Compared as the iterator reads (past errors): a fix that makes an earlier line
        // parse must not change any later key dotenvy already read.
        if let Ok((k, v)) = &i.result {
            m.entry(k.as_str()).or_insert(v.as_str());
        }
    }
    m
}

/// True when `new` reads exactly as before under python-dotenv, keeps every value dotenvy
/// read before, and any value dotenvy newly reads is python-dotenv's.
fn safe(old_py: &[PyRead], old_dotenvy: &[DotenvyItem], new: &EnvFile) -> bool {
    let new_py = loaders::python_dotenv(new, &no_env);
    let same_py = new_py.len() == old_py.len()
        && new_py
            .iter()
            .zip(old_py)
            .all(|(a, b)| a.key == b.key && a.value == b.value);
    if !same_py {
        return false;
    }
    let new_dotenvy = loaders::dotenvy(new, &no_env);
    let (old_m, new_m) = (dotenvy_map(old_dotenvy), dotenvy_map(&new_dotenvy));
    let py_last: FastMap<&str, Option<&str>> =
        old_py.iter().map(|r| (r.key, r.value.as_deref())).collect();
    old_m.iter().all(|(k, v)| new_m.get(k) == Some(v))
        && new_m
            .iter()
            .all(|(k, v)| old_m.contains_key(k) || py_last.get(k) == Some(&Some(*v)))
}

/// The text with every secret value, every line without `=` that is not a plain name, and
/// every line python-dotenv cannot parse replaced by a mask, for diffs.
fn masked(file: &EnvFile, secret: &dyn Fn(&str) -> bool) -> String {
    let mut spans: Vec<(usize, usize, String)> = Vec::new();
    for b in &file.bindings {
        match &b.kind {
            BindingKind::Entry(e) => {
                let key = file.key(e);
                if e.eq.is_none() && secrets::unsafe_to_echo(key) {
                    spans.push((e.key_start, e.key_end, secrets::mask(key)));
                    continue;
                }
                let Some(v) = &e.value else { continue };
                if v.end == v.start {
                    continue;
                }
                let raw = &file.text[v.start..v.end];
                if secret(key) || raw.contains('$') {
                    // A substitution may pull a secret in: mask it too.
                    spans.push((v.start, v.end, secrets::mask(raw)));
                } else if let std::borrow::Cow::Owned(r) = secrets::redact_url_passwords(raw) {
                    spans.push((v.start, v.end, r));
                }
            }
            BindingKind::Error { .. } => {
                let end = file.text[b.start..]
                    .find(['\n', '\r'])
                    .map_or(file.text.len(), |i| b.start + i);
                spans.push((b.start, end, secrets::mask(&file.text[b.start..end])));
            }
            BindingKind::Comment => {}
        }
    }
    let mut out = String::with_capacity(file.text.len());
    let mut cursor = 0;
    for (a, z, with) in spans {
        if a < cursor {
            continue;
        }
        out.push_str(&file.text[cursor..a]);
        out.push_str(&with);
        cursor = z;
    }
    out.push_str(&file.text[cursor..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn never(_: &str) -> bool {
        false
    }

    #[test]
    fn fixes_keep_readings_and_mask_secrets() {
        let p = plan(
            ".env",
            b"A = 1\nG=hello world\nAPI_KEY=supersecretvalue123   \n\n\n\nB=2",
            &super::super::secrets::secret_name,
        )
        .unwrap();
        let text = String::from_utf8(p.new_bytes).unwrap();
        assert_eq!(
            text,
            "A=1\nG=\"hello world\"\nAPI_KEY=supersecretvalue123\n\nB=2\n"
        );
        assert!(!p.diff.contains("supersecretvalue123"), "{}", p.diff);
        assert!(p.diff.contains("…(19 chars)"), "{}", p.diff);
    }

    #[test]
    fn nothing_that_changes_a_reading() {
        // Lower-case keys and duplicates are left alone: there is nothing safe to do.
        assert!(plan(".env", b"a=1\nA=2\nA=3\n", &never).is_none());
        // A value with `#` would change meaning when quoted: left alone.
        assert!(plan(".env", b"X=a b#c\n", &never).is_none());
    }
}
