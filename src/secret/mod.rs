//! Which names look secret, and how a secret is kept out of output: the one rule behind
//! env-check's masked values (keys of `.env` files) and monitor's masked command lines
//! (arguments of the watched processes). Shared ground: it knows no command.

use std::borrow::Cow;

/// Name fragments that make a key secret-looking (matched case-insensitively). `PASS` covers
/// `PASSWORD`, `PASSWD`, `PASSPHRASE` and `DB_PASS`.
const SECRET_PARTS: &[&str] = &[
    "KEY",
    "SECRET",
    "TOKEN",
    "PASS",
    "AUTH",
    "DSN",
    "CREDENTIAL",
    "PRIVATE",
    "COOKIE",
];

/// True when a key's name looks like it holds a secret (`*KEY*`, `*SECRET*`, `*TOKEN*`,
/// `*PASS*`, `*AUTH*`, `*DSN*`, and a few relatives).
pub fn secret_name(key: &str) -> bool {
    let k = key.as_bytes();
    SECRET_PARTS.iter().any(|p| {
        k.windows(p.len())
            .any(|w| w.eq_ignore_ascii_case(p.as_bytes()))
    })
}

/// A masked rendering: only the length (`…(40 chars)`). No character of the value is shown, not
/// even a prefix: a prefix narrows a secret, and a key masked by a looser rule may hold anything.
pub fn mask(value: &str) -> String {
    let n = value.chars().count();
    if n == 0 {
        return "(empty)".to_string();
    }
    let unit = if n == 1 { "char" } else { "chars" };
    format!("…({n} {unit})")
}

/// Hides the password of every `scheme://user:password@host` in a value
/// (`postgres://bot:…@db/app`): a URL key is not secret-looking, its password is.
pub fn redact_url_passwords(value: &str) -> Cow<'_, str> {
    if !value.contains("://") || !value.contains('@') {
        return Cow::Borrowed(value);
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
    Cow::Owned(out)
}

