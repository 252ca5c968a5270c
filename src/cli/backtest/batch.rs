//! `velo backtest batch SPECS.jsonl`: each line a JSON object whose keys are `velo backtest`'s
//! own long flags. A line is turned into the argument list of a single run and parsed by the
//! same clap arguments (`BacktestArgs`) and the same settings merge (`super::resolve`), so
//! every flag is a key with the same values, checks and messages; the keys that describe more
//! than one backtest (sweeps, output files, the batch's own settings) are refused by name.
//! The runs are the domain's (`backtest::batch::run`); each result is printed as a JSON line
//! as it finishes.

use std::any::TypeId;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::Context as _;
use clap::{ArgAction, Args, Command, FromArgMatches as _};
use serde_json::{Map, Value};

use super::{interrupt, resolve, workers, BacktestArgs, BacktestConfig, Context, Layer, LOAD};
use crate::backtest::batch::{self, BatchOptions, BatchSummary, Item, Spec};
use crate::cli::exit;
use crate::cli::settings::limit_duration_arg;
use crate::report;

pub(super) const LONG_ABOUT: &str = "\
Run a batch of backtests, one spec a line, on a pool of workers, and print each result as a JSON \
line as it finishes: one call instead of a process per backtest.

Each line of SPECS.jsonl (`-` for standard input) is one JSON object whose keys are the long \
flags of `velo backtest` (`-` or `_` both accepted), with the values the flags take: \
\"data\" (the CSV file of bars), \"strategy\", \"params\" (an object: {\"fast\": 10}), \"cash\", \
\"commission\" (a number or the flag's text, e.g. \"0.1%+1\"), \"size\", \"stop_loss\", … and \
switches as true or false (\"trade_on_close\": true); null is the same as leaving the key out. \
An optional \"id\" (any JSON value) is handed back with the result. Each spec is checked as its \
command line would be, under the same [backtest] table of velo.toml. Relative paths are \
relative to the folder of SPECS.jsonl (standard input: the working directory). Blank lines are \
skipped; each result names its line by its 0-based number.

Keys that describe more than one backtest are refused: sweeps (grid, constraint, walk_forward, \
shard, rank_by, top, results, heatmap: give each point its own line), the batch's own settings \
(jobs, timeout_per: flags of this command) and output files (format, trades, equity, report: \
run that spec alone for them).

Output, one line per spec in the order they finish: \
{\"type\":\"batch-result\",\"schema_version\":1,\"index\":0,\"id\":…,\"status\":\"ok\",\"stats\":{…}} \
with the statistics of `velo backtest --format json`, or \"status\":\"error\" or \"timed-out\" \
with an \"error\" message. A bad line (not JSON, an unknown key, a bad value, a missing or \
malformed data file) is its own error result; the others run. Each data file is read once for \
the whole batch, however many specs name it. A count of each status is written to stderr at \
the end. Ctrl-C or SIGTERM stops at once: the lines printed are whole results, and a spec that \
did not finish is not printed.";

pub(super) const AFTER_LONG_HELP: &str = "\
Examples:
  velo backtest batch specs.jsonl --jobs 4 --timeout-per 30s > results.jsonl
  printf '%s\\n' \\
    '{\"id\": \"a\", \"data\": \"GOOG.csv\", \"strategy\": \"sma-cross\", \"params\": {\"fast\": 10, \"slow\": 20}}' \\
    '{\"id\": \"b\", \"data\": \"GOOG.csv\", \"strategy\": \"rsi\", \"commission\": 0.002, \"long_only\": true}' \\
    | velo backtest batch -

Exit codes:
  0  every spec ran
  1  a spec failed (bad spec, data or parameters) or timed out
  2  the batch itself could not be run (SPECS unreadable, a bad flag or velo.toml)
  128+N  interrupted by signal N (the results that finished are printed first)";

/// Run a batch of backtest specs (JSON lines) on a pool of workers; a JSON result per spec.
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// The specs, one JSON object a line (`-` for standard input).
    #[arg(value_name = "SPECS.jsonl")]
    pub specs: PathBuf,

    /// Backtests at once; 0 for one per CPU [default: one per CPU].
    #[arg(short, long, value_name = "N", value_parser = crate::config::jobs::parse, allow_negative_numbers = true)]
    pub jobs: Option<usize>,

    /// Time limit of each spec's backtest (reading its data included), e.g. 500ms, 30s; 0 for no limit [default: none]. One that runs longer is a timed-out result and the others go on.
    #[arg(long, value_name = "DUR", value_parser = limit_duration_arg, allow_hyphen_values = true)]
    pub timeout_per: Option<Duration>,
}

