//! Market data: OHLCV loading and technical indicators, shared by `scan` and `backtest`.
//!
//! - [`csv`]: reads per-symbol CSV files, folders of them, or one long CSV with a `Symbol` column
//!   into columnar [`Bars`], validating every row (errors name the file and line).
//! - [`indicators`]: SMA, EMA, RSI, TRANGE, ATR, BBANDS, MACD, +DI/-DI/ADX, STDDEV, rolling
//!   MAX/MIN, exactly as TA-Lib computes them, each one O(n) pass.
//! - [`signals`]: pandas' exact rolling mean, rate of change, crossovers (for backtest).
//! - [`spec`]: indicator lists as users write them (`sma:20,macd:12:26:9`) and their columns.
//! - [`time`] and [`number`]: the timestamp and decimal parsers behind the loader.

pub mod csv;
pub mod indicators;
pub mod number;
pub mod signals;
pub mod spec;
pub mod time;

pub use csv::{list_inputs, load_file, parse, Bars, LoadError, LoadErrorKind, LoadOptions};
pub use spec::{IndicatorSpec, SpecError};
pub use time::TimeStyle;

/// Property tests in `market` run from a fixed seed, so a failure is the same on every machine
/// and every run; `PROPTEST_RNG_SEED=N` (or `PROPTEST_CASES`) explores others.
#[cfg(test)]
pub(crate) fn proptest_config(cases: u32) -> proptest::test_runner::Config {
    use proptest::test_runner::{Config, RngSeed};
    let from_env = Config::default();
    Config {
        cases: if std::env::var_os("PROPTEST_CASES").is_some() {
            from_env.cases
        } else {
            cases
        },
        rng_seed: match from_env.rng_seed {
            RngSeed::Random => RngSeed::Fixed(0x7665_6c6f),
            fixed @ RngSeed::Fixed(_) => fixed,
        },
        ..from_env
    }
}

/// The `fuzz_*` property tests: as many cases as `VELO_FUZZ_CASES` says (default 256; CI runs
/// more), from the same fixed seed as [`proptest_config`].
#[cfg(test)]
pub(crate) fn fuzz_config() -> proptest::test_runner::Config {
    let cases = std::env::var("VELO_FUZZ_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(256);
    proptest::test_runner::Config {
        // Shrinking a failure found among many cases can take long; the seed reproduces it.
        max_shrink_iters: 4096,
        ..proptest_config(cases)
    }
}
