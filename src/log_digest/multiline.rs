//! What a line is when it is not the head of an event: the frames and exception lines of a
//! traceback, a stack trace or a goroutine dump. One classification, used by the event parser
//! ([`super::events`]) to join such lines to their event and by the header inference
//! ([`super::header::HeaderModel::infer`]) to leave them out of the lines it learns from.

/// The line that opens a Python traceback.
pub(crate) const TRACEBACK: &str = "Traceback (most recent call last)";

/// A line (bytes as read, blanks before it allowed) that opens a Python traceback.
#[inline]
pub(crate) fn opens_traceback(line: &[u8]) -> bool {
    line.trim_ascii_start().starts_with(TRACEBACK.as_bytes())
}

/// A line of a Go or Rust stack dump written at the margin: `goroutine 7 [running]:`, a call
/// frame `pkg.(*T).fn(0x1, …)`, `created by …`, `panic(…)`, `[signal …`, `note: …`,
/// `stack backtrace:`, `exit status 2`.
pub(crate) fn is_stack_line(t: &str) -> bool {
    is_goroutine(t)
        || t.ends_with(')')
        || t.ends_with(") ...")
        || t.starts_with("created by ")
        || t.starts_with("[signal ")
        || t.starts_with("note: ")
        || t.starts_with("stack backtrace:")
        || t.starts_with("exit status ")
        || t.starts_with("panic: ")
        || t.starts_with("fatal error: ")
        || t.starts_with("runtime.")
}

/// A call frame's function written at the margin without its arguments, as a logger's stack
/// field prints it (`alpha/beta.(*Gamma).Delta`, `main.main`, each followed by its indented
/// `file:line`): one word, no blank, starting with a letter, with a `.` inside, of identifier
/// characters and `. / ( ) * -` only, ending with a letter, digit or `_`. A sentence (`Done.`),
/// a number, a `key=value` or `host:port` and a line with blanks are none.
pub(crate) fn is_call_path(t: &str) -> bool {
    let b = t.as_bytes();
    if !b.first().is_some_and(u8::is_ascii_alphabetic)
        || !b
            .last()
            .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_')
    {
        return false;
    }
    let mut dot = false;
    for &c in b {
        match c {
            b'.' => dot = true,
            b'/' | b'(' | b')' | b'*' | b'-' | b'_' => {}
            c if c.is_ascii_alphanumeric() => {}
            _ => return false,
        }
    }
    dot && !t.contains("..")
}

/// `goroutine 90 [running]:`: the start of a Go goroutine dump.
pub(crate) fn is_goroutine(t: &str) -> bool {
    t.strip_prefix("goroutine ").is_some_and(|r| {
        let d = r.bytes().take_while(u8::is_ascii_digit).count();
        d > 0 && r[d..].starts_with(" [")
    })
}

/// A Python traceback frame's location line (trimmed at its start): `File "<path>", line <n>`.
pub(crate) fn is_python_frame(t: &str) -> bool {
    t.strip_prefix("File \"")
        .and_then(|r| r.split_once("\", line "))
        .is_some_and(|(path, rest)| {
            !path.is_empty() && rest.as_bytes().first().is_some_and(u8::is_ascii_digit)
        })
}

