//! `--scan-code`: walks a project (honouring `.gitignore`, through the `ignore` crate) and finds
//! the environment variables its code reads: Python (`os.getenv`, `os.environ[...]`,
//! `os.environ.get`), Rust (`env::var`, `env!`), JS/TS (`process.env.X`) and shell (`${X}`).

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use super::code_reads::{self, CodeRead, Need};
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

/// How a pattern's match is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum How {
    /// `getenv(` / `environ.get(`: a call whose arguments follow.
    PyCall,
    /// `environ["X"]`.
    PySubscript,
    /// `env::var("X")`, `dotenvy::var("X")`.
    RustVar,
    /// `env!("X")`, `option_env!("X")`.
    RustCompile,
    /// `process.env.X`, `import.meta.env.X`.
    Js,
    /// `${X}` in a shell script: classified as required unless `${X:-d}`.
    Shell,
}

type Patterns = Vec<(Regex, How)>;

static PYTHON: LazyLock<Patterns> = LazyLock::new(|| {
    compile(&[
        (&format!(r#"\bgetenv\(\s*["']{NAME}["']"#), How::PyCall),
        (
            &format!(r#"\benviron\.get\(\s*["']{NAME}["']"#),
            How::PyCall,
        ),
        (
            &format!(r#"\benviron\[\s*["']{NAME}["']\s*\]"#),
            How::PySubscript,
        ),
    ])
});
static RUST: LazyLock<Patterns> = LazyLock::new(|| {
    compile(&[
        (
            &format!(r#"\benv::var(?:_os)?\(\s*"{NAME}"\s*\)"#),
            How::RustVar,
        ),
        (
            &format!(r#"\b(?:option_)?env!\(\s*"{NAME}""#),
            How::RustCompile,
        ),
        (
            &format!(r#"\b(?:dotenvy|dotenv)::var\(\s*"{NAME}"\s*\)"#),
            How::RustVar,
        ),
    ])
});
static JS: LazyLock<Patterns> = LazyLock::new(|| {
    compile(&[
        (&format!(r"\bprocess\.env\.{NAME}"), How::Js),
        (
            &format!(r#"\bprocess\.env\[\s*["']{NAME}["']\s*\]"#),
            How::Js,
        ),
        (&format!(r"\bimport\.meta\.env\.{NAME}"), How::Js),
    ])
});
static SHELL: LazyLock<Patterns> =
    LazyLock::new(|| compile(&[(r"\$\{([A-Z_][A-Z0-9_]*)(:?-)?", How::Shell)]));

fn compile(patterns: &[(&str, How)]) -> Patterns {
    patterns
        .iter()
        .filter_map(|(p, h)| Regex::new(p).ok().map(|r| (r, *h)))
        .collect()
}

fn patterns_for(path: &Path) -> Option<&'static Patterns> {
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
    Ok(scan_reads(root, base)?
        .into_iter()
        .map(|r| CodeRef {
            key: r.key,
            file: r.file,
            line: r.line,
            col: r.col,
        })
        .collect())
}

/// Scans `root` and classifies every read (required, optional with a default, type).
pub fn scan_reads(root: &Path, base: &Path) -> Result<Vec<CodeRead>, ScanError> {
    let mut reads = Vec::new();
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
        scan_text(&text, &shown, patterns, &mut reads);
    }
    reads.sort_by(|a, b| (&a.file, a.line, a.col).cmp(&(&b.file, b.line, b.col)));
    reads.dedup();
    Ok(reads)
}

fn scan_text(text: &str, file: &str, patterns: &Patterns, out: &mut Vec<CodeRead>) {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    for (re, how) in patterns {
        for cap in re.captures_iter(text) {
            let (Some(all), Some(m)) = (cap.get(0), cap.get(1)) else {
                continue;
            };
            let li = line_starts.partition_point(|&s| s <= m.start()) - 1;
            let line_text = &text[line_starts[li]..];
            let line_text = &line_text[..line_text.find('\n').unwrap_or(line_text.len())];
            // Comments are not reads.
            let before_on_line = &text[line_starts[li]..all.start()];
            if before_on_line.trim_start().starts_with(['#']) || before_on_line.contains("//") {
                continue;
            }
            let rest = &text[all.end()..];
            let (need, default, ty) = match how {
                How::PySubscript => {
                    // `os.environ["X"] = v` writes; it is not a read.
                    let r = rest.trim_start();
                    if r.starts_with('=') && !r.starts_with("==") {
                        continue;
                    }
                    code_reads::python(text, all.start(), None, all.end())
                }
                How::PyCall => {
                    let open = all.start() + all.as_str().find('(').unwrap_or(0) + 1;
                    code_reads::python(text, all.start(), Some(open), all.end())
                }
                How::RustVar => code_reads::rust(text, all.end()),
                How::RustCompile => (Need::CompileTime, None, None),
                How::Js => code_reads::js(text, all.start(), all.end()),
                How::Shell => {
                    if cap.get(2).is_some() {
                        let d = rest.split('}').next().unwrap_or("").to_string();
                        (Need::Optional, Some(d), None)
                    } else {
                        (Need::Required, None, None)
                    }
                }
            };
            let _ = line_text;
            out.push(CodeRead {
                key: m.as_str().to_string(),
                file: file.to_string(),
                line: li + 1,
                col: text[line_starts[li]..m.start()].chars().count() + 1,
                need,
                default,
                ty,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str, patterns: &Patterns) -> Vec<String> {
        let mut out = Vec::new();
        scan_text(text, "f", patterns, &mut out);
        out.sort_by_key(|r| (r.line, r.col));
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
