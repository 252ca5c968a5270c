//! The backtest engine with the data in memory: one SmaCross(10, 20) run on GOOG (2,148 daily
//! bars, commission 0.002), split into its parts (indicators and orders, the event loop, the
//! statistics) and whole; and the 1,530-point reference grid on one thread. The anchor is
//! backtesting.py's `Backtest.run` of the same backtest: 25.9 ms median
//! (`shared/data/reference/TIMING_ANCHORS.md`).
//!
//! GOOG comes from fixtures/backtest/ (in the repository).
//!
//! The `cpu` groups time the same work in thread CPU time (`CLOCK_THREAD_CPUTIME_ID`): on a
//! shared machine whose load exceeds its cores, wall time includes waiting for a core, CPU time
//! does not. Both are reported.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use velo::backtest::{self, engine, stats, strategy, Commission, Params, Settings};
use velo::market::{self, Bars, LoadOptions};

fn goog() -> Bars {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/backtest/GOOG.csv");
    market::load_file(&path, &mut Vec::new(), LoadOptions::default())
        .expect("fixtures/backtest/GOOG.csv")
        .remove(0)
}

fn sma(fast: f64, slow: f64) -> Params {
    let mut p = Params::defaults(strategy::find("sma-cross").unwrap());
    p.values[0] = fast;
    p.values[1] = slow;
    p
}

fn settings() -> Settings {
    Settings {
        commission: Commission {
            rate: 0.002,
            ..Commission::default()
        },
        ..Settings::default()
    }
}

/// Runs `f` `iters` times and returns the thread CPU time it took.
fn cpu_time(iters: u64, mut f: impl FnMut()) -> Duration {
    use rustix::time::{clock_gettime, ClockId};
    let t0 = clock_gettime(ClockId::ThreadCPUTime);
    for _ in 0..iters {
        f();
    }
    let t1 = clock_gettime(ClockId::ThreadCPUTime);
    let ns =
        i128::from(t1.tv_sec - t0.tv_sec) * 1_000_000_000 + i128::from(t1.tv_nsec - t0.tv_nsec);
    Duration::from_nanos(ns.max(0) as u64)
}

fn bench(c: &mut Criterion) {
    let bars = goog();
    let p = sma(10.0, 20.0);
    let s = settings();
    let never = || false;

    let mut g = c.benchmark_group("goog_sma_cross_10_20");
    g.throughput(Throughput::Elements(bars.len() as u64));
    g.bench_function("orders (two pandas rolling means + crossovers)", |b| {
        b.iter(|| black_box(p.orders(black_box(&bars))));
    });
    let orders = p.orders(&bars);
    g.bench_function("event loop", |b| {
        b.iter(|| black_box(engine::run_orders(&bars, &orders, &p, &s, &never).unwrap()));
    });
    let run = engine::run_orders(&bars, &orders, &p, &s, &never).unwrap();
    g.bench_function("statistics", |b| {
        b.iter(|| black_box(stats::compute(&bars, black_box(&run))));
    });
    g.bench_function(
        "statistics, per-series part (shared by a sweep's runs)",
        |b| {
            b.iter(|| black_box(stats::Market::new(black_box(&bars))));
        },
    );
    let market = stats::Market::new(&bars);
    g.bench_function("statistics, per-run part", |b| {
        b.iter(|| black_box(stats::compute_in(&market, &bars, black_box(&run))));
    });
    g.bench_function("whole backtest (orders, loop, statistics)", |b| {
        b.iter(|| black_box(backtest::backtest(&bars, &p, &s, &never).unwrap()));
    });
    g.finish();

    let mut g = c.benchmark_group("cpu_goog_sma_cross_10_20");
    g.throughput(Throughput::Elements(bars.len() as u64));
    g.bench_function("whole backtest, thread CPU time", |b| {
        b.iter_custom(|iters| {
            cpu_time(iters, || {
                black_box(backtest::backtest(&bars, &p, &s, &never).unwrap());
            })
        });
    });
    g.finish();

    let points: Vec<Params> = (5..50)
        .flat_map(|f| (10..200).step_by(5).map(move |sl| (f, sl)))
        .filter(|(f, sl)| f < sl)
        .map(|(f, sl)| sma(f64::from(f), f64::from(sl)))
        .collect();
    assert_eq!(points.len(), 1530);
    let mut g = c.benchmark_group("goog_grid_1530");
    g.throughput(Throughput::Elements(points.len() as u64));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(8));
    let prep = velo::backtest::Prepared::new(&bars);
    g.bench_function("one thread, full statistics", |b| {
        b.iter(|| {
            for p in &points {
                black_box(backtest::backtest_in(&prep, &bars, p, &s, &never).unwrap());
            }
        });
    });
    g.bench_function("one thread, full statistics, thread CPU time", |b| {
        b.iter_custom(|iters| {
            cpu_time(iters, || {
                for p in &points {
                    black_box(backtest::backtest_in(&prep, &bars, p, &s, &never).unwrap());
                }
            })
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
