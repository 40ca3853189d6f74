//! A compact JSON document model that keeps what analytics output needs and generic
//! JSON libraries blur: key order and duplicate keys as written, `1` versus `1.0`, and
//! integers of any size with every digit.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// A JSON value. Strings borrow from the input when they contain no escapes.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// An integer that fits in 64 bits.
    Int(i64),
    /// A number no 64-bit type holds exactly — an integer beyond 64 bits, or a float
    /// beyond f64's range (`1e400`) — kept as its text.
    BigInt(Cow<'a, str>),
    /// A number written with a fraction or an exponent.
    Float(f64),
    /// A string.
    Str(Cow<'a, str>),
    /// An array.
    Array(Vec<Value<'a>>),
    /// An object, keys in document order (duplicates kept).
    Object(Vec<(Cow<'a, str>, Value<'a>)>),
}

impl<'a> Value<'a> {
    /// A copy whose objects list their keys sorted (stably: repeated keys keep their
    /// order): the canonical form behind content-hash ids, and a way to compare records
    /// whatever their key order (e.g. unflattened ones). Borrowed strings stay borrowed.
    pub fn sorted_keys(&self) -> Value<'a> {
        match self {
            Value::Object(e) => {
                let mut e: Vec<_> = e
                    .iter()
                    .map(|(k, x)| (k.clone(), x.sorted_keys()))
                    .collect();
                e.sort_by(|a, b| a.0.cmp(&b.0));
                Value::Object(e)
            }
            Value::Array(items) => Value::Array(items.iter().map(Value::sorted_keys).collect()),
            other => other.clone(),
        }
    }
}

impl Value<'_> {
    /// The JSON type name, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) | Value::BigInt(_) => "integer",
            Value::Float(_) => "float",
            Value::Str(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }

    /// Copies every borrowed string so the value outlives its input buffer.
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Null => Value::Null,
            Value::Bool(b) => Value::Bool(b),
            Value::Int(i) => Value::Int(i),
            Value::BigInt(s) => Value::BigInt(Cow::Owned(s.into_owned())),
            Value::Float(f) => Value::Float(f),
            Value::Str(s) => Value::Str(Cow::Owned(s.into_owned())),
            Value::Array(items) => Value::Array(items.into_iter().map(Value::into_owned).collect()),
            Value::Object(entries) => Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (Cow::Owned(k.into_owned()), v.into_owned()))
                    .collect(),
            ),
        }
    }
}

/// A JSON syntax error with its position inside the parsed text (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// What was wrong.
    pub message: String,
    /// Line inside the parsed text.
    pub line: usize,
    /// Column inside the parsed text.
    pub column: usize,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// JSON's whitespace (RFC 8259): space, tab, line feed, carriage return; not the form
/// feed that `u8::is_ascii_whitespace` also accepts.
pub fn is_json_space(b: &u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Parses one JSON document. Trailing whitespace is allowed, anything else after the
/// value is an error. A leading UTF-8 byte order mark is skipped.
///
/// Two passes at most. The fast one lets serde_json read numbers itself. A document in
/// which it met a number it cannot hand over exactly (an integer beyond 64 bits, `-0`,
/// a float beyond f64) is read a second time, keeping every number's text.
pub fn parse(text: &[u8]) -> Result<Value<'_>, SyntaxError> {
    let text = without_bom(text);
    let suspect = Cell::new(false);
    // One UTF-8 check of the whole text is much cheaper than serde_json's check of
    // every string. Invalid text can only be inside a string, where the slice reader
    // stops with the exact position.
    let (text, fast) = match std::str::from_utf8(text) {
        Ok(s) => (s, fast(serde_json::Deserializer::from_str(s), &suspect)),
        Err(_) => {
            return fast(serde_json::Deserializer::from_slice(text), &suspect).map_err(syntax_error)
        }
    };
    match fast {
        Ok(v) if !suspect.get() => Ok(v),
        Err(e) if !e.to_string().starts_with("number out of range") => Err(syntax_error(e)),
        _ => exact(text),
    }
}

fn fast<'de, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
    suspect: &Cell<bool>,
) -> Result<Value<'de>, serde_json::Error> {
    let value = ValueSeed { suspect }.deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// The exact reading: serde_json hands over the raw text of every value
