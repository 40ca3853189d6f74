//! An in-memory result: every table of a run, and its rows as records.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::{Array, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::DataType;

use crate::column::{CellExtras, Kind};
use crate::flatten::Flattener;
use crate::report::Report;
use crate::table::{Role, TableBatch, AFTER_KEY, BEFORE_KEY, PATH_KEY, ROLE_KEY};
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
    Role::ALL.iter().position(|r| r.as_str() == role)
}

/// The order rows list a batch's columns in: data fields in their records' key order,
/// then metadata in 1.0.6's order (id, parent id, time, array field, array index).
///
/// 1.0.6 lists a row's keys in its record's own order. Each column knows the columns
/// around it in the first row that gave it a value ([`AFTER_KEY`], [`BEFORE_KEY`]).
/// Taken in the table's order, the columns a row made go together: right before the
/// first column already placed that followed them in that row, at the end if none did,
/// else right after the one before them (at the front if none was). That gives each row
/// its record's order whenever records agree on the order of the keys they share.
/// Columns without these facts (files of older versions) follow in table order.
pub fn row_order(batch: &RecordBatch) -> Vec<usize> {
    const NONE: usize = usize::MAX;
    let schema = batch.schema_ref();
    let n = batch.num_columns();
    let mut meta: Vec<(usize, usize)> = Vec::new();
    let mut data: Vec<usize> = Vec::with_capacity(n);
    for c in 0..n {
        match role_rank(batch, c) {
            Some(r) => meta.push((r, c)),
            None => data.push(c),
        }
    }
    let mut first_of_path: HashMap<&str, usize> = HashMap::new();
    for &c in &data {
        if let Some(path) = schema.field(c).metadata().get(PATH_KEY) {
            first_of_path.entry(path.as_str()).or_insert(c);
        }
    }
    // A doubly linked list over column indices; `n` is the list's head and tail.
    let (mut next, mut prev) = (vec![NONE; n + 1], vec![NONE; n + 1]);
    next[n] = n;
    prev[n] = n;
    fn link_after(at: usize, c: usize, next: &mut [usize], prev: &mut [usize]) {
        let after = next[at];
        next[at] = c;
        prev[c] = at;
        next[c] = after;
        prev[after] = c;
    }
    let placed = |c: usize, next: &[usize]| next[c] != NONE;
    // Each column's neighbours in the row that made it (`n`: the row's start or end).
    let around = |c: usize, key: &str| {
        schema
            .field(c)
            .metadata()
            .get(key)
            .map(|p| match p.as_str() {
                "" => Some(n),
                p => first_of_path.get(p).copied(),
            })
    };
    let neighbours: Vec<Option<(Option<usize>, Option<usize>)>> = (0..n)
        .map(|c| Some((around(c, AFTER_KEY)?, around(c, BEFORE_KEY)?)))
        .collect();
    // Where a walk along a row's unplaced columns ended (a placed column or `n`), kept
    // for the columns it passed: the rest of their run ends there too, so a table made
    // by one wide row costs one walk, not one per column.
    let mut run_end = vec![NONE; n];
    let mut passed = Vec::new();
    for &c in &data {
        let at = match neighbours[c] {
            None => prev[n],
            Some((after, before)) => {
                // Columns made by one row stay together: follow the row to the first
                // column already placed after this one.
                let mut b = before;
                passed.clear();
                while let Some(x) = b {
                    if x == n || placed(x, &next) || passed.len() > n {
                        break;
                    }
                    if run_end[x] != NONE {
                        b = Some(run_end[x]);
                        break;
                    }
                    passed.push(x);
                    b = neighbours[x].and_then(|(_, before)| before);
                }
                if let Some(end) = b {
                    for &x in &passed {
                        run_end[x] = end;
                    }
                }
                match (after, b) {
                    // A run that ended its row goes after every column so far, one that
                    // began it before them all.
                    (_, Some(b)) if b == n => prev[n],
                    (_, Some(b)) if placed(b, &next) => prev[b],
                    (Some(a), _) if a == n || placed(a, &next) => a,
                    _ => prev[n],
                }
            }
        };
        link_after(at, c, &mut next, &mut prev);
    }
    let mut order = Vec::with_capacity(n);
    let mut c = next[n];
    while c != n {
        order.push(c);
        c = next[c];
    }
    meta.sort();
    order.extend(meta.into_iter().map(|(_, c)| c));
    order
}

