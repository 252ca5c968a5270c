//! Structured records: JSON objects and logfmt lines. A record's event is its message plus
//! the set of keys it carries (time, level and the keys every record has left out), written
//! after the message as `key=value` in the masker's terms; a request's method, route and
//! status stay, nested or flat.

use std::borrow::Cow;

use super::events::header_alone::header_alone;
use super::header::{HeaderModel, Level};
use super::multiline::TRACEBACK;
use super::reader::strip_ansi;

/// What the first lines of a source say about its JSON records.
#[derive(Debug, Clone, Default)]
pub struct JsonModel {
    /// The key holding the level when none of the usual names does (the one key whose values
    /// are always level words, e.g. `"s":"W"`).
    pub level_key: Option<String>,
    /// The header structure of the lines inside the message field (a container runtime's
    /// JSON file wrapping an application's own log lines).
    pub inner: Option<HeaderModel>,
    /// The message key of the records that wrap log lines, when the source also writes records
    /// of another kind (a runtime's `{"log":…}` lines among an application's own JSON records
    /// in one stream): only records with this key are read as wrappers. `None`: every record.
    pub inner_key: Option<&'static str>,
    /// Keys present in nine records in ten or more (a logger name, a pid, a host): the
    /// structured log's header, not the event (request and error keys excepted).
    pub context: Vec<String>,
    /// The model of the records carried, escaped, in the message field (a shipper's or
    /// runtime's JSON wrapping an application's own JSON records), when most messages are.
    pub nested: Option<Box<JsonModel>>,
    /// Keys that ride along on some records of one message and not on others (a request id,
    /// a task name, a caller's extras, an exception): not part of the event, in JSON records
    /// and logfmt lines alike (sorted; see [`optional_keys`]).
    pub optional: Vec<String>,
}

