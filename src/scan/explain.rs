//! `velo scan --explain FILE`: one symbol bar by bar. With an indicator list it computes exactly
//! those indicators (TA-Lib values, NaN during warm-up); without one, the model's inputs and
//! score breakdown for every bar. `report::scan` renders it.

use std::io::Read;
use std::path::Path;

use serde::ser::{SerializeSeq, Serializer};
use serde::Serialize;

use super::model::{Breakdown, ModelParams, ModelSeries, BREAKDOWN_COLUMNS};
use super::{cut_at_as_of, ScanParams};
use crate::market::{self, Bars, IndicatorSpec, LoadError};

/// Why one symbol cannot be explained.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    #[error("cannot read standard input")]
    Stdin(#[source] std::io::Error),
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The file holds several symbols (`names`: the first few of them).
    #[error("{file}: the file holds {count} symbols ({}…), not one", names.join(", "))]
    ManySymbols {
        file: String,
        count: usize,
        names: Vec<String>,
    },
    #[error("{file}: no bar at or before the as-of date")]
    NothingAsOf { file: String },
}

/// `--explain`'s one entry point: reads `file` (`-`: `stdin`), which must hold one symbol,
/// cuts it at the as-of date, and explains it with `indicators` or, without them, the model's
/// breakdown.
pub fn explain_file(
    file: &Path,
    stdin: &mut dyn Read,
    indicators: Option<&[IndicatorSpec]>,
    params: &ScanParams,
) -> Result<ExplainReport, ExplainError> {
    let mut series = if file.as_os_str() == "-" {
        let mut data = Vec::new();
        stdin.read_to_end(&mut data).map_err(ExplainError::Stdin)?;
        market::parse(&data, Path::new("stdin"), "stdin", params.load)?
    } else {
        market::load_file(file, &mut Vec::new(), params.load)?
    };
    let shown = file.display().to_string();
    if series.len() != 1 {
        return Err(ExplainError::ManySymbols {
            file: shown,
            count: series.len(),
            names: series.iter().take(5).map(|b| b.symbol.clone()).collect(),
        });
    }
    let mut bars = series.remove(0);
    if cut_at_as_of(&mut bars, params.as_of).is_none() {
        return Err(ExplainError::NothingAsOf { file: shown });
    }
    Ok(explain(&bars, &shown, indicators, &params.model))
}

/// Every bar of one symbol, column by column.
#[derive(Debug, Clone, Serialize)]
pub struct ExplainReport {
    pub symbol: String,
    pub file: String,
    /// Column names after the date.
    pub columns: Vec<String>,
    #[serde(serialize_with = "serialize_rows", rename = "rows")]
    pub table: Table,
    /// The score breakdown of the last (as-of) bar, when it can be scored.
    pub as_of: Option<AsOf>,
}

/// The as-of bar and its breakdown.
#[derive(Debug, Clone, Serialize)]
pub struct AsOf {
    pub date: String,
    #[serde(flatten)]
    pub breakdown: Breakdown,
}

/// Dates and one vector per column (NaN = no value).
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub dates: Vec<String>,
    pub values: Vec<Vec<f64>>,
}

/// Rows as `[date, v, v, …]` with `null` for warm-up values.
fn serialize_rows<S: Serializer>(t: &Table, s: S) -> Result<S::Ok, S::Error> {
    struct Row<'a>(&'a Table, usize);
    impl Serialize for Row<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut seq = s.serialize_seq(Some(self.0.values.len() + 1))?;
            seq.serialize_element(&self.0.dates[self.1])?;
            for col in &self.0.values {
                let v = col[self.1];
                seq.serialize_element(&if v.is_nan() { None } else { Some(v) })?;
            }
            seq.end()
        }
    }
    let mut seq = s.serialize_seq(Some(t.dates.len()))?;
    for i in 0..t.dates.len() {
        seq.serialize_element(&Row(t, i))?;
    }
    seq.end()
}

/// Builds the report for `bars` (already cut at the as-of date).
pub fn explain(
    bars: &Bars,
    file: &str,
    indicators: Option<&[IndicatorSpec]>,
    params: &ModelParams,
) -> ExplainReport {
    let series = ModelSeries::compute(bars, params);
    let breakdowns: Vec<Option<Breakdown>> = (0..bars.len())
        .map(|t| series.breakdown(bars, t, params))
        .collect();
    let (columns, values) = if let Some(list) = indicators {
        let columns = list.iter().flat_map(IndicatorSpec::columns).collect();
        let values = list.iter().flat_map(|s| s.compute(bars)).collect();
        (columns, values)
    } else {
        let columns = BREAKDOWN_COLUMNS.iter().map(ToString::to_string).collect();
        let mut values = vec![vec![f64::NAN; bars.len()]; BREAKDOWN_COLUMNS.len()];
        for (t, b) in breakdowns.iter().enumerate() {
            if let Some(b) = b {
                for (c, v) in b.values().into_iter().enumerate() {
                    values[c][t] = v;
                }
            }
        }
        (columns, values)
    };
    let as_of = bars.len().checked_sub(1).and_then(|t| {
        breakdowns[t].map(|breakdown| AsOf {
            date: bars.date(t),
            breakdown,
        })
    });
    ExplainReport {
        symbol: bars.symbol.clone(),
        file: file.to_string(),
        columns,
        table: Table {
            dates: (0..bars.len()).map(|i| bars.date(i)).collect(),
            values,
        },
        as_of,
    }
}
