//! Driving a monitor to its end: the sampling loops for a pid, a command velo starts (its
//! output, its exit, forwarded signals, `--duration`, `--kill-on-breach`, and the kernel's
//! figures once it is reaped) and the whole system.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rustix::process::Signal;

use super::{
    report_of, Breach, Ending, ExitFigures, Mode, Monitor, MonitorError, MonitorReport, Observer,
    RunOptions, Sample, SamplerOptions, Schedule, Summary, SystemSampler, Target, TargetInfo,
};
use crate::proc::tree::kill_identities;
use crate::proc::{self, cgroup, Running};

/// When to take the next sample: the next tick, or the end of `--duration` if sooner (a
/// duration shorter than the interval is kept, and the last sample is taken at its end).
fn wake_at(schedule: &Schedule, start: Instant, duration: Option<Duration>) -> Instant {
    let next = schedule.next();
    duration.map_or(next, |d| next.min(start + d))
}

/// Sleeps until `until` or until `cancel` turns true.
fn sleep_until(until: Instant, cancel: &AtomicBool) {
    crate::cancel::cancellable_sleep(until, || cancel.load(Ordering::SeqCst));
}

/// Runs the monitor to its end. `received` names the signal behind `cancel` (forwarded to a
/// command velo started).
pub fn run(
    target: Target,
    opts: &RunOptions,
    cancel: &AtomicBool,
    received: &dyn Fn() -> Option<i32>,
    observer: &mut dyn Observer,
) -> Result<MonitorReport, MonitorError> {
    match target {
        Target::Pid(pid) => run_pid(pid, opts, cancel, observer),
        Target::Command {
            program,
            args,
            stdout,
            stderr,
        } => {
            let (stdout_sink, stderr_sink) = proc::Passthrough::new(stdout, stderr).sinks();
            let spec = proc::Spec {
                program,
                args,
                inherit_stdin: true,
                stdout_sink: Some(stdout_sink),
                stderr_sink: Some(stderr_sink),
                tail_bytes: 0,
                ..proc::Spec::default()
            };
            run_command(&spec, opts, cancel, received, observer)
        }
        Target::System => run_system(opts, cancel, observer),
    }
}

fn sampler_options(opts: &RunOptions) -> SamplerOptions {
    SamplerOptions {
        pss: opts.pss,
        ..SamplerOptions::default()
    }
}

fn tell(observer: &mut dyn Observer, m: &Monitor, sample: &Sample, breaches: &[Breach]) {
    observer.sample(sample, m.summary());
    for b in breaches {
        observer.breach(b);
    }
}

fn run_pid(
    pid: i32,
    opts: &RunOptions,
    cancel: &AtomicBool,
    observer: &mut dyn Observer,
) -> Result<MonitorReport, MonitorError> {
    if u32::try_from(pid).is_ok_and(|p| p == std::process::id()) {
        return Err(MonitorError::Itself(pid));
    }
    let mut m = Monitor::new(pid, sampler_options(opts), opts.limits, opts.interval)?;
    let start = m.sampler().started();
    let mut schedule = Schedule::new(start, opts.interval);
    let mut next = m.first();
    let ending = loop {
        if let Some((sample, breaches)) = next.take() {
            tell(observer, &m, &sample, &breaches);
            if !breaches.is_empty() && opts.kill_on_breach {
                observer.note(&format!(
                    "stopping the tree of PID {pid} ({} process(es)): limit crossed",
                    m.sampler().pids().len()
                ));
                kill_identities(&m.sampler().identities(), opts.kill_after);
                break Ending::KilledOnBreach;
            }
            if m.sampler().root_gone() {
                break Ending::Exited;
            }
            if opts.duration.is_some_and(|d| start.elapsed() >= d) {
                break Ending::Duration;
            }
        }
        sleep_until(wake_at(&schedule, start, opts.duration), cancel);
        if cancel.load(Ordering::SeqCst) {
            break Ending::Interrupted;
        }
        let Some(taken) = m.sample() else {
            break Ending::Exited;
        };
        next = Some(taken);
        schedule.advance(Instant::now());
    };
    // Monitored until now (a process gone between two samples ended before this).
    let figures = ExitFigures {
        ended_at_s: Some(start.elapsed().as_secs_f64()),
        ..ExitFigures::default()
    };
    let mut report = m.finish(Mode::Pid, ending, None, figures);
    if ending == Ending::Exited {
        report.notes.push(format!(
            "PID {pid} exited after {} (a process velo did not start leaves no final figures: its peak is sampled)",
            crate::units::format_duration(start.elapsed())
        ));
    }
    Ok(report)
}

