//! "Did you mean": the one rule for every misspelt name velo suggests a fix for: `.env` keys
//! (env-check's `unknown-key` and `undeclared`, and the masking of names close to a secret's),
//! velo.toml tables, strategy and parameter names, flag values.
//!
//! The rule ([`typo_distance`]): two names are a likely typo of each other when their
//! optimal-string-alignment distance, with case ignored, is small: an insertion, a deletion, a
//! substitution or a swap of two neighbours counts one edit, and at most 1 edit is allowed
//! when the shorter name has up to 4 characters, 2 up to 12, and 3 beyond; and the edits must be
//! fewer than half of the shorter name, so `C` is not a typo of `A` nor `DB` one of `DC`. A
//! separator written another way (`env_check`, `sma_cross`) or left out (`smacross`) is one
//! edit, so it is always found. [`closest`] picks the nearest candidate (ties: the caller's
//! preference, then alphabetical order), so a message can end with one concrete hint.

/// The did-you-mean distance: `Some(edits)` when `a` and `b` are a likely typo of each other
/// (see the module's rule), `None` when they are not.
pub fn typo_distance(a: &str, b: &str) -> Option<usize> {
    let ascii = a.is_ascii() && b.is_ascii();
    let (la, lb) = if ascii {
        (a.len(), b.len())
    } else {
        (a.chars().count(), b.chars().count())
    };
    let shorter = la.min(lb);
    let limit = match shorter {
        0..=4 => 1,
        5..=12 => 2,
        _ => 3,
    };
    if la.abs_diff(lb) > limit {
        return None;
    }
    let d = if ascii && la.max(lb) < BOUNDED_MAX {
        osa_within(a.as_bytes(), b.as_bytes(), limit)?
    } else {
        strsim::osa_distance(&a.to_ascii_uppercase(), &b.to_ascii_uppercase())
    };
    (d <= limit && 2 * d < shorter).then_some(d)
}

/// Longest name (exclusive) [`osa_within`] handles on the stack.
const BOUNDED_MAX: usize = 64;

/// The optimal-string-alignment distance of two ASCII names, ignoring case, or `None` as soon
/// as it must exceed `limit` (at most 3). Only the cells within `limit` of the diagonal are
/// computed (the others are over the limit anyway), and a row whose cells are all over the limit
/// ends it. No allocation: an unknown key is compared with every declared one, so this is the
/// inner loop of a big file checked against a big schema.
fn osa_within(a: &[u8], b: &[u8], limit: usize) -> Option<usize> {
    let (a_len, b_len) = (a.len(), b.len());
    if a_len.abs_diff(b_len) > limit || b_len >= BOUNDED_MAX || limit > 3 {
        return None;
    }
    // A lower bound first: a substitution changes two letter counts by one, an insertion or a
    // deletion one, a transposition none, so half the difference of the letter counts is at
    // most the distance. It rules out most unrelated names at a fraction of the table's cost.
    let mut counts = [0i8; 64];
    for &c in a {
        counts[usize::from(c.to_ascii_uppercase() & 63)] += 1;
    }
    for &c in b {
        counts[usize::from(c.to_ascii_uppercase() & 63)] -= 1;
    }
    let count_diff: u32 = counts.iter().map(|c| u32::from(c.unsigned_abs())).sum();
    if count_diff > 2 * limit as u32 {
        return None;
    }
    // Cells hold min(distance, over); `over` stands for every value past the limit.
    let over = limit as u8 + 1;
    let mut rows = [[over; BOUNDED_MAX + 1]; 3];
    for (j, cell) in rows[1].iter_mut().enumerate().take(limit.min(b_len) + 1) {
        *cell = j as u8;
    }
    let (mut two_up, mut up, mut cur) = (0usize, 1usize, 2usize);
    for i in 1..=a_len {
        let lo = i.saturating_sub(limit).max(1);
        let hi = (i + limit).min(b_len);
        rows[cur][lo - 1] = if lo == 1 { (i as u8).min(over) } else { over };
        if hi < b_len {
            rows[cur][hi + 1] = over;
        }
        let mut row_min = rows[cur][lo - 1];
        for j in lo..=hi {
            let same = a[i - 1].eq_ignore_ascii_case(&b[j - 1]);
            let mut v = (rows[up][j] + 1)
                .min(rows[cur][j - 1] + 1)
                .min(rows[up][j - 1] + u8::from(!same));
            if i > 1
                && j > 1
                && a[i - 1].eq_ignore_ascii_case(&b[j - 2])
                && a[i - 2].eq_ignore_ascii_case(&b[j - 1])
            {
                v = v.min(rows[two_up][j - 2] + 1);
            }
            let v = v.min(over);
            rows[cur][j] = v;
            row_min = row_min.min(v);
        }
        if row_min > limit as u8 {
            return None;
        }
        (two_up, up, cur) = (up, cur, two_up);
    }
    let dist = usize::from(rows[up][b_len]);
    (dist <= limit).then_some(dist)
}

/// The candidate closest to `name` under [`typo_distance`] (ties: alphabetical order), or
/// `None` when none is close enough to be a likely typo.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    closest_by(name, candidates, |_| ())
}

