//! Failure class: two formats in one stream (an access log among an application's own logging
//! under uvicorn or gunicorn, two libraries writing to one process's stdout, a supervisor's lines
//! among its child's, a runtime's prefix on some lines), as a generated matrix of made-up words
//! with known truth. One dimension at a time: the pair of header shapes (each as a real logger
//! writes it by default or in its most common configuration), the mixing ratio (1:1, 1:3,
//! 1:10, 1:30: the first shape is the rarer) and the pattern (line by line, or in blocks).
//! Truth: each part's own four message kinds (none shares a word with the other part's), so
//! every kind must be one template no other kind shares, and the warning and error counts must
//! be the sums of the parts' counts alone.

use crate::log_digest::matrix_tally::{assert_known_failures, digest_cell, grouping_problems};

/// `render(i, level, message)`: one event's line in a header shape; a shape that writes no
/// level leaves it out.
type Render = fn(usize, &str, &str) -> String;

fn clock(i: usize) -> (usize, usize, usize) {
    (9 + i / 3600, i / 60 % 60, i % 60)
}

/// The header shapes, named by the logger that writes them.
const SHAPES: &[(&str, Render)] = &[
    // Python logging, `%(asctime)s %(levelname)s %(name)s: %(message)s`.
    ("python", |i, l, m| {
        let (h, mi, s) = clock(i);
        let name = ["alpha.beta", "gamma", "delta.epsilon.zeta"][i % 3];
        format!(
            "2024-03-01 {h:02}:{mi:02}:{s:02},{:03} {l} {name}: {m}",
            i * 7 % 1000
        )
    }),
    // A syslog relay (RFC 3164): no level.
    ("syslog", |i, _, m| {
        let (h, mi, s) = clock(i);
        let prog = ["brontd", "cravd"][i % 2];
        format!(
            "Mar  1 {h:02}:{mi:02}:{s:02} node-a1 {prog}[{}]: {m}",
            1200 + i % 4
        )
    }),
    // klog: level letter, date, time, thread id, file:line].
    ("klog", |i, l, m| {
        let (h, mi, s) = clock(i);
        format!(
            "{}0301 {h:02}:{mi:02}:{s:02}.{:06} {:>7} {}.go:{}] {m}",
            &l[..1],
            i * 7919 % 1_000_000,
            4000 + i % 9,
            ["gamma", "delta"][i % 2],
            40 + i % 5
        )
    }),
    // Go's standard `log` (LstdFlags): date, time, message.
    ("go", |i, _, m| {
        let (h, mi, s) = clock(i);
        format!("2024/03/01 {h:02}:{mi:02}:{s:02} {m}")
    }),
    // An access log in the common log format: the request line is the event.
    ("access", |i, _, m| {
        let (h, mi, s) = clock(i);
        let route = m.split(' ').next().unwrap_or("x");
        format!(
            "10.0.{}.{} - - [01/Mar/2024:{h:02}:{mi:02}:{s:02} +0000] \"GET /{route}/{} HTTP/1.1\" 200 {}",
            i % 3,
            i % 7 + 1,
            i % 50,
            i * 13 % 4000 + 10
        )
    }),
    // JSON lines (a structured logger's defaults: time, level, msg).
    ("json", |i, l, m| {
        let (h, mi, s) = clock(i);
        format!(
            "{{\"time\":\"2024-03-01T{h:02}:{mi:02}:{s:02}Z\",\"level\":\"{}\",\"msg\":\"{m}\"}}",
            l.to_lowercase()
        )
    }),
    // logfmt (logrus's text formatter without a terminal).
    ("logfmt", |i, l, m| {
        let (h, mi, s) = clock(i);
        format!(
            "time=\"2024-03-01T{h:02}:{mi:02}:{s:02}Z\" level={} msg=\"{m}\"",
            l.to_lowercase()
        )
    }),
    // gunicorn's error log: `[date time zone] [pid] [LEVEL] message`.
    ("bracketed", |i, l, m| {
        let (h, mi, s) = clock(i);
        let l = if l == "WARNING" { "WARN" } else { l };
        format!(
            "[2024-03-01 {h:02}:{mi:02}:{s:02} +0000] [{}] [{l}] {m}",
            3100 + i % 3
        )
    }),
    // Printed lines: no header at all.
    ("bare", |_, _, m| m.to_owned()),
];

/// Each part's four message kinds: (level, text with the variable `{}`); the parts share no word.
const KINDS: [[(&str, &str); 4]; 2] = [
    [
        ("INFO", "brindle queue drained after {} ticks"),
        ("INFO", "vossel handshake with peer {} complete"),
        ("WARNING", "marrow cache at {} percent of its limit"),
        ("ERROR", "quillon write to slot {} refused"),
    ],
    [
        ("INFO", "tamsin ledger folded {} spools"),
        ("INFO", "corvel beacon answered within {} jiffs"),
        ("WARNING", "nettle reservoir holds only {} units"),
        ("ERROR", "pylon latch {} jammed"),
    ],
];

