//! Quoted names of a kind of work (`for task 'fetch_rows'`, `step "load_items"`, `Task run
//! 'fetch_rows-3'`): a compound identifier in quotes keeps its text through masking, with an
//! instance number after it (`-3`) masked, so the miner can tell whether the name is one of a
//! few recurring kinds of work (a constant of the event) or a value with many spellings (a
//! variable); see `miner::is_quoted_name`.

/// Longest quoted name kept (longer quoted words are values).
const NAME_MAX: usize = 64;

/// Length of the name's stem when `inner` (the text between two quotes) is a compound
/// identifier: it starts with a letter, holds only letters, digits, `_`, `-` and `.`, and its
/// stem (what is left once an instance number `-7` / `_7` is cut off its end) has no digit and
/// is joined by at least one `_`, `-` or `.` between letters (`fetch_rows`, `etl-daily`,
/// `jobs.rebuild`). `None` for a plain word (`alice`), a number, a path, an id with digits
/// inside (`a1b2-c3`), anything with a blank. The stem may equal the whole of `inner`.
pub(crate) fn quoted_name(inner: &[u8]) -> Option<usize> {
    if inner.len() > NAME_MAX || !inner.first()?.is_ascii_alphabetic() {
        return None;
    }
    if !inner
        .iter()
        .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
    {
        return None;
    }
    let digits = inner
        .iter()
        .rev()
        .take_while(|c| c.is_ascii_digit())
        .count();
    let stem = if digits > 0 {
        let cut = inner.len() - digits;
        if !matches!(inner[cut - 1], b'-' | b'_') {
            return None;
        }
        &inner[..cut - 1]
    } else {
        inner
    };
    let joined = stem.windows(3).any(|w| {
        matches!(w[1], b'_' | b'-' | b'.')
            && w[0].is_ascii_alphabetic()
            && w[2].is_ascii_alphabetic()
    });
    // A random id with no digit (`ord_GLuFwmmjqevSuE`) is joined too, but names nothing.
    (joined
        && stem.len() >= 3
        && !stem.iter().any(u8::is_ascii_digit)
        && !super::opaque::scrambled_id(stem))
    .then_some(stem.len())
}

/// Length of `v` when it is a code name in camel case: letters only, cut at each lower-to-upper
/// change into two or more parts of two letters or more (`HardWorker`, `truncateIdle`,
/// `flushOOO`): a class or function name, which after a key (`class=HardWorker`) names the
/// kind of work as a compound name does ([`keyed_name`]). `None` for a plain word (`alpha`,
/// `Alpha`), capitals only (`ALPHA`), letters and digits (`aB3cD`), a part of one letter
/// (`iAlpha`, `xKcdQw`: an id's scramble more than a name).
pub(crate) fn camel_name(v: &[u8]) -> Option<usize> {
    if v.len() > NAME_MAX || v.len() < 4 || !v.iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    let mut parts = 1;
    let mut part = 1;
    for w in v.windows(2) {
        if w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase() {
            if part < 2 {
                return None;
            }
            parts += 1;
            part = 1;
        } else {
            part += 1;
        }
    }
    (parts >= 2 && part >= 2 && !super::opaque::scrambled_id(v)).then_some(v.len())
}

/// Length of a `key=value` value that names a kind of source or work and keeps its text
/// through masking: a compound name ([`quoted_name`], no instance number) or a camel-case
/// code name ([`camel_name`]). The miner judges it as it does a quoted name (a few recurring
/// names are the event's; a family or many are a variable).
pub(crate) fn keyed_name(v: &[u8]) -> Option<usize> {
    quoted_name(v)
        .filter(|&n| n == v.len())
        .or_else(|| camel_name(v))
}

/// Writes the quoted name `q inner q` with its instance number masked (`'fetch_rows-<*>'`), or
/// returns false (writing nothing) when `inner` is not a [`quoted_name`].
pub(super) fn write_quoted_name(q: u8, inner: &[u8], out: &mut Vec<u8>) -> bool {
    let Some(stem) = quoted_name(inner) else {
        return false;
    };
    out.push(q);
    out.extend_from_slice(&inner[..stem]);
    if stem < inner.len() {
        out.push(inner[stem]);
        out.extend_from_slice(super::WILDCARD.as_bytes());
    }
    out.push(q);
    true
}

