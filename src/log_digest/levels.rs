//! Severity levels, wherever a line's header carries one: a level word in any common spelling,
//! case or padding (`WARN`, `warning`, `[info     ]`), one part of a compound field
//! (`[<time>: INFO/<process>]`, `[proxy:error]`, `[<time> INFO  target]`), a single-letter
//! severity glued to the date (`E0301`, klog/glog), a syslog priority (`<134>`), a numeric level
//! of a JSON logger (pino/bunyan `30`/`40`/`50`, syslog severities `0`..`7`), and a column of
//! severity marks (`.`, `-`, `*`, `#`). These are general conventions, not formats: each rule
//! reads one shape of field, whatever the file around it.

/// Severity of a line, from its header or its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Trace,
    Debug,
    Info,
    Notice,
    Warning,
    Error,
    Fatal,
}

/// Characters around a level word that are not part of it.
fn is_wrapper(c: char) -> bool {
    matches!(c, '[' | ']' | ':' | ',' | '(' | ')' | '<' | '>' | '{' | '}')
}

/// `s` without wrapper characters at either end: `s.trim_matches(is_wrapper)`, byte by byte
/// (the wrappers are ASCII, so every cut falls on a character boundary).
fn trim_wrappers(s: &str) -> &str {
    let b = s.as_bytes();
    let wrapper = |c: &u8| is_wrapper(char::from(*c));
    let start = b.iter().position(|c| !wrapper(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !wrapper(c)).map_or(start, |e| e + 1);
    &s[start..end]
}

/// What one pass over a word's bytes says about the level word in it. Parsing only trims
/// wrappers and white space, and every level is spelled in ASCII letters, so a word with another
/// ASCII byte (a digit, `.`, `-`, `=` …), with no letter or with more letters than the longest
/// level word holds none: most tokens of a line leave at their first byte.
enum Candidate {
    No,
    /// ASCII letters only: nothing to trim.
    Letters,
    /// Letters with wrappers, white space or other characters around them.
    Wrapped,
}

fn candidate(word: &str) -> Candidate {
    let mut letters = 0;
    for &c in word.as_bytes() {
        if c.is_ascii_alphabetic() {
            letters += 1;
        } else if c.is_ascii() && !is_wrapper(char::from(c)) && !char::from(c).is_whitespace() {
            return Candidate::No;
        }
    }
    if !(1..=MAX_LEVEL_WORD).contains(&letters) {
        Candidate::No
    } else if letters == word.len() {
        Candidate::Letters
    } else {
        Candidate::Wrapped
    }
}

/// Length of the longest level word [`Level::parse`] reads.
const MAX_LEVEL_WORD: usize = 11;

impl Level {
    /// Parses a level word (`WARN`, `warning`, `E`, `[error]`, `[info     ]`, `severe` …).
    pub fn parse(word: &str) -> Option<Level> {
        let w = match candidate(word) {
            Candidate::No => return None,
            Candidate::Letters => word,
            Candidate::Wrapped => trim_wrappers(trim_wrappers(word).trim()),
        };
        if w.len() == 1 {
            return match w.as_bytes()[0] {
                b'V' | b'T' => Some(Level::Trace),
                b'D' => Some(Level::Debug),
                b'I' => Some(Level::Info),
                b'W' => Some(Level::Warning),
                b'E' => Some(Level::Error),
                b'F' | b'A' => Some(Level::Fatal),
                _ => None,
            };
        }
        if w.len() > MAX_LEVEL_WORD {
            return None;
        }
        let mut buf = [0u8; MAX_LEVEL_WORD];
        for (d, s) in buf.iter_mut().zip(w.bytes()) {
            *d = s.to_ascii_lowercase();
        }
        Some(match &buf[..w.len()] {
            // Each level also in its three- and four-letter abbreviations (`TRC DBG INF WRN
            // ERR FTL`, `trce dbug eror fail`), as fixed-width headers write them, and cut to
            // a fixed width by a format's precision (`%(levelname)-5.5s` writes `WARNI`,
            // `CRITI`; `.4s` writes `DEBU`, `ERRO`): a cut of four letters or more.
            b"trace" | b"trc" | b"trce" | b"verbose" | b"finest" | b"finer" | b"fine" => {
                Level::Trace
            }
            b"debug" | b"dbg" | b"dbug" | b"debu" => Level::Debug,
            b"info" | b"inf" | b"information" | b"informational" => Level::Info,
            b"notice" => Level::Notice,
            b"warn" | b"wrn" | b"warning" | b"warni" | b"warnin" => Level::Warning,
            b"error" | b"err" | b"eror" | b"erro" | b"fail" | b"severe" | b"failure" => {
                Level::Error
            }
            b"fatal" | b"ftl" | b"critical" | b"crit" | b"criti" | b"critic" | b"critica"
            | b"crt" | b"alert" | b"emerg" | b"emergency" | b"panic" => Level::Fatal,
            _ => return None,
        })
    }

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Notice => "notice",
            Level::Warning => "warning",
            Level::Error => "error",
            Level::Fatal => "fatal",
        }
    }

    /// A syslog severity (RFC 5424: 0 emergency … 7 debug).
    pub fn from_syslog(severity: u8) -> Option<Level> {
        Some(match severity {
            0..=2 => Level::Fatal,
            3 => Level::Error,
            4 => Level::Warning,
            5 => Level::Notice,
            6 => Level::Info,
            7 => Level::Debug,
            _ => return None,
        })
    }

    /// A numeric level of a JSON logger: the pino/bunyan/log4js scale (10 trace, 20 debug, 30
    /// info, 40 warn, 50 error, 60 fatal) or a syslog severity (0..7, GELF and journald).
    pub fn from_number(n: f64) -> Option<Level> {
        if n.fract() != 0.0 || !(0.0..=60.0).contains(&n) {
            return None;
        }
        // Whole numbers in 0..=60: the casts are exact.
        let n = n as u8;
        match n {
            0..=7 => Level::from_syslog(n),
            10 => Some(Level::Trace),
            20 => Some(Level::Debug),
            30 => Some(Level::Info),
            40 => Some(Level::Warning),
            50 => Some(Level::Error),
            60 => Some(Level::Fatal),
            _ => None,
        }
    }

    /// A numeric level on the 10-step scale that starts at debug (10 debug, 20 info, 30 warning,
    /// 40 error, 50 critical), as loggers whose records name it `levelno` write it.
    pub fn from_debug_scale(n: f64) -> Option<Level> {
        Some(match n {
            10.0 => Level::Debug,
            20.0 => Level::Info,
            30.0 => Level::Warning,
            40.0 => Level::Error,
            50.0 => Level::Fatal,
            _ => return None,
        })
    }

    /// A severity mark: `.` debug, `-` verbose, `*` notice, `#` warning (the order of the marks
    /// is the order of the severities). Only read in a column of marks (see `header`).
    pub fn from_mark(mark: &str) -> Option<Level> {
        Some(match mark {
            "." => Level::Debug,
            "-" => Level::Trace,
            "*" => Level::Notice,
            "#" => Level::Warning,
            _ => return None,
        })
    }
}

