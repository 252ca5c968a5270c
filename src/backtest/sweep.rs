//! Parameter sweeps: grids (`fast=5..49:1`), constraints (`fast<slow`), a lazy walk over the
//! grid in a fixed order, parallel runs on the shared worker pool with a per-run timeout, and a
//! ranking that keeps only the best `top` results in memory (so a million-point grid runs in
//! bounded memory). A sweep can be one shard of N (a stable hash of each point's id); shards'
//! reports carry the grid's hash and merge into exactly the unsharded report.

// Formula and geometry code reads best in the notation of the formulas (n, k, a, b, x, y).
#![allow(clippy::many_single_char_names)]

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::engine::RunError;
use super::grid::{Grid, WalkProgress};
use super::stats::{Stats, RANKABLE};
use super::strategy::{Num, ParamMap, Params};
use super::{backtest_in, Prepared, Settings};
use crate::market::Bars;
use crate::pool::{self, Done};
use crate::shard::fnv1a;
pub use crate::shard::Partition;

/// The most failed or timed-out runs a report lists one by one (all are counted).
pub const MAX_LISTED_FAILURES: usize = 100;

/// `--shard K/N`, or `N` with K from the scheduler's variables (looked up in `env`).
pub fn parse_shard(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Partition, String> {
    Partition::parse(text, env).map_err(|e| format!("--shard {text}: {e}"))
}

/// A point's id for sharding: `name=value,...` over all parameters.
pub fn point_id(p: &Params) -> String {
    let mut id = String::new();
    write_point_id(&mut id, p);
    id
}

/// [`point_id`] into `buf` (cleared first): the sweep's walk reuses one buffer for every
/// point, so deciding a point's shard allocates nothing.
fn write_point_id(buf: &mut String, p: &Params) {
    use std::fmt::Write as _;
    buf.clear();
    for (i, (n, v)) in p.pairs().enumerate() {
        let sep = if i == 0 { "" } else { "," };
        let _ = write!(buf, "{sep}{n}={}", Num(v));
    }
}

/// The hash that says two reports come from the same work: everything that decides results.
pub fn work_hash(parts: &[&str]) -> String {
    format!("{:016x}", fnv1a(parts.join("\u{1f}").as_bytes()))
}

/// A fingerprint of the bars (symbol, length, every timestamp and price).
pub fn bars_fingerprint(bars: &Bars) -> String {
    let mut bytes = Vec::with_capacity(bars.len() * 48);
    for i in 0..bars.len() {
        bytes.extend_from_slice(&bars.time[i].to_le_bytes());
        for v in [
            bars.open[i],
            bars.high[i],
            bars.low[i],
            bars.close[i],
            bars.volume[i],
        ] {
            bytes.extend_from_slice(&v.to_bits().to_le_bytes());
        }
    }
    format!("{}:{}:{:016x}", bars.symbol, bars.len(), fnv1a(&bytes))
}

/// How a run in a sweep ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Ok,
    TimedOut,
    Error,
}

/// One run of a sweep.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PointResult {
    /// The point's position in the grid (before constraints), for stable ordering.
    pub index: u64,
    /// Symbol (universe runs) or null.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub symbol: Option<String>,
    pub params: serde_json::Value,
    pub status: Status,
    pub stats: Option<Stats>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
}

/// What ranks results.
#[derive(Debug, Clone, Copy)]
pub struct Ranking {
    pub stat: &'static str,
    pub higher_is_better: bool,
    /// Keep this many; 0 keeps all.
    pub top: usize,
}

impl Ranking {
    /// `name` as a rankable statistic.
    pub fn by(name: &str, top: usize) -> Result<Self, String> {
        RANKABLE
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(stat, higher_is_better)| Self {
                stat,
                higher_is_better,
                top,
            })
            .ok_or_else(|| {
                let names: Vec<&str> = RANKABLE.iter().map(|(n, _)| *n).collect();
                format!(
                    "--rank-by {name:?} is not a statistic: use one of {}",
                    names.join(", ")
                )
            })
    }

    fn key(&self, r: &PointResult) -> Option<f64> {
        r.stats.as_ref().and_then(|s| s.get(self.stat))
    }

    /// Best first: defined values by the statistic, then undefined, ties by grid position.
    pub fn cmp(&self, a: &PointResult, b: &PointResult) -> Ordering {
        let by_value = match (self.key(a), self.key(b)) {
            (Some(x), Some(y)) => {
                let o = y.total_cmp(&x);
                if self.higher_is_better {
                    o
                } else {
                    o.reverse()
                }
            }
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        by_value
            .then_with(|| a.symbol.cmp(&b.symbol))
            .then_with(|| a.index.cmp(&b.index))
    }
}

