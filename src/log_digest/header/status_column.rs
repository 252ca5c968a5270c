//! Where a header's columns end (`HeaderModel::infer`): before the first column where quoted
//! text starts (headers hold none: `"GET / HTTP/1.1"` is message), and before a column that
//! holds a request's status.

use super::{Shape, Spans, MAX_COLS};

/// How many columns a header may have and where a status column stands (`MAX_COLS` when
/// none). `quoted[c]`: the sample lines whose column `c` opens quoted text.
///
/// Class: a request line written as `|`-fenced columns with its status before the request
/// (`<time> | 404 | 1.2ms | ip | GET "/x"`, see `http::column_status`): a column that holds
/// such a status on nearly every line opens the message, since the status is part of the
/// event, never of a logger's header; no logger component comes before it. Unless a level
/// column comes after it: then three digits there are a process's number, and the header
/// goes on to the level.
pub(super) fn limits(
    quoted: &[usize],
    lines: &[&str],
    dominant: &[Option<Shape>],
) -> (usize, usize) {
    let n = lines.len();
    let quoted_at = quoted.iter().position(|&q| q * 2 >= n).unwrap_or(MAX_COLS);
    let mut statuses = [0usize; MAX_COLS];
    for l in lines {
        for (c, &(s, e)) in Spans::of(l, MAX_COLS).get().iter().enumerate() {
            if e - s == 3 && super::super::http::column_status(l.as_bytes(), s, e) {
                statuses[c] += 1;
            }
        }
    }
    let status_at = statuses
        .iter()
        .position(|&k| k * 10 >= n * 9)
        .filter(|&c| !dominant[c..].contains(&Some(Shape::Level)))
        .unwrap_or(MAX_COLS);
    (quoted_at.min(status_at), status_at)
}

#[cfg(test)]
mod tests {
    use super::super::HeaderModel;
    use crate::log_digest::matrix_tally::digest_cell;

    /// Generated lines `[TAG] <date> - <time> | <status> | <duration> | <ip> | <METHOD> "<path>"`:
    /// a made-up tag and routes, statuses cycling, `n` lines.
    fn fenced(n: usize, level: Option<&str>) -> Vec<String> {
        let statuses = [200, 404, 201, 503, 302];
        let routes = ["/vorp/tiles", "/quazz", "/vorp/tiles/{id}/blim"];
        (0..n)
            .map(|i| {
                let route = routes[i % 3].replace("{id}", &(1000 + i * 37).to_string());
                let level = level.map_or(String::new(), |l| format!(" {l} |"));
                format!(
                    "[ZORB] 2031/05/01 - 11:{:02}:{:02} |{level} {} | {:>9}ms | {:>13} | {:<7} \"{route}\"",
                    (i / 60) % 60,
                    i % 60,
                    statuses[(i / 3) % 5],
                    format!("{}.{:03}", i % 90, (i * 7) % 1000),
                    format!("10.{}.{}.{}", i % 7, (i * 3) % 250, 1 + i % 200),
                    ["GET", "POST"][(i / 15) % 2],
                )
            })
            .collect()
    }

    /// Class: a request line written as `|`-fenced columns whose status column comes before the
    /// request (`... | 404 | 1.2ms | ip | GET "/x"`): the status column opens the message, so
    /// the status, the method and the route are the event. Must not fire: a fenced three-digit
    /// column before a level column (a process number: the header goes on to the level), and
    /// fenced numbers in lines that name no request.
    #[test]
    fn a_fenced_status_column_before_a_request_opens_the_message() {
        let lines = fenced(60, None);
        let model = HeaderModel::infer(lines.iter().map(String::as_str));
        for l in &lines {
            let m = model.split(l).message;
            let st = l.split(" | ").nth(1).unwrap_or_default();
            assert!(m.starts_with(st.trim()), "{m:?} of {l:?}");
        }
        // In the digest: one event per method, route and status (ids, times, ips variables).
        let (ids, _) = digest_cell(&(lines.join("\n") + "\n"));
        let mut by_truth = std::collections::BTreeMap::new();
        for (i, (id, tpl)) in ids.iter().enumerate() {
            let truth = format!("{} {} {}", (i / 15) % 2, i % 3, (i / 3) % 5);
            let prev = by_truth.insert(truth.clone(), id.clone());
            assert!(prev.is_none_or(|p| &p == id), "{truth} split: {tpl}");
        }
        let events: std::collections::BTreeSet<_> = ids.iter().map(|(id, _)| id).collect();
        let tpls: std::collections::BTreeSet<_> = ids.iter().map(|(_, t)| t).collect();
        assert_eq!(
            events.len(),
            by_truth.len(),
            "no two events merged: {tpls:?}"
        );

        // Must not fire: a three-digit process number fenced before a level column.
        let pid = fenced(60, Some("INFO"))
            .iter()
            .map(|l| l.replacen("- 11:", "- 311 | 11:", 1))
            .collect::<Vec<_>>();
        let m = HeaderModel::infer(pid.iter().map(String::as_str));
        assert!(m.has_level_column(), "{:?}", m.split(&pid[0]));
        // Fenced numbers in a table that names no request stay where they were.
        let table: Vec<String> = (0..40)
            .map(|i| {
                format!(
                    "2031-05-01 11:00:{:02} | {} | {} | blorp",
                    i % 60,
                    200 + i % 3,
                    i
                )
            })
            .collect();
        let t = HeaderModel::infer(table.iter().map(String::as_str));
        let without = t.split(&table[0]).message;
        assert!(!without.starts_with("200"), "{without:?}");
    }
}
