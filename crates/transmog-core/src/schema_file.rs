//! The schema file: what a run named and typed, kept between runs so that the next run
//! of the same feed gives every name the same meaning (`--schema FILE`).
//!
//! It holds, per table in the order the tables were made: the table's name, its Arrow
//! schema-level metadata (the array path owning it, [`TABLE_PATH_KEY`]) and its columns
//! with their names, types and field metadata (the source path [`PATH_KEY`], occurrence,
//! family, base name). A run that starts from it gives each known table and column
//! its saved name ([`crate::merge::NameRegistry::seed`]) and starts each table's union
//! schema from the saved columns and types, so columns keep their place and widen, never
//! narrow; what the run meets for the first time is named by the usual rules after them.
//! The naming options are saved too: a file written with another separator or naming
//! style is refused rather than silently remapped.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

pub use arrow_schema::SchemaRef;
use arrow_schema::{DataType, Field, Schema};
use serde_json::{json, Value};

use crate::config::Config;
use crate::naming::NamingStyle;
use crate::table::{PATH_KEY, TABLE_PATH_KEY};

/// The `format` field of a schema file.
pub const SCHEMA_FORMAT: &str = "transmog-schema";
/// The version this build writes and reads.
pub const SCHEMA_VERSION: u64 = 1;

/// A schema file's content.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedSchema {
    /// The main table's name.
    pub entity: String,
    /// Separator the names were made with.
    pub separator: String,
    /// Naming style the names were made with.
    pub naming: NamingStyle,
    /// Length limit of full names.
    pub max_name_length: usize,
    /// Map paths (as `--map` text) the run used, given or detected.
    pub maps: Vec<String>,
    /// Tables in the order they were made.
    pub tables: Vec<(String, SchemaRef)>,
}

fn naming_text(n: NamingStyle) -> &'static str {
    match n {
        NamingStyle::Nested => "nested",
        NamingStyle::Full => "full",
    }
}

fn type_text(t: &DataType) -> Option<&'static str> {
    Some(match t {
        DataType::Utf8 => "string",
        DataType::Int64 => "int64",
        DataType::Float64 => "float64",
        DataType::Boolean => "bool",
        DataType::Null => "null",
        _ => return None,
    })
}

fn parse_type(t: &str) -> Option<DataType> {
    Some(match t {
        "string" => DataType::Utf8,
        "int64" => DataType::Int64,
        "float64" => DataType::Float64,
        "bool" => DataType::Boolean,
        "null" => DataType::Null,
        _ => return None,
    })
}

fn metadata_json<'a>(m: impl IntoIterator<Item = (&'a String, &'a String)>) -> Value {
    let sorted: BTreeMap<&String, &String> = m.into_iter().collect();
    json!(sorted)
}

fn metadata_of(v: Option<&Value>, what: &str) -> Result<HashMap<String, String>, String> {
    let Some(v) = v else {
        return Ok(HashMap::new());
    };
    let obj = v
        .as_object()
        .ok_or_else(|| format!("{what}: `metadata` is not an object"))?;
    obj.iter()
        .map(|(k, v)| {
            v.as_str()
                .map(|s| (k.clone(), s.to_string()))
                .ok_or_else(|| format!("{what}: metadata `{k}` is not a string"))
        })
        .collect()
}

impl SavedSchema {
    /// The schema of a finished run: its options and its tables' final schemas.
    pub fn new(
        entity: &str,
        cfg: &Config,
        maps: Vec<String>,
        tables: Vec<(String, SchemaRef)>,
    ) -> Self {
        SavedSchema {
            entity: entity.to_string(),
            separator: cfg.separator.clone(),
            naming: cfg.naming,
            max_name_length: cfg.max_name_length,
            maps,
            tables,
        }
    }

