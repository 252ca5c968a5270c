//! `velo.toml` discovery: the nearest `velo.toml` found by walking up from the working directory,
//! read once, with one table per command (`[env-check]`, `[test-timeout-runner]`, …). Commands
//! read their table into a struct of `Option`s; flags override it through the command layer's
//! one settings layer (`cli::settings`). A key is named in every message one way,
//! [`Config::key_name`]: `[backtest] jobs in /repo/velo.toml`.

pub mod jobs;

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

/// The file name looked for in each directory.
pub const FILE_NAME: &str = "velo.toml";

/// A loaded `velo.toml` (or none).
#[derive(Debug, Clone, Default)]
pub struct Config {
    path: Option<PathBuf>,
    table: toml::Table,
}

/// A `velo.toml` that could not be read or does not fit.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not valid TOML: {message}")]
    Parse { path: PathBuf, message: String },
    /// A key (or, when no single key is to blame, a table) whose value does not fit; `name`
    /// is [`Config::key_name`] (or `[table] in FILE`).
    #[error("{name}: {message}")]
    Value { name: String, message: String },
}

impl Config {
    /// Walks up from `start` and loads the first `velo.toml` found; none found is an empty config.
    pub fn discover(start: &Path) -> Result<Self, ConfigError> {
        let mut dir = Some(start);
        while let Some(d) = dir {
            let candidate = d.join(FILE_NAME);
            if candidate.is_file() {
                return Self::load(&candidate);
            }
            dir = d.parent();
        }
        Ok(Self::default())
    }

    /// Loads one file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses TOML text that came from `path`.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| ConfigError::Parse {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
        Ok(Self {
            path: Some(path.to_path_buf()),
            table,
        })
    }

    /// The file this came from, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The directory holding the file (paths inside it are relative to this).
    pub fn dir(&self) -> Option<&Path> {
        self.path.as_deref().and_then(Path::parent)
    }

    /// How messages name `key` of `[table]`: `[backtest] jobs in /repo/velo.toml` (the file as
    /// found, so a velo.toml met higher up the tree is named where it is).
    pub fn key_name(&self, table: &str, key: &str) -> String {
        format!("[{table}] {key} in {}", self.file_name())
    }

    /// The error for a value of `key` in `[table]` that its rule refuses: `reason` says why,
    /// worded by the same rule as the flag's (see `cli::settings`).
    pub fn bad_value(&self, table: &str, key: &str, reason: impl std::fmt::Display) -> ConfigError {
        ConfigError::Value {
            name: self.key_name(table, key),
            message: reason.to_string(),
        }
    }

    fn file_name(&self) -> String {
        self.path
            .as_deref()
            .unwrap_or(Path::new(FILE_NAME))
            .display()
            .to_string()
    }

    /// Deserializes one command's table (`[env-check]`, …); a missing table is `T::default()`.
    /// Unknown keys are an error when `T` uses `#[serde(deny_unknown_fields)]`. A value that
    /// does not fit is named by its key (see [`Config::key_name`]).
    pub fn section<T: DeserializeOwned + Default>(&self, name: &str) -> Result<T, ConfigError> {
        let Some(value) = self.table.get(name) else {
            return Ok(T::default());
        };
        value.clone().try_into().map_err(|e: toml::de::Error| {
            // serde's message does not say which key it was about: find the key whose value
            // alone does not fit (every field of a settings table is optional).
            let culprit = value.as_table().and_then(|t| {
                t.iter().find_map(|(k, v)| {
                    let alone = toml::Table::from_iter([(k.clone(), v.clone())]);
                    toml::Value::Table(alone)
                        .try_into::<T>()
                        .err()
                        .map(|e| (k, e))
                })
            });
            match culprit {
                Some((key, e)) => self.bad_value(name, key, e.message()),
                None => ConfigError::Value {
                    name: format!("[{name}] in {}", self.file_name()),
                    message: e.message().to_string(),
                },
            }
        })
    }

    /// The raw table of one command, if present.
    pub fn raw(&self, name: &str) -> Option<&toml::Value> {
        self.table.get(name)
    }

    /// The top-level keys that are not one of `known` (the commands' table names): a misspelled
    /// table (`[env_check]`) would otherwise be ignored without a word. Each comes with the
    /// known name it most likely meant, when one is close.
    pub fn unknown_tables(&self, known: &[&str]) -> Vec<UnknownTable> {
        self.table
            .keys()
            .filter(|k| !known.contains(&k.as_str()))
            .map(|name| UnknownTable {
                name: name.clone(),
                suggestion: crate::suggest::closest(name, known.iter().copied())
                    .map(str::to_string),
            })
            .collect()
    }
}

