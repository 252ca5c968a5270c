//! The breakout model: what makes a bar a breakout and how strong it is.
//!
//! For bar `t` (the as-of bar) with lookback `N`:
//! - **breakout level** = highest High of the `N` bars before `t` (Donchian upper, shifted one
//!   bar so the breakout bar does not count itself); a breakout needs `Close[t] > level`;
//! - **volume surge** = `Volume[t]` / mean Volume of the `N` bars before `t`;
//! - **strength** = `(Close[t] - level) / ATR[t-1]`, the distance above the level in units of
//!   the ATR known before the break; **ATR %** = `100 · ATR[t-1] / Close[t]`;
//! - **squeeze** = `1 - p`, where `p` is the percentile rank of the Bollinger bandwidth
//!   `(upper - lower) / middle` on bar `t-1` among the bandwidths of the `squeeze_lookback`
//!   bars ending at `t-1` (1 = the bands were at their narrowest just before the break);
//! - **RSI filter**: `rsi_min <= RSI[t] <= rsi_max`.
//!
//! score = 100 · (w_s·S + w_v·V + w_q·Q) / (w_s + w_v + w_q), with
//! S = 1 − e^(−strength), V = 1 − e^(−(surge − 1)/2) (0 when surge ≤ 1), Q = squeeze,
//! so each component lies in [0, 1] and the score in [0, 100]; a bar that is not a breakout
//! or fails the RSI filter scores 0 (its components are still reported by `--explain`).
//!
//! Only bars up to `t` are read: nothing after the as-of bar can change its score.

use serde::Serialize;

use crate::market::indicators as ind;
use crate::market::Bars;

/// Component weights of the score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Weights {
    pub strength: f64,
    pub volume: f64,
    pub squeeze: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            strength: 0.3,
            volume: 0.5,
            squeeze: 0.2,
        }
    }
}

/// The model's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ModelParams {
    /// Donchian and volume-baseline lookback (bars before the breakout bar).
    pub lookback: usize,
    pub atr_period: usize,
    pub rsi_period: usize,
    pub bb_period: usize,
    pub bb_k: f64,
    /// Bars of bandwidth history the squeeze percentile is taken over.
    pub squeeze_lookback: usize,
    pub rsi_min: f64,
    pub rsi_max: f64,
    pub weights: Weights,
}

impl Default for ModelParams {
    fn default() -> Self {
        Self {
            lookback: 20,
            atr_period: 14,
            rsi_period: 14,
            bb_period: 20,
            bb_k: 2.0,
            squeeze_lookback: 120,
            rsi_min: 50.0,
            rsi_max: 100.0,
            weights: Weights::default(),
        }
    }
}

impl ModelParams {
    /// The first bar that can be scored: every input of the breakdown must be out of warm-up.
    pub fn first_scorable_bar(&self) -> usize {
        let prev_needs = (self.lookback.saturating_sub(1))
            .max(self.atr_period)
            .max(self.bb_period.saturating_sub(1) + self.squeeze_lookback.saturating_sub(1));
        (prev_needs + 1).max(self.rsi_period)
    }
}

/// The score of one bar, part by part.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Breakdown {
    pub close: f64,
    pub breakout_level: f64,
    pub volume_surge: f64,
    pub strength_atr: f64,
    pub atr_pct: f64,
    pub squeeze: f64,
    pub rsi: f64,
    /// Close above the breakout level.
    pub breakout: bool,
    /// RSI within [rsi_min, rsi_max].
    pub rsi_ok: bool,
    pub strength_score: f64,
    pub volume_score: f64,
    pub squeeze_score: f64,
    pub score: f64,
}

/// Bollinger bandwidths `(upper - lower) / middle` of the `squeeze_lookback` bars ending at
/// `t-1` (NaN where the middle band is not positive).
fn bandwidths(close: &[f64], t: usize, p: &ModelParams) -> Vec<f64> {
    let from = t + 1 - p.squeeze_lookback - p.bb_period;
    let x = &close[from..t];
    let len = x.len();
    let (mut upper, mut middle, mut lower) = (vec![0.0; len], vec![0.0; len], vec![0.0; len]);
    ind::bbands_into(
        x,
        p.bb_period,
        p.bb_k,
        p.bb_k,
        &mut upper,
        &mut middle,
        &mut lower,
    );
    let skip = p.bb_period - 1;
    (skip..len)
        .map(|i| {
            if middle[i] > 0.0 {
                (upper[i] - lower[i]) / middle[i]
            } else {
                f64::NAN
            }
        })
        .collect()
}

/// Columns of the breakdown as `--explain` prints them.
pub const BREAKDOWN_COLUMNS: [&str; 13] = [
    "close",
    "breakout_level",
    "volume_surge",
    "strength_atr",
    "atr_pct",
    "squeeze",
    "rsi",
    "breakout",
    "rsi_ok",
    "strength_score",
    "volume_score",
    "squeeze_score",
    "score",
];

impl Breakdown {
    /// A signal: a breakout that passes the RSI filter.
    pub fn is_signal(&self) -> bool {
        self.breakout && self.rsi_ok
    }

    /// Values in [`BREAKDOWN_COLUMNS`] order (booleans as 1/0).
    pub fn values(&self) -> [f64; 13] {
        [
            self.close,
            self.breakout_level,
            self.volume_surge,
            self.strength_atr,
            self.atr_pct,
            self.squeeze,
            self.rsi,
            f64::from(u8::from(self.breakout)),
            f64::from(u8::from(self.rsi_ok)),
            self.strength_score,
            self.volume_score,
            self.squeeze_score,
            self.score,
        ]
    }
}

