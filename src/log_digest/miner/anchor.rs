//! HTTP routes and statuses as anchors of an event in the miner: a kept route beside its
//! method, or a status, is never merged into a variable.

use super::{mask, Vocab};

impl Vocab<'_> {
    /// Failure class E (HTTP request lines): whether position `i` of `toks` is a route or
    /// status that tells events apart.
    pub(super) fn anchor(&self, toks: &[u32], i: usize) -> bool {
        match self.anchored[toks[i] as usize] {
            // A method beside its kept route (`GET /orders`, `/orders [GET]`, `GET - /orders`)
            // is part of the event; beside a masked target (`request: "GET <*>"`) it is one
            // field of it.
            mask::HttpAnchor::No => {
                self.method[toks[i] as usize]
                    && self.near(toks, i, |t| {
                        self.anchored[t as usize] == mask::HttpAnchor::AfterMethod
                    })
            }
            mask::HttpAnchor::Always => true,
            mask::HttpAnchor::AfterMethod => self.near(toks, i, |t| self.method[t as usize]),
        }
    }

    /// Whether a token next to position `i` passes `want`, or the token past one lone dash
    /// next to it (`GET - /orders`: a method and its route set apart by a separator).
    fn near(&self, toks: &[u32], i: usize, want: impl Fn(u32) -> bool) -> bool {
        let at = |j: Option<usize>| j.and_then(|j| toks.get(j)).copied();
        let dash = |j: Option<usize>| at(j).is_some_and(|t| self.text[t as usize] == "-");
        let (before, after) = (i.checked_sub(1), Some(i + 1));
        at(before).is_some_and(&want)
            || at(after).is_some_and(&want)
            || (dash(before) && at(i.checked_sub(2)).is_some_and(&want))
            || (dash(after) && at(Some(i + 2)).is_some_and(&want))
    }
}
