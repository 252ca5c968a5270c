//! The structured-record matrix: the key conventions JSON loggers write (message, level, time
//! and logger keys, flat, dotted or nested, levels as words or numbers) × the shapes a file of
//! records takes (message only, fixed extra keys, optional extra keys on some records of one
//! message, a stack key on some error records, values whose type varies, keys whose order
//! varies), and logfmt lines with the same variations. Each cell digests one generated file
//! and checks that its lines group exactly as their bare messages do (one template per
//! message, whatever keys ride along) and that the warning, error and fatal counts equal what
//! the file holds. The words are neutral: a cell names a convention class, never a logger.

use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::log_digest::matrix_tally::{digest_cell, grouping_problems, Tally};

/// Severities in the order `[debug, info, warning, error, fatal]`.
const DEBUG: usize = 0;
const INFO: usize = 1;
const WARNING: usize = 2;
const ERROR: usize = 3;
const FATAL: usize = 4;

/// How a convention writes a level.
#[derive(Clone, Copy)]
enum LevelStyle {
    Lower,
    Upper,
    Title,
    /// 10 trace/20 debug/30 info/40 warn/50 error/60 fatal.
    Tens,
    /// Syslog severities (7 debug … 2 critical).
    Syslog,
    /// Words, the info level left out (a convention that writes the level only when it is not
    /// the default one).
    TitleInfoOmitted,
}

impl LevelStyle {
    fn value(self, sev: usize) -> Option<Value> {
        const WORDS: [&str; 5] = ["debug", "info", "warning", "error", "critical"];
        let w = WORDS[sev];
        Some(match self {
            LevelStyle::Lower => json!(w),
            LevelStyle::Upper => json!(w.to_ascii_uppercase()),
            LevelStyle::Title | LevelStyle::TitleInfoOmitted => {
                if sev == INFO && matches!(self, LevelStyle::TitleInfoOmitted) {
                    return None;
                }
                json!(format!("{}{}", &w[..1].to_ascii_uppercase(), &w[1..]))
            }
            LevelStyle::Tens => json!([20, 30, 40, 50, 60][sev]),
            LevelStyle::Syslog => json!([7, 6, 4, 3, 2][sev]),
        })
    }
}

/// Where a convention puts a key: at the top level (a dotted name stays one key) or inside a
/// nested object (`"log":{"level":…}`).
#[derive(Clone, Copy)]
enum Place {
    Top(&'static str),
    Nested(&'static str, &'static str),
}

/// One way of writing records: the message key(s), level key and style, time key and value,
/// logger key.
struct Convention {
    name: &'static str,
    /// The message keys: the first holds the message; the others repeat it (a rendered and a
    /// template message, a short and a full message).
    message: &'static [&'static str],
    level: Place,
    style: LevelStyle,
    time: &'static str,
    /// The time as a number (epoch) rather than a string.
    epoch: bool,
    logger: Option<Place>,
}

