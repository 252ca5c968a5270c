//! Signals: Ctrl-C, SIGTERM and SIGHUP run the registered clean-up hooks (killing child process
//! trees, flushing reports) and are then re-raised with the default action, so the calling shell
//! sees a real interrupt (exit 128+N), as fd and cargo-nextest do.
//!
//! A command that wants to finish its own work first calls [`defer`]; the signal is then only
//! recorded ([`received`]) and `cli::run` re-raises it when the command returns.
//!
//! The handler thread is installed only by commands that have something to clean up (the first
//! [`add_hook`] or [`defer`] installs it): every other command keeps the default disposition,
//! which already ends the process by the signal, and starts faster for it.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Mutex, Once};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

type Hook = Box<dyn Fn(i32) + Send + Sync>;

static INSTALL: Once = Once::new();
static RECEIVED: AtomicI32 = AtomicI32::new(0);
static DEFERRED: AtomicBool = AtomicBool::new(false);
static HOOKS: Mutex<Vec<Hook>> = Mutex::new(Vec::new());

/// Installs the handler thread (once per process).
pub fn install() {
    INSTALL.call_once(|| {
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            return;
        };
        let spawned = std::thread::Builder::new()
            .name("velo-signals".into())
            .spawn(move || {
                for sig in signals.forever() {
                    RECEIVED.store(sig, Ordering::SeqCst);
                    run_hooks(sig);
                    if !DEFERRED.load(Ordering::SeqCst) {
                        let _ = signal_hook::low_level::emulate_default_handler(sig);
                    }
                }
            });
        drop(spawned);
    });
}

/// Registers a clean-up hook, run with the signal number when a signal arrives.
pub fn add_hook(hook: impl Fn(i32) + Send + Sync + 'static) {
    install();
    HOOKS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(Box::new(hook));
}

/// Removes every hook (when the resources they clean up are gone).
pub fn clear_hooks() {
    HOOKS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clear();
}

/// Lets the running command finish (and write its reports) after a signal instead of exiting
/// at once; `cli::run` re-raises the signal afterwards.
pub fn defer(yes: bool) {
    install();
    DEFERRED.store(yes, Ordering::SeqCst);
}

/// The signal received so far, if any.
pub fn received() -> Option<i32> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        sig => Some(sig),
    }
}

fn run_hooks(sig: i32) {
    let hooks = HOOKS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for hook in hooks.iter() {
        hook(sig);
    }
}

/// Re-raises a recorded signal with its default action (the process ends here if one arrived).
pub fn reraise_if_received() {
    if let Some(sig) = received() {
        let _ = signal_hook::low_level::emulate_default_handler(sig);
    }
}