/// The flags a spec may not use, each with why.
const REFUSED: &[(&[&str], &str)] = &[
    (
        &[
            "grid",
            "constraint",
            "walk-forward",
            "shard",
            "rank-by",
            "top",
            "results",
            "heatmap",
        ],
        "a spec is one backtest: sweep with `velo backtest FILE --grid …`, or give each point its own line",
    ),
    (
        &["jobs", "timeout-per"],
        "it is set for the whole batch: `velo backtest batch SPECS --jobs N --timeout-per DUR`",
    ),
    (
        &["format", "trades", "equity", "report"],
        "a batch prints each spec's statistics as a JSON line: run that spec alone with `velo backtest` for its files",
    ),
];

pub fn run(
    args: &BatchArgs,
    layer: &Layer,
    cfg: &BacktestConfig,
    ctx: &Context,
) -> anyhow::Result<u8> {
    let (jobs, timeout_per) = workers(layer, args.jobs, args.timeout_per, cfg)?;
    // The whole batch is read before any signal is deferred: Ctrl-C while a terminal or a
    // slow writer feeds it ends velo as any command.
    let (text, base) = read_specs(&args.specs)?;
    let name = args.specs.display().to_string();
    let mut specs = Specs::new(base, layer, cfg);
    let lines: Vec<(usize, &[u8])> = text
        .split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, line)| !line.trim_ascii().is_empty())
        .collect();
    if lines.is_empty() {
        ctx.ui
            .warn(&format!("{name} holds no specs: nothing to run"));
        return Ok(exit::SUCCESS);
    }
    let items = lines
        .into_iter()
        .map(move |(index, line)| specs.item(index, line));
    let opts = BatchOptions {
        jobs,
        timeout_per,
        load: LOAD,
    };
    let cancel = interrupt::defer();
    let mut write_error = None;
    let summary = batch::run(items, &opts, &cancel, &mut |result| {
        if write_error.is_some() {
            return;
        }
        let line = report::json::line("batch-result", result)
            .map_err(anyhow::Error::from)
            .and_then(|l| ctx.ui.out(&l).map_err(anyhow::Error::from));
        if let Err(e) = line {
            // Nowhere to put the results (a closed pipe): stop the batch.
            write_error = Some(e);
            cancel.store(true, Ordering::SeqCst);
        }
    });
    if let Some(e) = write_error {
        return Err(e.context("writing the results"));
    }
    ctx.ui.info(&summary_line(&summary));
    if summary.interrupted {
        ctx.ui.warn(&format!(
            "interrupted: the results are the {} specs that finished; {} did not and are not printed",
            summary.reported(),
            summary.not_finished
        ));
    }
    Ok(if summary.errors + summary.timed_out > 0 {
        exit::PROBLEMS
    } else {
        exit::SUCCESS
    })
}

fn summary_line(s: &BatchSummary) -> String {
    let files = if s.files == 1 { "file" } else { "files" };
    format!(
        "batch: {} ok, {} error, {} timed out of {} specs ({} data {files} read)",
        s.ok,
        s.errors,
        s.timed_out,
        s.reported() + s.not_finished,
        s.files
    )
}

