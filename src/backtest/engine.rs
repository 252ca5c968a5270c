//! The event loop and the broker, with backtesting.py 0.6.6's semantics as the default (see
//! `shared/data/reference/BACKTEST_SEMANTICS.md`): indicators up front, warm-up W, for each bar
//! i > W first the queued orders fill (at Open[i], or at Close[i-1] with trade-on-close), equity
//! is recorded, then the strategy decides on Close[i]. Exclusive orders: a new order first closes
//! the open trade (at the same price), and the new trade is sized with the cash that produced.
//!
//! The arithmetic that decides sizes follows backtesting.py's operation order exactly (its
//! Python float floor division included), so unit counts, and therefore every trade, match.

// Formula and geometry code reads best in the notation of the formulas (n, k, a, b, x, y).
#![allow(clippy::many_single_char_names)]

use serde::Serialize;

use super::strategy::{Kind, ParamError, Params, SeriesCache};
use super::{Commission, Intrabar, Settings, Sizing};
use crate::market::Bars;

/// backtesting.py's default order size: `1 - sys.float_info.epsilon`, "all available margin".
pub const FULL_EQUITY: f64 = 1.0 - f64::EPSILON;

/// How many bars the loop runs between two looks at the deadline.
const POLL_EVERY: usize = 4096;

/// One closed trade, as a row of backtesting.py's trades table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trade {
    /// Signed units: negative for a short.
    pub size: f64,
    pub entry_bar: usize,
    pub exit_bar: usize,
    pub entry_price: f64,
    pub exit_price: f64,
    /// Net of both commissions.
    pub pnl: f64,
    /// Entry plus exit commission.
    pub commission: f64,
    /// As a fraction (backtesting.py's `ReturnPct`), net of commissions.
    pub return_pct: f64,
    /// Why the trade closed: `signal`, `stop-loss`, `take-profit` or `out-of-money`.
    pub exit_reason: ExitReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExitReason {
    Signal,
    StopLoss,
    TakeProfit,
    OutOfMoney,
}

impl ExitReason {
    pub fn name(self) -> &'static str {
        match self {
            Self::Signal => "signal",
            Self::StopLoss => "stop-loss",
            Self::TakeProfit => "take-profit",
            Self::OutOfMoney => "out-of-money",
        }
    }
}

/// What one run produced: closed trades, the equity of every bar, the warm-up.
#[derive(Debug, Clone)]
pub struct Run {
    pub trades: Vec<Trade>,
    pub equity: Vec<f64>,
    pub warmup: usize,
    /// The trade still open at the end (in the equity curve, not in trade statistics).
    pub open_trade: Option<OpenTrade>,
}

/// Why a run did not finish.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RunError {
    #[error("the strategy needs at least {need} bars ({warmup} bars of warm-up, then two to trade on); the data has {have}: use a longer history or shorter periods")]
    TooFewBars {
        need: usize,
        warmup: usize,
        have: usize,
    },
    #[error("stopped: the time allowed for this backtest ran out")]
    Expired,
    /// The parameters break the strategy's own rules (a sweep point found so while it ran).
    #[error(transparent)]
    Invalid(#[from] ParamError),
    /// A rule strategy's conditions cannot be had for these bars (a signal date with no bar).
    #[error(transparent)]
    Rules(#[from] super::rules::MaskError),
    /// Long-only applies to the built-ins' sell signals; a rule strategy is long-only by
    /// having no short entry.
    #[error("long-only is for built-in strategies: an expression strategy or signals file is long-only when it has no short entry")]
    LongOnlyRules,
}

/// The trade open at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct OpenTrade {
    pub size: f64,
    pub entry_bar: usize,
    pub entry_price: f64,
    #[serde(skip)]
    sl: Option<f64>,
    #[serde(skip)]
    tp: Option<f64>,
}

impl Commission {
    /// The commission of one fill of `size` units at `price`: fixed + |size|·price·rate, at
    /// least `min` (backtesting.py's operation order for the first two).
    #[inline]
    pub fn of(&self, size: f64, price: f64) -> f64 {
        let c = self.fixed + size.abs() * price * self.rate;
        if c < self.min {
            self.min
        } else {
            c
        }
    }

    fn is_relative_only(&self) -> bool {
        self.fixed == 0.0 && self.min == 0.0
    }
}

