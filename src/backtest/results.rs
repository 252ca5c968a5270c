//! What a sweep reports: each run's result ([`PointResult`]), the counts ([`Summary`]) and the
//! report of a whole sweep, universe or merge ([`SweepReport`]), also a shard's partial result.

use serde::{Deserialize, Serialize};

use super::engine::RunError;
use super::stats::Stats;
use super::strategy::{ParamMap, Params};

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
    /// How the scheduler named the shard (`SLURM_ARRAY_TASK_ID=2`) when K came from its
    /// variable; merges name missing and duplicate shards so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard_task: Option<String>,
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
