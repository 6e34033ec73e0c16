//! How a link's target is read and hashed, for the link counts ([`crate::signals`]): one
//! pass over the target's bytes finds where it ends and whether it is plain (no byte that
//! needs [`wikilink::target`]); a plain target is hashed straight from the dump's bytes (its
//! entities decoded into a buffer), the rest through [`wikilink::target`], which stays the
//! definition: a property test in `signals` holds the two to the same answers.

use folio_engine::block::{Block, find_byte};
use folio_engine::wikilink::{self, Target};

use crate::signals::{hash_bytes, title_hash};

/// Scratch space reused from link to link.
#[derive(Default)]
pub struct Buffers {
    /// A target with its first letter upper-cased.
    scratch: Vec<u8>,
    /// A target with its entities decoded.
    decoded: Vec<u8>,
}

/// The title hash of a link target (XML-escaped bytes), or `None` when it is not a link to
/// a page. A plain target (see [`Scanned::plain`]; almost all) is hashed straight from the
/// dump's bytes, or from its entities decoded into a scratch buffer, its first letter
/// upper-cased, without building a string; the rest go through [`wikilink::target`].
pub fn hash(raw: &[u8], t: &Scanned, buffers: &mut Buffers) -> Option<u64> {
    if t.plain {
        let plain = if t.entities {
            match decode(raw, &mut buffers.decoded) {
                Some(colon) => hash_plain(&buffers.decoded, colon, &mut buffers.scratch),
                None => Plain::Slow,
            }
        } else {
            hash_plain(raw, t.colon, &mut buffers.scratch)
        };
        match plain {
            Plain::Hash(h) => return Some(h),
            Plain::NotAPage => return None,
            Plain::Slow => {}
        }
    }
    let text = folio_engine::unescape(raw).ok()?;
    match wikilink::target(&text) {
        Target::Page { title, .. } if !title.is_empty() => Some(title_hash(&title)),
        _ => None,
    }
}

/// What [`hash_plain`] made of a target.
enum Plain {
    Hash(u64),
    /// A category, file or language link.
    NotAPage,
    /// Needs [`wikilink::target`].
    Slow,
}

/// The title hash of a target with no entity, underscore, `#`, control character or double
/// space, read as [`wikilink::target`] reads it: trimmed, a namespace-like prefix decided by
/// the engine, the first letter upper-cased (in `scratch`), the rest as it is.
fn hash_plain(bytes: &[u8], colon: bool, scratch: &mut Vec<u8>) -> Plain {
    let trimmed = bytes.trim_ascii();
    let (Some(&first), Some(&last)) = (trimmed.first(), trimmed.last()) else { return Plain::Slow };
    if first == b':' || (first >= 0x80 || last >= 0x80) && unicode_space_at_an_end(trimmed) {
        return Plain::Slow;
    }
    if colon && let Some(colon) = find_byte(trimmed, 0, b':') {
        let prefix = &trimmed[..colon];
        if !prefix.is_ascii() && std::str::from_utf8(prefix).is_err() {
            return Plain::Slow;
        }
        if wikilink::prefix_kind(prefix) != wikilink::Prefix::Page {
            return Plain::NotAPage;
        }
    }
    if first.is_ascii() {
        if !first.is_ascii_lowercase() {
            return Plain::Hash(hash_bytes(trimmed));
        }
        scratch.clear();
        scratch.extend_from_slice(trimmed);
        scratch[0] = first.to_ascii_uppercase();
        return Plain::Hash(hash_bytes(scratch));
    }
    // A non-ASCII first letter: decode it, upper-case it, then the rest as it is.
    let len = match first {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    };
    let Some(head) = trimmed.get(..len).and_then(|h| std::str::from_utf8(h).ok()?.chars().next()) else {
        return Plain::Slow;
    };
    scratch.clear();
    let mut buf = [0u8; 4];
    for c in head.to_uppercase() {
        scratch.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }
    scratch.extend_from_slice(&trimmed[len..]);
    Plain::Hash(hash_bytes(scratch))
}

/// True when `t` starts or ends with a non-ASCII whitespace character (no-break space,
/// ideographic space, ...), which MediaWiki trims and `trim_ascii` does not; or when either
/// end is not UTF-8.
fn unicode_space_at_an_end(t: &[u8]) -> bool {
    let last_start = t.iter().rposition(|&b| b & 0xc0 != 0x80).unwrap_or(0);
    let first_len = t.iter().skip(1).position(|&b| b & 0xc0 != 0x80).map_or(t.len(), |k| k + 1);
    [&t[..first_len], &t[last_start..]]
        .iter()
        .any(|end| std::str::from_utf8(end).map_or(true, |s| s.chars().next().is_some_and(char::is_whitespace)))
}

/// Decodes the XML entities of a plain target into `out` (the dump writes `&amp;`, `&lt;`,
/// `&gt;`, `&quot;`, `&#039;`); returns whether the result has a `:`, or `None` when the target
/// needs [`wikilink::target`]: another entity, or decoded text that is not plain (a `_`, `#`,
/// control character, double space, or a `;` that could start an entity read a second time).
fn decode(raw: &[u8], out: &mut Vec<u8>) -> Option<bool> {
    out.clear();
    let mut rest = raw;
    while let Some(k) = memchr::memchr(b'&', rest) {
        out.extend_from_slice(&rest[..k]);
        rest = &rest[k..];
        let (c, len) =
            [("&amp;", b'&'), ("&quot;", b'"'), ("&lt;", b'<'), ("&gt;", b'>'), ("&#039;", b'\''), ("&apos;", b'\'')]
                .iter()
                .find(|(e, _)| rest.starts_with(e.as_bytes()))
                .map(|&(e, c)| (c, e.len()))?;
        out.push(c);
        rest = &rest[len..];
    }
    out.extend_from_slice(rest);
    let (plain, _, colon) = classify(out);
    (plain && memchr::memchr(b';', out).is_none()).then_some(colon)
}

