//! `world` as a DataFusion table: a provider that answers `id = <value>` from the row index
//! instead of scanning, and the leaf plan that reads the rows when it runs.
//!
//! A filter `id = $n` is pushed into the scan too, as a [`Key::Param`]: the physical plan is
//! built once, with the placeholder in it, and [`bind`] swaps in the value for each execution.
//! That is what makes a prepared point query cost microseconds instead of a fresh plan.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{ArrayRef, Int32Array, RecordBatch, RecordBatchOptions};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{DataFusionError, Result as DfResult, ScalarValue};
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{BinaryExpr, Expr, Operator, TableProviderFilterPushDown, TableType};
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::memory::MemoryStream;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties, ReplaceChildrenOptions,
    SendableRecordBatchStream,
};

use super::tables::world_schema;
use super::world::WorldRows;

/// Which rows a world scan reads.
#[derive(Debug, Clone, PartialEq)]
pub enum Key {
    /// Every row.
    All,
    /// The row with this id (none if there is no such row).
    Id(i64),
    /// The row whose id is the value of placeholder `$n` (0-based here): bound before running.
    Param(usize),
}

/// The `world` table provider.
#[derive(Debug)]
pub struct WorldTable {
    rows: Arc<WorldRows>,
}

impl WorldTable {
    /// The provider over `rows`.
    pub fn new(rows: Arc<WorldRows>) -> WorldTable {
        WorldTable { rows }
    }
}

/// The key of a filter `id = literal` or `id = $n` (either side, casts looked through).
fn key_of(filter: &Expr) -> Option<Key> {
    let Expr::BinaryExpr(BinaryExpr { left, op: Operator::Eq, right }) = filter else { return None };
    let strip = |e: &Expr| -> Expr {
        let mut e = e.clone();
        while let Expr::Cast(c) = e {
            e = *c.expr;
        }
        e
    };
    let (l, r) = (strip(left), strip(right));
    let value = match (&l, &r) {
        (Expr::Column(c), v) | (v, Expr::Column(c)) if c.name == "id" => v,
        _ => return None,
    };
    match value {
        Expr::Literal(v, _) => match v {
            ScalarValue::Int8(Some(_))
            | ScalarValue::Int16(Some(_))
            | ScalarValue::Int32(Some(_))
            | ScalarValue::Int64(Some(_))
            | ScalarValue::UInt8(Some(_))
            | ScalarValue::UInt16(Some(_))
            | ScalarValue::UInt32(Some(_)) => {
                v.cast_to(&datafusion::arrow::datatypes::DataType::Int64).ok().and_then(|v| match v {
                    ScalarValue::Int64(Some(i)) => Some(Key::Id(i)),
                    _ => None,
                })
            }
            _ => None,
        },
        Expr::Placeholder(p) => {
            let n: usize = p.id.strip_prefix('$')?.parse().ok()?;
            Some(Key::Param(n.checked_sub(1)?))
        }
        _ => None,
    }
}

#[async_trait]
impl TableProvider for WorldTable {
    fn schema(&self) -> SchemaRef {
        world_schema()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(&self, filters: &[&Expr]) -> DfResult<Vec<TableProviderFilterPushDown>> {
        // Only the first `id = value` is answered by the index; the rest stay with DataFusion.
        let mut taken = false;
        Ok(filters
            .iter()
            .map(|f| {
                if !taken && key_of(f).is_some() {
                    taken = true;
                    TableProviderFilterPushDown::Exact
                } else {
                    TableProviderFilterPushDown::Unsupported
                }
            })
            .collect())
    }

    async fn scan(
        &self,
        _state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        _limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let key = filters.iter().find_map(key_of).unwrap_or(Key::All);
        Ok(Arc::new(WorldExec::new(self.rows.clone(), key, projection.cloned())?))
    }
}

/// The leaf plan reading world rows when it runs (never when it is planned), so a cached plan
/// always sees the latest acknowledged updates.
#[derive(Debug, Clone)]
pub struct WorldExec {
    rows: Arc<WorldRows>,
    key: Key,
    projection: Option<Vec<usize>>,
    properties: Arc<PlanProperties>,
}

impl WorldExec {
    fn new(rows: Arc<WorldRows>, key: Key, projection: Option<Vec<usize>>) -> DfResult<WorldExec> {
        let full = world_schema();
        let schema = match &projection {
            Some(p) => Arc::new(full.project(p)?),
            None => full,
        };
        let properties = Arc::new(PlanProperties::new(
            EquivalenceProperties::new(schema),
            Partitioning::UnknownPartitioning(1),
            EmissionType::Incremental,
            Boundedness::Bounded,
        ));
        Ok(WorldExec { rows, key, projection, properties })
    }

