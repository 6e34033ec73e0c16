//! Query parameters (`$1`, `$2`, ...) from JSON and back: what `/sql` takes in its JSON body, and
//! how parameters travel to a SQL worker.

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
}