    /// The file's text: JSON, keys in a fixed order, one line per column.
    pub fn to_json(&self) -> String {
        let q = |v: &str| Value::String(v.to_string()).to_string();
        let path_of = |p: Option<&String>| {
            p.map(|p| {
                let v: Value = serde_json::from_str(p).unwrap_or_else(|_| json!(p));
                format!("\"path\": {v}, ")
            })
            .unwrap_or_default()
        };
        let mut out = String::new();
        out.push_str(&format!(
            "{{\n  \"format\": {},\n  \"version\": {SCHEMA_VERSION},\n  \"entity\": {},\n",
            q(SCHEMA_FORMAT),
            q(&self.entity)
        ));
        out.push_str(&format!(
            "  \"naming\": {{\"separator\": {}, \"style\": {}, \"max_name_length\": {}}},\n",
            q(&self.separator),
            q(naming_text(self.naming)),
            self.max_name_length
        ));
        out.push_str(&format!(
            "  \"maps\": {},\n  \"tables\": [",
            json!(self.maps)
        ));
        for (i, (name, schema)) in self.tables.iter().enumerate() {
            out.push_str(if i == 0 { "\n" } else { ",\n" });
            out.push_str(&format!(
                "    {{\"name\": {}, {}\"metadata\": {},\n     \"columns\": [",
                q(name),
                path_of(schema.metadata().get(TABLE_PATH_KEY)),
                metadata_json(schema.metadata())
            ));
            for (j, f) in schema.fields().iter().enumerate() {
                out.push_str(if j == 0 { "\n" } else { ",\n" });
                out.push_str(&format!(
                    "       {{\"name\": {}, \"type\": {}, {}\"metadata\": {}}}",
                    q(f.name()),
                    q(type_text(f.data_type()).unwrap_or("string")),
                    path_of(f.metadata().get(PATH_KEY)),
                    metadata_json(f.metadata())
                ));
            }
            out.push_str("\n     ]}");
        }
        out.push_str("\n  ]\n}\n");
        out
    }

    /// Reads a schema file's text; the error says what is wrong where.
    pub fn from_json(text: &str) -> Result<SavedSchema, String> {
        let doc: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        if doc.get("format").and_then(Value::as_str) != Some(SCHEMA_FORMAT) {
            return Err(format!(
                "not a transmog schema file (no \"format\": \"{SCHEMA_FORMAT}\")"
            ));
        }
        match doc.get("version").and_then(Value::as_u64) {
            Some(SCHEMA_VERSION) => {}
            other => {
                return Err(format!(
                    "schema file version {} is not {SCHEMA_VERSION}, the version this build reads",
                    other.map_or("(none)".to_string(), |v| v.to_string())
                ))
            }
        }
        let text_of = |v: Option<&Value>, what: &str| {
            v.and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| format!("`{what}` is missing or not text"))
        };
        let naming = doc.get("naming");
        let style = match text_of(naming.and_then(|n| n.get("style")), "naming.style")?.as_str() {
            "nested" => NamingStyle::Nested,
            "full" => NamingStyle::Full,
            other => return Err(format!("naming.style `{other}` is not nested or full")),
        };
        let max_name_length = naming
            .and_then(|n| n.get("max_name_length"))
            .and_then(Value::as_u64)
            .ok_or("`naming.max_name_length` is missing")? as usize;
        let maps = match doc.get("maps") {
            None => Vec::new(),
            Some(m) => m
                .as_array()
                .ok_or("`maps` is not a list")?
                .iter()
                .map(|p| {
                    p.as_str()
                        .map(str::to_string)
                        .ok_or("`maps` holds a non-text entry")
                })
                .collect::<Result<_, _>>()?,
        };
        let mut tables = Vec::new();
        for (i, t) in doc
            .get("tables")
            .and_then(Value::as_array)
            .ok_or("`tables` is missing or not a list")?
            .iter()
            .enumerate()
        {
            let name = text_of(t.get("name"), &format!("tables[{i}].name"))?;
            let what = format!("table `{name}`");
            let mut fields = Vec::new();
            for (j, c) in t
                .get("columns")
                .and_then(Value::as_array)
                .ok_or_else(|| format!("{what}: `columns` is missing"))?
                .iter()
                .enumerate()
            {
                let col = text_of(c.get("name"), &format!("{what} columns[{j}].name"))?;
                let ty = text_of(c.get("type"), &format!("{what} column `{col}` type"))?;
                let ty = parse_type(&ty)
                    .ok_or_else(|| format!("{what} column `{col}`: unknown type `{ty}`"))?;
                let meta = metadata_of(c.get("metadata"), &format!("{what} column `{col}`"))?;
                fields.push(Field::new(col, ty, true).with_metadata(meta));
            }
            let meta = metadata_of(t.get("metadata"), &what)?;
            tables.push((name, Arc::new(Schema::new_with_metadata(fields, meta))));
        }
        Ok(SavedSchema {
            entity: text_of(doc.get("entity"), "entity")?,
            separator: text_of(naming.and_then(|n| n.get("separator")), "naming.separator")?,
            naming: style,
            max_name_length,
            maps,
            tables,
        })
    }

    /// Refuses a run whose naming options differ from the file's: its names would mean
    /// other fields.
    pub fn check(&self, entity: &str, cfg: &Config) -> Result<(), String> {
        let mut diffs = Vec::new();
        if self.entity != entity {
            diffs.push(format!("entity `{}` (this run: `{entity}`)", self.entity));
        }
        if self.separator != cfg.separator {
            diffs.push(format!(
                "separator `{}` (this run: `{}`)",
                self.separator, cfg.separator
            ));
        }
        if self.naming != cfg.naming {
            diffs.push(format!(
                "naming `{}` (this run: `{}`)",
                naming_text(self.naming),
                naming_text(cfg.naming)
            ));
        }
        if self.max_name_length != cfg.max_name_length && cfg.naming == NamingStyle::Full {
            diffs.push(format!(
                "max name length {} (this run: {})",
                self.max_name_length, cfg.max_name_length
            ));
        }
        if diffs.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "the schema file was written with {}; run with the same options, or start a new schema file",
                diffs.join(", ")
            ))
        }
    }
}

