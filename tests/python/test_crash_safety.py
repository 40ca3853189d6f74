"""Crash safety of `transmog convert`: a SIGKILL at random points never leaves a truncated or
unreadable file under a final name; a full disk or a file size limit gives a clear error and
leaves no file at all."""

import json
import os
import random
import resource
import shutil
import signal
import subprocess
import time

import pyarrow.parquet as pq
import pytest

from conftest import kill_after, run_cli

RECORDS = 60000


@pytest.fixture(scope="module")
def big_input(tmp_path_factory):
    """~10 MB; columns appear half-way (main and child), so tables get several part files
    that are spliced at the end (the longest commit path)."""
    path = tmp_path_factory.mktemp("crash") / "big.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(RECORDS):
            r = {"id": i, "name": f"n{i}", "o": {"a": i * 0.5, "b": "x" * 16},
                 "items": [{"sku": f"S{i}", "q": 2}, {"sku": "T", "tags": ["a", "b"]}]}
            if i > RECORDS // 2:
                r["late"] = "L"
                r["items"][0]["late_child"] = i
            fh.write(json.dumps(r) + "\n")
    return path


def final_files(out):
    return sorted(p for p in out.iterdir() if not p.name.startswith(".")) if out.exists() else []


def test_sigkill_never_leaves_a_truncated_final_file(transmog_bin, big_input, tmp_path):
    ref = tmp_path / "ref"
    started = time.monotonic()
    run_cli(transmog_bin, "convert", big_input, "-o", ref, "-q")
    duration = time.monotonic() - started
    expected = {p.name: pq.ParquetFile(p).metadata.num_rows for p in final_files(ref)}
    assert len(expected) == 3 and expected[big_input.stem + ".parquet"] == RECORDS

    seed = int(os.environ.get("TRANSMOG_KILL_SEED", time.time_ns() % 1_000_000))
    rng = random.Random(seed)
    killed = 0
    for k in range(5):
        out = tmp_path / f"kill{k}"
        delay = rng.uniform(0.05, duration)
        killed += kill_after([transmog_bin, "convert", big_input, "-o", out, "-q"], delay)
        for p in final_files(out):
            where = f"seed {seed}, kill {k} after {delay:.2f}s: {p.name}"
            assert p.name in expected, where
            table = pq.read_table(p)  # every page decodes
            assert table.num_rows == expected[p.name], where
            assert pq.ParquetFile(p).metadata.num_rows == table.num_rows, where
        # A new run into the same folder removes the killed run's temporaries and succeeds.
        if out.exists():
            run_cli(transmog_bin, "convert", big_input, "-o", out, "-q")
            hidden = [p.name for p in out.iterdir() if p.name.startswith(".")]
            assert hidden == [".transmog-manifest.json"], f"seed {seed}: {hidden}"
            assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [], f"seed {seed}"
            assert {p.name: pq.ParquetFile(p).metadata.num_rows for p in final_files(out)} == expected
    # Most kills must land during the run, or the test would prove nothing.
    assert killed >= 3, f"seed {seed}: only {killed} of 5 kills hit a running conversion"


def run_set(out):
    """The final files of a folder, and the one extraction time they all carry (or None
    when they come from different runs)."""
    files = {p.name: pq.ParquetFile(p).metadata.num_rows for p in final_files(out)}
    stamps = {v for p in final_files(out) for v in pq.read_table(p, columns=["__extract_datetime"])
              .column(0).unique().to_pylist()}
    return files, (stamps.pop() if len(stamps) == 1 else None)


