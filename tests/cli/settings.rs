//! The one settings layer, command by command: a bad value in velo.toml is named by its table,
//! key and file, with the same reason the flag's rule gives for the same text; `--jobs` follows
//! the one rule (0 = one per CPU) in every command that takes it; 0 means the same for the
//! kill grace in the runner and the monitor.

use std::time::{Duration, Instant};

use crate::support::{fixture, velo};

/// The reason a flag's rule gives for `value`: clap's message after the flag's name.
fn flag_reason(args: &[&str], flag: &str, value: &str) -> String {
    let out = velo()
        .args(args.iter().take(1))
        .arg(format!("{flag}={value}"))
        .args(args.iter().skip(1))
        .run()
        .code(2);
    let err = out.stderr_redacted();
    let line = err
        .lines()
        .find(|l| l.contains(flag))
        .unwrap_or_else(|| panic!("{flag} {value}: {err}"));
    let (_, reason) = line
        .split_once(">': ")
        .unwrap_or_else(|| panic!("not clap's wording: {line}"));
    reason.to_string()
}

/// velo.toml's `[table] key = toml` is refused, named `[table] key in …/velo.toml`, with
/// `reason` (when given) after the name.
fn file_value_is_named(args: &[&str], table: &str, key: &str, toml: &str, reason: Option<&str>) {
    let out = velo()
        .file("velo.toml", format!("[{table}]\n{key} = {toml}\n"))
        .args(args)
        .run()
        .code(2);
    let err = out.stderr_redacted();
    let name = format!("[{table}] {key} in ");
    let at = err
        .find(&name)
        .unwrap_or_else(|| panic!("{name} not named: {err}"));
    let rest = &err[at + name.len()..];
    assert!(rest.contains("velo.toml: "), "{err}");
    if let Some(reason) = reason {
        assert!(
            rest.contains(&format!("velo.toml: {reason}")),
            "{reason}: {err}"
        );
    }
}

/// The flag and the key refuse the same text with the same reason.
fn same_rule(args: &[&str], table: &str, flag: &str, value: &str) {
    let reason = flag_reason(args, flag, value);
    let key = flag.trim_start_matches("--");
    // A count is written bare in TOML, the rest as strings.
    let toml = if value.parse::<i64>().is_ok() {
        value.to_string()
    } else {
        format!("{value:?}")
    };
    file_value_is_named(args, table, key, &toml, Some(&reason));
}

#[test]
fn env_check_names_a_bad_key() {
    let args = ["env-check", "--env-file", "-"];
    file_value_is_named(
        &args,
        "env-check",
        "process-env",
        "\"yes\"",
        Some("invalid type: string \"yes\", expected a boolean"),
    );
    file_value_is_named(
        &args,
        "env-check",
        "ignore",
        "[\"no-such-code\"]",
        Some("unknown code \"no-such-code\""),
    );
}

#[test]
fn scan_names_a_bad_key_and_follows_the_jobs_rule() {
    let dir = fixture("scan/good");
    let dir = dir.to_str().unwrap();
    let args = ["scan", dir];
    same_rule(&args, "scan", "--jobs", "5000");
    file_value_is_named(&args, "scan", "lookback", "1", Some("1 is out of range"));
    file_value_is_named(&args, "scan", "top", "\"x\"", Some("invalid type"));
    // jobs = 0 is one per CPU: the same ranking as one worker.
    let json = |toml: &str| {
        velo()
            .file("velo.toml", toml)
            .args(["scan", dir, "--format", "json"])
            .run()
            .code(0)
            .json()
    };
    assert_eq!(json("[scan]\njobs = 0\n"), json("[scan]\njobs = 1\n"));
}

