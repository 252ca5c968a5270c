//! HTTP requests inside messages: methods, statuses, route keys and the masking of a request
//! target (ids, hashes and query values in a route are variables; route words, query keys, the
//! method and the status are part of the event). Used by [`super::mask`].

use super::mask::WILDCARD;

/// An HTTP request method (`GET`, or `"GET` opening a quoted request line): the token after it
/// is a request target.
///
/// Asked of every token of every message: most leave on their last byte (a method ends in an
/// upper-case letter), in a check small enough to be inlined.
#[inline]
pub(super) fn is_http_method(tok: &[u8]) -> bool {
    tok.last().is_some_and(u8::is_ascii_uppercase) && is_http_method_word(tok)
}

pub(super) fn is_http_method_word(tok: &[u8]) -> bool {
    let t = tok.strip_prefix(b"\"").unwrap_or(tok);
    matches!(
        t,
        b"GET" | b"POST" | b"PUT" | b"PATCH" | b"DELETE" | b"HEAD" | b"OPTIONS"
    )
}

/// An HTTP status code: three digits, 100 to 599.
pub(super) fn is_http_status(t: &[u8]) -> bool {
    t.len() == 3 && (b'1'..=b'5').contains(&t[0]) && t[1..].iter().all(u8::is_ascii_digit)
}

pub(super) fn has_letter_outside_wildcards(t: &[u8]) -> bool {
    let mut i = 0;
    while i < t.len() {
        if t[i..].starts_with(WILDCARD.as_bytes()) {
            i += WILDCARD.len();
            continue;
        }
        if t[i].is_ascii_alphabetic() {
            return true;
        }
        i += 1;
    }
    false
}

/// Keys whose value is a request target (logfmt and `key=value` request records), also as
/// the last word of a compound key (`RequestPath`, `request_url`: see [`compound_word`]).
pub(super) fn is_route_key(k: &[u8]) -> bool {
    let route = |k: &[u8]| {
        [&b"path"[..], b"url", b"uri", b"route", b"endpoint"]
            .iter()
            .any(|w| w.eq_ignore_ascii_case(k))
    };
    route(k) || compound_word(k).is_some_and(route)
}

/// The last word of a compound key: after its last `_`, `.` or `-`, or its last capital that
/// follows a lower-case letter (`RequestMethod` → `Method`, `downstream_status` → `status`).
/// `None` for a key of one word.
///
/// Class: a flat request record that names its fields with a prefix (`RequestMethod`,
/// `RequestPath`, `DownstreamStatus`, `http_method`): the prefixed key is the request's
/// method, target or status as the bare key is. Only asked where the record names a method.
pub(in crate::log_digest) fn compound_word(k: &[u8]) -> Option<&[u8]> {
    let cut = k.iter().enumerate().skip(1).rev().find_map(|(i, &c)| {
        (matches!(c, b'_' | b'.' | b'-') && i + 1 < k.len())
            .then_some(i + 1)
            .or_else(|| (c.is_ascii_uppercase() && k[i - 1].is_ascii_lowercase()).then_some(i))
    })?;
    Some(&k[cut..])
}

/// A compound key naming a request's method, target or status (see [`compound_word`]).
pub(in crate::log_digest) fn compound_request_key(k: &[u8]) -> bool {
    compound_word(k).is_some_and(|w| {
        is_route_key(w) || w.eq_ignore_ascii_case(b"status") || w.eq_ignore_ascii_case(b"method")
    })
}

/// Keys whose value is an HTTP status.
pub(super) fn is_status_key(k: &[u8]) -> bool {
    [
        &b"status"[..],
        b"status_code",
        b"statuscode",
        b"http_status",
    ]
    .iter()
    .any(|w| w.eq_ignore_ascii_case(k))
}

/// A piece of a path segment that is an id: a number, hex, a UUID part, or a word with more
/// than two digits or digits before letters (`d9d0693…`, `42abc`). A short name ending in
/// one or two digits (`v1`, `s3`, `oauth2`) is a route word.
pub(super) fn id_piece(p: &[u8]) -> bool {
    let digits = p.iter().filter(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return false;
    }
    let letters_then_digits = p[0].is_ascii_alphabetic()
        && p.iter()
            .skip_while(|c| c.is_ascii_alphabetic())
            .all(u8::is_ascii_digit);
    !(letters_then_digits && digits <= 2 && p.len() <= 8)
}

/// A whole path segment that is a value, not a route word: an id written in hex with its
/// separators (`86f511ee-dbbf-15c3-5c00-8c8939018001`, `3ebb9083`: hex digits and `-`, at
/// least one decimal digit), a code written in capitals (`EURUSD`, `BTC-USD`, `BRK.B`:
/// routes are lower-case words by convention, capitals name the thing asked about), or text
/// carrying a percent-escape (`q3%20summary.pdf`, `caf%C3%A9`: RFC 3986 escapes what a route
/// word never holds — spaces, non-ASCII letters — so the segment is a name a user chose).
pub(super) fn value_segment(seg: &[u8]) -> bool {
    if seg.is_empty() {
        return false;
    }
    if percent_escaped(seg) {
        return true;
    }
    let hex_id = seg.iter().any(u8::is_ascii_digit)
        && seg.iter().filter(|c| c.is_ascii_hexdigit()).count() >= 8
        && seg.iter().all(|&c| c.is_ascii_hexdigit() || c == b'-');
    let capitals = seg.len() >= 2
        && seg.iter().any(u8::is_ascii_uppercase)
        && seg.iter().all(|&c| {
            c.is_ascii_uppercase() || c.is_ascii_digit() || matches!(c, b'-' | b'_' | b'.')
        });
    hex_id || capitals
}

