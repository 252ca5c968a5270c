//! Timestamps: the one place text becomes a point in time, for bar dates (market) and log
//! headers (log-digest).
//!
//! - [`read_timestamp`]: one exact timestamp as OHLCV files write it, in milliseconds since the
//!   Unix epoch (UTC), with the [`DateForm`] it was written in (a file's Date column keeps one
//!   form); [`parse_timestamp`] is the same without the detail, [`format_timestamp`] writes a
//!   timestamp back. The forms:
//!   - calendar: `YYYY-MM-DD` (or `YYYY/MM/DD`, `YYYY.MM.DD`), optionally followed by a time of
//!     day `[ T]HH:MM[:SS[.fff…]]` and `Z` or an offset `±HH[:MM]` (RFC 3339, ISO 8601);
//!   - compact: `YYYYMMDD`, optionally followed by `[ T]HHMM[SS[.fff…]]` (or `HH:MM[:SS]`) and a
//!     zone, as in `20040819`, `20040819 093000`, `20040819T093000Z`;
//!   - epoch: an integer, optionally with a fraction, whose unit is told by ONE rule, the number
//!     of digits of its integer part (leading zeros aside):
//!
//!     | digits | read as | range |
//!     |---|---|---|
//!     | 8 | a compact date `YYYYMMDD` | |
//!     | 9–10 | seconds | 1973-03-03 … 2286-11-20 |
//!     | 12–13 | milliseconds | the same |
//!     | 15–16 | microseconds | the same |
//!     | 18–19 | nanoseconds | the same |
//!     | 1–7, 11, 14, 17, 20+ | refused (5 digits: an Excel serial day, says so) | |
//!
//!     Each unit covers the same two and a half centuries, so a series never changes unit as
//!     it grows a digit, and no count of digits has two readings: 8-digit epoch seconds would
//!     be 1970-04 … 1973-03, so an 8-digit integer is always a date; 11 digits would be seconds
//!     after 2286 or milliseconds before 1973-03, and is refused, as are 14 and 17. A 1970
//!     start (a small integer read as seconds) or a year 36601 (microseconds read as
//!     milliseconds) cannot come out of it.
//!
//!   Day-first or month-first dates (`01/02/2024`) are refused: nothing in one value says which
//!   is meant. A zone (`Z`, `+01:00`) is checked but not applied: a time is the wall-clock
//!   time it was written with, as pandas shows a tz-aware index in its own zone, so a daily
//!   bar `2024-01-02 00:00:00+01:00` stays on 2024-01-02 (UTC would move it to the day before).
//! - [`find_log_time`]: the first timestamp in a log line's header, in the common forms, in
//!   seconds (the clock the log was written in; no time-zone conversion):
//!   `2024-05-01 10:00:00[,.]mmm`, `2024-05-01T10:00:00Z`, `2005.06.03-15.42.50`,
//!   `17/06/09 20:10:40` (yy/mm/dd), `081109 203615` (yymmdd hhmmss), `Nov 9 12:01:01 [2005]`,
//!   `[Sun Dec 04 04:47:44 2005]`, `03-17 16:13:38.811`, `[10.30 16:49:06]` and 10-digit epoch
//!   seconds. A timestamp without a year takes the latest year that does not put it after a
//!   reference time (the file's modification time, or now), so `Dec 31 23:59:59` read on
//!   January 2nd is last year's; never 1970. [`format_log_time`] writes it back.

use crate::units::calendar::{civil_from_days, days_from_civil, days_in_month};

/// Whether a timestamp carries a time of day, so output can use the same granularity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimeStyle {
    /// `YYYY-MM-DD`: daily (or coarser) bars.
    #[default]
    Date,
    /// A time of day was given (date-time, RFC 3339 or epoch).
    DateTime,
}

/// How a timestamp was written (see the module docs); a file's Date column keeps one form, so a
/// series cannot mix units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateForm {
    /// `YYYY-MM-DD[ HH:MM:SS…]`, RFC 3339, `YYYY/MM/DD`, `YYYY.MM.DD`.
    Calendar,
    /// `YYYYMMDD[ HHMMSS…]`.
    Compact,
    EpochSeconds,
    EpochMillis,
    EpochMicros,
    EpochNanos,
}

impl std::fmt::Display for DateForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Calendar => "a calendar date (YYYY-MM-DD…)",
            Self::Compact => "a compact date (YYYYMMDD…)",
            Self::EpochSeconds => "epoch seconds (9-10 digits)",
            Self::EpochMillis => "epoch milliseconds (12-13 digits)",
            Self::EpochMicros => "epoch microseconds (15-16 digits)",
            Self::EpochNanos => "epoch nanoseconds (18-19 digits)",
        })
    }
}

/// One timestamp read by [`read_timestamp`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp {
    /// Milliseconds since 1970-01-01 00:00:00 UTC (finer units are floored to the millisecond).
    pub ms: i64,
    pub form: DateForm,
    /// Whether a time of day was written (epoch times always carry one).
    pub style: TimeStyle,
}