/// Event `i` of part `p`: (kind, level, message).
fn event(p: usize, i: usize) -> (usize, &'static str, String) {
    // A little irregular, so that the kinds do not fall in step with a ratio.
    let k = (i + i / 5) % 4;
    let (level, text) = KINDS[p][k];
    (
        k,
        level,
        text.replace("{}", &(i * 37 % 991 + 2).to_string()),
    )
}

/// How the parts are mixed: (name, events of the first part per round, of the second).
const ARRANGEMENTS: &[(&str, usize, usize)] = &[
    ("1:1 lines", 1, 1),
    ("1:1 blocks", 10, 10),
    ("1:3 lines", 1, 3),
    ("1:3 blocks", 4, 12),
    ("1:10 lines", 1, 10),
    ("1:10 blocks", 3, 30),
    ("1:30 lines", 1, 30),
    ("1:30 blocks", 2, 60),
];

/// Lines per cell (about).
const LINES: usize = 124;

/// One part: its lines and their truth (kind, level).
fn part(p: usize, render: Render, n: usize) -> (Vec<String>, Vec<usize>) {
    (0..n)
        .map(|i| {
            let (kind, level, message) = event(p, i);
            (render(i, level, &message), p * 4 + kind)
        })
        .unzip()
}

fn joined(lines: &[String]) -> String {
    let mut text = String::new();
    for l in lines {
        text.push_str(l);
        text.push('\n');
    }
    text
}

/// The warning, error and fatal counts of `n` events of part `p` in shape `shape` alone
/// (remembered: each part alone is asked for by many cells).
fn alone_levels(shape: usize, p: usize, n: usize) -> [u64; 3] {
    use std::collections::HashMap;
    thread_local! {
        static SEEN: std::cell::RefCell<HashMap<(usize, usize, usize), [u64; 3]>> =
            std::cell::RefCell::new(HashMap::new());
    }
    SEEN.with(|seen| {
        *seen
            .borrow_mut()
            .entry((shape, p, n))
            .or_insert_with(|| digest_cell(&joined(&part(p, SHAPES[shape].1, n).0)).1)
    })
}

/// One cell: shape `a` (part 0) and shape `b` (part 1) mixed `ka` to `kb`; what is wrong.
fn cell(a: usize, b: usize, ka: usize, kb: usize) -> Vec<String> {
    let rounds = LINES / (ka + kb);
    let (pa, ta) = part(0, SHAPES[a].1, rounds * ka);
    let (pb, tb) = part(1, SHAPES[b].1, rounds * kb);
    let (mut lines, mut truth) = (Vec::new(), Vec::new());
    for r in 0..rounds {
        lines.extend_from_slice(&pa[r * ka..(r + 1) * ka]);
        truth.extend_from_slice(&ta[r * ka..(r + 1) * ka]);
        lines.extend_from_slice(&pb[r * kb..(r + 1) * kb]);
        truth.extend_from_slice(&tb[r * kb..(r + 1) * kb]);
    }
    let (tm, lm) = digest_cell(&joined(&lines));
    let templates: Vec<&str> = tm.iter().map(|(_, t)| t.as_str()).collect();
    let mut wrong = grouping_problems(&templates, &truth, 8);
    wrong.truncate(2);
    let la = alone_levels(a, 0, pa.len());
    let lb = alone_levels(b, 1, pb.len());
    let sum = [la[0] + lb[0], la[1] + lb[1], la[2] + lb[2]];
    if lm != sum {
        wrong.push(format!("levels {lm:?}, parts alone {sum:?}"));
    }
    wrong
}

/// Every cell of the arrangements `only` (all when empty): (name, what is wrong). Ordered pairs
/// of distinct shapes (the first the rarer); the 1:1 arrangements once per unordered pair.
fn cells(only: &[&str]) -> Vec<(String, Vec<String>)> {
    let mut jobs = Vec::new();
    for (a, (an, _)) in SHAPES.iter().enumerate() {
        for (b, (bn, _)) in SHAPES.iter().enumerate() {
            for &(mn, ka, kb) in ARRANGEMENTS {
                if a == b || (ka == kb && b < a) || !(only.is_empty() || only.contains(&mn)) {
                    continue;
                }
                jobs.push((format!("{an} + {bn} | {mn}"), a, b, ka, kb));
            }
        }
    }
    // Two threads: the matrix stays within a few seconds in a debug build.
    let half = jobs.len() / 2;
    let (first, second) = jobs.split_at(half);
    let run = |js: &[(String, usize, usize, usize, usize)]| -> Vec<(String, Vec<String>)> {
        js.iter()
            .map(|(n, a, b, ka, kb)| (n.clone(), cell(*a, *b, *ka, *kb)))
            .collect()
    };
    std::thread::scope(|s| {
        let h = s.spawn(|| run(first));
        let rest = run(second);
        let mut out = h.join().unwrap_or_default();
        out.extend(rest);
        out
    })
}

