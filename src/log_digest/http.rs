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

/// Keys whose value is a request target (logfmt and `key=value` request records).
pub(super) fn is_route_key(k: &[u8]) -> bool {
    [&b"path"[..], b"url", b"uri", b"route", b"endpoint"]
        .iter()
        .any(|w| w.eq_ignore_ascii_case(k))
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

/// Whether the text after a request target (`after`, from the byte after it) goes on with the
/// response's status, directly or after the protocol (`200 12ms`, `HTTP/1.1 200`,
/// `"HTTP/1.1 200 OK"`): the request is then a request line, whatever words come before it.
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
        if core.starts_with(b"HTTP/") {
            rest = &rest[end..];
            continue;
        }
        let core = core.strip_suffix(b",").unwrap_or(core);
        return is_http_status(core.strip_suffix(b"\"").unwrap_or(core));
    }
    false
}

/// A request target followed by its status (see [`status_follows`]): a path, or an absolute
/// URL whose host is a variable and whose path is a route (`https://<*>/v2/items/<*>`).
/// Writes the masked target and returns `Some(false)`, or `None` (nothing written). Kept out
/// of [`super::mask::mask_into`]'s loop: it runs only after a method word.
#[inline(never)]
pub(super) fn target_with_status(tok: &[u8], after: &[u8], out: &mut Vec<u8>) -> Option<bool> {
    let path_at = if tok[0] == b'/' {
        0
    } else {
        tok.len() - absolute_path(tok)?.len()
    };
    if !status_follows(after) {
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
    if is_http_status(core) || (keyed && route) {
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
        assert!(status_follows(b" \"HTTP/1.1 404 Not Found\"") && !status_follows(b" ok"));
    }
}
