//! The header: the separator, and which column holds which value. Names are matched
//! case-insensitively with the common aliases (`Timestamp`, `Vol`, `Adj Close`, …).
//!
//! Layouts read:
//! - one header line naming the columns, separated by `,`, `;` or a tab: the separator is the
//!   one that splits the header into the most known names (a comma when none does better), or
//!   the one an Excel `sep=;` line before the header names;
//! - pandas' `to_csv` of a frame whose date index has no name: an unnamed first column is the
//!   date when no column is named so;
//! - yfinance's multi-row header (0.2.51 and later): a `Price` row of names, a `Ticker` row of
//!   symbols (the two in either order) and an optional `Date` row with nothing else on it. One
//!   ticker names the series; several make one series each, as a long file would.

use super::records::{split_quoted, LineIter};
use super::{Fail, LoadErrorKind};
use crate::market::time::read_timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Date,
    Open,
    High,
    Low,
    Close,
    Volume,
    AdjClose,
    Symbol,
}

pub(super) const ROLES: usize = 8;

/// The roles every series needs.
const REQUIRED: [Role; 6] = [
    Role::Date,
    Role::Open,
    Role::High,
    Role::Low,
    Role::Close,
    Role::Volume,
];

/// The separators a header may use, in order of preference on a tie.
const SEPARATORS: [u8; 3] = [b',', b';', b'\t'];

impl Role {
    pub(super) fn from_header(name: &str) -> Option<Self> {
        let n = normalise(name);
        Some(match n.as_str() {
            "date" | "time" | "timestamp" | "datetime" | "date/time" => Self::Date,
            "open" | "o" => Self::Open,
            "high" | "h" => Self::High,
            "low" | "l" => Self::Low,
            "close" | "c" => Self::Close,
            "volume" | "vol" | "v" => Self::Volume,
            "adjclose" | "adjustedclose" => Self::AdjClose,
            "symbol" | "ticker" => Self::Symbol,
            _ => return None,
        })
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Date => "Date",
            Self::Open => "Open",
            Self::High => "High",
            Self::Low => "Low",
            Self::Close => "Close",
            Self::Volume => "Volume",
            Self::AdjClose => "Adj Close",
            Self::Symbol => "Symbol",
        }
    }

    fn hint(self) -> &'static str {
        match self {
            Self::Date => "Timestamp, Time and Datetime are accepted for Date",
            Self::Volume => "Vol is accepted for Volume",
            Self::AdjClose => "--adjusted needs an `Adj Close` column",
            _ => "expected Date,Open,High,Low,Close,Volume",
        }
    }
}

