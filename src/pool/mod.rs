//! The one bounded worker pool: runs items in parallel on at most `jobs` threads, each with its
//! own deadline (a per-item timeout, capped by a whole-run deadline), stops starting new items
//! on cancellation, and hands every result back on the calling thread as it finishes, so the
//! caller can stream results and keep its memory bounded by what it keeps, not by the number of
//! items. The test runner's per-test processes and backtest sweeps run on it. (Data-parallel
//! number crunching with no deadlines, such as scan's per-file loading, uses rayon.)
//!
//! Timeouts are cooperative: an item learns its deadline from its [`Ctx`] and either passes
//! [`Ctx::remaining`] on as a process timeout or polls [`Ctx::expired`] in its loops. A result
//! that comes back after its deadline is reported as [`Done::TimedOut`] whatever it says.
//!
//! The one retry loop ([`retry`], with exponential backoff from [`RetryPolicy`]) lives here too.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How a [`run`] is bounded.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// At most this many items run at once (0 is taken as 1).
    pub jobs: usize,
    /// Each item's own time limit, from when it starts.
    pub item_timeout: Option<Duration>,
    /// The whole run's deadline: no item starts after it, and it caps every item's deadline.
    pub deadline: Option<Instant>,
}

/// What an item knows about its limits while it runs.
#[derive(Debug)]
pub struct Ctx<'a> {
    deadline: Option<Instant>,
    cancel: &'a AtomicBool,
}

impl<'a> Ctx<'a> {
    /// A context outside any pool: the given deadline and cancel flag.
    pub fn new(deadline: Option<Instant>, cancel: &'a AtomicBool) -> Self {
        Self { deadline, cancel }
    }

    /// When this item must be done: its start plus the item timeout, or the run's deadline,
    /// whichever comes first.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Time left before [`Self::deadline`] (zero once past it).
    pub fn remaining(&self) -> Option<Duration> {
        self.deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
    }

    /// Whether the run was cancelled (Ctrl-C, a signal).
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }

    /// Whether the item should stop now: cancelled or past its deadline.
    pub fn expired(&self) -> bool {
        self.cancelled() || self.deadline.is_some_and(|d| Instant::now() >= d)
    }
}

/// How one item ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Done<R> {
    /// It finished within its deadline.
    Ok(R),
    /// It was still running at its deadline (its late result is dropped).
    TimedOut { after: Duration },
}

/// What a [`run`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Items that started.
    pub started: usize,
    /// Items never started because the run was cancelled or hit its deadline.
    pub not_started: usize,
    /// Whether the run stopped early (cancelled or past its deadline).
    pub cut_short: bool,
}

/// Runs `work` on every item, at most `opts.jobs` at a time, and calls `on_done` on the calling
/// thread with each item's index (its position in `items`) and how it ended, in the order they
/// finish. Items are pulled lazily, so `items` may be a very long iterator.
pub fn run<I, R, It, W, F>(
    items: It,
    opts: &Options,
    cancel: &AtomicBool,
    work: W,
    mut on_done: F,
) -> Stats
where
    It: Iterator<Item = I> + Send,
    I: Send,
    R: Send,
    W: Fn(&Ctx, I) -> R + Sync,
    F: FnMut(usize, Done<R>),
{
    let jobs = opts.jobs.max(1);
    let source = Mutex::new(items.enumerate());
    let started = AtomicUsize::new(0);
    let cut_short = AtomicBool::new(false);
    // Bounded, so finished results wait for the caller instead of piling up.
    let (tx, rx) = mpsc::sync_channel::<(usize, Done<R>)>(jobs * 2);
    std::thread::scope(|s| {
        for _ in 0..jobs {
            let tx = tx.clone();
            let (source, started, cut_short, work) = (&source, &started, &cut_short, &work);
            s.spawn(move || loop {
                if cancel.load(Ordering::SeqCst)
                    || opts.deadline.is_some_and(|d| Instant::now() >= d)
                {
                    cut_short.store(true, Ordering::SeqCst);
                    return;
                }
                let next = source.lock().unwrap_or_else(PoisonError::into_inner).next();
                let Some((index, item)) = next else {
                    return;
                };
                started.fetch_add(1, Ordering::Relaxed);
                let start = Instant::now();
                let own = opts.item_timeout.map(|t| start + t);
                let deadline = match (own, opts.deadline) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                let ctx = Ctx { deadline, cancel };
                let result = work(&ctx, item);
                let done = match deadline {
                    Some(d) if Instant::now() > d => Done::TimedOut {
                        after: start.elapsed(),
                    },
                    _ => Done::Ok(result),
                };
                if tx.send((index, done)).is_err() {
                    return;
                }
            });
        }
        drop(tx);
        for (index, done) in rx {
            on_done(index, done);
        }
    });
    let not_started = source
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
        .count();
    Stats {
        started: started.into_inner(),
        not_started,
        cut_short: cut_short.into_inner() || cancel.load(Ordering::SeqCst),
    }
}

/// How often and how patiently to try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RetryPolicy {
    /// Attempts after the first.
    pub retries: u32,
    /// The wait before the first retry; it doubles for each later one (capped at 10 minutes).
    pub backoff: Duration,
}

impl RetryPolicy {
    /// The wait after attempt `attempt` (1-based) fails.
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(20));
        self.backoff
            .saturating_mul(factor)
            .min(Duration::from_secs(600))
    }
}

