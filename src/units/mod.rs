//! Human units on the command line and in `velo.toml`: durations (`30s`, `1h30m`, `250ms`),
//! sizes (`512M`, `1.5GiB`) and rates (`5MB/min`), with their display forms.
//!
//! Every parser quotes the bad value in its error and says what would have been accepted.

pub mod calendar;
pub mod time;

use std::time::Duration;

/// A value that could not be read as a unit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitError {
    #[error("invalid duration {0:?}: expected a number with a unit, e.g. 500ms, 30s, 5m, 1h30m (a bare number means seconds)")]
    Duration(String),
    #[error("invalid size {0:?}: expected a number with an optional unit, e.g. 4096, 512K, 100MB, 1.5GiB")]
    Size(String),
    #[error("invalid rate {0:?}: expected a size per time unit, e.g. 5MB/min, 100K/s, 1G/h")]
    Rate(String),
    /// A well-formed value with a minus sign: which kind of value it is.
    #[error("{0:?} is negative: a {1} is 0 or more")]
    Negative(String, &'static str),
    #[error("{0:?} is too long: velo takes durations up to about 31,000 years")]
    TooLong(String),
}

/// Parses a duration: one or more `<number><unit>` parts (`ms`, `s`, `m`, `h`, `d`), or a bare
/// number of seconds. Fractions are allowed (`1.5s`). A negative value, one too long to count
/// and a non-finite one are rejected, each with its own reason.
pub fn parse_duration(text: &str) -> Result<Duration, UnitError> {
    let s = text.trim();
    if s.strip_prefix('-').and_then(duration_secs).is_some() {
        return Err(UnitError::Negative(text.to_string(), "duration"));
    }
    let secs = duration_secs(s).ok_or_else(|| UnitError::Duration(text.to_string()))?;
    secs_to_duration(secs).ok_or_else(|| UnitError::TooLong(text.to_string()))
}

/// The seconds a well-formed duration stands for (possibly more than a `Duration` holds), or
/// `None` when it is not one.
fn duration_secs(s: &str) -> Option<f64> {
    if s.is_empty() {
        return None;
    }
    // A bare number of seconds, written with digits (`inf` and `nan` are not durations).
    if s.bytes()
        .all(|b| b.is_ascii_digit() || b".eE+-".contains(&b))
    {
        return s.parse::<f64>().ok().filter(|v| !v.is_nan());
    }
    let mut total = 0.0_f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        if num_end == 0 {
            return None;
        }
        let value: f64 = rest[..num_end].parse().ok()?;
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let factor = match rest[..unit_end].trim() {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
            "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
            "h" | "hr" | "hrs" | "hour" | "hours" => 3600.0,
            "d" | "day" | "days" => 86400.0,
            _ => return None,
        };
        total += value * factor;
        rest = &rest[unit_end..];
    }
    Some(total)
}

fn secs_to_duration(secs: f64) -> Option<Duration> {
    (secs.is_finite() && (0.0..1e12).contains(&secs)).then(|| Duration::from_secs_f64(secs))
}

/// Parses a size in bytes. `K`, `M`, `G`, `T` (and `KB`, `MB`, …) are powers of 1024, as in
/// `ulimit`, `docker` and `ps`; `KiB`, `MiB`, … are accepted too; `B` or no unit means bytes.
pub fn parse_size(text: &str) -> Result<u64, UnitError> {
    let err = || UnitError::Size(text.to_string());
    let s = text.trim();
    if s.strip_prefix('-')
        .is_some_and(|rest| parse_size(rest).is_ok())
    {
        return Err(UnitError::Negative(text.to_string(), "size"));
    }
    let num_end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    if num_end == 0 {
        return Err(err());
    }
    let value: f64 = s[..num_end].parse().map_err(|_| err())?;
    let unit = s[num_end..].trim().to_ascii_lowercase();
    let factor: f64 = match unit.as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" | "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return Err(err()),
    };
    let bytes = value * factor;
    if !bytes.is_finite() || bytes >= 1.8e19 {
        return Err(err());
    }
    Ok(bytes.round() as u64)
}

/// Parses a rate such as `5MB/min` into bytes per second.
pub fn parse_rate(text: &str) -> Result<f64, UnitError> {
    let err = || UnitError::Rate(text.to_string());
    if text
        .trim()
        .strip_prefix('-')
        .is_some_and(|rest| parse_rate(rest).is_ok())
    {
        return Err(UnitError::Negative(text.to_string(), "rate"));
    }
    let (size, per) = text.split_once('/').ok_or_else(err)?;
    let bytes = parse_size(size).map_err(|_| err())? as f64;
    let per = per.trim();
    let secs = if per.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        parse_duration(per).map_err(|_| err())?
    } else {
        parse_duration(&format!("1{per}")).map_err(|_| err())?
    }
    .as_secs_f64();
    if secs <= 0.0 {
        return Err(err());
    }
    Ok(bytes / secs)
}

