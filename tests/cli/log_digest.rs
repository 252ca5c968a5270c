//! `velo log-digest`: digest, assignments, inputs (gz, folders, stdin, bad bytes, huge lines),
//! filters, rules, exit codes, prune, and grouping accuracy on the Loghub-2k samples.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::support::{fixture, repo_root, shared_data, velo};

fn assignments(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).expect("assignment is JSON"))
        .collect()
}

#[test]
fn python_traceback_gives_root_cause_frame_and_fix() {
    let out = velo()
        .fixture_as("log-digest/python-app.log", "app.log")
        .args(["log-digest", "app.log", "--top", "5", "--format", "json"])
        .run()
        .code(0);
    let j = out.json();
    assert_eq!(j["schema_version"], 1);
    let rc = &j["root_cause"];
    assert_eq!(rc["line"], 6);
    assert_eq!(
        rc["exception"],
        "ModuleNotFoundError: No module named 'talib'"
    );
    assert!(rc["frame"]
        .as_str()
        .unwrap()
        .contains("momentum.py\", line 3"));
    assert!(rc["hint"].as_str().unwrap().contains("pip install"));
    // Errors rank first, then by count.
    assert_eq!(
        j["templates"][0]["template"],
        "cannot connect to <*>: [Errno <*>] Connection refused"
    );
    assert_eq!(j["templates"][0]["count"], 3);
    assert_eq!(
        j["templates"][0]["first_seen"]["time"],
        "2024-05-01 10:00:02"
    );
    assert_eq!(
        j["templates"][0]["last_seen"]["time"],
        "2024-05-01 10:00:04"
    );
    assert!(j["templates"][0]["hint"]
        .as_str()
        .unwrap()
        .contains("listens"));
    insta::assert_snapshot!("python_app_json", out.stdout);
}

#[test]
fn table_and_markdown_render_the_same_digest() {
    let table = velo()
        .fixture_as("log-digest/python-app.log", "app.log")
        .args(["log-digest", "app.log", "--top", "4"])
        .run()
        .code(0);
    insta::assert_snapshot!("python_app_table", table.stdout);
    let md = velo()
        .fixture_as("log-digest/java-service.log", "svc.log")
        .args(["log-digest", "svc.log", "--format", "markdown"])
        .run()
        .code(0);
    insta::assert_snapshot!("java_service_markdown", md.stdout);
}

#[test]
fn java_stack_trace_is_one_event_with_its_deepest_cause() {
    let out = velo()
        .fixture_as("log-digest/java-service.log", "svc.log")
        .args([
            "log-digest",
            "svc.log",
            "--format",
            "json",
            "--assignments",
            "a.jsonl",
        ])
        .run()
        .code(0);
    let j = out.json();
    assert_eq!(j["events"], 5, "13 lines, 5 events");
    let rc = &j["root_cause"];
    assert!(rc["exception"]
        .as_str()
        .unwrap()
        .starts_with("java.sql.SQLNonTransientConnectionException"));
    assert!(rc["frame"].as_str().unwrap().starts_with("at com.mysql"));
    assert!(rc["hint"]
        .as_str()
        .unwrap()
        .contains("caching_sha2_password"));
    let a = assignments(&std::fs::read_to_string(out.dir.path().join("a.jsonl")).unwrap());
    assert_eq!(a.len(), 13);
    for l in &a[4..12] {
        assert_eq!(
            l["template_id"], a[3]["template_id"],
            "frames carry their event's template"
        );
    }
}

#[test]
fn assignments_are_one_line_per_input_line_with_stable_ids() {
    let run = || {
        velo()
            .fixture_as("log-digest/python-app.log", "app.log")
            .args(["log-digest", "app.log", "--assignments", "-"])
            .run()
            .code(0)
    };
    let first = run();
    let a = assignments(&first.stdout);
    assert_eq!(a.len(), 24);
    for (i, l) in a.iter().enumerate() {
        assert_eq!(l["source"], "app.log");
        assert_eq!(l["line"], i + 1);
        assert_eq!(l["template_id"].as_str().unwrap().len(), 16);
    }
    assert_eq!(
        a[13]["template"], a[5]["template"],
        "traceback lines join the logged error"
    );
    assert_eq!(
        first.stdout,
        run().stdout,
        "ids and templates are stable across runs"
    );
}

