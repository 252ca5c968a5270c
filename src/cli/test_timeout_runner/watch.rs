//! `--watch`: run, then run again whenever a watched file changes (`test_runner::watch` says
//! which changes count), previously failed tests first, until Ctrl-C.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context as _;

use super::{run_once, Settings};
use crate::cli::Context;
use crate::output::Tone;
use crate::test_runner::watch::Changes;

/// Runs, then runs again on every change that counts, until Ctrl-C. Returns the last run's
/// exit code.
pub(super) fn watch_loop(
    paths: &[PathBuf],
    s: &mut Settings,
    ctx: &Context,
    cancel: &AtomicBool,
) -> anyhow::Result<u8> {
    let absolute = |p: &PathBuf| {
        if p.is_absolute() {
            p.clone()
        } else {
            ctx.cwd.join(p)
        }
    };
    // velo's own reports change with every run: they never start one.
    let own: Vec<PathBuf> = s
        .junit
        .iter()
        .chain(s.run.output_dir.iter())
        .map(absolute)
        .collect();
    let watched = Changes::new(paths, own).context("--watch")?;
    loop {
        let (code, failed) = run_once(s, ctx, cancel)?;
        s.run.first = failed;
        if cancel.load(Ordering::SeqCst) {
            return Ok(code);
        }
        ctx.ui.info(
            &ctx.ui
                .paint_err("velo: watching for changes (Ctrl-C to stop)", Tone::Dim),
        );
        let Some(changed) = watched.next(cancel)? else {
            return Ok(code);
        };
        let shown: Vec<String> = changed
            .iter()
            .take(3)
            .map(|p| p.strip_prefix(&ctx.cwd).unwrap_or(p).display().to_string())
            .collect();
        let first = &s.run.first;
        ctx.ui.info(&format!(
            "velo: {} changed; running again{}",
            shown.join(", "),
            if first.is_empty() {
                String::new()
            } else {
                format!(", {} failed test(s) first", first.len())
            }
        ));
    }
}