const CONVENTIONS: &[Convention] = &[
    Convention {
        name: "msg/level/time",
        message: &["msg"],
        level: Place::Top("level"),
        style: LevelStyle::Lower,
        time: "time",
        epoch: false,
        logger: None,
    },
    Convention {
        name: "message/levelname/asctime/name",
        message: &["message"],
        level: Place::Top("levelname"),
        style: LevelStyle::Upper,
        time: "asctime",
        epoch: false,
        logger: Some(Place::Top("name")),
    },
    Convention {
        name: "event/level/timestamp",
        message: &["event"],
        level: Place::Top("level"),
        style: LevelStyle::Lower,
        time: "timestamp",
        epoch: false,
        logger: Some(Place::Top("logger")),
    },
    Convention {
        name: "@message/@level/@timestamp",
        message: &["@message"],
        level: Place::Top("@level"),
        style: LevelStyle::Lower,
        time: "@timestamp",
        epoch: false,
        logger: None,
    },
    Convention {
        name: "log/severity/ts",
        message: &["log"],
        level: Place::Top("severity"),
        style: LevelStyle::Upper,
        time: "ts",
        epoch: true,
        logger: Some(Place::Top("caller")),
    },
    Convention {
        name: "text/lvl/t",
        message: &["text"],
        level: Place::Top("lvl"),
        style: LevelStyle::Lower,
        time: "t",
        epoch: false,
        logger: None,
    },
    Convention {
        name: "short_message+full_message/numeric-syslog/timestamp",
        message: &["short_message", "full_message"],
        level: Place::Top("level"),
        style: LevelStyle::Syslog,
        time: "timestamp",
        epoch: true,
        logger: Some(Place::Top("host")),
    },
    Convention {
        name: "RenderedMessage+MessageTemplate/Level/Timestamp",
        message: &["RenderedMessage", "MessageTemplate"],
        level: Place::Top("Level"),
        style: LevelStyle::Title,
        time: "Timestamp",
        epoch: false,
        logger: Some(Place::Top("SourceContext")),
    },
    Convention {
        name: "@m+@mt/@l-info-omitted/@t",
        message: &["@m", "@mt"],
        level: Place::Top("@l"),
        style: LevelStyle::TitleInfoOmitted,
        time: "@t",
        epoch: false,
        logger: None,
    },
    Convention {
        name: "message/dotted-log.level/@timestamp/nested-logger",
        message: &["message"],
        level: Place::Top("log.level"),
        style: LevelStyle::Lower,
        time: "@timestamp",
        epoch: false,
        logger: Some(Place::Nested("log", "logger")),
    },
    Convention {
        name: "message/nested-log.level/@timestamp/nested-logger",
        message: &["message"],
        level: Place::Nested("log", "level"),
        style: LevelStyle::Lower,
        time: "@timestamp",
        epoch: false,
        logger: Some(Place::Nested("log", "logger")),
    },
    Convention {
        name: "msg/numeric-tens/epoch-time",
        message: &["msg"],
        level: Place::Top("level"),
        style: LevelStyle::Tens,
        time: "time",
        epoch: true,
        logger: Some(Place::Top("name")),
    },
    Convention {
        name: "message/severity-upper/timestamp",
        message: &["message"],
        level: Place::Top("severity"),
        style: LevelStyle::Upper,
        time: "timestamp",
        epoch: false,
        logger: None,
    },
];

/// The messages of a file: `(severity, text with {} for the record's number)`. Each is one
/// template; the numbers are its variables.
const MESSAGES: &[(usize, &str)] = &[
    (INFO, "queue drained in {} ms"),
    (DEBUG, "cache entry {} expired"),
    (WARNING, "retry {} of 5 for peer"),
    (ERROR, "write to store failed for batch {}"),
    (INFO, "batch {} accepted"),
    (WARNING, "limit reached for account {}"),
    (FATAL, "store unreachable after {} attempts"),
    (INFO, "peer joined"),
];

/// The record shapes of a file.
#[derive(Clone, Copy, Debug)]
enum Shape {
    /// Message, level and time only.
    MessageOnly,
    /// Each message carries its own extra keys on every record.
    FixedExtras,
    /// Extra keys (a request id, a task name that is sometimes null, a caller's own extras)
    /// present on some records of a message and not on others.
    OptionalExtras,
    /// Error records carry a stack/exception key on some of their records only.
    StackOnSomeErrors,
    /// One extra key whose value is a string, number, bool, null, array or object by record.
    VaryingTypes,
    /// The keys of each record in another order.
    VaryingOrder,
    /// All of the above at once.
    Everything,
}

const SHAPES: &[Shape] = &[
    Shape::MessageOnly,
    Shape::FixedExtras,
    Shape::OptionalExtras,
    Shape::StackOnSomeErrors,
    Shape::VaryingTypes,
    Shape::VaryingOrder,
    Shape::Everything,
];

/// Records per file: more than the sample the digest infers its model from, so that the tail
/// of the file is read with what the head taught.
const RECORDS: usize = 320;

/// The message index and number of record `i` (deterministic, every message on many records,
/// in no fixed period with the shapes' own cycles).
fn pick(i: usize) -> (usize, usize) {
    ((i * 7 + i / 5) % MESSAGES.len(), 1000 + (i * 37) % 997)
}

