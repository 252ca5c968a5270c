//! env-check with pydantic-settings classes as the schema, the code as the schema, and
//! `--emit-schema`; plus the property test against pydantic-settings itself (run in a
//! virtualenv the test makes, skipped with a reason where that cannot be had).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::support::{repo_root, skip, velo, venv_python};

const SETTINGS: &str = r#"
from typing import Literal, Optional
from pydantic import AliasChoices, BaseModel, Field, HttpUrl, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from myapp.types import Exotic


class Db(BaseModel):
    host: str
    port: int = 5432


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BOT_", env_nested_delimiter="__")

    api_key: SecretStr
    port: int = Field(8080, ge=1, le=65535)
    exchange: Literal["binance", "bybit"] = "binance"
    debug: bool = False
    webhook: Optional[HttpUrl] = None
    symbols: list[str] = ["BTCUSDT"]
    chat: str = Field(validation_alias=AliasChoices("CHAT_ID", "TELEGRAM_CHAT"))
    db: Db
    exotic: Exotic = None
    name: str = "bot"

    @field_validator("name")
    @classmethod
    def check_name(cls, v):
        return v
"#;

/// Variables the class rejects (missing, invalid, extra), upper-cased; the `.env` lints
/// (loader disagreements…) are other findings.
fn error_vars(json: &serde_json::Value) -> BTreeSet<String> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .filter(|f| {
            ["missing", "invalid-type", "unknown-key"].contains(&f["code"].as_str().unwrap_or(""))
        })
        .map(|f| f["key"].as_str().unwrap_or("").to_uppercase())
        .collect()
}

