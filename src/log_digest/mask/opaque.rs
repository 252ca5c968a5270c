//! Opaque tokens with no digit: values a reader knows by their look alone, where the masker's
//! first test (a piece holding a digit) misses them. A random id or token drawn from letters
//! and digits has no digit now and then (one in ten for fourteen characters of base62), and
//! such a value opening a message made a template of its own for each spelling
//! (`mask::value_shapes2_matrix`).
//!
//! The masker asks [`scrambled_id`] only of a message's first token: that is where the miner
//! keeps a value as a word (elsewhere it folds a few spellings of a slot into `<*>`), and
//! asking it of every long word cost two per cent of the masker's instructions.

/// Longest token judged (a longer one is text, or masked by its other marks).
const OPAQUE_MAX: usize = 64;

/// Whether `tok` is a random id spelled in letters of both cases, maybe behind a short
/// lower-case prefix (`aZkQxPwmRtBv`, `ord_GLuFwmmjqevSuE`, `req-yetHJAxmmrXNkU`).
///
/// Class: an order, request, session or object id drawn at random from letters of both cases
/// (base62 or base58 ids, Stripe-style `prefix_` ids) that happens to hold no digit. A code
/// name in camel case (`setSystemUiVisibility`, `RetryUpToMaximumCount`, `XMLParsedAsHTML`)
/// reads as words: each part of it after a capital holds a vowel and most parts are longer
/// than two letters. A scramble reads as none: parts with no vowel (`Fw`, `Nk`, `xmmr`),
/// parts of one or two letters, a lone capital inside (`...SuE`, `X` in `XNkU`) or at the end,
/// few vowels over all. The body is ten letters or more, and scores four or more when a part
/// with no vowel and a capital ending count two, a short part and a lone capital one, the score
/// at least half the word parts and vowels at most three letters in ten (measured on the
/// shared sets and the dev half: no code name there scores so; about three scrambles of
/// fourteen letters in four do).
pub(super) fn scrambled_id(tok: &[u8]) -> bool {
    if tok.len() < 10 || tok.len() > OPAQUE_MAX {
        return false;
    }
    let body = match tok.iter().position(|&c| matches!(c, b'_' | b'-')) {
        Some(p) if (1..=8).contains(&p) && tok[..p].iter().all(u8::is_ascii_lowercase) => {
            &tok[p + 1..]
        }
        Some(_) => return false,
        None => tok,
    };
    if body.len() < 10 || !body.iter().all(u8::is_ascii_alphabetic) {
        return false;
    }
    // Cheap exit for the common word: a capital past the first letter and two or more
    // lower-case letters are needed.
    if !body[1..].iter().any(u8::is_ascii_uppercase) {
        return false;
    }
    let vowel = |c: u8| matches!(c.to_ascii_lowercase(), b'a' | b'e' | b'i' | b'o' | b'u');
    let vowels = body.iter().filter(|&&c| vowel(c)).count();
    if vowels * 10 > body.len() * 3 {
        return false;
    }
    // Parts: a run of capitals then lower-case letters is a word part from its last capital
    // (`HTTPServer` = `HTTP` + `Server`); capitals with no lower-case after them are a part of
    // capitals; lower-case letters opening the body are a word part.
    let (mut words, mut score) = (0usize, 0usize);
    let mut i = 0;
    while i < body.len() {
        let caps = body[i..]
            .iter()
            .take_while(|c| c.is_ascii_uppercase())
            .count();
        let lower_from = i + caps;
        let lowers = body[lower_from..]
            .iter()
            .take_while(|c| c.is_ascii_lowercase())
            .count();
        let word_from = if lowers > 0 && caps > 0 {
            lower_from - 1
        } else {
            lower_from
        };
        // The capitals before the word part, alone: a lone capital inside the body.
        let lone = word_from - i;
        if lone == 1 && i > 0 {
            score += 1;
        }
        if lowers > 0 {
            let word = &body[word_from..lower_from + lowers];
            words += 1;
            if !word
                .iter()
                .any(|&c| vowel(c) || c.eq_ignore_ascii_case(&b'y'))
            {
                score += 2;
            } else if word.len() <= 2 {
                score += 1;
            }
        }
        i = lower_from + lowers;
    }
    let n = body.len();
    if body[n - 1].is_ascii_uppercase() && body[n - 2].is_ascii_lowercase() {
        score += 2;
    }
    score >= 4 && 2 * score >= words
}

/// Where a [`scrambled_id`] lies in `tok` behind opening brackets or quotes and before closing
/// punctuation (`(ord_GLuFwmmjqevSuE)`, `'yetHJAxmmrXNkU',`): its start and end. The masker
/// asks it only of a message's first token (see the module's doc).
pub(super) fn scrambled_core(tok: &[u8]) -> Option<(usize, usize)> {
    let from = tok
        .iter()
        .take_while(|c| matches!(c, b'(' | b'[' | b'{' | b'\'' | b'"' | b'<'))
        .count();
    let to = tok.iter().rposition(|&c| {
        !matches!(
            c,
            b',' | b';' | b':' | b')' | b']' | b'}' | b'\'' | b'"' | b'>'
        )
    })? + 1;
    (from < to && scrambled_id(&tok[from..to])).then_some((from, to))
}

