//! The one option schema: every option of a run has one name and one parser here or in
//! the sink options (`transmog_io::SinkOptions`), whichever face sets it — the CLI, the
//! Python package, Spark/Dask plans or the conformance driver.

use crate::config::{Config, IdMode, IdSource, Recovery};
use crate::error::{Error, Result};
use crate::naming::NamingStyle;
use crate::value::Value;

/// A value given to an option setter ([`Config::set`], `SinkOptions::set`).
///
/// Text values are accepted wherever a boolean or integer is expected and parsed
/// (`"true"`, `"false"`, `"10000"`), so options can come straight from a command line.
#[derive(Debug, Clone, PartialEq)]
pub enum OptionValue {
    /// No value (Python `None`): the option's default.
    None,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
    /// A mapping with string keys, in the order given.
    Map(Vec<(String, OptionValue)>),
    /// A list.
    List(Vec<OptionValue>),
}

impl From<bool> for OptionValue {
    fn from(v: bool) -> Self {
        OptionValue::Bool(v)
    }
}
impl From<i64> for OptionValue {
    fn from(v: i64) -> Self {
        OptionValue::Int(v)
    }
}
impl From<usize> for OptionValue {
    fn from(v: usize) -> Self {
        OptionValue::Int(i64::try_from(v).unwrap_or(i64::MAX))
    }
}
impl From<f64> for OptionValue {
    fn from(v: f64) -> Self {
        OptionValue::Float(v)
    }
}
impl From<&str> for OptionValue {
    fn from(v: &str) -> Self {
        OptionValue::Str(v.to_owned())
    }
}
impl From<String> for OptionValue {
    fn from(v: String) -> Self {
        OptionValue::Str(v)
    }
}
impl<T: Into<OptionValue>> From<Option<T>> for OptionValue {
    fn from(v: Option<T>) -> Self {
        v.map_or(OptionValue::None, Into::into)
    }
}

/// Why a value does not fit an option (the caller adds the option's name).
pub type Reason = String;

impl OptionValue {
    fn expected(&self, what: &str) -> Reason {
        format!("expected {what}, got {}", self.shown())
    }

    /// The value as the user would have written it, for messages.
    pub fn shown(&self) -> String {
        match self {
            OptionValue::None => "None".into(),
            OptionValue::Bool(b) => b.to_string(),
            OptionValue::Int(i) => i.to_string(),
            OptionValue::Float(f) => crate::text::py_float(*f),
            OptionValue::Str(s) => format!("'{s}'"),
            OptionValue::Map(m) => format!("a mapping of {} entries", m.len()),
            OptionValue::List(l) => format!("a list of {} items", l.len()),
        }
    }

    /// The value as text: a string as it is, anything else as [`OptionValue::shown`]
    /// (the value field of errors).
    pub fn text(&self) -> String {
        match self {
            OptionValue::Str(s) => s.clone(),
            other => other.shown(),
        }
    }

