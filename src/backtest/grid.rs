//! Parameter grids: axes (`fast=5..49:1`, `k=1,1.5,2`), constraints (`fast<slow`) and the lazy
//! walk over the points that satisfy them. Nothing here counts or stores the grid: an axis is a
//! formula (start, step, count) or a short list, the grid's size is the product of its axes,
//! and the walk generates one point at a time in a fixed order (the last axis fastest), skipping
//! whole blocks a constraint rules out (a range of one axis bounded by another is found by
//! binary search, not by trying each value), so a grid of 10^10 points starts at once and
//! stops the moment it is told to.

// Formula code reads best in the notation of the formulas (a, b, k, v, x).
#![allow(clippy::many_single_char_names)]

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

pub use super::axis::{Axis, AxisError, Constraint, ConstraintError};
use super::axis::{Op, Operand};
use super::strategy::{fmt_num, ParamError, Params, MAX_PARAMS};

/// How far [`Grid::parse`] looks for a first point and for a point that breaks the
/// strategy's rules: a few milliseconds, enough to settle any grid whose constraints bound one
/// axis by another; a grid too tangled to tell is walked lazily instead (its invalid points are
/// errors, its emptiness is known at the end).
pub const PROBE_STEPS: u64 = 1 << 20;

/// Why a grid cannot be run.
#[derive(Debug, Clone, thiserror::Error)]
pub enum GridError {
    #[error(transparent)]
    Axis(#[from] AxisError),
    #[error(transparent)]
    Constraint(#[from] ConstraintError),
    /// More axes than the strategy has parameters.
    #[error("{axes} axes for {strategy}, which has {params} parameters")]
    TooManyAxes {
        axes: usize,
        strategy: &'static str,
        params: usize,
    },
    #[error("{name} is swept twice ({first} and {second}): give one range or list per parameter")]
    Twice {
        name: &'static str,
        first: String,
        second: String,
    },
    #[error("the grid has {} points, more than can be numbered ({}): use larger steps", .sizes.iter().map(u64::to_string).collect::<Vec<_>>().join(" × "), u64::MAX)]
    TooBig { sizes: Vec<u64> },
    /// A parameter both fixed by an assignment and swept by an axis.
    #[error("{name} is both fixed ({assignment}) and swept ({axis}): a swept parameter takes its values from the grid")]
    FixedAndSwept {
        name: String,
        assignment: String,
        axis: String,
    },
    /// The parameters of a grid without axes (its one point).
    #[error(transparent)]
    Params(#[from] ParamError),
    /// No point satisfies the constraints; `never` is the constraint that rules every point
    /// out on its own, if one does.
    #[error("the grid is empty: {}: widen the ranges or loosen the constraints", .never.as_ref().map_or_else(|| "no point satisfies the constraints".to_string(), |c| format!("the constraint {c:?} holds for no point (it compares values that do not change)")))]
    Empty { never: Option<String> },
    /// A point of the grid breaks the strategy's rule `a < b`.
    #[error("{broken} (a point of the grid): constrain the grid to {a}<{b} or narrow it")]
    BreaksRule {
        broken: ParamError,
        a: &'static str,
        b: &'static str,
    },
}

/// The other side of a check made at one axis's level.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Other {
    Const(f64),
    /// The value chosen for an earlier axis (by position in `axes`).
    Axis(usize),
}

/// `value of this axis OP other`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Check {
    op: Op,
    other: Other,
}

/// The constraints compiled against the axes: a range of positions per axis that no point
/// outside of can satisfy them, and the checks each axis's value must pass given the values
/// of the axes before it.
#[derive(Debug, Clone, Default)]
struct Plan {
    /// Points before constraints (the product of the axes).
    size: u64,
    /// Position `k` of axis `j` contributes `k·stride[j]` to a point's index.
    stride: [u64; MAX_PARAMS],
    lo: [u64; MAX_PARAMS],
    hi: [u64; MAX_PARAMS],
    checks: [Vec<Check>; MAX_PARAMS],
    /// A constraint that no point satisfies whatever the axes hold (its text).
    never: Option<String>,
}

/// A grid: the base parameters, the swept axes (the last one varies fastest) and constraints.
#[derive(Debug, Clone)]
pub struct Grid {
    pub base: Params,
    pub axes: Vec<Axis>,
    pub constraints: Vec<Constraint>,
    plan: Plan,
}

/// What a bounded search of the grid found.
#[derive(Debug, Clone, Copy)]
pub enum Probe {
    /// A point (its index and parameters).
    Found(u64, Params),
    /// No point at all.
    Empty,
    /// The search ran out of steps before it could tell.
    Unknown,
}

/// How far a walk has gone, shared with whoever shows progress (updated as points are made).
#[derive(Debug, Default)]
pub struct WalkProgress {
    reached: AtomicU64,
    points: AtomicU64,
    finished: AtomicBool,
}

impl WalkProgress {
    /// Grid positions (before constraints) passed so far.
    pub fn reached(&self) -> u64 {
        self.reached.load(Ordering::Relaxed)
    }

