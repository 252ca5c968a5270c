//! Failure classes: the unindented lines that end or fill a multi-line record without carrying
//! the file's header, in sources where such bodies are too rare for the sample to show them
//! (so the source is not read as [`super::body::is_headed`]):
//!
//! * a lone closing bracket (`}`, `]`, `)`, maybe with `,` or `;`) under a head whose message
//!   opened a body (`… {`): the end of a value pretty-printed under a logged line, its inner
//!   lines indented. Nothing else can be meant by such a line; after a head that opened no
//!   body it stays a line of its own.
//! * a block of aligned fields under a headed line: `Label:` then blanks padding the value to
//!   a column (two or more blanks on the first line), the next labels' values starting at that
//!   same column (a report's `Key: … / Function: … / Exception: …`). One blank after the label
//!   on the first line is a message (`Alpha: beta`), not a field of a table.
//!
//! And one headed shape: a further line of a multi-line entry that repeats the entry's whole
//! prefix (time to the microsecond, entry counter and all) and marks its text as a
//! continuation with a `+` glued to it. Either alone is no evidence (two events of one second
//! share a header; a message may start with `+`); both together are.

/// Whether `line` only closes brackets: one to three of `}` `]` `)`, maybe a `,` or `;` after.
pub(super) fn closes_body(line: &str) -> bool {
    let t = line.trim();
    let closers = t
        .bytes()
        .take_while(|b| matches!(b, b'}' | b']' | b')'))
        .count();
    (1..=3).contains(&closers) && matches!(&t[closers..], "" | "," | ";")
}

/// The column where the value of an aligned field line starts: `Label:` (a word of letters,
/// digits, `_` or `-`, starting with a letter, at most 24 bytes) then blanks then a value.
/// With `col` 0 (first field of a block) the blanks must be two or more; otherwise the value
/// must start at `col`.
pub(super) fn field_value_col(line: &str, col: usize) -> Option<usize> {
    let (label, rest) = line.split_once(':')?;
    let ok_label = !label.is_empty()
        && label.len() <= 24
        && label.starts_with(|c: char| c.is_ascii_alphabetic())
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !ok_label {
        return None;
    }
    let blanks = rest.bytes().take_while(|&b| b == b' ').count();
    if blanks == rest.len() {
        return None;
    }
    let at = label.len() + 1 + blanks;
    let fits = if col == 0 { blanks >= 2 } else { at == col };
    fits.then_some(at)
}

/// A message marked as the continuation of the entry above: `+` before a text that does not
/// start with a digit (`+5 more` is a message) or another `+` (the text may be indented, as a
/// stack under the entry is), or a lone `+`.
pub(super) fn marks_continuation(m: &str) -> bool {
    m.strip_prefix('+')
        .is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_digit() || c == '+'))
}

#[cfg(test)]
mod tests {
    use super::super::unindented_matrix::misclassified;
    use super::*;

    #[test]
    fn lone_closers_and_aligned_fields_are_told_by_their_shape() {
        for l in ["}", "]", "},", "})", "  ]  ", "};"] {
            assert!(closes_body(l), "{l:?}");
        }
        for l in ["", "{", "} alpha", "}}}}", "beta }", ",", "]x"] {
            assert!(!closes_body(l), "{l:?}");
        }
        assert_eq!(field_value_col("Alpha:     beta", 0), Some(11));
        assert_eq!(field_value_col("gamma_2:  delta", 0), Some(10));
        assert_eq!(field_value_col("Epsilon: \"zeta\"", 11), None);
        assert_eq!(field_value_col("Epsilonxy: \"zeta\"", 11), Some(11));
        for l in [
            "Alpha: beta",
            "Alpha beta:   gamma",
            "Alpha:   ",
            "9alpha:  beta",
            "alpha",
        ] {
            assert_eq!(field_value_col(l, 0), None, "{l:?}");
        }
    }

    /// `heads` events of a headed source (neutral words), every `every`-th followed by `body`
    /// (none of whose lines carries a header); the lines and whether each must be a head.
    fn file(
        head_of_body: &str,
        body: &[&str],
        plain_after: &[&str],
        every: usize,
    ) -> Vec<(String, bool)> {
        let mut out = Vec::new();
        for i in 0..60 {
            let with_body = i % every == every - 1;
            let m = if with_body {
                head_of_body
            } else {
                "omicron step finished"
            };
            out.push((
                format!(
                    "2024-03-01 09:{:02}:{:02},{:03} INFO rho.sigma: {m}",
                    i / 60,
                    i % 60,
                    i * 7 % 1000
                ),
                true,
            ));
            if with_body {
                out.extend(body.iter().map(|l| ((*l).to_owned(), false)));
                out.extend(plain_after.iter().map(|l| ((*l).to_owned(), true)));
            }
        }
        out
    }

