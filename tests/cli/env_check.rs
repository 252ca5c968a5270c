//! `velo env-check` end to end: every case file of ../shared/data/env-cases (copied into
//! fixtures/env-check/cases) with the findings a careful tool gives, the cross-file cases,
//! formats, fixes, --exec, and secret hygiene across every output path.

use std::collections::BTreeSet;

use crate::support::{fixture, velo, Outcome};

fn case_bytes(rel: &str) -> Vec<u8> {
    std::fs::read(fixture(&format!("env-check/cases/{rel}"))).unwrap()
}

fn codes(out: &Outcome) -> BTreeSet<String> {
    out.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{}:{}", f["line"], f["code"].as_str().unwrap()))
        .collect()
}

/// Runs one case file: JSON findings must be exactly `expected` (`line:code`), and the table is
/// snapshotted.
fn run_case(name: &str, exit: i32, expected: &[&str]) {
    let file = format!("{name}.env");
    let json = velo()
        .file(&file, case_bytes(&file))
        .args(["env-check", "--env-file", &file, "--format", "json"])
        .run()
        .code(exit);
    let want: BTreeSet<String> = expected.iter().map(|s| (*s).to_string()).collect();
    assert_eq!(codes(&json), want, "{name}:\n{}", json.stdout);
    let table = velo()
        .file(&file, case_bytes(&file))
        .args(["env-check", "--env-file", &file])
        .run()
        .code(exit);
    insta::assert_snapshot!(format!("case_{name}"), table.stdout);
}

macro_rules! case {
    ($name:ident, $exit:expr, [$($code:expr),* $(,)?]) => {
        #[test]
        fn $name() {
            run_case(stringify!($name), $exit, &[$($code),*]);
        }
    };
}

mod cases {
    use super::run_case;

    // Controls: nothing to say, where dotenv-linter also says nothing.
    case!(clean_baseline, 0, []);
    case!(crlf_line_endings, 0, []);
    case!(export_prefix, 0, []);
    // Valid multi-line values (PEM, JSON with `=`) are not flagged; dotenv-linter's
    // UnorderedKey noise is not reproduced.
    case!(multiline_pem, 0, []);
    case!(multiline_json_with_equals, 0, []);
    case!(unordered_keys, 0, []);
    // dotenv-linter's control comments are honoured, mapped to our codes.
    case!(control_comments, 0, ["5:lowercase-key"]);
    // python-dotenv keeps the last, dotenvy the first: a real disagreement, values masked.
    case!(
        duplicate_keys,
        1,
        ["3:duplicate-key", "3:loader-disagreement"]
    );
    // dotenv-linter misses that these collide on Windows.
    case!(
        duplicate_key_case_variant,
        0,
        ["2:duplicate-key", "2:lowercase-key"]
    );
    case!(lowercase_key, 0, ["1:lowercase-key", "2:lowercase-key"]);
    case!(
        space_around_equals,
        0,
        [
            "1:space-around-equals",
            "2:space-around-equals",
            "3:space-around-equals",
        ]
    );
    // Tabs count as blanks (dotenv-linter checks spaces only).
    case!(
        tab_around_equals,
        0,
        ["1:space-around-equals", "2:space-around-equals"]
    );
    case!(
        trailing_whitespace,
        0,
        ["1:trailing-whitespace", "2:trailing-whitespace"]
    );
    // dotenvy cannot parse these lines: an error, not just style.
    case!(
        unquoted_value_with_spaces,
        1,
        [
            "1:loader-disagreement",
            "1:unquoted-whitespace",
            "2:loader-disagreement",
            "2:unquoted-whitespace",
        ]
    );
    case!(missing_final_newline, 0, ["2:ending-blank-line"]);
    case!(extra_blank_lines, 0, ["3:extra-blank-line"]);
    case!(utf8_bom, 0, ["1:leading-character"]);
    // dotenv-linter skips this file silently and exits 0.
    case!(invalid_utf8_latin1, 1, ["2:invalid-utf8"]);
    // `COLOR=#FF0000`: dotenvy reads "" (leading `#` is a comment); `30 # seconds` and
    // `p@ss#word` are read alike by both, so no ValueWithoutQuotes false positive.
    case!(
        hash_in_values_and_inline_comments,
        1,
        ["1:loader-disagreement"]
    );
    // `["a","b"]` unquoted: dotenvy eats the quotes.
    case!(quoted_values, 1, ["3:loader-disagreement"]);
    case!(empty_and_missing_values, 1, ["3:syntax"]);
    // The pasted token is never echoed (dotenv-linter prints it three times).
    case!(secret_line_without_equals, 1, ["2:syntax"]);
    case!(
        invalid_key_characters,
        1,
        [
            "1:leading-character",
            "1:loader-disagreement",
            "2:leading-character",
            "2:loader-disagreement",
            "3:leading-character",
            "3:loader-disagreement",
            "4:incorrect-delimiter",
            "4:loader-disagreement",
            "5:incorrect-delimiter",
        ]
    );
    // `$HOST` (dotenvy expands, python-dotenv does not), the unclosed `${`, `${PORT:-8080}`
    // (dotenvy reads ""), `\$X` (dotenvy drops the backslash).
    case!(
        substitution_forms,
        1,
        [
            "4:loader-disagreement",
            "5:loader-disagreement",
            "5:substitution",
            "6:loader-disagreement",
            "7:loader-disagreement",
        ]
    );
}

