//! Acceptance of expression strategies: each built-in written as an expression gives the
//! built-in's run on GOOG, over the whole 1,530-point sma-cross reference grid too, except
//! where a cross repeats in the same direction (a tie between the averages): there the
//! expression holds the position, as backtesting.py running the normative `next()` does
//! (fixtures/backtest/backtesting_py_expr_tie_5_25.json).
#![allow(clippy::unwrap_used, clippy::float_cmp)]

use super::expr::Program;
use super::rules::{self, Source};
use super::strategy::{find, Params, StrategyDef};
use super::test_data::goog;
use super::*;

fn commission() -> Settings {
    Settings {
        commission: Commission {
            rate: 0.002,
            ..Commission::default()
        },
        ..Settings::default()
    }
}

/// The expression form of a built-in (benches/backtest_expr_oracle.py's
/// BUILTIN_EXPRESSIONS); long-only turns the sell condition into the exit.
fn expression_of(name: &str, long_only: bool) -> &'static StrategyDef {
    let (entry, sell) = match name {
        "sma-cross" => (
            "crosses_above(sma(close, $fast), sma(close, $slow))",
            "crosses_below(sma(close, $fast), sma(close, $slow))",
        ),
        "ema-cross" => (
            "crosses_above(ema(close, $fast), ema(close, $slow))",
            "crosses_below(ema(close, $fast), ema(close, $slow))",
        ),
        "rsi" => ("rsi(close, $n) < $lower", "rsi(close, $n) > $upper"),
        "macd" => (
            "crosses_above(macd(close, $fast, $slow, $signal).line, macd(close, $fast, $slow, $signal).signal)",
            "crosses_below(macd(close, $fast, $slow, $signal).line, macd(close, $fast, $slow, $signal).signal)",
        ),
        "bbands" => (
            "close < bbands(close, $n, $k).lower",
            "close > bbands(close, $n, $k).upper",
        ),
        "donchian" => (
            "close > shift(highest(high, $n), 1)",
            "close < shift(lowest(low, $n), 1)",
        ),
        "momentum" => ("roc(close, $n) > $threshold", "roc(close, $n) < -$threshold"),
        _ => unreachable!("{name}"),
    };
    let texts = if long_only {
        [Some(entry), Some(sell), None, None]
    } else {
        [Some(entry), None, Some(sell), None]
    };
    rules::define(
        name,
        Source::Expr(Box::new(Program::compile(texts).unwrap())),
    )
    .unwrap()
}

/// The built-in's parameter values on the expression strategy.
fn same_values(builtin: &Params, def: &'static StrategyDef) -> Params {
    let mut p = Params::defaults(def);
    for (name, v) in builtin.pairs() {
        if let Some(i) = p.index(name) {
            p.values[i] = v;
        }
    }
    p.validate().unwrap();
    p
}

fn json(r: &SingleReport) -> serde_json::Value {
    serde_json::to_value(&r.stats).unwrap()
}

/// A built-in, its parameter values, and whether long-only.
type Case<'a> = (&'a str, &'a [(&'a str, f64)], bool);

#[test]
fn every_builtin_as_an_expression_gives_the_builtins_run() {
    let bars = goog();
    let cases: &[Case] = &[
        ("sma-cross", &[("fast", 10.0), ("slow", 20.0)], false),
        ("ema-cross", &[("fast", 12.0), ("slow", 26.0)], false),
        (
            "rsi",
            &[("n", 14.0), ("lower", 30.0), ("upper", 70.0)],
            false,
        ),
        (
            "macd",
            &[("fast", 12.0), ("slow", 26.0), ("signal", 9.0)],
            false,
        ),
        ("bbands", &[("n", 20.0), ("k", 2.0)], false),
        ("donchian", &[("n", 20.0)], false),
        ("momentum", &[("n", 20.0), ("threshold", 0.0)], false),
        ("sma-cross", &[("fast", 10.0), ("slow", 20.0)], true),
        (
            "rsi",
            &[("n", 10.0), ("lower", 35.0), ("upper", 65.0)],
            true,
        ),
    ];
    for &(name, values, long_only) in cases {
        let mut builtin = Params::defaults(find(name).unwrap());
        for &(k, v) in values {
            builtin.values[builtin.index(k).unwrap()] = v;
        }
        let settings = Settings {
            long_only,
            ..commission()
        };
        let (b_rep, b_run) = backtest(&bars, &builtin, &settings, &|| false).unwrap();
        let expr = same_values(&builtin, expression_of(name, long_only));
        let (e_rep, e_run) = backtest(&bars, &expr, &commission(), &|| false).unwrap();
        assert!(!b_run.trades.is_empty(), "{name}: no trade to compare");
        assert_eq!(e_run.trades, b_run.trades, "{name} long-only={long_only}");
        assert_eq!(e_run.equity, b_run.equity, "{name}");
        assert_eq!(e_run.warmup, b_run.warmup, "{name}");
        assert_eq!(json(&e_rep), json(&b_rep), "{name}");
    }
}

