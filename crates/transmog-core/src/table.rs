//! One output table while it is being built: its columns in first-seen order, the map
//! from source paths to columns, and the name registry that keeps colliding names apart.

use std::collections::HashMap;
use std::fmt::Write;

use rustc_hash::FxHashMap;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{Field, FieldRef, Schema, SchemaRef};

use crate::column::{CellExtras, ColType, ColumnBuilder};
use crate::small::same_key;

/// Field-metadata key that marks Transmog's metadata columns in Arrow schemas.
pub const ROLE_KEY: &str = "transmog.role";
/// Field-metadata key holding a data column's source path: a JSON array of the raw
/// keys from the row's object down to the value (a hoisted `__` key: just that key).
pub const PATH_KEY: &str = "transmog.path";
/// Field-metadata key holding the source path (as [`PATH_KEY`]) of the column just
/// before this one in the first row that gave it a value (`""`: none before it). Rows
/// list their keys by it and [`BEFORE_KEY`] (see `result::row_order`).
pub const AFTER_KEY: &str = "transmog.after";
/// Field-metadata key: as [`AFTER_KEY`], the column just after (`""`: none after it).
pub const BEFORE_KEY: &str = "transmog.before";
/// Field-metadata key: `n` when the column holds the n-th extra occurrence of its path
/// within one row (duplicate keys, hoisted `__` keys); absent for the first.
pub const OCCURRENCE_KEY: &str = "transmog.occurrence";
/// Field-metadata key: the name the path flattens to before collision suffixes.
pub const BASE_KEY: &str = "transmog.base";
/// Field-metadata key: `true` for columns of `__` keys (named by the raw key).
pub const RAW_KEY: &str = "transmog.raw";
/// Field- and schema-metadata key: `true` when a name (of a column, or of a table in the
/// schema metadata) is its path shortened (`nested` abbreviation or hashed full path).
pub const SHORTENED_KEY: &str = "transmog.shortened";
/// Schema-metadata key of a child table: the raw key path of the array that owns the
/// table (JSON list, enclosing array keys included). A table is owned by one path.
pub const TABLE_PATH_KEY: &str = "transmog.table_path";
/// Schema-metadata key of a child table: the name its path gives, before a suffix that
/// keeps it apart from another path's table of that name.
pub const TABLE_BASE_KEY: &str = "transmog.table_base";
/// Schema-metadata key of a child table: the arrays whose items it holds, as a JSON
/// list of `{"path": [raw keys from the record root, enclosing array keys included],
/// "parent": n, "field": "<its __array_field value>"}` in first-seen order, where the
/// first `n` keys of `path` lead to the row owning the array (0: the main row; an
/// array path can appear under several owners, e.g. `a[].b[]` and `a.b[]`). Needed to
/// put rows back (see [`crate::unflatten`]): table names and `__array_field` are
/// sanitized and abbreviated, and several arrays can share one table.
pub const ARRAYS_KEY: &str = "transmog.arrays";

/// Field-metadata key of lossless runs: the one JSON kind a data column holds, `bool`,
/// `number`, `text` or `json` (an array kept whole as JSON text). A path whose values
/// change kind gets one column per kind (`<name>__<kind>`), so no value is cast; text
/// columns of kind `number` hold integers beyond 64 bits as their digits.
pub const FAMILY_KEY: &str = "transmog.family";
/// Field-metadata key of lossless runs, for the run's renaming (which removes it): a
/// column that nulls made and a later value gave its family holds `k:n`, `k` the number
/// of columns the table had when that value came and `n` how many columns got their
/// family that way before (columns given theirs in one record keep the order of their
/// values). Where the run already has the path under another family, one flattener over
/// the whole input makes the column at that value, so its place in the run's column
/// order is there, not where the nulls made it.
pub(crate) const SINCE_KEY: &str = "transmog.since";

