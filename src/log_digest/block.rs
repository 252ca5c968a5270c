//! Mining one block of whole lines: events split from their headers, messages mined into the
//! block's own templates, one [`Rec`] per line, error events kept for the root cause. A
//! per-thread cache of exact lines skips the parsing of repeated lines.

use regex::Regex;
use rustc_hash::FxHashMap;

use super::events::{EventParser, Line, Splitter};
use super::header::Level;
use super::miner::{Miner, MinerConfig};
use super::{level_code, reader, time, Rec, CONTINUATION, NO_LEVEL};

/// Error events kept per block for the root-cause search.
const ERRORS_PER_BLOCK: usize = 16;
/// Lines of an event's text kept for the root cause.
const EVENT_LINES: usize = 60;

pub(super) struct BlockOut {
    pub(super) miner: Miner,
    pub(super) recs: Vec<Rec>,
    pub(super) lossy: u64,
    pub(super) errors: Vec<(usize, Option<i64>, Vec<String>, Rec)>,
}

/// An exact-line cache: a line seen before (same bytes, same source format) skips header
/// splitting, masking and timestamp parsing. Only plain single-line heads are cached. It is
/// per worker thread and bounded; a line is cached on its second sighting, so input without
/// repeats pays one hash-set insert per line.
struct LineCache {
    owner: u64,
    /// Direct-mapped table of recently seen line hashes (first sightings).
    seen: Vec<u64>,
    entries: FxHashMap<u64, CachedLine>,
}

struct CachedLine {
    len: usize,
    shape: Box<[u8]>,
    message_at: usize,
    level: Option<Level>,
    ts: i64,
    has_header: bool,
    /// The header is one word and its colon (see [`EventParser::head_header_is_word`]).
    header_is_word: bool,
}

const LINE_CACHE_MAX: usize = 1 << 16;

thread_local! {
    static LINE_CACHE: std::cell::RefCell<LineCache> = std::cell::RefCell::new(LineCache {
        owner: u64::MAX,
        seen: vec![0; LINE_CACHE_MAX],
        entries: FxHashMap::default(),
    });
}

fn line_hash(line: &str) -> u64 {
    use std::hash::Hasher as _;
    let mut h = rustc_hash::FxHasher::default();
    h.write(line.as_bytes());
    h.finish()
}

/// Mines one block of whole lines. `reference` (epoch seconds) places year-less timestamps:
/// the source file's modification time, or now.
pub(super) fn process_block(
    block: &[u8],
    splitter: &Splitter,
    splitter_id: u64,
    grep: Option<&Regex>,
    reference: i64,
) -> BlockOut {
    LINE_CACHE.with_borrow_mut(|cache| {
        if cache.owner != splitter_id {
            cache.owner = splitter_id;
            cache.seen.fill(0);
            cache.entries.clear();
        }
        process_block_cached(block, splitter, grep, reference, cache)
    })
}

