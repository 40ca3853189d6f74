"""A throw-away venv holding the real ``transmog==1.0.6`` from PyPI, for comparisons that
must never import it into the process under test (snapshot script, parity test)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VERSION = "1.0.6"
DEFAULT = Path(os.environ.get("TRANSMOG_106_VENV", ROOT / ".venv-106"))


class Unavailable(RuntimeError):
    """The 1.0.6 venv could not be made (PyPI unreachable, no venv module...)."""


def python(venv: Path = DEFAULT) -> Path:
    """The interpreter of a venv with ``transmog==1.0.6``, created on first use."""
    exe = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    stamp = venv / f".transmog-{VERSION}"
    if exe.exists() and stamp.exists():
        return exe
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [str(exe), "-m", "pip", "install", "-q", "--disable-pip-version-check", f"transmog=={VERSION}"],
    ]
    for cmd in steps:
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise Unavailable(
                f"cannot set up the transmog=={VERSION} reference venv at {venv} "
                f"(is PyPI reachable?): {' '.join(cmd[:4])} failed:\n{proc.stderr[-2000:]}")
    check = subprocess.run([str(exe), "-c", "import transmog; print(transmog.__version__)"],
                           capture_output=True, text=True)
    if check.stdout.strip() != VERSION:
        raise Unavailable(f"{venv} holds transmog {check.stdout.strip()!r}, not {VERSION}: {check.stderr}")
    stamp.write_text(VERSION)
    return exe
