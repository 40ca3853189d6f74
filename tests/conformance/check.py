#!/usr/bin/env python3
"""Checks an implementation's output against conformance cases (our own checker).

    python tests/conformance/check.py OUT [--cases DIR] [--case NAME ...]
                                          [--strict-key-order] [--subdir SUB]

OUT/<case>/ holds what the implementation produced for cases/<case>: one
<table>.jsonl per table (rows in output order; the main table is named after
options.entity_name), optionally _tables.json (table names in creation order), or
_error.json {"error": "<1.0.6 exception class>"} when the call failed.

Rules (the layout is described in cases/README.md):
  * "<id:N>" in an expected value matches any string; one N is one string and two
    Ns are two strings throughout a case (this is what checks parent links);
  * "<ts>" matches any non-null value, the same value everywhere in a case;
  * any other value must be equal with its JSON type: 1, 1.0, "1", true differ;
  * a table without rows is the same as no table;
  * options.compare == "columnar": a null value is the same as an absent key.

Prints a PASS/FAIL line per case, then "<N> passed, <M> failed"; exits 0 only
when nothing failed. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

PLACEHOLDER_ID = re.compile(r"<id:(\d+)>\Z")
PLACEHOLDER_TS = "<ts>"


class CaseFailure(Exception):
    """One reason a case does not match."""


def read_rows(path: Path) -> list[dict]:
    rows = []
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not text.strip():
            continue
        try:
            row = json.loads(text)
        except ValueError as exc:
            raise CaseFailure(f"{path.name}:{number}: not JSON ({exc})") from None
        if not isinstance(row, dict):
            raise CaseFailure(f"{path.name}:{number}: not a JSON object")
        rows.append(row)
    return rows


def read_tables(folder: Path) -> dict[str, list[dict]]:
    """Every non-empty `<table>.jsonl` of a folder (names starting with `_` are not tables)."""
    if not folder.is_dir():
        return {}
    tables = {}
    for file in sorted(folder.glob("*.jsonl")):
        if file.name.startswith("_"):
            continue
        rows = read_rows(file)
        if rows:
            tables[file.stem] = rows
    return tables


def typed_equal(left, right) -> bool:
    """JSON equality that also requires equal JSON types (bool is not int, int is not float)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, list):
        return len(left) == len(right) and all(map(typed_equal, left, right))
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(typed_equal(v, right[k]) for k, v in left.items())
    return left == right


def shown(value) -> str:
    return json.dumps(value, ensure_ascii=False)


class Placeholders:
    """Binds `<id:N>` and `<ts>` to the values met first, then holds every later use to them."""

    def __init__(self) -> None:
        self.by_label: dict[str, str] = {}
        self.label_of: dict[str, str] = {}
        self.timestamp: list = []

    def check(self, want, got, where: str) -> None:
        if isinstance(want, str) and PLACEHOLDER_ID.match(want):
            self._id(want, got, where)
        elif want == PLACEHOLDER_TS:
            self._ts(got, where)
        elif not typed_equal(want, got):
            raise CaseFailure(f"{where}: expected {shown(want)}, got {shown(got)}")

    def _id(self, label: str, got, where: str) -> None:
        if not isinstance(got, str):
            raise CaseFailure(f"{where}: expected an id string for {label}, got {shown(got)}")
        bound = self.by_label.get(label)
        if bound is None:
            other = self.label_of.get(got)
            if other is not None:
                raise CaseFailure(f"{where}: {shown(got)} is already {other}, expected a new id for {label}")
            self.by_label[label] = got
            self.label_of[got] = label
        elif bound != got:
            raise CaseFailure(f"{where}: {label} was {shown(bound)} before, here {shown(got)} (broken link)")

    def _ts(self, got, where: str) -> None:
        if got is None:
            raise CaseFailure(f"{where}: expected the extraction time, got null")
        if not self.timestamp:
            self.timestamp.append(got)
        elif not typed_equal(self.timestamp[0], got):
            raise CaseFailure(f"{where}: extraction time {shown(got)} differs from {shown(self.timestamp[0])}")


def load_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def check_case(case: Path, produced: Path, strict_key_order: bool) -> None:
    options = load_json(case / "options.json")
    expected = case / "expected"
    if not produced.is_dir():
        raise CaseFailure("no output folder")

    want_error = expected / "_error.json"
    got_error = produced / "_error.json"
    if want_error.exists():
        want = load_json(want_error)["error"]
        if not got_error.exists():
            raise CaseFailure(f"expected the error {want}, got tables")
        got = load_json(got_error).get("error")
        if got != want:
            raise CaseFailure(f"expected the error {want}, got {got}")
        return
    if got_error.exists():
        raise CaseFailure(f"unexpected error {got_error.read_text(encoding='utf-8').strip()}")

    want_tables, got_tables = read_tables(expected), read_tables(produced)
    if want_tables.keys() != got_tables.keys():
        missing = sorted(want_tables.keys() - got_tables.keys())
        extra = sorted(got_tables.keys() - want_tables.keys())
        raise CaseFailure(f"tables differ: missing {missing}, unexpected {extra}")

    creation_order = load_json(expected / "_tables.json")
    if (produced / "_tables.json").exists():
        got_order = load_json(produced / "_tables.json")
        if got_order != creation_order:
            raise CaseFailure(f"table order {got_order}, expected {creation_order}")

    columnar = options.get("compare") == "columnar"
    marks = Placeholders()
    # Placeholders are numbered walking tables in creation order, so bind them that way.
    for table in (t for t in creation_order if t in want_tables):
        want_rows, got_rows = want_tables[table], got_tables[table]
        if len(want_rows) != len(got_rows):
            raise CaseFailure(f"table {table}: {len(got_rows)} rows, expected {len(want_rows)}")
        for index, (want_row, got_row) in enumerate(zip(want_rows, got_rows)):
            where = f"{table}[{index}]"
            if columnar:
                want_row = {k: v for k, v in want_row.items() if v is not None}
                got_row = {k: v for k, v in got_row.items() if v is not None}
            if want_row.keys() != got_row.keys():
                missing = sorted(want_row.keys() - got_row.keys())
                extra = sorted(got_row.keys() - want_row.keys())
                raise CaseFailure(f"{where}: keys differ: missing {missing}, unexpected {extra}")
            if strict_key_order and not columnar and list(want_row) != list(got_row):
                raise CaseFailure(f"{where}: key order {list(got_row)}, expected {list(want_row)}")
            for key, want in want_row.items():
                marks.check(want, got_row[key], f"{where}.{key}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="one folder per case with the implementation's output")
    parser.add_argument("--cases", type=Path, default=Path(__file__).resolve().parent / "cases")
    parser.add_argument("--case", nargs="*", default=None, help="only these cases")
    parser.add_argument("--subdir", "--impl-subdir", dest="subdir", default="", help="read OUT/<case>/<SUBDIR> (e.g. 'expected')")
    parser.add_argument("--strict-key-order", action="store_true")
    args = parser.parse_args(argv)

    names = sorted(p.name for p in args.cases.iterdir() if (p / "options.json").is_file())
    if args.case is not None:
        unknown = sorted(set(args.case) - set(names))
        if unknown:
            print(f"unknown case(s): {', '.join(unknown)}", file=sys.stderr)
            return 2
        names = [n for n in names if n in args.case]

    failed = 0
    for name in names:
        try:
            check_case(args.cases / name, args.out / name / args.subdir, args.strict_key_order)
        except CaseFailure as why:
            failed += 1
            print(f"FAIL {name}: {why}")
        else:
            print(f"PASS {name}")
    print(f"{len(names) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
