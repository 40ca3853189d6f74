#!/usr/bin/env python3
"""Scale evidence, measured in one run: (a) the CLI on generated orders of growing size
(peak RSS and MB/s, with the default --max-file-size and with one file per table), and
(b) Spark local[2] on one large JSON Lines file, split into byte ranges vs read by one
task, against the CLI on the same file.

usage: bench/scale.py --inputs SMALL MEDIUM LARGE --spark-input FILE [--bin PATH]
                      [--work-dir DIR] [--results FILE] [--skip-spark] [--rounds N]

With --rounds N every CLI run is repeated N times (inputs in turn, so a slow spell of the
machine touches all sizes): the table gives the median and the range, and the peak ratio
is taken between medians. A single run's peak is the highest of short spikes, so one round
of a small input understates its usual peak.

Inputs are made with bench/gen_orders.py (e.g. --records 200000 / 1720000 / 8600000 for
0.23 / 2 / 10 GB). Run it with the test venv's python (pyarrow, pyspark, our package).
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scaleout import timed, write_report  # noqa: E402  (shared by the bench scripts)

ROOT = Path(__file__).resolve().parents[1]

SPARK_JOB = r"""
import json, sys, time
t0 = time.time()
from pyspark.sql import SparkSession
builder = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
           .config("spark.driver.memory", "2g"))
if sys.argv[3] != "default":
    builder = builder.config("spark.sql.files.maxPartitionBytes", sys.argv[3])
spark = builder.getOrCreate()
spark.sparkContext.setLogLevel("ERROR")
t1 = time.time()
from transmog import _scaleout
from transmog.spark import flatten
commit, spent = _scaleout.commit, {}
def timed_commit(*args, **kwargs):
    t = time.time()
    try:
        return commit(*args, **kwargs)
    finally:
        spent["commit"] = time.time() - t
_scaleout.commit = timed_commit
result = flatten(spark, sys.argv[1], sys.argv[2], "orders", mode="overwrite")
t2 = time.time()
spark.stop()
print(json.dumps({"job": t2 - t1, "commit": spent["commit"], "tasks": len(result["orders"].files),
                  "parts": sum(len(t.files) for t in result.values()),
                  "rows": {k: v.rows for k, v in result.items()}}))
"""


def folder_rows(out):
    """Rows per table of a CLI output folder (single files and folder tables)."""
    import pyarrow.parquet as pq

    rows = {}
    for p in Path(out).iterdir():
        if p.name.startswith("."):
            continue
        files = sorted(p.glob("*.parquet")) if p.is_dir() else [p]
        rows[p.name.removesuffix(".parquet")] = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    return rows


def traced(cmd):
    """Runs cmd, sampling its resident memory every 0.05 s: wall s, peak RSS MiB (the
    kernel's high-water mark, VmHWM), and the samples (MiB) in time order.

    Not wait4's ru_maxrss: a child's starts at its parent's RSS at fork, so once this
    script has loaded pyarrow every run would report at least this script's size."""
    start = time.time()
    err = open(Path(os.environ.get("TMPDIR", "/tmp")) / "scale-stderr.txt", "w+b")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
    samples = []
    peak = 0.0
    status = Path(f"/proc/{proc.pid}/status")
    while True:
        # Polled, so the samples go on while it runs.
        pid, code, _usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        try:
            text = status.read_text()
            samples.append(int(text.split("VmRSS:")[1].split()[0]) / 1024)
            peak = max(peak, int(text.split("VmHWM:")[1].split()[0]) / 1024)
        except (OSError, IndexError):
            pass
        time.sleep(0.05)
    wall = time.time() - start
    proc.returncode = os.waitstatus_to_exitcode(code)
    if proc.returncode != 0:
        err.seek(0)
        raise SystemExit(f"{cmd[0]} failed: {err.read().decode()[-2000:]}")
    return wall, peak, samples


def second_half(samples, mb):
    """Median RSS over the run's second half, and its slope in MiB per GB of input (a
    least-squares line through the second half's samples, input read at an even rate).
    The last 5 % are left out: there the files are closed and memory falls."""
    lo, hi = len(samples) // 2, len(samples) * 19 // 20
    half = samples[lo:hi]
    if len(half) < 25:
        return None, None
    xs = [i / len(samples) * mb / 1000 for i in range(lo, hi)]
    mx, my = statistics.fmean(xs), statistics.fmean(half)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, half)) / sum((x - mx) ** 2 for x in xs)
    return statistics.median(half), slope


