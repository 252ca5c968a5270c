//! Choosing the strategy of a run: a signals file, an expression strategy given as its four
//! condition texts, a built-in, or a named expression strategy (a `[backtest.strategies.NAME]`
//! table of velo.toml, passed down parsed), then its parameters: the defaults, the named
//! table's `params` under the `--param` values, each checked against its bounds.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::expr::{Program, RuleError};
use super::rules::{self, DefineError};
use super::signals::{SignalError, Signals};
use super::strategy::{self, AssignError, Params, StrategyDef, STRATEGIES};

/// A `[backtest.strategies.NAME]` table: an expression strategy and values of its `$params`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedStrategy {
    pub entry: Option<String>,
    pub exit: Option<String>,
    #[serde(alias = "short-entry")]
    pub short_entry: Option<String>,
    #[serde(alias = "short-exit")]
    pub short_exit: Option<String>,
    /// Values of its `$params` (the run's own values override them).
    #[serde(default)]
    pub params: BTreeMap<String, f64>,
}

/// What a run asks for.
#[derive(Debug, Clone, Copy)]
pub struct Choice<'a> {
    /// A signals file (wins over everything else).
    pub signals: Option<&'a Path>,
    /// Entry, exit, short entry and short exit conditions (any of them makes an expression
    /// strategy).
    pub exprs: [Option<&'a str>; 4],
    /// A built-in's or a named table's name.
    pub name: &'a str,
    /// `NAME=VALUE` parameter values.
    pub params: &'a [String],
}

