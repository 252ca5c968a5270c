//! Terminal rendering of [`Section`]s through comfy-table, with the Ui's colour decision.

use comfy_table::{Attribute, Cell as TCell, Color};

use super::{Cell, Section};
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
                        .map(|h| TCell::new(h).add_attribute(Attribute::Bold)),
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
                    out.push_str(&format!("  {k}:{pad} {}\n", ui.paint_out(&v.text, v.tone)));
                }
            }
        }
    }
    out
}

fn to_cell(cell: &Cell, color: bool) -> TCell {
    let c = TCell::new(&cell.text);
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