/// Whether `t` holds a percent-escape: `%` and two hex digits (RFC 3986, section 2.1).
pub(super) fn percent_escaped(t: &[u8]) -> bool {
    memchr::memchr_iter(b'%', t).any(|p| {
        t.get(p + 1..p + 3)
            .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    })
}

/// Failure class E (HTTP request lines): writes a request target keeping what names the route
/// (`/api/v1/orders/<*>?symbol=<*>&limit=<*>`): path segments stay, ids in them (numbers, hex,
/// UUIDs) become `<*>`; query keys stay, query values become `<*>`.
#[inline(never)] // rare (after a method word): kept out of the per-token loops
pub(super) fn mask_route(t: &[u8], out: &mut Vec<u8>) {
    let (path, query) = match memchr::memchr(b'?', t) {
        Some(q) => (&t[..q], Some(&t[q + 1..])),
        None => (t, None),
    };
    let mut last_wild_end: Option<usize> = None;
    let mut i = 0;
    while i < path.len() {
        let c = path[i];
        if c == b'/' || i == 0 {
            let seg_start = i + usize::from(c == b'/');
            let seg_end =
                memchr::memchr(b'/', &path[seg_start..]).map_or(path.len(), |e| seg_start + e);
            if value_segment(&path[seg_start..seg_end]) {
                out.extend_from_slice(&path[i..seg_start]);
                out.extend_from_slice(WILDCARD.as_bytes());
                last_wild_end = None;
                i = seg_end;
                continue;
            }
        }
        if !c.is_ascii_alphanumeric() {
            out.push(c);
            i += 1;
            continue;
        }
        let s = i;
        while i < path.len() && path[i].is_ascii_alphanumeric() {
            i += 1;
        }
        if id_piece(&path[s..i]) {
            // `<*>-<*>-<*>` (a UUID) is one variable.
            if let Some(e) = last_wild_end {
                if out[e..]
                    .iter()
                    .all(|&c| matches!(c, b'-' | b'_' | b'.' | b':'))
                {
                    out.truncate(e);
                    continue;
                }
            }
            out.extend_from_slice(WILDCARD.as_bytes());
            last_wild_end = Some(out.len());
        } else {
            out.extend_from_slice(&path[s..i]);
            last_wild_end = None;
        }
    }
    if let Some(q) = query {
        out.push(b'?');
        for (k, pair) in q.split(|&c| c == b'&').enumerate() {
            if k > 0 {
                out.push(b'&');
            }
            match memchr::memchr(b'=', pair) {
                Some(e) => {
                    out.extend_from_slice(&pair[..=e]);
                    let value = &pair[e + 1..];
                    // Closing punctuation of the token (`"`, `,`) is not part of the value.
                    let end = value
                        .iter()
                        .rposition(|&c| !matches!(c, b'"' | b',' | b';' | b')'))
                        .map_or(0, |p| p + 1);
                    if end > 0 {
                        out.extend_from_slice(WILDCARD.as_bytes());
                    }
                    out.extend_from_slice(&value[end..]);
                }
                None => out.extend_from_slice(pair),
            }
        }
    }
}

/// A protocol version written without its `HTTP/` (`1.1`, `2`), as some servers put it
/// between a request's target and its status, or a comma list that opens with one and goes on
/// with numbers (`1.1,2`, `2,22`: where one value stands a list of values of its type may, and
/// the field is one variable all the same).
fn is_bare_version(t: &[u8]) -> bool {
    let mut items = t.split(|&c| c == b',');
    let version = |v: &[u8]| matches!(v, b"0.9" | b"1.0" | b"1.1" | b"2" | b"2.0" | b"3" | b"3.0");
    let number = |v: &[u8]| {
        v.first().is_some_and(u8::is_ascii_digit)
            && v.iter().all(|c| c.is_ascii_digit() || *c == b'.')
            && memchr::memchr_iter(b'.', v).count() <= 1
    };
    items.next().is_some_and(version) && items.all(number)
}

/// The protocol of an unquoted request line written as a bare version (`GET /x 1.1 200 512`),
/// known as one only when the response's status follows it: `tok` is the token after the
/// target, `after` the text after it.
#[inline(never)] // rare (the token after a request target): kept out of the per-token loop
pub(super) fn bare_version_then_status(tok: &[u8], after: &[u8]) -> bool {
    is_bare_version(tok) && status_follows(after)
}

