//! What a run reads: files, standard input, readers or byte buffers, each with the name
//! messages use and the stable name position ids are made from.

use std::io::{BufRead, Cursor, Read};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use transmog_io::read::{self, InputFormat, ReadError};

use crate::error::{ConfigError, Result};

/// Where an input's bytes come from.
pub enum Source {
    /// A file (gzip/zstd detected from its bytes).
    Path(PathBuf),
    /// Standard input.
    Stdin,
    /// Any reader (gzip/zstd detected from its bytes).
    Reader(Box<dyn Read + Send>),
    /// Bytes in memory.
    Bytes(Vec<u8>),
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Path(p) => write!(f, "Path({})", p.display()),
            Source::Stdin => f.write_str("Stdin"),
            Source::Reader(_) => f.write_str("Reader"),
            Source::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
        }
    }
}

/// One input of a run.
#[derive(Debug)]
pub struct Input {
    /// Its bytes.
    pub source: Source,
    /// Its name in messages (`orders.jsonl:17: ...`).
    pub label: Arc<str>,
    /// Its stable name for position ids ([`origin_names`]); `None`: the label.
    pub origin: Option<Arc<str>>,
    /// How its records are laid out.
    pub format: InputFormat,
    /// Only the JSON Lines records starting in this byte range of an uncompressed file
    /// (a Spark/Dask task's split); offsets and position ids stay the whole file's.
    pub range: Option<(u64, u64)>,
}

impl Input {
    /// A file, or standard input for `-`, named by its path; the layout is detected.
    pub fn path(path: &str) -> Input {
        if path == "-" {
            return Input {
                source: Source::Stdin,
                label: "<stdin>".into(),
                origin: None,
                format: InputFormat::Auto,
                range: None,
            };
        }
        Input {
            source: Source::Path(PathBuf::from(path)),
            label: path.into(),
            origin: None,
            format: InputFormat::Auto,
            range: None,
        }
    }

    /// Bytes in memory, named `label`.
    pub fn bytes(label: &str, data: Vec<u8>) -> Input {
        Input {
            source: Source::Bytes(data),
            label: label.into(),
            origin: None,
            format: InputFormat::Auto,
            range: None,
        }
    }

    /// This input with the given layout.
    pub fn with_format(mut self, format: InputFormat) -> Input {
        self.format = format;
        self
    }

    /// This input with a stable name for position ids.
    pub fn with_origin(mut self, origin: Option<&str>) -> Input {
        self.origin = origin.map(Into::into);
        self
    }

    /// This input named `label` in messages.
    pub fn with_label(mut self, label: &str) -> Input {
        self.label = label.into();
        self
    }

    /// This input restricted to the records that start in bytes `start..end` of its file
    /// (see [`read::for_each_record_in_range`] and [`read::split_ranges`]).
    pub fn with_range(mut self, start: u64, end: u64) -> Input {
        self.range = Some((start, end));
        self
    }

