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

use folio_engine::block::find_byte;
use memchr::memmem;

use crate::targets::{self, Buffers, Link};

/// The hash a title is counted under: [`hash_bytes`] of its normalized bytes.
pub fn title_hash(title: &str) -> u64 {
    hash_bytes(title.as_bytes())
}

/// The 64-bit hash of the link counts: foldhash's, with a fixed seed. It lives only while a
/// build runs (nothing stored holds it), so it is chosen for speed on short keys: one or two
/// folded multiplications for a title of up to 16 bytes, against xxh3's longer setup.
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0x9e37_79b9_7f4a_7c15).hash_one(bytes)
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

/// One chunk's counts, (title hash, pages linking), ordered by shard: one allocation per
/// chunk (a list per shard and chunk made tens of thousands of small growing vectors, and as
/// many calls into the kernel to grow the allocator's heaps).
#[derive(Debug, Default)]
pub struct Shards {
    entries: Vec<(u64, u32)>,
    /// Shard `s` holds `entries[bounds[s]..bounds[s + 1]]`.
    bounds: Vec<usize>,
}

impl Shards {
    /// Orders `entries` by shard (a counting sort: two passes, one new vector).
    fn from_entries(entries: &[(u64, u32)]) -> Shards {
        let mut bounds = vec![0usize; SHARDS + 1];
        for &(h, _) in entries {
            bounds[shard(h) + 1] += 1;
        }
        for s in 0..SHARDS {
            bounds[s + 1] += bounds[s];
        }
        let mut next = bounds.clone();
        let mut ordered = vec![(0u64, 0u32); entries.len()];
        for &(h, c) in entries {
            let at = &mut next[shard(h)];
            ordered[*at] = (h, c);
            *at += 1;
        }
        Shards { entries: ordered, bounds }
    }

    /// The (hash, count) entries held, over all shards.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// No entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The counts of shard `s`.
    fn shard(&self, s: usize) -> &[(u64, u32)] {
        match (self.bounds.get(s), self.bounds.get(s + 1)) {
            (Some(&a), Some(&b)) => &self.entries[a..b],
            _ => &[],
        }
    }
}

/// Link counts of the whole dump, by title hash, in [`SHARDS`] maps.
#[derive(Debug, Default)]
pub struct LinkCounts {
    shards: Vec<HashCounts>,
}

impl LinkCounts {
    /// Merges the counts of every chunk (each from [`Reader::into_shards`]).
    pub fn merge(parts: Vec<Shards>) -> LinkCounts {
        use rayon::prelude::*;
        let shards = (0..SHARDS)
            .into_par_iter()
            .map(|s| {
                let size = parts.iter().map(|p| p.shard(s).len()).max().unwrap_or(0);
                let mut map = HashCounts::with_capacity_and_hasher(size, Default::default());
                for part in &parts {
                    for &(h, c) in part.shard(s) {
                        *map.entry(h).or_insert(0) += c;
                    }
                }
                map
            })
            .collect();
        LinkCounts { shards }
    }

    /// Pages linking to the title whose hash is `h`. The shard is the hash's top bits: lookups
    /// in hash order read one shard's map after another.
    pub fn get(&self, h: u64) -> u32 {
        self.shards.get(shard(h)).and_then(|m| m.get(&h)).copied().unwrap_or(0)
    }
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

/// Finders and scratch buffers, made once per scanned chunk.
pub struct Reader {
    heading: memmem::Finder<'static>,
    /// Per target hash: pages linking to it so far, and the last of them (pages are numbered
    /// as `links` sees them), so a page's repeated links count once with one probe each.
    /// Kept small enough to stay in the core's cache: between pages, once it holds
    /// [`Reader::FLUSH_AT`] targets, it is emptied into `flushed`.
    counts: HashMap<u64, (u32, u32), BuildHasherDefault<Identity>>,
    /// Counts emptied from `counts` (a target may appear once per flush: the merge adds them
    /// up).
    flushed: Vec<(u64, u32)>,
    /// The number of the page being read.
    page: u32,
    buffers: Buffers,
}

impl Default for Reader {
    fn default() -> Self {
        Reader {
            heading: memmem::Finder::new(b"\n="),
            counts: HashMap::default(),
            flushed: Vec::new(),
            page: 0,
            buffers: Buffers::default(),
        }
    }
}

impl Reader {
    /// Targets the map of counts holds before it is emptied into shards: 12,000 entries of 16
    /// bytes fit a map of 16,384 slots (272 KB), which stays in a core's L2 cache (512 KB to
    /// 2 MB on the machines measured) beside the page being read. One map per 16 MB chunk
    /// outgrew it, and most probes missed; a much smaller map aggregates almost nothing, and
    /// every link then costs a probe again in [`LinkCounts::merge`].
    pub const FLUSH_AT: usize = 12_000;

