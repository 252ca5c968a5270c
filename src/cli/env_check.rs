//! `velo env-check`: reads the .env files, the schema and (when asked) the process environment
//! and the code, runs the checks, renders the report, and optionally fixes files or starts a
//! program guarded by the result.

use std::collections::HashMap;
use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use clap::{Args, ValueEnum};
use serde::Deserialize;

use super::settings::{Layer, Origin};
use super::{exit, CodedError, Context};
use crate::env_check::report::FixOutcome;
use crate::env_check::schema::Schema;
use crate::env_check::settings::SettingsFile;
use crate::env_check::{self, CheckInput, EnvInput, Severity};
use crate::input_path::{read_regular, OpenError};
use crate::report::{self, Format};

/// The long help of `velo env-check` (set on the command's variant in `cli::Command`).
pub const LONG_ABOUT: &str = "\
Validate .env files before they crash a run: missing, empty, misspelled, malformed and \
duplicated variables, lines that python-dotenv and dotenvy read differently, and the style \
problems dotenv-linter finds, all at once, each with file:line:col.

Inputs: --env-file (repeatable; later files win), else .env; --environment NAME reads .env, \
.env.NAME and .env.NAME.local in that order. The schema is --schema FILE, else .env.schema, \
else .env.example, else [env-check.vars] in velo.toml. A value is printed only when the schema \
declares its key as not @sensitive and the name neither looks secret (*KEY*, *SECRET*, *TOKEN*, \
*PASS*, *AUTH*, *DSN*, …) nor is a near-misspelling of a secret key; every other value is \
masked.";

const AFTER_LONG_HELP: &str = "\
Examples:
  velo env-check                                   # .env against .env.schema / .env.example
  velo env-check --environment production --show-sources
  velo env-check --exec -- python bot.py           # start the bot only if the env is valid