/// The recursive indicators the model reads (ATR, RSI: they depend on the whole history),
/// computed once per symbol. The windowed inputs (breakout level, volume baseline, bandwidth
/// history) are computed from the bars around `t` by [`ModelSeries::breakdown`], so a scan pays
/// for them once, not for every bar.
pub struct ModelSeries {
    atr: Vec<f64>,
    rsi: Vec<f64>,
}

impl ModelSeries {
    pub fn compute(bars: &Bars, p: &ModelParams) -> Self {
        Self {
            atr: ind::atr(&bars.high, &bars.low, &bars.close, p.atr_period),
            rsi: ind::rsi(&bars.close, p.rsi_period),
        }
    }

    /// The breakdown of bar `t`, or `None` while an input is still warming up.
    pub fn breakdown(&self, bars: &Bars, t: usize, p: &ModelParams) -> Option<Breakdown> {
        if t < p.first_scorable_bar() || t >= bars.len() {
            return None;
        }
        let close = bars.close[t];
        let prior = t - p.lookback..t;
        let level = bars.high[prior.clone()]
            .iter()
            .fold(f64::NEG_INFINITY, |m, &h| if h > m { h } else { m });
        let base_volume = bars.volume[prior].iter().sum::<f64>() / p.lookback as f64;
        let atr = self.atr[t - 1];
        let rsi = self.rsi[t];
        let window = bandwidths(&bars.close, t, p);
        let bw_now = window[window.len() - 1];
        if [atr, rsi, bw_now].iter().any(|v| v.is_nan()) {
            return None;
        }
        let volume_surge = if base_volume > 0.0 {
            bars.volume[t] / base_volume
        } else {
            0.0
        };
        let strength_atr = if atr > 0.0 {
            (close - level) / atr
        } else {
            0.0
        };
        let atr_pct = if close > 0.0 {
            100.0 * atr / close
        } else {
            0.0
        };
        let narrower = window.iter().filter(|&&b| b < bw_now).count();
        let squeeze = if window.len() > 1 {
            1.0 - narrower as f64 / (window.len() - 1) as f64
        } else {
            0.0
        };
        let breakout = close > level;
        let rsi_ok = rsi >= p.rsi_min && rsi <= p.rsi_max;
        let strength_score = if strength_atr > 0.0 {
            1.0 - (-strength_atr).exp()
        } else {
            0.0
        };
        let volume_score = if volume_surge > 1.0 {
            1.0 - (-(volume_surge - 1.0) / 2.0).exp()
        } else {
            0.0
        };
        let squeeze_score = squeeze;
        let w = p.weights;
        let total = w.strength + w.volume + w.squeeze;
        let score = if total > 0.0 && breakout && rsi_ok {
            100.0
                * (w.strength * strength_score
                    + w.volume * volume_score
                    + w.squeeze * squeeze_score)
                / total
        } else {
            0.0
        };
        Some(Breakdown {
            close,
            breakout_level: level,
            volume_surge,
            strength_atr,
            atr_pct,
            squeeze,
            rsi,
            breakout,
            rsi_ok,
            strength_score,
            volume_score,
            squeeze_score,
            score,
        })
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact expectations are the point of these tests
mod tests {
    use super::*;

    /// A quiet drift with a final jump on heavy volume.
    fn series(jump: f64, last_volume: f64) -> Bars {
        let mut b = Bars::with_capacity("X", 200);
        for i in 0..200 {
            let base = 100.0 + (f64::from(i) * 0.7).sin();
            let (c, v) = if i == 199 {
                (base + jump, last_volume)
            } else {
                (base, 1000.0)
            };
            b.push(
                i64::from(i) * 86_400_000,
                base,
                c.max(base) + 0.5,
                base.min(c) - 0.5,
                c,
                v,
            );
        }
        b
    }

    #[test]
    fn a_jump_on_volume_is_a_strong_breakout() {
        let p = ModelParams::default();
        let bars = series(5.0, 5000.0);
        let s = ModelSeries::compute(&bars, &p);
        let b = s.breakdown(&bars, 199, &p).unwrap();
        assert!(b.breakout && b.rsi_ok, "{b:?}");
        assert!((b.volume_surge - 5.0).abs() < 1e-12);
        assert!(b.strength_atr > 1.0, "{b:?}");
        assert!(b.score > 60.0, "{b:?}");
        let weak = series(0.0, 1000.0);
        let s = ModelSeries::compute(&weak, &p);
        let w = s.breakdown(&weak, 199, &p).unwrap();
        assert!(!w.breakout);
        assert!(w.score < b.score);
    }

    #[test]
    fn no_score_during_warm_up() {
        let p = ModelParams::default();
        let bars = series(5.0, 5000.0);
        let s = ModelSeries::compute(&bars, &p);
        let first = p.first_scorable_bar();
        assert!(s.breakdown(&bars, first - 1, &p).is_none());
        assert!(s.breakdown(&bars, first, &p).is_some());
    }

    #[test]
    fn weights_shift_the_score() {
        let bars = series(5.0, 1000.0);
        let mut p = ModelParams::default();
        let s = ModelSeries::compute(&bars, &p);
        let balanced = s.breakdown(&bars, 199, &p).unwrap().score;
        p.weights = Weights {
            strength: 0.0,
            volume: 1.0,
            squeeze: 0.0,
        };
        let volume_only = s.breakdown(&bars, 199, &p).unwrap().score;
        assert_eq!(volume_only, 0.0, "no surge, no volume score");
        assert!(balanced > 0.0);
    }
}
