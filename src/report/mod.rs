//! Renderers. A command computes one `Serialize` report; this module turns it into a terminal
//! table, JSON (with `schema_version`), Markdown, GitHub annotations or CSV, so every format
//! shows the same facts.
//!
//! A report describes its human-readable layout once, as [`Section`]s; the table and Markdown
//! renderers both draw from them, and JSON comes straight from `Serialize`.

pub mod backtest;
pub mod csv;
pub mod env_check;
pub mod github;
pub mod json;
pub mod junit;
pub mod log_digest;
pub mod markdown;
pub mod monitor;
pub mod scan;
pub mod table;
pub mod test_runner;
pub mod xml;

use serde::Serialize;

use crate::output::{Tone, Ui};

/// Output formats. Each command accepts the subset that makes sense for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Table,
    Json,
    Markdown,
    Github,
    Csv,
    Junit,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Self::Table => "table",
            Self::Json => "json",
            Self::Markdown => "markdown",
            Self::Github => "github",
            Self::Csv => "csv",
            Self::Junit => "junit",
        }
    }

    /// True for formats meant for programs rather than people (no progress bars, no colour).
    pub fn is_machine(self) -> bool {
        !matches!(self, Self::Table)
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "table" => Self::Table,
            "json" => Self::Json,
            "markdown" | "md" => Self::Markdown,
            "github" => Self::Github,
            "csv" => Self::Csv,
            "junit" => Self::Junit,
            _ => return Err(format!("unknown format {s:?}")),
        })
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A clap value parser accepting only the listed formats, so `--help` shows exactly those.
pub fn format_parser(
    allowed: &'static [&'static str],
) -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(allowed).try_map(|s| s.parse::<Format>())
}

/// The most characters a terminal table cell shows. Laying out a table costs more than linear
/// time in a cell's length (a 5 MB cell took seconds, 50 MB never finished): the rest is cut off
/// with an ellipsis. velo's own longest messages (a missing key with its likely typo and the
/// schema's path) run to about 300 characters, so the cap sits above them. JSON, CSV and
/// Markdown keep every character.
pub const MAX_CELL_CHARS: usize = 500;

/// `text` cut to [`MAX_CELL_CHARS`] characters, the last of them an ellipsis when cut.
pub fn clip_cell(text: &str) -> std::borrow::Cow<'_, str> {
    if text.char_indices().nth(MAX_CELL_CHARS).is_none() {
        return std::borrow::Cow::Borrowed(text);
    }
    let end = text
        .char_indices()
        .nth(MAX_CELL_CHARS - 1)
        .map_or(text.len(), |(i, _)| i);
    std::borrow::Cow::Owned(format!("{}…", &text[..end]))
}

/// One cell of a rendered table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cell {
    pub text: String,
    pub tone: Tone,
}

impl Cell {
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            tone: Tone::Plain,
        }
    }

    pub fn toned(text: impl Into<String>, tone: Tone) -> Self {
        Self {
            text: text.into(),
            tone,
        }
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Self::new(text)
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        Self::new(text)
    }
}

/// A block of human-readable output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Section {
    /// A titled table.
    Table {
        title: Option<String>,
        headers: Vec<String>,
        rows: Vec<Vec<Cell>>,
    },
    /// Free text (a summary line, a diff, an explanation).
    Text {
        title: Option<String>,
        body: String,
        tone: Tone,
    },
    /// `key: value` lines.
    Pairs {
        title: Option<String>,
        pairs: Vec<(String, Cell)>,
    },
}

/// A GitHub Actions workflow annotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    pub level: AnnotationLevel,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub col: Option<usize>,
    pub title: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnnotationLevel {
    Error,
    Warning,
    Notice,
}

/// What every command's report can do.
pub trait Report: Serialize {
    /// The human-readable layout, shared by the table and Markdown renderers.
    fn sections(&self) -> Vec<Section>;

    /// Annotations for `--format github`; by default none.
    fn annotations(&self) -> Vec<Annotation> {
        Vec::new()
    }
}

/// Renders a report in one of the shared formats. CSV and `JUnit` are command specific and are
/// rejected here with an error naming the format.
pub fn render<R: Report>(report: &R, format: Format, ui: &Ui) -> anyhow::Result<String> {
    Ok(match format {
        Format::Table => table::render(&report.sections(), ui),
        Format::Json => json::render(report)?,
        Format::Markdown => markdown::render(&report.sections()),
        Format::Github => github::render(&report.annotations()),
        Format::Csv | Format::Junit => {
            anyhow::bail!("--format {format} is not available for this command")
        }
    })
}
