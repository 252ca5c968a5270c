//! The failure summary of a command's output: what the user reads to see why it failed.
//! For now a plain tail of the output (stderr first when it has anything); kept behind this one
//! function so the log-digest miner can replace it without touching the callers.

use super::last_lines;

/// Lines of output shown in a failure summary.
pub const SUMMARY_LINES: usize = 15;

/// Summarises a failing command's captured output.
pub fn failure_summary(stdout_tail: &str, stderr_tail: &str) -> String {
    let err = last_lines(stderr_tail, SUMMARY_LINES);
    if err.is_empty() {
        last_lines(stdout_tail, SUMMARY_LINES)
    } else {
        err
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stderr_wins_when_present() {
        assert_eq!(failure_summary("out\n", "boom\n"), "boom");
        assert_eq!(failure_summary("a\nb\n", ""), "a\nb");
        let long = (0..40).fold(String::new(), |mut s, i| {
            s.push_str(&format!("line {i}\n"));
            s
        });
        assert_eq!(failure_summary(&long, "").lines().count(), SUMMARY_LINES);
    }
}