/// A top-level key of velo.toml that no command reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownTable {
    pub name: String,
    pub suggestion: Option<String>,
}

impl std::fmt::Display for UnknownTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "[{}] is not a table velo reads, so it is ignored",
            self.name
        )?;
        match &self.suggestion {
            Some(s) => write!(f, ": did you mean [{s}]?"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, serde::Deserialize, PartialEq)]
    #[serde(deny_unknown_fields, rename_all = "kebab-case")]
    struct Section {
        timeout: Option<String>,
        retries: Option<u32>,
    }

    #[test]
    fn discovers_upwards_and_reads_sections() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a/b");
        std::fs::create_dir_all(&nested).unwrap();
        std::fs::write(
            dir.path().join(FILE_NAME),
            "[test-timeout-runner]\ntimeout = \"30s\"\nretries = 2\n",
        )
        .unwrap();
        let cfg = Config::discover(&nested).unwrap();
        assert_eq!(cfg.dir(), Some(dir.path()));
        let s: Section = cfg.section("test-timeout-runner").unwrap();
        assert_eq!(
            s,
            Section {
                timeout: Some("30s".into()),
                retries: Some(2)
            }
        );
        let missing: Section = cfg.section("scan").unwrap();
        assert_eq!(missing, Section::default());
    }

    #[test]
    fn misspelled_tables_are_named_with_a_suggestion() {
        let known = ["env-check", "scan", "test-timeout-runner", "log-digest"];
        let cfg = Config::parse(
            "[env_check]\nx = 1\n[Scan]\n[log-digest]\n[frobnicate]\n[test-timeout-runer]\n",
            Path::new("velo.toml"),
        )
        .unwrap();
        let unknown: Vec<String> = cfg
            .unknown_tables(&known)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            unknown,
            [
                "[Scan] is not a table velo reads, so it is ignored: did you mean [scan]?",
                "[env_check] is not a table velo reads, so it is ignored: did you mean [env-check]?",
                "[frobnicate] is not a table velo reads, so it is ignored",
                "[test-timeout-runer] is not a table velo reads, so it is ignored: did you mean [test-timeout-runner]?",
            ]
        );
        assert!(Config::default().unknown_tables(&known).is_empty());
    }

    #[test]
    fn errors_name_the_file_and_table() {
        let p = Path::new("/x/velo.toml");
        let err = Config::parse("[scan\n", p).unwrap_err().to_string();
        assert!(err.contains("/x/velo.toml"), "{err}");
        let cfg = Config::parse("[scan]\nbogus = 1\n", p).unwrap();
        let err = cfg.section::<Section>("scan").unwrap_err().to_string();
        assert!(
            err.starts_with("[scan] bogus in /x/velo.toml: unknown field `bogus`"),
            "{err}"
        );
    }

    #[test]
    fn a_value_that_does_not_fit_is_named_by_its_key() {
        let p = Path::new("/x/velo.toml");
        let cfg = Config::parse("[scan]\ntimeout = \"1s\"\nretries = \"two\"\n", p).unwrap();
        let err = cfg.section::<Section>("scan").unwrap_err().to_string();
        assert!(
            err.starts_with("[scan] retries in /x/velo.toml: invalid type: string \"two\""),
            "{err}"
        );
        // A table that is not a table is named as a whole.
        let cfg = Config::parse("scan = 3\n", p).unwrap();
        let err = cfg.section::<Section>("scan").unwrap_err().to_string();
        assert!(err.starts_with("[scan] in /x/velo.toml: "), "{err}");
        // With no file, the default name.
        assert_eq!(
            Config::default()
                .bad_value("monitor", "interval", "too short")
                .to_string(),
            "[monitor] interval in velo.toml: too short"
        );
    }
}
