//! Rows: the fast path for plain rows and the general path that reads everything else and
//! words every error, for files with one series or a `Symbol` column.
//!
//! Every bar is checked as it is read: a date in the form the column started with (see
//! [`DateColumn`]), prices above zero, a volume not below zero, High not below Low, and times
//! in one direction without repeats. A file written newest first (every date before the one
//! above it) is read and turned around; one that changes direction is refused at the row that
//! does.

use std::collections::HashMap;

use super::header::{Header, Role, ROLES};
use super::records::{split_plain, split_quoted, LineIter};
use super::{Bars, Fail, LoadErrorKind, LoadOptions};
use crate::market::number::{parse_f64, POW10};
use crate::market::time::{
    days_from_civil, days_in_month, format_timestamp, read_timestamp, DateForm, TimeStyle,
    Timestamp, TimestampError, MS_PER_DAY,
};

/// Days since the epoch of the first of the last month seen (consecutive bars share months).
#[derive(Default)]
struct MonthCache {
    key: u32,
    days: i64,
    len: u32,
}

/// One bar as read from a row.
pub(super) struct Row {
    pub(super) time: i64,
    pub(super) form: DateForm,
    /// The time is not a midnight (UTC).
    pub(super) clock: bool,
    pub(super) open: f64,
    pub(super) high: f64,
    pub(super) low: f64,
    pub(super) close: f64,
    pub(super) volume: f64,
}

/// The form of the Date column, decided by its first date: every later one must be written
/// the same way, so a series cannot mix epoch units (or dates and epoch numbers).
#[derive(Default)]
pub(super) struct DateColumn {
    first: Option<(DateForm, usize, String)>,
}

impl DateColumn {
    /// Whether `form` is the column's, once the first date has set it.
    #[inline]
    fn is(&self, form: DateForm) -> bool {
        self.first.as_ref().is_some_and(|(f, _, _)| *f == form)
    }

    /// Records the first date's form, or refuses a date in another one.
    pub(super) fn check(&mut self, form: DateForm, line: usize, text: &[u8]) -> Result<(), Fail> {
        let value = || quote(text);
        match &self.first {
            None => {
                self.first = Some((form, line, value()));
                Ok(())
            }
            Some((f, _, _)) if *f == form => Ok(()),
            Some((f, first_line, first_value)) => Err((
                line,
                LoadErrorKind::MixedDateForms {
                    value: value(),
                    form,
                    first: first_value.clone(),
                    first_form: *f,
                    first_line: *first_line,
                },
            )),
        }
    }
}

/// Which way the times of a file go, decided by the first two bars of one series.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum Order {
    #[default]
    Unknown,
    Ascending,
    Descending,
}

impl Order {
    /// Whether `time` may follow `prev`; the first pair decides the order.
    #[inline]
    fn fits(self, prev: i64, time: i64) -> bool {
        match self {
            Self::Ascending => time > prev,
            Self::Descending => time < prev,
            Self::Unknown => false,
        }
    }

    /// Takes `time` after `prev`, deciding the order on the first pair, or says why not.
    pub(super) fn step(
        &mut self,
        prev: i64,
        time: i64,
        text: &[u8],
        symbol: Option<&str>,
    ) -> Result<(), LoadErrorKind> {
        if *self == Self::Unknown && time != prev {
            *self = if time > prev {
                Self::Ascending
            } else {
                Self::Descending
            };
            return Ok(());
        }
        if self.fits(prev, time) {
            return Ok(());
        }
        let style = if prev % MS_PER_DAY == 0 && time % MS_PER_DAY == 0 {
            TimeStyle::Date
        } else {
            TimeStyle::DateTime
        };
        Err(LoadErrorKind::NotIncreasing {
            value: quote(text),
            previous: format_timestamp(prev, style),
            for_symbol: symbol.map(|s| format!(" for {s}")).unwrap_or_default(),
            descending: *self == Self::Descending,
        })
    }
}

/// What the rows of a file held.
pub(super) struct Read {
    pub(super) series: Vec<Bars>,
    pub(super) order: Order,
    /// Some bar has a time of day (is not at midnight).
    pub(super) clock: bool,
}

/// Whether a timestamp is off midnight.
#[inline]
fn clock(t: &Timestamp) -> bool {
    t.style == TimeStyle::DateTime && t.ms % MS_PER_DAY != 0
}

