//! `--test-memory SIZE`: a memory limit per test process that the kernel enforces. Each test
//! process (cargo: one test; pytest and go: one session, the running test charged; generic
//! mode: the command) runs in a cgroup leaf of its own with the limit
//! ([`crate::proc::cgroup`]); the OOM killer then acts inside that group alone, the test is
//! reported `out-of-memory` with the group's peak, and the session goes on. Where no cgroup
//! can be made, [`Limiter::new`] says why (once, in the report's notes) and the run falls back
//! to sampling: test memory is sampled (`--monitor`) and a test whose sampled peak crossed the
//! limit is reported out of memory after the fact, not killed.

use crate::proc::cgroup::{Group, NoGroup, Version};
use crate::units::format_size;

/// How `--test-memory` is applied in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limiter {
    /// A cgroup per test process, made on demand.
    Cgroup { limit: u64 },
    /// No cgroup here: judged on sampled peaks.
    Sampled { limit: u64 },
}

impl Limiter {
    /// Tries a group with the limit once; `Err` carries the note that says why there is none.
    pub fn new(limit: u64) -> (Self, Option<String>) {
        match Group::create("probe", Some(limit)) {
            Ok(_) => (Self::Cgroup { limit }, None),
            Err(why) => (
                Self::Sampled { limit },
                Some(format!(
                    "--test-memory {}: no cgroup can be made here ({why}), so the kernel does not enforce it; test memory is sampled instead, and a test whose sampled peak RSS crossed the limit is reported out of memory (not killed)",
                    format_size(limit)
                )),
            ),
        }
    }

    pub fn limit(self) -> u64 {
        match self {
            Self::Cgroup { limit } | Self::Sampled { limit } => limit,
        }
    }

    /// A group with the limit for one test process (`None` when sampling, or when this one
    /// group could not be made: the test then runs without the kernel's limit).
    pub fn group(self, what: &str) -> Result<Option<Group>, NoGroup> {
        match self {
            Self::Cgroup { limit } => Group::create(what, Some(limit)).map(Some),
            Self::Sampled { .. } => Ok(None),
        }
    }
}

/// Where a peak comes from, for the excerpt.
pub fn source(g: &Group) -> &'static str {
    match g.version() {
        Version::V1 => "cgroup v1 memory.max_usage_in_bytes",
        Version::V2 => "cgroup v2 memory.peak",
    }
}

/// The excerpt's first line for a test the kernel killed at the limit.
pub fn killed_line(limit: u64, peak: Option<u64>, g: &Group) -> String {
    match peak {
        Some(p) => format!(
            "out of memory: killed by the kernel at the --test-memory limit of {} (peak {}, from the {})",
            format_size(limit),
            format_size(p),
            source(g)
        ),
        None => format!(
            "out of memory: killed by the kernel at the --test-memory limit of {}",
            format_size(limit)
        ),
    }
}

/// The excerpt's first line for a test judged on samples.
pub fn sampled_line(limit: u64, peak: u64) -> String {
    format!(
        "out of memory: sampled peak RSS {} crossed the --test-memory limit of {} (no cgroup here: judged on samples, not killed)",
        format_size(peak),
        format_size(limit)
    )
}
