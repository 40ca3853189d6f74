//! Flattening options, with Transmog 1.0.6's defaults and validation rules.

use crate::error::{Error, Result};
use crate::naming::NamingStyle;
use crate::value::Value;

/// How record ids (`__extract_id`) are made.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum IdMode {
    /// A fresh uuid4 per row (1.0.6's default).
    #[default]
    Random,
    /// uuid5 of a field of the flattened row, as 1.0.6's `default_id_field`.
    Deterministic(IdSource),
    /// uuid5 of the row's content (root: the record; child: parent id, array path,
    /// index, rank among the record's child rows and item), so records without a key
    /// field still get stable ids.
    ContentHash,
    /// uuid5 of the record's position: its source's stable name (`Location::origin`,
    /// else `source`) and its index there; a child's id derives from its parent's id and
    /// its rank among the record's child rows. Equal across runs, thread counts and
    /// partitionings.
    Position,
}

/// The field(s) deterministic ids are taken from.
#[derive(Debug, Clone, PartialEq)]
pub enum IdSource {
    /// One field name for every table.
    Field(String),
    /// Per-table fields: keys are `""` (root), `"*"`, the entity name, an array path
    /// (`items`, `meta_subs`) or a child table name.
    Map(Vec<(String, String)>),
}

/// What happens to a record that cannot be processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Recovery {
    /// Stop with an error (1.0.6 `strict`).
    #[default]
    Strict,
    /// Skip the record, report it, go on (1.0.6 `skip`).
    Skip,
    /// Like `Skip` at record level (1.0.6 `partial` defines nothing more there).
    Partial,
}

impl Recovery {
    /// Parses `strict` / `skip` / `partial`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "strict" => Ok(Recovery::Strict),
            "skip" => Ok(Recovery::Skip),
            "partial" => Ok(Recovery::Partial),
            other => Err(Error::config(
                "recovery_strategy",
                format!("'{other}' is not one of strict, skip, partial"),
            )),
        }
    }
}

/// All options of a flattening run. `Config::default()` is 1.0.6's
/// `TransmogConfig.default()`.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Joins path components (default `_`).
    pub separator: String,
    /// Paths with at least this many separators are abbreviated (default 4) in the
    /// `Nested` naming style.
    pub deeply_nested_threshold: usize,
    /// How paths become names (default: 1.0.6's `Nested`).
    pub naming: NamingStyle,
    /// `Full` naming's length limit in characters (default 63).
    pub max_name_length: usize,
    /// Render every data value as text (default true).
    pub cast_to_string: bool,
    /// Keep empty strings (default false).
    pub include_empty: bool,
    /// Drop null fields (default true); when false nulls become `""`.
    pub skip_null: bool,
    /// Objects at this depth or deeper are dropped from main rows (default 100).
    pub max_depth: usize,
    /// Extract arrays into child tables (default true); when false every array is
    /// kept in its row as JSON text.
    pub visit_arrays: bool,
    /// Also keep top-level arrays in the main row as JSON text (default false).
    pub keep_arrays: bool,
    /// Record id column (default `__extract_id`).
    pub id_field: String,
    /// Parent id column of child rows (default `__parent_extract_id`).
    pub parent_field: String,
    /// Extraction time column (default `__extract_datetime`).
    pub time_field: String,
    /// Id generation.
    pub id_mode: IdMode,
    /// Record-level error handling.
    pub recovery: Recovery,
    /// The value of the time column; `None` = the current UTC time, one per run.
    pub extract_time: Option<Value<'static>>,
    /// Hard cap on columns per table, a guard against hostile input.
    pub max_columns: usize,
    /// Keep null fields as present nulls (rows show the key with `None`), overriding
    /// `skip_null`; 1.0.6 does this for CSV input.
    pub keep_null_fields: bool,
    /// Keep everything, so that unflattening the tables (also read back from Parquet)
    /// gives the records back: implies typed values, empty strings kept, nulls kept as
    /// NULL, no depth limit, `__` keys as ordinary keys; records nulls and empty arrays
    /// and objects in a per-row `__empty` column and gives a path one column per JSON
    /// kind (see [`crate::FAMILY_KEY`]). Cannot be combined with `keep_arrays`
    /// or `visit_arrays = false`.
    pub lossless: bool,
    /// Objects at these paths are maps: a child table with one row per key
    /// ([`crate::maps`]).
    pub map_paths: Vec<crate::maps::MapPath>,
    /// Also detect maps from the first records of a run (a run engine's job; a
    /// [`crate::Flattener`] alone uses `map_paths`).
    pub maps_auto: bool,
    /// A saved schema's paths (`--schema`): the record that first brings a table or
    /// column it does not hold is noted in the report (`Report::first_new`), or is an
    /// error naming the record and the path where a contract freezes it
    /// ([`crate::schema_file::SchemaPaths::frozen`]).
    pub known: Option<std::sync::Arc<crate::schema_file::SchemaPaths>>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            separator: "_".to_string(),
            deeply_nested_threshold: 4,
            naming: NamingStyle::Nested,
            max_name_length: crate::naming::DEFAULT_MAX_NAME_LENGTH,
            cast_to_string: true,
            include_empty: false,
            skip_null: true,
            max_depth: 100,
            visit_arrays: true,
            keep_arrays: false,
            id_field: "__extract_id".to_string(),
            parent_field: "__parent_extract_id".to_string(),
            time_field: "__extract_datetime".to_string(),
            id_mode: IdMode::Random,
            recovery: Recovery::Strict,
            extract_time: None,
            max_columns: 100_000,
            keep_null_fields: false,
            lossless: false,
            map_paths: Vec::new(),
            maps_auto: false,
            known: None,
        }
    }
}

