//! The layering rule (DESIGN.md): domain modules and shared ground never import the CLI layer or
//! the renderers, nor derive clap traits; a domain returns a plain `Serialize` report and
//! `report/<command>.rs` renders it. This test reads the sources and fails on the first import
//! that breaks the rule.

use std::path::Path;

use crate::support::repo_root;

/// Folders under `src/` that must not know the CLI or the renderers.
const GUARDED: &[&str] = &[
    // domains
    "env_check",
    "test_runner",
    "log_digest",
    "scan",
    "backtest",
    "monitor",
    // shared ground
    "market",
    "proc",
    "units",
    "watch",
    "config",
    "pool",
    "shard",
    "outfile",
    "secret",
    "cancel",
];

/// The first line of `source` that imports a forbidden layer, as (1-based line, text).
fn forbidden_import(source: &str) -> Option<(usize, String)> {
    const LAYERS: [&str; 3] = ["cli", "output", "report"];
    // Inside `use crate::{ … };` spread over several lines.
    let mut in_crate_group = false;
    for (i, raw) in source.lines().enumerate() {
        let code = raw.trim().split("//").next().unwrap_or_default();
        let opens_group = code.contains("crate::{");
        // The items of a `crate::{…}` group on this line: their first path segment.
        let group_items = if opens_group {
            code.split_once("crate::{").map_or("", |(_, rest)| rest)
        } else if in_crate_group {
            code
        } else {
            ""
        };
        let in_group = group_items.split(',').any(|item| {
            let first = item
                .trim()
                .trim_matches(|c| c == '{' || c == '}' || c == ';')
                .split("::")
                .next()
                .unwrap_or_default()
                .trim();
            LAYERS.contains(&first)
        });
        let by_path = LAYERS.iter().any(|layer| {
            [
                format!("crate::{layer}::"),
                format!("crate::{layer};"),
                format!("crate::{layer} "),
                format!("super::super::{layer}"),
            ]
            .iter()
            .any(|p| code.contains(p.as_str()))
        });
        let clap =
            code.contains("clap::") || code.contains("derive(Parser") || code.contains("ValueEnum");
        if in_group || by_path || clap {
            return Some((i + 1, raw.to_string()));
        }
        if opens_group && !code.contains(';') {
            in_crate_group = true;
        } else if in_crate_group && code.contains(';') {
            in_crate_group = false;
        }
    }
    None
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn domains_and_shared_ground_do_not_import_cli_output_or_report() {
    let src = repo_root().join("src");
    let mut offenders = Vec::new();
    let mut checked = 0;
    for module in GUARDED {
        let mut files = Vec::new();
        rust_files(&src.join(module), &mut files);
        let single = src.join(format!("{module}.rs"));
        if single.is_file() {
            files.push(single);
        }
        for file in files {
            checked += 1;
            let text = std::fs::read_to_string(&file).unwrap();
            if let Some((line, code)) = forbidden_import(&text) {
                offenders.push(format!("{}:{line}: {}", file.display(), code.trim()));
            }
        }
    }
    assert!(
        checked > 20,
        "the guard found only {checked} files: is src/ laid out as DESIGN.md says?"
    );
    assert!(
        offenders.is_empty(),
        "domain or shared-ground modules import the CLI or the renderers (move the rendering \
         to src/report/<command>.rs):\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_guard_catches_each_form_of_import() {
    for bad in [
        "use crate::output::Tone;",
        "use crate::report::{Cell, Section};",
        "use crate::{output, units};",
        "use crate::{\n    units::parse,\n    report::Report,\n};",
        "    let code = crate::cli::exit::OK;",
        "#[derive(clap::Args)]",
        "#[derive(Debug, ValueEnum)]",
    ] {
        assert!(forbidden_import(bad).is_some(), "missed: {bad}");
    }
    for good in [
        "use crate::units::parse_duration;",
        "use crate::{market, proc};",
        "use crate::{proc::output::Tail, units};",
        "// use crate::output::Tone; (a comment)",
        "let report = Report::new(); // a local type named Report",
        "use super::report::EnvReport;",
    ] {
        assert!(forbidden_import(good).is_none(), "false alarm: {good}");
    }
}
