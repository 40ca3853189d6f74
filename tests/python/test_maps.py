"""Objects whose keys are data (ids, dates) as child tables with one row per key: found
automatically by the CLI (and by Python/Spark/Dask with maps="auto"), named with
--map, listed in the summary, the same decision in every face, and put back by
unflatten."""

import json

import pyarrow.parquet as pq
import pytest

import transmog as tm
from conftest import run_cli

TIME = "2026-01-02 03:04:05.000006"


def catalogue(n_events=40, first_id=138586341):
    """Shaped like a ticketing catalogue: events keyed by id, each with seat categories
    keyed by id, and a flat map of venue names."""
    events = {
        str(first_id + i): {
            "name": f"event {i}",
            "topicIds": [i, i + 1],
            "seatCategoryNames": {str(205705993 + j): f"cat {j}" for j in range(i % 3 + 1)},
        }
        for i in range(n_events)
    }
    return {"events": events, "venueNames": {str(300 + i): f"venue {i}" for i in range(10)},
            "meta": {"version": 1, "source": "test"}}


def tables(out):
    return {p.stem: pq.read_table(p) for p in out.glob("*.parquet")}


def test_the_cli_finds_maps_and_lists_them(transmog_bin, tmp_path):
    src = tmp_path / "cat.json"
    doc = catalogue()
    src.write_text(json.dumps(doc))
    proc = run_cli(transmog_bin, "convert", src, "-o", tmp_path / "auto", "-e", "cat")
    err = proc.stderr.decode()
    assert "3 maps found" in err
    for path in ("events", "events.seatCategoryNames", "venueNames"):
        assert f"\n  {path}\n" in err
    got = tables(tmp_path / "auto")
    assert sorted(got) == ["cat", "cat_events", "cat_events_seatCategoryNames", "cat_events_topicIds",
                           "cat_venueNames"]
    main = got["cat"]
    assert main.num_rows == 1 and main.column_names[:2] == ["__extract_id", "__extract_datetime"]
    assert set(main.column_names[2:]) == {"meta_version", "meta_source"}
    events = got["cat_events"].to_pylist()
    assert [e["__key"] for e in events] == [str(138586341 + i) for i in range(40)]
    assert events[3]["name"] == "event 3"
    # Grandchild rows belong to their event's row.
    by_id = {e["__extract_id"]: e["__key"] for e in events}
    seats = got["cat_events_seatCategoryNames"].to_pylist()
    assert len(seats) == sum(i % 3 + 1 for i in range(40))
    assert by_id[seats[0]["__parent_extract_id"]] == "138586341" and seats[0]["value"] == "cat 0"
    assert json.loads(got["cat_venueNames"].schema.metadata[b"transmog.arrays"]) == [
        {"path": ["venueNames"], "parent": 0, "field": "venueNames", "map": True}]

    # --maps off: 1.0.6's one column per key (and one table per event's array).
    run_cli(transmog_bin, "convert", src, "-o", tmp_path / "off", "-e", "cat", "--maps", "off", "-q")
    off = tables(tmp_path / "off")
    assert len(off) == 41 and off["cat"].num_columns > 100
    # An explicit path is a map whatever its keys look like.
    run_cli(transmog_bin, "convert", src, "-o", tmp_path / "one", "-e", "cat", "--maps", "off",
            "--map", "meta", "-q")
    meta = tables(tmp_path / "one")["cat_meta"].to_pylist()
    # Scalar values are stored as they are (like scalar array items); a column holding
    # a number and a string is text in the file.
    assert [(r["__key"], r["value"]) for r in meta] == [("version", "1"), ("source", "test")]


