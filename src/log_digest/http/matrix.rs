//! The HTTP request-line matrix: access-log layouts from published server defaults, client
//! debug lines and JSON request records (layout) × route shapes (static words, numeric ids,
//! UUIDs, hashes, repeated slugs, query strings, percent-encoding, trailing slashes), each
//! cell a generated file where every route is requested with two methods and thirteen
//! statuses. A cell holds when the digest's grouping equals the truth grouping (one event per
//! method, route template and status: ids, hashes and query values are variables, route words
//! and query keys are not), which also means a 5xx never merges with a 2xx, and when the
//! counts of warning and error events equal the file's: a level comes from a line's header
//! only, never from its status (a 404 served is not the server's warning). A second pass
//! interleaves each layout with an application's own logging lines (two formats in one
//! stream). The words are neutral: a cell names a class of line, never a format.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::log_digest::levels::Level;
use crate::log_digest::matrix_tally::{digest_cell, Tally};

const STATUSES: [u16; 13] = [
    200, 201, 204, 301, 304, 400, 401, 403, 404, 429, 500, 502, 503,
];
const METHODS: [&str; 2] = ["GET", "POST"];
/// Requests per (route, method, status): enough for a variable to vary.
const REPEATS: usize = 3;

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        _ => "Service Unavailable",
    }
}

/// A deterministic value stream: `n` is a request's serial number in its file.
fn mix(n: usize, salt: u64) -> u64 {
    let mut x = (n as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt;
    x ^= x >> 29;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^ (x >> 32)
}

fn hex(n: usize, salt: u64, len: usize) -> String {
    let mut s = String::new();
    let mut k = 0;
    while s.len() < len {
        let _ = write!(s, "{:016x}", mix(n, salt + k));
        k += 1;
    }
    // Ids always hold a decimal digit somewhere in practice; keep the first one a digit so
    // that a short hash is not a word by chance.
    s.truncate(len);
    s.replace_range(0..1, &((mix(n, salt) % 10).to_string()));
    s
}

/// How the routes of a cell are written.
#[derive(Clone, Copy, Debug)]
enum Shape {
    Static,
    NumericId,
    Uuid,
    Hash,
    RepeatedSlug,
    Query,
    PercentEncoded,
    TrailingSlash,
}

const SHAPES: [Shape; 8] = [
    Shape::Static,
    Shape::NumericId,
    Shape::Uuid,
    Shape::Hash,
    Shape::RepeatedSlug,
    Shape::Query,
    Shape::PercentEncoded,
    Shape::TrailingSlash,
];

impl Shape {
    /// The routes of a cell (each a truth template); `route` then writes one request to it.
    fn routes(self) -> &'static [&'static str] {
        match self {
            Shape::Static => &["/api/v1/orders", "/health", "/api/v1/account/balance"],
            Shape::NumericId => &["/api/v1/orders/<*>", "/users/<*>/settings"],
            Shape::Uuid => &["/jobs/<*>", "/jobs/<*>/result"],
            Shape::Hash => &["/static/app.<*>.js", "/commits/<*>/files"],
            // A slug the site names its pages with: each page is a route of its own.
            Shape::RepeatedSlug => &["/docs/getting-started", "/docs/rate-limits", "/docs/faq"],
            Shape::Query => &[
                "/api/v1/candles?symbol=<*>&limit=<*>",
                "/api/v1/candles?symbol=<*>",
                "/search?q=<*>&page=<*>",
            ],
            Shape::PercentEncoded => &["/files/<*>", "/search?q=<*>"],
            Shape::TrailingSlash => &["/api/v1/orders/", "/api/v1/orders/<*>/"],
        }
    }

    /// Request `n` to route `r`: the `<*>` of its template filled with values that do not
    /// repeat (ids) or vary (query values).
    fn path(self, r: usize, n: usize) -> String {
        let tpl = self.routes()[r];
        let mut out = String::new();
        for (k, part) in tpl.split("<*>").enumerate() {
            if k > 0 {
                out.push_str(&self.value(r, k, n));
            }
            out.push_str(part);
        }
        out
    }

    fn value(self, r: usize, k: usize, n: usize) -> String {
        let salt = (r * 7 + k) as u64;
        match self {
            Shape::NumericId | Shape::TrailingSlash => (1000 + mix(n, salt) % 90_000).to_string(),
            Shape::Uuid => {
                let h = hex(n, salt, 32);
                format!(
                    "{}-{}-{}-{}-{}",
                    &h[..8],
                    &h[8..12],
                    &h[12..16],
                    &h[16..20],
                    &h[20..]
                )
            }
            Shape::Hash => hex(n, salt, if r == 0 { 8 } else { 40 }),
            Shape::Query => match (r, k) {
                (2, 1) => ["eth", "solana+staking", "fees", "order%20book"][n % 4].to_owned(),
                (_, 1) => ["BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT"][n % 4].to_owned(),
                _ => (1 + mix(n, salt) % 500).to_string(),
            },
            Shape::PercentEncoded => {
                let words = [
                    "report",
                    "q3%20summary",
                    "caf%C3%A9",
                    "my%20notes",
                    "%E2%82%AC",
                ];
                let w = words[n % words.len()];
                if r == 0 {
                    format!("{w}%20{}.pdf", mix(n, salt) % 100)
                } else {
                    format!("{w}%20{}", ["price", "fees", "limits"][n % 3])
                }
            }
            Shape::Static | Shape::RepeatedSlug => unreachable!("no variable in {self:?}"),
        }
    }
}

