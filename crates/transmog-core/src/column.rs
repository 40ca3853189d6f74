//! Column builders: one Arrow column of a table batch, with lossless type widening.
//!
//! A column's Arrow type is the join of the kinds of every value it has held in the
//! run: `Null < Boolean`, `Null < Int64 < Float64`, and everything else meets at
//! `Utf8`. Integers only widen to `Float64` while every integer of the column is exact
//! as a double (|i| <= 2^53); otherwise the column becomes `Utf8`. Text renderings
//! follow the cast rules (`true`, `12`, `1.5`, `1e+16`, JSON text for arrays/objects).
//! Each cell also remembers its original kind when the column type does not imply
//! it, so rows can be turned back into exactly the values that went in.

use std::sync::Arc;

use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, NullArray, StringArray,
};
use arrow_buffer::{BooleanBufferBuilder, NullBuffer, OffsetBuffer, ScalarBuffer};

pub use crate::types::ColType;
use crate::types::{push_text, MAX_EXACT_INT_IN_F64};

/// The kind of a single value, finer than the column type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Kind {
    /// A null that is present as a key (`{"value": null}`).
    Null = 0,
    /// Boolean.
    Bool = 1,
    /// 64-bit integer.
    Int = 2,
    /// Integer beyond 64 bits, stored as its digits.
    BigInt = 3,
    /// Double.
    Float = 4,
    /// Text.
    Str = 5,
    /// An array or object kept whole, stored as JSON text.
    Json = 6,
}

impl Kind {
    /// The kind stored as `b` in [`CellExtras::kinds`].
    pub fn from_u8(b: u8) -> Kind {
        match b {
            1 => Kind::Bool,
            2 => Kind::Int,
            3 => Kind::BigInt,
            4 => Kind::Float,
            5 => Kind::Str,
            6 => Kind::Json,
            _ => Kind::Null,
        }
    }
}

/// The kind a cell has when the column type alone implies it.
fn canonical_kind(ty: ColType) -> Kind {
    match ty {
        ColType::Null => Kind::Null,
        ColType::Bool => Kind::Bool,
        ColType::Int => Kind::Int,
        ColType::Float => Kind::Float,
        ColType::Str => Kind::Str,
    }
}

/// A value to append, borrowing its text.
#[derive(Debug, Clone, Copy)]
pub enum Cell<'a> {
    /// Present-but-null.
    Null,
    /// Boolean.
    Bool(bool),
    /// Integer.
    Int(i64),
    /// Double.
    Float(f64),
    /// Text with its original kind (`Str`, `BigInt` digits or `Json` text).
    Text(Kind, &'a str),
}

impl Cell<'_> {
    fn kind(&self) -> Kind {
        match self {
            Cell::Null => Kind::Null,
            Cell::Bool(_) => Kind::Bool,
            Cell::Int(_) => Kind::Int,
            Cell::Float(_) => Kind::Float,
            Cell::Text(k, _) => *k,
        }
    }
}

/// A cell that owns its text, for values kept beyond the input they came from.
#[derive(Debug, Clone, PartialEq)]
pub enum OwnedCell {
    /// Present-but-null.
    Null,
    /// Boolean.
    Bool(bool),
    /// Integer.
    Int(i64),
    /// Double.
    Float(f64),
    /// Text with its original kind.
    Text(Kind, String),
}

impl OwnedCell {
    /// Borrows the cell for [`ColumnBuilder::push`].
    pub fn cell(&self) -> Cell<'_> {
        match self {
            OwnedCell::Null => Cell::Null,
            OwnedCell::Bool(b) => Cell::Bool(*b),
            OwnedCell::Int(i) => Cell::Int(*i),
            OwnedCell::Float(f) => Cell::Float(*f),
            OwnedCell::Text(k, s) => Cell::Text(*k, s),
        }
    }

    /// The cell of a value: arrays and objects become `Json` text (`json.dumps` form).
    pub fn from_value(v: &crate::value::Value<'_>) -> Self {
        use crate::value::Value;
        match v {
            Value::Null => OwnedCell::Null,
            Value::Bool(b) => OwnedCell::Bool(*b),
            Value::Int(i) => OwnedCell::Int(*i),
            Value::Float(f) => OwnedCell::Float(*f),
            Value::BigInt(s) => OwnedCell::Text(Kind::BigInt, s.to_string()),
            Value::Str(s) => OwnedCell::Text(Kind::Str, s.to_string()),
            Value::Array(_) | Value::Object(_) => {
                let mut s = String::new();
                crate::text::push_py_json(&mut s, v);
                OwnedCell::Text(Kind::Json, s)
            }
        }
    }
}

