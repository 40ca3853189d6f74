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
    /// 1-based line of the record's first byte (`None` in a byte range of a file,
    /// whose earlier lines were not read).
    pub line: Option<u64>,
    /// Offset of the record's first byte in the (uncompressed) input: the same whether
    /// the file is read whole or in byte ranges.
    pub offset: u64,
    /// What is wrong with the input here, instead of a record (`bytes` then holds what
    /// there is of it): a top-level array cut off, an empty element, data after the
    /// array. The caller fails on it or skips it, as it does a record it cannot parse;
    /// the reading goes on past it.
    pub problem: Option<String>,
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
        InputFormat::Jsonl | InputFormat::Auto => jsonl(path, reader, 0, None, f),
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
                    line: Some(1),
                    offset: 0,
                    problem: None,
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

/// Byte ranges of about `size` bytes covering a file whose records can be read range
/// by range ([`for_each_record_in_range`]): an uncompressed file of JSON Lines (by its
/// name or `format`, or, for `Auto`, its content), cut anywhere; or an uncompressed CSV
/// file, cut at record starts found by parsing it (a quoted field may hold line breaks).
/// Any other file, or one not larger than `size`, is one range: `[(0, len)]`.
pub fn split_ranges(path: &Path, format: &InputFormat, size: u64) -> io::Result<Vec<(u64, u64)>> {
    let len = std::fs::metadata(path)?.len();
    let whole = vec![(0, len)];
    if len <= size.max(1) {
        return Ok(whole);
    }
    let mut raw: Box<dyn BufRead + Send> =
        Box::new(BufReader::with_capacity(1 << 16, File::open(path)?));
    let magic = raw.fill_buf()?;
    if magic.starts_with(&[0x1f, 0x8b]) || magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return Ok(whole);
    }
    let name = path.to_string_lossy();
    let format = match format {
        InputFormat::Auto => detect(&name, &mut raw)?,
        other => other.clone(),
    };
    if let InputFormat::Csv(opts) = &format {
        let found = csv_rows::csv_cuts(&mut raw, opts, size.max(1))?;
        let mut starts = vec![0];
        starts.extend(found.cuts.into_iter().filter(|&c| c < len));
        let ends = starts.iter().skip(1).copied().chain([len]);
        return Ok(starts.iter().copied().zip(ends).collect());
    }
    if !matches!(format, InputFormat::Jsonl) {
        return Ok(whole);
    }
    let size = size.max(1);
    Ok((0..len.div_ceil(size))
        .map(|i| (i * size, ((i + 1) * size).min(len)))
        .collect())
}

/// The records of a byte range of a file. JSON Lines: the lines that start at or after
/// `start` and before `end` (the last one read to its end, past `end`); together, the
/// ranges `[0, a)`, `[a, b)`, ... `[z, len)` give every line once, whatever the cut
/// points. CSV: the records of the range, whose ends must be record starts as
/// [`split_ranges`] gives them, under the file's header. Offsets are the file's, line
/// numbers unknown (but for a CSV range at 0).
pub fn for_each_record_in_range<E: From<ReadError>>(
    path: &str,
    format: &InputFormat,
    file: std::fs::File,
    start: u64,
    end: u64,
    f: impl FnMut(Framed<'_>) -> Result<(), E>,
) -> Result<(), E> {
    use std::io::{Seek, SeekFrom};
    let csv = match format {
        InputFormat::Csv(opts) => Some(opts.clone()),
        InputFormat::Auto => match format_from_name(path) {
            Some(InputFormat::Csv(opts)) => Some(opts),
            _ => None,
        },
        _ => None,
    };
    if let Some(opts) = csv {
        return csv_rows::csv_records_in_range(path, &opts, file, start, end, f);
    }
    let mut file = file;
    let mut base = start;
    if start > 0 {
        // The line holding byte `start - 1` belongs to the range before, unless that
        // byte ends it.
        file.seek(SeekFrom::Start(start - 1))
            .map_err(io_err(path))?;
        let mut reader = BufReader::with_capacity(1 << 16, &mut file);
        let mut skipped = Vec::new();
        let n = reader
            .read_until(b'\n', &mut skipped)
            .map_err(io_err(path))?;
        base = start - 1 + n as u64;
        drop(reader);
        file.seek(SeekFrom::Start(base)).map_err(io_err(path))?;
    }
    if base >= end {
        return Ok(());
    }
    let reader: Box<dyn BufRead + Send> = Box::new(BufReader::with_capacity(1 << 20, file));
    jsonl(path, reader, base, Some(end), f)
}

/// Whether a read failed on the data (a decoder's damaged or cut-off stream), not on
/// the file: the records read before it are good.
fn is_corrupt(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput | io::ErrorKind::UnexpectedEof
    )
}

