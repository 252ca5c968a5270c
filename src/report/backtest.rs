//! Rendering of `backtest` reports: the stats of one run, a sweep's or universe's ranking and a
//! walk-forward's windows as sections (table/markdown; JSON comes from `Serialize`), the trades
//! and equity CSV files, the two-parameter heatmap SVG and the self-contained HTML report.

// Formula and geometry code reads best in the notation of the formulas (n, k, a, b, x, y).
#![allow(clippy::many_single_char_names)]

use std::fmt::Write as _;

use super::xml::escape as esc;
use super::{Cell, Report, Section};
use crate::backtest::engine::Trade;
use crate::backtest::heatmap::Heatmap;
use crate::backtest::results::{PointResult, Status, SweepReport};
use crate::backtest::stats::{drawdowns, Stats};
use crate::backtest::walk::WalkReport;
use crate::backtest::{Run, SingleReport};
use crate::market::Bars;
use crate::output::Tone;

fn num(v: Option<f64>, decimals: usize) -> String {
    match v {
        Some(v) if v.is_finite() => format!("{v:.decimals$}"),
        _ => "n/a".to_string(),
    }
}

fn days(v: Option<f64>) -> String {
    match v {
        Some(d) if d.fract() == 0.0 => format!("{d:.0} days"),
        Some(d) => format!("{d:.2} days"),
        None => "n/a".to_string(),
    }
}

fn signed(v: Option<f64>, decimals: usize) -> Cell {
    let text = num(v, decimals);
    match v {
        Some(x) if x > 0.0 => Cell::toned(text, Tone::Good),
        Some(x) if x < 0.0 => Cell::toned(text, Tone::Error),
        _ => Cell::new(text),
    }
}

/// Every statistic as (backtesting.py's label, value).
pub fn stat_pairs(s: &Stats) -> Vec<(String, Cell)> {
    let p = |k: &str, c: Cell| (k.to_string(), c);
    let n = |k: &str, v: Option<f64>, d: usize| (k.to_string(), Cell::new(num(v, d)));
    vec![
        p("Start", Cell::new(&*s.start)),
        p("End", Cell::new(&*s.end)),
        p("Duration", Cell::new(days(Some(s.duration_days)))),
        n("Exposure Time [%]", Some(s.exposure_time_pct), 2),
        n("Equity Final [$]", Some(s.equity_final), 2),
        n("Equity Peak [$]", Some(s.equity_peak), 2),
        n("Commissions [$]", Some(s.commissions), 2),
        p("Return [%]", signed(Some(s.return_pct), 2)),
        n("Buy & Hold Return [%]", s.buy_hold_return_pct, 2),
        n("Return (Ann.) [%]", s.return_ann_pct, 2),
        n("Volatility (Ann.) [%]", s.volatility_ann_pct, 2),
        n("CAGR [%]", s.cagr_pct, 2),
        p("Sharpe Ratio", signed(s.sharpe_ratio, 3)),
        n("Sortino Ratio", s.sortino_ratio, 3),
        n("Calmar Ratio", s.calmar_ratio, 3),
        n("Alpha [%]", s.alpha_pct, 2),
        n("Beta", s.beta, 4),
        n("Max. Drawdown [%]", Some(s.max_drawdown_pct), 2),
        n("Avg. Drawdown [%]", s.avg_drawdown_pct, 2),
        p(
            "Max. Drawdown Duration",
            Cell::new(days(s.max_drawdown_duration_days)),
        ),
        p(
            "Avg. Drawdown Duration",
            Cell::new(days(s.avg_drawdown_duration_days)),
        ),
        p("# Trades", Cell::new(s.num_trades.to_string())),
        n("Win Rate [%]", s.win_rate_pct, 2),
        n("Best Trade [%]", s.best_trade_pct, 2),
        n("Worst Trade [%]", s.worst_trade_pct, 2),
        n("Avg. Trade [%]", s.avg_trade_pct, 2),
        p(
            "Max. Trade Duration",
            Cell::new(days(s.max_trade_duration_days)),
        ),
        p(
            "Avg. Trade Duration",
            Cell::new(days(s.avg_trade_duration_days)),
        ),
        n("Profit Factor", s.profit_factor, 3),
        n("Expectancy [%]", s.expectancy_pct, 2),
        n("SQN", s.sqn, 3),
        n("Kelly Criterion", s.kelly_criterion, 4),
    ]
}

