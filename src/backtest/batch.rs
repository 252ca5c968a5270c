//! Batches of specs: many independent backtests, each its own data, strategy and broker
//! settings, run on the shared worker pool with a per-spec time limit, each result handed on
//! as it finishes. A spec that could not be read is an error result of its own and the others
//! run; a data file is read once for the whole batch however many specs name it (what those
//! specs share of it, the statistics context and the moving averages, is computed once too).
//!
//! The caller turns its lines into [`Item`]s (how a spec is written is the command line's
//! business); this module only runs them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use serde::Serialize;

use super::engine::RunError;
use super::job::load_one;
use super::results::Status;
use super::{backtest_in, Params, Prepared, Settings, Stats};
use crate::market::{Bars, LoadOptions};
use crate::pool::{self, Done};

/// One backtest of a batch, ready to run.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The CSV file of one symbol's bars.
    pub data: PathBuf,
    pub params: Params,
    pub settings: Settings,
}

/// One line of a batch: its spec, or why it could not be made.
#[derive(Debug, Clone)]
pub struct Item {
    /// The line's 0-based number in the batch.
    pub index: usize,
    /// The line's own `id`, handed back as it was given.
    pub id: Option<serde_json::Value>,
    pub spec: Result<Spec, String>,
}

/// How a batch runs.
#[derive(Debug, Clone, Copy)]
pub struct BatchOptions {
    /// Backtests at once.
    pub jobs: usize,
    /// Each spec's time limit, from when it starts (reading its data included).
    pub timeout_per: Option<Duration>,
    /// How the data files are read.
    pub load: LoadOptions,
}

/// The result of one spec, as each finishes.
#[derive(Debug, Clone, Serialize)]
pub struct SpecResult {
    pub index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<serde_json::Value>,
    pub status: Status,
    /// The statistics of `velo backtest --format json`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stats: Option<Stats>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What a whole batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BatchSummary {
    pub ok: usize,
    pub errors: usize,
    pub timed_out: usize,
    /// When interrupted: specs not started, or stopped before they finished (not reported).
    pub not_finished: usize,
    /// Distinct data files read (once each).
    pub files: usize,
    /// The batch stopped early (a signal): the results are the specs that finished.
    pub interrupted: bool,
}

impl BatchSummary {
    /// Specs reported (ok, error or timed out).
    pub fn reported(&self) -> usize {
        self.ok + self.errors + self.timed_out
    }
}

/// Runs every item on the pool, calling `on_result` on the calling thread with each result
/// as it finishes. Items are taken lazily, as workers are free. When `cancel` turns true,
/// no new spec starts, the runs in flight stop, and their specs are not reported: every result
/// handed on is one that finished.
pub fn run(
    items: impl ExactSizeIterator<Item = Item> + Send,
    opts: &BatchOptions,
    cancel: &AtomicBool,
    on_result: &mut dyn FnMut(&SpecResult),
) -> BatchSummary {
    let cache = DataCache::default();
    let pool_opts = pool::Options {
        jobs: opts.jobs,
        item_timeout: opts.timeout_per,
        deadline: None,
    };
    let mut summary = BatchSummary::default();
    // The pool names an item by its position in `items`; the lines in flight are remembered
    // here (at most a few per worker) so that a timed-out one can be named.
    let inflight: Mutex<HashMap<usize, (usize, Option<serde_json::Value>)>> =
        Mutex::new(HashMap::new());
    let total = items.len();
    // Once cancelled, no item is taken (nor made: the caller's iterator may parse each).
    let mut items = items;
    let items = std::iter::from_fn(move || {
        if cancel.load(Ordering::SeqCst) {
            None
        } else {
            items.next()
        }
    });
    let items = items.enumerate().map(|(pos, item)| {
        inflight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(pos, (item.index, item.id.clone()));
        item.spec
    });
    let stats = pool::run(
        items,
        &pool_opts,
        cancel,
        |ctx, spec| match spec {
            Ok(spec) => run_one(&spec, &cache, opts.load, &|| ctx.expired()),
            Err(e) => Err(Failure::Bad(e)),
        },
        |pos, done| {
            let Some((index, id)) = inflight
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&pos)
            else {
                return;
            };
            let outcome = match done {
                Done::Ok(outcome) => outcome,
                Done::TimedOut { .. } => Err(Failure::Stopped),
            };
            let result = match outcome {
                Ok(stats) => SpecResult {
                    index,
                    id,
                    status: Status::Ok,
                    stats: Some(stats),
                    error: None,
                },
                // Stopped by the signal, not by its own limit: not a result.
                Err(Failure::Stopped) if cancel.load(Ordering::SeqCst) => return,
                Err(Failure::Stopped) => failed(index, id, Status::TimedOut, timed_out(opts)),
                Err(Failure::Bad(error)) => failed(index, id, Status::Error, error),
            };
            match result.status {
                Status::Ok => summary.ok += 1,
                Status::Error => summary.errors += 1,
                Status::TimedOut => summary.timed_out += 1,
            }
            on_result(&result);
        },
    );
    summary.interrupted = stats.cut_short;
    summary.not_finished = total - summary.reported();
    summary.files = cache.read();
    summary
}

