//! Statistics of a run, computed as backtesting.py 0.6.6's `compute_stats` does (see
//! `BACKTEST_SEMANTICS.md`): the same sampling of periodic returns, the same annualisation,
//! drawdown episodes, rounding of durations and empty-denominator rules. Sums use numpy's
//! pairwise summation so that results agree to the last bits in practice. A value that is
//! undefined (backtesting.py's NaN, or an infinity) is `None` and serialises as `null`.

// Formula and geometry code reads best in the notation of the formulas (n, k, a, b, x, y).
#![allow(clippy::many_single_char_names)]

use serde::Serialize;

use super::engine::{Run, Trade};
use crate::market::time::{civil_from_days, day_number, weekday, MS_PER_DAY};
use crate::market::Bars;

/// Every statistic, under backtesting.py's names in snake_case. Durations in days (fractional
/// for intraday data, rounded up to the bar period's unit as backtesting.py rounds them).
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Stats {
    pub start: String,
    pub end: String,
    pub duration_days: f64,
    pub exposure_time_pct: f64,
    pub equity_final: f64,
    pub equity_peak: f64,
    pub commissions: f64,
    pub return_pct: f64,
    pub buy_hold_return_pct: Option<f64>,
    pub return_ann_pct: Option<f64>,
    pub volatility_ann_pct: Option<f64>,
    pub cagr_pct: Option<f64>,
    pub sharpe_ratio: Option<f64>,
    pub sortino_ratio: Option<f64>,
    pub calmar_ratio: Option<f64>,
    pub alpha_pct: Option<f64>,
    pub beta: Option<f64>,
    pub max_drawdown_pct: f64,
    pub avg_drawdown_pct: Option<f64>,
    pub max_drawdown_duration_days: Option<f64>,
    pub avg_drawdown_duration_days: Option<f64>,
    pub num_trades: usize,
    pub win_rate_pct: Option<f64>,
    pub best_trade_pct: Option<f64>,
    pub worst_trade_pct: Option<f64>,
    pub avg_trade_pct: Option<f64>,
    pub max_trade_duration_days: Option<f64>,
    pub avg_trade_duration_days: Option<f64>,
    pub profit_factor: Option<f64>,
    pub expectancy_pct: Option<f64>,
    pub sqn: Option<f64>,
    pub kelly_criterion: Option<f64>,
}

/// The statistic names `--rank-by` accepts, with whether bigger is better.
pub const RANKABLE: &[(&str, bool)] = &[
    ("sharpe_ratio", true),
    ("sortino_ratio", true),
    ("calmar_ratio", true),
    ("return_pct", true),
    ("return_ann_pct", true),
    ("cagr_pct", true),
    ("equity_final", true),
    ("sqn", true),
    ("profit_factor", true),
    ("win_rate_pct", true),
    ("expectancy_pct", true),
    ("avg_trade_pct", true),
    ("kelly_criterion", true),
    ("alpha_pct", true),
    ("max_drawdown_pct", true), // a negative number: closer to 0 is better
    ("avg_drawdown_pct", true),
    ("volatility_ann_pct", false),
    ("max_drawdown_duration_days", false),
    ("exposure_time_pct", true),
    ("num_trades", true),
];

impl Stats {
    /// The value of a rankable statistic by name (`None` when undefined or unknown).
    pub fn get(&self, name: &str) -> Option<f64> {
        Some(match name {
            "sharpe_ratio" => self.sharpe_ratio?,
            "sortino_ratio" => self.sortino_ratio?,
            "calmar_ratio" => self.calmar_ratio?,
            "return_pct" => self.return_pct,
            "return_ann_pct" => self.return_ann_pct?,
            "cagr_pct" => self.cagr_pct?,
            "equity_final" => self.equity_final,
            "sqn" => self.sqn?,
            "profit_factor" => self.profit_factor?,
            "win_rate_pct" => self.win_rate_pct?,
            "expectancy_pct" => self.expectancy_pct?,
            "avg_trade_pct" => self.avg_trade_pct?,
            "kelly_criterion" => self.kelly_criterion?,
            "alpha_pct" => self.alpha_pct?,
            "max_drawdown_pct" => self.max_drawdown_pct,
            "avg_drawdown_pct" => self.avg_drawdown_pct?,
            "volatility_ann_pct" => self.volatility_ann_pct?,
            "max_drawdown_duration_days" => self.max_drawdown_duration_days?,
            "exposure_time_pct" => self.exposure_time_pct,
            "num_trades" => self.num_trades as f64,
            _ => return None,
        })
    }
}

