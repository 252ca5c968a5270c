//! Failure class 6 (short-choice words): the few values of one parameter (an order's side, a
//! flag) that a program prints from a variable, which are a variable of one event wherever
//! they stand, bare or marked, opening the message or not.
//!
//! The convention (issue #20): "a parameter with a few values of one action (BUY/SELL,
//! true/false) is a variable; the words that say what happened are not". A reader tells the two
//! apart from the line alone by how the word is written:
//! - a boolean in any case (`true`, `False`, `TRUE`) is printed from a flag: prose says "yes",
//!   "enabled", "succeeded", never "true";
//! - a word of a value set in capitals (`BUY`, `SELL`, `LONG`, `ON`, `NO`, `TCP`) is an enum's
//!   printed name, not a word of the sentence;
//! - the same words in lower or title case stay words of the sentence (`Creating 3 bid
//!   orders`, `Maker sell order of 5 SOL filled`, `No data for x`) unless marked as a value or
//!   beside another variable (the older rule in `miner::split`);
//! - states, even in capitals (`connection is OPEN` / `CLOSED`, `node is now UP` / `DOWN`,
//!   `enabled` / `disabled`), and past-tense verbs (`opened`, `filled`, `rejected`) say what
//!   happened: two events.

use super::names::{is_marked_value, is_value_set, short_choice};

/// A few-values word printed from a program's value ([`short_choice`] of a value set, see
/// [`is_value_set`]): a boolean in any case, or a value word in capitals. Class: a flag or an
/// enum value (a side, a transport, an on/off switch) written into a message, bare, after a
/// key without a colon (`flag true`), with trailing punctuation (`SELL,`) or glued to a mark
/// (`#BUY`). Not a state (`UP`, `OPEN`), nor a value word written in lower or title case.
pub(super) fn printed_value(t: &str) -> bool {
    if !is_value_set(short_choice(t)) {
        return false;
    }
    let w = t.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    w.eq_ignore_ascii_case("true")
        || w.eq_ignore_ascii_case("false")
        || w.bytes().all(|b| b.is_ascii_uppercase())
}

/// Whether a message's first token is a short-choice value that must meet the other lines of
/// its event in the miner's first pass (which buckets lines by their first token): a printed
/// value ([`printed_value`]) or any short-choice word marked as a value (`[SELL]`, `(true)`,
/// `'on'`; [`is_marked_value`]). Class: a message that opens with its event's side or flag.
pub(super) fn opens_with_choice(t: &str, choice: u8) -> bool {
    choice != 0 && (is_marked_value(t) || printed_value(t))
}

#[cfg(test)]
mod tests {
    use super::super::tests::templates_of;
    use super::*;

    /// Lines of `form` with `{v}` each of `values` in turn, `n` rounds.
    fn lines(form: &str, values: &[&str], n: usize) -> Vec<String> {
        (0..n)
            .flat_map(|_| values.iter().map(|v| form.replace("{v}", v)))
            .collect()
    }

    /// Whether the lines of each value of `values` (written by [`lines`]) share one template.
    fn one_event(form: &str, values: &[&str]) -> bool {
        let t = templates_of(&lines(form, values, 4));
        t.iter().all(|x| x == &t[0])
    }

    #[test]
    fn printed_short_choice_values_are_one_event_wherever_they_stand() {
        // Class (generated, the masker matrix's `bool` / `buy-sell` cells): a flag in any
        // case and a side in capitals, bare, after a key without a colon, with a trailing
        // comma, glued to `#`, opening the message bare or marked.
        for form in [
            "flarn quibbed {v} the snorvel",
            "flarn quibbed the snorvel {v}",
            "flarn quibbed trunde {v} the snorvel",
            "flarn quibbed {v}, the snorvel",
            "flarn quibbed #{v} the snorvel",
            "{v} flarn quibbed the snorvel",
            "[{v}] flarn quibbed the snorvel",
            "'{v}' flarn quibbed the snorvel",
        ] {
            for values in [["true", "false"], ["BUY", "SELL"], ["False", "True"]] {
                assert!(one_event(form, &values), "{form} {values:?}");
            }
        }
        assert!(printed_value("SELL,"));
        assert!(printed_value("#true"));
        assert!(printed_value("False"));
        assert!(!printed_value("sell"));
        assert!(!printed_value("UP"));
        assert!(!printed_value("OPEN"));
        assert!(!printed_value("SELLER"));
    }

    #[test]
    fn prose_value_words_and_states_keep_their_events_apart() {
        // Must not fire (generated): a value word written as a word of the sentence (lower
        // or title case), a state in capitals (`is OPEN` / `is CLOSED`, `is now UP` / `is
        // now DOWN`), a state or a past-tense verb, first, in the middle or last.
        for (form, values) in [
            ("flarn quibbed {v} snorvel of varn", ["sell", "buy"]),
            ("quibbing {v} snorvels at the varn", ["bid", "ask"]),
            ("{v} snorvel for the varn", ["No", "Yes"]),
            ("= snorvel is {v}", ["OPEN", "CLOSED"]),
            ("flarn quil is now {v}", ["UP", "DOWN"]),
            ("{v} flarn quibbed the snorvel", ["UP", "DOWN"]),
            ("snorvel {v} by trunde", ["enabled", "disabled"]),
            ("flarn {v} the snorvel", ["opened", "closed"]),
            ("flarn snorvel {v}", ["filled", "rejected"]),
        ] {
            assert!(!one_event(form, &values), "{form} {values:?}");
        }
    }
}