/// The CPU time, in clock ticks, of every child velo has reaped so far (its own `cutime` and
/// `cstime`, which take in the children those children reaped).
fn reaped_children_ticks() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/stat").ok()?;
    let stat = proc::procfs::parse_pid_stat(&text)?;
    Some(stat.cutime + stat.cstime)
}

/// A group for the command's exact peak, or why there is none.
fn make_group(opts: &RunOptions) -> Result<cgroup::Group, cgroup::NoGroup> {
    if opts.cgroup {
        cgroup::Group::create("monitor", None)
    } else {
        Err(cgroup::NoGroup::Disabled)
    }
}

fn run_command(
    spec: &proc::Spec,
    opts: &RunOptions,
    cancel: &AtomicBool,
    received: &dyn Fn() -> Option<i32>,
    observer: &mut dyn Observer,
) -> Result<MonitorReport, MonitorError> {
    let group = make_group(opts);
    let reaped_before = reaped_children_ticks();
    let mut running = match &group {
        Ok(g) => Running::spawn(&proc::Spec {
            cgroup: Some(g.procs_path().to_owned()),
            ..spec.clone()
        })?,
        Err(_) => Running::spawn(spec)?,
    };
    let pid = running.pid();
    let sopts = SamplerOptions {
        adopt_tag: Some(running.tag().to_string()),
        root_reaped_elsewhere: true,
        ..sampler_options(opts)
    };
    let Ok(mut m) = Monitor::new(pid, sopts, opts.limits, opts.interval) else {
        // Ended before the first read: no sample, but the kernel's figures hold.
        let finished = running.finish();
        let figures = exit_figures(&finished, reaped_before, group.as_ref().ok());
        let mut notes = vec![
            "the command ended before the first sample: its figures are the kernel's, kept at its exit".to_string(),
        ];
        group_note(&group, opts, &mut notes);
        leaked_notes(&finished, &mut notes);
        let mut report = report_of(
            Summary::new(opts.limits),
            Mode::Command,
            opts.interval,
            Ending::Exited,
            Some(finished.exit),
            figures,
            notes,
        );
        report.target = Some(TargetInfo {
            pid,
            command: spec_line(spec),
        });
        report.processes_seen = Some(1);
        for b in &report.breaches {
            observer.breach(b);
        }
        return Ok(report);
    };
    let start = m.sampler().started();
    // How much later than the command the monitor's clock started.
    let offset = running.elapsed().saturating_sub(start.elapsed());
    let mut schedule = Schedule::new(start, opts.interval);
    let mut forwarded: Option<(i32, Instant)> = None;
    let mut next = m.first();
    let ending = 'outer: loop {
        if let Some((sample, breaches)) = next.take() {
            tell(observer, &m, &sample, &breaches);
            if !breaches.is_empty() && opts.kill_on_breach {
                observer.note(&format!(
                    "stopping the command's tree ({} process(es)): limit crossed",
                    m.sampler().pids().len()
                ));
                let ids = m.sampler().identities();
                running.terminate(opts.kill_after);
                // Members that left the group and lost the tag are still known by pid.
                kill_identities(&ids, Duration::ZERO);
                break Ending::KilledOnBreach;
            }
            if opts.duration.is_some_and(|d| start.elapsed() >= d) {
                observer.note("--duration reached: stopping the command");
                let ids = m.sampler().identities();
                running.terminate(opts.kill_after);
                kill_identities(&ids, Duration::ZERO);
                break Ending::Duration;
            }
        }
        // Wait for the tick, handling output and the command's exit meanwhile.
        loop {
            let now = Instant::now();
            let due = wake_at(&schedule, start, opts.duration);
            if now >= due {
                break;
            }
            if running.wait_for(due - now).is_some() {
                break 'outer if forwarded.is_some() {
                    Ending::Interrupted
                } else {
                    Ending::Exited
                };
            }
            if cancel.load(Ordering::SeqCst) && forwarded.is_none() {
                let sig = received().unwrap_or(Signal::TERM.as_raw());
                if let Some(s) = Signal::from_named_raw(sig) {
                    proc::tree::signal_group(pid, s);
                    observer.note(&format!(
                        "forwarded {} to the command; waiting for it to end",
                        proc::signal_name(sig)
                            .map_or_else(|| format!("signal {sig}"), str::to_string)
                    ));
                }
                forwarded = Some((sig, Instant::now()));
            }
            if let Some((_, at)) = forwarded {
                if at.elapsed() >= opts.kill_after {
                    running.terminate(opts.kill_after);
                    break 'outer Ending::Interrupted;
                }
            }
        }
        let Some(taken) = m.sample() else {
            // Nothing of the tree left but the command is not reaped yet: wait for it.
            running.wait_for(Duration::from_secs(3600));
            break Ending::Exited;
        };
        next = Some(taken);
        schedule.advance(Instant::now());
    };
    // The sample at the exit: what is left of the tree (descendants still running are
    // stopped below, so this is their last look).
    if ending == Ending::Exited {
        if let Some((sample, breaches)) = m.sample() {
            tell(observer, &m, &sample, &breaches);
        }
    }
    let ids = m.sampler().identities();
    let finished = running.finish();
    kill_identities(&ids, Duration::ZERO);
    let figures = ExitFigures {
        // On the monitor's clock, which started just after the command.
        ended_at_s: Some(finished.duration.saturating_sub(offset).as_secs_f64()),
        ..exit_figures(&finished, reaped_before, group.as_ref().ok())
    };
    let told = m.summary().breaches.len();
    let mut report = m.finish(Mode::Command, ending, Some(finished.exit), figures);
    // Limits crossed on the kernel's final figures: told now, as the others were.
    for b in report.breaches.iter().skip(told) {
        observer.breach(b);
    }
    report.target = Some(TargetInfo {
        pid,
        command: spec_line(spec),
    });
    group_note(&group, opts, &mut report.notes);
    leaked_notes(&finished, &mut report.notes);
    Ok(report)
}

