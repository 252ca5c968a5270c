//! `velo backtest`'s observer of the work: the progress bar on stderr, and every result
//! streamed to `--results` as it finishes.

use std::io::Write as _;
use std::time::{Duration, Instant};

use indicatif::ProgressBar;

use super::messages;
use crate::backtest::results::{PointResult, Status};
use crate::backtest::{Note, Observer, Unit};
use crate::outfile::{self, Failures};
use crate::output::Ui;
use crate::report;

/// The command's observer: the progress bar, and every result streamed to --results as a
/// JSON line as it comes. A write that fails is kept by the stream for its end (see
/// `outfile::Stream`).
pub struct Progress<'a> {
    ui: &'a Ui,
    machine: bool,
    bar: ProgressBar,
    /// What the work counts (set when it starts).
    unit: Option<Unit>,
    results: Option<outfile::Stream>,
    flushed: Instant,
    /// A result that could not be written as JSON (the first).
    failed: Option<anyhow::Error>,
    runs: u64,
    timed_out: u64,
}

impl<'a> Progress<'a> {
    pub fn new(ui: &'a Ui, machine: bool, results: Option<outfile::Stream>) -> Self {
        Self {
            ui,
            machine,
            bar: ProgressBar::hidden(),
            unit: None,
            results,
            flushed: Instant::now(),
            failed: None,
            runs: 0,
            timed_out: 0,
        }
    }

    fn write(&mut self, r: &PointResult) -> anyhow::Result<()> {
        if let Some(w) = &mut self.results {
            let line = report::json::line("backtest-result", r)?;
            w.write_all(line.as_bytes())?;
            // Readers following the file see results within a moment, not per 64 KiB.
            if self.flushed.elapsed() >= Duration::from_millis(200) {
                w.flush()?;
                self.flushed = Instant::now();
            }
        }
        Ok(())
    }

    /// Clears the bar and ends the --results stream: it replaces the file once the work has
    /// started (an interrupted one included); before that nothing was run and the file stays.
    pub fn finish(self, failures: &mut Failures) -> anyhow::Result<()> {
        self.bar.finish_and_clear();
        if let (Some(stream), Some(_)) = (self.results, self.unit) {
            failures.add(stream.finish());
        }
        self.failed.map_or(Ok(()), Err)
    }
}

impl Observer for Progress<'_> {
    fn start(&mut self, total: u64, unit: Unit) {
        let what = match unit {
            Unit::GridPoints => "grid points",
            Unit::Symbols => "symbols",
            Unit::Windows => "walk-forward windows",
        };
        self.bar = self.ui.progress(total, what, self.machine);
        self.unit = Some(unit);
    }

    fn result(&mut self, r: &PointResult) {
        if self.failed.is_none() {
            if let Err(e) = self.write(r) {
                self.failed = Some(e);
            }
        }
        self.runs += 1;
        let late = r.status == Status::TimedOut;
        self.timed_out += u64::from(late);
        if self.unit != Some(Unit::GridPoints) {
            if self.runs % 64 == 1 {
                self.bar.set_message(format!("{} runs", self.runs));
            }
        } else if self.runs % 64 == 1 || late {
            // Short enough for an 80-column terminal beside the bar and a 10^10 length.
            let late = if self.timed_out > 0 {
                format!(", {} timed out", self.timed_out)
            } else {
                String::new()
            };
            self.bar.set_message(format!(
                "{} run{late}, {:.0}/s",
                self.runs,
                self.runs as f64 / self.bar.elapsed().as_secs_f64().max(1e-3)
            ));
        }
    }

    fn progress(&mut self, done: u64) {
        self.bar.set_position(done);
    }

    fn note(&mut self, note: &Note) {
        match note {
            Note::ShortTrain(n) => self.ui.warn(&messages::short_train(n)),
        }
    }
}