/// Class: a message that is one token, a name glued to a value (`Zorblex-1.4.2`, a program's
/// banner with its version; `quill_7`): masked whole it would leave a template of one wildcard,
/// which every other lone value (`v1.2.3`, `.:53`) would join. The length of the name and its
/// joiner (`-`, `_`, `/`, `@`) when the token opens with three letters or more, at least one of
/// them outside `a`-`f` (a hex id such as `deadbeef-01` is no name), and a digit follows the
/// joiner; `None` otherwise.
pub(crate) fn glued_name(tok: &[u8]) -> Option<usize> {
    let letters = tok.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    let name = &tok[..letters];
    let joiner = *tok.get(letters)?;
    let rest = &tok[letters + 1..];
    (letters >= 3
        && name
            .iter()
            .any(|c| !matches!(c.to_ascii_lowercase(), b'a'..=b'f'))
        && matches!(joiner, b'-' | b'_' | b'/' | b'@')
        && rest.first().is_some_and(u8::is_ascii_digit))
    .then_some(letters + 1)
}

/// Longest part of a [`qualified_code_name`] (a longer part is an encoded value).
const CODE_PART_MAX: usize = 32;

/// Class: a qualified code name whose parts hold digits glued to letters
/// (`zorp.quux._HTTP11BlimpFactory`, `before-build.s3.GetWidget`, `a.b.ListWidgetsV2`): the
/// path of a class, a hook or an operation, which names the kind of work as a digit-free
/// dotted name does; masked as a piece holding a digit, every such name became one wildcard
/// before the miner could see whether a few of them each recur. True when `p` is three or
/// more `.`-joined parts, each opening with a letter or `_` and made of letters, digits, `_`
/// and `-`, at most [`CODE_PART_MAX`] long, the first (the package or the hook's own name)
/// with no digit; every run of digits follows a letter (`s3`,
/// `HTTP11`, `V2`, never `node-7`, `worker_3`, `ip-10-0-0-1`: an instance number or an
/// address); and one part is written in code's case (a capital after a lower-case letter,
/// `GetWidget`, or a capital then a lower-case letter opening a part, `_Blimp`), which host
/// names (`web01.prod.internal`) never are. Not a version (`v1.2.3`: a part opens with a
/// digit), an address, or a part that is a scramble ([`super::opaque::scrambled_id`]).
pub(crate) fn qualified_code_name(p: &[u8]) -> bool {
    if p.len() < 5 || !(p[0].is_ascii_alphabetic() || p[0] == b'_') {
        return false;
    }
    let mut parts = 0;
    let mut cased = false;
    if p.iter().take_while(|&&c| c != b'.').any(u8::is_ascii_digit) {
        return false;
    }
    for part in p.split(|&c| c == b'.') {
        parts += 1;
        let Some(&first) = part.first() else {
            return false;
        };
        if part.len() > CODE_PART_MAX || !(first.is_ascii_alphabetic() || first == b'_') {
            return false;
        }
        for (i, &c) in part.iter().enumerate() {
            if !(c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-')) {
                return false;
            }
            if c.is_ascii_digit() && i > 0 && !part[i - 1].is_ascii_alphanumeric() {
                return false;
            }
        }
        let body = &part[part.iter().take_while(|&&c| c == b'_').count()..];
        cased |= body
            .windows(2)
            .any(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase())
            || (body.len() >= 2 && body[0].is_ascii_uppercase() && body[1].is_ascii_lowercase());
        if super::opaque::scrambled_id(part) {
            return false;
        }
    }
    parts >= 3 && cased
}

/// A piece holding a digit that is a qualified code name ([`qualified_code_name`]).
/// Byte tests first, so a number, an address or an id costs a few instructions: it opens
/// with a letter or `_`, and its first part (letters, `_`, `-`; no digit) ends at a `.`.
#[inline]
pub(super) fn code_name_piece(p: &[u8]) -> bool {
    p.first()
        .is_some_and(|&c| c.is_ascii_alphabetic() || c == b'_')
        && code_name_after_letter(p)
}

