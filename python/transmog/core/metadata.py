"""1.0.6 module path ``transmog.core.metadata``."""

from . import annotate_with_metadata, create_batch_metadata, generate_extract_id, get_current_timestamp

__all__ = ["annotate_with_metadata", "create_batch_metadata", "generate_extract_id", "get_current_timestamp"]
