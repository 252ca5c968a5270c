//! `velo monitor` against a workload with known figures (fixtures/monitor/workload.py, standard
//! library Python). Bounds are generous where the machine's load could move a figure; the
//! figures themselves (rates, sums) are checked as the acceptance asks.
#![cfg(target_os = "linux")]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{fixture, has_session_leader, marker, sigkill_leaves_nothing, velo};

/// The Python interpreter, or `None` (the test prints why it is skipped).
fn python() -> Option<&'static str> {
    let ok = Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        Some("python3")
    } else {
        crate::support::skip("monitor workload", "python3 is not installed");
        None
    }
}

fn workload() -> String {
    fixture("monitor/workload.py").display().to_string()
}

fn velo_bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("velo")
}

const MIB: f64 = 1024.0 * 1024.0;

#[test]
fn a_steady_leak_is_found_with_its_rate() {
    let Some(py) = python() else { return };
    let rate = 2.0 * MIB;
    let out = velo()
        .args(["monitor", "--interval", "100ms", "--format", "json", "--"])
        .args([py, &workload(), "grow", &format!("{rate}"), "7", "1"])
        .run()
        .code(0);
    let j = out.json();
    assert_eq!(j["leak"]["verdict"], "leak", "{j:#}");
    let slope = j["leak"]["slope_bytes_per_s"].as_f64().unwrap();
    assert!(
        (slope / rate - 1.0).abs() < 0.02,
        "slope {slope} vs true rate {rate}"
    );
    assert!(j["leak"]["r2"].as_f64().unwrap() > 0.5);
    assert_eq!(j["schema_version"], 1);
    assert_eq!(j["peak_source"], "sampled");
    for key in [
        "samples",
        "duration_s",
        "peak_rss_bytes",
        "mean_cpu_pct",
        "peak_cpu_pct",
        "peak_threads",
        "peak_fds",
    ] {
        assert!(j[key].is_number(), "{key}: {j:#}");
    }
    assert!(j["breaches"].as_array().unwrap().is_empty());
}

#[test]
fn a_flat_noisy_workload_is_stable() {
    let Some(py) = python() else { return };
    let out = velo()
        .args(["monitor", "--interval", "100ms", "--format", "json", "--"])
        .args([py, &workload(), "flat", "40", "5"])
        .run()
        .code(0);
    let j = out.json();
    assert_eq!(j["leak"]["verdict"], "stable", "{j:#}");
}

#[test]
fn a_cache_filling_once_is_not_a_leak() {
    let Some(py) = python() else { return };
    let out = velo()
        .args(["monitor", "--interval", "100ms", "--format", "json", "--"])
        .args([py, &workload(), "step", "60", "3", "7"])
        .run()
        .code(0);
    let j = out.json();
    assert_eq!(j["leak"]["verdict"], "stable", "{j:#}");
}

fn vmrss(pid: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = text.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[test]
fn peak_rss_is_the_sum_of_the_trees_vmrss() {
    let Some(py) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pids");
    let record = dir.path().join("rec.csv");
    let child = Command::new(velo_bin())
        .args([
            "monitor",
            "--interval",
            "100ms",
            "--format",
            "json",
            "--record",
        ])
        .arg(&record)
        .arg("--")
        .args([py, &workload(), "hold", "30", "3", "4"])
        .arg(&pidfile)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !pidfile.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "workload never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(800));
    let pids: Vec<String> = std::fs::read_to_string(&pidfile)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(pids.len(), 3);
    let total: u64 = pids.iter().map(|p| vmrss(p).unwrap()).sum();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let peak = j["peak_rss_bytes"].as_f64().unwrap();
    let diff = (peak / total as f64 - 1.0).abs();
    assert!(diff < 0.01, "peak {peak} vs VmRSS sum {total}: {diff}");
    // The record has the same figures, written as they came.
    let csv = std::fs::read_to_string(&record).unwrap();
    assert!(csv.starts_with("t_s,cpu_pct,rss_bytes,"), "{csv}");
    let max_rss = csv
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(2)?.parse::<f64>().ok())
        .fold(0.0, f64::max);
    assert!((max_rss - peak).abs() < 1.0, "{max_rss} vs {peak}");
}

#[test]
fn short_lived_children_show_their_cpu() {
    let Some(py) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("children_cpu");
    let out = velo()
        .args(["monitor", "--interval", "500ms", "--format", "json", "--"])
        .args([py, &workload(), "short", "2", "0.1"])
        .arg(&report)
        .run()
        .code(0);
    let j = out.json();
    let children: f64 = std::fs::read_to_string(&report)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let seen = j["cpu_seconds"].as_f64().unwrap();
    assert!(children > 0.5, "the workload's children used {children}s");
    // Every child ended between two samples or so; their CPU is counted all the same (the
    // root's own CPU comes on top).
    assert!(
        seen >= children * 0.9,
        "monitor saw {seen} CPU-s, the children alone used {children}"
    );
    assert!(seen <= children * 2.0 + 1.0, "{seen} vs {children}");
}

