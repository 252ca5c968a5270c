//! `--metrics-file FILE.prom`: the summary in the Prometheus text exposition format, for the
//! node_exporter textfile collector. Names follow the conventions: a `velo_monitor_` prefix,
//! base units in the name (`_bytes`, `_seconds`), `_total` only on counters, no timestamps.

use std::fmt::Write as _;

use crate::monitor::{MonitorReport, Verdict};

fn metric(out: &mut String, name: &str, kind: &str, help: &str, samples: &[(String, f64)]) {
    if samples.is_empty() {
        return;
    }
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
    for (labels, v) in samples {
        let _ = writeln!(out, "{name}{labels} {}", number(*v));
    }
}

fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_string()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.to_string()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

/// A label value with `\`, `"` and newlines escaped.
pub fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn one(v: Option<f64>) -> Vec<(String, f64)> {
    v.map(|v| vec![(String::new(), v)]).unwrap_or_default()
}

/// Renders the report; `generated_at` is the Unix time of the run's end.
pub fn render(r: &MonitorReport, generated_at: f64) -> String {
    let mut out = String::new();
    let f = |v: Option<u64>| v.map(|v| v as f64);
    metric(
        &mut out,
        "velo_monitor_last_run_timestamp_seconds",
        "gauge",
        "Unix time at which the monitored run ended.",
        &one(Some(generated_at.floor())),
    );
    metric(
        &mut out,
        "velo_monitor_duration_seconds",
        "gauge",
        "How long the run was monitored.",
        &one(Some(r.duration_s)),
    );
    metric(
        &mut out,
        "velo_monitor_samples",
        "gauge",
        "Samples taken.",
        &one(Some(r.samples as f64)),
    );
    if let Some(sys) = &r.system {
        metric(
            &mut out,
            "velo_monitor_system_cpu_busy_mean_ratio",
            "gauge",
            "Mean share of all CPUs busy (0-1).",
            &one(Some(sys.mean_cpu_busy_pct / 100.0)),
        );
        metric(
            &mut out,
            "velo_monitor_system_cpu_busy_peak_ratio",
            "gauge",
            "Largest sampled share of all CPUs busy (0-1).",
            &one(Some(sys.peak_cpu_busy_pct / 100.0)),
        );
        metric(
            &mut out,
            "velo_monitor_system_memory_used_peak_bytes",
            "gauge",
            "Largest sampled memory in use (total minus available).",
            &one(Some(sys.peak_mem_used_bytes as f64)),
        );
        metric(
            &mut out,
            "velo_monitor_system_memory_total_bytes",
            "gauge",
            "Memory installed.",
            &one(Some(sys.mem_total_bytes as f64)),
        );
        metric(
            &mut out,
            "velo_monitor_system_swap_used_peak_bytes",
            "gauge",
            "Largest sampled swap in use.",
            &one(Some(sys.peak_swap_used_bytes as f64)),
        );
        metric(
            &mut out,
            "velo_monitor_system_load1_peak",
            "gauge",
            "Largest sampled 1-minute load average.",
            &one(Some(sys.peak_load1)),
        );
        let disks = |f: fn(&crate::monitor::system::Disk) -> f64| -> Vec<(String, f64)> {
            sys.disks
                .iter()
                .map(|d| {
                    (
                        format!(
                            "{{mountpoint=\"{}\",device=\"{}\"}}",
                            escape(&d.mount),
                            escape(&d.device)
                        ),
                        f(d),
                    )
                })
                .collect()
        };
        metric(
            &mut out,
            "velo_monitor_disk_used_bytes",
            "gauge",
            "Bytes used on each mounted file system at the end.",
            &disks(|d| d.used_bytes as f64),
        );
        metric(
            &mut out,
            "velo_monitor_disk_size_bytes",
            "gauge",
            "Size of each mounted file system.",
            &disks(|d| d.total_bytes as f64),
        );
        return out;
    }
    metric(
        &mut out,
        "velo_monitor_peak_rss_bytes",
        "gauge",
        "Largest resident set size known for the process tree: the largest sample (sum over its processes) or, if larger, the kernel's maximum RSS of one process at the command's exit.",
        &one(f(r.peak_rss_bytes)),
    );
    metric(
        &mut out,
        "velo_monitor_cgroup_peak_bytes",
        "gauge",
        "Exact peak of memory charged to the command's cgroup (v2 memory.peak, v1 memory.max_usage_in_bytes), page cache included.",
        &one(f(r.cgroup_peak_bytes)),
    );
    metric(
        &mut out,
        "velo_monitor_mean_rss_bytes",
        "gauge",
        "Mean resident set size of the tree.",
        &one(f(r.mean_rss_bytes)),
    );
    metric(
        &mut out,
        "velo_monitor_peak_pss_bytes",
        "gauge",
        "Largest sampled proportional set size of the tree.",
        &one(f(r.peak_pss_bytes)),
    );
    metric(
        &mut out,
        "velo_monitor_peak_uss_bytes",
        "gauge",
        "Largest sampled unique set size of the tree.",
        &one(f(r.peak_uss_bytes)),
    );
    metric(
        &mut out,
        "velo_monitor_cpu_seconds_total",
        "counter",
        "CPU time used by the tree while monitored, exited children included.",
        &one(r.cpu_seconds),
    );
    metric(
        &mut out,
        "velo_monitor_mean_cpu_cores",
        "gauge",
        "Mean CPU use of the tree in cores (1 = one core busy).",
        &one(r.mean_cpu_pct.map(|v| v / 100.0)),
    );
    metric(
        &mut out,
        "velo_monitor_peak_cpu_cores",
        "gauge",
        "Largest CPU use between two samples, in cores.",
        &one(r.peak_cpu_pct.map(|v| v / 100.0)),
    );
    metric(
        &mut out,
        "velo_monitor_peak_threads",
        "gauge",
        "Largest sampled thread count of the tree.",
        &one(f(r.peak_threads)),
    );
    metric(
        &mut out,
        "velo_monitor_peak_open_fds",
        "gauge",
        "Largest sampled count of open file descriptors of the tree.",
        &one(f(r.peak_fds)),
    );
    metric(
        &mut out,
        "velo_monitor_peak_processes",
        "gauge",
        "Most processes in the tree at one sample.",
        &one(r.peak_processes.map(|v| v as f64)),
    );
    metric(
        &mut out,
        "velo_monitor_read_bytes_total",
        "counter",
        "Bytes the tree read from storage while monitored.",
        &one(f(r.read_bytes)),
    );
    metric(
        &mut out,
        "velo_monitor_written_bytes_total",
        "counter",
        "Bytes the tree wrote to storage while monitored.",
        &one(f(r.write_bytes)),
    );
    if let Some(l) = &r.leak {
        metric(
            &mut out,
            "velo_monitor_leak_slope_bytes_per_second",
            "gauge",
            "Theil-Sen slope of memory after the warm-up.",
            &one(l.slope_bytes_per_s),
        );
        metric(
            &mut out,
            "velo_monitor_leak_fit_r_squared",
            "gauge",
            "Share of memory variance the leak line explains.",
            &one(l.r2),
        );
        let states = [Verdict::Leak, Verdict::Stable, Verdict::Inconclusive]
            .iter()
            .map(|v| {
                (
                    format!("{{verdict=\"{}\"}}", v.name()),
                    f64::from(u8::from(*v == l.verdict)),
                )
            })
            .collect::<Vec<_>>();
        metric(
            &mut out,
            "velo_monitor_leak_verdict",
            "gauge",
            "The leak verdict: 1 for the verdict given, 0 for the others.",
            &states,
        );
    }
    let breaches: Vec<(String, f64)> = r
        .breaches
        .iter()
        .map(|b| (format!("{{limit=\"{}\"}}", b.limit), b.over_by))
        .collect();
    metric(&mut out, "velo_monitor_limit_exceeded_by", "gauge", "How far each crossed limit was exceeded at worst, in the limit's unit (bytes, percent of a core, count, bytes per second).", &breaches);
    metric(
        &mut out,
        "velo_monitor_limits_breached",
        "gauge",
        "Limits crossed during the run.",
        &one(Some(r.breaches.len() as f64)),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_labels() {
        assert_eq!(number(3.0), "3");
        assert_eq!(number(0.25), "0.25");
        assert_eq!(number(f64::NAN), "NaN");
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