impl JsonModel {
    pub fn infer(sample: &[&str]) -> Self {
        let records: Vec<serde_json::Map<String, serde_json::Value>> = sample
            .iter()
            .filter_map(|l| object_text(l))
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        let lines = sample.iter().filter(|l| !l.trim().is_empty()).count();
        let logfmt: Vec<Vec<(&str, &str)>> = sample
            .iter()
            .filter_map(|l| logfmt_pairs(l.trim()))
            .collect();
        let logfmt_keyed = logfmt.iter().filter_map(|pairs| {
            let m = pairs.iter().find(|(k, _)| MESSAGE_KEYS.contains(k))?.1;
            Some((unquote(m), pairs.iter().map(|(k, _)| *k).collect()))
        });
        let keyed_messages: Vec<(&'static str, String)> = records
            .iter()
            .filter_map(|r| message_of(r).map(|(k, s)| (k, s.trim_end().to_owned())))
            .collect();
        if records.len() < 3 || records.len() * 2 < lines {
            // Records too few to learn a structured log from; where three or more wrap log
            // lines (a runtime's wrappers interleaved with another format's lines), the
            // header of the lines they wrap is still learnt from them.
            let (inner, inner_key) = if records.len() >= 3 {
                wrapped_lines(&keyed_messages)
            } else {
                (HeaderModel::default(), None)
            };
            return Self {
                optional: optional_keys(&logfmt_keyed.collect::<Vec<_>>()),
                inner: inner.has_columns().then_some(inner),
                inner_key,
                ..Self::default()
            };
        }
        let n = records.len();
        let level_key = if records
            .iter()
            .filter(|r| LEVEL_KEYS.iter().any(|k| r.contains_key(*k)))
            .count()
            * 10
            >= n * 9
        {
            None
        } else {
            records[0]
                .keys()
                .filter(|k| !MESSAGE_KEYS.contains(&k.as_str()))
                .find(|k| {
                    records.iter().all(|r| match r.get(k.as_str()) {
                        Some(serde_json::Value::String(v)) => Level::parse(v).is_some(),
                        _ => false,
                    })
                })
                .cloned()
        };
        let messages: Vec<String> = keyed_messages.iter().map(|(_, m)| m.clone()).collect();
        // Records inside records: the inner ones get a model of their own (one level at a
        // time; a wrapped record may itself wrap log lines).
        let wrapped: Vec<&str> = messages
            .iter()
            .map(String::as_str)
            .filter(|m| is_object_text(m))
            .collect();
        let nested =
            (wrapped.len() * 2 >= messages.len().max(1)).then(|| Box::new(Self::infer(&wrapped)));
        let (inner, inner_key) = if nested.is_some() {
            (HeaderModel::default(), None)
        } else {
            wrapped_lines(&keyed_messages)
        };
        // The records of the source's own kind: a wrapper's keys are transport, not context.
        let own: Vec<&serde_json::Map<String, serde_json::Value>> = records
            .iter()
            .filter(|r| inner_key.is_none() || message_of(r).map(|(k, _)| k) != inner_key)
            .collect();
        // A flat request record naming its method under a compound key (`RequestMethod`).
        let request = own.first().is_some_and(|r| {
            r.iter().any(|(k, v)| {
                super::http::compound_word(k.as_bytes())
                    .is_some_and(|w| w.eq_ignore_ascii_case(b"method"))
                    && v.as_str().is_some_and(super::mask::is_method_token)
            })
        });
        let mut context: Vec<String> = own
            .first()
            .map(|r| r.keys())
            .into_iter()
            .flatten()
            .filter(|k| !is_request_key(k) && !ERROR_KEYS.contains(&k.as_str()))
            .filter(|k| !(request && super::http::compound_request_key(k.as_bytes())))
            .filter(|k| {
                own.iter().filter(|r| r.contains_key(k.as_str())).count() * 10 >= own.len() * 9
            })
            .cloned()
            .collect();
        context.sort_unstable();
        let mut keyed: Vec<(Cow<str>, Vec<&str>)> = records
            .iter()
            .filter_map(|r| {
                let (_, m) = message_of(r)?;
                Some((Cow::Borrowed(m), r.keys().map(String::as_str).collect()))
            })
            .collect();
        keyed.extend(logfmt_keyed);
        Self {
            level_key,
            inner: inner.has_columns().then_some(inner),
            inner_key,
            context,
            nested,
            optional: optional_keys(&keyed),
        }
    }
}

/// The header model of the log lines that records wrap in their message, and the message key
/// of the wrappers when records of several message keys are mixed in one source: the first
/// key, most used first, whose messages show a header (a runtime's `log` lines among an
/// application's own `msg` records). With one message key, every record's message is read.
///
/// Class: messages that share leading columns without being log lines (an access line's
/// status, duration and address columns; a run's `job - id - step -` prefix; a bracketed
/// note). A wrapped log line is a logger's line, whose header names the level; columns with
/// no level in them are the message's own words and stay in it, as they do when the same
/// message is written as text behind a header ([`wrapper_header`]).
fn wrapped_lines(keyed: &[(&'static str, String)]) -> (HeaderModel, Option<&'static str>) {
    let mut keys: Vec<(&'static str, usize)> = Vec::new();
    for (k, _) in keyed {
        match keys.iter_mut().find(|(x, _)| x == k) {
            Some((_, n)) => *n += 1,
            None => keys.push((k, 1)),
        }
    }
    if keys.len() < 2 {
        return (
            wrapper_header(HeaderModel::infer(keyed.iter().map(|(_, m)| m.as_str()))),
            None,
        );
    }
    keys.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    for (key, n) in keys {
        if n < 3 {
            break;
        }
        let model = wrapper_header(HeaderModel::infer(
            keyed
                .iter()
                .filter(|(k, _)| *k == key)
                .map(|(_, m)| m.as_str()),
        ));
        if model.has_columns() {
            return (model, Some(key));
        }
    }
    (HeaderModel::default(), None)
}

/// A header inferred from records' messages, kept only where it names the level (a level
/// column or a column of severity marks): a logger's line wrapped by a runtime. Any other
/// columns the messages share are the messages' own (see [`wrapped_lines`]).
fn wrapper_header(model: HeaderModel) -> HeaderModel {
    if model.names_level() {
        model
    } else {
        HeaderModel::default()
    }
}

/// The keys that, within the sample, are present on some records of one message and absent
/// on others (a message is its masked text, so records that differ in variables only are one
/// message): such a key is an extra that rides along (a request id, a task name, a caller's
/// own fields, an exception on some failures), not a part of what happened. A key that every
/// record of each of its messages carries stays, and so do a request's method, route and
/// status. Records without a message are not asked: their keys are all they say.
fn optional_keys(records: &[(Cow<str>, Vec<&str>)]) -> Vec<String> {
    let mut by_message: rustc_hash::FxHashMap<Vec<u8>, Vec<usize>> =
        rustc_hash::FxHashMap::default();
    let mut shape = Vec::new();
    for (i, (m, _)) in records.iter().enumerate() {
        if m.trim().is_empty() {
            continue;
        }
        super::mask::mask_into(m.trim(), &mut shape);
        by_message.entry(shape.clone()).or_default().push(i);
    }
    let mut optional: Vec<String> = Vec::new();
    for members in by_message.values().filter(|m| m.len() >= 2) {
        let mut keys: Vec<&str> = members
            .iter()
            .flat_map(|&i| records[i].1.iter().copied())
            .collect();
        keys.sort_unstable();
        keys.dedup();
        for k in keys {
            let present = members
                .iter()
                .filter(|&&i| records[i].1.contains(&k))
                .count();
            if present < members.len() && !is_request_key(k) && !MESSAGE_KEYS.contains(&k) {
                optional.push(k.to_owned());
            }
        }
    }
    optional.sort_unstable();
    optional.dedup();
    optional
}

/// A record's message key and text: the first of [`MESSAGE_KEYS`] that holds a string.
fn message_of(r: &serde_json::Map<String, serde_json::Value>) -> Option<(&'static str, &str)> {
    MESSAGE_KEYS.iter().find_map(|k| match r.get(*k) {
        Some(serde_json::Value::String(s)) => Some((*k, s.as_str())),
        _ => None,
    })
}

/// Keys that hold a record's message, the usual first: the rendered message comes before a
/// message template (`{Name}` placeholders) and a short message before a full one; a record
/// that writes two of them is read from the first, the others are not fields.
const MESSAGE_KEYS: &[&str] = &[
    "message",
    "msg",
    "event",
    "log",
    "text",
    "@message",
    "@m",
    "RenderedMessage",
    "short_message",
    "full_message",
    "@mt",
    "MessageTemplate",
];
/// Keys that hold a record's level. A dotted key (`log.level`) is read flat or nested
/// (`"log":{"level":…}`), as the schemas that name fields with dots allow both.
const LEVEL_KEYS: &[&str] = &[
    "level",
    "severity",
    "lvl",
    "levelname",
    "log.level",
    "@level",
    "@l",
    "Level",
    DEBUG_SCALE_KEY,
];
/// The key of a numeric level on the 10-step scale that starts at debug (10 debug … 50
/// critical); a number under any other level key is read on [`Level::from_number`]'s scales.
const DEBUG_SCALE_KEY: &str = "levelno";
const ERROR_KEYS: &[&str] = &[
    "error",
    "err",
    "exception",
    "exc_info",
    "stack_trace",
    "stacktrace",
];

/// Keys that hold a record's time: the time is not part of the event.
const TIME_KEYS: &[&str] = &[
    "time",
    "timestamp",
    "ts",
    "@timestamp",
    "date",
    "datetime",
    "asctime",
    "t",
    "@t",
    "Timestamp",
];

/// Keys whose values name an HTTP request's method, target or status: kept where they sit in
/// a nested object (`"req":{"method":"GET","url":"/x"}`), named by their own key.
fn is_request_key(k: &str) -> bool {
    const KEYS: &[&str] = &[
        "method",
        "path",
        "url",
        "uri",
        "route",
        "endpoint",
        "status",
        "status_code",
        "statuscode",
        "http_status",
    ];
    KEYS.iter().any(|w| w.eq_ignore_ascii_case(k))
}

/// Longest value text kept in a rendered field (a long free-text value is one variable all
/// the same; the masker reads a quoted value as one only within 200 bytes).
const FIELD_MAX: usize = 160;

/// Appends ` key=value` for one field of a record, in the text form the masker reads
/// (`key="free text"` for a value with blanks, which is one variable; a method, route or
/// status stays as written). A multi-line value keeps one line: an error's last (Python's
/// exception line), any other's first.
fn push_field(out: &mut String, key: &str, value: &str, is_error: bool) {
    let value = strip_ansi(Cow::Borrowed(value));
    let line = if is_error {
        value.lines().rev().find(|l| !l.trim().is_empty())
    } else {
        value.lines().find(|l| !l.trim().is_empty())
    }
    .unwrap_or("")
    .trim();
    let mut end = line.len().min(FIELD_MAX);
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    let v = &line[..end];
    out.push(' ');
    out.push_str(key);
    out.push('=');
    if v.is_empty() || v.contains([' ', '\t', '=', '"']) {
        out.push('"');
        out.extend(v.chars().map(|c| if c == '"' { '\'' } else { c }));
        out.push('"');
    } else {
        out.push_str(v);
    }
}

/// Failure class 5 (structured records): the fields of a JSON record other than its message,
/// level and time, rendered ` key=value` in the record's key order, so that what makes an event
/// is its message plus the set of keys present (a record with an `err` key is another event
/// than one without), with the values variables — except a request's method, route and status,
/// which name it. A nested object stands as `key={…}` followed by the request fields it holds
/// (pino-http's `req.method`, `req.url`, `res.statusCode`); an array as `key=[…]`.
///
/// A record with a message leaves out the keys the file shows to be optional extras
/// ([`JsonModel::optional`]) and the other spellings of its message.
fn render_fields(
    out: &mut String,
    v: &serde_json::Map<String, serde_json::Value>,
    level_key: &str,
    message_key: Option<&str>,
    json: &JsonModel,
) {
    for (k, val) in v {
        // Class: a record with no message key (`{"task":"sync","ms":4}`): its keys are all it
        // says, so the ones every record carries are its event's words too (left out, a file of
        // such records would be one event). Must not fire: a record with a message drops them.
        if k == level_key || TIME_KEYS.contains(&k.as_str()) {
            continue;
        }
        if message_key.is_some() && json.context.binary_search(k).is_ok() {
            // Class: a request and its response as nested objects every record carries
            // (`"request":{"method":"GET","uri":"/x"}`, `"res":{"statusCode":500}`): the object
            // is context like a host or a pid, but the method, route and status inside it
            // name the event (a 500 never hides among 200s). Must not fire: a context object
            // with no request fields adds nothing, and a `path` inside one stays a variable
            // unless the record names a method.
            if let serde_json::Value::Object(o) = val {
                push_request_fields(out, o, 0);
            }
            continue;
        }
        if message_key.is_some()
            && (json.optional.binary_search(k).is_ok()
                || (MESSAGE_KEYS.contains(&k.as_str()) && val.is_string()))
        {
            continue;
        }
        let is_error = ERROR_KEYS.contains(&k.as_str());
        match val {
            // Class: an error text or a traceback in an error key on every record of a
            // message (a logger's `error`/`exc_info` field): the event is the message's, as
            // when the same traceback follows a text line, so the error is one variable,
            // written as the masker's wildcard (quoted, its text would pair its quotes with a
            // quoted phrase in the message and keep the exception's words). Must not fire: a
            // record with no message keeps a one-line error's words (they name its event).
            serde_json::Value::String(s)
                if is_error && (message_key.is_some() || s.trim().contains('\n')) =>
            {
                out.push(' ');
                out.push_str(k);
                out.push('=');
                out.push_str(super::mask::WILDCARD);
            }
            serde_json::Value::String(s) => push_field(out, k, s, is_error),
            serde_json::Value::Object(o) => {
                out.push(' ');
                out.push_str(k);
                out.push_str("={…}");
                push_request_fields(out, o, 0);
            }
            serde_json::Value::Array(_) => {
                out.push(' ');
                out.push_str(k);
                out.push_str("=[…]");
            }
            other => push_field(out, k, &other.to_string(), is_error),
        }
    }
}

/// The request fields (method, route, status) of a nested object, at most three levels down.
fn push_request_fields(
    out: &mut String,
    o: &serde_json::Map<String, serde_json::Value>,
    depth: u8,
) {
    for (k, val) in o {
        match val {
            serde_json::Value::String(s) if is_request_key(k) => push_field(out, k, s, false),
            serde_json::Value::Number(n) if is_request_key(k) => {
                push_field(out, k, &n.to_string(), false);
            }
            serde_json::Value::Object(inner) if depth < 2 => {
                push_request_fields(out, inner, depth + 1);
            }
            _ => {}
        }
    }
}

/// A JSON record, read: its message (the message field; a message that is itself a log line,
/// `json.inner`, loses its own header, whose level counts first), the rest of its fields
/// rendered for mining ([`render_fields`]), and its level.
pub struct JsonRecord {
    pub message: String,
    pub fields: String,
    pub level: Option<Level>,
}

pub fn json_record(t: &str, json: &JsonModel) -> Option<JsonRecord> {
    let v: serde_json::Map<String, serde_json::Value> = serde_json::from_str(t).ok()?;
    let level_key = LEVEL_KEYS
        .iter()
        .copied()
        .chain(json.level_key.as_deref())
        .find(|k| v.contains_key(*k));
    let mut level = level_key
        .and_then(|k| v.get(k).map(|val| (k, val)))
        .or_else(|| nested_level(&v))
        .and_then(|(k, val)| match val {
            serde_json::Value::String(s) => Level::parse(s),
            serde_json::Value::Number(n) if k == DEBUG_SCALE_KEY => {
                n.as_f64().and_then(Level::from_debug_scale)
            }
            serde_json::Value::Number(n) => n.as_f64().and_then(Level::from_number),
            _ => None,
        });
    let message_key = message_of(&v).map(|(k, _)| k);
    // Whether this record wraps a log line (`json.inner`), by its message key where the
    // source mixes wrappers with records of its own.
    let wrapper_key =
        json.inner.is_some() && (json.inner_key.is_none() || json.inner_key == message_key);
    // Colour written into the message (a coloured formatter behind a JSON handler arrives as
    // `\u001b[…m` escapes) is presentation, as on a text line.
    let mut message = match message_of(&v) {
        Some((_, s)) => strip_ansi(Cow::Borrowed(first_line(s))).into_owned(),
        None => String::new(),
    };
    let mut wrapped = None;
    let mut wraps_line = false;
    if is_object_text(message.trim_end()) {
        // A record whose message is a record (escaped JSON): the inner record is the event,
        // its level counts first; the outer fields follow as a wrapper's do.
        let default = JsonModel::default();
        let model = json.nested.as_deref().unwrap_or(&default);
        wrapped = json_record(message.trim_end(), model);
    }
    if let Some(r) = wrapped {
        level = r.level.or(level);
        message = r.message;
        message.truncate(message.trim_end().len());
        message.push_str(&r.fields);
    } else if let Some((text, r)) = trailing_fields(&message) {
        // A message that is text then an object of fields (a structured logger's console
        // line written into a record): the object's fields, rendered, as on a text line.
        let mut m = text.trim_end().to_owned();
        m.push_str(&r.fields);
        message = m;
    } else if let Some((text, l)) = logfmt_line(&message, &json.optional) {
        // Class: a message that is itself a logfmt record (`key="v" message="text" k2=v2`, a
        // logger's structured line rendered into a JSON handler's message): read as the same
        // line is read behind a text header, its message first and its fields after it.
        level = l.or(level);
        message = text.into_owned();
    } else if let Some(inner) = json.inner.as_ref().filter(|_| wrapper_key) {
        // Only a message that fits the wrapped lines' header is one of them: records of
        // another writer in the same file (two formats interleaved) keep their message.
        if let Some(s) = inner
            .split_fitting(&message)
            .filter(|s| !s.header.is_empty())
        {
            let own = s.message.trim_end().to_owned();
            level = s.level.or(level);
            message = own;
            wraps_line = true;
        }
    }
    let has_error = ERROR_KEYS
        .iter()
        .any(|k| v.get(*k).is_some_and(|e| !e.is_null()));
    if has_error {
        level = level.or(Some(Level::Error));
    }
    let mut fields = String::new();
    // A record that wraps a log line of its own (a container runtime's `{"log":…,"stream":…}`)
    // is transport: its other fields say nothing about the event.
    if !wraps_line {
        render_fields(&mut fields, &v, level_key.unwrap_or(""), message_key, json);
    }
    Some(JsonRecord {
        message,
        fields,
        level,
    })
}

/// A message of text then, set off by a space or a tab, a JSON object of fields with no
/// message of its own that runs to the end (`done\t{"a": 1}`): the text and the object read.
fn trailing_fields(m: &str) -> Option<(&str, JsonRecord)> {
    let t = m.trim_end();
    if !t.ends_with('}') {
        return None;
    }
    let p = memchr::memmem::find(t.as_bytes(), b" {\"")
        .or_else(|| memchr::memmem::find(t.as_bytes(), b"\t{\""))?;
    if t[..p].trim().is_empty() {
        return None;
    }
    let r = json_record(&t[p + 1..], &JsonModel::default())?;
    r.message.trim().is_empty().then_some((&t[..p], r))
}

/// The level of a record that writes a dotted level key nested (`"log":{"level":"warn"}`):
/// the dotted key and the value.
fn nested_level(
    v: &serde_json::Map<String, serde_json::Value>,
) -> Option<(&'static str, &serde_json::Value)> {
    LEVEL_KEYS.iter().find_map(|k| {
        let (outer, inner) = k.split_once('.')?;
        Some((*k, v.get(outer)?.as_object()?.get(inner)?))
    })
}

/// A message's first line that says something: a JSON logger escapes a multi-line message
/// (a statement, a dump, a text with line breaks) into its record, and the event is what its
/// first line says, as for a text line whose message goes on below its head. A message of
/// one line (a line break at its end included) is kept whole.
///
/// Class: a record whose message opens with a header alone on its line (a report banner of
/// marks, a level word and a time stamp; a `[date time] [LEVEL]` line: what a logger that
/// writes its records as a header line then the message line puts in the message when a JSON
/// handler renders it). Such a line says nothing but when and how bad; the event is the first
/// line under it, as it is for the same records written as text
/// ([`super::events::header_alone`]).
fn first_line(m: &str) -> &str {
    let Some(nl) = memchr::memchr(b'\n', m.trim_end().as_bytes()) else {
        return m;
    };
    let head = &m[..nl];
    if !head.trim().is_empty() && header_alone(head).is_none() {
        return head;
    }
    let mut lines = m.lines().filter(|l| !l.trim().is_empty());
    let first = lines.next().unwrap_or("");
    if header_alone(first).is_some() {
        if let Some(next) = lines.next() {
            return next.trim();
        }
    }
    first
}

/// The JSON object a line holds: the whole line, or an object that runs from a ` {"` to the
/// end of the line behind a text prefix (a shipper's, a runtime's or a logger's header): the
/// records a model is inferred from, standing alone or behind a header alike.
pub(super) fn object_text(line: &str) -> Option<&str> {
    let t = line.trim();
    if t.starts_with('{') {
        return Some(t);
    }
    if !t.ends_with('}') {
        return None;
    }
    let p = memchr::memmem::find(t.as_bytes(), b" {\"")?;
    Some(&t[p + 1..])
}

/// The traceback or stack trace a JSON record carries escaped in a field (an error key's
/// value over several lines, or a message that holds one), as the lines a text log would have
/// shown: what the root cause reads its exception and frame from. `None` for a line that is no
/// record or carries none.
pub fn escaped_trace(line: &str) -> Option<Vec<String>> {
    let v: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(object_text(line)?).ok()?;
    let multi = |k: &&str| match v.get(*k) {
        Some(serde_json::Value::String(s)) if s.trim().contains('\n') => Some(s.as_str()),
        _ => None,
    };
    let trace = ERROR_KEYS.iter().find_map(&multi).or_else(|| {
        MESSAGE_KEYS
            .iter()
            .find_map(&multi)
            .and_then(|m| m.find(TRACEBACK).map(|p| &m[p..]))
    })?;
    Some(
        trace
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect(),
    )
}

/// The level of a record behind a text header: the record's own where the header shows none
/// or only a neutral one (info or notice: a shipper or wrapper that logs every line it
/// forwards alike), else the header's. A header field that is not a level (a stream name)
/// gives none, so nothing is invented.
pub fn behind_header_level(header: Option<Level>, record: Option<Level>) -> Option<Level> {
    match header {
        None | Some(Level::Info | Level::Notice) => record.or(header),
        Some(_) => header,
    }
}

/// Whether a text is one JSON object, by its ends (what is read as a record inside a record's
/// message field).
fn is_object_text(m: &str) -> bool {
    m.starts_with('{') && m.ends_with('}') && m.len() > 2
}

/// Whether a message is a logfmt record: `key=value` pairs only (values bare or quoted), one
/// of them the message (`msg=` or `message=`). A free-text message with a few `key=value`
/// fields in it is not.
fn logfmt_pairs(m: &str) -> Option<Vec<(&str, &str)>> {
    // Asked of every message: most have no `=` at all, and leave after one memchr.
    if !memchr::memchr_iter(b'=', m.as_bytes()).any(|e| {
        let k = &m.as_bytes()[..e];
        k.ends_with(b"msg") || k.ends_with(b"message")
    }) {
        return None;
    }
    let b = m.as_bytes();
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    let mut spaced = false;
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let ks = i;
        while i < b.len() && b[i] != b'=' && b[i] != b' ' {
            i += 1;
        }
        // One key of two or three words after the message (a writer that prints field names
        // as given: `Some Name="v"`) is still one pair; the record keeps its level.
        if b.get(i) == Some(&b' ') && !spaced && pairs.iter().any(|(k, _)| is_message_key(k)) {
            let mut words = 1;
            while words < 3
                && b.get(i) == Some(&b' ')
                && b.get(i + 1).is_some_and(u8::is_ascii_alphanumeric)
            {
                i += 1;
                words += 1;
                while i < b.len() && b[i] != b'=' && b[i] != b' ' {
                    i += 1;
                }
            }
            spaced = true;
        }
        let key = &m[ks..i];
        if i >= b.len() || b[i] != b'=' || key.is_empty() || key.contains('"') {
            return None;
        }
        i += 1;
        let vs = i;
        if b.get(i) == Some(&b'"') {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(b.len());
        } else {
            while i < b.len() && b[i] != b' ' {
                i += 1;
            }
        }
        pairs.push((key, &m[vs..i]));
    }
    pairs
        .iter()
        .any(|(k, _)| is_message_key(k))
        .then_some(pairs)
}

fn is_message_key(k: &str) -> bool {
    k == "msg" || k == "message"
}

/// A logfmt value without its quotes.
fn unquote(v: &str) -> Cow<'_, str> {
    match v.strip_prefix('"') {
        Some(inner) => {
            let inner = inner.strip_suffix('"').unwrap_or(inner);
            if inner.contains('\\') {
                Cow::Owned(inner.replace("\\\"", "\"").replace("\\\\", "\\"))
            } else {
                Cow::Borrowed(inner)
            }
        }
        None => Cow::Borrowed(v),
    }
}

/// A logfmt line (`level=info msg="started" port=80`), read like a JSON record: its `msg` value
/// then its other fields sorted by key (time and level left out, and the keys `optional` names:
/// [`render_fields`]'s convention), so that the order a writer puts its keys in says nothing.
pub fn logfmt_line<'a>(m: &'a str, optional: &[String]) -> Option<(Cow<'a, str>, Option<Level>)> {
    let mut pairs = logfmt_pairs(m)?;
    let mut msg = String::new();
    let mut level = None;
    for (k, v) in &pairs {
        match *k {
            "msg" | "message" => msg.push_str(&unquote(v)),
            "level" | "lvl" | "severity" => level = Level::parse(&unquote(v)),
            _ => {}
        }
    }
    let has_message = !msg.trim().is_empty();
    pairs.sort_by_key(|(k, _)| *k);
    for (k, v) in &pairs {
        if matches!(*k, "msg" | "message" | "level" | "lvl" | "severity")
            || TIME_KEYS.contains(k)
            || (has_message && optional.binary_search_by(|o| o.as_str().cmp(k)).is_ok())
        {
            continue;
        }
        msg.push(' ');
        msg.push_str(k);
        msg.push('=');
        msg.push_str(v);
    }
    Some((Cow::Owned(msg), level))
}

#[cfg(test)]
mod behind_matrix;
#[cfg(test)]
mod logger_matrix;
#[cfg(test)]
mod matrix;

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;

