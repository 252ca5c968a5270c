//! `--watch`: run, then run again whenever a watched file changes, previously failed tests
//! first, until Ctrl-C.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context as _;

use super::{run_generic, run_tests, Settings, TestTimeoutRunnerArgs};
use crate::cli::Context;
use crate::output::Tone;
use crate::test_runner::Framework;

/// Paths whose changes never trigger a re-run: caches and build output the run itself writes,
/// and velo's own reports (and their temporary files).
fn ignored_change(path: &Path, own: &[PathBuf]) -> bool {
    const NOISE: &[&str] = &[
        "__pycache__",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        ".git",
        ".venv",
        "target",
        "node_modules",
    ];
    let noisy_part = path
        .components()
        .any(|c| NOISE.iter().any(|n| c.as_os_str() == *n));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    noisy_part
        || name.starts_with(".tmp")
        || path.file_name().is_some_and(crate::outfile::is_temp_name)
        || path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("pyc"))
        || name.ends_with('~')
        || own.iter().any(|o| path.starts_with(o))
}

/// `--watch`: runs, then re-runs whenever a watched file changes, previously failed tests first,
/// until Ctrl-C. Returns the last run's exit code.
pub(super) fn watch_loop(
    framework: Framework,
    args: &TestTimeoutRunnerArgs,
    s: &Settings,
    ctx: &Context,
    cancel: &AtomicBool,
) -> anyhow::Result<u8> {
    let watcher = crate::watch::Watcher::new(&args.watch.paths, Duration::from_millis(300))
        .context("--watch")?;
    let absolute = |p: &PathBuf| {
        if p.is_absolute() {
            p.clone()
        } else {
            ctx.cwd.join(p)
        }
    };
    let own: Vec<PathBuf> = s
        .junit
        .iter()
        .chain(s.output_dir.iter())
        .map(absolute)
        .collect();
    let mut failed_first: Vec<String> = Vec::new();
    loop {
        let code = match framework {
            Framework::Pytest | Framework::Cargo | Framework::Go => {
                let (code, bad) = run_tests(framework, args, s, ctx, cancel, &failed_first)?;
                failed_first = bad;
                code
            }
            _ => run_generic(args, s, ctx, cancel)?,
        };
        if cancel.load(Ordering::SeqCst) {
            return Ok(code);
        }
        ctx.ui.info(
            &ctx.ui
                .paint_err("velo: watching for changes (Ctrl-C to stop)", Tone::Dim),
        );
        let changed = loop {
            let batch = watcher.next_batch(Some(Duration::from_millis(200)))?;
            if cancel.load(Ordering::SeqCst) {
                return Ok(code);
            }
            let relevant: Vec<PathBuf> = batch
                .into_iter()
                .filter(|p| !ignored_change(p, &own))
                .collect();
            if !relevant.is_empty() {
                break relevant;
            }
        };
        let shown: Vec<String> = changed
            .iter()
            .take(3)
            .map(|p| p.strip_prefix(&ctx.cwd).unwrap_or(p).display().to_string())
            .collect();
        ctx.ui.info(&format!(
            "velo: {} changed; running again{}",
            shown.join(", "),
            if failed_first.is_empty() {
                String::new()
            } else {
                format!(", {} failed test(s) first", failed_first.len())
            }
        ));
    }
}
