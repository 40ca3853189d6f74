"""Transmog on Dask: the same partition task and commit as ``transmog.spark``, scheduled
by dask (threads, processes or a distributed cluster).

    from transmog.dask import flatten
    result = flatten("data/*.jsonl.gz", "out", entity_name="orders")

Inputs are local (or shared-file-system) paths, globs or folders. Files are grouped
into partitions of about ``partition_bytes``; an uncompressed JSON Lines file larger
than that is split into byte ranges of ``partition_bytes``, a partition each; each partition
writes its part of every table, and the driver commits the parts into
``<output>/<table>/part-<partition>.parquet`` plus ``_schema.json``. Ids default to
``position``, equal to ``transmog convert --ids position`` on the same files.
"""

from __future__ import annotations

import os
import uuid
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from . import _scaleout
from ._scaleout import JobResult, TableOutput
from .config import TransmogConfig

__all__ = ["flatten", "JobResult", "TableOutput"]


def flatten(inputs: Union[str, Sequence[str]], output: str, entity_name: Optional[str] = None, *,
            config: Optional[TransmogConfig] = None, ids: str = "position", id_root: Optional[str] = None,
            input_format: str = "auto", csv_options: Optional[Dict[str, Any]] = None,
            output_format: str = "parquet", mode: str = "error", chunk_size: int = 10000,
            extract_time: Any = None,
            partition_bytes: int = 128 << 20, scheduler: Optional[str] = None,
            _task_hook: Optional[Callable[[int, int], None]] = None, **format_options: Any) -> JobResult:
    """Flattens ``inputs`` with dask into ``output``; returns the tables written.

    Options as for :func:`transmog.spark.flatten`; ``partition_bytes`` sizes the
    partitions and ``scheduler`` is passed to ``dask.compute`` (default: dask's own).
    """
    import dask
    import dask.bag as db

    patterns = [inputs] if isinstance(inputs, str) else list(inputs)
    files = _scaleout.expand_local(patterns)
    root = id_root if id_root is not None else _scaleout.static_root(patterns)
    if ids == "position":
        _scaleout.check_origins(files, root)
    entity = entity_name or os.path.basename(files[0]).split(".", 1)[0] or "entity"
    groups = _scaleout.partitions(files, partition_bytes, input_format, csv_options)
    plan = _scaleout.make_plan(
        output, entity, mode=mode, config=config, ids=ids, input_format=input_format, csv_options=csv_options,
        output_format=output_format, chunk_size=chunk_size, root=root, format_options=format_options,
        extract_time=extract_time, task_hook=_task_hook)
    plan.notes = _scaleout.whole_file_notes(groups, partition_bytes)
    try:
        # maps="auto": decided once here, from the first records, for every task.
        _scaleout.decide_maps(plan, paths=files)
        bag = db.from_sequence(list(enumerate(groups)), npartitions=len(groups))
        (rows,) = dask.compute(bag.map_partitions(_task, plan), scheduler=scheduler)
        return _scaleout.commit(plan, plan.output, rows)
    except BaseException:
        _scaleout.abort(plan.output)
        raise


def _task(items: List[Tuple[int, List[_scaleout.Part]]], plan: _scaleout.Plan) -> List[Any]:
    rows: List[Any] = []
    for partition, group in items:
        # A fresh name per attempt: a retried task never writes over another attempt.
        attempt = uuid.uuid4().hex
        rows.extend(_scaleout.run_partition(plan, partition, attempt, ((f, None, r) for f, r in group)))
    return rows
