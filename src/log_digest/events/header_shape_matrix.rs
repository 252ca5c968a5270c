//! Failure classes: (a) one header field that changes shape from line to line within one
//! logger's format, and (b) two loggers' header styles in one stream, as an enumerated matrix
//! of made-up messages with known truth.
//!
//! (a) Each field type is varied alone, everything else held at a form the digest handles: a
//! host written as a name on most lines and as an IPv4 address, a name with spaces or `*` on
//! others (what syslog relays write when a name does not resolve); a thread named `MainThread`,
//! `Thread-3 (worker)` (Python 3.10's default), `ThreadPoolExecutor-0_1` or in words; a pid
//! present on some lines only (`prog[pid]:` and `prog:` in one syslog stream); a logger name
//! that is dotted, `__main__`, `root` or absent; a level left out or written in lower case.
//! Also: a logback thread named `main`, `pool-1-thread-3`, in words (`Executor task launch
//! worker for task 3`) or with parentheses; a syslog host that is an IPv6 address or
//! `localhost`; a logger name with `:` or `-`; a pid written `[pid]`, `[pid:tid]` or `(pid)`; a
//! request id or a user written `-` when absent (Python logging, the common log format).
//! Also: a level in title case (`Warning`); the time written another way on some lines (one
//! `T`-joined token, a slash date, the clock alone, a zone as a token of its own); a thread
//! name written bare (`Thread-3 (worker)` without brackets).
//! Mixes: one shape alone, 90/10, 50/50, 10/90 and three shapes. Every message kind must stay one
//! template that no other kind shares, and the warning and error counts must be those the
//! lines write.
//!
//! (b) Pairs of header styles real loggers write (Python logging, syslog, an access log in the
//! common log format, logback, Go's standard `log`, klog), interleaved 1:1 and 1:10, line by
//! line and in blocks: every line must get the template it gets in its part alone.

use crate::log_digest::matrix_tally::{digest_cell, grouping_problems, Tally};

/// The message kinds: (level, text with the variable `{}`).
const KINDS: [(&str, &str); 6] = [
    ("INFO", "brindle queue drained after {} ticks"),
    ("INFO", "vossel handshake with peer {} complete"),
    ("WARNING", "marrow cache at {} percent of its limit"),
    ("ERROR", "quillon write to slot {} refused"),
    ("INFO", "tessel sweep started for batch {}"),
    ("INFO", "plover index rebuilt with {} entries"),
];

/// Events per cell.
const EVENTS: usize = 120;

/// Event `i`: (kind, level, message).
fn event(i: usize) -> (usize, &'static str, String) {
    let k = i % KINDS.len();
    let (l, t) = KINDS[k];
    (k, l, t.replace("{}", &(i * 37 % 991 + 2).to_string()))
}

fn clock(i: usize) -> (usize, usize, usize) {
    (9 + i / 3600, i / 60 % 60, i % 60)
}

/// `render(i, shape, level, message)`: one line with the field in shape `shape` (0: the
/// usual one). A shape that leaves the level out writes none.
type Render = fn(usize, usize, &str, &str) -> String;

