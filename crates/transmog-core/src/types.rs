//! Column types: the one widening lattice of the project, the Arrow types it maps to,
//! and the casts widening needs. The column builders ([`crate::column`]), the sinks'
//! union schemas ([`crate::union`]), in-memory results and the reconciliation of
//! Spark/Dask partitions all widen through [`ColType::join`].
//!
//! | seen types | union type |
//! | --- | --- |
//! | `Null` + X | X |
//! | `Int64` + `Float64` | `Float64`, **unless** some integer of the column has `\|v\| > 2^53` (it would not survive the trip through `f64`): then `Utf8` |
//! | `Boolean` + `Int64` / `Float64` | `Utf8` |
//! | anything + `Utf8` | `Utf8` |
//!
//! Text renderings follow the cast rules ([`push_text`]): booleans `true` / `false`,
//! integers as decimal digits, floats as Python `repr`. Values are cast when they are
//! buffered, so once a column has become `Float64`, ints already stored in it render as
//! floats (`3.0`) if the column later widens further to `Utf8` (only possible through a
//! huge int). `LargeUtf8` input is accepted and stored as `Utf8`.

use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{new_null_array, Array, ArrayRef, Float64Array, StringArray};
use arrow_schema::{ArrowError, DataType};

use crate::column::Cell;
use crate::text::push_py_float;

/// Largest integer magnitude that converts to `f64` and back without loss.
pub const MAX_EXACT_INT_IN_F64: u64 = 1 << 53;

/// The type of a column: a point of the widening lattice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    /// No value seen yet.
    Null,
    /// Booleans only.
    Bool,
    /// Integers only.
    Int,
    /// Floats, possibly with exact integers.
    Float,
    /// Text.
    Str,
}

impl ColType {
    /// The least type holding every value of both (the lattice). `big_ints` tells
    /// whether the column has (ever) held an integer outside `±2^53`.
    pub fn join(self, other: ColType, big_ints: bool) -> ColType {
        use ColType as T;
        match (self, other) {
            (a, b) if a == b => a,
            (T::Null, x) | (x, T::Null) => x,
            (T::Int, T::Float) | (T::Float, T::Int) if !big_ints => T::Float,
            _ => T::Str,
        }
    }

    /// The Arrow data type.
    pub fn data_type(self) -> DataType {
        match self {
            ColType::Null => DataType::Null,
            ColType::Bool => DataType::Boolean,
            ColType::Int => DataType::Int64,
            ColType::Float => DataType::Float64,
            ColType::Str => DataType::Utf8,
        }
    }

    /// The lattice point of an Arrow type, or `None` if no sink stores that type
    /// (`LargeUtf8` is stored as `Utf8`).
    pub fn of(dt: &DataType) -> Option<ColType> {
        Some(match dt {
            DataType::Null => ColType::Null,
            DataType::Boolean => ColType::Bool,
            DataType::Int64 => ColType::Int,
            DataType::Float64 => ColType::Float,
            DataType::Utf8 | DataType::LargeUtf8 => ColType::Str,
            _ => return None,
        })
    }
}

/// Maps an input type to the type stored for it, or `None` if the type is not supported.
pub fn storage_type(dt: &DataType) -> Option<DataType> {
    ColType::of(dt).map(ColType::data_type)
}

/// The union of two storage types of one column ([`ColType::join`]); unsupported types
/// meet at `Utf8`.
pub fn widen(a: &DataType, b: &DataType, big_ints: bool) -> DataType {
    match (ColType::of(a), ColType::of(b)) {
        (Some(x), Some(y)) => x.join(y, big_ints).data_type(),
        _ => DataType::Utf8,
    }
}

