//! The `Ui` handle: the one place that writes to the terminal. It decides colour once per stream,
//! builds tables sized to the terminal, and creates progress bars only where they belong.
//!
//! stdout carries data, stderr carries messages; `--quiet` silences messages, never data.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{self, IsTerminal, Write};
use std::sync::{Arc, Mutex};

use colored::Colorize;
use comfy_table::{presets, ContentArrangement, Table};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// `--color` choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColorChoice {
    /// Colour when the stream is a terminal and neither `NO_COLOR` nor `TERM=dumb` says no.
    #[default]
    Auto,
    /// Always colour (as `CLICOLOR_FORCE=1`).
    Always,
    /// Never colour.
    Never,
}

/// How a piece of text should look: the renderers speak in tones, the Ui turns them into colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tone {
    #[default]
    Plain,
    Error,
    Warning,
    Info,
    Good,
    Dim,
    Bold,
}

/// The environment variables that shape output, read once by the CLI layer.
#[derive(Debug, Clone, Default)]
pub struct OutputEnv {
    pub no_color: bool,
    pub clicolor_force: bool,
    pub term_dumb: bool,
    pub ci: bool,
    pub pre_commit: bool,
}

impl OutputEnv {
    /// Reads `NO_COLOR`, `CLICOLOR_FORCE`, `TERM`, `CI` and `PRE_COMMIT` from the process environment.
    pub fn from_process() -> Self {
        let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
        let truthy = |k: &str| {
            std::env::var(k)
                .is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
        };
        Self {
            no_color: set("NO_COLOR"),
            clicolor_force: truthy("CLICOLOR_FORCE"),
            term_dumb: std::env::var("TERM").is_ok_and(|t| t == "dumb"),
            ci: truthy("CI"),
            pre_commit: set("PRE_COMMIT"),
        }
    }
}

/// Decides colour for one stream: `--color`, then `CLICOLOR_FORCE`, `NO_COLOR`, `TERM=dumb`,
/// then whether the stream is a terminal.
pub fn decide_color(choice: ColorChoice, is_tty: bool, env: &OutputEnv) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if env.clicolor_force {
                true
            } else if env.no_color || env.term_dumb {
                false
            } else {
                is_tty
            }
        }
    }
}

type Sink = Arc<Mutex<Box<dyn Write + Send>>>;

/// Writes raw bytes to one of velo's streams and flushes them; false once a write fails (the
/// reader left). `Send + Sync + 'static`, so a supervising loop can hold it while a child runs.
pub type RawWriter = Arc<dyn Fn(&[u8]) -> bool + Send + Sync>;

fn raw_writer(sink: &Sink) -> RawWriter {
    let sink = Arc::clone(sink);
    Arc::new(move |bytes: &[u8]| {
        let mut w = sink
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        w.write_all(bytes).and_then(|()| w.flush()).is_ok()
    })
}

/// The terminal handle passed down from the CLI layer.
pub struct Ui {
    out: Sink,
    err: Sink,
    out_color: bool,
    err_color: bool,
    stdout_tty: bool,
    stderr_tty: bool,
    quiet: bool,
    verbose: u8,
    env: OutputEnv,
    width: Option<u16>,
}

impl Ui {
    /// A Ui on the real stdout and stderr.
    pub fn new(choice: ColorChoice, quiet: bool, verbose: u8, env: OutputEnv) -> Self {
        let stdout_tty = io::stdout().is_terminal();
        let stderr_tty = io::stderr().is_terminal();
        // Colour is pushed into `colored` explicitly: it paints whenever asked, and the Ui only
        // asks for streams whose decision was yes.
        colored::control::set_override(true);
        let width = if stdout_tty { terminal_width() } else { None };
        Self {
            out: Arc::new(Mutex::new(Box::new(io::stdout()))),
            err: Arc::new(Mutex::new(Box::new(io::stderr()))),
            out_color: decide_color(choice, stdout_tty, &env),
            err_color: decide_color(choice, stderr_tty, &env),
            stdout_tty,
            stderr_tty,
            quiet,
            verbose,
            env,
            width,
        }
    }

