//! Rows: records split as RFC 4180 reads them, the fast path for plain rows and the general
//! path that reads everything else and words every error.

use super::header::{Role, ROLES};
use super::LoadErrorKind;
use crate::market::number::parse_f64;
use crate::market::time::{parse_timestamp, TimeStyle};

/// Days since the epoch of the first of the last month seen (consecutive bars share months).
#[derive(Default)]
pub(super) struct MonthCache {
    key: u32,
    days: i64,
    len: u32,
}

/// The common case in one pass over the next line of `line` (the rest of the file): unquoted
/// fields, `YYYY-MM-DD` or other dates, plain non-negative decimals, High >= Low. Returns the
/// row, its symbol field and the bytes used up to and including the line end. `None` sends the
/// line to the general path, which also produces the error message when the line is bad.
#[inline]
pub(super) fn fast_row<'a>(
    line: &'a [u8],
    plan: &[Option<Role>],
    cache: &mut MonthCache,
) -> Option<(Row, &'a [u8], usize)> {
    let mut pos = 0;
    let mut vals = [0.0f64; ROLES];
    let mut time = None;
    let mut sym: &[u8] = &[];
    for (c, role) in plan.iter().enumerate() {
        if c > 0 {
            if line.get(pos) != Some(&b',') {
                return None;
            }
            pos += 1;
        }
        match role {
            Some(Role::Date) => {
                let end = field_end(line, pos)?;
                time = Some(fast_date(&line[pos..end], cache)?);
                pos = end;
            }
            Some(Role::Symbol) => {
                let end = field_end(line, pos)?;
                sym = &line[pos..end];
                pos = end;
            }
            Some(r) => {
                let (v, end) = fast_number(line, pos)?;
                vals[*r as usize] = v;
                pos = end;
            }
            None => pos = field_end(line, pos)?,
        }
    }
    let used = match &line[pos..] {
        [] => pos,
        [b'\n', ..] => pos + 1,
        [b'\r', b'\n', ..] => pos + 2,
        _ => return None,
    };
    let row = Row {
        time: time?,
        open: vals[Role::Open as usize],
        high: vals[Role::High as usize],
        low: vals[Role::Low as usize],
        close: vals[Role::Close as usize],
        volume: vals[Role::Volume as usize],
    };
    (row.high >= row.low).then_some((row, sym, used))
}

/// The end of the unquoted field at `pos`; `None` for a quoted one (the general path reads it).
#[inline]
pub(super) fn field_end(line: &[u8], pos: usize) -> Option<usize> {
    if line.get(pos) == Some(&b'"') {
        return None;
    }
    Some(
        line[pos..]
            .iter()
            .position(|&c| c == b',' || c == b'\n')
            .map_or(line.len(), |p| pos + p),
    )
}

/// `digits[.digits]` up to the next comma, exact (see `number`), or `None`.
#[inline]
pub(super) fn fast_number(line: &[u8], mut pos: usize) -> Option<(f64, usize)> {
    let mut mantissa: u64 = 0;
    let mut digits = 0usize;
    let mut frac = 0usize;
    let mut dot = false;
    while let Some(&c) = line.get(pos) {
        let d = c.wrapping_sub(b'0');
        if d <= 9 {
            mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(d));
            digits += 1;
            frac += usize::from(dot);
        } else if c == b'.' && !dot {
            dot = true;
        } else {
            break;
        }
        pos += 1;
    }
    if digits == 0 || digits > 15 || frac > 22 {
        return None;
    }
    let v = mantissa as f64;
    Some((
        if frac == 0 {
            v
        } else {
            v / crate::market::number::POW10[frac]
        },
        pos,
    ))
}

#[inline]
pub(super) fn fast_date(field: &[u8], cache: &mut MonthCache) -> Option<(i64, TimeStyle)> {
    if field.len() != 10 || field[4] != b'-' || field[7] != b'-' {
        return parse_timestamp(field);
    }
    let mut v = [0u32; 8];
    for (slot, &c) in v
        .iter_mut()
        .zip(field[..4].iter().chain(&field[5..7]).chain(&field[8..10]))
    {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        *slot = u32::from(d);
    }
    let year = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
    let month = v[4] * 10 + v[5];
    let day = v[6] * 10 + v[7];
    if !(1..=12).contains(&month) {
        return None;
    }
    let key = year * 16 + month;
    if cache.key != key {
        cache.key = key;
        cache.days = crate::market::time::days_from_civil(i64::from(year), month, 1);
        cache.len = crate::market::time::days_in_month(i64::from(year), month);
    }
    if day == 0 || day > cache.len {
        return None;
    }
    Some((
        (cache.days + i64::from(day) - 1) * crate::market::time::MS_PER_DAY,
        TimeStyle::Date,
    ))
}

pub(super) struct Row {
    pub(super) time: (i64, TimeStyle),
    pub(super) open: f64,
    pub(super) high: f64,
    pub(super) low: f64,
    pub(super) close: f64,
    pub(super) volume: f64,
}