Exit codes:
  0  no finding at or above --fail-on (default: error)
  1  findings at or above --fail-on (with --exec: velo becomes the program, whose exit
     status is then velo's)
  2  usage or input error (unreadable file, bad schema)";

/// `velo env-check` arguments.
#[derive(Debug, Args)]
#[command(after_long_help = AFTER_LONG_HELP)]
pub struct EnvCheckArgs {
    #[command(flatten)]
    pub inputs: InputArgs,
    #[command(flatten)]
    pub checks: CheckArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub actions: ActionArgs,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Inputs")]
pub struct InputArgs {
    /// A .env file to check (repeatable; a later file wins over an earlier one; `-` is stdin).
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_files: Vec<PathBuf>,

    /// Read .env, .env.NAME and .env.NAME.local (those that exist), in that precedence order.
    #[arg(long, value_name = "NAME", conflicts_with = "env_files")]
    pub environment: Option<String>,

    /// Also take variables from the process environment (they win over every file).
    #[arg(long)]
    pub process_env: bool,

    /// The schema: a .env.schema/.env.example style file, a dotenv-linter JSON schema, or a
    /// Python file whose pydantic-settings classes are the schema (`settings.py`, or
    /// `settings.py:Settings` for one class), read without running Python.
    #[arg(long, value_name = "FILE")]
    pub schema: Option<PathBuf>,

    /// When there is no .env file to check, say so and exit 0 instead of 2 (for hooks and CI
    /// jobs on checkouts that have no .env, e.g. the pre-commit hook).
    #[arg(long)]
    pub if_present: bool,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Checks")]
pub struct CheckArgs {
    /// Also scan the code under DIR (default `.`) for variables it reads: reports `undeclared`
    /// and `unused`. With no schema at all, the code is the schema: a read without a fallback
    /// is required, one with a fallback is optional with that default.
    #[arg(long, value_name = "DIR", num_args = 0..=1, default_missing_value = ".")]
    pub scan_code: Option<PathBuf>,

    /// Lowest severity that makes the run fail (exit 1).
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<FailOn>,

    /// Skip a finding code everywhere (repeatable), e.g. `--ignore trailing-whitespace`.
    #[arg(long, value_name = "CODE", value_parser = parse_code)]
    pub ignore: Vec<env_check::Code>,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_name = "FORMAT", value_parser = report::format_parser(&["table", "json", "markdown", "github"]))]
    pub format: Option<Format>,

    /// Also print, per key, which file (or the process environment, or a default) wins.
    #[arg(long)]
    pub show_sources: bool,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Fix and run")]
pub struct ActionArgs {
    /// Apply the fixes that leave what every loader reads unchanged; writes atomically and
    /// shows the diff.
    #[arg(long)]
    pub fix: bool,

    /// With --fix: show the diff, write nothing.
    #[arg(long, requires = "fix")]
    pub dry_run: bool,

    /// Run COMMAND (after `--`) with the checked environment, only if the check passes. velo
    /// becomes COMMAND (exec): signals sent to velo reach it, and its exit status is velo's.
    #[arg(long, requires = "command", conflicts_with = "fix")]
    pub exec: bool,

    /// Write the schema velo inferred (from pydantic-settings classes, or from the code with
    /// --scan-code) as an @env-spec .env.schema to FILE (default .env.schema; `-` = stdout),
    /// instead of checking. Defaults of secret variables are never written.
    #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = ".env.schema", conflicts_with_all = ["fix", "exec"])]
    pub emit_schema: Option<PathBuf>,

    /// The program to start with --exec.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
}

/// `--fail-on` levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    /// Fail on errors only (default).
    Error,
    /// Fail on warnings and errors.
    Warning,
    /// Fail on any finding.
    Info,
    /// Never fail because of findings.
    Never,
}

fn parse_code(s: &str) -> Result<env_check::Code, String> {
    env_check::Code::parse(s).ok_or_else(|| {
        let all: Vec<&str> = env_check::Code::ALL.iter().map(|c| c.as_str()).collect();
        format!("unknown code {s:?}; codes: {}", all.join(", "))
    })
}

/// `[env-check]` in velo.toml.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct FileConfig {
    env_files: Option<Vec<PathBuf>>,
    environment: Option<String>,
    schema: Option<PathBuf>,
    process_env: Option<bool>,
    fail_on: Option<FailOn>,
    ignore: Option<Vec<String>>,
    vars: Option<toml::Table>,
}

fn input_error(err: anyhow::Error) -> anyhow::Error {
    CodedError::wrap(exit::USAGE, err)
}

/// Reads a file named by `flag`, refusing anything but a regular file without waiting on it:
/// opening a FIFO waits for a writer that may never come, and a device may never end. Stdin is
/// `-`; a path naming a descriptor the caller already opened (`/dev/stdin`, `<(cmd)` as
/// `/dev/fd/N`) is read too, since a pipe there has its writer. `cannot_read` says what to do
/// about a file that cannot be read.
fn read_file(
    shown: &Path,
    full: &Path,
    flag: &str,
    cannot_read: impl FnOnce() -> String,
) -> anyhow::Result<Vec<u8>> {
    read_regular(full).map_err(|e| match e {
        OpenError::NotAFile(_) => anyhow::anyhow!(
            "{flag} {}: {e}; give a file, or `-` to read stdin",
            shown.display()
        ),
        OpenError::Io(e) => anyhow::Error::new(e).context(cannot_read()),
    })
}

fn read_input(path: &Path, cwd: &Path) -> anyhow::Result<EnvInput> {
    if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("cannot read .env from stdin")?;
        return Ok(EnvInput {
            name: "-".into(),
            bytes,
        });
    }
    let bytes = read_file(path, &cwd.join(path), "--env-file", || {
        format!(
            "cannot read {}: check the path, or leave out --env-file to use .env",
            path.display()
        )
    })?;
    Ok(EnvInput {
        name: path.strip_prefix(cwd).unwrap_or(path).display().to_string(),
        bytes,
    })
}

