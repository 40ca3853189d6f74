//! Column names for the whole run when several flatteners work on chunks of one input.
//!
//! Each worker's [`Flattener`](crate::Flattener) names columns on its own, so the
//! same path can get different collision suffixes in different workers. The
//! [`NameRegistry`] sees every batch in input order and renames its columns by their
//! source path (field metadata [`PATH_KEY`] and friends): the
//! first path to claim a name owns it for the run, exactly as a single flattener
//! would decide.

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{Schema, SchemaRef};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::naming;
use crate::report::Report;
use crate::table::{
    arrays_json, ColumnMade, Family, TableBatch, ARRAYS_KEY, BASE_KEY, FAMILY_KEY, OCCURRENCE_KEY,
    PATH_KEY, RAW_KEY, ROLE_KEY, SHORTENED_KEY, SINCE_KEY, TABLE_BASE_KEY, TABLE_PATH_KEY,
};

/// The columns of one source path (and raw flag) in a table.
#[derive(Default)]
struct PathNames {
    /// Names by (occurrence, family); lossless runs give a path one column per family.
    names: FxHashMap<(usize, Option<Family>), String>,
    /// The family of the path's first column (`None`: only nulls so far), which has the
    /// plain name; the other families get `<name>__<family>`.
    primary: Option<Option<Family>>,
}

/// What identifies a data column across batches: its source path (field metadata
/// [`PATH_KEY`]), whether it is a raw key, its occurrence and family.
struct SourceKey {
    path: String,
    raw: bool,
    occurrence: usize,
    family: Option<Family>,
}

impl SourceKey {
    /// The key in a field's metadata; `None` for metadata columns (no source path).
    fn of(meta: &arrow_schema::Metadata) -> Option<SourceKey> {
        Some(SourceKey {
            path: meta.get(PATH_KEY)?.clone(),
            raw: meta.get(RAW_KEY).is_some_and(|r| r == "true"),
            occurrence: meta
                .get(OCCURRENCE_KEY)
                .and_then(|o| o.parse().ok())
                .unwrap_or(0),
            family: meta.get(FAMILY_KEY).and_then(|f| Family::parse(f)),
        })
    }
}

/// The entries of an [`ARRAYS_KEY`] list, each as written.
fn array_entries(list: &str) -> Vec<String> {
    serde_json::from_str::<Vec<&serde_json::value::RawValue>>(list)
        .unwrap_or_default()
        .into_iter()
        .map(|e| e.get().to_string())
        .collect()
}

#[derive(Default)]
struct TableNames {
    by_source: FxHashMap<(String, bool), PathNames>,
    taken: FxHashSet<String>,
    /// The names in `taken`, in the run's column order.
    order: Vec<String>,
    /// Columns placed where a value gave their family (`transmog.since`), not where the
    /// nulls that made them came: what [`NameRegistry::made_by`] names for them.
    late: FxHashSet<String>,
    /// Run-wide union of the arrays feeding the table ([`ARRAYS_KEY`]), first seen first,
    /// each entry as the flattener wrote it (re-serialized, its keys would come sorted
    /// and the text would differ from one thread's).
    arrays: Vec<String>,
    arrays_json: String,
    /// Bumped whenever a name is given or the arrays change: a schema renamed before
    /// is renamed the same way while it stays.
    generation: u64,
    /// Recent worker schemas with the generation they were renamed at and the result.
    renamed: Vec<Renamed>,
}

impl TableNames {
    fn take(&mut self, name: &str) {
        if self.taken.insert(name.to_string()) {
            self.order.push(name.to_string());
        }
    }
}

struct Renamed {
    input: SchemaRef,
    generation: u64,
    output: Option<Reordered>,
}

/// A worker's schema renamed, its fields in the run's order, and where each came from
/// in the worker's schema when that order is not the worker's.
type Reordered = (SchemaRef, Option<Arc<[usize]>>);

