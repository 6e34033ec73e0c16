//! XML character data to text: the five named entities and numeric character references.

use std::borrow::Cow;

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
