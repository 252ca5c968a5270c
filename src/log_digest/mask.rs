//! Variable recognition: the parts of a message that are variables (numbers, hex, ids, IPs,
//! host:port, paths, URLs, UUIDs, block ids, durations, sizes, quoted strings, key=value
//! values) become `<*>`.
//!
//! Rules, per whitespace-separated token:
//! - a URL (`…://…`), a path (`/a/b`, `./a/b`, `C:\…`) or a quoted string is one `<*>`
//!   (a quoted string may span spaces: `tag="View Lock"` → `tag="<*>"`);
//! - otherwise the token is cut at punctuation (`= , : ; ( ) [ ] { } < > | '`) and every piece
//!   holding a digit becomes `<*>`: `uid=10037,` → `uid=<*>,`, `blk_-1608` → `<*>`,
//!   `10.0.0.1:5432` → `<*>` (wildcards joined only by `.:/-_@` merge into one);
//! - runs of whole-token wildcards collapse into one `<*>`, so variable-length lists
//!   (`@0x7fe @0x7ff …`) do not change a template's length.

use super::http::{
    after_request, bare_version_then_status, column_status, compound_request_key, compound_word,
    copied_request_line, has_letter_outside_wildcards, in_quote, is_http_method, is_http_status,
    is_request_record, is_route_key, is_status_key, mask_route, reported_status, reported_target,
    response_status, route_before_method, Apart, STATUS_WINDOW,
};
pub use super::http::{field_key, http_anchor, is_method_token, HttpAnchor};
pub(super) use names::{keyed_name, quoted_name};
pub(super) use number_words::is_unit;
use number_words::{date_word_in_date, paren_restatement};
use pairs::{value_words_before_pair, whole_value_then_word};
use spans::{
    bracketed_free_text, call_args, is_exception_type, object_span, spanning_value, write_call_args,
};

mod names;
mod number_words;
mod opaque;
mod pairs;
mod spans;
mod status_reason;
#[cfg(test)]
mod value_matrix;
#[cfg(test)]
mod value_shapes2_matrix;

/// The placeholder written for a variable part of a template.
pub const WILDCARD: &str = "<*>";

const WS: u8 = 1;
const DIGIT: u8 = 2;
const DELIM: u8 = 4;
const JOINER: u8 = 8;
const PATH: u8 = 16;
const QUOTE: u8 = 32;
const EQ: u8 = 64;
const PAREN: u8 = 128;

/// Byte classes, so each byte costs one table lookup.
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        let mut k = 0;
        if b.is_ascii_whitespace() {
            k |= WS;
        }
        if b.is_ascii_digit() {
            k |= DIGIT;
        }
        if matches!(
            b,
            b'=' | b','
                | b':'
                | b';'
                | b'('
                | b')'
                | b'['
                | b']'
                | b'{'
                | b'}'
                | b'<'
                | b'>'
                | b'|'
                | b'\''
                | b'"'
        ) {
            k |= DELIM;
        }
        if matches!(b, b'.' | b':' | b'/' | b'-' | b'_' | b'@' | b'#') {
            k |= JOINER;
        }
        if matches!(b, b'/' | b'\\') {
            k |= PATH;
        }
        if b == b'"' {
            k |= QUOTE;
        }
        if b == b'=' {
            k |= EQ;
        }
        if b == b'(' {
            k |= PAREN;
        }
        t[c] = k;
        c += 1;
    }
    t
};

#[inline]
fn class(c: u8) -> u8 {
    CLASS[c as usize]
}

fn whole_token_variable(b: &[u8]) -> bool {
    if b.len() >= 2 && (b[0] == b'/' || b[0] == b'~' || b[0] == b'.') && b[1..].contains(&b'/') {
        // A path, unless it is a fraction such as `3/4` (handled by digits anyway).
        return memchr::memchr_iter(b'/', b).count() >= 2 || b[0] == b'/';
    }
    if memchr::memmem::find(b, b"://").is_some() {
        return true;
    }
    b.len() >= 3 && b[1] == b':' && b[2] == b'\\' && b[0].is_ascii_alphabetic()
}

/// A relative file path with an extension at the start of a token (`tests/test_api.py` in
/// `tests/test_api.py::test_x` or `src/a/b.rs:12:`): the length of that path.
fn relative_file_path(b: &[u8]) -> Option<usize> {
    let end = b
        .iter()
        .position(|&c| !(c.is_ascii_alphanumeric() || matches!(c, b'/' | b'.' | b'_' | b'-')))
        .unwrap_or(b.len());
    let path = &b[..end];
    let slash = memchr::memrchr(b'/', path)?;
    if slash == 0 || path.contains(&b'\\') {
        return None;
    }
    let name = &path[slash + 1..];
    let dot = memchr::memrchr(b'.', name)?;
    let ext = &name[dot + 1..];
    (dot > 0 && (1..=5).contains(&ext.len()) && ext.iter().all(u8::is_ascii_alphabetic))
        .then_some(end)
}

/// `key=value` with an identifier key and a plain value: where the value starts.
fn key_value(tok: &[u8]) -> Option<usize> {
    let eq = memchr::memchr(b'=', tok)?;
    // An opening bracket glued to the key is punctuation (`(uid=0)`, `[mode=fast]`).
    let open = usize::from(matches!(tok[0], b'(' | b'['));
    let key = &tok[open..eq];
    let value = &tok[eq + 1..];
    let key_ok = key.first().is_some_and(u8::is_ascii_alphabetic)
        && key
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'));
    // A request target may carry a query (`path=/x?since=5`).
    let value_ok = value.first().is_some_and(|&c| {
        c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'/' | b':')
    }) && (!value.contains(&b'=') || value[0] == b'/');
    (key_ok && value_ok).then_some(eq + 1)
}

/// Writes the masked form of one token (no whitespace inside) to `out`. Returns true when the
/// whole token became one wildcard.
fn mask_token(tok: &[u8], out: &mut Vec<u8>) -> bool {
    let flags = tok.iter().fold(0u8, |f, &c| f | class(c));
    mask_token_with(tok, flags, true, out)
}

