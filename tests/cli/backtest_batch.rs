//! `velo backtest batch`: a 60-spec batch with 3 bad specs gives 60 lines, the bad ones named
//! and the others equal to single runs; paths relative to the specs' folder or the working
//! directory; results unchanged by the specs' order, key spelling and key order, and by the
//! number of workers; velo.toml applies as to a single run; time limits; SIGTERM; bad input.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::support::{fixture, velo};

const GOOG: &str = "backtest/GOOG.csv";

/// One spec: its JSON line and the flags of the same single run.
struct Case {
    spec: Value,
    flags: Vec<String>,
}

/// The `n`-th good spec: every strategy and most broker flags, in a spread of forms.
fn good_case(n: usize) -> Case {
    let (strategy, params): (&str, &[(&str, f64)]) = match n % 7 {
        0 => ("sma-cross", &[("fast", 10.0), ("slow", 20.0)]),
        1 => ("ema-cross", &[("fast", 8.0), ("slow", 30.0)]),
        2 => ("rsi", &[("n", 14.0), ("lower", 35.0), ("upper", 65.0)]),
        3 => ("macd", &[("fast", 12.0), ("slow", 26.0), ("signal", 9.0)]),
        4 => ("bbands", &[("n", 20.0), ("k", 2.0)]),
        5 => ("donchian", &[("n", 15.0)]),
        _ => ("momentum", &[("n", 20.0), ("threshold", 0.5)]),
    };
    // The parameters move with n so that no two specs are the same run.
    let shift = (n / 7) as f64;
    let mut spec =
        json!({"id": format!("case-{n}"), "data": "../data/GOOG.csv", "strategy": strategy});
    let mut flags = vec!["--strategy".to_string(), strategy.to_string()];
    let mut p = serde_json::Map::new();
    for (i, (name, v)) in params.iter().enumerate() {
        let v = if i == 0 { v + shift } else { *v };
        p.insert((*name).to_string(), json!(v));
        flags.push(format!("--param={name}={v}"));
    }
    spec["params"] = Value::Object(p);
    let mut set = |key: &str, value: Value, flag: Vec<String>| {
        spec[key] = value;
        flags.extend(flag);
    };
    match n % 5 {
        0 => set(
            "commission",
            json!(0.002),
            vec!["--commission=0.002".into()],
        ),
        1 => set(
            "commission",
            json!("0.1%+1"),
            vec!["--commission=0.1%+1".into()],
        ),
        2 => set(
            "trade_on_close",
            json!(true),
            vec!["--trade-on-close".into()],
        ),
        3 => set("long-only", json!(true), vec!["--long-only".into()]),
        _ => set("cash", json!(25_000), vec!["--cash=25000".into()]),
    }
    match n % 4 {
        0 => set("size", json!("50%"), vec!["--size=50%".into()]),
        1 => set("stop_loss", json!("5%"), vec!["--stop-loss=5%".into()]),
        2 => set("slippage-bps", json!(3), vec!["--slippage-bps=3".into()]),
        _ => set(
            "intrabar",
            json!("optimistic"),
            vec!["--intrabar=optimistic".into()],
        ),
    }
    Case { spec, flags }
}

fn lines_by_index(stdout: &str) -> BTreeMap<u64, Value> {
    let mut by_index = BTreeMap::new();
    for line in stdout.lines() {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(v["type"], "batch-result", "{v}");
        let index = v["index"].as_u64().unwrap();
        assert!(by_index.insert(index, v).is_none(), "two lines for {index}");
    }
    by_index
}

fn jsonl(specs: &[Value]) -> String {
    let mut text = String::new();
    for s in specs {
        text.push_str(&s.to_string());
        text.push('\n');
    }
    text
}

