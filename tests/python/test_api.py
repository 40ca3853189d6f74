"""Transmog 1.0.6's public API on our package: entry points, data sources, return
types, exception classes, writers — and the places where we keep data 1.0.6 lost."""

import gzip
import io
import json
import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import transmog as tm
from transmog.config import TransmogConfig
from transmog.error import ConfigurationError, OutputError, ParsingError, ProcessingError, TransmogError
from transmog.io.writer_factory import FormatRegistry
from transmog.io.writer_interface import StreamingWriter
from transmog.io.writers.csv import CsvStreamingWriter, CsvWriter
from transmog.io.writers.json import JsonStreamingWriter, JsonWriter
from transmog.io.writers.parquet import ParquetStreamingWriter, ParquetWriter

RECS = [
    {"id": 1, "name": "A", "addr": {"city": "X"}, "items": [{"sku": "a", "qty": 2}, {"sku": "b"}]},
    {"id": 2, "name": "B", "extra": True, "items": [{"sku": "c", "sub": [{"z": 1.5}]}]},
]


def test_version_and_exports():
    assert tm.__version__ == "1.0.6"
    for name in tm.__all__:
        assert hasattr(tm, name), name
    assert tm.get_supported_streaming_formats() == ["csv", "json", "parquet"]


def test_exception_hierarchy():
    for cls in (tm.ProcessingError, tm.ValidationError, tm.ParsingError, tm.FileError,
                tm.MissingDependencyError, tm.ConfigurationError, tm.OutputError):
        assert issubclass(cls, TransmogError) and issubclass(cls, Exception)
    assert str(ConfigurationError("bad", "separator", "/")).startswith(
        "Configuration error (parameter: 'separator', value: '/'): bad")


def test_result_accessors_and_types():
    r = tm.Processor().process(RECS, entity_name="orders")
    assert isinstance(r, tm.ProcessingResult)
    main = r.get_main_table()
    assert isinstance(main, list) and all(isinstance(row, dict) for row in main)
    assert main[0]["id"] == "1" and main[0]["addr_city"] == "X"
    assert main[1]["extra"] == "true"
    assert r.get_table_names() == ["orders_items", "orders_items_sub"]
    assert r.get_child_table("nope") == []
    items = r.get_child_table("orders_items")
    assert [i["__array_index"] for i in items] == [0, 1, 0]
    assert items[0]["__parent_extract_id"] == main[0]["__extract_id"]
    assert r.count_records() == {"main": 2, "orders_items": 3, "orders_items_sub": 1}
    d = r.to_dict()
    assert set(d) == {"main_table", "child_tables", "entity_name", "source_info"}
    assert d["source_info"]["record_count"] == 2
    assert json.loads(r.to_json())["entity_name"] == "orders"
    assert set(r.to_json_objects()) == {"main", "orders_items", "orders_items_sub"}
    assert r.get_formatted_table_name("a.b/c") == "a_b_c"


def test_arrow_pandas_polars():
    r = tm.Processor().process(RECS, entity_name="orders")
    tables = r.to_arrow()
    assert isinstance(tables["main"], pa.Table)
    assert tables["main"].num_rows == 2
    # one schema for all rows: 'extra' (only in row 2) is a column, null in row 1
    assert tables["main"].column("extra").to_pylist() == [None, "true"]
    assert r.to_pandas()["orders_items"].shape[0] == 3
    import polars as pl

    assert isinstance(r.to_polars()["main"], pl.DataFrame)


def test_data_sources(tmp_path):
    p = tm.Processor()
    gen = (dict(r) for r in RECS)
    assert p.process_chunked(gen, entity_name="o", chunk_size=1).count_records()["main"] == 2
    jl = tmp_path / "o.jsonl"
    jl.write_text("\n".join(json.dumps(r) for r in RECS) + "\n")
    assert p.process_file(str(jl), entity_name="o").get_main_table()[1]["name"] == "B"
    gz = tmp_path / "o.json.gz"
    with gzip.open(gz, "wt") as fh:
        json.dump(RECS, fh)
    assert p.process_chunked(gz, entity_name="o").count_records()["o_items"] == 3
    with open(jl) as fh:
        assert p.process_chunked(fh, entity_name="o").count_records()["main"] == 2
    assert p.process(json.dumps(RECS), entity_name="o").count_records()["main"] == 2
    assert p.process(json.dumps(RECS).encode(), entity_name="o").count_records()["main"] == 2
    csv_path = tmp_path / "c.csv"
    csv_path.write_text("First Name,age\nAnn,3\nBo,NA\n")
    rows = p.process_csv(str(csv_path), entity_name="c").get_main_table()
    assert rows[0]["First_Name"] == "Ann" and rows[1]["age"] is None


