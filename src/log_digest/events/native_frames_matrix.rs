//! Failure class: a native stack (C, C++) printed under its record one numbered frame a
//! line at the margin, with no header, maybe after a blank line (see
//! [`crate::log_digest::multiline::is_numbered_native_frame`]), as an enumerated matrix. The
//! record and its frames are one event and one error, whatever the header's shape and the
//! frame printer's shape. Must not fire: a numbered list with no code address or source
//! location after a record, and a headed record whose message has a frame's shape, stay
//! events of their own; the next headed record after the stack is a head. Words are made up.

use super::unindented_matrix::heads_and_errors;
use crate::log_digest::matrix_tally::Tally;

/// `(name, render(i, level, message))`.
type Render = fn(usize, &str, &str) -> String;
const HEADERS: &[(&str, Render)] = &[
    ("dotted date, thread, id, <Level>", |i, l, m| {
        let l = format!("{}{}", &l[..1].to_uppercase(), &l[1..]);
        format!(
            "2031.07.04 08:{:02}:{:02}.{:06} [ {} ] {{}} <{l}> Quorbel: {m}",
            i / 60 % 60,
            i % 60,
            i * 7919 % 1_000_000,
            100 + i % 7
        )
    }),
    ("iso LEVEL [name]", |i, l, m| {
        format!(
            "2031-07-04T08:{:02}:{:02}.{:03}Z {:<5} [zint.vob] {m}",
            i / 60 % 60,
            i % 60,
            i * 13 % 1000,
            l.to_uppercase()
        )
    }),
    ("time [level]", |i, l, m| {
        format!("08:{:02}:{:02} [{l}] {m}", i / 60 % 60, i % 60)
    }),
];

/// `(name, frame(k))`: the printers' shapes, frame `k` of a stack.
type Frame = fn(usize) -> String;
const FRAMES: &[(&str, Frame)] = &[
    ("N. sym @ 0xaddr in /path", |k| {
        format!(
            "{k}. Blov::Trask::grindel(Blov::Pem const&, int) @ 0x00000000{:08x} in /opt/blov/bin/blovd",
            0x0c80_0f1b + k * 977
        )
    }),
    ("#N 0xaddr in sym () from lib", |k| {
        format!(
            "#{k}  0x00007f3a{:08x} in zorp_mangle () from /lib/libzorp.so.6",
            k * 4099
        )
    }),
    ("#N sym () at file:line", |k| {
        format!("#{k}  quint_frob (ctx=0x0) at src/quint/frob.c:{}", 40 + k)
    }),
    ("N: sym @ 0xaddr", |k| {
        format!("{k}: vesk_turn @ 0x{:012x}", 0x5561_2000 + k * 16)
    }),
];

fn file(header: Render, frame: Frame, frames: usize, blank: bool) -> Vec<(String, bool)> {
    let mut lines = Vec::new();
    let mut i = 0;
    let mut head = |lines: &mut Vec<(String, bool)>, l: &str, m: &str| {
        i += 1;
        lines.push((header(i, l, m), true));
    };
    for round in 0..6 {
        head(&mut lines, "info", "plonk opened for brask 12");
        head(&mut lines, "debug", "wendle tally 7 of 9");
        head(
            &mut lines,
            "error",
            "Code: 41. Frobnication of trel 3 refused",
        );
        if blank {
            lines.push((String::new(), false));
        }
        for k in 0..frames {
            lines.push((frame(k + round), false));
        }
        head(&mut lines, "info", "plonk closed for brask 12");
    }
    lines
}

#[test]
fn numbered_native_frames_join_their_record_in_every_cell() {
    let mut tally = Tally::default();
    let mut expected = 0;
    for (hname, header) in HEADERS {
        for (fname, frame) in FRAMES {
            for frames in [1, 4] {
                for blank in [false, true] {
                    expected += 1;
                    let cell = format!("{hname} / {fname} / {frames} frames / blank {blank}");
                    let lines = file(*header, *frame, frames, blank);
                    tally.cell(heads_and_errors(&cell, &lines, 6));
                }
            }
        }
    }
    tally.finish(expected);
}

#[test]
fn numbered_lines_that_are_not_frames_stay_events_of_their_own() {
    let mut tally = Tally::default();
    let mut expected = 0;
    for (hname, header) in HEADERS {
        expected += 1;
        let mut lines = Vec::new();
        for i in 0..6 {
            lines.push((header(2 * i, "info", "quessel plan for brask 4"), true));
            // A numbered list item: no code address, no source location.
            lines.push((format!("{}. Tarnish the wobbet before 0x12", i + 1), true));
            lines.push((header(2 * i + 1, "warning", "grask 5 late"), true));
        }
        tally.cell(heads_and_errors(hname, &lines, 0));
    }
    // A headed record whose message has a frame's shape is a record: its header holds more
    // than a frame number.
    for (hname, header) in HEADERS {
        expected += 1;
        let mut lines = Vec::new();
        for i in 0..6 {
            lines.push((header(2 * i, "info", "quessel plan for brask 4"), true));
            lines.push((header(2 * i + 1, "info", &(FRAMES[0].1)(i)), true));
        }
        tally.cell(heads_and_errors(hname, &lines, 0));
    }
    tally.finish(expected);
}