/// An option's name when `word` is a long option (`--api-key`, `-api-key` as Go's flag package
/// writes them), without its dashes. Short options (`-p`) have no name to judge: `-p` is a
/// port as often as a password, so they are left alone.
fn option_name(word: &str) -> Option<&str> {
    let name = word.strip_prefix("--").or_else(|| word.strip_prefix('-'))?;
    (name.len() >= 2
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
    .then_some(name)
}

/// A variable name as a shell assignment writes it (`API_KEY` in `API_KEY=…`).
fn is_identifier(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `word` with its value masked when it names a secret itself: `--token=…`, `API_KEY=…`, or an
/// HTTP header whose name looks secret (`Authorization: …`, as curl's `-H` takes it). All
/// that follows the `=` or `: ` is the value, spaces included.
fn mask_named(word: &str) -> Option<String> {
    if let Some((name, value)) = word.split_once('=') {
        let named = option_name(name).is_some() || is_identifier(name);
        if named && secret_name(name) && !value.is_empty() {
            return Some(format!("{name}={}", mask(value)));
        }
    }
    if let Some((name, value)) = word.split_once(": ") {
        let header = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if header && secret_name(name) {
            return Some(format!("{name}: {}", mask(value)));
        }
    }
    None
}

/// One word with its secret masked: a named value ([`mask_named`]) or URL passwords.
fn mask_word(word: &str) -> Cow<'_, str> {
    mask_named(word).map_or_else(|| redact_url_passwords(word), Cow::Owned)
}

/// Whether the word after `word` is its value to hide: `word` is a long option whose name looks
/// secret, with no `=value` of its own.
fn takes_secret_value(word: &str) -> bool {
    !word.contains('=') && option_name(word).is_some_and(secret_name)
}

/// The value after a secret-looking option, unless it is another option (a lone `-`, stdin, is
/// a value).
fn is_value(word: &str) -> bool {
    word == "-" || !word.starts_with('-')
}

/// Masks the secrets of a command line given as its arguments (the program first), and
/// returns it on one line (an argument holding a script shows its words, not its newlines).
///
/// Masked: the value of a long option whose name looks secret (`--api-key=…` and `--api-key …`,
/// the next argument unless it is another option), of a variable assignment (`PASSWORD=…`), of
/// an HTTP header argument (`Authorization: …`), and the password of a URL
/// (`https://user:…@host`). Inside an argument that holds a script (`sh -c '…'`) the same rules
/// apply word by word. The program's name is never masked. Short options (`-p …`) are not
/// judged: a single letter says nothing about its value.
pub fn mask_args<S: AsRef<str>>(args: &[S]) -> String {
    let mut out: Vec<String> = Vec::with_capacity(args.len());
    let mut hide_next = false;
    for (i, arg) in args.iter().enumerate() {
        let arg = arg.as_ref();
        if i > 0 && hide_next && is_value(arg) {
            out.push(mask(arg));
            hide_next = false;
            continue;
        }
        hide_next = i > 0 && takes_secret_value(arg);
        let text = if i == 0 {
            Cow::Borrowed(arg)
        } else if let Some(masked) = mask_named(arg) {
            // `NAME=…` or `--name=…` as one argument: all that follows the `=` is its value,
            // spaces and all.
            Cow::Owned(masked)
        } else if arg.contains(char::is_whitespace) {
            // A script: its words, each masked, and `--token x` within it.
            Cow::Owned(mask_words(arg.split_whitespace()))
        } else {
            redact_url_passwords(arg)
        };
        out.push(text.split_whitespace().collect::<Vec<_>>().join(" "));
    }
    out.retain(|w| !w.is_empty());
    out.join(" ")
}

/// The words of a script, each masked, a secret option's next word too, and the value of a
/// header split into words (`-H 'Authorization: Bearer abc'`).
fn mask_words<'a>(words: impl Iterator<Item = &'a str>) -> String {
    let mut out: Vec<String> = Vec::new();
    // Words still to hide: 1 after a secret option, up to 2 after a header name (a scheme such
    // as `Bearer`, then the credential).
    let mut hide = 0;
    for w in words {
        if hide > 0 && is_value(w) {
            let scheme = hide == 2
                && ["bearer", "basic", "token", "digest"]
                    .contains(&w.trim_matches(['\'', '"']).to_ascii_lowercase().as_str());
            out.push(if scheme { w.to_string() } else { mask(w) });
            hide = usize::from(scheme);
            continue;
        }
        let header = w
            .trim_start_matches(['\'', '"'])
            .strip_suffix(':')
            .is_some_and(|name| {
                !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                    && secret_name(name)
            });
        hide = if header {
            2
        } else {
            usize::from(takes_secret_value(w))
        };
        out.push(mask_word(w).into_owned());
    }
    out.join(" ")
}

