"""transmog.unflatten: the records come back from a result and from the files of a run."""

import json

import pytest

import transmog as tm
from conftest import run_cli

RECORDS = [
    {"id": 1, "name": "A", "addr": {"city": "X", "geo": {"lat": 1.5}}, "tags": ["a", "b"],
     "my list": [{"sku": "S", "qty": 2, "sub": [{"z": True}]}, {"sku": "T"}], "a_b": "lit", "a": {"b": "n"}},
    {"id": 2, "name": "", "tags": ["c"], "n": [None, 3]},
]


def lossless():
    return tm.Processor().with_processing(cast_to_string=False, include_empty=True, skip_null=False)


def test_unflatten_a_result_gives_the_records_back():
    result = lossless().process(RECORDS, entity_name="orders")
    assert tm.unflatten(result) == RECORDS


def test_default_options_lose_what_the_docs_say():
    back = tm.unflatten(tm.Processor().process({"i": 1, "e": "", "n": None, "l": [None, 2]}, entity_name="t"))
    # cast to text, "" and null fields dropped, the skipped null item leaves a null gap
    assert back == [{"i": "1", "l": [None, 2]}]


def test_unflatten_files_of_a_cli_run(transmog_bin, tmp_path):
    src = tmp_path / "orders.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    out = tmp_path / "out"
    run_cli(transmog_bin, "convert", src, "-o", out, "--typed", "--include-empty", "--keep-nulls", "-q")
    run_cli(transmog_bin, "convert", src, "-o", out, "--entity", "other", "-q")
    assert tm.unflatten(out, entity_name="orders") == RECORDS
    assert tm.unflatten(sorted(out.glob("orders*.parquet"))) == RECORDS
    with pytest.raises(tm.FileError, match="no main table file nope.parquet"):
        tm.unflatten(out, entity_name="nope")
