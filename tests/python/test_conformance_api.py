"""The Transmog 1.0.6 conformance cases (tests/conformance/cases), run through the Python API
(`Processor(config).process(...)`, `process_file(...jsonl)`, `stream_process(...parquet)`)
and checked with our checker (tests/conformance/check.py)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import transmog as tm

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance"))
import case_config  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ([Path(os.environ["CONFORMANCE_CASES"])] if "CONFORMANCE_CASES" in os.environ else
           [ROOT / "tests" / "conformance" / "cases", ROOT / "tests" / "conformance" / "our-cases"])


def config_for(o):
    return case_config.config_for(tm, o)


def run_case(case: Path, out: Path):
    o = json.loads((case / "options.json").read_text())
    out.mkdir(parents=True)
    proc = tm.Processor(config_for(o))
    entity = o["entity_name"]
    try:
        if o["api"] == "process_file_jsonl":
            src = out / "input.jsonl"
            shutil.copy(case / "input.jsonl", src)
            result = proc.process_file(str(src), entity_name=entity, extract_time=o["extract_time"])
            src.unlink()
        elif o["api"] == "stream_parquet":
            data = json.loads((case / "input.json").read_text())
            pq_dir = out / "_parquet"
            kwargs = {k: o[k] for k in ("batch_size", "row_group_size") if o[k] is not None}
            proc.stream_process(data, entity_name=entity, output_format="parquet",
                                output_destination=str(pq_dir), extract_time=o["extract_time"], **kwargs)
            tables = {}
            for f in sorted(pq_dir.glob("*.parquet")):
                tables[f.stem] = pq.read_table(f).to_pylist()
            shutil.rmtree(pq_dir)
            for name, rows in tables.items():
                (out / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
            return
        else:
            data = json.loads((case / "input.json").read_text())
            result = proc.process(data, entity_name=entity, extract_time=o["extract_time"])
    except tm.TransmogError as exc:
        (out / "_error.json").write_text(json.dumps({"error": type(exc).__name__}))
        return
    names = [entity] + result.get_table_names()
    (out / "_tables.json").write_text(json.dumps(names))
    # Rows of process() hold the extraction time as a datetime, like 1.0.6: written as text.
    (out / f"{entity}.jsonl").write_text("".join(json.dumps(r, default=str) + "\n"
                                                 for r in result.get_main_table()))
    for name in result.get_table_names():
        rows = result.get_child_table(name)
        (out / f"{name}.jsonl").write_text("".join(json.dumps(r, default=str) + "\n" for r in rows))


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_conformance_cases_through_python_api(tmp_path, folder):
    assert folder.is_dir(), f"conformance cases not found at {folder} (set CONFORMANCE_CASES)"
    cases = sorted(p for p in folder.iterdir() if (p / "options.json").exists())
    assert cases
    for case in cases:
        run_case(case, tmp_path / case.name)
    proc = subprocess.run([sys.executable, str(ROOT / "tests" / "conformance" / "check.py"), str(tmp_path),
                           "--cases", str(folder)], capture_output=True, text=True)
    last = proc.stdout.strip().splitlines()[-1]
    assert proc.returncode == 0, proc.stdout
    assert last == f"{len(cases)} passed, 0 failed"
