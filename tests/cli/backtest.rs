//! `velo backtest`: backtesting.py 0.6.6's reference run, trades, equity and 1,530-point grid
//! reproduced from fixtures/backtest/; sweeps (streaming, heatmap, timeouts), shards and merge,
//! universes, walk-forward, the HTML report in a real browser, and bad inputs.

#![allow(clippy::float_cmp, clippy::many_single_char_names)] // exact prices are the point

use std::path::Path;

use crate::support::{fixture, velo};

const GOOG: &str = "backtest/GOOG.csv";

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs()
}

fn canonical() -> crate::support::Velo {
    velo()
        .arg("backtest")
        .arg(fixture(GOOG))
        .args([
            "--strategy",
            "sma-cross",
            "--param",
            "fast=10",
            "--param",
            "slow=20",
        ])
        .args(["--cash", "10000", "--commission", "0.002"])
}

/// The canonical settings without the swept parameters (a --grid parameter takes no --param).
fn sweep_base() -> crate::support::Velo {
    velo()
        .arg("backtest")
        .arg(fixture(GOOG))
        .args(["--strategy", "sma-cross"])
        .args(["--cash", "10000", "--commission", "0.002"])
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn canonical_run_reproduces_backtesting_py_stats_field_by_field() {
    let out = canonical().args(["--format", "json"]).run().code(0);
    let ours = out.json();
    assert_eq!(ours["schema_version"], 1);
    assert_eq!(ours["strategy"], "sma-cross");
    assert_eq!(ours["params"]["fast"], 10);
    let reference: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("backtest/backtesting_py_SmaCross_GOOG.json")).unwrap(),
    )
    .unwrap();
    let theirs = &reference["stats"];
    let days = |k: &str| theirs[k]["seconds"].as_f64().unwrap() / 86_400.0;
    let num = |k: &str| theirs[k].as_f64().unwrap();
    let fields = [
        ("duration_days", days("Duration")),
        ("exposure_time_pct", num("Exposure Time [%]")),
        ("equity_final", num("Equity Final [$]")),
        ("equity_peak", num("Equity Peak [$]")),
        ("commissions", num("Commissions [$]")),
        ("return_pct", num("Return [%]")),
        ("buy_hold_return_pct", num("Buy & Hold Return [%]")),
        ("return_ann_pct", num("Return (Ann.) [%]")),
        ("volatility_ann_pct", num("Volatility (Ann.) [%]")),
        ("cagr_pct", num("CAGR [%]")),
        ("sharpe_ratio", num("Sharpe Ratio")),
        ("sortino_ratio", num("Sortino Ratio")),
        ("calmar_ratio", num("Calmar Ratio")),
        ("alpha_pct", num("Alpha [%]")),
        ("beta", num("Beta")),
        ("max_drawdown_pct", num("Max. Drawdown [%]")),
        ("avg_drawdown_pct", num("Avg. Drawdown [%]")),
        ("max_drawdown_duration_days", days("Max. Drawdown Duration")),
        ("avg_drawdown_duration_days", days("Avg. Drawdown Duration")),
        ("num_trades", num("# Trades")),
        ("win_rate_pct", num("Win Rate [%]")),
        ("best_trade_pct", num("Best Trade [%]")),
        ("worst_trade_pct", num("Worst Trade [%]")),
        ("avg_trade_pct", num("Avg. Trade [%]")),
        ("max_trade_duration_days", days("Max. Trade Duration")),
        ("avg_trade_duration_days", days("Avg. Trade Duration")),
        ("profit_factor", num("Profit Factor")),
        ("expectancy_pct", num("Expectancy [%]")),
        ("sqn", num("SQN")),
        ("kelly_criterion", num("Kelly Criterion")),
    ];
    for (key, want) in fields {
        let got = ours["stats"][key]
            .as_f64()
            .unwrap_or_else(|| panic!("stats.{key} missing: {}", ours["stats"]));
        assert!(close(got, want), "{key}: {got} vs backtesting.py {want}");
    }
    assert_eq!(ours["stats"]["start"], "2004-08-19");
    assert_eq!(ours["stats"]["end"], "2013-03-01");
}

#[test]
fn canonical_trades_and_equity_csv_match_the_reference() {
    let out = canonical()
        .args([
            "--trades",
            "trades.csv",
            "--equity",
            "equity.csv",
            "--format",
            "json",
        ])
        .run()
        .code(0);
    let ours = std::fs::read_to_string(out.dir.path().join("trades.csv")).unwrap();
    assert!(ours.starts_with(
        "size,entry_bar,exit_bar,entry_price,exit_price,pnl,commission,return_pct,entry_time,exit_time\n"
    ));
    let theirs =
        std::fs::read_to_string(fixture("backtest/backtesting_py_SmaCross_GOOG_trades.csv"))
            .unwrap();
    let (a, b) = (csv_rows(&ours), csv_rows(&theirs));
    assert_eq!(a.len(), 93);
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        // Sizes, bars and prices identical; money within 1e-9.
        for (i, j) in [(0, 0), (1, 1), (2, 2)] {
            assert_eq!(x[i], y[j], "{x:?} vs {y:?}");
        }
        for (i, j) in [(3, 3), (4, 4)] {
            assert_eq!(x[i].parse::<f64>().unwrap(), y[j].parse::<f64>().unwrap());
        }
        for (i, j) in [(5, 7), (6, 8), (7, 9)] {
            assert!(
                close(x[i].parse().unwrap(), y[j].parse().unwrap()),
                "{x:?} vs {y:?}"
            );
        }
        assert_eq!(x[8], y[10][..10]);
        assert_eq!(x[9], y[11][..10]);
    }
    let ours = std::fs::read_to_string(out.dir.path().join("equity.csv")).unwrap();
    assert!(ours.starts_with("date,equity,drawdown_pct\n"));
    let theirs =
        std::fs::read_to_string(fixture("backtest/backtesting_py_SmaCross_GOOG_equity.csv"))
            .unwrap();
    let (a, b) = (csv_rows(&ours), csv_rows(&theirs));
    assert_eq!(a.len(), 2148);
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x[0], y[0][..10]);
        assert!(
            close(x[1].parse().unwrap(), y[1].parse().unwrap()),
            "{x:?} vs {y:?}"
        );
        let (d, e): (f64, f64) = (x[2].parse().unwrap(), y[2].parse().unwrap());
        assert!((d - e).abs() <= 1e-9 * e.abs() + 1e-15, "{x:?} vs {y:?}");
    }
}

fn grid_args() -> [&'static str; 6] {
    [
        "--grid",
        "fast=5..49:1",
        "--grid",
        "slow=10..195:5",
        "--constraint",
        "fast<slow",
    ]
}

