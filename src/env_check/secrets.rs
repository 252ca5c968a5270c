//! Secret hygiene: which values may be shown at all ([`ValuePolicy`]) and how a value is shown
//! in a message. Which key names look secret, and the mask itself, are the shared rule of
//! [`crate::secret`].

use super::parse::EnvFile;
use super::schema::Schema;
use super::FastSet;

// The name rule and the masks are shared with monitor's masked command lines.
pub use crate::secret::{mask, redact_url_passwords, secret_name};

/// Which keys' values may appear in output. A value is shown only when the schema declares its
/// key, does not mark it `@sensitive`, the name does not look secret, the name is not within
/// did-you-mean distance of a sensitive or secret-looking key (a misspelt `API_SECERT` is as
/// secret as `API_SECRET`), and the value does not refer to a masked variable. Everything else
/// is masked: with no schema, every value.
#[derive(Debug, Clone, Default)]
pub struct ValuePolicy {
    shown: FastSet<String>,
}

impl ValuePolicy {
    /// The policy for `schema` and the `.env` files being checked (their secret-looking keys
    /// take part in the distance rule, their `${NAME}` references in the taint rule).
    pub fn new(schema: Option<&Schema>, files: &[EnvFile]) -> Self {
        let Some(schema) = schema else {
            return Self::default();
        };
        // Keys whose values are secret: sensitive or secret-looking, declared or not.
        let mut secret: FastSet<&str> = schema
            .vars
            .iter()
            .filter(|v| v.sensitive || secret_name(&v.key))
            .map(|v| v.key.as_str())
            .collect();
        let mut candidates: Vec<&str> = schema
            .vars
            .iter()
            .filter(|v| !v.sensitive && !secret_name(&v.key))
            .map(|v| v.key.as_str())
            .collect();
        if candidates.is_empty() {
            return Self::default();
        }
        let (min_len, max_len) = candidates.iter().fold((usize::MAX, 0), |(lo, hi), k| {
            (lo.min(k.len()), hi.max(k.len()))
        });
        for f in files {
            for e in f.entries() {
                let k = f.key(e);
                // Only a name of about a candidate's length can be within typo distance.
                if k.len() + 3 >= min_len && k.len() <= max_len + 3 && secret_name(k) {
                    secret.insert(k);
                }
            }
        }
        candidates.retain(|c| {
            !secret
                .iter()
                .any(|s| s != c && crate::suggest::typo_distance(c, s).is_some())
        });
        let mut shown: FastSet<String> = candidates.iter().map(|c| (*c).to_string()).collect();
        // A value built from a masked variable (`URL=postgres://u:${DB_PASS}@db`) is masked:
        // repeat until no shown value refers to a masked one (chains of references).
        loop {
            let before = shown.len();
            for f in files.iter().filter(|f| f.text.contains('$')) {
                for e in f.entries() {
                    let key = f.key(e);
                    let Some(v) = &e.value else { continue };
                    if shown.contains(key)
                        && referenced_names(f.value_text(v)).any(|n| !shown.contains(n))
                    {
                        shown.remove(key);
                    }
                }
            }
            if shown.len() == before {
                break;
            }
        }
        Self { shown }
    }

    /// The policy for raw inputs (parses them; with no schema nothing is parsed).
    pub fn for_inputs(schema: Option<&Schema>, inputs: &[super::EnvInput]) -> Self {
        if schema.is_none() {
            return Self::default();
        }
        let files: Vec<EnvFile> = inputs
            .iter()
            .map(|i| EnvFile::parse(i.name.clone(), &i.bytes))
            .collect();
        Self::new(schema, &files)
    }

    /// True when `key`'s value must be masked.
    pub fn masked(&self, key: &str) -> bool {
        !self.shown.contains(key)
    }
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
    fn only_declared_non_sensitive_values_are_shown() {
        let schema = Schema::from_file(
            ".env.schema",
            b"# @sensitive\nBROKER_PIN=\nBROKER_PINS=\nLOG_LEVEL=\nPORT=\nDB_PASS=\n\
              URL=\nHOST_URL=\nBASE=\n",
        )
        .unwrap();
        let env = EnvFile::parse(
            ".env",
            b"API_SECERT=x\nURL=postgres://u:${DB_PASS}@h\nBASE=${URL}/x\nHOST_URL=${PORT}\n",
        );
        let p = ValuePolicy::new(Some(&schema), std::slice::from_ref(&env));
        // Declared, not sensitive, not secret-looking, not near a secret: shown.
        assert!(!p.masked("LOG_LEVEL"));
        assert!(!p.masked("PORT"));
        assert!(!p.masked("HOST_URL"), "refers only to a shown value");
        // Sensitive, secret-looking, within typo distance of a sensitive key, undeclared.
        assert!(p.masked("BROKER_PIN"));
        assert!(p.masked("DB_PASS"));
        assert!(p.masked("BROKER_PINS"));
        assert!(p.masked("API_SECERT"));
        assert!(p.masked("ANYTHING_ELSE"));
        // Built from a masked value, directly or through a chain.
        assert!(p.masked("URL"));
        assert!(p.masked("BASE"));
        // No schema: nothing is declared, so nothing is shown.
        assert!(ValuePolicy::new(None, &[env]).masked("PORT"));
    }

    #[test]
    fn values_are_shown_quoted_or_masked() {
        assert_eq!(show("a\"b\n", false), "\"a\\\"b\\n\"");
        assert_eq!(show("hunter2", true), "…(7 chars)");
        assert_eq!(show("postgres://u:pw@h", false), "\"postgres://u:…@h\"");
        assert!(unsafe_to_echo("FAKE-TOKEN-0123"));
        assert!(!unsafe_to_echo("NO_EQUALS_SIGN"));
        let names: Vec<&str> = referenced_names("a${B}c$D_1:${E:-x}$").collect();
        assert_eq!(names, ["B", "D_1", "E"]);
    }
}
