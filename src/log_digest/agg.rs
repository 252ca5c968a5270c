//! The aggregates the digest is cut from: per (source, template, level, --grep match, time
//! bucket), the count, first and last lines, extreme times and a coarse line histogram. Memory
//! is bounded by [`MAX_ENTRIES`], not by the number of lines: time buckets and line slices
//! widen as they fill.

use rustc_hash::FxHashMap;

use super::Rec;

/// Fine slices of a source's lines kept per [`Entry`] for sparklines over the input (when
/// there are no timestamps): up to this many, each `1 << Agg::shift` lines wide.
const FINE_BINS: usize = 2048;

/// Entries kept before times are put in coarser buckets (each entry is about 200 bytes).
const MAX_ENTRIES: usize = 1 << 16;

/// The event heads of one (source, cluster, level, --grep match, time bucket): what the digest
/// needs without a record per line. A bucket is one second until there are more than
/// [`MAX_ENTRIES`] entries, then 2, 4, 8… seconds.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub(super) source: u32,
    pub(super) cluster: u32,
    pub(super) level: u8,
    pub(super) grep: bool,
    /// The bucket: `ts >> Agg::tshift` (`i64::MIN` without a timestamp).
    bucket: i64,
    /// The earliest time in the bucket and the first line with it; the latest and the last
    /// line with it.
    pub(super) min_ts: i64,
    pub(super) first_at_min: usize,
    pub(super) max_ts: i64,
    pub(super) last_at_max: usize,
    pub(super) count: u64,
    /// First and last line index (0-based, within the source).
    pub(super) first: usize,
    pub(super) last: usize,
    /// (fine slice of the source's lines, events in it), in line order.
    pub(super) bins: Vec<(u32, u32)>,
}

impl Entry {
    /// A time standing for the bucket (exact while buckets are one second).
    pub(super) fn mid_ts(&self) -> i64 {
        let mid = (i128::from(self.min_ts) + i128::from(self.max_ts)) / 2;
        i64::try_from(mid).unwrap_or(self.min_ts)
    }

    /// Folds `o` (same key) into this entry.
    fn absorb(&mut self, other: &Entry) {
        self.count += other.count;
        self.first = self.first.min(other.first);
        self.last = self.last.max(other.last);
        if (other.min_ts, other.first_at_min) < (self.min_ts, self.first_at_min) {
            self.min_ts = other.min_ts;
            self.first_at_min = other.first_at_min;
        }
        if (other.max_ts, other.last_at_max) > (self.max_ts, self.last_at_max) {
            self.max_ts = other.max_ts;
            self.last_at_max = other.last_at_max;
        }
        let mut bins: Vec<(u32, u32)> = self.bins.iter().chain(&other.bins).copied().collect();
        bins.sort_by_key(|b| b.0);
        bins.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1 += later.1;
            }
            same
        });
        self.bins = bins;
    }
}

type EntryKey = (u32, u32, u8, bool, i64);

/// Per-template aggregates of the event heads: memory is bounded by [`MAX_ENTRIES`], not by
/// the number of lines.
#[derive(Debug, Default)]
pub(super) struct Agg {
    pub(super) entries: Vec<Entry>,
    index: FxHashMap<EntryKey, u32>,
    /// Per global cluster, the entry it last went to (`u32::MAX`: none yet).
    hint: Vec<u32>,
    /// Fine line slices are `1 << shift` lines wide.
    pub(super) shift: u32,
    /// Time buckets are `1 << tshift` seconds wide.
    tshift: u32,
}

impl Agg {
    fn bucket(&self, ts: i64) -> i64 {
        if ts == i64::MIN {
            i64::MIN
        } else {
            ts >> self.tshift
        }
    }

