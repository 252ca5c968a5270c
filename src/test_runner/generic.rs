//! Generic mode: one command supervised as a whole, a drop-in for GNU `timeout` (exit 124 on a
//! timeout, 125–127, 128+N) plus what it lacks: whole-tree kill, the no-output watchdog,
//! retries with exponential backoff, and a summary of why a failing attempt failed.

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::pool::RetryPolicy;
use crate::proc::{self, Ending, Limits, Passthrough, SpawnError, Spec};

use super::{summary, Attempt, LeakNote, Outcome, RunReport, TestResult};

/// What generic mode runs and how.
#[derive(Clone)]
pub struct GenericConfig {
    pub command: Vec<OsString>,
    /// Where to run it (`None`: velo's own working directory).
    pub cwd: Option<PathBuf>,
    pub env: Vec<(OsString, OsString)>,
    pub limits: Limits,
    pub retries: u32,
    pub retry_backoff: Duration,
    /// Keep each attempt's output as `attempt-N.stdout` / `attempt-N.stderr` here.
    pub output_dir: Option<PathBuf>,
    /// Pass the child's stdout and stderr through live. When the reader of its stdout leaves,
    /// an attempt that then dies is not retried: its output would go nowhere.
    pub passthrough: Option<Passthrough>,
    /// `--test-memory`: the command's memory limit.
    pub memory: Option<super::mem_limit::Limiter>,
}

/// How the last attempt ended, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandEnd {
    Code(i32),
    Signal(i32),
    TimedOut,
    Cancelled,
    /// Killed by the kernel at the `--test-memory` limit.
    OutOfMemory,
    /// The exit status could not be learnt (reaped elsewhere).
    Lost,
}

/// One attempt as it finished (for live messages).
#[derive(Debug, Clone)]
pub struct AttemptInfo {
    pub number: u32,
    pub outcome: Outcome,
    pub end: CommandEnd,
    pub duration: Duration,
    pub summary: String,
    /// The backoff before the next attempt, if there is one.
    pub retry_in: Option<Duration>,
    /// The reader of the passed-through stdout had left (`velo … | head -1`): an attempt
    /// ended by SIGPIPE is what a pipeline expects, not a failure to explain.
    pub output_gone: bool,
}

/// The result of generic mode.
pub struct GenericRun {
    pub report: RunReport,
    pub end: CommandEnd,
}