fn fin(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// numpy's pairwise summation (`pairwise_sum` in `loops_utils.h`), as `ndarray.sum` and pandas'
/// `Series.sum`/`mean`/`var` use it for float64.
pub fn np_sum(a: &[f64]) -> f64 {
    np_sum_map(a, a, &|x, _| x)
}

/// [`np_sum`] of `f(a[i], b[i])` without collecting the terms: the same additions in the same
/// order, so the same double as `np_sum` over the collected terms. Uses the first `a.len()`
/// elements of `b`, which must have at least as many.
fn np_sum_map(a: &[f64], b: &[f64], f: &impl Fn(f64, f64) -> f64) -> f64 {
    let n = a.len();
    let b = &b[..n];
    if n < 8 {
        let mut res = 0.0;
        for (&x, &y) in a.iter().zip(b) {
            res += f(x, y);
        }
        res
    } else if n <= 128 {
        // Eight running sums (the first block initialises them), then the tail one by one.
        let m = n - n % 8;
        let mut r = [0.0; 8];
        for (j, v) in r.iter_mut().enumerate() {
            *v = f(a[j], b[j]);
        }
        for (ca, cb) in a[8..m].chunks_exact(8).zip(b[8..m].chunks_exact(8)) {
            for j in 0..8 {
                r[j] += f(ca[j], cb[j]);
            }
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (&x, &y) in a[m..].iter().zip(&b[m..]) {
            res += f(x, y);
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        np_sum_map(&a[..n2], &b[..n2], f) + np_sum_map(&a[n2..], &b[n2..], f)
    }
}

fn mean(a: &[f64]) -> f64 {
    if a.is_empty() {
        f64::NAN
    } else {
        np_sum(a) / a.len() as f64
    }
}

/// pandas' sample variance (ddof = 1): mean first, then the sum of squared deviations.
fn var(a: &[f64]) -> f64 {
    if a.len() < 2 {
        return f64::NAN;
    }
    let m = mean(a);
    np_sum_map(a, a, &|x, _| (m - x) * (m - x)) / (a.len() - 1) as f64
}

/// backtesting.py's `geometric_mean` of defined returns: exp(mean(log(1 + r))) - 1; 0 when
/// any 1 + r <= 0.
fn geometric_mean(returns: &[f64]) -> f64 {
    let mut logs = Vec::with_capacity(returns.len());
    for &r in returns {
        let g = r + 1.0;
        if g <= 0.0 {
            return 0.0;
        }
        logs.push(g.ln());
    }
    if logs.is_empty() {
        return f64::NAN;
    }
    (np_sum(&logs) / logs.len() as f64).exp() - 1.0
}

/// The bar period (median spacing of the last 100 timestamps) in milliseconds.
fn data_period_ms(time: &[i64]) -> f64 {
    let tail = &time[time.len().saturating_sub(100)..];
    let mut d: Vec<i64> = tail.windows(2).map(|w| w[1] - w[0]).collect();
    if d.is_empty() {
        return f64::NAN;
    }
    d.sort_unstable();
    let k = d.len();
    if k % 2 == 1 {
        d[k / 2] as f64
    } else {
        (d[k / 2 - 1] + d[k / 2]) as f64 / 2.0
    }
}

/// The unit durations are rounded up to: the finest non-zero component of the bar period
/// (pandas `Timedelta.resolution_string`), in milliseconds.
fn rounding_unit_ms(period_ms: f64) -> i64 {
    if !period_ms.is_finite() || period_ms <= 0.0 {
        return MS_PER_DAY;
    }
    let p = period_ms.round() as i64;
    for unit in [MS_PER_DAY, 3_600_000, 60_000, 1000] {
        if p % unit == 0 {
            return unit;
        }
    }
    1
}

/// A duration in ms rounded up to `unit`, in days.
fn ceil_days(ms: f64, unit: i64) -> f64 {
    let u = unit as f64;
    (ms / u).ceil() * u / MS_PER_DAY as f64
}

/// What the statistics need from a series that does not depend on the run: computed once per
/// series and shared by every run of a sweep.
#[derive(Debug, Clone)]
pub struct Market {
    /// The unit durations are rounded up to (ms).
    unit: i64,
    /// Periods a year (252, 365, 52, 12 or 1).
    annual: f64,
    /// The last bar of each sampling period (calendar day, week, month or year with bars).
    period_ends: Vec<usize>,
    /// Whether every bar is its own period (then periodic returns are bar returns).
    one_bar_per_period: bool,
    /// Per-bar log returns of Close, their mean and centred values (for beta).
    close_log_centred: Vec<f64>,
    close_log_var_sum: f64,
    start: String,
    end: String,
}

impl Market {
    pub fn new(bars: &Bars) -> Self {
        let time = &bars.time;
        let n = time.len();
        let period = data_period_ms(time);
        let freq_days = if period.is_finite() {
            (period / MS_PER_DAY as f64).floor() as i64
        } else {
            1
        };
        // The last bar of each sampling period, keyed by day number.
        let (period_ends, weekend_bars) = match freq_days {
            7 => sample_periods(time, |days| (days + 3).div_euclid(7)), // weeks ending Sunday
            31 => sample_periods(time, |days| {
                let (y, m, _) = civil_from_days(days);
                y * 12 + i64::from(m)
            }),
            365 => sample_periods(time, |days| civil_from_days(days).0),
            _ => sample_periods(time, |days| days),
        };
        let weekend = weekend_bars as f64 / n.max(1) as f64;
        let annual = match freq_days {
            7 => 52.0,
            31 => 12.0,
            365 => 1.0,
            _ if weekend > 2.0 / 7.0 * 0.6 => 365.0,
            _ => 252.0,
        };
        let one_bar_per_period = period_ends.len() == n;
        // Per-bar log returns of Close, centred on their mean in place.
        let mut close_log_centred: Vec<f64> =
            bars.close.windows(2).map(|w| (w[1] / w[0]).ln()).collect();
        let m = mean(&close_log_centred);
        for b in &mut close_log_centred {
            *b -= m;
        }
        let close_log_var_sum = np_sum_map(&close_log_centred, &close_log_centred, &|x, _| x * x);
        Self {
            unit: rounding_unit_ms(period),
            annual,
            period_ends,
            one_bar_per_period,
            close_log_centred,
            close_log_var_sum,
            start: if n > 0 { bars.date(0) } else { String::new() },
            end: if n > 0 {
                bars.date(n - 1)
            } else {
                String::new()
            },
        }
    }
}

/// The last bar of each run of bars with the same `key(day number)`, and how many bars fall on
/// a Saturday or Sunday (in one pass: this runs for every series a backtest reads).
fn sample_periods(time: &[i64], key: impl Fn(i64) -> i64) -> (Vec<usize>, usize) {
    let mut weekend_bars = 0;
    let mut ends = Vec::with_capacity(time.len());
    let mut prev_key = None;
    for (i, &t) in time.iter().enumerate() {
        let days = day_number(t);
        if weekday(days) >= 5 {
            weekend_bars += 1;
        }
        let k = key(days);
        if prev_key.is_some_and(|p| p != k) {
            ends.push(i - 1);
        }
        prev_key = Some(k);
    }
    if !time.is_empty() {
        ends.push(time.len() - 1);
    }
    (ends, weekend_bars)
}

/// Computes every statistic of `run` over `bars`.
pub fn compute(bars: &Bars, run: &Run) -> Stats {
    compute_in(&Market::new(bars), bars, run)
}

/// [`compute`] with the series' [`Market`] already at hand.
pub fn compute_in(market: &Market, bars: &Bars, run: &Run) -> Stats {
    let time = &bars.time;
    let close = &bars.close;
    let eq = &run.equity;
    let trades: &[Trade] = &run.trades;
    let n = eq.len();
    let w = run.warmup;
    let unit = market.unit;
    let annual = market.annual;

    // Drawdown and its episodes: (p, q) consecutive bars at a peak (dd == 0) or the last bar.
    // The running peak ends as the equity's peak (both skip NaN).
    let mut peak = f64::NEG_INFINITY;
    let mut max_dd = f64::NAN;
    let mut depths = Vec::new();
    let mut dd_durations = Vec::new();
    let mut last_zero: Option<usize> = None;
    let mut depth = f64::NAN;
    for (i, &e) in eq.iter().enumerate() {
        if e > peak {
            peak = e;
        }
        let d = 1.0 - e / peak;
        max_dd = f64::max(max_dd, d);
        depth = f64::max(depth, d);
        if d == 0.0 || i + 1 == n {
            if let Some(p) = last_zero {
                if i > p + 1 {
                    depths.push(depth);
                    dd_durations.push((time[i] - time[p]) as f64);
                }
            }
            last_zero = Some(i);
            depth = d;
        }
    }
    if depths.is_empty() {
        // pandas' fallback when no episode exists: the non-zero drawdowns themselves.
        depths.extend(
            drawdowns(eq)
                .into_iter()
                .filter(|&d| d != 0.0 && !d.is_nan()),
        );
    }
    let max_dd = if max_dd.is_nan() { 0.0 } else { max_dd };
    let equity_peak = peak;

    // Exposure: the bars inside some trade, from the union of the trades' bar ranges.
    let mut spans: Vec<(usize, usize)> = trades
        .iter()
        .map(|t| (t.entry_bar, t.exit_bar.min(n - 1)))
        .filter(|&(a, b)| a <= b)
        .collect();
    spans.sort_unstable();
    let mut exposed = 0usize;
    let mut covered = 0usize; // bars before `covered` are counted
    for (a, b) in spans {
        let from = a.max(covered);
        if b + 1 > from {
            exposed += b + 1 - from;
            covered = b + 1;
        }
    }
    let exposure = exposed as f64 / n as f64 * 100.0;

    let equity_final = eq[n - 1];
    let commissions: Vec<f64> = trades.iter().map(|t| t.commission).collect();
    let return_pct = (eq[n - 1] - eq[0]) / eq[0] * 100.0;
    let buy_hold = (close[n - 1] - close[w]) / close[w] * 100.0;

    // Per-bar log returns of the equity (beta), skipping ln where nothing changed.
    let equity_logs: Vec<f64> = eq
        .windows(2)
        .map(|w| {
            let r = w[1] / w[0];
            if r.total_cmp(&1.0).is_eq() {
                0.0
            } else {
                r.ln()
            }
        })
        .collect();
    let equity_logs_sum = np_sum(&equity_logs);

    // Periodic returns and annualisation. pandas' pct_change then dropna: a 0/0 return (an
    // account at 0 stays at 0) is dropped.
    let mut returns = Vec::with_capacity(market.period_ends.len());
    let mut wiped = false; // some 1 + r <= 0
    let mut push = |a: f64, b: f64| {
        let r = b / a - 1.0;
        if !r.is_nan() {
            wiped |= r + 1.0 <= 0.0;
            returns.push(r);
        }
    };
    if market.one_bar_per_period {
        eq.windows(2).for_each(|w| push(w[0], w[1]));
    } else {
        market
            .period_ends
            .windows(2)
            .for_each(|w| push(eq[w[0]], eq[w[1]]));
    }
    let g = if wiped {
        0.0
    } else if market.one_bar_per_period && returns.len() + 1 == n {
        // The periods are the bars: the logs of their growth are the equity's log returns.
        (equity_logs_sum / returns.len() as f64).exp() - 1.0
    } else {
        geometric_mean(&returns)
    };
    let ann_return = (1.0 + g).powf(annual) - 1.0;
    let s2 = var(&returns);
    let vol = ((s2 + (1.0 + g).powi(2)).powf(annual) - (1.0 + g).powf(2.0 * annual)).sqrt() * 100.0;
    let duration_ms = (time[n - 1] - time[0]) as f64;
    let years = duration_ms / MS_PER_DAY as f64 / 365.25;
    let cagr = if years == 0.0 {
        f64::NAN
    } else {
        ((equity_final / eq[0]).powf(1.0 / years) - 1.0) * 100.0
    };
    let sharpe = ann_return * 100.0 / if vol == 0.0 { f64::NAN } else { vol };
    let downside = if returns.is_empty() {
        f64::NAN
    } else {
        np_sum_map(&returns, &returns, &|r, _| r.min(0.0).powi(2)) / returns.len() as f64
    };
    let sortino = ann_return / (downside.sqrt() * annual.sqrt());
    let calmar = ann_return / if max_dd == 0.0 { f64::NAN } else { max_dd };

    // Alpha and beta from per-bar log returns (numpy's cov).
    let (alpha, beta) = if equity_logs.len() > 1 {
        let me = equity_logs_sum / equity_logs.len() as f64;
        let b = &market.close_log_centred;
        let k = equity_logs.len().min(b.len());
        let cov = np_sum_map(&equity_logs[..k], b, &|x, y| (x - me) * y);
        let beta = cov / market.close_log_var_sum;
        (return_pct - beta * buy_hold, beta)
    } else {
        (f64::NAN, f64::NAN)
    };

    // Trade statistics (closed trades only).
    let pl: Vec<f64> = trades.iter().map(|t| t.pnl).collect();
    let rets: Vec<f64> = trades.iter().map(|t| t.return_pct).collect();
    let nt = trades.len();
    let win_rate = if nt == 0 {
        f64::NAN
    } else {
        pl.iter().filter(|&&p| p > 0.0).count() as f64 / nt as f64
    };
    let best = rets.iter().copied().fold(f64::NAN, f64::max);
    let worst = rets.iter().copied().fold(f64::NAN, f64::min);
    let avg_trade = if nt == 0 {
        f64::NAN
    } else {
        geometric_mean(&rets)
    };
    let durations: Vec<f64> = trades
        .iter()
        .map(|t| (time[t.exit_bar] - time[t.entry_bar]) as f64)
        .collect();
    let pos: Vec<f64> = rets.iter().copied().filter(|&r| r > 0.0).collect();
    let neg: Vec<f64> = rets.iter().copied().filter(|&r| r < 0.0).collect();
    let neg_sum = np_sum(&neg).abs();
    let profit_factor = np_sum(&pos) / if neg_sum == 0.0 { f64::NAN } else { neg_sum };
    let sd = var(&pl).sqrt();
    let sqn = (nt as f64).sqrt() * mean(&pl) / if sd == 0.0 { f64::NAN } else { sd };
    let win_pl: Vec<f64> = pl.iter().copied().filter(|&p| p > 0.0).collect();
    let loss_pl: Vec<f64> = pl.iter().copied().filter(|&p| p < 0.0).collect();
    let kelly = win_rate - (1.0 - win_rate) / (mean(&win_pl) / -mean(&loss_pl));

    let max_of = |v: &[f64]| v.iter().copied().fold(f64::NAN, f64::max);
    let mean_dur = |v: &[f64]| {
        if v.is_empty() {
            f64::NAN
        } else {
            // pandas averages Timedeltas in integer nanoseconds.
            let ns: i128 = v.iter().map(|&ms| ms as i128 * 1_000_000).sum();
            (ns / v.len() as i128) as f64 / 1e6
        }
    };
    Stats {
        start: market.start.clone(),
        end: market.end.clone(),
        duration_days: duration_ms / MS_PER_DAY as f64,
        exposure_time_pct: exposure,
        equity_final,
        equity_peak,
        commissions: np_sum(&commissions),
        return_pct,
        buy_hold_return_pct: fin(buy_hold),
        return_ann_pct: fin(ann_return * 100.0),
        volatility_ann_pct: fin(vol),
        cagr_pct: fin(cagr),
        sharpe_ratio: fin(sharpe),
        sortino_ratio: fin(sortino),
        calmar_ratio: fin(calmar),
        alpha_pct: fin(alpha),
        beta: fin(beta),
        max_drawdown_pct: -max_dd * 100.0,
        avg_drawdown_pct: fin(-mean(&depths) * 100.0),
        max_drawdown_duration_days: fin(ceil_days(max_of(&dd_durations), unit)),
        avg_drawdown_duration_days: fin(ceil_days(mean_dur(&dd_durations), unit)),
        num_trades: nt,
        win_rate_pct: fin(win_rate * 100.0),
        best_trade_pct: fin(best * 100.0),
        worst_trade_pct: fin(worst * 100.0),
        avg_trade_pct: fin(avg_trade * 100.0),
        max_trade_duration_days: fin(ceil_days(max_of(&durations), unit)),
        avg_trade_duration_days: fin(ceil_days(mean_dur(&durations), unit)),
        profit_factor: fin(profit_factor),
        expectancy_pct: fin(mean(&rets) * 100.0),
        sqn: fin(sqn),
        kelly_criterion: fin(kelly),
    }
}

/// The drawdown of every bar as a fraction (backtesting.py's `DrawdownPct`).
pub fn drawdowns(equity: &[f64]) -> Vec<f64> {
    let mut peak = f64::NEG_INFINITY;
    equity
        .iter()
        .map(|&e| {
            if e > peak {
                peak = e;
            }
            1.0 - e / peak
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::float_cmp)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_sum_shapes() {
        let v: Vec<f64> = (1..=300).map(f64::from).collect();
        assert_eq!(np_sum(&v), 45150.0);
        assert_eq!(np_sum(&v[..5]), 15.0);
        assert_eq!(np_sum(&[]), 0.0);
    }

    /// numpy's `pairwise_sum` transcribed line by line from `loops_utils.h.src`.
    fn numpy_pairwise(a: &[f64]) -> f64 {
        let n = a.len();
        if n < 8 {
            let mut res = 0.0;
            for &v in a {
                res += v;
            }
            res
        } else if n <= 128 {
            let mut r = [0.0; 8];
            r.copy_from_slice(&a[..8]);
            let mut i = 8;
            while i < n - (n % 8) {
                for j in 0..8 {
                    r[j] += a[i + j];
                }
                i += 8;
            }
            let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            while i < n {
                res += a[i];
                i += 1;
            }
            res
        } else {
            let mut n2 = n / 2;
            n2 -= n2 % 8;
            numpy_pairwise(&a[..n2]) + numpy_pairwise(&a[n2..])
        }
    }

    #[test]
    fn sums_are_numpys_pairwise_sums() {
        let a: Vec<f64> = (0..2000)
            .map(|i| (f64::from(i) * 0.731).sin() * 10f64.powi(i % 9))
            .collect();
        for n in [
            0, 1, 7, 8, 9, 15, 16, 127, 128, 129, 255, 256, 257, 1000, 1999, 2000,
        ] {
            assert_eq!(
                np_sum(&a[..n]).to_bits(),
                numpy_pairwise(&a[..n]).to_bits(),
                "n = {n}"
            );
        }
    }

    #[test]
    fn mapped_sums_equal_sums_of_the_collected_terms() {
        let a: Vec<f64> = (0..700)
            .map(|i| (f64::from(i) * 0.37).sin() * 1e3)
            .collect();
        let b: Vec<f64> = (0..700).map(|i| (f64::from(i) * 0.11).cos()).collect();
        for n in [0, 1, 7, 8, 9, 127, 128, 129, 255, 256, 300, 699, 700] {
            let f = |x: f64, y: f64| (x - 3.5) * y;
            let terms: Vec<f64> = a[..n].iter().zip(&b).map(|(&x, &y)| f(x, y)).collect();
            assert_eq!(
                np_sum_map(&a[..n], &b, &f).to_bits(),
                np_sum(&terms).to_bits()
            );
        }
        // The first block initialises the running sums, so a sum of -0.0 stays -0.0 as in numpy.
        assert!(np_sum(&[-0.0; 16]).is_sign_negative());
    }

    #[test]
    fn geometric_mean_of_returns() {
        let g = geometric_mean(&[0.1, 0.1]);
        assert!((g - 0.1).abs() < 1e-15);
        assert_eq!(geometric_mean(&[-1.5, 0.1]), 0.0);
    }

    #[test]
    fn durations_round_up_to_the_period_unit() {
        assert_eq!(rounding_unit_ms(86_400_000.0), MS_PER_DAY);
        assert_eq!(rounding_unit_ms(3_600_000.0), 3_600_000);
        assert_eq!(ceil_days(1.5 * 86_400_000.0, MS_PER_DAY), 2.0);
        assert_eq!(ceil_days(5_400_000.0, 3_600_000), 2.0 / 24.0);
    }
}