#[test]
fn a_breached_rss_limit_exits_1_and_names_limit_and_peak() {
    let Some(py) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pids");
    let out = velo()
        .args([
            "monitor",
            "--interval",
            "100ms",
            "--max-rss",
            "10M",
            "--format",
            "json",
            "--",
        ])
        .args([py, &workload(), "hold", "30", "1", "1.5"])
        .arg(&pidfile)
        .run()
        .code(1)
        .stderr_has("--max-rss 10.0MiB crossed")
        .stderr_has("peak");
    let j = out.json();
    let b = &j["breaches"][0];
    assert_eq!(b["limit"], "max-rss");
    assert!((b["threshold"].as_f64().unwrap() - 10.0 * MIB).abs() < 1.0);
    assert!(b["peak"].as_f64().unwrap() > 30.0 * MIB);
    assert!(b["over_by"].as_f64().unwrap() > 20.0 * MIB);
    assert!(b["first_at_s"].as_f64().unwrap() > 0.0);
}

fn alive(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        let state = s
            .rfind(')')
            .and_then(|i| s[i + 1..].split_whitespace().next().map(str::to_string));
        !matches!(state.as_deref(), Some("Z" | "X"))
    })
}

#[test]
fn kill_on_breach_leaves_no_process_behind() {
    let Some(py) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pids");
    let started = Instant::now();
    velo()
        .args([
            "monitor",
            "--interval",
            "100ms",
            "--max-rss",
            "60M",
            "--kill-on-breach",
            "--kill-after",
            "300ms",
            "--",
        ])
        .args([py, &workload(), "setsid-tree", "200", "60"])
        .arg(&pidfile)
        .run()
        .code(1)
        .stderr_has("--max-rss")
        .stdout_has("stopped on a breached limit");
    assert!(
        started.elapsed() < Duration::from_secs(50),
        "not stopped early"
    );
    let pids = std::fs::read_to_string(&pidfile).unwrap();
    let pids: Vec<&str> = pids.lines().collect();
    assert_eq!(pids.len(), 3, "parent, child, setsid grandchild");
    let deadline = Instant::now() + Duration::from_secs(5);
    while pids.iter().any(|p| alive(p)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    for p in &pids {
        assert!(!alive(p), "process {p} survived");
    }
}

#[test]
fn the_commands_exit_code_is_passed_through() {
    velo()
        .args([
            "monitor",
            "--interval",
            "50ms",
            "--",
            "sh",
            "-c",
            "sleep 0.2; exit 3",
        ])
        .run()
        .code(3)
        .stdout_has("exit code 3");
}

#[test]
fn a_pid_that_ends_during_monitoring_is_a_note() {
    let mut child = Command::new("sleep").arg("0.6").spawn().unwrap();
    let pid = child.id().to_string();
    let out = velo()
        .args([
            "monitor",
            "--pid",
            &pid,
            "--interval",
            "100ms",
            "--format",
            "json",
        ])
        .run()
        .code(0);
    let _ = child.wait();
    let j = out.json();
    assert_eq!(j["ended"], "exited");
    assert!(j["duration_s"].as_f64().unwrap() >= 0.4, "{j:#}");
    let notes = j["notes"].as_array().unwrap();
    assert!(
        notes.iter().any(|n| n.as_str().unwrap().contains("exited")),
        "{j:#}"
    );
}

#[test]
fn bad_input_gets_a_clear_error() {
    velo()
        .args(["monitor", "--pid", "2147483646"])
        .run()
        .code(2)
        .stderr_has("no process with PID 2147483646");
    // As a shell (and `timeout`, `env`) says it: the command's own codes pass through, so
    // velo's must not look like them.
    velo()
        .args(["monitor", "--", "velo-no-such-command-xyz"])
        .run()
        .code(127)
        .stderr_has("command not found: velo-no-such-command-xyz");
    velo()
        .file("data.txt", "not a program")
        .args(["monitor", "--", "./data.txt"])
        .run()
        .code(126)
        .stderr_has("not executable");
    velo()
        .args(["monitor", "--max-rss", "12Q", "--", "true"])
        .run()
        .code(2)
        .stderr_has("\"12Q\"");
    velo()
        .args(["monitor", "--max-leak", "5MB", "--", "true"])
        .run()
        .code(2)
        .stderr_has("invalid rate \"5MB\"");
    velo()
        .args(["monitor", "--max-rss", "1G", "--duration", "100ms"])
        .run()
        .code(2)
        .stderr_has("--pid PID or a command");
    velo()
        .args(["monitor", "--record", "x.txt", "--", "true"])
        .run()
        .code(2)
        .stderr_has(".csv or .jsonl");
    velo()
        .args(["monitor", "--interval", "1ms", "--", "true"])
        .run()
        .code(2)
        .stderr_has("too short");
}

#[test]
fn out_of_range_and_negative_values_name_the_value_and_the_rule() {
    // The value given, and the range: not a rounded "0ms", not clap's "unexpected argument".
    for (args, needles) in [
        (
            ["--interval", "1ns"].as_slice(),
            ["\"1ns\" is too short", "10ms to 1h"].as_slice(),
        ),
        (&["--interval", "2h"], &["\"2h\" is too long", "10ms to 1h"]),
        (&["--interval", "0"], &["\"0\" is too short", "10ms to 1h"]),
        (&["--interval", "-5s"], &["\"-5s\" is negative"]),
        (
            &["--max-rss", "-5M"],
            &["\"-5M\" is negative", "0 means no limit"],
        ),
        (&["--max-cpu", "-5"], &["\"-5\" is negative"]),
        (&["--max-threads", "-1"], &["\"-1\" is negative"]),
        (&["--max-leak", "-5MB/min"], &["\"-5MB/min\" is negative"]),
        (
            &["--duration", "-1s"],
            &["\"-1s\" is negative", "0 means no limit"],
        ),
        (&["--every", "100000000000000d"], &["is too long"]),
        (
            &["--kill-after", "-1s"],
            &["\"-1s\" is negative", "0 means no grace: SIGKILL at once"],
        ),
    ] {
        let out = velo()
            .arg("monitor")
            .args(args)
            .args(["--", "true"])
            .run()
            .code(2);
        let err = out.stderr_redacted();
        assert!(!err.contains("unexpected argument"), "{args:?}: {err}");
        for n in needles {
            assert!(err.contains(n), "{args:?}: {err}");
        }
    }
    // The same rules for the values of velo.toml, named by file and key.
    velo()
        .file("velo.toml", "[monitor]\ninterval = \"1ns\"\n")
        .args(["monitor", "--", "true"])
        .run()
        .code(2)
        .stderr_has("[monitor] interval")
        .stderr_has("\"1ns\" is too short");
}

#[test]
fn zero_means_no_limit() {
    // --duration 0 used to stop the command at the first sample; 0 for a limit crossed always.
    let out = velo()
        .args([
            "monitor",
            "--interval",
            "50ms",
            "--duration",
            "0",
            "--max-rss",
            "0",
            "--max-fds",
            "0",
            "--max-cpu",
            "0",
            "--every",
            "0",
            "--format",
            "json",
            "--",
            "sleep",
            "0.6",
        ])
        .run()
        .code(0);
    let j = out.json();
    assert_eq!(j["ended"], "exited", "{j:#}");
    assert!(j["duration_s"].as_f64().unwrap() >= 0.5, "{j:#}");
    assert_eq!(j["breaches"], serde_json::json!([]));
    // --every 0: a line at every sample.
    assert!(out.stderr_redacted().matches("velo: monitor ").count() >= 3);
    // A limit from velo.toml is turned off from the command line with 0.
    velo()
        .file("velo.toml", "[monitor]\nmax-rss = \"1K\"\n")
        .args(["monitor", "--max-rss", "0", "--", "sleep", "0.2"])
        .run()
        .code(0);
}

#[test]
fn a_zombie_pid_is_called_a_zombie() {
    // A child of this test that exits unreaped is a zombie until we wait for it.
    let mut child = Command::new("true").spawn().unwrap();
    let pid = child.id().to_string();
    let deadline = Instant::now() + Duration::from_secs(10);
    while alive(&pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let me = std::process::id().to_string();
    for extra in [&[][..], &["--snapshot"][..]] {
        velo()
            .args(["monitor", "--pid", &pid])
            .args(extra)
            .run()
            .code(2)
            .stderr_has(&format!("PID {pid} is a zombie"))
            .stderr_has(&format!("parent, PID {me}"));
    }
    let _ = child.wait();
}

#[test]
fn velo_does_not_watch_itself() {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "exec '{}' monitor --pid $$ --duration 1s",
            velo_bin().display()
        ))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is this velo process itself"),
        "{out:?}"
    );
}

