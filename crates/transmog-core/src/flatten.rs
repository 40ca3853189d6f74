//! The flattener: records in, columnar table batches out (SPEC.md section 3).

use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::fmt::Write;
use std::sync::Arc;

use arrow_schema::SchemaRef;

use crate::column::{Cell, Kind, OwnedCell};
use crate::config::{Config, IdMode, IdSource, Recovery};
use crate::error::{Error, Location, Result};
use crate::ids;
use crate::maps::{MapTrie, TriePos};
use crate::naming;
use crate::node::{Node, NodeError, View};
use crate::report::{Report, Skipped};
use crate::table::{ColumnMade, Family, KeyOrder, Owner, Role, Source, Table, TableBatch};
use crate::tape::Tape;
use crate::text::{push_json, push_py_float, push_py_json, push_py_repr};
use crate::value::{self, Value};

/// Child rows always flatten with this depth limit, whatever `max_depth` says (1.0.6).
const CHILD_MAX_DEPTH: usize = 100;
const ARRAY_FIELD: &str = "__array_field";
const ARRAY_INDEX: &str = "__array_index";
/// Lossless runs: the per-row list of nulls and empty containers ([`Role::Empty`]).
const EMPTY_FIELD: &str = "__empty";
/// Rows of maps: the entry's key ([`Role::Key`]).
const KEY_FIELD: &str = "__key";
/// The reading tape `push_json` keeps between records, at most (bytes).
const MAX_KEPT_TAPE: usize = 16 << 20;
/// A batch is finished early when its text nears Arrow's i32 offset limit.
const MAX_BATCH_TEXT: usize = 1 << 30;

/// A cell of the row being built, packed in two words that are always written and read
/// whole. As an enum of mixed-width fields it was stored piece by piece and loaded back
/// as overlapping words, which the store buffer cannot forward: a stall of a dozen
/// cycles per cell (perf: a third of `flatten_fields`' own time).
#[derive(Debug, Clone, Copy)]
struct Scratch {
    /// The tag (low byte), the text's [`Kind`] (next byte) and the text's length or
    /// arena end (high half).
    head: u64,
    /// The integer, the float's bits, the text's arena start or its address.
    body: u64,
}

const TAG_NULL: u8 = 0;
const TAG_BOOL: u8 = 1;
const TAG_INT: u8 = 2;
const TAG_FLOAT: u8 = 3;
/// Text in the arena (`body..end`): values the flattener wrote itself.
const TAG_TEXT: u8 = 4;
/// Text borrowed from the record being pushed (or static), not copied: a row's cells are
/// committed before `push` returns, while the record is still borrowed.
const TAG_REF: u8 = 5;

// SAFETY: a `TAG_REF` cell points into the record borrowed by the `push` call that made
// it (or to static text); cells never outlive that call, so no thread ever sees one.
unsafe impl Send for Scratch {}

impl Scratch {
    const NULL: Scratch = Scratch::new(TAG_NULL, Kind::Null, 0, 0);

    const fn new(tag: u8, kind: Kind, high: u32, body: u64) -> Scratch {
        Scratch {
            head: tag as u64 | (kind as u64) << 8 | (high as u64) << 32,
            body,
        }
    }

    fn bool(b: bool) -> Scratch {
        Scratch::new(TAG_BOOL, Kind::Null, 0, b as u64)
    }

    fn int(i: i64) -> Scratch {
        Scratch::new(TAG_INT, Kind::Null, 0, i as u64)
    }

    fn float(f: f64) -> Scratch {
        Scratch::new(TAG_FLOAT, Kind::Null, 0, f.to_bits())
    }

    fn arena(kind: Kind, start: u32, end: u32) -> Scratch {
        Scratch::new(TAG_TEXT, kind, end, start as u64)
    }

    fn borrowed(kind: Kind, s: &str) -> Scratch {
        Scratch::new(TAG_REF, kind, s.len() as u32, s.as_ptr() as u64)
    }

    /// The cell as a value, its text in `arena` or in the record.
    fn cell(self, arena: &str) -> Cell<'_> {
        let high = (self.head >> 32) as usize;
        let kind = Kind::from_u8((self.head >> 8) as u8);
        match self.head as u8 {
            TAG_BOOL => Cell::Bool(self.body != 0),
            TAG_INT => Cell::Int(self.body as i64),
            TAG_FLOAT => Cell::Float(f64::from_bits(self.body)),
            TAG_TEXT => Cell::Text(kind, arena.get(self.body as usize..high).unwrap_or("")),
            // SAFETY: see `TAG_REF`: the record (or static) the text came from is alive,
            // and the address and length are those of a `&str` of it.
            #[allow(unsafe_code)]
            TAG_REF => Cell::Text(kind, unsafe {
                std::str::from_utf8_unchecked(std::slice::from_raw_parts(
                    self.body as usize as *const u8,
                    high,
                ))
            }),
            _ => Cell::Null,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RowMode {
    /// The record's own row; `top` while walking its first level.
    Main { top: bool },
    /// An array item's row.
    Item,
}

#[derive(Debug, Default)]
struct ArrayNode {
    children: FxHashMap<Box<str>, u32>,
    /// The node's own key, and its children by key position.
    key: Box<str>,
    order: KeyOrder,
    table: Option<usize>,
    /// Deterministic-id field for rows of this array (resolved once).
    id_field: Option<Option<String>>,
    /// Lengths of the parent row paths this array (or map) was met under, with whether
    /// it was a map (see `ARRAYS_KEY`).
    parents: Vec<(usize, bool)>,
    /// Where the path is in the map trie.
    trie: TriePos,
    /// Sanitized array key (`__array_field`) and raw array path, computed once.
    names: Option<(Arc<str>, Arc<str>)>,
}

/// Turns records into relational tables, incrementally.
///
/// Feed records with [`Flattener::push`] (or raw JSON with [`Flattener::push_json`]);
/// take finished Arrow batches with [`Flattener::take_batches`] whenever convenient.
/// Column names, column order (first seen) and collision suffixes are fixed for the
/// whole run, so every batch's schema extends the previous one of its table.
#[derive(Debug)]
pub struct Flattener {
    cfg: Config,
    entity: String,
    entity_sanitized: String,
    namer: naming::Namer,
    tables: Vec<Table>,
    /// Tables that got a row in the record being flattened.
    touched: Vec<usize>,
    /// Child tables by the array path that owns them.
    table_owners: FxHashMap<String, usize>,
    arrays: Vec<ArrayNode>,
    time_cell: OwnedCell,
    report: Report,
    records: u64,
    root_id_field: Option<String>,
    // Scratch space reused by every row.
    arena: String,
    cells: Vec<(u32, Scratch)>,
    deferred: Vec<(u32, Scratch)>,
    id_pool: Vec<String>,
    // Scratch for the text that position/content ids hash.
    id_key: String,
    // Child rows made so far for the current record (position ids).
    child_seq: u64,
    // Lossless runs: the row's `__empty` entries so far (a JSON list once non-empty).
    empties: String,
    /// The map paths (`Config::map_paths`).
    trie: MapTrie,
    /// The record `push_json` reads.
    tape: Tape,
    /// The data columns made and the records that made them, when kept
    /// ([`Flattener::keep_made`]).
    made: Option<Vec<ColumnMade>>,
}

/// One array item or map entry about to become a child row.
struct Item<'v> {
    /// The array's (or map's) key.
    key: &'v str,
    /// Map entries: the entry's key.
    map_key: Option<&'v str>,
    /// Position in the array or map.
    index: usize,
    /// The array's node.
    node: u32,
    /// Length of the path of the row owning the array.
    parent_len: usize,
}

/// What walking a row's fields found for child rows, in document order. The child rows
/// are made once the row is committed (its id is known) from this list, instead of a
/// second walk of the whole record.
#[derive(Clone, Copy)]
enum SiteKind {
    Array,
    Map,
    /// An object below the depth limit: its fields were not walked, so its arrays are
    /// looked for with [`Flattener::extract_arrays`].
    Deep,
}

#[derive(Clone, Copy)]
struct Site<'v, N> {
    kind: SiteKind,
    value: N,
    key: &'v str,
    /// The value's node in `Flattener::arrays`.
    node: u32,
    /// The keys from the row down to the value's parent: `Sites::keys[start..end]`.
    keys: (u32, u32),
}

