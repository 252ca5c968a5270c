//! velo: a toolkit that removes the drag from the daily loop of people who build Python trading
//! bots, scrapers and automation. One binary, several commands over one core library.
//!
//! Layout: `cli` (clap layer, exit codes), domain modules (one per command, computing reports,
//! never printing), and shared homes: `output` (the Ui handle), `report` (renderers), `units`
//! (durations, sizes, timestamps), `config` (`velo.toml`), `market` (OHLCV and indicators),
//! `proc` (processes), `cancel` (the one sleep that wakes for Ctrl-C), `watch` (file watching), `pool` (the bounded worker pool and the retry
//! loop), `shard` (K/N splits), `outfile` (every file a run writes: checked before the
//! work, replaced atomically) and `secret` (which names look secret, and masking them).

pub mod backtest;
pub mod cancel;
pub mod cli;
pub mod config;
pub mod env_check;
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
pub mod test_runner;
pub mod units;
pub mod watch;