    /// Counts one event head `r` (global cluster id) at line index `line` of `source`.
    pub(super) fn add(&mut self, source: u32, r: &Rec, line: usize) {
        while line >= FINE_BINS << self.shift {
            self.coarsen_lines();
        }
        if self.entries.len() >= MAX_ENTRIES {
            self.coarsen_times();
        }
        let bucket = self.bucket(r.ts);
        let slot = r.cluster as usize;
        if self.hint.len() <= slot {
            self.hint.resize(slot + 1, u32::MAX);
        }
        let mut ix = self.hint[slot];
        let hit = self.entries.get(ix as usize).is_some_and(|e| {
            e.source == source && e.level == r.level && e.grep == r.grep && e.bucket == bucket
        });
        if !hit {
            let entries = &mut self.entries;
            ix = *self
                .index
                .entry((source, r.cluster, r.level, r.grep, bucket))
                .or_insert_with(|| {
                    entries.push(Entry {
                        source,
                        cluster: r.cluster,
                        level: r.level,
                        grep: r.grep,
                        bucket,
                        min_ts: r.ts,
                        first_at_min: line,
                        max_ts: r.ts,
                        last_at_max: line,
                        count: 0,
                        first: line,
                        last: line,
                        bins: Vec::new(),
                    });
                    u32::try_from(entries.len() - 1).unwrap_or(u32::MAX)
                });
            self.hint[slot] = ix;
        }
        let Some(e) = self.entries.get_mut(ix as usize) else {
            return;
        };
        e.count += 1;
        e.last = line;
        if r.ts < e.min_ts {
            e.min_ts = r.ts;
            e.first_at_min = line;
        }
        if r.ts >= e.max_ts {
            e.max_ts = r.ts;
            e.last_at_max = line;
        }
        let bin = u32::try_from(line >> self.shift).unwrap_or(u32::MAX);
        match e.bins.last_mut() {
            Some((b, n)) if *b == bin => *n += 1,
            _ => e.bins.push((bin, 1)),
        }
    }

    /// Doubles the width of the fine line slices.
    fn coarsen_lines(&mut self) {
        self.shift += 1;
        for e in &mut self.entries {
            let mut out: Vec<(u32, u32)> = Vec::with_capacity(e.bins.len());
            for &(b, n) in &e.bins {
                match out.last_mut() {
                    Some((ob, on)) if *ob == b >> 1 => *on += n,
                    _ => out.push((b >> 1, n)),
                }
            }
            e.bins = out;
        }
    }

    /// Doubles the width of the time buckets until at most half of [`MAX_ENTRIES`] remain
    /// (in place: entries sorted by key, neighbours with the same key folded together).
    fn coarsen_times(&mut self) {
        let key = |e: &Entry| (e.source, e.cluster, e.level, e.grep, e.bucket);
        while self.entries.len() > MAX_ENTRIES / 2 && self.tshift < 62 {
            self.tshift += 1;
            let tshift = self.tshift;
            for e in &mut self.entries {
                if e.bucket != i64::MIN {
                    e.bucket = e.min_ts >> tshift;
                }
            }
            self.entries.sort_unstable_by_key(key);
            self.entries.dedup_by(|later, kept| {
                let same = key(later) == key(kept);
                if same {
                    kept.absorb(later);
                }
                same
            });
        }
        self.entries.shrink_to(MAX_ENTRIES);
        self.index.clear();
        for (ix, e) in self.entries.iter().enumerate() {
            self.index
                .insert(key(e), u32::try_from(ix).unwrap_or(u32::MAX));
        }
        self.hint.fill(u32::MAX);
    }
}

#[cfg(test)]
mod tests {
    /// Aggregates stay bounded however many distinct seconds come in, and keep the totals,
    /// first/last lines and extreme times exact.
    #[test]
    fn aggregates_are_bounded_and_keep_totals_exact() {
        let mut agg = super::Agg::default();
        let n = super::MAX_ENTRIES * 3;
        for line in 0..n {
            // Two clusters, every line a new second, out of order now and then.
            let ts = 1_700_000_000
                + if line % 7 == 3 {
                    -(line as i64)
                } else {
                    line as i64
                };
            let r = super::Rec {
                cluster: (line % 2) as u32,
                level: 3,
                grep: true,
                cont: false,
                ts,
            };
            agg.add(0, &r, line);
        }
        assert!(
            agg.entries.len() <= super::MAX_ENTRIES,
            "{}",
            agg.entries.len()
        );
        assert!(agg.tshift > 0 && agg.shift > 0);
        let total: u64 = agg.entries.iter().map(|e| e.count).sum();
        assert_eq!(total, n as u64);
        for c in 0..2u32 {
            let mine: Vec<&super::Entry> = agg.entries.iter().filter(|e| e.cluster == c).collect();
            let bins: u64 = mine
                .iter()
                .flat_map(|e| &e.bins)
                .map(|b| u64::from(b.1))
                .sum();
            assert_eq!(bins, mine.iter().map(|e| e.count).sum::<u64>());
            assert_eq!(mine.iter().map(|e| e.first).min(), Some(c as usize));
            assert_eq!(mine.iter().map(|e| e.last).max(), Some(n - 2 + c as usize));
            let want_min = (0..n)
                .filter(|l| l % 2 == c as usize)
                .map(|l| 1_700_000_000 + if l % 7 == 3 { -(l as i64) } else { l as i64 })
                .min();
            assert_eq!(mine.iter().map(|e| e.min_ts).min(), want_min);
        }
    }
}