/// The specs' bytes and the folder their relative paths start from (none: the working
/// directory).
fn read_specs(path: &Path) -> anyhow::Result<(Vec<u8>, Option<PathBuf>)> {
    if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("cannot read the specs from standard input")?;
        return Ok((bytes, None));
    }
    let bytes = crate::input_path::read_regular(path)
        .with_context(|| format!("{}: cannot read the specs", path.display()))?;
    let base = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf);
    Ok((bytes, base))
}

/// What a key of a spec is on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Takes {
    /// A switch: true or false.
    Switch,
    /// One value.
    Value,
    /// A repeatable flag: a value or an array of them.
    Values,
}

/// A flag of `velo backtest` as a spec's key.
#[derive(Debug)]
struct Flag {
    long: String,
    takes: Takes,
    /// A path, relative to the specs' folder.
    path: bool,
}

/// Turns spec lines into items: the single run's clap arguments and settings merge.
struct Specs<'a> {
    cmd: Command,
    flags: Vec<Flag>,
    base: Option<PathBuf>,
    layer: &'a Layer<'a>,
    cfg: &'a BacktestConfig,
}

impl<'a> Specs<'a> {
    fn new(base: Option<PathBuf>, layer: &'a Layer<'a>, cfg: &'a BacktestConfig) -> Self {
        use clap::Args as _;
        let cmd = BacktestArgs::augment_args(Command::new("backtest")).no_binary_name(true);
        let flags = cmd
            .get_arguments()
            .filter_map(|a| {
                let long = a.get_long()?.to_string();
                let takes = match a.get_action() {
                    ArgAction::SetTrue => Takes::Switch,
                    ArgAction::Append => Takes::Values,
                    _ => Takes::Value,
                };
                let path = a.get_value_parser().type_id() == TypeId::of::<PathBuf>();
                Some(Flag { long, takes, path })
            })
            .collect();
        Self {
            cmd,
            flags,
            base,
            layer,
            cfg,
        }
    }

    fn item(&mut self, index: usize, line: &[u8]) -> Item {
        let (id, spec) = match parse_object(line) {
            Ok(mut obj) => {
                let id = obj.remove("id").filter(|v| !v.is_null());
                (id, self.spec(obj))
            }
            Err(e) => (None, Err(e)),
        };
        Item { index, id, spec }
    }

    fn spec(&mut self, obj: Map<String, Value>) -> Result<Spec, String> {
        let mut argv: Vec<String> = Vec::new();
        let mut data = None;
        for (key, value) in obj {
            if value.is_null() {
                continue;
            }
            let norm = key.replace('_', "-");
            match norm.as_str() {
                "data" => data = Some(self.data(&key, &value)?),
                "params" | "param" => params(&key, &value, &mut argv)?,
                _ => {
                    if let Some((_, why)) =
                        REFUSED.iter().find(|(names, _)| names.contains(&&*norm))
                    {
                        return Err(format!("{key:?} cannot be given in a batch: {why}"));
                    }
                    let Some(flag) = self.flags.iter().find(|f| f.long == norm) else {
                        return Err(self.unknown(&key));
                    };
                    self.flag(&key, flag, &value, &mut argv)?;
                }
            }
        }
        let Some(data) = data else {
            return Err(
                "no \"data\": name the CSV file of bars, e.g. \"data\": \"GOOG.csv\"".to_string(),
            );
        };
        // After `--` the file is the run's path even if it is named like a subcommand.
        argv.push("--".to_string());
        argv.push(data.display().to_string());
        let matches = self
            .cmd
            .try_get_matches_from_mut(&argv)
            .map_err(|e| clap_message(&e))?;
        let mut parsed = BacktestArgs::from_arg_matches(&matches).map_err(|e| clap_message(&e))?;
        // A spec has no workers of its own (the key is refused): this spares the settings
        // merge a count of the CPUs per spec, a fifth of a batch's time.
        parsed.sweep.jobs = Some(1);
        let r = resolve(&parsed, self.layer, self.cfg).map_err(|e| format!("{e:#}"))?;
        Ok(Spec {
            data,
            params: r.params,
            settings: r.settings,
        })
    }