/// The sites of the rows being made; a row's sites sit above those of its ancestors.
struct Sites<'v, N> {
    list: Vec<Site<'v, N>>,
    keys: Vec<&'v str>,
}

impl<'v, N> Sites<'v, N> {
    fn new() -> Self {
        Sites {
            list: Vec::new(),
            keys: Vec::new(),
        }
    }

    fn mark(&self) -> (usize, usize) {
        (self.list.len(), self.keys.len())
    }

    fn push(&mut self, kind: SiteKind, value: N, key: &'v str, node: u32, parents: &[&'v str]) {
        let start = self.keys.len() as u32;
        self.keys.extend_from_slice(parents);
        self.list.push(Site {
            kind,
            value,
            key,
            node,
            keys: (start, self.keys.len() as u32),
        });
    }
}

/// Metadata of one row about to be committed.
struct RowMeta<'a> {
    id: &'a str,
    parent: Option<&'a str>,
    array: Option<(&'a str, i64)>,
    /// Rows of maps: the entry's key.
    key: Option<&'a str>,
}

impl Flattener {
    /// A flattener for entity `entity` (the main table's name).
    pub fn new(entity: &str, cfg: Config) -> Result<Self> {
        cfg.validate()?;
        let cfg = cfg.effective();
        ids::reseed_if_forked();
        let timestamp = cfg
            .extract_time
            .clone()
            .unwrap_or_else(|| Value::Str(ids::now_timestamp().into()));
        let root_id_field = match &cfg.id_mode {
            IdMode::Deterministic(IdSource::Field(f)) => Some(f.clone()),
            IdMode::Deterministic(IdSource::Map(m)) => ["", "*", entity]
                .iter()
                .find_map(|k| m.iter().find(|(key, _)| key == k).map(|(_, f)| f.clone())),
            _ => None,
        };
        let mut meta = vec![
            (Role::Id, cfg.id_field.as_str()),
            (Role::Time, &cfg.time_field),
        ];
        if cfg.lossless {
            meta.push((Role::Empty, EMPTY_FIELD));
        }
        let trie = MapTrie::new(&cfg.map_paths);
        let mut main = Table::new(Arc::from(entity), &meta);
        main.set_root_trie(trie.root());
        Ok(Flattener {
            entity_sanitized: naming::sanitize(entity, "_"),
            namer: naming::Namer {
                style: cfg.naming,
                sep: cfg.separator.clone(),
                threshold: cfg.deeply_nested_threshold,
                max_len: cfg.max_name_length,
            },
            table_owners: FxHashMap::default(),
            entity: entity.to_string(),
            tables: vec![main],
            touched: Vec::new(),
            arrays: vec![ArrayNode {
                trie: trie.root(),
                ..ArrayNode::default()
            }],
            time_cell: OwnedCell::from_value(&timestamp),
            report: Report::default(),
            records: 0,
            root_id_field,
            arena: String::new(),
            cells: Vec::new(),
            deferred: Vec::new(),
            id_pool: Vec::new(),
            id_key: String::new(),
            child_seq: 0,
            empties: String::new(),
            made: None,
            trie,
            tape: Tape::new(),
            cfg,
        })
    }

    /// The options in use.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The entity (main table) name.
    pub fn entity(&self) -> &str {
        &self.entity
    }

    /// Records accepted so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Collisions, truncations and skipped records seen so far.
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// Table names in creation order, main first.
    pub fn table_names(&self) -> Vec<Arc<str>> {
        self.tables.iter().map(|t| t.name.clone()).collect()
    }

    /// The current schema of a table (columns seen so far, widened types).
    pub fn schema(&self, table: &str) -> Option<SchemaRef> {
        self.tables
            .iter()
            .find(|t| &*t.name == table)
            .map(Table::schema)
    }

    /// Takes every table's buffered rows as batches, in table creation order.
    pub fn take_batches(&mut self) -> Vec<TableBatch> {
        self.tables
            .iter_mut()
            .filter_map(Table::finish_batch)
            .collect()
    }

    /// Parses one JSON document and processes it as one record.
    pub fn push_json(&mut self, text: &[u8], location: Location) -> Result<()> {
        // Onto a tape first (no tree: no allocation per object); whatever the tape's
        // reading leaves open (bad text, inexact numbers) goes the exact way below.
        // The scanner skips trailing white space itself.
        let mut tape = std::mem::take(&mut self.tape);
        tape.clear();
        tape.keep_float_text(self.cfg.cast_to_string);
        if tape.parse_record(text) {
            let pushed = match tape.records().next() {
                Some(record) => self.push(record, location),
                None => Ok(()),
            };
            // Kept for the next record, unless one huge record grew it.
            if tape.byte_len() <= MAX_KEPT_TAPE {
                self.tape = tape;
            }
            return pushed;
        }
        self.tape = tape;
        // Trailing newlines would move "EOF" errors to the next line. (Found from the
        // end only here: the record's last bytes are not in cache before it is read.)
        let end = text
            .iter()
            .rposition(|b| !value::is_json_space(b))
            .map_or(0, |i| i + 1);
        match value::parse(&text[..end]) {
            Ok(v) => self.push(&v, location),
            Err(e) => {
                let err = Error::Parse {
                    location: Location {
                        line: location.line.map(|l| l + e.line as u64 - 1),
                        ..location
                    },
                    column: e.column,
                    message: e.message,
                };
                self.recover(err)
            }
        }
    }

