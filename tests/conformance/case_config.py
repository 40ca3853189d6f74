"""A conformance case's options.json as a TransmogConfig of whichever ``transmog`` the
caller imported (ours, or the real 1.0.6 in the parity driver): one reading of the
options for every driver."""


def config_for(tm, o):
    """``tm``: the transmog module; ``o``: the parsed options.json."""
    cfg = tm.TransmogConfig.default()
    cfg.naming.separator = o["separator"]
    cfg.naming.deeply_nested_threshold = o["deeply_nested_threshold"]
    p = cfg.processing
    p.cast_to_string, p.include_empty, p.skip_null = o["cast_to_string"], o["include_empty"], o["skip_null"]
    p.visit_arrays, p.keep_arrays, p.max_depth = o["visit_arrays"], o["keep_arrays"], o["max_depth"]
    m = cfg.metadata
    m.id_field, m.parent_field, m.time_field = o["id_field"], o["parent_field"], o["time_field"]
    if o.get("id_mode") == "deterministic":
        m.default_id_field = o["id_source"]
    cfg.error_handling.recovery_strategy = o["recovery_strategy"]
    return cfg
