//! The union schema of one table: every column seen so far, in first-seen order, with its
//! widened storage type ([`crate::types`]). The sinks keep one per table file; in-memory
//! results use one to give every batch of a table the same schema.

use rustc_hash::FxHashMap;
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, RecordBatchOptions};
use arrow_schema::{DataType, Field, Schema, SchemaRef};

use arrow_schema::ArrowError;

use crate::table::{AFTER_KEY, BEFORE_KEY};
use crate::types::{cast, has_big_ints, null_array, storage_type, widen};

/// Why a batch does not fit a union schema.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaError {
    /// A column type that no sink can store.
    #[error("column `{column}` has unsupported type {data_type} (supported: Null, Boolean, Int64, Float64, Utf8, LargeUtf8)")]
    UnsupportedType {
        /// Column name.
        column: String,
        /// The offending Arrow type.
        data_type: DataType,
    },
    /// A batch that names the same column twice.
    #[error("batch has column `{column}` more than once")]
    DuplicateColumn {
        /// Column name.
        column: String,
    },
    /// Arrow refused a reshaped batch.
    #[error("arrow error: {0}")]
    Arrow(#[from] ArrowError),
}

#[derive(Debug, Clone)]
struct Column {
    name: String,
    data_type: DataType,
    /// Field metadata of the column's first batch (Transmog's source path and role), plus
    /// keys that later batches added.
    metadata: arrow_schema::Metadata,
    /// The column has held an int64 outside ±2^53 at some point.
    big_ints: bool,
}

/// First-seen union of the columns of one table's batches.
#[derive(Debug, Clone)]
pub struct UnionSchema {
    columns: Vec<Column>,
    index: FxHashMap<String, usize>,
    /// Schema-level metadata of the latest batch that had any.
    metadata: arrow_schema::Metadata,
    schema: SchemaRef,
    /// Batch schemas merged lately: merging one of them again can only change a
    /// column through an integer beyond ±2^53 (see [`Self::merge`]).
    merged: Vec<SchemaRef>,
}

/// Batch schemas remembered by [`UnionSchema::merge`]: a few per flattening thread.
const MERGED_KEPT: usize = 16;

impl Default for UnionSchema {
    fn default() -> Self {
        UnionSchema::new()
    }
}

impl UnionSchema {
    /// An empty union.
    pub fn new() -> Self {
        UnionSchema {
            columns: Vec::new(),
            index: FxHashMap::default(),
            metadata: arrow_schema::Metadata::default(),
            schema: Arc::new(Schema::empty()),
            merged: Vec::new(),
        }
    }

    /// The union of `batches`, and each batch reshaped to it (see [`Self::conform`]).
    pub fn unify(batches: &[RecordBatch]) -> Result<(SchemaRef, Vec<RecordBatch>), SchemaError> {
        let mut union = UnionSchema::new();
        for b in batches {
            union.merge(b)?;
        }
        let conformed = batches
            .iter()
            .map(|b| union.conform(b))
            .collect::<Result<_, _>>()?;
        Ok((Arc::clone(union.schema()), conformed))
    }

    /// Folds a batch's schema into the union. Returns true if a column was added or a
    /// column's type changed. Checks types and duplicate names.
    pub fn merge(&mut self, batch: &RecordBatch) -> Result<bool, SchemaError> {
        let schema = batch.schema_ref();
        // A schema merged before (the same `Arc`: a flattening thread's table whose
        // columns did not change) already has its columns, types and metadata in the
        // union; only a new integer beyond ±2^53 can widen a column. Checking that
        // spares a wide table a pass over thousands of fields per batch.
        let seen = self.merged.iter().any(|s| Arc::ptr_eq(s, schema))
            && (schema.metadata().is_empty() || *schema.metadata() == self.metadata);
        if seen && !self.new_big_ints(batch) {
            return Ok(false);
        }
        let changed =
            self.merge_fields(schema.as_ref(), |i| has_big_ints(batch.column(i).as_ref()))?;
        if !seen {
            if self.merged.len() >= MERGED_KEPT {
                self.merged.remove(0);
            }
            self.merged.push(Arc::clone(schema));
        }
        Ok(changed)
    }