impl SavedSchema {
    /// Reads the schema file's text `text` for a run of `entity` with `cfg`, refuses it
    /// when it was written with other naming options or `contracts` name a table it does
    /// not hold, and prepares `cfg` for it: the file's map decisions are added, and its
    /// paths become [`Config::known`] (which lets the run tell what it meets for the
    /// first time), with the tables that the contracts freeze.
    pub fn load_for(
        text: &str,
        entity: &str,
        cfg: &mut Config,
        contracts: &Contracts,
    ) -> Result<SavedSchema, String> {
        let saved = SavedSchema::from_json(text)?;
        saved.check(entity, cfg)?;
        for (name, _) in &contracts.tables {
            if !saved.tables.iter().any(|(n, _)| n == name) {
                return Err(format!(
                    "a contract names table `{name}`, which the schema file does not hold \
                     (its tables: {})",
                    saved
                        .tables
                        .iter()
                        .map(|(n, _)| n.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        for m in &saved.maps {
            let p = crate::maps::parse_path(m).map_err(|e| format!("map `{m}`: {e}"))?;
            if !cfg.map_paths.contains(&p) {
                cfg.map_paths.push(p);
            }
        }
        let mut paths = saved.paths();
        for (name, schema) in &saved.tables {
            if contracts.of(name) == Contract::Freeze {
                let key = schema.metadata().get(TABLE_PATH_KEY).cloned();
                paths.frozen.insert(key.unwrap_or_default());
            }
        }
        paths.frozen_new_tables = contracts.default == Contract::Freeze;
        cfg.known = Some(Arc::new(paths));
        Ok(saved)
    }

    /// The schema after a run that started from `saved` (if any): the saved tables in
    /// their order (their saved columns first and kept, widened by the run's final
    /// schema `now` where it made the table); then the tables the run made first. Maps:
    /// the saved ones, the run's given ones (`cfg.map_paths`) and those it detected.
    pub fn after_run(
        saved: Option<&SavedSchema>,
        entity: &str,
        cfg: &Config,
        maps_detected: &[String],
        now: &[(String, SchemaRef)],
    ) -> SavedSchema {
        let made = |name: &str| now.iter().find(|(n, _)| n == name).map(|(_, s)| s);
        let mut tables: Vec<(String, SchemaRef)> = Vec::new();
        for (name, schema) in saved.map(|s| s.tables.as_slice()).unwrap_or_default() {
            // Saved columns stay, in their places, even where this run's tables lack
            // them (a distributed job's parts hold only the columns their records had).
            let mut union = crate::UnionSchema::new();
            let merged = union
                .merge_fields(schema, |_| false)
                .and_then(|_| match made(name) {
                    Some(now) => union.merge_fields(now, |_| false),
                    None => Ok(false),
                });
            let kept = match merged {
                Ok(_) => Arc::clone(union.schema()),
                Err(_) => Arc::clone(made(name).unwrap_or(schema)),
            };
            tables.push((name.clone(), kept));
        }
        for (name, schema) in now {
            if !tables.iter().any(|(n, _)| n == name) {
                tables.push((name.clone(), Arc::clone(schema)));
            }
        }
        let mut maps: Vec<crate::maps::MapPath> = Vec::new();
        let saved_maps = saved.map(|s| s.maps.as_slice()).unwrap_or_default();
        let given = saved_maps
            .iter()
            .filter_map(|m| crate::maps::parse_path(m).ok());
        for p in given.chain(cfg.map_paths.iter().cloned()) {
            if !maps.contains(&p) {
                maps.push(p);
            }
        }
        for m in maps_detected {
            if let Ok(p) = crate::maps::parse_path(m) {
                if !maps.contains(&p) {
                    maps.push(p);
                }
            }
        }
        let maps = maps.iter().map(|p| json!(p).to_string()).collect();
        SavedSchema::new(entity, cfg, maps, tables)
    }
}

/// The tables and columns a saved schema holds, by source path: table keys are the
/// owning array path's JSON ([`TABLE_PATH_KEY`], `""` for the main table), column keys
/// `(table key, column path JSON)` ([`PATH_KEY`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaPaths {
    /// Table keys.
    pub tables: std::collections::HashSet<String>,
    /// Column keys.
    pub columns: std::collections::HashSet<(String, String)>,
    /// Saved tables (by key) that a new column may not enter ([`Contract::Freeze`]).
    pub frozen: std::collections::HashSet<String>,
    /// Whether a new table is refused (the run's own contract is freeze).
    pub frozen_new_tables: bool,
}

impl SavedSchema {
    /// The source paths of the saved tables and columns.
    pub fn paths(&self) -> SchemaPaths {
        let mut paths = SchemaPaths::default();
        for (_, schema) in &self.tables {
            let table = schema
                .metadata()
                .get(TABLE_PATH_KEY)
                .cloned()
                .unwrap_or_default();
            for f in schema.fields() {
                if let Some(p) = f.metadata().get(PATH_KEY) {
                    paths.columns.insert((table.clone(), p.clone()));
                }
            }
            paths.tables.insert(table);
        }
        paths
    }
}

/// What a run with a saved schema does with what the schema does not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Contract {
    /// Add new tables and columns, widen types (the default).
    #[default]
    Evolve,
    /// A new table, column or type is an error; nothing is written.
    Freeze,
    /// New tables and columns are dropped and counted; types still widen.
    Discard,
}

impl std::str::FromStr for Contract {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "evolve" => Ok(Contract::Evolve),
            "freeze" => Ok(Contract::Freeze),
            "discard" => Ok(Contract::Discard),
            other => Err(format!(
                "unknown schema contract `{other}` (evolve, freeze or discard)"
            )),
        }
    }
}

/// The contracts of a run: its own, and the saved tables that another one binds (what
/// may happen to their columns: new ones added, refused or dropped; types widened or
/// refused). A table the run meets for the first time follows the run's own contract.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contracts {
    /// The run's contract.
    pub default: Contract,
    /// `(table name, contract)` for the saved tables bound otherwise.
    pub tables: Vec<(String, Contract)>,
}

