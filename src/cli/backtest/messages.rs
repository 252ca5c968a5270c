//! What backtest's errors say on the command line: the domain's typed errors (which know no
//! flag) worded with the flags that caused them. A message whose domain wording needs no flag
//! is the domain's as it is; the others add the flag in front (`--grid "x" is empty: …`) or
//! are written here whole where the flag stands inside the sentence.

use anyhow::anyhow;

use super::SweepArgs;
use crate::backtest::choice::ChoiceError;
use crate::backtest::expr::RuleError;
use crate::backtest::grid::{AxisError, ConstraintError, GridError};
use crate::backtest::merge::MergeError;
use crate::backtest::ranking::UnknownStat;
use crate::backtest::rules::DefineError;
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

/// A strategy that cannot be had: expressions with their flag, a named table with its place
/// in velo.toml, an unknown name with the ways to give one.
pub fn choice(e: ChoiceError) -> anyhow::Error {
    match e {
        ChoiceError::Expr(e) => expr(&e),
        ChoiceError::Named { name, error } => {
            let e = match error {
                DefineError::Expr(e) => expr(&e),
                e @ DefineError::TooManyParams { .. } => anyhow::Error::new(e),
            };
            anyhow!("[backtest.strategies.{name}] in velo.toml: {e}")
        }
        ChoiceError::Preset { name, error } => {
            anyhow!("[backtest.strategies.{name}] params in velo.toml: {error}")
        }
        ChoiceError::Assign(e) => assign(*e),
        ChoiceError::Unknown { name, hint, names } => {
            let hint = hint
                .map(|s| format!("did you mean {s}? "))
                .unwrap_or_default();
            anyhow!(
                "unknown strategy {name:?}: {hint}use one of {} (or your own with --entry/--exit, or a [backtest.strategies.NAME] table in velo.toml)",
                names.join(", ")
            )
        }
        e => anyhow::Error::new(e),
    }
}

