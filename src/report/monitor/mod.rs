//! Rendering of `velo monitor`: the summary as sections (table and Markdown), the live view's
//! compact table with sparklines and the `--every` lines, the `--record` writer (CSV or JSON
//! Lines), the SVG plot and the Prometheus textfile.

pub mod prom;
pub mod record;
pub mod svg;

use crate::monitor::{
    Breach, Ending, Mode, MonitorReport, ProcSample, Sample, Summary, SystemSample,
};
use crate::output::Tone;
use crate::report::{Cell, Report, Section};
use crate::units::{format_duration, format_size};

/// A breach's value in its unit.
pub fn breach_value(b: &Breach, v: f64) -> String {
    match b.unit {
        "bytes" => format_size(v.max(0.0) as u64),
        "pct" => format!("{v:.1}%"),
        "bytes_per_s" => format!("{}/min", format_size((v * 60.0).max(0.0) as u64)),
        _ => format!("{v:.0}"),
    }
}

/// One line per breach: `max-rss 512.0MiB crossed at 3.2s: peak 640.0MiB (+128.0MiB)`.
pub fn breach_line(b: &Breach) -> String {
    let who = match (&b.top_pid, &b.top_command) {
        (Some(pid), Some(cmd)) => format!("; largest: PID {pid} ({})", cut(cmd, 60)),
        _ => String::new(),
    };
    format!(
        "--{} {} crossed at {:.1}s: peak {} (over by {}){who}",
        b.limit,
        breach_value(b, b.threshold),
        b.first_at_s,
        breach_value(b, b.peak),
        breach_value(b, b.over_by),
    )
}

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() > max {
        let c: String = s.chars().take(max).collect();
        format!("{c}…")
    } else {
        s.to_string()
    }
}

fn opt_size(v: Option<u64>) -> String {
    v.map_or_else(|| "-".to_string(), format_size)
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{v:.1}%"))
}

/// A count that may be unknown (`-`).
fn opt_count<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_string(), |v| v.to_string())
}

/// A CPU % cell: one decimal, `-` when not measured (the start sample).
fn cpu_cell(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{v:.1}"))
}

fn ended_text(r: &MonitorReport) -> String {
    let exit = r.exit.map(|e| match (e.code, e.signal) {
        (Some(c), _) => format!(" (exit code {c})"),
        (_, Some(s)) => format!(" (killed by signal {s})"),
        _ => String::new(),
    });
    let exit = exit.unwrap_or_default();
    match r.ended {
        Ending::Exited => format!("the process ended{exit}"),
        Ending::Duration => format!("--duration reached{exit}"),
        Ending::Interrupted => format!("interrupted{exit}"),
        Ending::KilledOnBreach => format!("stopped on a breached limit{exit}"),
    }
}

