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
mod text;
mod wide;

use super::time::{format_timestamp, DateForm, TimeStyle, TimestampError};
use crate::input_path::{open_regular, Kind, OpenError};

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
    #[error("is {kind}, not a regular file: {}", not_a_file_fix(*.kind, .usage, .name))]
    NotAFile {
        kind: Kind,
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

fn not_a_file_fix(kind: Kind, usage: &str, name: &str) -> String {
    let stdin = if usage.is_empty() {
        "give the data on standard input instead, with `-` in place of the path".to_string()
    } else {
        format!("give the data on standard input instead, as in `{usage} < {name}`")
    };
    match kind {
        Kind::Folder => "name a CSV file in it".to_string(),
        Kind::Fifo => format!("velo does not wait for a writer to open it; {stdin}"),
        _ => format!("name a CSV file, or {stdin}"),
    }
}

fn not_in_order(value: &str, previous: &str, for_symbol: &str, descending: bool) -> String {
    if descending {
        format!("date {value} is not before the previous row's {previous}{for_symbol}: the file starts newest first, so each row must be older than the one above it, without duplicates")
    } else {
        format!("date {value} is not after the previous row's {previous}{for_symbol}: rows must be in time order (oldest first, as the file starts, or all newest first) without duplicates")
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
    let fail = |kind: LoadErrorKind| LoadError {
        file: path.to_path_buf(),
        line: None,
        kind,
    };
    buf.clear();
    // Never waits: a FIFO with no writer, a device or a folder is refused; a descriptor the
    // caller opened (`<(cmd)`) is a pipe with a writer, read as it comes.
    let mut file = open_regular(path).map_err(|e| match e {
        OpenError::Io(e) => fail(e.into()),
        OpenError::NotAFile(kind) => fail(LoadErrorKind::NotAFile {
            kind,
            usage: opts.stdin_usage,
            name: path.display().to_string(),
        }),
    })?;
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
    let rows::Read {
        mut series,
        order,
        clock,
    } = if header.tickers.is_empty() {
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
    let style = if clock {
        TimeStyle::DateTime
    } else {
        TimeStyle::Date
    };
    for s in &mut series {
        if order == rows::Order::Descending {
            s.reverse();
        }
        s.style = style;
    }
    Ok(series)
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact expectations are the point of these tests
mod tests {

    use super::records::{split_quoted, LineIter};
    use super::*;
    use crate::market::time::MS_PER_DAY;
    use proptest::prelude::*;

    fn load(text: &str) -> Result<Vec<Bars>, LoadError> {
        parse(
            text.as_bytes(),
            Path::new("t.csv"),
            "T",
            LoadOptions::default(),
        )
    }

    fn load_err(text: &[u8]) -> String {
        parse(text, Path::new("t.csv"), "T", LoadOptions::default())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn reads_a_plain_file() {
        let bars = load("Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,0.5,1.5,100\n2024-01-03,1.5,2.5,1,2,200.5\n")
            .unwrap();
        assert_eq!(bars.len(), 1);
        let b = &bars[0];
        assert_eq!(b.symbol, "T");
        assert_eq!(b.close, vec![1.5, 2.0]);
        assert_eq!(b.volume, vec![100.0, 200.5]);
        assert_eq!(b.date(1), "2024-01-03");
    }

    #[test]
    fn header_aliases_case_and_extra_columns() {
        let b = load("\u{feff}timestamp,HIGH,low,Open,close,VOL,Adj Close,Note\r\n1704153600,2,1,1.5,1.8,10,99,\"x, y\"\r\n")
            .unwrap();
        assert_eq!(b[0].high, vec![2.0]);
        assert_eq!(b[0].close, vec![1.8], "Adj Close is ignored unless asked");
        // Epoch seconds of a midnight are a date; with a time of day they show it.
        assert_eq!(b[0].style, TimeStyle::Date);
        assert_eq!(b[0].date(0), "2024-01-02");
        let b = load("timestamp,HIGH,low,Open,close,VOL\n1704187800,2,1,1.5,1.8,10\n").unwrap();
        assert_eq!(b[0].style, TimeStyle::DateTime);
        assert_eq!(b[0].date(0), "2024-01-02 09:30:00");
    }

    #[test]
    fn non_files_are_named_with_what_to_do() {
        let message = |kind| {
            LoadErrorKind::NotAFile {
                kind,
                usage: "velo backtest -",
                name: "p.csv".into(),
            }
            .to_string()
        };
        assert_eq!(
            message(Kind::Fifo),
            "is a named pipe (FIFO), not a regular file: velo does not wait for a writer to \
             open it; give the data on standard input instead, as in `velo backtest - < p.csv`"
        );
        assert_eq!(
            message(Kind::Folder),
            "is a folder, not a regular file: name a CSV file in it"
        );
        assert_eq!(
            message(Kind::CharDevice),
            "is a character device, not a regular file: name a CSV file, or give the data on \
             standard input instead, as in `velo backtest - < p.csv`"
        );
    }

    #[test]
    fn adjusted_scales_ohlc() {
        let b = parse(
            b"Date,Open,High,Low,Close,Adj Close,Volume\n2024-01-02,10,20,5,10,5,7\n",
            Path::new("t.csv"),
            "T",
            LoadOptions {
                adjusted: true,
                ..LoadOptions::default()
            },
        )
        .unwrap();
        assert_eq!(
            (b[0].open[0], b[0].high[0], b[0].low[0], b[0].close[0]),
            (5.0, 10.0, 2.5, 5.0)
        );
    }

    #[test]
    fn long_format_groups_by_symbol() {
        let b = load("Symbol,Date,Open,High,Low,Close,Volume\nAAA,2024-01-02,1,1,1,1,1\nBBB,2024-01-02,2,2,2,2,2\nAAA,2024-01-03,3,3,3,3,3\n")
            .unwrap();
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].symbol, "AAA");
        assert_eq!(b[0].close, vec![1.0, 3.0]);
        assert_eq!(b[1].close, vec![2.0]);
        let e = load_err(b"Symbol,Date,Open,High,Low,Close,Volume\nAAA,2024-01-02,1,1,1,1,1\nAAA,2024-01-02,2,2,2,2,2\n");
        assert!(
            e.starts_with("t.csv:3: date 2024-01-02 is not after") && e.contains("for AAA"),
            "{e}"
        );
    }

    #[test]
    fn errors_name_line_and_value() {
        let h = "Date,Open,High,Low,Close,Volume\n";
        let cases: [(&str, &str); 8] = [
            (
                "2024-01-02,1,2,1,abc,5\n",
                "t.csv:2: Close value \"abc\" is not a number",
            ),
            (
                "2024-01-02,1,2,1,1,5\n2024-01-03,1,2,1,1,5\n2024-01-01,1,2,1,1,5\n",
                "t.csv:4: date 2024-01-01 is not after the previous row's 2024-01-03",
            ),
            ("2024-01-02,1,1,2,1,5\n", "t.csv:2: High 1 is below Low 2"),
            (
                "2024-01-02,1,2,1,1,-5\n",
                "t.csv:2: Volume value \"-5\" is negative",
            ),
            (
                "2024-01-02,-1,2,1,1,5\n",
                "t.csv:2: Open value \"-1\" is negative",
            ),
            (
                "2024-01-02,1,2,1,1\n",
                "t.csv:2: the row has 5 fields, the header has 6",
            ),
            (
                "02/01/2024,1,2,1,1,5\n",
                "t.csv:2: date \"02/01/2024\" does not say whether the day or the month comes first",
            ),
            ("", "t.csv:1: the header has no data rows"),
        ];
        for (rows, want) in cases {
            let e = load_err(format!("{h}{rows}").as_bytes());
            assert!(e.starts_with(want), "{e}\nwanted {want}");
        }
        let e = load_err(b"Date,Open,High,Low,Close\n2024-01-02,1,2,1,1\n");
        assert!(e.starts_with("t.csv:1: missing column `Volume`"), "{e}");
        assert!(load_err(b"").starts_with("t.csv:1: the file is empty"));
        let e = load_err(b"Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,1,1\xff,5\n");
        assert!(
            e.starts_with("t.csv:2: not valid UTF-8 (byte 0xFF at column 19)"),
            "{e}"
        );
    }

    /// What every read must satisfy: bars in ascending time with finite, non-negative values
    /// and High >= Low, or an error naming a line of the input. Bars read back the same after
    /// being written out again.
    fn check_reader(bytes: &[u8]) -> Result<(), TestCaseError> {
        // A line ends at `\n`, `\r\n` or (in a file whose first line does so) a lone `\r`.
        let lines = memchr::memchr2_iter(b'\n', b'\r', bytes).count() + 1;
        for adjusted in [false, true] {
            match parse(
                bytes,
                Path::new("f.csv"),
                "F",
                LoadOptions {
                    adjusted,
                    ..LoadOptions::default()
                },
            ) {
                Ok(series) => {
                    prop_assert!(!series.is_empty());
                    for b in &series {
                        prop_assert!(b.time.windows(2).all(|w| w[0] < w[1]));
                        for i in 0..b.len() {
                            let v = [b.open[i], b.high[i], b.low[i], b.close[i], b.volume[i]];
                            prop_assert!(v.iter().all(|x| x.is_finite() && *x >= 0.0), "{v:?}");
                            prop_assert!(
                                v[..4].iter().all(|x| *x > 0.0),
                                "prices above zero: {v:?}"
                            );
                            prop_assert!(adjusted || b.high[i] >= b.low[i]);
                        }
                    }
                    if !adjusted && series.len() == 1 {
                        let b = &series[0];
                        let mut text = String::from("Date,Open,High,Low,Close,Volume\n");
                        for i in 0..b.len() {
                            text.push_str(&format!(
                                "{},{},{},{},{},{}\n",
                                format_timestamp(b.time[i], TimeStyle::DateTime),
                                b.open[i],
                                b.high[i],
                                b.low[i],
                                b.close[i],
                                b.volume[i]
                            ));
                        }
                        let again = load(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
                        prop_assert_eq!(
                            (&again[0].time, &again[0].close, &again[0].volume),
                            (&b.time, &b.close, &b.volume)
                        );
                    }
                }
                Err(e) => {
                    let line = e
                        .line
                        .ok_or_else(|| TestCaseError::fail(format!("no line: {e}")))?;
                    prop_assert!((1..=lines).contains(&line), "line {line} of {lines}: {e}");
                    prop_assert!(e.to_string().starts_with(&format!("f.csv:{line}: ")), "{e}");
                }
            }
        }
        Ok(())
    }

    /// A valid file of `rows` bars, for the mutation fuzz target to damage.
    fn valid_file(rows: &[(u32, u32, u64)]) -> Vec<u8> {
        let mut text = String::from("Date,Open,High,Low,Close,Volume,Note\n");
        for (i, (p, spread, v)) in rows.iter().enumerate() {
            let low = f64::from(*p) / 100.0;
            let high = f64::from(p + spread) / 100.0;
            let date = format_timestamp(i as i64 * 86_400_000, TimeStyle::Date);
            text.push_str(&format!(
                "{date},{low},{high},{low},{high},{v},\"n, \"\"{i}\"\"\"\n"
            ));
        }
        text.into_bytes()
    }

    /// RFC 4180 text for `rows`: a field is quoted when it must be (a comma, quote, CR or LF in
    /// it, or a lone empty field, which would be a blank line) or when `quote_all` says so.
    fn rfc4180(rows: &[Vec<String>], quote_all: bool, crlf: bool, final_break: bool) -> String {
        let mut out = String::new();
        for (r, row) in rows.iter().enumerate() {
            for (c, f) in row.iter().enumerate() {
                if c > 0 {
                    out.push(',');
                }
                let must = f.contains([',', '"', '\r', '\n']) || (row.len() == 1 && f.is_empty());
                if quote_all || must {
                    out.push('"');
                    out.push_str(&f.replace('"', "\"\""));
                    out.push('"');
                } else {
                    out.push_str(f);
                }
            }
            if r + 1 < rows.len() || final_break {
                out.push_str(if crlf { "\r\n" } else { "\n" });
            }
        }
        out
    }

    #[test]
    fn quoted_fields_hold_commas_quotes_and_line_breaks() {
        // Lines 2-3 are one record, and so are lines 6-7.
        let text = "Date,Open,High,Low,Close,Volume,Note\n\
                    2024-01-02,1,2,1,1.5,10,\"one, \"\"two\"\"\nthree\"\n\
                    \"2024-01-03\",\"1\",2,1,1.5,\"1000\",x\n\
                    2024-01-04,1,2,1,1.5,10,\"\"\n\
                    2024-01-05,1,2,1,abc,10,\"a\nb\"\n\
                    2024-01-06,1,2,1,1.5,10,\n";
        let e = load_err(text.as_bytes());
        assert!(e.starts_with("t.csv:6: Close value \"abc\""), "{e}");
        let ok = text.replace("abc", "1.5");
        let b = &load(&ok).unwrap()[0];
        assert_eq!(b.len(), 5);
        assert_eq!(b.date(1), "2024-01-03");
        assert_eq!(b.volume[1], 1000.0);
        // A quoted comma is part of the value.
        let e = load_err(ok.replace("\"1000\"", "\"1,000\"").as_bytes());
        assert!(
            e.starts_with("t.csv:4: Volume value \"1,000\" is not a number"),
            "{e}"
        );
        let e = load_err(
            b"Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,1,1,5\n2024-01-03,1,2,1,1,\"5\n\n",
        );
        assert!(
            e.starts_with("t.csv:3: a quoted field opened on this line is never closed"),
            "{e}"
        );
    }

    fn load_as(text: &[u8], adjusted: bool) -> Result<Vec<Bars>, LoadError> {
        parse(
            text,
            Path::new("t.csv"),
            "T",
            LoadOptions {
                adjusted,
                ..LoadOptions::default()
            },
        )
    }

    #[test]
    fn compact_dates_are_dates_and_epoch_units_are_told_by_digits() {
        let b = &load("Date,Open,High,Low,Close,Volume\n20040819,1,2,1,1,5\n20040820,1,2,1,1,5\n")
            .unwrap()[0];
        assert_eq!(
            (b.date(0), b.date(1)),
            ("2004-08-19".into(), "2004-08-20".into())
        );
        assert_eq!(b.style, TimeStyle::Date);
        for (a, b2) in [
            ("1704187800", "1704274200"),
            ("1704187800000", "1704274200000"),
            ("1704187800000000", "1704274200000000"),
            ("1704187800000000000", "1704274200000000000"),
            ("20240102 093000", "20240103 093000"),
            ("20240102T093000Z", "20240103T093000Z"),
        ] {
            let text = format!("Date,Open,High,Low,Close,Volume\n{a},1,2,1,1,5\n{b2},1,2,1,1,5\n");
            let b = &load(&text).unwrap()[0];
            assert_eq!(b.date(0), "2024-01-02 09:30:00", "{a}");
            assert_eq!(b.date(1), "2024-01-03 09:30:00", "{a}");
        }
        let e = load_err(b"Date,Open,High,Low,Close,Volume\n17041878000,1,2,1,1,5\n");
        assert!(
            e.starts_with("t.csv:2: date \"17041878000\" has 11 digits, which no epoch unit has"),
            "{e}"
        );
        let e = load_err(b"Date,Open,High,Low,Close,Volume\n20040832,1,2,1,1,5\n");
        assert!(
            e.starts_with("t.csv:2: date \"20040832\" names a day that does not exist"),
            "{e}"
        );
    }

    #[test]
    fn a_date_column_keeps_the_form_it_starts_with() {
        let e = load_err(
            b"Date,Open,High,Low,Close,Volume\n1704187800,1,2,1,1,5\n1704274200,1,2,1,1,5\n1704360600000,1,2,1,1,5\n",
        );
        assert!(
            e.starts_with(
                "t.csv:4: date \"1704360600000\" is epoch milliseconds (12-13 digits), but the Date \
                 column starts as epoch seconds (9-10 digits) (\"1704187800\" on line 2)"
            ),
            "{e}"
        );
        let e = load_err(
            b"Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,1,1,5\n20240103,1,2,1,1,5\n",
        );
        assert!(
            e.starts_with("t.csv:3: date \"20240103\" is a compact date"),
            "{e}"
        );
        // Calendar dates with and without a time of day are one form.
        let b = &load("Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,1,1,5\n2024-01-02 09:30,1,2,1,1,5\n2024-01-03T00:00:00Z,1,2,1,1,5\n").unwrap()[0];
        assert_eq!(b.len(), 3);
        assert_eq!(b.style, TimeStyle::DateTime);
    }

    #[test]
    fn prices_that_cannot_trade_are_refused() {
        let h = "Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,1,1,5\n";
        let cases = [
            ("2024-01-03,0,2,1,1,5", "t.csv:3: Open value \"0\" is zero: a bar's Open, High, Low and Close must be above zero"),
            ("2024-01-03,1,2,0.0,1,5", "t.csv:3: Low value \"0.0\" is zero"),
            ("2024-01-03,1,2,1,-1,5", "t.csv:3: Close value \"-1\" is negative"),
            ("2024-01-03,1,-0,-1,1,5", "t.csv:3: High value \"-0\" is zero"),
            ("2024-01-03,1,2,1,1,-5", "t.csv:3: Volume value \"-5\" is negative"),
            ("2024-01-03,1,2,1,,5", "t.csv:3: the Close field is empty"),
            ("2024-01-03,1,2,1,NaN,5", "t.csv:3: Close value \"NaN\" is a missing value"),
            ("2024-01-03,1,2,1,1,null", "t.csv:3: Volume value \"null\" is a missing value"),
            ("2024-01-03,1,inf,1,1,5", "t.csv:3: High value \"inf\" is not a finite number"),
            ("2024-01-03,1,2,1,1e999,5", "t.csv:3: Close value \"1e999\" is not a number"),
            (",1,2,1,1,5", "t.csv:3: the Date field is empty"),
            ("2024-01-03,1,1,2,1,5", "t.csv:3: High 1 is below Low 2"),
        ];
        for (row, want) in cases {
            let e = load_err(format!("{h}{row}\n").as_bytes());
            assert!(e.starts_with(want), "{e}\nwanted {want}");
        }
        // A zero volume is a bar nobody traded, not an error.
        assert!(load(&format!("{h}2024-01-03,1,2,1,1,0\n")).is_ok());
        // Adj Close is a price too when it is read.
        let e = load_as(
            b"Date,Open,High,Low,Close,Adj Close,Volume\n2024-01-02,1,2,1,1,0,5\n",
            true,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("t.csv:2: Adj Close value \"0\" is zero"),
            "{e}"
        );
    }

    #[test]
    fn newest_first_files_are_turned_around_and_a_turn_is_refused() {
        let b = &load("Date,Open,High,Low,Close,Volume\n2024-01-04,3,3,3,3,3\n2024-01-03,2,2,2,2,2\n2024-01-02,1,1,1,1,1\n").unwrap()[0];
        assert_eq!(b.close, vec![1.0, 2.0, 3.0]);
        assert_eq!(b.date(0), "2024-01-02");
        let e = load_err(b"Date,Open,High,Low,Close,Volume\n2024-01-04,3,3,3,3,3\n2024-01-03,2,2,2,2,2\n2024-01-05,1,1,1,1,1\n");
        assert!(
            e.starts_with("t.csv:4: date 2024-01-05 is not before the previous row's 2024-01-03: the file starts newest first"),
            "{e}"
        );
        let e = load_err(
            b"Date,Open,High,Low,Close,Volume\n2024-01-04,3,3,3,3,3\n2024-01-04,2,2,2,2,2\n",
        );
        assert!(
            e.starts_with("t.csv:3: date 2024-01-04 is not after the previous row's 2024-01-04"),
            "{e}"
        );
    }

    #[test]
    fn semicolons_and_tabs_separate_and_free_the_comma_for_decimals() {
        let want = load("Date,Open,High,Low,Close,Volume\n2024-01-02,1.5,2.25,1,2,100\n").unwrap();
        for text in [
            "Date;Open;High;Low;Close;Volume\n2024-01-02;1,5;2,25;1;2;100\n",
            "Date;Open;High;Low;Close;Volume\n2024-01-02;1.5;2.25;1;2;100\n",
            "Date\tOpen\tHigh\tLow\tClose\tVolume\n2024-01-02\t1,5\t\"2,25\"\t1\t2\t100\n",
            "\"Date\";\"Open\";\"High\";\"Low\";\"Close\";\"Volume\"\r\n\"2024-01-02\";\" 1,5\";2.25;1;2;100,0\r\n",
        ] {
            assert_eq!(load(text).unwrap(), want, "{text:?}");
        }
        let e = load_err(b"Date;Open;High;Low;Close;Volume\n2024-01-02;1.234,5;2;1;2;100\n");
        assert!(
            e.starts_with(
                "t.csv:2: Open value \"1.234,5\" is not a number: write numbers with one decimal mark"
            ),
            "{e}"
        );
        // In a comma file a comma is never a decimal mark.
        let e = load_err(b"Date,Open,High,Low,Close,Volume\n2024-01-02,\"1,5\",2,1,2,100\n");
        assert!(
            e.starts_with("t.csv:2: Open value \"1,5\" is not a number"),
            "{e}"
        );
    }

    #[test]
    fn yfinance_multi_row_headers_are_read() {
        let one = "Price,Close,High,Low,Open,Volume\nTicker,AAPL,AAPL,AAPL,AAPL,AAPL\nDate,,,,,\n2024-01-02,1.5,2,1,1.2,100\n2024-01-03,1.6,2,1,1.3,200\n";
        let b = load(one).unwrap();
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].symbol, "AAPL");
        assert_eq!(
            (b[0].open[1], b[0].close[1], b[0].volume[1]),
            (1.3, 1.6, 200.0)
        );
        // Ticker first (group_by="ticker"), no Date row, Adj Close.
        let flipped = "Ticker,AAPL,AAPL,AAPL,AAPL,AAPL,AAPL\nPrice,Open,High,Low,Close,Adj Close,Volume\n2024-01-02,1.2,2,1,1.5,0.75,100\n2024-01-03,1.3,2,1,1.6,0.8,200\n";
        let f = load(flipped).unwrap();
        assert_eq!((&f[0].close, &f[0].open), (&b[0].close, &b[0].open));
        let adj = load_as(flipped.as_bytes(), true).unwrap();
        assert_eq!(adj[0].close, vec![0.75, 0.8]);
        // Several tickers: one series each; a ticker with nothing on a row has no bar that day.
        let two = "Price,Close,Close,High,High,Low,Low,Open,Open,Volume,Volume\n\
                   Ticker,AAPL,MSFT,AAPL,MSFT,AAPL,MSFT,AAPL,MSFT,AAPL,MSFT\n\
                   Date,,,,,,,,,,\n\
                   2024-01-02,1.5,10,2,11,1,9,1.2,10,100,1000\n\
                   2024-01-03,1.6,,2,,1,,1.3,,200,\n\
                   2024-01-04,1.7,10.5,2,11,1,9,1.4,10,300,2000\n";
        let b = load(two).unwrap();
        assert_eq!(
            b.iter().map(|s| s.symbol.as_str()).collect::<Vec<_>>(),
            ["AAPL", "MSFT"]
        );
        assert_eq!(b[0].close, vec![1.5, 1.6, 1.7]);
        assert_eq!(b[1].close, vec![10.0, 10.5]);
        assert_eq!(b[1].date(1), "2024-01-04");
        let e = load_err(
            two.replace("1.6,,2,,1,,1.3,,200,", "1.6,,2,,1,,1.3,,200,5")
                .as_bytes(),
        );
        assert!(
            e.starts_with("t.csv:5: MSFT: the Open field is empty"),
            "{e}"
        );
        let e = load_err(b"Price,Close,High,Low,Open\nTicker,A,A,A,A\n2024-01-02,1,2,1,1\n");
        assert!(
            e.starts_with(
                "t.csv:1: the Ticker row names A, but the Price row has no `Volume` column"
            ),
            "{e}"
        );
    }

    #[test]
    fn pandas_unnamed_index_is_the_date() {
        let b = load(",Open,High,Low,Close,Volume\n2024-01-02,1,2,1,1.5,10\n").unwrap();
        assert_eq!(b[0].date(0), "2024-01-02");
    }

    #[test]
    fn header_problems_say_what_to_do() {
        let e = load_err(b"2024-01-02,1,2,1,1,5\n2024-01-03,1,2,1,1,5\n");
        assert!(
            e.starts_with("t.csv:1: the first line is data (\"2024-01-02\"), not a header"),
            "{e}"
        );
        let e = load_err(b"Date,Time,Open,High,Low,Close,Volume\n2024-01-02,09:30,1,2,1,1,5\n");
        assert!(e.starts_with("t.csv:1: columns `Date` and `Time` both hold the Date: velo reads a bar's date and time of day from one column"), "{e}");
        // Excel's separator line.
        let b = load("sep=;\nDate;Open;High;Low;Close;Volume\n2024-01-02;1;2;1;1,5;10\n").unwrap();
        assert_eq!(b[0].close, vec![1.5]);
        // Rows joined from two files, a row in another separator, zeros at the end.
        let h = "Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,1,1,5\n";
        let e = load_err(format!("{h}{h}").as_bytes());
        assert!(e.starts_with("t.csv:3: the row repeats the header"), "{e}");
        let e = load_err(format!("{h}2024-01-03;1;2;1;1;5\n").as_bytes());
        assert!(
            e.ends_with(
                "(the row is separated by `;`, the header is not: use one separator throughout)"
            ),
            "{e}"
        );
        let e = load_err(format!("{h}\0\0\0\0").as_bytes());
        assert!(e.starts_with("t.csv:3: the row holds NUL bytes"), "{e}");
        let e = load_err(format!("{h}45293,1,2,1,1,5\n").as_bytes());
        assert!(
            e.starts_with("t.csv:3: date \"45293\" looks like an Excel serial day number"),
            "{e}"
        );
        // Yahoo's web table names.
        let b = load("Date,Open,High,Low,Close*,Adj Close**,Volume\n2024-01-02,1,2,1,1.5,1.4,10\n")
            .unwrap();
        assert_eq!(b[0].close, vec![1.5]);
    }

    #[test]
    fn other_encodings_and_line_ends() {
        let want = load(
            "Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,1,1.5,10\n2024-01-03,1,2,1,1.5,10\n",
        )
        .unwrap();
        let cr =
            b"Date,Open,High,Low,Close,Volume\r2024-01-02,1,2,1,1.5,10\r2024-01-03,1,2,1,1.5,10\r";
        assert_eq!(load_as(cr, false).unwrap(), want);
        // The error on a CR-only file names its own line, not the whole file.
        let e = load_as(
            b"Date,Open,High,Low,Close,Volume\r2024-01-02,1,2,1,x,10\r2024-01-03,1,2,1,1.5,10\r",
            false,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(e, "t.csv:2: Close value \"x\" is not a number");
        let mut utf16 = vec![0xFF, 0xFE];
        for u in
            "Date,Open,High,Low,Close,Volume\r\n2024-01-02,1,2,1,1.5,10\r\n2024-01-03,1,2,1,1.5,10\r\n"
                .encode_utf16()
        {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(load_as(&utf16, false).unwrap(), want);
        let e = load_err(b"\x1f\x8b\x08\x00\x00");
        assert!(
            e.starts_with("t.csv:1: is gzip-compressed, not CSV text"),
            "{e}"
        );
    }

    /// One set of bars written in many ways that all mean the same: header case, order, quoting
    /// and aliases, extra columns, separators and decimal marks, date forms and epoch units,
    /// line ends, encodings, newest-first order and yfinance's layout.
    #[derive(Debug, Clone)]
    struct Writing {
        upper: bool,
        rotate: usize,
        quote: bool,
        extra: bool,
        sep: u8,
        decimal_comma: bool,
        date_form: u8,
        line_end: u8,
        utf16: bool,
        newest_first: bool,
        yfinance: bool,
    }

    fn write_as(bars: &[(i64, [f64; 5])], w: &Writing, intraday: bool) -> Vec<u8> {
        let sep = char::from(w.sep);
        let num = |x: f64| {
            let s = x.to_string();
            if w.decimal_comma && w.sep != b',' {
                s.replace('.', ",")
            } else {
                s
            }
        };
        let cell = |s: String| {
            if w.quote || s.contains(sep) {
                format!("\"{s}\"")
            } else {
                s
            }
        };
        let date = |t: i64| -> String {
            let iso = format_timestamp(
                t,
                if intraday {
                    TimeStyle::DateTime
                } else {
                    TimeStyle::Date
                },
            );
            match w.date_form % 8 {
                0 => iso,
                1 => format!(
                    "{}T{}Z",
                    &iso[..10],
                    if intraday { &iso[11..] } else { "00:00:00" }
                ),
                2 => iso.chars().filter(|c| !matches!(c, '-' | ':')).collect(),
                3 => format!("{}", t / 1000),
                4 => format!("{t}"),
                5 => format!("{}", t * 1000),
                6 => format!("{}", i128::from(t) * 1_000_000),
                _ => iso.replace('-', "/"),
            }
        };
        let mut names = vec!["Date", "Open", "High", "Low", "Close", "Volume"];
        if w.extra {
            names.push("Adj Close");
            names.push("Note");
        }
        // Rotate everything but the date (yfinance keeps it first).
        let k = w.rotate % (names.len() - 1);
        names[1..].rotate_left(k);
        let mut lines: Vec<String> = Vec::new();
        let name = |n: &str| {
            if w.upper {
                n.to_uppercase()
            } else {
                n.to_lowercase()
            }
        };
        if w.yfinance {
            let prices: Vec<String> = std::iter::once("Price".to_string())
                .chain(names[1..].iter().map(|n| cell(name(n))))
                .collect();
            lines.push(prices.join(&sep.to_string()));
            let tickers: Vec<String> = std::iter::once("Ticker".to_string())
                .chain(names[1..].iter().map(|_| "T".to_string()))
                .collect();
            lines.push(tickers.join(&sep.to_string()));
            lines.push(format!("Date{}", sep.to_string().repeat(names.len() - 1)));
        } else {
            let header: Vec<String> = names.iter().map(|n| cell(name(n))).collect();
            lines.push(header.join(&sep.to_string()));
        }
        let mut rows: Vec<String> = bars
            .iter()
            .map(|(t, v)| {
                names
                    .iter()
                    .map(|n| match *n {
                        "Date" => cell(date(*t)),
                        "Open" => cell(num(v[0])),
                        "High" => cell(num(v[1])),
                        "Low" => cell(num(v[2])),
                        "Close" => cell(num(v[3])),
                        "Volume" => cell(num(v[4])),
                        "Adj Close" => cell(num(v[3] * 2.0)),
                        _ => cell("a, \"note\"".replace('"', "\"\"")),
                    })
                    .collect::<Vec<_>>()
                    .join(&sep.to_string())
            })
            .collect();
        if w.newest_first {
            rows.reverse();
        }
        lines.extend(rows);
        let end = ["\n", "\r\n", "\r"][usize::from(w.line_end % 3)];
        let text = lines.join(end) + end;
        if w.utf16 {
            let mut out = vec![0xFF, 0xFE];
            for u in text.encode_utf16() {
                out.extend_from_slice(&u.to_le_bytes());
            }
            out
        } else {
            text.into_bytes()
        }
    }

    proptest! {
        #![proptest_config(crate::market::proptest_config(256))]

        /// The metamorphic property: every way of writing the same bars reads as the same bars.
        #[test]
        fn every_writing_of_the_same_bars_reads_the_same(
            rows in proptest::collection::vec((1u32..1_000_000, 0u32..1000, 0u32..1000, 0u64..1_000_000), 1..20),
            start_day in 7_300i64..22_000, // 1989..2030
            intraday: bool,
            upper: bool, rotate in 0usize..7, quote: bool, extra: bool,
            sep in prop::sample::select(vec![b',', b';', b'\t']),
            decimal_comma: bool, date_form in 0u8..8, line_end in 0u8..3,
            utf16: bool, newest_first: bool, yfinance: bool,
        ) {
            let step = if intraday { 3_600_000 } else { MS_PER_DAY };
            let offset = if intraday { 9 * 3_600_000 + 30 * 60_000 } else { 0 };
            let bars: Vec<(i64, [f64; 5])> = rows
                .iter()
                .enumerate()
                .map(|(i, (p, up, down, v))| {
                    let mid = f64::from(*p) / 100.0;
                    let high = f64::from(p + up) / 100.0;
                    let low = f64::from(p.saturating_sub(*down).max(1)) / 100.0;
                    (start_day * MS_PER_DAY + offset + i as i64 * step, [mid, high, low.min(mid), mid, *v as f64])
                })
                .collect();
            let plain = Writing {
                upper: false, rotate: 0, quote: false, extra: false, sep: b',', decimal_comma: false,
                date_form: 0, line_end: 0, utf16: false, newest_first: false, yfinance: false,
            };
            let w = Writing { upper, rotate, quote, extra, sep, decimal_comma, date_form, line_end, utf16, newest_first, yfinance };
            let want = load_as(&write_as(&bars, &plain, intraday), false).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let text = write_as(&bars, &w, intraday);
            let got = load_as(&text, false)
                .map_err(|e| TestCaseError::fail(format!("{e}\n{w:?}\n{}", String::from_utf8_lossy(&text))))?;
            prop_assert_eq!(got.len(), 1);
            let (a, b) = (&got[0], &want[0]);
            prop_assert_eq!((&a.time, &a.open, &a.high, &a.low, &a.close, &a.volume, a.style),
                            (&b.time, &b.open, &b.high, &b.low, &b.close, &b.volume, b.style), "{:?}", w);
        }

        #[test]
        fn rows_never_panic(row in "[0-9a-z,.:\" -]{0,60}") {
            let text = format!("Date,Open,High,Low,Close,Volume\n{row}\n");
            let _ = load(&text);
        }

        #[test]
        fn fast_and_general_paths_agree(
            rows in proptest::collection::vec((1u32..1_000_000, 0u32..1000, 0u32..5), 1..30),
            crlf: bool,
        ) {
            // Each row is written in one of several styles; plain rows take the fast path,
            // the others the general one, and all must read back the same values.
            let end = if crlf { "\r\n" } else { "\n" };
            let mut text = format!("Date,Open,High,Low,Close,Volume{end}");
            let mut want = Vec::new();
            for (i, (p, spread, style)) in rows.iter().enumerate() {
                let low = f64::from(*p) / 10_000.0;
                let high = f64::from(p + spread) / 10_000.0;
                let date = format_timestamp(i as i64 * 86_400_000, TimeStyle::Date);
                let line = match style {
                    0 => format!("{date},{low},{high},{low},{high},{p}"),
                    1 => format!("\"{date}\",{low},\"{high}\",{low},{high},{p}"),
                    2 => format!("{date},{low:e},{high:e},{low},{high},{p}"),
                    3 => format!("{date}, {low} ,{high},{low},{high},{p}.0"),
                    _ => format!("{date}T00:00:00Z,{low},{high},{low},{high},{p}"),
                };
                text.push_str(&line);
                text.push_str(end);
                want.push((high, low, f64::from(*p)));
            }
            let b = &load(&text).unwrap()[0];
            prop_assert_eq!(b.len(), want.len());
            for (i, (high, low, vol)) in want.iter().enumerate() {
                prop_assert_eq!((b.high[i], b.low[i], b.close[i], b.volume[i]), (*high, *low, *high, *vol));
                prop_assert_eq!(b.time[i], i as i64 * 86_400_000);
            }
        }

        #[test]
        fn good_rows_round_trip(vals in proptest::collection::vec((1u32..100_000, 0u32..10_000, 0u64..1_000_000_000), 1..40)) {
            let mut text = String::from("Date,Open,High,Low,Close,Volume\n");
            let mut want = Vec::new();
            for (i, (p, spread, v)) in vals.iter().enumerate() {
                let low = f64::from(*p) / 100.0;
                let high = f64::from(p + spread) / 100.0;
                text.push_str(&format!("{},{low},{high},{low},{high},{v}\n", format_timestamp(i as i64 * 86_400_000, TimeStyle::Date)));
                want.push(high);
            }
            let b = load(&text).unwrap();
            prop_assert_eq!(&b[0].close, &want);
        }

        /// The record splitter against the `csv` crate on everything RFC 4180 allows.
        #[test]
        fn records_split_as_the_csv_crate_reads_them(
            width in 1usize..5,
            cells in proptest::collection::vec("[a-z0-9 ,\"\r\n.-]{0,6}", 1..60),
            quote_all: bool,
            crlf: bool,
            final_break: bool,
        ) {
            let rows: Vec<Vec<String>> = cells.chunks(width).map(<[String]>::to_vec).collect();
            let text = rfc4180(&rows, quote_all, crlf, final_break);
            let mut it = LineIter::new(text.as_bytes(), 0, b',');
            let mut ours = Vec::new();
            while let Some((line, record)) = it.next_record().unwrap() {
                ours.push((line, split_quoted(record, b',')));
            }
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(text.as_bytes());
            let mut theirs = Vec::new();
            let mut rec = csv::ByteRecord::new();
            while rdr.read_byte_record(&mut rec).unwrap() {
                theirs.push(rec.iter().map(<[u8]>::to_vec).collect::<Vec<_>>());
            }
            let (lines, ours): (Vec<usize>, Vec<Vec<Vec<u8>>>) = ours.into_iter().unzip();
            prop_assert_eq!(&ours, &theirs, "{:?}", text);
            let want: Vec<Vec<Vec<u8>>> = rows.iter().map(|r| r.iter().map(|f| f.clone().into_bytes()).collect()).collect();
            prop_assert_eq!(ours, want);
            // Each record starts on the line after the previous one's last line break. (The
            // csv crate's own positions are not compared: after a quoted field and CRLF it
            // reports the previous record's line.)
            let mut line = 1;
            for (row, got) in rows.iter().zip(&lines) {
                prop_assert_eq!(*got, line);
                line += 1 + row.iter().map(|f| f.matches('\n').count()).sum::<usize>();
            }
        }

        /// Whole files with any field quoted and a note column holding commas, quotes and line
        /// breaks read the same values as the plain file.
        #[test]
        fn quoted_files_read_the_same_values(
            bars in proptest::collection::vec((1u32..100_000, 0u32..1000, 0u64..1_000_000, "[a-z ,\"\n]{0,8}"), 1..30),
            quote_all: bool,
            crlf: bool,
        ) {
            let mut rows = vec![vec!["Date".to_string(), "Open".into(), "High".into(), "Low".into(), "Close".into(), "Volume".into(), "Note".into()]];
            let mut plain = String::from("Date,Open,High,Low,Close,Volume\n");
            for (i, (p, spread, v, note)) in bars.iter().enumerate() {
                let low = f64::from(*p) / 100.0;
                let high = f64::from(p + spread) / 100.0;
                let date = format_timestamp(i as i64 * 86_400_000, TimeStyle::Date);
                rows.push(vec![date.clone(), low.to_string(), high.to_string(), low.to_string(), high.to_string(), v.to_string(), note.clone()]);
                plain.push_str(&format!("{date},{low},{high},{low},{high},{v}\n"));
            }
            let quoted = rfc4180(&rows, quote_all, crlf, true);
            let a = load(&quoted).map_err(|e| TestCaseError::fail(format!("{e}\n{quoted}")))?;
            let b = load(&plain).unwrap();
            prop_assert_eq!(a, b);
        }
    }

    proptest! {
        #![proptest_config(crate::market::fuzz_config())]

        /// Arbitrary bytes: no panic, and an error names a line of the input.
        #[test]
        fn fuzz_csv_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            check_reader(&bytes)?;
        }

        /// Arbitrary bytes after a valid header: the rows are what the parser must survive.
        #[test]
        fn fuzz_csv_arbitrary_rows(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let mut text = b"Date,Open,High,Low,Close,Volume\n".to_vec();
            text.extend_from_slice(&bytes);
            check_reader(&text)?;
        }

        /// A valid file damaged in a few places with the bytes that matter to CSV.
        #[test]
        fn fuzz_csv_mutated_file(
            rows in proptest::collection::vec((1u32..100_000, 0u32..1000, 0u64..1_000_000), 1..40),
            edits in proptest::collection::vec((any::<usize>(), 0u8..3, prop::sample::select(
                vec![b',', b';', b'\t', b'"', b'\n', b'\r', b'-', b'.', b'e', b'0', b'9', b' ', b':', b'T', 0xFF, 0xC3, 0])), 1..8),
        ) {
            let mut bytes = valid_file(&rows);
            for (at, kind, byte) in edits {
                let at = at % (bytes.len() + 1);
                match kind {
                    0 => bytes.insert(at, byte),
                    1 if at < bytes.len() => bytes[at] = byte,
                    _ if at < bytes.len() => { bytes.remove(at); }
                    _ => bytes.push(byte),
                }
            }
            check_reader(&bytes)?;
        }
    }
}