/// A header name without case, quotes, spaces, `_`, `-`, `.` or `*` (Yahoo's web tables write
/// `Close*` and `Adj Close**`).
fn normalise(name: &str) -> String {
    name.trim()
        .trim_matches('"')
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '.' | '*'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// What the header says about the rows under it.
#[derive(Debug)]
pub(super) struct Header {
    /// The line the header starts on.
    pub line: usize,
    pub sep: u8,
    /// The role of each column; `None` for the columns that are not read.
    pub plan: Vec<Option<Role>>,
    pub with_symbol: bool,
    /// The symbol the header itself names (a yfinance file of one ticker).
    pub symbol: Option<String>,
    /// A yfinance file of several tickers: their names, and the ticker of each column.
    pub tickers: Vec<String>,
    pub ticker_of_col: Vec<Option<usize>>,
}

/// Reads the header at the start of `bytes` (blank lines before it are skipped) and returns it
/// with the rows that follow.
pub(super) fn read(bytes: &[u8], adjusted: bool) -> Result<(Header, LineIter<'_>), Fail> {
    // The first non-blank line, raw, to find the separator on.
    let mut offset = 0;
    let mut line = 1;
    let first = loop {
        let end = memchr::memchr(b'\n', &bytes[offset..]).map_or(bytes.len(), |p| offset + p);
        let raw = &bytes[offset..end];
        if !raw.iter().all(u8::is_ascii_whitespace) {
            break raw.strip_suffix(b"\r").unwrap_or(raw);
        }
        if end == bytes.len() {
            return Err((1, LoadErrorKind::Empty));
        }
        offset = end + 1;
        line += 1;
    };
    // Excel's `sep=;` line names the separator.
    let sep_line = match first.trim_ascii() {
        [s, e, p, b'=', c] if [s, e, p].map(u8::to_ascii_lowercase) == *b"sep" => Some(*c),
        _ => None,
    };
    if sep_line.is_some() {
        let rest = &bytes[offset..];
        offset += memchr::memchr(b'\n', rest).map_or(rest.len(), |p| p + 1);
        line += 1;
    }
    let sep = sep_line.unwrap_or_else(|| sniff_separator(first));
    let mut lines = LineIter::new(&bytes[offset..], line - 1, sep);
    let (line, record) = loop {
        match next(&mut lines)? {
            Some((_, r)) if r.iter().all(u8::is_ascii_whitespace) => {}
            Some(found) => break found,
            None => return Err((line, LoadErrorKind::Empty)),
        }
    };
    let names = utf8_names(record, line, sep)?;
    let head = |names: &[String]| names.first().map(|n| normalise(n)).unwrap_or_default();
    // yfinance: `Price` and `Ticker` rows (in either order), then perhaps a `Date` row.
    if matches!(head(&names).as_str(), "price" | "ticker") {
        let mut ahead = lines.clone();
        if let Some((line2, record2)) = next(&mut ahead)? {
            let second = utf8_names(record2, line2, sep)?;
            let pair = (head(&names), head(&second));
            if matches!(
                (pair.0.as_str(), pair.1.as_str()),
                ("price", "ticker") | ("ticker", "price")
            ) {
                lines = ahead;
                let (prices, tickers) = if pair.0 == "price" {
                    (names, second)
                } else {
                    (second, names)
                };
                skip_index_name_row(&mut lines)?;
                let header = yfinance(&prices, &tickers, line, sep, adjusted)?;
                return Ok((header, lines));
            }
        }
    }
    Ok((plain(&names, line, sep, adjusted)?, lines))
}

fn next<'a>(lines: &mut LineIter<'a>) -> Result<Option<(usize, &'a [u8])>, Fail> {
    lines
        .next_record()
        .map_err(|l| (l, LoadErrorKind::UnclosedQuote))
}

/// The separator that splits `line` into the most known column names.
fn sniff_separator(line: &[u8]) -> u8 {
    let score = |sep: u8| {
        let mut seen = [false; ROLES];
        for name in split_quoted(line, sep) {
            if let Some(r) = Role::from_header(&String::from_utf8_lossy(&name)) {
                seen[r as usize] = true;
            }
        }
        seen.iter().filter(|&&s| s).count()
    };
    let mut best = (0, b',');
    for sep in SEPARATORS {
        let s = score(sep);
        if s > best.0 {
            best = (s, sep);
        }
    }
    best.1
}

fn utf8_names(record: &[u8], line: usize, sep: u8) -> Result<Vec<String>, Fail> {
    let text = std::str::from_utf8(record).map_err(|e| {
        (
            line,
            LoadErrorKind::NotUtf8 {
                byte: record[e.valid_up_to()],
                column: e.valid_up_to() + 1,
            },
        )
    })?;
    Ok(split_quoted(text.as_bytes(), sep)
        .into_iter()
        .map(|n| String::from_utf8_lossy(&n).into_owned())
        .collect())
}

/// The header as written, for messages.
fn joined(names: &[String], sep: u8) -> String {
    names.join(&char::from(sep).to_string())
}

/// One header line of names.
fn plain(names: &[String], line: usize, sep: u8, adjusted: bool) -> Result<Header, Fail> {
    let mut plan: Vec<Option<Role>> = Vec::with_capacity(names.len());
    let mut first_of: [Option<usize>; ROLES] = [None; ROLES];
    for (col, name) in names.iter().enumerate() {
        let role = Role::from_header(name);
        if let Some(r) = role {
            if let Some(prev) = first_of[r as usize] {
                return Err((line, duplicate(&names[prev], name, r)));
            }
            first_of[r as usize] = Some(col);
        }
        plan.push(role);
    }
    // pandas writes an unnamed date index as a first column with an empty name.
    if first_of[Role::Date as usize].is_none() && names.first().is_some_and(|n| n.trim().is_empty())
    {
        plan[0] = Some(Role::Date);
        first_of[Role::Date as usize] = Some(0);
    }
    if plan.iter().all(Option::is_none)
        && names.len() > 1
        && read_timestamp(names[0].as_bytes()).is_ok()
    {
        return Err((
            line,
            LoadErrorKind::NoHeader {
                first: names[0].trim().to_string(),
            },
        ));
    }
    let has = |r: Role| first_of[r as usize].is_some();
    let missing = REQUIRED
        .into_iter()
        .chain(adjusted.then_some(Role::AdjClose))
        .find(|&r| !has(r));
    if let Some(role) = missing {
        return Err((
            line,
            LoadErrorKind::MissingColumn {
                column: role.name(),
                header: joined(names, sep).trim().to_string(),
                hint: role.hint(),
            },
        ));
    }
    if !adjusted {
        // Ignored unless asked for: not parsed or validated.
        for role in &mut plan {
            if *role == Some(Role::AdjClose) {
                *role = None;
            }
        }
    }
    Ok(Header {
        line,
        sep,
        plan,
        with_symbol: has(Role::Symbol),
        symbol: None,
        tickers: Vec::new(),
        ticker_of_col: Vec::new(),
    })
}