def test_maps_come_back_from_lossless_files(transmog_bin, tmp_path):
    src = tmp_path / "cat.jsonl"
    docs = [catalogue(5, first_id=1000 * k) for k in range(1, 30)]
    docs[3]["venueNames"] = {}
    docs[4]["events"]["5000"]["seatCategoryNames"] = {"1": None, "2": [1, {"x": 2}], "3": {}}
    src.write_text("".join(json.dumps(d) + "\n" for d in docs))
    out = tmp_path / "out"
    run_cli(transmog_bin, "convert", src, "-o", out, "-e", "cat", "--lossless", "-j", "2", "--batch-size", "7", "-q")
    back = tmp_path / "back.jsonl"
    run_cli(transmog_bin, "unflatten", out, "-e", "cat", "-o", back, "-q")
    assert [json.loads(line) for line in back.read_text().splitlines()] == docs
    assert "cat_events" in tables(out)


def test_python_api_maps_off_by_default_and_auto_or_explicit_on_request():
    doc = catalogue()
    plain = tm.Processor().process(doc, entity_name="cat")
    assert "cat_events" not in plain.get_table_names()  # 1.0.6's explosion by default
    auto = tm.Processor(tm.TransmogConfig.default().with_processing(maps="auto")).process(doc, entity_name="cat")
    assert auto.get_table_names() == ["cat_events", "cat_events_topicIds", "cat_events_seatCategoryNames",
                                      "cat_venueNames"]
    assert auto.report()["maps_detected"] == ["events", "events.seatCategoryNames", "venueNames"]
    explicit = tm.Processor(tm.TransmogConfig.default().with_processing(map_paths=(["venueNames"], "events")))
    result = explicit.process(doc, entity_name="cat")
    assert [r["__key"] for r in result.get_child_table("cat_venueNames")] == [str(300 + i) for i in range(10)]
    lossless = tm.TransmogConfig.lossless_mode().with_processing(maps="auto")
    assert tm.unflatten(tm.Processor(lossless).process(doc, entity_name="cat")) == [doc]
    with pytest.raises(tm.ConfigurationError, match="maps"):
        tm.Processor(tm.TransmogConfig.default().with_processing(maps="sometimes")).process(doc, entity_name="c")


def test_every_face_makes_one_decision(spark, transmog_bin, tmp_path):
    """The map keys of the first file differ from the second's: a partition deciding on
    its own could disagree; the CLI samples the first records of the run, Spark and Dask
    decide once on the driver from the same records."""
    from transmog.dask import flatten as dask_flatten
    from transmog.spark import flatten as spark_flatten

    src = tmp_path / "in"
    src.mkdir()
    (src / "a.jsonl").write_text("".join(json.dumps(catalogue(3, first_id=100 * k)) + "\n" for k in range(1, 4)))
    # The second file alone: one event per record, so `events` would not look like a map.
    (src / "b.jsonl").write_text("".join(json.dumps({"events": {"x": {"name": "solo"}}, "meta": {"version": 2}})
                                         + "\n" for _ in range(3)))
    config = tm.TransmogConfig.default().with_processing(maps="auto")
    run_cli(transmog_bin, "convert", src / "a.jsonl", src / "b.jsonl", "-o", tmp_path / "cli", "-e", "t",
            "--ids", "position", "--naming", "nested", "--extract-time", TIME, "-q")
    cli = tables(tmp_path / "cli")
    jobs = {"dask": dask_flatten(str(src / "*.jsonl"), str(tmp_path / "dask"), "t", config=config, ids="position",
                                 extract_time=TIME, partition_bytes=1, scheduler="synchronous")}
    # One partition per file.
    spark.conf.set("spark.sql.files.maxPartitionBytes", "100")
    try:
        jobs["spark"] = spark_flatten(spark, str(src / "*.jsonl"), str(tmp_path / "spark"), "t", config=config,
                                      ids="position", extract_time=TIME)
    finally:
        spark.conf.set("spark.sql.files.maxPartitionBytes", "65536")
    for face, job in jobs.items():
        assert sorted(job) == sorted(cli), face
        for name in cli:
            want = sorted(json.dumps(r, sort_keys=True) for r in cli[name].to_pylist())
            got = pq.read_table(tmp_path / face / name).to_pylist()
            assert sorted(json.dumps(r, sort_keys=True) for r in got) == want, (face, name)
    assert len(cli["t_events"]) == 9 + 3
