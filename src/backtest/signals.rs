//! Signals files: precomputed conditions from any program, `Date` plus any of `entry`,
//! `exit`, `short_entry`, `short_exit` (1/0, true/false in any case, empty = false), joined
//! to the bars by date. Dates are read by the one timestamp parser (`units::time`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::expr::RULES;
use crate::units::time::read_timestamp;

/// A read signals file: per date, its rule mask and the line it was on.
#[derive(Debug, Clone, PartialEq)]
pub struct Signals {
    pub path: PathBuf,
    rows: HashMap<i64, (u8, usize)>,
}

/// Why a signals file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignalError {
    #[error("{}: {reason}", .path.display())]
    Read { path: PathBuf, reason: String },
    #[error("{}: the header needs a Date column and at least one of entry, exit, short_entry, short_exit{hint} (found {found})", .path.display())]
    Header {
        path: PathBuf,
        found: String,
        hint: String,
    },
    #[error("{}, line {line}: {message}", .path.display())]
    Line {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{}, line {line}: {date} is not a date of the bars ({symbol}): signals join the bars by date, so every signal row needs its bar", .path.display())]
    NoBar {
        path: PathBuf,
        line: usize,
        date: String,
        symbol: String,
    },
}

fn parse_bool(text: &str) -> Option<bool> {
    let t = text.trim();
    if t.is_empty() || t == "0" || t.eq_ignore_ascii_case("false") {
        Some(false)
    } else if t == "1" || t.eq_ignore_ascii_case("true") {
        Some(true)
    } else {
        None
    }
}

fn unquote(field: &str) -> &str {
    let f = field.trim();
    f.strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .unwrap_or(f)
}

