//! Unflatten: the nested records rebuilt from a main table and its child tables — the
//! inverse of [`Flattener`](crate::Flattener) and the oracle for "nothing lost".
//!
//! Everything needed travels in the tables' Arrow metadata, so it works on the engine's
//! batches as well as on Parquet files read back:
//!
//! - each data column's field metadata [`PATH_KEY`] holds the raw keys from the row's
//!   object down to the value, [`OCCURRENCE_KEY`] the repeat number of a key repeated in
//!   one object; column *names* (abbreviated, suffixed on collisions) are never parsed;
//! - metadata columns are found by [`ROLE_KEY`] (id, parent id, array field, array index),
//!   whatever they are called;
//! - a child table's schema metadata [`ARRAYS_KEY`] lists the raw paths of the arrays
//!   that feed it and the path of the row owning each. A child row is placed by its
//!   parent's id, and the array it came from is the listed one owned at the parent row's
//!   path whose field equals the row's `__array_field`, so tables shared by several
//!   arrays (abbreviated names) and sanitized array keys (`my list` → `my_list`) go back
//!   where they came from. (Since each array path owns its table, two arrays sharing
//!   table, field and owner path only happen in files of older versions: an error.)
//!
//! # What comes back exactly, and what cannot
//!
//! With [`Config::lossless`](crate::Config::lossless), everything comes back, from the
//! engine's batches and from Parquet files alike, up to object key order and the
//! spelling of numbers (JSON does not tell `1` from `1.0`; a column holding both is
//! float64): nulls and empty arrays/objects are listed in the row's `__empty` cell
//! ([`Role::Empty`]), a path gets one column per JSON kind ([`FAMILY_KEY`]), scalar
//! array items sit at path `[]`, `__` keys are ordinary keys. Repeated keys inside one
//! object are kept but come back as repeats of the innermost object (as below).
//!
//! Without it, with the options `cast_to_string=false`, `skip_null=false`, `keep_null_fields=true`,
//! `include_empty=true`, `visit_arrays=true`, `keep_arrays=false`, a `max_depth` above
//! the input's depth and unique ids (random ids, the default), `unflatten(flatten(x))`
//! equals `x` up to object key order, for the engine's batches (whose
//! [`CellExtras`] keep each cell's JSON kind), provided `x` has
//! none of the following, which no option keeps:
//!
//! - empty objects and arrays, and `{}` array items (they produce no cell and no row;
//!   an item that was skipped leaves a gap in `__array_index`, filled with `null`);
//! - `__` keys below the top level (1.0.6 hoists them to the row's top level), and
//!   objects whose only key is `value` as array items (stored exactly like the scalar
//!   item they hold, which is what comes back);
//! - repeated keys inside one object: every value is kept, but repeats come back as
//!   repeated keys of the innermost object and repeated arrays as repeated keys.
//!
//! The other options lose by design: `skip_null` drops nulls (`skip_null=false` without
//! `keep_null_fields` turns null fields into `""`); `include_empty=false` drops `""`;
//! `cast_to_string` turns object values into text (`1` and `"1"` come back as `"1"`);
//! `keep_arrays`/`visit_arrays=false` keep arrays as JSON text; `max_depth` cuts deep
//! objects; ids that repeat (deterministic ids on repeated values, content-hash ids of
//! identical records) cannot say which parent a child belongs to (an error).
//!
//! Files keep less than the engine's batches: a column that held values of several
//! JSON types is text in the file, so its values come back as text (`1` → `"1"`, an
//! integer in a float column → `1.0`, big integers and JSON kept whole → their text);
//! and a null field cannot be told from an absent one (it comes back absent; a child
//! row without any value comes back as a `null` item).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;

use crate::column::CellExtras;
use crate::error::{Error, Result};
use crate::result::{cell_value, ResultTable};
use crate::table::{
    Family, Role, TableBatch, ARRAYS_KEY, FAMILY_KEY, OCCURRENCE_KEY, PATH_KEY, ROLE_KEY,
};
use crate::text::push_json;
use crate::value::{self, Value};

