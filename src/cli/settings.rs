//! The one settings layer: a command's settings are its flags over its table of velo.toml over
//! the defaults, merged here for every command, and a value that its rule refuses is named one
//! way: by the flag the user typed (`--jobs`, clap's own message for a flag's syntax) or by the
//! key of velo.toml (`[backtest] jobs in /repo/velo.toml`, worded by `config`).
//!
//! It lives in the command layer because merging needs the flags, which are clap's; `config`
//! stays shared ground that knows tables and keys but no command and no flag. A value of the
//! file is read by the flag's own value parser, so both accept the same syntax and refuse it
//! with the same reason. The value rules shared by several commands' flags are here too:
//! durations whose 0 means no limit, the kill grace, the sampling interval.

use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::config::{self, Config};
use crate::units::{self, UnitError};

/// Where a merged value came from, so that a message about it names what the user wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A flag, as typed: `--cash`.
    Flag(&'static str),
    /// A key of the command's table in velo.toml: `cash`.
    Key(&'static str),
    /// Neither was given.
    Default,
}

/// One command's table of velo.toml under its flags.
pub struct Layer<'a> {
    config: &'a Config,
    table: &'static str,
}

impl<'a> Layer<'a> {
    /// The layer of the command whose table is `[table]`.
    pub fn new(config: &'a Config, table: &'static str) -> Self {
        Self { config, table }
    }

    /// The command's table, read into its struct of `Option`s (a key that does not fit is named,
    /// see `Config::section`).
    pub fn read<T: DeserializeOwned + Default>(&self) -> anyhow::Result<T> {
        Ok(self.config.section(self.table)?)
    }

    /// How messages name a value's origin: `--jobs`, `[backtest] jobs in /repo/velo.toml`.
    pub fn name(&self, origin: Origin) -> String {
        match origin {
            Origin::Flag(flag) => flag.to_string(),
            Origin::Key(key) => self.config.key_name(self.table, key),
            Origin::Default => format!("the default of [{}]", self.table),
        }
    }

    /// The one wording of a value its rule refuses: `--cash: …`, `[backtest] cash in
    /// /repo/velo.toml: …`; `reason` quotes the value and says what would do.
    pub fn invalid(&self, origin: Origin, reason: impl Display) -> anyhow::Error {
        match origin {
            Origin::Key(key) => self.config.bad_value(self.table, key, reason).into(),
            _ => anyhow::anyhow!("{}: {reason}", self.name(origin)),
        }
    }

    /// The flag when given; else the file's value of `key` read by `rule` (the flag's own value
    /// parser, or the same check); else `None` (the caller's default).
    pub fn pick<T, V, E: Display>(
        &self,
        flag: Option<T>,
        key: &'static str,
        file: Option<V>,
        rule: impl FnOnce(V) -> Result<T, E>,
    ) -> anyhow::Result<Option<T>> {
        if flag.is_some() {
            return Ok(flag);
        }
        file.map(rule)
            .transpose()
            .map_err(|e| self.invalid(Origin::Key(key), e))
    }

    /// As [`Layer::pick`], for a limit: 0, from either, is no limit (`None`), in every command.
    pub fn limit<T: Default + PartialEq, V, E: Display>(
        &self,
        flag: Option<T>,
        key: &'static str,
        file: Option<V>,
        rule: impl FnOnce(V) -> Result<T, E>,
    ) -> anyhow::Result<Option<T>> {
        self.pick(flag, key, file, rule).map(no_limit_if_zero)
    }

    /// The flag when given, else the file's value, else `default`, with where it came from (for
    /// checks that look at the merged value, worded with [`Layer::invalid`]).
    pub fn merge<T>(
        flag: Option<T>,
        flag_name: &'static str,
        file: Option<T>,
        key: &'static str,
        default: T,
    ) -> (T, Origin) {
        match (flag, file) {
            (Some(v), _) => (v, Origin::Flag(flag_name)),
            (None, Some(v)) => (v, Origin::Key(key)),
            (None, None) => (default, Origin::Default),
        }
    }

    /// `--jobs` over `jobs` of the table, by the one rule of `config::jobs` (0 = one per CPU);
    /// `None` when neither is given (the domain's default).
    pub fn jobs(&self, flag: Option<usize>, file: Option<u64>) -> anyhow::Result<Option<usize>> {
        self.pick(flag, "jobs", file, config::jobs::resolve)
    }

    /// `--kill-after` over `kill-after` of the table, by [`grace_arg`]'s rule, else
    /// [`DEFAULT_GRACE`] (the runner and the monitor).
    pub fn grace(&self, flag: Option<Duration>, file: Option<&str>) -> anyhow::Result<Duration> {
        Ok(self
            .pick(flag, "kill-after", file, grace_arg)?
            .unwrap_or(DEFAULT_GRACE))
    }