    /// A Ui writing into the given sinks, without colour or terminals (for tests and embedding).
    pub fn with_writers(out: Box<dyn Write + Send>, err: Box<dyn Write + Send>) -> Self {
        colored::control::set_override(true);
        Self {
            out: Arc::new(Mutex::new(out)),
            err: Arc::new(Mutex::new(err)),
            out_color: false,
            err_color: false,
            stdout_tty: false,
            stderr_tty: false,
            quiet: false,
            verbose: 0,
            env: OutputEnv::default(),
            width: None,
        }
    }

    pub fn quiet(&self) -> bool {
        self.quiet
    }

    pub fn verbose(&self) -> u8 {
        self.verbose
    }

    pub fn stdout_is_terminal(&self) -> bool {
        self.stdout_tty
    }

    pub fn stderr_is_terminal(&self) -> bool {
        self.stderr_tty
    }

    pub fn out_color(&self) -> bool {
        self.out_color
    }

    pub fn err_color(&self) -> bool {
        self.err_color
    }

    /// True under CI or pre-commit, where interactive niceties must stay off.
    pub fn non_interactive(&self) -> bool {
        self.env.ci || self.env.pre_commit
    }

    pub fn env(&self) -> &OutputEnv {
        &self.env
    }

    /// Writes data to stdout.
    pub fn out(&self, text: &str) -> io::Result<()> {
        let mut out = self
            .out
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        out.write_all(text.as_bytes())?;
        out.flush()
    }

    /// Writes raw bytes to stdout (for pass-through of child output).
    pub fn out_bytes(&self, bytes: &[u8]) -> io::Result<()> {
        let mut out = self
            .out
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        out.write_all(bytes)?;
        out.flush()
    }

    /// A raw byte writer onto stdout, for a child's output passed through as it comes (the
    /// command's own bytes: never coloured, never silenced by `--quiet`).
    pub fn raw_out(&self) -> RawWriter {
        raw_writer(&self.out)
    }

    /// A raw byte writer onto stderr (see [`Self::raw_out`]).
    pub fn raw_err(&self) -> RawWriter {
        raw_writer(&self.err)
    }

    /// Writes a message to stderr, even under `--quiet` (errors and explicit requests).
    pub fn err_raw(&self, text: &str) {
        let mut err = self
            .err
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // A closed stderr leaves nowhere to report to: ignoring the error is all that is left.
        let _ = err.write_all(text.as_bytes());
        let _ = err.flush();
    }

    /// `velo: error: …` on stderr, never silenced.
    pub fn error(&self, msg: &str) {
        let head = self.paint_err("velo: error:", Tone::Error);
        self.err_raw(&format!("{head} {msg}\n"));
    }

    /// `velo: warning: …` on stderr, silenced by `--quiet`.
    pub fn warn(&self, msg: &str) {
        if !self.quiet {
            let head = self.paint_err("velo: warning:", Tone::Warning);
            self.err_raw(&format!("{head} {msg}\n"));
        }
    }

    /// A status message on stderr, silenced by `--quiet`.
    pub fn info(&self, msg: &str) {
        if !self.quiet {
            self.err_raw(&format!("{msg}\n"));
        }
    }

    /// A detail shown only with `-v`.
    pub fn debug(&self, msg: &str) {
        if self.verbose > 0 && !self.quiet {
            let line = self.paint_err(&format!("velo: {msg}"), Tone::Dim);
            self.err_raw(&format!("{line}\n"));
        }
    }

    /// Paints text for stdout when stdout gets colour.
    pub fn paint_out(&self, text: &str, tone: Tone) -> String {
        paint(text, tone, self.out_color)
    }

    /// Paints text for stderr when stderr gets colour.
    pub fn paint_err(&self, text: &str, tone: Tone) -> String {
        paint(text, tone, self.err_color)
    }

    /// A table for stdout: box lines on a terminal, plain ASCII otherwise, fitted to the width.
    pub fn table(&self) -> Table {
        let mut table = Table::new();
        if self.stdout_tty {
            table.load_preset(presets::UTF8_FULL_CONDENSED);
        } else {
            table.load_preset(presets::ASCII_MARKDOWN);
        }
        if let Some(w) = self.width {
            table.set_content_arrangement(ContentArrangement::Dynamic);
            table.set_width(w);
        } else {
            table.set_content_arrangement(ContentArrangement::Disabled);
        }
        if self.out_color {
            table.enforce_styling();
        } else {
            table.force_no_tty();
        }
        table
    }

