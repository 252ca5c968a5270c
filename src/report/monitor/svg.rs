//! `--plot FILE.svg`: memory and CPU over time in one self-contained SVG (no script, no
//! external fonts), with the limits, the breaches and the leak fit marked.

use std::fmt::Write as _;

use crate::monitor::{MonitorReport, Verdict};
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

/// A panel: lines over a shared time axis, value labels through `fmt`.
struct Panel<'a> {
    title: &'a str,
    lines: Vec<Line<'a>>,
    /// Horizontal limits `(value, label)`.
    limits: Vec<(f64, String)>,
    fmt: &'a dyn Fn(f64) -> String,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A "nice" step for about `n` ticks over `span`.
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

/// Renders the report's series; `None` when there is nothing to draw.
pub fn render(r: &MonitorReport) -> Option<String> {
    let size = |v: f64| format_size(v.max(0.0) as u64);
    let pct = |v: f64| format!("{v:.0}%");
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
            fmt: &size,
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
            fmt: &pct,
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
            fmt: &size,
        });
        panels.push(Panel {
            title: "CPU of the tree (% of one core)",
            lines: vec![Line {
                points: r.series.iter().map(|p| (p.t_s, p.cpu_pct)).collect(),
                color: "#d62728",
                label: "CPU".into(),
                dashed: false,
            }],
            limits: cpu_limits,
            fmt: &pct,
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
    let mut vmax = panel
        .lines
        .iter()
        .flat_map(|l| l.points.iter().map(|q| q.1))
        .chain(panel.limits.iter().map(|l| l.0))
        .fold(0.0_f64, f64::max);
    if vmax <= 0.0 {
        vmax = 1.0;
    }
    let step = nice_step(vmax, 5.0);
    vmax = (vmax / step).ceil() * step;
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
    let mut value = 0.0;
    while value <= vmax + step / 2.0 {
        let y = sy(value);
        let _ = writeln!(
            out,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{x1}" y2="{y:.1}" stroke="#e5e5e5"/>"##
        );
        let _ = writeln!(
            out,
            r#"<text x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            LEFT - 6.0,
            y + 4.0,
            esc(&(panel.fmt)(value))
        );
        value += step;
    }
    // Time axis.
    let tstep = nice_step(t_end, 8.0);
    let mut t = 0.0;
    while t <= t_end + tstep / 100.0 {
        let x = sx(t);
        let _ = writeln!(
            out,
            r##"<line x1="{x:.1}" y1="{y1}" x2="{x:.1}" y2="{}" stroke="#999"/>"##,
            y1 + 4.0
        );
        let _ = writeln!(
            out,
            r#"<text x="{x:.1}" y="{}" text-anchor="middle">{}s</text>"#,
            y1 + 17.0,
            trim_num(t)
        );
        t += tstep;
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

fn trim_num(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round() {
        assert!((nice_step(100.0, 5.0) - 20.0).abs() < 1e-9);
        assert!((nice_step(7.0, 8.0) - 1.0).abs() < 1e-9);
        assert!((nice_step(0.0, 5.0) - 1.0).abs() < 1e-9);
        assert_eq!(trim_num(2.5), "2.5");
        assert_eq!(trim_num(10.0), "10");
        assert_eq!(esc("a<b&\"c\""), "a&lt;b&amp;&quot;c&quot;");
    }
}