/// One request of a cell, with the values a layout writes around it.
struct Req<'a> {
    n: usize,
    method: &'a str,
    path: &'a str,
    status: u16,
}

impl Req<'_> {
    fn ip(&self) -> String {
        let x = mix(self.n, 99);
        if x % 5 == 0 {
            format!("2001:db8:{:x}::{:x}", x % 0xffff, (x >> 16) % 0xffff)
        } else {
            format!(
                "{}.{}.{}.{}",
                10 + x % 200,
                (x >> 8) % 256,
                (x >> 16) % 256,
                1 + (x >> 24) % 254
            )
        }
    }
    fn port(&self) -> u64 {
        1024 + mix(self.n, 7) % 60_000
    }
    fn size(&self) -> String {
        match mix(self.n, 3) % 4 {
            0 if self.status == 204 || self.status == 304 => "0".to_owned(),
            0 => "-".to_owned(),
            x => (x * 137 + mix(self.n, 4) % 9000).to_string(),
        }
    }
    fn secs(&self) -> String {
        format!("{}.{:03}", mix(self.n, 5) % 3, mix(self.n, 6) % 1000)
    }
    fn clf_time(&self) -> String {
        let s = self.n % 60;
        let m = (self.n / 60) % 60;
        format!("01/May/2024:10:{m:02}:{s:02} +0000")
    }
    fn iso_time(&self) -> String {
        let s = self.n % 60;
        let m = (self.n / 60) % 60;
        format!("2024-05-01T10:{m:02}:{s:02}.{:03}Z", mix(self.n, 8) % 1000)
    }
    fn py_time(&self) -> String {
        let s = self.n % 60;
        let m = (self.n / 60) % 60;
        format!("2024-05-01 10:{m:02}:{s:02},{:03}", mix(self.n, 8) % 1000)
    }
    fn referrer(&self) -> String {
        match mix(self.n, 10) % 3 {
            0 => "-".to_owned(),
            1 => format!("https://example.test/page/{}", mix(self.n, 11) % 1000),
            _ => "https://example.test/".to_owned(),
        }
    }
    fn agent(&self) -> &'static str {
        [
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
            "curl/8.5.0",
            "python-requests/2.31.0",
            "-",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
        ][(mix(self.n, 12) % 5) as usize]
    }
    fn forwarded(&self) -> String {
        match mix(self.n, 13) % 3 {
            0 => "-".to_owned(),
            1 => self.ip(),
            _ => format!("{}, 10.0.{}.{}", self.ip(), self.n % 7, 1 + self.n % 250),
        }
    }
}