#[derive(Debug)]
enum Data {
    Null,
    Bool(Vec<bool>),
    Int(Vec<i64>),
    Float(Vec<f64>),
    Str { offsets: Vec<i32>, bytes: Vec<u8> },
}

/// Per-row facts that an Arrow array cannot carry; used to rebuild exact rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CellExtras {
    /// Original kind of each row, when the column type does not imply it.
    pub kinds: Option<Vec<u8>>,
    /// Rows where the key is present with a null value (sorted).
    pub present_nulls: Vec<u32>,
}

/// Builder of one column of the current batch.
#[derive(Debug)]
pub struct ColumnBuilder {
    ty: ColType,
    data: Data,
    /// One bit per row: set where the row has a value (Arrow's validity, built as is).
    valid: BooleanBufferBuilder,
    kinds: Option<Vec<u8>>,
    present_nulls: Vec<u32>,
    // Whether every integer seen in this run is exact as f64 (for Int -> Float).
    ints_exact: bool,
    // Rows and text bytes of the last batch: what the next one reserves when it starts.
    last_size: (usize, usize),
}

impl ColumnBuilder {
    /// An empty builder of the given run-wide type.
    pub fn new(ty: ColType) -> Self {
        ColumnBuilder {
            ty,
            data: empty_data(ty),
            valid: BooleanBufferBuilder::new(0),
            kinds: None,
            present_nulls: Vec::new(),
            ints_exact: true,
            last_size: (0, 0),
        }
    }

    /// Reserves room for a batch as big as the last one, so that it does not grow from
    /// nothing (copies and page faults at every doubling). Called when a batch starts, not
    /// when the last one ends: a thread waiting for its next chunk holds no empty buffers.
    pub fn reserve_like_last(&mut self) {
        let (rows, text) = std::mem::take(&mut self.last_size);
        if rows == 0 {
            return;
        }
        self.valid.reserve(rows);
        match &mut self.data {
            Data::Null => {}
            Data::Bool(v) => v.reserve(rows),
            Data::Int(v) => v.reserve(rows),
            Data::Float(v) => v.reserve(rows),
            Data::Str { offsets, bytes } => {
                offsets.reserve(rows);
                bytes.reserve(text);
            }
        }
    }

    /// The column's type (it only ever widens).
    pub fn col_type(&self) -> ColType {
        self.ty
    }

    /// Rows held.
    pub fn len(&self) -> usize {
        self.valid.len()
    }

    /// True when no row is held.
    pub fn is_empty(&self) -> bool {
        self.valid.is_empty()
    }

    /// Bytes of text held, to keep batches under Arrow's 2 GiB offset limit.
    pub fn text_bytes(&self) -> usize {
        match &self.data {
            Data::Str { bytes, .. } => bytes.len(),
            _ => 0,
        }
    }

    /// Appends absent cells up to `len` rows.
    #[inline]
    pub fn pad_to(&mut self, len: usize) {
        if self.valid.len() < len {
            self.pad_more(len);
        }
    }

    #[inline(never)]
    fn pad_more(&mut self, len: usize) {
        // One resize per buffer: sparse columns of wide tables pad long runs (a row
        // each, one at a time, was the largest cost of a 3 000-column table).
        self.valid.append_n(len - self.valid.len(), false);
        match &mut self.data {
            Data::Null => {}
            Data::Bool(v) => v.resize(len, false),
            Data::Int(v) => v.resize(len, 0),
            Data::Float(v) => v.resize(len, 0.0),
            Data::Str { offsets, bytes } => {
                // Offsets hold one entry more than rows (the leading 0).
                offsets.resize(len + 1, bytes.len() as i32)
            }
        }
        let canonical = canonical_kind(self.ty) as u8;
        if let Some(k) = &mut self.kinds {
            k.resize(len, canonical);
        }
    }

    fn push_absent(&mut self) {
        self.pad_to(self.len() + 1);
    }