def test_sigkill_while_replacing_a_run_leaves_one_whole_run(transmog_bin, big_input, tmp_path):
    """Run B replaces run A's tables in one folder (B makes fewer tables). Killed at any
    point, the folder holds A's complete set or B's, never tables of both."""
    out = tmp_path / "out"
    a = ["convert", big_input, "-o", out, "-q", "--extract-time", "A"]
    b = ["convert", big_input, "-o", out, "-q", "--extract-time", "B", "--no-child-tables"]
    run_cli(transmog_bin, *b)
    set_b = run_set(out)
    run_cli(transmog_bin, *a)
    set_a = run_set(out)
    assert set_a[1] == "A" and set_b[1] == "B" and len(set_a[0]) == 3 and len(set_b[0]) == 1
    started = time.monotonic()
    run_cli(transmog_bin, *b)
    duration = time.monotonic() - started
    seed = int(os.environ.get("TRANSMOG_KILL_SEED", time.time_ns() % 1_000_000))
    rng = random.Random(seed)
    seen = set()
    for k in range(8):
        run_cli(transmog_bin, *a)
        # Mostly late: the commit is at the end.
        delay = rng.uniform(0.5, 1.1) * duration
        kill_after([transmog_bin, *b], delay)
        state = run_set(out)
        assert state in (set_a, set_b), f"seed {seed}, kill {k} after {delay:.2f}s: {state}"
        seen.add(state[1])
    assert "A" in seen, f"seed {seed}: no kill landed before the commit"


def limited(fsize):
    def setup():
        # Writes past the limit then fail with EFBIG instead of killing the process.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    return setup


def test_file_size_limit_is_a_clear_error_and_leaves_nothing(transmog_bin, big_input, tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run([str(transmog_bin), "convert", str(big_input), "-o", str(out)],
                          preexec_fn=limited(300_000), capture_output=True)
    err = proc.stderr.decode()
    assert proc.returncode == 1, err
    assert err.startswith("transmog: error: table `") and err.count("File too large") == 1, err
    assert list(out.iterdir()) == [], "neither final nor temporary files remain"


def namespaces_available():
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k none /tmp"],
                           capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not namespaces_available(), reason="needs user+mount namespaces to mount a small tmpfs")
@pytest.mark.parametrize("share,stage", [(0.1, ".part"), (1.1, ".tmp0-")],
                         ids=["fills-while-streaming", "fills-while-splicing"])
def test_full_disk_is_a_clear_error_and_leaves_nothing(transmog_bin, big_input, tmp_path, share, stage):
    ref = tmp_path / "ref"
    run_cli(transmog_bin, "convert", big_input, "-o", ref, "-q")
    # 1.1x the output: the part files fit, not the main table's spliced file next to them.
    size = int(sum(p.stat().st_size for p in final_files(ref)) * share)
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    script = (f'mount -t tmpfs -o size={size} none "{mnt}" || exit 99\n'
              f'"{transmog_bin}" convert "{big_input}" -o "{mnt}/out" -q\n'
              f'rc=$?\necho "rc=$rc"\nls -A "{mnt}/out"\n')
    proc = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True)
    stdout, err = proc.stdout.decode(), proc.stderr.decode()
    lines = stdout.split()
    assert lines[:1] == ["rc=1"], (stdout, err)
    assert err.count("No space left on device") == 1 and err.startswith("transmog: error: table `"), err
    assert stage in err, f"expected the disk to fill while writing a {stage} file: {err}"
    assert lines[1:] == [], f"files left on the full disk: {lines[1:]}"


def test_sigkill_during_an_append_leaves_the_dataset_as_it_was_or_adds_the_whole_run(transmog_bin, big_input,
                                                                                      tmp_path):
    out = tmp_path / "ds"
    args = ["convert", big_input, "-o", out, "-q", "--append", "--schema", out / "schema.json"]
    run_cli(transmog_bin, *args)

    def parts():
        return sorted(str(p.relative_to(out)) for p in out.rglob("part-*"))

    before = parts()
    started = time.monotonic()
    run_cli(transmog_bin, *args)
    duration = time.monotonic() - started
    assert len(before) == 3 and len([p for p in parts() if p not in before]) == 3, "a part per table and run"
    seed = int(os.environ.get("TRANSMOG_KILL_SEED", time.time_ns() % 1_000_000))
    rng = random.Random(seed)
    outcomes = set()
    for k in range(6):
        current = parts()
        delay = rng.uniform(0.3, 1.1) * duration
        kill_after([transmog_bin, *args], delay)
        now = parts()
        added = [p for p in now if p not in current]
        assert set(current) <= set(now), f"seed {seed}: an append removed parts"
        assert len(added) in (0, 3), f"seed {seed}, kill {k} after {delay:.2f}s: {added}"
        for p in added:
            assert pq.ParquetFile(out / p).metadata.num_rows > 0
        outcomes.add(len(added))
    assert 0 in outcomes, f"seed {seed}: no kill landed before the commit"
