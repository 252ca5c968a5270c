//! OHLCV CSV loading: per-symbol files, folders of them, or one long file with a `Symbol`
//! column. The header is matched case-insensitively with the common aliases; rows are parsed
//! byte by byte (no per-row allocation) and validated as they are read, so a bad row is reported
//! with its file and line and the file is rejected as a whole rather than half-loaded.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

mod header;
mod rows;
#[cfg(test)]
mod tests;

use super::time::{format_timestamp, TimeStyle};
use header::{Role, ROLES};
use rows::{fast_row, parse_row, split_plain, split_quoted, utf8_or, LineIter, MonthCache};

/// One instrument's bars, column by column, in ascending time order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bars {
    pub symbol: String,
    /// Milliseconds since the Unix epoch (UTC).
    pub time: Vec<i64>,
    pub open: Vec<f64>,
    pub high: Vec<f64>,
    pub low: Vec<f64>,
    pub close: Vec<f64>,
    pub volume: Vec<f64>,
    /// Whether the dates carried a time of day (for formatting them back).
    pub style: TimeStyle,
}

impl Bars {
    /// An empty series for `symbol` with room for `cap` bars.
    pub fn with_capacity(symbol: impl Into<String>, cap: usize) -> Self {
        Self {
            symbol: symbol.into(),
            time: Vec::with_capacity(cap),
            open: Vec::with_capacity(cap),
            high: Vec::with_capacity(cap),
            low: Vec::with_capacity(cap),
            close: Vec::with_capacity(cap),
            volume: Vec::with_capacity(cap),
            style: TimeStyle::Date,
        }
    }

    pub fn len(&self) -> usize {
        self.time.len()
    }

    pub fn is_empty(&self) -> bool {
        self.time.is_empty()
    }

    /// Appends one bar (no validation: the loader validates before pushing).
    pub fn push(&mut self, time: i64, open: f64, high: f64, low: f64, close: f64, volume: f64) {
        self.time.push(time);
        self.open.push(open);
        self.high.push(high);
        self.low.push(low);
        self.close.push(close);
        self.volume.push(volume);
    }

    /// Keeps only the first `len` bars.
    pub fn truncate(&mut self, len: usize) {
        self.time.truncate(len);
        self.open.truncate(len);
        self.high.truncate(len);
        self.low.truncate(len);
        self.close.truncate(len);
        self.volume.truncate(len);
    }

    /// The number of bars whose time is at or before `ms` (bars are sorted).
    pub fn count_until(&self, ms: i64) -> usize {
        self.time.partition_point(|&t| t <= ms)
    }

    /// Bar `i`'s date as written style (`YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS`, UTC).
    pub fn date(&self, i: usize) -> String {
        format_timestamp(self.time[i], self.style)
    }
}

/// How to read the files.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    /// Use the `Adj Close` column: Close becomes Adj Close and Open/High/Low are scaled by the
    /// same ratio (as yfinance's `auto_adjust`). Without it `Adj Close` is ignored.
    pub adjusted: bool,
}

/// A file that could not be used, with the line (1-based) where the problem is.
#[derive(Debug, thiserror::Error)]
#[error("{}{}: {kind}", file.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct LoadError {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub kind: LoadErrorKind,
}

