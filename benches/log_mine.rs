//! Criterion benches for the log-digest hot path: masking, header splitting and mining.
//! Inputs are built from hand-written line shapes with varying numbers, so the bench needs no
//! data files; `benches/log_digest_compare.sh` times the whole process on the Loghub big file.
#![allow(clippy::unwrap_used)]

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use velo::log_digest::header::HeaderModel;
use velo::log_digest::mask;
use velo::log_digest::miner::{Miner, MinerConfig};

fn lines(n: usize) -> Vec<String> {
    let shapes = [
        "2024-05-01 10:00:{s:02},{ms:03} INFO bot.feed: tick BTC-USD price={p}.5 size=0.{q}",
        "2024-05-01 10:00:{s:02},{ms:03} ERROR bot.db: cannot connect to 10.0.{q}.{p}:3306: [Errno 111] Connection refused",
        "2024-05-01 10:00:{s:02},{ms:03} WARNING bot.exchange: rate limit hit, HTTP 429, retrying in {q} s",
        "2024-05-01 10:00:{s:02},{ms:03} INFO dfs.DataNode: Received block blk_-{p}{q} of size {p} from /10.250.{q}.9:50010",
        "2024-05-01 10:00:{s:02},{ms:03} INFO app.Session: Session: {p}_{q} initialized by client WindowsUpdateAgent.",
    ];
    (0..n)
        .map(|i| {
            let t = shapes[i % shapes.len()];
            t.replace("{s:02}", &format!("{:02}", i % 60))
                .replace("{ms:03}", &format!("{:03}", i % 1000))
                .replace("{p}", &(i * 7919 % 100_000).to_string())
                .replace("{q}", &(i % 97).to_string())
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let input = lines(20_000);
    let model = HeaderModel::infer(input.iter().take(200).map(String::as_str));
    let messages: Vec<&str> = input.iter().map(|l| model.split(l).message).collect();
    let mut g = c.benchmark_group("log_mine");
    g.throughput(Throughput::Elements(input.len() as u64));
    g.bench_function("header_split", |b| {
        b.iter(|| {
            for l in &input {
                black_box(model.split(l));
            }
        });
    });
    g.bench_function("mask", |b| {
        let mut out = Vec::new();
        b.iter(|| {
            for m in &messages {
                black_box(mask::mask_into(m, &mut out));
            }
        });
    });
    g.bench_function("mine_and_finish", |b| {
        b.iter(|| {
            let mut miner = Miner::new(MinerConfig::default());
            for m in &messages {
                black_box(miner.add(m));
            }
            black_box(miner.finish().templates.len())
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
