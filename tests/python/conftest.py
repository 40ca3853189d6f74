"""Shared fixtures: where the built binaries live and generated input data."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def target_dir() -> Path:
    out = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    return Path(json.loads(out)["target_directory"])


@pytest.fixture(scope="session")
def transmog_bin() -> Path:
    exe = target_dir() / "debug" / "transmog"
    if not exe.exists():
        subprocess.run(["cargo", "build", "-q", "-p", "transmog-cli"], cwd=ROOT, check=True)
    return exe


def kill_after(cmd, delay):
    """Starts `cmd`, SIGKILLs it after `delay` seconds unless it ended first; whether the
    kill landed on a running process."""
    import signal
    import time

    proc = subprocess.Popen([str(c) for c in cmd], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    killed = proc.poll() is None
    if killed:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    return killed


def run_cli(exe, *args, check=True, input=None):
    proc = subprocess.run([str(exe), *map(str, args)], capture_output=True, input=input)
    if check and proc.returncode != 0:
        raise AssertionError(f"transmog failed ({proc.returncode}): {proc.stderr.decode()}")
    return proc


@pytest.fixture(scope="session")
def orders_jsonl(tmp_path_factory) -> Path:
    """2 000 generated orders; the `metadata` object only appears after the first 30 %."""
    path = tmp_path_factory.mktemp("data") / "orders.jsonl"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "gen_orders.py"), "--records", "2000", "--out", str(path)],
        check=True,
    )
    return path


@pytest.fixture(scope="session")
def spark():
    os.environ["PYSPARK_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    # local[2, 3]: two cores, a task may fail twice before the job does.
    session = (SparkSession.builder.master("local[2,3]").appName("transmog-tests")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
               # One input file per task, so partitions see different columns.
               .config("spark.sql.files.maxPartitionBytes", "65536")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def pytest_terminal_summary(terminalreporter):
    """Prints the 1.0.6 surface coverage measured by test_surface.py."""
    from test_surface import COVERAGE

    if COVERAGE:
        terminalreporter.write_line(COVERAGE["line"])
