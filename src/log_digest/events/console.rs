//! Console renderers that pad their lines to the terminal's width and wrap long messages
//! onto lines indented to the message column: their layout, inferred from a sample, and the
//! test of a wrapped line.

use super::super::multiline::{head_candidates, looks_like_exception, TRACEBACK};

/// The layout of a console renderer that pads its lines to the terminal's width (failure
/// class: wrapped console output), inferred from a sample; zero where the sample shows none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Console {
    /// Lines indented exactly to the column where their head's message starts (a long
    /// message wrapped onto the next lines) are seen: such lines carry the rest of the
    /// message. Decided per event, so a stream that interleaves another format keeps it.
    pub(super) wraps: bool,
    /// The column where every head ends, when heads end there with a last field set off from
    /// the message (a right-hand column such as a code location): that field is header.
    right_edge: usize,
    /// The shape ([`field_shape`]) that nine heads in ten give their last field, when heads
    /// set that field off from the message and the shape holds a mark other than a letter
    /// or digit (a code location such as `name.ext:12`); 0: none. A head whose values
    /// changed length no longer ends at `right_edge` but still ends with that field.
    right_shape: u64,
    /// The longest wrapped line of the sample: the width a renderer wraps at is at least this.
    pub(super) width: usize,
}

/// Heads a sample needs before a console layout is inferred from it.
const CONSOLE_MIN_HEADS: usize = 10;
/// Lines indented to the message column a sample needs before they count as wrapped lines.
const CONSOLE_MIN_WRAPPED: usize = 3;

impl Console {
    /// Infers the layout from the sample's heads (as `split` splits them) and its indented
    /// lines. A column counts when nine heads in ten share it.
    pub(super) fn infer(sample: &[&str], split: impl Fn(&str) -> (usize, bool)) -> Self {
        let heads = head_candidates(sample.iter().copied());
        if heads.len() < CONSOLE_MIN_HEADS {
            return Self::default();
        }
        let dominant = |values: &mut Vec<usize>| -> usize {
            values.sort_unstable();
            let mut best = (0, 0);
            for run in values.chunk_by(|a, b| a == b) {
                if run.len() > best.1 {
                    best = (run[0], run.len());
                }
            }
            if best.1 * 10 >= heads.len() * 9 {
                best.0
            } else {
                0
            }
        };
        let mut ends = Vec::with_capacity(heads.len());
        let mut shapes = Vec::with_capacity(heads.len());
        // Heads whose last field stands two blanks or more off the message.
        let mut set_off = 0;
        for l in &heads {
            let (at, _) = split(l);
            let t = l.trim_end();
            ends.push(t.len());
            let last = t.rfind(' ').filter(|&i| i >= at);
            shapes.push(last.map_or(0, |i| field_shape(&t[i + 1..])) as usize);
            if last.is_some_and(|i| i > at && t[..i].ends_with(' ')) {
                set_off += 1;
            }
        }
        // Lines indented to their own head's message column, the head being the last line
        // with a header.
        let mut wrapped = 0;
        let mut width = 0;
        let mut head_col = 0;
        for l in sample {
            if l.trim().is_empty() {
                continue;
            }
            if wrapped_text(l, head_col).is_some() {
                wrapped += 1;
                width = width.max(l.trim_end().len());
                continue;
            }
            let (at, has) = split(l);
            head_col = if has { at } else { 0 };
        }
        let (right_edge, right_shape) = if set_off * 2 >= heads.len() {
            (dominant(&mut ends), dominant(&mut shapes) as u64)
        } else {
            (0, 0)
        };
        Self {
            wraps: wrapped >= CONSOLE_MIN_WRAPPED,
            right_edge,
            right_shape,
            width,
        }
    }

    /// The message of a head without the right-hand column, for a head that ends at the
    /// right edge, or whose last field has the right-hand column's shape wherever it ends (a
    /// value of another length moves the column: failure class: fixed-width console output
    /// whose values changed length). A message of one word keeps it.
    pub(super) fn strip_right<'a>(&self, line: &str, message: &'a str) -> &'a str {
        if self.right_edge == 0 && self.right_shape == 0 {
            return message;
        }
        let m = message.trim_end();
        let Some(i) = m.rfind(' ') else {
            return message;
        };
        let at_edge = self.right_edge != 0 && line.trim_end().len() == self.right_edge;
        if !at_edge && (self.right_shape == 0 || field_shape(&m[i + 1..]) != self.right_shape) {
            return message;
        }
        match m[..i].trim_end() {
            "" => message,
            rest => rest,
        }
    }
}