/// A way a request is written: published access-log defaults, servers' and clients' own lines.
#[derive(Clone, Copy, Debug)]
enum Layout {
    /// `%h %l %u %t "%r" %>s %b`.
    Common,
    /// Common + `"%{Referer}i" "%{User-agent}i"`.
    Combined,
    /// `%v:%p` + combined.
    VhostCombined,
    /// Combined + request time and upstream time.
    CombinedTimes,
    /// Combined + request length and request time.
    CombinedLength,
    /// The forwarded-for chain where the client address goes.
    ForwardedFirst,
    /// Combined + the quoted forwarded-for chain last.
    ForwardedLast,
    /// Combined with HTTP/1.0 requests.
    Http10,
    /// Combined with HTTP/2.0 requests.
    Http20,
    /// A level-prefixed server line: `LEVEL:  ip:port - "request" status phrase`.
    ServerLevelPrefixed,
    /// A server's line under a logging header, with size and duration: `"request" st size 0.004s`.
    ServerDuration,
    /// A client's debug line: `HTTP Request: METHOD url "HTTP/1.1 status phrase"`.
    ClientRequestLine,
    /// A client's connection-pool line: `https://host:443 "request" status length|None`.
    ClientPool,
    /// A JSON record with method, path and status keys.
    JsonRecord,
    /// A server's unquoted line whose protocol is a bare version (`1.1`, `2`) between the
    /// target and the status: `ip:port METHOD path 1.1 status size micros`.
    ServerBareVersion,
}

const LAYOUTS: [Layout; 15] = [
    Layout::Common,
    Layout::Combined,
    Layout::VhostCombined,
    Layout::CombinedTimes,
    Layout::CombinedLength,
    Layout::ForwardedFirst,
    Layout::ForwardedLast,
    Layout::Http10,
    Layout::Http20,
    Layout::ServerLevelPrefixed,
    Layout::ServerDuration,
    Layout::ClientRequestLine,
    Layout::ClientPool,
    Layout::JsonRecord,
    Layout::ServerBareVersion,
];

impl Layout {
    fn protocol(self) -> &'static str {
        match self {
            Layout::Http10 => "HTTP/1.0",
            Layout::Http20 => "HTTP/2.0",
            _ => "HTTP/1.1",
        }
    }

    /// Whether the layout writes the malformed request of a connection that sent none
    /// (`"-" 400 0 "-" "-"`): an event of its own.
    fn writes_empty_request(self) -> bool {
        matches!(
            self,
            Layout::Common
                | Layout::Combined
                | Layout::VhostCombined
                | Layout::CombinedTimes
                | Layout::Http10
        )
    }

    fn line(self, q: &Req) -> String {
        let (m, p, st) = (q.method, q.path, q.status);
        let proto = self.protocol();
        let request = format!("\"{m} {p} {proto}\"");
        let combined = |client: &str| {
            format!(
                "{client} - - [{}] {request} {st} {} \"{}\" \"{}\"",
                q.clf_time(),
                q.size(),
                q.referrer(),
                q.agent()
            )
        };
        match self {
            Layout::Common => {
                let user = if q.n % 4 == 0 { "alice" } else { "-" };
                format!(
                    "{} - {user} [{}] {request} {st} {}",
                    q.ip(),
                    q.clf_time(),
                    q.size()
                )
            }
            Layout::Combined | Layout::Http10 | Layout::Http20 => combined(&q.ip()),
            Layout::VhostCombined => {
                let host = ["shop.example.test", "api.example.test"][q.n % 2];
                format!("{host}:{} {}", [80, 443][q.n / 2 % 2], combined(&q.ip()))
            }
            Layout::CombinedTimes => {
                format!("{} {} {}", combined(&q.ip()), q.secs(), q.secs())
            }
            Layout::CombinedLength => format!(
                "{} {} {}",
                combined(&q.ip()),
                200 + mix(q.n, 14) % 900,
                q.secs()
            ),
            Layout::ForwardedFirst => {
                let f = q.forwarded();
                combined(if f == "-" { "-" } else { &f })
            }
            Layout::ForwardedLast => format!("{} \"{}\"", combined(&q.ip()), q.forwarded()),
            Layout::ServerLevelPrefixed => format!(
                "INFO:     {}:{} - {request} {st} {}",
                q.ip(),
                q.port(),
                reason(st)
            ),
            Layout::ServerDuration => format!(
                "{} INFO access: {request} {st} {} {}s",
                q.py_time(),
                q.size(),
                q.secs()
            ),
            Layout::ClientRequestLine => format!(
                "{} INFO client: HTTP Request: {m} https://api.example.test{p} \"{proto} {st} {}\"",
                q.py_time(),
                reason(st)
            ),
            Layout::ClientPool => {
                let len = match mix(q.n, 15) % 3 {
                    0 => "None".to_owned(),
                    x => (x * 311).to_string(),
                };
                format!(
                    "{} DEBUG pool: https://api.example.test:443 {request} {st} {len}",
                    q.py_time()
                )
            }
            Layout::JsonRecord => format!(
                r#"{{"time":"{}","level":"info","msg":"request completed","method":"{m}","path":"{}","status":{st},"duration_ms":{},"remote_addr":"{}"}}"#,
                q.iso_time(),
                p.replace('"', "\\\""),
                q.secs(),
                q.ip()
            ),
            Layout::ServerBareVersion => format!(
                "{} [INFO] {}:{} {m} {p} {} {st} {} {}",
                q.py_time(),
                // IPv4 peers only: a bracketed IPv6 peer with its port (`[::1]:5000`) masks
                // apart from an IPv4 one, a class of its own (addresses), not this layout's.
                match q.ip() {
                    ip if ip.contains(':') => format!("10.0.{}.{}", mix(q.n, 17) % 256, q.n % 250),
                    ip => ip,
                },
                q.port(),
                ["1.1", "2", "1.1"][q.n % 3],
                q.size(),
                mix(q.n, 16) % 90_000
            ),
        }
    }
}

