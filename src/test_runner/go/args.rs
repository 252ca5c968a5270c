//! The user's `go test` arguments: package patterns, flags velo passes on, flags it sets itself
//! (`-json`, `-run`), and the `-run` patterns velo builds to select tests and subtests.

use std::ffi::OsString;

/// `go test` flags that take a value (build flags and test flags; `-test.` forms are folded).
const VALUE_FLAGS: &[&str] = &[
    "C",
    "p",
    "asmflags",
    "buildmode",
    "compiler",
    "gccgoflags",
    "gcflags",
    "installsuffix",
    "ldflags",
    "mod",
    "modfile",
    "overlay",
    "pgo",
    "pkgdir",
    "tags",
    "toolexec",
    "o",
    "exec",
    "coverpkg",
    "covermode",
    "coverprofile",
    "cpuprofile",
    "memprofile",
    "memprofilerate",
    "blockprofile",
    "blockprofilerate",
    "mutexprofile",
    "mutexprofilefraction",
    "trace",
    "outputdir",
    "run",
    "skip",
    "bench",
    "benchtime",
    "count",
    "cpu",
    "list",
    "parallel",
    "timeout",
    "vet",
    "shuffle",
    "fuzz",
    "fuzztime",
    "fuzzminimizetime",
    "debug-actiongraph",
    "debug-deps-cover",
    "debug-trace",
];

/// `go test` flags that take no value.
const BOOL_FLAGS: &[&str] = &[
    "a",
    "n",
    "x",
    "v",
    "c",
    "i",
    "race",
    "msan",
    "asan",
    "cover",
    "json",
    "short",
    "failfast",
    "benchmem",
    "trimpath",
    "linkshared",
    "work",
    "modcacherw",
    "buildvcs",
    "fullpath",
];

/// The user's `go test` arguments, taken apart the way `go test` does: package patterns are
/// the words before the first flag that follows them (or before an unknown flag), everything
/// after `-args` goes to the test binary.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct GoArgs {
    /// Package patterns (none: the package in the current folder).
    pub packages: Vec<OsString>,
    /// Every other argument in order, without the packages and the flags velo sets itself.
    pub rest: Vec<OsString>,
    /// The user's `-run` pattern.
    pub run: Option<String>,
    /// The user set `-timeout` (go's own whole-binary limit).
    pub has_timeout: bool,
    pub failfast: bool,
    /// The user passed `-list`.
    pub list: bool,
}

/// Splits the arguments after `test`.
pub fn parse_go_args(args: &[OsString]) -> GoArgs {
    let mut out = GoArgs::default();
    let mut in_packages = false;
    let mut packages_closed = false;
    let mut i = 0;
    while i < args.len() {
        let raw = args[i].to_string_lossy().into_owned();
        if raw == "-args" || raw == "--args" {
            out.rest.extend(args[i..].iter().cloned());
            break;
        }
        if raw.len() > 1 && raw.starts_with('-') {
            if in_packages {
                in_packages = false;
                packages_closed = true;
            }
            let body = raw.trim_start_matches('-');
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (body, None),
            };
            let name = name.strip_prefix("test.").unwrap_or(name);
            let takes_value = VALUE_FLAGS.contains(&name);
            if !takes_value && !BOOL_FLAGS.contains(&name) {
                // An unknown flag goes to the test binary; go then ends the package list.
                packages_closed = true;
            }
            let mut words = vec![args[i].clone()];
            let value = if takes_value && inline.is_none() {
                let v = args.get(i + 1).cloned();
                words.extend(v.clone());
                i += 1;
                v.map(|v| v.to_string_lossy().into_owned())
            } else {
                inline
            };
            i += 1;
            match name {
                "run" => out.run = value,
                "json" => {}
                "list" => out.list = true,
                _ => {
                    out.has_timeout |= name == "timeout";
                    out.failfast |= name == "failfast" && value.as_deref() != Some("false");
                    out.rest.extend(words);
                }
            }
            continue;
        }
        if packages_closed {
            out.rest.extend(args[i..].iter().cloned());
            break;
        }
        in_packages = true;
        out.packages.push(args[i].clone());
        i += 1;
    }
    out
}

