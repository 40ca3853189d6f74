//! Flattening throughput on generated orders, next to plain serde_json parsing of the
//! same bytes (the parse floor), all measured in one run.
//!
//! `cargo bench -p transmog-core --bench flatten` generates 20 000 orders with
//! `bench/gen_orders.py` (or uses the JSON Lines file named by TRANSMOG_BENCH_DATA).

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use divan::counter::BytesCount;
use divan::Bencher;
use transmog_core::{value, Config, Flattener, Location};

fn data() -> &'static Vec<u8> {
    static DATA: OnceLock<Vec<u8>> = OnceLock::new();
    DATA.get_or_init(|| {
        let path = match std::env::var_os("TRANSMOG_BENCH_DATA") {
            Some(p) => PathBuf::from(p),
            None => {
                let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
                let out = std::env::temp_dir().join("transmog-bench-orders-20k.jsonl");
                if !out.exists() {
                    let ok = Command::new("python3")
                        .arg(root.join("bench/gen_orders.py"))
                        .args(["--records", "20000", "--out"])
                        .arg(&out)
                        .status()
                        .map(|s| s.success())
                        .unwrap_or(false);
                    assert!(ok, "bench/gen_orders.py failed");
                }
                out
            }
        };
        std::fs::read(&path).expect("bench data")
    })
}

fn lines() -> impl Iterator<Item = &'static [u8]> {
    data().split(|b| *b == b'\n').filter(|l| !l.is_empty())
}

fn main() {
    divan::main();
}

/// serde_json, discarding every value: the floor any JSON tool pays.
#[divan::bench(sample_count = 10)]
fn parse_floor_serde_ignored(b: Bencher) {
    b.counter(BytesCount::new(data().len())).bench(|| {
        for l in lines() {
            let _: serde::de::IgnoredAny = serde_json::from_slice(l).expect("json");
        }
    });
}

/// Our document model (order-preserving, exact numbers).
#[divan::bench(sample_count = 10)]
fn parse_value(b: Bencher) {
    b.counter(BytesCount::new(data().len())).bench(|| {
        for l in lines() {
            divan::black_box(value::parse(l).expect("json"));
        }
    });
}

fn flatten(cfg: Config) {
    let mut f = Flattener::new("orders", cfg).expect("config");
    for (i, l) in lines().enumerate() {
        f.push_json(l, Location::record(i as u64)).expect("record");
        if i % 10_000 == 9_999 {
            divan::black_box(f.take_batches());
        }
    }
    divan::black_box(f.take_batches());
}

/// Parse + flatten into Arrow batches, default options (values cast to text).
#[divan::bench(sample_count = 10)]
fn flatten_default(b: Bencher) {
    b.counter(BytesCount::new(data().len()))
        .bench(|| flatten(Config::default()));
}

/// Parse + flatten, typed mode.
#[divan::bench(sample_count = 10)]
fn flatten_typed(b: Bencher) {
    b.counter(BytesCount::new(data().len())).bench(|| {
        flatten(Config {
            cast_to_string: false,
            ..Config::default()
        })
    });
}
