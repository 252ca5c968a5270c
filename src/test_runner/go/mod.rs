//! go mode: lists the tests of every package (`go test -json -list`), then tests each package
//! in its own `go test -json` session, `--jobs` packages at once, reading the event stream as it
//! comes. A test that runs past `--test-timeout` gets a goroutine dump (SIGQUIT to the test
//! binary), the session's whole tree is killed, the test is recorded as `timed-out`, and a new
//! session runs the package's unfinished tests (`-run '^(A|B)$'`) so every other test still
//! runs. A hung subtest costs its top-level test first (Go reports a subtest's result only when
//! its parent ends, so the finished ones cannot be told from the hung one); the subtests that
//! were unfinished then run again one by one (`-run '^Parent$/^Sub$'`). Failed tests are
//! retried in fresh sessions with the timeout re-armed.
//!
//! One session per package, because `go test` holds back a package's events until the package
//! ends when it tests several packages at once, and velo must see which test is running.

pub mod args;
pub mod events;
pub mod listing;
mod session;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use crate::proc::{self, Ending, SpawnError};

use super::driver::{self, BatchOut, Mode, Plan, Planned, Run};
use super::{last_lines, summary, Outcome, Progress, RunReport, SessionConfig, TestResult};
pub use args::{group_pattern, parse_go_args, path_pattern, quote_meta, run_levels, GoArgs};
pub use events::{body_lines, build_failure, goroutines_of, parse_line, GoEvent, Line};
pub use listing::{is_test_name, parse_list, ListedPackage};

/// Output kept per test (the tail).
pub(crate) const OUTPUT_CAP: usize = 256 * 1024;
/// The name of the result that stands for a package-level failure (build error, a panic in
/// `init`, a failing `TestMain`).
pub const PACKAGE_TEST: &str = "(package)";

/// Whether a command is `go test …` (the index of `test`; `go -C dir test` and the versioned
/// `go1.22.5 test` of golang.org/dl too).
pub fn go_test_token(command: &[OsString]) -> Option<usize> {
    let first = Path::new(command.first()?).file_name()?.to_string_lossy();
    let version = first.strip_prefix("go")?;
    if !version.chars().all(|c| c.is_ascii_digit() || c == '.') || version.starts_with('.') {
        return None;
    }
    let mut i = 1;
    while let Some(a) = command.get(i) {
        let a = a.to_string_lossy();
        if a == "-C" || a == "--C" {
            i += 2;
        } else if a.starts_with("-C=") || a.starts_with("--C=") {
            i += 1;
        } else {
            break;
        }
    }
    (command.get(i)? == "test").then_some(i)
}

/// The id of test `name` (`TestX/sub`) of package `pkg`.
pub fn test_id(pkg: &str, name: &str) -> String {
    format!("{pkg}::{name}")
}

/// A go run that could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum GoError {
    #[error(transparent)]
    Spawn(#[from] SpawnError),
    #[error("`go test -list` listed no package (exit {code}); its output ends with:\n{tail}")]
    List { code: String, tail: String },
    #[error("cannot create {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The command is not `go test` (go mode was asked for).
    #[error("go mode runs `go test`, not `{command}`")]
    NotGoTest { command: String },
    #[error("`go test -list` only lists tests, and velo runs them")]
    ListOnly,
    /// A `-run` pattern go mode cannot narrow further.
    #[error(
        "-run {pattern:?} has a `|` between subtest paths, which go mode cannot combine with its own -run"
    )]
    RunAlternatives { pattern: String },
}

/// go mode behind the driver: the user's arguments taken apart.
pub struct Go {
    /// `go [-C dir] test`.
    prefix: Vec<OsString>,
    args: GoArgs,
    /// The user's `-run` pattern, level by level.
    levels: Vec<String>,
}

/// One package's selected top-level tests: what one worker tests.
pub struct Package {
    name: String,
    tops: Vec<String>,
}

impl Go {
    /// Takes the command apart; refuses what go mode cannot run.
    pub fn new(command: &[OsString]) -> Result<Self, GoError> {
        let Some(at) = go_test_token(command) else {
            return Err(GoError::NotGoTest {
                command: super::generic::display_command(command),
            });
        };
        let args = parse_go_args(&command[at + 1..]);
        if args.list {
            return Err(GoError::ListOnly);
        }
        let user_run = args.run.clone().unwrap_or_default();
        let Some(levels) = run_levels(&user_run) else {
            return Err(GoError::RunAlternatives { pattern: user_run });
        };
        Ok(Self {
            prefix: command[..=at].to_vec(),
            args,
            levels,
        })
    }
}

impl Mode for Go {
    type Batch = Package;
    type Error = GoError;