#[test]
fn unreadable_or_foreign_proc_entries_are_notes_not_failures() {
    // PID 1 belongs to root: as another user its io and fd entries are denied; as root they
    // read. Either way the run completes.
    let out = velo()
        .args([
            "monitor",
            "--pid",
            "1",
            "--interval",
            "100ms",
            "--duration",
            "400ms",
            "--format",
            "json",
        ])
        .run()
        .code(0);
    let j = out.json();
    assert!(j["samples"].as_u64().unwrap() >= 1);
    assert_eq!(j["ended"], "duration");
    // As root, look again as an unprivileged user: root's entries are then denied.
    if !rustix::process::geteuid().is_root() {
        return;
    }
    let Ok(out) = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(velo_bin())
        .args([
            "monitor",
            "--pid",
            "1",
            "--interval",
            "100ms",
            "--duration",
            "300ms",
            "--format",
            "json",
        ])
        .current_dir("/")
        .output()
    else {
        crate::support::skip("monitor unprivileged run", "setpriv is not installed");
        return;
    };
    if !out.status.success() && out.stdout.is_empty() {
        crate::support::skip(
            "monitor unprivileged run",
            String::from_utf8_lossy(&out.stderr).trim(),
        );
        return;
    }
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let notes = j["notes"].to_string();
    assert!(notes.contains("permission denied"), "{j:#}");
}

