//! A flat, owned encoding of JSON-like records: one vector of fixed-size slots and one
//! text buffer, no allocation per value. A thread that must not flatten (one holding
//! Python's GIL, say) writes records onto a tape cheaply; flattening threads walk it in
//! place through [`Node`].
//!
//! Layout: every value is one slot; a string's slot points into the text; an array's
//! slot is followed by its items and an object's by `key, value` slot pairs, and both
//! record where their subtree ends, so a walk skips a value in one step.

use std::borrow::Cow;

use crate::node::{Node, NodeError, View};
use crate::value::{self, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Tag {
    Null,
    False,
    True,
    Int,
    Float,
    BigInt,
    Str,
    Key,
    Array,
    Object,
}

/// One value: a tag, a count or length (`a`) and a payload (`b`): the integer or float
/// bits, the text offset, or the index just past a container's subtree.
#[derive(Debug, Clone, Copy)]
struct Slot {
    tag: Tag,
    a: u32,
    b: u64,
}

/// Records written value by value (see the module docs).
#[derive(Debug, Default, Clone)]
pub struct Tape {
    slots: Vec<Slot>,
    text: String,
    roots: Vec<u32>,
    /// Slots of the open containers.
    open: Vec<u32>,
    /// Text length when the last record began.
    record_text: usize,
    /// Whether the scanner keeps the text of floats written as Python writes them.
    float_text: bool,
}

impl Tape {
    /// An empty tape.
    pub fn new() -> Self {
        Tape::default()
    }

    /// Empties the tape, keeping its memory.
    pub fn clear(&mut self) {
        self.slots.clear();
        self.text.clear();
        self.roots.clear();
        self.open.clear();
        self.record_text = 0;
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.roots.len()
    }

    /// True when the tape holds no record.
    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }

    /// Bytes of text held.
    pub fn text_len(&self) -> usize {
        self.text.len()
    }

    /// Bytes the records take: their text and their nodes.
    pub fn byte_len(&self) -> usize {
        self.text.len() + self.slots.len() * std::mem::size_of::<Slot>()
    }

    /// The records, in order.
    pub fn records(&self) -> impl Iterator<Item = TapeNode<'_>> {
        self.roots.iter().map(move |&i| TapeNode { tape: self, i })
    }

    /// Starts the next record; write exactly one value for it.
    pub fn begin_record(&mut self) {
        debug_assert!(self.open.is_empty(), "a container is still open");
        self.roots.push(self.slots.len() as u32);
        self.record_text = self.text.len();
    }

    fn scalar(&mut self, tag: Tag, a: u32, b: u64) {
        self.slots.push(Slot { tag, a, b });
    }

    fn text_slot(&mut self, tag: Tag, s: &str) {
        let start = self.begin_text();
        self.push_text(s);
        self.end_text(tag, start);
    }

    /// `null`
    pub fn null(&mut self) {
        self.scalar(Tag::Null, 0, 0);
    }

    /// `true` / `false`
    pub fn bool(&mut self, b: bool) {
        self.scalar(if b { Tag::True } else { Tag::False }, 0, 0);
    }

    /// An integer.
    pub fn int(&mut self, i: i64) {
        self.scalar(Tag::Int, 0, i as u64);
    }

    /// A float.
    pub fn float(&mut self, f: f64) {
        self.scalar(Tag::Float, 0, f.to_bits());
    }

    /// Whether [`Tape::parse_record`] keeps the text of floats that Python would write
    /// as they are written (for flattening that casts them to text); off at first.
    pub fn keep_float_text(&mut self, keep: bool) {
        self.float_text = keep;
    }

    pub(crate) fn keeps_float_text(&self) -> bool {
        self.float_text
    }

    /// A float and its text, which is Python's `repr` of it. The text goes into the
    /// text buffer behind a length byte, and the slot's `a` is 1 + that byte's offset.
    pub(crate) fn float_with_repr(&mut self, f: f64, repr: &str) {
        match u32::try_from(self.text.len() + 1) {
            Ok(at) if repr.len() < 128 => {
                self.text.push(char::from(repr.len() as u8));
                self.text.push_str(repr);
                self.scalar(Tag::Float, at, f.to_bits());
            }
            _ => self.float(f),
        }
    }

    /// A number no 64-bit type holds, as its text.
    pub fn big_int(&mut self, digits: &str) {
        self.text_slot(Tag::BigInt, digits);
    }

    /// A string.
    pub fn str(&mut self, s: &str) {
        self.text_slot(Tag::Str, s);
    }

    /// Where text written piece by piece ([`Tape::push_text`]) begins.
    pub(crate) fn begin_text(&mut self) -> usize {
        self.text.len()
    }

    pub(crate) fn push_text(&mut self, s: &str) {
        crate::small::push_str(&mut self.text, s);
    }

    pub(crate) fn push_char(&mut self, c: char) {
        self.text.push(c);
    }

    /// The text written since `start` is a string.
    pub(crate) fn end_str(&mut self, start: usize) {
        self.end_text(Tag::Str, start);
    }

    /// The text written since `start` is the next key of the open object.
    pub(crate) fn end_key(&mut self, start: usize) {
        self.end_text(Tag::Key, start);
    }

    fn end_text(&mut self, tag: Tag, start: usize) {
        self.slots.push(Slot {
            tag,
            a: (self.text.len() - start) as u32,
            b: start as u64,
        });
    }

    /// Opens an array; write its items, then [`Tape::end`] with their number.
    pub fn begin_array(&mut self) {
        self.open_container(Tag::Array);
    }

    /// Opens an object; write `key`, value pairs, then [`Tape::end`] with their number.
    pub fn begin_object(&mut self) {
        self.open_container(Tag::Object);
    }

    fn open_container(&mut self, tag: Tag) {
        self.open.push(self.slots.len() as u32);
        self.slots.push(Slot { tag, a: 0, b: 0 });
    }

    /// The key of the next entry of the open object.
    pub fn key(&mut self, k: &str) {
        self.text_slot(Tag::Key, k);
    }

    /// Closes the innermost open array or object, which holds `len` items or entries.
    pub fn end(&mut self, len: u32) {
        if let Some(i) = self.open.pop() {
            let end = self.slots.len() as u64;
            let slot = &mut self.slots[i as usize];
            slot.a = len;
            slot.b = end;
        }
    }

    /// Writes any document's value ([`Node`]): one walk, copying its text.
    pub fn node<'a, N: Node<'a>>(&mut self, n: N) -> Result<(), NodeError> {
        let view = n.view();
        if let View::Str(s) | View::BigInt(s) = &view {
            fits(s)?;
        }
        match view {
            View::Null => self.null(),
            View::Bool(b) => self.bool(b),
            View::Int(i) => self.int(i),
            View::BigInt(s) => self.big_int(&s),
            View::Float(f) | View::FloatText(f, _) => self.float(f),
            View::Str(s) => self.str(&s),
            View::Array { items, .. } => {
                self.begin_array();
                let mut n = 0;
                for item in items {
                    self.node(item)?;
                    n += 1;
                }
                self.end(n);
            }
            View::Object { entries, .. } => {
                self.begin_object();
                let mut n = 0;
                for entry in entries {
                    let (k, v) = entry?;
                    fits(k)?;
                    self.key(k);
                    self.node(v)?;
                    n += 1;
                }
                self.end(n);
            }
        }
        Ok(())
    }

    /// Parses one JSON document onto the tape as its next record, with no tree in
    /// between (our byte scanner, `scan.rs`): what [`value::parse`] would give. `false`,
    /// with nothing written, when only that reading can tell — a number no 64-bit type
    /// holds as written, text that is not UTF-8, any syntax error: `value::parse` then
    /// gives the value, or the error with its position.
    pub fn parse_record(&mut self, text: &[u8]) -> bool {
        let text = value::without_bom(text);
        let Ok(text) = simdutf8::basic::from_utf8(text) else {
            return false;
        };
        if text.len() > u32::MAX as usize {
            return false;
        }
        self.begin_record();
        if crate::scan::scan(self, text).is_err() {
            self.abandon_record();
            return false;
        }
        true
    }

    /// Drops the record being written (after a failed [`Tape::node`]).
    pub fn abandon_record(&mut self) {
        if let Some(start) = self.roots.pop() {
            self.slots.truncate(start as usize);
            self.text.truncate(self.record_text);
        }
        self.open.clear();
    }

    /// Writes a parsed value.
    pub fn value(&mut self, v: &Value<'_>) {
        match v {
            Value::Null => self.null(),
            Value::Bool(b) => self.bool(*b),
            Value::Int(i) => self.int(*i),
            Value::BigInt(s) => self.big_int(s),
            Value::Float(f) => self.float(*f),
            Value::Str(s) => self.str(s),
            Value::Array(items) => {
                self.begin_array();
                for item in items {
                    self.value(item);
                }
                self.end(items.len() as u32);
            }
            Value::Object(entries) => {
                self.begin_object();
                for (k, item) in entries {
                    self.key(k);
                    self.value(item);
                }
                self.end(entries.len() as u32);
            }
        }
    }

    fn text_of(&self, slot: &Slot) -> &str {
        let start = slot.b as usize;
        &self.text[start..start + slot.a as usize]
    }

    /// The index just past the value at `i`.
    fn next(&self, i: u32) -> u32 {
        let slot = &self.slots[i as usize];
        match slot.tag {
            Tag::Array | Tag::Object => slot.b as u32,
            _ => i + 1,
        }
    }
}

