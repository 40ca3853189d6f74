#!/usr/bin/env python3
"""Real payloads: GitHub's 329 webhook examples (tests/data/webhooks) repeated --copies
times as JSON Lines, converted to Parquet by our CLI in its modes and by flatterer, in
alternating rounds (so every tool sees the same machine), medians of wall time; and the
cost of map detection on the orders benchmark (the default `--maps auto` against
`--maps off`, paired rounds).

usage: bench/webhooks.py [--copies 20] [--runs 5] [--orders FILE]
                         [--flatterer-python PYTHON] [--work-dir DIR]

Prints a markdown report. Build the CLI first (cargo build --release -p transmog-cli).
"""

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "webhooks" / "github-webhooks.jsonl.gz"


def cli() -> Path:
    meta = subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps"], cwd=ROOT,
                          check=True, capture_output=True, text=True).stdout
    exe = Path(json.loads(meta)["target_directory"]) / "release" / "transmog"
    if not exe.exists():
        sys.exit("build the CLI first: cargo build --release -p transmog-cli")
    return exe


def timed(cmd, out: Path) -> float:
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{proc.stderr.decode()[-2000:]}")
    return wall


def tables(out: Path):
    """Tables and columns of an output folder (Parquet, or CSV headers)."""
    files = list(out.glob("*.parquet"))
    if files:
        import pyarrow.parquet as pq

        return len(files), sum(len(pq.read_schema(f)) for f in files)
    files = list(out.glob("*.csv"))
    cols = 0
    for f in files:
        with open(f, newline="", encoding="utf-8") as fh:
            import csv

            cols += len(next(csv.reader(fh), []))
    return len(files), cols


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--copies", type=int, default=20)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--orders", type=Path, help="an orders JSON Lines file (bench/gen_orders.py) for the map-detection cost")
    ap.add_argument("--flatterer-python", help="a python that imports flatterer (bench/requirements-peers.txt)")
    ap.add_argument("--work-dir", type=Path, default=Path(tempfile.gettempdir()) / "transmog-bench-webhooks")
    args = ap.parse_args()
    exe = cli()
    work = args.work_dir
    work.mkdir(parents=True, exist_ok=True)
    data = work / f"webhooks-x{args.copies}.jsonl"
    with gzip.open(CORPUS, "rb") as f:
        one = f.read()
    data.write_bytes(one * args.copies)
    size = data.stat().st_size
    records = one.count(b"\n") * args.copies

    rows = {
        "ours, default (full names, maps auto, text values)": [exe, "convert", data, "-o", work / "d", "-e", "wh", "-q"],
        "ours, --typed": [exe, "convert", data, "-o", work / "t", "-e", "wh", "-q", "--typed"],
        "ours, --lossless": [exe, "convert", data, "-o", work / "l", "-e", "wh", "-q", "--lossless"],
        "ours, --naming nested --maps off (1.0.6's shape)": [exe, "convert", data, "-o", work / "n", "-e", "wh", "-q",
                                                            "--naming", "nested", "--maps", "off"],
    }
    outs = {name: Path(cmd[4]) for name, cmd in rows.items()}
    notes = []
    if args.flatterer_python:
        # flatterer's Parquet output stops on these payloads (a 0001-01-01 date overflows
        # its timestamp type), so it writes CSV: all values text, no type inference.
        probe = subprocess.run([args.flatterer_python, ROOT / "bench" / "peers" / "flatterer_parquet.py",
                                data, work / "fp", "wh", "2"], capture_output=True, text=True)
        if probe.returncode != 0:
            errors = [ln.strip() for ln in probe.stderr.splitlines() if "Error" in ln][:1]
            notes.append(f"flatterer with parquet=True fails: {errors[0] if errors else 'error'}")
        for threads in ("1", "2"):
            name = f"flatterer 0.25 CSV, threads={threads} (all values text)"
            code = ("import sys, flatterer; flatterer.flatten(sys.argv[1], sys.argv[2], csv=True, "
                    "parquet=False, ndjson=True, main_table_name='wh', threads=int(sys.argv[3]), force=True)")
            rows[name] = [args.flatterer_python, "-c", code, data, work / f"f{threads}", threads]
            outs[name] = work / f"f{threads}" / "csv"
    times = {name: [] for name in rows}
    for _ in range(args.runs):
        for name, cmd in rows.items():
            times[name].append(timed(cmd, Path(cmd[4])))
    base = statistics.median(times[next(iter(rows))])
    for n in notes:
        print(f"Note: {n}\n")
    print(f"Webhooks x{args.copies}: {records} records, {size / 1e6:.1f} MB JSON Lines; "
          f"median of {args.runs} alternating rounds.\n")
    print("| tool | wall s | MB/s | tables | columns | / ours default |")
    print("|---|---|---|---|---|---|")
    for name in rows:
        wall = statistics.median(times[name])
        n_tables, n_cols = tables(outs[name])
        print(f"| {name} | {wall:.2f} | {size / 1e6 / wall:.1f} | {n_tables} | {n_cols} | {wall / base:.2f} |")

    if args.orders:
        pairs = []
        for _ in range(args.runs):
            on = timed([exe, "convert", args.orders, "-o", work / "oa", "-e", "orders", "-q"], work / "oa")
            off = timed([exe, "convert", args.orders, "-o", work / "ob", "-e", "orders", "-q", "--maps", "off"],
                        work / "ob")
            pairs.append((on, off))
        ratios = sorted(on / off for on, off in pairs)
        print(f"\nOrders ({args.orders.stat().st_size / 1e6:.0f} MB): `--maps auto` (default) / `--maps off`, "
              f"{args.runs} paired rounds: median {statistics.median(ratios):.3f} "
              f"(min {ratios[0]:.3f}, max {ratios[-1]:.3f}); walls auto "
              f"{statistics.median(p[0] for p in pairs):.2f} s, off {statistics.median(p[1] for p in pairs):.2f} s.")


if __name__ == "__main__":
    main()
