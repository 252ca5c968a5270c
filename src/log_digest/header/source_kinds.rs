//! What kind of header an inferred model is: one that clearly tells each line's severity
//! against its time, and whether a component field follows its columns (asked when a file's
//! lines are told apart into the header models of two formats, `events/mixed_models.rs`).

use super::{Component, HeaderModel};
use crate::log_digest::tokens::Shape;

impl HeaderModel {
    /// Whether the header is clearly one: a level column after a time, a date or a bracketed
    /// field (what a logger's own format writes), or right before a time (a severity letter
    /// glued to the date, then the time: klog/glog's `I0301 09:00:00.123`), not a shape a few
    /// messages happen to share.
    pub fn is_timed_with_level(&self) -> bool {
        self.level_col.is_some_and(|l| {
            self.columns[..l]
                .iter()
                .any(|c| matches!(c, Some(Shape::Time | Shape::DateWord | Shape::Bracket)))
                || self.columns.get(l + 1) == Some(&Some(Shape::Time))
        })
    }

    /// Whether a component field (a logger's `name:`, a code location closing the header,
    /// a relay's program) follows the fixed columns.
    pub fn has_component(&self) -> bool {
        self.component != Component::None
    }

    /// Whether the columns from `from` on are checked fields up to and including a level
    /// column: the header goes on past `from` as a logger writes it, not through words of a
    /// message that a level word happens to follow (`date time http: panic serving …`).
    pub fn checked_to_level_from(&self, from: usize) -> bool {
        self.level_col
            .is_some_and(|l| l >= from && self.columns[from..=l].iter().all(Option::is_some))
    }
}
