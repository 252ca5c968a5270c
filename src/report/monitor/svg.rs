//! `--plot FILE.svg`: memory and CPU over time in one self-contained SVG (no script, no
//! external fonts), with the limits, the breaches and the leak fit marked.

use std::fmt::Write as _;

use crate::monitor::{MonitorReport, Verdict};
use crate::report::xml::escape as esc;
use crate::units::format_size;

const W: f64 = 960.0;
const PANEL_H: f64 = 230.0;
const LEFT: f64 = 80.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 50.0;
const GAP: f64 = 60.0;

/// A line to draw in a panel.
struct Line<'a> {
    points: Vec<(f64, f64)>,
    color: &'a str,
    label: String,
    dashed: bool,
}

/// A panel: lines over a shared time axis, its value axis in `axis` units.
struct Panel<'a> {
    title: &'a str,
    lines: Vec<Line<'a>>,
    /// Horizontal limits `(value, label)`.
    limits: Vec<(f64, String)>,
    axis: Axis,
}

/// What a value axis counts, for its ticks and labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Axis {
    /// Bytes: labelled in one binary unit (KiB, MiB, …) chosen for the axis.
    Bytes,
    /// A percentage.
    Percent,
}

/// A "nice" step for about `n` ticks over `span`: 1, 2 or 5 × 10^k.
fn nice_step(span: f64, n: f64) -> f64 {
    if span <= 0.0 || !span.is_finite() {
        return 1.0;
    }
    let raw = span / n;
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let nice = if norm < 1.5 {
        1.0
    } else if norm < 3.0 {
        2.0
    } else if norm < 7.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// Decimals that a label needs for ticks `step` apart to read differently (0 for whole steps).
fn decimals(step: f64) -> usize {
    let d = -(step.log10() + 1e-9).floor();
    if d > 0.0 {
        d as usize
    } else {
        0
    }
}

/// The ticks of an axis from 0 to at least `max`, about `n` of them, with their labels: round
/// values (1, 2 or 5 × 10^k of the axis's unit) labelled with just the decimals that tell them
/// apart. Bytes are counted in the one binary unit the axis's top falls in (0, 0.2, … 1.2 MiB,
/// never 488.3KiB).
fn ticks(max: f64, n: f64, axis: Axis) -> (f64, Vec<(f64, String)>) {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        1.0
    };
    let (power, suffix) = match axis {
        Axis::Percent => (None, "%"),
        Axis::Bytes => {
            let mut i = 0;
            while i + 1 < UNITS.len() && max >= 1024f64.powi(i as i32 + 1) {
                i += 1;
            }
            (Some(i), UNITS[i])
        }
    };
    let unit = power.map_or(1.0, |i| 1024f64.powi(i as i32));
    let scaled = max / unit;
    let mut step = nice_step(scaled, n);
    if power == Some(0) {
        // No fraction of a byte.
        step = step.max(1.0);
    }
    // Whole multiples of the step, computed as such (no drift from repeated addition).
    let count = (scaled / step - 1e-9).ceil().max(1.0) as usize;
    let places = decimals(step);
    let labels = (0..=count)
        .map(|k| {
            let v = k as f64 * step;
            (v * unit, format!("{v:.places$}{suffix}"))
        })
        .collect();
    (count as f64 * step * unit, labels)
}

/// The time axis: ticks every 1, 2 or 5 × 10^k seconds (minutes or hours for long runs).
fn time_ticks(t_end: f64) -> Vec<(f64, String)> {
    let (unit, suffix) = if t_end >= 7200.0 {
        (3600.0, "h")
    } else if t_end >= 600.0 {
        (60.0, "min")
    } else {
        (1.0, "s")
    };
    let scaled = t_end / unit;
    let step = nice_step(scaled, 8.0);
    let places = decimals(step);
    let mut out = Vec::new();
    let mut k = 0u32;
    loop {
        let v = f64::from(k) * step;
        if v > scaled + step / 100.0 {
            break;
        }
        out.push((v * unit, format!("{v:.places$}{suffix}")));
        k += 1;
    }
    out
}