/// A hash of a field's shape: letters, digits and blanks each a class, every other byte its
/// own, runs of one class as one (`alpha.py:12` and `omega.rs:7` alike); 0 for a field of
/// letters and digits only (a word or a number is no column mark).
fn field_shape(field: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut prev = 0u8;
    let mut marked = false;
    for &b in field.as_bytes() {
        let class = match b {
            b'a'..=b'z' | b'A'..=b'Z' => b'a',
            b'0'..=b'9' => b'9',
            b' ' | b'\t' => b' ',
            _ => {
                marked = true;
                b
            }
        };
        if class != prev {
            h = (h ^ u64::from(class)).wrapping_mul(0x100_0000_01b3);
            prev = class;
        }
    }
    if marked {
        h.max(1)
    } else {
        0
    }
}

/// The text of a line that continues a wrapped message: indented exactly to its head's
/// message column `col` (0: none), not the start of a traceback.
pub(super) fn wrapped_text(line: &str, col: usize) -> Option<&str> {
    if col == 0 || line.len() <= col || !line.as_bytes()[..col].iter().all(|&b| b == b' ') {
        return None;
    }
    let t = line[col..].trim_end();
    // An exception's first line at the message column opens its stack trace: it is not the
    // message going on.
    (!t.is_empty() && !t.starts_with(' ') && !t.starts_with(TRACEBACK) && !looks_like_exception(t))
        .then_some(t)
}

/// Lines as a console renderer writes them (failure class: wrapped console output): a time
/// column left blank within the same second, a padded level, the message wrapped to the
/// width left by a right-aligned location column, continuation lines indented to the
/// message column, every line padded to `width`. Events are `(second, level, message,
/// location)`.
/// A line (trimmed at its start) that ends with a source location `name.ext:NN` set off from
/// its message by two blanks or more: the right-margin column of a handler that pads its
/// lines to the terminal's width.
pub(super) fn ends_with_margin_location(t: &str) -> bool {
    let t = t.trim_end();
    let Some(sp) = t.rfind(' ') else {
        return false;
    };
    let (before, loc) = (&t[..sp], &t[sp + 1..]);
    if !before.ends_with(' ') || before.trim_end().is_empty() {
        return false;
    }
    let Some((file, line)) = loc.rsplit_once(':') else {
        return false;
    };
    let Some((name, ext)) = file.rsplit_once('.') else {
        return false;
    };
    !line.is_empty()
        && line.bytes().all(|b| b.is_ascii_digit())
        && (1..=5).contains(&ext.len())
        && ext.bytes().all(|b| b.is_ascii_alphabetic())
        && !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

#[cfg(test)]
pub(crate) fn render_console(events: &[(u32, &str, &str, &str)], width: usize) -> Vec<String> {
    const MESSAGE_COL: usize = 20;
    let mut out = Vec::new();
    let mut last_second = None;
    for &(second, level, message, location) in events {
        let time = if last_second == Some(second) {
            " ".repeat(11)
        } else {
            format!("[12:00:{second:02}] ")
        };
        last_second = Some(second);
        let area = width - MESSAGE_COL - location.len() - 1;
        let mut pieces: Vec<String> = vec![String::new()];
        for word in message.split(' ') {
            let last = pieces.last_mut().unwrap();
            if last.is_empty() {
                last.push_str(word);
            } else if last.len() + 1 + word.len() <= area {
                last.push(' ');
                last.push_str(word);
            } else {
                pieces.push(word.to_owned());
            }
        }
        out.push(format!(
            "{time}{level:<8} {:<area$} {location:>w$}",
            pieces[0],
            w = location.len()
        ));
        for p in &pieces[1..] {
            out.push(format!(
                "{:MESSAGE_COL$}{p:<w$}",
                "",
                w = width - MESSAGE_COL
            ));
        }
    }
    out
}