/// Keeps the best `top` ok results and the first failures, counting everything.
pub struct Collector {
    ranking: Ranking,
    heap: BinaryHeap<Ranked>,
    all: Vec<PointResult>,
    failures: Vec<PointResult>,
    pub summary: Summary,
}

struct Ranked(PointResult, Ranking);

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Ranked {}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ranked {
    /// The worst result is the greatest, so the heap's top is the one to drop.
    fn cmp(&self, other: &Self) -> Ordering {
        self.1.cmp(&self.0, &other.0)
    }
}

/// Counts of a sweep.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Points of the grid before constraints: the product of its axes' lengths (of each
    /// symbol's grid, for a universe).
    #[serde(default)]
    pub grid_points: u64,
    /// Points of the whole grid that satisfy the constraints, over all shards (symbols, for a
    /// universe); when interrupted, those the sweep reached.
    pub combinations: u64,
    /// Runs that ended in this report (this shard's share).
    pub runs: u64,
    pub ok: u64,
    pub timed_out: u64,
    pub errors: u64,
    /// When interrupted: the grid points (before constraints) not reached plus the runs cut
    /// short, at least as many as the points not run (symbols not finished, for a universe).
    pub not_started: u64,
    /// The sweep stopped before its end (a signal): the results are those that finished.
    #[serde(default)]
    pub interrupted: bool,
}

impl Collector {
    pub fn new(ranking: Ranking) -> Self {
        Self {
            ranking,
            heap: BinaryHeap::new(),
            all: Vec::new(),
            failures: Vec::new(),
            summary: Summary::default(),
        }
    }

    pub fn push(&mut self, r: PointResult) {
        self.summary.runs += 1;
        match r.status {
            Status::Ok => self.summary.ok += 1,
            Status::TimedOut => self.summary.timed_out += 1,
            Status::Error => self.summary.errors += 1,
        }
        if r.status != Status::Ok {
            self.failures.push(r);
            if self.failures.len() > MAX_LISTED_FAILURES * 2 {
                self.trim_failures();
            }
            return;
        }
        if self.ranking.top == 0 {
            self.all.push(r);
            return;
        }
        self.heap.push(Ranked(r, self.ranking));
        if self.heap.len() > self.ranking.top {
            self.heap.pop();
        }
    }

    fn trim_failures(&mut self) {
        self.failures
            .sort_by(|a, b| a.symbol.cmp(&b.symbol).then(a.index.cmp(&b.index)));
        self.failures.truncate(MAX_LISTED_FAILURES);
    }

    /// The kept results: ok ones best first, then failures by grid position.
    pub fn finish(mut self) -> (Vec<PointResult>, Summary) {
        let mut ok: Vec<PointResult> = if self.ranking.top == 0 {
            std::mem::take(&mut self.all)
        } else {
            self.heap.drain().map(|r| r.0).collect()
        };
        let ranking = self.ranking;
        ok.sort_by(|a, b| ranking.cmp(a, b));
        self.trim_failures();
        ok.append(&mut self.failures);
        (ok, self.summary)
    }
}

/// A sweep's report (`--format json`), also a shard's partial result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SweepReport {
    /// `sweep` or `universe`.
    pub kind: String,
    pub velo_version: String,
    /// Hash of everything that decides the results (strategy, grid, settings, data).
    pub work_hash: String,
    /// `K/N` for a shard's partial result, null for a whole sweep.
    pub shard: Option<String>,
    pub strategy: String,
    /// The data: a file's symbol, or the folder of a universe.
    pub data: String,
    pub rank_by: String,
    pub top: usize,
    pub summary: Summary,
    pub results: Vec<PointResult>,
    /// A merge told to allow it: the shards missing or interrupted (`2/3 interrupted`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partial: Vec<String>,
}

/// How to run a sweep.
#[derive(Debug, Clone, Copy)]
pub struct SweepOptions {
    pub jobs: usize,
    pub timeout_per: Option<Duration>,
    pub ranking: Ranking,
    pub shard: Option<Partition>,
}

