//! Criterion benches for the env-check hot path: parsing, the two loader emulations, and the
//! whole check, on a generated 10,000-line `.env` with keys in random order.
#![allow(clippy::unwrap_used)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use velo::env_check::{self, loaders, parse::EnvFile, schema::Schema, CheckInput, EnvInput};

/// A realistic file: keys in pseudo-random order, a mix of plain, quoted, URL and JSON values,
/// comments and blank lines.
fn generate(lines: usize) -> String {
    let mut s = String::with_capacity(lines * 40);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in 0..lines {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let key = format!("KEY_{:08X}_{i}", x as u32);
        match i % 10 {
            0 => s.push_str("# a comment line\n"),
            1 => s.push_str(&format!("{key}=\"quoted value {i}\"\n")),
            2 => s.push_str(&format!("{key}=https://api.example.com/v1?x={i}\n")),
            3 => s.push_str(&format!("{key}='{{\"a\": {i}}}'\n")),
            4 => s.push_str(&format!("export {key}={i}\n")),
            _ => s.push_str(&format!("{key}=value{i}\n")),
        }
    }
    s
}

fn no_env(_: &str) -> Option<String> {
    None
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("env_parse");
    for lines in [10_000usize, 100_000] {
        let text = generate(lines);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(BenchmarkId::new("parse", lines), &text, |b, t| {
            b.iter(|| EnvFile::parse(".env", t.as_bytes()));
        });
        let file = EnvFile::parse(".env", text.as_bytes());
        group.bench_with_input(BenchmarkId::new("python_dotenv", lines), &file, |b, f| {
            b.iter(|| loaders::python_dotenv(f, &no_env));
        });
        group.bench_with_input(BenchmarkId::new("dotenvy", lines), &file, |b, f| {
            b.iter(|| loaders::dotenvy(f, &no_env));
        });
        group.bench_with_input(BenchmarkId::new("check", lines), &text, |b, t| {
            b.iter(|| {
                env_check::check(&CheckInput {
                    files: vec![EnvInput {
                        name: ".env".into(),
                        bytes: t.as_bytes().to_vec(),
                    }],
                    ..CheckInput::default()
                })
            });
        });
        // With a schema and --show-sources: the masking policy and every source row.
        let schema = schema_for(&text);
        group.bench_with_input(
            BenchmarkId::new("check_schema_sources", lines),
            &text,
            |b, t| {
                b.iter(|| {
                    env_check::check(&CheckInput {
                        files: vec![EnvInput {
                            name: ".env".into(),
                            bytes: t.as_bytes().to_vec(),
                        }],
                        schema: Some(schema.clone()),
                        show_sources: true,
                        ..CheckInput::default()
                    })
                });
            },
        );
    }
    group.finish();
}

/// A schema declaring every 200th key of the file (about 50 keys per 10,000 lines), half of
/// them sensitive, plus a few the file lacks.
fn schema_for(text: &str) -> Schema {
    let mut s = String::new();
    let keys = text
        .lines()
        .filter_map(|l| l.strip_prefix("export ").unwrap_or(l).split_once('='))
        .map(|(k, _)| k);
    for (i, key) in keys.step_by(200).enumerate() {
        if i % 2 == 0 {
            s.push_str("# @sensitive\n");
        }
        s.push_str(&format!("{key}=\n"));
    }
    s.push_str("# @optional\nLOG_LEVEL=info\nMISSING_ONE=\n");
    Schema::from_file(".env.schema", s.as_bytes()).unwrap()
}

criterion_group!(benches, bench);
criterion_main!(benches);