    /// Appends one text cell: [`ColumnBuilder::push`] of `Cell::Text(kind, text)`, with
    /// the commonest case inlined into the caller and its text in registers, not a call
    /// per cell with the `Cell` in memory (orders, one thread: 2-3 % less CPU, with
    /// `pad_to`'s check inlined too).
    #[inline(always)]
    pub fn push_text(&mut self, kind: Kind, text: &str) {
        if !self.push_plain_str(kind, text) {
            self.push(Cell::Text(kind, text));
        }
    }

    /// Most cells: a string into a text column of strings only (every value cast).
    /// `false`, with nothing done, for any other cell or column.
    #[inline(always)]
    fn push_plain_str(&mut self, kind: Kind, text: &str) -> bool {
        if let (Kind::Str, Data::Str { offsets, bytes }, None) = (kind, &mut self.data, &self.kinds)
        {
            self.valid.append(true);
            crate::small::extend(bytes, text.as_bytes());
            offsets.push(bytes.len() as i32);
            return true;
        }
        false
    }

    /// Appends one cell, widening the column first when the cell needs it.
    pub fn push(&mut self, cell: Cell<'_>) {
        if let Cell::Text(kind, text) = cell {
            if self.push_plain_str(kind, text) {
                return;
            }
        }
        let kind = cell.kind();
        if kind == Kind::Null {
            let row = self.valid.len() as u32;
            self.push_absent();
            self.present_nulls.push(row);
            return;
        }
        if let Cell::Int(i) = cell {
            if i.unsigned_abs() > MAX_EXACT_INT_IN_F64 {
                self.ints_exact = false;
            }
        }
        let target = self.join(kind);
        if target != self.ty {
            self.widen(target);
        }
        self.valid.append(true);
        match (&mut self.data, cell) {
            (Data::Bool(v), Cell::Bool(b)) => v.push(b),
            (Data::Int(v), Cell::Int(i)) => v.push(i),
            (Data::Float(v), Cell::Float(f)) => v.push(f),
            (Data::Float(v), Cell::Int(i)) => v.push(i as f64),
            (Data::Str { offsets, bytes }, cell) => {
                push_text(bytes, cell);
                offsets.push(bytes.len() as i32);
            }
            // `join` guarantees one of the arms above; keep the row count right anyway.
            (_, _) => {
                self.valid.truncate(self.valid.len() - 1);
                self.push_absent();
                return;
            }
        }
        let canonical = canonical_kind(self.ty);
        if kind != canonical && self.kinds.is_none() {
            self.kinds = Some(vec![canonical as u8; self.valid.len() - 1]);
        }
        if let Some(k) = &mut self.kinds {
            k.push(kind as u8);
        }
    }

    fn join(&self, kind: Kind) -> ColType {
        use ColType as T;
        let natural = match kind {
            Kind::Null => return self.ty,
            Kind::Bool => T::Bool,
            Kind::Int => T::Int,
            Kind::Float => T::Float,
            Kind::BigInt | Kind::Str | Kind::Json => T::Str,
        };
        self.ty.join(natural, !self.ints_exact)
    }

    /// Converts the held values to a wider type.
    pub fn widen(&mut self, to: ColType) {
        if to == self.ty {
            return;
        }
        let from = self.ty;
        let old = std::mem::replace(&mut self.data, empty_data(to));
        let n = self.valid.len();
        let old_kinds = self.kinds.take();
        let kind_at = |i: usize| -> Kind {
            old_kinds
                .as_ref()
                .map_or(canonical_kind(from), |k| Kind::from_u8(k[i]))
        };
        let mut kinds: Vec<u8> = Vec::with_capacity(n);
        match (&mut self.data, old) {
            (_, Data::Null) => {
                for _ in 0..n {
                    push_default(&mut self.data);
                }
                kinds.resize(n, canonical_kind(to) as u8);
            }
            (Data::Float(dst), Data::Int(src)) => {
                dst.extend(src.iter().map(|i| *i as f64));
                kinds.resize(n, Kind::Int as u8);
            }
            (Data::Str { offsets, bytes }, old) => {
                for i in 0..n {
                    if self.valid.get_bit(i) {
                        let k = kind_at(i);
                        match &old {
                            Data::Bool(v) => push_text(bytes, Cell::Bool(v[i])),
                            Data::Int(v) => push_text(bytes, Cell::Int(v[i])),
                            Data::Float(v) if k == Kind::Int => {
                                push_text(bytes, Cell::Int(v[i] as i64))
                            }
                            Data::Float(v) => push_text(bytes, Cell::Float(v[i])),
                            Data::Null | Data::Str { .. } => {}
                        }
                        kinds.push(k as u8);
                    } else {
                        kinds.push(Kind::Str as u8);
                    }
                    offsets.push(bytes.len() as i32);
                }
            }
            // Other combinations do not occur: `join` only widens along the lattice.
            (dst, _) => {
                for _ in 0..n {
                    push_default(dst);
                }
                kinds.resize(n, canonical_kind(to) as u8);
            }
        }
        self.ty = to;
        let canonical = canonical_kind(to) as u8;
        let needed = kinds
            .iter()
            .enumerate()
            .any(|(i, k)| *k != canonical && self.valid.get_bit(i));
        self.kinds = needed.then_some(kinds);
    }