    /// Points made so far (they satisfy the constraints; every shard's).
    pub fn points(&self) -> u64 {
        self.points.load(Ordering::Relaxed)
    }

    /// Whether the walk reached the end of the grid.
    pub fn finished(&self) -> bool {
        self.finished.load(Ordering::Relaxed)
    }
}

impl Grid {
    pub fn new(
        base: Params,
        axes: Vec<Axis>,
        constraints: Vec<Constraint>,
    ) -> Result<Self, GridError> {
        if axes.len() > base.def.params.len() {
            return Err(GridError::TooManyAxes {
                axes: axes.len(),
                strategy: base.def.name,
                params: base.def.params.len(),
            });
        }
        for (i, a) in axes.iter().enumerate() {
            if let Some(b) = axes[..i].iter().find(|b| b.index == a.index) {
                return Err(GridError::Twice {
                    name: a.name,
                    first: b.text.clone(),
                    second: a.text.clone(),
                });
            }
        }
        let mut size: u64 = 1;
        for a in &axes {
            size = size.checked_mul(a.len()).ok_or_else(|| GridError::TooBig {
                sizes: axes.iter().map(Axis::len).collect(),
            })?;
        }
        let plan = Plan::new(&base, &axes, &constraints, size);
        Ok(Self {
            base,
            axes,
            constraints,
            plan,
        })
    }

    /// The grid of axes `grids` (`fast=5..49:1`) and constraints `constraints` (`fast<slow`)
    /// over `base` (whose assignments were `params`, `NAME=VALUE`: a swept parameter must not
    /// be among them), checked before any work: each value against its bounds, and, by a
    /// bounded search ([`PROBE_STEPS`]), that some point satisfies the constraints and that
    /// none breaks the strategy's own rules. Without axes, the one point `base`.
    pub fn parse(
        base: &Params,
        grids: &[String],
        constraints: &[String],
        params: &[String],
    ) -> Result<Self, GridError> {
        for g in grids {
            let name = g.split_once('=').map_or(g.as_str(), |(k, _)| k).trim();
            if let Some(p) = params
                .iter()
                .find(|p| p.split_once('=').is_some_and(|(k, _)| k.trim() == name))
            {
                return Err(GridError::FixedAndSwept {
                    name: name.to_string(),
                    assignment: p.clone(),
                    axis: g.clone(),
                });
            }
        }
        let axes = grids
            .iter()
            .map(|g| Axis::parse(base, g))
            .collect::<Result<Vec<_>, _>>()?;
        let cs = constraints
            .iter()
            .map(|c| Constraint::parse(base, c))
            .collect::<Result<Vec<_>, _>>()?;
        // An expression strategy's parameter has no default: it is given or swept.
        for (i, spec) in base.def.params.iter().enumerate() {
            if base.values[i].is_nan() && !axes.iter().any(|a| a.index == i) {
                return Err(GridError::Params(ParamError::Missing {
                    strategy: base.def.name,
                    name: spec.name,
                }));
            }
        }
        let grid = Self::new(*base, axes, cs)?;
        if grids.is_empty() {
            base.validate()?;
            return Ok(grid);
        }
        if let Probe::Empty = grid.probe(PROBE_STEPS) {
            return Err(GridError::Empty {
                never: grid.never().map(str::to_string),
            });
        }
        if let Probe::Found(_, p) = grid.probe_invalid(PROBE_STEPS) {
            let def = p.def;
            let rule = def
                .ordered()
                .iter()
                .find(|&&(x, y)| p.values[x] >= p.values[y]);
            // The point breaks a rule (that is what the probe looked for), so both are there.
            if let (Some(&(a, b)), Err(broken)) = (rule, p.validate()) {
                return Err(GridError::BreaksRule {
                    broken,
                    a: def.params[a].name,
                    b: def.params[b].name,
                });
            }
        }
        Ok(grid)
    }