#[inline]
pub(super) fn parse_row(slots: &[&[u8]; ROLES], adjusted: bool) -> Result<Row, LoadErrorKind> {
    let date = slots[Role::Date as usize];
    let time = parse_timestamp(date).ok_or_else(|| LoadErrorKind::BadDate {
        value: String::from_utf8_lossy(date.trim_ascii()).into_owned(),
    })?;
    let num = |role: Role| -> Result<f64, LoadErrorKind> {
        let text = slots[role as usize];
        let v = parse_f64(text).ok_or_else(|| LoadErrorKind::BadNumber {
            column: role.name(),
            value: String::from_utf8_lossy(text.trim_ascii()).into_owned(),
        })?;
        if v < 0.0 {
            return Err(LoadErrorKind::Negative {
                column: role.name(),
                value: String::from_utf8_lossy(text.trim_ascii()).into_owned(),
            });
        }
        Ok(v)
    };
    let mut open = num(Role::Open)?;
    let mut high = num(Role::High)?;
    let mut low = num(Role::Low)?;
    let mut close = num(Role::Close)?;
    let volume = num(Role::Volume)?;
    if high < low {
        return Err(LoadErrorKind::HighBelowLow { high, low });
    }
    if adjusted {
        let adj = num(Role::AdjClose)?;
        if close > 0.0 {
            let ratio = adj / close;
            open *= ratio;
            high *= ratio;
            low *= ratio;
        }
        close = adj;
    }
    Ok(Row {
        time,
        open,
        high,
        low,
        close,
        volume,
    })
}

/// A line with bytes that are not UTF-8 is reported as such, whatever else failed on it.
pub(super) fn utf8_or(line: &[u8], kind: LoadErrorKind) -> LoadErrorKind {
    match std::str::from_utf8(line) {
        Ok(_) => kind,
        Err(e) => LoadErrorKind::NotUtf8 {
            byte: line[e.valid_up_to()],
            column: e.valid_up_to() + 1,
        },
    }
}

/// Splits an unquoted line on commas, storing the fields that have a role into `slots`;
/// returns the number of fields.
#[inline]
pub(super) fn split_plain<'a>(
    line: &'a [u8],
    slot_of_col: &[Option<usize>],
    slots: &mut [&'a [u8]; ROLES],
) -> usize {
    let mut start = 0;
    let mut col = 0;
    loop {
        let end = memchr::memchr(b',', &line[start..]).map_or(line.len(), |p| start + p);
        if let Some(Some(s)) = slot_of_col.get(col) {
            slots[*s] = &line[start..end];
        }
        col += 1;
        if end == line.len() {
            return col;
        }
        start = end + 1;
    }
}

/// Splits a record (one line, or several when a quoted field holds line breaks) into fields
/// as RFC 4180 and the `csv` crate read them: a field that starts with `"` is quoted, holds
/// commas, line breaks and `""` for a quote, and ends at the next lone `"`; what follows the
/// closing quote up to the comma is kept as is; a `"` inside an unquoted field is an ordinary
/// character.
pub(super) fn split_quoted(record: &[u8]) -> Vec<Vec<u8>> {
    let mut fields = Vec::new();
    let mut cur = Vec::new();
    let mut i = 0;
    let mut at_start = true;
    let mut in_quotes = false;
    while i < record.len() {
        let c = record[i];
        if in_quotes {
            if c == b'"' {
                if record.get(i + 1) == Some(&b'"') {
                    cur.push(b'"');
                    i += 1;
                } else {
                    in_quotes = false;
                }
            } else {
                cur.push(c);
            }
            at_start = false;
        } else if c == b',' {
            fields.push(std::mem::take(&mut cur));
            at_start = true;
        } else if c == b'"' && at_start {
            in_quotes = true;
            at_start = false;
        } else {
            cur.push(c);
            at_start = false;
        }
        i += 1;
    }
    fields.push(cur);
    fields
}

/// Lines with their 1-based numbers, `\r\n` or `\n` endings.
pub(super) struct LineIter<'a> {
    pub(super) rest: &'a [u8],
    pub(super) line: usize,
}

impl<'a> LineIter<'a> {
    /// Steps over one line of `used` bytes that was parsed in place.
    #[inline]
    pub(super) fn advance(&mut self, used: usize) {
        self.rest = &self.rest[used..];
        self.line += 1;
    }

    /// The next record and the number of the line it starts on: one line, or more when a
    /// quoted field holds line breaks (RFC 4180). `Err(line)` when a quote opened on `line`
    /// is never closed.
    pub(super) fn next_record(&mut self) -> Result<Option<(usize, &'a [u8])>, usize> {
        let line_end = memchr::memchr(b'\n', self.rest).unwrap_or(self.rest.len());
        if memchr::memchr(b'"', &self.rest[..line_end]).is_none() {
            return Ok(self.next());
        }
        // A quote on this line: find the record's end, outside quotes.
        let start_line = self.line + 1;
        let bytes = self.rest;
        let mut breaks = 0;
        let mut i = 0;
        let mut at_start = true;
        let end = loop {
            let Some(&c) = bytes.get(i) else {
                break bytes.len();
            };
            match c {
                b'"' if at_start => {
                    let quote_line = start_line + breaks;
                    // Inside quotes up to the next lone quote.
                    i += 1;
                    loop {
                        match bytes.get(i) {
                            None => return Err(quote_line),
                            Some(b'"') if bytes.get(i + 1) == Some(&b'"') => i += 2,
                            Some(b'"') => break,
                            Some(b'\n') => {
                                breaks += 1;
                                i += 1;
                            }
                            Some(_) => i += 1,
                        }
                    }
                    at_start = false;
                }
                b'\n' => break i,
                b',' => at_start = true,
                _ => at_start = false,
            }
            i += 1;
        };
        let record = &bytes[..end];
        self.rest = bytes.get(end + 1..).unwrap_or(&[]);
        self.line = start_line + breaks;
        Ok(Some((
            start_line,
            record.strip_suffix(b"\r").unwrap_or(record),
        )))
    }
}

impl<'a> Iterator for LineIter<'a> {
    type Item = (usize, &'a [u8]);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        self.line += 1;
        let (line, rest) = match memchr::memchr(b'\n', self.rest) {
            Some(p) => (&self.rest[..p], &self.rest[p + 1..]),
            None => (self.rest, &[][..]),
        };
        self.rest = rest;
        Some((self.line, line.strip_suffix(b"\r").unwrap_or(line)))
    }
}