/// Prints the cell table (`cargo test --lib mixed_pairs_matrix -- --nocapture --ignored`).
#[test]
#[ignore = "prints the table; the asserting test is below"]
fn print_table() {
    let all = cells(&[]);
    let wrong = all.iter().filter(|(_, w)| !w.is_empty()).count();
    for (name, w) in &all {
        let verdict = if w.is_empty() { "ok" } else { "WRONG" };
        eprintln!("{verdict:5} {name}   {}", w.join("; "));
    }
    eprintln!("{wrong} of {} cells wrong", all.len());
}

/// Cells still wrong, each an open class.
const KNOWN: &[&str] = &[];

/// The arrangements the asserting test runs (the whole table takes half a minute in a debug
/// build; `print_table` runs it): line by line at 1:1 and at 1:10, which hold every class the
/// table has shown (a shorter header that fits the first columns of a rarer longer one; two
/// headers of one width and level column, one with a component field and one without; a rare
/// severity glued to its date).
const ASSERTED: &[&str] = &["1:1 lines", "1:10 lines"];

#[test]
fn two_formats_in_one_stream_keep_each_parts_events_and_levels() {
    let failing: Vec<(String, String)> = cells(ASSERTED)
        .into_iter()
        .filter(|(_, w)| !w.is_empty())
        .map(|(n, w)| (n, w.join("; ")))
        .collect();
    assert_known_failures(&failing, KNOWN);
}

/// The sample of `k` lines of shape `b` (part 1) after each line of `a` (part 0), `rounds` times.
fn mixed_sample(a: Render, b: Render, k: usize, rounds: usize) -> Vec<String> {
    let (pa, _) = part(0, a, rounds);
    let (pb, _) = part(1, b, rounds * k);
    let mut lines = Vec::new();
    for r in 0..rounds {
        lines.push(pa[r].clone());
        lines.extend_from_slice(&pb[r * k..(r + 1) * k]);
    }
    lines
}

fn shape(name: &str) -> Render {
    SHAPES.iter().find(|s| s.0 == name).map(|s| s.1).unwrap()
}

/// Class: a second format on a tenth of the lines whose header opens with the columns of the
/// file's own and goes on to a severity and a source field (Python logging's among Go's `date
/// time msg`): it gets a model of its own ([`super::mixed_models::longer_models`]).
/// Must not fire: a one-format file whose messages open with a level word on a tenth of the
/// lines (no source field after it), or with a word and then a level word (`name: panic
/// serving …`), or with a date and a time (a message that contains a date is not a second
/// header), or whose own header names the level.
#[test]
fn a_rarer_longer_header_gets_its_own_model_and_a_message_opening_alike_does_not() {
    let go = shape("go");
    let levelled_message: Render = |i, l, m| {
        let (h, mi, s) = clock(i);
        format!("2024/03/01 {h:02}:{mi:02}:{s:02} {l} {m}")
    };
    let dated_message: Render = |i, _, m| {
        let (h, mi, s) = clock(i);
        format!("2024/03/01 {h:02}:{mi:02}:{s:02} 2024-02-28 23:{mi:02}:{s:02} {m}")
    };
    let word_then_level: Render = |i, _, m| {
        let (h, mi, s) = clock(i);
        format!("2024/03/01 {h:02}:{mi:02}:{s:02} tessel: panic serving 10.0.0.{i}:4{s}: {m}")
    };
    let cases: [(&str, Render, Render, bool); 5] = [
        ("python among go", shape("python"), go, true),
        (
            "a message's word, then a level word",
            word_then_level,
            go,
            false,
        ),
        (
            "a level word opening a tenth of the messages",
            levelled_message,
            go,
            false,
        ),
        (
            "a date opening a tenth of the messages",
            dated_message,
            go,
            false,
        ),
        ("go among python", go, shape("python"), false),
    ];
    for (name, a, b, fires) in cases {
        let lines = mixed_sample(a, b, 10, 12);
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let model = super::HeaderModel::infer(refs.iter().copied());
        let mixed = super::mixed_models::mixed_models(&refs, &model);
        let longer = super::mixed_models::longer_models(&refs, &model, &mixed);
        assert_eq!(!longer.is_empty(), fires, "{name}: {model:?} {longer:?}");
    }
}

