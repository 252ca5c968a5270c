//! Parameter sweeps: a lazy walk over the grid ([`super::grid`]) in a fixed order, parallel
//! runs on the shared worker pool with a per-run timeout, each result handed on as it finishes
//! and ranked ([`super::ranking`]) so only the best `top` stay in memory. A sweep can be one
//! shard of N (a stable hash of each point's id); shards' reports carry the work's hash and
//! merge ([`super::merge`]) into exactly the unsharded report.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use super::engine::RunError;
use super::grid::{Grid, WalkProgress};
use super::ranking::{Collector, Ranking};
use super::results::{point_result, PointResult, SweepReport};
use super::strategy::{Num, Params};
use super::{backtest_in, Prepared, Settings};
use crate::market::Bars;
use crate::pool::{self, Done};
use crate::shard::fnv1a;
pub use crate::shard::{work_hash, Partition, PartitionError};

/// A shard that cannot be told from its text and the scheduler's variables.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{text}: {error}")]
pub struct ShardError {
    pub text: String,
    pub error: PartitionError,
}

/// `K/N`, or `N` with K from the scheduler's variables (looked up in `env`).
pub fn parse_shard(
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Partition, ShardError> {
    Partition::parse(text, env).map_err(|error| ShardError {
        text: text.to_string(),
        error,
    })
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
        shard_task: shard.and_then(|s| s.from.map(|_| s.task())),
        strategy: grid.base.def.name.to_string(),
        data: bars.symbol.clone(),
        rank_by: opts.ranking.stat.to_string(),
        top: opts.ranking.top,
        summary,
        results,
        partial: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backtest::strategy::find;
    use crate::backtest::test_data::{goog, huge_grid as huge, sweep_options as opts};

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
}
