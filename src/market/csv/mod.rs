//! OHLCV CSV loading: per-symbol files, folders of them, one long file with a `Symbol`
//! column, or a yfinance file of one or more tickers. Rows are parsed byte by byte (no per-row
//! allocation) and validated as they are read, so a bad row is reported with its file and line
//! and the file is rejected as a whole rather than half-loaded.
//!
//! The jobs, in the order a file meets them: [`text`] (encoding, line ends, binary files),
//! [`header`] (separator, column names, layouts), [`records`] (RFC 4180 splitting), [`rows`]
//! (one series or a `Symbol` column) and [`wide`] (several yfinance tickers side by side).

use std::path::{Path, PathBuf};

mod header;
mod records;
mod rows;
#[cfg(test)]
mod tests;
mod text;
mod wide;

use super::time::{format_timestamp, DateForm, TimeStyle, TimestampError, MS_PER_DAY};

/// A problem found at a line (1-based) of the file being parsed.
type Fail = (usize, LoadErrorKind);

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

    /// Turns the bars around (a file read newest first).
    fn reverse(&mut self) {
        self.time.reverse();
        self.open.reverse();
        self.high.reverse();
        self.low.reverse();
        self.close.reverse();
        self.volume.reverse();
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
    /// How the user gives this command its data on standard input (`velo backtest -`), for
    /// the message that refuses a named pipe; empty for a generic one.
    pub stdin_usage: &'static str,
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
    #[error("cannot read: {}", io_message(.0))]
    Io(#[from] std::io::Error),
    #[error("the file is empty: expected a header such as `Date,Open,High,Low,Close,Volume`")]
    Empty,
    #[error("the header has no data rows under it")]
    NoRows,
    #[error("not valid UTF-8 (byte 0x{byte:02X} at column {column}): save the file as UTF-8")]
    NotUtf8 { byte: u8, column: usize },
    #[error("is {what}, not CSV text: {fix}")]
    NotText {
        what: &'static str,
        fix: &'static str,
    },
    #[error("holds a NUL byte (at byte {offset}): it is a binary file or UTF-16 text without a byte-order mark, not CSV text: save it as UTF-8 CSV")]
    Binary { offset: usize },
    #[error("the first line is data ({first:?}), not a header: add a first line naming the columns, such as `Date,Open,High,Low,Close,Volume`")]
    NoHeader { first: String },
    #[error(
        "missing column `{column}` in the header `{header}` (names are case-insensitive; {hint})"
    )]
    MissingColumn {
        column: &'static str,
        header: String,
        hint: &'static str,
    },
    #[error("the Ticker row names {ticker}, but the Price row has no `{column}` column for it")]
    MissingTickerColumn {
        ticker: String,
        column: &'static str,
    },
    #[error("columns `{first}` and `{second}` both hold the {role}{}", duplicate_hint(.role))]
    DuplicateColumn {
        first: String,
        second: String,
        role: &'static str,
    },
    #[error("the row has {found} fields, the header has {expected}{}", field_count_hint(*.found, *.other_sep))]
    FieldCount {
        found: usize,
        expected: usize,
        /// A separator other than the header's that the row holds, if it holds one field.
        other_sep: Option<char>,
    },
    #[error(
        "the row repeats the header: were two files joined (cat a.csv b.csv)? keep one header line"
    )]
    RepeatedHeader,
    #[error("the row holds NUL bytes: the file is cut or padded with zeros (an interrupted copy or a crashed writer?); restore it or cut the row")]
    NulBytes,
    #[error("the {column} field is empty: every bar needs a Date, Open, High, Low, Close and Volume (drop or fill rows with missing values, e.g. pandas' df.dropna())")]
    EmptyField { column: &'static str },
    #[error("{column} value {value:?} is a missing value: every bar needs a Date, Open, High, Low, Close and Volume (drop or fill rows with missing values, e.g. pandas' df.dropna())")]
    Missing { column: &'static str, value: String },
    #[error("{column} value {value:?} is not a finite number")]
    NotFinite { column: &'static str, value: String },
    #[error("{column} value {value:?} is not a number")]
    BadNumber { column: &'static str, value: String },
    #[error("{column} value {value:?} is not a number: write numbers with one decimal mark and no thousands separators (a comma is read as the decimal mark only in files separated by `;` or tabs)")]
    DecimalMarks { column: &'static str, value: String },
    #[error("{column} value {value:?} is negative")]
    Negative { column: &'static str, value: String },
    #[error("{column} value {value:?} is {}: a bar's Open, High, Low and Close must be above zero (no trade happens at a zero or negative price)", if *.negative { "negative" } else { "zero" })]
    NotPositive {
        column: &'static str,
        value: String,
        negative: bool,
    },
    #[error("High {high} is below Low {low}")]
    HighBelowLow { high: f64, low: f64 },
    #[error("date {value:?} {reason}")]
    BadDate {
        value: String,
        reason: TimestampError,
    },
    #[error("date {value:?} is {form}, but the Date column starts as {first_form} ({first:?} on line {first_line}): one column keeps one form, so a series cannot mix units")]
    MixedDateForms {
        value: String,
        form: DateForm,
        first: String,
        first_form: DateForm,
        first_line: usize,
    },
    #[error("{}", not_in_order(.value, .previous, .for_symbol, *.descending))]
    NotIncreasing {
        value: String,
        previous: String,
        for_symbol: String,
        /// The file started newest first.
        descending: bool,
    },
    #[error("the Symbol value is empty")]
    EmptySymbol,
    #[error("{ticker}: {kind}")]
    ForTicker {
        ticker: String,
        kind: Box<LoadErrorKind>,
    },
    #[error("a quoted field opened on this line is never closed: a field that starts with `\"` ends at the next lone `\"` (write a quote inside it as `\"\"`)")]
    UnclosedQuote,
    #[error("is {what}, not a regular file: {}", not_a_file_fix(.what, .usage, .name))]
    NotAFile {
        what: &'static str,
        usage: &'static str,
        /// The path, for the example.
        name: String,
    },
}

fn io_message(e: &std::io::Error) -> String {
    let hint = match e.raw_os_error() {
        Some(40) => ": a symbolic link in the path leads back to itself; point it at the real file",
        Some(21) => ": a folder, where a CSV file was expected",
        _ => "",
    };
    format!("{e}{hint}")
}

fn field_count_hint(found: usize, other_sep: Option<char>) -> String {
    match other_sep {
        Some(c) if found == 1 => format!(
            " (the row is separated by {}, the header is not: use one separator throughout)",
            match c {
                '\t' => "tabs".to_string(),
                c => format!("`{c}`"),
            }
        ),
        _ => String::new(),
    }
}

fn duplicate_hint(role: &str) -> &'static str {
    if role == "Date" {
        ": velo reads a bar's date and time of day from one column (join them: `2024-01-02 09:30:00`), or rename the other one"
    } else {
        ": rename or drop one of them"
    }
}

fn not_a_file_fix(what: &str, usage: &str, name: &str) -> String {
    let stdin = if usage.is_empty() {
        "give the data on standard input instead, with `-` in place of the path".to_string()
    } else {
        format!("give the data on standard input instead, as in `{usage} < {name}`")
    };
    match what {
        FOLDER => "name a CSV file in it".to_string(),
        FIFO => format!("velo does not wait for a writer to open it; {stdin}"),
        _ => format!("name a CSV file, or {stdin}"),
    }
}

const FIFO: &str = "a named pipe (FIFO)";
const FOLDER: &str = "a folder";

fn not_in_order(value: &str, previous: &str, for_symbol: &str, descending: bool) -> String {
    if descending {
        format!("date {value} is not before the previous row's {previous}{for_symbol}: the file starts newest first, so each row must be older than the one above it, without duplicates")
    } else {
        format!("date {value} is not after the previous row's {previous}{for_symbol}: rows must be in time order (oldest first, as the file starts, or all newest first) without duplicates")
    }
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
        FIFO
    } else if ft.is_socket() {
        "a socket"
    } else if ft.is_char_device() {
        "a character device"
    } else if ft.is_block_device() {
        "a block device"
    } else if ft.is_dir() {
        FOLDER
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
        } else {
            // A FIFO or device too: load_file refuses it with its own message (reading a FIFO
            // with no writer would block forever).
            out.push(path.clone());
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
            usage: opts.stdin_usage,
            name: path.display().to_string(),
        }));
    }
    file.read_to_end(buf).map_err(|e| fail(e.into()))?;
    parse(buf, path, &symbol_from_path(path), opts)
}

