//! The `test-timeout-runner` report as sections: failures with their excerpts, timed-out tests
//! with the last output and their own thread's innermost frames, flaky tests, the slowest tests
//! (time of every attempt together), leaked processes, and the summary line. Excerpts are shown
//! without terminal escape codes, whatever the tests printed.

use crate::output::{Tone, Ui};
use crate::report::{Cell, Report, Section};
use crate::test_runner::generic::AttemptInfo;
use crate::test_runner::memory::RunMonitor;
use crate::test_runner::{
    last_lines, strip_ansi, timeout_excerpt, LeakNote, Outcome, RunReport, TestResult,
};
use crate::units::{format_duration, format_size};

const SLOWEST: usize = 5;
/// Tests shown in the Memory section (the JSON keeps more).
const TOP_MEMORY: usize = 5;
const EXCERPT_LINES: usize = 12;

fn tone(o: Outcome) -> Tone {
    match o {
        Outcome::Passed => Tone::Good,
        Outcome::Skipped | Outcome::XFailed => Tone::Dim,
        Outcome::Flaky | Outcome::Interrupted => Tone::Warning,
        Outcome::Failed | Outcome::TimedOut | Outcome::Error | Outcome::OutOfMemory => Tone::Error,
    }
}

/// A test's time, every attempt together, saying how many there were.
fn duration_cell(t: &TestResult) -> String {
    if t.attempts > 1 {
        format!("{:.3}s ({} attempts)", t.duration_s, t.attempts)
    } else {
        format!("{:.3}s", t.duration_s)
    }
}

/// The tests that were stopped with `outcome` (timed out, interrupted): how long each ran and
/// its last output or stack; `None` when there are none.
fn stopped_table(tests: &[TestResult], outcome: Outcome, title: &str) -> Option<Section> {
    let rows: Vec<Vec<Cell>> = tests
        .iter()
        .filter(|t| t.outcome == outcome)
        .map(|t| {
            vec![
                Cell::new(t.id.clone()),
                Cell::new(format!("{:.1}s", t.duration_s)),
                Cell::new(strip_ansi(&timeout_excerpt(&t.excerpt))),
            ]
        })
        .collect();
    (!rows.is_empty()).then(|| Section::Table {
        title: Some(title.into()),
        headers: vec!["test".into(), "after".into(), "last output / stack".into()],
        rows,
    })
}

impl Report for RunReport {
    fn sections(&self) -> Vec<Section> {
        let mut out = Vec::new();
        let failures: Vec<&TestResult> = self
            .tests
            .iter()
            .filter(|t| {
                matches!(
                    t.outcome,
                    Outcome::Failed | Outcome::Error | Outcome::OutOfMemory
                )
            })
            .collect();
        if !failures.is_empty() {
            out.push(Section::Table {
                title: Some("Failures".into()),
                headers: vec!["test".into(), "outcome".into(), "excerpt".into()],
                rows: failures
                    .iter()
                    .map(|t| {
                        vec![
                            Cell::new(t.id.clone()),
                            Cell::toned(t.outcome.name(), tone(t.outcome)),
                            Cell::new(strip_ansi(&last_lines(&t.excerpt, EXCERPT_LINES))),
                        ]
                    })
                    .collect(),
            });
        }
        for (outcome, title) in [
            (Outcome::TimedOut, "Timed out"),
            (
                Outcome::Interrupted,
                "Interrupted (running when velo was stopped)",
            ),
        ] {
            out.extend(stopped_table(&self.tests, outcome, title));
        }
        let flaky: Vec<&TestResult> = self
            .tests
            .iter()
            .filter(|t| t.outcome == Outcome::Flaky)
            .collect();
        if !flaky.is_empty() {
            out.push(Section::Table {
                title: Some("Flaky (failed, then passed on a retry)".into()),
                headers: vec!["test".into(), "attempts".into()],
                rows: flaky
                    .iter()
                    .map(|t| vec![Cell::new(t.id.clone()), Cell::new(t.attempts.to_string())])
                    .collect(),
            });
        }
        let mut slow: Vec<&TestResult> = self.tests.iter().collect();
        slow.sort_by(|a, b| b.duration_s.total_cmp(&a.duration_s).then(a.id.cmp(&b.id)));
        slow.truncate(SLOWEST);
        if !slow.is_empty() {
            out.push(Section::Table {
                title: Some("Slowest".into()),
                headers: vec![
                    "test".into(),
                    "outcome".into(),
                    "duration (all attempts)".into(),
                ],
                rows: slow
                    .iter()
                    .map(|t| {
                        vec![
                            Cell::new(t.id.clone()),
                            Cell::toned(t.outcome.name(), tone(t.outcome)),
                            Cell::new(duration_cell(t)),
                        ]
                    })
                    .collect(),
            });
        }
        if !self.leaked.is_empty() {
            out.push(Section::Table {
                title: Some("Leaked processes (killed)".into()),
                headers: vec![
                    "pid".into(),
                    "command".into(),
                    "held output".into(),
                    "during".into(),
                ],
                rows: self
                    .leaked
                    .iter()
                    .map(|l| {
                        vec![
                            Cell::new(l.pid.to_string()),
                            Cell::new(l.command.clone()),
                            Cell::new(if l.held_output { "yes" } else { "no" }),
                            Cell::new(l.during.clone()),
                        ]
                    })
                    .collect(),
            });
        }
        if let Some(m) = &self.monitor {
            out.extend(memory_sections(m));
        }
        if !self.notes.is_empty() {
            out.push(Section::Text {
                title: Some("Notes".into()),
                body: self.notes.join("\n"),
                tone: Tone::Warning,
            });
        }
        let tone = if self.summary.bad() > 0 {
            Tone::Error
        } else if self.summary.flaky > 0 {
            Tone::Warning
        } else {
            Tone::Good
        };
        let mut body = format!("{} in {:.1}s", self.summary.line(), self.duration_s);
        if let Some(shard) = &self.shard {
            body.push_str(&format!(", shard {shard}"));
            if let Some(task) = &self.shard_task {
                body.push_str(&format!(" ({task})"));
            }
        }
        if self.interrupted {
            body.push_str(" (interrupted)");
        }
        if !self.partial.is_empty() {
            body.push_str(&format!("; partial: {}", self.partial.join(", ")));
        }
        out.push(Section::Text {
            title: None,
            body,
            tone,
        });
        out
    }
}