/// Whether the text after a request target (`after`, from the byte after it) goes on with the
/// response's status, directly or after the protocol (`200 12ms`, `HTTP/1.1 200`,
/// `"HTTP/1.1 200 OK"`, `1.1 200`: a bare version): the request is then a request line,
/// whatever words come before it.
pub(super) fn status_follows(after: &[u8]) -> bool {
    let mut rest = after;
    for _ in 0..2 {
        let ws = rest.iter().take_while(|c| c.is_ascii_whitespace()).count();
        if ws == 0 {
            return false;
        }
        rest = &rest[ws..];
        let end = rest
            .iter()
            .position(u8::is_ascii_whitespace)
            .unwrap_or(rest.len());
        let tok = &rest[..end];
        let core = tok.strip_prefix(b"\"").unwrap_or(tok);
        if core.starts_with(b"HTTP/") || is_bare_version(core) {
            rest = &rest[end..];
            continue;
        }
        let core = core.strip_suffix(b",").unwrap_or(core);
        return is_http_status(core.strip_suffix(b"\"").unwrap_or(core));
    }
    false
}

/// A request target followed by its status (see [`status_follows`]), or whose status
/// `status_apart` says stands elsewhere in the message: a path, or an absolute
/// URL whose host is a variable and whose path is a route (`https://<*>/v2/items/<*>`).
/// Writes the masked target and returns `Some(false)`, or `None` (nothing written). Kept out
/// of [`super::mask::mask_into`]'s loop: it runs only after a method word.
#[inline(never)]
pub(super) fn target_with_status(
    tok: &[u8],
    after: &[u8],
    status_apart: impl FnOnce() -> bool,
    out: &mut Vec<u8>,
) -> Option<bool> {
    let path_at = if tok[0] == b'/' {
        0
    } else {
        tok.len() - absolute_path(tok)?.len()
    };
    // Or the target of a whole quoted request line whose status stands apart from it (see
    // [`apart`]): its protocol closes the quote.
    if !(status_follows(after) || (copied_request_line(after) && status_apart())) {
        return None;
    }
    if path_at > 0 {
        let sep = memchr::memmem::find(tok, b"://").unwrap_or(0);
        out.extend_from_slice(&tok[..sep + 3]);
        out.extend_from_slice(WILDCARD.as_bytes());
    }
    mask_route(&tok[path_at..], out);
    Some(false)
}

/// How many tokens after a request a message reports (see [`reported_target`]) its status may
/// come (`responded 404`, `completed with status 500`), counting the target's own token.
pub(super) const STATUS_WINDOW: u8 = 4;

/// A request a message reports in its own words: a bare method word after other words, then
/// its target (`sent GET /v2/boxes/7`, `began GET "/v2/boxes"`, `calling GET
/// https://host/v2/boxes`). The method and the route are the event (ids in the path and
/// query values are variables, an absolute URL's host is one), unlike a quoted request line
/// copied into a message as one of its fields (`request: "GET /x HTTP/1.1"`). `quote` is
/// where a quote opens the token. Writes the masked target and returns `Some(false)`, or
/// `None` (nothing written) when the token is no target.
#[inline(never)] // rare (after a method word): kept out of the per-token loops
pub(super) fn reported_target(tok: &[u8], quote: Option<usize>, out: &mut Vec<u8>) -> Option<bool> {
    let (open, inner) = match quote {
        Some(0) => {
            let close = memchr::memchr(b'"', &tok[1..]).map_or(tok.len(), |p| p + 1);
            (&tok[..1], &tok[1..close])
        }
        Some(_) => return None,
        None => (&tok[..0], tok),
    };
    let rest = &tok[open.len() + inner.len()..];
    let path_at = if inner.first() == Some(&b'/') {
        0
    } else {
        inner.len() - absolute_path(inner)?.len()
    };
    out.extend_from_slice(open);
    if path_at > 0 {
        let sep = memchr::memmem::find(inner, b"://").unwrap_or(0);
        out.extend_from_slice(&inner[..sep + 3]);
        out.extend_from_slice(WILDCARD.as_bytes());
    }
    mask_route(&inner[path_at..], out);
    out.extend_from_slice(rest);
    Some(false)
}

/// Whether the text before a token leaves a quote open (an odd number of `"`): the token is
/// inside quoted text.
pub(super) fn in_quote(before: &[u8]) -> bool {
    memchr::memchr_iter(b'"', before).count() % 2 == 1
}

/// Whether the token after a request target (`after`, from the byte after it) is a protocol
/// (`HTTP/1.1`): a request line copied whole into a message.
pub(super) fn copied_request_line(after: &[u8]) -> bool {
    let next = after.trim_ascii_start();
    let starts = next.len() < after.len();
    starts
        && next
            .strip_prefix(b"\"")
            .unwrap_or(next)
            .starts_with(b"HTTP/")
}

/// A status a message reports for the request it named: 100 to 599, not the count of a unit
/// after it (`responded 404 in 3 ms`, not `took 200 ms`). `after` is the text after the token.
pub(super) fn reported_status(tok: &[u8], after: &[u8]) -> bool {
    let core = tok
        .iter()
        .rposition(|&c| !matches!(c, b',' | b'.' | b';' | b')'))
        .map_or(&tok[..0], |e| &tok[..=e]);
    if !is_http_status(core) {
        return false;
    }
    let next = after.trim_ascii_start();
    let next = &next[..next
        .iter()
        .position(|&c| c.is_ascii_whitespace() || c.is_ascii_punctuation())
        .unwrap_or(next.len())];
    !super::mask::is_unit(next)
}

