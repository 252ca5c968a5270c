//! velo: a toolkit that removes the drag from the daily loop of people who build Python trading
//! bots, scrapers and automation. One binary, several commands over one core library.
//!
//! Layout (ARCHITECTURE.md in the repository has the one-page map): `cli` (clap layer, settings,
//! exit codes; calls one entry point per command with an observer), domain modules (one per
//! command, computing reports, never printing), and shared homes: `output` (the Ui handle),
//! `report` (renderers), `units` (durations, sizes, timestamps), `config` (`velo.toml`, the
//! `--jobs` rule), `market` (OHLCV and indicators), `proc` (processes), `cancel` (the one sleep that wakes for Ctrl-C), `watch` (file
//! watching), `pool` (the bounded worker pool and the retry loop), `shard` (K/N splits),
//! `outfile` (every file a run writes: checked before the work, replaced atomically), `secret`
//! (which names look secret, and masking them), `suggest` (the one "did you mean" rule) and
//! `input_path` (what an input path names: a file, a folder, a FIFO, a device, a descriptor).

pub mod backtest;
pub mod cancel;
pub mod cli;
pub mod config;
pub mod env_check;
pub mod input_path;
pub mod log_digest;
pub mod market;
pub mod monitor;
pub mod outfile;
pub mod output;
pub mod pool;
pub mod proc;
pub mod report;
pub mod scan;
pub mod secret;
pub mod shard;
pub mod suggest;
pub mod test_runner;
pub mod units;
pub mod watch;
