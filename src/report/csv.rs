//! CSV writing with RFC 4180 quoting: a field is quoted only when it holds a comma, quote, CR or LF.

use std::fmt::Write as _;

/// Quotes one field when it needs it.
pub fn field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        std::borrow::Cow::Owned(format!("\"{}\"", s.replace('"', "\"\"")))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Appends one CSV record (with `\n`) to `out`.
pub fn push_record<S: AsRef<str>>(out: &mut String, fields: &[S]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{}", field(f.as_ref()));
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        let mut s = String::new();
        push_record(&mut s, &["a", "b,c", "say \"hi\"", ""]);
        assert_eq!(s, "a,\"b,c\",\"say \"\"hi\"\"\",\n");
    }
}