/// The reason phrases of the common statuses (RFC 9110, section 15; `Unprocessable Entity`
/// is RFC 4918's older name of 422, still written by servers), as a server writes them after
/// the code (`200 OK`, `404 Not Found`).
fn reason_phrases(status: &[u8]) -> &'static [&'static [u8]] {
    match status {
        b"200" => &[b"OK"],
        b"201" => &[b"Created"],
        b"202" => &[b"Accepted"],
        b"204" => &[b"No Content"],
        b"206" => &[b"Partial Content"],
        b"301" => &[b"Moved Permanently"],
        b"302" => &[b"Found"],
        b"303" => &[b"See Other"],
        b"304" => &[b"Not Modified"],
        b"307" => &[b"Temporary Redirect"],
        b"308" => &[b"Permanent Redirect"],
        b"400" => &[b"Bad Request"],
        b"401" => &[b"Unauthorized"],
        b"403" => &[b"Forbidden"],
        b"404" => &[b"Not Found"],
        b"405" => &[b"Method Not Allowed"],
        b"406" => &[b"Not Acceptable"],
        b"408" => &[b"Request Timeout"],
        b"409" => &[b"Conflict"],
        b"410" => &[b"Gone"],
        b"413" => &[b"Content Too Large", b"Payload Too Large"],
        b"415" => &[b"Unsupported Media Type"],
        b"422" => &[b"Unprocessable Content", b"Unprocessable Entity"],
        b"429" => &[b"Too Many Requests"],
        b"500" => &[b"Internal Server Error"],
        b"501" => &[b"Not Implemented"],
        b"502" => &[b"Bad Gateway"],
        b"503" => &[b"Service Unavailable"],
        b"504" => &[b"Gateway Timeout"],
        _ => &[],
    }
}

/// The text after a status (`after`, from the byte after it) past the status's own reason
/// phrase when one follows it (`404 Not Found in 5ms` → ` in 5ms`); `after` itself when none
/// does. Another word after the status (`200 items`) is no reason phrase.
fn past_reason_phrase<'a>(status: &[u8], after: &'a [u8]) -> &'a [u8] {
    let t = after.trim_ascii_start();
    if t.len() == after.len() {
        return after;
    }
    reason_phrases(status)
        .iter()
        .find(|p| t.starts_with(p) && t.get(p.len()).is_some_and(u8::is_ascii_whitespace))
        .map_or(after, |p| &t[p.len()..])
}

/// The status of a response line of its own, the message's second token (`b[s..i]`): one
/// word of letters, a status (100 to 599), maybe the status's reason phrase, then `in` and a
/// duration (`Sent 404 in 3ms`, `Answered 200 in 1.5 s`, `Completed 404 Not Found in 5ms`).
/// A count is followed by what it counts (`Sent 200 items in 3ms`) and a number after a
/// phrase is no status (`order 7 sent 200 in 3ms`).
#[inline(never)] // rare (a number second in a message): kept out of the per-token loop
pub(super) fn response_status(b: &[u8], s: usize, i: usize) -> bool {
    let word = b[..s].trim_ascii();
    if word.is_empty() || !word.iter().all(u8::is_ascii_alphabetic) || !is_http_status(&b[s..i]) {
        return false;
    }
    let mut rest = past_reason_phrase(&b[s..i], &b[i..])
        .split(u8::is_ascii_whitespace)
        .filter(|t| !t.is_empty());
    if rest.next() != Some(&b"in"[..]) {
        return false;
    }
    let Some(num) = rest.next() else {
        return false;
    };
    let digits = num
        .iter()
        .take_while(|c| c.is_ascii_digit() || **c == b'.')
        .count();
    if digits == 0 || !num[0].is_ascii_digit() {
        return false;
    }
    let unit = if digits == num.len() {
        rest.next().unwrap_or_default()
    } else {
        &num[digits..]
    };
    let unit = unit
        .iter()
        .rposition(|c| !c.is_ascii_punctuation())
        .map_or(&unit[..0], |e| &unit[..=e]);
    // A duration: a unit of time, not of size.
    unit == "µs".as_bytes()
        || (super::mask::is_unit(unit) && !unit.ends_with(b"B") && unit != b"bytes")
}

/// The status of a request line written as columns (`| 200 |  1.2ms | 10.0.0.5 | GET
/// "/v2/boxes"`): a status (100 to 599) alone in a column fenced by `|` on both sides (or
/// opening the message, fenced after it), in a
/// line that names a request later on (a method word, then a path, a quoted path or an
/// absolute URL). `b[s..i]` is the token. A number in a column of a line that names no request
/// (a table row, `| 200 | 35 |`) is a variable.
#[inline(never)] // rare (a three-digit token): kept out of the per-token loop
pub(super) fn column_status(b: &[u8], s: usize, i: usize) -> bool {
    let before = b[..s].trim_ascii_end();
    let after = b[i..].trim_ascii_start();
    // The column may open the message: the fence before it was the header's last separator,
    // gone with the header (`<any header> 404 |  1.2ms | … | GET "/v2/boxes/7"`).
    if !((before.ends_with(b"|") || before.is_empty())
        && after.starts_with(b"|")
        && is_http_status(&b[s..i]))
    {
        return false;
    }
    let mut toks = after
        .split(u8::is_ascii_whitespace)
        .filter(|t| !t.is_empty());
    while let Some(t) = toks.next() {
        if is_http_method(t) {
            let Some(target) = toks.next() else {
                return false;
            };
            let target = target.strip_prefix(b"\"").unwrap_or(target);
            return target.len() > 1 && target[0] == b'/' || absolute_path(target).is_some();
        }
    }
    false
}

