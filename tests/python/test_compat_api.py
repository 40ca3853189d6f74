"""1.0.6's API beyond the Processor basics: recovery strategies for records that are not
objects, parameters that must not be accepted and ignored (chunk_size, infer_types,
auto_detect_mode, writer options...), the low-level functions and the readers."""

import io
import json
import logging
import uuid

import pyarrow.parquet as pq
import pytest

import transmog as tm
from transmog.core.hierarchy import process_records_in_single_pass, process_structure, stream_process_records
from transmog.error import (ConfigurationError, PartialProcessingRecovery, ProcessingError, RecoveryStrategy,
                            SkipAndLogRecovery, StrictRecovery)
from transmog.io.readers.csv import CSVReader
from transmog.io.readers.json import JsonlReader, JsonReader, read_json_stream

RECORDS = [{"a": 1}, None, 5, "x", [1], {"a": 2, "l": ["v"]}]


def data_rows(rows):
    return [{k: v for k, v in r.items() if not k.startswith("__")} for r in rows]


def processor(strategy):
    return tm.Processor(tm.TransmogConfig.default().with_error_handling(recovery_strategy=strategy))


# -- recovery strategies for records that are not objects (issue 12, item 7) ---------------

@pytest.mark.parametrize("strategy", ["strict", StrictRecovery(), tm.STRICT])
def test_strict_raises_on_a_record_that_is_not_an_object(strategy):
    with pytest.raises(ProcessingError, match="record 2"):
        processor(strategy).process(RECORDS, entity_name="t")


@pytest.mark.parametrize("strategy", ["strict", "skip", "partial"])
def test_a_none_record_is_an_empty_record_in_every_strategy(strategy):
    # 1.0.6 gives None a row of metadata and __original_entity whatever the strategy.
    rows = processor(strategy).process([{"a": 1}, None], entity_name="t").get_main_table()
    assert data_rows(rows) == [{"a": "1"}, {}] and rows[1]["__original_entity"] == "t"
    assert set(rows[1]) == {"__extract_id", "__extract_datetime", "__original_entity"}


def test_a_none_record_keeps_its_id_under_a_custom_id_strategy():
    # 1.0.6 did not ask id_generation_strategy for the row of a None record.
    seen = []

    def strategy(record):
        seen.append(dict(record))
        return "custom-" + str(record.get("a"))

    p = tm.Processor.with_custom_id_generation(strategy)
    rows = p.process([{"a": 1}, None, {"a": 2}], entity_name="t").get_main_table()
    assert [r["__extract_id"] for r in rows[::2]] == ["custom-1", "custom-2"]
    assert seen == [{"a": "1"}, {"a": "2"}]
    uuid.UUID(rows[1]["__extract_id"])


@pytest.mark.parametrize("strategy", ["skip", SkipAndLogRecovery(), tm.DEFAULT])
def test_skip_drops_and_logs_records_that_are_not_objects(strategy, caplog):
    with caplog.at_level(logging.WARNING, logger="transmog"):
        result = processor(strategy).process(RECORDS, entity_name="t")
    assert data_rows(result.get_main_table()) == [{"a": "1"}, {}, {"a": "2"}]
    assert [r["value"] for r in result.get_child_table("t_l")] == ["v"]
    assert result.report()["skipped_count"] == 3
    assert sum("Skipping record" in m for m in caplog.messages) == 3


@pytest.mark.parametrize("strategy", ["partial", PartialProcessingRecovery(), tm.LENIENT])
def test_partial_keeps_the_item_and_the_error_as_a_row(strategy):
    rows = data_rows(processor(strategy).process(RECORDS, entity_name="t").get_main_table())
    assert rows[0] == {"a": "1"} and rows[1] == {} and rows[-1] == {"a": "2"}
    kept = rows[2:5]
    assert [r["_value"] for r in kept] == ["5", "x", "[1]"]
    for r in kept:
        assert set(r) == {"_error", "_value", "error"}
        assert r["_error"] == r["error"] and "expected a JSON object" in r["error"]


def test_a_custom_strategy_decides_through_recover():
    class KeepText(RecoveryStrategy):
        def recover(self, error, entity_name=None, **kwargs):
            if kwargs.get("data") == "x":
                return None  # drop
            return {"kept": str(kwargs.get("data")), "entity": entity_name}

    rows = data_rows(processor(KeepText()).process(RECORDS, entity_name="t").get_main_table())
    assert rows == [{"a": "1"}, {}, {"kept": "5", "entity": "t"}, {"kept": "[1]", "entity": "t"}, {"a": "2"}]

    class Refuse(RecoveryStrategy):
        def recover(self, error, entity_name=None, **kwargs):
            raise ValueError("no")

    with pytest.raises(ProcessingError, match="no"):
        processor(Refuse()).process(RECORDS, entity_name="t")


