//! A read-only view of a JSON-like document, so the flattener walks any document model
//! in place: parsed JSON ([`Value`]), Python objects (the bindings), ... without first
//! copying it into a tree of its own.

use std::borrow::Cow;

use crate::value::Value;

/// Why a document cannot be read as JSON (e.g. a dictionary key that is not a string).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeError(pub String);

/// One value of a document. Nodes are cheap handles (`Copy`): walking an object twice
/// (the flattener does: fields, then arrays) views it twice.
pub trait Node<'a>: Copy {
    /// An object's entries in document order (repeated keys kept).
    type Entries: Iterator<Item = Result<(&'a str, Self), NodeError>>;
    /// An array's items in order.
    type Items: Iterator<Item = Self>;

    /// What the value is.
    fn view(self) -> View<'a, Self>;

    /// The value as a [`Value`] borrowing this document's text (for the rare paths that
    /// need the whole value: JSON text of kept arrays, content-hash ids).
    fn to_value(self) -> Result<Value<'a>, NodeError> {
        Ok(match self.view() {
            View::Null => Value::Null,
            View::Bool(b) => Value::Bool(b),
            View::Int(i) => Value::Int(i),
            View::BigInt(s) => Value::BigInt(s),
            View::Float(f) | View::FloatText(f, _) => Value::Float(f),
            View::Str(s) => Value::Str(s),
            View::Array { items, .. } => {
                Value::Array(items.map(Node::to_value).collect::<Result<_, _>>()?)
            }
            View::Object { entries, .. } => Value::Object(
                entries
                    .map(|e| {
                        let (k, v) = e?;
                        Ok((Cow::Borrowed(k), v.to_value()?))
                    })
                    .collect::<Result<_, _>>()?,
            ),
        })
    }
}

impl<'a, N: Node<'a>> View<'a, N> {
    /// The JSON type name, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            View::Null => "null",
            View::Bool(_) => "boolean",
            View::Int(_) | View::BigInt(_) => "integer",
            View::Float(_) | View::FloatText(..) => "float",
            View::Str(_) => "string",
            View::Array { .. } => "array",
            View::Object { .. } => "object",
        }
    }
}

/// What a [`Node`] is.
pub enum View<'a, N: Node<'a>> {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// An integer that fits in 64 bits.
    Int(i64),
    /// A number no 64-bit type holds exactly, as its text.
    BigInt(Cow<'a, str>),
    /// A float.
    Float(f64),
    /// A float with its text in the document, when that text is Python's `repr` of it
    /// (documents read by the byte scanner, see [`crate::Tape`]): cast to text, the
    /// flattener takes it as it is instead of writing the float out again.
    FloatText(f64, &'a str),
    /// A string.
    Str(Cow<'a, str>),
    /// An array.
    Array {
        /// Number of items.
        len: usize,
        /// The items.
        items: N::Items,
    },
    /// An object.
    Object {
        /// Number of entries.
        len: usize,
        /// The entries.
        entries: N::Entries,
    },
}

impl<'a, 'b: 'a> Node<'a> for &'a Value<'b> {
    type Entries = std::iter::Map<
        std::slice::Iter<'a, (Cow<'b, str>, Value<'b>)>,
        fn(&'a (Cow<'b, str>, Value<'b>)) -> Result<(&'a str, &'a Value<'b>), NodeError>,
    >;
    type Items = std::slice::Iter<'a, Value<'b>>;

    #[inline]
    fn view(self) -> View<'a, Self> {
        match self {
            Value::Null => View::Null,
            Value::Bool(b) => View::Bool(*b),
            Value::Int(i) => View::Int(*i),
            Value::BigInt(s) => View::BigInt(Cow::Borrowed(s)),
            Value::Float(f) => View::Float(*f),
            Value::Str(s) => View::Str(Cow::Borrowed(s)),
            Value::Array(items) => View::Array {
                len: items.len(),
                items: items.iter(),
            },
            Value::Object(entries) => View::Object {
                len: entries.len(),
                entries: entries.iter().map(|(k, v)| Ok((&**k, v))),
            },
        }
    }
}