/// Worker schemas remembered per table: one or two per flattening thread is enough
/// (a worker's table keeps its schema `Arc` while its columns do not change).
const RENAMED_KEPT: usize = 16;

/// Run-wide table and column names, decided in input order.
pub struct NameRegistry {
    separator: String,
    tables: FxHashMap<Arc<str>, TableNames>,
    /// Child tables by the array path owning them (schema metadata [`TABLE_PATH_KEY`]).
    table_by_path: FxHashMap<String, Arc<str>>,
    /// Every table name given so far (the main table's included).
    table_names: FxHashSet<Arc<str>>,
    report: Report,
    /// `(table, column)` of the data columns met, once a saved schema was seeded (the
    /// drift report tells saved columns that no record had from the others).
    seen: Option<Columns>,
    /// `Contract::Discard`: what is kept.
    discard: Option<Discard>,
}

/// What a run under [`crate::schema_file::Contract::Discard`] keeps.
struct Discard {
    /// Seeded tables that keep only their seeded columns, with those columns.
    columns: Columns,
    /// Every seeded table.
    seeded: FxHashSet<String>,
    /// Whether a table that was not seeded is dropped.
    new_tables: bool,
}

/// Column names by table (looked up by `&str`, without building keys).
type Columns = FxHashMap<String, FxHashSet<String>>;

impl NameRegistry {
    /// A registry for a run that joins paths with `separator`.
    pub fn new(separator: &str) -> Self {
        NameRegistry {
            separator: separator.to_string(),
            tables: FxHashMap::default(),
            table_by_path: FxHashMap::default(),
            table_names: FxHashSet::default(),
            report: Report::default(),
            seen: None,
            discard: None,
        }
    }

    /// From now on ([`Self::keep`]), the seeded tables that `contracts` bind to discard
    /// keep only their seeded columns, and tables that were not seeded are dropped
    /// when the run's own contract is discard.
    pub fn discard_new(&mut self, contracts: &crate::schema_file::Contracts) {
        use crate::schema_file::Contract;
        let columns = self
            .tables
            .iter()
            .filter(|(t, _)| contracts.of(t) == Contract::Discard)
            .map(|(t, n)| (t.to_string(), n.taken.iter().cloned().collect()))
            .collect();
        self.discard = Some(Discard {
            columns,
            seeded: self.tables.keys().map(|t| t.to_string()).collect(),
            new_tables: contracts.default == Contract::Discard,
        });
    }

    /// A renamed batch without what [`Self::discard_new`] drops (the batch itself, for a
    /// new table); what is dropped is counted in the report.
    pub fn keep(&mut self, b: TableBatch) -> Option<TableBatch> {
        let Some(kept) = &self.discard else {
            return Some(b);
        };
        let Some(columns) = kept.columns.get(&*b.table) else {
            if kept.seeded.contains(&*b.table) || !kept.new_tables {
                return Some(b);
            }
            let name = b.table.to_string();
            if !self.report.discarded.contains(&name) {
                self.report.discarded.push(name);
            }
            self.report.discarded_values += b.batch.num_rows() as u64;
            return None;
        };
        let schema = b.batch.schema();
        let mut keep = Vec::with_capacity(schema.fields().len());
        for (i, f) in schema.fields().iter().enumerate() {
            if columns.contains(f.name()) {
                keep.push(i);
                continue;
            }
            let name = format!("{}.{}", b.table, f.name());
            if !self.report.discarded.contains(&name) {
                self.report.discarded.push(name);
            }
            let column = b.batch.column(i);
            self.report.discarded_values += (column.len() - column.logical_null_count()) as u64;
        }
        if keep.len() == schema.fields().len() {
            return Some(b);
        }
        let batch = b.batch.project(&keep).ok()?;
        let extras = keep
            .iter()
            .filter_map(|&i| b.extras.get(i).cloned())
            .collect();
        Some(TableBatch {
            table: b.table,
            batch,
            extras,
        })
    }