/// As [`closest`], with ties between equally close candidates going to the one whose `rank`
/// is smaller (env-check prefers a declared key that is not set: the typo is more likely
/// meant for it), then to alphabetical order.
pub fn closest_by<'a, K: Ord>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    rank: impl Fn(&str) -> K,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .filter_map(|c| typo_distance(name, c).map(|d| (d, rank(c), c)))
        .min()
        .map(|(_, _, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean_handles_transpositions_and_drops() {
        let declared = [
            "BINANCE_API_KEY",
            "BINANCE_API_SECRET",
            "DATABASE_URL",
            "LOG_LEVEL",
        ];
        let dym = |u: &str| closest(u, declared);
        assert_eq!(dym("BINANCE_API_SECERT"), Some("BINANCE_API_SECRET"));
        assert_eq!(dym("DATABSE_URL"), Some("DATABASE_URL"));
        assert_eq!(dym("log_level"), Some("LOG_LEVEL"));
        assert_eq!(dym("TOTALLY_OTHER"), None);
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            rng_seed: proptest::test_runner::RngSeed::Fixed(11),
            ..Default::default()
        })]

        /// The bounded, allocation-free distance agrees with strsim's wherever it answers.
        #[test]
        fn bounded_distance_matches_strsim(a in "[A-Ca-c_]{0,20}", b in "[A-Ca-c_]{0,20}", limit in 0usize..4) {
            let full = strsim::osa_distance(&a.to_ascii_uppercase(), &b.to_ascii_uppercase());
            let bounded = osa_within(a.as_bytes(), b.as_bytes(), limit);
            proptest::prop_assert_eq!(bounded, (full <= limit).then_some(full));
        }

        /// The same on near pairs: `b` is `a` after a few random edits, so the answers that
        /// matter (within the limit) are exercised, not only "too far".
        #[test]
        fn bounded_distance_matches_strsim_on_near_pairs(
            a in "[A-Da-d_]{0,20}",
            edits in proptest::collection::vec((0u8..4, 0usize..24, "[A-Da-d_]"), 0..5),
            limit in 0usize..4,
        ) {
            let mut b: Vec<u8> = a.clone().into_bytes();
            for (op, at, c) in edits {
                let c = c.as_bytes()[0];
                let at = at.min(b.len());
                match op {
                    0 => b.insert(at, c),
                    1 if at < b.len() => { b.remove(at); }
                    2 if at < b.len() => b[at] = c,
                    3 if at + 1 < b.len() => b.swap(at, at + 1),
                    _ => {}
                }
            }
            let b = String::from_utf8(b).unwrap();
            let full = strsim::osa_distance(&a.to_ascii_uppercase(), &b.to_ascii_uppercase());
            let bounded = osa_within(a.as_bytes(), b.as_bytes(), limit);
            proptest::prop_assert_eq!(bounded, (full <= limit).then_some(full));
        }
    }

    #[test]
    fn no_suggestion_when_the_distance_is_most_of_the_name() {
        let declared = ["A", "AB", "ABC", "PORT", "LOG_LEVEL"];
        let dym = |u: &str| closest(u, declared);
        // Issue 11: `--scan-code` offered "did you mean A?" for an undeclared `C`.
        assert_eq!(dym("C"), None);
        assert_eq!(dym("AC"), None);
        assert_eq!(dym("ABD"), Some("ABC"));
        assert_eq!(dym("PORTS"), Some("PORT"));
        assert_eq!(typo_distance("c", "C"), Some(0));
    }

    #[test]
    fn ties_go_to_the_callers_preference_then_to_the_alphabet() {
        let declared = ["API_KEY", "APP_KEY"];
        // Both are one edit from APX_KEY.
        assert_eq!(closest("APX_KEY", declared), Some("API_KEY"));
        assert_eq!(
            closest_by("APX_KEY", declared, |k| k == "API_KEY"),
            Some("APP_KEY")
        );
        // A closer candidate wins over any preference.
        assert_eq!(
            closest_by("API_KEX", declared, |k| k == "API_KEY"),
            Some("API_KEY")
        );
    }

    /// The same rule serves the other kinds of names velo suggests: tables, strategies,
    /// parameters.
    #[test]
    fn one_rule_for_tables_strategies_and_parameters() {
        let tables = [
            "env-check",
            "scan",
            "log-digest",
            "test-timeout-runner",
            "monitor",
            "backtest",
        ];
        assert_eq!(closest("env_check", tables), Some("env-check"));
        assert_eq!(closest("Scan", tables), Some("scan"));
        assert_eq!(
            closest("test-timeout-runer", tables),
            Some("test-timeout-runner")
        );
        assert_eq!(closest("logdigest", tables), Some("log-digest"));
        assert_eq!(closest("frobnicate", tables), None);
        let strategies = ["sma-cross", "ema-cross", "donchian", "momentum"];
        assert_eq!(closest("sma_cross", strategies), Some("sma-cross"));
        assert_eq!(closest("smacross", strategies), Some("sma-cross"));
        assert_eq!(closest("donchain", strategies), Some("donchian"));
        assert_eq!(closest("zzzzzz", strategies), None);
        assert_eq!(closest("fats", ["fast", "slow"]), Some("fast"));
        assert_eq!(closest("x", ["n", "k"]), None);
    }
}
