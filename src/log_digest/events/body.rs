//! Failure class: unindented multi-line records (a statement echoed clause by clause, a request
//! dumped line by line, a value pretty-printed over lines, a printed table). What tells a body
//! line from a line that is an event of its own: whether most lines of the source carry a
//! header, whether a head's message ends unfinished, and whether a line without the file's
//! header is a record all the same.

use super::super::header::{HeaderModel, Split};
use super::super::multiline::head_candidates;
use super::super::records::logfmt_line;
use super::message_level;
use super::TRACEBACK;

/// Head candidates of a sample (unindented, non-blank, outside tracebacks) that must carry a
/// header, in thirds, before lines without one are read as the bodies of multi-line records.
const HEADED_THIRDS: usize = 1;
/// Lines with a header a sample needs before that is decided.
const HEADED_MIN: usize = 5;

/// Whether lines without a header continue the event above them in this source: most lines of
/// the sample open with a header (as `split` splits them: a third of its head candidates, a
/// record of another shape counting as one with a header), and the sample itself shows such a
/// body (a line without a header, not a record of its own, right after a headed line whose
/// message ends unfinished). Without that evidence a source whose lines change shape after the
/// sample (two files of different formats one after the other) would have every line of the
/// second format taken as the body of one event.
///
/// Failure class: records that nearly all carry a body of several unindented lines (every
/// record printing its settings as `key: value` lines, a table, a statement clause by
/// clause). Counted as head candidates, those body lines outnumber the headed lines, and the
/// source would not count as headed. The lines of the body each head announces (the bare
/// lines right after a headed line whose message ends unfinished, [`BODY_RUN_MAX`] at most a
/// head) are not head candidates. Left alone: bare lines after a finished message, and a run
/// longer than that bound (a second format after the sample's last announcing line), which
/// count as before.
pub(super) fn is_headed<'a>(
    sample: &[&'a str],
    split: impl Fn(&'a str) -> (Split<'a>, bool),
) -> bool {
    let headed = |l: &'a str| {
        let (s, has) = split(l);
        has && typed_header(&s)
    };
    mostly_headed(&without_announced_bodies(sample, &headed), &headed)
        && sample.windows(2).any(|w| {
            let (above, line) = (w[0], w[1]);
            opens_body(above)
                && headed(above)
                && !line.starts_with([' ', '\t'])
                && !line.trim_end().is_empty()
                && !headed(line)
                && !is_record_of_its_own(line)
        })
}

/// Bare lines (not indented, not blank, no typed header, no record of their own) a head's
/// announced body may hold before they count as head candidates again.
const BODY_RUN_MAX: usize = 16;

/// The sample without the bodies its heads announce: the runs of bare lines right after a
/// headed line whose message ends unfinished ([`opens_body`]), indented and blank lines
/// inside a run kept, a run of more than [`BODY_RUN_MAX`] bare lines kept whole.
fn without_announced_bodies<'a>(
    sample: &[&'a str],
    headed: &impl Fn(&'a str) -> bool,
) -> Vec<&'a str> {
    let bare = |l: &'a str| {
        !l.starts_with([' ', '\t'])
            && !l.trim_end().is_empty()
            && !l.starts_with(TRACEBACK)
            && !headed(l)
            && !is_record_of_its_own(l)
    };
    let mut kept = Vec::with_capacity(sample.len());
    let mut i = 0;
    while i < sample.len() {
        let line = sample[i];
        kept.push(line);
        i += 1;
        if !(opens_body(line) && headed(line)) {
            continue;
        }
        // The run: bare lines, with the indented and blank lines between them.
        let mut end = i;
        let mut bares = 0;
        while end < sample.len() {
            let l = sample[end];
            if bare(l) {
                bares += 1;
            } else if !(l.starts_with([' ', '\t']) || l.trim_end().is_empty()) {
                break;
            }
            end += 1;
        }
        if bares <= BODY_RUN_MAX {
            kept.extend(sample[i..end].iter().filter(|l| !bare(l)));
            i = end;
        }
    }
    kept
}

