//! GitHub Actions output: workflow-command annotations (`::error file=…,line=…::msg`) and the
//! Markdown step summary (`GITHUB_STEP_SUMMARY`).

use std::io::Write;
use std::path::Path;

use super::{Annotation, AnnotationLevel};

/// Escapes a workflow-command message (`%`, CR, LF).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow-command property value (`%`, CR, LF, `:` and `,`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Renders annotations, one workflow command per line.
pub fn render(annotations: &[Annotation]) -> String {
    let mut out = String::new();
    for a in annotations {
        let level = match a.level {
            AnnotationLevel::Error => "error",
            AnnotationLevel::Warning => "warning",
            AnnotationLevel::Notice => "notice",
        };
        let mut props = Vec::new();
        if let Some(f) = &a.file {
            props.push(format!("file={}", escape_property(f)));
        }
        if let Some(l) = a.line {
            props.push(format!("line={l}"));
        }
        if let Some(c) = a.col {
            props.push(format!("col={c}"));
        }
        if let Some(t) = &a.title {
            props.push(format!("title={}", escape_property(t)));
        }
        out.push_str("::");
        out.push_str(level);
        if !props.is_empty() {
            out.push(' ');
            out.push_str(&props.join(","));
        }
        out.push_str("::");
        out.push_str(&escape_data(&a.message));
        out.push('\n');
    }
    out
}

/// Appends Markdown to the step summary file named by `GITHUB_STEP_SUMMARY`. Outside
/// `crate::outfile` on purpose: the runner names this file for every step of a job to append
/// to, so it is appended to in place, never replaced.
pub fn append_step_summary(path: &Path, markdown: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(markdown.as_bytes())?;
    if !markdown.ends_with('\n') {
        f.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_are_escaped() {
        let s = render(&[Annotation {
            level: AnnotationLevel::Error,
            file: Some("a,b:c.env".into()),
            line: Some(3),
            col: Some(1),
            title: Some("missing".into()),
            message: "50% done\nnext".into(),
        }]);
        assert_eq!(
            s,
            "::error file=a%2Cb%3Ac.env,line=3,col=1,title=missing::50%25 done%0Anext\n"
        );
    }
}
