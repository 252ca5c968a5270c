//! `velo test-timeout-runner`: exit codes of generic mode, whole-tree kill (setsid daemons
//! included), retries, and pytest mode on the fixture suite: outcomes per test, every
//! non-hanging test still run, nothing of the run left alive, JUnit that parses and agrees with
//! pytest's own counts, and a clean end when velo itself gets SIGTERM; cargo and go modes on
//! their fixture projects.
#![cfg(unix)]

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::support::{
    fixture, has_session_leader, marker, repo_root, sigkill_leaves_nothing, signal, skip,
    survivors, velo, venv_python, Velo,
};

/// Ends the calling test early (after [`skip`] said why) when a toolchain is missing.
macro_rules! or_skip {
    ($e:expr) => {
        match $e {
            Some(v) => v,
            None => return,
        }
    };
}

/// The Python with pytest: `VELO_TEST_PYTHON`, else a venv made once in `target/test-venv`
/// (`python3 -m venv` + `pip install pytest`, which needs the package index). `None` when
/// neither can be had: the pytest tests then skip, saying why.
pub(crate) fn python() -> Option<PathBuf> {
    static PY: OnceLock<Option<PathBuf>> = OnceLock::new();
    PY.get_or_init(|| {
        if let Some(p) = std::env::var_os("VELO_TEST_PYTHON").filter(|p| !p.is_empty()) {
            return Some(PathBuf::from(p));
        }
        venv_python("test-venv", &["pytest"], |py| {
            Command::new(py)
                .args(["-c", "import pytest"])
                .output()
                .is_ok_and(|o| o.status.success())
        })
    })
    .clone()
}

/// The Python with pytest, or `None` after saying why the calling test skips.
fn need_pytest(test: &str) -> Option<PathBuf> {
    let py = python();
    if py.is_none() {
        skip(
            test,
            "pytest not available; set VELO_TEST_PYTHON to a python with pytest, or let the tests make target/test-venv (python3 -m venv, pip install pytest; needs the package index), or run .ci/run",
        );
    }
    py
}

#[track_caller]
fn assert_nothing_left(mark: &str) {
    // Give the kernel a moment to finish tearing down killed processes.
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let left = survivors(mark);
        if left.is_empty() {
            return;
        }
        if Instant::now() > deadline {
            for (pid, _) in &left {
                let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            }
            panic!("processes of the run are still alive: {left:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Copies the pytest fixture suite into `dir`.
pub(crate) fn copy_suite(dir: &Path) {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                if e.file_name() != "__pycache__" && e.file_name() != ".pytest_cache" {
                    copy(&p, &to.join(e.file_name()));
                }
            } else {
                std::fs::copy(&p, to.join(e.file_name())).unwrap();
            }
        }
    }
    copy(&fixture("test-timeout-runner/pytest_suite"), dir);
}

/// velo in a copy of the pytest suite, tagged with a fresh marker (`None`: no pytest).
fn suite(test: &str) -> Option<(Velo, String)> {
    need_pytest(test)?;
    let v = velo();
    copy_suite(v.dir());
    let state = v.dir().join("state");
    std::fs::create_dir_all(&state).unwrap();
    let mark = marker();
    let v = v
        .env("VELO_TEST_MARK", &mark)
        .env("VELO_FIXTURE_STATE", &state);
    Some((v, mark))
}

fn pytest_cmd(files: &[&str]) -> Vec<String> {
    let mut v = vec![
        "--".to_string(),
        python().expect("pytest available").display().to_string(),
        "-m".into(),
        "pytest".into(),
        "-q".into(),
        "-p".into(),
        "no:cacheprovider".into(),
    ];
    v.extend(files.iter().map(|s| (*s).to_string()));
    v
}

/// A string field of the test `id` in a `--format json` report.
fn test_field<'a>(json: &'a serde_json::Value, id: &str, field: &str) -> &'a str {
    json["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("{id} missing from {json:#}"))[field]
        .as_str()
        .unwrap()
}

fn outcome_of<'a>(json: &'a serde_json::Value, id: &str) -> &'a str {
    test_field(json, id, "outcome")
}

fn junit_counts(path: &Path) -> [usize; 4] {
    let text = std::fs::read_to_string(path).unwrap();
    let doc = roxmltree::Document::parse(&text)
        .unwrap_or_else(|e| panic!("{} does not parse ({e}):\n{text}", path.display()));
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .expect("a testsuite");
    let n = |a: &str| suite.attribute(a).unwrap_or("0").parse::<usize>().unwrap();
    [n("tests"), n("failures"), n("errors"), n("skipped")]
}

/// `(classname.name, outcome, message)` of a JUnit testcase; outcome is `passed`, `failure`,
/// `error` or `skipped`.
type Case = (String, String, String);

/// Every testcase of a JUnit file (empty while the file does not exist yet).
fn testcases(path: &Path) -> Vec<Case> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let doc = roxmltree::Document::parse(&text)
        .unwrap_or_else(|e| panic!("{} does not parse ({e}):\n{text}", path.display()));
    doc.descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .map(|case| {
            let id = format!(
                "{}.{}",
                case.attribute("classname").unwrap_or(""),
                case.attribute("name").unwrap_or("")
            );
            let result = case
                .children()
                .find(|c| ["failure", "error", "skipped"].contains(&c.tag_name().name()));
            match result {
                Some(r) => (
                    id,
                    r.tag_name().name().to_string(),
                    r.attribute("message").unwrap_or("").to_string(),
                ),
                None => (id, "passed".to_string(), String::new()),
            }
        })
        .collect()
}

// ---------------------------------------------------------------- generic mode

#[test]
fn generic_mode_exit_codes_follow_gnu_timeout() {
    velo()
        .args(["test-timeout-runner", "--", "sh", "-c", "echo fine"])
        .run()
        .code(0)
        .stdout_has("fine");
    velo()
        .args([
            "test-timeout-runner",
            "--",
            "sh",
            "-c",
            "echo oops >&2; exit 3",
        ])
        .run()
        .code(3)
        .stderr_has("oops");
    velo()
        .args(["test-timeout-runner", "--", "velo-no-such-command"])
        .run()
        .code(127)
        .stderr_has("not found");
    velo()
        .file("script.sh", "#!/bin/sh\necho hi\n")
        .args(["test-timeout-runner", "--", "./script.sh"])
        .run()
        .code(126);
    velo()
        .args(["test-timeout-runner", "--", "sh", "-c", "kill -KILL $$"])
        .run()
        .code(128 + 9);
    velo()
        .args([
            "test-timeout-runner",
            "--timeout",
            "500ms",
            "--",
            "sleep",
            "30",
        ])
        .run()
        .code(124)
        .stderr_has("timed out");
}

#[test]
fn a_hanging_shell_command_is_killed_with_its_whole_tree() {
    let mark = marker();
    let started = Instant::now();
    velo()
        .env("VELO_TEST_MARK", &mark)
        .args([
            "test-timeout-runner",
            "--timeout",
            "1s",
            "--kill-after",
            "500ms",
            "--",
            "sh",
            "-c",
            "trap '' INT TERM; sleep 1000 & setsid sh -c 'trap \"\" INT TERM; sleep 1000' & echo started; sleep 1000",
        ])
        .run()
        .code(124)
        .stdout_has("started");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert_nothing_left(&mark);
}

/// Ending a run signals each process once: the command is in the group and carries the run's
/// tag, and a second SIGINT used to reach it through the tag (in pytest it broke into the
/// handling of the first, and the session then hung until SIGTERM).
#[test]
fn a_timeout_sends_the_command_one_sigint() {
    // The script marks when its handler is in place; a SIGINT that came before (a slow Python
    // start on a loaded machine) proves nothing, so that run is repeated with a longer timeout.
    for timeout in ["1s", "4s", "16s"] {
        let v = velo().file(
            "count.py",
            "import pathlib, signal, sys, time\n\
             seen = []\n\
             signal.signal(signal.SIGINT, lambda *a: seen.append(time.monotonic()))\n\
             pathlib.Path(sys.argv[2]).touch()\n\
             while not seen:\n    time.sleep(0.01)\n\
             time.sleep(3)\n\
             open(sys.argv[1], 'w').write(str(len(seen)))\n",
        );
        let count = v.dir().join("count.txt");
        let ready = v.dir().join("ready");
        let out = v
            .args([
                "test-timeout-runner",
                "--timeout",
                timeout,
                "--kill-after",
                "10s",
                "--",
            ])
            .args(["python3", "count.py"])
            .arg(&count)
            .arg(&ready)
            .run()
            .code(124);
        if !ready.exists() {
            continue;
        }
        assert_eq!(
            std::fs::read_to_string(&count).unwrap_or_default(),
            "1",
            "{}",
            out.stderr
        );
        return;
    }
    panic!("python3 did not install its SIGINT handler within 16 s, three times");
}

#[test]
fn idle_watchdog_ends_a_silent_command() {
    velo()
        .args([
            "test-timeout-runner",
            "--idle-timeout",
            "1s",
            "--",
            "sh",
            "-c",
            "echo hi; sleep 60",
        ])
        .run()
        .code(124)
        .stderr_has("no output for 1.0s");
}

#[test]
fn retries_turn_a_flaky_command_into_a_pass_and_keep_every_attempt() {
    let out = velo()
        .file(
            "flaky.sh",
            "n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count\necho attempt $n\n[ $n -ge 2 ] || { echo 'HTTP 503' >&2; exit 1; }\n",
        )
        .args([
            "test-timeout-runner",
            "--retries",
            "3",
            "--retry-backoff",
            "50ms",
            "--output-dir",
            "attempts",
            "--format",
            "json",
            "--",
            "sh",
            "flaky.sh",
        ])
        .run()
        .code(0);
    let json = out.json();
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["summary"]["flaky"], 1);
    let t = &json["tests"][0];
    assert_eq!(t["outcome"], "flaky");
    assert_eq!(t["attempts"], 2);
    assert!(t["duration_s"].is_number());
    assert!(t["excerpt"].is_string());
    let dir = out.dir.path().join("attempts");
    assert_eq!(
        std::fs::read_to_string(dir.join("attempt-1.stdout")).unwrap(),
        "attempt 1\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("attempt-1.stderr")).unwrap(),
        "HTTP 503\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("attempt-2.stdout")).unwrap(),
        "attempt 2\n"
    );
}

