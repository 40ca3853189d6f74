//! Input framing: turns a file (or stdin) into record byte slices with their line
//! numbers, without loading the whole input. JSON Lines, a top-level JSON array
//! (streamed element by element) or one JSON document; gzip/zstd detected by magic bytes.
//! Parsing the records is the engine's job; this module only finds where they are.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use transmog_core::value::is_json_space;

pub use csv_rows::{CsvOptions, CsvRecords};

mod csv_rows;

/// Why reading an input failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The input could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The input.
        path: String,
        /// The OS error.
        source: io::Error,
    },
    /// The input's framing is broken (a truncated or malformed top-level array).
    #[error("{path}:{line}: {message}")]
    Framing {
        /// The input.
        path: String,
        /// 1-based line.
        line: u64,
        /// What was wrong.
        message: String,
    },
}

fn io_err(path: &str) -> impl FnOnce(io::Error) -> ReadError + '_ {
    move |source| ReadError::Io {
        path: path.to_string(),
        source,
    }
}

/// How the records of an input are laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputFormat {
    /// Decide from the first non-blank byte and the file name.
    Auto,
    /// One JSON value per line.
    Jsonl,
    /// One JSON document: an array of records or a single record.
    Json,
    /// CSV with the given options (detected from a `.csv`/`.tsv` name under `Auto`).
    Csv(CsvOptions),
}

/// Opens `path` (`-` = stdin), decompressing gzip/zstd when the magic bytes say so.
pub fn open(path: &str) -> io::Result<Box<dyn BufRead + Send>> {
    let raw: Box<dyn Read + Send> = if path == "-" {
        Box::new(io::stdin())
    } else {
        Box::new(File::open(path)?)
    };
    decoded(raw)
}

/// Buffers `raw`, decompressing gzip/zstd when its magic bytes say so.
pub fn decoded(raw: Box<dyn Read + Send>) -> io::Result<Box<dyn BufRead + Send>> {
    let mut buf = BufReader::with_capacity(1 << 20, raw);
    let magic = buf.fill_buf()?;
    Ok(if magic.starts_with(&[0x1f, 0x8b]) {
        Box::new(BufReader::with_capacity(
            1 << 20,
            flate2::bufread::MultiGzDecoder::new(buf),
        ))
    } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Box::new(BufReader::with_capacity(
            1 << 20,
            zstd::Decoder::with_buffer(buf)?,
        ))
    } else {
        Box::new(buf)
    })
}

/// One framed record: its bytes and the 1-based line it starts on.
pub struct Framed<'a> {
    /// The record's bytes (trailing newline included for JSON Lines).
    pub bytes: &'a [u8],
    /// 1-based line of the record's first byte.
    pub line: u64,
}

