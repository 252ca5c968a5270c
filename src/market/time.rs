//! Bar timestamps: the date forms OHLCV files use, parsed by the one timestamp parser in
//! [`crate::units::time`] (milliseconds since the Unix epoch, UTC) and formatted back.

pub use crate::units::calendar::{civil_from_days, days_from_civil, days_in_month, is_leap};
pub use crate::units::time::{format_timestamp, parse_timestamp, TimeStyle, MS_PER_DAY};

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