def test_process_batch_flattens_and_does_not_mutate_input():
    batch = [json.loads(json.dumps(r)) for r in RECS]
    before = json.dumps(batch)
    r = tm.Processor().process_batch(batch, entity_name="o")
    assert json.dumps(batch) == before
    assert r.get_main_table()[0]["addr_city"] == "X"


def test_errors_map_to_1_0_6_classes(tmp_path):
    p = tm.Processor()
    with pytest.raises(ProcessingError):
        p.process([{"a": 1}, 5], entity_name="t")
    with pytest.raises(ConfigurationError):
        p.process(5, entity_name="t")
    with pytest.raises(ConfigurationError):
        TransmogConfig.default().with_naming(separator="/")
    with pytest.raises(ConfigurationError):
        TransmogConfig.default().with_error_handling(recovery_strategy="lenient")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"a": 1}\n{"a": \n')
    with pytest.raises(ParsingError, match=r"bad.jsonl at line 2"):
        p.process_file(str(bad), entity_name="t")
    skip = tm.Processor(TransmogConfig.error_tolerant())
    r = skip.process_file(str(bad), entity_name="t")
    assert r.count_records()["main"] == 1
    assert r.report()["skipped_count"] == 1
    # 1.0.6's documented strategy objects are accepted
    cfg = TransmogConfig.default().with_error_handling(recovery_strategy=tm.DEFAULT)
    assert tm.Processor(cfg).process([{"a": 1}, 5], entity_name="t").count_records()["main"] == 1


def test_ids_deterministic_and_custom():
    r1 = tm.Processor.with_deterministic_ids("id").process(RECS, entity_name="o")
    r2 = tm.Processor.with_deterministic_ids("id").process(RECS, entity_name="o")
    ids = lambda r: [row["__extract_id"] for row in r.get_main_table()]
    assert ids(r1) == ids(r2)
    custom = tm.Processor.with_custom_id_generation(lambda row: "C-" + row.get("sku", row.get("id", "?")))
    r = custom.process(RECS, entity_name="o")
    assert ids(r) == ["C-1", "C-2"]
    items = r.get_child_table("o_items")
    assert [i["__extract_id"] for i in items] == ["C-a", "C-b", "C-c"]
    assert items[0]["__parent_extract_id"] == "C-1"


def test_late_column_in_batch_three_is_kept(tmp_path):
    w = ParquetStreamingWriter(destination=str(tmp_path), entity_name="ent", row_group_size=2)
    w.write_main_records([{"a": "1", "b": "x"}, {"a": "2", "b": "y"}])
    w.write_main_records([{"a": "3", "b": "z"}, {"a": "4"}])
    w.write_main_records([{"a": "5", "c": "NEW"}, {"a": "6", "c": "NEW2"}])
    w.finalize()
    path = tmp_path / "ent.parquet"
    pf = pq.ParquetFile(path)
    assert pf.num_row_groups == 3
    t = pq.read_table(path)
    assert t.column_names == ["a", "b", "c"]
    assert t.column("c").to_pylist() == [None, None, None, None, "NEW", "NEW2"]
    assert w.get_output_files() == {"main": str(path)}


def test_type_change_widens_instead_of_truncating(tmp_path):
    w = ParquetStreamingWriter(destination=str(tmp_path), entity_name="ent", row_group_size=1)
    w.write_main_records([{"a": 1}])
    w.write_main_records([{"a": 2.7}])
    w.finalize()
    assert pq.read_table(tmp_path / "ent.parquet").column("a").to_pylist() == [1.0, 2.7]


def test_context_manager_finalizes_and_failures_leave_nothing(tmp_path):
    with ParquetStreamingWriter(destination=str(tmp_path / "ok"), entity_name="ent") as w:
        w.write_main_records([{"a": "1"}])
    assert pq.read_table(tmp_path / "ok" / "ent.parquet").num_rows == 1
    with pytest.raises(RuntimeError):
        with ParquetStreamingWriter(destination=str(tmp_path / "bad"), entity_name="ent") as w:
            w.write_main_records([{"a": "1"}])
            raise RuntimeError("boom")
    assert not any(f.endswith(".parquet") for f in os.listdir(tmp_path / "bad"))


def test_unknown_writer_option_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigurationError, match="use_byte_stream_split"):
        tm.create_streaming_writer("parquet", destination=str(tmp_path), use_byte_stream_split=True)
    with pytest.raises(ConfigurationError, match="no_such_option"):
        tm.create_streaming_writer("parquet", destination=str(tmp_path), no_such_option=1)
    with pytest.raises(ConfigurationError, match="xml"):
        tm.create_streaming_writer("xml", destination=str(tmp_path))
    # pyarrow options that cannot change our files are accepted, with a warning
    with pytest.warns(UserWarning, match="coerce_timestamps"):
        w = tm.create_streaming_writer("parquet", destination=str(tmp_path / "w"), coerce_timestamps="ms")
    w.finalize()