fn params_text(v: &serde_json::Value) -> String {
    match v.as_object() {
        Some(m) => m
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" "),
        None => String::new(),
    }
}

impl Report for SingleReport {
    fn sections(&self) -> Vec<Section> {
        let params = params_text(&serde_json::to_value(&self.params).unwrap_or_default());
        let mut out = vec![Section::Pairs {
            title: Some(format!(
                "{} {params} on {} ({} bars)",
                self.strategy, self.symbol, self.bars
            )),
            pairs: stat_pairs(&self.stats),
        }];
        if let Some(t) = &self.open_trade {
            out.push(Section::Text {
                title: None,
                body: format!(
                    "A trade of {} units opened at bar {} ({}) is still open: it is in the equity, not in the trade statistics.",
                    t.size, t.entry_bar, t.entry_price
                ),
                tone: Tone::Dim,
            });
        }
        out
    }
}

/// The columns a ranking shows.
const RANK_COLUMNS: &[(&str, &str)] = &[
    ("return_pct", "Return %"),
    ("sharpe_ratio", "Sharpe"),
    ("sortino_ratio", "Sortino"),
    ("max_drawdown_pct", "Max DD %"),
    ("num_trades", "Trades"),
    ("win_rate_pct", "Win %"),
    ("sqn", "SQN"),
];

fn rank_rows(results: &[PointResult], rank_by: &str, with_symbol: bool) -> Section {
    let mut headers = vec!["#".to_string()];
    if with_symbol {
        headers.push("Symbol".to_string());
    }
    headers.push("Params".to_string());
    headers.push("Status".to_string());
    let extra = !RANK_COLUMNS.iter().any(|(k, _)| *k == rank_by);
    if extra {
        headers.push(rank_by.to_string());
    }
    headers.extend(RANK_COLUMNS.iter().map(|(_, h)| (*h).to_string()));
    let rows = results
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut row = vec![Cell::new((i + 1).to_string())];
            if with_symbol {
                row.push(Cell::new(r.symbol.clone().unwrap_or_default()));
            }
            row.push(Cell::new(params_text(&r.params)));
            row.push(match r.status {
                Status::Ok => Cell::toned("ok", Tone::Good),
                Status::TimedOut => Cell::toned("timed-out", Tone::Warning),
                Status::Error => Cell::toned(
                    format!("error: {}", r.error.as_deref().unwrap_or("")),
                    Tone::Error,
                ),
            });
            let get = |k: &str| r.stats.as_ref().and_then(|s| s.get(k));
            if extra {
                row.push(Cell::new(num(get(rank_by), 3)));
            }
            for (k, _) in RANK_COLUMNS {
                let d = if *k == "num_trades" { 0 } else { 3 };
                row.push(Cell::new(num(get(k), d)));
            }
            row
        })
        .collect();
    Section::Table {
        title: None,
        headers,
        rows,
    }
}

impl Report for SweepReport {
    fn sections(&self) -> Vec<Section> {
        let s = &self.summary;
        let shard = self
            .shard
            .as_ref()
            .map(|k| format!(", shard {k}"))
            .unwrap_or_default();
        let what = if self.kind == "universe" {
            "symbols"
        } else {
            "combinations"
        };
        let counts = format!(
            "{} run: {} ok, {} timed out, {} errors",
            s.runs, s.ok, s.timed_out, s.errors
        );
        let mut head = if s.interrupted && self.kind != "universe" {
            // How many points satisfy the constraints is not known before the walk ends.
            format!(
                "{} over {}: interrupted{shard}, {counts}; {} of the grid's {} points not reached",
                self.strategy, self.data, s.not_started, s.grid_points
            )
        } else {
            format!(
                "{} over {}: {} {what}{shard}, {counts}",
                self.strategy, self.data, s.combinations
            )
        };
        if s.interrupted && self.kind == "universe" {
            let _ = write!(head, ", {} not finished (interrupted)", s.not_started);
        }
        if !self.partial.is_empty() {
            let _ = write!(head, "; partial: {}", self.partial.join(", "));
        }
        let top = if self.top == 0 {
            "all".to_string()
        } else {
            format!("top {}", self.top)
        };
        vec![
            Section::Text {
                title: None,
                body: format!("{head}; {top} by {}", self.rank_by),
                tone: Tone::Bold,
            },
            rank_rows(&self.results, &self.rank_by, self.kind == "universe"),
        ]
    }
}

