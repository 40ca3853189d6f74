//! A compact JSON document model that keeps what analytics output needs and generic
//! JSON libraries blur: key order and duplicate keys as written, `1` versus `1.0`, and
//! integers of any size with every digit.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

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

/// Parses one JSON document. Trailing whitespace is allowed, anything else after the
/// value is an error. A leading UTF-8 byte order mark is skipped.
pub fn parse(text: &[u8]) -> Result<Value<'_>, SyntaxError> {
    let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
    // One UTF-8 check of the whole text is much cheaper than serde_json's check of
    // every string; invalid text goes the slow way for serde_json's exact error.
    match std::str::from_utf8(text) {
        Ok(s) => finish(serde_json::Deserializer::from_str(s)),
        Err(_) => finish(serde_json::Deserializer::from_slice(text)),
    }
}

fn finish<'de, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
) -> Result<Value<'de>, SyntaxError> {
    let value = ValueSeed.deserialize(&mut de).map_err(syntax_error)?;
    de.end().map_err(syntax_error)?;
    Ok(value)
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

// serde_json hands numbers to visitors as a one-entry map under this key when its
// `arbitrary_precision` feature is on; that is how the exact number text reaches us.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

struct ValueSeed;

impl<'de> DeserializeSeed<'de> for ValueSeed {
    type Value = Value<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value<'de>, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
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
        while let Some(v) = seq.next_element_seed(ValueSeed)? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value<'de>, A::Error> {
        let mut entries = Vec::new();
        let Some(first) = map.next_key_seed(KeySeed)? else {
            return Ok(Value::Object(entries));
        };
        if first == NUMBER_TOKEN {
            let text: String = map.next_value()?;
            return number_from_text(text).map_err(de::Error::custom);
        }
        entries.push((first, map.next_value_seed(ValueSeed)?));
        while let Some(k) = map.next_key_seed(KeySeed)? {
            entries.push((k, map.next_value_seed(ValueSeed)?));
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

struct KeySeed;

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
    fn skips_bom() {
        assert_eq!(parse(b"\xEF\xBB\xBF1").unwrap(), Value::Int(1));
    }
}