#[test]
fn the_case_list_covers_every_shared_case_file() {
    let dir = fixture("env-check/cases");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".env").map(str::to_string)
        })
        .collect();
    names.sort();
    assert_eq!(names.len(), 24, "{names:?}");
    let src: String = std::fs::read_to_string(file!())
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    for n in names {
        assert!(src.contains(&format!("case!({n},")), "no test for {n}.env");
    }
}

fn typo_dir() -> Outcome {
    velo()
        .file(".env", case_bytes("key_typo_vs_example/.env"))
        .file(
            ".env.example",
            case_bytes("key_typo_vs_example/.env.example"),
        )
        .args(["env-check", "--format", "json"])
        .run()
}

#[test]
fn key_typos_get_did_you_mean() {
    let out = typo_dir().code(1).nowhere("FAKE-SECRET-not-real");
    let json = out.json();
    let findings = json["findings"].as_array().unwrap();
    let suggestion = |key: &str| {
        findings
            .iter()
            .find(|f| f["key"] == key && f["code"] == "unknown-key")
            .map(|f| f["suggestion"].clone())
    };
    assert_eq!(
        suggestion("BINANCE_API_SECERT").unwrap(),
        "BINANCE_API_SECRET"
    );
    assert_eq!(suggestion("DATABSE_URL").unwrap(), "DATABASE_URL");
    let missing: BTreeSet<&str> = findings
        .iter()
        .filter(|f| f["code"] == "missing")
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        missing,
        BTreeSet::from(["BINANCE_API_SECRET", "DATABASE_URL"])
    );
    insta::assert_snapshot!("key_typo_json", out.stdout);
}

#[test]
fn key_typos_table() {
    let out = velo()
        .file(".env", case_bytes("key_typo_vs_example/.env"))
        .file(
            ".env.example",
            case_bytes("key_typo_vs_example/.env.example"),
        )
        .arg("env-check")
        .run()
        .code(1);
    insta::assert_snapshot!("key_typo_table", out.stdout);
}

fn multi_env() -> crate::support::Velo {
    velo()
        .file(".env", case_bytes("multi_env/.env"))
        .file(".env.production", case_bytes("multi_env/.env.production"))
        .file(".env.example", case_bytes("multi_env/.env.example"))
}

#[test]
fn multi_env_precedence_and_sources() {
    // .env alone lacks SENTRY_DSN and EXCHANGE_ENV.
    let dev = multi_env()
        .args(["env-check", "--format", "json"])
        .run()
        .code(1);
    assert_eq!(
        codes(&dev),
        BTreeSet::from(["3:missing".to_string(), "4:missing".to_string()])
    );
    // production fills SENTRY_DSN; the winning files are shown, the DSN masked.
    let prod = multi_env()
        .args(["env-check", "--environment", "production", "--show-sources"])
        .run()
        .code(1)
        .nowhere("key@sentry.example.com");
    insta::assert_snapshot!("multi_env_production", prod.stdout);
    // The same through repeated --env-file, and the process environment on top.
    let json = multi_env()
        .args([
            "env-check",
            "--env-file",
            ".env",
            "--env-file",
            ".env.production",
            "--process-env",
            "--show-sources",
            "--format",
            "json",
        ])
        .env("EXCHANGE_ENV", "testnet")
        .env("LOG_LEVEL", "debug")
        .run()
        .code(0)
        .json();
    let sources = json["sources"].as_array().unwrap();
    let row = |k: &str| sources.iter().find(|r| r["key"] == k).unwrap().clone();
    assert_eq!(row("LOG_LEVEL")["source"], "process environment");
    assert_eq!(
        row("LOG_LEVEL")["overridden"],
        serde_json::json!([".env.production:1", ".env:1"])
    );
    assert_eq!(row("DATABASE_URL")["source"], ".env.production:2");
    assert_eq!(row("EXCHANGE_ENV")["value"], "\"testnet\"");
}