impl Contracts {
    /// One contract for the whole run.
    pub fn all(contract: Contract) -> Self {
        Contracts {
            default: contract,
            tables: Vec::new(),
        }
    }

    /// The contract binding table `table`.
    pub fn of(&self, table: &str) -> Contract {
        self.tables
            .iter()
            .find(|(t, _)| t == table)
            .map_or(self.default, |(_, c)| *c)
    }

    /// Whether any table is bound by `contract`.
    pub fn any(&self, contract: Contract) -> bool {
        self.default == contract || self.tables.iter().any(|(_, c)| *c == contract)
    }
}

/// A column a run added to its saved schema.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewColumn {
    /// The table.
    pub table: String,
    /// The column's name.
    pub column: String,
    /// Its source path, `.`-joined.
    pub path: String,
    /// The first record that had it (`source:line`), when known.
    pub first: Option<String>,
}

/// What changed in a run against its schema file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Drift {
    /// Tables the file did not have.
    pub new_tables: Vec<String>,
    /// Columns the file did not have.
    pub new_columns: Vec<NewColumn>,
    /// `(table, column, saved type, type now)`.
    pub widened: Vec<(String, String, String, String)>,
    /// Saved tables this run wrote no row to.
    pub missing_tables: Vec<String>,
    /// `(table, column)`: saved columns no record of this run had (NULL in its rows).
    pub missing_columns: Vec<(String, String)>,
}

