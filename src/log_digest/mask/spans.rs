//! Spans of several tokens that are one variable, found before the token-by-token masking:
//! a `key=` value written as a repr or quoted text, the free text after a label's colon inside
//! brackets, a call's argument list, and the message after an exception type.

/// A quoted phrase of several words that a label announces (`Error: "gamma delta"`, the
/// token before it is a word of letters then `:`) is a value, one variable, like a
/// `key="…"` value; a request line so quoted keeps its method (see [`super::super::http`]). A
/// location, a time or an indexed name before the colon (`a.py:12:`, `12:30:`, `w[3]:`) is
/// no label. `s` is where the quote opens the token, `first` the phrase's first word.
pub(super) fn labelled_phrase(b: &[u8], s: usize, first: &[u8]) -> bool {
    if s < 3
        || b[s - 1] != b' '
        || b[s - 2] != b':'
        || super::super::http::is_http_method_word(first)
    {
        return false;
    }
    // The label is the whole word before the colon, and a word of letters: a value there
    // (`line 91:`, `line 4dd0…c5d40:`) is no label whatever its type or its last character.
    let start = b[..s - 2]
        .iter()
        .rposition(|&c| c == b' ' || c == b'\t')
        .map_or(0, |i| i + 1);
    let label = &b[start..s - 2];
    !label.is_empty()
        && label
            .iter()
            .all(|&c| c.is_ascii_alphabetic() || c == b'_' || c == b'-')
}

/// A `key=value` whose value opens a quote or a bracket (`key='a b'`, `key=[1, 2]`,
/// `key={'a': 1}`, a value written as its repr), closed within the line: where the value
/// starts and where it ends (after its closing character), both offsets into `b`; the token
/// starts at `start` and ends at `tok_end`.
#[inline(never)]
pub(super) fn spanning_value(line: &[u8], start: usize, tok_end: usize) -> Option<(usize, usize)> {
    const SPAN_MAX: usize = 300;
    let eq = start + memchr::memchr(b'=', &line[start..tok_end])?;
    let key = &line[start..eq];
    let key_ok = key.first().is_some_and(u8::is_ascii_alphabetic)
        && key
            .iter()
            .all(|&byte| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'.' | b'-'));
    let value = eq + 1;
    if !key_ok || !matches!(line.get(value), Some(b'\'' | b'[' | b'{' | b'(')) {
        return None;
    }
    let end = (value + SPAN_MAX).min(line.len());
    let mut depth = 0usize;
    let mut quote = None;
    let mut at = value;
    while at < end {
        let byte = line[at];
        match quote {
            Some(_) if byte == b'\\' => at += 1,
            Some(open) if byte == open => {
                quote = None;
                if depth == 0 {
                    return Some((value, at + 1));
                }
            }
            Some(_) => {}
            None => match byte {
                b'\'' | b'"' => quote = Some(byte),
                b'[' | b'{' | b'(' => depth += 1,
                b']' | b'}' | b')' => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        // A structured record's stand-in for a nested value (`{…}`, `[…]`,
                        // see records.rs) already reads as one and stays as written.
                        let stand_in = &line[value + 1..at] == "…".as_bytes();
                        return (!stand_in).then_some((value, at + 1));
                    }
                }
                _ => {}
            },
        }
        at += 1;
    }
    None
}

/// An object literal (`{"a": 1, "b": {"c": "d e"}}`, a JSON context a logger appends to its
/// message, a hash printed as `{"k"=>"v", "n"=>"2"}`): a `{` then a quoted key, closed on the
/// line by its matching `}` (quotes and nesting honoured), blanks inside or not. Returns the
/// offset after the closing `}`; `open` is the `{`.
///
/// Class: a dictionary printed by its language's repr (`{'side': 'buy', 'qty': 3}`, Python's
/// default for a dict or a set of strings): the key is single-quoted and a string value is
/// single- or double-quoted (Python writes `"it's"` for a string with an apostrophe), so a
/// string ends only at the quote that opened it. Its keys vary with what the program had at
/// hand, like a JSON object's: one value.
#[inline(never)]
pub(super) fn object_span(b: &[u8], open: usize) -> Option<usize> {
    const OBJECT_MAX: usize = 4096;
    if !matches!(b.get(open + 1), Some(b'"' | b'\'')) {
        return None;
    }
    let end = (open + OBJECT_MAX).min(b.len());
    let mut depth = 0usize;
    // The quote that opened the string being read.
    let mut in_str: Option<u8> = None;
    let mut at = open;
    while at < end {
        let c = b[at];
        if let Some(q) = in_str {
            if c == b'\\' {
                at += 1;
            } else if c == q {
                in_str = None;
            }
        } else {
            match c {
                b'"' | b'\'' => in_str = Some(c),
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        return (c == b'}' && !carries_request_method(&b[open..=at]))
                            .then_some(at + 1);
                    }
                }
                _ => {}
            }
        }
        at += 1;
    }
    None
}

