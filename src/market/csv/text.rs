//! The bytes of a file as CSV text, or why they are not: a UTF-8 byte-order mark is dropped,
//! UTF-16 (what Excel's "Unicode Text" writes) is decoded, lines that end with a lone `\r`
//! (old Mac files) get `\n` endings, and compressed files, spreadsheets, databases and other
//! binary files are named rather than read as text. Only the first bytes and the first line
//! are looked at before the rows are read, so a plain file costs nothing here.

use std::borrow::Cow;

use super::{Fail, LoadErrorKind};

/// How far into a file a NUL byte on the first line makes it binary (git and grep look as far).
const SNIFF: usize = 8192;

/// Known binary formats by their first bytes: what the file is, and what to do.
const MAGIC: [(&[u8], &str, &str); 11] = [
    (
        b"\x1f\x8b",
        "gzip-compressed",
        "decompress it first (gunzip -k FILE)",
    ),
    (
        b"PK\x03\x04",
        "a ZIP archive (or an .xlsx workbook)",
        "unzip it, or export the sheet as CSV",
    ),
    (
        b"\xd0\xcf\x11\xe0",
        "an Excel .xls workbook",
        "export the sheet as CSV (File > Save As > CSV UTF-8)",
    ),
    (
        b"BZh",
        "bzip2-compressed",
        "decompress it first (bunzip2 -k FILE)",
    ),
    (
        b"\xfd7zXZ\x00",
        "xz-compressed",
        "decompress it first (unxz -k FILE)",
    ),
    (
        b"\x28\xb5\x2f\xfd",
        "zstd-compressed",
        "decompress it first (unzstd FILE)",
    ),
    (
        b"PAR1",
        "a Parquet file",
        "write it as CSV (pandas: pd.read_parquet(p).to_csv(out))",
    ),
    (
        b"ARROW1",
        "an Arrow/Feather file",
        "write it as CSV (pandas: pd.read_feather(p).to_csv(out))",
    ),
    (
        b"\x89HDF",
        "an HDF5 file",
        "write it as CSV (pandas: pd.read_hdf(p).to_csv(out))",
    ),
    (
        b"SQLite format 3\x00",
        "an SQLite database",
        "export the table as CSV (sqlite3 -csv -header DB 'select * from t')",
    ),
    (
        b"\x93NUMPY",
        "a NumPy array file",
        "write it as CSV with a Date,Open,High,Low,Close,Volume header",
    ),
];

/// The text of `bytes`, decoded and with `\n` line ends, or why it is not CSV text.
pub(super) fn decode(bytes: &[u8]) -> Result<Cow<'_, [u8]>, Fail> {
    let not_text = |what, fix| (1, LoadErrorKind::NotText { what, fix });
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return Ok(line_ends(Cow::Borrowed(rest)));
    }
    if bytes.starts_with(b"\xFF\xFE\x00\x00") || bytes.starts_with(b"\x00\x00\xFE\xFF") {
        return Err(not_text("UTF-32 text", "save it as UTF-8"));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return utf16(rest, u16::from_le_bytes).map(|t| line_ends(Cow::Owned(t)));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return utf16(rest, u16::from_be_bytes).map(|t| line_ends(Cow::Owned(t)));
    }
    if let Some((_, what, fix)) = MAGIC.iter().find(|(m, _, _)| bytes.starts_with(m)) {
        return Err(not_text(what, fix));
    }
    // A NUL byte on the first line: binary (or UTF-16 without a byte-order mark). NULs after
    // a clean first line are a text file cut or padded with zeros, named at their row.
    let head = &bytes[..bytes.len().min(SNIFF)];
    if let Some(at) = memchr::memchr(0, head) {
        if memchr::memchr(b'\n', &head[..at]).is_none() {
            return Err((1, LoadErrorKind::Binary { offset: at }));
        }
    }
    Ok(line_ends(Cow::Borrowed(bytes)))
}