/// An expression that does not parse or check: the flag it came from, then the domain's
/// message with the text and a caret.
pub fn expr(e: &RuleError) -> anyhow::Error {
    let text = e.to_string();
    anyhow!("--{}{}", e.rule.replace('_', "-"), &text[e.rule.len()..])
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

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::*;
    use crate::backtest::grid::Grid;
    use crate::backtest::merge::merge_files;
    use crate::backtest::strategy::{find, Params};
    use crate::cli::{format_chain, Cli, Command};

    fn sweep_flags(argv: &[&str]) -> SweepArgs {
        let mut all = vec!["velo", "backtest", "x.csv", "--strategy", "sma-cross"];
        all.extend_from_slice(argv);
        match Cli::try_parse_from(all).unwrap().command {
            Command::Backtest(backtest) => backtest.sweep,
            _ => unreachable!(),
        }
    }

    /// The message of the grid of `argv` over `strategy`, as the command says it.
    fn grid_message(strategy: &str, params: &[&str], argv: &[&str]) -> String {
        let flags = sweep_flags(argv);
        let mut base = Params::defaults(find(strategy).unwrap());
        let params: Vec<String> = params.iter().map(|p| (*p).to_string()).collect();
        if let Err(e) = base.assign(&params) {
            return format_chain(&assign(e));
        }
        let e = Grid::parse(&base, &flags.grid, &flags.constraint, &params).unwrap_err();
        format_chain(&grid(e, &flags))
    }

    #[test]
    fn grid_and_param_errors_name_their_flags() {
        let cases: &[(&str, &[&str], &[&str], &str)] = &[
            ("sma-cross", &["fast"], &[], "--param \"fast\" has no value: write NAME=VALUE, e.g. --param fast=10"),
            ("sma-cross", &["fast=x"], &[], "--param \"fast=x\": \"x\" is not a number"),
            ("sma-cross", &["fast=0"], &[], "--param fast=0: sma-cross parameter fast=0 is out of range: use 1 to 100000 (fast SMA period (bars))"),
            ("sma-cross", &["fats=3"], &[], "sma-cross has no parameter \"fats\": did you mean fast? its parameters are fast, slow"),
            ("sma-cross", &[], &["--grid", "fast=9..5"], "--grid \"fast=9..5\" is empty: END (5) is below START (9)"),
            ("sma-cross", &[], &["--grid", "fast=5..9:0.5"], "--grid fast=5..9:0.5: sma-cross parameter fast=5.5 must be a whole number of bars: narrow the range or change the step"),
            ("sma-cross", &[], &["--grid", "fats=1..5"], "sma-cross has no parameter \"fats\": did you mean fast? its parameters are fast, slow"),
            ("sma-cross", &[], &["--grid", "fast=1..5", "--grid", "fast=2..6"], "--grid names fast twice (fast=1..5 and fast=2..6): give one range or list per parameter"),
            ("sma-cross", &[], &["--grid", "fast=1..2", "--grid", "slow=3..4", "--grid", "fast=5..6", "--grid", "slow=7..8"], "--grid is given 4 times: sma-cross has 2 parameters"),
            ("sma-cross", &["fast=3"], &["--grid", "fast=5..9"], "--param fast=3 and --grid fast=5..9 both set fast: a swept parameter takes its values from the grid; drop the --param (or drop the --grid to fix fast)"),
            ("sma-cross", &[], &["--grid", "fast=5..9", "--constraint", "fast<slow<20"], "--constraint \"fast<slow<20\" compares more than two things: give one comparison per --constraint (repeat the flag)"),
            ("sma-cross", &[], &["--grid", "fast=5..9", "--constraint", "fats<slow"], "--constraint \"fats<slow\": sma-cross has no parameter \"fats\": did you mean fast? its parameters are fast, slow"),
            ("sma-cross", &[], &["--grid", "fast=5..9", "--constraint", "slow>50"], "the grid is empty: --constraint \"slow>50\" holds for no point (it compares values that do not change): widen the ranges or loosen the constraints"),
            ("sma-cross", &[], &["--grid", "fast=5..9", "--grid", "slow=10..20", "--constraint", "fast>slow"], "the grid is empty: no point of fast=5..9 slow=10..20 satisfies fast>slow: widen the ranges or loosen the constraints"),
            ("macd", &[], &["--grid", "fast=5..30", "--grid", "slow=10..20"], "macd needs fast < slow (got fast=10 slow=10) (a point of the grid): add --constraint 'fast<slow' or narrow --grid"),
        ];
        for (strategy, params, argv, want) in cases {
            assert_eq!(grid_message(strategy, params, argv), *want, "{argv:?}");
        }
    }

    #[test]
    fn walk_forward_errors_and_notes_name_the_flag() {
        let e = walk_spec("train=5").unwrap_err();
        assert_eq!(
            e,
            "--walk-forward \"train=5\" needs both train=N and test=M (bars)"
        );
        let flags = sweep_flags(&["--grid", "fast=10..20:5", "--grid", "slow=60..300:60"]);
        let base = Params::defaults(find("sma-cross").unwrap());
        let g = Grid::parse(&base, &flags.grid, &flags.constraint, &[]).unwrap();
        let spec = WalkSpec::parse("train=50,test=10").unwrap();
        let e = crate::backtest::walk::check_train(&g, spec).unwrap_err();
        assert!(format_chain(&walk(&e)).starts_with("--walk-forward train=50 is shorter than the strategy's warm-up: sma-cross fast=10 slow=60 (the grid's shortest periods) needs 62 bars"));
        let spec = WalkSpec::parse("train=100,test=10").unwrap();
        let note = crate::backtest::walk::check_train(&g, spec)
            .unwrap()
            .unwrap();
        assert!(short_train(&note).starts_with(
            "--walk-forward train=100 is shorter than the warm-up of part of the grid"
        ));
    }

    #[test]
    fn merge_errors_say_which_flag_helps_once() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("part.json");
        std::fs::write(&file, "not json").unwrap();
        let text = format_chain(&merge(
            merge_files(std::slice::from_ref(&file), false).unwrap_err(),
        ));
        let name = file.display();
        assert_eq!(
            text,
            format!("{name}: not a backtest sweep result (the --format json output of a --shard K/N run)\n  caused by: expected ident at line 1 column 2")
        );
        let missing = dir.path().join("missing.json");
        let text = format_chain(&merge(
            merge_files(std::slice::from_ref(&missing), false).unwrap_err(),
        ));
        assert!(
            text.starts_with(&format!("cannot read {}\n  caused by: ", missing.display())),
            "{text}"
        );
    }
}