/// The JSON kind of a column in lossless runs ([`FAMILY_KEY`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// `true` / `false`.
    Bool,
    /// Integers and floats (one column: JSON does not tell `1` from `1.0`).
    Number,
    /// Strings.
    Text,
    /// Arrays kept whole as JSON text (items of arrays of arrays).
    Json,
}

impl Family {
    /// The value stored under [`FAMILY_KEY`], also the suffix of a path's other columns.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Bool => "bool",
            Family::Number => "number",
            Family::Text => "text",
            Family::Json => "json",
        }
    }

    /// The family named `s`.
    pub fn parse(s: &str) -> Option<Family> {
        [Family::Bool, Family::Number, Family::Text, Family::Json]
            .into_iter()
            .find(|f| f.as_str() == s)
    }
}

/// What a metadata column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The row's id.
    Id,
    /// The parent row's id (child tables).
    Parent,
    /// The extraction time.
    Time,
    /// The sanitized array key (child tables).
    ArrayField,
    /// The item's position in its array (child tables).
    ArrayIndex,
    /// Rows of maps: the entry's key.
    Key,
    /// Lossless runs: the row's values that no column holds, a JSON list of entries
    /// `[key, ..., value]` (path from the row's object, then `null`, `[]` or `{}`);
    /// `[{}]` for an array item that is an empty object.
    Empty,
}

impl Role {
    /// Every role, in the order rows list metadata columns.
    pub const ALL: [Role; 7] = [
        Role::Id,
        Role::Parent,
        Role::Time,
        Role::ArrayField,
        Role::ArrayIndex,
        Role::Key,
        Role::Empty,
    ];

    /// The role stored as `s` under [`ROLE_KEY`].
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The value stored under [`ROLE_KEY`].
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Id => "id",
            Role::Parent => "parent_id",
            Role::Time => "time",
            Role::ArrayField => "array_field",
            Role::ArrayIndex => "array_index",
            Role::Key => "key",
            Role::Empty => "empty",
        }
    }
}

/// A finished slice of one table: an Arrow batch plus the per-cell facts Arrow cannot
/// hold (see [`CellExtras`]).
#[derive(Debug, Clone)]
pub struct TableBatch {
    /// Table name.
    pub table: Arc<str>,
    /// The rows, with the table's schema as of this batch.
    pub batch: RecordBatch,
    /// One entry per column of `batch`.
    pub extras: Vec<CellExtras>,
}

impl TableBatch {
    /// No rows, only a schema: starts a sink's table from saved columns and types.
    pub fn empty(table: &str, schema: arrow_schema::SchemaRef) -> TableBatch {
        let extras = vec![CellExtras::default(); schema.fields().len()];
        TableBatch {
            table: Arc::from(table),
            batch: RecordBatch::new_empty(schema),
            extras,
        }
    }
}

#[derive(Debug)]
pub(crate) struct Column {
    pub name: String,
    pub role: Option<Role>,
    /// Source path, base name, occurrence and raw flag (data columns).
    pub source: Option<Source>,
    pub builder: ColumnBuilder,
    /// Lossless runs: the JSON kind the column holds, once a value decided it.
    pub family: Option<Family>,
    /// Lossless runs: the table's column count when a value gave this column, made by
    /// nulls, its family, and how many columns got theirs so before ([`SINCE_KEY`]).
    pub since: Option<(u32, u32)>,
    /// Serial of the last row that received a value, to spot a name used twice in a row.
    pub last_row: u64,
    /// A data column no row has given a value yet (its neighbours are unknown).
    pub fresh: bool,
    /// Its Arrow field as last made (see [`Column::field`]).
    pub field: Option<(FieldStamp, FieldRef)>,
}

/// What a column's Arrow field is made from, beyond what never changes: its field is
/// made again only when this does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct FieldStamp {
    ty: ColType,
    family: Option<Family>,
    since: Option<(u32, u32)>,
    placed: bool,
}

impl Column {
    fn stamp(&self) -> FieldStamp {
        FieldStamp {
            ty: self.builder.col_type(),
            family: self.family,
            since: self.since,
            placed: self.source.as_ref().is_some_and(|s| s.neighbours.is_some()),
        }
    }