fn process_block_cached(
    block: &[u8],
    splitter: &Splitter,
    grep: Option<&Regex>,
    reference: i64,
    cache: &mut LineCache,
) -> BlockOut {
    let mut miner = Miner::new(MinerConfig::default());
    let mut recs = Vec::with_capacity(block.len() / 80);
    let mut lossy = 0;
    let mut errors: Vec<(usize, Option<i64>, Vec<String>, Rec)> = Vec::new();
    let mut parser = EventParser::new(splitter);
    let mut collecting = false;
    let mut head_level = NO_LEVEL;
    let mut head_ts = i64::MIN;
    // The last head: its record's index, its line number and its bytes.
    let mut last_head: Option<(usize, usize, &[u8])> = None;
    // Where heads may be continued by wrapped lines, a head is mined once its message is
    // whole: its message so far, waiting for the next line that is not a wrapped one.
    let wraps = splitter.wraps();
    let mut pending: Option<Pending> = None;
    // One look for an escape byte in the whole block, not one call per line: most logs have
    // no colour at all.
    let coloured = memchr::memchr(0x1b, block).is_some();
    let mut lines = reader::lines(block).enumerate().peekable();
    while let Some((i, raw)) = lines.next() {
        // One line of look-ahead: a line right before a traceback opener may be the
        // exception summary its record printed (not a head to replay from the cache).
        parser.see_next(lines.peek().map(|&(_, next)| next));
        let line = if let Ok(s) = std::str::from_utf8(raw) {
            std::borrow::Cow::Borrowed(s)
        } else {
            lossy += 1;
            String::from_utf8_lossy(raw)
        };
        let line = if coloured {
            reader::strip_ansi(line)
        } else {
            line
        };
        let matched = grep.is_none_or(|g| g.is_match(&line));
        let starts_event = !line.starts_with([' ', '\t']);
        let key = if parser.is_plain() && starts_event && !wraps && !parser.next_opens_traceback() {
            Some(line_hash(&line))
        } else {
            None
        };
        let hit = key
            .and_then(|k| cache.entries.get(&k))
            .filter(|e| e.len == line.len());
        let classified = if hit.is_some() {
            None
        } else {
            Some(parser.line(&line))
        };
        if let Some(Line::Wrapped(text)) = &classified {
            if let Some(p) = pending.as_mut() {
                let fits = p.head_len + 1 + first_word(text).len() <= splitter.wrap_width();
                grow(&mut p.message, &mut p.grown, text, fits);
            }
        } else if let Some(p) = pending.take() {
            p.mine(&mut miner, &mut recs, &mut errors);
        }
        let head = if let Some(e) = hit {
            parser.replay_plain_head(&line, e.has_header, e.header_is_word, e.level);
            let cluster = miner.add_shape(&e.shape, &line[e.message_at..]);
            miner.note_level(cluster, level_code(e.level));
            Some((cluster, e.level, e.ts))
        } else if let Some(Line::Head {
            header,
            message,
            level,
        }) = classified
        {
            // A record that says nothing but its tag, over a stack written one record at a
            // time, is named by the block's first line that says something.
            let said = parser.opened_empty_record().then(|| lines.peek()).flatten();
            let message = match said.and_then(|&(_, next)| {
                let next = String::from_utf8_lossy(next);
                let next = if coloured {
                    reader::strip_ansi(next)
                } else {
                    next
                };
                parser.empty_record_message(&next)
            }) {
                Some(said) => std::borrow::Cow::Owned(said),
                None => message,
            };
            let cluster = if wraps {
                pending = Some(Pending {
                    at: recs.len(),
                    error: None,
                    message: message.as_ref().to_owned(),
                    grown: false,
                    head_len: line.trim_end().len(),
                });
                CONTINUATION
            } else {
                let cluster = miner.add(&message);
                miner.note_level(cluster, level_code(level));
                cluster
            };
            let ts = if header.is_empty() {
                i64::MIN
            } else {
                time::parse_at(header, reference).unwrap_or(i64::MIN)
            };
            if let (Some(k), std::borrow::Cow::Borrowed(m)) = (key, &message) {
                // A head without a header may be a continuation after another head
                // (see `Splitter::joins_headerless`): it is not cached.
                if parser.head_was_plain()
                    && (parser.head_has_header() || !splitter.joins_headerless())
                {
                    if cache.entries.len() >= LINE_CACHE_MAX {
                        cache.entries.clear();
                    }
                    let slot = (k as usize) & (LINE_CACHE_MAX - 1);
                    if cache.seen[slot] == k {
                        let message_at = m.as_ptr() as usize - line.as_ptr() as usize;
                        cache.entries.insert(
                            k,
                            CachedLine {
                                len: line.len(),
                                shape: miner.shape_text(cluster).into(),
                                message_at,
                                level,
                                ts,
                                has_header: parser.head_has_header(),
                                header_is_word: parser.head_header_is_word(),
                            },
                        );
                    } else {
                        // First sighting: remember the hash only.
                        cache.seen[slot] = k;
                    }
                }
            }
            Some((cluster, level, ts))
        } else {
            None
        };
        if let Some((cluster, level, ts)) = head {
            head_level = level_code(level);
            head_ts = ts;
            collecting = false;
            let rec = Rec {
                cluster,
                level: head_level,
                grep: matched,
                cont: false,
                ts,
            };
            if level.is_some_and(|l| l >= Level::Error) && errors.len() < ERRORS_PER_BLOCK {
                errors.push((
                    i,
                    (ts != i64::MIN).then_some(ts),
                    vec![line.to_string()],
                    rec,
                ));
                collecting = true;
                if let Some(p) = pending.as_mut() {
                    p.error = Some(errors.len() - 1);
                }
            }
            last_head = Some((recs.len(), i, raw));
            recs.push(rec);
        } else {
            if let (Some(l), Some((at, hi, hraw))) = (parser.take_raised(), last_head) {
                // The continuation showed the event is an error (a traceback under a head
                // with no level).
                head_level = level_code(Some(l));
                recs[at].level = head_level;
                if errors.len() < ERRORS_PER_BLOCK {
                    errors.push((
                        hi,
                        (head_ts != i64::MIN).then_some(head_ts),
                        vec![String::from_utf8_lossy(hraw).into_owned()],
                        recs[at],
                    ));
                    collecting = true;
                }
            }
            if collecting {
                if let Some(e) = errors.last_mut() {
                    if e.2.len() < EVENT_LINES {
                        e.2.push(line.to_string());
                    }
                }
            }
            recs.push(Rec {
                cluster: CONTINUATION,
                level: head_level,
                grep: matched,
                cont: true,
                ts: head_ts,
            });
        }
    }
    if let Some(p) = pending.take() {
        p.mine(&mut miner, &mut recs, &mut errors);
    }
    BlockOut {
        miner,
        recs,
        lossy,
        errors,
    }
}