def test_module_paths_and_writer_classes(tmp_path):
    assert issubclass(ParquetStreamingWriter, StreamingWriter)
    assert FormatRegistry.get_writer_class("PARQUET") is ParquetWriter
    r = tm.Processor().process(RECS, entity_name="o")
    with JsonStreamingWriter(destination=str(tmp_path / "j"), entity_name="o") as w:
        w.write_main_records(r.get_main_table())
    assert len(json.loads((tmp_path / "j" / "o.json").read_text())) == 2
    with CsvStreamingWriter(destination=str(tmp_path / "c"), entity_name="o") as w:
        w.write_main_records(r.get_main_table())
    assert (tmp_path / "c" / "o.csv").read_text().splitlines()[0].startswith("id,name")
    buf = io.BytesIO()
    ParquetWriter().write_table(r.get_main_table(), buf)
    assert pq.read_table(io.BytesIO(buf.getvalue())).num_rows == 2
    assert json.loads(JsonWriter().write_table(r.get_main_table(), str(tmp_path / "x.json")) and
                      (tmp_path / "x.json").read_text())[0]["id"] == "1"
    CsvWriter().write_table(r.get_main_table(), str(tmp_path / "x.csv"))
    assert "extra" in (tmp_path / "x.csv").read_text().splitlines()[0]


def test_result_writers(tmp_path):
    r = tm.Processor().process(RECS, entity_name="My Ent")
    paths = r.write_all_parquet(str(tmp_path / "p"))
    assert os.path.basename(paths["main"]) == "main.parquet"
    assert pq.read_table(paths["main"]).column("extra").to_pylist() == [None, "true"]
    paths = r.write("json", str(tmp_path / "w"))
    assert os.path.basename(paths["My Ent"]) == "My Ent.json"
    paths = r.write_all_csv(str(tmp_path / "c"))
    assert set(paths) == {"main", "My_Ent_items", "My_Ent_items_sub"}
    blobs = r.to_parquet_bytes()
    assert pq.read_table(io.BytesIO(blobs["main"])).num_rows == 2


def test_csv_sources_plain_gzip_and_iterators(tmp_path):
    text = "id,Full Name,note\n1,Ann,\"a, \"\"b\"\"\"\n2,Bo,NA\n"
    plain = tmp_path / "p.csv"
    plain.write_text(text)
    gz = tmp_path / "p.csv.gz"
    with gzip.open(gz, "wt") as fh:
        fh.write(text)
    p = tm.Processor()
    for src in (plain, gz):
        rows = p.process_csv(str(src), entity_name="p").get_main_table()
        assert rows[0]["Full_Name"] == "Ann" and rows[0]["note"] == 'a, "b"'
        assert rows[1]["note"] is None
        assert p.process_file(str(src), entity_name="p").count_records()["main"] == 2
    semi = tmp_path / "s.csv"
    semi.write_text("x;y\n1;2\n")
    assert p.process_csv(str(semi), entity_name="s", delimiter=";").get_main_table()[0]["y"] == "2"
    assert p.process_stream(iter(RECS), entity_name="o").count_records()["o_items"] == 3


