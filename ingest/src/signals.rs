//! What a page's text says about it and about the pages it links to, read in the scan's one
//! pass: its wikitext size, its section headings, and the pages its `[[links]]` point at,
//! counted by a 64-bit hash of the target's normalized title. [`crate::build`] turns the counts
//! into each page's incoming links (redirects resolved) and its rank
//! ([`folio_engine::rank`]).
//!
//! What counts as a link to a page is the engine's decision ([`folio_engine::wikilink`]): the
//! renderer and the counts agree. A page linking to another several times counts once; a page's
//! links to itself do not count; category, file and language links are not links to a page.
//! Links that only templates would produce cannot be seen in the dump and do not count.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use folio_engine::wikilink::{self, Target};
use memchr::memmem;

/// The hash a title is counted under: xxh3-64 of its normalized bytes.
pub fn title_hash(title: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(title.as_bytes())
}

/// Hashes that are already hashes: the identity, for maps keyed by [`title_hash`].
#[derive(Default, Clone, Copy)]
pub struct Identity(u64);

impl Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Counts keyed by title hash.
pub type HashCounts = HashMap<u64, u32, BuildHasherDefault<Identity>>;

/// Shards of the link counts: chunks split their counts by hash so that merging runs in
/// parallel, one shard per task.
pub const SHARDS: usize = 64;

/// The shard of a hash.
fn shard(h: u64) -> usize {
    (h >> 58) as usize % SHARDS
}

/// Link counts of the whole dump, by title hash, in [`SHARDS`] maps.
#[derive(Debug, Default)]
pub struct LinkCounts {
    shards: Vec<HashCounts>,
}

impl LinkCounts {
    /// Merges the counts of every chunk (each already split by [`split`]).
    pub fn merge(parts: Vec<Vec<Vec<(u64, u32)>>>) -> LinkCounts {
        use rayon::prelude::*;
        let shards = (0..SHARDS)
            .into_par_iter()
            .map(|s| {
                let size = parts.iter().map(|p| p.get(s).map_or(0, Vec::len)).max().unwrap_or(0);
                let mut map = HashCounts::with_capacity_and_hasher(size, Default::default());
                for part in &parts {
                    for &(h, c) in part.get(s).map_or(&[][..], Vec::as_slice) {
                        *map.entry(h).or_insert(0) += c;
                    }
                }
                map
            })
            .collect();
        LinkCounts { shards }
    }

    /// Pages linking to the title whose hash is `h`.
    pub fn get(&self, h: u64) -> u32 {
        self.shards.get(shard(h)).and_then(|m| m.get(&h)).copied().unwrap_or(0)
    }
}

/// One chunk's counts split into [`SHARDS`] lists for [`LinkCounts::merge`].
pub fn split(counts: HashCounts) -> Vec<Vec<(u64, u32)>> {
    let mut out = vec![Vec::new(); SHARDS];
    for (h, c) in counts {
        out[shard(h)].push((h, c));
    }
    out
}

/// The signals of one page's text (the `<text>` element's content, still XML-escaped).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TextSignals {
    /// Bytes of wikitext: the `bytes` attribute of `<text>` when the dump gives it, else the
    /// content's length after unescaping.
    pub text_bytes: u64,
    /// Lines that start with `=`: section headings.
    pub headings: u32,
}

/// Finders and a scratch buffer, made once per scanned chunk.
pub struct Reader {
    heading: memmem::Finder<'static>,
    /// Per target hash: pages linking to it so far, and the last of them (pages are numbered
    /// as `links` sees them), so a page's repeated links count once with one probe each.
    counts: HashMap<u64, (u32, u32), BuildHasherDefault<Identity>>,
    /// The number of the page being read.
    page: u32,
    scratch: Vec<u8>,
}

impl Default for Reader {
    fn default() -> Self {
        Reader { heading: memmem::Finder::new(b"\n="), counts: HashMap::default(), page: 0, scratch: Vec::new() }
    }
}

