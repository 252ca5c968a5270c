//! Failure class: a logger that writes each line of a multi-line message (a stack trace, an
//! exception) as a record of its own, the whole header repeated on every line. What tells such
//! a line: the tags that open a message, a header repeated but for its ticking clock, and the
//! shapes of stack frames.

use super::super::multiline::is_margin_frame;

/// The tags that open a message (bracketed fields, marks of punctuation such as `:` or `--`)
/// and the text after them: `: [a1b2] text` -> (`: [a1b2]`, ` text`).
pub(super) fn split_tags(m: &str) -> (&str, &str) {
    let mut end = 0;
    loop {
        let r = &m[end..];
        let t = r.trim_start();
        let at = end + (r.len() - t.len());
        let len = if t.starts_with('[') {
            match t.find(']') {
                Some(i) => i + 1,
                None => break,
            }
        } else {
            let w = t.find(char::is_whitespace).unwrap_or(t.len());
            if w == 0
                || !t[..w]
                    .bytes()
                    .all(|b| matches!(b, b':' | b'-' | b'|' | b'>'))
            {
                break;
            }
            w
        };
        end = at + len;
    }
    // A name and nothing after it but a mark (`alpha.beta:`, `alpha -`): the name field of a
    // record whose message is empty.
    let mut words = m[end..].split_ascii_whitespace();
    let lone = match (words.next(), words.next(), words.next()) {
        (Some(w), None, _) => w.ends_with(':'),
        (Some(_), Some(mark), None) => mark.bytes().all(|b| matches!(b, b':' | b'-' | b'|')),
        _ => false,
    };
    if lone {
        end = m.trim_end().len();
    }
    (&m[..end], &m[end..])
}

/// The rest of `line` after `prefix` (an event's header and tags), where the line repeats
/// it but for one run of time characters (digits, `:`, `.`, `,`, with a `:` or a `.` in
/// it): the clock ticked between two records of one event. Another field that differs (a process id, a level, a tag)
/// makes the line no repeat.
pub(super) fn after_prefix<'a>(prefix: &str, line: &'a str) -> Option<&'a str> {
    let (p, l) = (prefix.as_bytes(), line.as_bytes());
    let n = p.iter().zip(l).take_while(|(x, y)| x == y).count();
    let time = |c: &&u8| c.is_ascii_digit() || matches!(c, b':' | b'.' | b',');
    let (pi, li) = if n == p.len() {
        (n, n)
    } else {
        let pi = n + p[n..].iter().take_while(time).count();
        let li = n + l[n..].iter().take_while(time).count();
        // The run the lines differ in, from its start: a clock's (`09:00:11.961`), not a
        // bare number (a process id).
        let start = n - p[..n].iter().rev().take_while(time).count();
        if pi == n && li == n || !p[start..pi].iter().any(|&c| c == b':' || c == b'.') {
            return None;
        }
        (pi, li)
    };
    let tail = &p[pi..];
    if !l[li..].starts_with(tail) {
        return None;
    }
    let rest = line.get(li + tail.len()..)?;
    (rest.is_empty() || rest.starts_with([' ', '\t'])).then_some(rest)
}

/// A stack frame as runtimes print one a line: `file:LINE:in 'name'` (optionally behind
/// `from `), `at pkg.Type.fn(File.ext:12)` / `at fn (file.js:1:2)`, `File "x.py", line 3`.
pub(super) fn is_frame(t: &str) -> bool {
    let t = t.strip_prefix("from ").unwrap_or(t);
    is_margin_frame(t)
        || t.strip_prefix("at ")
            .is_some_and(|r| r.ends_with(')') && r.contains('('))
        || (t.starts_with("File \"") && t.contains("\", line "))
}