/// Names each process that outlived the command (velo stopped it), whether or not a sample
/// ever saw it.
fn leaked_notes(finished: &proc::Finished, notes: &mut Vec<String>) {
    for l in &finished.leaked {
        notes.push(format!(
            "process {} ({}) outlived the command and was stopped",
            l.pid, l.command
        ));
    }
}

/// The kernel's figures for a finished command: `wait4`'s rusage, the CPU time of every child
/// velo reaped during the run (the command and its orphans), and the group's peak.
fn exit_figures(
    finished: &proc::Finished,
    reaped_before: Option<u64>,
    group: Option<&cgroup::Group>,
) -> ExitFigures {
    // Once velo has reaped the command, its own children's time holds the exact CPU of every
    // process of the tree that was waited for (orphans reaped by velo included).
    let reaped = reaped_before
        .zip(reaped_children_ticks())
        .map(|(b, a)| a.saturating_sub(b) as f64 / proc::procfs::clock_ticks() as f64);
    let rusage_cpu = finished.usage.map(|u| u.cpu.as_secs_f64());
    let cpu_s = match (reaped, rusage_cpu) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    ExitFigures {
        ended_at_s: Some(finished.duration.as_secs_f64()),
        max_rss_one: finished.usage.map(|u| u.max_rss_bytes),
        cpu_s,
        cgroup_peak: group.and_then(cgroup::Group::peak),
    }
}

/// Says why the tree's exact peak is missing, when velo tried to get it.
fn group_note(
    group: &Result<cgroup::Group, cgroup::NoGroup>,
    opts: &RunOptions,
    notes: &mut Vec<String>,
) {
    if let Err(why) = group {
        if opts.cgroup {
            notes.push(format!("no exact peak of the whole tree (cgroup): {why}"));
        }
    }
}

/// The command on one line (an argument holding a script shows its words, not its newlines),
/// secrets masked.
fn spec_line(spec: &proc::Spec) -> String {
    let args: Vec<String> = std::iter::once(&spec.program)
        .chain(&spec.args)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    crate::secret::mask_args(&args)
}

fn run_system(
    opts: &RunOptions,
    cancel: &AtomicBool,
    observer: &mut dyn Observer,
) -> Result<MonitorReport, MonitorError> {
    let mut sys = SystemSampler::new()?;
    let start = Instant::now();
    let mut schedule = Schedule::new(start, opts.interval);
    let mut series = Vec::new();
    let ending = loop {
        sleep_until(wake_at(&schedule, start, opts.duration), cancel);
        if cancel.load(Ordering::SeqCst) {
            break Ending::Interrupted;
        }
        if let Some(s) = sys.sample() {
            observer.system_sample(&s);
            series.push(s);
        }
        if opts.duration.is_some_and(|d| start.elapsed() >= d) {
            break Ending::Duration;
        }
        schedule.advance(Instant::now());
    };
    let samples = series.len();
    let duration_s = series.last().map_or(0.0, |s| s.t_s);
    Ok(MonitorReport {
        samples,
        duration_s,
        mean_interval_s: (samples > 0 && duration_s > 0.0).then(|| duration_s / samples as f64),
        system: Some(sys.finish()),
        system_series: series,
        ..MonitorReport::empty(Mode::System, opts.interval, ending)
    })
}