#[test]
fn environment_without_its_file_is_a_usage_error() {
    multi_env()
        .args(["env-check", "--environment", "staging"])
        .run()
        .code(2)
        .stderr_has(".env.staging");
}

#[test]
fn schema_types_with_dotenv_linter_json_schema() {
    let out = velo()
        .file(".env", case_bytes("schema_types/.env"))
        .file(
            "env-schema.json",
            case_bytes("schema_types/env-schema.json"),
        )
        .args([
            "env-check",
            "--schema",
            "env-schema.json",
            "--format",
            "json",
        ])
        .run()
        .code(1);
    // Better than dotenv-linter: `localhost:8080` is not a URL, API_SECRET's line is real.
    assert_eq!(
        codes(&out),
        BTreeSet::from(
            [
                "1:invalid-type",
                "2:invalid-type",
                "3:invalid-type",
                "4:invalid-type",
                "7:unknown-key",
                "11:missing",
            ]
            .map(String::from)
        )
    );
}

#[test]
fn schema_types_with_env_spec_decorators() {
    let out = velo()
        .file(".env", case_bytes("schema_types/.env"))
        .file(".env.schema", case_bytes("schema_types/.env.schema"))
        .arg("env-check")
        .run()
        .code(1)
        .stdout_has("out of range for a port");
    insta::assert_snapshot!("schema_types_env_spec", out.stdout);
}

#[test]
fn velo_toml_vars_are_a_schema() {
    velo()
        .file(".env", "PORT=99999\nMODE=paper\n")
        .file(
            "velo.toml",
            "[env-check.vars]\nPORT = \"port\"\nMODE = { type = \"enum(paper,live)\" }\nLEVEL = { required = false, default = \"info\" }\n",
        )
        .args(["env-check", "--format", "json"])
        .run()
        .code(1)
        .stdout_has("\"invalid-type\"")
        .stdout_has("\"default-applied\"");
}

#[test]
fn bad_schema_is_a_usage_error_naming_file_and_line() {
    velo()
        .file(".env", "A=1\n")
        .file(".env.schema", "A=\n# @type=prot\nB=\n")
        .arg("env-check")
        .run()
        .code(2)
        .stderr_has(".env.schema:3")
        .stderr_has("unknown type \"prot\"");
}

#[test]
fn missing_env_file_is_a_usage_error() {
    velo()
        .arg("env-check")
        .run()
        .code(2)
        .stderr_has("no .env file");
    velo()
        .args(["env-check", "--env-file", "nope.env"])
        .run()
        .code(2)
        .stderr_has("nope.env");
}

#[test]
fn stdin_is_accepted() {
    velo()
        .args(["env-check", "--env-file", "-", "--format", "json"])
        .stdin("A=1\nA=2\n")
        .run()
        .code(1)
        .stdout_has("\"file\": \"-\"");
}

#[test]
fn quickstart_fixture_shows_the_main_findings() {
    let out = velo()
        .current_dir(fixture("env-check/quickstart"))
        .arg("env-check")
        .run()
        .code(1)
        .nowhere("0123456789-not-a-real-key")
        .nowhere("fedcba9876543210");
    for needle in [
        "missing",
        "did you mean BINANCE_API_SECRET?",
        "out of range for a port",
        "…(30 chars)",
    ] {
        assert!(out.stdout.contains(needle), "{needle}:\n{}", out.stdout);
    }
    insta::assert_snapshot!("quickstart", out.stdout);
}

#[test]
fn formats_markdown_and_github() {
    let base = || {
        velo()
            .file(".env", case_bytes("schema_types/.env"))
            .file(".env.schema", case_bytes("schema_types/.env.schema"))
    };
    let md = base()
        .args(["env-check", "--format", "markdown"])
        .run()
        .code(1);
    insta::assert_snapshot!("schema_types_markdown", md.stdout);
    let gh = base()
        .args(["env-check", "--format", "github"])
        .run()
        .code(1);
    assert!(
        gh.stdout
            .contains("::error file=.env,line=5,col=6,title=env-check invalid-type::"),
        "{}",
        gh.stdout
    );
    insta::assert_snapshot!("schema_types_github", gh.stdout);
}

#[test]
fn step_summary_is_appended_when_set() {
    let out = velo()
        .file(".env", "A=1\nA=2\n")
        .args(["env-check", "--format", "github"])
        .env("GITHUB_STEP_SUMMARY", "summary.md")
        .run()
        .code(1);
    let md = std::fs::read_to_string(out.dir.path().join("summary.md")).unwrap();
    assert!(
        md.contains("## velo env-check") && md.contains("duplicate-key"),
        "{md}"
    );
}

