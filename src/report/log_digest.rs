//! `velo log-digest` and `log-digest prune` as sections, tones and rows: the log-digest domain
//! returns plain `Serialize` reports ([`DigestReport`], [`PruneReport`]); this module lays them
//! out for the table and Markdown renderers.

use std::time::Duration;

use super::{Cell, Report, Section};
use crate::log_digest::baseline::BaselineDiff;
use crate::log_digest::header::Level;
use crate::log_digest::prune::{Action, PruneReport};
use crate::log_digest::{DigestReport, SourceSummary};
use crate::output::Tone;

impl Report for DigestReport {
    fn sections(&self) -> Vec<Section> {
        let mut out = Vec::new();
        let mut rows = Vec::new();
        for t in &self.templates {
            let tone = match t.level {
                Some(Level::Error | Level::Fatal) => Tone::Error,
                Some(Level::Warning) => Tone::Warning,
                _ => Tone::Plain,
            };
            let when = match (&t.first_seen.time, &t.last_seen.time) {
                (Some(a), Some(b)) => format!("{a} … {b}"),
                _ => format!(
                    "{}:{} … {}:{}",
                    t.first_seen.source, t.first_seen.line, t.last_seen.source, t.last_seen.line
                ),
            };
            let mut text = t.template.clone();
            if let Some(h) = &t.hint {
                text.push_str("\n→ ");
                text.push_str(h);
            }
            rows.push(vec![
                Cell::toned(t.level.map_or("-", Level::name), tone),
                Cell::new(t.count.to_string()),
                Cell::new(text),
                Cell::new(when),
                Cell::toned(t.sparkline.clone(), Tone::Dim),
            ]);
        }
        out.push(Section::Table {
            title: Some(format!(
                "Top {} of {} templates ({} events in {} lines)",
                self.templates.len(),
                self.templates_total,
                self.events,
                self.lines
            )),
            headers: [
                "level",
                "count",
                "template",
                "first … last seen",
                "over time",
            ]
            .map(String::from)
            .to_vec(),
            rows,
        });
        if let Some(b) = &self.baseline {
            out.push(baseline_section(b));
        }
        if let Some(rc) = &self.root_cause {
            let mut pairs = vec![
                (
                    "where".to_owned(),
                    Cell::new(format!("{}:{}", rc.source, rc.line)),
                ),
                (
                    "message".to_owned(),
                    Cell::toned(rc.message.clone(), Tone::Error),
                ),
            ];
            if let Some(t) = &rc.time {
                pairs.push(("time".to_owned(), Cell::new(t.clone())));
            }
            if let Some(x) = &rc.exception {
                pairs.push(("exception".to_owned(), Cell::toned(x.clone(), Tone::Error)));
            }
            if let Some(f) = &rc.frame {
                pairs.push(("innermost frame".to_owned(), Cell::new(f.clone())));
            }
            if let Some(h) = &rc.hint {
                pairs.push((
                    "suggested fix".to_owned(),
                    Cell::toned(h.clone(), Tone::Good),
                ));
            }
            out.push(Section::Pairs {
                title: Some("Likely root cause".to_owned()),
                pairs,
            });
        }
        for s in &self.sources {
            if let Some(e) = &s.error {
                out.push(Section::Text {
                    title: None,
                    body: format!("{}: {e}", s.name),
                    tone: Tone::Error,
                });
            }
        }
        let bad: Vec<&SourceSummary> = self
            .sources
            .iter()
            .filter(|s| s.invalid_utf8_lines > 0 || s.cut_lines > 0)
            .collect();
        for s in bad {
            out.push(Section::Text {
                title: None,
                body: format!(
                    "{}: {} line(s) with invalid UTF-8 (read lossily), {} line(s) cut at 64 KiB",
                    s.name, s.invalid_utf8_lines, s.cut_lines
                ),
                tone: Tone::Warning,
            });
        }
        out
    }
}

/// Most rows the baseline table shows (the JSON lists them all).
const BASELINE_ROWS: usize = 20;

fn baseline_section(b: &BaselineDiff) -> Section {
    let level_tone = |l: Level| match l {
        Level::Error | Level::Fatal => Tone::Error,
        _ => Tone::Warning,
    };
    let rate = |r: f64| format!("{r:.3}");
    let changes = b
        .new
        .iter()
        .map(|t| ("new", t))
        .chain(b.grew.iter().map(|t| ("grew", t)));
    let total = b.new.len() + b.grew.len();
    let rows = changes
        .take(BASELINE_ROWS)
        .map(|(what, t)| {
            vec![
                Cell::toned(what, level_tone(t.level)),
                Cell::toned(t.level.name(), level_tone(t.level)),
                Cell::new(format!("{} → {}", t.previous_count, t.count)),
                Cell::new(format!(
                    "{} → {}",
                    rate(t.previous_rate_per_1k_lines),
                    rate(t.rate_per_1k_lines)
                )),
                Cell::new(t.template.clone()),
            ]
        })
        .collect::<Vec<_>>();
    let mut title = format!(
        "Since baseline {} ({} lines): {} new, {} grew, {} gone",
        b.baseline,
        b.baseline_lines,
        b.new.len(),
        b.grew.len(),
        b.gone
    );
    if total > BASELINE_ROWS {
        title.push_str(&format!(
            " (first {BASELINE_ROWS} shown; --format json lists all)"
        ));
    }
    if !b.baseline_complete {
        title.push_str(
            " (the baseline lists only its top templates: \"new\" may mean \"not in its top\")",
        );
    }
    if rows.is_empty() {
        return Section::Text {
            title: Some(title),
            body: "no warning or error template is new or grew".to_owned(),
            tone: Tone::Good,
        };
    }
    Section::Table {
        title: Some(title),
        headers: ["since", "level", "count", "per 1k lines", "template"]
            .map(String::from)
            .to_vec(),
        rows,
    }
}

impl Report for PruneReport {
    fn sections(&self) -> Vec<Section> {
        let rows = self
            .files
            .iter()
            .map(|f| {
                let tone = match f.action {
                    Action::Delete => Tone::Error,
                    Action::Compress => Tone::Info,
                    Action::SkipOpen => Tone::Warning,
                    Action::Keep => Tone::Plain,
                };
                vec![
                    Cell::toned(f.action.name(), tone),
                    Cell::new(f.path.clone()),
                    Cell::new(crate::units::format_size(f.bytes)),
                    Cell::new(crate::units::format_duration(Duration::from_secs(f.age_s))),
                    Cell::new(f.reason.clone()),
                ]
            })
            .collect();
        vec![
            Section::Table {
                title: Some(format!(
                    "{}{}",
                    self.dir,
                    if self.dry_run {
                        " (dry run: nothing changed)"
                    } else {
                        ""
                    }
                )),
                headers: ["action", "file", "size", "age", "reason"]
                    .map(String::from)
                    .to_vec(),
                rows,
            },
            Section::Text {
                title: None,
                body: format!(
                    "{} → {}",
                    crate::units::format_size(self.bytes_before),
                    crate::units::format_size(self.bytes_after)
                ),
                tone: Tone::Plain,
            },
        ]
    }
}
