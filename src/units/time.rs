//! Timestamps: the one place text becomes a point in time, for bar dates (market) and log
//! headers (log-digest).
//!
//! - [`parse_timestamp`]: one exact timestamp as OHLCV files write it (`YYYY-MM-DD`,
//!   `YYYY-MM-DD HH:MM:SS`, RFC 3339 with `T`/offset/fraction, epoch seconds or milliseconds),
//!   in milliseconds since the Unix epoch (UTC); [`format_timestamp`] writes it back.
//! - [`find_log_time`]: the first timestamp in a log line's header, in the common forms, in
//!   seconds (the clock the log was written in; no time-zone conversion):
//!   `2024-05-01 10:00:00[,.]mmm`, `2024-05-01T10:00:00Z`, `2005.06.03-15.42.50`,
//!   `17/06/09 20:10:40` (yy/mm/dd), `081109 203615` (yymmdd hhmmss), `Nov 9 12:01:01 [2005]`,
//!   `[Sun Dec 04 04:47:44 2005]`, `03-17 16:13:38.811`, `[10.30 16:49:06]` and 10-digit epoch
//!   seconds. A timestamp without a year takes the latest year that does not put it after a
//!   reference time (the file's modification time, or now), so `Dec 31 23:59:59` read on
//!   January 2nd is last year's; never 1970. [`format_log_time`] writes it back.

use crate::units::calendar::{civil_from_days, days_from_civil, days_in_month};

/// How a series' dates were written, so output can use the same granularity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimeStyle {
    /// `YYYY-MM-DD`: daily (or coarser) bars.
    #[default]
    Date,
    /// A time of day was given (date-time, RFC 3339 or epoch).
    DateTime,
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

/// Parses one timestamp; `None` when the text is not one of the accepted forms or names an
/// impossible date. Returns milliseconds since the epoch (UTC) and the style it was written in.
pub fn parse_timestamp(text: &[u8]) -> Option<(i64, TimeStyle)> {
    let b = text.trim_ascii();
    if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' {
        let year = i64::from(digits::<4>(b)?);
        let month = digits::<2>(&b[5..])?;
        let day = digits::<2>(&b[8..])?;
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        let days = days_from_civil(year, month, day);
        if b.len() == 10 {
            return Some((days * MS_PER_DAY, TimeStyle::Date));
        }
        let ms = parse_time_of_day(&b[10..])?;
        return Some((days * MS_PER_DAY + ms, TimeStyle::DateTime));
    }
    parse_epoch(b).map(|ms| (ms, TimeStyle::DateTime))
}

/// `[ T]HH:MM[:SS[.fff]][Z|±HH:MM]` → milliseconds into the day, shifted to UTC.
fn parse_time_of_day(b: &[u8]) -> Option<i64> {
    if !matches!(b.first(), Some(b' ' | b'T' | b't')) {
        return None;
    }
    let b = &b[1..];
    let hour = digits::<2>(b)?;
    if b.get(2) != Some(&b':') {
        return None;
    }
    let minute = digits::<2>(&b[3..])?;
    let mut rest = &b[5..];
    let mut second = 0;
    let mut millis = 0i64;
    if rest.first() == Some(&b':') {
        second = digits::<2>(&rest[1..])?;
        rest = &rest[3..];
        if matches!(rest.first(), Some(b'.' | b',')) {
            let frac_len = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if frac_len == 0 {
                return None;
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
        return None;
    }
    let mut ms =
        ((i64::from(hour) * 60 + i64::from(minute)) * 60 + i64::from(second)) * 1000 + millis;
    match rest {
        [] | [b'Z' | b'z'] => {}
        [sign @ (b'+' | b'-'), tail @ ..] => {
            let oh = i64::from(digits::<2>(tail)?);
            let rest = &tail[2..];
            let om = match rest.len() {
                0 => 0,
                2 => i64::from(digits::<2>(rest)?),
                3 if rest[0] == b':' => i64::from(digits::<2>(&rest[1..])?),
                _ => return None,
            };
            if oh > 23 || om > 59 {
                return None;
            }
            let offset = (oh * 60 + om) * 60_000;
            ms += if *sign == b'+' { -offset } else { offset };
        }
        _ => return None,
    }
    Some(ms)
}

/// Epoch seconds (up to 11 digits, optional fraction) or milliseconds (12 or more digits).
fn parse_epoch(b: &[u8]) -> Option<i64> {
    let (neg, b) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        _ => (false, b),
    };
    let int_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if int_len == 0 || int_len > 16 {
        return None;
    }
    let mut v: i64 = 0;
    for &c in &b[..int_len] {
        v = v * 10 + i64::from(c - b'0');
    }
    let frac = &b[int_len..];
    let ms = if int_len >= 12 {
        if !frac.is_empty() {
            return None;
        }
        v
    } else {
        let mut millis = 0i64;
        if let [b'.', f @ ..] = frac {
            if f.is_empty() || !f.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let mut scale = 100;
            for &c in f.iter().take(3) {
                millis += i64::from(c - b'0') * scale;
                scale /= 10;
            }
        } else if !frac.is_empty() {
            return None;
        }
        v * 1000 + millis
    };
    Some(if neg { -ms } else { ms })
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

#[derive(Clone, Copy)]
struct Num {
    value: i64,
    digits: usize,
}

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
                if let Some(m) = month(&b[s..i]) {
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
        assert_eq!(ms("2024-01-01T10:30:00+01:00"), Some(day + 34_200_000));
        assert_eq!(ms("2024-01-01T04:30:00.250-05:00"), Some(day + 34_200_250));
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

    proptest! {
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

    proptest! {
        #[test]
        fn log_time_never_panics(s in "[0-9A-Za-z :./,TZ\\[\\]-]{0,40}", r in -1_000_000_000i64..5_000_000_000) {
            let _ = find_log_time(&s, r);
        }
    }
}