impl Report for MonitorReport {
    fn sections(&self) -> Vec<Section> {
        let mut out = Vec::new();
        if let Some(sys) = &self.system {
            let pairs = vec![
                (
                    "duration".to_string(),
                    Cell::new(format!(
                        "{} ({} samples, every {})",
                        format_duration(std::time::Duration::from_secs_f64(self.duration_s)),
                        self.samples,
                        interval_text(self)
                    )),
                ),
                (
                    "CPU busy".to_string(),
                    Cell::new(format!(
                        "mean {:.1}%, peak {:.1}% of {} CPUs",
                        sys.mean_cpu_busy_pct, sys.peak_cpu_busy_pct, sys.cpus
                    )),
                ),
                (
                    "memory used".to_string(),
                    Cell::new(format!(
                        "mean {}, peak {} of {}",
                        format_size(sys.mean_mem_used_bytes),
                        format_size(sys.peak_mem_used_bytes),
                        format_size(sys.mem_total_bytes)
                    )),
                ),
                (
                    "swap used".to_string(),
                    Cell::new(format!(
                        "peak {} of {}",
                        format_size(sys.peak_swap_used_bytes),
                        format_size(sys.swap_total_bytes)
                    )),
                ),
                (
                    "load (1 min)".to_string(),
                    Cell::new(format!("peak {:.2}", sys.peak_load1)),
                ),
            ];
            out.push(Section::Pairs {
                title: Some("system".to_string()),
                pairs,
            });
            if !sys.disks.is_empty() {
                out.push(Section::Table {
                    title: Some("disks".to_string()),
                    headers: ["mount", "device", "type", "used", "size", "use %"]
                        .map(String::from)
                        .to_vec(),
                    rows: sys
                        .disks
                        .iter()
                        .map(|d| {
                            vec![
                                Cell::new(d.mount.clone()),
                                Cell::new(d.device.clone()),
                                Cell::new(d.fs_type.clone()),
                                Cell::new(format_size(d.used_bytes)),
                                Cell::new(format_size(d.total_bytes)),
                                Cell::toned(
                                    format!("{:.0}%", d.used_pct),
                                    if d.used_pct >= 90.0 {
                                        Tone::Warning
                                    } else {
                                        Tone::Plain
                                    },
                                ),
                            ]
                        })
                        .collect(),
                });
            }
            return out;
        }
        let mut pairs: Vec<(String, Cell)> = Vec::new();
        if let Some(t) = &self.target {
            pairs.push((
                "target".to_string(),
                Cell::new(format!("PID {} {}", t.pid, cut(&t.command, 80))),
            ));
        }
        pairs.push((
            "duration".to_string(),
            Cell::new(format!(
                "{} ({} samples, every {}); {}",
                format_duration(std::time::Duration::from_secs_f64(self.duration_s)),
                self.samples,
                interval_text(self),
                ended_text(self)
            )),
        ));
        let peak = match (self.peak_rss_bytes, self.peak_rss_at_s) {
            (Some(p), Some(at)) => format!("{} at {at:.1}s (sampled)", format_size(p)),
            (Some(p), None) => format!(
                "{} (the kernel's maximum RSS of one process, kept at its exit)",
                format_size(p)
            ),
            _ => "-".to_string(),
        };
        pairs.push(("peak RSS".to_string(), Cell::toned(peak, Tone::Bold)));
        if let Some(c) = self.cgroup_peak_bytes {
            pairs.push((
                "exact tree peak".to_string(),
                Cell::new(format!(
                    "{} (cgroup: charged memory, page cache included)",
                    format_size(c)
                )),
            ));
        }
        pairs.push((
            "mean RSS".to_string(),
            Cell::new(opt_size(self.mean_rss_bytes)),
        ));
        if self.peak_pss_bytes.is_some() {
            pairs.push((
                "peak PSS / USS".to_string(),
                Cell::new(format!(
                    "{} / {}",
                    opt_size(self.peak_pss_bytes),
                    opt_size(self.peak_uss_bytes)
                )),
            ));
        }
        pairs.push((
            "CPU".to_string(),
            Cell::new(format!(
                "mean {}, peak {} of one core; {} CPU-seconds",
                pct(self.mean_cpu_pct),
                pct(self.peak_cpu_pct),
                self.cpu_seconds
                    .map_or_else(|| "-".to_string(), |c| format!("{c:.2}"))
            )),
        ));
        pairs.push((
            "threads / fds".to_string(),
            Cell::new(format!(
                "peak {} / {}",
                opt_count(self.peak_threads),
                opt_count(self.peak_fds)
            )),
        ));
        pairs.push((
            "processes".to_string(),
            Cell::new(format!(
                "peak {} at once, {} seen",
                opt_count(self.peak_processes),
                opt_count(self.processes_seen)
            )),
        ));
        pairs.push((
            "disk read / written".to_string(),
            Cell::new(format!(
                "{} / {}",
                opt_size(self.read_bytes),
                opt_size(self.write_bytes)
            )),
        ));
        if let Some(l) = &self.leak {
            let tone = match l.verdict {
                crate::monitor::Verdict::Leak => Tone::Error,
                crate::monitor::Verdict::Stable => Tone::Good,
                crate::monitor::Verdict::Inconclusive => Tone::Warning,
            };
            pairs.push((
                "leak verdict".to_string(),
                Cell::toned(format!("{}: {}", l.verdict.name(), l.reason), tone),
            ));
        }
        out.push(Section::Pairs {
            title: Some(match self.mode {
                Mode::Command => "monitor: command".to_string(),
                _ => "monitor: process tree".to_string(),
            }),
            pairs,
        });
        if !self.at_peak.is_empty() {
            out.push(process_table(
                Some("processes at the RSS peak".to_string()),
                self.at_peak.iter().take(20),
                50,
            ));
        }
        if !self.breaches.is_empty() {
            out.push(Section::Table {
                title: Some("limits crossed".to_string()),
                headers: [
                    "limit",
                    "threshold",
                    "peak",
                    "over by",
                    "first at",
                    "samples",
                ]
                .map(String::from)
                .to_vec(),
                rows: self
                    .breaches
                    .iter()
                    .map(|b| {
                        vec![
                            Cell::toned(format!("--{}", b.limit), Tone::Error),
                            Cell::new(breach_value(b, b.threshold)),
                            Cell::new(breach_value(b, b.peak)),
                            Cell::toned(breach_value(b, b.over_by), Tone::Error),
                            Cell::new(format!("{:.1}s", b.first_at_s)),
                            Cell::new(b.samples.to_string()),
                        ]
                    })
                    .collect(),
            });
        }
        if !self.notes.is_empty() {
            out.push(Section::Text {
                title: Some("notes".to_string()),
                body: self.notes.join("\n"),
                tone: Tone::Dim,
            });
        }
        out
    }
}

fn interval_text(r: &MonitorReport) -> String {
    match r.mean_interval_s {
        Some(m) => format!("{:.3}s (asked {:.3}s)", m, r.interval_s),
        None => format!("{:.3}s", r.interval_s),
    }
}

const SPARKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A sparkline of the last `width` values, scaled from 0 to their maximum.
pub fn sparkline(values: &[f64], width: usize) -> String {
    let tail = &values[values.len().saturating_sub(width)..];
    let max = tail.iter().copied().fold(0.0_f64, f64::max);
    tail.iter()
        .map(|v| {
            if max <= 0.0 {
                SPARKS[0]
            } else {
                let i = ((v / max) * 7.0).round().clamp(0.0, 7.0) as usize;
                SPARKS[i]
            }
        })
        .collect()
}

/// The live view: a few lines redrawn at every sample.
pub fn live_view(s: &Sample, summary: &Summary, cpu: &[f64], rss: &[f64]) -> String {
    let mut out = format!(
        "velo monitor  {:>6.1}s  {} process(es)  {} threads  {} fds\n",
        s.t_s,
        s.processes,
        s.threads,
        opt_count(s.fds)
    );
    out.push_str(&format!(
        "  CPU {:>8}  {}  peak {}\n",
        pct(s.cpu_pct),
        sparkline(cpu, 40),
        pct(summary.peak_cpu)
    ));
    out.push_str(&format!(
        "  RSS {:>8}  {}  peak {}{}",
        format_size(s.rss_bytes),
        sparkline(rss, 40),
        format_size(summary.peak_rss),
        s.pss_bytes
            .map(|p| format!("  PSS {}", format_size(p)))
            .unwrap_or_default()
    ));
    for p in s.procs.iter().take(3) {
        out.push_str(&format!(
            "\n  {:>7} {:>8} {:>7}  {}",
            p.pid,
            format_size(p.rss_bytes),
            pct(p.cpu_pct),
            cut(&p.command, 50)
        ));
    }
    out
}

/// One `--every` line.
pub fn every_line(s: &Sample) -> String {
    format!(
        "velo: monitor {:.1}s: CPU {}, RSS {}{}, {} threads, {} fds, {} process(es)",
        s.t_s,
        pct(s.cpu_pct),
        format_size(s.rss_bytes),
        s.pss_bytes
            .map(|p| format!(" (PSS {})", format_size(p)))
            .unwrap_or_default(),
        s.threads,
        opt_count(s.fds),
        s.processes
    )
}

/// One `--every` line for the system view.
pub fn system_line(s: &SystemSample) -> String {
    format!(
        "velo: monitor {:.1}s: CPU busy {:.1}%, memory used {}, swap used {}, load {:.2}",
        s.t_s,
        s.cpu_busy_pct,
        format_size(s.mem_used_bytes),
        format_size(s.swap_used_bytes),
        s.load1
    )
}

/// A table of processes, one row each, the command cut at `width` characters (the summary's
/// processes at the peak, the `--snapshot` table).
fn process_table<'a>(
    title: Option<String>,
    procs: impl Iterator<Item = &'a ProcSample>,
    width: usize,
) -> Section {
    Section::Table {
        title,
        headers: [
            "pid", "ppid", "command", "RSS", "PSS", "USS", "CPU %", "threads", "fds",
        ]
        .map(String::from)
        .to_vec(),
        rows: procs
            .map(|p| {
                vec![
                    Cell::new(p.pid.to_string()),
                    Cell::new(p.ppid.to_string()),
                    Cell::new(cut(&p.command, width)),
                    Cell::new(format_size(p.rss_bytes)),
                    Cell::new(opt_size(p.pss_bytes)),
                    Cell::new(opt_size(p.uss_bytes)),
                    Cell::new(cpu_cell(p.cpu_pct)),
                    Cell::new(p.threads.to_string()),
                    Cell::new(p.fds.map_or_else(|| "-".to_string(), |f| f.to_string())),
                ]
            })
            .collect(),
    }
}

/// The `--snapshot` table.
pub fn snapshot_sections(s: &Sample) -> Vec<Section> {
    vec![
        process_table(None, s.procs.iter(), 60),
        Section::Pairs {
            title: None,
            pairs: vec![(
                "total".to_string(),
                Cell::toned(
                    format!(
                        "{} process(es), RSS {}, PSS {}, USS {}, CPU {}, {} threads, {} fds",
                        s.processes,
                        format_size(s.rss_bytes),
                        opt_size(s.pss_bytes),
                        opt_size(s.uss_bytes),
                        pct(s.cpu_pct),
                        s.threads,
                        opt_count(s.fds)
                    ),
                    Tone::Bold,
                ),
            )],
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparklines_scale_to_the_maximum() {
        assert_eq!(sparkline(&[0.0, 50.0, 100.0], 10), "▁▅█");
        assert_eq!(sparkline(&[0.0, 0.0], 10), "▁▁");
        assert_eq!(sparkline(&[1.0, 2.0, 3.0, 4.0], 2).chars().count(), 2);
    }
}
