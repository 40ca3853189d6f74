"""1.0.6 behaviour reached through its helper layer: the array search's depth limit,
the strategies behind process_file / process_csv, the value helpers and cache settings
of transmog.core.flattener, and ParquetWriter on rows that are not flat."""

import io
import logging

import pyarrow.parquet as pq
import pytest

import transmog as tm
from transmog.config import settings
from transmog.core import flattener
from transmog.core.extractor import extract_arrays, stream_extract_arrays
from transmog.io.writers.parquet import ParquetWriter
from transmog.process import CSVStrategy, FileStrategy
from transmog.process.file_handling import process_csv, process_file


# -- extract_arrays: 1.0.6 stops searching for arrays at max_depth -------------------------

def _chain(levels, leaf):
    """{"n": {"n": ... {"items": leaf}}} with ``levels`` nested objects."""
    data = {"items": leaf}
    for _ in range(levels):
        data = {"n": data}
    return data


def test_arrays_below_max_depth_are_not_searched_and_a_warning_names_the_path(caplog):
    data = _chain(3, [{"x": 1}])
    assert [len(rows) for rows in extract_arrays(data, entity_name="t").values()] == [1]
    with caplog.at_level(logging.WARNING, logger="transmog.core.extractor"):
        assert extract_arrays(data, entity_name="t", max_depth=3) == {}
    assert "Maximum recursion depth (3) reached at path: n_n_n" in caplog.text
    # The limit counts from current_depth.
    assert extract_arrays(data, entity_name="t", max_depth=4, current_depth=1) == {}


def test_array_items_count_as_a_level():
    data = {"a": [{"b": [{"c": [1, 2]}]}]}
    names = lambda **kw: list(extract_arrays(data, entity_name="t", **kw))  # noqa: E731
    assert names() == ["t_a", "t_a_b", "t_a_b_c"]
    assert names(max_depth=2) == ["t_a", "t_a_b"]
    assert names(max_depth=1) == ["t_a"]


def test_a_record_that_contains_itself_is_cut_at_max_depth():
    data = {"id": "1", "child": {"id": "c", "l": [{"x": 1}]}}
    data["child"]["parent"] = data
    tables = extract_arrays(data, entity_name="t", max_depth=6)
    # child.l at levels 1, 3, 5 (then the search stops), as 1.0.6 finds them; the two
    # deeper paths share a name, so the second owns `_2` (1.0.6 puts both in one table).
    assert {name: len(rows) for name, rows in tables.items()} == {"t_child_l": 1, "t_child_nested_l": 1, "t_child_nested_l_2": 1}
    assert sum(1 for _ in stream_extract_arrays(data, entity_name="t", max_depth=6)) == 3
    assert extract_arrays({"a": 1}, entity_name="t") == {}


# -- process_file / process_csv run through the strategies, as in 1.0.6 --------------------

def test_process_file_and_process_csv_hand_the_work_to_their_strategies(tmp_path, monkeypatch):
    json_path = tmp_path / "d.json"
    json_path.write_text('[{"a": 1, "l": [2]}]')
    csv_path = tmp_path / "d.csv"
    csv_path.write_text("a,b\n1,2\n")
    calls = []
    for cls in (FileStrategy, CSVStrategy):
        original = cls.process

        def spy(self, data, *args, _cls=cls, _original=original, **kwargs):
            calls.append((_cls.__name__, str(data), kwargs.get("delimiter")))
            return _original(self, data, *args, **kwargs)

        monkeypatch.setattr(cls, "process", spy)
    p = tm.Processor()
    assert process_file(p, str(json_path), "t").get_table_names() == ["t_l"]
    assert process_csv(p, str(csv_path), "t", delimiter=",").get_main_table()[0]["b"] == "2"
    assert process_file(p, str(csv_path), "t").get_main_table()[0]["a"] == "1"
    assert calls == [("FileStrategy", str(json_path), None), ("CSVStrategy", str(csv_path), ","),
                     ("CSVStrategy", str(csv_path), None)]


