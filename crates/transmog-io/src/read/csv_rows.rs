//! CSV input: every row becomes a flat record of strings (1.0.6's CSV semantics:
//! header names sanitized, null markers become null, no type inference), framed as
//! JSON object text so it flows through the same pipeline as JSON input.

use std::io::{self, BufRead};

use transmog_core::naming::sanitize;
use transmog_core::text::push_json_string;

use super::{Framed, ReadError};

/// How CSV input is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvOptions {
    /// Field delimiter; `None` guesses from the first line (`,` `;` tab `|`).
    pub delimiter: Option<u8>,
    /// The first (non-skipped) row holds column names; otherwise `column_1`, ...
    pub has_header: bool,
    /// Quote character.
    pub quote: u8,
    /// Field values read as null.
    pub null_values: Vec<String>,
    /// Sanitize header names like table names (`First Name` -> `First_Name`).
    pub sanitize_names: bool,
    /// Lines skipped before the header.
    pub skip_rows: usize,
    /// Numbers and booleans become JSON numbers and booleans (1.0.6's `infer_types`);
    /// otherwise every value is text.
    pub infer_types: bool,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            delimiter: None,
            has_header: true,
            quote: b'"',
            null_values: ["", "NULL", "null", "NA", "na", "N/A", "n/a"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            sanitize_names: true,
            skip_rows: 0,
            infer_types: false,
        }
    }
}

fn guess_delimiter(line: &[u8]) -> u8 {
    [b',', b';', b'\t', b'|']
        .into_iter()
        .max_by_key(|d| line.iter().filter(|b| *b == d).count())
        .filter(|d| line.contains(d))
        .unwrap_or(b',')
}

/// The CSV parser's input, keeping the bytes from the start of the record last read to
/// the end of the input: a quote that is never closed makes the parser read the rest of
/// the input as one field without a word, and only the quotes of that record can tell.
struct Tracked {
    inner: Box<dyn BufRead + Send>,
    /// Bytes read from `inner` and not yet dropped; `kept[0]` is at offset `kept_from`
    /// (past the skipped lines).
    kept: std::collections::VecDeque<u8>,
    kept_from: u64,
    /// `inner` has said it has no more bytes.
    ended: bool,
}

impl io::Read for Tracked {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.ended = true;
        }
        self.kept.extend(&buf[..n]);
        Ok(n)
    }
}

impl Tracked {
    /// Drops the bytes before `offset` (a record start).
    fn keep_from(&mut self, offset: u64) {
        let k = usize::try_from(offset.saturating_sub(self.kept_from)).unwrap_or(usize::MAX);
        let k = k.min(self.kept.len());
        self.kept.drain(..k);
        self.kept_from += k as u64;
    }
}

/// A row's JSON object text, line, offset and problem.
type Row<'a> = (&'a str, u64, u64, Option<String>);

/// CSV rows as JSON objects, one at a time.
pub struct CsvRecords {
    path: String,
    opts: CsvOptions,
    csv: csv::Reader<Tracked>,
    header: Option<Vec<String>>,
    record: csv::StringRecord,
    text: String,
    skipped: u64,
    /// Bytes of the skipped lines (record offsets count from the input's start).
    skipped_bytes: u64,
}

impl CsvRecords {
    /// Reads `reader` (named `path` in errors) with `opts`: skips `skip_rows` lines,
    /// guesses the delimiter from the first line read when none is given.
    pub fn new(
        path: &str,
        opts: &CsvOptions,
        mut reader: Box<dyn BufRead + Send>,
    ) -> Result<Self, ReadError> {
        let io_err = |source| ReadError::Io {
            path: path.to_string(),
            source,
        };
        let mut skipped = 0u64;
        let mut skipped_bytes = 0u64;
        let mut scratch = Vec::new();
        for _ in 0..opts.skip_rows {
            scratch.clear();
            let n = reader.read_until(b'\n', &mut scratch).map_err(io_err)?;
            if n == 0 {
                break;
            }
            skipped += 1;
            skipped_bytes += n as u64;
        }
        let delimiter = match opts.delimiter {
            Some(d) => d,
            None => {
                let buf = reader.fill_buf().map_err(io_err)?;
                let end = buf.iter().position(|b| *b == b'\n').unwrap_or(buf.len());
                guess_delimiter(&buf[..end])
            }
        };
        let csv = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .quote(opts.quote)
            .has_headers(false)
            .flexible(true)
            .from_reader(Tracked {
                inner: reader,
                kept: std::collections::VecDeque::new(),
                kept_from: 0,
                ended: false,
            });
        Ok(CsvRecords {
            path: path.to_string(),
            opts: opts.clone(),
            csv,
            header: None,
            record: csv::StringRecord::new(),
            text: String::new(),
            skipped,
            skipped_bytes,
        })
    }

