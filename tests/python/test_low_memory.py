"""A low-memory processor (``Processor.memory_optimized()``) holds its result's tables
compressed past a few MiB and unpacks them a batch at a time: every way of reading or
writing the result gives what the same run held plainly gives."""

import json
import os

import pyarrow.parquet as pq

import transmog as tm

TIME = "2024-01-02 03:04:05.000006"


def order(i):
    return {
        "id": i,
        "customer": {"name": f"customer {i % 97}", "email": f"c{i}@example.com", "vip": i % 5 == 0},
        "total": round(i * 1.37, 2) if i % 11 else None,
        "note": "é" * (i % 4) or None,
        "items": [{"sku": f"SKU-{i}-{k}", "qty": k + 1, "price": k * 0.5 + 1,
                   "tags": [f"t{(i + k) % 7}"] * (k % 3)} for k in range(i % 4)],
        "late": {"x": i} if i > 15000 else None,
    }


def run(config, records, tmp_path, name):
    result = tm.Processor(config.with_metadata(id_generation_strategy="hash")).process_chunked(
        records, entity_name="orders", extract_time=TIME, chunk_size=1000)
    files = result.stream_to_parquet(base_path=str(tmp_path / name), compression="zstd", row_group_size=3000)
    tables = {key: pq.read_table(path) for key, path in files.items()}
    return result, tables


def test_a_compressed_result_reads_and_writes_as_the_plain_one(tmp_path):
    records = [order(i) for i in range(50000)]
    plain, plain_files = run(tm.TransmogConfig.default(), records, tmp_path, "plain")
    packed, packed_files = run(tm.TransmogConfig.memory_optimized(), records, tmp_path, "packed")

    plain_bytes, plain_packed, plain_batches = plain._native.held()
    kept, squeezed, batches = packed._native.held()
    assert plain_packed == 0 and plain_batches == 0
    # Past the budget every batch is compressed, to well under its plain size.
    assert batches > 10
    assert squeezed < (plain_bytes - kept) / 2

    assert packed.get_table_names() == plain.get_table_names()
    assert packed.get_main_table() == plain.get_main_table()
    for name in plain.get_table_names():
        assert packed.get_child_table(name) == plain.get_child_table(name), name
    assert {k: t.to_pylist() for k, t in packed.to_pyarrow_tables().items()} == \
        {k: t.to_pylist() for k, t in plain.to_pyarrow_tables().items()}
    assert packed_files.keys() == plain_files.keys()
    for key, table in plain_files.items():
        assert packed_files[key].equals(table), key
    # The column first seen late is in the one file, null in the rows before it.
    main = packed_files["main"]
    assert main.column("late_x").null_count == 15001
    # Rows rebuilt into records, and the CSV files, agree too.
    assert packed.to_dict() == plain.to_dict()
    csv_plain = plain.write_all_csv(str(tmp_path / "csv-plain"))
    csv_packed = packed.write_all_csv(str(tmp_path / "csv-packed"))
    for key, path in csv_plain.items():
        with open(path, "rb") as a, open(csv_packed[key], "rb") as b:
            assert a.read() == b.read(), key


def test_a_small_low_memory_result_stays_plain():
    result = tm.Processor.memory_optimized().process_batch([order(i) for i in range(200)], entity_name="o")
    plain, packed, batches = result._native.held()
    assert plain > 0 and packed == 0 and batches == 0
    assert len(result.get_main_table()) == 200
    assert json.loads(json.dumps(result.get_main_table()[0], default=str))["id"] == "0"


def test_the_streaming_writer_takes_a_compressed_result(tmp_path):
    from transmog.io import create_streaming_writer

    records = [order(i) for i in range(50000)]
    config = tm.TransmogConfig.memory_optimized().with_metadata(id_generation_strategy="hash")
    result = tm.Processor(config).process_chunked(records, entity_name="orders", extract_time=TIME)
    assert result._native.held()[2] > 0
    out = tmp_path / "stream"
    with create_streaming_writer("parquet", destination=str(out), entity_name="orders") as writer:
        writer.write_main_records(result.get_main_table())
        for name in result.get_table_names():
            writer.initialize_child_table(name)
            writer.write_child_records(name, result.get_child_table(name))
    written = {f: pq.read_table(out / f).num_rows for f in os.listdir(out) if f.endswith(".parquet")}
    assert sum(written.values()) == len(result.get_main_table()) + sum(
        len(result.get_child_table(n)) for n in result.get_table_names())