/// (field, shape names, render). Shape 0 is the usual one.
const FIELDS: &[(&str, &[&str], Render)] = &[
    (
        "syslog host",
        &["name", "ipv4", "spaces", "star"],
        |i, s, _, m| {
            let (h, mi, se) = clock(i);
            let host = match s {
                0 => ["node-a1", "node-b7", "gateway"][i % 3].to_owned(),
                1 => ["10.0.3.17", "192.168.1.4", "172.16.0.250"][i % 3].to_owned(),
                2 => format!("build box {}", i % 3 + 1),
                _ => "*".to_owned(),
            };
            let prog = ["sshd", "cron", "kernel"][i % 3];
            format!(
                "Mar  1 {h:02}:{mi:02}:{se:02} {host} {prog}[{}]: {m}",
                1200 + i % 4
            )
        },
    ),
    (
        "iso host LEVEL",
        &["name", "ipv4", "spaces", "star"],
        |i, s, l, m| {
            let (h, mi, se) = clock(i);
            let host = match s {
                0 => ["node-a1", "node-b7", "gateway"][i % 3].to_owned(),
                1 => ["10.0.3.17", "192.168.1.4", "172.16.0.250"][i % 3].to_owned(),
                2 => format!("build box {}", i % 3 + 1),
                _ => "*".to_owned(),
            };
            format!(
                "2024-03-01T{h:02}:{mi:02}:{se:02}.{:03}Z {host} {l} {m}",
                i % 1000
            )
        },
    ),
    (
        "python thread",
        &[
            "MainThread",
            "Thread-3 (worker)",
            "ThreadPoolExecutor-0_1",
            "db writer 2",
        ],
        |i, s, l, m| {
            let (h, mi, se) = clock(i);
            let thread = match s {
                0 => "MainThread".to_owned(),
                1 => format!("Thread-{} (worker)", i % 4 + 1),
                2 => format!("ThreadPoolExecutor-0_{}", i % 3),
                _ => format!("db writer {}", i % 3 + 1),
            };
            format!(
                "2024-03-01 {h:02}:{mi:02}:{se:02},{:03} [{thread}] {l} alpha.beta: {m}",
                i * 7 % 1000
            )
        },
    ),
    ("syslog pid", &["prog[pid]:", "prog:"], |i, s, _, m| {
        let (h, mi, se) = clock(i);
        let prog = ["sshd", "cron", "kernel"][i % 3];
        let pid = if s == 0 {
            format!("[{}]", 1200 + i % 4)
        } else {
            String::new()
        };
        format!("Mar  1 {h:02}:{mi:02}:{se:02} node-a1 {prog}{pid}: {m}")
    }),
    ("python pid", &["pid", "none"], |i, s, l, m| {
        let (h, mi, se) = clock(i);
        let pid = if s == 0 {
            format!("{} ", 31000 + i % 5)
        } else {
            String::new()
        };
        format!(
            "2024-03-01 {h:02}:{mi:02}:{se:02},{:03} {pid}{l} alpha.beta: {m}",
            i * 7 % 1000
        )
    }),
    (
        "python logger",
        &["dotted", "__main__", "root", "absent"],
        |i, s, l, m| {
            let (h, mi, se) = clock(i);
            let name = match s {
                0 => ["alpha.beta", "alpha.gamma.delta", "epsilon"][i % 3].to_owned() + " ",
                1 => "__main__ ".to_owned(),
                2 => "root ".to_owned(),
                _ => String::new(),
            };
            format!(
                "2024-03-01 {h:02}:{mi:02}:{se:02},{:03} {l} {name}- {m}",
                i * 7 % 1000
            )
        },
    ),
    (
        "logback thread",
        &["main", "pool-1-thread-3", "spaces", "parens"],
        |i, s, l, m| {
            let (h, mi, se) = clock(i);
            let thread = match s {
                0 => "main".to_owned(),
                1 => format!("pool-1-thread-{}", i % 4 + 1),
                2 => format!("Executor task launch worker for task {}", i % 9),
                _ => format!("Thread-{} (reader)", i % 4 + 1),
            };
            let l = if l == "WARNING" { "WARN" } else { l };
            format!(
                "{h:02}:{mi:02}:{se:02}.{:03} [{thread}] {l:<5} c.e.alpha.Beta - {m}",
                i * 3 % 1000
            )
        },
    ),
    (
        "syslog host v6",
        &["name", "ipv6", "localhost"],
        |i, s, _, m| {
            let (h, mi, se) = clock(i);
            let host = match s {
                0 => ["node-a1", "node-b7", "gateway"][i % 3],
                1 => ["fe80::a1b2:3c4d", "2001:db8::17", "fd00:7::2"][i % 3],
                _ => "localhost",
            };
            let prog = ["sshd", "cron", "kernel"][i % 3];
            format!(
                "Mar  1 {h:02}:{mi:02}:{se:02} {host} {prog}[{}]: {m}",
                1200 + i % 4
            )
        },
    ),
    (
        "python logger punct",
        &["dotted", "colon", "dash"],
        |i, s, l, m| {
            let (h, mi, se) = clock(i);
            let name = match s {
                0 => ["alpha.beta", "alpha.gamma.delta", "epsilon"][i % 3],
                1 => ["alpha.beta:run", "alpha:gamma", "epsilon:main"][i % 3],
                _ => ["alpha-beta", "alpha-gamma.delta", "epsilon-worker"][i % 3],
            };
            format!(
                "2024-03-01 {h:02}:{mi:02}:{se:02},{:03} {l} {name} - {m}",
                i * 7 % 1000
            )
        },
    ),
    ("pid tid", &["[pid]", "[pid:tid]", "(pid)"], |i, s, l, m| {
        let (h, mi, se) = clock(i);
        let (p, t) = (31000 + i % 5, 140 + i % 7);
        let pid = match s {
            0 => format!("[{p}]"),
            1 => format!("[{p}:{t}]"),
            _ => format!("({p})"),
        };
        format!(
            "2024-03-01 {h:02}:{mi:02}:{se:02},{:03} {pid} {l} alpha.beta: {m}",
            i * 7 % 1000
        )
    }),
    ("request id", &["hex", "-"], |i, s, l, m| {
        let (h, mi, se) = clock(i);
        let rid = if s == 0 {
            format!("{:08x}", (i as u64 * 2_654_435_761) % 0xffff_ffff)
        } else {
            "-".to_owned()
        };
        format!(
            "2024-03-01 {h:02}:{mi:02}:{se:02},{:03} {l} [{rid}] alpha.beta: {m}",
            i * 7 % 1000
        )
    }),
    ("python user", &["name", "-"], |i, s, l, m| {
        let (h, mi, se) = clock(i);
        let user = if s == 0 {
            ["alice", "bob", "carol"][i % 3]
        } else {
            "-"
        };
        format!(
            "2024-03-01 {h:02}:{mi:02}:{se:02},{:03} {l} {user} alpha.beta: {m}",
            i * 7 % 1000
        )
    }),
    ("access user", &["name", "-"], |i, s, _, m| {
        let (h, mi, se) = clock(i);
        let user = if s == 0 {
            ["alice", "bob", "carol"][i % 3]
        } else {
            "-"
        };
        let route = m.split(' ').next().unwrap_or("x");
        format!(
            "10.0.{}.{} - {user} [01/Mar/2024:{h:02}:{mi:02}:{se:02} +0000] \"GET /{route}/{} HTTP/1.1\" 200 {}",
            i % 3,
            i % 7 + 1,
            i % 50,
            i * 13 % 4000 + 10
        )
    }),
    (
        "level",
        &["upper", "absent", "lower", "title"],
        |i, s, l, m| {
            let (h, mi, se) = clock(i);
            let level = match s {
                0 => format!("{l} "),
                1 => String::new(),
                2 => format!("{} ", l.to_lowercase()),
                _ => format!("{}{} ", &l[..1], l[1..].to_lowercase()),
            };
            format!(
                "2024-03-01 {h:02}:{mi:02}:{se:02}.{:03} [main] {level}alpha.beta: {m}",
                i * 7 % 1000
            )
        },
    ),
    // The time written another way on some lines (a second handler of one program, a
    // library's own formatter): one token instead of two, a slash date, the clock alone.
    (
        "python time",
        &[
            "date time,ms",
            "iso T",
            "slashes",
            "clock only",
            "zone token",
        ],
        |i, s, l, m| {
            let (h, mi, se) = clock(i);
            let ms = i * 7 % 1000;
            let time = match s {
                0 => format!("2024-03-01 {h:02}:{mi:02}:{se:02},{ms:03}"),
                1 => format!("2024-03-01T{h:02}:{mi:02}:{se:02}.{ms:03}+00:00"),
                2 => format!("2024/03/01 {h:02}:{mi:02}:{se:02}"),
                3 => format!("{h:02}:{mi:02}:{se:02}.{ms:03}"),
                _ => format!("2024-03-01 {h:02}:{mi:02}:{se:02},{ms:03} +0000"),
            };
            format!("{time} {l} alpha.beta: {m}")
        },
    ),
    // A thread name written bare, not in brackets (`%(threadName)s`): Python 3.10 names a
    // thread by its target in parentheses, with a space.
    (
        "python thread bare",
        &["MainThread", "Thread-3 (worker)", "Dummy-1"],
        |i, s, l, m| {
            let (h, mi, se) = clock(i);
            let thread = match s {
                0 => "MainThread".to_owned(),
                1 => format!("Thread-{} (worker)", i % 4 + 1),
                _ => format!("Dummy-{}", i % 3 + 1),
            };
            format!(
                "2024-03-01 {h:02}:{mi:02}:{se:02},{:03} {thread} {l} alpha.beta: {m}",
                i * 7 % 1000
            )
        },
    ),
];

