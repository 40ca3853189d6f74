"""Records handed over as Python objects are walked in place by the engine: every kind
of object a user may pass gives the same rows as the equivalent JSON, and the objects
JSON cannot hold fail cleanly instead of crashing."""

import collections
import datetime
import decimal
import enum
import json

import pytest

import transmog as tm


def rows(data, **processing):
    cfg = tm.TransmogConfig.default()
    if processing:
        cfg = cfg.with_processing(**processing)
    result = tm.Processor(cfg).process(data, entity_name="t")
    strip = lambda r: {k: v for k, v in r.items() if not k.startswith("__")}  # noqa: E731
    return [strip(r) for r in result.get_main_table()], {
        n: [strip(r) for r in result.get_child_table(n)] for n in result.get_table_names()}


class Color(enum.IntEnum):
    RED = 1


def test_python_objects_give_the_rows_of_their_json():
    record = {"s": "é", "i": 7, "big": 2 ** 70, "f": 1.5, "b": True, "n": None,
              "o": {"x": [1, 2]}, "t": ("a", "b"), "od": collections.OrderedDict(k="v"),
              "e": Color.RED}
    text = json.dumps({**record, "t": ["a", "b"], "e": 1})
    assert rows(record) == rows(json.loads(text))
    assert rows(record, cast_to_string=False) == rows(json.loads(text), cast_to_string=False)
    main, _ = rows(record)
    assert main[0]["big"] == str(2 ** 70)


def test_objects_that_are_not_json_types_are_their_str():
    when = datetime.datetime(2024, 5, 6, 7, 8, 9)
    main, _ = rows({"d": decimal.Decimal("1.10"), "w": when})
    assert main[0] == {"d": "1.10", "w": str(when)}


def test_a_key_that_is_not_a_string_fails_the_record_in_every_mode():
    for strategy in ("strict", "skip"):
        cfg = tm.TransmogConfig.default().with_error_handling(recovery_strategy=strategy)
        with pytest.raises(tm.ProcessingError, match="key 1 is not a string"):
            tm.Processor(cfg).process([{"a": {1: "x"}}], entity_name="t")


def test_a_dict_that_contains_itself_fails_instead_of_crashing():
    d = {"a": 1}
    d["self"] = [d]
    with pytest.raises(tm.ProcessingError, match="nested deeper"):
        tm.Processor().process(d, entity_name="t")


def test_a_lone_surrogate_fails_the_record():
    with pytest.raises(tm.ProcessingError, match="surrogate"):
        tm.Processor().process({"a": "\ud800"}, entity_name="t")


def test_the_callers_objects_are_left_unchanged():
    data = [{"a": {"b": [1, {"c": None}]}, "l": []}]
    before = json.dumps(data)
    tm.Processor().process(data, entity_name="t")
    tm.Processor().process_batch(data, entity_name="t")
    assert json.dumps(data) == before


def test_records_nested_hundreds_of_levels_flatten_on_the_worker_threads():
    value = 1
    for i in range(500):
        value = [value] if i % 2 == 0 else {"k": value}
    cfg = tm.TransmogConfig.default().with_processing(cast_to_string=False)
    result = tm.Processor(cfg).process({"root": value}, entity_name="deep")
    assert result.get_table_names()
    assert sum(len(result.get_child_table(n)) for n in result.get_table_names()) == 250


def test_only_batches_of_plain_dicts_skip_the_per_item_rules():
    from transmog import _native

    class D(dict):
        pass

    class K(str):
        pass

    assert _native.all_dicts([{"a": 1}, {}]) and _native.all_dicts(({"a": 1},)) and _native.all_dicts([])
    assert not _native.all_dicts([{"a": 1}, D(a=2)]) and not _native.all_dicts([{"a": 1}, None])
    assert not _native.all_dicts(iter([{"a": 1}])) and not _native.all_dicts({"a": 1})
    # The other path keeps 1.0.6's rules: None is an empty record, a subclass a record.
    main, _ = rows([{"a": 1}, None, D(a=2)])
    assert main == [{"a": "1"}, {}, {"a": "2"}]
    # A key of a str subclass is a string key.
    assert rows([{K("k"): "v"}])[0] == [{"k": "v"}]


def test_many_records_give_the_rows_of_their_json_on_the_threaded_path():
    # 300 records: written onto tapes by the thread holding the GIL, flattened by others
    # (fewer than 128 are flattened in place).
    base = {"s": "é", "i": 7, "big": 2 ** 70, "f": 1.25, "b": False, "n": None,
            "o": {"x": [1, {"y": 2.5}]}, "t": ("a", "b"), "od": collections.OrderedDict(k="v"),
            "e": Color.RED, "neg": -3, "inf": float("inf")}
    data = [dict(base, i=i, l=[{"k": j} for j in range(i % 3)]) for i in range(300)]
    text = [json.loads(json.dumps({**r, "t": ["a", "b"], "e": 1})) for r in data]
    assert rows(data) == rows(text)
    assert rows(data, cast_to_string=False) == rows(text, cast_to_string=False)


