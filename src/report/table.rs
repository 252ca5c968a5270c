//! Terminal rendering of [`Section`]s through comfy-table, with the Ui's colour decision.

use comfy_table::{Attribute, Cell as TCell, Color};

use super::{clip_cell, Cell, Section};
use crate::output::{Tone, Ui};

/// Renders sections as terminal text (tables fitted to the width, titles in bold).
pub fn render(sections: &[Section], ui: &Ui) -> String {
    let mut out = String::new();
    for (i, section) in sections.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        match section {
            Section::Table {
                title,
                headers,
                rows,
            } => {
                if let Some(t) = title {
                    out.push_str(&ui.paint_out(t, Tone::Bold));
                    out.push('\n');
                }
                let mut table = ui.table();
                table.set_header(
                    headers
                        .iter()
                        .map(|h| TCell::new(clip_cell(h)).add_attribute(Attribute::Bold)),
                );
                for row in rows {
                    table.add_row(row.iter().map(|c| to_cell(c, ui.out_color())));
                }
                out.push_str(&table.to_string());
                out.push('\n');
            }
            Section::Text { title, body, tone } => {
                if let Some(t) = title {
                    out.push_str(&ui.paint_out(t, Tone::Bold));
                    out.push('\n');
                }
                for line in body.lines() {
                    out.push_str(&ui.paint_out(line, *tone));
                    out.push('\n');
                }
            }
            Section::Pairs { title, pairs } => {
                if let Some(t) = title {
                    out.push_str(&ui.paint_out(t, Tone::Bold));
                    out.push('\n');
                }
                let width = pairs
                    .iter()
                    .map(|(k, _)| k.chars().count())
                    .max()
                    .unwrap_or(0);
                for (k, v) in pairs {
                    let pad = " ".repeat(width - k.chars().count());
                    let text = clip_cell(&v.text);
                    out.push_str(&format!("  {k}:{pad} {}\n", ui.paint_out(&text, v.tone)));
                }
            }
        }
    }
    out
}

fn to_cell(cell: &Cell, color: bool) -> TCell {
    let c = TCell::new(clip_cell(&cell.text));
    if !color {
        return c;
    }
    match cell.tone {
        Tone::Plain => c,
        Tone::Error => c.fg(Color::Red).add_attribute(Attribute::Bold),
        Tone::Warning => c.fg(Color::Yellow),
        Tone::Info => c.fg(Color::Cyan),
        Tone::Good => c.fg(Color::Green),
        Tone::Dim => c.add_attribute(Attribute::Dim),
        Tone::Bold => c.add_attribute(Attribute::Bold),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::MAX_CELL_CHARS;

    #[test]
    fn a_huge_cell_is_cut_to_a_readable_width() {
        // A 5 MB header or value: without the cap the layout takes seconds (50 MB: forever) and
        // prints all of it.
        let huge = "é".repeat(5_000_000);
        let ui = Ui::with_writers(Box::new(std::io::sink()), Box::new(std::io::sink()));
        let out = render(
            &[
                Section::Table {
                    title: None,
                    headers: vec![huge.clone(), "b".into()],
                    rows: vec![vec![Cell::new(huge.clone()), Cell::new("short")]],
                },
                Section::Pairs {
                    title: None,
                    pairs: vec![("key".into(), Cell::new(huge.clone()))],
                },
            ],
            &ui,
        );
        // Three clipped cells, the header row's rule and padding: a few lines of about 200.
        assert!(
            out.chars().count() < 10 * MAX_CELL_CHARS,
            "{} chars",
            out.len()
        );
        let cut = format!("{}…", "é".repeat(MAX_CELL_CHARS - 1));
        assert_eq!(out.matches(&cut).count(), 3, "{out}");
        assert!(out.contains("short"));
        assert_eq!(clip_cell("short"), "short");
        let exact = "x".repeat(MAX_CELL_CHARS);
        assert_eq!(clip_cell(&exact), exact);
    }
}