/// [`mask_token`] with the OR of the token's byte classes already known; `routes`: whether a
/// keyed `/…` value is a request target ([`is_request_record`]).
#[inline]
fn mask_token_with(tok: &[u8], flags: u8, routes: bool, out: &mut Vec<u8>) -> bool {
    if flags & EQ != 0 {
        if let Some((from, to)) = opaque::padded_base64(tok) {
            out.extend_from_slice(&tok[..from]);
            out.extend_from_slice(WILDCARD.as_bytes());
            out.extend_from_slice(&tok[to..]);
            return from == 0 && to == tok.len();
        }
        if let Some(value_at) = key_value(tok) {
            let (key, value) = (&tok[..value_at - 1], &tok[value_at..]);
            if routes && is_route_key(key) && value[0] == b'/' {
                out.extend_from_slice(&tok[..value_at]);
                mask_route(value, out);
                return false;
            }
            let core = value
                .iter()
                .rposition(|&c| !matches!(c, b',' | b';'))
                .map_or(value, |e| &value[..=e]);
            let word = compound_word(key).filter(|_| routes).unwrap_or(key);
            if ((is_status_key(key) || word.eq_ignore_ascii_case(b"status"))
                && is_http_status(core))
                || (word.eq_ignore_ascii_case(b"method") && is_http_method(core))
            {
                out.extend_from_slice(tok);
                return false;
            }
            // A compound or camel-case name (`logger=jobs.sweep_queue`, `client=auth.by-token`,
            // `class=GearTurner`) may name a
            // kind of source or work: it keeps its text, and the miner judges it as it does
            // a quoted name (a few recurring names are the event's; a family or many are not).
            if names::keyed_name(core).is_some() {
                out.extend_from_slice(tok);
                return false;
            }
            // Any other value of `key=value` is a variable whatever it looks like (`side=buy`).
            let end = tok
                .iter()
                .rposition(|&c| !matches!(c, b',' | b';' | b')' | b']' | b'}'))
                .map_or(tok.len(), |e| e + 1);
            out.extend_from_slice(&tok[..value_at]);
            out.extend_from_slice(WILDCARD.as_bytes());
            out.extend_from_slice(&tok[end.max(value_at)..]);
            return false;
        }
    }
    if flags & (DIGIT | PATH) == 0 {
        out.extend_from_slice(tok);
        return false;
    }
    if flags & PATH != 0 {
        if whole_token_variable(tok) {
            out.extend_from_slice(WILDCARD.as_bytes());
            return true;
        }
        if let Some(end) = relative_file_path(tok) {
            out.extend_from_slice(WILDCARD.as_bytes());
            if tok[end..].starts_with(b"::") {
                // A test id (`tests/a.py::test_x[3-buy]`, `a.py::Class::test`) is one
                // variable: the file, the test's name and its parameters.
                return true;
            }
            if end < tok.len() {
                mask_token(&tok[end..], out);
            }
            return end == tok.len();
        }
    }
    if flags & DIGIT == 0 {
        out.extend_from_slice(tok);
        return false;
    }
    if tok[0] == b'\'' {
        // A quoted kind-of-work name with its instance number (`'fetch_rows-3'`) keeps its
        // name (see `names`); what is glued after the closing quote is masked as usual.
        if let Some(c) = memchr::memchr(b'\'', &tok[1..]) {
            if names::write_quoted_name(b'\'', &tok[1..=c], out) {
                if c + 2 < tok.len() {
                    mask_token(&tok[c + 2..], out);
                }
                return false;
            }
        }
    }
    if flags & DELIM == 0 {
        // No punctuation cuts the token: it is one piece holding a digit, one wildcard (a
        // comparison before it, `~3`, is part of it), unless it is a qualified code name.
        let name = names::code_name_piece(tok);
        out.extend_from_slice(if name { tok } else { WILDCARD.as_bytes() });
        return !name;
    }
    let start = out.len();
    // A comparison before a number (`<1`, `>=5`, `~3`) is part of it.
    let mut i = tok
        .iter()
        .position(|c| !matches!(c, b'<' | b'>' | b'=' | b'~'))
        .filter(|&p| p > 0 && tok[p].is_ascii_digit())
        .unwrap_or(0);
    // Position in `out` right after the last wildcard written, to merge `<*>.<*>` into `<*>`.
    let mut last_wild_end: Option<usize> = None;
    while i < tok.len() {
        if class(tok[i]) & DELIM != 0 {
            out.push(tok[i]);
            i += 1;
            continue;
        }
        let s = i;
        let mut digit = false;
        while i < tok.len() {
            let k = class(tok[i]);
            if k & DELIM != 0 {
                break;
            }
            digit |= k & DIGIT != 0;
            i += 1;
        }
        if digit && names::code_name_piece(&tok[s..i]) {
            out.extend_from_slice(&tok[s..i]);
        } else if digit {
            // Merge with a previous wildcard when only joiners lie between; a comma list of
            // variables (`3,17,4`, `10.0.0.1,10.0.0.2`) is one variable (failure class 5).
            if let Some(e) = last_wild_end {
                if out[e..]
                    .iter()
                    .all(|&c| class(c) & JOINER != 0 || c == b',')
                {
                    out.truncate(e);
                    continue;
                }
            }
            out.extend_from_slice(WILDCARD.as_bytes());
            last_wild_end = Some(out.len());
        } else {
            out.extend_from_slice(&tok[s..i]);
        }
    }
    // `10.1.2.3:80` style tokens end up as `<*>`; report whole-token wildcards for collapsing.
    &out[start..] == WILDCARD.as_bytes()
}

/// Where the blanks from `i` end. Kept out of [`mask_into`]'s body: inlined there, its
/// counter shared the registers of the whole token loop and cost some twenty instructions a
/// blank (callgrind); alone it is a tight loop.
#[inline(never)]
fn skip_blanks(b: &[u8], i: usize) -> usize {
    i + b[i..].iter().take_while(|&&c| class(c) & WS != 0).count()
}

/// From `i`, where the run of bytes that are neither a blank nor a quote ends, and the OR of
/// their classes: the byte loop of [`mask_into`], out of its body for the reason given at
/// [`skip_blanks`] (about nineteen instructions a byte inlined, five alone).
///
/// Four bytes are read at a time while none of them ends the run (one test for the four,
/// about half the instructions a byte of a long token); the four that hold the end are read
/// one by one.
#[inline(never)]
fn plain_run(b: &[u8], i: usize) -> (usize, u8) {
    let mut flags = 0u8;
    let mut at = i;
    while let Some(q) = b.get(at..at + 4) {
        let k = class(q[0]) | class(q[1]) | class(q[2]) | class(q[3]);
        if k & (WS | QUOTE) != 0 {
            break;
        }
        flags |= k;
        at += 4;
    }
    for (j, &c) in b[at..].iter().enumerate() {
        let k = class(c);
        if k & (WS | QUOTE) != 0 {
            return (at + j, flags);
        }
        flags |= k;
    }
    (b.len(), flags)
}

/// The request-line state after `tok` (see [`mask_into`]'s `http`): 0 unless it is an HTTP
/// method; `words_before`: whether a word came before it, `before`: the message before it.
#[inline]
fn method_state(tok: &[u8], words_before: bool, before: &[u8]) -> u8 {
    if !is_http_method(tok) {
        return 0;
    }
    match (words_before, tok[0] == b'"') {
        (false, _) => 1,
        (true, true) => 4,
        // Inside quoted text (an error message quoted in the message) the request is part
        // of that text: its target is a variable.
        (true, false) if in_quote(before) => 4,
        (true, false) => 6,
    }
}