#[test]
fn the_whole_system_is_watched_without_a_target() {
    let out = velo()
        .args([
            "monitor",
            "--interval",
            "100ms",
            "--duration",
            "500ms",
            "--format",
            "json",
        ])
        .run()
        .code(0);
    let j = out.json();
    assert_eq!(j["mode"], "system");
    let sys = &j["system"];
    assert!(sys["mem_total_bytes"].as_u64().unwrap() > 0);
    assert!(sys["peak_mem_used_bytes"].as_u64().unwrap() > 0);
    assert!(sys["cpus"].as_u64().unwrap() >= 1);
    assert!(sys["disks"].is_array());
}

#[test]
fn a_snapshot_lists_the_tree() {
    use std::os::unix::process::CommandExt as _;
    let mut child = Command::new("sh")
        .args(["-c", "sleep 5 & sleep 5; wait"])
        .process_group(0)
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let pid = child.id().to_string();
    let out = velo()
        .args([
            "monitor",
            "--pid",
            &pid,
            "--snapshot",
            "--interval",
            "100ms",
            "--format",
            "json",
        ])
        .run()
        .code(0);
    if let Some(pgid) = rustix::process::Pid::from_raw(child.id() as i32) {
        let _ = rustix::process::kill_process_group(pgid, rustix::process::Signal::KILL);
    }
    let _ = child.wait();
    let j = out.json();
    assert_eq!(j["processes"], 3, "{j:#}");
    assert_eq!(j["procs"].as_array().unwrap().len(), 3);
}

/// A minimal check of the Prometheus text format: comments, `name{labels} value` lines, a
/// TYPE for each metric before its samples, names and label names as the format allows.
fn check_prometheus_text(text: &str) {
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    };
    let mut typed: Vec<String> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut f = rest.split(' ');
            let name = f.next().unwrap();
            assert!(name_ok(name), "{line}");
            assert!(matches!(f.next(), Some("gauge" | "counter")), "{line}");
            assert!(!typed.contains(&name.to_string()), "TYPE twice: {line}");
            typed.push(name.to_string());
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        assert!(!line.starts_with('#'), "{line}");
        let (series, value) = line.rsplit_once(' ').unwrap();
        value
            .parse::<f64>()
            .unwrap_or_else(|_| panic!("bad value: {line}"));
        let name = series.split('{').next().unwrap();
        assert!(name_ok(name), "{line}");
        assert_eq!(
            typed.last().map(String::as_str),
            Some(name),
            "no TYPE: {line}"
        );
        if let Some(labels) = series.strip_prefix(name).filter(|l| !l.is_empty()) {
            assert!(labels.starts_with('{') && labels.ends_with('}'), "{line}");
        }
        if name.ends_with("_total") {
            assert!(text.contains(&format!("# TYPE {name} counter")), "{line}");
        }
    }
    assert!(typed.contains(&"velo_monitor_peak_rss_bytes".to_string()));
}