/// The path of an absolute URL (`https://host:443/v2/x` → `/v2/x`): a scheme of letters,
/// `://`, an authority, then the path.
fn absolute_path(t: &[u8]) -> Option<&[u8]> {
    let sep = memchr::memmem::find(t, b"://")?;
    if sep == 0 || !t[..sep].iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    memchr::memchr(b'/', &t[sep + 3..]).map(|p| &t[sep + 3 + p..])
}

/// How a token of a masked message names an HTTP event, so that the miner never merges lines
/// that differ there into one variable (a 500 never hides among 200s, each route counts on
/// its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpAnchor {
    No,
    /// A status or keyed route kept by the HTTP rules (`200`, `status=404`, `path=/health`):
    /// masking keeps no other bare number, so it is one wherever it stands.
    Always,
    /// A kept path (`/api/v1/orders`): a route when it follows a method word.
    AfterMethod,
}

/// The handler a request or job is dispatched to, named as `Class#method` (`BoxesController#show`,
/// `Ns::BoxWorker#perform`): a capitalised identifier (namespaces joined by `::`), `#`, then a
/// lower-case method identifier. The name of a kind of work, kept like a route. An issue
/// number (`#12`), a fragment (`/a#b`) or a lower-case `chan#room` is none.
fn is_handler_name(t: &[u8]) -> bool {
    let Some(h) = memchr::memchr(b'#', t) else {
        return false;
    };
    let (class, method) = (&t[..h], &t[h + 1..]);
    let ident = |c: &u8| c.is_ascii_alphanumeric() || *c == b'_';
    class.first().is_some_and(u8::is_ascii_uppercase)
        && class.iter().all(|c| ident(c) || *c == b':')
        && method
            .first()
            .is_some_and(|c| c.is_ascii_lowercase() || *c == b'_')
        && method.iter().all(|c| ident(c) || matches!(c, b'!' | b'?'))
}

/// See [`HttpAnchor`].
pub fn http_anchor(tok: &str) -> HttpAnchor {
    let t = tok.as_bytes();
    // `path=/x` is keyed; the `=` of a query (`/x?since=5`) is not.
    let (keyed, v) = match memchr::memchr(b'=', t).filter(|&e| !t[..e].contains(&b'/')) {
        Some(e) => (true, &t[e + 1..]),
        None => (false, t),
    };
    let v = v.strip_prefix(b"\"").unwrap_or(v);
    let core = v.strip_suffix(b",").unwrap_or(v);
    let core = core.strip_suffix(b"\"").unwrap_or(core);
    // An absolute URL's path is its route (`https://<*>/v2/items`: the host is a variable).
    let v = absolute_path(v).unwrap_or(v);
    let route = v.len() > 1 && v[0] == b'/' && v[1].is_ascii_alphanumeric();
    if is_http_status(core) || (keyed && route) || is_handler_name(t) {
        HttpAnchor::Always
    } else if route {
        HttpAnchor::AfterMethod
    } else {
        HttpAnchor::No
    }
}

/// Failure class 5 (key=value fields): a masked token that is a field (`side=<*>`,
/// `qty=<*>,`): an identifier key, `=`, and a value. Its key is part of the event, so two
/// messages whose fields differ in a key are two events.
/// Returns the key.
pub fn field_key(tok: &str) -> Option<&str> {
    let t = tok.as_bytes();
    let eq = memchr::memchr(b'=', t)?;
    let key = &t[..eq];
    (key.first().is_some_and(u8::is_ascii_alphabetic)
        && key
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
        && t.get(eq + 1).is_some_and(|&c| c != b'='))
    .then(|| &tok[..eq])
}

/// A method word of a masked message (`GET`, `"POST`, `method=GET`).
pub fn is_method_token(tok: &str) -> bool {
    let t = tok.as_bytes();
    is_http_method(memchr::memchr(b'=', t).map_or(t, |e| &t[e + 1..])) || bracketed_method(t)
}

/// `[GET]`, `(POST)`: a method written after its route (`Exception on /orders [GET]`).
pub(super) fn bracketed_method(t: &[u8]) -> bool {
    t.len() > 2
        && matches!((t[0], t[t.len() - 1]), (b'[', b']') | (b'(', b')'))
        && is_http_method_word(&t[1..t.len() - 1])
}

/// Whether the token after position `i` of `b` (past spaces) is a bracketed method.
pub(super) fn method_follows(b: &[u8]) -> bool {
    let ws = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    let rest = &b[ws..];
    let end = rest
        .iter()
        .position(u8::is_ascii_whitespace)
        .unwrap_or(rest.len());
    ws > 0 && bracketed_method(rest[..end].strip_suffix(b",").unwrap_or(&rest[..end]))
}