def test_return_types_match_the_spec(tmp_path):
    r = tm.Processor().process(RECS, entity_name="o")
    assert isinstance(r.get_table_names(), list) and all(isinstance(n, str) for n in r.get_table_names())
    assert isinstance(r.count_records(), dict)
    assert isinstance(r.to_json(), str)
    objs = r.to_json_objects()
    assert isinstance(objs, dict) and isinstance(objs["main"], list)
    for method in (r.write_all_parquet, r.write_all_csv, r.write_all_json, r.stream_to_parquet):
        out = method(str(tmp_path / method.__name__))
        assert isinstance(out, dict) and "main" in out
        assert all(isinstance(k, str) and isinstance(v, str) and os.path.exists(v) for k, v in out.items())
    assert all(isinstance(v, bytes) for v in r.to_parquet_bytes().values())
    assert all(isinstance(v, bytes) for v in r.to_csv_bytes().values())
    assert all(isinstance(v, bytes) for v in r.to_json_bytes().values())
    assert tm.Processor().stream_process(RECS, entity_name="o", output_format="parquet",
                                         output_destination=str(tmp_path / "s")) is None
    assert isinstance(tm.Processor.default(), tm.Processor)
    for preset in ("memory_optimized", "performance_optimized", "with_partial_recovery"):
        assert isinstance(getattr(tm.Processor, preset)(), tm.Processor)
    for preset in ("default", "memory_optimized", "performance_optimized", "simple_mode", "streaming_optimized",
                   "error_tolerant", "csv_optimized"):
        assert isinstance(getattr(TransmogConfig, preset)(), TransmogConfig)


def test_file_errors_and_output_errors(tmp_path):
    with pytest.raises(tm.FileError):
        tm.Processor().process_file(str(tmp_path / "missing.json"), entity_name="t")
    bad = tmp_path / "bad.json"
    bad.write_text("[{\"a\": 1},\n{\"a\": 2},\n{\"a\": [3")
    with pytest.raises(ParsingError) as e:
        tm.Processor().process_file(str(bad), entity_name="t")
    assert (e.value.source, e.value.line) == (str(bad), 3)
    assert "the record is cut off" in str(e.value)
    # Skipping keeps the whole records of a cut-off array (1.0.6 lost them all).
    skip = tm.Processor(tm.TransmogConfig.default().with_error_handling(recovery_strategy="skip"))
    assert [r["a"] for r in skip.process_file(str(bad), entity_name="t").main_table] == ["1", "2"]
    w = ParquetStreamingWriter(destination=str(tmp_path / "w"), entity_name="e")
    w.finalize()
    with pytest.raises(OutputError):
        w.write_main_records([{"a": 1}])


def test_stream_process_file_goes_straight_to_the_writer(tmp_path):
    src = tmp_path / "o.jsonl"
    src.write_text("".join(json.dumps({**r, "n": i}) + "\n" for i in range(300) for r in RECS[:1]))
    out = tmp_path / "out"
    tm.Processor().stream_process(str(src), entity_name="o", output_format="parquet",
                                  output_destination=str(out), batch_size=7, row_group_size=50)
    main = pq.ParquetFile(out / "o.parquet")
    assert main.metadata.num_rows == 300
    assert [main.metadata.row_group(i).num_rows for i in range(main.num_row_groups)] == [50] * 6
    assert pq.read_table(out / "o_items.parquet").num_rows == 600
    assert pq.read_table(out / "o.parquet").column("n").to_pylist() == [str(i) for i in range(300)]


def test_rows_handed_out_are_live(tmp_path):
    r = tm.Processor().process(RECS, entity_name="o")
    r.get_main_table().append({"id": "3"})
    r.main_table[0]["late"] = "L"
    del r.get_child_table("o_items")[0]
    assert r.count_records()["main"] == 3 and r.count_records()["o_items"] == 2
    t = pq.read_table(r.write_all_parquet(str(tmp_path / "p"))["main"])
    assert t.num_rows == 3 and t.column("late").to_pylist() == ["L", None, None]
    assert pq.read_table(r.stream_to_parquet(str(tmp_path / "s"))["o_items"]).num_rows == 2
    assert r.to_arrow()["main"].num_rows == 3