    /// Takes on values given as a whole array of type `ty` instead of cell by cell (see
    /// [`crate::rows::RowsBuilder::adopt`]): the builder holds no rows and is of that
    /// type or has none yet.
    pub(crate) fn adopt(&mut self, ty: ColType, array: &dyn Array) {
        debug_assert!(self.is_empty() && (self.ty == ty || self.ty == ColType::Null));
        if self.ty != ty {
            self.ty = ty;
            self.data = empty_data(ty);
        }
        if let Some(ints) = array.as_any().downcast_ref::<Int64Array>() {
            if ints
                .iter()
                .flatten()
                .any(|i| i.unsigned_abs() > MAX_EXACT_INT_IN_F64)
            {
                self.ints_exact = false;
            }
        }
        // The array is not this builder's: nothing to reserve for the next batch.
        self.last_size = (0, 0);
    }

    /// [`Self::finish`] of a batch of `rows` rows, the column padded with absent cells.
    pub fn finish_padded(&mut self, rows: usize) -> (ArrayRef, CellExtras) {
        if self.valid.is_empty() {
            // Absent from the whole batch, as many columns of a wide sparse table are:
            // an all-null array, without padding its buffers first.
            self.last_size = (0, 0);
            return (
                crate::types::null_array(&self.ty.data_type(), rows),
                CellExtras::default(),
            );
        }
        self.pad_to(rows);
        self.finish()
    }

    /// Takes the held rows as an Arrow array plus extras, leaving the builder empty
    /// (same type) for the next batch.
    pub fn finish(&mut self) -> (ArrayRef, CellExtras) {
        let ty = self.ty;
        let n = self.valid.len();
        let text = self.text_bytes();
        let next = empty_data(ty);
        let data = std::mem::replace(&mut self.data, next);
        let nulls = NullBuffer::new(self.valid.finish());
        // Only a column with values in most rows reserves the next batch's rows: the
        // sparse columns of a wide table (thousands, a value every few hundred rows) each
        // holding room for a whole batch made MDN's browser-compat-data take GiBs.
        self.last_size = match nulls.null_count() * 2 <= n {
            true => (n, text),
            false => (0, 0),
        };
        let nulls = Some(nulls).filter(|n| n.null_count() > 0);
        let array: ArrayRef = match data {
            Data::Null => Arc::new(NullArray::new(n)),
            Data::Bool(v) => Arc::new(BooleanArray::new(v.into(), nulls)),
            Data::Int(v) => Arc::new(Int64Array::new(ScalarBuffer::from(v), nulls)),
            Data::Float(v) => Arc::new(Float64Array::new(ScalarBuffer::from(v), nulls)),
            Data::Str { offsets, bytes } => {
                let offsets = OffsetBuffer::new(ScalarBuffer::from(offsets));
                // SAFETY: offsets start at 0, never decrease and end at bytes.len(); every
                // appended slice came from a &str, so each value is valid UTF-8. Skipping
                // the re-validation saves a full pass over the text.
                #[allow(unsafe_code)]
                let array = unsafe { StringArray::new_unchecked(offsets, bytes.into(), nulls) };
                Arc::new(array)
            }
        };
        let extras = CellExtras {
            kinds: self.kinds.take(),
            present_nulls: std::mem::take(&mut self.present_nulls),
        };
        (array, extras)
    }
}

