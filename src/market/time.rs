//! Bar timestamps: parsing the date forms OHLCV files use (`YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS`,
//! RFC 3339 with `T`/offset/fraction, epoch seconds or milliseconds) into milliseconds since the
//! Unix epoch (UTC), and formatting them back.

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

pub use crate::units::calendar::{civil_from_days, days_from_civil, days_in_month, is_leap};

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

/// Formats a timestamp as `YYYY-MM-DD` ([`TimeStyle::Date`]) or `YYYY-MM-DD HH:MM:SS` (UTC).
pub fn format_timestamp(ms: i64, style: TimeStyle) -> String {
    let days = ms.div_euclid(MS_PER_DAY);
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ms(s: &str) -> Option<i64> {
        parse_timestamp(s.as_bytes()).map(|(v, _)| v)
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
}
