"""Core processing functions (1.0.6's ``transmog.core``: ``.flattener``, ``.extractor``,
``.hierarchy``, ``.metadata``), all running on the Rust engine."""
