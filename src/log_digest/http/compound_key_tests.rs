//! Flat request records whose keys carry a prefix (`compound_word`).

use crate::log_digest::mask::masked;
use crate::log_digest::matrix_tally::digest_cell;
use std::collections::{BTreeMap, BTreeSet};

/// Class: a flat JSON request record naming its fields with a prefix (`<Prefix>Method`,
/// `<Prefix>Path`, `<Prefix>Status`, written on every record, with an empty message): the
/// method, the route and the status are the event, as under bare `method`/`path`/`status`
/// keys. Generated with made-up prefixes and routes. Must not fire: a prefixed status word
/// in records that name no method stays context (one event), and `<prefix>_status=143` in a
/// text line that names no method stays a variable.
#[test]
fn prefixed_request_keys_of_a_flat_record_name_the_event() {
    let mut lines = Vec::new();
    let mut truth = Vec::new();
    for i in 0..72usize {
        let (m, st) = (["GET", "POST"][i % 2], [200, 404, 503][(i / 2) % 3]);
        let route = ["/vorp/tiles", "/quazz/{id}/blim"][(i / 6) % 2];
        let path = route.replace("{id}", &(1000 + i * 37).to_string());
        lines.push(format!(
            r#"{{"PeerAddr":"10.0.{}.{}:{}","ZibDuration":{},"ZibMethod":"{m}","ZibPath":"{path}","ZibProto":"HTTP/1.1","OutwardStatus":{st},"level":"info","msg":"","time":"2031-05-01T11:00:{:02}Z"}}"#,
            i % 7,
            1 + i % 250,
            2000 + i,
            100_000 + i * 977,
            i % 60
        ));
        truth.push(format!("{m} {route} {st}"));
    }
    let (ids, _) = digest_cell(&(lines.join("\n") + "\n"));
    let mut by_truth: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (t, (_, tpl)) in truth.iter().zip(&ids) {
        by_truth.entry(t).or_default().insert(tpl);
    }
    let tpls: BTreeSet<_> = ids.iter().map(|(_, t)| t).collect();
    assert!(by_truth.values().all(|t| t.len() == 1), "{by_truth:?}");
    assert_eq!(tpls.len(), 12, "{tpls:?}");

    // Must not fire: no method named, the prefixed status word is context.
    let jobs: Vec<String> = (0..30)
        .map(|i| {
            format!(
                r#"{{"JobStatus":"{}","level":"info","msg":"tick done","n":{i}}}"#,
                ["running", "idle", "done"][i % 3]
            )
        })
        .collect();
    let (ids, _) = digest_cell(&(jobs.join("\n") + "\n"));
    let one: BTreeSet<_> = ids.iter().map(|(id, _)| id).collect();
    assert_eq!(one.len(), 1, "{ids:?}");
    assert_eq!(
        masked("zorb ended zib_status=143 after 5"),
        masked("zorb ended zib_status=137 after 5")
    );
}