/// Runs `velo env-check`.
pub fn run(args: &EnvCheckArgs, ctx: &Context) -> anyhow::Result<u8> {
    let layer = Layer::new(&ctx.config, "env-check");
    let cfg: FileConfig = layer.read().map_err(input_error)?;
    let cwd = ctx.cwd.as_path();

    if let Some(out) = &args.actions.emit_schema {
        return emit_schema(args, &cfg, cwd, &layer, ctx, out);
    }

    // Which .env files, in precedence order.
    let environment = args.inputs.environment.clone().or(cfg.environment.clone());
    let mut paths: Vec<PathBuf> = Vec::new();
    if !args.inputs.env_files.is_empty() {
        paths.clone_from(&args.inputs.env_files);
    } else if let Some(name) = &environment {
        if name.is_empty() || name.contains(['/', '\\']) {
            return Err(input_error(anyhow::anyhow!(
                "--environment {name:?}: give a plain name such as production"
            )));
        }
        for p in [
            ".env".to_string(),
            format!(".env.{name}"),
            format!(".env.{name}.local"),
        ] {
            if cwd.join(&p).is_file() {
                paths.push(PathBuf::from(p));
            }
        }
        let specific = [format!(".env.{name}"), format!(".env.{name}.local")];
        if !specific.iter().any(|p| cwd.join(p).is_file()) {
            return Err(input_error(anyhow::anyhow!(
                "--environment {name}: neither .env.{name} nor .env.{name}.local exists in {}",
                cwd.display()
            )));
        }
    } else if let Some(files) = &cfg.env_files {
        paths = files.iter().map(|f| layer.in_config_dir(f)).collect();
    } else if cwd.join(".env").is_file() {
        paths.push(PathBuf::from(".env"));
    }
    let process_env = Layer::switch(args.inputs.process_env, cfg.process_env);
    if paths.is_empty() && !process_env && args.inputs.if_present {
        ctx.ui.info(&format!(
            "velo: no .env file in {}: nothing to check (--if-present)",
            cwd.display()
        ));
        return Ok(exit::SUCCESS);
    }
    if paths.is_empty() && !process_env {
        return Err(input_error(anyhow::anyhow!(
            "no .env file in {}: pass --env-file FILE, --environment NAME or --process-env",
            cwd.display()
        )));
    }
    if paths.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        bail!("`-` (stdin) can be given only once");
    }
    let files = paths
        .iter()
        .map(|p| read_input(p, cwd))
        .collect::<anyhow::Result<Vec<_>>>()
        .map_err(input_error)?;

    // The schema.
    let (schema, settings) = match load_schema(args, &cfg, cwd, &layer, ctx)? {
        Loaded::Schema(s) => (Some(s), None),
        Loaded::Settings(s) => (None, Some(s)),
        Loaded::None => (None, None),
    };
    if let Some(s) = &schema {
        ctx.ui.debug(&format!(
            "schema: {} ({} variables)",
            s.source,
            s.vars.len()
        ));
    }

    let mut schema = schema;
    let code_refs = match &args.checks.scan_code {
        Some(dir) => {
            let reads = scan_reads(dir, cwd)?;
            if schema.is_none() && settings.is_none() {
                // No schema at all: the code is the schema.
                let s = env_check::code_reads::to_schema(&code_source(dir), &reads);
                ctx.ui.debug(&format!(
                    "schema: the code under {} ({} variables)",
                    dir.display(),
                    s.vars.len()
                ));
                schema = Some(s);
            }
            Some(
                reads
                    .into_iter()
                    .map(|r| env_check::CodeRef {
                        key: r.key,
                        file: r.file,
                        line: r.line,
                        col: r.col,
                    })
                    .collect(),
            )
        }
        None => None,
    };

    let process_vars = process_env.then(|| {
        std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect::<HashMap<String, String>>()
    });

    let mut ignore: Vec<env_check::Code> = args.checks.ignore.clone();
    for name in cfg.ignore.iter().flatten() {
        ignore.push(
            parse_code(name).map_err(|m| input_error(layer.invalid(Origin::Key("ignore"), m)))?,
        );
    }

    let make_input = |files: Vec<EnvInput>| CheckInput {
        files,
        process_env: process_vars.clone(),
        schema: schema.clone(),
        settings: settings.clone(),
        code_refs: code_refs.clone(),
        show_sources: args.output.show_sources,
        resolve_env: args.actions.exec,
        ignore: ignore.clone(),
    };

    // Fixes first: the report then describes the files as they are after fixing.
    let mut fix_outcomes = Vec::new();
    let mut files = files;
    if args.actions.fix {
        let policy = env_check::ValuePolicy::for_inputs(schema.as_ref(), &files);
        let secret = |k: &str| policy.masked(k);
        for input in &mut files {
            if input.name == "-" {
                ctx.ui
                    .warn("--fix: stdin cannot be fixed in place; skipped");
                continue;
            }
            let Some(plan) = env_check::fix::plan(&input.name, &input.bytes, &secret) else {
                continue;
            };
            let written = !args.actions.dry_run;
            if written {
                crate::outfile::replace_file(&cwd.join(&input.name), &plan.new_bytes)
                    .with_context(|| format!("cannot write the fixed {}", input.name))?;
                input.bytes.clone_from(&plan.new_bytes);
            }
            fix_outcomes.push(FixOutcome {
                file: input.name.clone(),
                fixed: plan.fixed.iter().map(|c| c.as_str().to_string()).collect(),
                diff: plan.diff,
                written,
            });
        }
        if fix_outcomes.is_empty() {
            ctx.ui.info("--fix: nothing to fix safely");
        }
    }

    let mut report = env_check::check(&make_input(files));
    report.fixes = fix_outcomes;

    let fail_on = args.checks.fail_on.or(cfg.fail_on).unwrap_or(FailOn::Error);
    let failed = match (fail_on, report.worst()) {
        (FailOn::Never, _) | (_, None) => false,
        (FailOn::Error, Some(w)) => w >= Severity::Error,
        (FailOn::Warning, Some(w)) => w >= Severity::Warning,
        (FailOn::Info, Some(_)) => true,
    };

    let format = args.output.format.unwrap_or(Format::Table);
    if args.actions.exec && !failed {
        // stdout belongs to the program: the summary goes to stderr.
        ctx.ui.info(&format!(
            "velo env-check: {}",
            report::env_check::summary_line(&report)
        ));
        return exec(&args.actions.command, &report.resolved);
    }

    let rendered = report::render(&report, format, &ctx.ui)?;
    ctx.ui.out(&rendered).context("writing the report")?;
    if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
        let md = report::markdown::render(&report::Report::sections(&report));
        report::github::append_step_summary(
            Path::new(&path),
            &format!("## velo env-check\n\n{md}"),
        )
        .context("cannot append to GITHUB_STEP_SUMMARY")?;
    }
    if format == Format::Table && args.actions.exec {
        ctx.ui
            .warn("not starting the program: fix the errors above first");
    }
    Ok(if failed {
        exit::PROBLEMS
    } else {
        exit::SUCCESS
    })
}

