//! Inline suppression comments: `# velo: ignore[code, …]` and dotenv-linter's
//! `# dotenv-linter:off` / `# dotenv-linter:on` blocks.

use super::parse::{BindingKind, EnvFile};
use super::FastMap;
use super::{Code, Finding};

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
