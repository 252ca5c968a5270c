//! Timestamps in log headers, in the common forms, as seconds since the Unix epoch (the
//! clock the log was written in; no time-zone conversion):
//! `2024-05-01 10:00:00[,.]mmm`, `2024-05-01T10:00:00Z`, `2005.06.03-15.42.50`, `17/06/09 20:10:40`
//! (yy/mm/dd), `081109 203615` (yymmdd hhmmss), `Nov 9 12:01:01 [2005]`,
//! `[Sun Dec 04 04:47:44 2005]`, `03-17 16:13:38.811` (no year: 1970), and 10-digit epoch
//! seconds.

use crate::units::calendar::{civil_from_days, days_from_civil};

/// Formats epoch seconds as `YYYY-MM-DD HH:MM:SS`.
pub fn format(ts: i64) -> String {
    let (y, mo, d) = civil_from_days(ts.div_euclid(86_400));
    let s = ts.rem_euclid(86_400);
    format!(
        "{y:04}-{mo:02}-{d:02} {:02}:{:02}:{:02}",
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

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
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    Some(days_from_civil(y, mo as u32, d as u32) * 86_400 + h * 3600 + mi * 60 + s)
}

/// Parses the first timestamp found in `header`, if any.
#[allow(clippy::many_single_char_names)] // date fields: y/m/d, h/mi/s read best short
pub fn parse(header: &str) -> Option<i64> {
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
            let year = r.get(4).filter(|y| y.digits == 4).map_or(1970, |y| y.value);
            if let Some(t) = valid(year, mo, r[0].value, r[1].value, r[2].value, r[3].value) {
                return Some(t);
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
        if r.len() >= 5 && r[0].digits == 2 && r[1].digits == 2 {
            if let Some(t) = valid(
                1970, r[0].value, r[1].value, r[2].value, r[3].value, r[4].value,
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

    #[test]
    fn common_forms() {
        let iso = parse("2024-05-01 10:00:00,123 INFO").unwrap();
        assert_eq!(format(iso), "2024-05-01 10:00:00");
        assert_eq!(parse("2024-05-01T10:00:00Z"), Some(iso));
        assert_eq!(
            format(parse("17/06/09 20:10:40 INFO").unwrap()),
            "2017-06-09 20:10:40"
        );
        assert_eq!(
            format(parse("081109 203615 148 INFO").unwrap()),
            "2008-11-09 20:36:15"
        );
        assert_eq!(
            format(parse("[Sun Dec 04 04:47:44 2005] [error]").unwrap()),
            "2005-12-04 04:47:44"
        );
        assert_eq!(
            format(parse("Nov 9 12:01:01 host").unwrap()),
            "1970-11-09 12:01:01"
        );
        assert_eq!(parse("- 1117838570 2005.06.03 R02"), Some(1_117_838_570));
        assert_eq!(parse("no time here"), None);
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(s in "[0-9A-Za-z :./,TZ\\[\\]-]{0,40}") {
            let _ = parse(&s);
        }
    }
}
