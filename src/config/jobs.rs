//! The one rule for `--jobs N` (and `jobs = N` in velo.toml) in every command: N workers at
//! once, `0` for one per CPU (as `xargs -P 0` and GNU parallel's `-j 0` mean "as many as make
//! sense"), at most [`MAX_JOBS`].

/// More workers than this is a typo, not a plan (each is a thread or a process).
pub const MAX_JOBS: usize = 1024;

/// The number of CPUs this process may use (1 when it cannot be told).
pub fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// Resolves a jobs count: `0` becomes the CPU count; more than [`MAX_JOBS`] is an error.
pub fn resolve(n: u64) -> Result<usize, String> {
    match usize::try_from(n) {
        Ok(0) => Ok(cpus()),
        Ok(n) if n <= MAX_JOBS => Ok(n),
        _ => Err(format!(
            "{n} jobs is more than {MAX_JOBS}: use at most {MAX_JOBS}, or 0 for one per CPU"
        )),
    }
}

/// A clap value parser for `--jobs`: a whole number, 0 for one per CPU; returns the resolved
/// count (always at least 1).
pub fn parse(text: &str) -> Result<usize, String> {
    let n: u64 = text.trim().parse().map_err(|_| {
        format!("{text:?} is not a number of jobs: use a whole number, or 0 for one per CPU")
    })?;
    resolve(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_means_one_per_cpu_and_the_rest_is_checked() {
        assert_eq!(parse("0"), Ok(cpus()));
        assert!(cpus() >= 1);
        assert_eq!(parse("3"), Ok(3));
        assert_eq!(parse(" 1024 "), Ok(1024));
        assert!(parse("1025").unwrap_err().contains("at most 1024"));
        assert!(parse("-1").unwrap_err().contains("whole number"));
        assert!(parse("two").unwrap_err().contains("whole number"));
        assert_eq!(resolve(0), Ok(cpus()));
        assert!(resolve(u64::MAX).is_err());
    }
}