/// A syslog priority opening a line (`<134>1 2024-…`, `<11>Mar  1 …`): severity = PRI & 7.
pub fn syslog_priority(tok: &str) -> Option<Level> {
    let rest = tok.strip_prefix('<')?;
    let close = rest.find('>')?;
    let digits = &rest[..close];
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let pri: u16 = digits.parse().ok()?;
    if pri > 191 {
        return None;
    }
    Level::from_syslog((pri & 7) as u8)
}

/// A single-letter severity glued to a month and day (`I0301`, `E1206`: klog/glog's
/// `Lmmdd hh:mm:ss`), or to a date with its year's two digits first (`I240301`: the same
/// layout with `Lyymmdd`, as databases that took glog's format and dated it write).
pub fn glued_letter(tok: &str) -> Option<Level> {
    let b = tok.as_bytes();
    if !matches!(b.len(), 5 | 7) || !b[1..].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let md = &b[b.len() - 4..];
    let month = (md[0] - b'0') * 10 + (md[1] - b'0');
    let day = (md[2] - b'0') * 10 + (md[3] - b'0');
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    match b[0] {
        b'D' | b'I' | b'W' | b'E' | b'F' => Level::parse(&tok[..1]),
        _ => None,
    }
}

/// A level word in capitals glued to the bracketed field after it (`WARN[0000]`,
/// `ERROR[03-01|09:00:31]`): a level column padded to the width of its longest word leaves no
/// space after that word, so the widest level touches the time or counter that follows. The
/// bracket must close the token and hold a digit; the word must be a level word of three
/// letters or more in capitals (`error[E0308]:` is a compiler's message, `MAP[3]` a word).
/// Leaves at the first byte that is not a capital unless it is the `[`.
pub fn glued_bracket(tok: &str) -> Option<Level> {
    let b = tok.as_bytes();
    let open = b
        .iter()
        .take(MAX_LEVEL_WORD + 1)
        .position(|c| !c.is_ascii_uppercase())?;
    let inside = tok[open..].strip_prefix('[')?;
    let inside = inside
        .strip_suffix(']')
        .or_else(|| inside.strip_suffix("]:"))?;
    if open < 3 || !inside.bytes().any(|c| c.is_ascii_digit()) || inside.contains([']', '[']) {
        return None;
    }
    Level::parse(&tok[..open])
}

