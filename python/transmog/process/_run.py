"""Plumbing shared by every processing entry point: one engine per call, the call's
extraction timestamp, and what happens to records that are not objects."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, Iterator, Optional

from .. import _native
from ..error import (ConfigurationError, PartialProcessingRecovery, ProcessingError, SkipAndLogRecovery,
                     StrictRecovery)
from ..error.recovery import DEFAULT, LENIENT
from .result import ProcessingResult

_JSON_SCALARS = (str, int, float, bool)
_log = logging.getLogger("transmog")


class Stamp:
    """The extraction time of one call: ``value`` is what rows hand out, ``text`` what
    the engine writes into tables and files.

    As in 1.0.6, ``process()`` on in-memory data stamps rows with a tz-aware UTC
    ``datetime`` (``in_memory``); the other entry points with the text
    ``YYYY-MM-DD HH:MM:SS.ffffff``; a given ``extract_time`` is used as it is (any object;
    files get ``str()`` of objects that are not JSON scalars). Unlike 1.0.6 the time is
    fresh for every call and honoured by every entry point.
    """

    __slots__ = ("value", "text")

    def __init__(self, extract_time: Any = None, in_memory: bool = False):
        if extract_time is not None:
            value = extract_time
        elif in_memory:
            value = datetime.now(timezone.utc)
        else:
            value = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
        self.value = value
        self.text = value if isinstance(value, _JSON_SCALARS) else str(value)


def new_engine(config: Any, entity_name: Any, stamp: Stamp, **extra: Any) -> Any:
    if not isinstance(entity_name, str):
        raise ConfigurationError("entity_name must be a string", "entity_name", entity_name)
    opts = {**config._engine_options(stamp.text), **extra}
    if opts["id_mode"] == "custom":
        # Ids are replaced from Python after the run (custom_ids below).
        opts["id_mode"] = "random"
    return _native.Engine(entity_name, opts, compact=_low_memory(config), **config._schema_args())


def _low_memory(config: Any) -> bool:
    """Low-memory processing (``Processor.memory_optimized()``, ``optimize_for_memory``):
    the result holds its tables compressed past a few MiB, unpacked a batch at a time
    when read or written. Either of the two ``ProcessingMode`` enums counts."""
    processing = config.processing
    return getattr(processing.processing_mode, "name", None) == "LOW_MEMORY" or getattr(processing, "optimize_for_memory", None) is True


def finish(config: Any, engine: Any, entity_name: str, stamp: Stamp,
           source_info: Optional[Dict[str, Any]] = None) -> ProcessingResult:
    native = engine.finish()
    info = {**(source_info or {}), "record_count": native.records()}
    time_field = config.metadata.time_field
    result = ProcessingResult._from_native(native, entity_name, info,
                                           (time_field, stamp.text, stamp.value))
    if config._custom_ids():
        custom_ids(result, config)
    return result


def finish_stream(config: Any, engine: Any) -> None:
    """Ends a streaming run whose tables were all handed to a writer: with a schema file,
    the engine writes it updated, and the drift against it is logged (a streaming call
    returns no result to carry it)."""
    if not config._schema_args():
        return
    drift = engine.finish().report().get("schema_drift")
    if drift and any(drift.values()):
        _log.info("schema %s changed: %d new tables, %d new columns, %d widened, %d tables and %d columns "
                  "without values", config.schema.file, len(drift["new_tables"]), len(drift["new_columns"]),
                  len(drift["widened"]), len(drift["missing_tables"]), len(drift["missing_columns"]))


def _kind(item: Any) -> str:
    if isinstance(item, bool):
        return "boolean"
    if isinstance(item, (int, float)):
        return "number"
    if isinstance(item, str):
        return "string"
    if isinstance(item, (list, tuple)):
        return "array"
    return type(item).__name__


NONE_RECORD = "__original_entity"


def records(data: Iterable[Any], config: Any, entity_name: str) -> Iterator[Any]:
    """The records of ``data`` as the engine should see them.

    ``None`` is an empty record: one row of metadata and ``__original_entity`` (the
    entity name), as 1.0.6 gives in every recovery mode; its id is the engine's (1.0.6
    gave every such row the same id). Any other item that is not a dict is handed to the recovery strategy, as
    1.0.6 documents them: ``strict`` raises ``ProcessingError``; ``skip`` logs and drops
    it (the engine counts it in the report); ``partial`` keeps a row holding the error
    and the item's text (``_error``, ``_value``, ``error``: what
    ``PartialProcessingRecovery.recover`` returns); a strategy object of another class
    decides through its ``recover``: a raise propagates, a non-empty dict becomes the
    row, anything else drops the item.
    """
    strategy = config.error_handling.recovery_strategy
    if strategy == "strict" or isinstance(strategy, StrictRecovery):
        handler = None
    elif strategy == "skip" or isinstance(strategy, SkipAndLogRecovery):
        handler = "skip"
    elif strategy == "partial":
        handler, strategy = "keep", LENIENT
    else:
        handler = "keep"
    skip_logger = strategy if isinstance(strategy, SkipAndLogRecovery) else DEFAULT
    for index, item in enumerate(data):
        if type(item) is dict:  # noqa: E721 - the fast path; subclasses go below
            yield item
        elif item is None:
            yield {NONE_RECORD: entity_name}
        elif isinstance(item, dict) or handler is None:
            yield item  # the engine accepts dict subclasses and raises for the rest
        else:
            error = ProcessingError(f"record {index}: expected a JSON object as record, found {_kind(item)}",
                                    entity_name, data=item)
            if handler == "skip":
                skip_logger.recover(error, entity_name=entity_name, data=item)
                yield item  # dropped (and counted) by the engine
                continue
            row = strategy.recover(error, entity_name=entity_name, data=item, record_index=index)
            if isinstance(row, dict) and row:
                yield row


def custom_ids(result: ProcessingResult, config: Any) -> None:
    """1.0.6's ``id_generation_strategy``: id = ``str(fn(row without metadata))``, a
    random uuid4 when ``fn`` raises; parent ids follow their parents. Rows of ``None``
    records keep their id (1.0.6 did not ask ``fn`` for them)."""
    import uuid

    fn = config.metadata.id_generation_strategy
    m = config.metadata
    meta = {m.id_field, m.parent_field, m.time_field, "__array_field", "__array_index"}
    mapping: Dict[str, str] = {}

    none_row = {NONE_RECORD: result.entity_name}

    def fix(rows: Any) -> None:
        for row in rows:
            data = {k: v for k, v in row.items() if k not in meta}
            if data == none_row:
                continue
            try:
                new = str(fn(data))
            except Exception:  # noqa: BLE001 - 1.0.6 falls back to a random id
                new = str(uuid.uuid4())
            old = row.get(m.id_field)
            if old is not None:
                mapping[old] = new
            row[m.id_field] = new
            if m.parent_field in row:
                row[m.parent_field] = mapping.get(row[m.parent_field], row[m.parent_field])

    fix(result.main_table)
    for name in result.get_table_names():
        fix(result.get_child_table(name))
    result._python_rows = True