/// `--monitor`: the run's figures in a few lines, then the tests with the largest peak RSS.
pub fn memory_sections(m: &RunMonitor) -> Vec<Section> {
    let f = &m.figures;
    let size = |v: Option<u64>| v.map_or_else(|| "-".to_string(), format_size);
    let mut rows = vec![
        vec![
            Cell::new("peak RSS of the run (sampled)"),
            Cell::new(match f.peak_rss_at_s {
                Some(at) => format!("{} at {at:.1}s", size(f.peak_rss_bytes)),
                None => size(f.peak_rss_bytes),
            }),
        ],
        vec![
            // PSS is read less often than RSS on a big tree: say how stale it may be.
            Cell::new(match f.pss_max_age_s {
                Some(age) if age > f.interval_s * 1.5 => {
                    format!("peak PSS (each process's read up to {age:.1}s old)")
                }
                _ => "peak PSS".to_string(),
            }),
            Cell::new(size(f.peak_pss_bytes)),
        ],
        vec![
            Cell::new("CPU (mean / peak)"),
            Cell::new(match (f.mean_cpu_pct, f.peak_cpu_pct) {
                (Some(a), Some(b)) => format!("{a:.0}% / {b:.0}% of one core"),
                _ => "-".to_string(),
            }),
        ],
        vec![
            Cell::new("peak threads / open files"),
            Cell::new(format!(
                "{} / {}",
                f.peak_threads
                    .map_or_else(|| "-".to_string(), |v| v.to_string()),
                f.peak_fds
                    .map_or_else(|| "-".to_string(), |v| v.to_string())
            )),
        ],
        vec![
            Cell::new("samples"),
            Cell::new(format!(
                "{} every {:.0}ms",
                f.samples,
                f.interval_s * 1000.0
            )),
        ],
    ];
    if let Some(l) = &f.leak {
        let tone = match l.verdict {
            crate::monitor::Verdict::Leak => Tone::Error,
            crate::monitor::Verdict::Stable => Tone::Good,
            crate::monitor::Verdict::Inconclusive => Tone::Warning,
        };
        rows.push(vec![
            Cell::new("leak verdict"),
            Cell::toned(format!("{}: {}", l.verdict.name(), l.reason), tone),
        ]);
    }
    for b in &f.breaches {
        rows.push(vec![
            Cell::toned("limit crossed", Tone::Error),
            Cell::toned(crate::report::monitor::breach_line(b), Tone::Error),
        ]);
    }
    let mut out = vec![Section::Table {
        title: Some("Memory".into()),
        headers: vec!["figure".into(), "value".into()],
        rows,
    }];
    if m.per_test {
        if m.top_tests.is_empty() {
            out.push(Section::Text {
                title: None,
                body: "no test ran long enough to be sampled (try a shorter --monitor-interval)"
                    .into(),
                tone: Tone::Dim,
            });
        } else {
            out.push(Section::Table {
                title: Some("Top memory users (peak RSS sampled while each test ran)".into()),
                headers: vec!["test".into(), "peak RSS".into(), "samples".into()],
                rows: m
                    .top_tests
                    .iter()
                    .take(TOP_MEMORY)
                    .map(|t| {
                        vec![
                            Cell::new(t.id.clone()),
                            Cell::new(format_size(t.peak_rss_bytes)),
                            Cell::new(t.samples.to_string()),
                        ]
                    })
                    .collect(),
            });
        }
    }
    out
}