fn corrupt_message(e: &io::Error) -> String {
    format!("the input stops here, cut off or damaged ({e})")
}

/// JSON Lines from `reader`, whose first byte is at offset `base` of the input; stops
/// before a line that starts at `limit` or later (line numbers unknown then).
fn jsonl<E: From<ReadError>>(
    path: &str,
    mut reader: Box<dyn BufRead + Send>,
    base: u64,
    limit: Option<u64>,
    mut f: impl FnMut(Framed<'_>) -> Result<(), E>,
) -> Result<(), E> {
    // A line that lies whole in the reader's buffer is handed out from there; only
    // lines that straddle two reads are copied into `line`.
    let mut line = Vec::new();
    let mut n = 0u64;
    let numbered = limit.is_none();
    // Offset of the next byte to read, and of the line being read.
    let mut pos = base;
    let mut start = base;
    let blank = |b: &[u8]| b.iter().all(is_json_space);
    loop {
        if line.is_empty() && limit.is_some_and(|l| start >= l) {
            return Ok(());
        }
        let buf = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(e) if is_corrupt(&e) => {
                // A compressed input cut off or damaged: what was read stands, the rest
                // is one bad record, failed or skipped like any other. A last line that
                // lacks only its line break is a record of its own.
                if !blank(&line) && serde_json::from_slice::<serde_json::Value>(&line).is_ok() {
                    n += 1;
                    f(Framed {
                        bytes: &line,
                        line: numbered.then_some(n),
                        offset: start,
                        problem: None,
                    })?;
                    line.clear();
                    start = pos;
                }
                return f(Framed {
                    bytes: &line,
                    line: numbered.then_some(n + 1),
                    offset: start,
                    problem: Some(corrupt_message(&e)),
                });
            }
            Err(e) => return Err(io_err(path)(e).into()),
        };
        if buf.is_empty() {
            if !line.is_empty() && !blank(&line) {
                f(Framed {
                    bytes: &line,
                    line: numbered.then_some(n + 1),
                    offset: start,
                    problem: None,
                })?;
            }
            return Ok(());
        }
        let Some(i) = memchr::memchr(b'\n', buf) else {
            line.extend_from_slice(buf);
            let used = buf.len();
            reader.consume(used);
            pos += used as u64;
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
            f(Framed {
                bytes,
                line: numbered.then_some(n),
                offset: start,
                problem: None,
            })?;
        }
        line.clear();
        reader.consume(i + 1);
        pos += i as u64 + 1;
        start = pos;
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
    /// Offset of the byte being fed, and of the element's first byte.
    pos: u64,
    elem_offset: u64,
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
            let buf = match reader.fill_buf() {
                Ok(buf) => buf,
                Err(e) if is_corrupt(&e) => {
                    // An element that lacks only the `,` after it is a record of its own.
                    let whole = self.depth == 0
                        && !self.in_string
                        && matches!(self.elem.trim_ascii_end().last(), Some(b'}' | b']'));
                    if whole {
                        self.emit(&mut f)?;
                    }
                    let (line, offset) = match self.elem.is_empty() {
                        true => (self.line, self.pos),
                        false => (self.elem_line, self.elem_offset),
                    };
                    return self.problem(&mut f, &corrupt_message(&e), line, offset);
                }
                Err(e) => return Err(io_err(path)(e).into()),
            };
            if buf.is_empty() {
                break;
            }
            let n = buf.len();
            for &b in buf {
                if closed {
                    if !is_json_space(&b) {
                        // What follows is not read: report where it starts.
                        let (line, offset) = (self.line, self.pos);
                        return self.problem(
                            &mut f,
                            "unexpected data after the top-level array",
                            line,
                            offset,
                        );
                    }
                    if b == b'\n' {
                        self.line += 1;
                    }
                    self.pos += 1;
                    continue;
                }
                if let Some(done) = self.byte(b, &mut f)? {
                    closed = done;
                }
                self.pos += 1;
            }
            reader.consume(n);
        }
        if !closed {
            if self.depth > 0 || self.in_string {
                // The element being read is cut off: it is the bad record.
                let (line, offset) = (self.elem_line, self.elem_offset);
                let message =
                    "unexpected end of input inside the top-level array: the record is cut off";
                return self.problem(&mut f, message, line, offset);
            }
            // Only the end is missing: what was read is records.
            self.emit(&mut f)?;
            let (line, offset) = (self.line, self.pos);
            let message = "unexpected end of input inside the top-level array (no closing `]`)";
            return self.problem(&mut f, message, line, offset);
        }
        Ok(())
    }

    /// Hands `f` a problem at `line` and `offset`, with the element's bytes so far.
    fn problem<E: From<ReadError>>(
        &mut self,
        f: &mut impl FnMut(Framed<'_>) -> Result<(), E>,
        message: &str,
        line: u64,
        offset: u64,
    ) -> Result<(), E> {
        let out = f(Framed {
            bytes: &self.elem,
            line: Some(line),
            offset,
            problem: Some(message.to_string()),
        });
        self.elem.clear();
        out
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
                if self.elem.is_empty() {
                    let (line, offset) = (self.line, self.pos);
                    self.problem(f, "empty element in the top-level array", line, offset)?;
                } else {
                    self.emit(f)?;
                }
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
            self.elem_offset = self.pos;
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
                line: Some(self.elem_line),
                offset: self.elem_offset,
                problem: None,
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
            out.push((
                String::from_utf8_lossy(r.bytes).into_owned(),
                r.line.unwrap_or(0),
            ));
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

    /// Each record or problem: bytes (or the problem) and line.
    fn framed(text: &str) -> Vec<(String, u64)> {
        let mut out = Vec::new();
        let reader: Box<dyn BufRead + Send> = Box::new(io::Cursor::new(text.as_bytes().to_vec()));
        for_each_record::<ReadError>("x.json", InputFormat::Json, reader, |r| {
            let what = match r.problem {
                Some(p) => format!("{p} [{}]", String::from_utf8_lossy(r.bytes)),
                None => String::from_utf8_lossy(r.bytes).into_owned(),
            };
            out.push((what, r.line.unwrap_or(0)));
            Ok(())
        })
        .expect("framing problems are handed on, not returned");
        out
    }

    #[test]
    fn a_broken_array_hands_on_each_problem_and_every_whole_record() {
        let cut = "unexpected end of input inside the top-level array";
        assert_eq!(
            framed("[{\"a\": 1},\n{\"b\": [2,\n3"),
            [
                ("{\"a\": 1}".into(), 1),
                (format!("{cut}: the record is cut off [{{\"b\": [2,\n3]"), 2)
            ]
        );
        let no_end = format!("{cut} (no closing `]`) []");
        assert_eq!(
            framed("[{\"a\": 1},\n"),
            [("{\"a\": 1}".into(), 1), (no_end.clone(), 2)]
        );
        assert_eq!(
            framed("[1,\n2"),
            [("1".into(), 1), ("2".into(), 2), (no_end, 2)]
        );
        assert_eq!(
            framed("[1]\n 2 3"),
            [
                ("1".into(), 1),
                ("unexpected data after the top-level array []".into(), 2)
            ]
        );
        assert_eq!(
            framed("[1,,\n2]"),
            [
                ("1".into(), 1),
                ("empty element in the top-level array []".into(), 1),
                ("2".into(), 2)
            ]
        );
    }

    #[test]
    fn a_cut_off_compressed_input_keeps_its_whole_records_and_says_where_it_stops() {
        // Several zstd blocks (128 KiB each): a cut-off block itself gives nothing.
        let lines: String = (0..20_000)
            .map(|i| {
                format!(
                    "{{\"id\": {i}, \"h\": \"{:x}\"}}\n",
                    (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
                )
            })
            .collect();
        let array = format!("[{}]", lines.trim_end().replace('\n', ",\n"));
        let gzip = |text: &str| {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            std::io::Write::write_all(&mut enc, text.as_bytes()).unwrap();
            enc.finish().unwrap()
        };
        let zstd = |text: &str| zstd::encode_all(text.as_bytes(), 1).unwrap();
        for (format, text) in [(InputFormat::Jsonl, &lines), (InputFormat::Json, &array)] {
            for packed in [gzip(text), zstd(text)] {
                let cut = packed[..packed.len() / 2].to_vec();
                let reader = decoded(Box::new(io::Cursor::new(cut))).unwrap();
                let mut got = Vec::new();
                for_each_record::<ReadError>("x", format.clone(), reader, |r| {
                    got.push((r.problem, r.line, r.bytes.to_vec()));
                    Ok(())
                })
                .expect("a cut-off stream is a problem record, not an error");
                let (problem, line, _) = got.pop().unwrap();
                let problem = problem.expect("the last record says where the input stops");
                assert!(
                    problem.starts_with("the input stops here, cut off or damaged"),
                    "{problem}"
                );
                // Every record before is whole and in order.
                assert!(got.len() > 1000, "{} records, {format:?}", got.len());
                for (i, (p, _, bytes)) in got.iter().enumerate() {
                    assert!(p.is_none());
                    let text = String::from_utf8_lossy(bytes);
                    assert!(text.starts_with(&format!("{{\"id\": {i}, ")), "{text}");
                }
                if format == InputFormat::Jsonl {
                    assert_eq!(line, Some(got.len() as u64 + 1));
                }
            }
        }
    }

    /// Reads `text`, then fails as a damaged compressed stream does.
    struct Damaged(io::Cursor<Vec<u8>>);

    impl io::Read for Damaged {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match self.0.read(buf)? {
                0 => Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "incomplete frame",
                )),
                n => Ok(n),
            }
        }
    }

    /// Each record (its bytes) or problem (`!` and its bytes) with its line.
    fn damaged_after(format: InputFormat, text: &str) -> Vec<(String, u64)> {
        let reader = io::BufReader::new(Damaged(io::Cursor::new(text.as_bytes().to_vec())));
        let mut out = Vec::new();
        for_each_record::<ReadError>("x", format, Box::new(reader), |r| {
            let mark = if r.problem.is_some() { "!" } else { "" };
            let bytes = String::from_utf8_lossy(r.bytes);
            out.push((format!("{mark}{}", bytes.trim_end()), r.line.unwrap_or(0)));
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn damage_right_after_a_whole_record_keeps_that_record() {
        let jsonl = |t| damaged_after(InputFormat::Jsonl, t);
        let a1 = ("{\"a\":1}".to_string(), 1);
        let a2 = ("{\"a\":2}".to_string(), 2);
        assert_eq!(
            jsonl("{\"a\":1}\n{\"a\":2}"),
            [a1.clone(), a2.clone(), ("!".into(), 3)]
        );
        assert_eq!(
            jsonl("{\"a\":1}\n{\"a\":"),
            [a1.clone(), ("!{\"a\":".into(), 2)]
        );
        let array = |t| damaged_after(InputFormat::Json, t);
        let a2 = ("{\"a\":2}".to_string(), 2);
        assert_eq!(
            array("[{\"a\":1},\n{\"a\":2}"),
            [a1.clone(), a2, ("!".into(), 2)]
        );
        assert_eq!(array("[{\"a\":1},\n{\"a\":"), [a1, ("!{\"a\":".into(), 2)]);
    }

    fn lines_in_ranges(text: &[u8], cuts: &[u64]) -> Vec<(String, u64)> {
        let mut tmp = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut tmp, text).unwrap();
        let mut bounds = vec![0];
        bounds.extend_from_slice(cuts);
        bounds.push(text.len() as u64);
        let mut out = Vec::new();
        for w in bounds.windows(2) {
            let file = std::fs::File::open(tmp.path()).unwrap();
            for_each_record_in_range::<ReadError>(
                "x.jsonl",
                &InputFormat::Auto,
                file,
                w[0],
                w[1],
                |r| {
                    assert_eq!(r.line, None);
                    out.push((String::from_utf8_lossy(r.bytes).into_owned(), r.offset));
                    Ok(())
                },
            )
            .unwrap();
        }
        out
    }

    #[test]
    fn byte_ranges_give_every_line_once_with_its_offset_wherever_the_cuts_fall() {
        for text in [
            &b"{\"a\":1}\n{\"b\":22}\n\n{\"c\":333}\n"[..],
            b"{\"a\":1}\r\n{\"b\":22}\r\n{\"c\":3}",
            b"\n\n{\"a\":1}\n",
        ] {
            let mut whole = Vec::new();
            let reader: Box<dyn BufRead + Send> = Box::new(io::Cursor::new(text.to_vec()));
            for_each_record::<ReadError>("x.jsonl", InputFormat::Jsonl, reader, |r| {
                assert_eq!(&text[r.offset as usize..][..r.bytes.len()], r.bytes);
                whole.push((String::from_utf8_lossy(r.bytes).into_owned(), r.offset));
                Ok(())
            })
            .unwrap();
            let n = text.len() as u64;
            for a in 0..=n {
                assert_eq!(lines_in_ranges(text, &[a]), whole, "cut at {a}");
                for b in a..=n {
                    assert_eq!(lines_in_ranges(text, &[a, b]), whole, "cuts at {a}, {b}");
                }
            }
        }
    }

    #[test]
    fn array_elements_and_csv_rows_have_offsets() {
        let text = "[ {\"a\": 1},\n  {\"b\": 2} ]";
        let reader: Box<dyn BufRead + Send> = Box::new(io::Cursor::new(text.as_bytes().to_vec()));
        let mut offsets = Vec::new();
        for_each_record::<ReadError>("x.json", InputFormat::Json, reader, |r| {
            offsets.push(r.offset);
            Ok(())
        })
        .unwrap();
        assert_eq!(offsets, [2, 14]);
        let csv = "a,b\n1,2\n\"x\ny\",4\n";
        let reader: Box<dyn BufRead + Send> = Box::new(io::Cursor::new(csv.as_bytes().to_vec()));
        offsets.clear();
        for_each_record::<ReadError>(
            "x.csv",
            InputFormat::Csv(CsvOptions::default()),
            reader,
            |r| {
                offsets.push(r.offset);
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(offsets, [4, 8]);
    }

    #[test]
    fn only_plain_json_lines_files_are_split() {
        let dir = tempfile::tempdir().unwrap();
        let lines = "{\"a\": 1}\n".repeat(100);
        let jsonl = dir.path().join("a.jsonl");
        std::fs::write(&jsonl, &lines).unwrap();
        let ranges = split_ranges(&jsonl, &InputFormat::Auto, 300).unwrap();
        assert_eq!(ranges.len(), 3);
        assert_eq!((ranges[0].0, ranges[2].1), (0, lines.len() as u64));
        assert_eq!(
            split_ranges(&jsonl, &InputFormat::Auto, 10_000)
                .unwrap()
                .len(),
            1
        );
        let array = dir.path().join("a.json");
        std::fs::write(&array, format!("[{}]", "{\"a\": 1},".repeat(100) + "1")).unwrap();
        assert_eq!(
            split_ranges(&array, &InputFormat::Auto, 300).unwrap().len(),
            1
        );
        let gz = dir.path().join("b.jsonl.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut enc, lines.as_bytes()).unwrap();
        std::fs::write(&gz, enc.finish().unwrap()).unwrap();
        assert_eq!(split_ranges(&gz, &InputFormat::Auto, 10).unwrap().len(), 1);
        let csv = dir.path().join("c.csv.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut enc, "a\n1\n2\n3\n".repeat(50).as_bytes()).unwrap();
        std::fs::write(&csv, enc.finish().unwrap()).unwrap();
        assert_eq!(split_ranges(&csv, &InputFormat::Auto, 10).unwrap().len(), 1);
    }

    /// A CSV file's records read whole, and read range by range as `split_ranges` cuts
    /// it for `size`: (record text, offset) each, and the ranges.
    type Records = Vec<(String, u64)>;

    fn csv_both_ways(text: &str, opts: &CsvOptions, size: u64) -> (Records, Records, usize) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, text).unwrap();
        let format = InputFormat::Csv(opts.clone());
        let mut whole = Vec::new();
        let reader: Box<dyn BufRead + Send> =
            Box::new(std::io::Cursor::new(text.as_bytes().to_vec()));
        for_each_record::<ReadError>("t.csv", format.clone(), reader, |r| {
            whole.push((String::from_utf8_lossy(r.bytes).into_owned(), r.offset));
            Ok(())
        })
        .unwrap();
        let ranges = split_ranges(&path, &format, size).unwrap();
        assert_eq!(ranges.first().map(|r| r.0), Some(0));
        assert_eq!(ranges.last().map(|r| r.1), Some(text.len() as u64));
        assert!(ranges.windows(2).all(|w| w[0].1 == w[1].0), "{ranges:?}");
        let mut parts = Vec::new();
        for (start, end) in &ranges {
            let file = std::fs::File::open(&path).unwrap();
            for_each_record_in_range::<ReadError>("t.csv", &format, file, *start, *end, |r| {
                parts.push((String::from_utf8_lossy(r.bytes).into_owned(), r.offset));
                Ok(())
            })
            .unwrap();
        }
        (whole, parts, ranges.len())
    }

    #[test]
    fn csv_ranges_start_at_records_and_give_the_whole_files_records() {
        // Quoted fields holding line breaks, commas and doubled quotes, a literal quote
        // inside an unquoted field, CRLF, a blank line, no final newline.
        let mut text = String::from("id,text,note\r\n");
        for i in 0..40 {
            text.push_str(&format!(
                "{i},\"line one\nline two, {i}\",5\" screen\r\n{i}b,plain,\"\"\"q\"\"\n\"\r\n"
            ));
            if i == 20 {
                text.push_str("\r\n");
            }
        }
        text.push_str("last,row,end");
        let opts = CsvOptions::default();
        for size in [1, 13, 64, 500, 1 << 20] {
            let (whole, parts, n) = csv_both_ways(&text, &opts, size);
            assert_eq!(whole.len(), 81);
            assert_eq!(parts, whole, "size {size}");
            assert_eq!(n > 1, size < text.len() as u64, "size {size}: {n} ranges");
        }
        // Skipped lines, no header (columns named by position), `;` guessed from the
        // first data line: every range reads with the same delimiter and names.
        let text = "# exported\n".to_string() + &"a;\"b\nc\";1\n".repeat(30);
        let opts = CsvOptions {
            has_header: false,
            skip_rows: 1,
            ..CsvOptions::default()
        };
        for size in [1, 40, 1 << 20] {
            let (whole, parts, _) = csv_both_ways(&text, &opts, size);
            assert_eq!(whole.len(), 30);
            assert!(
                whole[0].0.contains("\"column_2\":\"b\\nc\""),
                "{}",
                whole[0].0
            );
            assert_eq!(parts, whole, "size {size}");
        }
    }

    #[test]
    fn single_document_is_one_record() {
        let got = split("{\n\"a\": 1\n}").unwrap();
        assert_eq!(got.len(), 1);
    }
}
