//! An in-memory result: every table of a run, and its rows as records.

use std::borrow::Cow;
use std::sync::Arc;

use arrow_array::{Array, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::DataType;

use crate::column::{CellExtras, Kind};
use crate::flatten::Flattener;
use crate::report::Report;
use crate::table::{Role, TableBatch, ROLE_KEY};
use crate::text::push_json;
use crate::value::{self, Value};

/// One row as ordered (column, value) pairs. Absent keys are left out; a key present
/// with `null` (a null array item with `skip_null=false`) is kept as `Value::Null`.
pub type Row = Vec<(String, Value<'static>)>;

/// All batches of one table.
#[derive(Debug, Clone)]
pub struct ResultTable {
    /// Table name.
    pub name: Arc<str>,
    /// Batches in order; schemas grow from one batch to the next.
    pub batches: Vec<TableBatch>,
}

impl ResultTable {
    /// Number of rows.
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(|b| b.batch.num_rows()).sum()
    }

    /// Rows as records, data fields first, then metadata in 1.0.6's order.
    pub fn rows(&self) -> Vec<Row> {
        let mut out = Vec::with_capacity(self.num_rows());
        for b in &self.batches {
            batch_rows(&b.batch, &b.extras, &mut out);
        }
        out
    }
}

/// Every table of a run, main table first, children in creation order.
#[derive(Debug, Clone)]
pub struct FlatResult {
    /// Tables in creation order; the first is the main table.
    pub tables: Vec<ResultTable>,
    /// What the run reported.
    pub report: Report,
    /// Records processed.
    pub records: u64,
}

impl FlatResult {
    /// Collects what `flattener` still buffers into a result.
    pub fn from_flattener(mut flattener: Flattener) -> Self {
        let names = flattener.table_names();
        let mut tables: Vec<ResultTable> = names
            .iter()
            .map(|n| ResultTable {
                name: n.clone(),
                batches: Vec::new(),
            })
            .collect();
        let mut batches = flattener.take_sealed();
        batches.extend(flattener.take_batches());
        for b in batches {
            if let Some(t) = tables.iter_mut().find(|t| t.name == b.table) {
                t.batches.push(b);
            }
        }
        FlatResult {
            tables,
            report: flattener.report().clone(),
            records: flattener.records(),
        }
    }

    /// The main table.
    pub fn main(&self) -> &ResultTable {
        &self.tables[0]
    }

    /// Names of all tables, main first.
    pub fn table_names(&self) -> Vec<&str> {
        self.tables.iter().map(|t| &*t.name).collect()
    }

    /// A table by name.
    pub fn table(&self, name: &str) -> Option<&ResultTable> {
        self.tables.iter().find(|t| &*t.name == name)
    }
}

fn role_rank(batch: &RecordBatch, c: usize) -> Option<usize> {
    let role = batch
        .schema_ref()
        .field(c)
        .metadata()
        .get(ROLE_KEY)
        .cloned()?;
    [
        Role::Id,
        Role::Parent,
        Role::Time,
        Role::ArrayField,
        Role::ArrayIndex,
    ]
    .iter()
    .position(|r| r.as_str() == role)
}

/// Appends the rows of one batch.
pub fn batch_rows(batch: &RecordBatch, extras: &[CellExtras], out: &mut Vec<Row>) {
    let n = batch.num_columns();
    let mut order: Vec<usize> = (0..n).filter(|c| role_rank(batch, *c).is_none()).collect();
    let mut meta: Vec<(usize, usize)> = (0..n)
        .filter_map(|c| role_rank(batch, c).map(|r| (r, c)))
        .collect();
    meta.sort();
    order.extend(meta.into_iter().map(|(_, c)| c));
    let schema = batch.schema();
    for row in 0..batch.num_rows() {
        let mut r = Row::new();
        for &c in &order {
            let empty = CellExtras::default();
            let ex = extras.get(c).unwrap_or(&empty);
            if let Some(v) = cell_value(batch.column(c).as_ref(), ex, row) {
                r.push((schema.field(c).name().clone(), v));
            }
        }
        out.push(r);
    }
}

/// The value of one cell, `None` when the key is absent from that row.
pub fn cell_value(array: &dyn Array, extras: &CellExtras, row: usize) -> Option<Value<'static>> {
    if array.is_null(row) || *array.data_type() == DataType::Null {
        return extras
            .present_nulls
            .binary_search(&(row as u32))
            .is_ok()
            .then_some(Value::Null);
    }
    let kind = extras.kinds.as_ref().map(|k| Kind::from_u8(k[row]));
    let any = array.as_any();
    if let Some(a) = any.downcast_ref::<BooleanArray>() {
        return Some(Value::Bool(a.value(row)));
    }
    if let Some(a) = any.downcast_ref::<Int64Array>() {
        return Some(Value::Int(a.value(row)));
    }
    if let Some(a) = any.downcast_ref::<Float64Array>() {
        let f = a.value(row);
        return Some(match kind {
            Some(Kind::Int) => Value::Int(f as i64),
            _ => Value::Float(f),
        });
    }
    let s = any.downcast_ref::<StringArray>()?.value(row);
    Some(match kind.unwrap_or(Kind::Str) {
        Kind::Bool => Value::Bool(s == "true"),
        Kind::Int => s
            .parse()
            .map(Value::Int)
            .unwrap_or_else(|_| Value::BigInt(Cow::Owned(s.to_string()))),
        Kind::BigInt => Value::BigInt(Cow::Owned(s.to_string())),
        Kind::Float => Value::Float(s.parse().unwrap_or(f64::NAN)),
        Kind::Json => value::parse(s.as_bytes())
            .map(Value::into_owned)
            .unwrap_or_else(|_| Value::Str(Cow::Owned(s.to_string()))),
        Kind::Str | Kind::Null => Value::Str(Cow::Owned(s.to_string())),
    })
}

/// A row as one line of compact JSON.
pub fn row_json(row: &Row) -> String {
    let obj = Value::Object(
        row.iter()
            .map(|(k, v)| (Cow::Borrowed(k.as_str()), v.clone()))
            .collect(),
    );
    let mut s = String::new();
    push_json(&mut s, &obj);
    s
}