def test_a_value_whose_str_changes_its_own_list_stops_that_list_cleanly():
    class Shrinks:
        def __init__(self, items):
            self.items = items

        def __str__(self):
            self.items.clear()
            return "shrunk"

    for copies in (1, 200):
        data = []
        for _ in range(copies):
            items = [1, 2]
            items.insert(0, Shrinks(items))
            data.append({"l": items, "after": "kept"})
        main, children = rows(data)
        assert main == [{"after": "kept"}] * copies
        # The list is walked while it shrinks: its first item, then nothing past its end.
        assert children["t_l"] == [{"value": "shrunk"}] * copies


def test_rows_leave_out_the_keys_of_their_null_cells_in_column_order():
    # Rows are made as copies of one dict holding every key; keys of cells a row lacks
    # must be gone again, in every width, and rows must not share their dicts.
    wide = {f"k{i:02d}": str(i) for i in range(40)}
    records = [
        {"a": "1", "b": None, "c": "3", **wide},
        {"b": "2"},
        {"c": "5", "a": "4", "k07": "x"},
    ]
    rows = tm.Processor().process(records, entity_name="t").get_main_table()
    data = [[k for k in row if not k.startswith("__")] for row in rows]
    assert data == [["a", "c", *wide], ["b"], ["a", "c", "k07"]]
    assert [row["a"] for row in (rows[0], rows[2])] == ["1", "4"]
    assert "b" not in rows[0] and rows[1]["b"] == "2"
    meta = [[k for k in row if k.startswith("__")] for row in rows]
    assert meta[0] and meta[0] == meta[1] == meta[2]
    rows[0]["a"] = "changed"
    assert rows[2]["a"] == "4" and len({id(r) for r in rows}) == len(rows)


def test_rows_give_each_cell_its_own_type_in_typed_mode():
    # rows() reads plain columns straight from their typed arrays and mixed ones through
    # each cell's kind; both must give back the values that went in.
    records = [
        {"i": 1, "f": 0.5, "b": True, "s": "same", "mix": 1, "n": None},
        {"i": None, "f": -2.25, "b": False, "s": "same", "mix": "x"},
        {"i": 2 ** 62, "b": None, "s": "other", "mix": 2.5, "n": None},
        {"f": 1e300, "s": "same", "mix": True},
    ]
    main, _ = rows(records, cast_to_string=False)
    assert main == [
        {"i": 1, "f": 0.5, "b": True, "s": "same", "mix": 1},
        {"f": -2.25, "b": False, "s": "same", "mix": "x"},
        {"i": 2 ** 62, "s": "other", "mix": 2.5},
        {"f": 1e300, "s": "same", "mix": True},
    ]
    assert [type(r["mix"]) for r in main] == [int, str, float, bool]
    assert [type(r["i"]) for r in main if "i" in r] == [int, int]


def test_csv_rows_keep_their_null_cells_as_none(tmp_path):
    # CSV nulls are kept as None in the row (1.0.6), in text and all-null columns alike.
    path = tmp_path / "t.csv"
    path.write_text("a,b,c\nx,,\n,y,\nx,z,\n")
    result = tm.Processor().process_csv(str(path), entity_name="t")
    data = [{k: v for k, v in r.items() if not k.startswith("__")} for r in result.get_main_table()]
    assert data == [{"a": "x", "b": None, "c": None}, {"a": None, "b": "y", "c": None},
                    {"a": "x", "b": "z", "c": None}]


def test_rows_list_their_keys_in_their_records_order(tmp_path):
    # 1.0.6 lists a row's keys in its record's order: an object first met in a later
    # record keeps its place in that record's row, not after every column seen before.
    # (Expected lists checked against transmog 1.0.6.)
    records = [
        {"name": {"common": "Aruba", "native": {"nld": {"official": "Aruba"}}}, "cca2": "AW", "l": [1]},
        {"name": {"common": "Afghanistan", "native": {"prs": {"official": "A1", "common": "A2"},
                                                      "pus": {"official": "A3"}}}, "cca2": "AF", "x": 1},
        {"cca2": "AX", "name": {"native": {"swe": {"common": "Åland"}}}},
        {"first": True, "name": {"common": "Z"}, "x": 2},
    ]
    for cast in (True, False):
        main, _ = rows(records, cast_to_string=cast)
        assert [list(r) for r in main] == [
            ["name_common", "name_native_nld_official", "cca2"],
            ["name_common", "name_native_prs_official", "name_native_prs_common", "name_native_pus_official",
             "cca2", "x"],
            ["cca2", "name_native_swe_common"],
            ["first", "name_common", "x"],
        ]
    # The columns' neighbours that give this order stay out of files.
    import pyarrow.parquet as pq
    files = tm.Processor().process(records, entity_name="t").stream_to_parquet(base_path=str(tmp_path))
    keys = {k for f in files.values() for field in pq.read_schema(f) for k in (field.metadata or {})}
    assert b"transmog.path" in keys and not keys & {b"transmog.after", b"transmog.before"}
