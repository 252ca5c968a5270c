//! Cancellation: the one sleep that wakes for a cancel flag. A flag raised by a signal handler
//! (Ctrl-C, SIGTERM) can only be polled, so every wait of a supervising loop that must end
//! promptly on it (a retry's backoff, a monitor's next sample, a hung debug strategy) sleeps
//! here, in slices of at most [`SLICE`].

use std::time::{Duration, Instant};

/// The longest a cancellation waits to be noticed.
pub const SLICE: Duration = Duration::from_millis(50);

/// Sleeps until `until`, or until `stop()` holds (checked before each slice of at most
/// [`SLICE`]). Returns whether it stopped for `stop()`; a wait that reached `until` returns
/// false.
pub fn cancellable_sleep(until: Instant, stop: impl Fn() -> bool) -> bool {
    loop {
        if stop() {
            return true;
        }
        let now = Instant::now();
        if now >= until {
            return false;
        }
        std::thread::sleep((until - now).min(SLICE));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[test]
    fn a_sleep_reaches_its_deadline_when_nothing_stops_it() {
        let start = Instant::now();
        assert!(!cancellable_sleep(
            start + Duration::from_millis(120),
            || false
        ));
        assert!(start.elapsed() >= Duration::from_millis(120));
    }

    #[test]
    fn a_raised_flag_ends_the_sleep_within_a_slice() {
        let flag = AtomicBool::new(false);
        let start = Instant::now();
        std::thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(Duration::from_millis(30));
                flag.store(true, Ordering::SeqCst);
            });
            // A deadline far away: only the flag can end it.
            let far = start + Duration::from_secs(600);
            assert!(cancellable_sleep(far, || flag.load(Ordering::SeqCst)));
        });
        assert!(start.elapsed() < Duration::from_secs(60));
    }

    #[test]
    fn a_flag_already_raised_does_not_sleep() {
        let far = Instant::now() + Duration::from_secs(600);
        assert!(cancellable_sleep(far, || true));
    }
}
