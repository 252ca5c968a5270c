//! Request lines whose status is not written right after the request: a whole quoted request
//! line (`"GET /x HTTP/1.1"`, the method and the protocol inside one pair of quotes) in a
//! message that writes the response's status elsewhere, before the request (`... 0/0/1/2/3
//! 200 512 - - ---- "GET /x HTTP/1.1"`) or after other fields (`"GET http://host/x HTTP/1.1"
//! from 10.0.0.5:5678 - 200 512B in 34µs`). Such a message is an access line: the method, the
//! route and the status are its event, as when the status follows the request.

use super::{
    is_http_method_word, is_http_status, reported_status, status_follows, target_with_status,
    WILDCARD,
};

/// Where a whole quoted request line stands in `b`: from its opening quote to past its
/// closing one. A method, one space, a target (no blank in it), one space, `HTTP/` and a
/// version, all inside one pair of quotes.
fn whole_request_line(b: &[u8]) -> Option<(usize, usize)> {
    for p in memchr::memmem::find_iter(b, b"HTTP/") {
        let end = p + b[p..]
            .iter()
            .position(|&c| c == b'"' || c.is_ascii_whitespace())
            .unwrap_or(b.len() - p);
        if b.get(end) != Some(&b'"') || p < 2 || b[p - 1] != b' ' {
            continue;
        }
        let Some(q) = memchr::memrchr(b'"', &b[..p]) else {
            continue;
        };
        let inner = &b[q + 1..p - 1];
        let Some(sp) = memchr::memchr(b' ', inner) else {
            continue;
        };
        let target = &inner[sp + 1..];
        if is_http_method_word(&inner[..sp])
            && !target.is_empty()
            && !target.iter().any(u8::is_ascii_whitespace)
        {
            return Some((q, end + 1));
        }
    }
    None
}

/// The status of a whole quoted request line written apart from it: where (a byte offset of
/// `b`) the first token of the message outside the request line that is a status (100 to 599,
/// three digits standing alone, not the count of a unit after it: `512 bytes`) starts.
/// `None` when the message holds no whole quoted request line, when its status follows it
/// (the request-line rules keep that one), or when no token is a status. A number after a
/// label (`status: 200`) is a `key: value` field's value, left to the rules of fields: only
/// a status that its place alone names is taken here.
///
/// A request copied into a message as one of its fields with no status (`... while reading
/// upstream, request: "GET /x HTTP/1.1"`) gets `None`: its target stays a variable.
pub(in crate::log_digest) fn status_apart(b: &[u8]) -> Option<usize> {
    let (open, close) = whole_request_line(b)?;
    if status_follows(&b[close..]) {
        return None;
    }
    let mut end = 0;
    let mut labelled = false;
    while end < b.len() {
        let start = end
            + b[end..]
                .iter()
                .take_while(|c| c.is_ascii_whitespace())
                .count();
        end = start
            + b[start..]
                .iter()
                .position(u8::is_ascii_whitespace)
                .unwrap_or(b.len() - start);
        if start == end || (open..close).contains(&start) {
            continue;
        }
        let tok = &b[start..end];
        if !labelled && is_http_status(tok) && reported_status(tok, &b[end..]) {
            return Some(start);
        }
        labelled = tok.ends_with(b":");
    }
    None
}

/// Where the status of a whole quoted request line written apart from it stands in one
/// message ([`status_apart`]), asked once per message and only when needed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(in crate::log_digest) enum Apart {
    Unasked,
    Nowhere,
    At(usize),
}

impl Apart {
    /// The status's offset in `b`, the message this was first asked of.
    pub(in crate::log_digest) fn at(&mut self, b: &[u8]) -> Option<usize> {
        if *self == Apart::Unasked {
            *self = status_apart(b).map_or(Apart::Nowhere, Apart::At);
        }
        match *self {
            Apart::At(s) => Some(s),
            _ => None,
        }
    }
}

/// The tokens a request line's state gives a meaning of its own (kept out of
/// `mask_into`'s loop): a request followed by its status is a request line, whatever words
/// open the message (`HTTP Request: GET https://host/v2/x "HTTP/1.1 200 OK"`); after a request
/// line's status, `-` is a missing value (a size, a time). Returns whether the token written
/// is a variable and the state after it, or `None` (nothing written).
#[inline(never)]
pub(in crate::log_digest) fn after_request(
    state: u8,
    tok: &[u8],
    (b, i): (&[u8], usize),
    apart: &mut Apart,
    out: &mut Vec<u8>,
) -> Option<(bool, u8)> {
    let after = &b[i..];
    match state {
        1 | 4 => target_with_status(tok, after, || apart.at(b).is_some(), out).map(|w| (w, 2)),
        5 if tok == b"-" => {
            out.extend_from_slice(WILDCARD.as_bytes());
            Some((true, 5))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::mask::masked;
    use super::*;

    /// Class: a whole quoted request line (`"METHOD target PROTO"`) whose status stands apart
    /// from it, before the request or after other fields: the status and the route are the
    /// event. Generated with made-up routes, fields and words. Must not fire: a request
    /// copied into a message with no status (its target stays a variable), a count with its
    /// unit, `returned 200 rows` with no request line, `GET` as a plain word.
    #[test]
    fn a_status_apart_from_a_whole_quoted_request_line_is_its_status() {
        let before = |st: u16, id: u32, route: &str| {
            format!(
                "10.4.{}.9:{} zorb-in pool/n{} 0/0/1/{}/7 {st} {} - - ---- 1/1/0/0/0 0/0 \"GET /{route}/{id} HTTP/1.1\"",
                id % 200,
                40_000 + id,
                id % 3,
                id % 90,
                900 + id
            )
        };
        let after = |st: u16, id: u32, route: &str| {
            format!(
                "\"PUT http://h{}.example.test/{route}/{id} HTTP/1.1\" from 10.0.0.{}:{} - {st} {}B in {}.5ms",
                id % 4,
                id % 250,
                30_000 + id,
                100 + id,
                id % 77
            )
        };
        for form in [before, after] {
            let mut seen = std::collections::BTreeSet::new();
            for st in [200u16, 404, 503] {
                for route in ["quill/vats", "brom"] {
                    let a = masked(&form(st, 1234, route));
                    let b = masked(&form(st, 98_765, route));
                    assert_eq!(a, b, "ids are variables");
                    assert!(a.contains(&format!(" {st} ")), "{a}");
                    assert!(a.contains(&format!("/{route}/<*>")), "{a}");
                    seen.insert(a);
                }
            }
            assert_eq!(seen.len(), 6, "{seen:?}");
        }
        // Must not fire: a request field with no status, a count, a method word.
        let field = masked(
            "upstream stalled while fetching, client: 10.0.0.1, request: \"GET /quill/77 HTTP/1.1\", tries 3",
        );
        assert!(!field.contains("/quill"), "{field}");
        assert_eq!(
            status_apart(b"sent 404 bytes for \"GET /a/1 HTTP/1.1\""),
            None
        );
        assert_eq!(
            masked("zorbing returned 200 rows in 5 ms"),
            masked("zorbing returned 512 rows in 5 ms")
        );
        assert_eq!(
            masked("GET 200 items from the vat"),
            masked("GET 404 items from the vat")
        );
        // A labelled value is a field's (`key: value` rules), not taken here.
        assert_eq!(
            status_apart(b"10.0.0.1 \"GET /a/1 HTTP/1.1\" zorb: 200 len: 5"),
            None
        );
        // The status right after the request is the request-line rules' own.
        assert_eq!(status_apart(b"\"GET /a/1 HTTP/1.1\" 200 512 303"), None);
    }
}
