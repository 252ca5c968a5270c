//! A header field that changes shape from line to line within one logger's format (issue
//! failure class 2): what is header on one line is decided from the types of that line's own
//! leading fields, so a field written another way, left out or added on some lines keeps the
//! rest of the header and leaves the message whole.
//!
//! Each rule reads the line alone, against the column the model expects there:
//! - a level or a bracketed field some lines leave out ([`HeaderModel::is_absent`]);
//! - a logger's name left out between the level and the lone separator that closes the header
//!   (`LEVEL - msg` among `LEVEL name - msg`): the separator still closes it;
//! - a logger's name written on some lines only before that separator (`LEVEL name - msg`
//!   among `LEVEL - msg`): the name is header;
//! - a level word most lines leave out, written before the logger's `name:`: header;
//! - a host written in several words (`build box 1`) before the level column or before the
//!   program's `name[pid]:`: header, however many words it takes.

use super::{is_component, is_level_like, is_program_pid, Component, HeaderModel, MAX_SHIFT};
use crate::log_digest::tokens::{compatible, is_separator, Shape, Spans};

/// Token `i` of a line whose tokens are `spans` is a lone separator (`-`, `:`, `|`, `--`).
fn sep_at(line: &str, spans: &[(usize, usize)], i: usize) -> bool {
    spans
        .get(i)
        .is_some_and(|&(s, e)| is_separator(&line.as_bytes()[s..e]))
}

/// Class: a logger's name that some lines leave out, so the lone separator that closes the
/// header on the others stands where the name would (`LEVEL - msg` among `LEVEL name - msg`):
/// token `k`, where the name would start, is that separator and a message follows.
pub(super) fn bare_separator(line: &str, spans: &[(usize, usize)], k: usize) -> bool {
    spans.len() > k + 1 && sep_at(line, spans, k)
}

/// Class: a host written in several words on some lines (`build box 1`, what a relay writes
/// when a name does not resolve) before the program field: tokens `k+1 ..` up to
/// [`MAX_SHIFT`] further hold no field closed by a colon, then a `name[pid]:` closes the
/// header with a message after it. Only a program with its pid counts: a word with a colon
/// a few words into a message (`the server said: …`) does not.
pub(super) fn host_words_then_program(line: &str, spans: &[(usize, usize)], k: usize) -> bool {
    (2..=1 + MAX_SHIFT).any(|j| {
        spans.len() > k + j + 1
            && spans[k..k + j].iter().all(|&(s, e)| {
                let t = &line[s..e];
                !t.ends_with(':') && !t.starts_with('[')
            })
            && {
                let (s, e) = spans[k + j];
                let t = &line[s..e];
                t.strip_suffix(':').is_some_and(is_program_pid)
            }
    })
}

/// Class: a host written in several words on most lines, its last word a number (`build box
/// 1`), before the program's `name[pid]:`. Column inference reads those words as unchecked
/// columns and the number as a typed one, so a line whose host is one word (`node-a1`) takes
/// the message's first word into its header. Where the inferred columns end with such a run
/// (unchecked words, then one checked column) and at the run's first column nearly every line
/// reads as a host, in one word or in words, then a program with its pid, the header's columns
/// end before the run: the host and the program are read as the syslog host component is.
/// Only a program with its pid counts (a logger's `name:` after words is a component of its
/// own), and a run whose lines do not all close with one is left as inferred.
pub(super) fn host_words_start(columns: &[Option<Shape>], lines: &[&str]) -> Option<usize> {
    // The host's last word is a number (a time-shaped token); a bracketed field or a level
    // after a program's `name[pid]:` is the program's own header, not a host's word.
    let (Some(Some(Shape::Time)), Some(None)) = (columns.last(), columns.iter().rev().nth(1))
    else {
        return None;
    };
    let p = columns[..columns.len() - 1]
        .iter()
        .rposition(Option::is_some)
        .map_or(0, |i| i + 1);
    if p == 0 {
        return None;
    }
    let program = |l: &str, i: usize, spans: &[(usize, usize)]| {
        let (s, e) = spans[i];
        l[s..e].strip_suffix(':').is_some_and(is_program_pid)
    };
    let hosts = lines
        .iter()
        .filter(|l| {
            let sp = Spans::of(l, p + 3 + MAX_SHIFT);
            let spans = sp.get();
            (spans.len() > p + 2 && program(l, p + 1, spans))
                || host_words_then_program(l, spans, p)
        })
        .count();
    (hosts * 10 >= lines.len() * 9).then_some(p)
}

fn is_level_like_at(line: &str, sp: &Spans, at: usize) -> bool {
    let (s, e) = sp.get()[at];
    is_level_like(&line[s..e])
}