/// Why the strategy cannot be had.
#[derive(Debug, thiserror::Error)]
pub enum ChoiceError {
    #[error(transparent)]
    Signals(#[from] SignalError),
    /// An expression given with the run does not parse or check.
    #[error(transparent)]
    Expr(RuleError),
    #[error(transparent)]
    Define(#[from] DefineError),
    /// A named table's expressions cannot make a strategy.
    #[error("[backtest.strategies.{name}]: {error}")]
    Named { name: String, error: DefineError },
    /// A named table's `params` do not fit its expressions.
    #[error("[backtest.strategies.{name}] params: {error}")]
    Preset {
        name: String,
        error: Box<AssignError>,
    },
    /// A `NAME=VALUE` of the run that does not fit.
    #[error(transparent)]
    Assign(Box<AssignError>),
    /// No built-in and no named table has this name: `names` are all there are.
    #[error("unknown strategy {name:?}")]
    Unknown {
        name: String,
        hint: Option<String>,
        names: Vec<String>,
    },
}

/// The strategy and its parameter values; `tables` are the `[backtest.strategies]` tables.
pub fn choose(
    choice: &Choice,
    tables: &BTreeMap<String, NamedStrategy>,
) -> Result<Params, ChoiceError> {
    let (def, preset) = if let Some(path) = choice.signals {
        let signals = Signals::read(path)?;
        let def = rules::define("signals", rules::Source::Signals(signals))?;
        (def, Vec::new())
    } else if choice.exprs.iter().any(Option::is_some) {
        let program = Program::compile(choice.exprs).map_err(ChoiceError::Expr)?;
        (expression("expression", program)?, Vec::new())
    } else if let Some(def) = strategy::find(choice.name) {
        (def, Vec::new())
    } else if let Some(t) = tables.get(choice.name) {
        let name = choice.name;
        let texts = [&t.entry, &t.exit, &t.short_entry, &t.short_exit].map(Option::as_deref);
        let def = Program::compile(texts)
            .map_err(DefineError::Expr)
            .and_then(|program| expression(name, program))
            .map_err(|error| ChoiceError::Named {
                name: name.to_string(),
                error,
            })?;
        (def, preset(&t.params, choice.params))
    } else {
        let name = choice.name;
        let mut names: Vec<&str> = STRATEGIES.iter().map(|s| s.name).collect();
        names.extend(tables.keys().map(String::as_str));
        let hint = crate::suggest::closest(name, names.iter().copied())
            .or_else(|| strategy::suggest(name))
            .map(str::to_string);
        return Err(ChoiceError::Unknown {
            name: name.to_string(),
            hint,
            names: names.into_iter().map(str::to_string).collect(),
        });
    };
    let mut p = Params::defaults(def);
    p.assign(&preset).map_err(|error| ChoiceError::Preset {
        name: def.name.to_string(),
        error: Box::new(error),
    })?;
    p.assign(choice.params)
        .map_err(|e| ChoiceError::Assign(Box::new(e)))?;
    Ok(p)
}

/// An expression strategy called `name`.
fn expression(name: &str, program: Program) -> Result<&'static StrategyDef, DefineError> {
    rules::define(name, rules::Source::Expr(Box::new(program)))
}

/// A named table's parameter values that the run's own `NAME=VALUE`s do not override.
fn preset(table: &BTreeMap<String, f64>, own: &[String]) -> Vec<String> {
    table
        .iter()
        .filter(|(k, _)| {
            !own.iter().any(|p| {
                p.split_once('=')
                    .is_some_and(|(n, _)| n.trim() == k.as_str())
            })
        })
        .map(|(k, v)| format!("{k}={v}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(entry: &str, params: &[(&str, f64)]) -> BTreeMap<String, NamedStrategy> {
        let t = NamedStrategy {
            entry: Some(entry.to_string()),
            exit: Some("close < sma(close, $n)".to_string()),
            params: params.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            ..NamedStrategy::default()
        };
        BTreeMap::from([("mine".to_string(), t)])
    }

    fn choice<'a>(name: &'a str, params: &'a [String]) -> Choice<'a> {
        Choice {
            signals: None,
            exprs: [None; 4],
            name,
            params,
        }
    }

    #[test]
    fn a_named_table_presets_params_under_the_runs_own() {
        let tables = named("close > sma(close, $n)", &[("n", 7.0)]);
        let p = choose(&choice("mine", &[]), &tables).unwrap();
        assert_eq!(p.def.name, "mine");
        assert_eq!(p.get("n"), Some(7.0));
        let own = ["n = 9".to_string()];
        let p = choose(&choice("mine", &own), &tables).unwrap();
        assert_eq!(p.get("n"), Some(9.0));
    }

    #[test]
    fn an_unknown_name_lists_built_ins_and_tables_with_a_hint() {
        let tables = named("close > sma(close, $n)", &[]);
        let Err(ChoiceError::Unknown { hint, names, .. }) = choose(&choice("mien", &[]), &tables)
        else {
            panic!("expected an unknown strategy");
        };
        assert_eq!(hint.as_deref(), Some("mine"));
        assert!(names.iter().any(|n| n == "mine"));
        assert!(names.iter().any(|n| n == STRATEGIES[0].name));
    }

    #[test]
    fn a_bad_table_or_preset_names_the_table() {
        let tables = named("close > > 1", &[]);
        let e = choose(&choice("mine", &[]), &tables).unwrap_err();
        assert!(
            matches!(e, ChoiceError::Named { ref name, .. } if name == "mine"),
            "{e:?}"
        );
        let tables = named("close > sma(close, $n)", &[("nope", 1.0)]);
        let e = choose(&choice("mine", &[]), &tables).unwrap_err();
        assert!(
            matches!(e, ChoiceError::Preset { ref name, .. } if name == "mine"),
            "{e:?}"
        );
    }

    #[test]
    fn expressions_win_over_the_name() {
        let mut c = choice("mine", &[]);
        c.exprs[0] = Some("close > open");
        let p = choose(&c, &BTreeMap::new()).unwrap();
        assert_eq!(p.def.name, "expression");
        c.exprs[0] = Some("close >");
        assert!(matches!(
            choose(&c, &BTreeMap::new()),
            Err(ChoiceError::Expr(_))
        ));
    }
}