/// The extra keys record `i` of message `m` carries under `shape`, in a first order.
fn extras(shape: Shape, m: usize, i: usize) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let fixed = matches!(shape, Shape::FixedExtras | Shape::Everything);
    let optional = matches!(shape, Shape::OptionalExtras | Shape::Everything);
    let stack = matches!(shape, Shape::StackOnSomeErrors | Shape::Everything);
    let typed = matches!(shape, Shape::VaryingTypes | Shape::Everything);
    if fixed {
        match m % 3 {
            0 => out.push(("item".into(), json!(i * 3))),
            1 => {
                out.push(("size".into(), json!(i % 50)));
                out.push(("unit".into(), json!(format!("u{}", i % 40))));
            }
            _ => out.push(("peer".into(), json!(format!("10.0.{}.{}", i % 7, i % 200)))),
        }
    }
    if optional {
        if i % 3 == 0 {
            out.push((
                "request_id".into(),
                json!(format!("{:08x}", i * 2_654_435_761 % (1 << 32))),
            ));
        }
        if i % 4 == 1 {
            out.push(("task_name".into(), Value::Null));
        } else if i % 4 == 2 {
            out.push(("task_name".into(), json!(format!("Task-{}", i % 30))));
        }
        if i % 5 == 3 {
            out.push(("account".into(), json!(i % 90)));
            out.push(("region".into(), json!(format!("zone{}", i % 9))));
        }
    }
    if stack && MESSAGES[m].0 >= ERROR && i % 2 == 0 {
        let trace = format!(
            "Traceback (most recent call last):\n  File \"/srv/app/store.py\", line {}, in put\n    self.write(batch)\nOSError: device {} not ready",
            10 + i % 300,
            i % 13
        );
        out.push(("exc_info".into(), json!(trace)));
    }
    if typed {
        let v = match i % 6 {
            0 => json!(format!("v{}", i % 70)),
            1 => json!(i % 100),
            2 => json!(i % 2 == 0),
            3 => Value::Null,
            4 => json!([i % 10, "x"]),
            _ => json!({"inner": i % 10}),
        };
        out.push(("detail".into(), v));
    }
    out
}

/// Puts `value` at `place` in the record being built.
fn put(rec: &mut Vec<(String, Value)>, place: Place, value: Value) {
    match place {
        Place::Top(k) => rec.push((k.into(), value)),
        Place::Nested(outer, inner) => {
            if let Some((_, Value::Object(o))) = rec.iter_mut().find(|(k, _)| k == outer) {
                o.insert(inner.into(), value);
            } else {
                let mut o = serde_json::Map::new();
                o.insert(inner.into(), value);
                rec.push((outer.into(), Value::Object(o)));
            }
        }
    }
}

/// One JSON line from `(key, value)` pairs, in their order.
fn object(pairs: &[(String, Value)]) -> String {
    let mut s = String::from("{");
    for (n, (k, v)) in pairs.iter().enumerate() {
        if n > 0 {
            s.push(',');
        }
        write!(s, "{}:{}", Value::from(k.as_str()), v).unwrap();
    }
    s.push('}');
    s
}

/// The lines of a file under `conv` and `shape`, with each line's message index.
fn json_file(conv: &Convention, shape: Shape) -> (String, Vec<usize>) {
    let mut text = String::new();
    let mut truth = Vec::new();
    for i in 0..RECORDS {
        let (m, n) = pick(i);
        let (sev, tpl) = MESSAGES[m];
        let msg = tpl.replace("{}", &n.to_string());
        let mut rec: Vec<(String, Value)> = Vec::new();
        let time = if conv.epoch {
            json!(1_700_000_000 + i as u64)
        } else {
            json!(format!(
                "2024-03-01T09:{:02}:{:02}.{:03}Z",
                i / 60 % 60,
                i % 60,
                i % 1000
            ))
        };
        put(&mut rec, Place::Top(conv.time), time);
        if let Some(v) = conv.style.value(sev) {
            put(&mut rec, conv.level, v);
        }
        if let Some(logger) = conv.logger {
            put(&mut rec, logger, json!(["app.store", "app.net"][i % 2]));
        }
        for (j, k) in conv.message.iter().enumerate() {
            let v = if j == 0 { msg.clone() } else { tpl.to_owned() };
            put(&mut rec, Place::Top(k), json!(v));
        }
        rec.extend(extras(shape, m, i));
        if matches!(shape, Shape::VaryingOrder | Shape::Everything) {
            let len = rec.len();
            rec.rotate_left(i % len);
            if i % 2 == 1 {
                rec.reverse();
            }
        }
        text.push_str(&object(&rec));
        text.push('\n');
        truth.push(m);
    }
    (text, truth)
}

/// A logfmt value, quoted when it holds a blank, `=` or `"`.
fn logfmt_value(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if s.is_empty() || s.contains([' ', '=', '"', '\n']) {
        format!(
            "\"{}\"",
            s.replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n")
        )
    } else {
        s
    }
}

