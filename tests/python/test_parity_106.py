"""Values as 1.0.6 hands them out: the same calls (``tests/compat/parity_driver.py``: every
conformance input through ``process``, ``flatten_json``, ``extract_arrays`` and
``get_data_iterator``, plus file writers, other entry points, errors and helpers) run
through the real ``transmog==1.0.6`` (its own venv, a subprocess) and through ours, and
what user code sees must be equal: result types, table names, rows with every value's
type, file names, exception classes.

The only differences allowed are the deliberate ones below, each a place where 1.0.6
loses or corrupts data (SPEC.md section 7); each must still differ, so the list cannot
go stale. Needs PyPI once to build the reference venv (``.venv-106``, kept); without it
the test fails and says so.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMPAT = ROOT / "tests" / "compat"
CASES = ROOT / "tests" / "conformance" / "cases"
sys.path.insert(0, str(COMPAT))

import venv106  # noqa: E402

_REPR_COPY = ("1.0.6 also copies arrays found under objects inside array items into the item row as "
              "Python repr text (SPEC 7, bug 4); we extract them only")
_VALUE_CACHE = ("1.0.6's process-wide value cache conflates 1, 1.0 and True (SPEC 7, bug 1): later values "
                "come out as the text of the first; we convert each value by itself")
_COLLISION = "1.0.6 lets a later path overwrite an earlier one of the same name; we keep both (a_b, a_b_2)"

DEVIATIONS = {
    "process:array_inside_object_inside_array_item": _REPR_COPY,
    "extract_arrays:array_inside_object_inside_array_item": _REPR_COPY,
    "process:realistic_ecommerce_order": _VALUE_CACHE,
    "extract_arrays:realistic_ecommerce_order": _VALUE_CACHE,
    "process:value_cache_bool_int_collision": _VALUE_CACHE,
    "flatten_json:value_cache_bool_int_collision": _VALUE_CACHE,
    # Release index 0 and 1 come out as "false"/"true" after the browsers' boolean flags (and
    # one browser lists version keys shared with others in another order, which no single
    # column order serves for both).
    "real:mdn_browsers:text": _VALUE_CACHE,
    "real:mdn_browsers:typed": _VALUE_CACHE,
    "process:duplicate_flattened_names": _COLLISION,
    "flatten_json:duplicate_flattened_names": _COLLISION,
    "process:metadata_field_overwrites_data": ("1.0.6 overwrites a data field named like a metadata column; "
                                               "we keep it as id_2"),
    "process:disable_arrays": ("1.0.6 drops arrays with visit_arrays=False (SPEC 7, bug 3); we keep them as "
                               "JSON text, as its docs say"),
    "process:extract_time_given": "1.0.6's process() ignores extract_time (SPEC 7, bug 5); we honour it",
    "process:recovery_skip_bad_record": ("1.0.6 raises under recovery_strategy='skip' (SPEC 7, bug 7); we skip "
                                         "the record and keep the others"),
    "process_batch": "1.0.6's process_batch does not flatten main rows (SPEC 7, bug 6); we flatten like process",
    "process_file_jsonl": ("1.0.6 does not flatten the main rows of .jsonl files (SPEC 7, bug 6) and stamps child "
                           "rows with a second, naive datetime; we flatten and use one timestamp per call"),
}


def run_driver(python, work):
    work.mkdir()
    proc = subprocess.run([str(python), "-I", str(COMPAT / "parity_driver.py"), str(CASES), str(work)],
                          capture_output=True, text=True, cwd=str(work))
    assert proc.returncode == 0, f"{python} parity_driver.py failed:\n{proc.stderr[-3000:]}"
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def observations(tmp_path_factory):
    try:
        reference = venv106.python()
    except venv106.Unavailable as exc:
        pytest.fail(str(exc))
    theirs = run_driver(reference, tmp_path_factory.mktemp("p106") / "w")
    ours = run_driver(sys.executable, tmp_path_factory.mktemp("ours") / "w")
    return theirs, ours


def test_drivers_ran_both_packages(observations):
    theirs, ours = observations
    assert theirs.pop("version") == "1.0.6" and ours.pop("version") == "1.0.6"
    assert set(theirs) == set(ours)
    assert len(theirs) > 200
    # Every real payload ran, in both modes, and gave rows (not an error).
    real = sorted(k for k in theirs if k.startswith("real:"))
    assert len(real) == 2 * len(list((COMPAT / "real").glob("*.json"))) >= 4
    assert all("error" not in theirs[k] and len(theirs[k]["main"]) >= 15 for k in real)


def test_what_user_code_sees_matches_1_0_6(observations):
    theirs, ours = observations
    differ = sorted(k for k in theirs if theirs[k] != ours.get(k))
    unexplained = [k for k in differ if k not in DEVIATIONS]
    detail = "\n".join(f"{k}:\n  1.0.6: {json.dumps(theirs[k])[:600]}\n  ours:  {json.dumps(ours.get(k))[:600]}"
                       for k in unexplained)
    assert not unexplained, f"{len(unexplained)} calls give user code something else than 1.0.6:\n{detail}"
    stale = [k for k in DEVIATIONS if k not in differ]
    assert not stale, f"listed as deviations but equal to 1.0.6 now (remove them): {stale}"


def test_process_gives_a_tz_aware_datetime_like_1_0_6(observations):
    theirs, ours = observations
    stamp = dict(ours["process:basic_flat_strings"]["main"][0])["__extract_datetime"]
    assert stamp == "<ts:datetime+tz>" == dict(theirs["process:basic_flat_strings"]["main"][0])["__extract_datetime"]