/// [`code_name_piece`] past its first byte's test, out of line so the token loops that call
/// it keep their registers (see `mask::skip_blanks`).
#[inline(never)]
fn code_name_after_letter(p: &[u8]) -> bool {
    let head = p
        .iter()
        .take_while(|&&c| c.is_ascii_alphabetic() || matches!(c, b'_' | b'-'))
        .count();
    p.get(head) == Some(&b'.') && qualified_code_name(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Class: compound identifiers in quotes (snake_case, dash- or dot-joined, with or without
    /// an instance number) are names; plain words, numbers, ids with digits inside, paths,
    /// hosts with digits and free text are not (must not fire).
    #[test]
    fn compound_identifiers_are_quoted_names() {
        assert_eq!(quoted_name(b"alpha_beta"), Some(10));
        assert_eq!(quoted_name(b"alpha-beta-7"), Some(10));
        assert_eq!(quoted_name(b"alpha_beta_12"), Some(10));
        assert_eq!(quoted_name(b"gamma.delta"), Some(11));
        for no in [
            &b"alpha"[..],
            b"alpha7",
            b"12",
            b"a1b2-c3d4",
            b"7alpha_beta",
            b"/srv/alpha_beta",
            b"node-01.alpha",
            b"alpha beta_gamma",
            b"alpha_",
            b"alpha--7",
            b"",
        ] {
            assert_eq!(quoted_name(no), None, "{}", String::from_utf8_lossy(no));
        }
        let mut out = Vec::new();
        assert!(write_quoted_name(b'\'', b"alpha_beta-3", &mut out));
        assert_eq!(out, b"'alpha_beta-<*>'");
        out.clear();
        assert!(write_quoted_name(b'"', b"gamma-delta", &mut out));
        assert_eq!(out, b"\"gamma-delta\"");
        assert!(!write_quoted_name(b'"', b"alpha", &mut out));
    }

    /// Class: a quoted name opening its token keeps its text through masking, single- or
    /// double-quoted; a quoted value after a key (`key="a_b"`), a quoted id and a quoted plain
    /// word in double quotes stay masked (must not fire).
    #[test]
    fn masking_keeps_quoted_names_opening_a_token() {
        let m = super::super::masked;
        assert_eq!(m("Unit 'alpha_beta-3' done"), "Unit 'alpha_beta-<*>' done");
        assert_eq!(
            m("step \"gamma-delta\", lot 4"),
            "step \"gamma-delta\", lot <*>"
        );
        assert_eq!(m("key=\"alpha_beta\" done"), "key=\"<*>\" done");
        assert_eq!(m("Unit 'a1b2-c3d4' done"), "Unit '<*>' done");
        assert_eq!(m("step \"alpha\" done"), "step \"<*>\" done");
    }

    /// Class: a qualified code name holding digits glued to letters (a class, hook or
    /// operation path) keeps its text through masking, in each shape: a digit in the last
    /// part, in a middle part, after a leading `_`, dash-joined words in a part, glued to
    /// `<` or `:`. Must not fire: host names with digits (lower case, or a label opening
    /// with a digit), instance numbers after a joiner, versions, addresses, two-part names
    /// (`Zorp2.java`), a scrambled part, a part of an encoded value.
    #[test]
    fn qualified_code_names_with_digits_keep_their_text() {
        for yes in [
            &b"zorp.quux._HTTP11BlimpFactory"[..],
            b"before-build.s3.GetWidget",
            b"zorp.quux.ListWidgetsV2",
            b"Zorp.Quux.blimp2.run",
            b"zorp.utf8.Decoder",
        ] {
            assert!(qualified_code_name(yes), "{}", String::from_utf8_lossy(yes));
        }
        for no in [
            &b"web07.zeta.internal"[..],
            b"ip-10-0-0-7.zeta.internal",
            b"node-7.Zeta.Quux",
            b"worker_3.Zeta.Quux",
            b"v1.2.3",
            b"zorp.1Quux.Blimp",
            b"Zorp2.java",
            b"zorp.quux.blimp2",
            b"zorp..Blimp2",
            b"zorp.quux.Blimp2:42",
            b"zorp2.quux.Blimp",
            b"zorp.ord_GLuFwmmjqevSuE.Blimp2",
            b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.Sfl",
        ] {
            assert!(!qualified_code_name(no), "{}", String::from_utf8_lossy(no));
        }
        let m = super::super::masked;
        assert_eq!(
            m("Starting unit <zorp.quux._HTTP11BlimpFactory object at 0x7f3a>"),
            "Starting unit <zorp.quux._HTTP11BlimpFactory object at <*>>"
        );
        assert_eq!(
            m("Hook before-build.s3.GetWidget: calling <*>"),
            "Hook before-build.s3.GetWidget: calling <*>"
        );
        assert_eq!(
            m("ran zorp.quux.ListWidgetsV2 in 3"),
            "ran zorp.quux.ListWidgetsV2 in <*>"
        );
        assert_eq!(m("from web07.zeta.internal:8080 ok"), "from <*> ok");
        assert_eq!(m("at zorp.quux.Blimp2:42 ok"), "at zorp.quux.Blimp2:<*> ok");
        assert_eq!(m("version v1.2.3 up"), "version <*> up");
    }
}