/// One way of writing logfmt lines: message key, level key, time key.
const LOGFMT: &[(&str, &str, &str)] = &[
    ("msg", "level", "time"),
    ("message", "lvl", "ts"),
    ("msg", "severity", "t"),
];

fn logfmt_file(keys: (&str, &str, &str), shape: Shape) -> (String, Vec<usize>) {
    let (mk, lk, tk) = keys;
    let mut text = String::new();
    let mut truth = Vec::new();
    for i in 0..RECORDS {
        let (m, n) = pick(i);
        let (sev, tpl) = MESSAGES[m];
        let mut rec: Vec<(String, Value)> = vec![
            (
                tk.into(),
                json!(format!("2024-03-01T09:{:02}:{:02}Z", i / 60 % 60, i % 60)),
            ),
            (lk.into(), LevelStyle::Lower.value(sev).unwrap()),
            (mk.into(), json!(tpl.replace("{}", &n.to_string()))),
        ];
        rec.extend(extras(shape, m, i).into_iter().map(|(k, v)| match v {
            // logfmt has no nesting: a structured value is written as its JSON text.
            Value::Array(_) | Value::Object(_) => (k, json!(v.to_string())),
            v => (k, v),
        }));
        if matches!(shape, Shape::VaryingOrder | Shape::Everything) {
            let len = rec.len();
            rec.rotate_left(i % len);
        }
        let line: Vec<String> = rec
            .iter()
            .map(|(k, v)| format!("{k}={}", logfmt_value(v)))
            .collect();
        text.push_str(&line.join(" "));
        text.push('\n');
        truth.push(m);
    }
    (text, truth)
}

/// `[warning, error, fatal]` event counts.
type Counts = [u64; 3];

fn truth_counts(truth: &[usize]) -> Counts {
    let mut c = [0; 3];
    for &m in truth {
        match MESSAGES[m].0 {
            WARNING => c[0] += 1,
            ERROR => c[1] += 1,
            FATAL => c[2] += 1,
            _ => {}
        }
    }
    c
}

/// The template id of every line and the level counts `text` digests to.
fn digested(text: &str) -> (Vec<String>, Counts) {
    let (ids, counts) = digest_cell(text);
    let ids = ids
        .into_iter()
        .map(|(id, template)| format!("{id:?} | {template:?}"))
        .collect();
    (ids, counts)
}

/// What is wrong with a cell's digest, if anything: templates that hold lines of two
/// messages, messages split over several templates, level counts off.
fn cell_failure(text: &str, truth: &[usize]) -> Option<String> {
    let (ids, counts) = digested(text);
    let templates: Vec<&str> = ids.iter().map(String::as_str).collect();
    let mut problems = grouping_problems(&templates, truth, MESSAGES.len());
    let want = truth_counts(truth);
    if counts != want {
        problems.push(format!(
            "[warning, error, fatal] got {counts:?}, want {want:?}"
        ));
    }
    (!problems.is_empty()).then(|| problems.join("; "))
}

#[derive(Default)]
struct Matrix(Tally);

impl Matrix {
    fn check(&mut self, name: &str, (text, truth): (String, Vec<usize>)) {
        let head: Vec<&str> = text.lines().take(2).collect();
        self.0.cell(
            cell_failure(&text, &truth).map(|f| format!("{name}: {f}; first lines {head:#?}")),
        );
    }

    fn finish(self, expected_cells: usize) {
        self.0.finish(expected_cells);
    }
}

#[test]
fn json_conventions_by_record_shape_group_as_their_messages() {
    let mut matrix = Matrix::default();
    for conv in CONVENTIONS {
        for &shape in SHAPES {
            matrix.check(
                &format!("json {} × {shape:?}", conv.name),
                json_file(conv, shape),
            );
        }
    }
    matrix.finish(CONVENTIONS.len() * SHAPES.len());
}

#[test]
fn logfmt_conventions_by_record_shape_group_as_their_messages() {
    let mut matrix = Matrix::default();
    for &keys in LOGFMT {
        for &shape in SHAPES {
            matrix.check(
                &format!("logfmt {keys:?} × {shape:?}"),
                logfmt_file(keys, shape),
            );
        }
    }
    matrix.finish(LOGFMT.len() * SHAPES.len());
}