    #[test]
    fn a_lone_closing_bracket_ends_the_body_its_head_opened() {
        // The body's inner lines are indented; only its closing line sits at the margin, and
        // the sample shows no unindented body line after a head that ends unfinished.
        for closer in ["}", "]", "},"] {
            for every in [3, 7] {
                let lines = file(
                    "alpha payload {",
                    &["   \"beta\": \"gamma\",", "   \"delta\": 3", closer],
                    &[],
                    every,
                );
                assert_eq!(misclassified(&lines), vec![], "{closer} every {every}");
            }
        }
        // Must not fire: after a head that opened no body, or with words after the bracket.
        for (head, stray) in [
            ("alpha payload done", "}"),
            ("alpha payload {", "} epsilon left open"),
        ] {
            let lines = file(head, &["   \"beta\": 1"], &[stray], 5);
            assert_eq!(misclassified(&lines), vec![], "{head} / {stray}");
        }
    }

    #[test]
    fn aligned_fields_under_a_headed_line_are_its_body() {
        let block: &[&str] = &[
            "Key:       alpha-7f3a",
            "State:     beta",
            "Function:  gamma_delta",
            "args:      ('epsilon', 3)",
            "Exception: \"ZetaError('eta')\"",
        ];
        for every in [4, 9] {
            let lines = file("theta failed", block, &[], every);
            assert_eq!(misclassified(&lines), vec![], "every {every}");
        }
        // Must not fire: a message with one blank after its label, a field misaligned with the
        // block above it, and fields under a source whose lines carry no header.
        let lines = file(
            "theta failed",
            &["Key:       alpha-7f3a"],
            &["Iota: kappa lambda", "Mu:  nu"],
            5,
        );
        assert_eq!(misclassified(&lines), vec![], "one blank / misaligned");
        let plain: Vec<(String, bool)> = (0..40)
            .flat_map(|i| {
                [
                    (format!("omicron step {i} finished"), true),
                    ("Key:       alpha".to_owned(), true),
                ]
            })
            .collect();
        assert_eq!(misclassified(&plain), vec![], "no header");
    }

    #[test]
    fn a_marked_line_repeating_its_heads_prefix_continues_the_entry() {
        let prefix = |i: usize, k: usize| {
            format!(
                "I240301 09:{:02}:{:02}.{:06} {} alpha/beta.go:{} [gamma,n1] {k}",
                i / 60,
                i % 60,
                i * 37 % 999_999,
                40 + i,
                100 + i % 3
            )
        };
        let mut lines = Vec::new();
        let mut k = 0;
        for i in 0..50 {
            k += 1;
            if i % 6 == 5 {
                let p = prefix(i, k);
                lines.push((format!("{p}  delta summary:"), true));
                for t in [
                    "+epsilon:   zeta",
                    "+  | eta theta iota",
                    "+(1) kappa lambda",
                ] {
                    lines.push((format!("{p} {t}"), false));
                }
            } else {
                lines.push((format!("{} mu step finished", prefix(i, k)), true));
            }
        }
        assert_eq!(misclassified(&lines), vec![]);
        // Must not fire: a marked message under another prefix (the next entry's counter), a
        // message that starts with a number after `+`, and an unmarked line under the same
        // prefix (two events of one moment). The head announces nothing (no `:`), so the
        // repeated-header rule of `record_bounds` has no say either.
        let mut lines = Vec::new();
        for i in 0..50 {
            lines.push((format!("{} nu opened", prefix(i, 2 * i)), true));
            let t = ["+xi omicron", "+5 pi rho", "sigma tau"][i % 3];
            let k = if i % 3 == 0 { 2 * i + 1 } else { 2 * i };
            lines.push((format!("{} {t}", prefix(i, k)), true));
        }
        assert_eq!(misclassified(&lines), vec![]);
        assert!(marks_continuation("+") && marks_continuation("+alpha"));
        assert!(
            marks_continuation("+  | alpha")
                && !marks_continuation("+3 alpha")
                && !marks_continuation("alpha")
        );
    }
}