/// Renders the report's series; `None` when there is nothing to draw.
pub fn render(r: &MonitorReport) -> Option<String> {
    let size = |v: f64| format_size(v.max(0.0) as u64);
    let mut panels: Vec<Panel<'_>> = Vec::new();
    let t_end;
    if r.system.is_some() {
        if r.system_series.is_empty() {
            return None;
        }
        t_end = r.system_series.last().map_or(1.0, |s| s.t_s);
        panels.push(Panel {
            title: "memory used",
            lines: vec![Line {
                points: r
                    .system_series
                    .iter()
                    .map(|s| (s.t_s, s.mem_used_bytes as f64))
                    .collect(),
                color: "#1f77b4",
                label: "used".into(),
                dashed: false,
            }],
            limits: Vec::new(),
            axis: Axis::Bytes,
        });
        panels.push(Panel {
            title: "CPU busy (% of all CPUs)",
            lines: vec![Line {
                points: r
                    .system_series
                    .iter()
                    .map(|s| (s.t_s, s.cpu_busy_pct))
                    .collect(),
                color: "#d62728",
                label: "busy".into(),
                dashed: false,
            }],
            limits: Vec::new(),
            axis: Axis::Percent,
        });
    } else {
        if r.series.is_empty() {
            return None;
        }
        t_end = r.series.last().map_or(1.0, |p| p.t_s);
        let mut mem = vec![Line {
            points: r.series.iter().map(|p| (p.t_s, p.rss_bytes)).collect(),
            color: "#1f77b4",
            label: "RSS".into(),
            dashed: false,
        }];
        let pss: Vec<(f64, f64)> = r
            .series
            .iter()
            .filter_map(|p| Some((p.t_s, p.pss_bytes?)))
            .collect();
        if !pss.is_empty() {
            mem.push(Line {
                points: pss,
                color: "#2ca02c",
                label: "PSS".into(),
                dashed: false,
            });
        }
        if let Some(l) = &r.leak {
            if let (Some(slope), Some(at)) = (l.slope_bytes_per_s, l.intercept_bytes) {
                let y = |t: f64| at + slope * (t - l.window_start_s);
                mem.push(Line {
                    points: vec![
                        (l.window_start_s, y(l.window_start_s)),
                        (l.window_end_s, y(l.window_end_s)),
                    ],
                    color: if l.verdict == Verdict::Leak {
                        "#ff7f0e"
                    } else {
                        "#7f7f7f"
                    },
                    label: format!(
                        "leak fit: {} {}/min",
                        l.verdict.name(),
                        size(slope.abs() * 60.0)
                    ),
                    dashed: true,
                });
            }
        }
        let mut mem_limits = Vec::new();
        let mut cpu_limits = Vec::new();
        for b in &r.breaches {
            match b.limit {
                "max-rss" | "max-pss" => {
                    mem_limits.push((b.threshold, format!("--{} {}", b.limit, size(b.threshold))));
                }
                "max-cpu" => {
                    cpu_limits.push((b.threshold, format!("--max-cpu {:.0}%", b.threshold)));
                }
                _ => {}
            }
        }
        panels.push(Panel {
            title: "memory of the tree",
            lines: mem,
            limits: mem_limits,
            axis: Axis::Bytes,
        });
        panels.push(Panel {
            title: "CPU of the tree (% of one core)",
            lines: vec![Line {
                // The start sample has no CPU % (no interval yet): the line starts at the first
                // measured one.
                points: r
                    .series
                    .iter()
                    .filter_map(|p| Some((p.t_s, p.cpu_pct?)))
                    .collect(),
                color: "#d62728",
                label: "CPU".into(),
                dashed: false,
            }],
            limits: cpu_limits,
            axis: Axis::Percent,
        });
    }
    let t_end = t_end.max(1e-3);
    let h = TOP + panels.len() as f64 * (PANEL_H + GAP) + 10.0;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{h}" viewBox="0 0 {W} {h}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        out,
        r##"<rect width="100%" height="100%" fill="#ffffff"/>"##
    );
    let title = r.target.as_ref().map_or_else(
        || "velo monitor: system".to_string(),
        |t| {
            format!(
                "velo monitor: PID {} {}",
                t.pid,
                t.command.chars().take(90).collect::<String>()
            )
        },
    );
    let _ = writeln!(
        out,
        r#"<text x="{LEFT}" y="24" font-size="15" font-weight="bold">{}</text>"#,
        esc(&title)
    );
    for (i, panel) in panels.iter().enumerate() {
        let y0 = TOP + i as f64 * (PANEL_H + GAP);
        draw_panel(&mut out, panel, y0, t_end, r);
    }
    out.push_str("</svg>\n");
    Some(out)
}