#[test]
fn fail_on_and_ignore_move_the_exit_code() {
    let run = |args: &[&str]| {
        velo()
            .file(".env", "A=1 \n")
            .arg("env-check")
            .args(args)
            .run()
    };
    run(&[]).code(0);
    run(&["--fail-on", "warning"]).code(1);
    run(&["--fail-on", "warning", "--ignore", "trailing-whitespace"]).code(0);
    run(&["--ignore", "no-such-code"])
        .code(2)
        .stderr_has("unknown code");
}

#[test]
fn inline_suppression() {
    let out = velo()
        .file(
            ".env",
            "a=1 # velo: ignore[lowercase-key]\n# velo: ignore[trailing-whitespace]\nB=2 \nc=3\n",
        )
        .args(["env-check", "--format", "json"])
        .run()
        .code(0);
    assert_eq!(codes(&out), BTreeSet::from(["4:lowercase-key".to_string()]));
}

#[test]
fn fix_dry_run_shows_a_diff_and_writes_nothing() {
    let original = "A = 1\nGREETING=hello world\nSYMBOL=BTCUSDT   \n\n\n\nB=2";
    let out = velo()
        .file(".env", original)
        .args(["env-check", "--fix", "--dry-run"])
        .run()
        .code(1);
    insta::assert_snapshot!("fix_dry_run", out.stdout);
    assert_eq!(
        std::fs::read_to_string(out.dir.path().join(".env")).unwrap(),
        original
    );
}

#[test]
fn fix_writes_only_reading_preserving_changes() {
    let out = velo()
        .file(
            ".env",
            "A = 1\nGREETING=hello world\nCOLOR=#FF0000\nlow=1\nSYMBOL=BTCUSDT   \n\n\nB=2",
        )
        .args(["env-check", "--fix", "--format", "json"])
        .run();
    let fixed = std::fs::read_to_string(out.dir.path().join(".env")).unwrap();
    assert_eq!(
        fixed,
        "A=1\nGREETING=\"hello world\"\nCOLOR=#FF0000\nlow=1\nSYMBOL=BTCUSDT\n\nB=2\n"
    );
    // What is left cannot be fixed without changing a reading.
    let left = codes(&out.code(1));
    assert_eq!(
        left,
        BTreeSet::from([
            "3:loader-disagreement".to_string(),
            "4:lowercase-key".to_string()
        ])
    );
}

#[cfg(unix)]
#[test]
fn exec_runs_only_when_clean_and_passes_the_exit_code() {
    let script = "echo \"port=$PORT level=$LOG_LEVEL\"; exit 7";
    let ok = velo()
        .file(".env", "PORT=8080\n")
        .file(
            ".env.schema",
            "# @type=port\nPORT=\n# @optional\nLOG_LEVEL=info\n",
        )
        .args(["env-check", "--exec", "--", "sh", "-c", script])
        .run()
        .code(7);
    assert_eq!(ok.stdout, "port=8080 level=info\n");
    let bad = velo()
        .file(".env", "PORT=99999\n")
        .file(".env.schema", "# @type=port\nPORT=\n")
        .args(["env-check", "--exec", "--", "sh", "-c", "echo started"])
        .run()
        .code(1)
        .stdout_has("invalid-type");
    assert!(!bad.stdout.contains("started"));
    velo()
        .file(".env", "A=1\n")
        .args(["env-check", "--exec", "--", "no-such-program-velo"])
        .run()
        .code(127);
}

#[test]
fn scan_code_reports_undeclared_and_unused() {
    let out = velo()
        .file(".env", "API_KEY=x\nOLD_FLAG=1\n")
        .file(".env.example", "API_KEY=\nOLD_FLAG=\n")
        .file(
            "bot.py",
            "import os\nkey = os.getenv('API_KEY')\nurl = os.environ['EXCHANGE_URL']\n",
        )
        .file(
            "src/main.rs",
            "fn main() { let _ = std::env::var(\"RUST_ONLY\"); }\n",
        )
        .file("web/app.ts", "const p = process.env.PORT;\n")
        .file("run.sh", "exec python bot.py --port ${PORT:-80}\n")
        .file("ignored/skip.py", "os.getenv('IGNORED_VAR')\n")
        .file(".gitignore", "ignored/\n")
        .file(".git/HEAD", "ref: refs/heads/main\n")
        .args(["env-check", "--scan-code", "--format", "json"])
        .run()
        .code(0);
    let got = out.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {}",
                f["code"].as_str().unwrap(),
                f["key"].as_str().unwrap(),
                f["file"].as_str().unwrap()
            )
        })
        .collect::<BTreeSet<_>>();
    assert_eq!(
        got,
        BTreeSet::from(
            [
                "undeclared EXCHANGE_URL bot.py",
                "undeclared PORT run.sh",
                "undeclared RUST_ONLY src/main.rs",
                "unused OLD_FLAG .env.example",
            ]
            .map(String::from)
        ),
        "{}",
        out.stdout
    );
}

