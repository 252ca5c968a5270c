//! OHLCV CSV loading: per-symbol files, folders of them, or one long file with a `Symbol`
//! column. The header is matched case-insensitively with the common aliases; rows are parsed
//! byte by byte (no per-row allocation) and validated as they are read, so a bad row is reported
//! with its file and line and the file is rejected as a whole rather than half-loaded.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::number::parse_f64;
use super::time::{format_timestamp, parse_timestamp, TimeStyle};

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Date,
    Open,
    High,
    Low,
    Close,
    Volume,
    AdjClose,
    Symbol,
}

const ROLES: usize = 8;

impl Role {
    fn from_header(name: &str) -> Option<Self> {
        let n: String = name
            .trim()
            .trim_matches('"')
            .chars()
            .filter(|c| !matches!(c, ' ' | '_' | '-'))
            .flat_map(char::to_lowercase)
            .collect();
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

    fn from_slot(slot: usize) -> Self {
        [
            Self::Date,
            Self::Open,
            Self::High,
            Self::Low,
            Self::Close,
            Self::Volume,
            Self::AdjClose,
            Self::Symbol,
        ][slot]
    }

    fn name(self) -> &'static str {
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

/// Days since the epoch of the first of the last month seen (consecutive bars share months).
#[derive(Default)]
struct MonthCache {
    key: u32,
    days: i64,
    len: u32,
}

/// The common case in one pass over the next line of `line` (the rest of the file): unquoted
/// fields, `YYYY-MM-DD` or other dates, plain non-negative decimals, High >= Low. Returns the
/// row, its symbol field and the bytes used up to and including the line end. `None` sends the
/// line to the general path, which also produces the error message when the line is bad.
#[inline]
fn fast_row<'a>(
    line: &'a [u8],
    plan: &[Option<Role>],
    cache: &mut MonthCache,
) -> Option<(Row, &'a [u8], usize)> {
    let mut pos = 0;
    let mut vals = [0.0f64; ROLES];
    let mut time = None;
    let mut sym: &[u8] = &[];
    for (c, role) in plan.iter().enumerate() {
        if c > 0 {
            if line.get(pos) != Some(&b',') {
                return None;
            }
            pos += 1;
        }
        match role {
            Some(Role::Date) => {
                let end = field_end(line, pos)?;
                time = Some(fast_date(&line[pos..end], cache)?);
                pos = end;
            }
            Some(Role::Symbol) => {
                let end = field_end(line, pos)?;
                sym = &line[pos..end];
                pos = end;
            }
            Some(r) => {
                let (v, end) = fast_number(line, pos)?;
                vals[*r as usize] = v;
                pos = end;
            }
            None => pos = field_end(line, pos)?,
        }
    }
    let used = match &line[pos..] {
        [] => pos,
        [b'\n', ..] => pos + 1,
        [b'\r', b'\n', ..] => pos + 2,
        _ => return None,
    };
    let row = Row {
        time: time?,
        open: vals[Role::Open as usize],
        high: vals[Role::High as usize],
        low: vals[Role::Low as usize],
        close: vals[Role::Close as usize],
        volume: vals[Role::Volume as usize],
    };
    (row.high >= row.low).then_some((row, sym, used))
}

/// The end of the unquoted field at `pos`; `None` for a quoted one (the general path reads it).
#[inline]
fn field_end(line: &[u8], pos: usize) -> Option<usize> {
    if line.get(pos) == Some(&b'"') {
        return None;
    }
    Some(
        line[pos..]
            .iter()
            .position(|&c| c == b',' || c == b'\n')
            .map_or(line.len(), |p| pos + p),
    )
}

/// `digits[.digits]` up to the next comma, exact (see `number`), or `None`.
#[inline]
fn fast_number(line: &[u8], mut pos: usize) -> Option<(f64, usize)> {
    let mut mantissa: u64 = 0;
    let mut digits = 0usize;
    let mut frac = 0usize;
    let mut dot = false;
    while let Some(&c) = line.get(pos) {
        let d = c.wrapping_sub(b'0');
        if d <= 9 {
            mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(d));
            digits += 1;
            frac += usize::from(dot);
        } else if c == b'.' && !dot {
            dot = true;
        } else {
            break;
        }
        pos += 1;
    }
    if digits == 0 || digits > 15 || frac > 22 {
        return None;
    }
    let v = mantissa as f64;
    Some((
        if frac == 0 {
            v
        } else {
            v / super::number::POW10[frac]
        },
        pos,
    ))
}

