//! The one entry point of a backtest's work: [`run`] reads the input, runs what the [`Job`]
//! asks for (one backtest, a sweep of a grid, a walk-forward, or a universe of symbols), tells
//! an [`Observer`] how it goes (the work's size, each result as it finishes, progress, notes)
//! and returns an [`Outcome`]: the report, with what a caller writes files from (the run
//! behind a trades, equity or HTML file, rerun for a sweep's best point; a heatmap).
//!
//! It writes no file and prints nothing. Files belong to the caller: it checks them before
//! calling (`crate::outfile`), streams each result from its observer as it comes, and renders
//! the outcome's data into the others.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use super::engine::RunError;
use super::grid::{Grid, GridError, WalkProgress};
use super::heatmap::Heatmap;
use super::results::{PointResult, Status, SweepReport};
use super::strategy::ParamError;
use super::sweep::{self, bars_fingerprint, work_hash, SweepOptions};
use super::universe::{self, UniverseEvent};
use super::walk::{self, ShortTrain, WalkError, WalkReport, WalkSpec};
use super::{backtest, Run, Settings, SingleReport};
use crate::market::{self, Bars, LoadError, LoadOptions};

/// What to run.
#[derive(Debug, Clone)]
pub struct Job {
    /// The strategy's grid; a grid without axes is one backtest of its base parameters.
    pub grid: Grid,
    pub settings: Settings,
    /// Workers, the time limit of each run, the ranking and the shard of a sweep or universe.
    pub options: SweepOptions,
    /// Walk forward over the grid instead of sweeping it once.
    pub walk: Option<WalkSpec>,
    /// How the input's CSV is read.
    pub load: LoadOptions,
    /// For a sweep: rerun its best point for its trades and equity ([`Outcome::Sweep`]'s `best`).
    pub rerun_best: bool,
    /// For a sweep of two axes: gather the ranking statistic over the grid.
    pub heatmap: bool,
}

/// Where the bars come from.
pub enum Source<'a> {
    /// One CSV file of one symbol.
    File(&'a Path),
    /// One CSV read from standard input (`reader`); `name` stands for it in messages.
    Stdin {
        name: &'a Path,
        reader: &'a mut dyn Read,
    },
    /// A folder of per-symbol CSV files: a universe, every symbol run and ranked.
    Folder(&'a Path),
}

/// What the work is counted in, for progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Positions of the grid (before constraints): a sweep.
    GridPoints,
    /// Symbols of a universe.
    Symbols,
    /// Windows of a walk-forward.
    Windows,
}

/// Something worth telling before the work ends.
#[derive(Debug, Clone)]
pub enum Note {
    /// The walk-forward's train window leaves part of the grid out.
    ShortTrain(ShortTrain),
}

/// Told how the work goes, on the calling thread (a single backtest tells nothing).
pub trait Observer {
    /// The work starts: `total` steps of `unit` (the input is read by then).
    fn start(&mut self, _total: u64, _unit: Unit) {}
    /// A backtest of a sweep or a universe finished: a grid point, or a symbol's run.
    fn result(&mut self, _result: &PointResult) {}
    /// Steps done so far: grid positions the walk has passed, symbols or windows finished.
    fn progress(&mut self, _done: u64) {}
    fn note(&mut self, _note: &Note) {}
}

/// An observer that ignores everything.
pub struct Quiet;
impl Observer for Quiet {}

/// One backtest with the bars it ran on.
#[derive(Debug, Clone)]
pub struct OneRun {
    pub bars: Bars,
    pub report: SingleReport,
    pub run: Run,
}

/// What the work gave.
#[derive(Debug, Clone)]
pub enum Outcome {
    Single(OneRun),
    Sweep {
        report: SweepReport,
        /// With [`Job::heatmap`] and two axes.
        heatmap: Option<Heatmap>,
        /// With [`Job::rerun_best`]: the best point run again; `None` when no point finished.
        best: Option<Box<OneRun>>,
    },
    WalkForward {
        report: WalkReport,
        /// The windows that fit in the data (the report holds those that ran).
        windows: usize,
    },
    Universe(SweepReport),
}

