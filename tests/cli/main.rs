//! Integration tests: one binary, a module per command. Each test drives the real `velo` binary
//! in a fresh temporary directory with colour and CI variables stripped.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

mod support;

mod backtest;
mod backtest_batch;
mod backtest_expr;
mod env_check;
mod env_settings;
mod global;
mod layering;
mod log_digest;
mod log_digest_metamorphic;
mod monitor;
mod outputs;
mod scan;
mod settings;
mod slurm;
mod test_timeout_runner;
