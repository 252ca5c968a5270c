//! The request-line matrix, second part: the lines servers and clients write BY DEFAULT when
//! they are not an access-log layout (`"GET /x HTTP/1.1" 200`): a status in a `| 200 |`
//! column before the request, an unquoted `METHOD /path STATUS duration` line, a request
//! announced on one line and its response (`Completed 200 OK`, `Sent 500 in 5ms`,
//! `Request finished ... - 200 -`) on the next, and JSON records whose method, target and
//! status sit in nested objects. Each form is cited where it is written; the words are
//! neutral (the routes, ids and hosts of the first part). A cell holds when the digest groups
//! by method, route template and status exactly, and level counts are right.

use super::{mix, Req, Shape, Tally, METHODS, SHAPES, STATUSES};
use std::collections::BTreeSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    /// A status column before the request: `[TAG] date - time | 200 |   1.2ms |  ip | GET  "/x"`.
    /// Go gin's default logger (`LoggerWithFormatter`'s default formatter, gin logger.go:
    /// `"[GIN] %v |%s %3d %s| %13v | %15s |%s %-7s %s %#v\n%s"`).
    StatusColumn,
    /// An unquoted request and its status first: `GET /x 200 5.123 ms - 512`, express morgan's
    /// `dev` format (`:method :url :status :response-time ms - :res[content-length]`, morgan
    /// README "Predefined Formats").
    UnquotedDurationFirst,
    /// morgan's `tiny`: `:method :url :status :res[content-length] - :response-time ms`.
    UnquotedSizeFirst,
    /// A request announced, then its response with the status and a phrase:
    /// `Started GET "/x" for ip at time` + `Completed 404 Not Found in 5ms (...)`, Rails'
    /// ActionController log subscriber (rails actionpack log_subscriber.rb, railties
    /// rack/logger.rb `started_request_message`).
    AnnouncedThenCompleted,
    /// A request named bare, then `Sent 500 in 5ms`: Plug.Logger under Phoenix (plug
    /// lib/plug/logger.ex: `[conn.method, ?\s, conn.request_path]`, then `"Sent", status,
    /// "in", duration`).
    BareThenSent,
    /// `Request starting HTTP/1.1 GET http://host/x - -` + `Request finished HTTP/1.1 GET
    /// http://host/x - 200 - application/json 5.1ms`: ASP.NET Core's hosting diagnostics
    /// (Microsoft.AspNetCore.Hosting HostingRequestStartingLog / HostingRequestFinishedLog,
    /// .NET 6 and later).
    StartingThenFinished,
    /// A JSON record whose request and response are nested objects:
    /// `"req":{"method":"GET","url":"/x"},"res":{"statusCode":200}` (pino-http's default
    /// serializers, as Fastify logs `request completed`).
    NestedJson,
}

const FORMS: [Form; 7] = [
    Form::StatusColumn,
    Form::UnquotedDurationFirst,
    Form::UnquotedSizeFirst,
    Form::AnnouncedThenCompleted,
    Form::BareThenSent,
    Form::StartingThenFinished,
    Form::NestedJson,
];

fn phrase(status: u16) -> &'static str {
    super::reason(status)
}

