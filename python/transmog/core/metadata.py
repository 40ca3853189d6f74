"""Ids and timestamps (1.0.6's ``transmog.core.metadata``). The deterministic id is the
engine's rule (``transmog._native.deterministic_id``)."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional, Union

from .. import _native

__all__ = ["TRANSMOG_NAMESPACE", "generate_extract_id", "generate_deterministic_id", "generate_composite_id",
           "get_current_timestamp", "annotate_with_metadata", "create_batch_metadata"]

logger = logging.getLogger(__name__)

#: The uuid5 namespace of deterministic ids.
TRANSMOG_NAMESPACE = uuid.UUID("a9b8c7d6-e5f4-1234-abcd-0123456789ab")


def generate_extract_id(record: Optional[Dict[str, Any]] = None, source_field: Optional[str] = None,
                        id_generation_strategy: Optional[Callable[[Dict[str, Any]], str]] = None) -> str:
    """An id for ``record``: ``str(id_generation_strategy(record))`` (random when it
    raises), else the deterministic id of a truthy ``record[source_field]``, else a random
    uuid4."""
    if id_generation_strategy is not None and record is not None:
        try:
            return str(id_generation_strategy(record))
        except Exception:  # noqa: BLE001 - 1.0.6 falls back to a random id
            return str(uuid.uuid4())
    if record is not None and source_field is not None:
        try:
            value = record.get(source_field)
        except Exception as exc:  # noqa: BLE001
            logger.debug(f"Error generating deterministic ID: {exc}")
            value = None
        if value:
            return generate_deterministic_id(value)
    return str(uuid.uuid4())


def generate_deterministic_id(value: Any) -> str:
    """uuid5 of ``str(value).strip().lower()`` in ``TRANSMOG_NAMESPACE``."""
    return _native.deterministic_id(str(value))


def generate_composite_id(values: Dict[str, Any], fields: List[str]) -> str:
    """Deterministic id of the ``fields`` of ``values`` (sorted by name, ``|``-joined)."""
    return generate_deterministic_id("|".join(str(values.get(f, "")) for f in sorted(fields)))


def get_current_timestamp(format_string: Optional[str] = None, as_string: bool = True) -> Any:
    """Now in UTC: ``YYYY-MM-DD HH:MM:SS.ffffff`` (or ``format_string``), or the
    ``datetime`` when not ``as_string``. Fresh on every call (1.0.6 memoized the first
    value for the life of the process)."""
    now = datetime.now(timezone.utc)
    if not as_string:
        return now
    return now.strftime(format_string or "%Y-%m-%d %H:%M:%S.%f")


def _no_cache() -> None:
    """1.0.6's function was an ``lru_cache``; nothing is cached here, so clearing is a
    no-op."""


get_current_timestamp.cache_clear = _no_cache  # type: ignore[attr-defined]


def annotate_with_metadata(record: Dict[str, Any], parent_id: Optional[str] = None,
                           extract_id: Optional[str] = None, extract_time: Optional[Any] = None,
                           id_field: str = "__extract_id", parent_field: str = "__parent_extract_id",
                           time_field: str = "__extract_datetime", extra_fields: Optional[Dict[str, Any]] = None,
                           in_place: bool = False, source_field: Optional[str] = None,
                           id_generation_strategy: Optional[Callable[[Dict[str, Any]], str]] = None
                           ) -> Dict[str, Any]:
    """``record`` (a copy unless ``in_place``) with id, parent id (when given), time and
    ``extra_fields`` added."""
    out = record if in_place else dict(record)
    if extract_id is None:
        extract_id = generate_extract_id(out, source_field, id_generation_strategy)
    out[id_field] = extract_id
    if parent_id is not None:
        out[parent_field] = parent_id
    out[time_field] = get_current_timestamp() if extract_time is None else extract_time
    if extra_fields:
        out.update(extra_fields)
    return out


def create_batch_metadata(batch_size: int, extract_time: Optional[Any] = None, parent_id: Optional[str] = None,
                          records: Optional[List[Dict[str, Any]]] = None, source_field: Optional[str] = None,
                          id_generation_strategy: Optional[Callable[[Dict[str, Any]], str]] = None
                          ) -> Dict[str, Union[str, Any]]:
    """``{"batch_id", "batch_size", "extract_time"[, "parent_id"]}`` for a batch; the id
    comes from the first record when an id rule is given."""
    if records and (source_field or id_generation_strategy):
        batch_id = generate_extract_id(records[0], source_field, id_generation_strategy)
    else:
        batch_id = str(uuid.uuid4())
    meta: Dict[str, Any] = {"batch_id": batch_id, "batch_size": batch_size,
                            "extract_time": get_current_timestamp() if extract_time is None else extract_time}
    if parent_id:
        meta["parent_id"] = parent_id
    return meta
