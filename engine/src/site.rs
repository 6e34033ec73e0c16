//! The wiki a dump comes from, as its `<siteinfo>` header names it: the site's name, its
//! database name and its base URL, from which a page's history URL is made (for the licence
//! attribution Wikipedia's reuse terms ask for).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::unescape;

/// What a title keeps unencoded as a query value: letters, digits and `-._~/:`.
const QUERY_VALUE: &AsciiSet =
    &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~').remove(b'/').remove(b':');

/// At most this many bytes of the dump's head are read for its `<siteinfo>`.
pub const HEADER_LIMIT: usize = 64 * 1024;

/// The wiki a dump comes from; each field is `None` when the header does not give it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Site {
    /// `<sitename>`, such as `Wikipedia`.
    pub name: Option<String>,
    /// `<dbname>`, such as `enwiki`.
    pub dbname: Option<String>,
    /// `<base>`, the URL of the main page, such as `https://en.wikipedia.org/wiki/Main_Page`;
    /// only `http` and `https` URLs are kept.
    pub base: Option<String>,
}

impl Site {
    /// The site named by the `<siteinfo>` element in `head`, the dump's first bytes (read up to
    /// 64 KiB and no further than the first `<page>`).
    pub fn from_header(head: &[u8]) -> Site {
        let head = &head[..head.len().min(HEADER_LIMIT)];
        let head = memchr::memmem::find(head, b"<page>").map_or(head, |k| &head[..k]);
        let Some(info) = element(head, "siteinfo") else { return Site::default() };
        let field = |name| element(info, name).and_then(|v| std::str::from_utf8(v).ok()).map(clean);
        let base = field("base").filter(|b| {
            let lower = b.to_ascii_lowercase();
            (lower.starts_with("https://") || lower.starts_with("http://")) && !b.contains(char::is_whitespace)
        });
        Site { name: field("sitename"), dbname: field("dbname"), base }
    }

    /// The URL of a title's history on its wiki (`…/w/index.php?title=…&action=history`, the
    /// form every Wikimedia wiki answers), when the header gives the wiki's base URL.
    pub fn history_url(&self, title: &str) -> Option<String> {
        let base = self.base.as_deref()?;
        let host_end = base.find("://").map(|k| k + 3).map(|k| base[k..].find('/').map_or(base.len(), |e| k + e))?;
        let title = utf8_percent_encode(&title.replace(' ', "_"), QUERY_VALUE).to_string();
        Some(format!("{}/w/index.php?title={title}&action=history", &base[..host_end]))
    }
}

/// The content of the first `<name>…</name>` in `xml`.
fn element<'a>(xml: &'a [u8], name: &str) -> Option<&'a [u8]> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = memchr::memmem::find(xml, open.as_bytes())? + open.len();
    let len = memchr::memmem::find(&xml[start..], close.as_bytes())?;
    Some(&xml[start..start + len])
}

/// An element's text, its entities decoded and its edges trimmed.
fn clean(raw: &str) -> String {
    match unescape(raw.as_bytes()) {
        Ok(s) => s.trim().to_string(),
        Err(_) => raw.trim().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "<mediawiki>\n  <siteinfo>\n    <sitename>Wikipedia</sitename>\n    <dbname>enwiki</dbname>\n    \
        <base>https://en.wikipedia.org/wiki/Main_Page</base>\n  </siteinfo>\n  <page>\n    <title>A</title>";

    #[test]
    fn reads_the_siteinfo_header() {
        let site = Site::from_header(HEAD.as_bytes());
        assert_eq!(site.name.as_deref(), Some("Wikipedia"));
        assert_eq!(site.dbname.as_deref(), Some("enwiki"));
        assert_eq!(
            site.history_url("Zürich city").as_deref(),
            Some("https://en.wikipedia.org/w/index.php?title=Z%C3%BCrich_city&action=history")
        );
        assert_eq!(
            site.history_url("AT&T").as_deref(),
            Some("https://en.wikipedia.org/w/index.php?title=AT%26T&action=history")
        );
    }

    #[test]
    fn refuses_what_is_not_a_web_url_and_stops_at_the_first_page() {
        let hostile = HEAD.replace("https://en.wikipedia.org/wiki/Main_Page", "javascript:alert(1)");
        assert_eq!(Site::from_header(hostile.as_bytes()).base, None);
        let late = "<mediawiki><page><siteinfo><base>https://x.org/</base></siteinfo></page>";
        assert_eq!(Site::from_header(late.as_bytes()), Site::default());
        assert_eq!(Site::from_header(b"").history_url("A"), None);
    }
}
