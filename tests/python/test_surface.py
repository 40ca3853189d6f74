"""Our package against the public surface of the real Transmog 1.0.6.

``tests/compat/surface-1.0.6.json`` lists every public module, name, class member, kind
and call signature of ``transmog==1.0.6`` (written by ``scripts/surface_snapshot.py`` in a
throw-away venv; 1.0.6 is never imported here). Every entry must exist in our package with
the same kind and signature, except those in ``tests/compat/surface-allow.txt``, each with
its reason. An allow-list entry that is no longer needed fails too, so the list only shrinks.
"""

import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMPAT = ROOT / "tests" / "compat"
sys.path.insert(0, str(COMPAT))

import surface  # noqa: E402

SNAPSHOT = json.loads((COMPAT / "surface-1.0.6.json").read_text())["entries"]

# Kinds that call the same way: a classmethod and a staticmethod are both called on the
# class with the listed arguments; a data attribute and a property are both read.
_SAME = {"staticmethod": "classmethod", "property": "attribute"}

COVERAGE = {}
EXTENDED = set()


def key(entry):
    return f"{entry['module']}:{entry['name']}" if entry["name"] else entry["module"]


def allow_list():
    allowed = {}
    for n, line in enumerate((COMPAT / "surface-allow.txt").read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, reason = line.partition(" ")
        assert reason.strip(), f"surface-allow.txt:{n}: {name} has no reason"
        allowed[name] = reason.strip()
    return allowed


def extends(ours, theirs):
    """True when signature ``ours`` is ``theirs`` plus trailing parameters that all have
    defaults: every call written for 1.0.6 still works (our documented extensions, e.g.
    ``ProcessingConfig(lossless=...)``)."""
    if not theirs.endswith(")") or not ours.startswith(theirs[:-1]) or not ours.endswith(")"):
        return False
    extra = ours[len(theirs) - 1:-1]
    if not extra.startswith(", "):
        return False
    return all(re.fullmatch(r"[A-Za-z_]\w*=[^=*]+", p) for p in extra[2:].split(", "))


def mismatch(entry):
    """Why our package differs from 1.0.6 on this entry, or None."""
    found, kind, sig = surface.resolve(entry)
    if not found:
        return "missing" + (f" ({sig})" if sig else "")
    want = entry["kind"]
    if want == "constant":
        return None  # a value: its presence is the contract
    if _SAME.get(kind, kind) != _SAME.get(want, want):
        return f"is a {kind}, 1.0.6 has a {want}"
    if entry["signature"] is not None and sig != entry["signature"]:
        if extends(sig, entry["signature"]):
            EXTENDED.add(key(entry))
            return None
        return f"signature {sig}, 1.0.6 {entry['signature']}"
    return None


def test_snapshot_is_complete():
    modules = [e for e in SNAPSHOT if e["kind"] == "module"]
    assert len(modules) == 44, "1.0.6 has 44 public modules; regenerate with scripts/surface_snapshot.py"


def test_surface_matches_1_0_6():
    allowed = allow_list()
    problems, stale, ok = [], [], 0
    for entry in SNAPSHOT:
        why = mismatch(entry)
        if why is None:
            ok += 1
            if key(entry) in allowed:
                stale.append(key(entry))
        elif key(entry) not in allowed:
            problems.append(f"{key(entry)}: {why}")
    unknown = set(allowed) - {key(e) for e in SNAPSHOT}
    COVERAGE["line"] = (f"surface: {ok} of {len(SNAPSHOT)} names of transmog 1.0.6 match ({len(allowed)} "
                        f"allow-listed; {len(EXTENDED)} extended with defaulted parameters: "
                        f"{', '.join(sorted(EXTENDED))})")
    print(COVERAGE["line"])
    assert not problems, f"{len(problems)} differences from 1.0.6:\n" + "\n".join(problems)
    assert not stale, "allow-listed but matching now (remove from surface-allow.txt): " + ", ".join(stale)
    assert not unknown, "allow-listed names that 1.0.6 does not have: " + ", ".join(sorted(unknown))


@pytest.mark.parametrize("name", ["transmog.error", "transmog.config"])
def test_packages_keep_their_flat_imports(name):
    # These were single modules before they became packages with 1.0.6's submodules.
    mod = __import__(name, fromlist=["*"])
    assert hasattr(mod, "__path__")


def test_only_defaulted_trailing_parameters_extend_a_signature():
    assert extends("(a, b=1, c=False)", "(a, b=1)")
    assert extends("(a=1, style='nested', n=63)", "(a=1)")
    assert not extends("(a, b=1, c)", "(a, b=1)")          # a new required parameter
    assert not extends("(a, c=1, b=1)", "(a, b=1)")        # reordered
    assert not extends("(a, b=1, *args)", "(a, b=1)")
    assert not extends("(a, b=2)", "(a, b=1)")
