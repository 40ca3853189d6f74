//! Builds an Arrow batch from rows given as (column, value) pairs — for callers that
//! hold rows as records (Transmog 1.0.6's streaming writers take lists of dicts).

use std::sync::Arc;

use arrow_array::{new_null_array, Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use rustc_hash::FxHashMap;

use crate::column::{Cell, ColType, ColumnBuilder};

/// A batch of rows with the order of its columns in a row (see [`RowsBuilder::adopt`]).
pub type RowsPart = (RecordBatch, Vec<usize>);

/// Accumulates rows; columns in first-seen order, types widened as in [`ColumnBuilder`].
#[derive(Debug, Default)]
pub struct RowsBuilder {
    names: Vec<String>,
    columns: Vec<ColumnBuilder>,
    index: FxHashMap<String, usize>,
    rows: usize,
}

impl RowsBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Rows held.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// True when no row is held.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Sets a cell of the row being built; call [`RowsBuilder::end_row`] after the last
    /// cell of a row. A null cell leaves the column null for that row.
    pub fn set(&mut self, column: &str, cell: Cell<'_>) {
        let c = self.column(column);
        self.set_at(c, cell);
    }

    /// The position of a column, added on first use (for callers that set many cells
    /// of one column: [`RowsBuilder::set_at`] then skips the lookup by name).
    pub fn column(&mut self, column: &str) -> usize {
        match self.index.get(column) {
            Some(&c) => c,
            None => {
                let c = self.columns.len();
                self.index.insert(column.to_string(), c);
                self.names.push(column.to_string());
                self.columns.push(ColumnBuilder::new(ColType::Null));
                c
            }
        }
    }

    /// [`RowsBuilder::set`] of the column at position `c` (from [`RowsBuilder::column`]).
    pub fn set_at(&mut self, c: usize, cell: Cell<'_>) {
        let Some(col) = self.columns.get_mut(c) else {
            return;
        };
        if col.len() > self.rows {
            // Same key twice in one row: the later value wins, as in a dict.
            return;
        }
        if self.rows == 0 && col.is_empty() {
            col.reserve_like_last();
        }
        col.pad_to(self.rows);
        if !matches!(cell, Cell::Null) {
            col.push(cell);
        }
    }

    /// Closes the current row.
    pub fn end_row(&mut self) {
        self.rows += 1;
    }

    /// The batch [`RowsBuilder::finish`] would give after the rows of `parts` were set
    /// cell by cell (each part's columns in its order, null cells left out), made from
    /// the parts' own arrays. Columns new to the builder come in the order the rows would
    /// bring them, and the builder's columns and types move on as they would.
    ///
    /// `None`, with the builder unchanged, when that takes more than the arrays as they
    /// are: rows are being built, there are none, a part has two columns of one name, or
    /// a column is not text, integer, float or boolean, differs in type between parts,
    /// or differs from the type the builder already gave that name.
    pub fn adopt(&mut self, parts: &[RowsPart]) -> Option<RecordBatch> {
        struct Taken<'a> {
            name: &'a str,
            // First row with a value (counted over all parts), its place in that row.
            first: (usize, usize),
            ty: ColType,
            data_type: &'a DataType,
            // Per part, its array when it has a value there.
            pieces: Vec<Option<&'a ArrayRef>>,
        }
        let rows: usize = parts.iter().map(|(b, _)| b.num_rows()).sum();
        if self.rows != 0 || rows == 0 {
            return None;
        }
        let mut taken: Vec<Taken<'_>> = Vec::new();
        let mut by_name: FxHashMap<&str, usize> = FxHashMap::default();
        let mut offset = 0;
        for (k, (batch, order)) in parts.iter().enumerate() {
            let schema = batch.schema_ref();
            let mut here = rustc_hash::FxHashSet::default();
            for (place, &c) in order.iter().enumerate() {
                let array = batch.columns().get(c)?;
                let name = schema.field(c).name().as_str();
                if !here.insert(name) {
                    return None;
                }
                let data_type = array.data_type();
                if *data_type == DataType::Null {
                    continue;
                }
                let first = match array.nulls() {
                    None => 0,
                    Some(nulls) => match nulls.valid_indices().next() {
                        Some(row) => row,
                        None => continue,
                    },
                };
                // Only the type the builder itself would store (`Utf8`, not `LargeUtf8`).
                let ty = ColType::of(data_type).filter(|t| t.data_type() == *data_type)?;
                if let Some(&i) = self.index.get(name) {
                    let have = self.columns[i].col_type();
                    if have != ty && have != ColType::Null {
                        return None;
                    }
                }
                let t = *by_name.entry(name).or_insert_with(|| {
                    taken.push(Taken {
                        name,
                        first: (offset + first, place),
                        ty,
                        data_type,
                        pieces: vec![None; parts.len()],
                    });
                    taken.len() - 1
                });
                if taken[t].ty != ty {
                    return None;
                }
                taken[t].pieces[k] = Some(array);
            }
            offset += batch.num_rows();
        }
        // A row brings its keys in its part's order: a new column's place is its first
        // row, then its place in that row.
        taken.sort_unstable_by_key(|t| t.first);
        let mut joined = Vec::with_capacity(taken.len());
        for t in &taken {
            let pieces: Vec<ArrayRef> = t
                .pieces
                .iter()
                .zip(parts)
                .map(|(piece, (batch, _))| match piece {
                    Some(a) => Arc::clone(a),
                    None => new_null_array(t.data_type, batch.num_rows()),
                })
                .collect();
            joined.push(match pieces.as_slice() {
                [one] => Arc::clone(one),
                _ => {
                    let refs: Vec<&dyn Array> = pieces.iter().map(AsRef::as_ref).collect();
                    arrow_select::concat::concat(&refs).ok()?
                }
            });
        }
        // Nothing can fail from here on: the builder moves on.
        let mut arrays: Vec<Option<ArrayRef>> = Vec::new();
        for (t, array) in taken.iter().zip(joined) {
            let i = self.column(t.name);
            self.columns[i].adopt(t.ty, array.as_ref());
            arrays.resize(self.columns.len(), None);
            arrays[i] = Some(array);
        }
        self.emit(rows, arrays)
    }

    /// The batch of all columns, `rows` long: a column's array from `given` (by
    /// position) where there is one, else what its builder holds, padded.
    fn emit(&mut self, rows: usize, mut given: Vec<Option<ArrayRef>>) -> Option<RecordBatch> {
        given.resize(self.columns.len(), None);
        let mut fields = Vec::with_capacity(self.columns.len());
        let mut out = Vec::with_capacity(self.columns.len());
        for ((name, col), array) in self.names.iter().zip(&mut self.columns).zip(given) {
            let array = array.unwrap_or_else(|| {
                col.pad_to(rows);
                col.finish().0
            });
            fields.push(Field::new(name, array.data_type().clone(), true));
            out.push(array);
        }
        RecordBatch::try_new(Arc::new(Schema::new(fields)), out).ok()
    }

    /// Takes the rows as one batch (`None` when empty). Column types persist for the
    /// next batch of the same builder.
    pub fn finish(&mut self) -> Option<RecordBatch> {
        if self.rows == 0 {
            return None;
        }
        let rows = std::mem::take(&mut self.rows);
        self.emit(rows, Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::column::Kind;
    use arrow_array::Array;
    use arrow_schema::DataType;

    /// Sets the rows of `parts` cell by cell, as a caller holding rows as records would.
    fn set_parts(b: &mut RowsBuilder, parts: &[(RecordBatch, Vec<usize>)]) -> RecordBatch {
        use arrow_array::{BooleanArray, Float64Array, Int64Array, StringArray};
        for (batch, order) in parts {
            let schema = batch.schema();
            for row in 0..batch.num_rows() {
                for &c in order {
                    let (a, name) = (batch.column(c), schema.field(c).name());
                    if a.is_null(row) || *a.data_type() == DataType::Null {
                        continue;
                    }
                    let any = a.as_any();
                    let cell = if let Some(v) = any.downcast_ref::<StringArray>() {
                        Cell::Text(Kind::Str, v.value(row))
                    } else if let Some(v) = any.downcast_ref::<Int64Array>() {
                        Cell::Int(v.value(row))
                    } else if let Some(v) = any.downcast_ref::<Float64Array>() {
                        Cell::Float(v.value(row))
                    } else if let Some(v) = any.downcast_ref::<BooleanArray>() {
                        Cell::Bool(v.value(row))
                    } else {
                        panic!("no cell for {:?}", a.data_type());
                    };
                    b.set(name, cell);
                }
                b.end_row();
            }
        }
        b.finish().expect("rows")
    }

    fn set_rows(b: &mut RowsBuilder, batch: &RecordBatch, order: &[usize]) -> RecordBatch {
        set_parts(b, &[(batch.clone(), order.to_vec())])
    }

    #[test]
    fn adopting_a_batch_gives_what_its_rows_set_one_by_one_give() {
        use arrow_array::{BooleanArray, Float64Array, Int64Array, NullArray, StringArray};
        let batch = |cols: Vec<(&str, ArrayRef)>| RecordBatch::try_from_iter(cols).expect("batch");
        let text = |v: Vec<Option<&str>>| Arc::new(StringArray::from(v)) as ArrayRef;
        let batches = [
            // `y` has a value in row 0, `x` first in row 1: `y` comes first.
            (
                batch(vec![
                    ("x", text(vec![None, Some("b")])),
                    (
                        "y",
                        Arc::new(Int64Array::from(vec![Some(1), None])) as ArrayRef,
                    ),
                    ("z", Arc::new(NullArray::new(2)) as ArrayRef),
                ]),
                vec![0, 1, 2],
            ),
            // `x` has no value: it stays a null column; `w` is new and last.
            (
                batch(vec![
                    ("w", text(vec![Some("p"), Some("q")])),
                    ("x", text(vec![None, None])),
                    ("y", Arc::new(Int64Array::from(vec![7, 2])) as ArrayRef),
                ]),
                vec![1, 2, 0],
            ),
            // Floats into an integer column widen it: not taken as it is.
            (
                batch(vec![(
                    "y",
                    Arc::new(Float64Array::from(vec![Some(2.5), None])) as ArrayRef,
                )]),
                vec![0],
            ),
            (
                batch(vec![
                    (
                        "v",
                        Arc::new(BooleanArray::from(vec![None, Some(true)])) as ArrayRef,
                    ),
                    (
                        "y",
                        Arc::new(Float64Array::from(vec![1.0, 2.0])) as ArrayRef,
                    ),
                    ("x", text(vec![Some("c"), None])),
                ]),
                vec![0, 1, 2],
            ),
        ];
        let (mut cells, mut whole) = (RowsBuilder::new(), RowsBuilder::new());
        let mut adopted = Vec::new();
        for (b, order) in &batches {
            let want = set_rows(&mut cells, b, order);
            let got = whole.adopt(&[(b.clone(), order.clone())]);
            adopted.push(got.is_some());
            let got = got.unwrap_or_else(|| set_rows(&mut whole, b, order));
            assert_eq!(got, want);
        }
        assert_eq!(adopted, [true, true, false, true]);
        let names: Vec<_> = whole.names.iter().map(String::as_str).collect();
        assert_eq!(names, ["y", "x", "w", "v"]);
        // An adopted integer beyond 2^53 is not exact as a float: a float after it makes
        // the column text, as cell by cell.
        let (mut cells, mut whole) = (RowsBuilder::new(), RowsBuilder::new());
        let big = batch(vec![(
            "n",
            Arc::new(Int64Array::from(vec![i64::MAX])) as ArrayRef,
        )]);
        let want = set_rows(&mut cells, &big, &[0]);
        assert_eq!(whole.adopt(&[(big, vec![0])]), Some(want));
        let float = batch(vec![(
            "n",
            Arc::new(Float64Array::from(vec![0.5])) as ArrayRef,
        )]);
        let want = set_rows(&mut cells, &float, &[0]);
        assert_eq!(set_rows(&mut whole, &float, &[0]), want);
        assert_eq!(want.schema().field(0).data_type(), &DataType::Utf8);

        // Several parts of different columns make one batch; a column's first value may
        // be in a later part, and parts order their columns differently.
        let parts = vec![
            (
                batch(vec![
                    ("p", text(vec![None, Some("1")])),
                    ("q", text(vec![None, None])),
                ]),
                vec![1, 0],
            ),
            (
                batch(vec![
                    (
                        "r",
                        Arc::new(Int64Array::from(vec![Some(4), None])) as ArrayRef,
                    ),
                    ("q", text(vec![Some("a"), None])),
                    ("p", text(vec![Some("2"), Some("3")])),
                ]),
                vec![2, 1, 0],
            ),
        ];
        let (mut cells, mut whole) = (RowsBuilder::new(), RowsBuilder::new());
        let want = set_parts(&mut cells, &parts);
        assert_eq!(whole.adopt(&parts), Some(want));
        let names: Vec<_> = whole.names.iter().map(String::as_str).collect();
        assert_eq!(names, ["p", "q", "r"]);
        // The same name as text in one part and an integer in another: not taken.
        let clash = vec![
            (batch(vec![("p", text(vec![Some("x")]))]), vec![0]),
            (
                batch(vec![("p", Arc::new(Int64Array::from(vec![1])) as ArrayRef)]),
                vec![0],
            ),
        ];
        assert!(RowsBuilder::new().adopt(&clash).is_none());
    }

    #[test]
    fn union_of_keys_with_nulls_and_widening() {
        let mut b = RowsBuilder::new();
        b.set("a", Cell::Int(1));
        b.end_row();
        b.set("b", Cell::Text(Kind::Str, "x"));
        b.set("a", Cell::Float(2.5));
        b.end_row();
        b.set("a", Cell::Null);
        b.end_row();
        let batch = b.finish().unwrap();
        assert_eq!(batch.num_rows(), 3);
        assert_eq!(batch.schema().field(0).data_type(), &DataType::Float64);
        assert_eq!(batch.column(1).null_count(), 2);
        assert!(batch.column(0).is_null(2));
        assert!(b.finish().is_none());
    }
}
