"""1.0.6 module path ``transmog.core.hierarchy``."""

from . import process_record_batch, process_records_in_single_pass, process_structure, stream_process_records

__all__ = ["process_record_batch", "process_records_in_single_pass", "process_structure", "stream_process_records"]