    /// Gives table `table` and its columns the names a saved schema holds for them
    /// (their source paths in the field metadata): later batches with those paths get
    /// the saved names, new paths are named after them by the usual rules. Tables must
    /// be seeded in their saved order, before any batch.
    pub fn seed(&mut self, table: &str, schema: &Schema) {
        let name: Arc<str> = Arc::from(table);
        self.table_names.insert(name.clone());
        if let Some(path) = schema.metadata().get(TABLE_PATH_KEY) {
            self.table_by_path.insert(path.clone(), name.clone());
        }
        self.seen.get_or_insert_with(Columns::default);
        let names = self.tables.entry(name).or_default();
        if let Some(list) = schema.metadata().get(ARRAYS_KEY) {
            for e in array_entries(list) {
                if !names.arrays.contains(&e) {
                    names.arrays.push(e);
                }
            }
            names.arrays_json = arrays_json(&names.arrays);
        }
        names.generation += 1;
        for f in schema.fields() {
            names.take(f.name());
            let Some(SourceKey {
                path,
                raw,
                occurrence,
                family,
            }) = SourceKey::of(f.metadata())
            else {
                continue;
            };
            let entry = names.by_source.entry((path.clone(), raw)).or_default();
            entry.primary.get_or_insert(family);
            entry.names.insert((occurrence, family), f.name().clone());
        }
    }

    /// Whether a batch had the data column `column` of `table` since [`Self::seed`].
    pub fn seen(&self, table: &str, column: &str) -> bool {
        self.seen
            .as_ref()
            .and_then(|s| s.get(table))
            .is_some_and(|columns| columns.contains(column))
    }

    /// Columns renamed because their natural name was taken.
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// Renames a worker's batch (its table and columns) to the run's names. Batches
    /// must come in input order.
    pub fn rename(&mut self, b: TableBatch) -> TableBatch {
        let schema = b.batch.schema();
        let table = self.table_name(&b.table, &schema);
        let Some((schema, order)) = self.rename_schema_ref(&table, &schema) else {
            return TableBatch { table, ..b };
        };
        let Some(order) = order else {
            return match RecordBatch::try_new(schema, b.batch.columns().to_vec()) {
                Ok(batch) => TableBatch { table, batch, ..b },
                // Same arrays, same types: only names changed, so this cannot fail.
                Err(_) => TableBatch { table, ..b },
            };
        };
        let columns = order.iter().map(|&i| b.batch.column(i).clone()).collect();
        match RecordBatch::try_new(schema, columns) {
            Ok(batch) => TableBatch {
                table,
                batch,
                extras: order
                    .iter()
                    .filter_map(|&i| b.extras.get(i).cloned())
                    .collect(),
            },
            // The same arrays in another order, as the schema lists them.
            Err(_) => TableBatch { table, ..b },
        }
    }

    /// How many columns the table `table` has so far, the workers' together (metadata
    /// included).
    pub fn columns(&self, table: &str) -> usize {
        self.tables.get(table).map_or(0, |t| t.taken.len())
    }

    /// Which entry of `made` (the worker's log of the columns it made, its table named
    /// `local`) made column `n` (0-based, in the run's column order) of `batch`'s table,
    /// when `batch` (renamed) has that column and the log says.
    pub fn made_by(
        &self,
        batch: &TableBatch,
        local: &str,
        n: usize,
        made: &[ColumnMade],
    ) -> Option<usize> {
        let name = self.tables.get(&*batch.table)?.order.get(n)?;
        let schema = batch.batch.schema();
        let (_, field) = schema.fields().find(name)?;
        let key = SourceKey::of(field.metadata())?;
        // A column placed where its family came was made, for the run, by that value.
        let late = self.tables.get(&*batch.table)?.late.contains(name);
        made.iter().position(|m| {
            *m.table == *local
                && m.path == key.path
                && m.raw == key.raw
                && m.occurrence == key.occurrence
                && m.family == key.family
                && m.late == late
        })
    }

