//! Where a record ends, as an enumerated matrix: head shape × body shape × how often a record
//! carries its body. Each cell is a file of made-up events written under one of the headers
//! common loggers write by default (Python's `%(asctime)s %(levelname)s %(name)s:`, a
//! bracketed time and level, syslog, klog/glog, Ruby's `Logger`, no header at all, JSON
//! lines), some records followed by one kind of body a program prints under a record (indented
//! lines, a message with line breaks, a `key: value` block, a table, a pretty-printed value, a
//! blank line inside, a Python traceback, a Java stack with its cause, a Go panic, a Rust
//! panic, a Node stack, an SQL statement over lines), the others one line each. Truth: a record
//! is its head and its body; a runtime's panic (`panic: …`, `thread '…' panicked at`) is a
//! record of its own, printed by the runtime and not by the logger; under a line without a
//! header, a stack's first line at the margin opens an event of its own (nothing tells that
//! the line above printed it).
//!
//! The cells the parser still reads wrongly are listed in [`OPEN`], each with the reason; the
//! test fails when a cell outside that list goes wrong, or when a listed cell comes right (so
//! that the list stays the truth).

use super::unindented_matrix::misclassified;

/// `render(i, level, message)`: one record's head.
type Render = fn(usize, &str, &str) -> String;

/// Head shapes: `(name, render, takes bodies)`. JSON lines carry their body in a field, so a
/// JSON file is only checked with one-line records.
const HEADS: &[(&str, Render, Bodies)] = &[
    (
        "iso level logger",
        |i, l, m| {
            format!(
                "2024-03-01 09:{:02}:{:02},{:03} {l} alpha.beta: {m}",
                i / 60 % 60,
                i % 60,
                i * 7 % 1000
            )
        },
        Bodies::All,
    ),
    (
        "[time] [LEVEL]",
        |i, l, m| {
            format!(
                "[2024-03-01 10:{:02}:{:02},{:03}] [{l}] {m}",
                i / 60 % 60,
                i % 60,
                i * 3 % 1000
            )
        },
        Bodies::All,
    ),
    (
        "syslog",
        |i, _, m| {
            format!(
                "Mar  1 11:{:02}:{:02} host-{} gamma[{}]: {m}",
                i / 60 % 60,
                i % 60,
                i % 3,
                100 + i % 7
            )
        },
        Bodies::All,
    ),
    (
        "klog",
        |i, l, m| {
            format!(
                "{}0301 12:{:02}:{:02}.{:06}    4242 delta.go:{}] {m}",
                &l[..1],
                i / 60 % 60,
                i % 60,
                i * 7919 % 1_000_000,
                10 + i % 50
            )
        },
        Bodies::All,
    ),
    (
        "ruby logger",
        |i, l, m| {
            format!(
                "{}, [2024-03-01T13:{:02}:{:02}.{:06} #4242] {l:>5} -- : {m}",
                &l[..1],
                i / 60 % 60,
                i % 60,
                i * 7919 % 1_000_000
            )
        },
        Bodies::All,
    ),
    ("no header", |_, _, m| m.to_owned(), Bodies::Marked),
    (
        "json lines",
        |i, l, m| {
            format!(
                "{{\"time\":\"2024-03-01T14:{:02}:{:02}Z\",\"level\":\"{}\",\"msg\":\"{m}\"}}",
                i / 60 % 60,
                i % 60,
                l.to_lowercase()
            )
        },
        Bodies::None,
    ),
];

/// Which bodies a head shape is checked with.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Bodies {
    /// Every body.
    All,
    /// Bodies whose lines are marked by their shape (indented, a stack, a panic): without a
    /// header nothing else tells a body line from a record.
    Marked,
    /// One-line records only.
    None,
}

/// A body: `(name, head level, head message, lines, marked by its shape, first line opens an
/// event of its own under a head without a header, first line opens an event of its own
/// under any head)`.
struct Body {
    name: &'static str,
    level: &'static str,
    opener: &'static str,
    lines: &'static [&'static str],
    marked: bool,
    /// Under a line without a header the body's first line is an event of its own (a stack's
    /// exception line at the margin).
    own_without_header: bool,
    /// The body's first line is an event of its own under any head (a runtime's panic).
    own: bool,
}

