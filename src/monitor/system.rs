//! The whole-system view (`velo monitor` with no target): CPU busy share, memory and swap in
//! use, load, and at the end the disk usage of each mounted file system.

use std::time::Instant;

use serde::Serialize;

use crate::proc::procfs::{self, Reader};

/// The system at one sample.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct SystemSample {
    pub t_s: f64,
    /// Share of all CPUs busy since the previous sample (0–100).
    pub cpu_busy_pct: f64,
    pub mem_used_bytes: u64,
    pub swap_used_bytes: u64,
    pub load1: f64,
}

/// One mounted file system at the end.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Disk {
    pub mount: String,
    pub device: String,
    pub fs_type: String,
    pub total_bytes: u64,
    pub used_bytes: u64,
    pub used_pct: f64,
}

/// The system part of the report.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct SystemSummary {
    pub cpus: usize,
    pub mem_total_bytes: u64,
    pub swap_total_bytes: u64,
    pub mean_cpu_busy_pct: f64,
    pub peak_cpu_busy_pct: f64,
    pub mean_mem_used_bytes: u64,
    pub peak_mem_used_bytes: u64,
    pub peak_swap_used_bytes: u64,
    pub peak_load1: f64,
    pub disks: Vec<Disk>,
}

/// Samples the whole system.
pub struct SystemSampler {
    reader: Reader,
    start: Instant,
    first_cpu: (u64, u64),
    prev_cpu: (u64, u64),
    pub summary: SystemSummary,
    samples: usize,
    sum_mem: f64,
}

/// The system files could not be read.
#[derive(Debug, thiserror::Error)]
#[error("monitoring the system is unsupported on this platform: velo reads Linux's /proc/stat and /proc/meminfo, which are not readable here")]
pub struct Unsupported;

impl SystemSampler {
    pub fn new() -> Result<Self, Unsupported> {
        let mut reader = Reader::new();
        let cpu = reader
            .read_proc("stat")
            .ok()
            .and_then(procfs::parse_cpu_line)
            .ok_or(Unsupported)?;
        let mem = reader
            .read_proc("meminfo")
            .ok()
            .and_then(procfs::parse_meminfo)
            .ok_or(Unsupported)?;
        let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        Ok(Self {
            reader,
            start: Instant::now(),
            first_cpu: cpu,
            prev_cpu: cpu,
            summary: SystemSummary {
                cpus,
                mem_total_bytes: mem.total,
                swap_total_bytes: mem.swap_total,
                ..SystemSummary::default()
            },
            samples: 0,
            sum_mem: 0.0,
        })
    }

    pub fn sample(&mut self) -> Option<SystemSample> {
        let t_s = self.start.elapsed().as_secs_f64();
        let cpu = self
            .reader
            .read_proc("stat")
            .ok()
            .and_then(procfs::parse_cpu_line)?;
        let mem = self
            .reader
            .read_proc("meminfo")
            .ok()
            .and_then(procfs::parse_meminfo)?;
        let load1 = self
            .reader
            .read_proc("loadavg")
            .ok()
            .and_then(procfs::parse_loadavg)
            .unwrap_or(0.0);
        let busy = busy_pct(self.prev_cpu, cpu);
        self.prev_cpu = cpu;
        let s = SystemSample {
            t_s,
            cpu_busy_pct: busy,
            mem_used_bytes: mem.total.saturating_sub(mem.available),
            swap_used_bytes: mem.swap_total.saturating_sub(mem.swap_free),
            load1,
        };
        self.samples += 1;
        self.sum_mem += s.mem_used_bytes as f64;
        let m = &mut self.summary;
        m.peak_cpu_busy_pct = m.peak_cpu_busy_pct.max(busy);
        m.peak_mem_used_bytes = m.peak_mem_used_bytes.max(s.mem_used_bytes);
        m.peak_swap_used_bytes = m.peak_swap_used_bytes.max(s.swap_used_bytes);
        m.peak_load1 = m.peak_load1.max(load1);
        m.mean_cpu_busy_pct = busy_pct(self.first_cpu, cpu);
        m.mean_mem_used_bytes = (self.sum_mem / self.samples as f64) as u64;
        Some(s)
    }

    /// The summary with the disks read now.
    pub fn finish(mut self) -> SystemSummary {
        self.summary.disks = disks();
        self.summary
    }
}

fn busy_pct(a: (u64, u64), b: (u64, u64)) -> f64 {
    let total = b.1.saturating_sub(a.1);
    if total == 0 {
        return 0.0;
    }
    b.0.saturating_sub(a.0) as f64 / total as f64 * 100.0
}

/// Disk usage of each mounted storage file system (`statvfs`), largest use first.
pub fn disks() -> Vec<Disk> {
    let Ok(text) = std::fs::read_to_string("/proc/self/mounts") else {
        return Vec::new();
    };
    let mut out: Vec<Disk> = procfs::parse_mounts(&text)
        .into_iter()
        .filter_map(|(device, mount, fs_type)| {
            let st = rustix::fs::statvfs(mount.as_str()).ok()?;
            let total = st.f_blocks * st.f_frsize;
            if total == 0 {
                return None;
            }
            let free = st.f_bfree * st.f_frsize;
            let avail = st.f_bavail * st.f_frsize;
            let used = total.saturating_sub(free);
            // As df: used over what users may use (used + available).
            let pct = used as f64 / (used + avail).max(1) as f64 * 100.0;
            Some(Disk {
                mount,
                device,
                fs_type,
                total_bytes: total,
                used_bytes: used,
                used_pct: pct,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.used_pct
            .total_cmp(&a.used_pct)
            .then(a.mount.cmp(&b.mount))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_system_is_sampled() {
        let mut s = SystemSampler::new().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(50));
        let x = s.sample().unwrap();
        assert!((0.0..=100.0).contains(&x.cpu_busy_pct));
        assert!(x.mem_used_bytes > 0);
        let sum = s.finish();
        assert!(sum.mem_total_bytes >= sum.peak_mem_used_bytes);
        assert!(sum.cpus >= 1);
    }
}