#[test]
fn sixty_specs_with_three_bad_give_sixty_lines_and_the_rest_equal_single_runs() {
    let bad: BTreeMap<u64, (Value, &[&str])> = [
        (
            13,
            (
                json!({"id": "typo", "data": "../data/GOOG.csv", "strategy": "rsi", "comission": 0.002}),
                &["\"comission\"", "did you mean \"commission\"?"][..],
            ),
        ),
        (
            29,
            (
                json!({"data": "../data/GOOG.csv", "strategy": "rsii"}),
                &["\"rsii\"", "did you mean rsi?"][..],
            ),
        ),
        (
            47,
            (
                json!({"id": "missing", "data": "../data/NO_SUCH_SYMBOL.csv", "strategy": "rsi"}),
                &["NO_SUCH_SYMBOL.csv"][..],
            ),
        ),
    ]
    .into_iter()
    .collect();
    let mut cases = Vec::new();
    let mut specs = Vec::new();
    for i in 0..60u64 {
        if let Some((spec, _)) = bad.get(&i) {
            specs.push(spec.clone());
            cases.push(None);
        } else {
            let c = good_case(i as usize);
            specs.push(c.spec.clone());
            cases.push(Some(c));
        }
    }
    // Run from the temporary folder: the specs' paths are relative to their own folder.
    let out = velo()
        .fixture_as(GOOG, "data/GOOG.csv")
        .file("specs/batch.jsonl", jsonl(&specs))
        .args(["backtest", "batch", "specs/batch.jsonl", "--jobs", "3"])
        .run()
        .code(1);
    let by_index = lines_by_index(&out.stdout);
    assert_eq!(by_index.len(), 60, "{}", out.stdout);
    assert!(
        out.stderr
            .contains("batch: 57 ok, 3 error, 0 timed out of 60 specs (1 data file read)"),
        "{}",
        out.stderr
    );
    for (i, case) in cases.iter().enumerate() {
        let line = &by_index[&(i as u64)];
        let Some(case) = case else {
            let (spec, needles) = &bad[&(i as u64)];
            assert_eq!(line["status"], "error", "{line}");
            assert_eq!(line.get("id"), spec.get("id"), "{line}");
            assert!(line.get("stats").is_none(), "{line}");
            let error = line["error"].as_str().unwrap();
            for needle in *needles {
                assert!(error.contains(needle), "line {i}: {error}");
            }
            continue;
        };
        assert_eq!(line["status"], "ok", "{line}");
        assert_eq!(line["id"], case.spec["id"]);
        let single = velo()
            .arg("backtest")
            .arg(fixture(GOOG))
            .args(&case.flags)
            .args(["--format", "json"])
            .run()
            .code(0)
            .json();
        assert_eq!(line["stats"], single["stats"], "spec {i}: {}", case.spec);
    }
}

/// The same specs, reversed, with `_` and `-` swapped in every key and the keys in reverse
/// order, on one worker instead of three: the same statistics for every id.
#[test]
fn order_spelling_and_workers_change_no_result() {
    let specs: Vec<Value> = (0..14).map(|n| good_case(n).spec).collect();
    let respelt: Vec<Value> = specs
        .iter()
        .rev()
        .map(|s| {
            let obj = s.as_object().unwrap();
            let mut out = serde_json::Map::new();
            for (k, v) in obj.iter().rev() {
                let k = if k.contains('_') {
                    k.replace('_', "-")
                } else {
                    k.replace('-', "_")
                };
                out.insert(k, v.clone());
            }
            Value::Object(out)
        })
        .collect();
    let run = |specs: &[Value], jobs: &str| {
        let out = velo()
            .fixture_as(GOOG, "data/GOOG.csv")
            .file("specs/b.jsonl", jsonl(specs))
            .args(["backtest", "batch", "specs/b.jsonl", "--jobs", jobs])
            .run()
            .code(0);
        lines_by_index(&out.stdout)
            .into_values()
            .map(|v| (v["id"].as_str().unwrap().to_string(), v["stats"].clone()))
            .collect::<BTreeMap<_, _>>()
    };
    let a = run(&specs, "3");
    let b = run(&respelt, "1");
    assert_eq!(a.len(), 14);
    assert_eq!(a, b);
}

#[test]
fn standard_input_paths_start_at_the_working_directory_and_blank_lines_keep_numbers() {
    let specs = "\n{\"data\": \"GOOG.csv\", \"strategy\": \"sma-cross\"}\n   \n{\"id\": 7, \"data\": \"GOOG.csv\", \"strategy\": \"rsi\"}\n";
    let out = velo()
        .fixture_as(GOOG, "GOOG.csv")
        .args(["backtest", "batch", "-"])
        .stdin(specs)
        .run()
        .code(0);
    let by_index = lines_by_index(&out.stdout);
    assert_eq!(by_index.keys().copied().collect::<Vec<_>>(), vec![1, 3]);
    assert!(by_index[&1].get("id").is_none());
    assert_eq!(by_index[&3]["id"], 7);
    assert!(
        out.stderr.contains("batch: 2 ok, 0 error"),
        "{}",
        out.stderr
    );
}