    /// The column's field, made again only when its [`FieldStamp`] changed.
    fn field(&mut self) -> FieldRef {
        let stamp = self.stamp();
        match &self.field {
            Some((s, f)) if *s == stamp => Arc::clone(f),
            _ => {
                let f = Arc::new(self.make_field());
                self.field = Some((stamp, Arc::clone(&f)));
                f
            }
        }
    }

    fn make_field(&self) -> Field {
        let f = Field::new(&self.name, self.builder.col_type().data_type(), true);
        let mut meta = HashMap::new();
        if let Some(r) = self.role {
            meta.insert(ROLE_KEY.to_string(), r.as_str().to_string());
        }
        if let Some(src) = &self.source {
            meta.insert(PATH_KEY.to_string(), src.path_json.clone());
            if let Some((after, before)) = &src.neighbours {
                meta.insert(AFTER_KEY.to_string(), after.clone());
                meta.insert(BEFORE_KEY.to_string(), before.clone());
            }
            meta.insert(BASE_KEY.to_string(), src.base.clone());
            if src.occurrence > 0 {
                meta.insert(OCCURRENCE_KEY.to_string(), src.occurrence.to_string());
            }
            if src.raw {
                meta.insert(RAW_KEY.to_string(), "true".to_string());
            }
            if src.shortened {
                meta.insert(SHORTENED_KEY.to_string(), "true".to_string());
            }
        }
        if let Some(family) = self.family {
            meta.insert(FAMILY_KEY.to_string(), family.as_str().to_string());
        }
        if let Some((k, n)) = self.since {
            meta.insert(SINCE_KEY.to_string(), format!("{k}:{n}"));
        }
        f.with_metadata(meta)
    }
}

/// Joins rendered [`ARRAYS_KEY`] entries into the metadata value.
pub(crate) fn arrays_json(entries: &[String]) -> String {
    format!("[{}]", entries.join(","))
}

/// A data column a flattener made, and the record that made it (see
/// [`crate::Flattener::keep_made`]).
#[derive(Debug, Clone)]
pub struct ColumnMade {
    /// The flattener's name of the table.
    pub table: Arc<str>,
    /// Source path (as [`PATH_KEY`] holds it), occurrence and raw flag.
    pub path: String,
    /// Which of the path's columns of one family (a key repeated in one object).
    pub occurrence: usize,
    /// Lossless runs: the column's family (`None`: only nulls so far).
    pub family: Option<Family>,
    /// Lossless runs: this entry is the value that gave a column made by nulls its
    /// family (the column's own entry, at the nulls, then takes that family too).
    pub late: bool,
    /// A raw key (a `__` key kept as it is).
    pub raw: bool,
    /// The record.
    pub location: crate::Location,
}

#[derive(Debug, Clone)]
pub(crate) struct Source {
    pub path_json: String,
    /// The source paths of the columns around it in the first row that gave it a value
    /// (`""`: none); `None` until a row has.
    pub neighbours: Option<(String, String)>,
    pub base: String,
    pub occurrence: usize,
    pub raw: bool,
    pub shortened: bool,
}

/// The array path that owns a child table, and the name that path gives.
#[derive(Debug, Clone)]
pub(crate) struct Owner {
    pub path_json: String,
    pub base: String,
    pub shortened: bool,
}

/// A path node's children by the position of their key in the last object met at that
/// path (`u32::MAX`: none yet). Records mostly repeat one key order, so the key at
/// position i is usually found with one comparison instead of a hash lookup.
#[derive(Debug, Default)]
pub(crate) struct KeyOrder(Vec<u32>);

impl KeyOrder {
    /// The child remembered at `pos`, when `key_of` gives it the key `key`.
    pub fn predict<'k>(
        &self,
        pos: usize,
        key: &str,
        key_of: impl Fn(u32) -> Option<&'k str>,
    ) -> Option<u32> {
        let c = *self.0.get(pos)?;
        same_key(key_of(c)?, key).then_some(c)
    }

    /// Remembers `child` as the one at `pos`.
    pub fn remember(&mut self, pos: usize, child: u32) {
        if self.0.len() <= pos {
            self.0.resize(pos + 1, u32::MAX);
        }
        self.0[pos] = child;
    }
}