#[test]
fn the_whole_reference_grid_matches_row_by_row() {
    let out = sweep_base()
        .args(grid_args())
        .args(["--top", "0", "--rank-by", "sqn", "--format", "json"])
        .run()
        .code(0);
    let v = out.json();
    assert_eq!(v["summary"]["combinations"], 1530);
    assert_eq!(v["summary"]["ok"], 1530);
    let mut ours = std::collections::HashMap::new();
    for r in v["results"].as_array().unwrap() {
        let key = (
            r["params"]["fast"].as_i64().unwrap(),
            r["params"]["slow"].as_i64().unwrap(),
        );
        ours.insert(key, r["stats"].clone());
    }
    assert_eq!(ours.len(), 1530);
    let reference =
        std::fs::read_to_string(fixture("backtest/backtesting_py_SmaCross_GOOG_grid.csv")).unwrap();
    let columns = [
        "num_trades",
        "equity_final",
        "return_pct",
        "exposure_time_pct",
        "sharpe_ratio",
        "sortino_ratio",
        "max_drawdown_pct",
        "win_rate_pct",
        "profit_factor",
        "sqn",
    ];
    let mut rows = 0;
    for row in csv_rows(&reference) {
        let key = (row[0].parse().unwrap(), row[1].parse().unwrap());
        let s = &ours[&key];
        for (col, name) in columns.iter().enumerate() {
            let want = &row[col + 2];
            let got = &s[*name];
            if want.is_empty() || want == "nan" {
                assert!(got.is_null(), "{key:?} {name}: {got} vs NaN");
            } else {
                let want: f64 = want.parse().unwrap();
                assert!(
                    close(got.as_f64().unwrap(), want),
                    "{key:?} {name}: {got} vs backtesting.py {want}"
                );
            }
        }
        rows += 1;
    }
    assert_eq!(rows, 1530);
    // Ranked best first by SQN.
    let sqn: Vec<f64> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["stats"]["sqn"].as_f64().unwrap())
        .collect();
    assert!(sqn.windows(2).all(|w| w[0] >= w[1]));
}

#[test]
fn results_stream_as_json_lines_and_heatmap_is_svg() {
    let out = sweep_base()
        .args(["--grid", "fast=5..20:5", "--grid", "slow=10..40:10"])
        .args([
            "--constraint",
            "fast<slow",
            "--top",
            "3",
            "--format",
            "json",
        ])
        .args(["--results", "r.jsonl", "--heatmap", "h.svg"])
        .run()
        .code(0);
    let v = out.json();
    assert_eq!(v["results"].as_array().unwrap().len(), 3);
    let n = v["summary"]["combinations"].as_u64().unwrap();
    let lines = std::fs::read_to_string(out.dir.path().join("r.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len() as u64, n);
    assert!(lines
        .iter()
        .all(|l| l["status"] == "ok" && l["schema_version"] == 1));
    let svg = std::fs::read_to_string(out.dir.path().join("h.svg")).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let cells = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.children().any(|c| c.has_tag_name("title")))
        .count();
    assert_eq!(cells, 4 * 4);
    assert!(svg.contains("fast=10 slow=20"));
}

#[test]
fn three_shards_merge_into_exactly_the_unsharded_result() {
    let args = ["--grid", "fast=5..30:1", "--grid", "slow=10..100:5"];
    let whole = sweep_base()
        .args(args)
        .args([
            "--constraint",
            "fast<slow",
            "--top",
            "25",
            "--format",
            "json",
        ])
        .run()
        .code(0);
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut runs = 0;
    for k in 1..=3 {
        let part = sweep_base()
            .args(args)
            .args([
                "--constraint",
                "fast<slow",
                "--top",
                "25",
                "--format",
                "json",
            ])
            .args(["--shard", &format!("{k}/3")])
            .run()
            .code(0);
        let v = part.json();
        assert_eq!(v["shard"], format!("{k}/3"));
        assert!(v["work_hash"].as_str().unwrap().len() == 16);
        assert!(v["velo_version"].is_string());
        runs += v["summary"]["runs"].as_u64().unwrap();
        let f = dir.path().join(format!("part{k}.json"));
        std::fs::write(&f, &part.stdout).unwrap();
        files.push(f);
    }
    assert_eq!(
        runs,
        whole.json()["summary"]["combinations"].as_u64().unwrap()
    );
    let merged = velo()
        .args(["backtest", "merge"])
        .args(&files)
        .args(["--format", "json"])
        .run()
        .code(0);
    assert_eq!(merged.stdout, whole.stdout, "merged != unsharded");

    // A missing shard is named; --allow-partial merges the rest, says so and exits 1.
    velo()
        .args(["backtest", "merge"])
        .args(&files[..2])
        .run()
        .code(2)
        .stderr_has("missing shard(s) 3/3");
    let partial = velo()
        .args(["backtest", "merge", "--allow-partial", "--format", "json"])
        .args(&files[..2])
        .run()
        .code(1)
        .stderr_has("partial result: 3/3 missing");
    let p = partial.json();
    assert_eq!(p["partial"], serde_json::json!(["3/3 missing"]));
    assert_eq!(p["summary"]["interrupted"], true);
    // A shard of other work is named.
    let other = sweep_base()
        .args(["--grid", "fast=5..30:1", "--grid", "slow=10..105:5"])
        .args([
            "--constraint",
            "fast<slow",
            "--top",
            "25",
            "--format",
            "json",
        ])
        .args(["--shard", "3/3"])
        .run()
        .code(0);
    let f = dir.path().join("other.json");
    std::fs::write(&f, &other.stdout).unwrap();
    velo()
        .args(["backtest", "merge"])
        .args(&files[..2])
        .arg(&f)
        .run()
        .code(2)
        .stderr_has("other.json is from other work")
        .stderr_has("work hash differs");
    // The same shard twice is named.
    velo()
        .args(["backtest", "merge"])
        .args([&files[0], &files[1], &files[1]])
        .run()
        .code(2)
        .stderr_has("are both shard 2/3");
}

#[test]
fn shard_index_comes_from_the_environment() {
    let a = sweep_base()
        .args(["--grid", "fast=5..20:1", "--format", "json", "--shard", "2"])
        .env("JOB_COMPLETION_INDEX", "1")
        .run()
        .code(0);
    assert_eq!(a.json()["shard"], "2/2");
    sweep_base()
        .args(["--grid", "fast=5..20:1", "--shard", "2"])
        .run()
        .code(2)
        .stderr_has("JOB_COMPLETION_INDEX");
}

/// Issue 22: a Slurm task id is the shard as is (0-based) whatever the submission's MIN/COUNT,
/// so a re-run of task 2 (`sbatch --array=2`) is task 2's shard again; an id past N names the
/// variable and the range; merges name shards as the scheduler does.
#[test]
fn a_slurm_task_id_is_its_shard_on_every_run() {
    let dir = tempfile::tempdir().unwrap();
    let part = |id: &str, extra: &[(&str, &str)]| {
        let mut cmd = sweep_base()
            .args(["--grid", "fast=5..20:1", "--format", "json", "--shard", "4"])
            .env("SLURM_ARRAY_TASK_ID", id);
        for (k, v) in extra {
            cmd = cmd.env(k, v);
        }
        cmd.run()
    };
    let array = [
        ("SLURM_ARRAY_TASK_MIN", "0"),
        ("SLURM_ARRAY_TASK_COUNT", "4"),
    ];
    let first = part("2", &array).code(0);
    let rerun = part(
        "2",
        &[
            ("SLURM_ARRAY_TASK_MIN", "2"),
            ("SLURM_ARRAY_TASK_MAX", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "1"),
        ],
    )
    .code(0);
    assert_eq!(
        first.stdout, rerun.stdout,
        "the re-run of task 2 did other work"
    );
    assert_eq!(first.json()["shard"], "3/4");
    assert_eq!(first.json()["shard_task"], "SLURM_ARRAY_TASK_ID=2");
    // `--array=1-4` with N=4: task 4 is refused, naming the variable, its value and the range.
    part("4", &[("SLURM_ARRAY_TASK_MIN", "1")])
        .code(2)
        .stderr_has("SLURM_ARRAY_TASK_ID=4 is out of range: with 4 shards it must be 0..3");
    // An inherited CI_NODE_INDEX that names another shard is an error naming both.
    part("2", &[("CI_NODE_INDEX", "1"), ("CI_NODE_TOTAL", "4")])
        .code(2)
        .stderr_has("SLURM_ARRAY_TASK_ID=2 (shard 3/4) and CI_NODE_INDEX=1 (shard 1/4)");
    // A merge names the missing and duplicate shards by their task ids.
    let mut files = Vec::new();
    for id in ["0", "1", "2"] {
        let f = dir.path().join(format!("part-{id}.json"));
        std::fs::write(&f, part(id, &array).code(0).stdout).unwrap();
        files.push(f);
    }
    velo()
        .args(["backtest", "merge"])
        .args(&files)
        .run()
        .code(2)
        .stderr_has("missing shard(s) 4/4 (SLURM_ARRAY_TASK_ID=3) of 4");
    velo()
        .args(["backtest", "merge"])
        .args([&files[0], &files[1], &files[2], &files[2]])
        .run()
        .code(2)
        .stderr_has("are both shard 3/4 (SLURM_ARRAY_TASK_ID=2)");
}

#[test]
#[cfg(debug_assertions)]
fn a_hanging_backtest_is_recorded_as_timed_out_and_the_sweep_finishes() {
    // debug-hang (debug builds only) hangs at at=1 until its deadline; the others finish.
    let out = velo()
        .arg("backtest")
        .arg(fixture(GOOG))
        .args(["--strategy", "debug-hang", "--grid", "at=0..3"])
        .args(["--timeout-per", "300ms", "--jobs", "2", "--format", "json"])
        .run()
        .code(1);
    let v = out.json();
    assert_eq!(v["summary"]["runs"], 4);
    assert_eq!(v["summary"]["ok"], 3);
    assert_eq!(v["summary"]["timed_out"], 1);
    let timed: Vec<&serde_json::Value> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "timed-out")
        .collect();
    assert_eq!(timed.len(), 1);
    assert_eq!(timed[0]["params"]["at"], 1);
}

