//! The tally every enumerated matrix test keeps (levels, records, request lines, unindented
//! bodies, ...): how many cells ran, which failed and why, and one assertion at the end that names
//! every failing cell instead of stopping at the first.

#[derive(Debug, Default)]
pub(crate) struct Tally {
    cells: usize,
    failures: Vec<String>,
}

impl Tally {
    /// Counts one cell; `failure` says what is wrong with it, if anything.
    pub(crate) fn cell(&mut self, failure: Option<String>) {
        self.cells += 1;
        self.failures.extend(failure);
    }

    /// Asserts that `expected` cells ran and that none failed.
    pub(crate) fn finish(self, expected: usize) {
        assert_eq!(self.cells, expected, "every cell ran");
        eprintln!("{} of {} cells wrong", self.failures.len(), self.cells);
        assert!(
            self.failures.is_empty(),
            "{} of {} cells wrong:\n{}",
            self.failures.len(),
            self.cells,
            self.failures.join("\n")
        );
    }
}

/// Asserts that the failing cells (name, what is wrong) are exactly the `known` ones: a cell
/// wrong and not listed fails, and so does a listed cell that has come right (so the list
/// stays the truth and a fix shrinks it).
pub(crate) fn assert_known_failures(failing: &[(String, String)], known: &[&str]) {
    let unexpected: Vec<String> = failing
        .iter()
        .filter(|(c, _)| !known.contains(&c.as_str()))
        .map(|(c, p)| format!("{c}: {p}"))
        .collect();
    let fixed: Vec<&&str> = known
        .iter()
        .filter(|k| !failing.iter().any(|(c, _)| c == *k))
        .collect();
    assert!(
        unexpected.is_empty(),
        "cells wrong:\n{}",
        unexpected.join("\n")
    );
    assert!(fixed.is_empty(), "known-failing cells now right: {fixed:?}");
}

/// What the digest makes of `text` written to a file: each line's template id and template
/// (in line order), and the counts of warning, error and fatal events.
pub(crate) fn digest_cell(text: &str) -> (Vec<(String, String)>, [u64; 3]) {
    let dir = tempfile::tempdir().unwrap();
    digest_cell_at(&dir.path().join("cell.log"), text)
}

/// [`digest_cell`] with `text` written to `path` (overwritten), so a matrix that runs many
/// cells reuses one folder instead of making one per cell.
pub(crate) fn digest_cell_at(
    path: &std::path::Path,
    text: &str,
) -> (Vec<(String, String)>, [u64; 3]) {
    use super::levels::Level;
    use super::reader::Input;
    use super::{mine, DigestOptions};
    std::fs::write(path, text).unwrap();
    let path = path.to_owned();
    let opts = DigestOptions {
        keep_lines: true,
        ..DigestOptions::default()
    };
    let m = mine(&[Input::Path(path)], &opts, &|_| {});
    let mut out = Vec::new();
    let r = m.digest(&opts, Some(&mut out)).unwrap();
    let ids = out
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_slice(l).unwrap();
            let field = |k: &str| v[k].as_str().unwrap().to_owned();
            (field("template_id"), field("template"))
        })
        .collect();
    let get = |l| r.levels.get(&l).copied().unwrap_or(0);
    (
        ids,
        [get(Level::Warning), get(Level::Error), get(Level::Fatal)],
    )
}

/// The grouping faults of a cell whose line `k` got template `templates[k]` and holds message
/// `truth[k]` (one of `messages`): a message split over several templates, a template shared
/// by lines of two messages.
pub(crate) fn grouping_problems(
    templates: &[&str],
    truth: &[usize],
    messages: usize,
) -> Vec<String> {
    assert_eq!(templates.len(), truth.len(), "one assignment per line");
    let mut problems = Vec::new();
    for m in 0..messages {
        let mut own: Vec<&str> = templates
            .iter()
            .zip(truth)
            .filter(|(_, &t)| t == m)
            .map(|(tpl, _)| *tpl)
            .collect();
        own.sort_unstable();
        own.dedup();
        if own.len() > 1 {
            problems.push(format!(
                "message {m} split into {} templates: {:?}",
                own.len(),
                &own[..own.len().min(3)]
            ));
        }
        for t in own {
            let mut others: Vec<usize> = templates
                .iter()
                .zip(truth)
                .filter(|(tpl, &o)| **tpl == t && o != m)
                .map(|(_, &o)| o)
                .collect();
            others.sort_unstable();
            others.dedup();
            if !others.is_empty() {
                problems.push(format!("message {m} shares template {t:?} with {others:?}"));
            }
        }
    }
    problems
}
