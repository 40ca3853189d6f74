#!/usr/bin/env python3
"""Reorders a JSON Lines file so that its first records hold a value at every path any
record has, then the rest in their order.

Transmog 1.0.6's Parquet streaming writer (seed sample 2) types each table from its first
buffer; a column with no value there becomes a null column, and the first later value
fails the run (`ArrowInvalid: Invalid null value`). On a reordered file 1.0.6 completes
sample 2, so it can be timed against ours (`bench/py_api.py streaming`).

usage: first_batch_covers.py INPUT.jsonl N OUTPUT.jsonl   (the first N records of INPUT)
"""
import json
import sys


def value_paths(value, path, acc):
    """Adds to `acc` the path of every non-null leaf of `value` (arrays as `[]`)."""
    if isinstance(value, dict):
        for key, item in value.items():
            value_paths(item, f"{path}.{key}", acc)
    elif isinstance(value, list):
        for item in value:
            value_paths(item, f"{path}[]", acc)
    elif value is not None:
        acc.add(path)
    return acc


def main():
    src, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(src, encoding="utf-8") as fh:
        lines = [line for _, line in zip(range(n), fh) if line.strip()]
    seen, first, rest = set(), [], []
    for i, line in enumerate(lines):
        paths = value_paths(json.loads(line), "", set())
        (first if paths - seen else rest).append(i)
        seen |= paths
    with open(out, "w", encoding="utf-8") as fh:
        for i in first + rest:
            fh.write(lines[i])
    print(f"{len(first)} records moved first cover {len(seen)} paths; {len(lines)} written")


if __name__ == "__main__":
    main()