    /// Whether a progress bar may be drawn: stderr is a terminal and none of `--quiet`,
    /// machine-readable output, `CI` or `PRE_COMMIT` hold.
    pub fn progress_allowed(&self, machine_output: bool) -> bool {
        self.stderr_tty && !self.quiet && !machine_output && !self.non_interactive()
    }

    /// A progress bar on stderr, hidden where `progress_allowed` says no.
    pub fn progress(&self, len: u64, what: &str, machine_output: bool) -> ProgressBar {
        if !self.progress_allowed(machine_output) {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(what.to_string());
        bar
    }
}

impl Ui {
    /// A live view of one line on stderr, redrawn in place with `set_message` (starting with
    /// `first`), or `None` where `progress_allowed` says no.
    pub fn live_line(&self, first: &str, machine_output: bool) -> Option<ProgressBar> {
        if !self.progress_allowed(machine_output) {
            return None;
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(first.to_string());
        Some(bar)
    }

    /// A progress bar counting bytes on stderr (`12.5 MiB/1.2 GiB`), hidden where
    /// `progress_allowed` says no.
    pub fn progress_bytes(&self, len: u64, what: &str, machine_output: bool) -> ProgressBar {
        if !self.progress_allowed(machine_output) {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{prefix} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ({eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(what.to_string());
        bar
    }
}

fn paint(text: &str, tone: Tone, on: bool) -> String {
    if !on {
        return text.to_string();
    }
    match tone {
        Tone::Plain => text.to_string(),
        Tone::Error => text.red().bold().to_string(),
        Tone::Warning => text.yellow().bold().to_string(),
        Tone::Info => text.cyan().to_string(),
        Tone::Good => text.green().to_string(),
        Tone::Dim => text.dimmed().to_string(),
        Tone::Bold => text.bold().to_string(),
    }
}

fn terminal_width() -> Option<u16> {
    if let Some(cols) = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()) {
        return Some(cols);
    }
    let size = comfy_table::Table::new().width();
    size.filter(|w| *w > 20)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_decision_order() {
        let env = OutputEnv::default();
        assert!(decide_color(ColorChoice::Auto, true, &env));
        assert!(!decide_color(ColorChoice::Auto, false, &env));
        assert!(decide_color(ColorChoice::Always, false, &env));
        let no = OutputEnv {
            no_color: true,
            ..OutputEnv::default()
        };
        assert!(!decide_color(ColorChoice::Auto, true, &no));
        assert!(
            decide_color(ColorChoice::Always, true, &no),
            "--color beats NO_COLOR"
        );
        let force = OutputEnv {
            clicolor_force: true,
            no_color: true,
            ..OutputEnv::default()
        };
        assert!(decide_color(ColorChoice::Auto, false, &force));
        assert!(!decide_color(ColorChoice::Never, true, &force));
        let dumb = OutputEnv {
            term_dumb: true,
            ..OutputEnv::default()
        };
        assert!(!decide_color(ColorChoice::Auto, true, &dumb));
    }

    #[test]
    fn painting_only_when_on() {
        // As every Ui constructor does; without it the result depended on whether another test
        // had built a Ui first (under `cargo test` stdout is no terminal).
        colored::control::set_override(true);
        assert_eq!(paint("x", Tone::Error, false), "x");
        assert!(paint("x", Tone::Error, true).contains("\u{1b}["));
    }

    #[test]
    fn raw_writers_reach_the_ui_streams_and_say_when_they_fail() {
        #[derive(Clone, Default)]
        struct Shared(Arc<Mutex<Vec<u8>>>);
        impl Write for Shared {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let out = Shared::default();
        let ui = Ui::with_writers(Box::new(out.clone()), Box::new(Closed));
        let raw = ui.raw_out();
        assert!(raw(b"\x00bytes\xff"));
        assert_eq!(*out.0.lock().unwrap(), b"\x00bytes\xff");
        assert!(!(ui.raw_err())(b"x"));
    }
}