#[inline]
fn fast_date(field: &[u8], cache: &mut MonthCache) -> Option<(i64, TimeStyle)> {
    if field.len() != 10 || field[4] != b'-' || field[7] != b'-' {
        return parse_timestamp(field);
    }
    let mut v = [0u32; 8];
    for (slot, &c) in v
        .iter_mut()
        .zip(field[..4].iter().chain(&field[5..7]).chain(&field[8..10]))
    {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        *slot = u32::from(d);
    }
    let year = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
    let month = v[4] * 10 + v[5];
    let day = v[6] * 10 + v[7];
    if !(1..=12).contains(&month) {
        return None;
    }
    let key = year * 16 + month;
    if cache.key != key {
        cache.key = key;
        cache.days = super::time::days_from_civil(i64::from(year), month, 1);
        cache.len = super::time::days_in_month(i64::from(year), month);
    }
    if day == 0 || day > cache.len {
        return None;
    }
    Some((
        (cache.days + i64::from(day) - 1) * super::time::MS_PER_DAY,
        TimeStyle::Date,
    ))
}

struct Row {
    time: (i64, TimeStyle),
    open: f64,
    high: f64,
    low: f64,
    close: f64,
    volume: f64,
}

#[inline]
fn parse_row(slots: &[&[u8]; ROLES], adjusted: bool) -> Result<Row, LoadErrorKind> {
    let date = slots[Role::Date as usize];
    let time = parse_timestamp(date).ok_or_else(|| LoadErrorKind::BadDate {
        value: String::from_utf8_lossy(date.trim_ascii()).into_owned(),
    })?;
    let num = |role: Role| -> Result<f64, LoadErrorKind> {
        let text = slots[role as usize];
        let v = parse_f64(text).ok_or_else(|| LoadErrorKind::BadNumber {
            column: role.name(),
            value: String::from_utf8_lossy(text.trim_ascii()).into_owned(),
        })?;
        if v < 0.0 {
            return Err(LoadErrorKind::Negative {
                column: role.name(),
                value: String::from_utf8_lossy(text.trim_ascii()).into_owned(),
            });
        }
        Ok(v)
    };
    let mut open = num(Role::Open)?;
    let mut high = num(Role::High)?;
    let mut low = num(Role::Low)?;
    let mut close = num(Role::Close)?;
    let volume = num(Role::Volume)?;
    if high < low {
        return Err(LoadErrorKind::HighBelowLow { high, low });
    }
    if adjusted {
        let adj = num(Role::AdjClose)?;
        if close > 0.0 {
            let ratio = adj / close;
            open *= ratio;
            high *= ratio;
            low *= ratio;
        }
        close = adj;
    }
    Ok(Row {
        time,
        open,
        high,
        low,
        close,
        volume,
    })
}

/// A line with bytes that are not UTF-8 is reported as such, whatever else failed on it.
fn utf8_or(line: &[u8], kind: LoadErrorKind) -> LoadErrorKind {
    match std::str::from_utf8(line) {
        Ok(_) => kind,
        Err(e) => LoadErrorKind::NotUtf8 {
            byte: line[e.valid_up_to()],
            column: e.valid_up_to() + 1,
        },
    }
}

/// Splits an unquoted line on commas, storing the fields that have a role into `slots`;
/// returns the number of fields.
#[inline]
fn split_plain<'a>(
    line: &'a [u8],
    slot_of_col: &[Option<usize>],
    slots: &mut [&'a [u8]; ROLES],
) -> usize {
    let mut start = 0;
    let mut col = 0;
    loop {
        let end = memchr::memchr(b',', &line[start..]).map_or(line.len(), |p| start + p);
        if let Some(Some(s)) = slot_of_col.get(col) {
            slots[*s] = &line[start..end];
        }
        col += 1;
        if end == line.len() {
            return col;
        }
        start = end + 1;
    }
}

/// Splits a record (one line, or several when a quoted field holds line breaks) into fields
/// as RFC 4180 and the `csv` crate read them: a field that starts with `"` is quoted, holds
/// commas, line breaks and `""` for a quote, and ends at the next lone `"`; what follows the
/// closing quote up to the comma is kept as is; a `"` inside an unquoted field is an ordinary
/// character.
fn split_quoted(record: &[u8]) -> Vec<Vec<u8>> {
    let mut fields = Vec::new();
    let mut cur = Vec::new();
    let mut i = 0;
    let mut at_start = true;
    let mut in_quotes = false;
    while i < record.len() {
        let c = record[i];
        if in_quotes {
            if c == b'"' {
                if record.get(i + 1) == Some(&b'"') {
                    cur.push(b'"');
                    i += 1;
                } else {
                    in_quotes = false;
                }
            } else {
                cur.push(c);
            }
            at_start = false;
        } else if c == b',' {
            fields.push(std::mem::take(&mut cur));
            at_start = true;
        } else if c == b'"' && at_start {
            in_quotes = true;
            at_start = false;
        } else {
            cur.push(c);
            at_start = false;
        }
        i += 1;
    }
    fields.push(cur);
    fields
}

