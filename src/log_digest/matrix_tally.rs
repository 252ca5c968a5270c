//! The tally every enumerated matrix test keeps (levels, records, request lines, unindented
//! bodies): how many cells ran, which failed and why, and one assertion at the end that names
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
