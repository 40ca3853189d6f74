"""What ``transmog.spark`` and ``transmog.dask`` share: a picklable plan, the task that
runs the engine on one partition's files, and the driver's commit.

The commit protocol follows Spark's own file committer: every task attempt writes under
``<output>/_temporary/<job>/<partition>-<attempt>/``; the driver receives exactly one
result per partition (that of the attempt the scheduler kept), moves those files to
``<table>/part-<partition>.<ext>`` of a staging folder next to the output, and then
replaces the output folder with it in one step (``_native.replace_dir``: flushed to disk,
then exchanged). Failed, retried or speculative attempts therefore never add or lose
rows, and a job that fails or is killed at any point leaves the previous dataset whole
(under ``mode="overwrite"`` it stays readable until the commit).
"""

from __future__ import annotations

import datetime
import glob as _glob
import json
import logging
import os
import re
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple

from . import _native
from .config import TransmogConfig
from .error import ConfigurationError, OutputError

_log = logging.getLogger("transmog")

TEMP_DIR = "_temporary"
SCHEMA_FILE = "_schema.json"
SUCCESS_FILE = "_SUCCESS"
_EXTENSIONS = {"parquet": "parquet", "csv": "csv", "jsonl": "jsonl", "json": "jsonl"}
_GLOB_CHARS = re.compile(r"[*?\[{]")

MAX_PROBLEMS = 100

# (partition, attempt dir, table stem, file name in the attempt dir, rows,
#  records, skipped, first skip reasons as JSON)
ResultRow = Tuple[int, str, Optional[str], Optional[str], int, int, int, str]
RESULT_COLUMNS = ("partition", "attempt_dir", "table", "file", "rows", "records", "skipped", "problems")


@dataclass
class Plan:
    """Everything a task needs; sent to workers by pickling."""

    entity: str
    engine_options: Dict[str, Any]
    output_format: str
    sink_options: Dict[str, Any]
    input_format: str
    csv_options: Optional[Dict[str, Any]]
    chunk_size: int
    root: Optional[str]
    job_dir: str
    output: str
    # Runs after a task wrote its files, before it reports them (fault injection in tests).
    task_hook: Optional[Callable[[int, int], None]] = field(default=None)
    # What the job's summary should say about its partitions (see ``whole_file_notes``).
    notes: List[str] = field(default_factory=list)
    # The config's schema file (read on the driver: tasks get its content), and its contract.
    schema_file: Optional[str] = None
    schema_text: Optional[str] = None
    schema_contract: str = "evolve"
    schema_tables: List[Tuple[str, str]] = field(default_factory=list)


def make_plan(output: str, entity: str, *, mode: str, config: Optional[TransmogConfig], ids: str,
              input_format: str, csv_options: Optional[Dict[str, Any]], output_format: str,
              chunk_size: int, root: Optional[str], format_options: Dict[str, Any],
              extract_time: Any = None, task_hook: Optional[Callable[[int, int], None]] = None) -> Plan:
    if output_format not in _EXTENSIONS:
        raise ConfigurationError(f"unsupported output format {output_format!r}", "output_format",
                                 output_format)
    if format_options.get("max_file_size") is not None:
        # A task's part is one file per table: the partition size bounds it already.
        raise ConfigurationError("max_file_size does not apply to a distributed job: each task writes "
                                 "one file per table, as large as its partition makes it",
                                 "max_file_size", format_options["max_file_size"])
    if ids not in ("position", "hash", "random", "field"):
        raise ConfigurationError(f"unknown ids mode {ids!r} (position, hash, field or random)", "ids", ids)
    config = config or TransmogConfig()
    # One extraction time for the whole job, whichever task flattens a record.
    if extract_time is None:
        extract_time = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    opts = config._engine_options(extract_time)
    if ids == "field":
        if opts["id_mode"] != "deterministic":
            raise ConfigurationError("ids='field' needs config.metadata.default_id_field", "ids", ids)
    elif opts["id_mode"] == "custom":
        raise ConfigurationError("custom id functions cannot run inside a distributed job", "ids", ids)
    else:
        opts["id_mode"] = ids
    native_format = "jsonl" if output_format == "json" else output_format
    schema_args = config._schema_args()
    schema_file, schema_text = schema_args.get("schema_file"), None
    if schema_file is not None:
        if native_format != "parquet":
            raise ConfigurationError("a schema file needs Parquet output in a distributed job (the parts' "
                                     "schemas are read back)", "output_format", output_format)
        schema_file = os.path.abspath(schema_file)
        if os.path.exists(schema_file):
            with open(schema_file, encoding="utf-8") as fh:
                schema_text = fh.read()
            # Refused here (other naming options, not a schema file) rather than in every task.
            _native.Engine(entity, opts, schema_text=schema_text, schema_contract=schema_args["schema_contract"],
                           schema_tables=schema_args["schema_tables"])
    # Workers may run in another directory: they get absolute paths.
    output = normalize(output)
    prepare_output(output, mode)
    job_dir = os.path.join(output, TEMP_DIR, uuid.uuid4().hex)
    return Plan(entity=entity, engine_options=opts, output_format=native_format,
                sink_options=dict(format_options), input_format=input_format,
                csv_options=csv_options, chunk_size=max(1, chunk_size), root=root,
                job_dir=job_dir, output=output, task_hook=task_hook, schema_file=schema_file,
                schema_text=schema_text, schema_contract=schema_args.get("schema_contract", "evolve"),
                schema_tables=list(schema_args.get("schema_tables", [])))


