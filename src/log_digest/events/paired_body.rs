//! Failure class: a record that always prints one more line under its head, without the file's
//! header and not indented (a query logger's `QUERY OK` line followed by the statement it ran, a
//! request line followed by its echoed body). Its head's message reads finished, so
//! [`opens_body`](super::body::opens_body) does not see it coming; what tells it is the sample:
//! every head of that kind is followed by such a line, at least [`PAIRED_MIN`] times, and those
//! lines carry the record's data: they differ from one another in more than their digits. A
//! line printed between logged lines by another writer (a banner, a child's output) follows
//! heads of any kind, or a kind only sometimes, and stays an event of its own; so does a fixed
//! line repeated after each record of a kind (a notice, a numbered item), which says the same
//! thing every time. Only the one line right after the head is its body.

use super::super::header::Split;
use super::body::{is_record_of_its_own, mostly_headed, typed_header};
use super::{opens_panic, EventParser, Mode, Splitter, TRACEBACK};

/// Heads of one kind the sample must show, each followed by a headerless line.
const PAIRED_MIN: usize = 3;

/// The kind of a head, told by its message's first words: its first one or two tokens made of
/// letters, maybe joined by `.` or `_` (`QUERY OK`, `request`, a logger's dotted name and the
/// word after it). A message that opens with a number, an id, a path or a symbol has no kind.
/// A separator the header left before the message (Ruby's `-- : text`, where the header model
/// stops before the `:`) is skipped.
pub(super) fn head_kind(message: &str) -> Option<&str> {
    let mut m = message.trim_start();
    if let Some((sep, rest)) = m.split_once(' ') {
        if !sep.is_empty() && sep.bytes().all(|b| matches!(b, b':' | b'-' | b'|')) {
            m = rest.trim_start();
        }
    }
    let mut end = 0;
    for (n, tok) in m.split(' ').enumerate() {
        let word = tok
            .bytes()
            .all(|b| b.is_ascii_alphabetic() || b == b'.' || b == b'_')
            && tok.starts_with(|c: char| c.is_ascii_alphabetic())
            && tok.ends_with(|c: char| c.is_ascii_alphabetic());
        if n == 2 || !word {
            break;
        }
        end = tok.as_ptr() as usize - m.as_ptr() as usize + tok.len();
    }
    (end > 0).then(|| &m[..end])
}

/// A line that may be the one a paired head prints under it: not indented, not blank, without
/// a typed header, not a record of its own, not a traceback opener (read by the traceback
/// rules), not a runtime's panic (a record of its own).
fn is_bare_line<'a>(line: &'a str, headed: &impl Fn(&'a str) -> bool) -> bool {
    !line.starts_with([' ', '\t'])
        && !line.trim_end().is_empty()
        && !line.starts_with(TRACEBACK)
        && !opens_panic(line)
        && !headed(line)
        && !is_record_of_its_own(line)
}

/// Whether two lines differ in more than their digits.
fn differ_beyond_digits(a: &str, b: &str) -> bool {
    let strip = |s: &str| {
        s.bytes()
            .filter(|c| !c.is_ascii_digit())
            .collect::<Vec<u8>>()
    };
    strip(a) != strip(b)
}

