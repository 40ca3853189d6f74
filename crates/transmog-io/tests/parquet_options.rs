//! Parquet writer options: codecs, page index, page checksums, page versions, option keys.
#![allow(clippy::unwrap_used)]

mod common;

use std::fs::File;
use std::path::{Path, PathBuf};

use common::*;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use transmog_io::{Error, Format, OptionValue, SinkOptions, TableOutput, TableSink};

/// Writes table `t` with the given options. With `evolve`, a column appears late (the
/// splice path); otherwise the schema never changes (the rename path).
fn write(dir: &Path, settings: &[(&str, &str)], evolve: bool) -> TableOutput {
    let mut o = SinkOptions::new(Format::Parquet);
    o.set("row_group_size", OptionValue::Int(1000)).unwrap();
    for (k, v) in settings {
        o.set(k, (*v).into()).unwrap();
    }
    let mut sink = TableSink::create(dir, o).unwrap();
    for k in 0..5i64 {
        let ids: Vec<i64> = (k * 700..k * 700 + 700).collect();
        let names = strs(ids.iter().map(|i| format!("name-{}", i % 37)));
        let mut cols = vec![("id", ints(ids.clone())), ("name", names)];
        if evolve && k >= 3 {
            cols.push(("late", floats(ids.iter().map(|i| *i as f64 / 4.0))));
        }
        sink.write("t", &batch(cols)).unwrap();
    }
    let mut out = sink.finish().unwrap();
    assert_eq!(out.len(), 1);
    let t = out.remove(0);
    assert_eq!(
        t.splice.is_some(),
        evolve || settings.contains(&("write_page_checksum", "true"))
    );
    assert_eq!(row_group_sizes(&t.path), vec![1000, 1000, 1000, 500]);
    t
}

fn check_values(path: &Path, evolve: bool) {
    let (schema, batches) = read_parquet(path);
    assert_eq!(
        col_i64(&batches, "id"),
        (0..3500).map(Some).collect::<Vec<_>>()
    );
    let names = col_str(&batches, "name");
    assert!(names
        .iter()
        .enumerate()
        .all(|(i, n)| n.as_deref() == Some(&*format!("name-{}", i % 37))));
    if evolve {
        assert_eq!(field_names(&schema), ["id", "name", "late"]);
        let late = col_f64(&batches, "late");
        for (i, v) in late.iter().enumerate() {
            assert_eq!(*v, (i >= 2100).then_some(i as f64 / 4.0), "late[{i}]");
        }
    }
}

type IsCodec = fn(Compression) -> bool;

#[test]
fn every_codec_is_recorded_in_the_column_chunks() {
    let cases: &[(&str, IsCodec)] = &[
        ("snappy", |c| c == Compression::SNAPPY),
        ("gzip", |c| matches!(c, Compression::GZIP(_))),
        ("gzip:9", |c| matches!(c, Compression::GZIP(_))),
        ("brotli:5", |c| matches!(c, Compression::BROTLI(_))),
        ("zstd", |c| matches!(c, Compression::ZSTD(_))),
        ("zstd:3", |c| matches!(c, Compression::ZSTD(_))),
        ("lz4", |c| c == Compression::LZ4_RAW),
        ("none", |c| c == Compression::UNCOMPRESSED),
    ];
    for (codec, ok) in cases {
        for evolve in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            let t = write(dir.path(), &[("compression", codec)], evolve);
            let md = metadata(&t.path);
            for rg in md.row_groups() {
                for c in rg.columns() {
                    assert!(
                        ok(c.compression()),
                        "{codec} evolve={evolve}: {:?}",
                        c.compression()
                    );
                }
            }
            check_values(&t.path, evolve);
        }
    }
}

fn page_index_presence(path: &Path) -> (bool, bool) {
    let md = metadata(path);
    let chunks: Vec<_> = md.row_groups().iter().flat_map(|rg| rg.columns()).collect();
    let ci: Vec<bool> = chunks
        .iter()
        .map(|c| c.column_index_offset().is_some())
        .collect();
    let oi: Vec<bool> = chunks
        .iter()
        .map(|c| c.offset_index_offset().is_some())
        .collect();
    assert!(
        ci.iter().all(|x| *x == ci[0]),
        "mixed column index presence"
    );
    assert!(
        oi.iter().all(|x| *x == oi[0]),
        "mixed offset index presence"
    );
    (ci[0], oi[0])
}