    /// Points before constraints: the product of the axes' lengths.
    pub fn size(&self) -> u64 {
        self.plan.size
    }

    /// Every point that satisfies the constraints, with its index in the grid (its position
    /// before constraints), in index order.
    pub fn points(&self) -> Points<'_> {
        self.walk(None, None)
    }

    /// [`Self::points`], stopping (and returning `None`) as soon as `cancel` turns true, and
    /// recording how far it went in `progress`.
    pub fn walk<'a>(
        &'a self,
        cancel: Option<&'a AtomicBool>,
        progress: Option<&'a WalkProgress>,
    ) -> Points<'a> {
        Points {
            grid: self,
            idx: [0; MAX_PARAMS],
            hi: [0; MAX_PARAMS],
            values: self.base.values,
            state: State::Fresh,
            cancel,
            progress,
            steps: 0,
            budget: u64::MAX,
            out_of_steps: false,
        }
    }

    /// The point at `index` (a position before constraints), constraints not checked.
    pub fn point_at(&self, index: u64) -> Option<Params> {
        if index >= self.plan.size {
            return None;
        }
        let mut p = self.base;
        for (j, a) in self.axes.iter().enumerate() {
            p.values[a.index] = a.value(index / self.plan.stride[j] % a.len());
        }
        Some(p)
    }

    /// The first point, looking at most `budget` steps: enough to settle almost any grid at
    /// once; a grid whose constraints tangle so that it cannot be told gives `Unknown`.
    pub fn probe(&self, budget: u64) -> Probe {
        let mut w = self.walk(None, None);
        w.budget = budget;
        match w.next() {
            Some((k, p)) => Probe::Found(k, p),
            None if w.out_of_steps => Probe::Unknown,
            None => Probe::Empty,
        }
    }

    /// A point that satisfies the constraints but breaks the strategy's own rules (such as
    /// macd's fast < slow), looking at most `budget` steps per rule.
    pub fn probe_invalid(&self, budget: u64) -> Probe {
        let def = self.base.def;
        let mut unknown = false;
        for &(a, b) in def.ordered() {
            let mut constraints = self.constraints.clone();
            constraints.push(Constraint::breaking(
                (def.params[a].name, def.params[b].name),
                a,
                b,
            ));
            let Ok(g) = Self::new(self.base, self.axes.clone(), constraints) else {
                continue;
            };
            match g.probe(budget) {
                found @ Probe::Found(..) => return found,
                Probe::Unknown => unknown = true,
                Probe::Empty => {}
            }
        }
        if unknown {
            Probe::Unknown
        } else {
            Probe::Empty
        }
    }

    /// The constraint that rules every point out on its own, if one does.
    pub fn never(&self) -> Option<&str> {
        self.plan.never.as_deref()
    }

    /// The grid's points with the shortest and the longest warm-up (warm-ups grow with every
    /// period, so the axes' first and last values give them), constraints not applied.
    pub fn warmup_ends(&self) -> (Params, Params) {
        let (mut lo, mut hi) = (self.base, self.base);
        for a in &self.axes {
            lo.values[a.index] = a.value(0);
            hi.values[a.index] = a.value(a.len() - 1);
        }
        (lo, hi)
    }

    /// A canonical description: strategy, base values, axes and constraints.
    pub fn describe(&self) -> String {
        let mut s = self.base.def.name.to_string();
        for (name, v) in self.base.pairs() {
            s.push_str(&format!(" {name}={}", fmt_num(v)));
        }
        for a in &self.axes {
            s.push_str(" grid ");
            s.push_str(&a.describe());
        }
        for c in &self.constraints {
            s.push_str(&format!(" constraint {}", c.text));
        }
        s
    }
}