/// Appends the text form of a cell (the cast-to-string rules).
pub fn push_text(bytes: &mut Vec<u8>, cell: Cell<'_>) {
    match cell {
        Cell::Null => {}
        Cell::Bool(b) => bytes.extend_from_slice(if b { b"true" } else { b"false" }),
        Cell::Int(i) => bytes.extend_from_slice(itoa::Buffer::new().format(i).as_bytes()),
        Cell::Float(f) => {
            let mut s = String::new();
            push_py_float(&mut s, f);
            bytes.extend_from_slice(s.as_bytes());
        }
        Cell::Text(_, s) => crate::small::extend(bytes, s.as_bytes()),
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

/// Largest zeroed buffer a thread keeps for [`null_array`] (2^21 rows of 8 bytes).
const NULL_ZEROS_MAX: usize = 16 << 20;

/// An all-null array of a storage type ([`ColType::data_type`]; other types as Arrow
/// makes them). Its buffers are slices of one zeroed buffer per thread, grown as
/// needed: a wide sparse table gets thousands of such columns per batch (a column
/// absent from a batch, a union column a batch lacks), and allocating and zeroing each
/// was the largest cost of finishing a batch.
pub fn null_array(dt: &DataType, rows: usize) -> ArrayRef {
    use arrow_array::{BooleanArray, Int64Array, NullArray};
    use arrow_buffer::{
        BooleanBuffer, Buffer, MutableBuffer, NullBuffer, OffsetBuffer, ScalarBuffer,
    };
    thread_local! {
        // Allocated, hence aligned, even for empty arrays.
        static ZEROS: std::cell::RefCell<Buffer> =
            std::cell::RefCell::new(MutableBuffer::from_len_zeroed(4096).into());
    }
    let bytes = match dt {
        DataType::Null => return Arc::new(NullArray::new(rows)),
        DataType::Boolean => rows.div_ceil(8),
        DataType::Int64 | DataType::Float64 => rows * 8,
        DataType::Utf8 => (rows + 1) * 4,
        _ => return new_null_array(dt, rows),
    };
    if bytes > NULL_ZEROS_MAX {
        return new_null_array(dt, rows);
    }
    let zeros = ZEROS.with(|z| {
        let mut z = z.borrow_mut();
        if z.len() < bytes {
            // Aligned for any Arrow type (slices stay at offset 0).
            *z = MutableBuffer::from_len_zeroed(bytes.next_power_of_two()).into();
        }
        z.slice_with_length(0, bytes)
    });
    // All bits clear: every row null.
    let nulls = NullBuffer::new(BooleanBuffer::new(zeros.clone(), 0, rows));
    match dt {
        DataType::Boolean => Arc::new(BooleanArray::new(
            BooleanBuffer::new(zeros, 0, rows),
            Some(nulls),
        )),
        DataType::Int64 => Arc::new(Int64Array::new(
            ScalarBuffer::new(zeros, 0, rows),
            Some(nulls),
        )),
        DataType::Float64 => Arc::new(Float64Array::new(
            ScalarBuffer::new(zeros, 0, rows),
            Some(nulls),
        )),
        _ => {
            // Offsets all 0: every value empty, and no value bytes.
            let offsets = OffsetBuffer::new(ScalarBuffer::new(zeros, 0, rows + 1));
            Arc::new(StringArray::new(
                offsets,
                Buffer::from(Vec::<u8>::new()),
                Some(nulls),
            ))
        }
    }
}

/// Casts `array` (of a supported type) to `to`, following the widening rules above.
pub fn cast(array: &ArrayRef, to: &DataType) -> Result<ArrayRef, ArrowError> {
    let from = array.data_type();
    if from == to {
        return Ok(Arc::clone(array));
    }
    if *from == DataType::Null {
        return Ok(null_array(to, array.len()));
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

/// Renders cells as text by the cast rules (`None` stays null).
fn render_each<'a>(len: usize, cells: impl Iterator<Item = Option<Cell<'a>>>) -> StringArray {
    let mut b = StringBuilder::with_capacity(len, len * 8);
    let mut buf = Vec::new();
    for cell in cells {
        match cell {
            Some(cell) => {
                buf.clear();
                push_text(&mut buf, cell);
                // push_text writes UTF-8 only.
                b.append_value(String::from_utf8_lossy(&buf));
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
        DataType::Boolean => Ok(render_each(
            len,
            array.as_boolean().iter().map(|v| v.map(Cell::Bool)),
        )),
        DataType::Int64 => Ok(render_each(
            len,
            array
                .as_primitive::<Int64Type>()
                .iter()
                .map(|v| v.map(Cell::Int)),
        )),
        DataType::Float64 => Ok(render_each(
            len,
            array
                .as_primitive::<Float64Type>()
                .iter()
                .map(|v| v.map(Cell::Float)),
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
    fn null_arrays_of_every_storage_type_share_their_zeros() {
        let big = NULL_ZEROS_MAX / 8 + 1;
        for rows in [0, 1, 7, 1000, 3, big] {
            for dt in [Null, Boolean, Int64, Float64, Utf8] {
                let a = null_array(&dt, rows);
                assert_eq!(a.data_type(), &dt);
                assert_eq!(a.len(), rows);
                assert_eq!(a.logical_null_count(), rows, "{dt} x {rows}");
                // Arrow's own checks of offsets, lengths and alignment.
                a.to_data().validate_full().unwrap();
                assert_eq!(*a, *new_null_array(&dt, rows), "{dt} x {rows}");
            }
        }
        // One zeroed buffer per thread serves them all (beyond its cap, Arrow's own).
        let (a, b) = (null_array(&Int64, 100), null_array(&Utf8, 100));
        let data = |x: &ArrayRef| x.to_data().buffers()[0].as_ptr();
        assert_eq!(data(&a), data(&b));
        let huge = null_array(&Int64, big);
        assert_ne!(data(&huge), data(&a));
    }

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