    /// `true`/`false`, or their spellings as text (`1`, `yes`, `on`, ...).
    pub fn as_bool(&self) -> Result<bool, Reason> {
        match self {
            OptionValue::Bool(b) => Ok(*b),
            OptionValue::Str(s) => match s.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Ok(true),
                "false" | "0" | "no" | "off" => Ok(false),
                _ => Err(self.expected("a boolean")),
            },
            _ => Err(self.expected("a boolean")),
        }
    }

    /// An integer, or its digits as text.
    pub fn as_i64(&self) -> Result<i64, Reason> {
        match self {
            OptionValue::Int(i) => Ok(*i),
            OptionValue::Str(s) => s.trim().parse().map_err(|_| self.expected("an integer")),
            _ => Err(self.expected("an integer")),
        }
    }

    /// An integer above zero.
    pub fn as_positive(&self) -> Result<usize, Reason> {
        let v = self.as_i64()?;
        match usize::try_from(v) {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!("must be a positive integer, got {v}")),
        }
    }

    /// A positive integer, or `None` (also spelled `"none"`).
    pub fn as_opt_positive(&self) -> Result<Option<usize>, Reason> {
        match self {
            OptionValue::None => Ok(None),
            OptionValue::Str(s) if s.eq_ignore_ascii_case("none") => Ok(None),
            _ => self.as_positive().map(Some),
        }
    }

    /// A string.
    pub fn as_str(&self) -> Result<&str, Reason> {
        match self {
            OptionValue::Str(s) => Ok(s),
            _ => Err(self.expected("a string")),
        }
    }

    /// The value as an engine value (the extraction time can be any value).
    pub fn to_value(&self) -> Value<'static> {
        match self {
            OptionValue::None => Value::Null,
            OptionValue::Bool(b) => Value::Bool(*b),
            OptionValue::Int(i) => Value::Int(*i),
            OptionValue::Float(f) => Value::Float(*f),
            OptionValue::Str(s) => Value::Str(s.clone().into()),
            OptionValue::Map(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| (k.clone().into(), v.to_value()))
                    .collect(),
            ),
            OptionValue::List(l) => Value::Array(l.iter().map(OptionValue::to_value).collect()),
        }
    }

    /// Map paths: one path (`a.b`, or a JSON list of keys), or a list of them; each
    /// item of a list is a path as text or a list of keys.
    pub fn as_map_paths(&self) -> Result<Vec<crate::maps::MapPath>, Reason> {
        let one = |v: &OptionValue| -> Result<crate::maps::MapPath, Reason> {
            match v {
                OptionValue::Str(s) => crate::maps::parse_path(s),
                OptionValue::List(keys) => {
                    let path = keys
                        .iter()
                        .map(|k| k.as_str().map(str::to_string))
                        .collect::<Result<Vec<_>, _>>()?;
                    if path.is_empty() {
                        return Err("the record itself cannot be a map".into());
                    }
                    Ok(path)
                }
                other => Err(other.expected("a path (a.b.c or a list of keys)")),
            }
        };
        match self {
            OptionValue::None => Ok(Vec::new()),
            OptionValue::Str(_) => Ok(vec![one(self)?]),
            OptionValue::List(items) => items.iter().map(one).collect(),
            other => Err(other.expected("a path or a list of paths")),
        }
    }
}

/// Option names [`Config::set`] accepts.
pub const CONFIG_OPTION_KEYS: &[&str] = &[
    "separator",
    "deeply_nested_threshold",
    "naming",
    "max_name_length",
    "cast_to_string",
    "include_empty",
    "skip_null",
    "max_depth",
    "max_columns",
    "visit_arrays",
    "keep_arrays",
    "keep_null_fields",
    "lossless",
    "maps",
    "map_paths",
    "id_field",
    "parent_field",
    "time_field",
    "id_mode",
    "id_source",
    "recovery_strategy",
    "extract_time",
];

impl IdMode {
    /// The id mode named `name` (`random`, `field` or `deterministic`, `hash` or
    /// `content_hash`, `position`); `field` needs `source`.
    pub fn parse(name: &str, source: Option<IdSource>) -> Result<IdMode> {
        Ok(match name {
            "random" => IdMode::Random,
            "hash" | "content_hash" => IdMode::ContentHash,
            "position" => IdMode::Position,
            "field" | "deterministic" => IdMode::Deterministic(source.ok_or_else(|| {
                Error::config("id_source", "field ids need a field name or a mapping")
            })?),
            other => {
                return Err(Error::config_value(
                    "id_mode",
                    other,
                    "is not one of random, field, hash, position",
                ))
            }
        })
    }

    /// The canonical name [`IdMode::parse`] reads back.
    pub fn name(&self) -> &'static str {
        match self {
            IdMode::Random => "random",
            IdMode::Deterministic(_) => "field",
            IdMode::ContentHash => "hash",
            IdMode::Position => "position",
        }
    }
}