/// Parses CSV text from `file`. Without a `Symbol` column the whole file is `default_symbol`
/// (or the one ticker a yfinance header names); with one, or with several yfinance tickers,
/// there is a series per symbol (in order of first appearance). Times run one way in the whole
/// file (oldest first, or newest first and then turned around).
pub fn parse(
    bytes: &[u8],
    file: &Path,
    default_symbol: &str,
    opts: LoadOptions,
) -> Result<Vec<Bars>, LoadError> {
    let at = |(line, kind): Fail| LoadError {
        file: file.to_path_buf(),
        line: Some(line),
        kind,
    };
    let text = text::decode(bytes).map_err(at)?;
    let (header, lines) = header::read(&text, opts.adjusted).map_err(at)?;
    let (mut series, order) = if header.tickers.is_empty() {
        rows::read_plain(lines, &header, opts, default_symbol)
    } else {
        wide::read(lines, &header, opts)
    }
    .map_err(at)?;
    if series.iter().all(Bars::is_empty) {
        return Err(at((header.line, LoadErrorKind::NoRows)));
    }
    // Dates are shown with a time of day when any bar has one, however they were written (so
    // epoch stamps of midnight read as the dates they are).
    let style = if series
        .iter()
        .all(|s| s.time.iter().all(|t| t % MS_PER_DAY == 0))
    {
        TimeStyle::Date
    } else {
        TimeStyle::DateTime
    };
    for s in &mut series {
        if order == rows::Order::Descending {
            s.reverse();
        }
        s.style = style;
    }
    Ok(series)
}
