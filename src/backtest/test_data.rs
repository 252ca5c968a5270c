//! Data the backtest domain's unit tests share: GOOG's bars (fixtures/backtest/), a grid too
//! big to run to its end, and sweep options.
#![allow(clippy::unwrap_used)]

use super::grid::{Axis, Grid};
use super::ranking::Ranking;
use super::strategy::{find, Params};
use super::sweep::SweepOptions;
use crate::market::Bars;

pub fn goog() -> Bars {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/backtest/GOOG.csv");
    crate::market::load_file(
        &path,
        &mut Vec::new(),
        crate::market::LoadOptions::default(),
    )
    .unwrap()
    .remove(0)
}

/// sma-cross over fast=1..100000 × slow=1..100000: 10^10 points.
pub fn huge_grid() -> Grid {
    let base = Params::defaults(find("sma-cross").unwrap());
    let axes = vec![
        Axis::parse(&base, "fast=1..100000").unwrap(),
        Axis::parse(&base, "slow=1..100000").unwrap(),
    ];
    Grid::new(base, axes, Vec::new()).unwrap()
}

/// Two workers, the best 5 by Sharpe ratio, no time limit, no shard.
pub fn sweep_options() -> SweepOptions {
    SweepOptions {
        jobs: 2,
        timeout_per: None,
        ranking: Ranking::by("sharpe_ratio", 5).unwrap(),
        shard: None,
    }
}
