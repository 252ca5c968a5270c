//! Failure classes of a supervisor that forwards its workers' output (a driver printing what
//! its remote tasks wrote), as a matrix of neutral lines:
//! - a worker's Python traceback printed without its `Traceback (most recent call last):`
//!   opener under a line with no header: the exception line at the margin that ends the
//!   indented frames continues that line (it was an error event of its own);
//! - a parenthesised source tag then a level word in capitals with its colon
//!   (`(<process>) WARNING: …`): the line has that level.
//!
//! Must-not-fire cells: a margin line after the frames that is not an exception line, and a
//! real error line after the traceback's end, stay heads; a level word in prose after a tag,
//! a title-case exception name after it, or a level word further on, give no level.

use super::unindented_matrix::head_marks as marks;

/// Lines of the file around each cell: headerless worker lines, each a head with no level.
fn worker_lines(out: &mut Vec<String>, from: usize) {
    for i in from..from + 6 {
        out.push(format!(
            "(quill_task pid={i}) Folded {i} sheets into tray {}",
            i % 3
        ));
    }
}

const FRAMES: &[&str] = &[
    "  File \"/srv/orchard/press.py\", line 41, in fold",
    "    tray.fold(sheet)",
    "  File \"/srv/orchard/tray.py\", line 7, in fold",
    "    raise TrayJam(sheet)",
];

fn cell(after_frames: &[&str]) -> (Vec<String>, usize) {
    let mut lines = Vec::new();
    worker_lines(&mut lines, 0);
    let head = lines.len();
    lines.push("quill::fold_task() (pid=4411, ip=10.1.2.3)".to_owned());
    lines.extend(FRAMES.iter().map(|s| (*s).to_owned()));
    lines.extend(after_frames.iter().map(|s| (*s).to_owned()));
    worker_lines(&mut lines, 100);
    (lines, head)
}

#[test]
fn exception_line_ending_frames_without_opener_continues_the_line() {
    for end in [
        "orchard.TrayJamError: sheet 7 stuck",
        "PressError: roller 3 cold",
        "KeyError: 'tray'",
    ] {
        let (lines, head) = cell(&[end]);
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let m = marks(&refs);
        assert_eq!(
            m[head], "H-",
            "{end}: the task line keeps its (absent) level"
        );
        assert!(
            m[head + 1..=head + FRAMES.len() + 1]
                .iter()
                .all(|x| x == "+"),
            "{end}: {m:?}"
        );
        assert_eq!(
            m[head + FRAMES.len() + 2],
            "H-",
            "{end}: the next worker line"
        );
    }
}

#[test]
fn margin_lines_after_frames_that_end_nothing_stay_heads() {
    // Must not fire: a plain margin line after the frames is a head; a real error line after
    // the exception line that ended the traceback stays an error of its own.
    let (lines, head) = cell(&["Folded 3 sheets into tray 1"]);
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let m = marks(&refs);
    assert_eq!(m[head + FRAMES.len() + 1], "H-", "{m:?}");
    let (lines, head) = cell(&[
        "orchard.TrayJamError: sheet 7 stuck",
        "PressError: roller 3 cold",
    ]);
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let m = marks(&refs);
    assert_eq!(m[head + FRAMES.len() + 1], "+", "{m:?}");
    assert_eq!(m[head + FRAMES.len() + 2], "Herror", "{m:?}");
}

#[test]
fn level_word_after_a_source_tag() {
    let mut lines = Vec::new();
    worker_lines(&mut lines, 0);
    let cells: &[(&str, &str)] = &[
        ("(binder) WARNING: 12 presses idle on node 4f0a", "Hwarning"),
        (
            "(quill_task pid=9, ip=10.1.2.3) ERROR: tray 4 lost",
            "Herror",
        ),
        // Must not fire: prose after the tag, an exception's title-case name, lower case,
        // a level word further on, a tag that never closes within its words.
        ("(binder) error rate of tray 4 is 3", "H-"),
        ("(binder) Warning: tray 4 warm", "H-"),
        ("(binder) warning: tray 4 warm", "H-"),
        ("(binder) Folded tray 4 WARNING: warm", "H-"),
        ("(binder a b c d e) WARNING: warm", "H-"),
    ];
    let at = lines.len();
    lines.extend(cells.iter().map(|(l, _)| (*l).to_owned()));
    worker_lines(&mut lines, 50);
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let m = marks(&refs);
    for (k, (line, want)) in cells.iter().enumerate() {
        assert_eq!(m[at + k], *want, "{line}");
    }
}
