//! The request-line matrix, third part: request lines real servers, proxies and scrapers write
//! BY DEFAULT that the first two parts lack. Each form is cited where it is written; the words
//! are neutral (the routes, ids and hosts of the first part). A cell holds when the digest
//! groups by method, route template and status exactly, and level counts are right.

use super::{mix, Req, Shape, Tally, METHODS, SHAPES, STATUSES};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    /// A scraper's fetched-page line: the status in parentheses, then the request in angle
    /// brackets with an absolute URL: `Crawled (404) <GET https://host/x> (referer: None)`
    /// (Scrapy's `LogFormatter.crawled`, scrapy/logformatter.py `CRAWLEDMSG`), under the
    /// `%(asctime)s [%(name)s] %(levelname)s: %(message)s` header Scrapy configures.
    ParenStatusAngleRequest,
    /// A quoted request line with an absolute URL, then `from ip - 200 512B in 1.2ms`: Go chi's
    /// `middleware.Logger` (chi middleware/logger.go `defaultLogEntry.Write`), under Go's
    /// `log` header (`2024/05/01 10:00:00`).
    QuotedUrlFromThenStatus,
    /// `[time] "METHOD path PROTO" status flags rx tx duration upstream "xff" "agent" "id"
    /// "authority" "upstream-host"`: Envoy's default access-log format (envoy docs,
    /// configuration/observability/access_log, "Default format string").
    BracketTimeQuotedRequestThenStatus,
    /// The status mid-line, the request last: `ip:port [date] frontend backend/server
    /// Tq/Tw/Tc/Tr/Tt 200 512 - - ---- 1/1/0/0/0 0/0 "GET /x HTTP/1.1"` (HAProxy's `option
    /// httplog` format, HAProxy configuration manual 8.2.3), under a syslog header.
    StatusMidRequestLast,
    /// A JSON record whose request sits in a nested object and whose status is flat:
    /// `"request":{"method":"GET","uri":"/x",...},"status":200` (Caddy v2's `http.log.access`
    /// logger, msg `handled request`).
    NestedRequestFlatStatus,
    /// A flat JSON record with capitalised keys: `"RequestMethod":"GET","RequestPath":"/x",
    /// "DownstreamStatus":200` (Traefik's access log in `json` format).
    FlatCapitalisedKeys,
    /// The common log format with a request counter, the router, the upstream URL and a
    /// duration after the agent: `ip - - [date] "GET /x HTTP/1.1" 200 512 "-" "agent" 17
    /// "router" "http://10.1.0.4:8080" 3ms` (Traefik's default access log, `common`, Traefik
    /// docs observability/access-logs "Common Log Format").
    ClfCounterRouterDuration,
    /// A peer, the bracketed time, the quoted request, status, size, referrer and agent, under
    /// Python's `basicConfig` header `LEVEL:logger:`: `INFO:srv.access:ip [date] "GET /x
    /// HTTP/1.1" 200 512 "-" "agent"` (aiohttp's `AccessLogger.LOG_FORMAT`, `%a %t "%r" %s %b
    /// "%{Referer}i" "%{User-Agent}i"`, aiohttp web_log.py and docs/logging.rst).
    PeerTimeRequest,
}

const FORMS: [Form; 8] = [
    Form::ParenStatusAngleRequest,
    Form::QuotedUrlFromThenStatus,
    Form::BracketTimeQuotedRequestThenStatus,
    Form::StatusMidRequestLast,
    Form::NestedRequestFlatStatus,
    Form::FlatCapitalisedKeys,
    Form::ClfCounterRouterDuration,
    Form::PeerTimeRequest,
];

