//! `velo scan`: TA-Lib agreement on the reference data, ranking of planted breakouts,
//! determinism across thread counts, no look-ahead with --as-of, malformed inputs, formats.

use std::fmt::Write as _;
use std::path::Path;

use crate::support::{fixture, shared_data, velo};

const CONTRACT_LIST: &str = "sma:20,ema:20,rsi:14,trange,atr:14,bbands:20:2,macd:12:26:9,\
plus_di:14,minus_di:14,adx:14,stddev:20,max_high:20,min_low:20,volume_sma:20";

fn parse_csv(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

/// Checks `velo scan --explain OHLCV --indicators CONTRACT_LIST --format csv` against a
/// TA-Lib reference table: same header (lower-case), dates, warm-up rows, and every value
/// within 1e-9 relative. Returns how many values were compared.
fn check_against_talib(ohlcv: &Path, reference: &Path) -> usize {
    let reference = std::fs::read_to_string(reference)
        .unwrap_or_else(|e| panic!("{}: {e}", reference.display()));
    let out = velo()
        .arg("scan")
        .arg("--explain")
        .arg(ohlcv)
        .args(["--indicators", CONTRACT_LIST, "--format", "csv"])
        .run()
        .code(0);
    let ours = parse_csv(&out.stdout);
    let theirs = parse_csv(&reference);
    assert_eq!(ours.len(), theirs.len(), "row count");
    let want_header: Vec<String> = theirs[0]
        .iter()
        .enumerate()
        .map(|(i, h)| if i == 0 { h.clone() } else { h.to_lowercase() })
        .collect();
    assert_eq!(ours[0], want_header);
    let mut compared = 0;
    for (row, (a, b)) in ours.iter().zip(&theirs).enumerate().skip(1) {
        assert_eq!(a.len(), b.len(), "row {row} width");
        assert_eq!(a[0], b[0], "row {row} date");
        for col in 1..a.len() {
            let (x, y) = (&a[col], &b[col]);
            assert_eq!(
                x.is_empty(),
                y.is_empty(),
                "row {row} column {}: {x:?} vs reference {y:?}",
                want_header[col]
            );
            if y.is_empty() {
                continue;
            }
            let (x, y): (f64, f64) = (x.parse().unwrap(), y.parse().unwrap());
            assert!(
                (x - y).abs() <= 1e-9 * y.abs() + 1e-12,
                "row {row} ({}) column {}: {x} vs reference {y}",
                a[0],
                want_header[col]
            );
            compared += 1;
        }
    }
    compared
}

#[test]
fn explain_reproduces_the_talib_reference_for_goog() {
    let compared = check_against_talib(
        &fixture("scan/reference/GOOG.csv"),
        &fixture("scan/reference/indicators_GOOG.csv"),
    );
    assert!(compared > 30_000, "compared only {compared} values");
}

/// The same against `../shared/data`, when it is there: the fixtures are copies, and this says
/// when they drift from the source.
#[test]
fn fixtures_match_the_shared_reference_data() {
    let shared = shared_data("reference/indicators_GOOG.csv");
    if !shared.is_file() {
        crate::support::skip(
            "scan fixtures against the shared data",
            &format!(
                "{} not found (the fixtures copies are checked by the other tests)",
                shared.display()
            ),
        );
        return;
    }
    for (copy, source) in [
        ("scan/reference/GOOG.csv", "ohlcv/GOOG.csv"),
        ("scan/reference/BTCUSD.csv", "ohlcv/BTCUSD.csv"),
        (
            "scan/reference/indicators_GOOG.csv",
            "reference/indicators_GOOG.csv",
        ),
    ] {
        assert_eq!(
            std::fs::read(fixture(copy)).unwrap(),
            std::fs::read(shared_data(source)).unwrap(),
            "fixtures/{copy} differs from shared/data/{source}: copy it again"
        );
    }
    let eurusd = std::fs::read_to_string(shared_data("ohlcv/EURUSD.csv")).unwrap();
    let head: String = eurusd.split_inclusive('\n').take(601).collect();
    assert_eq!(
        std::fs::read_to_string(fixture("scan/reference/EURUSD_first600.csv")).unwrap(),
        head
    );
}

/// `--explain` on a series: its row count, first date, TA-Lib's MACD warm-up and RSI in range.
fn check_explain_series(file: &Path, first: &str, rows: usize) {
    let out = velo()
        .arg("scan")
        .arg("--explain")
        .arg(file)
        .args(["--indicators", CONTRACT_LIST, "--format", "csv"])
        .run()
        .code(0);
    let table = parse_csv(&out.stdout);
    let name = file.display();
    assert_eq!(table.len(), rows + 1, "{name}");
    assert_eq!(table[1][0], first);
    // Warm-ups as TA-Lib: 33 empty MACD rows, then values.
    let macd = table[0].iter().position(|h| h == "macd_12_26_9").unwrap();
    assert!(table[33][macd].is_empty() && !table[34][macd].is_empty());
    // RSI stays within 0..100 and ADX is defined from bar 27 on.
    let rsi = table[0].iter().position(|h| h == "rsi_14").unwrap();
    for r in &table[15..] {
        let v: f64 = r[rsi].parse().unwrap();
        assert!((0.0..=100.0).contains(&v), "{name}: RSI {v}");
    }
}

#[test]
fn explain_handles_the_other_reference_series() {
    // EURUSD (hourly, date-time stamps, 5-decimal prices) and BTCUSD (monthly, decimal volume).
    check_explain_series(
        &fixture("scan/reference/EURUSD_first600.csv"),
        "2017-04-19 09:00:00",
        600,
    );
    check_explain_series(&fixture("scan/reference/BTCUSD.csv"), "2012-01-31", 156);
    let full = shared_data("ohlcv/EURUSD.csv");
    if full.is_file() {
        check_explain_series(&full, "2017-04-19 09:00:00", 5000);
    } else {
        crate::support::skip(
            "scan explain over the whole EURUSD series",
            &format!("{} not found", full.display()),
        );
    }
}

/// A deterministic generator (SplitMix64) so the test needs neither numpy nor the network.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let u = self.uniform().max(1e-300);
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// Random walks like `make_universe.py`: every `plant_every`-th symbol closes its last bar 3-6 %
/// above the prior 20-bar high on 3-6x the prior 20-bar mean volume.
fn write_universe(dir: &Path, symbols: usize, bars: usize, plant_every: usize) -> Vec<String> {
    std::fs::create_dir_all(dir).unwrap();
    let mut planted = Vec::new();
    for k in 0..symbols {
        let mut rng = Rng(k as u64 * 7919 + 42);
        let vol = 0.01 + 0.03 * rng.uniform();
        let mut price = (5.0f64.ln() + rng.uniform() * (500.0f64 / 5.0).ln()).exp();
        let base_volume = (50_000f64.ln() + rng.uniform() * 1000f64.ln()).exp();
        let mut rows: Vec<[f64; 5]> = Vec::with_capacity(bars);
        for _ in 0..bars {
            let open = price * (vol * 0.3 * rng.normal()).exp();
            let close = open * (vol * rng.normal()).exp();
            let high = open.max(close) * (vol * 0.5 * rng.normal().abs()).exp();
            let low = open.min(close) * (-vol * 0.5 * rng.normal().abs()).exp();
            let volume = (base_volume * (0.4 * rng.normal()).exp()).round();
            rows.push([open, high, low, close, volume]);
            price = close;
        }
        let name = format!("SYM{k:04}");
        if k % plant_every == plant_every - 1 {
            let n = rows.len();
            let prior_high = rows[n - 21..n - 1].iter().map(|r| r[1]).fold(0.0, f64::max);
            let mean_volume = rows[n - 21..n - 1].iter().map(|r| r[4]).sum::<f64>() / 20.0;
            let last = &mut rows[n - 1];
            last[3] = (prior_high * (1.03 + 0.03 * rng.uniform())).max(last[0] * 1.01);
            last[1] = last[3] * 1.002;
            last[2] = last[2].min(last[0]);
            last[4] = (mean_volume * (3.0 + 3.0 * rng.uniform())).round();
            planted.push(name.clone());
        }
        let mut text = String::from("Date,Open,High,Low,Close,Volume\n");
        for (i, r) in rows.iter().enumerate() {
            let day = 16_436 + i as i64; // from 2015-01-01, calendar days
            let (y, m, d) = velo::market::time::civil_from_days(day);
            let _ = writeln!(
                text,
                "{y:04}-{m:02}-{d:02},{:.4},{:.4},{:.4},{:.4},{}",
                r[0], r[1], r[2], r[3], r[4]
            );
        }
        std::fs::write(dir.join(format!("{name}.csv")), text).unwrap();
    }
    planted
}

#[test]
fn planted_breakouts_rank_first_and_ranking_is_deterministic() {
    let tmp = tempfile::tempdir().unwrap();
    let uni = tmp.path().join("universe");
    let planted = write_universe(&uni, 400, 400, 25);
    assert_eq!(planted.len(), 16);
    let run = |jobs: &str| {
        velo()
            .arg("scan")
            .arg(&uni)
            .args(["--format", "json", "--top", "0", "--jobs", jobs])
            .run()
            .code(0)
    };
    let one = run("1");
    let results = one.json()["results"].as_array().unwrap().clone();
    let symbols: Vec<&str> = results
        .iter()
        .map(|r| r["symbol"].as_str().unwrap())
        .collect();
    for p in &planted {
        let rank = symbols.iter().position(|s| s == p);
        assert!(
            rank.is_some_and(|r| r < planted.len() + 2),
            "planted {p} ranks {rank:?} of {}: {symbols:?}",
            symbols.len()
        );
    }
    let scores: Vec<f64> = results
        .iter()
        .map(|r| r["score"].as_f64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "sorted by score");
    for jobs in ["2", "3", "1"] {
        assert_eq!(
            run(jobs).stdout,
            one.stdout,
            "--jobs {jobs} changed the output"
        );
    }
}

#[test]
fn as_of_never_looks_ahead() {
    let tmp = tempfile::tempdir().unwrap();
    let uni = tmp.path().join("u");
    let planted = write_universe(&uni, 30, 300, 10);
    // As of the day before the planted bar, nothing planted shows, and the result equals a scan
    // of files cut at that day.
    let last_day = "2015-10-27"; // bar 299 is 2015-10-28
    let as_of = velo()
        .arg("scan")
        .arg(&uni)
        .args(["--format", "json", "--top", "0", "--as-of", last_day])
        .run()
        .code(0);
    let cut = tmp.path().join("cut");
    std::fs::create_dir_all(&cut).unwrap();
    for entry in std::fs::read_dir(&uni).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut kept = String::new();
        for l in text.lines().filter(|l| !l.starts_with("2015-10-28")) {
            kept.push_str(l);
            kept.push('\n');
        }
        std::fs::write(cut.join(path.file_name().unwrap()), kept).unwrap();
    }
    let truncated = velo()
        .arg("scan")
        .arg(&cut)
        .args(["--format", "json", "--top", "0"])
        .run()
        .code(0);
    assert_eq!(as_of.json()["results"], truncated.json()["results"]);
    let listed = as_of.stdout;
    for p in &planted {
        assert!(!listed.contains(&format!("\"{p}\"")) || !listed.contains("2015-10-28"));
    }
    assert!(!listed.contains("2015-10-28"));
}