/// Masks `content` into `out` as space-separated tokens (cleared first). Returns the number of
/// tokens.
#[allow(clippy::many_single_char_names)] // a hot byte loop: b/i/s/k/n read best short
pub fn mask_into(content: &str, out: &mut Vec<u8>) -> usize {
    out.clear();
    let b = content.as_bytes();
    let mut n = 0;
    let mut last_wild = false;
    let mut glue = false;
    // HTTP request line: 1 after a method, 2 after its target, 3 after `HTTP/x`; 4 after a
    // quoted request line's method inside a message (its target is a variable); 6 after a
    // bare method inside a message (a request the message reports: its route is kept).
    let mut http = 0u8;
    // Whether a word came before: a request line is the event only when it opens the message
    // (after addresses, dates and dashes), not when it is one field of an error message
    // (`… while reading upstream, request: "GET /x HTTP/1.1"`), where it is a variable.
    let mut words_before = false;
    // Tokens left in which a request the message reported may be followed by its status.
    let mut status_window = 0u8;
    // Whether the message is a request record (asked once, at its first `=`).
    let mut request: Option<bool> = None;
    // Where the status of a whole quoted request line written apart from it stands (see
    // `http::status_apart`), once asked.
    let mut apart = Apart::Unasked;
    // The free text of the bracketed span being read ([`bracketed_free_text`]).
    let mut free: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < b.len() {
        i = skip_blanks(b, i);
        if i >= b.len() {
            break;
        }
        let s = i;
        if let Some((_, close)) = free.filter(|&(from, _)| s >= from) {
            free = None;
            if s < close {
                // The span's free text is one variable; what is glued after its closing
                // bracket stays.
                i = close;
                while i < b.len() && class(b[i]) & WS == 0 {
                    i += 1;
                }
                if n > 0 && !glue {
                    out.push(b' ');
                }
                if !std::mem::take(&mut glue) {
                    n += 1;
                }
                out.extend_from_slice(WILDCARD.as_bytes());
                out.extend_from_slice(&b[close..i]);
                last_wild = false;
                continue;
            }
        }
        if b[s] == b'[' && free.is_none() {
            free = bracketed_free_text(b, s);
        }
        if b[s] == b'{' {
            if let Some(end) = object_span(b, s) {
                // An object literal is one value whatever its blanks (see `object_span`),
                // never merged into a variable before it: the value before a logger's
                // context object (a host, a name) is a word on some lines and a variable on
                // others. What is glued after it stays.
                i = end;
                while i < b.len() && class(b[i]) & WS == 0 {
                    i += 1;
                }
                if n > 0 && !glue {
                    out.push(b' ');
                }
                if !std::mem::take(&mut glue) {
                    n += 1;
                }
                http = 0;
                out.extend_from_slice(WILDCARD.as_bytes());
                out.extend_from_slice(&b[end..i]);
                last_wild = false;
                continue;
            }
        }
        let mut quote_at = None;
        let mut flags = 0u8;
        loop {
            // Most bytes are neither a blank nor a quote: one test each, in a loop of its own.
            let (end, run) = plain_run(b, i);
            flags |= run;
            i = end;
            if i >= b.len() || class(b[i]) & WS != 0 {
                break;
            }
            let k = class(b[i]);
            if quote_at.is_none() && (i == s || class(b[i - 1]) & DELIM != 0) {
                // A quoted value (`tag="View Lock"`) or word is one variable. A standalone
                // quoted phrase (`"GET /v2/servers HTTP/1.1"`) keeps its words, masked one by
                // one: its first word often tells templates apart.
                if let Some(close) = memchr::memchr(b'"', &b[i + 1..(i + 201).min(b.len())]) {
                    let phrase = &b[i + 1..i + 1 + close];
                    // A phrase that starts with a variable (`"Mozilla/5.0 (X11; …)"`) is one.
                    let first = phrase
                        .iter()
                        .position(u8::is_ascii_whitespace)
                        .map_or(phrase, |e| &phrase[..e]);
                    let variable_first = first
                        .iter()
                        .any(|&c| c.is_ascii_digit() || class(c) & PATH != 0);
                    // The response after a request target (`"HTTP/1.1 200 OK"`) keeps its
                    // status: its words are masked one by one.
                    let response = http == 2 && phrase.starts_with(b"HTTP/");
                    if !response
                        && (i > s
                            || variable_first
                            || !phrase.iter().any(u8::is_ascii_whitespace)
                            || spans::labelled_phrase(b, s, first))
                    {
                        quote_at = Some(i);
                        i += close + 2;
                        continue;
                    }
                }
            }
            flags |= k;
            i += 1;
        }
        let tok = &b[s..i];
        if quote_at.is_none() && out.ends_with(WILDCARD.as_bytes()) {
            // A number in parentheses right after a variable restates it (`1.2 KB (1234
            // bytes)`, `35 ms (12%)`): it is part of that variable.
            if let Some((end, rest)) = paren_restatement(tok, &b[i..]) {
                i += end;
                out.extend_from_slice(rest);
                continue;
            }
            // A unit after a number (`5.2 KB,`, `35 ms`) belongs to the variable.
            let core_end = tok
                .iter()
                .rposition(|c| !c.is_ascii_punctuation())
                .map_or(0, |e| e + 1);
            if core_end > 0 && is_unit(&tok[..core_end]) {
                out.extend_from_slice(&tok[core_end..]);
                last_wild = last_wild && core_end == tok.len();
                continue;
            }
        }
        // A lone opening bracket (`[ 22%]`, padding) joins the token after it, so padding
        // does not change a template's length.
        if tok.len() == 1 && matches!(tok[0], b'[' | b'(') && i < b.len() {
            if n > 0 && !glue {
                out.push(b' ');
            }
            if !glue {
                n += 1;
            }
            out.push(tok[0]);
            glue = true;
            last_wild = false;
            continue;
        }
        let mark = out.len();
        if n > 0 && !glue {
            out.push(b' ');
        }
        let glued = std::mem::take(&mut glue);
        if quote_at.is_none() && http == 0 && flags & !(DIGIT | JOINER) == 0 {
            // The common tokens, classified once by their bytes: a word (letters, maybe
            // joined by `.-_@#`) or a piece holding a digit that no punctuation cuts, outside
            // a request line. Of the rules below only the status and date ones concern them.
            let wild = if flags & DIGIT != 0 {
                if i - s == 3
                    && ((n == 1 && response_status(b, s, i))
                        || column_status(b, s, i)
                        || (is_http_status(tok) && apart.at(b) == Some(s)))
                {
                    out.extend_from_slice(tok);
                    false
                } else if status_window > 0 && reported_status(tok, &b[i..]) {
                    status_window = 0;
                    out.extend_from_slice(tok);
                    false
                } else if names::code_name_piece(tok) {
                    out.extend_from_slice(tok);
                    false
                } else {
                    out.extend_from_slice(WILDCARD.as_bytes());
                    if i - s == 3 && b.get(i + 1).is_some_and(u8::is_ascii_uppercase) {
                        i = status_reason::take_reason(tok, words_before, b, i, out);
                    }
                    true
                }
            } else if date_word_in_date(tok, last_wild, &b[i..])
                || (n == 0 && i - s >= 10 && opaque::scrambled_id(tok))
            {
                out.extend_from_slice(WILDCARD.as_bytes());
                true
            } else {
                out.extend_from_slice(tok);
                http = method_state(tok, words_before, &b[..s]);
                false
            };
            status_window = status_window.saturating_sub(1);
            words_before = words_before || has_letter_outside_wildcards(&out[mark..]);
            if glued {
                last_wild = false;
            } else if wild && last_wild {
                out.truncate(mark);
            } else {
                last_wild = wild;
                n += 1;
            }
            continue;
        }
        let was_http = std::mem::take(&mut http);
        let call = if quote_at.is_none() && flags & PAREN != 0 {
            call_args(b, s, i)
        } else {
            None
        };
        let wild = if let Some((open, close)) = call {
            // A call's argument list (`name(1, 'a')`, `name()`) is one variable whatever its
            // shape, but for the keys of keyword arguments (`name(x=<*>)`, see
            // `write_call_args`); the name before it stays.
            mask_token(&b[s..open], out);
            write_call_args(&b[open + 1..close], out);
            i = close + 1;
            while i < b.len() && class(b[i]) & WS == 0 {
                i += 1;
            }
            if close + 1 < i {
                mask_token(&b[close + 1..i], out);
            }
            false
        } else if was_http == 1 && tok[0] == b'/' && quote_at.is_none() {
            mask_route(tok, out);
            http = 2;
            false
        } else if was_http == 1 && quote_at == Some(s) && tok.get(1) == Some(&b'/') {
            // A request line whose target is quoted (`GET "/x/7"`): the route is the event.
            http = 2;
            reported_target(tok, Some(0), out).unwrap_or(false)
        } else if let Some(w) = (quote_at.is_none() && tok[0] == b'/')
            .then(|| route_before_method(tok, &b[i..], out))
            .flatten()
        {
            w
        } else if let Some((w, state)) = (was_http != 0 && quote_at.is_none())
            .then(|| after_request(was_http, tok, (b, i), &mut apart, out))
            .flatten()
        {
            http = state;
            w
        } else if let Some((w, state)) = (was_http == 6 && quote_at.is_none())
            .then(|| after_request(4, tok, (b, i), &mut apart, out))
            .flatten()
        {
            http = state;
            w
        } else if was_http == 6 && copied_request_line(&b[i..]) {
            // `… in request GET /x HTTP/1.1`: a request line copied into the message (its
            // protocol after the target, no status) is a field of it, a variable.
            out.extend_from_slice(WILDCARD.as_bytes());
            true
        } else if let Some(w) = (was_http == 6)
            .then(|| reported_target(tok, quote_at.map(|q| q - s), out))
            .flatten()
        {
            status_window = STATUS_WINDOW;
            w
        } else if was_http == 4 && tok[0] == b'/' && quote_at.is_none() {
            // A request inside a message is a field of it: its target is one variable.
            out.extend_from_slice(WILDCARD.as_bytes());
            true
        } else if (was_http == 2 || was_http == 3) && {
            let core = tok.strip_suffix(b"\"").unwrap_or(tok);
            is_http_status(core.strip_suffix(b",").unwrap_or(core))
        } {
            // The status after a request line is part of the event.
            out.extend_from_slice(tok);
            http = 5;
            false
        } else if n == 1 && i - s == 3 && flags & DIGIT != 0 && response_status(b, s, i) {
            // The status of a response line (`Sent 404 in 3ms`) is part of the event.
            out.extend_from_slice(tok);
            false
        } else if status_window > 0 && quote_at.is_none() && reported_status(tok, &b[i..]) {
            // The status a message reports for the request it named (`responded 404 in`).
            out.extend_from_slice(tok);
            status_window = 0;
            false
        } else if let Some((v, end)) = (flags & EQ != 0).then(|| spanning_value(b, s, i)).flatten()
        {
            // A quoted or bracketed value of several words is one variable.
            i = end;
            while i < b.len() && class(b[i]) & WS == 0 {
                i += 1;
            }
            out.extend_from_slice(&b[s..v]);
            out.extend_from_slice(WILDCARD.as_bytes());
            out.extend_from_slice(&b[end..i]);
            false
        } else if let Some(q) = quote_at.filter(|&q| {
            let key = tok[..q - s].strip_suffix(b"=");
            key.is_some_and(is_route_key)
                && b.get(q + 1) == Some(&b'/')
                && *request.get_or_insert_with(|| is_request_record(b))
        }) {
            // `path="/api/v1/fills?since=289"`: a quoted request target.
            let q = q - s;
            let close = tok[q + 1..]
                .iter()
                .position(|&c| c == b'"')
                .map_or(tok.len(), |p| q + 1 + p);
            out.extend_from_slice(&tok[..=q]);
            mask_route(&tok[q + 1..close], out);
            out.extend_from_slice(&tok[close..]);
            false
        } else if let Some(q) = quote_at {
            let q = q - s;
            let close = tok[q + 1..]
                .iter()
                .position(|&c| c == b'"')
                .map_or(tok.len(), |p| q + 1 + p);
            let w = mask_token(&tok[..q], out);
            // A quoted compound identifier opening the token (`step "load_items"`) may name
            // a kind of work: it keeps its text for the miner to judge (see `names`).
            if q > 0 || !names::write_quoted_name(b'"', &tok[1..close], out) {
                out.extend_from_slice(b"\"<*>\"");
            }
            if close + 1 < tok.len() {
                mask_token(&tok[close + 1..], out);
            }
            w && q == 0
        } else if flags & (DIGIT | DELIM | PATH) == 0 && date_word_in_date(tok, last_wild, &b[i..])
        {
            out.extend_from_slice(WILDCARD.as_bytes());
            true
        } else {
            let routes = flags & EQ != 0
                && memchr::memchr(b'=', tok)
                    .is_some_and(|e| is_route_key(&tok[..e]) || compound_request_key(&tok[..e]))
                && *request.get_or_insert_with(|| is_request_record(b));
            let w = match (n == 0 && i - s >= 10 && flags & (DIGIT | PATH) == 0)
                .then(|| opaque::scrambled_core(tok))
                .flatten()
            {
                Some((from, to)) => {
                    out.extend_from_slice(&tok[..from]);
                    out.extend_from_slice(WILDCARD.as_bytes());
                    out.extend_from_slice(&tok[to..]);
                    from == 0 && to == tok.len()
                }
                None => mask_token_with(tok, flags, routes, out),
            };
            if flags & DIGIT != 0
                && b.get(i + 1).is_some_and(u8::is_ascii_uppercase)
                && out.ends_with(WILDCARD.as_bytes())
            {
                i = status_reason::take_reason(tok, words_before, b, i, out);
            }
            if flags & EQ != 0
                && out.ends_with(WILDCARD.as_bytes())
                && key_value(tok).is_some_and(|v| !whole_value_then_word(&tok[v..], &b[i..]))
            {
                // An unquoted value of several words ends where the next pair starts (a
                // number followed by a word is a whole value: the words are the message's).
                if let Some(skip) = value_words_before_pair(&b[i..]) {
                    i += skip;
                }
            }
            w
        };
        if was_http == 2
            && (tok.strip_prefix(b"\"").unwrap_or(tok).starts_with(b"HTTP/")
                || bare_version_then_status(tok, &b[i..]))
        {
            http = 3;
        }
        if was_http == 5 && http == 0 {
            http = 5;
        }
        if (was_http == 1 || was_http == 6) && tok == b"-" {
            // A dash between a method and its target (`GET - /x/7`) is a separator.
            http = was_http;
        }
        let method = method_state(tok, words_before, &b[..s]);
        if method != 0 {
            http = method;
        }
        status_window = status_window.saturating_sub(1);
        words_before = words_before || has_letter_outside_wildcards(&out[mark..]);
        if glued {
            last_wild = false;
            continue;
        }
        if wild && last_wild {
            out.truncate(mark);
            continue;
        }
        last_wild = wild;
        n += 1;
        // A free-text error message after an exception type inside a message (`failed,
        // KeyError: no route to host`) runs to the end of the line: it is one variable,
        // whatever its words. A type that opens the message (`KeyError: …` alone) is the
        // event itself, its words stay.
        if n > 1
            && !wild
            && quote_at.is_none()
            && tok.last() == Some(&b':')
            && is_exception_type(tok)
            && i < b.len()
        {
            let rest = &b[i..];
            if rest.iter().any(|&c| class(c) & WS == 0) {
                out.extend_from_slice(b" ");
                out.extend_from_slice(WILDCARD.as_bytes());
                n += 1;
                break;
            }
        }
    }
    // A lone name glued to a value keeps its name ([`names::glued_name`]): a template holds a
    // word when its message does.
    if n == 1 && out == WILDCARD.as_bytes() {
        if let Some(at) = names::glued_name(content.trim().as_bytes()) {
            out.clear();
            out.extend_from_slice(&content.trim().as_bytes()[..at]);
            out.extend_from_slice(WILDCARD.as_bytes());
        }
    }
    n
}