/// Whether most head candidates of the sample (a third of them, [`HEADED_MIN`] at least) carry
/// a typed header as `headed` reads them, a record of another shape counting as one with a
/// header.
pub(super) fn mostly_headed<'a>(sample: &[&'a str], headed: &impl Fn(&'a str) -> bool) -> bool {
    let candidates = head_candidates(sample.iter().copied());
    let with_header = candidates
        .iter()
        .filter(|l| headed(l) || is_record_of_its_own(l))
        .count();
    with_header >= HEADED_MIN && with_header * 3 >= candidates.len() * HEADED_THIRDS
}

/// A line without the file's header that is a record all the same: `key=value` pairs, a
/// level word first, or leading fields that hold a clock, a date, a level or a bracketed field
/// (a line of another stream whose header the file's model misreads: `10.0.0.1 - - [date] …`).
pub(super) fn is_record_of_its_own(line: &str) -> bool {
    logfmt_line(line, &[]).is_some()
        || message_level(line).is_some()
        || typed_header(&HeaderModel::default().split(line))
}

/// A header that says what a header says: a level, a clock or date (`:` `/` or `-` after a
/// digit), a bracketed field, or three fields or more besides separators (a host, a program, a
/// sequence number). The leading number and separator of a printed table's row (`1  | alpha |
/// 3`), which a loose model or the fallback split takes for a header, is none.
pub(super) fn typed_header(split: &Split) -> bool {
    let h = split.header.as_bytes();
    split.level.is_some()
        || h.windows(2)
            .any(|w| w[0].is_ascii_digit() && matches!(w[1], b':' | b'/' | b'-'))
        || h.iter().any(|b| matches!(b, b'[' | b'<'))
        || split
            .header
            .split_ascii_whitespace()
            .filter(|t| !matches!(*t, "|" | "-" | "--" | ":"))
            .count()
            >= 3
}

/// Failure class: a crash report's closing fields. After the stack trace of a headed record,
/// the report goes on with unindented `Label: value` lines (`Last input: …`, `State: …`): a
/// label of one or two words of letters, the first capitalised, then `: ` and a value. The
/// caller asks it only inside a trace, of a line with no header of its own that is no record
/// of its own; a line without that shape after a trace is an event of its own.
pub(super) fn is_closing_field(t: &str) -> bool {
    let Some((label, value)) = t.split_once(": ") else {
        return false;
    };
    let words = label.split(' ').count();
    !value.trim().is_empty()
        && (1..=2).contains(&words)
        && label.len() <= 24
        && label.starts_with(|c: char| c.is_ascii_uppercase())
        && label.bytes().all(|b| b.is_ascii_alphabetic() || b == b' ')
}

/// A line that ends with `:` announces what follows it (a list, a wrapped value).
pub(super) fn opens_list(line: &str) -> bool {
    line.trim_end().ends_with(':')
}