def test_every_record_entry_point_applies_the_strategy(tmp_path):
    p = processor("partial")
    for result in (p.process_batch(RECORDS, "t"), p.process_chunked(iter(RECORDS), "t", chunk_size=2),
                   p.process_chunked(RECORDS, "t")):
        assert [r.get("_value") for r in data_rows(result.get_main_table())] == [None, None, "5", "x", "[1]", None]
    processor("skip").stream_process(RECORDS, "t", "parquet", str(tmp_path), batch_size=2)
    assert pq.read_table(tmp_path / "t.parquet").num_rows == 3


# -- parameters that are honoured, or refused by name (issue 12, item 5) -------------------

class Rec(dict):
    """A record that counts how many of its kind are alive."""

    alive = 0
    peak = 0

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        Rec.alive += 1
        Rec.peak = max(Rec.peak, Rec.alive)

    def __del__(self):
        Rec.alive -= 1


def test_process_chunked_holds_at_most_chunk_size_records():
    Rec.alive = Rec.peak = 0
    gen = (Rec(id=i, tags=[i, i + 1]) for i in range(5000))
    result = tm.Processor().process_chunked(gen, entity_name="t", chunk_size=100)
    assert result.count_records() == {"main": 5000, "t_tags": 10000}
    assert 100 <= Rec.peak <= 102, Rec.peak  # the chunk, plus the one being pulled


def test_process_chunked_streams_open_files_and_refuses_unknown_options(tmp_path):
    lines = "".join(json.dumps({"id": i, "o": {"k": i}}) + "\n" for i in range(50))
    expected = data_rows(tm.Processor().process([json.loads(x) for x in lines.splitlines()], "t").get_main_table())
    stream = io.StringIO(lines)  # not a file on disk: copied block by block, never read whole
    rows = tm.Processor().process_chunked(stream, "t", chunk_size=7, input_format="jsonl").get_main_table()
    assert data_rows(rows) == expected
    path = tmp_path / "in.jsonl"
    path.write_text(lines)
    with open(path, "rb") as fh:
        assert data_rows(tm.Processor().process_chunked(fh, "t").get_main_table()) == expected
    with pytest.raises(ConfigurationError, match="delimiter"):
        tm.Processor().process_chunked([{"a": 1}], "t", delimiter=";")
    with pytest.raises(ConfigurationError, match="chunk_size"):
        tm.Processor().process_chunked([{"a": 1}], "t", chunk_size=-1)


