//! Column and table naming: separator joins, the `nested` abbreviation of deep paths and
//! the sanitizing of table names, following Transmog 1.0.6 (SPEC.md 3.3, 3.5, 3.6); or
//! full paths, shortened with a stable hash beyond a length limit ([`NamingStyle`]).

/// How paths become names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamingStyle {
    /// Transmog 1.0.6: a path with `deeply_nested_threshold` separators or more becomes
    /// `<first>_nested_<last>` (many paths fold into one name; suffixes keep them apart).
    Nested,
    /// The whole path (`customer_address_city`); a name longer than the length limit
    /// keeps its start and end around a short hash of the whole name, so it stays
    /// readable, unique and the same in every run.
    Full,
}

/// The default length limit of full names: 63 characters, PostgreSQL's identifier
/// limit, the strictest of the usual warehouses.
pub const DEFAULT_MAX_NAME_LENGTH: usize = 63;

/// Names paths by a [`NamingStyle`].
#[derive(Debug, Clone)]
pub struct Namer {
    /// The style.
    pub style: NamingStyle,
    /// Joins path components.
    pub sep: String,
    /// `Nested` style's threshold (separators).
    pub threshold: usize,
    /// `Full` style's length limit (characters).
    pub max_len: usize,
}

impl Namer {
    /// The name of a field at raw key `path`, and whether it was shortened (`Full`).
    pub fn field(&self, path: &[&str]) -> (String, bool) {
        match self.style {
            NamingStyle::Nested => {
                let name = field_name(path, &self.sep, self.threshold);
                let abbreviated = name != path.join(&self.sep);
                (name, abbreviated)
            }
            NamingStyle::Full => shorten(path.join(&self.sep), self.max_len, &self.sep),
        }
    }

    /// The name of a child table (see [`table_name`]), and whether it was shortened.
    pub fn table(&self, entity: &str, parent_path: &[&str], array_key: &str) -> (String, bool) {
        match self.style {
            NamingStyle::Nested => {
                let name = table_name(entity, parent_path, array_key, &self.sep, self.threshold);
                let whole = table_name(entity, parent_path, array_key, &self.sep, usize::MAX);
                let abbreviated = name != whole;
                (name, abbreviated)
            }
            NamingStyle::Full => {
                let mut name = entity.to_string();
                for k in parent_path.iter().chain([&array_key]) {
                    name.push_str(&self.sep);
                    name.push_str(k);
                }
                shorten(name, self.max_len, &self.sep)
            }
        }
    }
}

/// `name` when it has at most `max_len` characters; else its start and end around a
/// hash of the whole name, `<head><sep><hash8><sep><tail>`, at most `max_len` characters.
fn shorten(name: String, max_len: usize, sep: &str) -> (String, bool) {
    let chars = name.chars().count();
    if chars <= max_len {
        return (name, false);
    }
    // FNV-1a of the whole name: stable across runs and builds.
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let hash = format!("{:08x}", hash >> 32);
    let sep_len = sep.chars().count();
    let room = max_len.saturating_sub(hash.len() + 2 * sep_len);
    let head_len = room / 2;
    let tail_len = room - head_len;
    let head: String = name.chars().take(head_len).collect();
    let tail: String = name.chars().skip(chars - tail_len).collect();
    // A separator cut in half at the seams would read as a doubled one.
    let (head, tail) = if sep.is_empty() {
        (head.as_str(), tail.as_str())
    } else {
        (head.trim_end_matches(sep), tail.trim_start_matches(sep))
    };
    (format!("{head}{sep}{hash}{sep}{tail}"), true)
}

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

    fn full(max_len: usize) -> Namer {
        Namer {
            style: NamingStyle::Full,
            sep: "_".into(),
            threshold: 4,
            max_len,
        }
    }

    #[test]
    fn full_names_keep_the_whole_path_up_to_the_limit() {
        let n = full(63);
        assert_eq!(
            n.field(&["a", "b", "c", "d", "e"]),
            ("a_b_c_d_e".to_string(), false)
        );
        assert_eq!(
            n.table("t", &["x", "y", "z"], "w"),
            ("t_x_y_z_w".to_string(), false)
        );
    }

    #[test]
    fn long_names_are_shortened_stably_and_distinctly() {
        let n = full(30);
        let long: Vec<String> = (0..12).map(|i| format!("part{i}")).collect();
        let path: Vec<&str> = long.iter().map(String::as_str).collect();
        let (name, shortened) = n.field(&path);
        assert!(shortened);
        assert_eq!(name.chars().count(), 30);
        assert!(
            name.starts_with("part0_part") && name.ends_with("part11"),
            "{name}"
        );
        // The same path gives the same name; a path differing only in the middle does not.
        assert_eq!(n.field(&path).0, name);
        let mut other = path.clone();
        other[6] = "other";
        assert_ne!(n.field(&other).0, name);
        // Multi-byte characters are counted as characters, never split.
        let wide = ["é".repeat(40)];
        let (w, _) = n.field(&[wide[0].as_str()]);
        assert_eq!(w.chars().count(), 30);
    }

    #[test]
    fn nested_style_reports_abbreviations() {
        let n = Namer {
            style: NamingStyle::Nested,
            ..full(63)
        };
        assert_eq!(n.field(&["a", "b"]), ("a_b".to_string(), false));
        assert_eq!(
            n.field(&["a", "b", "c", "d", "e"]),
            ("a_nested_e".to_string(), true)
        );
        assert_eq!(
            n.table("t", &["a", "b", "c"], "d"),
            ("t_a_nested_d".to_string(), true)
        );
    }
}