/// velo.toml's [backtest] table is under every spec as under a single run; a spec's key
/// overrides it as a flag does.
#[test]
fn velo_toml_applies_to_each_spec_as_to_a_single_run() {
    let toml = "[backtest]\ncommission = \"0.002\"\ncash = 50000\n";
    let specs = "{\"id\": \"toml\", \"data\": \"GOOG.csv\", \"strategy\": \"sma-cross\"}\n\
                 {\"id\": \"flag\", \"data\": \"GOOG.csv\", \"strategy\": \"sma-cross\", \"cash\": 10000}\n";
    let out = velo()
        .fixture_as(GOOG, "GOOG.csv")
        .file("velo.toml", toml)
        .file("specs.jsonl", specs)
        .args(["backtest", "batch", "specs.jsonl"])
        .run()
        .code(0);
    let by_id: BTreeMap<String, Value> = lines_by_index(&out.stdout)
        .into_values()
        .map(|v| (v["id"].as_str().unwrap().to_string(), v))
        .collect();
    for (id, flags) in [
        ("toml", &["--cash", "50000"][..]),
        ("flag", &["--cash", "10000"][..]),
    ] {
        let single = velo()
            .arg("backtest")
            .arg(fixture(GOOG))
            .args([
                "--strategy",
                "sma-cross",
                "--commission",
                "0.002",
                "--format",
                "json",
            ])
            .args(flags)
            .run()
            .code(0)
            .json();
        assert_eq!(by_id[id]["stats"], single["stats"], "{id}");
    }
}

#[test]
fn a_spec_past_its_time_limit_is_timed_out_and_exits_1() {
    let specs = "{\"data\": \"GOOG.csv\", \"strategy\": \"sma-cross\"}\n\
                 {\"data\": \"GOOG.csv\", \"strategy\": \"macd\"}\n";
    // No backtest finishes within a nanosecond, however fast the machine.
    let out = velo()
        .fixture_as(GOOG, "GOOG.csv")
        .file("s.jsonl", specs)
        .args(["backtest", "batch", "s.jsonl", "--timeout-per", "1ns"])
        .run()
        .code(1);
    let by_index = lines_by_index(&out.stdout);
    assert_eq!(by_index.len(), 2);
    for v in by_index.values() {
        assert_eq!(v["status"], "timed-out", "{v}");
        assert!(v["error"].as_str().unwrap().contains("time limit"), "{v}");
    }
    assert!(
        out.stderr.contains("0 ok, 0 error, 2 timed out of 2 specs"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_batch_itself_failing_is_exit_2_and_an_empty_one_runs_nothing() {
    velo()
        .args(["backtest", "batch", "nowhere.jsonl"])
        .run()
        .code(2)
        .stderr_has("nowhere.jsonl: cannot read the specs");
    velo()
        .file("specs/a.jsonl", "")
        .args(["backtest", "batch", "specs"])
        .run()
        .code(2)
        .stderr_has("a folder");
    let out = velo()
        .file("empty.jsonl", "\n\n")
        .args(["backtest", "batch", "empty.jsonl"])
        .run()
        .code(0)
        .stderr_has("holds no specs");
    assert!(out.stdout.is_empty());
    velo()
        .file("s.jsonl", "{}\n")
        .args(["backtest", "batch", "s.jsonl", "--jobs", "-1"])
        .run()
        .code(2);
}

/// SIGTERM in the middle of a long batch: it ends at once by the signal, and every line
/// printed is a whole, finished result.
#[cfg(unix)]
#[test]
fn sigterm_stops_a_batch_at_once_keeping_whole_lines() {
    use std::os::unix::process::ExitStatusExt;
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture(GOOG), dir.path().join("GOOG.csv")).unwrap();
    let total = 50_000;
    let mut specs = String::new();
    for i in 0..total {
        let spec = json!({"id": i, "data": "GOOG.csv", "strategy": "sma-cross",
                          "params": {"fast": 5 + i % 30, "slow": 40}});
        specs.push_str(&spec.to_string());
        specs.push('\n');
    }
    std::fs::write(dir.path().join("specs.jsonl"), specs).unwrap();
    let mut child =
        crate::backtest::spawn_backtest(dir.path(), &["batch", "specs.jsonl", "--jobs", "2"]);
    let stdout = dir.path().join("stdout.json");
    // However far it got (the assertions hold at any point), wait for a first result.
    let started = Instant::now();
    while std::fs::read_to_string(&stdout)
        .unwrap_or_default()
        .is_empty()
    {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no result within two minutes"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    crate::support::signal(&child, rustix::process::Signal::TERM);
    let (status, _) =
        crate::backtest::wait_bounded(&mut child, Duration::from_secs(30), "after SIGTERM");
    assert_eq!(status.signal(), Some(15), "ends by SIGTERM: {status:?}");
    let text = std::fs::read_to_string(&stdout).unwrap();
    let by_index = lines_by_index(&text);
    assert!(
        !by_index.is_empty() && by_index.len() < total,
        "{}",
        by_index.len()
    );
    for v in by_index.values() {
        assert_eq!(v["status"], "ok", "{v}");
        assert_eq!(v["id"], v["index"]);
    }
    let stderr = std::fs::read_to_string(dir.path().join("stderr.txt")).unwrap();
    assert!(stderr.contains("interrupted"), "{stderr}");
}
