//! `--scan-code`: walks a project (honouring `.gitignore`, through the `ignore` crate) and finds
//! the environment variables its code reads: Python (`os.getenv`, `os.environ[...]`,
//! `os.environ.get`), Rust (`env::var`, `env!`), JS/TS (`process.env.X`) and shell (`${X}`).

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use super::CodeRef;

/// A scan that could not run.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("{path}: {source}")]
    Walk {
        path: String,
        #[source]
        source: ignore::Error,
    },
}

const NAME: &str = r"([A-Za-z_][A-Za-z0-9_]*)";

static PYTHON: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    compile(&[
        &format!(r#"\bgetenv\(\s*["']{NAME}["']"#),
        &format!(r#"\benviron\.get\(\s*["']{NAME}["']"#),
        &format!(r#"\benviron\[\s*["']{NAME}["']\s*\]"#),
    ])
});
static RUST: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    compile(&[
        &format!(r#"\benv::var(?:_os)?\(\s*"{NAME}""#),
        &format!(r#"\b(?:option_)?env!\(\s*"{NAME}""#),
        &format!(r#"\bdotenvy::var\(\s*"{NAME}""#),
    ])
});
static JS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    compile(&[
        &format!(r"\bprocess\.env\.{NAME}"),
        &format!(r#"\bprocess\.env\[\s*["']{NAME}["']\s*\]"#),
        &format!(r"\bimport\.meta\.env\.{NAME}"),
    ])
});
static SHELL: LazyLock<Vec<Regex>> = LazyLock::new(|| compile(&[r"\$\{([A-Z_][A-Z0-9_]*)"]));

fn compile(patterns: &[&str]) -> Vec<Regex> {
    patterns.iter().filter_map(|p| Regex::new(p).ok()).collect()
}

fn patterns_for(path: &Path) -> Option<&'static [Regex]> {
    let ext = path.extension()?.to_str()?;
    Some(match ext {
        "py" | "pyw" => &PYTHON,
        "rs" => &RUST,
        "js" | "mjs" | "cjs" | "jsx" | "ts" | "mts" | "cts" | "tsx" => &JS,
        "sh" | "bash" | "zsh" => &SHELL,
        _ => return None,
    })
}

/// Scans `root`; paths in the result are shown relative to `base` when below it.
pub fn scan(root: &Path, base: &Path) -> Result<Vec<CodeRef>, ScanError> {
    let mut refs = Vec::new();
    let walker = ignore::WalkBuilder::new(root).build();
    for entry in walker {
        let entry = entry.map_err(|source| ScanError::Walk {
            path: root.display().to_string(),
            source,
        })?;
        let path = entry.path();
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let Some(patterns) = patterns_for(path) else {
            continue;
        };
        // An unreadable file is not a reason to stop the scan; it cannot reference anything.
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        let shown = path
            .strip_prefix(base)
            .unwrap_or(path)
            .display()
            .to_string();
        scan_text(&text, &shown, patterns, &mut refs);
    }
    refs.sort_by(|a, b| (&a.file, a.line, a.col).cmp(&(&b.file, b.line, b.col)));
    refs.dedup();
    Ok(refs)
}

fn scan_text(text: &str, file: &str, patterns: &[Regex], out: &mut Vec<CodeRef>) {
    for (i, line) in text.lines().enumerate() {
        for re in patterns {
            for cap in re.captures_iter(line) {
                if let Some(m) = cap.get(1) {
                    out.push(CodeRef {
                        key: m.as_str().to_string(),
                        file: file.to_string(),
                        line: i + 1,
                        col: line[..m.start()].chars().count() + 1,
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str, patterns: &[Regex]) -> Vec<String> {
        let mut out = Vec::new();
        scan_text(text, "f", patterns, &mut out);
        out.into_iter().map(|r| r.key).collect()
    }

    #[test]
    fn finds_reads_in_each_language() {
        assert_eq!(
            keys(
                "import os\na = os.getenv('A')\nb = os.environ[\"B\"]\nc = os.environ.get('C', 'x')\n",
                &PYTHON
            ),
            ["A", "B", "C"]
        );
        assert_eq!(
            keys("let a = std::env::var(\"A\"); let b = env!(\"B\");", &RUST),
            ["A", "B"]
        );
        assert_eq!(
            keys(
                "const a = process.env.A_1; const b = process.env['B'];",
                &JS
            ),
            ["A_1", "B"]
        );
        assert_eq!(
            keys("echo ${HOME_DIR:-x} $lower ${x}", &SHELL),
            ["HOME_DIR"]
        );
    }
}
