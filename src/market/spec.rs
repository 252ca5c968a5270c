//! Indicator lists as users write them (`sma:20,bbands:20:2,macd:12:26:9`): parsing, the output
//! column names of each item, and computing them over a series of bars.

// h, l, c, v are the OHLCV columns, n the period, as in every TA reference.
#![allow(clippy::many_single_char_names)]

use super::csv::Bars;
use super::indicators as ind;

/// One requested indicator with its parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum IndicatorSpec {
    Sma(usize),
    Ema(usize),
    Rsi(usize),
    Trange,
    Atr(usize),
    Bbands(usize, f64),
    Macd(usize, usize, usize),
    PlusDi(usize),
    MinusDi(usize),
    Adx(usize),
    Stddev(usize, f64),
    MaxHigh(usize),
    MinLow(usize),
    VolumeSma(usize),
}

/// The names `--indicators` accepts, with their parameters (for help and errors).
pub const SYNTAX: &str = "sma:N, ema:N, rsi:N, trange, atr:N, bbands:N:K, macd:FAST:SLOW:SIGNAL, \
plus_di:N, minus_di:N, adx:N, stddev:N[:K], max_high:N, min_low:N, volume_sma:N";

/// An item of an indicator list that cannot be understood.
#[derive(Debug, thiserror::Error)]
#[error("indicator {item:?}: {message} (known: {SYNTAX})")]
pub struct SpecError {
    pub item: String,
    pub message: String,
}

impl std::str::FromStr for IndicatorSpec {
    type Err = SpecError;

    fn from_str(item: &str) -> Result<Self, SpecError> {
        let fail = |message: String| SpecError {
            item: item.to_string(),
            message,
        };
        let mut parts = item.trim().split(':');
        let name = parts.next().unwrap_or_default().to_ascii_lowercase();
        let params: Vec<&str> = parts.collect();
        let period = |i: usize| -> Result<usize, SpecError> {
            let text = params
                .get(i)
                .ok_or_else(|| fail(format!("needs parameter {}", i + 1)))?;
            match text.parse::<usize>() {
                Ok(n) if n >= 2 => Ok(n),
                _ => Err(fail(format!(
                    "period {text:?} must be a whole number of at least 2"
                ))),
            }
        };
        let factor = |i: usize, default: Option<f64>| -> Result<f64, SpecError> {
            match (params.get(i), default) {
                (None, Some(d)) => Ok(d),
                (None, None) => Err(fail(format!("needs parameter {}", i + 1))),
                (Some(text), _) => text
                    .parse::<f64>()
                    .ok()
                    .filter(|k| k.is_finite() && *k > 0.0)
                    .ok_or_else(|| fail(format!("factor {text:?} must be a positive number"))),
            }
        };
        let arity = |n: usize| -> Result<(), SpecError> {
            if params.len() > n {
                Err(fail(format!(
                    "takes {n} parameter(s), got {}",
                    params.len()
                )))
            } else {
                Ok(())
            }
        };
        let spec = match name.as_str() {
            "sma" => Self::Sma(period(0)?),
            "ema" => Self::Ema(period(0)?),
            "rsi" => Self::Rsi(period(0)?),
            "trange" => Self::Trange,
            "atr" => Self::Atr(period(0)?),
            "bbands" => Self::Bbands(period(0)?, factor(1, Some(2.0))?),
            "macd" => Self::Macd(period(0)?, period(1)?, period(2)?),
            "plus_di" => Self::PlusDi(period(0)?),
            "minus_di" => Self::MinusDi(period(0)?),
            "adx" => Self::Adx(period(0)?),
            "stddev" => Self::Stddev(period(0)?, factor(1, Some(1.0))?),
            "max_high" => Self::MaxHigh(period(0)?),
            "min_low" => Self::MinLow(period(0)?),
            "volume_sma" => Self::VolumeSma(period(0)?),
            _ => return Err(fail("unknown indicator".to_string())),
        };
        arity(match spec {
            Self::Trange => 0,
            Self::Bbands(..) | Self::Stddev(..) => 2,
            Self::Macd(..) => 3,
            _ => 1,
        })?;
        if let Self::Macd(fast, slow, _) = spec {
            if fast >= slow {
                return Err(fail(format!(
                    "the fast period {fast} must be shorter than the slow period {slow}"
                )));
            }
        }
        Ok(spec)
    }
}

/// Parses a comma-separated list; an empty list is an error.
pub fn parse_list(list: &str) -> Result<Vec<IndicatorSpec>, SpecError> {
    let items: Vec<&str> = list.split(',').filter(|s| !s.trim().is_empty()).collect();
    if items.is_empty() {
        return Err(SpecError {
            item: list.to_string(),
            message: "the list is empty".to_string(),
        });
    }
    items.into_iter().map(str::parse).collect()
}