#[test]
fn record_plot_and_metrics_files() {
    let Some(py) = python() else { return };
    let out = velo()
        .args([
            "monitor",
            "--interval",
            "100ms",
            "--record",
            "run.jsonl",
            "--plot",
            "run.svg",
            "--metrics-file",
            "run.prom",
            "--max-cpu",
            "1",
            "--",
        ])
        .args([py, &workload(), "grow", "1048576", "2", "1"])
        .run()
        .code(1);
    let dir = out.dir.path();
    let lines = std::fs::read_to_string(dir.join("run.jsonl")).unwrap();
    let rows: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // The first sample is taken at the start: time 0, no CPU % yet (null, not 0).
    assert_eq!(rows[0]["type"], "sample");
    assert_eq!(rows[0]["t_s"].as_f64(), Some(0.0));
    assert!(rows[0]["cpu_pct"].is_null(), "{:#}", rows[0]);
    assert!(rows.iter().any(|r| r["rss_bytes"].as_u64().unwrap() > 0));
    assert!(rows[1]["cpu_pct"].is_number());
    let svg = std::fs::read_to_string(dir.join("run.svg")).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("the SVG is well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    assert!(svg.contains("breach: --max-cpu"), "breach marked");
    assert!(svg.contains("leak fit"), "leak fit marked");
    let prom = std::fs::read_to_string(dir.join("run.prom")).unwrap();
    check_prometheus_text(&prom);
    assert!(prom.contains("velo_monitor_limit_exceeded_by{limit=\"max-cpu\"}"));
    promtool(&dir.join("run.prom"));
    chromium_screenshot(&dir.join("run.svg"));
}

/// `promtool check metrics` when installed (Debian's prometheus package).
fn promtool(path: &Path) {
    let Ok(text) = std::fs::read(path) else {
        panic!("no metrics file")
    };
    let child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        crate::support::skip(
            "monitor promtool check",
            "promtool is not installed (Debian's prometheus package)",
        );
        return;
    };
    {
        use std::io::Write as _;
        child.stdin.take().unwrap().write_all(&text).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Opens the SVG in headless Chromium and takes a screenshot, when a browser is installed.
fn chromium_screenshot(svg: &Path) {
    let Some(browser) = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
    else {
        crate::support::skip(
            "monitor svg in a browser",
            "no chromium or google-chrome installed (apt-get install chromium, or run .ci/run)",
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("shot.png");
    let status = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1000,620",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", svg.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "{browser} failed on the SVG");
    let bytes = std::fs::read(&png).expect("a screenshot was written");
    assert!(bytes.starts_with(b"\x89PNG"), "not a PNG");
    assert!(
        bytes.len() > 5_000,
        "screenshot is blank ({} bytes)",
        bytes.len()
    );
}

#[test]
fn sigterm_is_forwarded_to_the_command() {
    let Some(py) = python() else { return };
    let script = "import signal, sys, time\n\
                  def bye(*_):\n    print('child: got SIGTERM', flush=True)\n    sys.exit(0)\n\
                  signal.signal(signal.SIGTERM, bye)\n\
                  print('ready', flush=True)\n\
                  time.sleep(60)\n";
    let mut child = Command::new(velo_bin())
        .args(["monitor", "--interval", "100ms", "--", py, "-c", script])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    // Wait for the child's first line, then signal velo (not the child).
    let mut first = [0u8; 6];
    std::io::Read::read_exact(&mut out, &mut first).unwrap();
    assert_eq!(&first, b"ready\n");
    let started = Instant::now();
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(child.id() as i32).unwrap(),
        rustix::process::Signal::TERM,
    )
    .unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    let status = child.wait().unwrap();
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(rest.contains("child: got SIGTERM"), "{rest}");
    // velo re-raises the signal it got, as every velo command does.
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(15),
        "{status:?}"
    );
}

#[test]
fn markdown_summary() {
    velo()
        .args([
            "monitor",
            "--interval",
            "50ms",
            "--format",
            "markdown",
            "--",
            "sh",
            "-c",
            // A tree whose sum is well above any one process's own peak, so the headline peak
            // is a sample's and the breakdown at it is shown (the kernel's one-process figure
            // has none).
            "sleep 0.6 & sleep 0.6 & sleep 0.6 & wait",
        ])
        .run()
        .code(0)
        .stdout_has("| pid |")
        .stdout_has("leak verdict");
}

/// A Python one-liner that touches `mib` MiB at once and exits (about half a second).
fn alloc_script(mib: u64) -> String {
    format!("b = b'x' * ({mib} << 20)")
}

#[test]
fn a_short_lived_command_is_measured_at_its_exit() {
    let Some(py) = python() else { return };
    // 320 MB for well under the 5 s interval: no periodic sample can see it. The kernel's
    // figures kept at the exit do, and --max-rss fails the run on them.
    let out = velo()
        .args([
            "monitor",
            "--interval",
            "5s",
            "--max-rss",
            "100M",
            "--format",
            "json",
            "--",
            py,
            "-c",
            &alloc_script(320),
        ])
        .run()
        .code(1);
    let j = out.json();
    let peak = j["peak_rss_bytes"].as_f64().unwrap();
    assert!(peak >= 300.0 * MIB, "{j:#}");
    assert_eq!(j["peak_source"], "rusage", "{j:#}");
    assert!(j["rusage_max_rss_bytes"].as_f64().unwrap() >= 300.0 * MIB);
    // Never less than the truth known: the sampled peak is there too, and smaller.
    assert!(j["sampled_peak_rss_bytes"].as_f64().unwrap() < peak);
    let b = &j["breaches"][0];
    assert_eq!(b["limit"], "max-rss", "{j:#}");
    assert!(b["peak"].as_f64().unwrap() >= 300.0 * MIB);
    // A command that ran has a duration and CPU time; the start sample is there.
    assert!(j["duration_s"].as_f64().unwrap() > 0.0, "{j:#}");
    assert!(j["cpu_seconds"].as_f64().unwrap() > 0.0, "{j:#}");
    assert!(j["samples"].as_u64().unwrap() >= 1, "{j:#}");
    assert!(j["notes"].to_string().contains("maximum RSS"), "{j:#}");
}

#[test]
fn a_command_too_quick_for_any_sample_still_has_figures() {
    let out = velo()
        .args(["monitor", "--format", "json", "--", "true"])
        .run()
        .code(0);
    let j = out.json();
    assert!(j["duration_s"].as_f64().unwrap() > 0.0, "{j:#}");
    assert!(j["peak_rss_bytes"].as_u64().unwrap() > 0, "{j:#}");
    assert!(j["cpu_seconds"].is_number(), "{j:#}");
    assert_eq!(j["ended"], "exited");
}

#[test]
fn a_cgroup_gives_the_whole_trees_exact_peak() {
    let Some(py) = python() else { return };
    // Two processes hold 150 MB each at the same time (each waits at a barrier for the other),
    // then exit: the sum is seen only by the cgroup; wait4 gives the largest one.
    let script = "import os, sys, time\n\
                  b = b'x' * (150 << 20)\n\
                  d = sys.argv[1]\n\
                  open(os.path.join(d, str(os.getpid())), 'w').close()\n\
                  t = time.time()\n\
                  while len(os.listdir(d)) < 2 and time.time() - t < 30:\n    time.sleep(0.01)\n";
    let barrier = tempfile::tempdir().unwrap();
    let b = barrier.path().display().to_string();
    let out = velo()
        .args(["monitor", "--interval", "5s", "--format", "json", "--"])
        .args([
            "sh",
            "-c",
            "\"$0\" -c \"$1\" \"$2\" & \"$0\" -c \"$1\" \"$2\"; wait",
        ])
        .args([py, script, &b])
        .run()
        .code(0);
    let j = out.json();
    let Some(group) = j["cgroup_peak_bytes"].as_f64() else {
        // Where this test can make a memory group itself, velo must have made one too.
        assert!(
            !v1_memory_group_writable(),
            "a cgroup v1 memory group is writable here but velo made none: {j:#}"
        );
        let why = j["notes"]
            .as_array()
            .and_then(|n| {
                n.iter()
                    .find_map(|n| n.as_str().filter(|n| n.contains("cgroup")))
            })
            .unwrap_or("no reason given")
            .to_string();
        crate::support::skip("monitor cgroup peak", &why);
        return;
    };
    let one = j["rusage_max_rss_bytes"].as_f64().unwrap();
    assert!(group >= 2.0 * 140.0 * MIB, "{j:#}");
    assert!(one >= 140.0 * MIB && one < group, "{j:#}");
    // The RSS peak is not the charged-memory figure (which counts page cache too).
    assert!(j["peak_rss_bytes"].as_f64().unwrap() < group, "{j:#}");
}

/// Whether this process may make a child of its own cgroup v1 memory group (it tries).
fn v1_memory_group_writable() -> bool {
    let Ok(cg) = std::fs::read_to_string("/proc/self/cgroup") else {
        return false;
    };
    let Some(path) = cg.lines().find_map(|l| {
        let mut f = l.splitn(3, ':');
        let (_, controllers, path) = (f.next()?, f.next()?, f.next()?);
        controllers
            .split(',')
            .any(|c| c == "memory")
            .then_some(path)
    }) else {
        return false;
    };
    let Ok(mi) = std::fs::read_to_string("/proc/self/mountinfo") else {
        return false;
    };
    let Some((mount, root)) = mi.lines().find_map(|l| {
        let (left, right) = l.split_once(" - ")?;
        let mut r = right.split_whitespace();
        (r.next()? == "cgroup" && r.nth(1)?.split(',').any(|o| o == "memory")).then(|| {
            let f: Vec<&str> = left.split_whitespace().collect();
            (f[4].to_string(), f[3].to_string())
        })
    }) else {
        return false;
    };
    let rel = path
        .strip_prefix(root.trim_end_matches('/'))
        .unwrap_or(path);
    let probe = Path::new(&mount)
        .join(rel.trim_start_matches('/'))
        .join(format!("velo-test-probe-{}", std::process::id()));
    let made = std::fs::create_dir(&probe).is_ok();
    if made {
        let _ = std::fs::remove_dir(&probe);
    }
    made
}

#[test]
fn unreadable_counters_are_null_not_zero() {
    // As an unprivileged user, a root process's `io` and `smaps_rollup` cannot be read.
    if !rustix::process::geteuid().is_root() {
        crate::support::skip("monitor null counters", "needs root to run velo as nobody");
        return;
    }
    let mut target = Command::new("sleep").arg("10").spawn().unwrap();
    let pid = target.id().to_string();
    let run = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(velo_bin())
        .args([
            "monitor",
            "--pid",
            &pid,
            "--interval",
            "100ms",
            "--duration",
            "300ms",
            "--format",
            "json",
        ])
        .current_dir("/")
        .output();
    let _ = target.kill();
    let _ = target.wait();
    let Ok(out) = run else {
        crate::support::skip("monitor null counters", "setpriv is not installed");
        return;
    };
    if out.stdout.is_empty() {
        crate::support::skip(
            "monitor null counters",
            String::from_utf8_lossy(&out.stderr).trim(),
        );
        return;
    }
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in ["read_bytes", "write_bytes", "peak_pss_bytes"] {
        assert!(j[key].is_null(), "{key}: {j:#}");
    }
    // (Descriptor counts are readable by anyone since Linux 6.2: a number or null, never a
    // made-up 0.)
    assert!(
        j["peak_fds"].is_null() || j["peak_fds"].as_u64() > Some(0),
        "{j:#}"
    );
    assert!(j["peak_rss_bytes"].as_u64().unwrap() > 0, "{j:#}");
}

/// The `<text>` labels of an SVG whose `text-anchor` is `anchor`, in document order.
fn svg_labels(svg: &str, anchor: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("text") && n.attribute("text-anchor") == Some(anchor))
        .filter_map(|n| n.text().map(str::to_string))
        .collect()
}

