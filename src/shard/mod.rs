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

/// A partition spec that does not parse or does not fit.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PartitionError {
    #[error("partition {0:?} is not K/N (e.g. 2/4) or N with the index from the environment")]
    Syntax(String),
    #[error("partition {index}/{total} is out of range: K must be between 1 and N")]
    Range { index: u32, total: u32 },
    #[error("partition {0} needs the shard index: set CI_NODE_INDEX (1-based), JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID (0-based), or pass K/N")]
    NoIndex(u32),
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
            let index = env_index(env).ok_or(PartitionError::NoIndex(total))?;
            Self::new(index, total)
        }
    }

    /// From `CI_NODE_INDEX` + `CI_NODE_TOTAL` alone (GitLab parallel jobs), when both are set.
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<Option<Self>, PartitionError> {
        let Some(total) = env("CI_NODE_TOTAL") else {
            return Ok(None);
        };
        let total: u32 = total
            .trim()
            .parse()
            .map_err(|_| PartitionError::Syntax(format!("CI_NODE_TOTAL={total}")))?;
        match env_index(env) {
            Some(index) => Self::new(index, total).map(Some),
            None => Ok(None),
        }
    }

    /// Whether this shard runs `id`.
    pub fn selects(&self, id: &str) -> bool {
        (fnv1a(id.as_bytes()) % u64::from(self.total)) as u32 == self.index - 1
    }
}

fn env_index(env: &dyn Fn(&str) -> Option<String>) -> Option<u32> {
    if let Some(i) = env("CI_NODE_INDEX").and_then(|v| v.trim().parse::<u32>().ok()) {
        return Some(i);
    }
    let zero_based = |name: &str| env(name).and_then(|v| v.trim().parse::<u32>().ok());
    if let Some(i) = zero_based("JOB_COMPLETION_INDEX") {
        return Some(i + 1);
    }
    let task = zero_based("SLURM_ARRAY_TASK_ID")?;
    let min = zero_based("SLURM_ARRAY_TASK_MIN").unwrap_or(0);
    task.checked_sub(min).map(|i| i + 1)
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