/// Why the work could not be done (a run that failed within a sweep or universe is a result,
/// not an error).
#[derive(Debug, thiserror::Error)]
pub enum BacktestError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("cannot read standard input")]
    Stdin(#[source] std::io::Error),
    #[error("{}: the file holds {count} symbols: backtest one symbol per file, or put per-symbol files in a folder and pass the folder", .file.display())]
    ManySymbols { file: PathBuf, count: usize },
    #[error("{}: no .csv files in this folder", .dir.display())]
    NoFiles { dir: PathBuf },
    #[error(transparent)]
    Params(#[from] ParamError),
    /// The one backtest of a file failed.
    #[error("{}: {error}", .file.display())]
    Run { file: PathBuf, error: RunError },
    /// The rerun of a sweep's best point failed.
    #[error(transparent)]
    Rerun(RunError),
    /// The sweep walked the whole grid and found no point that satisfies the constraints.
    #[error(transparent)]
    Grid(#[from] GridError),
    #[error(transparent)]
    Walk(#[from] WalkError),
}

/// Runs `job` over `source` to its end. `interrupt` is called once, when the work that can stop
/// early begins (after the input is read; never for a single backtest): when the flag it
/// returns turns true, no new run starts, the runs in flight stop, and the outcome holds what
/// finished.
pub fn run(
    job: &Job,
    source: Source<'_>,
    interrupt: &dyn Fn() -> Arc<AtomicBool>,
    observer: &mut dyn Observer,
) -> Result<Outcome, BacktestError> {
    let (name, reader) = match source {
        Source::Folder(dir) => return run_universe(job, dir, interrupt, observer),
        Source::File(path) => (path, None),
        Source::Stdin { name, reader } => (name, Some(reader)),
    };
    if let Some(spec) = job.walk {
        // Said (or refused) before the data is read.
        if let Some(note) = walk::check_train(&job.grid, spec)? {
            observer.note(&Note::ShortTrain(note));
        }
        let bars = load_one(name, reader, job.load)?;
        return run_walk(job, &bars, spec, interrupt, observer);
    }
    let bars = load_one(name, reader, job.load)?;
    if !job.grid.axes.is_empty() {
        return run_sweep(job, bars, interrupt, observer);
    }
    let params = job.grid.base;
    params.validate()?;
    let (report, run) =
        backtest(&bars, &params, &job.settings, &|| false).map_err(|error| BacktestError::Run {
            file: name.to_path_buf(),
            error,
        })?;
    Ok(Outcome::Single(OneRun { bars, report, run }))
}

/// The one series of a file (or of standard input, with `reader`).
pub(super) fn load_one(
    name: &Path,
    reader: Option<&mut dyn Read>,
    opts: LoadOptions,
) -> Result<Bars, BacktestError> {
    let mut series = match reader {
        Some(reader) => {
            let mut data = Vec::new();
            reader
                .read_to_end(&mut data)
                .map_err(BacktestError::Stdin)?;
            market::parse(&data, Path::new("stdin"), "stdin", opts)?
        }
        None => market::load_file(name, &mut Vec::new(), opts)?,
    };
    if series.len() != 1 {
        return Err(BacktestError::ManySymbols {
            file: name.to_path_buf(),
            count: series.len(),
        });
    }
    Ok(series.remove(0))
}

/// The settings as they enter a work hash.
fn settings_key(settings: &Settings) -> String {
    // A struct of numbers, flags and enums: serialising it cannot fail.
    serde_json::to_string(settings).unwrap_or_default()
}

fn run_sweep(
    job: &Job,
    bars: Bars,
    interrupt: &dyn Fn() -> Arc<AtomicBool>,
    observer: &mut dyn Observer,
) -> Result<Outcome, BacktestError> {
    let grid = &job.grid;
    // Progress counts grid positions (before constraints): the grid is sized by the product
    // of its axes, never by walking it.
    observer.start(grid.size(), Unit::GridPoints);
    let cancel = interrupt();
    let walked = WalkProgress::default();
    let ranking = job.options.ranking;
    let mut heatmap = job
        .heatmap
        .then(|| Heatmap::new(grid, ranking.higher_is_better))
        .flatten();
    let mut report = sweep::sweep(
        &bars,
        grid,
        &job.settings,
        &job.options,
        &cancel,
        &walked,
        &mut |r| {
            if let Some(h) = &mut heatmap {
                h.add(r.index, r.stats.as_ref().and_then(|s| s.get(ranking.stat)));
            }
            observer.result(r);
            observer.progress(walked.reached());
        },
    );
    if report.summary.combinations == 0 && !report.summary.interrupted {
        return Err(GridError::Empty { never: None }.into());
    }
    report.data.clone_from(&bars.symbol);
    report.work_hash = work_hash(&[
        &grid.describe(),
        &settings_key(&job.settings),
        &bars_fingerprint(&bars),
    ]);
    let best = if job.rerun_best {
        rerun_best(bars, grid, &report, &job.settings)?
    } else {
        None
    };
    Ok(Outcome::Sweep {
        report,
        heatmap,
        best,
    })
}

/// The best point of a sweep, run again for its trades and equity (a sweep keeps only
/// statistics); `None` when no point finished.
fn rerun_best(
    bars: Bars,
    grid: &Grid,
    report: &SweepReport,
    settings: &Settings,
) -> Result<Option<Box<OneRun>>, BacktestError> {
    let Some(best) = report.results.iter().find(|x| x.status == Status::Ok) else {
        return Ok(None);
    };
    let params = grid.point_at(best.index).unwrap_or(grid.base);
    let (report, run) =
        backtest(&bars, &params, settings, &|| false).map_err(BacktestError::Rerun)?;
    Ok(Some(Box::new(OneRun { bars, report, run })))
}

fn run_walk(
    job: &Job,
    bars: &Bars,
    spec: WalkSpec,
    interrupt: &dyn Fn() -> Arc<AtomicBool>,
    observer: &mut dyn Observer,
) -> Result<Outcome, BacktestError> {
    let windows = spec.windows(bars.len());
    observer.start(windows as u64, Unit::Windows);
    let cancel = interrupt();
    let opts = SweepOptions {
        shard: None,
        ..job.options
    };
    let report = walk::walk_forward(
        bars,
        &job.grid,
        &job.settings,
        spec,
        &opts,
        &cancel,
        &mut |done| observer.progress(done as u64),
    )?;
    Ok(Outcome::WalkForward { report, windows })
}

fn run_universe(
    job: &Job,
    dir: &Path,
    interrupt: &dyn Fn() -> Arc<AtomicBool>,
    observer: &mut dyn Observer,
) -> Result<Outcome, BacktestError> {
    let files = market::list_inputs(&[dir.to_path_buf()])?;
    if files.is_empty() {
        return Err(BacktestError::NoFiles {
            dir: dir.to_path_buf(),
        });
    }
    let names: Vec<String> = files
        .iter()
        .map(|f| market::csv::symbol_from_path(f))
        .collect();
    observer.start(names.len() as u64, Unit::Symbols);
    let cancel = interrupt();
    let load = |i: usize| -> Result<Vec<Bars>, String> {
        market::load_file(&files[i], &mut Vec::new(), job.load).map_err(|e| e.to_string())
    };
    let mut symbols = 0u64;
    let mut report = universe::universe(
        &names,
        load,
        &job.grid,
        &job.settings,
        &job.options,
        &cancel,
        &mut |event| match event {
            UniverseEvent::Run(r) => observer.result(r),
            UniverseEvent::Symbol(_) => {
                symbols += 1;
                observer.progress(symbols);
            }
        },
    );
    report.data = dir.display().to_string();
    // The work: strategy, grid, settings and the list of symbols (their data is each shard's
    // own to read; a different file set is different work).
    report.work_hash = work_hash(&[
        &job.grid.describe(),
        &settings_key(&job.settings),
        &names.join(","),
    ]);
    Ok(Outcome::Universe(report))
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::path::PathBuf;

    use super::*;
    use crate::backtest::ranking::Ranking;
    use crate::backtest::strategy::{find, Params};

    fn goog_path() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/backtest/GOOG.csv")
    }

    fn job(strategy: &str, axes: &[&str], constraints: &[&str]) -> Job {
        let base = Params::defaults(find(strategy).unwrap());
        let texts = |v: &[&str]| v.iter().map(|s| (*s).to_string()).collect::<Vec<_>>();
        Job {
            grid: Grid::parse(&base, &texts(axes), &texts(constraints), &[]).unwrap(),
            settings: Settings::default(),
            options: SweepOptions {
                jobs: 2,
                timeout_per: None,
                ranking: Ranking::by("sharpe_ratio", 3).unwrap(),
                shard: None,
            },
            walk: None,
            load: LoadOptions::default(),
            rerun_best: false,
            heatmap: false,
        }
    }

    /// What an observer was told, in order.
    #[derive(Default)]
    struct Record {
        start: Option<(u64, Unit)>,
        results: u64,
        progress: Vec<u64>,
        notes: Vec<String>,
    }

    impl Observer for Record {
        fn start(&mut self, total: u64, unit: Unit) {
            assert!(self.start.is_none(), "told to start twice");
            self.start = Some((total, unit));
        }
        fn result(&mut self, _: &PointResult) {
            assert!(self.start.is_some(), "a result before the start");
            self.results += 1;
        }
        fn progress(&mut self, done: u64) {
            assert!(
                self.progress.last().is_none_or(|&p| p <= done),
                "progress went back"
            );
            self.progress.push(done);
        }
        fn note(&mut self, note: &Note) {
            let Note::ShortTrain(n) = note;
            self.notes.push(n.to_string());
        }
    }

    /// An interrupt that counts how often it is armed and never fires.
    fn interrupt(armed: &Cell<u32>) -> impl Fn() -> Arc<AtomicBool> + '_ {
        move || {
            armed.set(armed.get() + 1);
            Arc::new(AtomicBool::new(false))
        }
    }

    #[test]
    fn one_backtest_tells_nothing_and_never_arms_the_interrupt() {
        let (armed, mut seen) = (Cell::new(0), Record::default());
        let path = goog_path();
        let out = run(
            &job("sma-cross", &[], &[]),
            Source::File(&path),
            &interrupt(&armed),
            &mut seen,
        )
        .unwrap();
        let Outcome::Single(one) = out else {
            panic!("{out:?}")
        };
        assert_eq!((one.report.symbol.as_str(), one.bars.len()), ("GOOG", 2148));
        assert_eq!(armed.get(), 0, "Ctrl-C stops one backtest at once");
        assert!(seen.start.is_none() && seen.progress.is_empty());
    }

    #[test]
    fn a_sweep_tells_its_size_its_results_and_its_progress() {
        let mut j = job("sma-cross", &["fast=5..20:5", "slow=30..60:10"], &[]);
        (j.heatmap, j.rerun_best) = (true, true);
        let (armed, mut seen) = (Cell::new(0), Record::default());
        let path = goog_path();
        let out = run(&j, Source::File(&path), &interrupt(&armed), &mut seen).unwrap();
        let Outcome::Sweep {
            report,
            heatmap,
            best,
        } = out
        else {
            panic!("{out:?}")
        };
        assert_eq!(armed.get(), 1);
        assert_eq!(seen.start, Some((16, Unit::GridPoints)));
        assert_eq!((seen.results, report.summary.runs), (16, 16));
        assert_eq!(seen.progress.last(), Some(&16));
        assert_eq!(report.data, "GOOG");
        assert_eq!(report.work_hash.len(), 16);
        assert!(heatmap.is_some());
        // The rerun of the best point gives the statistics the sweep ranked first.
        let best = best.expect("a best point");
        let first = report.results[0].stats.as_ref().unwrap();
        assert_eq!(
            best.report.stats.get("sharpe_ratio"),
            first.get("sharpe_ratio")
        );
    }

    #[test]
    fn an_interrupted_sweep_returns_what_finished() {
        let j = job("sma-cross", &["fast=1..100000", "slow=1..100000"], &[]);
        let mut seen = Record::default();
        let path = goog_path();
        let stop = || Arc::new(AtomicBool::new(true));
        let out = run(&j, Source::File(&path), &stop, &mut seen).unwrap();
        let Outcome::Sweep { report, .. } = out else {
            panic!("{out:?}")
        };
        assert!(report.summary.interrupted);
        assert_eq!(seen.start, Some((10_000_000_000, Unit::GridPoints)));
        assert_eq!(seen.results, report.summary.runs);
    }

    #[test]
    fn a_walk_forward_says_its_train_is_short_before_it_reads_the_data() {
        let mut j = job("sma-cross", &["fast=10..20:5", "slow=60..300:60"], &[]);
        j.walk = Some(WalkSpec::parse("train=100,test=250").unwrap());
        let mut seen = Record::default();
        let missing = Path::new("no/such/file.csv");
        let e = run(
            &j,
            Source::File(missing),
            &interrupt(&Cell::new(0)),
            &mut seen,
        )
        .unwrap_err();
        assert!(matches!(e, BacktestError::Load(_)), "{e}");
        assert_eq!(seen.notes.len(), 1);
        assert!(seen.notes[0].starts_with("train=100 is shorter than the warm-up of part of the grid: sma-cross fast=20 slow=300 needs 302 bars"), "{}", seen.notes[0]);
        // With data, the windows are counted as they finish.
        let path = goog_path();
        let mut seen = Record::default();
        let out = run(
            &j,
            Source::File(&path),
            &interrupt(&Cell::new(0)),
            &mut seen,
        )
        .unwrap();
        let Outcome::WalkForward { report, windows } = out else {
            panic!("{out:?}")
        };
        assert_eq!(seen.start, Some((windows as u64, Unit::Windows)));
        assert_eq!(report.windows.len(), windows);
        assert_eq!(seen.progress.last(), Some(&(windows as u64)));
    }

    #[test]
    fn a_universe_counts_its_symbols_and_goes_past_a_bad_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(goog_path(), dir.path().join("GOOG.csv")).unwrap();
        std::fs::write(
            dir.path().join("BAD.csv"),
            "Date,Open,High,Low,Close,Volume\n2020-01-01,1,2,0.5,oops,100\n",
        )
        .unwrap();
        let mut seen = Record::default();
        let out = run(
            &job("donchian", &[], &[]),
            Source::Folder(dir.path()),
            &interrupt(&Cell::new(0)),
            &mut seen,
        )
        .unwrap();
        let Outcome::Universe(report) = out else {
            panic!("{out:?}")
        };
        assert_eq!(seen.start, Some((2, Unit::Symbols)));
        assert_eq!(seen.progress.last(), Some(&2));
        assert_eq!((report.summary.ok, report.summary.errors), (1, 1));
        assert_eq!(report.data, dir.path().display().to_string());
        let empty = tempfile::tempdir().unwrap();
        let e = run(
            &job("donchian", &[], &[]),
            Source::Folder(empty.path()),
            &interrupt(&Cell::new(0)),
            &mut Quiet,
        )
        .unwrap_err();
        assert!(matches!(e, BacktestError::NoFiles { .. }), "{e}");
    }

    #[test]
    fn standard_input_holds_one_symbol_named_as_the_caller_says() {
        let csv = "Date,Open,High,Low,Close,Volume,Symbol\n\
                   2020-01-01,1,2,0.5,1.5,100,AAA\n\
                   2020-01-01,1,2,0.5,1.5,100,BBB\n";
        let mut reader = csv.as_bytes();
        let e = run(
            &job("sma-cross", &[], &[]),
            Source::Stdin {
                name: Path::new("-"),
                reader: &mut reader,
            },
            &interrupt(&Cell::new(0)),
            &mut Quiet,
        )
        .unwrap_err();
        assert!(
            matches!(e, BacktestError::ManySymbols { count: 2, .. }),
            "{e}"
        );
        assert!(
            e.to_string().starts_with("-: the file holds 2 symbols"),
            "{e}"
        );
    }
}
