"""Real payloads nobody on this project wrote: GitHub's webhook examples (329 payloads of
58 event types, tests/data/webhooks). With --lossless every payload comes back exactly
from the Parquet files, through the CLI (any thread count) and the Python API; in the
default mode no two arrays share a table, and the summary lists what was renamed."""

import gzip
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import transmog as tm
from conftest import run_cli

CORPUS = Path(__file__).resolve().parents[1] / "data" / "webhooks" / "github-webhooks.jsonl.gz"


@pytest.fixture(scope="module")
def payloads():
    with gzip.open(CORPUS, "rt", encoding="utf-8") as f:
        records = [json.loads(line) for line in f]
    assert len(records) == 329
    return records


def equal_count(want, got):
    """How many records are equal as JSON values (Python's ==: key order aside, 1 == 1.0)."""
    assert len(want) == len(got)
    return sum(a == b for a, b in zip(want, got))


@pytest.mark.parametrize("threads", ["1", "2"])
def test_every_payload_comes_back_from_lossless_parquet_via_the_cli(transmog_bin, tmp_path, payloads, threads):
    out = tmp_path / "out"
    run_cli(transmog_bin, "convert", CORPUS, "-o", out, "-e", "wh", "--lossless", "-j", threads,
            "--batch-size", "40", "-q")
    back = tmp_path / "back.jsonl"
    run_cli(transmog_bin, "unflatten", out, "-e", "wh", "-o", back, "-q")
    got = [json.loads(line) for line in back.read_text(encoding="utf-8").splitlines()]
    assert equal_count(payloads, got) == 329
    # Typed columns, nulls as NULL: a path that is always null is a null column, not "".
    main = pq.read_table(out / "wh.parquet")
    assert main.schema.field("sender_site_admin").type == "bool"
    nulls = [json.loads(x) for x in main.column("__empty").to_pylist() if x]
    assert any(e[-1] is None for row in nulls for e in row)
    assert any(e[-1] == [] for row in nulls for e in row)


@pytest.mark.parametrize("maps", ["off", "auto"])
def test_every_payload_comes_back_through_the_python_api(tmp_path, payloads, maps):
    config = tm.TransmogConfig.lossless_mode().with_processing(maps=maps)
    result = tm.Processor(config).process(payloads, entity_name="wh")
    assert equal_count(payloads, tm.unflatten(result)) == 329
    # `changes` (edit events: {"title": {"from": ...}, "body": {...}}) is keyed by the
    # name of what changed: a map.
    assert result.report()["maps_detected"] == ([] if maps == "off" else ["changes"])
    out = tmp_path / "stream"
    tm.Processor(config).stream_process(payloads, entity_name="wh", output_format="parquet",
                                        output_destination=str(out), batch_size=50)
    assert equal_count(payloads, tm.unflatten(out, entity_name="wh")) == 329


@pytest.mark.parametrize("naming", ["full", "nested"])
def test_no_two_arrays_share_a_table(transmog_bin, tmp_path, naming):
    out = tmp_path / naming
    proc = run_cli(transmog_bin, "convert", CORPUS, "-o", out, "-e", "wh", "--naming", naming)
    owners = {}
    for path in out.glob("wh_*.parquet"):
        meta = pq.read_schema(path).metadata
        owner = json.loads(meta[b"transmog.table_path"])
        arrays = json.loads(meta[b"transmog.arrays"])
        assert {tuple(a["path"]) for a in arrays} == {tuple(owner)}, path.name
        assert tuple(owner) not in owners, (path.name, owners.get(tuple(owner)))
        owners[tuple(owner)] = path.name
    # check_run.app.events and check_run.check_suite.app.events: two tables.
    assert ("check_run", "app", "events") in owners
    assert ("check_run", "check_suite", "app", "events") in owners
    err = proc.stderr.decode()
    assert "1 maps found" in err and "\n  changes\n" in err
    if naming == "nested":
        # 1.0.6's abbreviation folds them into one name: the second path is renamed.
        assert "tables renamed because another array's name was taken" in err
        assert "wh_check_nested_events -> wh_check_nested_events_2" in err
    else:
        assert "tables renamed" not in err
        assert owners[("check_run", "check_suite", "app", "events")] == "wh_check_run_check_suite_app_events.parquet"
