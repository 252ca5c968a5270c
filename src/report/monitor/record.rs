//! `--record FILE.csv|FILE.jsonl`: one row per sample, written and flushed as it comes (into
//! the output's stream: see `crate::outfile`), so a crash or a kill loses at most the sample
//! being written.

use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;

use crate::monitor::{Sample, SystemSample};

/// The file's format, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordFormat {
    Csv,
    Jsonl,
}

impl RecordFormat {
    /// `.csv`, or `.jsonl`/`.ndjson`; anything else is `None`.
    pub fn from_path(path: &Path) -> Option<Self> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("csv") => Some(Self::Csv),
            Some("jsonl" | "ndjson") => Some(Self::Jsonl),
            _ => None,
        }
    }
}

/// A tree sample as a row (without the per-process breakdown).
#[derive(Serialize)]
struct Row {
    t_s: f64,
    /// `null` at the start sample (no interval to measure over).
    cpu_pct: Option<f64>,
    rss_bytes: u64,
    pss_bytes: Option<u64>,
    uss_bytes: Option<u64>,
    threads: u64,
    /// `null` when unreadable (never a made-up 0).
    fds: Option<u64>,
    read_bytes: Option<u64>,
    write_bytes: Option<u64>,
    processes: usize,
    cpu_s: f64,
}

const TREE_HEADER: &str =
    "t_s,cpu_pct,rss_bytes,pss_bytes,uss_bytes,threads,fds,read_bytes,write_bytes,processes,cpu_s\n";
const SYSTEM_HEADER: &str = "t_s,cpu_busy_pct,mem_used_bytes,swap_used_bytes,load1\n";

/// Writes samples to `W` (a file's stream) as they come, flushing after each.
pub struct Recorder<W: Write> {
    out: W,
    format: RecordFormat,
    header_done: bool,
}

impl<W: Write> Recorder<W> {
    pub fn new(out: W, format: RecordFormat) -> Self {
        Self {
            out,
            format,
            header_done: false,
        }
    }

    /// The writer, to look at its state.
    pub fn get_ref(&self) -> &W {
        &self.out
    }

    /// The writer back, to finish it.
    pub fn into_inner(self) -> W {
        self.out
    }

    fn header(&mut self, header: &str) -> io::Result<()> {
        if !self.header_done && self.format == RecordFormat::Csv {
            self.out.write_all(header.as_bytes())?;
        }
        self.header_done = true;
        Ok(())
    }

    pub fn sample(&mut self, s: &Sample) -> io::Result<()> {
        self.header(TREE_HEADER)?;
        let opt = |v: Option<u64>| v.map_or_else(String::new, |v| v.to_string());
        match self.format {
            RecordFormat::Csv => writeln!(
                self.out,
                "{:.3},{},{},{},{},{},{},{},{},{},{:.3}",
                s.t_s,
                s.cpu_pct.map_or_else(String::new, |c| format!("{c:.2}")),
                s.rss_bytes,
                opt(s.pss_bytes),
                opt(s.uss_bytes),
                s.threads,
                opt(s.fds),
                opt(s.read_bytes),
                opt(s.write_bytes),
                s.processes,
                s.cpu_s
            )?,
            RecordFormat::Jsonl => {
                let row = Row {
                    t_s: round3(s.t_s),
                    cpu_pct: s.cpu_pct.map(|c| (c * 100.0).round() / 100.0),
                    rss_bytes: s.rss_bytes,
                    pss_bytes: s.pss_bytes,
                    uss_bytes: s.uss_bytes,
                    threads: s.threads,
                    fds: s.fds,
                    read_bytes: s.read_bytes,
                    write_bytes: s.write_bytes,
                    processes: s.processes,
                    cpu_s: round3(s.cpu_s),
                };
                let line = crate::report::json::line("sample", &row).map_err(io::Error::other)?;
                self.out.write_all(line.as_bytes())?;
            }
        }
        self.out.flush()
    }

    pub fn system_sample(&mut self, s: &SystemSample) -> io::Result<()> {
        self.header(SYSTEM_HEADER)?;
        match self.format {
            RecordFormat::Csv => writeln!(
                self.out,
                "{:.3},{:.2},{},{},{:.2}",
                s.t_s, s.cpu_busy_pct, s.mem_used_bytes, s.swap_used_bytes, s.load1
            )?,
            RecordFormat::Jsonl => {
                let line = crate::report::json::line("system", s).map_err(io::Error::other)?;
                self.out.write_all(line.as_bytes())?;
            }
        }
        self.out.flush()
    }
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Sample {
        Sample {
            t_s: 0.5,
            cpu_pct: Some(12.345),
            rss_bytes: 4096,
            pss_bytes: None,
            uss_bytes: Some(1024),
            threads: 3,
            fds: Some(9),
            read_bytes: Some(0),
            write_bytes: Some(8192),
            processes: 2,
            cpu_s: 0.06,
            procs: Vec::new(),
        }
    }

    #[test]
    fn csv_and_jsonl_rows() {
        let csv = Path::new("r.csv");
        let mut r = Recorder::new(Vec::new(), RecordFormat::from_path(csv).unwrap());
        r.sample(&sample()).unwrap();
        let text = String::from_utf8(r.into_inner()).unwrap();
        assert_eq!(
            text,
            format!("{TREE_HEADER}0.500,12.35,4096,,1024,3,9,0,8192,2,0.060\n")
        );
        let mut r = Recorder::new(Vec::new(), RecordFormat::Jsonl);
        r.sample(&sample()).unwrap();
        let v: serde_json::Value =
            serde_json::from_str(String::from_utf8(r.into_inner()).unwrap().trim()).unwrap();
        assert_eq!(v["type"], "sample");
        assert_eq!(v["rss_bytes"], 4096);
        assert!(v["pss_bytes"].is_null());
        assert_eq!(RecordFormat::from_path(Path::new("x.txt")), None);
        // The start sample has no CPU %, an unreadable counter is empty: never a made-up 0.
        let mut r = Recorder::new(Vec::new(), RecordFormat::Csv);
        r.sample(&Sample {
            t_s: 0.0,
            cpu_pct: None,
            fds: None,
            read_bytes: None,
            write_bytes: None,
            ..sample()
        })
        .unwrap();
        let text = String::from_utf8(r.into_inner()).unwrap();
        assert_eq!(
            text,
            format!("{TREE_HEADER}0.000,,4096,,1024,3,,,,2,0.060\n")
        );
    }
}
