//! Character references both ways: XML character data to text ([`unescape`]: the five named
//! entities and numeric references) and text to XML or HTML ([`escape`]), the one escaper of the
//! workspace (the dump writer of `folio-ingest synth`, the fortunes page, the article renderer).

use std::borrow::Cow;
use std::fmt;

/// Where escaped text goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escape {
    /// Element content: `&`, `<`, `>` and `"` become entities, `'` stays (as MediaWiki's exporter
    /// writes page text).
    Text,
    /// An attribute value in either quote, or content where both quotes must be inert: `'` too,
    /// as `&apos;` (HTML5 and XML).
    Attribute,
}

/// `text` with the characters that `mode` names replaced by entities, as a [`fmt::Display`];
/// every other character as it is (UTF-8 kept).
pub fn escape(text: &str, mode: Escape) -> Escaped<'_> {
    Escaped { text, mode }
}

/// Escaped text, written by its `Display`; see [`escape`].
#[derive(Debug, Clone, Copy)]
pub struct Escaped<'a> {
    text: &'a str,
    mode: Escape,
}

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Every special character is ASCII: a byte scan finds them without decoding UTF-8.
        let attribute = matches!(self.mode, Escape::Attribute);
        let special = |b: &u8| matches!(b, b'&' | b'<' | b'>' | b'"') || (attribute && *b == b'\'');
        let mut rest = self.text;
        while let Some(i) = rest.as_bytes().iter().position(special) {
            f.write_str(&rest[..i])?;
            f.write_str(match rest.as_bytes()[i] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&apos;",
            })?;
            rest = &rest[i + 1..];
        }
        f.write_str(rest)
    }
}

/// Why a run of XML character data could not be decoded, and where (offset within the input).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnescapeError {
    /// Offset of the problem within the bytes given to [`unescape`].
    pub offset: usize,
    /// What is wrong.
    pub what: String,
}

/// Decodes `bytes` as UTF-8 and replaces `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`, `&#N;` and
/// `&#xH;` with the characters they stand for. Borrows when there is nothing to replace.
pub fn unescape(bytes: &[u8]) -> Result<Cow<'_, str>, UnescapeError> {
    let text = std::str::from_utf8(bytes).map_err(|e| UnescapeError {
        offset: e.valid_up_to(),
        what: "invalid UTF-8 (MediaWiki dumps are UTF-8)".into(),
    })?;
    let Some(first) = memchr::memchr(b'&', bytes) else {
        return Ok(Cow::Borrowed(text));
    };
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..first]);
    let mut rest = &text[first..];
    let mut offset = first;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        offset += amp;
        rest = &rest[amp..];
        let semi = rest.find(';').filter(|&s| s <= 12).ok_or_else(|| UnescapeError {
            offset,
            what: "'&' that does not start an entity (write it as &amp;)".into(),
        })?;
        let name = &rest[1..semi];
        let c = match name {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => numeric(name).ok_or_else(|| UnescapeError { offset, what: format!("unknown entity &{name};") })?,
        };
        out.push(c);
        offset += semi + 1;
        rest = &rest[semi + 1..];
    }
    out.push_str(rest);
    Ok(Cow::Owned(out))
}

/// The character of a numeric reference body (`#39`, `#x27`), if it is a valid XML character.
fn numeric(name: &str) -> Option<char> {
    let digits = name.strip_prefix('#')?;
    let code = match digits.strip_prefix(['x', 'X']) {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        None => digits.parse().ok()?,
    };
    char::from_u32(code).filter(|&c| c != '\0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_then_unescape_is_the_identity() {
        let s = "<a href=\"x\">Tom's & Jerry's</a> — フレーム";
        let attr = escape(s, Escape::Attribute).to_string();
        assert_eq!(attr, "&lt;a href=&quot;x&quot;&gt;Tom&apos;s &amp; Jerry&apos;s&lt;/a&gt; — フレーム");
        let text = escape(s, Escape::Text).to_string();
        assert_eq!(text, "&lt;a href=&quot;x&quot;&gt;Tom's &amp; Jerry's&lt;/a&gt; — フレーム");
        for e in [attr, text] {
            assert_eq!(unescape(e.as_bytes()).unwrap(), s);
        }
    }

    #[test]
    fn unescapes_entities() {
        assert_eq!(unescape(b"AT&amp;T").unwrap(), "AT&T");
        assert_eq!(unescape(b"Say &quot;hi&quot; &#039;x&#x27; &lt;&gt;&apos;").unwrap(), "Say \"hi\" 'x' <>'");
        assert!(matches!(unescape(b"plain").unwrap(), Cow::Borrowed("plain")));
        assert_eq!(unescape("Zürich &#x1F600;".as_bytes()).unwrap(), "Zürich 😀");
    }

    #[test]
    fn reports_bad_entities_with_their_offset() {
        assert_eq!(unescape(b"ab&bogus;").unwrap_err().offset, 2);
        assert_eq!(unescape(b"a & b").unwrap_err().offset, 2);
        assert_eq!(unescape(b"&#0;").unwrap_err().offset, 0);
        assert_eq!(unescape(b"ok\xffno").unwrap_err().offset, 2);
    }
}
