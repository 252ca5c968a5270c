//! Indicator compute and CSV parsing with the data in memory.
//!
//! `talib_anchor_work` is the work TA-Lib's C loop does in `bench_anchors.py scan` (anchor:
//! 0.173 s for 5,000 symbols x 2,520 bars): SMA(20), ATR(14), BBANDS(20, 2), RSI(14) and the
//! 20-bar volume SMA of every symbol. By default it runs on 500 synthetic symbols of 2,520
//! bars (multiply by 10 for the universe); with `VELO_BENCH_UNIVERSE=DIR` it loads that folder
//! (e.g. the 5,000-symbol universe of `make_universe.py`) into memory first and times the whole.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use velo::market::indicators as ind;
use velo::market::{self, Bars, LoadOptions};

const BARS: usize = 2520;

/// A deterministic random walk (xorshift) with OHLCV shaped like `make_universe.py`'s.
fn synthetic(symbols: usize) -> Vec<Bars> {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    (0..symbols)
        .map(|k| {
            let mut b = Bars::with_capacity(format!("S{k}"), BARS);
            let mut price = 20.0 + 400.0 * (next() + 0.5);
            for i in 0..BARS {
                let open = price * (1.0 + 0.004 * next());
                let close = open * (1.0 + 0.03 * next());
                let high = open.max(close) * (1.0 + 0.01 * (next() + 0.5));
                let low = open.min(close) * (1.0 - 0.01 * (next() + 0.5));
                let volume = (1e6 * (1.0 + next())).round();
                b.push(i as i64 * 86_400_000, open, high, low, close, volume);
                price = close;
            }
            b
        })
        .collect()
}

fn universe() -> (Vec<Bars>, String) {
    if let Some(dir) = std::env::var_os("VELO_BENCH_UNIVERSE") {
        let files = market::list_inputs(&[PathBuf::from(&dir)]).expect("universe folder");
        let mut buf = Vec::new();
        let all: Vec<Bars> = files
            .iter()
            .flat_map(|f| market::load_file(f, &mut buf, LoadOptions::default()).expect("load"))
            .collect();
        let label = format!(
            "{} symbols from {}",
            all.len(),
            PathBuf::from(dir).display()
        );
        (all, label)
    } else {
        (synthetic(500), "500 synthetic symbols".to_string())
    }
}

/// Scratch buffers reused across symbols, as a scan would.
struct Scratch {
    a: Vec<f64>,
    b: Vec<f64>,
    c: Vec<f64>,
    d: Vec<f64>,
    e: Vec<f64>,
    f: Vec<f64>,
    g: Vec<f64>,
}

fn anchor_work(all: &[Bars], s: &mut Scratch) -> f64 {
    let mut acc = 0.0;
    for bars in all {
        let n = bars.len();
        for v in [
            &mut s.a, &mut s.b, &mut s.c, &mut s.d, &mut s.e, &mut s.f, &mut s.g,
        ] {
            v.resize(n, 0.0);
        }
        ind::sma_into(&bars.close, 20, &mut s.a);
        ind::atr_into(&bars.high, &bars.low, &bars.close, 14, &mut s.b);
        ind::bbands_into(&bars.close, 20, 2.0, 2.0, &mut s.c, &mut s.d, &mut s.e);
        ind::rsi_into(&bars.close, 14, &mut s.f);
        ind::sma_into(&bars.volume, 20, &mut s.g);
        acc += s.a[n - 1] + s.b[n - 1] + s.c[n - 1] + s.e[n - 1] + s.f[n - 1] + s.g[n - 1];
    }
    acc
}

fn bench_indicators(c: &mut Criterion) {
    let (all, label) = universe();
    let bars: usize = all.iter().map(Bars::len).sum();
    let mut group = c.benchmark_group("indicators");
    group.throughput(Throughput::Elements(bars as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    let mut scratch = Scratch {
        a: Vec::new(),
        b: Vec::new(),
        c: Vec::new(),
        d: Vec::new(),
        e: Vec::new(),
        f: Vec::new(),
        g: Vec::new(),
    };
    group.bench_function(format!("talib_anchor_work/{label}"), |b| {
        b.iter(|| black_box(anchor_work(black_box(&all), &mut scratch)));
    });
    let one = &all[0];
    let mut out = vec![0.0; one.len()];
    let mut out2 = vec![0.0; one.len()];
    let mut out3 = vec![0.0; one.len()];
    group.throughput(Throughput::Elements(one.len() as u64));
    group.bench_function("single/rsi_14", |b| {
        b.iter(|| ind::rsi_into(black_box(&one.close), 14, &mut out));
    });
    group.bench_function("single/atr_14", |b| {
        b.iter(|| ind::atr_into(&one.high, &one.low, black_box(&one.close), 14, &mut out));
    });
    group.bench_function("single/stddev_20", |b| {
        b.iter(|| ind::stddev_into(black_box(&one.close), 20, 1.0, &mut out));
    });
    group.bench_function("single/max_20", |b| {
        b.iter(|| ind::max_into(black_box(&one.high), 20, &mut out));
    });
    group.bench_function("single/macd_12_26_9", |b| {
        b.iter(|| {
            ind::macd_into(
                black_box(&one.close),
                12,
                26,
                9,
                &mut out,
                &mut out2,
                &mut out3,
            );
        });
    });
    group.bench_function("single/adx_14", |b| {
        b.iter(|| {
            ind::dmi_into(
                &one.high,
                &one.low,
                black_box(&one.close),
                14,
                &mut out,
                &mut out2,
                &mut out3,
            );
        });
    });
    group.finish();
}

fn bench_parse(c: &mut Criterion) {
    let bars = &synthetic(1)[0];
    let mut text = String::from("Date,Open,High,Low,Close,Volume\n");
    for i in 0..bars.len() {
        text.push_str(&format!(
            "{},{:.4},{:.4},{:.4},{:.4},{}\n",
            bars.date(i),
            bars.open[i],
            bars.high[i],
            bars.low[i],
            bars.close[i],
            bars.volume[i]
        ));
    }
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("csv_2520_bars", |b| {
        b.iter(|| {
            market::parse(
                black_box(text.as_bytes()),
                std::path::Path::new("bench.csv"),
                "B",
                LoadOptions::default(),
            )
            .unwrap()
        });
    });
    group.finish();
}

criterion_group!(benches, bench_indicators, bench_parse);
criterion_main!(benches);
