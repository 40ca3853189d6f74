"""transmog-io's Parquet sink checked with independent readers (pyarrow, DuckDB, polars).

Files come from `crates/transmog-io/examples/write_fixture.rs` (a fixed scenario: a late
column, a late table, int->float and int->string widening, an empty table); its doc
comment describes the data, and the expected values below are computed independently.
"""

import json
import os
import subprocess
import sys

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import transmog as tm
from transmog.io import create_streaming_writer

from conftest import ROOT


def write_fixture(out_dir, *options):
    """Runs the fixture writer into `out_dir`; returns {table name: path}."""
    env = dict(os.environ)  # cargo honours CARGO_TARGET_DIR when set
    proc = subprocess.run(
        ["cargo", "run", "-q", "-p", "transmog-io", "--example", "write_fixture", "--",
         str(out_dir), *options],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    if proc.returncode != 0:
        raise AssertionError(f"write_fixture failed: {proc.stderr}")
    tables = {}
    for line in proc.stdout.splitlines():
        name, path, rows, row_groups, size = line.split("\t")
        assert os.path.getsize(path) == int(size)
        tables[name] = path
    return tables


def expected_main():
    rows = []
    for i in range(3500):
        last = i >= 3000
        rows.append({
            "id": i,
            "name": None if last else f"n{i % 7}",
            "score": i + 0.5 if last else float(i),
            "flag": None if last else i % 2 == 0,
            "code": f"c{i}" if last else str(i),
            "late": f"late{i}" if i >= 1500 else None,
        })
    return rows


def expected_items():
    return [
        {"idx": j, "value": j / 4, "maybe": f"m{j}" if j >= 700 else None, "nothing": None,
         "note": f"x{j}" if j >= 700 else None}
        for j in range(1000)
    ]


ITEMS_SCHEMA = pa.schema([
    ("idx", pa.int64()), ("value", pa.float64()), ("maybe", pa.string()),
    ("nothing", pa.null()), ("note", pa.string()),
])


MAIN_SCHEMA = pa.schema([
    ("id", pa.int64()), ("name", pa.string()), ("score", pa.float64()),
    ("flag", pa.bool_()), ("code", pa.string()), ("late", pa.string()),
])


@pytest.fixture(scope="module")
def default_files(tmp_path_factory):
    out = tmp_path_factory.mktemp("default")
    return out, write_fixture(out, "row_group_size=1000")


def test_files_and_no_leftovers(default_files):
    out, tables = default_files
    assert list(tables) == ["main", "main.items"]
    assert sorted(os.listdir(out)) == ["main.parquet", "main_items.parquet"]  # no temp files, no `empty`


def test_pyarrow_union_schema_values_and_nulls(default_files):
    _, tables = default_files
    main = pq.read_table(tables["main"])
    assert main.schema.remove_metadata() == MAIN_SCHEMA
    assert main.to_pylist() == expected_main()
    items = pq.read_table(tables["main.items"])
    assert items.schema.remove_metadata() == ITEMS_SCHEMA
    assert items.to_pylist() == expected_items()


def test_row_groups_exact_and_same_schema(default_files):
    _, tables = default_files
    pf = pq.ParquetFile(tables["main"])
    md = pf.metadata
    assert [md.row_group(i).num_rows for i in range(md.num_row_groups)] == [1000, 1000, 1000, 500]
    for i in range(md.num_row_groups):
        rg = md.row_group(i)
        assert [rg.column(c).path_in_schema for c in range(rg.num_columns)] == MAIN_SCHEMA.names
    # each row group alone has the late column, null before row 1500
    rg1 = pf.read_row_group(1).to_pylist()
    assert [r["late"] for r in rg1[:500]] == [None] * 500
    assert rg1[500]["late"] == "late1500"


def test_duckdb_reads_the_same(default_files):
    _, tables = default_files
    con = duckdb.connect()
    desc = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{tables['main']}')").fetchall()
    assert [(r[0], r[1]) for r in desc] == [
        ("id", "BIGINT"), ("name", "VARCHAR"), ("score", "DOUBLE"),
        ("flag", "BOOLEAN"), ("code", "VARCHAR"), ("late", "VARCHAR"),
    ]
    got = con.execute(
        f"SELECT id, name, score, flag, code, late FROM read_parquet('{tables['main']}') ORDER BY id"
    ).fetchall()
    want = [tuple(r.values()) for r in expected_main()]
    assert got == want
    items = con.execute(
        f"SELECT idx, value, maybe, nothing, note FROM read_parquet('{tables['main.items']}') ORDER BY idx"
    ).fetchall()
    assert items == [tuple(r.values()) for r in expected_items()]
    # predicate on the late column, statistics-driven readers must still find the rows
    n = con.execute(
        f"SELECT count(*) FROM read_parquet('{tables['main']}') WHERE late >= 'late3000'"
    ).fetchone()[0]
    assert n == sum(1 for r in expected_main() if r["late"] is not None and r["late"] >= "late3000")


def test_polars_reads_the_same(default_files):
    _, tables = default_files
    df = pl.read_parquet(tables["main"])
    assert df.columns == MAIN_SCHEMA.names
    assert df.dtypes == [pl.Int64, pl.String, pl.Float64, pl.Boolean, pl.String, pl.String]
    assert df.to_dicts() == expected_main()
    items = pl.read_parquet(tables["main.items"])
    assert items.to_dicts() == expected_items()


@pytest.mark.parametrize("codec, shown", [
    ("snappy", "SNAPPY"), ("gzip", "GZIP"), ("gzip:9", "GZIP"), ("brotli", "BROTLI"),
    ("zstd", "ZSTD"), ("zstd:3", "ZSTD"), ("lz4", "LZ4"), ("none", "UNCOMPRESSED"),
])
def test_codec_recorded(tmp_path, codec, shown):
    tables = write_fixture(tmp_path, "row_group_size=1000", f"compression={codec}")
    for path in tables.values():
        md = pq.ParquetFile(path).metadata
        for i in range(md.num_row_groups):
            for c in range(md.num_columns):
                assert md.row_group(i).column(c).compression == shown
    assert pq.read_table(tables["main"]).to_pylist() == expected_main()


@pytest.mark.parametrize("extra, present", [((), False), (("write_page_index=true",), True)])
@pytest.mark.parametrize("crc", [(), ("write_page_checksum=true",)])
def test_page_index_presence(tmp_path, extra, present, crc):
    tables = write_fixture(tmp_path, "row_group_size=1000", *extra, *crc)
    for path in tables.values():
        md = pq.ParquetFile(path).metadata
        for i in range(md.num_row_groups):
            for c in range(md.num_columns):
                col = md.row_group(i).column(c)
                assert (col.has_column_index, col.has_offset_index) == (present, present)
    assert pq.read_table(tables["main"]).to_pylist() == expected_main()
    if present:
        # page-index driven filtering in duckdb and pyarrow still returns the right rows
        t = pq.read_table(tables["main"], filters=[("id", ">=", 3490)])
        assert t.column("id").to_pylist() == list(range(3490, 3500))


def flip_byte(path, offset, dst):
    data = bytearray(open(path, "rb").read())
    data[offset] ^= 0x01
    with open(dst, "wb") as f:
        f.write(data)
    return dst


def last_byte_of_chunk(path, rg, col):
    c = pq.ParquetFile(path).metadata.row_group(rg).column(col)
    start = c.dictionary_page_offset if c.has_dictionary_page else c.data_page_offset
    return start + c.total_compressed_size - 1


@pytest.mark.parametrize("options", [
    (),
    ("compression=none", "use_dictionary=false"),
    ("data_page_version=2.0", "compression=zstd"),
    ("write_page_index=true", "compression=gzip"),
])
def test_page_checksums_verify_and_catch_corruption(tmp_path, options):
    tables = write_fixture(tmp_path / "w", "row_group_size=1000", "write_page_checksum=true", *options)
    for name, path in tables.items():
        t = pq.read_table(path, page_checksum_verification=True)
        assert t.num_rows == (3500 if name == "main" else 1000)
    main = tables["main"]
    assert pq.read_table(main, page_checksum_verification=True).to_pylist() == expected_main()
    md = pq.ParquetFile(main).metadata
    # one flipped byte inside a data page of each column of a middle row group
    for col in range(md.num_columns):
        bad = flip_byte(main, last_byte_of_chunk(main, 1, col), tmp_path / f"bad{col}.parquet")
        with pytest.raises(OSError, match="CRC checksum verification failed"):
            pq.read_table(bad, page_checksum_verification=True)


def test_dictionary_page_checksum(tmp_path):
    tables = write_fixture(tmp_path / "w", "row_group_size=1000", "write_page_checksum=true")
    main = tables["main"]
    c = pq.ParquetFile(main).metadata.row_group(0).column(1)  # `name`, dictionary encoded
    assert c.has_dictionary_page
    bad = flip_byte(main, c.data_page_offset - 1, tmp_path / "bad.parquet")  # last dictionary byte
    with pytest.raises(OSError, match="CRC checksum verification failed"):
        pq.read_table(bad, page_checksum_verification=True)


def test_without_checksums_corruption_goes_unnoticed(tmp_path):
    # the control for the test above: same flip, no checksums -> no CRC error (wrong data)
    tables = write_fixture(tmp_path / "w", "row_group_size=1000", "compression=none",
                           "use_dictionary=false")
    main = tables["main"]
    bad = flip_byte(main, last_byte_of_chunk(main, 1, 0), tmp_path / "bad.parquet")
    t = pq.read_table(bad, page_checksum_verification=True)
    assert t.column("id").to_pylist() != list(range(3500))


def test_unknown_option_is_rejected(tmp_path):
    with pytest.raises(AssertionError, match="write_page_crc"):
        write_fixture(tmp_path, "write_page_crc=true")
    assert not any(p.suffix == ".parquet" for p in tmp_path.iterdir())


def test_single_part_rename_path(tmp_path):
    # no late column, no widening: the fast path (rename of the only part file)
    tables = write_fixture(tmp_path, "row_group_size=100000")
    md = pq.ParquetFile(tables["main"]).metadata
    assert md.num_row_groups == 1
    assert pq.read_table(tables["main"]).to_pylist() == expected_main()


def test_tables_whose_file_names_clash_get_their_own_files(tmp_path):
    """With separator ".", tables `fz.a_b.a` and `fz.a.b.a` both sanitize to `fz_a_b_a`;
    the second gets `fz_a_b_a_2` instead of being mixed into (or overwriting) the first."""
    import transmog as tm

    records = [{"a_b": [{"a": [True]}]}, {"a.b": {"a": [True, False]}}]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    config = tm.TransmogConfig().with_naming(separator=".")
    for name, data in (("records", records), ("file", str(src))):
        out = tmp_path / name
        tm.Processor(config).stream_process(data, "fz", "parquet", str(out))
        assert pq.read_table(out / "fz_a_b_a.parquet").num_rows == 1
        assert pq.read_table(out / "fz_a_b_a_2.parquet").num_rows == 2


def test_max_file_size_writes_folder_tables_from_python(tmp_path):
    """The writer option `max_file_size` (off by default in Python): a table past it is a
    folder of parts, with the same rows as one file, and the writer reports its schema."""
    import pyarrow.dataset as pads

    from transmog import Processor

    records = [{"id": i, "text": f"value {i} " * 4, "items": [{"a": j} for j in range(3)]}
               for i in range(6000)]
    records[-1]["late"] = "L"
    Processor().stream_process(records, entity_name="t", output_format="parquet",
                               output_destination=str(tmp_path / "one"), row_group_size=500)
    Processor().stream_process(records, entity_name="t", output_format="parquet",
                               output_destination=str(tmp_path / "parts"), row_group_size=500,
                               max_file_size=16384)
    assert sorted(p.name for p in (tmp_path / "one").iterdir()) == ["t.parquet", "t_items.parquet"]
    assert sorted(p.name for p in (tmp_path / "parts").iterdir()) == ["t", "t_items"]
    for table in ("t", "t_items"):
        parts = sorted((tmp_path / "parts" / table).iterdir())
        assert len(parts) >= 2
        whole = pq.read_table(tmp_path / "one" / f"{table}.parquet")
        split = pads.dataset(str(tmp_path / "parts" / table), schema=whole.schema).to_table()
        assert split.num_rows == whole.num_rows
        assert set(split.column_names) == set(whole.column_names)
    # Ids differ between two runs (random); the data columns do not.
    data = ["id", "text", "late"]
    whole = pq.read_table(tmp_path / "one" / "t.parquet").select(data).sort_by("id")
    split = pads.dataset(str(tmp_path / "parts" / "t"), schema=whole.schema).to_table().select(data).sort_by("id")
    assert split.to_pylist() == whole.to_pylist()
    assert split.column("late").null_count == len(records) - 1


def _handed_back_run(out, processor, batches, keep_lists):
    """The seed's second sample over ``batches``; rows handed back as the lists the
    results gave (``keep_lists``) or as copies of them. The first row of the second
    batch is changed in both. Returns the writer's count of batches written as they were."""
    writer = create_streaming_writer("parquet", destination=str(out), entity_name="e",
                                     row_group_size=4)
    with writer:
        for b, batch in enumerate(batches):
            result = processor.process_batch(batch, entity_name="e", extract_time="2026-01-01")
            tables = [("main", result.get_main_table())]
            tables += [(n, result.get_child_table(n)) for n in result.get_table_names()]
            if b == 1:
                tables[0][1][0]["a"] = "changed"
            for name, rows in tables:
                rows = rows if keep_lists else list(rows)
                if name == "main":
                    writer.write_main_records(rows)
                else:
                    writer.initialize_child_table(name)
                    writer.write_child_records(name, rows)
        adopted = writer._sink.adopted_batches
        writer.finalize()
    return adopted


@pytest.mark.parametrize("typed", [False, True])
def test_rows_handed_back_unchanged_are_written_from_the_engines_batch(tmp_path, typed):
    batches = [
        [{"id": 1, "a": "x", "b": None, "items": [{"q": 1}, {"q": 2.5}]}, {"id": 2, "a": "y"}],
        [{"id": 3, "a": "z", "b": True}, {"id": 4, "c": "late", "items": [{"q": 3}]}],
        [{"id": 5, "b": False, "items": [{"r": "new"}]}, {"id": 6, "n": 2**60}],
        [{"id": 7, "n": 0.5}],
    ]
    # Ids from the records' content: the two runs' files can be compared byte for byte.
    config = tm.TransmogConfig.default().with_metadata(id_generation_strategy="hash")
    processor = tm.Processor(config.with_processing(cast_to_string=not typed))
    fast = _handed_back_run(tmp_path / "fast", processor, batches, keep_lists=True)
    slow = _handed_back_run(tmp_path / "slow", processor, batches, keep_lists=False)
    assert slow == 0
    # Of the 7 calls, all but the changed main table of batch 2. Typed, also not: the
    # items of batch 1 (1 and 2.5 in one float column: the engine notes which was an
    # integer, dicts would not), the items of batch 2 (integers into that float column)
    # and the main table of batch 4 (a float after an integer beyond 2^53: the column
    # turns to text). Those go through the dicts, and the files still come out the same.
    assert fast == (3 if typed else 6)
    names = sorted(p.name for p in (tmp_path / "slow").iterdir() if p.suffix == ".parquet")
    assert names == sorted(p.name for p in (tmp_path / "fast").iterdir() if p.suffix == ".parquet")
    for name in names:
        assert (tmp_path / "fast" / name).read_bytes() == (tmp_path / "slow" / name).read_bytes(), name
    main = pq.read_table(tmp_path / "fast" / "e.parquet")
    assert main.column("a").to_pylist() == ["x", "y", "changed", None, None, None, None]
    assert main.column("c").to_pylist() == [None, None, None, "late", None, None, None]


FAILING_WRITER = """
import resource, signal, sys
from transmog.io import create_streaming_writer
# Writes past the limit fail with EFBIG instead of killing the process.
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))
writer = create_streaming_writer("parquet", destination=sys.argv[1], entity_name="e",
                                 row_group_size=1000)
calls = 0
try:
    with writer:
        for b in range(100):
            writer.write_main_records([{"id": str(b * 1000 + i), "text": "x" * 50 + str(i)}
                                       for i in range(1000)])
            calls += 1
        writer.finalize()
except Exception as exc:
    print(type(exc).__name__, calls, exc)
    sys.exit(3)
"""


def test_a_write_that_fails_on_the_writing_thread_is_raised_and_leaves_nothing(tmp_path):
    # Dicts are encoded on a thread of their own: its error comes with a later call.
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-c", FAILING_WRITER, str(out)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 3, (proc.stdout, proc.stderr)
    name, calls, message = proc.stdout.split(" ", 2)
    assert name == "OutputError" and "File too large" in message, proc.stdout
    assert 0 < int(calls) < 100, proc.stdout
    assert not out.exists() or list(out.iterdir()) == [], list(out.iterdir())