impl Report for WalkReport {
    fn sections(&self) -> Vec<Section> {
        let rows = self
            .windows
            .iter()
            .enumerate()
            .map(|(i, w)| {
                vec![
                    Cell::new((i + 1).to_string()),
                    Cell::new(format!("{} .. {}", w.train_start, w.train_end)),
                    Cell::new(format!("{} .. {}", w.test_start, w.test_end)),
                    Cell::new(
                        w.params
                            .as_ref()
                            .map(|p| params_text(&serde_json::to_value(p).unwrap_or_default()))
                            .or_else(|| w.error.clone())
                            .unwrap_or_default(),
                    ),
                    Cell::new(num(w.in_sample, 3)),
                    signed(w.out_of_sample, 3),
                    Cell::new(num(w.oos_stats.as_ref().map(|s| s.return_pct), 2)),
                ]
            })
            .collect();
        let mut out = vec![Section::Table {
            title: Some(format!(
                "Walk-forward {} on {}: train {} bars, test {}, step {}",
                self.strategy, self.symbol, self.spec.train, self.spec.test, self.spec.step
            )),
            headers: [
                "#",
                "In-sample",
                "Out-of-sample",
                "Best params",
                &format!("IS {}", self.rank_by),
                &format!("OOS {}", self.rank_by),
                "OOS return %",
            ]
            .iter()
            .map(|s| (*s).to_string())
            .collect(),
            rows,
        }];
        out.push(Section::Pairs {
            title: Some("In-sample vs out-of-sample".to_string()),
            pairs: vec![
                (
                    format!("mean IS {}", self.rank_by),
                    Cell::new(num(self.in_sample_mean, 3)),
                ),
                (
                    format!("mean OOS {}", self.rank_by),
                    Cell::new(num(self.out_of_sample_mean, 3)),
                ),
                (
                    "IS/OOS ratio".to_string(),
                    Cell::new(num(self.is_oos_ratio, 2)),
                ),
            ],
        });
        if let Some(s) = &self.oos {
            out.push(Section::Pairs {
                title: Some("Stitched out-of-sample run".to_string()),
                pairs: stat_pairs(s),
            });
        }
        out
    }
}

/// The title of one run's HTML report: `sma-cross fast=10 slow=20 on GOOG`.
pub fn run_title(r: &SingleReport) -> String {
    format!("{} on {}", r.params.0, r.symbol)
}

/// The title of a walk-forward's HTML report (its stitched out-of-sample run).
pub fn walk_title(r: &WalkReport) -> String {
    format!(
        "walk-forward {} on {} (stitched out-of-sample)",
        r.strategy, r.symbol
    )
}

/// The title of a sweep's heatmap: `sma-cross sharpe_ratio on GOOG`.
pub fn heatmap_title(r: &SweepReport) -> String {
    format!("{} {} on {}", r.strategy, r.rank_by, r.data)
}

/// `--trades FILE.csv`: one row per closed trade.
pub fn trades_csv(bars: &Bars, trades: &[Trade]) -> String {
    let mut out = String::from(
        "size,entry_bar,exit_bar,entry_price,exit_price,pnl,commission,return_pct,entry_time,exit_time\n",
    );
    for t in trades {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{}",
            t.size,
            t.entry_bar,
            t.exit_bar,
            t.entry_price,
            t.exit_price,
            t.pnl,
            t.commission,
            t.return_pct,
            bars.date(t.entry_bar),
            bars.date(t.exit_bar)
        );
    }
    out
}

