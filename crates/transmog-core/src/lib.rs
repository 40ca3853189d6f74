//! Transmog's engine: nested records in, relational Arrow tables out. No I/O.
//!
//! Pipeline: reader (elsewhere) → [`value::parse`] → [`Flattener`] → [`TableBatch`]es
//! → sink (elsewhere). A record becomes one row of the main table; every array becomes
//! a child table whose rows link to their parent through generated ids; metadata
//! columns carry ids, parent ids, extraction time and array positions. Naming, casting
//! and id rules follow Transmog 1.0.6 (see the repository's docs), except where 1.0.6
//! loses data: colliding names keep both values, values are never conflated by type.
//!
//! ```
//! use transmog_core::{value, Config, Flattener, FlatResult, Location};
//!
//! let mut f = Flattener::new("orders", Config::default())?;
//! let rec = value::parse(br#"{"id": 1, "items": [{"sku": "A"}]}"#).unwrap();
//! f.push(&rec, Location::record(0))?;
//! let result = FlatResult::from_flattener(f);
//! assert_eq!(result.table_names(), ["orders", "orders_items"]);
//! assert_eq!(result.main().rows()[0][0], ("id".to_string(), value::Value::Str("1".into())));
//! # Ok::<(), transmog_core::Error>(())
//! ```
#![deny(missing_docs)]

pub mod column;
pub mod config;
pub mod error;
mod flatten;
pub mod ids;
pub mod maps;
pub mod merge;
pub mod naming;
pub mod node;
pub mod options;
pub mod report;
pub mod result;
pub mod rows;
mod scan;
pub mod schema_file;
mod small;
mod table;
pub mod tape;
pub mod text;
pub mod types;
pub mod unflatten;
pub mod union;
pub mod value;

pub use column::{Cell, CellExtras, Kind};
pub use config::{Config, IdMode, IdSource, Recovery};
pub use error::{Error, ErrorKind, Location, Result};
pub use flatten::{canonical_json, Flattener};
pub use node::{Node, NodeError, View};
pub use options::OptionValue;
pub use report::Report;
pub use result::{FlatResult, ResultTable, Row};
pub use rows::{RowsBuilder, RowsPart};
pub use table::{
    ColumnMade, Family, Role, TableBatch, AFTER_KEY, ARRAYS_KEY, BASE_KEY, BEFORE_KEY, FAMILY_KEY,
    OCCURRENCE_KEY, PATH_KEY, RAW_KEY, ROLE_KEY, SHORTENED_KEY, TABLE_BASE_KEY, TABLE_PATH_KEY,
};
pub use tape::{Tape, TapeNode};
pub use types::ColType;
pub use union::{SchemaError, UnionSchema};
pub use value::Value;
