//! Rows of a yfinance file of several tickers (`yf.download(["AAPL", "MSFT"]).to_csv(…)`):
//! one date column, then each ticker's values side by side; each ticker becomes a series. A
//! ticker whose fields are all empty on a row (pandas writes a missing value as nothing: the
//! tickers trade on different days, or one was not listed yet) has no bar that day; a ticker
//! with some fields empty and others not is an error, as in any file.

use super::header::{Header, Role, ROLES};
use super::records::LineIter;
use super::rows::{date_error, other_separator, parse_row, utf8_or, DateColumn, Order, Read};
use super::{Bars, Fail, LoadErrorKind, LoadOptions};
use crate::market::time::read_timestamp;

pub(super) fn read(
    mut lines: LineIter<'_>,
    header: &Header,
    opts: LoadOptions,
) -> Result<Read, Fail> {
    let sep = header.sep;
    let ncols = header.plan.len();
    let estimate = memchr::memchr_iter(b'\n', lines.rest).count() + 1;
    let mut series: Vec<Bars> = header
        .tickers
        .iter()
        .map(|t| Bars::with_capacity(t.as_str(), estimate))
        .collect();
    let mut dates = DateColumn::default();
    let mut order = Order::Unknown;
    let mut clock = false;
    while let Some((n, line)) = lines
        .next_record()
        .map_err(|l| (l, LoadErrorKind::UnclosedQuote))?
    {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let fields = super::records::split_quoted(line, sep);
        if fields.len() != ncols {
            let kind = LoadErrorKind::FieldCount {
                found: fields.len(),
                expected: ncols,
                other_sep: other_separator(line, sep),
            };
            return Err((n, utf8_or(line, kind)));
        }
        let date = fields[0].as_slice();
        let stamp =
            read_timestamp(date).map_err(|reason| (n, utf8_or(line, date_error(date, reason))))?;
        dates.check(stamp.form, n, date)?;
        let mut slots: Vec<[&[u8]; ROLES]> = vec![[&[][..]; ROLES]; series.len()];
        for (col, field) in fields.iter().enumerate() {
            if let (Some(role), Some(t)) = (header.plan[col], header.ticker_of_col[col]) {
                slots[t][role as usize] = field;
            }
        }
        for (t, slots) in slots.iter_mut().enumerate() {
            // Only this ticker's columns are in its slots, and the date is not yet.
            if slots.iter().all(|f| f.trim_ascii().is_empty()) {
                continue;
            }
            slots[Role::Date as usize] = date;
            let bars = &mut series[t];
            let row = parse_row(slots, opts.adjusted, sep).map_err(|k| {
                let kind = LoadErrorKind::ForTicker {
                    ticker: bars.symbol.clone(),
                    kind: Box::new(k),
                };
                (n, utf8_or(line, kind))
            })?;
            if let Some(&prev) = bars.time.last() {
                order
                    .step(prev, row.time, date, Some(&bars.symbol))
                    .map_err(|k| (n, k))?;
            }
            bars.push(row.time, row.open, row.high, row.low, row.close, row.volume);
            clock |= row.clock;
        }
    }
    Ok(Read {
        series,
        order,
        clock,
    })
}