#[test]
fn each_malformed_file_is_reported_with_file_and_line_and_the_rest_is_scanned() {
    let cases = [
        (
            "unparsable_number",
            ":11:",
            "Close value \"12.3x\" is not a number",
        ),
        (
            "non_increasing_date",
            ":16:",
            "date 2024-01-17 is not after the previous row's 2024-01-18",
        ),
        ("high_below_low", ":6:", "High 100.72 is below Low 103.21"),
        (
            "negative_price",
            ":8:",
            "Open value \"-100.75\" is negative",
        ),
        (
            "negative_volume",
            ":9:",
            "Volume value \"-100000\" is negative",
        ),
        ("missing_column", ":1:", "missing column `Volume`"),
        ("empty", ":1:", "the file is empty"),
        ("non_utf8", ":6:", "not valid UTF-8"),
    ];
    for (name, line, message) in cases {
        let bad = fixture(&format!("scan/bad/{name}.csv"));
        let out = velo()
            .arg("scan")
            .arg(&bad)
            .arg(fixture("scan/good"))
            .args(["--format", "json"])
            .run()
            .code(2)
            .stderr_has(&format!("{name}.csv{line} {message}"));
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
        let json = out.json();
        assert_eq!(
            json["results"][0]["symbol"], "GOOD",
            "{name}: others still scanned"
        );
        let err = &json["errors"][0];
        assert!(err["file"]
            .as_str()
            .unwrap()
            .ends_with(&format!("{name}.csv")));
        assert_eq!(
            err["line"].as_u64(),
            Some(line.trim_matches(':').parse().unwrap())
        );
        assert!(err["message"].as_str().unwrap().contains(message), "{err}");
    }
}