#[derive(Debug, Default)]
pub(crate) struct PathNode {
    pub children: FxHashMap<Box<str>, u32>,
    /// The node's own key (empty at the root).
    key: Box<str>,
    order: KeyOrder,
    pub column: Option<u32>,
    pub dups: Vec<u32>,
    /// Where the node's absolute path is in the map trie, once looked up.
    pub trie: crate::maps::TriePos,
    pub trie_known: bool,
}

#[derive(Debug)]
pub(crate) struct Table {
    pub name: Arc<str>,
    pub columns: Vec<Column>,
    pub by_name: FxHashMap<String, u32>,
    pub nodes: Vec<PathNode>,
    /// Rows in the current batch.
    pub rows: usize,
    /// Columns still [`Column::fresh`].
    pub fresh: usize,
    /// Lossless runs: columns made by nulls that a later value gave their family.
    pub families_late: u32,
    /// Got a row in the record being flattened (its text is checked after the record).
    pub touched: bool,
    /// Rows in the whole run, also the serial of the row being built.
    pub total_rows: u64,
    pub meta: Vec<(Role, u32)>,
    /// Child tables: the arrays feeding the table, each a rendered [`ARRAYS_KEY`] entry.
    pub arrays: Vec<String>,
    /// Child tables: the array path owning the table.
    pub owner: Option<Owner>,
    /// The last batch's schema, with the array count and owner it was made with.
    schema_cache: Option<((usize, bool), SchemaRef)>,
}

impl Table {
    pub fn new(name: Arc<str>, meta: &[(Role, &str)]) -> Self {
        let mut t = Table {
            name,
            columns: Vec::new(),
            by_name: FxHashMap::default(),
            nodes: vec![PathNode::default()],
            rows: 0,
            fresh: 0,
            families_late: 0,
            touched: false,
            total_rows: 0,
            meta: Vec::new(),
            arrays: Vec::new(),
            owner: None,
            schema_cache: None,
        };
        for (role, name) in meta {
            let c = t.add_column(name.to_string(), Some(*role));
            t.meta.push((*role, c));
        }
        t
    }

    pub fn add_column(&mut self, name: String, role: Option<Role>) -> u32 {
        self.add_source_column(name, role, None)
    }

    pub fn add_source_column(
        &mut self,
        name: String,
        role: Option<Role>,
        source: Option<Source>,
    ) -> u32 {
        let c = self.columns.len() as u32;
        self.by_name.insert(name.clone(), c);
        let fresh = source.is_some();
        self.fresh += fresh as usize;
        self.columns.push(Column {
            name,
            role,
            source,
            builder: ColumnBuilder::new(ColType::Null),
            family: None,
            since: None,
            last_row: u64::MAX,
            fresh,
            field: None,
        });
        c
    }

    pub fn child_node(&mut self, node: u32, key: &str) -> u32 {
        if let Some(&n) = self.nodes[node as usize].children.get(key) {
            return n;
        }
        let n = self.nodes.len() as u32;
        self.nodes.push(PathNode {
            key: key.into(),
            ..PathNode::default()
        });
        self.nodes[node as usize].children.insert(key.into(), n);
        n
    }

    /// [`Table::child_node`] for the key at position `pos` of its object.
    pub fn child_node_at(&mut self, node: u32, pos: usize, key: &str) -> u32 {
        let nodes = &self.nodes;
        let key_of = |c: u32| nodes.get(c as usize).map(|n| &*n.key);
        if let Some(c) = nodes[node as usize].order.predict(pos, key, key_of) {
            return c;
        }
        let c = self.child_node(node, key);
        self.nodes[node as usize].order.remember(pos, c);
        c
    }

