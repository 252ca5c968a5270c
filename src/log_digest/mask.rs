//! Variable recognition: which whitespace-separated tokens of a message are variables (numbers,
//! hex, ids, IPs, host:port, paths, URLs, UUIDs, block ids, durations, sizes, key=value values).
//!
//! A token is judged as a whole, so `uid=10037,` and `0x1f` both become `<*>` and a template
//! never depends on how many digits a number had. Runs of variable tokens collapse into one
//! `<*>`, so variable-length lists (`@0x7fe @0x7ff …`) do not split a template by length.

/// The placeholder written for a variable part of a template.
pub const WILDCARD: &str = "<*>";

/// True when `tok` looks like a variable value rather than a fixed word of a message.
pub fn is_variable(tok: &str) -> bool {
    let b = tok.as_bytes();
    if b.iter().any(u8::is_ascii_digit) {
        return true;
    }
    if b.len() >= 2 && b[0] == b'/' && b[1..].contains(&b'/') {
        return true; // a path
    }
    if memchr::memmem::find(b, b"://").is_some() {
        return true; // a URL
    }
    if b.len() >= 3 && b[1] == b':' && b[2] == b'\\' && b[0].is_ascii_alphabetic() {
        return true; // a Windows path
    }
    false
}

/// Splits `content` into tokens, replacing variable tokens by [`WILDCARD`] and collapsing runs
/// of wildcards into one. Calls `f` for each resulting token in order.
#[inline]
pub fn for_each_token<'a>(content: &'a str, mut f: impl FnMut(&'a str)) {
    let mut last_wild = false;
    for tok in content.split_ascii_whitespace() {
        if is_variable(tok) {
            if !last_wild {
                f(WILDCARD);
            }
            last_wild = true;
        } else {
            f(tok);
            last_wild = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(s: &str) -> String {
        let mut v = Vec::new();
        for_each_token(s, |t| v.push(t));
        v.join(" ")
    }

    #[test]
    fn numbers_ids_and_paths_are_variables() {
        assert_eq!(
            masked("Received block blk_-1608 of size 67108864 from /10.250.1.2:50010"),
            "Received block <*> of size <*> from <*>"
        );
        assert_eq!(masked("open /var/log/app.log failed"), "open <*> failed");
        assert_eq!(masked("GET https://example.com/x ok"), "GET <*> ok");
        assert_eq!(masked("(stack @0x7fe @0x7ff @0xff)"), "(stack <*>");
    }

    #[test]
    fn words_stay() {
        assert_eq!(
            masked("session opened for user root"),
            "session opened for user root"
        );
        assert!(!is_variable("/"));
    }
}
