//! Decimal parsing for CSV cells. Prices and volumes are short plain decimals (`123.4567`,
//! `22351900`), so the hot path reads the digits into an integer and divides by an exact power
//! of ten: with at most 2^53 for the digits and 10^22 for the scale both operands are exact and
//! IEEE division rounds once, so the result is the correctly rounded double, bit-identical to
//! `str::parse::<f64>`. Anything else (exponents, long mantissas) goes to the standard library's
//! correctly rounded parser.

pub(crate) const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

const MAX_EXACT: u64 = 1 << 53;

/// Parses a finite decimal number; surrounding ASCII spaces are allowed. `None` for anything
/// else (empty, `nan`, `inf`, stray characters).
#[inline]
pub fn parse_f64(text: &[u8]) -> Option<f64> {
    let (neg, body) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let mut mantissa: u64 = 0;
    let mut digits = 0usize;
    let mut frac_digits = 0usize;
    let mut seen_dot = false;
    for &c in body {
        let d = c.wrapping_sub(b'0');
        if d <= 9 {
            if digits >= 19 {
                return parse_slow(text);
            }
            mantissa = mantissa * 10 + u64::from(d);
            digits += 1;
            frac_digits += usize::from(seen_dot);
        } else if c == b'.' && !seen_dot {
            seen_dot = true;
        } else {
            return parse_slow(text);
        }
    }
    if digits == 0 {
        return parse_slow(text);
    }
    if mantissa <= MAX_EXACT && frac_digits < POW10.len() {
        let v = mantissa as f64 / POW10[frac_digits];
        return Some(if neg { -v } else { v });
    }
    parse_slow(text)
}

#[cold]
fn parse_slow(text: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(text).ok()?.trim_matches(' ');
    // The standard parser also takes "inf", "NaN" and "infinity": those are not prices.
    if s.is_empty()
        || !s
            .bytes()
            .all(|c| c.is_ascii_digit() || b"+-.eE".contains(&c))
    {
        return None;
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact expectations are the point of these tests
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn plain_decimals() {
        assert_eq!(parse_f64(b"100.34"), Some(100.34));
        assert_eq!(parse_f64(b"22351900"), Some(22_351_900.0));
        assert_eq!(parse_f64(b"-0.5"), Some(-0.5));
        assert_eq!(parse_f64(b"1.07083"), Some(1.07083));
        assert_eq!(parse_f64(b"2012.25343589"), Some(2_012.253_435_89));
        assert_eq!(parse_f64(b".5"), Some(0.5));
        assert_eq!(parse_f64(b"5."), Some(5.0));
        assert_eq!(parse_f64(b"1e3"), Some(1000.0));
        assert_eq!(parse_f64(b" 7 "), Some(7.0));
        assert_eq!(
            parse_f64(b"12345678901234567890.5"),
            Some(12_345_678_901_234_567_890.5)
        );
    }

    #[test]
    fn garbage_is_rejected() {
        for bad in [
            "", "-", ".", "abc", "1.2.3", "nan", "inf", "NaN", "1,5", "12a", "\u{e9}", "1e999",
        ] {
            assert_eq!(parse_f64(bad.as_bytes()), None, "{bad:?}");
        }
    }

    proptest! {
        #![proptest_config(crate::market::proptest_config(256))]

        #[test]
        fn agrees_with_std_on_decimals(int in 0u64..10_000_000_000, frac in 0u64..100_000_000, places in 0usize..9, neg: bool) {
            let frac = frac % 10u64.pow(places as u32);
            let s = if places == 0 {
                format!("{}{int}", if neg { "-" } else { "" })
            } else {
                format!("{}{int}.{frac:0places$}", if neg { "-" } else { "" })
            };
            let want: f64 = s.parse().unwrap();
            prop_assert_eq!(parse_f64(s.as_bytes()).map(f64::to_bits), Some(want.to_bits()), "{}", s);
        }

        #[test]
        fn agrees_with_std_on_any_double(v in proptest::num::f64::NORMAL) {
            let s = format!("{v}");
            prop_assert_eq!(parse_f64(s.as_bytes()).map(f64::to_bits), Some(v.to_bits()));
            let e = format!("{v:e}");
            prop_assert_eq!(parse_f64(e.as_bytes()).map(f64::to_bits), Some(v.to_bits()));
        }

        #[test]
        fn never_panics(s in "\\PC{0,24}") {
            let _ = parse_f64(s.as_bytes());
        }
    }
}
