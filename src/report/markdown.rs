//! Markdown rendering of [`Section`]s: GitHub-flavoured tables, safe for PR comments and step summaries.

use super::Section;

/// Escapes text for a Markdown table cell: pipes, newlines and HTML-significant characters.
pub fn escape_cell(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '|' => s.push_str("\\|"),
            '\n' => s.push_str("<br>"),
            '\r' => {}
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '`' => s.push_str("\\`"),
            _ => s.push(ch),
        }
    }
    s
}

/// Renders sections as Markdown.
pub fn render(sections: &[Section]) -> String {
    let mut out = String::new();
    for section in sections {
        match section {
            Section::Table {
                title,
                headers,
                rows,
            } => {
                if let Some(t) = title {
                    out.push_str(&format!("### {t}\n\n"));
                }
                out.push_str(&row(headers.iter().map(String::as_str)));
                out.push_str(&row(headers.iter().map(|_| "---")));
                for r in rows {
                    out.push_str(&row(r.iter().map(|c| c.text.as_str())));
                }
                out.push('\n');
            }
            Section::Text { title, body, .. } => {
                if let Some(t) = title {
                    out.push_str(&format!("### {t}\n\n"));
                }
                if body.contains('\n') {
                    out.push_str("```\n");
                    out.push_str(body.trim_end_matches('\n'));
                    out.push_str("\n```\n\n");
                } else {
                    out.push_str(body);
                    out.push_str("\n\n");
                }
            }
            Section::Pairs { title, pairs } => {
                if let Some(t) = title {
                    out.push_str(&format!("### {t}\n\n"));
                }
                for (k, v) in pairs {
                    out.push_str(&format!(
                        "- **{}**: {}\n",
                        escape_cell(k),
                        escape_cell(&v.text)
                    ));
                }
                out.push('\n');
            }
        }
    }
    out
}

fn row<'a>(cells: impl Iterator<Item = &'a str>) -> String {
    let mut s = String::from("|");
    for c in cells {
        s.push(' ');
        s.push_str(&escape_cell(c));
        s.push_str(" |");
    }
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Cell;

    #[test]
    fn tables_escape_pipes_and_newlines() {
        let md = render(&[Section::Table {
            title: Some("Findings".into()),
            headers: vec!["a".into(), "b".into()],
            rows: vec![vec![Cell::new("x|y"), Cell::new("1\n2")]],
        }]);
        assert_eq!(
            md,
            "### Findings\n\n| a | b |\n| --- | --- |\n| x\\|y | 1<br>2 |\n\n"
        );
    }
}