type Object = Vec<(Cow<'static, str>, Value<'static>)>;

/// Largest `__array_index` accepted.
const MAX_INDEX: usize = 1 << 28;

/// One array listed in a child table's [`ARRAYS_KEY`] metadata.
#[derive(Debug, Clone, PartialEq)]
struct ArrayPath {
    path: Vec<String>,
    /// How many leading keys of `path` lead to the owning row.
    parent: usize,
    field: String,
    /// A map (rows are entries with a key), not an array.
    map: bool,
}

/// An item found under a row, to attach: its path relative to the row, its position,
/// its key (map entries) and its value.
type Child = (Vec<String>, i64, Option<String>, Value<'static>);

/// One row of any table, with what is needed to put it back.
struct RowRec {
    table: usize,
    /// Position within its table, for messages.
    row: u64,
    id: Option<String>,
    parent: Option<String>,
    field: Option<String>,
    index: Option<i64>,
    /// The row's cells put at their paths.
    cells: Object,
    form: Form,
    /// Child rows: the array (index into the table's array list) it was an item of.
    array: Option<usize>,
    depth: usize,
    /// Child rows: the parent's position among all rows.
    parent_row: usize,
    /// Items of arrays and entries of maps found under this row.
    children: Vec<Child>,
    /// Rows of maps: the entry's key.
    key: Option<String>,
}

/// What a row stands for once its items are attached.
#[derive(Clone, Copy, PartialEq)]
enum Form {
    /// An object (every main row; child rows of object items).
    Object,
    /// A scalar array item, stored as the single column `value`.
    Scalar,
    /// A child row without any cell: a null item, or an item holding only arrays.
    Empty,
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    Pending,
    Visiting,
    Done,
}

/// Rebuilds the records from `tables`: the main table (the one without a parent-id
/// column) and its child tables, in any order. Records come back in the main table's
/// row order. See the module docs for which options make this exact.
///
/// ```
/// use transmog_core::{unflatten::unflatten, value, Config, FlatResult, Flattener, Location};
///
/// let cfg = Config { cast_to_string: false, ..Config::default() };
/// let mut f = Flattener::new("orders", cfg)?;
/// let rec = value::parse(br#"{"id": 1, "items": [{"sku": "A"}, {"sku": "B"}]}"#).unwrap();
/// f.push(&rec, Location::record(0))?;
/// let back = unflatten(&FlatResult::from_flattener(f).tables)?;
/// assert_eq!(back, vec![rec.into_owned()]);
/// # Ok::<(), transmog_core::Error>(())
/// ```
pub fn unflatten(tables: &[ResultTable]) -> Result<Vec<Value<'static>>> {
    unflatten_from(tables, &[])
}

