//! The union schema of one table: every column seen so far, in first-seen order, with its
//! widened storage type.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::{new_null_array, ArrayRef, RecordBatch, RecordBatchOptions};
use arrow_schema::{DataType, Field, Schema, SchemaRef};

use crate::error::{Error, Result};
use crate::widen::{cast, has_big_ints, storage_type, widen};

#[derive(Debug, Clone)]
struct Column {
    name: String,
    data_type: DataType,
    /// Field metadata of the column's first batch (Transmog's source path and role).
    metadata: arrow_schema::Metadata,
    /// The column has held an int64 outside ±2^53 at some point.
    big_ints: bool,
}

/// First-seen union of the columns of one table's batches.
#[derive(Debug, Clone)]
pub(crate) struct UnionSchema {
    table: String,
    columns: Vec<Column>,
    index: HashMap<String, usize>,
    /// Schema-level metadata of the latest batch that had any.
    metadata: arrow_schema::Metadata,
    schema: SchemaRef,
}

impl UnionSchema {
    pub(crate) fn new(table: &str) -> Self {
        UnionSchema {
            table: table.to_owned(),
            columns: Vec::new(),
            index: HashMap::new(),
            metadata: arrow_schema::Metadata::default(),
            schema: Arc::new(Schema::empty()),
        }
    }

    /// Folds a batch's schema into the union. Returns true if a column was added or a
    /// column's type changed. Checks types and duplicate names.
    pub(crate) fn merge(&mut self, batch: &RecordBatch) -> Result<bool> {
        let mut changed = false;
        let mut seen: Vec<usize> = Vec::with_capacity(batch.num_columns());
        for (field, array) in batch.schema().fields().iter().zip(batch.columns()) {
            let name = field.name();
            let dt = storage_type(field.data_type()).ok_or_else(|| Error::UnsupportedType {
                table: self.table.clone(),
                column: name.clone(),
                data_type: field.data_type().clone(),
            })?;
            let big = has_big_ints(array.as_ref());
            match self.index.get(name.as_str()) {
                Some(&i) => {
                    if seen.contains(&i) {
                        return Err(Error::DuplicateColumn {
                            table: self.table.clone(),
                            column: name.clone(),
                        });
                    }
                    seen.push(i);
                    let col = &mut self.columns[i];
                    col.big_ints |= big;
                    let widened = widen(&col.data_type, &dt, col.big_ints);
                    if widened != col.data_type {
                        col.data_type = widened;
                        changed = true;
                    }
                }
                None => {
                    let i = self.columns.len();
                    self.index.insert(name.clone(), i);
                    seen.push(i);
                    self.columns.push(Column {
                        name: name.clone(),
                        data_type: dt,
                        metadata: field.metadata().clone(),
                        big_ints: big,
                    });
                    changed = true;
                }
            }
        }
        // Later batches describe the run so far (e.g. every array feeding a child table),
        // so the latest schema metadata wins.
        let meta = batch.schema_ref().metadata();
        if !meta.is_empty() && *meta != self.metadata {
            self.metadata = meta.clone();
            changed = true;
        }
        if changed {
            let fields: Vec<Field> = self
                .columns
                .iter()
                .map(|c| {
                    Field::new(c.name.as_str(), c.data_type.clone(), true)
                        .with_metadata(c.metadata.clone())
                })
                .collect();
            self.schema = Arc::new(Schema::new_with_metadata(fields, self.metadata.clone()));
        }
        Ok(changed)
    }

    /// The union as an Arrow schema (every field nullable).
    pub(crate) fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// Number of columns in the union.
    pub(crate) fn len(&self) -> usize {
        self.columns.len()
    }

    /// Position of `name` in the union.
    pub(crate) fn position(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// Reshapes a batch (already merged) to the union: union column order, missing columns
    /// all-null, every column cast to its union type.
    pub(crate) fn conform(&self, batch: &RecordBatch) -> Result<RecordBatch> {
        let rows = batch.num_rows();
        let in_schema = batch.schema();
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(self.columns.len());
        for col in &self.columns {
            let array = match in_schema.index_of(&col.name) {
                Ok(i) => cast(batch.column(i), &col.data_type)
                    .map_err(|e| Error::arrow(&self.table, e))?,
                Err(_) => new_null_array(&col.data_type, rows),
            };
            columns.push(array);
        }
        RecordBatch::try_new_with_options(
            Arc::clone(&self.schema),
            columns,
            &RecordBatchOptions::new().with_row_count(Some(rows)),
        )
        .map_err(|e| Error::arrow(&self.table, e))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use arrow_array::{Float64Array, Int64Array, StringArray};

    fn batch(cols: Vec<(&str, ArrayRef)>) -> RecordBatch {
        RecordBatch::try_from_iter(cols).unwrap()
    }

    #[test]
    fn first_seen_order_and_widening() {
        let mut u = UnionSchema::new("t");
        let b1 = batch(vec![
            ("a", Arc::new(Int64Array::from(vec![1])) as ArrayRef),
            ("b", Arc::new(StringArray::from(vec!["x"]))),
        ]);
        assert!(u.merge(&b1).unwrap());
        assert!(!u.merge(&b1).unwrap());
        let b2 = batch(vec![
            ("c", Arc::new(Int64Array::from(vec![2])) as ArrayRef),
            ("a", Arc::new(Float64Array::from(vec![2.5]))),
        ]);
        assert!(u.merge(&b2).unwrap());
        let names: Vec<_> = u
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(u.schema().field(0).data_type(), &DataType::Float64);
        let c = u.conform(&b1).unwrap();
        assert_eq!(c.num_columns(), 3);
        assert_eq!(c.column(2).null_count(), 1);
        // a huge int into the float column -> string
        let b3 = batch(vec![(
            "a",
            Arc::new(Int64Array::from(vec![1i64 << 60])) as ArrayRef,
        )]);
        assert!(u.merge(&b3).unwrap());
        assert_eq!(u.schema().field(0).data_type(), &DataType::Utf8);
    }

    #[test]
    fn duplicate_and_unsupported() {
        let mut u = UnionSchema::new("t");
        let schema = Arc::new(Schema::new(vec![
            Field::new("a", DataType::Int64, true),
            Field::new("a", DataType::Int64, true),
        ]));
        let b = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(Int64Array::from(vec![1])),
                Arc::new(Int64Array::from(vec![1])),
            ],
        )
        .unwrap();
        assert!(matches!(u.merge(&b), Err(Error::DuplicateColumn { .. })));
        let b = batch(vec![(
            "d",
            Arc::new(arrow_array::Int32Array::from(vec![1])) as ArrayRef,
        )]);
        let e = UnionSchema::new("t").merge(&b).unwrap_err();
        assert!(e.to_string().contains("`d`"), "{e}");
    }
}
