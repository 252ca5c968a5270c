//! `velo monitor` against a workload with known figures (fixtures/monitor/workload.py, standard
//! library Python). Bounds are generous where the machine's load could move a figure; the
//! figures themselves (rates, sums) are checked as the acceptance asks.
#![cfg(target_os = "linux")]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{fixture, velo};

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
        println!("skipped: python3 is not installed");
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
    velo()
        .args(["monitor", "--", "velo-no-such-command-xyz"])
        .run()
        .code(2)
        .stderr_has("command not found: velo-no-such-command-xyz");
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
        println!("skipped the unprivileged run: setpriv is not installed");
        return;
    };
    if !out.status.success() && out.stdout.is_empty() {
        println!(
            "skipped the unprivileged run: {}",
            String::from_utf8_lossy(&out.stderr).trim()
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
    let first: serde_json::Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert_eq!(first["type"], "sample");
    assert!(first["rss_bytes"].as_u64().unwrap() > 0);
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
        println!("skipped promtool check: promtool is not installed");
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
        println!("skipped browser check: no chromium or google-chrome installed");
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
            "sleep 0.3",
        ])
        .run()
        .code(0)
        .stdout_has("| pid |")
        .stdout_has("leak verdict");
}