/// Where a padded base64 value lies in `tok` (start and end of the value, its padding
/// included): the token is the value, maybe behind an opening bracket or quote and a
/// `key=`, maybe followed by closing punctuation (`YWJj…Zg==`, `token=YWJj…Zg==,`,
/// `(YWJj…Zg=)`).
///
/// Class: a base64 value with its `=` padding (a key, a token, a digest, a cursor): twelve
/// or more characters of the base64 alphabet with both cases, then one or two `=` that make
/// the length a multiple of four. It is one variable whether or not a digit falls in it (a
/// digit cut it at the `=`, `<*>==`, and a spelling with none stayed a word).
pub(super) fn padded_base64(tok: &[u8]) -> Option<(usize, usize)> {
    let end = tok
        .iter()
        .rposition(|&c| !matches!(c, b',' | b';' | b')' | b']' | b'}' | b'\'' | b'"'))?
        + 1;
    let pad = tok[..end].iter().rev().take_while(|&&c| c == b'=').count();
    if !(1..=2).contains(&pad) {
        return None;
    }
    let alphabet = |c: &u8| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/');
    let body_end = end - pad;
    let start = tok[..body_end]
        .iter()
        .rposition(|c| !alphabet(c))
        .map_or(0, |p| p + 1);
    let body = &tok[start..body_end];
    if body.len() < 12
        || (body.len() + pad) % 4 != 0
        || !body.iter().any(u8::is_ascii_uppercase)
        || !body.iter().any(u8::is_ascii_lowercase)
    {
        return None;
    }
    // Before the value: opening brackets or quotes, then nothing or an identifier's `key=`.
    let before = &tok[..start];
    let open = before
        .iter()
        .take_while(|c| matches!(c, b'(' | b'[' | b'{' | b'\'' | b'"'))
        .count();
    let key = &before[open..];
    let keyed = key.strip_suffix(b"=").is_some_and(|k| {
        k.first().is_some_and(u8::is_ascii_alphabetic)
            && k.iter()
                .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
    });
    (key.is_empty() || keyed).then_some((start, end))
}

#[cfg(test)]
mod tests {
    use super::super::masked;
    use super::*;

    /// Made-up scrambles in the shapes real ids take (a prefix, both cases, no digit).
    const SCRAMBLES: &[&str] = &[
        "ord_GLuFwmmjqevSuE",
        "yetHJAxmmrXNkU",
        "req-FwQmNkTrzSuE",
        "xPqKbWmTzNcRvL",
    ];
    /// Code names of made-up words in camel case, and words: never ids.
    const NAMES: &[&str] = &[
        "flarnQuibbedSnorvel",
        "ZorquilBramvexHandler",
        "setZorUiQuibble",
        "RetryUpToFlarnCountWithSnorvel",
        "XMLFlarnedAsHTMLWarble",
        "ConnectToTcpZorbAsync",
        "JvmGcQuibbleService",
        "drozzleplinkedvarn",
        "ZORQUILBRAMVEX",
        "snake_case_flarn",
        "ord_Flarnquibble",
    ];

    #[test]
    fn scrambled_letter_ids_are_told_from_code_names() {
        for s in SCRAMBLES {
            assert!(scrambled_id(s.as_bytes()), "{s}");
        }
        for s in NAMES {
            assert!(!scrambled_id(s.as_bytes()), "{s}");
        }
    }

    /// Class: a random id with no digit opening a message or bracketed, quoted, keyed or
    /// followed by a comma: masked as its spelling with a digit is.
    #[test]
    fn a_scrambled_id_is_masked_as_one_with_a_digit() {
        for (with_digit, without) in [
            ("ord_GLuF3mmjqevSuE", "ord_GLuFwmmjqevSuE"),
            ("yetHJA7mmrXNkU", "yetHJAxmmrXNkU"),
        ] {
            for form in [
                "{} flarn quibbed",
                "({}) flarn quibbed",
                "[{}] flarn quibbed",
                "'{}' flarn quibbed",
                "\"{}\" flarn quibbed",
                "{}, flarn quibbed",
                "trunde={} flarn quibbed",
            ] {
                assert_eq!(
                    masked(&form.replace("{}", without)),
                    masked(&form.replace("{}", with_digit)),
                    "{form}"
                );
            }
        }
        // Must not fire: code names and words stay.
        for s in NAMES {
            assert_eq!(
                masked(&format!("{s} flarn quibbed")),
                format!("{s} flarn quibbed")
            );
        }
    }

    /// Class: a padded base64 value, with a digit or none, bare, bracketed, quoted or keyed.
    #[test]
    fn a_padded_base64_value_is_one_variable() {
        for v in ["PtzkkzfNbT+fZMxXu/qNHX==", "Ptzk3zfNbT+fZMxXu/qNHX=="] {
            assert_eq!(masked(&format!("{v} flarn")), "<*> flarn");
            assert_eq!(masked(&format!("[{v}] flarn")), "[<*>] flarn");
            assert_eq!(masked(&format!("({v}) flarn")), "(<*>) flarn");
            assert_eq!(masked(&format!("'{v}' flarn")), "'<*>' flarn");
            assert_eq!(masked(&format!("{v}, flarn")), "<*>, flarn");
            assert_eq!(masked(&format!("trunde={v} flarn")), "trunde=<*> flarn");
        }
        // Must not fire: a comparison, a key with an empty value, a short or one-case run,
        // a length that no padding makes.
        assert_eq!(padded_base64(b"zorquil==bramvex"), None);
        assert_eq!(padded_base64(b"trunde="), None);
        assert_eq!(padded_base64(b"ZorQuil=="), None);
        assert_eq!(padded_base64(b"zorquilbramvexfl=="), None);
        assert_eq!(padded_base64(b"ZorquilBramvexFl="), None);
        assert_eq!(padded_base64(b"a+b==c+dZorquilBram=="), None);
    }
}