/// Grid points where the two averages cross twice in a row in the same direction (an exact
/// tie in between: no opposite cross), while the built-in's position is that direction.
fn repeated_crosses(bars: &Bars, fast: usize, slow: usize) -> bool {
    let a = crate::market::signals::rolling_mean(&bars.close, fast);
    let b = crate::market::signals::rolling_mean(&bars.close, slow);
    let mut marks = vec![0i8; bars.len()];
    crate::market::signals::mark_crossings(&a, &b, fast.max(slow), &mut marks);
    let crosses: Vec<i8> = marks.into_iter().filter(|&m| m != 0).collect();
    crosses.windows(2).any(|w| w[0] == w[1])
}

#[test]
fn the_sma_cross_grid_as_an_expression_equals_the_builtin_but_at_ties() {
    let bars = goog();
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/backtest/backtesting_py_SmaCross_GOOG_grid.csv"),
    )
    .unwrap();
    let def = expression_of("sma-cross", false);
    let prep = Prepared::new(&bars);
    let mut differ = Vec::new();
    let mut ties = Vec::new();
    let mut points = 0;
    for l in text.lines().skip(1) {
        let f: Vec<f64> = l.split(',').take(2).map(|x| x.parse().unwrap()).collect();
        let mut builtin = Params::defaults(find("sma-cross").unwrap());
        builtin.values[..2].copy_from_slice(&f);
        let expr = same_values(&builtin, def);
        let (b_rep, b_run) = backtest_in(&prep, &bars, &builtin, &commission(), &|| false).unwrap();
        let (e_rep, e_run) = backtest_in(&prep, &bars, &expr, &commission(), &|| false).unwrap();
        let key = (f[0] as usize, f[1] as usize);
        if repeated_crosses(&bars, key.0, key.1) {
            ties.push(key);
        }
        if e_run.trades != b_run.trades
            || e_run.equity != b_run.equity
            || json(&e_rep) != json(&b_rep)
        {
            differ.push(key);
        }
        points += 1;
    }
    assert_eq!(points, 1530);
    assert!(
        !differ.is_empty() && differ.iter().all(|k| ties.contains(k)),
        "differ {differ:?}, ties {ties:?}"
    );

    // At each tie point that differs, the expression equals backtesting.py running the
    // normative next() (the oracle's run at (5, 25)).
    let oracle: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/backtest/backtesting_py_expr_tie_5_25.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        differ,
        vec![(5, 25)],
        "the one tie point of the reference grid"
    );
    let mut p = Params::defaults(def);
    p.values[p.index("fast").unwrap()] = 5.0;
    p.values[p.index("slow").unwrap()] = 25.0;
    let (rep, run) = backtest(&bars, &p, &commission(), &|| false).unwrap();
    let want = oracle["trades"].as_array().unwrap();
    assert_eq!(run.trades.len(), want.len());
    assert_ne!(
        run.trades.len() as u64,
        oracle["builtin_trades_count"].as_u64().unwrap()
    );
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1e-300);
    for (t, w) in run.trades.iter().zip(want) {
        assert_eq!(t.size, w["size"].as_f64().unwrap());
        assert_eq!(t.entry_bar as u64, w["entry_bar"].as_u64().unwrap());
        assert_eq!(t.exit_bar as u64, w["exit_bar"].as_u64().unwrap());
        assert_eq!(t.entry_price, w["entry_price"].as_f64().unwrap());
        assert_eq!(t.exit_price, w["exit_price"].as_f64().unwrap());
        assert!(close(t.pnl, w["pnl"].as_f64().unwrap()), "{t:?}");
    }
    let ours = json(&rep);
    for (k, v) in oracle["stats"].as_object().unwrap() {
        match (ours[k].as_f64(), v.as_f64()) {
            (Some(a), Some(b)) => assert!(close(a, b), "{k}: {a} vs {b}"),
            _ => assert_eq!(&ours[k], v, "{k}"),
        }
    }
}