#[test]
fn gz_files_folders_and_stdin() {
    let plain = velo()
        .fixture_as("log-digest/python-app.log", "app.log")
        .args(["log-digest", "app.log", "--assignments", "-"])
        .run()
        .code(0);
    let gz = velo()
        .fixture_as("log-digest/python-app.log.gz", "app.log")
        .args(["log-digest", "app.log", "--assignments", "-"])
        .run()
        .code(0);
    assert_eq!(
        plain.stdout, gz.stdout,
        "gzip is detected by its magic bytes"
    );

    let stdin = velo()
        .args(["log-digest", "-", "--assignments", "-"])
        .stdin(std::fs::read(fixture("log-digest/python-app.log")).unwrap())
        .run()
        .code(0);
    assert_eq!(stdin.stdout, plain.stdout.replace("\"app.log\"", "\"-\""));

    let folder = velo()
        .current_dir(fixture("log-digest"))
        .args(["log-digest", "folder", "--format", "json"])
        .run()
        .code(0)
        .json();
    let names: Vec<&str> = folder["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["folder/a.log", "folder/nested/b.log"]);
}

#[test]
fn invalid_utf8_is_read_lossily_and_reported() {
    velo()
        .fixture_as("log-digest/bad-bytes.log", "bad.log")
        .args(["log-digest", "bad.log", "--format", "json"])
        .run()
        .code(0)
        .stderr_has("bad.log: 3 line(s) were not valid UTF-8")
        .stdout_has("\"invalid_utf8_lines\": 3");
}

#[test]
fn a_huge_line_is_cut_not_fatal() {
    let mut text =
        String::from("2024-05-01 10:00:00 INFO app: start\n2024-05-01 10:00:01 INFO app: ");
    text.push_str(&"x".repeat(300_000));
    text.push_str("\n2024-05-01 10:00:02 INFO app: done\n");
    let out = velo()
        .file("big.log", text)
        .args([
            "log-digest",
            "big.log",
            "--format",
            "json",
            "--assignments",
            "a.jsonl",
        ])
        .run()
        .code(0)
        .stderr_has("1 line(s) longer than 64 KiB were cut");
    assert_eq!(out.json()["lines"], 3);
}

#[test]
fn json_and_logfmt_lines_mine_their_message() {
    let j = velo()
        .fixture_as("log-digest/events.jsonl", "e.jsonl")
        .args(["log-digest", "e.jsonl", "--format", "json"])
        .run()
        .code(0)
        .json();
    let t: Vec<&str> = j["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["template"].as_str().unwrap())
        .collect();
    // A record's event is its message plus its keys; their values are variables.
    assert!(t.contains(&"fetched page ms=<*> url=<*>"), "{t:?}");
    assert!(j["root_cause"]["hint"].as_str().unwrap().contains("TLS"));
    let l = velo()
        .fixture_as("log-digest/logfmt.log", "l.log")
        .args(["log-digest", "l.log", "--format", "json"])
        .run()
        .code(0)
        .json();
    assert_eq!(
        l["templates"][0]["template"], r#"job failed err="<*>" job=<*>"#,
        "a logfmt record's fields in key order, as a JSON record's"
    );
    assert_eq!(l["templates"][0]["level"], "error");
}

/// Failure class 5 (request records): a JSON request log, flat and nested (`req`/`res`
/// objects, numeric levels): each route counts on its own, ids in paths and other values are
/// variables, and a 500 never hides among 200s.
#[test]
fn json_request_records_keep_routes_and_statuses_apart() {
    let mut log = String::new();
    let routes = ["/v1/items", "/v1/items/{}", "/status", "/v1/carts/{}/lines"];
    for i in 0..120 {
        let route = routes[i % routes.len()].replace("{}", &(1000 + i * 7).to_string());
        let status = if i % 30 == 5 { 500 } else { 200 };
        let level = if status == 500 { 50 } else { 30 };
        if (i / 4) % 2 == 0 {
            log.push_str(&format!(
                r#"{{"level":{level},"time":{},"pid":9,"req":{{"id":{i},"method":"GET","url":"{route}","headers":{{"accept":"*/*"}}}},"res":{{"statusCode":{status}}},"responseTime":{},"msg":"call done"}}"#,
                1_700_000_000_000u64 + i as u64,
                i * 3 + 1
            ));
        } else {
            log.push_str(&format!(
                r#"{{"time":"2024-05-01T10:00:{:02}Z","level":"{}","msg":"call","method":"GET","path":"{route}","status":{status},"dur":"{}ms"}}"#,
                i % 60,
                if status == 500 { "ERROR" } else { "INFO" },
                i * 5 + 2
            ));
        }
        log.push('\n');
    }
    let j = velo()
        .file("api.jsonl", log)
        .args(["log-digest", "api.jsonl", "--format", "json", "--top", "50"])
        .run()
        .code(0)
        .json();
    let templates: Vec<(String, String, u64)> = j["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["template"].as_str().unwrap().to_owned(),
                t["level"].as_str().unwrap().to_owned(),
                t["count"].as_u64().unwrap(),
            )
        })
        .collect();
    let find = |needle: &str| {
        templates
            .iter()
            .filter(|(t, _, _)| t.contains(needle))
            .collect::<Vec<_>>()
    };
    // Nested records: one template per route and status, the id in the path a variable.
    let nested = find("url=/v1/items/<*> res={…} statusCode=200");
    assert_eq!(nested.len(), 1, "{templates:#?}");
    assert!(!find("url=/v1/carts/<*>/lines res={…} statusCode=200").is_empty());
    assert!(
        !find("path=/status status=200").is_empty(),
        "{templates:#?}"
    );
    let errors: Vec<_> = templates
        .iter()
        .filter(|(t, _, _)| t.contains("=500"))
        .collect();
    assert!(!errors.is_empty(), "{templates:#?}");
    assert!(errors.iter().all(|(_, level, _)| level == "error"));
    let errors_counted: u64 = errors.iter().map(|(_, _, n)| n).sum();
    assert_eq!(errors_counted, 4, "{templates:#?}");
    // Every template is one route, one status, one record shape.
    assert!(
        templates.len() >= 8 + 2,
        "routes x shapes plus the errors: {templates:#?}"
    );
}

