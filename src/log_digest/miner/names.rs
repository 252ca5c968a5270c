//! Quoted names of a kind of work in the miner (see `mask::names` for how they survive
//! masking): which tokens are such names, and when a position's names are one family of
//! values rather than kinds of work; and the short-choice words (an order's side, a flag) that
//! are one parameter's few values.

use super::{mask, Cluster, Vocab, WILD, WILDCARD};

/// A quoted compound identifier, possibly with its instance number masked (`'fetch_rows'`,
/// `"load-items",`, `'fetch_rows-<*>'`; see `mask::names`): a code name, which the split keeps
/// as a constant when a few such names each recur (the name of a kind of work) and leaves a
/// variable when they are many (a run's generated name, a user).
pub(super) fn is_quoted_name(t: &str) -> bool {
    let t = t.trim_end_matches([',', '.', ';', ':', ')', ']']);
    let t = t.trim_start_matches(['(', '[']);
    let b = t.as_bytes();
    // A keyed compound or camel-case name (`key=jobs.sweep`, `key=GearTurner`) is read like
    // a quoted one (mask keeps it).
    if let Some(key) = mask::field_key(t) {
        let v = &t[key.len() + 1..];
        return mask::keyed_name(v.as_bytes()).is_some();
    }
    if b.len() < 5 || !matches!(b[0], b'\'' | b'"') || b[b.len() - 1] != b[0] {
        return false;
    }
    let inner = &t[1..t.len() - 1];
    let stem = inner
        .strip_suffix(WILDCARD)
        .and_then(|s| s.strip_suffix(['-', '_']))
        .unwrap_or(inner);
    mask::quoted_name(stem.as_bytes()) == Some(stem.len())
}

/// An unquoted compound name of letters only: snake_case (`order_sync`, lower-case parts of
/// two or more letters) or CamelCase (`FetchQuotes`, `fetchQuotes`: humps of two or more
/// letters), two to four parts, maybe followed by a colon. The name of a task, job, handler or
/// function, which the split keeps as a constant when a few such names each recur. Not a ticker
/// or code (`QZXUSD`, one upper-case run), a plain word, a user or host name with digits or
/// one-letter parts (`j_doe`, `node_7`), or a hyphenated or dotted word.
pub(super) fn is_compound_name(t: &str) -> bool {
    // A label's colon (`Running node: clean_quotes: ...`) is not part of the name.
    let t = t.strip_suffix(':').unwrap_or(t);
    let b = t.as_bytes();
    if b.len() < 5 || b.len() > 40 || !b.iter().all(|c| c.is_ascii_alphabetic() || *c == b'_') {
        return false;
    }
    let parts: Vec<usize> = if t.contains('_') {
        if t.bytes().any(|c| c.is_ascii_uppercase()) {
            return false;
        }
        t.split('_').map(str::len).collect()
    } else {
        // Humps: a new part at each upper-case letter; an upper-case run is not CamelCase.
        let mut parts = vec![0usize];
        for (i, &c) in b.iter().enumerate() {
            if c.is_ascii_uppercase() {
                if i > 0 && b[i - 1].is_ascii_uppercase() {
                    return false;
                }
                if i > 0 {
                    parts.push(0);
                }
            }
            *parts.last_mut().unwrap_or(&mut 0) += 1;
        }
        parts
    };
    (2..=4).contains(&parts.len()) && parts.iter().all(|&n| n >= 2)
}

/// A capitalised word of letters only, three to twenty of them (`Navigate`, `Quit`): one
/// hump of a CamelCase name. Class: a command, handler or task name of one word written in the
/// convention of the CamelCase names beside it (`COMMAND Navigate {` among `COMMAND FindElement
/// {`); the miner judges it as a compound name only at a position where compound names are at
/// least as many, never alone (a capitalised user name or weekday is a value).
pub(super) fn is_capitalised_word(t: &str) -> bool {
    let b = t.as_bytes();
    (3..=20).contains(&b.len())
        && b[0].is_ascii_uppercase()
        && b[1..].iter().all(u8::is_ascii_lowercase)
}

