//! Exit codes: public API, documented in README.md. Every command ends through one of these.

use crate::test_runner::SpawnError;

/// Ran, nothing wrong found.
pub const SUCCESS: u8 = 0;
/// Ran, found problems: failed or timed-out tests, env errors, breached limits, errors over `--fail-on`.
pub const PROBLEMS: u8 = 1;
/// Usage, configuration or input error (unreadable file, malformed data).
pub const USAGE: u8 = 2;
/// `test-timeout-runner` in single-command mode: the command timed out (as GNU `timeout`).
pub const TIMED_OUT: u8 = 124;
/// `test-timeout-runner`, `monitor -- COMMAND`: velo itself failed (could not start it).
pub const RUNNER_FAILED: u8 = 125;
/// `test-timeout-runner`, `monitor -- COMMAND`: the command was found but could not be executed.
pub const NOT_EXECUTABLE: u8 = 126;
/// `test-timeout-runner`, `monitor -- COMMAND`: the command was not found.
pub const NOT_FOUND: u8 = 127;
/// Interrupted by signal N: the exit code is `SIGNAL_BASE + N`.
pub const SIGNAL_BASE: u8 = 128;

/// The exit code for "killed by signal `signo`" (128+N, saturating).
pub fn for_signal(signo: i32) -> u8 {
    u8::try_from(i32::from(SIGNAL_BASE) + signo).unwrap_or(u8::MAX)
}

/// A command that could not start ends velo as a shell (and `timeout`, `env`) says it: 127 not
/// found, 126 not executable, 125 for anything else (velo failed), so the command's own exit
/// codes, passed through, are not mistaken for velo's; with the hint that fixes it. The one
/// wording for `test-timeout-runner` and `monitor -- COMMAND`.
pub fn spawn_error(e: &SpawnError) -> anyhow::Error {
    let (code, hint) = match e {
        SpawnError::NotFound(_) => (
            NOT_FOUND,
            "\n  help: check the spelling, or give the full path",
        ),
        SpawnError::NotExecutable(_) => (
            NOT_EXECUTABLE,
            "\n  help: make it executable (chmod +x) or run it through its interpreter",
        ),
        SpawnError::Io { .. } => (RUNNER_FAILED, ""),
    };
    super::CodedError::wrap(code, anyhow::anyhow!("{e}{hint}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_codes_follow_the_shell_convention() {
        assert_eq!(for_signal(2), 130);
        assert_eq!(for_signal(15), 143);
        assert_eq!(for_signal(500), 255);
    }
}