fn code_source(dir: &Path) -> String {
    if dir.as_os_str() == "." {
        "the code".to_string()
    } else {
        format!("the code under {}", dir.display())
    }
}

fn scan_reads(dir: &Path, cwd: &Path) -> anyhow::Result<Vec<env_check::code_reads::CodeRead>> {
    let root = cwd.join(dir);
    if !root.is_dir() {
        return Err(input_error(anyhow::anyhow!(
            "--scan-code {}: not a directory",
            dir.display()
        )));
    }
    env_check::scan_code::scan_reads(&root, cwd)
        .with_context(|| format!("scanning {}", dir.display()))
        .map_err(input_error)
}

/// `--emit-schema`: the classes (or, with --scan-code and no classes, the code) as a
/// `.env.schema`, written through the output contract.
fn emit_schema(
    args: &EnvCheckArgs,
    cfg: &FileConfig,
    cwd: &Path,
    layer: &Layer,
    ctx: &Context,
    out: &Path,
) -> anyhow::Result<u8> {
    // A schema file in the folder is what is being regenerated: look for classes, not for it.
    let loaded = if args.inputs.schema.is_some() || cfg.schema.is_some() {
        load_schema(args, cfg, cwd, layer, ctx)?
    } else if args.checks.scan_code.is_some() {
        Loaded::None
    } else {
        discover_settings(cwd, ctx)?.map_or(Loaded::None, Loaded::Settings)
    };
    let (schema, from) = match (&args.checks.scan_code, loaded) {
        (_, Loaded::Settings(s)) => {
            let names: Vec<&str> = s.selected.iter().map(|&i| s.models[i].name.as_str()).collect();
            let from = format!("{} ({})", s.source, names.join(", "));
            (s.to_schema(), from)
        }
        (Some(dir), Loaded::None) => {
            let reads = scan_reads(dir, cwd)?;
            let from = code_source(dir);
            (env_check::code_reads::to_schema(&from, &reads), from)
        }
        (_, Loaded::Schema(s)) => {
            return Err(input_error(anyhow::anyhow!(
                "--emit-schema infers a schema from pydantic-settings classes or from the code; \
                 {} already is one (pass --schema settings.py, or --scan-code without a schema file)",
                s.source
            )))
        }
        (None, Loaded::None) => {
            return Err(input_error(anyhow::anyhow!(
                "--emit-schema: nothing to infer from: no BaseSettings class in {} (pass --schema \
                 settings.py) and no --scan-code",
                cwd.display()
            )))
        }
    };
    let text = env_check::emit::env_spec(&schema, &from);
    if out.as_os_str() == "-" {
        ctx.ui.out(&text).context("writing the schema")?;
        return Ok(exit::SUCCESS);
    }
    let mut plan = crate::outfile::Plan::new(cwd);
    plan.file("--emit-schema", Some(out));
    let outputs = plan
        .check(&|n| ctx.ui.info(n))
        .map_err(|e| input_error(anyhow::Error::new(e)))?;
    if let Some(o) = outputs.get("--emit-schema") {
        o.write(text.as_bytes())
            .with_context(|| format!("cannot write {}", out.display()))?;
    }
    ctx.ui.info(&format!(
        "velo: wrote {} ({} variables, from {from})",
        out.display(),
        schema.vars.len()
    ));
    Ok(exit::SUCCESS)
}