/// Reads the rows of a file with one series, or a `Symbol` column, under `header`.
pub(super) fn read_plain(
    lines: LineIter<'_>,
    header: &Header,
    opts: LoadOptions,
    default_symbol: &str,
) -> Result<Read, Fail> {
    // The fast path is compiled for each common separator (a comparison with a constant, and a
    // comma that is never a decimal mark in a comma file); any other one goes the general way.
    match header.sep {
        b',' => read_rows::<b','>(lines, header, opts, default_symbol),
        b';' => read_rows::<b';'>(lines, header, opts, default_symbol),
        b'\t' => read_rows::<b'\t'>(lines, header, opts, default_symbol),
        _ => read_rows::<0>(lines, header, opts, default_symbol),
    }
}

/// [`read_plain`] for the separator `SEP` (0: any, without the fast path).
fn read_rows<const SEP: u8>(
    mut lines: LineIter<'_>,
    header: &Header,
    opts: LoadOptions,
    default_symbol: &str,
) -> Result<Read, Fail> {
    let sep = header.sep;
    let plan = &header.plan;
    let ncols = plan.len();
    let with_symbol = header.with_symbol;
    let estimate = memchr::memchr_iter(b'\n', lines.rest).count() + 1;
    let mut series: Vec<Bars> = Vec::new();
    let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
    if !with_symbol {
        let name = header.symbol.as_deref().unwrap_or(default_symbol);
        series.push(Bars::with_capacity(name, estimate));
    }
    let mut dates = DateColumn::default();
    let mut order = Order::Unknown;
    let mut any_clock = false;
    let fast = !opts.adjusted && SEP != 0;
    let mut month_cache = MonthCache::default();
    loop {
        if fast {
            if let Some((row, sym, used)) = fast_row::<SEP>(lines.rest, plan, &mut month_cache) {
                let target = if with_symbol {
                    index.get(sym).copied().unwrap_or(usize::MAX)
                } else {
                    0
                };
                // The first date decides the column's form (and the first two the order): the
                // general path records them.
                if let Some(bars) = series.get_mut(target) {
                    if dates.is(row.form)
                        && bars
                            .time
                            .last()
                            .is_none_or(|&prev| order.fits(prev, row.time))
                    {
                        bars.push(row.time, row.open, row.high, row.low, row.close, row.volume);
                        any_clock |= row.clock;
                        lines.advance(used);
                        continue;
                    }
                }
            }
        }
        let Some((n, line)) = lines
            .next_record()
            .map_err(|l| (l, LoadErrorKind::UnclosedQuote))?
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
            quoted_fields = split_quoted(line, sep);
            for (col, f) in quoted_fields.iter().enumerate() {
                if let Some(Some(r)) = plan.get(col) {
                    slots[*r as usize] = f;
                }
            }
            quoted_fields.len()
        } else {
            split_plain(line, sep, plan, &mut slots)
        };
        if found != ncols {
            return Err((
                n,
                utf8_or(
                    line,
                    LoadErrorKind::FieldCount {
                        found,
                        expected: ncols,
                        other_sep: other_separator(line, sep),
                    },
                ),
            ));
        }
        let row = parse_row(&slots, opts.adjusted, sep).map_err(|kind| (n, utf8_or(line, kind)))?;
        dates.check(row.form, n, slots[Role::Date as usize])?;
        let target = if with_symbol {
            let sym = slots[Role::Symbol as usize].trim_ascii();
            if sym.is_empty() {
                return Err((n, LoadErrorKind::EmptySymbol));
            }
            if let Some(&i) = index.get(sym) {
                i
            } else {
                let name = std::str::from_utf8(sym)
                    .map_err(|_| (n, utf8_or(line, LoadErrorKind::EmptySymbol)))?;
                series.push(Bars::with_capacity(name, 0));
                index.insert(sym.to_vec(), series.len() - 1);
                series.len() - 1
            }
        } else {
            0
        };
        let bars = &mut series[target];
        if let Some(&prev) = bars.time.last() {
            let symbol = with_symbol.then_some(bars.symbol.as_str());
            order
                .step(prev, row.time, slots[Role::Date as usize], symbol)
                .map_err(|k| (n, k))?;
        }
        bars.push(row.time, row.open, row.high, row.low, row.close, row.volume);
        any_clock |= row.clock;
    }
    Ok(Read {
        series,
        order,
        clock: any_clock,
    })
}