def decide_maps(plan: Plan, paths: Sequence[str] = (), texts: Sequence[Any] = ()) -> List[List[str]]:
    """With ``maps="auto"``, detects maps once, on the driver, from the first records of
    ``paths`` (local files, in input order) or ``texts`` (JSON texts): every task then
    uses these paths (and no detection of its own), so all partitions agree."""
    opts = plan.engine_options
    if opts.get("maps") != "auto":
        return []
    if paths:
        found = _native.detect_maps(list(paths), plan.input_format, plan.csv_options)
    else:
        data = "\n".join(t.decode("utf-8") if isinstance(t, bytes) else str(t) for t in texts if t)
        found = _native.detect_maps_in(data.encode("utf-8"))
    given = [list(p) if not isinstance(p, str) else p for p in opts.get("map_paths") or []]
    opts["map_paths"] = given + [p for p in found if p not in given]
    opts["maps"] = "off"
    return found


# -- paths ---------------------------------------------------------------------------

def local_path(uri: str) -> Optional[str]:
    """The local file behind a path or ``file:`` URI; None for other file systems."""
    if uri.startswith("file://"):
        return uri[len("file://"):] or "/"
    if uri.startswith("file:"):
        return uri[len("file:"):]
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]+://", uri):
        return None
    return uri


def normalize(uri: str) -> str:
    """Absolute local path, or the URI itself for remote file systems."""
    local = local_path(uri)
    return os.path.abspath(local) if local is not None else uri.rstrip("/")


def static_root(patterns: Sequence[str]) -> Optional[str]:
    """The deepest folder that holds every input: the part of each glob before its first
    wildcard (a directory input is its own root, a file's root is its folder)."""
    roots = []
    for p in patterns:
        n = normalize(p)
        m = _GLOB_CHARS.search(n)
        if m:
            n = n[: m.start()]
            n = n[: n.rfind("/")] if "/" in n else ""
        elif local_path(p) is not None and not os.path.isdir(n):
            n = os.path.dirname(n)
        roots.append(n.rstrip("/"))
    if not roots:
        return None
    common = os.path.commonpath(roots) if all(r.startswith("/") for r in roots) else _common_prefix(roots)
    return common or None


def _common_prefix(paths: Sequence[str]) -> str:
    parts = [p.split("/") for p in paths]
    out = []
    for seg in zip(*parts):
        if len(set(seg)) != 1:
            break
        out.append(seg[0])
    return "/".join(out)


def origin(uri: str, root: Optional[str]) -> str:
    """An input's stable name for position ids: its path under ``root``, else its file
    name (the engine's rule: what the CLI's ``--ids position`` uses, with ``--id-root``
    for the former)."""
    return _native.origin_name(uri, root)