/// What was wrong. Messages quote the bad value and say what is expected.
#[derive(Debug, thiserror::Error)]
pub enum LoadErrorKind {
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    #[error("the file is empty: expected a header such as `Date,Open,High,Low,Close,Volume`")]
    Empty,
    #[error("the header has no data rows under it")]
    NoRows,
    #[error("not valid UTF-8 (byte 0x{byte:02X} at column {column}): save the file as UTF-8")]
    NotUtf8 { byte: u8, column: usize },
    #[error(
        "missing column `{column}` in the header `{header}` (names are case-insensitive; {hint})"
    )]
    MissingColumn {
        column: &'static str,
        header: String,
        hint: &'static str,
    },
    #[error("column `{column}` appears twice in the header")]
    DuplicateColumn { column: String },
    #[error("the row has {found} fields, the header has {expected}")]
    FieldCount { found: usize, expected: usize },
    #[error("{column} value {value:?} is not a number")]
    BadNumber { column: &'static str, value: String },
    #[error("{column} value {value:?} is negative")]
    Negative { column: &'static str, value: String },
    #[error("High {high} is below Low {low}")]
    HighBelowLow { high: f64, low: f64 },
    #[error("date {value:?} is not a date: use YYYY-MM-DD, YYYY-MM-DD HH:MM:SS, RFC 3339 or epoch seconds/milliseconds")]
    BadDate { value: String },
    #[error("date {value} is not after the previous row's {previous}{for_symbol}: rows must be in ascending time order without duplicates")]
    NotIncreasing {
        value: String,
        previous: String,
        for_symbol: String,
    },
    #[error("the Symbol value is empty")]
    EmptySymbol,
    #[error("a quoted field opened on this line is never closed: a field that starts with `\"` ends at the next lone `\"` (write a quote inside it as `\"\"`)")]
    UnclosedQuote,
    #[error("is {what}, not a regular file: name a CSV file or a folder of them, or pipe the data into `velo scan -`")]
    NotAFile { what: &'static str },
}

/// Paths that name a descriptor the caller already opened (`<(cmd)` process substitution is
/// `/dev/fd/N`, and `/dev/stdin`): a pipe there has its writer, so it is read, as `-` is.
fn is_open_descriptor(path: &Path) -> bool {
    path == Path::new("/dev/stdin")
        || path.starts_with("/dev/fd/")
        || path.starts_with("/proc/self/fd/")
}

/// What kind of thing a non-regular, non-directory file is, for the error message.
fn file_kind(ft: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if ft.is_fifo() {
        "a named pipe (FIFO)"
    } else if ft.is_socket() {
        "a socket"
    } else if ft.is_char_device() {
        "a character device"
    } else if ft.is_block_device() {
        "a block device"
    } else if ft.is_dir() {
        "a folder"
    } else {
        "a special file"
    }
}

/// The CSV files named by `paths`: files as given, folders expanded to the `*.csv` files directly
/// inside them (sorted by name). A path that does not exist is an error.
pub fn list_inputs(paths: &[PathBuf]) -> Result<Vec<PathBuf>, LoadError> {
    let mut out = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| LoadError {
            file: path.clone(),
            line: None,
            kind: e.into(),
        })?;
        if meta.is_dir() {
            let entries = std::fs::read_dir(path).map_err(|e| LoadError {
                file: path.clone(),
                line: None,
                kind: e.into(),
            })?;
            let mut files: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                // Anything but a folder: a FIFO or device named *.csv is then refused by
                // load_file with its own error rather than skipped without a word.
                .filter(|p| {
                    p.extension().is_some_and(|x| x.eq_ignore_ascii_case("csv")) && !p.is_dir()
                })
                .collect();
            files.sort();
            out.extend(files);
        } else if meta.is_file() || is_open_descriptor(path) {
            out.push(path.clone());
        } else {
            // Reading a FIFO with no writer would block forever.
            return Err(LoadError {
                file: path.clone(),
                line: None,
                kind: LoadErrorKind::NotAFile {
                    what: file_kind(meta.file_type()),
                },
            });
        }
    }
    Ok(out)
}

/// The symbol a per-symbol file stands for: its file name without the extension.
pub fn symbol_from_path(path: &Path) -> String {
    path.file_stem()
        .map_or_else(|| "-".to_string(), |s| s.to_string_lossy().into_owned())
}