#[test]
fn a_settings_class_reports_every_failing_variable_at_once() {
    let out = velo()
        .file("app/config.py", SETTINGS)
        .file(
            ".env",
            "BOT_API_KEY=sk-FAKESECRET-1\nBOT_PORT=5.0\nBOT_EXCHANGE=Binance\nBOT_DEBUG=maybe\n\
             BOT_WEBHOOK=localhost:8080\nBOT_SYMBOLS=BTCUSDT,ETHUSDT\nTELEGRAM_CHAT=42\n\
             BOT_DB__PORT=x\nBOT_TYPO=FAKESECRET-typo\nEMPTY_EXTRA=\n",
        )
        .args([
            "env-check",
            "--format",
            "json",
            "--schema",
            "app/config.py:Settings",
        ])
        .run()
        .code(1)
        .nowhere("FAKESECRET");
    let json = out.json();
    // 5.0 is an int to pydantic; an empty unknown key is never an extra; a nested model with
    // one key set misses the others.
    let want: BTreeSet<String> = [
        "BOT_EXCHANGE",
        "BOT_DEBUG",
        "BOT_WEBHOOK",
        "BOT_SYMBOLS",
        "BOT_DB__PORT",
        "BOT_DB__HOST",
        "BOT_TYPO",
    ]
    .map(String::from)
    .into();
    assert_eq!(error_vars(&json), want, "{json:#}");
    let not_checked: Vec<String> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "not-checked")
        .map(|f| f["key"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(not_checked, ["BOT_EXOTIC", "BOT_NAME"], "{json:#}");
}

#[test]
fn options_change_what_is_an_error() {
    let class = "from pydantic_settings import BaseSettings\n\
                 class S(BaseSettings, extra='ignore', case_sensitive=True):\n    port: int\n    key: str = None\n";
    // Case-sensitive: PORT is not `port`; ignore: PORT is no error of its own; the default
    // None of a str fails when unset (pydantic-settings validates defaults).
    let out = velo()
        .file("s.py", class)
        .file(".env", "PORT=1\n")
        .args(["env-check", "--format", "json", "--schema", "s.py"])
        .run()
        .code(1);
    assert_eq!(
        error_vars(&out.json()),
        ["PORT", "KEY"].map(String::from).into()
    );
    let out = velo()
        .file("s.py", class)
        .file(".env", "port=+1_000\nkey=\n")
        .args(["env-check", "--format", "json", "--schema", "s.py"])
        .run()
        .code(0);
    assert!(error_vars(&out.json()).is_empty());
}

#[test]
fn the_class_is_found_when_there_is_no_schema_file() {
    velo()
        .file("src/bot/settings.py", SETTINGS)
        .file("tests/test_x.py", "class T(BaseSettings):\n    x: int\n")
        .file(".env", "BOT_API_KEY=FAKESECRET\n")
        .args(["env-check"])
        .run()
        .code(1)
        .stderr_has("using the pydantic-settings classes in src/bot/settings.py")
        .stdout_has("CHAT_ID is required")
        .nowhere("FAKESECRET");
    velo()
        .file("s.py", "x = 1\n")
        .file(".env", "A=1\n")
        .args(["env-check", "--schema", "s.py:Nope"])
        .run()
        .code(2)
        .stderr_has("no BaseSettings subclass named Nope");
}

#[test]
fn emit_schema_writes_what_the_class_declares_without_secret_defaults() {
    let out = velo()
        .file(
            "config.py",
            "from pydantic_settings import BaseSettings\nclass S(BaseSettings):\n    \
             bot_token: str = '123:FAKESECRET'\n    port: int = 8080\n    url: str\n",
        )
        .args(["env-check", "--emit-schema"])
        .run()
        .code(0)
        .stderr_has("wrote .env.schema (3 variables")
        .nowhere("FAKESECRET");
    let text = std::fs::read_to_string(out.dir.path().join(".env.schema")).unwrap();
    assert!(!text.contains("FAKESECRET"), "{text}");
    assert!(text.contains("# @optional @type=integer"), "{text}");
    assert!(text.contains("PORT=8080\n"), "{text}");
    assert!(text.contains("# @optional @sensitive"), "{text}");
    // Read back: it is the schema env-check uses next time.
    velo()
        .file(".env.schema", &text)
        .file(".env", "PORT=80a\n")
        .args(["env-check"])
        .run()
        .code(1)
        .stdout_has("URL is required")
        .stdout_has("PORT");
}

#[test]
fn the_code_is_the_schema_with_scan_code() {
    let out = velo()
        .file(
            "app/main.py",
            "import os\nKEY = os.environ['EXCHANGE_KEY']\nPORT = int(os.getenv('PORT', '8000'))\n\
             TOKEN = os.getenv('BOT_TOKEN', '1:FAKESECRET')\nURL = os.getenv('URL')\n",
        )
        .file(
            "web/index.js",
            "const h = process.env.HOST || 'localhost';\nconst s = process.env.SESSION;\n",
        )
        .file(
            "svc/src/main.rs",
            "fn main() { let d = std::env::var(\"DATABASE_URL\").expect(\"set it\"); let w = env::var(\"WORKERS\").unwrap_or(\"4\".into()); }\n",
        )
        .file(".env", "PORT=eighty\nURL=http://x\n")
        .args(["env-check", "--scan-code", "--format", "json"])
        .run()
        .code(1)
        .nowhere("FAKESECRET");
    let json = out.json();
    let missing: BTreeSet<String> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "missing")
        .map(|f| {
            format!(
                "{}@{}:{}",
                f["key"].as_str().unwrap(),
                f["file"].as_str().unwrap(),
                f["line"]
            )
        })
        .collect();
    let want: BTreeSet<String> = [
        "EXCHANGE_KEY@app/main.py:2",
        "SESSION@web/index.js:2",
        "DATABASE_URL@svc/src/main.rs:1",
    ]
    .map(String::from)
    .into();
    assert_eq!(missing, want, "{json:#}");
    assert!(
        error_vars(&json).contains("PORT"),
        "int() makes PORT an integer"
    );
    let emitted = velo()
        .file(
            "app/main.py",
            "import os\nP = int(os.getenv('PORT', '8000'))\nK = os.environ['API_KEY']\n",
        )
        .args(["env-check", "--scan-code", "--emit-schema", "-"])
        .run()
        .code(0);
    let text = emitted.stdout.clone();
    assert!(
        text.contains("# @optional @type=integer (read at app/main.py:2)\nPORT=8000\n"),
        "{text}"
    );
    assert!(
        text.contains("# @required @sensitive (read at app/main.py:3)\nAPI_KEY=\n"),
        "{text}"
    );
}