impl Drift {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        *self == Drift::default()
    }

    /// `saved` against the run's final tables (`now`, with their schemas), the
    /// `(table, column)` pairs its records actually had (`seen`) and the first record
    /// that had a column, by table path and column path JSON (`first`).
    pub fn between(
        saved: &SavedSchema,
        now: &[(String, SchemaRef)],
        seen: &dyn Fn(&str, &str) -> bool,
        first: &dyn Fn(&str, &str) -> Option<String>,
    ) -> Drift {
        let mut d = Drift::default();
        let old: HashMap<&str, &SchemaRef> =
            saved.tables.iter().map(|(n, s)| (n.as_str(), s)).collect();
        let made: HashMap<&str, &SchemaRef> = now.iter().map(|(n, s)| (n.as_str(), s)).collect();
        for (table, schema) in now {
            let Some(before) = old.get(table.as_str()) else {
                d.new_tables.push(table.clone());
                continue;
            };
            for f in schema.fields() {
                match before.field_with_name(f.name()) {
                    Err(_) => {
                        let json = f.metadata().get(PATH_KEY);
                        let path = json.map_or_else(
                            || f.name().clone(),
                            |p| {
                                serde_json::from_str::<Vec<String>>(p)
                                    .map(|p| p.join("."))
                                    .unwrap_or_else(|_| p.clone())
                            },
                        );
                        let key = schema
                            .metadata()
                            .get(TABLE_PATH_KEY)
                            .map_or("", String::as_str);
                        d.new_columns.push(NewColumn {
                            table: table.clone(),
                            column: f.name().clone(),
                            path,
                            first: json.and_then(|j| first(key, j)),
                        });
                    }
                    Ok(b) if b.data_type() != f.data_type() && *b.data_type() != DataType::Null => {
                        d.widened.push((
                            table.clone(),
                            f.name().clone(),
                            type_text(b.data_type()).unwrap_or("?").into(),
                            type_text(f.data_type()).unwrap_or("?").into(),
                        ));
                    }
                    Ok(_) => {}
                }
            }
        }
        for (table, schema) in &saved.tables {
            if !made.contains_key(table.as_str()) {
                d.missing_tables.push(table.clone());
                continue;
            }
            for f in schema.fields() {
                if f.metadata().contains_key(PATH_KEY) && !seen(table, f.name()) {
                    d.missing_columns.push((table.clone(), f.name().clone()));
                }
            }
        }
        d
    }

    /// [`Self::between`] with the first records of new columns taken from a run's
    /// report ([`crate::Report::first_new`]).
    pub fn of_run(
        saved: &SavedSchema,
        now: &[(String, SchemaRef)],
        seen: &dyn Fn(&str, &str) -> bool,
        first_new: &[(String, String, crate::Location)],
    ) -> Drift {
        let first = |table: &str, path: &str| {
            first_new
                .iter()
                .find(|(t, p, _)| t == table && p == path)
                .map(|(_, _, location)| location.to_string())
        };
        Drift::between(saved, now, seen, &first)
    }

    /// The drift as JSON (for `--report` files and bindings).
    pub fn to_json(&self) -> Value {
        json!({
            "new_tables": self.new_tables,
            "new_columns": self.new_columns.iter()
                .map(|c| json!({"table": c.table, "column": c.column, "path": c.path, "first": c.first}))
                .collect::<Vec<_>>(),
            "widened": self.widened.iter()
                .map(|(t, c, a, b)| json!({"table": t, "column": c, "from": a, "to": b})).collect::<Vec<_>>(),
            "missing_tables": self.missing_tables,
            "missing_columns": self.missing_columns.iter()
                .map(|(t, c)| json!({"table": t, "column": c})).collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn saved() -> SavedSchema {
        let col = |name: &str, ty: DataType, path: &str| {
            Field::new(name, ty, true)
                .with_metadata(HashMap::from([(PATH_KEY.to_string(), path.to_string())]))
        };
        let main = Schema::new(vec![
            Field::new("__extract_id", DataType::Utf8, true),
            col("a_b", DataType::Utf8, r#"["a_b"]"#),
            col("a_b_2", DataType::Int64, r#"["a","b"]"#),
        ]);
        let child = Schema::new_with_metadata(
            vec![col("x", DataType::Float64, r#"["x"]"#)],
            HashMap::from([(TABLE_PATH_KEY.to_string(), r#"["items"]"#.to_string())]),
        );
        SavedSchema::new(
            "t",
            &Config::default(),
            vec!["events".into()],
            vec![
                ("t".into(), Arc::new(main)),
                ("t_items".into(), Arc::new(child)),
            ],
        )
    }

    #[test]
    fn after_a_run_saved_columns_stay_types_widen_and_new_tables_follow() {
        let before = saved();
        // The run made `t` with one saved column (widened) and one new, and a new table.
        let now_main = Schema::new(vec![
            Field::new("a_b_2", DataType::Float64, true),
            Field::new("c", DataType::Utf8, true),
        ]);
        let other = Schema::new(vec![Field::new("k", DataType::Int64, true)]);
        let now = vec![
            ("t".to_string(), Arc::new(now_main)),
            ("t_more".to_string(), Arc::new(other)),
        ];
        let after = SavedSchema::after_run(Some(&before), "t", &Config::default(), &[], &now);
        let names: Vec<_> = after.tables.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["t", "t_items", "t_more"]);
        let main = &after.tables[0].1;
        let cols: Vec<_> = main.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(cols, ["__extract_id", "a_b", "a_b_2", "c"]);
        assert_eq!(main.field(2).data_type(), &DataType::Float64);
        assert_eq!(
            main.field(2).metadata().get(PATH_KEY).map(String::as_str),
            Some(r#"["a","b"]"#)
        );
        assert_eq!(
            after.tables[1].1, before.tables[1].1,
            "a table the run did not make stays"
        );
        assert_eq!(after.maps, [r#"["events"]"#]);
    }

    #[test]
    fn a_schema_file_reads_back_as_written() {
        let s = saved();
        let text = s.to_json();
        assert!(text.starts_with("{\n  \"format\": \"transmog-schema\",\n  \"version\": 1,"));
        assert!(
            text.contains(r#"{"name": "a_b_2", "type": "int64", "path": ["a","b"], "metadata""#),
            "{text}"
        );
        assert_eq!(SavedSchema::from_json(&text).unwrap(), s);
    }

    #[test]
    fn bad_files_and_other_options_are_refused_with_the_reason() {
        assert!(SavedSchema::from_json("{}")
            .unwrap_err()
            .contains("not a transmog schema file"));
        let text = saved()
            .to_json()
            .replace("\"version\": 1", "\"version\": 9");
        assert!(SavedSchema::from_json(&text)
            .unwrap_err()
            .contains("version 9"));
        let text = saved().to_json().replace("\"int64\"", "\"decimal\"");
        assert!(SavedSchema::from_json(&text)
            .unwrap_err()
            .contains("unknown type `decimal`"));
        let cfg = Config {
            separator: ".".into(),
            ..Config::default()
        };
        let err = saved().check("t", &cfg).unwrap_err();
        assert!(err.contains("separator `_` (this run: `.`)"), "{err}");
        assert!(saved().check("t", &Config::default()).is_ok());
        assert!(saved()
            .check("u", &Config::default())
            .unwrap_err()
            .contains("entity `t`"));
    }

    #[test]
    fn drift_lists_new_widened_and_missing() {
        let s = saved();
        let main = s.tables[0].1.clone();
        let mut fields: Vec<Field> = main.fields().iter().map(|f| f.as_ref().clone()).collect();
        fields[2] = fields[2].clone().with_data_type(DataType::Utf8);
        fields.push(
            Field::new("late", DataType::Utf8, true).with_metadata(HashMap::from([(
                PATH_KEY.to_string(),
                r#"["l","ate"]"#.to_string(),
            )])),
        );
        let now = vec![
            ("t".to_string(), Arc::new(Schema::new(fields))),
            ("t_tags".to_string(), Arc::new(Schema::empty())),
        ];
        let first = |t: &str, p: &str| {
            (t.is_empty() && p == r#"["l","ate"]"#).then(|| "x.jsonl:7".to_string())
        };
        let d = Drift::between(&s, &now, &|_, c| c != "a_b", &first);
        assert_eq!(d.new_tables, ["t_tags"]);
        let late = NewColumn {
            table: "t".into(),
            column: "late".into(),
            path: "l.ate".into(),
            first: Some("x.jsonl:7".into()),
        };
        assert_eq!(d.new_columns, [late]);
        assert_eq!(
            d.widened,
            [("t".into(), "a_b_2".into(), "int64".into(), "string".into())]
        );
        assert_eq!(d.missing_tables, ["t_items"]);
        assert_eq!(d.missing_columns, [("t".into(), "a_b".into())]);
        assert!(!d.is_empty() && Drift::default().is_empty());
    }
}