def cli(args, inp, out, *extra):
    shutil.rmtree(out, ignore_errors=True)
    wall, rss, samples = traced([args.bin, "convert", str(inp), "-o", str(out), "--entity", "orders",
                                 "--ids", "position", "-q", *extra])
    files = sum(1 for _ in Path(out).rglob("*.parquet"))
    rows = folder_rows(out)
    shutil.rmtree(out, ignore_errors=True)
    steady, slope = second_half(samples, os.path.getsize(inp) / 1e6)
    return {"wall": wall, "rss": rss, "steady": steady, "slope": slope, "files": files, "rows": rows}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inputs", nargs="+", required=True)
    ap.add_argument("--spark-input")
    ap.add_argument("--bin", default=str(ROOT / "target" / "release" / "transmog"))
    ap.add_argument("--work-dir", default="/work/scratch/scale-out")
    ap.add_argument("--results", default=None)
    ap.add_argument("--skip-spark", action="store_true")
    ap.add_argument("--rounds", type=int, default=1)
    args = ap.parse_args()
    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    lines = [f"# Scale benchmark, {datetime.date.today()}", "",
             f"Machine: {platform.node()}, {os.cpu_count()} cores. Parquet snappy, position ids; "
             "output on the same disk as the input.", "",
             "## (a) The CLI on growing inputs", "",
             "| input | MB | layout | wall s | MB/s | peak RSS MiB | peak / smallest's | "
             "median RSS, 2nd half | its slope MiB/GB | files |",
             "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    layouts = [("default (64M parts)", []), ("one file per table", ["--max-file-size", "0"])]
    runs = {}
    for _ in range(args.rounds):
        for inp in args.inputs:
            for label, extra in layouts:
                r = cli(args, inp, work / "cli", *extra)
                print(f"{Path(inp).name} {label}: {r['wall']:.1f} s, peak {r['rss']:.1f} MiB", flush=True)
                runs.setdefault((inp, label), []).append(r)

    def med(rs, key, fmt):
        vals = [r[key] for r in rs]
        m = format(statistics.median(vals), fmt)
        return m if len(vals) == 1 else f"{m} ({format(min(vals), fmt)}-{format(max(vals), fmt)})"

    for label, _extra in layouts:
        base = statistics.median(r["rss"] for r in runs[(args.inputs[0], label)])
        for inp in args.inputs:
            rs = runs[(inp, label)]
            mb = os.path.getsize(inp) / 1e6
            peak = statistics.median(r["rss"] for r in rs)
            steady = [r for r in rs if r["steady"] is not None]
            row = (f"| {Path(inp).name} | {mb:.0f} | {label} | {med(rs, 'wall', '.1f')} | "
                   f"{mb / statistics.median(r['wall'] for r in rs):.0f} | "
                   f"{med(rs, 'rss', '.0f')} | {peak / base:.2f} | "
                   + (f"{med(steady, 'steady', '.0f')} | {med(steady, 'slope', '+.1f')} |" if steady else "- | - |")
                   + f" {rs[0]['files']} |")
            lines.append(row)
    lines.append("")
    lines.append(f"{args.rounds} round(s); medians, ranges in brackets.")
    if args.spark_input and not args.skip_spark:
        inp = args.spark_input
        mb = os.path.getsize(inp) / 1e6
        lines += ["", f"## (b) Spark local[2] on one {mb:.0f} MB JSON Lines file", "",
                  "| run | tasks | wall s | job s (no JVM start) | MB/s (job) | job / CLI | driver commit s (parts) |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        ref = cli(args, inp, work / "cli", "-j", "2")
        env = {**os.environ, "PYSPARK_PYTHON": sys.executable}
        lines.append(f"| CLI -j 2 | - | {ref['wall']:.1f} | {ref['wall']:.1f} | {mb / ref['wall']:.0f} | 1.00 | - |")
        for label, conf in [("split (maxPartitionBytes 128 MiB)", "default"),
                            ("not split (maxPartitionBytes 1 TiB)", str(1 << 40))]:
            out = work / "spark"
            shutil.rmtree(out, ignore_errors=True)
            wall, _rss, stdout = timed([sys.executable, "-c", SPARK_JOB, inp, str(out), conf], env)
            info = json.loads(stdout.strip().splitlines()[-1])
            if info["rows"] != ref["rows"]:
                raise SystemExit(f"spark {label}: rows {info['rows']} differ from the CLI's {ref['rows']}")
            shutil.rmtree(out, ignore_errors=True)
            row = (f"| Spark {label} | {info['tasks']} | {wall:.1f} | {info['job']:.1f} | "
                   f"{mb / info['job']:.0f} | {info['job'] / ref['wall']:.2f} | "
                   f"{info['commit']:.2f} ({info['parts']}) |")
            print(row, flush=True)
            lines.append(row)
        lines += ["", "Rows of every table equal the CLI's in each Spark run."]
    write_report(lines, args.results, "scale")


if __name__ == "__main__":
    main()
