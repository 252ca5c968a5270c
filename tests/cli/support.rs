//! The fluent test builder: `velo().args([...]).in_dir(&dir).run()` and assertions on the result.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// Variables that change velo's output and must not leak in from the developer's shell or CI.
const STRIPPED_VARS: &[&str] = &[
    "NO_COLOR",
    "CLICOLOR_FORCE",
    "CLICOLOR",
    "CI",
    "PRE_COMMIT",
    "GITHUB_ACTIONS",
    "GITHUB_STEP_SUMMARY",
    "CI_NODE_INDEX",
    "CI_NODE_TOTAL",
    "JOB_COMPLETION_INDEX",
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_MIN",
    "SLURM_ARRAY_TASK_MAX",
    "SLURM_ARRAY_TASK_COUNT",
    "SLURM_ARRAY_TASK_STEP",
    "SLURM_ARRAY_JOB_ID",
    "CIRCLE_NODE_INDEX",
    "CIRCLE_NODE_TOTAL",
    "BUILDKITE_PARALLEL_JOB",
    "BUILDKITE_PARALLEL_JOB_COUNT",
    "COLUMNS",
    "TERM",
    "SOURCE_DATE_EPOCH",
];

/// The repository root (for `fixtures/`).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path under `fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    repo_root().join("fixtures").join(rel)
}

/// A path under `../shared/data` (present on developer machines and in CI). A checkout nested
/// deeper (a git worktree under `wt/`) finds the nearest `shared/data` of an ancestor.
pub fn shared_data(rel: &str) -> PathBuf {
    let root = repo_root();
    let base = root
        .ancestors()
        .skip(1)
        .map(|a| a.join("shared").join("data"))
        .find(|p| p.is_dir())
        .unwrap_or_else(|| root.join("..").join("shared").join("data"));
    base.join(rel)
}

/// A virtualenv made once under `target/<name>` with `packages` pip-installed (needs the package
/// index), for tests that compare velo with a Python tool. `works` says whether a Python already
/// has what the test needs; the venv is reused when it does. A lock folder keeps concurrent test
/// processes from building it twice. `None` when it cannot be had (no `python3 -m venv`, no
/// index): the calling test skips, saying why.
pub fn venv_python(
    name: &str,
    packages: &[&str],
    works: impl Fn(&Path) -> bool,
) -> Option<PathBuf> {
    use std::time::{Duration, Instant};
    let venv = repo_root().join("target").join(name);
    let py = venv.join("bin").join("python");
    if works(&py) {
        return Some(py);
    }
    let lock = repo_root().join("target").join(format!("{name}.lock"));
    let deadline = Instant::now() + Duration::from_secs(600);
    while std::fs::create_dir(&lock).is_err() {
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(500));
        if works(&py) {
            return Some(py);
        }
    }
    let ok = std::process::Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .output()
        .is_ok_and(|o| o.status.success())
        && std::process::Command::new(&py)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .args(packages)
            .output()
            .is_ok_and(|o| o.status.success());
    let _ = std::fs::remove_dir(&lock);
    (ok && works(&py)).then_some(py)
}

/// Starts a `velo` invocation in a fresh temporary directory.
pub fn velo() -> Velo {
    Velo::new()
}

pub struct Velo {
    cmd: Command,
    dir: tempfile::TempDir,
    stdin: Option<Vec<u8>>,
}

/// Starts `velo` through `sh -c` after a shell `prelude` (`umask 027`, `ulimit -f 1`), in a
/// fresh temporary directory: what the process inherits from its shell, set by the test.
pub fn velo_after(prelude: &str) -> Velo {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("{prelude}; exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_velo"));
    Velo::with(cmd)
}

impl Velo {
    pub fn new() -> Self {
        Self::with(Command::cargo_bin("velo").expect("velo binary is built"))
    }

    fn with(mut cmd: Command) -> Self {
        for var in STRIPPED_VARS {
            cmd.env_remove(var);
        }
        let dir = tempfile::tempdir().expect("temp dir");
        cmd.current_dir(dir.path());
        Self {
            cmd,
            dir,
            stdin: None,
        }
    }

    /// The temporary working directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file (creating parent folders) inside the working directory.
    pub fn file(self, rel: &str, contents: impl AsRef<[u8]>) -> Self {
        let path = self.dir.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create dirs");
        }
        std::fs::write(path, contents).expect("write file");
        self
    }

    /// Copies a file from `fixtures/` into the working directory under `rel`.
    pub fn fixture_as(self, fixture_rel: &str, rel: &str) -> Self {
        let bytes = std::fs::read(fixture(fixture_rel)).expect("read fixture");
        self.file(rel, bytes)
    }

    pub fn arg(mut self, arg: impl AsRef<std::ffi::OsStr>) -> Self {
        self.cmd.arg(arg);
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.cmd.args(args);
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Self {
        self.cmd.env(key, value);
        self
    }

    /// Runs in `dir` instead of the temporary directory.
    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.cmd.current_dir(dir);
        self
    }

    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(input.into());
        self
    }

    /// Runs the command and captures its outcome.
    pub fn run(mut self) -> Outcome {
        if let Some(input) = self.stdin.take() {
            self.cmd.write_stdin(input);
        }
        let output = self.cmd.output().expect("run velo");
        Outcome {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            dir: self.dir,
        }
    }
}