/// Text a slot can point at (lengths are 32 bits).
pub fn fits(s: &str) -> Result<(), NodeError> {
    if s.len() > u32::MAX as usize {
        return Err(NodeError(format!(
            "a text of {} bytes is too long",
            s.len()
        )));
    }
    Ok(())
}

/// One value of a [`Tape`].
#[derive(Debug, Clone, Copy)]
pub struct TapeNode<'a> {
    tape: &'a Tape,
    i: u32,
}

/// Entries of a tape object.
#[derive(Debug)]
pub struct TapeEntries<'a> {
    tape: &'a Tape,
    i: u32,
    left: u32,
}

impl<'a> Iterator for TapeEntries<'a> {
    type Item = Result<(&'a str, TapeNode<'a>), NodeError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let key = self.tape.text_of(&self.tape.slots[self.i as usize]);
        let value = self.i + 1;
        self.i = self.tape.next(value);
        Some(Ok((
            key,
            TapeNode {
                tape: self.tape,
                i: value,
            },
        )))
    }
}

/// Items of a tape array.
#[derive(Debug)]
pub struct TapeItems<'a> {
    tape: &'a Tape,
    i: u32,
    left: u32,
}

impl<'a> Iterator for TapeItems<'a> {
    type Item = TapeNode<'a>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let item = self.i;
        self.i = self.tape.next(item);
        Some(TapeNode {
            tape: self.tape,
            i: item,
        })
    }
}