impl Form {
    /// The lines one request writes, each with its truth event.
    fn lines(self, q: &Req, route: &str) -> Vec<(String, String)> {
        let (m, p, st) = (q.method, q.path, q.status);
        let ms = format!("{}.{:03}", mix(q.n, 21) % 90, mix(q.n, 22) % 1000);
        let time = format!("10:{:02}:{:02}", (q.n / 60) % 60, q.n % 60);
        let event = format!("{m} {route} {st}");
        let size = q.size();
        match self {
            Form::StatusColumn => vec![(
                format!(
                    "[GIN] 2024/05/01 - {time} | {st} | {:>12}ms | {:>15} | {m:<7} \"{p}\"",
                    ms,
                    q.ip()
                ),
                event,
            )],
            Form::UnquotedDurationFirst => {
                vec![(format!("{m} {p} {st} {ms} ms - {size}"), event)]
            }
            Form::UnquotedSizeFirst => {
                vec![(format!("{m} {p} {st} {size} - {ms} ms"), event)]
            }
            Form::AnnouncedThenCompleted => vec![
                (
                    format!(
                        "Started {m} \"{p}\" for {} at 2024-05-01 {time} +0000",
                        q.ip()
                    ),
                    format!("start {m} {route}"),
                ),
                (
                    format!(
                        "Completed {st} {} in {}ms (Views: {ms}ms | ActiveRecord: {ms}ms | Allocations: {})",
                        phrase(st),
                        mix(q.n, 23) % 900,
                        mix(q.n, 24) % 9000
                    ),
                    format!("completed {st}"),
                ),
            ],
            Form::BareThenSent => vec![
                (
                    format!("{time}.{:03} [info] {m} {p}", q.n % 1000),
                    format!("start {m} {route}"),
                ),
                (
                    format!("{time}.{:03} [info] Sent {st} in {}ms", q.n % 1000, mix(q.n, 23) % 900),
                    format!("sent {st}"),
                ),
            ],
            Form::StartingThenFinished => {
                let url = format!("http://api{}.example.test{p}", q.n % 3);
                vec![
                    (
                        format!("info: Hosting[1] Request starting HTTP/1.1 {m} {url} - -"),
                        format!("start {m} {route}"),
                    ),
                    (
                        format!(
                            "info: Hosting[2] Request finished HTTP/1.1 {m} {url} - {st} - application/json;+charset=utf-8 {ms}ms"
                        ),
                        format!("finish {m} {route} {st}"),
                    ),
                ]
            }
            Form::NestedJson => vec![(
                format!(
                    r#"{{"level":30,"time":{},"pid":{},"hostname":"web-{}","reqId":"req-{}","req":{{"method":"{m}","url":"{}","hostname":"api.example.test","remoteAddress":"{}"}},"res":{{"statusCode":{st}}},"responseTime":{ms},"msg":"request completed"}}"#,
                    1_714_557_600_000 + q.n as u64 * 17,
                    100 + q.n % 7,
                    q.n % 3,
                    q.n,
                    p.replace('"', "\\\""),
                    q.ip()
                ),
                event,
            )],
        }
    }
}

struct FormCell {
    lines: Vec<String>,
    truth: Vec<String>,
}

fn form_cell(form: Form, shape: Shape) -> FormCell {
    let mut c = FormCell {
        lines: Vec::new(),
        truth: Vec::new(),
    };
    let mut n = 0;
    for _ in 0..super::REPEATS {
        for &status in &STATUSES {
            for &method in &METHODS {
                for (r, route) in shape.routes().iter().enumerate() {
                    let path = shape.path(r, n);
                    let q = Req {
                        n,
                        method,
                        path: &path,
                        status,
                    };
                    for (line, truth) in form.lines(&q, route) {
                        c.lines.push(line);
                        c.truth.push(truth);
                    }
                    n += 1;
                }
            }
        }
    }
    c
}

/// Forms the digest does not yet group right, and why (none now: the status column before
/// the request, once read as a header column, opens the message, see `header::status_column`).
/// The test fails when a listed form starts to hold, so that it moves into the checked forms.
const KNOWN_GAPS: [Form; 0] = [];

#[test]
fn default_request_forms_by_route_shape_group_by_method_route_status() {
    let mut tally = Tally::default();
    let mut gaps = Tally::default();
    for form in FORMS {
        let known_gap = KNOWN_GAPS.contains(&form);
        for shape in SHAPES {
            let c = form_cell(form, shape);
            super::check_form_cell(
                &format!("{form:?} {shape:?}"),
                (&c.lines, &c.truth),
                known_gap,
                (&mut tally, &mut gaps),
            );
        }
    }
    gaps.finish(KNOWN_GAPS.len() * SHAPES.len());
    tally.finish((FORMS.len() - KNOWN_GAPS.len()) * SHAPES.len());
}

#[test]
fn each_form_writes_one_event_per_method_route_and_status() {
    let c = form_cell(Form::UnquotedDurationFirst, Shape::NumericId);
    let events: BTreeSet<_> = c.truth.iter().collect();
    assert_eq!(events.len(), METHODS.len() * STATUSES.len() * 2);
}