    fn data(&self, key: &str, value: &Value) -> Result<PathBuf, String> {
        let Value::String(text) = value else {
            return Err(format!(
                "{key:?} is the CSV file of bars, a string such as \"GOOG.csv\", not {}",
                kind(value)
            ));
        };
        if text == "-" {
            return Err(format!(
                "{key:?}: \"-\" (standard input) cannot be a spec's data: name a file"
            ));
        }
        Ok(self.relative(text))
    }

    /// A path of the spec, relative to the specs' folder.
    fn relative(&self, text: &str) -> PathBuf {
        let p = Path::new(text);
        match &self.base {
            Some(base) if p.is_relative() => base.join(p),
            _ => p.to_path_buf(),
        }
    }

    fn flag(
        &self,
        key: &str,
        flag: &Flag,
        value: &Value,
        argv: &mut Vec<String>,
    ) -> Result<(), String> {
        let long = &flag.long;
        match (flag.takes, value) {
            (Takes::Switch, Value::Bool(on)) => {
                if *on {
                    argv.push(format!("--{long}"));
                }
            }
            (Takes::Switch, v) => {
                return Err(format!(
                    "{key:?} is a switch: give true or false, not {}",
                    kind(v)
                ))
            }
            (Takes::Values, Value::Array(values)) => {
                for v in values {
                    argv.push(format!("--{long}={}", self.scalar(key, flag, v)?));
                }
            }
            (_, v) => argv.push(format!("--{long}={}", self.scalar(key, flag, v)?)),
        }
        Ok(())
    }

    /// One value of a flag, as the command line writes it.
    fn scalar(&self, key: &str, flag: &Flag, value: &Value) -> Result<String, String> {
        match value {
            Value::String(s) if flag.path => Ok(self.relative(s).display().to_string()),
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            v => Err(format!(
                "{key:?} takes a value as its flag --{} does (a string or a number), not {}",
                flag.long,
                kind(v)
            )),
        }
    }

    fn unknown(&self, key: &str) -> String {
        let underscores = key.contains('_');
        let mut names: Vec<String> =
            ["data", "params", "id"]
                .into_iter()
                .map(str::to_string)
                .chain(self.flags.iter().map(|f| f.long.clone()).filter(|l| {
                    l != "param" && !REFUSED.iter().any(|(n, _)| n.contains(&l.as_str()))
                }))
                .map(|n| if underscores { n.replace('-', "_") } else { n })
                .collect();
        names.sort();
        let hint = crate::suggest::closest(key, names.iter().map(String::as_str))
            .map(|s| format!("did you mean {s:?}? "))
            .unwrap_or_default();
        format!(
            "unknown key {key:?}: {hint}the keys are velo backtest's long flags: {}",
            names.join(", ")
        )
    }
}

/// `params`: an object of NAME: VALUE, or an array of "NAME=VALUE" (as --param takes them).
fn params(key: &str, value: &Value, argv: &mut Vec<String>) -> Result<(), String> {
    let text = |v: &Value| match v {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    };
    match value {
        Value::Object(map) => {
            for (name, v) in map {
                let v = text(v).ok_or_else(|| {
                    format!(
                        "{key:?}: {name:?} is {}: a parameter's value is a number",
                        kind(v)
                    )
                })?;
                argv.push(format!("--param={name}={v}"));
            }
        }
        Value::Array(items) => {
            for v in items {
                let Value::String(s) = v else {
                    return Err(format!(
                        "{key:?}: an array of parameters holds \"NAME=VALUE\" strings, not {}",
                        kind(v)
                    ));
                };
                argv.push(format!("--param={s}"));
            }
        }
        v => {
            return Err(format!(
                "{key:?} is an object of parameters, e.g. {{\"fast\": 10, \"slow\": 20}}, not {}",
                kind(v)
            ))
        }
    }
    Ok(())
}