#[test]
fn page_index_absent_by_default_present_when_asked() {
    for evolve in [false, true] {
        for checksum in ["false", "true"] {
            let dir = tempfile::tempdir().unwrap();
            let t = write(dir.path(), &[("write_page_checksum", checksum)], evolve);
            assert_eq!(
                page_index_presence(&t.path),
                (false, false),
                "evolve={evolve} crc={checksum}"
            );
            check_values(&t.path, evolve);

            let dir = tempfile::tempdir().unwrap();
            let t = write(
                dir.path(),
                &[
                    ("write_page_index", "true"),
                    ("write_page_checksum", checksum),
                ],
                evolve,
            );
            assert_eq!(
                page_index_presence(&t.path),
                (true, true),
                "evolve={evolve} crc={checksum}"
            );
            check_values(&t.path, evolve);
            // every offset-index location points at a page header whose first field is the
            // page type (0x15 = field 1, i32) and pages tile each chunk
            let md = metadata(&t.path);
            let bytes = std::fs::read(&t.path).unwrap();
            for (rgi, rg) in md.row_groups().iter().enumerate() {
                let pidx = md.page_index_for_row_group(rgi);
                for (ci, col) in rg.columns().iter().enumerate() {
                    let locs = pidx.offset_index(ci).unwrap().page_locations();
                    assert!(!locs.is_empty());
                    let end = col
                        .dictionary_page_offset()
                        .unwrap_or(col.data_page_offset())
                        + col.compressed_size();
                    let last = locs.last().unwrap();
                    assert_eq!(last.offset + last.compressed_page_size as i64, end);
                    for w in locs.windows(2) {
                        assert_eq!(w[0].offset + w[0].compressed_page_size as i64, w[1].offset);
                    }
                    for l in locs {
                        assert_eq!(bytes[l.offset as usize], 0x15);
                    }
                    assert_eq!(locs[0].offset, col.data_page_offset());
                }
            }
        }
    }
}

/// Reads every column of `path` with parquet's reader (built with the `crc` feature, so
/// page checksums that are present are verified).
fn try_read_all(path: &Path) -> Result<usize, String> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap())
        .map_err(|e| e.to_string())?
        .build()
        .map_err(|e| e.to_string())?;
    let mut rows = 0;
    for b in reader {
        rows += b.map_err(|e| e.to_string())?.num_rows();
    }
    Ok(rows)
}

/// Copies `path` with one byte flipped at `offset`.
fn corrupt(path: &Path, offset: u64) -> PathBuf {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[offset as usize] ^= 0x01;
    let out = path.with_extension("corrupt.parquet");
    std::fs::write(&out, bytes).unwrap();
    out
}

/// Offset of the last byte of the last data page of column `col` in row group 0.
fn last_data_byte(path: &Path, col: usize) -> u64 {
    let md = metadata(path);
    let c = md.row_group(0).column(col);
    let start = c.dictionary_page_offset().unwrap_or(c.data_page_offset());
    (start + c.compressed_size() - 1) as u64
}

#[test]
fn page_checksums_are_written_and_verified() {
    for (evolve, version) in [(false, "1.0"), (true, "1.0"), (true, "2.0")] {
        let settings = [
            ("write_page_checksum", "true"),
            ("compression", "none"),
            ("use_dictionary", "false"),
            ("data_page_version", version),
        ];
        let dir = tempfile::tempdir().unwrap();
        let t = write(dir.path(), &settings, evolve);
        assert_eq!(try_read_all(&t.path), Ok(3500));
        check_values(&t.path, evolve);
        // flip one byte in the values of a plain-encoded int64 data page
        let bad = corrupt(&t.path, last_data_byte(&t.path, 0));
        let err = try_read_all(&bad).unwrap_err();
        assert!(
            err.contains("CRC checksum mismatch"),
            "evolve={evolve} v{version}: {err}"
        );

        // control: the same flip without checksums goes unnoticed (wrong value, no error)
        let dir = tempfile::tempdir().unwrap();
        let plain = write(dir.path(), &settings[1..], evolve);
        let bad = corrupt(&plain.path, last_data_byte(&plain.path, 0));
        assert_eq!(try_read_all(&bad), Ok(3500), "evolve={evolve} v{version}");
    }
}

#[test]
fn page_checksums_cover_dictionary_pages_and_compressed_pages() {
    let dir = tempfile::tempdir().unwrap();
    let t = write(
        dir.path(),
        &[("write_page_checksum", "true"), ("compression", "zstd")],
        true,
    );
    assert_eq!(try_read_all(&t.path), Ok(3500));
    let md = metadata(&t.path);
    let name_col = md.row_group(0).column(1);
    let dict = name_col
        .dictionary_page_offset()
        .expect("name is dictionary encoded");
    // the dictionary page data ends right before the first data page
    let bad = corrupt(&t.path, (name_col.data_page_offset() - 1) as u64);
    assert!(dict < name_col.data_page_offset() - 1);
    let err = try_read_all(&bad).unwrap_err();
    assert!(err.contains("CRC checksum mismatch"), "{err}");
    let bad = corrupt(&t.path, last_data_byte(&t.path, 1));
    let err = try_read_all(&bad).unwrap_err();
    assert!(err.contains("CRC checksum mismatch"), "{err}");
}