#[test]
fn a_timeout_shorter_than_one_run_times_every_run_out() {
    let out = sweep_base()
        .args([
            "--grid",
            "fast=5..9",
            "--timeout-per",
            "1ns",
            "--format",
            "json",
        ])
        .run()
        .code(1);
    let v = out.json();
    assert_eq!(v["summary"]["timed_out"], 5);
    assert_eq!(v["summary"]["ok"], 0);
}

fn write_bars(path: &Path, n: usize, seed: u64, drift: f64) {
    // A deterministic pseudo-random walk (no RNG crate, no seed luck: fixed values).
    let mut s = String::from("Date,Open,High,Low,Close,Volume\n");
    let mut x = seed;
    let mut price: f64 = 100.0;
    for i in 0..n {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let r = ((x >> 33) as f64 / (1u64 << 31) as f64) - 0.5;
        let open = price;
        price = (price * (1.0 + drift + r * 0.04)).max(1.0);
        let (hi, lo) = (open.max(price) * 1.01, open.min(price) * 0.99);
        let day = 1 + i;
        let (y, m, d) = (2000 + day / 336, 1 + (day / 28) % 12, 1 + day % 28);
        s.push_str(&format!(
            "{y:04}-{m:02}-{d:02},{open:.4},{hi:.4},{lo:.4},{price:.4},{}\n",
            1000 + i
        ));
    }
    std::fs::write(path, s).unwrap();
}

#[test]
fn a_universe_is_ranked_and_a_bad_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture(GOOG), dir.path().join("GOOG.csv")).unwrap();
    write_bars(&dir.path().join("UP.csv"), 400, 7, 0.003);
    write_bars(&dir.path().join("DOWN.csv"), 400, 11, -0.003);
    let out = velo()
        .arg("backtest")
        .arg(dir.path())
        .args([
            "--strategy",
            "sma-cross",
            "--long-only",
            "--rank-by",
            "return_pct",
        ])
        .args(["--format", "json"])
        .run()
        .code(0);
    let v = out.json();
    assert_eq!(v["kind"], "universe");
    let syms: Vec<&str> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["symbol"].as_str().unwrap())
        .collect();
    assert_eq!(syms.len(), 3);
    let rets: Vec<f64> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["stats"]["return_pct"].as_f64().unwrap())
        .collect();
    assert!(rets.windows(2).all(|w| w[0] >= w[1]), "{rets:?}");

    // With a grid: the best parameters per symbol.
    let out = velo()
        .arg("backtest")
        .arg(dir.path())
        .args([
            "--strategy",
            "sma-cross",
            "--grid",
            "fast=5..15:5",
            "--grid",
            "slow=20..40:10",
        ])
        .args(["--format", "json"])
        .run()
        .code(0);
    let v = out.json();
    for r in v["results"].as_array().unwrap() {
        assert!(r["params"]["fast"].is_i64(), "{r}");
    }

    std::fs::write(
        dir.path().join("BAD.csv"),
        "Date,Open,High,Low,Close,Volume\n2020-01-01,1,2,0.5,1.5,10\n2020-01-02,1,x,0.5,1.5,10\n",
    )
    .unwrap();
    velo()
        .arg("backtest")
        .arg(dir.path())
        .args(["--strategy", "sma-cross"])
        .run()
        .code(2)
        .stderr_has("BAD.csv:3")
        .stdout_has("GOOG");
}

#[test]
fn walk_forward_reports_windows_stitched_equity_and_the_ratio() {
    let out = sweep_base()
        .args([
            "--grid",
            "fast=5..20:5",
            "--grid",
            "slow=20..60:10",
            "--constraint",
            "fast<slow",
        ])
        .args([
            "--walk-forward",
            "train=500,test=250",
            "--equity",
            "oos.csv",
        ])
        .args(["--format", "json"])
        .run()
        .code(0);
    let v = out.json();
    assert_eq!(v["kind"], "walk-forward");
    let windows = v["windows"].as_array().unwrap();
    // (2148 - 750) / 250 + 1 = 6 windows.
    assert_eq!(windows.len(), 6);
    for w in windows {
        assert!(w["params"]["fast"].is_i64());
        assert!(w["oos_stats"]["equity_final"].is_f64());
    }
    assert!(v.get("is_oos_ratio").is_some());
    let eq = std::fs::read_to_string(out.dir.path().join("oos.csv")).unwrap();
    assert_eq!(eq.lines().count(), 1 + 6 * 250);
    assert!(eq
        .lines()
        .nth(1)
        .unwrap()
        .starts_with(windows[0]["test_start"].as_str().unwrap()));
}

