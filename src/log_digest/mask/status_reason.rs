//! An HTTP status written with its reason phrase inside a message (`fetch returned 404 Not
//! Found`, `upstream=503 Service Unavailable,`): the phrase is a function of the code, so
//! both are one variable. Without this the code is masked and its reason kept, and one event
//! splits into a template per status. The phrases are the protocol's own (RFC 9110 §15),
//! matched case-insensitively (`NOT FOUND` from a status enum's name with blanks).
//!
//! Only a masked code after a word or a key takes its reason with it. A status that opens
//! the message (after ids and brackets only: `[4bb4cc4d] 201 Created (0.11s, 187/s)`) is a
//! response line's, part of the event, and so is one after a request line (kept by the
//! masker before this is asked): they keep their reason as words, which tells them apart.

use super::super::http::is_http_status;

/// Reason phrases of HTTP statuses, the protocol's vocabulary (not any log's).
const REASONS: &[&[u8]] = &[
    b"OK",
    b"Created",
    b"Accepted",
    b"No Content",
    b"Partial Content",
    b"Moved Permanently",
    b"Found",
    b"See Other",
    b"Not Modified",
    b"Temporary Redirect",
    b"Permanent Redirect",
    b"Bad Request",
    b"Unauthorized",
    b"Payment Required",
    b"Forbidden",
    b"Not Found",
    b"Method Not Allowed",
    b"Not Acceptable",
    b"Request Timeout",
    b"Conflict",
    b"Gone",
    b"Length Required",
    b"Precondition Failed",
    b"Payload Too Large",
    b"Content Too Large",
    b"URI Too Long",
    b"Unsupported Media Type",
    b"Range Not Satisfiable",
    b"Expectation Failed",
    b"Misdirected Request",
    b"Unprocessable Entity",
    b"Unprocessable Content",
    b"Too Early",
    b"Upgrade Required",
    b"Precondition Required",
    b"Too Many Requests",
    b"Request Header Fields Too Large",
    b"Internal Server Error",
    b"Not Implemented",
    b"Bad Gateway",
    b"Service Unavailable",
    b"Gateway Timeout",
];

/// When `tok` (a masked token) ends in an HTTP status code, as a `key=`/`key:` value or alone
/// after a word (`after_words`), and `rest` (the text after it) opens with a reason phrase:
/// how many bytes of `rest` the phrase takes, up to the punctuation glued after it (which
/// stays).
pub(super) fn reason_after_status(tok: &[u8], after_words: bool, rest: &[u8]) -> Option<usize> {
    let key_end = tok.iter().rposition(|&c| c == b'=' || c == b':');
    let code = key_end.map_or(tok, |e| &tok[e + 1..]);
    if (key_end.is_none() && !after_words) || !is_http_status(code) || rest.first() != Some(&b' ') {
        return None;
    }
    let r = &rest[1..];
    REASONS.iter().find_map(|p| {
        let head = r.get(..p.len())?;
        let boundary = r.get(p.len()).is_none_or(|&c| {
            c.is_ascii_whitespace() || matches!(c, b',' | b';' | b'.' | b')' | b']' | b'"' | b'\'')
        });
        (head.eq_ignore_ascii_case(p) && boundary).then_some(1 + p.len())
    })
}

/// The masker's step past a status's reason phrase ([`reason_after_status`]): `i` is where
/// `tok` ends in `b`; returns where masking goes on, after the phrase, with the punctuation
/// glued to it copied to `out` (after the code's wildcard).
#[cold]
#[inline(never)]
pub(super) fn take_reason(
    tok: &[u8],
    after_words: bool,
    b: &[u8],
    i: usize,
    out: &mut Vec<u8>,
) -> usize {
    let Some(k) = reason_after_status(tok, after_words, &b[i..]) else {
        return i;
    };
    let from = i + k;
    let end = b[from..]
        .iter()
        .position(u8::is_ascii_whitespace)
        .map_or(b.len(), |p| from + p);
    out.extend_from_slice(&b[from..end]);
    end
}

#[cfg(test)]
mod tests {
    use super::super::masked;

    #[test]
    fn a_masked_status_takes_its_reason_phrase() {
        for (line, want) in [
            ("flarn quibbed 404 Not Found", "flarn quibbed <*>"),
            (
                "flarn quibbed 503 Service Unavailable the snorvel",
                "flarn quibbed <*> the snorvel",
            ),
            (
                "trunde=429 Too Many Requests, flarn quibbed",
                "trunde=<*>, flarn quibbed",
            ),
            (
                "flarn quibbed 500 INTERNAL SERVER ERROR",
                "flarn quibbed <*>",
            ),
        ] {
            assert_eq!(masked(line), want, "{line}");
        }
    }

    #[test]
    fn other_numbers_and_words_after_a_status_stay() {
        for (line, want) in [
            // Not a status code: the words are the message's.
            ("flarn moved 700 Not Found", "flarn moved <*> Not Found"),
            ("flarn moved 4040 Not Found", "flarn moved <*> Not Found"),
            // Not a reason phrase, or one word of it glued to more letters.
            (
                "flarn quibbed 404 zorbex snorvel",
                "flarn quibbed <*> zorbex snorvel",
            ),
            ("flarn quibbed 404 Foundry", "flarn quibbed <*> Foundry"),
            (
                "flarn quibbed 404 Not Foundling",
                "flarn quibbed <*> Not Foundling",
            ),
        ] {
            assert_eq!(masked(line), want, "{line}");
        }
        // A status that is part of the event (opening a response line, after a request line)
        // keeps its reason.
        assert_eq!(
            masked("201 Created (0.11s, 187/s)"),
            "<*> Created (<*>, <*>)"
        );
        assert_eq!(
            masked("[4bb4cc4d] 404 Not Found (0.11s, 187/s)"),
            "[<*>] <*> Not Found (<*>, <*>)"
        );
        let req = "10.0.0.2 - \"GET /zorbs HTTP/1.1\" 404 Not Found";
        assert!(masked(req).ends_with("404 Not Found"), "{}", masked(req));
    }
}
