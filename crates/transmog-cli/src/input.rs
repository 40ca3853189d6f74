//! Input framing: turns a file (or stdin) into record byte slices with their line
//! numbers, without loading the whole input. JSON Lines, a top-level JSON array
//! (streamed element by element) or one JSON document; gzip/zstd detected by magic bytes.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use anyhow::Context;

/// How the records of an input are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    /// Decide from the first non-blank byte and the file name.
    Auto,
    /// One JSON value per line.
    Jsonl,
    /// One JSON document: an array of records or a single record.
    Json,
}

/// Opens `path` (`-` = stdin), decompressing gzip/zstd when the magic bytes say so.
pub fn open(path: &str) -> io::Result<Box<dyn BufRead + Send>> {
    let raw: Box<dyn Read + Send> = if path == "-" {
        Box::new(io::stdin())
    } else {
        Box::new(File::open(path)?)
    };
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
    pub bytes: &'a [u8],
    pub line: u64,
}

/// Calls `f` for every record of the input, in order.
pub fn for_each_record(
    path: &str,
    format: InputFormat,
    mut reader: Box<dyn BufRead + Send>,
    mut f: impl FnMut(Framed<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let format = match format {
        InputFormat::Auto => {
            detect(path, &mut reader).with_context(|| format!("reading {path}"))?
        }
        other => other,
    };
    match format {
        InputFormat::Jsonl | InputFormat::Auto => jsonl(path, reader, f),
        InputFormat::Json => {
            let first = first_non_blank(&mut reader).with_context(|| format!("reading {path}"))?;
            if first == Some(b'[') {
                ArraySplitter {
                    path,
                    ..ArraySplitter::default()
                }
                .run(reader, f)
            } else {
                let mut all = Vec::new();
                reader
                    .read_to_end(&mut all)
                    .with_context(|| format!("reading {path}"))?;
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
    Ok(buf[start..]
        .iter()
        .copied()
        .find(|b| !b.is_ascii_whitespace()))
}

fn detect(path: &str, reader: &mut Box<dyn BufRead + Send>) -> io::Result<InputFormat> {
    let name = Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let name = name
        .trim_end_matches(".gz")
        .trim_end_matches(".zst")
        .to_string();
    Ok(match first_non_blank(reader)? {
        Some(b'[') => InputFormat::Json,
        Some(b'{') if name.ends_with(".json") => InputFormat::Json,
        _ => InputFormat::Jsonl,
    })
}

fn jsonl(
    path: &str,
    mut reader: Box<dyn BufRead + Send>,
    mut f: impl FnMut(Framed<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut line = Vec::with_capacity(4096);
    let mut n = 0u64;
    loop {
        line.clear();
        let read = reader
            .read_until(b'\n', &mut line)
            .with_context(|| format!("reading {path}"))?;
        if read == 0 {
            return Ok(());
        }
        n += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        f(Framed {
            bytes: &line,
            line: n,
        })?;
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
    fn run(
        mut self,
        mut reader: Box<dyn BufRead + Send>,
        mut f: impl FnMut(Framed<'_>) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        self.line = 1;
        let mut closed = false;
        loop {
            let path = self.path;
            let buf = reader
                .fill_buf()
                .with_context(|| format!("reading {path}"))?;
            if buf.is_empty() {
                break;
            }
            let n = buf.len();
            for &b in buf {
                if closed {
                    if !b.is_ascii_whitespace() {
                        anyhow::bail!(
                            "line {}: unexpected data after the top-level array",
                            self.line
                        );
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
            anyhow::bail!(
                "line {}: unexpected end of input inside the top-level array",
                self.line
            );
        }
        Ok(())
    }

    /// Feeds one byte; returns Some(true) when the top-level array closed.
    fn byte(
        &mut self,
        b: u8,
        f: &mut impl FnMut(Framed<'_>) -> anyhow::Result<()>,
    ) -> anyhow::Result<Option<bool>> {
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
                if self.elem.iter().all(u8::is_ascii_whitespace) {
                    anyhow::bail!(
                        "{}:{}: empty element in the top-level array",
                        self.path,
                        self.line
                    );
                }
                self.emit(f)?;
            }
            _ => self.push(b),
        }
        Ok(None)
    }

    fn push(&mut self, b: u8) {
        if self.elem.is_empty() {
            if b.is_ascii_whitespace() {
                return;
            }
            self.elem_line = self.line;
        }
        self.elem.push(b);
    }

    fn emit(&mut self, f: &mut impl FnMut(Framed<'_>) -> anyhow::Result<()>) -> anyhow::Result<()> {
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

    fn split(text: &str) -> anyhow::Result<Vec<(String, u64)>> {
        let mut out = Vec::new();
        let reader: Box<dyn BufRead + Send> = Box::new(io::Cursor::new(text.as_bytes().to_vec()));
        for_each_record("x.json", InputFormat::Json, reader, |r| {
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