/// [`unflatten`], the rows of table `i` numbered from `bases[i]` in messages (0 when
/// `bases` has no entry for it).
fn unflatten_from(tables: &[ResultTable], bases: &[u64]) -> Result<Vec<Value<'static>>> {
    let mut main: Option<usize> = None;
    let mut arrays: Vec<Vec<ArrayPath>> = Vec::with_capacity(tables.len());
    for (ti, t) in tables.iter().enumerate() {
        let Some(last) = t.batches.last() else {
            arrays.push(Vec::new());
            continue;
        };
        let schema = last.batch.schema();
        if role_column(&schema, Role::Parent).is_none() {
            if let Some(m) = main {
                return Err(Error::unflatten(
                    &t.name,
                    None,
                    format!(
                        "two main tables ('{}' and '{}'): neither has a parent id column",
                        tables[m].name, t.name
                    ),
                ));
            }
            main = Some(ti);
            arrays.push(Vec::new());
        } else {
            arrays.push(array_paths(&t.name, &schema)?);
        }
    }
    let Some(main) = main else {
        if tables.iter().all(|t| t.num_rows() == 0) {
            return Ok(Vec::new());
        }
        return Err(Error::unflatten(
            "",
            None,
            "no main table (every table has a parent id column)".to_string(),
        ));
    };

    let mut rows = Vec::new();
    let base = |t: usize| bases.get(t).copied().unwrap_or(0);
    read_rows(tables, main, false, base(main), &mut rows)?;
    let main_rows = rows.len();
    for ti in (0..tables.len()).filter(|&t| t != main) {
        read_rows(tables, ti, true, base(ti), &mut rows)?;
    }
    let ids = index_ids(&mut rows);
    place_rows(tables, &arrays, &ids, &mut rows)?;
    drop(ids);

    // Deepest rows first: when a row is finished all its items are already attached.
    let mut order: Vec<usize> = (main_rows..rows.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(rows[i].depth));
    for i in order {
        let r = &mut rows[i];
        let (children, cells) = (
            std::mem::take(&mut r.children),
            std::mem::take(&mut r.cells),
        );
        let value = attach(cells, r.form, children, &tables[r.table].name, r.row)?;
        let parent = rows[i].parent_row;
        let rel = relative_path(&arrays, &rows, i, parent);
        let index = rows[i].index.unwrap_or(0);
        let key = rows[i].key.take();
        if let Some(p) = rows.get_mut(parent) {
            p.children.push((rel, index, key, value));
        }
    }
    let mut out = Vec::with_capacity(main_rows);
    for r in rows.iter_mut().take(main_rows) {
        let (children, cells) = (
            std::mem::take(&mut r.children),
            std::mem::take(&mut r.cells),
        );
        out.push(attach(cells, r.form, children, &tables[main].name, r.row)?);
    }
    Ok(out)
}

/// Main rows per window of [`unflatten_stream`].
pub const WINDOW_ROWS: usize = 4096;

/// One table's batches being read in row order, and where the next row is.
struct Cursor<I> {
    name: Arc<str>,
    batches: I,
    batch: Option<RecordBatch>,
    at: usize,
    /// Rows handed out so far (messages number rows from the table's start).
    taken: u64,
}

impl<I, E> Cursor<I>
where
    I: Iterator<Item = std::result::Result<RecordBatch, E>>,
{
    /// The batch holding the next row, reading on as needed; `None` at the end.
    fn current(&mut self) -> std::result::Result<Option<RecordBatch>, E> {
        loop {
            if let Some(b) = &self.batch {
                if self.at < b.num_rows() {
                    return Ok(Some(b.clone()));
                }
            }
            match self.batches.next() {
                None => {
                    self.batch = None;
                    return Ok(None);
                }
                Some(b) => {
                    self.batch = Some(b?);
                    self.at = 0;
                }
            }
        }
    }

    /// Hands rows `at..at + n` of `b` (the current batch) to the window.
    fn take(&mut self, b: &RecordBatch, n: usize, into: &mut ResultTable) {
        into.batches.push(TableBatch {
            table: self.name.clone(),
            batch: b.slice(self.at, n),
            extras: Vec::new(),
        });
        self.at += n;
        self.taken += n as u64;
    }
}

/// The text of a metadata cell (an id), as [`unflatten`] reads it.
fn role_text(b: &RecordBatch, column: Option<usize>, row: usize) -> Option<String> {
    let array = b.column(column?);
    cell_value(array.as_ref(), &CellExtras::default(), row).map(text_of)
}

fn fingerprint(id: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(id)
}