/// A line whose text ends unfinished, so that its record goes on over the next lines: an
/// announcing `:`, an opening `{` `[` `(`, a `,` or `=` or `\\`, or a text broken after a word
/// with one blank left before the line break (a statement echoed clause by clause). Lines padded
/// to a terminal's width end in many blanks, not one.
pub(super) fn opens_body(line: &str) -> bool {
    let t = line.trim_end();
    let trailing = line.len() - t.len();
    t.ends_with([':', '{', '[', '(', ',', '=', '\\']) || (trailing == 1 && line.ends_with(' '))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unfinished_messages_open_a_body_and_finished_ones_do_not() {
        for l in [
            "alpha dump:",
            "beta = {",
            "gamma (",
            "delta a, b,",
            "SELECT e.id, e.ts ",
        ] {
            assert!(opens_body(l), "{l:?}");
        }
        for l in [
            "alpha done",
            "beta ready for 3",
            "padded to the width          ",
        ] {
            assert!(!opens_body(l), "{l:?}");
        }
    }

    #[test]
    fn a_crash_reports_closing_fields_are_label_value_lines() {
        assert!(is_closing_field("Alpha beta: :gamma"));
        assert!(is_closing_field("Delta: %{epsilon: 1, zeta: \"eta\"}"));
        for t in [
            "alpha beta: gamma",
            "Alpha beta gamma: delta",
            "Alpha: ",
            "Alpha started on port 4000",
            "Alpha-7: beta",
            "Alpha:beta",
        ] {
            assert!(!is_closing_field(t), "{t:?}");
        }
    }

    #[test]
    fn a_table_row_has_no_typed_header_and_a_line_of_another_stream_has_one() {
        let fallback = |l| HeaderModel::default().split(l);
        assert!(!typed_header(&fallback("1  | alpha | 3")));
        let fields = |h| Split {
            header: h,
            message: "",
            level: None,
        };
        assert!(!typed_header(&fields("1  | alpha |")));
        assert!(typed_header(&fields("1234 node-7 alpha.beta 1077804742 1")));
        assert!(typed_header(&fallback("2024-03-01 09:00:00 beta gamma")));
        assert!(is_record_of_its_own(
            "10.0.0.1 - - [01/Mar/2024:09:00:00 +0000] \"GET /a HTTP/1.1\" 200 5"
        ));
        assert!(is_record_of_its_own("level=info msg=\"delta\" n=3"));
        assert!(!is_record_of_its_own("FROM epsilon_table"));
        assert!(!is_record_of_its_own("host:zeta.example.org"));
    }

    /// Every record's head announcing `n` bare body lines (a cell of the record-bounds
    /// matrix: `key: value` settings under each head).
    fn dense_bodies(records: usize, n: usize, announce: bool) -> Vec<String> {
        let mut lines = Vec::new();
        for i in 0..records {
            let end = if announce { "settings:" } else { "settings" };
            lines.push(format!("2024-03-01 09:00:{:02} INFO alpha {end}", i % 60));
            for k in 0..n {
                lines.push(format!("beta_{k}: gamma {i}"));
            }
        }
        lines
    }

    /// Whether `lines` read as a headed source under the default header model.
    fn headed_source(lines: &[String]) -> bool {
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        is_headed(&refs, |l| (HeaderModel::default().split(l), true))
    }

    #[test]
    fn announced_bodies_that_outnumber_their_heads_leave_the_source_headed() {
        for n in [3, 4, 8] {
            assert!(
                headed_source(&dense_bodies(30, n, true)),
                "{n} lines a body"
            );
        }
        // Must not fire: the same lines under finished messages (no announced body), and a
        // run longer than a body after the one announcing line (a second format after it).
        assert!(!headed_source(&dense_bodies(30, 3, false)));
        let mut second = dense_bodies(12, 0, false);
        second.push("2024-03-01 09:01:00 INFO delta dump:".into());
        second.extend((0..60).map(|i| format!("epsilon zeta step {i} done")));
        assert!(!headed_source(&second));
    }

    #[test]
    fn bodies_continue_only_in_a_source_whose_sample_shows_one() {
        let split = |l| HeaderModel::default().split(l);
        let split = |l| (split(l), true);
        let mut with_body: Vec<String> = (0..8)
            .map(|i| format!("2024-03-01 09:00:0{i} INFO alpha step {i}"))
            .collect();
        with_body.insert(4, "2024-03-01 09:00:09 INFO beta dump:".into());
        with_body.insert(5, "gamma delta epsilon".into());
        let lines: Vec<&str> = with_body.iter().map(String::as_str).collect();
        assert!(is_headed(&lines, split));
        // The same headed lines with no body after an unfinished message: no evidence, so
        // lines of another shape later in the source stay events of their own.
        let without: Vec<&str> = lines.iter().copied().filter(|l| *l != lines[5]).collect();
        assert!(!is_headed(&without, split));
    }
}