impl<'a> Node<'a> for TapeNode<'a> {
    type Entries = TapeEntries<'a>;
    type Items = TapeItems<'a>;

    #[inline]
    fn view(self) -> View<'a, Self> {
        let slot = &self.tape.slots[self.i as usize];
        match slot.tag {
            Tag::Null => View::Null,
            Tag::False => View::Bool(false),
            Tag::True => View::Bool(true),
            Tag::Int => View::Int(slot.b as i64),
            Tag::Float if slot.a == 0 => View::Float(f64::from_bits(slot.b)),
            Tag::Float => {
                let at = slot.a as usize;
                let len = self.tape.text.as_bytes()[at - 1] as usize;
                View::FloatText(f64::from_bits(slot.b), &self.tape.text[at..at + len])
            }
            Tag::BigInt => View::BigInt(Cow::Borrowed(self.tape.text_of(slot))),
            Tag::Str | Tag::Key => View::Str(Cow::Borrowed(self.tape.text_of(slot))),
            Tag::Array => View::Array {
                len: slot.a as usize,
                items: TapeItems {
                    tape: self.tape,
                    i: self.i + 1,
                    left: slot.a,
                },
            },
            Tag::Object => View::Object {
                len: slot.a as usize,
                entries: TapeEntries {
                    tape: self.tape,
                    i: self.i + 1,
                    left: slot.a,
                },
            },
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::value::parse;

    #[test]
    fn a_tape_gives_back_the_values_written_on_it() {
        let docs = [
            r#"{"a": 1, "b": [true, null, 2.5, "x", {"c": []}], "d": {}, "a": "dup"}"#,
            r#"[1, [2, [3]], {"k": 123456789012345678901234567890}]"#,
            r#""just text""#,
            r#"{}"#,
        ];
        let mut tape = Tape::new();
        let values: Vec<_> = docs.iter().map(|d| parse(d.as_bytes()).unwrap()).collect();
        for v in &values {
            tape.begin_record();
            tape.value(v);
        }
        assert_eq!(tape.len(), 4);
        for (node, v) in tape.records().zip(&values) {
            assert_eq!(&node.to_value().unwrap(), v);
        }
        // A tape copied node by node from another is the same tape.
        let mut copy = Tape::new();
        for node in tape.records() {
            copy.begin_record();
            copy.node(node).unwrap();
        }
        let again: Vec<_> = copy.records().map(|n| n.to_value().unwrap()).collect();
        assert_eq!(again, values);
        tape.clear();
        assert!(tape.is_empty() && tape.text_len() == 0);
    }

    #[test]
    fn parsing_onto_a_tape_leaves_the_exact_cases_to_the_value_reader() {
        let mut tape = Tape::new();
        for doc in [
            r#"{"a": -0}"#,
            r#"{"a": 123456789012345678901234567890}"#,
            r#"{"a": [1e400]}"#,
            r#"{"a": 1"#,
            r#"{"a": 1} x"#,
            "",
        ] {
            assert!(!tape.parse_record(doc.as_bytes()), "{doc}");
            assert!(tape.is_empty(), "{doc}: nothing written");
        }
        assert!(!tape.parse_record(b"{\"a\": \"\xff\"}"));
        // Text that is not UTF-8, at every place in a word of the string scan, in keys
        // and values; valid multi-byte text in the same places is read.
        let bad: [&[u8]; 6] = [
            b"\xff",
            b"\xc3",
            b"\xc3(",
            b"\xc0\xaf",
            b"\xed\xa0\x80",
            b"\xf4\x90\x80\x80",
        ];
        for pad in 0..12 {
            let ascii = "x".repeat(pad);
            for seq in bad {
                for key in [false, true] {
                    let mut text = ascii.clone().into_bytes();
                    text.extend_from_slice(seq);
                    text.extend_from_slice(b"tail");
                    let mut doc = b"{\"".to_vec();
                    if key {
                        doc.extend_from_slice(&text);
                        doc.extend_from_slice(b"\": 1}");
                    } else {
                        doc.extend_from_slice(b"k\": \"");
                        doc.extend_from_slice(&text);
                        doc.extend_from_slice(b"\"}");
                    }
                    tape.clear();
                    assert!(!tape.parse_record(&doc), "{doc:?}");
                    assert!(parse(&doc).is_err(), "{doc:?}");
                }
            }
            for good in ["é", "€", "😀", "é\\n€"] {
                let doc = format!("{{\"{ascii}{good}\": \"{ascii}{good}{ascii}\"}}");
                tape.clear();
                assert!(tape.parse_record(doc.as_bytes()), "{doc}");
                let node = tape.records().next().unwrap();
                assert_eq!(node.to_value().unwrap(), parse(doc.as_bytes()).unwrap());
            }
        }
        // Everything else is read here, and read as the value reader reads it.
        for doc in [
            "\u{feff}{\"k\\n\": 18446744073709551615, \"e\": \"\\u00e9\", \"k\\n\": -1.5e-7}\n",
            r#"{"s": "\ud83d\ude00 \" \\ \/ \b\f\n\r\t \u0000", "long": "more than eight bytes é€"}"#,
            r#" [ -9223372036854775808, 9223372036854775807, 0, 0.0, 1E5, 2.5e-3, 1e-400, 5e-324 ] "#,
            "{\"a\":{\"b\":[[],{},[{}]],\"c\":null},\"d\":true,\"e\":false}",
            "\"\"",
        ] {
            tape.clear();
            assert!(tape.parse_record(doc.as_bytes()), "{doc}");
            let node = tape.records().next().unwrap();
            assert_eq!(
                node.to_value().unwrap(),
                parse(doc.as_bytes()).unwrap(),
                "{doc}"
            );
        }
    }

    /// Number spellings, valid and not, that the scanner must read as serde_json does.
    const NUMBERS: &[&str] = &[
        "0",
        "-0",
        "-0.0",
        "0.0",
        "1",
        "-1",
        "01",
        "-01",
        "1.",
        ".5",
        "-",
        "+1",
        "1e",
        "1e+",
        "1E5",
        "1e-5",
        "1.5E+3",
        "2.5e-0",
        "1e400",
        "-1e400",
        "1e-400",
        "-1e-400",
        "0e0",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775808",
        "-9223372036854775809",
        "18446744073709551615",
        "18446744073709551616",
        "9223372036854775808.0",
        "1e19",
        "1.7976931348623157e308",
        "5e-324",
        "0.1000000000000000055511151231257827",
        "123456789012345678901234567890",
        "3.14159265358979323846264338327950288",
        "1_0",
        "0x10",
        "Infinity",
        "NaN",
    ];

    /// String bodies, valid and not: escapes of every kind, surrogates, control bytes.
    const STRINGS: &[&str] = &[
        "",
        "plain",
        "\\\"",
        "\\\\",
        "\\/",
        "\\b\\f\\n\\r\\t",
        "\\u00e9",
        "\\u0000",
        "\\ud83d\\ude00",
        "\\ud83d",
        "\\ude00",
        "\\ud83d\\u0041",
        "\\ud83dx",
        "\\u12",
        "\\uZZZZ",
        "\\x",
        "tab\there",
        "nl\nhere",
        "\u{1f}",
        "\u{7f}",
        "é€😀",
        "a very long text over eight bytes \\n end",
    ];

    fn json_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let scalar = prop_oneof![
            Just("null".to_string()),
            Just("true".to_string()),
            Just("false".to_string()),
            Just("nul".to_string()),
            proptest::sample::select(NUMBERS).prop_map(str::to_string),
            proptest::sample::select(STRINGS).prop_map(|s| format!("\"{s}\"")),
            any::<i64>().prop_map(|i| i.to_string()),
            any::<u64>().prop_map(|i| i.to_string()),
            any::<f64>().prop_map(|f| format!("{f:e}")),
            any::<f64>().prop_map(|f| format!("{f}")),
            (0u32..1000, 0u32..100).prop_map(|(a, b)| format!("{a}.{b:02}")),
            "[a-z é]{0,6}".prop_map(|s| format!("{s:?}")),
        ];
        let space = proptest::sample::select(&["", " ", "\n", "\t", "\r\n", "\u{c}", "  "][..]);
        scalar.prop_recursive(5, 48, 4, move |inner| {
            prop_oneof![
                (
                    proptest::collection::vec(inner.clone(), 0..4),
                    space.clone()
                )
                    .prop_map(|(items, sp)| format!("[{sp}{}]", items.join(&format!(",{sp}")))),
                (
                    proptest::collection::vec(
                        (
                            prop_oneof![
                                "[a-c]{1,2}".prop_map(|k| format!("{k:?}")),
                                proptest::sample::select(STRINGS).prop_map(|s| format!("\"{s}\"")),
                            ],
                            inner
                        ),
                        0..4
                    ),
                    space.clone()
                )
                    .prop_map(|(entries, sp)| {
                        let body: Vec<_> = entries
                            .iter()
                            .map(|(k, v)| format!("{k}{sp}:{v}"))
                            .collect();
                        format!("{{{sp}{}{sp}}}", body.join(","))
                    }),
            ]
        })
    }

    #[test]
    fn nesting_near_serde_jsons_limit_is_read_or_left_to_the_value_reader() {
        let mut tape = Tape::new();
        for depth in [1, 50, 98, 99, 100, 101, 127, 128, 129, 300] {
            for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
                let doc = format!("{}1{}", open.repeat(depth), close.repeat(depth));
                tape.clear();
                let fast = tape.parse_record(doc.as_bytes());
                match parse(doc.as_bytes()) {
                    Ok(v) if fast => {
                        assert_eq!(tape.records().next().unwrap().to_value().unwrap(), v)
                    }
                    Ok(_) => assert!(tape.is_empty() && depth >= 99, "{depth}"),
                    Err(_) => assert!(!fast && depth >= 128, "{depth}"),
                }
            }
        }
    }

    /// `TRANSMOG_FUZZ_CASES` as in the fuzz test (a long run: `TRANSMOG_FUZZ_CASES=200000
    /// cargo test --release -p transmog-core --lib tape`).
    fn cases() -> u32 {
        std::env::var("TRANSMOG_FUZZ_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(2000)
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(cases()))]
        /// The tape's reading agrees with the value reader, on whole and on cut or
        /// altered documents: the same value, or a `false` that sends it the exact way.
        #[test]
        fn parsing_onto_a_tape_agrees_with_the_value_reader(
            doc in json_text(),
            cut in proptest::option::of(0usize..200),
            flip in proptest::option::of((0usize..200, proptest::num::u8::ANY)),
            insert in proptest::option::of((0usize..200, proptest::sample::select(&b"\\\"{}[],:-.eE0 \x00\xc3"[..]))),
        ) {
            let mut bytes = doc.into_bytes();
            if let Some(cut) = cut {
                bytes.truncate(cut.min(bytes.len()));
            }
            if let Some((at, b)) = flip {
                if at < bytes.len() {
                    bytes[at] = b;
                }
            }
            if let Some((at, b)) = insert {
                bytes.insert(at.min(bytes.len()), b);
            }
            let mut tape = Tape::new();
            let fast = tape.parse_record(&bytes);
            match parse(&bytes) {
                Ok(v) if fast => {
                    proptest::prop_assert_eq!(tape.records().next().unwrap().to_value().unwrap(), v)
                }
                Ok(_) => proptest::prop_assert!(tape.is_empty()),
                Err(_) => proptest::prop_assert!(!fast && tape.is_empty()),
            }
        }
    }
}
