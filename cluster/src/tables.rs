//! The datasets whose page tables a cluster queries, and their registration in a session.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::TableProvider;
use datafusion::datasource::file_format::arrow::ArrowFormat;
use datafusion::datasource::listing::{ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl};
use datafusion::prelude::SessionContext;
use folio_engine::PageTable;
use folio_engine::library::{check_name, name_of, parse_data};

/// One dataset: its name and its index's page table.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The name its rows carry in the `dataset` column and its schema (`{name}.pages`).
    pub name: String,
    /// The index's `pages.arrow`, an absolute path (executors open it by this path).
    pub file: PathBuf,
    /// The table's columns (the file's, without the file's metadata).
    pub schema: SchemaRef,
    /// Rows (pages).
    pub rows: usize,
}

/// The datasets of a query, in the order given.
#[derive(Debug, Clone)]
pub struct Datasets(Vec<Dataset>);

impl Datasets {
    /// Opens each `[NAME=]DIR` (a name or, without one, the directory's name made an
    /// identifier): the manifest and the page table are checked by the engine; the dump is
    /// not needed.
    pub fn open(args: &[String]) -> Result<Datasets> {
        if args.is_empty() {
            bail!("no dataset: give --data [NAME=]DIR (an index directory of folio-ingest build), once per dataset");
        }
        let mut datasets: Vec<Dataset> = Vec::with_capacity(args.len());
        for arg in args {
            let (name, dir) = parse_data(arg);
            let name = name.unwrap_or_else(|| name_of(&dir));
            check_name(&name).with_context(|| format!("--data {arg}: give it a name as NAME={}", dir.display()))?;
            if datasets.iter().any(|d| d.name == name) {
                bail!("--data {arg}: the name {name:?} is taken by an earlier --data; give each dataset its own NAME=");
            }
            datasets.push(open_one(name, &dir).with_context(|| format!("--data {arg}"))?);
        }
        Ok(Datasets(datasets))
    }

    /// The datasets, in the order given.
    pub fn iter(&self) -> impl Iterator<Item = &Dataset> {
        self.0.iter()
    }

    /// Registers each dataset's table as `{name}.pages`, and the view over all of them (a
    /// `dataset` column, then the columns every table has) as `all_pages` and as `pages`.
    pub fn register(&self, ctx: &SessionContext) -> Result<()> {
        let mut tables: Vec<(String, Arc<dyn TableProvider>)> = Vec::with_capacity(self.0.len());
        for dataset in &self.0 {
            tables.push((dataset.name.clone(), listing_table(dataset)?));
        }
        let all = folio_engine::sql::register_page_tables(ctx, &tables)?.context("no dataset to register")?;
        ctx.register_table("all_pages", all.clone())?;
        ctx.register_table("pages", all)?;
        Ok(())
    }
}

fn open_one(name: String, dir: &Path) -> Result<Dataset> {
    let dir = std::fs::canonicalize(dir).with_context(|| format!("{}: no such index directory", dir.display()))?;
    let table = PageTable::open_in(&dir).map_err(|e| {
        anyhow::anyhow!("{e} (is {} an index? build one with: folio-ingest build DUMP --out DIR)", dir.display())
    })?;
    // The file's metadata (its format version) is not the table's, as on the server: tables of
    // two formats are then one kind of table.
    let schema = Arc::new(table.schema().as_ref().clone().with_metadata(Default::default()));
    Ok(Dataset { name, file: table.path().to_owned(), schema, rows: table.len() })
}

/// A listing table over the one Arrow IPC file: a plan node Ballista sends to its executors,
/// which read the file where it is.
fn listing_table(dataset: &Dataset) -> Result<Arc<dyn TableProvider>> {
    let path = dataset.file.to_str().with_context(|| format!("{}: not a UTF-8 path", dataset.file.display()))?;
    let url = ListingTableUrl::parse(path)?;
    let options = ListingOptions::new(Arc::new(ArrowFormat)).with_file_extension(".arrow");
    let config = ListingTableConfig::new(url).with_listing_options(options).with_schema(dataset.schema.clone());
    Ok(Arc::new(ListingTable::try_new(config)?))
}