/// A level written before a `/` and a name (`W/worker(412):`, `ERROR/main`): the level of what
/// the name says. A single letter must be a severity letter, and the name at least two
/// characters starting with a letter (`I/O` is a word). Leaves at the first byte that is not a
/// letter unless it is the `/`.
pub fn slash_prefixed(tok: &str) -> Option<Level> {
    let b = tok.as_bytes();
    let slash = b
        .iter()
        .take(MAX_LEVEL_WORD + 1)
        .position(|c| !c.is_ascii_alphabetic())?;
    let name = &b[slash + 1..];
    if slash == 0 || b[slash] != b'/' || name.len() < 2 || !name[0].is_ascii_alphabetic() {
        return None;
    }
    if slash == 1 {
        return matches!(b[0], b'D' | b'I' | b'W' | b'E' | b'F' | b'V')
            .then(|| Level::parse(&tok[..1]))
            .flatten();
    }
    Level::parse(&tok[..slash])
}

/// A level word in capitals after a channel's name and a dot, ending with a colon
/// (`main.ERROR:`, `app.WARNING:`). Lower case after a dot is a name's own part (`pkg.error`).
/// Read from the end: leaves at the first byte before the colon that is not a capital.
pub fn channel_suffixed(tok: &str) -> Option<Level> {
    let body = tok.strip_suffix(':')?.as_bytes();
    let caps = body
        .iter()
        .rev()
        .take(MAX_LEVEL_WORD + 1)
        .position(|c| !c.is_ascii_uppercase())?;
    let dot = body.len() - caps - 1;
    if caps < 3 || dot == 0 || body[dot] != b'.' {
        return None;
    }
    Level::parse(&tok[dot + 1..tok.len() - 1])
}