/// Class: a rare header whose severity is a letter glued to its date, the time right after
/// (klog's `I0301 09:00:00.123456`), among lines no model of it fits (printed lines, Go's
/// `date time msg`, Python logging's): a rare model of its own
/// ([`super::HeaderModel::is_timed_with_level`]). Must not fire: rare lines that open with a
/// level word and then words (printed, not a header), or with a time and words.
#[test]
fn a_rare_header_with_its_severity_glued_to_the_date_gets_a_model() {
    let printed_level: Render = |_, l, m| format!("{l} {m}");
    let printed_time: Render = |i, _, m| {
        let (h, mi, s) = clock(i);
        format!("{h:02}:{mi:02}:{s:02} {m}")
    };
    let cases: [(&str, Render, Render, bool); 5] = [
        (
            "klog among printed lines",
            shape("klog"),
            shape("bare"),
            true,
        ),
        ("klog among go", shape("klog"), shape("go"), true),
        ("klog among python", shape("klog"), shape("python"), true),
        (
            "a level word and words",
            printed_level,
            shape("bare"),
            false,
        ),
        ("a time and words", printed_time, shape("bare"), false),
    ];
    for (name, a, b, fires) in cases {
        let lines = mixed_sample(a, b, 10, 12);
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let model = super::HeaderModel::infer(refs.iter().copied());
        let rare = super::mixed_models::rare_models(&refs, &model, &[]);
        assert_eq!(!rare.is_empty(), fires, "{name}: {model:?} {rare:?}");
    }
}

/// Class: two headers of one width with the level in one column, one followed by a logger's
/// `name:` and one not (Python logging's `date time LEVEL name: msg` and gunicorn's `[date
/// time zone] [pid] [LEVEL] msg`, line by line): a model each. Must not fire: one format alone,
/// and one format whose logger name varies in its parts (one to three).
#[test]
fn two_headers_told_apart_by_a_component_field_get_a_model_each() {
    let fires = |lines: &[String]| {
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let model = super::HeaderModel::infer(refs.iter().copied());
        super::mixed_models::mixed_models(&refs, &model).len() >= 2
    };
    assert!(fires(&mixed_sample(
        shape("python"),
        shape("bracketed"),
        1,
        40
    )));
    assert!(!fires(&part(0, shape("python"), 80).0));
    assert!(!fires(&part(1, shape("bracketed"), 80).0));
}

/// Records written as a header alone (a report banner, the message on the next line, a body
/// under it) with `other` lines between the records; truth: each line's record kind.
fn reports_among(other: Option<Render>, body: fn(usize) -> String) -> Vec<String> {
    let (mut lines, mut truth) = (Vec::new(), Vec::new());
    for i in 0..60 {
        let (kind, level, message) = event(1, i);
        let (h, mi, s) = clock(i);
        lines.push(format!(
            "={level} REPORT==== 1-Mar-2024::{h:02}:{mi:02}:{s:02}.{:06} ===",
            i * 7919 % 1_000_000
        ));
        lines.push(message);
        lines.push(body(i));
        truth.extend([4 + kind; 3]);
        if let Some(render) = other {
            let (kind, level, message) = event(0, i);
            lines.push(render(i, level, &message));
            truth.push(kind);
        }
    }
    let (tm, _) = digest_cell(&joined(&lines));
    let templates: Vec<&str> = tm.iter().map(|(_, t)| t.as_str()).collect();
    grouping_problems(&templates, &truth, 8)
}

/// Class: a one-line format's records between records written as a header alone (a report
/// banner, the message under it, a body): a line that one of the source's header models reads
/// with a typed header ends the report's body ([`super::Splitter::headed_by_a_model`]), so
/// it is an event of its own and not the report's. Must not fire: a report's body line that
/// opens with a date, or with a level word, in a file of reports alone.
#[test]
fn a_headed_line_ends_a_report_written_under_a_header_alone() {
    let star: fn(usize) -> String = |i| format!("** quillon slot {} held", i % 7);
    let dated: fn(usize) -> String = |i| format!("2024-03-01 09:00:{:02} marrow kept", i % 60);
    let levelled: fn(usize) -> String = |i| format!("ERROR: brindle spool {} lost", i % 9);
    for (name, other) in [
        ("python", shape("python")),
        ("bracketed", shape("bracketed")),
    ] {
        let wrong = reports_among(Some(other), star);
        assert!(wrong.is_empty(), "{name}: {wrong:?}");
    }
    for (name, body) in [("dated", dated), ("levelled", levelled)] {
        let wrong = reports_among(None, body);
        assert!(wrong.is_empty(), "{name}: {wrong:?}");
    }
}
