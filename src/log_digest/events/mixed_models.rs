//! The header models of a source whose lines are not one format: one per header shape that
//! holds a share of the sample ([`mixed_models`]), and one per rare population no other model
//! fits ([`rare_models`]).

use super::super::header::HeaderModel;
use super::super::multiline::head_candidates;

/// Share of sample lines a header shape needs to get a model of its own in a mixed file.
const MIXED_MIN_SHARE: usize = 10;
/// Sample lines a rare header shape needs to get a model of its own ([`rare_models`]).
const RARE_MIN: usize = 3;
/// At most this many header models per source.
const MIXED_MAX: usize = 3;

/// Share of head lines that per-shape models must cover to replace one model that fits every
/// line (a common prefix of two headers: two dates).
const MIXED_LEVEL_COVER: usize = 80;

/// The header models of a file whose lines are not one format: the sample lines grouped by
/// their leading-token signature ([`HeaderModel::signature`]), one model per group that has a
/// typed header. Used when one model fits fewer than nine lines in ten, or when it fits them
/// only as the common prefix of two longer headers that differ in width, level column or in
/// whether a component field follows (an
/// application's log and a framework's log in one stream, both opening with a date). Empty
/// otherwise.
pub(super) fn mixed_models(sample: &[&str], model: &HeaderModel) -> Vec<HeaderModel> {
    let heads = head_candidates(sample.iter().copied());
    if heads.len() < 10 {
        return Vec::new();
    }
    let fit = heads
        .iter()
        .filter(|l| model.split_fitting(l).is_some())
        .count();
    let one_fits = fit * 10 >= heads.len() * 9;
    let share = |g: &[&str]| g.len() * 100 >= heads.len() * MIXED_MIN_SHARE;
    // Where one model fits, what can still tell two headers apart is where their levels sit;
    // where it does not, the first two tokens do. Largest first; ties by first appearance.
    let groups = by_signature(heads.iter().copied(), |l| {
        Some(HeaderModel::signature(l, one_fits))
    });
    // Class: two header shapes that open with the same two tokens and put their level at
    // different places (a date and a clock, then a level, or a zone token then a level):
    // the group of those first two tokens has a model with no level column. It is split by
    // where its levels sit when that gives two or more groups of a share each whose headers
    // are typed fields up to a level; lines whose level word follows message words do not.
    let groups = if one_fits {
        groups
    } else {
        let mut out = Vec::new();
        for (sig, g) in groups {
            if share(&g) && !HeaderModel::infer(g.iter().copied()).names_level() {
                let parts =
                    by_signature(g.iter().copied(), |l| Some(HeaderModel::signature(l, true)));
                let levelled = parts
                    .iter()
                    .filter(|(_, p)| {
                        share(p) && HeaderModel::infer(p.iter().copied()).checked_to_level_from(0)
                    })
                    .count();
                if levelled >= 2 {
                    out.extend(parts);
                    continue;
                }
            }
            out.push((sig, g));
        }
        out.sort_by_key(|(_, g)| std::cmp::Reverse(g.len()));
        out
    };
    let models: Vec<(usize, HeaderModel)> = groups
        .iter()
        .filter(|(_, g)| share(g))
        .take(MIXED_MAX)
        .map(|(_, g)| (g.len(), HeaderModel::infer(g.iter().copied())))
        .filter(|(_, m)| m.is_typed())
        .collect();
    if models.len() < 2 {
        return Vec::new();
    }
    if one_fits {
        // Kept only when the groups' headers are longer than the common one, tell apart in
        // their width, level column or component, at least one names its source (a level or a relay's
        // program: [`HeaderModel::names_source`]), and they cover most lines.
        // A component field after one group's columns and none after the other's tells them
        // apart as well (`date time LEVEL name: msg` and `[date time] [pid] [LEVEL] msg`).
        let mut kinds: Vec<(usize, Option<usize>, bool)> = models
            .iter()
            .map(|(_, m)| (m.width(), m.level_column(), m.has_component()))
            .collect();
        let covered: usize = models.iter().map(|(n, _)| n).sum();
        let longer = models.iter().all(|(_, m)| m.width() >= model.width());
        kinds.sort_unstable();
        kinds.dedup();
        if kinds.len() < 2
            || !longer
            || !models.iter().any(|(_, m)| m.names_source())
            || covered * 100 < heads.len() * MIXED_LEVEL_COVER
        {
            return Vec::new();
        }
    }
    models.into_iter().map(|(_, m)| m).collect()
}