/// Python's float floor division `a // b` (CPython's `float_floor_div`): fmod, then the
/// quotient snapped to the nearest integral value. Differs from `(a / b).floor()` when `a / b`
/// rounds up to a whole number.
pub fn py_floordiv(a: f64, b: f64) -> f64 {
    let m = a % b;
    let mut div = (a - m) / b;
    if m != 0.0 && ((b < 0.0) != (m < 0.0)) {
        div -= 1.0;
    }
    if div == 0.0 {
        return (a / b).signum() * 0.0;
    }
    let mut floordiv = div.floor();
    if div - floordiv > 0.5 {
        floordiv += 1.0;
    }
    floordiv
}

struct Broker<'a> {
    bars: &'a Bars,
    s: &'a Settings,
    cash: f64,
    open: Option<OpenTrade>,
    trades: Vec<Trade>,
    slip: f64,
}

impl Broker<'_> {
    /// The price a market order of direction `dir` gets at `price` (slippage against it).
    #[inline]
    fn slipped(&self, price: f64, dir: f64) -> f64 {
        if self.slip == 0.0 {
            price
        } else {
            price * (1.0 + dir * self.slip)
        }
    }

    fn close(&mut self, exit: f64, bar: usize, reason: ExitReason) {
        let Some(t) = self.open.take() else { return };
        let gross = t.size * (exit - t.entry_price);
        let exit_comm = self.s.commission.of(t.size, exit);
        self.cash += gross - exit_comm;
        let entry_comm = self.s.commission.of(t.size, t.entry_price);
        let commission = exit_comm + entry_comm;
        let pnl = gross - commission;
        let return_pct = t.size.signum() * (exit / t.entry_price - 1.0)
            - commission / (t.size.abs() * t.entry_price);
        self.trades.push(Trade {
            size: t.size,
            entry_bar: t.entry_bar,
            exit_bar: bar,
            entry_price: t.entry_price,
            exit_price: exit,
            pnl,
            commission,
            return_pct,
            exit_reason: reason,
        });
    }

    /// Opens a trade of direction `dir` (±1) filled at `price` (before slippage). Returns false
    /// when the broker cancels it (no unit affordable).
    fn enter(&mut self, dir: f64, price: f64, bar: usize) -> bool {
        let fill = self.slipped(price, dir);
        let avail = self.cash.max(0.0);
        let comm = &self.s.commission;
        let units = match self.s.size {
            Sizing::Fraction { fraction, whole } => {
                if whole && comm.is_relative_only() {
                    // backtesting.py: price + commission(size, price)/|size|, then
                    // (margin_available * leverage * |size|) // that.
                    let per_unit = fill + comm.of(fraction, price) / fraction;
                    let units = py_floordiv(avail * 1.0 * fraction, per_unit);
                    if units * per_unit > avail {
                        return false;
                    }
                    units
                } else {
                    let budget = avail * fraction;
                    let per_unit = fill * (1.0 + comm.rate);
                    let mut units = (budget - comm.fixed).max(0.0) / per_unit;
                    if whole {
                        units = units.floor();
                    }
                    // A minimum commission can make the estimate one unit too many.
                    while units > 0.0 && units * fill + comm.of(units, fill) > budget {
                        units = if whole {
                            units - 1.0
                        } else {
                            units * 0.999_999
                        };
                    }
                    units
                }
            }
            Sizing::Units(u) => {
                if u * fill + comm.of(u, fill) > avail {
                    return false;
                }
                u
            }
        };
        if units <= 0.0 {
            return false;
        }
        self.cash -= comm.of(units, fill);
        let sl = self.s.stop_loss.map(|f| fill * (1.0 - dir * f));
        let tp = self.s.take_profit.map(|f| fill * (1.0 + dir * f));
        self.open = Some(OpenTrade {
            size: dir * units,
            entry_bar: bar,
            entry_price: fill,
            sl,
            tp,
        });
        true
    }

    /// Stop-loss and take-profit of the open trade against bar `i`, in the order `intrabar`
    /// says. SL is a stop order (fills at the worse of open and the level), TP a limit order
    /// (at the better of open and the level).
    fn brackets(&mut self, i: usize) {
        let Some(t) = self.open else { return };
        if t.sl.is_none() && t.tp.is_none() {
            return;
        }
        let (open, high, low) = (self.bars.open[i], self.bars.high[i], self.bars.low[i]);
        let long = t.size > 0.0;
        let sl_hit = t.sl.filter(|&sl| if long { low <= sl } else { high >= sl });
        let tp_hit = t.tp.filter(|&tp| if long { high >= tp } else { low <= tp });
        let sl_first = match (sl_hit, tp_hit) {
            (None, None) => return,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(sl), Some(tp)) => match self.s.intrabar {
                Intrabar::Pessimistic => true,
                Intrabar::Optimistic => false,
                Intrabar::OpenFirst => {
                    let beyond_sl = if long { open <= sl } else { open >= sl };
                    let beyond_tp = if long { open >= tp } else { open <= tp };
                    if beyond_sl || beyond_tp {
                        beyond_sl
                    } else {
                        // The bar went first toward the extreme nearer its open.
                        let to_high = high - open;
                        let to_low = open - low;
                        let high_first = to_high < to_low;
                        // For a long the SL is on the low side; for a short on the high side.
                        if long {
                            !high_first
                        } else {
                            high_first || to_high.total_cmp(&to_low).is_eq()
                        }
                    }
                }
            },
        };
        let dir = -t.size.signum(); // the closing order's direction
        if sl_first {
            let sl = sl_hit.unwrap_or_default();
            let px = if long { open.min(sl) } else { open.max(sl) };
            let px = self.slipped(px, dir);
            self.close(px, i, ExitReason::StopLoss);
        } else {
            let tp = tp_hit.unwrap_or_default();
            let px = if long { open.max(tp) } else { open.min(tp) };
            self.close(px, i, ExitReason::TakeProfit);
        }
    }
}