/// With no schema, the code is the schema: reads without a fallback are required, and the
/// findings point at the line that reads the variable.
#[test]
fn scan_code_without_a_schema_makes_the_code_the_schema() {
    let out = velo()
        .file(".env", "API_KEY=x\nOLD_FLAG=1\n")
        .file(
            "bot.py",
            "import os\nkey = os.getenv('API_KEY')\nurl = os.environ['EXCHANGE_URL']\n",
        )
        .file(
            "src/main.rs",
            "fn main() { let _ = std::env::var(\"RUST_ONLY\").expect(\"set\"); }\n",
        )
        .file("web/app.ts", "const p = process.env.PORT || 80;\n")
        .file("run.sh", "exec python bot.py --port ${PORT:-80}\n")
        .args(["env-check", "--scan-code", "--format", "json"])
        .run()
        .code(1);
    let got = out.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {}:{}",
                f["code"].as_str().unwrap(),
                f["key"].as_str().unwrap(),
                f["file"].as_str().unwrap(),
                f["line"]
            )
        })
        .collect::<BTreeSet<_>>();
    assert_eq!(
        got,
        BTreeSet::from(
            [
                "missing EXCHANGE_URL bot.py:3",
                "missing RUST_ONLY src/main.rs:1",
                "default-applied PORT run.sh:1",
                "unknown-key OLD_FLAG .env:2",
            ]
            .map(String::from)
        ),
        "{}",
        out.stdout
    );
}

/// Planted marker values must not appear in any format, flag combination or error path.
mod secrets {
    use crate::support::velo;

    const MARKERS: &[&str] = &[
        "MARKERapikey0123456789",
        "MARKERdup1first99",
        "MARKERdup2second99",
        "MARKERsensitiveurl77",
        "MARKERpasted-token-0123456789abcdef",
        "MARKERtrailing55",
        "MARKERdsn66",
        "MARKERdefault44",
        "MARKERjson33",
        "MARKERunclosed22",
        "MARKERurlpw88",
        "MARKERmisspelt11",
        "MARKERundeclared1",
        "MARKERundeclared2",
        "MARKERnear12",
        "MARKERdbpass13",
        "MARKERdbpass14",
        "MARKERauth15",
    ];

