//! The output contract every command shares (`velo::outfile`, README "Output files"): every
//! file-writing flag is checked before the work (not an input, not named twice, its folder
//! there), written atomically with the mode any tool gives a new file, FIFOs and devices
//! written in place, and a failed write is exit 2 after the command's own result. FIFOs and
//! devices are made by each test in its own folder, never the system's.

use std::io::Read as _;
use std::os::unix::fs::{FileTypeExt as _, PermissionsExt as _};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{mkfifo, skip, velo, velo_after, Velo};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// velo's temporary files left in `dir` (there must be none after a run).
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".velo-tmp"))
        .collect()
}

const SWEEP: [&str; 4] = ["--grid", "fast=5,10", "--grid", "slow=20,30"];

/// A folder with every kind of input the commands read, and links to them.
fn inputs(v: Velo) -> Velo {
    let v = v
        .fixture_as("backtest/GOOG.csv", "GOOG.csv")
        .fixture_as("backtest/GOOG.csv", "data/GOOG.csv")
        .file("app.log", "ERROR db down\nINFO ok\n")
        .file("logs/app.log", "ERROR db down\nINFO ok\n")
        .file(
            "a.xml",
            r#"<testsuites><testsuite name="s"><testcase name="t"/></testsuite></testsuites>"#,
        );
    std::os::unix::fs::symlink("GOOG.csv", v.dir().join("link.csv")).unwrap();
    std::fs::hard_link(v.dir().join("GOOG.csv"), v.dir().join("hard.csv")).unwrap();
    v
}

