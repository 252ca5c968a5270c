//! Record heads among body lines: the lines that open records in a sample whose unindented
//! body lines keep any column from being consistent ([`record_heads`]), and the heads' model
//! over a weak one ([`prefer_heads_level`]). A sample where the unindented body lines of
//! multi-line records (a warning's list of skipped items at the margin) are many can still
//! yield a model of every line, an unchecked first column (a date on the heads, a body line's
//! first word) then one consistent column (a time on the heads, a number on the body lines),
//! that ends before the level. A reader sees the records' heads, each with its level, and the
//! body lines under them: the model inferred from the heads alone wins when it finds a level
//! column and the weak one does not.

use super::{shape, HeaderModel, Shape, Spans};

/// `model`, or the heads' model where `model` opens with an unchecked column, has no level
/// column, and the heads' model has one.
pub(super) fn prefer_heads_level(model: HeaderModel, lines: &[&str]) -> HeaderModel {
    if model.level_col.is_some() || model.columns.first() != Some(&None) {
        return model;
    }
    let Some(heads) = record_heads(lines) else {
        return model;
    };
    let heads_model = HeaderModel::infer(heads.iter().copied());
    if heads_model.level_col.is_some() {
        heads_model
    } else {
        model
    }
}

/// Lines that open records in a sample where no column is consistent enough to be a header
/// because many lines are the unindented continuation lines of multi-line records (a compiled
/// SQL statement, a signed request dumped line by line): the lines whose first two tokens have
/// the most common shape pair that opens with a time, a date word or a bracketed field (or a
/// level then a time), when
/// they are at least a quarter of the sample and not all of it. The header is inferred from
/// them; the other lines are then lines without a header, as before.
pub(super) fn record_heads<'a>(lines: &[&'a str]) -> Option<Vec<&'a str>> {
    let pair = |l: &str| {
        let sp = Spans::of(l, 2);
        let shapes: Vec<Shape> = sp.get().iter().map(|&(s, e)| shape(&l[s..e])).collect();
        match shapes[..] {
            // Or a level written first, a time after it (`W0301 09:00:07.037`, `WARN 2024-…`).
            [a @ (Shape::Time | Shape::DateWord | Shape::Bracket), b]
            | [a @ Shape::Level, b @ Shape::Time] => Some((a, b)),
            _ => None,
        }
    };
    let mut counts: rustc_hash::FxHashMap<(Shape, Shape), usize> = rustc_hash::FxHashMap::default();
    for l in lines {
        if let Some(p) = pair(l) {
            *counts.entry(p).or_default() += 1;
        }
    }
    let (&best, &n) = counts
        .iter()
        .max_by_key(|(p, c)| (**c, p.0 as u8, p.1 as u8))?;
    if n < 3 || n * 4 < lines.len() || n == lines.len() {
        return None;
    }
    Some(
        lines
            .iter()
            .copied()
            .filter(|l| pair(l) == Some(best))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::super::tests::levels;
    use super::super::Level;

    /// Records `<date> <time> <pid> <thread> LEVEL <name>: <text>`, with `body` lines at the
    /// margin under every third one.
    fn file(levels: [&str; 3], body: fn(usize) -> String) -> Vec<String> {
        let mut out = Vec::new();
        for i in 0..30 {
            let thread = ["MainThread", "Thread-2"][i % 2];
            let w = levels[i % 3];
            out.push(format!(
                "2024-03-01 09:00:{:02},{:03} 4100 {thread} {w} lane.sorter: parcel {i} moved",
                i % 60,
                i * 37 % 1000
            ));
            if i % 3 == 2 {
                out.push(body(i));
                out.push(body(i + 1));
            }
        }
        out
    }

    #[test]
    fn unindented_body_lines_with_a_number_second_leave_the_heads_their_level() {
        // Class (generated, neutral words): records whose bodies are written at the margin,
        // a word then a number (`crate 12 skipped`), on a fifth of the lines: the heads keep
        // their level column.
        let lines = file(["INFO", "WARNING", "ERROR"], |i| {
            format!("crate {i} skipped (lid open)")
        });
        let got = levels(&lines);
        assert_eq!(
            &got[..3],
            &[Some(Level::Info), Some(Level::Warning), Some(Level::Error)]
        );
        assert_eq!(got[3], None, "{:?}", lines[3]);
        assert_eq!(got[4], None, "{:?}", lines[4]);
        // Must not fire: heads with no level word (the weak model stays as it was, no level),
        // and no body lines at all (nothing to choose).
        let lines = file(["parcel", "crate", "lane"], |i| {
            format!("crate {i} skipped (lid open)")
        });
        assert!(levels(&lines).iter().all(Option::is_none));
        let lines = file(["INFO", "WARNING", "ERROR"], |_| String::new());
        let lines: Vec<String> = lines.into_iter().filter(|l| !l.is_empty()).collect();
        let got = levels(&lines);
        assert_eq!(
            &got[..3],
            &[Some(Level::Info), Some(Level::Warning), Some(Level::Error)]
        );
    }
}
