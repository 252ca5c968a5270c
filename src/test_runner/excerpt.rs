//! Excerpts: what a report shows of a failed or timed-out test. The last lines of its output,
//! a timed-out test's reason and innermost stack frames (its own thread's, from faulthandler or
//! the goroutine dump), and text made safe to show anywhere (no terminal escape codes).

/// Marks where a timed-out test's faulthandler dump starts in its excerpt.
pub const STACK_MARKER: &str = "--- stack (faulthandler) ---";

/// Marks where a timed-out Go test's goroutine stack (from SIGQUIT) starts in its excerpt.
pub const GO_STACK_MARKER: &str = "--- stack (goroutine dump) ---";

/// The last `n` non-empty lines of `text`.
pub fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// `text` without terminal escape sequences (colours, cursor moves): test output often has
/// them, and a report file or a JSON consumer must not get raw ESC bytes.
pub fn strip_ansi(text: &str) -> String {
    if !text.contains('\u{1b}') {
        return text.to_string();
    }
    strip_ansi_escapes::strip_str(text)
}

/// The innermost frames of a Go goroutine stack (`pkg.Func(args)` followed by a tab-indented
/// `file:line +0x..` line), as `pkg.Func (file.go:12)`, runtime frames left out.
fn go_frames(stack: &str) -> Vec<String> {
    let lines: Vec<&str> = stack
        .lines()
        .skip_while(|l| !l.starts_with("goroutine "))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .collect();
    let mut frames = Vec::new();
    for pair in lines.windows(2) {
        let (func, place) = (pair[0], pair[1]);
        if func.starts_with('\t') || !place.starts_with('\t') || func.starts_with("runtime.") {
            continue;
        }
        let name = func.rfind('(').map_or(func, |i| &func[..i]);
        let file = place.trim().split(' ').next().unwrap_or("");
        let file = file.rsplit('/').next().unwrap_or(file);
        frames.push(format!("{name} ({file})"));
    }
    frames
}

/// The `File …` lines of the test's own thread in a faulthandler dump: the block headed
/// `Current thread` (the thread that took the signal, pytest's main thread, where the test
/// runs), else the first block. Other threads (a plugin's server in `accept`) come first in
/// the dump and say nothing about the hang.
fn python_frames(stack: &str) -> Vec<String> {
    let blocks: Vec<&str> = stack.split("\n\n").collect();
    let own = blocks
        .iter()
        .find(|b| b.trim_start().starts_with("Current thread"))
        .or_else(|| blocks.iter().find(|b| b.contains("File ")));
    own.map(|b| {
        b.lines()
            .map(str::trim)
            .filter(|l| l.starts_with("File "))
            .map(str::to_string)
            .collect()
    })
    .unwrap_or_default()
}

/// A timed-out test in a few lines: the reason, the last output lines, and the innermost
/// frames of the stack (faulthandler and Go both print the most recent call first).
pub fn timeout_excerpt(excerpt: &str) -> String {
    let (head, stack, go) = match excerpt.split_once(STACK_MARKER) {
        Some((h, s)) => (h, s, false),
        None => match excerpt.split_once(GO_STACK_MARKER) {
            Some((h, s)) => (h, s, true),
            None => (excerpt, "", false),
        },
    };
    let mut lines: Vec<&str> = head.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.len() > 7 {
        let first = lines[0];
        let tail = lines.split_off(lines.len() - 6);
        lines = std::iter::once(first).chain(tail).collect();
    }
    let frames: Vec<String> = if go {
        go_frames(stack)
    } else {
        python_frames(stack)
    };
    let mut out = lines.join("\n");
    if !frames.is_empty() {
        out.push_str("\nstack (innermost first):");
        for f in frames.into_iter().take(4) {
            out.push_str("\n  ");
            out.push_str(&f);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeout_excerpt_keeps_reason_output_and_inner_frames() {
        let e = format!(
            "timed out after 5s\n--- captured stdout ---\nworking\n{STACK_MARKER}\nCurrent thread 0x1 (most recent call first):\n  File \"t.py\", line 3 in test_x\n  File \"runner.py\", line 9 in call\n"
        );
        assert_eq!(
            timeout_excerpt(&e),
            "timed out after 5s\n--- captured stdout ---\nworking\nstack (innermost first):\n  File \"t.py\", line 3 in test_x\n  File \"runner.py\", line 9 in call"
        );
    }

    #[test]
    fn timeout_excerpt_shows_the_current_thread_not_the_first() {
        let e = format!(
            "timed out after 5s\n{STACK_MARKER}\nThread 0x2 (most recent call first):\n  File \"socketserver.py\", line 235 in serve_forever\n  File \"threading.py\", line 982 in run\n\nCurrent thread 0x1 (most recent call first):\n  File \"tests/test_db.py\", line 12 in test_query\n  File \"python.py\", line 194 in pytest_pyfunc_call\n"
        );
        let shown = timeout_excerpt(&e);
        assert!(
            shown.contains("test_db.py\", line 12 in test_query"),
            "{shown}"
        );
        assert!(!shown.contains("serve_forever"), "{shown}");
    }

    #[test]
    fn timeout_excerpt_shows_go_frames_without_the_runtime() {
        let e = format!(
            "timed out after 5s (--test-timeout)\n--- last output ---\nwaiting\n{GO_STACK_MARKER}\ngoroutine 20 [sleep]:\nruntime.gopark(0x1)\n\t/go/src/runtime/proc.go:363 +0xd6\ntime.Sleep(0x34630b8a000)\n\t/go/src/runtime/time.go:195 +0x135\nexample.com/hangs.TestHangs(0xc000096b60)\n\t/p/hangs_test.go:33 +0x114\ntesting.tRunner(0xc0, 0x5)\n\t/go/src/testing/testing.go:1446 +0x10b\ntesting.(*T).Run.func1()\n\t/go/src/testing/testing.go:1493 +0x2a\n\ngoroutine 1 [chan receive]:\nmain.main()\n\t_testmain.go:57 +0x1aa\n"
        );
        assert_eq!(
            timeout_excerpt(&e),
            "timed out after 5s (--test-timeout)\n--- last output ---\nwaiting\nstack (innermost first):\n  time.Sleep (time.go:195)\n  example.com/hangs.TestHangs (hangs_test.go:33)\n  testing.tRunner (testing.go:1446)\n  testing.(*T).Run.func1 (testing.go:1493)"
        );
    }

    #[test]
    fn last_lines_skips_blank_lines() {
        assert_eq!(last_lines("a\n\nb\nc\n\n", 2), "b\nc");
    }

    #[test]
    fn escape_codes_are_stripped() {
        assert_eq!(strip_ansi("\u{1b}[31mFAILED\u{1b}[0m x"), "FAILED x");
        assert_eq!(strip_ansi("plain"), "plain");
    }
}
