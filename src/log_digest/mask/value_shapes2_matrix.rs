//! The masker's second value matrix: the value shapes that bots, scrapers, services and their
//! infrastructure write and the first matrix (`value_matrix.rs`) lacks — container and pod
//! names, container ids, ARNs, bucket URIs, `user@host`, k8s `ns/name`, ratios, counts with a
//! suffix, Go and ISO-8601 durations, epoch times, money and crypto amounts, trading symbols,
//! order ids, `0x` addresses, base64 and JWT-shaped tokens, git shas and refs, semver ranges,
//! MAC addresses, CIDR blocks, a port alone, an HTTP status with its reason, byte ranges,
//! percent-encoded strings, Windows paths with spaces, quoted JSON, and Python reprs (objects,
//! `Decimal`, `datetime`, tuples, dicts). Every value is made up; every shape is a variable.
//!
//! Same harness as the first matrix: one event of made-up words with ONE slot, written 16
//! times with 16 values, beside two background events; a cell is right when the slot event
//! keeps one template of its own. Delimiters are trimmed to the ones real loggers put around
//! each shape (a value with spaces is not glued into `#v`).
//!
//! The cells known to fail are listed in `KNOWN`; the test fails when a cell outside it fails
//! and when a cell inside it passes.

use super::value_matrix::{cap, problems, slot_event, word, Shape, DELIMS, POSITIONS};
use crate::log_digest::matrix_tally::assert_known_failures;

/// Delimiters for a one-token value.
const TOKEN: &[&str] = &[
    "bare", "key=v", "key: v", "key v", "(v)", "[v]", "\"v\"", "'v'", "v,",
];
/// Delimiters for a value with spaces or its own brackets.
const SPACED: &[&str] = &["bare", "key=v", "key: v", "v,"];