impl IndicatorSpec {
    /// The output column names, in order (`bb_upper_20_2`, `bb_middle_20_2`, …).
    pub fn columns(&self) -> Vec<String> {
        match *self {
            Self::Sma(n) => vec![format!("sma_{n}")],
            Self::Ema(n) => vec![format!("ema_{n}")],
            Self::Rsi(n) => vec![format!("rsi_{n}")],
            Self::Trange => vec!["trange".to_string()],
            Self::Atr(n) => vec![format!("atr_{n}")],
            Self::Bbands(n, k) => ["upper", "middle", "lower"]
                .iter()
                .map(|b| format!("bb_{b}_{n}_{k}"))
                .collect(),
            Self::Macd(f, s, g) => vec![
                format!("macd_{f}_{s}_{g}"),
                format!("macd_signal_{f}_{s}_{g}"),
                format!("macd_hist_{f}_{s}_{g}"),
            ],
            Self::PlusDi(n) => vec![format!("plus_di_{n}")],
            Self::MinusDi(n) => vec![format!("minus_di_{n}")],
            Self::Adx(n) => vec![format!("adx_{n}")],
            Self::Stddev(n, k) if (k - 1.0).abs() < f64::EPSILON => vec![format!("stddev_{n}")],
            Self::Stddev(n, k) => vec![format!("stddev_{n}_{k}")],
            Self::MaxHigh(n) => vec![format!("max_high_{n}")],
            Self::MinLow(n) => vec![format!("min_low_{n}")],
            Self::VolumeSma(n) => vec![format!("volume_sma_{n}")],
        }
    }

    /// Computes the indicator over `bars`: one vector per column, NaN during warm-up.
    pub fn compute(&self, bars: &Bars) -> Vec<Vec<f64>> {
        let (h, l, c, v) = (&bars.high, &bars.low, &bars.close, &bars.volume);
        let len = bars.len();
        match *self {
            Self::Sma(n) => vec![ind::sma(c, n)],
            Self::Ema(n) => vec![ind::ema(c, n)],
            Self::Rsi(n) => vec![ind::rsi(c, n)],
            Self::Trange => vec![ind::trange(h, l, c)],
            Self::Atr(n) => vec![ind::atr(h, l, c, n)],
            Self::Bbands(n, k) => {
                let t = ind::bbands(c, n, k, k);
                vec![t.a, t.b, t.c]
            }
            Self::Macd(f, s, g) => {
                let t = ind::macd(c, f, s, g);
                vec![t.a, t.b, t.c]
            }
            Self::PlusDi(n) => {
                let mut out = vec![0.0; len];
                ind::dmi_into(h, l, c, n, &mut out, &mut [], &mut []);
                vec![out]
            }
            Self::MinusDi(n) => {
                let mut out = vec![0.0; len];
                ind::dmi_into(h, l, c, n, &mut [], &mut out, &mut []);
                vec![out]
            }
            Self::Adx(n) => {
                let mut out = vec![0.0; len];
                ind::dmi_into(h, l, c, n, &mut [], &mut [], &mut out);
                vec![out]
            }
            Self::Stddev(n, k) => vec![ind::stddev(c, n, k)],
            Self::MaxHigh(n) => vec![ind::max(h, n)],
            Self::MinLow(n) => vec![ind::min(l, n)],
            Self::VolumeSma(n) => vec![ind::sma(v, n)],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_contract_list() {
        let list = parse_list("sma:20,ema:20,rsi:14,trange,atr:14,bbands:20:2,macd:12:26:9,plus_di:14,minus_di:14,adx:14,stddev:20,max_high:20,min_low:20,volume_sma:20").unwrap();
        let cols: Vec<String> = list.iter().flat_map(IndicatorSpec::columns).collect();
        assert_eq!(
            cols.join(","),
            "sma_20,ema_20,rsi_14,trange,atr_14,bb_upper_20_2,bb_middle_20_2,bb_lower_20_2,\
macd_12_26_9,macd_signal_12_26_9,macd_hist_12_26_9,plus_di_14,minus_di_14,adx_14,stddev_20,\
max_high_20,min_low_20,volume_sma_20"
        );
        assert_eq!(
            parse_list("bbands:20:2.5").unwrap()[0].columns()[0],
            "bb_upper_20_2.5"
        );
    }

    #[test]
    fn bad_items_say_why() {
        for (bad, why) in [
            ("foo:3", "unknown indicator"),
            ("sma", "needs parameter 1"),
            ("sma:1", "at least 2"),
            ("sma:x", "at least 2"),
            ("trange:3", "takes 0 parameter"),
            ("macd:26:12:9", "must be shorter"),
            ("bbands:20:-1", "positive number"),
            ("", "empty"),
        ] {
            let e = parse_list(bad).unwrap_err().to_string();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }
}
