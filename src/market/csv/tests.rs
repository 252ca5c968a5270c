//! The loader as a whole: forms, errors, quoting, and fuzz targets.
#![allow(clippy::float_cmp)] // exact expectations are the point of these tests

use super::*;
use proptest::prelude::*;

fn load(text: &str) -> Result<Vec<Bars>, LoadError> {
    parse(
        text.as_bytes(),
        Path::new("t.csv"),
        "T",
        LoadOptions::default(),
    )
}

fn load_err(text: &[u8]) -> String {
    parse(text, Path::new("t.csv"), "T", LoadOptions::default())
        .unwrap_err()
        .to_string()
}

#[test]
fn reads_a_plain_file() {
    let bars = load("Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,0.5,1.5,100\n2024-01-03,1.5,2.5,1,2,200.5\n")
        .unwrap();
    assert_eq!(bars.len(), 1);
    let b = &bars[0];
    assert_eq!(b.symbol, "T");
    assert_eq!(b.close, vec![1.5, 2.0]);
    assert_eq!(b.volume, vec![100.0, 200.5]);
    assert_eq!(b.date(1), "2024-01-03");
}

#[test]
fn header_aliases_case_and_extra_columns() {
    let b = load("\u{feff}timestamp,HIGH,low,Open,close,VOL,Adj Close,Note\r\n1704153600,2,1,1.5,1.8,10,99,\"x, y\"\r\n")
        .unwrap();
    assert_eq!(b[0].high, vec![2.0]);
    assert_eq!(b[0].close, vec![1.8], "Adj Close is ignored unless asked");
    assert_eq!(b[0].style, TimeStyle::DateTime);
}

#[test]
fn adjusted_scales_ohlc() {
    let b = parse(
        b"Date,Open,High,Low,Close,Adj Close,Volume\n2024-01-02,10,20,5,10,5,7\n",
        Path::new("t.csv"),
        "T",
        LoadOptions { adjusted: true },
    )
    .unwrap();
    assert_eq!(
        (b[0].open[0], b[0].high[0], b[0].low[0], b[0].close[0]),
        (5.0, 10.0, 2.5, 5.0)
    );
}

#[test]
fn long_format_groups_by_symbol() {
    let b = load("Symbol,Date,Open,High,Low,Close,Volume\nAAA,2024-01-02,1,1,1,1,1\nBBB,2024-01-02,2,2,2,2,2\nAAA,2024-01-03,3,3,3,3,3\n")
        .unwrap();
    assert_eq!(b.len(), 2);
    assert_eq!(b[0].symbol, "AAA");
    assert_eq!(b[0].close, vec![1.0, 3.0]);
    assert_eq!(b[1].close, vec![2.0]);
    let e = load_err(b"Symbol,Date,Open,High,Low,Close,Volume\nAAA,2024-01-02,1,1,1,1,1\nAAA,2024-01-02,2,2,2,2,2\n");
    assert!(
        e.starts_with("t.csv:3: date 2024-01-02 is not after") && e.contains("for AAA"),
        "{e}"
    );
}

#[test]
fn errors_name_line_and_value() {
    let h = "Date,Open,High,Low,Close,Volume\n";
    let cases: [(&str, &str); 8] = [
        (
            "2024-01-02,1,2,1,abc,5\n",
            "t.csv:2: Close value \"abc\" is not a number",
        ),
        (
            "2024-01-02,1,2,1,1,5\n2024-01-01,1,2,1,1,5\n",
            "t.csv:3: date 2024-01-01 is not after the previous row's 2024-01-02",
        ),
        ("2024-01-02,1,1,2,1,5\n", "t.csv:2: High 1 is below Low 2"),
        (
            "2024-01-02,1,2,1,1,-5\n",
            "t.csv:2: Volume value \"-5\" is negative",
        ),
        (
            "2024-01-02,-1,2,1,1,5\n",
            "t.csv:2: Open value \"-1\" is negative",
        ),
        (
            "2024-01-02,1,2,1,1\n",
            "t.csv:2: the row has 5 fields, the header has 6",
        ),
        (
            "02/01/2024,1,2,1,1,5\n",
            "t.csv:2: date \"02/01/2024\" is not a date",
        ),
        ("", "t.csv:1: the header has no data rows"),
    ];
    for (rows, want) in cases {
        let e = load_err(format!("{h}{rows}").as_bytes());
        assert!(e.starts_with(want), "{e}\nwanted {want}");
    }
    let e = load_err(b"Date,Open,High,Low,Close\n2024-01-02,1,2,1,1\n");
    assert!(e.starts_with("t.csv:1: missing column `Volume`"), "{e}");
    assert!(load_err(b"").starts_with("t.csv:1: the file is empty"));
    let e = load_err(b"Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,1,1\xff,5\n");
    assert!(
        e.starts_with("t.csv:2: not valid UTF-8 (byte 0xFF at column 19)"),
        "{e}"
    );
}

