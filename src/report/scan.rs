//! `velo scan` and `scan --explain` as sections, tones and rows: the scan domain returns plain
//! `Serialize` reports ([`ScanReport`], [`ExplainReport`]); this module lays them out for the
//! table and Markdown renderers and writes their command-specific CSV.

use super::{csv, Cell, Report, Section};
use crate::output::Tone;
use crate::scan::explain::ExplainReport;
use crate::scan::ScanReport;

/// Bars shown by the `--explain` table and Markdown views (CSV and JSON carry every bar).
const TAIL_ROWS: usize = 10;

/// `1234.5` → `1234.50`, small prices keep four decimals.
pub fn format_price(v: f64) -> String {
    if v.abs() >= 1000.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.4}")
    }
}

impl Report for ScanReport {
    fn sections(&self) -> Vec<Section> {
        let mut sections = Vec::new();
        let headers = [
            "#",
            "symbol",
            "date",
            "close",
            "breakout level",
            "volume surge",
            "ATR %",
            "squeeze",
            "score",
        ];
        let rows = self
            .results
            .iter()
            .enumerate()
            .map(|(i, r)| {
                vec![
                    Cell::new((i + 1).to_string()),
                    Cell::new(r.symbol.clone()),
                    Cell::new(r.date.clone()),
                    Cell::new(format_price(r.close)),
                    Cell::new(format_price(r.breakout_level)),
                    Cell::new(format!("{:.2}x", r.volume_surge)),
                    Cell::new(format!("{:.2}", r.atr_pct)),
                    Cell::new(format!("{:.2}", r.squeeze)),
                    Cell::toned(format!("{:.1}", r.score), Tone::Bold),
                ]
            })
            .collect();
        if self.results.is_empty() {
            sections.push(Section::Text {
                title: None,
                body: "no breakouts matched".to_string(),
                tone: Tone::Dim,
            });
        } else {
            sections.push(Section::Table {
                title: None,
                headers: headers.iter().map(ToString::to_string).collect(),
                rows,
            });
        }
        if !self.errors.is_empty() {
            sections.push(Section::Table {
                title: Some("Unusable files".to_string()),
                headers: vec!["file".into(), "line".into(), "problem".into()],
                rows: self
                    .errors
                    .iter()
                    .map(|e| {
                        vec![
                            Cell::new(e.file.clone()),
                            Cell::new(e.line.map(|l| l.to_string()).unwrap_or_default()),
                            Cell::toned(e.message.clone(), Tone::Error),
                        ]
                    })
                    .collect(),
            });
        }
        let s = &self.summary;
        sections.push(Section::Text {
            title: None,
            body: format!(
                "symbols {}, files {}: signals {}, matching the filters {}, shown {}; too short a history {}, unusable files {}",
                s.symbols,
                s.files,
                s.signals,
                s.matched,
                self.results.len(),
                s.short_history,
                s.unusable_files
            ),
            tone: Tone::Dim,
        });
        sections
    }
}

/// `scan --format csv`: the results, the JSON fields in order.
pub fn results_csv(report: &ScanReport) -> String {
    let mut out = String::new();
    csv::push_record(
        &mut out,
        &[
            "symbol",
            "date",
            "close",
            "breakout_level",
            "volume_surge",
            "atr_pct",
            "squeeze",
            "score",
        ],
    );
    for r in &report.results {
        csv::push_record(
            &mut out,
            &[
                r.symbol.clone(),
                r.date.clone(),
                r.close.to_string(),
                r.breakout_level.to_string(),
                r.volume_surge.to_string(),
                r.atr_pct.to_string(),
                r.squeeze.to_string(),
                r.score.to_string(),
            ],
        );
    }
    out
}

/// A value as CSV writes it: shortest round-trip decimal, empty for no value.
fn cell(v: f64) -> String {
    if v.is_nan() {
        String::new()
    } else {
        v.to_string()
    }
}

/// `--explain --format csv`: one row per bar, `Date` then the columns.
pub fn explain_csv(report: &ExplainReport) -> String {
    let mut out = String::with_capacity(report.table.dates.len() * (report.columns.len() + 1) * 12);
    let mut header = vec!["Date".to_string()];
    header.extend(report.columns.iter().cloned());
    csv::push_record(&mut out, &header);
    let mut row = Vec::with_capacity(report.columns.len() + 1);
    for (i, date) in report.table.dates.iter().enumerate() {
        row.clear();
        row.push(date.clone());
        row.extend(report.table.values.iter().map(|col| cell(col[i])));
        csv::push_record(&mut out, &row);
    }
    out
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
                    ("close".to_string(), Cell::new(format_price(b.close))),
                    (
                        "breakout level".to_string(),
                        Cell::new(format_price(b.breakout_level)),
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
                        Cell::toned(format!("{:.2}", b.score), Tone::Bold),
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
                tone: Tone::Warning,
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
