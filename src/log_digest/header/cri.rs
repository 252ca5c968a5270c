//! The CRI log format (the Kubernetes container runtime interface, as containerd and CRI-O
//! write a container's output): `<RFC 3339 time> <stream> <tag> <line>`, where the stream is
//! `stdout` or `stderr` and the tag `F` (a full line) or `P` (a partial one). The tag is a
//! letter where severity letters are written, but it says how the runtime cut the line, not
//! how severe it is: the level is the one the container's own line carries after it.

use super::{HeaderModel, Shape, Spans, Split};

/// The header column holding a CRI tag: a column typed as a level whose token is `F` or `P`
/// right after a `stdout` or `stderr` token on nine sample lines in ten.
pub(super) fn tag_column(lines: &[&str], columns: &[Option<Shape>]) -> Option<usize> {
    let c = columns.iter().position(|s| *s == Some(Shape::Level))?;
    if c == 0 {
        return None;
    }
    let tagged = lines
        .iter()
        .filter(|l| {
            let sp = Spans::of(l, c + 1);
            let toks = sp.get();
            toks.len() > c
                && matches!(&l[toks[c].0..toks[c].1], "F" | "P")
                && matches!(&l[toks[c - 1].0..toks[c - 1].1], "stdout" | "stderr")
        })
        .count();
    (tagged * 10 >= lines.len() * 9).then_some(c)
}

/// The level column of `columns`: the first column typed as a level that is not the CRI tag.
pub(super) fn level_column(columns: &[Option<Shape>], tag: Option<usize>) -> Option<usize> {
    columns
        .iter()
        .enumerate()
        .position(|(c, s)| *s == Some(Shape::Level) && Some(c) != tag)
}

/// Ends `columns` at the CRI tag where no level column follows it: what a consistent column
/// after the tag holds is the container's lines' own (a date most of them open with), read by
/// [`inner_model`] as a header of their own.
pub(super) fn end_at_tag(
    columns: &mut Vec<Option<Shape>>,
    tag: Option<usize>,
    level: Option<usize>,
) {
    if let (Some(t), None) = (tag, level) {
        columns.truncate(t + 1);
    }
}

/// The header of the lines behind a CRI prefix, inferred from the sample's messages after it,
/// where the model's columns end at the tag (the container's lines carry their own header on
/// too few lines for a column: stacks and printed lines are written behind the same prefix)
/// and it names the level. `None` elsewhere.
pub(super) fn inner_model(
    model: &HeaderModel,
    lines: &[&str],
    tag: Option<usize>,
) -> Option<Box<HeaderModel>> {
    if tag? + 1 != model.columns.len() || model.level_col.is_some() {
        return None;
    }
    let messages: Vec<&str> = lines
        .iter()
        .filter_map(|l| {
            model
                .split_by_model(l, &mut Spans::lazy(model.columns.len() + 3))
                .map(|s| s.message)
        })
        .collect();
    let inner = HeaderModel::infer(messages.iter().copied());
    inner.names_level().then(|| Box::new(inner))
}

/// `split` (of `line`, by a model with a CRI prefix) with the container's own header moved
/// from its message to its header, and that header's level, where the message fits `inner`.
pub(super) fn split_inner<'a>(inner: &HeaderModel, line: &'a str, split: &mut Split<'a>) {
    let Some(s) = inner.split_fitting(split.message) else {
        return;
    };
    if s.header.is_empty() {
        return;
    }
    let end = s.header.as_ptr() as usize - line.as_ptr() as usize + s.header.len();
    split.header = &line[..end];
    split.message = s.message;
    split.level = split.level.or(s.level);
}

#[cfg(test)]
mod tests {
    use super::super::tests::levels;
    use super::super::Level;

    fn cri(i: usize, stream: &str, tag: &str, line: &str) -> String {
        format!(
            "2024-03-01T09:00:{:02}.{:09}Z {stream} {tag} {line}",
            i % 60,
            i * 7919
        )
    }

    /// A container's lines behind the CRI prefix: `level` words on the records, and every
    /// fourth record followed by `extra` lines (printed lines, a stack) behind the same prefix.
    fn file(words: [&str; 3], tags: [&str; 2], extra: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        for i in 0..24 {
            let stream = ["stdout", "stderr"][i % 2];
            let tag = tags[i % 2];
            let w = words[i % 3];
            out.push(cri(
                i,
                stream,
                tag,
                &format!("2024-03-01 09:00:{:02} {w} parcel {i} moved", i % 60),
            ));
            if i % 4 == 1 {
                for e in extra {
                    out.push(cri(i, "stderr", "F", e));
                }
            }
        }
        out
    }

    #[test]
    fn the_cri_tag_is_no_level_and_the_containers_level_is_read() {
        // Class (generated, neutral words): the CRI format's `<time> <stream> F|P` prefix
        // before a container's own header; the tag is read as no level, the level the
        // container's line writes is.
        for tags in [["F", "F"], ["F", "P"]] {
            let got = levels(&file(["INFO", "WARN", "ERROR"], tags, &[]));
            assert_eq!(got[0], Some(Level::Info), "{tags:?}");
            assert_eq!(got[1], Some(Level::Warning), "{tags:?}");
            assert_eq!(got[2], Some(Level::Error), "{tags:?}");
            // Nothing reads as fatal.
            assert!(!got.contains(&Some(Level::Fatal)), "{tags:?}: {got:?}");
        }
        // The same with printed lines among the records (the container's header on fewer
        // than nine lines in ten): the records keep their levels, the printed lines get none.
        let lines = file(
            ["info", "warning", "error"],
            ["F", "F"],
            &["listening on 8000", "3 crates and 2 pebbles"],
        );
        let got = levels(&lines);
        assert_eq!(got[0], Some(Level::Info));
        assert_eq!(got[1], Some(Level::Warning));
        assert_eq!(got[2], None, "{:?}", lines[2]);
        assert_eq!(got[3], None, "{:?}", lines[3]);
        assert_eq!(got[4], Some(Level::Error), "{:?}", lines[4]);
    }

    #[test]
    fn a_letter_level_column_that_is_no_cri_tag_stays_a_level() {
        // Must not fire: a column of severity letters after a word other than a stream's
        // (`node-a`), and severity letters other than `F`/`P` after `stdout`.
        let lines: Vec<String> = (0..24)
            .map(|i| {
                let w = ["I", "W", "E"][i % 3];
                format!(
                    "2024-03-01T09:00:{:02}Z node-a {w} parcel {i} moved",
                    i % 60
                )
            })
            .collect();
        let got = levels(&lines);
        assert_eq!(
            &got[..3],
            &[Some(Level::Info), Some(Level::Warning), Some(Level::Error)]
        );
        let lines: Vec<String> = (0..24)
            .map(|i| {
                let w = ["I", "W", "F"][i % 3];
                format!(
                    "2024-03-01T09:00:{:02}Z stdout {w} parcel {i} moved",
                    i % 60
                )
            })
            .collect();
        let got = levels(&lines);
        assert_eq!(
            &got[..3],
            &[Some(Level::Info), Some(Level::Warning), Some(Level::Fatal)]
        );
    }
}