/// What every read must satisfy: bars in ascending time with finite, non-negative values
/// and High >= Low, or an error naming a line of the input. Bars read back the same after
/// being written out again.
fn check_reader(bytes: &[u8]) -> Result<(), TestCaseError> {
    let lines = memchr::memchr_iter(b'\n', bytes).count() + 1;
    for adjusted in [false, true] {
        match parse(bytes, Path::new("f.csv"), "F", LoadOptions { adjusted }) {
            Ok(series) => {
                prop_assert!(!series.is_empty());
                for b in &series {
                    prop_assert!(b.time.windows(2).all(|w| w[0] < w[1]));
                    for i in 0..b.len() {
                        let v = [b.open[i], b.high[i], b.low[i], b.close[i], b.volume[i]];
                        prop_assert!(v.iter().all(|x| x.is_finite() && *x >= 0.0), "{v:?}");
                        prop_assert!(adjusted || b.high[i] >= b.low[i]);
                    }
                }
                if !adjusted && series.len() == 1 {
                    let b = &series[0];
                    let mut text = String::from("Date,Open,High,Low,Close,Volume\n");
                    for i in 0..b.len() {
                        text.push_str(&format!(
                            "{},{},{},{},{},{}\n",
                            format_timestamp(b.time[i], TimeStyle::DateTime),
                            b.open[i],
                            b.high[i],
                            b.low[i],
                            b.close[i],
                            b.volume[i]
                        ));
                    }
                    let again = load(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
                    prop_assert_eq!(
                        (&again[0].time, &again[0].close, &again[0].volume),
                        (&b.time, &b.close, &b.volume)
                    );
                }
            }
            Err(e) => {
                let line = e
                    .line
                    .ok_or_else(|| TestCaseError::fail(format!("no line: {e}")))?;
                prop_assert!((1..=lines).contains(&line), "line {line} of {lines}: {e}");
                prop_assert!(e.to_string().starts_with(&format!("f.csv:{line}: ")), "{e}");
            }
        }
    }
    Ok(())
}

/// A valid file of `rows` bars, for the mutation fuzz target to damage.
fn valid_file(rows: &[(u32, u32, u64)]) -> Vec<u8> {
    let mut text = String::from("Date,Open,High,Low,Close,Volume,Note\n");
    for (i, (p, spread, v)) in rows.iter().enumerate() {
        let low = f64::from(*p) / 100.0;
        let high = f64::from(p + spread) / 100.0;
        let date = format_timestamp(i as i64 * 86_400_000, TimeStyle::Date);
        text.push_str(&format!(
            "{date},{low},{high},{low},{high},{v},\"n, \"\"{i}\"\"\"\n"
        ));
    }
    text.into_bytes()
}

/// RFC 4180 text for `rows`: a field is quoted when it must be (a comma, quote, CR or LF in
/// it, or a lone empty field, which would be a blank line) or when `quote_all` says so.
fn rfc4180(rows: &[Vec<String>], quote_all: bool, crlf: bool, final_break: bool) -> String {
    let mut out = String::new();
    for (r, row) in rows.iter().enumerate() {
        for (c, f) in row.iter().enumerate() {
            if c > 0 {
                out.push(',');
            }
            let must = f.contains([',', '"', '\r', '\n']) || (row.len() == 1 && f.is_empty());
            if quote_all || must {
                out.push('"');
                out.push_str(&f.replace('"', "\"\""));
                out.push('"');
            } else {
                out.push_str(f);
            }
        }
        if r + 1 < rows.len() || final_break {
            out.push_str(if crlf { "\r\n" } else { "\n" });
        }
    }
    out
}

#[test]
fn quoted_fields_hold_commas_quotes_and_line_breaks() {
    // Lines 2-3 are one record, and so are lines 6-7.
    let text = "Date,Open,High,Low,Close,Volume,Note\n\
                2024-01-02,1,2,1,1.5,10,\"one, \"\"two\"\"\nthree\"\n\
                \"2024-01-03\",\"1\",2,1,1.5,\"1000\",x\n\
                2024-01-04,1,2,1,1.5,10,\"\"\n\
                2024-01-05,1,2,1,abc,10,\"a\nb\"\n\
                2024-01-06,1,2,1,1.5,10,\n";
    let e = load_err(text.as_bytes());
    assert!(e.starts_with("t.csv:6: Close value \"abc\""), "{e}");
    let ok = text.replace("abc", "1.5");
    let b = &load(&ok).unwrap()[0];
    assert_eq!(b.len(), 5);
    assert_eq!(b.date(1), "2024-01-03");
    assert_eq!(b.volume[1], 1000.0);
    // A quoted comma is part of the value.
    let e = load_err(ok.replace("\"1000\"", "\"1,000\"").as_bytes());
    assert!(
        e.starts_with("t.csv:4: Volume value \"1,000\" is not a number"),
        "{e}"
    );
    let e = load_err(
        b"Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,1,1,5\n2024-01-03,1,2,1,1,\"5\n\n",
    );
    assert!(
        e.starts_with("t.csv:3: a quoted field opened on this line is never closed"),
        "{e}"
    );
}

proptest! {
    #![proptest_config(crate::market::proptest_config(256))]

    #[test]
    fn rows_never_panic(row in "[0-9a-z,.:\" -]{0,60}") {
        let text = format!("Date,Open,High,Low,Close,Volume\n{row}\n");
        let _ = load(&text);
    }

    #[test]
    fn fast_and_general_paths_agree(
        rows in proptest::collection::vec((1u32..1_000_000, 0u32..1000, 0u32..5), 1..30),
        crlf: bool,
    ) {
        // Each row is written in one of several styles; plain rows take the fast path,
        // the others the general one, and all must read back the same values.
        let end = if crlf { "\r\n" } else { "\n" };
        let mut text = format!("Date,Open,High,Low,Close,Volume{end}");
        let mut want = Vec::new();
        for (i, (p, spread, style)) in rows.iter().enumerate() {
            let low = f64::from(*p) / 10_000.0;
            let high = f64::from(p + spread) / 10_000.0;
            let date = format_timestamp(i as i64 * 86_400_000, TimeStyle::Date);
            let line = match style {
                0 => format!("{date},{low},{high},{low},{high},{p}"),
                1 => format!("\"{date}\",{low},\"{high}\",{low},{high},{p}"),
                2 => format!("{date},{low:e},{high:e},{low},{high},{p}"),
                3 => format!("{date}, {low} ,{high},{low},{high},{p}.0"),
                _ => format!("{date}T00:00:00Z,{low},{high},{low},{high},{p}"),
            };
            text.push_str(&line);
            text.push_str(end);
            want.push((high, low, f64::from(*p)));
        }
        let b = &load(&text).unwrap()[0];
        prop_assert_eq!(b.len(), want.len());
        for (i, (high, low, vol)) in want.iter().enumerate() {
            prop_assert_eq!((b.high[i], b.low[i], b.close[i], b.volume[i]), (*high, *low, *high, *vol));
            prop_assert_eq!(b.time[i], i as i64 * 86_400_000);
        }
    }

    #[test]
    fn good_rows_round_trip(vals in proptest::collection::vec((1u32..100_000, 0u32..10_000, 0u64..1_000_000_000), 1..40)) {
        let mut text = String::from("Date,Open,High,Low,Close,Volume\n");
        let mut want = Vec::new();
        for (i, (p, spread, v)) in vals.iter().enumerate() {
            let low = f64::from(*p) / 100.0;
            let high = f64::from(p + spread) / 100.0;
            text.push_str(&format!("{},{low},{high},{low},{high},{v}\n", format_timestamp(i as i64 * 86_400_000, TimeStyle::Date)));
            want.push(high);
        }
        let b = load(&text).unwrap();
        prop_assert_eq!(&b[0].close, &want);
    }

    /// The record splitter against the `csv` crate on everything RFC 4180 allows.
    #[test]
    fn records_split_as_the_csv_crate_reads_them(
        width in 1usize..5,
        cells in proptest::collection::vec("[a-z0-9 ,\"\r\n.-]{0,6}", 1..60),
        quote_all: bool,
        crlf: bool,
        final_break: bool,
    ) {
        let rows: Vec<Vec<String>> = cells.chunks(width).map(<[String]>::to_vec).collect();
        let text = rfc4180(&rows, quote_all, crlf, final_break);
        let mut it = LineIter { rest: text.as_bytes(), line: 0 };
        let mut ours = Vec::new();
        while let Some((line, record)) = it.next_record().unwrap() {
            ours.push((line, split_quoted(record)));
        }
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut theirs = Vec::new();
        let mut rec = csv::ByteRecord::new();
        while rdr.read_byte_record(&mut rec).unwrap() {
            theirs.push(rec.iter().map(<[u8]>::to_vec).collect::<Vec<_>>());
        }
        let (lines, ours): (Vec<usize>, Vec<Vec<Vec<u8>>>) = ours.into_iter().unzip();
        prop_assert_eq!(&ours, &theirs, "{:?}", text);
        let want: Vec<Vec<Vec<u8>>> = rows.iter().map(|r| r.iter().map(|f| f.clone().into_bytes()).collect()).collect();
        prop_assert_eq!(ours, want);
        // Each record starts on the line after the previous one's last line break. (The
        // csv crate's own positions are not compared: after a quoted field and CRLF it
        // reports the previous record's line.)
        let mut line = 1;
        for (row, got) in rows.iter().zip(&lines) {
            prop_assert_eq!(*got, line);
            line += 1 + row.iter().map(|f| f.matches('\n').count()).sum::<usize>();
        }
    }

    /// Whole files with any field quoted and a note column holding commas, quotes and line
    /// breaks read the same values as the plain file.
    #[test]
    fn quoted_files_read_the_same_values(
        bars in proptest::collection::vec((1u32..100_000, 0u32..1000, 0u64..1_000_000, "[a-z ,\"\n]{0,8}"), 1..30),
        quote_all: bool,
        crlf: bool,
    ) {
        let mut rows = vec![vec!["Date".to_string(), "Open".into(), "High".into(), "Low".into(), "Close".into(), "Volume".into(), "Note".into()]];
        let mut plain = String::from("Date,Open,High,Low,Close,Volume\n");
        for (i, (p, spread, v, note)) in bars.iter().enumerate() {
            let low = f64::from(*p) / 100.0;
            let high = f64::from(p + spread) / 100.0;
            let date = format_timestamp(i as i64 * 86_400_000, TimeStyle::Date);
            rows.push(vec![date.clone(), low.to_string(), high.to_string(), low.to_string(), high.to_string(), v.to_string(), note.clone()]);
            plain.push_str(&format!("{date},{low},{high},{low},{high},{v}\n"));
        }
        let quoted = rfc4180(&rows, quote_all, crlf, true);
        let a = load(&quoted).map_err(|e| TestCaseError::fail(format!("{e}\n{quoted}")))?;
        let b = load(&plain).unwrap();
        prop_assert_eq!(a, b);
    }
}

proptest! {
    #![proptest_config(crate::market::fuzz_config())]

    /// Arbitrary bytes: no panic, and an error names a line of the input.
    #[test]
    fn fuzz_csv_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        check_reader(&bytes)?;
    }

    /// Arbitrary bytes after a valid header: the rows are what the parser must survive.
    #[test]
    fn fuzz_csv_arbitrary_rows(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let mut text = b"Date,Open,High,Low,Close,Volume\n".to_vec();
        text.extend_from_slice(&bytes);
        check_reader(&text)?;
    }

    /// A valid file damaged in a few places with the bytes that matter to CSV.
    #[test]
    fn fuzz_csv_mutated_file(
        rows in proptest::collection::vec((1u32..100_000, 0u32..1000, 0u64..1_000_000), 1..40),
        edits in proptest::collection::vec((any::<usize>(), 0u8..3, prop::sample::select(
            vec![b',', b'"', b'\n', b'\r', b'-', b'.', b'e', b'0', b'9', b' ', b':', b'T', 0xFF, 0xC3, 0])), 1..8),
    ) {
        let mut bytes = valid_file(&rows);
        for (at, kind, byte) in edits {
            let at = at % (bytes.len() + 1);
            match kind {
                0 => bytes.insert(at, byte),
                1 if at < bytes.len() => bytes[at] = byte,
                _ if at < bytes.len() => { bytes.remove(at); }
                _ => bytes.push(byte),
            }
        }
        check_reader(&bytes)?;
    }
}
