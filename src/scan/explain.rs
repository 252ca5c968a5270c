//! `velo scan --explain FILE`: one symbol bar by bar. With an indicator list it prints exactly
//! those indicators (TA-Lib values, empty during warm-up); without one, the model's inputs and
//! score breakdown for every bar. The table and Markdown views show the as-of bar's breakdown
//! and the last bars; CSV and JSON carry every bar.

use serde::ser::{SerializeSeq, Serializer};
use serde::Serialize;

use super::model::{Breakdown, ModelParams, ModelSeries, BREAKDOWN_COLUMNS};
use crate::market::{Bars, IndicatorSpec};
use crate::report::{Cell, Report, Section};

/// Bars shown by the table and Markdown views.
const TAIL_ROWS: usize = 10;

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

/// A value as CSV writes it: shortest round-trip decimal, empty for no value.
fn cell(v: f64) -> String {
    if v.is_nan() {
        String::new()
    } else {
        v.to_string()
    }
}

impl ExplainReport {
    /// One row per bar: `Date`, then the columns.
    pub fn to_csv(&self) -> String {
        let mut out = String::with_capacity(self.table.dates.len() * (self.columns.len() + 1) * 12);
        let mut header = vec!["Date".to_string()];
        header.extend(self.columns.iter().cloned());
        crate::report::csv::push_record(&mut out, &header);
        let mut row = Vec::with_capacity(self.columns.len() + 1);
        for (i, date) in self.table.dates.iter().enumerate() {
            row.clear();
            row.push(date.clone());
            row.extend(self.table.values.iter().map(|col| cell(col[i])));
            crate::report::csv::push_record(&mut out, &row);
        }
        out
    }
}

impl Report for ExplainReport {
    fn sections(&self) -> Vec<Section> {
        let mut sections = Vec::new();
        match &self.as_of {
            Some(a) => {
                let b = &a.breakdown;
                let yes_no = |v: bool| if v { "yes" } else { "no" };
                let pairs = vec![
                    ("bar".to_string(), Cell::new(a.date.clone())),
                    ("close".to_string(), Cell::new(super::format_price(b.close))),
                    (
                        "breakout level".to_string(),
                        Cell::new(super::format_price(b.breakout_level)),
                    ),
                    ("breakout".to_string(), Cell::new(yes_no(b.breakout))),
                    (
                        "RSI".to_string(),
                        Cell::new(format!(
                            "{:.2} (filter {})",
                            b.rsi,
                            if b.rsi_ok { "passed" } else { "failed" }
                        )),
                    ),
                    (
                        "strength".to_string(),
                        Cell::new(format!(
                            "{:.3} ATR -> S = {:.3}",
                            b.strength_atr, b.strength_score
                        )),
                    ),
                    (
                        "volume surge".to_string(),
                        Cell::new(format!(
                            "{:.3}x -> V = {:.3}",
                            b.volume_surge, b.volume_score
                        )),
                    ),
                    (
                        "squeeze".to_string(),
                        Cell::new(format!("{:.3} -> Q = {:.3}", b.squeeze, b.squeeze_score)),
                    ),
                    ("ATR %".to_string(), Cell::new(format!("{:.3}", b.atr_pct))),
                    (
                        "score".to_string(),
                        Cell::toned(format!("{:.2}", b.score), crate::output::Tone::Bold),
                    ),
                ];
                sections.push(Section::Pairs {
                    title: Some(format!("{} as of {}", self.symbol, a.date)),
                    pairs,
                });
            }
            None => sections.push(Section::Text {
                title: None,
                body: format!(
                    "{}: too few bars to score the last one (the model needs its warm-up)",
                    self.symbol
                ),
                tone: crate::output::Tone::Warning,
            }),
        }
        let n = self.table.dates.len();
        let from = n.saturating_sub(TAIL_ROWS);
        let mut headers = vec!["date".to_string()];
        headers.extend(self.columns.iter().cloned());
        let rows = (from..n)
            .map(|i| {
                let mut row = vec![Cell::new(self.table.dates[i].clone())];
                row.extend(self.table.values.iter().map(|col| {
                    let v = col[i];
                    Cell::new(if v.is_nan() {
                        String::new()
                    } else {
                        format!("{v:.4}")
                    })
                }));
                row
            })
            .collect();
        sections.push(Section::Table {
            title: Some(format!(
                "Last {} of {n} bars (--format csv or json for all)",
                n - from
            )),
            headers,
            rows,
        });
        sections
    }
}