/// Appends the rows of one batch.
pub fn batch_rows(batch: &RecordBatch, extras: &[CellExtras], out: &mut Vec<Row>) {
    let order = row_order(batch);
    let schema = batch.schema();
    let empty = CellExtras::default();
    let columns: Vec<Cells<'_>> = order
        .iter()
        .map(|&c| Cells::new(batch.column(c).as_ref(), extras.get(c).unwrap_or(&empty)))
        .collect();
    for row in 0..batch.num_rows() {
        let mut r = Row::new();
        for (&c, cells) in order.iter().zip(&columns) {
            if let Some(v) = cells.get(row) {
                r.push((schema.field(c).name().clone(), v.into_owned()));
            }
        }
        out.push(r);
    }
}

/// The value of one cell, `None` when the key is absent from that row.
pub fn cell_value(array: &dyn Array, extras: &CellExtras, row: usize) -> Option<Value<'static>> {
    Cells::new(array, extras).get(row).map(Value::into_owned)
}

/// The cells of one column, typed once: each row's value as it went in (its kind from
/// the extras), text borrowed from the array.
pub struct Cells<'a> {
    column: Column<'a>,
    extras: &'a CellExtras,
}

enum Column<'a> {
    Null,
    Bool(&'a BooleanArray),
    Int(&'a Int64Array),
    Float(&'a Float64Array),
    Str(&'a StringArray),
    /// A type no table holds: every cell absent.
    Other,
}

impl<'a> Cells<'a> {
    /// The cells of `array`, with its [`CellExtras`].
    pub fn new(array: &'a dyn Array, extras: &'a CellExtras) -> Self {
        let any = array.as_any();
        let column = if *array.data_type() == DataType::Null {
            Column::Null
        } else if let Some(a) = any.downcast_ref::<BooleanArray>() {
            Column::Bool(a)
        } else if let Some(a) = any.downcast_ref::<Int64Array>() {
            Column::Int(a)
        } else if let Some(a) = any.downcast_ref::<Float64Array>() {
            Column::Float(a)
        } else if let Some(a) = any.downcast_ref::<StringArray>() {
            Column::Str(a)
        } else {
            Column::Other
        };
        Cells { column, extras }
    }

    /// The value at `row`, `None` when the key is absent from that row.
    pub fn get(&self, row: usize) -> Option<Value<'a>> {
        let valid = match &self.column {
            Column::Null | Column::Other => false,
            Column::Bool(a) => a.is_valid(row),
            Column::Int(a) => a.is_valid(row),
            Column::Float(a) => a.is_valid(row),
            Column::Str(a) => a.is_valid(row),
        };
        if !valid {
            return self
                .extras
                .present_nulls
                .binary_search(&(row as u32))
                .is_ok()
                .then_some(Value::Null);
        }
        let kind = self.extras.kinds.as_ref().map(|k| Kind::from_u8(k[row]));
        Some(match &self.column {
            Column::Bool(a) => Value::Bool(a.value(row)),
            Column::Int(a) => Value::Int(a.value(row)),
            Column::Float(a) => match kind {
                Some(Kind::Int) => Value::Int(a.value(row) as i64),
                _ => Value::Float(a.value(row)),
            },
            Column::Str(a) => {
                let s = a.value(row);
                match kind.unwrap_or(Kind::Str) {
                    Kind::Bool => Value::Bool(s == "true"),
                    Kind::Int => s
                        .parse()
                        .map(Value::Int)
                        .unwrap_or(Value::BigInt(Cow::Borrowed(s))),
                    Kind::BigInt => Value::BigInt(Cow::Borrowed(s)),
                    Kind::Float => Value::Float(s.parse().unwrap_or(f64::NAN)),
                    Kind::Json => {
                        value::parse(s.as_bytes()).unwrap_or(Value::Str(Cow::Borrowed(s)))
                    }
                    Kind::Str | Kind::Null => Value::Str(Cow::Borrowed(s)),
                }
            }
            Column::Null | Column::Other => return None,
        })
    }
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