/// Why a text is not a timestamp. Each message completes a sentence that starts with the
/// quoted value (`date "x" …`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    #[error("is empty: every bar needs a date")]
    Empty,
    #[error("names a day that does not exist")]
    NoSuchDay,
    #[error("has a time of day that does not exist (hours 00-23, minutes and seconds 00-59)")]
    NoSuchTime,
    #[error(
        "has {digits} digit{}, which no epoch unit has: velo reads 8 digits as a YYYYMMDD date, \
         9-10 as epoch seconds, 12-13 as milliseconds, 15-16 as microseconds and 18-19 as \
         nanoseconds", if *.digits == 1 { "" } else { "s" }
    )]
    EpochDigits {
        /// Saturates at 255: a one-byte count keeps every `Result` of this module at 16 bytes
        /// (with a `usize` here a scan of date-time files measured 5% slower).
        digits: u8,
    },
    #[error(
        "looks like an Excel serial day number, not a date: format the column as a date \
         (yyyy-mm-dd) before saving the sheet as CSV"
    )]
    ExcelSerial,
    #[error(
        "does not say whether the day or the month comes first (is 01/02 January 2 or \
         February 1?): write dates as YYYY-MM-DD"
    )]
    DayMonthOrder,
    #[error(
        "is not a date velo reads: use YYYY-MM-DD, YYYY-MM-DD HH:MM:SS, RFC 3339, YYYYMMDD \
         or epoch seconds, milliseconds, microseconds or nanoseconds"
    )]
    Unrecognised,
}

/// Milliseconds per day.
pub const MS_PER_DAY: i64 = 86_400_000;

#[inline]
fn digits<const N: usize>(b: &[u8]) -> Option<u32> {
    if b.len() < N {
        return None;
    }
    let mut v = 0u32;
    for &c in &b[..N] {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + u32::from(d);
    }
    Some(v)
}

/// Parses one timestamp; `None` when [`read_timestamp`] refuses it. Returns milliseconds since
/// the epoch (UTC) and whether a time of day was written.
pub fn parse_timestamp(text: &[u8]) -> Option<(i64, TimeStyle)> {
    read_timestamp(text).ok().map(|t| (t.ms, t.style))
}

/// Reads one timestamp in any of the forms of the module docs (surrounding ASCII spaces are
/// allowed), or says why it is not one.
#[inline]
pub fn read_timestamp(text: &[u8]) -> Result<Timestamp, TimestampError> {
    let b = text.trim_ascii();
    if b.is_empty() {
        return Err(TimestampError::Empty);
    }
    if b.len() >= 10 && matches!(b[4], b'-' | b'/' | b'.') && b[7] == b[4] {
        let (Some(year), Some(month), Some(day)) =
            (digits::<4>(b), digits::<2>(&b[5..]), digits::<2>(&b[8..]))
        else {
            return Err(TimestampError::Unrecognised);
        };
        return with_time(
            day_ms(year, month, day)?,
            &b[10..],
            DateForm::Calendar,
            false,
        );
    }
    let (neg, body) = match b {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, b),
    };
    // The digits before any separator or fraction, read once: their value, and how many there
    // are with and without leading zeros. (Past 19 significant digits the value wraps, but such
    // a number is refused before the value is used.)
    let zeros = body.iter().take_while(|&&c| c == b'0').count();
    let mut value: u64 = 0;
    let mut significant = 0;
    for &c in &body[zeros..] {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        value = value.wrapping_mul(10).wrapping_add(u64::from(d));
        significant += 1;
    }
    let int_len = zeros + significant;
    if int_len == 0 {
        return Err(TimestampError::Unrecognised);
    }
    let rest = &body[int_len..];
    if !neg && int_len <= 2 && day_month_first(b) {
        return Err(TimestampError::DayMonthOrder);
    }
    if int_len == 8 && !neg && matches!(rest.first(), None | Some(b' ' | b'T' | b't')) {
        let (year, month, day) = (value / 10_000, value / 100 % 100, value % 100);
        return with_time(
            day_ms(year as u32, month as u32, day as u32)?,
            rest,
            DateForm::Compact,
            true,
        );
    }
    let frac = match rest {
        [] => &[][..],
        [b'.', f @ ..] if !f.is_empty() && f.iter().all(u8::is_ascii_digit) => f,
        _ => return Err(TimestampError::Unrecognised),
    };
    epoch(neg, value, significant, frac)
}

/// Milliseconds at the start of a calendar day, or why there is no such day.
fn day_ms(year: u32, month: u32, day: u32) -> Result<i64, TimestampError> {
    let year = i64::from(year);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return Err(TimestampError::NoSuchDay);
    }
    Ok(days_from_civil(year, month, day) * MS_PER_DAY)
}

/// A day followed by nothing (a date) or by a time of day.
fn with_time(
    day: i64,
    rest: &[u8],
    form: DateForm,
    basic: bool,
) -> Result<Timestamp, TimestampError> {
    if rest.is_empty() {
        return Ok(Timestamp {
            ms: day,
            form,
            style: TimeStyle::Date,
        });
    }
    Ok(Timestamp {
        ms: day + parse_time_of_day(rest, basic)?,
        form,
        style: TimeStyle::DateTime,
    })
}

/// `D[D]/M[M]/YY[YY]` (or with `.` or `-`): a date whose day and month order is a convention.
fn day_month_first(b: &[u8]) -> bool {
    let run = |b: &[u8]| b.iter().take_while(|c| c.is_ascii_digit()).count();
    let first = run(b);
    if !(1..=2).contains(&first) {
        return false;
    }
    let Some(&sep @ (b'/' | b'.' | b'-')) = b.get(first) else {
        return false;
    };
    let rest = &b[first + 1..];
    let second = run(rest);
    if !(1..=2).contains(&second) || rest.get(second) != Some(&sep) {
        return false;
    }
    let rest = &rest[second + 1..];
    let third = run(rest);
    matches!(third, 2 | 4) && matches!(rest.get(third), None | Some(b' ' | b'T'))
}

