//! The template miner: feed it messages (log lines with their headers removed), get back
//! templates (`Connection to <*> refused`) with counts and an example each.
//!
//! How it works:
//! 1. Each message is tokenised on whitespace and variable-looking tokens are masked
//!    ([`super::mask`]); runs of masked tokens collapse into one `<*>`.
//! 2. A shape cache (hash of the masked token sequence) sends a message whose shape was seen
//!    before straight to its cluster, so repeated shapes cost one hash.
//! 3. New shapes go through a Drain-like search: clusters are bucketed by token count and
//!    first token; the most similar cluster in the bucket absorbs the message when enough
//!    positions agree, and positions that disagree become `<*>`.
//! 4. [`Miner::finish`] runs a whole-file pass that merges clusters whose templates differ only
//!    in positions that vary a lot across the file, then gives each template a stable id (a hash
//!    of its text), so the same template has the same id in every run.
//!
//! Miners can run on chunks in parallel and be combined with [`Miner::absorb`] in chunk order,
//! which keeps the result deterministic.

use std::hash::{Hash, Hasher};

use rustc_hash::{FxHashMap, FxHasher};
use serde::Serialize;

use super::mask::{self, WILDCARD};

/// Token id of the wildcard in every interner.
const WILD: u32 = 0;

/// Tuning of the miner. The defaults are used for every log: there are no per-format settings.
#[derive(Debug, Clone)]
pub struct MinerConfig {
    /// Fraction of positions that must agree for a message to join a cluster (Drain's `st`).
    pub similarity: f64,
}

impl Default for MinerConfig {
    fn default() -> Self {
        Self { similarity: 0.5 }
    }
}

#[derive(Debug, Clone)]
struct Cluster {
    tokens: Vec<u32>,
    count: u64,
    example: String,
}

/// A Drain-like online template miner. See the module docs.
#[derive(Debug, Clone, Default)]
pub struct Miner {
    config: MinerConfig,
    names: Vec<Box<str>>,
    ids: FxHashMap<Box<str>, u32>,
    clusters: Vec<Cluster>,
    buckets: FxHashMap<(u32, u32), Vec<u32>>,
    cache: FxHashMap<u64, u32>,
    scratch: Vec<u32>,
}

/// A mined template.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Template {
    /// Stable id: a hash of the template text.
    pub id: String,
    /// The template, variable parts as `<*>`.
    pub text: String,
    /// How many messages it covers.
    pub count: u64,
    /// The first message seen for it.
    pub example: String,
}

/// The result of [`Miner::finish`].
#[derive(Debug, Clone)]
pub struct Mined {
    /// Templates, in order of first appearance.
    pub templates: Vec<Template>,
    /// For each cluster index returned by [`Miner::add`], the index into `templates`.
    pub cluster_template: Vec<u32>,
}

impl Mined {
    /// The template a cluster index (from [`Miner::add`]) ended up in.
    pub fn template_of(&self, cluster: u32) -> &Template {
        &self.templates[self.cluster_template[cluster as usize] as usize]
    }
}

impl Miner {
    /// A miner with the given settings.
    pub fn new(config: MinerConfig) -> Self {
        let mut m = Self {
            config,
            ..Self::default()
        };
        m.intern(WILDCARD);
        m
    }

    /// Number of clusters so far.
    pub fn cluster_count(&self) -> usize {
        self.clusters.len()
    }

    fn intern(&mut self, tok: &str) -> u32 {
        if let Some(&id) = self.ids.get(tok) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(tok.into());
        self.ids.insert(tok.into(), id);
        id
    }

    /// Adds one message and returns the index of its cluster (valid for this miner only; map it
    /// through [`Mined::cluster_template`] after [`Miner::finish`]).
    pub fn add(&mut self, message: &str) -> u32 {
        let mut h = FxHasher::default();
        let mut n = 0u32;
        mask::for_each_token(message, |t| {
            t.hash(&mut h);
            n += 1;
        });
        n.hash(&mut h);
        let key = h.finish();
        if let Some(&c) = self.cache.get(&key) {
            self.clusters[c as usize].count += 1;
            return c;
        }
        let mut toks = std::mem::take(&mut self.scratch);
        toks.clear();
        mask::for_each_token(message, |t| {
            let id = if t == WILDCARD { WILD } else { self.intern(t) };
            toks.push(id);
        });
        let c = self.place(&toks, 1, message);
        self.scratch = toks;
        self.cache.insert(key, c);
        c
    }

    fn bucket_key(toks: &[u32]) -> (u32, u32) {
        (toks.len() as u32, toks.first().copied().unwrap_or(WILD))
    }