/// An upper-case level word (`WARN`, `ERROR`), as a header writes one: not a message's `error`.
fn upper_level(line: &str, sp: &mut Spans, i: usize) -> bool {
    sp.shape(line, i) == Some(Shape::Level) && {
        let (s, _) = sp.get()[i];
        line.as_bytes()[s].is_ascii_uppercase()
    }
}

impl HeaderModel {
    /// Whether checked column `c` is absent from this line, whose token `at` would hold it:
    /// that token does not fit `c` but fits what comes after `c` (the next checked column, or
    /// the component that closes the header). Only a column some lines of a file leave out
    /// (a level, a bracketed pid) is absent this way; the first column never is, nor one after an
    /// unchecked column (a word written in two tokens shifts the columns instead).
    pub(super) fn is_absent(&self, line: &str, sp: &mut Spans, c: usize, at: usize) -> bool {
        // Fields a logger writes on some lines only: a level, a bracketed pid or thread. A
        // time or a host is never left out; a line missing one is of another shape.
        let Some(Some(want @ (Shape::Level | Shape::Bracket))) = self.columns.get(c) else {
            return false;
        };
        let Some(got) = sp.shape(line, at) else {
            return false;
        };
        if compatible(*want, got) || (Some(c) == self.level_col && is_level_like_at(line, sp, at)) {
            return false;
        }
        match self.columns.get(c + 1) {
            // The next column's own shape, not a word a host column would also take.
            Some(Some(next)) => *next == got,
            Some(None) => false,
            None => {
                self.component == Component::Colon && {
                    sp.ensure(line, at + 2);
                    let spans = sp.get();
                    spans.len() > at + 1 && {
                        let (s, e) = spans[at];
                        is_component(&line[s..e])
                    }
                }
            }
        }
    }

    /// Class: a logger's name left out on this line. Unchecked column `c` (the name) comes
    /// right before the lone separator that closes the header (the model's last column, after
    /// a checked field such as the level), and token `at`, where the name would stand, is that
    /// separator with a message after it: the name is absent, the separator is still header.
    pub(super) fn name_left_out(&self, line: &str, sp: &mut Spans, c: usize, at: usize) -> bool {
        c > 0
            && self.columns[c].is_none()
            && self.columns[c - 1].is_some()
            && c + 2 == self.columns.len()
            && self.columns[c + 1] == Some(Shape::Dash)
            && sp.shape(line, at + 1).is_some()
            && sep_at(line, sp.get(), at)
    }

    /// Class: a logger's name written on this line before the lone separator that the model's
    /// column `c` expects right after a checked field (`LEVEL name - msg` among `LEVEL - msg`):
    /// token `at` is not a separator, token `at + 1` is one, and a message follows. The
    /// columns after it are read one token later.
    pub(super) fn name_inserted(&self, line: &str, sp: &mut Spans, c: usize, at: usize) -> bool {
        c > 0
            && self.columns[c] == Some(Shape::Dash)
            && self.columns[c - 1].is_some()
            && sp.shape(line, at).is_some_and(|g| g != Shape::Dash)
            && sp.shape(line, at + 2).is_some()
            && sep_at(line, sp.get(), at + 1)
    }

    /// Class: a host column written in several words on this line (`build box 1`), before the
    /// level column `c`: the first of the next [`MAX_SHIFT`] tokens past `at` that is an
    /// upper-case level word is the level, the words before it the host's; how many extra
    /// tokens the host takes. A lower-case `error` in a message is not a level column's word.
    /// The host's first word is a plain word (`build`): a host written whole (`node-a1`, an
    /// address) is the whole host, and the words after it on a line with no level column are
    /// the message's, an upper-case level word among them too (`node-a1 gate said ERROR twice`).
    pub(super) fn host_in_words(&self, line: &str, sp: &mut Spans, c: usize, at: usize) -> usize {
        if c == 0
            || at == 0
            || Some(c) != self.level_col
            || self.columns[c - 1] != Some(Shape::HostId)
            || sp.shape(line, at - 1) != Some(Shape::Word)
        {
            return 0;
        }
        (1..=MAX_SHIFT)
            .find(|&x| {
                (0..x).all(|y| {
                    matches!(
                        sp.shape(line, at + y),
                        Some(Shape::Word | Shape::HostId | Shape::Time)
                    )
                }) && upper_level(line, sp, at + x)
            })
            .unwrap_or(0)
    }