    fn name(&self) -> &'static str {
        "go"
    }

    fn plan(&self, run: &Run) -> Result<Plan<Package>, GoError> {
        let out_dir = run.out_dir().to_path_buf();
        std::fs::create_dir_all(&out_dir).map_err(|source| GoError::Io {
            path: out_dir.clone(),
            source,
        })?;
        let ctx = session::Ctx { go: self, run };
        let mut plan = Plan::default();
        // List (this also builds every test binary once).
        let list_pattern = match self.levels.first().filter(|l| !l.is_empty()) {
            Some(l) => l.clone(),
            None => ".*".to_string(),
        };
        let spec = ctx.spec(
            "go-list",
            vec!["-list".into(), list_pattern.into()],
            &self.args.packages,
        );
        let (listed, ending) = proc::run(&spec, run.limits(), run.cancel)?;
        if ending != Ending::Exited {
            plan.interrupted = true;
            return Ok(plan);
        }
        let read = |p: &Option<PathBuf>, tail: &str| {
            p.as_ref()
                .and_then(|p| std::fs::read_to_string(p).ok())
                .unwrap_or_else(|| tail.to_string())
        };
        let stdout = read(&spec.stdout_file, &listed.stdout_tail);
        let stderr = read(&spec.stderr_file, &listed.stderr_tail);
        let packages = parse_list(&stdout, &stderr);
        if packages.is_empty() && !listed.exit.success() {
            return Err(GoError::List {
                code: listed
                    .exit
                    .code
                    .map_or_else(|| "by a signal".to_string(), |c| c.to_string()),
                tail: last_lines(&format!("{}\n{}", listed.stdout_tail, stderr), 30),
            });
        }
        // The selected tests of each package; a package that did not build or list is an
        // error result of its own, as go's own report counts it.
        for p in packages {
            if p.failed && p.tests.is_empty() {
                let id = test_id(&p.name, PACKAGE_TEST);
                if run.selects(&id) {
                    let mut t = TestResult::new(id, Outcome::Error, Duration::ZERO);
                    t.message = format!("the package {} did not build or list its tests", p.name);
                    t.excerpt = format!(
                        "the package did not build or list its tests:\n{}",
                        summary::failure_summary("", &p.output)
                    );
                    t.output.clone_from(&p.output);
                    plan.finished.push(t);
                }
                continue;
            }
            let tops: Vec<String> = p
                .tests
                .iter()
                .filter(|t| run.selects(&test_id(&p.name, t)))
                .cloned()
                .collect();
            if !tops.is_empty() {
                plan.batches.push(Planned {
                    ids: tops.iter().map(|t| test_id(&p.name, t)).collect(),
                    batch: Package { name: p.name, tops },
                });
            }
        }
        Ok(plan)
    }

    fn run_batch(&self, run: &Run, pkg: &Package, announce: bool) -> BatchOut {
        let ctx = session::Ctx { go: self, run };
        session::run_package(&ctx, &pkg.name, &pkg.tops, announce)
    }

    fn retry_batch(&self, pkg: &Package, id: &str) -> Option<Package> {
        // A top-level test runs again with its subtests; a subtest goes with its parent.
        let name = id.strip_prefix(pkg.name.as_str())?.strip_prefix("::")?;
        (!name.contains('/') && name != PACKAGE_TEST).then(|| Package {
            name: pkg.name.clone(),
            tops: vec![name.to_string()],
        })
    }

    fn order(&self, pkg: &Package, results: &mut [TestResult]) {
        session::order(&pkg.name, &pkg.tops, results);
    }
}

/// Runs `go test` one package per session, with per-test timeouts.
pub fn run(
    cfg: &SessionConfig,
    cancel: &AtomicBool,
    on_progress: &(dyn Fn(Progress) + Sync),
) -> Result<RunReport, GoError> {
    driver::run(&Go::new(&cfg.command)?, cfg, cancel, on_progress)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    #[test]
    fn detects_go_test() {
        assert_eq!(go_test_token(&argv(&["go", "test", "./..."])), Some(1));
        assert_eq!(go_test_token(&argv(&["/usr/bin/go", "test"])), Some(1));
        assert_eq!(
            go_test_token(&argv(&["go", "-C", "sub", "test", "-v"])),
            Some(3)
        );
        assert_eq!(go_test_token(&argv(&["go", "build"])), None);
        assert_eq!(go_test_token(&argv(&["go"])), None);
        assert_eq!(go_test_token(&argv(&["go1.22.5", "test"])), Some(1));
        assert_eq!(go_test_token(&argv(&["gotest", "test"])), None);
        assert_eq!(go_test_token(&argv(&["go.sh", "test"])), None);
        assert_eq!(go_test_token(&argv(&["cargo", "test"])), None);
    }
}