def check_origins(uris: Sequence[str], root: Optional[str]) -> None:
    """``ConfigurationError`` when two inputs would share a name (and so their ids)."""
    _native.origin_names(list(uris), root)


# Byte ranges are at least this long, whatever the partition size asked for (a split
# per few records would cost more in tasks and files than it gains).
MIN_SPLIT_BYTES = 64 << 10

# A partition's inputs: (file, byte range or None for the whole file).
Part = Tuple[str, Optional[Tuple[int, int]]]


def partitions(files: Sequence[str], limit: int, input_format: str = "auto",
               csv_options: Optional[Dict[str, Any]] = None) -> List[List[Part]]:
    """Consecutive files packed up to ``limit`` bytes per partition; a local uncompressed
    JSON Lines or CSV file larger than ``limit`` is split into byte ranges of ``limit`` bytes
    (at least ``MIN_SPLIT_BYTES``), one partition each (the engine's rule, ``_native.split_ranges``: a range holds the
    lines that start in it). Partitions cover the inputs in their order, so naming the
    parts again in partition order names columns as one run over the inputs does, and
    position ids (from byte offsets) are the same for any split."""
    groups: List[List[Part]] = []
    size = 0
    for f in files:
        local = local_path(f)
        exists = local is not None and os.path.exists(local)
        split = max(limit, MIN_SPLIT_BYTES)
        ranges = _native.split_ranges(local, split, input_format, csv_options) if exists else []
        if len(ranges) > 1:
            groups.extend([(f, (start, end))] for start, end in ranges)
            size = limit  # the next file starts a partition of its own
            continue
        n = os.path.getsize(local) if exists else 0
        if not groups or size + n > limit:
            groups.append([])
            size = 0
        groups[-1].append((f, None))
        size += n
    return groups


def whole_file_notes(groups: List[List[Part]], limit: int) -> List[str]:
    """Notes on inputs that one task reads whole although they are larger than a
    partition (compressed files, JSON documents, CSV, remote files): such a file bounds
    how fast the job can go, whatever the cluster's size."""
    def size(part: Part) -> int:
        if part[1] is not None:
            return part[1][1] - part[1][0]
        local = local_path(part[0])
        return os.path.getsize(local) if local is not None and os.path.exists(local) else 0

    total = sum(size(p) for g in groups for p in g) or 1
    # A file no larger than the smallest split is one task's work whatever its kind.
    split = max(limit, MIN_SPLIT_BYTES)
    notes = []
    for group in groups:
        for part in group:
            n = size(part)
            if part[1] is not None or n <= split:
                continue
            name = part[0]
            lower = name.lower()
            if local_path(name) is None:
                why = "a remote file"
            elif lower.endswith((".gz", ".gzip", ".zst", ".zstd")):
                why = "compressed: decompress it to JSON Lines to let it split"
            else:
                why = "one JSON document: JSON Lines would split"
            notes.append(f"{os.path.basename(name)}: {n / 1e6:.0f} MB ({n / total:.0%} of the input) "
                         f"is read whole by one task ({why})")
    return notes


def expand_local(inputs: Sequence[str]) -> List[str]:
    """Files matched by local paths, globs or directories, sorted and de-duplicated."""
    files: List[str] = []
    for p in inputs:
        local = local_path(p)
        if local is None:
            raise ConfigurationError(f"{p}: only local paths are supported here", "inputs", p)
        if os.path.isdir(local):
            found = [os.path.join(d, f) for d, _, fs in os.walk(local) for f in fs
                     if not f.startswith((".", "_"))]
        else:
            found = [f for f in _glob.glob(local, recursive=True) if os.path.isfile(f)]
        if not found:
            raise ConfigurationError(f"no input files match {p}", "inputs", p)
        files.extend(os.path.abspath(f) for f in found)
    return sorted(set(files))