/// What follows a `[[`.
pub enum Link {
    /// A link, closed by `]]`.
    Target(Scanned),
    /// Another `[[` (at this offset) before the `]]`.
    Inner(usize),
    /// No `]]`: not a link, and no link follows.
    Unclosed,
}

/// A link's target as [`read_target`] found it.
pub struct Scanned {
    /// Where the target ends: its `|` or its closing `]]`.
    pub end: usize,
    /// Where the closing `]]` is.
    pub close: usize,
    /// No byte of the target needs [`wikilink::target`] to read it, once its entities (if
    /// any) are decoded.
    pub plain: bool,
    /// The target has a `&`: an entity.
    pub entities: bool,
    /// The target has a `:`.
    pub colon: bool,
}

/// Reads the link whose target starts at `start` (just after `[[`): the target ends at the
/// first `|` or `]]`, the link at the first `]]` after that; a `[[` before the `]]` opens an
/// inner link. The target is read sixteen bytes at a time ([`Block`], [`Classes`]): one pass
/// finds its end and whether it is plain.
pub fn read_target(content: &[u8], start: usize) -> Link {
    let mut classes = Classes::default();
    let mut i = start;
    let end = loop {
        let Some(rest) = content.get(i..).filter(|r| !r.is_empty()) else { return Link::Unclosed };
        let block = Block::new(rest, PAD);
        let stops = block.eq(b']') | block.eq(b'[') | block.eq(b'|');
        if stops == 0 {
            classes.add(block, u16::MAX);
            i += 16;
            continue;
        }
        let k = stops.trailing_zeros() as usize;
        // The bytes before the first stop byte are the target's.
        classes.add(block, (1u16 << k) - 1);
        let p = i + k;
        let next = content.get(p + 1).copied();
        match content[p] {
            b']' if next == Some(b']') => break p,
            b'[' if next == Some(b'[') => return Link::Inner(p),
            b'|' => break p,
            // A lone bracket belongs to the target, and is none of the classes.
            _ => {
                classes.carry = 0;
                i = p + 1;
            }
        }
    };
    let (plain, entities, colon) = classes.result();
    if content[end] == b']' {
        return Link::Target(Scanned { end, close: end, plain, entities, colon });
    }
    // The label: up to the `]]`, unless a `[[` comes first.
    let mut i = end + 1;
    loop {
        let Some(rest) = content.get(i..).filter(|r| !r.is_empty()) else { return Link::Unclosed };
        let block = Block::new(rest, PAD);
        let stops = block.eq(b']') | block.eq(b'[');
        if stops == 0 {
            i += 16;
            continue;
        }
        let p = i + stops.trailing_zeros() as usize;
        if content.get(p + 1) == Some(&content[p]) {
            return if content[p] == b']' {
                Link::Target(Scanned { end, close: p, plain, entities, colon })
            } else {
                Link::Inner(p)
            };
        }
        i = p + 1;
    }
}

/// What pads a block read past the end of the text: a byte of no class and no stop.
const PAD: u8 = b'a';

/// What a target's bytes hold so far, read a [`Block`] of sixteen at a time: each class is one
/// comparison of the whole block, with no branch per byte. Masks have bit `i` for byte `i`.
#[derive(Default)]
struct Classes {
    /// A byte that needs [`wikilink::target`]: a control character, `_` or `#`.
    odd: u16,
    /// A `&`.
    amp: u16,
    /// A `:`.
    colon: u16,
    /// A space right after a space.
    double: u16,
    /// The last byte read was a space (as bit 0).
    carry: u16,
}

impl Classes {
    /// Adds the bytes of `block` that `mask` keeps (a run from the lowest).
    #[inline]
    fn add(&mut self, block: Block, mask: u16) {
        self.odd |= (block.at_most(0x1f) | block.eq(b'_') | block.eq(b'#')) & mask;
        self.amp |= block.eq(b'&') & mask;
        self.colon |= block.eq(b':') & mask;
        let spaces = block.eq(b' ') & mask;
        self.double |= spaces & ((spaces << 1) | self.carry);
        self.carry = spaces >> 15;
    }

    /// Plain (no odd byte, no double space), has an entity, has a colon.
    fn result(&self) -> (bool, bool, bool) {
        (self.odd == 0 && self.double == 0, self.amp != 0, self.colon != 0)
    }
}

/// Whether a whole target is plain, has an entity, has a `:` ([`Classes`]).
fn classify(target: &[u8]) -> (bool, bool, bool) {
    let mut classes = Classes::default();
    for chunk in target.chunks(16) {
        classes.add(Block::new(chunk, PAD), u16::MAX);
    }
    classes.result()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`classify`] as its definition reads, one byte at a time.
    fn obvious(t: &[u8]) -> (bool, bool, bool) {
        let odd = t.iter().any(|&b| b < 0x20 || b == b'_' || b == b'#') || t.windows(2).any(|w| w == b"  ");
        (!odd, t.contains(&b'&'), t.contains(&b':'))
    }

    proptest::proptest! {
        #[test]
        fn classify_reads_every_byte_as_the_obvious_loop_does(
            t in proptest::collection::vec(
                proptest::prop_oneof![
                    6 => proptest::sample::select(b" a".to_vec()),
                    1 => proptest::sample::select(b"_#&:;\x00\x1f\x20\x7f\x80\xff".to_vec()),
                    1 => proptest::num::u8::ANY,
                ],
                0..40,
            )
        ) {
            proptest::prop_assert_eq!(classify(&t), obvious(&t));
        }
    }
}
