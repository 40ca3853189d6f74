//! The engine's naming and id rules as functions, for the package's low-level helpers
//! (`transmog.naming`, `transmog.core.metadata`): one rule, one place.

use pyo3::prelude::*;
use transmog_core::{ids, naming};

/// Sanitizes an array key or entity name for a table name (SPEC 3.5).
#[pyfunction]
pub fn sanitize_name(name: &str, separator: &str) -> String {
    naming::sanitize(name, separator)
}

/// A field name from its key path: joined, `<first><sep>nested<sep><last>` from
/// `threshold` separators on.
#[pyfunction]
pub fn field_name(path: Vec<String>, separator: &str, threshold: usize) -> String {
    let parts: Vec<&str> = path.iter().map(String::as_str).collect();
    naming::field_name(&parts, separator, threshold)
}

/// A child table's name from the entity, the raw key path to the array's owner and the
/// array key (both already sanitized where 1.0.6 sanitizes them).
#[pyfunction]
pub fn table_name(
    entity: &str,
    parent_path: Vec<String>,
    array_key: &str,
    separator: &str,
    threshold: usize,
) -> String {
    let parts: Vec<&str> = parent_path.iter().map(String::as_str).collect();
    naming::table_name(entity, &parts, array_key, separator, threshold)
}

/// 1.0.6's deterministic id of a value's text: uuid5 of the trimmed, lower-cased text.
#[pyfunction]
pub fn deterministic_id(text: &str) -> String {
    let mut out = String::with_capacity(36);
    ids::push_uuid5(&mut out, &ids::deterministic_key(text));
    out
}

/// Adds the functions above to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(sanitize_name, m)?)?;
    m.add_function(wrap_pyfunction!(field_name, m)?)?;
    m.add_function(wrap_pyfunction!(table_name, m)?)?;
    m.add_function(wrap_pyfunction!(deterministic_id, m)?)?;
    Ok(())
}