    const ENV: &str = "\
API_KEY=MARKERapikey0123456789
DB_PASSWORD=MARKERdup1first99
DB_PASSWORD=MARKERdup2second99
WEBHOOK=MARKERsensitiveurl77
MARKERpasted-token-0123456789abcdef
DATABASE_URL=postgres://bot:MARKERurlpw88@db/app
AUTH_TOKEN=MARKERtrailing55   
REF_BARE=$API_KEY
SENTRY_DSN=postgres://$HOST/MARKERdsn66
SIGNING_SECRET=[\"MARKERjson33\"]
BINANCE_API_SECERT=MARKERmisspelt11
PLAIN=MARKERundeclared1
PLAIN=MARKERundeclared2
BROKER_PINS=MARKERnear12
DB_PASS=MARKERdbpass13
DB_PASS=MARKERdbpass14
AUTH=MARKERauth15
PRIVATE_KEY=\"MARKERunclosed22
";

    const SCHEMA: &str = "\
# @type=regex(^x$)
API_KEY=
DB_PASSWORD=
# @sensitive @type=url
WEBHOOK=
AUTH_TOKEN=
# @type=email
DATABASE_URL=
REF_BARE=
SENTRY_DSN=
SIGNING_SECRET=
# @optional @sensitive
SESSION_COOKIE=MARKERdefault44
BINANCE_API_SECRET=
# @sensitive
BROKER_PIN=
BROKER_PINS=
DB_PASS=
AUTH=
";

    fn check(args: &[&str]) {
        let out = velo()
            .file(".env", ENV)
            .file(".env.schema", SCHEMA)
            .file("extra.env", "API_KEY=MARKERapikey0123456789\n")
            .arg("env-check")
            .args(args)
            .env("GITHUB_STEP_SUMMARY", "summary.md")
            .run();
        assert!(out.code.is_some());
        let summary =
            std::fs::read_to_string(out.dir.path().join("summary.md")).unwrap_or_default();
        let fixed = std::fs::read_to_string(out.dir.path().join(".env")).unwrap();
        for m in MARKERS {
            assert!(
                !out.stdout.contains(m) && !out.stderr.contains(m) && !summary.contains(m),
                "{m} leaked with {args:?}:\n--- stdout ---\n{}\n--- stderr ---\n{}\n--- summary ---\n{summary}",
                out.stdout,
                out.stderr
            );
        }
        // A fix never alters a secret value.
        assert!(fixed.contains("MARKERdup2second99"));
    }

    #[test]
    fn no_marker_in_any_format() {
        for format in ["table", "json", "markdown", "github"] {
            check(&["--format", format, "--show-sources"]);
            check(&["--format", format, "--fix", "--dry-run", "-v"]);
            check(&[
                "--format",
                format,
                "--env-file",
                ".env",
                "--env-file",
                "extra.env",
                "--show-sources",
            ]);
        }
    }

    #[test]
    fn no_marker_when_fixing_or_guarding() {
        check(&["--fix", "--show-sources", "--format", "json"]);
        check(&["--exec", "--", "sh", "-c", "exit 0"]);
        check(&["--fail-on", "never", "--exec", "--", "true"]);
    }

    #[test]
    fn no_marker_in_error_paths() {
        // A broken schema and an unreadable file: the errors name lines, never values.
        for schema in [
            "# @type=prot\nAPI_KEY=MARKERapikey0123456789\n",
            "API_KEY='MARKERapikey0123456789\n",
        ] {
            let out = velo()
                .file(".env", ENV)
                .file(".env.schema", schema)
                .arg("env-check")
                .run()
                .code(2);
            for m in MARKERS {
                assert!(
                    !out.stderr.contains(m) && !out.stdout.contains(m),
                    "{m}: {}",
                    out.stderr
                );
            }
        }
        let out = velo()
            .args(["env-check", "--env-file", "MARKERdsn66.env"])
            .run()
            .code(2);
        assert!(
            out.stderr.contains("MARKERdsn66.env"),
            "a path is not a value: {}",
            out.stderr
        );
    }
}

/// Issue 11: the quick start's misspelt secret (`BINANCE_API_SECERT`, undeclared) was printed
/// in full by `--show-sources`. An undeclared key's value is masked in every format.
#[test]
fn quickstart_misspelt_secret_is_masked_everywhere() {
    for format in ["table", "json", "markdown", "github"] {
        velo()
            .current_dir(fixture("env-check/quickstart"))
            .args(["env-check", "--show-sources", "--format", format])
            .run()
            .code(1)
            .nowhere("fedcba9876543210")
            .nowhere("0123456789-not-a-real-key");
    }
    // Declared, non-sensitive values are still shown.
    velo()
        .current_dir(fixture("env-check/quickstart"))
        .args(["env-check", "--show-sources"])
        .run()
        .code(1)
        .stdout_has("\"localhost:8080\"")
        .stdout_has("…(37 chars)");
}

/// Without a schema nothing is declared, so no value is shown, whatever the key is called.
#[test]
fn without_a_schema_no_value_is_shown() {
    for format in ["table", "json", "markdown", "github"] {
        velo()
            .file(
                ".env",
                "GREETING=visible-one\nGREETING=visible-two\nNAME=plain value\n",
            )
            .args(["env-check", "--show-sources", "--format", format])
            .run()
            .code(1)
            .nowhere("visible-")
            .nowhere("plain value");
    }
}

#[test]
fn readme_quick_start_command_works_from_the_repository_root() {
    // The exact command of README.md's quick start (after `cargo install`).
    let out = velo()
        .current_dir(crate::support::repo_root())
        .args([
            "env-check",
            "--env-file",
            "fixtures/env-check/quickstart/.env",
            "--schema",
            "fixtures/env-check/quickstart/.env.schema",
        ])
        .run()
        .code(1)
        .stdout_has("did you mean BINANCE_API_SECRET?")
        .stdout_has("out of range for a port")
        .nowhere("0123456789-not-a-real-key");
    assert!(
        out.stdout
            .contains("fixtures/env-check/quickstart/.env:5:6"),
        "{}",
        out.stdout
    );
}

#[test]
fn if_present_lets_a_hook_pass_on_a_checkout_without_dot_env() {
    let schema = "# @required\nAPI_KEY=\n";
    velo()
        .file(".env.example", schema)
        .arg("env-check")
        .run()
        .code(2)
        .stderr_has("no .env file");
    velo()
        .file(".env.example", schema)
        .args(["env-check", "--if-present"])
        .run()
        .code(0)
        .stderr_has("nothing to check");
    // With a .env present the flag changes nothing: problems still fail.
    velo()
        .file(".env.example", schema)
        .file(".env", "OTHER=1\n")
        .args(["env-check", "--if-present"])
        .run()
        .code(1)
        .stdout_has("API_KEY");
}

/// Issue 11 fixes: bad input and faults, each pinned by a test that fails without its fix.
mod faults {
    use std::collections::HashMap;
    use std::path::Path;
    use std::time::{Duration, Instant};