#[test]
fn every_strategy_runs_and_options_change_what_they_should() {
    for (name, extra) in [
        ("sma-cross", vec![]),
        ("ema-cross", vec![]),
        (
            "rsi",
            vec!["-p", "n=14", "-p", "lower=35", "-p", "upper=65"],
        ),
        ("macd", vec![]),
        ("bbands", vec!["-p", "k=1.5"]),
        ("donchian", vec!["-p", "n=30"]),
        ("momentum", vec!["-p", "threshold=5"]),
    ] {
        let v = velo()
            .arg("backtest")
            .arg(fixture(GOOG))
            .args(["--strategy", name, "--format", "json"])
            .args(extra)
            .run()
            .code(0)
            .json();
        assert!(
            v["stats"]["num_trades"].as_u64().unwrap() > 0,
            "{name}: {v}"
        );
    }
    // --long-only: every trade is long.
    let out = canonical()
        .args(["--long-only", "--trades", "t.csv", "--format", "json"])
        .run()
        .code(0);
    let t = std::fs::read_to_string(out.dir.path().join("t.csv")).unwrap();
    assert!(csv_rows(&t)
        .iter()
        .all(|r| r[0].parse::<f64>().unwrap() > 0.0));
    // --trade-on-close: entries at the signal bar's close.
    let out = canonical()
        .args(["--trade-on-close", "--trades", "t.csv", "--format", "json"])
        .run()
        .code(0);
    let t = std::fs::read_to_string(out.dir.path().join("t.csv")).unwrap();
    let goog = std::fs::read_to_string(fixture(GOOG)).unwrap();
    let closes: Vec<f64> = csv_rows(&goog)
        .iter()
        .map(|r| r[4].parse().unwrap())
        .collect();
    for r in csv_rows(&t) {
        let bar: usize = r[1].parse().unwrap();
        assert_eq!(r[3].parse::<f64>().unwrap(), closes[bar]);
    }
    // Stop-loss: exits below entry*(1-5%) for longs never go below the level by more than the gap.
    let sl = canonical()
        .args(["--long-only", "--stop-loss", "5%", "--format", "json"])
        .run()
        .code(0)
        .json();
    let plain = canonical()
        .args(["--long-only", "--format", "json"])
        .run()
        .code(0)
        .json();
    assert_ne!(sl["stats"]["equity_final"], plain["stats"]["equity_final"]);
    // Intrabar order decides when both levels are inside a bar.
    let tight = |order: &str| {
        canonical()
            .args([
                "--stop-loss",
                "1%",
                "--take-profit",
                "1%",
                "--intrabar",
                order,
            ])
            .args(["--format", "json"])
            .run()
            .code(0)
            .json()["stats"]["equity_final"]
            .as_f64()
            .unwrap()
    };
    assert!(tight("optimistic") > tight("pessimistic"));
    // Fixed units and fractional sizes.
    let out = canonical()
        .args(["--size", "2.5u", "--trades", "t.csv", "--format", "json"])
        .run()
        .code(0);
    let t = std::fs::read_to_string(out.dir.path().join("t.csv")).unwrap();
    assert!(csv_rows(&t)
        .iter()
        .all(|r| r[0].parse::<f64>().unwrap().abs() == 2.5));
    let out = canonical()
        .args([
            "--size",
            "50%",
            "--fractional",
            "--trades",
            "t.csv",
            "--format",
            "json",
        ])
        .run()
        .code(0);
    let t = std::fs::read_to_string(out.dir.path().join("t.csv")).unwrap();
    let first: f64 = csv_rows(&t)[0][0].parse().unwrap();
    assert!(first.fract() != 0.0, "{first}");
    // A fixed commission is charged per order.
    let v = velo()
        .arg("backtest")
        .arg(fixture(GOOG))
        .args([
            "--strategy",
            "sma-cross",
            "--commission",
            "0+5",
            "--format",
            "json",
        ])
        .run()
        .code(0)
        .json();
    let n = v["stats"]["num_trades"].as_f64().unwrap();
    assert!(close(v["stats"]["commissions"].as_f64().unwrap(), 10.0 * n));
}

#[test]
fn bad_inputs_get_a_clear_error_and_exit_2() {
    let bad = |args: &[&str], needle: &str| {
        velo()
            .arg("backtest")
            .arg(fixture(GOOG))
            .args(args)
            .run()
            .code(2)
            .stderr_has(needle)
            .nowhere("panicked");
    };
    bad(&["--strategy", "sma_cross"], "did you mean sma-cross?");
    bad(
        &["--strategy", "sma-cross", "-p", "fats=3"],
        "did you mean fast?",
    );
    bad(&["--strategy", "sma-cross", "-p", "fast"], "has no value");
    bad(
        &["--strategy", "sma-cross", "-p", "fast=ten"],
        "is not a number",
    );
    bad(
        &["--strategy", "sma-cross", "-p", "fast=0"],
        "fast=0 is out of range",
    );
    bad(
        &["--strategy", "sma-cross", "-p", "fast=2.5"],
        "whole number",
    );
    bad(&["--strategy", "rsi", "-p", "lower=80"], "lower < upper");
    bad(
        &["--strategy", "sma-cross", "--grid", "fast=50..10:5"],
        "END (10) is below START (50)",
    );
    bad(
        &[
            "--strategy",
            "sma-cross",
            "--grid",
            "fast=30..40",
            "--grid",
            "slow=10..20",
            "--constraint",
            "fast<slow",
        ],
        "the grid is empty",
    );
    bad(
        &[
            "--strategy",
            "sma-cross",
            "--grid",
            "fast=5..9",
            "--constraint",
            "fats<slow",
        ],
        "has no parameter \"fats\"",
    );
    bad(
        &[
            "--strategy",
            "sma-cross",
            "--grid",
            "fast=5..9",
            "--constraint",
            "3<4",
        ],
        "names no parameter",
    );
    bad(
        &["--strategy", "sma-cross", "--grid", "speed=1..3"],
        "has no parameter \"speed\"",
    );
    bad(
        &["--strategy", "sma-cross", "-p", "slow=5000"],
        "at least 5002 bars",
    );
    bad(
        &["--strategy", "sma-cross", "--rank-by", "sharpe"],
        "is not a statistic",
    );
    bad(
        &["--strategy", "sma-cross", "--commission", "2%%"],
        "RATE[+FIXED]",
    );
    bad(
        &["--strategy", "sma-cross", "--walk-forward", "train=100"],
        "needs both",
    );
    bad(
        &["--strategy", "sma-cross", "--heatmap", "h.svg"],
        "two --grid flags",
    );

    velo()
        .args(["backtest", "nope.csv", "--strategy", "sma-cross"])
        .run()
        .code(2)
        .stderr_has("nope.csv");
    velo()
        .args(["backtest", "bad.csv", "--strategy", "sma-cross"])
        .file(
            "bad.csv",
            "Date,Open,High,Low,Close,Volume\n2020-01-01,1,2,0.5,1.5,10\n2020-01-02,1,2,0.5,oops,10\n",
        )
        .run()
        .code(2)
        .stderr_has("bad.csv:3")
        .stderr_has("oops");
    velo()
        .args([
            "backtest",
            "-",
            "--strategy",
            "sma-cross",
            "--format",
            "json",
        ])
        .stdin(std::fs::read(fixture(GOOG)).unwrap())
        .run()
        .code(0)
        .stdout_has("\"equity_final\"");
}

