//! Behaviour every command shares: help, usage errors, completions and man pages in sync.

use crate::support::{repo_root, velo};

#[test]
fn help_lists_exit_codes() {
    velo()
        .arg("--help")
        .run()
        .code(0)
        .stdout_has("Exit codes:")
        .stdout_has("128+N");
}

#[test]
fn unknown_flag_is_a_usage_error() {
    velo()
        .arg("--no-such-flag")
        .run()
        .code(2)
        .stderr_has("--no-such-flag");
}

#[test]
fn version_prints() {
    velo()
        .arg("--version")
        .run()
        .code(0)
        .stdout_has(env!("CARGO_PKG_VERSION"));
}

#[test]
fn generate_is_hidden_from_help() {
    let out = velo().arg("--help").run().code(0);
    assert!(!out.stdout.contains("generate"), "{}", out.stdout);
}

fn assert_same_tree(generated: &std::path::Path, committed: &std::path::Path, regen: &str) {
    let mut names: Vec<_> = std::fs::read_dir(generated)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    let mut committed_names: Vec<_> = std::fs::read_dir(committed)
        .unwrap_or_else(|_| panic!("{} is missing: run `{regen}`", committed.display()))
        .map(|e| e.unwrap().file_name())
        .collect();
    committed_names.sort();
    assert_eq!(
        names,
        committed_names,
        "{} drifted: run `{regen}`",
        committed.display()
    );
    for name in names {
        let want = std::fs::read(generated.join(&name)).unwrap();
        let have = std::fs::read(committed.join(&name)).unwrap();
        assert!(
            want == have,
            "{} drifted from the clap tree: run `{regen}`",
            committed.join(&name).display()
        );
    }
}

#[test]
fn committed_completions_match_the_command_tree() {
    let out = velo()
        .args(["generate", "completions", "--out-dir", "gen"])
        .run()
        .code(0);
    assert_same_tree(
        &out.dir.path().join("gen"),
        &repo_root().join("completions"),
        "cargo run -- generate completions --out-dir completions",
    );
}

#[test]
fn committed_man_pages_match_the_command_tree() {
    let out = velo()
        .args(["generate", "man", "--out-dir", "gen"])
        .run()
        .code(0);
    assert_same_tree(
        &out.dir.path().join("gen"),
        &repo_root().join("man"),
        "cargo run -- generate man --out-dir man",
    );
}

/// A report bigger than a pipe buffer, so a closed reader is certain to break the pipe (with
/// `--show-sources`: env-check lists at most 50 findings per code, but every key's source).
fn many_findings() -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    for i in 0..4000 {
        let _ = writeln!(s, "lower_key_{i} = x y");
    }
    s
}

#[cfg(unix)]
#[test]
fn a_closed_pipe_is_a_clean_exit() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), many_findings()).unwrap();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("velo"))
        .args(["env-check", "--format", "json", "--show-sources"])
        .current_dir(dir.path())
        .env_remove("CI")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read a little, then hang up, as `velo … | head -c 100` does.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 100];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    assert!(
        !stderr.contains("error"),
        "a broken pipe must not be reported: {stderr}"
    );
}

/// velo starts from the C `main` (see src/main.rs), so it opens closed standard descriptors on
/// /dev/null itself, as std's start-up would: otherwise its first pipe or file would become fd 1,
/// and what velo prints would go there.
#[cfg(target_os = "linux")]
#[test]
fn closed_standard_descriptors_are_opened_on_dev_null() {
    let dir = tempfile::tempdir().unwrap();
    let seen = dir.path().join("fd1");
    // The wrapped command reads where velo's (its parent's) fd 1 points.
    let script =
        r#"exec "$0" test-timeout-runner -- sh -c 'readlink /proc/$PPID/fd/1 > "$1"' sh "$1" >&-"#;
    let out = std::process::Command::new("sh")
        .args(["-c", script])
        .arg(assert_cmd::cargo::cargo_bin("velo"))
        .arg(&seen)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let target = std::fs::read_to_string(&seen).unwrap();
    assert_eq!(target.trim(), "/dev/null");
}