    /// Whether an integer column of `batch` holds an integer beyond ±2^53 where its
    /// union column has not had one.
    fn new_big_ints(&self, batch: &RecordBatch) -> bool {
        batch
            .schema_ref()
            .fields()
            .iter()
            .enumerate()
            .any(|(i, f)| {
                f.data_type() == &DataType::Int64
                    && self
                        .index
                        .get(f.name().as_str())
                        .is_some_and(|&u| !self.columns[u].big_ints)
                    && has_big_ints(batch.column(i).as_ref())
            })
    }

    /// [`Self::merge`] of a schema alone: `big_ints(i)` tells whether column `i` holds
    /// an integer beyond ±2^53 (which keeps int + float columns from meeting at float).
    pub fn merge_fields(
        &mut self,
        schema: &Schema,
        big_ints: impl Fn(usize) -> bool,
    ) -> Result<bool, SchemaError> {
        let mut changed = false;
        // By union position, so that the duplicate check costs one lookup per column
        // (a list of the seen positions was quadratic in a 3 000-column table).
        let mut seen = vec![false; self.columns.len() + schema.fields().len()];
        for (at, field) in schema.fields().iter().enumerate() {
            let name = field.name();
            let dt =
                storage_type(field.data_type()).ok_or_else(|| SchemaError::UnsupportedType {
                    column: name.clone(),
                    data_type: field.data_type().clone(),
                })?;
            let big = dt == DataType::Int64 && big_ints(at);
            match self.index.get(name.as_str()) {
                Some(&i) => {
                    if std::mem::replace(&mut seen[i], true) {
                        return Err(SchemaError::DuplicateColumn {
                            column: name.clone(),
                        });
                    }
                    let col = &mut self.columns[i];
                    col.big_ints |= big;
                    // Facts learned later (a lossless column's family) are added; the
                    // first batch's values stay.
                    for (k, v) in field.metadata() {
                        if !col.metadata.contains_key(k) && !row_order_hint(k) {
                            col.metadata.insert(k.clone(), v.clone());
                            changed = true;
                        }
                    }
                    let widened = widen(&col.data_type, &dt, col.big_ints);
                    if widened != col.data_type {
                        col.data_type = widened;
                        changed = true;
                    }
                }
                None => {
                    let i = self.columns.len();
                    self.index.insert(name.clone(), i);
                    seen[i] = true;
                    self.columns.push(Column {
                        name: name.clone(),
                        data_type: dt,
                        metadata: field
                            .metadata()
                            .iter()
                            .filter(|(k, _)| !row_order_hint(k))
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect(),
                        big_ints: big,
                    });
                    changed = true;
                }
            }
        }
        // Later batches describe the run so far (e.g. every array feeding a child table),
        // so the latest schema metadata wins.
        let meta = schema.metadata();
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
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// Number of columns in the union.
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// Position of `name` in the union.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// Reshapes a batch (already merged) to the union: union column order, missing columns
    /// all-null, every column cast to its union type.
    pub fn conform(&self, batch: &RecordBatch) -> Result<RecordBatch, SchemaError> {
        let rows = batch.num_rows();
        // Where each union column is in the batch: one hash lookup per batch column, not
        // a search by name per union column (quadratic in wide tables).
        let mut at: Vec<Option<usize>> = vec![None; self.columns.len()];
        for (i, f) in batch.schema_ref().fields().iter().enumerate() {
            if let Some(&u) = self.index.get(f.name().as_str()) {
                at[u].get_or_insert(i);
            }
        }
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(self.columns.len());
        for (col, at) in self.columns.iter().zip(at) {
            let array = match at {
                Some(i) => cast(batch.column(i), &col.data_type)?,
                None => null_array(&col.data_type, rows),
            };
            columns.push(array);
        }
        RecordBatch::try_new_with_options(
            Arc::clone(&self.schema),
            columns,
            &RecordBatchOptions::new().with_row_count(Some(rows)),
        )
        .map_err(SchemaError::from)
    }

    /// True when no column has been seen.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }
}

/// Field metadata that only orders a batch's rows ([`AFTER_KEY`], [`BEFORE_KEY`]): it
/// differs from batch to batch, and files and merged schemas do not need it.
fn row_order_hint(key: &str) -> bool {
    key == AFTER_KEY || key == BEFORE_KEY
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
        let mut u = UnionSchema::new();
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
        // Columns come out in union order whatever the batch's order.
        let c = u.conform(&b2).unwrap();
        let a = c.column(0).as_any().downcast_ref::<Float64Array>().unwrap();
        assert_eq!(a.value(0), 2.5);
        assert_eq!(c.column(1).null_count(), 1);
        let cc = c.column(2).as_any().downcast_ref::<Int64Array>().unwrap();
        assert_eq!(cc.value(0), 2);
        // a huge int into the float column -> string
        let b3 = batch(vec![(
            "a",
            Arc::new(Int64Array::from(vec![1i64 << 60])) as ArrayRef,
        )]);
        assert!(u.merge(&b3).unwrap());
        assert_eq!(u.schema().field(0).data_type(), &DataType::Utf8);
    }

