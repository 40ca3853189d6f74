//! Objects whose keys are data ("maps": `{"events": {"138586341": {...}, ...}}`): which
//! paths hold them, given explicitly or detected from a sample of records, and the trie
//! the flattener follows to spot them. A map becomes a child table with one row per key
//! (the key in a `__key` column), like an array with one row per item.
//!
//! Paths are raw keys from the record root; array levels and map levels are transparent
//! (`items[].attrs` is `items.attrs`, the fields of a map's values are below the map's
//! own path), as for table paths.
//!
//! # Detection ([`MapSample`])
//!
//! From the first [`SAMPLE_RECORDS`] records of a run, per object path (the root
//! excluded): how many objects were met there, every key and how often it appeared, and
//! the kind of each value. A path is a map when its values are of one kind (at least
//! 90% objects, or arrays, or scalars and nulls) and its keys look like data:
//!
//! - at least [`MIN_DATA_KEYS`] distinct keys, 90% of them shaped like data rather than
//!   a field name: numbers, UUIDs, hex ids of 8 or more characters with a digit, ISO
//!   dates, URL paths and URLs, e-mail addresses, scoped package names, locale tags with
//!   a region (`en-US`); or
//! - at least [`MIN_KEYS`] distinct keys that rarely repeat: over at least 10 objects,
//!   a key appears in at most 10% of them on average (field names appear in most); or
//! - at least [`MANY_KEYS`] distinct keys (more than any record type has fields).
//!
//! Paths below a map are decided on the map's values taken together.

use rustc_hash::FxHashMap;

use crate::node::{Node, View};

/// Records a run samples to detect maps.
pub const SAMPLE_RECORDS: usize = 1000;
/// Fewest distinct keys of a map whose keys look like field names.
pub const MIN_KEYS: usize = 8;
/// Fewest distinct keys of a map whose keys look like ids or dates.
pub const MIN_DATA_KEYS: usize = 2;
/// Distinct keys that make a path a map whatever they look like.
pub const MANY_KEYS: usize = 256;
/// Keys remembered per path; a path with more is a map.
const MAX_TRACKED_KEYS: usize = 4096;
/// Paths remembered per sample (memory bound on hostile input).
const MAX_NODES: usize = 200_000;

/// A map path: raw keys from the record root (array and map levels transparent).
pub type MapPath = Vec<String>;

/// `a.b.c`, or a JSON list of keys (`["a.b", "c"]`) for keys holding dots.
pub fn parse_path(text: &str) -> Result<MapPath, String> {
    let text = text.trim();
    let path: MapPath = if text.starts_with('[') {
        serde_json::from_str(text)
            .map_err(|e| format!("'{text}' is not a JSON list of keys: {e}"))?
    } else {
        text.split('.').map(str::to_string).collect()
    };
    if path.is_empty() || (path.len() == 1 && path[0].is_empty()) {
        return Err("the record itself cannot be a map".to_string());
    }
    Ok(path)
}

