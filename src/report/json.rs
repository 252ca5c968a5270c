//! JSON rendering: every document carries `"schema_version": 1` first, then the report's fields.

use serde::Serialize;

/// The version of every JSON document velo writes; bumped only on a breaking change.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    schema_version: u32,
    #[serde(flatten)]
    report: &'a T,
}

/// Pretty JSON with a trailing newline.
pub fn render<T: Serialize>(report: &T) -> serde_json::Result<String> {
    let mut s = serde_json::to_string_pretty(&Envelope {
        schema_version: SCHEMA_VERSION,
        report,
    })?;
    s.push('\n');
    Ok(s)
}

/// One compact JSON line (for JSON Lines streams) with a `type` field and the schema version.
pub fn line<T: Serialize>(kind: &str, record: &T) -> serde_json::Result<String> {
    #[derive(Serialize)]
    struct Typed<'a, T: Serialize> {
        #[serde(rename = "type")]
        kind: &'a str,
        schema_version: u32,
        #[serde(flatten)]
        record: &'a T,
    }
    let mut s = serde_json::to_string(&Typed {
        kind,
        schema_version: SCHEMA_VERSION,
        record,
    })?;
    s.push('\n');
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct R {
        findings: Vec<u32>,
    }

    #[test]
    fn schema_version_comes_first() {
        let s = render(&R { findings: vec![1] }).unwrap();
        assert!(s.starts_with("{\n  \"schema_version\": 1,"), "{s}");
        let l = line("sample", &R { findings: vec![] }).unwrap();
        assert_eq!(
            l,
            "{\"type\":\"sample\",\"schema_version\":1,\"findings\":[]}\n"
        );
    }
}
