//! The read-only SQL guard: never a panic or a stack overflow, whatever the text; and whatever
//! it lets through is a single read-only statement.
#![no_main]

use folio_engine::sql_guard::check;
use libfuzzer_sys::fuzz_target;

/// Keywords that start a statement which writes, changes settings or reads host files.
const WRITES: &[&str] = &[
    "INSERT", "UPDATE", "DELETE", "MERGE", "CREATE", "DROP", "ALTER", "TRUNCATE", "COPY", "SET", "RESET", "BEGIN",
    "COMMIT", "ROLLBACK", "START", "GRANT", "REVOKE", "ATTACH", "DETACH", "INSTALL", "LOAD", "CALL", "PRAGMA",
    "VACUUM", "USE",
];

fuzz_target!(|sql: &str| {
    let Ok(statement) = check(sql) else { return };
    // An independent reading of the accepted statement: rendered back to SQL, its first keyword
    // (after EXPLAIN and its options) is never one that writes.
    let text = statement.to_string().to_uppercase();
    let mut words = text.split(|c: char| !c.is_ascii_alphanumeric() && c != '_').filter(|w| !w.is_empty());
    let first = words.find(|w| {
        !matches!(*w, "EXPLAIN" | "ANALYZE" | "VERBOSE" | "FORMAT" | "TREE" | "INDENT" | "GRAPHVIZ" | "PGJSON")
    });
    if let Some(first) = first {
        assert!(!WRITES.contains(&first), "{sql:?} was let through as {text:?}");
    }
    // And it is exactly one statement: appending a second one is refused.
    assert!(check(&format!("{sql}\n;DROP TABLE world")).is_err());
});