    /// Sets where the table's rows are in the map trie (the path owning the table).
    pub fn set_root_trie(&mut self, at: crate::maps::TriePos) {
        self.nodes[0].trie = at;
        self.nodes[0].trie_known = true;
    }

    /// The first free name among `base`, `base<sep>2`, `base<sep>3`, ...
    pub fn free_name(&self, base: &str, sep: &str) -> String {
        crate::naming::free_name(base, sep, |n| self.by_name.contains_key(n))
    }

    /// The schema of the current run-wide column types.
    pub fn schema(&self) -> SchemaRef {
        let fields: Vec<Field> = self.columns.iter().map(Column::make_field).collect();
        Arc::new(Schema::new_with_metadata(fields, self.schema_meta()))
    }

    /// [`Self::schema`] for a batch: the last batch's schema when nothing it describes
    /// changed, else one that reuses the fields that did not change. A wide table
    /// otherwise built thousands of fields with their metadata for every batch (a
    /// fifth of the run on GitHub's webhook payloads), and an unchanged `Arc` lets the
    /// run's renaming and the sinks skip their work per column.
    fn batch_schema(&mut self) -> SchemaRef {
        let stamp = (self.arrays.len(), self.owner.is_some());
        let fields: Vec<FieldRef> = self.columns.iter_mut().map(Column::field).collect();
        if let Some((s, schema)) = &self.schema_cache {
            let same = *s == stamp
                && schema.fields().len() == fields.len()
                && schema
                    .fields()
                    .iter()
                    .zip(&fields)
                    .all(|(a, b)| Arc::ptr_eq(a, b));
            if same {
                return Arc::clone(schema);
            }
        }
        let schema = Arc::new(Schema::new_with_metadata(fields, self.schema_meta()));
        self.schema_cache = Some((stamp, Arc::clone(&schema)));
        schema
    }

    fn schema_meta(&self) -> HashMap<String, String> {
        let mut meta = HashMap::new();
        if !self.arrays.is_empty() {
            meta.insert(ARRAYS_KEY.to_string(), arrays_json(&self.arrays));
        }
        if let Some(owner) = &self.owner {
            meta.insert(TABLE_PATH_KEY.to_string(), owner.path_json.clone());
            meta.insert(TABLE_BASE_KEY.to_string(), owner.base.clone());
            if owner.shortened {
                meta.insert(SHORTENED_KEY.to_string(), "true".to_string());
            }
        }
        meta
    }

    /// Records that the array at `path` (raw keys from the record root), owned by the
    /// row at its first `parent` keys, with `__array_field` value `field` feeds this table.
    pub fn add_array(&mut self, path: &[&str], parent: usize, field: &str, map: bool) {
        let mut s = String::from("{\"path\":[");
        for (i, k) in path.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            crate::text::push_json_string(&mut s, k, false);
        }
        let _ = write!(s, "],\"parent\":{parent},\"field\":");
        crate::text::push_json_string(&mut s, field, false);
        if map {
            s.push_str(",\"map\":true");
        }
        s.push('}');
        self.arrays.push(s);
    }

    pub fn text_bytes(&self) -> usize {
        self.columns.iter().map(|c| c.builder.text_bytes()).sum()
    }

    /// Finishes the current batch (every column padded to the row count).
    pub fn finish_batch(&mut self) -> Option<TableBatch> {
        if self.rows == 0 {
            return None;
        }
        let rows = self.rows;
        let schema = self.batch_schema();
        let mut arrays = Vec::with_capacity(self.columns.len());
        let mut extras = Vec::with_capacity(self.columns.len());
        for c in &mut self.columns {
            let (a, e) = c.builder.finish_padded(rows);
            arrays.push(a);
            extras.push(e);
        }
        self.rows = 0;
        // Every array has `rows` entries and the type the schema states.
        let batch = RecordBatch::try_new(schema, arrays).ok()?;
        Some(TableBatch {
            table: self.name.clone(),
            batch,
            extras,
        })
    }
}
