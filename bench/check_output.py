#!/usr/bin/env python3
"""Check one tool's Parquet output for the orders data against the ground truth,
so that a fast but wrong run is flagged in the benchmark table.

usage: check_output.py COUNTS.json OUTDIR [TABLES]

COUNTS.json: what expected_counts.py --json printed for the input.
TABLES: the tables this tool is meant to produce, comma-separated, from
  main,line_items,discounts,payments,tags (default: all five, i.e. the relational
  output of transmog). flatterer makes no tags table (tags become one string
  column); DuckDB makes only "main" (arrays stay LIST columns).

Files are matched to tables by name: *discounts -> discounts, *line_items ->
line_items, *payments, *tags, anything else -> main (orders.parquet, main.parquet,
flatterer's orders.parquet under parquet/). Checked:
  - every expected table exists and has exactly the expected number of rows;
  - the late "metadata" fields: some main-table column with "metadata" in its
    name has exactly `with_metadata` non-null values (1.0.6's streaming writer
    drops these columns once the file is longer than one row group);
  - links, when the output uses transmog's columns: every __parent_extract_id
    value is an __extract_id of another table, and no __extract_id repeats.
Prints one verdict line first ("OK ..." or "WRONG ..."), then details; exit code
0 when OK, 1 when WRONG, 2 when the output cannot be read.
"""
import json
import os
import sys

import pyarrow.parquet as pq

KINDS = ("discounts", "line_items", "payments", "tags")


def table_of(filename):
    stem = filename[: -len(".parquet")]
    for k in KINDS:
        if stem.endswith(k):
            return k
    return "main"


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: check_output.py COUNTS.json OUTDIR [TABLES]")
    with open(sys.argv[1]) as f:
        exp = json.load(f)
    root = sys.argv[2]
    want = (sys.argv[3] if len(sys.argv) > 3 else "main,line_items,discounts,payments,tags").split(",")
    expected_rows = {"main": exp["records"], **{k: exp[k] for k in KINDS}}

    files = {}
    for dirpath, dirnames, names in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("_"))
        for n in sorted(names):
            if n.endswith(".parquet"):
                files.setdefault(table_of(n), []).append(os.path.join(dirpath, n))
    problems, details = [], []
    if not files:
        print(f"WRONG no .parquet files under {root}")
        return 1
    metas = {}
    for t, paths in sorted(files.items()):
        if len(paths) > 1:
            problems.append(f"{t}: {len(paths)} files")
        for p in paths:
            try:
                pf = pq.ParquetFile(p)
            except Exception as e:  # a 0-byte or truncated file
                problems.append(f"{os.path.relpath(p, root)} unreadable")
                details.append(f"{os.path.relpath(p, root)}: {e}")
                continue
            rows, cols = pf.metadata.num_rows, pf.schema_arrow.names
            details.append(f"{os.path.relpath(p, root)}: table={t} rows={rows} cols={len(cols)}")
            if t in expected_rows and t in want and rows != expected_rows[t]:
                problems.append(f"{t} rows {rows} != {expected_rows[t]}")
            if t == "main":
                hits = [c for c in cols if "metadata" in c]
                if hits:
                    tab = pq.read_table(p, columns=hits)
                    metas[os.path.relpath(p, root)] = max(rows - tab.column(i).null_count for i in range(len(hits)))
    for t in want:
        if t not in files:
            problems.append(f"no {t} table")
    if "main" in files:
        nn = max(metas.values()) if metas else None
        if nn is None:
            if exp["with_metadata"]:
                problems.append("metadata columns missing")
        elif nn != exp["with_metadata"]:
            problems.append(f"metadata non-null {nn} != {exp['with_metadata']}")
    links = check_links(files)
    if links:
        problems.append(links)
    n_rows = sum(int(d.split(" rows=")[1].split()[0]) for d in details if " rows=" in d)
    if problems:
        print("WRONG " + "; ".join(problems))
    else:
        meta = f", metadata {exp['with_metadata']}/{exp['with_metadata']}" if exp["with_metadata"] else ""
        link = ", links ok" if has_links(files) else ""
        print(f"OK {len(files)} table{'s' if len(files) != 1 else ''}, {n_rows} rows{meta}{link}")
    print("\n".join(details))
    return 1 if problems else 0


def has_links(files):
    for paths in files.values():
        for p in paths:
            try:
                if "__parent_extract_id" in pq.read_schema(p).names:
                    return True
            except Exception:
                pass
    return False


def check_links(files):
    """transmog-style links: returns a problem string or ''."""
    ids, parents = [], []
    for paths in files.values():
        for p in paths:
            try:
                names = pq.read_schema(p).names
            except Exception:
                continue
            if "__extract_id" in names:
                ids.extend(pq.read_table(p, columns=["__extract_id"]).column(0).to_pylist())
            if "__parent_extract_id" in names:
                parents.extend(pq.read_table(p, columns=["__parent_extract_id"]).column(0).to_pylist())
    if not parents:
        return ""
    known = set(ids)
    bad = []
    if len(known) != len(ids):
        bad.append(f"{len(ids) - len(known)} repeated __extract_id")
    missing = sum(1 for v in parents if v is None or v not in known)
    if missing:
        bad.append(f"{missing} child rows without parent")
    return "; ".join(bad)


if __name__ == "__main__":
    sys.exit(main())
