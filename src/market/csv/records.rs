//! Records: the text split into records and fields as RFC 4180 and the `csv` crate read them,
//! with a one-byte separator (`,`, `;` or a tab), and the line each record starts on. Lines
//! end with `\n` or `\r\n` (a file whose lines end with a lone `\r` is turned into `\n` ones
//! before it gets here, see `text`).

use super::header::{Role, ROLES};

/// Splits an unquoted line on `sep`, storing the fields that have a role into `slots`;
/// returns the number of fields.
#[inline]
pub(super) fn split_plain<'a>(
    line: &'a [u8],
    sep: u8,
    plan: &[Option<Role>],
    slots: &mut [&'a [u8]; ROLES],
) -> usize {
    let mut start = 0;
    let mut col = 0;
    loop {
        let end = memchr::memchr(sep, &line[start..]).map_or(line.len(), |p| start + p);
        if let Some(Some(r)) = plan.get(col) {
            slots[*r as usize] = &line[start..end];
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
/// separators, line breaks and `""` for a quote, and ends at the next lone `"`; what follows
/// the closing quote up to the separator is kept as is; a `"` inside an unquoted field is an
/// ordinary character.
pub(super) fn split_quoted(record: &[u8], sep: u8) -> Vec<Vec<u8>> {
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
        } else if c == sep {
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
#[derive(Clone)]
pub(super) struct LineIter<'a> {
    pub(super) rest: &'a [u8],
    pub(super) line: usize,
    sep: u8,
}

impl<'a> LineIter<'a> {
    /// The records of `rest`, whose first line is number `before + 1`.
    pub(super) fn new(rest: &'a [u8], before: usize, sep: u8) -> Self {
        Self {
            rest,
            line: before,
            sep,
        }
    }

    pub(super) fn sep(&self) -> u8 {
        self.sep
    }

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
                c if c == self.sep => at_start = true,
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