/// A message as `mask_into` masks it, as text (for tests here and in `http`).
#[cfg(test)]
pub(super) fn masked(s: &str) -> String {
    let mut v = Vec::new();
    mask_into(s, &mut v);
    String::from_utf8(v).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_name_glued_to_a_value_keeps_its_name() {
        // Class: a message of one token, a name glued to a version or number (a banner).
        assert_eq!(masked("Zorblex-1.4.2"), "Zorblex-<*>");
        assert_eq!(masked("  quill_7 "), "quill_<*>");
        assert_eq!(masked("Trav/0.9"), "Trav/<*>");
        // Must not fire: no word (a version, an address), a hex id, a short prefix, a value
        // glued without a joiner, and any message of more than one token.
        assert_eq!(masked("v1.2.3"), "<*>");
        assert_eq!(masked(".:5300"), ".:<*>");
        assert_eq!(masked("deadbeef-0012"), "<*>");
        assert_eq!(masked("ab-12"), "<*>");
        assert_eq!(masked("zorblex12"), "<*>");
        assert_eq!(masked("10.0.0.1:5432"), "<*>");
        assert_eq!(masked("Zorblex-1.4.2 up"), "<*> up");
    }

    #[test]
    fn plain_run_reads_four_bytes_at_a_time_to_the_same_end() {
        // As first written: one byte, one look-up and one test.
        let by_byte = |b: &[u8], i: usize| {
            let mut flags = 0u8;
            for (j, &c) in b[i..].iter().enumerate() {
                if class(c) & (WS | QUOTE) != 0 {
                    return (i + j, flags);
                }
                flags |= class(c);
            }
            (b.len(), flags)
        };
        let line = "alpha-7 b=\"c d\" ab\tabc 123456789 x_y:1,2 \"q\" end";
        for cut in 0..=line.len() {
            let b = &line.as_bytes()[..cut];
            for i in 0..=cut {
                assert_eq!(
                    plain_run(b, i),
                    by_byte(b, i),
                    "{:?} from {i}",
                    &line[..cut]
                );
            }
        }
    }

    #[test]
    fn numbers_ids_and_paths_are_variables() {
        assert_eq!(
            masked("Received block blk_-1608 of size 67108864 from /10.250.1.2:50010"),
            "Received block <*> of size <*> from <*>"
        );
        assert_eq!(masked("open /var/log/app.log failed"), "open <*> failed");
        assert_eq!(masked("GET https://example.com/x ok"), "GET <*> ok");
        assert_eq!(masked("(stack @0x7fe @0x7ff @0xff)"), "(stack <*> <*>)");
        assert_eq!(masked("(stack @0x7fe @0xff)"), "(stack <*> <*>)");
        assert_eq!(masked("uid=10037, pid=2227"), "uid=<*>, pid=<*>");
        assert_eq!(
            masked("cancelNotification,index:0"),
            "cancelNotification,index:<*>"
        );
        assert_eq!(masked("at 2016/9/27:20:30:31.455 x"), "at <*> x");
        assert_eq!(
            masked("id 123e4567-e89b-12d3-a456-426614174000 took 35ms"),
            "id <*> took <*>"
        );
        assert_eq!(masked("size 5.2 KB, free 93 B)"), "size <*>, free <*>)");
        assert_eq!(masked("took 35 ms total"), "took <*> total");
        assert_eq!(masked("lifetime <1 sec"), "lifetime <*>");
        assert_eq!(masked("size=5 MB ok"), "size=<*> ok");
        // A number restated in parentheses joins the variable before it.
        assert_eq!(
            masked("saved a.csv (0 bytes)"),
            masked("saved a.csv (1.2 KB (1234 bytes))")
        );
        assert_eq!(masked("wrote 1.2 KB (1234 bytes), done"), "wrote <*>, done");
        assert_eq!(masked("took 35 ms (12%) total"), "took <*> total");
        assert_eq!(masked("worker (72103) up"), "worker (<*>) up");
        assert_eq!(masked("got 3 (items) x"), "got <*> (items) x");
        // Padding inside brackets does not change the shape.
        assert_eq!(masked("t PASSED [ 22%]"), masked("t PASSED [100%]"));
        assert_eq!(masked("a ( b"), "a (b");
        // A relative file path is a variable, what follows it is masked as usual (a test id
        // after it is part of it).
        assert_eq!(masked("tests/test_api.py::test_x ok"), "<*> ok");
        assert_eq!(masked("see src/a/b.rs:12: here"), "see <*>:<*>: here");
        assert_eq!(masked("and/or HTTP/1.1"), "and/or <*>");
    }

    #[test]
    fn free_text_after_an_exception_type_is_one_variable() {
        // Generated: a job that failed with a typed error and a message of any length.
        assert_eq!(
            masked("job alpha failed, BetaError: gamma delta epsilon"),
            "job alpha failed, BetaError: <*>"
        );
        assert_eq!(
            masked("job alpha failed, BetaError: gamma"),
            masked("job alpha failed, BetaError: zeta eta theta iota")
        );
        assert_eq!(
            masked("task raised pkg.mod.KappaException: lambda mu"),
            "task raised pkg.mod.KappaException: <*>"
        );
        // A bare `Error:` word, a type name with nothing after it, or a type that opens
        // the message, is left as is.
        // A namespace written with backslashes.
        assert_eq!(
            masked(r"task raised Alpha\Beta\GammaException: delta epsilon"),
            r"task raised Alpha\Beta\GammaException: <*>"
        );
        assert_eq!(masked("BetaError: gamma delta"), "BetaError: gamma delta");
        assert_eq!(masked("Error: gamma delta"), "Error: gamma delta");
        assert_eq!(masked("raised BetaError:"), "raised BetaError:");
        assert_eq!(masked("a BetaError happened"), "a BetaError happened");
    }

    #[test]
    fn a_call_argument_list_is_one_variable() {
        // Generated: a worker announcing the call it runs, with arguments of any shape.
        let want = "run <*>:alpha_beta(<*>) try=<*>";
        assert_eq!(masked("run 0a1b2c3d:alpha_beta(1, 'gamma') try=2"), want);
        assert_eq!(
            masked("run 0a1b2c3d:alpha_beta('delta', 'x y z') try=2"),
            want
        );
        assert_eq!(masked("run 0a1b2c3d:alpha_beta() try=2"), want);
        assert_eq!(masked("run 0a1b2c3d:alpha_beta(1, eps=(1, 2)) try=2"), want);
        assert_eq!(masked("call gamma(x=2), then"), "call gamma(x=<*>), then");
        // Not a call: a parenthesis after a space or a number, or one that never closes.
        assert_eq!(masked("got 3 (items) x"), "got <*> (items) x");
        assert_eq!(masked("see 12(ab cd) x"), "see <*>(ab cd) x");
        assert_eq!(masked("open gamma(x y"), "open gamma(x y");
        // Fields separated by spaces are an object's parts, not a call's arguments.
        assert_ne!(masked("got Delta(a=1 b=2)"), "got Delta(<*>)");
    }

    #[test]
    fn a_call_with_keyword_arguments_keeps_its_name_and_keys() {
        // Generated: a scheduler naming the tasks it runs as calls with keyword arguments.
        assert_eq!(
            masked("ran ZorbFlimm(day=2031-02-03, kind=plonk) ok"),
            "ran ZorbFlimm(day=<*>,kind=<*>) ok"
        );
        assert_eq!(
            masked("got Quib(a=1, b='x, y', c=(2, 3)),"),
            "got Quib(a=<*>,b=<*>,c=<*>),"
        );
        // A positional argument or a mix: the list is one variable.
        assert_eq!(
            masked("ran blorp_frob(7, k=2) ok"),
            "ran blorp_frob(<*>) ok"
        );
        // Must not fire: a parenthesised number, pair, free text, address or a path.
        assert_eq!(masked("took (3ms) x"), "took (<*>) x");
        assert_ne!(
            masked("as (uid=0) x"),
            "as (uid=<*>) x".replace("(uid", "uid")
        );
        assert!(!masked("as (uid=0) x").contains("uid=<*>,"));
        assert_eq!(masked("said (wibble wobble) x"), "said (wibble wobble) x");
        assert!(!masked("to (10.0.0.1:443) x").contains('='));
        assert!(!masked("at /opt/zorb/flim.d x").contains('('));
    }

    #[test]
    fn words_and_numbers_take_the_short_path_with_the_same_rules() {
        // Generated: words (joined by `.-_@#` or not) and digit pieces no punctuation cuts,
        // which `mask_into` dispatches before its rule chain; the rules that still concern
        // them (runs of variables, a response status, a reported status, dates, a method)
        // hold there too.
        assert_eq!(
            masked("alpha.beta-gamma_delta 7 blk_-42 0.5 eps@zeta #3 x"),
            "alpha.beta-gamma_delta <*> eps@zeta <*> x"
        );
        assert_eq!(masked("Sent 404 in 3ms"), "Sent 404 in <*>");
        assert_eq!(masked("sent 200 items in 3ms"), "sent <*> items in <*>");
        assert_eq!(
            masked("alpha GET /beta/7 responded 404 in 3 ms"),
            masked("alpha GET /beta/8 responded 404 in 5 ms")
        );
        assert_ne!(
            masked("alpha GET /beta/7 responded 404 in 3 ms"),
            masked("alpha GET /beta/7 responded 500 in 3 ms")
        );
        assert_eq!(masked("due Tue Oct 14 ok"), "due <*> ok");
        assert_eq!(masked("due Tuesday"), "due Tuesday");
    }

    #[test]
    fn month_and_weekday_names_in_dates_are_variables() {
        assert_eq!(
            masked("next run on Tue Oct 14 at noon"),
            "next run on <*> at noon"
        );
        assert_eq!(
            masked("next run on Sat Mar 2 at noon"),
            "next run on <*> at noon"
        );
        assert_eq!(masked("report for 14 June done"), "report for <*> done");
        // Not in a date, a name stays a word.
        assert_eq!(masked("May I help"), "May I help");
        assert_eq!(masked("the Sun rises"), "the Sun rises");
    }

    #[test]
    fn key_value_values_are_variables() {
        assert_eq!(masked("order side=buy qty=3,"), "order side=<*> qty=<*>,");
        assert_eq!(
            masked("order side=sell qty=0.5,"),
            "order side=<*> qty=<*>,"
        );
        assert_eq!(masked("a == b, x= y"), "a == b, x= y");
    }

    #[test]
    fn quoted_strings_are_variables() {
        assert_eq!(
            masked(r#"acquire tag="View Lock", name=x"#),
            r#"acquire tag="<*>", name=<*>"#
        );
        assert_eq!(
            masked(r#"say "hello world" now"#),
            r#"say "hello world" now"#
        );
        assert_eq!(
            masked(r#"10.0.0.1 "GET /v2/servers HTTP/1.1" status: 200"#),
            r#"<*> "GET /v2/servers <*>" status: <*>"#
        );
        assert_eq!(
            masked(r#"200 "-" "Mozilla/5.0 (X11; Linux x86_64)" end"#),
            r#"<*> "<*>" "<*>" end"#
        );
    }

    /// Failure class E (HTTP request lines), generated cases (make_logs.py GunicornAccess,
    /// GoStdLog, Uvicorn, Logrus, StructlogConsole, NginxError): method, route and status are
    /// the event; ids in the path and query values are variables, query keys are not.
    #[test]
    fn http_request_lines_keep_method_route_and_status() {
        assert_eq!(
            masked(
                r#"236.188.17.82 - - [01/Mar/2024:09:00:01 +0000] "GET /api/v1/candles?symbol=AAPL&interval=4h&limit=268 HTTP/1.1" 200 346 "https://db-primary/" "Go-http-client/1.1""#
            ),
            r#"<*> - - [<*> <*>] "GET /api/v1/candles?symbol=<*>&interval=<*>&limit=<*> <*>" 200 <*> "<*>" "<*>""#
        );
        assert_eq!(
            masked("POST /api/v1/orders/123e4567-e89b-12d3-a456-426614174000 201 1710ms"),
            "POST /api/v1/orders/<*> 201 <*>"
        );
        assert_eq!(
            masked(
                r#"127.0.0.1:58143 - "GET /static/app.d9d069375f206722f0776071b8c1cbcfac0c3d99.js HTTP/1.1" 503 Service Unavailable"#
            ),
            r#"<*> - "GET /static/app.<*>.js <*>" 503 Service Unavailable"#
        );
        assert_eq!(
            masked("msg=request dur=1864ms method=POST path=/api/v1/orders/42 status=429"),
            "msg=<*> dur=<*> method=POST path=/api/v1/orders/<*> status=429"
        );
        assert_eq!(
            masked(r#"msg=request method=GET path="/api/v1/fills?since=289" status=200,"#),
            r#"msg=<*> method=GET path="/api/v1/fills?since=<*>" status=200,"#
        );
        // A request quoted inside an error message is one field of it: a variable.
        assert_eq!(
            masked(
                r#"upstream timed out, client: 1.2.3.4, request: "GET /health HTTP/1.1", host: "x""#
            ),
            r#"upstream timed out, client: <*>, request: "GET <*> <*>", host: "<*>""#
        );
        // Numbers elsewhere stay variables; `status=` with a non-HTTP value too.
        assert_eq!(
            masked("retry 200 times status=7"),
            "retry <*> times status=<*>"
        );
    }

    /// Failure class E (HTTP request lines), generated cases (make_logs.py access logs, Flask's
    /// error lines): a whole path segment that is a value (a hex id whose groups may hold no
    /// decimal digit, a code in capitals) is one variable; a route named before a bracketed
    /// method keeps its words; a query's `=` does not make a route a `key=value`.
    #[test]
    fn value_segments_and_routes_before_their_method() {
        assert_eq!(
            masked(r#""PUT /v2/items/86f511ee-dbbf-15c3-5c00-8c8939018001 HTTP/1.1" 409 7"#),
            r#""PUT /v2/items/<*> <*>" 409 <*>"#
        );
        assert_eq!(
            masked(r#""GET /v2/boxes/ABC-XY/parts HTTP/1.1" 200 7"#),
            masked(r#""GET /v2/boxes/QRSTU/parts HTTP/1.1" 200 7"#)
        );
        assert_eq!(
            masked(r#""GET /v2/boxes/ABC-XY HTTP/1.1" 200 7"#),
            r#""GET /v2/boxes/<*> <*>" 200 <*>"#
        );
        // Lower-case words and short names with a digit are route words.
        assert_eq!(
            masked("GET /v2/boxes/deadbeef 200"),
            "GET /v2/boxes/deadbeef 200"
        );
        assert_eq!(
            masked("note on /v2/boxes/7 [DELETE]"),
            "note on /v2/boxes/<*> [DELETE]"
        );
        assert_eq!(masked("note on /v2/boxes [GET]"), "note on /v2/boxes [GET]");
        // Without a method beside it a path is one variable.
        assert_eq!(masked("note on /v2/boxes [x]"), "note on <*> [x]");
        assert!(is_method_token("[PATCH]") && is_method_token("\"GET"));
        assert!(!is_method_token("[GETS]"));
        assert_eq!(http_anchor("/v2/boxes?since=<*>"), HttpAnchor::AfterMethod);
        assert_eq!(http_anchor("path=/v2/boxes"), HttpAnchor::Always);
        // Class: the handler a request or job is dispatched to, `Class#method` (generated
        // names): kept like a route. An issue number, a fragment, a lower-case name, a digit
        // after `#`, are not handlers.
        assert_eq!(http_anchor("AlphaController#show"), HttpAnchor::Always);
        assert_eq!(
            http_anchor("Beta::V1::GammaWorker#perform_now!"),
            HttpAnchor::Always
        );
        for t in [
            "#12",
            "alpha#beta",
            "Alpha#3",
            "Alpha/b#c",
            "Alpha#",
            "Al-pha#beta",
        ] {
            assert_eq!(http_anchor(t), HttpAnchor::No, "{t}");
        }
    }

    /// A test id (pytest `-v`, generated case make_logs.py Pytest): file, name and parameters
    /// are one variable, so the outcome word after it is what tells events apart.
    #[test]
    fn test_ids_are_one_variable() {
        for id in [
            "tests/test_box.py::test_fold",
            "tests/test_box.py::test_fold_3[7-left]",
            "tests/unit/test_box.py::TestBox::test_fold[QRS]",
        ] {
            assert_eq!(masked(&format!("{id} PASSED [ 42%]")), "<*> PASSED [<*>]");
        }
    }

    /// Failure class 5 (variables glued to punctuation), generated from the metamorphic
    /// `vartype:list` transform: a comma list of values is one variable whatever its length,
    /// and a `key=value` inside brackets masks its value as one outside does.
    #[test]
    fn glued_lists_and_bracketed_keys_are_one_variable() {
        assert_eq!(
            masked("level ( 35,2 17,40 **** 9,1 )"),
            masked("level ( 35 17 **** 9 )")
        );
        assert_eq!(
            masked("link up on net 10.1.0.0,10.2.3.4 via port"),
            masked("link up on net 10.1.0.0 via port")
        );
        assert_eq!(masked("items [1,2,3] kept"), "items [<*>] kept");
        assert_eq!(masked("run (uid=0)"), masked("run (uid=wheel)"));
        assert_eq!(masked("run (uid=0)"), "run (uid=<*>)");
        assert_eq!(masked("box (id=1973,623142)"), "box (id=<*>)");
        // `path=` names a request target beside a method, a file otherwise.
        assert_eq!(
            masked("box saved size=5 path=/srv/a/b.csv"),
            "box saved size=<*> path=<*>"
        );
        assert_eq!(
            masked("box done method=GET path=/v2/boxes?since=5 status=200"),
            "box done method=GET path=/v2/boxes?since=<*> status=200"
        );
        // A number before a comma in a sentence keeps the comma.
        assert_eq!(masked("got 5, then 6"), "got <*>, then <*>");
    }

    /// Unquoted multi-word values, generated case (a message followed by `key=value` pairs
    /// whose values are free text): the words up to the next pair belong to the value, so
    /// every line with the same keys masks alike. Free words after the last pair, or before
    /// a token that is not a pair, stay words.
    #[test]
    fn unquoted_multi_word_values_end_at_the_next_pair() {
        assert_eq!(
            masked("box failed try=8 cause=lid stuck shut host=alpha"),
            "box failed try=<*> cause=<*> host=<*>"
        );
        assert_eq!(
            masked("box failed try=8 cause=lid stuck shut host=alpha"),
            masked("box failed try=2 cause=wet host=beta")
        );
        assert_eq!(
            masked("box failed try=8 cause=lid stuck host=alpha note=very red too size=5"),
            "box failed try=<*> cause=<*> host=<*> note=<*> size=<*>"
        );
        // Words after the last pair, or before a non-pair, are the message's own.
        assert_eq!(
            masked("box moved count=5 to the shelf"),
            "box moved count=<*> to the shelf"
        );
        assert_eq!(
            masked("box moved count=5 to shelf [near] side=left"),
            "box moved count=<*> to shelf [near] side=<*>"
        );
        // A kept request value is not followed into the words after it.
        assert_eq!(
            masked("box done method=GET fast path=/v2/boxes status=200"),
            "box done method=GET fast path=/v2/boxes status=200"
        );
    }

    /// Class: a pair whose value is a number, then the message's words, then another pair
    /// (`Box id=7 is packed. Took 5 ms by crew id=3`): a number is a whole value, so the
    /// words after it are the event's and events that differ in one of them stay apart. A
    /// value that starts with a word still runs up to the next pair (must not fire).
    #[test]
    fn words_after_a_number_value_are_the_messages() {
        assert_eq!(
            masked("Box id=7 is packed. Took 5 ms by crew id=3"),
            "Box id=<*> is packed. Took <*> by crew id=<*>"
        );
        assert_ne!(
            masked("Box id=7 is packed. Took 5 ms by crew id=3"),
            masked("Box id=9 is not packed. Took 2 ms by crew id=3")
        );
        assert_eq!(
            masked("box weighed mass=-0.5, then shelf side=left"),
            "box weighed mass=<*>, then shelf side=<*>"
        );
        // Must not fire: a value of words, or an id of letters and digits, runs on.
        assert_eq!(
            masked("box failed cause=lid stuck shut host=alpha"),
            "box failed cause=<*> host=<*>"
        );
        assert_eq!(
            masked("box failed ref=a7f3 lid stuck host=alpha"),
            "box failed ref=<*> host=<*>"
        );
        // Must not fire: a number value followed by more numbers (one value of several
        // parts) runs on as before, whichever digits its first part has.
        assert_eq!(
            masked("box seal (sig=00589370 9a3f0003 00000002) id=3"),
            masked("box seal (sig=00c3f370 9a3f0003 00000002) id=3")
        );
    }

    /// Class: a pair whose value is a typed variable complete in itself other than a number
    /// (a comma list, a UUID), then the message's words, then another pair (`Box id=<list>
    /// is packed. Took 5 ms by crew id=3`): events that differ in one of the words stay
    /// apart, as with a number value. Must not fire: a value of words, a short id of letters
    /// and digits, a list followed by another value part, a quoted value of several words.
    #[test]
    fn words_after_a_list_or_uuid_value_are_the_messages() {
        for v in ["7,12", "red,blue", "3f2a9c10-77be-4d1e-9a0b-5c6d7e8f9a01"] {
            assert_eq!(
                masked(&format!("Box id={v} is packed. Took 5 ms by crew id=3")),
                "Box id=<*> is packed. Took <*> by crew id=<*>",
                "{v}"
            );
            assert_ne!(
                masked(&format!("Box id={v} is packed. Took 5 ms by crew id=3")),
                masked(&format!("Box id={v} is not packed. Took 2 ms by crew id=3")),
                "{v}"
            );
        }
        // Must not fire: these values still run up to the next pair.
        assert_eq!(
            masked("box failed cause=lid stuck shut host=alpha"),
            "box failed cause=<*> host=<*>"
        );
        assert_eq!(
            masked("box failed ref=a7f3 lid stuck host=alpha"),
            "box failed ref=<*> host=<*>"
        );
        assert_eq!(
            masked("box failed ref=3f2a9c10-77be-4d1e lid stuck host=alpha"),
            "box failed ref=<*> host=<*>"
        );
        assert_eq!(
            masked("box seal sig=0058,9a3f 0002 id=3"),
            masked("box seal sig=00c3,9a3f 0002 id=3")
        );
        assert_eq!(
            masked(r#"box failed cause="lid stuck shut" host=alpha"#),
            masked(r#"box failed cause="wet" host=beta"#)
        );
    }

    /// Class: a keyed compound name (`unit=gear.belt_check`) may name the source or kind of
    /// work and keeps its text for the miner (see `miner::names`). Must not fire: a plain
    /// word, a name with digits, a number, a host of digits stay variables.
    #[test]
    fn keyed_compound_names_keep_their_text() {
        assert_eq!(
            masked("Check passed unit=gear.belt_check by=crank-arm.rest, took=5"),
            "Check passed unit=gear.belt_check by=crank-arm.rest, took=<*>"
        );
        for v in ["alpha", "n1.lan", "gear2.belt", "12", "a7f3-b2"] {
            assert_eq!(
                masked(&format!("Check passed unit={v} took=5")),
                "Check passed unit=<*> took=<*>",
                "{v}"
            );
        }
    }

    /// Class (generated): a camel-case code name after a key (`class=GearTurner`,
    /// `caller=spinWheel`) keeps its text, as a compound name does; a plain word, capitals
    /// only, letters with digits and one-letter humps (an id's scramble) stay masked.
    #[test]
    fn keyed_camel_case_names_keep_their_text() {
        assert_eq!(
            masked("Turn done class=GearTurner caller=spinWheelFast, took=5"),
            "Turn done class=GearTurner caller=spinWheelFast, took=<*>"
        );
        assert_eq!(masked("Flush by=flushOOO"), "Flush by=flushOOO");
        for v in [
            "alpha",
            "Alpha",
            "ALPHA",
            "aB3cD",
            "xKcdQw",
            "iAlpha",
            "Ab",
            "GearTurner7",
        ] {
            assert_eq!(
                masked(&format!("Turn done class={v} took=5")),
                "Turn done class=<*> took=<*>",
                "{v}"
            );
        }
    }

    /// Values written as quoted text or as a repr (`key='a b'`, `key=[1, 2]`, `key={'a':
    /// 1}`), generated case: the whole value is one variable however many words it has.
    #[test]
    fn quoted_and_bracketed_values_are_one_variable() {
        assert_eq!(
            masked("box packed label='red lid' items=[1, 2, 3] meta={'a': 1, 'b': [2]} size=5"),
            "box packed label=<*> items=<*> meta=<*> size=<*>"
        );
        assert_eq!(
            masked("box packed label='red lid' items=[1, 2, 3] meta={'a': 1, 'b': [2]} size=5"),
            masked("box packed label='blue' items=[] meta={} size=9")
        );
        assert_eq!(
            masked("box packed label='it\\'s shut', done"),
            "box packed label=<*>, done"
        );
        // An unclosed bracket leaves the words as they were.
        assert_eq!(
            masked("box packed items=[1, 2"),
            "box packed items=[<*>, <*>"
        );
    }

    /// Class: an object literal inside a text message (a JSON context a
    /// logger appends after the message, a hash printed with `=>`), generated case: one value
    /// whatever its keys, nesting and blanks; the words around it stay.
    #[test]
    fn an_object_literal_is_one_value() {
        assert_eq!(
            masked(
                r#"alpha failed for beta {"gamma":"delta epsilon (zeta: 0)","eta":{"theta":3}} []"#
            ),
            "alpha failed for beta <*> []"
        );
        assert_eq!(
            masked(r#"alpha failed for beta {"gamma":"delta epsilon (zeta: 0)"} []"#),
            masked(r#"alpha failed for beta {"iota": "kappa", "lambda": [1, 2]} []"#)
        );
        // The value before the object stays what it is, a word or a variable, on its own.
        assert_eq!(
            masked(r#"alpha from 10.0.0.1 {"gamma": "delta epsilon"} []"#),
            "alpha from <*> <*> []"
        );
        assert_eq!(
            masked(r#"mu: {"nu"=>{"xi"=>"omicron pi"}, "rho"=>"7"}"#),
            "mu: <*>"
        );
        assert_eq!(masked(r#"mu: {"nu"=>"7"}"#), "mu: <*>");
        assert_eq!(masked(r#"mu {"nu": "sigma tau"}, done"#), "mu <*>, done");
        // Must not fire: braces without a quoted key, an object left open on the line, a
        // string with a brace inside.
        assert_eq!(masked("mu {nu xi} omicron"), "mu {nu xi} omicron");
        assert_eq!(
            masked(r#"mu {"nu": "xi omicron"#),
            masked(r#"mu {"nu": "xi omicron"#)
        );
        assert_ne!(masked(r#"mu {"nu": "xi omicron"#), "mu <*>");
        assert_eq!(masked(r#"mu {"nu": "xi } omicron"} pi"#), "mu <*> pi");
    }

    /// Class: a quoted phrase of several words that a label announces (`Label: "free
    /// text"`), generated case: one value, like a `key="…"` value. A quoted phrase after a
    /// word, and a request line quoted after a label, keep their words.
    #[test]
    fn a_quoted_phrase_after_a_label_is_one_value() {
        assert_eq!(
            masked(r#"alpha retried 3 times. Beta: "gamma delta epsilon""#),
            r#"alpha retried <*> times. Beta: "<*>""#
        );
        assert_eq!(
            masked(r#"alpha retried 3 times. Beta: "gamma delta epsilon" {}"#),
            masked(r#"alpha retried 9 times. Beta: "zeta eta" {}"#)
        );
        assert_eq!(
            masked(r#"say "hello world" now"#),
            r#"say "hello world" now"#
        );
        assert_ne!(
            masked(r#"alpha, request: "GET /a HTTP/1.1""#),
            masked(r#"alpha, request: "POST /a HTTP/1.1""#)
        );
        // Must not fire: the colon closes a location, a time or an indexed name, not a label
        // (the phrase keeps its words).
        // A value before the colon is no label either, whatever its type: a number, a UUID or
        // a hex id ending in a letter or a digit (the masking must not depend on which).
        for before in [
            "alpha.py:12:",
            "12:30:",
            "worker[3]:",
            "line 91:",
            "line 4dd08903-a909-1f77-ad32-c4776a4f5d4e:",
            "line 4dd08903-a909-1f77-ad32-c4776a4f5d40:",
        ] {
            let line = format!(r#"{before} "gamma delta epsilon""#);
            assert!(
                masked(&line).ends_with(r#""gamma delta epsilon""#),
                "{line}"
            );
        }
    }

    /// Classes: a `Class#method` handler and a response line's status, through the whole
    /// digest (generated lines): lines that differ only there are separate events; lines that
    /// differ only in a count or an id are one.
    #[test]
    fn handlers_and_response_statuses_tell_events_apart_in_the_digest() {
        let mut text = String::new();
        let handlers = [
            "AlphaController#show",
            "AlphaController#create",
            "Beta::GammaController#show",
            "Beta::GammaController#update",
        ];
        for i in 0..32 {
            let h = handlers[i % 4];
            let st = ["200", "404", "201", "500"][i % 4];
            let t = format!("2024-03-01 09:00:{i:02} INFO");
            text.push_str(&format!("{t} Delta by {h} as epsilon\n"));
            text.push_str(&format!("{t} Zeta {st} in {}ms\n", 3 + i));
            text.push_str(&format!("{t} Eta {} in {}ms\n", 7 + i % 3, 3 + i));
        }
        let (ids, _) = crate::log_digest::matrix_tally::digest_cell(&text);
        let distinct = |k: usize| {
            ids.iter()
                .skip(k)
                .step_by(3)
                .map(|(id, _)| id)
                .collect::<std::collections::BTreeSet<_>>()
                .len()
        };
        assert_eq!(
            (distinct(0), distinct(1), distinct(2)),
            (4, 4, 1),
            "{ids:?}"
        );
    }

    /// Class: a response line of its own (one word, a status, `in` and a duration): the
    /// status is part of the event. Generated cases, with the counter-cases where the number
    /// is a count or no status.
    #[test]
    fn the_status_of_a_response_line_is_part_of_the_event() {
        assert_eq!(masked("Alpha 404 in 3ms"), "Alpha 404 in <*>");
        assert_eq!(masked("Alpha 200 in 1.5 s"), "Alpha 200 in <*>");
        assert_eq!(masked("Alpha 503 in 812µs"), "Alpha 503 in <*>");
        assert_ne!(masked("Alpha 200 in 3ms"), masked("Alpha 500 in 3ms"));
        // Must not fire: a count with its noun, a number that is no status, no duration
        // after `in`, a size, a number after a phrase.
        assert_eq!(masked("Alpha 200 beta in 3ms"), "Alpha <*> beta in <*>");
        assert_eq!(masked("Alpha 700 in 3ms"), "Alpha <*> in <*>");
        assert_eq!(masked("Alpha 200 in gamma"), "Alpha <*> in gamma");
        assert_eq!(masked("Alpha 200 in 3 KB"), "Alpha <*> in <*>");
        assert_eq!(masked("alpha beta 200 in 3ms"), "alpha beta <*> in <*>");
        assert_eq!(masked("alpha7 200 in 3ms"), masked("alpha7 201 in 3ms"));
    }

    /// Free text after a label's colon inside a bracketed span, generated case (`[label
    /// words: free text]`): the free text is one variable, the label and what follows the
    /// span stay.
    #[test]
    fn free_text_after_a_colon_in_brackets_is_one_variable() {
        assert_eq!(
            masked("box threw [Lid opening failed: hinge stuck shut] with cause"),
            "box threw [Lid opening failed: <*>] with cause"
        );
        assert_eq!(
            masked("box threw [Lid opening failed: hinge stuck shut] with cause"),
            masked("box threw [Lid opening failed: wet] with cause")
        );
        assert_eq!(
            masked("seen [pkg.BoxError: Lid 'alpha' is not open], done"),
            "seen [pkg.BoxError: <*>], done"
        );
        // Nested brackets close the span at its own bracket.
        assert_eq!(
            masked("box [Lid failed: hinge [left] stuck] end"),
            "box [Lid failed: <*>] end"
        );
        // No colon, a colon without a blank after it, or one word: the span is read as
        // before.
        assert_eq!(masked("box [Lid failed] end"), "box [Lid failed] end");
        assert_eq!(
            masked("at [01/Mar/2024:09:00:01 +0000] end"),
            masked("at [02/Apr/2025:10:11:12 +0000] end")
        );
        assert_eq!(masked("box [key: 5] end"), "box [key: <*>] end");
    }

    /// Failure class 5 (key=value records), generated case: a `path` key holds a route only in
    /// a request record (one that names a method); elsewhere its value is a file, a variable.
    #[test]
    fn keyed_paths_are_routes_only_in_request_records() {
        assert_eq!(
            masked("file written bytes=912 path=/srv/data/prices.csv"),
            "file written bytes=<*> path=<*>"
        );
        assert_eq!(
            masked(r#"file written bytes=912 path="/srv/data/my prices.csv""#),
            r#"file written bytes=<*> path="<*>""#
        );
        assert_eq!(
            masked("request finished method=GET path=/api/v2/items/42 status=404"),
            "request finished method=GET path=/api/v2/items/<*> status=404"
        );
    }

    proptest::proptest! {
        #[test]
        fn masking_never_adds_tokens(s in "[ -~\\t\u{e9}]{0,120}") {
            let once = masked(&s);
            proptest::prop_assert!(!once.contains("  "));
            let n = |t: &str| t.split_ascii_whitespace().count();
            proptest::prop_assert!(n(&once) <= n(&s));
        }
    }

    /// Class: a token holding a digit that no punctuation cuts (`v2`, `0x1f`, `blk_-12`,
    /// `~3`) is one wildcard, taken without the piece-by-piece walk; one that punctuation cuts
    /// keeps its word pieces (`x:<*>`).
    #[test]
    fn a_digit_token_no_punctuation_cuts_is_one_wildcard() {
        assert_eq!(masked("alpha v2 beta"), "alpha <*> beta");
        assert_eq!(masked("alpha 0x1f beta"), "alpha <*> beta");
        assert_eq!(masked("alpha blk_-12 beta"), "alpha <*> beta");
        assert_eq!(masked("alpha ~3 beta"), "alpha <*> beta");
        assert_eq!(masked("alpha x:1 beta"), "alpha x:<*> beta");
        assert_eq!(masked("alpha <3 beta"), "alpha <*> beta");
        let mut out = Vec::new();
        assert!(mask_token(b"~3", &mut out));
        assert_eq!(out, b"<*>");
    }

    /// Class: unit words are one to seven letters; the quick length and first-byte check
    /// never turns away a unit, nor lets in what the list does not hold.
    #[test]
    fn unit_words_pass_the_quick_check() {
        for u in ["B", "s", "h", "ms", "KiB", "bytes", "minutes", "seconds"] {
            assert!(is_unit(u.as_bytes()), "{u}");
        }
        for w in ["", "3ms", "minutes2", "millisecond", "alpha", "_s"] {
            assert!(!is_unit(w.as_bytes()), "{w}");
        }
    }

    #[test]
    fn words_stay() {
        assert_eq!(
            masked("session opened for user root"),
            "session opened for user root"
        );
        assert_eq!(masked("a  b\tc"), "a b c");
        assert_eq!(masked(""), "");
    }
}
