//! The running summary of a monitored tree: peaks (with the per-process breakdown of the RSS
//! peak), means, totals, the series kept for the leak fit and the plot, and the limits with
//! their breaches (when each was first crossed and by how much at worst).

use serde::Serialize;

use super::leak::{self, Leak};
use super::sampler::{ProcSample, Sample};

/// The limits of `--max-*`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Limits {
    pub max_rss: Option<u64>,
    pub max_pss: Option<u64>,
    /// In % of one core.
    pub max_cpu: Option<f64>,
    pub max_threads: Option<u64>,
    pub max_fds: Option<u64>,
    /// Bytes per second, judged on the leak fit.
    pub max_leak: Option<f64>,
}

impl Limits {
    pub fn any(&self) -> bool {
        *self != Self::default()
    }
}

/// A limit that was crossed.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Breach {
    /// The flag's name without dashes: `max-rss`, `max-pss`, `max-cpu`, `max-threads`,
    /// `max-fds`, `max-leak`.
    pub limit: &'static str,
    /// `bytes`, `pct` (of one core), `count` or `bytes_per_s`.
    pub unit: &'static str,
    pub threshold: f64,
    /// The worst value seen while over the limit.
    pub peak: f64,
    /// `peak - threshold`.
    pub over_by: f64,
    /// When it was first crossed (seconds since the start).
    pub first_at_s: f64,
    /// Samples over the limit.
    pub samples: usize,
    /// The process using the most of it when first crossed (not for max-leak).
    pub top_pid: Option<i32>,
    pub top_command: Option<String>,
}

/// One point of the kept series (the plot and the leak fit read these).
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Point {
    pub t_s: f64,
    pub rss_bytes: f64,
    pub pss_bytes: Option<f64>,
    /// `None` at the start sample (no CPU % yet).
    pub cpu_pct: Option<f64>,
}

/// One limit to check at a sample: name, unit, threshold, the tree's value, and the value of
/// one process (to name the largest user).
type Check = (
    &'static str,
    &'static str,
    Option<f64>,
    Option<f64>,
    fn(&ProcSample) -> f64,
);

/// Points kept at most: a longer run averages neighbours pairwise (peaks are tracked exactly
/// apart from the series).
const MAX_POINTS: usize = 16_384;

/// Accumulates samples.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    limits: Limits,
    pub samples: usize,
    pub duration_s: f64,
    pub peak_rss: u64,
    pub peak_rss_at_s: f64,
    pub at_peak: Vec<ProcSample>,
    sum_rss: f64,
    pub peak_pss: Option<u64>,
    pub peak_uss: Option<u64>,
    /// `None` until a sample measured CPU over an interval.
    pub peak_cpu: Option<f64>,
    pub peak_cpu_at_s: f64,
    pub cpu_s: f64,
    pub peak_threads: u64,
    /// `None` while no descriptor count could be read.
    pub peak_fds: Option<u64>,
    pub peak_processes: usize,
    /// `None` while no process's I/O could be read.
    pub read_bytes: Option<u64>,
    pub write_bytes: Option<u64>,
    /// The first and last sample times, for the interval accuracy.
    first_t: Option<f64>,
    last_t: f64,
    /// Kept series; `merge` points of the original are averaged into each.
    pub series: Vec<Point>,
    merge: usize,
    pending: Vec<Point>,
    pub breaches: Vec<Breach>,
}