/// ([`RawValue`]), and numbers are classified from their text.
fn exact(text: &str) -> Result<Value<'_>, SyntaxError> {
    let raw: &RawValue = serde_json::from_str(text).map_err(syntax_error)?;
    from_raw(raw.get(), text, 0).map_err(|e| match e {
        RawError::Json(e) => syntax_error(e),
        RawError::TooDeep(at) => {
            let before = &text[..at];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            SyntaxError {
                message: "recursion limit exceeded".into(),
                line,
                column,
            }
        }
        RawError::Number(message) => SyntaxError {
            message,
            line: 1,
            column: 1,
        },
    })
}

enum RawError {
    Json(serde_json::Error),
    /// Nesting beyond serde_json's own limit, at this byte offset.
    TooDeep(usize),
    Number(String),
}

/// serde_json's nesting limit, kept by the exact reading too.
const MAX_NESTING: usize = 128;

fn from_raw<'de>(raw: &'de str, whole: &'de str, depth: usize) -> Result<Value<'de>, RawError> {
    let json = RawError::Json;
    match raw.as_bytes().first() {
        Some(b'{' | b'[') if depth >= MAX_NESTING => Err(RawError::TooDeep(
            raw.as_ptr() as usize - whole.as_ptr() as usize,
        )),
        Some(b'{') => {
            let mut de = serde_json::Deserializer::from_str(raw);
            let entries = de.deserialize_map(RawEntries).map_err(json)?;
            let mut out = Vec::with_capacity(entries.len());
            for (k, v) in entries {
                out.push((k, from_raw(v.get(), whole, depth + 1)?));
            }
            Ok(Value::Object(out))
        }
        Some(b'[') => {
            let items: Vec<&RawValue> = serde_json::from_str(raw).map_err(json)?;
            let mut out = Vec::with_capacity(items.len());
            for v in items {
                out.push(from_raw(v.get(), whole, depth + 1)?);
            }
            Ok(Value::Array(out))
        }
        Some(b'"') => {
            let mut de = serde_json::Deserializer::from_str(raw);
            Ok(Value::Str(KeySeed.deserialize(&mut de).map_err(json)?))
        }
        Some(b't') => Ok(Value::Bool(true)),
        Some(b'f') => Ok(Value::Bool(false)),
        Some(b'n') => Ok(Value::Null),
        _ => number_from_text(exponent_spelled_out(raw)).map_err(RawError::Number),
    }
}

/// Number text with its exponent written `e+N` / `e-N`, the spelling these numbers
/// have always had in our output (serde_json's `arbitrary_precision` form).
fn exponent_spelled_out(raw: &str) -> String {
    match raw.find(['e', 'E']) {
        None => raw.to_string(),
        Some(i) => {
            let rest = &raw[i + 1..];
            let sign = if rest.starts_with(['+', '-']) {
                ""
            } else {
                "+"
            };
            format!("{}e{sign}{rest}", &raw[..i])
        }
    }
}

struct RawEntries;

impl<'de> Visitor<'de> for RawEntries {
    type Value = Vec<(Cow<'de, str>, &'de RawValue)>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(k) = map.next_key_seed(KeySeed)? {
            entries.push((k, map.next_value()?));
        }
        Ok(entries)
    }
}

fn syntax_error(e: serde_json::Error) -> SyntaxError {
    let full = e.to_string();
    // serde_json appends " at line L column C"; we report the position separately.
    let message = match full.rfind(" at line ") {
        Some(i) => full[..i].to_string(),
        None => full,
    };
    SyntaxError {
        message,
        line: e.line(),
        column: e.column(),
    }
}

/// The fast reading's seed; `suspect` is set when a number may not be what its text
/// says (see [`parse`]).
#[derive(Clone, Copy)]
struct ValueSeed<'s> {
    suspect: &'s Cell<bool>,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Value<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

/// A document's text without its leading UTF-8 byte order mark, if any.
pub(crate) fn without_bom(text: &[u8]) -> &[u8] {
    text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text)
}

/// Magnitude from which an integral f64 may be an integer beyond 64 bits.
const BIG: f64 = 9_223_372_036_854_775_808.0;