/// Why a spec gave no statistics.
enum Failure {
    /// The spec, its data or its run is wrong: the message says how.
    Bad(String),
    /// It stopped before its end: its time ran out or the batch was cancelled.
    Stopped,
}

fn run_one(
    spec: &Spec,
    cache: &DataCache,
    load: LoadOptions,
    expired: &dyn Fn() -> bool,
) -> Result<Stats, Failure> {
    let data = cache.get(&spec.data, load).map_err(Failure::Bad)?;
    spec.params
        .validate()
        .map_err(|e| Failure::Bad(e.to_string()))?;
    match backtest_in(
        &data.prep,
        &data.bars,
        &spec.params,
        &spec.settings,
        expired,
    ) {
        Ok((report, _)) => Ok(report.stats),
        Err(RunError::Expired) => Err(Failure::Stopped),
        Err(e) => Err(Failure::Bad(format!("{}: {e}", spec.data.display()))),
    }
}

fn failed(
    index: usize,
    id: Option<serde_json::Value>,
    status: Status,
    error: String,
) -> SpecResult {
    SpecResult {
        index,
        id,
        status,
        stats: None,
        error: Some(error),
    }
}

fn timed_out(opts: &BatchOptions) -> String {
    match opts.timeout_per {
        Some(t) => format!(
            "stopped: the backtest ran longer than its time limit of {}",
            crate::units::format_duration(t)
        ),
        None => "stopped before its end".to_string(),
    }
}

/// A data file read once, with what its runs share.
struct Data {
    bars: Bars,
    prep: Prepared,
}

/// Each distinct data file of a batch, read by the first spec that needs it (the others
/// naming it wait for that read), kept for the batch; a file that cannot be read gives every
/// spec naming it the same error.
#[derive(Default)]
struct DataCache {
    files: Mutex<Files>,
}

/// The slots by the path as a spec names it, and by the file it names.
#[derive(Default)]
struct Files {
    by_name: HashMap<PathBuf, Arc<Slot>>,
    by_file: HashMap<PathBuf, Arc<Slot>>,
}

/// A data file's entry: filled once, by the first spec that reads it.
type Slot = OnceLock<Result<Arc<Data>, String>>;

impl DataCache {
    fn get(&self, path: &Path, load: LoadOptions) -> Result<Arc<Data>, String> {
        let cell = {
            let mut files = self.files.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(cell) = files.by_name.get(path) {
                Arc::clone(cell)
            } else {
                // Two spellings of one file (`GOOG.csv`, `./data/../GOOG.csv`) are one entry.
                let file = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
                let cell = Arc::clone(files.by_file.entry(file).or_default());
                files.by_name.insert(path.to_path_buf(), Arc::clone(&cell));
                cell
            }
        };
        cell.get_or_init(|| {
            let bars = load_one(path, None, load).map_err(|e| e.to_string())?;
            let prep = Prepared::new(&bars);
            Ok(Arc::new(Data { bars, prep }))
        })
        .clone()
    }

    /// Files read (those that could not be are not counted).
    fn read(&self) -> usize {
        let files = self.files.lock().unwrap_or_else(PoisonError::into_inner);
        files
            .by_file
            .values()
            .filter(|slot| matches!(slot.get(), Some(Ok(_))))
            .count()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::backtest::strategy::find;
    use crate::backtest::{backtest, test_data};

    fn goog_path() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/backtest/GOOG.csv")
    }

    fn params(name: &str, values: &[&str]) -> Params {
        let mut p = Params::defaults(find(name).unwrap());
        let assigned: Vec<String> = values.iter().map(|v| (*v).to_string()).collect();
        p.assign(&assigned).unwrap();
        p
    }

