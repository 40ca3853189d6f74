"""Helpers shared by the bench scripts."""
import importlib.util
import os
import shutil
import sys


def fresh_dir(path):
    """Remove and recreate an output folder so every run starts empty."""
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def import_transmog(expect):
    """Import `transmog` and make sure it is the package we mean to measure.

    expect="upstream": the PyPI transmog 1.0.6 (pure Python);
    expect="ours": this project's package (it has the native module transmog._native).
    Both call themselves 1.0.6, so the native module is what tells them apart.
    """
    import transmog

    ours = importlib.util.find_spec("transmog._native") is not None
    version = getattr(transmog, "__version__", "?")
    where = os.path.dirname(transmog.__file__)
    print(f"transmog {version} from {where} ({'ours' if ours else 'upstream'})", file=sys.stderr)
    if expect == "ours" and not ours:
        sys.exit(f"expected our transmog (with transmog._native), got the one at {where}")
    if expect == "upstream":
        if ours:
            sys.exit(f"expected PyPI transmog 1.0.6, got ours at {where}")
        if version != "1.0.6":
            sys.exit(f"expected PyPI transmog 1.0.6, got {version} at {where}")
    return transmog