/// A head whose message may still grow by wrapped lines ([`Line::Wrapped`]): its record and
/// its error entry get their cluster once the message is whole.
struct Pending {
    at: usize,
    error: Option<usize>,
    message: String,
    /// Wrapped text was added to the head's message.
    grown: bool,
    /// The head line's length.
    head_len: usize,
}

fn first_word(t: &str) -> &str {
    t.split(char::is_whitespace).next().unwrap_or(t)
}

/// Adds a wrapped line's text to a head's message. A console wraps a line only where its
/// next word does not fit (`fits`: the wrapped line's first word would have fitted on the
/// head line, within the widest wrapped line seen). A head whose message is one token and
/// whose text goes on below although it would have fitted is a record written in two parts,
/// its header (a level, a name with an event id: `level: alpha.Beta[3]`) on the first line
/// and its message below: that token is the record's name, a header field, and the message
/// starts with the wrapped text.
fn grow(message: &mut String, grown: &mut bool, text: &str, fits: bool) {
    let m = message.trim();
    if fits && !*grown && !m.is_empty() && !m.contains(char::is_whitespace) {
        message.clear();
    } else {
        message.push(' ');
    }
    message.push_str(text);
    *grown = true;
}

impl Pending {
    fn mine(
        self,
        miner: &mut Miner,
        recs: &mut [Rec],
        errors: &mut [(usize, Option<i64>, Vec<String>, Rec)],
    ) {
        let cluster = miner.add(&self.message);
        miner.note_level(cluster, recs[self.at].level);
        recs[self.at].cluster = cluster;
        if let Some(e) = self.error.and_then(|e| errors.get_mut(e)) {
            e.3.cluster = cluster;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::grow;

    #[test]
    fn a_one_token_head_continued_below_is_a_name_not_message() {
        // Class: a record written in two parts, `level: alpha.Beta[3]` then its message on
        // the lines below: the name is header, the message starts below.
        let (mut m, mut grown) = ("alpha.Beta[3]".to_owned(), false);
        grow(&mut m, &mut grown, "gamma delta", true);
        grow(&mut m, &mut grown, "epsilon", true);
        assert_eq!(m, "gamma delta epsilon");
        // A long token wrapped because the next word did not fit is the message's start.
        let (mut m, mut grown) = ("alpha-beta-gamma".to_owned(), false);
        grow(&mut m, &mut grown, "delta epsilon", false);
        assert_eq!(m, "alpha-beta-gamma delta epsilon");
        // A head with a message of several words keeps it and grows.
        let (mut m, mut grown) = ("gamma delta".to_owned(), false);
        grow(&mut m, &mut grown, "epsilon zeta", true);
        assert_eq!(m, "gamma delta epsilon zeta");
        // Only the first wrapped line replaces a one-token head.
        let (mut m, mut grown) = ("gamma".to_owned(), true);
        grow(&mut m, &mut grown, "delta", true);
        assert_eq!(m, "gamma delta");
    }
}