    /// Class: a level word that most lines of a format leave out, written on this line before
    /// the logger's `name:` component at token `k` (`[main] WARN alpha.beta: msg` among
    /// `[main] alpha.beta: msg`): the level word is header. Only where the model has no level
    /// column and closes its header with a colon component.
    pub(super) fn level_before_name(&self, line: &str, sp: &mut Spans, k: usize) -> bool {
        self.component == Component::Colon
            && self.level_col.is_none()
            && upper_level(line, sp, k)
            && sp.shape(line, k + 2).is_some()
            && {
                let (s, e) = sp.get()[k + 1];
                is_component(&line[s..e])
            }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Split;
    use super::*;

    /// Made-up messages, one kind per `i % 4`.
    fn say(i: usize) -> String {
        [
            "brindle queue drained after {} ticks",
            "vossel handshake with peer {} complete",
            "marrow cache at {} percent",
            "quillon write to slot {} refused",
        ][i % 4]
            .replace("{}", &(i * 37 % 991).to_string())
    }

    /// Lines `render(i, other)` where `other` holds on the lines `every` picks; the model
    /// inferred from them and each line's split.
    fn splits(
        every: fn(usize) -> bool,
        render: impl Fn(usize, bool) -> String,
    ) -> (HeaderModel, Vec<String>) {
        let lines: Vec<String> = (0..40).map(|i| render(i, every(i))).collect();
        let m = HeaderModel::infer(lines.iter().map(String::as_str));
        (m, lines)
    }

    fn ninety_ten(i: usize) -> bool {
        i % 10 == 7
    }
    fn half(i: usize) -> bool {
        i % 2 == 1
    }
    fn ten_ninety(i: usize) -> bool {
        i % 10 != 7
    }

    /// `<date> <time> LEVEL [name] - message`: a logger name some lines leave out.
    fn named(i: usize, bare: bool) -> String {
        let name = if bare {
            String::new()
        } else {
            ["tarn.core ", "vell ", "tarn.io.wick "][i % 3].to_owned()
        };
        let level = ["INFO", "WARNING"][i % 2];
        format!(
            "2024-03-01 10:00:{:02},125 {level} {name}- {}",
            i % 60,
            say(i)
        )
    }

    fn check_all(m: &HeaderModel, lines: &[String]) {
        for (i, l) in lines.iter().enumerate() {
            let s: Split = m.split(l);
            assert_eq!(s.message, say(i), "{l} / {m:?}");
            assert!(s.level.is_some(), "{l}");
        }
    }

    #[test]
    fn a_logger_name_some_lines_leave_out_leaves_the_separator_in_the_header() {
        // 90/10 (the name a column of the model), 50/50 (a component closed by a separator).
        for every in [ninety_ten as fn(usize) -> bool, half] {
            let (m, lines) = splits(every, named);
            check_all(&m, &lines);
            // Must not fire: with the name written, a message that opens with a name and a
            // separator of its own keeps them.
            let s = m.split("2024-03-01 10:01:00,125 INFO vell - tarn.io - gate closed early");
            assert_eq!(s.message, "tarn.io - gate closed early");
        }
        // Must not fire: a format with no name and no separator whose messages open with a
        // list's `- ` on a third of the lines keeps the dash in the message.
        let (m, lines) = splits(
            |i| i % 3 == 0,
            |i, dash| {
                let d = if dash { "- " } else { "" };
                format!("2024-03-01 10:00:{:02},125 INFO {d}{}", i % 60, say(i))
            },
        );
        assert_eq!(m.split(&lines[0]).message, format!("- {}", say(0)));
        assert_eq!(m.split(&lines[1]).message, say(1));
    }

    #[test]
    fn a_logger_name_some_lines_write_before_the_separator_is_header() {
        // 10/90: the separator right after the level is the model's column.
        let (m, lines) = splits(ten_ninety, named);
        check_all(&m, &lines);
        // Must not fire: a message after the separator that opens with a name and a separator
        // of its own keeps them; a line whose word after the level is not followed by a
        // separator is not read as a name.
        let s = m.split("2024-03-01 10:01:00,125 INFO - tarn.io - gate closed early");
        assert_eq!(s.message, "tarn.io - gate closed early");
        let s = m.split("2024-03-01 10:01:00,125 INFO gate closed - early");
        assert!(!s.message.starts_with("early"), "{s:?}");
    }

    #[test]
    fn a_level_most_lines_leave_out_before_the_logger_name_is_header() {
        // 10/90: `[main] name: msg` on nine lines in ten, `[main] LEVEL name: msg` on one.
        let (m, lines) = splits(ninety_ten, |i, levelled| {
            let level = if levelled { "WARN " } else { "" };
            let name = ["tarn.core:", "vell:", "tarn.io.wick:"][i % 3];
            format!(
                "2024-03-01 10:00:{:02}.125 [main] {level}{name} {}",
                i % 60,
                say(i)
            )
        });
        for (i, l) in lines.iter().enumerate() {
            let s = m.split(l);
            assert_eq!(s.message, say(i), "{l} / {m:?}");
            assert_eq!(s.level.is_some(), ninety_ten(i), "{l}");
        }
        // Must not fire: a level word after the name, and an upper-case level word not
        // followed by a name, are the message's.
        let s = m.split("2024-03-01 10:01:00.125 [main] vell: ERROR reading: slot 4");
        assert_eq!(s.message, "ERROR reading: slot 4");
        let s = m.split("2024-03-01 10:01:00.125 [main] ERROR reading slot 4");
        assert_eq!(s.message, "ERROR reading slot 4");
    }

    #[test]
    fn a_host_in_several_words_before_the_program_is_header() {
        // 50/50: `<date> <time> host prog[pid]: msg` with the host one name or three words.
        // (A host in words before the level column: `header_shape_matrix.rs`, through the
        // splitter, whose models of a mixed sample that rule needs.)
        let (m, lines) = splits(half, |i, words| {
            let host = if words {
                format!("north yard {}", i % 3 + 1)
            } else {
                ["alpha-1", "beta-7", "gamma-2"][i % 3].to_owned()
            };
            let prog = ["keeper", "porter", "clerk"][i % 3];
            format!(
                "Mar  1 10:00:{:02} {host} {prog}[{}]: {}",
                i % 60,
                1200 + i % 4,
                say(i)
            )
        });
        for (i, l) in lines.iter().enumerate() {
            assert_eq!(m.split(l).message, say(i), "{l} / {m:?}");
        }
        // Must not fire: a word closed by a colon a few words into a message, or a program
        // without a pid, is not a program field after a host in words.
        let spans = |l: &str| Spans::of(l, 8).get().to_vec();
        let l = "Mar  1 10:01:00 gate keeper said: hello there";
        assert!(!host_words_then_program(l, &spans(l), 3));
        let l = "Mar  1 10:01:00 north yard 2 keeper[12]: hello";
        assert!(host_words_then_program(l, &spans(l), 3));
        let l = "Mar  1 10:01:00 north yard [2] keeper[12]: hello";
        assert!(!host_words_then_program(l, &spans(l), 3));
    }

    /// `<date> <time> host prog[pid]: msg` with the host in words ending in a number on nine
    /// lines in ten (`north yard 2`) and one word on the others, or a logger's `name:` with no
    /// pid after the words.
    fn relay(i: usize, words: bool, pid: bool) -> String {
        let host = if words {
            format!("north yard {}", i % 3 + 1)
        } else {
            ["alpha-1", "beta-7", "gamma-2"][i % 3].to_owned()
        };
        let prog = ["keeper", "porter", "clerk"][i % 3];
        let pid = if pid {
            format!("[{}]", 1200 + i % 4)
        } else {
            String::new()
        };
        format!("Mar  1 10:00:{:02} {host} {prog}{pid}: {}", i % 60, say(i))
    }

    #[test]
    fn a_host_in_words_on_most_lines_ending_in_a_number_is_not_a_typed_column() {
        let (m, lines) = splits(ten_ninety, |i, words| relay(i, words, true));
        assert_eq!(m.columns.len(), 3, "{m:?}");
        for (i, l) in lines.iter().enumerate() {
            assert_eq!(m.split(l).message, say(i), "{l} / {m:?}");
        }
        // Must not fire: the same first shape with a logger's `name:` and no pid (the words
        // and the number stay the columns inferred), and the host in words on every line with
        // a program with its pid on half the lines only.
        let (m, _) = splits(ten_ninety, |i, words| relay(i, words, false));
        assert_eq!(m.columns.len(), 6, "{m:?}");
        let (m, _) = splits(|_| true, |i, _| relay(i, true, i % 2 == 0));
        assert_eq!(m.columns.len(), 6, "{m:?}");
        // Must not fire: a one-word host, a program with its pid, then a padded level in
        // brackets (the bracket is a column after the program, and holds the level).
        let (m, lines) = splits(half, |i, _| {
            format!(
                "Mar  1 10:00:{:02} {} keeper[{}]: [{:>6}] {}",
                i % 60,
                ["node-a", "db01"][i % 2],
                4100 + i % 4,
                ["INFO", "WARN", "ERROR"][i % 3],
                say(i)
            )
        });
        assert_eq!(m.columns.len(), 6, "{m:?}");
        assert!(m.split(&lines[1]).level.is_some(), "{m:?}");
    }
}