/// The one retry loop: runs `attempt(1)`, and while `again` says the last result wants another
/// try and retries are left, calls `between(last, next_attempt_number)`, waits the backoff
/// (cut short by `cancel`) and runs the next attempt. Returns every attempt's result in order;
/// the last is the final one.
pub fn retry<R>(
    policy: &RetryPolicy,
    cancel: &AtomicBool,
    mut attempt: impl FnMut(u32) -> R,
    again: impl Fn(&R) -> bool,
    mut between: impl FnMut(&R, u32),
) -> Vec<R> {
    let mut results = vec![attempt(1)];
    let mut n = 1;
    while n <= policy.retries {
        let Some(last) = results.last().filter(|r| again(r)) else {
            break;
        };
        between(last, n + 1);
        let backoff_end = Instant::now() + policy.delay(n);
        if crate::cancel::cancellable_sleep(backoff_end, || cancel.load(Ordering::SeqCst)) {
            break;
        }
        n += 1;
        results.push(attempt(n));
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(jobs: usize) -> Options {
        Options {
            jobs,
            ..Options::default()
        }
    }

    #[test]
    fn runs_every_item_once_and_reports_its_index() {
        let cancel = AtomicBool::new(false);
        let mut seen = Vec::new();
        let stats = run(
            0..100u64,
            &opts(4),
            &cancel,
            |_, x| x * 2,
            |i, d| {
                seen.push((i, d));
            },
        );
        seen.sort_by_key(|(i, _)| *i);
        assert_eq!(seen.len(), 100);
        for (i, d) in seen {
            assert_eq!(d, Done::Ok(i as u64 * 2));
        }
        assert_eq!(
            stats,
            Stats {
                started: 100,
                not_started: 0,
                cut_short: false
            }
        );
    }

    #[test]
    fn never_runs_more_than_jobs_at_once() {
        let cancel = AtomicBool::new(false);
        let running = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        run(
            0..40,
            &opts(3),
            &cancel,
            |_, _| {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(2));
                running.fetch_sub(1, Ordering::SeqCst);
            },
            |_, _| {},
        );
        assert!(most.load(Ordering::SeqCst) <= 3);
    }

    #[test]
    fn an_item_past_its_timeout_is_timed_out_and_the_rest_still_run() {
        let cancel = AtomicBool::new(false);
        let o = Options {
            jobs: 2,
            item_timeout: Some(Duration::from_millis(20)),
            deadline: None,
        };
        let mut done = Vec::new();
        run(
            0..6,
            &o,
            &cancel,
            |ctx, i| {
                if i == 3 {
                    // A stuck item that honours its context.
                    while !ctx.expired() {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                    std::thread::sleep(Duration::from_millis(1));
                }
                i
            },
            |i, d| done.push((i, d)),
        );
        done.sort_by_key(|(i, _)| *i);
        assert_eq!(done.len(), 6);
        assert!(matches!(done[3].1, Done::TimedOut { .. }));
        for (i, d) in done.iter().filter(|(i, _)| *i != 3) {
            assert_eq!(*d, Done::Ok(*i));
        }
    }

    #[test]
    fn cancellation_stops_new_items_and_counts_the_rest() {
        let cancel = AtomicBool::new(false);
        let mut count = 0;
        let stats = run(
            0..1_000_000u32,
            &opts(1),
            &cancel,
            |_, i| {
                if i == 9 {
                    cancel.store(true, Ordering::SeqCst);
                }
            },
            |_, _| count += 1,
        );
        assert_eq!(count, 10);
        assert_eq!(stats.started, 10);
        assert_eq!(stats.not_started, 1_000_000 - 10);
        assert!(stats.cut_short);
    }

    #[test]
    fn a_passed_run_deadline_starts_nothing() {
        let cancel = AtomicBool::new(false);
        let o = Options {
            jobs: 2,
            item_timeout: None,
            deadline: Some(Instant::now()),
        };
        let stats = run(0..5, &o, &cancel, |_, _| (), |_, _| {});
        assert_eq!(stats.started, 0);
        assert_eq!(stats.not_started, 5);
        assert!(stats.cut_short);
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p = RetryPolicy {
            retries: 3,
            backoff: Duration::from_millis(100),
        };
        assert_eq!(p.delay(1), Duration::from_millis(100));
        assert_eq!(p.delay(3), Duration::from_millis(400));
        assert_eq!(p.delay(40), Duration::from_secs(600));
    }

    #[test]
    fn retry_stops_at_the_first_good_result_or_when_retries_run_out() {
        let cancel = AtomicBool::new(false);
        let p = RetryPolicy {
            retries: 5,
            backoff: Duration::ZERO,
        };
        let mut announced = Vec::new();
        let all = retry(
            &p,
            &cancel,
            |n| n,
            |r| *r < 3,
            |_, next| announced.push(next),
        );
        assert_eq!(all, vec![1, 2, 3]);
        assert_eq!(announced, vec![2, 3]);
        let p = RetryPolicy {
            retries: 2,
            backoff: Duration::ZERO,
        };
        assert_eq!(
            retry(&p, &cancel, |n| n, |_| true, |_, _| {}),
            vec![1, 2, 3]
        );
        let none = RetryPolicy::default();
        assert_eq!(retry(&none, &cancel, |n| n, |_| true, |_, _| {}), vec![1]);
    }

    #[test]
    fn retry_stops_when_cancelled() {
        let cancel = AtomicBool::new(true);
        let p = RetryPolicy {
            retries: 5,
            backoff: Duration::from_secs(60),
        };
        assert_eq!(retry(&p, &cancel, |n| n, |_| true, |_, _| {}), vec![1]);
    }
}
