//! [`summarize`]: captured output (a failing command's stdout and stderr, a small log) mined in
//! one call, for the test runner's failure summaries.

use super::events::{EventParser, Line, Splitter};
use super::header::Level;
use super::miner::{self, Miner, MinerConfig};
use super::SAMPLE_LINES;

/// A template of [`summarize`], with the most severe level seen on its lines.
#[derive(Debug, Clone)]
pub struct Summarized {
    pub template: miner::Template,
    /// The most severe level of its events (from the header or the message), if any had one.
    pub level: Option<Level>,
}

/// Summarises captured output (a failing command's stdout/stderr, a small log) in one call:
/// headers are inferred and stripped, multi-line events grouped, messages mined. Returns the
/// templates with their counts, first example and worst level, most frequent first (ties:
/// first seen).
pub fn summarize(text: &str) -> Vec<Summarized> {
    let text = super::reader::strip_ansi(std::borrow::Cow::Borrowed(text));
    let text: &str = &text;
    let first: Vec<&str> = text.lines().take(SAMPLE_LINES).collect();
    let splitter = Splitter::infer(&first, None);
    let mut parser = EventParser::new(&splitter);
    let mut m = Miner::new(MinerConfig::default());
    let mut shape_levels: Vec<Option<Level>> = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        parser.see_next(lines.peek().map(|n| n.as_bytes()));
        if let Line::Head { message, level, .. } = parser.line(line) {
            let shape = m.add(&message) as usize;
            if shape_levels.len() <= shape {
                shape_levels.resize(shape + 1, None);
            }
            shape_levels[shape] = shape_levels[shape].max(level);
        }
    }
    let mined = m.finish();
    let mut levels: Vec<Option<Level>> = vec![None; mined.templates.len()];
    for (shape, level) in shape_levels.iter().enumerate() {
        let t = mined.cluster_template[shape] as usize;
        levels[t] = levels[t].max(*level);
    }
    let mut out: Vec<Summarized> = mined
        .templates
        .into_iter()
        .zip(levels)
        .map(|(template, level)| Summarized { template, level })
        .collect();
    out.sort_by_key(|t| std::cmp::Reverse(t.template.count));
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn summarize_groups_captured_output() {
        let out = "\
2024-05-01 10:00:00 INFO run: worker 1 started in 0.2s
2024-05-01 10:00:01 ERROR run: worker 2 failed: connection refused to 10.0.0.1:5432
2024-05-01 10:00:02 ERROR run: worker 3 failed: connection refused to 10.0.0.2:5432
Traceback (most recent call last):
  File \"t.py\", line 3, in <module>
ValueError: boom
";
        let t = super::summarize(out);
        assert_eq!(t[0].template.count, 2);
        assert_eq!(
            t[0].template.text,
            "worker <*> failed: connection refused to <*>"
        );
        assert_eq!(t[0].level, Some(super::Level::Error));
        assert_eq!(
            t.iter().map(|t| t.template.count).sum::<u64>(),
            3,
            "the traceback joins its error"
        );
    }
}