    fn item(index: usize, data: PathBuf, p: Params) -> Item {
        Item {
            index,
            id: Some(serde_json::json!(format!("spec-{index}"))),
            spec: Ok(Spec {
                data,
                params: p,
                settings: Settings::default(),
            }),
        }
    }

    fn opts(jobs: usize) -> BatchOptions {
        BatchOptions {
            jobs,
            timeout_per: None,
            load: LoadOptions::default(),
        }
    }

    fn collect(
        items: Vec<Item>,
        o: &BatchOptions,
        cancel: &AtomicBool,
    ) -> (Vec<SpecResult>, BatchSummary) {
        let mut out = Vec::new();
        let summary = run(items.into_iter(), o, cancel, &mut |r| out.push(r.clone()));
        out.sort_by_key(|r| r.index);
        (out, summary)
    }

    #[test]
    fn each_spec_gives_its_single_runs_statistics_and_a_bad_one_its_own_error() {
        let goog = goog_path();
        // One file under two spellings: read once.
        let other = goog.parent().unwrap().join("../backtest/GOOG.csv");
        let specs = [
            params("sma-cross", &["fast=10", "slow=20"]),
            params("rsi", &["n=10"]),
            params("macd", &[]),
            params("macd", &["fast=30", "slow=20"]),
        ];
        let mut items: Vec<Item> = specs
            .iter()
            .enumerate()
            .map(|(i, p)| {
                item(
                    i * 2,
                    if i % 2 == 0 {
                        goog.clone()
                    } else {
                        other.clone()
                    },
                    *p,
                )
            })
            .collect();
        items.push(Item {
            index: 9,
            id: None,
            spec: Err("unknown key \"cahs\"".to_string()),
        });
        items.push(item(11, goog.with_file_name("NO_SUCH.csv"), specs[0]));
        let (out, summary) = collect(items, &opts(3), &AtomicBool::new(false));
        assert_eq!(out.len(), 6);
        let bars = test_data::goog();
        for (r, p) in out.iter().zip(&specs).take(3) {
            assert_eq!(r.status, Status::Ok, "{r:?}");
            let (single, _) = backtest(&bars, p, &Settings::default(), &|| false).unwrap();
            assert_eq!(
                serde_json::to_value(r.stats.as_ref().unwrap()).unwrap(),
                serde_json::to_value(&single.stats).unwrap()
            );
            assert_eq!(r.id, Some(serde_json::json!(format!("spec-{}", r.index))));
        }
        // fast >= slow: the strategy's own rule, as a single run says it.
        assert_eq!(out[3].status, Status::Error);
        assert!(
            out[3].error.as_deref().unwrap().contains("fast < slow"),
            "{:?}",
            out[3]
        );
        assert_eq!((out[4].index, out[4].id.as_ref()), (9, None));
        assert_eq!(out[4].error.as_deref(), Some("unknown key \"cahs\""));
        assert!(
            out[5].error.as_deref().unwrap().contains("NO_SUCH.csv"),
            "{:?}",
            out[5]
        );
        assert_eq!(
            summary,
            BatchSummary {
                ok: 3,
                errors: 3,
                timed_out: 0,
                not_finished: 0,
                files: 1,
                interrupted: false,
            }
        );
    }

    #[test]
    fn a_spec_past_its_time_limit_is_timed_out_and_the_others_still_run() {
        let items = vec![
            item(0, goog_path(), params("sma-cross", &[])),
            item(1, goog_path(), params("rsi", &[])),
        ];
        // No backtest finishes within a nanosecond.
        let o = BatchOptions {
            timeout_per: Some(Duration::from_nanos(1)),
            ..opts(1)
        };
        let (out, summary) = collect(items, &o, &AtomicBool::new(false));
        assert_eq!(out.len(), 2);
        for r in &out {
            assert_eq!(r.status, Status::TimedOut, "{r:?}");
            assert!(r.stats.is_none());
            assert!(r.error.as_deref().unwrap().contains("time limit"), "{r:?}");
        }
        assert_eq!(summary.timed_out, 2);
    }

    #[test]
    fn a_cancelled_batch_reports_nothing_unfinished() {
        let items = (0..50)
            .map(|i| item(i, goog_path(), params("sma-cross", &[])))
            .collect();
        let (out, summary) = collect(items, &opts(2), &AtomicBool::new(true));
        assert!(out.is_empty(), "{out:?}");
        assert!(summary.interrupted);
        assert_eq!(summary.not_finished, 50);
    }
}