/// The name of a call-shaped token (`FetchQuotes(day=<*>,sym=<*>)`, `run_job(<*>),`; see
/// `mask::spans::write_call_args`): the part before its first `(` when the token ends with
/// the `)` that closes it (then maybe `,.;:`). Class: a task, job or function written as a
/// call, whose name says what kind of work it is; the miner judges that name as it judges a
/// bare compound name ([`is_compound_name`]).
pub(super) fn call_name(t: &str) -> Option<&str> {
    let open = t.find('(')?;
    let body = t.trim_end_matches([',', '.', ';', ':']);
    (open > 0 && body.ends_with(')')).then(|| &t[..open])
}

/// A call-shaped token whose name is a compound name ([`call_name`], [`is_compound_name`],
/// or one qualified by its module, [`qualified_last`]): judged by that name, its masked
/// arguments aside; not a wildcard-holding variable.
pub(super) fn is_compound_call(t: &str) -> bool {
    call_name(t).is_some_and(|n| is_compound_name(n) || is_qualified_name(n))
}

/// The last part of a module-qualified name: identifier parts (letters, digits, `_`, not
/// starting with a digit) joined by `::`, `.` or `:` (`zork::grind_beans`,
/// `__main__.grind_beans`, `pkg.mod:grind_beans`), two or more of them, maybe followed by
/// `()`; a lone `:` only after a dotted module. Class: a task or function written with its module or namespace, which names the
/// same kind of work as its last part. Not a version or number (`1.2.3`: parts start with a
/// digit), a path or URL (`/`), an address, or anything with other punctuation.
pub(super) fn qualified_last(t: &str) -> Option<&str> {
    let t = t.strip_suffix("()").unwrap_or(t);
    let b = t.as_bytes();
    if b.len() < 7 || b.len() > 80 {
        return None;
    }
    let mut parts = 1usize;
    let mut start = 0usize;
    let mut i = 0usize;
    let mut dotted = false;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_alphanumeric() || c == b'_' {
            if i == start && c.is_ascii_digit() {
                return None;
            }
            i += 1;
            continue;
        }
        let double = c == b':' && b.get(i + 1) == Some(&b':');
        // A lone `:` only after a dotted module (`pkg.mod:func`): `user:jo_doe` is a field.
        if !matches!(c, b'.' | b':') || i == start || (c == b':' && !double && !dotted) {
            return None;
        }
        dotted |= c == b'.';
        i += if double { 2 } else { 1 };
        start = i;
        parts += 1;
    }
    (parts >= 2 && start < b.len()).then(|| &t[start..])
}

/// A module-qualified name ([`qualified_last`]) whose last part is a compound name
/// ([`is_compound_name`]: `zork::grind_beans()`, `__main__.GrindBeans`), judged as that
/// compound name. A dotted host (`api.alpha.zeta`: its last label a plain word) is not one.
pub(super) fn is_qualified_name(t: &str) -> bool {
    qualified_last(t).is_some_and(is_compound_name)
}

/// Words that introduce an object (`from`, `to`, `into`, `on`, …, any case): a name right
/// after one (`Saving data to daily_report`, `SELECT * FROM order_items`) is the object acted
/// on, a variable, not the kind of work.
const OBJECT_PREPOSITIONS: &[&str] = &[
    "from", "to", "into", "onto", "on", "at", "by", "for", "of", "in", "with", "via",
];

/// Whether the constant word right before position `p` of a template is one of
/// [`OBJECT_PREPOSITIONS`].
fn after_preposition(template: &[u32], p: usize, vocab: &Vocab) -> bool {
    p.checked_sub(1)
        .and_then(|q| template.get(q))
        .is_some_and(|&t| {
            t != WILD
                && OBJECT_PREPOSITIONS
                    .iter()
                    .any(|w| w.eq_ignore_ascii_case(vocab.text[t as usize]))
        })
}

/// Whether more unquoted compound names ([`is_compound_name`]) at one position than the few
/// values any word may take (`task order_sync done`, `task price_feed done`, …) tell events
/// apart: only when each recurs (`lines`: how many lines hold each value), they are not one
/// family ([`one_family`]), and they are not the object of a preposition
/// (`saved to daily_report`).
pub(super) fn compound_names_apart(
    values: &[u32],
    lines: &[u64],
    template: &[u32],
    p: usize,
    vocab: &Vocab,
) -> bool {
    lines.iter().all(|&n| n >= 2)
        && !one_family(values, vocab)
        && !after_preposition(template, p, vocab)
}

