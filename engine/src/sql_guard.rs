//! The read-only SQL guard: only queries over the registered tables get through. Feature
//! `sql-guard` builds it alone (for the fuzz targets); `sql` includes it as `sql::guard`.
//!
//! A statement is parsed once here and allowed only if it is a query (`SELECT`, `WITH`,
//! `VALUES`), an `EXPLAIN` of one, `SHOW` or `DESCRIBE`. Everything else (DDL, DML, `COPY`,
//! `CREATE EXTERNAL TABLE`, which would read any file on the host, `SET`, transactions, ...) is
//! refused with a message naming it. The plan of an allowed statement is checked again by
//! DataFusion's own `SQLOptions` (no DDL, no DML, no statements), so `SELECT ... INTO` and the
//! like are refused as well.

use datafusion_sql::parser::{DFParserBuilder, Statement};
use datafusion_sql::sqlparser::ast::Statement as Ast;
use datafusion_sql::sqlparser::dialect::GenericDialect;

use crate::error::{Error, Result};

/// How deeply expressions and subqueries may nest before parsing stops (stack safety).
pub const RECURSION_LIMIT: usize = 64;

/// Parses `sql` as exactly one read-only statement, or says why not.
pub fn check(sql: &str) -> Result<Statement> {
    if sql.trim().is_empty() {
        return Err(Error::SqlForbidden("empty SQL: send one query, such as SELECT * FROM world LIMIT 5".into()));
    }
    let dialect = GenericDialect {};
    let mut parser = DFParserBuilder::new(sql)
        .with_dialect(&dialect)
        .with_recursion_limit(RECURSION_LIMIT)
        .build()
        .map_err(|e| Error::Sql(e.to_string()))?;
    let mut statements = parser.parse_statements().map_err(|e| Error::Sql(e.to_string()))?;
    if statements.len() != 1 {
        return Err(Error::SqlForbidden(format!("{} statements: send exactly one query at a time", statements.len())));
    }
    let statement = statements.pop_front().expect("one statement");
    allowed(&statement)?;
    Ok(statement)
}

fn allowed(statement: &Statement) -> Result<()> {
    let refuse = |what: &str| {
        Err(Error::SqlForbidden(format!(
            "{what} is not allowed: SQL here is read-only, one query at a time (SELECT, WITH, VALUES, \
             EXPLAIN, SHOW or DESCRIBE)"
        )))
    };
    match statement {
        Statement::Statement(ast) => match ast.as_ref() {
            Ast::Query(_)
            | Ast::ShowTables { .. }
            | Ast::ShowColumns { .. }
            | Ast::ShowFunctions { .. }
            | Ast::ShowVariable { .. }
            | Ast::ExplainTable { .. } => Ok(()),
            Ast::Explain { statement, .. } => match statement.as_ref() {
                Ast::Query(_) => Ok(()),
                other => refuse(&format!("EXPLAIN of {}", kind(other))),
            },
            other => refuse(&kind(other)),
        },
        Statement::Explain(explain) => allowed(&explain.statement),
        Statement::CreateExternalTable(_) => refuse("CREATE EXTERNAL TABLE"),
        Statement::CopyTo(_) => refuse("COPY"),
        Statement::Reset(_) => refuse("RESET"),
    }
}

/// The statement's leading keywords, for messages (`CREATE TABLE`, `INSERT`, ...).
fn kind(ast: &Ast) -> String {
    let text = ast.to_string();
    let words: Vec<&str> = text.split_whitespace().take(2).collect();
    match words.as_slice() {
        [first, second] if matches!(*first, "CREATE" | "DROP" | "ALTER" | "SHOW") => format!("{first} {second}"),
        [first, ..] => first.to_string(),
        [] => "this statement".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_pass() {
        for sql in [
            "SELECT 1",
            "select id, randomNumber from world where id = 5",
            "WITH t AS (SELECT * FROM fortune) SELECT count(*) FROM t",
            "VALUES (1, 'a')",
            "EXPLAIN SELECT * FROM pages",
            "EXPLAIN ANALYZE SELECT * FROM pages",
            "SHOW TABLES",
            "SHOW COLUMNS FROM world",
            "DESCRIBE world",
            "SELECT 1;",
        ] {
            check(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    }

    #[test]
    fn everything_else_is_refused_by_name() {
        for (sql, name) in [
            ("CREATE TABLE t (a int)", "CREATE TABLE"),
            ("CREATE EXTERNAL TABLE t STORED AS CSV LOCATION '/etc/passwd'", "CREATE EXTERNAL TABLE"),
            ("CREATE VIEW v AS SELECT 1", "CREATE VIEW"),
            ("DROP TABLE world", "DROP TABLE"),
            ("INSERT INTO world VALUES (1, 2)", "INSERT"),
            ("UPDATE world SET randomNumber = 1", "UPDATE"),
            ("DELETE FROM world", "DELETE"),
            ("COPY world TO '/tmp/x.csv'", "COPY"),
            ("SET datafusion.execution.batch_size = 1", "SET"),
            ("RESET datafusion.execution.batch_size", "RESET"),
            ("EXPLAIN INSERT INTO world VALUES (1, 2)", "INSERT"),
            ("TRUNCATE TABLE world", "TRUNCATE"),
            ("BEGIN", "BEGIN"),
        ] {
            let err = check(sql).expect_err(sql);
            assert_eq!(err.code(), "sql_forbidden", "{sql}: {err}");
            assert!(err.to_string().starts_with(&format!("{name} is not allowed")), "{sql}: {err}");
        }
    }

    #[test]
    fn one_statement_at_a_time() {
        let err = check("SELECT 1; DROP TABLE world").unwrap_err();
        assert!(err.to_string().contains("2 statements"), "{err}");
        assert_eq!(check("  ").unwrap_err().code(), "sql_forbidden");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let sql = format!("SELECT {}1{}", "(".repeat(10_000), ")".repeat(10_000));
        assert_eq!(check(&sql).unwrap_err().code(), "sql_error");
    }
}