/// Whether a float serde_json handed over may not be what the text says: it reads `-0`
/// as -0.0 and integers beyond 64 bits as floats. Only the exact reading can tell.
pub(crate) fn may_be_inexact(f: f64) -> bool {
    (f == 0.0 && f.is_sign_negative()) || (f.abs() >= BIG && f.fract() == 0.0)
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Value<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Value<'de>, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value<'de>, E> {
        Ok(Value::Null)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value<'de>, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, i: i64) -> Result<Value<'de>, E> {
        Ok(Value::Int(i))
    }
    fn visit_u64<E>(self, u: u64) -> Result<Value<'de>, E> {
        Ok(match i64::try_from(u) {
            Ok(i) => Value::Int(i),
            Err(_) => Value::BigInt(Cow::Owned(u.to_string())),
        })
    }
    fn visit_f64<E>(self, f: f64) -> Result<Value<'de>, E> {
        if may_be_inexact(f) {
            self.suspect.set(true);
        }
        Ok(Value::Float(f))
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Value<'de>, E> {
        Ok(Value::Str(Cow::Borrowed(s)))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value<'de>, E> {
        Ok(Value::Str(Cow::Owned(s.to_string())))
    }
    fn visit_string<E>(self, s: String) -> Result<Value<'de>, E> {
        Ok(Value::Str(Cow::Owned(s)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(v) = seq.next_element_seed(self)? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value<'de>, A::Error> {
        let mut entries = Vec::new();
        while let Some(k) = map.next_key_seed(KeySeed)? {
            entries.push((k, map.next_value_seed(self)?));
        }
        Ok(Value::Object(entries))
    }
}

/// Classifies number text: integers stay exact, anything with `.`/`e` is a float;
/// a float that overflows to infinity keeps its text instead.
fn number_from_text<'a>(text: String) -> Result<Value<'a>, String> {
    if text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E')) {
        match text.parse::<f64>() {
            Ok(f) if f.is_infinite() => Ok(Value::BigInt(Cow::Owned(text))),
            Ok(f) => Ok(Value::Float(f)),
            Err(e) => Err(format!("invalid number {text}: {e}")),
        }
    } else {
        Ok(match text.parse::<i64>() {
            Ok(i) => Value::Int(i),
            Err(_) => Value::BigInt(Cow::Owned(text)),
        })
    }
}