/// A Python with pinned pydantic-settings: `VELO_TEST_PYDANTIC_PYTHON`, else a venv made once in
/// `target/test-venv-pydantic` (needs the package index). `None` when neither can be had.
fn pydantic_python() -> Option<PathBuf> {
    static PY: OnceLock<Option<PathBuf>> = OnceLock::new();
    PY.get_or_init(|| {
        let works = |py: &Path| {
            Command::new(py)
                .args(["-c", "import pydantic_settings, email_validator"])
                .output()
                .is_ok_and(|o| o.status.success())
        };
        if let Some(p) = std::env::var_os("VELO_TEST_PYDANTIC_PYTHON").filter(|p| !p.is_empty()) {
            let p = PathBuf::from(p);
            return works(&p).then_some(p);
        }
        venv_python("test-venv-pydantic", &PINNED, works)
    })
    .clone()
}

/// The versions the verdicts are measured against (they are version-dependent).
const PINNED: [&str; 3] = [
    "pydantic-settings==2.16.3",
    "pydantic==2.14.4",
    "email-validator==2.4.0",
];

/// Generated classes and `.env` files (fixed seed: the same cases every run): velo's failing
/// variables equal those for which pydantic-settings raises, case by case.
#[test]
fn generated_classes_agree_with_pydantic_settings() {
    let Some(py) = pydantic_python() else {
        skip(
            "generated_classes_agree_with_pydantic_settings",
            "no Python with pydantic-settings: set VELO_TEST_PYDANTIC_PYTHON, or let the test make target/test-venv-pydantic (python3 -m venv + pip install pydantic-settings==2.16.3 pydantic==2.14.4 email-validator==2.4.0; needs the package index), or run .ci/run",
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let gen = repo_root()
        .join("tests")
        .join("pydantic")
        .join("gen_cases.py");
    let out = Command::new(&py)
        .arg(&gen)
        .args(["--out"])
        .arg(dir.path())
        .args(["--n", "80", "--seed", "20260823"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut total = 0;
    let mut mismatches = Vec::new();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("verdict.json").is_file())
        .collect();
    cases.sort();
    for case in cases {
        let verdict: serde_json::Value =
            serde_json::from_slice(&std::fs::read(case.join("verdict.json")).unwrap()).unwrap();
        if !verdict["import_error"].is_null() {
            continue;
        }
        let run = velo()
            .current_dir(&case)
            .args(["env-check", "--format", "json", "--fail-on", "never"])
            .args(["--schema", "settings.py", "--env-file", ".env"])
            .run()
            .code(0)
            .nowhere("FAKESECRET");
        let json = run.json();
        let not_checked: BTreeSet<String> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == "not-checked")
            .filter_map(|f| f["key"].as_str().map(str::to_uppercase))
            .collect();
        for class in verdict["classes"].as_array().unwrap() {
            if class["status"] == "error" {
                continue;
            }
            total += 1;
            let want: BTreeSet<String> = class["vars"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_uppercase())
                .filter(|v| !not_checked.contains(v))
                .collect();
            let got: BTreeSet<String> = error_vars(&json)
                .into_iter()
                .filter(|v| !not_checked.contains(v))
                .collect();
            if want != got {
                mismatches.push(format!(
                    "{}: pydantic {want:?}, velo {got:?}",
                    case.display()
                ));
            }
        }
    }
    assert!(total >= 60, "only {total} cases ran");
    assert!(
        mismatches.is_empty(),
        "{} of {total} disagree:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

/// The code as the schema on every shared `.env` case: a generated project reads each key of
/// the case (required, with a fallback, converted with `int()`), plus one key the case does not
/// set; the emitted schema says required/optional and the default exactly as the code reads
/// them, and only the absent required key is `missing`.
#[test]
fn the_code_as_schema_on_the_shared_env_cases() {
    let dir = crate::support::shared_data("env-cases");
    if !dir.is_dir() {
        skip(
            "the_code_as_schema_on_the_shared_env_cases",
            "../shared/data/env-cases is not here (a bare clone); CI has it",
        );
        return;
    }
    let key_re = regex::Regex::new(r"(?m)^(?:export\s+)?([A-Z][A-Z0-9_]*)=[^\r\n]").unwrap();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "env"))
        .collect();
    cases.sort();
    let mut checked = 0;
    for case in cases {
        let text = String::from_utf8_lossy(&std::fs::read(&case).unwrap()).to_string();
        let mut keys: Vec<String> = key_re
            .captures_iter(&text)
            .map(|c| c[1].to_string())
            // Secret-looking names get `@sensitive` and no default: another test's subject.
            .filter(|k| !velo::secret::secret_name(k))
            .collect();
        keys.sort();
        keys.dedup();
        let mut py = String::from("import os\n");
        let mut expect = Vec::new();
        for (i, k) in keys.iter().enumerate() {
            match i % 3 {
                0 => {
                    py.push_str(&format!("{} = os.environ[\"{k}\"]\n", k.to_lowercase()));
                    expect.push(format!("# @required (read at app.py:{})\n{k}=\n", i + 2));
                }
                1 => {
                    py.push_str(&format!(
                        "{} = os.getenv(\"{k}\", \"d{i}\")\n",
                        k.to_lowercase()
                    ));
                    expect.push(format!(
                        "# @optional (read at app.py:{})\n{k}=d{i}\n",
                        i + 2
                    ));
                }
                _ => {
                    py.push_str(&format!(
                        "{} = int(os.environ.get(\"{k}\", 7))\n",
                        k.to_lowercase()
                    ));
                    expect.push(format!(
                        "# @optional @type=integer (read at app.py:{})\n{k}=7\n",
                        i + 2
                    ));
                }
            }
        }
        py.push_str("never = os.environ[\"VELO_NEVER_SET\"]\n");
        let emitted = velo()
            .file("app.py", &py)
            .args(["env-check", "--scan-code", "--emit-schema", "-"])
            .run()
            .code(0);
        for e in &expect {
            assert!(
                emitted.stdout.contains(e.as_str()),
                "{}: {e}\n{}",
                case.display(),
                emitted.stdout
            );
        }
        let out = velo()
            .file("app.py", &py)
            .file(".env", std::fs::read(&case).unwrap())
            .args([
                "env-check",
                "--scan-code",
                "--format",
                "json",
                "--fail-on",
                "never",
            ])
            .run()
            .code(0);
        let missing: Vec<String> = out.json()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == "missing")
            .map(|f| f["key"].as_str().unwrap().to_string())
            .collect();
        assert!(
            missing.contains(&"VELO_NEVER_SET".to_string()),
            "{}",
            case.display()
        );
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} cases");
}

/// A `SecretStr` field is sensitive whatever it is called: its value (and a class default of
/// it) appears in no format, not in `--show-sources`, not when it is misspelt or malformed.
#[test]
fn secret_fields_are_never_printed_whatever_their_name() {
    let class =
        "from pydantic import SecretStr, Field\nfrom pydantic_settings import BaseSettings\n\
                 class S(BaseSettings):\n    login: SecretStr = Field(min_length=40)\n    \
                 note: SecretStr = 'FAKESECRET-default'\n    port: int = 1\n";
    for format in ["table", "json", "markdown", "github"] {
        velo()
            .file("s.py", class)
            .file(
                ".env",
                "login=FAKESECRET-short\nLOGNI=FAKESECRET-typo\nport=FAKESECRET\n",
            )
            .args([
                "env-check",
                "--schema",
                "s.py",
                "--show-sources",
                "--format",
                format,
            ])
            .run()
            .code(1)
            .stdout_has("login")
            .nowhere("FAKESECRET");
    }
}
