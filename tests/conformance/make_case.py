"""Writes the tables of one conformance case as produced by the `transmog` that this
Python imports (ours, or the real 1.0.6 in another virtualenv), with ids and timestamps
replaced by the `<id:N>` / `<ts>` placeholders of cases/README.md.

    python make_case.py CASE_DIR expected        # our intended output (review it by hand)
    /path/to/venv106/bin/python make_case.py CASE_DIR actual_1.0.6

Only the `process` api (in-memory document) is supported: enough for our own cases."""

import json
import sys
from pathlib import Path

import transmog as tm

sys.path.insert(0, str(Path(__file__).resolve().parent))
from case_config import config_for  # noqa: E402


def main(case: Path, subdir: str) -> None:
    o = json.loads((case / "options.json").read_text())
    if o["api"] != "process" or o["id_mode"] != "random":
        raise SystemExit("make_case.py handles api=process with random ids only")
    data = json.loads((case / "input.json").read_text())
    result = tm.Processor(config_for(tm, o)).process(data, entity_name=o["entity_name"])
    names = [o["entity_name"]] + list(result.get_table_names())
    tables = {o["entity_name"]: result.get_main_table()}
    tables.update({n: result.get_child_table(n) for n in names[1:]})
    ids: dict[str, str] = {}
    id_keys = (o["id_field"], o["parent_field"])
    out = case / subdir
    out.mkdir(exist_ok=True)
    (out / "_tables.json").write_text(json.dumps(names, indent=1, ensure_ascii=False) + "\n")
    for name in names:
        lines = []
        for row in tables[name]:
            row = dict(row)
            for key in row:
                if key in id_keys and row[key] is not None:
                    row[key] = ids.setdefault(row[key], f"<id:{len(ids) + 1}>")
                elif key == o["time_field"]:
                    row[key] = "<ts>"
            lines.append(json.dumps(row, ensure_ascii=False) + "\n")
        (out / f"{name}.jsonl").write_text("".join(lines))


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