/// [`unflatten`] over tables read in row order, in bounded memory: `tables` are the
/// main table first, then its child tables, each as its batches in row order (as the
/// engine writes them: a record's child rows come after the rows of the records
/// before it). Takes `window` main rows at a time, with the child rows whose parents
/// are among them, and hands each record to `emit` in order; returns how many.
///
/// Besides a window's rows it keeps one 64-bit fingerprint per row that had children,
/// to refuse an id repeated in rows far apart (whose children could not be told apart;
/// [`unflatten`] refuses repeated ids that children point to). Child rows whose parent
/// is not found by the end (no such row, or rows out of order) are an error.
pub fn unflatten_stream<E, I>(
    tables: Vec<(Arc<str>, I)>,
    window: usize,
    mut emit: impl FnMut(Value<'static>) -> std::result::Result<(), E>,
) -> std::result::Result<u64, E>
where
    E: From<Error>,
    I: Iterator<Item = std::result::Result<RecordBatch, E>>,
{
    let mut cursors: Vec<Cursor<I>> = tables
        .into_iter()
        .map(|(name, batches)| Cursor {
            name,
            batches,
            batch: None,
            at: 0,
            taken: 0,
        })
        .collect();
    if cursors.is_empty() {
        return Ok(0);
    }
    // Ids that children pointed to in earlier windows.
    let mut parents_before: HashSet<u64> = HashSet::new();
    let mut emitted = 0u64;
    loop {
        let mut tables: Vec<ResultTable> = cursors
            .iter()
            .map(|c| ResultTable {
                name: c.name.clone(),
                batches: Vec::new(),
            })
            .collect();
        let bases: Vec<u64> = cursors.iter().map(|c| c.taken).collect();
        let mut ids: HashSet<String> = HashSet::new();
        let mut need = window.max(1);
        while need > 0 {
            let main = &mut cursors[0];
            let Some(b) = main.current()? else {
                break;
            };
            let n = (b.num_rows() - main.at).min(need);
            let id = role_column(b.schema_ref(), Role::Id);
            for row in main.at..main.at + n {
                if let Some(id) = role_text(&b, id, row) {
                    ids.insert(id);
                }
            }
            main.take(&b, n, &mut tables[0]);
            need -= n;
        }
        if tables[0].batches.is_empty() {
            break;
        }
        let mut parents: HashSet<String> = HashSet::new();
        // Passes over the child tables until none has a row for this window: a table's
        // rows may point to rows of a table after it.
        loop {
            let mut progressed = false;
            for (ti, c) in cursors.iter_mut().enumerate().skip(1) {
                while let Some(b) = c.current()? {
                    let schema = b.schema_ref();
                    let (parent, id) = (
                        role_column(schema, Role::Parent),
                        role_column(schema, Role::Id),
                    );
                    let mut end = c.at;
                    while end < b.num_rows() {
                        match role_text(&b, parent, end) {
                            Some(p) if ids.contains(&p) => {
                                if let Some(id) = role_text(&b, id, end) {
                                    ids.insert(id);
                                }
                                parents.insert(p);
                            }
                            _ => break,
                        }
                        end += 1;
                    }
                    let n = end - c.at;
                    if n > 0 {
                        c.take(&b, n, &mut tables[ti]);
                        progressed = true;
                    }
                    if end < b.num_rows() {
                        break;
                    }
                }
            }
            if !progressed {
                break;
            }
        }
        // An id that children pointed to in an earlier window, again here: those
        // children may have been taken for the wrong row.
        if let Some(id) = ids
            .iter()
            .find(|id| parents_before.contains(&fingerprint(id)))
        {
            return Err(Error::unflatten(
                &cursors[0].name,
                None,
                format!("id {id} belongs to rows far apart (repeated ids cannot be unflattened)"),
            )
            .into());
        }
        for record in unflatten_from(&tables, &bases)? {
            emit(record)?;
            emitted += 1;
        }
        parents_before.extend(parents.iter().map(|p| fingerprint(p)));
    }
    for c in cursors.iter_mut().skip(1) {
        if let Some(b) = c.current()? {
            let parent = role_text(&b, role_column(b.schema_ref(), Role::Parent), c.at);
            return Err(Error::unflatten(
                &c.name,
                Some(c.taken),
                format!(
                    "parent id {} has no row before this one's (rows out of order, or \
                     no such row)",
                    parent.unwrap_or_default()
                ),
            )
            .into());
        }
    }
    Ok(emitted)
}

fn role_column(schema: &SchemaRef, role: Role) -> Option<usize> {
    schema
        .fields()
        .iter()
        .position(|f| f.metadata().get(ROLE_KEY).map(String::as_str) == Some(role.as_str()))
}

fn array_paths(table: &str, schema: &SchemaRef) -> Result<Vec<ArrayPath>> {
    let bad = |m: String| Error::unflatten(table, None, m);
    let Some(text) = schema.metadata().get(ARRAYS_KEY) else {
        return Err(bad(format!(
            "no '{ARRAYS_KEY}' schema metadata (not written by this version of transmog)"
        )));
    };
    let list: serde_json::Value =
        serde_json::from_str(text).map_err(|e| bad(format!("bad '{ARRAYS_KEY}': {e}")))?;
    let entries = list.as_array().cloned().unwrap_or_default();
    entries
        .iter()
        .map(|e| {
            let path = e
                .get("path")
                .and_then(|p| p.as_array())
                .map(|p| {
                    p.iter()
                        .map(|k| k.as_str().map(str::to_string))
                        .collect::<Option<Vec<_>>>()
                })
                .and_then(|p| p);
            let field = e.get("field").and_then(|f| f.as_str());
            let map = e.get("map").and_then(serde_json::Value::as_bool) == Some(true);
            let parent = e
                .get("parent")
                .and_then(serde_json::Value::as_u64)
                .and_then(|p| usize::try_from(p).ok());
            match (path, parent, field) {
                (Some(path), Some(parent), Some(field)) if parent < path.len() => Ok(ArrayPath {
                    path,
                    parent,
                    field: field.to_string(),
                    map,
                }),
                _ => Err(bad(format!("bad '{ARRAYS_KEY}' entry {e}"))),
            }
        })
        .collect()
}

/// How one column of a batch is read back.
enum ColumnUse {
    Data {
        path: Vec<String>,
        repeat: bool,
        /// Lossless runs: text of kind `number` or `json` is parsed back.
        parse: bool,
    },
    Meta(Role),
    Ignored,
}

fn column_uses(table: &str, batch: &RecordBatch) -> Result<Vec<ColumnUse>> {
    let schema = batch.schema();
    schema
        .fields()
        .iter()
        .map(|f| {
            let meta = f.metadata();
            if let Some(role) = meta.get(ROLE_KEY) {
                return Ok(Role::parse(role).map_or(ColumnUse::Ignored, ColumnUse::Meta));
            }
            let Some(path) = meta.get(PATH_KEY) else {
                return Err(Error::unflatten(
                    table,
                    None,
                    format!(
                        "column '{}' has no '{PATH_KEY}' metadata (not written by this \
                         version of transmog)",
                        f.name()
                    ),
                ));
            };
            let path: Vec<String> = serde_json::from_str(path).map_err(|e| {
                Error::unflatten(table, None, format!("column '{}': bad path: {e}", f.name()))
            })?;
            let repeat = meta
                .get(OCCURRENCE_KEY)
                .is_some_and(|o| o.parse::<usize>().is_ok_and(|n| n > 0));
            let parse = matches!(
                meta.get(FAMILY_KEY).and_then(|f| Family::parse(f)),
                Some(Family::Number | Family::Json)
            );
            Ok(ColumnUse::Data {
                path,
                repeat,
                parse,
            })
        })
        .collect()
}

fn text_of(v: Value<'static>) -> String {
    match v {
        Value::Str(s) => s.into_owned(),
        other => {
            let mut s = String::new();
            push_json(&mut s, &other);
            s
        }
    }
}

fn read_rows(
    tables: &[ResultTable],
    ti: usize,
    child: bool,
    base: u64,
    out: &mut Vec<RowRec>,
) -> Result<()> {
    let t = &tables[ti];
    let mut row_no = base;
    let empty = CellExtras::default();
    for b in &t.batches {
        let uses = column_uses(&t.name, &b.batch)?;
        // Lossless tables store scalar items at path `[]`: a field `value` is a field.
        let lossless = uses
            .iter()
            .any(|u| matches!(u, ColumnUse::Meta(Role::Empty)));
        for row in 0..b.batch.num_rows() {
            let mut rec = RowRec {
                table: ti,
                row: row_no,
                id: None,
                parent: None,
                field: None,
                index: None,
                cells: Vec::new(),
                form: Form::Object,
                array: None,
                depth: 0,
                parent_row: usize::MAX,
                children: Vec::new(),
                key: None,
            };
            let mut cells = 0usize;
            let mut scalar = false;
            let mut item: Option<Value<'static>> = None;
            for (c, u) in uses.iter().enumerate() {
                let ex = b.extras.get(c).unwrap_or(&empty);
                let Some(v) = cell_value(b.batch.column(c).as_ref(), ex, row) else {
                    continue;
                };
                match u {
                    ColumnUse::Meta(Role::Id) => rec.id = Some(text_of(v)),
                    ColumnUse::Meta(Role::Parent) => rec.parent = Some(text_of(v)),
                    ColumnUse::Meta(Role::ArrayField) => rec.field = Some(text_of(v)),
                    ColumnUse::Meta(Role::ArrayIndex) => {
                        rec.index = match v {
                            Value::Int(i) => Some(i),
                            other => text_of(other).parse().ok(),
                        }
                    }
                    ColumnUse::Meta(Role::Key) => rec.key = Some(text_of(v)),
                    ColumnUse::Meta(Role::Empty) => {
                        cells += empty_entries(&t.name, row_no, v, &mut rec.cells)?;
                    }
                    ColumnUse::Meta(Role::Time) | ColumnUse::Ignored => {}
                    // Lossless tables list their nulls in `__empty`.
                    ColumnUse::Data { .. } if lossless && v == Value::Null => {}
                    ColumnUse::Data { path, .. } if path.is_empty() => {
                        // Lossless runs: the scalar array item itself.
                        item = Some(decoded(v, u));
                    }
                    ColumnUse::Data { path, repeat, .. } => {
                        cells += 1;
                        scalar = !lossless && !*repeat && path.len() == 1 && path[0] == "value";
                        insert(&mut rec.cells, path, decoded(v, u));
                    }
                }
            }
            rec.form = match (cells, item) {
                (_, Some(v)) => {
                    rec.cells = vec![(Cow::Borrowed(""), v)];
                    Form::Scalar
                }
                (0, None) if child => Form::Empty,
                (1, None) if child && scalar => Form::Scalar,
                _ => Form::Object,
            };
            out.push(rec);
            row_no += 1;
        }
    }
    Ok(())
}

/// A cell as the input had it: lossless text of kind `number` / `json` parsed back.
fn decoded(v: Value<'static>, u: &ColumnUse) -> Value<'static> {
    match (v, u) {
        (Value::Str(s), ColumnUse::Data { parse: true, .. }) => match value::parse(s.as_bytes()) {
            Ok(parsed) => parsed.into_owned(),
            Err(_) => Value::Str(s),
        },
        (v, _) => v,
    }
}

/// Puts the entries of a lossless row's [`Role::Empty`] cell (`[[key, ..., value],
/// ...]`) into `obj`; returns how many there were (an entry `[{}]`: the row is `{}`).
fn empty_entries(table: &str, row: u64, v: Value<'static>, obj: &mut Object) -> Result<usize> {
    let bad = || Error::unflatten(table, Some(row), "bad '__empty' cell".to_string());
    let text = match v {
        Value::Str(s) => s,
        _ => return Err(bad()),
    };
    let Ok(Value::Array(entries)) = value::parse(text.as_bytes()).map(Value::into_owned) else {
        return Err(bad());
    };
    let n = entries.len();
    for e in entries {
        let Value::Array(mut parts) = e else {
            return Err(bad());
        };
        let last = parts.pop().ok_or_else(bad)?;
        let path = parts
            .into_iter()
            .map(|k| match k {
                Value::Str(s) => Ok(s.into_owned()),
                _ => Err(bad()),
            })
            .collect::<Result<Vec<_>>>()?;
        if !path.is_empty() {
            insert(obj, &path, last);
        }
    }
    Ok(n)
}

/// Puts `v` at `path` below `obj`; intermediate objects are created or reused (the
/// last one of that key), the value itself is appended.
fn insert(obj: &mut Object, path: &[String], v: Value<'static>) {
    let Some((last, inner)) = path.split_last() else {
        return;
    };
    let mut cur = obj;
    for k in inner {
        let pos = cur
            .iter()
            .rposition(|(key, val)| key == k && matches!(val, Value::Object(_)));
        let pos = match pos {
            Some(p) => p,
            None => {
                cur.push((Cow::Owned(k.clone()), Value::Object(Vec::new())));
                cur.len() - 1
            }
        };
        let Value::Object(next) = &mut cur[pos].1 else {
            return;
        };
        cur = next;
    }
    cur.push((Cow::Owned(last.clone()), v));
}

/// Row of each id (taken out of the rows); `None` for an id held by several rows.
fn index_ids(rows: &mut [RowRec]) -> HashMap<String, Option<usize>> {
    let mut ids: HashMap<String, Option<usize>> = HashMap::with_capacity(rows.len());
    for (i, r) in rows.iter_mut().enumerate() {
        if let Some(id) = r.id.take() {
            ids.entry(id).and_modify(|e| *e = None).or_insert(Some(i));
        }
    }
    ids
}

fn node_path<'a>(arrays: &'a [Vec<ArrayPath>], rows: &[RowRec], i: usize) -> &'a [String] {
    match rows[i].array {
        Some(a) => &arrays[rows[i].table][a].path,
        None => &[],
    }
}