/// The line told on stderr as a test finishes (`FAILED tests/t.py::x (0.12s)`), and whether
/// it is worth telling without `-v` (a failed, timed-out, errored or flaky test).
pub fn finished_line(t: &TestResult, ui: &Ui) -> (String, bool) {
    let label = match t.outcome {
        Outcome::Passed => "PASSED",
        Outcome::Failed => "FAILED",
        Outcome::Error => "ERROR",
        Outcome::TimedOut => "TIMED OUT",
        Outcome::Skipped => "SKIPPED",
        Outcome::XFailed => "XFAIL",
        Outcome::Flaky => "FLAKY",
        Outcome::Interrupted => "INTERRUPTED",
        Outcome::OutOfMemory => "OUT OF MEMORY",
    };
    let line = format!(
        "{} {} ({:.2}s)",
        ui.paint_err(label, tone(t.outcome)),
        t.id,
        t.duration_s
    );
    (
        line,
        t.outcome.is_bad() || matches!(t.outcome, Outcome::Flaky | Outcome::Interrupted),
    )
}

/// Generic mode: what a failed attempt of `total` tells on stderr (its reason, its time, the
/// backoff before the next, and the summary of why).
pub fn attempt_message(a: &AttemptInfo, total: u32, ui: &Ui) -> String {
    let reason = a.summary.lines().next().unwrap_or("failed");
    let mut msg = ui.paint_err(
        &format!(
            "velo: attempt {}/{total} failed ({reason}) after {}",
            a.number,
            format_duration(a.duration)
        ),
        Tone::Warning,
    );
    if let Some(wait) = a.retry_in {
        msg.push_str(&format!("; retrying in {}", format_duration(wait)));
    }
    if a.summary.lines().nth(1).is_some() {
        msg.push_str("\n  why:\n");
        for line in a.summary.lines().skip(1) {
            msg.push_str("    ");
            msg.push_str(line);
            msg.push('\n');
        }
    }
    msg.trim_end().to_string()
}