    /// The run's name for a table a worker named `name`: a child table is named by the
    /// array path owning it ([`TABLE_PATH_KEY`]); the first path to want a name owns it,
    /// another gets `<name>_2`, `_3`, ... (tables without a path keep their name).
    pub fn table_name(&mut self, name: &Arc<str>, schema: &Schema) -> Arc<str> {
        let meta = schema.metadata();
        let (Some(path), Some(base)) = (meta.get(TABLE_PATH_KEY), meta.get(TABLE_BASE_KEY)) else {
            self.table_names.insert(name.clone());
            return name.clone();
        };
        if let Some(given) = self.table_by_path.get(path) {
            return given.clone();
        }
        let names = &self.table_names;
        let given: Arc<str> = naming::free_name(base, "_", |n| names.contains(n)).into();
        if *given != **base {
            self.report.table_renamed(path, base, &given);
        }
        if meta.get(SHORTENED_KEY).is_some_and(|v| v == "true") {
            self.report.shortened_count += 1;
        }
        self.table_names.insert(given.clone());
        self.table_by_path.insert(path.clone(), given.clone());
        given
    }

    /// [`Self::rename_schema`], remembered for the schema `Arc`: a worker hands over
    /// the same `Arc` while its table's columns stay, and renaming thousands of columns
    /// per batch cost a tenth of a run on wide tables.
    fn rename_schema_ref(&mut self, table: &str, schema: &SchemaRef) -> Option<Reordered> {
        if let Some(names) = self.tables.get(table) {
            let hit = names
                .renamed
                .iter()
                .find(|r| Arc::ptr_eq(&r.input, schema) && r.generation == names.generation);
            if let Some(hit) = hit {
                return hit.output.clone();
            }
        }
        let (renamed, order) = self.rename_schema_ordered(table, schema);
        let output = match order {
            None => renamed.map(|s| (s, None)),
            Some(order) => {
                let renamed = renamed.unwrap_or_else(|| Arc::clone(schema));
                // `project` keeps the schema's metadata; the indices are its own.
                let ordered = renamed.project(&order).ok().map(Arc::new);
                ordered.map(|s| (s, Some(Arc::from(order))))
            }
        };
        if let Some(names) = self.tables.get_mut(table) {
            if names.renamed.len() >= RENAMED_KEPT {
                names.renamed.remove(0);
            }
            names.renamed.push(Renamed {
                input: Arc::clone(schema),
                generation: names.generation,
                output: output.clone(),
            });
        }
        output
    }

    /// The run's names for a schema of table `table` (its columns by their source path,
    /// [`PATH_KEY`]), or `None` when it already has them. Schemas must come in input
    /// order: the first path to claim a name owns it. Also used to name the part files
    /// that separate tasks wrote for one job.
    pub fn rename_schema(&mut self, table: &str, schema: &Schema) -> Option<SchemaRef> {
        self.rename_schema_ordered(table, schema).0
    }

