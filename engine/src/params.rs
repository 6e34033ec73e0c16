//! Request parameters as text: the `key=value&...` query of a listing (`/titles`), a redirect
//! choice, a listing cursor and the TechEmpower counts, parsed and checked without any HTTP
//! type, so every front end (and the fuzz targets in `fuzz/`) runs the same code.

use crate::{Case, Cursor};
use serde::Deserialize;

/// Why a query string was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamError {
    /// A parameter that does not parse or is out of range; says which and what is accepted.
    Bad(String),
    /// An `after=` that is not a cursor this server handed out.
    Cursor(String),
}

/// The parameters of `/titles`, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TitlesParams {
    /// The prefix as given (not yet normalized).
    pub prefix: String,
    /// Items per page, 1 to the route's maximum.
    pub limit: usize,
    /// Start after this title.
    pub after: Option<Cursor>,
    /// Case-sensitive or not.
    pub case: Case,
    /// Only this namespace.
    pub ns: Option<i32>,
}

#[derive(Debug, Default, Deserialize)]
struct TitlesQuery {
    prefix: Option<String>,
    limit: Option<String>,
    after: Option<String>,
    case: Option<String>,
    ns: Option<String>,
}

/// Parses the query of `/titles` (`prefix`, `limit` up to `max_limit`, `after`, `case`, `ns`).
pub fn titles(query: Option<&str>, max_limit: usize) -> Result<TitlesParams, ParamError> {
    let q: TitlesQuery = serde_urlencoded::from_str(query.unwrap_or(""))
        .map_err(|e| ParamError::Bad(format!("the query string does not parse: {e}")))?;
    let limit = limit(q.limit.as_deref(), 100.min(max_limit), max_limit)?;
    let case = match q.case.as_deref() {
        None | Some("") | Some("sensitive") => Case::Sensitive,
        Some("insensitive") => Case::Insensitive,
        Some(c) => return Err(ParamError::Bad(format!("case={c:?}: use sensitive or insensitive"))),
    };
    let ns = match q.ns.as_deref() {
        None | Some("") => None,
        Some(n) => Some(n.parse::<i32>().map_err(|_| ParamError::Bad(format!("ns={n:?} is not a namespace number")))?),
    };
    let after = q.after.as_deref().filter(|a| !a.is_empty()).map(decode_cursor).transpose()?;
    Ok(TitlesParams { prefix: q.prefix.unwrap_or_default(), limit, after, case, ns })
}

/// A `limit=` parameter: `default` when missing or empty, else a number from 1 to `max`.
fn limit(given: Option<&str>, default: usize, max: usize) -> Result<usize, ParamError> {
    match given {
        None | Some("") => Ok(default),
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|&n| (1..=max).contains(&n))
            .ok_or_else(|| ParamError::Bad(format!("limit={l:?}: give a number from 1 to {max}"))),
    }
}

/// Whether `/wiki`'s `?redirect=` asks to follow redirects (`follow`; missing, empty or `no`
/// does not).
pub fn follow_redirects(query: Option<&str>) -> Result<bool, ParamError> {
    #[derive(Deserialize)]
    struct WikiQuery {
        redirect: Option<String>,
    }
    let q: WikiQuery = serde_urlencoded::from_str(query.unwrap_or(""))
        .map_err(|e| ParamError::Bad(format!("the query string does not parse: {e}")))?;
    match q.redirect.as_deref() {
        Some("follow") => Ok(true),
        None | Some("") | Some("no") => Ok(false),
        Some(other) => Err(ParamError::Bad(format!("redirect={other:?}: use redirect=follow"))),
    }
}

/// A cursor as it travels in URLs: `ROW:TITLE`.
pub fn encode_cursor(c: &Cursor) -> String {
    format!("{}:{}", c.row, c.title)
}

/// The inverse of [`encode_cursor`].
pub fn decode_cursor(s: &str) -> Result<Cursor, ParamError> {
    let bad = || ParamError::Cursor(format!("after={s:?} is not a cursor from a previous answer's \"next\""));
    let (row, title) = s.split_once(':').ok_or_else(bad)?;
    Ok(Cursor { row: row.parse().map_err(|_| bad())?, title: title.to_string() })
}