#[test]
fn no_flag_of_any_command_overwrites_an_input_of_its_run() {
    fn bt(extra: &[&'static str]) -> Vec<&'static str> {
        let mut a = vec!["backtest", "GOOG.csv", "--strategy", "sma-cross"];
        a.extend_from_slice(extra);
        a
    }
    fn sweep(extra: &[&'static str]) -> Vec<&'static str> {
        let mut a = bt(&SWEEP);
        a.extend_from_slice(extra);
        a
    }
    let cases: Vec<(Vec<&str>, &str, &str)> = vec![
        (bt(&["--report", "GOOG.csv"]), "--report", "GOOG.csv"),
        (bt(&["--trades", "GOOG.csv"]), "--trades", "GOOG.csv"),
        (bt(&["--equity", "./GOOG.csv"]), "--equity", "GOOG.csv"),
        (bt(&["--report", "link.csv"]), "--report", "GOOG.csv"),
        (bt(&["--trades", "hard.csv"]), "--trades", "GOOG.csv"),
        (sweep(&["--results", "GOOG.csv"]), "--results", "GOOG.csv"),
        (
            sweep(&["--heatmap", "data/../GOOG.csv"]),
            "--heatmap",
            "GOOG.csv",
        ),
        (
            vec![
                "backtest",
                "data",
                "--strategy",
                "sma-cross",
                "--results",
                "data/GOOG.csv",
            ],
            "--results",
            "data/GOOG.csv",
        ),
        (
            vec!["log-digest", "app.log", "--assignments", "app.log"],
            "--assignments",
            "app.log",
        ),
        (
            vec!["log-digest", "logs", "--assignments", "logs/app.log"],
            "--assignments",
            "logs/app.log",
        ),
        (
            vec!["test-timeout-runner", "merge", "a.xml", "--junit", "a.xml"],
            "--junit",
            "a.xml",
        ),
    ];
    for (args, flag, input) in cases {
        let v = inputs(velo());
        let before = std::fs::read(v.dir().join(input)).unwrap();
        let out = v.args(&args).run();
        assert_eq!(out.code, Some(2), "{args:?}\n{}", out.stderr);
        assert!(
            out.stderr.contains(flag) && out.stderr.contains("is the input"),
            "{args:?}: {}",
            out.stderr
        );
        assert_eq!(
            std::fs::read(out.dir.path().join(input)).unwrap(),
            before,
            "{args:?} changed its input"
        );
        assert!(leftovers(out.dir.path()).is_empty());
    }
}

#[test]
fn two_flags_naming_one_file_are_refused_before_the_work() {
    velo()
        .fixture_as("backtest/GOOG.csv", "GOOG.csv")
        .args(["backtest", "GOOG.csv", "--strategy", "sma-cross"])
        .args(["--trades", "x.csv", "--equity", "./x.csv"])
        .run()
        .code(2)
        .stderr_has("--trades x.csv and --equity ./x.csv name the same file");
    let out = velo()
        .args(["monitor", "--record", "x.csv", "--plot", "x.csv"])
        .args(["--", "sh", "-c", "touch ran"])
        .run()
        .code(2)
        .stderr_has("--record x.csv and --plot x.csv name the same file");
    assert!(!out.dir.path().join("ran").exists(), "the command ran");
}

#[test]
fn a_missing_folder_is_refused_before_the_work_not_after_it() {
    let out = velo()
        .args(["monitor", "--plot", "plots/run.svg"])
        .args(["--", "sh", "-c", "touch ran"])
        .run()
        .code(2)
        .stderr_has("--plot plots/run.svg: the folder plots does not exist")
        .stderr_has("mkdir -p plots");
    assert!(!out.dir.path().join("ran").exists(), "the command ran");
    let out = velo()
        .fixture_as("backtest/GOOG.csv", "GOOG.csv")
        .args(["backtest", "GOOG.csv", "--strategy", "sma-cross"])
        .args(SWEEP)
        .args(["--heatmap", "out/h.svg", "--results", "out/r.jsonl"])
        .run()
        .code(2)
        .stderr_has("--heatmap out/h.svg: the folder out does not exist")
        .stderr_has("--results out/r.jsonl: the folder out does not exist");
    assert!(out.stdout.is_empty(), "the sweep ran: {}", out.stdout);
    let out = velo()
        .file("taken", "a file")
        .args(["test-timeout-runner", "--output-dir", "taken"])
        .args(["--", "sh", "-c", "touch ran"])
        .run()
        .code(2)
        .stderr_has("--output-dir taken: is not a folder");
    assert!(!out.dir.path().join("ran").exists(), "the command ran");
}

#[test]
fn new_files_get_0666_less_the_umask_as_any_tool_gives_them() {
    // Each command's file flags: (arguments, the files they write).
    let runs: [(&[&str], &[&str]); 4] = [
        (
            &[
                "backtest",
                "GOOG.csv",
                "--strategy",
                "sma-cross",
                "--trades",
                "t.csv",
                "--equity",
                "e.csv",
                "--report",
                "r.html",
            ],
            &["t.csv", "e.csv", "r.html"],
        ),
        (
            &[
                "monitor",
                "--interval",
                "20ms",
                "--plot",
                "p.svg",
                "--metrics-file",
                "m.prom",
                "--record",
                "r.csv",
                "--",
                "sleep",
                "0.5",
            ],
            &["p.svg", "m.prom", "r.csv"],
        ),
        (
            &["test-timeout-runner", "--junit", "j.xml", "--", "true"],
            &["j.xml"],
        ),
        (
            &["log-digest", "app.log", "--assignments", "a.jsonl"],
            &["a.jsonl"],
        ),
    ];
    for (umask, want) in [("027", 0o640), ("022", 0o644)] {
        for (args, files) in runs {
            let out = velo_after(&format!("umask {umask}"))
                .fixture_as("backtest/GOOG.csv", "GOOG.csv")
                .file("app.log", "ERROR x\n")
                .args(args)
                .run()
                .code(0);
            for f in files {
                let got = mode(&out.dir.path().join(f));
                assert_eq!(got, want, "{f} under umask {umask}: {got:o}");
            }
        }
    }
}

#[test]
fn a_replaced_file_keeps_its_mode_and_is_replaced_not_rewritten() {
    let v = velo()
        .fixture_as("backtest/GOOG.csv", "GOOG.csv")
        .file("trades.csv", "old\n");
    let trades = v.dir().join("trades.csv");
    std::fs::set_permissions(&trades, std::fs::Permissions::from_mode(0o604)).unwrap();
    std::fs::hard_link(&trades, v.dir().join("kept.csv")).unwrap();
    let out = v
        .args(["backtest", "GOOG.csv", "--strategy", "sma-cross"])
        .args(["--trades", "trades.csv"])
        .run()
        .code(0);
    let dir = out.dir.path();
    assert!(std::fs::read_to_string(dir.join("trades.csv"))
        .unwrap()
        .starts_with("size,entry_bar"));
    assert_eq!(mode(&dir.join("trades.csv")), 0o604);
    // The other name of the old file still has its bytes: nothing was truncated in place.
    assert_eq!(
        std::fs::read_to_string(dir.join("kept.csv")).unwrap(),
        "old\n"
    );
}

/// Starts `cat PATH` as the reader of a FIFO.
fn reader(dir: &Path, name: &str) -> std::process::Child {
    Command::new("cat")
        .arg(name)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap()
}

/// What the reader got, within a generous bound (a reader nobody writes to is killed).
fn read_all(mut child: std::process::Child) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut text = String::new();
    child.stdout.take()?.read_to_string(&mut text).ok()?;
    Some(text)
}

#[test]
fn a_fifo_is_written_in_place_never_replaced_by_a_file() {
    let v = velo().fixture_as("backtest/GOOG.csv", "GOOG.csv");
    mkfifo(&v.dir().join("trades.fifo"));
    mkfifo(&v.dir().join("results.fifo"));
    let trades = reader(v.dir(), "trades.fifo");
    let results = reader(v.dir(), "results.fifo");
    let out = v
        .args(["backtest", "GOOG.csv", "--strategy", "sma-cross"])
        .args(SWEEP)
        .args(["--trades", "trades.fifo", "--results", "results.fifo"])
        .run();
    let (t, r) = (read_all(trades), read_all(results));
    out.code(0);
    let t = t.expect("the trades reader got nothing");
    assert!(t.starts_with("size,entry_bar"), "{t}");
    let r = r.expect("the results reader got nothing");
    assert_eq!(r.lines().count(), 4, "{r}");
}

/// Makes a character device like the system's null (1,3) or full (1,7) device in the test's
/// own folder; `None` (with the reason said) where this user or file system cannot.
fn own_device(dir: &Path, name: &str, minor: u32, test: &str) -> Option<std::path::PathBuf> {
    let path = dir.join(name);
    let made = rustix::fs::mknodat(
        rustix::fs::CWD,
        &path,
        rustix::fs::FileType::CharacterDevice,
        rustix::fs::Mode::from_raw_mode(0o666),
        rustix::fs::makedev(1, minor),
    );
    if let Err(e) = made {
        skip(
            test,
            &format!("cannot make a device node here ({e}): needs root"),
        );
        return None;
    }
    if let Err(e) = std::fs::OpenOptions::new().write(true).open(&path) {
        skip(
            test,
            &format!("a device node cannot be opened here ({e}): nodev?"),
        );
        return None;
    }
    Some(path)
}

#[test]
fn a_device_is_written_in_place_and_stays_a_device() {
    let v = velo().fixture_as("backtest/GOOG.csv", "GOOG.csv");
    let Some(null) = own_device(v.dir(), "null", 3, "a_device_is_written_in_place") else {
        return;
    };
    let out = v
        .args(["backtest", "GOOG.csv", "--strategy", "sma-cross"])
        .args(["--report", "null", "--trades", "null"])
        .run()
        .code(0);
    assert!(std::fs::metadata(&null)
        .unwrap()
        .file_type()
        .is_char_device());
    drop(out);
}

#[test]
fn a_failed_write_is_exit_2_after_the_result_is_printed() {
    let test = "a_failed_write_is_exit_2_after_the_result_is_printed";
    let v = velo().fixture_as("backtest/GOOG.csv", "GOOG.csv");
    let Some(_) = own_device(v.dir(), "full", 7, test) else {
        return;
    };
    let out = v
        .args([
            "backtest",
            "GOOG.csv",
            "--strategy",
            "sma-cross",
            "--format",
            "json",
        ])
        .args(["--trades", "full"])
        .run()
        .code(2)
        .stderr_has("--trades full: cannot write: No space left on device");
    assert!(out.json()["stats"]["sharpe_ratio"].is_f64());
    assert!(std::fs::metadata(out.dir.path().join("full"))
        .unwrap()
        .file_type()
        .is_char_device());

    let v = velo();
    own_device(v.dir(), "full", 7, test).unwrap();
    let out = v
        .args([
            "test-timeout-runner",
            "--junit",
            "full",
            "--format",
            "json",
            "--",
            "true",
        ])
        .run()
        .code(2)
        .stderr_has("--junit full: cannot write");
    assert_eq!(out.json()["summary"]["passed"], 1);

    let v = velo();
    own_device(v.dir(), "full", 7, test).unwrap();
    let out = v
        .args(["monitor", "--interval", "20ms", "--metrics-file", "full"])
        .args(["--format", "json", "--", "sleep", "0.3"])
        .run()
        .code(2)
        .stderr_has("--metrics-file full: cannot write");
    assert!(out.json()["samples"].is_u64());

    let v = velo().file("app.log", "ERROR db down\n");
    own_device(v.dir(), "full", 7, test).unwrap();
    let out = v
        .args([
            "log-digest",
            "app.log",
            "--assignments",
            "full",
            "--format",
            "json",
        ])
        .run()
        .code(2)
        .stderr_has("--assignments full: cannot write");
    assert!(out.json()["templates"].is_array(), "{}", out.stdout);
}

/// A file size limit of one block (512 bytes in dash, 1 KiB in bash): as a full disk does to a
/// regular file, writes fail past a point. SIGXFSZ is ignored so that such a write fails with
/// EFBIG instead of killing velo.
const SMALL_FILES: &str = "trap '' XFSZ; ulimit -f 1";

#[test]
fn a_regular_file_that_cannot_be_written_keeps_its_old_bytes_and_ends_with_exit_2() {
    let out = velo_after(SMALL_FILES)
        .fixture_as("backtest/GOOG.csv", "GOOG.csv")
        .file("r.html", "old report")
        .args([
            "backtest",
            "GOOG.csv",
            "--strategy",
            "sma-cross",
            "--format",
            "json",
        ])
        .args(["--report", "r.html"])
        .run()
        .code(2)
        .stderr_has("--report r.html: cannot write")
        .stderr_has("the file was left as it was");
    assert!(out.json()["stats"]["return_pct"].is_f64());
    assert_eq!(
        std::fs::read_to_string(out.dir.path().join("r.html")).unwrap(),
        "old report"
    );
    assert!(leftovers(out.dir.path()).is_empty());

    // A streamed file too: the old results stay, the sweep's own result is printed.
    let out = velo_after(SMALL_FILES)
        .fixture_as("backtest/GOOG.csv", "GOOG.csv")
        .file("r.jsonl", "old results\n")
        .args([
            "backtest",
            "GOOG.csv",
            "--strategy",
            "sma-cross",
            "--format",
            "json",
        ])
        .args(["--grid", "fast=2..12", "--grid", "slow=20,30"])
        .args(["--results", "r.jsonl"])
        .run()
        .code(2)
        .stderr_has("--results r.jsonl: cannot write");
    assert!(out.json()["results"].is_array());
    assert_eq!(
        std::fs::read_to_string(out.dir.path().join("r.jsonl")).unwrap(),
        "old results\n"
    );
    assert!(leftovers(out.dir.path()).is_empty());

    // monitor --record: said when it happens, an error at the end, the summary still out.
    let out = velo_after(SMALL_FILES)
        .args([
            "monitor",
            "--interval",
            "10ms",
            "--record",
            "r.csv",
            "--format",
            "json",
        ])
        .args(["--", "sleep", "2"])
        .run()
        .code(2)
        .stderr_has("--record r.csv: cannot write");
    assert!(out.json()["samples"].as_u64().unwrap() > 0);
}

#[test]
fn a_full_file_system_is_an_error_with_the_result_printed() {
    let test = "a_full_file_system_is_an_error_with_the_result_printed";
    let v = velo().fixture_as("backtest/GOOG.csv", "GOOG.csv");
    std::fs::create_dir(v.dir().join("small")).unwrap();
    // A 32 KiB tmpfs in a mount namespace of its own (root only): an HTML report is ~115 KB.
    let mount = "mount -t tmpfs -o size=32k velo-test small";
    let probe = Command::new("unshare")
        .args(["-m", "sh", "-c", mount])
        .current_dir(v.dir())
        .output();
    if !probe.as_ref().is_ok_and(|o| o.status.success()) {
        skip(
            test,
            "cannot mount a small tmpfs here (needs root and unshare)",
        );
        return;
    }
    let out = Command::new("unshare")
        .args(["-m", "sh", "-c", &format!("{mount} && exec \"$0\" \"$@\"")])
        .arg(env!("CARGO_BIN_EXE_velo"))
        .args([
            "backtest",
            "GOOG.csv",
            "--strategy",
            "sma-cross",
            "--format",
            "json",
        ])
        .args(["--report", "small/r.html", "--trades", "small/t.csv"])
        .current_dir(v.dir())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--report small/r.html: cannot write"),
        "{stderr}"
    );
    assert!(stderr.contains("No space left on device"), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json["stats"]["return_pct"].is_f64());
}

#[test]
fn the_file_stdout_goes_to_is_not_an_output_too() {
    let v = velo().fixture_as("backtest/GOOG.csv", "GOOG.csv");
    let stdout = std::fs::File::create(v.dir().join("out.txt")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_velo"))
        .args(["backtest", "GOOG.csv", "--strategy", "sma-cross"])
        .args(["--trades", "out.txt"])
        .current_dir(v.dir())
        .stdout(stdout)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("standard output"), "{stderr}");
}

#[test]
fn a_streamed_file_over_an_old_one_says_so_and_replaces_it_at_the_end() {
    let out = velo()
        .fixture_as("backtest/GOOG.csv", "GOOG.csv")
        .file("r.jsonl", "old\n")
        .args(["backtest", "GOOG.csv", "--strategy", "sma-cross"])
        .args(SWEEP)
        .args(["--results", "r.jsonl"])
        .run()
        .code(0)
        .stderr_has("--results r.jsonl exists: it is replaced when the run ends");
    let text = std::fs::read_to_string(out.dir.path().join("r.jsonl")).unwrap();
    assert_eq!(text.lines().count(), 4, "{text}");
    assert!(!text.starts_with("old"), "{text}");
    assert!(leftovers(out.dir.path()).is_empty());
}

#[test]
fn prune_compresses_with_the_logs_mode_and_never_over_an_old_gz() {
    let v = velo()
        .file("logs/app.log", "live\n")
        .file("logs/app.log.1", "rotated\n")
        .file("logs/app.log.2", "older\n")
        .file("logs/app.log.2.gz", "an archive of its own");
    let rotated = v.dir().join("logs/app.log.1");
    std::fs::set_permissions(&rotated, std::fs::Permissions::from_mode(0o640)).unwrap();
    // Rotated as logrotate does: .1 newer than .2 (pruning goes newest first).
    let hours_ago = |h: u64| std::time::SystemTime::now() - Duration::from_secs(h * 3600);
    for (name, h) in [("app.log.1", 1), ("app.log.2", 2), ("app.log.2.gz", 3)] {
        let f = std::fs::File::options()
            .write(true)
            .open(v.dir().join("logs").join(name))
            .unwrap();
        f.set_modified(hours_ago(h)).unwrap();
    }
    let out = v
        .args(["log-digest", "prune", "logs", "--compress"])
        .run()
        .code(2)
        .stderr_has("app.log.2.gz already exists");
    let logs = out.dir.path().join("logs");
    assert_eq!(mode(&logs.join("app.log.1.gz")), 0o640);
    assert_eq!(
        std::fs::read_to_string(logs.join("app.log.2.gz")).unwrap(),
        "an archive of its own"
    );
    assert_eq!(
        std::fs::read_to_string(logs.join("app.log.2")).unwrap(),
        "older\n"
    );
}
