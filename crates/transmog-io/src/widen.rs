//! Column types: which Arrow types are accepted, how two types of one column widen, and the
//! hand-written casts that widening needs.
//!
//! Widening rules (symmetric), applied when a column's type differs between batches:
//!
//! | seen types | union type |
//! | --- | --- |
//! | `Null` + X | X |
//! | `Int64` + `Float64` | `Float64`, **unless** some int64 value of the column has `\|v\| > 2^53` (it would not survive the trip through `f64`): then `Utf8` |
//! | `Boolean` + `Int64` / `Float64` | `Utf8` |
//! | anything + `Utf8` | `Utf8` |
//!
//! Casting to `Utf8` writes booleans as `true` / `false`, integers as decimal digits and
//! floats as Python `repr` (see `transmog_core::text::push_py_float`). Values are cast when they are buffered,
//! so once a column has become `Float64`, ints already stored in it render as floats
//! (`3.0`) if the column later widens further to `Utf8` (only possible through a huge int).
//! `LargeUtf8` input is accepted and stored as `Utf8`.

use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::cast::AsArray;
use arrow_array::types::{ArrowPrimitiveType, Float64Type, Int64Type};
use arrow_array::{new_null_array, Array, ArrayRef, Float64Array, PrimitiveArray, StringArray};
use arrow_schema::{ArrowError, DataType};

use transmog_core::text::push_py_float as write_py_float;

/// Largest integer magnitude that converts to `f64` and back without loss.
pub const MAX_EXACT_INT_IN_F64: u64 = 1 << 53;

/// Maps an input type to the type stored for it, or `None` if the type is not supported.
pub fn storage_type(dt: &DataType) -> Option<DataType> {
    match dt {
        DataType::Null
        | DataType::Boolean
        | DataType::Int64
        | DataType::Float64
        | DataType::Utf8 => Some(dt.clone()),
        DataType::LargeUtf8 => Some(DataType::Utf8),
        _ => None,
    }
}

/// The union of two storage types of one column. `big_ints` tells whether the column has
/// (ever) held an int64 outside `±2^53`.
pub fn widen(a: &DataType, b: &DataType, big_ints: bool) -> DataType {
    use DataType::*;
    match (a, b) {
        (x, y) if x == y => x.clone(),
        (Null, x) | (x, Null) => x.clone(),
        (Int64, Float64) | (Float64, Int64) if !big_ints => Float64,
        _ => Utf8,
    }
}

/// True if any value of an `Int64` array is outside `±2^53`. False for other types.
pub fn has_big_ints(array: &dyn Array) -> bool {
    match array.as_primitive_opt::<Int64Type>() {
        Some(a) => a
            .iter()
            .flatten()
            .any(|v| v.unsigned_abs() > MAX_EXACT_INT_IN_F64),
        None => false,
    }
}

/// Casts `array` (of a supported type) to `to`, following the widening rules above.
pub fn cast(array: &ArrayRef, to: &DataType) -> Result<ArrayRef, ArrowError> {
    let from = array.data_type();
    if from == to {
        return Ok(Arc::clone(array));
    }
    if *from == DataType::Null {
        return Ok(new_null_array(to, array.len()));
    }
    match to {
        DataType::Float64 => {
            let ints = array
                .as_primitive_opt::<Int64Type>()
                .ok_or_else(|| ArrowError::CastError(format!("cannot cast {from} to Float64")))?;
            let floats: Float64Array = ints.unary(|v| v as f64);
            Ok(Arc::new(floats))
        }
        DataType::Utf8 => Ok(Arc::new(to_utf8(array.as_ref())?)),
        _ => Err(ArrowError::CastError(format!("cannot cast {from} to {to}"))),
    }
}

/// Renders every value of a numeric array with `render` (nulls stay null).
fn render_each<T: ArrowPrimitiveType>(
    a: &PrimitiveArray<T>,
    mut render: impl FnMut(&mut String, T::Native),
) -> StringArray {
    let mut b = StringBuilder::with_capacity(a.len(), a.len() * 8);
    let mut buf = String::new();
    for v in a.iter() {
        match v {
            Some(v) => {
                buf.clear();
                render(&mut buf, v);
                b.append_value(&buf);
            }
            None => b.append_null(),
        }
    }
    b.finish()
}