#[test]
fn a_missing_path_is_reported_and_the_rest_scanned() {
    velo()
        .args(["scan", "no/such/dir"])
        .arg(fixture("scan/good"))
        .run()
        .code(2)
        .stderr_has("no/such/dir")
        .stdout_has("GOOD");
}

#[test]
fn long_format_with_symbol_column_and_stdin() {
    let good = std::fs::read_to_string(fixture("scan/good/GOOD.csv")).unwrap();
    let mut long = String::from("Symbol,Date,Open,High,Low,Close,Volume\n");
    for line in good.lines().skip(1) {
        let _ = writeln!(long, "AAA,{line}");
        let _ = writeln!(long, "BBB,{line}");
    }
    let out = velo()
        .args(["scan", "-", "--format", "json"])
        .stdin(long)
        .run()
        .code(0);
    let json = out.json();
    let syms: Vec<&str> = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["symbol"].as_str().unwrap())
        .collect();
    assert_eq!(syms, ["AAA", "BBB"]);
    assert_eq!(json["schema_version"], 1);
}

#[test]
fn filters_and_velo_toml_weights() {
    let good = fixture("scan/good");
    velo()
        .arg("scan")
        .arg(&good)
        .args(["--min-price", "1000", "--format", "json"])
        .run()
        .code(0)
        .stdout_has("\"results\": []");
    velo()
        .arg("scan")
        .arg(&good)
        .args(["--min-volume", "1e9", "--format", "json"])
        .run()
        .code(0)
        .stdout_has("\"results\": []");
    // Volume-only weights from velo.toml: the score is 100 * V; a flag overrides the file.
    let out = velo()
        .file(
            "velo.toml",
            "[scan]\nweight-strength = 0\nweight-squeeze = 0\nweight-volume = 1\n",
        )
        .arg("scan")
        .arg(&good)
        .args(["--format", "json"])
        .run()
        .code(0);
    let r = &out.json()["results"][0];
    let surge = r["volume_surge"].as_f64().unwrap();
    let want = 100.0 * (1.0 - (-(surge - 1.0) / 2.0).exp());
    assert!((r["score"].as_f64().unwrap() - want).abs() < 1e-9, "{r}");
    velo()
        .file("velo.toml", "[scan]\nbogus = 1\n")
        .arg("scan")
        .arg(&good)
        .run()
        .code(2)
        .stderr_has("bogus");
    velo()
        .arg("scan")
        .arg(&good)
        .arg("--weight-volume=-1")
        .run()
        .code(2)
        .stderr_has("weights must be non-negative");
}

#[test]
fn bad_indicator_list_is_a_usage_error() {
    velo()
        .arg("scan")
        .arg("--explain")
        .arg(fixture("scan/good/GOOD.csv"))
        .args(["--indicators", "sma:20,wat:3"])
        .run()
        .code(2)
        .stderr_has("indicator \"wat:3\": unknown indicator");
}