def test_process_csv_infer_types_follows_cast_to_string(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("id,price,ok,name,missing\n1,2.5,true,Ann,NA\n-2,3,no,Bob,\n")
    typed = tm.Processor().with_processing(cast_to_string=False)
    rows = data_rows(typed.process_csv(str(path), "t").get_main_table())
    assert rows == [{"id": 1, "price": 2.5, "ok": True, "name": "Ann", "missing": None},
                    {"id": -2, "price": 3.0, "ok": False, "name": "Bob", "missing": None}]
    as_text = data_rows(typed.process_csv(str(path), "t", infer_types=False).get_main_table())
    assert as_text[0] == {"id": "1", "price": "2.5", "ok": "true", "name": "Ann", "missing": None}
    default = data_rows(tm.Processor().process_csv(str(path), "t").get_main_table())
    assert default == as_text[:1] + [{"id": "-2", "price": "3", "ok": "no", "name": "Bob", "missing": None}]


def test_process_to_format_auto_detect_mode_picks_the_low_memory_path(tmp_path):
    p = tm.Processor()
    assert p._determine_processing_mode(iter([{"a": 1}])) == tm.ProcessingMode.LOW_MEMORY
    assert p._determine_processing_mode([{"a": 1}] * 10001) == tm.ProcessingMode.LOW_MEMORY
    assert p._determine_processing_mode([{"a": 1}]) == tm.ProcessingMode.STANDARD
    Rec.alive = Rec.peak = 0
    result = p.process_to_format((Rec(a=i) for i in range(3000)), "t", "parquet", str(tmp_path / "o"))
    assert result.count_records() == {"main": 3000}
    assert Rec.peak <= p.config.processing.batch_size + 2  # consumed batch by batch
    assert pq.read_table(tmp_path / "o" / "t.parquet").num_rows == 3000
    # Without auto detection the config's mode (STANDARD) decides: the same tables.
    again = p.process_to_format((Rec(a=i) for i in range(3000)), "t", "json", auto_detect_mode=False)
    assert data_rows(again.get_main_table()) == data_rows(result.get_main_table())


def test_writer_options_are_used_or_refused(tmp_path):
    out = io.StringIO()
    tm.create_writer("json", indent=None, sort_keys=True).write([{"b": 1, "a": 2}], out)
    assert out.getvalue() == '[{"a": 2, "b": 1}]'
    with pytest.raises(ConfigurationError, match="bogus"):
        tm.create_streaming_writer("json", destination=str(tmp_path), bogus=1)
    writer = tm.create_streaming_writer("csv", destination=str(tmp_path))
    with pytest.raises(ConfigurationError, match="flush"):
        writer.write_main_records([{"a": 1}], flush=True)
    paths = tm.Processor().process({"é": "ü"}, "t").write_all_json(str(tmp_path / "j"), ensure_ascii=False)
    assert "ü" in open(paths["main"], encoding="utf-8").read()


def test_stream_process_use_deterministic_ids(tmp_path):
    tm.Processor().stream_process([{"id": "A1"}, {"id": 7}], "t", "parquet", str(tmp_path),
                                  use_deterministic_ids=True)
    ids = pq.read_table(tmp_path / "t.parquet").column("__extract_id").to_pylist()
    ns = uuid.UUID("a9b8c7d6-e5f4-1234-abcd-0123456789ab")
    assert ids == [str(uuid.uuid5(ns, "a1")), str(uuid.uuid5(ns, "7"))]


def test_bad_arguments_of_low_level_functions_are_processing_errors():
    with pytest.raises(ProcessingError):
        tm.flatten_json({"a": 1}, error_handling="lenient")
    with pytest.raises(ProcessingError):
        tm.flatten_json([1, 2])
    assert tm.flatten_json(None) == {}


# -- low-level functions and readers -------------------------------------------------------

def test_low_level_functions_agree_with_process():
    record = {"id": 1, "o": {"k": True}, "items": [{"x": 1, "sub": [2]}, 3]}
    main, tables = process_structure(record, "t", parent_id="P")
    full = tm.Processor().process(record, "t")
    assert data_rows([main]) == data_rows(full.get_main_table())
    assert main["__parent_extract_id"] == "P"
    assert {n: data_rows(r) for n, r in tables.items()} == {n: data_rows(full.get_child_table(n))
                                                            for n in full.get_table_names()}
    assert all(r["__parent_extract_id"] == main["__extract_id"] for r in tables["t_items"])
    rows, tabs = process_records_in_single_pass([record, record], "t", extract_time="T")
    assert len(rows) == 2 and len(tabs["t_items"]) == 4 and {r["__extract_datetime"] for r in rows} == {"T"}
    rows, stream = stream_process_records([record], "t", extract_time="T")
    pairs = list(stream)
    assert [name for name, _ in pairs] == ["t_items", "t_items_sub", "t_items"]  # depth first
    assert tm.flatten_json(record, parent_path="p") == {"p_id": "1", "p_o_k": "true"}
    in_place = {"id": 1, "o": {"k": True}, "l": [1]}
    assert tm.flatten_json(in_place, in_place=True) is in_place
    assert in_place == {"id": "1", "o": {"k": True}, "l": "[1]", "o_k": "true"}
    arrays = tm.extract_arrays(record, entity_name="t")
    assert "__parent_extract_id" not in arrays["t_items"][0]  # no parent given: none written


def test_readers_read_real_files(tmp_path):
    data = [{"id": i, "big": 2 ** 70, "f": 1.0} for i in range(5)]
    (tmp_path / "a.json").write_text(json.dumps(data))
    (tmp_path / "a.jsonl").write_text("".join(json.dumps(r) + "\n\n" for r in data))
    assert JsonReader().read_file(str(tmp_path / "a.json")) == data
    assert JsonlReader().read_file(str(tmp_path / "a.jsonl")) == data
    assert [len(c) for c in read_json_stream(str(tmp_path / "a.jsonl"), chunk_size=2)] == [2, 2, 1]
    (tmp_path / "a.csv").write_text("First Name;n\nAnn;1\n;2\n")
    rows = CSVReader(delimiter=";", cast_to_string=False).read_all(str(tmp_path / "a.csv"))
    assert rows == [{"First_Name": "Ann", "n": 1}, {"First_Name": None, "n": 2}]
    assert list(CSVReader(delimiter=";").read_in_chunks(str(tmp_path / "a.csv"), 1))[1] == [
        {"First_Name": None, "n": "2"}]
    # Path objects are paths too; a `.tsv` name means tabs unless a delimiter is given.
    (tmp_path / "a.tsv").write_text("a\tb\n1\t2\n")
    assert CSVReader().read_all(tmp_path / "a.tsv") == [{"a": "1", "b": "2"}]
    assert CSVReader(delimiter=",").read_all(tmp_path / "a.tsv") == [{"a_b": "1\t2"}]


def test_csv_in_another_encoding_or_compression_is_read_by_the_engine(tmp_path):
    import bz2

    text = "name;städt\nJosé;Köln\nAnn;\n"
    latin = tmp_path / "latin.csv"
    latin.write_bytes(text.encode("latin-1"))
    packed = tmp_path / "packed.csv.bz2"
    packed.write_bytes(bz2.compress(text.encode("utf-8")))
    want = [{"name": "José", "städt": "Köln"}, {"name": "Ann", "städt": None}]
    assert CSVReader(delimiter=";", encoding="latin-1").read_all(str(latin)) == want
    assert CSVReader(delimiter=";").read_all(str(packed)) == want
    rows = tm.Processor().process_csv(str(latin), "t", delimiter=";", encoding="latin-1").get_main_table()
    assert [{k: v for k, v in r.items() if not k.startswith("__")} for r in rows] == want


def test_csv_reader_and_process_csv_read_alike(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("id,score,ok,note\n1,2.5,yes,x\n007,,no,\n")
    typed = tm.Processor(tm.TransmogConfig.default().with_processing(cast_to_string=False))
    processed = [{k: v for k, v in r.items() if not k.startswith("__")}
                 for r in typed.process_csv(str(path), "t").get_main_table()]
    read = CSVReader(cast_to_string=False).read_all(str(path))
    assert processed == read == [{"id": 1, "score": 2.5, "ok": True, "note": "x"},
                                 {"id": 7, "score": None, "ok": False, "note": None}]


def test_arrow_and_parquet_outputs_keep_the_configs_types(tmp_path):
    records = [{"id": 0, "x": 1.5, "ok": True}, {"id": 1, "late": 2}]
    typed = tm.Processor(tm.TransmogConfig.default().with_processing(cast_to_string=False))
    result = typed.process(records, entity_name="e")
    expected = {"id": "int64", "x": "double", "ok": "bool", "late": "int64"}
    files = {
        "to_pyarrow_tables": result.to_pyarrow_tables()["main"],
        "write_all_parquet": pq.read_table(result.write_all_parquet(base_path=str(tmp_path / "w"))["main"]),
        "stream_to_parquet": pq.read_table(result.stream_to_parquet(base_path=str(tmp_path / "s"))["main"]),
        "to_parquet_bytes": pq.read_table(io.BytesIO(result.to_parquet_bytes()["main"])),
    }
    for how, table in files.items():
        types = {f.name: str(f.type) for f in table.schema if f.name in expected}
        assert types == expected, how
        assert table.column("late").to_pylist() == [None, 2], how
    # The default casts to text, as 1.0.6 does everywhere.
    text = tm.Processor().process(records, entity_name="e").to_pyarrow_tables()["main"]
    assert {str(text.schema.field(n).type) for n in expected} == {"string"}
    assert text.column("ok").to_pylist() == ["true", None]


def test_a_csv_quote_never_closed_is_a_bad_record_at_its_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text('id,name,age\n1,Ann,30\n2,"John Doe,33\n3,Jane,28\n4,Bob,45\n')
    with pytest.raises(tm.ParsingError, match="line 3") as err:
        tm.Processor().process_csv(str(path), entity_name="e")
    assert "never closed" in str(err.value)
    for strategy in ("skip", "partial"):
        config = tm.TransmogConfig.default().with_error_handling(recovery_strategy=strategy)
        rows = data_rows(tm.Processor(config).process_csv(str(path), entity_name="e").get_main_table())
        assert rows == [{"id": "1", "name": "Ann", "age": "30"}], strategy