#[test]
fn the_html_report_renders_in_a_headless_browser() {
    let out = canonical().args(["--report", "r.html"]).run().code(0);
    let html_path = out.dir.path().join("r.html");
    let html = std::fs::read_to_string(&html_path).unwrap();
    // Self-contained: nothing fetched from the network.
    for needle in ["http://", "https://", "src=\"", "<link"] {
        let allowed = "http://www.w3.org/2000/svg";
        assert!(
            !html.replace(allowed, "").contains(needle),
            "report references {needle}"
        );
    }
    assert!(html.contains("Sharpe Ratio"));
    let browser = [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .into_iter()
    .find(|p| Path::new(p).exists());
    let Some(browser) = browser else {
        crate::support::skip(
            "backtest html report in a browser",
            "no chromium found (apt-get install chromium, or run .ci/run)",
        );
        return;
    };
    let profile = tempfile::tempdir().unwrap();
    let dom = std::process::Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("file://{}", html_path.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom.contains("data-rendered=\"true\""),
        "chart not rendered:\n{}",
        &dom[..dom.len().min(2000)]
    );
    assert!(
        !dom.contains("data-script-error=\""),
        "script error:\n{dom}"
    );
    assert!(dom.contains("class=\"series\""));
    let markers = dom.matches("class=\"marker entry\"").count();
    assert_eq!(markers, 93);
}

#[test]
fn settings_come_from_velo_toml_and_flags_override_them() {
    let from_file = velo()
        .file(
            "velo.toml",
            "[backtest]\ncash = 10000\ncommission = \"0.002\"\n",
        )
        .file("GOOG.csv", std::fs::read(fixture(GOOG)).unwrap())
        .args([
            "backtest",
            "GOOG.csv",
            "--strategy",
            "sma-cross",
            "--format",
            "json",
        ])
        .run()
        .code(0)
        .json();
    let canonical = canonical().args(["--format", "json"]).run().code(0).json();
    assert_eq!(from_file["stats"], canonical["stats"]);
    velo()
        .file("velo.toml", "[backtest]\ncommision = \"0.002\"\n")
        .file("GOOG.csv", std::fs::read(fixture(GOOG)).unwrap())
        .args(["backtest", "GOOG.csv", "--strategy", "sma-cross"])
        .run()
        .code(2)
        .stderr_has("commision");
}

#[test]
fn help_documents_strategies_parameters_and_exit_codes() {
    let out = velo().args(["backtest", "--help"]).run().code(0);
    for needle in [
        "sma-cross",
        "ema-cross",
        "rsi",
        "macd",
        "bbands",
        "donchian",
        "momentum",
        "--grid",
        "--walk-forward",
        "--shard",
        "--intrabar",
        "Exit codes:",
    ] {
        assert!(out.stdout.contains(needle), "help lacks {needle}");
    }
    assert!(!out.stdout.contains("debug-hang"));
}

/// A backtest started in `dir` with its stdout in `dir/stdout.json`, for the signal tests.
#[cfg(unix)]
pub(crate) fn spawn_backtest(dir: &Path, args: &[&str]) -> std::process::Child {
    use std::process::{Command, Stdio};
    Command::new(assert_cmd::cargo::cargo_bin("velo"))
        .arg("backtest")
        .args(args)
        .current_dir(dir)
        .env_remove("CI")
        .stdout(std::fs::File::create(dir.join("stdout.json")).unwrap())
        .stderr(std::fs::File::create(dir.join("stderr.txt")).unwrap())
        .stdin(Stdio::null())
        .spawn()
        .unwrap()
}

/// Waits for `child` at most `limit`, and returns how it ended and its peak resident memory
/// in KiB (VmHWM, read until it exits). Kills it and fails the test past the limit.
#[cfg(unix)]
pub(crate) fn wait_bounded(
    child: &mut std::process::Child,
    limit: std::time::Duration,
    what: &str,
) -> (std::process::ExitStatus, u64) {
    let started = std::time::Instant::now();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            if let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak = peak.max(kb);
            }
        }
        if let Some(status) = child.try_wait().unwrap() {
            return (status, peak);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Reads the lines written to the FIFO `fifo` on a thread, as they arrive, until the writer
/// closes it; the receiver must be kept while the writer runs (dropping it stops the reading).
#[cfg(unix)]
fn follow_fifo(
    fifo: std::path::PathBuf,
) -> (
    std::sync::mpsc::Receiver<String>,
    std::thread::JoinHandle<()>,
) {
    use std::io::BufRead as _;
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        let file = std::fs::File::open(&fifo).unwrap();
        for line in std::io::BufReader::new(file).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    (rx, reader)
}

/// A grid of 10^10 points: it must start at once, stream, and stop at once on SIGTERM with
/// what finished kept (the earlier build counted the grid first, printed nothing, and on
/// SIGTERM walked the rest of the grid into memory).
#[cfg(unix)]
#[test]
fn a_grid_of_ten_billion_points_streams_at_once_and_stops_on_sigterm() {
    use std::os::unix::process::ExitStatusExt;
    use std::time::Duration;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("results.jsonl");
    crate::support::mkfifo(&fifo);
    let goog = fixture(GOOG);
    let mut child = spawn_backtest(
        dir.path(),
        &[
            goog.to_str().unwrap(),
            "--strategy",
            "sma-cross",
            "--grid",
            "fast=1..100000",
            "--grid",
            "slow=1..100000",
            "--results",
            "results.jsonl",
            "--heatmap",
            "heat.svg",
            "--format",
            "json",
        ],
    );
    // The results arrive through a FIFO as they finish: the first one proves the sweep
    // started without walking the grid first.
    let (rx, reader) = follow_fifo(fifo);
    let first = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("a first result within two minutes");
    let first: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(first["type"], "backtest-result", "{first}");
    crate::support::signal(&child, rustix::process::Signal::TERM);
    let (status, peak_kib) = wait_bounded(&mut child, Duration::from_secs(30), "after SIGTERM");
    assert_eq!(
        status.signal(),
        Some(15),
        "ends by SIGTERM (128+15): {status:?}"
    );
    reader.join().unwrap();
    let lines: Vec<String> = std::iter::once(String::new())
        .chain(rx.try_iter())
        .collect();
    let streamed = lines.len() as u64; // the first line plus the rest
    let stdout = std::fs::read_to_string(dir.path().join("stdout.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("the report of what finished ({e}):\n{stdout}"));
    let s = &v["summary"];
    assert_eq!(s["interrupted"], true, "{s}");
    assert_eq!(s["grid_points"], 10_000_000_000u64);
    assert_eq!(
        s["runs"].as_u64().unwrap(),
        streamed,
        "every finished run streamed"
    );
    assert!(s["not_started"].as_u64().unwrap() > 9_000_000_000, "{s}");
    assert!(!v["results"].as_array().unwrap().is_empty());
    // Memory stays bounded by --top, not by the grid (a generous bound for a debug build).
    assert!(peak_kib < 300 * 1024, "peak RSS {peak_kib} KiB");
    // The heatmap of a 10^5 x 10^5 grid is drawn in at most 320 x 320 cells.
    let svg = std::fs::read_to_string(dir.path().join("heat.svg")).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let cells = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.children().any(|c| c.has_tag_name("title")))
        .count();
    assert_eq!(cells, 320 * 320);
    assert!(
        svg.contains("fast=1..313 slow=1..313: "),
        "cells name their ranges"
    );
    let stderr = std::fs::read_to_string(dir.path().join("stderr.txt")).unwrap();
    assert!(stderr.contains("interrupted"), "{stderr}");
}

/// Ctrl-C during a streamed sweep: every line in the results file is whole and is one of the
/// runs the report counts.
#[cfg(unix)]
#[test]
fn ctrl_c_keeps_every_streamed_result_whole() {
    use std::os::unix::process::ExitStatusExt;
    use std::time::Duration;
    let dir = tempfile::tempdir().unwrap();
    let goog = fixture(GOOG);
    let mut child = spawn_backtest(
        dir.path(),
        &[
            goog.to_str().unwrap(),
            "--strategy",
            "sma-cross",
            "--grid",
            "fast=1..100000",
            "--grid",
            "slow=1..100000",
            "--constraint",
            "fast<slow",
            "--results",
            "r.jsonl",
            "--format",
            "json",
        ],
    );
    // However far it got (the assertions hold at any point), let it work a moment.
    std::thread::sleep(Duration::from_millis(1500));
    crate::support::signal(&child, rustix::process::Signal::INT);
    let (status, _) = wait_bounded(&mut child, Duration::from_secs(30), "after Ctrl-C");
    assert_eq!(
        status.signal(),
        Some(2),
        "ends by SIGINT (128+2): {status:?}"
    );
    let stdout = std::fs::read_to_string(dir.path().join("stdout.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["summary"]["interrupted"], true);
    let text = std::fs::read_to_string(dir.path().join("r.jsonl")).unwrap();
    let mut n = 0;
    for line in text.lines() {
        let r: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(
            r["params"]["fast"].as_i64() < r["params"]["slow"].as_i64(),
            "{r}"
        );
        n += 1;
    }
    assert_eq!(v["summary"]["runs"].as_u64().unwrap(), n);
}

/// SIGTERM during a walk-forward (optimising a large grid per window) and during a universe
/// swept over a large grid: both end at once by the signal.
#[cfg(unix)]
#[test]
fn walk_forward_and_universe_sweeps_stop_on_sigterm() {
    use std::os::unix::process::ExitStatusExt;
    use std::time::Duration;
    let dir = tempfile::tempdir().unwrap();
    let goog = fixture(GOOG);
    let mut child = spawn_backtest(
        dir.path(),
        &[
            goog.to_str().unwrap(),
            "--strategy",
            "sma-cross",
            "--grid",
            "fast=1..3000",
            "--grid",
            "slow=1..3000",
            "--walk-forward",
            "train=1000,test=200",
            "--format",
            "json",
        ],
    );
    std::thread::sleep(Duration::from_millis(1500));
    crate::support::signal(&child, rustix::process::Signal::TERM);
    let (status, _) = wait_bounded(&mut child, Duration::from_secs(30), "walk-forward");
    assert_eq!(status.signal(), Some(15), "{status:?}");
    let stdout = std::fs::read_to_string(dir.path().join("stdout.json")).unwrap();
    if !stdout.is_empty() {
        let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(v["interrupted"], true, "{v}");
    }

    let uni = dir.path().join("universe");
    std::fs::create_dir(&uni).unwrap();
    write_bars(&uni.join("UP.csv"), 400, 7, 0.003);
    write_bars(&uni.join("DOWN.csv"), 400, 11, -0.003);
    let fifo = dir.path().join("u.jsonl");
    crate::support::mkfifo(&fifo);
    let mut child = spawn_backtest(
        dir.path(),
        &[
            "universe",
            "--strategy",
            "sma-cross",
            "--grid",
            "fast=1..100000",
            "--grid",
            "slow=1..100000",
            "--results",
            "u.jsonl",
            "--format",
            "json",
        ],
    );
    // A universe's grid streams its points too.
    let (rx, reader) = follow_fifo(fifo);
    let first = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("a first point of the universe's grid within two minutes");
    let first: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert!(first["symbol"].is_string(), "{first}");
    crate::support::signal(&child, rustix::process::Signal::TERM);
    let (status, _) = wait_bounded(&mut child, Duration::from_secs(30), "universe");
    assert_eq!(status.signal(), Some(15), "{status:?}");
    reader.join().unwrap();
    let stdout = std::fs::read_to_string(dir.path().join("stdout.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["summary"]["interrupted"], true, "{v}");
}

/// One meaning per value: --jobs 0 is one per CPU, --timeout-per 0 is no limit (flags and
/// velo.toml), a value given twice runs once, a swept parameter takes no --param, and nan is
/// not a number in a constraint.
#[test]
fn zero_means_what_it_means_everywhere_and_values_count_once() {
    let v = sweep_base()
        .args(["--grid", "fast=5..9", "--jobs", "0", "--timeout-per", "0"])
        .args(["--format", "json"])
        .run()
        .code(0)
        .json();
    assert_eq!(v["summary"]["ok"], 5);
    assert_eq!(v["summary"]["timed_out"], 0);
    let v = sweep_base()
        .file("velo.toml", "[backtest]\njobs = 0\ntimeout-per = \"0\"\n")
        .args(["--grid", "fast=5..9", "--format", "json"])
        .run()
        .code(0)
        .json();
    assert_eq!(v["summary"]["ok"], 5);
    let v = sweep_base()
        .args(["--grid", "fast=10,5,5,10.0,5e0", "--format", "json"])
        .args(["--results", "r.jsonl"])
        .run()
        .code(0);
    let s = &v.json()["summary"];
    assert_eq!(
        (s["combinations"].as_u64(), s["runs"].as_u64()),
        (Some(2), Some(2))
    );
    let lines = std::fs::read_to_string(v.dir.path().join("r.jsonl")).unwrap();
    assert_eq!(lines.lines().count(), 2);
    sweep_base()
        .args(["--param", "fast=3", "--grid", "fast=5..9"])
        .run()
        .code(2)
        .stderr_has("--param fast=3 and --grid fast=5..9 both set fast");
    for nan in ["nan", "NaN", "NAN", "-nan", "+NaN", "inf"] {
        sweep_base()
            .args([
                "--grid",
                "fast=5..9",
                "--constraint",
                &format!("fast<{nan}"),
            ])
            .run()
            .code(2)
            .stderr_has(&format!("{nan:?} is not a number"));
    }
}

/// A negative value reaches velo's own check, which says which values are allowed and why.
#[test]
fn negative_values_get_the_rule_not_a_parser_error() {
    let cases: &[(&[&str], &str)] = &[
        (&["--cash", "-5"], "the starting cash must be more than 0"),
        (&["--commission", "-0.001"], "a commission is a cost"),
        (&["--commission", "-0.1%+1"], "a commission is a cost"),
        (&["--slippage-bps", "-1"], "slippage is a cost"),
        (&["--stop-loss", "-5%"], "never negative"),
        (&["--take-profit", "-0.1"], "never negative"),
        (&["--size", "-0.5"], "a size is never negative"),
        (&["--size", "-2u"], "a size is never negative"),
        (&["--top", "-1"], "is not a count of results"),
        (&["--jobs", "-1"], "is not a number of jobs"),
        (
            &["--timeout-per", "-5s"],
            "\"-5s\" is negative: a duration is 0 or more (0 means no limit)",
        ),
        (
            &["--param", "fast=-3"],
            "fast=-3 is out of range: use 1 to 100000",
        ),
        (
            &["--grid", "fast=-5..5:1"],
            "fast=-5 is out of range: use 1 to 100000",
        ),
    ];
    for (args, needle) in cases {
        velo()
            .arg("backtest")
            .arg(fixture(GOOG))
            .args(["--strategy", "sma-cross"])
            .args(*args)
            .run()
            .code(2)
            .stderr_has(needle)
            .nowhere("unexpected argument");
    }
    velo()
        .arg("backtest")
        .arg(fixture(GOOG))
        .args(["--strategy", "rsi", "--param", "lower=-3"])
        .run()
        .code(2)
        .stderr_has("lower=-3 is out of range: use 0 to 100");
    velo()
        .arg("backtest")
        .arg(fixture(GOOG))
        .args(["--strategy", "bbands", "--grid", "k=-5..5:1"])
        .run()
        .code(2)
        .stderr_has("k=-5 is out of range: use 0 to 100 (band width");
}

/// Grids at the edges: a step of 0, an empty range, a huge step, a point count past 2^64, a
/// huge grid that its constraints empty, a strategy rule broken by a point.
#[test]
fn grid_edges_are_named_at_once() {
    let bad = |args: &[&str], needle: &str| {
        sweep_base()
            .args(args)
            .run()
            .code(2)
            .stderr_has(needle)
            .nowhere("panicked");
    };
    bad(&["--grid", "fast=5..9:0"], "the step must be more than 0");
    bad(&["--grid", "fast=9..5"], "END (5) is below START (9)");
    bad(&["--grid", "fast=5..9:nan"], "\"nan\" is not a number");
    bad(
        &["--grid", "fast=5..9:0.5"],
        "fast=5.5 must be a whole number",
    );
    bad(
        &[
            "--grid",
            "fast=1..100000",
            "--grid",
            "slow=1..100000",
            "--constraint",
            "fast>slow",
            "--constraint",
            "slow>fast",
        ],
        "the grid is empty",
    );
    bad(
        &["--grid", "fast=1..9", "--constraint", "slow>100"],
        "--constraint \"slow>100\" holds for no point",
    );
    velo()
        .arg("backtest")
        .arg(fixture(GOOG))
        .args(["--strategy", "rsi"])
        .args([
            "--grid",
            "lower=0..100:1e-12",
            "--grid",
            "upper=0..100:1e-12",
        ])
        .run()
        .code(2)
        .stderr_has("more than can be numbered");
    velo()
        .arg("backtest")
        .arg(fixture(GOOG))
        .args(["--strategy", "macd"])
        .args(["--grid", "fast=5..20", "--grid", "slow=10..30"])
        .run()
        .code(2)
        .stderr_has("macd needs fast < slow")
        .stderr_has("add --constraint 'fast<slow'");
    // A universe's one point is checked against the strategy's rules too.
    let uni = tempfile::tempdir().unwrap();
    std::fs::copy(fixture(GOOG), uni.path().join("GOOG.csv")).unwrap();
    velo()
        .arg("backtest")
        .arg(uni.path())
        .args(["--strategy", "rsi", "-p", "lower=80"])
        .run()
        .code(2)
        .stderr_has("rsi needs lower < upper");
    let v = sweep_base()
        .args(["--grid", "fast=5..9:1e300", "--format", "json"])
        .run()
        .code(0)
        .json();
    assert_eq!(v["summary"]["runs"], 1);
    assert_eq!(v["results"][0]["params"]["fast"], 5);
}

/// A walk-forward train window shorter than the warm-up says so, with the window, the warm-up
/// and what to change; one shorter than part of the grid's warm-ups warns and runs.
#[test]
fn a_train_window_shorter_than_the_warm_up_says_so() {
    sweep_base()
        .args([
            "--grid",
            "slow=60..100:10",
            "--walk-forward",
            "train=50,test=50",
        ])
        .run()
        .code(2)
        .stderr_has("--walk-forward train=50 is shorter than the strategy's warm-up")
        .stderr_has("sma-cross fast=10 slow=60")
        .stderr_has("needs 62 bars")
        .stderr_has("use train=62 or more");
    sweep_base()
        .args([
            "--grid",
            "slow=20..300:40",
            "--walk-forward",
            "train=200,test=100",
        ])
        .args(["--format", "json"])
        .run()
        .code(0)
        .stderr_has("shorter than the warm-up of part of the grid")
        .stderr_has("use train=302 or more");
}

/// A bad shard variable is named with its value.
#[test]
fn a_bad_shard_variable_is_named_with_its_value() {
    sweep_base()
        .args(["--grid", "fast=5..9", "--shard", "3"])
        .env("JOB_COMPLETION_INDEX", "abc")
        .run()
        .code(2)
        .stderr_has("JOB_COMPLETION_INDEX=\"abc\" is not a shard index");
    sweep_base()
        .args(["--grid", "fast=5..9", "--shard", "3"])
        .env("JOB_COMPLETION_INDEX", "7")
        .run()
        .code(2)
        .stderr_has("JOB_COMPLETION_INDEX=7 is out of range: with 3 shards it must be 0..2");
    sweep_base()
        .args(["--grid", "fast=5..9", "--shard", "3"])
        .env("JOB_COMPLETION_INDEX", "0")
        .env("CI_NODE_INDEX", "3")
        .run()
        .code(2)
        .stderr_has("JOB_COMPLETION_INDEX=0 (shard 1/3) and CI_NODE_INDEX=3 (shard 3/3) name different shards");
}

// ---------------------------------------------------------------------------------------------
// Issue 18: inputs read as written (classes 3, 4 and 6 of the hostile probe).
// ---------------------------------------------------------------------------------------------

/// `velo backtest GOOG.csv` on `bytes`, with --trades; stdout and the trades file.
fn backtest_goog(bytes: &[u8]) -> (String, String) {
    let out = velo()
        .file("GOOG.csv", bytes)
        .args([
            "backtest",
            "GOOG.csv",
            "--strategy",
            "sma-cross",
            "--format",
            "json",
        ])
        .args(["--trades", "trades.csv"])
        .run()
        .code(0);
    let trades = std::fs::read_to_string(out.dir.path().join("trades.csv")).unwrap();
    (out.stdout, trades)
}

#[test]
fn every_writing_of_the_same_bars_backtests_the_same() {
    let goog = std::fs::read_to_string(fixture(GOOG)).unwrap();
    let (json, trades) = backtest_goog(goog.as_bytes());
    assert!(json.contains("\"start\": \"2004-08-19\""), "{json}");
    assert!(trades.contains(",2004-"), "{trades}");
    for (form, bytes) in crate::scan::same_bars_written_differently(&goog, "GOOG") {
        let (j, t) = backtest_goog(&bytes);
        assert_eq!(j, json, "{form}");
        assert_eq!(t, trades, "{form}: trades");
    }
}

#[test]
fn timestamps_are_read_as_written_never_1970() {
    let goog = std::fs::read_to_string(fixture(GOOG)).unwrap();
    let compact = goog
        .lines()
        .map(|l| l.replacen('-', "", 2))
        .collect::<Vec<_>>()
        .join("\n");
    let (json, _) = backtest_goog(compact.as_bytes());
    assert!(json.contains("\"start\": \"2004-08-19\""), "{json}");
    assert!(json.contains("\"end\": \"2013-03-01\""), "{json}");
    // An 11-digit stamp has no unit: an error naming the file and line, exit 2.
    let bad = goog.replacen("2004-08-20", "10930176000", 1);
    velo()
        .file("GOOG.csv", bad)
        .args(["backtest", "GOOG.csv", "--strategy", "sma-cross"])
        .run()
        .code(2)
        .stderr_has("GOOG.csv:3: date \"10930176000\" has 11 digits, which no epoch unit has")
        .nowhere("1970");
}

#[test]
fn a_price_that_cannot_trade_is_an_error_not_a_nan_trade() {
    let goog = std::fs::read_to_string(fixture(GOOG)).unwrap();
    let cases = [
        (
            "2004-08-20,101.01,",
            "2004-08-20,0,",
            "GOOG.csv:3: Open value \"0\" is zero",
        ),
        (
            ",108.31,11428600",
            ",-108.31,11428600",
            "GOOG.csv:3: Close value \"-108.31\" is negative",
        ),
        (
            ",108.31,11428600",
            ",nan,11428600",
            "GOOG.csv:3: Close value \"nan\" is a missing value",
        ),
        (
            ",108.31,11428600",
            ",,11428600",
            "GOOG.csv:3: the Close field is empty",
        ),
    ];
    for (from, to, message) in cases {
        velo()
            .file("GOOG.csv", goog.replacen(from, to, 1))
            .args([
                "backtest",
                "GOOG.csv",
                "--strategy",
                "sma-cross",
                "--format",
                "json",
            ])
            .run()
            .code(2)
            .stderr_has(message)
            .nowhere("NaN")
            .nowhere("panicked");
    }
}

#[cfg(unix)]
#[test]
fn input_files_of_every_kind_are_read_or_named() {
    let goog = std::fs::read_to_string(fixture(GOOG)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    // A FIFO: never a hang, and the message names this command.
    crate::support::mkfifo(&p.join("fifo.csv"));
    velo()
        .arg("backtest")
        .arg(p.join("fifo.csv"))
        .args(["--strategy", "sma-cross"])
        .run()
        .code(2)
        .stderr_has("is a named pipe (FIFO), not a regular file")
        .stderr_has("`velo backtest - <")
        .nowhere("velo scan");
    // A CR-only file: the error quotes its line, not the file.
    velo()
        .file(
            "GOOG.csv",
            goog.replacen(",108.31,", ",1O8.31,", 1).replace('\n', "\r"),
        )
        .args(["backtest", "GOOG.csv", "--strategy", "sma-cross"])
        .run()
        .code(2)
        .stderr_has("GOOG.csv:3: Close value \"1O8.31\" is not a number\n")
        .nowhere("2004-08-23");
    let named: [(&str, &[u8], &str); 6] = [
        ("empty.csv", b"", "empty.csv:1: the file is empty"),
        (
            "header.csv",
            b"Date,Open,High,Low,Close,Volume\n",
            "header.csv:1: the header has no data rows",
        ),
        (
            "zip.csv",
            b"PK\x03\x04\x14\x00",
            "zip.csv:1: is a ZIP archive (or an .xlsx workbook), not CSV text",
        ),
        (
            "bin.csv",
            b"\x00\x01\x02\x03",
            "bin.csv:1: holds a NUL byte",
        ),
        (
            "sep.csv",
            b"Date;Open;High;Low;Close;Volume\n2024-01-02;1;2;1;1,5;x\n",
            "sep.csv:2: Volume value \"x\" is not a number",
        ),
        (
            "split.csv",
            b"Date,Time,Open,High,Low,Close,Volume\n",
            "split.csv:1: columns `Date` and `Time` both hold the Date",
        ),
    ];
    for (name, bytes, message) in named {
        velo()
            .file(name, bytes)
            .args(["backtest", name, "--strategy", "sma-cross"])
            .run()
            .code(2)
            .stderr_has(message)
            .nowhere("panicked");
    }
    std::os::unix::fs::symlink("loop.csv", p.join("loop.csv")).unwrap();
    velo()
        .arg("backtest")
        .arg(p.join("loop.csv"))
        .args(["--strategy", "sma-cross"])
        .run()
        .code(2)
        .stderr_has("loop.csv: cannot read")
        .stderr_has("a symbolic link in the path leads back to itself");
    // A folder of them: each file's problem is named, the good one runs.
    std::fs::write(p.join("GOOG.csv"), &goog).unwrap();
    std::fs::write(
        p.join("ZERO.csv"),
        goog.replacen("2004-08-20,101.01,", "2004-08-20,0,", 1),
    )
    .unwrap();
    std::fs::remove_file(p.join("fifo.csv")).unwrap();
    std::fs::remove_file(p.join("loop.csv")).unwrap();
    let out = velo()
        .arg("backtest")
        .arg(p)
        .args(["--strategy", "sma-cross", "--format", "json"])
        .run();
    assert!(out.stdout.contains("\"GOOG\""), "{}", out.stdout);
    assert!(
        out.stdout.contains("Open value \\\"0\\\" is zero")
            || out.stderr.contains("Open value \"0\" is zero"),
        "{}\n{}",
        out.stdout,
        out.stderr
    );
}
