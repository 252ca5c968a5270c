//! `velo backtest` with the user's own strategies: expressions (`--entry`, `--exit`,
//! `--short-entry`, `--short-exit`), named expression strategies of velo.toml and signals files.

use crate::support::{fixture, velo};

const GOOG: &str = "backtest/GOOG.csv";
const SMA_UP: &str = "crosses_above(sma(close, $fast), sma(close, $slow))";
const SMA_DOWN: &str = "crosses_below(sma(close, $fast), sma(close, $slow))";

fn json_run(args: &[&str]) -> serde_json::Value {
    velo()
        .arg("backtest")
        .arg(fixture(GOOG))
        .args(args)
        .args(["--commission", "0.002", "--format", "json"])
        .run()
        .code(0)
        .json()
}

#[test]
fn an_expression_gives_the_builtins_statistics() {
    let builtin = json_run(&["--strategy", "sma-cross", "-p", "fast=10", "-p", "slow=20"]);
    let expr = json_run(&[
        "--entry",
        SMA_UP,
        "--short-entry",
        SMA_DOWN,
        "-p",
        "fast=10",
        "-p",
        "slow=20",
    ]);
    assert_eq!(expr["stats"], builtin["stats"]);
    assert_eq!(expr["stats"]["num_trades"], 93);
    assert_eq!(expr["params"], serde_json::json!({"fast": 10, "slow": 20}));
}

#[test]
fn a_named_strategy_of_velo_toml_runs_and_flags_override_its_params() {
    let toml = format!(
        "[backtest.strategies.my-cross]\nentry = \"{SMA_UP}\"\nshort_entry = \"{SMA_DOWN}\"\nparams = {{ fast = 10, slow = 20 }}\n"
    );
    let run = |extra: &[&str]| {
        velo()
            .file("velo.toml", &toml)
            .arg("backtest")
            .arg(fixture(GOOG))
            .args([
                "--strategy",
                "my-cross",
                "--commission",
                "0.002",
                "--format",
                "json",
            ])
            .args(extra)
            .run()
            .code(0)
            .json()
    };
    let named = run(&[]);
    let builtin = json_run(&["--strategy", "sma-cross"]);
    assert_eq!(named["stats"], builtin["stats"]);
    assert_eq!(named["strategy"], "my-cross");
    let faster = run(&["-p", "fast=5"]);
    assert_eq!(faster["params"]["fast"], 5);
    assert_ne!(faster["stats"], named["stats"]);
    // A misspelt name suggests the table.
    velo()
        .file("velo.toml", &toml)
        .arg("backtest")
        .arg(fixture(GOOG))
        .args(["--strategy", "my-crss"])
        .run()
        .code(2)
        .stderr_has("did you mean my-cross?");
}

#[test]
fn a_signals_file_trades_as_the_same_expression() {
    // Entry on every up bar, short entry on every down bar: the same conditions computed by
    // this test (sparse rows, shuffled columns, mixed spellings) and as expressions.
    let text = std::fs::read_to_string(fixture(GOOG)).unwrap();
    let mut rows = vec!["Short_Entry,date,ENTRY".to_string()];
    for (i, l) in text.lines().skip(1).enumerate() {
        let f: Vec<&str> = l.split(',').collect();
        let (open, close): (f64, f64) = (f[1].parse().unwrap(), f[4].parse().unwrap());
        let (up, down) = (close > open, close < open);
        if !up && !down && i % 2 == 0 {
            continue; // a bar without a row has no signal
        }
        let b = |x: bool, i: usize| match (x, i % 3) {
            (true, 0) => "1",
            (true, 1) => "TRUE",
            (true, _) => "true",
            (false, 0) => "0",
            (false, 1) => "",
            (false, _) => "False",
        };
        rows.push(format!("{},{},{}", b(down, i), f[0], b(up, i)));
    }
    let out = velo()
        .file("signals.csv", rows.join("\n") + "\n")
        .arg("backtest")
        .arg(fixture(GOOG))
        .args([
            "--signals",
            "signals.csv",
            "--trades",
            "s.csv",
            "--format",
            "json",
        ])
        .run()
        .code(0);
    let signals = out.json();
    let expr = velo()
        .arg("backtest")
        .arg(fixture(GOOG))
        .args([
            "--entry",
            "close > open",
            "--short-entry",
            "close < open",
            "--trades",
            "e.csv",
            "--format",
            "json",
        ])
        .run()
        .code(0);
    let t_sig = std::fs::read_to_string(out.dir.path().join("s.csv")).unwrap();
    let t_expr = std::fs::read_to_string(expr.dir.path().join("e.csv")).unwrap();
    assert!(t_sig.lines().count() > 100);
    assert_eq!(t_sig, t_expr);
    assert_eq!(
        signals["stats"]["equity_final"],
        expr.json()["stats"]["equity_final"]
    );
}