impl Form {
    /// The line one request writes.
    fn line(self, q: &Req) -> String {
        let (m, p, st) = (q.method, q.path, q.status);
        let ms = format!("{}.{:03}", mix(q.n, 21) % 90, mix(q.n, 22) % 1000);
        let time = format!("10:{:02}:{:02}", (q.n / 60) % 60, q.n % 60);
        let host = format!("api{}.example.test", q.n % 3);
        let size = 100 + mix(q.n, 3) % 9000;
        let id = super::hex(q.n, 77, 32);
        match self {
            Form::ParenStatusAngleRequest => format!(
                "2024-05-01 {time} [engine.core] DEBUG: Crawled ({st}) <{m} https://{host}{p}> (referer: {})",
                if q.n % 3 == 0 { "None".to_owned() } else { format!("https://{host}/") }
            ),
            Form::QuotedUrlFromThenStatus => format!(
                "2024/05/01 {time} \"{m} http://{host}{p} HTTP/1.1\" from {}:{} - {st} {size}B in {ms}ms",
                q.ip(),
                q.port()
            ),
            Form::BracketTimeQuotedRequestThenStatus => format!(
                "[{}] \"{m} {p} HTTP/1.1\" {st} - {} {size} {} {} \"{}\" \"{}\" \"{}\" \"{host}\" \"10.1.{}.{}:8080\"",
                q.iso_time(),
                mix(q.n, 30) % 500,
                mix(q.n, 31) % 90,
                mix(q.n, 32) % 80,
                q.ip(),
                q.agent(),
                &id[..8],
                q.n % 5,
                1 + q.n % 200
            ),
            Form::StatusMidRequestLast => format!(
                "May  1 {time} lb1 proxy[{}]: {}:{} [01/May/2024:{time}.{:03}] web-in app/node{} 0/0/{}/{}/{} {st} {size} - - ---- {}/{}/0/0/0 0/0 \"{m} {p} HTTP/1.1\"",
                1000 + q.n % 7,
                q.ip(),
                q.port(),
                q.n % 1000,
                q.n % 3,
                mix(q.n, 33) % 9,
                mix(q.n, 34) % 90,
                mix(q.n, 35) % 99,
                1 + q.n % 9,
                1 + q.n % 5
            ),
            Form::NestedRequestFlatStatus => format!(
                r#"{{"level":"info","ts":{}.{:06},"logger":"http.log.access","msg":"handled request","request":{{"remote_ip":"{}","remote_port":"{}","proto":"HTTP/1.1","method":"{m}","host":"{host}","uri":"{}","headers":{{"User-Agent":["{}"]}}}},"bytes_read":0,"user_id":"","duration":0.{:06},"size":{size},"status":{st},"resp_headers":{{"Content-Type":["application/json"]}}}}"#,
                1_714_557_600 + q.n,
                mix(q.n, 36) % 1_000_000,
                q.ip(),
                q.port(),
                p.replace('"', "\\\""),
                q.agent(),
                mix(q.n, 37) % 1_000_000
            ),
            Form::FlatCapitalisedKeys => format!(
                r#"{{"ClientAddr":"{}:{}","ClientHost":"{}","DownstreamContentSize":{size},"DownstreamStatus":{st},"Duration":{},"RequestAddr":"{host}","RequestHost":"{host}","RequestMethod":"{m}","RequestPath":"{}","RequestProtocol":"HTTP/1.1","RouterName":"app@docker","ServiceName":"app@docker","StartUTC":"{}","level":"info","msg":"","time":"{}"}}"#,
                q.ip(),
                q.port(),
                q.ip(),
                mix(q.n, 38) % 90_000_000,
                p.replace('"', "\\\""),
                q.iso_time(),
                q.iso_time()
            ),
            Form::ClfCounterRouterDuration => format!(
                "{} - - [{}] \"{m} {p} HTTP/1.1\" {st} {} \"{}\" \"{}\" {} \"app@docker\" \"http://10.1.{}.{}:8080\" {}ms",
                q.ip(),
                q.clf_time(),
                q.size(),
                q.referrer(),
                q.agent(),
                1 + q.n,
                q.n % 5,
                1 + q.n % 200,
                mix(q.n, 39) % 900
            ),
            Form::PeerTimeRequest => format!(
                "INFO:srv.access:{} [{}] \"{m} {p} HTTP/1.1\" {st} {} \"{}\" \"{}\"",
                q.ip(),
                q.clf_time(),
                q.size(),
                q.referrer(),
                q.agent()
            ),
        }
    }
}

fn form_cell(form: Form, shape: Shape) -> (Vec<String>, Vec<String>) {
    let (mut lines, mut truth) = (Vec::new(), Vec::new());
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
                    lines.push(form.line(&q));
                    truth.push(format!("{method} {route} {status}"));
                    n += 1;
                }
            }
        }
    }
    (lines, truth)
}

/// Forms the digest does not yet group right, and why: a crawler's `(404) <GET url>` keeps
/// neither route nor status (a rule that kept both was taken out in session 37: it moved a
/// format nobody here has seen down by 0.36, so whether a crawled URL's path is a route or
/// the page crawled, a variable, is open); an IPv6 peer right after a
/// `LEVEL:logger:` header (`INFO:srv.access:2001:db8::7 [...]`) is cut at its colons as if
/// they were the header's, so IPv6 requests split from IPv4 ones (a header class, not the
/// request's: the IPv4 lines of the form hold). The test fails when one of them starts
/// to hold, so that it moves into the checked forms.
const KNOWN_GAPS: [Form; 2] = [Form::ParenStatusAngleRequest, Form::PeerTimeRequest];

#[test]
fn more_default_request_forms_by_route_shape_group_by_method_route_status() {
    let mut tally = Tally::default();
    let mut gaps = Tally::default();
    for form in FORMS {
        let known_gap = KNOWN_GAPS.contains(&form);
        for shape in SHAPES {
            let (lines, truth) = form_cell(form, shape);
            super::check_form_cell(
                &format!("{form:?} {shape:?}"),
                (&lines, &truth),
                known_gap,
                (&mut tally, &mut gaps),
            );
        }
    }
    gaps.finish(KNOWN_GAPS.len() * SHAPES.len());
    tally.finish((FORMS.len() - KNOWN_GAPS.len()) * SHAPES.len());
}
