//! Query parameters (`$1`, `$2`, ...) from JSON and back: what `/sql` takes in its JSON body, and
//! how parameters travel to a SQL worker; and from one row of Arrow columns, as Arrow Flight SQL
//! clients bind them.

use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::ScalarValue;
use serde_json::Value;

use crate::error::{Error, Result};

/// A query parameter from a JSON value: null, boolean, integer (int64), float (float64) or string.
pub fn param_from_json(value: &Value) -> Result<ScalarValue> {
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

/// The JSON form of a parameter that [`param_from_json`] reads back to the same value.
pub fn param_to_json(value: &ScalarValue) -> Result<Value> {
    Ok(match value {
        ScalarValue::Null => Value::Null,
        ScalarValue::Boolean(Some(b)) => Value::Bool(*b),
        ScalarValue::Int64(Some(i)) => Value::from(*i),
        ScalarValue::Int32(Some(i)) => Value::from(*i),
        ScalarValue::Float64(Some(f)) => {
            serde_json::Number::from_f64(*f).map(Value::Number).ok_or_else(|| unsupported(value))?
        }
        ScalarValue::Utf8(Some(s)) => Value::String(s.clone()),
        v if v.is_null() => Value::Null,
        other => return Err(unsupported(other)),
    })
}

/// The parameters in the one row of `batch`, column `i` as `$i+1`: the parameter types
/// [`param_from_json`] makes (smaller integers widen to int64, float32 to float64, every string
/// type to a string). Several rows (one execution per row) are refused.
pub fn params_from_row(batch: &RecordBatch) -> Result<Vec<ScalarValue>> {
    if batch.num_rows() != 1 {
        return Err(Error::InvalidInput(format!(
            "{} rows of parameters were bound; a query takes one row (one value per $n)",
            batch.num_rows()
        )));
    }
    batch
        .columns()
        .iter()
        .map(|column| {
            let value = ScalarValue::try_from_array(column, 0).map_err(|e| Error::InvalidInput(e.to_string()))?;
            let wide = match column.data_type() {
                _ if value.is_null() => return Ok(ScalarValue::Null),
                DataType::Boolean | DataType::Int64 | DataType::Float64 | DataType::Utf8 => return Ok(value),
                t if t.is_integer() || t.is_floating() => {
                    let to = if t.is_integer() { DataType::Int64 } else { DataType::Float64 };
                    value.cast_to(&to)
                }
                DataType::LargeUtf8 | DataType::Utf8View => value.cast_to(&DataType::Utf8),
                _ => return Err(unsupported(&value)),
            };
            wide.map_err(|_| unsupported(&value))
        })
        .collect()
}

fn unsupported(value: &ScalarValue) -> Error {
    Error::InvalidInput(format!(
        "parameter {value} of type {} is not taken: parameters are null, booleans, int64, finite float64 or strings",
        value.data_type()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_round_trip_through_json() {
        for text in ["null", "true", "-7", "9007199254740993", "2.5", "\"Zürich\""] {
            let value: Value = serde_json::from_str(text).unwrap();
            let scalar = param_from_json(&value).unwrap();
            assert_eq!(param_from_json(&param_to_json(&scalar).unwrap()).unwrap(), scalar, "{text}");
        }
        assert!(param_from_json(&serde_json::json!([1])).is_err());
        assert!(param_to_json(&ScalarValue::Float64(Some(f64::NAN))).is_err());
    }

    #[test]
    fn parameters_from_one_arrow_row_widen_to_the_json_types() {
        use datafusion::arrow::array::{ArrayRef, Int16Array, LargeStringArray, NullArray, UInt64Array};
        use std::sync::Arc;
        let columns: Vec<(&str, ArrayRef)> = vec![
            ("a", Arc::new(Int16Array::from(vec![7]))),
            ("b", Arc::new(LargeStringArray::from(vec!["Zürich"]))),
            ("c", Arc::new(NullArray::new(1))),
            ("d", Arc::new(UInt64Array::from(vec![u64::MAX]))),
        ];
        let batch = RecordBatch::try_from_iter(columns[..3].iter().cloned()).unwrap();
        let params = params_from_row(&batch).unwrap();
        assert_eq!(params, [ScalarValue::Int64(Some(7)), ScalarValue::Utf8(Some("Zürich".into())), ScalarValue::Null]);
        for p in &params {
            param_to_json(p).unwrap();
        }
        // An unsigned value past int64 does not fit; two rows are two executions.
        assert!(params_from_row(&RecordBatch::try_from_iter([columns[3].clone()]).unwrap()).is_err());
        let two = RecordBatch::try_from_iter([("a", Arc::new(Int16Array::from(vec![1, 2])) as ArrayRef)]).unwrap();
        assert!(params_from_row(&two).unwrap_err().to_string().contains("2 rows"));
    }
}
