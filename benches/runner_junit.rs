//! The JUnit report is rewritten after every finished test, so its render cost bounds pytest
//! mode's per-test overhead with `--junit`: measure rendering a report of 1,000 tests, and the
//! `/proc` scan used to find leftover processes.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use velo::test_runner::{junit, Outcome, RunReport, TestResult};

fn report(n: usize) -> RunReport {
    let tests = (0..n)
        .map(|i| {
            let outcome = if i % 50 == 0 {
                Outcome::Failed
            } else {
                Outcome::Passed
            };
            let mut t = TestResult::new(
                format!("tests/test_mod_{}.py::test_case_{i}[param-{i}]", i / 100),
                outcome,
                Duration::from_millis(3),
            );
            if outcome == Outcome::Failed {
                t.excerpt = "E   assert 1 == 2\n".repeat(10);
            }
            t
        })
        .collect();
    RunReport::new("pytest", tests, Duration::from_secs(3))
}

fn bench(c: &mut Criterion) {
    let r = report(1000);
    c.bench_function("junit_render_1000_tests", |b| {
        b.iter(|| junit::render(&r, "pytest"));
    });
    c.bench_function("proc_scan", |b| b.iter(velo::proc::tree::scan));
}

criterion_group!(benches, bench);
criterion_main!(benches);
