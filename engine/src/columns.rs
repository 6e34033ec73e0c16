//! The in-memory page table a writer takes: plain vectors, one per column, in dump order.

/// A column of strings stored end to end in one buffer (the layout Arrow uses), with nulls.
#[derive(Debug, Default, Clone)]
pub struct Strings {
    data: String,
    ends: Vec<u64>,
    valid: Vec<bool>,
}

impl Strings {
    /// An empty column.
    pub fn new() -> Strings {
        Strings::default()
    }

    /// Appends a value.
    pub fn push(&mut self, s: &str) {
        self.data.push_str(s);
        self.ends.push(self.data.len() as u64);
        self.valid.push(true);
    }

    /// Appends a null.
    pub fn push_null(&mut self) {
        self.ends.push(self.data.len() as u64);
        self.valid.push(false);
    }

    /// Appends every value of `other`.
    pub fn extend(&mut self, other: &Strings) {
        let base = self.data.len() as u64;
        self.data.push_str(&other.data);
        self.ends.extend(other.ends.iter().map(|e| e + base));
        self.valid.extend_from_slice(&other.valid);
    }

    /// Number of values (nulls included).
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when there are no values.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    fn span(&self, i: usize) -> std::ops::Range<usize> {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        start..self.ends[i] as usize
    }

    /// Value `i` (the empty string for a null); panics when `i` is out of range.
    pub fn get(&self, i: usize) -> &str {
        &self.data[self.span(i)]
    }

    /// The bytes of value `i` (empty for a null); panics when `i` is out of range.
    pub fn bytes(&self, i: usize) -> &[u8] {
        &self.data.as_bytes()[self.span(i)]
    }

    /// Whether value `i` is not null.
    pub fn is_valid(&self, i: usize) -> bool {
        self.valid[i]
    }

    /// Total bytes of all values.
    pub fn data_len(&self) -> usize {
        self.data.len()
    }

    /// The bytes of rows `rows` and their end offsets relative to the first of them.
    pub(crate) fn slice(&self, rows: std::ops::Range<usize>) -> (&str, impl Iterator<Item = u64> + '_, &[bool]) {
        let base = if rows.start == 0 { 0 } else { self.ends[rows.start - 1] };
        let end = if rows.is_empty() { base } else { self.ends[rows.end - 1] };
        let data = &self.data[base as usize..end as usize];
        (data, self.ends[rows.clone()].iter().map(move |e| e - base), &self.valid[rows])
    }
}

/// Every page of a dump, one entry per `<page>` in dump order.
#[derive(Debug, Default, Clone)]
pub struct PageColumns {
    /// `<id>` of the page.
    pub page_id: Vec<u64>,
    /// `<ns>` of the page.
    pub ns: Vec<i32>,
    /// Unescaped `<title>`.
    pub title: Strings,
    /// Unescaped `<redirect title="..."/>`, null when the page is not a redirect.
    pub redirect: Strings,
    /// Offset of the `<` of `<page>`.
    pub start: Vec<u64>,
    /// Offset of the `>` of `</page>` (inclusive).
    pub end: Vec<u64>,
    /// Links to the page from other namespace-0 pages ([`crate::rank::Signals`]).
    pub incoming_links: Vec<u32>,
    /// Redirects to the page.
    pub redirects_in: Vec<u32>,
    /// Bytes of the page's wikitext.
    pub text_bytes: Vec<u64>,
    /// Section headings in the page's wikitext.
    pub headings: Vec<u32>,
    /// The page's rank ([`crate::rank::rank`]).
    pub rank: Vec<f32>,
    /// Whether the page is a disambiguation page ([`crate::disambiguation`]); written to
    /// `disambiguation.npy`, not to `pages.arrow`.
    pub disambiguation: Vec<bool>,
}

impl PageColumns {
    /// Number of pages.
    pub fn len(&self) -> usize {
        self.page_id.len()
    }

    /// True when there are no pages.
    pub fn is_empty(&self) -> bool {
        self.page_id.is_empty()
    }

    /// Appends every page of `other` (the next stretch of the dump).
    pub fn append(&mut self, other: PageColumns) {
        self.page_id.extend_from_slice(&other.page_id);
        self.ns.extend_from_slice(&other.ns);
        self.title.extend(&other.title);
        self.redirect.extend(&other.redirect);
        self.start.extend_from_slice(&other.start);
        self.end.extend_from_slice(&other.end);
        self.incoming_links.extend_from_slice(&other.incoming_links);
        self.redirects_in.extend_from_slice(&other.redirects_in);
        self.text_bytes.extend_from_slice(&other.text_bytes);
        self.headings.extend_from_slice(&other.headings);
        self.rank.extend_from_slice(&other.rank);
        self.disambiguation.extend_from_slice(&other.disambiguation);
    }

    /// Checks that every column has one value per page.
    pub fn check_lengths(&self) -> crate::Result<()> {
        let n = self.len();
        let lengths = [
            self.ns.len(),
            self.title.len(),
            self.redirect.len(),
            self.start.len(),
            self.end.len(),
            self.incoming_links.len(),
            self.redirects_in.len(),
            self.text_bytes.len(),
            self.headings.len(),
            self.rank.len(),
            self.disambiguation.len(),
        ];
        if lengths.iter().any(|&l| l != n) {
            let what = format!("columns of unequal lengths: {n} page ids, then {lengths:?}");
            return Err(crate::Error::InvalidInput(what));
        }
        Ok(())
    }
}