impl Plan {
    fn new(base: &Params, axes: &[Axis], constraints: &[Constraint], points: u64) -> Self {
        let mut plan = Self {
            size: points,
            ..Self::default()
        };
        let mut stride = 1;
        for (j, a) in axes.iter().enumerate().rev() {
            plan.stride[j] = stride;
            stride = stride.saturating_mul(a.len());
            plan.hi[j] = a.len();
        }
        let axis_of = |i: usize| axes.iter().position(|a| a.index == i);
        // Binary checks between two axes, for the bounds pass: (later, op, earlier).
        let mut pairs: Vec<(usize, Op, usize)> = Vec::new();
        for c in constraints {
            let side = |o: Operand| match o {
                Operand::Param(i) => match axis_of(i) {
                    Some(j) => Other::Axis(j),
                    None => Other::Const(base.values[i]),
                },
                Operand::Const(v) => Other::Const(v),
            };
            match (side(c.lhs), side(c.rhs)) {
                (Other::Const(a), Other::Const(b)) => {
                    if !c.op.holds(a, b) {
                        plan.never.get_or_insert_with(|| c.text.clone());
                    }
                }
                (Other::Axis(i), Other::Axis(j)) if i == j => {
                    if !c.op.holds(1.0, 1.0) {
                        plan.never.get_or_insert_with(|| c.text.clone());
                    }
                }
                (Other::Axis(j), Other::Const(x)) => plan.unary(axes, j, c.op, x),
                (Other::Const(x), Other::Axis(j)) => plan.unary(axes, j, c.op.flip(), x),
                (Other::Axis(i), Other::Axis(j)) => {
                    // Checked when the later axis gets its value.
                    let (later, op, earlier) = if i > j {
                        (i, c.op, j)
                    } else {
                        (j, c.op.flip(), i)
                    };
                    plan.checks[later].push(Check {
                        op,
                        other: Other::Axis(earlier),
                    });
                    if op != Op::Ne {
                        pairs.push((later, op, earlier));
                    }
                }
            }
        }
        plan.tighten(axes, &pairs);
        plan
    }

    /// `axis j OP x`: a range of positions, or (for `!=`) a value to skip.
    fn unary(&mut self, axes: &[Axis], j: usize, op: Op, x: f64) {
        let a = &axes[j];
        let (lo, hi) = (&mut self.lo[j], &mut self.hi[j]);
        match op {
            Op::Lt => *hi = (*hi).min(a.first_at_least(x)),
            Op::Le => *hi = (*hi).min(a.first_above(x)),
            Op::Gt => *lo = (*lo).max(a.first_above(x)),
            Op::Ge => *lo = (*lo).max(a.first_at_least(x)),
            Op::Eq => {
                *lo = (*lo).max(a.first_at_least(x));
                *hi = (*hi).min(a.first_above(x));
            }
            Op::Ne => self.checks[j].push(Check {
                op,
                other: Other::Const(x),
            }),
        }
    }

    /// Narrows each axis's range by the others' ranges until nothing changes (bounds
    /// consistency: `fast<slow` with slow at most 50 leaves fast below 50).
    fn tighten(&mut self, axes: &[Axis], pairs: &[(usize, Op, usize)]) {
        for _ in 0..64 {
            let before = (self.lo, self.hi);
            for &(j, op, i) in pairs {
                match op {
                    Op::Eq => {
                        self.narrow(axes, j, Op::Le, i);
                        self.narrow(axes, j, Op::Ge, i);
                    }
                    _ => self.narrow(axes, j, op, i),
                }
            }
            if (self.lo, self.hi) == before {
                return;
            }
        }
    }