/// [`mask_args`] for a command line already joined with spaces (as `/proc/<pid>/cmdline` is
/// shown when its argument boundaries are gone): the words are its arguments.
pub fn mask_command_line(line: &str) -> String {
    let words: Vec<&str> = line.split_whitespace().collect();
    mask_args(&words)
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
        assert!(secret_name("DB_PASS"));
        assert!(secret_name("AUTH"));
        assert!(secret_name("github_token"));
        assert_eq!(
            mask("sk0123456789012345678901234567890123456789"),
            "…(42 chars)"
        );
        assert_eq!(mask("short"), "…(5 chars)");
        assert_eq!(mask(""), "(empty)");
        assert_eq!(
            redact_url_passwords("postgres://bot:pw@localhost:5432/db?x=1"),
            "postgres://bot:…@localhost:5432/db?x=1"
        );
        assert_eq!(
            redact_url_passwords("https://user@host/a"),
            "https://user@host/a"
        );
        assert_eq!(
            redact_url_passwords("https://api.example.com"),
            "https://api.example.com"
        );
    }

    fn masked(args: &[&str]) -> String {
        mask_args(args)
    }

    #[test]
    fn secret_options_and_assignments_are_masked_in_both_forms() {
        assert_eq!(
            masked(&[
                "python",
                "bot.py",
                "--api-key=sk-live-123",
                "--symbol",
                "BTC"
            ]),
            "python bot.py --api-key=…(11 chars) --symbol BTC"
        );
        assert_eq!(
            masked(&["python", "bot.py", "--token", "abc def", "--dry-run"]),
            "python bot.py --token …(7 chars) --dry-run"
        );
        assert_eq!(
            masked(&["env", "PASSWORD=hunter2", "DEBUG=1", "run"]),
            "env PASSWORD=…(7 chars) DEBUG=1 run"
        );
        // Go's single-dash long options.
        assert_eq!(
            masked(&["bot", "-secret", "s3cr3t", "-v"]),
            "bot -secret …(6 chars) -v"
        );
        // An option after a secret-looking flag is not its value.
        assert_eq!(
            masked(&["bot", "--no-auth", "--verbose"]),
            "bot --no-auth --verbose"
        );
        // A lone `-` (stdin) is a value.
        assert_eq!(
            masked(&["bot", "--key-file", "-"]),
            "bot --key-file …(1 char)"
        );
    }

    #[test]
    fn urls_headers_and_scripts() {
        assert_eq!(
            masked(&["curl", "https://bot:pw0rd@api.example.com/v1?x=1"]),
            "curl https://bot:…@api.example.com/v1?x=1"
        );
        assert_eq!(
            masked(&["curl", "-H", "Authorization: Bearer abc.def", "https://x"]),
            "curl -H Authorization: …(14 chars) https://x"
        );
        assert_eq!(
            masked(&[
                "sh",
                "-c",
                "cd /srv && API_TOKEN=t0k python bot.py --password  p4ss\n--db postgres://u:pw@h/db"
            ]),
            "sh -c cd /srv && API_TOKEN=…(3 chars) python bot.py --password …(4 chars) --db postgres://u:…@h/db"
        );
        assert_eq!(
            masked(&[
                "sh",
                "-c",
                "curl -H 'X-Api-Key: k3y' -H 'Authorization: Bearer t0k' u"
            ]),
            "sh -c curl -H 'X-Api-Key: …(4 chars) -H 'Authorization: Bearer …(4 chars) u"
        );
        // A quoted value with spaces is one argument: all of it goes.
        assert_eq!(
            masked(&[
                "env",
                "PASSWORD=correct horse",
                "--db-password=battery staple",
                "x"
            ]),
            "env PASSWORD=…(13 chars) --db-password=…(14 chars) x"
        );
    }

    #[test]
    fn nothing_else_is_touched() {
        for line in [
            ["python", "-m", "pytest", "-k", "test_keys", "-p", "8080"].as_slice(),
            &["/usr/bin/keyring-daemon", "--port=80", "x=1"],
            &["ssh", "-p", "2222", "git@github.com"],
            &["sort", "-k", "2,2", "--key=3", "data.csv"],
        ] {
            let joined = line.join(" ");
            if line.contains(&"--key=3") {
                // `--key` looks secret: its value goes, the rest stays.
                assert_eq!(mask_args(line), "sort -k 2,2 --key=…(1 char) data.csv");
            } else {
                assert_eq!(mask_args(line), joined, "{line:?}");
            }
        }
        // The program is never masked, an empty assignment has nothing to hide.
        assert_eq!(masked(&["TOKEN=x"]), "TOKEN=x");
        assert_eq!(masked(&["env", "TOKEN="]), "env TOKEN=");
        assert_eq!(
            mask_command_line("python bot.py  --api-key sk-1"),
            "python bot.py --api-key …(4 chars)"
        );
    }
}