/// Renders any supported array as strings (nulls stay null).
fn to_utf8(array: &dyn Array) -> Result<StringArray, ArrowError> {
    let len = array.len();
    match array.data_type() {
        DataType::Utf8 => Ok(array.as_string::<i32>().clone()),
        DataType::LargeUtf8 => {
            let a = array.as_string::<i64>();
            let mut b = StringBuilder::with_capacity(len, a.value_data().len());
            for v in a.iter() {
                b.append_option(v);
            }
            Ok(b.finish())
        }
        DataType::Boolean => {
            let a = array.as_boolean();
            Ok(a.iter()
                .map(|v| v.map(|b| if b { "true" } else { "false" }))
                .collect())
        }
        DataType::Int64 => Ok(render_each(array.as_primitive::<Int64Type>(), |buf, v| {
            use std::fmt::Write as _;
            let _ = write!(buf, "{v}");
        })),
        DataType::Float64 => Ok(render_each(
            array.as_primitive::<Float64Type>(),
            write_py_float,
        )),
        DataType::Null => Ok(StringArray::new_null(len)),
        other => Err(ArrowError::CastError(format!(
            "cannot cast {other} to Utf8"
        ))),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use arrow_array::{BooleanArray, Int64Array, LargeStringArray};
    use DataType::*;

    #[test]
    fn lattice() {
        assert_eq!(widen(&Null, &Int64, false), Int64);
        assert_eq!(widen(&Utf8, &Null, false), Utf8);
        assert_eq!(widen(&Int64, &Float64, false), Float64);
        assert_eq!(widen(&Float64, &Int64, true), Utf8);
        assert_eq!(widen(&Boolean, &Int64, false), Utf8);
        assert_eq!(widen(&Boolean, &Float64, false), Utf8);
        assert_eq!(widen(&Float64, &Utf8, false), Utf8);
        assert_eq!(widen(&Boolean, &Boolean, true), Boolean);
    }

    #[test]
    fn big_ints() {
        let a = Int64Array::from(vec![Some(1), None, Some(1 << 53)]);
        assert!(!has_big_ints(&a));
        let a = Int64Array::from(vec![Some(-(1 << 53) - 1)]);
        assert!(has_big_ints(&a));
        let a = Int64Array::from(vec![i64::MIN]);
        assert!(has_big_ints(&a));
    }

    #[test]
    fn casts() {
        let ints: ArrayRef = Arc::new(Int64Array::from(vec![Some(1), None, Some(-7)]));
        let f = cast(&ints, &Float64).unwrap();
        let f = f.as_primitive::<Float64Type>();
        assert_eq!(f.value(0), 1.0);
        assert!(f.is_null(1));
        let s = cast(&ints, &Utf8).unwrap();
        let s = s.as_string::<i32>();
        assert_eq!(s.value(2), "-7");
        assert!(s.is_null(1));

        let floats: ArrayRef = Arc::new(Float64Array::from(vec![1.0, 1e16, f64::NAN]));
        let s = cast(&floats, &Utf8).unwrap();
        let s = s.as_string::<i32>();
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            vec![Some("1.0"), Some("1e+16"), Some("nan")]
        );

        let bools: ArrayRef = Arc::new(BooleanArray::from(vec![Some(true), None, Some(false)]));
        let s = cast(&bools, &Utf8).unwrap();
        let s = s.as_string::<i32>();
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            vec![Some("true"), None, Some("false")]
        );

        let large: ArrayRef = Arc::new(LargeStringArray::from(vec![Some("x"), None]));
        let s = cast(&large, &Utf8).unwrap();
        assert_eq!(s.data_type(), &Utf8);
        assert_eq!(s.null_count(), 1);

        let nulls = new_null_array(&Null, 3);
        let s = cast(&nulls, &Int64).unwrap();
        assert_eq!((s.data_type(), s.null_count()), (&Int64, 3));

        assert!(cast(&bools, &Float64).is_err());
    }
}