/// What the schema is: a schema file, pydantic-settings classes, or nothing.
enum Loaded {
    Schema(Schema),
    Settings(SettingsFile),
    None,
}

/// `settings.py` or `settings.py:ClassName` → (path, class).
#[allow(clippy::case_sensitive_file_extension_comparisons)] // Python modules are `.py`, lower case
fn python_schema(p: &Path) -> Option<(PathBuf, Option<String>)> {
    let text = p.to_str()?;
    if let Some((file, class)) = text.rsplit_once(':') {
        let is_name = !class.is_empty()
            && class.chars().all(|c| c.is_alphanumeric() || c == '_')
            && !class.starts_with(|c: char| c.is_ascii_digit());
        if file.ends_with(".py") && is_name {
            return Some((PathBuf::from(file), Some(class.to_string())));
        }
    }
    text.ends_with(".py").then(|| (p.to_path_buf(), None))
}

fn load_settings(shown: &Path, full: &Path, class: Option<&str>) -> anyhow::Result<SettingsFile> {
    let bytes = read_file(shown, full, "--schema", || {
        format!("cannot read the settings file {}", shown.display())
    })
    .map_err(input_error)?;
    let text = String::from_utf8_lossy(&bytes);
    env_check::settings::read(&shown.display().to_string(), &text, class)
        .map_err(|e| input_error(anyhow::Error::new(e)))
}