const BODIES: &[Body] = &[
    Body {
        name: "none",
        level: "INFO",
        opener: "",
        lines: &[],
        marked: true,
        own_without_header: false,
        own: false,
    },
    Body {
        name: "one indented line",
        level: "INFO",
        opener: "epsilon plan ready",
        lines: &["    step zeta at 3 of 9"],
        marked: true,
        own_without_header: false,
        own: false,
    },
    Body {
        name: "indented lines",
        level: "INFO",
        opener: "eta queue state",
        lines: &[
            "    theta: 3 waiting",
            "    iota: 0 waiting",
            "    kappa: 12 waiting",
        ],
        marked: true,
        own_without_header: false,
        own: false,
    },
    Body {
        name: "message with line breaks",
        level: "WARNING",
        opener: "lambda is no longer read.",
        lines: &[
            "Set mu in the nu section instead.",
            "See the xi notes for details.",
        ],
        marked: false,
        own_without_header: false,
        own: false,
    },
    Body {
        name: "key: value block",
        level: "INFO",
        opener: "omicron settings:",
        lines: &["pi_root: /srv/rho", "sigma_workers: 4", "tau_mode: upsilon"],
        marked: false,
        own_without_header: false,
        own: false,
    },
    Body {
        name: "| table",
        level: "INFO",
        opener: "phi summary:",
        lines: &[
            "| name  | state | qty |",
            "|-------|-------|-----|",
            "| chi   | ready | 3   |",
            "| psi   | idle  | 0   |",
        ],
        marked: false,
        own_without_header: false,
        own: false,
    },
    Body {
        name: "aligned table",
        level: "INFO",
        opener: "omega workers",
        lines: &[
            "NAME      STATE    AGE",
            "alpha-1   ready    3s",
            "beta-2    pending  12s",
        ],
        marked: false,
        own_without_header: false,
        own: false,
    },
    Body {
        name: "pretty-printed value",
        level: "DEBUG",
        opener: "gamma response: {",
        lines: &[
            "  \"delta\": 1,",
            "  \"epsilon\": [",
            "    2,",
            "    3",
            "  ],",
            "  \"zeta\": null",
            "}",
        ],
        marked: false,
        own_without_header: false,
        own: false,
    },
    Body {
        name: "blank line inside",
        level: "INFO",
        opener: "eta report:",
        lines: &["    theta 1", "", "    iota 2"],
        marked: true,
        own_without_header: false,
        own: false,
    },
    Body {
        name: "python traceback",
        level: "ERROR",
        opener: "kappa failed",
        lines: &[
            "Traceback (most recent call last):",
            "  File \"/srv/lambda/mu.py\", line 12, in nu",
            "    xi(omicron)",
            "  File \"/srv/lambda/pi.py\", line 40, in xi",
            "    raise ValueError(rho)",
            "ValueError: sigma out of range",
        ],
        marked: true,
        own_without_header: true,
        own: false,
    },
    Body {
        name: "java stack + cause",
        level: "ERROR",
        opener: "tau failed",
        lines: &[
            "com.upsilon.PhiException: chi refused",
            "\tat com.upsilon.Psi.omega(Psi.java:42)",
            "\tat com.upsilon.Alpha.beta(Alpha.java:7)",
            "Caused by: java.io.IOException: gamma closed",
            "\tat com.upsilon.Delta.epsilon(Delta.java:3)",
            "\t... 2 more",
        ],
        marked: true,
        own_without_header: true,
        own: false,
    },
    Body {
        name: "go panic",
        level: "ERROR",
        opener: "zeta failed",
        lines: &[
            "panic: runtime error: index out of range [7] with length 3",
            "",
            "goroutine 1 [running]:",
            "main.eta(...)",
            "\t/srv/theta/iota.go:12 +0x1d",
            "main.main()",
            "\t/srv/theta/main.go:8 +0x25",
            "exit status 2",
        ],
        marked: true,
        own_without_header: true,
        own: true,
    },
    Body {
        name: "rust panic",
        level: "ERROR",
        opener: "kappa failed",
        lines: &[
            "thread 'main' panicked at src/lambda.rs:10:5:",
            "index out of bounds: the len is 3 but the index is 7",
            "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace",
        ],
        marked: true,
        own_without_header: true,
        own: true,
    },
    Body {
        name: "node stack",
        level: "ERROR",
        opener: "mu failed",
        lines: &[
            "Error: nu refused by xi",
            "    at Omicron.pi (/srv/rho/sigma.js:12:7)",
            "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
        ],
        marked: true,
        own_without_header: true,
        own: false,
    },
    Body {
        name: "sql statement",
        level: "INFO",
        opener: "SELECT tau.id, tau.name ",
        lines: &["FROM tau ", "WHERE tau.id = ? AND tau.upsilon >= ?"],
        marked: false,
        own_without_header: false,
        own: false,
    },
];