/// How many rows a TechEmpower `?queries=` (or `?count=`) asks for: missing, not an integer or
/// below 1 gives 1; above 500 gives 500 (the rules' clamping).
pub fn clamp_count(query: Option<&str>, key: &str) -> usize {
    let value = query
        .unwrap_or("")
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v);
    let Some(v) = value.map(str::trim) else { return 1 };
    match v.parse::<i64>() {
        Ok(n) => n.clamp(1, 500) as usize,
        // An integer too large for i64 is still above 500.
        Err(_) if !v.is_empty() && v.trim_start_matches('+').bytes().all(|b| b.is_ascii_digit()) => 500,
        Err(_) => 1,
    }
}

/// Characters a search query may hold at most.
pub const MAX_QUERY_CHARS: usize = 300;

/// The dialect a suggestion request speaks: Folio's own, MediaWiki's REST title search, or
/// MediaWiki's `action=opensearch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuggestShape {
    /// `/suggest?q=&limit=&ns=&excerpts=` (limit 10 by default).
    Folio,
    /// `/w/rest.php/v1/search/title?q=&limit=` (limit 50 by default, as MediaWiki's).
    Rest,
    /// `/w/api.php?action=opensearch&search=&limit=&namespace=` (limit 10 by default).
    OpenSearch,
}

/// The parameters of a suggestion request, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuggestParams {
    /// What was typed.
    pub query: String,
    /// At most this many suggestions (1 to [`crate::search::MAX_LIMIT`]).
    pub limit: usize,
    /// Only this namespace (`None`: any); 0 unless asked.
    pub ns: Option<i32>,
    /// Whether to add each page's first sentence.
    pub excerpts: bool,
    /// What to do with disambiguation pages (`/suggest`'s `disambiguation=`).
    pub disambiguation: crate::search::Disambiguation,
}

#[derive(Debug, Default, Deserialize)]
struct SuggestQueryText {
    q: Option<String>,
    search: Option<String>,
    limit: Option<String>,
    ns: Option<String>,
    namespace: Option<String>,
    excerpts: Option<String>,
    disambiguation: Option<String>,
    action: Option<String>,
    format: Option<String>,
}

/// Parses a suggestion request's query string in the dialect `shape`.
pub fn suggest(query: Option<&str>, shape: SuggestShape) -> Result<SuggestParams, ParamError> {
    let q: SuggestQueryText = serde_urlencoded::from_str(query.unwrap_or(""))
        .map_err(|e| ParamError::Bad(format!("the query string does not parse: {e}")))?;
    let max = crate::search::MAX_LIMIT;
    let (text, key, default_limit, ns) = match shape {
        SuggestShape::Folio => (q.q, "q", 10, q.ns),
        SuggestShape::Rest => (q.q, "q", 50, None),
        SuggestShape::OpenSearch => {
            match q.action.as_deref() {
                Some("opensearch") => {}
                other => {
                    return Err(ParamError::Bad(format!(
                        "action={:?}: this endpoint answers action=opensearch only",
                        other.unwrap_or("")
                    )));
                }
            }
            if let Some(f) = q.format.as_deref().filter(|f| !f.is_empty() && *f != "json") {
                return Err(ParamError::Bad(format!("format={f:?}: only format=json is served")));
            }
            (q.search, "search", 10, q.namespace)
        }
    };
    let query = text.unwrap_or_default();
    if query.trim().is_empty() {
        return Err(ParamError::Bad(format!(
            "{key}= is missing or empty: give the text to complete, e.g. {key}=einst"
        )));
    }
    let chars = query.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(ParamError::Bad(format!("{key}= has {chars} characters; at most {MAX_QUERY_CHARS} are accepted")));
    }
    let limit = limit(q.limit.as_deref(), default_limit, max)?;
    let ns = match ns.as_deref() {
        None | Some("") => Some(0),
        Some("all" | "*") => None,
        Some(n) => {
            Some(n.parse::<i32>().map_err(|_| ParamError::Bad(format!("ns={n:?}: give a namespace number, or all")))?)
        }
    };
    let excerpts = match q.excerpts.as_deref() {
        None | Some("") | Some("true") | Some("1") => true,
        Some("false") | Some("0") => false,
        Some(e) => return Err(ParamError::Bad(format!("excerpts={e:?}: use true or false"))),
    };
    use crate::search::Disambiguation;
    let disambiguation = match q.disambiguation.as_deref() {
        None | Some("") | Some("include") => Disambiguation::Include,
        Some("exclude") => Disambiguation::Exclude,
        Some("only") => Disambiguation::Only,
        Some(d) => return Err(ParamError::Bad(format!("disambiguation={d:?}: use include, exclude or only"))),
    };
    Ok(SuggestParams { query, limit, ns, excerpts, disambiguation })
}

