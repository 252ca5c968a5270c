//! K/N sharding, shared by `test-timeout-runner --partition` and `backtest --shard`: a stable
//! split of item ids (test ids, grid points, symbols) over N machines by a hash of the id, so
//! every machine picks its share without talking to the others and adding an item moves no
//! other. The index may also come from `CI_NODE_INDEX`/`CI_NODE_TOTAL` (GitLab, 1-based),
//! `JOB_COMPLETION_INDEX` (Kubernetes Indexed Jobs, 0-based) or `SLURM_ARRAY_TASK_ID` (Slurm job
//! arrays, taken as 0-based unless `SLURM_ARRAY_TASK_MIN` says otherwise).

use serde::Serialize;

/// One shard of N (index is 1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Partition {
    pub index: u32,
    pub total: u32,
}

/// A partition spec that does not parse or does not fit; a bad scheduler variable is named
/// with its value.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PartitionError {
    #[error("partition {0:?} is not K/N (e.g. 2/4) or N with the index from the environment")]
    Syntax(String),
    #[error("partition {index}/{total} is out of range: K must be between 1 and N")]
    Range { index: u32, total: u32 },
    #[error("partition {0} needs the shard index: set CI_NODE_INDEX (1-based), JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID (0-based), or pass K/N")]
    NoIndex(u32),
    #[error("{var}={value:?} is not {what}: unset it, or pass K/N")]
    BadEnv {
        var: &'static str,
        value: String,
        what: &'static str,
    },
    #[error("{var}={value} is shard {index} ({counting}), but there are {total} shards: run at most {total} tasks, or pass K/N")]
    EnvRange {
        var: &'static str,
        value: String,
        counting: &'static str,
        index: u64,
        total: u32,
    },
    #[error("SLURM_ARRAY_TASK_ID={task} is below SLURM_ARRAY_TASK_MIN={min}: the task is not in its array; unset them, or pass K/N")]
    SlurmBelowMin { task: u32, min: u32 },
    #[error("{a} and {b} name different shards ({a_index} and {b_index}, 1-based): unset the one that does not belong to this job, or pass K/N")]
    Disagree {
        a: &'static str,
        a_index: u64,
        b: &'static str,
        b_index: u64,
    },
}

impl Partition {
    pub fn new(index: u32, total: u32) -> Result<Self, PartitionError> {
        if total == 0 || index == 0 || index > total {
            return Err(PartitionError::Range { index, total });
        }
        Ok(Self { index, total })
    }