fn draw_panel(out: &mut String, panel: &Panel<'_>, y0: f64, t_end: f64, report: &MonitorReport) {
    let x1 = W - RIGHT;
    let y1 = y0 + PANEL_H;
    let top = panel
        .lines
        .iter()
        .flat_map(|l| l.points.iter().map(|q| q.1))
        .chain(panel.limits.iter().map(|l| l.0))
        .fold(0.0_f64, f64::max);
    let (vmax, value_ticks) = ticks(top, 5.0, panel.axis);
    let sx = |t: f64| LEFT + (t / t_end).clamp(0.0, 1.0) * (x1 - LEFT);
    let sy = |value: f64| y1 - (value / vmax).clamp(0.0, 1.05) * PANEL_H;
    let _ = writeln!(
        out,
        r#"<text x="{LEFT}" y="{}" font-weight="bold">{}</text>"#,
        y0 - 8.0,
        esc(panel.title)
    );
    let _ = writeln!(
        out,
        r##"<rect x="{LEFT}" y="{y0}" width="{}" height="{PANEL_H}" fill="none" stroke="#999"/>"##,
        x1 - LEFT
    );
    // Value grid.
    for (value, label) in &value_ticks {
        let y = sy(*value);
        let _ = writeln!(
            out,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{x1}" y2="{y:.1}" stroke="#e5e5e5"/>"##
        );
        let _ = writeln!(
            out,
            r#"<text x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            LEFT - 6.0,
            y + 4.0,
            esc(label)
        );
    }
    // Time axis.
    for (t, label) in time_ticks(t_end) {
        let x = sx(t);
        let _ = writeln!(
            out,
            r##"<line x1="{x:.1}" y1="{y1}" x2="{x:.1}" y2="{}" stroke="#999"/>"##,
            y1 + 4.0
        );
        let _ = writeln!(
            out,
            r#"<text x="{x:.1}" y="{}" text-anchor="middle">{}</text>"#,
            y1 + 17.0,
            esc(&label)
        );
    }
    for (limit, label) in &panel.limits {
        let y = sy(*limit);
        let _ = writeln!(
            out,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{x1}" y2="{y:.1}" stroke="#d62728" stroke-dasharray="6 4"/>"##
        );
        let _ = writeln!(
            out,
            r##"<text x="{}" y="{:.1}" fill="#d62728">{}</text>"##,
            LEFT + 4.0,
            y - 4.0,
            esc(label)
        );
    }
    for b in &report.breaches {
        let x = sx(b.first_at_s);
        let _ = writeln!(
            out,
            r##"<line x1="{x:.1}" y1="{y0}" x2="{x:.1}" y2="{y1}" stroke="#d62728" stroke-width="1.5"/>"##
        );
        // The label goes on the side of the line with room for it.
        let (lx, anchor) = if x > LEFT + (x1 - LEFT) * 0.7 {
            (x - 3.0, "end")
        } else {
            (x + 3.0, "start")
        };
        let _ = writeln!(
            out,
            r##"<text x="{lx:.1}" y="{}" text-anchor="{anchor}" fill="#d62728">breach: --{}</text>"##,
            y0 + 14.0,
            esc(b.limit)
        );
    }
    for (i, line) in panel.lines.iter().enumerate() {
        let mut d = String::new();
        for (j, (t, value)) in line.points.iter().enumerate() {
            let _ = write!(
                d,
                "{}{:.1},{:.1}",
                if j == 0 { "M" } else { " L" },
                sx(*t),
                sy(*value)
            );
        }
        let dash = if line.dashed {
            r#" stroke-dasharray="8 5""#
        } else {
            ""
        };
        let _ = writeln!(
            out,
            r#"<path d="{d}" fill="none" stroke="{}" stroke-width="1.6"{dash}/>"#,
            line.color
        );
        let lx = LEFT + 10.0 + i as f64 * 220.0;
        let ly = y0 + PANEL_H + 34.0;
        let _ = writeln!(
            out,
            r#"<line x1="{lx}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="3"{dash}/>"#,
            ly - 4.0,
            lx + 18.0,
            ly - 4.0,
            line.color
        );
        let _ = writeln!(
            out,
            r#"<text x="{}" y="{ly}">{}</text>"#,
            lx + 24.0,
            esc(&line.label)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round() {
        assert!((nice_step(100.0, 5.0) - 20.0).abs() < 1e-9);
        assert!((nice_step(7.0, 8.0) - 1.0).abs() < 1e-9);
        assert!((nice_step(0.0, 5.0) - 1.0).abs() < 1e-9);
        assert_eq!(esc("a<b&\"c\""), "a&lt;b&amp;&quot;c&quot;");
    }

    fn labels(max: f64, axis: Axis) -> Vec<String> {
        ticks(max, 5.0, axis).1.into_iter().map(|t| t.1).collect()
    }

    #[test]
    fn a_small_cpu_axis_has_distinct_labels() {
        // Was "0%, 0%, 0%, 1%, 1%, 1%".
        assert_eq!(
            labels(1.0, Axis::Percent),
            ["0.0%", "0.2%", "0.4%", "0.6%", "0.8%", "1.0%"]
        );
        assert_eq!(
            labels(230.0, Axis::Percent),
            ["0%", "50%", "100%", "150%", "200%", "250%"]
        );
        assert_eq!(labels(0.0, Axis::Percent).last().unwrap(), "1.0%");
    }

    #[test]
    fn memory_ticks_fall_on_round_binary_values() {
        // Was 488.3KiB, 976.6KiB.
        assert_eq!(
            labels(1.1 * 1024.0 * 1024.0, Axis::Bytes),
            ["0.0MiB", "0.2MiB", "0.4MiB", "0.6MiB", "0.8MiB", "1.0MiB", "1.2MiB"]
        );
        assert_eq!(
            labels(900.0 * 1024.0, Axis::Bytes),
            ["0KiB", "200KiB", "400KiB", "600KiB", "800KiB", "1000KiB"]
        );
        assert_eq!(
            labels(330.0 * 1024.0 * 1024.0, Axis::Bytes),
            ["0MiB", "50MiB", "100MiB", "150MiB", "200MiB", "250MiB", "300MiB", "350MiB"]
        );
        assert_eq!(
            labels(2.5 * 1024.0 * 1024.0 * 1024.0, Axis::Bytes),
            ["0.0GiB", "0.5GiB", "1.0GiB", "1.5GiB", "2.0GiB", "2.5GiB"]
        );
        assert_eq!(labels(3.0, Axis::Bytes), ["0B", "1B", "2B", "3B"]);
    }

    #[test]
    fn ticks_always_cover_the_top_with_distinct_round_labels() {
        let mut max = 16.0;
        while max < 1e15 {
            for axis in [Axis::Bytes, Axis::Percent] {
                let (top, t) = ticks(max, 5.0, axis);
                assert!(top >= max * (1.0 - 1e-12), "{max} {axis:?}: top {top}");
                assert!((3..=12).contains(&t.len()), "{max} {axis:?}: {t:?}");
                // The labels' numbers: distinct, evenly spaced by 1, 2 or 5 × 10^k, and each
                // label reads back as the tick's value in its unit.
                let numbers: Vec<f64> = t
                    .iter()
                    .map(|(_, l)| {
                        l.trim_end_matches(|c: char| c.is_ascii_alphabetic() || c == '%')
                            .parse()
                            .unwrap()
                    })
                    .collect();
                let step = numbers[1] - numbers[0];
                let mantissa = step / 10f64.powf(step.log10().floor());
                assert!(
                    [1.0, 2.0, 5.0].iter().any(|m| (mantissa - m).abs() < 1e-6),
                    "{max} {axis:?}: step {step} in {t:?}"
                );
                for (k, n) in numbers.iter().enumerate() {
                    assert!((n - k as f64 * step).abs() < step * 1e-6, "{t:?}");
                }
                let mut labels: Vec<&String> = t.iter().map(|x| &x.1).collect();
                labels.dedup();
                assert_eq!(labels.len(), t.len(), "{t:?}");
            }
            max *= 1.37;
        }
        // A fraction of a percent still reads apart.
        let (_, t) = ticks(0.037, 5.0, Axis::Percent);
        assert_eq!(t[1].1, "0.01%");
    }

    #[test]
    fn time_ticks_are_round_and_distinct() {
        let t = time_ticks(0.4);
        assert_eq!(t.first().unwrap().1, "0.00s");
        assert!(t.iter().any(|x| x.1 == "0.40s"), "{t:?}");
        let t = time_ticks(3000.0);
        assert!(t.iter().all(|x| x.1.ends_with("min")), "{t:?}");
        for end in [0.05, 0.4, 7.0, 95.0, 3000.0, 90_000.0] {
            let t = time_ticks(end);
            let mut labels: Vec<&String> = t.iter().map(|x| &x.1).collect();
            labels.dedup();
            assert_eq!(labels.len(), t.len(), "{end}: {t:?}");
        }
    }
}