/// The parameters of a full-text search request (`/search?q=&limit=&offset=&snippets=`), checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchParams {
    /// The query text.
    pub query: String,
    /// Hits per page (1 to [`crate::fulltext::MAX_LIMIT`], default 10).
    pub limit: usize,
    /// Hits skipped (`offset + limit` at most [`crate::fulltext::MAX_OFFSET`]).
    pub offset: usize,
    /// Whether to cut a snippet for each hit (default true).
    pub snippets: bool,
}

/// Parses a full-text search request's query string.
pub fn search(query: Option<&str>) -> Result<SearchParams, ParamError> {
    #[derive(Deserialize)]
    struct Text {
        q: Option<String>,
        limit: Option<String>,
        offset: Option<String>,
        snippets: Option<String>,
    }
    let t: Text = serde_urlencoded::from_str(query.unwrap_or(""))
        .map_err(|e| ParamError::Bad(format!("the query string does not parse: {e}")))?;
    let query = t.q.unwrap_or_default();
    if query.trim().is_empty() {
        return Err(ParamError::Bad(
            "q= is missing or empty: give words to find, e.g. q=general relativity, q=\"general relativity\" or q=jazz -fusion"
                .into(),
        ));
    }
    let chars = query.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(ParamError::Bad(format!("q= has {chars} characters; at most {MAX_QUERY_CHARS} are accepted")));
    }
    let limit = limit(t.limit.as_deref(), 10, crate::fulltext::MAX_LIMIT)?;
    let most = crate::fulltext::MAX_OFFSET - limit;
    let offset = match t.offset.as_deref() {
        None | Some("") => 0,
        Some(o) => o.parse::<usize>().ok().filter(|&n| n <= most).ok_or_else(|| {
            ParamError::Bad(format!(
                "offset={o:?}: give a number from 0 to {most} (results are paged {} deep at most)",
                crate::fulltext::MAX_OFFSET
            ))
        })?,
    };
    let snippets = match t.snippets.as_deref() {
        None | Some("") | Some("true") | Some("1") => true,
        Some("false") | Some("0") => false,
        Some(e) => return Err(ParamError::Bad(format!("snippets={e:?}: use true or false"))),
    };
    Ok(SearchParams { query, limit, offset, snippets })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_clamped_as_the_rules_say() {
        for (query, n) in [
            (None, 1),
            (Some(""), 1),
            (Some("queries="), 1),
            (Some("queries=foo"), 1),
            (Some("queries=0"), 1),
            (Some("queries=-1"), 1),
            (Some("queries=1"), 1),
            (Some("queries=20"), 20),
            (Some("queries=500"), 500),
            (Some("queries=501"), 500),
            (Some("queries=99999999999999999999"), 500),
            (Some("queries=-99999999999999999999"), 1),
            (Some("other=3&queries=7"), 7),
            (Some("queries"), 1),
        ] {
            assert_eq!(clamp_count(query, "queries"), n, "{query:?}");
        }
        assert_eq!(clamp_count(Some("count=12"), "count"), 12);
    }

    #[test]
    fn titles_parameters_are_checked() {
        let p = titles(Some("prefix=Al&limit=5&case=insensitive&ns=0&after=3:Alb"), 10).unwrap();
        assert_eq!((p.prefix.as_str(), p.limit, p.case, p.ns), ("Al", 5, Case::Insensitive, Some(0)));
        assert_eq!(p.after, Some(Cursor { row: 3, title: "Alb".into() }));
        assert_eq!(titles(None, 10).unwrap().limit, 10);
        assert!(matches!(titles(Some("limit=11"), 10), Err(ParamError::Bad(_))));
        assert!(matches!(titles(Some("after=nope"), 10), Err(ParamError::Cursor(_))));
        assert!(matches!(titles(Some("case=upper"), 10), Err(ParamError::Bad(_))));
        assert!(matches!(titles(Some("limit=1&limit=2"), 10), Err(ParamError::Bad(_))));
        assert_eq!(follow_redirects(Some("redirect=follow")), Ok(true));
        assert_eq!(follow_redirects(None), Ok(false));
        assert!(matches!(follow_redirects(Some("redirect=null&redirect=null")), Err(ParamError::Bad(_))));
        let c = Cursor { row: 7, title: "A:b c".into() };
        assert_eq!(decode_cursor(&encode_cursor(&c)).unwrap(), c);
    }
}