    /// `v_j OP v_i` (OP one of `< <= > >=`): v_j within reach of v_i's range and the reverse.
    fn narrow(&mut self, axes: &[Axis], j: usize, op: Op, i: usize) {
        if self.lo[j] >= self.hi[j] || self.lo[i] >= self.hi[i] {
            return;
        }
        let (aj, ai) = (&axes[j], &axes[i]);
        let (min_j, max_j) = (aj.value(self.lo[j]), aj.value(self.hi[j] - 1));
        let (min_i, max_i) = (ai.value(self.lo[i]), ai.value(self.hi[i] - 1));
        match op {
            Op::Lt => {
                self.hi[j] = self.hi[j].min(aj.first_at_least(max_i));
                self.lo[i] = self.lo[i].max(ai.first_above(min_j));
            }
            Op::Le => {
                self.hi[j] = self.hi[j].min(aj.first_above(max_i));
                self.lo[i] = self.lo[i].max(ai.first_at_least(min_j));
            }
            Op::Gt => {
                self.lo[j] = self.lo[j].max(aj.first_above(min_i));
                self.hi[i] = self.hi[i].min(ai.first_at_least(max_j));
            }
            Op::Ge => {
                self.lo[j] = self.lo[j].max(aj.first_at_least(min_i));
                self.hi[i] = self.hi[i].min(ai.first_above(max_j));
            }
            Op::Eq | Op::Ne => {}
        }
    }

    fn empty(&self, axes: usize) -> bool {
        self.never.is_some() || (0..axes).any(|j| self.lo[j] >= self.hi[j])
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Fresh,
    Going,
    Done,
}

/// The lazy walk over a grid's points (see [`Grid::walk`]).
#[derive(Debug)]
pub struct Points<'a> {
    grid: &'a Grid,
    /// The current position on each axis, and the end of its allowed range.
    idx: [u64; MAX_PARAMS],
    hi: [u64; MAX_PARAMS],
    values: [f64; MAX_PARAMS],
    state: State,
    cancel: Option<&'a AtomicBool>,
    progress: Option<&'a WalkProgress>,
    steps: u64,
    budget: u64,
    out_of_steps: bool,
}

impl Points<'_> {
    fn cancelled(&self) -> bool {
        self.cancel.is_some_and(|c| c.load(Ordering::Relaxed))
    }

    /// The walk reached the end of the grid.
    fn finish(&mut self) {
        self.state = State::Done;
        if let Some(p) = self.progress {
            p.reached.store(self.grid.plan.size, Ordering::Relaxed);
            p.finished.store(true, Ordering::Relaxed);
        }
    }

    fn params(&self) -> Params {
        Params {
            values: self.values,
            ..self.grid.base
        }
    }

    /// Starts axis `j`'s range given the values chosen for the axes before it.
    fn enter(&mut self, j: usize) {
        let plan = &self.grid.plan;
        let a = &self.grid.axes[j];
        let (mut lo, mut hi) = (plan.lo[j], plan.hi[j]);
        for c in &plan.checks[j] {
            let Other::Axis(i) = c.other else { continue };
            let x = self.values[self.grid.axes[i].index];
            match c.op {
                Op::Lt => hi = hi.min(a.first_at_least(x)),
                Op::Le => hi = hi.min(a.first_above(x)),
                Op::Gt => lo = lo.max(a.first_above(x)),
                Op::Ge => lo = lo.max(a.first_at_least(x)),
                Op::Eq => {
                    lo = lo.max(a.first_at_least(x));
                    hi = hi.min(a.first_above(x));
                }
                Op::Ne => {}
            }
        }
        self.idx[j] = lo;
        self.hi[j] = hi;
    }

    /// Moves axis `j` to its next allowed value at or after its position; false when its
    /// range is used up.
    fn seek(&mut self, j: usize) -> bool {
        let a = &self.grid.axes[j];
        let checks = &self.grid.plan.checks[j];
        while self.idx[j] < self.hi[j] {
            let v = a.value(self.idx[j]);
            let ok = checks.iter().all(|c| {
                c.op != Op::Ne
                    || match c.other {
                        Other::Const(x) => Op::Ne.holds(v, x),
                        Other::Axis(i) => Op::Ne.holds(v, self.values[self.grid.axes[i].index]),
                    }
            });
            if ok {
                self.values[a.index] = v;
                return true;
            }
            self.idx[j] += 1;
        }
        false
    }
}