/// Runs every point of `grid` (this shard's share) over `bars`, calling `on_result` with each
/// result as it finishes (on the calling thread), and returns the report. The grid is walked
/// lazily as workers take points; `progress` says how far the walk has gone. When `cancel`
/// turns true no new point starts, the runs in flight stop, and the report holds what
/// finished (`summary.interrupted`).
pub fn sweep(
    bars: &Bars,
    grid: &Grid,
    settings: &Settings,
    opts: &SweepOptions,
    cancel: &AtomicBool,
    progress: &WalkProgress,
    on_result: &mut dyn FnMut(&PointResult),
) -> SweepReport {
    let shard = opts.shard;
    let mut id = String::new();
    let items = grid
        .walk(Some(cancel), Some(progress))
        .filter(move |(_, p)| {
            shard.is_none_or(|s| {
                write_point_id(&mut id, p);
                s.selects(&id)
            })
        });
    let mut collector = Collector::new(opts.ranking);
    let prep = Prepared::new(bars);
    let pool_opts = pool::Options {
        jobs: opts.jobs,
        item_timeout: opts.timeout_per,
        deadline: None,
    };
    // The pool names an item by its position in `items`; the points in flight are remembered
    // here (at most a few per worker) so that a timed-out one can be named.
    let inflight: Mutex<HashMap<usize, (u64, Params)>> = Mutex::new(HashMap::new());
    let items = items.enumerate().map(|(pos, point)| {
        inflight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(pos, point);
        point
    });
    let mut cut_short = 0u64;
    pool::run(
        items,
        &pool_opts,
        cancel,
        |ctx, (_, params)| {
            // Bounds were checked per axis; a strategy's own rule (macd's fast < slow) is
            // checked per point.
            params.validate().map_err(RunError::Invalid)?;
            backtest_in(&prep, bars, &params, settings, &|| ctx.expired()).map(|(rep, _)| rep.stats)
        },
        |pos, done| {
            let Some((index, params)) = inflight
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&pos)
            else {
                return;
            };
            let r = match done {
                Done::Ok(r) => r,
                Done::TimedOut { .. } => Err(RunError::Expired),
            };
            if matches!(r, Err(RunError::Expired)) && cancel.load(AtomicOrdering::SeqCst) {
                // Stopped by the interrupt, not by its time limit: not a result.
                cut_short += 1;
                return;
            }
            let result = point_result(index, None, &params, r);
            on_result(&result);
            collector.push(result);
        },
    );
    let interrupted = !progress.finished() || cut_short > 0;
    collector.summary.grid_points = grid.size();
    collector.summary.combinations = progress.points();
    collector.summary.interrupted = interrupted;
    collector.summary.not_started = if interrupted {
        grid.size().saturating_sub(progress.reached()) + cut_short
    } else {
        0
    };
    let (results, summary) = collector.finish();
    SweepReport {
        kind: "sweep".to_string(),
        velo_version: env!("CARGO_PKG_VERSION").to_string(),
        work_hash: String::new(),
        shard: shard.map(|s| s.to_string()),
        strategy: grid.base.def.name.to_string(),
        data: bars.symbol.clone(),
        rank_by: opts.ranking.stat.to_string(),
        top: opts.ranking.top,
        summary,
        results,
        partial: Vec::new(),
    }
}

/// The result of one point.
pub fn point_result(
    index: u64,
    symbol: Option<String>,
    params: &Params,
    r: Result<Stats, RunError>,
) -> PointResult {
    let params_json = serde_json::to_value(ParamMap(*params)).unwrap_or_default();
    match r {
        Ok(stats) => PointResult {
            index,
            symbol,
            params: params_json,
            status: Status::Ok,
            stats: Some(stats),
            error: None,
        },
        Err(RunError::Expired) => PointResult {
            index,
            symbol,
            params: params_json,
            status: Status::TimedOut,
            stats: None,
            error: None,
        },
        Err(e) => PointResult {
            index,
            symbol,
            params: params_json,
            status: Status::Error,
            stats: None,
            error: Some(e.to_string()),
        },
    }
}

