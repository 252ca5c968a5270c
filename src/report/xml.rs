//! Text for markup: the one escape for everything velo writes as XML, SVG or HTML (the
//! heatmap and `--plot` SVGs, the backtest HTML report). JUnit XML is written by `quick-junit`,
//! which escapes its own text.

/// `text` made safe inside an element or a double-quoted attribute: `&`, `<`, `>` and `"`
/// become entities; everything else is kept as it is.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_become_entities_once() {
        assert_eq!(escape("a<b&\"c\">"), "a&lt;b&amp;&quot;c&quot;&gt;");
        assert_eq!(escape("&amp;"), "&amp;amp;");
        assert_eq!(escape("plain 'text' é"), "plain 'text' é");
        let svg = format!("<text>{}</text>", escape("x < y & z"));
        assert!(roxmltree::Document::parse(&svg).is_ok(), "{svg}");
    }
}
