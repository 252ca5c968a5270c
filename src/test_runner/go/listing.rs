//! Reading `go test -json -list`: each package's top-level tests, and the packages that did
//! not build or list (with the compiler's errors from stderr).

use super::events::{build_failure, parse_line, Line};

/// Whether a line of `-list` output is a test name: go runs the functions named Test…,
/// Example… and Fuzz… (benchmarks only with -bench, and never as tests).
pub fn is_test_name(line: &str) -> bool {
    ["Test", "Example", "Fuzz"]
        .iter()
        .any(|p| line.starts_with(p))
        && line.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// One package as `go test -list` saw it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListedPackage {
    pub name: String,
    /// Top-level tests, in source order.
    pub tests: Vec<String>,
    /// The package failed to build or to list (a panic in `init`, a failing `TestMain`).
    pub failed: bool,
    /// Its package-level output (and, for a build failure, the compiler's).
    pub output: String,
}

fn package_entry<'a>(pkgs: &'a mut Vec<ListedPackage>, name: &str) -> &'a mut ListedPackage {
    if let Some(i) = pkgs.iter().position(|p| p.name == name) {
        &mut pkgs[i]
    } else {
        pkgs.push(ListedPackage {
            name: name.to_string(),
            ..ListedPackage::default()
        });
        let last = pkgs.len() - 1;
        &mut pkgs[last]
    }
}

/// Reads `go test -json -list` output; `stderr` carries the compiler errors of packages that
/// did not build (`# pkg` headers).
pub fn parse_list(stdout: &str, stderr: &str) -> Vec<ListedPackage> {
    let mut pkgs: Vec<ListedPackage> = Vec::new();
    for line in stdout.lines() {
        match parse_line(line) {
            Line::Event(ev) => {
                if ev.action.starts_with("build-") {
                    let Some(path) = ev.import_path.as_deref() else {
                        continue;
                    };
                    let name = path.split_whitespace().next().unwrap_or(path);
                    let p = package_entry(&mut pkgs, name);
                    if ev.action == "build-fail" {
                        p.failed = true;
                    }
                    p.output.push_str(ev.output.as_deref().unwrap_or(""));
                    continue;
                }
                if ev.package.is_empty() || ev.test.is_some() {
                    continue;
                }
                let p = package_entry(&mut pkgs, &ev.package);
                match ev.action.as_str() {
                    "output" => {
                        let text = ev.output.unwrap_or_default();
                        let name = text.trim_end();
                        if is_test_name(name) {
                            if !p.tests.iter().any(|t| t == name) {
                                p.tests.push(name.to_string());
                            }
                        } else {
                            p.output.push_str(&text);
                        }
                    }
                    "fail" => p.failed = true,
                    _ => {}
                }
            }
            Line::Text(text) => {
                if let Some(name) = build_failure(&text) {
                    let p = package_entry(&mut pkgs, name);
                    p.failed = true;
                    p.output.push_str(&text);
                    p.output.push('\n');
                }
            }
        }
    }
    for p in pkgs.iter_mut().filter(|p| p.failed) {
        let errors = stderr_section(stderr, &p.name);
        if !errors.is_empty() {
            p.output.push_str(&errors);
        }
    }
    pkgs.sort_by(|a, b| a.name.cmp(&b.name));
    pkgs
}

/// The part of go's stderr under a `# pkg` (or `# pkg [pkg.test]`) header.
fn stderr_section(stderr: &str, pkg: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in stderr.lines() {
        if let Some(header) = line.strip_prefix("# ") {
            inside = header.split_whitespace().next() == Some(pkg);
        }
        if inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_listing_with_a_build_failure() {
        let stdout = r#"{"Action":"output","Package":"example.com/p/other","Output":"TestB\n"}
{"Action":"output","Package":"example.com/p","Output":"TestA\n"}
{"Action":"output","Package":"example.com/p","Output":"ExampleA\n"}
{"Action":"output","Package":"example.com/p","Output":"ok  \texample.com/p\t0.003s\n"}
{"Action":"pass","Package":"example.com/p","Elapsed":0.003}
FAIL	example.com/p/broken [build failed]
{"Action":"output","Package":"example.com/p/none","Output":"?   \texample.com/p/none\t[no test files]\n"}
{"Action":"skip","Package":"example.com/p/none","Elapsed":0}
{"Action":"output","Package":"example.com/p/init","Output":"panic: boom\n"}
{"Action":"fail","Package":"example.com/p/init","Elapsed":0.01}
"#;
        let stderr = "# example.com/p/broken [example.com/p/broken.test]\nbroken/x_test.go:5:28: undefined: nope\n# example.com/p/other\nvet: fine\n";
        let pkgs = parse_list(stdout, stderr);
        let names: Vec<&str> = pkgs.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "example.com/p",
                "example.com/p/broken",
                "example.com/p/init",
                "example.com/p/none",
                "example.com/p/other"
            ]
        );
        assert_eq!(pkgs[0].tests, ["TestA", "ExampleA"]);
        assert!(!pkgs[0].failed);
        assert!(pkgs[1].failed && pkgs[1].tests.is_empty());
        assert!(
            pkgs[1].output.contains("undefined: nope"),
            "{}",
            pkgs[1].output
        );
        assert!(!pkgs[1].output.contains("vet: fine"));
        assert!(pkgs[2].failed && pkgs[2].output.contains("panic: boom"));
        assert!(!pkgs[3].failed && pkgs[3].tests.is_empty());
        assert_eq!(pkgs[4].tests, ["TestB"]);
    }
}