/// Shape of line `i` under a mix, for a field whose other shape is `alt` and whose shapes are
/// `n` in all. `s` spreads the choice over the message kinds.
fn mixed_shape(mix: &str, i: usize, alt: usize, n: usize) -> usize {
    let s = i + i / KINDS.len();
    match mix {
        "100/0" => 0,
        "0/100" => alt,
        "90/10" => usize::from(s % 10 == 7) * alt,
        "10/90" => usize::from(s % 10 != 7) * alt,
        "50/50" => (s % 2) * alt,
        // Three shapes: the usual one, `alt`, and the next other one.
        _ => match s % 3 {
            0 => 0,
            1 => alt,
            _ => alt % (n - 1) + 1,
        },
    }
}

const MIXES: [&str; 6] = ["100/0", "0/100", "90/10", "50/50", "10/90", "3 shapes"];

/// What is wrong with a cell's digest of `text` whose line `k` holds kind `truth[k]`, with
/// `levels` the warning and error counts its lines write.
fn field_cell(text: &str, truth: &[usize], levels: [u64; 3]) -> Vec<String> {
    let (tm, lm) = digest_cell(text);
    let templates: Vec<&str> = tm.iter().map(|(_, t)| t.as_str()).collect();
    let mut wrong = grouping_problems(&templates, truth, KINDS.len());
    wrong.truncate(2);
    if lm != levels {
        wrong.push(format!("levels {lm:?}, written {levels:?}"));
    }
    wrong
}