#[test]
fn a_signal_date_without_a_bar_is_named_with_its_line() {
    velo()
        .file("s.csv", "Date,entry\n2004-08-19,1\n2004-08-21,1\n")
        .arg("backtest")
        .arg(fixture(GOOG))
        .args(["--signals", "s.csv"])
        .run()
        .code(2)
        .stderr_has("s.csv, line 3: 2004-08-21")
        .stderr_has("not a date of the bars");
    velo()
        .file("s.csv", "Date,entry,exitt\n")
        .arg("backtest")
        .arg(fixture(GOOG))
        .args(["--signals", "s.csv"])
        .run()
        .code(2)
        .stderr_has("did you mean exit?");
}

#[test]
fn expression_errors_point_at_the_column_and_name_the_flag() {
    let err = |args: &[&str]| {
        velo()
            .arg("backtest")
            .arg(fixture(GOOG))
            .args(args)
            .run()
            .code(2)
            .stderr_redacted()
    };
    let e = err(&[
        "--entry",
        "close > 1",
        "--short-entry",
        "rsii(close, 14) > 70",
    ]);
    assert!(
        e.contains("--short-entry, column 1: unknown function 'rsii', did you mean 'rsi'?\n  rsii(close, 14) > 70\n  ^"),
        "{e}"
    );
    let e = err(&["--entry", "sma(close, $n) > close"]);
    assert!(e.contains("$n has no value"), "{e}");
    let e = err(&["--entry", "sma(close, $n) > close", "-p", "n=2.5"]);
    assert!(e.contains("n=2.5 must be a whole number"), "{e}");
    let e = err(&["--entry", "close > open", "-p", "n=3"]);
    assert!(e.contains("has no parameter \"n\""), "{e}");
    let e = err(&["--entry", "close > open", "--strategy", "sma-cross"]);
    assert!(e.contains("cannot be used with"), "{e}");
    let e = err(&["--entry", "close > open", "--long-only"]);
    assert!(e.contains("no short entry"), "{e}");
}

#[test]
fn an_expression_grid_sweeps_its_params() {
    let v = velo()
        .arg("backtest")
        .arg(fixture(GOOG))
        .args(["--entry", SMA_UP, "--short-entry", SMA_DOWN])
        .args([
            "--grid",
            "fast=5..15:5",
            "--grid",
            "slow=20..30:10",
            "--top",
            "0",
            "--format",
            "json",
        ])
        .args(["--commission", "0.002"])
        .run()
        .code(0)
        .json();
    let text = v.to_string();
    assert!(
        text.contains("\"fast\":10") && text.contains("\"slow\":30"),
        "{text}"
    );
    velo()
        .arg("backtest")
        .arg(fixture(GOOG))
        .args([
            "--entry",
            SMA_UP,
            "--short-entry",
            SMA_DOWN,
            "--grid",
            "fast=5..15:5",
        ])
        .run()
        .code(2)
        .stderr_has("$slow has no value");
}
