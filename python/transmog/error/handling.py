"""Error-handling helpers (1.0.6's ``transmog.error.handling``)."""

from __future__ import annotations

import functools
import json
import logging
import traceback
from typing import Any, Callable, Optional, Tuple, TypeVar, Union

from .exceptions import MissingDependencyError, ParsingError, ProcessingError, TransmogError, ValidationError
from .recovery import RecoveryStrategy

__all__ = ["setup_logging", "safe_json_loads", "check_dependency", "require_dependency", "error_context",
           "try_with_recovery", "validate_input", "logger", "RecoveryStrategy"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")
F = TypeVar("F", bound=Callable[..., Any])


def setup_logging(level: int = logging.INFO, log_file: Optional[str] = None,
                  log_format: Optional[str] = None) -> None:
    """Sends the ``transmog`` logger's records to stderr (and ``log_file``), replacing
    its handlers."""
    if log_format is None:
        log_format = ("%(asctime)s - %(name)s - %(levelname)s - %(message)s" if log_file
                      else "%(levelname)s: %(message)s")
    root = logging.getLogger("transmog")
    root.setLevel(level)
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    handlers: list = [logging.StreamHandler()]
    if log_file:
        try:
            handlers.append(logging.FileHandler(log_file))
        except Exception as exc:  # noqa: BLE001 - a log file is optional
            root.warning(f"Failed to create log file at {log_file}: {exc}")
    for handler in handlers:
        handler.setLevel(level)
        handler.setFormatter(logging.Formatter(log_format))
        root.addHandler(handler)


def safe_json_loads(s: Union[str, bytes]) -> Any:
    """``json.loads`` whose failures are ``ParsingError``s naming line and column."""
    try:
        if isinstance(s, (bytes, bytearray)):
            try:
                return json.loads(bytes(s).decode("utf-8", errors="replace"))
            except Exception as exc:
                raise ParsingError(f"Failed to decode bytes: {exc}") from exc
        return json.loads(s)
    except json.JSONDecodeError as exc:
        raise ParsingError(f"Invalid JSON format at line {exc.lineno}, column {exc.colno}: {exc}") from exc
    except ParsingError:
        raise
    except Exception as exc:
        raise ParsingError(f"JSON parsing error: {exc}") from exc


def check_dependency(package_name: str, feature: Optional[str] = None) -> bool:
    """True when ``package_name`` can be imported."""
    try:
        __import__(package_name)
        return True
    except ImportError:
        return False


def require_dependency(package_name: str, feature: Optional[str] = None) -> None:
    """Raises ``MissingDependencyError`` when ``package_name`` cannot be imported."""
    try:
        __import__(package_name)
    except ImportError as exc:
        raise MissingDependencyError(f"{package_name} is required but not installed", package=package_name,
                                     feature=feature or f"transmog.{package_name}") from exc


def _call_text(func: Callable, args: tuple, kwargs: dict) -> str:
    text = ", ".join([str(a) for a in args] + [f"{k}={v}" for k, v in kwargs.items()])
    return text if len(text) <= 100 else text[:97] + "..."


def error_context(context_message: str, wrap_as: Optional[Callable[[Exception], Exception]] = None,
                  reraise: bool = True, log_exceptions: bool = True) -> Callable[[F], F]:
    """Decorator: errors of the function are logged (``log_exceptions``), offered to a
    ``recovery_strategy`` keyword argument if the call has one, then re-raised
    (``reraise``): Transmog errors unchanged, others as ``wrap_as(error)`` (default
    ``ProcessingError(f"{context_message}: {error}")``). Without ``reraise`` the call
    returns None."""
    if wrap_as is None:
        def wrap_as(exc: Exception) -> Exception:
            return ProcessingError(f"{context_message}: {exc}")

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - wrapping is the point
                text = f"{context_message} in {func.__qualname__}({_call_text(func, args, kwargs)}): {exc}"
                if log_exceptions:
                    logger.error(text)
                    if not isinstance(exc, TransmogError):
                        logger.debug("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
                strategy = kwargs.get("recovery_strategy")
                if strategy and hasattr(strategy, "recover"):
                    path = kwargs.get("path_parts", [])
                    if not path and kwargs.get("parent_path"):
                        path = kwargs["parent_path"].split(kwargs.get("separator", "_"))
                    try:
                        recovered = strategy.recover(exc, path=path)
                        if recovered is not None:
                            return recovered
                    except Exception as again:  # noqa: BLE001
                        logger.error(f"Recovery failed: {again}. Original: {exc}")
                if not reraise:
                    return None
                if isinstance(exc, TransmogError):
                    raise
                wrapped = wrap_as(exc)
                if isinstance(wrapped, type):
                    raise wrapped(text) from exc
                raise wrapped from exc
        return wrapper  # type: ignore[return-value]

    return decorate


def try_with_recovery(func: Callable[..., T], recovery_func: Optional[Callable[[Exception], T]] = None,
                      recovery_strategy: Optional[RecoveryStrategy] = None, *func_args: Any,
                      **func_kwargs: Any) -> T:
    """Calls ``func``; on error tries ``recovery_strategy.recover``, then
    ``recovery_func(error)``, else raises."""
    try:
        return func(*func_args, **func_kwargs)
    except Exception as exc:  # noqa: BLE001
        if recovery_strategy is not None and hasattr(recovery_strategy, "recover"):
            try:
                return recovery_strategy.recover(exc)
            except Exception as again:  # noqa: BLE001
                logger.warning(f"Recovery strategy failed: {again}")
        if recovery_func is not None:
            return recovery_func(exc)
        raise


def validate_input(data: Any, expected_type: Union[type, Tuple[type, ...]], param_name: str,
                   allow_none: bool = False,
                   validation_func: Optional[Callable[[Any], Tuple[bool, Optional[str]]]] = None) -> None:
    """Raises ``ValidationError`` unless ``data`` is an ``expected_type`` (or None when
    allowed) and passes ``validation_func`` (which returns ``(ok, message)``)."""
    if data is None:
        if allow_none:
            return
        raise ValidationError(f"{param_name} must not be None")
    if not isinstance(data, expected_type):
        names = (expected_type.__name__ if isinstance(expected_type, type)
                 else " or ".join(t.__name__ for t in expected_type))
        raise ValidationError(f"{param_name} must be of type {names}, got {type(data).__name__}")
    if validation_func is not None:
        ok, message = validation_func(data)
        if not ok:
            raise ValidationError(f"Invalid {param_name}" + (f": {message}" if message else ""))