/// Runs `params` over `bars`. `expired` is polled every few thousand bars; when it says so the
/// run stops with [`RunError::Expired`].
pub fn run(
    bars: &Bars,
    params: &Params,
    settings: &Settings,
    expired: &dyn Fn() -> bool,
) -> Result<Run, RunError> {
    run_cached(bars, params, settings, None, expired)
}

/// [`run`] with the moving averages of a sweep's [`SeriesCache`].
pub fn run_cached(
    bars: &Bars,
    params: &Params,
    settings: &Settings,
    cache: Option<&SeriesCache>,
    expired: &dyn Fn() -> bool,
) -> Result<Run, RunError> {
    if let Kind::Rules(r) = params.def.kind {
        if settings.long_only {
            return Err(RunError::LongOnlyRules);
        }
        let local;
        let cache = if let Some(c) = cache {
            &c.exprs
        } else {
            local = super::expr::Cache::default();
            &local
        };
        let (masks, warmup) = r.masks(bars, &|n| params.value(n), cache)?;
        return run_loop(
            bars,
            Decide::Rules(&masks),
            warmup,
            params,
            settings,
            expired,
        );
    }
    let orders = params.orders_cached(bars, cache);
    run_orders(bars, &orders, params, settings, expired)
}

/// How the strategy decides on each bar.
#[derive(Clone, Copy)]
enum Decide<'a> {
    /// +1 buy, -1 sell, 0 nothing; `level`: not when already positioned that way.
    Orders { orders: &'a [i8], level: bool },
    /// The rule masks of the normative `next()` (see `rules::decide`).
    Rules(&'a [u8]),
}

/// The event loop over precomputed per-bar orders (see [`Params::orders`]).
pub fn run_orders(
    bars: &Bars,
    orders: &[i8],
    params: &Params,
    settings: &Settings,
    expired: &dyn Fn() -> bool,
) -> Result<Run, RunError> {
    let level = params.def.level;
    run_loop(
        bars,
        Decide::Orders { orders, level },
        params.warmup(),
        params,
        settings,
        expired,
    )
}

fn run_loop(
    bars: &Bars,
    decide: Decide<'_>,
    warmup: usize,
    params: &Params,
    settings: &Settings,
    expired: &dyn Fn() -> bool,
) -> Result<Run, RunError> {
    let n = bars.len();
    let min_bars = warmup + 3;
    if n < min_bars {
        return Err(RunError::TooFewBars {
            need: min_bars,
            warmup: warmup + 1,
            have: n,
        });
    }
    if params.hangs() {
        let hour = std::time::Duration::from_secs(3600);
        while !crate::cancel::cancellable_sleep(std::time::Instant::now() + hour, expired) {}
        return Err(RunError::Expired);
    }
    let mut b = Broker {
        bars,
        s: settings,
        cash: settings.cash,
        open: None,
        trades: Vec::with_capacity(64),
        slip: settings.slippage_bps / 10_000.0,
    };
    let mut equity = vec![f64::NAN; n];
    let mut pending_close = false;
    let mut pending_entry: i8 = 0;
    let start = warmup + 1;
    let mut next_poll = start + POLL_EVERY;
    for i in start..n {
        if i == next_poll {
            if expired() {
                return Err(RunError::Expired);
            }
            next_poll += POLL_EVERY;
        }
        // 1. The broker: queued orders fill with this bar's prices.
        let (px, bar) = if settings.trade_on_close {
            (bars.close[i - 1], i - 1)
        } else {
            (bars.open[i], i)
        };
        if pending_close {
            pending_close = false;
            if let Some(t) = b.open {
                let exit = b.slipped(px, -t.size.signum());
                b.close(exit, bar, ExitReason::Signal);
            }
        } else {
            b.brackets(i);
        }
        if pending_entry != 0 {
            let dir = f64::from(pending_entry);
            pending_entry = 0;
            if b.enter(dir, px, bar) {
                // A market order's brackets are already checked against its entry bar.
                b.brackets(i);
            }
        }
        let mut eq = b.cash;
        if let Some(t) = b.open {
            // backtesting.py 0.6.6's `_position_unrealized_pl`, operation for operation:
            // `last_price * size - size * entry_price` (not `size * (price - entry)`: the
            // last bits differ, and an equity exactly at its peak starts a drawdown episode).
            eq += bars.close[i] * t.size - t.size * t.entry_price;
        }
        equity[i] = eq;
        if eq <= 0.0 {
            b.close(bars.close[i], i, ExitReason::OutOfMoney);
            b.cash = 0.0;
            equity[i..].fill(0.0);
            break;
        }
        // 2. The strategy, on this bar's close.
        let side = b.open.map_or(0.0, |t| t.size.signum());
        match decide {
            Decide::Orders { orders, level } => {
                let o = orders[i];
                if o == 0 {
                    continue;
                }
                if level && side.total_cmp(&f64::from(o)).is_eq() {
                    continue; // already positioned that way
                }
                if settings.long_only && o < 0 {
                    pending_close = b.open.is_some(); // position.close()
                    continue;
                }
                pending_close = b.open.is_some();
                pending_entry = o;
            }
            Decide::Rules(masks) => {
                let (close, entry) = super::rules::decide(masks[i], side as i8);
                pending_close = close;
                pending_entry = entry;
            }
        }
    }
    // Bars before the first recorded one hold the first recorded value (pandas bfill).
    let first = equity[start];
    equity[..start].fill(first);
    Ok(Run {
        trades: b.trades,
        equity,
        warmup,
        open_trade: b.open,
    })
}

#[cfg(test)]
#[allow(clippy::float_cmp)]
mod tests {
    use super::*;

    #[test]
    fn floor_division_matches_python() {
        assert_eq!(py_floordiv(7.0, 2.0), 3.0);
        assert_eq!(py_floordiv(-7.0, 2.0), -4.0);
        assert_eq!(py_floordiv(0.0, 2.0), 0.0);
        // 1 // 0.1 is 9.0 in Python (0.1 is slightly above 1/10), while 1/0.1 rounds to 10.
        assert_eq!(py_floordiv(1.0, 0.1), 9.0);
        assert_eq!(py_floordiv(9_999.999_999_999_998, 169.358_04), 59.0);
    }

    use crate::backtest::strategy::{find, Params};
    use crate::backtest::{Intrabar, Settings};

    /// Bars from (open, high, low, close) rows, one day apart.
    fn bars(rows: &[(f64, f64, f64, f64)]) -> Bars {
        let mut b = Bars::with_capacity("T", rows.len());
        for (i, &(o, h, l, c)) in rows.iter().enumerate() {
            b.push(i as i64 * 86_400_000, o, h, l, c, 1.0);
        }
        b
    }

    /// donchian n=1: buy when Close > previous High, sell when Close < previous Low.
    fn donchian1() -> Params {
        let mut p = Params::defaults(find("donchian").unwrap());
        p.values[0] = 1.0;
        p
    }

    fn run_with(rows: &[(f64, f64, f64, f64)], s: &Settings) -> Run {
        run(&bars(rows), &donchian1(), s, &|| false).unwrap()
    }

    #[test]
    fn fills_at_next_open_or_this_close() {
        // Bar 2 closes above bar 1's high: buy, filled at bar 3's open (or bar 2's close).
        let rows = [
            (10.0, 10.5, 9.5, 10.0),
            (10.0, 10.5, 9.5, 10.0),
            (10.0, 11.5, 9.9, 11.0),
            (11.2, 11.8, 11.0, 11.5),
            (11.5, 11.6, 9.0, 9.2), // closes below bar 3's low: reverse to short
            (9.0, 9.5, 8.5, 9.0),
        ];
        let s = Settings::default();
        let r = run_with(&rows, &s);
        let t = &r.trades[0];
        assert_eq!(
            (t.entry_bar, t.entry_price, t.exit_bar, t.exit_price),
            (3, 11.2, 5, 9.0)
        );
        assert_eq!(t.size, (10_000.0f64 / 11.2).floor());
        let r = run_with(
            &rows,
            &Settings {
                trade_on_close: true,
                ..s
            },
        );
        let t = &r.trades[0];
        assert_eq!(
            (t.entry_bar, t.entry_price, t.exit_bar, t.exit_price),
            (2, 11.0, 4, 9.2)
        );
        // The short is still open at the end: in the equity, not a trade.
        assert_eq!(r.trades.len(), 1);
        assert!(r.open_trade.is_some_and(|o| o.size < 0.0));
    }

    #[test]
    fn intrabar_order_decides_when_both_levels_are_inside_one_bar() {
        // Long entered at 100 on bar 3's open; bar 4 spans both SL 95 and TP 105.
        let rows = [
            (100.0, 100.5, 99.5, 100.0),
            (100.0, 100.5, 99.5, 100.0),
            (100.0, 101.0, 99.9, 100.8),
            (100.0, 100.9, 99.6, 100.2),
            (100.5, 106.0, 94.0, 100.0),
            (100.0, 100.5, 99.5, 100.0),
        ];
        let base = Settings {
            stop_loss: Some(0.05),
            take_profit: Some(0.05),
            long_only: true,
            ..Settings::default()
        };
        let exit = |intrabar| {
            let r = run_with(&rows, &Settings { intrabar, ..base });
            let t = &r.trades[0];
            (t.exit_bar, t.exit_price, t.exit_reason)
        };
        assert_eq!(exit(Intrabar::Pessimistic), (4, 95.0, ExitReason::StopLoss));
        assert_eq!(
            exit(Intrabar::Optimistic),
            (4, 105.0, ExitReason::TakeProfit)
        );
        // Open 100.5 is nearer the high (106) than the low (94): the high came first.
        assert_eq!(
            exit(Intrabar::OpenFirst),
            (4, 105.0, ExitReason::TakeProfit)
        );
        // A gap below the stop fills at the open, whatever the order.
        let mut gap = rows;
        gap[4] = (90.0, 106.0, 89.0, 100.0);
        for intrabar in [
            Intrabar::Pessimistic,
            Intrabar::Optimistic,
            Intrabar::OpenFirst,
        ] {
            let r = run_with(&gap, &Settings { intrabar, ..base });
            let t = &r.trades[0];
            let want = if intrabar == Intrabar::Optimistic {
                (105.0, ExitReason::TakeProfit) // optimistic by definition
            } else {
                (90.0, ExitReason::StopLoss)
            };
            assert_eq!((t.exit_price, t.exit_reason), want, "{intrabar:?}");
        }
    }

    #[test]
    fn a_wiped_out_account_stops_at_zero() {
        // Short at 10, then the price explodes: equity <= 0 closes everything at that close.
        let rows = [
            (10.0, 10.5, 9.5, 10.0),
            (10.0, 10.5, 9.5, 10.0),
            (10.0, 10.1, 8.0, 8.5), // close below the previous low: sell
            (10.0, 10.2, 9.9, 10.0),
            (10.0, 30.0, 10.0, 30.0),
            (30.0, 31.0, 29.0, 30.0),
        ];
        let r = run_with(&rows, &Settings::default());
        assert_eq!(r.trades.last().unwrap().exit_reason, ExitReason::OutOfMoney);
        assert_eq!(&r.equity[4..], &[0.0, 0.0]);
    }

    #[test]
    fn too_few_bars_is_an_error_not_a_panic() {
        let p = Params::defaults(find("sma-cross").unwrap());
        let b = bars(&[(1.0, 1.0, 1.0, 1.0); 21]);
        assert_eq!(
            run(&b, &p, &Settings::default(), &|| false).unwrap_err(),
            RunError::TooFewBars {
                need: 22,
                warmup: 20,
                have: 21
            }
        );
    }

    #[test]
    fn commission_parts() {
        let c = Commission {
            rate: 0.001,
            fixed: 1.0,
            min: 2.5,
        };
        assert_eq!(c.of(10.0, 10.0), 2.5);
        assert_eq!(c.of(-1000.0, 10.0), 11.0);
    }
}
