//! The digest report: top templates by severity then count, with when and where they were
//! seen, the root cause, and suggested fixes. One `Serialize` struct for every format.

use std::collections::BTreeMap;

use serde::Serialize;

use super::baseline::{self, BaselineDiff, ProblemTemplate};
use super::header::Level;
use super::miner::Mined;
use super::{
    agg::Entry, level_from_code, rules, time, DigestOptions, Mining, Rec, TimeBound, SPARK_WIDTH,
};

/// One input's totals.
#[derive(Debug, Clone, Serialize)]
pub struct SourceSummary {
    pub name: String,
    pub lines: u64,
    /// Lines with bytes that were not UTF-8 (read lossily).
    pub invalid_utf8_lines: u64,
    /// Lines longer than the cap, cut.
    pub cut_lines: u64,
    /// Why reading stopped early (a truncated `.gz`, an unreadable file), with how many lines
    /// were read before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Where a template was seen: a time when the header had one, and a source line.
#[derive(Debug, Clone, Serialize)]
pub struct Seen {
    pub time: Option<String>,
    pub source: String,
    pub line: usize,
}

/// One template in the digest.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateRow {
    pub id: String,
    pub template: String,
    pub level: Option<Level>,
    pub count: u64,
    pub first_seen: Seen,
    pub last_seen: Seen,
    pub sources: BTreeMap<String, u64>,
    pub example: String,
    /// Occurrences over time (or over the input when no timestamps), one character per slice.
    pub sparkline: String,
    pub hint: Option<String>,
}

/// The likely root cause: the earliest error of the first burst of errors.
#[derive(Debug, Clone, Serialize)]
pub struct RootCause {
    pub source: String,
    pub line: usize,
    pub time: Option<String>,
    pub message: String,
    /// For a traceback or stack trace: the exception (`ValueError: bad input`).
    pub exception: Option<String>,
    /// For a traceback or stack trace: the innermost frame.
    pub frame: Option<String>,
    pub template_id: Option<String>,
    pub hint: Option<String>,
}

/// The whole digest.
#[derive(Debug, Clone, Serialize)]
pub struct DigestReport {
    pub sources: Vec<SourceSummary>,
    pub lines: u64,
    /// Events counted (after --level/--since/--until/--grep).
    pub events: u64,
    pub templates_total: usize,
    /// Events counted per level (events with no level are not listed).
    pub levels: BTreeMap<Level, u64>,
    pub templates: Vec<TemplateRow>,
    /// Every template at warning or above (not only the top ones): id, template, level and
    /// count, so that this digest can be a later run's `--baseline`.
    pub problem_templates: Vec<ProblemTemplate>,
    /// With `--baseline`: the warning-or-worse templates new since then, and those that grew.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineDiff>,
    pub root_cause: Option<RootCause>,
    /// Inputs found but not read: symlink loops, FIFOs and devices, files reached twice.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<super::reader::Skipped>,
}

impl DigestReport {
    /// Counted events at `level` or above.
    pub fn events_at_least(&self, level: Level) -> u64 {
        self.levels.range(level..).map(|(_, c)| c).sum()
    }
}

/// Per-template totals gathered over the counted events.
#[derive(Debug, Clone, Default)]
struct Totals {
    count: u64,
    level: u8,
    /// (time, source, line) of the earliest / latest timed event.
    first_t: Option<(i64, usize, usize)>,
    last_t: Option<(i64, usize, usize)>,
    /// (source, line) of the first / last event in input order.
    first_p: Option<(usize, usize)>,
    last_p: Option<(usize, usize)>,
    per_source: BTreeMap<usize, u64>,
}

fn resolve_bound(b: Option<TimeBound>, latest: Option<i64>) -> Option<i64> {
    match b? {
        TimeBound::At(t) => Some(t),
        TimeBound::BeforeLatest(d) => latest.map(|l| l - d),
    }
}