#[test]
fn the_plot_starts_at_time_0_with_round_distinct_ticks() {
    let out = velo()
        .args([
            "monitor",
            "--interval",
            "50ms",
            "--plot",
            "run.svg",
            "--format",
            "json",
            "--",
            "sleep",
            "0.5",
        ])
        .run()
        .code(0);
    let svg = std::fs::read_to_string(out.dir.path().join("run.svg")).unwrap();
    // Value axes (two panels): each panel's labels differ from each other.
    let values = svg_labels(&svg, "end");
    let (memory, cpu) = values.split_at(values.iter().position(|l| l.ends_with('%')).unwrap());
    for axis in [memory, cpu] {
        let mut seen = std::collections::HashSet::new();
        assert!(axis.iter().all(|l| seen.insert(l)), "{axis:?}");
        assert!(axis.len() >= 3, "{axis:?}");
    }
    // Round memory ticks: a whole number of the step, no 488.3KiB.
    let numbers: Vec<f64> = memory
        .iter()
        .map(|l| l.trim_end_matches(char::is_alphabetic).parse().unwrap())
        .collect();
    let step = numbers[1] - numbers[0];
    assert!(numbers
        .iter()
        .all(|n| (n / step - (n / step).round()).abs() < 1e-6));
    // The memory line starts at the left edge: the sample taken at time 0.
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let first_path = doc
        .descendants()
        .find(|n| n.has_tag_name("path"))
        .and_then(|n| n.attribute("d"))
        .unwrap();
    assert!(first_path.starts_with("M80.0,"), "{first_path}");
    let times = svg_labels(&svg, "middle");
    assert!(
        times[0].starts_with('0') && times[0].ends_with('s'),
        "{times:?}"
    );
}