/// The one-line records between those with a body.
const MESSAGES: &[(&str, &str)] = &[
    ("INFO", "phi finished in 12 ms"),
    ("DEBUG", "chi ready for 3 slots"),
    ("WARNING", "psi lost link to host-2"),
    ("INFO", "omega stored 40 rows"),
];

/// How often a record carries its body: every record, or one in four.
const EVERY: &[usize] = &[1, 4];

/// Records per file.
const RECORDS: usize = 40;

/// One cell's file: its lines and whether each must be a head.
fn file(head: Render, body: &Body, every: usize, headed: bool) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for i in 0..RECORDS {
        let with_body = !body.lines.is_empty() && i % every == every - 1;
        let (level, m) = if with_body {
            (body.level, body.opener)
        } else {
            MESSAGES[i % MESSAGES.len()]
        };
        out.push((head(i, level, m), true));
        if with_body {
            for (k, l) in body.lines.iter().enumerate() {
                let own = k == 0 && (body.own || (!headed && body.own_without_header));
                out.push(((*l).to_owned(), own));
            }
        }
    }
    out
}

/// Why bare lines after a finished message stay events of their own when every record carries
/// them: nothing in the line tells them from a banner a server prints between its logged lines
/// (see `a_headerless_line_after_a_finished_message_is_an_event_of_its_own`), and with three
/// body lines a record the bare lines outnumber the headed ones two to one, the shape of a
/// program's output with a line logged between every few of its lines (see
/// `headerless_lines_stay_events_where_few_lines_carry_a_header`). Where one record in four
/// carries the body, or the body is two lines, the file shows the kind's run of bare lines
/// ([`paired_body`](super::paired_body)'s runs) and the cell is right.
const FINISHED: &str = "bare lines after a finished message are read as events";
/// Why a Node error under a syslog line splits: the header model reads `Error:` as a level
/// column, and the rule that takes such a line back asks for a head with a level.
const LEVEL_WORD: &str = "`Error:` read as a level under a head with no level";
/// Why a blank line splits a headerless record: without a header a blank line is a head.
const BLANK: &str = "a blank line under a headerless head is a head";

/// Cells read wrongly by the parser: `(head, body, every, why)`.
const OPEN: &[(&str, &str, usize, &str)] = &[
    ("iso level logger", "aligned table", 1, FINISHED),
    ("[time] [LEVEL]", "aligned table", 1, FINISHED),
    ("syslog", "aligned table", 1, FINISHED),
    ("klog", "aligned table", 1, FINISHED),
    ("ruby logger", "aligned table", 1, FINISHED),
    ("syslog", "node stack", 1, LEVEL_WORD),
    ("syslog", "node stack", 4, LEVEL_WORD),
    ("no header", "blank line inside", 1, BLANK),
    ("no header", "blank line inside", 4, BLANK),
];

#[test]
fn every_record_keeps_its_body_and_no_more_in_every_cell() {
    let mut wrong = Vec::new();
    let mut table = String::new();
    let mut cells = 0;
    for &(hname, head, bodies) in HEADS {
        for body in BODIES {
            let checked = match bodies {
                Bodies::All => true,
                Bodies::Marked => body.marked,
                Bodies::None => body.lines.is_empty(),
            };
            if !checked {
                continue;
            }
            for &every in EVERY {
                cells += 1;
                let lines = file(head, body, every, bodies != Bodies::Marked);
                let bad = misclassified(&lines);
                let open = OPEN
                    .iter()
                    .any(|&(h, b, e, _)| h == hname && b == body.name && e == every);
                let split = bad.iter().filter(|(_, h)| !h).count();
                let merged = bad.len() - split;
                table.push_str(&format!(
                    "{hname:<18} {:<26} 1/{every}  split {split:>3}  merged {merged:>3}{}\n",
                    body.name,
                    if open { "  (open)" } else { "" }
                ));
                if bad.is_empty() == open {
                    wrong.push(format!(
                        "{hname} × {} × 1/{every}: {}{:?}",
                        body.name,
                        if open { "listed open but right " } else { "" },
                        &bad[..bad.len().min(3)]
                    ));
                }
            }
        }
    }
    eprintln!("{table}");
    assert!(
        wrong.is_empty(),
        "{} of {cells} cells wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