/// `--equity FILE.csv`: equity and drawdown (a fraction, as backtesting.py's `DrawdownPct`)
/// of every bar.
pub fn equity_csv(bars: &Bars, run: &Run) -> String {
    let dd = drawdowns(&run.equity);
    let mut out = String::from("date,equity,drawdown_pct\n");
    for (i, e) in run.equity.iter().enumerate() {
        let _ = writeln!(out, "{},{},{}", bars.date(i), e, dd[i]);
    }
    out
}

/// Colour of a value in `[lo, hi]`: red (worst) through pale yellow to green (best).
fn heat_colour(t: f64) -> String {
    let t = t.clamp(0.0, 1.0);
    let (r, g, b) = if t < 0.5 {
        let u = t / 0.5;
        (
            215.0 + (255.0 - 215.0) * u,
            48.0 + (255.0 - 48.0) * u,
            39.0 + (191.0 - 39.0) * u,
        )
    } else {
        let u = (t - 0.5) / 0.5;
        (
            255.0 - (255.0 - 26.0) * u,
            255.0 - (255.0 - 152.0) * u,
            191.0 - (191.0 - 80.0) * u,
        )
    };
    format!("#{:02x}{:02x}{:02x}", r as u8, g as u8, b as u8)
}

/// `--heatmap FILE.svg`: the ranking statistic over a two-parameter grid (`values[y][x]`, NaN
/// for a cell not run, excluded by a constraint or undefined; a cell of a large grid holds the
/// best of a range of values, and its label says which).
pub fn heatmap_svg(title: &str, map: &Heatmap) -> String {
    let (x_name, xs, y_name, ys) = (map.x_name, &map.x_labels, map.y_name, &map.y_labels);
    let (values, higher_is_better) = (&map.values, map.higher_is_better);
    let (left, top, right, bottom) = (70.0, 50.0, 110.0, 60.0);
    let cw = (640.0 / xs.len() as f64).clamp(2.0, 40.0);
    let ch = (480.0 / ys.len() as f64).clamp(2.0, 40.0);
    let w = left + cw * xs.len() as f64 + right;
    let h = top + ch * ys.len() as f64 + bottom;
    let finite = values.iter().flatten().copied().filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    let span = if hi > lo { hi - lo } else { 1.0 };
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.0} {h:.0}" font-family="sans-serif" font-size="11">"#
    );
    let _ = write!(
        s,
        r#"<rect width="100%" height="100%" fill="white"/><text x="{left}" y="24" font-size="14" font-weight="bold">{}</text>"#,
        esc(title)
    );
    for (yi, row) in values.iter().enumerate() {
        for (xi, &v) in row.iter().enumerate() {
            let x = left + xi as f64 * cw;
            let y = top + yi as f64 * ch;
            let fill = if v.is_finite() {
                let t = (v - lo) / span;
                heat_colour(if higher_is_better { t } else { 1.0 - t })
            } else {
                "#eeeeee".to_string()
            };
            let label = if v.is_finite() {
                format!("{v:.4}")
            } else {
                "n/a".to_string()
            };
            let _ = write!(
                s,
                r#"<rect x="{x:.2}" y="{y:.2}" width="{cw:.2}" height="{ch:.2}" fill="{fill}"><title>{x_name}={} {y_name}={}: {label}</title></rect>"#,
                xs[xi], ys[yi],
            );
        }
    }
    // Axis labels: at most ~12 ticks per axis.
    let every = |n: usize| n.div_ceil(12).max(1);
    for (xi, xv) in xs.iter().enumerate().step_by(every(xs.len())) {
        let x = left + (xi as f64 + 0.5) * cw;
        let _ = write!(
            s,
            r#"<text x="{x:.2}" y="{:.2}" text-anchor="middle">{}</text>"#,
            top + ch * ys.len() as f64 + 14.0,
            esc(xv)
        );
    }
    for (yi, yv) in ys.iter().enumerate().step_by(every(ys.len())) {
        let y = top + (yi as f64 + 0.5) * ch + 4.0;
        let _ = write!(
            s,
            r#"<text x="{:.2}" y="{y:.2}" text-anchor="end">{}</text>"#,
            left - 6.0,
            esc(yv)
        );
    }
    let _ = write!(
        s,
        r#"<text x="{:.2}" y="{:.2}" text-anchor="middle" font-weight="bold">{}</text>"#,
        left + cw * xs.len() as f64 / 2.0,
        h - 16.0,
        esc(x_name)
    );
    let _ = write!(
        s,
        r#"<text x="16" y="{:.2}" text-anchor="middle" font-weight="bold" transform="rotate(-90 16 {:.2})">{}</text>"#,
        top + ch * ys.len() as f64 / 2.0,
        top + ch * ys.len() as f64 / 2.0,
        esc(y_name)
    );
    // Legend.
    let lx = left + cw * xs.len() as f64 + 30.0;
    for k in 0..=20 {
        let t = f64::from(k) / 20.0;
        let y = top + (1.0 - t) * 200.0;
        let _ = write!(
            s,
            r#"<rect x="{lx:.2}" y="{y:.2}" width="16" height="11" fill="{}"/>"#,
            heat_colour(if higher_is_better { t } else { 1.0 - t })
        );
    }
    if lo.is_finite() {
        let _ = write!(
            s,
            r#"<text x="{:.2}" y="{:.2}">{hi:.3}</text><text x="{:.2}" y="{:.2}">{lo:.3}</text>"#,
            lx + 20.0,
            top + 9.0,
            lx + 20.0,
            top + 209.0
        );
    }
    s.push_str("</svg>\n");
    s
}

