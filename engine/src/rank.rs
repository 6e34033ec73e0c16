//! A page's static rank: how much a reader is likely to want it, from what the dump alone says
//! (after CirrusSearch's completion quality score: incoming links dominate, then size, headings
//! and redirects). Ingest counts the signals; the formula lives here, and `engine/FORMAT.md`
//! writes it down.
//!
//! ```text
//! rank = 0.60 · s(incoming_links, L) + 0.10 · s(text_bytes, 50 000)
//!      + 0.20 · s(headings, 20)      + 0.10 · s(redirects_in, 30)
//! s(x, norm) = min(1, ln(1 + x) / ln(1 + norm))
//! L = max(100, articles / 100)
//! ```
//!
//! `s` grows like a logarithm and saturates at `norm`: the thousandth incoming link adds less
//! than the tenth, and a page with `L` links (1 % of the wiki's articles) has the most any page
//! gets from links. The rank lies in `[0, 1]`. A redirect ranks 0 itself; suggestions weigh it
//! with its target's rank ([`weight`]).

/// What the dump says about one page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Signals {
    /// Links to the page (or to a redirect to it) from other namespace-0 pages, each linking
    /// page counted once.
    pub incoming_links: u32,
    /// Redirects whose target is the page.
    pub redirects_in: u32,
    /// Bytes of the page's wikitext.
    pub text_bytes: u64,
    /// Section headings in the page's wikitext.
    pub headings: u32,
}

/// Weights of the signals, adding up to 1.
const LINKS: f64 = 0.6;
const SIZE: f64 = 0.1;
const HEADINGS: f64 = 0.2;
const REDIRECTS: f64 = 0.1;

/// Where size, headings and redirects saturate.
const SIZE_NORM: f64 = 50_000.0;
const HEADINGS_NORM: f64 = 20.0;
const REDIRECTS_NORM: f64 = 30.0;

/// The rank of a page with `signals` in a wiki of `articles` namespace-0 pages.
pub fn rank(signals: &Signals, articles: u64) -> f32 {
    let links_norm = (articles as f64 / 100.0).max(100.0);
    let s = |x: f64, norm: f64| ((1.0 + x).ln() / (1.0 + norm).ln()).min(1.0);
    let r = LINKS * s(signals.incoming_links.into(), links_norm)
        + SIZE * s(signals.text_bytes as f64, SIZE_NORM)
        + HEADINGS * s(signals.headings.into(), HEADINGS_NORM)
        + REDIRECTS * s(signals.redirects_in.into(), REDIRECTS_NORM);
    r as f32
}

/// A rank quantized to 16 bits (what the suggestion arrays store): `round(rank · 65 534) + 1`,
/// so that 0 is left for "no page" and a redirect can sit one step below its target.
pub fn weight(rank: f32) -> u16 {
    (rank.clamp(0.0, 1.0) * 65_534.0).round() as u16 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_dominate_then_size_headings_and_redirects() {
        let n = 1_000_000;
        let none = Signals::default();
        assert_eq!(rank(&none, n), 0.0);
        let linked = Signals { incoming_links: 50, ..none };
        let big = Signals { text_bytes: 200_000, headings: 30, redirects_in: 40, ..none };
        assert!(rank(&linked, n) > 0.0 && rank(&big, n) > 0.0);
        // Saturated size, headings and redirects are worth 0.4; 10,000 links alone are worth 0.6.
        assert!((rank(&big, n) - 0.4).abs() < 1e-6);
        assert!((rank(&Signals { incoming_links: 10_000, ..none }, n) - 0.6).abs() < 1e-6);
        let all =
            Signals { incoming_links: u32::MAX, redirects_in: u32::MAX, text_bytes: u64::MAX, headings: u32::MAX };
        assert!((rank(&all, n) - 1.0).abs() < 1e-6);
        assert!(rank(&Signals { incoming_links: 11, ..none }, n) > rank(&Signals { incoming_links: 10, ..none }, n));
    }

    #[test]
    fn weights_keep_zero_free_and_order() {
        assert_eq!(weight(0.0), 1);
        assert_eq!(weight(1.0), u16::MAX);
        assert_eq!(weight(f32::NAN), 1);
        assert!(weight(0.5) > weight(0.49));
    }
}