fn hex(i: usize, salt: u64, len: usize) -> String {
    let mut s = String::new();
    let mut x = (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ salt;
    while s.len() < len {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        s.push_str(&format!("{x:016x}"));
    }
    s.truncate(len);
    s
}

fn alnum(i: usize, salt: u64, len: usize) -> String {
    const A: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let h = hex(i, salt, len * 2);
    h.as_bytes()
        .chunks(2)
        .map(|c| {
            let v = u8::from_str_radix(std::str::from_utf8(c).unwrap(), 16).unwrap();
            A[v as usize % A.len()] as char
        })
        .collect()
}

fn ticker(i: usize) -> String {
    const L: &[u8] = b"ZQXVBRMKJW";
    [L[i % 10], L[(i * 3 + 1) % 10], L[(i * 7 + 2) % 10]]
        .iter()
        .map(|&b| b as char)
        .collect()
}

/// Shapes, each with the delimiters that occur with it.
const SHAPES2: &[(Shape, &[&str])] = &[
    (
        ("pod", |i| {
            format!(
                "zorbex-api-{}-{}",
                hex(i % 3, 1, 9),
                alnum(i, 2, 5).to_lowercase()
            )
        }),
        TOKEN,
    ),
    (("container-id12", |i| hex(i, 3, 12)), TOKEN),
    (("container-id64", |i| hex(i, 4, 64)), TOKEN),
    (
        ("arn", |i| {
            format!(
                "arn:aws:iam::{}:role/{}-{i}",
                100_000_000_000 + i * 7919,
                word(i)
            )
        }),
        TOKEN,
    ),
    (
        ("s3-uri", |i| {
            format!("s3://zorbex-{}/{}/f{i}.parquet", word(i % 3), word(i))
        }),
        TOKEN,
    ),
    (
        ("gs-uri", |i| {
            format!("gs://vexor-{}/dumps/{i}.json", word(i))
        }),
        TOKEN,
    ),
    (
        ("user@host", |i| format!("{}@node-{}", word(i), i + 1)),
        TOKEN,
    ),
    (
        ("sa-email", |i| {
            format!("{}-{i}@zorbex-{}.iam.example.com", word(i), 100 + i)
        }),
        TOKEN,
    ),
    (
        ("ns/name", |i| {
            format!("{}/{}-{}", word(i % 4), word(i), hex(i, 5, 5))
        }),
        TOKEN,
    ),
    (
        ("ratio", |i| format!("{}/{}", i * 3 % 17, 17 + i % 5)),
        TOKEN,
    ),
    (
        ("count-k", |i| format!("{}.{}k", 1 + i % 9, i * 3 % 10)),
        TOKEN,
    ),
    (("count-M", |i| format!("{}M", 2 + i * 3)), TOKEN),
    (
        ("go-dur", |i| {
            format!("{}h{}m{}.{}s", i % 3, i * 7 % 60, i * 11 % 60, i % 10)
        }),
        TOKEN,
    ),
    (
        ("go-dur-us", |i| format!("{}.{}µs", 100 + i * 37, i % 10)),
        TOKEN,
    ),
    (
        ("iso-dur", |i| {
            format!("PT{}H{}M{}S", i % 5, i * 7 % 60, i * 13 % 60)
        }),
        TOKEN,
    ),
    (
        ("epoch-s", |i| format!("{}", 1_712_345_678 + i * 3_607)),
        TOKEN,
    ),
    (
        ("epoch-ms", |i| {
            format!("{}", 1_712_345_678_123_u64 + i as u64 * 3_607_011)
        }),
        TOKEN,
    ),
    (
        ("epoch-frac", |i| {
            format!(
                "{}.{:06}",
                1_712_345_678 + i * 3_607,
                i * 104_729 % 1_000_000
            )
        }),
        TOKEN,
    ),
    (
        ("money", |i| format!("${}.{:02}", 3 + i * 17, i * 29 % 100)),
        TOKEN,
    ),
    (
        ("money-code", |i| {
            format!("{}.{:02} USD", 3 + i * 17, i * 29 % 100)
        }),
        SPACED,
    ),
    (
        ("crypto", |i| format!("0.00{:06}", 1230 + i * 4_567)),
        TOKEN,
    ),
    (("symbol", |i| format!("{}USDT", ticker(i))), TOKEN),
    (("symbol-slash", |i| format!("{}/USDT", ticker(i))), TOKEN),
    (("symbol-perp", |i| format!("{}-PERP", ticker(i))), TOKEN),
    (("symbol-dash", |i| format!("{}-USD", ticker(i))), TOKEN),
    (("order-id", |i| format!("ord_{}", alnum(i, 6, 14))), TOKEN),
    (
        ("order-dated", |i| format!("O-2024-{:06}", 1234 + i * 977)),
        TOKEN,
    ),
    (("addr-0x", |i| format!("0x{}", hex(i, 7, 40))), TOKEN),
    (
        ("base64", |i| {
            format!(
                "{}+{}/{}==",
                alnum(i, 8, 10),
                alnum(i, 9, 6),
                alnum(i, 10, 4)
            )
        }),
        TOKEN,
    ),
    (
        ("jwt", |i| {
            format!(
                "eyJhbGciOiJIUzI1NiJ9.eyJ{}.{}",
                alnum(i, 11, 20),
                alnum(i, 12, 22)
            )
        }),
        TOKEN,
    ),
    (("git-sha", |i| hex(i, 13, 40)), TOKEN),
    (
        ("git-ref", |i| format!("refs/heads/{}-{i}", word(i))),
        TOKEN,
    ),
    (
        ("semver-range", |i| {
            format!(">={}.{}.0,<{}.0.0", 1 + i % 4, i % 9, 2 + i % 4)
        }),
        TOKEN,
    ),
    (
        ("semver-caret", |i| {
            format!("^{}.{}.{}", 1 + i % 4, i % 9, i % 5)
        }),
        TOKEN,
    ),
    (
        ("mac", |i| {
            let h = hex(i, 14, 12);
            (0..6)
                .map(|k| &h[k * 2..k * 2 + 2])
                .collect::<Vec<_>>()
                .join(":")
        }),
        TOKEN,
    ),
    (
        ("cidr", |i| {
            format!("10.{}.{}.0/{}", i % 8, i * 16 % 256, 16 + i % 9)
        }),
        TOKEN,
    ),
    (("port", |i| format!(":{}", 8000 + i * 7)), TOKEN),
    (
        ("status-reason", |i| {
            [
                "404 Not Found",
                "500 Internal Server Error",
                "503 Service Unavailable",
                "429 Too Many Requests",
            ][i % 4]
                .to_owned()
        }),
        SPACED,
    ),
    (
        ("byte-range", |i| {
            format!("bytes={}-{}", i * 1024, i * 1024 + 1023)
        }),
        TOKEN,
    ),
    (
        ("byte-range-of", |i| {
            format!("{}-{}/{}", i * 512, i * 512 + 511, 8192 + i * 100)
        }),
        TOKEN,
    ),
    (
        ("pct-encoded", |i| {
            format!("%2F{}%20{}%3D{i}", word(i), word(i + 2))
        }),
        TOKEN,
    ),
    (
        ("win-path-spaces", |i| {
            format!("C:\\Program Files\\Zorbex {}\\f{i}.dat", cap(&word(i)))
        }),
        SPACED,
    ),
    (
        ("json-fragment", |i| {
            format!(
                "{{\"{}\": {}, \"quil\": \"{}\"}}",
                word(i % 2),
                i * 7,
                word(i)
            )
        }),
        SPACED,
    ),
    (
        ("py-object", |i| {
            format!("<zorbex.Plonk object at 0x7f{}>", hex(i, 15, 10))
        }),
        SPACED,
    ),
    (
        ("py-decimal", |i| {
            format!("Decimal('{}.{}')", i * 3, i * 7 % 100)
        }),
        SPACED,
    ),
    (
        ("py-datetime", |i| {
            format!(
                "datetime.datetime(2024, 3, {}, {}, {}, {})",
                1 + i,
                i % 24,
                i * 7 % 60,
                i * 11 % 60
            )
        }),
        SPACED,
    ),
    (
        ("py-tuple", |i| format!("({}, {})", i * 3, 7 + i * 5)),
        SPACED,
    ),
    (
        ("py-dict", |i| {
            format!("{{'{}': {}, 'quil': '{}'}}", word(i % 2), i * 7, word(i))
        }),
        SPACED,
    ),
];

/// The cells of `SHAPES2` known to group the slot event wrongly (`shape | delimiter | position`).
// Left: a JSON object ending the message (bare or after `key:`): a text line that ends in a
// JSON object is read as a structured logger's record (`records::trailing_fields`), whose keys
// are part of its event, so each key set is a template; records are not this matrix's to
// change. A status with its reason opening the message is a response line's status, part of
// the event by the convention (kept apart on purpose, see `status_reason`). Fixed: a random
// id with no digit and a padded base64 value opening the message (`mask::opaque`); a Python
// dict repr whose keys vary (`spans::object_span`).
const KNOWN: &[&str] = &[
    "status-reason | bare | first",
    "status-reason | v, | first",
    "json-fragment | key: v | last",
    "json-fragment | bare | last",
];

fn delim(name: &str) -> &'static str {
    DELIMS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, d)| *d)
        .unwrap()
}

