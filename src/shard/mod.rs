//! K/N sharding, shared by `test-timeout-runner --partition` and `backtest --shard`: a stable
//! split of item ids (test ids, grid points, symbols) over N machines by a hash of the id, so
//! every machine picks its share without talking to the others and adding an item moves no
//! other.
//!
//! # Where K comes from (one rule for every command)
//!
//! 1. `K/N` given on the command line: that shard, whatever the environment says.
//! 2. `N` alone: K from the scheduler's own variable, each read as its scheduler means it
//!    ([`INDEX_VARS`], in this order): `SLURM_ARRAY_TASK_ID` (Slurm job arrays, the task id as
//!    is, 0-based), `JOB_COMPLETION_INDEX` (Kubernetes Indexed Jobs, 0-based),
//!    `CI_NODE_INDEX` (GitLab `parallel:`, 1-based), `CIRCLE_NODE_INDEX` (CircleCI, 0-based),
//!    `BUILDKITE_PARALLEL_JOB` (Buildkite, 0-based). Task id 2 is shard 3/N on every run of it:
//!    a re-run (`sbatch --array=2`) or a requeue does the same work. `SLURM_ARRAY_TASK_MIN`,
//!    `MAX`, `COUNT` and `STEP` describe one submission, not the work, and are never used.
//! 3. Every one of those variables that is set must be a valid index within N (else an error
//!    naming it, its value and the range), and all that are set must name the same shard (else
//!    an error naming both with their values): `sbatch` passes the submitting shell's
//!    variables on, so an inherited `CI_NODE_INDEX` never silently picks another task's work.
//! 4. No flag (the runner only): `CI_NODE_TOTAL`, `CIRCLE_NODE_TOTAL` or
//!    `BUILDKITE_PARALLEL_JOB_COUNT` give N, and K comes as in 2 and 3.

use serde::Serialize;

/// One shard of N (index is 1-based), and the scheduler variable that named it, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Partition {
    pub index: u32,
    pub total: u32,
    /// The variable K was read from (`None`: given as `K/N`).
    #[serde(skip)]
    pub from: Option<&'static str>,
}

/// A scheduler's shard-index variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexVar {
    pub name: &'static str,
    /// The value of the first shard: 0 or 1.
    pub base: u32,
    /// Who sets it.
    pub scheduler: &'static str,
    /// How to submit N tasks that fit, with `{N}` and `{LAST}` to fill in.
    pub submit: &'static str,
    /// The variable that gives N beside it, if the scheduler sets one.
    pub total: Option<&'static str>,
}

/// The variables K is read from, in the documented order (see the module's documentation).
pub const INDEX_VARS: [IndexVar; 5] = [
    IndexVar {
        name: "SLURM_ARRAY_TASK_ID",
        base: 0,
        scheduler: "Slurm job arrays",
        submit: "sbatch --array=0-{LAST}",
        total: None,
    },
    IndexVar {
        name: "JOB_COMPLETION_INDEX",
        base: 0,
        scheduler: "Kubernetes Indexed Jobs",
        submit: "completions: {N}",
        total: None,
    },
    IndexVar {
        name: "CI_NODE_INDEX",
        base: 1,
        scheduler: "GitLab parallel jobs",
        submit: "parallel: {N}",
        total: Some("CI_NODE_TOTAL"),
    },
    IndexVar {
        name: "CIRCLE_NODE_INDEX",
        base: 0,
        scheduler: "CircleCI parallelism",
        submit: "parallelism: {N}",
        total: Some("CIRCLE_NODE_TOTAL"),
    },
    IndexVar {
        name: "BUILDKITE_PARALLEL_JOB",
        base: 0,
        scheduler: "Buildkite parallel jobs",
        submit: "parallelism: {N}",
        total: Some("BUILDKITE_PARALLEL_JOB_COUNT"),
    },
];

/// The index variable called `name`.
pub fn index_var(name: &str) -> Option<&'static IndexVar> {
    INDEX_VARS.iter().find(|v| v.name == name)
}

/// How the scheduler names shard `index` (1-based) of a split whose K came from `var`:
/// `SLURM_ARRAY_TASK_ID=2` for shard 3. Unknown or no variable: `K/N` is the name.
pub fn task_name(var: Option<&str>, index: u32, total: u32) -> String {
    match var.and_then(index_var) {
        Some(v) => format!("{}={}", v.name, index - 1 + v.base),
        None => format!("{index}/{total}"),
    }
}