/// The application's own logging lines interleaved with the requests: (level, truth event).
/// Warnings and errors among them are counted; the requests add none.
const APP_EVENTS: [(Level, &str); 4] = [
    (Level::Info, "order <*> filled at <*>"),
    (Level::Warning, "retrying order <*> after timeout"),
    (Level::Error, "order <*> rejected: insufficient margin"),
    (Level::Info, "heartbeat ok"),
];

fn app_line(n: usize, k: usize) -> String {
    let (level, tpl) = APP_EVENTS[k % APP_EVENTS.len()];
    let word = match level {
        Level::Warning => "WARNING",
        Level::Error => "ERROR",
        _ => "INFO",
    };
    let mut msg = String::new();
    for (i, part) in tpl.split("<*>").enumerate() {
        if i > 0 {
            let _ = write!(msg, "{}", 100 + mix(n, i as u64) % 9000);
        }
        msg.push_str(part);
    }
    let s = n % 60;
    format!(
        "2024-05-01 10:00:{s:02},{:03} {word} app.worker: {msg}",
        n % 1000
    )
}

/// A generated file: its lines and each line's truth event.
struct Cell {
    lines: Vec<String>,
    truth: Vec<String>,
    warnings: u64,
    errors: u64,
}

fn cell(layout: Layout, shape: Shape, interleave: bool) -> Cell {
    let mut c = Cell {
        lines: Vec::new(),
        truth: Vec::new(),
        warnings: 0,
        errors: 0,
    };
    let mut n = 0;
    let routes = shape.routes();
    for rep in 0..REPEATS {
        for (s, &status) in STATUSES.iter().enumerate() {
            for (mi, &method) in METHODS.iter().enumerate() {
                for (r, route) in routes.iter().enumerate() {
                    let path = shape.path(r, n);
                    c.lines.push(layout.line(&Req {
                        n,
                        method,
                        path: &path,
                        status,
                    }));
                    c.truth.push(format!("{method} {route} {status}"));
                    n += 1;
                    if interleave && n % 3 == 0 {
                        let k = n / 3 + mi;
                        c.lines.push(app_line(n, k));
                        c.truth
                            .push(format!("app {}", APP_EVENTS[k % APP_EVENTS.len()].1));
                        match APP_EVENTS[k % APP_EVENTS.len()].0 {
                            Level::Warning => c.warnings += 1,
                            Level::Error => c.errors += 1,
                            _ => {}
                        }
                    }
                }
            }
            if layout.writes_empty_request() && rep == 0 && s % 4 == 0 {
                let q = Req {
                    n,
                    method: "",
                    path: "",
                    status: 400,
                };
                let prefix = match layout {
                    Layout::VhostCombined => "api.example.test:443 ",
                    _ => "",
                };
                c.lines.push(format!(
                    "{prefix}{} - - [{}] \"-\" 400 0 \"-\" \"-\"",
                    q.ip(),
                    q.clf_time()
                ));
                c.truth.push("no request".to_owned());
                n += 1;
            }
        }
    }
    c
}

