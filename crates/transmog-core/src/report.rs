//! What a run noticed without failing: renamed columns, truncated depth, skipped records.

use crate::error::{Error, Location};
use crate::table::TableBatch;

/// Keep at most this many detailed entries per kind; counts stay exact.
const MAX_DETAILS: usize = 1000;

/// A column that could not take its natural name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collision {
    /// Table of the column.
    pub table: String,
    /// The source path (keys joined by the separator).
    pub path: String,
    /// The name the path flattens to, already owned by another path.
    pub wanted: String,
    /// The name given instead.
    pub given: String,
}

/// A record left out under a lenient recovery strategy.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    /// Where the record was.
    pub location: Location,
    /// Why it was skipped.
    pub reason: String,
}

impl Skipped {
    /// Describes a skipped record from the error that caused it.
    pub fn from_error(err: &Error) -> Self {
        let location = match err {
            Error::NotAnObject { location, .. }
            | Error::InvalidRecord { location, .. }
            | Error::Parse { location, .. }
            | Error::Framing { location, .. }
            | Error::TooManyColumns { location, .. }
            | Error::SchemaFrozen { location, .. } => location.clone(),
            _ => Location::default(),
        };
        Skipped {
            location,
            reason: err.to_string(),
        }
    }
}

/// Everything a run reports besides its tables.
#[derive(Debug, Default, Clone)]
pub struct Report {
    /// Columns renamed because their name was taken (first `MAX_DETAILS`).
    pub collisions: Vec<Collision>,
    /// Number of renamed columns.
    pub collision_count: u64,
    /// Child tables renamed because another array path owned their name (first
    /// `MAX_DETAILS`; `table` is empty, `path` the array's raw key path as JSON).
    pub table_renames: Vec<Collision>,
    /// Number of renamed tables.
    pub table_rename_count: u64,
    /// Names (columns and tables) that are their path shortened: abbreviated
    /// (`FIRST_nested_LAST`) or hashed beyond the length limit.
    pub shortened_count: u64,
    /// Map paths detected from the run's first records (`maps auto`), as `--map` text.
    pub maps_detected: Vec<String>,
    /// `--schema-contract discard`: the new tables and columns dropped (`table` or
    /// `table.column`), and the values (rows, for a table) they held.
    pub discarded: Vec<String>,
    /// Values (or rows of dropped tables) not written because of `discarded`.
    pub discarded_values: u64,
    /// With a saved schema (`Config::known`): `(table path JSON, column path JSON,
    /// record)` of the first record that brought each column the schema does not hold.
    pub first_new: Vec<(String, String, Location)>,
    /// Objects dropped by `max_depth`: (table, dotted path), first `MAX_DETAILS`.
    pub truncations: Vec<(String, String)>,
    /// Number of objects dropped by `max_depth`.
    pub truncation_count: u64,
    /// Records skipped by the recovery strategy (first `MAX_DETAILS`).
    pub skipped: Vec<Skipped>,
    /// Number of skipped records.
    pub skipped_count: u64,
    pub(crate) sealed: Vec<TableBatch>,
    /// Keep every skipped record's details, not only the first `MAX_DETAILS`.
    pub(crate) keep_all_skipped: bool,
}

impl Report {
    pub(crate) fn collision(&mut self, table: &str, path: &str, wanted: &str, given: &str) {
        self.collision_count += 1;
        if self.collisions.len() < MAX_DETAILS {
            self.collisions.push(Collision {
                table: table.to_string(),
                path: path.to_string(),
                wanted: wanted.to_string(),
                given: given.to_string(),
            });
        }
    }

    pub(crate) fn table_renamed(&mut self, path: &str, wanted: &str, given: &str) {
        self.table_rename_count += 1;
        if self.table_renames.len() < MAX_DETAILS {
            self.table_renames.push(Collision {
                table: String::new(),
                path: path.to_string(),
                wanted: wanted.to_string(),
                given: given.to_string(),
            });
        }
    }

    pub(crate) fn truncated(&mut self, table: &str, path: &str) {
        self.truncation_count += 1;
        if self.truncations.len() < MAX_DETAILS {
            self.truncations.push((table.to_string(), path.to_string()));
        }
    }

    pub(crate) fn skipped(&mut self, s: Skipped) {
        self.skipped_count += 1;
        if self.keep_all_skipped || self.skipped.len() < MAX_DETAILS {
            self.skipped.push(s);
        }
    }
}