impl Summary {
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            merge: 1,
            ..Self::default()
        }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Adds a sample; returns the indexes (into `breaches`) of limits crossed for the first time.
    pub fn push(&mut self, s: &Sample) -> Vec<usize> {
        self.samples += 1;
        self.first_t.get_or_insert(s.t_s);
        self.last_t = s.t_s;
        self.duration_s = self.duration_s.max(s.t_s);
        if s.rss_bytes > self.peak_rss || self.samples == 1 {
            self.peak_rss = s.rss_bytes;
            self.peak_rss_at_s = s.t_s;
            self.at_peak.clone_from(&s.procs);
        }
        self.sum_rss += s.rss_bytes as f64;
        if let Some(p) = s.pss_bytes {
            self.peak_pss = Some(self.peak_pss.map_or(p, |q| q.max(p)));
        }
        if let Some(u) = s.uss_bytes {
            self.peak_uss = Some(self.peak_uss.map_or(u, |q| q.max(u)));
        }
        if let Some(cpu) = s.cpu_pct {
            if self.peak_cpu.is_none_or(|p| cpu > p) {
                self.peak_cpu = Some(cpu);
                self.peak_cpu_at_s = s.t_s;
            }
        }
        self.cpu_s = self.cpu_s.max(s.cpu_s);
        self.peak_threads = self.peak_threads.max(s.threads);
        if let Some(f) = s.fds {
            self.peak_fds = Some(self.peak_fds.map_or(f, |p| p.max(f)));
        }
        self.peak_processes = self.peak_processes.max(s.processes);
        if s.read_bytes.is_some() {
            self.read_bytes = s.read_bytes;
            self.write_bytes = s.write_bytes;
        }
        self.keep(Point {
            t_s: s.t_s,
            rss_bytes: s.rss_bytes as f64,
            pss_bytes: s.pss_bytes.map(|v| v as f64),
            cpu_pct: s.cpu_pct,
        });
        let lim = self.limits;
        let mut new = Vec::new();
        let top = |f: fn(&ProcSample) -> f64| {
            s.procs
                .iter()
                .max_by(|a, b| f(a).total_cmp(&f(b)))
                .map(|p| (p.pid, p.command.clone()))
        };
        let checks: [Check; 5] = [
            (
                "max-rss",
                "bytes",
                lim.max_rss.map(|v| v as f64),
                Some(s.rss_bytes as f64),
                |p| p.rss_bytes as f64,
            ),
            (
                "max-pss",
                "bytes",
                lim.max_pss.map(|v| v as f64),
                s.pss_bytes.map(|v| v as f64),
                |p| p.pss_bytes.unwrap_or(p.rss_bytes) as f64,
            ),
            ("max-cpu", "pct", lim.max_cpu, s.cpu_pct, |p| {
                p.cpu_pct.unwrap_or(0.0)
            }),
            (
                "max-threads",
                "count",
                lim.max_threads.map(|v| v as f64),
                Some(s.threads as f64),
                |p| p.threads as f64,
            ),
            (
                "max-fds",
                "count",
                lim.max_fds.map(|v| v as f64),
                s.fds.map(|v| v as f64),
                |p| p.fds.unwrap_or(0) as f64,
            ),
        ];
        for (name, unit, threshold, value, per_proc) in checks {
            let (Some(threshold), Some(value)) = (threshold, value) else {
                continue;
            };
            if value <= threshold {
                continue;
            }
            if let Some(b) = self.breaches.iter_mut().find(|b| b.limit == name) {
                b.samples += 1;
                if value > b.peak {
                    b.peak = value;
                    b.over_by = value - threshold;
                }
            } else {
                let who = top(per_proc);
                self.breaches.push(Breach {
                    limit: name,
                    unit,
                    threshold,
                    peak: value,
                    over_by: value - threshold,
                    first_at_s: s.t_s,
                    samples: 1,
                    top_pid: who.as_ref().map(|w| w.0),
                    top_command: who.map(|w| w.1),
                });
                new.push(self.breaches.len() - 1);
            }
        }
        new
    }

    fn keep(&mut self, p: Point) {
        self.pending.push(p);
        if self.pending.len() < self.merge {
            return;
        }
        let n = self.pending.len() as f64;
        let avg = |f: fn(&Point) -> f64| self.pending.iter().map(f).sum::<f64>() / n;
        let pss = self
            .pending
            .iter()
            .map(|q| q.pss_bytes)
            .collect::<Option<Vec<f64>>>()
            .map(|v| v.iter().sum::<f64>() / n);
        let merged = Point {
            t_s: avg(|q| q.t_s),
            rss_bytes: avg(|q| q.rss_bytes),
            pss_bytes: pss,
            cpu_pct: mean_of(self.pending.iter().map(|q| q.cpu_pct)),
        };
        self.pending.clear();
        self.series.push(merged);
        if self.series.len() >= MAX_POINTS {
            self.series = self
                .series
                .chunks(2)
                .map(|c| {
                    let n = c.len() as f64;
                    Point {
                        t_s: c.iter().map(|q| q.t_s).sum::<f64>() / n,
                        rss_bytes: c.iter().map(|q| q.rss_bytes).sum::<f64>() / n,
                        pss_bytes: c
                            .iter()
                            .map(|q| q.pss_bytes)
                            .collect::<Option<Vec<f64>>>()
                            .map(|v| v.iter().sum::<f64>() / n),
                        cpu_pct: mean_of(c.iter().map(|q| q.cpu_pct)),
                    }
                })
                .collect();
            self.merge *= 2;
        }
    }

    /// Counts the kernel's final figures for the tree, known once it has ended (see
    /// [`super::ExitFigures`]): a memory figure larger than every sample raises the peak and is
    /// judged against `--max-rss` (the breach is dated at `at_s`, the end), and a CPU time
    /// larger than the sampled one replaces it. Returns the indexes of limits crossed for the
    /// first time.
    pub fn count_final(&mut self, rss: Option<u64>, cpu_s: Option<f64>, at_s: f64) -> Vec<usize> {
        if let Some(c) = cpu_s {
            self.cpu_s = self.cpu_s.max(c);
        }
        let mut new = Vec::new();
        let Some(rss) = rss else {
            return new;
        };
        if self.samples > 0 && rss <= self.peak_rss {
            return new;
        }
        self.peak_rss = rss;
        self.peak_rss_at_s = at_s;
        // Which processes held it, and when, is not known: no breakdown is better than the
        // breakdown of a smaller sample.
        self.at_peak.clear();
        let Some(max) = self.limits.max_rss else {
            return new;
        };
        if rss <= max {
            return new;
        }
        if let Some(b) = self.breaches.iter_mut().find(|b| b.limit == "max-rss") {
            if rss as f64 > b.peak {
                b.peak = rss as f64;
                b.over_by = rss as f64 - max as f64;
            }
        } else {
            self.breaches.push(Breach {
                limit: "max-rss",
                unit: "bytes",
                threshold: max as f64,
                peak: rss as f64,
                over_by: rss as f64 - max as f64,
                first_at_s: at_s,
                samples: 0,
                top_pid: None,
                top_command: None,
            });
            new.push(self.breaches.len() - 1);
        }
        new
    }

    pub fn mean_rss(&self) -> f64 {
        if self.samples == 0 {
            0.0
        } else {
            self.sum_rss / self.samples as f64
        }
    }

    /// CPU used over the whole run, in % of one core (the exact time, not a mean of samples).
    pub fn mean_cpu(&self) -> f64 {
        if self.duration_s > 0.0 {
            self.cpu_s / self.duration_s * 100.0
        } else {
            0.0
        }
    }

    /// The mean gap between samples (`None` with fewer than two; a first sample taken after
    /// the start counts its own gap from the start).
    pub fn mean_interval(&self) -> Option<f64> {
        let first = self.first_t?;
        let last = self.last_t;
        if first > 0.0 {
            return (last > 0.0).then(|| last / self.samples as f64);
        }
        (self.samples >= 2 && last > first).then(|| (last - first) / (self.samples - 1) as f64)
    }

    /// The leak fit on the memory series (RSS).
    pub fn leak(&self) -> Leak {
        let pts: Vec<(f64, f64)> = self.series.iter().map(|p| (p.t_s, p.rss_bytes)).collect();
        leak::judge(&pts)
    }

    /// Checks `--max-leak` against a leak verdict; returns the new breach's index.
    pub fn check_leak(&mut self, leak: &Leak) -> Option<usize> {
        let max = self.limits.max_leak?;
        let slope = leak.slope_bytes_per_s?;
        if leak.verdict != leak::Verdict::Leak || slope <= max {
            return None;
        }
        if let Some(b) = self.breaches.iter_mut().find(|b| b.limit == "max-leak") {
            b.peak = slope;
            b.over_by = slope - max;
            return None;
        }
        self.breaches.push(Breach {
            limit: "max-leak",
            unit: "bytes_per_s",
            threshold: max,
            peak: slope,
            over_by: slope - max,
            first_at_s: self.duration_s,
            samples: self.samples,
            top_pid: None,
            top_command: None,
        });
        Some(self.breaches.len() - 1)
    }
}