fn duplicate(first: &str, second: &str, role: Role) -> LoadErrorKind {
    LoadErrorKind::DuplicateColumn {
        first: first.trim().to_string(),
        second: second.trim().to_string(),
        role: role.name(),
    }
}

/// yfinance's third header row names the index (`Date`, `Datetime`) and nothing else.
fn skip_index_name_row(lines: &mut LineIter<'_>) -> Result<(), Fail> {
    let mut ahead = lines.clone();
    if let Some((_, record)) = next(&mut ahead)? {
        let cells = split_quoted(record, lines.sep());
        let named = cells
            .first()
            .is_some_and(|c| Role::from_header(&String::from_utf8_lossy(c)) == Some(Role::Date));
        if named && cells[1..].iter().all(|c| c.trim_ascii().is_empty()) {
            *lines = ahead;
        }
    }
    Ok(())
}

/// yfinance's `Price` and `Ticker` rows: the first column is the date, each other column one
/// value of one ticker.
fn yfinance(
    prices: &[String],
    tickers: &[String],
    line: usize,
    sep: u8,
    adjusted: bool,
) -> Result<Header, Fail> {
    if prices.len() != tickers.len() {
        return Err((
            line + 1,
            LoadErrorKind::FieldCount {
                found: tickers.len(),
                expected: prices.len(),
                other_sep: None,
            },
        ));
    }
    let mut names: Vec<String> = Vec::new();
    let mut plan = vec![Some(Role::Date)];
    let mut ticker_of_col = vec![None];
    // (ticker, role) → the column that holds it.
    let mut seen: Vec<[Option<usize>; ROLES]> = Vec::new();
    for col in 1..prices.len() {
        let role =
            Role::from_header(&prices[col]).filter(|r| !matches!(r, Role::Date | Role::Symbol));
        let role = role.filter(|&r| adjusted || r != Role::AdjClose);
        let ticker = tickers[col].trim().trim_matches('"');
        let Some(r) = role.filter(|_| !ticker.is_empty()) else {
            plan.push(None);
            ticker_of_col.push(None);
            continue;
        };
        let t = names.iter().position(|n| n == ticker).unwrap_or_else(|| {
            names.push(ticker.to_string());
            seen.push([None; ROLES]);
            names.len() - 1
        });
        if let Some(prev) = seen[t][r as usize] {
            let at = |c: usize| format!("{} ({ticker}, column {})", prices[c].trim(), c + 1);
            return Err((line, duplicate(&at(prev), &at(col), r)));
        }
        seen[t][r as usize] = Some(col);
        plan.push(Some(r));
        ticker_of_col.push(Some(t));
    }
    if names.is_empty() {
        return Err((
            line,
            LoadErrorKind::MissingColumn {
                column: "Close",
                header: joined(prices, sep),
                hint: "a yfinance file names its tickers in the Ticker row",
            },
        ));
    }
    for (t, name) in names.iter().enumerate() {
        let missing = REQUIRED[1..]
            .iter()
            .copied()
            .chain(adjusted.then_some(Role::AdjClose))
            .find(|&r| seen[t][r as usize].is_none());
        if let Some(role) = missing {
            return Err((
                line,
                LoadErrorKind::MissingTickerColumn {
                    ticker: name.clone(),
                    column: role.name(),
                },
            ));
        }
    }
    let one = names.len() == 1;
    Ok(Header {
        line,
        sep,
        plan,
        with_symbol: false,
        symbol: one.then(|| names[0].clone()),
        tickers: if one { Vec::new() } else { names },
        ticker_of_col: if one { Vec::new() } else { ticker_of_col },
    })
}