/// What the digest made of a cell: the template id of each line, and the level counts.
/// Checks one request-form cell (`name` says which) against its truth: with `known_gap` it
/// counts in `gaps` as a failure only once it holds (so the gap list moves), else in `tally`
/// with its first three grouping or level faults and its first line.
fn check_form_cell(
    name: &str,
    (lines, truth): (&[String], &[String]),
    known_gap: bool,
    (tally, gaps): (&mut Tally, &mut Tally),
) {
    let (got, warnings, errors) = digested(lines);
    assert_eq!(got.len(), lines.len(), "{name}: one per line");
    let mut errs = grouping_errors(truth, &got);
    if (warnings, errors) != (0, 0) {
        errs.push(format!(
            "levels [warning, error] got [{warnings}, {errors}]"
        ));
    }
    errs.truncate(3);
    if known_gap {
        gaps.cell(errs.is_empty().then(|| format!("{name} now holds")));
        return;
    }
    tally.cell(
        (!errs.is_empty())
            .then(|| format!("{name}: {} (first line {:?})", errs.join("; "), lines[0])),
    );
}

fn digested(lines: &[String]) -> (Vec<(String, String)>, u64, u64) {
    let (ids, [warnings, errors, fatal]) = digest_cell(&(lines.join("\n") + "\n"));
    (ids, warnings, errors + fatal)
}

/// The ways a digest's grouping differs from the truth: truth events split over templates,
/// templates that hold several truth events.
fn grouping_errors(truth: &[String], got: &[(String, String)]) -> Vec<String> {
    let mut by_truth: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut by_got: BTreeMap<&str, (BTreeSet<&str>, &str)> = BTreeMap::new();
    for (t, (id, tpl)) in truth.iter().zip(got) {
        by_truth.entry(t).or_default().insert(tpl);
        by_got
            .entry(id)
            .or_insert((BTreeSet::new(), tpl))
            .0
            .insert(t);
    }
    let mut errs = Vec::new();
    for (t, tpls) in &by_truth {
        if tpls.len() > 1 {
            errs.push(format!("split {t:?} into {tpls:?}"));
        }
    }
    for (truths, tpl) in by_got.values() {
        if truths.len() > 1 {
            let shown: Vec<_> = truths.iter().take(4).collect();
            errs.push(format!(
                "merged {} events in {tpl:?}: {shown:?}",
                truths.len()
            ));
        }
    }
    errs
}

#[derive(Default)]
struct Outcome(Tally);

impl Outcome {
    fn check(&mut self, name: &str, c: &Cell) {
        let (got, warnings, errors) = digested(&c.lines);
        assert_eq!(got.len(), c.lines.len(), "{name}: one assignment per line");
        let mut errs = grouping_errors(&c.truth, &got);
        if (warnings, errors) != (c.warnings, c.errors) {
            errs.push(format!(
                "levels [warning, error] got [{warnings}, {errors}], want [{}, {}]",
                c.warnings, c.errors
            ));
        }
        errs.truncate(3);
        self.0.cell(
            (!errs.is_empty())
                .then(|| format!("{name}: {} (first line {:?})", errs.join("; "), c.lines[0])),
        );
    }
}

fn run(interleave: bool) {
    let mut o = Outcome::default();
    for layout in LAYOUTS {
        for shape in SHAPES {
            let name = format!("{layout:?} {shape:?}");
            o.check(&name, &cell(layout, shape, interleave));
        }
    }
    o.0.finish(LAYOUTS.len() * SHAPES.len());
}

#[test]
fn request_lines_layout_by_route_shape_group_by_method_route_status() {
    run(false);
}

#[test]
fn request_lines_interleaved_with_application_lines() {
    run(true);
}

#[test]
fn the_truth_of_a_cell_has_one_event_per_method_route_and_status() {
    // The generator itself: ids do not repeat, the malformed request is its own event.
    let c = cell(Layout::Common, Shape::NumericId, false);
    let events: BTreeSet<_> = c.truth.iter().collect();
    assert_eq!(events.len(), METHODS.len() * STATUSES.len() * 2 + 1);
    let paths: BTreeSet<_> = c.lines.iter().filter_map(|l| l.split('"').nth(1)).collect();
    assert!(paths.len() > c.lines.len() * 9 / 10, "{paths:?}");
}

mod forms;
mod forms2;