/// Lines with their 1-based numbers, `\r\n` or `\n` endings.
struct LineIter<'a> {
    rest: &'a [u8],
    line: usize,
}

impl<'a> LineIter<'a> {
    /// Steps over one line of `used` bytes that was parsed in place.
    #[inline]
    fn advance(&mut self, used: usize) {
        self.rest = &self.rest[used..];
        self.line += 1;
    }

    /// The next record and the number of the line it starts on: one line, or more when a
    /// quoted field holds line breaks (RFC 4180). `Err(line)` when a quote opened on `line`
    /// is never closed.
    fn next_record(&mut self) -> Result<Option<(usize, &'a [u8])>, usize> {
        let line_end = memchr::memchr(b'\n', self.rest).unwrap_or(self.rest.len());
        if memchr::memchr(b'"', &self.rest[..line_end]).is_none() {
            return Ok(self.next());
        }
        // A quote on this line: find the record's end, outside quotes.
        let start_line = self.line + 1;
        let bytes = self.rest;
        let mut breaks = 0;
        let mut i = 0;
        let mut at_start = true;
        let end = loop {
            let Some(&c) = bytes.get(i) else {
                break bytes.len();
            };
            match c {
                b'"' if at_start => {
                    let quote_line = start_line + breaks;
                    // Inside quotes up to the next lone quote.
                    i += 1;
                    loop {
                        match bytes.get(i) {
                            None => return Err(quote_line),
                            Some(b'"') if bytes.get(i + 1) == Some(&b'"') => i += 2,
                            Some(b'"') => break,
                            Some(b'\n') => {
                                breaks += 1;
                                i += 1;
                            }
                            Some(_) => i += 1,
                        }
                    }
                    at_start = false;
                }
                b'\n' => break i,
                b',' => at_start = true,
                _ => at_start = false,
            }
            i += 1;
        };
        let record = &bytes[..end];
        self.rest = bytes.get(end + 1..).unwrap_or(&[]);
        self.line = start_line + breaks;
        Ok(Some((
            start_line,
            record.strip_suffix(b"\r").unwrap_or(record),
        )))
    }
}

impl<'a> Iterator for LineIter<'a> {
    type Item = (usize, &'a [u8]);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        self.line += 1;
        let (line, rest) = match memchr::memchr(b'\n', self.rest) {
            Some(p) => (&self.rest[..p], &self.rest[p + 1..]),
            None => (self.rest, &[][..]),
        };
        self.rest = rest;
        Some((self.line, line.strip_suffix(b"\r").unwrap_or(line)))
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact expectations are the point of these tests
mod tests {
    use super::*;
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
        assert_eq!(b[0].style, TimeStyle::DateTime);
    }

    #[test]
    fn adjusted_scales_ohlc() {
        let b = parse(
            b"Date,Open,High,Low,Close,Adj Close,Volume\n2024-01-02,10,20,5,10,5,7\n",
            Path::new("t.csv"),
            "T",
            LoadOptions { adjusted: true },
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
                "2024-01-02,1,2,1,1,5\n2024-01-01,1,2,1,1,5\n",
                "t.csv:3: date 2024-01-01 is not after the previous row's 2024-01-02",
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
                "t.csv:2: date \"02/01/2024\" is not a date",
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
        let lines = memchr::memchr_iter(b'\n', bytes).count() + 1;
        for adjusted in [false, true] {
            match parse(bytes, Path::new("f.csv"), "F", LoadOptions { adjusted }) {
                Ok(series) => {
                    prop_assert!(!series.is_empty());
                    for b in &series {
                        prop_assert!(b.time.windows(2).all(|w| w[0] < w[1]));
                        for i in 0..b.len() {
                            let v = [b.open[i], b.high[i], b.low[i], b.close[i], b.volume[i]];
                            prop_assert!(v.iter().all(|x| x.is_finite() && *x >= 0.0), "{v:?}");
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

    proptest! {
        #![proptest_config(crate::market::proptest_config(256))]

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
            let mut it = LineIter { rest: text.as_bytes(), line: 0 };
            let mut ours = Vec::new();
            while let Some((line, record)) = it.next_record().unwrap() {
                ours.push((line, split_quoted(record)));
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
                vec![b',', b'"', b'\n', b'\r', b'-', b'.', b'e', b'0', b'9', b' ', b':', b'T', 0xFF, 0xC3, 0])), 1..8),
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
