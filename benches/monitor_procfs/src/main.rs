//! Times, per call, the /proc reads a monitor sample makes, through velo's reader and through
//! the procfs crate, interleaved in blocks: per tree member `stat`, `io`, the descriptor count
//! (with what each keeps between samples: velo's open files, procfs's `Process`; and from
//! nothing, by pid) and `smaps_rollup`; and once per sample a listing of `/proc` with each process's `stat`
//! (what finding children costs without `/proc/PID/task/TID/children`).
#![allow(clippy::print_stdout)]

use std::time::{Duration, Instant};

use velo::proc::procfs::{pids, Reader};

fn time(n: u32, mut f: impl FnMut()) -> Duration {
    let t = Instant::now();
    for _ in 0..n {
        f();
    }
    t.elapsed() / n
}

fn main() {
    let tree: Vec<i32> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("pids as arguments"))
        .collect();
    assert!(!tree.is_empty(), "usage: monitor-procfs-bench PID…");
    let n = 300;
    let rounds = 7;
    let mut rows: Vec<(&str, Vec<f64>, Vec<f64>)> = vec![
        ("stat+io+fds, kept open", vec![], vec![]),
        ("stat+io+fds per process", vec![], vec![]),
        ("smaps_rollup per process", vec![], vec![]),
        ("list /proc + every stat", vec![], vec![]),
    ];
    let mut reader = Reader::new();
    // What each side keeps between samples: velo its open files, procfs its `Process` (a
    // directory descriptor of /proc/PID that later reads open files relative to).
    let kept: Vec<_> = tree.iter().filter_map(|&p| reader.open_files(p)).collect();
    let procs: Vec<_> = tree
        .iter()
        .filter_map(|&p| procfs::process::Process::new(p).ok())
        .collect();
    for _ in 0..rounds {
        let v = time(n, || {
            for f in &kept {
                let _ = reader.stat_of(f);
                let _ = reader.io_of(f);
                let _ = reader.fd_count_of(f);
            }
        });
        let c = time(n, || {
            for proc in &procs {
                let _ = proc.stat();
                let _ = proc.io();
                let _ = proc.fd_count();
            }
        });
        rows[0].1.push(v.as_secs_f64() * 1e6 / tree.len() as f64);
        rows[0].2.push(c.as_secs_f64() * 1e6 / tree.len() as f64);
        let v = time(n, || {
            for &p in &tree {
                let _ = reader.stat(p);
                let _ = reader.io(p);
                let _ = reader.fd_count(p);
            }
        });
        let c = time(n, || {
            for &p in &tree {
                if let Ok(proc) = procfs::process::Process::new(p) {
                    let _ = proc.stat();
                    let _ = proc.io();
                    let _ = proc.fd_count();
                }
            }
        });
        rows[1].1.push(v.as_secs_f64() * 1e6 / tree.len() as f64);
        rows[1].2.push(c.as_secs_f64() * 1e6 / tree.len() as f64);
        let v = time(n / 10, || {
            for &p in &tree {
                let _ = reader.smaps_rollup(p);
            }
        });
        let c = time(n / 10, || {
            for &p in &tree {
                if let Ok(proc) = procfs::process::Process::new(p) {
                    let _ = proc.smaps_rollup();
                }
            }
        });
        rows[2].1.push(v.as_secs_f64() * 1e6 / tree.len() as f64);
        rows[2].2.push(c.as_secs_f64() * 1e6 / tree.len() as f64);
        let v = time(n / 10, || {
            for p in pids().unwrap_or_default() {
                let _ = reader.stat(p);
            }
        });
        let c = time(n / 10, || {
            if let Ok(all) = procfs::process::all_processes() {
                for proc in all.flatten() {
                    let _ = proc.stat();
                }
            }
        });
        rows[3].1.push(v.as_secs_f64() * 1e6);
        rows[3].2.push(c.as_secs_f64() * 1e6);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "{:28} {:>14} {:>14} {:>7}",
        "µs per call (median of 7)", "velo reader", "procfs 0.17", "ratio"
    );
    for (name, mut v, mut c) in rows {
        let (a, b) = (median(&mut v), median(&mut c));
        println!("{name:28} {a:>14.1} {b:>14.1} {:>6.1}x", b / a);
    }
    println!(
        "({} processes on the system)",
        pids().map(|p| p.len()).unwrap_or(0)
    );
}