    /// A path: the flag's as typed (relative to the working directory), else the file's,
    /// relative to the folder holding velo.toml.
    pub fn path(&self, flag: Option<&Path>, file: Option<&Path>) -> Option<PathBuf> {
        flag.map(Path::to_path_buf)
            .or_else(|| file.map(|p| self.in_config_dir(p)))
    }

    /// A path written in velo.toml, relative to the folder holding it.
    pub fn in_config_dir(&self, p: &Path) -> PathBuf {
        match self.config.dir() {
            Some(dir) if p.is_relative() => dir.join(p),
            _ => p.to_path_buf(),
        }
    }

    /// A switch: on when the flag is given or the file turns it on.
    pub fn switch(flag: bool, file: Option<bool>) -> bool {
        flag || file.unwrap_or(false)
    }
}

/// A value the user gave for a limit: 0 is no limit (`None`), in every velo command.
pub fn no_limit_if_zero<T: Default + PartialEq>(v: Option<T>) -> Option<T> {
    v.filter(|v| *v != T::default())
}

/// A unit rule's error; a negative value is told what 0 means for the flag instead.
fn with_zero<T>(r: Result<T, UnitError>, zero: &str) -> Result<T, String> {
    r.map_err(|e| match e {
        UnitError::Negative(..) => format!("{e} ({zero})"),
        e => e.to_string(),
    })
}

/// A duration (`--retry-backoff`).
pub fn duration_arg(s: &str) -> Result<Duration, String> {
    units::duration_arg(s)
}

/// A time limit whose 0 means no limit (`--timeout`, `--duration`, `--every`).
pub fn limit_duration_arg(s: &str) -> Result<Duration, String> {
    with_zero(units::parse_duration(s), "0 means no limit")
}

/// A size limit whose 0 means no limit (`--max-rss`).
pub fn limit_size_arg(s: &str) -> Result<u64, String> {
    with_zero(units::parse_size(s), "0 means no limit")
}

/// A rate limit whose 0 means no limit (`--max-leak`).
pub fn limit_rate_arg(s: &str) -> Result<f64, String> {
    with_zero(units::parse_rate(s), "0 means no limit")
}

/// The grace of each step of the kill escalation when none is given.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(2);

/// What 0 means for `--kill-after` in every command.
pub const GRACE_ZERO: &str = "0 means no grace: SIGKILL at once";

/// The grace of each step of the kill escalation (`--kill-after`); 0 skips the waits, so the
/// tree gets SIGKILL at once.
pub fn grace_arg(s: &str) -> Result<Duration, String> {
    with_zero(units::parse_duration(s), GRACE_ZERO)
}

/// The shortest and the longest sampling interval (`monitor --interval`, the runner's
/// `--monitor-interval`): the monitor's own cost grows with the rate.
pub const MIN_INTERVAL: Duration = Duration::from_millis(10);
pub const MAX_INTERVAL: Duration = Duration::from_secs(3600);