    /// A reader for `bytes` of dump: its map sized for the distinct targets they usually hold
    /// (one per 512 bytes), at most [`Reader::FLUSH_AT`], so that it never grows.
    pub fn for_bytes(bytes: usize) -> Reader {
        let counts = HashMap::with_capacity_and_hasher((bytes / 512).min(Self::FLUSH_AT), Default::default());
        Reader { counts, ..Reader::default() }
    }

    /// Moves the counts into `flushed`, emptying the map (its capacity kept).
    fn flush(&mut self) {
        self.flushed.extend(self.counts.drain().map(|(h, (c, _))| (h, c)));
    }

    /// Size and headings of a page's text; `bytes_attr` is the `bytes="…"` value of `<text>`.
    pub fn text(&self, content: &[u8], bytes_attr: Option<u64>) -> TextSignals {
        let text_bytes = bytes_attr.unwrap_or_else(|| unescaped_len(content));
        let headings = self.heading.find_iter(content).count() + usize::from(content.first() == Some(&b'='));
        TextSignals { text_bytes, headings: u32::try_from(headings).unwrap_or(u32::MAX) }
    }

    /// Counts one link for every distinct page that `content` links to, other than the page
    /// `own` (a title hash).
    pub fn links(&mut self, content: &[u8], own: u64) {
        if self.counts.len() >= Self::FLUSH_AT {
            self.flush();
        }
        self.page = self.page.wrapping_add(1);
        // Sixty-four bytes a step to the next bracket ([`find_byte`]: a few hundred bytes on,
        // with no call and no setup per hop), then one pass over the target's bytes that finds
        // where it ends and whether it can be hashed as it is: this loop runs once per link of
        // every article.
        let mut pos = 0;
        while let Some(at) = find_byte(content, pos, b'[') {
            if content.get(at + 1) != Some(&b'[') {
                pos = at + 1;
                continue;
            }
            let start = at + 2;
            let target = match targets::read_target(content, start) {
                Link::Target(t) => t,
                // A `[[` inside this link opens a link inside it (a file's caption): the inner
                // one is read, the outer skipped.
                Link::Inner(inner) => {
                    pos = inner;
                    continue;
                }
                Link::Unclosed => break,
            };
            pos = target.close + 2;
            if let Some(h) = targets::hash(&content[start..target.end], &target, &mut self.buffers)
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

    /// The counts read so far, ordered by shard for [`LinkCounts::merge`].
    pub fn into_shards(mut self) -> Shards {
        self.flush();
        Shards::from_entries(&self.flushed)
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
    use folio_engine::wikilink::{self, Target};

    fn counted(text: &str, own: &str) -> Vec<(String, u32)> {
        let names = ["Paris", "AT&T", "Zürich", "Lyon", "France", "Category:X", "Albert Einstein"];
        let mut reader = Reader::default();
        reader.links(text.as_bytes(), title_hash(own));
        let counts: HashCounts = reader.into_shards().entries.into_iter().collect();
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
    fn counts_survive_the_map_being_emptied_between_pages() {
        // More distinct targets than the map holds: it is emptied into shards several times,
        // and a popular page's count is the sum over every flush.
        let pages = 3 * Reader::FLUSH_AT;
        let mut reader = Reader::default();
        for i in 0..pages {
            reader.links(format!("[[Popular]] [[Page {i}]] [[Popular]] [[Page {i}]]").as_bytes(), 0);
        }
        let counts = LinkCounts::merge(vec![reader.into_shards(), Reader::default().into_shards()]);
        assert_eq!(counts.get(title_hash("Popular")), pages as u32);
        for i in [0, Reader::FLUSH_AT, pages - 1] {
            assert_eq!(counts.get(title_hash(&format!("Page {i}"))), 1, "Page {i}");
        }
        assert_eq!(counts.get(title_hash("Page -1")), 0);
    }

    /// The hash `[[raw]]` is counted under, if any, read as the scan reads it.
    fn hash_of(raw: &str) -> Option<u64> {
        let mut reader = Reader::default();
        reader.links(format!("[[{raw}]]").as_bytes(), 0);
        let keys: Vec<u64> = reader.counts.keys().copied().collect();
        assert!(keys.len() <= 1);
        keys.first().copied()
    }

    #[test]
    fn the_fast_path_hashes_as_the_titles_are_normalized() {
        // Targets of one block, of exactly one and two blocks, and longer (the target reader's
        // blocks are sixteen bytes).
        let long = [
            "sixteen bytes ab",
            "thirty-two bytes, two blocks abc",
            "list of things longer than one block",
            "Exactly thirty-two bytes of text",
        ];
        for raw in ["paris", "Paris", " paris ", "zürich", "ßtraße", "éire", "東京", "ǆemal", "a b", "Ω", "x"]
            .into_iter()
            .chain(long)
        {
            let want = title_hash(&folio_engine::normalize_title(raw));
            assert_eq!(hash_of(raw), Some(want), "{raw:?}");
        }
        assert_eq!(hash_of("a  b"), Some(title_hash("A b")));
        assert_eq!(hash_of("paris  "), Some(title_hash("Paris")));
        assert_eq!(hash_of("AT&amp;T"), Some(title_hash("AT&T")));
        assert_eq!(hash_of("at&amp;t"), Some(title_hash("At&t")));
        assert_eq!(hash_of("&quot;Weird&quot; b"), Some(title_hash("\"Weird\" b")));
        assert_eq!(
            hash_of("&amp;amp;"),
            Some(title_hash("&")),
            "entities in entities are read twice, as MediaWiki's parser does"
        );
        assert_eq!(hash_of("\u{a0}paris\u{a0}"), Some(title_hash("Paris")));
        assert_eq!(hash_of("Category&#58;X"), None);
        assert_eq!(hash_of("Category:X"), None);
        assert_eq!(hash_of(" category : X"), None);
        assert_eq!(hash_of("fr:Paris"), None);
        assert_eq!(hash_of("Talk:paris"), Some(title_hash("Talk:paris")));
        assert_eq!(hash_of("star Wars: Episode I"), Some(title_hash("Star Wars: Episode I")));
        assert_eq!(hash_of(":Category:X"), Some(title_hash("Category:X")));
        assert_eq!(hash_of("  "), None);
    }

    proptest::proptest! {
        /// Whatever the text, the scan counts what MediaWiki's reading of each link gives: the
        /// fast path and the one-pass target reader agree with [`wikilink::target`].
        #[test]
        fn counts_agree_with_the_engine_reading_each_link(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::string::string_regex("[a-zA-Zé _#:&;|\\[\\]\\t\u{a0}\u{3000}]{0,12}").unwrap(),
                    proptest::strategy::Just("[[".to_string()),
                    proptest::strategy::Just("]]".to_string()),
                    proptest::strategy::Just("&amp;".to_string()),
                    proptest::strategy::Just("&quot;".to_string()),
                    proptest::strategy::Just("&#039;".to_string()),
                    proptest::strategy::Just("&#58;".to_string()),
                    proptest::strategy::Just("&amp;amp;".to_string()),
                    proptest::strategy::Just("&lt;".to_string()),
                    proptest::strategy::Just("Category:".to_string()),
                    proptest::strategy::Just("fr:".to_string()),
                ],
                0..12,
            )
        ) {
            let text = parts.concat();
            let mut reader = Reader::default();
            reader.links(text.as_bytes(), 0);
            let got: HashCounts = reader.counts.iter().map(|(&h, &(c, _))| (h, c)).collect();
            proptest::prop_assert_eq!(got, reference(&text));
        }
    }

    /// The links of `text` found the slow, obvious way: every `[[` whose `]]` comes before the
    /// next `[[`, its target before the first `|` read by [`wikilink::target`].
    fn reference(text: &str) -> HashCounts {
        let mut seen = std::collections::HashSet::new();
        let mut rest = text;
        while let Some(k) = rest.find("[[") {
            let after = &rest[k + 2..];
            let (close, open) = (after.find("]]"), after.find("[["));
            match (close, open) {
                (Some(c), o) if o.is_none_or(|o| c < o) => {
                    let inner = &after[..c];
                    let raw = inner.split('|').next().unwrap_or(inner);
                    if let Ok(text) = folio_engine::unescape(raw.as_bytes())
                        && let Target::Page { title, .. } = wikilink::target(&text)
                        && !title.is_empty()
                    {
                        seen.insert(title_hash(&title));
                    }
                    rest = &after[c + 2..];
                }
                (_, Some(o)) => rest = &after[o..],
                _ => break,
            }
        }
        seen.into_iter().filter(|&h| h != 0).map(|h| (h, 1)).collect()
    }

    #[test]
    fn reads_size_and_headings() {
        let r = Reader::default();
        let s = r.text(b"== A ==\ntext &amp; more\n=== B ===\nx = y\n", None);
        assert_eq!(s, TextSignals { text_bytes: 36, headings: 2 });
        assert_eq!(r.text(b"abc", Some(10)).text_bytes, 10);
    }
}