/// A line as a JSON object.
fn parse_object(line: &[u8]) -> Result<Map<String, Value>, String> {
    let text = std::str::from_utf8(line).map_err(|e| {
        format!(
            "not UTF-8 text (a bad byte at column {}): save the specs as UTF-8",
            e.valid_up_to() + 1
        )
    })?;
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(obj)) => Ok(obj),
        Ok(v) => Err(format!(
            "a spec is a JSON object ({{\"data\": …, \"strategy\": …}}), not {}",
            kind(&v)
        )),
        Err(e) => Err(format!("not valid JSON: {e}")),
    }
}

/// What a JSON value is, for messages.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A clap error as one line: its sentence without the usage and the help hint.
fn clap_message(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let text = text.trim_start().strip_prefix("error:").unwrap_or(&text);
    let body = text
        .split("\n\nUsage:")
        .next()
        .unwrap_or_default()
        .split("\n\nFor more information")
        .next()
        .unwrap_or_default();
    body.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn spec(line: &str) -> Result<Spec, String> {
        let config = crate::config::Config::default();
        let layer = Layer::new(&config, "backtest");
        let cfg = BacktestConfig::default();
        let mut specs = Specs::new(Some(PathBuf::from("specs/dir")), &layer, &cfg);
        specs.item(0, line.as_bytes()).spec
    }

    fn err(line: &str) -> String {
        spec(line).unwrap_err()
    }

    #[test]
    fn keys_are_the_long_flags_with_either_separator() {
        let a = spec(r#"{"data": "GOOG.csv", "strategy": "rsi", "params": {"n": 10, "lower": 25}, "commission": 0.002, "trade_on_close": true, "long-only": true, "size": "50%", "stop_loss": "5%", "slippage_bps": 2}"#).unwrap();
        let b = spec(r#"{"slippage-bps": 2, "stop-loss": 0.05, "size": 0.5, "long_only": true, "trade-on-close": true, "commission": "0.2%", "params": ["lower=25", "n=10"], "strategy": "rsi", "data": "GOOG.csv", "cash": null}"#).unwrap();
        assert_eq!(a.settings, b.settings);
        assert_eq!(
            a.params.pairs().collect::<Vec<_>>(),
            b.params.pairs().collect::<Vec<_>>()
        );
        assert_eq!(a.data, Path::new("specs/dir/GOOG.csv"));
        assert!(a.settings.trade_on_close && a.settings.long_only);
        assert!((a.settings.commission.rate - 0.002).abs() < 1e-15);
        // false is the switch left out.
        let c = spec(r#"{"data": "/abs/GOOG.csv", "strategy": "rsi", "trade_on_close": false}"#)
            .unwrap();
        assert!(!c.settings.trade_on_close);
        assert_eq!(c.data, Path::new("/abs/GOOG.csv"));
    }

    #[test]
    fn a_bad_key_or_value_is_named() {
        let e = err(r#"{"data": "a.csv", "strategy": "rsi", "trade_on_clos": true}"#);
        assert!(
            e.contains(r#"unknown key "trade_on_clos": did you mean "trade_on_close"?"#),
            "{e}"
        );
        let e = err(r#"{"data": "a.csv", "strategy": "rsi", "cahs": 5}"#);
        assert!(e.contains(r#"did you mean "cash"?"#), "{e}");
        for key in ["grid", "timeout_per", "trades", "walk-forward", "format"] {
            let e = err(&format!(
                r#"{{"data": "a.csv", "strategy": "rsi", "{key}": "x"}}"#
            ));
            assert!(
                e.starts_with(&format!("{key:?} cannot be given in a batch")),
                "{e}"
            );
        }
        let e = err(r#"{"data": "a.csv", "strategy": "rsi", "cash": "lots"}"#);
        assert_eq!(
            e,
            "invalid value 'lots' for '--cash <AMOUNT>': invalid float literal"
        );
        let e = err(r#"{"data": "a.csv", "strategy": "rsi", "long_only": "yes"}"#);
        assert!(e.contains("is a switch: give true or false"), "{e}");
        let e = err(r#"{"data": "a.csv", "strategy": "rsi", "cash": true}"#);
        assert!(e.contains("\"cash\" takes a value"), "{e}");
        let e = err(r#"{"data": "a.csv", "strategy": "rsii"}"#);
        assert!(e.contains("did you mean rsi?"), "{e}");
        let e = err(r#"{"data": "a.csv", "strategy": "rsi", "params": {"m": 3}}"#);
        assert!(e.contains("rsi has no parameter \"m\""), "{e}");
        assert!(err(r#"{"strategy": "rsi"}"#).starts_with("no \"data\""));
        assert!(err(r#"{"data": "-", "strategy": "rsi"}"#).contains("standard input"));
        assert!(err(r#"{"data": 5, "strategy": "rsi"}"#).contains("not a number"));
        let e = err(r#"{"data": "a.csv"}"#);
        assert!(e.contains("--strategy"), "{e}");
        assert!(!e.contains('\n') && !e.contains("Usage"), "{e}");
        assert!(err("{\"data\": ").starts_with("not valid JSON"));
        assert!(err("[1]").contains("not an array"));
        let e = spec_bytes(b"{\"data\": \"\xff\"}").unwrap_err();
        assert!(e.contains("not UTF-8"), "{e}");
    }

    fn spec_bytes(line: &[u8]) -> Result<Spec, String> {
        let config = crate::config::Config::default();
        let layer = Layer::new(&config, "backtest");
        let cfg = BacktestConfig::default();
        Specs::new(None, &layer, &cfg).item(3, line).spec
    }

    /// A spec's paths start at the specs' folder only if their flag's value is a `PathBuf`:
    /// every flag whose value is named as a file must be one.
    #[test]
    fn every_file_valued_flag_is_known_as_a_path() {
        let config = crate::config::Config::default();
        let layer = Layer::new(&config, "backtest");
        let cfg = BacktestConfig::default();
        let specs = Specs::new(None, &layer, &cfg);
        let cmd = &specs.cmd;
        let mut files = 0;
        for arg in cmd.get_arguments().filter(|a| a.get_long().is_some()) {
            let names = arg.get_value_names().unwrap_or_default();
            if names.iter().any(|n| n.contains("FILE") || n.contains('.')) {
                let long = arg.get_long().unwrap();
                let flag = specs.flags.iter().find(|f| f.long == long).unwrap();
                assert!(flag.path, "--{long} names a file but is not a PathBuf");
                files += 1;
            }
        }
        assert!(files >= 5, "{files}");
    }

    #[test]
    fn a_data_file_named_like_a_subcommand_is_still_the_data() {
        let s = spec(r#"{"data": "merge", "strategy": "rsi"}"#).unwrap();
        assert_eq!(s.data, Path::new("specs/dir/merge"));
    }

    #[test]
    fn the_id_is_handed_back_and_a_missing_one_stays_missing() {
        let config = crate::config::Config::default();
        let layer = Layer::new(&config, "backtest");
        let cfg = BacktestConfig::default();
        let mut specs = Specs::new(None, &layer, &cfg);
        let i = specs.item(
            7,
            br#"{"id": {"run": 3}, "data": "a.csv", "strategy": "rsi"}"#,
        );
        assert_eq!((i.index, i.id), (7, Some(serde_json::json!({"run": 3}))));
        assert!(specs.item(8, br#"{"data": "a.csv"}"#).id.is_none());
    }
}