/// `--report FILE.html`: one self-contained page (no network) with the equity curve, the
/// drawdown, trade markers and the statistics table. The charts are drawn by an inline script
/// from the embedded data; `<body data-rendered>` says the drawing finished.
pub fn html_report(title: &str, bars: &Bars, run: &Run, stats: &Stats) -> String {
    let dd = drawdowns(&run.equity);
    let mut data = String::from("{\"t\":[");
    for i in 0..bars.len() {
        if i > 0 {
            data.push(',');
        }
        let _ = write!(data, "{}", bars.time[i]);
    }
    data.push_str("],\"e\":[");
    for (i, e) in run.equity.iter().enumerate() {
        if i > 0 {
            data.push(',');
        }
        let _ = write!(data, "{}", if e.is_finite() { *e } else { 0.0 });
    }
    data.push_str("],\"dd\":[");
    for (i, d) in dd.iter().enumerate() {
        if i > 0 {
            data.push(',');
        }
        let _ = write!(data, "{}", if d.is_finite() { *d } else { 0.0 });
    }
    data.push_str("],\"trades\":[");
    for (i, t) in run.trades.iter().enumerate() {
        if i > 0 {
            data.push(',');
        }
        let _ = write!(
            data,
            "[{},{},{},{}]",
            t.entry_bar,
            t.exit_bar,
            if t.size > 0.0 { 1 } else { -1 },
            t.pnl
        );
    }
    data.push_str("]}");
    let mut table = String::new();
    for (k, v) in stat_pairs(stats) {
        let _ = write!(
            table,
            "<tr><th>{}</th><td>{}</td></tr>",
            esc(&k),
            esc(&v.text)
        );
    }
    HTML_TEMPLATE
        .replace("{{TITLE}}", &esc(title))
        .replace("{{DATA}}", &data)
        .replace("{{TABLE}}", &table)
}

