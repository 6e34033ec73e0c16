//! The names under which the page tables of several datasets are queried, in one place for
//! every SQL front end (the server's catalog and `folio-cluster` on Ballista): each dataset's
//! table as `{dataset}.pages`, and over all of them a view with a `dataset` column naming
//! where each row comes from.

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::catalog::{MemorySchemaProvider, SchemaProvider, TableProvider, view::ViewTable};
use datafusion::common::{Column, TableReference};
use datafusion::datasource::provider_as_source;
use datafusion::logical_expr::{Expr, LogicalPlanBuilder, cast, lit};
use datafusion::prelude::SessionContext;

use super::session::df;
use crate::error::{Error, Result};

/// Registers each `(dataset, table)` as `{dataset}.pages` (a schema per dataset in the default
/// catalog) and returns the view over all of them: a `dataset` column (the name), then the
/// columns every table has with a type they share, in the first table's order (an index of an
/// older format may lack the newer columns, a compressed dataset has two more). `None` when
/// there are no tables. The caller names the view (`all_pages` on the server).
pub fn register_page_tables(
    ctx: &SessionContext,
    tables: &[(String, Arc<dyn TableProvider>)],
) -> Result<Option<Arc<dyn TableProvider>>> {
    let Some((_, first)) = tables.first() else { return Ok(None) };
    let catalog_name = ctx.state().config_options().catalog.default_catalog.clone();
    let catalog = ctx.catalog(&catalog_name).ok_or_else(|| Error::Sql("no default catalog".into()))?;
    for (name, provider) in tables {
        let schema = Arc::new(MemorySchemaProvider::new());
        schema.register_table("pages".into(), provider.clone()).map_err(df)?;
        catalog.register_schema(name, schema).map_err(df)?;
    }
    let fields = first.schema();
    // Each column every table has, with the type they share: their own when they agree, UInt64
    // when they are unsigned integers of different widths (format 6 narrowed `page_id`,
    // `text_bytes` and `headings`); a column whose types cannot be reconciled is left out.
    let common: Vec<(&str, Option<DataType>)> = fields
        .fields()
        .iter()
        .filter_map(|f| {
            let types: Option<Vec<DataType>> = tables
                .iter()
                .map(|(_, p)| p.schema().field_with_name(f.name()).ok().map(|g| g.data_type().clone()))
                .collect();
            let types = types?;
            let name = f.name().as_str();
            if types.iter().all(|t| t == f.data_type()) {
                Some((name, None))
            } else if types.iter().all(|t| matches!(t, DataType::UInt16 | DataType::UInt32 | DataType::UInt64)) {
                Some((name, Some(DataType::UInt64)))
            } else {
                None
            }
        })
        .collect();
    let mut union: Option<LogicalPlanBuilder> = None;
    for (name, provider) in tables {
        let mut columns = vec![lit(name.as_str()).alias("dataset")];
        columns.extend(common.iter().map(|(c, wide)| {
            let column = Expr::Column(Column::new_unqualified(*c));
            match wide {
                Some(t) => cast(column, t.clone()).alias(*c),
                None => column,
            }
        }));
        let plan = LogicalPlanBuilder::scan(
            TableReference::partial(name.as_str(), "pages"),
            provider_as_source(provider.clone()),
            None,
        )
        .and_then(|b| b.project(columns))
        .and_then(|b| b.build())
        .map_err(df)?;
        union = Some(match union {
            None => LogicalPlanBuilder::from(plan),
            Some(u) => u.union(plan).map_err(df)?,
        });
    }
    match union {
        Some(union) => Ok(Some(Arc::new(ViewTable::new(union.build().map_err(df)?, None)))),
        None => Ok(None),
    }
}