#[test]
fn secrets_on_the_command_line_never_reach_any_output() {
    // The command (and a child of it) carry secrets in every form the masking rule knows.
    let script = "sleep 0.6 & sleep 0.6; wait";
    let out = velo()
        .args([
            "monitor",
            "--interval",
            "50ms",
            "--record",
            "run.jsonl",
            "--plot",
            "run.svg",
            "--metrics-file",
            "run.prom",
            "--max-threads",
            "1",
            "--format",
            "json",
            "--",
            "sh",
            "-c",
            script,
            "sh",
            "--api-key=SEKRIT-1",
            "--token",
            "SEKRIT-2",
            "PASSWORD=SEKRIT-3",
            "https://bot:SEKRIT-4@example.com/x",
            "Authorization: Bearer SEKRIT-5",
        ])
        .run()
        .code(1)
        .nowhere("SEKRIT");
    let j = out.json();
    let command = j["target"]["command"].as_str().unwrap();
    assert!(command.contains("--api-key=…(8 chars)"), "{command}");
    assert!(command.contains("--token …(8 chars)"), "{command}");
    assert!(command.contains("https://bot:…@example.com/x"), "{command}");
    for f in ["run.jsonl", "run.svg", "run.prom"] {
        let text = std::fs::read_to_string(out.dir.path().join(f)).unwrap();
        assert!(!text.contains("SEKRIT"), "{f}: {text}");
    }
    // The table too, and a watched pid's command line.
    let mut child = Command::new("sh")
        .args(["-c", "sleep 2", "sh", "--password", "SEKRIT-6"])
        .spawn()
        .unwrap();
    let pid = child.id().to_string();
    velo()
        .args([
            "monitor",
            "--pid",
            &pid,
            "--interval",
            "50ms",
            "--duration",
            "300ms",
        ])
        .run()
        .code(0)
        .stdout_has("--password …(8 chars)")
        .nowhere("SEKRIT");
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn the_runners_monitor_measures_a_short_lived_test_at_its_exit() {
    let Some(py) = python() else { return };
    // The runner's --monitor uses the same sampling: a 320 MB test shorter than the interval
    // fails --max-rss on the kernel's figures, and the run has a duration.
    let out = velo()
        .args([
            "test-timeout-runner",
            "--max-rss",
            "100M",
            "--monitor-interval",
            "5s",
            "--format",
            "json",
            "--",
            py,
            "-c",
            &alloc_script(320),
        ])
        .run()
        .code(1);
    let j = out.json();
    let m = &j["monitor"];
    assert!(
        m["peak_rss_bytes"].as_f64().unwrap() >= 300.0 * MIB,
        "{m:#}"
    );
    assert_eq!(m["peak_source"], "rusage", "{m:#}");
    assert_eq!(m["breaches"][0]["limit"], "max-rss", "{m:#}");
    assert!(m["duration_s"].as_f64().unwrap() > 0.0, "{m:#}");
    assert!(m["samples"].as_u64().unwrap() >= 1, "{m:#}");
}

#[test]
fn a_duration_shorter_than_the_interval_is_kept() {
    let started = Instant::now();
    let out = velo()
        .args([
            "monitor",
            "--duration",
            "200ms",
            "--interval",
            "20s",
            "--format",
            "json",
            "--",
            "sleep",
            "30",
        ])
        .run()
        .code(0);
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "waited for the tick"
    );
    let j = out.json();
    assert_eq!(j["ended"], "duration", "{j:#}");
    // The start sample and one at the end of the duration.
    assert!(j["samples"].as_u64().unwrap() >= 2, "{j:#}");
}