#[test]
fn other_writer_options_are_applied() {
    let dir = tempfile::tempdir().unwrap();
    let t = write(
        dir.path(),
        &[
            ("data_page_size", "1024"),
            ("dictionary_pagesize_limit", "256"),
            ("write_statistics", "false"),
            ("write_page_index", "true"),
            ("write_batch_size", "64"),
            ("version", "2.6"),
        ],
        true,
    );
    check_values(&t.path, true);
    let md = metadata(&t.path);
    let c = md.row_group(0).column(0);
    assert!(c.statistics().is_none(), "write_statistics=false");
    let pages = md
        .page_index_for_row_group(0)
        .offset_index(0)
        .unwrap()
        .page_locations()
        .len();
    assert!(
        pages >= 4,
        "1 KiB pages for 1000 int64 values: {pages} pages"
    );

    let dir = tempfile::tempdir().unwrap();
    let t = write(dir.path(), &[("use_dictionary", "false")], false);
    let md = metadata(&t.path);
    assert!(md.row_group(0).column(1).dictionary_page_offset().is_none());
    let dir = tempfile::tempdir().unwrap();
    let t = write(dir.path(), &[], false);
    let md = metadata(&t.path);
    assert!(md.row_group(0).column(1).dictionary_page_offset().is_some());
    assert!(md.row_group(0).column(0).statistics().is_some());
}

#[test]
fn unknown_or_invalid_options_are_errors_naming_the_key() {
    let mut o = SinkOptions::new(Format::Parquet);
    for key in ["write_page_crc", "use_byte_stream_split", "ROW_GROUP_SIZE"] {
        let e = o.set(key, OptionValue::Bool(true)).unwrap_err();
        assert!(matches!(e, Error::UnknownOption { .. }), "{e}");
        assert!(e.to_string().contains(key), "{e}");
    }
    let e = o.set("compression", "zstd:99".into()).unwrap_err();
    assert!(e.to_string().contains("compression"), "{e}");
    let e = o.set("data_page_version", "3.0".into()).unwrap_err();
    assert!(e.to_string().contains("data_page_version"), "{e}");
    let e = o.set("row_group_size", OptionValue::Int(-1)).unwrap_err();
    assert!(e.to_string().contains("row_group_size"), "{e}");
    let mut j = SinkOptions::new(Format::Jsonl);
    assert!(j.set("compression", "gzip".into()).is_err());
    let mut c = SinkOptions::new(Format::Csv);
    c.set("delimiter", ";".into()).unwrap();
    assert!(c.set("write_page_index", true.into()).is_err());
}

#[test]
fn mostly_distinct_text_columns_are_written_without_a_dictionary_by_default() {
    // `code`: every value distinct; `kind`: 3 values; `few`: distinct but only 500
    // rows in the first row group, too few to judge (kept like pyarrow).
    let write_with = |settings: &[(&str, &str)], rows: i64| {
        let dir = tempfile::tempdir().unwrap();
        let mut o = SinkOptions::new(Format::Parquet);
        o.set("row_group_size", OptionValue::Int(2000)).unwrap();
        for (k, v) in settings {
            o.set(k, (*v).into()).unwrap();
        }
        let mut sink = TableSink::create(dir.path(), o).unwrap();
        let ids: Vec<i64> = (0..rows).collect();
        let cols = vec![
            ("code", strs(ids.iter().map(|i| format!("C-{i:08}")))),
            (
                "kind",
                strs(ids.iter().map(|i| ["a", "b", "c"][(*i % 3) as usize])),
            ),
        ];
        sink.write("t", &batch(cols)).unwrap();
        let t = sink.finish().unwrap().remove(0);
        let md = metadata(&t.path);
        let dict = |c: usize| {
            (0..md.num_row_groups())
                .map(|rg| {
                    md.row_group(rg)
                        .column(c)
                        .dictionary_page_offset()
                        .is_some()
                })
                .collect::<Vec<_>>()
        };
        // Values read back whatever the encoding.
        let (_, batches) = read_parquet(&t.path);
        assert_eq!(
            batches.iter().map(|b| b.num_rows()).sum::<usize>(),
            rows as usize
        );
        (dict(0), dict(1), dir)
    };
    let (code, kind, _d) = write_with(&[], 5000);
    assert_eq!(code, [false, false, false], "distinct text: plain");
    assert_eq!(kind, [true, true, true], "repeated text: dictionary");
    let (code, kind, _d) = write_with(&[("use_dictionary", "true")], 5000);
    assert_eq!(
        (code, kind),
        (vec![true; 3], vec![true; 3]),
        "explicit: pyarrow's all"
    );
    let (code, kind, _d) = write_with(&[("use_dictionary", "false")], 5000);
    assert_eq!((code, kind), (vec![false; 3], vec![false; 3]));
    let (code, _, _d) = write_with(&[], 500);
    assert_eq!(code, [true], "too few values to judge");
}