#[test]
fn generic_failure_summary_names_the_last_error_lines() {
    velo()
        .args([
            "test-timeout-runner",
            "--",
            "sh",
            "-c",
            "echo connecting; echo 'ConnectionError: refused' >&2; exit 1",
        ])
        .run()
        .code(1)
        .stderr_has("attempt 1/1 failed (exit code 1)")
        .stderr_has("ConnectionError: refused");
}

#[test]
fn per_test_flags_are_refused_in_generic_mode() {
    velo()
        .args([
            "test-timeout-runner",
            "--test-timeout",
            "5s",
            "--",
            "sh",
            "-c",
            "true",
        ])
        .run()
        .code(2)
        .stderr_has("--test-timeout needs a framework");
}

// ---------------------------------------------------------------- pytest mode

#[test]
fn pytest_hangs_cost_one_test_each_and_nothing_survives() {
    let (v, mark) = or_skip!(suite(
        "pytest_hangs_cost_one_test_each_and_nothing_survives"
    ));
    let mut args = vec![
        "test-timeout-runner".to_string(),
        "--test-timeout".into(),
        "3s".into(),
        "--kill-after".into(),
        "1s".into(),
        "--junit".into(),
        "report.xml".into(),
        "--format".into(),
        "json".into(),
    ];
    args.extend(pytest_cmd(&["tests/test_hangs.py", "tests/test_leak.py"]));
    let started = Instant::now();
    let out = v.args(&args).run().code(1);
    let elapsed = started.elapsed();
    let json = out.json();
    for (id, want) in [
        ("tests/test_hangs.py::test_before_hangs", "passed"),
        ("tests/test_hangs.py::test_sleeps_forever", "timed-out"),
        ("tests/test_hangs.py::test_blocked_on_child", "timed-out"),
        (
            "tests/test_hangs.py::test_setsid_grandchild_then_hang",
            "timed-out",
        ),
        ("tests/test_hangs.py::test_after_hangs", "passed"),
        (
            "tests/test_leak.py::test_leaks_daemon_holding_stdout",
            "passed",
        ),
        ("tests/test_leak.py::test_after_leak", "passed"),
    ] {
        assert_eq!(outcome_of(&json, id), want, "{id}");
    }
    assert_eq!(json["summary"]["passed"], 4);
    assert_eq!(json["summary"]["timed_out"], 3);
    assert_eq!(json["tests"].as_array().unwrap().len(), 7);
    // The hung test's captured output and its stack are in the report.
    let hung = json["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "tests/test_hangs.py::test_sleeps_forever")
        .unwrap();
    let excerpt = hung["excerpt"].as_str().unwrap();
    assert!(excerpt.contains("about to sleep forever"), "{excerpt}");
    assert!(excerpt.contains("in test_sleeps_forever"), "{excerpt}");
    // The leaked daemon held stdout: it was named and killed, and did not stall the run.
    let leaked = json["leaked"]
        .as_array()
        .expect("leaked processes reported");
    assert!(
        leaked.iter().any(|l| l["held_output"] == true),
        "{leaked:?}"
    );
    // 3 timeouts of 3 s, plus generous room for pytest start-ups on a loaded machine.
    assert!(elapsed < Duration::from_secs(9 + 40), "took {elapsed:?}");
    assert_eq!(
        junit_counts(&out.dir.path().join("report.xml")),
        [7, 3, 0, 0]
    );
    let xml = std::fs::read_to_string(out.dir.path().join("report.xml")).unwrap();
    assert_eq!(xml.matches("type=\"timeout\"").count(), 3);
    assert_nothing_left(&mark);
}

/// After a hang, the resumed pytest session collects only the modules that still hold tests:
/// neither the hung test's module (its other test finished) nor a module that finished before
/// it is imported again, and every other test keeps its outcome, parameters with `::`, spaces
/// and brackets included.
#[test]
fn a_resumed_pytest_session_collects_only_the_modules_left() {
    or_skip!(need_pytest(
        "a_resumed_pytest_session_collects_only_the_modules_left"
    ));
    let v = velo();
    let dir = v.dir().to_path_buf();
    copy_tree(&fixture("test-timeout-runner/pytest_resume"), &dir);
    let state = dir.join("state");
    std::fs::create_dir_all(&state).unwrap();
    let mark = marker();
    let mut args = vec![
        "test-timeout-runner".to_string(),
        "--test-timeout".into(),
        "3s".into(),
        "--format".into(),
        "json".into(),
    ];
    args.extend(pytest_cmd(&["tests"]));
    let out = v
        .env("VELO_TEST_MARK", &mark)
        .env("VELO_FIXTURE_STATE", &state)
        .args(&args)
        .run()
        .code(1);
    let json = out.json();
    let imports = std::fs::read_to_string(state.join("imports.log")).unwrap();
    let count = |name: &str| imports.lines().filter(|l| *l == name).count();
    // The first session imports every module; the resumed one only those with tests left.
    assert_eq!(
        [
            count("early"),
            count("a_hangs"),
            count("b_after"),
            count("late")
        ],
        [1, 1, 2, 2],
        "imports, in order:\n{imports}"
    );
    let b = "tests/test_b_after.py::";
    let want = [
        ("tests/early/test_early.py::test_early_one", "passed"),
        (
            "tests/early/test_early.py::TestEarly::test_method",
            "passed",
        ),
        ("tests/test_a_hangs.py::test_a_first", "passed"),
        ("tests/test_a_hangs.py::test_a_hangs", "timed-out"),
        (&format!("{b}test_param[x::y]"), "passed"),
        (&format!("{b}test_param[a b]"), "passed"),
        (&format!("{b}test_param[[c]]"), "passed"),
        (&format!("{b}test_param[d]::[e]"), "passed"),
        (&format!("{b}test_fails"), "failed"),
        (&format!("{b}test_skipped"), "skipped"),
        (&format!("{b}test_xfail"), "xfailed"),
        (&format!("{b}TestGroup::test_in_class[k::v]"), "passed"),
        ("tests/z_late/test_late.py::test_late_one", "passed"),
        ("tests/z_late/test_late.py::TestLate::test_method", "passed"),
    ];
    for (id, outcome) in want {
        assert_eq!(outcome_of(&json, id), outcome, "{id}");
    }
    // The id the resumed session made (it carries that process's pid) ran once, and passed.
    let tests = json["tests"].as_array().unwrap();
    let changing: Vec<_> = tests
        .iter()
        .filter(|t| {
            t["id"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{b}test_changing_id["))
        })
        .collect();
    assert_eq!(changing.len(), 1, "{changing:?}");
    assert_eq!(changing[0]["outcome"], "passed");
    assert_eq!(tests.len(), want.len() + 1, "{json:#}");
    assert_nothing_left(&mark);
}

/// A test past half its limit starts the next pytest session ahead of need; when nothing hangs
/// that spare is killed unused: the run passes, nothing of it is left, and `--output-dir`
/// holds the one session that ran.
#[test]
fn an_unused_spare_pytest_session_leaves_nothing() {
    or_skip!(need_pytest("an_unused_spare_pytest_session_leaves_nothing"));
    let mark = marker();
    let v = velo()
        .file(
            "tests/test_slow.py",
            "import time\n\ndef test_slow():\n    time.sleep(4)\n\ndef test_after():\n    pass\n",
        )
        .env("VELO_TEST_MARK", &mark);
    let mut args = vec![
        "test-timeout-runner".to_string(),
        "--test-timeout".into(),
        "5s".into(),
        "--output-dir".into(),
        "out".into(),
        "--format".into(),
        "json".into(),
    ];
    args.extend(pytest_cmd(&["tests"]));
    let out = v.args(&args).run().code(0);
    let json = out.json();
    assert_eq!(json["summary"]["passed"], 2, "{json:#}");
    let mut files: Vec<String> = std::fs::read_dir(out.dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["session-0.stderr", "session-0.stdout"]);
    assert_nothing_left(&mark);
}

#[test]
fn pytest_counts_agree_with_pytest_junitxml() {
    let (v, mark) = or_skip!(suite("pytest_counts_agree_with_pytest_junitxml"));
    let dir = v.dir().to_path_buf();
    let mut args = vec![
        "test-timeout-runner".to_string(),
        "--junit".into(),
        "velo.xml".into(),
    ];
    args.extend(pytest_cmd(&["tests/test_basic.py"]));
    let out = v.args(&args).run().code(1).stdout_has("1 failed");
    let status = Command::new(python().expect("pytest available"))
        .args([
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_basic.py",
            "--junitxml",
            "pytest.xml",
        ])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(status.status.code(), Some(1));
    let ours = junit_counts(&out.dir.path().join("velo.xml"));
    let theirs = junit_counts(&dir.join("pytest.xml"));
    assert_eq!(
        ours, theirs,
        "velo [tests, failures, errors, skipped] vs pytest"
    );
    assert_eq!(ours, [10, 1, 1, 2]);
    assert_nothing_left(&mark);
}

#[test]
fn pytest_flaky_test_passes_on_retry_and_policy_decides() {
    let (v, _) = or_skip!(suite(
        "pytest_flaky_test_passes_on_retry_and_policy_decides"
    ));
    let mut args = vec![
        "test-timeout-runner".to_string(),
        "--retries".into(),
        "2".into(),
        "--retry-backoff".into(),
        "10ms".into(),
        "--format".into(),
        "json".into(),
    ];
    args.extend(pytest_cmd(&["tests/test_flaky.py"]));
    let out = v.args(&args).run().code(0);
    let json = out.json();
    assert_eq!(
        outcome_of(&json, "tests/test_flaky.py::test_flaky"),
        "flaky"
    );
    assert_eq!(json["tests"][0]["attempts"], 2);

    let (v, _) = or_skip!(suite(
        "pytest_flaky_test_passes_on_retry_and_policy_decides"
    ));
    let mut args = vec![
        "test-timeout-runner".to_string(),
        "--retries".into(),
        "1".into(),
        "--retry-backoff".into(),
        "10ms".into(),
        "--fail-on-flaky".into(),
    ];
    args.extend(pytest_cmd(&["tests/test_flaky.py"]));
    v.args(&args).run().code(1).stdout_has("1 flaky");
}

#[test]
fn pytest_jobs_and_partitions_cover_the_same_tests() {
    let (v, _) = or_skip!(suite("pytest_jobs_and_partitions_cover_the_same_tests"));
    let mut args = vec![
        "test-timeout-runner".to_string(),
        "--jobs".into(),
        "3".into(),
        "--format".into(),
        "json".into(),
    ];
    args.extend(pytest_cmd(&["tests/test_basic.py"]));
    let json = v.args(&args).run().code(1).json();
    assert_eq!(json["tests"].as_array().unwrap().len(), 10);
    assert_eq!(json["summary"]["failed"], 1);

    let (v, _) = or_skip!(suite("pytest_jobs_and_partitions_cover_the_same_tests"));
    let dir = v.dir().to_path_buf();
    let mut shard_files = Vec::new();
    for k in 1..=2 {
        let (v, _) = or_skip!(suite("pytest_jobs_and_partitions_cover_the_same_tests"));
        let mut args = vec![
            "test-timeout-runner".to_string(),
            "--partition".into(),
            format!("{k}/2"),
            "--format".into(),
            "json".into(),
        ];
        args.extend(pytest_cmd(&["tests/test_basic.py"]));
        let out = v.args(&args).run();
        let file = dir.join(format!("shard{k}.json"));
        std::fs::write(&file, &out.stdout).unwrap();
        shard_files.push(file);
    }
    let out = v
        .args([
            "test-timeout-runner",
            "merge",
            "--format",
            "json",
            "--junit",
            "merged.xml",
        ])
        .args(&shard_files)
        .run()
        .code(1);
    let merged = out.json();
    assert_eq!(merged["tests"].as_array().unwrap().len(), 10);
    assert_eq!(merged["summary"]["passed"], 6);
    assert_eq!(junit_counts(&dir.join("merged.xml")), [10, 1, 1, 2]);
}

/// Issue 22: shards named by SLURM_ARRAY_TASK_ID carry K/N, the task and a work hash (JSON and
/// JUnit); a re-run of a task runs its tests again; merges refuse a missing, duplicate or
/// foreign shard naming it as Slurm does, and `--allow-partial` merges the rest with exit 1.
#[test]
fn pytest_shards_carry_their_identity_and_merges_refuse_holes() {
    let name = "pytest_shards_carry_their_identity_and_merges_refuse_holes";
    let (v, _) = or_skip!(suite(name));
    let dir = v.dir().to_path_buf();
    let shard = |task: &str, min: &str, tests: &str| {
        let (v, _) = suite(name).unwrap();
        let stem = tests.replace(['/', '.'], "_");
        let junit = dir.join(format!("part-{task}-{min}-{stem}.xml"));
        let mut args = vec![
            "test-timeout-runner".to_string(),
            "--partition".into(),
            "3".into(),
            "--format".into(),
            "json".into(),
            "--junit".into(),
            junit.display().to_string(),
        ];
        args.extend(pytest_cmd(&[tests]));
        let out = v
            .args(&args)
            .env("SLURM_ARRAY_TASK_ID", task)
            .env("SLURM_ARRAY_TASK_MIN", min)
            .run();
        let json = dir.join(format!("part-{task}-{min}-{stem}.json"));
        std::fs::write(&json, &out.stdout).unwrap();
        (out.json(), json, junit)
    };
    let parts: Vec<_> = ["0", "1", "2"]
        .iter()
        .map(|t| shard(t, "0", "tests/test_basic.py"))
        .collect();
    let ids = |j: &serde_json::Value| {
        let mut v: Vec<String> = j["tests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(parts[2].0["shard"], "3/3");
    assert_eq!(parts[2].0["shard_task"], "SLURM_ARRAY_TASK_ID=2");
    let hash = parts[0].0["work_hash"].as_str().unwrap().to_string();
    assert_eq!(hash.len(), 16);
    assert!(parts.iter().all(|p| p.0["work_hash"] == hash.as_str()));
    // `sbatch --array=2`: MIN is 2, the task is still task 2.
    let rerun = shard("2", "2", "tests/test_basic.py");
    assert_eq!(ids(&rerun.0), ids(&parts[2].0));
    let xml = std::fs::read_to_string(&parts[2].2).unwrap();
    assert!(
        xml.contains(r#"<property name="velo.shard" value="3/3"/>"#),
        "{xml}"
    );
    assert!(xml.contains(&format!(
        r#"<property name="velo.work_hash" value="{hash}"/>"#
    )));

    let merge = |files: &[&std::path::PathBuf], extra: &[&str]| {
        let (v, _) = suite(name).unwrap();
        v.args(["test-timeout-runner", "merge", "--format", "json"])
            .args(extra)
            .args(files)
            .run()
    };
    let (j0, j1, j2) = (&parts[0].1, &parts[1].1, &parts[2].1);
    let whole = merge(&[j0, j1, j2], &[]).code(1).json();
    assert_eq!(whole["tests"].as_array().unwrap().len(), 10);
    assert!(whole.get("shard").is_none() && whole.get("partial").is_none());
    merge(&[j0, j2], &[])
        .code(2)
        .stderr_has("missing shard(s) 2/3 (SLURM_ARRAY_TASK_ID=1) of 3");
    merge(&[j0, j1, j2, j0], &[])
        .code(2)
        .stderr_has("are both shard 1/3 (SLURM_ARRAY_TASK_ID=0)");
    // Another test list is other work.
    let other = shard("1", "0", "tests/test_flaky.py");
    merge(&[j0, &other.1, j2], &[])
        .code(2)
        .stderr_has("is from other work")
        .stderr_has("work hash differs");
    // JUnit shards merge the same way, and a hole is refused there too.
    let (x0, x1, x2) = (&parts[0].2, &parts[1].2, &parts[2].2);
    assert_eq!(ids(&merge(&[x0, x1, x2], &[]).code(1).json()).len(), 10);
    merge(&[x0, x2], &[])
        .code(2)
        .stderr_has("missing shard(s) 2/3 (SLURM_ARRAY_TASK_ID=1)");
    // The table says which shard a report is, and what a partial merge lacks.
    let (v, _) = suite(name).unwrap();
    v.args(["test-timeout-runner", "merge", "--allow-partial"])
        .args([j0, j2])
        .run()
        .code(1)
        .stdout_has("partial: 2/3 (SLURM_ARRAY_TASK_ID=1) missing");
    let partial = merge(&[j0, j2], &["--allow-partial"])
        .code(1)
        .stderr_has("partial result: 2/3 (SLURM_ARRAY_TASK_ID=1) missing");
    assert_eq!(
        partial.json()["partial"],
        serde_json::json!(["2/3 (SLURM_ARRAY_TASK_ID=1) missing"])
    );
}

#[test]
fn sigterm_to_velo_kills_the_tree_and_leaves_valid_junit() {
    let (v, mark) = or_skip!(suite(
        "sigterm_to_velo_kills_the_tree_and_leaves_valid_junit"
    ));
    let dir = v.dir().to_path_buf();
    let junit = dir.join("partial.xml");
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("velo"))
        .args(["test-timeout-runner", "--test-timeout", "120s", "--junit"])
        .arg(&junit)
        .args(pytest_cmd(&["tests/test_hangs.py"]))
        .env("VELO_TEST_MARK", &mark)
        .env_remove("CI")
        .current_dir(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the first test has finished (the JUnit file lists it) and the hang has begun.
    let deadline = Instant::now() + Duration::from_secs(60);
    while testcases(&junit).is_empty() {
        assert!(Instant::now() < deadline, "no test reached the JUnit file");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(500));
    signal(&child, rustix::process::Signal::TERM);
    let stopped = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        assert!(
            stopped.elapsed() < Duration::from_secs(30),
            "velo did not stop"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.signal(), Some(15), "{status:?}");
    let counts = junit_counts(&junit);
    assert!(counts[0] >= 1, "{counts:?}");
    assert_nothing_left(&mark);
    drop(v);
}

#[test]
fn help_describes_the_contract() {
    velo()
        .args(["test-timeout-runner", "--help"])
        .run()
        .code(0)
        .stdout_has("--test-timeout")
        .stdout_has("--kill-after")
        .stdout_has("124")
        .stdout_has("Examples:");
}

// ---------------------------------------------------------------- cargo mode

#[test]
fn cargo_hanging_test_times_out_and_the_others_still_run() {
    let v = velo();
    let (dir, target) = cargo_fixture(&v, "cargo_project");
    let mark = marker();
    let out = v
        .current_dir(&dir)
        .env("VELO_TEST_MARK", &mark)
        .env("CARGO_TARGET_DIR", &target)
        .env("RUST_BACKTRACE", "0")
        .args([
            "test-timeout-runner",
            "--test-timeout",
            "3s",
            "--kill-after",
            "1s",
            "--junit",
            "report.xml",
            "--format",
            "json",
            "--",
            "cargo",
            "test",
            "--offline",
        ])
        .run()
        .code(1);
    let json = out.json();
    assert_eq!(json["framework"], "cargo");
    for (id, want) in [
        ("hang_fixture::tests::adds", "passed"),
        ("hang_fixture::tests::fails", "failed"),
        ("hang_fixture::tests::hangs_forever", "timed-out"),
        ("hang_fixture::tests::needs_db", "skipped"),
    ] {
        assert_eq!(outcome_of(&json, id), want, "{id}");
    }
    let failed = json["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["outcome"] == "failed")
        .unwrap();
    assert!(
        failed["excerpt"]
            .as_str()
            .unwrap()
            .contains("arithmetic is broken"),
        "{failed}"
    );
    assert_eq!(junit_counts(&dir.join("report.xml")), [4, 2, 0, 1]);
    assert_nothing_left(&mark);
}

/// cargo mode with `--monitor`: each test's own process is sampled while it runs (the hanging
/// one runs for the whole --test-timeout, so it is sampled many times).
#[test]
fn cargo_monitor_attributes_memory_to_each_test_process() {
    let v = velo();
    let (dir, target) = cargo_fixture(&v, "cargo_project");
    let out = v
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", &target)
        .env("RUST_BACKTRACE", "0")
        .args([
            "test-timeout-runner",
            "--test-timeout",
            "2s",
            "--kill-after",
            "1s",
            "--monitor",
            "--monitor-interval",
            "50ms",
            "--format",
            "json",
            "--",
            "cargo",
            "test",
            "--offline",
        ])
        .run()
        .code(1);
    assert_hanging_test_sampled(&out.json(), "hang_fixture::tests::hangs_forever");
}

// ---------------------------------------------------------------- go mode

/// Whether `go` is on PATH; when it is not, says why the calling go-mode test skips.
fn have_go(test: &str) -> bool {
    static FOUND: OnceLock<bool> = OnceLock::new();
    let found = *FOUND.get_or_init(|| {
        Command::new("go")
            .arg("version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if !found {
        skip(
            test,
            "go not found; install golang-go (`sudo apt-get install golang-go`) or run .ci/run",
        );
    }
    found
}

/// The go build cache shared by every go-mode test run (like cargo mode's shared target dir).
fn go_cache() -> PathBuf {
    repo_root().join("target").join("fixture-go")
}

/// Copies a folder tree.
/// A copy of the cargo fixture `name` at `<tmp>/proj`, and the target folder its builds share
/// under the repository's target/ (kept between runs, so the fixture is not rebuilt each time).
fn cargo_fixture(v: &Velo, name: &str) -> (PathBuf, PathBuf) {
    let dir = v.dir().join("proj");
    copy_tree(&fixture(&format!("test-timeout-runner/{name}")), &dir);
    (
        dir,
        repo_root().join("target").join(format!("fixture-{name}")),
    )
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_tree(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// velo in a copy of the go fixture (`<tmp>/proj`), tagged with a fresh marker, with a
/// writable GOCACHE/GOPATH under target/, no GOFLAGS and no module proxy.
fn go_project(test: &str) -> Option<(Velo, PathBuf, String)> {
    static WARM: OnceLock<()> = OnceLock::new();
    if !have_go(test) {
        return None;
    }
    let v = velo();
    let dir = v.dir().join("proj");
    copy_tree(&fixture("test-timeout-runner/go_project"), &dir);
    let state = v.dir().join("state");
    std::fs::create_dir_all(&state).unwrap();
    let cache = go_cache();
    // Compile the standard library's test dependencies once, outside the timed runs.
    WARM.get_or_init(|| {
        let _ = Command::new("go")
            .args(["test", "-count=1", "-run", "^$", "./..."])
            .current_dir(fixture("test-timeout-runner/go_project"))
            .env("GOCACHE", cache.join("cache"))
            .env("GOPATH", cache.join("path"))
            .env("GOFLAGS", "")
            .env("GOPROXY", "off")
            .output();
    });
    let mark = marker();
    let v = v
        .current_dir(&dir)
        .env("VELO_TEST_MARK", &mark)
        .env("VELO_FIXTURE_STATE", &state)
        .env("GOCACHE", cache.join("cache"))
        .env("GOPATH", cache.join("path"))
        .env("GOFLAGS", "")
        .env("GOPROXY", "off")
        .env("GOTOOLCHAIN", "local");
    Some((v, dir, mark))
}

fn test_ids(json: &serde_json::Value) -> Vec<String> {
    json["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect()
}

fn excerpt_of(json: &serde_json::Value, id: &str) -> String {
    test_field(json, id, "excerpt").to_string()
}

#[test]
fn go_hanging_test_times_out_and_every_other_test_runs_once() {
    let (v, dir, mark) = or_skip!(go_project(
        "go_hanging_test_times_out_and_every_other_test_runs_once"
    ));
    let started = Instant::now();
    let out = v
        .args([
            "test-timeout-runner",
            "--test-timeout",
            "5s",
            "--kill-after",
            "1s",
            "--format",
            "json",
            "--junit",
            "report.xml",
            "--",
            "go",
            "test",
            "./...",
        ])
        .run()
        .code(1);
    let elapsed = started.elapsed();
    let json = out.json();
    assert_eq!(json["framework"], "go");
    let want = [
        ("example.com/hangs::TestAdds", "passed"),
        ("example.com/hangs::TestFails", "failed"),
        ("example.com/hangs::TestHangs", "timed-out"),
        ("example.com/hangs::TestSkipped", "skipped"),
        ("example.com/hangs::TestSubtests", "failed"),
        ("example.com/hangs::TestSubtests/passes", "passed"),
        ("example.com/hangs::TestSubtests/fails", "failed"),
        // Its first attempt fails (a marker file in VELO_FIXTURE_STATE), and no retry was asked.
        ("example.com/hangs::TestFlaky", "failed"),
        ("example.com/hangs/other::TestDoubleA", "passed"),
        ("example.com/hangs/other::TestDoubleB", "passed"),
    ];
    // Every test ran and is counted exactly once, the ones after the hang included.
    let mut ids = test_ids(&json);
    ids.sort();
    let mut expected: Vec<String> = want.iter().map(|(id, _)| (*id).to_string()).collect();
    expected.sort();
    assert_eq!(ids, expected, "{json:#}");
    for (id, outcome) in want {
        assert_eq!(outcome_of(&json, id), outcome, "{id}");
    }
    assert_eq!(json["summary"]["passed"], 4);
    assert_eq!(json["summary"]["failed"], 4);
    assert_eq!(json["summary"]["skipped"], 1);
    assert_eq!(json["summary"]["timed_out"], 1);
    assert!(excerpt_of(&json, "example.com/hangs::TestFails")
        .contains("arithmetic is broken: 2 + 2 = 4, want 5"));
    assert!(excerpt_of(&json, "example.com/hangs::TestSubtests/fails").contains("subtest broke"));
    assert_eq!(
        excerpt_of(&json, "example.com/hangs::TestSkipped"),
        "hangs_test.go:37: needs a database"
    );
    // The hung test's own output and its goroutine (from the SIGQUIT dump) are kept.
    let hung = excerpt_of(&json, "example.com/hangs::TestHangs");
    assert!(
        hung.contains("timed out after 5.0s (--test-timeout)"),
        "{hung}"
    );
    assert!(hung.contains("waiting for the helper"), "{hung}");
    assert!(hung.contains("example.com/hangs.TestHangs("), "{hung}");
    // The helper child of the hung test was found and killed with the tree.
    let leaked = json["leaked"]
        .as_array()
        .expect("leaked processes reported");
    assert!(
        leaked
            .iter()
            .any(|l| l["command"].as_str().unwrap().contains("sleep 3600")),
        "{leaked:?}"
    );
    assert_eq!(junit_counts(&dir.join("report.xml")), [10, 5, 0, 1]);
    let xml = std::fs::read_to_string(dir.join("report.xml")).unwrap();
    assert_eq!(xml.matches("type=\"timeout\"").count(), 1);
    // One 5 s timeout, plus generous room for go builds on a loaded machine.
    assert!(elapsed < Duration::from_secs(60), "took {elapsed:?}");
    assert_nothing_left(&mark);
}

/// go mode with `--monitor`: the session's tree is sampled for the test running in it (the
/// hanging one, alive for the whole --test-timeout, many times).
#[test]
fn go_monitor_attributes_memory_to_the_running_test() {
    let (v, _dir, _mark) = or_skip!(go_project(
        "go_monitor_attributes_memory_to_the_running_test"
    ));
    let out = v
        .args([
            "test-timeout-runner",
            "--test-timeout",
            "2s",
            "--kill-after",
            "1s",
            "--monitor",
            "--monitor-interval",
            "50ms",
            "--format",
            "json",
            "--",
            "go",
            "test",
            "./...",
        ])
        .run()
        .code(1);
    assert_hanging_test_sampled(&out.json(), "example.com/hangs::TestHangs");
}

/// A `--monitor` run's JSON lists per-test memory, samples the hanging test `id` many times
/// (it lives for the whole --test-timeout) and names only tests that ran.
fn assert_hanging_test_sampled(json: &serde_json::Value, id: &str) {
    let m = &json["monitor"];
    assert_eq!(m["per_test"], true, "{m:#}");
    let top = m["top_tests"].as_array().unwrap();
    let hang = top
        .iter()
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("{m:#}"));
    assert!(hang["samples"].as_u64().unwrap() >= 5, "{m:#}");
    assert!(hang["peak_rss_bytes"].as_u64().unwrap() > 0, "{m:#}");
    // Only ids of tests that ran.
    for t in top {
        assert!(
            json["tests"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["id"] == t["id"]),
            "{t}"
        );
    }
}

#[test]
fn go_flaky_test_passes_on_retry_and_the_user_run_filter_holds() {
    let (v, dir, mark) = or_skip!(go_project(
        "go_flaky_test_passes_on_retry_and_the_user_run_filter_holds"
    ));
    let out = v
        .args([
            "test-timeout-runner",
            "--test-timeout",
            "20s",
            "--retries",
            "2",
            "--retry-backoff",
            "100ms",
            "--format",
            "json",
            "--junit",
            "report.xml",
            "--",
            "go",
            "test",
            "-run",
            "TestFlaky|TestAdds",
            "./...",
        ])
        .run()
        .code(0);
    let json = out.json();
    assert_eq!(
        test_ids(&json),
        [
            "example.com/hangs::TestAdds",
            "example.com/hangs::TestFlaky"
        ],
        "only the tests -run selects"
    );
    assert_eq!(outcome_of(&json, "example.com/hangs::TestFlaky"), "flaky");
    let flaky = &json["tests"][1];
    assert_eq!(flaky["attempts"], 2, "{flaky}");
    assert_eq!(flaky["previous"][0]["outcome"], "failed", "{flaky}");
    assert_eq!(json["tests"][0]["attempts"], 1);
    let xml = std::fs::read_to_string(dir.join("report.xml")).unwrap();
    assert_eq!(xml.matches("<flakyFailure").count(), 1, "{xml}");
    assert_eq!(junit_counts(&dir.join("report.xml")), [2, 0, 0, 0]);
    assert_nothing_left(&mark);
}

#[test]
fn go_hung_subtest_and_crashing_binary_cost_only_themselves() {
    let (v, dir, mark) = or_skip!(go_project(
        "go_hung_subtest_and_crashing_binary_cost_only_themselves"
    ));
    std::fs::create_dir_all(dir.join("table")).unwrap();
    std::fs::write(
        dir.join("table/table_test.go"),
        r#"package table

import (
	"os"
	"testing"
	"time"
)

func TestBefore(t *testing.T) {}

func TestTable(t *testing.T) {
	t.Run("quick", func(t *testing.T) {})
	t.Run("odd(name)", func(t *testing.T) {})
	t.Run("hangs", func(t *testing.T) { time.Sleep(time.Hour) })
}

func TestExits(t *testing.T) {
	println("leaving early")
	os.Exit(3)
}

func TestAfter(t *testing.T) {}
"#,
    )
    .unwrap();
    let out = v
        .args([
            "test-timeout-runner",
            "--test-timeout",
            "3s",
            "--kill-after",
            "1s",
            "--format",
            "json",
            "--",
            "go",
            "test",
            "./table",
        ])
        .run()
        .code(1);
    let json = out.json();
    for (id, want) in [
        ("example.com/hangs/table::TestBefore", "passed"),
        // go reports a subtest only when its parent ends: the parent is charged first, then
        // its unfinished subtests run again one by one.
        ("example.com/hangs/table::TestTable", "timed-out"),
        ("example.com/hangs/table::TestTable/quick", "passed"),
        ("example.com/hangs/table::TestTable/odd(name)", "passed"),
        ("example.com/hangs/table::TestTable/hangs", "timed-out"),
        ("example.com/hangs/table::TestExits", "error"),
        ("example.com/hangs/table::TestAfter", "passed"),
    ] {
        assert_eq!(outcome_of(&json, id), want, "{id}");
    }
    assert_eq!(json["tests"].as_array().unwrap().len(), 7, "{json:#}");
    assert!(
        excerpt_of(&json, "example.com/hangs/table::TestExits").contains("ended during this test")
    );
    assert_nothing_left(&mark);
}

#[test]
fn go_build_failure_is_an_error_result_with_the_compiler_output() {
    let (v, dir, _) = or_skip!(go_project(
        "go_build_failure_is_an_error_result_with_the_compiler_output"
    ));
    std::fs::create_dir_all(dir.join("broken")).unwrap();
    std::fs::write(dir.join("broken/broken.go"), "package broken\n").unwrap();
    std::fs::write(
        dir.join("broken/broken_test.go"),
        "package broken\n\nimport \"testing\"\n\nfunc TestX(t *testing.T) { notDefined() }\n",
    )
    .unwrap();
    let out = v
        .args([
            "test-timeout-runner",
            "--format",
            "json",
            "--",
            "go",
            "test",
            "./broken",
            "./other",
        ])
        .run()
        .code(1);
    let json = out.json();
    assert_eq!(
        outcome_of(&json, "example.com/hangs/broken::(package)"),
        "error"
    );
    let why = excerpt_of(&json, "example.com/hangs/broken::(package)");
    assert!(why.contains("undefined: notDefined"), "{why}");
    // The package that builds still runs.
    assert_eq!(
        outcome_of(&json, "example.com/hangs/other::TestDoubleA"),
        "passed"
    );
}

#[test]
fn go_mode_refuses_what_it_cannot_run() {
    velo()
        .args([
            "test-timeout-runner",
            "--framework",
            "go",
            "--",
            "make",
            "test",
        ])
        .run()
        .code(2)
        .stderr_has("go mode runs `go test`, not `make test`");
    velo()
        .args([
            "test-timeout-runner",
            "--",
            "go",
            "test",
            "-list",
            ".",
            "./...",
        ])
        .run()
        .code(2)
        .stderr_has("drop -list");
}

#[test]
fn go_missing_is_exit_127() {
    let empty = tempfile::tempdir().unwrap();
    velo()
        .env("PATH", empty.path())
        .args(["test-timeout-runner", "--", "go", "test", "./..."])
        .run()
        .code(127)
        .stderr_has("command not found: go");
}

// ---------------------------------------------------------------- settings and CI

#[test]
fn velo_toml_settings_apply_and_bad_values_name_the_file() {
    velo()
        .file("velo.toml", "[test-timeout-runner]\ntimeout = \"500ms\"\n")
        .args(["test-timeout-runner", "--", "sleep", "30"])
        .run()
        .code(124);
    velo()
        .file("velo.toml", "[test-timeout-runner]\ntimeout = \"soon\"\n")
        .args(["test-timeout-runner", "--", "true"])
        .run()
        .code(2)
        .stderr_has("velo.toml")
        .stderr_has("timeout");
}

#[test]
fn github_step_summary_gets_the_markdown_report() {
    let out = velo()
        .env("GITHUB_STEP_SUMMARY", "summary.md")
        .args([
            "test-timeout-runner",
            "--format",
            "json",
            "--",
            "sh",
            "-c",
            "exit 1",
        ])
        .run()
        .code(1);
    let md = std::fs::read_to_string(out.dir.path().join("summary.md")).unwrap();
    assert!(md.contains("## velo test-timeout-runner"), "{md}");
    assert!(md.contains("0 passed, 1 failed"), "{md}");
}

// ---------------------------------------------------------------- --watch

/// Reads a child's stream on a thread, collecting it for `wait_for`.
fn collect(
    stream: impl std::io::Read + Send + 'static,
) -> std::sync::Arc<std::sync::Mutex<String>> {
    let buf = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let out = std::sync::Arc::clone(&buf);
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stream)
            .lines()
            .map_while(Result::ok)
        {
            let mut b = out.lock().unwrap();
            b.push_str(&line);
            b.push('\n');
        }
    });
    buf
}

#[track_caller]
fn wait_for(buf: &std::sync::Arc<std::sync::Mutex<String>>, needle: &str, times: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while buf.lock().unwrap().matches(needle).count() < times {
        assert!(
            Instant::now() < deadline,
            "never saw {needle:?} x{times}:\n{}",
            buf.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn watch_reruns_on_change_until_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("msg.txt"), "first version\n").unwrap();
    let mark = marker();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("velo"))
        .args([
            "test-timeout-runner",
            "--watch",
            ".",
            "--",
            "sh",
            "-c",
            "cat msg.txt",
        ])
        .env("VELO_TEST_MARK", &mark)
        .current_dir(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let out = collect(child.stdout.take().unwrap());
    let err = collect(child.stderr.take().unwrap());
    wait_for(&out, "first version", 1);
    wait_for(&err, "watching for changes", 1);
    // Save by rename, as editors do.
    std::fs::write(dir.path().join("msg.new"), "second version\n").unwrap();
    std::fs::rename(dir.path().join("msg.new"), dir.path().join("msg.txt")).unwrap();
    wait_for(&out, "second version", 1);
    wait_for(&err, "watching for changes", 2);
    signal(&child, rustix::process::Signal::INT);
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(2), "{status:?}");
    assert_nothing_left(&mark);
}

#[test]
fn watch_runs_failed_pytest_tests_first() {
    let (v, mark) = or_skip!(suite("watch_runs_failed_pytest_tests_first"));
    let dir = v.dir().to_path_buf();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("velo"))
        .args(["test-timeout-runner", "--watch", "tests"])
        .args(pytest_cmd(&["tests/test_basic.py"]))
        .env("VELO_TEST_MARK", &mark)
        .env_remove("CI")
        .current_dir(&dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let out = collect(child.stdout.take().unwrap());
    let err = collect(child.stderr.take().unwrap());
    wait_for(&out, "1 failed", 1);
    wait_for(&err, "watching for changes", 1);
    let file = dir.join("tests/test_basic.py");
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str("\n# edited\n");
    std::fs::write(&file, text).unwrap();
    wait_for(&err, "2 failed test(s) first", 1);
    wait_for(&out, "1 failed", 2);
    signal(&child, rustix::process::Signal::INT);
    child.wait().unwrap();
    assert_nothing_left(&mark);
    drop(v);
}

#[test]
fn pytest_that_cannot_start_is_an_error_not_a_pass() {
    let (v, _) = or_skip!(suite("pytest_that_cannot_start_is_an_error_not_a_pass"));
    let mut args = vec![
        "test-timeout-runner".to_string(),
        "--format".into(),
        "json".into(),
    ];
    args.extend(pytest_cmd(&["--no-such-pytest-option"]));
    let out = v.args(&args).run().code(1);
    let json = out.json();
    assert_eq!(json["summary"]["errors"], 1);
    assert!(
        json["tests"][0]["excerpt"]
            .as_str()
            .unwrap()
            .contains("no-such-pytest-option"),
        "{json}"
    );
}

/// Issue 22: `--partition N` reads K by the shard rule: a Slurm id past N, or an inherited
/// `CI_NODE_INDEX` that names another shard, is refused before anything runs, naming the flag,
/// the variables and their values.
#[test]
fn partition_variables_out_of_range_or_disagreeing_are_refused() {
    velo()
        .args(["test-timeout-runner", "--partition", "3", "--", "pytest"])
        .env("SLURM_ARRAY_TASK_ID", "3")
        .env("SLURM_ARRAY_TASK_MIN", "1")
        .run()
        .code(2)
        .stderr_has(
            "--partition 3: SLURM_ARRAY_TASK_ID=3 is out of range: with 3 shards it must be 0..2",
        );
    velo()
        .args(["test-timeout-runner", "--partition", "4", "--", "pytest"])
        .env("SLURM_ARRAY_TASK_ID", "2")
        .env("CI_NODE_INDEX", "1")
        .env("CI_NODE_TOTAL", "4")
        .run()
        .code(2)
        .stderr_has("SLURM_ARRAY_TASK_ID=2 (shard 3/4) and CI_NODE_INDEX=1 (shard 1/4) name different shards");
}

#[test]
fn gitlab_shard_variables_do_not_break_generic_mode() {
    velo()
        .env("CI_NODE_INDEX", "1")
        .env("CI_NODE_TOTAL", "2")
        .args(["test-timeout-runner", "--", "sh", "-c", "exit 0"])
        .run()
        .code(0);
}

#[test]
fn a_failing_command_is_summarised_by_the_log_digest_miner() {
    let script = r#"
for i in $(seq 1 60); do
  echo "2026-11-22 10:00:00 INFO fetching page $i"
  echo "2026-11-22 10:00:01 ERROR ConnectionRefusedError: [Errno 111] Connection refused to 10.0.0.$((i % 5)):5432" >&2
done
echo "2026-11-22 10:00:02 ERROR giving up" >&2
exit 3
"#;
    let out = velo()
        .args(["test-timeout-runner", "--", "sh", "-c", script])
        .run()
        .code(3);
    let why = out
        .stderr
        .split("why:")
        .nth(1)
        .unwrap_or_else(|| panic!("no summary:\n{}", out.stderr));
    assert!(why.contains("errors (grouped by log-digest"), "{why}");
    assert!(
        why.contains("60× "),
        "the 60 repeated errors are one counted line:\n{why}"
    );
    assert!(why.contains("giving up"), "the last lines follow:\n{why}");
    assert!(
        why.contains("hint: "),
        "connection refused has a suggested fix:\n{why}"
    );
}

// ---------------------------------------------------------------- counts, messages, faults

/// velo's and pytest's own JUnit for the same run of `fixtures/.../pytest_counts`, as
/// sorted `(test, outcome, message)` lists.
fn counts_suite_both(extra: &[&str]) -> Option<(Vec<Case>, Vec<Case>)> {
    let py = need_pytest("pytest_collection_results_equal_pytest_junitxml")?;
    let v = velo();
    let dir = v.dir().to_path_buf();
    copy_tree(&fixture("test-timeout-runner/pytest_counts"), &dir);
    let mut args = vec![
        "test-timeout-runner".to_string(),
        "--junit".into(),
        "velo.xml".into(),
    ];
    let mut files: Vec<&str> = vec!["tests"];
    files.extend(extra);
    args.extend(pytest_cmd(&files));
    let out = v.args(&args).run();
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let theirs = Command::new(py)
        .args([
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--junitxml",
            "pytest.xml",
        ])
        .args(&files)
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(!theirs.status.success());
    let mut ours = testcases(&out.dir.path().join("velo.xml"));
    let mut pytest = testcases(&dir.join("pytest.xml"));
    ours.sort();
    pytest.sort();
    Some((ours, pytest))
}

/// Every testcase of a JUnit file as `(classname, name, result element, type, message)`.
fn typed_testcases(path: &Path) -> Vec<(String, String, String, String, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let mut cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .map(|case| {
            let attr = |n: Option<roxmltree::Node>, a: &str| {
                n.and_then(|n| n.attribute(a)).unwrap_or("").to_string()
            };
            let result = case
                .children()
                .find(|c| ["failure", "error", "skipped"].contains(&c.tag_name().name()));
            (
                attr(Some(case), "classname"),
                attr(Some(case), "name"),
                result.map_or("passed", |r| r.tag_name().name()).to_string(),
                attr(result, "type"),
                attr(result, "message"),
            )
        })
        .collect();
    cases.sort();
    cases
}

/// Skips, xfails (marked with and without a reason, imperative), XPASS and parameters with
/// `::`: velo's JUnit equals pytest's own testcase by testcase, `type` and `message` included,
/// and xfail is an outcome of its own in the JSON report.
#[test]
fn pytest_xfail_skip_and_colon_params_equal_pytest_junitxml() {
    let py = or_skip!(need_pytest(
        "pytest_xfail_skip_and_colon_params_equal_pytest_junitxml"
    ));
    let v = velo();
    let dir = v.dir().to_path_buf();
    copy_tree(&fixture("test-timeout-runner/pytest_fidelity"), &dir);
    let mut args = vec![
        "test-timeout-runner".to_string(),
        "--junit".into(),
        "velo.xml".into(),
        "--format".into(),
        "json".into(),
    ];
    args.extend(pytest_cmd(&["tests"]));
    let out = v.args(&args).run().code(1);
    let json = out.json();
    for (id, want) in [
        ("tests/test_fidelity.py::test_skipped", "skipped"),
        ("tests/test_fidelity.py::test_xfail_with_reason", "xfailed"),
        (
            "tests/test_fidelity.py::test_xfail_without_reason",
            "xfailed",
        ),
        ("tests/test_fidelity.py::test_imperative_xfail", "xfailed"),
        ("tests/test_fidelity.py::test_xpass_strict", "failed"),
        ("tests/test_fidelity.py::test_xpass", "passed"),
        (
            "tests/test_fidelity.py::test_param_with_colons[x::y::z]",
            "passed",
        ),
    ] {
        assert_eq!(outcome_of(&json, id), want, "{id}: {json:#}");
    }
    assert_eq!(
        excerpt_of(&json, "tests/test_fidelity.py::test_xfail_without_reason"),
        ""
    );
    let s = &json["summary"];
    assert_eq!(
        [&s["passed"], &s["failed"], &s["skipped"], &s["xfailed"]],
        [6, 1, 2, 3],
        "{s}"
    );
    let theirs = Command::new(py)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .args(["--junitxml", "pytest.xml", "tests"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(theirs.status.code(), Some(1));
    let ours = typed_testcases(&out.dir.path().join("velo.xml"));
    assert_eq!(ours, typed_testcases(&dir.join("pytest.xml")));
    assert_eq!(ours.len(), 12);
    assert_eq!(
        junit_counts(&out.dir.path().join("velo.xml")),
        junit_counts(&dir.join("pytest.xml"))
    );
}

#[test]
fn pytest_collection_results_equal_pytest_junitxml() {
    // pytest stops at a collection error: only the two module-level results exist.
    let (ours, theirs) = or_skip!(counts_suite_both(&[]));
    assert_eq!(ours, theirs, "velo vs pytest (test, outcome, message)");
    assert_eq!(ours.len(), 2, "{ours:?}");
    // Told to go on, pytest runs the rest: a failure whose message is the exception line.
    let (ours, theirs) = or_skip!(counts_suite_both(&["--continue-on-collection-errors"]));
    assert_eq!(ours, theirs, "velo vs pytest (test, outcome, message)");
    assert_eq!(ours.len(), 5, "{ours:?}");
    assert!(
        ours.contains(&(
            ".tests.test_importorskip".into(),
            "skipped".into(),
            "collection skipped".into()
        )),
        "{ours:?}"
    );
    let failure = ours.iter().find(|t| t.1 == "failure").unwrap();
    assert!(
        failure
            .2
            .ends_with("ConnectionError: cannot connect to db.invalid:5432"),
        "{failure:?}"
    );
}

#[test]
fn pytest_messages_equal_pytest_junitxml() {
    let (v, _) = or_skip!(suite("pytest_messages_equal_pytest_junitxml"));
    let dir = v.dir().to_path_buf();
    let mut args = vec![
        "test-timeout-runner".to_string(),
        "--junit".into(),
        "velo.xml".into(),
    ];
    args.extend(pytest_cmd(&["tests/test_basic.py"]));
    let out = v.args(&args).run().code(1);
    Command::new(python().expect("pytest available"))
        .args([
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_basic.py",
        ])
        .args(["--junitxml", "pytest.xml"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let mut ours = testcases(&out.dir.path().join("velo.xml"));
    let mut theirs = testcases(&dir.join("pytest.xml"));
    ours.sort();
    theirs.sort();
    assert_eq!(ours, theirs, "velo vs pytest (test, outcome, message)");
}

#[test]
fn cargo_doc_tests_run_and_a_target_that_does_not_build_is_a_result() {
    let v = velo();
    let (dir, target) = cargo_fixture(&v, "cargo_broken");
    let out = v
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", &target)
        .env("RUST_BACKTRACE", "0")
        .args([
            "test-timeout-runner",
            "--test-timeout",
            "60s",
            "--junit",
            "report.xml",
            "--format",
            "json",
            "--",
            "cargo",
            "test",
            "--offline",
        ])
        .run()
        .code(1);
    let json = out.json();
    for (id, want) in [
        ("broken::(build)", "error"),
        ("broken_fixture::tests::doubles", "passed"),
        ("doc-test::src/lib.rs - double (line 9)", "passed"),
        ("doc-test::src/lib.rs - half (line 18)", "failed"),
        // `no_run` and `compile_fail`: reported as `… - compile` and `… - compile fail`,
        // known by their listed names, counted once.
        ("doc-test::src/lib.rs - triple (line 27)", "passed"),
        ("doc-test::src/lib.rs - triple (line 33)", "passed"),
    ] {
        assert_eq!(outcome_of(&json, id), want, "{id}: {json:#}");
    }
    assert!(
        excerpt_of(&json, "broken::(build)").contains("no_such_function"),
        "{json:#}"
    );
    assert!(
        test_field(&json, "doc-test::src/lib.rs - half (line 18)", "message")
            .contains("the doc-test's own failure"),
        "{json:#}"
    );
    assert_eq!(json["tests"].as_array().unwrap().len(), 6, "{json:#}");
    assert_eq!(junit_counts(&dir.join("report.xml")), [6, 1, 1, 0]);
}

/// Doc-tests run `--jobs` at a time: the two `barrier` doc-tests each wait for the other at a
/// file barrier (up to two minutes), so they pass only when they run at once; the hanging one
/// is named as timed out, its child process does not outlive the run, and the doc-tests after
/// it still run on the other thread.
#[test]
fn cargo_doc_tests_run_at_once_and_a_hung_one_costs_one_thread() {
    let v = velo();
    let (dir, target) = cargo_fixture(&v, "cargo_doctests");
    let barrier = v.dir().join("barrier");
    std::fs::create_dir_all(&barrier).unwrap();
    let mark = marker();
    let out = v
        .current_dir(&dir)
        .env("VELO_TEST_MARK", &mark)
        .env("VELO_DOC_BARRIER", &barrier)
        .env("CARGO_TARGET_DIR", &target)
        .env("RUST_BACKTRACE", "0")
        .args([
            "test-timeout-runner",
            "--jobs",
            "2",
            "--test-timeout",
            "20s",
            "--kill-after",
            "1s",
            "--junit",
            "report.xml",
            "--format",
            "json",
            "--",
            "cargo",
            "test",
            "--offline",
        ])
        .run()
        .code(1);
    let json = out.json();
    let want = [
        ("doc-test::src/lib.rs - barrier (line 13)", "passed"),
        ("doc-test::src/lib.rs - barrier (line 17)", "passed"),
        ("doc-test::src/lib.rs - hangs (line 37)", "timed-out"),
        ("doc-test::src/lib.rs - plain (line 49)", "passed"),
        // `no_run`, `compile_fail`: known by their listed names on several threads too.
        ("doc-test::src/lib.rs - plain (line 53)", "passed"),
        ("doc-test::src/lib.rs - plain (line 59)", "passed"),
        ("doc-test::src/lib.rs - plain (line 63)", "skipped"),
    ];
    for (id, outcome) in want {
        assert_eq!(outcome_of(&json, id), outcome, "{id}: {json:#}");
    }
    // Listed as `--list` orders them, whatever order they ended in.
    let ids: Vec<&str> = json["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, want.map(|(id, _)| id), "{json:#}");
    assert!(
        excerpt_of(&json, "doc-test::src/lib.rs - hangs (line 37)")
            .contains("timed out after 20.0s (--test-timeout)"),
        "{json:#}"
    );
    assert_eq!(junit_counts(&dir.join("report.xml")), [7, 1, 0, 1]);
    assert_nothing_left(&mark);
}

#[test]
fn a_reader_that_leaves_ends_the_command_as_without_velo() {
    use std::io::Read as _;
    // `velo test-timeout-runner -- yes | head -c 100`: once the reader is gone, `yes` must
    // get SIGPIPE (as it would without velo) instead of being read forever.
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("velo"))
        // Not retried either: the output of another attempt would go nowhere.
        .args([
            "test-timeout-runner",
            "--retries",
            "3",
            "--retry-backoff",
            "10s",
            "--",
            "yes",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut buf = [0u8; 100];
    stdout.read_exact(&mut buf).unwrap();
    assert!(buf.starts_with(b"y\ny\n"));
    drop(stdout);
    let started = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("velo still running 20 s after its reader left");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    // The command died of SIGPIPE: velo exits 128+13, as a shell reports it.
    assert_eq!(status.code(), Some(141), "{status:?}");
}

#[test]
fn sigkill_to_velo_takes_the_command_with_it_and_a_junit_file_exists() {
    let v = velo();
    let dir = v.dir().to_path_buf();
    let junit = dir.join("report.xml");
    let mark = marker();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("velo"))
        .args(["test-timeout-runner", "--junit"])
        .arg(&junit)
        .args(["--", "sleep", "300"])
        .env("VELO_TEST_MARK", &mark)
        .current_dir(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let velo_pid = child.id() as i32;
    let deadline = Instant::now() + Duration::from_secs(30);
    while !(junit.exists() && survivors(&mark).iter().any(|(pid, _)| *pid != velo_pid)) {
        assert!(Instant::now() < deadline, "the command never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_nothing_left(&mark);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("<property name=\"velo.run\" value=\"in progress\"/>"),
        "{xml}"
    );
    drop(v);
}

#[test]
fn the_junit_file_lists_finished_tests_while_a_slow_test_runs() {
    or_skip!(need_pytest(
        "the_junit_file_lists_finished_tests_while_a_slow_test_runs"
    ));
    let v = velo();
    let dir = v.dir().to_path_buf();
    copy_tree(&fixture("test-timeout-runner/pytest_slow_tail"), &dir);
    let state = dir.join("state");
    std::fs::create_dir_all(&state).unwrap();
    let junit = dir.join("live.xml");
    let mark = marker();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("velo"))
        .args(["test-timeout-runner", "--junit"])
        .arg(&junit)
        .args(pytest_cmd(&["tests"]))
        .env("VELO_TEST_MARK", &mark)
        .env("VELO_FIXTURE_STATE", &state)
        .current_dir(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !state.join("slow-started").exists() {
        assert!(Instant::now() < deadline, "the slow test never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Every quick test finished before the slow one started, more than 0.5 s before the kill.
    std::thread::sleep(Duration::from_secs(1));
    child.kill().unwrap();
    child.wait().unwrap();
    let cases = testcases(&junit);
    let quick = cases
        .iter()
        .filter(|c| c.0.starts_with("tests.test_slow_tail.test_quick[") && c.1 == "passed")
        .count();
    assert_eq!(quick, 20, "{cases:?}");
    assert_nothing_left(&mark);
}

#[test]
fn hints_name_only_commands_that_exist() {
    let help = velo().args(["--help"]).run().code(0).stdout;
    let out = velo()
        .args([
            "test-timeout-runner",
            "--",
            "sh",
            "-c",
            "echo 'MemoryError: out of memory while loading candles' >&2; exit 1",
        ])
        .run()
        .code(1);
    assert!(out.stderr.contains("hint: "), "{}", out.stderr);
    for (i, _) in out.stderr.match_indices("`velo ") {
        let command = out.stderr[i + 6..]
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .next()
            .unwrap();
        assert!(
            help.contains(&format!("  {command} ")),
            "a hint names `velo {command}`, which `velo --help` does not list:\n{}",
            out.stderr
        );
    }
}

#[test]
fn timeout_zero_means_no_limit_as_for_gnu_timeout() {
    velo()
        .args([
            "test-timeout-runner",
            "--timeout",
            "0",
            "--",
            "sh",
            "-c",
            "sleep 0.3; exit 0",
        ])
        .run()
        .code(0);
}

#[test]
fn an_unwritable_junit_path_fails_before_the_command_runs() {
    let v = velo();
    let dir = v.dir().to_path_buf();
    v.args([
        "test-timeout-runner",
        "--junit",
        "no/such/folder/report.xml",
        "--",
        "sh",
        "-c",
        "touch ran",
    ])
    .run()
    .code(2)
    .stderr_has("no/such/folder/report.xml");
    assert!(
        !dir.join("ran").exists(),
        "the command ran before the check"
    );
}

#[test]
fn markdown_and_json_reports_carry_no_escape_codes() {
    for format in ["markdown", "json"] {
        let out = velo()
            .args([
                "test-timeout-runner",
                "--format",
                format,
                "--",
                "sh",
                "-c",
                r"printf '\033[31mboom: it broke\033[0m\n' >&2; exit 1",
            ])
            .run()
            .code(1);
        assert!(out.stdout.contains("boom: it broke"), "{}", out.stdout);
        assert!(
            !out.stdout.contains('\u{1b}') && !out.stdout.contains("\\u001b"),
            "{format}: {}",
            out.stdout
        );
    }
}

#[test]
fn jobs_zero_is_the_cpu_count() {
    let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let (v, _) = or_skip!(suite("jobs_zero_is_the_cpu_count"));
    let mut args = vec![
        "test-timeout-runner".to_string(),
        "--jobs".into(),
        "0".into(),
        "--output-dir".into(),
        "out".into(),
        "--format".into(),
        "json".into(),
    ];
    args.extend(pytest_cmd(&["tests/test_basic.py"]));
    let out = v.args(&args).run().code(1);
    assert_eq!(out.json()["tests"].as_array().unwrap().len(), 10);
    // More than one job: velo collected the ids first to split them into shards.
    let collected = std::fs::read_dir(out.dir.path().join("out"))
        .unwrap()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().starts_with("collect-"));
    assert_eq!(collected, cpus > 1, "{cpus} CPUs");
}

/// `--monitor` in generic mode: the tree's peak RSS covers what the command holds.
#[test]
fn monitor_reports_the_peak_rss_of_a_generic_run() {
    let out = velo()
        .args([
            "test-timeout-runner",
            "--monitor",
            "--monitor-interval",
            "50ms",
            "--format",
            "json",
            "--",
            "python3",
            "-c",
            "b = bytearray(100_000_000); import time; time.sleep(1)",
        ])
        .run()
        .code(0);
    let json = out.json();
    let m = &json["monitor"];
    let peak = m["peak_rss_bytes"].as_u64().unwrap();
    assert!(peak >= 90_000_000, "peak {peak}: {m:#}");
    assert!(m["samples"].as_u64().unwrap() >= 3, "{m:#}");
    assert!(m["leak"]["verdict"].is_string(), "{m:#}");
    // Generic mode knows no test boundaries.
    assert_eq!(m["per_test"], false);
    assert!(m["top_tests"].as_array().unwrap().is_empty());
}

/// Without `--monitor` the report has no `monitor` object.
#[test]
fn the_json_report_has_a_monitor_object_only_when_asked() {
    let out = velo()
        .args(["test-timeout-runner", "--format", "json", "--", "true"])
        .run()
        .code(0);
    assert!(out.json().get("monitor").is_none(), "{}", out.stdout);
    let out = velo()
        .args([
            "test-timeout-runner",
            "--monitor",
            "--format",
            "json",
            "--",
            "true",
        ])
        .run()
        .code(0);
    assert!(out.json()["monitor"].is_object(), "{}", out.stdout);
}

/// `--max-rss` fails a run that passes otherwise, as `velo monitor --max-rss` does.
#[test]
fn max_rss_fails_a_run_that_crosses_it() {
    velo()
        .args([
            "test-timeout-runner",
            "--max-rss",
            "50M",
            "--monitor-interval",
            "50ms",
            "--",
            "python3",
            "-c",
            "b = bytearray(100_000_000); import time; time.sleep(1)",
        ])
        .run()
        .code(1)
        .stderr_has("--max-rss 50.0MiB crossed");
}

/// pytest mode attributes sampled RSS to the test running: the big one comes first.
#[test]
fn monitor_names_the_test_that_uses_most_memory() {
    if need_pytest("monitor_names_the_test_that_uses_most_memory").is_none() {
        return;
    }
    let mut args = vec![
        "test-timeout-runner".to_string(),
        "--monitor".into(),
        "--monitor-interval".into(),
        "50ms".into(),
        "--format".into(),
        "json".into(),
    ];
    args.extend(pytest_cmd(&["test_memory.py"]));
    let out = velo()
        .fixture_as(
            "test-timeout-runner/pytest_memory/test_memory.py",
            "test_memory.py",
        )
        .args(&args)
        .run()
        .code(0);
    let json = out.json();
    let m = &json["monitor"];
    assert_eq!(m["per_test"], true, "{m:#}");
    let top = m["top_tests"].as_array().unwrap();
    assert_eq!(top[0]["id"], "test_memory.py::test_big", "{m:#}");
    let big = top[0]["peak_rss_bytes"].as_u64().unwrap();
    assert!(big >= 180_000_000, "{m:#}");
    // The others ran too and were sampled, far below.
    for t in &top[1..] {
        assert!(t["peak_rss_bytes"].as_u64().unwrap() < big / 2, "{m:#}");
    }
    assert!(m["peak_rss_bytes"].as_u64().unwrap() >= big);

    // The table names it in the Memory section.
    let mut args = vec!["test-timeout-runner".to_string(), "--monitor".into()];
    args.extend(pytest_cmd(&["test_memory.py"]));
    velo()
        .fixture_as(
            "test-timeout-runner/pytest_memory/test_memory.py",
            "test_memory.py",
        )
        .args(&args)
        .run()
        .code(0)
        .stdout_has("Memory")
        .stdout_has("Top memory users")
        .stdout_has("test_memory.py::test_big");
}

/// The tree of a command: a plain child and a `setsid` grandchild, both sleeping.
const TREE: &str = "sleep 300 & setsid sleep 300 & wait";

#[test]
fn sigkill_to_velo_leaves_no_process_of_a_generic_command_setsid_ones_included() {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("velo"));
    cmd.args(["test-timeout-runner", "--", "sh", "-c", TREE]);
    let mark = marker();
    let left = sigkill_leaves_nothing(cmd, &mark, |t| t.len() >= 3 && has_session_leader(t));
    assert!(left.is_empty(), "left after SIGKILL to velo: {left:?}");
}

#[test]
fn sigkill_to_velo_leaves_no_process_of_a_pytest_session() {
    let (v, _) = or_skip!(suite(
        "sigkill_to_velo_leaves_no_process_of_a_pytest_session"
    ));
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("velo"));
    cmd.args(["test-timeout-runner", "--test-timeout", "120s"])
        .args(pytest_cmd(&[
            "tests/test_hangs.py::test_setsid_grandchild_then_hang",
        ]))
        .env("VELO_FIXTURE_STATE", v.dir().join("state"))
        .current_dir(v.dir());
    let mark = marker();
    // pytest, and the test's setsid grandchild (its own child has exited by then).
    let left = sigkill_leaves_nothing(cmd, &mark, |t| t.len() >= 2 && has_session_leader(t));
    assert!(left.is_empty(), "left after SIGKILL to velo: {left:?}");
    drop(v);
}

/// Starts `cmd` (velo with `--format json`) marked with `mark`, SIGTERMs velo (with `everyone`,
/// every marked process at once, as a batch system's cancel does) once `ready` holds for the
/// marked processes, and returns how velo ended and the JSON it printed.
fn sigterm_when(
    mut cmd: Command,
    mark: &str,
    everyone: bool,
    ready: impl Fn(&[(i32, String)]) -> bool,
) -> (std::process::ExitStatus, serde_json::Value) {
    let child = cmd
        .env("VELO_TEST_MARK", mark)
        .env_remove("CI")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while !ready(&survivors(mark)) {
        assert!(
            Instant::now() < deadline,
            "never ready: {:?}",
            survivors(mark)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    signal(&child, rustix::process::Signal::TERM);
    if everyone {
        for (pid, _) in survivors(mark) {
            if let Some(pid) = rustix::process::Pid::from_raw(pid) {
                let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
            }
        }
    }
    let out = child.wait_with_output().unwrap();
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    assert_nothing_left(mark);
    (out.status, json)
}

#[test]
fn sigterm_makes_the_running_command_interrupted_not_timed_out() {
    let v = velo();
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("velo"));
    cmd.args([
        "test-timeout-runner",
        "--timeout",
        "10m",
        "--format",
        "json",
        "--",
        "sleep",
        "300",
    ])
    .current_dir(v.dir());
    let mark = marker();
    let (status, json) = sigterm_when(cmd, &mark, false, |t| {
        t.iter().any(|(_, c)| c.starts_with("sleep 300"))
    });
    assert_eq!(status.signal(), Some(15), "{status:?}");
    assert_eq!(json["tests"][0]["outcome"], "interrupted", "{json:#}");
    assert_eq!(json["summary"]["interrupted"], 1);
    assert_eq!(json["summary"]["timed_out"], 0);
    assert_eq!(json["interrupted"], true);
}

fn pytest_interrupted(test: &str, everyone: bool) {
    let (v, mark) = or_skip!(suite(test));
    let junit = v.dir().join("report.xml");
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("velo"));
    cmd.args([
        "test-timeout-runner",
        "--test-timeout",
        "120s",
        "--format",
        "json",
        "--junit",
    ])
    .arg(&junit)
    .args(pytest_cmd(&[
        "tests/test_hangs.py::test_before_hangs",
        "tests/test_hangs.py::test_sleeps_forever",
    ]))
    .env("VELO_FIXTURE_STATE", v.dir().join("state"))
    .current_dir(v.dir());
    // The first test is in the JUnit file, so the second one (which sleeps) is running.
    let (status, json) = sigterm_when(cmd, &mark, everyone, |_| !testcases(&junit).is_empty());
    assert_eq!(status.signal(), Some(15), "{status:?}");
    let hung = "tests/test_hangs.py::test_sleeps_forever";
    assert_eq!(outcome_of(&json, hung), "interrupted", "{json:#}");
    assert_eq!(
        outcome_of(&json, "tests/test_hangs.py::test_before_hangs"),
        "passed"
    );
    assert_eq!(json["summary"]["timed_out"], 0);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("type=\"interrupted\""), "{xml}");
    assert!(!xml.contains("type=\"timeout\""), "{xml}");
    drop(v);
}

#[test]
fn sigterm_makes_the_running_pytest_test_interrupted_in_json_and_junit() {
    pytest_interrupted(
        "sigterm_makes_the_running_pytest_test_interrupted_in_json_and_junit",
        false,
    );
}

/// `scancel` signals every process of the job: pytest may end before velo stops it, and the
/// running test is still reported, as interrupted.
#[test]
fn sigterm_to_velo_and_pytest_together_still_reports_the_running_test_interrupted() {
    pytest_interrupted(
        "sigterm_to_velo_and_pytest_together_still_reports_the_running_test_interrupted",
        true,
    );
}

#[test]
fn sigterm_makes_the_running_cargo_test_interrupted() {
    let v = velo();
    let (dir, target) = cargo_fixture(&v, "cargo_project");
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("velo"));
    cmd.current_dir(&dir)
        .env("CARGO_TARGET_DIR", &target)
        .env("RUST_BACKTRACE", "0")
        .args([
            "test-timeout-runner",
            "--test-timeout",
            "120s",
            "--format",
            "json",
            "--",
            "cargo",
            "test",
            "--offline",
        ]);
    let mark = marker();
    let (status, json) = sigterm_when(cmd, &mark, false, |t| {
        t.iter().any(|(_, c)| c.contains("hangs_forever --exact"))
    });
    assert_eq!(status.signal(), Some(15), "{status:?}");
    assert_eq!(
        outcome_of(&json, "hang_fixture::tests::hangs_forever"),
        "interrupted",
        "{json:#}"
    );
    assert_eq!(json["summary"]["timed_out"], 0);
    drop(v);
}

// ---------------------------------------------------------------- --test-memory

/// Python code that touches 400 MiB.
const TOUCH_400M: &str = "x = b'\\x01' * (400 << 20)";

/// Whether the report says `--test-memory` had no cgroup (then judged on samples); the test
/// says so, as a skip of the kernel's part.
fn memory_sampled(test: &str, json: &serde_json::Value) -> bool {
    let note = json["notes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n.as_str())
        .find(|n| n.contains("no cgroup can be made"));
    if let Some(n) = note {
        skip(test, &format!("the kernel's limit is not checked: {n}"));
    }
    note.is_some()
}

#[test]
fn test_memory_kills_a_generic_command_at_its_limit_and_reports_its_peak() {
    let test = "test_memory_kills_a_generic_command_at_its_limit_and_reports_its_peak";
    let py = or_skip!(python());
    let out = velo()
        .args([
            "test-timeout-runner",
            "--test-memory",
            "100M",
            "--format",
            "json",
            "--",
        ])
        .arg(&py)
        .args(["-c", TOUCH_400M])
        .run()
        .code(1);
    let json = out.json();
    let t = &json["tests"][0];
    assert_eq!(t["outcome"], "out-of-memory", "{json:#}");
    assert_eq!(json["summary"]["out_of_memory"], 1);
    let peak = t["memory_peak_bytes"].as_u64().expect("a peak");
    if !memory_sampled(test, &json) {
        // Killed by the kernel at the limit: the group's peak is the limit, not 400 MiB.
        assert!(peak <= 100 << 20 && peak > 50 << 20, "{peak}");
        assert!(
            t["excerpt"]
                .as_str()
                .unwrap()
                .contains("killed by the kernel"),
            "{json:#}"
        );
    }
}

#[test]
fn test_memory_under_the_limit_passes_with_its_peak() {
    let py = or_skip!(python());
    let out = velo()
        .args([
            "test-timeout-runner",
            "--test-memory",
            "1G",
            "--format",
            "json",
            "--",
        ])
        .arg(&py)
        .args(["-c", "x = b'\\x01' * (40 << 20)"])
        .run()
        .code(0);
    let json = out.json();
    assert_eq!(json["tests"][0]["outcome"], "passed", "{json:#}");
    let peak = json["tests"][0]["memory_peak_bytes"].as_u64().unwrap();
    assert!((40 << 20..1 << 30).contains(&peak), "{peak}");
}

#[test]
fn test_memory_costs_a_pytest_session_one_test_and_the_rest_still_runs() {
    let test = "test_memory_costs_a_pytest_session_one_test_and_the_rest_still_runs";
    or_skip!(need_pytest(test));
    let body = format!(
        "def test_before():\n    pass\n\ndef test_eats_memory():\n    {TOUCH_400M}\n\ndef test_after():\n    pass\n"
    );
    let out = velo()
        .file("test_mem.py", body)
        .args([
            "test-timeout-runner",
            "--test-memory",
            "100M",
            "--format",
            "json",
        ])
        .args(pytest_cmd(&["test_mem.py"]))
        .run()
        .code(1);
    let json = out.json();
    assert_eq!(outcome_of(&json, "test_mem.py::test_before"), "passed");
    assert_eq!(
        outcome_of(&json, "test_mem.py::test_eats_memory"),
        "out-of-memory",
        "{json:#}"
    );
    assert_eq!(outcome_of(&json, "test_mem.py::test_after"), "passed");
    if !memory_sampled(test, &json) {
        let eats = json["tests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == "test_mem.py::test_eats_memory")
            .unwrap();
        let peak = eats["memory_peak_bytes"].as_u64().unwrap();
        assert!(peak <= 100 << 20 && peak > 50 << 20, "{peak}");
    }
}

#[test]
fn test_memory_is_refused_in_go_mode_with_the_reason() {
    velo()
        .args([
            "test-timeout-runner",
            "--framework",
            "go",
            "--test-memory",
            "100M",
            "--",
            "go",
            "test",
            "./...",
        ])
        .run()
        .code(2)
        .stderr_has("not go mode");
}