/// Calls `f` for every record of the input, in order. `f`'s errors stop the reading
/// and are returned as they are.
pub fn for_each_record<E: From<ReadError>>(
    path: &str,
    format: InputFormat,
    mut reader: Box<dyn BufRead + Send>,
    mut f: impl FnMut(Framed<'_>) -> Result<(), E>,
) -> Result<(), E> {
    let format = match format {
        InputFormat::Auto => detect(path, &mut reader).map_err(io_err(path))?,
        other => other,
    };
    match format {
        InputFormat::Csv(opts) => csv_rows::csv_records(path, &opts, reader, f),
        InputFormat::Jsonl | InputFormat::Auto => jsonl(path, reader, f),
        InputFormat::Json => {
            let first = first_non_blank(&mut reader).map_err(io_err(path))?;
            if first == Some(b'[') {
                ArraySplitter {
                    path,
                    ..ArraySplitter::default()
                }
                .run(reader, f)
            } else {
                let mut all = Vec::new();
                reader.read_to_end(&mut all).map_err(io_err(path))?;
                f(Framed {
                    bytes: &all,
                    line: 1,
                })
            }
        }
    }
}

fn first_non_blank(reader: &mut Box<dyn BufRead + Send>) -> io::Result<Option<u8>> {
    let buf = reader.fill_buf()?;
    let start = if buf.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    Ok(buf[start..].iter().copied().find(|b| !is_json_space(b)))
}

/// A file name without its compression suffix (`.gz`, `.zst`), lower-cased: what input
/// kinds are told by.
pub fn plain_name(path: &str) -> String {
    let name = Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    name.trim_end_matches(".gz")
        .trim_end_matches(".zst")
        .to_string()
}

/// The format a file name alone tells (compressed or not): CSV for `.csv`/`.tsv` (tab
/// delimited for `.tsv`), JSON Lines for `.jsonl`/`.ndjson`/`.ldjson`; `None` when the
/// content decides.
pub fn format_from_name(path: &str) -> Option<InputFormat> {
    let name = plain_name(path);
    if name.ends_with(".csv") || name.ends_with(".tsv") {
        return Some(InputFormat::Csv(CsvOptions {
            delimiter: name.ends_with(".tsv").then_some(b'\t'),
            ..CsvOptions::default()
        }));
    }
    [".jsonl", ".ndjson", ".ldjson"]
        .iter()
        .any(|ext| name.ends_with(ext))
        .then_some(InputFormat::Jsonl)
}

fn detect(path: &str, reader: &mut Box<dyn BufRead + Send>) -> io::Result<InputFormat> {
    if let Some(format) = format_from_name(path) {
        return Ok(format);
    }
    let name = plain_name(path);
    Ok(match first_non_blank(reader)? {
        Some(b'[') => InputFormat::Json,
        Some(b'{') if name.ends_with(".json") => InputFormat::Json,
        _ => InputFormat::Jsonl,
    })
}

fn jsonl<E: From<ReadError>>(
    path: &str,
    mut reader: Box<dyn BufRead + Send>,
    mut f: impl FnMut(Framed<'_>) -> Result<(), E>,
) -> Result<(), E> {
    // A line that lies whole in the reader's buffer is handed out from there; only
    // lines that straddle two reads are copied into `line`.
    let mut line = Vec::new();
    let mut n = 0u64;
    let blank = |b: &[u8]| b.iter().all(is_json_space);
    loop {
        let buf = reader.fill_buf().map_err(io_err(path))?;
        if buf.is_empty() {
            if !line.is_empty() && !blank(&line) {
                f(Framed {
                    bytes: &line,
                    line: n + 1,
                })?;
            }
            return Ok(());
        }
        let Some(i) = memchr::memchr(b'\n', buf) else {
            line.extend_from_slice(buf);
            let used = buf.len();
            reader.consume(used);
            continue;
        };
        n += 1;
        let bytes = if line.is_empty() {
            &buf[..=i]
        } else {
            line.extend_from_slice(&buf[..=i]);
            &line[..]
        };
        if !blank(bytes) {
            f(Framed { bytes, line: n })?;
        }
        line.clear();
        reader.consume(i + 1);
    }
}

/// Splits `[a, b, ...]` into element slices with a byte state machine (depth, string,
/// escape), reading the input in blocks.
#[derive(Default)]
struct ArraySplitter<'p> {
    path: &'p str,
    depth: u32,
    in_string: bool,
    escape: bool,
    line: u64,
    started: bool,
    elem: Vec<u8>,
    elem_line: u64,
}

impl ArraySplitter<'_> {
    fn run<E: From<ReadError>>(
        mut self,
        mut reader: Box<dyn BufRead + Send>,
        mut f: impl FnMut(Framed<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        self.line = 1;
        let mut closed = false;
        loop {
            let path = self.path;
            let buf = reader.fill_buf().map_err(io_err(path))?;
            if buf.is_empty() {
                break;
            }
            let n = buf.len();
            for &b in buf {
                if closed {
                    if !is_json_space(&b) {
                        return Err(self
                            .framing("unexpected data after the top-level array")
                            .into());
                    }
                    if b == b'\n' {
                        self.line += 1;
                    }
                    continue;
                }
                if let Some(done) = self.byte(b, &mut f)? {
                    closed = done;
                }
            }
            reader.consume(n);
        }
        if !closed {
            return Err(self
                .framing("unexpected end of input inside the top-level array")
                .into());
        }
        Ok(())
    }

    fn framing(&self, message: &str) -> ReadError {
        ReadError::Framing {
            path: self.path.to_string(),
            line: self.line,
            message: message.to_string(),
        }
    }

    /// Feeds one byte; returns Some(true) when the top-level array closed.
    fn byte<E: From<ReadError>>(
        &mut self,
        b: u8,
        f: &mut impl FnMut(Framed<'_>) -> Result<(), E>,
    ) -> Result<Option<bool>, E> {
        if b == b'\n' {
            self.line += 1;
        }
        if !self.started {
            if b == b'[' {
                self.started = true;
            }
            return Ok(None);
        }
        if self.in_string {
            self.elem.push(b);
            if self.escape {
                self.escape = false;
            } else if b == b'\\' {
                self.escape = true;
            } else if b == b'"' {
                self.in_string = false;
            }
            return Ok(None);
        }
        match b {
            b'"' => {
                self.in_string = true;
                self.push(b);
            }
            b'[' | b'{' => {
                self.depth += 1;
                self.push(b);
            }
            b']' | b'}' if self.depth > 0 => {
                self.depth -= 1;
                self.push(b);
            }
            b']' => {
                self.emit(f)?;
                return Ok(Some(true));
            }
            b',' if self.depth == 0 => {
                if self.elem.iter().all(is_json_space) {
                    return Err(self.framing("empty element in the top-level array").into());
                }
                self.emit(f)?;
            }
            _ => self.push(b),
        }
        Ok(None)
    }

    fn push(&mut self, b: u8) {
        if self.elem.is_empty() {
            if is_json_space(&b) {
                return;
            }
            self.elem_line = self.line;
        }
        self.elem.push(b);
    }

    fn emit<E: From<ReadError>>(
        &mut self,
        f: &mut impl FnMut(Framed<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        if !self.elem.is_empty() {
            f(Framed {
                bytes: &self.elem,
                line: self.elem_line,
            })?;
        }
        self.elem.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Result<Vec<(String, u64)>, ReadError> {
        let mut out = Vec::new();
        let reader: Box<dyn BufRead + Send> = Box::new(io::Cursor::new(text.as_bytes().to_vec()));
        for_each_record::<ReadError>("x.json", InputFormat::Json, reader, |r| {
            out.push((String::from_utf8_lossy(r.bytes).into_owned(), r.line));
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn splits_arrays_with_nested_values_and_tricky_strings() {
        let got = split("[\n {\"a\": [1, {\"b\": \"],}\\\"\"}]},\n 2 ,\n\"x\"\n]\n").unwrap();
        assert_eq!(
            got,
            [
                ("{\"a\": [1, {\"b\": \"],}\\\"\"}]}".to_string(), 2),
                ("2 ".to_string(), 3),
                ("\"x\"\n".to_string(), 4)
            ]
        );
        assert_eq!(split("[]").unwrap(), []);
    }

    #[test]
    fn truncated_or_trailing_arrays_are_errors() {
        assert!(split("[{\"a\": 1},").is_err());
        assert!(split("[1] 2").is_err());
        assert!(split("[1,,2]").is_err());
    }

    #[test]
    fn single_document_is_one_record() {
        let got = split("{\n\"a\": 1\n}").unwrap();
        assert_eq!(got.len(), 1);
    }
}