/// What a universe reports as it goes.
#[derive(Debug, Clone, Copy)]
pub enum UniverseEvent<'a> {
    /// One backtest finished (a grid point of a symbol, or a symbol's one run).
    Run(&'a PointResult),
    /// A symbol is done: its result (its best point with a grid).
    Symbol(&'a PointResult),
}

/// Runs the strategy (or, with a grid, the whole grid) over every symbol of a universe and
/// ranks the symbols; with a grid each symbol's entry holds its best point. `load` reads one
/// input into its series (errors name file and line). Without a grid the symbols run in
/// parallel, one per worker, `timeout_per` bounding each; with one, the symbols run one after
/// another, each a parallel sweep of its grid (so a huge grid streams its points and stops at
/// once), `timeout_per` bounding each point.
pub fn universe<L>(
    inputs: &[String],
    load: L,
    grid: &Grid,
    settings: &Settings,
    opts: &SweepOptions,
    cancel: &AtomicBool,
    on_event: &mut dyn FnMut(UniverseEvent),
) -> SweepReport
where
    L: Fn(usize) -> Result<Vec<Bars>, String> + Sync,
{
    let shard = opts.shard;
    let selected = (0..inputs.len()).filter(|&i| shard.is_none_or(|s| s.selects(&inputs[i])));
    let mut collector = Collector::new(opts.ranking);
    let load_error = |i: usize, e: String| PointResult {
        index: i as u64,
        symbol: Some(inputs[i].clone()),
        params: serde_json::Value::Null,
        status: Status::Error,
        stats: None,
        error: Some(e),
    };
    let mut not_finished = 0u64;
    if grid.axes.is_empty() {
        let pool_opts = pool::Options {
            jobs: opts.jobs,
            item_timeout: opts.timeout_per,
            deadline: None,
        };
        let inflight: Mutex<HashMap<usize, usize>> = Mutex::new(HashMap::new());
        let items = selected.enumerate().map(|(pos, i)| {
            inflight
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(pos, i);
            i
        });
        let params = grid.base;
        // `None`: cut short by the interrupt.
        let stats = pool::run(
            items,
            &pool_opts,
            cancel,
            |ctx, i| -> Option<Vec<PointResult>> {
                let series = match load(i) {
                    Ok(s) => s,
                    Err(e) => return Some(vec![load_error(i, e)]),
                };
                let multi = series.len() > 1;
                let mut out = Vec::with_capacity(series.len());
                for bars in &series {
                    let r = super::backtest(bars, &params, settings, &|| ctx.expired())
                        .map(|(rep, _)| rep.stats);
                    if matches!(r, Err(RunError::Expired)) && ctx.cancelled() {
                        return None;
                    }
                    let symbol = if multi {
                        bars.symbol.clone()
                    } else {
                        inputs[i].clone()
                    };
                    out.push(point_result(i as u64, Some(symbol), &params, r));
                }
                Some(out)
            },
            |pos, done| {
                let Some(i) = inflight
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(&pos)
                else {
                    return;
                };
                let results = match done {
                    Done::Ok(Some(r)) => r,
                    Done::TimedOut { .. } if !cancel.load(AtomicOrdering::SeqCst) => {
                        vec![PointResult {
                            index: i as u64,
                            symbol: Some(inputs[i].clone()),
                            params: serde_json::Value::Null,
                            status: Status::TimedOut,
                            stats: None,
                            error: None,
                        }]
                    }
                    Done::Ok(None) | Done::TimedOut { .. } => {
                        not_finished += 1;
                        return;
                    }
                };
                for r in results {
                    on_event(UniverseEvent::Run(&r));
                    on_event(UniverseEvent::Symbol(&r));
                    collector.push(r);
                }
            },
        );
        not_finished += stats.not_started as u64;
    } else {
        let per_symbol = SweepOptions {
            ranking: Ranking {
                top: 1,
                ..opts.ranking
            },
            shard: None,
            ..*opts
        };
        let mut selected = selected.peekable();
        'symbols: while let Some(&i) = selected.peek() {
            if cancel.load(AtomicOrdering::SeqCst) {
                break;
            }
            let series = match load(i) {
                Ok(s) => s,
                Err(e) => {
                    let r = load_error(i, e);
                    on_event(UniverseEvent::Symbol(&r));
                    collector.push(r);
                    selected.next();
                    continue;
                }
            };
            let multi = series.len() > 1;
            let mut done = Vec::with_capacity(series.len());
            for bars in &series {
                let symbol = if multi {
                    bars.symbol.clone()
                } else {
                    inputs[i].clone()
                };
                let walk = WalkProgress::default();
                let report = sweep(bars, grid, settings, &per_symbol, cancel, &walk, &mut |r| {
                    let r = PointResult {
                        symbol: Some(symbol.clone()),
                        ..r.clone()
                    };
                    on_event(UniverseEvent::Run(&r));
                });
                if report.summary.interrupted {
                    // A symbol's best of a part of its grid is not its best: leave it out.
                    break 'symbols;
                }
                let best = report.results.into_iter().next().unwrap_or_else(|| {
                    load_error(
                        i,
                        "no point of the grid satisfies the constraints".to_string(),
                    )
                });
                done.push(PointResult {
                    index: i as u64,
                    symbol: Some(symbol),
                    ..best
                });
            }
            for r in done {
                on_event(UniverseEvent::Symbol(&r));
                collector.push(r);
            }
            selected.next();
        }
        not_finished += selected.count() as u64;
    }
    collector.summary.grid_points = grid.size();
    collector.summary.combinations = inputs.len() as u64;
    collector.summary.not_started = not_finished;
    collector.summary.interrupted = not_finished > 0;
    let (results, summary) = collector.finish();
    SweepReport {
        kind: "universe".to_string(),
        velo_version: env!("CARGO_PKG_VERSION").to_string(),
        work_hash: String::new(),
        shard: shard.map(|s| s.to_string()),
        strategy: grid.base.def.name.to_string(),
        data: String::new(),
        rank_by: opts.ranking.stat.to_string(),
        top: opts.ranking.top,
        summary,
        results,
        partial: Vec::new(),
    }
}