#[test]
fn backtest_names_a_bad_key_and_follows_the_jobs_rule() {
    let goog = fixture("backtest/GOOG.csv");
    let goog = goog.to_str().unwrap();
    let args = ["backtest", goog, "--strategy", "sma-cross"];
    same_rule(&args, "backtest", "--jobs", "5000");
    same_rule(&args, "backtest", "--timeout-per", "-5s");
    same_rule(&args, "backtest", "--intrabar", "sideways");
    file_value_is_named(
        &args,
        "backtest",
        "cash",
        "-1",
        Some("-1: the starting cash must be more than 0"),
    );
    velo()
        .args(args)
        .args(["--cash", "-1"])
        .run()
        .code(2)
        .stderr_has("--cash: -1: the starting cash must be more than 0");
    // --jobs 0 is one per CPU in a sweep too: the same ranking as one worker.
    let sweep = |jobs: &str| {
        velo()
            .args(args)
            .args(["--grid", "fast=5..15:5", "--jobs", jobs, "--format", "json"])
            .run()
            .code(0)
            .json()
    };
    assert_eq!(sweep("0"), sweep("1"));
}

#[test]
fn log_digest_names_a_bad_key() {
    let args = ["log-digest", "-"];
    file_value_is_named(
        &args,
        "log-digest",
        "level",
        "\"loud\"",
        Some("unknown level \"loud\""),
    );
    file_value_is_named(
        &args,
        "log-digest",
        "fail-on",
        "\"loud\"",
        Some("unknown level \"loud\""),
    );
    file_value_is_named(
        &args,
        "log-digest",
        "log-format",
        "\"<Date>\"",
        Some("log format"),
    );
}

#[test]
fn the_runner_names_a_bad_key_and_follows_the_jobs_rule() {
    let args = ["test-timeout-runner", "--", "true"];
    for (flag, value) in [
        ("--timeout", "5x"),
        ("--timeout", "-5s"),
        ("--kill-after", "-1s"),
        ("--retry-backoff", "soon"),
        ("--jobs", "5000"),
    ] {
        same_rule(&args, "test-timeout-runner", flag, value);
    }
    file_value_is_named(
        &args,
        "test-timeout-runner",
        "retries",
        "-1",
        Some("invalid value"),
    );
}

#[test]
fn the_monitor_names_a_bad_key() {
    let args = ["monitor", "--", "true"];
    for (flag, value) in [
        ("--interval", "1ms"),
        ("--kill-after", "-1s"),
        ("--max-rss", "lots"),
        ("--max-leak", "-5MB/min"),
    ] {
        same_rule(&args, "monitor", flag, value);
    }
}

#[test]
fn the_runner_samples_at_the_monitors_interval_rule() {
    // --monitor-interval had its own wording; it is the monitor's --interval rule now.
    let runner = flag_reason(
        &["test-timeout-runner", "--", "true"],
        "--monitor-interval",
        "1ms",
    );
    let monitor = flag_reason(&["monitor", "--", "true"], "--interval", "1ms");
    assert_eq!(runner, monitor);
    assert!(
        runner.contains("\"1ms\" is too short: the interval is 10ms to 1h"),
        "{runner}"
    );
}

/// A tree that ignores SIGINT and SIGTERM (the ignoring is inherited by `sleep`): only SIGKILL
/// ends it, and it would otherwise run for a minute.
const STUBBORN: &str = "trap '' INT TERM; sleep 60";

#[test]
fn kill_after_0_is_sigkill_at_once_in_the_monitor() {
    let started = Instant::now();
    let out = velo()
        .args([
            "monitor",
            "--kill-after",
            "0",
            "--duration",
            "1s",
            "--format",
            "json",
        ])
        .args(["--", "sh", "-c", STUBBORN])
        .run()
        .code(0);
    let j = out.json();
    assert_eq!(j["ended"], "duration", "{j:#}");
    assert_eq!(j["exit"]["signal"], 9, "{j:#}");
    // Not "wait for ever": the minute-long tree is gone long before its end.
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn kill_after_0_is_sigkill_at_once_in_the_runner() {
    let started = Instant::now();
    let out = velo()
        .args([
            "test-timeout-runner",
            "--kill-after",
            "0",
            "--timeout",
            "1s",
            "--format",
            "json",
        ])
        .args(["--", "sh", "-c", STUBBORN])
        .run()
        .code(124);
    assert_eq!(out.json()["tests"][0]["outcome"], "timed-out");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
}
