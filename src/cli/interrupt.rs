//! Signals: a command with something to clean up (child process trees, reports) calls [`defer`];
//! from then on Ctrl-C, SIGTERM and SIGHUP are only recorded, the command's polling loops see the
//! flag within a tick, finish their clean-up, and `cli::run` re-raises the signal with its default
//! action, so the calling shell sees a real interrupt (exit 128+N), as fd and cargo-nextest do.
//!
//! The handlers only store to atomics (async-signal-safe, no thread): a handler thread cost
//! `test-timeout-runner -- true` about 0.1 ms of its start-up and its exit. Every other command
//! keeps the default disposition, which already ends the process by the signal.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

/// The last signal received (0: none) and the flag every deferred command polls.
struct Recorded {
    signal: Arc<AtomicUsize>,
    flag: Arc<AtomicBool>,
}

static RECORDED: OnceLock<Recorded> = OnceLock::new();

/// Installs the recording handlers (once per process) and returns the flag they raise. The
/// caller must poll it and wind down when it turns true; `cli::run` re-raises the signal after
/// the command returns.
pub fn defer() -> Arc<AtomicBool> {
    let rec = RECORDED.get_or_init(|| {
        let rec = Recorded {
            signal: Arc::new(AtomicUsize::new(0)),
            flag: Arc::new(AtomicBool::new(false)),
        };
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            // Registration fails only for forbidden signals, and these three are not.
            let _ = signal_hook::flag::register_usize(sig, Arc::clone(&rec.signal), sig as usize);
            let _ = signal_hook::flag::register(sig, Arc::clone(&rec.flag));
        }
        rec
    });
    Arc::clone(&rec.flag)
}

/// The signal received so far, if any.
pub fn received() -> Option<i32> {
    let sig = RECORDED.get()?.signal.load(Ordering::SeqCst);
    (sig != 0).then_some(sig as i32)
}

/// Re-raises a recorded signal with its default action (the process ends here if one arrived).
pub fn reraise_if_received() {
    if let Some(sig) = received() {
        let _ = signal_hook::low_level::emulate_default_handler(sig);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signal_is_recorded_not_acted_on() {
        let flag = defer();
        assert!(!flag.load(Ordering::SeqCst));
        signal_hook::low_level::raise(SIGHUP).unwrap();
        assert!(flag.load(Ordering::SeqCst));
        assert_eq!(received(), Some(SIGHUP));
    }
}
