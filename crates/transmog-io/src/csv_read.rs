//! CSV input: every row becomes a flat record of strings (1.0.6's CSV semantics:
//! header names sanitized, null markers become null, no type inference), framed as
//! JSON object text so it flows through the same pipeline as JSON input.

use std::io::BufRead;

use transmog_core::naming::sanitize;
use transmog_core::text::push_json_string;

use crate::read::{Framed, ReadError};

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

/// Reads CSV rows and hands each one to `f` as a JSON object.
pub(crate) fn csv_records<E: From<ReadError>>(
    path: &str,
    opts: &CsvOptions,
    mut reader: Box<dyn BufRead + Send>,
    mut f: impl FnMut(Framed<'_>) -> Result<(), E>,
) -> Result<(), E> {
    let io_err = |source| ReadError::Io {
        path: path.to_string(),
        source,
    };
    let mut skipped = 0u64;
    let mut scratch = Vec::new();
    for _ in 0..opts.skip_rows {
        scratch.clear();
        if reader.read_until(b'\n', &mut scratch).map_err(io_err)? == 0 {
            break;
        }
        skipped += 1;
    }
    let delimiter = match opts.delimiter {
        Some(d) => d,
        None => {
            let buf = reader.fill_buf().map_err(io_err)?;
            let end = buf.iter().position(|b| *b == b'\n').unwrap_or(buf.len());
            guess_delimiter(&buf[..end])
        }
    };
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .quote(opts.quote)
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);
    let mut header: Option<Vec<String>> = None;
    let mut record = csv::StringRecord::new();
    let mut text = String::new();
    loop {
        let more = csv.read_record(&mut record).map_err(|e| {
            let line = e.position().map_or(0, |p| p.line()) + skipped;
            ReadError::Framing {
                path: path.to_string(),
                line,
                message: format!("invalid CSV: {e}"),
            }
        })?;
        if !more {
            return Ok(());
        }
        let line = record.position().map_or(0, |p| p.line()) + skipped;
        let names = match &mut header {
            None if opts.has_header => {
                let names = record
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
                header = Some(names);
                continue;
            }
            None => header.insert(Vec::new()),
            Some(names) => names,
        };
        while names.len() < record.len() {
            names.push(format!("column_{}", names.len() + 1));
        }
        text.clear();
        text.push('{');
        for (i, (name, value)) in names.iter().zip(record.iter()).enumerate() {
            if i > 0 {
                text.push(',');
            }
            push_json_string(&mut text, name, false);
            text.push(':');
            if opts.null_values.iter().any(|n| n == value) {
                text.push_str("null");
            } else {
                push_json_string(&mut text, value, false);
            }
        }
        text.push('}');
        f(Framed {
            bytes: text.as_bytes(),
            line,
        })?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn rows(text: &str, opts: &CsvOptions) -> Result<Vec<(String, u64)>, ReadError> {
        let mut out = Vec::new();
        let reader: Box<dyn BufRead + Send> = Box::new(Cursor::new(text.as_bytes().to_vec()));
        csv_records::<ReadError>("x.csv", opts, reader, |r| {
            out.push((String::from_utf8_lossy(r.bytes).into_owned(), r.line));
            Ok(())
        })?;
        Ok(out)
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