/// The head kinds ([`head_kind`]) of a mostly headed sample that are followed by a bare line
/// (no header, not indented, no record of its own) every time they occur, at least
/// [`PAIRED_MIN`] times, those lines not all the same but for digits; sorted. Empty for a
/// headerless sample or one with no such pairing.
///
/// Second, the kinds whose body is a run ([`BodyKinds::runs`]): failure class, a message with
/// line breaks or a table printed under a head whose message reads finished (`x is no longer
/// read.` then two lines of advice, `workers` then an aligned table), the same text each time
/// or not. Nothing in one such line tells it from a banner another writer prints between
/// logged lines; what tells it is the file: every head of that kind, at least
/// [`PAIRED_MIN`] times, is followed by [`RUN_MIN`] bare lines or more. A banner follows heads
/// of any kind, or one kind only sometimes, and is one line where it repeats; a fixed line
/// after every head of a kind (a notice) is one line too, and stays an event of its own. A
/// banner of several lines that a program prints around one of its logged lines (a listen
/// address, the record, then a version and a platform line, at each start) shows itself by
/// the bare line before the head: a head of the kind that comes right after a bare line that
/// is no body of a head of its own kind (another writer's block that it interrupts, the block
/// at the start of the sample) keeps its kind from having a run.
pub(super) fn paired_kinds<'a>(
    sample: &[&'a str],
    split: impl Fn(&'a str) -> (Split<'a>, bool),
) -> BodyKinds {
    let headed = |l: &'a str| {
        let (s, has) = split(l);
        has && typed_header(&s)
    };
    if !mostly_headed(sample, &headed) {
        return BodyKinds::default();
    }
    // kind -> (heads, heads followed by a bare line, the first bare line, whether they vary)
    let mut seen: Vec<KindTally<'a>> = Vec::new();
    // The shortest run of bare lines after a head of each kind (by `seen`'s index), 0 once a
    // head of the kind interrupted a block of bare lines.
    let mut shortest: Vec<usize> = Vec::new();
    // The kind of the last headed line (`""`: none); whether the line before is a head, and
    // whether the lines since the last head (or the sample's start) are all bare, one at least.
    let mut last_kind: Option<&str> = None;
    let mut prev_head = false;
    let mut block = false;
    for (i, w) in sample.windows(2).enumerate() {
        let (s, has) = split(w[0]);
        let is_head = has && typed_header(&s);
        let after_block = block;
        block = !is_head && is_bare_line(w[0], &headed) && (block || prev_head || i == 0);
        prev_head = is_head;
        if !is_head {
            continue;
        }
        let Some(kind) = head_kind(s.message) else {
            last_kind = Some("");
            continue;
        };
        // Right after bare lines that are no body of a head of this kind: a block it interrupts.
        let interrupts = after_block && last_kind != Some(kind);
        last_kind = Some(kind);
        let bare = is_bare_line(w[1], &headed);
        // Counted up to RUN_MIN only: a longer run says no more.
        let run = if bare && !interrupts {
            sample[i + 1..]
                .iter()
                .take(RUN_MIN)
                .take_while(|l| is_bare_line(l, &headed))
                .count()
        } else {
            0
        };
        if let Some(k) = seen.iter().position(|e| e.0 == kind) {
            let e = &mut seen[k];
            e.1 += 1;
            e.2 += usize::from(bare);
            e.4 |= bare && differ_beyond_digits(e.3, w[1]);
            shortest[k] = shortest[k].min(run);
        } else {
            seen.push((kind, 1, usize::from(bare), w[1], false));
            shortest.push(run);
        }
    }
    let runs = kept_kinds(
        seen.iter()
            .zip(&shortest)
            .filter(|&(_, &run)| run >= RUN_MIN)
            .map(|(e, _)| *e)
            .collect(),
        |&(_, heads, _, _, _)| heads >= PAIRED_MIN,
    );
    BodyKinds {
        paired: kept_kinds(seen, |&(_, heads, bare, _, varies)| {
            heads >= PAIRED_MIN && bare == heads && varies
        }),
        runs,
    }
}

/// Bare lines every head of a kind must be followed by before its body is read as a run
/// ([`paired_kinds`]).
const RUN_MIN: usize = 2;

/// The head kinds of a source whose heads carry a body of bare lines ([`paired_kinds`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct BodyKinds {
    /// Kinds whose one line right after the head is its body; sorted.
    pub paired: Vec<Box<str>>,
    /// Kinds whose run of bare lines after the head, up to the next line that is not bare,
    /// is its body; sorted.
    pub runs: Vec<Box<str>>,
}