    /// Calls `f` for each of the input's records, in order (see
    /// [`read::for_each_record`]).
    pub(crate) fn for_each_record<E: From<ReadError>>(
        self,
        f: impl FnMut(read::Framed<'_>) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let label = self.label.to_string();
        match (self.range, &self.source) {
            (Some((start, end)), Source::Path(p)) => {
                let file = std::fs::File::open(p).map_err(|source| ReadError::Io {
                    path: label.clone(),
                    source,
                })?;
                // The file's own name tells CSV from JSON Lines (the label may not).
                let format = match &self.format {
                    InputFormat::Auto => {
                        read::format_from_name(&p.to_string_lossy()).unwrap_or(InputFormat::Auto)
                    }
                    other => other.clone(),
                };
                read::for_each_record_in_range(&label, &format, file, start, end, f)
            }
            (Some(_), _) => Err(ReadError::Framing {
                path: label,
                line: 0,
                message: "a byte range needs a file".into(),
            }
            .into()),
            (None, _) => {
                let format = self.format.clone();
                let reader = self.open()?;
                read::for_each_record(&label, format, reader, f)
            }
        }
    }

    /// Opens the bytes, decompressed.
    pub(crate) fn open(self) -> std::result::Result<Box<dyn BufRead + Send>, ReadError> {
        let label = self.label.to_string();
        let io = |source| ReadError::Io {
            path: label.clone(),
            source,
        };
        match self.source {
            Source::Path(p) => std::fs::File::open(&p)
                .and_then(|f| read::decoded(Box::new(f)))
                .map_err(io),
            Source::Stdin => read::decoded(Box::new(std::io::stdin())).map_err(io),
            Source::Reader(r) => read::decoded(r).map_err(io),
            Source::Bytes(b) => read::decoded(Box::new(Cursor::new(b))).map_err(io),
        }
    }
}

/// The stable name of an input for position ids: its path under `root` when it lies
/// there, else its file name. Paths are made absolute (not resolved), so the CLI,
/// Python and Spark/Dask name one file alike. Standard input (`-`) is `<stdin>`;
/// URIs (`s3://...`) are compared as text.
pub fn origin_name(path: &str, root: Option<&str>) -> String {
    if path == "-" {
        return "<stdin>".into();
    }
    let full = absolute(path);
    if let Some(root) = root {
        let root = absolute(root);
        let root = root.trim_end_matches('/');
        if let Some(rest) = full.strip_prefix(root).and_then(|r| r.strip_prefix('/')) {
            return rest.to_string();
        }
    }
    full.rsplit('/').next().unwrap_or(&full).to_string()
}

/// Stable names of every input ([`origin_name`]); two inputs with one name would get
/// the same position ids, which is an error naming both.
pub fn origin_names(paths: &[String], root: Option<&str>) -> Result<Vec<String>> {
    let mut names: Vec<String> = Vec::with_capacity(paths.len());
    for path in paths {
        let name = origin_name(path, root);
        if let Some(j) = names.iter().position(|n| *n == name) {
            return Err(ConfigError::new(
                "id_root",
                root.map(str::to_owned),
                format!(
                    "position ids: {} and {path} are both named {name:?}, so their records \
                     would get the same ids; name inputs by their path under a folder that \
                     holds both (CLI --id-root DIR, Python id_root=)",
                    paths[j]
                ),
            )
            .into());
        }
        names.push(name);
    }
    Ok(names)
}

fn is_uri(path: &str) -> bool {
    path.split_once("://").is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
    })
}

/// `path` as an absolute, normalized text path (`.`/`..` folded lexically); URIs and
/// `file:` prefixes as given, less the prefix.
fn absolute(path: &str) -> String {
    let path = path
        .strip_prefix("file://")
        .or_else(|| path.strip_prefix("file:"))
        .unwrap_or(path);
    if is_uri(path) {
        return path.trim_end_matches('/').to_string();
    }
    let p = Path::new(path);
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    };
    let mut parts: Vec<String> = Vec::new();
    for c in joined.components() {
        match c {
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            Component::ParentDir => {
                parts.pop();
            }
            _ => {}
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_file_names_or_paths_under_the_root() {
        assert_eq!(origin_name("/data/a/x.jsonl", None), "x.jsonl");
        assert_eq!(origin_name("/data/a/x.jsonl", Some("/data")), "a/x.jsonl");
        assert_eq!(
            origin_name("/data/a/../b/x.jsonl", Some("/data/")),
            "b/x.jsonl"
        );
        assert_eq!(
            origin_name("file:///data/a/x.jsonl", Some("/data")),
            "a/x.jsonl"
        );
        assert_eq!(
            origin_name("s3://bucket/p/x.jsonl", Some("s3://bucket")),
            "p/x.jsonl"
        );
        assert_eq!(origin_name("/elsewhere/x.jsonl", Some("/data")), "x.jsonl");
        assert_eq!(origin_name("-", None), "<stdin>");
    }

    #[test]
    fn two_inputs_with_one_name_are_refused() {
        let paths = vec!["/d/a/x.jsonl".to_string(), "/d/b/x.jsonl".to_string()];
        let e = origin_names(&paths, None).unwrap_err();
        assert!(e.to_string().contains("both named"), "{e}");
        assert_eq!(
            origin_names(&paths, Some("/d")).unwrap(),
            ["a/x.jsonl", "b/x.jsonl"]
        );
    }
}