    /// Parses `K/N`, or `N` with the index taken from `env` (a lookup of environment variables).
    pub fn parse(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Self, PartitionError> {
        let bad = || PartitionError::Syntax(text.to_string());
        let num = |s: &str| s.trim().parse::<u32>().map_err(|_| bad());
        if let Some((k, n)) = text.split_once('/') {
            Self::new(num(k)?, num(n)?)
        } else {
            let total = num(text)?;
            let found = env_index(env)?.ok_or(PartitionError::NoIndex(total))?;
            found.within(total)
        }
    }

    /// From `CI_NODE_INDEX` + `CI_NODE_TOTAL` alone (GitLab parallel jobs), when both are set.
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<Option<Self>, PartitionError> {
        let Some(total) = var(env, "CI_NODE_TOTAL") else {
            return Ok(None);
        };
        let total: u32 = total
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .ok_or(PartitionError::BadEnv {
                var: "CI_NODE_TOTAL",
                value: total,
                what: "a number of shards (a whole number from 1)",
            })?;
        match env_index(env)? {
            Some(found) => found.within(total).map(Some),
            None => Ok(None),
        }
    }

    /// Whether this shard runs `id`.
    pub fn selects(&self, id: &str) -> bool {
        (fnv1a(id.as_bytes()) % u64::from(self.total)) as u32 == self.index - 1
    }
}

/// A shard index read from a scheduler's variable (1-based), with where it came from.
struct EnvIndex {
    var: &'static str,
    value: String,
    counting: &'static str,
    index: u64,
}

impl EnvIndex {
    fn within(self, total: u32) -> Result<Partition, PartitionError> {
        match u32::try_from(self.index) {
            Ok(index) if index <= total => Partition::new(index, total),
            _ => Err(PartitionError::EnvRange {
                var: self.var,
                value: self.value,
                counting: self.counting,
                index: self.index,
                total,
            }),
        }
    }
}

/// A variable's value, trimmed; an empty one counts as unset.
fn var(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    env(name)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The shard index the scheduler's variables give (1-based): each set variable must be a
/// valid index, and two that are set must agree.
fn env_index(env: &dyn Fn(&str) -> Option<String>) -> Result<Option<EnvIndex>, PartitionError> {
    let read =
        |name: &'static str, from_one: bool| -> Result<Option<EnvIndex>, PartitionError> {
            let Some(value) = var(env, name) else {
                return Ok(None);
            };
            let what = if from_one {
                "a shard index (a whole number counting from 1)"
            } else {
                "a shard index (a whole number counting from 0)"
            };
            let n: u32 = value.parse().ok().filter(|&n| !from_one || n > 0).ok_or(
                PartitionError::BadEnv {
                    var: name,
                    value: value.clone(),
                    what,
                },
            )?;
            Ok(Some(EnvIndex {
                var: name,
                value,
                counting: if from_one {
                    "it counts from 1"
                } else {
                    "it counts from 0"
                },
                index: u64::from(n) + u64::from(!from_one),
            }))
        };
    let mut found = Vec::new();
    found.extend(read("CI_NODE_INDEX", true)?);
    found.extend(read("JOB_COMPLETION_INDEX", false)?);
    if let Some(mut task) = read("SLURM_ARRAY_TASK_ID", false)? {
        if let Some(min) = read("SLURM_ARRAY_TASK_MIN", false)? {
            let (t, m) = (task.index - 1, min.index - 1);
            if t < m {
                return Err(PartitionError::SlurmBelowMin {
                    task: t as u32,
                    min: m as u32,
                });
            }
            task.index = t - m + 1;
            task.counting = "counted from SLURM_ARRAY_TASK_MIN";
        }
        found.push(task);
    }
    if let Some(other) = found.iter().skip(1).find(|f| f.index != found[0].index) {
        return Err(PartitionError::Disagree {
            a: found[0].var,
            a_index: found[0].index,
            b: other.var,
            b_index: other.index,
        });
    }
    Ok(found.into_iter().next())
}

impl std::fmt::Display for Partition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.total)
    }
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

    #[test]
    fn parses_forms_and_env() {
        assert_eq!(
            Partition::parse("2/4", &no_env),
            Ok(Partition { index: 2, total: 4 })
        );
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
        let k8s = |k: &str| (k == "JOB_COMPLETION_INDEX").then(|| "0".to_string());
        assert_eq!(
            Partition::parse("3", &k8s),
            Ok(Partition { index: 1, total: 3 })
        );
        let gitlab = |k: &str| match k {
            "CI_NODE_INDEX" => Some("2".to_string()),
            "CI_NODE_TOTAL" => Some("3".to_string()),
            _ => None,
        };
        assert_eq!(
            Partition::from_env(&gitlab),
            Ok(Some(Partition { index: 2, total: 3 }))
        );
        assert_eq!(Partition::from_env(&no_env), Ok(None));
        let slurm = |k: &str| match k {
            "SLURM_ARRAY_TASK_ID" => Some("5".to_string()),
            "SLURM_ARRAY_TASK_MIN" => Some("4".to_string()),
            _ => None,
        };
        assert_eq!(
            Partition::parse("2", &slurm),
            Ok(Partition { index: 2, total: 2 })
        );
        assert_eq!(Partition { index: 2, total: 5 }.to_string(), "2/5");
    }

    #[test]
    fn a_bad_variable_is_named_with_its_value() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).to_string())
            }
        };
        let e = Partition::parse("3", &env(&[("JOB_COMPLETION_INDEX", "abc")])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "JOB_COMPLETION_INDEX=\"abc\" is not a shard index (a whole number counting from 0): unset it, or pass K/N"
        );
        let e = Partition::parse("3", &env(&[("JOB_COMPLETION_INDEX", "-1")])).unwrap_err();
        assert!(e.to_string().contains("JOB_COMPLETION_INDEX=\"-1\""), "{e}");
        let e = Partition::parse("3", &env(&[("JOB_COMPLETION_INDEX", "3")])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "JOB_COMPLETION_INDEX=3 is shard 4 (it counts from 0), but there are 3 shards: run at most 3 tasks, or pass K/N"
        );
        let e = Partition::parse("3", &env(&[("CI_NODE_INDEX", "0")])).unwrap_err();
        assert!(e.to_string().contains("counting from 1"), "{e}");
        let e = Partition::parse(
            "3",
            &env(&[("CI_NODE_INDEX", "1"), ("JOB_COMPLETION_INDEX", "1")]),
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("name different shards (1 and 2"),
            "{e}"
        );
        assert_eq!(
            Partition::parse(
                "3",
                &env(&[("CI_NODE_INDEX", "2"), ("JOB_COMPLETION_INDEX", "1")])
            ),
            Ok(Partition { index: 2, total: 3 })
        );
        let e = Partition::parse(
            "3",
            &env(&[("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_MIN", "4")]),
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("below SLURM_ARRAY_TASK_MIN=4"),
            "{e}"
        );
        let e = Partition::from_env(&env(&[("CI_NODE_TOTAL", "x"), ("CI_NODE_INDEX", "1")]))
            .unwrap_err();
        assert!(e.to_string().starts_with("CI_NODE_TOTAL=\"x\""), "{e}");
        // An empty variable is an unset one.
        assert_eq!(
            Partition::parse("3", &env(&[("JOB_COMPLETION_INDEX", " ")])),
            Err(PartitionError::NoIndex(3))
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
            let hits = (1..=total).filter(|k| Partition { index: *k, total }.selects(&id)).count();
            prop_assert_eq!(hits, 1);
        }
    }
}