    /// The last record (it reaches the end of the input) has an odd number of quotes and
    /// a field with a line break: a quoted field ran to the end. (A lone quote inside an
    /// unquoted field, `12" pizza`, is text and puts no line break in a field.)
    fn unclosed_quote(&self) -> Option<String> {
        let input = self.csv.get_ref();
        let end = self.csv.position().byte();
        if !input.ended || end != input.kept_from + input.kept.len() as u64 {
            return None;
        }
        let quote = self.opts.quote;
        let quotes = input.kept.iter().filter(|&&b| b == quote).count();
        let broken = self.record.iter().any(|f| f.contains(['\n', '\r']));
        (quotes % 2 == 1 && broken).then(|| {
            let lines = input.kept.iter().filter(|&&b| b == b'\n').count();
            format!(
                "a quoted field opened in this row is never closed: the rest of the input \
                 ({lines} line{}) was read as one field",
                if lines == 1 { "" } else { "s" }
            )
        })
    }

    /// The next row as JSON object text, with the line it starts on; `None` at the end.
    pub fn next_record(&mut self) -> Result<Option<(&str, u64, u64)>, ReadError> {
        Ok(self
            .next_row()?
            .map(|(text, line, offset, _)| (text, line, offset)))
    }

    /// [`next_record`](Self::next_record) with what is wrong with the row: the last row
    /// of the input opened a quoted field and never closed it, so the rest of the input,
    /// line breaks and all, was read as that field.
    fn next_row(&mut self) -> Result<Option<Row<'_>>, ReadError> {
        loop {
            let skipped = self.skipped;
            let more = self.csv.read_record(&mut self.record).map_err(|e| {
                let line = e.position().map_or(0, |p| p.line()) + skipped;
                ReadError::Framing {
                    path: self.path.clone(),
                    line,
                    message: format!("invalid CSV: {e}"),
                }
            })?;
            if !more {
                return Ok(None);
            }
            let line = self.record.position().map_or(0, |p| p.line()) + skipped;
            let start = self.record.position().map_or(0, |p| p.byte());
            let offset = start + self.skipped_bytes;
            self.csv.get_mut().keep_from(start);
            let problem = self.unclosed_quote();
            let opts = &self.opts;
            let names = match &mut self.header {
                None if opts.has_header => {
                    let names = self
                        .record
                        .iter()
                        .map(|h| {
                            let h = h.trim_start_matches('\u{feff}');
                            if opts.sanitize_names {
                                sanitize(h, "_")
                            } else {
                                h.to_string()
                            }
                        })
                        .collect();
                    self.header = Some(names);
                    continue;
                }
                None => self.header.insert(Vec::new()),
                Some(names) => names,
            };
            while names.len() < self.record.len() {
                names.push(format!("column_{}", names.len() + 1));
            }
            let text = &mut self.text;
            text.clear();
            text.push('{');
            // A row shorter than the header reads as empty fields (1.0.6 pads it).
            let values = self.record.iter().chain(std::iter::repeat(""));
            for (i, (name, value)) in names.iter().zip(values).enumerate() {
                if i > 0 {
                    text.push(',');
                }
                push_json_string(text, name, false);
                text.push(':');
                if opts.null_values.iter().any(|n| n == value) {
                    text.push_str("null");
                } else if !(opts.infer_types && push_inferred(text, value)) {
                    push_json_string(text, value, false);
                }
            }
            text.push('}');
            return Ok(Some((&self.text, line, offset, problem)));
        }
    }
}

/// 1.0.6's CSV type inference: an integer, else a number, else `true`/`yes` or
/// `false`/`no` (any case), written as JSON; `false` (nothing written) for other text.
/// Numbers a JSON value cannot hold (`nan`, `inf`) stay text.
fn push_inferred(out: &mut String, value: &str) -> bool {
    let (sign, digits) = match value.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", value),
    };
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        // As an integer of any size; leading zeros are not JSON (`007` is 7).
        let digits = digits.trim_start_matches('0');
        if digits.is_empty() {
            out.push('0');
        } else {
            out.push_str(sign);
            out.push_str(digits);
        }
        return true;
    }
    if let Ok(f) = value.parse::<f64>() {
        if f.is_finite() && value.bytes().any(|b| b.is_ascii_digit()) {
            // Debug output round-trips and is JSON number text with a fraction or
            // exponent (`100000.0`, `1e20`): read back as this float.
            out.push_str(&format!("{f:?}"));
            return true;
        }
        return false;
    }
    match value.to_ascii_lowercase().as_str() {
        "true" | "yes" => out.push_str("true"),
        "false" | "no" => out.push_str("false"),
        _ => return false,
    }
    true
}

