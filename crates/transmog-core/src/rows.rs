//! Builds an Arrow batch from rows given as (column, value) pairs — for callers that
//! hold rows as records (Transmog 1.0.6's streaming writers take lists of dicts).

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{Field, Schema};
use rustc_hash::FxHashMap;

use crate::column::{Cell, ColType, ColumnBuilder};

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

    /// Takes the rows as one batch (`None` when empty). Column types persist for the
    /// next batch of the same builder.
    pub fn finish(&mut self) -> Option<RecordBatch> {
        if self.rows == 0 {
            return None;
        }
        let rows = std::mem::take(&mut self.rows);
        let mut fields = Vec::with_capacity(self.columns.len());
        let mut arrays = Vec::with_capacity(self.columns.len());
        for (name, col) in self.names.iter().zip(&mut self.columns) {
            col.pad_to(rows);
            let (a, _) = col.finish();
            fields.push(Field::new(name, a.data_type().clone(), true));
            arrays.push(a);
        }
        RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::column::Kind;
    use arrow_array::Array;
    use arrow_schema::DataType;

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