/// `n` uuid4-like texts from a fixed seed (splitmix64): random hex, as generated ids are.
fn random_uuids(seed: u64, n: usize) -> Vec<String> {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    (0..n)
        .map(|_| {
            let h = format!("{:016x}{:016x}", next(), next());
            format!(
                "{}-{}-{}-{}-{}",
                &h[..8],
                &h[8..12],
                &h[12..16],
                &h[16..20],
                &h[20..]
            )
        })
        .collect()
}

/// Codec of every column (by name) in every row group of table `t` written with
/// `settings`, 700 rows a batch, 1000 a row group; `late` (a float column) from row
/// 2100, inside the third row group, so that row group is joined by the splice.
fn codecs_by_column(
    settings: &[(&str, &str)],
    rows: usize,
) -> std::collections::BTreeMap<String, Vec<Compression>> {
    let dir = tempfile::tempdir().unwrap();
    let mut o = SinkOptions::new(Format::Parquet);
    o.set("row_group_size", OptionValue::Int(1000)).unwrap();
    for (k, v) in settings {
        o.set(k, (*v).into()).unwrap();
    }
    let mut sink = TableSink::create(dir.path(), o).unwrap();
    let tokens = random_uuids(7, rows);
    for start in (0..rows).step_by(700) {
        let end = (start + 700).min(rows);
        let mut cols = vec![
            ("token", strs(&tokens[start..end])),
            (
                "email",
                strs((start..end).map(|i| format!("customer{i:07}@example.com"))),
            ),
            ("kind", strs((start..end).map(|i| ["a", "b", "c"][i % 3]))),
        ];
        if start >= 2100 {
            cols.push(("late", floats((start..end).map(|i| i as f64 / 4.0))));
        }
        sink.write("t", &batch(cols)).unwrap();
    }
    let t = sink.finish().unwrap().remove(0);
    let (_, batches) = read_parquet(&t.path);
    let back = col_str(&batches, "token");
    assert!(back
        .iter()
        .map(Option::as_deref)
        .eq(tokens.iter().map(|s| Some(s.as_str()))));
    let md = metadata(&t.path);
    let mut out = std::collections::BTreeMap::<String, Vec<Compression>>::new();
    for rg in md.row_groups() {
        for c in rg.columns() {
            out.entry(c.column_descr().name().to_owned())
                .or_default()
                .push(c.compression());
        }
    }
    out
}

#[test]
fn text_columns_snappy_cannot_shrink_are_stored_uncompressed_by_default() {
    use Compression::{SNAPPY, UNCOMPRESSED};
    let by_default = codecs_by_column(&[], 3500);
    assert_eq!(by_default["token"], [UNCOMPRESSED; 4], "random ids");
    assert_eq!(
        by_default["email"], [SNAPPY; 4],
        "distinct, plain, compressible"
    );
    assert_eq!(by_default["kind"], [SNAPPY; 4], "dictionary");
    assert_eq!(by_default["late"], [SNAPPY; 4], "not text");
    // Without dictionaries every text column is judged, and only the ids stay uncompressed.
    let plain = codecs_by_column(&[("use_dictionary", "false")], 3500);
    assert_eq!(plain["token"], [UNCOMPRESSED; 4]);
    assert_eq!(plain["kind"], [SNAPPY; 4]);
    for settings in [[("compression", "snappy")], [("compression", "lz4")]] {
        let explicit = codecs_by_column(&settings, 3500);
        let codec = if settings[0].1 == "lz4" {
            Compression::LZ4_RAW
        } else {
            SNAPPY
        };
        for (name, codecs) in &explicit {
            assert!(
                codecs.iter().all(|c| *c == codec),
                "{settings:?} {name}: {codecs:?}"
            );
        }
    }
    // 100 ids are 4 000 bytes: too few to judge.
    let small = codecs_by_column(&[], 100);
    assert_eq!(small["token"], [SNAPPY]);
}
