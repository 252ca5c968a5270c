//! The syslog protocol's header (RFC 5424): `<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG`.
//!
//! A standard, not a format learned from a sample: its seven fields have a fixed order, each
//! written as `-` when empty, and its structured data (`[id key="value" ...]`, quoted values
//! with spaces) is header however many elements it holds. Column typing cannot see that: the
//! message id is a word like the message's own and the structured data holds spaces, so a
//! learned model ends the header early and every message id and data element splits events.

use super::header::Split;
use super::levels;

/// Splits an RFC 5424 line into its header (through the structured data) and message; the
/// level is the priority's severity. `None` when the line is not one.
pub fn split(line: &str) -> Option<Split<'_>> {
    let b = line.as_bytes();
    // `<PRI>` then the version `1` and a space: checked byte by byte before anything else,
    // so other lines cost one comparison.
    if b.first() != Some(&b'<') {
        return None;
    }
    let close = b.iter().take(5).position(|&c| c == b'>')?;
    if close < 2 || !b[1..close].iter().all(u8::is_ascii_digit) || b.get(close + 1) != Some(&b'1') {
        return None;
    }
    if b.get(close + 2) != Some(&b' ') {
        return None;
    }
    let level = levels::syslog_priority(&line[..close + 2]);
    // TIMESTAMP HOSTNAME APP-NAME PROCID MSGID: five fields, none holding a space.
    let mut at = close + 3;
    for _ in 0..5 {
        let len = b[at..].iter().position(|&c| c == b' ')?;
        if len == 0 {
            return None;
        }
        at += len + 1;
    }
    let sd_end = structured_data_end(b, at)?;
    let mut msg = sd_end;
    if b.get(msg) == Some(&b' ') {
        msg += 1;
    }
    let message = line[msg..].strip_prefix('\u{feff}').unwrap_or(&line[msg..]);
    Some(Split {
        header: line[..sd_end].trim_end(),
        message,
        level,
    })
}

/// Where the structured data starting at `at` ends: after `-`, or after its last
/// `[id key="value" ...]` element (a value may hold spaces and `\"`, `\]` escapes).
fn structured_data_end(b: &[u8], at: usize) -> Option<usize> {
    match b.get(at) {
        Some(b'-') if matches!(b.get(at + 1), None | Some(b' ')) => return Some(at + 1),
        Some(b'[') => {}
        _ => return None,
    }
    let mut i = at;
    while b.get(i) == Some(&b'[') {
        let mut quoted = false;
        i += 1;
        loop {
            match *b.get(i)? {
                b'\\' if quoted => i += 1,
                b'"' => quoted = !quoted,
                b']' if !quoted => break,
                _ => {}
            }
            i += 1;
        }
        i += 1;
    }
    Some(i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log_digest::levels::Level;

    #[test]
    fn the_header_runs_through_the_structured_data() {
        // Class: a syslog-protocol line; the message id and structured data are header.
        let s = split("<131>1 2025-03-01T10:00:00.1Z node-4 alpha 812 GAMMA - part moved to 7")
            .unwrap();
        assert_eq!(
            s.header,
            "<131>1 2025-03-01T10:00:00.1Z node-4 alpha 812 GAMMA -"
        );
        assert_eq!(s.message, "part moved to 7");
        assert_eq!(s.level, Some(Level::Error));
        let line = r#"<14>1 2025-03-01T10:00:00Z 10.1.2.3 beta - - [meta@1 k="a b]" q="x\"y"][o@2 n="1"] part moved"#;
        let s = split(line).unwrap();
        assert!(s.header.ends_with(r#"[o@2 n="1"]"#), "{}", s.header);
        assert_eq!(s.message, "part moved");
        assert_eq!(s.level, Some(Level::Info));
        // A message that starts with a byte-order mark, and a line with no message.
        let s = split("<12>1 - host app - - - \u{feff}part moved").unwrap();
        assert_eq!((s.message, s.level), ("part moved", Some(Level::Warning)));
        assert_eq!(split("<12>1 - host app - - -").unwrap().message, "");
    }

    #[test]
    fn other_lines_are_not_syslog_protocol() {
        for line in [
            "<12>Mar  1 10:00:00 host app: part moved", // the older syslog header
            "<b>1 bold</b>",
            "<131>1 2025-03-01 node",                  // too few fields
            "<131>1 a b c d e [unclosed k=\"v\" rest", // structured data never closed
            "<131>1 a b c d e words after",            // neither `-` nor `[` where data goes
            "plain line",
            "",
        ] {
            assert_eq!(split(line), None, "{line}");
        }
    }
}