impl Reader {
    /// Size and headings of a page's text; `bytes_attr` is the `bytes="…"` value of `<text>`.
    pub fn text(&self, content: &[u8], bytes_attr: Option<u64>) -> TextSignals {
        let text_bytes = bytes_attr.unwrap_or_else(|| unescaped_len(content));
        let headings = self.heading.find_iter(content).count() + usize::from(content.first() == Some(&b'='));
        TextSignals { text_bytes, headings: u32::try_from(headings).unwrap_or(u32::MAX) }
    }

    /// Counts one link for every distinct page that `content` links to, other than the page
    /// `own` (a title hash).
    pub fn links(&mut self, content: &[u8], own: u64) {
        self.page = self.page.wrapping_add(1);
        // memchr for single brackets (short hops, no setup cost per call), then a look at the
        // next byte: this loop runs once per link of every article.
        let mut pos = 0;
        while let Some(k) = memchr::memchr(b'[', &content[pos..]) {
            let at = pos + k;
            if content.get(at + 1) != Some(&b'[') {
                pos = at + 1;
                continue;
            }
            let start = at + 2;
            // The link ends at the first `]]`; a `[[` before it opens a link inside this one (a
            // file's caption): the inner one is read, the outer skipped.
            let mut i = start;
            let close = loop {
                let Some(j) = memchr::memchr2(b']', b'[', &content[i..]) else { break None };
                let p = i + j;
                if content.get(p + 1) == Some(&content[p]) {
                    break Some((p, content[p] == b']'));
                }
                i = p + 1;
            };
            let Some((end, closes)) = close else { break };
            if !closes {
                pos = end;
                continue;
            }
            let inner = &content[start..end];
            pos = end + 2;
            let raw = memchr::memchr(b'|', inner).map_or(inner, |bar| &inner[..bar]);
            if let Some(h) = self.target_hash(raw)
                && h != own
            {
                let page = self.page;
                let entry = self.counts.entry(h).or_insert((0, 0));
                if entry.1 != page {
                    *entry = (entry.0 + 1, page);
                }
            }
        }
    }

    /// The counts read so far, by target hash.
    pub fn into_counts(self) -> HashCounts {
        self.counts.into_iter().map(|(h, (c, _))| (h, c)).collect()
    }