    /// Handles a bad record according to the recovery strategy.
    pub fn recover(&mut self, err: Error) -> Result<()> {
        match self.cfg.recovery {
            Recovery::Strict => Err(err),
            Recovery::Skip | Recovery::Partial => {
                self.report.skipped(Skipped::from_error(&err));
                Ok(())
            }
        }
    }

    /// Processes one record: a main row plus child rows for its arrays. `record` is any
    /// document model ([`Node`]): a parsed [`Value`], Python objects, ...
    pub fn push<'a, N: Node<'a>>(&mut self, record: N, location: Location) -> Result<()> {
        let view = record.view();
        if !matches!(view, View::Object { .. }) {
            let err = Error::NotAnObject {
                location,
                found: view.type_name(),
            };
            return self.recover(err);
        }
        self.start_row(0);
        let mut path = Vec::new();
        let mut sites = Sites::new();
        let max_depth = self.cfg.max_depth;
        self.flatten_fields(
            0,
            record,
            (0, 0),
            0,
            max_depth,
            &mut path,
            RowMode::Main { top: true },
            &mut sites,
            &location,
        )?;
        let deferred = std::mem::take(&mut self.deferred);
        self.cells.extend_from_slice(&deferred);
        self.deferred = deferred;
        self.deferred.clear();
        // Id buffers are reused: one row's id lives until its children are done.
        let mut id = self.id_pool.pop().unwrap_or_default();
        match &self.cfg.id_mode {
            IdMode::Random => ids::push_random(&mut id),
            IdMode::ContentHash => {
                let text = canonical_json(record).map_err(|e| bad_node(e, &location))?;
                ids::push_uuid5(&mut id, &text)
            }
            IdMode::Position => {
                let origin = location.origin.as_ref().or(location.source.as_ref());
                let origin = origin.map_or("", |s| &**s);
                self.id_key.clear();
                // Records read from bytes are named by their offset (the same however a
                // file is split), records handed over in memory by their index.
                let _ = match location.offset {
                    Some(offset) => write!(self.id_key, "{origin}\u{1f}@{offset}"),
                    None => write!(self.id_key, "{origin}\u{1f}{}", location.record),
                };
                ids::push_uuid5(&mut id, &self.id_key);
            }
            IdMode::Deterministic(_) => {
                let field = self.root_id_field.clone();
                self.push_field_id(0, field.as_deref(), &mut id);
            }
        }
        self.commit(
            0,
            &RowMeta {
                id: &id,
                parent: None,
                array: None,
                key: None,
            },
        );
        self.records += 1;
        self.child_seq = 0;
        let mut raw_path = Vec::new();
        self.child_rows(&mut sites, (0, 0), &id, &mut raw_path, &location)?;
        id.clear();
        self.id_pool.push(id);
        self.seal_large_tables();
        Ok(())
    }

    /// Finishes the batches of the tables the record grew whose text nears 1 GiB: the
    /// caller takes them with the next `take_batches`; keeping them separate keeps every
    /// Utf8 array below 2 GiB. Only the record's tables are looked at: with thousands of
    /// tables, checking every one after each record took a third of the run.
    fn seal_large_tables(&mut self) {
        for t in self.touched.drain(..) {
            let table = &mut self.tables[t];
            table.touched = false;
            if table.text_bytes() > MAX_BATCH_TEXT {
                if let Some(b) = table.finish_batch() {
                    self.report.sealed.push(b);
                }
            }
        }
    }

    /// Keeps the details of every skipped record (by default only the first 1000 are
    /// listed): for callers that drain the report often, e.g. into an errors file.
    pub fn keep_all_skipped(&mut self) {
        self.report.keep_all_skipped = true;
    }

    /// Logs each data column made with the record that made it, for
    /// [`Flattener::take_made`]: a run whose threads' tables together pass the column
    /// limit names the record that made the column past it.
    pub fn keep_made(&mut self) {
        self.made.get_or_insert_with(Vec::new);
    }

