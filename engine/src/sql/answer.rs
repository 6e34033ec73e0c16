//! [`Answer`]: a query's rows, and the two ways they leave the engine (JSON rows, Arrow IPC
//! stream); and query parameters from JSON.

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::ipc::writer::StreamWriter;
use datafusion::arrow::json::{ArrayWriter, WriterBuilder};
use datafusion::common::ScalarValue;

use crate::error::{Error, Result};

/// The rows of one query.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The columns.
    pub schema: SchemaRef,
    /// The rows, in batches.
    pub batches: Vec<RecordBatch>,
}

impl Answer {
    /// How many rows.
    pub fn rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// The rows as a JSON array of objects, column name to value; nulls written as `null`.
    pub fn to_json(&self) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(64 + self.rows() * 32);
        let mut writer: ArrayWriter<_> = WriterBuilder::new().with_explicit_nulls(true).build(&mut out);
        for batch in &self.batches {
            writer.write(batch).map_err(|e| Error::Sql(e.to_string()))?;
        }
        writer.finish().map_err(|e| Error::Sql(e.to_string()))?;
        drop(writer);
        if out.is_empty() {
            out.extend_from_slice(b"[]");
        }
        Ok(out)
    }

    /// The rows as an Arrow IPC stream (what `pyarrow.ipc.open_stream` reads).
    pub fn to_arrow_stream(&self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut writer = StreamWriter::try_new(&mut out, &self.schema).map_err(|e| Error::Sql(e.to_string()))?;
        for batch in &self.batches {
            writer.write(batch).map_err(|e| Error::Sql(e.to_string()))?;
        }
        writer.finish().map_err(|e| Error::Sql(e.to_string()))?;
        drop(writer);
        Ok(out)
    }
}

/// A query parameter from a JSON value: null, boolean, integer (int64), float (float64) or string.
pub fn param_from_json(value: &serde_json::Value) -> Result<ScalarValue> {
    use serde_json::Value;
    Ok(match value {
        Value::Null => ScalarValue::Null,
        Value::Bool(b) => ScalarValue::Boolean(Some(*b)),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => ScalarValue::Int64(Some(i)),
            (None, Some(f)) => ScalarValue::Float64(Some(f)),
            _ => return Err(Error::InvalidInput(format!("parameter {n} is out of range"))),
        },
        Value::String(s) => ScalarValue::Utf8(Some(s.clone())),
        other => {
            return Err(Error::InvalidInput(format!(
                "parameter {other} is not a scalar: parameters are null, booleans, numbers or strings"
            )));
        }
    })
}
