//! The engine against backtesting.py 0.6.6's reference run and grid (fixtures/backtest/).
#![allow(clippy::unwrap_used, clippy::float_cmp)]

use std::path::PathBuf;

use super::*;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/backtest")
        .join(name)
}

fn goog() -> Bars {
    crate::market::load_file(
        &fixture("GOOG.csv"),
        &mut Vec::new(),
        crate::market::LoadOptions::default(),
    )
    .unwrap()
    .remove(0)
}

fn sma(fast: f64, slow: f64) -> Params {
    let mut p = Params::defaults(strategy::find("sma-cross").unwrap());
    p.values[0] = fast;
    p.values[1] = slow;
    p
}

fn canonical() -> Settings {
    Settings {
        commission: Commission {
            rate: 0.002,
            ..Commission::default()
        },
        ..Settings::default()
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs()
}

#[test]
fn canonical_run_matches_trades_and_equity() {
    let bars = goog();
    let (_, run) = backtest(&bars, &sma(10.0, 20.0), &canonical(), &|| false).unwrap();
    let text = std::fs::read_to_string(fixture("backtesting_py_SmaCross_GOOG_trades.csv")).unwrap();
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(run.trades.len(), rows.len());
    for (t, r) in run.trades.iter().zip(&rows) {
        assert_eq!(t.size, r[0].parse::<f64>().unwrap());
        assert_eq!(t.entry_bar, r[1].parse::<usize>().unwrap());
        assert_eq!(t.exit_bar, r[2].parse::<usize>().unwrap());
        assert_eq!(t.entry_price, r[3].parse::<f64>().unwrap());
        assert_eq!(t.exit_price, r[4].parse::<f64>().unwrap());
        assert!(close(t.pnl, r[7].parse().unwrap()), "{t:?} {r:?}");
        assert!(close(t.commission, r[8].parse().unwrap()));
        assert!(close(t.return_pct, r[9].parse().unwrap()));
    }
    let text = std::fs::read_to_string(fixture("backtesting_py_SmaCross_GOOG_equity.csv")).unwrap();
    let dd = stats::drawdowns(&run.equity);
    let mut n = 0;
    for (i, l) in text.lines().skip(1).enumerate() {
        let f: Vec<&str> = l.split(',').collect();
        assert!(close(run.equity[i], f[1].parse().unwrap()), "bar {i}");
        let want: f64 = f[2].parse().unwrap();
        assert!((dd[i] - want).abs() <= 1e-9 * want.abs() + 1e-15, "bar {i}");
        n += 1;
    }
    assert_eq!(n, bars.len());
}

#[test]
fn canonical_stats_match_field_by_field() {
    let bars = goog();
    let (rep, _) = backtest(&bars, &sma(10.0, 20.0), &canonical(), &|| false).unwrap();
    let text = std::fs::read_to_string(fixture("backtesting_py_SmaCross_GOOG.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let s = &v["stats"];
    let ours = serde_json::to_value(&rep.stats).unwrap();
    let days = |k: &str| s[k]["seconds"].as_f64().unwrap() / 86400.0;
    let pairs: Vec<(&str, f64)> = vec![
        ("duration_days", days("Duration")),
        (
            "exposure_time_pct",
            s["Exposure Time [%]"].as_f64().unwrap(),
        ),
        ("equity_final", s["Equity Final [$]"].as_f64().unwrap()),
        ("equity_peak", s["Equity Peak [$]"].as_f64().unwrap()),
        ("commissions", s["Commissions [$]"].as_f64().unwrap()),
        ("return_pct", s["Return [%]"].as_f64().unwrap()),
        (
            "buy_hold_return_pct",
            s["Buy & Hold Return [%]"].as_f64().unwrap(),
        ),
        ("return_ann_pct", s["Return (Ann.) [%]"].as_f64().unwrap()),
        (
            "volatility_ann_pct",
            s["Volatility (Ann.) [%]"].as_f64().unwrap(),
        ),
        ("cagr_pct", s["CAGR [%]"].as_f64().unwrap()),
        ("sharpe_ratio", s["Sharpe Ratio"].as_f64().unwrap()),
        ("sortino_ratio", s["Sortino Ratio"].as_f64().unwrap()),
        ("calmar_ratio", s["Calmar Ratio"].as_f64().unwrap()),
        ("alpha_pct", s["Alpha [%]"].as_f64().unwrap()),
        ("beta", s["Beta"].as_f64().unwrap()),
        ("max_drawdown_pct", s["Max. Drawdown [%]"].as_f64().unwrap()),
        ("avg_drawdown_pct", s["Avg. Drawdown [%]"].as_f64().unwrap()),
        ("max_drawdown_duration_days", days("Max. Drawdown Duration")),
        ("avg_drawdown_duration_days", days("Avg. Drawdown Duration")),
        ("num_trades", s["# Trades"].as_f64().unwrap()),
        ("win_rate_pct", s["Win Rate [%]"].as_f64().unwrap()),
        ("best_trade_pct", s["Best Trade [%]"].as_f64().unwrap()),
        ("worst_trade_pct", s["Worst Trade [%]"].as_f64().unwrap()),
        ("avg_trade_pct", s["Avg. Trade [%]"].as_f64().unwrap()),
        ("max_trade_duration_days", days("Max. Trade Duration")),
        ("avg_trade_duration_days", days("Avg. Trade Duration")),
        ("profit_factor", s["Profit Factor"].as_f64().unwrap()),
        ("expectancy_pct", s["Expectancy [%]"].as_f64().unwrap()),
        ("sqn", s["SQN"].as_f64().unwrap()),
        ("kelly_criterion", s["Kelly Criterion"].as_f64().unwrap()),
    ];
    let mut bad = Vec::new();
    for (k, want) in pairs {
        let got = ours[k].as_f64().unwrap();
        if !close(got, want) {
            bad.push(format!("{k}: {got} vs {want}"));
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
    assert_eq!(ours["start"], "2004-08-19");
    assert_eq!(ours["end"], "2013-03-01");
}

#[test]
fn grid_matches_all_rows() {
    let bars = goog();
    let text = std::fs::read_to_string(fixture("backtesting_py_SmaCross_GOOG_grid.csv")).unwrap();
    let mut bad = Vec::new();
    let mut rows = 0;
    for l in text.lines().skip(1) {
        let f: Vec<f64> = l
            .split(',')
            .map(|x| x.parse().unwrap_or(f64::NAN))
            .collect();
        let (rep, _) = backtest(&bars, &sma(f[0], f[1]), &canonical(), &|| false).unwrap();
        let s = &rep.stats;
        let got = [
            s.num_trades as f64,
            s.equity_final,
            s.return_pct,
            s.exposure_time_pct,
            s.sharpe_ratio.unwrap_or(f64::NAN),
            s.sortino_ratio.unwrap_or(f64::NAN),
            s.max_drawdown_pct,
            s.win_rate_pct.unwrap_or(f64::NAN),
            s.profit_factor.unwrap_or(f64::NAN),
            s.sqn.unwrap_or(f64::NAN),
        ];
        for (j, (&g, &w)) in got.iter().zip(&f[2..]).enumerate() {
            if !(close(g, w) || (g.is_nan() && w.is_nan())) {
                bad.push(format!("({}, {}) col {j}: {g} vs {w}", f[0], f[1]));
            }
        }
        rows += 1;
    }
    assert_eq!(rows, 1530);
    assert!(
        bad.is_empty(),
        "{} mismatches: {:#?}",
        bad.len(),
        &bad[..bad.len().min(20)]
    );
}
