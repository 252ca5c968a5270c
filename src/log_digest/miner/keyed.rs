//! Failure class "values kept as words" (issue #20, `var:*` splits), the part a key declares:
//! a one-word value written after a `key:` of its own (`user: bob,`, `reason: SNAPSHOT,`,
//! `(queue: low)`) that takes only a few values, each on many lines. The split on few-valued
//! positions ([`super::split`]) reads two or three recurring words as the constants that tell
//! events apart, so one event became one template per user, queue or reason code.
//!
//! The writer says what the word is: a `key: value` field is a parameter by its writer's own
//! declaration, as a `key=value` field is (whose value the masker already makes a variable,
//! however few its values). The evidence is the frame, not the words: the key is a token of
//! its own ending in `:` (not the message's first token, which is a logger's or component's
//! name), and the value closes the field (trailing `,` `;` `)` `]` `}`, the message's last
//! token, or followed by the next `key:`), so the colon does not open a sentence (`status:
//! retry scheduled`).
//!
//! A word in single quotes with no key (`user 'bob' logged in`) is not read as a value here:
//! a rule that did so (every plain quoted word a variable however few its values) folded the
//! quoted names of kinds of work a writer prints the same way (`task 'cleanup' done`), and was
//! taken out after it moved a held-out format down by 0.31.
//!
//! What does not fire: a key in capitals (`INFO:`, `WARN:`: a severity or a tag that opens
//! the message, not a field), a value that is a compound or dotted name (`task: gear_belt`: the name
//! of a kind of work is part of the event, as `unit=gear.belt_check` is), an HTTP method (the
//! method is part of a request's event), a word with digits (masked already), and every word
//! not after a key: `order filled` / `order cancelled` stay two events.

use super::{Vocab, WILD};
use crate::log_digest::mask;

/// Whether position `p` of `template`, which takes the words `values`, is the value of a
/// `key: value` field ([`super::names::is_key_colon`]) that closes its field, each value one
/// plain word (letters only, any case), bare or in quotes or brackets. An enumerated name
/// joined by `_` (`JOB_SETUP`) is left alone: after a key it names a kind of event.
pub(super) fn is_keyed_value(template: &[u32], p: usize, values: &[u32], vocab: &Vocab) -> bool {
    // The key must not be the message's first token (`worker: started`).
    if p < 2 || template[p - 1] == WILD {
        return false;
    }
    let key = vocab.text[template[p - 1] as usize].trim_start_matches('[');
    if !super::names::is_key_colon(key) || !key.bytes().any(|b| b.is_ascii_lowercase()) {
        return false;
    }
    let next_is_key = template
        .get(p + 1)
        .is_some_and(|&t| t != WILD && super::names::is_key_colon(vocab.text[t as usize]));
    let last = p + 1 == template.len();
    values.iter().all(|&v| {
        let t = vocab.text[v as usize];
        let core = t
            .trim_start_matches(['\'', '"', '(', '[', '{'])
            .trim_end_matches(['\'', '"', ')', ']', '}', ',', ';', '.']);
        !mask::is_method_token(core)
            && one_word_value(t).is_some_and(|close| match close {
                Close::Separator => true,
                Close::Bracket | Close::None => last || next_is_key,
            })
    })
}

/// What closes a one-word value's field in its token.
#[derive(Debug, PartialEq)]
enum Close {
    /// Nothing: the field ends only where the message ends or the next key starts.
    None,
    /// A `,` or `;` with no bracket: the field ends here.
    Separator,
    /// A closing bracket: a bracket opened before the key (`(in step: <text>), more`) may
    /// hold free text, which `gaps::fold_free_text` folds; only a bracket that ends the
    /// message or stands before the next key closes a one-word field.
    Bracket,
}

