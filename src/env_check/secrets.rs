//! Secret hygiene: which keys hold secrets, and how a secret value is shown (never in full).

/// Name fragments that make a key secret-looking (matched on the upper-cased name).
const SECRET_PARTS: &[&str] = &[
    "KEY",
    "SECRET",
    "TOKEN",
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "DSN",
    "CREDENTIAL",
    "PRIVATE",
];

/// True when a key's name looks like it holds a secret (`*KEY*`, `*SECRET*`, `*TOKEN*`,
/// `*PASSWORD*`, `*DSN*`, and a few relatives).
pub fn secret_name(key: &str) -> bool {
    let upper = key.to_ascii_uppercase();
    SECRET_PARTS.iter().any(|p| upper.contains(p))
}

/// A masked rendering that keeps only what helps to recognise a value without revealing it:
/// a two-character prefix for long values, and the length (`sk…(40 chars)`).
pub fn mask(value: &str) -> String {
    let n = value.chars().count();
    if n == 0 {
        return "(empty)".to_string();
    }
    let unit = if n == 1 { "char" } else { "chars" };
    if n >= 16 {
        let prefix: String = value.chars().take(2).collect();
        if prefix.chars().all(|c| c.is_ascii_alphanumeric()) {
            return format!("{prefix}…({n} {unit})");
        }
    }
    format!("…({n} {unit})")
}

/// Hides the password of every `scheme://user:password@host` in a value
/// (`postgres://bot:…@db/app`): a URL key is not secret-looking, its password is.
pub fn redact_url_passwords(value: &str) -> std::borrow::Cow<'_, str> {
    if !value.contains("://") || !value.contains('@') {
        return std::borrow::Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let authority_end = tail.find(['/', '?', '#', ' ']).unwrap_or(tail.len());
        let authority = &tail[..authority_end];
        match authority
            .rfind('@')
            .map(|at| (at, authority[..at].find(':')))
        {
            Some((at, Some(colon))) => {
                out.push_str(&authority[..=colon]);
                out.push('…');
                out.push_str(&authority[at..]);
            }
            _ => out.push_str(authority),
        }
        rest = &tail[authority_end..];
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// The names a value refers to with `$NAME` or `${NAME…}` (as either loader expands them).
pub fn referenced_names(value: &str) -> impl Iterator<Item = &str> {
    value.match_indices('$').filter_map(move |(i, _)| {
        let rest = &value[i + 1..];
        let rest = rest.strip_prefix('{').unwrap_or(rest);
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        (end > 0).then(|| &rest[..end])
    })
}

/// Shows a value for a message: masked when secret, else quoted and shortened to one line,
/// with URL passwords hidden.
pub fn show(value: &str, secret: bool) -> String {
    if secret {
        return mask(value);
    }
    let value = redact_url_passwords(value);
    let mut s = String::from("\"");
    for (i, c) in value.chars().enumerate() {
        if i >= 60 {
            s.push('…');
            break;
        }
        match c {
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            c if c.is_control() => s.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

/// True for text on a line without `=` that must not be echoed: anything that is not a plain
/// upper-case identifier might be a pasted token.
pub fn unsafe_to_echo(text: &str) -> bool {
    !(text.len() <= 40
        && text
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_masks() {
        assert!(secret_name("BINANCE_API_SECRET"));
        assert!(secret_name("sentry_dsn"));
        assert!(secret_name("DB_PASSWORD"));
        assert!(!secret_name("LOG_LEVEL"));
        assert_eq!(
            mask("sk0123456789012345678901234567890123456789"),
            "sk…(42 chars)"
        );
        assert_eq!(mask("short"), "…(5 chars)");
        assert_eq!(mask(""), "(empty)");
        assert_eq!(show("a\"b\n", false), "\"a\\\"b\\n\"");
        assert!(unsafe_to_echo("FAKE-TOKEN-0123"));
        assert!(!unsafe_to_echo("NO_EQUALS_SIGN"));
        assert_eq!(
            redact_url_passwords("postgres://bot:pw@localhost:5432/db?x=1"),
            "postgres://bot:…@localhost:5432/db?x=1"
        );
        assert_eq!(
            redact_url_passwords("https://user@host/a"),
            "https://user@host/a"
        );
        let names: Vec<&str> = referenced_names("a${B}c$D_1:${E:-x}$").collect();
        assert_eq!(names, ["B", "D_1", "E"]);
        assert_eq!(
            redact_url_passwords("https://api.example.com"),
            "https://api.example.com"
        );
    }
}