/// Formats a duration for people: `850ms`, `12.3s`, `4m05s`, `2h03m`.
pub fn format_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 1.0 {
        format!("{}ms", d.as_millis())
    } else if secs < 60.0 {
        format!("{secs:.1}s")
    } else if secs < 3600.0 {
        let s = d.as_secs();
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        let s = d.as_secs();
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    }
}

/// Formats a byte count with binary units: `512B`, `1.5KiB`, `300.0MiB`.
pub fn format_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes}B");
    }
    let mut value = bytes as f64;
    let mut unit = "B";
    for u in UNITS {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = u;
    }
    format!("{value:.1}{unit}")
}

/// clap value parser for durations.
pub fn duration_arg(s: &str) -> Result<Duration, String> {
    parse_duration(s).map_err(|e| e.to_string())
}

/// clap value parser for sizes.
pub fn size_arg(s: &str) -> Result<u64, String> {
    parse_size(s).map_err(|e| e.to_string())
}

/// clap value parser for rates (bytes per second).
pub fn rate_arg(s: &str) -> Result<f64, String> {
    parse_rate(s).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1.5m"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("2d"), Ok(Duration::from_secs(172_800)));
        for bad in ["", "s", "-1s", "10x", "1..2s", "nan", "inf"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be rejected");
        }
        let msg = parse_duration("10x").unwrap_err().to_string();
        assert!(msg.contains("\"10x\"") && msg.contains("30s"), "{msg}");
    }

    #[test]
    fn negative_and_too_long_values_get_their_own_reason() {
        let e = |r: Result<(), UnitError>| r.unwrap_err().to_string();
        let neg = "\"-5s\" is negative: a duration is 0 or more";
        assert_eq!(e(parse_duration("-5s").map(drop)), neg);
        assert_eq!(
            e(parse_duration(" -1.5").map(drop)),
            "\" -1.5\" is negative: a duration is 0 or more"
        );
        assert_eq!(
            e(parse_size("-5M").map(drop)),
            "\"-5M\" is negative: a size is 0 or more"
        );
        assert_eq!(
            e(parse_rate("-5MB/min").map(drop)),
            "\"-5MB/min\" is negative: a rate is 0 or more"
        );
        for long in ["1000000000000", "99999999999999999h", "1e400"] {
            assert!(
                e(parse_duration(long).map(drop)).contains("is too long"),
                "{long}"
            );
        }
        // Not durations at all: the syntax help.
        for bad in ["-", "--5s", "-x", "inf", "-inf", "nan", "1e5x"] {
            assert!(
                e(parse_duration(bad).map(drop)).starts_with("invalid duration"),
                "{bad}"
            );
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("512K"), Ok(512 * 1024));
        assert_eq!(parse_size("100MB"), Ok(100 * 1024 * 1024));
        assert_eq!(parse_size("1.5GiB"), Ok(1_610_612_736));
        assert_eq!(parse_size("2 g"), Ok(2 * 1024 * 1024 * 1024));
        for bad in ["", "M", "10Q", "-5M", "1e400"] {
            assert!(parse_size(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn rates() {
        let r = parse_rate("6MB/min").unwrap();
        assert!((r - 6.0 * 1024.0 * 1024.0 / 60.0).abs() < 1e-6);
        assert!((parse_rate("1K/s").unwrap() - 1024.0).abs() < 1e-9);
        assert!((parse_rate("1G/h").unwrap() - 1024.0 * 1024.0 * 1024.0 / 3600.0).abs() < 1e-6);
        assert!(parse_rate("5MB").is_err());
        assert!(parse_rate("5MB/fortnight").is_err());
    }

    #[test]
    fn display_forms() {
        assert_eq!(format_duration(Duration::from_millis(850)), "850ms");
        assert_eq!(format_duration(Duration::from_millis(12_340)), "12.3s");
        assert_eq!(format_duration(Duration::from_secs(245)), "4m05s");
        assert_eq!(format_duration(Duration::from_secs(7380)), "2h03m");
        assert_eq!(format_size(512), "512B");
        assert_eq!(format_size(1536), "1.5KiB");
        assert_eq!(format_size(300 * 1024 * 1024), "300.0MiB");
    }

    proptest! {
        #[test]
        fn duration_round_trips_through_millis(ms in 0u64..10_000_000) {
            prop_assert_eq!(parse_duration(&format!("{ms}ms")), Ok(Duration::from_millis(ms)));
        }

        #[test]
        fn duration_parser_never_panics(s in "\\PC{0,12}") {
            let _ = parse_duration(&s);
            let _ = parse_size(&s);
            let _ = parse_rate(&s);
        }

        #[test]
        fn size_round_trips_in_kib(k in 0u64..1_000_000) {
            prop_assert_eq!(parse_size(&format!("{k}K")), Ok(k * 1024));
        }
    }
}