/// A route named before its method (`Exception on /orders/7 [GET]`): writes the masked route
/// and returns `Some(false)`, or `None` (nothing written) when no method follows. Kept out of
/// [`super::mask::mask_into`]'s loop, which runs for every token.
#[inline(never)]
pub(super) fn route_before_method(tok: &[u8], after: &[u8], out: &mut Vec<u8>) -> Option<bool> {
    if !method_follows(after) {
        return None;
    }
    mask_route(tok, out);
    Some(false)
}

/// Failure class 5 (key=value records): whether a message is a request record, so that the
/// `/…` value of a `path`/`url` key is a route (`method=GET path=/api/v1/orders`) and not a
/// file (`file written path=/srv/data.csv`, a variable): it names a method (`method=…`).
pub(super) fn is_request_record(content: &[u8]) -> bool {
    content
        .windows(7)
        .any(|w| w.eq_ignore_ascii_case(b"method="))
}

mod apart;
pub(super) use apart::{after_request, Apart};

#[cfg(test)]
mod compound_key_tests;
#[cfg(test)]
mod matrix;

#[cfg(test)]
mod tests {
    use super::super::mask::masked;
    use super::*;

    /// Class: a path segment carrying a percent-escape (RFC 3986) is a name a user chose, a
    /// variable, however its words read; an unescaped word is a route word.
    #[test]
    fn percent_escaped_segments_are_values() {
        let a = masked(r#""GET /files/q3%20summary%202.pdf HTTP/1.1" 200 5"#);
        let b = masked(r#""GET /files/caf%C3%A9.pdf HTTP/1.1" 200 7"#);
        assert_eq!(a, b);
        assert!(a.starts_with("\"GET /files/<*> "), "{a}");
        assert!(masked(r#""GET /files/summary HTTP/1.1" 200 5"#).contains("/files/summary"));
        assert!(percent_escaped(b"a%2Fb") && !percent_escaped(b"100%") && !percent_escaped(b"%zz"));
    }

    /// Class: a response line of its own whose status is followed by the status's reason
    /// phrase before `in` and a duration (`Zeta 404 Not Found in 5ms (...)`): the status is
    /// the event, so responses of different statuses are different events. Generated with
    /// made-up verbs; must not fire on a count followed by a capitalised word that is not the
    /// status's phrase, nor on a phrase of another status.
    #[test]
    fn a_status_with_its_reason_phrase_is_a_response_status() {
        let statuses = [
            ("200", "OK"),
            ("201", "Created"),
            ("304", "Not Modified"),
            ("404", "Not Found"),
            ("422", "Unprocessable Entity"),
            ("500", "Internal Server Error"),
            ("503", "Service Unavailable"),
        ];
        let mut seen = std::collections::BTreeSet::new();
        for verb in ["Zeta", "Quorbled", "Finished"] {
            for (st, phrase) in statuses {
                let a = masked(&format!(
                    "{verb} {st} {phrase} in 12ms (Omni: 3.1ms | Vex: 0.4ms)"
                ));
                let b = masked(&format!(
                    "{verb} {st} {phrase} in 977ms (Omni: 40.2ms | Vex: 9.0ms)"
                ));
                assert_eq!(a, b);
                assert!(a.starts_with(&format!("{verb} {st} {phrase} in ")), "{a}");
                seen.insert(a);
            }
        }
        assert_eq!(seen.len(), 3 * statuses.len());
        // Must not fire: a count and what it counts, a phrase that is not the status's own.
        assert_eq!(
            masked("Zeta 200 Widgets in 12ms"),
            masked("Zeta 350 Widgets in 12ms")
        );
        assert_eq!(masked("Zeta 404 OK in 12ms"), masked("Zeta 405 OK in 12ms"));
    }

    /// Class: a request line written as `|`-fenced columns with the status in a column
    /// before the request (`| 404 |  1.2ms | 10.0.0.5 | GET "/v2/boxes/7"`): the status, the
    /// method and the route are the event, the other columns variables. Generated with
    /// made-up routes and column contents; must not fire on a table row that names no
    /// request, on a number not fenced on both sides, nor on a method word in prose.
    #[test]
    fn a_status_column_before_the_request_is_part_of_the_event() {
        let line = |st: &str, dur: &str, ip: &str, m: &str, p: &str| {
            format!("| {st} | {dur:>12} | {ip:>15} | {m:<7} \"{p}\"")
        };
        let mut seen = std::collections::BTreeSet::new();
        for st in ["200", "201", "404", "500"] {
            for (m, p) in [
                ("GET", "/v2/boxes/42"),
                ("POST", "/v2/lids"),
                ("GET", "https://alpha.test/v2/lids"),
            ] {
                let a = masked(&line(st, "1.234ms", "10.0.0.5", m, p));
                let b = masked(&line(
                    st,
                    "87.1µs",
                    "192.168.17.200",
                    m,
                    &p.replace("42", "917"),
                ));
                assert_eq!(a, b);
                assert!(a.starts_with(&format!("| {st} | ")), "{a}");
                seen.insert(a);
            }
        }
        assert_eq!(seen.len(), 12);
        // Must not fire: a table row with no request, a number fenced on one side only, a
        // method word not before a target.
        assert_eq!(masked("| 200 | 35 | zorp |"), masked("| 404 | 35 | zorp |"));
        assert_eq!(
            masked("| 200 quibbles | GET \"/v2/boxes\""),
            masked("| 404 quibbles | GET \"/v2/boxes\"")
        );
        assert_eq!(
            masked("| 200 | failed to GET lock"),
            masked("| 404 | failed to GET lock")
        );
        assert_eq!(
            masked("sent 200 bytes | GET \"/v2/boxes\""),
            masked("sent 350 bytes | GET \"/v2/boxes\"")
        );
    }

    /// Class: the same columns when a header in another style took the fence before the
    /// status with it, so the status column opens the message (`404 |  1.2ms | 10.0.0.5 |
    /// GET "/v2/boxes/7"`). Generated, made-up routes; must not fire on a table row that
    /// names no request, nor on a leading number not fenced after it.
    #[test]
    fn a_status_column_opening_the_message_is_part_of_the_event() {
        let line = |st: &str, dur: &str, ip: &str, p: &str| {
            format!("{st} | {dur:>12} | {ip:>15} | GET     \"{p}\"")
        };
        for st in ["200", "404"] {
            let a = masked(&line(st, "1.234ms", "10.0.0.5", "/v2/boxes/42"));
            let b = masked(&line(st, "87.1µs", "192.168.17.200", "/v2/boxes/917"));
            assert_eq!(a, b);
            assert!(a.starts_with(&format!("{st} | ")), "{a}");
        }
        assert_ne!(
            masked(&line("200", "1ms", "10.0.0.5", "/v2/lids")),
            masked(&line("500", "1ms", "10.0.0.5", "/v2/lids"))
        );
        // Must not fire: no request in the row, or no fence after the number.
        assert_eq!(masked("200 | 35 | zorp |"), masked("404 | 35 | zorp |"));
        assert_eq!(
            masked("200 quibbles | GET \"/v2/boxes\""),
            masked("404 quibbles | GET \"/v2/boxes\"")
        );
    }

    /// Class: after a request line's status, `-` stands for a missing value (a size, a time)
    /// and reads as the value it stands for.
    #[test]
    fn a_dash_after_the_status_is_a_missing_value() {
        assert_eq!(
            masked(r#""GET /box HTTP/1.1" 304 - 0.004s"#),
            masked(r#""GET /box HTTP/1.1" 304 1234 0.004s"#)
        );
        // Elsewhere a dash is a word of the message.
        assert_eq!(masked("start - stop"), "start - stop");
    }

    /// Class: a request a message reports in its own words (a bare method after other
    /// words, then a path, a quoted path or an absolute URL, and maybe the status a few
    /// words later): method, route and status are the event; ids, query values, the host and
    /// durations are variables. Enumerated: phrasings x route shapes x statuses.
    #[test]
    fn a_request_reported_in_a_message_keeps_method_route_and_status() {
        // `{m}` method, `{p}` target, `{s}` status, `{t}` a duration.
        let phrasings = [
            ("box served {m} {p} replied {s} in {t} ms", true),
            ("box call {m} {p} done, status {s}", true),
            ("box call {m} {p} - {s}", true),
            ("box opened {m} \"{p}\" for {t}", false),
            ("box sending request {m} {p}", false),
            // A dash between the method and its target is a separator.
            ("box done: {m} - {p} in {t} ms", false),
        ];
        // (route as written with `{i}` an id, route template).
        let routes = [
            ("/v2/boxes", "/v2/boxes"),
            ("/v2/boxes/{i}", "/v2/boxes/<*>"),
            ("/v2/boxes/{i}/lid", "/v2/boxes/<*>/lid"),
            ("/v2/boxes?since={i}", "/v2/boxes?since=<*>"),
            ("https://alpha{i}.test/v2/boxes", "https://<*>/v2/boxes"),
        ];
        let statuses = ["200", "201", "404", "500"];
        let fill = |p: &str, m: &str, r: &str, s: &str, i: &str| {
            p.replace("{p}", &r.replace("{i}", i))
                .replace("{m}", m)
                .replace("{s}", s)
                .replace("{t}", &format!("1{i}.5"))
        };
        let mut failures = Vec::new();
        for (phrasing, has_status) in phrasings {
            for (route, template) in routes {
                for status in statuses {
                    let a = masked(&fill(phrasing, "GET", route, status, "42"));
                    let b = masked(&fill(phrasing, "GET", route, status, "917"));
                    let other_method = masked(&fill(phrasing, "POST", route, status, "42"));
                    let other_status = masked(&fill(phrasing, "GET", route, "503", "42"));
                    let ok = a == b
                        && a.contains(template)
                        && a.contains("GET ")
                        && a != other_method
                        && (!has_status || (a.contains(status) && a != other_status));
                    if !ok {
                        failures.push(format!("{phrasing} | {route} | {status}: {a}"));
                    }
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        // Not a status: a count with its unit after it.
        assert_eq!(
            masked("box call GET /v2/boxes took 200 ms"),
            masked("box call GET /v2/boxes took 350 ms")
        );
        // A request line copied into a message (its protocol, no status) is a variable, and
        // so is a request inside quoted text.
        assert_eq!(
            masked("bad target in request GET /v2/boxes/../x HTTP/1.1"),
            masked("bad target in request GET /v2/lids HTTP/1.1")
        );
        assert_eq!(
            masked(r#"box failed: "timed out. Message: GET https://a.test/v2/boxes""#),
            masked(r#"box failed: "timed out. Message: GET https://a.test/v2/lids""#)
        );
    }

    /// Class: a request whose target is followed by its status is a request line whatever
    /// words open the message; an absolute URL's host is a variable and its path the route,
    /// the status inside a quoted response stays.
    #[test]
    fn a_target_followed_by_its_status_is_a_request_line() {
        let m = masked(
            r#"call made: GET https://alpha.test/v2/boxes/42 "HTTP/1.1 503 Service Unavailable""#,
        );
        assert_eq!(
            m,
            r#"call made: GET https://<*>/v2/boxes/<*> "<*> 503 Service Unavailable""#
        );
        assert_ne!(
            m,
            masked(r#"call made: GET https://beta.test/v2/boxes/7 "HTTP/1.1 200 OK""#)
        );
        assert_eq!(
            masked("call made: POST /v2/boxes 201 12ms"),
            "call made: POST /v2/boxes 201 <*>"
        );
        // Without a status after it, a request inside a message stays one variable.
        assert_eq!(
            masked(r#"upstream closed, request: "GET /v2/boxes/9 HTTP/1.1", host: "a""#),
            masked(r#"upstream closed, request: "GET /v2/other HTTP/1.1", host: "b""#)
        );
        assert_eq!(http_anchor("https://<*>/v2/boxes"), HttpAnchor::AfterMethod);
    }

    /// Class: a request line whose target is quoted (`GET "/x/7"`, a method opening the
    /// message, a status or nothing after it): method and route are the event, ids in the
    /// route are variables; a quoted text that is no path after a method is left as it was.
    #[test]
    fn a_request_line_with_a_quoted_target_keeps_its_route() {
        assert_eq!(masked(r#"GET "/v2/boxes/42""#), r#"GET "/v2/boxes/<*>""#);
        assert_eq!(
            masked(r#"GET "/v2/boxes/42""#),
            masked(r#"GET "/v2/boxes/917""#)
        );
        assert_ne!(masked(r#"GET "/v2/boxes""#), masked(r#"GET "/v2/lids""#));
        assert_ne!(masked(r#"GET "/v2/boxes""#), masked(r#"POST "/v2/boxes""#));
        assert_eq!(
            masked(r#"POST "/v2/boxes?since=7" 201"#),
            r#"POST "/v2/boxes?since=<*>" 201"#
        );
        // Must not fire: a quoted word that is no path, a dash not before a target.
        assert_eq!(masked(r#"GET "alpha beta""#), r#"GET "alpha beta""#);
        assert_eq!(masked("box done: GET - later"), "box done: GET - later");
        assert!(status_follows(b" \"HTTP/1.1 404 Not Found\"") && !status_follows(b" ok"));
    }

    /// Class: an unquoted request line whose protocol is a bare version between the target
    /// and the status (`GET /v2/boxes 1.1 404 12 3456`, `2` for HTTP/2): the status is the
    /// event, the version, size and time are variables. Must not fire: a number after a
    /// target that is no version, or a version not followed by a status, keeps its old mask.
    #[test]
    fn a_bare_protocol_version_before_the_status_keeps_the_status() {
        assert_eq!(
            masked("GET /v2/boxes 1.1 404 12 3456"),
            "GET /v2/boxes <*> 404 <*>"
        );
        assert_eq!(
            masked("GET /v2/boxes 2 200 12 3456"),
            masked("GET /v2/boxes 1.1 200 977 12")
        );
        assert_ne!(
            masked("GET /v2/boxes 1.1 404 12 3456"),
            masked("GET /v2/boxes 1.1 200 12 3456")
        );
        assert_eq!(
            masked("DELETE /v2/boxes/7 1.1 204 - 3456"),
            "DELETE /v2/boxes/<*> <*> 204 <*>"
        );
        assert!(status_follows(b" 2 503") && !status_follows(b" 7 503"));
        // A list of versions stands where one version does.
        assert_eq!(
            masked("GET /v2/boxes 1.1,2 404 12,40 3456"),
            "GET /v2/boxes <*> 404 <*>"
        );
        assert!(status_follows(b" 1.1,2.0 503") && status_follows(b" 2,22 503"));
        // Must not fire: a count after the target, a version followed by no status, a list
        // opening with a count, holding a word or an empty item.
        assert!(!status_follows(b" 7,1.1 503") && !status_follows(b" 1.1, 503"));
        assert!(!status_follows(b" 1.1,a7 503"));
        assert_eq!(
            masked("GET /v2/boxes 17 404"),
            masked("GET /v2/boxes 17 200")
        );
        assert_eq!(
            masked("GET /v2/boxes 1.1 items"),
            masked("GET /v2/boxes 2 items")
        );
    }
}