def prepare_output(output: str, mode: str) -> None:
    if mode not in ("error", "errorifexists", "overwrite"):
        raise ConfigurationError(f"unknown mode {mode!r} (error or overwrite)", "mode", mode)
    # Under overwrite the old dataset stays readable until the commit replaces it whole.
    if os.path.exists(output) and os.listdir(output):
        if mode != "overwrite":
            raise OutputError(f"{output} already exists and is not empty (pass mode='overwrite')",
                              "directory", output)
    os.makedirs(output, exist_ok=True)


# -- the task ------------------------------------------------------------------------

def _start(plan: Plan, partition: int, attempt: str) -> Tuple[str, Any, Any]:
    """A task attempt's folder, engine and sink."""
    attempt_dir = os.path.join(plan.job_dir, f"{partition:05d}-{attempt}")
    os.makedirs(attempt_dir, exist_ok=True)
    schema = {} if plan.schema_text is None else {"schema_text": plan.schema_text,
                                                   "schema_contract": plan.schema_contract,
                                                   "schema_tables": plan.schema_tables}
    engine = _native.Engine(plan.entity, plan.engine_options, **schema)
    return attempt_dir, engine, _native.Sink(attempt_dir, plan.output_format, plan.sink_options)


def run_partition(plan: Plan, partition: int, attempt: str,
                  files: Iterable[Tuple[Any, ...]]) -> List[ResultRow]:
    """Flattens one partition's files — ``(uri, content or None[, byte range])`` — into
    its attempt directory; returns what it wrote."""
    attempt_dir, engine, sink = _start(plan, partition, attempt)
    try:
        for item in files:
            uri, content = item[0], item[1]
            byte_range = item[2] if len(item) > 2 else None
            path = local_path(uri)
            scratch = None
            if content is not None or path is None:
                # Remote input: Spark handed us its bytes; the engine reads files.
                suffix = "".join(os.path.basename(uri).partition(".")[1:])
                fd, scratch = tempfile.mkstemp(suffix=("." + suffix) if suffix else "",
                                               dir=attempt_dir, prefix=".input-")
                with os.fdopen(fd, "wb") as fh:
                    fh.write(content or b"")
                path = scratch
            try:
                engine.push_file(path, plan.input_format, plan.csv_options, sink, plan.entity,
                                 plan.chunk_size, source=uri, origin=origin(uri, plan.root),
                                 range=byte_range)
            finally:
                if scratch is not None:
                    os.unlink(scratch)
        return _finish(plan, partition, attempt_dir, engine, sink)
    except BaseException:
        sink.abort()
        raise


def run_json_partition(plan: Plan, partition: int, attempt: str, batches: Iterable[List[Optional[str]]],
                       source: str) -> List[ResultRow]:
    """Like ``run_partition`` for records given as JSON texts (a DataFrame column)."""
    attempt_dir, engine, sink = _start(plan, partition, attempt)
    label = f"{source} (partition {partition})"
    try:
        start = 0
        for texts in batches:
            # A NULL cell holds no record (the text "null" would be reported as a bad one).
            engine.push_json_records([t for t in texts if t is not None], label, start)
            start += len(texts)
            native = engine.take_batches()
            sink.write_result_tables([(n, n) for n in native.table_names() if native.num_rows(n)], native)
        return _finish(plan, partition, attempt_dir, engine, sink)
    except BaseException:
        sink.abort()
        raise


def _finish(plan: Plan, partition: int, attempt_dir: str, engine: Any, sink: Any) -> List[ResultRow]:
    native = engine.finish()
    report = native.report()
    records = native.records()
    skipped = int(report.get("skipped_count", 0) or 0)
    # The head row's problems also carry the first records of columns new to the schema.
    problems = json.dumps({"skipped": list(report.get("skipped", []))[:MAX_PROBLEMS],
                           "first_new": [list(f) for f in report.get("first_new", [])]})
    outputs = sink.finish()
    if plan.task_hook is not None:
        plan.task_hook(partition, len(outputs))
    # The first row of a partition carries its record counts; the others only files.
    # A table's dataset folder is named like its file (`orders_items`), not its table.
    rows: List[ResultRow] = [(partition, attempt_dir, os.path.splitext(os.path.basename(path))[0],
                              os.path.basename(path), n, 0, 0, "[]")
                             for _table, path, n in outputs]
    head = (partition, attempt_dir, None, None, 0, records, skipped, problems)
    return [head] + rows