const HTML_TEMPLATE: &str = r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{TITLE}}</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222;background:#fff}
h1{font-size:18px;margin:0 0 12px}
.wrap{display:flex;flex-wrap:wrap;gap:24px}
.charts{flex:1 1 720px;min-width:480px}
svg{width:100%;height:auto;display:block;border:1px solid #ddd;margin-bottom:12px;background:#fcfcfc}
table{border-collapse:collapse;font-size:13px}
th{text-align:left;font-weight:normal;color:#555;padding:2px 12px 2px 0}
td{text-align:right;font-variant-numeric:tabular-nums;padding:2px 0}
.legend{font-size:12px;color:#555}
</style></head>
<body>
<h1>{{TITLE}}</h1>
<div class="wrap">
<div class="charts">
<svg id="equity" viewBox="0 0 900 320" role="img" aria-label="equity curve"></svg>
<svg id="drawdown" viewBox="0 0 900 140" role="img" aria-label="drawdown"></svg>
<div class="legend">&#9650; long entry &#9660; short entry &#9679; exit (green: profit, red: loss)</div>
</div>
<table id="stats">{{TABLE}}</table>
</div>
<script>
window.addEventListener('error', function (ev) {
  document.body.setAttribute('data-script-error', String(ev.message || ev));
});
(function () {
  var D = {{DATA}};
  var NS = 'http://www.w3.org/2000/svg';
  function el(parent, name, attrs, text) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    parent.appendChild(e);
    return e;
  }
  function day(ms) { return new Date(ms).toISOString().slice(0, 10); }
  function chart(id, ys, opts) {
    var svg = document.getElementById(id);
    var vb = svg.viewBox.baseVal, W = vb.width, H = vb.height;
    var L = 70, R = 10, T = 10, B = 24;
    var n = ys.length, lo = Infinity, hi = -Infinity;
    for (var i = 0; i < n; i++) { if (ys[i] < lo) lo = ys[i]; if (ys[i] > hi) hi = ys[i]; }
    if (opts.zeroTop) hi = 0;
    if (!(hi > lo)) { hi = lo + 1; }
    function x(i) { return L + (n > 1 ? i / (n - 1) : 0) * (W - L - R); }
    function y(v) { return T + (hi - v) / (hi - lo) * (H - T - B); }
    for (var k = 0; k <= 4; k++) {
      var v = lo + (hi - lo) * k / 4, yy = y(v);
      el(svg, 'line', {x1: L, x2: W - R, y1: yy, y2: yy, stroke: '#eee'});
      el(svg, 'text', {x: L - 6, y: yy + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#666'}, opts.fmt(v));
    }
    for (var k = 0; k <= 4; k++) {
      var i = Math.round((n - 1) * k / 4);
      el(svg, 'text', {x: x(i), y: H - 6, 'text-anchor': 'middle', 'font-size': 11, fill: '#666'}, day(D.t[i]));
    }
    var d = '';
    for (var i = 0; i < n; i++) d += (i ? 'L' : 'M') + x(i).toFixed(1) + ' ' + y(ys[i]).toFixed(1);
    if (opts.fill) {
      el(svg, 'path', {d: d + 'L' + x(n - 1).toFixed(1) + ' ' + y(0).toFixed(1) + 'L' + x(0).toFixed(1) + ' ' + y(0).toFixed(1) + 'Z', fill: opts.fill, stroke: 'none'});
    }
    el(svg, 'path', {d: d, fill: 'none', stroke: opts.stroke, 'stroke-width': 1.2, 'class': 'series'});
    return {x: x, y: y, svg: svg};
  }
  var eq = chart('equity', D.e, {stroke: '#1f5fbf', fmt: function (v) { return v.toFixed(0); }});
  var ddNeg = D.dd.map(function (v) { return -100 * v; });
  chart('drawdown', ddNeg, {stroke: '#c0392b', fill: 'rgba(192,57,43,0.25)', zeroTop: true, fmt: function (v) { return v.toFixed(1) + '%'; }});
  D.trades.forEach(function (t) {
    var xi = eq.x(t[0]), yi = eq.y(D.e[t[0]]);
    var up = t[2] > 0;
    var p = up ? (xi + ',' + (yi - 7) + ' ' + (xi - 5) + ',' + (yi + 2) + ' ' + (xi + 5) + ',' + (yi + 2))
               : (xi + ',' + (yi + 7) + ' ' + (xi - 5) + ',' + (yi - 2) + ' ' + (xi + 5) + ',' + (yi - 2));
    el(eq.svg, 'polygon', {points: p, fill: up ? '#1a9850' : '#d73027', 'class': 'marker entry'});
    el(eq.svg, 'circle', {cx: eq.x(t[1]), cy: eq.y(D.e[t[1]]), r: 2.5, fill: t[3] > 0 ? '#1a9850' : '#d73027', 'class': 'marker exit'});
  });
  document.body.setAttribute('data-rendered', 'true');
})();
</script>
</body></html>
"#;
