"""Errors raised by the Rust engine arrive as Transmog 1.0.6's exception classes with
the fields 1.0.6 fills (not only a message), one class per kind of fault."""

import os

import pytest

import transmog as tm
from transmog import _native


def test_bad_json_line_is_a_parsing_error_with_source_and_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"a": 1}\n{"a": 2}\n{"a":\n')
    with pytest.raises(tm.ParsingError) as info:
        tm.Processor().process_file(str(path), entity_name="t")
    assert info.value.source == str(path)
    assert info.value.line == 3
    assert "EOF while parsing" in str(info.value)


def test_broken_json_array_is_a_parsing_error_with_its_line(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('[{"a": 1},\n {"a": 2}\n {"a": 3}]')
    with pytest.raises(tm.ParsingError) as info:
        tm.Processor().process_file(str(path), entity_name="t")
    assert info.value.source == str(path)
    assert info.value.line == 3


def test_unreadable_input_is_a_file_error_with_path_and_operation(tmp_path):
    missing = str(tmp_path / "gone.jsonl")
    engine = _native.Engine("t", {})
    with pytest.raises(tm.FileError) as info:
        engine.push_file(missing, "auto")
    assert info.value.file_path == missing
    assert info.value.operation == "read"


def test_bad_writer_option_is_a_configuration_error_with_param_and_value(tmp_path):
    result = tm.Processor().process([{"a": 1}], entity_name="t")
    with pytest.raises(tm.ConfigurationError) as info:
        result.stream_to_parquet(str(tmp_path), compression="lzo")
    assert (info.value.param, info.value.value) == ("compression", "lzo")


def test_bad_engine_option_is_a_configuration_error_with_param_and_value():
    with pytest.raises(tm.ConfigurationError) as info:
        _native.Engine("t", {"id_mode": "uuid7"})
    assert (info.value.param, info.value.value) == ("id_mode", "uuid7")


def test_unwritable_output_is_an_output_error_with_format_and_path(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    with pytest.raises(tm.OutputError) as info:
        _native.Sink(str(blocker), "parquet", {})
    assert info.value.format == "parquet"  # 1.0.6 keeps output_format as .format
    assert info.value.path is not None and os.fspath(blocker) in info.value.path


def test_record_that_is_not_an_object_is_a_processing_error_with_the_entity():
    with pytest.raises(tm.ProcessingError) as info:
        tm.Processor().process([{"a": 1}, 5], entity_name="orders")
    assert info.value.entity_name == "orders"
    assert "record 1" in str(info.value)


def test_the_type_stubs_list_every_name_of_the_native_module():
    """python/transmog/_native.pyi declares every public function, class and method."""
    import ast
    import inspect
    from pathlib import Path

    import transmog._native as native

    tree = ast.parse((Path(native.__file__).parent / "_native.pyi").read_text())
    declared = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            declared[node.name] = None
        elif isinstance(node, ast.ClassDef):
            declared[node.name] = {n.name for n in node.body if isinstance(n, ast.FunctionDef)}
        elif isinstance(node, ast.AnnAssign):
            declared[node.target.id] = None
    public = [n for n in dir(native) if not n.startswith("_")]
    assert sorted(set(public) - set(declared)) == []
    for name in public:
        obj = getattr(native, name)
        if inspect.isclass(obj):
            methods = {m for m in vars(obj) if not m.startswith("_") or m.startswith("__arrow")}
            assert methods <= declared[name], (name, sorted(methods - declared[name]))
