//! The `velo` binary: parse the command line, run, exit with the code the run chose.
//!
//! An ordinary Rust `main`: std's start-up opens `/dev/null` on standard descriptors that were
//! closed (so a pipe or log file never lands on fd 1), ignores SIGPIPE (a write into a closed
//! pipe is an error that `cli::run` treats as a clean exit, as ripgrep does; children still
//! start with SIGPIPE at its default, which std's spawn restores), names the main thread in a
//! panic message, reports a stack overflow, and flushes stdout when `main` returns.

use std::process::ExitCode;

fn main() -> ExitCode {
    // The copy of velo that guards a session (velo::proc::reaper) never reaches the CLI.
    if let Some(code) = velo::proc::reaper::serve_or_enable() {
        return ExitCode::from(code);
    }
    ExitCode::from(velo::cli::run(std::env::args_os()))
}