pub(crate) struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(s))
    }
    fn visit_str<E>(self, s: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_int_float_distinction_and_big_ints() {
        let v = parse(br#"{"a": 1, "b": 1.0, "c": 123456789012345678901234567890, "d": -5e-3, "e": 18446744073709551615}"#).unwrap();
        let Value::Object(e) = v else { panic!() };
        assert_eq!(e[0].1, Value::Int(1));
        assert_eq!(e[1].1, Value::Float(1.0));
        assert_eq!(
            e[2].1,
            Value::BigInt(Cow::Borrowed("123456789012345678901234567890"))
        );
        assert_eq!(e[3].1, Value::Float(-0.005));
        assert_eq!(e[4].1, Value::BigInt(Cow::Borrowed("18446744073709551615")));
    }

    #[test]
    fn keeps_the_text_of_floats_beyond_f64() {
        // serde_json spells the exponent out (`e+`); the value is unchanged.
        let v = parse(br#"[1e400, -1.5E+309, 1e308, 1e-400]"#).unwrap();
        let Value::Array(items) = v else { panic!() };
        assert_eq!(items[0], Value::BigInt(Cow::Borrowed("1e+400")));
        assert_eq!(items[1], Value::BigInt(Cow::Borrowed("-1.5e+309")));
        assert_eq!(items[2], Value::Float(1e308));
        assert_eq!(items[3], Value::Float(0.0));
    }

    #[test]
    fn keeps_key_order_and_duplicates() {
        let v = parse(br#"{"z": 1, "a": 2, "z": 3}"#).unwrap();
        let Value::Object(e) = v else { panic!() };
        let keys: Vec<&str> = e.iter().map(|(k, _)| k.as_ref()).collect();
        assert_eq!(keys, ["z", "a", "z"]);
    }

    #[test]
    fn borrows_plain_strings_and_unescapes_others() {
        let v = parse(br#"["plain", "esc\"aped\u00e9"]"#).unwrap();
        let Value::Array(items) = v else { panic!() };
        assert!(matches!(&items[0], Value::Str(Cow::Borrowed("plain"))));
        assert_eq!(items[1], Value::Str(Cow::Owned("esc\"apedé".into())));
    }

    #[test]
    fn reports_position_of_syntax_errors() {
        let err = parse(b"{\n  \"a\": x,\n}").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("expected"), "{}", err.message);
        assert!(parse(b"{} x").is_err());
        assert!(parse(b"").is_err());
    }

    #[test]
    fn minus_zero_integer_and_float_stay_apart() {
        let v = parse(br#"[-0, -0.0, 0, -0e0, 1]"#).unwrap();
        let Value::Array(items) = v else { panic!() };
        assert_eq!(items[0], Value::Int(0));
        assert!(matches!(items[1], Value::Float(f) if f == 0.0 && f.is_sign_negative()));
        assert_eq!(items[2], Value::Int(0));
        assert!(matches!(items[3], Value::Float(f) if f == 0.0 && f.is_sign_negative()));
        assert_eq!(items[4], Value::Int(1));
    }

    #[test]
    fn exact_reading_keeps_order_duplicates_escapes_and_big_numbers() {
        let text = r#"{"z": {"b": [1, 123456789012345678901234567890, "x\"y", 1E3, 2.5],
                        "a": -9223372036854775809, "e": {}, "l": []}, "z": 1e19, "k": "plain"}"#;
        let v = parse(text.as_bytes()).unwrap();
        let Value::Object(e) = v else { panic!() };
        let keys: Vec<&str> = e.iter().map(|(k, _)| k.as_ref()).collect();
        assert_eq!(keys, ["z", "z", "k"]);
        let Value::Object(inner) = &e[0].1 else {
            panic!()
        };
        let Value::Array(b) = &inner[0].1 else {
            panic!()
        };
        assert_eq!(b[0], Value::Int(1));
        assert_eq!(
            b[1],
            Value::BigInt(Cow::Borrowed("123456789012345678901234567890"))
        );
        assert_eq!(b[2], Value::Str(Cow::Owned("x\"y".into())));
        assert_eq!(b[3], Value::Float(1000.0));
        assert_eq!(b[4], Value::Float(2.5));
        assert_eq!(
            inner[1].1,
            Value::BigInt(Cow::Borrowed("-9223372036854775809"))
        );
        assert_eq!(inner[2].1, Value::Object(Vec::new()));
        assert_eq!(inner[3].1, Value::Array(Vec::new()));
        assert_eq!(e[1].1, Value::Float(1e19));
        assert!(matches!(&e[2].1, Value::Str(Cow::Borrowed("plain"))));
    }

    #[test]
    fn exact_reading_reports_errors_and_nesting_with_positions() {
        let err = parse(b"{\"a\": 1e400,\n \"b\": ]}").unwrap_err();
        assert_eq!((err.line, err.column), (2, 7), "{}", err.message);
        let deep = format!("[1e400, {}{}]", "[".repeat(200), "]".repeat(200));
        let err = parse(deep.as_bytes()).unwrap_err();
        assert_eq!(err.message, "recursion limit exceeded");
        assert_eq!((err.line, err.column), (1, 8 + 128));
        // Within the limit, the exact reading nests like the fast one.
        let ok = format!("[1e400, {}{}]", "[".repeat(120), "]".repeat(120));
        assert!(parse(ok.as_bytes()).is_ok());
    }

    proptest::proptest! {
        #[test]
        fn numbers_read_as_their_text_says(
            bits in proptest::num::u64::ANY,
            int in proptest::num::i64::ANY,
            big in "-?[1-9][0-9]{19,40}",
            short in "-?(0|[1-9][0-9]{0,8})\\.[0-9]{1,8}([eE][-+]?[0-9]{1,3})?",
        ) {
            let f = f64::from_bits(bits);
            let mut texts = vec![int.to_string(), big.clone(), short.clone()];
            if f.is_finite() {
                texts.push(format!("{f:e}"));
                texts.push(format!("{f:?}"));
            }
            for t in texts {
                let doc = format!("{{\"n\": [{t}]}}");
                let v = parse(doc.as_bytes()).unwrap();
                let Value::Object(e) = v else { panic!() };
                let Value::Array(items) = &e[0].1 else { panic!() };
                let plain = !t.contains(['.', 'e', 'E']);
                let want = match (plain, t.parse::<i64>(), t.parse::<f64>()) {
                    (true, Ok(i), _) => Value::Int(i),
                    (true, Err(_), _) => Value::BigInt(Cow::Owned(t.clone())),
                    (false, _, Ok(x)) if x.is_infinite() => {
                        Value::BigInt(Cow::Owned(exponent_spelled_out(&t)))
                    }
                    (false, _, Ok(x)) => Value::Float(x),
                    (false, _, Err(e)) => panic!("{t}: {e}"),
                };
                match (&items[0], &want) {
                    (Value::Float(a), Value::Float(b)) => {
                        proptest::prop_assert_eq!(a.to_bits(), b.to_bits(), "{}", t)
                    }
                    (a, b) => proptest::prop_assert_eq!(a, b, "{}", t),
                }
            }
        }
    }

    #[test]
    fn skips_bom() {
        assert_eq!(parse(b"\xEF\xBB\xBF1").unwrap(), Value::Int(1));
    }
}