/// The warning about a process that outlived its test or attempt.
pub fn leaked_line(l: &LeakNote) -> String {
    format!(
        "leaked process {} ({}){} was killed",
        l.pid,
        l.command,
        if l.held_output {
            ", which held the output pipe,"
        } else {
            ""
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Ui;
    use crate::test_runner::{LeakNote, STACK_MARKER};
    use std::time::Duration;

    fn sample() -> RunReport {
        let mut failed = TestResult::new(
            "tests/test_api.py::test_login",
            Outcome::Failed,
            Duration::from_millis(120),
        );
        failed.excerpt = "def test_login():\n>       assert status == 200\nE       assert 503 == 200\ntests/test_api.py:7: AssertionError".into();
        let mut hung = TestResult::new(
            "tests/test_scrape.py::test_fetch",
            Outcome::TimedOut,
            Duration::from_secs(5),
        );
        hung.excerpt = format!(
            "timed out after 5.0s (--test-timeout)\n--- captured stdout ---\nfetching page 3\n{STACK_MARKER}\nCurrent thread 0x7f (most recent call first):\n  File \"socket.py\", line 705 in readinto\n  File \"tests/test_scrape.py\", line 12 in test_fetch\n"
        );
        let mut flaky = TestResult::new(
            "tests/test_ws.py::test_reconnect",
            Outcome::Flaky,
            Duration::from_millis(300),
        );
        flaky.attempts = 2;
        let mut report = RunReport::new(
            "pytest",
            vec![
                TestResult::new(
                    "tests/test_api.py::test_health",
                    Outcome::Passed,
                    Duration::from_millis(10),
                ),
                failed,
                hung,
                flaky,
            ],
            Duration::from_secs(7),
        );
        report.leaked.push(LeakNote {
            pid: 4242,
            command: "python -m http.server".into(),
            held_output: true,
            during: "pytest session-1".into(),
        });
        report
    }

    /// A run under `--monitor --max-rss 1G`: figures, a crossed limit, the top tests.
    fn monitored() -> RunReport {
        use crate::monitor::{Breach, Ending, Leak, Mode, MonitorReport, Verdict};
        use crate::test_runner::memory::{RunMonitor, TestMemory};
        let mib = |n: u64| n * 1024 * 1024;
        let figures = MonitorReport {
            mode: Mode::Pid,
            target: None,
            interval_s: 0.2,
            samples: 35,
            duration_s: 7.0,
            mean_interval_s: Some(0.2),
            peak_rss_bytes: Some(mib(1300)),
            peak_rss_at_s: Some(4.2),
            peak_source: None,
            sampled_peak_rss_bytes: Some(mib(1300)),
            rusage_max_rss_bytes: None,
            cgroup_peak_bytes: None,
            mean_rss_bytes: Some(mib(300)),
            peak_pss_bytes: Some(mib(1200)),
            peak_uss_bytes: Some(mib(1100)),
            pss_max_age_s: Some(0.2),
            mean_cpu_pct: Some(80.0),
            peak_cpu_pct: Some(130.0),
            cpu_seconds: Some(5.6),
            peak_threads: Some(12),
            peak_fds: Some(40),
            peak_processes: Some(3),
            processes_seen: Some(5),
            read_bytes: Some(0),
            write_bytes: Some(0),
            leak: Some(Leak {
                slope_bytes_per_s: Some(0.0),
                r2: Some(0.0),
                verdict: Verdict::Stable,
                reason: "no growth beyond the noise".into(),
                window_start_s: 1.0,
                window_end_s: 7.0,
                intercept_bytes: None,
                noise_bytes: None,
            }),
            breaches: vec![Breach {
                limit: "max-rss",
                unit: "bytes",
                threshold: mib(1024) as f64,
                peak: mib(1300) as f64,
                over_by: mib(276) as f64,
                first_at_s: 4.0,
                samples: 3,
                top_pid: Some(4243),
                top_command: Some("python -m pytest".into()),
            }],
            at_peak: Vec::new(),
            ended: Ending::Exited,
            exit: None,
            notes: Vec::new(),
            system: None,
            series: Vec::new(),
            system_series: Vec::new(),
        };
        let mut report = sample();
        report.monitor = Some(RunMonitor {
            figures,
            per_test: true,
            top_tests: (0..7)
                .map(|i| TestMemory {
                    id: format!("tests/test_load.py::test_{i}"),
                    peak_rss_bytes: mib(1200 - 100 * i),
                    samples: 3,
                })
                .collect(),
            tests_sampled: 7,
            all_tests: Vec::new(),
        });
        report
    }

    #[test]
    fn markdown_report_with_memory() {
        let md = crate::report::markdown::render(&monitored().sections());
        // Five tests shown, largest first; the JSON keeps all seven.
        assert!(md.contains("test_4"), "{md}");
        assert!(!md.contains("test_5"), "{md}");
        insta::assert_snapshot!(md);
    }

    #[test]
    fn json_report_with_memory() {
        let json: serde_json::Value =
            serde_json::from_str(&crate::report::json::render(&monitored()).unwrap()).unwrap();
        let m = &json["monitor"];
        assert_eq!(m["peak_rss_bytes"], 1300 * 1024 * 1024);
        assert_eq!(m["top_tests"].as_array().unwrap().len(), 7);
        assert_eq!(m["breaches"][0]["limit"], "max-rss");
        assert!(m["series"].is_null());
        // Without --monitor there is no such object.
        let plain: serde_json::Value =
            serde_json::from_str(&crate::report::json::render(&sample()).unwrap()).unwrap();
        assert!(plain.get("monitor").is_none());
    }

    #[test]
    fn markdown_report() {
        insta::assert_snapshot!(crate::report::markdown::render(&sample().sections()));
    }

    #[test]
    fn table_report() {
        let ui = Ui::with_writers(Box::new(std::io::sink()), Box::new(std::io::sink()));
        insta::assert_snapshot!(crate::report::table::render(&sample().sections(), &ui));
    }

    #[test]
    fn json_report() {
        insta::assert_snapshot!(crate::report::json::render(&sample()).unwrap());
    }
}