/// Whether the matrix runs delimiter `d` at position `pos` for a shape written with `delims`.
/// A one-token value runs every delimiter where it opens the message (where the miner keeps
/// a value as a word) and the delimiters that glue nothing to it (bare, keyed, before a comma)
/// in the middle and at the end: brackets and quotes around a one-token value there never
/// told cells apart in either value matrix, and the cells they cost kept the test over five
/// seconds in a debug build. A value with spaces runs every cell.
fn kept(delims: &[&str], d: &str, pos: &str) -> bool {
    delims.len() != TOKEN.len()
        || pos == "first"
        || matches!(d, "bare" | "v,")
        || (pos == "last" && matches!(d, "key=v" | "key: v"))
}

/// One cell: its name, the shape, the delimiter and the position.
type Cell = (String, fn(usize) -> String, &'static str, &'static str);

#[test]
fn a_slot_value_of_every_infrastructure_shape_keeps_one_event() {
    let cells: Vec<Cell> = SHAPES2
        .iter()
        .flat_map(|((sname, shape), delims)| {
            delims.iter().flat_map(move |d| {
                POSITIONS
                    .iter()
                    .filter(move |(pname, _)| kept(delims, d, pname))
                    .map(move |(pname, pos)| {
                        (format!("{sname} | {d} | {pname}"), *shape, delim(d), *pos)
                    })
            })
        })
        .collect();
    let results: Vec<Vec<String>> = std::thread::scope(|s| {
        let handles: Vec<_> = cells
            .chunks(cells.len().div_ceil(8))
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|(_, shape, d, pos)| problems(&[slot_event(*shape, d, pos)]))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let mut table = std::collections::BTreeMap::<&str, (usize, usize)>::new();
    let mut failing = Vec::new();
    for ((cell, ..), p) in cells.iter().zip(&results) {
        let sname = cell.split(" | ").next().unwrap_or("");
        let e = table.entry(sname).or_default();
        e.1 += 1;
        if !p.is_empty() {
            e.0 += 1;
            failing.push((cell.clone(), p.join("; ")));
        }
    }
    for ((sname, _), _) in SHAPES2 {
        let (w, c) = table[sname];
        eprintln!("{sname:>16}: {w:>2} of {c} wrong");
    }
    eprintln!("{} of {} cells wrong", failing.len(), cells.len());
    assert_known_failures(&failing, KNOWN);
}

/// Must not fire: events around a status and its reason that differ in a telling word, and
/// request lines whose status (with its reason) is part of the event, stay apart.
#[test]
fn events_around_a_status_reason_stay_apart() {
    let reason = |i: usize| ["404 Not Found", "503 Service Unavailable"][i % 2];
    let ev = |f: &dyn Fn(usize) -> String| -> Vec<String> { (0..12).map(f).collect() };
    let cells: Vec<(&str, Vec<Vec<String>>)> = vec![
        (
            "verb before the status",
            vec![
                ev(&|i| format!("zorbex fetch returned {}", reason(i))),
                ev(&|i| format!("zorbex push returned {}", reason(i))),
            ],
        ),
        (
            "request line status",
            ["404 Not Found", "200 OK"]
                .iter()
                .map(|s| ev(&|i| format!("10.0.0.{} - \"GET /api/zorbs HTTP/1.1\" {s}", 2 + i)))
                .collect(),
        ),
        (
            "response line opening the message",
            ["200 OK", "404 Not Found", "503 Service Unavailable"]
                .iter()
                .map(|s| {
                    ev(&|i| {
                        format!(
                            "[{:08x}] {s} (0.{}s, {}/s)",
                            0x1f00_0000 + i * 7919,
                            10 + i,
                            100 + i * 37
                        )
                    })
                })
                .collect(),
        ),
        (
            "words after a non-status number",
            vec![
                ev(&|i| format!("flarn moved {} Not Found", 700 + i)),
                ev(&|i| format!("flarn moved {} Found", 700 + i)),
            ],
        ),
    ];
    let wrong: Vec<String> = cells
        .iter()
        .filter_map(|(name, events)| {
            let p = problems(events);
            (!p.is_empty()).then(|| format!("{name}: {}", p.join("; ")))
        })
        .collect();
    assert!(wrong.is_empty(), "cells wrong:\n{}", wrong.join("\n"));
}

/// Must not fire: what the opaque-value rules (a random id with no digit, a padded base64
/// value, a dictionary repr) must leave to the event. Events that open with different words
/// (plain, capitalised, camel-case event names, short upper-case codes), or differ in a word
/// after an id or a dictionary, keep their events apart; camel-case event names and upper-case
/// codes stay words.
#[test]
fn opening_words_codes_and_event_names_stay_apart() {
    let ev = |f: &dyn Fn(usize) -> String| -> Vec<String> { (0..12).map(f).collect() };
    let id = |i: usize| format!("ord_{}", alnum(i, 6, 14));
    let dict = |i: usize| format!("{{'{}': {}, 'quil': '{}'}}", word(i % 2), i * 7, word(i));
    let cells: Vec<(&str, Vec<Vec<String>>)> = vec![
        (
            "an opening word",
            ["opened", "closed"]
                .iter()
                .map(|w| ev(&|i| format!("{w} flarn {} quibbed", 700 + i)))
                .collect(),
        ),
        (
            "an opening camel-case event name",
            [
                "FlarnQuibbleStarted",
                "FlarnQuibbleStopped",
                "SnorvelBramvexDrained",
            ]
            .iter()
            .map(|w| ev(&|i| format!("{w} trunde={}", 700 + i)))
            .collect(),
        ),
        (
            "an opening upper-case code",
            ["ZORBQUIL", "VEXLUNDRA"]
                .iter()
                .map(|w| ev(&|i| format!("{w} flarn placed for {} snorvels", 3 + i)))
                .collect(),
        ),
        (
            "a word after an opening id",
            ["filled", "cancelled"]
                .iter()
                .map(|w| ev(&|i| format!("{} {w} at {}.5", id(i), 30 + i)))
                .collect(),
        ),
        (
            "words around a dictionary",
            vec![
                ev(&|i| format!("flarn placed: {}", dict(i))),
                ev(&|i| format!("flarn rejected: {}", dict(i))),
                ev(&|i| format!("{} quibbed the snorvel", dict(i))),
            ],
        ),
    ];
    let wrong: Vec<String> = cells
        .iter()
        .filter_map(|(name, events)| {
            let p = problems(events);
            (!p.is_empty()).then(|| format!("{name}: {}", p.join("; ")))
        })
        .collect();
    assert!(wrong.is_empty(), "cells wrong:\n{}", wrong.join("\n"));
    for w in [
        "FlarnQuibbleStarted",
        "SnorvelBramvexDrained",
        "VEXLUNDRA",
        "ZORBQUIL",
    ] {
        let m = super::masked(&format!("{w} flarn placed"));
        assert!(m.starts_with(w), "{w}: {m}");
    }
}