/// A path as text: keys joined by dots (the `--map` syntax).
pub fn path_text(path: &[String]) -> String {
    if path.iter().any(|k| k.contains('.')) {
        serde_json::to_string(path).unwrap_or_default()
    } else {
        path.join(".")
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct KeyStat {
    /// Objects of the path holding the key.
    count: u64,
}

/// What was seen at one object path.
#[derive(Debug, Default, Clone)]
struct StatNode {
    objects: u64,
    keys: FxHashMap<Box<str>, KeyStat>,
    overflow: bool,
    /// Values by kind: objects, arrays, scalars (nulls included).
    kinds: [u64; 3],
    children: FxHashMap<Box<str>, StatNode>,
}

impl StatNode {
    fn merge(&mut self, other: &StatNode) {
        self.objects += other.objects;
        self.overflow |= other.overflow;
        for (k, s) in &other.keys {
            if self.keys.len() >= MAX_TRACKED_KEYS && !self.keys.contains_key(k) {
                self.overflow = true;
                continue;
            }
            self.keys.entry(k.clone()).or_default().count += s.count;
        }
        for i in 0..3 {
            self.kinds[i] += other.kinds[i];
        }
        for (k, c) in &other.children {
            self.children.entry(k.clone()).or_default().merge(c);
        }
    }

    fn is_map(&self) -> bool {
        let distinct = self.keys.len();
        if distinct < MIN_DATA_KEYS && !self.overflow {
            return false;
        }
        let values: u64 = self.kinds.iter().sum();
        let dominant = self.kinds.iter().copied().max().unwrap_or(0);
        if values == 0 || dominant * 10 < values * 9 {
            return false;
        }
        if self.overflow || distinct >= MANY_KEYS {
            return true;
        }
        let data_like = self.keys.keys().filter(|k| data_like(k)).count();
        if data_like * 10 >= distinct * 9 {
            return true;
        }
        if distinct < MIN_KEYS {
            return false;
        }
        if self.objects >= 10 {
            let presence: f64 = self
                .keys
                .values()
                .map(|s| s.count as f64 / self.objects as f64)
                .sum::<f64>()
                / distinct as f64;
            return presence <= 0.1;
        }
        false
    }
}

/// Whether a key has the shape of an identifier or a date rather than a field name.
fn data_like(k: &str) -> bool {
    let b = k.as_bytes();
    if b.is_empty() {
        return false;
    }
    // Numbers, also signed or with a fraction ("-1", "2.5").
    let unsigned = b.strip_prefix(b"-").unwrap_or(b);
    if !unsigned.is_empty()
        && unsigned.iter().all(|c| c.is_ascii_digit() || *c == b'.')
        && unsigned.iter().filter(|c| **c == b'.').count() <= 1
        && unsigned[0].is_ascii_digit()
    {
        return true;
    }
    // URL paths and URLs ("/pets/{id}", "https://..."), e-mail addresses, scoped
    // package names ("@babel/core").
    if b[0] == b'/' || k.contains("://") || (b[0] == b'@' && k.contains('/')) {
        return true;
    }
    if let Some(at) = k.find('@') {
        if at > 0 && k[at..].contains('.') && !k.contains(' ') {
            return true;
        }
    }
    // Locale tags with a region ("en-US", "pt_BR").
    if b.len() == 5
        && b[..2].iter().all(u8::is_ascii_lowercase)
        && (b[2] == b'-' || b[2] == b'_')
        && b[3..].iter().all(u8::is_ascii_uppercase)
    {
        return true;
    }
    let hex = |c: &u8| c.is_ascii_hexdigit();
    // UUID: 8-4-4-4-12 hex digits.
    if b.len() == 36
        && [8, 13, 18, 23].iter().all(|&i| b[i] == b'-')
        && b.iter()
            .enumerate()
            .all(|(i, c)| [8, 13, 18, 23].contains(&i) || hex(c))
    {
        return true;
    }
    // Hex ids (hashes, object ids) of 8 or more characters, with at least one digit.
    if b.len() >= 8 && b.iter().all(hex) && b.iter().any(u8::is_ascii_digit) {
        return true;
    }
    // ISO dates and times: YYYY-MM-DD...
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
}

/// Statistics of the object paths of a sample of records, for detecting maps.
#[derive(Debug, Default)]
pub struct MapSample {
    root: StatNode,
    records: usize,
    nodes: usize,
}

impl MapSample {
    /// An empty sample.
    pub fn new() -> Self {
        MapSample::default()
    }

    /// Records added so far.
    pub fn records(&self) -> usize {
        self.records
    }

    /// Whether the sample has its [`SAMPLE_RECORDS`] records.
    pub fn is_full(&self) -> bool {
        self.records >= SAMPLE_RECORDS
    }

    /// Adds one record (records that are not objects are ignored).
    pub fn add<'a, N: Node<'a>>(&mut self, record: N) {
        if self.is_full() {
            return;
        }
        self.records += 1;
        let mut nodes = self.nodes;
        walk(&mut self.root, record, &mut nodes, 0);
        self.nodes = nodes;
    }

    /// The map paths of the sample, outer maps first.
    pub fn decide(&self) -> Vec<MapPath> {
        let mut out = Vec::new();
        decide(&self.root, &mut Vec::new(), &mut out);
        out
    }
}

fn walk<'a, N: Node<'a>>(node: &mut StatNode, v: N, nodes: &mut usize, depth: usize) {
    // Deep documents are sampled to a bounded depth; the flattener has its own limits.
    if depth > 64 {
        return;
    }
    let View::Object { entries, .. } = v.view() else {
        return;
    };
    node.objects += 1;
    for entry in entries {
        let Ok((key, value)) = entry else { return };
        if let Some(s) = node.keys.get_mut(key) {
            s.count += 1;
        } else if node.keys.len() < MAX_TRACKED_KEYS {
            node.keys.insert(key.into(), KeyStat { count: 1 });
        } else {
            node.overflow = true;
        }
        let view = value.view();
        let kind = match view {
            View::Object { .. } => 0,
            View::Array { .. } => 1,
            _ => 2,
        };
        node.kinds[kind] += 1;
        let objects: Vec<N> = match view {
            View::Object { .. } => vec![value],
            View::Array { items, .. } => items
                .filter(|i| matches!(i.view(), View::Object { .. }))
                .collect(),
            _ => continue,
        };
        if objects.is_empty() {
            continue;
        }
        if !node.children.contains_key(key) {
            if *nodes >= MAX_NODES {
                continue;
            }
            *nodes += 1;
        }
        let child = node.children.entry(key.into()).or_default();
        for o in objects {
            walk(child, o, nodes, depth + 1);
        }
    }
}

fn decide(node: &StatNode, path: &mut Vec<String>, out: &mut Vec<MapPath>) {
    let mut keys: Vec<&Box<str>> = node.children.keys().collect();
    keys.sort();
    for k in keys {
        let child = &node.children[k];
        path.push(k.to_string());
        if child.is_map() {
            out.push(path.clone());
            // The map's values, taken together, are the objects below its path.
            let mut values = StatNode::default();
            let mut names: Vec<&Box<str>> = child.children.keys().collect();
            names.sort();
            for n in names {
                values.merge(&child.children[n]);
            }
            decide(&values, path, out);
        } else {
            decide(child, path, out);
        }
        path.pop();
    }
}

/// The map paths as a trie the flattener follows key by key.
#[derive(Debug, Default, Clone)]
pub struct MapTrie {
    nodes: Vec<TrieNode>,
}

#[derive(Debug, Default, Clone)]
struct TrieNode {
    children: FxHashMap<Box<str>, u32>,
    is_map: bool,
}

/// A position in a [`MapTrie`]: `None` when no map path goes through.
pub type TriePos = Option<u32>;

impl MapTrie {
    /// The trie of `paths` (empty: no maps).
    pub fn new(paths: &[MapPath]) -> Self {
        if paths.is_empty() {
            return MapTrie::default();
        }
        let mut t = MapTrie {
            nodes: vec![TrieNode::default()],
        };
        for p in paths {
            let mut at = 0u32;
            for k in p {
                let next = t.nodes.len() as u32;
                at = *t.nodes[at as usize]
                    .children
                    .entry(k.as_str().into())
                    .or_insert(next);
                if at == next {
                    t.nodes.push(TrieNode::default());
                }
            }
            t.nodes[at as usize].is_map = true;
        }
        t
    }

    /// Whether there are no maps.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The record root.
    pub fn root(&self) -> TriePos {
        (!self.nodes.is_empty()).then_some(0)
    }

    /// The position below `at` by `key`.
    pub fn child(&self, at: TriePos, key: &str) -> TriePos {
        self.nodes.get(at? as usize)?.children.get(key).copied()
    }

    /// The position of a whole path from the root.
    pub fn find<'k>(&self, path: impl IntoIterator<Item = &'k str>) -> TriePos {
        path.into_iter()
            .try_fold(self.root()?, |at, k| self.child(Some(at), k))
    }

    /// Whether the object at `at` is a map.
    pub fn is_map(&self, at: TriePos) -> bool {
        at.and_then(|a| self.nodes.get(a as usize))
            .is_some_and(|n| n.is_map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value;

    fn sample(docs: &[&str]) -> Vec<String> {
        let mut s = MapSample::new();
        for d in docs {
            s.add(&value::parse(d.as_bytes()).unwrap());
        }
        s.decide().iter().map(|p| path_text(p)).collect()
    }

    #[test]
    fn id_keyed_objects_are_maps_in_one_record() {
        let events: Vec<String> = (0..12)
            .map(|i| {
                format!(
                    r#""{}": {{"name": "e{i}", "topics": {{"t{i}": 1}}}}"#,
                    138586341 + i
                )
            })
            .collect();
        let doc = format!(
            r#"{{"events": {{{}}}, "meta": {{"a": 1}}}}"#,
            events.join(",")
        );
        // Each event's `topics` holds one key of its own: keys that never repeat are
        // data too.
        assert_eq!(sample(&[&doc]), ["events", "events.topics"]);
    }

    #[test]
    fn field_objects_are_not_maps() {
        let doc = r#"{"user": {"id": 1, "login": "x", "url": "u", "type": "User", "site_admin": false,
            "name": "n", "email": null, "bio": "b", "blog": "", "company": null}}"#;
        let docs: Vec<&str> = std::iter::repeat_n(doc, 20).collect();
        assert!(sample(&docs).is_empty());
    }

    #[test]
    fn keys_that_rarely_repeat_make_a_map_and_nested_maps_are_found() {
        let docs: Vec<String> = (0..20)
            .map(|i| {
                format!(
                    r#"{{"prices": {{"k{a}": {{"rates": {{"2024-01-0{d}": 1.5, "2024-02-0{d}": 2, "2024-03-0{d}": 1, "2024-04-0{d}": 3, "2024-05-0{d}": 1, "2024-06-0{d}": 1, "2024-07-0{d}": 1, "2024-08-0{d}": 1}}}}, "k{b}": {{"rates": {{}}}}}}}}"#,
                    a = i * 2,
                    b = i * 2 + 1,
                    d = i % 9 + 1
                )
            })
            .collect();
        let docs: Vec<&str> = docs.iter().map(String::as_str).collect();
        assert_eq!(sample(&docs), ["prices", "prices.rates"]);
    }

    #[test]
    fn mixed_value_kinds_are_not_a_map() {
        let doc = r#"{"x": {"1": 1, "2": {"a": 1}, "3": [1], "4": 2, "5": {"b": 2}, "6": [2], "7": 3, "8": {"c": 1}}}"#;
        assert!(sample(&[doc]).is_empty());
    }

    #[test]
    fn data_shaped_keys() {
        for k in [
            "138586341",
            "-1",
            "2.5",
            "2024-01-31",
            "2024-01-31T10:00:00Z",
            "0f8fad5b-d9cb-469f-a165-70867728950e",
            "5f2b1c9a7e",
            "/pets/{petId}",
            "https://example.com/a",
            "ann@example.com",
            "@babel/core",
            "en-US",
        ] {
            assert!(data_like(k), "{k}");
        }
        for k in [
            "id",
            "name",
            "created_at",
            "@timestamp",
            "host.name",
            "en",
            "USD",
            "deadbeef",
            "1st",
            "",
        ] {
            assert!(!data_like(k), "{k}");
        }
    }

    #[test]
    fn paths_parse_and_print() {
        assert_eq!(parse_path("a.b").unwrap(), ["a", "b"]);
        assert_eq!(parse_path(r#"["a.b", "c"]"#).unwrap(), ["a.b", "c"]);
        assert!(parse_path("").is_err());
        assert_eq!(path_text(&["a.b".into(), "c".into()]), r#"["a.b","c"]"#);
        let t = MapTrie::new(&[vec!["a".into(), "b".into()]]);
        assert!(t.is_map(t.find(["a", "b"])));
        assert!(!t.is_map(t.find(["a"])));
        assert_eq!(t.find(["x"]), None);
    }
}