/// Reads and parses one file; `buf` is reused between calls to spare allocations.
pub fn load_file(
    path: &Path,
    buf: &mut Vec<u8>,
    opts: LoadOptions,
) -> Result<Vec<Bars>, LoadError> {
    use std::io::Read as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let fail = |kind: LoadErrorKind| LoadError {
        file: path.to_path_buf(),
        line: None,
        kind,
    };
    buf.clear();
    // Opened without blocking, so that a FIFO with no writer is refused below instead of
    // hanging here; O_NONBLOCK changes nothing for reading a regular file. A descriptor the
    // caller opened (`<(cmd)`) is a pipe with a writer: read it as it comes.
    let inherited = is_open_descriptor(path);
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(if inherited {
            0
        } else {
            rustix::fs::OFlags::NONBLOCK.bits() as i32
        })
        .open(path)
        .map_err(|e| fail(e.into()))?;
    let meta = file.metadata().map_err(|e| fail(e.into()))?;
    // A regular file, or anything but a folder behind a descriptor the caller opened.
    let readable = meta.is_file() || (inherited && !meta.is_dir());
    if !readable {
        return Err(fail(LoadErrorKind::NotAFile {
            what: file_kind(meta.file_type()),
        }));
    }
    file.read_to_end(buf).map_err(|e| fail(e.into()))?;
    parse(buf, path, &symbol_from_path(path), opts)
}