/// A shard as merges name it: `3/4`, or `3/4 (SLURM_ARRAY_TASK_ID=2)` when the shards' K came
/// from that variable.
pub fn shard_name(var: Option<&str>, index: u32, total: u32) -> String {
    let task = task_name(var, index, total);
    if task.contains('=') {
        format!("{index}/{total} ({task})")
    } else {
        format!("{index}/{total}")
    }
}

/// The variable named in a report's `shard_task` (`SLURM_ARRAY_TASK_ID=2`), found among the
/// reports of a merge: the one their K came from.
pub fn task_var<'a>(tasks: impl IntoIterator<Item = Option<&'a str>>) -> Option<&'a str> {
    tasks
        .into_iter()
        .find_map(|t| t?.split_once('=').map(|(v, _)| v))
}

/// The shards of one split as a merge meets them: which file was which shard, so a duplicate
/// names both files and a missing shard is named as its scheduler names it.
pub struct Roster {
    total: u32,
    var: Option<String>,
    seen: Vec<Option<String>>,
}

impl Roster {
    /// A split into `total` shards whose K came from `var` (see [`task_var`]).
    pub fn new(total: u32, var: Option<&str>) -> Self {
        Self {
            total,
            var: var.map(str::to_string),
            seen: vec![None; total as usize],
        }
    }

    /// How merges name shard `index`: [`shard_name`].
    pub fn name(&self, index: u32) -> String {
        shard_name(self.var.as_deref(), index, self.total)
    }

    /// Records `file` as shard `index` (within N); `Err` with the file that already was it.
    pub fn add(&mut self, index: u32, file: &str) -> Result<(), String> {
        let slot = &mut self.seen[(index - 1) as usize];
        if let Some(other) = slot {
            return Err(other.clone());
        }
        *slot = Some(file.to_string());
        Ok(())
    }

    /// The names of the shards no file was.
    pub fn missing(&self) -> Vec<String> {
        (1..=self.total)
            .filter(|&k| self.seen[(k - 1) as usize].is_none())
            .map(|k| self.name(k))
            .collect()
    }
}