#[test]
fn go_panic_is_one_fatal_event() {
    let j = velo()
        .fixture_as("log-digest/panics.log", "p.log")
        .args(["log-digest", "p.log", "--format", "json"])
        .run()
        .code(0)
        .json();
    assert_eq!(j["events"], 1);
    assert_eq!(j["levels"]["fatal"], 1);
    assert!(j["root_cause"]["frame"]
        .as_str()
        .unwrap()
        .contains("main.go:12"));
}

#[test]
fn fail_on_exit_codes() {
    velo()
        .fixture_as("log-digest/python-app.log", "app.log")
        .args(["log-digest", "app.log", "--fail-on", "error"])
        .run()
        .code(1);
    velo()
        .fixture_as("log-digest/python-app.log", "app.log")
        .args(["log-digest", "app.log", "--fail-on", "fatal"])
        .run()
        .code(0);
    velo()
        .fixture_as("log-digest/python-app.log", "app.log")
        .args([
            "-q",
            "log-digest",
            "app.log",
            "--fail-on",
            "warning",
            "--level",
            "info",
        ])
        .run()
        .code(1);
}

#[test]
fn filters_level_grep_since_until() {
    let count = |args: &[&str]| {
        let mut all = vec!["log-digest", "app.log", "--format", "json"];
        all.extend_from_slice(args);
        velo()
            .fixture_as("log-digest/python-app.log", "app.log")
            .args(all)
            .run()
            .code(0)
            .json()["events"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(count(&[]), 16);
    assert_eq!(count(&["--level", "error"]), 4);
    assert_eq!(count(&["--grep", "tick BTC"]), 2);
    assert_eq!(count(&["--since", "2024-05-01 10:00:05"]), 7);
    assert_eq!(count(&["--until", "2024-05-01 10:00:00"]), 4);
    assert_eq!(
        count(&["--since", "1m"]),
        1,
        "a duration counts back from the newest line"
    );
}

#[test]
fn user_rules_add_hints_and_bad_rules_are_reported() {
    velo()
        .fixture_as("log-digest/python-app.log", "app.log")
        .file(
            "rules.toml",
            "[[rule]]\npattern = 'strategy plugin'\nhint = 'Rebuild the plugin wheel'\n",
        )
        .args([
            "log-digest",
            "app.log",
            "--rules",
            "rules.toml",
            "--format",
            "json",
        ])
        .run()
        .code(0)
        .stdout_has("Rebuild the plugin wheel");
    velo()
        .fixture_as("log-digest/python-app.log", "app.log")
        .file("rules.toml", "[[rule]]\npattern = '(oops'\nhint = 'x'\n")
        .args(["log-digest", "app.log", "--rules", "rules.toml"])
        .run()
        .code(2)
        .stderr_has("rules.toml: rule 1");
}

#[test]
fn bad_input_is_a_clear_error() {
    velo()
        .args(["log-digest", "missing.log"])
        .run()
        .code(2)
        .stderr_has("missing.log: no such file or folder");
    velo()
        .fixture_as("log-digest/python-app.log", "app.log")
        .args(["log-digest", "app.log", "--log-format", "<Date> <Time>"])
        .run()
        .code(2)
        .stderr_has("no <Content> field");
    velo()
        .args(["log-digest", "x", "--level", "loud"])
        .run()
        .code(2)
        .stderr_has("unknown level");
}

#[test]
fn velo_toml_settings_apply_and_flags_override_them() {
    let run = |extra: &[&str]| {
        let mut args = vec!["log-digest", "app.log", "--format", "json"];
        args.extend_from_slice(extra);
        velo()
            .fixture_as("log-digest/python-app.log", "app.log")
            .file(
                "velo.toml",
                "[log-digest]\ntop = 2\nfail-on = \"error\"\nrules = \"hints.toml\"\n",
            )
            .file(
                "hints.toml",
                "[[rule]]\npattern = 'strategy plugin'\nhint = 'Rebuild the plugin wheel'\n",
            )
            .args(args)
            .run()
    };
    let out = run(&[]).code(1);
    assert_eq!(out.json()["templates"].as_array().unwrap().len(), 2);
    assert!(out.stdout.contains("Rebuild the plugin wheel"));
    let out = run(&["--top", "3", "--fail-on", "fatal"]).code(0);
    assert_eq!(out.json()["templates"].as_array().unwrap().len(), 3);
}

#[test]
fn log_format_splits_headers_when_given() {
    let j = velo()
        .fixture_as("log-digest/python-app.log", "app.log")
        .args([
            "log-digest",
            "app.log",
            "--log-format",
            "<Date> <Time> <Level> <Component>: <Content>",
            "--format",
            "json",
        ])
        .run()
        .code(0)
        .json();
    assert_eq!(
        j["templates"][0]["template"],
        "cannot connect to <*>: [Errno <*>] Connection refused"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn prune_skips_files_open_for_writing_and_says_so() {
    let v = velo()
        .file("logs/app.log", "live\n")
        .file("logs/app.log.1", "old one\n")
        .file("logs/app.log.2", "older\n")
        .file("logs/app.log.3", "oldest\n");
    let dir = v.dir().join("logs");
    let now = std::time::SystemTime::now();
    for (i, n) in ["app.log", "app.log.1", "app.log.2", "app.log.3"]
        .iter()
        .enumerate()
    {
        let f = std::fs::File::options()
            .write(true)
            .open(dir.join(n))
            .unwrap();
        f.set_modified(now - std::time::Duration::from_secs(3600 * i as u64))
            .unwrap();
    }
    // This test process holds the live file open for writing.
    let _held = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join("app.log"))
        .unwrap();
    let out = v
        .args([
            "log-digest",
            "prune",
            "logs",
            "--keep",
            "2",
            "--format",
            "json",
        ])
        .run()
        .code(0)
        .stderr_has("left alone, open for writing by pid");
    let j = out.json();
    let actions: HashMap<String, String> = j["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let name = PathBuf::from(f["path"].as_str().unwrap());
            (
                name.file_name().unwrap().to_string_lossy().into_owned(),
                f["action"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(actions["app.log"], "skip-open");
    assert_eq!(actions["app.log.1"], "keep");
    assert_eq!(actions["app.log.2"], "delete");
    assert_eq!(actions["app.log.3"], "delete");
    let dir = out.dir.path().join("logs");
    assert!(dir.join("app.log").exists());
    assert!(dir.join("app.log.1").exists());
    assert!(!dir.join("app.log.3").exists());
}

#[test]
fn prune_needs_a_rule_and_dry_run_changes_nothing() {
    velo()
        .file("logs/a.log", "x\n")
        .args(["log-digest", "prune", "logs"])
        .run()
        .code(2)
        .stderr_has("nothing to do");
    let out = velo()
        .file("logs/a.log", "x\n")
        .file("logs/a.log.1", "y\n")
        .args(["log-digest", "prune", "logs", "--compress", "--dry-run"])
        .run()
        .code(0)
        .stdout_has("dry run");
    assert!(out.dir.path().join("logs/a.log.1").exists());
    assert!(!out.dir.path().join("logs/a.log.1.gz").exists());
}

/// Reads `LineId,...,EventId,EventTemplate` rows of a Loghub structured CSV: line → event id.
fn truth_ids(csv: &str) -> HashMap<u64, String> {
    let mut out = HashMap::new();
    for row in csv_rows(csv).into_iter().skip(1) {
        let n: u64 = row[0].parse().unwrap();
        out.insert(n, row[row.len() - 2].clone());
    }
    out
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => row.push(std::mem::take(&mut field)),
            ('\n', false) => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            ('\r', false) => {}
            (c, _) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// Grouping accuracy (Zhu et al. 2019): the share of lines whose predicted group has exactly
/// the same lines as their true group.
fn grouping_accuracy(truth: &HashMap<u64, String>, pred: &HashMap<u64, String>) -> f64 {
    let mut by_truth: HashMap<&str, Vec<u64>> = HashMap::new();
    let mut by_pred: HashMap<&str, Vec<u64>> = HashMap::new();
    for (n, t) in truth {
        by_truth.entry(t).or_default().push(*n);
        by_pred.entry(&pred[n]).or_default().push(*n);
    }
    let mut correct = 0;
    for lines in by_truth.values() {
        let p = &pred[&lines[0]];
        if by_pred[p.as_str()].len() == lines.len() && lines.iter().all(|n| &pred[n] == p) {
            correct += lines.len();
        }
    }
    correct as f64 / truth.len() as f64
}

fn loghub_dir() -> Option<PathBuf> {
    [
        shared_data("loghub"),
        repo_root().join("../../shared/data/loghub"),
    ]
    .into_iter()
    .find(|p| p.is_dir())
}

#[test]
fn loghub_grouping_accuracy_without_configuration() {
    let Some(root) = loghub_dir() else {
        crate::support::skip(
            "loghub grouping accuracy",
            "../shared/data/loghub not found (a benchmark over the shared data; CI has it)",
        );
        return;
    };
    let sets = [
        "Android",
        "Apache",
        "BGL",
        "HDFS",
        "HPC",
        "Hadoop",
        "Spark",
        "Thunderbird",
        "Windows",
        "Zookeeper",
    ];
    let mut scores = Vec::new();
    for ds in sets {
        let log = root.join(ds).join(format!("{ds}_2k.log"));
        let out = velo()
            .arg("log-digest")
            .arg(&log)
            .args(["--assignments", "-"])
            .run()
            .code(0);
        let pred: HashMap<u64, String> = assignments(&out.stdout)
            .iter()
            .map(|a| {
                (
                    a["line"].as_u64().unwrap(),
                    a["template_id"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let csv =
            std::fs::read_to_string(root.join(ds).join(format!("{ds}_2k.log_structured.csv")))
                .unwrap();
        let ga = grouping_accuracy(&truth_ids(&csv), &pred);
        eprintln!("{ds:12} GA {ga:.4}");
        scores.push((ds, ga));
    }
    let avg = scores.iter().map(|s| s.1).sum::<f64>() / scores.len() as f64;
    eprintln!("average GA {avg:.4}");
    assert!(avg >= 0.95, "average GA {avg:.4} < 0.95: {scores:?}");
    for (ds, ga) in scores {
        assert!(ga >= 0.85, "{ds}: GA {ga:.4} < 0.85");
    }
}

#[cfg(unix)]
#[test]
fn follow_prints_a_refreshed_digest_when_lines_are_appended() {
    use std::io::{BufRead, Write};
    use std::time::Duration;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("bot.log");
    std::fs::copy(fixture("log-digest/python-app.log"), &log).unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("velo"))
        .args(["log-digest", "bot.log", "--follow", "--format", "json"])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let first: serde_json::Value =
        serde_json::from_str(&rx.recv_timeout(Duration::from_secs(30)).unwrap()).unwrap();
    assert_eq!(first["type"], "digest");
    assert_eq!(first["lines"], 24);
    // Append until a refreshed digest arrives (the watcher may start a moment after the
    // first digest is printed).
    let mut refreshed = None;
    for _ in 0..30 {
        let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
        writeln!(f, "2024-05-01 10:06:00,000 ERROR bot.db: cannot connect to 127.0.0.1:3306: [Errno 111] Connection refused").unwrap();
        drop(f);
        if let Ok(line) = rx.recv_timeout(Duration::from_secs(2)) {
            refreshed = Some(line);
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let next: serde_json::Value =
        serde_json::from_str(&refreshed.expect("a refreshed digest")).unwrap();
    assert!(next["lines"].as_u64().unwrap() > 24);
    assert!(next["templates"][0]["count"].as_u64().unwrap() > 3);
}

/// Gzips `text` (for `.gz` inputs made by a test).
fn gzip(text: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(text).unwrap();
    enc.finish().unwrap()
}

#[test]
fn a_byte_order_mark_does_not_hide_the_first_lines_level() {
    let text = "\u{feff}2024-05-01 10:00:00 ERROR app: database is gone\n\
                2024-05-01 10:00:01 INFO app: tick\n\
                2024-05-01 10:00:02 INFO app: tick\n";
    velo()
        .file("bom.log", text)
        .args(["log-digest", "bom.log", "--fail-on", "error"])
        .run()
        .code(1);
    velo()
        .file("bom.log.gz", gzip(text.as_bytes()))
        .args(["log-digest", "bom.log.gz", "--fail-on", "error"])
        .run()
        .code(1);
    let j = velo()
        .args(["log-digest", "-", "--format", "json"])
        .stdin(text)
        .run()
        .code(0)
        .json();
    assert_eq!(j["levels"]["error"], 1, "{j}");
    assert_eq!(j["templates"][0]["template"], "database is gone");
}

#[cfg(unix)]
#[test]
fn a_symlink_cycle_is_read_once_and_noted_once() {
    let v = velo()
        .file("logs/a.log", "2024-05-01 10:00:00 ERROR app: boom\n")
        .file("logs/sub/b.log", "2024-05-01 10:00:01 INFO app: fine\n");
    std::os::unix::fs::symlink("..", v.dir().join("logs/sub/up")).unwrap();
    std::os::unix::fs::symlink("a.log", v.dir().join("logs/same.log")).unwrap();
    std::os::unix::fs::symlink("self", v.dir().join("logs/self")).unwrap();
    let out = v
        .args(["log-digest", "logs", "--format", "json"])
        .run()
        .code(0);
    let j = out.json();
    let names: Vec<&str> = j["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["logs/a.log", "logs/sub/b.log"], "each file once");
    assert_eq!(j["levels"]["error"], 1);
    assert_eq!(
        out.stderr.matches("symlink loop").count(),
        2,
        "the folder loop and the self link, once each:\n{}",
        out.stderr
    );
    assert!(out.stderr.contains("logs/sub/up"), "{}", out.stderr);
    let dup = j["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["path"] == "logs/same.log")
        .unwrap_or_else(|| panic!("{j}"));
    assert_eq!(dup["kind"], "duplicate");
}

#[test]
fn a_truncated_gz_is_named_and_the_rest_is_digested() {
    let mut text = String::new();
    for i in 0..20_000 {
        text.push_str(&format!(
            "2024-05-01 10:00:00 INFO app: order {i} filled at {}.5\n",
            i * 7
        ));
    }
    let gz = gzip(text.as_bytes());
    let cut = &gz[..gz.len() / 2];
    let out = velo()
        .file("good.log", "2024-05-01 10:00:00 ERROR app: boom\n")
        .file("bad.log.gz", cut)
        .args([
            "log-digest",
            "good.log",
            "bad.log.gz",
            "--format",
            "json",
            "--fail-on",
            "error",
        ])
        .run()
        .code(1)
        .stderr_has("bad.log.gz: ");
    let j = out.json();
    let bad = &j["sources"][1];
    assert_eq!(bad["name"], "bad.log.gz");
    let read = bad["lines"].as_u64().unwrap();
    assert!(read > 0 && read < 20_000, "{bad}");
    let err = bad["error"].as_str().unwrap();
    assert!(
        err.starts_with("the gzip data is cut short or corrupt")
            && err.ends_with(&format!(
                "after {read} line(s); those lines are digested, the rest of the file is not"
            )),
        "{err}"
    );
    assert!(out.stderr.contains(err), "{}", out.stderr);
    assert_eq!(j["sources"][0]["lines"], 1);
    // Alone, with lines read before the cut: a digest, not an error.
    velo()
        .file("bad.log.gz", cut)
        .args(["log-digest", "bad.log.gz"])
        .run()
        .code(0)
        .stderr_has("bad.log.gz");
    // Nothing readable at all: exit 2.
    velo()
        .file("bad.log.gz", &gz[..12])
        .args(["log-digest", "bad.log.gz"])
        .run()
        .code(2)
        .stderr_has("nothing could be read: bad.log.gz: the gzip data is cut short");
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_with_a_note_not_waited_on() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("logs")).unwrap();
    std::fs::write(
        dir.path().join("logs/app.log"),
        "2024-05-01 10:00:00 INFO app: ok\n",
    )
    .unwrap();
    crate::support::mkfifo(&dir.path().join("logs/pipe"));
    let run = |args: &[&str]| {
        let out = assert_cmd::Command::cargo_bin("velo")
            .unwrap()
            .args(args)
            .current_dir(dir.path())
            .env_remove("CI")
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, _, err) = run(&["log-digest", "logs/pipe"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("logs/pipe") && err.contains("FIFO"), "{err}");
    let (code, out, err) = run(&["log-digest", "logs", "--format", "json"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("logs/pipe") && err.contains("FIFO"), "{err}");
    assert!(out.contains("logs/app.log"), "{out}");
    // A pipe the caller already opened (stdin, `<(cmd)` as /dev/fd/N) is read as `-` is.
    let j = velo()
        .args(["log-digest", "/dev/stdin", "--format", "json"])
        .stdin("2024-05-01 10:00:00 ERROR app: from a pipe\n")
        .run()
        .code(0)
        .json();
    assert_eq!(j["templates"][0]["template"], "from a pipe");
}

#[cfg(target_os = "linux")]
#[test]
fn prune_never_touches_the_live_log_whatever_its_mtime() {
    let v = velo()
        .file("logs/app.log", "live\n")
        .file("logs/app.log.1", "old one\n")
        .file("logs/app.log.2", "older\n");
    let dir = v.dir().join("logs");
    let now = std::time::SystemTime::now();
    // The live file looks oldest (a program that writes rarely, or a restored backup).
    for (n, age_h) in [("app.log", 100), ("app.log.1", 1), ("app.log.2", 2)] {
        std::fs::File::options()
            .write(true)
            .open(dir.join(n))
            .unwrap()
            .set_modified(now - std::time::Duration::from_secs(3600 * age_h))
            .unwrap();
    }
    let out = v
        .args([
            "log-digest",
            "prune",
            "logs",
            "--keep",
            "2",
            "--max-age",
            "50h",
            "--compress",
            "--format",
            "json",
        ])
        .run()
        .code(0);
    let j = out.json();
    let action = |name: &str| {
        j["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with(&format!("/{name}")))
            .unwrap()["action"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(action("app.log"), "keep", "{j}");
    assert_eq!(action("app.log.1"), "compress");
    assert_eq!(action("app.log.2"), "delete");
    let dir = out.dir.path().join("logs");
    assert_eq!(
        std::fs::read_to_string(dir.join("app.log")).unwrap(),
        "live\n"
    );
    assert!(!dir.join("app.log.gz").exists());
    assert!(dir.join("app.log.1.gz").exists());
}

#[test]
fn prune_on_a_missing_path_says_it_does_not_exist() {
    velo()
        .args(["log-digest", "prune", "nowhere", "--keep", "1"])
        .run()
        .code(2)
        .stderr_has("nowhere: does not exist");
}

#[cfg(unix)]
#[test]
fn follow_reads_the_old_file_to_its_end_after_a_rotation() {
    use std::io::{BufRead, Write};
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("bot.log");
    let line = |n: &str| format!("2024-05-01 10:00:00,000 INFO bot: marker {n} seen\n");
    std::fs::write(&log, line("a")).unwrap();
    let mut writer = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("velo"))
        .args(["log-digest", "bot.log", "--follow", "--format", "json"])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for l in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    let next = |rx: &std::sync::mpsc::Receiver<String>| -> serde_json::Value {
        serde_json::from_str(&rx.recv_timeout(Duration::from_secs(60)).expect("a digest")).unwrap()
    };
    assert_eq!(next(&rx)["lines"], 1);
    // Writes before the rotation are seen (retrying until the watcher is up).
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut written = 1;
    loop {
        assert!(Instant::now() < deadline, "no digest after an append");
        writer.write_all(line("b").as_bytes()).unwrap();
        written += 1;
        if rx.recv_timeout(Duration::from_secs(3)).is_ok() {
            break;
        }
    }
    // Rotation as logrotate or a handler does it: rename, the program writes a last line to
    // the file it still has open, then a new file appears at the path and gets a line.
    std::fs::rename(&log, dir.path().join("bot.log.1")).unwrap();
    writer.write_all(line("late").as_bytes()).unwrap();
    drop(writer);
    std::fs::write(&log, line("new")).unwrap();
    let want = written + 2;
    let mut last = serde_json::Value::Null;
    while Instant::now() < deadline {
        if let Ok(l) = rx.recv_timeout(Duration::from_secs(3)) {
            last = serde_json::from_str(&l).unwrap();
            if last["lines"].as_u64().unwrap() >= want {
                break;
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        last["lines"].as_u64(),
        Some(want),
        "the late line in the old file and the new file's line are both read: {last}"
    );
}

#[test]
fn a_yearless_timestamp_takes_its_year_from_the_files_modification_time() {
    let text = "Dec 31 23:59:01 host app[12]: ERROR disk full on /dev/sda1\n\
                Dec 31 23:59:05 host app[12]: ERROR disk full on /dev/sdb1\n";
    let v = velo().file("old.log", text);
    // Written on 2023-12-31 23:59:30 UTC: the lines are from 2023.
    let mtime = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_704_067_170);
    std::fs::File::options()
        .write(true)
        .open(v.dir().join("old.log"))
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    let out = v
        .args(["log-digest", "old.log", "--format", "json"])
        .run()
        .code(0)
        .json();
    let t = &out["templates"][0];
    assert_eq!(t["first_seen"]["time"], "2023-12-31 23:59:01", "{out}");
    assert_eq!(t["last_seen"]["time"], "2023-12-31 23:59:05", "{out}");
    // From stdin there is no file: the reference is now, never 1970.
    let out = velo()
        .args(["log-digest", "-", "--format", "json"])
        .stdin(text)
        .run()
        .code(0)
        .json();
    let first = out["templates"][0]["first_seen"]["time"]
        .as_str()
        .unwrap_or("");
    assert!(first.ends_with("-12-31 23:59:01"), "{out}");
    assert!(!first.starts_with("1970"), "{out}");
}

/// Yesterday's log: one error template, one warning template.
const DAY1: &str = "\
2024-05-01 10:00:00 INFO app: worker 1 started
2024-05-01 10:00:01 ERROR app: db timeout after 30 s
2024-05-01 10:00:02 WARNING app: slow request 12 ms
2024-05-01 10:00:03 INFO app: worker 2 started
2024-05-01 10:00:04 INFO app: worker 3 started
2024-05-01 10:00:05 INFO app: worker 4 started
";

/// Today's: the same error three times as often, a new error, the warning gone.
const DAY2: &str = "\
2024-05-02 10:00:00 INFO app: worker 7 started
2024-05-02 10:00:01 ERROR app: db timeout after 31 s
2024-05-02 10:00:02 ERROR app: db timeout after 32 s
2024-05-02 10:00:03 ERROR app: db timeout after 33 s
2024-05-02 10:00:04 ERROR app: order 81 rejected by exchange
2024-05-02 10:00:05 INFO app: worker 8 started
";

fn digest_json(name: &str, text: &str) -> String {
    velo()
        .file(name, text)
        .args(["log-digest", name, "--format", "json"])
        .run()
        .code(0)
        .stdout
}

#[test]
fn template_ids_are_the_same_across_runs_files_and_values() {
    let ids = |json: &str| -> Vec<(String, String)> {
        let j: serde_json::Value = serde_json::from_str(json).unwrap();
        let mut v: Vec<(String, String)> = j["templates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["template"].as_str().unwrap().to_owned(),
                    t["id"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let a = ids(&digest_json("a.log", DAY1));
    // Other values, another file name, another run: the same templates have the same ids.
    let other = DAY1.replace("30 s", "45 s").replace("worker 2", "worker 9");
    let b = ids(&digest_json("logs/b.log", &other));
    assert_eq!(a, b);
    // The id is the documented hash of the template text (FNV-1a 64 as 16 hex digits).
    let (text, id) = a.iter().find(|(t, _)| t == "db timeout after <*>").unwrap();
    assert_eq!(id, "7efd2461f168154a", "{text}");
}

#[test]
fn baseline_lists_new_and_grown_errors_and_fails_on_new_ones_only() {
    let prev = digest_json("day1.log", DAY1);
    let j: serde_json::Value = serde_json::from_str(&prev).unwrap();
    assert_eq!(
        j["problem_templates"].as_array().unwrap().len(),
        2,
        "every warning-or-worse template, for a later --baseline: {prev}"
    );
    // Today: a new error template → exit 1 with --fail-on new-errors.
    let out = velo()
        .file("prev.json", &prev)
        .file("day2.log", DAY2)
        .args([
            "log-digest",
            "day2.log",
            "--baseline",
            "prev.json",
            "--fail-on",
            "new-errors",
            "--format",
            "json",
        ])
        .run()
        .code(1);
    let b = &out.json()["baseline"];
    assert_eq!(b["new"].as_array().unwrap().len(), 1, "{b}");
    assert_eq!(b["new"][0]["template"], "order <*> rejected by exchange");
    assert_eq!(b["new"][0]["previous_count"], 0);
    assert_eq!(b["grew"][0]["template"], "db timeout after <*>");
    assert_eq!(b["grew"][0]["count"], 3);
    assert_eq!(b["grew"][0]["previous_count"], 1);
    assert_eq!(b["gone"], 1, "the warning is gone");
    let table = velo()
        .file("prev.json", &prev)
        .file("day2.log", DAY2)
        .args(["log-digest", "day2.log", "--baseline", "prev.json"])
        .run()
        .code(0);
    insta::assert_snapshot!("baseline_table", table.stdout);
    // The same errors again (other values, other file): errors exist, none is new → exit 0;
    // `--fail-on error` still fails on them.
    let again = DAY1.replace("30 s", "99 s");
    for (fail_on, code) in [("new-errors", 0), ("new-warnings", 0), ("error", 1)] {
        velo()
            .file("prev.json", &prev)
            .file("again.log", &again)
            .args(["log-digest", "again.log", "--baseline", "prev.json"])
            .args(["--fail-on", fail_on])
            .run()
            .code(code);
    }
    // A new warning fails `new-warnings` but not `new-errors`.
    let warned = format!("{DAY1}2024-05-01 10:00:09 WARNING app: disk 91 percent full\n");
    for (fail_on, code) in [("new-errors", 0), ("new-warnings", 1)] {
        velo()
            .file("prev.json", &prev)
            .file("w.log", &warned)
            .args(["log-digest", "w.log", "--baseline", "prev.json"])
            .args(["--fail-on", fail_on])
            .run()
            .code(code);
    }
}

#[test]
fn baseline_mistakes_are_usage_errors_that_say_what_to_do() {
    velo()
        .file("a.log", DAY1)
        .args(["log-digest", "a.log", "--fail-on", "new-errors"])
        .run()
        .code(2)
        .stderr_has("need --baseline PREVIOUS.json");
    velo()
        .file("a.log", DAY1)
        .args(["log-digest", "a.log", "--baseline", "a.log"])
        .run()
        .code(2)
        .stderr_has("a.log: not JSON")
        .stderr_has("--format json");
    velo()
        .file("a.log", DAY1)
        .file("other.json", r#"{"lines": 3}"#)
        .args(["log-digest", "a.log", "--baseline", "other.json"])
        .run()
        .code(2)
        .stderr_has("not a log-digest JSON digest");
    velo()
        .file("a.log", DAY1)
        .args(["log-digest", "a.log", "--baseline", "missing.json"])
        .run()
        .code(2)
        .stderr_has("missing.json");
    velo()
        .file("a.log", DAY1)
        .args(["log-digest", "a.log", "--fail-on", "newest"])
        .run()
        .code(2)
        .stderr_has("new-errors or new-warnings");
}

#[test]
fn json_records_behind_a_runtime_header_keep_their_message_level_and_escaped_traceback() {
    // A container runtime's text header before each JSON record; the error record carries its
    // traceback escaped into `exc_info` and its message over two lines. The records' own
    // message and level count, and the root cause reads the escaped traceback.
    let mut log = String::new();
    for i in 0..12 {
        let stream = if i % 2 == 0 { "stdout" } else { "stderr" };
        let rec = if i == 7 {
            serde_json::json!({
                "time": format!("2024-03-01T09:00:{i:02}Z"), "level": "error",
                "msg": format!("write to store failed for batch {i}\nretry queued"),
                "exc_info": "Traceback (most recent call last):\n  File \"/srv/unit/store.py\", line 41, in put\n    self.write(batch)\nOSError: device 3 not ready",
            })
        } else {
            serde_json::json!({
                "time": format!("2024-03-01T09:00:{i:02}Z"),
                "level": if i % 3 == 0 { "warning" } else { "info" },
                "msg": format!("batch {} accepted", 100 + i * 7),
            })
        };
        log.push_str(&format!(
            "2024-03-01T09:00:{i:02}.{:09}Z {stream} F {rec}\n",
            i * 7919
        ));
    }
    let out = velo()
        .file("app.log", log)
        .args(["log-digest", "app.log", "--format", "json"])
        .run()
        .code(0);
    let j = out.json();
    assert_eq!(j["levels"]["error"], 1, "{j}");
    assert_eq!(j["levels"]["warning"], 4, "{j}");
    let rc = &j["root_cause"];
    assert_eq!(rc["exception"], "OSError: device 3 not ready", "{rc}");
    assert!(rc["frame"]
        .as_str()
        .unwrap()
        .contains("store.py\", line 41"));
    let templates: Vec<&str> = j["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["template"].as_str().unwrap())
        .collect();
    assert!(templates.contains(&"batch <*> accepted"), "{templates:?}");
    assert!(
        templates
            .iter()
            .any(|t| t.starts_with("write to store failed for batch <*>") && !t.contains("retry")),
        "{templates:?}"
    );
}

/// An error never hides among infos (generated, made-up words): an outcome word that decides
/// the level (`jarred` always at WARNING, five others always at INFO) keeps its own template,
/// through the header model's levels and the line cache (lines repeated verbatim), while the
/// side word that occurs at both levels stays a variable.
#[test]
fn a_word_that_decides_the_level_is_not_folded_into_an_info_template() {
    let outcomes = [
        ("flumbered", "INFO"),
        ("grizzled", "INFO"),
        ("sprocketed", "INFO"),
        ("quenched", "INFO"),
        ("tromped", "INFO"),
        ("jarred", "WARNING"),
    ];
    let mut log = String::new();
    let mut jarred = 0;
    for i in 0..40 {
        for (k, (outcome, level)) in outcomes.iter().enumerate() {
            let side = if (i + k) % 2 == 0 { "on" } else { "off" };
            // Every line three times over, verbatim, every fourth round: cache hits.
            let times = if i % 4 == 0 { 3 } else { 1 };
            for _ in 0..times {
                log.push_str(&format!(
                    "2024-05-01 10:{:02}:{:02} {level} glim.core: parcel {} {side} {}@{}.5 {outcome}\n",
                    i % 60,
                    k * 7,
                    7000 + i * 13 + k,
                    i + 1,
                    k + 3
                ));
                jarred += usize::from(*outcome == "jarred");
            }
        }
    }
    let j = velo()
        .file("p.log", log)
        .args(["log-digest", "p.log", "--format", "json", "--top", "20"])
        .run()
        .code(0)
        .json();
    let templates = j["templates"].as_array().unwrap();
    let warned: Vec<&serde_json::Value> = templates
        .iter()
        .filter(|t| t["level"] == "warning")
        .collect();
    assert_eq!(warned.len(), 1, "{templates:?}");
    assert!(
        warned[0]["template"].as_str().unwrap().ends_with(" jarred"),
        "{templates:?}"
    );
    assert_eq!(warned[0]["count"], jarred);
    assert_eq!(j["levels"]["warning"], jarred);
    assert!(templates
        .iter()
        .all(|t| !t["template"].as_str().unwrap().contains(" on ")));
}
