//! A request written the way a client library prints its request object: the method and the
//! URL inside angle brackets (`<GET https://host/v2/items/7>`), as a crawler or an HTTP
//! client logs what it fetched, often with the response's status in parentheses before it
//! (`Fetched (404) <GET https://host/v2/items/7> (referer: None)`). The method, the route
//! (the host is a variable, ids in the path and query values too) and the status are the
//! event, as in a request line.

use super::{absolute_path, is_http_method_word, is_http_status, mask_route, WILDCARD};

/// `<GET`: a method opening an angle bracket, the request's target next.
pub(in crate::log_digest) fn angle_method(tok: &[u8]) -> bool {
    tok.first() == Some(&b'<') && is_http_method_word(&tok[1..])
}

/// The target of an angle-bracketed request (see [`angle_method`]): an absolute URL or a
/// path closed by `>`. Writes the masked target (with the `>` and what follows it) and
/// returns `Some(false)`, or `None` (nothing written) when the token is no such target.
#[inline(never)] // rare (after `<METHOD`): kept out of the per-token loop
fn angle_target(tok: &[u8], out: &mut Vec<u8>) -> Option<bool> {
    let close = memchr::memrchr(b'>', tok)?;
    let inner = &tok[..close];
    let path_at = if inner.first() == Some(&b'/') {
        0
    } else {
        inner.len() - absolute_path(inner)?.len()
    };
    if path_at > 0 {
        let sep = memchr::memmem::find(inner, b"://").unwrap_or(0);
        out.extend_from_slice(&inner[..sep + 3]);
        out.extend_from_slice(WILDCARD.as_bytes());
    }
    mask_route(&inner[path_at..], out);
    out.extend_from_slice(&tok[close..]);
    Some(false)
}

/// `(404)`: a status (100 to 599) in parentheses in a message `b` that names an
/// angle-bracketed request (`<GET url>`): the response's status, part of the event. In a
/// message naming no request (`queue (200) full`) the number stays a variable.
#[inline(never)] // rare (a parenthesised three-digit token): kept out of the per-token loop
fn paren_status(tok: &[u8], b: &[u8]) -> bool {
    tok.len() == 5
        && tok[0] == b'('
        && tok[4] == b')'
        && is_http_status(&tok[1..4])
        && memchr::memchr_iter(b'<', b).any(|p| {
            let rest = &b[p..];
            let end = rest
                .iter()
                .position(u8::is_ascii_whitespace)
                .unwrap_or(rest.len());
            end < rest.len() && angle_method(&rest[..end])
        })
}

/// The token after `<METHOD` (`after_method`: its target, see [`angle_target`]) or a
/// parenthesised status (see [`paren_status`]): writes it and returns `Some(false)`, or
/// `None` (nothing written).
#[inline(never)] // rare (after `<METHOD`, or a token opening with `(`)
pub(in crate::log_digest) fn angle_token(
    after_method: bool,
    tok: &[u8],
    b: &[u8],
    out: &mut Vec<u8>,
) -> Option<bool> {
    if after_method {
        return angle_target(tok, out);
    }
    paren_status(tok, b).then(|| out.extend_from_slice(tok))?;
    Some(false)
}

#[cfg(test)]
mod tests {
    use super::super::super::mask::masked;

    /// Class: a request in angle brackets (`<VERB url>`, a client's request object printed)
    /// with its status in parentheses before it: the method, the route and the status are the
    /// event; the host, ids and query values are variables. Generated with made-up words
    /// and routes. Must not fire: a parenthesised number in a message that names no request,
    /// an angle-bracketed word that is no method, `GET` as a plain word.
    #[test]
    fn an_angle_bracketed_request_keeps_method_route_and_status() {
        let line = |st: u16, id: u32, m: &str, route: &str| {
            format!(
                "Fetchled ({st}) <{m} https://h{}.example.test/{route}/{id}?pg={}> (refz: {})",
                id % 3,
                id % 9,
                if id % 2 == 0 {
                    "None"
                } else {
                    "https://x.example.test/"
                }
            )
        };
        let mut seen = std::collections::BTreeSet::new();
        for st in [200u16, 301, 404, 500] {
            for m in ["GET", "POST"] {
                for route in ["vorp/tiles", "quazz"] {
                    let a = masked(&line(st, 1234, m, route));
                    let b = masked(&line(st, 98_760, m, route));
                    assert_eq!(a, b, "ids, hosts and query values are variables");
                    assert!(a.contains(&format!("({st}) <{m} ")), "{a}");
                    assert!(a.contains(&format!("/{route}/<*>?pg=<*>>")), "{a}");
                    seen.insert(a);
                }
            }
        }
        assert_eq!(seen.len(), 16, "{seen:?}");
        // Must not fire.
        assert_eq!(
            masked("vat queue (200) full"),
            masked("vat queue (404) full")
        );
        assert_eq!(
            masked("Fetchled (200) <Zorb https://h.example.test/vorp/1>"),
            masked("Fetchled (404) <Zorb https://h.example.test/vorp/2>")
        );
        assert_eq!(
            masked("GET (200) from the vat"),
            masked("GET (404) from the vat")
        );
    }
}
