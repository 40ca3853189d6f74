"""Transmog inside Apache Spark: each task runs the Rust engine on its partition and
writes its part of every table; the driver commits the parts into one dataset per table.

    from transmog.spark import flatten
    result = flatten(spark, "data/*.jsonl.gz", "out", entity_name="orders")
    spark.read.option("mergeSchema", "true").parquet("out/orders")

Inputs are JSON Lines / JSON / CSV files (plain, gzip or zstd), named by paths or globs
on any file system Spark reads, or a DataFrame with a column of JSON texts. Each table
lands in ``<output>/<table>/part-<partition>.parquet``; ``<output>/_schema.json`` holds
every table's union schema and row count. Local inputs are streamed from disk by the
engine; remote ones arrive as whole files through Spark's ``binaryFile`` source.

Ids default to ``position``: uuid5 of the input's name (its path under the inputs'
common folder, else its file name) and the byte offset of the record in it, so a job
gives the same ids as ``transmog convert --ids position`` on the same files and the
same ids whatever the partitioning, the splits or the number of retries. Uncompressed
JSON Lines files larger than ``spark.sql.files.maxPartitionBytes`` are split into byte
ranges of that size (at least 64 KiB), a task each.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Sequence, Union

from . import _scaleout
from ._scaleout import JobResult, TableOutput
from .config import TransmogConfig
from .error import ConfigurationError

__all__ = ["flatten", "JobResult", "TableOutput"]

_RESULT_SCHEMA = ("partition long, attempt_dir string, `table` string, file string, rows long, "
                  "records long, skipped long, problems string")


def flatten(spark: Any, inputs: Union[str, Sequence[str], Any], output: str,
            entity_name: Optional[str] = None, *, config: Optional[TransmogConfig] = None,
            ids: Optional[str] = None, id_root: Optional[str] = None, input_format: str = "auto",
            csv_options: Optional[Dict[str, Any]] = None, json_column: Optional[str] = None,
            output_format: str = "parquet", mode: str = "error", chunk_size: int = 10000,
            extract_time: Any = None,
            _task_hook: Optional[Callable[[int, int], None]] = None,
            **format_options: Any) -> JobResult:
    """Flattens ``inputs`` with Spark into ``output``; returns the tables written.

    ``inputs``: a path, glob or list of them, or a DataFrame (then ``json_column``, or
    its only column, holds one JSON record per row). ``config``: a ``TransmogConfig``
    (naming, casting, metadata field names, recovery strategy). ``ids``: ``position``
    (default for files), ``hash`` (uuid5 of the content; the default for DataFrames,
    whose rows have no stable position), ``field`` (the config's ``default_id_field``) or
    ``random``. ``id_root``: the folder position ids name inputs relative to (default:
    the inputs' common folder). ``mode``: ``error`` if ``output`` is not empty, or
    ``overwrite``. ``extract_time``: the time column's value (default: the job's start,
    UTC, the same in every task). Other keyword arguments are writer options (``compression``,
    ``row_group_size``, ``write_page_index``, ...), as for the streaming writers.
    """
    is_frame = hasattr(inputs, "mapInArrow")
    ids = ids or ("hash" if is_frame else "position")
    if is_frame and ids == "position":
        raise ConfigurationError("a DataFrame's rows have no stable position; use ids='hash' or 'field'",
                                 "ids", ids)
    patterns = [] if is_frame else ([inputs] if isinstance(inputs, str) else list(inputs))
    if not is_frame and not patterns:
        raise ConfigurationError("no inputs given", "inputs", inputs)
    root = id_root if id_root is not None else _scaleout.static_root(patterns)
    if not is_frame:
        listing = spark.read.format("binaryFile").load(patterns)
        uris = sorted(r.path for r in listing.select("path").collect())
        if not uris:
            raise ConfigurationError(f"no input files match {patterns}", "inputs", inputs)
        if ids == "position":
            _scaleout.check_origins(uris, root)
        entity = entity_name or _stem(uris[0])
    else:
        entity = entity_name or "entity"
    plan = _scaleout.make_plan(
        output, entity, mode=mode, config=config, ids=ids, input_format=input_format, csv_options=csv_options,
        output_format=output_format, chunk_size=chunk_size, root=root, format_options=format_options,
        extract_time=extract_time, task_hook=_task_hook)
    try:
        if is_frame:
            frame = inputs.select(json_column) if json_column else inputs
            if len(frame.columns) != 1:
                raise ConfigurationError(f"pick the JSON column with json_column= (columns: {frame.columns})",
                                         "json_column", json_column)
            # maps="auto": decided here, from the first rows, for every task.
            if plan.engine_options.get("maps") == "auto":
                _scaleout.decide_maps(plan, texts=[r[0] for r in frame.limit(_SAMPLE).collect()])
            rows = frame.mapInArrow(_json_task(plan, frame.columns[0]), _RESULT_SCHEMA).collect()
        elif any(_scaleout.local_path(u) is None for u in uris):
            if plan.engine_options.get("maps") == "auto":
                # The first lines of the first file (JSON Lines; a remote JSON array
                # document is not sampled).
                lines = spark.read.text(uris[0]).limit(_SAMPLE).collect()
                _scaleout.decide_maps(plan, texts=[r[0] for r in lines])
            # Remote files reach the tasks through Spark's binaryFile source.
            frame = listing.select("path", "content")
            rows = frame.mapInArrow(_file_task(plan), _RESULT_SCHEMA).collect()
        else:
            # Local files are streamed by the engine: Spark never reads their content.
            # Partitions are planned here, consecutive files up to Spark's
            # maxPartitionBytes each, so they cover the inputs in order.
            limit = _size_conf(spark, "spark.sql.files.maxPartitionBytes", 128 << 20)
            groups = _scaleout.partitions(uris, limit, plan.input_format, plan.csv_options)
            plan.notes = _scaleout.whole_file_notes(groups, limit)
            _scaleout.decide_maps(plan, paths=[_scaleout.local_path(u) for u in uris])
            rdd = spark.sparkContext.parallelize(list(enumerate(groups)), len(groups))
            rows = rdd.mapPartitions(_group_task(plan)).collect()
        return _scaleout.commit(plan, plan.output, [tuple(r) for r in rows])
    except BaseException:
        _scaleout.abort(plan.output)
        raise


# Records the driver samples for maps="auto" (the engine's own sample size).
_SAMPLE = 1000


def _size_conf(spark: Any, key: str, default: int) -> int:
    """A byte size from Spark's configuration (`134217728`, `128m`, `64k`, ...)."""
    text = str(spark.conf.get(key, str(default))).strip().lower().rstrip("b")
    scale = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}.get(text[-1:], 1)
    number = text[:-1] if scale > 1 else text
    try:
        return max(1, int(float(number) * scale))
    except ValueError:
        return default