    /// Which rows this scan reads.
    pub fn key(&self) -> &Key {
        &self.key
    }

    fn batch(&self) -> DfResult<RecordBatch> {
        let (ids, values): (Vec<i32>, Vec<i32>) = match self.key {
            Key::All => self.rows.snapshot().into_iter().enumerate().map(|(i, v)| (i as i32 + 1, v)).unzip(),
            Key::Id(id) => self.rows.get(id).map(|v| (vec![id as i32], vec![v])).unwrap_or_default(),
            Key::Param(n) => {
                return Err(DataFusionError::Plan(format!("placeholder ${} has no value", n + 1)));
            }
        };
        let count = ids.len();
        let columns: [ArrayRef; 2] = [Arc::new(Int32Array::from(ids)), Arc::new(Int32Array::from(values))];
        let columns = match &self.projection {
            Some(p) => p.iter().map(|&i| columns[i].clone()).collect(),
            None => columns.to_vec(),
        };
        let rows = RecordBatchOptions::new().with_row_count(Some(count));
        Ok(RecordBatch::try_new_with_options(self.schema(), columns, &rows)?)
    }
}

impl DisplayAs for WorldExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        match &self.key {
            Key::All => write!(f, "WorldExec: all rows"),
            Key::Id(id) => write!(f, "WorldExec: id = {id} (index)"),
            Key::Param(n) => write!(f, "WorldExec: id = ${} (index)", n + 1),
        }
    }
}

impl ExecutionPlan for WorldExec {
    fn name(&self) -> &str {
        "WorldExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> DfResult<TreeNodeRecursion>,
    ) -> DfResult<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn replace_children(
        self: Arc<Self>,
        _children: Vec<Arc<dyn ExecutionPlan>>,
        _options: ReplaceChildrenOptions,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        Ok(self)
    }

    fn with_new_children(self: Arc<Self>, _children: Vec<Arc<dyn ExecutionPlan>>) -> DfResult<Arc<dyn ExecutionPlan>> {
        Ok(self)
    }

    fn execute(&self, _partition: usize, _context: Arc<TaskContext>) -> DfResult<SendableRecordBatchStream> {
        let batch = self.batch()?;
        Ok(Box::pin(MemoryStream::try_new(vec![batch], self.schema(), None)?))
    }
}

/// `plan` with every `id = $n` world scan given its value from `params`.
pub fn bind(plan: &Arc<dyn ExecutionPlan>, params: &[ScalarValue]) -> DfResult<Arc<dyn ExecutionPlan>> {
    let bound = plan.clone().transform_down(|node| {
        let Some(scan) = node.downcast_ref::<WorldExec>() else { return Ok(Transformed::no(node)) };
        let Key::Param(n) = scan.key else { return Ok(Transformed::no(node)) };
        let value =
            params.get(n).ok_or_else(|| DataFusionError::Plan(format!("no value for placeholder ${}", n + 1)))?;
        let id = match value.cast_to(&datafusion::arrow::datatypes::DataType::Int64)? {
            ScalarValue::Int64(Some(id)) => id,
            other => return Err(DataFusionError::Plan(format!("placeholder ${}: {other} is not an id", n + 1))),
        };
        let exec = WorldExec { key: Key::Id(id), ..scan.clone() };
        Ok(Transformed::yes(Arc::new(exec) as Arc<dyn ExecutionPlan>))
    })?;
    Ok(bound.data)
}