    /// Finds the best cluster for `toks` (Drain's rule) or makes a new one.
    fn place(&mut self, toks: &[u32], count: u64, example: &str) -> u32 {
        let key = Self::bucket_key(toks);
        let mut best: Option<(u32, f64, usize)> = None;
        if let Some(list) = self.buckets.get(&key) {
            for &ci in list {
                let c = &self.clusters[ci as usize];
                let (same, wild) = similarity(&c.tokens, toks);
                let sim = same as f64 / toks.len().max(1) as f64;
                let better = match best {
                    None => true,
                    Some((_, bs, bw)) => sim > bs || (sim == bs && wild > bw),
                };
                if better {
                    best = Some((ci, sim, wild));
                }
            }
        }
        if let Some((ci, sim, _)) = best {
            if sim >= self.config.similarity || toks.is_empty() {
                let c = &mut self.clusters[ci as usize];
                for (t, &m) in c.tokens.iter_mut().zip(toks) {
                    if *t != m {
                        *t = WILD;
                    }
                }
                c.count += count;
                return ci;
            }
        }
        let ci = self.clusters.len() as u32;
        self.clusters.push(Cluster {
            tokens: toks.to_vec(),
            count,
            example: example.to_owned(),
        });
        self.buckets.entry(key).or_default().push(ci);
        ci
    }

    /// Merges the clusters of `other` (mined on a later chunk) into this miner, in order.
    /// Returns, for each cluster index of `other`, its cluster index here.
    pub fn absorb(&mut self, other: &Miner) -> Vec<u32> {
        let mut map = Vec::with_capacity(other.clusters.len());
        let mut toks = Vec::new();
        for c in &other.clusters {
            toks.clear();
            for &t in &c.tokens {
                toks.push(if t == WILD {
                    WILD
                } else {
                    self.intern(&other.names[t as usize])
                });
            }
            map.push(self.place(&toks, c.count, &c.example));
        }
        map
    }

    /// Ends mining: merges clusters across the whole input and assigns stable ids.
    pub fn finish(&self) -> Mined {
        let n = self.clusters.len();
        let mut parent: Vec<u32> = (0..n as u32).collect();
        let mut tokens: Vec<Vec<u32>> = self.clusters.iter().map(|c| c.tokens.clone()).collect();
        merge_pass(&self.clusters, &mut parent, &mut tokens);
        // Group by root, then by identical text (two roots may render the same).
        let mut text_index: FxHashMap<String, u32> = FxHashMap::default();
        let mut templates: Vec<Template> = Vec::new();
        let mut root_template: FxHashMap<u32, u32> = FxHashMap::default();
        let mut cluster_template = vec![0u32; n];
        for i in 0..n {
            let r = find(&mut parent, i as u32);
            let t = if let Some(&t) = root_template.get(&r) {
                t
            } else {
                let text = self.render(&tokens[r as usize]);
                let t = if let Some(&t) = text_index.get(&text) {
                    t
                } else {
                    let t = templates.len() as u32;
                    templates.push(Template {
                        id: template_id(&text),
                        text: text.clone(),
                        count: 0,
                        example: self.clusters[i].example.clone(),
                    });
                    text_index.insert(text, t);
                    t
                };
                root_template.insert(r, t);
                t
            };
            templates[t as usize].count += self.clusters[i].count;
            cluster_template[i] = t;
        }
        Mined {
            templates,
            cluster_template,
        }
    }

    fn render(&self, toks: &[u32]) -> String {
        let mut s = String::new();
        for (i, &t) in toks.iter().enumerate() {
            if i > 0 {
                s.push(' ');
            }
            s.push_str(&self.names[t as usize]);
        }
        s
    }
}

/// (positions equal and not wildcard, wildcard positions in the template).
fn similarity(template: &[u32], toks: &[u32]) -> (usize, usize) {
    let mut same = 0;
    let mut wild = 0;
    for (&a, &b) in template.iter().zip(toks) {
        if a == WILD {
            wild += 1;
        } else if a == b {
            same += 1;
        }
    }
    (same, wild)
}

fn find(parent: &mut [u32], mut i: u32) -> u32 {
    while parent[i as usize] != i {
        let p = parent[i as usize];
        parent[i as usize] = parent[p as usize];
        i = p;
    }
    i
}

/// Whole-input merge of clusters (placeholder for the smarter pass: currently none).
fn merge_pass(_clusters: &[Cluster], _parent: &mut [u32], _tokens: &mut [Vec<u32>]) {}

/// A stable id for a template text: 64-bit FNV-1a, as 16 hex digits.
pub fn template_id(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in text.as_bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_lines_that_differ_in_variables() {
        let mut m = Miner::new(MinerConfig::default());
        let a = m.add("Connection to 10.0.0.1:5432 refused");
        let b = m.add("Connection to 10.0.0.2:5432 refused");
        let c = m.add("User alice logged in");
        let d = m.add("User bob logged in");
        let mined = m.finish();
        assert_eq!(a, b);
        assert_eq!(c, d);
        assert_ne!(a, c);
        assert_eq!(mined.template_of(a).text, "Connection to <*> refused");
        assert_eq!(mined.template_of(c).text, "User <*> logged in");
        assert_eq!(mined.template_of(c).count, 2);
    }

    #[test]
    fn ids_are_stable_hashes_of_text() {
        assert_eq!(template_id("a <*>"), template_id("a <*>"));
        assert_ne!(template_id("a <*>"), template_id("b <*>"));
        assert_eq!(template_id("").len(), 16);
    }

    #[test]
    fn absorb_maps_chunks_onto_one_miner() {
        let mut a = Miner::new(MinerConfig::default());
        let mut b = Miner::new(MinerConfig::default());
        let x = a.add("disk full on sda1");
        let y = b.add("disk full on sdb2");
        let map = a.absorb(&b);
        assert_eq!(map[y as usize], x);
    }
}
