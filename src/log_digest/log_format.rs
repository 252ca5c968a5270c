//! `--log-format`: a user-given header format in the Loghub/logparser syntax, which replaces
//! header inference for the lines it matches.

use regex::Regex;

use super::header::{Level, Split};

/// A user-given header format in the Loghub/logparser syntax:
/// `<Date> <Time> <Level> <Component>: <Content>`.
#[derive(Debug, Clone)]
pub struct LogFormat {
    re: Regex,
    content: usize,
    level: Option<usize>,
}

/// A `--log-format` that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LogFormatError {
    #[error("log format {0:?} has no <Content> field: add one where the message starts")]
    NoContent(String),
    #[error("log format {format:?} is not a valid pattern: {source}")]
    Regex {
        format: String,
        #[source]
        source: Box<regex::Error>,
    },
}

impl LogFormat {
    /// Compiles a format: each `<Name>` is a field, runs of spaces match any whitespace, the
    /// rest is a regular-expression fragment; anchored at both ends.
    pub fn parse(format: &str) -> Result<Self, LogFormatError> {
        static FIELD: std::sync::OnceLock<Option<Regex>> = std::sync::OnceLock::new();
        let field = FIELD
            .get_or_init(|| Regex::new(r"<([A-Za-z_][A-Za-z0-9_]*)>").ok())
            .as_ref()
            .ok_or_else(|| LogFormatError::NoContent(format.to_owned()))?;
        let mut pat = String::from("^");
        let mut last = 0;
        let mut names = Vec::new();
        let push_literal = |pat: &mut String, lit: &str| {
            let mut spaces = false;
            for ch in lit.chars() {
                if ch == ' ' {
                    if !spaces {
                        pat.push_str(r"\s+");
                    }
                    spaces = true;
                } else {
                    spaces = false;
                    pat.push(ch);
                }
            }
        };
        for m in field.captures_iter(format) {
            let all = m.get(0).map_or(0..0, |g| g.range());
            push_literal(&mut pat, &format[last..all.start]);
            let name = m.get(1).map_or("", |g| g.as_str());
            let body = if name == "Content" { ".*" } else { ".*?" };
            pat.push_str(&format!("(?P<f{}>{body})", names.len()));
            names.push(name.to_owned());
            last = all.end;
        }
        push_literal(&mut pat, &format[last..]);
        pat.push('$');
        let content = names
            .iter()
            .position(|n| n == "Content")
            .ok_or_else(|| LogFormatError::NoContent(format.to_owned()))?;
        let level = names.iter().position(|n| n == "Level");
        let re = Regex::new(&pat).map_err(|e| LogFormatError::Regex {
            format: format.to_owned(),
            source: Box::new(e),
        })?;
        Ok(Self { re, content, level })
    }

    /// Whether the format names a `<Level>` field.
    pub fn has_level(&self) -> bool {
        self.level.is_some()
    }

    /// Splits a line; `None` when it does not match the format.
    pub fn split<'a>(&self, line: &'a str) -> Option<Split<'a>> {
        let trimmed = line.trim();
        let caps = self.re.captures(trimmed)?;
        let m = caps.name(&format!("f{}", self.content))?;
        let level = self
            .level
            .and_then(|i| caps.name(&format!("f{i}")))
            .and_then(|g| Level::parse(g.as_str()));
        Some(Split {
            header: trimmed[..m.start()].trim_end(),
            message: m.as_str(),
            level,
        })
    }
}