fn load_schema(
    args: &EnvCheckArgs,
    cfg: &FileConfig,
    cwd: &Path,
    layer: &Layer,
    ctx: &Context,
) -> anyhow::Result<Loaded> {
    let from_file = |shown: &Path, full: &Path| -> anyhow::Result<Loaded> {
        if let Some((file, class)) = python_schema(shown) {
            let full = full.parent().map_or_else(
                || file.clone(),
                |d| d.join(file.file_name().unwrap_or_default()),
            );
            return load_settings(&file, &full, class.as_deref()).map(Loaded::Settings);
        }
        let bytes = read_file(shown, full, "the schema", || {
            format!("cannot read the schema {}", shown.display())
        })
        .map_err(input_error)?;
        Schema::from_file(&shown.display().to_string(), &bytes)
            .context("the schema cannot be used; fix the line named above")
            .map(Loaded::Schema)
            .map_err(input_error)
    };
    if let Some(p) = &args.inputs.schema {
        return from_file(p, &cwd.join(p));
    }
    if let Some(p) = &cfg.schema {
        return from_file(p, &layer.in_config_dir(p));
    }
    for name in [".env.schema", ".env.example"] {
        let p = Path::new(name);
        if cwd.join(p).is_file() {
            return from_file(p, &cwd.join(p));
        }
    }
    if let Some(vars) = &cfg.vars {
        let shown = ctx
            .config
            .path()
            .map_or_else(|| "velo.toml".to_string(), |p| p.display().to_string());
        return Schema::from_toml(&shown, vars)
            .context("velo.toml [env-check.vars]")
            .map(Loaded::Schema)
            .map_err(input_error);
    }
    // No schema file: a BaseSettings class in the project is the schema.
    discover_settings(cwd, ctx).map(|s| s.map_or(Loaded::None, Loaded::Settings))
}

/// The first Python file in the project with a `BaseSettings` class, said out loud.
fn discover_settings(cwd: &Path, ctx: &Context) -> anyhow::Result<Option<SettingsFile>> {
    let found = env_check::settings::discover(cwd);
    if let Some(first) = found.first() {
        let shown = first.strip_prefix(cwd).unwrap_or(first).to_path_buf();
        let others = found.len() - 1;
        ctx.ui.info(&format!(
            "velo: no schema file; using the pydantic-settings classes in {}{}",
            shown.display(),
            if others > 0 {
                format!(" ({others} more file(s) define some; pick one with --schema FILE)")
            } else {
                String::new()
            }
        ));
        return load_settings(&shown, first, None).map(Some);
    }
    Ok(None)
}

/// Replaces velo with the guarded program (`execvp`), giving it the resolved variables that the
/// environment does not already set (as both loaders do by default). Nothing is left for velo
/// to do once the program starts, so the program takes velo's place: its process id, its
/// signals (a supervisor's SIGTERM, Ctrl-C, SIGHUP reach it, not a parent that would leave it
/// running) and its exit status. Returns only when the program cannot be started.
#[cfg(unix)]
fn exec(command: &[OsString], resolved: &[(String, String)]) -> anyhow::Result<u8> {
    use std::os::unix::process::CommandExt as _;
    let (program, rest) = command
        .split_first()
        .context("--exec needs a command after `--`")
        .map_err(input_error)?;
    if let Some((k, _)) = resolved
        .iter()
        .find(|(k, v)| k.contains('\0') || v.contains('\0'))
    {
        return Err(input_error(anyhow::anyhow!(
            "--exec: {} contains a NUL byte, which no program can receive in its environment; \
             remove it from the .env file",
            k.replace('\0', "\\0")
        )));
    }
    let mut cmd = std::process::Command::new(program);
    cmd.args(rest);
    for (k, v) in resolved {
        if std::env::var_os(k).is_none() {
            cmd.env(k, v);
        }
    }
    let e = cmd.exec();
    let code = match e.kind() {
        std::io::ErrorKind::NotFound => exit::NOT_FOUND,
        std::io::ErrorKind::PermissionDenied => exit::NOT_EXECUTABLE,
        _ => exit::RUNNER_FAILED,
    };
    Err(CodedError::wrap(
        code,
        anyhow::Error::new(e).context(format!("cannot start {}", program.to_string_lossy())),
    ))
}