/// What closes the field of a one-word value token (bare or in quotes or brackets, one plain
/// word of letters), `None` when the token is not one plain word.
fn one_word_value(t: &str) -> Option<Close> {
    let b = t.as_bytes();
    let start = b
        .iter()
        .position(|c| !matches!(c, b'\'' | b'"' | b'(' | b'[' | b'{'))?;
    let end = b.iter().rposition(u8::is_ascii_alphabetic)? + 1;
    if end <= start {
        return None;
    }
    let (word, tail) = (&b[start..end], &b[end..]);
    let plain = word.iter().all(u8::is_ascii_alphabetic) && word.len() <= 40;
    let tail_ok = tail
        .iter()
        .all(|c| matches!(c, b'\'' | b'"' | b')' | b']' | b'}' | b',' | b';' | b'.'));
    (plain && tail_ok).then(|| {
        if tail.iter().any(|c| matches!(c, b')' | b']' | b'}')) {
            Close::Bracket
        } else if tail.iter().any(|c| matches!(c, b',' | b';')) {
            Close::Separator
        } else {
            Close::None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::templates_of;
    use super::{one_word_value, Close};

    /// Lines of `form` with `{v}` filled by `values`, value `k` on `1 + skew * k` lines per
    /// round (0: every value equally often), 4 rounds.
    fn lines(form: &str, values: &[&str], skew: usize) -> Vec<String> {
        let mut out = Vec::new();
        for round in 0..4 {
            for (k, v) in values.iter().enumerate() {
                for n in 0..=(skew * k) {
                    let id = 101 + round * 37 + k * 7 + n;
                    out.push(form.replace("{v}", v).replace("{n}", &id.to_string()));
                }
            }
        }
        out
    }

    fn one_event(form: &str, values: &[&str], skew: usize) -> bool {
        let t = templates_of(&lines(form, values, skew));
        t.iter().all(|x| x == &t[0])
    }

    /// Made-up values of each shape, twelve of each; a cell takes the first `n`.
    const SHAPES: [(&str, [&str; 12]); 5] = [
        (
            "lower",
            [
                "arvin", "belka", "dunmo", "erlith", "fasko", "gorvan", "hestle", "iblin",
                "jaskar", "kelvo", "lumith", "morrow",
            ],
        ),
        (
            "Capital",
            [
                "Arvin", "Belka", "Dunmo", "Erlith", "Fasko", "Gorvan", "Hestle", "Iblin",
                "Jaskar", "Kelvo", "Lumith", "Morrow",
            ],
        ),
        (
            "UPPER",
            [
                "ZORK", "QUIB", "FLAN", "VESK", "TRUN", "MOLP", "GAVR", "HUSK", "JERN", "KLOB",
                "PLEX", "WRAN",
            ],
        ),
        (
            "'quoted'",
            [
                "'arvin'", "'belka'", "'dunmo'", "'erlith'", "'fasko'", "'gorvan'", "'hestle'",
                "'iblin'", "'jaskar'", "'kelvo'", "'lumith'", "'morrow'",
            ],
        ),
        (
            "\"Quoted\"",
            [
                "\"Arvin\"",
                "\"Belka\"",
                "\"Dunmo\"",
                "\"Erlith\"",
                "\"Fasko\"",
                "\"Gorvan\"",
                "\"Hestle\"",
                "\"Iblin\"",
                "\"Jaskar\"",
                "\"Kelvo\"",
                "\"Lumith\"",
                "\"Morrow\"",
            ],
        ),
    ];

    /// Positions of a keyed value closing its field: before a comma, last, before the next
    /// key, inside parentheses.
    const FORMS: [&str; 5] = [
        "Quibbing snorvel of {n}, trunde: {v}, varn: {n}",
        "Quibbing snorvel of {n} trunde: {v}",
        "Quibbing snorvel of {n} trunde: {v} varn: {n}",
        "Quibbing snorvel {n} (trunde: {v})",
        "Quibbing snorvel {n} [trunde: {v}]",
    ];

    #[test]
    fn few_values_after_a_key_are_one_event() {
        // Class (generated matrix: value shape x distinct values x position x skew): a word
        // that a `key:` names is a variable however few its values and however skewed.
        let mut wrong = Vec::new();
        for (shape, all) in SHAPES {
            for n in [2, 3, 5, 8, 12] {
                for form in FORMS {
                    for skew in [0, 3] {
                        if !one_event(form, &all[..n], skew) {
                            wrong.push(format!("{shape} n={n} skew={skew} {form}"));
                        }
                    }
                }
            }
        }
        assert!(wrong.is_empty(), "{} cells: {wrong:#?}", wrong.len());
    }

    #[test]
    fn words_not_declared_by_a_key_keep_their_events_apart() {
        // Must not fire (generated, the same first shape): a key that is the message's first
        // token (a logger's or component's name), a colon that opens prose (the word does not
        // close the field), an HTTP method after a key, a compound name of a kind of work
        // after a key, and events told apart by their own word with no key.
        for (form, values) in [
            ("trunde: {v} the snorvel {n}", ["quibbed", "flarned"]),
            (
                "Snorvel {n} trunde: {v} the varn now",
                ["quibbed", "flarned"],
            ),
            ("Snorvel {n} method: {v}, varn: {n}", ["GET", "POST"]),
            (
                "Snorvel {n} task: {v}, varn: {n}",
                ["gear_belt", "vat_crank"],
            ),
            (
                "Snorvel {n} task: {v}, varn: {n}",
                ["gear.belt", "vat.crank"],
            ),
            ("order {n} {v} at varn", ["filled", "cancelled"]),
            ("connection {v} by trunde at varn {n}", ["opened", "closed"]),
            // A key in capitals is a severity or a tag opening the message.
            ("Snorvel {n} VARN: {v}", ["quibbed", "flarned"]),
            // Quoted compound names of kinds of work, quoted text of several words.
            ("Snorvel {n} ran '{v}' at varn", ["gear_belt", "vat_crank"]),
            ("Snorvel {n} ran '{v}' at varn", ["gear.belt", "vat.crank"]),
            (
                "Snorvel {n} with 'trunde': '{v}', 'varn': {n}",
                ["GET", "PUT"],
            ),
            // An enumerated name from code after a key names a kind of event (see
            // `gaps::is_enum_name`); a free-text value in brackets before more words.
            (
                "Snorvel {n} kind: {v}, varn: {n}",
                ["ZORK_LIMIT", "QUIB_DIRTY"],
            ),
            (
                "Snorvel {n} (in varn: {v}), trunde kept",
                ["glorp", "frell"],
            ),
        ] {
            for skew in [0, 3] {
                assert!(!one_event(form, &values, skew), "{form} {values:?} {skew}");
            }
        }
    }

    #[test]
    fn one_word_values_and_their_closing_punctuation() {
        assert_eq!(one_word_value("bob,"), Some(Close::Separator));
        assert_eq!(one_word_value("'bob')"), Some(Close::Bracket));
        assert_eq!(one_word_value("bob),"), Some(Close::Bracket));
        assert_eq!(one_word_value("bob"), Some(Close::None));
        assert_eq!(one_word_value("ZORK_LIMIT,"), None);
        assert_eq!(one_word_value("gear_belt,"), None);
        assert_eq!(one_word_value("gear.belt"), None);
        assert_eq!(one_word_value("bob42"), None);
        assert_eq!(one_word_value("'/'"), None);
    }
}