/// The header models of the populations of a file that no other model fits, too rare in the
/// sample for a share of their own (an application's own lines among many more of an access
/// log and a library's printed warnings): the sample's head lines that neither `model` nor a
/// `mixed` one fits, grouped by the shapes of their first two tokens, one model per group of
/// [`RARE_MIN`] lines or more whose header is a logger's or a relay's (timed with a level or a
/// program: [`HeaderModel::is_timed_with_level`], [`HeaderModel::is_timed_with_program`]). Lines
/// that merely vary within one format fit its model and are not asked; printed lines get none.
pub(super) fn rare_models(
    sample: &[&str],
    model: &HeaderModel,
    mixed: &[HeaderModel],
) -> Vec<HeaderModel> {
    let unfitted = head_candidates(sample.iter().copied())
        .into_iter()
        .filter(|l| {
            model.split_fitting(l).is_none() && mixed.iter().all(|m| m.split_fitting(l).is_none())
        });
    by_signature(unfitted, |l| Some(HeaderModel::signature(l, false)))
        .iter()
        .filter(|(_, g)| g.len() >= RARE_MIN)
        .map(|(_, g)| HeaderModel::infer(g.iter().copied()))
        .filter(|m| m.is_typed() && (m.is_timed_with_level() || m.is_timed_with_program()))
        .take(MIXED_MAX)
        .collect()
}

/// `lines` grouped by `sig` (lines it gives `None` are left out), the largest group first, in
/// first-seen order among equals: the grouping behind [`rare_models`] and [`longer_models`].
fn by_signature<'a>(
    lines: impl Iterator<Item = &'a str>,
    sig: impl Fn(&'a str) -> Option<u64>,
) -> Vec<(u64, Vec<&'a str>)> {
    let mut groups: Vec<(u64, Vec<&str>)> = Vec::new();
    for l in lines {
        let Some(k) = sig(l) else { continue };
        match groups.iter_mut().find(|(s, _)| *s == k) {
            Some((_, g)) => g.push(l),
            None => groups.push((k, vec![l])),
        }
    }
    groups.sort_by_key(|(_, g)| std::cmp::Reverse(g.len()));
    groups
}

/// Share of head lines under which a longer header's lines are a second format's, not the
/// file's own ([`longer_models`]).
const LONGER_MAX_SHARE: usize = 50;

/// The header models of a second format whose header opens with the columns of the file's
/// model and goes on to a severity and a source field, on fewer lines than the file's own
/// (Python logging's `date time LEVEL name: msg` among Go's `date time msg`, a framework's
/// `date time LEVEL [thread] msg` among a runtime's `date time msg`): such lines fit the common
/// model, so [`rare_models`] does not ask them, and they keep their level and name
/// in the message. Class: the sample's head lines that fit `model`, grouped by the shapes of
/// the two tokens after its columns; one model per group of [`RARE_MIN`] lines or more, under
/// half the heads, whose header is wider than `model`'s, goes on from `model`'s columns
/// through checked fields to a level column and past it (a component field `model` does not
/// have, or more columns) and tells the severity of nine lines in ten. Only where `model` names no
/// level and no per-shape models were found. A file whose messages merely start alike (a word
/// and a number) gets none: their group's model is no wider, and names no level; nor do
/// messages whose first words a level word follows (`http: panic serving …`).
pub(super) fn longer_models(
    sample: &[&str],
    model: &HeaderModel,
    mixed: &[HeaderModel],
) -> Vec<HeaderModel> {
    use super::super::tokens::{shape, Spans};
    if !mixed.is_empty() || model.names_level() || model.has_component() || !model.has_columns() {
        return Vec::new();
    }
    let heads = head_candidates(sample.iter().copied());
    let w = model.width();
    let fitted = heads
        .iter()
        .copied()
        .filter(|l| model.split_fitting(l).is_some());
    by_signature(fitted, |l| {
        let sp = Spans::of(l, w + 2);
        let after = sp.get().get(w..w + 2)?;
        Some(
            after
                .iter()
                .fold(0u64, |acc, &(s, e)| acc * 16 + shape(&l[s..e]) as u64 + 1),
        )
    })
    .iter()
    .filter(|(_, g)| g.len() >= RARE_MIN && g.len() * 100 < heads.len() * LONGER_MAX_SHARE)
    .map(|(_, g)| (g, HeaderModel::infer(g.iter().copied())))
    .filter(|(g, m)| {
        m.is_typed()
            && m.width() > w
            && m.checked_to_level_from(w)
            && (m.has_component() || m.level_column().is_some_and(|c| c + 1 < m.width()))
            && g.iter()
                .filter(|l| m.split_fitting(l).is_some_and(|s| s.level.is_some()))
                .count()
                * 10
                >= g.len() * 9
    })
    .map(|(_, m)| m)
    .take(MIXED_MAX)
    .collect()
}
