//! The DataFusion session both sides use: the server's catalog (for the prepared TechEmpower
//! statements) and a worker's replica (for ad-hoc queries). One place for its settings.

use std::sync::Arc;

use datafusion::catalog::{MemTable, MemorySchemaProvider, SchemaProvider, TableProvider, view::ViewTable};
use datafusion::common::{Column, TableReference};
use datafusion::datasource::provider_as_source;
use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::logical_expr::{Expr, LogicalPlanBuilder, lit};
use datafusion::prelude::{SQLOptions, SessionConfig, SessionContext};

use super::pages_table::PagesTable;
use super::tables::fortune_schema;
use super::world::WorldRows;
use super::world_exec::WorldTable;
use super::{Fortune, SqlLimits, tables};
use crate::PageTable;
use crate::error::{Error, Result};

/// What a read-only statement may be: no DDL, no DML, no `SET`.
pub(crate) fn options() -> SQLOptions {
    SQLOptions::new().with_allow_ddl(false).with_allow_dml(false).with_allow_statements(false)
}

/// A DataFusion error as an engine error.
pub(crate) fn df(e: impl std::fmt::Display) -> Error {
    Error::Sql(e.to_string())
}

/// A session with `world` over `rows`, `fortune` and the page tables of `pages` (see
/// [`register_pages`]); operators may hold [`SqlLimits::pool_bytes`] and never spill to disk.
pub(crate) fn context(
    world: Arc<WorldRows>,
    fortunes: &[Fortune],
    pages: &[(String, PageTable)],
    limits: &SqlLimits,
) -> Result<SessionContext> {
    let config = SessionConfig::new()
        .with_information_schema(true)
        .with_target_partitions(limits.partitions.max(1))
        // `randomNumber` is the TechEmpower column name: keep identifiers as written.
        .set_bool("datafusion.sql_parser.enable_ident_normalization", false);
    let runtime = RuntimeEnvBuilder::new()
        .with_memory_limit(limits.pool_bytes(), 1.0)
        .with_disk_manager_builder(DiskManagerBuilder::default().with_mode(DiskManagerMode::Disabled))
        .build_arc()
        .map_err(df)?;
    let ctx = SessionContext::new_with_config_rt(config, runtime);
    ctx.register_table("world", Arc::new(WorldTable::new(world))).map_err(df)?;
    let ids: Vec<i32> = fortunes.iter().map(|f| f.id).collect();
    let messages: Vec<String> = fortunes.iter().map(|f| f.message.clone()).collect();
    let fortune =
        MemTable::try_new(fortune_schema(), vec![vec![tables::fortune_batch(&ids, &messages)]]).map_err(df)?;
    ctx.register_table("fortune", Arc::new(fortune)).map_err(df)?;
    register_pages(&ctx, pages, limits.partitions)?;
    Ok(ctx)
}

/// Registers each dataset's page table as `{name}.pages` (a schema per dataset), the first
/// one (the default dataset) also as `pages`, and, over all of them, the view `all_pages`: a
/// `dataset` column (the name) before the columns every table has.
fn register_pages(ctx: &SessionContext, pages: &[(String, PageTable)], partitions: usize) -> Result<()> {
    let Some(first) = pages.first() else { return Ok(()) };
    let catalog_name = ctx.state().config_options().catalog.default_catalog.clone();
    let catalog = ctx.catalog(&catalog_name).ok_or_else(|| Error::Sql("no default catalog".into()))?;
    let mut providers = Vec::with_capacity(pages.len());
    for (name, table) in pages {
        let provider: Arc<dyn TableProvider> = Arc::new(PagesTable::new(table.clone(), partitions));
        let schema = Arc::new(MemorySchemaProvider::new());
        schema.register_table("pages".into(), provider.clone()).map_err(df)?;
        catalog.register_schema(name, schema).map_err(df)?;
        providers.push((name, provider));
    }
    ctx.register_table("pages", providers[0].1.clone()).map_err(df)?;
    // The columns of the union: those every table has, in the first one's order (an index
    // of an older format may lack the newer columns).
    let fields = first.1.schema();
    let common: Vec<&str> = fields
        .fields()
        .iter()
        .filter(|f| {
            providers
                .iter()
                .all(|(_, p)| p.schema().field_with_name(f.name()).is_ok_and(|g| g.data_type() == f.data_type()))
        })
        .map(|f| f.name().as_str())
        .collect();
    let mut union: Option<LogicalPlanBuilder> = None;
    for (name, provider) in &providers {
        let mut columns = vec![lit(name.as_str()).alias("dataset")];
        columns.extend(common.iter().map(|c| Expr::Column(Column::new_unqualified(*c))));
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
    if let Some(union) = union {
        let view = ViewTable::new(union.build().map_err(df)?, None);
        ctx.register_table("all_pages", Arc::new(view)).map_err(df)?;
    }
    Ok(())
}