impl Iterator for Points<'_> {
    type Item = (u64, Params);

    fn next(&mut self) -> Option<Self::Item> {
        if self.state == State::Done {
            return None;
        }
        if self.cancelled() {
            self.state = State::Done;
            return None;
        }
        let grid = self.grid;
        let k = grid.axes.len();
        if grid.plan.empty(k) {
            self.finish();
            return None;
        }
        if k == 0 {
            self.finish();
            if let Some(p) = self.progress {
                p.points.fetch_add(1, Ordering::Relaxed);
            }
            return Some((0, grid.base));
        }
        let mut j;
        if self.state == State::Fresh {
            self.state = State::Going;
            j = 0;
            self.enter(0);
        } else {
            j = k - 1;
            self.idx[j] += 1;
        }
        loop {
            self.steps += 1;
            if self.steps >= self.budget {
                self.out_of_steps = true;
                self.state = State::Done;
                return None;
            }
            if self.steps % 4096 == 0 && self.cancelled() {
                self.state = State::Done;
                return None;
            }
            if self.seek(j) {
                if j + 1 == k {
                    let index: u64 = (0..k).map(|a| self.idx[a] * grid.plan.stride[a]).sum();
                    if let Some(p) = self.progress {
                        p.reached.store(index + 1, Ordering::Relaxed);
                        p.points.fetch_add(1, Ordering::Relaxed);
                    }
                    return Some((index, self.params()));
                }
                j += 1;
                self.enter(j);
            } else if j == 0 {
                self.finish();
                return None;
            } else {
                j -= 1;
                self.idx[j] += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backtest::strategy::find;
    use proptest::prelude::*;

    fn sma() -> Params {
        Params::defaults(find("sma-cross").expect("sma-cross"))
    }

    fn grid(base: Params, axes: &[&str], constraints: &[&str]) -> Result<Grid, GridError> {
        let axes = axes
            .iter()
            .map(|a| Axis::parse(&base, a))
            .collect::<Result<Vec<_>, _>>()?;
        let cs = constraints
            .iter()
            .map(|c| Constraint::parse(&base, c))
            .collect::<Result<Vec<_>, _>>()?;
        Grid::new(base, axes, cs)
    }

    /// The points by brute force: every raw index, decoded and checked.
    fn brute(g: &Grid) -> Vec<(u64, Vec<f64>)> {
        (0..g.size())
            .filter_map(|k| {
                let p = g.point_at(k)?;
                let ok = g.constraints.iter().all(|c| {
                    let v = |o: Operand| match o {
                        Operand::Param(i) => p.values[i],
                        Operand::Const(x) => x,
                    };
                    c.op.holds(v(c.lhs), v(c.rhs))
                });
                ok.then(|| (k, p.values.to_vec()))
            })
            .collect()
    }

    fn walked(g: &Grid) -> Vec<(u64, Vec<f64>)> {
        g.points().map(|(k, p)| (k, p.values.to_vec())).collect()
    }

    #[test]
    fn the_size_is_the_product_and_an_overflow_is_refused() {
        let g = grid(sma(), &["fast=1..100000", "slow=1..100000"], &[]).unwrap();
        assert_eq!(g.size(), 10_000_000_000);
        let rsi = Params::defaults(find("rsi").expect("rsi"));
        let e = grid(rsi, &["lower=0..100:1e-12", "upper=0..100:1e-12"], &[]).unwrap_err();
        assert!(matches!(e, GridError::TooBig { .. }), "{e}");
        assert!(e.to_string().contains("more than can be numbered"), "{e}");
    }

    #[test]
    fn a_huge_grid_starts_at_once() {
        let g = grid(sma(), &["fast=1..100000", "slow=1..100000"], &["fast<slow"]).unwrap();
        let first: Vec<(u64, Params)> = g.points().take(3).collect();
        assert_eq!(first.len(), 3);
        assert_eq!(first[0].1.values[..2], [1.0, 2.0]);
        assert_eq!(first[0].0, 1);
        // An empty corner is skipped by ranges, not tried value by value.
        let g = grid(
            sma(),
            &["fast=1..100000", "slow=1..100000"],
            &["fast>99990", "slow<fast", "slow>99998"],
        )
        .unwrap();
        let pts: Vec<_> = g.points().collect();
        assert_eq!(pts.len(), 1);
        assert_eq!(pts[0].1.values[..2], [100_000.0, 99_999.0]);
        let g = grid(
            sma(),
            &["fast=1..100000", "slow=1..100000"],
            &["fast>slow", "slow>fast"],
        )
        .unwrap();
        assert!(matches!(g.probe(1_000_000), Probe::Empty));
    }

    #[test]
    fn cancel_stops_the_walk_and_progress_says_how_far() {
        let g = grid(sma(), &["fast=1..100000", "slow=1..100000"], &[]).unwrap();
        let cancel = AtomicBool::new(false);
        let progress = WalkProgress::default();
        let mut w = g.walk(Some(&cancel), Some(&progress));
        assert!(w.next().is_some());
        assert!(w.next().is_some());
        assert_eq!((progress.reached(), progress.points()), (2, 2));
        cancel.store(true, Ordering::Relaxed);
        assert!(w.next().is_none());
        assert_eq!(w.count(), 0);
        assert!(!progress.finished());
        let all = WalkProgress::default();
        let small = grid(sma(), &["fast=1..10", "slow=1..10"], &["fast<slow"]).unwrap();
        assert_eq!(small.walk(None, Some(&all)).count(), 45);
        assert!(all.finished());
        assert_eq!((all.reached(), all.points()), (100, 45));
    }

    #[test]
    fn a_constant_constraint_that_fails_empties_the_grid() {
        let g = grid(sma(), &["fast=1..10"], &["slow>100"]).unwrap();
        assert_eq!(g.never(), Some("slow>100"));
        assert_eq!(g.points().count(), 0);
        let g = grid(sma(), &["fast=1..10"], &["fast<fast"]).unwrap();
        assert_eq!(g.points().count(), 0);
        let g = grid(sma(), &[], &[]).unwrap();
        assert_eq!(walked(&g), vec![(0, sma().values.to_vec())]);
    }

    #[test]
    fn a_strategy_rule_broken_by_a_point_is_found() {
        let macd = Params::defaults(find("macd").expect("macd"));
        let g = grid(macd, &["fast=5..20", "slow=10..30"], &[]).unwrap();
        let Probe::Found(_, p) = g.probe_invalid(1 << 20) else {
            panic!("fast=10 slow=10 breaks fast<slow");
        };
        assert!(p.values[0] >= p.values[1]);
        let g = grid(macd, &["fast=5..20", "slow=10..30"], &["fast<slow"]).unwrap();
        assert!(matches!(g.probe_invalid(1 << 20), Probe::Empty));
    }

    proptest! {
        /// The walk makes exactly the points brute force finds, in the same order.
        #[test]
        fn the_walk_equals_brute_force(
            a in 0i32..6, an in 1i32..8, ast in 1i32..3,
            b in 0i32..6, bn in 1i32..8,
            list in proptest::collection::vec(0i32..12, 1..5),
            ops in proptest::collection::vec((0usize..6, 0usize..3, 0usize..3, 0i32..12), 0..4),
        ) {
            let rsi = Params::defaults(find("rsi").expect("rsi"));
            let axes = [
                format!("n={}..{}:{}", a + 1, a + 1 + an * ast, ast),
                format!("lower={}..{}", b, b + bn),
                format!("upper={}", list.iter().map(i32::to_string).collect::<Vec<_>>().join(",")),
            ];
            let names = ["n", "lower", "upper"];
            let syms = ["<", "<=", ">", ">=", "==", "!="];
            let cs: Vec<String> = ops
                .iter()
                .map(|(o, l, r, c)| {
                    let rhs = if l == r { c.to_string() } else { names[*r].to_string() };
                    format!("{}{}{}", names[*l], syms[*o], rhs)
                })
                .collect();
            let axes: Vec<&str> = axes.iter().map(String::as_str).collect();
            let cs: Vec<&str> = cs.iter().map(String::as_str).collect();
            let g = grid(rsi, &axes, &cs).unwrap();
            prop_assert_eq!(walked(&g), brute(&g));
            let n = brute(&g).len();
            prop_assert_eq!(matches!(g.probe(u64::MAX), Probe::Empty), n == 0);
        }
    }
}