#[test]
fn a_command_that_leaves_a_daemon_ends_with_it_stopped_and_named() {
    let started = Instant::now();
    let out = velo()
        .args([
            "monitor",
            "--format",
            "json",
            "--",
            "sh",
            "-c",
            "setsid sleep 30 >/dev/null 2>&1 </dev/null & echo $! > daemon.pid; exit 0",
        ])
        .run()
        .code(0);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "waited for the daemon"
    );
    let j = out.json();
    assert_eq!(j["ended"], "exited");
    assert!(j["duration_s"].as_f64().unwrap() > 0.0);
    let pid = std::fs::read_to_string(out.dir.path().join("daemon.pid")).unwrap();
    let pid = pid.trim();
    // Named `setsid sleep 30` or `sleep 30`: before or after setsid's exec.
    let notes = j["notes"].to_string();
    assert!(notes.contains(&format!("process {pid} (")), "{j:#}");
    assert!(notes.contains("sleep 30) outlived the command"), "{j:#}");
    let deadline = Instant::now() + Duration::from_secs(5);
    while alive(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!alive(pid), "the daemon survived");
}

#[test]
fn sigkill_to_velo_leaves_no_process_of_the_command_setsid_ones_included() {
    let mut cmd = Command::new(velo_bin());
    cmd.args([
        "monitor",
        "--",
        "sh",
        "-c",
        "sleep 300 & setsid sleep 300 & wait",
    ]);
    let mark = marker();
    let left = sigkill_leaves_nothing(cmd, &mark, |t| t.len() >= 3 && has_session_leader(t));
    assert!(left.is_empty(), "left after SIGKILL to velo: {left:?}");
}
