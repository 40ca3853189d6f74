#!/usr/bin/env python3
"""Our CLI vs the same engine inside Spark local[2] and Dask (2 processes), on one input
split into several JSONL files, measured in one run.

usage: bench/scaleout.py [--records N] [--files N] [--runs N] [--work-dir DIR]
                         [--bin PATH] [--results FILE]

Run it with a python that has our package, pyspark and dask installed (the test venv:
.venv/bin/python bench/scaleout.py). Every tool gets the same files, writes Parquet
(snappy) with position ids; row counts per table are checked against the CLI's.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SPARK_JOB = r"""
import json, os, sys, time
t0 = time.time()
from pyspark.sql import SparkSession
spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
         .config("spark.driver.memory", "2g").getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
t1 = time.time()
from transmog.spark import flatten
result = flatten(spark, sys.argv[1], sys.argv[2], "orders", mode="overwrite")
t2 = time.time()
spark.stop()
print(json.dumps({"start": t1 - t0, "job": t2 - t1,
                  "rows": {k: v.rows for k, v in result.items()}}))
"""

DASK_JOB = r"""
import json, sys, time
t0 = time.time()
import dask
from transmog.dask import flatten
dask.config.set(num_workers=2)
result = flatten(sys.argv[1], sys.argv[2], "orders", mode="overwrite", partition_bytes=1,
                 scheduler="processes")
print(json.dumps({"start": 0.0, "job": time.time() - t0,
                  "rows": {k: v.rows for k, v in result.items()}}))
"""


def timed(cmd, env=None):
    """Runs cmd under /usr/bin/time -v: (wall s, peak RSS MiB of the largest process, stdout)."""
    t = time.time()
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, env=env)
    wall = time.time() - t
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed:\n{proc.stderr[-3000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1)) / 1024
    return wall, rss, proc.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=860000, help="orders (860k: about 1 GB)")
    ap.add_argument("--files", type=int, default=8)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--work-dir", default=os.environ.get("TRANSMOG_BENCH_DIR", "/tmp/transmog-bench") + "/scaleout")
    ap.add_argument("--bin", default=str(ROOT / "target" / "release" / "transmog"))
    ap.add_argument("--results", default=None)
    args = ap.parse_args()

    work = Path(args.work_dir)
    data = work / f"in-{args.records}-{args.files}"
    if not data.exists():
        work.mkdir(parents=True, exist_ok=True)
        whole = work / f"orders-{args.records}.jsonl"
        if not whole.exists():
            subprocess.run([sys.executable, str(ROOT / "bench" / "gen_orders.py"), "--records",
                            str(args.records), "--out", str(whole)], check=True)
        tmp = work / "split.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        per = -(-args.records // args.files)
        with open(whole) as src:
            for i in range(args.files):
                with open(tmp / f"orders-{i:03d}.jsonl", "w") as out:
                    for _ in range(per):
                        line = src.readline()
                        if not line:
                            break
                        out.write(line)
        tmp.rename(data)
    files = sorted(str(p) for p in data.glob("*.jsonl"))
    size = sum(os.path.getsize(f) for f in files)
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable}

    results = {}
    for name, run in [
        ("ours_cli_t2", lambda out: timed([args.bin, "convert", *files, "-o", out, "--entity", "orders",
                                            "--ids", "position", "-j", "2", "-q"])),
        ("spark_local2", lambda out: timed([sys.executable, "-c", SPARK_JOB, str(data / "*.jsonl"), out], env)),
        ("dask_processes2", lambda out: timed([sys.executable, "-c", DASK_JOB, str(data / "*.jsonl"), out], env)),
    ]:
        walls, jobs, rsss, rows = [], [], [], None
        for _ in range(args.runs):
            out = str(work / f"out-{name}")
            shutil.rmtree(out, ignore_errors=True)
            wall, rss, stdout = run(out)
            walls.append(wall)
            rsss.append(rss)
            if stdout.strip().startswith("{"):
                info = json.loads(stdout.strip().splitlines()[-1])
                jobs.append(info["job"])
                rows = info["rows"]
            else:
                import pyarrow.parquet as pq
                rows = {p.stem: pq.ParquetFile(p).metadata.num_rows for p in Path(out).glob("*.parquet")}
                jobs.append(wall)
        results[name] = {"wall": statistics.median(walls), "job": statistics.median(jobs),
                         "rss": max(rsss), "rows": rows}
        print(name, results[name], flush=True)

    base = results["ours_cli_t2"]
    for name, r in results.items():
        if r["rows"] != base["rows"]:
            raise SystemExit(f"{name}: row counts {r['rows']} differ from the CLI's {base['rows']}")
    mb = size / 1e6
    lines = [
        f"# Scale-out benchmark, {datetime.date.today()}",
        "",
        f"Machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}. Input: "
        f"{args.records} generated orders in {len(files)} JSONL files, {mb:.0f} MB; Parquet snappy, "
        f"position ids; {args.runs} run(s), medians. Row counts of every table equal across tools.",
        "",
        "| tool | wall s | job s (no start-up) | MB/s (wall) | wall / CLI | peak RSS MiB (largest process) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        lines.append(f"| {name} | {r['wall']:.1f} | {r['job']:.1f} | {mb / r['wall']:.1f} | "
                     f"{r['wall'] / base['wall']:.2f} | {r['rss']:.0f} |")
    lines += ["", "Peak RSS is that of the largest process `/usr/bin/time` waited for: for Spark that "
              "leaves out the JVM (not reaped by the driver), so it is not comparable.",
              "Spark and Dask get one task per file (files are never split); start-up is "
              "the SparkSession (JVM) launch."]
    write_report(lines, args.results, "scaleout")


def write_report(lines, results, name):
    """Prints the report and writes it to `results` (default bench/results/<date>-<name>.md)."""
    report = "\n".join(lines) + "\n"
    print(report)
    dest = Path(results or ROOT / "bench" / "results" / f"{datetime.date.today()}-{name}.md")
    dest.write_text(report)
    print(f"report: {dest}")


if __name__ == "__main__":
    main()
