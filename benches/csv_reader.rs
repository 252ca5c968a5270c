//! The CSV reader choice (issue 10): velo's hand-written reader (`market::load_file`) against
//! the `csv` crate reading into one reused `ByteRecord`, on a folder of per-symbol OHLCV files
//! (`make_universe.py --symbols 5000 --bars 2520 --seed 42`). Both do the same work per file:
//! read it, split it, parse and validate every row (numbers, non-negative, High >= Low,
//! ascending dates) into columnar `Bars`; "end to end" then also scores the last bar with the
//! scan model, as `velo scan` does. One thread, warm page cache, the readers interleaved in
//! every round so that a slow minute of a shared machine hits both.
//!
//! Usage: `cargo bench --bench csv_reader -- DIR [ROUNDS]` (or `VELO_BENCH_UNIVERSE=DIR`);
//! without a folder it says so and exits 0. `benches/csv_compare.sh` builds the universe first.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]
// The two readers must read bit-identical values.
#![allow(clippy::float_cmp)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use velo::market::number::parse_f64;
use velo::market::time::parse_timestamp;
use velo::market::{self, Bars, LoadOptions};
use velo::scan::{ModelParams, ModelSeries};

/// Reads one per-symbol file with the `csv` crate: the same checks as velo's reader, errors as
/// `line: message`.
fn load_with_csv_crate(
    path: &Path,
    buf: &mut Vec<u8>,
    rec: &mut csv::ByteRecord,
) -> Result<Bars, String> {
    use std::io::Read as _;
    buf.clear();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_end(buf))
        .map_err(|e| e.to_string())?;
    let bytes = buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(buf);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    if !rdr.read_byte_record(rec).map_err(|e| e.to_string())? {
        return Err("1: empty".into());
    }
    let names = ["date", "open", "high", "low", "close", "volume"];
    let mut col = [usize::MAX; 6];
    for (i, field) in rec.iter().enumerate() {
        let name = String::from_utf8_lossy(field).trim().to_ascii_lowercase();
        if let Some(role) = names.iter().position(|n| *n == name) {
            col[role] = i;
        }
    }
    if col.contains(&usize::MAX) {
        return Err("1: missing column".into());
    }
    let ncols = rec.len();
    let estimate = memchr::memchr_iter(b'\n', bytes).count();
    let symbol = market::csv::symbol_from_path(path);
    let mut bars = Bars::with_capacity(symbol, estimate);
    while rdr.read_byte_record(rec).map_err(|e| e.to_string())? {
        let line = rec.position().map_or(0, csv::Position::line);
        if rec.len() != ncols {
            return Err(format!("{line}: {} fields, expected {ncols}", rec.len()));
        }
        let (time, _) = parse_timestamp(&rec[col[0]]).ok_or_else(|| format!("{line}: date"))?;
        let mut v = [0.0; 5];
        for (k, slot) in v.iter_mut().enumerate() {
            let x = parse_f64(&rec[col[k + 1]]).ok_or_else(|| format!("{line}: number"))?;
            if x < 0.0 {
                return Err(format!("{line}: negative"));
            }
            *slot = x;
        }
        let [open, high, low, close, volume] = v;
        if high < low {
            return Err(format!("{line}: High below Low"));
        }
        if bars.time.last().is_some_and(|&prev| time <= prev) {
            return Err(format!("{line}: date not increasing"));
        }
        bars.push(time, open, high, low, close, volume);
    }
    if bars.is_empty() {
        return Err("1: no rows".into());
    }
    Ok(bars)
}

/// Scores the last bar as the scan does; returns something that depends on every bar read.
fn score(bars: &Bars, p: &ModelParams) -> f64 {
    let series = ModelSeries::compute(bars, p);
    series
        .breakdown(bars, bars.len() - 1, p)
        .map_or(0.0, |b| b.score)
        + bars.close[bars.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let dir = args
        .next()
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("VELO_BENCH_UNIVERSE").map(PathBuf::from));
    let Some(dir) = dir.filter(|d| d.is_dir()) else {
        println!(
            "csv_reader: skipped: give a folder of per-symbol CSV files \
             (cargo bench --bench csv_reader -- DIR, or benches/csv_compare.sh)"
        );
        return;
    };
    let rounds: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(5);
    let files = market::list_inputs(std::slice::from_ref(&dir)).expect("list the folder");
    let bytes: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).map_or(0, |m| m.len()))
        .sum();
    println!(
        "{} files, {:.0} MB, {rounds} rounds, one thread",
        files.len(),
        bytes as f64 / 1e6
    );
    let params = ModelParams::default();
    let mut buf = Vec::with_capacity(1 << 18);
    let mut rec = csv::ByteRecord::new();
    // [reader][end to end?] -> seconds per round
    let mut times = [[Vec::new(), Vec::new()], [Vec::new(), Vec::new()]];
    let mut check = [[0.0f64; 2]; 2];
    for round in 0..rounds {
        for step in 0..4 {
            // Alternate which reader goes first from round to round.
            let reader = (step + round) % 2;
            let full = step / 2;
            let start = Instant::now();
            let mut sum = 0.0;
            for f in &files {
                let bars = if reader == 0 {
                    market::load_file(f, &mut buf, LoadOptions::default())
                        .map(|mut v| v.remove(0))
                        .map_err(|e| e.to_string())
                } else {
                    load_with_csv_crate(f, &mut buf, &mut rec)
                };
                let bars = bars.unwrap_or_else(|e| panic!("{}: {e}", f.display()));
                sum += if full == 1 {
                    score(&bars, &params)
                } else {
                    bars.close[bars.len() - 1]
                };
            }
            times[reader][full].push(start.elapsed().as_secs_f64());
            check[reader][full] = sum;
        }
    }
    assert_eq!(check[0], check[1], "the two readers read different values");
    let stats = |v: &[f64]| {
        let mut s = v.to_vec();
        s.sort_by(f64::total_cmp);
        (s[s.len() / 2], s[0], s[s.len() - 1])
    };
    println!("| one thread, {} files | hand-written reader | csv crate (one ByteRecord) | csv crate / hand-written |", files.len());
    println!("|:---|---:|---:|---:|");
    for (full, what) in [
        "read + parse + validate",
        "end to end (+ score the last bar)",
    ]
    .iter()
    .enumerate()
    {
        let (hm, hlo, hhi) = stats(&times[0][full]);
        let (cm, clo, chi) = stats(&times[1][full]);
        println!(
            "| {what} | {hm:.3} s ({hlo:.3}-{hhi:.3}) | {cm:.3} s ({clo:.3}-{chi:.3}) | {:.2}x |",
            cm / hm
        );
    }
    println!("(median of {rounds} rounds, min-max in brackets)");
}