/// Why shard reports cannot be merged.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MergeError {
    #[error("{file}: not a partial result of a sharded sweep (it has no shard): run the sweep with --shard K/N --format json")]
    NotAShard { file: String },
    #[error("{file} is from other work than {first} ({what} differs: {theirs} vs {ours}): merge only the shards of one sweep")]
    Mismatch {
        file: String,
        first: String,
        what: &'static str,
        theirs: String,
        ours: String,
    },
    #[error("{file} and {other} are both shard {shard}")]
    Duplicate {
        file: String,
        other: String,
        shard: String,
    },
    #[error("{file} is an interrupted shard ({shard}: {not_started} grid points not run): run that shard again and merge its new result (or merge with --allow-partial)")]
    Interrupted {
        file: String,
        shard: String,
        not_started: u64,
    },
    #[error("missing shard(s) {missing} of {total}: run them and merge all {total} files (or merge with --allow-partial)")]
    Missing { missing: String, total: u32 },
    #[error("no files to merge")]
    Empty,
}

/// Merges shard reports (each with the file it came from) into the unsharded report. A
/// missing or interrupted shard is an error, unless `allow_partial`: then the report lists
/// them in `partial`.
pub fn merge(
    reports: Vec<(String, SweepReport)>,
    allow_partial: bool,
) -> Result<SweepReport, MergeError> {
    let Some((first_file, first)) = reports.first().cloned() else {
        return Err(MergeError::Empty);
    };
    let shard_of = |file: &str, r: &SweepReport| -> Result<Partition, MergeError> {
        r.shard
            .as_deref()
            .and_then(|s| Partition::parse(s, &|_| None).ok())
            .ok_or_else(|| MergeError::NotAShard {
                file: file.to_string(),
            })
    };
    let total = shard_of(&first_file, &first)?.total;
    let mut seen: Vec<Option<String>> = vec![None; total as usize];
    let ranking = Ranking::by(&first.rank_by, first.top).map_err(|_| MergeError::NotAShard {
        file: first_file.clone(),
    })?;
    let mut collector = Collector::new(ranking);
    let mut summary = Summary {
        grid_points: first.summary.grid_points,
        ..Summary::default()
    };
    let mut partial = Vec::new();
    for (file, r) in reports {
        let p = shard_of(&file, &r)?;
        let checks: [(&'static str, String, String); 6] = [
            ("kind", r.kind.clone(), first.kind.clone()),
            ("work hash", r.work_hash.clone(), first.work_hash.clone()),
            (
                "velo version",
                r.velo_version.clone(),
                first.velo_version.clone(),
            ),
            ("rank-by", r.rank_by.clone(), first.rank_by.clone()),
            ("top", r.top.to_string(), first.top.to_string()),
            ("shard count", p.total.to_string(), total.to_string()),
        ];
        for (what, theirs, ours) in checks {
            if theirs != ours {
                return Err(MergeError::Mismatch {
                    file,
                    first: first_file.clone(),
                    what,
                    theirs,
                    ours,
                });
            }
        }
        if r.summary.interrupted || r.summary.not_started > 0 {
            if !allow_partial {
                return Err(MergeError::Interrupted {
                    file,
                    shard: p.to_string(),
                    not_started: r.summary.not_started,
                });
            }
            partial.push(format!("{p} interrupted ({file})"));
            summary.interrupted = true;
        }
        // A shard that walked the whole grid counted every point.
        summary.combinations = summary.combinations.max(r.summary.combinations);
        let slot = &mut seen[(p.index - 1) as usize];
        if let Some(other) = slot {
            return Err(MergeError::Duplicate {
                file,
                other: other.clone(),
                shard: p.to_string(),
            });
        }
        *slot = Some(file);
        summary.runs += r.summary.runs;
        summary.ok += r.summary.ok;
        summary.timed_out += r.summary.timed_out;
        summary.errors += r.summary.errors;
        summary.not_started += r.summary.not_started;
        for x in r.results {
            collector.push(x);
        }
    }
    let missing: Vec<String> = seen
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(i, _)| format!("{}/{total}", i + 1))
        .collect();
    if !missing.is_empty() {
        if !allow_partial {
            return Err(MergeError::Missing {
                missing: missing.join(", "),
                total,
            });
        }
        partial.extend(missing.iter().map(|m| format!("{m} missing")));
        summary.interrupted = true;
    }
    let (results, _) = collector.finish();
    Ok(SweepReport {
        shard: None,
        summary,
        results,
        partial,
        ..first
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backtest::grid::{Axis, Grid};
    use crate::backtest::strategy::find;

    fn goog() -> Bars {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/backtest/GOOG.csv");
        crate::market::load_file(
            &path,
            &mut Vec::new(),
            crate::market::LoadOptions::default(),
        )
        .unwrap()
        .remove(0)
    }

    fn huge() -> Grid {
        let base = Params::defaults(find("sma-cross").unwrap());
        let axes = vec![
            Axis::parse(&base, "fast=1..100000").unwrap(),
            Axis::parse(&base, "slow=1..100000").unwrap(),
        ];
        Grid::new(base, axes, Vec::new()).unwrap()
    }

    fn opts() -> SweepOptions {
        SweepOptions {
            jobs: 2,
            timeout_per: None,
            ranking: Ranking::by("sharpe_ratio", 5).unwrap(),
            shard: None,
        }
    }

    #[test]
    fn a_point_id_is_its_parameters_as_written() {
        let mut p = Params::defaults(find("rsi").unwrap());
        p.values[1] = 25.5;
        assert_eq!(point_id(&p), "n=14,lower=25.5,upper=70");
    }

    #[test]
    fn a_cancelled_sweep_of_a_huge_grid_ends_with_what_finished() {
        let (bars, grid) = (goog(), huge());
        let cancel = AtomicBool::new(false);
        let walked = WalkProgress::default();
        let mut seen = 0u64;
        let report = sweep(
            &bars,
            &grid,
            &Settings::default(),
            &opts(),
            &cancel,
            &walked,
            &mut |_| {
                seen += 1;
                if seen == 50 {
                    cancel.store(true, AtomicOrdering::SeqCst);
                }
            },
        );
        let s = report.summary;
        assert!(s.interrupted);
        assert_eq!(s.runs, seen);
        assert!(s.runs >= 50);
        assert_eq!(s.grid_points, 10_000_000_000);
        assert!(s.not_started > 9_999_000_000, "{s:?}");
        assert_eq!(
            s.timed_out, 0,
            "runs stopped by the interrupt are not timeouts"
        );
        assert!(!walked.finished());
    }

    #[test]
    fn merge_refuses_an_interrupted_shard() {
        let (bars, grid) = (goog(), huge());
        let cancel = AtomicBool::new(true);
        let shard = |k| SweepOptions {
            shard: Some(Partition::new(k, 2).unwrap()),
            ..opts()
        };
        let run = |k| {
            let mut r = sweep(
                &bars,
                &grid,
                &Settings::default(),
                &shard(k),
                &cancel,
                &WalkProgress::default(),
                &mut |_| {},
            );
            r.work_hash = "w".to_string();
            r
        };
        let parts = || {
            vec![
                ("a.json".to_string(), run(1)),
                ("b.json".to_string(), run(2)),
            ]
        };
        let e = merge(parts(), false).unwrap_err();
        assert!(matches!(e, MergeError::Interrupted { .. }), "{e}");
        assert!(
            e.to_string()
                .starts_with("a.json is an interrupted shard (1/2: "),
            "{e}"
        );
        let m = merge(parts()[..1].to_vec(), true).unwrap();
        assert_eq!(m.partial, ["1/2 interrupted (a.json)", "2/2 missing"]);
        assert!(m.summary.interrupted);
    }
}