fn empty_data(ty: ColType) -> Data {
    match ty {
        ColType::Null => Data::Null,
        ColType::Bool => Data::Bool(Vec::new()),
        ColType::Int => Data::Int(Vec::new()),
        ColType::Float => Data::Float(Vec::new()),
        ColType::Str => Data::Str {
            offsets: vec![0],
            bytes: Vec::new(),
        },
    }
}

fn push_default(data: &mut Data) {
    match data {
        Data::Null => {}
        Data::Bool(v) => v.push(false),
        Data::Int(v) => v.push(0),
        Data::Float(v) => v.push(0.0),
        Data::Str { offsets, bytes } => offsets.push(bytes.len() as i32),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Array;
    use arrow_schema::DataType;

    #[test]
    fn a_finished_builder_holds_no_buffers_until_the_next_batch_starts() {
        let mut b = ColumnBuilder::new(ColType::Str);
        for i in 0..100 {
            b.push(Cell::Text(Kind::Str, &format!("value {i}")));
        }
        let (a, _) = b.finish();
        assert_eq!(a.len(), 100);
        let Data::Str { offsets, bytes } = &b.data else {
            panic!("still text: {:?}", b.data);
        };
        assert_eq!(
            (b.valid.capacity(), offsets.capacity(), bytes.capacity()),
            (0, 1, 0)
        );
        b.reserve_like_last();
        let Data::Str { offsets, bytes } = &b.data else {
            panic!("still text: {:?}", b.data);
        };
        let text: usize = (0..100).map(|i| format!("value {i}").len()).sum();
        assert!(b.valid.capacity() >= 100, "{}", b.valid.capacity());
        assert!(offsets.capacity() >= 100, "{}", offsets.capacity());
        assert!(bytes.capacity() >= text, "{} < {text}", bytes.capacity());
        // Once: a batch that started does not reserve again.
        assert_eq!(b.last_size, (0, 0));
    }

    #[test]
    fn only_a_column_with_values_in_most_rows_reserves_for_the_next_batch() {
        for (every, reserves) in [(1, true), (2, true), (3, false), (100, false)] {
            let mut b = ColumnBuilder::new(ColType::Int);
            for row in (0..100).step_by(every) {
                b.pad_to(row);
                b.push(Cell::Int(row as i64));
            }
            b.finish_padded(100);
            b.reserve_like_last();
            let Data::Int(v) = &b.data else {
                panic!("still ints: {:?}", b.data);
            };
            assert_eq!(v.capacity() >= 100, reserves, "a value every {every} rows");
            assert_eq!(
                b.valid.capacity() >= 100,
                reserves,
                "a value every {every} rows"
            );
        }
    }

    fn strings(a: &ArrayRef) -> Vec<Option<String>> {
        let s = a
            .as_any()
            .downcast_ref::<StringArray>()
            .expect("utf8 column");
        (0..s.len())
            .map(|i| s.is_valid(i).then(|| s.value(i).to_string()))
            .collect()
    }

    #[test]
    fn int_then_float_widens_to_float_keeping_int_kinds() {
        let mut c = ColumnBuilder::new(ColType::Null);
        c.push(Cell::Int(1));
        c.pad_to(2);
        c.push(Cell::Float(2.5));
        let (a, extras) = c.finish();
        assert_eq!(a.data_type(), &DataType::Float64);
        let f = a.as_any().downcast_ref::<Float64Array>().unwrap();
        assert_eq!(f.value(0), 1.0);
        assert!(f.is_null(1));
        assert_eq!(f.value(2), 2.5);
        let kinds = extras.kinds.unwrap();
        assert_eq!(kinds[0], Kind::Int as u8);
        assert_eq!(kinds[2], Kind::Float as u8);
    }

    #[test]
    fn big_int_then_float_goes_to_text() {
        let mut c = ColumnBuilder::new(ColType::Null);
        c.push(Cell::Int(i64::MAX));
        c.push(Cell::Float(0.5));
        let (a, _) = c.finish();
        assert_eq!(
            strings(&a),
            vec![Some(i64::MAX.to_string()), Some("0.5".into())]
        );
    }

    #[test]
    fn mixed_kinds_become_text_and_remember_kinds() {
        let mut c = ColumnBuilder::new(ColType::Null);
        c.push(Cell::Bool(true));
        c.push(Cell::Int(1));
        c.push(Cell::Float(1.0));
        c.push(Cell::Text(Kind::Json, "[1, 2]"));
        c.push(Cell::Null);
        c.push(Cell::Text(Kind::Str, "x"));
        let (a, extras) = c.finish();
        assert_eq!(
            strings(&a),
            vec![
                Some("true".into()),
                Some("1".into()),
                Some("1.0".into()),
                Some("[1, 2]".into()),
                None,
                Some("x".into())
            ]
        );
        let kinds: Vec<Kind> = extras
            .kinds
            .unwrap()
            .into_iter()
            .map(Kind::from_u8)
            .collect();
        assert_eq!(
            kinds,
            [
                Kind::Bool,
                Kind::Int,
                Kind::Float,
                Kind::Json,
                Kind::Str,
                Kind::Str
            ]
        );
        assert_eq!(extras.present_nulls, vec![4]);
    }

    #[test]
    fn type_persists_across_batches() {
        let mut c = ColumnBuilder::new(ColType::Null);
        c.push(Cell::Text(Kind::Str, "a"));
        let _ = c.finish();
        c.push(Cell::Int(7));
        let (a, extras) = c.finish();
        assert_eq!(strings(&a), vec![Some("7".into())]);
        assert_eq!(extras.kinds, Some(vec![Kind::Int as u8]));
    }

    #[test]
    fn a_run_of_absent_rows_pads_every_buffer() {
        // A text column with kinds: values, offsets and kinds all get the padded rows.
        let mut c = ColumnBuilder::new(ColType::Null);
        c.push(Cell::Text(Kind::Str, "a"));
        c.push(Cell::Int(7));
        c.pad_to(6);
        c.pad_to(3);
        c.push(Cell::Text(Kind::Str, "z"));
        let (a, extras) = c.finish();
        let absent = [None, None, None, None];
        let mut want = vec![Some("a".to_string()), Some("7".to_string())];
        want.extend(absent.clone());
        want.push(Some("z".to_string()));
        assert_eq!(strings(&a), want);
        let str_kind = Kind::Str as u8;
        let mut kinds = vec![str_kind, Kind::Int as u8];
        kinds.extend([str_kind; 5]);
        assert_eq!(extras.kinds, Some(kinds));
        // Numbers and booleans: padded rows are null, the values after them in place.
        for (first, last) in [
            (Cell::Bool(true), Cell::Bool(false)),
            (Cell::Int(1), Cell::Int(2)),
            (Cell::Float(0.5), Cell::Float(1.5)),
        ] {
            let mut c = ColumnBuilder::new(ColType::Null);
            c.push(first);
            c.pad_to(4);
            c.push(last);
            let (a, extras) = c.finish();
            assert_eq!(a.len(), 5);
            assert_eq!(a.null_count(), 3);
            assert!(a.is_valid(0) && a.is_valid(4), "{a:?}");
            assert_eq!(extras, CellExtras::default());
        }
    }

    #[test]
    fn a_column_absent_from_a_batch_finishes_as_nulls_of_its_type() {
        let mut c = ColumnBuilder::new(ColType::Null);
        c.push(Cell::Text(Kind::Str, "a"));
        c.push(Cell::Int(7));
        let (a, extras) = c.finish_padded(3);
        assert_eq!(strings(&a), vec![Some("a".into()), Some("7".into()), None]);
        assert!(extras.kinds.is_some());
        // The next batch gives it nothing: four nulls, still text, no extras.
        c.reserve_like_last();
        let (a, extras) = c.finish_padded(4);
        assert_eq!(a.data_type(), &DataType::Utf8);
        assert_eq!((a.len(), a.null_count()), (4, 4));
        assert_eq!(extras, CellExtras::default());
        // And the one after takes values again.
        c.push(Cell::Text(Kind::Str, "b"));
        let (a, _) = c.finish_padded(2);
        assert_eq!(strings(&a), vec![Some("b".into()), None]);
    }

    #[test]
    fn homogeneous_columns_need_no_extras() {
        let mut c = ColumnBuilder::new(ColType::Null);
        c.pad_to(1);
        c.push(Cell::Int(3));
        let (a, extras) = c.finish();
        assert_eq!(a.data_type(), &DataType::Int64);
        assert_eq!(extras, CellExtras::default());
    }
}