    #[test]
    fn a_schema_merged_again_still_widens_for_big_integers() {
        let schema = Arc::new(Schema::new(vec![Field::new("a", DataType::Int64, true)]));
        let ints = |v: i64| {
            RecordBatch::try_new(
                Arc::clone(&schema),
                vec![Arc::new(Int64Array::from(vec![v])) as ArrayRef],
            )
            .unwrap()
        };
        let mut u = UnionSchema::new();
        assert!(u.merge(&ints(1)).unwrap());
        let floats = batch(vec![(
            "a",
            Arc::new(Float64Array::from(vec![0.5])) as ArrayRef,
        )]);
        assert!(u.merge(&floats).unwrap());
        // The first schema again (the same Arc): nothing to change...
        assert!(!u.merge(&ints(2)).unwrap());
        assert_eq!(u.schema().field(0).data_type(), &DataType::Float64);
        // ...unless an integer no float holds exactly comes in.
        assert!(u.merge(&ints(1 << 60)).unwrap());
        assert_eq!(u.schema().field(0).data_type(), &DataType::Utf8);
    }

    #[test]
    fn unify_gives_every_batch_the_widest_type_in_any_order() {
        // Parallel workers hand batches over in any type order: the union, not the
        // last batch, decides (float after int and int after float both give Float64).
        let floats = batch(vec![(
            "a",
            Arc::new(Float64Array::from(vec![0.5])) as ArrayRef,
        )]);
        let ints = batch(vec![("a", Arc::new(Int64Array::from(vec![2])) as ArrayRef)]);
        let (schema, out) = UnionSchema::unify(&[floats, ints]).unwrap();
        assert_eq!(schema.field(0).data_type(), &DataType::Float64);
        assert!(out.iter().all(|b| b.schema() == schema));
        let last = out[1]
            .column(0)
            .as_any()
            .downcast_ref::<Float64Array>()
            .unwrap();
        assert_eq!(last.value(0), 2.0);
    }

    #[test]
    fn duplicate_and_unsupported() {
        let mut u = UnionSchema::new();
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
        assert!(matches!(
            u.merge(&b),
            Err(SchemaError::DuplicateColumn { .. })
        ));
        let b = batch(vec![(
            "d",
            Arc::new(arrow_array::Int32Array::from(vec![1])) as ArrayRef,
        )]);
        let e = UnionSchema::new().merge(&b).unwrap_err();
        assert!(e.to_string().contains("`d`"), "{e}");
    }
}