/// UTF-16 (after its byte-order mark) as UTF-8.
fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<Vec<u8>, Fail> {
    let units = bytes.chunks_exact(2).map(|c| unit([c[0], c[1]]));
    let mut out = String::with_capacity(bytes.len() / 2);
    let mut line = 1;
    for c in char::decode_utf16(units) {
        let Ok(c) = c else {
            return Err((
                line,
                LoadErrorKind::NotText {
                    what: "UTF-16 text with a broken character",
                    fix: "save it as UTF-8",
                },
            ));
        };
        line += usize::from(c == '\n');
        out.push(c);
    }
    if bytes.len() % 2 == 1 {
        return Err((
            line,
            LoadErrorKind::NotText {
                what: "UTF-16 text cut in the middle of a character",
                fix: "save it as UTF-8",
            },
        ));
    }
    Ok(out.into_bytes())
}

/// Lines that end with a lone `\r` (the first line tells) get `\n` endings; `\r\n` and `\n`
/// files are returned as they are.
fn line_ends(text: Cow<'_, [u8]>) -> Cow<'_, [u8]> {
    let first = &text[..memchr::memchr(b'\n', &text).unwrap_or(text.len())];
    let lone_cr = memchr::memchr(b'\r', first).is_some_and(|p| p + 1 < first.len())
        || (first.len() == text.len() && first.ends_with(b"\r"));
    if !lone_cr {
        return text;
    }
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'\r' if text.get(i + 1) == Some(&b'\n') => {}
            b'\r' => out.push(b'\n'),
            c => out.push(c),
        }
        i += 1;
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(bytes: &[u8]) -> Vec<u8> {
        decode(bytes).unwrap().into_owned()
    }

    fn err(bytes: &[u8]) -> String {
        let (line, kind) = decode(bytes).unwrap_err();
        format!("{line}: {kind}")
    }

    #[test]
    fn plain_text_is_borrowed_as_it_is() {
        let text = b"Date,Open\r\n2024-01-02,1\r\n";
        assert!(matches!(decode(text).unwrap(), Cow::Borrowed(_)));
        assert!(matches!(decode(b"a\nb\rc").unwrap(), Cow::Borrowed(_)));
        assert_eq!(ok(b"\xEF\xBB\xBFDate\n"), b"Date\n");
    }

    #[test]
    fn lone_carriage_returns_end_lines() {
        assert_eq!(ok(b"Date,Open\r1,2\r3,4\r"), b"Date,Open\n1,2\n3,4\n");
        assert_eq!(ok(b"Date,Open\r1,2\r\n3,4"), b"Date,Open\n1,2\n3,4");
        assert_eq!(ok(b"Date,Open\r"), b"Date,Open\n");
        assert_eq!(ok(b"\r\rDate\r"), b"\n\nDate\n");
    }

    #[test]
    fn utf16_is_decoded() {
        let text = "Date\tOpen\r\n2024-01-02\t1,5\r\n";
        let mut le = vec![0xFF, 0xFE];
        let mut be = vec![0xFE, 0xFF];
        for u in text.encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
            be.extend_from_slice(&u.to_be_bytes());
        }
        assert_eq!(ok(&le), text.as_bytes());
        assert_eq!(ok(&be), text.as_bytes());
        le.push(b'x');
        assert!(err(&le).contains("cut in the middle"), "{}", err(&le));
        assert!(err(b"\xFF\xFE\x00\xD8\x41\x00").contains("broken character"));
    }

    #[test]
    fn binary_files_are_named() {
        assert!(err(b"\x1f\x8b\x08\x00").starts_with("1: is gzip-compressed"));
        assert!(err(b"PK\x03\x04rest").contains("xlsx"));
        assert!(err(b"PAR1....").contains("Parquet"));
        assert!(err(b"\xFF\xFE\x00\x00").contains("UTF-32"));
        assert_eq!(
            err(b"Da\x00te\nx"),
            "1: holds a NUL byte (at byte 2): it is a binary file or UTF-16 text without a \
             byte-order mark, not CSV text: save it as UTF-8 CSV"
        );
        assert_eq!(ok(b"Date\nx\x00y"), b"Date\nx\x00y", "named at its row");
    }
}
