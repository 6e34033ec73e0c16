//! The DataFusion session both sides use: the server's catalog (for the prepared TechEmpower
//! statements) and a worker's replica (for ad-hoc queries). One place for its settings.

use std::sync::Arc;

use datafusion::catalog::{MemTable, TableProvider};
use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{SQLOptions, SessionConfig, SessionContext};

use super::page_views::register_page_tables;
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

/// Registers each dataset's page table as `{name}.pages`, the first one (the default dataset)
/// also as `pages`, and the view over all of them as `all_pages` (see [`register_page_tables`]).
fn register_pages(ctx: &SessionContext, pages: &[(String, PageTable)], partitions: usize) -> Result<()> {
    let providers: Vec<(String, Arc<dyn TableProvider>)> = pages
        .iter()
        .map(|(name, table)| {
            (name.clone(), Arc::new(PagesTable::new(table.clone(), partitions)) as Arc<dyn TableProvider>)
        })
        .collect();
    let Some(all) = register_page_tables(ctx, &providers)? else { return Ok(()) };
    ctx.register_table("pages", providers[0].1.clone()).map_err(df)?;
    ctx.register_table("all_pages", all).map_err(df)?;
    Ok(())
}