impl Signals {
    /// Reads `path`.
    pub fn read(path: &Path) -> Result<Self, SignalError> {
        let bytes = crate::input_path::read_regular(path).map_err(|e| SignalError::Read {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        Self::parse(path, &bytes)
    }

    /// Parses the text of a signals file (`path` names it in errors).
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<Self, SignalError> {
        let line_err = |line: usize, message: String| SignalError::Line {
            path: path.to_path_buf(),
            line,
            message,
        };
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let line = memchr::memchr_iter(b'\n', &bytes[..e.valid_up_to()]).count() + 1;
            line_err(
                line,
                "is not UTF-8 text: save the file as UTF-8".to_string(),
            )
        })?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty());
        let Some((_, header)) = lines.next() else {
            return Err(SignalError::Read {
                path: path.to_path_buf(),
                reason: "is empty: write a header (Date,entry,exit,...) and one row per bar"
                    .to_string(),
            });
        };
        let names: Vec<String> = header.split(',').map(|f| unquote(f).to_string()).collect();
        let date_col = names.iter().position(|n| {
            n.eq_ignore_ascii_case("date")
                || n.eq_ignore_ascii_case("datetime")
                || n.eq_ignore_ascii_case("timestamp")
        });
        let mut cols: Vec<(usize, u8)> = Vec::new();
        let mut unknown = Vec::new();
        for (i, n) in names.iter().enumerate() {
            if Some(i) == date_col {
                continue;
            }
            let key = n.to_ascii_lowercase().replace('-', "_");
            match RULES.iter().position(|r| *r == key) {
                Some(k) => cols.push((i, 1 << k)),
                None => unknown.push(n.as_str()),
            }
        }
        let Some(date_col) = date_col else {
            return Err(SignalError::Header {
                path: path.to_path_buf(),
                found: names.join(","),
                hint: String::new(),
            });
        };
        if let Some(u) = unknown.first() {
            let hint = crate::suggest::closest(&u.to_ascii_lowercase(), RULES).map_or_else(
                || format!(": column {u:?} is none of them"),
                |s| format!(": column {u:?}, did you mean {s}?"),
            );
            return Err(SignalError::Header {
                path: path.to_path_buf(),
                found: names.join(","),
                hint,
            });
        }
        if cols.is_empty() {
            return Err(SignalError::Header {
                path: path.to_path_buf(),
                found: names.join(","),
                hint: String::new(),
            });
        }
        let mut rows = HashMap::new();
        for (i, l) in lines {
            let line = i + 1;
            let fields: Vec<&str> = l.split(',').map(unquote).collect();
            if fields.len() != names.len() {
                return Err(line_err(
                    line,
                    format!("has {} fields, the header {}", fields.len(), names.len()),
                ));
            }
            let date = fields[date_col];
            let ts = read_timestamp(date.as_bytes())
                .map_err(|e| line_err(line, format!("date {date:?} {e}")))?;
            let mut mask = 0u8;
            for &(c, bit) in &cols {
                let Some(on) = parse_bool(fields[c]) else {
                    let what = format!("{}: {:?} is not a signal", names[c], fields[c]);
                    return Err(line_err(
                        line,
                        format!("{what}: write 1/0, true/false, or leave it empty"),
                    ));
                };
                if on {
                    mask |= bit;
                }
            }
            if let Some((_, first)) = rows.insert(ts.ms, (mask, line)) {
                return Err(line_err(
                    line,
                    format!("date {date:?} is also on line {first}: one row per bar"),
                ));
            }
        }
        Ok(Self {
            path: path.to_path_buf(),
            rows,
        })
    }

    /// Each bar's rule mask (a bar without a row has none); a row whose date no bar has is an
    /// error naming its line.
    pub fn masks(&self, bars: &crate::market::Bars) -> Result<Vec<u8>, SignalError> {
        let mut out = vec![0u8; bars.len()];
        let mut matched = 0;
        for (o, t) in out.iter_mut().zip(&bars.time) {
            if let Some(&(m, _)) = self.rows.get(t) {
                *o = m;
                matched += 1;
            }
        }
        if matched < self.rows.len() {
            let index: std::collections::HashSet<i64> = bars.time.iter().copied().collect();
            let (ms, line) = self
                .rows
                .iter()
                .filter(|(t, _)| !index.contains(t))
                .map(|(t, (_, line))| (*t, *line))
                .min_by_key(|&(_, line)| line)
                .unwrap_or_default();
            return Err(SignalError::NoBar {
                path: self.path.clone(),
                line,
                date: crate::units::time::format_timestamp(
                    ms,
                    crate::units::time::TimeStyle::DateTime,
                ),
                symbol: bars.symbol.clone(),
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backtest::expr::{ENTRY, EXIT, SHORT_ENTRY};

    fn bars(days: &[&str]) -> crate::market::Bars {
        let mut b = crate::market::Bars::with_capacity("T", days.len());
        for d in days {
            let ms = read_timestamp(d.as_bytes()).expect("date").ms;
            b.push(ms, 1.0, 1.0, 1.0, 1.0, 1.0);
        }
        b
    }

    #[test]
    fn reads_any_spelling_joins_by_date_and_names_lines() {
        let p = Path::new("s.csv");
        let s = Signals::parse(
            p,
            b"exit,Date,ENTRY,short_entry\nTRUE,2020-01-02,,1\n0,2020-01-03,true,false\n",
        )
        .expect("parses");
        let b = bars(&["2020-01-01", "2020-01-02", "2020-01-03"]);
        assert_eq!(
            s.masks(&b).expect("joins"),
            vec![0, EXIT | SHORT_ENTRY, ENTRY]
        );
        let e = Signals::parse(p, b"Date,entry\n2020-01-02,yes\n").unwrap_err();
        assert!(
            e.to_string().contains("line 2") && e.to_string().contains("\"yes\""),
            "{e}"
        );
        let e = Signals::parse(p, b"Date,entyr\n").unwrap_err();
        assert!(e.to_string().contains("did you mean entry"), "{e}");
        let s = Signals::parse(p, b"Date,entry\n2020-01-02,1\n2020-02-30,1\n").unwrap_err();
        assert!(s.to_string().contains("line 3"), "{s}");
        let s = Signals::parse(p, b"Date,entry\n2020-01-02,1\n\n2020-01-09,1\n").expect("parses");
        let e = s.masks(&b).unwrap_err();
        assert!(matches!(e, SignalError::NoBar { line: 4, .. }), "{e}");
    }
}
