//! The full-text index's schema and its analyzer: the one place that says what a document holds
//! and how text becomes terms, for the writer and the reader alike.

use tantivy::schema::{FAST, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer,
};

/// The analyzer's name, recorded in tantivy's `meta.json` and registered at every open.
pub const ANALYZER: &str = "folio_en";

/// Words longer than this many bytes are not indexed (hashes, base64, runs of characters).
const LONGEST_WORD: usize = 40;

/// The fields of a full-text document: one per namespace-0 article (redirects left out).
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// The article's title (indexed with positions; boosted at query time).
    pub title: Field,
    /// Its plain text ([`crate::render::text::plain_text`]), indexed with positions, not stored:
    /// snippets are cut from the dump's own text.
    pub text: Field,
    /// Its row in `pages.arrow` (a fast field): how a hit finds its page.
    pub row: Field,
    /// Its rank ([`crate::rank`]), as a fast field, for the score ([`super::combined_score`]).
    pub rank: Field,
}

/// The schema, and its fields.
pub fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_tokenizer(ANALYZER).set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        title: b.add_text_field("title", text.clone()),
        text: b.add_text_field("text", text),
        row: b.add_u64_field("row", FAST),
        rank: b.add_f64_field("rank", FAST),
    };
    (b.build(), fields)
}

/// Words as Folio indexes them: split at what is not a letter or a digit, lowercased, accents
/// folded (`Zürich` and `zurich` are one term), English stems (`relativity` and `relative`).
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_WORD))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// Registers [`analyzer`] on a tantivy index (a fresh one, or one just opened).
pub fn register(index: &tantivy::Index) {
    index.tokenizers().register(ANALYZER, analyzer());
}