def _group_task(plan: _scaleout.Plan) -> Callable[[Any], Any]:
    def run(items: Any) -> Any:
        from pyspark import TaskContext

        attempt = str(TaskContext.get().taskAttemptId())
        for partition, group in items:
            yield from _scaleout.run_partition(plan, partition, attempt, ((f, None, r) for f, r in group))

    return run


def _stem(uri: str) -> str:
    name = uri.rstrip("/").rsplit("/", 1)[-1]
    return name.split(".", 1)[0] or "entity"


def _context() -> Any:
    from pyspark import TaskContext

    ctx = TaskContext.get()
    return ctx.partitionId(), str(ctx.taskAttemptId())


def _to_batch(rows: Any) -> Any:
    import pyarrow as pa

    cols = list(zip(*rows))
    types = [pa.int64(), pa.string(), pa.string(), pa.string(), pa.int64(), pa.int64(), pa.int64(), pa.string()]
    return pa.RecordBatch.from_arrays([pa.array(list(c), t) for c, t in zip(cols, types)],
                                      names=list(_scaleout.RESULT_COLUMNS))


def _file_task(plan: _scaleout.Plan) -> Callable[[Any], Any]:
    def run(batches: Any) -> Any:
        partition, attempt = _context()

        def files() -> Any:
            for batch in batches:
                paths = batch.column("path").to_pylist()
                contents = (batch.column("content").to_pylist() if "content" in batch.schema.names
                            else [None] * len(paths))
                yield from zip(paths, contents)

        yield _to_batch(_scaleout.run_partition(plan, partition, attempt, files()))

    return run


def _json_task(plan: _scaleout.Plan, column: str) -> Callable[[Any], Any]:
    def run(batches: Any) -> Any:
        partition, attempt = _context()
        texts = (b.column(0).to_pylist() for b in batches)
        yield _to_batch(_scaleout.run_json_partition(plan, partition, attempt, texts, column))

    return run