/// A sampling interval, from [`MIN_INTERVAL`] to [`MAX_INTERVAL`], naming the value given.
pub fn interval_arg(s: &str) -> Result<Duration, String> {
    let range = "the interval is 10ms to 1h";
    let d = with_zero(units::parse_duration(s), range)?;
    if d < MIN_INTERVAL {
        Err(format!(
            "{s:?} is too short: {range} (the monitor's own cost grows with the rate)"
        ))
    } else if d > MAX_INTERVAL {
        Err(format!("{s:?} is too long: {range}"))
    } else {
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> Config {
        Config::parse(text, Path::new("/repo/velo.toml")).unwrap()
    }

    #[test]
    fn a_flag_wins_then_the_file_then_the_default() {
        let cfg = config("[scan]\njobs = 3\n");
        let layer = Layer::new(&cfg, "scan");
        assert_eq!(layer.jobs(Some(5), Some(3)).unwrap(), Some(5));
        assert_eq!(layer.jobs(None, Some(3)).unwrap(), Some(3));
        assert_eq!(layer.jobs(None, None).unwrap(), None);
        assert_eq!(
            layer.jobs(None, Some(0)).unwrap(),
            Some(config::jobs::cpus())
        );
        assert_eq!(
            Layer::merge(Some(1.0), "--cash", Some(2.0), "cash", 3.0),
            (1.0, Origin::Flag("--cash"))
        );
        assert_eq!(
            Layer::merge(None, "--cash", Some(2.0), "cash", 3.0),
            (2.0, Origin::Key("cash"))
        );
        assert_eq!(
            Layer::merge(None, "--cash", None, "cash", 3.0),
            (3.0, Origin::Default)
        );
        assert!(Layer::switch(false, Some(true)) && Layer::switch(true, None));
        assert!(!Layer::switch(false, None));
        assert_eq!(layer.grace(None, None).unwrap(), DEFAULT_GRACE);
        assert_eq!(layer.grace(None, Some("0")).unwrap(), Duration::ZERO);
        assert!(layer
            .grace(None, Some("-1s"))
            .unwrap_err()
            .to_string()
            .starts_with("[scan] kill-after in /repo/velo.toml: \"-1s\" is negative"));
        // A limit of 0, from the flag or the file, is none; the flag's 0 turns the file's off.
        let rule = |v: u64| Ok::<_, String>(v);
        assert_eq!(
            layer.limit(Some(0u64), "max-fds", Some(5), rule).unwrap(),
            None
        );
        assert_eq!(
            layer.limit(None, "max-fds", Some(0u64), rule).unwrap(),
            None
        );
        assert_eq!(
            layer.limit(None, "max-fds", Some(5u64), rule).unwrap(),
            Some(5)
        );
    }

    #[test]
    fn a_bad_file_value_is_named_by_table_key_and_file() {
        let cfg = config("[backtest]\njobs = 5000\n");
        let layer = Layer::new(&cfg, "backtest");
        let err = layer.jobs(None, Some(5000)).unwrap_err().to_string();
        assert_eq!(
            err,
            "[backtest] jobs in /repo/velo.toml: 5000 jobs is more than 1024: use at most 1024, or 0 for one per CPU"
        );
        // The flag's rule reads the file's text: the same reason as for the flag.
        let err = layer
            .pick(None, "timeout-per", Some("5x"), units::duration_arg)
            .unwrap_err()
            .to_string();
        let flag_reason = units::duration_arg("5x").unwrap_err();
        assert_eq!(
            err,
            format!("[backtest] timeout-per in /repo/velo.toml: {flag_reason}")
        );
    }

    #[test]
    fn a_bad_merged_value_is_named_by_the_flag_typed() {
        let cfg = config("");
        let layer = Layer::new(&cfg, "backtest");
        assert_eq!(
            layer
                .invalid(Origin::Flag("--cash"), "-5 is not more than 0")
                .to_string(),
            "--cash: -5 is not more than 0"
        );
        assert_eq!(
            layer
                .invalid(Origin::Key("cash"), "-5 is not more than 0")
                .to_string(),
            "[backtest] cash in /repo/velo.toml: -5 is not more than 0"
        );
        assert_eq!(layer.name(Origin::Default), "the default of [backtest]");
        // A given flag is not checked against the file.
        assert_eq!(
            layer
                .pick(Some(2), "jobs", Some("x"), |_| Err("never read"))
                .unwrap(),
            Some(2)
        );
    }

    #[test]
    fn paths_from_the_file_are_relative_to_its_folder() {
        let cfg = config("");
        let layer = Layer::new(&cfg, "log-digest");
        assert_eq!(
            layer.path(None, Some(Path::new("rules.toml"))),
            Some(PathBuf::from("/repo/rules.toml"))
        );
        assert_eq!(
            layer.path(Some(Path::new("mine.toml")), Some(Path::new("rules.toml"))),
            Some(PathBuf::from("mine.toml"))
        );
        assert_eq!(
            layer.path(None, Some(Path::new("/abs/r.toml"))),
            Some(PathBuf::from("/abs/r.toml"))
        );
    }

    #[test]
    fn shared_value_rules_say_what_zero_means() {
        assert_eq!(grace_arg("0"), Ok(Duration::ZERO));
        assert_eq!(grace_arg("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(
            grace_arg("-1s").unwrap_err(),
            format!("\"-1s\" is negative: a duration is 0 or more ({GRACE_ZERO})")
        );
        assert_eq!(limit_duration_arg("0"), Ok(Duration::ZERO));
        assert!(limit_duration_arg("-1s")
            .unwrap_err()
            .ends_with("(0 means no limit)"));
        assert!(limit_size_arg("-5M")
            .unwrap_err()
            .ends_with("(0 means no limit)"));
        assert!(limit_rate_arg("-5MB/min")
            .unwrap_err()
            .ends_with("(0 means no limit)"));
        assert!(limit_duration_arg("10x")
            .unwrap_err()
            .starts_with("invalid duration \"10x\""));
        assert_eq!(no_limit_if_zero(Some(Duration::ZERO)), None);
        assert_eq!(no_limit_if_zero(Some(3u64)), Some(3));
    }

    #[test]
    fn the_interval_is_10ms_to_1h() {
        assert_eq!(interval_arg("10ms"), Ok(MIN_INTERVAL));
        assert_eq!(interval_arg("1h"), Ok(MAX_INTERVAL));
        assert!(interval_arg("9ms")
            .unwrap_err()
            .starts_with("\"9ms\" is too short: the interval is 10ms to 1h"));
        assert!(interval_arg("0").unwrap_err().contains("is too short"));
        assert!(interval_arg("61m").unwrap_err().contains("is too long"));
        assert!(interval_arg("-5s").unwrap_err().contains("is negative"));
    }
}