/// The mean of the values that are known (`None` when none is).
fn mean_of(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let (sum, n) = values
        .flatten()
        .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(t: f64, rss: u64, cpu: f64) -> Sample {
        Sample {
            t_s: t,
            cpu_pct: Some(cpu),
            rss_bytes: rss,
            pss_bytes: None,
            uss_bytes: None,
            threads: 2,
            fds: Some(5),
            read_bytes: Some(0),
            write_bytes: Some(0),
            processes: 1,
            cpu_s: t * cpu / 100.0,
            procs: vec![ProcSample {
                pid: 7,
                ppid: 1,
                command: "python bot.py".into(),
                cpu_pct: Some(cpu),
                rss_bytes: rss,
                pss_bytes: None,
                uss_bytes: None,
                threads: 2,
                fds: Some(5),
            }],
        }
    }

    #[test]
    fn peaks_and_breaches() {
        let mut s = Summary::new(Limits {
            max_rss: Some(1000),
            max_cpu: Some(150.0),
            ..Limits::default()
        });
        assert!(s.push(&sample(1.0, 500, 50.0)).is_empty());
        assert_eq!(s.push(&sample(2.0, 1500, 50.0)), vec![0]);
        assert!(s.push(&sample(3.0, 2500, 200.0)).len() == 1);
        assert!(s.push(&sample(4.0, 900, 10.0)).is_empty());
        assert_eq!(s.peak_rss, 2500);
        assert!((s.peak_rss_at_s - 3.0).abs() < 1e-9);
        let rss = &s.breaches[0];
        assert_eq!(rss.limit, "max-rss");
        assert!((rss.first_at_s - 2.0).abs() < 1e-9);
        assert!((rss.over_by - 1500.0).abs() < 1e-9);
        assert_eq!(rss.samples, 2);
        assert_eq!(rss.top_pid, Some(7));
        assert_eq!(s.breaches[1].limit, "max-cpu");
    }

    #[test]
    fn final_figures_raise_the_peak_and_breach_once() {
        let mut s = Summary::new(Limits {
            max_rss: Some(100),
            ..Limits::default()
        });
        s.push(&sample(0.0, 10, 0.0));
        // Smaller than the sampled peak: nothing changes.
        assert!(s.count_final(Some(5), None, 0.4).is_empty());
        assert_eq!(s.peak_rss, 10);
        // Larger: the peak and a breach dated at the end, once.
        assert_eq!(s.count_final(Some(320), Some(0.3), 0.4), vec![0]);
        assert_eq!(s.peak_rss, 320);
        assert!((s.peak_rss_at_s - 0.4).abs() < 1e-9);
        assert!((s.cpu_s - 0.3).abs() < 1e-9);
        assert_eq!(s.breaches[0].samples, 0);
        assert!(s.count_final(Some(400), None, 0.5).is_empty());
        assert!((s.breaches[0].peak - 400.0).abs() < 1e-9);
    }

    #[test]
    fn a_start_sample_has_no_cpu_and_unknown_counters_stay_unknown() {
        let mut s = Summary::new(Limits {
            max_cpu: Some(10.0),
            max_fds: Some(1),
            ..Limits::default()
        });
        let mut first = sample(0.0, 10, 0.0);
        first.cpu_pct = None;
        first.fds = None;
        first.read_bytes = None;
        first.write_bytes = None;
        assert!(s.push(&first).is_empty());
        assert_eq!(s.peak_cpu, None);
        assert_eq!(s.peak_fds, None);
        assert_eq!(s.read_bytes, None);
        assert_eq!(s.series[0].cpu_pct, None);
    }

    #[test]
    fn long_runs_keep_a_bounded_series() {
        let mut s = Summary::new(Limits::default());
        for i in 0..(MAX_POINTS * 3) {
            s.push(&sample(i as f64, 100 + i as u64, 1.0));
        }
        assert!(s.series.len() < MAX_POINTS);
        assert_eq!(s.samples, MAX_POINTS * 3);
        let last = s.series.last().unwrap();
        assert!(last.t_s > (MAX_POINTS * 3) as f64 * 0.9);
    }
}
