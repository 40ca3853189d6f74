"""Runs the same calls through whichever ``transmog`` is importable and prints, as JSON,
what user code sees: result types, table names, rows (keys in order, each value with its
Python type), file names written, exception classes.

``tests/python/test_parity_106.py`` runs this file twice, in subprocesses: with the real
``transmog==1.0.6`` (its own venv) and with ours, then compares. Random ids become
``<id:N>`` (numbered by first appearance), timestamps ``<ts:...>`` naming their kind.
Uses only 1.0.6's API.

    python -I parity_driver.py CASES_DIR WORK_DIR
"""

import json
import os
import re
import sys
from datetime import datetime
from pathlib import Path

import transmog as tm

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance"))
import case_config  # noqa: E402

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
TS_TEXT = re.compile(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?(\+00:00)?$")


class Ids:
    def __init__(self):
        self.seen = {}

    def __call__(self, value):
        return self.seen.setdefault(value, f"<id:{len(self.seen) + 1}>")


def describe(value, ids):
    """A JSON-able picture of a value: random ids and timestamps as placeholders,
    everything else with its type."""
    if isinstance(value, datetime):
        return f"<ts:datetime{'+tz' if value.tzinfo else ''}>"
    if isinstance(value, str):
        if UUID4.match(value):
            return ids(value)
        if TS_TEXT.match(value):
            return f"<ts:text{'+00:00' if value.endswith('+00:00') else ''}>"
        return ["str", value]
    if isinstance(value, list):
        return ["list", [describe(v, ids) for v in value]]
    if isinstance(value, dict):
        return ["dict", [[k, describe(v, ids)] for k, v in value.items()]]
    if isinstance(value, float) and value != value:
        return ["float", "nan"]
    return [type(value).__name__, value]


def rows_of(rows, ids):
    return [[[k, describe(v, ids)] for k, v in row.items()] for row in rows]


def result_of(result):
    ids = Ids()
    out = {"type": type(result).__name__, "tables": result.get_table_names(),
           "main": rows_of(result.get_main_table(), ids)}
    for name in result.get_table_names():
        out[name] = rows_of(result.get_child_table(name), ids)
    return out


def observe(call, picture=result_of):
    try:
        return picture(call())
    except Exception as exc:  # noqa: BLE001 - the exception class is what we compare
        return {"error": type(exc).__name__}


def config_for(o):
    return case_config.config_for(tm, o)


def flat_kwargs(o):
    return {"separator": o["separator"], "cast_to_string": o["cast_to_string"], "include_empty": o["include_empty"],
            "skip_null": o["skip_null"], "deeply_nested_threshold": o["deeply_nested_threshold"]}


def conformance(cases, out):
    for case in sorted(p for p in cases.iterdir() if (p / "options.json").exists()):
        o = json.loads((case / "options.json").read_text())
        if o["api"] != "process":
            continue
        data = json.loads((case / "input.json").read_text())
        entity = o["entity_name"]
        out[f"process:{case.name}"] = observe(
            lambda: tm.Processor(config_for(o)).process(data, entity_name=entity, extract_time=o["extract_time"]))
        if not isinstance(data, (dict, list)):
            continue
        out[f"get_data_iterator:{case.name}"] = observe(
            lambda: list(tm.process.get_data_iterator(tm.Processor(), data)), lambda r: describe(r, Ids()))
        first = data if isinstance(data, dict) else next((r for r in data if isinstance(r, dict)), None)
        if first is None:
            continue
        # skip_arrays=True is how process() calls the flattener (1.0.6's default copies
        # arrays under objects as repr text: a known bug, SPEC 3.6).
        out[f"flatten_json:{case.name}"] = observe(
            lambda: tm.flatten_json(first, skip_arrays=True, **flat_kwargs(o)), lambda r: describe(r, Ids()))
        out[f"extract_arrays:{case.name}"] = observe(
            lambda: tm.extract_arrays(first, entity_name=entity, extract_time="T", **flat_kwargs(o)),
            lambda r: describe(r, Ids()))


def real_payloads(out):
    """The payloads in ``real/`` (see its README), in text and typed mode."""
    for path in sorted((Path(__file__).resolve().parent / "real").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for cast in (True, False):
            o = {"separator": "_", "deeply_nested_threshold": 4, "cast_to_string": cast,
                 "include_empty": False, "skip_null": True, "visit_arrays": True, "keep_arrays": False,
                 "max_depth": 100, "id_mode": "random", "id_source": None, "id_field": "__extract_id",
                 "parent_field": "__parent_extract_id", "time_field": "__extract_datetime",
                 "recovery_strategy": "strict", "batch_size": None}
            out[f"real:{path.stem}:{'text' if cast else 'typed'}"] = observe(
                lambda: tm.Processor(config_for(o)).process(data, entity_name=path.stem.split("_")[0]))


def files_of(paths):
    return {key: os.path.basename(str(path)) for key, path in paths.items()}


def scenarios(work, out):
    records = [{"id": 1, "name": "a", "l": [{"x": 1}]}, {"id": 2, "name": "b", "l": [{"x": 2}]}]
    result = tm.Processor().process(records, entity_name="My Ent")
    out["write_all_json"] = observe(lambda: result.write_all_json(str(work / "j")), files_of)
    out["write_all_csv"] = observe(lambda: result.write_all_csv(str(work / "c")), files_of)
    out["write_all_parquet"] = observe(lambda: result.write_all_parquet(str(work / "p")), files_of)
    out["stream_to_parquet"] = observe(lambda: result.stream_to_parquet(str(work / "s")), files_of)
    out["write_json"] = observe(lambda: result.write("json", str(work / "wj")), files_of)
    out["write_parquet"] = observe(lambda: result.write("parquet", str(work / "wp")), files_of)
    out["to_json_objects"] = observe(result.to_json_objects, lambda r: describe(r, Ids()))
    out["count_records"] = observe(result.count_records, lambda r: r)
    out["get_formatted_table_name"] = observe(lambda: result.get_formatted_table_name("a.b/c"), lambda r: r)
    for fmt in ("json", "csv", "parquet"):
        d = work / f"stream_{fmt}"
        d.mkdir()

        def stream(fmt=fmt, d=d):
            tm.Processor().stream_process(records, entity_name="ent", output_format=fmt, output_destination=str(d))
            return sorted(os.listdir(d))

        out[f"stream_process:{fmt}"] = observe(stream, lambda r: r)

    json_file = work / "in.json"
    json_file.write_text(json.dumps(records))
    out["process_file_json"] = observe(lambda: tm.Processor().process_file(str(json_file), entity_name="t"))
    jsonl_file = work / "in.jsonl"
    jsonl_file.write_text("".join(json.dumps(r) + "\n" for r in records))
    out["process_file_jsonl"] = observe(lambda: tm.Processor().process_file(str(jsonl_file), entity_name="t"))
    out["process_chunked"] = observe(lambda: tm.Processor().process_chunked(records, entity_name="t", chunk_size=1))
    out["process_batch"] = observe(lambda: tm.Processor().process_batch([{"a": {"b": 1}}], entity_name="t"))
    out["process_json_text"] = observe(lambda: tm.Processor().process(json.dumps(records), entity_name="t"))
    csv_file = work / "in.csv"
    csv_file.write_text("id,First Name,score\n1,Ann,2.5\n2,,NA\n")
    out["process_csv"] = observe(lambda: tm.Processor().process_csv(str(csv_file), entity_name="t"))

    # Exceptions user code catches.
    out["error:process_none"] = observe(lambda: tm.Processor().process(None, entity_name="t"))
    out["error:process_int"] = observe(lambda: tm.Processor().process(5, entity_name="t"))
    out["error:process_bad_text"] = observe(lambda: tm.Processor().process("not json", entity_name="t"))
    out["error:non_dict_record"] = observe(lambda: tm.Processor().process([{"a": 1}, 7], entity_name="t"))
    out["error:bad_separator"] = observe(lambda: tm.TransmogConfig.default().with_naming(separator="/"))
    out["error:bad_strategy"] = observe(
        lambda: tm.TransmogConfig.default().with_error_handling(recovery_strategy="bogus"))
    out["error:bad_batch_size"] = observe(lambda: tm.TransmogConfig.default().with_processing(batch_size=0))
    out["error:unknown_writer"] = observe(lambda: tm.create_writer("xml"))
    out["error:missing_file"] = observe(lambda: tm.Processor().process_file(str(work / "nope.json"), "t"))
    out["error:flatten_list"] = observe(lambda: tm.flatten_json([1]), lambda r: r)
    out["flatten_none"] = observe(lambda: tm.flatten_json(None), lambda r: r)

    # Helpers with a plain answer.
    out["sanitize_name"] = [tm.sanitize_name(n) for n in ("a b-c", "1x", "é.ü", "", "a.b")]
    out["sanitize_name_sep"] = tm.sanitize_name("a.b c", separator=".")
    out["handle_deeply_nested_path"] = [tm.handle_deeply_nested_path(p) for p in ("a_b_c", "a_b_c_d", "a_b_c_d_e")]
    out["get_table_name"] = [tm.get_table_name("x", "E"), tm.get_table_name("x", "E", parent_path="a_b_c")]
    out["generate_deterministic_id"] = tm.core.metadata.generate_deterministic_id("ABC ")
    out["detect_format"] = [tm.detect_format(v) for v in ({"a": 1}, "[1]", '{"a":1}\n{"a":2}', str(json_file))]
    out["streaming_formats"] = tm.get_supported_streaming_formats()


def main():
    cases, work = Path(sys.argv[1]), Path(sys.argv[2])
    out = {"version": tm.__version__}
    conformance(cases, out)
    real_payloads(out)
    scenarios(work, out)
    json.dump(out, sys.stdout, indent=0, sort_keys=True, default=str)


if __name__ == "__main__":
    main()
