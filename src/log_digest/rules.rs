//! Suggested fixes: built-in rules for the failures users hit most (missing module, connection
//! refused, timeouts, MySQL's `caching_sha2_password`, missing env vars, out of memory,
//! permission denied, address in use, SSL errors, rate limits) plus user rules from a TOML file:
//!
//! ```toml
//! [[rule]]
//! pattern = "(?i)broker .* unreachable"   # a regular expression
//! hint = "Check BROKER_URL and the VPN"
//! ```
//!
//! User rules are tried first, so they can override a built-in hint.

use regex::Regex;

/// One pattern → hint rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub pattern: Regex,
    pub hint: String,
}

/// Errors loading a rules file.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("{path}: {source}")]
    Toml {
        path: String,
        #[source]
        source: Box<toml::de::Error>,
    },
    #[error(
        "{path}: rule {index}: pattern {pattern:?} is not a valid regular expression: {source}"
    )]
    Pattern {
        path: String,
        index: usize,
        pattern: String,
        #[source]
        source: Box<regex::Error>,
    },
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    rule: Vec<RuleEntry>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleEntry {
    pattern: String,
    hint: String,
}

/// Parses a rules file's text (`path` names it in errors).
pub fn parse_rules(path: &str, text: &str) -> Result<Vec<Rule>, RulesError> {
    let file: RulesFile = toml::from_str(text).map_err(|e| RulesError::Toml {
        path: path.to_owned(),
        source: Box::new(e),
    })?;
    file.rule
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let pattern = Regex::new(&r.pattern).map_err(|e| RulesError::Pattern {
                path: path.to_owned(),
                index: i + 1,
                pattern: r.pattern.clone(),
                source: Box::new(e),
            })?;
            Ok(Rule {
                pattern,
                hint: r.hint,
            })
        })
        .collect()
}

const BUILTIN: &[(&str, &str)] = &[
    (
        r"(?i)caching_sha2_password",
        "MySQL 8 uses caching_sha2_password: install the `cryptography` package (PyMySQL), upgrade the client library, or create the user WITH mysql_native_password",
    ),
    (
        r"(?i)(ModuleNotFoundError|ImportError): No module named '?([\w.]+)",
        "A Python module is missing: `pip install` it in the interpreter that runs the job (check the active venv)",
    ),
    (
        r"(?i)(address already in use|EADDRINUSE|bind.*failed.*in use)",
        "The port is taken: stop the other process (`ss -ltnp`), or pick another port",
    ),
    (
        r"(?i)(connection refused|ECONNREFUSED|errno 111)",
        "Nothing listens at that host:port: start the service, or fix the host/port in the configuration",
    ),
    (
        r"(?i)(KeyError: '[A-Z][A-Z0-9_]+'|environment variable .* (not set|missing|required)|missing (required )?env(ironment)? var)",
        "A required environment variable is not set: add it to .env or the CI secrets (`velo env-check` lists them)",
    ),
    (
        r"(?i)(out of memory|MemoryError|OOM[- ]?kill|Cannot allocate memory|java\.lang\.OutOfMemoryError)",
        "The process ran out of memory: reduce batch sizes or raise the memory limit (`velo monitor --max-rss` shows the growth)",
    ),
    (
        r"(?i)(permission denied|EACCES|PermissionError|operation not permitted)",
        "Permission denied: check the file owner/mode or run as the right user",
    ),
    (
        r"(?i)(SSL|TLS|CERTIFICATE_VERIFY_FAILED|certificate verify failed|handshake failure)",
        "TLS/SSL failed: check the CA bundle (certifi), the system clock, and the host name in the URL",
    ),
    (
        r"(?i)(rate limit|too many requests|\b429\b|throttl)",
        "Rate limited: back off exponentially, lower the request rate, or honour Retry-After",
    ),
    (
        r"(?i)(timed out|timeout|deadline exceeded|ETIMEDOUT)",
        "A call timed out: check network reachability, raise the timeout, or add retries with backoff",
    ),
];

/// The compiled built-in rules.
pub fn builtin() -> Vec<Rule> {
    // Compiled once per process: --follow cuts a digest after every burst of lines.
    static RULES: std::sync::OnceLock<Vec<Rule>> = std::sync::OnceLock::new();
    RULES
        .get_or_init(|| {
            BUILTIN
                .iter()
                .filter_map(|(p, h)| {
                    Regex::new(p).ok().map(|pattern| Rule {
                        pattern,
                        hint: (*h).to_owned(),
                    })
                })
                .collect()
        })
        .clone()
}

/// The first hint whose pattern matches any of `texts`.
pub fn hint_for(rules: &[Rule], texts: &[&str]) -> Option<String> {
    rules
        .iter()
        .find(|r| texts.iter().any(|t| r.pattern.is_match(t)))
        .map(|r| r.hint.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_compile_and_match() {
        let rules = builtin();
        assert_eq!(rules.len(), BUILTIN.len());
        let h = hint_for(
            &rules,
            &["pymysql.err: Authentication plugin 'caching_sha2_password' is not supported"],
        );
        assert!(h.unwrap().contains("cryptography"));
        assert!(
            hint_for(&rules, &["ModuleNotFoundError: No module named 'ccxt'"])
                .unwrap()
                .contains("pip")
        );
        assert!(hint_for(&rules, &["all good"]).is_none());
    }

    #[test]
    fn user_rules_parse_and_report_bad_patterns() {
        let r = parse_rules(
            "r.toml",
            "[[rule]]\npattern = 'broker'\nhint = 'check VPN'\n",
        )
        .unwrap();
        assert_eq!(hint_for(&r, &["broker gone"]).as_deref(), Some("check VPN"));
        let e = parse_rules("r.toml", "[[rule]]\npattern = '('\nhint = 'x'\n").unwrap_err();
        assert!(e.to_string().contains("rule 1"));
        assert!(parse_rules("r.toml", "rule = 3").is_err());
    }
}