    /// The columns made since the last call (empty unless [`Flattener::keep_made`]).
    pub fn take_made(&mut self) -> Vec<ColumnMade> {
        self.made.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// Takes what was reported since the last call (collisions, truncations, skipped
    /// records), leaving an empty report.
    pub fn take_report(&mut self) -> Report {
        let sealed = std::mem::take(&mut self.report.sealed);
        let report = std::mem::take(&mut self.report);
        self.report.sealed = sealed;
        self.report.keep_all_skipped = report.keep_all_skipped;
        report
    }

    /// Batches finished early because they grew too large (see `take_batches`).
    pub fn take_sealed(&mut self) -> Vec<TableBatch> {
        std::mem::take(&mut self.report.sealed)
    }

    fn start_row(&mut self, t: usize) {
        self.cells.clear();
        self.deferred.clear();
        self.arena.clear();
        self.empties.clear();
        self.tables[t].total_rows += 1;
    }

    fn text(&mut self, kind: Kind, s: &str) -> Scratch {
        let start = self.arena.len() as u32;
        crate::small::push_str(&mut self.arena, s);
        Scratch::arena(kind, start, self.arena.len() as u32)
    }

    /// Text of the record: borrowed when the record holds it, else copied.
    fn record_text(&mut self, kind: Kind, s: Cow<'_, str>) -> Scratch {
        match s {
            Cow::Borrowed(b) => Scratch::borrowed(kind, b),
            Cow::Owned(o) => self.text(kind, &o),
        }
    }

    /// Converts a scalar by the cast rules; `None` when the value is dropped (and for
    /// containers, which the callers handle before).
    // Inlined, like `column_for`: returned through memory, their results cost a
    // store-forwarding stall per field (perf: a third of `flatten_fields`).
    #[inline(always)]
    fn leaf<'a, N: Node<'a>>(&mut self, v: View<'a, N>) -> Option<Scratch> {
        let cast = self.cfg.cast_to_string;
        Some(match v {
            View::Null if self.cfg.keep_null_fields => Scratch::NULL,
            View::Null if self.cfg.skip_null => return None,
            View::Null => Scratch::borrowed(Kind::Str, ""),
            View::Str(s) if s.is_empty() && !self.cfg.include_empty => return None,
            View::Str(s) => self.record_text(Kind::Str, s),
            View::Bool(b) if cast => Scratch::borrowed(Kind::Str, if b { "true" } else { "false" }),
            View::Bool(b) => Scratch::bool(b),
            View::Int(i) if cast => {
                let start = self.arena.len() as u32;
                self.arena.push_str(itoa::Buffer::new().format(i));
                Scratch::arena(Kind::Str, start, self.arena.len() as u32)
            }
            View::Int(i) => Scratch::int(i),
            View::BigInt(s) => self.record_text(if cast { Kind::Str } else { Kind::BigInt }, s),
            View::Float(f) if cast && !f.is_finite() => {
                Scratch::borrowed(Kind::Str, "_error_invalid_float")
            }
            View::Float(f) if cast => {
                let start = self.arena.len() as u32;
                push_py_float(&mut self.arena, f);
                Scratch::arena(Kind::Str, start, self.arena.len() as u32)
            }
            View::Float(f) => Scratch::float(f),
            View::FloatText(_, repr) if cast => Scratch::borrowed(Kind::Str, repr),
            View::FloatText(f, _) => Scratch::float(f),
            View::Array { .. } | View::Object { .. } => return None,
        })
    }

    /// A value stored as it is (dunder keys, scalar array items).
    fn raw<'a, N: Node<'a>>(&mut self, v: N, location: &Location) -> Result<Scratch> {
        let view = v.view();
        check_len(&view, location)?;
        Ok(match view {
            View::Null => Scratch::NULL,
            View::Bool(b) => Scratch::bool(b),
            View::Int(i) => Scratch::int(i),
            View::Float(f) | View::FloatText(f, _) => Scratch::float(f),
            View::BigInt(s) => self.record_text(Kind::BigInt, s),
            View::Str(s) => self.record_text(Kind::Str, s),
            View::Array { .. } | View::Object { .. } => self.json_text(v, Kind::Json, location)?,
        })
    }

    fn json_text<'a, N: Node<'a>>(
        &mut self,
        v: N,
        kind: Kind,
        location: &Location,
    ) -> Result<Scratch> {
        let v = v.to_value().map_err(|e| bad_node(e, location))?;
        let start = self.arena.len() as u32;
        push_py_json(&mut self.arena, &v);
        Ok(Scratch::arena(kind, start, self.arena.len() as u32))
    }

    fn repr_text<'a, N: Node<'a>>(&mut self, v: N, location: &Location) -> Result<Scratch> {
        let v = v.to_value().map_err(|e| bad_node(e, location))?;
        let start = self.arena.len() as u32;
        push_py_repr(&mut self.arena, &v);
        Ok(Scratch::arena(Kind::Str, start, self.arena.len() as u32))
    }

    /// The column for the path ending at `node`, creating it on first sight. A name
    /// already owned by another path (or a metadata column) gets `<sep>2`, `<sep>3`...
    /// Lossless runs pass the value's `family`: a path gets one column per family.
    #[inline(always)]
    fn column_for(
        &mut self,
        t: usize,
        node: u32,
        path: &[&str],
        raw_name: bool,
        family: Option<Family>,
        location: &Location,
    ) -> Result<u32> {
        let table = &self.tables[t];
        let serial = table.total_rows;
        let n = &table.nodes[node as usize];
        let cols = &table.columns;
        let usable = |c: &u32, f: Option<Family>| {
            let col = &cols[*c as usize];
            col.last_row != serial && col.family == f
        };
        let mut found = n
            .column
            .iter()
            .chain(&n.dups)
            .copied()
            .find(|c| usable(c, family));
        let mut late = false;
        if found.is_none() && family.is_some() {
            // A path's first column, made by nulls, takes the first family it meets.
            found = n.column.filter(|c| usable(c, None));
            late = found.is_some();
        }
        let c = match found {
            Some(c) => c,
            None => self.new_column(t, node, path, raw_name, family, location)?,
        };
        if late {
            self.family_late(t, c, family, location);
        }
        let col = &mut self.tables[t].columns[c as usize];
        col.family = col.family.or(family);
        col.last_row = serial;
        Ok(c)
    }

    /// Notes that a value gave column `c`, made by nulls, its `family` (`transmog.since`),
    /// and logs it as made here too (see [`Flattener::keep_made`]).
    #[cold]
    fn family_late(&mut self, t: usize, c: u32, family: Option<Family>, location: &Location) {
        let table = &mut self.tables[t];
        let since = (table.columns.len() as u32, table.families_late);
        table.families_late += 1;
        let name = table.name.clone();
        let col = &mut table.columns[c as usize];
        col.since = Some(since);
        if let (Some(made), Some(src)) = (&mut self.made, &col.source) {
            let entry = ColumnMade {
                table: name,
                path: src.path_json.clone(),
                occurrence: src.occurrence,
                raw: src.raw,
                family: None,
                late: false,
                location: location.clone(),
            };
            let same = |m: &ColumnMade| {
                m.table == entry.table
                    && m.path == entry.path
                    && m.occurrence == entry.occurrence
                    && m.raw == entry.raw
                    && m.family.is_none()
            };
            if let Some(made_at_nulls) = made.iter_mut().rev().find(|m| same(m)) {
                made_at_nulls.family = family;
            }
            made.push(ColumnMade {
                family,
                late: true,
                ..entry
            });
        }
    }

    /// Lossless runs: a null gives its path a column (NULL) if it has none; `__empty`
    /// is what records it. No cell: which of a path's columns it would go to would depend
    /// on what the flattener met before, and runs must not depend on that.
    fn null_column(
        &mut self,
        t: usize,
        node: u32,
        path: &[&str],
        location: &Location,
    ) -> Result<()> {
        if self.tables[t].nodes[node as usize].column.is_none() {
            self.new_column(t, node, path, false, None, location)?;
        }
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn new_column(
        &mut self,
        t: usize,
        node: u32,
        path: &[&str],
        raw_name: bool,
        family: Option<Family>,
        location: &Location,
    ) -> Result<u32> {
        if let Some(saved) = self.cfg.known.as_ref() {
            let table = &self.tables[t];
            let key = table.owner.as_ref().map_or("", |o| o.path_json.as_str());
            let column = path_json(path.iter().copied());
            let what = if !saved.tables.contains(key) {
                let owner: Vec<String> = serde_json::from_str(key).unwrap_or_default();
                Some(("new table", owner.join("."), saved.frozen_new_tables))
            } else if !saved.columns.contains(&(key.to_string(), column.clone())) {
                Some(("new column", path.join("."), saved.frozen.contains(key)))
            } else {
                None
            };
            if let Some((what, shown, frozen)) = what {
                if frozen {
                    return Err(Error::SchemaFrozen {
                        location: location.clone(),
                        what: format!("{what} `{shown}` (table '{}')", table.name),
                    });
                }
                let key = key.to_string();
                self.report.first_new.push((key, column, location.clone()));
            }
        }
        if self.tables[t].columns.len() >= self.cfg.max_columns {
            return Err(Error::TooManyColumns {
                location: location.clone(),
                table: self.tables[t].name.to_string(),
                limit: self.cfg.max_columns,
            });
        }
        let (base, shortened) = if raw_name {
            (path.last().copied().unwrap_or("").to_string(), false)
        } else if path.is_empty() {
            // Lossless runs: a scalar array item itself.
            ("value".to_string(), false)
        } else {
            self.namer.field(path)
        };
        let table = &mut self.tables[t];
        let n = &table.nodes[node as usize];
        let family_of = |c: &u32| table.columns[*c as usize].family;
        let primary = n.column.map(|c| family_of(&c));
        let occurrence = n
            .column
            .iter()
            .chain(&n.dups)
            .filter(|c| family_of(c) == family)
            .count();
        // The path's first family has the plain name, the others `<name>__<family>`.
        let wanted = match (primary, family) {
            (Some(p), Some(f)) if p != Some(f) => format!("{base}__{}", f.as_str()),
            _ => base.clone(),
        };
        let name = table.free_name(&wanted, &self.cfg.separator);
        if name != wanted {
            self.report
                .collision(&table.name, &path.join(&self.cfg.separator), &wanted, &name);
        }
        if shortened {
            self.report.shortened_count += 1;
        }
        let source = Source {
            path_json: path_json(path.iter().copied()),
            neighbours: None,
            base,
            occurrence,
            raw: raw_name,
            shortened,
        };
        if let Some(made) = &mut self.made {
            made.push(ColumnMade {
                table: table.name.clone(),
                path: source.path_json.clone(),
                occurrence,
                raw: raw_name,
                family,
                late: false,
                location: location.clone(),
            });
        }
        let c = table.add_source_column(name, None, Some(source));
        table.columns[c as usize].family = family;
        let n = &mut table.nodes[node as usize];
        if n.column.is_none() {
            n.column = Some(c);
        } else {
            n.dups.push(c);
        }
        Ok(c)
    }

    /// Lossless runs: records a null or empty container (`value`, JSON) at `path` of
    /// the row being built ([`Role::Empty`]).
    fn note_empty(&mut self, path: &[&str], value: &str) {
        self.empties
            .push(if self.empties.is_empty() { '[' } else { ',' });
        self.empties.push('[');
        for k in path {
            crate::text::push_json_string(&mut self.empties, k, false);
            self.empties.push(',');
        }
        self.empties.push_str(value);
        self.empties.push(']');
    }

    #[allow(clippy::too_many_arguments)]
    /// Walks an object's fields into the row being built. `nodes` are the object's node
    /// in table `t` and in `arrays`; arrays and maps met (and objects past the depth
    /// limit) are noted in `sites` for [`Flattener::child_rows`].
    fn flatten_fields<'v, N: Node<'v>>(
        &mut self,
        t: usize,
        object: N,
        nodes: (u32, u32),
        depth: usize,
        max_depth: usize,
        path: &mut Vec<&'v str>,
        mode: RowMode,
        sites: &mut Sites<'v, N>,
        location: &Location,
    ) -> Result<()> {
        let View::Object { entries, .. } = object.view() else {
            return Ok(());
        };
        let (node, anode) = nodes;
        let top = mode == RowMode::Main { top: true };
        let in_main = matches!(mode, RowMode::Main { .. });
        let lossless = self.cfg.lossless;
        let visit = self.cfg.visit_arrays;
        for (pos, entry) in entries.enumerate() {
            let (key, v) = entry.map_err(|e| bad_node(e, location))?;
            if !lossless && key.starts_with("__") {
                // 1.0.6 treats these as metadata: copied raw and hoisted to the row's top.
                let n = self.tables[t].child_node(0, key);
                let c = self.column_for(t, n, &[key], true, None, location)?;
                let cell = self.raw(v, location)?;
                self.cells.push((c, cell));
                continue;
            }
            let child = self.tables[t].child_node_at(node, pos, key);
            path.push(key);
            match v.view() {
                View::Object { len: 0, .. } if lossless => self.note_empty(path, "{}"),
                View::Object { len: 0, .. } => {}
                // A map becomes a child table.
                View::Object { .. } if self.field_is_map(t, node, child, key) => {
                    if visit {
                        let a = self.array_child(anode, pos, key);
                        sites.push(SiteKind::Map, v, key, a, &path[..path.len() - 1]);
                    }
                }
                View::Object { .. } => {
                    let a = if visit {
                        self.array_child(anode, pos, key)
                    } else {
                        0
                    };
                    if depth + 1 >= max_depth {
                        self.report.truncated(&self.tables[t].name, &path.join("."));
                        if visit {
                            sites.push(SiteKind::Deep, v, key, a, &path[..path.len() - 1]);
                        }
                    } else {
                        self.flatten_fields(
                            t,
                            v,
                            (child, a),
                            depth + 1,
                            max_depth,
                            path,
                            if in_main {
                                RowMode::Main { top: false }
                            } else {
                                RowMode::Item
                            },
                            sites,
                            location,
                        )?;
                        if top && self.cfg.keep_arrays {
                            // 1.0.6 quirk: with keep_arrays, top-level objects are also
                            // kept whole as JSON text after the flattened fields.
                            let c = self.column_for(t, child, path, false, None, location)?;
                            let cell = self.json_or_raw(v, location)?;
                            self.deferred.push((c, cell));
                        }
                    }
                }
                View::Array { len: 0, .. } if lossless => self.note_empty(path, "[]"),
                View::Array { len: 0, .. } => {}
                View::Array { .. } => {
                    if visit {
                        let a = self.array_child(anode, pos, key);
                        sites.push(SiteKind::Array, v, key, a, &path[..path.len() - 1]);
                    }
                    if in_main && (!visit || (self.cfg.keep_arrays && top)) {
                        let c = self.column_for(t, child, path, false, None, location)?;
                        let cell = self.json_or_raw(v, location)?;
                        if top {
                            self.deferred.push((c, cell));
                        } else {
                            self.cells.push((c, cell));
                        }
                    } else if in_main && self.cfg.keep_arrays {
                        // 1.0.6 quirk: arrays under nested objects appear as Python repr.
                        let c = self.column_for(t, child, path, false, None, location)?;
                        let cell = if self.cfg.cast_to_string {
                            self.repr_text(v, location)?
                        } else {
                            self.json_text(v, Kind::Json, location)?
                        };
                        self.cells.push((c, cell));
                    }
                }
                View::Null if lossless => {
                    self.null_column(t, child, path, location)?;
                    self.note_empty(path, "null");
                }
                leaf if lossless => {
                    check_len(&leaf, location)?;
                    let family = family_of(&leaf);
                    if let Some(cell) = self.leaf(leaf) {
                        let c = self.column_for(t, child, path, false, family, location)?;
                        self.cells.push((c, cell));
                    }
                }
                leaf => {
                    check_len(&leaf, location)?;
                    if let Some(cell) = self.leaf(leaf) {
                        let c = self.column_for(t, child, path, false, None, location)?;
                        self.cells.push((c, cell));
                    }
                }
            }
            path.pop();
        }
        Ok(())
    }

    /// Whole arrays/objects kept in a row: JSON text when casting, else the value.
    fn json_or_raw<'a, N: Node<'a>>(&mut self, v: N, location: &Location) -> Result<Scratch> {
        let kind = if self.cfg.cast_to_string {
            Kind::Str
        } else {
            Kind::Json
        };
        self.json_text(v, kind, location)
    }

    /// Makes the child rows of the sites noted since `mark` by the row just committed
    /// (id `parent_id`, path `raw_path`), in document order, then forgets those sites.
    fn child_rows<'v, N: Node<'v>>(
        &mut self,
        sites: &mut Sites<'v, N>,
        mark: (usize, usize),
        parent_id: &str,
        raw_path: &mut Vec<&'v str>,
        location: &Location,
    ) -> Result<()> {
        let parent_len = raw_path.len();
        for i in mark.0..sites.list.len() {
            let site = sites.list[i];
            raw_path.truncate(parent_len);
            raw_path.extend_from_slice(&sites.keys[site.keys.0 as usize..site.keys.1 as usize]);
            match site.kind {
                SiteKind::Array | SiteKind::Map => {
                    let map = matches!(site.kind, SiteKind::Map);
                    self.item_rows(
                        site.key, site.value, map, parent_id, site.node, parent_len, raw_path,
                        sites, location,
                    )?;
                }
                SiteKind::Deep => {
                    raw_path.push(site.key);
                    self.extract_arrays(
                        site.value, parent_id, site.node, parent_len, raw_path, sites, location,
                    )?;
                }
            }
        }
        raw_path.truncate(parent_len);
        sites.list.truncate(mark.0);
        sites.keys.truncate(mark.1);
        Ok(())
    }

    /// The child rows below an object whose fields were not walked (past the depth
    /// limit): a walk of its own.
    #[allow(clippy::too_many_arguments)]
    fn extract_arrays<'v, N: Node<'v>>(
        &mut self,
        object: N,
        parent_id: &str,
        node: u32,
        parent_len: usize,
        raw_path: &mut Vec<&'v str>,
        sites: &mut Sites<'v, N>,
        location: &Location,
    ) -> Result<()> {
        let View::Object { entries, .. } = object.view() else {
            return Ok(());
        };
        for (pos, entry) in entries.enumerate() {
            let (key, v) = entry.map_err(|e| bad_node(e, location))?;
            if !self.cfg.lossless && key.starts_with("__") {
                continue;
            }
            match v.view() {
                View::Object { len, .. } if len > 0 => {
                    let child = self.array_child(node, pos, key);
                    if self.trie.is_map(self.arrays[child as usize].trie) {
                        self.item_rows(
                            key, v, true, parent_id, child, parent_len, raw_path, sites, location,
                        )?;
                        continue;
                    }
                    raw_path.push(key);
                    self.extract_arrays(
                        v, parent_id, child, parent_len, raw_path, sites, location,
                    )?;
                    raw_path.pop();
                }
                View::Array { len, .. } if len > 0 => {
                    let child = self.array_child(node, pos, key);
                    self.item_rows(
                        key, v, false, parent_id, child, parent_len, raw_path, sites, location,
                    )?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn array_child(&mut self, node: u32, pos: usize, key: &str) -> u32 {
        let arrays = &self.arrays;
        let key_of = |c: u32| arrays.get(c as usize).map(|n| &*n.key);
        if let Some(c) = arrays[node as usize].order.predict(pos, key, key_of) {
            return c;
        }
        let c = match self.arrays[node as usize].children.get(key) {
            Some(&c) => c,
            None => {
                let c = self.arrays.len() as u32;
                let trie = self.trie.child(self.arrays[node as usize].trie, key);
                self.arrays.push(ArrayNode {
                    key: key.into(),
                    trie,
                    ..ArrayNode::default()
                });
                self.arrays[node as usize].children.insert(key.into(), c);
                c
            }
        };
        self.arrays[node as usize].order.remember(pos, c);
        c
    }

    fn table_for_array(&mut self, node: u32, key: &str, raw_path: &[&str], map: bool) -> usize {
        if let Some(t) = self.arrays[node as usize].table {
            if map {
                self.key_column(t);
            }
            return t;
        }
        let array_key = naming::sanitize(key, &self.cfg.separator);
        let (base, shortened) = self
            .namer
            .table(&self.entity_sanitized, raw_path, &array_key);
        let path_json = path_json(raw_path.iter().copied().chain([key]));
        // One table per array path: another path whose name is taken (abbreviation,
        // sanitizing, separators inside keys) gets `<name>_2`, `_3`, ...
        let t = match self.table_owners.get(&path_json) {
            Some(&t) => t,
            None => {
                let tables = &self.tables;
                let name = naming::free_name(&base, "_", |n| tables.iter().any(|t| *t.name == *n));
                if name != base {
                    self.report.table_renamed(&path_json, &base, &name);
                }
                if shortened {
                    self.report.shortened_count += 1;
                }
                let mut meta = vec![
                    (Role::Id, self.cfg.id_field.as_str()),
                    (Role::Parent, self.cfg.parent_field.as_str()),
                    (Role::Time, self.cfg.time_field.as_str()),
                    (Role::ArrayField, ARRAY_FIELD),
                    (Role::ArrayIndex, ARRAY_INDEX),
                ];
                if self.cfg.lossless {
                    meta.push((Role::Empty, EMPTY_FIELD));
                }
                let mut table = Table::new(Arc::from(name.as_str()), &meta);
                table.set_root_trie(self.arrays[node as usize].trie);
                table.owner = Some(Owner {
                    path_json: path_json.clone(),
                    base,
                    shortened,
                });
                self.tables.push(table);
                self.table_owners.insert(path_json, self.tables.len() - 1);
                self.tables.len() - 1
            }
        };
        self.arrays[node as usize].table = Some(t);
        if map {
            self.key_column(t);
        }
        t
    }

    /// Gives a table the `__key` column of map rows (once).
    fn key_column(&mut self, t: usize) {
        let table = &mut self.tables[t];
        if table.meta.iter().any(|(r, _)| *r == Role::Key) {
            return;
        }
        let name = table.free_name(KEY_FIELD, &self.cfg.separator);
        let c = table.add_column(name, Some(Role::Key));
        table.meta.push((Role::Key, c));
    }

    /// Whether the object at `child` (key `key` below `node`) of table `t` is a map.
    fn field_is_map(&mut self, t: usize, node: u32, child: u32, key: &str) -> bool {
        if self.trie.is_empty() {
            return false;
        }
        let nodes = &mut self.tables[t].nodes;
        if !nodes[child as usize].trie_known {
            let parent = nodes[node as usize].trie;
            nodes[child as usize].trie = self.trie.child(parent, key);
            nodes[child as usize].trie_known = true;
        }
        self.trie.is_map(nodes[child as usize].trie)
    }

    /// The `__array_field` value and the separator-joined path of an array (or map),
    /// lent out (no reference counting per array): give them back with `put_names`.
    fn take_names(&mut self, node: u32, key: &str, raw_path: &[&str]) -> (Arc<str>, Arc<str>) {
        if let Some(names) = self.arrays[node as usize].names.take() {
            return names;
        }
        let sep = &self.cfg.separator;
        let mut path = raw_path.join(sep);
        if !path.is_empty() {
            path.push_str(sep);
        }
        path.push_str(key);
        (naming::sanitize(key, sep).into(), path.into())
    }

    fn put_names(&mut self, node: u32, names: (Arc<str>, Arc<str>)) {
        self.arrays[node as usize].names = Some(names);
    }

    fn child_id_field(&mut self, node: u32, array_path: &str, table: &str) -> Option<String> {
        if let Some(f) = &self.arrays[node as usize].id_field {
            return f.clone();
        }
        let f = match &self.cfg.id_mode {
            IdMode::Deterministic(IdSource::Field(f)) => Some(f.clone()),
            IdMode::Deterministic(IdSource::Map(m)) => [array_path, "*", table, ""]
                .iter()
                .find_map(|k| m.iter().find(|(key, _)| key == k).map(|(_, f)| f.clone())),
            _ => None,
        };
        self.arrays[node as usize].id_field = Some(f.clone());
        f
    }

    /// The items of an array, or the entries of a map (`map`), as rows of its table.
    #[allow(clippy::too_many_arguments)]
    fn item_rows<'v, N: Node<'v>>(
        &mut self,
        key: &'v str,
        value: N,
        map: bool,
        parent_id: &str,
        node: u32,
        parent_len: usize,
        raw_path: &mut Vec<&'v str>,
        sites: &mut Sites<'v, N>,
        location: &Location,
    ) -> Result<()> {
        let names = self.take_names(node, key, raw_path);
        let mut row = |this: &mut Self, index, map_key, item, raw_path: &mut Vec<&'v str>| {
            let at = Item {
                key,
                map_key,
                index,
                node,
                parent_len,
            };
            this.child_row(&at, item, parent_id, raw_path, &names, sites, location)
        };
        match value.view() {
            View::Array { items, .. } if !map => {
                for (index, item) in items.enumerate() {
                    row(self, index, None, item, raw_path)?;
                }
            }
            View::Object { entries, .. } if map => {
                for (index, entry) in entries.enumerate() {
                    let (map_key, item) = entry.map_err(|e| bad_node(e, location))?;
                    row(self, index, Some(map_key), item, raw_path)?;
                }
            }
            _ => {}
        }
        self.put_names(node, names);
        Ok(())
    }

    /// One array item or map entry as a row of the array's table, then its own arrays.
    #[allow(clippy::too_many_arguments)]
    fn child_row<'v, N: Node<'v>>(
        &mut self,
        at: &Item<'v>,
        item: N,
        parent_id: &str,
        raw_path: &mut Vec<&'v str>,
        names: &(Arc<str>, Arc<str>),
        sites: &mut Sites<'v, N>,
        location: &Location,
    ) -> Result<()> {
        let (array_field, array_path) = names;
        let (key, node, parent_len, i) = (at.key, at.node, at.parent_len, at.index);
        let map = at.map_key.is_some();
        let lossless = self.cfg.lossless;
        let (is_object, empty_object) = match item.view() {
            View::Null if self.cfg.skip_null => return Ok(()),
            // An empty object item says nothing; a map entry's key does.
            View::Object { len: 0, .. } if !lossless && !map => return Ok(()),
            View::Object { len, .. } => (true, len == 0),
            _ => (false, false),
        };
        let t = self.table_for_array(node, key, raw_path, map);
        if !self.arrays[node as usize]
            .parents
            .contains(&(parent_len, map))
        {
            // Unflatten needs every (array, parent row) combination the table holds.
            self.arrays[node as usize].parents.push((parent_len, map));
            let mut path = raw_path.clone();
            path.push(key);
            self.tables[t].add_array(&path, parent_len, array_field, map);
        }
        self.start_row(t);
        let mark = sites.mark();
        if is_object {
            if empty_object {
                self.note_empty(&[], "{}");
            }
            let mut path = Vec::new();
            self.flatten_fields(
                t,
                item,
                (0, node),
                0,
                if lossless {
                    usize::MAX
                } else {
                    CHILD_MAX_DEPTH
                },
                &mut path,
                RowMode::Item,
                sites,
                location,
            )?;
        } else if lossless {
            // The item itself is the value: path `[]` (a field `value` of object
            // items is another path), one column per family; a null has no cell.
            let view = item.view();
            check_len(&view, location)?;
            match family_of(&view) {
                None => self.null_column(t, 0, &[], location)?,
                family => {
                    let c = self.column_for(t, 0, &[], false, family, location)?;
                    let cell = self.raw(item, location)?;
                    self.cells.push((c, cell));
                }
            }
        } else {
            let n = self.tables[t].child_node(0, "value");
            let c = self.column_for(t, n, &["value"], false, None, location)?;
            let cell = self.raw(item, location)?;
            self.cells.push((c, cell));
        }
        let mut id = self.id_pool.pop().unwrap_or_default();
        match &self.cfg.id_mode {
            IdMode::Random => ids::push_random(&mut id),
            IdMode::ContentHash => {
                // The rank keeps two arrays on one path with equal items apart.
                let item = canonical_json(item).map_err(|e| bad_node(e, location))?;
                let key = format!(
                    "{parent_id}\u{1f}{array_path}\u{1f}{i}\u{1f}{}\u{1f}{}{item}",
                    self.child_seq,
                    at.map_key.unwrap_or(""),
                );
                ids::push_uuid5(&mut id, &key);
                self.child_seq += 1;
            }
            IdMode::Position => {
                // The child's rank in its record, not its array path: two arrays can
                // share a path (repeated keys, `a_b` vs `a.b`).
                self.id_key.clear();
                let _ = write!(self.id_key, "{parent_id}\u{1f}{}", self.child_seq);
                ids::push_uuid5(&mut id, &self.id_key);
                self.child_seq += 1;
            }
            IdMode::Deterministic(_) => {
                let table_name = self.tables[t].name.clone();
                let field = self.child_id_field(node, array_path, &table_name);
                self.push_field_id(t, field.as_deref(), &mut id);
            }
        }
        self.commit(
            t,
            &RowMeta {
                id: &id,
                parent: Some(parent_id),
                array: Some((array_field, i as i64)),
                key: at.map_key,
            },
        );
        if is_object {
            raw_path.push(key);
            self.child_rows(sites, mark, &id, raw_path, location)?;
            raw_path.pop();
        }
        id.clear();
        self.id_pool.push(id);
        Ok(())
    }

    /// uuid5 of the named field of the row in scratch, or a random id when the field is
    /// missing or falsy (1.0.6's rule).
    fn push_field_id(&self, t: usize, field: Option<&str>, out: &mut String) {
        let table = &self.tables[t];
        let value = field.and_then(|f| {
            self.cells
                .iter()
                .find(|(c, _)| table.columns[*c as usize].name == f)
                .map(|(_, s)| *s)
        });
        let key = value.and_then(|s| match s.cell(&self.arena) {
            Cell::Null => None,
            Cell::Bool(b) => b.then(|| "True".to_string()),
            Cell::Int(i) => (i != 0).then(|| i.to_string()),
            Cell::Float(f) => (f != 0.0).then(|| crate::text::py_float(f)),
            Cell::Text(_, text) => (!text.is_empty()).then(|| text.to_string()),
        });
        match key {
            Some(k) => ids::push_uuid5(out, &ids::deterministic_key(&k)),
            None => ids::push_random(out),
        }
    }

    fn commit(&mut self, t: usize, meta: &RowMeta<'_>) {
        if !self.empties.is_empty() {
            self.empties.push(']');
        }
        let table = &mut self.tables[t];
        if !table.touched {
            table.touched = true;
            self.touched.push(t);
        }
        if table.fresh > 0 {
            note_neighbours(table, &self.cells);
        }
        let row = table.rows;
        if row == 0 {
            for c in &mut table.columns {
                c.builder.reserve_like_last();
            }
        }
        for (c, s) in &self.cells {
            let col = &mut table.columns[*c as usize].builder;
            col.pad_to(row);
            match s.cell(&self.arena) {
                Cell::Text(kind, text) => col.push_text(kind, text),
                cell => col.push(cell),
            }
        }
        for &(role, c) in &table.meta {
            let cell = match role {
                Role::Id => Cell::Text(Kind::Str, meta.id),
                Role::Parent => match meta.parent {
                    Some(p) => Cell::Text(Kind::Str, p),
                    None => continue,
                },
                Role::Time => self.time_cell.cell(),
                Role::ArrayField => match meta.array {
                    Some((f, _)) => Cell::Text(Kind::Str, f),
                    None => continue,
                },
                Role::ArrayIndex => match meta.array {
                    Some((_, i)) => Cell::Int(i),
                    None => continue,
                },
                Role::Key => match meta.key {
                    Some(k) => Cell::Text(Kind::Str, k),
                    None => continue,
                },
                Role::Empty if self.empties.is_empty() => continue,
                Role::Empty => Cell::Text(Kind::Str, &self.empties),
            };
            let col = &mut table.columns[c as usize].builder;
            col.pad_to(row);
            col.push(cell);
        }
        table.rows += 1;
    }
}

/// Notes, for each column getting its first value in this row, the columns around it
/// (the row's cells are in the order its keys are listed).
#[cold]
fn note_neighbours(table: &mut Table, cells: &[(u32, Scratch)]) {
    let path_at = |table: &Table, i: Option<usize>| {
        i.and_then(|i| cells.get(i))
            .and_then(|&(c, _)| table.columns[c as usize].source.as_ref())
            .map_or_else(String::new, |s| s.path_json.clone())
    };
    for (i, &(c, _)) in cells.iter().enumerate() {
        if !table.columns[c as usize].fresh {
            continue;
        }
        let after = path_at(table, i.checked_sub(1));
        let before = path_at(table, Some(i + 1));
        let col = &mut table.columns[c as usize];
        col.fresh = false;
        table.fresh -= 1;
        if let Some(s) = &mut col.source {
            s.neighbours = Some((after, before));
        }
    }
}

/// The column family of a scalar (arrays and objects: kept whole as JSON); `None` for null.
fn family_of<'a, N: Node<'a>>(v: &View<'a, N>) -> Option<Family> {
    Some(match v {
        View::Null => return None,
        View::Bool(_) => Family::Bool,
        View::Int(_) | View::BigInt(_) | View::Float(_) | View::FloatText(..) => Family::Number,
        View::Str(_) => Family::Text,
        View::Array { .. } | View::Object { .. } => Family::Json,
    })
}

/// JSON text with object keys sorted (recursively): equal content, equal text.
pub fn canonical_json<'a, N: Node<'a>>(v: N) -> std::result::Result<String, NodeError> {
    let mut s = String::new();
    push_json(&mut s, &v.to_value()?.sorted_keys());
    Ok(s)
}

/// Text values are counted in 32 bits (and Arrow holds at most 2 GiB per batch).
fn check_len<'a, N: Node<'a>>(v: &View<'a, N>, location: &Location) -> Result<()> {
    let len = match v {
        View::Str(s) | View::BigInt(s) => s.len(),
        _ => 0,
    };
    if len > i32::MAX as usize {
        return Err(Error::InvalidRecord {
            location: location.clone(),
            message: format!("a value of {len} bytes is longer than the 2 GiB a column holds"),
        });
    }
    Ok(())
}

/// Raw keys as a JSON list (the path metadata of columns and tables).
fn path_json<'k>(keys: impl Iterator<Item = &'k str>) -> String {
    let mut out = String::from("[");
    for (i, k) in keys.enumerate() {
        if i > 0 {
            out.push(',');
        }
        crate::text::push_json_string(&mut out, k, false);
    }
    out.push(']');
    out
}

/// A record whose document cannot be read as JSON (1.0.6 fails it in every mode).
fn bad_node(e: NodeError, location: &Location) -> Error {
    Error::InvalidRecord {
        location: location.clone(),
        message: e.0,
    }
}