# -- the driver's commit -------------------------------------------------------------

def commit(plan: Plan, output: str, results: Iterable[Sequence[Any]]) -> "JobResult":
    """Moves the kept attempts' files into place; returns each table's rows, files and
    schema (also written to ``_schema.json``).

    Parquet parts are named again first (tables by the array path owning them, columns
    by their source path, in input order) and brought to one type per column, so the
    job's tables are the ones a single run over its inputs gives."""
    ext = _EXTENSIONS[plan.output_format]
    kept: Dict[int, str] = {}
    # (partition, position in its task's result, stem, file path, rows)
    parts: List[Tuple[int, int, str, str, int]] = []
    records = skipped = 0
    problems: List[str] = []
    first_new: List[Tuple[int, str, str, str]] = []
    for seq, (partition, attempt_dir, stem, fname, n, recs, skip, probs) in enumerate(results):
        # One attempt per partition; a second one would be a scheduler bug, not data.
        if kept.setdefault(partition, attempt_dir) != attempt_dir:
            continue
        if stem is None:
            records += int(recs)
            skipped += int(skip)
            head = json.loads(probs)
            problems.extend(head["skipped"])
            first_new.extend((int(partition), *f) for f in head["first_new"])
        else:
            parts.append((int(partition), seq, stem, os.path.join(attempt_dir, fname), int(n)))
    parts.sort()
    renamed: List[Dict[str, str]] = []
    schemas: Dict[str, Any] = {}
    groups: List[Tuple[str, List[int]]] = []
    if plan.output_format == "parquet":
        separator = plan.engine_options.get("separator") or "_"
        named, tables_renamed = _native.job_tables([p[3] for p in parts], separator, plan.schema_text)
        renamed.extend(dict(zip(("table", "path", "wanted", "given"), r)) for r in tables_renamed)
        for table, stem, members in named:
            schemas[stem], names = harmonize([parts[i][3] for i in members], plan.sink_options, stem, separator,
                                             plan.schema_text, table)
            renamed.extend(names)
            groups.append((stem, members))
    else:
        by_stem: Dict[str, List[int]] = {}
        for i, part in enumerate(parts):
            by_stem.setdefault(part[2], []).append(i)
        groups = list(by_stem.items())
    updated_schema = drift = None
    if plan.schema_file is not None:
        # Partitions in input order: a new column's first record is in the earliest.
        first_new.sort(key=lambda f: f[0])
        updated_schema, drift_text = _native.job_schema(
            plan.entity, plan.engine_options, plan.schema_text,
            [(table, [parts[i][3] for i in members]) for table, _stem, members in named],
            [f[1:] for f in first_new])
        drift = None if drift_text is None else json.loads(drift_text)
    # The dataset is assembled in a sibling folder and then replaces the output folder
    # in one step: a reader (or a driver killed here) sees the old dataset or the new.
    target_dir = os.path.realpath(output)
    schema_inside = plan.schema_file is not None and \
        os.path.dirname(os.path.realpath(plan.schema_file)) == target_dir
    stage = os.path.join(os.path.dirname(target_dir),
                         f".{os.path.basename(target_dir)}.transmog-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    os.makedirs(stage)
    try:
        tables: Dict[str, TableOutput] = {}
        for stem, members in sorted(groups, key=lambda g: (g[0] != plan.entity, g[0])):
            os.makedirs(os.path.join(stage, stem), exist_ok=True)
            dest = []
            for i in members:
                partition, _seq, _stem, src, _n = parts[i]
                name = f"part-{partition:05d}.{ext}"
                os.replace(src, os.path.join(stage, stem, name))
                dest.append(os.path.join(output, stem, name))
            rows = sum(parts[i][4] for i in members)
            tables[stem] = TableOutput(path=os.path.join(output, stem), rows=rows, files=dest,
                                       schema=schemas.get(stem))
        result = JobResult(output=output, entity=plan.entity, records=records, skipped=skipped,
                           problems=problems[:MAX_PROBLEMS], tables=tables, renamed=renamed,
                           notes=list(plan.notes), schema_file=plan.schema_file, schema_drift=drift)
        if schema_inside:
            # Committed with the dataset: the old file is replaced with the folder.
            with open(os.path.join(stage, os.path.basename(plan.schema_file)), "w", encoding="utf-8") as fh:
                fh.write(updated_schema)
        for note in plan.notes:
            _log.warning("%s", note)
        with open(os.path.join(stage, SCHEMA_FILE), "w", encoding="utf-8") as fh:
            json.dump(result.summary(), fh, indent=2)
        open(os.path.join(stage, SUCCESS_FILE), "w").close()
        _native.replace_dir(stage, target_dir)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    if plan.schema_file is not None and not schema_inside:
        # After the dataset: a job killed in between leaves the schema it started from,
        # under which a rerun names every field as this job did.
        _native.write_atomically(plan.schema_file, updated_schema.encode("utf-8"))
    return result


def abort(output: str) -> None:
    shutil.rmtree(os.path.join(output, TEMP_DIR), ignore_errors=True)


@dataclass
class TableOutput:
    """One table of a distributed run: a folder of part files."""

    path: str
    rows: int
    files: List[str]
    schema: Any  # pyarrow.Schema for Parquet output, else None


@dataclass
class JobResult(Mapping[str, TableOutput]):
    """What a distributed run wrote: ``result[table]`` is a :class:`TableOutput`;
    ``records`` counts the records flattened, ``skipped`` the bad ones a lenient
    recovery strategy skipped (their first reasons in ``problems``)."""

    output: str
    entity: str
    records: int
    skipped: int
    problems: List[str]
    tables: Dict[str, TableOutput]
    #: Columns renamed because another source path claimed their name first.
    renamed: List[Dict[str, str]] = field(default_factory=list)
    #: What bounded the job's parallelism: inputs larger than a partition read whole.
    notes: List[str] = field(default_factory=list)
    #: The schema file the job started from and updated (``config.with_schema``).
    schema_file: Optional[str] = None
    #: What changed against it: new tables and columns (with the first record that had
    #: each), widened types, saved tables and columns without values. None without one.
    schema_drift: Optional[Dict[str, Any]] = None

    def __getitem__(self, key: str) -> TableOutput:
        return self.tables[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.tables)

    def __len__(self) -> int:
        return len(self.tables)

    def summary(self) -> Dict[str, Any]:
        return {
            "entity": self.entity,
            "records": self.records,
            "skipped": self.skipped,
            "problems": self.problems,
            "renamed": self.renamed,
            "notes": self.notes,
            "schema_drift": self.schema_drift,
            "tables": {
                stem: {"rows": t.rows, "files": len(t.files),
                       "columns": None if t.schema is None else
                       [{"name": f.name, "type": str(f.type)} for f in t.schema]}
                for stem, t in self.tables.items()
            },
        }


# -- one schema per table ------------------------------------------------------------

def harmonize(paths: List[str], sink_options: Dict[str, Any], table: str = "", separator: str = "_",
              schema_text: Optional[str] = None, saved_table: Optional[str] = None
              ) -> Tuple[Any, List[Dict[str, str]]]:
    """A table's parts (in input order) brought to one name and one type per column by
    the engine; returns the union schema (a ``pyarrow.Schema``) and the renamed columns.

    Each task named colliding columns on its own; the engine names them again in input
    order by their source paths, as one run over the same inputs does (the job's tables
    equal ``transmog convert``'s). Columns that one part typed differently from another
    (typed mode: ints here, text there) meet at the engine's widening lattice: int+float
    -> float64 while every int is within 2**53, any other mix -> text (``true``,
    ``1.5``). Parts that change are rewritten with the job's writer settings. With a
    schema file's content (``schema_text``), the columns its table ``saved_table`` holds
    keep their saved names."""
    import pyarrow as pa

    stream, renamed = _native.harmonize(table, list(paths), dict(sink_options), separator, schema_text,
                                        saved_table)
    return pa.schema(stream), [dict(zip(("table", "path", "wanted", "given"), r)) for r in renamed]
