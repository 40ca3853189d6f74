"""1.0.6's ``transmog.config.process``: a second, stand-alone ``ProcessingConfig`` (with
memory options) and a string-valued ``ProcessingMode``. ``TransmogConfig`` uses the ones
in ``transmog.config``, as 1.0.6 does."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Dict, Optional

__all__ = ["ProcessingMode", "ProcessingConfig"]


class ProcessingMode(str, Enum):
    STANDARD = "standard"
    HIGH_PERFORMANCE = "high_performance"
    LOW_MEMORY = "low_memory"


@dataclass
class ProcessingConfig:
    cast_to_string: bool = True
    include_empty: bool = False
    skip_null: bool = True
    visit_arrays: bool = False
    batch_size: int = 1000
    processing_mode: ProcessingMode = ProcessingMode.STANDARD
    optimize_for_memory: Optional[bool] = None
    optimize_for_performance: Optional[bool] = None
    memory_threshold: Optional[int] = None
    memory_tracking_enabled: bool = False
    additional_options: Dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.processing_mode, str) and not isinstance(self.processing_mode, ProcessingMode):
            try:
                self.processing_mode = ProcessingMode(self.processing_mode.lower())
            except ValueError:
                self.processing_mode = ProcessingMode.STANDARD
        if self.processing_mode == ProcessingMode.STANDARD:
            if self.optimize_for_memory:
                self.processing_mode = ProcessingMode.LOW_MEMORY
            elif self.optimize_for_performance:
                self.processing_mode = ProcessingMode.HIGH_PERFORMANCE
        if self.memory_threshold is None:
            self.memory_threshold = 100 * 1024 * 1024