impl Config {
    /// The options as the flattener applies them: `lossless` sets the options it implies.
    pub fn effective(mut self) -> Config {
        if self.lossless {
            self.cast_to_string = false;
            self.include_empty = true;
            self.skip_null = false;
            self.keep_null_fields = true;
            self.max_depth = usize::MAX;
        }
        self
    }

    /// Checks the options the engine needs. 1.0.6 checks the separator's characters
    /// only in its config builders (`with_naming`), not in the engine: so do we
    /// ([`validate_separator`] is that check, for front ends).
    pub fn validate(&self) -> Result<()> {
        if self.separator.is_empty() {
            return Err(Error::config("separator", "must not be empty"));
        }
        if self.max_depth == 0 {
            return Err(Error::config("max_depth", "must be positive"));
        }
        if self.deeply_nested_threshold == 0 {
            return Err(Error::config("deeply_nested_threshold", "must be positive"));
        }
        if self.max_name_length < 24 {
            return Err(Error::config_value(
                "max_name_length",
                &self.max_name_length.to_string(),
                "must be at least 24 (a shortened name keeps an 8-character hash)",
            ));
        }
        let names = [
            ("id_field", &self.id_field),
            ("parent_field", &self.parent_field),
            ("time_field", &self.time_field),
        ];
        for (param, name) in names {
            if name.is_empty() {
                return Err(Error::config(param, "must not be empty"));
            }
        }
        if self.id_field == self.parent_field
            || self.id_field == self.time_field
            || self.parent_field == self.time_field
        {
            return Err(Error::config(
                "metadata",
                "id_field, parent_field and time_field must differ",
            ));
        }
        if self.max_columns == 0 {
            return Err(Error::config("max_columns", "must be positive"));
        }
        if self.lossless && (self.keep_arrays || !self.visit_arrays) {
            return Err(Error::config(
                "lossless",
                "cannot be combined with keep_arrays or visit_arrays=false (arrays kept as \
                 JSON text are not put back)",
            ));
        }
        Ok(())
    }
}

/// 1.0.6's separator rule: 1-2 characters, no whitespace, none of `\/"'[]{}()`.
pub fn validate_separator(sep: &str) -> Result<()> {
    let n = sep.chars().count();
    if n == 0 || n > 2 {
        return Err(Error::config(
            "separator",
            format!("'{sep}' must be 1 or 2 characters"),
        ));
    }
    if let Some(c) = sep
        .chars()
        .find(|c| c.is_whitespace() || "\\/\"'[]{}()".contains(*c))
    {
        return Err(Error::config(
            "separator",
            format!("'{sep}' contains the forbidden character {c:?}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert!(Config::default().validate().is_ok());
    }

    #[test]
    fn separator_rules() {
        for ok in ["_", ".", "::", "-", "|"] {
            assert!(validate_separator(ok).is_ok(), "{ok}");
        }
        for bad in ["", "___", " ", "/", "a(", "\\"] {
            assert!(validate_separator(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn metadata_names_must_differ() {
        let cfg = Config {
            parent_field: "__extract_id".into(),
            ..Config::default()
        };
        assert!(cfg.validate().is_err());
        assert!(Recovery::parse("lenient").is_err());
        assert_eq!(Recovery::parse("skip").unwrap(), Recovery::Skip);
    }
}