#[test]
fn explain_breakdown_matches_the_scan_row() {
    let good = fixture("scan/good/GOOD.csv");
    let scan = velo()
        .arg("scan")
        .arg(&good)
        .args(["--format", "json"])
        .run()
        .code(0);
    let explain = velo()
        .arg("scan")
        .arg("--explain")
        .arg(&good)
        .args(["--format", "json"])
        .run()
        .code(0);
    let s = &scan.json()["results"][0];
    let e = explain.json();
    assert_eq!(e["as_of"]["score"], s["score"]);
    assert_eq!(e["as_of"]["breakout_level"], s["breakout_level"]);
    assert_eq!(e["columns"][12], "score");
    let rows = e["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 160);
    assert!(rows[0][1].is_null(), "warm-up is null");
}

#[test]
fn rendered_formats() {
    let good = fixture("scan/good");
    let table = velo().arg("scan").arg(&good).run().code(0);
    insta::assert_snapshot!("scan_table", table.stdout);
    let md = velo()
        .arg("scan")
        .arg(&good)
        .args(["--format", "markdown"])
        .run()
        .code(0);
    insta::assert_snapshot!("scan_markdown", md.stdout);
    let csv = velo()
        .arg("scan")
        .arg(&good)
        .args(["--format", "csv"])
        .run()
        .code(0);
    insta::assert_snapshot!("scan_csv", csv.stdout);
    let json = velo()
        .arg("scan")
        .arg(&good)
        .args(["--format", "json"])
        .run()
        .code(0);
    insta::assert_snapshot!("scan_json", json.stdout);
    let explain = velo()
        .arg("scan")
        .arg("--explain")
        .arg(fixture("scan/good/GOOD.csv"))
        .run()
        .code(0);
    insta::assert_snapshot!("scan_explain_table", explain.stdout_redacted());
}

#[cfg(unix)]
#[test]
fn watch_rescans_changed_files_and_reranks() {
    use std::io::{BufRead as _, BufReader};
    use std::process::{Command, Stdio};
    use std::sync::mpsc;
    use std::time::Duration;

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("u");
    std::fs::create_dir_all(&dir).unwrap();
    let good = std::fs::read_to_string(fixture("scan/good/GOOD.csv")).unwrap();
    // Without its last (breakout) bar, GOOD is not a signal.
    let lines: Vec<&str> = good.lines().collect();
    let head = lines[..lines.len() - 1].join("\n") + "\n";
    std::fs::write(dir.join("GOOD.csv"), &head).unwrap();

    let mut child = Command::new(assert_cmd::cargo::cargo_bin("velo"))
        .args(["scan", "--watch", "--format", "json"])
        .arg(&dir)
        .env_remove("CI")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    let first = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("first round");
    let first: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(first["type"], "scan");
    assert_eq!(first["results"].as_array().unwrap().len(), 0, "{first}");

    // A new candle lands: the breakout bar is appended.
    std::thread::sleep(Duration::from_millis(500));
    std::fs::write(dir.join("GOOD.csv"), &good).unwrap();
    let mut found = None;
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(30)) {
        let round: serde_json::Value = serde_json::from_str(&line).unwrap();
        if round["results"].as_array().is_some_and(|r| !r.is_empty()) {
            found = Some(round);
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let round = found.expect("a round listing GOOD after the append");
    assert_eq!(round["results"][0]["symbol"], "GOOD");
    assert_eq!(round["summary"]["files"], 1);
}

#[test]
fn watch_rejects_csv_and_stdin() {
    velo()
        .args(["scan", "--watch", "--format", "csv", "."])
        .run()
        .code(2)
        .stderr_has("--watch prints --format table or json");
    velo()
        .args(["scan", "--watch", "-"])
        .run()
        .code(2)
        .stderr_has("not standard input");
}

#[test]
fn non_finite_numbers_are_refused_on_the_line_and_in_velo_toml() {
    let good = fixture("scan/good");
    // NaN compares false with everything: before, `--min-price nan` listed nothing, exit 0.
    for (flag, value) in [
        ("--min-price", "nan"),
        ("--min-volume", "inf"),
        ("--min-score", "NaN"),
        ("--rsi-min", "-inf"),
        ("--weight-volume", "nan"),
    ] {
        velo()
            .arg("scan")
            .arg(&good)
            .arg(format!("{flag}={value}"))
            .run()
            .code(2)
            .stderr_has("is not a finite number");
    }
    velo()
        .file("velo.toml", "[scan]\nmin-price = nan\n")
        .arg("scan")
        .arg(&good)
        .run()
        .code(2)
        .stderr_has("[scan] min-price in ")
        .stderr_has("velo.toml: \"NaN\" is not a finite number");
}

#[test]
fn indicators_without_explain_is_a_usage_error() {
    // Before, the list was accepted and ignored: a scan ran as if it were not there.
    velo()
        .arg("scan")
        .arg(fixture("scan/good"))
        .args(["--indicators", "sma:20"])
        .run()
        .code(2)
        .stderr_has("--explain");
}

#[test]
fn jobs_zero_means_one_per_cpu() {
    let good = fixture("scan/good");
    let one = velo()
        .arg("scan")
        .arg(&good)
        .args(["--jobs", "1", "--format", "json"])
        .run()
        .code(0);
    let zero = velo()
        .arg("scan")
        .arg(&good)
        .args(["--jobs", "0", "--format", "json"])
        .run()
        .code(0);
    assert_eq!(one.stdout, zero.stdout);
    velo()
        .file("velo.toml", "[scan]\njobs = 0\n")
        .arg("scan")
        .arg(&good)
        .run()
        .code(0);
    velo()
        .arg("scan")
        .arg(&good)
        .args(["--jobs", "5000"])
        .run()
        .code(2)
        .stderr_has("at most 1024");
}

#[test]
fn a_fifo_is_refused_instead_of_read_forever() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("prices.csv");
    crate::support::mkfifo(&fifo);
    // No writer ever opens the FIFO: reading it would block forever.
    velo()
        .arg("scan")
        .arg(&fifo)
        .run()
        .code(2)
        .stderr_has("is a named pipe (FIFO), not a regular file");
    velo()
        .arg("scan")
        .arg("--explain")
        .arg(&fifo)
        .run()
        .code(2)
        .stderr_has("is a named pipe (FIFO), not a regular file");
    // In a folder it is named too (not skipped), and the other files are scanned.
    std::fs::copy(fixture("scan/good/GOOD.csv"), dir.path().join("GOOD.csv")).unwrap();
    let out = velo()
        .arg("scan")
        .arg(dir.path())
        .args(["--format", "json"])
        .run()
        .code(2)
        .stderr_has("prices.csv: is a named pipe (FIFO)");
    assert_eq!(out.json()["summary"]["symbols"], 1, "{}", out.stdout);
    // A pipe the caller already opened (`<(cmd)` is /dev/fd/N, or /dev/stdin) is read.
    let piped = velo()
        .args(["scan", "/dev/stdin", "--format", "json"])
        .stdin(std::fs::read(fixture("scan/good/GOOD.csv")).unwrap())
        .run()
        .code(0);
    assert_eq!(piped.json()["summary"]["symbols"], 1, "{}", piped.stdout);
}

#[test]
fn a_huge_header_is_cut_in_the_table_and_whole_in_json() {
    // A 5 MB header without the needed columns: its text is quoted in the error. Before, the
    // table took seconds for 5 MB and never finished for 50 MB.
    let header = format!("{},Close\n1,2\n", "x".repeat(5_000_000));
    let table = velo()
        .file("wide.csv", &header)
        .arg("scan")
        .arg("wide.csv")
        .run()
        .code(2);
    assert!(
        table.stdout.len() < 5_000,
        "{} bytes of table",
        table.stdout.len()
    );
    assert!(table.stdout.contains("…"), "{}", table.stdout);
    let json = velo()
        .file("wide.csv", &header)
        .args(["scan", "wide.csv", "--format", "json"])
        .run()
        .code(2);
    let message = json.json()["errors"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.len() > 5_000_000, "JSON keeps the whole message");
}

// ---------------------------------------------------------------------------------------------
// Issue 18: inputs read as written (classes 3, 4 and 6 of the hostile probe).
// ---------------------------------------------------------------------------------------------

/// Days since 1970-01-01 of a date: an oracle written apart from velo's calendar.
fn days_since_epoch(y: i64, m: i64, d: i64) -> i64 {
    let (y, m) = if m <= 2 { (y - 1, m + 12) } else { (y, m) };
    365 * y + y / 4 - y / 100 + y / 400 + (153 * (m - 3) + 2) / 5 + d - 719_469
}

/// `YYYY-MM-DD[ HH:MM:SS]` → epoch milliseconds.
fn iso_ms(s: &str) -> i64 {
    let n = |a: usize, b: usize| s[a..b].parse::<i64>().unwrap();
    let day = days_since_epoch(n(0, 4), n(5, 7), n(8, 10));
    let secs = if s.len() > 10 {
        n(11, 13) * 3600 + n(14, 16) * 60 + n(17, 19)
    } else {
        0
    };
    (day * 86_400 + secs) * 1000
}

/// The same bars as `canonical` (`Date,Open,High,Low,Close,Volume`, ISO dates, commas, `\n`)
/// written the ways users' files write them: header case, order, quoting and extra columns;
/// every date form and epoch unit; other separators, decimal commas, encodings and line ends;
/// newest first; yfinance's and pandas' headers. Each must read as the same bars.
pub(crate) fn same_bars_written_differently(
    canonical: &str,
    ticker: &str,
) -> Vec<(&'static str, Vec<u8>)> {
    let rows: Vec<Vec<&str>> = canonical
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let with_dates = |f: &dyn Fn(&str) -> String| -> String {
        let mut t = String::from("Date,Open,High,Low,Close,Volume\n");
        for r in &rows {
            let _ = writeln!(t, "{},{}", f(r[0]), r[1..].join(","));
        }
        t
    };
    let compact = |d: &str| -> String { d.chars().filter(|c| !matches!(c, '-' | ':')).collect() };
    let mut out: Vec<(&'static str, Vec<u8>)> = vec![
        ("compact dates", with_dates(&|d| compact(d)).into_bytes()),
        (
            "compact T dates",
            with_dates(&|d| compact(d).replace(' ', "T")).into_bytes(),
        ),
        (
            "epoch seconds",
            with_dates(&|d| (iso_ms(d) / 1000).to_string()).into_bytes(),
        ),
        (
            "epoch milliseconds",
            with_dates(&|d| iso_ms(d).to_string()).into_bytes(),
        ),
        (
            "epoch microseconds",
            with_dates(&|d| format!("{}000", iso_ms(d))).into_bytes(),
        ),
        (
            "epoch nanoseconds",
            with_dates(&|d| format!("{}000000", iso_ms(d))).into_bytes(),
        ),
        (
            "RFC 3339",
            with_dates(&|d| {
                let time = if d.len() > 10 { &d[11..] } else { "00:00:00" };
                format!("{}T{time}Z", &d[..10])
            })
            .into_bytes(),
        ),
    ];
    // Lower-case names in another order, Adj Close and a quoted note.
    let mut t = String::from("volume,close,adj close,date,note,HIGH,low,Open\n");
    for r in &rows {
        let _ = writeln!(
            t,
            "{},{},1.5,{},\"a, \"\"b\"\"\",{},{},{}",
            r[5], r[4], r[0], r[2], r[3], r[1]
        );
    }
    out.push(("lower-case, reordered, Adj Close", t.into_bytes()));
    // Every field quoted, CRLF, a UTF-8 byte-order mark.
    let quoted: String = canonical
        .lines()
        .map(|l| {
            let cells: Vec<String> = l.split(',').map(|c| format!("\"{c}\"")).collect();
            cells.join(",") + "\r\n"
        })
        .collect();
    out.push((
        "quoted, CRLF, BOM",
        [b"\xEF\xBB\xBF", quoted.as_bytes()].concat(),
    ));
    // Excel in a decimal-comma locale: semicolons, decimal commas, its `sep=` line.
    let semi: String = canonical
        .lines()
        .map(|l| {
            let cells: Vec<String> = l
                .split(',')
                .enumerate()
                .map(|(i, c)| {
                    if i == 0 {
                        c.to_string()
                    } else {
                        c.replace('.', ",")
                    }
                })
                .collect();
            cells.join(";") + "\n"
        })
        .collect();
    out.push(("semicolons, decimal commas", semi.clone().into_bytes()));
    out.push(("Excel sep= line", format!("sep=;\n{semi}").into_bytes()));
    // Excel's Unicode Text: UTF-16 with tabs.
    let tabs = canonical.replace(',', "\t").replace('\n', "\r\n");
    let mut utf16 = vec![0xFF, 0xFE];
    for u in tabs.encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    out.push(("UTF-16, tabs", utf16));
    out.push(("CR line ends", canonical.replace('\n', "\r").into_bytes()));
    // Newest first.
    let mut lines: Vec<&str> = canonical.lines().collect();
    lines[1..].reverse();
    out.push(("newest first", (lines.join("\n") + "\n").into_bytes()));
    // yfinance >= 0.2.51: Price, Ticker and Date rows.
    let mut t = format!(
        "Price,Close,High,Low,Open,Volume\nTicker,{ticker},{ticker},{ticker},{ticker},{ticker}\nDate,,,,,\n"
    );
    for r in &rows {
        let _ = writeln!(t, "{},{},{},{},{},{}", r[0], r[4], r[2], r[3], r[1], r[5]);
    }
    out.push(("yfinance header", t.into_bytes()));
    // pandas' to_csv of a frame whose date index has no name.
    let pandas = canonical.replacen("Date,", ",", 1);
    out.push(("pandas unnamed index", pandas.into_bytes()));
    out
}

/// `scan --explain` of one file: the dates and indicators it reads, bar by bar.
fn explain_csv(dir: &Path, file: &str) -> String {
    velo()
        .current_dir(dir)
        .args(["scan", "--explain", file, "--format", "csv"])
        .args(["--indicators", "sma:5,atr:14,volume_sma:5"])
        .run()
        .code(0)
        .stdout
}

#[test]
fn every_writing_of_the_same_bars_scans_the_same() {
    let good = std::fs::read_to_string(fixture("scan/good/GOOD.csv")).unwrap();
    let scan_json = |dir: &Path| {
        let out = velo()
            .arg("scan")
            .arg(dir)
            .args(["--format", "json"])
            .run()
            .code(0);
        let json = out.json();
        (json["results"].clone(), json["summary"].clone())
    };
    let base = tempfile::tempdir().unwrap();
    std::fs::write(base.path().join("GOOD.csv"), &good).unwrap();
    let (results, summary) = scan_json(base.path());
    assert!(
        !results.as_array().unwrap().is_empty(),
        "the fixture has a signal"
    );
    let explained = explain_csv(base.path(), "GOOD.csv");
    assert!(explained.contains("\n2024-01-01,"), "{explained}");
    for (form, bytes) in same_bars_written_differently(&good, "GOOD") {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("GOOD.csv"), &bytes).unwrap();
        let (r, s) = scan_json(dir.path());
        assert_eq!(r, results, "{form}: results");
        assert_eq!(s, summary, "{form}: summary");
        assert_eq!(
            explain_csv(dir.path(), "GOOD.csv"),
            explained,
            "{form}: explain"
        );
    }
    // Intraday bars: epoch units and compact date-times keep the time of day.
    let mut hourly = String::from("Date,Open,High,Low,Close,Volume\n");
    for (i, line) in good.lines().skip(1).enumerate() {
        let rest = line.split_once(',').unwrap().1;
        let _ = writeln!(
            hourly,
            "2024-03-{:02} {:02}:30:00,{rest}",
            1 + i / 8,
            9 + i % 8
        );
    }
    std::fs::write(base.path().join("HOURLY.csv"), &hourly).unwrap();
    let explained = explain_csv(base.path(), "HOURLY.csv");
    assert!(explained.contains("\n2024-03-01 09:30:00,"), "{explained}");
    for (form, bytes) in same_bars_written_differently(&hourly, "HOURLY") {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("HOURLY.csv"), &bytes).unwrap();
        assert_eq!(
            explain_csv(dir.path(), "HOURLY.csv"),
            explained,
            "{form}: hourly"
        );
    }
}