/// `[ T]HH:MM[:SS[.fff]]` (or, when `basic` allows it, `HHMM[SS[.fff]]`), then `Z` or
/// `±HH[:MM]` → milliseconds into the day, shifted to UTC.
fn parse_time_of_day(b: &[u8], basic: bool) -> Result<i64, TimestampError> {
    use TimestampError::{NoSuchTime, Unrecognised};
    if !matches!(b.first(), Some(b' ' | b'T' | b't')) {
        return Err(Unrecognised);
    }
    let b = &b[1..];
    let hour = digits::<2>(b).ok_or(Unrecognised)?;
    // Extended (`09:30:00`) or, after a compact date, basic (`093000`) too.
    let colon = b.get(2) == Some(&b':');
    if !colon && !basic {
        return Err(Unrecognised);
    }
    let mut rest = &b[2 + usize::from(colon)..];
    let minute = digits::<2>(rest).ok_or(Unrecognised)?;
    rest = &rest[2..];
    let mut second = 0;
    let mut millis = 0i64;
    let has_seconds = if colon {
        rest.first() == Some(&b':')
    } else {
        rest.first().is_some_and(u8::is_ascii_digit)
    };
    if has_seconds {
        rest = &rest[usize::from(colon)..];
        second = digits::<2>(rest).ok_or(Unrecognised)?;
        rest = &rest[2..];
        if matches!(rest.first(), Some(b'.' | b',')) {
            let frac_len = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if frac_len == 0 {
                return Err(Unrecognised);
            }
            let mut scale = 100;
            for &c in &rest[1..=frac_len.min(3)] {
                millis += i64::from(c - b'0') * scale;
                scale /= 10;
            }
            rest = &rest[1 + frac_len..];
        }
    }
    if hour > 23 || minute > 59 || second > 60 {
        return Err(NoSuchTime);
    }
    let ms = ((i64::from(hour) * 60 + i64::from(minute)) * 60 + i64::from(second)) * 1000 + millis;
    match rest {
        [] | [b'Z' | b'z'] => {}
        [b'+' | b'-', tail @ ..] => {
            let oh = i64::from(digits::<2>(tail).ok_or(Unrecognised)?);
            let rest = &tail[2..];
            let om = match rest.len() {
                0 => 0,
                2 => i64::from(digits::<2>(rest).ok_or(Unrecognised)?),
                3 if rest[0] == b':' => i64::from(digits::<2>(&rest[1..]).ok_or(Unrecognised)?),
                _ => return Err(Unrecognised),
            };
            if oh > 23 || om > 59 {
                return Err(NoSuchTime);
            }
            // Checked, not applied: a bar's time is the wall-clock time it was written with,
            // as pandas shows a tz-aware index in its own zone. Applying it would move a
            // European or Asian daily bar (`2024-01-02 00:00:00+01:00`) to the day before.
        }
        _ => return Err(Unrecognised),
    }
    Ok(ms)
}

/// An epoch time of `v`, whose unit its count of `significant` digits tells (see the module
/// docs); `frac` is what follows the decimal point.
fn epoch(neg: bool, v: u64, significant: usize, frac: &[u8]) -> Result<Timestamp, TimestampError> {
    // Nanoseconds per unit.
    let (form, unit_ns): (DateForm, u64) = match significant {
        9 | 10 => (DateForm::EpochSeconds, 1_000_000_000),
        12 | 13 => (DateForm::EpochMillis, 1_000_000),
        15 | 16 => (DateForm::EpochMicros, 1_000),
        18 | 19 => (DateForm::EpochNanos, 1),
        5 if !neg => return Err(TimestampError::ExcelSerial),
        digits => {
            return Err(TimestampError::EpochDigits {
                digits: u8::try_from(digits).unwrap_or(u8::MAX),
            })
        }
    };
    let ms = if !neg && frac.is_empty() {
        // The common case, in plain integer arithmetic.
        let ms = match unit_ns {
            1_000_000_000 => v * 1000,
            1_000_000 => v,
            1_000 => v / 1000,
            _ => v / 1_000_000,
        };
        ms as i64
    } else {
        // Nanoseconds, sign applied, floored to the millisecond (the first 9 digits of the
        // fraction are more than any unit needs).
        let mut frac_ns: u64 = 0;
        let mut scale = unit_ns;
        for &c in frac.iter().take(9) {
            scale /= 10;
            frac_ns += u64::from(c - b'0') * scale;
        }
        let ns = i128::from(v) * i128::from(unit_ns) + i128::from(frac_ns);
        let ns = if neg { -ns } else { ns };
        ns.div_euclid(1_000_000) as i64
    };
    Ok(Timestamp {
        ms,
        form,
        style: TimeStyle::DateTime,
    })
}

/// The day number (days since 1970-01-01, floored) of a timestamp in ms. Times after 1970 take
/// an unsigned division, which is cheaper than the signed floor division it equals there
/// (this runs once per bar in a backtest's statistics).
#[inline]
pub fn day_number(ms: i64) -> i64 {
    if ms >= 0 {
        (ms as u64 / MS_PER_DAY as u64) as i64
    } else {
        ms.div_euclid(MS_PER_DAY)
    }
}

/// The weekday of a day number, Monday = 0 … Sunday = 6 (1970-01-01 was a Thursday).
#[inline]
pub fn weekday(days: i64) -> u32 {
    let d = days + 3;
    if d >= 0 {
        (d as u64 % 7) as u32
    } else {
        d.rem_euclid(7) as u32
    }
}