def test_strategies_give_the_rows_of_the_entry_points(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"a": 1, "o": {"b": 2}}\n{"a": 3}\n')
    cfg = tm.TransmogConfig.default()
    strip = lambda rows: [{k: v for k, v in r.items() if not k.startswith("__")} for r in rows]  # noqa: E731
    via_strategy = FileStrategy(cfg).process(str(path), entity_name="t").get_main_table()
    assert strip(via_strategy) == strip(tm.Processor(cfg).process_file(str(path), "t").get_main_table())
    assert strip(via_strategy) == [{"a": "1", "o_b": "2"}, {"a": "3"}]
    with pytest.raises(tm.FileError):
        FileStrategy(cfg).process(str(tmp_path / "missing.json"), entity_name="t")


# -- transmog.core.flattener's value helpers and the cache settings ------------------------

@pytest.mark.parametrize("value, cast, include_empty, skip_null, expected", [
    (None, True, False, True, None), (None, True, False, False, ""), ("", True, False, True, None),
    ("", True, True, True, ""), (True, True, False, True, "true"), (1, True, False, True, "1"),
    (1.5, True, False, True, "1.5"), (float("nan"), True, False, True, "_error_invalid_float"),
    (True, False, False, True, True), (7, False, False, True, 7),
])
def test_process_value_converts_one_scalar_by_the_engine_rules(value, cast, include_empty, skip_null, expected):
    got = flattener._process_value(value, cast, include_empty, skip_null)
    assert got == expected and type(got) is type(expected)
    row = tm.flatten_json({"v": value}, cast_to_string=cast, include_empty=include_empty, skip_null=skip_null)
    assert row.get("v") == expected


def test_the_cached_helper_counts_hits_and_keeps_equal_values_of_other_types_apart():
    flattener.clear_caches()
    cached = flattener._process_value_cached
    assert cached(hash(1), True, False, True, 1) == "1"
    assert cached(hash(True), True, False, True, True) == "true"  # 1.0.6's cache gave "1"
    assert cached(hash(1.0), True, False, True, 1.0) == "1.0"
    assert cached(hash(1), True, False, True, 1) == "1"
    info = cached.cache_info()
    assert (info.hits, info.misses, info.currsize) == (1, 3, 3)
    flattener.clear_caches()
    assert flattener._process_value_cached.cache_info().currsize == 0


def test_a_processor_copies_its_cache_settings_into_the_global_settings():
    before = settings.as_dict()
    try:
        tm.Processor(tm.TransmogConfig.default().with_caching(maxsize=1234, clear_after_batch=True))
        assert (settings.cache_maxsize, settings.clear_cache_after_batch) == (1234, True)
        assert flattener._process_value_cached.cache_info().maxsize == 1234
    finally:
        settings.update(**{k: before[k] for k in ("cache_enabled", "cache_maxsize", "clear_cache_after_batch")})


def test_process_batch_clears_the_cache_after_the_batch_when_configured(monkeypatch):
    cleared = []
    monkeypatch.setattr(tm.Processor, "clear_cache", lambda self: cleared.append(self) or self)
    for clear in (True, False):
        p = tm.Processor(tm.TransmogConfig.default().with_caching(clear_after_batch=clear))
        assert len(p.process_batch([{"a": 1}], "t").get_main_table()) == 1
    assert len(cleared) == 1


# -- ParquetWriter on rows that still hold objects and arrays -------------------------------

def test_parquet_writer_keeps_objects_and_arrays_as_struct_and_list_columns():
    rows = [{"id": 1, "o": {"a": "x", "b": {"c": 1.5}}, "l": [1, 2]}, {"id": 2, "late": "y"}]
    buf = io.BytesIO()
    ParquetWriter().write_table(rows, buf)
    table = pq.read_table(io.BytesIO(buf.getvalue()))
    assert table.column_names == ["id", "o", "l", "late"]  # every column (1.0.6: row 1's only)
    assert table.to_pylist() == [
        {"id": 1, "o": {"a": "x", "b": {"c": 1.5}}, "l": [1, 2], "late": None},
        {"id": 2, "o": None, "l": None, "late": "y"},
    ]


def test_parquet_writer_falls_back_to_the_engine_when_pyarrow_cannot_type_a_column(tmp_path):
    rows = [{"o": {"a": 1}}, {"o": "text"}]
    path = ParquetWriter().write_table(rows, tmp_path / "t.parquet")
    assert pq.read_table(path).num_rows == 2
