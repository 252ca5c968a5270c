//! Generic mode: one command supervised as a whole, a drop-in for GNU `timeout` (exit 124 on a
//! timeout, 125–127, 128+N) plus what it lacks: whole-tree kill, the no-output watchdog,
//! retries with exponential backoff, and a summary of why a failing attempt failed.

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::proc::{self, Ending, Limits, Sink, SpawnError, Spec};

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
    /// Pass the child's stdout and stderr through live.
    pub passthrough: Option<(Sink, Sink)>,
}

/// How the last attempt ended, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandEnd {
    Code(i32),
    Signal(i32),
    TimedOut,
    Cancelled,
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

/// Runs the command, retrying failed attempts; `on_attempt` hears about each attempt.
pub fn run(
    cfg: &GenericConfig,
    cancel: &AtomicBool,
    on_attempt: &mut dyn FnMut(&AttemptInfo),
) -> Result<GenericRun, SpawnError> {
    let started = Instant::now();
    let id = display_command(&cfg.command);
    let mut previous: Vec<Attempt> = Vec::new();
    let mut leaked = Vec::new();
    let mut number = 0u32;
    loop {
        number += 1;
        let (stdout_file, stderr_file) = match &cfg.output_dir {
            Some(dir) => (
                Some(dir.join(format!("attempt-{number}.stdout"))),
                Some(dir.join(format!("attempt-{number}.stderr"))),
            ),
            None => (None, None),
        };
        let spec = Spec {
            program: cfg.command[0].clone(),
            args: cfg.command[1..].to_vec(),
            env: cfg.env.clone(),
            cwd: cfg.cwd.clone(),
            inherit_stdin: true,
            stdout_file,
            stderr_file,
            stdout_sink: cfg.passthrough.as_ref().map(|p| p.0.clone()),
            stderr_sink: cfg.passthrough.as_ref().map(|p| p.1.clone()),
            tail_bytes: 64 * 1024,
        };
        let (finished, ending) = proc::run(&spec, cfg.limits, cancel)?;
        for l in &finished.leaked {
            leaked.push(LeakNote::from_leaked(l, &format!("attempt {number}")));
        }
        let end = match ending {
            Ending::TimedOut | Ending::Idle => CommandEnd::TimedOut,
            Ending::Cancelled => CommandEnd::Cancelled,
            Ending::Exited => match (finished.exit.code, finished.exit.signal) {
                (Some(c), _) => CommandEnd::Code(c),
                (None, Some(s)) => CommandEnd::Signal(s),
                (None, None) => CommandEnd::Code(i32::from(crate::cli::exit::RUNNER_FAILED)),
            },
        };
        let outcome = match end {
            CommandEnd::Code(0) => Outcome::Passed,
            CommandEnd::TimedOut => Outcome::TimedOut,
            CommandEnd::Cancelled => Outcome::Error,
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
                ) => {
                    format!("timed out after {}\n", crate::units::format_duration(t))
                }
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
                (Ending::Cancelled, _) => "interrupted\n".to_string(),
                _ => match end {
                    CommandEnd::Signal(s) => format!("killed by signal {s}\n"),
                    CommandEnd::Code(c) => format!("exit code {c}\n"),
                    _ => String::new(),
                },
            };
            excerpt.push_str(&summary::failure_summary(
                &finished.stdout_tail,
                &finished.stderr_tail,
            ));
        }
        let can_retry = outcome.is_bad()
            && end != CommandEnd::Cancelled
            && number <= cfg.retries
            && !cancel.load(Ordering::SeqCst);
        let retry_in = can_retry.then(|| backoff(cfg.retry_backoff, number));
        on_attempt(&AttemptInfo {
            number,
            outcome,
            end,
            duration: finished.duration,
            summary: excerpt.clone(),
            retry_in,
        });
        if let Some(wait) = retry_in {
            previous.push(Attempt {
                outcome,
                duration_s: super::round_ms(finished.duration.as_secs_f64()),
                excerpt,
            });
            if !sleep_unless(wait, cancel) {
                continue;
            }
            // Interrupted during the backoff: report the last attempt as it was.
            let last = previous.pop().unwrap_or(Attempt {
                outcome,
                duration_s: 0.0,
                excerpt: String::new(),
            });
            let mut t = TestResult::new(id.clone(), last.outcome, finished.duration);
            t.excerpt = last.excerpt;
            t.attempts = number;
            t.previous = previous;
            let mut report = RunReport::new("generic", vec![t], started.elapsed());
            report.leaked = leaked;
            report.interrupted = true;
            return Ok(GenericRun {
                report,
                end: CommandEnd::Cancelled,
            });
        }
        let final_outcome = if outcome == Outcome::Passed && !previous.is_empty() {
            Outcome::Flaky
        } else {
            outcome
        };
        let mut t = TestResult::new(id, final_outcome, finished.duration);
        t.excerpt = excerpt;
        t.attempts = number;
        t.previous = previous;
        if cfg.passthrough.is_none() {
            t.output = super::last_lines(&finished.stdout_tail, 200);
        }
        let mut report = RunReport::new("generic", vec![t], started.elapsed());
        report.leaked = leaked;
        report.interrupted = end == CommandEnd::Cancelled;
        return Ok(GenericRun { report, end });
    }
}

/// The wait before retry `n + 1`: `base`, `2×base`, `4×base`, … (capped at 10 minutes).
pub fn backoff(base: Duration, attempt: u32) -> Duration {
    let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(20));
    base.saturating_mul(factor).min(Duration::from_secs(600))
}

/// Sleeps `dur` in small steps; returns true if `cancel` turned on meanwhile.
pub fn sleep_unless(dur: Duration, cancel: &AtomicBool) -> bool {
    let end = Instant::now() + dur;
    while Instant::now() < end {
        if cancel.load(Ordering::SeqCst) {
            return true;
        }
        std::thread::sleep(
            end.saturating_duration_since(Instant::now())
                .min(Duration::from_millis(50)),
        );
    }
    cancel.load(Ordering::SeqCst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles() {
        let b = Duration::from_secs(1);
        assert_eq!(backoff(b, 1), b);
        assert_eq!(backoff(b, 3), Duration::from_secs(4));
        assert_eq!(backoff(b, 40), Duration::from_secs(600));
    }

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