impl IdSource {
    /// A field name (every table) or a mapping `{table or path or "" or "*": field}`.
    pub fn from_option(value: &OptionValue) -> Result<IdSource> {
        match value {
            OptionValue::Str(s) => Ok(IdSource::Field(s.clone())),
            OptionValue::Map(m) => m
                .iter()
                .map(|(k, v)| match v {
                    OptionValue::Str(f) => Ok((k.clone(), f.clone())),
                    other => Err(Error::config_value(
                        "id_source",
                        &other.text(),
                        format!("the field for '{k}' must be a string"),
                    )),
                })
                .collect::<Result<_>>()
                .map(IdSource::Map),
            other => Err(Error::config_value(
                "id_source",
                &other.text(),
                "must be a field name or a mapping",
            )),
        }
    }
}

impl Config {
    /// The default options with `options` set by name ([`Config::set`]), `id_source`
    /// before `id_mode` whatever their order, then validated.
    pub fn from_options<'a>(
        options: impl IntoIterator<Item = (&'a str, &'a OptionValue)>,
    ) -> Result<Config> {
        let mut options: Vec<_> = options.into_iter().collect();
        options.sort_by_key(|(k, _)| *k != "id_source");
        let mut cfg = Config::default();
        for (key, value) in options {
            cfg.set(key, value)?;
        }
        cfg.validate()?;
        Ok(cfg)
    }

    /// Sets one option by name ([`CONFIG_OPTION_KEYS`]); `None` restores its default.
    /// Setting `id_source` selects field ids; `id_mode` `field` keeps the source set
    /// before it and is an error without one. Call
    /// [`Config::validate`] once all options are set.
    pub fn set(&mut self, key: &str, value: &OptionValue) -> Result<()> {
        let bad = |reason: Reason| Error::config_value(key, &value.text(), reason);
        let d = Config::default();
        let default = matches!(value, OptionValue::None);
        match key {
            "separator" => {
                self.separator = if default {
                    d.separator
                } else {
                    value.as_str().map_err(bad)?.to_owned()
                }
            }
            "deeply_nested_threshold" => {
                self.deeply_nested_threshold = value
                    .as_opt_positive()
                    .map_err(bad)?
                    .unwrap_or(d.deeply_nested_threshold)
            }
            "naming" => {
                self.naming = match value {
                    OptionValue::None => d.naming,
                    v => match v.as_str().map_err(bad)? {
                        "nested" => NamingStyle::Nested,
                        "full" => NamingStyle::Full,
                        other => {
                            return Err(Error::config_value(
                                key,
                                other,
                                "is not one of nested, full",
                            ))
                        }
                    },
                }
            }
            "max_name_length" => {
                self.max_name_length = value
                    .as_opt_positive()
                    .map_err(bad)?
                    .unwrap_or(d.max_name_length)
            }
            "max_depth" => {
                self.max_depth = value.as_opt_positive().map_err(bad)?.unwrap_or(d.max_depth)
            }
            "max_columns" => {
                self.max_columns = value
                    .as_opt_positive()
                    .map_err(bad)?
                    .unwrap_or(d.max_columns)
            }
            "cast_to_string" | "include_empty" | "skip_null" | "visit_arrays" | "keep_arrays"
            | "keep_null_fields" | "lossless" => {
                let field = match key {
                    "cast_to_string" => &mut self.cast_to_string,
                    "include_empty" => &mut self.include_empty,
                    "skip_null" => &mut self.skip_null,
                    "visit_arrays" => &mut self.visit_arrays,
                    "keep_arrays" => &mut self.keep_arrays,
                    "lossless" => &mut self.lossless,
                    _ => &mut self.keep_null_fields,
                };
                *field = if default {
                    match key {
                        "cast_to_string" => d.cast_to_string,
                        "include_empty" => d.include_empty,
                        "skip_null" => d.skip_null,
                        "visit_arrays" => d.visit_arrays,
                        "keep_arrays" => d.keep_arrays,
                        "lossless" => d.lossless,
                        _ => d.keep_null_fields,
                    }
                } else {
                    value.as_bool().map_err(bad)?
                };
            }
            "maps" => {
                self.maps_auto = match value {
                    OptionValue::None => d.maps_auto,
                    OptionValue::Bool(b) => *b,
                    v => match v.as_str().map_err(bad)? {
                        "auto" => true,
                        "off" => false,
                        other => {
                            return Err(Error::config_value(key, other, "is not one of auto, off"))
                        }
                    },
                }
            }
            "map_paths" => self.map_paths = value.as_map_paths().map_err(bad)?,
            "id_field" | "parent_field" | "time_field" => {
                let name = if default {
                    match key {
                        "id_field" => d.id_field,
                        "parent_field" => d.parent_field,
                        _ => d.time_field,
                    }
                } else {
                    value.as_str().map_err(bad)?.to_owned()
                };
                match key {
                    "id_field" => self.id_field = name,
                    "parent_field" => self.parent_field = name,
                    _ => self.time_field = name,
                }
            }
            // A source field means field ids (1.0.6's `default_id_field`).
            "id_source" => {
                self.id_mode = if default {
                    IdMode::Random
                } else {
                    IdMode::Deterministic(IdSource::from_option(value)?)
                }
            }
            "id_mode" => {
                self.id_mode = if default {
                    IdMode::Random
                } else {
                    let source = match &self.id_mode {
                        IdMode::Deterministic(s) => Some(s.clone()),
                        _ => None,
                    };
                    IdMode::parse(value.as_str().map_err(bad)?, source)?
                };
            }
            "recovery_strategy" => {
                self.recovery = if default {
                    Recovery::Strict
                } else {
                    Recovery::parse(value.as_str().map_err(bad)?)?
                }
            }
            "extract_time" => self.extract_time = (!default).then(|| value.to_value()),
            other => {
                return Err(Error::config_value(
                    other,
                    &value.text(),
                    format!("unknown option (known: {})", CONFIG_OPTION_KEYS.join(", ")),
                ))
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn set_by_name_with_every_spelling_of_an_id_mode() {
        let mut cfg = Config::default();
        cfg.set("separator", &".".into()).unwrap();
        cfg.set("cast_to_string", &"false".into()).unwrap();
        cfg.set("max_depth", &OptionValue::Int(3)).unwrap();
        assert_eq!(
            (cfg.separator.as_str(), cfg.cast_to_string, cfg.max_depth),
            (".", false, 3)
        );
        for (name, mode) in [
            ("hash", IdMode::ContentHash),
            ("content_hash", IdMode::ContentHash),
        ] {
            cfg.set("id_mode", &name.into()).unwrap();
            assert_eq!(cfg.id_mode, mode);
        }
        assert!(cfg.set("id_mode", &"field".into()).is_err());
        cfg.set("id_source", &"id".into()).unwrap();
        cfg.set("id_mode", &"deterministic".into()).unwrap();
        assert_eq!(
            cfg.id_mode,
            IdMode::Deterministic(IdSource::Field("id".into()))
        );
        cfg.set("id_mode", &"position".into()).unwrap();
        assert_eq!(cfg.id_mode, IdMode::Position);
        cfg.set("max_depth", &OptionValue::None).unwrap();
        assert_eq!(cfg.max_depth, 100);
    }

    #[test]
    fn errors_name_the_option_and_value() {
        let mut cfg = Config::default();
        let e = cfg.set("skip_null", &"maybe".into()).unwrap_err();
        assert!(
            matches!(&e, Error::Config { parameter, value: Some(v), .. } if parameter == "skip_null" && v == "maybe"),
            "{e:?}"
        );
        let e = cfg.set("sperator", &"_".into()).unwrap_err();
        assert!(e.to_string().contains("sperator"), "{e}");
        let e = cfg.set("id_mode", &"uuid7".into()).unwrap_err();
        assert!(e.to_string().contains("uuid7"), "{e}");
    }
}