/// Shell-like display of a command line.
pub fn display_command(command: &[OsString]) -> String {
    command
        .iter()
        .map(|a| {
            let s = a.to_string_lossy();
            if !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
            {
                s.into_owned()
            } else {
                format!("'{}'", s.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// One attempt's result.
#[derive(Clone)]
struct Tried {
    outcome: Outcome,
    end: CommandEnd,
    duration: Duration,
    excerpt: String,
    output: String,
    memory_peak: Option<u64>,
}

/// Runs the command, retrying failed attempts with backoff (the one retry loop,
/// [`crate::pool::retry`]); `on_attempt` hears about each attempt.
pub fn run(
    cfg: &GenericConfig,
    cancel: &AtomicBool,
    on_attempt: &mut dyn FnMut(&AttemptInfo),
) -> Result<GenericRun, SpawnError> {
    let started = Instant::now();
    let id = display_command(&cfg.command);
    let mut leaked = Vec::new();
    let mut spawn_error: Option<SpawnError> = None;
    let policy = RetryPolicy {
        retries: cfg.retries,
        backoff: cfg.retry_backoff,
    };
    let output_gone = || {
        cfg.passthrough
            .as_ref()
            .is_some_and(Passthrough::reader_left)
    };
    let wants_retry = |t: &Option<Tried>| {
        t.as_ref()
            .is_some_and(|t| t.outcome.is_bad() && t.end != CommandEnd::Cancelled && !output_gone())
    };
    let announce = std::cell::RefCell::new(on_attempt);
    let attempts = crate::pool::retry(
        &policy,
        cancel,
        |number| match attempt(cfg, number, cancel) {
            Ok((tried, l)) => {
                leaked.extend(l);
                let can_retry = tried.outcome.is_bad()
                    && tried.end != CommandEnd::Cancelled
                    && !output_gone()
                    && number <= cfg.retries
                    && !cancel.load(Ordering::SeqCst);
                (announce.borrow_mut())(&AttemptInfo {
                    number,
                    outcome: tried.outcome,
                    end: tried.end,
                    duration: tried.duration,
                    summary: tried.excerpt.clone(),
                    retry_in: can_retry.then(|| policy.delay(number)),
                    output_gone: output_gone(),
                });
                Some(tried)
            }
            Err(e) => {
                spawn_error = Some(e);
                None
            }
        },
        wants_retry,
        |_, _| {},
    );
    if let Some(e) = spawn_error {
        return Err(e);
    }
    let mut tried: Vec<Tried> = attempts.into_iter().flatten().collect();
    let Some(last) = tried.pop() else {
        return Err(SpawnError::Io {
            program: id,
            source: std::io::Error::other("no attempt ran"),
        });
    };
    // Cancelled during a backoff: the last attempt stands, the run is interrupted.
    let cut_in_backoff = last.outcome.is_bad()
        && last.end != CommandEnd::Cancelled
        && (tried.len() as u32) < cfg.retries
        && cancel.load(Ordering::SeqCst);
    let previous: Vec<Attempt> = tried
        .iter()
        .map(|a| Attempt {
            outcome: a.outcome,
            duration_s: super::round_ms(a.duration.as_secs_f64()),
            message: String::new(),
            excerpt: a.excerpt.clone(),
        })
        .collect();
    let total: Duration = tried.iter().map(|a| a.duration).sum::<Duration>() + last.duration;
    let final_outcome = if last.outcome == Outcome::Passed && !previous.is_empty() {
        Outcome::Flaky
    } else {
        last.outcome
    };
    let mut t = TestResult::new(id, final_outcome, total);
    t.excerpt = super::strip_ansi(&last.excerpt);
    t.attempts = previous.len() as u32 + 1;
    t.previous = previous;
    t.output = super::strip_ansi(&last.output);
    t.memory_peak_bytes = last.memory_peak;
    let mut report = RunReport::new("generic", vec![t], started.elapsed());
    report.leaked = leaked;
    let end = if cut_in_backoff {
        CommandEnd::Cancelled
    } else {
        last.end
    };
    report.interrupted = end == CommandEnd::Cancelled;
    Ok(GenericRun { report, end })
}

/// Runs attempt `number` once.
fn attempt(
    cfg: &GenericConfig,
    number: u32,
    cancel: &AtomicBool,
) -> Result<(Tried, Vec<LeakNote>), SpawnError> {
    let (stdout_file, stderr_file) = match &cfg.output_dir {
        Some(dir) => (
            Some(dir.join(format!("attempt-{number}.stdout"))),
            Some(dir.join(format!("attempt-{number}.stderr"))),
        ),
        None => (None, None),
    };
    let sinks = cfg.passthrough.as_ref().map(Passthrough::sinks);
    let spec = Spec {
        program: cfg.command[0].clone(),
        args: cfg.command[1..].to_vec(),
        env: cfg.env.clone(),
        cwd: cfg.cwd.clone(),
        inherit_stdin: true,
        stdout_file,
        stderr_file,
        stdout_sink: sinks.as_ref().map(|s| s.0.clone()),
        stderr_sink: sinks.map(|s| s.1),
        tail_bytes: 64 * 1024,
        cgroup: None,
    };
    let limit = cfg.memory.map(super::mem_limit::Limiter::limit);
    let group = match cfg.memory.map(|m| m.group("test")) {
        Some(Ok(g)) => g,
        Some(Err(why)) => {
            return Err(SpawnError::Io {
                program: display_command(&cfg.command),
                source: std::io::Error::other(format!("--test-memory: {why}")),
            })
        }
        None => None,
    };
    let spec = Spec {
        cgroup: group.as_ref().map(|g| g.procs_path().to_owned()),
        ..spec
    };
    let (finished, ending) = proc::run(&spec, cfg.limits, cancel)?;
    let memory_peak = group.as_ref().and_then(crate::proc::cgroup::Group::peak);
    let oom = group.as_ref().is_some_and(|g| g.oom_kills() > 0);
    let leaked = finished
        .leaked
        .iter()
        .map(|l| LeakNote::from_leaked(l, &format!("attempt {number}")))
        .collect();
    let end = match ending {
        Ending::TimedOut | Ending::Idle => CommandEnd::TimedOut,
        Ending::Cancelled => CommandEnd::Cancelled,
        Ending::Exited => match (finished.exit.code, finished.exit.signal) {
            (Some(c), _) => CommandEnd::Code(c),
            (None, Some(s)) => CommandEnd::Signal(s),
            (None, None) => CommandEnd::Lost,
        },
    };
    // Killed by the kernel at the limit (the group's OOM count rose), whatever else it did.
    let end = if oom && matches!(end, CommandEnd::Signal(_) | CommandEnd::Code(_)) {
        CommandEnd::OutOfMemory
    } else {
        end
    };
    let outcome = match end {
        CommandEnd::Code(0) => Outcome::Passed,
        CommandEnd::TimedOut => Outcome::TimedOut,
        CommandEnd::Cancelled => Outcome::Interrupted,
        CommandEnd::OutOfMemory => Outcome::OutOfMemory,
        CommandEnd::Lost => Outcome::Error,
        _ => Outcome::Failed,
    };
    let mut excerpt = String::new();
    if outcome != Outcome::Passed {
        excerpt = match (ending, cfg.limits) {
            (
                Ending::TimedOut,
                Limits {
                    timeout: Some(t), ..
                },
            ) => format!("timed out after {}\n", crate::units::format_duration(t)),
            (
                Ending::Idle,
                Limits {
                    idle_timeout: Some(t),
                    ..
                },
            ) => format!(
                "no output for {}: killed by the idle watchdog\n",
                crate::units::format_duration(t)
            ),
            _ if end == CommandEnd::OutOfMemory => match (limit, &group) {
                (Some(limit), Some(g)) => format!(
                    "{} ({})\n",
                    super::mem_limit::killed_line(limit, memory_peak, g),
                    finished.exit.describe()
                ),
                _ => "out of memory\n".to_string(),
            },
            (Ending::Cancelled, _) => {
                "interrupted: velo was stopped by a signal while the command ran\n".to_string()
            }
            _ => format!("{}\n", finished.exit.describe()),
        };
        excerpt.push_str(&summary::failure_summary(
            &finished.stdout_tail,
            &finished.stderr_tail,
        ));
    }
    let output = if cfg.passthrough.is_none() {
        super::last_lines(&finished.stdout_tail, 200)
    } else {
        String::new()
    };
    Ok((
        Tried {
            outcome,
            end,
            duration: finished.duration,
            excerpt,
            output,
            memory_peak,
        },
        leaked,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_display_quoted() {
        let c: Vec<OsString> = vec!["sh".into(), "-c".into(), "echo it's".into()];
        assert_eq!(display_command(&c), "sh -c 'echo it'\\''s'");
    }

    #[test]
    fn retries_until_pass_is_flaky() {
        let dir = tempfile::tempdir().unwrap();
        let counter = dir.path().join("n");
        let script = format!(
            "n=$(cat {0} 2>/dev/null || echo 0); n=$((n+1)); echo $n > {0}; [ $n -ge 2 ]",
            counter.display()
        );
        let cfg = GenericConfig {
            command: vec!["sh".into(), "-c".into(), script.into()],
            cwd: Some(dir.path().to_path_buf()),
            env: Vec::new(),
            limits: Limits::default(),
            retries: 3,
            retry_backoff: Duration::from_millis(10),
            output_dir: Some(dir.path().to_path_buf()),
            passthrough: None,
            memory: None,
        };
        let mut seen = 0;
        let run = run(&cfg, &AtomicBool::new(false), &mut |_| seen += 1).unwrap();
        assert_eq!(seen, 2);
        assert_eq!(run.end, CommandEnd::Code(0));
        assert_eq!(run.report.tests[0].outcome, Outcome::Flaky);
        assert_eq!(run.report.tests[0].attempts, 2);
        assert!(dir.path().join("attempt-2.stdout").exists());
    }
}