    use crate::support::velo;

    /// Issue 11: a NUL byte in a value was not flagged, and `--exec` then failed without naming
    /// the key.
    #[test]
    fn nul_byte_is_an_error_naming_key_and_line_not_value() {
        let env = b"A=1\nSOME_TOKEN=ab\0MARKERnul\nB=2\n".as_slice();
        let out = velo()
            .file(".env", env)
            .args(["env-check", "--format", "json"])
            .run()
            .code(1)
            .nowhere("MARKERnul");
        let json = out.json();
        let nul: Vec<_> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == "nul-byte")
            .collect();
        assert_eq!(nul.len(), 1, "{}", out.stdout);
        assert_eq!(nul[0]["key"], "SOME_TOKEN");
        assert_eq!(nul[0]["line"], 2);
        assert_eq!(nul[0]["col"], 14);
        assert_eq!(nul[0]["severity"], "error");
        // Even when findings do not stop it, --exec names the key instead of failing vaguely.
        velo()
            .file(".env", env)
            .args(["env-check", "--fail-on", "never", "--exec", "--", "true"])
            .run()
            .code(2)
            .stderr_has("SOME_TOKEN contains a NUL byte")
            .nowhere("MARKERnul");
    }

    /// Issue 11: `KEY value` was reported as "text after the closing quote".
    #[test]
    fn key_space_value_is_reported_as_a_missing_equals() {
        let out = velo()
            .file(
                ".env",
                "A=1\nLOG_LEVEL debug\nexport PORT 80\nsk-live-abc MARKERtok\n",
            )
            .args(["env-check", "--format", "json"])
            .run()
            .code(1)
            .nowhere("closing quote")
            .nowhere("MARKERtok")
            .nowhere("sk-live-abc");
        let got: Vec<String> = out.json()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == "syntax")
            .map(|f| {
                format!(
                    "{}:{} {}",
                    f["line"],
                    f["col"],
                    f["message"].as_str().unwrap()
                )
            })
            .collect();
        assert_eq!(got.len(), 3, "{got:#?}");
        assert!(
            got[0].starts_with("2:10 missing `=` after LOG_LEVEL"),
            "{got:#?}"
        );
        assert!(
            got[1].starts_with("3:12 missing `=` after PORT"),
            "{got:#?}"
        );
        assert!(
            got[2].starts_with("4:12 missing `=` after the key"),
            "{got:#?}"
        );
    }

    /// Issue 11: 100 KB of random bytes as .env listed about 42,000 findings. At most 50 per
    /// code and file are listed; the summary still counts every one.
    #[test]
    fn random_bytes_list_a_bounded_number_of_findings_and_count_all() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let bytes: Vec<u8> = (0..100_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect();
        let json = velo()
            .file(".env", &bytes)
            .args(["env-check", "--format", "json"])
            .run()
            .code(1)
            .json();
        let findings = json["findings"].as_array().unwrap();
        let mut per_code: HashMap<&str, usize> = HashMap::new();
        for f in findings {
            *per_code.entry(f["code"].as_str().unwrap()).or_default() += 1;
        }
        assert!(per_code.values().all(|&n| n <= 50), "{per_code:?}");
        let omitted: usize = json["omitted"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["count"].as_u64().unwrap() as usize)
            .sum();
        assert!(omitted > 1000, "random bytes give thousands of findings");
        let s = &json["summary"];
        let counted: u64 = ["errors", "warnings", "infos"]
            .iter()
            .map(|k| s[*k].as_u64().unwrap())
            .sum();
        assert_eq!(counted as usize, findings.len() + omitted);
        // The table says what it left out.
        let table = velo().file(".env", &bytes).arg("env-check").run().code(1);
        assert!(table.stdout.lines().count() < 1500, "table is bounded");
        assert!(
            table
                .stdout
                .contains("more invalid-utf8 findings in .env, not listed"),
            "{}",
            table.stdout
        );
    }

    /// Issue 11: `--scan-code` offered "did you mean A?" for an undeclared one-letter `C`.
    #[test]
    fn scan_code_does_not_suggest_a_name_that_shares_nothing() {
        let json = velo()
            .file(".env", "A=1\nDATABASE_URL=x\n")
            .file(".env.example", "A=\nDATABASE_URL=\n")
            .file(
                "bot.py",
                "import os\nos.getenv('A')\nos.getenv('C')\nos.getenv('DATABSE_URL')\n",
            )
            .args(["env-check", "--scan-code", "--format", "json"])
            .run()
            .json();
        let suggestion = |key: &str| {
            json["findings"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["code"] == "undeclared" && f["key"] == key)
                .map_or_else(
                    || panic!("no undeclared {key}: {json}"),
                    |f| f["suggestion"].clone(),
                )
        };
        assert!(suggestion("C").is_null(), "{json}");
        assert_eq!(suggestion("DATABSE_URL"), "DATABASE_URL");
    }

    /// Runs velo with a hard bound, so a hang fails the test instead of stalling the suite.
    fn run_bounded(dir: &Path, args: &[&str]) -> std::process::Output {
        assert_cmd::Command::cargo_bin("velo")
            .unwrap()
            .current_dir(dir)
            .args(args)
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap()
    }

    /// Issue 11: a FIFO named as input blocked forever.
    #[cfg(unix)]
    #[test]
    fn a_fifo_as_env_file_or_schema_is_refused_not_waited_on() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.env");
        crate::support::mkfifo(&fifo);
        std::fs::write(dir.path().join(".env"), "A=1\n").unwrap();
        for args in [
            ["env-check", "--env-file", "pipe.env"],
            ["env-check", "--schema", "pipe.env"],
        ] {
            let out = run_bounded(dir.path(), &args);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
            assert!(stderr.contains("pipe.env"), "{stderr}");
            assert!(stderr.contains("FIFO"), "{stderr}");
        }
        // A pipe the caller opened (`/dev/stdin`, `<(cmd)`) has its writer: it is read.
        velo()
            .args(["env-check", "--env-file", "/dev/stdin", "--format", "json"])
            .stdin("A=1\nA=2\n")
            .run()
            .code(1)
            .stdout_has("duplicate-key");
    }

    /// Issue 11: SIGTERM to `velo env-check --exec` ended velo and left the program running.
    /// The program now gets the signal (velo hands its process over to it).
    #[cfg(unix)]
    #[test]
    fn sigterm_to_velo_reaches_the_guarded_program() {
        use std::os::unix::process::ExitStatusExt as _;

        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".env"), "A=1\n").unwrap();
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("velo"))
            .current_dir(dir.path())
            .args(["env-check", "--exec", "--", "sh", "-c"])
            .arg("echo $$ > started.tmp && mv started.tmp started && exec sleep 600")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let started = dir.path().join("started");
        let deadline = Instant::now() + Duration::from_secs(60);
        while !started.exists() {
            assert!(Instant::now() < deadline, "the program never started");
            std::thread::sleep(Duration::from_millis(20));
        }
        let program: i32 = std::fs::read_to_string(&started)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        crate::support::signal(&child, rustix::process::Signal::TERM);
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            assert!(Instant::now() < deadline, "velo did not end after SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        };
        // The program must be gone too (a zombie waiting for its reaper counts as gone).
        let deadline = Instant::now() + Duration::from_secs(60);
        let alive = |pid: i32| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|s| s.rsplit(')').next().map(|r| r.trim_start().to_string()))
                .is_some_and(|r| !r.starts_with('Z'))
        };
        while alive(program) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let leaked = alive(program);
        if leaked {
            if let Some(pid) = rustix::process::Pid::from_raw(program) {
                let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
            }
        }
        assert!(
            !leaked,
            "SIGTERM to velo left the program {program} running"
        );
        assert!(
            status.signal() == Some(libc_sigterm()) || status.code() == Some(128 + 15),
            "velo's status is the program's: {status:?}"
        );
    }

    fn libc_sigterm() -> i32 {
        rustix::process::Signal::TERM.as_raw()
    }
}

/// Issue 11: `--fix` replaced a symlinked `.env` with a regular file. It writes through the
/// link: the link stays a link and its target gets the fix.
#[cfg(unix)]
#[test]
fn fix_writes_through_a_symlinked_env_file() {
    let run = velo()
        .file("config/real.env", "A = 1\nB=2\n")
        .file(".env.schema", "A=\nB=\n");
    std::os::unix::fs::symlink("config/real.env", run.dir().join(".env")).unwrap();
    let out = run.args(["env-check", "--fix"]).run().code(0);
    let link = out.dir.path().join(".env");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        ".env is still a link"
    );
    assert_eq!(
        std::fs::read_link(&link).unwrap(),
        std::path::Path::new("config/real.env")
    );
    assert_eq!(
        std::fs::read_to_string(out.dir.path().join("config/real.env")).unwrap(),
        "A=1\nB=2\n"
    );
}