/// One cell of (a): the lines of `render` under `mix`, and what is wrong with them.
fn field_mix(render: Render, mix: &str, alt: usize, n: usize) -> Vec<String> {
    let mut text = String::new();
    let mut truth = Vec::new();
    let mut levels = [0u64; 3];
    for i in 0..EVENTS {
        let (k, l, m) = event(i);
        let line = render(i, mixed_shape(mix, i, alt, n), l, &m);
        // The level the line writes (a shape may leave it out).
        // (`WARN` counts as `WARNING`: logback writes the shorter one.)
        let title = format!("{}{}", &l[..1], l[1..4].to_lowercase());
        if line.contains(&l[..4]) || line.contains(&l[..4].to_lowercase()) || line.contains(&title)
        {
            match l {
                "WARNING" => levels[0] += 1,
                "ERROR" => levels[1] += 1,
                _ => {}
            }
        }
        text.push_str(&line);
        text.push('\n');
        truth.push(k);
    }
    // Syslog lines write no level: the counts come from the messages, none here.
    if !["INFO", "info", "Info"].iter().any(|w| text.contains(w)) {
        levels = [0; 3];
    }
    field_cell(&text, &truth, levels)
}

/// The cells of (a): every field, every other shape of it, every mix (`100/0` once per field).
fn field_cells() -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for (field, shapes, render) in FIELDS {
        for mix in MIXES {
            let alts: Vec<usize> = match mix {
                "100/0" => vec![0],
                "3 shapes" if shapes.len() < 3 => Vec::new(),
                _ => (1..shapes.len()).collect(),
            };
            for alt in alts {
                let name = format!("{field} | {} | {mix}", shapes[alt]);
                out.push((name, field_mix(*render, mix, alt, shapes.len())));
            }
        }
    }
    out
}

/// Header styles of (b): `render(i, level, message)`; a style that writes no level takes none.
type Style = fn(usize, &str, &str) -> String;

const STYLES: &[(&str, Style)] = &[
    ("python logging", |i, l, m| {
        let (h, mi, se) = clock(i);
        format!(
            "2024-03-01 {h:02}:{mi:02}:{se:02},{:03} {l} alpha.beta: {m}",
            i * 7 % 1000
        )
    }),
    ("syslog", |i, _, m| {
        let (h, mi, se) = clock(i);
        let prog = ["sshd", "cron"][i % 2];
        format!(
            "Mar  1 {h:02}:{mi:02}:{se:02} node-a1 {prog}[{}]: {m}",
            1200 + i % 4
        )
    }),
    ("common log format", |i, _, m| {
        let (h, mi, se) = clock(i);
        // The request line is the event; a made-up route per kind.
        let route = m.split(' ').next().unwrap_or("x");
        format!(
            "10.0.{}.{} - - [01/Mar/2024:{h:02}:{mi:02}:{se:02} +0000] \"GET /{route}/{} HTTP/1.1\" 200 {}",
            i % 3,
            i % 7 + 1,
            i % 50,
            i * 13 % 4000 + 10
        )
    }),
    ("logback", |i, l, m| {
        let (h, mi, se) = clock(i);
        let l = if l == "WARNING" { "WARN" } else { l };
        format!(
            "{h:02}:{mi:02}:{se:02}.{:03} [main] {l:<5} c.e.alpha.Beta - {m}",
            i * 3 % 1000
        )
    }),
    ("go log", |i, _, m| {
        let (h, mi, se) = clock(i);
        format!("2024/03/01 {h:02}:{mi:02}:{se:02} {m}")
    }),
    ("klog", |i, l, m| {
        let (h, mi, se) = clock(i);
        format!(
            "{}0301 {h:02}:{mi:02}:{se:02}.{:06} {:>7} gamma.go:{}] {m}",
            &l[..1],
            i * 7919 % 1_000_000,
            4000 + i % 9,
            40 + i % 5
        )
    }),
];