/// The level one header field carries: the field as a word (two letters or more), a letter glued
/// to a date, or any part of a compound field split at spaces, `:`, `/`, `|`, `#` and brackets
/// (`[2024-03-01 09:00:07,037: INFO/MainProcess]`, `[proxy_http:error]`, `[pkg.mod#warn]`: a
/// namespace and the level joined by `#`). Single letters inside
/// compound fields are not levels (`stdout F`, `M` in `1:M`).
pub fn in_field(tok: &str) -> Option<Level> {
    // Every reading below needs an ASCII letter (a level word, a severity letter, a part
    // starting with one): dates, times, pids and addresses leave here.
    if !tok.bytes().any(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let core = trim_wrappers(tok);
    if core.len() >= 2 {
        if let Some(l) = Level::parse(core) {
            return Some(l);
        }
    }
    if let Some(l) = glued_letter(core)
        .or_else(|| slash_prefixed(core))
        .or_else(|| channel_suffixed(tok))
    {
        return Some(l);
    }
    // A level may also close a name after a `#` (`[alpha.beta#warn]`: a logger that writes its
    // namespace and the event's level as one bracketed system field).
    if !tok.contains(['[', ':', '/', '|', '(', ' ', '#']) {
        return None;
    }
    tok.split(|c: char| {
        c.is_whitespace() || matches!(c, ':' | '/' | '|' | '[' | ']' | '(' | ')' | '#')
    })
    .filter(|p| p.len() >= 3 && p.as_bytes()[0].is_ascii_alphabetic())
    .find_map(Level::parse)
}

/// A severity letter standing alone as one part of a bracketed field: `[I 240301 09:00:00 m:12]`,
/// `[<time> W <target>]`, `[<time>: E/<process>]` (a letter before `/` names the level of what
/// follows). `tok` is one white-space-separated token of `header`; it is inside a bracket when it
/// opens one or a bracket opened before it is still open. Outside brackets a lone letter is a
/// column of its own (typed by the header model) or a word: `stdout F`, `1:M` are not levels.
fn bracketed_letter(header: &str, tok: &str) -> Option<Level> {
    let (opened, rest) = match tok.strip_prefix('[') {
        Some(r) => (true, r),
        None => (false, tok),
    };
    let b = rest.as_bytes();
    if !matches!(b.first()?, b'D' | b'I' | b'W' | b'E' | b'F') {
        return None;
    }
    let alone = match b.get(1) {
        None | Some(b']') => true,
        Some(b'/') => b.get(2).is_some_and(u8::is_ascii_alphabetic),
        _ => false,
    };
    if !alone {
        return None;
    }
    // Checked last, on the few tokens that got here: the brackets open before `tok`.
    let inside = opened || {
        let at = (tok.as_ptr() as usize).saturating_sub(header.as_ptr() as usize);
        let before = &header.as_bytes()[..at.min(header.len())];
        memchr::memchr_iter(b'[', before).count() > memchr::memchr_iter(b']', before).count()
    };
    inside.then(|| Level::parse(&rest[..1])).flatten()
}

/// The first level any field of a header carries (see [`in_field`] and [`bracketed_letter`]),
/// or its syslog priority.
pub fn in_header(header: &str) -> Option<Level> {
    let mut toks = header.split_ascii_whitespace();
    let first = toks.next()?;
    if first.starts_with('<') {
        if let Some(l) = syslog_priority(first) {
            return Some(l);
        }
    }
    std::iter::once(first)
        .chain(toks)
        .find_map(|tok| in_field(tok).or_else(|| bracketed_letter(header, tok)))
}

/// Most `key=value` fields a header puts before its level word.
const MAX_HEADER_PAIRS: usize = 6;

/// A `key=value` header field: a name of letters, digits, `_`, `-` or `.`, then a bare value
/// (no quotes: a quoted value is a logfmt record's, read as one by `records`).
fn is_header_pair(tok: &str) -> bool {
    let Some((k, v)) = tok.split_once('=') else {
        return false;
    };
    !k.is_empty()
        && !v.is_empty()
        && k.as_bytes()[0].is_ascii_alphabetic()
        && k
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        && !v.contains(['"', '\''])
        // A record's own message or level key makes the line a logfmt record, not a header.
        && !matches!(k, "msg" | "message" | "level" | "lvl" | "severity")
}

/// The level word right after a run of `key=value` fields that opens a message whose header
/// gave no level (`<time> pid=7 tid=ab WARN: …`, `<time> k=v k2=v2 error …`): the fields are
/// the logger's context, and the word after them is the line's severity, in any case, with or
/// without a colon. A word after a pair that is not a level word, a level word that is not
/// right after the run, or a run that is the record's own `msg=`/`level=` is none.
pub fn after_pairs(message: &str) -> Option<Level> {
    // Asked of every message without a header level: most leave at their first byte.
    if !message.as_bytes().first()?.is_ascii_alphabetic() {
        return None;
    }
    let mut pairs = 0;
    for tok in message.split_ascii_whitespace().take(MAX_HEADER_PAIRS + 1) {
        if is_header_pair(tok) {
            pairs += 1;
            continue;
        }
        return (pairs > 0 && trim_wrappers(tok).len() >= 3)
            .then(|| Level::parse(tok))
            .flatten();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    // Each case comes from a generated format (fixtures/log-digest/ecosystem) and names the
    // failure class of issue 20 it handles.

    #[test]
    fn class1_level_inside_bracketed_compound_fields() {
        // Celery worker: `[<time>: LEVEL/<process>]`.
        assert_eq!(
            in_header("[2024-03-01 09:00:07,037: WARNING/ForkPoolWorker-2]"),
            Some(Level::Warning)
        );
        // env_logger: `[<time> LEVEL <target>]`.
        assert_eq!(
            in_header("[2024-03-01T09:00:35Z ERROR bot::exchange]"),
            Some(Level::Error)
        );
        // Apache 2.4: `[module:level]` after the date.
        assert_eq!(
            in_header("[Fri Mar 01 09:00:04.729237 2024] [proxy:error] [pid 10:tid 13]"),
            Some(Level::Error)
        );
        // No level in the parts of a thread or pid field.
        assert_eq!(in_header("[pid 10:tid 139897472141649] [MainThread]"), None);
    }

    #[test]
    fn level_after_a_namespace_and_a_hash_in_a_bracketed_field() {
        // Class (generated, a logger writing `[<namespace>#<level>]` as its system field):
        // the level closes the field after a `#`.
        assert_eq!(
            in_header("2024-03-01T09:00:05+0000 [alpha.beta_gamma#warn]"),
            Some(Level::Warning)
        );
        assert_eq!(
            in_header("2024-03-01T09:00:05+0000 [alpha.beta#error]"),
            Some(Level::Error)
        );
        assert_eq!(
            in_header("2024-03-01T09:00:05+0000 [zeta#critical]"),
            Some(Level::Fatal)
        );
        // Must not fire: a bare `-` system, a `#` before a number or a word that is no level,
        // a protocol's prefix.
        assert_eq!(in_header("2024-03-01T09:00:05+0000 [-]"), None);
        assert_eq!(in_header("2024-03-01T09:00:05+0000 [lane#42]"), None);
        assert_eq!(in_header("2024-03-01T09:00:05+0000 [alpha#beta]"), None);
        assert_eq!(
            in_header("2024-03-01T09:00:05+0000 [Channel,33,10.0.0.1]"),
            None
        );
    }

    #[test]
    fn class1_padded_lower_case_level_in_brackets() {
        // structlog's console renderer pads the level inside its brackets.
        assert_eq!(Level::parse("[info     ]"), Some(Level::Info));
        assert_eq!(
            in_header("2024-03-01 09:00:10 [warning  ]"),
            Some(Level::Warning)
        );
        assert_eq!(
            in_header("2024-03-01 09:00:10 [error    ]"),
            Some(Level::Error)
        );
    }

    #[test]
    fn level_word_after_pid_or_thread_fields() {
        // MySQL 8: `<time> <thread> [Warning] [MY-…] [Server]`; PostgreSQL `<time> UTC [pid] ERROR:`.
        assert_eq!(
            in_header("2024-03-01T09:00:39.381787Z 1 [Warning] [MY-010055] [Server]"),
            Some(Level::Warning)
        );
        assert_eq!(
            in_header("2024-03-01T09:00:01.380450Z 0 [System] [MY-010116] [Server]"),
            None
        );
        assert_eq!(
            in_header("2024-03-01 09:00:04.684 UTC [24158] ERROR:"),
            Some(Level::Error)
        );
        assert_eq!(
            in_header("2024-03-01 09:00:04.684 UTC [24158] DETAIL:"),
            None
        );
        assert_eq!(
            in_header("2024-03-01 09:00:06.576 UTC [11557] FATAL:"),
            Some(Level::Fatal)
        );
    }

    #[test]
    fn single_letter_severity_glued_to_the_date() {
        // klog: `E0301 09:00:00.175918      48 pod_workers.go:801]`.
        assert_eq!(glued_letter("E0301"), Some(Level::Error));
        assert_eq!(glued_letter("W1206"), Some(Level::Warning));
        assert_eq!(glued_letter("I0301"), Some(Level::Info));
        assert_eq!(
            in_header("W0301 09:00:02.660798      48 warnings.go:456]"),
            Some(Level::Warning)
        );
        // Not a month and day, or not a severity letter: an id.
        assert_eq!(glued_letter("E1399"), None);
        assert_eq!(glued_letter("R0201"), None);
        assert_eq!(glued_letter("E03012"), None);
    }

    #[test]
    fn syslog_priorities_and_numeric_json_levels() {
        // RFC 5424 `<PRI>1`, RFC 3164 `<PRI>Mar`: severity = PRI & 7.
        assert_eq!(syslog_priority("<134>1"), Some(Level::Info));
        assert_eq!(syslog_priority("<131>1"), Some(Level::Error));
        assert_eq!(syslog_priority("<12>Mar"), Some(Level::Warning));
        assert_eq!(syslog_priority("<999>1"), None);
        assert_eq!(
            in_header("<140>1 2024-03-01T09:00:00Z host app 12 -"),
            Some(Level::Warning)
        );
        // pino/bunyan and syslog-numbered JSON levels.
        assert_eq!(Level::from_number(40.0), Some(Level::Warning));
        assert_eq!(Level::from_number(50.0), Some(Level::Error));
        assert_eq!(Level::from_number(60.0), Some(Level::Fatal));
        assert_eq!(Level::from_number(3.0), Some(Level::Error));
        assert_eq!(Level::from_number(35.0), None);
        assert_eq!(Level::from_number(4.5), None);
    }

    /// `Level::parse` with its trimming as first written (three `str` trims, then the word
    /// table): the fast exits must never change an answer.
    fn parse_by_trimming(word: &str) -> Option<Level> {
        Level::parse(
            word.trim_matches(is_wrapper)
                .trim()
                .trim_matches(is_wrapper),
        )
    }

    #[test]
    fn fast_exits_of_level_parse_change_no_answer() {
        let cores: Vec<&str> = "WARN|warning|Info|E|e|I|err|information|informational|critical|\
             x|ab|WARN1|WA-RN|é|erreur||DEBUGGINGSTUFF|in fo|Error:|2024|blk_1"
            .split('|')
            .collect();
        let sides = [
            "", "[", "]", "(", ":", " ", "  ", "\t", "\u{a0}", "\u{3000}", "[ ", " ]", "{", "<",
            "[\u{a0}", "-", "1", "é", ", ",
        ];
        let mut checked = 0;
        for &core in &cores {
            for left in sides {
                for right in sides {
                    let word = format!("{left}{core}{right}");
                    assert_eq!(Level::parse(&word), parse_by_trimming(&word), "{word:?}");
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, cores.len() * sides.len() * sides.len());
        // The cases that matter most, spelled out.
        assert_eq!(Level::parse("[\u{a0}info ]"), Some(Level::Info));
        assert_eq!(Level::parse("[2024]"), None);
        assert_eq!(Level::parse("WARN-1"), None);
    }

    #[test]
    fn fixed_width_abbreviations_are_levels() {
        // Headers that keep the level column three or four letters wide.
        for (w, l) in [
            ("TRC", Level::Trace),
            ("DBG", Level::Debug),
            ("dbug", Level::Debug),
            ("INF", Level::Info),
            ("WRN", Level::Warning),
            ("ERR", Level::Error),
            ("eror", Level::Error),
            ("fail", Level::Error),
            ("trce", Level::Trace),
            ("FTL", Level::Fatal),
            ("CRT", Level::Fatal),
        ] {
            assert_eq!(Level::parse(w), Some(l), "{w}");
            assert_eq!(in_header(&format!("09:00:01 [{w}] ")), Some(l), "{w}");
        }
    }

    #[test]
    fn level_names_cut_to_a_fixed_width_are_levels() {
        // Class: a format's precision cuts the level name (`%(levelname)-5.5s` writes `WARNI`
        // and `CRITI`, `.4s` writes `DEBU` and `ERRO`); a cut of four letters or more is read.
        for (w, l) in [
            ("WARNI", Level::Warning),
            ("warnin", Level::Warning),
            ("CRITI", Level::Fatal),
            ("Critic", Level::Fatal),
            ("DEBU", Level::Debug),
            ("ERRO", Level::Error),
        ] {
            assert_eq!(Level::parse(w), Some(l), "{w}");
            assert_eq!(
                in_header(&format!("{w} [pkg.part] step done")),
                Some(l),
                "{w}"
            );
        }
        // Shorter cuts stay words: `war`, `deb`, `cri` are too often something else.
        for w in ["WAR", "deb", "CRI", "warm", "critter"] {
            assert_eq!(Level::parse(w), None, "{w}");
        }
    }

    #[test]
    fn lone_severity_letter_inside_a_bracketed_field() {
        // `[<time> L <target>]`, `[L <date> <time> <source>]`, `[<time>: L/<process>]`.
        assert_eq!(
            in_header("[2024-03-01T09:00:01Z W app.core]"),
            Some(Level::Warning)
        );
        assert_eq!(
            in_header("[E 240301 09:00:01 worker:12]"),
            Some(Level::Error)
        );
        assert_eq!(
            in_header("[2024-03-01 09:00:01,123: F/PoolWorker-1]"),
            Some(Level::Fatal)
        );
        // Outside a bracket, or not alone in its part, a letter is no level.
        assert_eq!(in_header("2024-03-01T09:00:01Z out F"), None);
        assert_eq!(in_header("[2024-03-01] E"), None);
        assert_eq!(in_header("[pid 10:tid 13] [Ex]"), None);
        assert_eq!(in_header("[2024-03-01 09:00:01: E/1]"), None);
        // Not a severity letter.
        assert_eq!(in_header("[2024-03-01T09:00:01Z A app.core]"), None);
    }

    #[test]
    fn level_before_a_slash_and_after_a_channel_dot() {
        assert_eq!(slash_prefixed("W/alpha(412):"), Some(Level::Warning));
        assert_eq!(slash_prefixed("ERROR/beta"), Some(Level::Error));
        assert_eq!(slash_prefixed("F/gamma"), Some(Level::Fatal));
        // `I/O` is a word, a path is no level, nor a letter that is not a severity.
        assert_eq!(slash_prefixed("I/O"), None);
        assert_eq!(slash_prefixed("/var/log"), None);
        assert_eq!(slash_prefixed("A/alpha"), None);
        assert_eq!(slash_prefixed("E/42"), None);
        assert_eq!(channel_suffixed("main.ERROR:"), Some(Level::Error));
        assert_eq!(channel_suffixed("app.WARNING:"), Some(Level::Warning));
        // Lower case after a dot is a name's own part; no colon, no field.
        assert_eq!(channel_suffixed("pkg.error:"), None);
        assert_eq!(channel_suffixed("main.ERROR"), None);
        assert_eq!(channel_suffixed(".ERROR:"), None);
        assert_eq!(in_field("main.ERROR:"), Some(Level::Error));
    }

    #[test]
    fn ten_step_scale_from_debug() {
        assert_eq!(Level::from_debug_scale(10.0), Some(Level::Debug));
        assert_eq!(Level::from_debug_scale(30.0), Some(Level::Warning));
        assert_eq!(Level::from_debug_scale(40.0), Some(Level::Error));
        assert_eq!(Level::from_debug_scale(50.0), Some(Level::Fatal));
        assert_eq!(Level::from_debug_scale(60.0), None);
        assert_eq!(Level::from_debug_scale(35.0), None);
        // The same numbers on the scale from trace are one step lower.
        assert_eq!(Level::from_number(30.0), Some(Level::Info));
    }

    #[test]
    fn single_letters_inside_compound_fields_are_not_levels() {
        // CRI `stdout F` (full line), Redis `1:M` (the master role).
        assert_eq!(in_header("2024-03-01T09:00:00.1Z stdout F"), None);
        assert_eq!(in_header("1:M 01 Mar 2024 09:00:00.123"), None);
        assert_eq!(Level::from_mark("#"), Some(Level::Warning));
        assert_eq!(Level::from_mark("*"), Some(Level::Notice));
    }
    #[test]
    fn level_word_after_a_run_of_key_value_header_fields() {
        // Class: a logger writes its context as `key=value` fields between the time and the
        // level word (`<time> pid=<n> tid=<x> LEVEL: msg`); the word after the run is the level.
        assert_eq!(
            after_pairs("pid=12 tid=ab3 WARN: spool near full"),
            Some(Level::Warning)
        );
        assert_eq!(
            after_pairs("pid=12 tid=ab3 kind=Sorter ref=9f0e error reached shelf"),
            Some(Level::Error)
        );
        assert_eq!(after_pairs("pid=12 info: parcel moved"), Some(Level::Info));
        // Must not fire: no pairs first, a non-level word after them, a level word further on,
        // a logfmt record's own level or message key, quoted values, a lone letter.
        assert_eq!(after_pairs("WARN: spool near full"), None);
        assert_eq!(after_pairs("pid=12 parcel moved error"), None);
        assert_eq!(after_pairs("status=done result=error"), None);
        assert_eq!(after_pairs("level=warn msg=spool"), None);
        assert_eq!(after_pairs("ts=1 msg=spool error"), None);
        assert_eq!(after_pairs("ref=\"a b\" error"), None);
        assert_eq!(after_pairs("pid=12 E parcel"), None);
        assert_eq!(after_pairs("Warning: parcel=4 moved"), None);
    }

    #[test]
    fn widest_level_word_glued_to_the_bracket_after_it() {
        // Class: a level column padded to its widest word (`%-5s`) then a bracketed time or
        // counter: the widest word touches the bracket (`ERROR[..]`), the others do not.
        assert_eq!(glued_bracket("ERROR[11-04|07:15:02]"), Some(Level::Error));
        assert_eq!(glued_bracket("WARN[0042]"), Some(Level::Warning));
        assert_eq!(glued_bracket("CRIT[7]:"), Some(Level::Fatal));
        // Must not fire: lower case (a compiler's `error[E0308]:`), a word that is no level,
        // a bracket without a digit, one that does not close the token, a two-letter word.
        assert_eq!(glued_bracket("error[E0308]:"), None);
        assert_eq!(glued_bracket("Error[42]"), None);
        assert_eq!(glued_bracket("SLOT[42]"), None);
        assert_eq!(glued_bracket("ERROR[main]"), None);
        assert_eq!(glued_bracket("ERROR[42]x"), None);
        assert_eq!(glued_bracket("ERROR[4][2]"), None);
        assert_eq!(glued_bracket("ER[42]"), None);
        assert_eq!(glued_bracket("ERROR"), None);
    }

    #[test]
    fn glued_level_counts_in_a_padded_level_column_file() {
        use crate::log_digest::matrix_tally::digest_cell;
        // Neutral words: a file whose level column is padded to five letters and followed by a
        // bracketed date; the error lines write `ERROR[` with no space.
        let mut text = String::new();
        let (mut warn, mut err) = (0, 0);
        for i in 0..120u32 {
            let t = format!("[11-04|07:{:02}:{:02}]", i / 60, i % 60);
            match i % 6 {
                1 => {
                    warn += 1;
                    text += &format!("WARN  {t} Spindle drifted   unit=rotor-{i} gap={i}ms\n");
                }
                4 => {
                    err += 1;
                    text +=
                        &format!("ERROR{t} Spindle stalled   unit=rotor-{i} cause=\"jam {i}\"\n");
                }
                // A message mentioning errors on an info line must not count.
                5 => text += &format!("INFO  {t} Retry scheduled   unit=rotor-{i} error=none\n"),
                _ => text += &format!("INFO  {t} Parcel sorted     unit=rotor-{i} lane={i}\n"),
            }
        }
        let (ids, counts) = digest_cell(&text);
        assert_eq!(counts, [warn, err, 0], "warnings, errors, fatal");
        // The glued error lines share one template whose text starts at the message.
        let stalled: Vec<_> = ids.iter().filter(|(_, t)| t.contains("stalled")).collect();
        assert_eq!(stalled.len() as u64, err);
        assert!(
            stalled
                .iter()
                .all(|(id, t)| *id == stalled[0].0 && t.starts_with("Spindle")),
            "{:?}",
            stalled[0]
        );
    }
}

#[cfg(test)]
mod count_matrix;
#[cfg(test)]
mod matrix;
#[cfg(test)]
mod place_matrix;