pub struct Outcome {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub dir: tempfile::TempDir,
}

impl Outcome {
    #[track_caller]
    pub fn code(self, expected: i32) -> Self {
        assert_eq!(
            self.code,
            Some(expected),
            "exit code\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stdout_has(self, needle: &str) -> Self {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}:\n{}",
            self.stdout
        );
        self
    }

    #[track_caller]
    pub fn stderr_has(self, needle: &str) -> Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn nowhere(self, needle: &str) -> Self {
        assert!(
            !self.stdout.contains(needle) && !self.stderr.contains(needle),
            "{needle:?} must not appear:\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// stdout parsed as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }

    /// stdout with the temporary directory replaced by `[TMP]` (for snapshots).
    pub fn stdout_redacted(&self) -> String {
        redact(&self.stdout, self.dir.path())
    }

    pub fn stderr_redacted(&self) -> String {
        redact(&self.stderr, self.dir.path())
    }
}

/// Replaces volatile parts (temp dir, repo root) so snapshots are stable.
pub fn redact(text: &str, tmp: &Path) -> String {
    let mut s = text.to_string();
    if let Ok(canon) = tmp.canonicalize() {
        s = s.replace(&canon.display().to_string(), "[TMP]");
    }
    s = s.replace(&tmp.display().to_string(), "[TMP]");
    s.replace(&repo_root().display().to_string(), "[REPO]")
}

/// Says on the terminal why a test (or part of one) did not run: written straight to stderr,
/// which the test harness does not capture, so the reason shows in every `cargo test` run.
pub fn skip(test: &str, why: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr().lock(), "{test}: skipped: {why}");
}

/// Makes a FIFO at `path` (for the tests that check velo never blocks on one).
#[cfg(unix)]
pub fn mkfifo(path: &Path) {
    rustix::fs::mknodat(
        rustix::fs::CWD,
        path,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
        0,
    )
    .unwrap();
}

/// Sends `sig` to a child process.
#[cfg(unix)]
pub fn signal(child: &std::process::Child, sig: rustix::process::Signal) {
    let pid = rustix::process::Pid::from_child(child);
    rustix::process::kill_process(pid, sig).unwrap();
}

/// A unique marker put in velo's environment: every process of the run inherits it.
pub fn marker() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

/// Pids of live processes whose environment carries `VELO_TEST_MARK=<mark>`.
pub fn survivors(mark: &str) -> Vec<(i32, String)> {
    let needle = format!("VELO_TEST_MARK={mark}");
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok())
        else {
            continue;
        };
        let Ok(env) = std::fs::read(entry.path().join("environ")) else {
            continue;
        };
        if env.split(|b| *b == 0).any(|v| v == needle.as_bytes()) {
            let cmd = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            found.push((pid, String::from_utf8_lossy(&cmd).replace('\0', " ")));
        }
    }
    found
}

/// Starts `cmd` (a velo invocation) with `VELO_TEST_MARK=<mark>`, waits until `ready` holds
/// for the marked processes other than velo, SIGKILLs velo (no handler of its own can run),
/// and waits up to 30 s for every marked process to be gone: velo's watchdog must take the
/// tree with it, `setsid()` grandchildren included. Returns what was left (killed here).
pub fn sigkill_leaves_nothing(
    mut cmd: std::process::Command,
    mark: &str,
    ready: impl Fn(&[(i32, String)]) -> bool,
) -> Vec<(i32, String)> {
    use std::time::{Duration, Instant};
    let mut child = cmd
        .env("VELO_TEST_MARK", mark)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("velo starts");
    let velo_pid = child.id() as i32;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let tree: Vec<(i32, String)> = survivors(mark)
            .into_iter()
            .filter(|(pid, _)| *pid != velo_pid)
            .collect();
        if ready(&tree) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the tree never came up: {tree:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().expect("SIGKILL to velo");
    child.wait().expect("velo reaped");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left = survivors(mark);
        if left.is_empty() || Instant::now() > deadline {
            for (pid, _) in &left {
                signal_pid(*pid, rustix::process::Signal::KILL);
            }
            return left;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Whether one of `procs` leads a session of its own (a `setsid()` grandchild).
pub fn has_session_leader(procs: &[(i32, String)]) -> bool {
    procs.iter().any(|(pid, _)| {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|s| {
                let rest = s[s.rfind(')')? + 1..].to_string();
                rest.split_ascii_whitespace().nth(3)?.parse::<i32>().ok()
            })
            == Some(*pid)
    })
}

fn signal_pid(pid: i32, sig: rustix::process::Signal) {
    if let Some(pid) = rustix::process::Pid::from_raw(pid) {
        let _ = rustix::process::kill_process(pid, sig);
    }
}