/// A sample's tally of line kinds: (kind, times seen, times counted, a line or head seen with
/// it first, a flag), as [`paired_kinds`] and `lone_kinds` keep them.
pub(super) type KindTally<'a> = (&'a str, usize, usize, &'a str, bool);

/// The kinds of a tally that `keep` accepts, sorted for [`holds_kind`].
pub(super) fn kept_kinds(
    seen: Vec<KindTally<'_>>,
    keep: impl Fn(&KindTally<'_>) -> bool,
) -> Vec<Box<str>> {
    let mut kinds: Vec<Box<str>> = seen
        .into_iter()
        .filter(|e| keep(e))
        .map(|e| e.0.into())
        .collect();
    kinds.sort_unstable();
    kinds
}

/// Whether sorted `kinds` ([`kept_kinds`]) hold `kind`.
pub(super) fn holds_kind(kinds: &[Box<str>], kind: Option<&str>) -> bool {
    kind.is_some_and(|k| kinds.binary_search_by(|p| (**p).cmp(k)).is_ok())
}

impl Splitter {
    /// Whether a head with this message is of a kind the sample shows always followed by a
    /// line without a header ([`paired_kinds`]).
    fn pairs_body(&self, message: &str) -> bool {
        !self.bodies.paired.is_empty() && holds_kind(&self.bodies.paired, head_kind(message))
    }

    /// Whether a head with this message is of a kind the sample shows always followed by a
    /// run of lines without a header ([`BodyKinds::runs`]).
    fn runs_body(&self, message: &str) -> bool {
        !self.bodies.runs.is_empty() && holds_kind(&self.bodies.runs, head_kind(message))
    }
}

impl EventParser<'_> {
    /// After a head: whether the next line may be its body (a plain head with a header, of a
    /// paired kind), and whether the bare lines after it are (of a run kind).
    pub(super) fn open_paired(&mut self, has_header: bool, message: &str) {
        let plain = has_header && self.mode == Mode::Plain;
        self.paired_open = plain && self.splitter.pairs_body(message);
        self.run_open = plain && self.splitter.runs_body(message);
    }

    /// The same for a head replayed from the line cache: split again only in a source with
    /// paired or run kinds.
    pub(super) fn replay_paired(&mut self, line: &str, has_header: bool) {
        self.paired_open = false;
        self.run_open = false;
        if has_header && self.splitter.bodies != BodyKinds::default() {
            let (split, _) = self.splitter.split(line);
            self.paired_open = self.splitter.pairs_body(split.message);
            self.run_open = self.splitter.runs_body(split.message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::header::HeaderModel;
    use super::*;

    #[test]
    fn a_head_kind_is_its_first_words_of_letters() {
        assert_eq!(head_kind("ALPHA OK beta=3"), Some("ALPHA OK"));
        assert_eq!(head_kind("gamma 12 done"), Some("gamma"));
        assert_eq!(head_kind("delta epsilon zeta"), Some("delta epsilon"));
        assert_eq!(head_kind("12 eta"), None);
        assert_eq!(head_kind("/theta/iota"), None);
        assert_eq!(
            head_kind("iota.kappa_mu LAMBDA x"),
            Some("iota.kappa_mu LAMBDA")
        );
        assert_eq!(head_kind("nu. xi"), None);
        assert_eq!(head_kind(": omicron pi 3"), Some("omicron pi"));
        assert_eq!(head_kind("- rho"), Some("rho"));
        assert_eq!(head_kind(": 12 sigma"), None);
        assert_eq!(head_kind(""), None);
    }

    fn kinds(lines: &[String]) -> Vec<Box<str>> {
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let model = HeaderModel::infer(refs.iter().copied());
        bodies(&refs, &model).paired
    }

    fn bodies(refs: &[&str], model: &HeaderModel) -> BodyKinds {
        paired_kinds(refs, |l| {
            let s = model.split(l);
            let has = !s.header.is_empty();
            (s, has)
        })
    }

    /// Headed lines of a few kinds; every `step` lines a `kappa OK` head followed by `bare`.
    fn sample(step: usize, bare: impl Fn(usize) -> Option<String>) -> Vec<String> {
        let mut v = Vec::new();
        for i in 0..40 {
            let t = format!("2024-03-01 09:00:{:02}.{:03}", i % 60, i * 7 % 1000);
            if i % step == 0 {
                v.push(format!("{t} [debug] kappa OK lambda=\"mu{i}\" nu={i}.5ms"));
                if let Some(b) = bare(i) {
                    v.push(b);
                }
            } else {
                v.push(format!("{t} [info] xi omicron {i} pi"));
            }
        }
        v
    }

    #[test]
    fn a_kind_always_followed_by_a_bare_line_is_paired() {
        let got = kinds(&sample(5, |i| {
            let table = ["tau", "chi", "omega"][i % 3];
            Some(format!("RHO sigma FROM \"{table}\" WHERE upsilon = {i}"))
        }));
        assert_eq!(got, vec![Box::<str>::from("kappa OK")]);
    }

    #[test]
    fn a_kind_followed_by_a_bare_line_only_sometimes_or_too_rarely_is_not() {
        // Another writer's lines after some heads of the kind only.
        let some = sample(5, |i| (i % 10 == 0).then(|| format!("phi chi psi {i}")));
        assert!(kinds(&some).is_empty());
        // Twice in the sample: no evidence.
        let rare = sample(20, |i| Some(format!("RHO sigma {}", ["tau", "chi"][i % 2])));
        assert!(kinds(&rare).is_empty());
        // The same line every time but for its digits (a fixed notice, a numbered item).
        let fixed = sample(5, |i| Some(format!("{}. RHO sigma the tau", i / 5)));
        assert!(kinds(&fixed).is_empty());
        let rare = sample(20, |i| Some(format!("RHO sigma {i}")));
        assert!(kinds(&rare).is_empty());
        // The line after is indented (read as a continuation anyway), a record of its own, or
        // a traceback opener.
        for b in [
            "  omega continued",
            "level=info msg=\"alpha\" n=3",
            "Traceback (most recent call last):",
        ] {
            assert!(
                kinds(&sample(5, |_| Some(b.to_owned()))).is_empty(),
                "{b:?}"
            );
        }
    }

    /// Headed lines of a few kinds; after head `i`, the bare lines `after(i)` gives.
    fn with_runs(after: impl Fn(usize) -> Vec<String>) -> Vec<String> {
        let mut v = Vec::new();
        for i in 0..48 {
            let t = format!("2024-03-01 09:00:{:02}.{:03}", i % 60, i * 7 % 1000);
            let m = ["alpha beta done", "gamma delta ready", "epsilon zeta lost"][i % 3];
            v.push(format!("{t} [info] {m}"));
            v.extend(after(i));
        }
        v
    }

    fn runs(lines: &[String]) -> Vec<Box<str>> {
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        bodies(&refs, &HeaderModel::infer(refs.iter().copied())).runs
    }

    #[test]
    fn a_kind_always_followed_by_two_bare_lines_or_more_has_a_run_for_its_body() {
        // The same two lines of advice under every `gamma delta` head (a message with line
        // breaks), and a table under it.
        let advice = with_runs(|i| {
            if i % 3 == 1 {
                vec!["Theta the iota instead.".into(), "See kappa.".into()]
            } else {
                Vec::new()
            }
        });
        assert_eq!(runs(&advice), vec![Box::<str>::from("gamma delta")]);
        let table = with_runs(|i| {
            if i % 3 == 1 {
                {
                    vec![
                        "NAME  STATE".into(),
                        format!("lambda-{i}  ready"),
                        "mu-2  idle".into(),
                    ]
                }
            } else {
                Vec::new()
            }
        });
        assert_eq!(runs(&table), vec![Box::<str>::from("gamma delta")]);
    }

    #[test]
    fn banners_notices_and_one_line_records_have_no_run() {
        // Must not fire: a two-line banner after heads of every kind in turn (another writer's).
        let banner = with_runs(|i| {
            if i % 4 == 3 {
                vec!["Nu xi omicron".into(), "Press pi to stop".into()]
            } else {
                Vec::new()
            }
        });
        assert!(runs(&banner).is_empty());
        // A kind followed by two bare lines only sometimes.
        let sometimes = with_runs(|i| {
            if i % 6 == 1 {
                vec!["Theta the iota instead.".into(), "See kappa.".into()]
            } else {
                Vec::new()
            }
        });
        assert!(runs(&sometimes).is_empty());
        // One fixed line after every head of a kind (a notice): neither a run nor paired.
        let notice = with_runs(|i| {
            if i % 3 == 1 {
                vec!["Rho sigma the tau.".into()]
            } else {
                Vec::new()
            }
        });
        assert!(runs(&notice).is_empty());
        assert!(kinds(&notice).is_empty());
        // A banner of several lines once at the start of the file.
        let mut start: Vec<String> = ["Upsilon 3.1", "Phi chi psi", "Omega ready"]
            .map(String::from)
            .to_vec();
        start.extend(with_runs(|_| Vec::new()));
        assert!(runs(&start).is_empty());
        // A one-line logger whose messages never continue.
        assert!(runs(&with_runs(|_| Vec::new())).is_empty());
        // No header at all: the same lines are each a line of their own.
        let headerless: Vec<String> = (0..48)
            .flat_map(|i| {
                let m = ["alpha beta done", "gamma delta ready", "epsilon zeta lost"][i % 3];
                let mut v = vec![m.to_owned()];
                if i % 3 == 1 {
                    v.extend(["Theta the iota instead.".into(), "See kappa.".into()]);
                }
                v
            })
            .collect();
        assert!(runs(&headerless).is_empty());
    }

    #[test]
    fn a_banner_around_a_head_is_no_run_of_its_body() {
        // Must not fire: at each start a program prints a bare line, logs a record of one
        // kind, then prints two more bare lines (a version, a platform): the same kind is
        // always followed by two bare lines, but its head interrupts a block of them.
        let starts = with_runs(|i| match i % 3 {
            0 => vec![".:4242".into()],
            1 => vec!["Sigma-1.2.3".into(), "tau/upsilon, phi1.2, 0a1b2c".into()],
            _ => Vec::new(),
        });
        assert!(runs(&starts).is_empty());
        // The same records without the bare line before the head: the two lines are its run.
        let body = with_runs(|i| match i % 3 {
            1 => vec!["Sigma-1.2.3".into(), "tau/upsilon, phi1.2, 0a1b2c".into()],
            _ => Vec::new(),
        });
        assert_eq!(runs(&body), vec![Box::<str>::from("gamma delta")]);
    }

    #[test]
    fn a_runtime_panic_after_a_head_is_no_run_of_its_body() {
        let panics = with_runs(|i| {
            if i % 3 == 1 {
                {
                    vec![
                        "thread 'main' panicked at src/theta.rs:3:5:".into(),
                        "iota out of range".into(),
                    ]
                }
            } else {
                Vec::new()
            }
        });
        assert!(runs(&panics).is_empty());
    }

    #[test]
    fn a_headerless_sample_pairs_nothing() {
        let lines: Vec<String> = (0..40)
            .map(|i| {
                if i % 2 == 0 {
                    format!("kappa OK lambda {i}")
                } else {
                    format!("RHO sigma {i}")
                }
            })
            .collect();
        assert!(kinds(&lines).is_empty());
    }

    /// Header shapes: `render(i, level, message)`.
    type Render = fn(usize, &str, &str) -> String;
    const HEADERS: &[(&str, Render)] = &[
        ("time [level]", |i, l, m| {
            format!(
                "09:{:02}:{:02}.{:03} [{l}] {m}",
                i / 60,
                i % 60,
                i * 7 % 1000
            )
        }),
        ("time id=x [level]", |i, l, m| {
            format!(
                "09:{:02}:{:02}.{:03} beta_id=Zq{:05}x [{l}] {m}",
                i / 60,
                i % 60,
                i * 7 % 1000,
                i * 37 % 99_991
            )
        }),
        ("date time,ms LEVEL name", |i, l, m| {
            let l = l.to_ascii_uppercase();
            format!(
                "2024-03-01 10:{:02}:{:02},{:03} {l} gamma.delta {m}",
                i / 60,
                i % 60,
                i % 1000
            )
        }),
        ("[date time] level:", |i, l, m| {
            format!("[2024-03-01 11:{:02}:{:02}] {l}: {m}", i / 60, i % 60)
        }),
    ];

    /// How the file goes on around the paired heads (the cell's second axis).
    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Around {
        /// Only the file's records.
        Alone,
        /// A second writer's lines, with no header, after heads of other kinds.
        Stray,
        /// A second stream of records of another shape (an access log) interleaved.
        Interleaved,
        /// An error record with its traceback, then a one-line record.
        Traceback,
        /// The same records written without a header: nothing pairs.
        Headerless,
    }
    const AROUND: &[Around] = &[
        Around::Alone,
        Around::Stray,
        Around::Interleaved,
        Around::Traceback,
        Around::Headerless,
    ];

    /// One file and whether each line must be a head.
    fn file(header: Render, around: Around) -> Vec<(String, bool)> {
        let mut out = Vec::new();
        let head = |i: usize, l: &str, m: &str| {
            if around == Around::Headerless {
                m.to_owned()
            } else {
                header(i, l, m)
            }
        };
        for i in 0..60 {
            let paired = i % 4 == 1;
            if paired {
                out.push((
                    head(i, "debug", &format!("KAPPA OK lambda=\"mu{i}\" nu={i}.5ms")),
                    true,
                ));
                // In a headerless file the pair's second line is a line of its own.
                let table = ["tau", "chi", "psi"][i % 3];
                let bare =
                    format!("RHO o0.\"sigma\" FROM \"{table}\" AS o0 WHERE (o0.\"id\" = ${i})");
                out.push((bare, around == Around::Headerless));
            } else {
                out.push((head(i, "info", &format!("xi omicron {i} pi")), true));
            }
            match around {
                Around::Stray if !paired && i % 7 == 3 => {
                    out.push((format!("phi chi psi {i} upsilon"), true));
                }
                Around::Interleaved if i % 5 == 2 => out.push((
                    format!(
                        "10.0.0.{} - - [01/Mar/2024:09:00:{:02} +0000] \"GET /omega/{i} HTTP/1.1\" 200 {}",
                        i % 9,
                        i % 60,
                        100 + i
                    ),
                    true,
                )),
                Around::Traceback if i % 10 == 6 => {
                    out.push((head(i, "error", "zeta eta failed"), true));
                    for l in [
                        "Traceback (most recent call last):",
                        "  File \"/srv/alpha/beta.py\", line 3, in gamma",
                        "    delta()",
                        "EpsilonError: theta",
                    ] {
                        out.push((l.to_owned(), false));
                    }
                    out.push((head(i, "info", "iota kappa done"), true));
                }
                _ => {}
            }
        }
        out
    }

    #[test]
    fn the_line_every_head_of_its_kind_prints_under_it_continues_it_and_only_that() {
        let mut failed = Vec::new();
        let mut cells = 0;
        for (name, header) in HEADERS {
            for &around in AROUND {
                cells += 1;
                let wrong = super::super::unindented_matrix::misclassified(&file(*header, around));
                if !wrong.is_empty() {
                    failed.push(format!(
                        "{name} / {around:?}: {} lines, e.g. {:?}",
                        wrong.len(),
                        wrong[0]
                    ));
                }
            }
        }
        assert!(
            failed.is_empty(),
            "{} of {cells} cells:\n{}",
            failed.len(),
            failed.join("\n")
        );
    }
}