/// `ValueError: bad`, `java.lang.IllegalStateException: x`, `Error: boom`, `KeyError`; the
/// exception type with a parenthesised code before its colon (`a.b.GammaException (0x8004):
/// x`, `DeltaException (111): y`), and the type in parentheses behind `** ` (`** (a.BetaError)
/// x`), the two other ways runtimes print an exception's first line.
#[inline]
pub(crate) fn looks_like_exception(t: &str) -> bool {
    if let Some(r) = t.strip_prefix("** (") {
        return r.split_once(')').is_some_and(|(word, rest)| {
            (rest.is_empty() || rest.starts_with(' ')) && is_exception_type(word)
        });
    }
    // Bytes, not chars: the word is ASCII, and a non-ASCII character ends it at its first byte.
    let word_end = t
        .bytes()
        .position(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'$')))
        .unwrap_or(t.len());
    let word = &t[..word_end];
    let mut rest = &t[word_end..];
    if let Some(code) = rest.strip_prefix(" (") {
        // a short code (a number, a hex value), nothing else, between the type and its colon
        match code.split_once(')') {
            Some((c, r))
                if !c.is_empty()
                    && c.len() <= 12
                    && c.bytes().all(|b| b.is_ascii_alphanumeric()) =>
            {
                rest = r;
            }
            _ => return false,
        }
        if !rest.starts_with(':') {
            return false;
        }
    }
    !word.is_empty() && (rest.is_empty() || rest.starts_with(':')) && is_exception_type(word)
}

/// A (dotted) type name whose last part names an error or an exception.
pub(crate) fn is_exception_type(word: &str) -> bool {
    if word.is_empty()
        || !word
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'$'))
    {
        return false;
    }
    let last = word.rsplit('.').next().unwrap_or(word);
    last.ends_with("Error") || last.ends_with("Exception") || last == "SystemExit"
}

