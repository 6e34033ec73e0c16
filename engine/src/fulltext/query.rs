//! What a full-text query may say, checked before tantivy sees it.
//!
//! The syntax is tantivy's (Lucene-like): words (all must match), `"a phrase"`, `-word` and
//! `-"a phrase"` to exclude, `word OR word`, parentheses, `title:word` and `text:word`, `^2`
//! boosts; any other `name:` is part of the words. Ranges, sets, regular expressions, `*` and field-existence queries are refused: they
//! walk whole term dictionaries and find nothing a reader wants.

use tantivy::query::{Query, QueryParser};
use tantivy::query_grammar::{Occur, UserInputAst, UserInputLeaf};

use crate::error::{Error, Result};

/// Words and phrases a query may hold at most.
pub const MAX_CLAUSES: usize = 32;

/// Fields a query may name.
const FIELDS: &[&str] = &["title", "text"];

/// Parses and checks `q`, then builds tantivy's query with `parser`.
pub fn parse(parser: &QueryParser, q: &str) -> Result<Box<dyn Query>> {
    let mut ast = tantivy::query_grammar::parse_query(q).map_err(|_| {
        bad(format!(
            "q={q:?} does not parse: check its quotes and parentheses (search for a literal quote or \
             parenthesis by leaving it out)"
        ))
    })?;
    let mut count = Count::default();
    check(&mut ast, false, &mut count)?;
    if count.clauses > MAX_CLAUSES {
        return Err(bad(format!("q= holds {} words and phrases; at most {MAX_CLAUSES} are accepted", count.clauses)));
    }
    if count.positive == 0 {
        return Err(bad(format!(
            "q={q:?} only excludes (-word): give at least one word to find, e.g. \"jazz -fusion\""
        )));
    }
    parser.build_query_from_user_input_ast(ast).map_err(|e| bad(format!("q={q:?}: {e}")))
}

#[derive(Default)]
struct Count {
    clauses: usize,
    positive: usize,
}

/// Checks every leaf; a word that names no field (`Wars:` in `Star Wars: A New Hope`, `AT:T`) is
/// put back together and searched as the phrase it was.
fn check(ast: &mut UserInputAst, negated: bool, count: &mut Count) -> Result<()> {
    match ast {
        UserInputAst::Clause(clauses) => {
            for (occur, sub) in clauses.iter_mut() {
                check(sub, negated || *occur == Some(Occur::MustNot), count)?;
            }
            Ok(())
        }
        UserInputAst::Boost(sub, _) => check(sub, negated, count),
        UserInputAst::Leaf(leaf) => match &mut **leaf {
            UserInputLeaf::Literal(literal) => {
                if let Some(field) = literal.field_name.take_if(|f| !FIELDS.contains(&f.as_str())) {
                    literal.phrase = format!("{field}:{}", literal.phrase);
                }
                count.clauses += 1;
                if !negated {
                    count.positive += 1;
                }
                Ok(())
            }
            UserInputLeaf::All => Err(bad("`*` is not a query: give a word to find".into())),
            UserInputLeaf::Range { .. } => Err(bad("range queries ([a TO b]) are not supported".into())),
            UserInputLeaf::Set { .. } => Err(bad("set queries (IN [...]) are not supported".into())),
            UserInputLeaf::Exists { .. } => Err(bad("field-existence queries (field:*) are not supported".into())),
            UserInputLeaf::Regex { .. } => Err(bad("regular-expression queries are not supported".into())),
        },
    }
}

fn bad(message: String) -> Error {
    Error::BadQuery(message)
}