/// A rewrite of a date, as a test case holds it.
type Rewrite<'a> = &'a dyn Fn(&str) -> String;

/// Writes `GOOD.csv` with its dates rewritten by `f` into a new folder.
fn good_with_dates(f: impl Fn(&str) -> String) -> tempfile::TempDir {
    let good = std::fs::read_to_string(fixture("scan/good/GOOD.csv")).unwrap();
    let mut t = String::from("Date,Open,High,Low,Close,Volume\n");
    for line in good.lines().skip(1) {
        let (date, rest) = line.split_once(',').unwrap();
        let _ = writeln!(t, "{},{rest}", f(date));
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("GOOD.csv"), t).unwrap();
    dir
}

#[test]
fn timestamps_are_read_as_written_and_ambiguity_is_an_error() {
    // Compact dates are dates (they were epoch seconds of 1970), microseconds are microseconds
    // (they were milliseconds of a year past 50000).
    let compact = good_with_dates(|d| d.replace('-', ""));
    let micros = good_with_dates(|d| format!("{}000", iso_ms(d)));
    for dir in [&compact, &micros] {
        let out = velo()
            .arg("scan")
            .arg(dir.path())
            .args(["--format", "json"])
            .run()
            .code(0);
        let date = out.json()["results"][0]["date"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(date.starts_with("2024-"), "{date}");
        assert!(!out.stdout.contains("1970-"), "{}", out.stdout);
    }
    // --as-of reads the same forms.
    velo()
        .arg("scan")
        .arg(compact.path())
        .args(["--as-of", "20240301", "--format", "json"])
        .run()
        .code(0);
    // Ambiguous digits, and a column that changes unit, are errors naming the line; the other
    // files are still scanned.
    let cases: [(&str, Rewrite, usize, &str); 3] = [
        (
            "eleven digits",
            &|d| format!("{}", iso_ms(d) / 100),
            2,
            "has 11 digits, which no epoch unit has",
        ),
        (
            "day first",
            &|d| format!("{}/{}/{}", &d[8..10], &d[5..7], &d[..4]),
            2,
            "does not say whether the day or the month comes first",
        ),
        (
            "units mixed",
            &|d| {
                if d.ends_with("-10") {
                    iso_ms(d).to_string()
                } else {
                    (iso_ms(d) / 1000).to_string()
                }
            },
            9,
            "is epoch milliseconds (12-13 digits), but the Date column starts as epoch seconds",
        ),
    ];
    for (what, f, line, message) in cases {
        let dir = good_with_dates(f);
        std::fs::copy(fixture("scan/good/GOOD.csv"), dir.path().join("OTHER.csv")).unwrap();
        let out = velo()
            .arg("scan")
            .arg(dir.path())
            .args(["--format", "json"])
            .run()
            .code(2)
            .stderr_has(&format!("GOOD.csv:{line}: date "))
            .stderr_has(message);
        let json = out.json();
        assert_eq!(json["errors"][0]["line"], line, "{what}");
        assert_eq!(
            json["results"][0]["symbol"], "OTHER",
            "{what}: the rest is scanned"
        );
    }
    velo()
        .args(["scan", "--explain", "-", "--as-of", "17041014000"])
        .stdin("Date,Open,High,Low,Close,Volume\n")
        .run()
        .code(2)
        .stderr_has("has 11 digits");
}

#[test]
fn prices_that_cannot_trade_are_reported_with_file_and_line() {
    let good = std::fs::read_to_string(fixture("scan/good/GOOD.csv")).unwrap();
    let cases = [
        (
            1,
            "0",
            "Open value \"0\" is zero: a bar's Open, High, Low and Close must be above zero",
        ),
        (4, "-100.5", "Close value \"-100.5\" is negative"),
        (3, "0.0", "Low value \"0.0\" is zero"),
        (4, "NaN", "Close value \"NaN\" is a missing value"),
        (2, "", "the High field is empty"),
        (2, "inf", "High value \"inf\" is not a finite number"),
    ];
    for (col, value, message) in cases {
        let mut lines: Vec<String> = good.lines().map(str::to_string).collect();
        let mut cells: Vec<String> = lines[6].split(',').map(str::to_string).collect();
        cells[col] = value.to_string();
        lines[6] = cells.join(",");
        let out = velo()
            .file("in/BAD.csv", lines.join("\n") + "\n")
            .fixture_as("scan/good/GOOD.csv", "in/GOOD.csv")
            .args(["scan", "in", "--format", "json"])
            .run()
            .code(2)
            .stderr_has(&format!("BAD.csv:7: {message}"))
            .nowhere("panicked");
        let json = out.json();
        assert_eq!(json["errors"][0]["line"], 7, "{value}");
        assert!(json["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with(message));
        assert_eq!(
            json["results"][0]["symbol"], "GOOD",
            "the others are scanned"
        );
    }
}

#[cfg(unix)]
#[test]
fn input_files_of_every_kind_are_read_or_named() {
    let good = std::fs::read_to_string(fixture("scan/good/GOOD.csv")).unwrap();
    // A CR-only file with a bad value: the error quotes that value, not the rest of the file.
    let bad_cr = good.replacen(",100.78,", ",1O0.78,", 1).replace('\n', "\r");
    let out = velo()
        .file("GOOD.csv", bad_cr)
        .args(["scan", "GOOD.csv", "--format", "json"])
        .run()
        .code(2);
    let err = &out.json()["errors"][0];
    assert_eq!(err["line"], 3);
    assert_eq!(
        err["message"], "Close value \"1O0.78\" is not a number",
        "{}",
        out.stdout
    );
    // Files that are not CSV text, named with what to do.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("gz.csv"), b"\x1f\x8b\x08\x00\x00\x00").unwrap();
    std::fs::write(p.join("bin.csv"), b"\x7fELF\x02\x01\x01\x00\x00\x00").unwrap();
    std::fs::write(p.join("empty.csv"), b"").unwrap();
    std::fs::write(p.join("header.csv"), b"Date,Open,High,Low,Close,Volume\r\n").unwrap();
    std::fs::write(p.join("bom16.csv"), b"\xFF\xFE").unwrap();
    std::fs::write(p.join("noheader.csv"), b"2024-01-02,1,2,1,1,5\n").unwrap();
    std::os::unix::fs::symlink("loop.csv", p.join("loop.csv")).unwrap();
    crate::support::mkfifo(&p.join("fifo.csv"));
    std::fs::create_dir(p.join("folder.csv")).unwrap();
    std::fs::write(p.join("GOOD.csv"), &good).unwrap();
    let out = velo()
        .arg("scan")
        .arg(p)
        .args(["--format", "json"])
        .run()
        .code(2)
        .nowhere("panicked");
    let json = out.json();
    let errors: Vec<(String, String)> = json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let file = e["file"].as_str().unwrap();
            let name = Path::new(file)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (name, e["message"].as_str().unwrap().to_string())
        })
        .collect();
    let want = [
        ("bin.csv", "holds a NUL byte"),
        ("bom16.csv", "the file is empty"),
        ("empty.csv", "the file is empty"),
        ("fifo.csv", "is a named pipe (FIFO), not a regular file: velo does not wait for a writer to open it; give the data on standard input instead, as in `velo scan - <"),
        ("gz.csv", "is gzip-compressed, not CSV text: decompress it first"),
        ("header.csv", "the header has no data rows under it"),
        ("loop.csv", "a symbolic link in the path leads back to itself"),
        ("noheader.csv", "the first line is data (\"2024-01-02\"), not a header"),
    ];
    assert_eq!(errors.len(), want.len(), "{errors:#?}");
    for ((name, message), (want_name, want_message)) in errors.iter().zip(want) {
        assert_eq!(name, want_name);
        assert!(message.contains(want_message), "{name}: {message}");
    }
    assert_eq!(json["results"][0]["symbol"], "GOOD");
    // A folder where a file is expected.
    velo()
        .arg("scan")
        .arg("--explain")
        .arg(p.join("folder.csv"))
        .run()
        .code(2)
        .stderr_has("folder.csv: is a folder, not a regular file: name a CSV file in it");
    // yfinance files of several tickers scan each ticker.
    let mut yf = String::from(
        "Price,Close,Close,High,High,Low,Low,Open,Open,Volume,Volume\n\
         Ticker,AAA,BBB,AAA,BBB,AAA,BBB,AAA,BBB,AAA,BBB\nDate,,,,,,,,,,\n",
    );
    for line in good.lines().skip(1) {
        let c: Vec<&str> = line.split(',').collect();
        let _ = writeln!(
            yf,
            "{},{},{},{},{},{},{},{},{},{},{}",
            c[0], c[4], c[4], c[2], c[2], c[3], c[3], c[1], c[1], c[5], c[5]
        );
    }
    let out = velo()
        .args(["scan", "-", "--format", "json"])
        .stdin(yf)
        .run()
        .code(0);
    let json = out.json();
    let symbols: Vec<&str> = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["symbol"].as_str().unwrap())
        .collect();
    assert_eq!(symbols, ["AAA", "BBB"]);
}

/// A zone offset is checked, not applied: a daily bar written `2004-08-19 00:00:00+09:00`
/// (yfinance's `to_csv` of an Asian or European ticker) stays on 2004-08-19, the same
/// result as the plain dates.
#[test]
fn a_zone_offset_keeps_the_bar_on_the_day_it_was_written() {
    let plain = "Date,Open,High,Low,Close,Volume\n2004-08-19,10,11,9,10.5,100\n2004-08-20,10.5,12,10,11.5,120\n2004-08-23,11.5,12.5,11,12,90\n";
    let zoned = plain
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                l.to_string()
            } else {
                l.replacen(',', " 00:00:00+09:00,", 1)
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let explain = |csv: &str| {
        velo()
            .file("X.csv", csv)
            .args([
                "scan",
                "--explain",
                "X.csv",
                "--indicators",
                "sma:2",
                "--format",
                "csv",
            ])
            .run()
            .code(0)
            .stdout
    };
    let a = explain(plain);
    assert!(a.contains("2004-08-19,"), "{a}");
    assert_eq!(a, explain(&zoned));
}