    /// The title hash of a link target (XML-escaped bytes), or `None` when it is not a link to
    /// a page. A target with no entity, underscore, `#`, control character or double space
    /// (almost all) is hashed straight from the dump's bytes, its first letter
    /// upper-cased, without building a string; the rest go through [`wikilink::target`].
    fn target_hash(&mut self, raw: &[u8]) -> Option<u64> {
        let trimmed = raw.trim_ascii();
        let mut plain = !trimmed.is_empty() && trimmed[0] != b':';
        let mut previous = 0u8;
        for &b in trimmed {
            plain &= !(matches!(b, b'&' | b'_' | b'#' | 0..=0x1f) || b == b' ' && previous == b' ');
            previous = b;
        }
        // A namespace-like prefix: only a link to a page when the engine says so.
        if plain && let Some(colon) = memchr::memchr(b':', trimmed) {
            match std::str::from_utf8(&trimmed[..colon]).map(wikilink::prefix_kind) {
                Ok(wikilink::Prefix::Page) => {}
                Ok(_) => return None,
                Err(_) => plain = false,
            }
        }
        if plain {
            let first = trimmed[0];
            if first.is_ascii() {
                if !first.is_ascii_lowercase() {
                    return Some(xxhash_rust::xxh3::xxh3_64(trimmed));
                }
                self.scratch.clear();
                self.scratch.extend_from_slice(trimmed);
                self.scratch[0] = first.to_ascii_uppercase();
                return Some(xxhash_rust::xxh3::xxh3_64(&self.scratch));
            }
            // A non-ASCII first letter: decode it, upper-case it, then the rest as it is.
            let len = match first {
                0xc0..=0xdf => 2,
                0xe0..=0xef => 3,
                _ => 4,
            };
            let head = std::str::from_utf8(trimmed.get(..len)?).ok()?.chars().next()?;
            self.scratch.clear();
            let mut buf = [0u8; 4];
            for c in head.to_uppercase() {
                self.scratch.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
            self.scratch.extend_from_slice(&trimmed[len..]);
            return Some(xxhash_rust::xxh3::xxh3_64(&self.scratch));
        }
        let text = folio_engine::unescape(raw).ok()?;
        match wikilink::target(&text) {
            Target::Page { title, .. } if !title.is_empty() => Some(title_hash(&title)),
            _ => None,
        }
    }
}

/// The length of XML-escaped `content` once unescaped (entities counted as their characters).
fn unescaped_len(content: &[u8]) -> u64 {
    match folio_engine::unescape(content) {
        Ok(text) => text.len() as u64,
        Err(_) => content.len() as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counted(text: &str, own: &str) -> Vec<(String, u32)> {
        let names = ["Paris", "AT&T", "Zürich", "Lyon", "France", "Category:X", "Albert Einstein"];
        let mut reader = Reader::default();
        reader.links(text.as_bytes(), title_hash(own));
        let counts = reader.into_counts();
        let mut out: Vec<(String, u32)> =
            names.iter().filter_map(|n| counts.get(&title_hash(n)).map(|&c| (n.to_string(), c))).collect();
        out.sort();
        assert_eq!(
            out.iter().map(|(_, c)| *c as usize).sum::<usize>(),
            counts.values().map(|&c| c as usize).sum::<usize>()
        );
        out
    }

    #[test]
    fn counts_each_linked_page_once_as_the_renderer_reads_links() {
        let text = "[[Paris]] and [[paris|the city]], [[AT&amp;T]], [[Zürich#History|Z]], \
            [[Category:X]], [[File:a.jpg|thumb|[[Lyon]] at night]], [[fr:Paris]], [[Albert_Einstein]], \
            [[:Category:X]], [[Self]], [[ France ]] [[]] [[#Notes]]";
        let want: Vec<(String, u32)> = [("AT&T", 1), ("Albert Einstein", 1), ("Category:X", 1), ("France", 1)]
            .into_iter()
            .chain([("Lyon", 1), ("Paris", 1), ("Zürich", 1)])
            .map(|(t, c)| (t.to_string(), c))
            .collect();
        assert_eq!(counted(text, "Self"), want);
        assert!(counted("[[Paris]] [[Paris]]", "Paris").is_empty(), "links to itself do not count");
        assert!(counted("[[Paris", "A").is_empty(), "an unclosed link is not a link");
    }

    #[test]
    fn the_fast_path_hashes_as_the_titles_are_normalized() {
        let mut r = Reader::default();
        for raw in ["paris", "Paris", " paris ", "zürich", "ßtraße", "éire", "東京", "ǆemal", "a b", "Ω", "x"] {
            let want = title_hash(&folio_engine::normalize_title(raw));
            assert_eq!(r.target_hash(raw.as_bytes()), Some(want), "{raw:?}");
        }
        assert_eq!(r.target_hash(b"a  b"), Some(title_hash("A b")));
        assert_eq!(r.target_hash(b"AT&amp;T"), Some(title_hash("AT&T")));
        assert_eq!(r.target_hash(b"Category:X"), None);
        assert_eq!(r.target_hash(b" category : X"), None);
        assert_eq!(r.target_hash(b"fr:Paris"), None);
        assert_eq!(r.target_hash(b"Talk:paris"), Some(title_hash("Talk:paris")));
        assert_eq!(r.target_hash(b"star Wars: Episode I"), Some(title_hash("Star Wars: Episode I")));
        assert_eq!(r.target_hash(b":Category:X"), Some(title_hash("Category:X")));
        assert_eq!(r.target_hash(b"  "), None);
    }

    #[test]
    fn reads_size_and_headings() {
        let r = Reader::default();
        let s = r.text(b"== A ==\ntext &amp; more\n=== B ===\nx = y\n", None);
        assert_eq!(s, TextSignals { text_bytes: 36, headings: 2 });
        assert_eq!(r.text(b"abc", Some(10)).text_bytes, 10);
    }
}