fn relative_path(
    arrays: &[Vec<ArrayPath>],
    rows: &[RowRec],
    i: usize,
    parent: usize,
) -> Vec<String> {
    let own = node_path(arrays, rows, i);
    let base = if parent < rows.len() {
        node_path(arrays, rows, parent).len()
    } else {
        0
    };
    own.get(base..).unwrap_or_default().to_vec()
}

/// Finds each child row's parent row and the array it was an item of.
fn place_rows(
    tables: &[ResultTable],
    arrays: &[Vec<ArrayPath>],
    ids: &HashMap<String, Option<usize>>,
    rows: &mut [RowRec],
) -> Result<()> {
    let mut state: Vec<State> = rows
        .iter()
        .map(|r| {
            if r.parent.is_none() {
                State::Done
            } else {
                State::Pending
            }
        })
        .collect();
    for start in 0..rows.len() {
        // Walk up to a placed ancestor, then place the chain top-down.
        let mut chain = Vec::new();
        let mut i = start;
        while state[i] == State::Pending {
            state[i] = State::Visiting;
            chain.push(i);
            let r = &rows[i];
            let err = |m: String| Error::unflatten(&tables[r.table].name, Some(r.row), m);
            let parent = r.parent.as_deref().unwrap_or_default();
            i = match ids.get(parent) {
                Some(Some(p)) => *p,
                Some(None) => {
                    return Err(err(format!(
                        "parent id {parent} belongs to several rows (repeated ids cannot \
                         be unflattened)"
                    )))
                }
                None => return Err(err(format!("parent id {parent} has no row"))),
            };
        }
        if state[i] == State::Visiting {
            let r = &rows[i];
            return Err(Error::unflatten(
                &tables[r.table].name,
                Some(r.row),
                "rows are their own ancestors (parent ids form a cycle)".to_string(),
            ));
        }
        for &c in chain.iter().rev() {
            let parent = rows[c].parent.as_deref().unwrap_or_default();
            let p = ids.get(parent).copied().flatten().unwrap_or(usize::MAX);
            let (ppath, pdepth) = (node_path(arrays, rows, p).to_vec(), rows[p].depth);
            let r = &rows[c];
            let name = &tables[r.table].name;
            let field = r.field.as_deref().ok_or_else(|| {
                Error::unflatten(name, Some(r.row), "no array field value".to_string())
            })?;
            if r.index.is_none() {
                return Err(Error::unflatten(
                    name,
                    Some(r.row),
                    "no array index value".to_string(),
                ));
            }
            let found: Vec<usize> = arrays[r.table]
                .iter()
                .enumerate()
                .filter(|(_, a)| {
                    a.field == field
                        && a.parent == ppath.len()
                        && a.path.starts_with(&ppath)
                        && a.map == r.key.is_some()
                })
                .map(|(k, _)| k)
                .collect();
            let a = match found.as_slice() {
                [one] => *one,
                [] => {
                    return Err(Error::unflatten(
                        name,
                        Some(r.row),
                        format!("no array '{field}' of this table lies below its parent row"),
                    ))
                }
                many => {
                    let paths: Vec<String> = many
                        .iter()
                        .map(|&k| arrays[r.table][k].path.join("."))
                        .collect();
                    return Err(Error::unflatten(
                        name,
                        Some(r.row),
                        format!(
                            "ambiguous: arrays {} share this table and the array field \
                             '{field}'",
                            paths.join(", ")
                        ),
                    ));
                }
            };
            rows[c].array = Some(a);
            rows[c].parent_row = p;
            rows[c].depth = pdepth + 1;
            state[c] = State::Done;
        }
    }
    Ok(())
}

