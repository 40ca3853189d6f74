"""Recovery strategies (1.0.6's ``transmog.error.recovery``).

A strategy decides what happens to data that cannot be processed: ``StrictRecovery``
raises, ``SkipAndLogRecovery`` logs and drops it, ``PartialProcessingRecovery`` keeps what
it can plus the error. ``TransmogConfig.with_error_handling(recovery_strategy=...)`` takes
a strategy object or its name (``"strict"``, ``"skip"``, ``"partial"``); the processor
consults it for records that are not objects (see ``transmog.process``).
"""

from __future__ import annotations

import functools
import logging
from abc import ABC, abstractmethod
from typing import Any, Callable, Dict, List, NoReturn, Optional, Type, TypeVar, Union

from .exceptions import FileError, ParsingError, ProcessingError, TransmogError

__all__ = ["RecoveryStrategy", "StrictRecovery", "SkipAndLogRecovery", "PartialProcessingRecovery",
           "with_recovery", "STRICT", "DEFAULT", "LENIENT"]

logger = logging.getLogger("transmog")

T = TypeVar("T")


def _entity(entity_name: Optional[str]) -> str:
    return f" for entity '{entity_name}'" if entity_name else ""


class RecoveryStrategy(ABC):
    """What to do with an error: re-raise it, or return a value to use instead."""

    @abstractmethod
    def recover(self, error: Exception, entity_name: Optional[str] = None, **kwargs: Any) -> Any:
        """Returns replacement data for the failed operation, or raises."""

    def recover_or_raise(self, func: Callable[..., T], *args: Any,
                         exception_type: Optional[Type[Exception]] = None,
                         entity_name: Optional[str] = None, **kwargs: Any) -> T:
        """Calls ``func(*args, **kwargs)``; an error (of ``exception_type``, if given) goes
        to :meth:`recover` as a ``ProcessingError``."""
        try:
            return func(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - handing errors to the strategy is the point
            if exception_type is not None and not isinstance(exc, exception_type):
                raise
            own = getattr(exc, "recover", None)
            if callable(own):
                return own()
            if isinstance(self, StrictRecovery) and isinstance(exc, TransmogError) \
                    and exc.recover_strategy == "strict":
                raise
            error = exc if isinstance(exc, ProcessingError) else ProcessingError(f"Error processing data: {exc}")
            return self.recover(error, entity_name=entity_name, **kwargs)


class StrictRecovery(RecoveryStrategy):
    """Fail fast: every error is raised again."""

    def recover(self, error: Exception, entity_name: Optional[str] = None, **kwargs: Any) -> NoReturn:
        raise error


class SkipAndLogRecovery(RecoveryStrategy):
    """Log the error and drop the data: ``None`` for a batch (``data`` is a list), an
    empty dict for a single record."""

    def __init__(self, log_level: int = logging.WARNING):
        self.log_level = log_level

    def recover(self, error: Exception, entity_name: Optional[str] = None,
                **kwargs: Any) -> Union[None, Dict[str, Any]]:
        where = _entity(entity_name)
        if isinstance(error, ParsingError):
            source = f" in {kwargs['source']}" if kwargs.get("source") else ""
            logger.log(self.log_level, f"Skipping record due to parsing error{source}{where}: {error}")
        elif isinstance(error, ProcessingError):
            logger.log(self.log_level, f"Skipping record due to processing error{where}: {error}")
        elif isinstance(error, FileError):
            path = f" with file '{kwargs['file_path']}'" if kwargs.get("file_path") else ""
            logger.log(self.log_level, f"Skipping file{path}: {error}")
        else:
            logger.log(self.log_level, f"Error processing data{where}: {error}")
        return None if isinstance(kwargs.get("data", {}), list) else {}


class PartialProcessingRecovery(RecoveryStrategy):
    """Keep what can be kept: a dict holding the error (``_error``/``error``) and, for a
    ``ProcessingError`` that carries data, that data (a dict's fields, else ``_value``);
    ``[]`` for a file error."""

    def __init__(self, log_level: int = logging.WARNING):
        self.log_level = log_level

    def recover(self, error: Exception, entity_name: Optional[str] = None,
                **kwargs: Any) -> Union[List[Any], Dict[str, Any]]:
        where = _entity(entity_name)
        text = str(error)
        if isinstance(error, (KeyError, IndexError, AttributeError)):
            logger.log(self.log_level,
                       f"Attempting partial recovery from {type(error).__name__}{where}:{error}")
            return {"_partial_error": text, "_error_type": type(error).__name__, "error": text}
        if isinstance(error, ParsingError):
            source = f" in {kwargs['source']}" if kwargs.get("source") else ""
            logger.log(self.log_level, f"Attempting partial recovery from parsing error{source}{where}: {error}")
            return {"_error": text, "error": text}
        if isinstance(error, ProcessingError):
            logger.log(self.log_level, f"Attempting partial recovery from processing error{where}: {error}")
            data = getattr(error, "data", None)
            if data is None:
                return {"_error": text, "error": text}
            if isinstance(data, dict):
                return {**data, "_error": text, "error": text}
            return {"_error": text, "_value": str(data), "error": text}
        if isinstance(error, FileError):
            path = f" with file '{kwargs['file_path']}'" if kwargs.get("file_path") else ""
            logger.log(self.log_level, f"Attempting partial recovery from file error{path}{where}: {error}")
            return []
        logger.log(self.log_level, f"Unable to recover from error{where}: {error}")
        return {"_error": text, "error": text}


STRICT = StrictRecovery()
DEFAULT = SkipAndLogRecovery()
LENIENT = PartialProcessingRecovery()


def with_recovery(strategy: Optional[RecoveryStrategy] = None, fallback_value: Any = None,
                  **options: Any) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Decorator: an error raised by the function goes to ``strategy`` (default strict);
    if the strategy raises too, ``fallback_value`` is returned when it is not None."""
    chosen = strategy or StrictRecovery()

    def decorate(func: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> T:
            try:
                return func(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001
                try:
                    return chosen.recover(exc, entity_name=kwargs.get("entity_name"),
                                          **{**options, **kwargs, "_func": func.__name__})
                except Exception:  # noqa: BLE001
                    if fallback_value is not None:
                        return fallback_value
                    raise
        return wrapper

    return decorate