def test_exception_signatures_match_1_0_6():
    assert ProcessingError("x", "ent", {"d": 1}).data == {"d": 1}
    assert ProcessingError("x", "ent").message == "Error processing data for entity 'ent': x"
    assert tm.ValidationError("x", {"f": "bad"}).errors == {"f": "bad"}
    e = ConfigurationError("x", param="sep")
    assert e.param == "sep" and str(e) == "Configuration error (parameter: 'sep'): x"
    e = OutputError("x", output_format="csv", path="/p", table="t")
    assert str(e) == "Output error in csv format for table 't' to '/p': x"


def test_error_classes_of_entry_points(tmp_path):
    with pytest.raises(tm.FileError):
        tm.Processor().stream_process_file(str(tmp_path / "missing.jsonl"), "e", "parquet", str(tmp_path))
    with pytest.raises(ConfigurationError):
        tm.Processor().process("{bad", entity_name="e")

    def broken():
        yield {"a": 1}
        raise RuntimeError("source failed")

    with pytest.raises(ProcessingError, match="source failed"):
        tm.Processor().process_chunked(broken(), entity_name="e")
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError):
        tm.Processor().process(RECS, entity_name="e").write_all_parquet(str(tmp_path / "file"))


def test_json_and_csv_streaming_without_destination_write_to_stdout(capsys):
    rows = tm.Processor().process(RECS, entity_name="o").get_main_table()
    with JsonStreamingWriter(entity_name="o") as w:
        w.write_main_records(rows)
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == ["1", "2"]
    with CsvStreamingWriter(entity_name="o") as w:
        w.write_main_records(rows)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "id,name,addr_city,__extract_id,__extract_datetime,extra"
    assert len(lines) == 3


def test_empty_table_parquet_writer_writes_a_readable_file(tmp_path):
    ParquetWriter().write_table([], str(tmp_path / "e.parquet"))
    assert pq.read_table(tmp_path / "e.parquet").num_rows == 0


def test_1_0_6_module_paths_import():
    from transmog.core.extractor import extract_arrays  # noqa: F401
    from transmog.core.flattener import flatten_json
    from transmog.core.hierarchy import process_structure  # noqa: F401
    from transmog.core.metadata import generate_extract_id
    from transmog.dependencies import DependencyManager  # noqa: F401
    from transmog.features import Features  # noqa: F401
    from transmog.io import get_supported_formats, register_writer  # noqa: F401
    from transmog.naming.conventions import sanitize_name
    from transmog.process import BatchStrategy  # noqa: F401

    assert flatten_json({"a": {"b": 1}}) == {"a_b": "1"}
    assert sanitize_name("a b") == "a_b"
    assert len(generate_extract_id()) == 36
    assert tm.ProcessingResult.__module__ == "transmog.process.result"


def test_settings_and_profiles():
    assert tm.settings.get("id_field") == "__extract_id"
    assert tm.settings.get_option("missing", 5) == 5
    # As in 1.0.6, a profile gives new settings; the global ones stay as they are.
    for name in ("default", "memory_efficient", "performance", "strict", "lenient", "simple_naming",
                 "compact_naming", "csv_strict", "csv_flexible", "deterministic_ids"):
        assert isinstance(tm.load_profile(name), tm.TransmogSettings)
        assert tm.load_profile(name) is not tm.settings
    assert tm.load_profile("performance").get("batch_size") == 2000
    assert tm.load_profile("deterministic_ids").default_id_field == "id"
    assert tm.settings.get("batch_size") == 1000
    with pytest.raises(ConfigurationError):
        tm.load_profile("nope")


def test_floats_cast_to_text_are_python_repr():
    """Every float cast to text is exactly `repr(float)`: random bit patterns, ties
    between two shortest spellings (Python picks the even digit), layout edges."""
    import random
    import struct

    rng = random.Random(20261128)
    floats = [struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0] for _ in range(20000)]
    floats += [rng.uniform(-1e6, 1e6) for _ in range(20000)]
    floats += [m * 10.0 ** e for m in (1.0, 1.5, 9.999999999999999) for e in range(-320, 308)]
    floats += [2.2250738585072014e14, -95208890146037.62, 5e-324, 1e16, 1e-05, 0.0001]
    floats = [f for f in floats if f == f and abs(f) != float("inf")]
    rows = tm.Processor().process([{"x": f} for f in floats], entity_name="t").get_main_table()
    assert [r["x"] for r in rows] == [repr(f) for f in floats]
