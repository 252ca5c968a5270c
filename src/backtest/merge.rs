//! Merging the partial results of a sharded sweep or universe into exactly the unsharded
//! report, refusing shards that are missing, duplicated, interrupted or from other work.

use std::path::PathBuf;

use super::ranking::{Collector, Ranking};
use super::results::{Summary, SweepReport};
use crate::shard::{first_difference, task_var, Partition, Roster};

/// Why shard reports cannot be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("cannot read {file}")]
    Read {
        file: String,
        #[source]
        error: std::io::Error,
    },
    #[error("{file} is empty: the shard that writes it was killed or failed before its end; run it again")]
    EmptyFile { file: String },
    #[error("{file}: not a backtest sweep result")]
    NotAResult {
        file: String,
        #[source]
        error: serde_json::Error,
    },
    #[error("{file}: not a partial result of a sharded sweep (it has no shard)")]
    NotAShard { file: String },
    #[error("{file} is from other work than {first} ({what} differs: {theirs} vs {ours}): merge only the shards of one sweep")]
    Mismatch {
        file: String,
        first: String,
        what: &'static str,
        theirs: String,
        ours: String,
    },
    #[error("{file} and {other} are both shard {shard}: merge one of them")]
    Duplicate {
        file: String,
        other: String,
        shard: String,
    },
    #[error("{file} is an interrupted shard ({shard}: {not_started} grid points not run): run that shard again and merge its new result")]
    Interrupted {
        file: String,
        shard: String,
        not_started: u64,
    },
    #[error("missing shard(s) {missing} of {total}: run them and merge all {total} files")]
    Missing { missing: String, total: u32 },
    #[error("no files to merge")]
    Empty,
}

/// Reads the shard reports in `files` (JSON) and merges them (see [`merge`]).
pub fn merge_files(files: &[PathBuf], allow_partial: bool) -> Result<SweepReport, MergeError> {
    let mut reports = Vec::with_capacity(files.len());
    for path in files {
        let file = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) => return Err(MergeError::Read { file, error }),
        };
        if text.trim().is_empty() {
            return Err(MergeError::EmptyFile { file });
        }
        match serde_json::from_str(&text) {
            Ok(report) => reports.push((file, report)),
            Err(error) => return Err(MergeError::NotAResult { file, error }),
        }
    }
    merge(reports, allow_partial)
}

/// Merges shard reports (each with the file it came from) into the unsharded report. A
/// missing or interrupted shard is an error, unless `allow_partial`: then the report lists
/// them in `partial`. Shards are named as their scheduler named them (`3/4
/// (SLURM_ARRAY_TASK_ID=2)`) when their K came from its variable.
pub fn merge(
    reports: Vec<(String, SweepReport)>,
    allow_partial: bool,
) -> Result<SweepReport, MergeError> {
    let Some((first_file, first)) = reports.first().cloned() else {
        return Err(MergeError::Empty);
    };
    let shard_of = |file: &str, r: &SweepReport| -> Result<Partition, MergeError> {
        r.shard
            .as_deref()
            .and_then(|s| Partition::parse(s, &|_| None).ok())
            .ok_or_else(|| MergeError::NotAShard {
                file: file.to_string(),
            })
    };
    let total = shard_of(&first_file, &first)?.total;
    // The scheduler variable the shards' K came from, to name the missing ones by it too.
    let mut roster = Roster::new(
        total,
        task_var(reports.iter().map(|(_, r)| r.shard_task.as_deref())),
    );
    let ranking = Ranking::by(&first.rank_by, first.top).map_err(|_| MergeError::NotAShard {
        file: first_file.clone(),
    })?;
    let mut collector = Collector::new(ranking);
    let mut summary = Summary {
        grid_points: first.summary.grid_points,
        ..Summary::default()
    };
    let mut partial = Vec::new();
    for (file, r) in &reports {
        let p = shard_of(file, r)?;
        if let Some((what, theirs, ours)) = first_difference([
            ("kind", r.kind.clone(), first.kind.clone()),
            ("work hash", r.work_hash.clone(), first.work_hash.clone()),
            (
                "velo version",
                r.velo_version.clone(),
                first.velo_version.clone(),
            ),
            ("rank-by", r.rank_by.clone(), first.rank_by.clone()),
            ("top", r.top.to_string(), first.top.to_string()),
            ("shard count", p.total.to_string(), total.to_string()),
        ]) {
            return Err(MergeError::Mismatch {
                file: file.clone(),
                first: first_file.clone(),
                what,
                theirs,
                ours,
            });
        }
        roster
            .add(p.index, file)
            .map_err(|other| MergeError::Duplicate {
                file: file.clone(),
                other,
                shard: roster.name(p.index),
            })?;
    }
    for (file, r) in reports {
        let p = shard_of(&file, &r)?;
        if r.summary.interrupted || r.summary.not_started > 0 {
            if !allow_partial {
                return Err(MergeError::Interrupted {
                    file,
                    shard: roster.name(p.index),
                    not_started: r.summary.not_started,
                });
            }
            partial.push(format!("{} interrupted ({file})", roster.name(p.index)));
            summary.interrupted = true;
        }
        // A shard that walked the whole grid counted every point.
        summary.combinations = summary.combinations.max(r.summary.combinations);
        summary.runs += r.summary.runs;
        summary.ok += r.summary.ok;
        summary.timed_out += r.summary.timed_out;
        summary.errors += r.summary.errors;
        summary.not_started += r.summary.not_started;
        for x in r.results {
            collector.push(x);
        }
    }
    let missing = roster.missing();
    if !missing.is_empty() {
        if !allow_partial {
            return Err(MergeError::Missing {
                missing: missing.join(", "),
                total,
            });
        }
        partial.extend(missing.iter().map(|m| format!("{m} missing")));
        summary.interrupted = true;
    }
    let (results, _) = collector.finish();
    Ok(SweepReport {
        shard: None,
        shard_task: None,
        summary,
        results,
        partial,
        ..first
    })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;

    use super::*;
    use crate::backtest::grid::WalkProgress;
    use crate::backtest::sweep::{sweep, SweepOptions};
    use crate::backtest::test_data::{goog, huge_grid as huge, sweep_options as opts};
    use crate::backtest::Settings;

    #[test]
    fn merge_refuses_an_interrupted_shard() {
        let (bars, grid) = (goog(), huge());
        let cancel = AtomicBool::new(true);
        let shard = |k| SweepOptions {
            shard: Some(Partition::new(k, 2).unwrap()),
            ..opts()
        };
        let run = |k| {
            let mut r = sweep(
                &bars,
                &grid,
                &Settings::default(),
                &shard(k),
                &cancel,
                &WalkProgress::default(),
                &mut |_| {},
            );
            r.work_hash = "w".to_string();
            r
        };
        let parts = || {
            vec![
                ("a.json".to_string(), run(1)),
                ("b.json".to_string(), run(2)),
            ]
        };
        let e = merge(parts(), false).unwrap_err();
        assert!(matches!(e, MergeError::Interrupted { .. }), "{e}");
        assert!(
            e.to_string()
                .starts_with("a.json is an interrupted shard (1/2: "),
            "{e}"
        );
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("part-1.json");
        std::fs::write(&empty, "").unwrap();
        let e = merge_files(&[empty], false).unwrap_err();
        assert!(e.to_string().ends_with("part-1.json is empty: the shard that writes it was killed or failed before its end; run it again"), "{e}");
        let m = merge(parts()[..1].to_vec(), true).unwrap();
        assert_eq!(m.partial, ["1/2 interrupted (a.json)", "2/2 missing"]);
        assert!(m.summary.interrupted);
    }
}
