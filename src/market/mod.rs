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