/// Formats a timestamp as `YYYY-MM-DD` ([`TimeStyle::Date`]) or `YYYY-MM-DD HH:MM:SS` (UTC).
pub fn format_timestamp(ms: i64, style: TimeStyle) -> String {
    let days = day_number(ms);
    let (y, m, d) = civil_from_days(days);
    match style {
        TimeStyle::Date => format!("{y:04}-{m:02}-{d:02}"),
        TimeStyle::DateTime => {
            let secs = ms.rem_euclid(MS_PER_DAY) / 1000;
            format!(
                "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
                secs / 3600,
                secs / 60 % 60,
                secs % 60
            )
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Log header timestamps
// ---------------------------------------------------------------------------------------------

/// Formats epoch seconds as `YYYY-MM-DD HH:MM:SS`.
pub fn format_log_time(ts: i64) -> String {
    let (y, mo, d) = civil_from_days(ts.div_euclid(86_400));
    let s = ts.rem_euclid(86_400);
    format!(
        "{y:04}-{mo:02}-{d:02} {:02}:{:02}:{:02}",
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

/// A timestamp written without a year may lie this far after the reference time (clocks and
/// time zones differ) and still be this year's.
const FUTURE_SLACK: i64 = 2 * 86_400;

fn month(word: &[u8]) -> Option<i64> {
    if word.len() < 3 {
        return None;
    }
    // One match on the lower-cased bytes, not a scan of the list.
    let w = [
        word[0].to_ascii_lowercase(),
        word[1].to_ascii_lowercase(),
        word[2].to_ascii_lowercase(),
    ];
    Some(match &w {
        b"jan" => 1,
        b"feb" => 2,
        b"mar" => 3,
        b"apr" => 4,
        b"may" => 5,
        b"jun" => 6,
        b"jul" => 7,
        b"aug" => 8,
        b"sep" => 9,
        b"oct" => 10,
        b"nov" => 11,
        b"dec" => 12,
        _ => return None,
    })
}

/// [`find_log_time`]'s byte classes: a digit, an ASCII letter, anything else.
const LT_DIGIT: u8 = 1;
const LT_ALPHA: u8 = 2;
static LOG_TIME_BYTE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = if b.is_ascii_digit() {
            LT_DIGIT
        } else if b.is_ascii_alphabetic() {
            LT_ALPHA
        } else {
            0
        };
        c += 1;
    }
    t
};

#[derive(Clone, Copy)]
struct Num {
    value: i64,
    digits: usize,
}

#[inline]
fn valid(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64) -> Option<i64> {
    if !(1..=12).contains(&mo) || !(0..=9999).contains(&y) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    if !(1..=i64::from(days_in_month(y, mo as u32))).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, mo as u32, d as u32) * 86_400 + h * 3600 + mi * 60 + s)
}

/// The year of an epoch-seconds time; the last answer is remembered (one reference time serves
/// a whole file).
fn year_of(t: i64) -> i64 {
    thread_local! {
        static LAST: std::cell::Cell<(i64, i64)> = const { std::cell::Cell::new((i64::MIN, 0)) };
    }
    LAST.with(|last| {
        let (at, year) = last.get();
        if at == t {
            return year;
        }
        let year = civil_from_days(t.div_euclid(86_400)).0;
        last.set((t, year));
        year
    })
}

/// A date written without a year: the latest year that does not put it more than
/// [`FUTURE_SLACK`] after `reference` (Feb 29 goes back to a leap year).
///
/// Kept out of line: the rare path of [`find_log_time`], which runs on every header; inlined
/// there (as codegen may choose when the crate's codegen units shift), its loop over `valid`
/// costs every call of the hot path (+3% instructions on a 200k-line file).
#[inline(never)]
fn yearless(mo: i64, d: i64, h: i64, mi: i64, s: i64, reference: i64) -> Option<i64> {
    let limit = reference + FUTURE_SLACK;
    let ry = year_of(limit);
    // This year or last year; only Feb 29 needs to look further back.
    let years = if mo == 2 && d == 29 { 8 } else { 1 };
    (ry - years..=ry)
        .rev()
        .filter_map(|y| valid(y, mo, d, h, mi, s))
        .find(|&t| t <= limit)
}

/// The first timestamp found in `header`, if any, in epoch seconds; a year-less one is placed
/// by `reference` (epoch seconds: the file's modification time, or now).
#[allow(clippy::many_single_char_names)] // date fields: y/m/d, h/mi/s read best short
pub fn find_log_time(header: &str, reference: i64) -> Option<i64> {
    let b = header.as_bytes();
    // Collect up to 8 numbers and the first month name.
    let mut nums: [Num; 8] = [Num {
        value: 0,
        digits: 0,
    }; 8];
    let mut n = 0;
    let mut month_at: Option<(usize, i64)> = None;
    let mut i = 0;
    while i < b.len() && n < 8 {
        // One table look-up per byte; digits and letters are read in runs.
        match LOG_TIME_BYTE[usize::from(b[i])] {
            LT_DIGIT => {
                let s = i;
                // The value of the first 15 digits; the digits after them are only counted.
                let capped = b.len().min(s + 15);
                let mut v: i64 = 0;
                while i < capped && LOG_TIME_BYTE[usize::from(b[i])] == LT_DIGIT {
                    v = v * 10 + i64::from(b[i] - b'0');
                    i += 1;
                }
                while i < b.len() && LOG_TIME_BYTE[usize::from(b[i])] == LT_DIGIT {
                    i += 1;
                }
                nums[n] = Num {
                    value: v,
                    digits: i - s,
                };
                n += 1;
            }
            LT_ALPHA => {
                let s = i;
                i += 1;
                while i < b.len() && LOG_TIME_BYTE[usize::from(b[i])] == LT_ALPHA {
                    i += 1;
                }
                if month_at.is_none() && i - s <= 9 {
                    if let Some(m) = month(&b[s..i]) {
                        month_at = Some((n, m));
                    }
                }
            }
            _ => i += 1,
        }
    }
    let nums = &nums[..n];
    // Month-name forms: `Nov 9 12:01:01 [2005]`, `Sun Dec 04 04:47:44 2005`.
    if let Some((at, mo)) = month_at {
        let r = &nums[at..];
        if r.len() >= 4 && r[0].digits <= 2 {
            let (d, h, mi, s) = (r[0].value, r[1].value, r[2].value, r[3].value);
            let t = match r.get(4).filter(|y| y.digits == 4) {
                Some(y) => valid(y.value, mo, d, h, mi, s),
                None => yearless(mo, d, h, mi, s, reference),
            };
            if t.is_some() {
                return t;
            }
        }
    }
    for k in 0..n {
        let r = &nums[k..];
        if r[0].digits == 10 && r[0].value >= 100_000_000 {
            return Some(r[0].value); // epoch seconds
        }
        if r.len() >= 6 && r[0].digits == 4 {
            if let Some(t) = valid(
                r[0].value, r[1].value, r[2].value, r[3].value, r[4].value, r[5].value,
            ) {
                return Some(t);
            }
        }
        if r.len() >= 6 && r[0].digits == 2 && r[1].digits == 2 && r[2].digits == 2 {
            if let Some(t) = valid(
                2000 + r[0].value,
                r[1].value,
                r[2].value,
                r[3].value,
                r[4].value,
                r[5].value,
            ) {
                return Some(t);
            }
        }
        if r.len() >= 2 && r[0].digits == 6 && r[1].digits == 6 {
            let (d, t) = (r[0].value, r[1].value);
            if let Some(t) = valid(
                2000 + d / 10_000,
                d / 100 % 100,
                d % 100,
                t / 10_000,
                t / 100 % 100,
                t % 100,
            ) {
                return Some(t);
            }
        }
        // `MM-DD hh:mm:ss`, unless it is the tail of a bad `YYYY-MM-DD`.
        if r.len() >= 5
            && r[0].digits == 2
            && r[1].digits == 2
            && (k == 0 || nums[k - 1].digits != 4)
        {
            if let Some(t) = yearless(
                r[0].value, r[1].value, r[2].value, r[3].value, r[4].value, reference,
            ) {
                return Some(t);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ms(s: &str) -> Option<i64> {
        parse_timestamp(s.as_bytes()).map(|(v, _)| v)
    }

    #[test]
    fn day_numbers_and_weekdays() {
        for ms in [
            0,
            1,
            MS_PER_DAY - 1,
            MS_PER_DAY,
            -1,
            -MS_PER_DAY,
            -MS_PER_DAY - 1,
            i64::MAX,
            i64::MIN,
            19_723 * MS_PER_DAY + 5,
        ] {
            assert_eq!(day_number(ms), ms.div_euclid(MS_PER_DAY), "{ms}");
        }
        assert_eq!(weekday(0), 3); // 1970-01-01, a Thursday
        assert_eq!(weekday(19_723), 0); // 2024-01-01, a Monday
        assert_eq!(weekday(-1), 2);
        assert_eq!(weekday(-4), 6);
        for d in -30..30 {
            assert_eq!(i64::from(weekday(d)), (d + 3).rem_euclid(7));
        }
    }

    #[test]
    fn accepted_forms() {
        let day = 19_723 * MS_PER_DAY; // 2024-01-01
        assert_eq!(ms("2024-01-01"), Some(day));
        assert_eq!(ms("2024-01-01 09:30:00"), Some(day + 34_200_000));
        assert_eq!(ms("2024-01-01T09:30:00Z"), Some(day + 34_200_000));
        // A zone is checked, not applied: the wall-clock time as written.
        assert_eq!(ms("2024-01-01T09:30:00+01:00"), Some(day + 34_200_000));
        assert_eq!(ms("2024-01-01T09:30:00.250-05:00"), Some(day + 34_200_250));
        assert_eq!(ms("2024-01-01 00:00:00+09:00"), Some(day));
        assert_eq!(ms("2024-01-01 00:00:00+24:00"), None);
        assert_eq!(ms("2024-01-01 09:30"), Some(day + 34_200_000));
        assert_eq!(ms("1704101400"), Some(day + 34_200_000));
        assert_eq!(ms("1704101400000"), Some(day + 34_200_000));
        assert_eq!(
            parse_timestamp(b"2024-01-01").map(|x| x.1),
            Some(TimeStyle::Date)
        );
    }

    #[test]
    fn rejected_forms() {
        for bad in [
            "2024-02-30",
            "2023-02-29",
            "2024-13-01",
            "2024-1-01",
            "01/02/2024",
            "2024-01-01 25:00:00",
            "2024-01-01X",
            "2024-01-01 093000",
            "",
            "abc",
            "12.5.3",
        ] {
            assert_eq!(ms(bad), None, "{bad}");
        }
        assert!(ms("2024-02-29").is_some());
    }

    #[test]
    fn formatting_round_trips() {
        let (v, style) = parse_timestamp(b"2017-04-19 09:00:00").unwrap();
        assert_eq!(format_timestamp(v, style), "2017-04-19 09:00:00");
        let (v, style) = parse_timestamp(b"1969-12-31").unwrap();
        assert_eq!(format_timestamp(v, style), "1969-12-31");
    }

    fn err(s: &str) -> TimestampError {
        read_timestamp(s.as_bytes()).unwrap_err()
    }

    #[test]
    fn compact_dates_are_dates_not_epoch_seconds() {
        let day = 12_649 * MS_PER_DAY; // 2004-08-19
        let t = read_timestamp(b"20040819").unwrap();
        assert_eq!(
            (t.ms, t.form, t.style),
            (day, DateForm::Compact, TimeStyle::Date)
        );
        let at = day + 34_200_000; // 09:30
        for s in [
            "20040819 093000",
            "20040819T093000",
            "20040819T093000Z",
            "20040819 0930",
            "20040819 09:30:00",
            "20040819T093000+01:00",
        ] {
            let t = read_timestamp(s.as_bytes()).unwrap();
            assert_eq!(
                (t.ms, t.form, t.style),
                (at, DateForm::Compact, TimeStyle::DateTime),
                "{s}"
            );
        }
        assert_eq!(ms("20040819 093000.250"), Some(at + 250));
        assert_eq!(err("20040832"), TimestampError::NoSuchDay);
        assert_eq!(err("20041301"), TimestampError::NoSuchDay);
        assert_eq!(err("12345678"), TimestampError::NoSuchDay);
        assert_eq!(err("20040819 253000"), TimestampError::NoSuchTime);
        assert_eq!(err("20040819 0930x"), TimestampError::Unrecognised);
    }

    #[test]
    fn year_first_dates_with_slashes_or_dots() {
        let day = 19_723 * MS_PER_DAY;
        assert_eq!(ms("2024/01/01"), Some(day));
        assert_eq!(ms("2024.01.01 09:30"), Some(day + 34_200_000));
        assert_eq!(ms("2024/01-01"), None, "one separator throughout");
    }

    #[test]
    fn epoch_units_by_digit_count() {
        let at = 1_704_101_400_000; // 2024-01-01 09:30:00
        let cases = [
            ("1704101400", DateForm::EpochSeconds, at),
            ("1704101400.25", DateForm::EpochSeconds, at + 250),
            ("1704101400000", DateForm::EpochMillis, at),
            ("1704101400000000", DateForm::EpochMicros, at),
            ("1704101400000999", DateForm::EpochMicros, at),
            ("1704101400000000000", DateForm::EpochNanos, at),
            ("0001704101400", DateForm::EpochSeconds, at),
            ("999999999", DateForm::EpochSeconds, 999_999_999_000), // 2001-09-09
            ("100000000", DateForm::EpochSeconds, 100_000_000_000), // 1973-03-03
            ("9999999999", DateForm::EpochSeconds, 9_999_999_999_000), // 2286-11-20
            ("-100000000", DateForm::EpochSeconds, -100_000_000_000), // 1966-10-31
            ("-100000000.5", DateForm::EpochSeconds, -100_000_000_500),
            ("-1000000000001", DateForm::EpochMillis, -1_000_000_000_001),
            (
                "-1000000000000001",
                DateForm::EpochMicros,
                -1_000_000_000_001,
            ),
        ];
        for (s, form, want) in cases {
            let t = read_timestamp(s.as_bytes()).unwrap();
            assert_eq!(
                (t.ms, t.form, t.style),
                (want, form, TimeStyle::DateTime),
                "{s}"
            );
        }
        for (s, digits) in [
            ("0", 0),
            ("1", 1),
            ("1234567", 7),
            ("17041014000", 11),
            ("17041014000000", 14),
            ("17041014000000000", 17),
            ("17041014000000000000", 20),
            ("123456789012345678901234", 24),
        ] {
            assert_eq!(err(s), TimestampError::EpochDigits { digits }, "{s}");
        }
        assert_eq!(err("45292"), TimestampError::ExcelSerial);
        assert_eq!(err("45292.5"), TimestampError::ExcelSerial);
        assert_eq!(err("1704101400e3"), TimestampError::Unrecognised);
        assert_eq!(err("1704101400."), TimestampError::Unrecognised);
    }

    #[test]
    fn day_first_or_month_first_is_refused_as_ambiguous() {
        // Kept small: this runs once per bar (see `EpochDigits`).
        assert!(std::mem::size_of::<Result<Timestamp, TimestampError>>() <= 16);
        for s in [
            "01/02/2024",
            "1/2/2024",
            "31.12.2024",
            "02-01-24",
            "01/02/2024 09:30",
        ] {
            assert_eq!(err(s), TimestampError::DayMonthOrder, "{s}");
        }
        assert_eq!(err(""), TimestampError::Empty);
        assert_eq!(err("   "), TimestampError::Empty);
    }

    proptest! {
        #![proptest_config(proptest::test_runner::Config {
            rng_seed: proptest::test_runner::RngSeed::Fixed(0x7665_6c6f),
            ..proptest::test_runner::Config::default()
        })]

        #[test]
        fn dates_round_trip(days in 0i64..80_000, secs in 0i64..86_400) {
            let v = days * MS_PER_DAY + secs * 1000;
            let text = format_timestamp(v, TimeStyle::DateTime);
            prop_assert_eq!(ms(&text), Some(v));
        }

        #[test]
        fn never_panics(s in "\\PC{0,30}") {
            let _ = parse_timestamp(s.as_bytes());
        }

        /// The same instant written in every form reads as the same time, and each form is
        /// told apart from the others, across the whole range the rule covers.
        #[test]
        fn one_instant_in_every_form_is_one_time(
            secs in 100_000_000i64..10_000_000_000,
            sub_ms in 0i64..1000,
            sub_ns in 0i64..1_000_000,
        ) {
            let ms_total = secs * 1000 + sub_ms;
            let ns_total = i128::from(ms_total) * 1_000_000 + i128::from(sub_ns);
            let forms = [
                (format!("{secs}"), DateForm::EpochSeconds, secs * 1000),
                (format!("{secs}.{sub_ms:03}"), DateForm::EpochSeconds, ms_total),
                (format!("{ms_total}"), DateForm::EpochMillis, ms_total),
                (format!("{}", ns_total / 1000), DateForm::EpochMicros, ms_total),
                (format!("{ns_total}"), DateForm::EpochNanos, ms_total),
            ];
            for (text, form, want) in forms {
                let t = read_timestamp(text.as_bytes()).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
                prop_assert_eq!((t.ms, t.form), (want, form), "{}", text);
            }
            // The calendar and compact forms of the same second.
            let whole = secs * 1000;
            let iso = format_timestamp(whole, TimeStyle::DateTime);
            prop_assert_eq!(ms(&iso), Some(whole));
            let compact: String = iso.chars().filter(|c| !matches!(c, '-' | ':')).collect();
            let t = read_timestamp(compact.as_bytes()).map_err(|e| TestCaseError::fail(format!("{compact}: {e}")))?;
            prop_assert_eq!((t.ms, t.form), (whole, DateForm::Compact), "{}", compact);
            let rfc = format!("{}T{}Z", &iso[..10], &iso[11..]);
            prop_assert_eq!(ms(&rfc), Some(whole));
        }

        /// Any run of digits is read by its length alone: 8 digits a date or an error, the
        /// epoch lengths a time in 1973..2287, everything else refused. Never 1970, never a
        /// year past 2286.
        #[test]
        fn digit_runs_follow_the_one_rule(s in "[1-9][0-9]{0,21}") {
            let year = |ms: i64| civil_from_days(day_number(ms)).0;
            match (s.len(), read_timestamp(s.as_bytes())) {
                (8, Ok(t)) => prop_assert_eq!(t.form, DateForm::Compact),
                (8, Err(e)) => prop_assert_eq!(e, TimestampError::NoSuchDay),
                (9 | 10 | 12 | 13 | 15 | 16 | 18 | 19, Ok(t)) => {
                    prop_assert!((1973..=2286).contains(&year(t.ms)), "{} -> {}", s, year(t.ms));
                }
                (5, r) => prop_assert_eq!(r, Err(TimestampError::ExcelSerial)),
                (n, r) => prop_assert_eq!(r, Err(TimestampError::EpochDigits { digits: n as u8 })),
            }
        }
    }

    // Log header timestamps. The reference time of these tests: 2024-06-15 12:00:00.
    const REF: i64 = 1_718_452_800;

    fn log(s: &str) -> Option<String> {
        find_log_time(s, REF).map(format_log_time)
    }

    #[test]
    fn log_forms() {
        let iso = find_log_time("2024-05-01 10:00:00,123 INFO", REF).unwrap();
        assert_eq!(format_log_time(iso), "2024-05-01 10:00:00");
        assert_eq!(find_log_time("2024-05-01T10:00:00Z", REF), Some(iso));
        assert_eq!(
            log("17/06/09 20:10:40 INFO").unwrap(),
            "2017-06-09 20:10:40"
        );
        assert_eq!(
            log("081109 203615 148 INFO").unwrap(),
            "2008-11-09 20:36:15"
        );
        assert_eq!(
            log("[Sun Dec 04 04:47:44 2005] [error]").unwrap(),
            "2005-12-04 04:47:44"
        );
        assert_eq!(
            find_log_time("- 1117838570 2005.06.03 R02", REF),
            Some(1_117_838_570)
        );
        assert_eq!(find_log_time("no time here", REF), None);
        assert_eq!(log("2023-02-29 10:00:00"), None, "not a date");
    }

    #[test]
    fn yearless_timestamps_take_the_year_from_the_reference() {
        // Before the reference: this year.
        assert_eq!(
            log("Jun 14 15:16:01 combo sshd").unwrap(),
            "2024-06-14 15:16:01"
        );
        assert_eq!(log("Nov 9 12:01:01 host").unwrap(), "2023-11-09 12:01:01");
        // After it (more than the slack): last year, never the future.
        assert_eq!(log("Dec 31 23:59:59 host").unwrap(), "2023-12-31 23:59:59");
        assert_eq!(log("Jun 16 08:00:00 host").unwrap(), "2024-06-16 08:00:00");
        assert_eq!(
            log("03-17 16:13:38.811 1702 D x").unwrap(),
            "2024-03-17 16:13:38"
        );
        assert_eq!(
            log("[10.30 16:49:06] chrome.exe").unwrap(),
            "2023-10-30 16:49:06"
        );
        // Feb 29 goes back to the last leap year.
        let r2023 = 1_688_169_600; // 2023-07-01
        assert_eq!(
            find_log_time("Feb 29 10:00:00 h", r2023).map(format_log_time),
            Some("2020-02-29 10:00:00".to_owned())
        );
        // Whatever the (sane) reference, a year-less time is never shown as 1970.
        for r in [REF, 946_684_800, 4_102_444_800] {
            let t = find_log_time("Jan 01 00:00:00 h", r)
                .map(format_log_time)
                .unwrap();
            assert!(!t.starts_with("1970"), "{t} for {r}");
        }
    }

    /// The month of a word, as [`month`] read it before it was one match: a scan of the list.
    fn month_reference(word: &[u8]) -> Option<i64> {
        const M: [&[u8; 3]; 12] = [
            b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
            b"dec",
        ];
        if word.len() < 3 {
            return None;
        }
        let w = [
            word[0].to_ascii_lowercase(),
            word[1].to_ascii_lowercase(),
            word[2].to_ascii_lowercase(),
        ];
        M.iter().position(|m| **m == w).map(|i| i as i64 + 1)
    }

    /// [`find_log_time`] as it was before its scan read bytes through a table: the reference
    /// the faster scan must agree with on every input.
    #[allow(clippy::many_single_char_names)] // date fields: y/m/d, h/mi/s read best short
    fn find_log_time_reference(header: &str, reference: i64) -> Option<i64> {
        let b = header.as_bytes();
        // Collect up to 8 numbers and the first month name.
        let mut nums: [Num; 8] = [Num {
            value: 0,
            digits: 0,
        }; 8];
        let mut n = 0;
        let mut month_at: Option<(usize, i64)> = None;
        let mut i = 0;
        while i < b.len() && n < 8 {
            if b[i].is_ascii_digit() {
                let s = i;
                let mut v: i64 = 0;
                while i < b.len() && b[i].is_ascii_digit() {
                    if i - s < 15 {
                        v = v * 10 + i64::from(b[i] - b'0');
                    }
                    i += 1;
                }
                nums[n] = Num {
                    value: v,
                    digits: i - s,
                };
                n += 1;
            } else if b[i].is_ascii_alphabetic() {
                let s = i;
                while i < b.len() && b[i].is_ascii_alphabetic() {
                    i += 1;
                }
                if month_at.is_none() && i - s <= 9 {
                    if let Some(m) = month_reference(&b[s..i]) {
                        month_at = Some((n, m));
                    }
                }
            } else {
                i += 1;
            }
        }
        let nums = &nums[..n];
        // Month-name forms: `Nov 9 12:01:01 [2005]`, `Sun Dec 04 04:47:44 2005`.
        if let Some((at, mo)) = month_at {
            let r = &nums[at..];
            if r.len() >= 4 && r[0].digits <= 2 {
                let (d, h, mi, s) = (r[0].value, r[1].value, r[2].value, r[3].value);
                let t = match r.get(4).filter(|y| y.digits == 4) {
                    Some(y) => valid(y.value, mo, d, h, mi, s),
                    None => yearless(mo, d, h, mi, s, reference),
                };
                if t.is_some() {
                    return t;
                }
            }
        }
        for k in 0..n {
            let r = &nums[k..];
            if r[0].digits == 10 && r[0].value >= 100_000_000 {
                return Some(r[0].value); // epoch seconds
            }
            if r.len() >= 6 && r[0].digits == 4 {
                if let Some(t) = valid(
                    r[0].value, r[1].value, r[2].value, r[3].value, r[4].value, r[5].value,
                ) {
                    return Some(t);
                }
            }
            if r.len() >= 6 && r[0].digits == 2 && r[1].digits == 2 && r[2].digits == 2 {
                if let Some(t) = valid(
                    2000 + r[0].value,
                    r[1].value,
                    r[2].value,
                    r[3].value,
                    r[4].value,
                    r[5].value,
                ) {
                    return Some(t);
                }
            }
            if r.len() >= 2 && r[0].digits == 6 && r[1].digits == 6 {
                let (d, t) = (r[0].value, r[1].value);
                if let Some(t) = valid(
                    2000 + d / 10_000,
                    d / 100 % 100,
                    d % 100,
                    t / 10_000,
                    t / 100 % 100,
                    t % 100,
                ) {
                    return Some(t);
                }
            }
            // `MM-DD hh:mm:ss`, unless it is the tail of a bad `YYYY-MM-DD`.
            if r.len() >= 5
                && r[0].digits == 2
                && r[1].digits == 2
                && (k == 0 || nums[k - 1].digits != 4)
            {
                if let Some(t) = yearless(
                    r[0].value, r[1].value, r[2].value, r[3].value, r[4].value, reference,
                ) {
                    return Some(t);
                }
            }
        }
        None
    }

    /// Class: every form a log header's timestamp takes, and near misses (digit runs of every
    /// length, dates cut short, month names glued to letters or in any case, words that only
    /// start like a month): the table-driven scan reads the same numbers and month as the
    /// byte-by-byte one, so the same time comes out.
    #[test]
    fn log_time_scan_agrees_with_the_reference_on_every_combination() {
        let pieces = [
            "2024",
            "05",
            "1",
            "10",
            "123",
            "081109",
            "203615",
            "1117838570",
            "12345678901234567",
            "-",
            ":",
            "/",
            ".",
            ",",
            " ",
            "T",
            "Z",
            "[",
            "]",
            "Nov",
            "dec",
            "SEPT",
            "Marching",
            "Sunday",
            "INFO",
            "x",
            "é",
        ];
        for r in [REF, 946_684_800] {
            let mut checked = 0;
            for a in pieces {
                for b in pieces {
                    for c in pieces {
                        for d in pieces {
                            let s = format!("{a}{b}{c}{d} 10:00:00 04 2005 17 06 09");
                            let t = format!("{a} {b}{c} {d}");
                            for h in [s.as_str(), t.as_str()] {
                                assert_eq!(
                                    find_log_time(h, r),
                                    find_log_time_reference(h, r),
                                    "{h:?}"
                                );
                                checked += 1;
                            }
                        }
                    }
                }
            }
            assert!(checked > 1_000_000);
        }
        for w in [
            "jan", "FEB", "Mar", "apr", "May", "junE", "jul", "aug", "sep", "oct", "nov", "dec",
            "ja", "", "xyz", "mayday",
        ] {
            assert_eq!(month(w.as_bytes()), month_reference(w.as_bytes()), "{w}");
        }
    }

    proptest! {
        #[test]
        fn log_time_never_panics(s in "[0-9A-Za-z :./,TZ\\[\\]-]{0,40}", r in -1_000_000_000i64..5_000_000_000) {
            let _ = find_log_time(&s, r);
        }
    }
}