/// Each part's own words: the two parts never share a message word.
fn part_message(p: usize, m: &str) -> String {
    if p == 0 {
        m.to_owned()
    } else {
        m.split(' ')
            .map(|w| {
                if w.chars().all(|c| c.is_ascii_digit()) {
                    w.to_owned()
                } else {
                    format!("{w}x")
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn part(p: usize, style: Style, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let (_, l, m) = event(i);
            style(i, l, &part_message(p, &m))
        })
        .collect()
}

/// (name, events of the first part per round, of the second).
const ARRANGEMENTS: [(&str, usize, usize); 4] = [
    ("1:1 line by line", 1, 1),
    ("1:1 blocks of 20", 20, 20),
    ("1:10 line by line", 1, 10),
    ("1:10 blocks of 3:30", 3, 30),
];

fn joined(lines: &[String]) -> String {
    let mut text = String::new();
    for l in lines {
        text.push_str(l);
        text.push('\n');
    }
    text
}

/// One cell of (b): lines of `a` and `b` interleaved; what differs from each part alone.
fn pair_cell(a: Style, b: Style, ka: usize, kb: usize) -> Vec<String> {
    let low = ka.min(kb);
    let per = 12;
    let (na, nb) = (per * ka / low, per * kb / low);
    let (pa, pb) = (part(0, a, na), part(1, b, nb));
    let (ta, la) = digest_cell(&joined(&pa));
    let (tb, lb) = digest_cell(&joined(&pb));
    let (mut text, mut from) = (String::new(), Vec::new());
    let (mut ia, mut ib) = (0, 0);
    while ia < na || ib < nb {
        for l in pa.iter().skip(ia).take(ka) {
            text.push_str(l);
            text.push('\n');
            from.push(0);
        }
        for l in pb.iter().skip(ib).take(kb) {
            text.push_str(l);
            text.push('\n');
            from.push(1);
        }
        ia += ka;
        ib += kb;
    }
    let (tm, lm) = digest_cell(&text);
    let mut wrong = Vec::new();
    let (mut ja, mut jb) = (0, 0);
    for (k, &p) in from.iter().enumerate() {
        let alone = if p == 0 {
            ja += 1;
            &ta[ja - 1].1
        } else {
            jb += 1;
            &tb[jb - 1].1
        };
        if tm[k].1 != *alone && wrong.len() < 2 {
            wrong.push(format!("line {}: {:?} alone {:?}", k + 1, tm[k].1, alone));
        }
    }
    let sum = [la[0] + lb[0], la[1] + lb[1], la[2] + lb[2]];
    if lm != sum {
        wrong.push(format!("levels {lm:?}, parts {sum:?}"));
    }
    wrong
}

fn pair_cells() -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for (ai, (an, a)) in STYLES.iter().enumerate() {
        for (bn, b) in STYLES.iter().skip(ai + 1) {
            for (mn, ka, kb) in ARRANGEMENTS {
                out.push((format!("{an} + {bn} | {mn}"), pair_cell(*a, *b, ka, kb)));
            }
        }
    }
    out
}

/// Prints the cell table (`cargo test --lib header_shape_matrix -- --nocapture --ignored`).
#[test]
#[ignore = "prints the table; the asserting tests are below"]
fn print_table() {
    for (name, wrong) in field_cells().into_iter().chain(pair_cells()) {
        let verdict = if wrong.is_empty() { "ok" } else { "WRONG" };
        eprintln!("{verdict:5} {name}   {}", wrong.join("; "));
    }
}

/// Cells still wrong, each an open class (none now).
const OPEN: &[&str] = &[];

#[test]
fn every_cell_but_the_open_ones_keeps_its_events_whole_and_its_levels() {
    let mut tally = Tally::default();
    // The two halves on two threads: the matrix stays within a few seconds in a debug build.
    let cells: Vec<_> = std::thread::scope(|s| {
        let fields = s.spawn(field_cells);
        let pairs = pair_cells();
        fields.join().unwrap().into_iter().chain(pairs).collect()
    });
    let n = cells.len();
    for (name, wrong) in cells {
        let open = OPEN.contains(&name.as_str());
        tally.cell(match (wrong.is_empty(), open) {
            (false, false) => Some(format!("{name}: {wrong:?}")),
            (true, true) => Some(format!("{name}: now right, take it off OPEN")),
            _ => None,
        });
    }
    tally.finish(n);
}

/// Lines of a relay's header (`<date> <time> host prog[pid]: msg`) on one line in eleven among
/// klog lines, and lines of the same first shapes that are not one (must not fire).
#[test]
fn a_rare_relay_header_gets_a_model_and_timed_printed_lines_do_not() {
    let cases: [(&str, Style, bool); 3] = [
        ("relay", STYLES[1].1, true),
        // A time and words, no host and program field.
        (
            "printed",
            |i, _, m| format!("Mar  1 09:00:{:02} {m}", i % 60),
            false,
        ),
        // A time and a word closed by a colon, no host column before it.
        (
            "labelled",
            |i, _, m| format!("Mar  1 09:00:{:02} stage: {m}", i % 60),
            false,
        ),
    ];
    for (name, style, fires) in cases {
        let a = part(0, style, 18);
        let b = part(1, STYLES[5].1, 180);
        let mut lines = Vec::new();
        for i in 0..18 {
            lines.push(a[i].clone());
            lines.extend(b[i * 10..i * 10 + 10].iter().cloned());
        }
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let model = super::HeaderModel::infer(refs.iter().copied());
        let rare = super::mixed_models::rare_models(&refs, &model, &[]);
        assert_eq!(!rare.is_empty(), fires, "{name}: {rare:?}");
    }
}

/// A relay's header and Go's `date time msg` line by line (one common model keeps a time only)
/// get a model each; one relay format whose host changes shape, and a printed `<date> <time>
/// msg` style with Go's, keep one model (must not fire).
#[test]
fn two_unlevelled_styles_split_only_when_one_names_its_program() {
    let printed: Style = |i, _, m| {
        let (h, mi, se) = clock(i);
        format!("Mar  1 {h:02}:{mi:02}:{se:02} {m}")
    };
    let host_mix: Style = |i, l, m| (FIELDS[0].2)(i, i % 2, l, m);
    let cases: [(&str, Style, Style, bool); 3] = [
        ("relay + go", STYLES[1].1, STYLES[4].1, true),
        ("relay, host name or address", host_mix, host_mix, false),
        ("printed + go", printed, STYLES[4].1, false),
    ];
    for (name, a, b, fires) in cases {
        let (pa, pb) = (part(0, a, 40), part(1, b, 40));
        let lines: Vec<&str> = pa
            .iter()
            .zip(&pb)
            .flat_map(|(x, y)| [x.as_str(), y.as_str()])
            .collect();
        let model = super::HeaderModel::infer(lines.iter().copied());
        let mixed = super::mixed_models::mixed_models(&lines, &model);
        assert_eq!(mixed.len() == 2, fires, "{name}: {model:?} {mixed:?}");
    }
}

/// Class: one logger that writes its level in upper case, in lower case or not at all (a third
/// of the lines each): the lower-case lines get the header of the upper-case ones, so each
/// message kind stays one template (the matrix's two `level | … | 3 shapes` cells). Must not
/// fire: a lower-case level word after a word (a logger's `name:`, a message's first words)
/// is the message's own and does not change what tells two formats apart.
#[test]
fn a_level_in_three_cases_keeps_its_header_and_a_level_word_in_the_message_stays_message() {
    let level = FIELDS.iter().find(|f| f.0 == "level").unwrap().2;
    for alt in [1, 2] {
        let wrong = field_mix(level, "3 shapes", alt, 3);
        assert!(wrong.is_empty(), "alt {alt}: {wrong:?}");
    }
    let sig = |l| super::HeaderModel::signature(l, true);
    let pairs = [
        (
            "2024-03-01 10:00:01.125 [main] alpha.beta: error in quillon slot 4",
            "2024-03-01 10:00:02.125 [main] alpha.beta: quillon slot 4 refused",
        ),
        ("quillon said error twice", "quillon said nothing twice"),
        (
            "2024-03-01 10:00:01 vossel: warning marrow full",
            "2024-03-01 10:00:01 vossel: marrow full",
        ),
    ];
    for (a, b) in pairs {
        assert_eq!(sig(a), sig(b), "{a} / {b}");
    }
}

/// Class: a host written in several words on half the lines, before the level column
/// (`<time> build box 2 INFO msg` among `<time> node-a1 INFO msg`): the words are header, so
/// each message kind stays one template and every line keeps its level. Must not fire: a line
/// with no level column whose message holds a lower-case level word gets no level and keeps
/// its words; nor does an upper-case word that is not a level.
#[test]
fn a_host_in_words_before_the_level_is_header_and_a_message_level_word_is_not() {
    let render = FIELDS.iter().find(|f| f.0 == "iso host LEVEL").unwrap().2;
    let wrong = field_mix(render, "50/50", 2, 4);
    assert!(wrong.is_empty(), "{wrong:?}");
    let lines: Vec<String> = (0..EVENTS)
        .map(|i| {
            let (_, l, m) = event(i);
            render(i, mixed_shape("50/50", i, 2, 4), l, &m)
        })
        .collect();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let sp = super::Splitter::infer(&refs, None);
    for (l, words) in [
        (
            "2024-03-01T10:01:00.125Z node-a1 quillon said error twice",
            "quillon said error twice",
        ),
        (
            "2024-03-01T10:01:00.125Z gateway quillon SLOT refused",
            "quillon SLOT refused",
        ),
        // A levelless line whose third or fourth word is an upper-case level word, after a
        // host written whole (a name with digits, an address): the words are the message's.
        (
            "2024-03-01T10:01:00.125Z node-a1 gate said ERROR twice",
            "gate said ERROR twice",
        ),
        (
            "2024-03-01T10:01:00.125Z node-b7 gate WARN twice",
            "gate WARN twice",
        ),
        (
            "2024-03-01T10:01:00.125Z 10.0.3.17 gate said ERROR twice",
            "gate said ERROR twice",
        ),
    ] {
        let (s, _) = sp.split(l);
        assert_eq!(s.level, None, "{l}: {s:?}");
        assert!(s.message.ends_with(words), "{l}: {s:?}");
    }
}

/// Class: three time layouts of one, two and three tokens in one stream (`<clock> LEVEL`,
/// `<date> <clock> LEVEL`, `<date> <clock> <zone> LEVEL`): the two that open with a date and a
/// clock get a model each, split by where their levels sit (the matrix's `python time | … |
/// 3 shapes` cells). Must not fire: Go's `<date> <clock> msg` lines, half of whose messages
/// hold an upper-case level word after a few words, among `<clock> LEVEL name: msg` lines:
/// the words before that level word are message, so the Go lines stay one group.
#[test]
fn two_headers_opening_alike_split_by_where_their_levels_sit_and_message_levels_do_not() {
    let render = FIELDS.iter().find(|f| f.0 == "python time").unwrap().2;
    let models = |lines: &[String]| {
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let model = super::HeaderModel::infer(refs.iter().copied());
        super::mixed_models::mixed_models(&refs, &model)
    };
    for alt in [3, 4] {
        let lines: Vec<String> = (0..EVENTS)
            .map(|i| {
                let (_, l, m) = event(i);
                render(i, mixed_shape("3 shapes", i, alt, 5), l, &m)
            })
            .collect();
        let mixed = models(&lines);
        assert_eq!(mixed.len(), 3, "alt {alt}: {mixed:?}");
        assert!(
            mixed.iter().all(super::HeaderModel::has_level_column),
            "{mixed:?}"
        );
    }
    let lines: Vec<String> = (0..EVENTS)
        .map(|i| {
            let (_, l, m) = event(i);
            let (h, mi, se) = clock(i);
            match i % 3 {
                0 => render(i, 3, l, &m),
                1 => format!("2024/03/01 {h:02}:{mi:02}:{se:02} {m}"),
                _ => format!("2024/03/01 {h:02}:{mi:02}:{se:02} gate said {l} {m}"),
            }
        })
        .collect();
    let mixed = models(&lines);
    assert_eq!(mixed.len(), 2, "{mixed:?}");
}