#[cfg(unix)]
#[test]
fn ctrl_c_is_re_raised_so_the_shell_sees_an_interrupt() {
    use std::os::unix::process::ExitStatusExt;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("velo"))
        .args([
            "test-timeout-runner",
            "--kill-after",
            "1s",
            "--",
            "sleep",
            "60",
        ])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Give velo time to start its child (generous: the assertion is on behaviour, not timing).
    std::thread::sleep(Duration::from_millis(700));
    crate::support::signal(&child, rustix::process::Signal::INT);
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "velo ignored Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(
        status.signal(),
        Some(2),
        "velo should end by SIGINT, got {status:?}"
    );
}

#[test]
fn colour_follows_the_flag_and_the_environment() {
    let env = "lower = 1\n";
    let esc = "\u{1b}[";
    let plain = velo().file(".env", env).arg("env-check").run();
    assert!(
        !plain.stdout.contains(esc),
        "no colour when piped:\n{}",
        plain.stdout
    );
    let forced = velo()
        .file(".env", env)
        .arg("env-check")
        .env("CLICOLOR_FORCE", "1")
        .run();
    assert!(
        forced.stdout.contains(esc),
        "CLICOLOR_FORCE=1 forces colour:\n{}",
        forced.stdout
    );
    let flag = velo()
        .file(".env", env)
        .args(["--color", "always", "env-check"])
        .env("NO_COLOR", "1")
        .run();
    assert!(
        flag.stdout.contains(esc),
        "--color always beats NO_COLOR:\n{}",
        flag.stdout
    );
    let never = velo()
        .file(".env", env)
        .args(["env-check", "--color", "never"])
        .env("CLICOLOR_FORCE", "1")
        .run();
    assert!(
        !never.stdout.contains(esc),
        "--color never beats CLICOLOR_FORCE:\n{}",
        never.stdout
    );
}

#[test]
fn quiet_changes_neither_stdout_nor_the_exit_code() {
    let env = "lower = 1\n";
    let loud = velo()
        .file(".env", env)
        .args(["env-check", "--format", "json"])
        .run();
    let quiet = velo()
        .file(".env", env)
        .args(["-q", "env-check", "--format", "json"])
        .run();
    assert_eq!(loud.code, quiet.code);
    assert_eq!(loud.stdout, quiet.stdout);
}

#[test]
fn a_broken_velo_toml_is_a_configuration_error_naming_the_file() {
    velo()
        .file("velo.toml", "[env-check\n")
        .file(".env", "A=1\n")
        .arg("env-check")
        .run()
        .code(2)
        .stderr_has("velo.toml");
}

#[test]
fn a_misspelled_velo_toml_table_is_named_with_a_suggestion() {
    // Before, `[env_check]` was ignored without a word and its settings silently did nothing.
    let out = velo()
        .file(
            "velo.toml",
            "[env_check]\nexample = \".env.sample\"\n\n[scan]\ntop = 5\n",
        )
        .file(".env", "A=1\n")
        .arg("env-check")
        .run();
    assert!(
        out.stderr.contains(
            "velo.toml: [env_check] is not a table velo reads, so it is ignored: did you mean [env-check]?"
        ),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("[scan]"), "{}", out.stderr);
    // --quiet silences it, as every message.
    let quiet = velo()
        .file("velo.toml", "[env_check]\n")
        .file(".env", "A=1\n")
        .args(["--quiet", "env-check"])
        .run();
    assert!(!quiet.stderr.contains("env_check"), "{}", quiet.stderr);
}

#[test]
fn velo_is_a_position_independent_executable() {
    // No -no-pie: the binary's code and data get random addresses (ASLR), as distribution
    // hardening checks expect; `readelf -h` says `Type: DYN`.
    let bin = assert_cmd::cargo::cargo_bin("velo");
    let elf = std::fs::read(&bin).unwrap();
    // e_type at offset 16: 3 = ET_DYN (PIE), 2 = ET_EXEC (fixed addresses).
    assert_eq!(
        u16::from_le_bytes([elf[16], elf[17]]),
        3,
        "velo is not a PIE"
    );
}
