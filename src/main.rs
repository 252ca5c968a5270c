//! The `velo` binary: parse the command line, run, exit with the code the run chose.
//!
//! The entry point is the C `main` rather than Rust's `fn main`, because std's start-up
//! (`lang_start`) finds the main thread's stack by reading and `sscanf`-ing `/proc/self/maps`,
//! to place a stack-overflow guard. That costs about 115,000 instructions and 0.2 ms per start,
//! which every command pays and a wrapped quick command pays on every run (see the README's
//! runner speed figures). What `lang_start` does that velo needs is done here instead:
//! standard descriptors that were closed are opened on `/dev/null` (so a pipe or log file never
//! lands on fd 1), SIGPIPE is ignored (writes into a closed pipe are errors velo reports, as
//! before; children still start with SIGPIPE at its default, which std's spawn sets), and
//! `std::process::exit` flushes stdout. What is lost: the "has overflowed its stack" message (a
//! stack overflow is a plain segmentation fault) and the main thread's name in a panic message
//! (`thread '<unnamed>' panicked`).
#![no_main]

use nix::libc;

#[allow(unsafe_code)] // the C entry point and two libc calls made before anything else runs
#[unsafe(no_mangle)]
extern "C" fn main(_argc: libc::c_int, _argv: *const *const libc::c_char) -> libc::c_int {
    // SAFETY: single-threaded at this point; `poll` gets a valid array of three entries,
    // `open` a NUL-terminated path, and `signal` a valid signal number and disposition.
    unsafe {
        let mut fds = [0, 1, 2].map(|fd| libc::pollfd {
            fd,
            events: 0,
            revents: 0,
        });
        if libc::poll(fds.as_mut_ptr(), 3, 0) != -1 {
            for pfd in fds {
                if pfd.revents & libc::POLLNVAL != 0 {
                    // Takes the lowest free descriptor, which is this one.
                    libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
                }
            }
        }
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
    // A panic must not unwind out of a C function (that aborts): it exits with 101, as from
    // Rust's `main`, after the panic hook has printed it.
    let code = std::panic::catch_unwind(|| velo::cli::run(std::env::args_os())).unwrap_or(101);
    // Unlike returning from `main`, this flushes Rust's stdout buffer first.
    std::process::exit(i32::from(code))
}