/// The common case in one pass over the next line of `line` (the rest of the file): unquoted
/// fields, `YYYY-MM-DD` or other dates, plain decimals, prices above zero, High >= Low.
/// Returns the row, its symbol field and the bytes used up to and including the line end.
/// `None` sends the line to the general path, which also words the error when it is bad.
#[inline]
fn fast_row<'a, const SEP: u8>(
    line: &'a [u8],
    plan: &[Option<Role>],
    cache: &mut MonthCache,
) -> Option<(Row, &'a [u8], usize)> {
    // A `;` or tab separator frees the comma to be a decimal mark.
    let decimal = if SEP == b',' { b'.' } else { b',' };
    let mut pos = 0;
    let mut vals = [0.0f64; ROLES];
    let mut time = None;
    let mut sym: &[u8] = &[];
    for (c, role) in plan.iter().enumerate() {
        if c > 0 {
            if line.get(pos) != Some(&SEP) {
                return None;
            }
            pos += 1;
        }
        match role {
            Some(Role::Date) => {
                let end = field_end::<SEP>(line, pos)?;
                time = Some(fast_date(&line[pos..end], cache)?);
                pos = end;
            }
            Some(Role::Symbol) => {
                let end = field_end::<SEP>(line, pos)?;
                sym = &line[pos..end];
                pos = end;
            }
            Some(r) => {
                let (v, end) = fast_number(line, pos, decimal)?;
                vals[*r as usize] = v;
                pos = end;
            }
            None => pos = field_end::<SEP>(line, pos)?,
        }
    }
    let used = match &line[pos..] {
        [] => pos,
        [b'\n', ..] => pos + 1,
        [b'\r', b'\n', ..] => pos + 2,
        _ => return None,
    };
    let (time, form, clock) = time?;
    let row = Row {
        time,
        form,
        clock,
        open: vals[Role::Open as usize],
        high: vals[Role::High as usize],
        low: vals[Role::Low as usize],
        close: vals[Role::Close as usize],
        volume: vals[Role::Volume as usize],
    };
    // High >= Low > 0 puts High above zero too.
    let tradable = row.high >= row.low && row.low > 0.0 && row.open > 0.0 && row.close > 0.0;
    tradable.then_some((row, sym, used))
}

/// The end of the unquoted field at `pos`; `None` for a quoted one (the general path reads it).
#[inline]
fn field_end<const SEP: u8>(line: &[u8], pos: usize) -> Option<usize> {
    if line.get(pos) == Some(&b'"') {
        return None;
    }
    Some(
        line[pos..]
            .iter()
            .position(|&c| c == SEP || c == b'\n')
            .map_or(line.len(), |p| pos + p),
    )
}

/// `digits[.digits]` (the point may be `decimal` too) up to the next separator, exact (see
/// `number`), or `None`.
#[inline]
fn fast_number(line: &[u8], mut pos: usize, decimal: u8) -> Option<(f64, usize)> {
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
        } else if (c == b'.' || c == decimal) && !dot {
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
    Some((if frac == 0 { v } else { v / POW10[frac] }, pos))
}

/// A `YYYY-MM-DD` date, or `YYYY-MM-DD HH:MM:SS` (the two forms most files use), through the
/// month cache; any other form through [`read_timestamp`]: the time, its form and whether it
/// is off midnight.
// Left to itself LLVM calls this from the fast path of each separator: 2% more instructions
// for a whole scan of daily files (callgrind, 50 files of 2,520 bars).
#[allow(clippy::inline_always)]
#[inline(always)]
fn fast_date(field: &[u8], cache: &mut MonthCache) -> Option<(i64, DateForm, bool)> {
    let with_time = match field.len() {
        10 => false,
        19 if matches!(field[10], b' ' | b'T') && field[13] == b':' && field[16] == b':' => true,
        _ => return other_date(field),
    };
    if field[4] != b'-' || field[7] != b'-' {
        return other_date(field);
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
        cache.days = days_from_civil(i64::from(year), month, 1);
        cache.len = days_in_month(i64::from(year), month);
    }
    if day == 0 || day > cache.len {
        return None;
    }
    let midnight = (cache.days + i64::from(day) - 1) * MS_PER_DAY;
    if !with_time {
        return Some((midnight, DateForm::Calendar, false));
    }
    let two = |at: usize| -> Option<i64> {
        let (a, b) = (
            field[at].wrapping_sub(b'0'),
            field[at + 1].wrapping_sub(b'0'),
        );
        (a <= 9 && b <= 9).then(|| i64::from(a * 10 + b))
    };
    let (h, m, sec) = (two(11)?, two(14)?, two(17)?);
    // A leap second (60) is left to the general reader, as is anything out of range.
    if h > 23 || m > 59 || sec > 59 {
        return None;
    }
    let ms = ((h * 60 + m) * 60 + sec) * 1000;
    Some((midnight + ms, DateForm::Calendar, ms != 0))
}

#[inline(never)]
fn other_date(field: &[u8]) -> Option<(i64, DateForm, bool)> {
    read_timestamp(field)
        .ok()
        .map(|t| (t.ms, t.form, clock(&t)))
}

