//! What backtest's errors say on the command line: the domain's typed errors (which know no
//! flag) worded with the flags that caused them. A message whose domain wording needs no flag
//! is the domain's as it is; the others add the flag in front (`--grid "x" is empty: …`) or
//! are written here whole where the flag stands inside the sentence.

use anyhow::anyhow;

use super::SweepArgs;
use crate::backtest::grid::{AxisError, ConstraintError, GridError};
use crate::backtest::merge::MergeError;
use crate::backtest::ranking::UnknownStat;
use crate::backtest::strategy::{fmt_num, AssignError};
use crate::backtest::sweep::ShardError;
use crate::backtest::walk::{ShortTrain, WalkError, WalkSpec};
use crate::backtest::BacktestError;

/// A `--param NAME=VALUE` that cannot be made.
pub fn assign(e: AssignError) -> anyhow::Error {
    match e {
        AssignError::NoValue {
            item,
            name,
            default,
        } => anyhow!(
            "--param {item:?} has no value: write NAME=VALUE, e.g. --param {name}={}",
            fmt_num(default)
        ),
        AssignError::Unknown(e) => anyhow::Error::new(e),
        e => anyhow!("--param {e}"),
    }
}

/// The work could not be done.
pub fn backtest(e: BacktestError, flags: &SweepArgs) -> anyhow::Error {
    match e {
        BacktestError::Grid(e) => grid(e, flags),
        BacktestError::Walk(e) => walk(&e),
        e => anyhow::Error::new(e),
    }
}

/// A grid of `--grid` and `--constraint` flags (`flags`) that cannot be run.
pub fn grid(e: GridError, flags: &SweepArgs) -> anyhow::Error {
    match e {
        GridError::Axis(AxisError::Unknown(e)) => anyhow::Error::new(e),
        GridError::Axis(e) => anyhow!("--grid {e}"),
        GridError::Constraint(ConstraintError::Chain { text }) => anyhow!(
            "--constraint {text:?} compares more than two things: give one comparison per --constraint (repeat the flag)"
        ),
        GridError::Constraint(e) => anyhow!("--constraint {e}"),
        GridError::TooManyAxes {
            axes,
            strategy,
            params,
        } => anyhow!("--grid is given {axes} times: {strategy} has {params} parameters"),
        GridError::Twice {
            name,
            first,
            second,
        } => anyhow!(
            "--grid names {name} twice ({first} and {second}): give one range or list per parameter"
        ),
        GridError::FixedAndSwept {
            name,
            assignment,
            axis,
        } => anyhow!(
            "--param {assignment} and --grid {axis} both set {name}: a swept parameter takes its values from the grid; drop the --param (or drop the --grid to fix {name})"
        ),
        GridError::Empty { never } => {
            let why = never.map_or_else(
                || {
                    format!(
                        "no point of {} satisfies {}",
                        flags.grid.join(" "),
                        flags.constraint.join(" and ")
                    )
                },
                |c| {
                    format!(
                        "--constraint {c:?} holds for no point (it compares values that do not change)"
                    )
                },
            );
            anyhow!("the grid is empty: {why}: widen the ranges or loosen the constraints")
        }
        GridError::BreaksRule { broken, a, b } => {
            anyhow!("{broken} (a point of the grid): add --constraint '{a}<{b}' or narrow --grid")
        }
        e @ (GridError::TooBig { .. } | GridError::Params(_)) => anyhow::Error::new(e),
    }
}

/// `--walk-forward`'s value (for clap, which prints it after its own words).
pub fn walk_spec(text: &str) -> Result<WalkSpec, String> {
    WalkSpec::parse(text).map_err(|e| format!("--walk-forward {e}"))
}

/// A walk-forward that cannot run.
pub fn walk(e: &WalkError) -> anyhow::Error {
    anyhow!("--walk-forward {e}")
}

/// The note of a train window too short for part of the grid.
pub fn short_train(note: &ShortTrain) -> String {
    format!("--walk-forward {note}")
}

pub fn rank_by(e: &UnknownStat) -> anyhow::Error {
    anyhow!("--rank-by {e}")
}

pub fn shard(e: &ShardError) -> anyhow::Error {
    anyhow!("--shard {e}")
}

/// Shards that cannot be merged: what to run, or `--allow-partial`.
pub fn merge(e: MergeError) -> anyhow::Error {
    let hint = match &e {
        MergeError::NotAResult { .. } => " (the --format json output of a --shard K/N run)",
        MergeError::NotAShard { .. } => ": run the sweep with --shard K/N --format json",
        MergeError::Interrupted { .. } | MergeError::Missing { .. } => {
            " (or merge with --allow-partial)"
        }
        _ => return anyhow::Error::new(e),
    };
    let message = format!("{e}{hint}");
    anyhow::Error::new(e).context(message)
}