/// Whether quoted or compound names ([`is_quoted_name`], [`is_compound_name`]) at one position
/// all share their first or their last part (`"alpha_key"`, `"beta_key"`; `'db.main.alpha'`,
/// `'db.main.beta'`; `TimeoutError`, `ValueError`): instances of one family of objects that
/// differ in one part, the variable, not kinds of work.
pub(super) fn one_family(values: &[u32], vocab: &Vocab) -> bool {
    if !values
        .iter()
        .all(|&v| vocab.quoted[v as usize] || vocab.compound[v as usize])
    {
        return false;
    }
    let parts = |v: u32| {
        let t = vocab.text[v as usize];
        let t = call_name(t).unwrap_or(t);
        // A module-qualified name is judged by its last part (`a.TimeoutError`,
        // `b.TimeoutError`: one family; `__main__.grind_beans`, `__main__.sort_marbles`: not).
        let t = if is_qualified_name(t) {
            qualified_last(t).unwrap_or(t)
        } else {
            t
        };
        let key = mask::field_key(t);
        let t = key.map_or(t, |k| &t[k.len() + 1..]);
        let t = t.trim_matches(|c: char| !c.is_ascii_alphanumeric());
        let t = t.strip_suffix(WILDCARD).unwrap_or(t);
        if key.is_none() && !t.contains(['_', '-', '.']) {
            // CamelCase: the humps are the parts (`TimeoutError`, `ValueError`: one family).
            // Not after a key: the key already says what the value is (`class=PriceSyncJob`,
            // `class=ReportMailerJob`), and a shared last hump is then the naming convention
            // of that kind of value, not a family of instances.
            let humps: Vec<usize> = t
                .char_indices()
                .filter(|&(i, c)| i > 0 && c.is_ascii_uppercase())
                .map(|(i, _)| i)
                .collect();
            if let (Some(&a), Some(&b)) = (humps.first(), humps.last()) {
                return (&t[..a], &t[b..]);
            }
        }
        let mut p = t.split(['_', '-', '.']).filter(|p| !p.is_empty());
        let first = p.next().unwrap_or("");
        (first, p.next_back().unwrap_or(first))
    };
    let (first, last) = parts(values[0]);
    values[1..].iter().all(|&v| parts(v).0 == first)
        || values[1..].iter().all(|&v| parts(v).1 == last)
}

/// A wildcard where every member holds a keyed name of one key (`unit=gear.belt`,
/// `unit=vat.belt`: names the split left a variable) keeps its key: `unit=<*>`.
pub(super) fn keyed_wildcards(
    text: &mut String,
    names: &[&str],
    c: &Cluster,
    toks: &[Vec<u32>],
    quoted: &[bool],
    field: &[u32],
) {
    // Members folded in from a shorter template (`gaps`) do not line up with it: no key.
    if c.members
        .iter()
        .any(|&m| toks[m as usize].len() != c.template.len())
    {
        return;
    }
    let keyed = |p: usize| {
        let first = toks[c.members[0] as usize][p];
        let k = field[first as usize];
        (k != 0
            && c.members.iter().all(|&m| {
                let v = toks[m as usize][p];
                quoted[v as usize] && field[v as usize] == k
            }))
        .then_some(first)
    };
    if !c
        .template
        .iter()
        .enumerate()
        .any(|(p, &t)| t == WILD && keyed(p).is_some())
    {
        return;
    }
    let mut s = String::new();
    for (p, &t) in c.template.iter().enumerate() {
        if p > 0 {
            s.push(' ');
        }
        match keyed(p).filter(|_| t == WILD) {
            Some(v) => {
                let name = names[v as usize];
                let key = mask::field_key(name).unwrap_or("");
                s.push_str(key);
                s.push('=');
                s.push_str(WILDCARD);
            }
            None => s.push_str(names[t as usize]),
        }
    }
    *text = s;
}

/// A dotted code name of three or more parts (`pkg.jobs.run_report`).
///
/// Not a host name in the absolute form DNS writes it in, closed by the root's dot and
/// followed by a field or a colon (`api.alpha.zeta.`, `api.alpha.zeta.:`): DNS servers and
/// resolvers log the queried names so, and those are values (the hosts asked for), not kinds
/// of work; a recurring few of them must not become constants. A code name at the end of a
/// sentence (`Loaded pkg.jobs.run.` at the end of a line) looks alike but only as the last
/// token; the tokens here come one by one, so the form `name.` alone says it, and the cost
/// is that such a sentence-final name is a variable too.
pub(super) fn is_dotted_name(t: &str) -> bool {
    if is_absolute_host(t) || is_domain_host(t) {
        return false;
    }
    let t = t.trim_matches(|c: char| c.is_ascii_punctuation() && c != '_');
    let parts = t.split('.').count();
    parts >= 3
        && t.split('.').all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        })
}