/// Splits a `-run` pattern into its per-level parts at the slashes outside brackets and
/// parentheses, as the `testing` package does. `None` when the pattern also has a top-level
/// `|` between paths, which velo cannot combine with its own selection.
pub fn run_levels(pattern: &str) -> Option<Vec<String>> {
    let bytes = pattern.as_bytes();
    let mut levels = Vec::new();
    let (mut brackets, mut parens, mut start, mut alternation) = (0i32, 0i32, 0, false);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'[' => brackets += 1,
            b']' => brackets = (brackets - 1).max(0),
            b'(' if brackets == 0 => parens += 1,
            b')' if brackets == 0 => parens -= 1,
            b'\\' => i += 1,
            b'|' if brackets == 0 && parens == 0 => alternation = true,
            b'/' if brackets == 0 && parens == 0 => {
                levels.push(pattern[start..i].to_string());
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    levels.push(pattern[start.min(pattern.len())..].to_string());
    if alternation && levels.len() > 1 {
        return None;
    }
    Some(levels)
}

/// Escapes the regular expression metacharacters in `text` (Go's `regexp.QuoteMeta`).
pub fn quote_meta(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The `-run` pattern that selects exactly these top-level tests, keeping the deeper levels
/// of the user's own pattern.
pub fn group_pattern(tops: &[String], user_levels: &[String]) -> String {
    let names: Vec<String> = tops.iter().map(|t| quote_meta(t)).collect();
    let mut levels = vec![format!("^({})$", names.join("|"))];
    levels.extend(user_levels.iter().skip(1).cloned());
    levels.join("/")
}

/// The `-run` pattern that selects one test or subtest by its path (`["TestX", "case_1"]`).
pub fn path_pattern(path: &[String], user_levels: &[String]) -> String {
    let mut levels: Vec<String> = path
        .iter()
        .map(|p| format!("^{}$", quote_meta(p)))
        .collect();
    levels.extend(user_levels.iter().skip(path.len()).cloned());
    levels.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    #[test]
    fn splits_packages_flags_and_binary_args() {
        let a = parse_go_args(&argv(&[
            "-v", "-run", "TestX", "-tags", "db", "./...", "./cmd", "-count=1", "-json",
        ]));
        assert_eq!(a.packages, argv(&["./...", "./cmd"]));
        assert_eq!(a.rest, argv(&["-v", "-tags", "db", "-count=1"]));
        assert_eq!(a.run.as_deref(), Some("TestX"));
        assert!(!a.has_timeout && !a.failfast && !a.list);

        // After the package list and a flag, words go to the test binary.
        let a = parse_go_args(&argv(&["./a", "-timeout", "1m", "extra", "-x"]));
        assert_eq!(a.packages, argv(&["./a"]));
        assert_eq!(a.rest, argv(&["-timeout", "1m", "extra", "-x"]));
        assert!(a.has_timeout);

        // An unknown flag ends the package list (go passes it to the binary).
        let a = parse_go_args(&argv(&["-update", "golden", "-failfast"]));
        assert!(a.packages.is_empty());
        assert_eq!(a.rest, argv(&["-update", "golden", "-failfast"]));

        let a = parse_go_args(&argv(&[
            ".",
            "-test.run=^TestA$",
            "-failfast",
            "-args",
            "-run",
            "x",
        ]));
        assert_eq!(a.packages, argv(&["."]));
        assert_eq!(a.run.as_deref(), Some("^TestA$"));
        assert_eq!(a.rest, argv(&["-failfast", "-args", "-run", "x"]));
        assert!(a.failfast);
        assert!(parse_go_args(&argv(&["-list", "."])).list);
    }

    #[test]
    fn run_patterns_split_by_level_and_quote_names() {
        assert_eq!(run_levels(""), Some(vec![String::new()]));
        assert_eq!(
            run_levels("TestA|TestB"),
            Some(vec!["TestA|TestB".to_string()])
        );
        assert_eq!(
            run_levels("TestA/(x/y)/[/]z"),
            Some(vec!["TestA".into(), "(x/y)".into(), "[/]z".into()])
        );
        assert_eq!(
            run_levels(r"A\/B/c"),
            Some(vec![r"A\/B".into(), "c".into()])
        );
        assert_eq!(run_levels("A/x|B/y"), None);

        assert_eq!(quote_meta("a.b(c)+d"), r"a\.b\(c\)\+d");
        let tops = vec!["TestA".to_string(), "TestB".to_string()];
        assert_eq!(group_pattern(&tops, &[String::new()]), "^(TestA|TestB)$");
        assert_eq!(
            group_pattern(&tops, &["Test".into(), "fast".into()]),
            "^(TestA|TestB)$/fast"
        );
        let path = vec!["TestX".to_string(), "case(1)".to_string()];
        assert_eq!(
            path_pattern(&path, &[String::new()]),
            r"^TestX$/^case\(1\)$"
        );
        assert_eq!(
            path_pattern(&path[..1], &["TestX".into(), "a".into(), "b".into()]),
            "^TestX$/a/b"
        );
    }
}