/// Reads and checks one bar from its fields (`slots`, by role).
#[inline]
pub(super) fn parse_row(
    slots: &[&[u8]; ROLES],
    adjusted: bool,
    sep: u8,
) -> Result<Row, LoadErrorKind> {
    let date = slots[Role::Date as usize];
    let stamp = read_timestamp(date).map_err(|reason| date_error(date, reason))?;
    let num = |role: Role| number(slots[role as usize], role, sep);
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
        let ratio = adj / close;
        open *= ratio;
        high *= ratio;
        low *= ratio;
        close = adj;
    }
    Ok(Row {
        time: stamp.ms,
        form: stamp.form,
        clock: clock(&stamp),
        open,
        high,
        low,
        close,
        volume,
    })
}

/// Why a Date field is not a date.
#[cold]
pub(super) fn date_error(date: &[u8], reason: TimestampError) -> LoadErrorKind {
    match reason {
        TimestampError::Empty => LoadErrorKind::EmptyField { column: "Date" },
        _ if Role::from_header(&String::from_utf8_lossy(date)) == Some(Role::Date) => {
            LoadErrorKind::RepeatedHeader
        }
        reason => LoadErrorKind::BadDate {
            value: quote(date),
            reason,
        },
    }
}

/// A separator other than `sep` that `line` holds (for a row that did not split).
pub(super) fn other_separator(line: &[u8], sep: u8) -> Option<char> {
    [b',', b';', b'\t']
        .into_iter()
        .find(|&c| c != sep && memchr::memchr(c, line).is_some())
        .map(char::from)
}

/// A field's value for a message: trimmed, and cut at a line break (a stray carriage return
/// must not pull the rest of the file into the message).
pub(super) fn quote(text: &[u8]) -> String {
    let t = text.trim_ascii();
    let t = &t[..memchr::memchr2(b'\r', b'\n', t).unwrap_or(t.len())];
    String::from_utf8_lossy(t).into_owned()
}

/// A price (above zero) or a volume (zero or more), or why the field is not one.
pub(super) fn number(text: &[u8], role: Role, sep: u8) -> Result<f64, LoadErrorKind> {
    let column = role.name();
    let v = match parse_f64(text) {
        Some(v) => v,
        None => not_a_plain_number(text, column, sep)?,
    };
    if role == Role::Volume {
        if v < 0.0 {
            return Err(LoadErrorKind::Negative {
                column,
                value: quote(text),
            });
        }
    } else if v <= 0.0 {
        return Err(LoadErrorKind::NotPositive {
            column,
            value: quote(text),
            negative: v < 0.0,
        });
    }
    Ok(v)
}

/// The cold path of [`number`]: a decimal comma where the separator allows one, or the reason
/// the field is not a number.
#[cold]
fn not_a_plain_number(text: &[u8], column: &'static str, sep: u8) -> Result<f64, LoadErrorKind> {
    let t = text.trim_ascii();
    if t.is_empty() {
        return Err(LoadErrorKind::EmptyField { column });
    }
    let value = quote(text);
    let commas = memchr::memchr_iter(b',', t).count();
    if sep != b',' && commas == 1 && !t.contains(&b'.') {
        let dotted: Vec<u8> = t
            .iter()
            .map(|&c| if c == b',' { b'.' } else { c })
            .collect();
        if let Some(v) = parse_f64(&dotted) {
            return Ok(v);
        }
    }
    if commas > 0 {
        return Err(LoadErrorKind::DecimalMarks { column, value });
    }
    let lower = value.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "nan" | "-nan" | "na" | "n/a" | "#n/a" | "null" | "none" | "nil" | "-" | "?"
    ) {
        return Err(LoadErrorKind::Missing { column, value });
    }
    if matches!(lower.trim_start_matches(['+', '-']), "inf" | "infinity") {
        return Err(LoadErrorKind::NotFinite { column, value });
    }
    Err(LoadErrorKind::BadNumber { column, value })
}

/// A line with NUL bytes, or bytes that are not UTF-8, is reported as such, whatever else
/// failed on it.
pub(super) fn utf8_or(line: &[u8], kind: LoadErrorKind) -> LoadErrorKind {
    if memchr::memchr(0, line).is_some() {
        return LoadErrorKind::NulBytes;
    }
    match std::str::from_utf8(line) {
        Ok(_) => kind,
        Err(e) => LoadErrorKind::NotUtf8 {
            byte: line[e.valid_up_to()],
            column: e.valid_up_to() + 1,
        },
    }
}