/// Parses CSV text from `file`. Without a `Symbol` column the whole file is `default_symbol`;
/// with one, the rows are grouped by symbol (in order of first appearance) and each symbol's
/// dates must increase.
pub fn parse(
    bytes: &[u8],
    file: &Path,
    default_symbol: &str,
    opts: LoadOptions,
) -> Result<Vec<Bars>, LoadError> {
    let err = |line: usize, kind: LoadErrorKind| LoadError {
        file: file.to_path_buf(),
        line: Some(line),
        kind,
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(err(1, LoadErrorKind::Empty));
    }

    let mut lines = LineIter {
        rest: bytes,
        line: 0,
    };
    // The header is the first non-blank line.
    let (header_line, header) = loop {
        match lines
            .next_record()
            .map_err(|l| err(l, LoadErrorKind::UnclosedQuote))?
        {
            Some((n, l)) if l.iter().all(u8::is_ascii_whitespace) => {
                let _ = n;
            }
            Some(h) => break h,
            None => return Err(err(1, LoadErrorKind::Empty)),
        }
    };
    let header_text = std::str::from_utf8(header).map_err(|e| {
        err(
            header_line,
            LoadErrorKind::NotUtf8 {
                byte: header[e.valid_up_to()],
                column: e.valid_up_to() + 1,
            },
        )
    })?;
    let names = split_quoted(header_text.as_bytes());
    let mut slot_of_col: Vec<Option<usize>> = Vec::with_capacity(names.len());
    let mut have = [false; ROLES];
    for name in &names {
        let name = String::from_utf8_lossy(name);
        let role = Role::from_header(&name);
        if let Some(r) = role {
            if have[r as usize] {
                return Err(err(
                    header_line,
                    LoadErrorKind::DuplicateColumn {
                        column: name.trim().to_string(),
                    },
                ));
            }
            have[r as usize] = true;
        }
        slot_of_col.push(role.map(|r| r as usize));
    }
    let mut required = vec![
        Role::Date,
        Role::Open,
        Role::High,
        Role::Low,
        Role::Close,
        Role::Volume,
    ];
    if opts.adjusted {
        required.push(Role::AdjClose);
    } else if have[Role::AdjClose as usize] {
        // Ignored unless asked for: do not parse or validate it.
        for slot in &mut slot_of_col {
            if *slot == Some(Role::AdjClose as usize) {
                *slot = None;
            }
        }
    }
    for role in required {
        if !have[role as usize] {
            return Err(err(
                header_line,
                LoadErrorKind::MissingColumn {
                    column: role.name(),
                    header: header_text.trim().to_string(),
                    hint: role.hint(),
                },
            ));
        }
    }
    let with_symbol = have[Role::Symbol as usize];
    let ncols = names.len();

    let estimate = memchr::memchr_iter(b'\n', lines.rest).count() + 1;
    let mut series: Vec<Bars> = Vec::new();
    let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
    if !with_symbol {
        series.push(Bars::with_capacity(default_symbol, estimate));
    }
    let mut any_datetime = false;
    let plan: Vec<Option<Role>> = slot_of_col.iter().map(|s| s.map(Role::from_slot)).collect();
    let fast = !opts.adjusted;
    let mut month_cache = MonthCache::default();
    loop {
        if fast {
            if let Some((row, sym, used)) = fast_row(lines.rest, &plan, &mut month_cache) {
                let target = if with_symbol {
                    match index.get(sym) {
                        Some(&i) => i,
                        None => usize::MAX,
                    }
                } else {
                    0
                };
                if let Some(bars) = series.get_mut(target) {
                    if bars.time.last().is_none_or(|&prev| row.time.0 > prev) {
                        any_datetime |= row.time.1 == TimeStyle::DateTime;
                        bars.push(
                            row.time.0, row.open, row.high, row.low, row.close, row.volume,
                        );
                        lines.advance(used);
                        continue;
                    }
                }
            }
        }
        let Some((n, line)) = lines
            .next_record()
            .map_err(|l| err(l, LoadErrorKind::UnclosedQuote))?
        else {
            break;
        };
        // The general path: quoting, spaces, exponents, new symbols, and every error message.
        if line.is_empty() || line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let mut slots: [&[u8]; ROLES] = [&[]; ROLES];
        let quoted_fields: Vec<Vec<u8>>;
        let found = if memchr::memchr(b'"', line).is_some() {
            quoted_fields = split_quoted(line);
            for (col, f) in quoted_fields.iter().enumerate() {
                if let Some(Some(s)) = slot_of_col.get(col) {
                    slots[*s] = f;
                }
            }
            quoted_fields.len()
        } else {
            split_plain(line, &slot_of_col, &mut slots)
        };
        if found != ncols {
            return Err(err(
                n,
                LoadErrorKind::FieldCount {
                    found,
                    expected: ncols,
                },
            ));
        }
        let row = parse_row(&slots, opts.adjusted).map_err(|kind| err(n, utf8_or(line, kind)))?;
        let (time, style) = row.time;
        any_datetime |= style == TimeStyle::DateTime;
        let target = if with_symbol {
            let sym = slots[Role::Symbol as usize].trim_ascii();
            if sym.is_empty() {
                return Err(err(n, LoadErrorKind::EmptySymbol));
            }
            if let Some(&i) = index.get(sym) {
                i
            } else {
                let name = std::str::from_utf8(sym)
                    .map_err(|_| err(n, utf8_or(line, LoadErrorKind::EmptySymbol)))?;
                series.push(Bars::with_capacity(name, 0));
                index.insert(sym.to_vec(), series.len() - 1);
                series.len() - 1
            }
        } else {
            0
        };
        let bars = &mut series[target];
        if let Some(&prev) = bars.time.last() {
            if time <= prev {
                let style = if any_datetime {
                    TimeStyle::DateTime
                } else {
                    TimeStyle::Date
                };
                return Err(err(
                    n,
                    LoadErrorKind::NotIncreasing {
                        value: String::from_utf8_lossy(slots[Role::Date as usize].trim_ascii())
                            .into_owned(),
                        previous: format_timestamp(prev, style),
                        for_symbol: if with_symbol {
                            format!(" for {}", bars.symbol)
                        } else {
                            String::new()
                        },
                    },
                ));
            }
        }
        bars.push(time, row.open, row.high, row.low, row.close, row.volume);
    }
    if series.iter().all(Bars::is_empty) {
        return Err(err(header_line, LoadErrorKind::NoRows));
    }
    let style = if any_datetime {
        TimeStyle::DateTime
    } else {
        TimeStyle::Date
    };
    for s in &mut series {
        s.style = style;
    }
    Ok(series)
}