/// Whether an object holds a request's method under a `method` key (`'method': 'GET'`,
/// `"method":"PUT"`): a request's parameters, whose method is part of the event by the
/// convention (as `method=GET` is on a line); such an object is masked value by value.
fn carries_request_method(obj: &[u8]) -> bool {
    memchr::memmem::find_iter(obj, b"method").any(|at| {
        let Some(&q) = at.checked_sub(1).and_then(|p| obj.get(p)) else {
            return false;
        };
        if !matches!(q, b'\'' | b'"') || obj.get(at + 6) != Some(&q) {
            return false;
        }
        let rest = &obj[at + 7..];
        let skip = rest
            .iter()
            .take_while(|c| matches!(c, b':' | b'=' | b'>' | b' '))
            .count();
        let value = &rest[skip..];
        let Some(&vq) = value.first().filter(|c| matches!(c, b'\'' | b'"')) else {
            return false;
        };
        let inner = &value[1..];
        let end = memchr::memchr(vq, inner).unwrap_or(0);
        crate::log_digest::http::is_http_method(&inner[..end])
    })
}

/// Inside a bracketed span of several words, the free text after a label and its colon
/// (`[Request failed: connection reset by peer]`): where that text starts and where the
/// span's closing bracket is, both offsets into `b`; `open` is the opening bracket.
#[inline(never)]
pub(super) fn bracketed_free_text(b: &[u8], open: usize) -> Option<(usize, usize)> {
    const SPAN_MAX: usize = 300;
    let end = (open + SPAN_MAX).min(b.len());
    let mut depth = 0usize;
    let mut colon = None;
    for (k, &c) in b[open..end].iter().enumerate() {
        let at = open + k;
        match c {
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    let from = colon?;
                    // Something to hide, and more than one word in the span.
                    return (from < at && b[open..at].contains(&b' ')).then_some((from, at));
                }
            }
            b':' if depth == 1
                && colon.is_none()
                && b.get(at + 1) == Some(&b' ')
                && b.get(at + 2).is_some_and(|&n| n != b' ' && n != b']') =>
            {
                colon = Some(at + 2);
            }
            _ => {}
        }
    }
    None
}

/// A call in the token at `s..i` of `b`: an identifier (a letter or `_` first) directly
/// before the token's first `(`, and the `)` that closes it on the same line, at most 256
/// bytes on (nested parentheses count), with its arguments separated by commas (spaces only
/// after a comma or inside quotes). Returns the positions of the `(` and the `)`.
#[inline(never)]
pub(super) fn call_args(b: &[u8], s: usize, i: usize) -> Option<(usize, usize)> {
    let open = s + memchr::memchr(b'(', &b[s..i])?;
    let ident = |c: &u8| c.is_ascii_alphanumeric() || *c == b'_';
    let name_len = b[s..open].iter().rev().take_while(|c| ident(c)).count();
    let first = *b[..open].get(open.checked_sub(name_len)?)?;
    if name_len == 0 || !(first.is_ascii_alphabetic() || first == b'_') {
        return None;
    }
    let mut depth = 0usize;
    let mut quote = 0u8;
    let mut prev = 0u8;
    for (k, &c) in b[open..(open + 257).min(b.len())].iter().enumerate() {
        let before = std::mem::replace(&mut prev, c);
        if quote != 0 {
            if c == quote || c == b'\n' {
                quote = 0;
            }
            continue;
        }
        match c {
            b'\'' | b'"' => quote = c,
            // Arguments are separated by commas: a space after anything else
            // (`Name(a=1 b=2)`) makes it an object's fields, not a call.
            b' ' | b'\t' if before != b',' => return None,
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some((open, open + k));
                }
            }
            b'\n' => return None,
            _ => {}
        }
    }
    None
}

