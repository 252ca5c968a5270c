//! Timestamps in log headers: [`crate::units::time::find_log_time`] (the one timestamp parser)
//! with the reference time that places year-less timestamps (`Jun 14 15:16:01`): the file's
//! modification time, or now (stdin), so such a timestamp gets the latest year that does not put
//! it after the file was written, never 1970.

use std::sync::OnceLock;

use crate::units::time::{find_log_time, format_log_time};

/// The reference time for year-less timestamps when there is no file to take it from: the
/// current time, read once per process.
pub fn now() -> i64 {
    static NOW: OnceLock<i64> = OnceLock::new();
    *NOW.get_or_init(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2))
    })
}

/// Formats epoch seconds as `YYYY-MM-DD HH:MM:SS`.
pub fn format(ts: i64) -> String {
    format_log_time(ts)
}

/// Parses the first timestamp found in `header`, if any (epoch seconds).
pub fn parse(header: &str) -> Option<i64> {
    find_log_time(header, now())
}

/// [`parse`] with an explicit reference time for year-less timestamps (a file's modification
/// time, in epoch seconds).
pub fn parse_at(header: &str, reference: i64) -> Option<i64> {
    find_log_time(header, reference)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yearless_header_is_never_1970() {
        let t = parse("Jun 14 15:16:01 combo sshd(pam_unix)[19939]: x").unwrap();
        assert!(!format(t).starts_with("1970"), "{}", format(t));
        assert!(t <= now() + 2 * 86_400, "not in the future");
        let t = parse("03-17 16:13:38.811  1702  2395 D WindowManager: x").unwrap();
        assert!(!format(t).starts_with("1970"));
        // With a file's modification time as the reference.
        let mtime = 1_262_304_000; // 2010-01-01
        assert_eq!(
            parse_at("Dec 30 10:00:00 h", mtime).map(format).as_deref(),
            Some("2009-12-30 10:00:00")
        );
    }

    #[test]
    fn years_given_are_kept() {
        assert_eq!(
            parse("2024-05-01 10:00:00,123 INFO").map(format).as_deref(),
            Some("2024-05-01 10:00:00")
        );
    }
}