/// An exception's one-line summary told by its shape alone, whatever its type is called: a
/// class name (dotted module path allowed; its last part starts with a capital and holds a
/// lower-case letter, as class names are written: `GammaRefused`, `alpha.beta.DeltaTimeout`)
/// followed by `: ` and text or by nothing. A bare name needs a second capital
/// (`GammaInterrupt`), so a one-word sentence (`Done`) is none. Only the position of the line
/// (see the callers) says it is an exception line: the shape alone fits `Summary: 3 items`.
pub(crate) fn is_class_summary(t: &str) -> bool {
    let end = t
        .bytes()
        .position(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.')))
        .unwrap_or(t.len());
    let (word, rest) = t.split_at(end);
    let last = word.rsplit('.').next().unwrap_or(word);
    let class = last.as_bytes().first().is_some_and(u8::is_ascii_uppercase)
        && last.bytes().any(|b| b.is_ascii_lowercase())
        && word
            .split('.')
            .all(|p| p.as_bytes().first().is_some_and(u8::is_ascii_alphabetic));
    class
        && if rest.is_empty() {
            last.bytes().filter(u8::is_ascii_uppercase).count() >= 2
        } else {
            rest == ":" || rest.starts_with(": ")
        }
}

/// A stack frame written at the margin as `file:LINE:in 'name'` (or `` `name' ``): a source
/// path, a colon, the line number, `:in ` and the quoted frame name, as interpreters that print
/// a backtrace one frame a line do (`lib/alpha.rb:12:in 'Beta#gamma'`).
pub(crate) fn is_margin_frame(t: &str) -> bool {
    // This runs on every line that could continue an event: a path starts with a letter, `/`,
    // `.` or `~` (not a date's digit, not a bracket), and the location is the line's first
    // word (one byte search, no substring searcher to set up).
    if !t
        .as_bytes()
        .first()
        .is_some_and(|&b| b.is_ascii_alphabetic() || matches!(b, b'/' | b'.' | b'~'))
    {
        return false;
    }
    let Some(sp) = memchr::memchr(b' ', t.as_bytes()) else {
        return false;
    };
    let Some(loc) = t[..sp].strip_suffix(":in") else {
        return false;
    };
    let name = &t[sp + 1..];
    if !name.starts_with(['\'', '`']) {
        return false;
    }
    let Some((file, line)) = loc.rsplit_once(':') else {
        return false;
    };
    !line.is_empty()
        && line.bytes().all(|b| b.is_ascii_digit())
        && !file.is_empty()
        && !file.contains(' ')
        && (file.contains('.') || file.contains('/'))
}

/// A numbered frame of a native stack trace written at the margin, as C and C++ backtrace
/// printers write them: a frame number (`0.`, `#3`, `12:`, `4#`), then the frame, which
/// carries a code address (`@ 0x000000000c800f1b in /usr/bin/prog`, `0x00007f… in fn ()`)
/// or a source location after ` at ` (`fn () at file.cc:42`). A numbered list item (`1.
/// Install the tool`), a date or a clock at the start of a line (`2024.03.01`, `09:00:01`)
/// and a hex number with no frame number before it are none. Cheap on other lines: only a
/// line that starts with a digit or `#` and has its number followed by a mark and a blank
/// is searched further.
pub(crate) fn is_numbered_native_frame(t: &str) -> bool {
    let b = t.as_bytes();
    let start = usize::from(b.first() == Some(&b'#'));
    let digits = b[start..].iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || digits > 4 {
        return false;
    }
    let mut i = start + digits;
    if start == 0 {
        // `0.`, `0:`, `0#`: a mark right after the number.
        if !matches!(b.get(i), Some(b'.' | b':' | b'#')) {
            return false;
        }
        i += 1;
    }
    if b.get(i) != Some(&b' ') {
        return false;
    }
    let rest = &t[i..];
    has_code_address(rest) || at_source_location(rest)
}

/// `0x` and six hex digits or more somewhere in the text: a code address.
fn has_code_address(rest: &str) -> bool {
    memchr::memmem::find_iter(rest.as_bytes(), b"0x").any(|p| {
        rest.as_bytes()[p + 2..]
            .iter()
            .take_while(|c| c.is_ascii_hexdigit())
            .count()
            >= 6
    })
}

/// ` at file.ext:NN` ending the text: a frame's source location.
fn at_source_location(rest: &str) -> bool {
    let Some((_, loc)) = rest.trim_end().rsplit_once(" at ") else {
        return false;
    };
    let Some((file, line)) = loc.rsplit_once(':') else {
        return false;
    };
    !line.is_empty()
        && line.bytes().all(|c| c.is_ascii_digit())
        && file.contains('.')
        && !file.contains(' ')
}

/// The lines of a sample that may be heads of events, in order: what is left once blank and
/// indented lines, JSON records (read as records, not split by a header), tracebacks (from
/// their `Traceback` line to their exception line), exception and `Caused by:` lines and
/// goroutine dumps are taken out.
pub(crate) fn head_candidates<'a>(sample: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut in_traceback = false;
    let mut in_stack = false;
    sample
        .into_iter()
        .filter(|l| {
            let indented = l.starts_with([' ', '\t']);
            if is_goroutine(l) {
                in_stack = true;
                return false;
            }
            if in_stack {
                in_stack = l.trim().is_empty() || indented || is_stack_line(l);
                if in_stack {
                    return false;
                }
            }
            let exception = looks_like_exception(l);
            if l.starts_with(TRACEBACK) {
                in_traceback = true;
                return false;
            }
            if in_traceback {
                in_traceback = !exception;
                return false;
            }
            !l.trim().is_empty()
                && !indented
                && !l.starts_with(['{'])
                && !l.starts_with("Caused by:")
                && !exception
                && !is_margin_frame(l)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_exceptions_and_dumps_are_not_head_candidates() {
        let lines = [
            "2024-01-02 10:00:00 INFO alpha started",
            "Traceback (most recent call last):",
            "  File \"a.py\", line 3, in f",
            "frame drawn at the margin",
            "pkg.BetaError: gamma failed",
            "2024-01-02 10:00:01 WARN alpha slow",
            "goroutine 7 [running]:",
            "main.delta(0x1, 0x2)",
            "created by main.epsilon",
            "2024-01-02 10:00:02 INFO alpha stopped",
            "Caused by: zeta",
            "{\"msg\": \"record\"}",
            "",
            "    indented",
        ];
        assert_eq!(
            head_candidates(lines),
            vec![
                "2024-01-02 10:00:00 INFO alpha started",
                "2024-01-02 10:00:01 WARN alpha slow",
                "2024-01-02 10:00:02 INFO alpha stopped",
            ]
        );
    }

    #[test]
    fn call_paths_without_arguments_at_the_margin() {
        // Class: the function lines of a stack printed without arguments (a logger's stack
        // field); what must not read as one: sentences, numbers, pairs, lines with blanks.
        for yes in [
            "alpha/beta.(*Gamma).Delta",
            "main.main",
            "delta.epsilon_2",
            "a-b/c.D",
        ] {
            assert!(is_call_path(yes), "{yes}");
        }
        for no in [
            "Done.",
            "1.5",
            "alpha",
            "alpha beta.gamma",
            "alpha=beta.gamma",
            "alpha.beta:8080",
            "alpha..beta",
            "alpha.beta,",
            "",
        ] {
            assert!(!is_call_path(no), "{no}");
        }
    }

    #[test]
    fn exception_words() {
        assert!(looks_like_exception("ValueError: bad"));
        assert!(looks_like_exception("a.b.GammaException: x"));
        assert!(looks_like_exception("KeyError"));
        assert!(!looks_like_exception("Error rate is high"));
        assert!(!looks_like_exception("alpha beta: Error"));
        assert!(is_goroutine("goroutine 12 [select]:"));
    }

    #[test]
    fn exception_with_a_code_or_behind_stars() {
        // the type, a parenthesised code, then the colon
        assert!(looks_like_exception(
            "alpha.BetaException (0x80004005): gamma delta"
        ));
        assert!(looks_like_exception("alpha.GammaException (111): delta"));
        assert!(!looks_like_exception(
            "alpha.GammaException (some words): delta"
        ));
        assert!(!looks_like_exception("Error (3) occurred"));
        // the type in parentheses behind two stars
        assert!(looks_like_exception("** (alpha.BetaError) gamma refused"));
        assert!(looks_like_exception("** (KappaError) lambda mu: %{}"));
        assert!(!looks_like_exception("** (alpha beta) gamma"));
        assert!(!looks_like_exception("** (exit) normal"));
    }

    #[test]
    fn class_summaries_by_shape() {
        // Class: an exception line whose type is named freely (no Error/Exception suffix).
        for yes in [
            "GammaRefused: delta says - Bad epsilon: zeta",
            "alpha.beta.DeltaTimeout: 429, kappa='x'",
            "KappaInterrupt",
            "Lambda:",
            "ZetaError: x",
        ] {
            assert!(is_class_summary(yes), "{yes}");
        }
        // Must not fire: a sentence, a level word in capitals, a lower-case word, a path, a
        // `key=value`, a bare capitalised word, a word followed by anything but `: `.
        for no in [
            "Done",
            "Delta epsilon: zeta",
            "ERROR: kappa",
            "alpha: beta",
            "alpha.beta: gamma",
            "Gamma=delta: x",
            "Kappa:8080",
            "/srv/Alpha: x",
            "1.Beta: x",
            "",
        ] {
            assert!(!is_class_summary(no), "{no}");
        }
    }

    #[test]
    fn frames_at_the_margin() {
        assert!(is_margin_frame(
            "/srv/alpha/beta.rb:153:in 'Gamma::Delta#epsilon'"
        ));
        assert!(is_margin_frame("lib/alpha.rb:12:in `block in beta'"));
        assert!(is_margin_frame("alpha/beta:7:in '<main>'"));
        assert!(!is_margin_frame("alpha beta:12:in 'gamma'"));
        assert!(!is_margin_frame("alpha.rb:x:in 'gamma'"));
        assert!(!is_margin_frame("retrying in 5s: alpha:12:in progress"));
        assert!(!is_margin_frame("alpha: logged in 'beta'"));
        assert!(!is_goroutine("goroutine leak detected"));
    }
}