    /// [`Self::rename_schema`], and the order to list its fields in when that is not
    /// theirs (indices into `schema`): a column of a path the run already has under
    /// another family, made by a worker's nulls before the value that gave its family,
    /// goes where that value came (field metadata `transmog.since`), as one flattener
    /// makes it there.
    pub fn rename_schema_ordered(
        &mut self,
        table: &str,
        schema: &Schema,
    ) -> (Option<SchemaRef>, Option<Vec<usize>>) {
        let names = self.tables.entry(Arc::from(table)).or_default();
        // Metadata columns own their names, those a table gets later too (`__key`, when
        // an array path turns out to hold maps), and count towards the column limit.
        for f in schema.fields() {
            if f.metadata().contains_key(ROLE_KEY) && !names.taken.contains(f.name()) {
                names.take(f.name());
            }
        }
        let mut changed = false;
        let mut schema_meta = schema.metadata().clone();
        if let Some(list) = schema_meta.get(ARRAYS_KEY) {
            // Each worker only lists the arrays it met; the file needs all of them.
            let entries = array_entries(list);
            let before = names.arrays.len();
            for e in &entries {
                if !names.arrays.contains(e) {
                    names.arrays.push(e.clone());
                }
            }
            if names.arrays.len() != before {
                names.generation += 1;
                names.arrays_json = arrays_json(&names.arrays);
            }
            if entries != names.arrays {
                schema_meta.insert(ARRAYS_KEY.to_string(), names.arrays_json.clone());
                changed = true;
            }
        }
        let mut fields = Vec::with_capacity(schema.fields().len());
        // Names given in this schema: a column that only met nulls is not taken over by
        // a family when its name is already in use here (a repeated key: `{"b": null,
        // "b": false}` gives `b` and `b__bool`, as one flattener does).
        let mut used: FxHashSet<String> = FxHashSet::default();
        // Where each field goes: `(2 i, 0)` for field `i`, `(2 k - 1, n)` for one moved
        // (`k:n` its `transmog.since`).
        let mut places: Vec<(usize, usize)> =
            (0..schema.fields().len()).map(|i| (2 * i, 0)).collect();
        // The names this schema gives (field, name), listed in `order` in the run's order.
        let mut given: Vec<(usize, String)> = Vec::new();
        for (i, f) in schema.fields().iter().enumerate() {
            let meta = f.metadata();
            let Some(SourceKey {
                path,
                raw,
                occurrence,
                family,
            }) = SourceKey::of(meta)
            else {
                fields.push(f.as_ref().clone());
                continue;
            };
            let path = &path;
            let base = meta
                .get(BASE_KEY)
                .cloned()
                .unwrap_or_else(|| f.name().clone());
            let entry = names.by_source.entry((path.clone(), raw)).or_default();
            let path_known = entry.primary.is_some();
            let known = match (entry.primary, family) {
                // A column without a family yet (only nulls) is the path's first column.
                (Some(p), None) => entry
                    .names
                    .get(&(occurrence, p))
                    .or_else(|| entry.names.get(&(occurrence, None))),
                // The first family met by a path whose first column only had nulls.
                (Some(None), Some(f))
                    if occurrence == 0 && !entry.names.contains_key(&(0, Some(f))) =>
                {
                    match entry.names.get(&(occurrence, None)).cloned() {
                        Some(n) if !used.contains(&n) => {
                            names.generation += 1;
                            entry.primary = Some(Some(f));
                            entry.names.insert((occurrence, Some(f)), n);
                            entry.names.get(&(occurrence, Some(f)))
                        }
                        _ => None,
                    }
                }
                _ => entry.names.get(&(occurrence, family)),
            };
            let name = match known {
                Some(n) => n.clone(),
                None => {
                    names.generation += 1;
                    let wanted = match (entry.primary, family) {
                        (Some(p), Some(f)) if p != Some(f) => format!("{base}__{}", f.as_str()),
                        _ => base.clone(),
                    };
                    if entry.primary.is_none() {
                        entry.primary = Some(family);
                    }
                    let name =
                        naming::free_name(&wanted, &self.separator, |n| names.taken.contains(n));
                    if name != wanted {
                        let dotted = serde_json::from_str::<Vec<String>>(path)
                            .map(|p| p.join(&self.separator))
                            .unwrap_or_else(|_| path.clone());
                        self.report.collision(table, &dotted, &wanted, &name);
                    }
                    if meta.get(SHORTENED_KEY).is_some_and(|v| v == "true") {
                        self.report.shortened_count += 1;
                    }
                    if names.taken.insert(name.clone()) {
                        given.push((i, name.clone()));
                    }
                    entry.names.insert((occurrence, family), name.clone());
                    let since = meta.get(SINCE_KEY).and_then(|s| {
                        let (k, n) = s.split_once(':')?;
                        Some((k.parse::<usize>().ok()?, n.parse::<usize>().ok()?))
                    });
                    if let Some((k, n)) = since.filter(|&(k, _)| path_known && k > i) {
                        places[i] = (2 * k - 1, n);
                        names.late.insert(name.clone());
                    }
                    name
                }
            };
            used.insert(name.clone());
            if let Some(seen) = &mut self.seen {
                if !seen.get(table).is_some_and(|c| c.contains(&name)) {
                    seen.entry(table.to_string())
                        .or_default()
                        .insert(name.clone());
                }
            }
            // The base name stays in the files: a job's driver names its tasks' parts
            // by it, as this registry names a run's chunks.
            if name != *f.name() || !meta.contains_key(BASE_KEY) || meta.contains_key(SINCE_KEY) {
                changed = true;
            }
            let mut meta = meta.clone();
            if !meta.contains_key(BASE_KEY) {
                meta.insert(BASE_KEY.to_string(), base);
            }
            meta.remove(SINCE_KEY);
            fields.push(f.as_ref().clone().with_name(name).with_metadata(meta));
        }
        given.sort_by_key(|(i, _)| places[*i]);
        names.order.extend(given.into_iter().map(|(_, name)| name));
        let renamed = changed.then(|| Arc::new(Schema::new_with_metadata(fields, schema_meta)));
        let mut order: Vec<usize> = (0..places.len()).collect();
        order.sort_by_key(|&i| places[i]);
        let moved = order.iter().enumerate().any(|(at, &i)| at != i);
        (renamed, moved.then_some(order))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{value, Config, Flattener, Location};

    fn chunk(docs: &[&str]) -> Vec<TableBatch> {
        let mut f = Flattener::new("t", Config::default()).unwrap();
        for (i, d) in docs.iter().enumerate() {
            f.push(
                &value::parse(d.as_bytes()).unwrap(),
                Location::record(i as u64),
            )
            .unwrap();
        }
        f.take_batches()
    }

    fn names(b: &TableBatch) -> Vec<String> {
        b.batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    fn name_of_path(b: &TableBatch, path: &str) -> String {
        let schema = b.batch.schema();
        let f = schema
            .fields()
            .iter()
            .find(|f| f.metadata().get(PATH_KEY).map(String::as_str) == Some(path));
        f.map(|f| f.name().clone()).unwrap_or_default()
    }

    #[test]
    fn a_seeded_registry_gives_the_saved_names_whatever_the_order() {
        // Day 1: the nested path comes first and owns `a_b`; the literal key gets `a_b_2`.
        let mut day1 = NameRegistry::new("_");
        let first = day1.rename(chunk(&[r#"{"a": {"b": 1}, "a_b": 2}"#]).remove(0));
        assert_eq!(name_of_path(&first, r#"["a","b"]"#), "a_b");
        let saved = first.batch.schema();
        // Day 2 meets them the other way round.
        let day2 = chunk(&[r#"{"a_b": 3, "a": {"b": 4}, "c": 5}"#]).remove(0);
        let plain = NameRegistry::new("_").rename(day2.clone());
        assert_eq!(name_of_path(&plain, r#"["a","b"]"#), "a_b_2");
        let mut seeded = NameRegistry::new("_");
        seeded.seed("t", &saved);
        let kept = seeded.rename(day2);
        assert_eq!(name_of_path(&kept, r#"["a","b"]"#), "a_b");
        assert_eq!(name_of_path(&kept, r#"["a_b"]"#), "a_b_2");
        assert_eq!(name_of_path(&kept, r#"["c"]"#), "c");
        assert!(seeded.seen("t", "c") && seeded.seen("t", "a_b") && !seeded.seen("t", "zz"));
    }

    #[test]
    fn merged_array_lists_read_as_one_flattener_writes_them() {
        let docs = [r#"{"v": {"a": [1, 2]}}"#, r#"{"v": [{"a": [3]}]}"#];
        let last_list = |batches: &[TableBatch]| -> String {
            let b = batches.iter().rfind(|b| &*b.table == "t_v_a").unwrap();
            b.batch.schema().metadata()[ARRAYS_KEY].clone()
        };
        let mut one = Flattener::new("t", Config::default()).unwrap();
        let mut all = Vec::new();
        for d in docs {
            one.push(&value::parse(d.as_bytes()).unwrap(), Location::record(0))
                .unwrap();
            all.extend(one.take_batches());
        }
        // A worker per record, their batches renamed in input order.
        let mut reg = NameRegistry::new("_");
        let mut renamed = Vec::new();
        for d in docs {
            let mut w = Flattener::new("t", Config::default()).unwrap();
            w.push(&value::parse(d.as_bytes()).unwrap(), Location::record(0))
                .unwrap();
            renamed.extend(w.take_batches().into_iter().map(|t| reg.rename(t)));
        }
        let want = last_list(&all);
        assert!(want.starts_with(r#"[{"path":["v","a"],"#), "{want}");
        assert_eq!(last_list(&renamed), want);
    }

    #[test]
    fn a_schema_renamed_again_carries_what_other_workers_added_since() {
        fn push(f: &mut Flattener, doc: &str) -> Vec<TableBatch> {
            f.push(&value::parse(doc.as_bytes()).unwrap(), Location::record(0))
                .unwrap();
            f.take_batches()
        }
        fn arrays(b: &TableBatch) -> usize {
            let schema = b.batch.schema();
            let list = schema.metadata().get(ARRAYS_KEY).unwrap();
            serde_json::from_str::<Vec<serde_json::Value>>(list)
                .unwrap()
                .len()
        }
        // Worker A meets `a.b[]`, twice with the same columns: its table hands over
        // the same schema `Arc` both times.
        let mut a = Flattener::new("t", Config::default()).unwrap();
        let a1 = push(&mut a, r#"{"a": {"b": [{"x": 1}]}}"#);
        let a2 = push(&mut a, r#"{"a": {"b": [{"x": 3}]}}"#);
        assert!(Arc::ptr_eq(
            a1[1].batch.schema_ref(),
            a2[1].batch.schema_ref()
        ));
        // Worker B meets `a[].b[]`, which feeds the same child table.
        let mut b = Flattener::new("t", Config::default()).unwrap();
        let b1 = push(&mut b, r#"{"a": [{"b": [{"x": 2}]}]}"#);
        let mut reg = NameRegistry::new("_");
        let renamed: Vec<TableBatch> = [a1, b1, a2]
            .into_iter()
            .flatten()
            .map(|t| reg.rename(t))
            .collect();
        let child: Vec<&TableBatch> = renamed.iter().filter(|t| &*t.table == "t_a_b").collect();
        assert_eq!(child.len(), 3);
        assert_eq!(arrays(child[0]), 1);
        // A's second batch, renamed after B's, lists both arrays feeding the table.
        assert_eq!(arrays(child[1]), 2);
        assert_eq!(arrays(child[2]), 2);
    }

    #[test]
    fn workers_that_disagree_get_the_sequential_names() {
        // Sequential order: chunk 1 claims a_b for the literal key, chunk 2 (another
        // worker, which only ever saw the nested path) must get a_b_2 for it.
        let c1 = chunk(&[r#"{"a_b": 1}"#]);
        let c2 = chunk(&[r#"{"a": {"b": 2}}"#, r#"{"a_b": 3}"#]);
        assert_eq!(names(&c2[0])[2..], ["a_b", "a_b_2"]);
        let mut reg = NameRegistry::new("_");
        let r1 = reg.rename(c1[0].clone());
        let r2 = reg.rename(c2[0].clone());
        assert_eq!(names(&r1)[2..], ["a_b"]);
        assert_eq!(names(&r2)[2..], ["a_b_2", "a_b"]);
        assert_eq!(reg.report().collision_count, 1);
        // The name the path wanted stays in the metadata (a job's driver names the
        // parts of its tasks by it).
        let schema = r2.batch.schema();
        assert_eq!(
            schema.field(2).metadata().get(BASE_KEY).map(String::as_str),
            Some("a_b")
        );
    }

    /// One lossless worker's batch of the main table, with its log of columns made.
    fn lossless_made(docs: &[&str]) -> (TableBatch, Vec<ColumnMade>) {
        let cfg = Config {
            lossless: true,
            ..Config::default()
        };
        let mut f = Flattener::new("t", cfg).unwrap();
        f.keep_made();
        for (i, d) in docs.iter().enumerate() {
            let v = value::parse(d.as_bytes()).unwrap();
            f.push(&v, Location::record(i as u64)).unwrap();
        }
        (f.take_batches().remove(0), f.take_made())
    }

    fn lossless(docs: &[&str]) -> TableBatch {
        lossless_made(docs).0
    }

    /// The data columns of a batch, in order.
    fn data(b: &TableBatch) -> Vec<String> {
        let schema = b.batch.schema();
        let fields = schema.fields().iter();
        let data = fields.filter(|f| f.metadata().contains_key(PATH_KEY));
        data.map(|f| f.name().clone()).collect()
    }

    #[test]
    fn families_met_in_one_record_keep_the_order_of_their_values() {
        let docs = [
            r#"{"a": "x", "b": "y"}"#,
            r#"{"b": null, "a": null}"#,
            r#"{"a": true, "b": true}"#,
        ];
        assert_eq!(data(&lossless(&docs)), ["a", "b", "a__bool", "b__bool"]);
        let mut reg = NameRegistry::new("_");
        reg.rename(lossless(&docs[..1]));
        let second = reg.rename(lossless(&docs[1..]));
        assert_eq!(data(&second), ["a__bool", "b__bool"]);
    }

    #[test]
    fn the_record_that_made_a_column_is_the_one_that_gave_its_family() {
        let docs = [r#"{"p": "x", "a": 1}"#, r#"{"p": null}"#, r#"{"p": true}"#];
        let mut reg = NameRegistry::new("_");
        reg.rename(lossless(&docs[..1]));
        let (second, made) = lossless_made(&docs[1..]);
        let second = reg.rename(second);
        // __extract_id, __extract_datetime, __empty, p, a, then p__bool.
        assert_eq!(reg.columns("t"), 6);
        let at = reg.made_by(&second, "t", 5, &made).expect("logged");
        assert_eq!(made[at].location.record, 1, "{made:?}");
    }

    #[test]
    fn a_family_met_after_nulls_goes_where_one_flattener_makes_it() {
        // One flattener: `p` text, then `q`, then `p`'s booleans in a column of their own.
        let docs = [r#"{"p": "x"}"#, r#"{"p": null, "q": 1}"#, r#"{"p": true}"#];
        assert_eq!(data(&lossless(&docs)), ["p", "q", "p__bool"]);
        // Two workers: the second made `p` at its null, before `q`.
        let second = lossless(&docs[1..]);
        assert_eq!(data(&second), ["p", "q"]);
        let mut reg = NameRegistry::new("_");
        let first = reg.rename(lossless(&docs[..1]));
        let second = reg.rename(second);
        assert_eq!(data(&first), ["p"]);
        assert_eq!(data(&second), ["q", "p__bool"]);
        // The arrays moved with their fields, and the hint stays out of the run's files.
        let schema = second.batch.schema();
        for (i, f) in schema.fields().iter().enumerate() {
            assert!(!f.metadata().contains_key(SINCE_KEY));
            assert_eq!(second.batch.column(i).data_type(), f.data_type());
        }
        let kinds = |name: &str| schema.field_with_name(name).map(|f| f.data_type().clone());
        assert_eq!(kinds("q").unwrap(), arrow_schema::DataType::Int64);
        assert_eq!(kinds("p__bool").unwrap(), arrow_schema::DataType::Boolean);
        assert_eq!(second.extras.len(), schema.fields().len());
    }
}