/// Writes the masked argument list of a call (`args`: what lies between its parentheses,
/// see [`call_args`]) with its parentheses. Class: keyword arguments, the repr of a record or
/// a task's parameters (`Order(id=5, side=buy)`, `Fetch(day=2024-01-02, sym=X)`): every
/// argument is `key=value` with an identifier key, and the keys stay, as for logfmt pairs,
/// the values become `<*>` (`Order(id=<*>,side=<*>)`, one token). Any other list (positional
/// arguments, a mix, none) is one variable: `(<*>)`.
pub(super) fn write_call_args(args: &[u8], out: &mut Vec<u8>) {
    let mark = out.len();
    out.push(b'(');
    let mut depth = 0usize;
    let mut quote = 0u8;
    let mut from = 0;
    let mut ok = !args.is_empty();
    for (k, &c) in args
        .iter()
        .enumerate()
        .chain(std::iter::once((args.len(), &b',')))
    {
        if !ok {
            break;
        }
        if quote != 0 {
            if c == quote {
                quote = 0;
            }
            continue;
        }
        match c {
            b'\'' | b'"' => quote = c,
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b',' if depth == 0 => {
                let arg = args[from..k].trim_ascii();
                from = k + 1;
                let eq = memchr::memchr(b'=', arg).unwrap_or(0);
                let key = &arg[..eq];
                ok = eq > 0
                    && eq + 1 < arg.len()
                    && (key[0].is_ascii_alphabetic() || key[0] == b'_')
                    && key.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_');
                if ok {
                    if out.len() > mark + 1 {
                        out.push(b',');
                    }
                    out.extend_from_slice(key);
                    out.extend_from_slice(b"=<*>");
                }
            }
            _ => {}
        }
    }
    if !ok || quote != 0 {
        out.truncate(mark + 1);
        out.extend_from_slice(b"<*>");
    }
    out.push(b')');
}

/// An exception type followed by its message: a code identifier (optionally dotted,
/// `pkg.mod.Name`) whose last part is a capitalised word of letters and digits that ends in
/// `Error` or `Exception` after at least one more letter, then `:` (`TimeoutError:`,
/// `io.BadInputException:`, a namespace written with backslashes: `App\Io\BadInputException:`).
/// A bare `Error:` is a word of the message, not a type.
#[inline(never)]
pub(super) fn is_exception_type(tok: &[u8]) -> bool {
    let Some(name) = tok.strip_suffix(b":") else {
        return false;
    };
    let last = name
        .iter()
        .rposition(|&c| c == b'.' || c == b'\\')
        .map_or(name, |d| &name[d + 1..]);
    let stem = last
        .strip_suffix(b"Error")
        .or_else(|| last.strip_suffix(b"Exception"));
    stem.is_some_and(|s| s.first().is_some_and(u8::is_ascii_uppercase) && s.len() >= 2)
        && last.iter().all(u8::is_ascii_alphanumeric)
        && name
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'\\'))
}

#[cfg(test)]
mod tests {
    use super::super::masked;

    /// Class: a dictionary printed by its repr, its keys varying: one value, bare, after a
    /// label, before a comma, nested, with a double-quoted string holding an apostrophe.
    #[test]
    fn a_dict_repr_is_one_value_whatever_its_keys() {
        let forms = [
            "flarn placed {} done",
            "flarn placed: {}",
            "{} flarn placed",
            "flarn placed {}, done",
        ];
        for form in forms {
            let one = masked(&form.replace("{}", "{'zorquil': 7, 'quil': 'bram'}"));
            assert_eq!(one, form.replace("{}", "<*>"), "{form}");
            for other in [
                "{'vexlun': 'dra fim', 'quil': 3.5}",
                "{'zorquil': {'pock': [1, 2]}, 'dra': None}",
                "{'zorquil': \"it's bram\", 'quil': '}'}",
                "{'zorquil', 'quil'}",
            ] {
                assert_eq!(masked(&form.replace("{}", other)), one, "{form} {other}");
            }
        }
        // Must not fire: braces with no quoted key, a dict left open on the line, and a dict
        // of a request's parameters (its method is part of the event) stay masked value by
        // value.
        assert_eq!(masked("mu {nu xi} omicron"), "mu {nu xi} omicron");
        assert_ne!(
            masked("flarn placed {'zorquil': 'bram vex"),
            "flarn placed <*>"
        );
        for method in ["GET", "PUT"] {
            let m = masked(&format!(
                "flarn with {{'zorquil': 7, 'method': '{method}'}}"
            ));
            assert!(m.contains(method), "{m}");
        }
    }
}