/// Reads CSV rows and hands each one to `f` as a JSON object.
pub(crate) fn csv_records<E: From<ReadError>>(
    path: &str,
    opts: &CsvOptions,
    reader: Box<dyn BufRead + Send>,
    mut f: impl FnMut(Framed<'_>) -> Result<(), E>,
) -> Result<(), E> {
    let mut rows = CsvRecords::new(path, opts, reader)?;
    while let Some((text, line, offset, problem)) = rows.next_row()? {
        f(Framed {
            bytes: text.as_bytes(),
            line: Some(line),
            offset,
            problem,
        })?;
    }
    Ok(())
}

/// Where a CSV file's records start, found with the parser the reader uses (so quoted
/// fields that hold line breaks are never cut): `header_end`, the offset after the skipped
/// lines and the header row, and `cuts`, the first record start at or after each multiple
/// of `size` past the header (`size = 0`: none; the scan stops after the header).
pub(crate) struct CsvCuts {
    pub header_end: u64,
    pub delimiter: u8,
    pub cuts: Vec<u64>,
}

pub(crate) fn csv_cuts(
    reader: &mut dyn BufRead,
    opts: &CsvOptions,
    size: u64,
) -> io::Result<CsvCuts> {
    let mut pos = 0u64;
    let mut scratch = Vec::new();
    for _ in 0..opts.skip_rows {
        scratch.clear();
        let n = reader.read_until(b'\n', &mut scratch)?;
        if n == 0 {
            break;
        }
        pos += n as u64;
    }
    let delimiter = match opts.delimiter {
        Some(d) => d,
        None => {
            let buf = reader.fill_buf()?;
            let end = buf.iter().position(|b| *b == b'\n').unwrap_or(buf.len());
            guess_delimiter(&buf[..end])
        }
    };
    let mut parser = csv_core::ReaderBuilder::new()
        .delimiter(delimiter)
        .quote(opts.quote)
        .build();
    // The fields are not wanted: the parser writes them here and they are dropped.
    let mut out = vec![0u8; 1 << 16];
    let mut ends = vec![0usize; 256];
    let mut found = CsvCuts {
        header_end: pos,
        delimiter,
        cuts: Vec::new(),
    };
    let mut in_header = opts.has_header;
    if !in_header && size == 0 {
        return Ok(found);
    }
    let mut next = size;
    loop {
        let buf = reader.fill_buf()?;
        let (result, nin, _, _) = parser.read_record(buf, &mut out, &mut ends);
        reader.consume(nin);
        pos += nin as u64;
        match result {
            csv_core::ReadRecordResult::Record => {
                if in_header {
                    in_header = false;
                    found.header_end = pos;
                    if size == 0 {
                        return Ok(found);
                    }
                    next = pos + size;
                } else if pos >= next {
                    found.cuts.push(pos);
                    next = pos + size;
                }
            }
            csv_core::ReadRecordResult::End => return Ok(found),
            _ => {}
        }
    }
}

/// The CSV records of bytes `start..end` of `file`, where `start` and `end` are record
/// starts from [`csv_cuts`]: the header is read from the file's beginning, the records from
/// the range; offsets are the file's (line numbers known only for a range at 0).
pub(crate) fn csv_records_in_range<E: From<ReadError>>(
    path: &str,
    opts: &CsvOptions,
    mut file: std::fs::File,
    start: u64,
    end: u64,
    mut f: impl FnMut(Framed<'_>) -> Result<(), E>,
) -> Result<(), E> {
    use std::io::{Read, Seek, SeekFrom};
    let io_err = |source| ReadError::Io {
        path: path.to_string(),
        source,
    };
    let head = csv_cuts(&mut io::BufReader::new(&mut file), opts, 0).map_err(io_err)?;
    let opts = CsvOptions {
        delimiter: Some(head.delimiter),
        ..opts.clone()
    };
    let (prefix, from) = if start == 0 {
        (Vec::new(), 0)
    } else {
        let mut prefix = vec![0u8; head.header_end as usize];
        file.seek(SeekFrom::Start(0)).map_err(io_err)?;
        file.read_exact(&mut prefix).map_err(io_err)?;
        (prefix, start.max(head.header_end))
    };
    if from >= end && start > 0 {
        return Ok(());
    }
    file.seek(SeekFrom::Start(from)).map_err(io_err)?;
    let shift = prefix.len() as u64;
    let body = io::Read::chain(io::Cursor::new(prefix), file.take(end - from));
    let reader: Box<dyn BufRead + Send> = Box::new(io::BufReader::with_capacity(1 << 20, body));
    let mut rows = CsvRecords::new(path, &opts, reader)?;
    while let Some((text, line, offset, problem)) = rows.next_row()? {
        f(Framed {
            bytes: text.as_bytes(),
            line: (start == 0).then_some(line),
            offset: offset - shift + from,
            problem,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn rows(text: &str, opts: &CsvOptions) -> Result<Vec<(String, u64)>, ReadError> {
        let mut out = Vec::new();
        let reader: Box<dyn BufRead + Send> = Box::new(Cursor::new(text.as_bytes().to_vec()));
        csv_records::<ReadError>("x.csv", opts, reader, |r| {
            out.push((
                String::from_utf8_lossy(r.bytes).into_owned(),
                r.line.unwrap_or(0),
            ));
            Ok(())
        })?;
        Ok(out)
    }

    /// Each row's line and problem.
    fn problems(text: &str) -> Vec<(u64, Option<String>)> {
        let mut out = Vec::new();
        let reader: Box<dyn BufRead + Send> = Box::new(Cursor::new(text.as_bytes().to_vec()));
        csv_records::<ReadError>("x.csv", &CsvOptions::default(), reader, |r| {
            out.push((r.line.unwrap_or(0), r.problem));
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn a_quote_never_closed_is_a_problem_of_the_row_that_opened_it() {
        let got = problems("a,b\n1,x\n2,\"y\n3,z\n4,w\n");
        assert_eq!(got.len(), 2);
        assert_eq!(got[0], (2, None));
        let (line, problem) = &got[1];
        assert_eq!(*line, 3);
        let problem = problem.as_deref().unwrap();
        assert!(
            problem.contains("never closed") && problem.contains("(3 lines)"),
            "{problem}"
        );
        // Only on the last line, with or without its line break.
        assert!(problems("a,b\n1,\"x\n")[0].1.is_some());
        // Closed quotes holding line breaks, a lone quote in an unquoted field, doubled
        // quotes: no problem, whether the input ends with a line break or not.
        for ok in [
            "a,b\n1,\"x\ny\"\n",
            "a,b\n1,\"x\ny\"",
            "a,b\n1,12\" pizza\n",
            "a,b\n1,\"say \"\"hi\"\"\nthen\"\n",
            "a,b\n1,\"x\ny\"\n2,12\" pizza",
        ] {
            assert!(problems(ok).iter().all(|(_, p)| p.is_none()), "{ok:?}");
        }
    }

    #[test]
    fn quoted_fields_nulls_and_sanitized_header() {
        let text = "First Name,note,age\n\"Ann\",\"a, \"\"quoted\"\"\nline\",3\nBo,,NA\n";
        let got = rows(text, &CsvOptions::default()).unwrap();
        assert_eq!(
            got,
            [
                (
                    r#"{"First_Name":"Ann","note":"a, \"quoted\"\nline","age":"3"}"#.to_string(),
                    2
                ),
                (
                    r#"{"First_Name":"Bo","note":null,"age":null}"#.to_string(),
                    4
                ),
            ]
        );
    }

    #[test]
    fn delimiter_guess_no_header_and_ragged_rows() {
        let opts = CsvOptions {
            has_header: false,
            ..CsvOptions::default()
        };
        let got = rows("a;b\nc;d;e\n", &opts).unwrap();
        assert_eq!(got[0].0, r#"{"column_1":"a","column_2":"b"}"#);
        assert_eq!(
            got[1].0,
            r#"{"column_1":"c","column_2":"d","column_3":"e"}"#
        );
        // With a header: a short row's missing fields are empty (null by default), a
        // long row's extra fields are kept under column_N.
        let got = rows("a,b\n1\n1,2,3\n", &CsvOptions::default()).unwrap();
        assert_eq!(got[0].0, r#"{"a":"1","b":null}"#);
        assert_eq!(got[1].0, r#"{"a":"1","b":"2","column_3":"3"}"#);
    }

    #[test]
    fn inferred_types_follow_1_0_6() {
        let opts = CsvOptions {
            infer_types: true,
            ..CsvOptions::default()
        };
        let text =
            "a,b,c,d,e,f,g\n7,-007,2.5,1e5,YES,no,x\n12345678901234567890123,.5,nan,0,true,1.0,\n";
        let got = rows(text, &opts).unwrap();
        assert_eq!(
            got[0].0,
            r#"{"a":7,"b":-7,"c":2.5,"d":100000.0,"e":true,"f":false,"g":"x"}"#
        );
        assert_eq!(
            got[1].0,
            r#"{"a":12345678901234567890123,"b":0.5,"c":"nan","d":0,"e":true,"f":1.0,"g":null}"#
        );
    }

    #[test]
    fn skip_rows_keeps_line_numbers_true() {
        let opts = CsvOptions {
            skip_rows: 2,
            ..CsvOptions::default()
        };
        let got = rows("junk\nmore junk\nh\nv\n", &opts).unwrap();
        assert_eq!(got, [(r#"{"h":"v"}"#.to_string(), 4)]);
    }
}
