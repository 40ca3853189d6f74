//! Column and table naming: separator joins, the `nested` abbreviation of deep paths and
//! the sanitizing of table names, following Transmog 1.0.6 (SPEC.md 3.3, 3.5, 3.6).

/// Name of a field from its raw key path. Keys are used verbatim; when the joined name
/// holds at least `threshold` separators it becomes `<first>_nested_<last>`, where the
/// parts come from splitting the joined text (so separators inside keys count).
pub fn field_name(path: &[&str], sep: &str, threshold: usize) -> String {
    let joined = path.join(sep);
    abbreviate(joined, sep, threshold)
}

fn abbreviate(joined: String, sep: &str, threshold: usize) -> String {
    if sep.is_empty() || joined.matches(sep).count() < threshold {
        return joined;
    }
    let first = joined.split(sep).next().unwrap_or("");
    let last = joined.rsplit(sep).next().unwrap_or("");
    format!("{first}{sep}nested{sep}{last}")
}

/// Name of a child table. `entity` is the sanitized entity name, `parent_path` the raw
/// keys from the record root to the object holding the array (enclosing array keys
/// included), `array_key` the sanitized array key. Table names switch to the `nested`
/// form one component earlier than field names (1.0.6's off-by-one, kept).
pub fn table_name(
    entity: &str,
    parent_path: &[&str],
    array_key: &str,
    sep: &str,
    threshold: usize,
) -> String {
    if parent_path.is_empty() {
        return format!("{entity}{sep}{array_key}");
    }
    let full = format!("{}{sep}{array_key}", parent_path.join(sep));
    let parts = if sep.is_empty() {
        1
    } else {
        full.split(sep).count()
    };
    if parts >= threshold {
        let first = full.split(sep).next().unwrap_or("");
        let last = full.rsplit(sep).next().unwrap_or("");
        format!("{entity}{sep}{first}{sep}nested{sep}{last}")
    } else {
        format!("{entity}{sep}{full}")
    }
}

/// The first name not `taken` among `base`, `base<sep>2`, `base<sep>3`, ... (how a
/// path whose natural name is already owned gets a name of its own).
pub fn free_name(base: &str, sep: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(base) {
        return base.to_string();
    }
    (2u64..)
        .map(|k| format!("{base}{sep}{k}"))
        .find(|n| !taken(n))
        .unwrap_or_else(|| base.to_string())
}

/// Sanitizes an array key or entity name for use in a table name.
pub fn sanitize(name: &str, sep: &str) -> String {
    let replaced;
    let name = if sep != "_" && !sep.is_empty() {
        replaced = name.replace(sep, "_");
        replaced.as_str()
    } else {
        name
    };
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        let c = if c == ' ' || c == '-' { '_' } else { c };
        if c == '_' || is_py_alnum(c) {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    if out.chars().next().is_some_and(is_py_digit) {
        out.insert_str(0, "col_");
    }
    if out.is_empty() {
        out.push_str("unnamed_field");
    }
    out
}

// Python's str.isalnum: letters (L*) and characters with a numeric value. Rust's
// `is_alphanumeric` also accepts Other_Alphabetic marks; close enough outside them.
fn is_py_alnum(c: char) -> bool {
    c.is_alphanumeric()
}

fn is_py_digit(c: char) -> bool {
    // Python's str.isdigit: ASCII digits, other scripts' decimal digits, superscripts.
    c.is_ascii_digit()
        || matches!(c, '\u{0660}'..='\u{0669}' | '\u{06F0}'..='\u{06F9}'
            | '\u{0966}'..='\u{096F}' | '\u{FF10}'..='\u{FF19}'
            | '\u{00B2}' | '\u{00B3}' | '\u{00B9}' | '\u{2070}' | '\u{2074}'..='\u{2079}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_join_and_abbreviate() {
        assert_eq!(field_name(&["a", "b"], "_", 4), "a_b");
        assert_eq!(field_name(&["p", "q", "r", "s"], "_", 4), "p_q_r_s");
        assert_eq!(field_name(&["a", "b", "c", "d", "e"], "_", 4), "a_nested_e");
        assert_eq!(field_name(&["x", "a_b_c_d"], "_", 4), "x_nested_d");
        assert_eq!(field_name(&["x", "y_z"], "_", 4), "x_y_z");
        assert_eq!(
            field_name(&["a", "b", "c", "d", "e", "f"], "_", 6),
            "a_b_c_d_e_f"
        );
        assert_eq!(
            field_name(&["v", "w", "x", "y", "z", "z2", "z3"], "_", 6),
            "v_nested_z3"
        );
        assert_eq!(field_name(&["a", "b"], "_", 1), "a_nested_b");
        assert_eq!(field_name(&["x", ""], "_", 4), "x_");
        assert_eq!(field_name(&["a", "b"], ".", 4), "a.b");
    }

    #[test]
    fn table_names_follow_1_0_6() {
        assert_eq!(table_name("t", &[], "items", "_", 4), "t_items");
        assert_eq!(
            table_name("t", &["meta"], "labels", "_", 4),
            "t_meta_labels"
        );
        assert_eq!(table_name("t", &["a", "b"], "c", "_", 4), "t_a_b_c");
        assert_eq!(
            table_name("t", &["a", "b", "c"], "d", "_", 4),
            "t_a_nested_d"
        );
        assert_eq!(
            table_name("root", &["customers", "orders"], "line_items", "_", 4),
            "root_customers_nested_items"
        );
        assert_eq!(table_name("t", &[], "lines", ".", 4), "t.lines");
        assert_eq!(table_name("t", &[], "list", "::", 4), "t::list");
        assert_eq!(
            table_name("t", &["my list", "o k"], "deep_er", "_", 4),
            "t_my list_nested_er"
        );
    }

    #[test]
    fn sanitize_matches_spec_examples() {
        assert_eq!(sanitize("Arr-Name x", "_"), "Arr_Name_x");
        assert_eq!(sanitize("1st", "_"), "col_1st");
        assert_eq!(sanitize("tags🙂", "_"), "tags_");
        assert_eq!(sanitize("", "_"), "unnamed_field");
        assert_eq!(sanitize("CamelCase", "_"), "CamelCase");
        assert_eq!(sanitize("Orders-2024.v1", "_"), "Orders_2024_v1");
        assert_eq!(sanitize("a__b", "_"), "a__b");
        assert_eq!(sanitize("a!!b", "_"), "a_b");
        assert_eq!(sanitize("a.b", "."), "a_b");
        assert_eq!(sanitize("été", "_"), "été");
    }
}
