//! Ranking: the order of results by a statistic, and the [`Collector`] that keeps only the
//! best `top` in memory (so a million-point grid runs in bounded memory) with the first
//! failures, counting everything.

// Comparison code reads best in the notation of the formulas (a, b, x, y).
#![allow(clippy::many_single_char_names)]

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::results::{PointResult, Status, Summary};
use super::stats::RANKABLE;

/// The most failed or timed-out runs a report lists one by one (all are counted).
pub const MAX_LISTED_FAILURES: usize = 100;

/// A name that is not a statistic results can be ranked by.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name:?} is not a statistic: use one of {}", RANKABLE.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", "))]
pub struct UnknownStat {
    pub name: String,
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
    pub fn by(name: &str, top: usize) -> Result<Self, UnknownStat> {
        RANKABLE
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(stat, higher_is_better)| Self {
                stat,
                higher_is_better,
                top,
            })
            .ok_or_else(|| UnknownStat {
                name: name.to_string(),
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