/// The first of `(what, theirs, ours)` that differ: what makes a shard another work's.
pub fn first_difference<const N: usize>(
    checks: [(&'static str, String, String); N],
) -> Option<(&'static str, String, String)> {
    checks.into_iter().find(|(_, theirs, ours)| theirs != ours)
}

/// A partition spec that does not parse or does not fit; a bad scheduler variable is named
/// with its value.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PartitionError {
    #[error("partition {0:?} is not K/N (e.g. 2/4) or N with the index from the environment")]
    Syntax(String),
    #[error("partition {index}/{total} is out of range: K must be between 1 and N")]
    Range { index: u32, total: u32 },
    #[error("partition {0} needs the shard index: pass K/{0}, or run where the scheduler sets SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX (0-based) or CI_NODE_INDEX (1-based)")]
    NoIndex(u32),
    #[error("{var}={value:?} is not {what}: unset it, or pass K/N")]
    BadEnv {
        var: &'static str,
        value: String,
        what: &'static str,
    },
    #[error("{var}={value} is out of range: with {total} shards it must be {first}..{last} ({scheduler}, taken as is): submit {submit}, or pass K/N")]
    EnvRange {
        var: &'static str,
        value: String,
        scheduler: &'static str,
        first: u32,
        last: u32,
        total: u32,
        submit: String,
    },
    #[error("{a}={a_value} (shard {a_index}/{total}) and {b}={b_value} (shard {b_index}/{total}) name different shards: unset the one this job inherited (sbatch passes the submitting shell's variables on), or pass K/N")]
    Disagree {
        a: &'static str,
        a_value: String,
        a_index: u32,
        b: &'static str,
        b_value: String,
        b_index: u32,
        total: u32,
    },
}

impl Partition {
    pub fn new(index: u32, total: u32) -> Result<Self, PartitionError> {
        if total == 0 || index == 0 || index > total {
            return Err(PartitionError::Range { index, total });
        }
        Ok(Self {
            index,
            total,
            from: None,
        })
    }

    /// Parses `K/N`, or `N` with the index taken from `env` (a lookup of environment variables).
    pub fn parse(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Self, PartitionError> {
        let bad = || PartitionError::Syntax(text.to_string());
        let num = |s: &str| s.trim().parse::<u32>().map_err(|_| bad());
        if let Some((k, n)) = text.split_once('/') {
            Self::new(num(k)?, num(n)?)
        } else {
            let total = num(text)?;
            if total == 0 {
                return Err(PartitionError::Range { index: 0, total });
            }
            env_index(env, total)?.ok_or(PartitionError::NoIndex(total))
        }
    }

    /// With no flag: N from a CI's total variable (`CI_NODE_TOTAL`, `CIRCLE_NODE_TOTAL`,
    /// `BUILDKITE_PARALLEL_JOB_COUNT`, the first set), K as [`Partition::parse`] reads it.
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<Option<Self>, PartitionError> {
        let Some((name, total)) = INDEX_VARS
            .iter()
            .filter_map(|v| v.total)
            .find_map(|t| var(env, t).map(|value| (t, value)))
        else {
            return Ok(None);
        };
        let total: u32 = total
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .ok_or(PartitionError::BadEnv {
                var: name,
                value: total,
                what: "a number of shards (a whole number from 1)",
            })?;
        env_index(env, total)
    }

    /// Whether this shard runs `id`.
    pub fn selects(&self, id: &str) -> bool {
        (fnv1a(id.as_bytes()) % u64::from(self.total)) as u32 == self.index - 1
    }

    /// How the scheduler names this shard: `SLURM_ARRAY_TASK_ID=2`, or `K/N` when given so.
    pub fn task(&self) -> String {
        task_name(self.from, self.index, self.total)
    }
}

/// A variable's value, trimmed; an empty one counts as unset.
fn var(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    env(name)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The shard of `total` the scheduler's variables name: each set variable must be a valid
/// index within `total`, and all that are set must agree.
fn env_index(
    env: &dyn Fn(&str) -> Option<String>,
    total: u32,
) -> Result<Option<Partition>, PartitionError> {
    let mut found: Option<(&'static str, String, u32)> = None;
    for v in &INDEX_VARS {
        let Some(value) = var(env, v.name) else {
            continue;
        };
        let what = if v.base == 1 {
            "a shard index (a whole number counting from 1)"
        } else {
            "a shard index (a whole number counting from 0)"
        };
        let n: u32 =
            value
                .parse()
                .ok()
                .filter(|&n| n >= v.base)
                .ok_or_else(|| PartitionError::BadEnv {
                    var: v.name,
                    value: value.clone(),
                    what,
                })?;
        let index = n - v.base + 1;
        if index > total {
            let last = total - 1 + v.base;
            return Err(PartitionError::EnvRange {
                var: v.name,
                value,
                scheduler: v.scheduler,
                first: v.base,
                last,
                total,
                submit: v
                    .submit
                    .replace("{LAST}", &last.to_string())
                    .replace("{N}", &total.to_string()),
            });
        }
        match &found {
            None => found = Some((v.name, value, index)),
            Some((a, a_value, a_index)) if *a_index != index => {
                return Err(PartitionError::Disagree {
                    a,
                    a_value: a_value.clone(),
                    a_index: *a_index,
                    b: v.name,
                    b_value: value,
                    b_index: index,
                    total,
                })
            }
            Some(_) => {}
        }
    }
    Ok(found.map(|(name, _, index)| Partition {
        index,
        total,
        from: Some(name),
    }))
}

impl std::fmt::Display for Partition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.total)
    }
}

/// The hash that says two shards' reports come from the same work (16 hex digits): of
/// everything that decides the results, as each command lists it.
pub fn work_hash(parts: &[&str]) -> String {
    format!("{:016x}", fnv1a(parts.join("\u{1f}").as_bytes()))
}

/// 64-bit FNV-1a: stable across platforms and releases (unlike std's hasher).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_string())
        }
    }

    fn part(index: u32, total: u32, from: Option<&'static str>) -> Partition {
        Partition { index, total, from }
    }

    #[test]
    fn parses_forms_and_env() {
        assert_eq!(Partition::parse("2/4", &no_env), Ok(part(2, 4, None)));
        assert!(matches!(
            Partition::parse("5/4", &no_env),
            Err(PartitionError::Range { .. })
        ));
        assert!(matches!(
            Partition::parse("x", &no_env),
            Err(PartitionError::Syntax(_))
        ));
        assert_eq!(
            Partition::parse("3", &no_env),
            Err(PartitionError::NoIndex(3))
        );
        assert_eq!(
            Partition::parse("3", &env(&[("JOB_COMPLETION_INDEX", "0")])),
            Ok(part(1, 3, Some("JOB_COMPLETION_INDEX")))
        );
        let gitlab = env(&[("CI_NODE_INDEX", "2"), ("CI_NODE_TOTAL", "3")]);
        assert_eq!(
            Partition::from_env(&gitlab),
            Ok(Some(part(2, 3, Some("CI_NODE_INDEX"))))
        );
        let circle = env(&[("CIRCLE_NODE_INDEX", "0"), ("CIRCLE_NODE_TOTAL", "2")]);
        assert_eq!(
            Partition::from_env(&circle),
            Ok(Some(part(1, 2, Some("CIRCLE_NODE_INDEX"))))
        );
        assert_eq!(Partition::from_env(&no_env), Ok(None));
        assert_eq!(part(2, 5, None).to_string(), "2/5");
        // An explicit K/N wins over any variable.
        assert_eq!(
            Partition::parse("1/4", &env(&[("SLURM_ARRAY_TASK_ID", "3")])),
            Ok(part(1, 4, None))
        );
    }

    #[test]
    fn a_slurm_task_id_is_taken_as_is_whatever_the_submission() {
        // A re-run of task 2 (`sbatch --array=2`: MIN=MAX=2, COUNT=1) and a requeue are shard
        // 3/4 as task 2 of `--array=0-3` was.
        let first = env(&[
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_MIN", "0"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ]);
        let rerun = env(&[
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_MIN", "2"),
            ("SLURM_ARRAY_TASK_MAX", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "1"),
        ]);
        let p = Partition::parse("4", &first).unwrap();
        assert_eq!(p, part(3, 4, Some("SLURM_ARRAY_TASK_ID")));
        assert_eq!(Partition::parse("4", &rerun), Ok(p));
        assert_eq!(p.task(), "SLURM_ARRAY_TASK_ID=2");
        // A step array's ids are ids: task 2 of --array=0-6:2 is task 2.
        let step = env(&[("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_STEP", "2")]);
        assert_eq!(Partition::parse("4", &step), Ok(p));
    }

    #[test]
    fn an_id_past_n_names_the_variable_its_value_and_the_range() {
        let e = Partition::parse("4", &env(&[("SLURM_ARRAY_TASK_ID", "4")])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "SLURM_ARRAY_TASK_ID=4 is out of range: with 4 shards it must be 0..3 (Slurm job arrays, taken as is): submit sbatch --array=0-3, or pass K/N"
        );
        let e = Partition::parse("3", &env(&[("JOB_COMPLETION_INDEX", "3")])).unwrap_err();
        assert!(
            e.to_string().starts_with(
                "JOB_COMPLETION_INDEX=3 is out of range: with 3 shards it must be 0..2"
            ),
            "{e}"
        );
        let e = Partition::parse("3", &env(&[("CI_NODE_INDEX", "4")])).unwrap_err();
        assert!(e.to_string().contains("must be 1..3"), "{e}");
        assert!(e.to_string().contains("parallel: 3"), "{e}");
    }

    #[test]
    fn two_variables_that_disagree_are_named_with_their_values() {
        // GitLab counts from 1: CI_NODE_INDEX=1 is shard 1, SLURM_ARRAY_TASK_ID=1 shard 2.
        let e = Partition::parse(
            "4",
            &env(&[("SLURM_ARRAY_TASK_ID", "1"), ("CI_NODE_INDEX", "1")]),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "SLURM_ARRAY_TASK_ID=1 (shard 2/4) and CI_NODE_INDEX=1 (shard 1/4) name different shards: unset the one this job inherited (sbatch passes the submitting shell's variables on), or pass K/N"
        );
        // Agreeing variables are one shard, named after the first in the order.
        assert_eq!(
            Partition::parse(
                "4",
                &env(&[("SLURM_ARRAY_TASK_ID", "0"), ("CI_NODE_INDEX", "1")])
            ),
            Ok(part(1, 4, Some("SLURM_ARRAY_TASK_ID")))
        );
        // An out-of-range variable is named even when another one is fine.
        let e = Partition::parse(
            "2",
            &env(&[("JOB_COMPLETION_INDEX", "1"), ("CI_NODE_INDEX", "5")]),
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("CI_NODE_INDEX=5"), "{e}");
    }

    #[test]
    fn a_bad_variable_is_named_with_its_value() {
        let e = Partition::parse("3", &env(&[("JOB_COMPLETION_INDEX", "abc")])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "JOB_COMPLETION_INDEX=\"abc\" is not a shard index (a whole number counting from 0): unset it, or pass K/N"
        );
        let e = Partition::parse("3", &env(&[("SLURM_ARRAY_TASK_ID", "-1")])).unwrap_err();
        assert!(e.to_string().contains("SLURM_ARRAY_TASK_ID=\"-1\""), "{e}");
        let e = Partition::parse("3", &env(&[("CI_NODE_INDEX", "0")])).unwrap_err();
        assert!(e.to_string().contains("counting from 1"), "{e}");
        let e = Partition::from_env(&env(&[("CI_NODE_TOTAL", "x"), ("CI_NODE_INDEX", "1")]))
            .unwrap_err();
        assert!(e.to_string().starts_with("CI_NODE_TOTAL=\"x\""), "{e}");
        // An empty variable is an unset one.
        assert_eq!(
            Partition::parse("3", &env(&[("JOB_COMPLETION_INDEX", " ")])),
            Err(PartitionError::NoIndex(3))
        );
        assert!(matches!(
            Partition::parse("0", &no_env),
            Err(PartitionError::Range { .. })
        ));
    }

    #[test]
    fn a_shard_is_named_as_its_scheduler_names_it() {
        assert_eq!(
            task_name(Some("SLURM_ARRAY_TASK_ID"), 1, 4),
            "SLURM_ARRAY_TASK_ID=0"
        );
        assert_eq!(task_name(Some("CI_NODE_INDEX"), 1, 4), "CI_NODE_INDEX=1");
        assert_eq!(task_name(None, 3, 4), "3/4");
        assert_eq!(task_name(Some("SOMETHING_ELSE"), 3, 4), "3/4");
        assert_eq!(
            shard_name(Some("SLURM_ARRAY_TASK_ID"), 3, 4),
            "3/4 (SLURM_ARRAY_TASK_ID=2)"
        );
        assert_eq!(shard_name(None, 3, 4), "3/4");
        assert_eq!(
            task_var([None, Some("CI_NODE_INDEX=2")]),
            Some("CI_NODE_INDEX")
        );
    }

    #[test]
    fn a_roster_names_duplicates_and_holes() {
        let mut r = Roster::new(3, Some("SLURM_ARRAY_TASK_ID"));
        assert_eq!(r.add(1, "a.json"), Ok(()));
        assert_eq!(r.add(1, "b.json"), Err("a.json".to_string()));
        assert_eq!(
            r.missing(),
            ["2/3 (SLURM_ARRAY_TASK_ID=1)", "3/3 (SLURM_ARRAY_TASK_ID=2)"]
        );
        assert_eq!(
            first_difference([("a", "1".into(), "1".into()), ("b", "2".into(), "3".into())]),
            Some(("b", "2".to_string(), "3".to_string()))
        );
    }

    #[test]
    fn hash_is_stable() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    proptest! {
        #[test]
        fn every_id_lands_in_exactly_one_shard(id in ".{0,40}", total in 1u32..9) {
            let hits = (1..=total).filter(|k| part(*k, total, None).selects(&id)).count();
            prop_assert_eq!(hits, 1);
        }

        #[test]
        fn every_index_variable_maps_its_whole_range_onto_the_shards(total in 1u32..9, which in 0usize..5) {
            let v = INDEX_VARS[which];
            let mut seen = Vec::new();
            for value in v.base..v.base + total {
                let lookup = |k: &str| (k == v.name).then(|| value.to_string());
                let p = Partition::parse(&total.to_string(), &lookup).unwrap();
                prop_assert_eq!(p.task(), format!("{}={value}", v.name));
                seen.push(p.index);
            }
            prop_assert_eq!(seen, (1..=total).collect::<Vec<_>>());
            let past = |k: &str| (k == v.name).then(|| (v.base + total).to_string());
            let is_range_error = matches!(
                Partition::parse(&total.to_string(), &past),
                Err(PartitionError::EnvRange { .. })
            );
            prop_assert!(is_range_error);
        }
    }
}