    fn read(sample: &[&str]) -> Vec<String> {
        let model = JsonModel::infer(sample);
        sample
            .iter()
            .map(|l| {
                let r = json_record(l, &model).unwrap();
                let level = r.level.map_or("-", Level::name);
                let text = format!("{}{}", r.message, r.fields);
                format!("{level}|{}", text.trim_start())
            })
            .collect()
    }

    #[test]
    fn request_fields_inside_a_nested_object_every_record_carries_stay() {
        // Class: a request and its response as nested objects on every record (so context,
        // like a host), their method, route and status the event's words. Generated, neutral
        // words. Must not fire: a nested object every record carries with no request fields
        // adds nothing, and the keys every record carries stay out.
        let sample: Vec<String> = (0..10)
            .map(|i| {
                format!(
                    r#"{{"level":"info","ts":{i},"msg":"alpha handled","rq":{{"peer":"10.0.0.{i}","method":"{}","uri":"/beta/{i}"}},"rs":{{"code":{}}},"kappa":{{"lambda":"mu{i}"}},"size":{i}}}"#,
                    if i % 2 == 0 { "GET" } else { "POST" },
                    if i % 3 == 0 { 500 } else { 200 }
                )
            })
            .collect();
        let refs: Vec<&str> = sample.iter().map(String::as_str).collect();
        let got = read(&refs);
        assert_eq!(got[0], "info|alpha handled method=GET uri=/beta/0");
        assert_eq!(got[1], "info|alpha handled method=POST uri=/beta/1");
        // The status nested under its own key (`res.statusCode`).
        let with_status: Vec<String> = sample
            .iter()
            .map(|l| l.replace(r#""code""#, r#""statusCode""#))
            .collect();
        let refs: Vec<&str> = with_status.iter().map(String::as_str).collect();
        assert_eq!(
            read(&refs)[3],
            "info|alpha handled method=POST uri=/beta/3 statusCode=500"
        );
    }

    #[test]
    fn wrappers_of_log_lines_and_records_of_their_own_in_one_stream_are_read_each_as_theirs() {
        // Class: a runtime's JSON wrappers (`log` holding a headed text line) interleaved with
        // a program's own JSON records (`msg` plus a request). Generated, neutral words. The
        // wrapped lines lose their header and their transport keys; the own records keep
        // their request fields and drop the keys every one of them carries (`pid`, `host`).
        let mut sample = Vec::new();
        for i in 0..8 {
            sample.push(format!(
                r#"{{"log":"2024-03-01 09:00:0{i},100 WARNING alpha.beta: gamma {i} late\n","stream":"stderr","time":"2024-03-01T09:00:0{i}Z"}}"#
            ));
            sample.push(if i % 2 == 0 {
                format!(
                    r#"{{"level":30,"time":{i},"pid":7,"host":"h1","req":{{"method":"GET","url":"/delta/{i}"}},"res":{{"statusCode":200}},"msg":"epsilon done"}}"#
                )
            } else {
                format!(r#"{{"level":40,"time":{i},"pid":7,"host":"h1","msg":"zeta slow {i}"}}"#)
            });
        }
        let refs: Vec<&str> = sample.iter().map(String::as_str).collect();
        let model = JsonModel::infer(&refs);
        assert_eq!(model.inner_key, Some("log"));
        let got = read(&refs);
        assert_eq!(got[0], "warning|gamma 0 late");
        assert_eq!(got[3], "warning|zeta slow 1");
        assert_eq!(
            got[1],
            "info|epsilon done req={…} method=GET url=/delta/0 res={…} statusCode=200"
        );
        // One kind alone: as before, every record's message is read as a wrapped line.
        let wrappers: Vec<&str> = refs.iter().copied().step_by(2).collect();
        assert_eq!(JsonModel::infer(&wrappers).inner_key, None);
        assert_eq!(read(&wrappers)[1], "warning|gamma 1 late");
        // The wrappers a minority among text lines of another format (one line in five): the
        // header of the lines they wrap is still learnt from them.
        let mut mixed: Vec<String> = Vec::new();
        for (i, w) in wrappers.iter().enumerate() {
            mixed.push((*w).to_owned());
            for k in 0..4 {
                mixed.push(format!("kappa={i} lambda={k} mu done"));
            }
        }
        let refs: Vec<&str> = mixed.iter().map(String::as_str).collect();
        let model = JsonModel::infer(&refs);
        let r = json_record(refs[5], &model).unwrap();
        assert_eq!(
            (r.message.as_str(), r.fields.as_str()),
            ("gamma 1 late", "")
        );
        assert_eq!(r.level, Some(Level::Warning));
    }

    #[test]
    fn messages_sharing_leading_columns_without_a_level_keep_them() {
        // Class: records whose messages open with columns of their own (a status, a duration,
        // an address, then a verb and a target; a `name - id - step -` prefix) and name no
        // level there: not wrapped log lines, so the columns stay in the message and tell the
        // events apart (the verbs are HTTP methods: a request line keeps its route).
        // Generated, neutral words. Must not fire: messages that are headed log
        // lines naming their level still lose that header (the test above).
        let verbs = ["GET", "POST", "GET"];
        let targets = ["/omega/alpha", "/omega/beta", "/omega/gamma/7"];
        let codes = [201, 302, 201];
        let mut text = String::new();
        let mut truth = Vec::new();
        for i in 0..60 {
            let e = (i * 7) % 3;
            let _ = writeln!(
                text,
                r#"{{"time":"2024-03-01T09:00:{:02}Z","level":"info","logger":"app","msg":"{} |   {}.{}ms |   10.0.{}.{} | {}  \"{}\""}}"#,
                i % 60,
                codes[e],
                i + 1,
                i % 9,
                i % 4,
                i + 2,
                verbs[e],
                targets[e]
            );
            truth.push(e);
        }
        // Each kind in a file of its own (a file of one kind is where the shared columns
        // would be read as a header).
        let mut files = vec![(std::mem::take(&mut text), std::mem::take(&mut truth), 3)];
        for i in 0..30 {
            let e = i % 2;
            let step = ["sigma", "tau"][i % 2];
            let _ = writeln!(
                text,
                r#"{{"time":"2024-03-01T09:01:{:02}Z","level":"info","logger":"app","msg":"rho_job - {:08x}-aa - {} - {} - {}"}}"#,
                i,
                i * 977,
                step,
                ["PHI_KIND - Started step", "CHI_KIND - Kept output"][i % 2],
                i
            );
            truth.push(e);
        }
        files.push((text, truth, 2));
        for (text, truth, messages) in files {
            let (ids, _) = crate::log_digest::matrix_tally::digest_cell(&text);
            let templates: Vec<&str> = ids.iter().map(|(id, _)| id.as_str()).collect();
            let problems =
                crate::log_digest::matrix_tally::grouping_problems(&templates, &truth, messages);
            assert!(problems.is_empty(), "{problems:?}\n{ids:?}");
        }
    }

    #[test]
    fn a_message_that_is_a_logfmt_record_is_read_as_one() {
        // Class: a JSON record whose message is a logfmt line with a message key: its message
        // is the event's words, its other keys follow, as behind a text header. Generated,
        // neutral words. Must not fire: free text with a `key=value` in it keeps its words.
        let sample: Vec<String> = (0..6)
            .map(|i| {
                format!(
                    r#"{{"time":"t{i}","level":"info","msg":"nu.state=\"RED\" message=\"xi moved from [A] to [B{i}] ({})\" prior=\"C\""}}"#,
                    ["omicron made", "pi dropped"][i % 2]
                )
            })
            .chain((0..3).map(|i| {
                format!(r#"{{"time":"u{i}","level":"info","msg":"sigma kept tau={i} here"}}"#)
            }))
            .collect();
        let refs: Vec<&str> = sample.iter().map(String::as_str).collect();
        let got = read(&refs);
        assert_eq!(
            got[0],
            "info|xi moved from [A] to [B0] (omicron made) nu.state=\"RED\" prior=\"C\""
        );
        assert_eq!(got[6], "info|sigma kept tau=0 here");
    }

    #[test]
    fn a_message_opening_with_a_header_alone_is_the_line_under_it() {
        // Class: a logger that writes each record as a header line alone (marks, a level word,
        // a time stamp) then its message, rendered into a JSON record's message: the event is
        // the first line under the banner. Generated, neutral words. Must not fire: a first
        // line with words of its own, and a banner with nothing under it.
        assert_eq!(
            first_line("=WARP NOTE==== 1-Mar-2024::09:00:02.058 ===\nkappa 12 lifted\nmore"),
            "kappa 12 lifted"
        );
        assert_eq!(
            first_line("[2024-03-01 09:00:02] [NOTICE]\n\n  kappa 12 lifted"),
            "kappa 12 lifted"
        );
        assert_eq!(
            first_line("kappa 12 lifted:\n  detail 3"),
            "kappa 12 lifted:"
        );
        assert_eq!(
            first_line("=WARP NOTE==== 1-Mar-2024::09:00:02.058 ===\n"),
            "=WARP NOTE==== 1-Mar-2024::09:00:02.058 ===\n"
        );
        let banner = |i: usize, what: &str| {
            format!(
                r#"{{"time":"t{i}","level":"info","msg":"=WARP NOTE==== 1-Mar-2024::09:00:0{i}.5{i} ===\n{what} {i} lifted"}}"#
            )
        };
        let sample: Vec<String> = (0..6)
            .map(|i| banner(i, ["kappa", "lambda"][i % 2]))
            .collect();
        let refs: Vec<&str> = sample.iter().map(String::as_str).collect();
        let got = read(&refs);
        assert_eq!(got[0], "info|kappa 0 lifted");
        assert_eq!(got[1], "info|lambda 1 lifted");
    }

    #[test]
    fn a_key_on_some_records_of_one_message_is_not_part_of_the_event() {
        // Generated, neutral words: `req` and `extra` ride along on some records of "pass
        // done"; `size` is on every record of "item kept"; `route`/`status` are a request's;
        // a record without a message keeps every key.
        let got = read(&[
            r#"{"msg":"pass done in 4 ms","level":"info","req":"a1"}"#,
            r#"{"msg":"pass done in 9 ms","level":"info"}"#,
            r#"{"msg":"pass done in 2 ms","level":"error","extra":null,"exc":"Trace\nBoom: x"}"#,
            r#"{"msg":"item kept","level":"info","size":3}"#,
            r#"{"msg":"item kept","level":"info","size":8}"#,
            r#"{"msg":"call","level":"info","route":"/a","status":200}"#,
            r#"{"msg":"call","level":"info","route":"/a"}"#,
            r#"{"a":1,"b":2}"#,
            r#"{"a":1}"#,
        ]);
        assert_eq!(
            got,
            [
                "info|pass done in 4 ms",
                "info|pass done in 9 ms",
                "error|pass done in 2 ms",
                "info|item kept size=3",
                "info|item kept size=8",
                "info|call route=/a status=200",
                "info|call route=/a",
                "-|a=1 b=2",
                "-|a=1",
            ]
        );
        let model = JsonModel::infer(&[
            r#"{"msg":"pass done in 4 ms","req":"a1"}"#,
            r#"{"msg":"pass done in 9 ms"}"#,
            r#"{"msg":"other","req":"a2"}"#,
        ]);
        assert_eq!(
            model.optional,
            ["req"],
            "evidence from one message is enough"
        );
    }

    #[test]
    fn a_record_without_a_message_keeps_the_keys_every_record_carries() {
        // Class: records with no message key, named by their keys (`task`), every record
        // carrying the same keys: those keys are the event's words. Generated, neutral words.
        // Must not fire: records with a message leave such keys out.
        let sample: Vec<String> = (0..6)
            .map(|i| {
                format!(
                    r#"{{"time":"t{i}","level":"info","task":"{}","ms":{}}}"#,
                    ["rho_sweep", "tau_merge"][i % 2],
                    i * 7
                )
            })
            .collect();
        let refs: Vec<&str> = sample.iter().map(String::as_str).collect();
        let got = read(&refs);
        assert_eq!(got[0], "info|ms=0 task=rho_sweep");
        assert_eq!(got[1], "info|ms=7 task=tau_merge");
        let sample: Vec<String> = (0..6)
            .map(|i| {
                format!(r#"{{"time":"t{i}","level":"info","msg":"phi {i} kept","task":"rho"}}"#)
            })
            .collect();
        let refs: Vec<&str> = sample.iter().map(String::as_str).collect();
        assert_eq!(read(&refs)[2], "info|phi 2 kept");
    }

    #[test]
    fn an_error_key_beside_a_message_is_one_variable() {
        // Class: an error text or a traceback in an error key of a record with a message (its
        // words would pair with quotes in the message and split it by exception). Generated,
        // neutral words. Must not fire: a record with no message keeps its error's words.
        let trace = r#"Traceback (most recent call last):\n  File \"/a.py\", line 3, in b\nKeyError: 'psi'"#;
        let raised = |p: u8| {
            format!(
                r#"{{"level":"error","msg":"unit \"chi (period {p}s)\" raised","exc_info":"{trace}"}}"#
            )
        };
        let (r2, r3) = (raised(2), raised(3));
        let got = read(&[
            &r2,
            &r3,
            r#"{"level":"error","msg":"unit \"eta\" lost","error":"omega 'psi' gone"}"#,
            r#"{"level":"error","msg":"unit \"eta\" lost","error":"omega 'zeta' gone"}"#,
            r#"{"level":"error","error":"omega gone"}"#,
        ]);
        assert_eq!(
            got,
            [
                "error|unit \"chi (period 2s)\" raised exc_info=<*>",
                "error|unit \"chi (period 3s)\" raised exc_info=<*>",
                "error|unit \"eta\" lost error=<*>",
                "error|unit \"eta\" lost error=<*>",
                "error|error=\"omega gone\"",
            ]
        );
    }

    #[test]
    fn rendered_message_before_its_template_and_short_before_full() {
        // A record that writes its message twice (rendered and as a template, short and
        // full) is read from the rendered or short one; the other is no field.
        let got = read(&[
            r#"{"@t":"2024-01-01T00:00:00Z","@mt":"Moved {N} items","@m":"Moved 4 items"}"#,
            r#"{"Timestamp":"x","Level":"Warning","MessageTemplate":"Lost {N}","RenderedMessage":"Lost 9"}"#,
            r#"{"full_message":"Disk low\nmore","short_message":"Disk low","level":4,"host":"h"}"#,
        ]);
        assert_eq!(
            got,
            [
                "-|Moved 4 items",
                "warning|Lost 9",
                "warning|Disk low host=h"
            ]
        );
    }

    #[test]
    fn a_dotted_level_key_is_read_flat_or_nested() {
        let got = read(&[
            r#"{"log.level":"warn","message":"a"}"#,
            r#"{"log":{"level":"error","logger":"x"},"message":"b"}"#,
            r#"{"@l":"Error","message":"c"}"#,
        ]);
        assert_eq!(got[0], "warning|a");
        assert!(got[1].starts_with("error|b"), "{}", got[1]);
        assert_eq!(got[2], "error|c");
    }

    #[test]
    fn envelopes_of_log_lines_interleaved_with_other_records_leave_those_whole() {
        // Class: two writers' JSON records in one file (interleaved): one wraps its log lines
        // in an envelope, whose header goes and whose other fields are transport; the other's
        // message has no such header, and its request fields stay part of its event.
        let mut sample = Vec::new();
        for i in 0..4 {
            sample.push(format!(
                r#"{{"log":"2024-01-01 10:00:0{i},100 WARNING unit.part: pass done in {i} ms\n","stream":"stderr"}}"#
            ));
            sample.push(format!(
                r#"{{"level":"info","msg":"call","route":"/r{}","status":{}}}"#,
                i % 2,
                200 + 4 * (i % 2)
            ));
        }
        let lines: Vec<&str> = sample.iter().map(String::as_str).collect();
        let got = read(&lines);
        assert_eq!(got[0], "warning|pass done in 0 ms");
        assert_eq!(got[1], "info|call route=/r0 status=200");
        assert_eq!(got[3], "info|call route=/r1 status=204");
    }

    #[test]
    fn logfmt_fields_sorted_and_optional_keys_left_out() {
        let lines = [
            "level=info msg=\"pass done\" b=1 a=2 req=x",
            "msg=\"pass done\" a=3 level=warn b=4",
            "level=info a=1 b=2",
        ];
        let model = JsonModel::infer(&lines);
        assert_eq!(model.optional, ["req"]);
        let got: Vec<String> = lines
            .iter()
            .filter_map(|l| logfmt_line(l, &model.optional))
            .map(|(m, l)| format!("{}|{m}", l.map_or("-", Level::name)))
            .collect();
        // The third line has no message: it is not a logfmt record here (no `msg`).
        assert_eq!(got, ["info|pass done a=2 b=1", "warning|pass done a=3 b=4"]);
    }
    #[test]
    fn a_logfmt_record_with_one_key_of_several_words_keeps_its_level() {
        // Class: a writer prints a field name with a space in it (`Some Name="v"`) after the
        // message: the record is still logfmt and keeps its level.
        let got = logfmt_line(
            "ts=5 level=error msg=\"spool stuck\" Spool Unit=\"north\" ref=7",
            &[],
        );
        let (m, l) = got.expect("read as logfmt");
        assert_eq!(l, Some(Level::Error));
        assert_eq!(m, "spool stuck Spool Unit=\"north\" ref=7");
        // Must not fire: words before the message, trailing words with no `=`, two spaced
        // keys, a key of four words.
        assert!(logfmt_line("spool stuck level=error msg=x", &[]).is_none());
        assert!(logfmt_line("level=error msg=x spool stuck", &[]).is_none());
        assert!(logfmt_line("level=error msg=x a b=1 c d=2", &[]).is_none());
        assert!(logfmt_line("level=error msg=x a b c d=1", &[]).is_none());
    }
}