/// Inserts the items found under a row as arrays (map entries as objects) at their
/// paths. Items of one array come in emission order; an index met again starts a repeat
/// of the same key.
fn attach(
    mut cells: Object,
    form: Form,
    children: Vec<Child>,
    table: &str,
    row: u64,
) -> Result<Value<'static>> {
    let mut obj = match (form, children.is_empty()) {
        (Form::Scalar, true) => return Ok(cells.pop().map_or(Value::Null, |(_, v)| v)),
        (Form::Empty, true) => return Ok(Value::Null),
        _ => cells,
    };
    // Per path and kind: the arrays (maps) being filled, more than one when the key
    // repeats; each slot holds the entry's key for maps.
    type Instances = Vec<Vec<Option<(Option<String>, Value<'static>)>>>;
    let mut groups: Vec<((Vec<String>, bool), Instances)> = Vec::new();
    for (path, index, key, item) in children {
        let id = (path, key.is_some());
        let g = match groups.iter().position(|(p, _)| *p == id) {
            Some(g) => g,
            None => {
                groups.push((id, vec![Vec::new()]));
                groups.len() - 1
            }
        };
        // Gaps are filled, so a bogus index must not allocate without bound.
        let slot = usize::try_from(index)
            .ok()
            .filter(|&i| i < MAX_INDEX)
            .ok_or_else(|| {
                Error::unflatten(
                    table,
                    Some(row),
                    format!("array index {index} out of range"),
                )
            })?;
        let instances = &mut groups[g].1;
        let mut items = instances.pop().unwrap_or_default();
        if items.get(slot).is_some_and(Option::is_some) {
            instances.push(items);
            items = Vec::new();
        }
        if items.len() <= slot {
            items.resize(slot + 1, None);
        }
        items[slot] = Some((key, item));
        instances.push(items);
    }
    for ((path, map), instances) in groups {
        for items in instances {
            let value = if map {
                Value::Object(
                    items
                        .into_iter()
                        .flatten()
                        .map(|(k, v)| (Cow::Owned(k.unwrap_or_default()), v))
                        .collect(),
                )
            } else {
                Value::Array(
                    items
                        .into_iter()
                        .map(|v| v.map_or(Value::Null, |(_, v)| v))
                        .collect(),
                )
            };
            insert(&mut obj, &path, value);
        }
    }
    Ok(Value::Object(obj))
}