/// A host name in DNS's absolute form (`api.alpha.zeta.`, optionally followed by one `:` or
/// `,`): labels of letters, digits and `-` (starting with a letter or digit), three or more of
/// them, the last one letters only, and the root's dot after it.
pub(super) fn is_absolute_host(t: &str) -> bool {
    let t = t.strip_suffix([':', ',']).unwrap_or(t);
    let Some(name) = t.strip_suffix('.') else {
        return false;
    };
    let labels: Vec<&str> = name.split('.').collect();
    labels.len() >= 3
        && labels.iter().all(|l| {
            l.as_bytes().first().is_some_and(u8::is_ascii_alphanumeric)
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        && labels[labels.len() - 1]
            .bytes()
            .all(|b| b.is_ascii_alphabetic())
}

/// Generic top-level domains: the last label of the host names services log (a class of DNS
/// names, not one dataset's words). Left out: suffixes that also end module paths
/// (`config.settings.local`, `proj.wsgi.app`, `settings.dev`, `unit.test`).
const GENERIC_TLDS: &[&str] = &[
    "com",
    "net",
    "org",
    "io",
    "edu",
    "gov",
    "internal",
    "localdomain",
    "example",
];

/// A host name in DNS's relative form (`db1.vexor.net`, `(api.zorbex.io),`, `peer=a.b.org`):
/// after an optional `key=`, between optional brackets, quotes and a trailing `,;:`, labels of
/// letters, digits and `-` (starting with a letter or digit), two or more, the last one a
/// generic top-level domain ([`GENERIC_TLDS`], any case). Class: a host a message names (a
/// peer, a server asked); a recurring few of them are values, never the kind of work a dotted
/// code name (`pkg.jobs.run_report`) says. Not a module path (`_` in a label, a last part
/// that is no top-level domain), a version, or a word with other punctuation.
pub(super) fn is_domain_host(t: &str) -> bool {
    let t = t.rsplit('=').next().unwrap_or(t);
    let name = t.trim_matches(|c: char| {
        matches!(
            c,
            '(' | ')' | '[' | ']' | '<' | '>' | '{' | '}' | '"' | '\'' | ',' | ';' | ':'
        )
    });
    let Some((rest, tld)) = name.rsplit_once('.') else {
        return false;
    };
    GENERIC_TLDS.iter().any(|g| g.eq_ignore_ascii_case(tld))
        && rest.split('.').all(|l| {
            l.as_bytes().first().is_some_and(u8::is_ascii_alphanumeric)
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// `<*>:run_report` or `<*>:run_report(<*>)`: an id glued by a colon to a function's name
/// (letters and underscores, at least three), which may be followed by its arguments.
///
/// Also a dotted code name glued to one run's id in brackets (`proj.tasks.send_mail[<*>]`,
/// maybe followed by `:` or `,`): identifier parts (letters, digits, `_`, not starting with a
/// digit) joined by `.`, two or more. Class: a task queue's line for one run of a task, named
/// by the task's module path with the run's id glued on; the name says the kind of work, so a
/// few such names that each recur keep their events apart as a bare dotted code name does.
/// Not a program tag with its pid (`daemon[<*>]:`, no dot) nor a bracket holding words.
pub(super) fn is_glued_name(t: &str) -> bool {
    let Some(rest) = t.strip_prefix(WILDCARD).and_then(|r| r.strip_prefix(':')) else {
        return bracketed_run(t);
    };
    let name = rest.split('(').next().unwrap_or("");
    name.len() >= 3
        && name.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_')
        && (name.len() == rest.len() || rest.as_bytes()[name.len()] == b'(')
}

/// The sets of words that name the few values of one parameter of an action: an order's side
/// or direction, a flag, a state. Words of one set at one position of an event are a variable.
/// The first [`VALUE_SETS`] sets are values a program prints (a side, a flag, a transport);
/// the rest are states, which also read as what happened (`opened`, `is now DOWN`).
const SHORT_CHOICES: &[&[&str]] = &[
    &["buy", "sell"],
    &["bid", "ask"],
    &["long", "short"],
    &["true", "false"],
    &["yes", "no"],
    &["on", "off"],
    // The transport a request came over (name servers, proxies, packet filters).
    &["tcp", "udp"],
    &["open", "opened", "closed"],
    &["enabled", "disabled"],
    &["up", "down"],
];

/// How many of [`SHORT_CHOICES`]' sets, from the first, are printed values, not states.
const VALUE_SETS: usize = 7;

/// Whether a [`short_choice`] set (1-based) is one of printed values, not of states.
pub(super) fn is_value_set(set: u8) -> bool {
    set != 0 && usize::from(set) <= VALUE_SETS
}

/// A token that opens with a bracket or a quote (`(true)`, `[SELL]`, `'on'`, `<off>`): the
/// message marks the word inside as a value, as a field's value is marked. Class: a
/// parameter's few values written in brackets or quotes, which are variables wherever they
/// stand (the miner asks it of short-choice words only).
pub(super) fn is_marked_value(t: &str) -> bool {
    matches!(
        t.as_bytes().first(),
        Some(b'(' | b'[' | b'<' | b'{' | b'\'' | b'"')
    )
}

/// A key before a value (`flag:`, `{side:`): an identifier (letters, digits, `_`, `-`, `.`,
/// starting with a letter, after an optional `{` or `(`) closed by one `:`. Class: the
/// `key: value` fields of a message, whose value is a variable.
pub(super) fn is_key_colon(t: &str) -> bool {
    let t = t.trim_start_matches(['{', '(']);
    let Some(key) = t.strip_suffix(':') else {
        return false;
    };
    key.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// Which [`SHORT_CHOICES`] set a token's word belongs to (1-based; 0: none), any case, with
/// surrounding punctuation ignored.
pub(super) fn short_choice(t: &str) -> u8 {
    let w = t.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    if w.is_empty() || w.len() > 8 {
        return 0;
    }
    SHORT_CHOICES
        .iter()
        .position(|set| set.iter().any(|c| c.eq_ignore_ascii_case(w)))
        .map_or(0, |i| (i + 1) as u8)
}

/// A token that opens a value running past it, so it cannot be the event's word when it opens
/// a message. Class: a message that opens with a multi-word value, a quoted phrase whose
/// closing quote is in a later token (`"brampock drazor quil" ...`, `#"a b"`), or a
/// comma-joined list of words (`vexlun,quilzor,fim`, `[a,b]`): free text and lists are
/// variables wherever they stand; or a pair of upper-case codes joined by `/` (a trading
/// symbol, `ZORB/PLON`, bare, bracketed or closed by `:`), the subject a bot's line opens
/// with. A quoted request (`"GET /x HTTP/1.1"`, a name server's `"AAAA IN host."`) opens
/// with an upper-case code, its method or record type, a word of the event.
pub(super) fn opens_value(t: &str) -> bool {
    let b = t.as_bytes();
    let code = |s: &str| {
        (2..=6).contains(&s.len())
            && s.bytes()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            && s.bytes().any(|c| c.is_ascii_uppercase())
    };
    let bare = t
        .trim_start_matches(['[', '('])
        .trim_end_matches([']', ')', ':', ',']);
    if bare
        .split_once('/')
        .is_some_and(|(a, z)| code(a) && code(z))
    {
        return true;
    }
    if memchr::memchr_iter(b'"', b).count() % 2 == 1 {
        let w = t.trim_start_matches(|c: char| !c.is_ascii_alphanumeric());
        return !w
            .bytes()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    }
    b.windows(3)
        .any(|w| w[1] == b',' && w[0].is_ascii_alphanumeric() && w[2].is_ascii_alphabetic())
}

/// The bracketed form of [`is_glued_name`] (`proj.tasks.send_mail[<*>]`).
fn bracketed_run(t: &str) -> bool {
    let b = t.as_bytes();
    let b = match b.last() {
        Some(b':' | b',') => &b[..b.len() - 1],
        _ => b,
    };
    let Some(name) = b.strip_suffix(b"[<*>]") else {
        return false;
    };
    // Parts start with a letter or `_`; `start` is true before a part's first byte.
    let (mut parts, mut start) = (1, true);
    for &c in name {
        if c == b'.' {
            if start {
                return false;
            }
            parts += 1;
            start = true;
        } else if start {
            if !(c.is_ascii_alphabetic() || c == b'_') {
                return false;
            }
            start = false;
        } else if !(c.is_ascii_alphanumeric() || c == b'_') {
            return false;
        }
    }
    !start && parts >= 2
}

#[cfg(test)]
mod tests {
    use super::super::tests::templates_of;
    use super::*;

    #[test]
    fn values_opening_a_message_meet_their_event() {
        // Class (generated, the masker matrix's first-position cells): a message opening with
        // a comma-joined word list, a quoted phrase, or an upper-case code pair, eight values
        // each on two lines, is one event; a quoted phrase's words are not a family of events.
        const W: [&str; 8] = ["zor", "quil", "bram", "vex", "lun", "dra", "fim", "pock"];
        let opens: [fn(usize) -> String; 4] = [
            |i| {
                format!(
                    "{},{}",
                    ["zor", "quil", "bram", "vex"][i % 4],
                    ["lun", "dra"][i / 4 % 2]
                )
            },
            |i| {
                format!(
                    "\"{} {}\"",
                    ["zor", "quil", "bram", "vex"][i % 4],
                    ["lun", "dra", "fim", "pock"][i / 4]
                )
            },
            |i| {
                format!(
                    "[{}/{}]",
                    ["ZORB", "QUIL", "BRAM", "VEXO"][i % 4],
                    ["PLON", "DRAX"][i / 4 % 2]
                )
            },
            |i| {
                format!(
                    "plim \"{} {} {}\"",
                    W[i % 8],
                    W[(i * 3 + 1) % 8],
                    W[(i * 5 + 2) % 8]
                )
            },
        ];
        for open in opens {
            let lines: Vec<String> = (0..16)
                .map(|i| format!("{} flarn quibbed the snorvel", open(i)))
                .collect();
            let t = templates_of(&lines);
            assert!(t.iter().all(|x| x == &t[0]), "{t:?}");
        }
        // Must not fire: a word that is the event opening the message, a quoted request's
        // method and route or record type, and a lone code with a slash (`I/O`).
        let mut lines = Vec::new();
        for i in 0..6 {
            for w in ["started", "Connected", "drubbled"] {
                lines.push(format!("{w} flarn quibbed snorvel {i}"));
            }
            for (m, r) in [("GET", "/zorbs"), ("POST", "/zorbs"), ("GET", "/quils")] {
                lines.push(format!("\"{m} {r} HTTP/1.1\" 200 {}", 30 + i));
            }
            for c in ["ZQ", "ZQQQ", "VRB", "PLX", "TXQ"] {
                lines.push(format!("\"{c} IN h{i}.zorb. udp {i} false\" PLONK {i}"));
            }
        }
        let t = templates_of(&lines);
        for j in 0..11 {
            for k in 0..6 {
                assert_eq!(t[k * 11 + j], t[j], "{t:?}");
            }
            for k in 0..j {
                assert_ne!(t[k], t[j], "{t:?}");
            }
        }
        assert!(!opens_value("\"ZQQQ"));
        assert!(opens_value("zor,quil,"));
        assert!(opens_value("\"zor"));
        assert!(opens_value("ZORB/PLON:"));
        assert!(!opens_value("\"GET"));
        assert!(!opens_value("\"zor\""));
        assert!(!opens_value("I/O"));
        assert!(!opens_value("zor,"));
        assert!(!opens_value("1,200"));
    }

    #[test]
    fn keyed_wildcards_leave_members_of_another_length_alone() {
        // Token ids: 0 the wildcard, 1 a word, 2 and 3 keyed names of one key. The cluster's
        // template is two tokens; a member folded in from a shorter template (`gaps`) has
        // one: the rendering must not read past its end (it did: index out of bounds).
        let names = ["<*>", "steeped", "unit=gear.belt", "unit=vat.belt"];
        let quoted = [false, false, true, true];
        let field = [0, 0, 7, 7];
        let toks = vec![vec![1, 2], vec![1, 3], vec![1]];
        let render = |members: Vec<u32>| {
            let c = Cluster {
                template: vec![1, WILD],
                members,
            };
            let mut text = "steeped <*>".to_owned();
            keyed_wildcards(&mut text, &names, &c, &toks, &quoted, &field);
            text
        };
        assert_eq!(render(vec![0, 1]), "steeped unit=<*>");
        assert_eq!(render(vec![0, 1, 2]), "steeped <*>");
    }
}