fn sparkline(counts: &[u64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = counts.iter().copied().max().unwrap_or(0).max(1);
    counts
        .iter()
        .map(|&c| {
            if c == 0 {
                ' '
            } else {
                BARS[((c * 7).div_ceil(max) as usize).min(7)]
            }
        })
        .collect()
}

pub(super) fn build(m: &Mining, mined: &Mined, opts: &DigestOptions) -> DigestReport {
    let entries = &m.agg.entries;
    let latest = entries
        .iter()
        .filter(|e| e.max_ts != i64::MIN)
        .map(|e| e.max_ts)
        .max();
    let since = resolve_bound(opts.since, latest);
    let until = resolve_bound(opts.until, latest);
    let min_level = opts.min_level.map(|l| l as u8 + 1);
    let passes = |grep: bool, level: u8, ts: i64| {
        grep && min_level.is_none_or(|ml| level >= ml)
            && since.is_none_or(|s| ts != i64::MIN && ts >= s)
            && until.is_none_or(|u| ts != i64::MIN && ts <= u)
    };
    let counted = |r: &Rec| !r.cont && passes(r.grep, r.level, r.ts);
    // An entry is one second (exact) or, past `MAX_ENTRIES`, a bucket of seconds that a bound
    // cuts by its middle time.
    let counted_entry = |e: &Entry| passes(e.grep, e.level, e.mid_ts());
    let mut totals: Vec<Totals> = vec![Totals::default(); mined.templates.len()];
    let mut events = 0u64;
    let mut levels: BTreeMap<Level, u64> = BTreeMap::new();
    let (mut tmin, mut tmax) = (i64::MAX, i64::MIN);
    let template_of = |e: &Entry| mined.cluster_template[e.cluster as usize] as usize;
    for e in entries {
        if !counted_entry(e) {
            continue;
        }
        let si = e.source as usize;
        events += e.count;
        if let Some(l) = level_from_code(e.level) {
            *levels.entry(l).or_default() += e.count;
        }
        let tot = &mut totals[template_of(e)];
        tot.count += e.count;
        tot.level = tot.level.max(e.level);
        *tot.per_source.entry(si).or_default() += e.count;
        // Earliest / latest in input order.
        if tot.first_p.is_none_or(|f| (si, e.first) < f) {
            tot.first_p = Some((si, e.first));
        }
        if tot.last_p.is_none_or(|l| (si, e.last) > l) {
            tot.last_p = Some((si, e.last));
        }
        if e.min_ts != i64::MIN {
            tmin = tmin.min(e.min_ts);
            tmax = tmax.max(e.max_ts);
            // The earliest time, first in input order; the latest time, last in input order.
            let first = (e.min_ts, si, e.first_at_min);
            if tot.first_t.is_none_or(|f| first < f) {
                tot.first_t = Some(first);
            }
            let last = (e.max_ts, si, e.last_at_max);
            if tot.last_t.is_none_or(|l| last > l) {
                tot.last_t = Some(last);
            }
        }
    }
    let mut order: Vec<usize> = (0..totals.len()).filter(|&t| totals[t].count > 0).collect();
    order.sort_by(|&a, &b| {
        totals[b]
            .level
            .cmp(&totals[a].level)
            .then(totals[b].count.cmp(&totals[a].count))
            .then(mined.templates[a].text.cmp(&mined.templates[b].text))
    });
    let problem_templates: Vec<ProblemTemplate> = order
        .iter()
        .filter_map(|&t| {
            let level = level_from_code(totals[t].level).filter(|&l| l >= Level::Warning)?;
            let tpl = &mined.templates[t];
            Some(ProblemTemplate {
                id: tpl.id.clone(),
                template: tpl.text.clone(),
                level,
                count: totals[t].count,
            })
        })
        .collect();
    order.truncate(opts.top);
    // Sparklines for the chosen templates: over time when timestamps span a range, else over
    // the input's lines (by fine slices of lines: exact while the longest source has at most
    // `FINE_BINS` lines, else a slice's events go where its middle line falls).
    let timed = tmin < tmax;
    let total_lines: usize = m
        .sources
        .iter()
        .map(|s| usize::try_from(s.lines).unwrap_or(usize::MAX))
        .sum();
    let mut offsets = Vec::with_capacity(m.sources.len());
    let mut offset = 0usize;
    for s in &m.sources {
        offsets.push(offset);
        offset += usize::try_from(s.lines).unwrap_or(usize::MAX);
    }
    let mut slot_of = vec![usize::MAX; totals.len()];
    for (k, &t) in order.iter().enumerate() {
        slot_of[t] = k;
    }
    let mut spark = vec![[0u64; SPARK_WIDTH]; order.len()];
    let shift = m.agg.shift;
    for e in entries {
        if !counted_entry(e) {
            continue;
        }
        let k = slot_of[template_of(e)];
        if k == usize::MAX {
            continue;
        }
        if timed {
            if e.min_ts == i64::MIN {
                continue;
            }
            let pos = ((e.mid_ts() - tmin) as f64 / (tmax - tmin) as f64 * (SPARK_WIDTH - 1) as f64)
                as usize;
            spark[k][pos.min(SPARK_WIDTH - 1)] += e.count;
        } else {
            for &(b, n) in &e.bins {
                let line = ((b as usize) << shift) + ((1usize << shift) >> 1);
                let line = line.min(e.last).max(e.first);
                let pos = (offsets[e.source as usize] + line) * SPARK_WIDTH / total_lines.max(1);
                spark[k][pos.min(SPARK_WIDTH - 1)] += u64::from(n);
            }
        }
    }
    let mut all_rules = opts.rules.clone();
    all_rules.extend(rules::builtin());
    let name = |si: usize| m.sources[si].name.clone();
    let seen = |t: Option<(i64, usize, usize)>, p: Option<(usize, usize)>| {
        if let Some((ts, si, i)) = t {
            Seen {
                time: Some(time::format(ts)),
                source: name(si),
                line: i + 1,
            }
        } else {
            let (si, i) = p.unwrap_or((0, 0));
            Seen {
                time: None,
                source: name(si),
                line: i + 1,
            }
        }
    };
    let templates: Vec<TemplateRow> = order
        .iter()
        .enumerate()
        .map(|(k, &t)| {
            let tot = &totals[t];
            let tpl = &mined.templates[t];
            let level = level_from_code(tot.level);
            let hint = if level.is_some_and(|l| l >= Level::Warning) {
                rules::hint_for(&all_rules, &[&tpl.example])
            } else {
                None
            };
            TemplateRow {
                id: tpl.id.clone(),
                template: tpl.text.clone(),
                level,
                count: tot.count,
                first_seen: seen(tot.first_t, tot.first_p),
                last_seen: seen(tot.last_t, tot.last_p),
                sources: tot
                    .per_source
                    .iter()
                    .map(|(&si, &c)| (name(si), c))
                    .collect(),
                example: tpl.example.clone(),
                sparkline: sparkline(&spark[k]),
                hint,
            }
        })
        .collect();
    let root_cause = root_cause(m, mined, &all_rules, &counted);
    let baseline = opts
        .baseline
        .as_ref()
        .map(|b| baseline::compare(b, &problem_templates, total_lines as u64));
    DigestReport {
        sources: m.sources.clone(),
        lines: total_lines as u64,
        events,
        templates_total: mined.templates.len(),
        levels,
        templates,
        problem_templates,
        baseline,
        root_cause,
        skipped: m.skipped.clone(),
    }
}

/// Seconds (or lines, without timestamps) between errors that still belong to one burst.
const BURST_GAP_SECS: i64 = 60;
const BURST_GAP_LINES: usize = 200;

/// The earliest error of the first burst (a run of errors with small gaps, at least two of
/// them; a lone error when there is no burst).
fn root_cause(
    m: &Mining,
    mined: &Mined,
    rules: &[rules::Rule],
    counted: &dyn Fn(&Rec) -> bool,
) -> Option<RootCause> {
    let mut errs: Vec<&super::ErrorEvent> = m.errors.iter().filter(|e| counted(&e.rec)).collect();
    if errs.is_empty() {
        return None;
    }
    errs.sort_by_key(|e| (e.ts.unwrap_or(i64::MIN), e.source, e.line));
    let close = |a: &super::ErrorEvent, b: &super::ErrorEvent| match (a.ts, b.ts) {
        (Some(x), Some(y)) => y - x <= BURST_GAP_SECS,
        _ => a.source == b.source && b.line.saturating_sub(a.line) <= BURST_GAP_LINES,
    };
    let start = (0..errs.len())
        .find(|&i| errs.get(i + 1).is_some_and(|n| close(errs[i], n)))
        .unwrap_or(0);
    let e = errs[start];
    // A JSON record's traceback is escaped into the record: read it as the lines it stands for.
    let escaped = match e.text.as_slice() {
        [line] => super::records::escaped_trace(line),
        _ => None,
    };
    let (exception, frame) = trace_details(escaped.as_deref().unwrap_or(&e.text));
    let head = e.text.first().map_or("", String::as_str);
    let mut texts: Vec<&str> = vec![head];
    if let Some(x) = &exception {
        texts.push(x);
    }
    let rec = &e.rec;
    Some(RootCause {
        source: m.sources[e.source].name.clone(),
        line: e.line + 1,
        time: e.ts.map(time::format),
        message: head.to_owned(),
        hint: rules::hint_for(rules, &texts),
        exception,
        frame,
        template_id: Some(mined.template_of(rec.cluster).id.clone()),
    })
}

/// The exception and innermost frame of a Python traceback or Java/JS stack trace.
fn trace_details(lines: &[String]) -> (Option<String>, Option<String>) {
    let mut frame = None;
    // Python: the last `File "…", line N, in f` is the innermost frame; the exception is the
    // last unindented `Name: message` line.
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim();
        if t.starts_with("File \"") {
            let code = lines
                .get(i + 1)
                .map(|c| c.trim())
                .filter(|c| !c.starts_with("File \"") && !c.is_empty());
            frame = Some(match code {
                Some(c) => format!("{t}: {c}"),
                None => t.to_owned(),
            });
        }
    }
    if frame.is_some() {
        let exception = lines
            .iter()
            .rev()
            .map(|l| l.trim_end())
            .find(|l| {
                !l.starts_with(char::is_whitespace)
                    && l.contains(':')
                    && !l.starts_with("Traceback")
            })
            .map(str::to_owned);
        return (exception, frame);
    }
    // Go: `panic: …` then the first function after `goroutine N [running]:` and its file.
    // Rust: `thread 'main' panicked at src/main.rs:5:9:` then the message.
    let head = lines.first().map_or("", |l| l.trim());
    if let Some(p) = head.find("panic: ") {
        let frame = lines
            .iter()
            .position(|l| l.starts_with("goroutine "))
            .and_then(|g| {
                let f = lines.get(g + 1)?.trim();
                let file = lines.get(g + 2).map_or("", |l| l.trim());
                Some(format!("{f} {file}").trim().to_owned())
            });
        return (Some(head[p..].to_owned()), frame);
    }
    if let Some(p) = head.find("' panicked at ") {
        let at = head[p + "' panicked at ".len()..]
            .trim_end_matches(':')
            .to_owned();
        let message = lines.get(1).map(|l| l.trim().to_owned());
        return (message, Some(at));
    }
    // Java / JS: the deepest `Caused by:` (else the head) and its first `at` frame.
    let mut cause_at = None;
    for (i, l) in lines.iter().enumerate() {
        if l.trim_start().starts_with("Caused by:") {
            cause_at = Some(i);
        }
    }
    let (exc_line, from) = if let Some(i) = cause_at {
        let exc = lines[i].trim().trim_start_matches("Caused by:").trim();
        (exc.to_owned(), i + 1)
    } else {
        let head = lines.first().map_or("", String::as_str);
        let exc = head
            .find("Exception in thread ")
            .map_or(head, |p| &head[p..])
            .to_owned();
        (exc, 1)
    };
    if let Some(f) = lines
        .iter()
        .skip(from)
        .map(|l| l.trim())
        .find(|l| l.starts_with("at "))
    {
        return (Some(exc_line), Some(f.to_owned()));
    }
    (None, None)
}
